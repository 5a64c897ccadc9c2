/*
 * REST handlers for clients (docs/API.md, "Clients"): POST /clients, GET /clients,
 * GET /clients/{id}, PATCH /clients/{id}, POST /clients/{id}/exclusions.
 *
 * Clients are pseudonymous records, not accounts. The tables below name every field a client
 * has; there is none for legal or immigration status, nationality or address, and the
 * dispatcher refuses any field they do not name. Contact details are sealed here (secretbox,
 * with a key derived from the data key) before they reach the store, and opened only for a full
 * read, which the store audits in the same transaction ("client_read"). A list shows aliases
 * and ids only, a page of at most 50: there is no bulk export.
 *
 * Clinicians may read any client for now; limiting them to the clients of their own
 * appointments comes with appointments.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "match.h"

#define ALIAS_BYTES    (TOLK_CLIENT_ALIAS_MAX - 1)
#define LIST_LIMIT_MAX 50

#define CLIENT_FIELDS(req)                                                                         \
    {"alias", API_STRING, req, ALIAS_BYTES, false},                                                \
        {"languages", API_ARRAY, req, TOLK_CLIENT_LANGUAGES_MAX, false},                           \
        {"written_language", API_STRING, false, TOLK_LANG_TAG_MAX, true},                          \
        {"gender_preference", API_STRING, false, 1, true},                                         \
        {"prefer_same_interpreter", API_BOOL, false, 0, false},                                    \
        {"support_person_alias", API_STRING, false, ALIAS_BYTES, true},                            \
        {"contact", API_STRING, false, TOLK_CLIENT_CONTACT_MAX, true},                             \
    {                                                                                              \
        NULL, API_STRING, false, 0, false                                                          \
    }

const struct api_field api_client_create_fields[] = {CLIENT_FIELDS(true)};
const struct api_field api_client_patch_fields[] = {CLIENT_FIELDS(false)};

const struct api_field api_client_exclusion_fields[] = {
    {"interpreter_id", API_INT, true, 0, false},
    {"reason", API_STRING, true, 16, false},
    {NULL, API_STRING, false, 0, false},
};

const struct api_param api_client_list_params[] = {
    {"q", 0, 0, 0, ALIAS_BYTES},
    {"after", 0, INT64_MAX, 0, 0},
    {"limit", 1, LIST_LIMIT_MAX, 50, 0},
    {NULL, 0, 0, 0, 0},
};

/* The audit note of this call: actor "account:<id>", subject filled in by the store. */
static struct tolk_audit_note note_for(const struct api_call *c, const char *action, char *actor,
                                       const char *detail)
{
    struct tolk_audit_note note = {
        tolkd_accounts_audit_key(c->api->accounts), actor, action, "", detail, c->now};

    snprintf(actor, TOLK_STORE_REF_MAX, "account:%" PRId64, c->who->account_id);
    return note;
}

static void fail_store(struct api_call *c, int rc)
{
    if (rc == TOLK_STORE_ENOTFOUND)
        api_fail(c, TOLKD_API_NOT_FOUND, NULL, NULL);
    else if (rc == TOLK_STORE_ECONSTRAINT)
        api_fail(c, TOLKD_API_CONFLICT, NULL, NULL);
    else
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
}

/* One item of "languages": {"tag": "...", "dialect_required": bool}, nothing else. */
static int put_language(struct api_call *c, json_t *item, struct tolk_client_language *l)
{
    const char *key;
    json_t *v, *tag = json_object_get(item, "tag"), *dialect;

    if (!json_is_object(item) || !json_is_string(tag)) {
        api_fail(c, TOLKD_API_BAD_FIELD,
                 "each item must be {\"tag\": ..., \"dialect_required\": "
                 "true or false}",
                 "languages");
        return -1;
    }
    json_object_foreach(item, key, v)
    {
        if (strcmp(key, "tag") != 0 && strcmp(key, "dialect_required") != 0) {
            api_fail(c, TOLKD_API_UNKNOWN_FIELD, NULL, key);
            return -1;
        }
    }
    dialect = json_object_get(item, "dialect_required");
    if (dialect != NULL && !json_is_boolean(dialect)) {
        api_fail(c, TOLKD_API_BAD_FIELD, "must be true or false", "dialect_required");
        return -1;
    }
    l->dialect_required = json_is_true(dialect);
    return api_put_tag(c, json_string_value(tag), l->tag, sizeof(l->tag), "languages");
}

static int put_languages(struct api_call *c, json_t *arr, struct tolk_client *cl)
{
    size_t i;
    json_t *item;

    if (json_array_size(arr) == 0) {
        api_fail(c, TOLKD_API_BAD_FIELD, "at least one spoken language is needed", "languages");
        return -1;
    }
    cl->n_languages = 0;
    json_array_foreach(arr, i, item)
    {
        if (put_language(c, item, &cl->languages[i]) != 0)
            return -1;
        cl->n_languages++;
    }
    return 0;
}

