/*
 * Appointments and join tokens in the SQLite backend. An appointment and its tokens are
 * written in one transaction, so a booking is never half stored. Bookings (store.h) check for
 * conflicts, write, and append their audit entry in one BEGIN IMMEDIATE transaction: the write
 * lock is taken before the check, so a racing booking waits and then sees this one.
 *
 * The booking statements run at a desk's pace, so they are prepared per call.
 */
#include <inttypes.h>
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
        /* the booking (schema 7): the broker starts a session in the appointment's mode */
        out->appointment.client_id = sqlite3_column_int64(q, 9);
        out->appointment.clinician_id = sqlite3_column_int64(q, 10);
        out->appointment.interpreter_id = sqlite3_column_int64(q, 11);
        copy_text(out->appointment.mode, sizeof out->appointment.mode, sqlite3_column_text(q, 12));
        out->appointment.updated_at = sqlite3_column_int64(q, 13);
        out->appointment.relief_interpreter_id = sqlite3_column_int64(q, 14); /* schema 9 */
    } else if (rc == SQLITE_DONE) {
        status = sq_fail(s, TOLK_STORE_ENOTFOUND, "token_find: no such token");
    } else {
        status = sq_db_fail(s, rc, "token_find");
    }
    sq_done(q);
    return status;
}

/* ---- Bookings ---------------------------------------------------------------------------- */

#define APPOINTMENT_COLUMNS                                                                        \
    "id, ref, starts_at, ends_at, status, coalesce(client_id, 0), coalesce(clinician_id, 0),"      \
    " coalesce(interpreter_id, 0), coalesce(mode, ''), coalesce(updated_at, 0),"                   \
    " coalesce(relief_interpreter_id, 0)"

/* Binds the N int64 values VALS to ?1..?N of SQL, steps it once and finalizes it. */
static int exec_ints(struct sq *s, const char *sql, const char *op, const int64_t *vals, int n,
                     int64_t *first_column)
{
    sqlite3_stmt *q;
    int rc = sq_prepare(s, sql, op, &q);

    if (rc != TOLK_STORE_OK)
        return rc;
    rc = SQLITE_OK;
    for (int i = 0; rc == SQLITE_OK && i < n; i++)
        rc = sqlite3_bind_int64(q, i + 1, vals[i]);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && first_column != NULL)
        *first_column = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return TOLK_STORE_OK;
    return sq_db_fail(s, rc == SQLITE_OK ? SQLITE_ERROR : rc, op);
}

static void read_appointment(sqlite3_stmt *q, struct tolk_appointment *a)
{
    memset(a, 0, sizeof(*a));
    a->id = sqlite3_column_int64(q, 0);
    copy_text(a->ref, sizeof(a->ref), sqlite3_column_text(q, 1));
    a->starts_at = sqlite3_column_int64(q, 2);
    a->ends_at = sqlite3_column_int64(q, 3);
    const unsigned char *st = sqlite3_column_text(q, 4);
    a->status = st && strcmp((const char *)st, "cancelled") == 0 ? TOLK_APPOINTMENT_CANCELLED
                                                                 : TOLK_APPOINTMENT_BOOKED;
    a->client_id = sqlite3_column_int64(q, 5);
    a->clinician_id = sqlite3_column_int64(q, 6);
    a->interpreter_id = sqlite3_column_int64(q, 7);
    copy_text(a->mode, sizeof(a->mode), sqlite3_column_text(q, 8));
    a->updated_at = sqlite3_column_int64(q, 9);
    a->relief_interpreter_id = sqlite3_column_int64(q, 10);
}

