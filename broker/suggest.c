/*
 * Suggestions (suggest.h): the match request assembled from the store, then interp/match.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"

#define PAGE 64 /* interpreter summaries read at a time */

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

/* Fills candidate *OUT from profile P and P's bookings overlapping A. */
static int candidate(struct tolk_store *st, const struct tolk_appointment *a,
                     const struct tolk_interpreter_profile *p, struct tolk_interpreter *out)
{
    struct tolk_appointment_filter f = {0, p->id, a->starts_at, a->ends_at};
    struct tolk_appointment page[TOLK_MATCH_MAX_BOOKINGS];
    size_t n = 0;
    int rc = tolk_store_appointment_list(st, &f, 0, page, TOLK_MATCH_MAX_BOOKINGS, &n);

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
    for (size_t i = 0; rc == TOLK_STORE_OK && i < n; i++)
        if (page[i].id != a->id && page[i].status == TOLK_APPOINTMENT_BOOKED)
            out->bookings[out->n_bookings++] =
                (struct tolk_interval){page[i].starts_at, page[i].ends_at};
    return rc;
}

/* Reads every interpreter profile (up to the maximum) into the candidates of S. */
static int candidates(struct tolk_store *st, struct tolkd_suggestions *s)
{
    const struct tolk_appointment *a = &s->appointment;
    struct tolk_interpreter_summary page[PAGE];
    struct tolk_interpreter_profile *p = calloc(1, sizeof(*p));
    int64_t after = 0;
    size_t got = PAGE, *n = &s->n_candidates;
    int rc = p == NULL ? TOLK_STORE_EIO : TOLK_STORE_OK;

    *n = 0;
    while (rc == TOLK_STORE_OK && got == PAGE && *n < TOLKD_SUGGEST_CANDIDATES_MAX) {
        rc = tolk_store_interpreter_list(st, after, page, PAGE, &got);
        for (size_t i = 0; rc == TOLK_STORE_OK && i < got && *n < TOLKD_SUGGEST_CANDIDATES_MAX;
             i++) {
            after = page[i].id;
            rc = tolk_store_interpreter_get(st, page[i].id, p);
            if (rc == TOLK_STORE_OK)
                rc = candidate(st, a, p, &s->candidates[*n]);
            snprintf(s->codes[*n], TOLK_INTERPRETER_CODE_MAX, "%s", page[i].code);
            (*n)++;
        }
    }
    free(p);
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
    for (size_t i = 0; i < out->n_candidates; i++)
        out->candidates[i].last_with_client = last != 0 && out->candidates[i].id == last;
    out->n_ranked = tolk_match_suggest(rq, out->candidates, out->n_candidates, out->ranked,
                                       TOLKD_SUGGEST_CANDIDATES_MAX);
    for (size_t i = 0; i < out->n_candidates; i++)
        out->reasons[i] = tolk_match_explain(rq, &out->candidates[i]);
    return TOLKD_SUGGEST_OK;
}