/* Seals TEXT (LEN bytes) into CL's contact: nonce || secretbox. */
static void seal_contact(const struct api_call *c, const char *text, size_t len,
                         struct tolk_client *cl)
{
    randombytes_buf(cl->contact_sealed, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(cl->contact_sealed + crypto_secretbox_NONCEBYTES,
                          (const unsigned char *)text, len, cl->contact_sealed,
                          c->api->contact_key);
    cl->contact_sealed_len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
}

/* Copies the optional text field NAME into OUT ("" for null); present says whether it was sent. */
static const char *optional_text(const struct api_call *c, const char *name, bool *present)
{
    json_t *v = json_object_get(c->body, name);

    *present = v != NULL;
    return json_is_string(v) ? json_string_value(v) : "";
}

/* Applies the validated body to CL (all of it for a create, the fields sent for a patch). */
static int client_from_body(struct api_call *c, struct tolk_client *cl)
{
    bool sent;
    size_t len = 0;
    const char *text = api_string(c, "alias", &len);
    json_t *v;

    if (text != NULL) {
        if (len == 0) {
            api_fail(c, TOLKD_API_BAD_FIELD, "must not be empty", "alias");
            return -1;
        }
        snprintf(cl->alias, sizeof(cl->alias), "%s", text);
    }
    if ((v = json_object_get(c->body, "languages")) != NULL && put_languages(c, v, cl) != 0)
        return -1;
    text = optional_text(c, "written_language", &sent);
    if (sent && text[0] == '\0')
        cl->written_language[0] = '\0';
    else if (sent && api_put_tag(c, text, cl->written_language, sizeof(cl->written_language),
                                 "written_language") != 0)
        return -1;
    text = optional_text(c, "gender_preference", &sent);
    if (sent && text[0] != '\0' && strcmp(text, "f") != 0 && strcmp(text, "m") != 0 &&
        strcmp(text, "x") != 0) {
        api_fail(c, TOLKD_API_BAD_FIELD, "must be \"f\", \"m\", \"x\" or null",
                 "gender_preference");
        return -1;
    }
    if (sent)
        cl->gender_preference = text[0];
    if ((v = json_object_get(c->body, "prefer_same_interpreter")) != NULL)
        cl->prefer_same_interpreter = json_is_true(v);
    text = optional_text(c, "support_person_alias", &sent);
    if (sent)
        snprintf(cl->support_person_alias, sizeof(cl->support_person_alias), "%s", text);
    text = optional_text(c, "contact", &sent);
    if (sent) {
        cl->contact_sealed_len = 0;
        if (text[0] != '\0')
            seal_contact(c, text, strlen(text), cl);
    }
    return 0;
}

void api_clients_create(struct api_call *c)
{
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note note = note_for(c, "client_created", actor, "");
    struct tolk_client *cl = calloc(1, sizeof(*cl));
    int rc;

    if (cl == NULL) {
        api_fail(c, TOLKD_API_INTERNAL, "out of memory", NULL);
        return;
    }
    cl->created_at = c->now;
    if (client_from_body(c, cl) == 0) {
        rc = tolk_store_client_create(c->api->st, cl, &note);
        if (rc == TOLK_STORE_OK)
            api_reply(c, 201, json_pack("{s:I}", "id", (json_int_t)cl->id));
        else
            fail_store(c, rc);
    }
    sodium_memzero(cl, sizeof(*cl));
    free(cl);
}

void api_clients_list(struct api_call *c)
{
    size_t cap = (size_t)c->params[2], n = 0;
    struct tolk_client_summary *page = calloc(cap, sizeof(*page));
    json_t *list = json_array(), *obj;
    int rc;

    if (page == NULL || list == NULL) {
        free(page);
        json_decref(list);
        api_fail(c, TOLKD_API_INTERNAL, "out of memory", NULL);
        return;
    }
    rc = tolk_store_client_list(c->api->st, c->texts[0], c->params[1], page, cap, &n);
    if (rc != TOLK_STORE_OK) {
        free(page);
        json_decref(list);
        fail_store(c, rc);
        return;
    }
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            list, json_pack("{s:I, s:s}", "id", (json_int_t)page[i].id, "alias", page[i].alias));
    obj = json_pack("{s:o, s:o}", "clients", list, "next_after",
                    n == cap ? json_integer(page[n - 1].id) : json_null());
    free(page);
    api_reply(c, 200, obj);
}

static json_t *text_or_null(const char *s)
{
    return s[0] != '\0' ? json_string(s) : json_null();
}

static json_t *languages_json(const struct tolk_client *cl)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < cl->n_languages; i++)
        json_array_append_new(arr,
                              json_pack("{s:s, s:b}", "tag", cl->languages[i].tag,
                                        "dialect_required", cl->languages[i].dialect_required));
    return arr;
}

static json_t *exclusions_json(const struct tolk_client *cl)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < cl->n_exclusions; i++) {
        const struct tolk_client_exclusion *e = &cl->exclusions[i];
        json_array_append_new(
            arr,
            json_pack("{s:I, s:s, s:I, s:I}", "interpreter_id", (json_int_t)e->interpreter_id,
                      "reason", e->reason == TOLK_EXCLUDE_NEVER_AGAIN ? "never_again" : "client",
                      "recorded_by", (json_int_t)e->recorded_by, "at", (json_int_t)e->at));
    }
    return arr;
}

