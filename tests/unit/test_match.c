/*
 * Unit tests for interp/: BCP 47 tags, time zones (DST days in Europe/Berlin and
 * America/New_York), and interpreter matching (filters, ranking, explanations), with a small
 * timing smoke check. Expected instants were computed independently (Python's zoneinfo).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "match.h"
#include "tz.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define HOUR         INT64_C(3600)

/* UTC seconds of a UTC civil time, by plain counting (independent of tz.c's arithmetic). */
static int64_t utc_of(int y, int mo, int d, int h, int mi)
{
    static const int mlen[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t days = 0;
    for (int yy = 1970; yy < y; yy++)
        days += (yy % 4 == 0 && (yy % 100 != 0 || yy % 400 == 0)) ? 366 : 365;
    for (int mm = 1; mm < mo; mm++)
        days += mlen[mm - 1] + (mm == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
    days += d - 1;
    return days * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60;
}

/* ---- tags ------------------------------------------------------------------------------- */

static void test_lang_check_table(void **state)
{
    (void)state;
    static const struct {
        const char *tag;
        enum tolk_lang_status want;
    } cases[] = {
        {"en", TOLK_LANG_OK},
        {"EN", TOLK_LANG_OK},
        {"ar-SY", TOLK_LANG_OK},
        {"ar-sy", TOLK_LANG_OK},
        {"prs", TOLK_LANG_OK},
        {"abcdefgh", TOLK_LANG_OK},
        {"zh-Hant-TW", TOLK_LANG_OK},
        {"sr-Latn-RS", TOLK_LANG_OK},
        {"es-419", TOLK_LANG_OK},
        {"de-CH-1901", TOLK_LANG_OK},
        {"sl-rozaj-biske", TOLK_LANG_OK},
        {"ca-valencia", TOLK_LANG_OK},
        {"de-Latn-DE-1901-rozaj-biske-abcdefg", TOLK_LANG_OK}, /* exactly 35 */
        {"de-Latn-DE-1901-rozaj-biske-abcdefgh", TOLK_LANG_TOO_LONG},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", TOLK_LANG_TOO_LONG},
        {NULL, TOLK_LANG_EMPTY},
        {"", TOLK_LANG_EMPTY},
        {"en--US", TOLK_LANG_EMPTY_SUBTAG},
        {"-en", TOLK_LANG_EMPTY_SUBTAG},
        {"en-", TOLK_LANG_EMPTY_SUBTAG},
        {"-", TOLK_LANG_EMPTY_SUBTAG},
        {"en_US", TOLK_LANG_BAD_CHAR},
        {"en US", TOLK_LANG_BAD_CHAR},
        {"ar-SY\n", TOLK_LANG_BAD_CHAR},
        {"fr-\xc3\xa9", TOLK_LANG_BAD_CHAR},
        {"e", TOLK_LANG_BAD_LANGUAGE},
        {"e1", TOLK_LANG_BAD_LANGUAGE},
        {"123", TOLK_LANG_BAD_LANGUAGE},
        {"abcdefghi", TOLK_LANG_BAD_LANGUAGE},
        {"i-klingon", TOLK_LANG_BAD_LANGUAGE},
        {"zh-yue", TOLK_LANG_EXTLANG},
        {"en-US-Latn", TOLK_LANG_BAD_SUBTAG},
        {"en-Latn-Cyrl", TOLK_LANG_BAD_SUBTAG},
        {"en-US-GB", TOLK_LANG_BAD_SUBTAG},
        {"en-12", TOLK_LANG_BAD_SUBTAG},
        {"en-abcdefghi", TOLK_LANG_BAD_SUBTAG},
        {"en-1901-US", TOLK_LANG_BAD_SUBTAG},
        {"de-1901-1901", TOLK_LANG_DUP_VARIANT},
        {"de-1901-1901", TOLK_LANG_DUP_VARIANT},
        {"sl-ROZAJ-rozaj", TOLK_LANG_DUP_VARIANT},
        {"en-u-ca-gregory", TOLK_LANG_EXTENSION},
        {"en-US-t-de", TOLK_LANG_EXTENSION},
        {"x-klingon", TOLK_LANG_PRIVATE_USE},
        {"en-x-private", TOLK_LANG_PRIVATE_USE},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        enum tolk_lang_status got = tolk_lang_check(cases[i].tag);
        if (got != cases[i].want)
            print_error("tag %zu \"%s\": got %d (%s), want %d\n", i,
                        cases[i].tag ? cases[i].tag : "(null)", (int)got, tolk_lang_status_str(got),
                        (int)cases[i].want);
        assert_int_equal(got, cases[i].want);
        assert_int_equal(tolk_lang_valid(cases[i].tag), cases[i].want == TOLK_LANG_OK);
    }
    /* every status has its own explanation */
    for (int a = TOLK_LANG_OK; a <= TOLK_LANG_PRIVATE_USE; a++) {
        assert_non_null(tolk_lang_status_str((enum tolk_lang_status)a));
        for (int b = a + 1; b <= TOLK_LANG_PRIVATE_USE; b++)
            assert_string_not_equal(tolk_lang_status_str((enum tolk_lang_status)a),
                                    tolk_lang_status_str((enum tolk_lang_status)b));
    }
    assert_string_equal(tolk_lang_status_str((enum tolk_lang_status)99), "unknown");
}

static void test_lang_canonical(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"SR-latn-rs", "sr-Latn-RS"}, {"EN-us", "en-US"},
        {"es-419", "es-419"},         {"ZH-HANT-tw", "zh-Hant-TW"},
        {"DE-ch-1901", "de-CH-1901"}, {"AR", "ar"},
        {"ar-sy", "ar-SY"},           {"SL-Rozaj-BISKE", "sl-rozaj-biske"},
    };
    char buf[TOLK_LANG_TAG_SIZE];
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        assert_int_equal(tolk_lang_canonical(cases[i].in, buf, sizeof buf), 0);
        assert_string_equal(buf, cases[i].out);
    }
    assert_int_equal(tolk_lang_canonical("en--US", buf, sizeof buf), -1);
    assert_string_equal(buf, "");
    assert_int_equal(tolk_lang_canonical("zh-Hant-TW", buf, 10), -1); /* needs 11 */
    assert_int_equal(tolk_lang_canonical("zh-Hant-TW", buf, 11), 0);
    assert_string_equal(buf, "zh-Hant-TW");
    assert_int_equal(tolk_lang_canonical("en", buf, 0), -1);
}

