/*
 * REST handlers for appointments (docs/API.md, "Appointments"): POST /appointments,
 * GET /appointments, GET and PATCH /appointments/{id}, POST /appointments/{id}/cancel.
 *
 * The store checks conflicts (store.h, "Bookings") inside the transaction that writes, so two
 * desks booking one clinician at once cannot both succeed; this file checks what it can say
 * before that (the participants exist and have the right roles, the times make sense) and turns
 * a conflict into 409 naming the double-booked participant by role. Clinicians and interpreters
 * see only appointments they take part in (an interpreter also those they relieve). Join tokens
 * (POST /appointments/{id}/tokens and .../tokens/revoke) are shown once, in the answer that
 * issues them; the store keeps hashes. A relief interpreter gets a token of role interpreter
 * like the interpreter's: the broker makes the second interpreter to join passive by itself
 * (docs/INTERPRETING.md, "Participants"), so the token need not say which one it is.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "api_time.h"
#include "secrets.h"
#include "tz.h"

#define DURATION_MAX (4 * 3600) /* seconds: the longest session that can be booked */
#define LIST_PAGE    100
#define TOKENS_MAX   5 /* client, clinician, interpreter, relief interpreter, support person */

#define ZONE_SIZE (TOLK_TZ_NAME_MAX + 1)

const struct api_field api_appointment_create_fields[] = {
    {"client_id", API_INT, true, 0, false},
    {"clinician_id", API_INT, true, 0, false},
    {"interpreter_id", API_INT, false, 0, true},
    {"relief_interpreter_id", API_INT, false, 0, true},
    {"mode", API_STRING, true, 16, false},
    {"starts_at", API_TIME, true, TOLKD_TIME_TEXT_MAX - 1, false},
    {"ends_at", API_TIME, true, TOLKD_TIME_TEXT_MAX - 1, false},
    {"time_zone", API_STRING, false, TOLK_TZ_NAME_MAX, false},
    {NULL, API_STRING, false, 0, false},
};

const struct api_field api_appointment_patch_fields[] = {
    {"interpreter_id", API_INT, false, 0, true},
    {"relief_interpreter_id", API_INT, false, 0, true},
    {"starts_at", API_TIME, false, TOLKD_TIME_TEXT_MAX - 1, false},
    {"ends_at", API_TIME, false, TOLKD_TIME_TEXT_MAX - 1, false},
    {"time_zone", API_STRING, false, TOLK_TZ_NAME_MAX, false},
    {NULL, API_STRING, false, 0, false},
};

const struct api_field api_appointment_tokens_fields[] = {
    {"support_person", API_BOOL, false, 0, false},
    {NULL, API_STRING, false, 0, false},
};

const struct api_field api_appointment_revoke_fields[] = {
    {"role", API_STRING, true, 16, false},
    {NULL, API_STRING, false, 0, false},
};

const struct api_param api_appointment_list_params[] = {
    {"clinician_id", 0, INT64_MAX, 0, 0},     {"from", 0, 0, 0, TOLKD_TIME_TEXT_MAX - 1},
    {"to", 0, 0, 0, TOLKD_TIME_TEXT_MAX - 1}, {"after", 0, INT64_MAX, 0, 0},
    {"tz", 0, 0, 0, TOLK_TZ_NAME_MAX},        {NULL, 0, 0, 0, 0},
};

const struct api_param api_appointment_get_params[] = {
    {"tz", 0, 0, 0, TOLK_TZ_NAME_MAX},
    {NULL, 0, 0, 0, 0},
};