/* Opens CL's contact details: a JSON string, null for none, NULL when they cannot be opened. */
static json_t *contact_json(const struct api_call *c, const struct tolk_client *cl)
{
    unsigned char text[TOLK_CLIENT_CONTACT_MAX];
    size_t overhead = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES, len;
    json_t *out;

    if (cl->contact_sealed_len == 0)
        return json_null();
    if (cl->contact_sealed_len < overhead ||
        crypto_secretbox_open_easy(text, cl->contact_sealed + crypto_secretbox_NONCEBYTES,
                                   cl->contact_sealed_len - crypto_secretbox_NONCEBYTES,
                                   cl->contact_sealed, c->api->contact_key) != 0)
        return NULL;
    len = cl->contact_sealed_len - overhead;
    out = json_stringn((const char *)text, len);
    sodium_memzero(text, sizeof(text));
    return out;
}

static json_t *client_json(const struct api_call *c, const struct tolk_client *cl)
{
    char gender[2] = {cl->gender_preference, '\0'};
    json_t *contact = contact_json(c, cl);

    if (contact == NULL)
        return NULL;
    return json_pack("{s:I, s:s, s:o, s:o, s:o, s:b, s:o, s:o, s:I, s:o}", "id", (json_int_t)cl->id,
                     "alias", cl->alias, "languages", languages_json(cl), "written_language",
                     text_or_null(cl->written_language), "gender_preference", text_or_null(gender),
                     "prefer_same_interpreter", cl->prefer_same_interpreter, "support_person_alias",
                     text_or_null(cl->support_person_alias), "contact", contact, "created_at",
                     (json_int_t)cl->created_at, "exclusions", exclusions_json(cl));
}

/* Reads client c->id, audited as a read; NULL with the error answered. */
static struct tolk_client *read_client(struct api_call *c)
{
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note note = note_for(c, "client_read", actor, "");
    struct tolk_client *cl = calloc(1, sizeof(*cl));
    int rc;

    if (cl == NULL) {
        api_fail(c, TOLKD_API_INTERNAL, "out of memory", NULL);
        return NULL;
    }
    rc = tolk_store_client_get(c->api->st, c->id, cl, &note);
    if (rc == TOLK_STORE_OK)
        return cl;
    free(cl);
    fail_store(c, rc);
    return NULL;
}

static void free_client(struct tolk_client *cl)
{
    if (cl != NULL)
        sodium_memzero(cl, sizeof(*cl));
    free(cl);
}

/* Answers 200 with CL, or 500 when its contact details cannot be opened. */
static void reply_client(struct api_call *c, const struct tolk_client *cl)
{
    json_t *obj = client_json(c, cl);

    if (obj == NULL)
        api_fail(c, TOLKD_API_INTERNAL, "the contact details cannot be opened", NULL);
    else
        api_reply(c, 200, obj);
}

void api_clients_get(struct api_call *c)
{
    struct tolk_client *cl = read_client(c);

    if (cl != NULL)
        reply_client(c, cl);
    free_client(cl);
}

void api_clients_patch(struct api_call *c)
{
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note note = note_for(c, "client_updated", actor, "");
    struct tolk_client *cl = read_client(c);
    int rc;

    if (cl == NULL)
        return;
    if (client_from_body(c, cl) == 0) {
        rc = tolk_store_client_update(c->api->st, cl, &note);
        if (rc == TOLK_STORE_OK)
            reply_client(c, cl);
        else
            fail_store(c, rc);
    }
    free_client(cl);
}

void api_clients_exclude(struct api_call *c)
{
    char actor[TOLK_STORE_REF_MAX], detail[TOLK_AUDIT_DETAIL_MAX];
    const char *reason = api_string(c, "reason", NULL);
    struct tolk_client_exclusion e = {
        json_integer_value(json_object_get(c->body, "interpreter_id")), TOLK_EXCLUDE_CLIENT,
        c->who->account_id, c->now};
    struct tolk_audit_note note;
    int rc;

    if (strcmp(reason, "never_again") == 0) {
        e.reason = TOLK_EXCLUDE_NEVER_AGAIN;
    } else if (strcmp(reason, "client") != 0) {
        api_fail(c, TOLKD_API_BAD_FIELD, "must be \"client\" or \"never_again\"", "reason");
        return;
    }
    snprintf(detail, sizeof(detail), "interpreter=%" PRId64 ",reason=%s", e.interpreter_id, reason);
    note = note_for(c, "client_exclusion_added", actor, detail);
    rc = tolk_store_client_exclusion_add(c->api->st, c->id, &e, &note);
    if (rc != TOLK_STORE_OK) {
        fail_store(c, rc);
        return;
    }
    api_reply(c, 201,
              json_pack("{s:I, s:I, s:s}", "client_id", (json_int_t)c->id, "interpreter_id",
                        (json_int_t)e.interpreter_id, "reason", reason));
}
