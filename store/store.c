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
