/*
 * Interpreter matching and BCP 47 language tags. The rules and the ranking are stated in
 * match.h; this file implements them in that order: tags, the request, one candidate's
 * checks (language, availability, bookings), then ranking.
 */
#include "match.h"

#include <assert.h>
#include <string.h>

#define LANG_MAX_VARIANTS 8 /* 35 characters hold at most 5 */
#define DAY               INT64_C(86400)

/* A parsed, valid tag: its canonical text and where its parts are in it. */
struct lang_tag {
    char canon[TOLK_LANG_TAG_SIZE];
    unsigned lang_len;   /* canon[0, lang_len) is the primary language */
    unsigned region_off; /* 0 = no region */
    unsigned region_len;
    unsigned n_variants;
    unsigned var_off[LANG_MAX_VARIANTS];
    unsigned var_len[LANG_MAX_VARIANTS];
};

/* ---- tags --------------------------------------------------------------------------------- */

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char to_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static char to_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool all_alpha(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_alpha(s[i]))
            return false;
    return true;
}

static bool all_digit(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

/* Length and character checks, and a lower-case copy into t->canon. */
static enum tolk_lang_status lang_scan(const char *tag, struct lang_tag *t)
{
    size_t n = 0;
    if (!tag || tag[0] == '\0')
        return TOLK_LANG_EMPTY;
    while (n <= TOLK_LANG_TAG_MAX && tag[n] != '\0')
        n++;
    if (n > TOLK_LANG_TAG_MAX)
        return TOLK_LANG_TOO_LONG;
    for (size_t i = 0; i < n; i++) {
        if (!is_alpha(tag[i]) && !is_digit(tag[i]) && tag[i] != '-')
            return TOLK_LANG_BAD_CHAR;
        t->canon[i] = to_lower(tag[i]);
    }
    t->canon[n] = '\0';
    return TOLK_LANG_OK;
}

static bool is_variant(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_alpha(s[i]) && !is_digit(s[i]))
            return false;
    return (n >= 5 && n <= 8) || (n == 4 && is_digit(s[0]));
}

/* Records variant canon[off, off + n) unless it is already there. */
static enum tolk_lang_status add_variant(struct lang_tag *t, unsigned off, unsigned n)
{
    for (unsigned i = 0; i < t->n_variants; i++)
        if (t->var_len[i] == n && memcmp(t->canon + t->var_off[i], t->canon + off, n) == 0)
            return TOLK_LANG_DUP_VARIANT;
    if (t->n_variants == LANG_MAX_VARIANTS)
        return TOLK_LANG_TOO_LONG;
    t->var_off[t->n_variants] = off;
    t->var_len[t->n_variants++] = n;
    return TOLK_LANG_OK;
}

/*
 * One subtag after the language, at canon[off, off + n). *state is what came last: 1 the
 * language, 2 a script, 3 a region, 4 a variant; each part may only follow earlier ones.
 */
static enum tolk_lang_status lang_subtag(struct lang_tag *t, unsigned off, unsigned n, int *state)
{
    char *s = t->canon + off;
    if (n == 1)
        return s[0] == 'x' ? TOLK_LANG_PRIVATE_USE : TOLK_LANG_EXTENSION;
    if (*state == 1 && n == 3 && all_alpha(s, n) && t->lang_len <= 3)
        return TOLK_LANG_EXTLANG;
    if (*state == 1 && n == 4 && all_alpha(s, n)) {
        s[0] = to_upper(s[0]);
        *state = 2;
        return TOLK_LANG_OK;
    }
    if (*state <= 2 && ((n == 2 && all_alpha(s, n)) || (n == 3 && all_digit(s, n)))) {
        s[0] = to_upper(s[0]);
        s[1] = to_upper(s[1]);
        t->region_off = off;
        t->region_len = n;
        *state = 3;
        return TOLK_LANG_OK;
    }
    if (is_variant(s, n)) {
        *state = 4;
        return add_variant(t, off, n);
    }
    return TOLK_LANG_BAD_SUBTAG;
}