static void test_lang_match_table(void **state)
{
    (void)state;
    static const struct {
        const char *want, *have;
        enum tolk_lang_match m;
    } cases[] = {
        {"ar-SY", "ar-SY", TOLK_LANG_MATCH_EXACT},
        {"ar-SY", "AR-sy", TOLK_LANG_MATCH_EXACT},
        {"ar-SY", "ar-Arab-SY", TOLK_LANG_MATCH_EXACT},
        {"ar-SY", "ar-IQ", TOLK_LANG_MATCH_LANGUAGE},
        {"ar-SY", "ar", TOLK_LANG_MATCH_LANGUAGE},
        {"ar", "ar-SY", TOLK_LANG_MATCH_EXACT},
        {"ar-SY", "fa", TOLK_LANG_MATCH_NONE},
        {"ar", "arc", TOLK_LANG_MATCH_NONE},
        {"sr-Latn", "sr-Cyrl", TOLK_LANG_MATCH_EXACT},
        {"de-CH-1901", "de-CH", TOLK_LANG_MATCH_LANGUAGE},
        {"de-CH", "de-CH-1901", TOLK_LANG_MATCH_EXACT},
        {"sl-rozaj-biske", "sl-biske-rozaj", TOLK_LANG_MATCH_EXACT},
        {"es-419", "es-MX", TOLK_LANG_MATCH_LANGUAGE},
        {"en--US", "en-US", TOLK_LANG_MATCH_NONE},
        {"en", "en_US", TOLK_LANG_MATCH_NONE},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        assert_int_equal(tolk_lang_match(cases[i].want, cases[i].have), cases[i].m);
}

/* ---- time zones ------------------------------------------------------------------------- */

static void test_tz_valid_table(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int ok;
    } cases[] = {
        {"Europe/Berlin", 1},
        {"America/New_York", 1},
        {"America/Port-au-Prince", 1},
        {"America/Argentina/Buenos_Aires", 1},
        {"Etc/GMT+5", 1},
        {"UTC", 1},
        {"Asia/Kolkata", 1},
        {NULL, 0},
        {"", 0},
        {"Europe/../../etc/passwd", 0},
        {"../zoneinfo/UTC", 0},
        {"/etc/passwd", 0},
        {"Europe//Berlin", 0},
        {"Europe/Berlin/", 0},
        {"Europe/Berlin ", 0},
        {"Europe/Berlin\n", 0},
        {"Mars/Olympus_Mons", 0},
        {"Europe", 0},    /* a directory */
        {"zone.tab", 0},  /* not a zone, and '.' is refused */
        {"localtime", 0}, /* the server's zone, not a zone name */
        {"right/UTC", 0}, /* leap-second data */
        {"Europe/Berlinxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        if (tolk_tz_valid(cases[i].name) != cases[i].ok)
            print_error("zone \"%s\"\n", cases[i].name ? cases[i].name : "(null)");
        assert_int_equal(tolk_tz_valid(cases[i].name), cases[i].ok);
    }
}

static void test_tz_local_table(void **state)
{
    (void)state;
    static const struct {
        const char *zone;
        int64_t utc;
        int y, mo, d, wd, minute, sec;
        int32_t off;
        bool dst;
    } cases[] = {
        {"Europe/Berlin", 1711846799, 2024, 3, 31, 6, 1 * 60 + 59, 59, 3600, false},
        {"Europe/Berlin", 1711846800, 2024, 3, 31, 6, 3 * 60, 0, 7200, true},
        {"Europe/Berlin", 1729990799, 2024, 10, 27, 6, 2 * 60 + 59, 59, 7200, true},
        {"Europe/Berlin", 1729990800, 2024, 10, 27, 6, 2 * 60, 0, 3600, false},
        {"America/New_York", 1710053999, 2024, 3, 10, 6, 1 * 60 + 59, 59, -18000, false},
        {"America/New_York", 1710054000, 2024, 3, 10, 6, 3 * 60, 0, -14400, true},
        {"America/New_York", 1730613600, 2024, 11, 3, 6, 1 * 60, 0, -18000, false},
        {"Europe/Berlin", 1715760000, 2024, 5, 15, 2, 10 * 60, 0, 7200, true},
        /* after the zone file's listed transitions: its POSIX rule applies */
        {"Europe/Berlin", 2224756800, 2040, 7, 1, 6, 14 * 60, 0, 7200, true},
        {"America/New_York", 2224756800, 2040, 7, 1, 6, 8 * 60, 0, -14400, true},
        {"Europe/Berlin", 2216249999, 2040, 3, 25, 6, 1 * 60 + 59, 59, 3600, false},
        {"Europe/Berlin", 2216250000, 2040, 3, 25, 6, 3 * 60, 0, 7200, true},
        {"Australia/Sydney", 1705320000, 2024, 1, 15, 0, 23 * 60, 0, 39600, true},
        {"Asia/Kolkata", 1705320000, 2024, 1, 15, 0, 17 * 60 + 30, 0, 19800, false},
        {"UTC", 0, 1970, 1, 1, 3, 0, 0, 0, false},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct tolk_local_time lt;
        assert_int_equal(tolk_tz_local(cases[i].zone, cases[i].utc, &lt), 0);
        assert_int_equal(lt.year, cases[i].y);
        assert_int_equal(lt.month, cases[i].mo);
        assert_int_equal(lt.day, cases[i].d);
        assert_int_equal(lt.weekday, cases[i].wd);
        assert_int_equal(lt.minute, cases[i].minute);
        assert_int_equal(lt.second, cases[i].sec);
        assert_int_equal(lt.utc_offset, cases[i].off);
        assert_int_equal(lt.is_dst, cases[i].dst);
    }
    struct tolk_local_time lt;
    assert_int_equal(tolk_tz_local("Mars/Olympus_Mons", 0, &lt), -1);
    assert_int_equal(tolk_tz_local("Europe/Berlin", INT64_MAX, &lt), -1);
}

static void test_tz_to_utc_table(void **state)
{
    (void)state;
    const int64_t berlin_spring = 1711846800; /* 2024-03-31 01:00 UTC: 02:00 CET -> 03:00 */
    const int64_t berlin_fall = 1729990800;   /* 2024-10-27 01:00 UTC: 03:00 CEST -> 02:00 */
    const int64_t ny_spring = 1710054000;     /* 2024-03-10 07:00 UTC: 02:00 EST -> 03:00 */
    const int64_t ny_fall = 1730613600;       /* 2024-11-03 06:00 UTC: 02:00 EDT -> 01:00 */
    const struct {
        const char *zone;
        int y, mo, d, minute;
        int64_t want;
    } cases[] = {
        {"Europe/Berlin", 2024, 3, 31, 1 * 60 + 59, berlin_spring - 60},
        {"Europe/Berlin", 2024, 3, 31, 2 * 60, berlin_spring},      /* does not exist */
        {"Europe/Berlin", 2024, 3, 31, 2 * 60 + 30, berlin_spring}, /* does not exist */
        {"Europe/Berlin", 2024, 3, 31, 3 * 60, berlin_spring},
        {"Europe/Berlin", 2024, 3, 31, 3 * 60 + 1, berlin_spring + 60},
        {"Europe/Berlin", 2024, 10, 27, 1 * 60 + 59, berlin_fall - 61 * 60},
        {"Europe/Berlin", 2024, 10, 27, 2 * 60, berlin_fall - HOUR}, /* twice: the first */
        {"Europe/Berlin", 2024, 10, 27, 2 * 60 + 30, berlin_fall - HOUR / 2},
        {"Europe/Berlin", 2024, 10, 27, 3 * 60, berlin_fall + HOUR},
        {"Europe/Berlin", 2040, 3, 25, 2 * 60 + 30, 2216250000}, /* rule-based gap */
        {"America/New_York", 2024, 3, 10, 2 * 60 + 30, ny_spring},
        {"America/New_York", 2024, 3, 10, 3 * 60, ny_spring},
        {"America/New_York", 2024, 3, 10, 1 * 60, ny_spring - HOUR},
        {"America/New_York", 2024, 11, 3, 1 * 60 + 30, ny_fall - HOUR / 2}, /* 01:30 EDT */
        {"America/New_York", 2024, 11, 3, 2 * 60, ny_fall + HOUR},
        {"Europe/Berlin", 2024, 5, 15, 1440, utc_of(2024, 5, 15, 22, 0)}, /* 24:00 */
        {"Europe/Berlin", 2024, 12, 31, 1440, utc_of(2024, 12, 31, 23, 0)},
        {"Asia/Kolkata", 2024, 2, 29, 0, utc_of(2024, 2, 28, 18, 30)},
        {"UTC", 2024, 2, 29, 12 * 60, utc_of(2024, 2, 29, 12, 0)},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        int64_t got = 0;
        assert_int_equal(tolk_tz_to_utc(cases[i].zone, cases[i].y, cases[i].mo, cases[i].d,
                                        cases[i].minute, &got),
                         0);
        if (got != cases[i].want)
            print_error("case %zu: got %lld want %lld\n", i, (long long)got,
                        (long long)cases[i].want);
        assert_true(got == cases[i].want);
    }
    int64_t t = 42;
    assert_int_equal(tolk_tz_to_utc("Europe/Berlin", 2024, 13, 1, 0, &t), -1);
    assert_int_equal(tolk_tz_to_utc("Europe/Berlin", 2023, 2, 29, 0, &t), -1);
    assert_int_equal(tolk_tz_to_utc("Europe/Berlin", 2024, 2, 30, 0, &t), -1);
    assert_int_equal(tolk_tz_to_utc("Europe/Berlin", 2024, 1, 1, 1441, &t), -1);
    assert_int_equal(tolk_tz_to_utc("Europe/Berlin", 2024, 1, 1, -1, &t), -1);
    assert_int_equal(tolk_tz_to_utc("Nowhere/Special", 2024, 1, 1, 0, &t), -1);
    assert_true(t == 42);
}

/* Round trips over many zones (more than the cache holds) and two years of hours. */
static void test_tz_round_trip(void **state)
{
    (void)state;
    static const char *zones[] = {
        "Europe/Berlin", "America/New_York",  "Australia/Sydney", "Asia/Kolkata",
        "Europe/London", "America/Sao_Paulo", "Asia/Tehran",      "Pacific/Chatham",
        "Africa/Cairo",  "Asia/Gaza",         "Europe/Dublin",    "America/Santiago",
    };
    int64_t t0 = utc_of(2024, 1, 1, 0, 0);
    for (size_t z = 0; z < ARRAY_LEN(zones); z++) {
        for (int64_t t = t0; t < t0 + 2 * 366 * 86400; t += 3 * HOUR + 60) {
            struct tolk_local_time lt, back;
            int64_t u;
            assert_int_equal(tolk_tz_local(zones[z], t, &lt), 0);
            assert_int_equal(tolk_tz_to_utc(zones[z], lt.year, lt.month, lt.day, lt.minute, &u), 0);
            if (u != t - lt.second) { /* only an ambiguous wall time: the earlier reading */
                assert_true(u < t);
                assert_int_equal(tolk_tz_local(zones[z], u, &back), 0);
                assert_int_equal(back.minute, lt.minute);
                assert_int_equal(back.day, lt.day);
            }
        }
    }
}

/* ---- matching fixtures ------------------------------------------------------------------ */

/* A Berlin interpreter speaking ar-SY <-> de, free Monday to Friday 08:00-17:00. */
static void interp_init(struct tolk_interpreter *c, int64_t id)
{
    memset(c, 0, sizeof *c);
    c->id = id;
    c->gender = 'f';
    strcpy(c->tz, "Europe/Berlin");
    strcpy(c->pairs[0].a, "ar-SY");
    strcpy(c->pairs[0].b, "de");
    c->n_pairs = 1;
    for (int wd = 0; wd < 5; wd++)
        c->slots[c->n_slots++] = (struct tolk_weekly_slot){wd, 8 * 60, 17 * 60};
}

static void set_pair(struct tolk_interpreter *c, const char *a, const char *b)
{
    strcpy(c->pairs[0].a, a);
    strcpy(c->pairs[0].b, b);
    c->n_pairs = 1;
}

static void set_slots(struct tolk_interpreter *c, const struct tolk_weekly_slot *s, size_t n)
{
    memcpy(c->slots, s, n * sizeof *s);
    c->n_slots = n;
}

/* Wednesday 2024-05-15 10:00-11:00 Berlin (08:00-09:00 UTC); client ar-SY, clinician de. */
static void req_init(struct tolk_match_request *rq)
{
    memset(rq, 0, sizeof *rq);
    rq->window.start = utc_of(2024, 5, 15, 8, 0);
    rq->window.end = rq->window.start + HOUR;
    strcpy(rq->client_langs[0].tag, "ar-SY");
    rq->n_client_langs = 1;
    strcpy(rq->clinician_langs[0], "de");
    rq->n_clinician_langs = 1;
}

static void set_window(struct tolk_match_request *rq, int64_t start, int64_t end)
{
    rq->window.start = start;
    rq->window.end = end;
}

/* ---- matching --------------------------------------------------------------------------- */

static void test_language_pairs(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        enum tolk_match_reason want;
    } cases[] = {
        {"ar-SY", "de", TOLK_MATCH_OK},
        {"de", "ar-SY", TOLK_MATCH_OK}, /* pairs work both ways */
        {"AR-sy", "DE", TOLK_MATCH_OK},
        {"ar", "de", TOLK_MATCH_OK},
        {"ar-IQ", "de", TOLK_MATCH_OK},        /* a region is a preference */
        {"ar-SY", "de-AT", TOLK_MATCH_OK},     /* the clinician's side: language only */
        {"ar-SY", "en", TOLK_MATCH_LANGUAGE},  /* the clinician does not speak English */
        {"fa", "de", TOLK_MATCH_LANGUAGE},     /* the client does not speak Persian */
        {"arc", "de", TOLK_MATCH_LANGUAGE},    /* Aramaic is not Arabic */
        {"ar", "ar-SY", TOLK_MATCH_LANGUAGE},  /* one language on both sides */
        {"ar--SY", "de", TOLK_MATCH_LANGUAGE}, /* an invalid tag never matches */
        {"ar-SY", "de_DE", TOLK_MATCH_LANGUAGE},
    };
    struct tolk_match_request rq;
    struct tolk_interpreter c;
    req_init(&rq);
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        interp_init(&c, 1);
        set_pair(&c, cases[i].a, cases[i].b);
        assert_int_equal(tolk_match_explain(&rq, &c), cases[i].want);
    }
    /* the second pair is the one that serves; the suggestion says which */
    interp_init(&c, 7);
    set_pair(&c, "fa", "de");
    strcpy(c.pairs[1].a, "de");
    strcpy(c.pairs[1].b, "ar");
    c.n_pairs = 2;
    struct tolk_suggestion s[2];
    assert_int_equal(tolk_match_suggest(&rq, &c, 1, s, 2), 1);
    assert_int_equal(s[0].pair, 1);
    assert_int_equal(s[0].id, 7);
    c.n_pairs = 0;
    assert_int_equal(tolk_match_explain(&rq, &c), TOLK_MATCH_LANGUAGE);
    /* a tag filling its whole field, with no NUL, is read no further and never matches */
    interp_init(&c, 9);
    memset(c.pairs[0].a, 'a', sizeof c.pairs[0].a);
    memcpy(c.pairs[0].a, "ar-", 3);
    assert_int_equal(tolk_match_explain(&rq, &c), TOLK_MATCH_LANGUAGE);
    /* a clinician who speaks two languages */
    interp_init(&c, 8);
    set_pair(&c, "ar-SY", "en-GB");
    strcpy(rq.clinician_langs[1], "en");
    rq.n_clinician_langs = 2;
    assert_int_equal(tolk_match_explain(&rq, &c), TOLK_MATCH_OK);
}