/* A conflict names the participant by role; the store's message says which. */
static void fail_store(struct api_call *c, int rc)
{
    const char *why = tolk_store_errmsg(c->api->st);

    if (rc == TOLK_STORE_ENOTFOUND)
        api_fail(c, TOLKD_API_NOT_FOUND, NULL, NULL);
    else if (rc == TOLK_STORE_ECONSTRAINT && strstr(why, "the relief interpreter has") != NULL)
        api_fail(c, TOLKD_API_CONFLICT, "the relief interpreter is double-booked at that time",
                 "relief_interpreter_id");
    else if (rc == TOLK_STORE_ECONSTRAINT && strstr(why, "the clinician has") != NULL)
        api_fail(c, TOLKD_API_CONFLICT, "the clinician is double-booked at that time",
                 "clinician_id");
    else if (rc == TOLK_STORE_ECONSTRAINT && strstr(why, "the interpreter has") != NULL)
        api_fail(c, TOLKD_API_CONFLICT, "the interpreter is double-booked at that time",
                 "interpreter_id");
    else if (rc == TOLK_STORE_ECONSTRAINT && strstr(why, "cancelled") != NULL)
        api_fail(c, TOLKD_API_CONFLICT, "the appointment is cancelled", NULL);
    else
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
}

/*
 * The zone a request's local times are read in and its answer shows times in: GIVEN when not ""
 * (else 400 under FIELD when it is no zone), else the clinician's profile zone, else UTC.
 */
static int zone_for(struct api_call *c, const char *given, const char *field, int64_t clinician_id,
                    char zone[ZONE_SIZE])
{
    struct tolk_clinician_profile *p;

    if (given != NULL && given[0] != '\0') {
        if (api_check_zone(c, given, field) != 0)
            return -1;
        snprintf(zone, ZONE_SIZE, "%s", given);
        return 0;
    }
    snprintf(zone, ZONE_SIZE, "UTC");
    p = malloc(sizeof(*p));
    if (p != NULL && tolk_store_clinician_get(c->api->st, clinician_id, p) == TOLK_STORE_OK &&
        tolk_tz_valid(p->zone))
        snprintf(zone, ZONE_SIZE, "%s", p->zone);
    free(p);
    return 0;
}

static json_t *id_or_null(int64_t id)
{
    return id != 0 ? json_integer(id) : json_null();
}

static json_t *appointment_json(const struct tolk_appointment *a, const char *zone)
{
    json_t *o =
        json_pack("{s:I, s:I, s:I, s:o, s:o, s:s, s:I, s:I, s:s, s:I, s:s}", "id",
                  (json_int_t)a->id, "client_id", (json_int_t)a->client_id, "clinician_id",
                  (json_int_t)a->clinician_id, "interpreter_id", id_or_null(a->interpreter_id),
                  "relief_interpreter_id", id_or_null(a->relief_interpreter_id), "mode", a->mode,
                  "starts_at", (json_int_t)a->starts_at, "ends_at", (json_int_t)a->ends_at,
                  "status", a->status == TOLK_APPOINTMENT_CANCELLED ? "cancelled" : "booked",
                  "updated_at", (json_int_t)a->updated_at, "time_zone", zone);

    if (o != NULL) {
        api_time_set_local(o, "starts_at", a->starts_at, zone);
        api_time_set_local(o, "ends_at", a->ends_at, zone);
    }
    return o;
}

static struct tolk_audit_note note_for(const struct api_call *c, const char *action, char *actor)
{
    struct tolk_audit_note note = {
        tolkd_accounts_audit_key(c->api->accounts), actor, action, "", "", c->now};

    snprintf(actor, TOLK_STORE_REF_MAX, "account:%" PRId64, c->who->account_id);
    return note;
}

/* 0 if account ID exists with ROLE, else -1 with 400 answered under FIELD. */
static int check_account(struct api_call *c, int64_t id, enum tolk_account_role role,
                         const char *field, const char *message)
{
    struct tolk_account a;

    if (tolk_store_account_get(c->api->st, id, &a) == TOLK_STORE_OK && a.role == role &&
        !a.disabled)
        return 0;
    api_fail(c, TOLKD_API_BAD_FIELD, message, field);
    return -1;
}

static int check_times(struct api_call *c, int64_t starts_at, int64_t ends_at)
{
    if (ends_at <= starts_at) {
        api_fail(c, TOLKD_API_BAD_FIELD, "must be after starts_at", "ends_at");
        return -1;
    }
    if (ends_at - starts_at > DURATION_MAX) {
        api_fail(c, TOLKD_API_BAD_FIELD, "an appointment lasts at most 4 hours", "ends_at");
        return -1;
    }
    return 0;
}

