/*
 * The REST API's dispatcher (api.h): one route table, one error table, and the checks every
 * request passes in this order before a handler runs:
 *
 *   1. the path names a route (else 404 not_found) and the method is one it takes (else 405
 *      method_not_allowed, with Allow);
 *   2. unless the route is public, a bearer token checks out (else 401 unauthenticated) and its
 *      account's role is among the route's roles (else 403 forbidden). A route that lists no
 *      roles is refused to everyone: access is denied unless a route grants it;
 *   3. the query and the body match the route's tables: JSON object only, no duplicate keys, no
 *      field the table does not name, types and lengths as listed (else 400, naming the field).
 *
 * Authentication comes before the body is looked at, so a caller without a token learns nothing
 * about a route's fields. Handlers answer through api_reply and api_fail only, so every error
 * body has the same shape and a code from the table below.
 */
#include "api_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_time.h"
#include "log.h"
#include "secrets.h"

static const struct {
    unsigned status;
    const char *code;
    const char *message;
} errors[] = {
    [TOLKD_API_BAD_JSON] = {400, "bad_json", "the body must be one JSON object"},
    [TOLKD_API_UNKNOWN_FIELD] = {400, "unknown_field", "this field is not known here"},
    [TOLKD_API_MISSING_FIELD] = {400, "missing_field", "this field is required"},
    [TOLKD_API_BAD_FIELD] = {400, "bad_field", "this field has the wrong type or value"},
    [TOLKD_API_TOO_LARGE] = {413, "too_large", "the body is larger than 65536 bytes"},
    [TOLKD_API_LENGTH_REQUIRED] = {411, "length_required",
                                   "a request with a body needs a Content-Length"},
    [TOLKD_API_UNAUTHENTICATED] = {401, "unauthenticated", "a valid bearer token is needed"},
    [TOLKD_API_FORBIDDEN] = {403, "forbidden", "your role may not do this"},
    [TOLKD_API_NOT_FOUND] = {404, "not_found", "there is nothing here"},
    [TOLKD_API_METHOD_NOT_ALLOWED] = {405, "method_not_allowed",
                                      "this path does not take that method"},
    [TOLKD_API_CONFLICT] = {409, "conflict", "this conflicts with what is stored"},
    [TOLKD_API_RATE_LIMITED] = {429, "rate_limited", "too many failed logins: wait and retry"},
    [TOLKD_API_INTERNAL] = {500, "internal", "something went wrong inside tolkd"},
    [TOLKD_API_UNAVAILABLE] = {503, "unavailable", "the store cannot be used now: try later"},
};