static void test_dialect_ranking(void **state)
{
    (void)state;
    static const struct {
        int64_t id;
        const char *a, *b;
    } pool[] = {
        {1, "ar-IQ", "de"}, {2, "ar-SY", "de"}, {3, "ar", "de"},
        {4, "ar-SY", "en"}, {5, "fr", "de"},
    };
    struct tolk_interpreter c[ARRAY_LEN(pool)];
    for (size_t i = 0; i < ARRAY_LEN(pool); i++) {
        interp_init(&c[i], pool[i].id);
        set_pair(&c[i], pool[i].a, pool[i].b);
    }
    struct tolk_match_request rq;
    struct tolk_suggestion s[8];
    req_init(&rq);
    strcpy(rq.client_langs[1].tag, "fr");
    rq.n_client_langs = 2;

    /* exact matches first (ar-SY, then fr: the client gave no region), then primary-only */
    assert_int_equal(tolk_match_suggest(&rq, c, ARRAY_LEN(c), s, 8), 4);
    static const int64_t order[] = {2, 5, 1, 3};
    static const char *reasons[] = {"dialect", "language", "language", "language"};
    static const unsigned scores[] = {14, 13, 4, 4};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(s[i].id, order[i]);
        assert_string_equal(s[i].reason, reasons[i]);
        assert_int_equal(s[i].score, scores[i]);
        assert_false(s[i].continuity);
    }
    assert_true(s[0].exact);
    assert_int_equal(s[0].lang_rank, 0);
    assert_true(s[1].exact);
    assert_int_equal(s[1].lang_rank, 1);
    assert_false(s[2].exact);

    /* a required dialect turns "preferred" into a filter */
    rq.client_langs[0].dialect_required = true;
    assert_int_equal(tolk_match_suggest(&rq, c, ARRAY_LEN(c), s, 8), 2);
    assert_int_equal(s[0].id, 2);
    assert_int_equal(s[1].id, 5);
    assert_int_equal(tolk_match_explain(&rq, &c[0]), TOLK_MATCH_DIALECT);
    assert_int_equal(tolk_match_explain(&rq, &c[2]), TOLK_MATCH_DIALECT);
    assert_int_equal(tolk_match_explain(&rq, &c[3]), TOLK_MATCH_LANGUAGE);

    /* the client's order of preference, before the id */
    req_init(&rq);
    strcpy(rq.client_langs[0].tag, "fr");
    strcpy(rq.client_langs[1].tag, "ar");
    rq.n_client_langs = 2;
    assert_int_equal(tolk_match_suggest(&rq, c, ARRAY_LEN(c), s, 8), 4);
    assert_int_equal(s[0].id, 5);
    assert_int_equal(s[1].id, 1);
    assert_int_equal(s[2].id, 2);
    assert_int_equal(s[3].id, 3);
}

