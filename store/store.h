/*
 * The store: everything tolkd keeps between restarts.
 *
 * Callers see one opaque handle and the functions below; which database sits behind it is
 * chosen by the location string given to tolk_store_open():
 *
 *     "sqlite:/var/lib/tolk/tolk.db"  or a plain path   the embedded SQLite backend
 *     "postgresql://..."                               reserved for a PostgreSQL backend
 *
 * Each backend implements the same table of operations (store_backend.h), so adding a backend
 * never touches a caller. Every function returns TOLK_STORE_OK (0) or a negative
 * tolk_store_status; after a failure tolk_store_errmsg() says what went wrong in one line that
 * is safe to log (it never contains stored values).
 *
 * Threads: a handle is used by one thread at a time (tolkd's service thread).
 */
#ifndef TOLK_STORE_H
#define TOLK_STORE_H

#include <stddef.h>
#include <stdint.h>

enum tolk_store_status {
    TOLK_STORE_OK = 0,
    TOLK_STORE_ENOTFOUND = -1,   /* no such row */
    TOLK_STORE_EINVAL = -2,      /* an argument the contract forbids (too long, bad value) */
    TOLK_STORE_ECORRUPT = -3,    /* the database file is damaged or is not a database */
    TOLK_STORE_ENEWER = -4,      /* the schema is newer than this build understands */
    TOLK_STORE_EIO = -5,         /* the file cannot be opened, read or written */
    TOLK_STORE_EREADONLY = -6,   /* the file or its directory is read-only */
    TOLK_STORE_EFULL = -7,       /* the disk is full */
    TOLK_STORE_EBUSY = -8,       /* locked by another process past the busy timeout */
    TOLK_STORE_ENOBACKEND = -9,  /* the location names a backend this build does not have */
    TOLK_STORE_ECONSTRAINT = -10 /* a uniqueness or reference rule would be broken */
};

#define TOLK_STORE_ERR_MAX 256
#define TOLK_STORE_REF_MAX 64 /* session and participant references, event names */

struct tolk_store;

/* Who joined or left which session when. No content, no names: references are opaque. */
enum tolk_session_event_kind {
    TOLK_SESSION_JOIN = 1,
    TOLK_SESSION_LEAVE = 2,
};

struct tolk_session_event {
    char session_ref[TOLK_STORE_REF_MAX];     /* opaque session reference */
    char participant_ref[TOLK_STORE_REF_MAX]; /* opaque participant reference */
    char role[TOLK_STORE_REF_MAX];            /* "client", "clinician", "interpreter", ... */
    enum tolk_session_event_kind kind;
    int64_t at; /* Unix seconds, UTC */
};

/*
 * Opens (creating if needed) the store at LOCATION and brings its schema up to date by
 * applying every forward migration in one transaction each. A file that is not a database, is
 * damaged, or has a newer schema is refused without being changed. On success *out owns the
 * handle (free it with tolk_store_close). On failure *out is NULL and err holds one line.
 */
int tolk_store_open(const char *location, struct tolk_store **out, char *err, size_t errlen);

/* Flushes and closes. NULL is a no-op. */
void tolk_store_close(struct tolk_store *st);

/* The one-line reason for the last failed call on this handle ("" if none). */
const char *tolk_store_errmsg(const struct tolk_store *st);

/* The name of a status ("TOLK_STORE_ECORRUPT", ...). */
const char *tolk_store_status_name(int status);

/* 1 if tolk_store_open created the database (it did not exist before), else 0. */
int tolk_store_was_created(const struct tolk_store *st);

/* The schema version the store is at now (after migrations), and the newest this build knows. */
int tolk_store_schema_version(struct tolk_store *st, int *version);
int tolk_store_latest_schema_version(void);

/* Makes everything committed so far durable in the main database file (a WAL checkpoint). */
int tolk_store_flush(struct tolk_store *st);

/*
 * Small named settings the service keeps about itself (instance id, data-key check value).
 * Keys and values are NUL-terminated text. get: TOLK_STORE_ENOTFOUND if absent; a value longer
 * than valuelen-1 is TOLK_STORE_EINVAL and nothing is written.
 */
int tolk_store_meta_get(struct tolk_store *st, const char *key, char *value, size_t valuelen);
int tolk_store_meta_set(struct tolk_store *st, const char *key, const char *value);

/* Appends one join/leave record. Strings must fit their fields; kind must be valid. */
int tolk_store_session_event_add(struct tolk_store *st, const struct tolk_session_event *ev);

/* Counts session events (all of them). */
int tolk_store_session_event_count(struct tolk_store *st, uint64_t *count);

/* Deletes every session event that happened before BEFORE (Unix seconds), in one transaction. */
int tolk_store_session_events_purge(struct tolk_store *st, int64_t before, uint64_t *purged);

/*
 * Appointments and their join tokens. A token is a random 256-bit secret handed to one
 * participant; the store keeps only its hash, so a copy of the database cannot be used to join.
 */
#define TOLK_STORE_TOKEN_HASH_BYTES 32

enum tolk_appointment_status {
    TOLK_APPOINTMENT_BOOKED = 1,
    TOLK_APPOINTMENT_CANCELLED = 2,
};

struct tolk_appointment {
    int64_t id;                   /* set by tolk_store_appointment_create */
    char ref[TOLK_STORE_REF_MAX]; /* the public session id (opaque text, unique) */
    int64_t starts_at, ends_at;   /* Unix seconds, UTC; ends_at > starts_at */
    enum tolk_appointment_status status;
};

struct tolk_join_token {
    uint8_t hash[TOLK_STORE_TOKEN_HASH_BYTES];
    char role[TOLK_STORE_REF_MAX];   /* "client", "clinician", "interpreter", "support" */
    int64_t valid_from, valid_until; /* Unix seconds; valid_until > valid_from */
};

/*
 * Creates appointment *A (its id is filled in) together with its N tokens, in one transaction:
 * either all of them are stored or none. A token hash or ref that already exists is
 * TOLK_STORE_ECONSTRAINT.
 */
int tolk_store_appointment_create(struct tolk_store *st, struct tolk_appointment *a,
                                  const struct tolk_join_token *tokens, size_t n);

/* What a token grants: its appointment, role, window, and whether it was revoked. */
struct tolk_token_grant {
    struct tolk_appointment appointment;
    char role[TOLK_STORE_REF_MAX];
    int64_t valid_from, valid_until;
    int revoked;
};

/* Looks a token up by its hash. TOLK_STORE_ENOTFOUND if no token has that hash. */
int tolk_store_token_find(struct tolk_store *st, const uint8_t hash[TOLK_STORE_TOKEN_HASH_BYTES],
                          struct tolk_token_grant *out);

#endif