/* Every route of the API. Order does not matter; a path and method pair appears once. */
static const struct api_route routes[] = {
    {TOLKD_HTTP_POST, "/login", API_PUBLIC, api_login, api_login_fields, NULL},
    {TOLKD_HTTP_POST, "/logout", API_ANY_ACCOUNT, api_logout, NULL, NULL},
    {TOLKD_HTTP_GET, "/me", API_ANY_ACCOUNT, api_me, NULL, NULL},
    {TOLKD_HTTP_POST, "/accounts", API_ADMIN, api_accounts_create, api_account_create_fields, NULL},
    {TOLKD_HTTP_GET, "/accounts", API_ADMIN, api_accounts_list, NULL, api_account_list_params},
    {TOLKD_HTTP_PATCH, "/accounts/{id}", API_ADMIN, api_accounts_patch, api_account_patch_fields,
     NULL},
    {TOLKD_HTTP_GET, "/audit", API_ADMIN, api_audit_list, NULL, api_audit_list_params},
    {TOLKD_HTTP_GET, "/audit/verify", API_ADMIN, api_audit_verify, NULL, NULL},
    {TOLKD_HTTP_POST, "/clients", API_ADMIN | API_STAFF, api_clients_create,
     api_client_create_fields, NULL},
    {TOLKD_HTTP_GET, "/clients", API_ADMIN | API_STAFF | API_CLINICIAN, api_clients_list, NULL,
     api_client_list_params},
    {TOLKD_HTTP_GET, "/clients/{id}", API_ADMIN | API_STAFF | API_CLINICIAN, api_clients_get, NULL,
     NULL},
    {TOLKD_HTTP_PATCH, "/clients/{id}", API_ADMIN | API_STAFF, api_clients_patch,
     api_client_patch_fields, NULL},
    {TOLKD_HTTP_POST, "/clients/{id}/exclusions", API_ADMIN | API_STAFF | API_CLINICIAN,
     api_clients_exclude, api_client_exclusion_fields, NULL},
    {TOLKD_HTTP_POST, "/interpreters", API_ADMIN | API_STAFF, api_interpreters_create,
     api_interpreter_create_fields, NULL},
    {TOLKD_HTTP_GET, "/interpreters", API_ADMIN | API_STAFF, api_interpreters_list, NULL,
     api_interpreter_list_params},
    {TOLKD_HTTP_GET, "/interpreters/{id}", API_ADMIN | API_STAFF | API_INTERPRETER,
     api_interpreters_get, NULL, NULL},
    {TOLKD_HTTP_PATCH, "/interpreters/{id}", API_ADMIN | API_STAFF, api_interpreters_patch,
     api_interpreter_patch_fields, NULL},
    {TOLKD_HTTP_PUT, "/interpreters/{id}/availability", API_ADMIN | API_STAFF,
     api_interpreters_availability, api_interpreter_availability_fields, NULL},
    {TOLKD_HTTP_POST, "/interpreters/{id}/exceptions", API_ADMIN | API_STAFF,
     api_interpreters_exception, api_interpreter_exception_fields, NULL},
    {TOLKD_HTTP_POST, "/clinicians", API_ADMIN | API_STAFF, api_clinicians_create,
     api_clinician_create_fields, NULL},
    {TOLKD_HTTP_GET, "/clinicians", API_ADMIN | API_STAFF, api_clinicians_list, NULL,
     api_clinician_list_params},
    {TOLKD_HTTP_GET, "/clinicians/{id}", API_ADMIN | API_STAFF | API_CLINICIAN, api_clinicians_get,
     NULL, NULL},
    {TOLKD_HTTP_PATCH, "/clinicians/{id}", API_ADMIN | API_STAFF, api_clinicians_patch,
     api_clinician_patch_fields, NULL},
    {TOLKD_HTTP_POST, "/appointments", API_ADMIN | API_STAFF, api_appointments_create,
     api_appointment_create_fields, NULL},
    {TOLKD_HTTP_GET, "/appointments", API_ANY_ACCOUNT, api_appointments_list, NULL,
     api_appointment_list_params},
    {TOLKD_HTTP_GET, "/appointments/{id}", API_ANY_ACCOUNT, api_appointments_get, NULL,
     api_appointment_get_params},
    {TOLKD_HTTP_PATCH, "/appointments/{id}", API_ADMIN | API_STAFF, api_appointments_patch,
     api_appointment_patch_fields, NULL},
    {TOLKD_HTTP_POST, "/appointments/{id}/cancel", API_ADMIN | API_STAFF, api_appointments_cancel,
     NULL, NULL},
    {TOLKD_HTTP_POST, "/appointments/{id}/tokens", API_ADMIN | API_STAFF, api_appointments_tokens,
     api_appointment_tokens_fields, NULL},
    {TOLKD_HTTP_POST, "/appointments/{id}/tokens/revoke", API_ADMIN | API_STAFF,
     api_appointments_tokens_revoke, api_appointment_revoke_fields, NULL},
    {TOLKD_HTTP_GET, "/appointments/{id}/suggestions", API_ADMIN | API_STAFF,
     api_appointments_suggestions, NULL, NULL},
};

#define FIELD_ECHO_MAX 64 /* bytes of an unknown field's name quoted back */

/* The contact details key: BLAKE2b keyed with the data key over this label. */
#define CONTACT_KEY_LABEL "tolk contact key v1"

