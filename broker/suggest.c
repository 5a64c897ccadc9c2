/*
 * Suggestions (suggest.h): the match request assembled from the store, then interp/match.c.
 *
 * The store is read in a number of queries that does not grow with the number of interpreters:
 * the appointment, the client (audited), the client's last interpreter, the clinician, the
 * interpreter profiles a page of 64 at a time (four queries a page), and every interpreter's
 * bookings at the appointment's time in one query. Reading each profile and each interpreter's
 * bookings on its own cost 100 ms a query at 200 interpreters and 10,000 appointments
 * (docs/BENCHMARKS.md, "Scheduling").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"

#define PAGE 64 /* interpreter profiles, or bookings, read at a time */

struct tolkd_suggestions *tolkd_suggestions_new(void)
{
    struct tolkd_suggestions *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    s->candidates = calloc(TOLKD_SUGGEST_CANDIDATES_MAX, sizeof(*s->candidates));
    s->codes = calloc(TOLKD_SUGGEST_CANDIDATES_MAX, sizeof(*s->codes));
    s->reasons = calloc(TOLKD_SUGGEST_CANDIDATES_MAX, sizeof(*s->reasons));
    s->ranked = calloc(TOLKD_SUGGEST_CANDIDATES_MAX, sizeof(*s->ranked));
    if (s->candidates == NULL || s->codes == NULL || s->reasons == NULL || s->ranked == NULL) {
        tolkd_suggestions_free(s);
        return NULL;
    }
    return s;
}

void tolkd_suggestions_free(struct tolkd_suggestions *s)
{
    if (s == NULL)
        return;
    memset(&s->request, 0, sizeof(s->request));
    free(s->candidates);
    free(s->codes);
    free(s->reasons);
    free(s->ranked);
    free(s);
}

/* Fills the client's part of RQ and the interpreter of their last appointment in *LAST. */
static int client_part(struct tolk_store *st, const struct tolk_appointment *a,
                       const struct tolk_audit_note *note, struct tolk_match_request *rq,
                       int64_t *last)
{
    struct tolk_client *cl = calloc(1, sizeof(*cl));
    int rc = TOLK_STORE_EIO;

    if (cl != NULL)
        rc = tolk_store_client_get(st, a->client_id, cl, note);
    if (rc == TOLK_STORE_OK)
        rc = tolk_store_appointment_last_interpreter(st, a->client_id, a->starts_at, last);
    if (rc == TOLK_STORE_OK) {
        for (size_t i = 0; i < cl->n_languages && i < TOLK_MATCH_MAX_LANGS; i++) {
            snprintf(rq->client_langs[i].tag, TOLK_LANG_TAG_SIZE, "%s", cl->languages[i].tag);
            rq->client_langs[i].dialect_required = cl->languages[i].dialect_required != 0;
            rq->n_client_langs++;
        }
        for (size_t i = 0; i < cl->n_exclusions && i < TOLK_MATCH_MAX_EXCLUDED; i++)
            rq->excluded[rq->n_excluded++] = cl->exclusions[i].interpreter_id;
        rq->gender_pref = cl->gender_preference;
        rq->prefer_same = cl->prefer_same_interpreter != 0;
    }
    if (cl != NULL)
        memset(cl, 0, sizeof(*cl));
    free(cl);
    return rc == TOLK_STORE_OK ? TOLKD_SUGGEST_OK : TOLKD_SUGGEST_UNAVAILABLE;
}

static int clinician_part(struct tolk_store *st, const struct tolk_appointment *a,
                          struct tolk_match_request *rq)
{
    struct tolk_clinician_profile p;
    int rc = tolk_store_clinician_get(st, a->clinician_id, &p);

    if (rc == TOLK_STORE_ENOTFOUND)
        return TOLKD_SUGGEST_NO_CLINICIAN;
    if (rc != TOLK_STORE_OK)
        return TOLKD_SUGGEST_UNAVAILABLE;
    for (size_t i = 0; i < p.n_languages && i < TOLK_MATCH_MAX_LANGS; i++)
        snprintf(rq->clinician_langs[rq->n_clinician_langs++], TOLK_LANG_TAG_SIZE, "%s",
                 p.languages[i]);
    return TOLKD_SUGGEST_OK;
}

/* Fills candidate *OUT from profile P (its bookings come later). */
static void candidate(const struct tolk_interpreter_profile *p, struct tolk_interpreter *out)
{
    memset(out, 0, sizeof(*out));
    out->id = p->id;
    out->gender = p->gender;
    snprintf(out->tz, sizeof(out->tz), "%s", p->zone);
    for (size_t i = 0; i < p->n_pairs && i < TOLK_MATCH_MAX_PAIRS; i++, out->n_pairs++) {
        snprintf(out->pairs[i].a, TOLK_LANG_TAG_SIZE, "%s", p->pairs[i].a);
        snprintf(out->pairs[i].b, TOLK_LANG_TAG_SIZE, "%s", p->pairs[i].b);
    }
    for (size_t i = 0; i < p->n_slots && i < TOLK_MATCH_MAX_SLOTS; i++, out->n_slots++)
        out->slots[i] = (struct tolk_weekly_slot){p->slots[i].day, p->slots[i].start_minute,
                                                  p->slots[i].end_minute};
    for (size_t i = 0; i < p->n_exceptions && i < TOLK_MATCH_MAX_EXCEPT; i++, out->n_exceptions++)
        out->exceptions[i] =
            (struct tolk_interval){p->exceptions[i].starts_at, p->exceptions[i].ends_at};
}