static int64_t body_int(const struct api_call *c, const char *name, int64_t def)
{
    json_t *v = json_object_get(c->body, name);

    return v == NULL || json_is_null(v) ? (v == NULL ? def : 0) : json_integer_value(v);
}

/*
 * 0 if client ID exists, else -1 with 400 answered. A one-item list page (alias and id, not
 * audited) rather than a full read: the booking needs no more than the client's existence.
 */
static int check_client(struct api_call *c, int64_t id)
{
    struct tolk_client_summary one;
    size_t n = 0;
    int rc = tolk_store_client_list(c->api->st, "", id - 1, &one, 1, &n);

    if (rc == TOLK_STORE_OK && n == 1 && one.id == id)
        return 0;
    api_fail(c, TOLKD_API_BAD_FIELD, "must be the id of a client", "client_id");
    return -1;
}

/*
 * The interpreters of A as they would be stored: a relief only with an interpreter, never the
 * same account, and each one the body names an enabled interpreter account (one the body does
 * not name was checked when it was given). -1 with 400 answered, under the field the request
 * should change: the relief's when the body gives one, else the interpreter's.
 */
static int check_interpreters(struct api_call *c, const struct tolk_appointment *a)
{
    bool relief_given = json_object_get(c->body, "relief_interpreter_id") != NULL;
    const char *field = relief_given ? "relief_interpreter_id" : "interpreter_id";

    if (a->relief_interpreter_id != 0 && a->interpreter_id == 0) {
        api_fail(c, TOLKD_API_BAD_FIELD,
                 relief_given ? "needs an interpreter_id"
                              : "must not be null while there is a relief interpreter",
                 field);
        return -1;
    }
    if (a->relief_interpreter_id != 0 && a->relief_interpreter_id == a->interpreter_id) {
        api_fail(c, TOLKD_API_BAD_FIELD,
                 relief_given ? "must differ from interpreter_id"
                              : "is the relief interpreter: give relief_interpreter_id too",
                 field);
        return -1;
    }
    if (a->interpreter_id != 0 && json_object_get(c->body, "interpreter_id") != NULL &&
        check_account(c, a->interpreter_id, TOLK_ROLE_INTERPRETER, "interpreter_id",
                      "must be the id of an interpreter account") != 0)
        return -1;
    if (a->relief_interpreter_id != 0 && relief_given &&
        check_account(c, a->relief_interpreter_id, TOLK_ROLE_INTERPRETER, "relief_interpreter_id",
                      "must be the id of an interpreter account") != 0)
        return -1;
    return 0;
}

/* Reads the times of the body, where given, into A (local times in ZONE); -1 with 400. */
static int times_from_body(struct api_call *c, const char *zone, struct tolk_appointment *a)
{
    json_t *v;

    if ((v = json_object_get(c->body, "starts_at")) != NULL &&
        api_time(c, v, NULL, zone, "starts_at", &a->starts_at) != 0)
        return -1;
    if ((v = json_object_get(c->body, "ends_at")) != NULL &&
        api_time(c, v, NULL, zone, "ends_at", &a->ends_at) != 0)
        return -1;
    return 0;
}

/* Reads the create body into A and the request's zone into ZONE; -1 with 400 answered. */
static int booking_from_body(struct api_call *c, struct tolk_appointment *a, char zone[ZONE_SIZE])
{
    const char *mode = api_string(c, "mode", NULL);
    uint8_t ref[12];

    a->client_id = body_int(c, "client_id", 0);
    a->clinician_id = body_int(c, "clinician_id", 0);
    a->interpreter_id = body_int(c, "interpreter_id", 0);
    a->relief_interpreter_id = body_int(c, "relief_interpreter_id", 0);
    if (zone_for(c, api_string(c, "time_zone", NULL), "time_zone", a->clinician_id, zone) != 0 ||
        times_from_body(c, zone, a) != 0)
        return -1;
    if (strcmp(mode, "consecutive") != 0 && strcmp(mode, "simultaneous") != 0) {
        api_fail(c, TOLKD_API_BAD_FIELD, "must be consecutive or simultaneous", "mode");
        return -1;
    }
    snprintf(a->mode, sizeof(a->mode), "%s", mode);
    randombytes_buf(ref, sizeof(ref));
    memcpy(a->ref, "appt-", 5);
    sodium_bin2hex(a->ref + 5, sizeof(a->ref) - 5, ref, sizeof(ref));
    if (check_times(c, a->starts_at, a->ends_at) != 0 || check_client(c, a->client_id) != 0 ||
        check_account(c, a->clinician_id, TOLK_ROLE_CLINICIAN, "clinician_id",
                      "must be the id of a clinician account") != 0)
        return -1;
    return check_interpreters(c, a);
}

