/*
 * The store dispatcher: picks a backend from the location string, checks every argument
 * against store.h's contract, and forwards to the backend's operations table.
 *
 * Checks live here rather than in each backend so that every backend sees the same rules and
 * a caller gets the same TOLK_STORE_EINVAL message whichever database is behind the handle.
 * Messages name the operation and the rule that was broken, never the offending value: keys,
 * values and references may identify people.
 */
#include "store.h"
#include "store_backend.h"
#include "audit_chain.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct tolk_store_backend backends[] = {
    {"sqlite", &tolk_store_sqlite_ops},
};

/* Schemes we know of but do not build: naming them gives a better message than "unknown". */
static const char *const postgres_schemes[] = {"postgresql", "postgres"};

/*
 * Writes one line into a caller's buffer, which may be NULL or empty. Truncation is fine: the
 * message is for a log line.
 */
__attribute__((format(printf, 3, 4))) static void put_err(char *err, size_t errlen, const char *fmt,
                                                          ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Records a failure found by the dispatcher on the handle, and returns STATUS. */
__attribute__((format(printf, 3, 4))) static int fail(struct tolk_store *st, int status,
                                                      const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(st->err, sizeof(st->err), fmt, ap);
    va_end(ap);
    st->own_err = 1;
    return status;
}

/* Remembers that the message for a failed call now lives in the backend. */
static int forward(struct tolk_store *st, int rc)
{
    if (rc < 0)
        st->own_err = 0;
    return rc;
}

/*
 * Whether S is a usable text field of an array of CAP bytes: NUL-terminated inside the array,
 * non-empty when REQUIRED, and free of control characters (which have no place in references
 * or keys and would break the one-line guarantee of anything that logs them). Never reads past
 * the array, so a field filled to the brim without a NUL is caught, not overrun.
 */
static const char *text_problem(const char *s, size_t cap, int required)
{
    const char *end = memchr(s, '\0', cap);

    if (end == NULL)
        return "is too long";
    if (required && end == s)
        return "is empty";
    for (const char *p = s; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f)
            return "contains a control character";
    }
    return NULL;
}

/* Checks a join/leave record against store.h's contract; the message names the field. */
static int check_event(struct tolk_store *st, const struct tolk_session_event *ev)
{
    const struct {
        const char *name;
        const char *text;
    } fields[] = {
        {"session_ref", ev->session_ref},
        {"participant_ref", ev->participant_ref},
        {"role", ev->role},
    };

    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const char *problem = text_problem(fields[i].text, TOLK_STORE_REF_MAX, 1);
        if (problem != NULL)
            return fail(st, TOLK_STORE_EINVAL, "session_event_add: %s %s", fields[i].name, problem);
    }
    if (ev->kind != TOLK_SESSION_JOIN && ev->kind != TOLK_SESSION_LEAVE)
        return fail(st, TOLK_STORE_EINVAL, "session_event_add: kind must be join or leave");
    return TOLK_STORE_OK;
}

/*
 * Length of a URL scheme at the start of LOCATION when it is followed by "://", else 0.
 * RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
 */
static size_t url_scheme_len(const char *location)
{
    size_t n = 0;

    if (!((location[0] >= 'a' && location[0] <= 'z') || (location[0] >= 'A' && location[0] <= 'Z')))
        return 0;
    while (location[n] != '\0' && location[n] != ':') {
        char c = location[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '-' || c == '.'))
            return 0;
        n++;
    }
    return strncmp(location + n, "://", 3) == 0 ? n : 0;
}

/*
 * Picks the backend for LOCATION and the target to hand it. "SCHEME:rest" for a registered
 * scheme, else a plain path for the first (default) backend; a URL of any other scheme is a
 * backend this build does not have. Only the scheme is ever quoted back: the rest of a URL may
 * hold a password.
 */
static int pick_backend(const char *location, const struct tolk_store_ops **ops,
                        const char **target, char *err, size_t errlen)
{
    size_t slen;

    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        size_t n = strlen(backends[i].scheme);
        if (strncmp(location, backends[i].scheme, n) == 0 && location[n] == ':') {
            *ops = backends[i].ops;
            *target = location + n + 1;
            return TOLK_STORE_OK;
        }
    }
    slen = url_scheme_len(location);
    if (slen == 0) {
        *ops = backends[0].ops;
        *target = location;
        return TOLK_STORE_OK;
    }
    for (size_t i = 0; i < sizeof(postgres_schemes) / sizeof(postgres_schemes[0]); i++) {
        if (strlen(postgres_schemes[i]) == slen &&
            strncmp(location, postgres_schemes[i], slen) == 0) {
            put_err(err, errlen, "the PostgreSQL backend is not built into this tolkd");
            return TOLK_STORE_ENOBACKEND;
        }
    }
    put_err(err, errlen, "no store backend for \"%.*s://\" in this tolkd (use sqlite:PATH)",
            (int)(slen > 32 ? 32 : slen), location);
    return TOLK_STORE_ENOBACKEND;
}

int tolk_store_open(const char *location, struct tolk_store **out, char *err, size_t errlen)
{
    const struct tolk_store_ops *ops = NULL;
    const char *target = NULL;
    struct tolk_store *st;
    int rc;

    put_err(err, errlen, "%s", "");
    if (out == NULL) {
        put_err(err, errlen, "store open: no place to return the handle");
        return TOLK_STORE_EINVAL;
    }
    *out = NULL;
    if (location == NULL || location[0] == '\0') {
        put_err(err, errlen, "store open: no database location given");
        return TOLK_STORE_EINVAL;
    }
    if (strnlen(location, TOLK_STORE_LOCATION_MAX) == TOLK_STORE_LOCATION_MAX) {
        put_err(err, errlen, "store open: the database location is longer than %d bytes",
                TOLK_STORE_LOCATION_MAX - 1);
        return TOLK_STORE_EINVAL;
    }
    rc = pick_backend(location, &ops, &target, err, errlen);
    if (rc != TOLK_STORE_OK)
        return rc;
    if (target[0] == '\0') {
        put_err(err, errlen, "store open: the database location names no path");
        return TOLK_STORE_EINVAL;
    }
    st = calloc(1, sizeof(*st));
    if (st == NULL) {
        put_err(err, errlen, "store open: out of memory");
        return TOLK_STORE_EIO;
    }
    rc = ops->open(target, &st->state, err, errlen);
    if (rc != TOLK_STORE_OK) {
        free(st);
        return rc;
    }
    st->ops = ops;
    *out = st;
    return TOLK_STORE_OK;
}