static void test_gender_filter(void **state)
{
    (void)state;
    static const struct {
        char pref, gender;
        enum tolk_match_reason want;
    } cases[] = {
        {0, 'f', TOLK_MATCH_OK},
        {0, 'm', TOLK_MATCH_OK},
        {0, 0, TOLK_MATCH_OK},
        {'f', 'f', TOLK_MATCH_OK},
        {'f', 'm', TOLK_MATCH_GENDER},
        {'f', 'x', TOLK_MATCH_GENDER},
        {'f', 0, TOLK_MATCH_GENDER}, /* unknown is not a match */
        {'m', 'm', TOLK_MATCH_OK},
        {'x', 'x', TOLK_MATCH_OK},
        {'x', 'f', TOLK_MATCH_GENDER},
        {0, 'q', TOLK_MATCH_BAD_DATA},
        {'q', 'f', TOLK_MATCH_BAD_REQUEST},
    };
    struct tolk_match_request rq;
    struct tolk_interpreter c;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        req_init(&rq);
        rq.gender_pref = cases[i].pref;
        interp_init(&c, 1);
        c.gender = cases[i].gender;
        assert_int_equal(tolk_match_explain(&rq, &c), cases[i].want);
        struct tolk_suggestion s;
        assert_int_equal(tolk_match_suggest(&rq, &c, 1, &s, 1), cases[i].want == TOLK_MATCH_OK);
    }
}