void api_appointments_create(struct api_call *c)
{
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note note = note_for(c, "appointment_booked", actor);
    struct tolk_appointment a = {0};
    char zone[ZONE_SIZE];
    int rc;

    if (booking_from_body(c, &a, zone) != 0)
        return;
    rc = tolk_store_appointment_book(c->api->st, &a, &note);
    if (rc == TOLK_STORE_OK)
        api_reply(c, 201, appointment_json(&a, zone));
    else
        fail_store(c, rc);
}

/* Whether the caller may see A: staff and admin always, others when they take part. */
static bool may_see(const struct api_call *c, const struct tolk_appointment *a)
{
    if (c->who->role == TOLK_ROLE_CLINICIAN)
        return a->clinician_id == c->who->account_id;
    if (c->who->role == TOLK_ROLE_INTERPRETER)
        return a->interpreter_id == c->who->account_id ||
               a->relief_interpreter_id == c->who->account_id;
    return true;
}

void api_appointments_get(struct api_call *c)
{
    struct tolk_appointment a;
    char zone[ZONE_SIZE];
    int rc = tolk_store_appointment_get(c->api->st, c->id, &a);

    if (rc != TOLK_STORE_OK)
        fail_store(c, rc);
    else if (!may_see(c, &a))
        api_fail(c, TOLKD_API_FORBIDDEN, "only the participants may read an appointment", NULL);
    else if (zone_for(c, c->texts[0], "tz", a.clinician_id, zone) == 0)
        api_reply(c, 200, appointment_json(&a, zone));
}

/* Answers 200 with appointment ID as stored now, its times shown in ZONE (NULL: the
 * clinician's). */
static void reply_appointment(struct api_call *c, int64_t id, const char *zone)
{
    struct tolk_appointment a;
    char own[ZONE_SIZE];
    int rc = tolk_store_appointment_get(c->api->st, id, &a);

    if (rc != TOLK_STORE_OK)
        fail_store(c, rc);
    else if (zone_for(c, zone, "time_zone", a.clinician_id, own) == 0)
        api_reply(c, 200, appointment_json(&a, own));
}

void api_appointments_patch(struct api_call *c)
{
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note note = note_for(c, "appointment_rescheduled", actor);
    struct tolk_appointment a;
    int rc = tolk_store_appointment_get(c->api->st, c->id, &a);

    if (rc != TOLK_STORE_OK) {
        fail_store(c, rc);
        return;
    }
    char zone[ZONE_SIZE];
    if (zone_for(c, api_string(c, "time_zone", NULL), "time_zone", a.clinician_id, zone) != 0 ||
        times_from_body(c, zone, &a) != 0)
        return;
    a.interpreter_id = body_int(c, "interpreter_id", a.interpreter_id);
    a.relief_interpreter_id = body_int(c, "relief_interpreter_id", a.relief_interpreter_id);
    if (check_times(c, a.starts_at, a.ends_at) != 0)
        return;
    /* Only a newly given interpreter or relief is checked: moving an appointment whose
     * interpreter's account was disabled since must not fail on a field the request did not
     * send. */
    if (check_interpreters(c, &a) != 0)
        return;
    rc = tolk_store_appointment_reschedule(c->api->st, c->id, a.starts_at, a.ends_at,
                                           a.interpreter_id, a.relief_interpreter_id, &note);
    if (rc == TOLK_STORE_OK)
        reply_appointment(c, c->id, zone);
    else
        fail_store(c, rc);
}