void tolk_store_close(struct tolk_store *st)
{
    if (st == NULL)
        return;
    st->ops->close(st->state);
    free(st);
}

const char *tolk_store_errmsg(const struct tolk_store *st)
{
    if (st == NULL)
        return "";
    return st->own_err ? st->err : st->ops->errmsg(st->state);
}

const char *tolk_store_status_name(int status)
{
    switch (status) {
    case TOLK_STORE_OK:
        return "TOLK_STORE_OK";
    case TOLK_STORE_ENOTFOUND:
        return "TOLK_STORE_ENOTFOUND";
    case TOLK_STORE_EINVAL:
        return "TOLK_STORE_EINVAL";
    case TOLK_STORE_ECORRUPT:
        return "TOLK_STORE_ECORRUPT";
    case TOLK_STORE_ENEWER:
        return "TOLK_STORE_ENEWER";
    case TOLK_STORE_EIO:
        return "TOLK_STORE_EIO";
    case TOLK_STORE_EREADONLY:
        return "TOLK_STORE_EREADONLY";
    case TOLK_STORE_EFULL:
        return "TOLK_STORE_EFULL";
    case TOLK_STORE_EBUSY:
        return "TOLK_STORE_EBUSY";
    case TOLK_STORE_ENOBACKEND:
        return "TOLK_STORE_ENOBACKEND";
    case TOLK_STORE_ECONSTRAINT:
        return "TOLK_STORE_ECONSTRAINT";
    default:
        return "TOLK_STORE_UNKNOWN";
    }
}

int tolk_store_was_created(const struct tolk_store *st)
{
    return st != NULL && st->ops->was_created(st->state);
}

int tolk_store_schema_version(struct tolk_store *st, int *version)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (version == NULL)
        return fail(st, TOLK_STORE_EINVAL, "schema_version: no place for the result");
    return forward(st, st->ops->schema_version(st->state, version));
}

int tolk_store_flush(struct tolk_store *st)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    return forward(st, st->ops->flush(st->state));
}

/* Keys are short names chosen by the service; the same rules as references apply. */
static int check_key(struct tolk_store *st, const char *op, const char *key)
{
    const char *problem;

    if (key == NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: no key given", op);
    problem = text_problem(key, TOLK_STORE_REF_MAX, 1);
    if (problem != NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: key %s", op, problem);
    return TOLK_STORE_OK;
}

int tolk_store_meta_get(struct tolk_store *st, const char *key, char *value, size_t valuelen)
{
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    rc = check_key(st, "meta_get", key);
    if (rc != TOLK_STORE_OK)
        return rc;
    if (value == NULL || valuelen == 0)
        return fail(st, TOLK_STORE_EINVAL, "meta_get: no buffer for the value");
    return forward(st, st->ops->meta_get(st->state, key, value, valuelen));
}

/* Values are free text (a PEM block may hold newlines) but bounded. */
int tolk_store_meta_set(struct tolk_store *st, const char *key, const char *value)
{
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    rc = check_key(st, "meta_set", key);
    if (rc != TOLK_STORE_OK)
        return rc;
    if (value == NULL)
        return fail(st, TOLK_STORE_EINVAL, "meta_set: no value given");
    if (strnlen(value, TOLK_STORE_META_VALUE_MAX) == TOLK_STORE_META_VALUE_MAX)
        return fail(st, TOLK_STORE_EINVAL, "meta_set: value is longer than %d bytes",
                    TOLK_STORE_META_VALUE_MAX - 1);
    return forward(st, st->ops->meta_set(st->state, key, value));
}

int tolk_store_session_event_add(struct tolk_store *st, const struct tolk_session_event *ev)
{
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (ev == NULL)
        return fail(st, TOLK_STORE_EINVAL, "session_event_add: no event given");
    rc = check_event(st, ev);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->session_event_add(st->state, ev));
}

int tolk_store_session_event_count(struct tolk_store *st, uint64_t *count)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (count == NULL)
        return fail(st, TOLK_STORE_EINVAL, "session_event_count: no place for the result");
    return forward(st, st->ops->session_event_count(st->state, count));
}

int tolk_store_session_events_purge(struct tolk_store *st, int64_t before, uint64_t *purged)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (purged == NULL)
        return fail(st, TOLK_STORE_EINVAL, "session_events_purge: no place for the result");
    return forward(st, st->ops->session_events_purge(st->state, before, purged));
}

static const char *const roles[] = {"client", "clinician", "interpreter", "support"};

static int check_role(struct tolk_store *st, const char *op, const char *role, size_t cap)
{
    if (text_problem(role, cap, 1) == NULL)
        for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
            if (strcmp(role, roles[i]) == 0)
                return TOLK_STORE_OK;
    return fail(st, TOLK_STORE_EINVAL, "%s: role must be client, clinician, interpreter or support",
                op);
}