/* Parses and canonicalises `tag` into *t. */
static enum tolk_lang_status lang_parse(const char *tag, struct lang_tag *t)
{
    memset(t, 0, sizeof *t);
    enum tolk_lang_status st = lang_scan(tag, t);
    int state = 0;
    for (unsigned off = 0; st == TOLK_LANG_OK;) {
        unsigned end = off;
        while (t->canon[end] != '\0' && t->canon[end] != '-')
            end++;
        unsigned n = end - off;
        if (n == 0)
            return TOLK_LANG_EMPTY_SUBTAG;
        if (state == 0) {
            if (n == 1 && t->canon[off] == 'x')
                return TOLK_LANG_PRIVATE_USE;
            if (n < 2 || n > 8 || !all_alpha(t->canon, n))
                return TOLK_LANG_BAD_LANGUAGE;
            t->lang_len = n;
            state = 1;
        } else if (n > 8) {
            return TOLK_LANG_BAD_SUBTAG;
        } else {
            st = lang_subtag(t, off, n, &state);
        }
        if (t->canon[end] == '\0')
            break;
        off = end + 1;
    }
    return st;
}

enum tolk_lang_status tolk_lang_check(const char *tag)
{
    struct lang_tag t;
    return lang_parse(tag, &t);
}

int tolk_lang_valid(const char *tag)
{
    return tolk_lang_check(tag) == TOLK_LANG_OK;
}

const char *tolk_lang_status_str(enum tolk_lang_status st)
{
    switch (st) {
    case TOLK_LANG_OK:
        return "ok";
    case TOLK_LANG_EMPTY:
        return "empty";
    case TOLK_LANG_TOO_LONG:
        return "longer than 35 characters";
    case TOLK_LANG_BAD_CHAR:
        return "a character other than A-Z, a-z, 0-9 and '-'";
    case TOLK_LANG_EMPTY_SUBTAG:
        return "empty subtag (two hyphens, or one at an end)";
    case TOLK_LANG_BAD_LANGUAGE:
        return "the language subtag must be 2 to 8 letters";
    case TOLK_LANG_EXTLANG:
        return "extended language subtags are not accepted: use it alone ('yue', not 'zh-yue')";
    case TOLK_LANG_BAD_SUBTAG:
        return "a subtag of the wrong length or in the wrong place";
    case TOLK_LANG_DUP_VARIANT:
        return "the same variant twice";
    case TOLK_LANG_EXTENSION:
        return "extensions (-u-, -t-, ...) are not accepted";
    case TOLK_LANG_PRIVATE_USE:
        return "private-use subtags (x-...) are not accepted";
    }
    return "unknown";
}

int tolk_lang_canonical(const char *tag, char *out, size_t cap)
{
    struct lang_tag t;
    if (cap > 0)
        out[0] = '\0';
    if (lang_parse(tag, &t) != TOLK_LANG_OK || strlen(t.canon) >= cap)
        return -1;
    memcpy(out, t.canon, strlen(t.canon) + 1);
    return 0;
}

static bool has_variant(const struct lang_tag *t, const char *v, unsigned n)
{
    for (unsigned i = 0; i < t->n_variants; i++)
        if (t->var_len[i] == n && memcmp(t->canon + t->var_off[i], v, n) == 0)
            return true;
    return false;
}

static bool wants_dialect(const struct lang_tag *t)
{
    return t->region_len > 0 || t->n_variants > 0;
}

static enum tolk_lang_match tag_match(const struct lang_tag *want, const struct lang_tag *have)
{
    if (want->lang_len != have->lang_len || memcmp(want->canon, have->canon, want->lang_len) != 0)
        return TOLK_LANG_MATCH_NONE;
    if (want->region_len > 0 && (want->region_len != have->region_len ||
                                 memcmp(want->canon + want->region_off,
                                        have->canon + have->region_off, want->region_len) != 0))
        return TOLK_LANG_MATCH_LANGUAGE;
    for (unsigned i = 0; i < want->n_variants; i++)
        if (!has_variant(have, want->canon + want->var_off[i], want->var_len[i]))
            return TOLK_LANG_MATCH_LANGUAGE;
    return TOLK_LANG_MATCH_EXACT;
}

enum tolk_lang_match tolk_lang_match(const char *want, const char *have)
{
    struct lang_tag w, h;
    if (lang_parse(want, &w) != TOLK_LANG_OK || lang_parse(have, &h) != TOLK_LANG_OK)
        return TOLK_LANG_MATCH_NONE;
    return tag_match(&w, &h);
}

/* Whether raw `tag` starts with t's primary language, without parsing it: a cheap first cut
 * over an interpreter's pairs, most of which are other languages. */
static bool primary_eq(const char *tag, const struct lang_tag *t)
{
    unsigned i = 0;
    for (; i < t->lang_len; i++)
        if (to_lower(tag[i]) != t->canon[i])
            return false;
    return tag[i] == '\0' || tag[i] == '-';
}