/* Idempotent: cancelling a cancelled appointment answers it as it is, with no new entry. */
void api_appointments_cancel(struct api_call *c)
{
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note note = note_for(c, "appointment_cancelled", actor);
    struct tolk_appointment a;
    int rc = tolk_store_appointment_get(c->api->st, c->id, &a);

    if (rc == TOLK_STORE_OK && a.status != TOLK_APPOINTMENT_CANCELLED)
        rc = tolk_store_appointment_cancel(c->api->st, c->id, &note);
    if (rc == TOLK_STORE_OK)
        reply_appointment(c, c->id, NULL);
    else
        fail_store(c, rc);
}

/* The list's filter: clinicians and interpreters are held to their own appointments. */
static int list_filter(struct api_call *c, struct tolk_appointment_filter *f)
{
    f->clinician_id = c->params[0];
    const char *zone = c->texts[4][0] != '\0' ? c->texts[4] : "UTC";
    if (c->texts[4][0] != '\0' && api_check_zone(c, c->texts[4], "tz") != 0)
        return -1;
    if ((c->texts[1][0] != '\0' && api_time(c, NULL, c->texts[1], zone, "from", &f->from) != 0) ||
        (c->texts[2][0] != '\0' && api_time(c, NULL, c->texts[2], zone, "to", &f->to) != 0))
        return -1;
    if (f->from < 0 || f->to < 0) {
        api_fail(c, TOLKD_API_BAD_FIELD, "must not be before 1970", f->from < 0 ? "from" : "to");
        return -1;
    }
    if (f->to != 0 && f->to <= f->from) {
        api_fail(c, TOLKD_API_BAD_FIELD, "must be after from", "to");
        return -1;
    }
    if (c->who->role == TOLK_ROLE_INTERPRETER)
        f->interpreter_id = c->who->account_id;
    if (c->who->role != TOLK_ROLE_CLINICIAN)
        return 0;
    if (f->clinician_id != 0 && f->clinician_id != c->who->account_id) {
        api_fail(c, TOLKD_API_FORBIDDEN, "clinicians may list their own appointments only", NULL);
        return -1;
    }
    f->clinician_id = c->who->account_id;
    return 0;
}

void api_appointments_list(struct api_call *c)
{
    struct tolk_appointment_filter f = {0};
    struct tolk_appointment *page = calloc(LIST_PAGE, sizeof(*page));
    json_t *list = json_array();
    size_t n = 0;
    int rc;

    if (page == NULL || list == NULL) {
        free(page);
        json_decref(list);
        api_fail(c, TOLKD_API_INTERNAL, "out of memory", NULL);
        return;
    }
    rc = list_filter(c, &f) != 0
             ? -1
             : tolk_store_appointment_list(c->api->st, &f, c->params[3], page, LIST_PAGE, &n);
    if (rc == TOLK_STORE_OK) {
        char zone[ZONE_SIZE] = "";
        int64_t zone_of = -1; /* the clinician whose zone ZONE is; a page is often one's */
        for (size_t i = 0; i < n; i++) {
            if (c->texts[4][0] == '\0' && page[i].clinician_id != zone_of) {
                zone_for(c, NULL, NULL, page[i].clinician_id, zone);
                zone_of = page[i].clinician_id;
            }
            json_array_append_new(
                list, appointment_json(&page[i], c->texts[4][0] != '\0' ? c->texts[4] : zone));
        }
        api_reply(c, 200,
                  json_pack("{s:o, s:o}", "appointments", list, "next_after",
                            n == LIST_PAGE ? json_integer(page[n - 1].id) : json_null()));
        list = NULL;
    } else if (rc != -1) {
        fail_store(c, rc);
    }
    json_decref(list);
    free(page);
}

/*
 * Makes the tokens of A's participants (and of a support person when SUPPORT), valid in W, into
 * T (hashes) and TEXTS; returns how many. The relief interpreter's, if any, is the one at
 * *RELIEF (else *RELIEF is TOKENS_MAX).
 */
