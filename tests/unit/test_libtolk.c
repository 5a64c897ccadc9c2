/* libtolk's public surface: error strings and versions. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_has_its_own_sentence),
        cmocka_unit_test(test_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
