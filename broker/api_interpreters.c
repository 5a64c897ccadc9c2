/*
 * REST handlers for interpreter profiles (docs/API.md, "Interpreters"): POST /interpreters,
 * GET /interpreters, GET and PATCH /interpreters/{id}, PUT /interpreters/{id}/availability,
 * POST /interpreters/{id}/exceptions.
 *
 * A profile belongs to an account of role interpreter and has its id. It holds a display code,
 * not a name. Language tags are checked against BCP 47 and stored in canonical case; the time
 * zone must be one the system's tzdata has. An interpreter may read their own profile only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "api_time.h"
#include "match.h"
#include "tz.h"

#define CODE_BYTES     (TOLK_INTERPRETER_CODE_MAX - 1)
#define ZONE_BYTES     (TOLK_INTERPRETER_ZONE_MAX - 1)
#define LIST_LIMIT_MAX 100
#define CODE_CHARS     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"

#define PROFILE_FIELDS(req)                                                                        \
    {"code", API_STRING, req, CODE_BYTES, false}, {"gender", API_STRING, false, 1, true},          \
        {"time_zone", API_STRING, req, ZONE_BYTES, false},                                         \
    {                                                                                              \
        "language_pairs", API_ARRAY, req, TOLK_INTERPRETER_PAIRS_MAX, false                        \
    }

const struct api_field api_interpreter_create_fields[] = {
    {"account_id", API_INT, true, 0, false},
    PROFILE_FIELDS(true),
    {"availability", API_ARRAY, false, TOLK_INTERPRETER_SLOTS_MAX, false},
    {NULL, API_STRING, false, 0, false},
};

const struct api_field api_interpreter_patch_fields[] = {
    PROFILE_FIELDS(false),
    {NULL, API_STRING, false, 0, false},
};

const struct api_field api_interpreter_availability_fields[] = {
    {"slots", API_ARRAY, true, TOLK_INTERPRETER_SLOTS_MAX, false},
    {NULL, API_STRING, false, 0, false},
};

const struct api_field api_interpreter_exception_fields[] = {
    {"starts_at", API_TIME, true, TOLKD_TIME_TEXT_MAX - 1, false},
    {"ends_at", API_TIME, true, TOLKD_TIME_TEXT_MAX - 1, false},
    {"time_zone", API_STRING, false, TOLK_TZ_NAME_MAX, false},
    {NULL, API_STRING, false, 0, false},
};

const struct api_param api_interpreter_list_params[] = {
    {"after", 0, INT64_MAX, 0, 0},
    {"limit", 1, LIST_LIMIT_MAX, 50, 0},
    {NULL, 0, 0, 0, 0},
};

static struct tolk_audit_note note_for(const struct api_call *c, const char *action, char *actor)
{
    struct tolk_audit_note note = {
        tolkd_accounts_audit_key(c->api->accounts), actor, action, "", "", c->now};

    snprintf(actor, TOLK_STORE_REF_MAX, "account:%" PRId64, c->who->account_id);
    return note;
}

static void fail_store(struct api_call *c, int rc, const char *conflict, const char *field)
{
    if (rc == TOLK_STORE_ENOTFOUND)
        api_fail(c, TOLKD_API_NOT_FOUND, NULL, NULL);
    else if (rc == TOLK_STORE_ECONSTRAINT)
        api_fail(c, TOLKD_API_CONFLICT, conflict, field);
    else
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
}

/* Whether ITEM is an object whose keys are all in NAMES (NULL-terminated); else answers 400. */
static int only_keys(struct api_call *c, json_t *item, const char *const *names, const char *what)
{
    const char *key;
    json_t *v;

    if (!json_is_object(item)) {
        api_fail(c, TOLKD_API_BAD_FIELD, "each item must be an object", what);
        return -1;
    }
    json_object_foreach(item, key, v)
    {
        size_t i = 0;
        while (names[i] != NULL && strcmp(names[i], key) != 0)
            i++;
        if (names[i] == NULL) {
            api_fail(c, TOLKD_API_UNKNOWN_FIELD, NULL, key);
            return -1;
        }
    }
    return 0;
}

