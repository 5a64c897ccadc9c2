/*
 * GET /appointments/{id}/suggestions (docs/API.md): which interpreters could take an
 * appointment, best first, and why the others could not. suggest.c assembles the request from
 * the store and runs the matching; this file audits the read of the client under the caller's
 * name and writes the answer.
 */
#include <inttypes.h>
#include <stdio.h>

#include "api_internal.h"
#include "suggest.h"

static json_t *ranking_json(const struct tolkd_suggestions *s)
{
    json_t *ranked = json_array(), *rejected = json_array();

    for (size_t i = 0; ranked != NULL && i < s->n_ranked; i++) {
        const struct tolk_suggestion *g = &s->ranked[i];
        json_array_append_new(ranked, json_pack("{s:I, s:s, s:i, s:s}", "interpreter_id",
                                                (json_int_t)g->id, "code", s->codes[g->index],
                                                "score", (int)g->score, "reason", g->reason));
    }
    for (size_t i = 0; rejected != NULL && i < s->n_candidates; i++)
        if (s->reasons[i] != TOLK_MATCH_OK)
            json_array_append_new(rejected,
                                  json_pack("{s:I, s:s, s:s}", "interpreter_id",
                                            (json_int_t)s->candidates[i].id, "code", s->codes[i],
                                            "reason", tolk_match_reason_str(s->reasons[i])));
    return json_pack("{s:o, s:o}", "suggestions", ranked, "rejected", rejected);
}

void api_appointments_suggestions(struct api_call *c)
{
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note note = {
        tolkd_accounts_audit_key(c->api->accounts), actor, "client_read", "", "", c->now};
    struct tolkd_suggestions *s = tolkd_suggestions_new();
    int rc = s != NULL ? TOLKD_SUGGEST_OK : TOLKD_SUGGEST_UNAVAILABLE;

    snprintf(actor, sizeof(actor), "account:%" PRId64, c->who->account_id);
    if (rc == TOLKD_SUGGEST_OK)
        rc = tolkd_suggest(c->api->st, c->id, &note, s);
    if (rc == TOLKD_SUGGEST_OK)
        api_reply(c, 200, ranking_json(s));
    else if (rc == TOLKD_SUGGEST_NOT_FOUND)
        api_fail(c, TOLKD_API_NOT_FOUND, NULL, NULL);
    else if (rc == TOLKD_SUGGEST_NO_CLINICIAN)
        api_fail(c, TOLKD_API_CONFLICT, "the clinician has no profile (languages) yet", NULL);
    else
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
    tolkd_suggestions_free(s);
}
