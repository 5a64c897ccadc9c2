/* The control-message codec: decoding every field rule, negotiation, and the encoders. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "proto.h"

static int decode(const char *text, struct tolk_msg *msg, struct tolk_proto_fault *fault)
{
    return tolk_proto_decode(text, strlen(text), msg, fault);
}

static void test_hello_from_client(void **state)
{
    (void)state;
    struct tolk_msg m;
    struct tolk_proto_fault f;
    assert_int_equal(decode("{\"type\":\"hello\",\"versions\":[3,1],\"software\":\"x/1\","
                            "\"future_field\":{}}",
                            &m, &f),
                     0);
    assert_int_equal(m.type, TOLK_MSG_HELLO);
    assert_int_equal(m.u.hello.nversions, 2);
    assert_int_equal(m.u.hello.versions[0], 3);
    assert_string_equal(m.u.hello.software, "x/1");
    assert_int_equal(tolk_proto_negotiate(&m.u.hello), 1);
}

static void test_hello_reply_round_trip(void **state)
{
    (void)state;
    char buf[256];
    size_t n = tolk_proto_encode_hello_reply(buf, sizeof buf, 1, "tolkd/0.1.0", 20);
    assert_true(n > 0);
    struct tolk_msg m;
    struct tolk_proto_fault f;
    assert_int_equal(tolk_proto_decode(buf, n, &m, &f), 0);
    assert_int_equal(m.u.hello.version, 1);
    assert_int_equal(m.u.hello.keepalive_s, 20);
    assert_int_equal(m.u.hello.nversions, 0);
    assert_string_equal(m.u.hello.software, "tolkd/0.1.0");
}

static void test_client_hello_encodes_supported_versions(void **state)
{
    (void)state;
    char buf[256];
    size_t n = tolk_proto_encode_hello(buf, sizeof buf, "libtolk/0.1.0");
    struct tolk_msg m;
    struct tolk_proto_fault f;
    assert_int_equal(tolk_proto_decode(buf, n, &m, &f), 0);
    assert_int_equal(tolk_proto_negotiate(&m.u.hello), TOLK_PROTO_VERSION);
}

static void test_no_common_version(void **state)
{
    (void)state;
    struct tolk_msg m;
    struct tolk_proto_fault f;
    assert_int_equal(decode("{\"type\":\"hello\",\"versions\":[2,99]}", &m, &f), 0);
    assert_int_equal(tolk_proto_negotiate(&m.u.hello), 0);
}

static void test_faults(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int code;
    } cases[] = {
        {"", TOLK_PERR_BAD_JSON},
        {"{", TOLK_PERR_BAD_JSON},
        {"\"hello\"", TOLK_PERR_BAD_JSON},
        {"[]", TOLK_PERR_BAD_JSON},
        {"{\"type\":\"hello\",\"type\":\"hello\",\"versions\":[1]}", TOLK_PERR_BAD_JSON},
        {"{\"type\":\"hello\",\"software\":\"a\\u0000b\",\"versions\":[1]}", TOLK_PERR_BAD_JSON},
        {"{}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":null}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"nope\"}", TOLK_PERR_UNKNOWN_TYPE},
        {"{\"type\":\"hello\"}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[]}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[0]}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[1.5]}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[\"1\"]}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[4294967297]}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}",
         TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"version\":-1}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[1],\"software\":7}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[1],\"keepalive_s\":0}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[1],\"software\":"
         "\"0123456789012345678901234567890123456789012345678901234567890123\"}",
         TOLK_PERR_BAD_MESSAGE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tolk_msg m;
        struct tolk_proto_fault f = {0};
        int rc = decode(cases[i].text, &m, &f);
        if (rc != cases[i].code)
            fail_msg("case %zu (%s): got %d, expected %d", i, cases[i].text, rc, cases[i].code);
        assert_int_equal(f.code, cases[i].code);
        assert_non_null(f.detail);
    }
}

static void test_length_is_explicit(void **state)
{
    (void)state;
    const char text[] = "{\"type\":\"hello\",\"versions\":[1]}GARBAGE";
    struct tolk_msg m;
    struct tolk_proto_fault f;
    assert_int_equal(tolk_proto_decode(text, strlen(text) - 7, &m, &f), 0);
    assert_int_equal(tolk_proto_decode(text, strlen(text), &m, &f), TOLK_PERR_BAD_JSON);
}

static void test_error_encoding(void **state)
{
    (void)state;
    char buf[512];
    size_t n = tolk_proto_encode_error(buf, sizeof buf, TOLK_PERR_UNSUPPORTED_VERSION, "none");
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "\"code\":1004"));
    assert_non_null(strstr(buf, "\"name\":\"unsupported_version\""));
    assert_non_null(strstr(buf, "\"supported\":[1]"));
    assert_int_equal(tolk_proto_encode_error(buf, 10, TOLK_PERR_BAD_JSON, "x"), 0);
    assert_string_equal(tolk_proto_error_name(TOLK_PERR_TOO_LARGE), "too_large");
    assert_string_equal(tolk_proto_error_name((enum tolk_proto_error)4242), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello_from_client),
        cmocka_unit_test(test_hello_reply_round_trip),
        cmocka_unit_test(test_client_hello_encodes_supported_versions),
        cmocka_unit_test(test_no_common_version),
        cmocka_unit_test(test_faults),
        cmocka_unit_test(test_length_is_explicit),
        cmocka_unit_test(test_error_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