static int put_pairs(struct api_call *c, json_t *arr, struct tolk_interpreter_profile *p)
{
    static const char *const names[] = {"a", "b", NULL};
    size_t i;
    json_t *item;

    if (json_array_size(arr) == 0) {
        api_fail(c, TOLKD_API_BAD_FIELD, "at least one language pair is needed", "language_pairs");
        return -1;
    }
    p->n_pairs = 0;
    json_array_foreach(arr, i, item)
    {
        if (only_keys(c, item, names, "language_pairs") != 0 ||
            api_put_tag(c, json_string_value(json_object_get(item, "a")), p->pairs[i].a,
                        sizeof(p->pairs[i].a), "language_pairs") != 0 ||
            api_put_tag(c, json_string_value(json_object_get(item, "b")), p->pairs[i].b,
                        sizeof(p->pairs[i].b), "language_pairs") != 0)
            return -1;
        p->n_pairs++;
    }
    return 0;
}

/* An integer member NAME of ITEM from LO to HI, or -1. */
static int int_in(json_t *item, const char *name, int lo, int hi)
{
    json_t *v = json_object_get(item, name);
    json_int_t x = json_is_integer(v) ? json_integer_value(v) : -1;

    return x >= lo && x <= hi ? (int)x : -1;
}

int api_put_slots(struct api_call *c, json_t *arr, const char *field, struct tolk_store_slot *slots,
                  size_t *n)
{
    static const char *const names[] = {"day", "start_minute", "end_minute", NULL};
    size_t i;
    json_t *item;

    *n = 0;
    json_array_foreach(arr, i, item)
    {
        if (only_keys(c, item, names, field) != 0)
            return -1;
        slots[i].day = int_in(item, "day", 0, 6);
        slots[i].start_minute = int_in(item, "start_minute", 0, 1439);
        slots[i].end_minute = int_in(item, "end_minute", 1, 1440);
        if (slots[i].day < 0 || slots[i].start_minute < 0 ||
            slots[i].end_minute <= slots[i].start_minute) {
            api_fail(c, TOLKD_API_BAD_FIELD,
                     "each slot needs day 0 (Monday) to 6 and 0 <= start_minute < end_minute "
                     "<= 1440",
                     field);
            return -1;
        }
        (*n)++;
    }
    return 0;
}

/* Applies the validated body's profile fields to P. */
static int profile_from_body(struct api_call *c, struct tolk_interpreter_profile *p)
{
    const char *code = api_string(c, "code", NULL), *zone = api_string(c, "time_zone", NULL);
    json_t *v = json_object_get(c->body, "gender");
    const char *g = json_string_value(v);

    if (code != NULL && (code[0] == '\0' || strspn(code, CODE_CHARS) != strlen(code))) {
        api_fail(c, TOLKD_API_BAD_FIELD, "must be 1 to 16 of A-Z, 0-9 and '-'", "code");
        return -1;
    }
    if (code != NULL)
        snprintf(p->code, sizeof(p->code), "%s", code);
    if (g != NULL && strcmp(g, "f") != 0 && strcmp(g, "m") != 0 && strcmp(g, "x") != 0) {
        api_fail(c, TOLKD_API_BAD_FIELD, "must be \"f\", \"m\", \"x\" or null", "gender");
        return -1;
    }
    if (v != NULL)
        p->gender = g != NULL ? g[0] : 0;
    if (api_check_zone(c, zone, "time_zone") != 0)
        return -1;
    if (zone != NULL)
        snprintf(p->zone, sizeof(p->zone), "%s", zone);
    v = json_object_get(c->body, "language_pairs");
    return v != NULL ? put_pairs(c, v, p) : 0;
}

json_t *api_slot_json(const struct tolk_store_slot *slot)
{
    return json_pack("{s:i, s:i, s:i}", "day", slot->day, "start_minute", slot->start_minute,
                     "end_minute", slot->end_minute);
}