/*
 * Jansson's memory, wiped when freed: request bodies carry passwords, and jansson copies every
 * string it parses (and the text around it) into blocks it frees without clearing. Each block
 * keeps its size in a header as aligned as malloc's own.
 */
union alloc_header {
    size_t size;
    max_align_t align;
};

static void *wiping_malloc(size_t size)
{
    union alloc_header *h;

    if (size > SIZE_MAX - sizeof(*h))
        return NULL;
    h = malloc(sizeof(*h) + size);
    if (h == NULL)
        return NULL;
    h->size = size;
    return h + 1;
}

static void wiping_free(void *p)
{
    union alloc_header *h = p;

    if (p == NULL)
        return;
    h--;
    sodium_memzero(p, h->size);
    free(h);
}

void tolkd_api_wipe_json_memory(void)
{
    json_set_alloc_funcs(wiping_malloc, wiping_free);
}

static uint64_t monotonic_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int tolkd_api_new(struct tolk_store *st, const unsigned char datakey[TOLKD_DATAKEY_BYTES],
                  const struct tolkd_join_window *window, struct tolkd_api **out, char *err,
                  size_t errlen)
{
    struct tolkd_api *api = calloc(1, sizeof(*api));

    *out = NULL;
    if (api == NULL || (api->contact_key = sodium_malloc(crypto_secretbox_KEYBYTES)) == NULL ||
        tolkd_accounts_new(st, datakey, &api->accounts) != 0) {
        if (api != NULL)
            sodium_free(api->contact_key);
        free(api);
        snprintf(err, errlen, "out of memory for the REST API (Argon2 needs 64 MiB)");
        return -1;
    }
    api->st = st;
    if (api_jobs_start(api) != 0) {
        tolkd_accounts_free(api->accounts);
        sodium_free(api->contact_key);
        free(api);
        snprintf(err, errlen, "cannot start the REST API's hashing threads");
        return -1;
    }
    crypto_generichash(api->contact_key, crypto_secretbox_KEYBYTES,
                       (const unsigned char *)CONTACT_KEY_LABEL, strlen(CONTACT_KEY_LABEL), datakey,
                       TOLKD_DATAKEY_BYTES);
    api->window = *window;
    *out = api;
    return 0;
}

void tolkd_api_free(struct tolkd_api *api)
{
    if (api == NULL)
        return;
    api_jobs_stop(api);
    tolkd_accounts_free(api->accounts);
    sodium_free(api->contact_key);
    free(api);
}

void tolkd_api_response_clear(struct tolkd_api_response *resp)
{
    free(resp->body);
    resp->body = NULL;
    resp->len = 0;
}

/* Serialises OBJ (stolen) as compact JSON and a newline into resp->body. */
static void set_body(struct tolkd_api_response *resp, json_t *obj)
{
    size_t n = obj != NULL ? json_dumpb(obj, NULL, 0, JSON_COMPACT) : 0;
    char *text = n > 0 ? malloc(n + 2) : NULL;

    if (text != NULL && json_dumpb(obj, text, n, JSON_COMPACT) == n) {
        text[n] = '\n';
        text[n + 1] = '\0';
        resp->body = text;
        resp->len = n + 1;
    } else {
        static const char oom[] =
            "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}\n";
        free(text);
        resp->status = 500;
        resp->body = malloc(sizeof(oom));
        resp->len = resp->body != NULL ? sizeof(oom) - 1 : 0;
        if (resp->body != NULL)
            memcpy(resp->body, oom, sizeof(oom));
    }
    json_decref(obj);
}

/*
 * The error body. FIELD may be the caller's own text (an unknown field's name): at most
 * FIELD_ECHO_MAX bytes of it, cut on a character boundary, are quoted back.
 */