static int get_locked(struct sq *s, int64_t id, struct tolk_appointment *out, const char *op)
{
    sqlite3_stmt *q;
    int rc =
        sq_prepare(s, "SELECT " APPOINTMENT_COLUMNS " FROM appointments WHERE id = ?1", op, &q);

    if (rc != TOLK_STORE_OK)
        return rc;
    rc = sqlite3_bind_int64(q, 1, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        read_appointment(q, out);
    sqlite3_finalize(q);
    if (rc == SQLITE_ROW)
        return TOLK_STORE_OK;
    if (rc == SQLITE_DONE)
        return sq_fail(s, TOLK_STORE_ENOTFOUND, "%s: no such appointment", op);
    return sq_db_fail(s, rc, op);
}

/*
 * ECONSTRAINT, naming the role, when A's clinician, interpreter or relief interpreter has
 * another booked appointment (not A->id) overlapping [A->starts_at, A->ends_at); for an
 * interpreter, one in either part. The OR of two indexed columns is read as two index
 * searches (appointments_interpreter, appointments_relief), not a scan.
 */
static int check_conflicts(struct sq *s, const struct tolk_appointment *a, const char *op)
{
    static const char interpreter_sql[] =
        "SELECT count(*) FROM appointments WHERE (interpreter_id = ?1 OR relief_interpreter_id = "
        "?1)"
        " AND status = 'booked' AND starts_at < ?3 AND ends_at > ?2 AND id != ?4";
    static const char *const sql[3] = {
        "SELECT count(*) FROM appointments WHERE clinician_id = ?1 AND status = 'booked'"
        " AND starts_at < ?3 AND ends_at > ?2 AND id != ?4",
        interpreter_sql,
        interpreter_sql,
    };
    static const char *const role[3] = {"clinician", "interpreter", "relief interpreter"};
    const int64_t who[3] = {a->clinician_id, a->interpreter_id, a->relief_interpreter_id};

    for (int i = 0; i < 3; i++) {
        int64_t vals[4] = {who[i], a->starts_at, a->ends_at, a->id}, count = 0;
        if (who[i] == 0)
            continue;
        int rc = exec_ints(s, sql[i], op, vals, 4, &count);
        if (rc != TOLK_STORE_OK)
            return rc;
        if (count > 0)
            return sq_fail(s, TOLK_STORE_ECONSTRAINT, "%s: the %s has an overlapping appointment",
                           op, role[i]);
    }
    return TOLK_STORE_OK;
}

static int booking_note(struct sq *s, const struct tolk_audit_note *note, int64_t id,
                        const char *op)
{
    char subject[TOLK_STORE_REF_MAX];

    snprintf(subject, sizeof(subject), "appointment:%" PRId64, id);
    return sq_audit_append_locked(s, note->key, note->actor, note->action, subject, note->detail,
                                  note->at, op);
}

static int revoke_tokens(struct sq *s, int64_t id, const char *op)
{
    return exec_ints(s, "UPDATE join_tokens SET revoked = 1 WHERE appointment_id = ?1", op, &id, 1,
                     NULL);
}

struct booking_args {
    struct tolk_appointment *a;
    const struct tolk_audit_note *note;
};

static int book_body(struct sq *s, void *arg)
{
    static const char op[] = "appointment_book";
    struct booking_args *b = arg;
    struct tolk_appointment *a = b->a;
    sqlite3_stmt *q;
    int rc = check_conflicts(s, a, op);

    if (rc == TOLK_STORE_OK)
        rc = sq_prepare(s,
                        "INSERT INTO appointments (ref, starts_at, ends_at, status, client_id,"
                        " clinician_id, interpreter_id, mode, updated_at, relief_interpreter_id)"
                        " VALUES (?1, ?2, ?3, 'booked', ?4, ?5, nullif(?6, 0), ?7, ?8,"
                        " nullif(?9, 0))",
                        op, &q);
    if (rc != TOLK_STORE_OK)
        return rc;
    rc = bind_text(q, 1, a->ref);
    const int64_t ints[] = {a->starts_at, a->ends_at, a->client_id, a->clinician_id,
                            a->interpreter_id};
    for (int i = 0; rc == SQLITE_OK && i < 5; i++)
        rc = sqlite3_bind_int64(q, i + 2, ints[i]);
    if (rc == SQLITE_OK)
        rc = bind_text(q, 7, a->mode);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 8, b->note->at);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 9, a->relief_interpreter_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sq_db_fail(s, rc == SQLITE_OK ? SQLITE_ERROR : rc, op);
    a->id = sqlite3_last_insert_rowid(s->db);
    return booking_note(s, b->note, a->id, op);
}

