/*
 * Times in the REST API (broker/api_time.h): RFC 3339 texts with offsets, local wall times read
 * in a zone across DST change days (a skipped or repeated wall time is refused, never guessed),
 * and the local texts answers show. Expected instants were computed independently with
 * Python's zoneinfo over the same tzdata.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "api_time.h"

static void expect_time(const char *text, const char *zone, int64_t want)
{
    int64_t t = -1;
    const char *why = NULL;

    if (tolkd_time_parse(text, zone, &t, &why) != 0)
        fail_msg("%s in \"%s\": refused: %s", text, zone, why);
    if (t != want)
        fail_msg("%s in \"%s\": %lld, want %lld", text, zone, (long long)t, (long long)want);
}

static void expect_refused(const char *text, const char *zone, const char *reason)
{
    int64_t t = 12345;
    const char *why = NULL;

    if (tolkd_time_parse(text, zone, &t, &why) == 0)
        fail_msg("%s in \"%s\": accepted as %lld", text, zone, (long long)t);
    assert_non_null(why);
    if (strstr(why, reason) == NULL)
        fail_msg("%s: reason \"%s\" lacks \"%s\"", text, why, reason);
    assert_int_equal(t, 12345);
}

static void test_offsets(void **state)
{
    (void)state;
    expect_time("2100-01-01T00:00:00Z", "", 4102444800);
    expect_time("2100-01-01T00:00Z", "", 4102444800);
    expect_time("2100-01-01t01:00:00+01:00", "", 4102444800);
    expect_time("2099-12-31 19:00:00-05:00", "", 4102444800);
    expect_time("2100-01-01T05:30+05:30", "Europe/Amsterdam", 4102444800); /* offset wins */
    expect_time("1970-01-01T00:00:00Z", "", 0);
    expect_time("2024-02-29T12:00:00Z", "", 1709208000);
}

static void test_local_times(void **state)
{
    (void)state;
    expect_time("2100-01-01T01:00", "Europe/Amsterdam", 4102444800);
    expect_time("2100-07-01T10:00:00", "Europe/Amsterdam", 4118112000);
    expect_time("2100-07-01T10:00:00", "UTC", 4118119200);
    expect_time("2100-07-01T04:00", "America/New_York", 4118112000);
    /* spring forward in Amsterdam, 2100-03-28: 01:30 CET and 03:30 CEST are one hour apart */
    expect_time("2100-03-28T01:30", "Europe/Amsterdam", 4109877000);
    expect_time("2100-03-28T03:30", "Europe/Amsterdam", 4109880600);
    /* fall back, 2100-10-31: 01:30 and 03:30 are unique, four real hours apart */
    expect_time("2100-10-31T01:30", "Europe/Amsterdam", 4128622200);
    expect_time("2100-10-31T03:30", "Europe/Amsterdam", 4128633000);
}

static void test_dst_gaps_and_folds_refused(void **state)
{
    (void)state;
    expect_refused("2100-03-28T02:30", "Europe/Amsterdam", "does not exist");
    expect_refused("2100-03-28T02:00:00", "Europe/Amsterdam", "does not exist");
    expect_refused("2100-10-31T02:30", "Europe/Amsterdam", "ambiguous");
    expect_refused("2100-11-07T01:30", "America/New_York", "ambiguous");
    /* with an offset, either instant of the fold can be given */
    expect_time("2100-10-31T02:30+02:00", "Europe/Amsterdam", 4128625800);
    expect_time("2100-10-31T02:30+01:00", "Europe/Amsterdam", 4128625800 + 3600);
}

static void test_bad_texts(void **state)
{
    static const char *const bad[] = {
        "",
        "tomorrow",
        "2100-01-01",
        "2100-1-01T10:00Z",
        "2100-01-01T10Z",
        "2100-01-01T10:00:00.5Z",
        "2100-01-01T10:00+0100",
        "2100-01-01T10:00+01",
        "2100-01-01T10:00Z junk",
        "2100-01-01X10:00Z",
        "+2100-01-01T10:00Z",
        "２100-01-01T10:00Z",
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_refused(bad[i], "UTC", "date and time");
    expect_refused("2100-02-29T10:00Z", "", "not a real date");
    expect_refused("2100-04-31T10:00Z", "", "not a real date");
    expect_refused("2100-01-01T24:00Z", "", "not a real date");
    expect_refused("2100-01-01T10:60Z", "", "not a real date");
    expect_refused("2100-01-01T10:00:60Z", "", "not a real date");
    expect_refused("1969-12-31T23:59:59Z", "", "not a real date");
    expect_refused("2100-13-01T10:00Z", "", "not a real date");
    expect_refused("2100-01-01T10:00+24:00", "", "date and time");
    expect_refused("2100-01-01T10:00", "", "needs a time_zone");
    expect_refused("2100-01-01T10:00", "Mars/Olympus_Mons", "not a time in that time zone");
    expect_refused("2100-01-01T10:00", "../../etc/passwd", "not a time in that time zone");
}

static void test_format(void **state)
{
    char out[TOLKD_TIME_TEXT_MAX];

    (void)state;
    assert_int_equal(tolkd_time_format(4102444800, "Europe/Amsterdam", out), 0);
    assert_string_equal(out, "2100-01-01T01:00:00+01:00");
    assert_int_equal(tolkd_time_format(4118112000, "Europe/Amsterdam", out), 0);
    assert_string_equal(out, "2100-07-01T10:00:00+02:00");
    assert_int_equal(tolkd_time_format(4102444800, "UTC", out), 0);
    assert_string_equal(out, "2100-01-01T00:00:00+00:00");
    assert_int_equal(tolkd_time_format(4102444800, "America/St_Johns", out), 0);
    assert_string_equal(out, "2099-12-31T20:30:00-03:30");
    /* both instants of a fold show their own offsets */
    assert_int_equal(tolkd_time_format(4128625800, "Europe/Amsterdam", out), 0);
    assert_string_equal(out, "2100-10-31T02:30:00+02:00");
    assert_int_equal(tolkd_time_format(4128625800 + 3600, "Europe/Amsterdam", out), 0);
    assert_string_equal(out, "2100-10-31T02:30:00+01:00");
    assert_int_equal(tolkd_time_format(0, "Nowhere/Atlantis", out), -1);
    assert_string_equal(out, "");
}

/* What format writes, parse reads back to the same instant. */
static void test_round_trip(void **state)
{
    static const char *const zones[] = {"UTC", "Europe/Amsterdam", "America/New_York", "Asia/Kabul",
                                        "Australia/Lord_Howe"};
    char out[TOLKD_TIME_TEXT_MAX];

    (void)state;
    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++)
        for (int64_t t = 4102444800; t < 4102444800 + 366 * 86400; t += 86400 / 4 + 7) {
            int64_t back = -1;
            const char *why;
            assert_int_equal(tolkd_time_format(t, zones[z], out), 0);
            assert_int_equal(tolkd_time_parse(out, "", &back, &why), 0);
            assert_int_equal(back, t);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_local_times),
        cmocka_unit_test(test_dst_gaps_and_folds_refused),
        cmocka_unit_test(test_bad_texts),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