static void error_body(struct tolkd_api_response *resp, enum tolkd_api_error e, const char *message,
                       const char *field, size_t field_len)
{
    json_t *inner = json_pack("{s:s, s:s}", "code", errors[e].code, "message",
                              message != NULL ? message : errors[e].message);

    if (inner != NULL && field != NULL) {
        if (field_len > FIELD_ECHO_MAX) {
            field_len = FIELD_ECHO_MAX;
            while (field_len > 0 && ((unsigned char)field[field_len] & 0xc0) == 0x80)
                field_len--;
        }
        json_object_set_new(inner, "field", json_stringn(field, field_len));
    }
    if (inner != NULL && e == TOLKD_API_RATE_LIMITED)
        json_object_set_new(inner, "retry_after_s", json_integer(resp->retry_after_s));
    resp->status = errors[e].status;
    set_body(resp, inner != NULL ? json_pack("{s:o}", "error", inner) : NULL);
}

void tolkd_api_error_response(enum tolkd_api_error e, struct tolkd_api_response *resp)
{
    memset(resp, 0, sizeof(*resp));
    error_body(resp, e, NULL, NULL, 0);
}

void api_reply(struct api_call *c, unsigned status, json_t *obj)
{
    if (obj == NULL && status != 204) { /* json_pack found no memory */
        api_fail(c, TOLKD_API_INTERNAL, "out of memory", NULL);
        return;
    }
    c->resp->status = status;
    if (obj != NULL)
        set_body(c->resp, obj);
}

/* A 503 without a message of its own is the store failing (full, read-only, locked, damaged):
 * the client gets the table's sentence, the operator the store's reason in the log. */
void api_fail(struct api_call *c, enum tolkd_api_error e, const char *message, const char *field)
{
    if (e == TOLKD_API_UNAVAILABLE && message == NULL)
        TLOG_ERROR("store_failed", "route=%s reason=\"%s\"",
                   c->route != NULL ? c->route->pattern : "-", tolk_store_errmsg(c->api->st));
    tolkd_api_response_clear(c->resp);
    error_body(c->resp, e, message, field, field != NULL ? strlen(field) : 0);
}

void api_fail_busy(struct api_call *c)
{
    api_fail(c, TOLKD_API_UNAVAILABLE, "too many password checks under way: retry in a second",
             NULL);
    c->resp->retry_after_s = 1;
}

const char *api_string(const struct api_call *c, const char *name, size_t *len)
{
    json_t *v = json_object_get(c->body, name);

    if (!json_is_string(v))
        return NULL;
    if (len != NULL)
        *len = json_string_length(v);
    return json_string_value(v);
}

json_t *api_account_json(const struct tolk_account *a)
{
    return json_pack("{s:I, s:s, s:s, s:b, s:I}", "id", (json_int_t)a->id, "username", a->username,
                     "role", tolk_account_role_name(a->role), "disabled", a->disabled, "created_at",
                     (json_int_t)a->created_at);
}

/*
 * Reads an {id}: decimal digits without a sign or a leading zero, from 1 to INT64_MAX. Returns
 * how many characters it took, 0 if there is no valid id at P.
 */
static size_t read_id(const char *p, int64_t *id)
{
    size_t n = 0;
    int64_t v = 0;

    if (p[0] < '1' || p[0] > '9')
        return 0;
    for (; p[n] >= '0' && p[n] <= '9'; n++) {
        if (v > (INT64_MAX - (p[n] - '0')) / 10)
            return 0;
        v = v * 10 + (p[n] - '0');
    }
    *id = v;
    return n;
}

/* Whether PATH (below /api/v1) fits PATTERN, whose "{id}" segments take one id each. */
static bool path_matches(const char *pattern, const char *path, int64_t *id)
{
    while (*pattern != '\0' && *path != '\0') {
        if (strncmp(pattern, "{id}", 4) == 0) {
            size_t n = read_id(path, id);
            if (n == 0)
                return false;
            pattern += 4;
            path += n;
        } else if (*pattern++ != *path++) {
            return false;
        }
    }
    return *pattern == '\0' && *path == '\0';
}

static const char *method_name(unsigned m)
{
    switch (m) {
    case TOLKD_HTTP_GET:
        return "GET";
    case TOLKD_HTTP_POST:
        return "POST";
    case TOLKD_HTTP_PATCH:
        return "PATCH";
    case TOLKD_HTTP_PUT:
        return "PUT";
    case TOLKD_HTTP_DELETE:
        return "DELETE";
    default:
        return "OTHER";
    }
}