static void test_exclusions(void **state)
{
    (void)state;
    struct tolk_interpreter c[3];
    struct tolk_match_request rq;
    struct tolk_suggestion s[3];
    for (int i = 0; i < 3; i++)
        interp_init(&c[i], 10 + i);
    c[1].last_with_client = true;
    req_init(&rq);
    rq.prefer_same = true;
    /* a full list; the last entry is the client's previous interpreter ("never again") */
    for (int64_t i = 0; i < TOLK_MATCH_MAX_EXCLUDED; i++)
        rq.excluded[i] = 1000 + i;
    rq.excluded[TOLK_MATCH_MAX_EXCLUDED - 1] = 11;
    rq.n_excluded = TOLK_MATCH_MAX_EXCLUDED;
    assert_int_equal(tolk_match_explain(&rq, &c[1]), TOLK_MATCH_EXCLUDED);
    assert_int_equal(tolk_match_suggest(&rq, c, 3, s, 3), 2);
    assert_int_equal(s[0].id, 10);
    assert_int_equal(s[1].id, 12);
    /* exclusion wins over every other reason */
    c[1].gender = 'm';
    rq.gender_pref = 'f';
    set_pair(&c[1], "fa", "en");
    assert_int_equal(tolk_match_explain(&rq, &c[1]), TOLK_MATCH_EXCLUDED);
    /* without the exclusion, continuity would have put 11 first */
    rq.n_excluded = 0;
    interp_init(&c[1], 11);
    c[1].last_with_client = true;
    assert_int_equal(tolk_match_suggest(&rq, c, 3, s, 3), 3);
    assert_int_equal(s[0].id, 11);
    rq.n_excluded = TOLK_MATCH_MAX_EXCLUDED + 1;
    assert_int_equal(tolk_match_explain(&rq, &c[0]), TOLK_MATCH_BAD_REQUEST);
}

/* One row of an availability table: slots (in `zone`), a window, the expected reason. */
struct avail_case {
    const char *what;
    const char *zone;
    struct tolk_weekly_slot slots[4];
    size_t n_slots;
    int64_t start, end;
    enum tolk_match_reason want;
};

static void run_avail_cases(const struct avail_case *cases, size_t n)
{
    struct tolk_match_request rq;
    struct tolk_interpreter c;
    req_init(&rq);
    for (size_t i = 0; i < n; i++) {
        interp_init(&c, 1);
        strcpy(c.tz, cases[i].zone);
        set_slots(&c, cases[i].slots, cases[i].n_slots);
        set_window(&rq, cases[i].start, cases[i].end);
        enum tolk_match_reason got = tolk_match_explain(&rq, &c);
        if (got != cases[i].want)
            print_error("%s: got %s, want %s\n", cases[i].what, tolk_match_reason_str(got),
                        tolk_match_reason_str(cases[i].want));
        assert_int_equal(got, cases[i].want);
    }
}

#define HM(h, m) ((h)*60 + (m))
#define WED_9_17 {{2, HM(9, 0), HM(17, 0)}}, 1
#define BERLIN   "Europe/Berlin"
#define NEW_YORK "America/New_York"
#define M_OK     TOLK_MATCH_OK
#define M_NA     TOLK_MATCH_UNAVAILABLE
#define M_BAD    TOLK_MATCH_BAD_DATA

static void test_availability(void **state)
{
    (void)state;
    /* Wednesday 2024-05-15; Berlin is UTC+2 */
    const int64_t d = utc_of(2024, 5, 15, 0, 0) - 2 * HOUR; /* local midnight */
    /* clang-format off */
    const struct avail_case cases[] = {
        {"inside", BERLIN, WED_9_17, d + 10 * HOUR, d + 11 * HOUR, M_OK},
        {"exactly the slot", BERLIN, WED_9_17, d + 9 * HOUR, d + 17 * HOUR, M_OK},
        {"starts early", BERLIN, WED_9_17, d + 8 * HOUR + 1800, d + 9 * HOUR + 1800, M_NA},
        {"ends late", BERLIN, WED_9_17, d + 16 * HOUR + 1800, d + 17 * HOUR + 1, M_NA},
        {"other day", BERLIN, WED_9_17, d + 34 * HOUR, d + 35 * HOUR, M_NA},
        {"touching slots join", BERLIN, {{2, HM(9, 0), HM(12, 0)}, {2, HM(12, 0), HM(17, 0)}}, 2,
         d + 11 * HOUR + 1800, d + 12 * HOUR + 1800, M_OK},
        {"slots in any order", BERLIN,
         {{2, HM(12, 0), HM(17, 0)}, {4, 0, 60}, {2, HM(9, 0), HM(12, 0)}}, 3,
         d + 11 * HOUR, d + 13 * HOUR, M_OK},
        {"a lunch break", BERLIN, {{2, HM(9, 0), HM(12, 0)}, {2, HM(13, 0), HM(17, 0)}}, 2,
         d + 11 * HOUR + 1800, d + 12 * HOUR + 1800, M_NA},
        {"no slots", BERLIN, {{0, 0, 0}}, 0, d + 10 * HOUR, d + 11 * HOUR, M_NA},
        {"bad slot", BERLIN, {{2, HM(9, 0), 1441}}, 1, d + 10 * HOUR, d + 11 * HOUR, M_BAD},
        {"bad weekday", BERLIN, {{7, HM(9, 0), HM(17, 0)}}, 1, d + 10 * HOUR, d + 11 * HOUR, M_BAD},
        {"bad zone", "Mars/Olympus_Mons", WED_9_17, d + 10 * HOUR, d + 11 * HOUR, M_BAD},
        /* Wednesday 22:00-24:00 and Thursday 00:00-02:00 make one evening shift */
        {"across midnight", BERLIN, {{2, HM(22, 0), 1440}, {3, 0, HM(2, 0)}}, 2,
         d + 23 * HOUR, d + 25 * HOUR, M_OK},
        {"across midnight, too late", BERLIN, {{2, HM(22, 0), 1440}, {3, 0, HM(2, 0)}}, 2,
         d + 25 * HOUR, d + 26 * HOUR + 60, M_NA},
        {"across midnight, a gap", BERLIN, {{2, HM(22, 0), HM(23, 0)}, {3, 0, HM(2, 0)}}, 2,
         d + 22 * HOUR + 1800, d + 24 * HOUR + 1800, M_NA},
        {"a whole day", BERLIN, {{2, 0, 1440}, {3, 0, 1440}, {4, 0, 1440}}, 3,
         d + 12 * HOUR, d + 36 * HOUR, M_OK},
    };
    /* clang-format on */
    run_avail_cases(cases, ARRAY_LEN(cases));
}

