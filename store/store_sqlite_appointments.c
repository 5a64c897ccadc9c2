/*
 * Appointments and join tokens in the SQLite backend. An appointment and its tokens are
 * written in one transaction, so a booking is never half stored.
 */
#include <stdio.h>
#include <string.h>

#include "store_sqlite_internal.h"

static const char *status_text(enum tolk_appointment_status status)
{
    return status == TOLK_APPOINTMENT_CANCELLED ? "cancelled" : "booked";
}

static int insert_appointment(struct sq *s, struct tolk_appointment *a)
{
    sqlite3_stmt *q = s->stmt[ST_APPOINTMENT_ADD];
    int rc = bind_text(q, 1, a->ref);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 2, a->starts_at);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 3, a->ends_at);
    if (rc == SQLITE_OK)
        rc = bind_text(q, 4, status_text(a->status));
    if (rc != SQLITE_OK) {
        sq_done(q);
        return sq_db_fail(s, rc, "appointment_create");
    }
    rc = sq_run(s, ST_APPOINTMENT_ADD, "appointment_create");
    if (rc == TOLK_STORE_OK)
        a->id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

static int insert_token(struct sq *s, int64_t appointment_id, const struct tolk_join_token *t)
{
    sqlite3_stmt *q = s->stmt[ST_TOKEN_ADD];
    int rc = sqlite3_bind_blob(q, 1, t->hash, sizeof t->hash, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 2, appointment_id);
    if (rc == SQLITE_OK)
        rc = bind_text(q, 3, t->role);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 4, t->valid_from);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 5, t->valid_until);
    if (rc != SQLITE_OK) {
        sq_done(q);
        return sq_db_fail(s, rc, "appointment_create: token");
    }
    return sq_run(s, ST_TOKEN_ADD, "appointment_create: token");
}

int sq_appointment_create(void *state, struct tolk_appointment *a,
                          const struct tolk_join_token *tokens, size_t n)
{
    struct sq *s = state;
    int rc = sq_run(s, ST_BEGIN, "appointment_create: begin");
    if (rc != TOLK_STORE_OK)
        return rc;
    rc = insert_appointment(s, a);
    for (size_t i = 0; rc == TOLK_STORE_OK && i < n; i++)
        rc = insert_token(s, a->id, &tokens[i]);
    if (rc == TOLK_STORE_OK)
        rc = sq_run(s, ST_COMMIT, "appointment_create: commit");
    if (rc != TOLK_STORE_OK) {
        sq_rollback(s);
        a->id = 0;
    }
    return rc;
}

static void copy_text(char *dst, size_t cap, const unsigned char *src)
{
    snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

int sq_token_find(void *state, const uint8_t *hash, struct tolk_token_grant *out)
{
    struct sq *s = state;
    sqlite3_stmt *q = s->stmt[ST_TOKEN_FIND];
    int rc = sqlite3_bind_blob(q, 1, hash, TOLK_STORE_TOKEN_HASH_BYTES, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    int status = TOLK_STORE_OK;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->appointment.id = sqlite3_column_int64(q, 0);
        copy_text(out->appointment.ref, sizeof out->appointment.ref, sqlite3_column_text(q, 1));
        out->appointment.starts_at = sqlite3_column_int64(q, 2);
        out->appointment.ends_at = sqlite3_column_int64(q, 3);
        const unsigned char *st = sqlite3_column_text(q, 4);
        out->appointment.status = st && strcmp((const char *)st, "cancelled") == 0
                                      ? TOLK_APPOINTMENT_CANCELLED
                                      : TOLK_APPOINTMENT_BOOKED;
        copy_text(out->role, sizeof out->role, sqlite3_column_text(q, 5));
        out->valid_from = sqlite3_column_int64(q, 6);
        out->valid_until = sqlite3_column_int64(q, 7);
        out->revoked = sqlite3_column_int(q, 8) != 0;
    } else if (rc == SQLITE_DONE) {
        status = sq_fail(s, TOLK_STORE_ENOTFOUND, "token_find: no such token");
    } else {
        status = sq_db_fail(s, rc, "token_find");
    }
    sq_done(q);
    return status;
}