/* Step 1: the route for the request, or NULL with the 404 or 405 already answered. */
static const struct api_route *find_route(struct api_call *c)
{
    const char *path = c->req->path + strlen(TOLKD_API_PREFIX) - 1;
    const struct api_route *found = NULL;
    unsigned allowed = 0;
    int64_t id = 0;

    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (!path_matches(routes[i].pattern, path, &id))
            continue;
        allowed |= routes[i].method;
        if (routes[i].method == (unsigned)c->req->method) {
            found = &routes[i];
            c->id = id;
        }
    }
    if (found != NULL)
        return found;
    if (allowed == 0) {
        api_fail(c, TOLKD_API_NOT_FOUND, NULL, NULL);
        return NULL;
    }
    for (unsigned m = 1; m <= TOLKD_HTTP_DELETE; m <<= 1) {
        if ((allowed & m) == 0)
            continue;
        size_t used = strlen(c->resp->allow);
        snprintf(c->resp->allow + used, sizeof(c->resp->allow) - used, "%s%s", used > 0 ? ", " : "",
                 method_name(m));
    }
    api_fail(c, TOLKD_API_METHOD_NOT_ALLOWED, NULL, NULL);
    return NULL;
}

static unsigned role_bit(enum tolk_account_role role)
{
    switch (role) {
    case TOLK_ROLE_ADMIN:
        return API_ADMIN;
    case TOLK_ROLE_STAFF:
        return API_STAFF;
    case TOLK_ROLE_CLINICIAN:
        return API_CLINICIAN;
    case TOLK_ROLE_INTERPRETER:
        return API_INTERPRETER;
    }
    return 0;
}

/* Step 2: 0 when R may be called by this request, else -1 with 401, 403 or 503 answered. */
static int authorize(struct api_call *c, const struct api_route *r, struct tolkd_principal *who)
{
    int rc;

    if (r->roles & API_PUBLIC)
        return 0;
    rc = tolkd_authenticate(c->api->accounts, c->req->authorization, c->now, who);
    if (rc == TOLKD_ACCT_UNAVAILABLE) {
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
        return -1;
    }
    if (rc != TOLKD_ACCT_OK) {
        api_fail(c, TOLKD_API_UNAUTHENTICATED, NULL, NULL);
        return -1;
    }
    c->who = who;
    if ((r->roles & role_bit(who->role)) == 0) {
        api_fail(c, TOLKD_API_FORBIDDEN, NULL, NULL);
        return -1;
    }
    return 0;
}

/* Checks one present field against its table entry; 0, or -1 with 400 bad_field answered. */
static int check_field(struct api_call *c, const struct api_field *f, json_t *v)
{
    char why[96];

    if (json_is_null(v) && f->nullable)
        return 0;
    if (f->type == API_INT) {
        if (json_is_integer(v) && json_integer_value(v) > 0)
            return 0;
        api_fail(c, TOLKD_API_BAD_FIELD, "must be a whole number from 1", f->name);
        return -1;
    }
    if (f->type == API_TIME) {
        if ((json_is_integer(v) && json_integer_value(v) >= 0) ||
            (json_is_string(v) && json_string_length(v) <= f->max_len &&
             strlen(json_string_value(v)) == json_string_length(v)))
            return 0;
        api_fail(c, TOLKD_API_BAD_FIELD, "must be Unix seconds or a date and time text", f->name);
        return -1;
    }
    if (f->type == API_ARRAY) {
        if (json_is_array(v) && json_array_size(v) <= f->max_len)
            return 0;
        snprintf(why, sizeof(why), "must be an array of at most %zu items", f->max_len);
        api_fail(c, TOLKD_API_BAD_FIELD, why, f->name);
        return -1;
    }
    if (f->type == API_BOOL) {
        if (json_is_boolean(v))
            return 0;
        api_fail(c, TOLKD_API_BAD_FIELD, "must be true or false", f->name);
        return -1;
    }
    if (json_is_string(v) && json_string_length(v) <= f->max_len &&
        strlen(json_string_value(v)) == json_string_length(v))
        return 0;
    snprintf(why, sizeof(why), "must be a string of at most %zu bytes", f->max_len);
    api_fail(c, TOLKD_API_BAD_FIELD, why, f->name);
    return -1;
}