/* ---- the request -------------------------------------------------------------------------- */

struct req_ctx {
    const struct tolk_match_request *rq;
    struct lang_tag client[TOLK_MATCH_MAX_LANGS];
    struct lang_tag clinician[TOLK_MATCH_MAX_LANGS];
};

static bool gender_ok(char g)
{
    return g == 0 || g == 'f' || g == 'm' || g == 'x';
}

/* Checks the request and parses its tags once for all candidates. */
static bool req_prepare(const struct tolk_match_request *rq, struct req_ctx *cx)
{
    const int64_t limit = INT64_C(1) << 40; /* tz.h's range, with room for a day either side */
    assert(rq != NULL);
    cx->rq = rq;
    if (rq->window.start >= rq->window.end || rq->window.start < -limit || rq->window.end > limit ||
        rq->window.end - rq->window.start > TOLK_MATCH_MAX_WINDOW)
        return false;
    if (rq->n_client_langs < 1 || rq->n_client_langs > TOLK_MATCH_MAX_LANGS ||
        rq->n_clinician_langs < 1 || rq->n_clinician_langs > TOLK_MATCH_MAX_LANGS ||
        rq->n_excluded > TOLK_MATCH_MAX_EXCLUDED || !gender_ok(rq->gender_pref))
        return false;
    for (size_t i = 0; i < rq->n_client_langs; i++)
        if (lang_parse(rq->client_langs[i].tag, &cx->client[i]) != TOLK_LANG_OK)
            return false;
    for (size_t i = 0; i < rq->n_clinician_langs; i++)
        if (lang_parse(rq->clinician_langs[i], &cx->clinician[i]) != TOLK_LANG_OK)
            return false;
    return true;
}

/* ---- one candidate ------------------------------------------------------------------------ */

/* The best way the candidate covers the client's languages. */
struct lang_hit {
    bool found;
    bool exact;
    unsigned rank; /* index into client_langs */
    unsigned pair;
    bool dialect_missing; /* a required dialect was the only thing missing somewhere */
};

static bool intervals_ok(const struct tolk_interval *iv, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (iv[i].end <= iv[i].start)
            return false;
    return true;
}

/* Field checks that do not depend on the request (the zone is checked when used). */
static bool cand_sane(const struct tolk_interpreter *c)
{
    if (c->n_pairs > TOLK_MATCH_MAX_PAIRS || c->n_slots > TOLK_MATCH_MAX_SLOTS ||
        c->n_exceptions > TOLK_MATCH_MAX_EXCEPT || c->n_bookings > TOLK_MATCH_MAX_BOOKINGS ||
        !gender_ok(c->gender) || memchr(c->tz, '\0', sizeof c->tz) == NULL)
        return false;
    for (size_t i = 0; i < c->n_slots; i++) {
        const struct tolk_weekly_slot *s = &c->slots[i];
        if (s->weekday < 0 || s->weekday > 6 || s->start_minute < 0 ||
            s->end_minute <= s->start_minute || s->end_minute > 1440)
            return false;
    }
    return intervals_ok(c->exceptions, c->n_exceptions) && intervals_ok(c->bookings, c->n_bookings);
}

static bool is_excluded(const struct tolk_match_request *rq, int64_t id)
{
    for (size_t i = 0; i < rq->n_excluded; i++)
        if (rq->excluded[i] == id)
            return true;
    return false;
}

/* Whether valid tag `tag` has the primary language of one of set[0, n). */
static bool speaks_one_of(const char *tag, const struct lang_tag *set, size_t n)
{
    struct lang_tag t;
    for (size_t j = 0; j < n; j++)
        if (primary_eq(tag, &set[j]))
            return lang_parse(tag, &t) == TOLK_LANG_OK;
    return false;
}