int tolk_store_appointment_create(struct tolk_store *st, struct tolk_appointment *a,
                                  const struct tolk_join_token *tokens, size_t n)
{
    static const char op[] = "appointment_create";
    const char *problem;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (a == NULL || (n > 0 && tokens == NULL))
        return fail(st, TOLK_STORE_EINVAL, "%s: no appointment or tokens given", op);
    if ((problem = text_problem(a->ref, sizeof(a->ref), 1)) != NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: ref %s", op, problem);
    if (a->ends_at <= a->starts_at)
        return fail(st, TOLK_STORE_EINVAL, "%s: the end must be after the start", op);
    if (a->status != TOLK_APPOINTMENT_BOOKED && a->status != TOLK_APPOINTMENT_CANCELLED)
        return fail(st, TOLK_STORE_EINVAL, "%s: status must be booked or cancelled", op);
    for (size_t i = 0; i < n; i++) {
        int rc = check_role(st, op, tokens[i].role, sizeof(tokens[i].role));
        if (rc != TOLK_STORE_OK)
            return rc;
        if (tokens[i].valid_until <= tokens[i].valid_from)
            return fail(st, TOLK_STORE_EINVAL, "%s: a token's window ends before it starts", op);
    }
    return forward(st, st->ops->appointment_create(st->state, a, tokens, n));
}

int tolk_store_token_find(struct tolk_store *st, const uint8_t hash[TOLK_STORE_TOKEN_HASH_BYTES],
                          struct tolk_token_grant *out)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (hash == NULL || out == NULL)
        return fail(st, TOLK_STORE_EINVAL, "token_find: no hash or no place for the result");
    return forward(st, st->ops->token_find(st->state, hash, out));
}

/* ---- Bookings ---------------------------------------------------------------------------- */

static int check_note(struct tolk_store *st, const char *op, const struct tolk_audit_note *note,
                      int subject_by_store);

/* The note every booking change needs; the store sets its subject. */
static int check_booking_note(struct tolk_store *st, const char *op,
                              const struct tolk_audit_note *note)
{
    if (note == NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: a booking change needs its audit note", op);
    return check_note(st, op, note, 1);
}

static int check_interval(struct tolk_store *st, const char *op, int64_t starts_at, int64_t ends_at)
{
    if (starts_at < 0 || ends_at <= starts_at)
        return fail(st, TOLK_STORE_EINVAL, "%s: the end must be after the start", op);
    return TOLK_STORE_OK;
}

/* The interpreters of a booking: each >= 0 (0: none); a relief needs an interpreter and is
 * another account. */
static int check_interpreters(struct tolk_store *st, const char *op, int64_t interpreter_id,
                              int64_t relief_interpreter_id)
{
    if (interpreter_id < 0 || relief_interpreter_id < 0)
        return fail(st, TOLK_STORE_EINVAL, "%s: the interpreter id is not valid", op);
    if (relief_interpreter_id != 0 && interpreter_id == 0)
        return fail(st, TOLK_STORE_EINVAL, "%s: a relief interpreter needs an interpreter", op);
    if (relief_interpreter_id != 0 && relief_interpreter_id == interpreter_id)
        return fail(st, TOLK_STORE_EINVAL, "%s: the relief interpreter must not be the interpreter",
                    op);
    return TOLK_STORE_OK;
}

int tolk_store_appointment_book(struct tolk_store *st, struct tolk_appointment *a,
                                const struct tolk_audit_note *note)
{
    static const char op[] = "appointment_book";
    const char *problem;
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (a == NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: no appointment given", op);
    if ((problem = text_problem(a->ref, sizeof(a->ref), 1)) != NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: ref %s", op, problem);
    if (a->client_id <= 0 || a->clinician_id <= 0)
        return fail(st, TOLK_STORE_EINVAL, "%s: needs a client and a clinician", op);
    if (strcmp(a->mode, "consecutive") != 0 && strcmp(a->mode, "simultaneous") != 0)
        return fail(st, TOLK_STORE_EINVAL, "%s: mode must be consecutive or simultaneous", op);
    rc = check_interpreters(st, op, a->interpreter_id, a->relief_interpreter_id);
    if (rc == TOLK_STORE_OK)
        rc = check_interval(st, op, a->starts_at, a->ends_at);
    if (rc == TOLK_STORE_OK)
        rc = check_booking_note(st, op, note);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->appointment_book(st->state, a, note));
}

int tolk_store_appointment_reschedule(struct tolk_store *st, int64_t id, int64_t starts_at,
                                      int64_t ends_at, int64_t interpreter_id,
                                      int64_t relief_interpreter_id,
                                      const struct tolk_audit_note *note)
{
    static const char op[] = "appointment_reschedule";
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    rc = check_interpreters(st, op, interpreter_id, relief_interpreter_id);
    if (rc == TOLK_STORE_OK)
        rc = check_interval(st, op, starts_at, ends_at);
    if (rc == TOLK_STORE_OK)
        rc = check_booking_note(st, op, note);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st,
                   st->ops->appointment_reschedule(st->state, id, starts_at, ends_at,
                                                   interpreter_id, relief_interpreter_id, note));
}

int tolk_store_appointment_cancel(struct tolk_store *st, int64_t id,
                                  const struct tolk_audit_note *note)
{
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    rc = check_booking_note(st, "appointment_cancel", note);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->appointment_cancel(st->state, id, note));
}

int tolk_store_appointment_tokens_issue(struct tolk_store *st, int64_t id,
                                        const struct tolk_join_token *tokens, size_t n,
                                        const struct tolk_audit_note *note)
{
    static const char op[] = "appointment_tokens_issue";
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (n == 0 || tokens == NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: no tokens given", op);
    for (size_t i = 0; i < n; i++) {
        rc = check_role(st, op, tokens[i].role, sizeof(tokens[i].role));
        if (rc != TOLK_STORE_OK)
            return rc;
        if (tokens[i].valid_until <= tokens[i].valid_from)
            return fail(st, TOLK_STORE_EINVAL, "%s: a token's window ends before it starts", op);
    }
    rc = check_booking_note(st, op, note);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->appointment_tokens_issue(st->state, id, tokens, n, note));
}

