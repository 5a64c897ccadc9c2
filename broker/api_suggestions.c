/*
 * GET /appointments/{id}/suggestions (docs/API.md): which interpreters could take an
 * appointment, best first, and why the others could not.
 *
 * The request for tolk_match_suggest (interp/match.h) is built from the stored records: the
 * client's languages, gender preference, exclusions and wish for the same interpreter (the one
 * of their most recent earlier booked appointment), the clinician's languages, and as
 * candidates every interpreter profile with its weekly hours, exceptions and the bookings that
 * overlap the appointment (the appointment itself not counted). Reading the client is a full
 * read, so it is audited as any other.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "match.h"

#define CANDIDATES_MAX 256 /* interpreters considered; more are left out */
#define PAGE           64

/* Fills the client's part of RQ; -1 with the answer given. */
static int client_part(struct api_call *c, const struct tolk_appointment *a,
                       struct tolk_match_request *rq, int64_t *last)
{
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note note = {
        tolkd_accounts_audit_key(c->api->accounts), actor, "client_read", "", "", c->now};
    struct tolk_client *cl = calloc(1, sizeof(*cl));
    int rc = TOLK_STORE_EIO;

    snprintf(actor, sizeof(actor), "account:%" PRId64, c->who->account_id);
    if (cl != NULL)
        rc = tolk_store_client_get(c->api->st, a->client_id, cl, &note);
    if (rc == TOLK_STORE_OK)
        rc = tolk_store_appointment_last_interpreter(c->api->st, a->client_id, a->starts_at, last);
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
    if (rc != TOLK_STORE_OK)
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
    return rc == TOLK_STORE_OK ? 0 : -1;
}

static int clinician_part(struct api_call *c, const struct tolk_appointment *a,
                          struct tolk_match_request *rq)
{
    struct tolk_clinician_profile p;
    int rc = tolk_store_clinician_get(c->api->st, a->clinician_id, &p);

    if (rc == TOLK_STORE_ENOTFOUND) {
        api_fail(c, TOLKD_API_CONFLICT, "the clinician has no profile (languages) yet", NULL);
        return -1;
    }
    if (rc != TOLK_STORE_OK) {
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
        return -1;
    }
    for (size_t i = 0; i < p.n_languages && i < TOLK_MATCH_MAX_LANGS; i++)
        snprintf(rq->clinician_langs[rq->n_clinician_langs++], TOLK_LANG_TAG_SIZE, "%s",
                 p.languages[i]);
    return 0;
}

/* Fills candidate *OUT from profile P and P's bookings overlapping A. */
static int candidate(struct api_call *c, const struct tolk_appointment *a,
                     const struct tolk_interpreter_profile *p, struct tolk_interpreter *out)
{
    struct tolk_appointment_filter f = {0, p->id, a->starts_at, a->ends_at};
    struct tolk_appointment page[TOLK_MATCH_MAX_BOOKINGS];
    size_t n = 0;
    int rc = tolk_store_appointment_list(c->api->st, &f, 0, page, TOLK_MATCH_MAX_BOOKINGS, &n);

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

/* Reads every interpreter profile (up to CANDIDATES_MAX) into CANDS and CODES. */
static int candidates(struct api_call *c, const struct tolk_appointment *a,
                      struct tolk_interpreter *cands, char (*codes)[TOLK_INTERPRETER_CODE_MAX],
                      size_t *n)
{
    struct tolk_interpreter_summary page[PAGE];
    struct tolk_interpreter_profile *p = calloc(1, sizeof(*p));
    int64_t after = 0;
    size_t got = PAGE;
    int rc = p == NULL ? TOLK_STORE_EIO : TOLK_STORE_OK;

    *n = 0;
    while (rc == TOLK_STORE_OK && got == PAGE && *n < CANDIDATES_MAX) {
        rc = tolk_store_interpreter_list(c->api->st, after, page, PAGE, &got);
        for (size_t i = 0; rc == TOLK_STORE_OK && i < got && *n < CANDIDATES_MAX; i++) {
            after = page[i].id;
            rc = tolk_store_interpreter_get(c->api->st, page[i].id, p);
            if (rc == TOLK_STORE_OK)
                rc = candidate(c, a, p, &cands[*n]);
            snprintf(codes[*n], TOLK_INTERPRETER_CODE_MAX, "%s", page[i].code);
            (*n)++;
        }
    }
    free(p);
    return rc;
}

static json_t *ranking_json(const struct tolk_match_request *rq,
                            const struct tolk_interpreter *cands,
                            char (*codes)[TOLK_INTERPRETER_CODE_MAX], size_t n,
                            const struct tolk_suggestion *sug, size_t n_sug)
{
    json_t *ranked = json_array(), *rejected = json_array();

    for (size_t i = 0; ranked != NULL && i < n_sug; i++)
        json_array_append_new(ranked,
                              json_pack("{s:I, s:s, s:i, s:s}", "interpreter_id",
                                        (json_int_t)sug[i].id, "code", codes[sug[i].index], "score",
                                        (int)sug[i].score, "reason", sug[i].reason));
    for (size_t i = 0; rejected != NULL && i < n; i++) {
        enum tolk_match_reason r = tolk_match_explain(rq, &cands[i]);
        if (r != TOLK_MATCH_OK)
            json_array_append_new(rejected, json_pack("{s:I, s:s, s:s}", "interpreter_id",
                                                      (json_int_t)cands[i].id, "code", codes[i],
                                                      "reason", tolk_match_reason_str(r)));
    }
    return json_pack("{s:o, s:o}", "suggestions", ranked, "rejected", rejected);
}

void api_appointments_suggestions(struct api_call *c)
{
    struct tolk_match_request rq = {0};
    struct tolk_appointment a;
    struct tolk_interpreter *cands = calloc(CANDIDATES_MAX, sizeof(*cands));
    char(*codes)[TOLK_INTERPRETER_CODE_MAX] = calloc(CANDIDATES_MAX, sizeof(*codes));
    struct tolk_suggestion *sug = calloc(CANDIDATES_MAX, sizeof(*sug));
    int64_t last = 0;
    size_t n = 0, n_sug;
    int rc =
        cands && codes && sug ? tolk_store_appointment_get(c->api->st, c->id, &a) : TOLK_STORE_EIO;

    if (rc == TOLK_STORE_ENOTFOUND)
        api_fail(c, TOLKD_API_NOT_FOUND, NULL, NULL);
    else if (rc != TOLK_STORE_OK)
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
    else if (client_part(c, &a, &rq, &last) == 0 && clinician_part(c, &a, &rq) == 0) {
        rq.window = (struct tolk_interval){a.starts_at, a.ends_at};
        if (candidates(c, &a, cands, codes, &n) != TOLK_STORE_OK) {
            api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
        } else {
            for (size_t i = 0; i < n; i++)
                cands[i].last_with_client = last != 0 && cands[i].id == last;
            n_sug = tolk_match_suggest(&rq, cands, n, sug, CANDIDATES_MAX);
            api_reply(c, 200, ranking_json(&rq, cands, codes, n, sug, n_sug));
        }
    }
    free(cands);
    free(codes);
    free(sug);
}