/* Sunday slots around the DST changes of 2024 in Berlin (+1 -> +2 on 31 March at 01:00 UTC,
 * back on 27 October at 01:00 UTC). */
static void test_dst_berlin(void **state)
{
    (void)state;
    const int64_t sp = 1711846800; /* 31 March 01:00 UTC = 03:00 CEST */
    const int64_t fa = 1729990800; /* 27 October 01:00 UTC = 02:00 CET */
    /* clang-format off */
    const struct avail_case cases[] = {
        /* 01:00-04:00 local on the spring day is 00:00-02:00 UTC: two real hours */
        {"spring, whole slot", BERLIN, {{6, 60, 240}}, 1, sp - HOUR, sp + HOUR, M_OK},
        {"spring, past its end", BERLIN, {{6, 60, 240}}, 1, sp - HOUR, sp + HOUR + 1800, M_NA},
        {"spring, before its start", BERLIN, {{6, 60, 240}}, 1, sp - HOUR - 1800, sp, M_NA},
        /* a window booked at 02:30 local, which does not exist, starts at 03:00 CEST */
        {"spring, at the missing 02:30", BERLIN, {{6, 60, 240}}, 1, sp, sp + HOUR, M_OK},
        {"spring, a slot inside the gap is empty", BERLIN, {{6, 120, 180}}, 1, sp, sp + 1800,
         M_NA},
        {"spring, 03:00-05:00", BERLIN, {{6, 180, 300}}, 1, sp, sp + 2 * HOUR, M_OK},
        /* 01:00-04:00 local on the autumn day is 23:00-03:00 UTC: four real hours */
        {"autumn, whole slot", BERLIN, {{6, 60, 240}}, 1, fa - 2 * HOUR, fa + 2 * HOUR, M_OK},
        {"autumn, before its start", BERLIN, {{6, 60, 240}}, 1, fa - 2 * HOUR - 60, fa - HOUR,
         M_NA},
        {"autumn, the repeated hour", BERLIN, {{6, 120, 180}}, 1, fa - HOUR, fa + HOUR, M_OK},
        {"autumn, past its end", BERLIN, {{6, 60, 240}}, 1, fa + HOUR, fa + 2 * HOUR + 60, M_NA},
        {"autumn, the 25-hour day", BERLIN, {{5, 0, 1440}, {6, 0, 1440}}, 2,
         fa - 3 * HOUR, fa + 21 * HOUR, M_OK},
        /* a week later the same slot is 00:00-03:00 UTC */
        {"a week later", BERLIN, {{6, 60, 240}}, 1, fa + 7 * 86400 - HOUR,
         fa + 7 * 86400 + 2 * HOUR, M_OK},
    };
    /* clang-format on */
    run_avail_cases(cases, ARRAY_LEN(cases));
}

/* The same around New York's changes (-5 -> -4 on 10 March at 07:00 UTC, back on 3 November
 * at 06:00 UTC). */
static void test_dst_new_york(void **state)
{
    (void)state;
    const int64_t sp = 1710054000; /* 10 March 07:00 UTC = 03:00 EDT */
    const int64_t fa = 1730613600; /* 3 November 06:00 UTC = 01:00 EST */
    /* clang-format off */
    const struct avail_case cases[] = {
        {"spring, whole slot", NEW_YORK, {{6, 60, 240}}, 1, sp - HOUR, sp + HOUR, M_OK},
        {"spring, past its end", NEW_YORK, {{6, 60, 240}}, 1, sp, sp + HOUR + 60, M_NA},
        {"spring, at the missing 02:30", NEW_YORK, {{6, 60, 240}}, 1, sp, sp + 1800, M_OK},
        {"autumn, whole slot", NEW_YORK, {{6, 60, 240}}, 1, fa - HOUR, fa + 3 * HOUR, M_OK},
        {"autumn, past its end", NEW_YORK, {{6, 60, 240}}, 1, fa + 2 * HOUR, fa + 3 * HOUR + 60,
         M_NA},
        {"autumn, 01:00-02:00 is two real hours", NEW_YORK, {{6, 60, 120}}, 1, fa - HOUR,
         fa + HOUR, M_OK},
    };
    /* clang-format on */
    run_avail_cases(cases, ARRAY_LEN(cases));
}

/* A clinic in Berlin books a New York interpreter who works 09:00-12:00 their time. Between
 * the US and EU changes (10-31 March 2024) the two zones are five hours apart, not six. */
static void test_other_zone(void **state)
{
    (void)state;
    /* clang-format off */
    const struct avail_case cases[] = {
        /* Berlin 15:00-16:00 on Wednesday 6 March = 14:00 UTC = 09:00 EST */
        {"before either change", NEW_YORK, WED_9_17, utc_of(2024, 3, 6, 14, 0),
         utc_of(2024, 3, 6, 15, 0), M_OK},
        /* Berlin 14:00-15:00 on Wednesday 20 March = 13:00 UTC = 09:00 EDT */
        {"between the changes", NEW_YORK, WED_9_17, utc_of(2024, 3, 20, 13, 0),
         utc_of(2024, 3, 20, 14, 0), M_OK},
        /* Berlin 14:00-15:00 on Wednesday 10 April = 12:00 UTC = 08:00 EDT: too early */
        {"after both changes", NEW_YORK, WED_9_17, utc_of(2024, 4, 10, 12, 0),
         utc_of(2024, 4, 10, 13, 0), M_NA},
        /* Wednesday 09:00 in Sydney is Tuesday 23:00 UTC */
        {"a day ahead", "Australia/Sydney", WED_9_17, utc_of(2024, 5, 14, 23, 0),
         utc_of(2024, 5, 15, 0, 0), M_OK},
        {"half-hour zone", "Asia/Kolkata", WED_9_17, utc_of(2024, 5, 15, 3, 30),
         utc_of(2024, 5, 15, 4, 0), M_OK},
        {"half-hour zone, early", "Asia/Kolkata", WED_9_17, utc_of(2024, 5, 15, 3, 29),
         utc_of(2024, 5, 15, 4, 0), M_NA},
    };
    /* clang-format on */
    run_avail_cases(cases, ARRAY_LEN(cases));
}