int tolk_store_appointment_tokens_revoke(struct tolk_store *st, int64_t id, const char *role,
                                         const struct tolk_audit_note *note)
{
    static const char op[] = "appointment_tokens_revoke";
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (role == NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: no role given", op);
    rc = check_role(st, op, role, TOLK_STORE_REF_MAX);
    if (rc == TOLK_STORE_OK)
        rc = check_booking_note(st, op, note);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->appointment_tokens_revoke(st->state, id, role, note));
}

int tolk_store_appointment_last_interpreter(struct tolk_store *st, int64_t client_id,
                                            int64_t before, int64_t *interpreter_id)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (interpreter_id == NULL)
        return fail(st, TOLK_STORE_EINVAL, "appointment_last_interpreter: no place for the id");
    return forward(
        st, st->ops->appointment_last_interpreter(st->state, client_id, before, interpreter_id));
}

int tolk_store_appointment_get(struct tolk_store *st, int64_t id, struct tolk_appointment *out)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (out == NULL)
        return fail(st, TOLK_STORE_EINVAL, "appointment_get: no place for the result");
    return forward(st, st->ops->appointment_get(st->state, id, out));
}

int tolk_store_appointment_list(struct tolk_store *st, const struct tolk_appointment_filter *f,
                                int64_t after_id, struct tolk_appointment *out, size_t cap,
                                size_t *n)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (f == NULL || out == NULL || cap == 0 || n == NULL)
        return fail(st, TOLK_STORE_EINVAL, "appointment_list: no filter or no room for the page");
    if (f->to != 0 && f->to <= f->from)
        return fail(st, TOLK_STORE_EINVAL, "appointment_list: the range ends before it starts");
    return forward(st, st->ops->appointment_list(st->state, f, after_id, out, cap, n));
}

int tolk_store_interpreter_bookings(struct tolk_store *st, int64_t from, int64_t to,
                                    int64_t except_id, const struct tolk_interpreter_booking *after,
                                    struct tolk_interpreter_booking *out, size_t cap, size_t *n)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (out == NULL || cap == 0 || n == NULL)
        return fail(st, TOLK_STORE_EINVAL, "interpreter_bookings: no room for the page");
    if (to <= from)
        return fail(st, TOLK_STORE_EINVAL, "interpreter_bookings: the range ends before it starts");
    return forward(
        st, st->ops->interpreter_bookings(st->state, from, to, except_id, after, out, cap, n));
}

/* An audit actor or subject: "system", or a lowercase kind, ':', and an id (store.h). */
static int audit_ref_ok(const char *s)
{
    size_t i = 0;

    if (strcmp(s, "system") == 0)
        return 1;
    if (!(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_')
        i++;
    if (s[i] != ':' || s[i + 1] == '\0')
        return 0;
    for (i++; s[i] != '\0'; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == ':'))
            return 0;
    }
    return 1;
}

/* An audit action: [a-z_]+ (the length was checked before). */
static int audit_action_ok(const char *s)
{
    for (; *s != '\0'; s++)
        if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
            return 0;
    return 1;
}

/* An audit detail: codes such as "role=client,reason=expired"; no spaces, '@', '.', '+'. */
static int audit_detail_ok(const char *s)
{
    for (; *s != '\0'; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == ':' || c == '=' || c == ','))
            return 0;
    }
    return 1;
}

/*
 * Checks one text of an audit entry: present, within CAP (counting the NUL), non-empty when
 * REQUIRED, no control characters, and, when not empty, of the shape OK accepts. The message
 * names the field and the rule, never the text: a rejected text is exactly the kind that may
 * hold a name.
 */
static int check_audit_text(struct tolk_store *st, const char *op, const char *name,
                            const char *text, size_t cap, int required, int (*ok)(const char *),
                            const char *rule)
{
    const char *problem;

    if (text == NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: no %s given", op, name);
    problem = text_problem(text, cap, required);
    if (problem != NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: %s %s", op, name, problem);
    if (text[0] != '\0' && !ok(text))
        return fail(st, TOLK_STORE_EINVAL, "%s: %s must be %s", op, name, rule);
    return TOLK_STORE_OK;
}

/* OP names the operation in messages: audit_append, or the change an audit note rides with. */
static int check_audit_entry(struct tolk_store *st, const char *op, const char *actor,
                             const char *action, const char *subject, const char *detail,
                             int64_t at)
{
    static const char ref_rule[] = "\"system\" or kind:id (letters, digits, '_', '-', ':')";
    int rc =
        check_audit_text(st, op, "actor", actor, TOLK_STORE_REF_MAX, 1, audit_ref_ok, ref_rule);

    if (rc == TOLK_STORE_OK)
        rc = check_audit_text(st, op, "action", action, TOLK_STORE_REF_MAX, 1, audit_action_ok,
                              "lowercase letters and '_'");
    if (rc == TOLK_STORE_OK)
        rc = check_audit_text(st, op, "subject", subject, TOLK_STORE_REF_MAX, 0, audit_ref_ok,
                              ref_rule);
    if (rc == TOLK_STORE_OK)
        rc = check_audit_text(st, op, "detail", detail, TOLK_AUDIT_DETAIL_MAX, 0, audit_detail_ok,
                              "codes (letters, digits, '_', '-', ':', '=', ',')");
    if (rc != TOLK_STORE_OK)
        return rc;
    if (strcmp(action, TOLK_AUDIT_ACTION_PURGED) == 0)
        return fail(st, TOLK_STORE_EINVAL, "%s: that action is written only by purge", op);
    if (at < 0)
        return fail(st, TOLK_STORE_EINVAL, "%s: the time must not be negative", op);
    return TOLK_STORE_OK;
}

int tolk_store_audit_append(struct tolk_store *st, const uint8_t key[TOLK_AUDIT_KEY_BYTES],
                            const char *actor, const char *action, const char *subject,
                            const char *detail, int64_t at, uint64_t *seq_out)
{
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (key == NULL)
        return fail(st, TOLK_STORE_EINVAL, "audit_append: no key given");
    rc = check_audit_entry(st, "audit_append", actor, action, subject, detail, at);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(
        st, st->ops->audit_append(st->state, key, actor, action, subject, detail, at, seq_out));
}

int tolk_store_audit_verify(struct tolk_store *st, const uint8_t key[TOLK_AUDIT_KEY_BYTES],
                            struct tolk_audit_report *out)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (key == NULL || out == NULL)
        return fail(st, TOLK_STORE_EINVAL, "audit_verify: no key or no place for the report");
    return forward(st, st->ops->audit_verify(st->state, key, out));
}

int tolk_store_audit_purge(struct tolk_store *st, const uint8_t key[TOLK_AUDIT_KEY_BYTES],
                           int64_t before, uint64_t *purged)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (key == NULL || purged == NULL)
        return fail(st, TOLK_STORE_EINVAL, "audit_purge: no key or no place for the result");
    return forward(st, st->ops->audit_purge(st->state, key, before, purged));
}