/* Weighs pair side `ct` (facing the client; `kt` faces the clinician) of pair p. */
static void lang_side(const struct req_ctx *cx, const char *ct, const char *kt, unsigned p,
                      struct lang_hit *hit)
{
    const struct tolk_match_request *rq = cx->rq;
    struct lang_tag have;
    bool parsed = false;
    if (!speaks_one_of(kt, cx->clinician, rq->n_clinician_langs))
        return;
    for (unsigned i = 0; i < rq->n_client_langs; i++) {
        /* a pair of one language on both sides interprets nothing */
        if (!primary_eq(ct, &cx->client[i]) || primary_eq(kt, &cx->client[i]))
            continue;
        if (!parsed && lang_parse(ct, &have) != TOLK_LANG_OK)
            return;
        parsed = true;
        enum tolk_lang_match m = tag_match(&cx->client[i], &have);
        bool exact = m == TOLK_LANG_MATCH_EXACT;
        if (!exact && rq->client_langs[i].dialect_required) {
            hit->dialect_missing = true;
            continue;
        }
        if (!hit->found || (exact && !hit->exact) || (exact == hit->exact && i < hit->rank)) {
            *hit = (struct lang_hit){true, exact, i, p, hit->dialect_missing};
        }
    }
}

static enum tolk_match_reason check_language(const struct req_ctx *cx,
                                             const struct tolk_interpreter *c, struct lang_hit *hit)
{
    memset(hit, 0, sizeof *hit);
    for (unsigned p = 0; p < c->n_pairs; p++) {
        lang_side(cx, c->pairs[p].a, c->pairs[p].b, p, hit);
        lang_side(cx, c->pairs[p].b, c->pairs[p].a, p, hit);
    }
    if (hit->found)
        return TOLK_MATCH_OK;
    return hit->dialect_missing ? TOLK_MATCH_DIALECT : TOLK_MATCH_LANGUAGE;
}

static bool overlaps_any(const struct tolk_interval *iv, size_t n, struct tolk_interval w)
{
    for (size_t i = 0; i < n; i++)
        if (iv[i].start < w.end && iv[i].end > w.start)
            return true;
    return false;
}

/* Whether the union of occ[0, n) covers all of w (touching ranges join). */
static bool covered(const struct tolk_interval *occ, size_t n, struct tolk_interval w)
{
    int64_t cur = w.start;
    bool moved = true;
    while (cur < w.end && moved) {
        moved = false;
        for (size_t i = 0; i < n; i++) {
            if (occ[i].start <= cur && occ[i].end > cur) {
                cur = occ[i].end;
                moved = true;
            }
        }
    }
    return cur >= w.end;
}

/*
 * Whether the weekly slots cover the window. Each slot's occurrence on every local date from
 * the day before the window's first local date to the day after its last is converted to UTC
 * in the interpreter's zone (DST rules of tolk_tz_to_utc); the window must lie inside their
 * union. A window of at most a day touches at most five such dates, fewer than a week, so each
 * slot occurs at most once and TOLK_MATCH_MAX_SLOTS occurrences suffice.
 */
static enum tolk_match_reason check_hours(const struct tolk_interpreter *c, struct tolk_interval w)
{
    struct tolk_local_time a, b;
    struct tolk_interval occ[TOLK_MATCH_MAX_SLOTS];
    size_t n = 0;
    if (tolk_tz_local(c->tz, w.start, &a) != 0 || tolk_tz_local(c->tz, w.end - 1, &b) != 0)
        return TOLK_MATCH_BAD_DATA;
    int64_t first = tolk_tz_days_from_civil(a.year, a.month, a.day) - 1;
    int64_t last = tolk_tz_days_from_civil(b.year, b.month, b.day) + 1;
    for (int64_t day = first; day <= last; day++) {
        int y, m, d;
        int wd = (int)(((day + 3) % 7 + 7) % 7); /* Monday = 0; 1970-01-01 was a Thursday */
        tolk_tz_civil_from_days(day, &y, &m, &d);
        for (size_t i = 0; i < c->n_slots; i++) {
            const struct tolk_weekly_slot *s = &c->slots[i];
            struct tolk_interval o;
            if (s->weekday != wd)
                continue;
            if (tolk_tz_to_utc(c->tz, y, m, d, s->start_minute, &o.start) != 0 ||
                tolk_tz_to_utc(c->tz, y, m, d, s->end_minute, &o.end) != 0 ||
                n == TOLK_MATCH_MAX_SLOTS)
                return TOLK_MATCH_BAD_DATA;
            if (o.start < w.end && o.end > w.start)
                occ[n++] = o;
        }
    }
    return covered(occ, n, w) ? TOLK_MATCH_OK : TOLK_MATCH_UNAVAILABLE;
}