static void test_exceptions_and_bookings(void **state)
{
    (void)state;
    struct tolk_match_request rq;
    struct tolk_interpreter c;
    req_init(&rq);
    const int64_t w0 = rq.window.start, w1 = rq.window.end;
    static const struct {
        int kind;         /* 0 exception, 1 booking */
        int64_t from, to; /* seconds from the window's start; the window is [0, 3600) */
        enum tolk_match_reason want;
    } cases[] = {
        {0, -2 * HOUR, 0, TOLK_MATCH_OK},           /* an exception ending as it starts */
        {0, HOUR, 2 * HOUR, TOLK_MATCH_OK},         /* one starting as it ends */
        {0, 1800, 1801, TOLK_MATCH_UNAVAILABLE},    /* one second inside */
        {0, -86400, 86400, TOLK_MATCH_UNAVAILABLE}, /* a day off */
        {1, -2 * HOUR, 0, TOLK_MATCH_OK},           /* the session before ends at the start */
        {1, HOUR, 2 * HOUR, TOLK_MATCH_OK},         /* the next begins at the end */
        {1, -2 * HOUR, 1, TOLK_MATCH_BOOKED},       /* overlaps by one second */
        {1, HOUR - 1, HOUR, TOLK_MATCH_BOOKED},     /* the last second */
        {1, HOUR + 1800, 2 * HOUR, TOLK_MATCH_OK},  /* later */
        {1, 10, HOUR - 10, TOLK_MATCH_BOOKED},      /* inside */
        {1, -HOUR, 2 * HOUR, TOLK_MATCH_BOOKED},    /* around */
    };
    assert_true(w1 - w0 == HOUR);
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        interp_init(&c, 1);
        struct tolk_interval iv = {w0 + cases[i].from, w0 + cases[i].to};
        if (cases[i].kind == 0)
            c.exceptions[c.n_exceptions++] = iv;
        else
            c.bookings[c.n_bookings++] = iv;
        assert_int_equal(tolk_match_explain(&rq, &c), cases[i].want);
    }
    /* both: the exception is named (not available before booked) */
    interp_init(&c, 1);
    c.exceptions[c.n_exceptions++] = (struct tolk_interval){w0, w1};
    c.bookings[c.n_bookings++] = (struct tolk_interval){w0, w1};
    assert_int_equal(tolk_match_explain(&rq, &c), TOLK_MATCH_UNAVAILABLE);
    /* a broken range is a data error, not silently ignored */
    interp_init(&c, 1);
    c.bookings[c.n_bookings++] = (struct tolk_interval){w1, w0};
    assert_int_equal(tolk_match_explain(&rq, &c), TOLK_MATCH_BAD_DATA);
    interp_init(&c, 1);
    c.n_bookings = TOLK_MATCH_MAX_BOOKINGS + 1;
    assert_int_equal(tolk_match_explain(&rq, &c), TOLK_MATCH_BAD_DATA);
}

static void test_continuity_first(void **state)
{
    (void)state;
    struct tolk_interpreter c[3];
    struct tolk_match_request rq;
    struct tolk_suggestion s[3];
    interp_init(&c[0], 1); /* ar-SY: exact */
    interp_init(&c[1], 50);
    set_pair(&c[1], "ar-IQ", "de"); /* primary-only, but last time's interpreter */
    c[1].last_with_client = true;
    interp_init(&c[2], 2);
    req_init(&rq);
    rq.prefer_same = true;
    assert_int_equal(tolk_match_suggest(&rq, c, 3, s, 3), 3);
    assert_int_equal(s[0].id, 50);
    assert_true(s[0].continuity);
    assert_string_equal(s[0].reason, "continuity");
    assert_int_equal(s[0].score, 104);
    assert_int_equal(s[1].id, 1);
    assert_int_equal(s[2].id, 2);
    /* the client did not ask for the same interpreter: language decides */
    rq.prefer_same = false;
    assert_int_equal(tolk_match_suggest(&rq, c, 3, s, 3), 3);
    assert_int_equal(s[2].id, 50);
    assert_false(s[2].continuity);
    /* continuity never overrides a filter */
    rq.prefer_same = true;
    c[1].bookings[c[1].n_bookings++] = rq.window;
    assert_int_equal(tolk_match_suggest(&rq, c, 3, s, 3), 2);
    assert_int_equal(s[0].id, 1);
}