int tolk_store_audit_list(struct tolk_store *st, uint64_t after_seq, struct tolk_audit_entry *out,
                          size_t cap, size_t *n)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (out == NULL || cap == 0 || n == NULL)
        return fail(st, TOLK_STORE_EINVAL, "audit_list: no room for entries or for their count");
    return forward(st, st->ops->audit_list(st->state, after_seq, out, cap, n));
}

static const char *const account_roles[] = {"admin", "staff", "clinician", "interpreter"};

const char *tolk_account_role_name(enum tolk_account_role role)
{
    if (role < TOLK_ROLE_ADMIN || role > TOLK_ROLE_INTERPRETER)
        return NULL;
    return account_roles[role - TOLK_ROLE_ADMIN];
}

int tolk_account_role_parse(const char *text, enum tolk_account_role *role)
{
    for (size_t i = 0; text != NULL && i < sizeof(account_roles) / sizeof(account_roles[0]); i++) {
        if (strcmp(text, account_roles[i]) == 0) {
            *role = (enum tolk_account_role)(TOLK_ROLE_ADMIN + (int)i);
            return 0;
        }
    }
    return -1;
}

/* Never reads past TOLK_USERNAME_MAX + 1 bytes, so an unterminated buffer is refused safely. */
int tolk_username_valid(const char *text)
{
    size_t n;

    if (text == NULL)
        return 0;
    n = strnlen(text, TOLK_USERNAME_MAX + 1);
    if (n < TOLK_USERNAME_MIN || n > TOLK_USERNAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/*
 * Checks an audit note that rides with OP. SUBJECT_BY_STORE: the store writes the subject
 * itself, so the caller's must be "" (a caller that thinks it chose one is told so).
 */
static int check_note(struct tolk_store *st, const char *op, const struct tolk_audit_note *note,
                      int subject_by_store)
{
    if (note == NULL)
        return TOLK_STORE_OK;
    if (note->key == NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: the audit note has no key", op);
    if (subject_by_store && (note->subject == NULL || note->subject[0] != '\0'))
        return fail(st, TOLK_STORE_EINVAL, "%s: the audit note's subject is the store's to set",
                    op);
    return check_audit_entry(st, op, note->actor, note->action,
                             subject_by_store ? "" : note->subject, note->detail, note->at);
}

/* Checks a new account against the contract; messages name the field, never its value. */
static int check_account(struct tolk_store *st, const char *op, const struct tolk_account *a)
{
    const char *problem;

    if (!tolk_username_valid(a->username))
        return fail(st, TOLK_STORE_EINVAL,
                    "%s: username must be %d to %d characters of a-z, 0-9, '.', '_' and '-'", op,
                    TOLK_USERNAME_MIN, TOLK_USERNAME_MAX);
    if (tolk_account_role_name(a->role) == NULL)
        return fail(st, TOLK_STORE_EINVAL,
                    "%s: role must be admin, staff, clinician or interpreter", op);
    if ((problem = text_problem(a->password_hash, sizeof(a->password_hash), 1)) != NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: password_hash %s", op, problem);
    if (a->disabled != 0 && a->disabled != 1)
        return fail(st, TOLK_STORE_EINVAL, "%s: disabled must be 0 or 1", op);
    return TOLK_STORE_OK;
}

static int account_create(struct tolk_store *st, const char *op, struct tolk_account *a,
                          int bootstrap, const struct tolk_audit_note *note)
{
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (a == NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: no account given", op);
    rc = check_account(st, op, a);
    if (rc == TOLK_STORE_OK && bootstrap && a->role != TOLK_ROLE_ADMIN)
        rc = fail(st, TOLK_STORE_EINVAL, "%s: the first account must be an admin", op);
    if (rc == TOLK_STORE_OK)
        rc = check_note(st, op, note, 1);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->account_create(st->state, a, bootstrap, note));
}

int tolk_store_account_create(struct tolk_store *st, struct tolk_account *a,
                              const struct tolk_audit_note *note)
{
    return account_create(st, "account_create", a, 0, note);
}

int tolk_store_account_bootstrap(struct tolk_store *st, struct tolk_account *a,
                                 const struct tolk_audit_note *note)
{
    return account_create(st, "account_bootstrap", a, 1, note);
}

int tolk_store_account_find(struct tolk_store *st, const char *username, struct tolk_account *out)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (out == NULL)
        return fail(st, TOLK_STORE_EINVAL, "account_find: no place for the result");
    if (!tolk_username_valid(username))
        return fail(st, TOLK_STORE_EINVAL, "account_find: that is not a valid username");
    return forward(st, st->ops->account_find(st->state, username, out));
}

int tolk_store_account_get(struct tolk_store *st, int64_t id, struct tolk_account *out)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (out == NULL)
        return fail(st, TOLK_STORE_EINVAL, "account_get: no place for the result");
    return forward(st, st->ops->account_get(st->state, id, out));
}

int tolk_store_account_count_role(struct tolk_store *st, enum tolk_account_role role,
                                  uint64_t *count)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (count == NULL || tolk_account_role_name(role) == NULL)
        return fail(st, TOLK_STORE_EINVAL, "account_count_role: bad role or no place for it");
    return forward(st, st->ops->account_count_role(st->state, role, count));
}

int tolk_store_account_list(struct tolk_store *st, int64_t after_id, struct tolk_account *out,
                            size_t cap, size_t *n)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (out == NULL || cap == 0 || n == NULL)
        return fail(st, TOLK_STORE_EINVAL, "account_list: no room for accounts or their count");
    return forward(st, st->ops->account_list(st->state, after_id, out, cap, n));
}

