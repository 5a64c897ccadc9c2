/* libtolk's public surface: error strings, versions, options and the interpreter leg's calls
 * before a session (no network is touched: nothing here joins). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tolk.h"

static void test_every_code_has_its_own_sentence(void **state)
{
    (void)state;
    for (int code = 0; code > -TOLK_ERROR_COUNT; code--) {
        const char *s = tolk_strerror(code);
        assert_non_null(s);
        assert_true(strlen(s) > 3);
        assert_string_not_equal(s, "unknown error");
        for (int other = code + 1; other <= 0; other++)
            assert_string_not_equal(s, tolk_strerror(other));
    }
    assert_string_equal(tolk_strerror(1), "unknown error");
    assert_string_equal(tolk_strerror(-TOLK_ERROR_COUNT), "unknown error");
    assert_string_equal(tolk_strerror(-1000000), "unknown error");
}

static void test_versions(void **state)
{
    (void)state;
    assert_string_equal(tolk_version_string(), TOLK_VERSION);
    assert_int_equal(tolk_protocol_version(), 1);
}

static tolk_client *new_client(const char *lang, int *rc)
{
    struct tolk_options o;
    memset(&o, 0, sizeof o);
    o.url = "wss://127.0.0.1:9/ws";
    o.lang = lang;
    tolk_client *c = NULL;
    *rc = tolk_client_new(&o, &c);
    return c;
}

static void test_lang_option(void **state)
{
    (void)state;
    static const char *const good[] = {NULL, "", "ar", "prs-AF", "zh-Hant-TW", "nl"};
    static const char *const bad[] = {"a",     "1ar", "ar_AF",
                                      "ar AF", "ar;", "abcdefghijklmnopqrstuvwxyz0123456789"};
    int rc;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        tolk_client *c = new_client(good[i], &rc);
        assert_int_equal(rc, 0);
        tolk_client_free(c);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tolk_client *c = new_client(bad[i], &rc);
        assert_int_equal(rc, TOLK_EINVAL);
        assert_null(c);
    }
}

/* Before a session: every control is refused with TOLK_ESTATE (after its own argument checks),
 * and the accessors say "nothing known yet". NULL clients are refused, never dereferenced. */
static void test_controls_before_joining(void **state)
{
    (void)state;
    int rc;
    tolk_client *c = new_client("ar", &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(tolk_client_admit(c, 2, true), TOLK_ESTATE);
    assert_int_equal(tolk_client_hold(c, 2), TOLK_ESTATE);
    assert_int_equal(tolk_client_remove(c, 2), TOLK_ESTATE);
    assert_int_equal(tolk_client_sidebar(c, true), TOLK_ESTATE);
    assert_int_equal(tolk_client_set_mode(c, TOLK_MODE_SIMULTANEOUS), TOLK_ESTATE);
    assert_int_equal(tolk_client_set_channel(c, "ar"), TOLK_ESTATE);
    assert_int_equal(tolk_client_signal(c, TOLK_SIGNAL_SLOW_DOWN), TOLK_ESTATE);
    assert_int_equal(tolk_client_handover(c, TOLK_HANDOVER_ACCEPT), TOLK_ESTATE);
    assert_int_equal(tolk_client_pause(c, true), TOLK_ESTATE);
    assert_int_equal(tolk_client_announce_recording(c, true), TOLK_ESTATE);
    /* arguments outside their contract */
    assert_int_equal(tolk_client_admit(c, -1, false), TOLK_EINVAL);
    assert_int_equal(tolk_client_admit(c, 16, false), TOLK_EINVAL);
    assert_int_equal(tolk_client_hold(c, 99), TOLK_EINVAL);
    assert_int_equal(tolk_client_set_mode(c, TOLK_MODE_UNKNOWN), TOLK_EINVAL);
    assert_int_equal(tolk_client_set_mode(c, 7), TOLK_EINVAL);
    assert_int_equal(tolk_client_signal(c, 0), TOLK_EINVAL);
    assert_int_equal(tolk_client_signal(c, TOLK_SIGNAL_MOMENT + 1), TOLK_EINVAL);
    assert_int_equal(tolk_client_handover(c, 0), TOLK_EINVAL);
    assert_int_equal(tolk_client_set_channel(c, NULL), TOLK_EINVAL);
    char longtag[64];
    memset(longtag, 'a', sizeof longtag - 1);
    longtag[sizeof longtag - 1] = '\0';
    assert_int_equal(tolk_client_set_channel(c, longtag), TOLK_EINVAL);
    /* nothing known yet */
    assert_int_equal(tolk_client_presence(c), TOLK_PRESENCE_UNKNOWN);
    assert_int_equal(tolk_client_mode(c), TOLK_MODE_UNKNOWN);
    assert_int_equal(tolk_client_sidebar_open(c), 0);
    struct tolk_participant ps[4];
    assert_int_equal(tolk_client_participants(c, ps, 4), 0);
    assert_int_equal(tolk_client_participants(c, NULL, 0), 0);
    tolk_client_free(c);
    assert_int_equal(tolk_client_admit(NULL, 1, false), TOLK_EINVAL);
    assert_int_equal(tolk_client_pause(NULL, true), TOLK_EINVAL);
    assert_int_equal(tolk_client_presence(NULL), TOLK_PRESENCE_UNKNOWN);
    assert_int_equal(tolk_client_participants(NULL, ps, 4), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_has_its_own_sentence),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_lang_option),
        cmocka_unit_test(test_controls_before_joining),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