/* All of match.h's rules for one candidate, in their order; fills *hit on TOLK_MATCH_OK. */
static enum tolk_match_reason evaluate(const struct req_ctx *cx, const struct tolk_interpreter *c,
                                       struct lang_hit *hit)
{
    const struct tolk_match_request *rq = cx->rq;
    if (is_excluded(rq, c->id))
        return TOLK_MATCH_EXCLUDED;
    if (!cand_sane(c))
        return TOLK_MATCH_BAD_DATA;
    if (rq->gender_pref != 0 && c->gender != rq->gender_pref)
        return TOLK_MATCH_GENDER;
    enum tolk_match_reason r = check_language(cx, c, hit);
    if (r != TOLK_MATCH_OK)
        return r;
    if (overlaps_any(c->exceptions, c->n_exceptions, rq->window))
        return TOLK_MATCH_UNAVAILABLE;
    r = check_hours(c, rq->window);
    if (r != TOLK_MATCH_OK)
        return r;
    return overlaps_any(c->bookings, c->n_bookings, rq->window) ? TOLK_MATCH_BOOKED : TOLK_MATCH_OK;
}

/* ---- ranking ------------------------------------------------------------------------------ */

static bool ranks_before(const struct tolk_suggestion *a, const struct tolk_suggestion *b)
{
    if (a->score != b->score)
        return a->score > b->score;
    if (a->id != b->id)
        return a->id < b->id;
    return a->index < b->index;
}

/* Inserts s into out[0, count), kept in rank order and at most cap long; the new count. */
static size_t insert_ranked(struct tolk_suggestion *out, size_t count, size_t cap,
                            const struct tolk_suggestion *s)
{
    if (count == cap && !ranks_before(s, &out[cap - 1]))
        return count;
    size_t pos = count < cap ? count : cap - 1;
    while (pos > 0 && ranks_before(s, &out[pos - 1])) {
        out[pos] = out[pos - 1];
        pos--;
    }
    out[pos] = *s;
    return count < cap ? count + 1 : count;
}

static struct tolk_suggestion make_suggestion(const struct req_ctx *cx,
                                              const struct tolk_interpreter *c, size_t index,
                                              const struct lang_hit *hit)
{
    struct tolk_suggestion s = {0};
    s.id = c->id;
    s.index = index;
    s.continuity = cx->rq->prefer_same && c->last_with_client;
    s.exact = hit->exact;
    s.lang_rank = hit->rank;
    s.pair = hit->pair;
    s.score =
        (s.continuity ? 100u : 0u) + (s.exact ? 10u : 0u) + (TOLK_MATCH_MAX_LANGS - hit->rank);
    if (s.continuity)
        s.reason = "continuity";
    else if (s.exact && wants_dialect(&cx->client[hit->rank]))
        s.reason = "dialect";
    else
        s.reason = "language";
    return s;
}

size_t tolk_match_suggest(const struct tolk_match_request *rq, const struct tolk_interpreter *cands,
                          size_t n, struct tolk_suggestion *out, size_t cap)
{
    struct req_ctx cx;
    size_t count = 0;
    if (cap == 0 || !req_prepare(rq, &cx))
        return 0;
    assert(cands != NULL || n == 0);
    assert(out != NULL);
    for (size_t i = 0; i < n; i++) {
        struct lang_hit hit;
        if (evaluate(&cx, &cands[i], &hit) != TOLK_MATCH_OK)
            continue;
        struct tolk_suggestion s = make_suggestion(&cx, &cands[i], i, &hit);
        count = insert_ranked(out, count, cap, &s);
    }
    return count;
}

enum tolk_match_reason tolk_match_explain(const struct tolk_match_request *rq,
                                          const struct tolk_interpreter *cand)
{
    struct req_ctx cx;
    struct lang_hit hit;
    assert(cand != NULL);
    if (!req_prepare(rq, &cx))
        return TOLK_MATCH_BAD_REQUEST;
    return evaluate(&cx, cand, &hit);
}

const char *tolk_match_reason_str(enum tolk_match_reason r)
{
    switch (r) {
    case TOLK_MATCH_OK:
        return "ok";
    case TOLK_MATCH_EXCLUDED:
        return "excluded";
    case TOLK_MATCH_GENDER:
        return "gender";
    case TOLK_MATCH_LANGUAGE:
        return "language";
    case TOLK_MATCH_DIALECT:
        return "dialect";
    case TOLK_MATCH_UNAVAILABLE:
        return "not available";
    case TOLK_MATCH_BOOKED:
        return "booked";
    case TOLK_MATCH_BAD_DATA:
        return "invalid interpreter data";
    case TOLK_MATCH_BAD_REQUEST:
        return "invalid request";
    }
    return "unknown";
}