int tolk_store_account_set_disabled(struct tolk_store *st, int64_t id, int disabled,
                                    const struct tolk_audit_note *note)
{
    static const char op[] = "account_set_disabled";
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (disabled != 0 && disabled != 1)
        return fail(st, TOLK_STORE_EINVAL, "%s: disabled must be 0 or 1", op);
    rc = check_note(st, op, note, 0);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->account_set_disabled(st->state, id, disabled, note));
}

int tolk_store_account_set_password_hash(struct tolk_store *st, int64_t id, const char *hash)
{
    const char *problem;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (hash == NULL)
        return fail(st, TOLK_STORE_EINVAL, "account_set_password_hash: no hash given");
    if ((problem = text_problem(hash, TOLK_PASSWORD_HASH_MAX, 1)) != NULL)
        return fail(st, TOLK_STORE_EINVAL, "account_set_password_hash: hash %s", problem);
    return forward(st, st->ops->account_set_password_hash(st->state, id, hash));
}

int tolk_store_auth_token_add(struct tolk_store *st, const struct tolk_auth_token *t,
                              const struct tolk_audit_note *note)
{
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (t == NULL)
        return fail(st, TOLK_STORE_EINVAL, "auth_token_add: no token given");
    rc = check_note(st, "auth_token_add", note, 0);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->auth_token_add(st->state, t, note));
}

int tolk_store_auth_token_find(struct tolk_store *st,
                               const uint8_t hash[TOLK_STORE_TOKEN_HASH_BYTES],
                               struct tolk_auth_grant *out)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (hash == NULL || out == NULL)
        return fail(st, TOLK_STORE_EINVAL, "auth_token_find: no hash or no place for the result");
    return forward(st, st->ops->auth_token_find(st->state, hash, out));
}

int tolk_store_auth_token_revoke(struct tolk_store *st,
                                 const uint8_t hash[TOLK_STORE_TOKEN_HASH_BYTES],
                                 const struct tolk_audit_note *note)
{
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (hash == NULL)
        return fail(st, TOLK_STORE_EINVAL, "auth_token_revoke: no hash given");
    rc = check_note(st, "auth_token_revoke", note, 0);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->auth_token_revoke(st->state, hash, note));
}

int tolk_store_auth_tokens_purge(struct tolk_store *st, int64_t before, uint64_t *purged)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (purged == NULL)
        return fail(st, TOLK_STORE_EINVAL, "auth_tokens_purge: no place for the result");
    return forward(st, st->ops->auth_tokens_purge(st->state, before, purged));
}

int tolk_store_login_failure_get(struct tolk_store *st, const char *key,
                                 struct tolk_login_failures *out)
{
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    rc = check_key(st, "login_failure_get", key);
    if (rc != TOLK_STORE_OK)
        return rc;
    if (out == NULL)
        return fail(st, TOLK_STORE_EINVAL, "login_failure_get: no place for the result");
    return forward(st, st->ops->login_failure_get(st->state, key, out));
}

#define LOGIN_FAILURE_KEYS_MAX 4

int tolk_store_login_failure_record(struct tolk_store *st, const char *const *keys, size_t n,
                                    int64_t at, int64_t forget_before, uint32_t *counts,
                                    const struct tolk_audit_note *note)
{
    static const char op[] = "login_failure_record";
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (keys == NULL || n == 0 || n > LOGIN_FAILURE_KEYS_MAX)
        return fail(st, TOLK_STORE_EINVAL, "%s: needs 1 to %d keys", op, LOGIN_FAILURE_KEYS_MAX);
    for (size_t i = 0; i < n; i++) {
        rc = check_key(st, op, keys[i]);
        if (rc != TOLK_STORE_OK)
            return rc;
    }
    rc = check_note(st, op, note, 0);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(
        st, st->ops->login_failure_record(st->state, keys, n, at, forget_before, counts, note));
}

int tolk_store_login_failure_reset(struct tolk_store *st, const char *key)
{
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    rc = check_key(st, "login_failure_reset", key);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->login_failure_reset(st->state, key));
}

int tolk_store_login_failures_purge(struct tolk_store *st, int64_t before, uint64_t *purged)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (purged == NULL)
        return fail(st, TOLK_STORE_EINVAL, "login_failures_purge: no place for the result");
    return forward(st, st->ops->login_failures_purge(st->state, before, purged));
}

/* ---- Clients ---------------------------------------------------------------------------- */

/* Whether TAG (an array of TOLK_CLIENT_TAG_MAX) is letters, digits and '-' (empty if OPTIONAL). */
static int tag_chars_ok(const char *tag, int optional)
{
    const char *end = memchr(tag, '\0', TOLK_CLIENT_TAG_MAX);

    if (end == NULL || (end == tag && !optional))
        return 0;
    for (const char *p = tag; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return 0;
    }
    return 1;
}

