/*
 * Internal to the SQLite backend (store_sqlite*.c): the connection state, the prepared
 * statements, and the small helpers every operation uses. Only these files include sqlite3.h.
 */
#ifndef TOLK_STORE_SQLITE_INTERNAL_H
#define TOLK_STORE_SQLITE_INTERNAL_H

#include <sqlite3.h>

#include "store_backend.h"

enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_VERSION,
    ST_CHECKPOINT,
    ST_META_GET,
    ST_META_SET,
    ST_EVENT_ADD,
    ST_EVENT_COUNT,
    ST_EVENT_PURGE,
    ST_APPOINTMENT_ADD,
    ST_TOKEN_ADD,
    ST_TOKEN_FIND,
    ST_COUNT
};

struct sq {
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_COUNT];
    int created;        /* the file did not exist before this open */
    int ready;          /* fully opened and migrated: close may write (checkpoint) */
    long found_version; /* user_version as found at open, before migrations */
    char name[TOLK_STORE_LOCATION_MAX + 2]; /* the file name handed to SQLite */
    char err[TOLK_STORE_ERR_MAX];
};

/* Records a failure (one line, control characters blanked) and returns STATUS. */
__attribute__((format(printf, 3, 4))) int sq_fail(struct sq *s, int status, const char *fmt, ...);
/* Records a failed SQLite call under OP and returns the matching status. */
int sq_db_fail(struct sq *s, int rc, const char *op);
/* Resets a statement and clears its bindings for reuse. */
void sq_done(sqlite3_stmt *q);
int bind_text(sqlite3_stmt *q, int i, const char *text);
/* Steps statement ID to completion (no rows expected) and readies it for reuse. */
int sq_run(struct sq *s, enum stmt_id id, const char *op);
/* Ends a failed write transaction, if one is still open. */
void sq_rollback(struct sq *s);

/* store_sqlite_appointments.c */
int sq_appointment_create(void *state, struct tolk_appointment *a,
                          const struct tolk_join_token *tokens, size_t n);
int sq_token_find(void *state, const uint8_t *hash, struct tolk_token_grant *out);

#endif