/* Step 3a: the body is one object with only FIELDS, each of its type and length. */
static int check_body(struct api_call *c, const struct api_field *fields)
{
    const char *key;
    json_t *v;

    json_object_foreach(c->body, key, v)
    {
        const struct api_field *f = fields;
        while (f != NULL && f->name != NULL && strcmp(f->name, key) != 0)
            f++;
        if (f == NULL || f->name == NULL) {
            api_fail(c, TOLKD_API_UNKNOWN_FIELD, NULL, key);
            return -1;
        }
    }
    for (const struct api_field *f = fields; f != NULL && f->name != NULL; f++) {
        v = json_object_get(c->body, f->name);
        if (v == NULL && f->required) {
            api_fail(c, TOLKD_API_MISSING_FIELD, NULL, f->name);
            return -1;
        }
        if (v != NULL && check_field(c, f, v) != 0)
            return -1;
    }
    return 0;
}

/* Step 3b: parses the body (none at all counts as {}) and checks it against the table. */
static int parse_body(struct api_call *c, const struct api_field *fields)
{
    json_error_t jerr;

    if (c->req->body == NULL || c->req->body_len == 0)
        c->body = json_object();
    else
        c->body = json_loadb(c->req->body, c->req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (c->body == NULL && (c->req->body == NULL || c->req->body_len == 0)) {
        api_fail(c, TOLKD_API_INTERNAL, "out of memory", NULL);
        return -1;
    }
    if (!json_is_object(c->body)) {
        api_fail(c, TOLKD_API_BAD_JSON, NULL, NULL);
        return -1;
    }
    return check_body(c, fields);
}

/* Reads a query value: "0" or an id's digits (no sign, no leading zero), within range. */
static int query_value(const char *text, size_t len, const struct api_param *p, int64_t *out)
{
    char buf[24];
    int64_t v = 0;

    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (strcmp(buf, "0") != 0 && read_id(buf, &v) != len)
        return -1;
    if (v < p->min || v > p->max)
        return -1;
    *out = v;
    return 0;
}

/*
 * Copies a query text into OUT: lws has already percent-decoded it (and made '+' a space), and
 * http.c wrote a decoded '&' or '%' back as %26 or %25 so that the query still splits on '&';
 * those two are read back, the rest taken as it is, without control characters and at most
 * MAX bytes.
 */
static int query_text(const char *text, size_t len, size_t max, char out[API_TEXT_MAX])
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++, n++) {
        char ch = text[i];
        if (ch == '%' && i + 2 < len && text[i + 1] == '2' &&
            (text[i + 2] == '6' || text[i + 2] == '5')) {
            ch = text[i + 2] == '6' ? '&' : '%';
            i += 2;
        }
        if ((unsigned char)ch < 0x20 || ch == 0x7f || n >= max || n + 1 >= API_TEXT_MAX)
            return -1;
        out[n] = ch;
    }
    out[n] = '\0';
    return 0;
}

/* Reads parameter P's value (number or text) into slot I of C. */
static int param_value(struct api_call *c, const char *text, size_t len, const struct api_param *p,
                       size_t i)
{
    if (p->text_max > 0)
        return query_text(text, len, p->text_max, c->texts[i]);
    return query_value(text, len, p, &c->params[i]);
}