static int check_client(struct tolk_store *st, const char *op, const struct tolk_client *c)
{
    const char *problem;
    char g = c->gender_preference;

    if ((problem = text_problem(c->alias, TOLK_CLIENT_ALIAS_MAX, 1)) != NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: alias %s", op, problem);
    if ((problem = text_problem(c->support_person_alias, TOLK_CLIENT_ALIAS_MAX, 0)) != NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: support person alias %s", op, problem);
    if (!tag_chars_ok(c->written_language, 1))
        return fail(st, TOLK_STORE_EINVAL, "%s: written language is not a tag", op);
    if (c->n_languages < 1 || c->n_languages > TOLK_CLIENT_LANGUAGES_MAX)
        return fail(st, TOLK_STORE_EINVAL, "%s: 1 to %d spoken languages are needed", op,
                    TOLK_CLIENT_LANGUAGES_MAX);
    for (size_t i = 0; i < c->n_languages; i++)
        if (!tag_chars_ok(c->languages[i].tag, 0) || (c->languages[i].dialect_required & ~1) != 0)
            return fail(st, TOLK_STORE_EINVAL, "%s: spoken language %zu is not valid", op, i + 1);
    if (g != 0 && g != 'f' && g != 'm' && g != 'x')
        return fail(st, TOLK_STORE_EINVAL, "%s: gender preference must be none, f, m or x", op);
    if ((c->prefer_same_interpreter & ~1) != 0 || c->contact_sealed_len > TOLK_CLIENT_SEALED_MAX ||
        c->created_at < 0)
        return fail(st, TOLK_STORE_EINVAL, "%s: a flag, the contact or the time is out of range",
                    op);
    return TOLK_STORE_OK;
}

int tolk_store_client_create(struct tolk_store *st, struct tolk_client *c,
                             const struct tolk_audit_note *note)
{
    static const char op[] = "client_create";
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (c == NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: no client given", op);
    rc = check_client(st, op, c);
    if (rc == TOLK_STORE_OK)
        rc = check_note(st, op, note, 1);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->client_create(st->state, c, note));
}

int tolk_store_client_get(struct tolk_store *st, int64_t id, struct tolk_client *out,
                          const struct tolk_audit_note *note)
{
    static const char op[] = "client_get";
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (out == NULL || note == NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: no place for the result, or no audit note", op);
    rc = check_note(st, op, note, 1);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->client_get(st->state, id, out, note));
}

int tolk_store_client_update(struct tolk_store *st, const struct tolk_client *c,
                             const struct tolk_audit_note *note)
{
    static const char op[] = "client_update";
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (c == NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: no client given", op);
    rc = check_client(st, op, c);
    if (rc == TOLK_STORE_OK)
        rc = check_note(st, op, note, 1);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->client_update(st->state, c, note));
}

int tolk_store_client_list(struct tolk_store *st, const char *prefix, int64_t after_id,
                           struct tolk_client_summary *out, size_t cap, size_t *n)
{
    const char *problem;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (prefix == NULL || out == NULL || cap == 0 || n == NULL)
        return fail(st, TOLK_STORE_EINVAL, "client_list: no prefix, or no room for the page");
    if ((problem = text_problem(prefix, TOLK_CLIENT_ALIAS_MAX, 0)) != NULL)
        return fail(st, TOLK_STORE_EINVAL, "client_list: prefix %s", problem);
    return forward(st, st->ops->client_list(st->state, prefix, after_id, out, cap, n));
}

int tolk_store_client_exclusion_add(struct tolk_store *st, int64_t client_id,
                                    const struct tolk_client_exclusion *e,
                                    const struct tolk_audit_note *note)
{
    static const char op[] = "client_exclusion_add";
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (e == NULL || (e->reason != TOLK_EXCLUDE_CLIENT && e->reason != TOLK_EXCLUDE_NEVER_AGAIN) ||
        e->at < 0)
        return fail(st, TOLK_STORE_EINVAL, "%s: no exclusion, or a bad reason or time", op);
    rc = check_note(st, op, note, 1);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->client_exclusion_add(st->state, client_id, e, note));
}

/* ---- Interpreters ------------------------------------------------------------------------ */

/* Whether CODE (an array of TOLK_INTERPRETER_CODE_MAX) is 1 to 16 of A-Z, 0-9 and '-'. */
static int code_ok(const char *code)
{
    const char *end = memchr(code, '\0', TOLK_INTERPRETER_CODE_MAX);

    if (end == NULL || end == code)
        return 0;
    for (const char *p = code; p < end; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return 0;
    return 1;
}

static int check_slots(struct tolk_store *st, const char *op, const struct tolk_store_slot *slots,
                       size_t n)
{
    if (n > TOLK_INTERPRETER_SLOTS_MAX || (n > 0 && slots == NULL))
        return fail(st, TOLK_STORE_EINVAL, "%s: at most %d slots", op, TOLK_INTERPRETER_SLOTS_MAX);
    for (size_t i = 0; i < n; i++)
        if (slots[i].day < 0 || slots[i].day > 6 || slots[i].start_minute < 0 ||
            slots[i].start_minute >= slots[i].end_minute || slots[i].end_minute > 1440)
            return fail(st, TOLK_STORE_EINVAL, "%s: slot %zu is not valid", op, i + 1);
    return TOLK_STORE_OK;
}

static int check_profile(struct tolk_store *st, const char *op,
                         const struct tolk_interpreter_profile *p,
                         const struct tolk_audit_note *note)
{
    const char *problem;
    char g = p->gender;

    if (!code_ok(p->code))
        return fail(st, TOLK_STORE_EINVAL, "%s: the code must be 1 to 16 of A-Z, 0-9 and '-'", op);
    if (g != 0 && g != 'f' && g != 'm' && g != 'x')
        return fail(st, TOLK_STORE_EINVAL, "%s: gender must be none, f, m or x", op);
    if ((problem = text_problem(p->zone, TOLK_INTERPRETER_ZONE_MAX, 1)) != NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: zone %s", op, problem);
    if (p->n_pairs < 1 || p->n_pairs > TOLK_INTERPRETER_PAIRS_MAX)
        return fail(st, TOLK_STORE_EINVAL, "%s: 1 to %d language pairs are needed", op,
                    TOLK_INTERPRETER_PAIRS_MAX);
    for (size_t i = 0; i < p->n_pairs; i++)
        if (!tag_chars_ok(p->pairs[i].a, 0) || !tag_chars_ok(p->pairs[i].b, 0))
            return fail(st, TOLK_STORE_EINVAL, "%s: language pair %zu is not valid", op, i + 1);
    if (p->created_at < 0)
        return fail(st, TOLK_STORE_EINVAL, "%s: the time is negative", op);
    return check_note(st, op, note, 1);
}

int tolk_store_interpreter_create(struct tolk_store *st, const struct tolk_interpreter_profile *p,
                                  const struct tolk_audit_note *note)
{
    static const char op[] = "interpreter_create";
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (p == NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: no profile given", op);
    rc = check_profile(st, op, p, note);
    if (rc == TOLK_STORE_OK)
        rc = check_slots(st, op, p->slots, p->n_slots);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->interpreter_create(st->state, p, note));
}

int tolk_store_interpreter_get(struct tolk_store *st, int64_t id,
                               struct tolk_interpreter_profile *out)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (out == NULL)
        return fail(st, TOLK_STORE_EINVAL, "interpreter_get: no place for the result");
    return forward(st, st->ops->interpreter_get(st->state, id, out));
}

int tolk_store_interpreter_update(struct tolk_store *st, const struct tolk_interpreter_profile *p,
                                  const struct tolk_audit_note *note)
{
    static const char op[] = "interpreter_update";
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (p == NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: no profile given", op);
    rc = check_profile(st, op, p, note);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->interpreter_update(st->state, p, note));
}

int tolk_store_interpreter_set_slots(struct tolk_store *st, int64_t id,
                                     const struct tolk_store_slot *slots, size_t n,
                                     const struct tolk_audit_note *note)
{
    static const char op[] = "interpreter_set_slots";
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    rc = check_slots(st, op, slots, n);
    if (rc == TOLK_STORE_OK)
        rc = check_note(st, op, note, 1);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->interpreter_set_slots(st->state, id, slots, n, note));
}

int tolk_store_interpreter_exception_add(struct tolk_store *st, int64_t id,
                                         struct tolk_store_exception *e, int64_t now,
                                         const struct tolk_audit_note *note)
{
    static const char op[] = "interpreter_exception_add";
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (e == NULL || e->starts_at < 0 || e->ends_at <= e->starts_at)
        return fail(st, TOLK_STORE_EINVAL, "%s: an exception must end after it starts", op);
    rc = check_note(st, op, note, 1);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->interpreter_exception_add(st->state, id, e, now, note));
}