int sq_appointment_book(void *state, struct tolk_appointment *a, const struct tolk_audit_note *note)
{
    struct booking_args b = {a, note};
    int rc = sq_in_transaction(state, "appointment_book", book_body, &b);

    if (rc == TOLK_STORE_OK) {
        a->status = TOLK_APPOINTMENT_BOOKED;
        a->updated_at = note->at;
    } else {
        a->id = 0;
    }
    return rc;
}

static int reschedule_body(struct sq *s, void *arg)
{
    static const char op[] = "appointment_reschedule";
    struct booking_args *b = arg;
    struct tolk_appointment now;
    int rc = get_locked(s, b->a->id, &now, op);

    if (rc != TOLK_STORE_OK)
        return rc;
    if (now.status == TOLK_APPOINTMENT_CANCELLED)
        return sq_fail(s, TOLK_STORE_ECONSTRAINT, "%s: the appointment is cancelled", op);
    now.starts_at = b->a->starts_at;
    now.ends_at = b->a->ends_at;
    now.interpreter_id = b->a->interpreter_id;
    now.relief_interpreter_id = b->a->relief_interpreter_id;
    rc = check_conflicts(s, &now, op);
    const int64_t vals[] = {now.id,      now.starts_at,
                            now.ends_at, now.interpreter_id,
                            b->note->at, now.relief_interpreter_id};
    if (rc == TOLK_STORE_OK)
        rc = exec_ints(s,
                       "UPDATE appointments SET starts_at = ?2, ends_at = ?3,"
                       " interpreter_id = nullif(?4, 0), updated_at = ?5,"
                       " relief_interpreter_id = nullif(?6, 0) WHERE id = ?1",
                       op, vals, 6, NULL);
    if (rc == TOLK_STORE_OK)
        rc = revoke_tokens(s, now.id, op);
    return rc == TOLK_STORE_OK ? booking_note(s, b->note, now.id, op) : rc;
}

int sq_appointment_reschedule(void *state, int64_t id, int64_t starts_at, int64_t ends_at,
                              int64_t interpreter_id, int64_t relief_interpreter_id,
                              const struct tolk_audit_note *note)
{
    struct tolk_appointment want = {.id = id,
                                    .starts_at = starts_at,
                                    .ends_at = ends_at,
                                    .interpreter_id = interpreter_id,
                                    .relief_interpreter_id = relief_interpreter_id};
    struct booking_args b = {&want, note};

    return sq_in_transaction(state, "appointment_reschedule", reschedule_body, &b);
}

static int cancel_body(struct sq *s, void *arg)
{
    static const char op[] = "appointment_cancel";
    struct booking_args *b = arg;
    struct tolk_appointment now;
    int rc = get_locked(s, b->a->id, &now, op);

    if (rc != TOLK_STORE_OK)
        return rc;
    if (now.status == TOLK_APPOINTMENT_CANCELLED)
        return sq_fail(s, TOLK_STORE_ECONSTRAINT, "%s: the appointment is already cancelled", op);
    const int64_t vals[] = {now.id, b->note->at};
    rc = exec_ints(s, "UPDATE appointments SET status = 'cancelled', updated_at = ?2 WHERE id = ?1",
                   op, vals, 2, NULL);
    if (rc == TOLK_STORE_OK)
        rc = revoke_tokens(s, now.id, op);
    return rc == TOLK_STORE_OK ? booking_note(s, b->note, now.id, op) : rc;
}