/* An exception as the API shows it, its times also as local times in ZONE. */
static json_t *exception_json(const struct tolk_store_exception *e, const char *zone)
{
    json_t *o = json_pack("{s:I, s:I, s:I}", "id", (json_int_t)e->id, "starts_at",
                          (json_int_t)e->starts_at, "ends_at", (json_int_t)e->ends_at);

    if (o != NULL) {
        api_time_set_local(o, "starts_at", e->starts_at, zone);
        api_time_set_local(o, "ends_at", e->ends_at, zone);
    }
    return o;
}

static json_t *profile_json(const struct tolk_interpreter_profile *p)
{
    char gender[2] = {p->gender, '\0'};
    json_t *pairs = json_array(), *slots = json_array(), *exceptions = json_array();

    for (size_t i = 0; pairs != NULL && i < p->n_pairs; i++)
        json_array_append_new(pairs,
                              json_pack("{s:s, s:s}", "a", p->pairs[i].a, "b", p->pairs[i].b));
    for (size_t i = 0; slots != NULL && i < p->n_slots; i++)
        json_array_append_new(slots, api_slot_json(&p->slots[i]));
    for (size_t i = 0; exceptions != NULL && i < p->n_exceptions; i++)
        json_array_append_new(exceptions, exception_json(&p->exceptions[i], p->zone));
    return json_pack("{s:I, s:s, s:o, s:s, s:o, s:o, s:o, s:I}", "id", (json_int_t)p->id, "code",
                     p->code, "gender", gender[0] != 0 ? json_string(gender) : json_null(),
                     "time_zone", p->zone, "language_pairs", pairs, "availability", slots,
                     "exceptions", exceptions, "created_at", (json_int_t)p->created_at);
}

/* Answers 200 (or STATUS) with profile ID as stored now. */
static void reply_profile(struct api_call *c, int64_t id, unsigned status)
{
    struct tolk_interpreter_profile *p = calloc(1, sizeof(*p));
    int rc = p != NULL ? tolk_store_interpreter_get(c->api->st, id, p) : TOLK_STORE_EINVAL;

    if (p == NULL)
        api_fail(c, TOLKD_API_INTERNAL, "out of memory", NULL);
    else if (rc != TOLK_STORE_OK)
        fail_store(c, rc, NULL, NULL);
    else
        api_reply(c, status, profile_json(p));
    free(p);
}

void api_interpreters_create(struct api_call *c)
{
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note note = note_for(c, "interpreter_created", actor);
    struct tolk_interpreter_profile *p = calloc(1, sizeof(*p));
    json_t *slots = json_object_get(c->body, "availability");
    int rc;

    if (p == NULL) {
        api_fail(c, TOLKD_API_INTERNAL, "out of memory", NULL);
        return;
    }
    p->id = json_integer_value(json_object_get(c->body, "account_id"));
    p->created_at = c->now;
    if (profile_from_body(c, p) == 0 &&
        (slots == NULL || api_put_slots(c, slots, "availability", p->slots, &p->n_slots) == 0)) {
        rc = tolk_store_interpreter_create(c->api->st, p, &note);
        if (rc == TOLK_STORE_OK)
            reply_profile(c, p->id, 201);
        else if (rc == TOLK_STORE_ENOTFOUND)
            api_fail(c, TOLKD_API_BAD_FIELD, "must be the id of an interpreter account",
                     "account_id");
        else
            fail_store(c, rc, "this account has a profile, or the code is taken", "code");
    }
    free(p);
}