int tolk_store_interpreter_list(struct tolk_store *st, int64_t after_id,
                                struct tolk_interpreter_summary *out, size_t cap, size_t *n)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (out == NULL || cap == 0 || n == NULL)
        return fail(st, TOLK_STORE_EINVAL, "interpreter_list: no room for the page");
    return forward(st, st->ops->interpreter_list(st->state, after_id, out, cap, n));
}

int tolk_store_interpreter_profiles(struct tolk_store *st, int64_t after_id,
                                    struct tolk_interpreter_profile *out, size_t cap, size_t *n)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (out == NULL || cap == 0 || n == NULL)
        return fail(st, TOLK_STORE_EINVAL, "interpreter_profiles: no room for the page");
    return forward(st, st->ops->interpreter_profiles(st->state, after_id, out, cap, n));
}

/* ---- Clinicians -------------------------------------------------------------------------- */

static int check_clinician(struct tolk_store *st, const char *op,
                           const struct tolk_clinician_profile *p,
                           const struct tolk_audit_note *note)
{
    const char *problem;
    int rc;

    if (p == NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: no profile given", op);
    if ((problem = text_problem(p->zone, TOLK_INTERPRETER_ZONE_MAX, 1)) != NULL)
        return fail(st, TOLK_STORE_EINVAL, "%s: zone %s", op, problem);
    if (p->n_languages < 1 || p->n_languages > TOLK_CLINICIAN_LANGUAGES_MAX)
        return fail(st, TOLK_STORE_EINVAL, "%s: 1 to %d languages are needed", op,
                    TOLK_CLINICIAN_LANGUAGES_MAX);
    for (size_t i = 0; i < p->n_languages; i++)
        if (!tag_chars_ok(p->languages[i], 0))
            return fail(st, TOLK_STORE_EINVAL, "%s: language %zu is not valid", op, i + 1);
    if (p->created_at < 0)
        return fail(st, TOLK_STORE_EINVAL, "%s: the time is negative", op);
    rc = check_slots(st, op, p->hours, p->n_hours);
    return rc == TOLK_STORE_OK ? check_note(st, op, note, 1) : rc;
}

int tolk_store_clinician_create(struct tolk_store *st, const struct tolk_clinician_profile *p,
                                const struct tolk_audit_note *note)
{
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    rc = check_clinician(st, "clinician_create", p, note);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->clinician_create(st->state, p, note));
}

int tolk_store_clinician_get(struct tolk_store *st, int64_t id, struct tolk_clinician_profile *out)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (out == NULL)
        return fail(st, TOLK_STORE_EINVAL, "clinician_get: no place for the result");
    return forward(st, st->ops->clinician_get(st->state, id, out));
}

int tolk_store_clinician_update(struct tolk_store *st, const struct tolk_clinician_profile *p,
                                const struct tolk_audit_note *note)
{
    int rc;

    if (st == NULL)
        return TOLK_STORE_EINVAL;
    rc = check_clinician(st, "clinician_update", p, note);
    if (rc != TOLK_STORE_OK)
        return rc;
    return forward(st, st->ops->clinician_update(st->state, p, note));
}

int tolk_store_clinician_list(struct tolk_store *st, int64_t after_id, int64_t *ids, size_t cap,
                              size_t *n)
{
    if (st == NULL)
        return TOLK_STORE_EINVAL;
    if (ids == NULL || cap == 0 || n == NULL)
        return fail(st, TOLK_STORE_EINVAL, "clinician_list: no room for the page");
    return forward(st, st->ops->clinician_list(st->state, after_id, ids, cap, n));
}
