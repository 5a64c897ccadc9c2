/*
 * REST handlers for clinician profiles (docs/API.md, "Clinicians"): POST /clinicians,
 * GET /clinicians, GET and PATCH /clinicians/{id}.
 *
 * A profile belongs to an account of role clinician and has its id: the languages the
 * clinician speaks (BCP 47, stored in canonical case), the IANA zone of their working hours,
 * and the working hours as weekly slots in that zone. A clinician may read their own profile.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "match.h"
#include "tz.h"

#define ZONE_BYTES     (TOLK_INTERPRETER_ZONE_MAX - 1)
#define LIST_LIMIT_MAX 100

#define CLINICIAN_FIELDS(req)                                                                      \
    {"time_zone", API_STRING, req, ZONE_BYTES, false},                                             \
        {"languages", API_ARRAY, req, TOLK_CLINICIAN_LANGUAGES_MAX, false},                        \
        {"working_hours", API_ARRAY, false, TOLK_INTERPRETER_SLOTS_MAX, false},                    \
    {                                                                                              \
        NULL, API_STRING, false, 0, false                                                          \
    }

const struct api_field api_clinician_create_fields[] = {
    {"account_id", API_INT, true, 0, false},
    CLINICIAN_FIELDS(true),
};

const struct api_field api_clinician_patch_fields[] = {CLINICIAN_FIELDS(false)};

const struct api_param api_clinician_list_params[] = {
    {"after", 0, INT64_MAX, 0, 0},
    {"limit", 1, LIST_LIMIT_MAX, 50, 0},
    {NULL, 0, 0, 0, 0},
};

static void fail_store(struct api_call *c, int rc)
{
    if (rc == TOLK_STORE_ENOTFOUND)
        api_fail(c, TOLKD_API_NOT_FOUND, NULL, NULL);
    else if (rc == TOLK_STORE_ECONSTRAINT)
        api_fail(c, TOLKD_API_CONFLICT, "this account has a profile already", "account_id");
    else
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
}

static int put_languages(struct api_call *c, json_t *arr, struct tolk_clinician_profile *p)
{
    size_t i;
    json_t *item;

    if (json_array_size(arr) == 0) {
        api_fail(c, TOLKD_API_BAD_FIELD, "at least one language is needed", "languages");
        return -1;
    }
    p->n_languages = 0;
    json_array_foreach(arr, i, item)
    {
        if (api_put_tag(c, json_string_value(item), p->languages[i], sizeof(p->languages[i]),
                        "languages") != 0)
            return -1;
        p->n_languages++;
    }
    return 0;
}

/* Applies the validated body to P (the fields sent). */
static int clinician_from_body(struct api_call *c, struct tolk_clinician_profile *p)
{
    const char *zone = api_string(c, "time_zone", NULL);
    json_t *v = json_object_get(c->body, "languages");

    if (api_check_zone(c, zone, "time_zone") != 0)
        return -1;
    if (zone != NULL)
        snprintf(p->zone, sizeof(p->zone), "%s", zone);
    if (v != NULL && put_languages(c, v, p) != 0)
        return -1;
    v = json_object_get(c->body, "working_hours");
    return v != NULL ? api_put_slots(c, v, "working_hours", p->hours, &p->n_hours) : 0;
}

static json_t *clinician_json(const struct tolk_clinician_profile *p)
{
    json_t *langs = json_array(), *hours = json_array();

    for (size_t i = 0; langs != NULL && i < p->n_languages; i++)
        json_array_append_new(langs, json_string(p->languages[i]));
    for (size_t i = 0; hours != NULL && i < p->n_hours; i++)
        json_array_append_new(hours, api_slot_json(&p->hours[i]));
    return json_pack("{s:I, s:s, s:o, s:o, s:I}", "id", (json_int_t)p->id, "time_zone", p->zone,
                     "languages", langs, "working_hours", hours, "created_at",
                     (json_int_t)p->created_at);
}

/* Answers STATUS with profile ID as stored now. */
static void reply_clinician(struct api_call *c, int64_t id, unsigned status)
{
    struct tolk_clinician_profile p;
    int rc = tolk_store_clinician_get(c->api->st, id, &p);

    if (rc == TOLK_STORE_OK)
        api_reply(c, status, clinician_json(&p));
    else
        fail_store(c, rc);
}

static struct tolk_audit_note note_for(const struct api_call *c, const char *action, char *actor)
{
    struct tolk_audit_note note = {
        tolkd_accounts_audit_key(c->api->accounts), actor, action, "", "", c->now};

    snprintf(actor, TOLK_STORE_REF_MAX, "account:%" PRId64, c->who->account_id);
    return note;
}

void api_clinicians_create(struct api_call *c)
{
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note note = note_for(c, "clinician_created", actor);
    struct tolk_clinician_profile p = {0};
    int rc;

    p.id = json_integer_value(json_object_get(c->body, "account_id"));
    p.created_at = c->now;
    if (clinician_from_body(c, &p) != 0)
        return;
    rc = tolk_store_clinician_create(c->api->st, &p, &note);
    if (rc == TOLK_STORE_OK)
        reply_clinician(c, p.id, 201);
    else if (rc == TOLK_STORE_ENOTFOUND)
        api_fail(c, TOLKD_API_BAD_FIELD, "must be the id of a clinician account", "account_id");
    else
        fail_store(c, rc);
}

void api_clinicians_list(struct api_call *c)
{
    size_t cap = (size_t)c->params[1], n = 0;
    int64_t *ids = calloc(cap, sizeof(*ids));
    json_t *list = json_array();
    int rc;

    if (ids == NULL || list == NULL) {
        free(ids);
        json_decref(list);
        api_fail(c, TOLKD_API_INTERNAL, "out of memory", NULL);
        return;
    }
    rc = tolk_store_clinician_list(c->api->st, c->params[0], ids, cap, &n);
    if (rc != TOLK_STORE_OK) {
        free(ids);
        json_decref(list);
        fail_store(c, rc);
        return;
    }
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:I}", "id", (json_int_t)ids[i]));
    api_reply(c, 200,
              json_pack("{s:o, s:o}", "clinicians", list, "next_after",
                        n == cap ? json_integer(ids[n - 1]) : json_null()));
    free(ids);
}

void api_clinicians_get(struct api_call *c)
{
    if (c->who->role == TOLK_ROLE_CLINICIAN && c->who->account_id != c->id) {
        api_fail(c, TOLKD_API_FORBIDDEN, "clinicians may read their own profile only", NULL);
        return;
    }
    reply_clinician(c, c->id, 200);
}

void api_clinicians_patch(struct api_call *c)
{
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note note = note_for(c, "clinician_updated", actor);
    struct tolk_clinician_profile p;
    int rc = tolk_store_clinician_get(c->api->st, c->id, &p);

    if (rc != TOLK_STORE_OK) {
        fail_store(c, rc);
        return;
    }
    if (clinician_from_body(c, &p) != 0)
        return;
    rc = tolk_store_clinician_update(c->api->st, &p, &note);
    if (rc == TOLK_STORE_OK)
        reply_clinician(c, c->id, 200);
    else
        fail_store(c, rc);
}
