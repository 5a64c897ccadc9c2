/*
 * Internal to the REST API (api.c and its handlers, api_accounts.c and api_audit.c): the route
 * and field tables, the call a handler gets, and the helpers that answer it.
 *
 * A handler never sees a request the dispatcher has not already matched, authenticated,
 * authorised and validated against its route's field and parameter tables; it checks only what
 * a table cannot say (a username's characters, a role's name) and does the work.
 */
#ifndef TOLKD_API_INTERNAL_H
#define TOLKD_API_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "accounts.h"
#include "api.h"
#include "hashpool.h"

struct api_job;

struct tolkd_api {
    struct tolk_store *st;
    struct tolkd_accounts *accounts;
    unsigned char *contact_key;      /* sodium_malloc'd secretbox key for contact details */
    struct tolkd_join_window window; /* when issued join tokens work */
    struct tolkd_hashpool *pool;     /* the Argon2id hashes of deferred requests */
    struct api_job *jobs;            /* deferred requests not yet finished (api_jobs.c) */
    uint64_t last_ticket;
};

/* Who may call a route. A route with none of these bits can be called by nobody. */
enum api_roles {
    API_PUBLIC = 1 << 0, /* no token needed */
    API_ADMIN = 1 << 1,
    API_STAFF = 1 << 2,
    API_CLINICIAN = 1 << 3,
    API_INTERPRETER = 1 << 4,
};
#define API_ANY_ACCOUNT (API_ADMIN | API_STAFF | API_CLINICIAN | API_INTERPRETER)

/* API_INT: a whole number from 1 to INT64_MAX (an id); API_ARRAY: its items are the handler's;
 * API_TIME: Unix seconds (a whole number from 0) or a text of at most max_len bytes that the
 * handler reads with api_time (api_time.h). */
enum api_type { API_STRING, API_BOOL, API_INT, API_ARRAY, API_TIME };

/* One field of a JSON body. A body with a field not in its route's table is refused. */
struct api_field {
    const char *name;
    enum api_type type;
    bool required;
    size_t max_len; /* strings: bytes; arrays: items */
    bool nullable;  /* null is accepted (and means "none") */
};

/*
 * One query parameter: a whole number from MIN to MAX, DEF when absent; or, when TEXT_MAX is
 * not 0, a percent-encoded text of at most TEXT_MAX bytes once decoded, "" when absent.
 */
struct api_param {
    const char *name;
    int64_t min, max, def;
    size_t text_max;
};

#define API_PARAMS_MAX 6
#define API_TEXT_MAX   128 /* bytes of a decoded text parameter, with its NUL */

struct api_call {
    struct tolkd_api *api;
    const struct tolkd_api_request *req; /* NULL when a deferred request is finished */
    int64_t now;
    const struct tolkd_principal *who;        /* NULL on public routes */
    json_t *body;                             /* the validated object ({} when none was sent) */
    int64_t id;                               /* the {id} of the path, else 0 */
    int64_t params[API_PARAMS_MAX];           /* the query, in the order of the route's table */
    char texts[API_PARAMS_MAX][API_TEXT_MAX]; /* its text parameters, decoded */
    struct tolkd_api_response *resp;
    const struct api_route *route;
    uint64_t started_us; /* monotonic, when the request was handed to the API */
    struct api_job *job; /* set by api_defer: the answer comes later */
};

typedef void (*api_handler)(struct api_call *c);

/*
 * A request answered later (api_jobs.c), for the few handlers that need an Argon2id hash. The
 * handler does what needs the store and the request (phase 1, as any handler), fills a job of
 * its own that embeds this one, and calls api_defer. A worker thread then calls work.run (CPU
 * only: it may touch its job and nothing else). Back on the service thread, finish (phase 2)
 * gets a call with api, now, who and resp (req is NULL: the request is gone), answers through
 * api_reply and api_fail as any handler, and frees the job. finish is called exactly once, also
 * when the job never ran (work.ran false: the pool was full or stopped) and when the client went
 * away (abandoned: the answer is dropped, but what the request asked for is still done or, for
 * a login, counted).
 */
struct api_job {
    struct tolkd_hashpool_job work;
    void (*finish)(struct api_job *job, struct api_call *c);
    bool abandoned;
    uint64_t ticket;
    const struct api_route *route;
    uint64_t started_us;
    bool has_who;
    struct tolkd_principal who; /* the caller's, re-checked by finish where it matters */
    struct api_job *next;       /* in tolkd_api.jobs */
};

/*
 * Hands JOB (its work.run and finish set) to the hash pool: the request is answered when that is
 * done. If the pool is full (or stopped), finishes JOB at once as never run and answers 503
 * unavailable with Retry-After: 1 instead. Either way JOB is no longer the handler's.
 */
void api_defer(struct api_call *c, struct api_job *job);

/* Answers 503 unavailable with Retry-After: 1: too much is under way, try again in a second. */
void api_fail_busy(struct api_call *c);

/* api_jobs.c, for api.c: starts and stops the hash pool. */
int api_jobs_start(struct tolkd_api *api);
void api_jobs_stop(struct tolkd_api *api);

/* api.c, for api_jobs.c: the log line of a request (METHOD, c->route) once it is answered. */
void api_log_request(const struct api_call *c, unsigned method, bool abandoned);