void api_interpreters_list(struct api_call *c)
{
    size_t cap = (size_t)c->params[1], n = 0;
    struct tolk_interpreter_summary *page = calloc(cap, sizeof(*page));
    json_t *list = json_array();
    int rc;

    if (page == NULL || list == NULL) {
        free(page);
        json_decref(list);
        api_fail(c, TOLKD_API_INTERNAL, "out of memory", NULL);
        return;
    }
    rc = tolk_store_interpreter_list(c->api->st, c->params[0], page, cap, &n);
    if (rc != TOLK_STORE_OK) {
        free(page);
        json_decref(list);
        fail_store(c, rc, NULL, NULL);
        return;
    }
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            list, json_pack("{s:I, s:s}", "id", (json_int_t)page[i].id, "code", page[i].code));
    api_reply(c, 200,
              json_pack("{s:o, s:o}", "interpreters", list, "next_after",
                        n == cap ? json_integer(page[n - 1].id) : json_null()));
    free(page);
}

void api_interpreters_get(struct api_call *c)
{
    if (c->who->role == TOLK_ROLE_INTERPRETER && c->who->account_id != c->id) {
        api_fail(c, TOLKD_API_FORBIDDEN, "interpreters may read their own profile only", NULL);
        return;
    }
    reply_profile(c, c->id, 200);
}

void api_interpreters_patch(struct api_call *c)
{
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note note = note_for(c, "interpreter_updated", actor);
    struct tolk_interpreter_profile *p = calloc(1, sizeof(*p));
    int rc = p != NULL ? tolk_store_interpreter_get(c->api->st, c->id, p) : TOLK_STORE_EINVAL;

    if (p == NULL) {
        api_fail(c, TOLKD_API_INTERNAL, "out of memory", NULL);
    } else if (rc != TOLK_STORE_OK) {
        fail_store(c, rc, NULL, NULL);
    } else if (profile_from_body(c, p) == 0) {
        rc = tolk_store_interpreter_update(c->api->st, p, &note);
        if (rc == TOLK_STORE_OK)
            reply_profile(c, c->id, 200);
        else
            fail_store(c, rc, "the code is taken", "code");
    }
    free(p);
}

void api_interpreters_availability(struct api_call *c)
{
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note note = note_for(c, "interpreter_availability_set", actor);
    struct tolk_store_slot slots[TOLK_INTERPRETER_SLOTS_MAX];
    size_t n = 0;
    int rc;

    if (api_put_slots(c, json_object_get(c->body, "slots"), "slots", slots, &n) != 0)
        return;
    rc = tolk_store_interpreter_set_slots(c->api->st, c->id, slots, n, &note);
    if (rc == TOLK_STORE_OK)
        reply_profile(c, c->id, 200);
    else
        fail_store(c, rc, NULL, NULL);
}

void api_interpreters_exception(struct api_call *c)
{
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note note = note_for(c, "interpreter_exception_added", actor);
    struct tolk_store_exception e = {0, 0, 0};
    const char *given = api_string(c, "time_zone", NULL);
    char zone[TOLK_TZ_NAME_MAX + 1] = "UTC";
    struct tolk_interpreter_profile *p = malloc(sizeof(*p));
    int rc = p == NULL ? TOLK_STORE_EIO : tolk_store_interpreter_get(c->api->st, c->id, p);

    if (rc == TOLK_STORE_OK)
        snprintf(zone, sizeof(zone), "%s", p->zone);
    free(p);
    if (rc != TOLK_STORE_OK) {
        fail_store(c, rc, NULL, NULL);
        return;
    }
    if (api_check_zone(c, given, "time_zone") != 0)
        return;
    if (api_time(c, json_object_get(c->body, "starts_at"), NULL, given ? given : zone, "starts_at",
                 &e.starts_at) != 0 ||
        api_time(c, json_object_get(c->body, "ends_at"), NULL, given ? given : zone, "ends_at",
                 &e.ends_at) != 0)
        return;
    if (e.ends_at <= e.starts_at) {
        api_fail(c, TOLKD_API_BAD_FIELD, "must be after starts_at", "ends_at");
        return;
    }
    rc = tolk_store_interpreter_exception_add(c->api->st, c->id, &e, c->now, &note);
    if (rc == TOLK_STORE_OK)
        api_reply(c, 201, exception_json(&e, zone));
    else
        fail_store(c, rc, "too many exceptions to come: at most 32", NULL);
}