int sq_appointment_cancel(void *state, int64_t id, const struct tolk_audit_note *note)
{
    struct tolk_appointment want = {.id = id};
    struct booking_args b = {&want, note};

    return sq_in_transaction(state, "appointment_cancel", cancel_body, &b);
}

struct tokens_args {
    int64_t id;
    const struct tolk_join_token *tokens;
    size_t n;
    const char *role;
    const struct tolk_audit_note *note;
};

static int issue_body(struct sq *s, void *arg)
{
    static const char op[] = "appointment_tokens_issue";
    struct tokens_args *t = arg;
    struct tolk_appointment now;
    int rc = get_locked(s, t->id, &now, op);

    if (rc != TOLK_STORE_OK)
        return rc;
    if (now.status == TOLK_APPOINTMENT_CANCELLED)
        return sq_fail(s, TOLK_STORE_ECONSTRAINT, "%s: the appointment is cancelled", op);
    rc = revoke_tokens(s, t->id, op);
    for (size_t i = 0; rc == TOLK_STORE_OK && i < t->n; i++)
        rc = insert_token(s, t->id, &t->tokens[i]);
    return rc == TOLK_STORE_OK ? booking_note(s, t->note, t->id, op) : rc;
}

int sq_appointment_tokens_issue(void *state, int64_t id, const struct tolk_join_token *tokens,
                                size_t n, const struct tolk_audit_note *note)
{
    struct tokens_args t = {id, tokens, n, NULL, note};

    return sq_in_transaction(state, "appointment_tokens_issue", issue_body, &t);
}

static int revoke_body(struct sq *s, void *arg)
{
    static const char op[] = "appointment_tokens_revoke";
    struct tokens_args *t = arg;
    struct tolk_appointment now;
    sqlite3_stmt *q;
    int rc = get_locked(s, t->id, &now, op);

    if (rc == TOLK_STORE_OK)
        rc = sq_prepare(
            s, "UPDATE join_tokens SET revoked = 1 WHERE appointment_id = ?1 AND role = ?2", op,
            &q);
    if (rc != TOLK_STORE_OK)
        return rc;
    rc = sqlite3_bind_int64(q, 1, t->id);
    if (rc == SQLITE_OK)
        rc = bind_text(q, 2, t->role);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sq_db_fail(s, rc == SQLITE_OK ? SQLITE_ERROR : rc, op);
    return booking_note(s, t->note, t->id, op);
}

int sq_appointment_tokens_revoke(void *state, int64_t id, const char *role,
                                 const struct tolk_audit_note *note)
{
    struct tokens_args t = {id, NULL, 0, role, note};

    return sq_in_transaction(state, "appointment_tokens_revoke", revoke_body, &t);
}

int sq_appointment_last_interpreter(void *state, int64_t client_id, int64_t before,
                                    int64_t *interpreter_id)
{
    const int64_t vals[] = {client_id, before};

    *interpreter_id = 0;
    return exec_ints(state,
                     "SELECT coalesce(interpreter_id, 0) FROM appointments WHERE client_id = ?1"
                     " AND status = 'booked' AND starts_at < ?2 ORDER BY starts_at DESC, id DESC"
                     " LIMIT 1",
                     "appointment_last_interpreter", vals, 2, interpreter_id);
}

int sq_appointment_get(void *state, int64_t id, struct tolk_appointment *out)
{
    return get_locked(state, id, out, "appointment_get");
}

int sq_appointment_list(void *state, const struct tolk_appointment_filter *f, int64_t after_id,
                        struct tolk_appointment *out, size_t cap, size_t *n)
{
    static const char op[] = "appointment_list";
    struct sq *s = state;
    sqlite3_stmt *q;
    int rc = sq_prepare(s,
                        "SELECT " APPOINTMENT_COLUMNS " FROM appointments WHERE id > ?1"
                        " AND (?2 = 0 OR clinician_id = ?2)"
                        " AND (?3 = 0 OR interpreter_id = ?3 OR relief_interpreter_id = ?3)"
                        " AND ends_at > ?4 AND (?5 = 0 OR starts_at < ?5) ORDER BY id LIMIT ?6",
                        op, &q);