static void test_deterministic_order(void **state)
{
    (void)state;
    enum { N = 12 };
    static const int64_t ids[N] = {40, 7, 12, 3, 99, 5, 61, 8, 23, 1, 77, 30};
    struct tolk_interpreter fwd[N], rev[N];
    struct tolk_match_request rq;
    struct tolk_suggestion a[N], b[N];
    req_init(&rq);
    for (int i = 0; i < N; i++) {
        interp_init(&fwd[i], ids[i]);
        interp_init(&rev[N - 1 - i], ids[i]);
    }
    assert_int_equal(tolk_match_suggest(&rq, fwd, N, a, N), N);
    assert_int_equal(tolk_match_suggest(&rq, rev, N, b, N), N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(a[i].id, b[i].id);
        if (i > 0)
            assert_true(a[i - 1].id < a[i].id);
    }
    assert_int_equal(a[0].id, 1);
    assert_int_equal(a[0].index, 9);
    /* a short output keeps the best, in the same order */
    assert_int_equal(tolk_match_suggest(&rq, fwd, N, b, 3), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(a[i].id, b[i].id);
    assert_int_equal(tolk_match_suggest(&rq, fwd, N, NULL, 0), 0);
    assert_int_equal(tolk_match_suggest(&rq, NULL, 0, b, 3), 0);
    /* the same id twice (a caller's mistake) still orders deterministically, by index */
    interp_init(&fwd[1], 1);
    assert_int_equal(tolk_match_suggest(&rq, fwd, N, b, N), N);
    assert_int_equal(b[0].index, 1);
    assert_int_equal(b[1].index, 9);
}

static void test_explain_reasons(void **state)
{
    (void)state;
    struct tolk_match_request rq;
    struct tolk_interpreter c[7];
    req_init(&rq);
    rq.gender_pref = 'f';
    rq.excluded[rq.n_excluded++] = 2;
    for (int i = 0; i < 7; i++)
        interp_init(&c[i], i + 1);
    c[2].gender = 'm';                            /* id 3 */
    set_pair(&c[3], "ar-SY", "en");               /* id 4 */
    c[4].n_slots = 0;                             /* id 5 */
    c[5].bookings[c[5].n_bookings++] = rq.window; /* id 6 */
    strcpy(c[6].tz, "Europe/Nowhere");            /* id 7 */
    static const struct {
        enum tolk_match_reason r;
        const char *name;
    } want[7] = {
        {TOLK_MATCH_OK, "ok"},
        {TOLK_MATCH_EXCLUDED, "excluded"},
        {TOLK_MATCH_GENDER, "gender"},
        {TOLK_MATCH_LANGUAGE, "language"},
        {TOLK_MATCH_UNAVAILABLE, "not available"},
        {TOLK_MATCH_BOOKED, "booked"},
        {TOLK_MATCH_BAD_DATA, "invalid interpreter data"},
    };
    for (int i = 0; i < 7; i++) {
        enum tolk_match_reason r = tolk_match_explain(&rq, &c[i]);
        assert_int_equal(r, want[i].r);
        assert_string_equal(tolk_match_reason_str(r), want[i].name);
    }
    struct tolk_suggestion s[7];
    assert_int_equal(tolk_match_suggest(&rq, c, 7, s, 7), 1);
    assert_int_equal(s[0].id, 1);
    assert_string_equal(tolk_match_reason_str(TOLK_MATCH_DIALECT), "dialect");
    assert_string_equal(tolk_match_reason_str(TOLK_MATCH_BAD_REQUEST), "invalid request");
    assert_string_equal(tolk_match_reason_str((enum tolk_match_reason)99), "unknown");

    /* invalid requests: every candidate gets BAD_REQUEST, and nobody is suggested */
    for (int k = 0; k < 7; k++) {
        req_init(&rq);
        switch (k) {
        case 0:
            rq.window.end = rq.window.start;
            break;
        case 1:
            rq.window.end = rq.window.start + TOLK_MATCH_MAX_WINDOW + 1;
            break;
        case 2:
            strcpy(rq.client_langs[0].tag, "ar_SY");
            break;
        case 3:
            rq.n_client_langs = 0;
            break;
        case 4:
            rq.n_clinician_langs = TOLK_MATCH_MAX_LANGS + 1;
            break;
        case 5:
            strcpy(rq.clinician_langs[0], "x-private");
            break;
        default:
            rq.window.start = INT64_MIN;
            break;
        }
        assert_int_equal(tolk_match_explain(&rq, &c[0]), TOLK_MATCH_BAD_REQUEST);
        assert_int_equal(tolk_match_suggest(&rq, c, 7, s, 7), 0);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/*
 * A smoke check, not a timing claim: 200 candidates in three zones, each with 16 pairs (the
 * match in the last), 8 weekly slots and 64 bookings (every third has one overlapping the
 * window), one call well under 50 ms. Prints the mean time per call.
 */
static void test_benchmark_smoke(void **state)
{
    (void)state;
    enum { N = 200, CALLS = 50 };
    static const char *zones[] = {"Europe/Berlin", "Europe/London", "Europe/Istanbul"};
    struct tolk_interpreter *c = calloc(N, sizeof *c);
    struct tolk_suggestion out[N];
    struct tolk_match_request rq;
    assert_non_null(c);
    req_init(&rq);
    rq.gender_pref = 'f';
    rq.prefer_same = true;
    for (int i = 0; i < N; i++) {
        interp_init(&c[i], 1000 - i);
        strcpy(c[i].tz, zones[i % 3]);
        for (int p = 0; p < TOLK_MATCH_MAX_PAIRS; p++)
            snprintf(c[i].pairs[p].a, sizeof c[i].pairs[p].a, "%s", p < 15 ? "fa-IR" : "ar-SY");
        for (int p = 0; p < TOLK_MATCH_MAX_PAIRS; p++)
            strcpy(c[i].pairs[p].b, "de");
        c[i].n_pairs = TOLK_MATCH_MAX_PAIRS;
        c[i].slots[c[i].n_slots++] = (struct tolk_weekly_slot){5, 9 * 60, 13 * 60};
        c[i].slots[c[i].n_slots++] = (struct tolk_weekly_slot){6, 9 * 60, 13 * 60};
        c[i].slots[c[i].n_slots++] = (struct tolk_weekly_slot){2, 6 * 60, 8 * 60};
        for (int b = 0; b < TOLK_MATCH_MAX_BOOKINGS; b++) {
            int64_t end = rq.window.start - (int64_t)b * 900;
            c[i].bookings[b] = (struct tolk_interval){end - 900, end};
        }
        if (i % 3 == 0)
            c[i].bookings[0].end += 60;
        c[i].n_bookings = TOLK_MATCH_MAX_BOOKINGS;
        c[i].last_with_client = i == 151;
    }
    size_t got = tolk_match_suggest(&rq, c, N, out, N); /* warms the zone cache */
    assert_int_equal(got, N - (N + 2) / 3);
    double t[CALLS];
    for (int k = 0; k < CALLS; k++) {
        double t0 = now_us();
        assert_int_equal(tolk_match_suggest(&rq, c, N, out, N), got);
        t[k] = now_us() - t0;
    }
    qsort(t, CALLS, sizeof t[0], cmp_double);
    double worst = t[CALLS - 1];
    print_message("tolk_match_suggest, 200 candidates x 64 bookings: median %.0f us per call, "
                  "worst %.0f us of %d (wall clock; %zu suggested)\n",
                  t[CALLS / 2], worst, CALLS, got);
    assert_true(worst < 50000.0);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lang_check_table), cmocka_unit_test(test_lang_canonical),
        cmocka_unit_test(test_lang_match_table), cmocka_unit_test(test_tz_valid_table),
        cmocka_unit_test(test_tz_local_table),   cmocka_unit_test(test_tz_to_utc_table),
        cmocka_unit_test(test_tz_round_trip),    cmocka_unit_test(test_language_pairs),
        cmocka_unit_test(test_dialect_ranking),  cmocka_unit_test(test_gender_filter),
        cmocka_unit_test(test_exclusions),       cmocka_unit_test(test_availability),
        cmocka_unit_test(test_dst_berlin),       cmocka_unit_test(test_dst_new_york),
        cmocka_unit_test(test_other_zone),       cmocka_unit_test(test_exceptions_and_bookings),
        cmocka_unit_test(test_continuity_first), cmocka_unit_test(test_deterministic_order),
        cmocka_unit_test(test_explain_reasons),  cmocka_unit_test(test_benchmark_smoke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