/* Step 3c: "name=value&..." against PARAMS; each at most once, none unknown. */
static int parse_query(struct api_call *c, const struct api_param *params)
{
    unsigned seen = 0;
    char why[96];

    for (size_t i = 0; params != NULL && params[i].name != NULL && i < API_PARAMS_MAX; i++)
        c->params[i] = params[i].def;
    for (const char *q = c->req->query; *q != '\0';) {
        size_t part = strcspn(q, "&"), name = strcspn(q, "=&"), i = 0;
        while (params != NULL && params[i].name != NULL &&
               !(strlen(params[i].name) == name && strncmp(params[i].name, q, name) == 0))
            i++;
        if (params == NULL || params[i].name == NULL) {
            tolkd_api_response_clear(c->resp);
            error_body(c->resp, TOLKD_API_UNKNOWN_FIELD, NULL, q, name);
            return -1;
        }
        if ((seen & (1u << i)) != 0 || name == part ||
            param_value(c, q + name + 1, part - name - 1, &params[i], i) != 0) {
            if (params[i].text_max > 0)
                snprintf(why, sizeof(why), "must be given once, a text of at most %zu bytes",
                         params[i].text_max);
            else
                snprintf(why, sizeof(why),
                         "must be given once, a whole number from %" PRId64 " to %" PRId64,
                         params[i].min, params[i].max);
            api_fail(c, TOLKD_API_BAD_FIELD, why, params[i].name);
            return -1;
        }
        seen |= 1u << i;
        q += part + (q[part] == '&');
    }
    return 0;
}

void api_log_request(const struct api_call *c, unsigned method, bool abandoned)
{
    char log_id[9] = "-";

    if (c->who != NULL) {
        char ref[TOLK_STORE_REF_MAX];
        snprintf(ref, sizeof(ref), "account:%" PRId64, c->who->account_id);
        tolkd_log_id(ref, log_id);
    }
    TLOG_INFO("api_request", "method=%s route=%s status=%u account=%s ms=%llu%s",
              method_name(method), c->route != NULL ? c->route->pattern : "-", c->resp->status,
              log_id, (unsigned long long)((monotonic_us() - c->started_us) / 1000u),
              abandoned ? " abandoned=1" : "");
}

int tolkd_api_handle(struct tolkd_api *api, const struct tolkd_api_request *req, int64_t now,
                     struct tolkd_api_response *resp, uint64_t *ticket)
{
    struct tolkd_principal who;
    struct api_call c = {.api = api, .req = req, .now = now, .resp = resp};
    const struct api_route *r;

    c.started_us = monotonic_us();
    memset(resp, 0, sizeof(*resp));
    *ticket = 0;
    r = c.route = find_route(&c);
    if (r != NULL && authorize(&c, r, &who) == 0 && parse_query(&c, r->params) == 0 &&
        parse_body(&c, r->fields) == 0)
        r->handler(&c);
    json_decref(c.body);
    if (c.job != NULL) {
        *ticket = c.job->ticket;
    } else {
        if (resp->status == 0)
            api_fail(&c, TOLKD_API_INTERNAL, NULL, NULL);
        api_log_request(&c, (unsigned)req->method, false);
    }
    tolkd_wipe(&who, sizeof(who));
    return c.job != NULL ? TOLKD_API_DEFERRED : 0;
}

int api_time(struct api_call *c, json_t *v, const char *text, const char *zone, const char *name,
             int64_t *t)
{
    const char *why = "must be Unix seconds or a date and time text";

    if (v != NULL && json_is_integer(v)) {
        *t = json_integer_value(v);
        return 0;
    }
    if (v != NULL)
        text = json_string_value(v);
    if (text != NULL && text[0] != '\0' && strspn(text, "0123456789") == strlen(text)) {
        char *end;
        errno = 0;
        long long n = strtoll(text, &end, 10);
        if (errno == 0 && *end == '\0') {
            *t = n;
            return 0;
        }
    } else if (text != NULL && tolkd_time_parse(text, zone, t, &why) == 0) {
        return 0;
    }
    api_fail(c, TOLKD_API_BAD_FIELD, why, name);
    return -1;
}

void api_time_set_local(json_t *obj, const char *name, int64_t t, const char *zone)
{
    char key[64], text[TOLKD_TIME_TEXT_MAX];

    snprintf(key, sizeof(key), "%s_local", name);
    if (tolkd_time_format(t, zone, text) == 0)
        json_object_set_new(obj, key, json_string(text));
}