struct api_route {
    unsigned method;     /* one enum tolkd_http_method */
    const char *pattern; /* below /api/v1: "/accounts/{id}" */
    unsigned roles;      /* enum api_roles; 0: nobody */
    api_handler handler;
    const struct api_field *fields; /* terminated by a NULL name; NULL: no fields at all */
    const struct api_param *params; /* terminated by a NULL name; NULL: no query */
};

/* Answers STATUS with OBJ (stolen). NULL OBJ: no body for 204, else out of memory (500). */
void api_reply(struct api_call *c, unsigned status, json_t *obj);

/*
 * Answers error E. MESSAGE replaces the table's when not NULL; FIELD names the field concerned
 * (NULL: none). Neither may hold stored values or secrets.
 */
void api_fail(struct api_call *c, enum tolkd_api_error e, const char *message, const char *field);

/* A string field of the validated body (NULL if absent) and its length in bytes. */
const char *api_string(const struct api_call *c, const char *name, size_t *len);

/*
 * Reads the weekly slots of array ARR, items {day, start_minute, end_minute} (at most
 * TOLK_INTERPRETER_SLOTS_MAX, as the field table allows), into SLOTS and *n; -1 with 400
 * answered under FIELD. api_interpreters.c.
 */
int api_put_slots(struct api_call *c, json_t *arr, const char *field, struct tolk_store_slot *slots,
                  size_t *n);

/*
 * Time field or parameter NAME: V (a JSON integer or text, as check_field let through) or, for
 * a query, TEXT; local wall times are read in ZONE ("" for none). 0 and *T set, or -1 with 400
 * answered under NAME.
 */
int api_time(struct api_call *c, json_t *v, const char *text, const char *zone, const char *name,
             int64_t *t);

/* Sets "<name>_local" in OBJ to T as local time in ZONE, with its offset. */
void api_time_set_local(json_t *obj, const char *name, int64_t t, const char *zone);

/*
 * Language tag TAG (NULL: the JSON value was not a string) checked and written in canonical case
 * into OUT (CAP bytes); IANA zone ZONE (NULL: not given, accepted) checked. 0, or -1 with 400
 * bad_field answered under FIELD. api_fields.c.
 */
int api_put_tag(struct api_call *c, const char *tag, char *out, size_t cap, const char *field);
int api_check_zone(struct api_call *c, const char *zone, const char *field);

/* A weekly slot as the API shows it. */
json_t *api_slot_json(const struct tolk_store_slot *slot);

/* An account as the API shows it: never its password hash. */
json_t *api_account_json(const struct tolk_account *a);

/* Handlers (api_accounts.c, api_audit.c, api_clients.c, api_interpreters.c, api_clinicians.c
 * api_appointments.c and api_suggestions.c). */
void api_login(struct api_call *c);
void api_logout(struct api_call *c);
void api_me(struct api_call *c);
void api_accounts_create(struct api_call *c);
void api_accounts_list(struct api_call *c);
void api_accounts_patch(struct api_call *c);
void api_audit_list(struct api_call *c);
void api_audit_verify(struct api_call *c);
void api_clients_create(struct api_call *c);
void api_clients_list(struct api_call *c);
void api_clients_get(struct api_call *c);
void api_clients_patch(struct api_call *c);
void api_clients_exclude(struct api_call *c);
void api_interpreters_create(struct api_call *c);
void api_interpreters_list(struct api_call *c);
void api_interpreters_get(struct api_call *c);
void api_interpreters_patch(struct api_call *c);
void api_interpreters_availability(struct api_call *c);
void api_interpreters_exception(struct api_call *c);
void api_clinicians_create(struct api_call *c);
void api_clinicians_list(struct api_call *c);
void api_clinicians_get(struct api_call *c);
void api_clinicians_patch(struct api_call *c);
void api_appointments_create(struct api_call *c);
void api_appointments_list(struct api_call *c);
void api_appointments_get(struct api_call *c);
void api_appointments_patch(struct api_call *c);
void api_appointments_cancel(struct api_call *c);
void api_appointments_tokens(struct api_call *c);
void api_appointments_tokens_revoke(struct api_call *c);
void api_appointments_suggestions(struct api_call *c);

/* Their field and parameter tables. */
extern const struct api_field api_login_fields[];
extern const struct api_field api_account_create_fields[];
extern const struct api_field api_account_patch_fields[];
extern const struct api_param api_account_list_params[];
extern const struct api_param api_audit_list_params[];
extern const struct api_field api_client_create_fields[];
extern const struct api_field api_client_patch_fields[];
extern const struct api_field api_client_exclusion_fields[];
extern const struct api_param api_client_list_params[];
extern const struct api_field api_interpreter_create_fields[];
extern const struct api_field api_interpreter_patch_fields[];
extern const struct api_field api_interpreter_availability_fields[];
extern const struct api_field api_interpreter_exception_fields[];
extern const struct api_param api_interpreter_list_params[];
extern const struct api_field api_clinician_create_fields[];
extern const struct api_field api_clinician_patch_fields[];
extern const struct api_param api_clinician_list_params[];
extern const struct api_field api_appointment_create_fields[];
extern const struct api_field api_appointment_patch_fields[];
extern const struct api_field api_appointment_revoke_fields[];
extern const struct api_param api_appointment_list_params[];
extern const struct api_param api_appointment_get_params[];
extern const struct api_field api_appointment_tokens_fields[];

#endif