static size_t make_tokens(const struct tolk_appointment *a, bool support,
                          const struct tolkd_join_window *w, struct tolk_join_token t[TOKENS_MAX],
                          char texts[TOKENS_MAX][TOLKD_TOKEN_TEXT], size_t *relief)
{
    const char *roles[TOKENS_MAX] = {"client", "clinician"};
    size_t n = 2;
    uint8_t raw[TOLKD_TOKEN_BYTES];

    *relief = TOKENS_MAX;
    if (a->interpreter_id != 0)
        roles[n++] = "interpreter";
    if (a->interpreter_id != 0 && a->relief_interpreter_id != 0) {
        *relief = n;
        roles[n++] = "interpreter";
    }
    if (support)
        roles[n++] = "support";
    for (size_t i = 0; i < n; i++) {
        memset(&t[i], 0, sizeof(t[i]));
        tolkd_token_new(raw, texts[i], t[i].hash);
        snprintf(t[i].role, sizeof(t[i].role), "%s", roles[i]);
        t[i].valid_from = a->starts_at - w->early_s;
        t[i].valid_until = a->ends_at + w->grace_s;
    }
    tolkd_wipe(raw, sizeof(raw));
    return n;
}

/* The tokens' answer; the one at RELIEF (< N, or none) is marked "relief": true. */
static json_t *tokens_json(int64_t id, const struct tolk_join_token *t,
                           char texts[][TOLKD_TOKEN_TEXT], size_t n, size_t relief)
{
    json_t *list = json_array();

    for (size_t i = 0; list != NULL && i < n; i++) {
        json_t *one =
            json_pack("{s:s, s:s, s:I, s:I}", "role", t[i].role, "token", texts[i], "valid_from",
                      (json_int_t)t[i].valid_from, "valid_until", (json_int_t)t[i].valid_until);
        if (one != NULL && i == relief)
            json_object_set_new(one, "relief", json_true());
        json_array_append_new(list, one);
    }
    return json_pack("{s:I, s:o}", "appointment_id", (json_int_t)id, "tokens", list);
}

void api_appointments_tokens(struct api_call *c)
{
    char actor[TOLK_STORE_REF_MAX], texts[TOKENS_MAX][TOLKD_TOKEN_TEXT];
    struct tolk_audit_note note = note_for(c, "token_issued", actor);
    struct tolk_join_token t[TOKENS_MAX];
    struct tolk_appointment a;
    size_t n = 0, relief = TOKENS_MAX;
    int rc = tolk_store_appointment_get(c->api->st, c->id, &a);

    if (rc == TOLK_STORE_OK) {
        n = make_tokens(&a, json_is_true(json_object_get(c->body, "support_person")),
                        &c->api->window, t, texts, &relief);
        rc = tolk_store_appointment_tokens_issue(c->api->st, c->id, t, n, &note);
    }
    if (rc == TOLK_STORE_OK)
        api_reply(c, 201, tokens_json(c->id, t, texts, n, relief));
    else
        fail_store(c, rc);
    tolkd_wipe(texts, sizeof(texts));
}

void api_appointments_tokens_revoke(struct api_call *c)
{
    char actor[TOLK_STORE_REF_MAX], detail[32];
    struct tolk_audit_note note = note_for(c, "token_revoked", actor);
    const char *role = api_string(c, "role", NULL);
    int rc;

    if (strcmp(role, "client") != 0 && strcmp(role, "clinician") != 0 &&
        strcmp(role, "interpreter") != 0 && strcmp(role, "support") != 0) {
        api_fail(c, TOLKD_API_BAD_FIELD, "must be client, clinician, interpreter or support",
                 "role");
        return;
    }
    snprintf(detail, sizeof(detail), "role=%s", role);
    note.detail = detail;
    rc = tolk_store_appointment_tokens_revoke(c->api->st, c->id, role, &note);
    if (rc == TOLK_STORE_OK)
        api_reply(c, 204, NULL);
    else
        fail_store(c, rc);
}