/* Reads every interpreter profile (up to the maximum), a page at a time, into S's candidates. */
static int profiles(struct tolk_store *st, struct tolkd_suggestions *s)
{
    struct tolk_interpreter_profile *page = calloc(PAGE, sizeof(*page));
    int64_t after = 0;
    size_t got = PAGE;
    int rc = page == NULL ? TOLK_STORE_EIO : TOLK_STORE_OK;

    s->n_candidates = 0;
    while (rc == TOLK_STORE_OK && got == PAGE && s->n_candidates < TOLKD_SUGGEST_CANDIDATES_MAX) {
        rc = tolk_store_interpreter_profiles(st, after, page, PAGE, &got);
        for (size_t i = 0; rc == TOLK_STORE_OK && i < got; i++) {
            if (s->n_candidates == TOLKD_SUGGEST_CANDIDATES_MAX)
                break;
            candidate(&page[i], &s->candidates[s->n_candidates]);
            snprintf(s->codes[s->n_candidates++], TOLK_INTERPRETER_CODE_MAX, "%s", page[i].code);
            after = page[i].id;
        }
    }
    free(page);
    return rc;
}

/*
 * Gives each candidate its booked appointments that overlap A (A itself not counted), from one
 * query for all interpreters. Both lists are in interpreter id order, so they are walked side
 * by side; bookings of interpreters without a profile are skipped.
 */
static int bookings(struct tolk_store *st, struct tolkd_suggestions *s)
{
    const struct tolk_appointment *a = &s->appointment;
    struct tolk_interpreter_booking page[PAGE], last;
    size_t got = PAGE, at = 0;
    int rc = TOLK_STORE_OK;

    for (int first = 1; rc == TOLK_STORE_OK && got == PAGE; first = 0) {
        if (!first)
            last = page[PAGE - 1];
        rc = tolk_store_interpreter_bookings(st, a->starts_at, a->ends_at, a->id,
                                             first ? NULL : &last, page, PAGE, &got);
        for (size_t i = 0; rc == TOLK_STORE_OK && i < got; i++) {
            while (at < s->n_candidates && s->candidates[at].id < page[i].interpreter_id)
                at++;
            if (at == s->n_candidates)
                return TOLK_STORE_OK;
            struct tolk_interpreter *c = &s->candidates[at];
            if (c->id == page[i].interpreter_id && c->n_bookings < TOLK_MATCH_MAX_BOOKINGS)
                c->bookings[c->n_bookings++] =
                    (struct tolk_interval){page[i].starts_at, page[i].ends_at};
        }
    }
    return rc;
}

/* Every interpreter profile (up to the maximum) as a candidate for S->appointment. */
static int candidates(struct tolk_store *st, struct tolkd_suggestions *s)
{
    int rc = profiles(st, s);

    if (rc == TOLK_STORE_OK)
        rc = bookings(st, s);
    return rc == TOLK_STORE_OK ? TOLKD_SUGGEST_OK : TOLKD_SUGGEST_UNAVAILABLE;
}

int tolkd_suggest(struct tolk_store *st, int64_t id, const struct tolk_audit_note *note,
                  struct tolkd_suggestions *out)
{
    struct tolk_match_request *rq = &out->request;
    int64_t last = 0;
    int rc = tolk_store_appointment_get(st, id, &out->appointment);

    memset(rq, 0, sizeof(*rq));
    out->n_candidates = out->n_ranked = 0;
    if (rc == TOLK_STORE_ENOTFOUND)
        return TOLKD_SUGGEST_NOT_FOUND;
    if (rc != TOLK_STORE_OK)
        return TOLKD_SUGGEST_UNAVAILABLE;
    rc = client_part(st, &out->appointment, note, rq, &last);
    if (rc == TOLKD_SUGGEST_OK)
        rc = clinician_part(st, &out->appointment, rq);
    if (rc == TOLKD_SUGGEST_OK)
        rc = candidates(st, out);
    if (rc != TOLKD_SUGGEST_OK)
        return rc;
    rq->window = (struct tolk_interval){out->appointment.starts_at, out->appointment.ends_at};
    for (size_t i = 0; i < out->n_candidates; i++) {
        struct tolk_interpreter *c = &out->candidates[i];
        c->last_with_client = last != 0 && c->id == last;
        /* The appointment's own relief is taken for its whole window: rejected as "booked". */
        if (c->id == out->appointment.relief_interpreter_id &&
            c->n_bookings < TOLK_MATCH_MAX_BOOKINGS)
            c->bookings[c->n_bookings++] = rq->window;
    }
    out->n_ranked = tolk_match_suggest(rq, out->candidates, out->n_candidates, out->ranked,
                                       TOLKD_SUGGEST_CANDIDATES_MAX);
    for (size_t i = 0; i < out->n_candidates; i++)
        out->reasons[i] = tolk_match_explain(rq, &out->candidates[i]);
    return TOLKD_SUGGEST_OK;
}