    *n = 0;
    if (rc != TOLK_STORE_OK)
        return rc;
    const int64_t vals[] = {after_id, f->clinician_id, f->interpreter_id,
                            f->from,  f->to,           (int64_t)cap};
    rc = SQLITE_OK;
    for (int i = 0; rc == SQLITE_OK && i < 6; i++)
        rc = sqlite3_bind_int64(q, i + 1, vals[i]);
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW && *n < cap) {
        read_appointment(q, &out[(*n)++]);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return TOLK_STORE_OK;
    *n = 0;
    return sq_db_fail(s, rc == SQLITE_OK ? SQLITE_ERROR : rc, op);
}

/*
 * The query names its indexes (schema 8 and 9): appointments_interpreter_busy holds every
 * column its first half reads, so only its entries of the booked appointments ending after
 * FROM are read, and the few that overlap are sorted; the second half does the same for relief
 * interpreters in appointments_relief_busy, and the two sorted halves are merged. Left to
 * itself (no statistics, bound values unknown), the planner picks appointments_interpreter
 * instead, whose order matches the ORDER BY, and reads every interpreted appointment ever
 * booked: six times slower at 10,000 appointments, and growing with the past. INDEXED BY also
 * makes a statement that cannot use the index fail to prepare. An interpreter is never the
 * relief of their own appointment (the CHECK of schema 9), so (interpreter, start, id) stays
 * unique across the halves and pages as before.
 */
int sq_interpreter_bookings(void *state, int64_t from, int64_t to, int64_t except_id,
                            const struct tolk_interpreter_booking *after,
                            struct tolk_interpreter_booking *out, size_t cap, size_t *n)
{
    static const char op[] = "interpreter_bookings";
    struct sq *s = state;
    sqlite3_stmt *q;
    int rc = sq_prepare(s,
                        "SELECT interpreter_id, id, starts_at, ends_at FROM appointments"
                        " INDEXED BY appointments_interpreter_busy"
                        " WHERE status = 'booked' AND interpreter_id IS NOT NULL"
                        " AND ends_at > ?1 AND starts_at < ?2 AND id != ?3"
                        " AND (interpreter_id, starts_at, id) > (?4, ?5, ?6)"
                        " UNION ALL"
                        " SELECT relief_interpreter_id, id, starts_at, ends_at FROM appointments"
                        " INDEXED BY appointments_relief_busy"
                        " WHERE status = 'booked' AND relief_interpreter_id IS NOT NULL"
                        " AND ends_at > ?1 AND starts_at < ?2 AND id != ?3"
                        " AND (relief_interpreter_id, starts_at, id) > (?4, ?5, ?6)"
                        " ORDER BY 1, 3, 2 LIMIT ?7",
                        op, &q);

    *n = 0;
    if (rc != TOLK_STORE_OK)
        return rc;
    const int64_t vals[] = {from,
                            to,
                            except_id,
                            after ? after->interpreter_id : 0,
                            after ? after->starts_at : INT64_MIN,
                            after ? after->appointment_id : 0,
                            (int64_t)cap};
    rc = SQLITE_OK;
    for (int i = 0; rc == SQLITE_OK && i < 7; i++)
        rc = sqlite3_bind_int64(q, i + 1, vals[i]);
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW && *n < cap) {
        struct tolk_interpreter_booking *b = &out[(*n)++];
        b->interpreter_id = sqlite3_column_int64(q, 0);
        b->appointment_id = sqlite3_column_int64(q, 1);
        b->starts_at = sqlite3_column_int64(q, 2);
        b->ends_at = sqlite3_column_int64(q, 3);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return TOLK_STORE_OK;
    *n = 0;
    return sq_db_fail(s, rc == SQLITE_OK ? SQLITE_ERROR : rc, op);
}
