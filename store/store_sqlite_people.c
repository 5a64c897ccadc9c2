/*
 * Clients, interpreter and clinician profiles in the SQLite backend (store.h, "Clients",
 * "Interpreters", "Clinicians"; migration 6 in store_sqlite.c holds the
 * tables). Every change and every full read writes its audit entry in the same write
 * transaction, so no record is changed or read without its entry and no entry claims a change
 * that was rolled back. The sealed contact details are bytes to this file; messages name the
 * operation, never an alias or a tag.
 *
 * These statements run rarely (staff at a desk), so they are prepared per call rather than kept
 * in the statement table.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "store_sqlite_internal.h"

/* Steps Q (bound already, RC the first failed bind or SQLITE_OK) to its end and finalizes it. */
static int finish(struct sq *s, sqlite3_stmt *q, int rc, const char *op)
{
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc == SQLITE_DONE)
        return TOLK_STORE_OK;
    return sq_db_fail(s, rc == SQLITE_ROW || rc == SQLITE_OK ? SQLITE_ERROR : rc, op);
}

static int bind_opt_text(sqlite3_stmt *q, int i, const char *text)
{
    return text[0] == '\0' ? sqlite3_bind_null(q, i) : bind_text(q, i, text);
}

/*
 * bind_opt_text for a TEXT that dies before the statement is stepped (a local of the binding
 * function): bind_text binds without copying, so SQLite would read a dead stack frame. Here
 * SQLite copies it.
 */
static int bind_opt_copy(sqlite3_stmt *q, int i, const char *text)
{
    return text[0] == '\0' ? sqlite3_bind_null(q, i)
                           : sqlite3_bind_text(q, i, text, -1, SQLITE_TRANSIENT);
}

static int note_locked(struct sq *s, const struct tolk_audit_note *note, int64_t id, const char *op)
{
    char subject[TOLK_STORE_REF_MAX];

    if (note == NULL)
        return TOLK_STORE_OK;
    snprintf(subject, sizeof(subject), "client:%" PRId64, id);
    return sq_audit_append_locked(s, note->key, note->actor, note->action, subject, note->detail,
                                  note->at, op);
}

/* Binds the fields of C shared by insert and update, ?1 to ?6. */
static int bind_client(sqlite3_stmt *q, const struct tolk_client *c)
{
    char gender[2] = {c->gender_preference, '\0'};
    int rc = bind_text(q, 1, c->alias);

    if (rc == SQLITE_OK)
        rc = bind_opt_text(q, 2, c->written_language);
    if (rc == SQLITE_OK)
        rc = bind_opt_copy(q, 3, gender);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(q, 4, c->prefer_same_interpreter);
    if (rc == SQLITE_OK)
        rc = bind_opt_text(q, 5, c->support_person_alias);
    if (rc == SQLITE_OK)
        rc = c->contact_sealed_len == 0
                 ? sqlite3_bind_null(q, 6)
                 : sqlite3_bind_blob(q, 6, c->contact_sealed, (int)c->contact_sealed_len,
                                     SQLITE_TRANSIENT);
    return rc;
}

/* Replaces the languages of client C->id. */
static int write_languages(struct sq *s, const struct tolk_client *c, const char *op)
{
    sqlite3_stmt *q;
    int rc = sq_prepare(s, "DELETE FROM client_languages WHERE client_id = ?1", op, &q);

    if (rc != TOLK_STORE_OK)
        return rc;
    rc = finish(s, q, sqlite3_bind_int64(q, 1, c->id), op);
    for (size_t i = 0; rc == TOLK_STORE_OK && i < c->n_languages; i++) {
        rc = sq_prepare(s, "INSERT INTO client_languages VALUES (?1, ?2, ?3, ?4)", op, &q);
        if (rc != TOLK_STORE_OK)
            return rc;
        int b = sqlite3_bind_int64(q, 1, c->id);
        if (b == SQLITE_OK)
            b = sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
        if (b == SQLITE_OK)
            b = bind_text(q, 3, c->languages[i].tag);
        if (b == SQLITE_OK)
            b = sqlite3_bind_int(q, 4, c->languages[i].dialect_required);
        rc = finish(s, q, b, op);
    }
    return rc;
}

struct write_args {
    struct tolk_client *c;
    const struct tolk_audit_note *note;
    int update;
};

static int write_body(struct sq *s, void *arg)
{
    struct write_args *w = arg;
    const char *op = w->update ? "client_update" : "client_create";
    sqlite3_stmt *q;
    int rc =
        sq_prepare(s,
                   w->update ? "UPDATE clients SET alias = ?1, written_language = ?2,"
                               " gender_preference = ?3, prefer_same_interpreter = ?4,"
                               " support_person_alias = ?5, contact_sealed = ?6 WHERE id = ?7"
                             : "INSERT INTO clients (alias, written_language, gender_preference,"
                               " prefer_same_interpreter, support_person_alias, contact_sealed,"
                               " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                   op, &q);

    if (rc != TOLK_STORE_OK)
        return rc;
    rc = bind_client(q, w->c);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 7, w->update ? w->c->id : w->c->created_at);
    rc = finish(s, q, rc, op);
    if (rc != TOLK_STORE_OK)
        return rc;
    if (w->update && sqlite3_changes64(s->db) == 0)
        return sq_fail(s, TOLK_STORE_ENOTFOUND, "%s: no such client", op);
    if (!w->update)
        w->c->id = sqlite3_last_insert_rowid(s->db);
    rc = write_languages(s, w->c, op);
    return rc == TOLK_STORE_OK ? note_locked(s, w->note, w->c->id, op) : rc;
}

int sq_client_create(void *state, struct tolk_client *c, const struct tolk_audit_note *note)
{
    struct write_args w = {c, note, 0};
    int rc = sq_in_transaction(state, "client_create", write_body, &w);

    if (rc != TOLK_STORE_OK)
        c->id = 0;
    return rc;
}

int sq_client_update(void *state, const struct tolk_client *c, const struct tolk_audit_note *note)
{
    struct tolk_client copy = *c;
    struct write_args w = {&copy, note, 1};

    return sq_in_transaction(state, "client_update", write_body, &w);
}

static void copy_column(sqlite3_stmt *q, int col, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(q, col);

    snprintf(out, cap, "%s", t != NULL ? (const char *)t : "");
}

static int read_row(struct sq *s, int64_t id, struct tolk_client *out, const char *op)
{
    sqlite3_stmt *q;
    int rc =
        sq_prepare(s,
                   "SELECT alias, written_language, gender_preference, prefer_same_interpreter,"
                   " support_person_alias, contact_sealed, created_at FROM clients WHERE id = ?1",
                   op, &q);

    if (rc != TOLK_STORE_OK)
        return rc;
    rc = sqlite3_bind_int64(q, 1, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(q);
        if (rc == SQLITE_DONE)
            return sq_fail(s, TOLK_STORE_ENOTFOUND, "%s: no such client", op);
        return sq_db_fail(s, rc, op);
    }
    out->id = id;
    copy_column(q, 0, out->alias, sizeof(out->alias));
    copy_column(q, 1, out->written_language, sizeof(out->written_language));
    out->gender_preference =
        sqlite3_column_type(q, 2) == SQLITE_NULL ? 0 : (char)sqlite3_column_text(q, 2)[0];
    out->prefer_same_interpreter = sqlite3_column_int(q, 3);
    copy_column(q, 4, out->support_person_alias, sizeof(out->support_person_alias));
    out->contact_sealed_len = (size_t)sqlite3_column_bytes(q, 5);
    if (out->contact_sealed_len > sizeof(out->contact_sealed))
        out->contact_sealed_len = 0; /* cannot be written so by this store */
    if (out->contact_sealed_len > 0)
        memcpy(out->contact_sealed, sqlite3_column_blob(q, 5), out->contact_sealed_len);
    out->created_at = sqlite3_column_int64(q, 6);
    sqlite3_finalize(q);
    return TOLK_STORE_OK;
}

static int read_languages(struct sq *s, struct tolk_client *out, const char *op)
{
    sqlite3_stmt *q;
    int rc = sq_prepare(s,
                        "SELECT tag, dialect_required FROM client_languages WHERE client_id = ?1"
                        " ORDER BY position",
                        op, &q);

    if (rc != TOLK_STORE_OK)
        return rc;
    rc = sqlite3_bind_int64(q, 1, out->id);
    out->n_languages = 0;
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (out->n_languages < TOLK_CLIENT_LANGUAGES_MAX) {
            struct tolk_client_language *l = &out->languages[out->n_languages++];
            copy_column(q, 0, l->tag, sizeof(l->tag));
            l->dialect_required = sqlite3_column_int(q, 1);
        }
        rc = SQLITE_OK;
    }
    return finish(s, q, rc, op);
}

static int read_exclusions(struct sq *s, struct tolk_client *out, const char *op)
{
    sqlite3_stmt *q;
    int rc = sq_prepare(s,
                        "SELECT interpreter_id, reason, recorded_by, at FROM client_exclusions"
                        " WHERE client_id = ?1 ORDER BY interpreter_id",
                        op, &q);

    if (rc != TOLK_STORE_OK)
        return rc;
    rc = sqlite3_bind_int64(q, 1, out->id);
    out->n_exclusions = 0;
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (out->n_exclusions < TOLK_CLIENT_EXCLUSIONS_MAX) {
            struct tolk_client_exclusion *e = &out->exclusions[out->n_exclusions++];
            e->interpreter_id = sqlite3_column_int64(q, 0);
            e->reason = strcmp((const char *)sqlite3_column_text(q, 1), "never_again") == 0
                            ? TOLK_EXCLUDE_NEVER_AGAIN
                            : TOLK_EXCLUDE_CLIENT;
            e->recorded_by = sqlite3_column_int64(q, 2);
            e->at = sqlite3_column_int64(q, 3);
        }
        rc = SQLITE_OK;
    }
    return finish(s, q, rc, op);
}

struct get_args {
    int64_t id;
    struct tolk_client *out;
    const struct tolk_audit_note *note;
};

static int get_body(struct sq *s, void *arg)
{
    struct get_args *g = arg;
    int rc = read_row(s, g->id, g->out, "client_get");

    if (rc == TOLK_STORE_OK)
        rc = read_languages(s, g->out, "client_get");
    if (rc == TOLK_STORE_OK)
        rc = read_exclusions(s, g->out, "client_get");
    return rc == TOLK_STORE_OK ? note_locked(s, g->note, g->id, "client_get") : rc;
}

int sq_client_get(void *state, int64_t id, struct tolk_client *out,
                  const struct tolk_audit_note *note)
{
    struct get_args g = {id, out, note};
    int rc = sq_in_transaction(state, "client_get", get_body, &g);

    if (rc != TOLK_STORE_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

int sq_client_list(void *state, const char *prefix, int64_t after_id,
                   struct tolk_client_summary *out, size_t cap, size_t *n)
{
    static const char op[] = "client_list";
    struct sq *s = state;
    sqlite3_stmt *q;
    int rc = sq_prepare(s,
                        "SELECT id, alias FROM clients WHERE id > ?1"
                        " AND lower(substr(alias, 1, length(?2))) = lower(?2) ORDER BY id LIMIT ?3",
                        op, &q);

    *n = 0;
    if (rc != TOLK_STORE_OK)
        return rc;
    rc = sqlite3_bind_int64(q, 1, after_id);
    if (rc == SQLITE_OK)
        rc = bind_text(q, 2, prefix);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 3, (sqlite3_int64)cap);
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW && *n < cap) {
        out[*n].id = sqlite3_column_int64(q, 0);
        copy_column(q, 1, out[*n].alias, sizeof(out[*n].alias));
        (*n)++;
        rc = SQLITE_OK;
    }
    rc = finish(s, q, rc, op);
    if (rc != TOLK_STORE_OK)
        *n = 0;
    return rc;
}

struct exclusion_args {
    int64_t client_id;
    const struct tolk_client_exclusion *e;
    const struct tolk_audit_note *note;
};

/* Reads the one integer SQL (with ?1 = A, ?2 = B) yields into *out. */
static int count_rows(struct sq *s, const char *sql, const char *op, int64_t a, int64_t b,
                      sqlite3_int64 *out)
{
    sqlite3_stmt *q;
    int rc = sq_prepare(s, sql, op, &q);

    if (rc != TOLK_STORE_OK)
        return rc;
    rc = sqlite3_bind_int64(q, 1, a);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 2, b);
    if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        *out = sqlite3_column_int64(q, 0);
        rc = SQLITE_DONE;
    }
    return finish(s, q, rc, op);
}

static int exclusion_body(struct sq *s, void *arg)
{
    static const char op[] = "client_exclusion_add";
    struct exclusion_args *x = arg;
    sqlite3_int64 found = 0, count = 0;
    sqlite3_stmt *q;
    int rc = count_rows(s,
                        "SELECT (SELECT count(*) FROM clients WHERE id = ?1) * (SELECT count(*)"
                        " FROM accounts WHERE id = ?2 AND role = 'interpreter')",
                        op, x->client_id, x->e->interpreter_id, &found);

    if (rc == TOLK_STORE_OK && found == 0)
        return sq_fail(s, TOLK_STORE_ENOTFOUND, "%s: no such client or interpreter", op);
    if (rc == TOLK_STORE_OK)
        rc = count_rows(s,
                        "SELECT count(*) FROM client_exclusions WHERE client_id = ?1"
                        " AND interpreter_id != ?2",
                        op, x->client_id, x->e->interpreter_id, &count);
    if (rc == TOLK_STORE_OK && count >= TOLK_CLIENT_EXCLUSIONS_MAX)
        return sq_fail(s, TOLK_STORE_ECONSTRAINT, "%s: the client has the most exclusions", op);
    if (rc == TOLK_STORE_OK)
        rc = sq_prepare(
            s,
            "INSERT INTO client_exclusions VALUES (?1, ?2, ?3, ?4, ?5)"
            " ON CONFLICT (client_id, interpreter_id) DO UPDATE SET reason ="
            " CASE WHEN excluded.reason = 'never_again' THEN 'never_again' ELSE reason END",
            op, &q);
    if (rc != TOLK_STORE_OK)
        return rc;
    rc = sqlite3_bind_int64(q, 1, x->client_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 2, x->e->interpreter_id);
    if (rc == SQLITE_OK)
        rc = bind_text(q, 3, x->e->reason == TOLK_EXCLUDE_NEVER_AGAIN ? "never_again" : "client");
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 4, x->e->recorded_by);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 5, x->e->at);
    rc = finish(s, q, rc, op);
    return rc == TOLK_STORE_OK ? note_locked(s, x->note, x->client_id, op) : rc;
}

int sq_client_exclusion_add(void *state, int64_t client_id, const struct tolk_client_exclusion *e,
                            const struct tolk_audit_note *note)
{
    struct exclusion_args x = {client_id, e, note};

    return sq_in_transaction(state, "client_exclusion_add", exclusion_body, &x);
}

/* ---- Interpreters ------------------------------------------------------------------------ */

/* Runs SQL with its N integer parameters (int64_t) bound in order; no rows expected. */
static int exec_ints(struct sq *s, const char *sql, const char *op, int n, ...)
{
    sqlite3_stmt *q;
    va_list ap;
    int rc = sq_prepare(s, sql, op, &q);

    if (rc != TOLK_STORE_OK)
        return rc;
    rc = SQLITE_OK;
    va_start(ap, n);
    for (int i = 1; i <= n; i++) {
        sqlite3_int64 v = va_arg(ap, int64_t);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_int64(q, i, v);
    }
    va_end(ap);
    return finish(s, q, rc, op);
}

static int interpreter_note(struct sq *s, const struct tolk_audit_note *note, int64_t id,
                            const char *op)
{
    char subject[TOLK_STORE_REF_MAX];

    if (note == NULL)
        return TOLK_STORE_OK;
    snprintf(subject, sizeof(subject), "interpreter:%" PRId64, id);
    return sq_audit_append_locked(s, note->key, note->actor, note->action, subject, note->detail,
                                  note->at, op);
}

static int write_pairs(struct sq *s, const struct tolk_interpreter_profile *p, const char *op)
{
    sqlite3_stmt *q;
    int rc = exec_ints(s, "DELETE FROM interpreter_pairs WHERE interpreter_id = ?1", op, 1, p->id);

    for (size_t i = 0; rc == TOLK_STORE_OK && i < p->n_pairs; i++) {
        rc = sq_prepare(s, "INSERT INTO interpreter_pairs VALUES (?1, ?2, ?3, ?4)", op, &q);
        if (rc != TOLK_STORE_OK)
            return rc;
        int b = sqlite3_bind_int64(q, 1, p->id);
        if (b == SQLITE_OK)
            b = sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
        if (b == SQLITE_OK)
            b = bind_text(q, 3, p->pairs[i].a);
        if (b == SQLITE_OK)
            b = bind_text(q, 4, p->pairs[i].b);
        rc = finish(s, q, b, op);
    }
    return rc;
}

static int write_slots(struct sq *s, int64_t id, const struct tolk_store_slot *slots, size_t n,
                       const char *op)
{
    int rc = exec_ints(s, "DELETE FROM interpreter_slots WHERE interpreter_id = ?1", op, 1, id);

    for (size_t i = 0; rc == TOLK_STORE_OK && i < n; i++)
        rc = exec_ints(s, "INSERT INTO interpreter_slots VALUES (?1, ?2, ?3, ?4, ?5)", op, 5, id,
                       (int64_t)i, (int64_t)slots[i].day, (int64_t)slots[i].start_minute,
                       (int64_t)slots[i].end_minute);
    return rc;
}

struct profile_args {
    const struct tolk_interpreter_profile *p;
    const struct tolk_audit_note *note;
    int update;
};

/* Binds code, gender, zone as ?1 to ?3 and the id as ?4. */
static int bind_profile(sqlite3_stmt *q, const struct tolk_interpreter_profile *p)
{
    char gender[2] = {p->gender, '\0'};
    int rc = bind_text(q, 1, p->code);

    if (rc == SQLITE_OK)
        rc = bind_opt_copy(q, 2, gender);
    if (rc == SQLITE_OK)
        rc = bind_text(q, 3, p->zone);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 4, p->id);
    return rc;
}

static int profile_body(struct sq *s, void *arg)
{
    struct profile_args *w = arg;
    const char *op = w->update ? "interpreter_update" : "interpreter_create";
    sqlite3_int64 found = 0;
    sqlite3_stmt *q;
    int rc = TOLK_STORE_OK;

    if (!w->update)
        rc = count_rows(s,
                        "SELECT count(*) FROM accounts WHERE id = ?1 AND role = 'interpreter'"
                        " AND ?2 = ?2",
                        op, w->p->id, 0, &found);
    if (rc == TOLK_STORE_OK && !w->update && found == 0)
        return sq_fail(s, TOLK_STORE_ENOTFOUND, "%s: no such interpreter account", op);
    if (rc == TOLK_STORE_OK)
        rc = sq_prepare(s,
                        w->update ? "UPDATE interpreters SET code = ?1, gender = ?2, zone = ?3"
                                    " WHERE id = ?4"
                                  : "INSERT INTO interpreters (code, gender, zone, id, created_at)"
                                    " VALUES (?1, ?2, ?3, ?4, ?5)",
                        op, &q);
    if (rc != TOLK_STORE_OK)
        return rc;
    rc = bind_profile(q, w->p);
    if (rc == SQLITE_OK && !w->update)
        rc = sqlite3_bind_int64(q, 5, w->p->created_at);
    rc = finish(s, q, rc, op);
    if (rc == TOLK_STORE_ECONSTRAINT)
        return sq_fail(s, rc, "%s: the profile exists or the code is taken", op);
    if (rc == TOLK_STORE_OK && w->update && sqlite3_changes64(s->db) == 0)
        return sq_fail(s, TOLK_STORE_ENOTFOUND, "%s: no such interpreter", op);
    if (rc == TOLK_STORE_OK)
        rc = write_pairs(s, w->p, op);
    if (rc == TOLK_STORE_OK && !w->update)
        rc = write_slots(s, w->p->id, w->p->slots, w->p->n_slots, op);
    return rc == TOLK_STORE_OK ? interpreter_note(s, w->note, w->p->id, op) : rc;
}

int sq_interpreter_create(void *state, const struct tolk_interpreter_profile *p,
                          const struct tolk_audit_note *note)
{
    struct profile_args w = {p, note, 0};

    return sq_in_transaction(state, "interpreter_create", profile_body, &w);
}

int sq_interpreter_update(void *state, const struct tolk_interpreter_profile *p,
                          const struct tolk_audit_note *note)
{
    struct profile_args w = {p, note, 1};

    return sq_in_transaction(state, "interpreter_update", profile_body, &w);
}

struct slots_args {
    int64_t id;
    const struct tolk_store_slot *slots;
    size_t n;
    const struct tolk_audit_note *note;
};

static int slots_body(struct sq *s, void *arg)
{
    static const char op[] = "interpreter_set_slots";
    struct slots_args *a = arg;
    sqlite3_int64 found = 0;
    int rc = count_rows(s, "SELECT count(*) FROM interpreters WHERE id = ?1 AND ?2 = ?2", op, a->id,
                        0, &found);

    if (rc == TOLK_STORE_OK && found == 0)
        return sq_fail(s, TOLK_STORE_ENOTFOUND, "%s: no such interpreter", op);
    if (rc == TOLK_STORE_OK)
        rc = write_slots(s, a->id, a->slots, a->n, op);
    return rc == TOLK_STORE_OK ? interpreter_note(s, a->note, a->id, op) : rc;
}

int sq_interpreter_set_slots(void *state, int64_t id, const struct tolk_store_slot *slots, size_t n,
                             const struct tolk_audit_note *note)
{
    struct slots_args a = {id, slots, n, note};

    return sq_in_transaction(state, "interpreter_set_slots", slots_body, &a);
}

struct exception_args {
    int64_t id;
    struct tolk_store_exception *e;
    int64_t now;
    const struct tolk_audit_note *note;
};

static int exception_body(struct sq *s, void *arg)
{
    static const char op[] = "interpreter_exception_add";
    struct exception_args *a = arg;
    sqlite3_int64 found = 0, count = 0;
    int rc = count_rows(s, "SELECT count(*) FROM interpreters WHERE id = ?1 AND ?2 = ?2", op, a->id,
                        0, &found);

    if (rc == TOLK_STORE_OK && found == 0)
        return sq_fail(s, TOLK_STORE_ENOTFOUND, "%s: no such interpreter", op);
    if (rc == TOLK_STORE_OK)
        rc = exec_ints(s,
                       "DELETE FROM interpreter_exceptions WHERE interpreter_id = ?1"
                       " AND ends_at <= ?2",
                       op, 2, a->id, a->now);
    if (rc == TOLK_STORE_OK)
        rc = count_rows(s,
                        "SELECT count(*) FROM interpreter_exceptions WHERE interpreter_id = ?1"
                        " AND ?2 = ?2",
                        op, a->id, 0, &count);
    if (rc == TOLK_STORE_OK && count >= TOLK_INTERPRETER_EXCEPTIONS_MAX)
        return sq_fail(s, TOLK_STORE_ECONSTRAINT, "%s: too many exceptions to come", op);
    if (rc == TOLK_STORE_OK)
        rc = exec_ints(s,
                       "INSERT INTO interpreter_exceptions (interpreter_id, starts_at, ends_at)"
                       " VALUES (?1, ?2, ?3)",
                       op, 3, a->id, a->e->starts_at, a->e->ends_at);
    if (rc != TOLK_STORE_OK)
        return rc;
    a->e->id = sqlite3_last_insert_rowid(s->db);
    return interpreter_note(s, a->note, a->id, op);
}

int sq_interpreter_exception_add(void *state, int64_t id, struct tolk_store_exception *e,
                                 int64_t now, const struct tolk_audit_note *note)
{
    struct exception_args a = {id, e, now, note};
    int rc = sq_in_transaction(state, "interpreter_exception_add", exception_body, &a);

    if (rc != TOLK_STORE_OK)
        e->id = 0;
    return rc;
}

/* Steps Q (bound) over its rows, handing each to ROW; finalizes Q. */
static int each_row(struct sq *s, sqlite3_stmt *q, int rc, const char *op,
                    void (*row)(sqlite3_stmt *, void *), void *arg)
{
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        row(q, arg);
        rc = SQLITE_OK;
    }
    return finish(s, q, rc, op);
}

static void pair_row(sqlite3_stmt *q, void *arg)
{
    struct tolk_interpreter_profile *p = arg;

    if (p->n_pairs < TOLK_INTERPRETER_PAIRS_MAX) {
        copy_column(q, 0, p->pairs[p->n_pairs].a, sizeof(p->pairs[0].a));
        copy_column(q, 1, p->pairs[p->n_pairs].b, sizeof(p->pairs[0].b));
        p->n_pairs++;
    }
}

static void slot_row(sqlite3_stmt *q, void *arg)
{
    struct tolk_interpreter_profile *p = arg;

    if (p->n_slots < TOLK_INTERPRETER_SLOTS_MAX) {
        struct tolk_store_slot *sl = &p->slots[p->n_slots++];
        sl->day = sqlite3_column_int(q, 0);
        sl->start_minute = sqlite3_column_int(q, 1);
        sl->end_minute = sqlite3_column_int(q, 2);
    }
}

static void exception_row(sqlite3_stmt *q, void *arg)
{
    struct tolk_interpreter_profile *p = arg;

    if (p->n_exceptions < TOLK_INTERPRETER_EXCEPTIONS_MAX) {
        struct tolk_store_exception *e = &p->exceptions[p->n_exceptions++];
        e->id = sqlite3_column_int64(q, 0);
        e->starts_at = sqlite3_column_int64(q, 1);
        e->ends_at = sqlite3_column_int64(q, 2);
    }
}

static void profile_row(sqlite3_stmt *q, void *arg)
{
    struct tolk_interpreter_profile *p = arg;
    const unsigned char *g = sqlite3_column_text(q, 1);

    p->id = sqlite3_column_int64(q, 4);
    copy_column(q, 0, p->code, sizeof(p->code));
    p->gender = g != NULL ? (char)g[0] : 0;
    copy_column(q, 2, p->zone, sizeof(p->zone));
    p->created_at = sqlite3_column_int64(q, 3);
}

static int get_body_interpreter(struct sq *s, void *arg)
{
    static const char op[] = "interpreter_get";
    static const char *const sql[] = {
        "SELECT code, gender, zone, created_at, id FROM interpreters WHERE id = ?1",
        "SELECT tag_a, tag_b FROM interpreter_pairs WHERE interpreter_id = ?1 ORDER BY position",
        "SELECT day, start_minute, end_minute FROM interpreter_slots WHERE interpreter_id = ?1"
        " ORDER BY position",
        "SELECT id, starts_at, ends_at FROM interpreter_exceptions WHERE interpreter_id = ?1"
        " ORDER BY starts_at, id",
    };
    void (*const rows[])(sqlite3_stmt *, void *) = {profile_row, pair_row, slot_row, exception_row};
    struct tolk_interpreter_profile *p = arg;
    int64_t id = p->id;

    memset(p, 0, sizeof(*p));
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
        sqlite3_stmt *q;
        int rc = sq_prepare(s, sql[i], op, &q);
        if (rc == TOLK_STORE_OK)
            rc = each_row(s, q, sqlite3_bind_int64(q, 1, id), op, rows[i], p);
        if (rc != TOLK_STORE_OK)
            return rc;
        if (i == 0 && p->id != id)
            return sq_fail(s, TOLK_STORE_ENOTFOUND, "%s: no such interpreter", op);
    }
    return TOLK_STORE_OK;
}

int sq_interpreter_get(void *state, int64_t id, struct tolk_interpreter_profile *out)
{
    int rc;

    out->id = id;
    rc = sq_in_transaction(state, "interpreter_get", get_body_interpreter, out);
    if (rc != TOLK_STORE_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

int sq_interpreter_list(void *state, int64_t after_id, struct tolk_interpreter_summary *out,
                        size_t cap, size_t *n)
{
    static const char op[] = "interpreter_list";
    struct sq *s = state;
    sqlite3_stmt *q;
    int rc = sq_prepare(s, "SELECT id, code FROM interpreters WHERE id > ?1 ORDER BY id LIMIT ?2",
                        op, &q);

    *n = 0;
    if (rc != TOLK_STORE_OK)
        return rc;
    rc = sqlite3_bind_int64(q, 1, after_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 2, (sqlite3_int64)cap);
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW && *n < cap) {
        out[*n].id = sqlite3_column_int64(q, 0);
        copy_column(q, 1, out[*n].code, sizeof(out[*n].code));
        (*n)++;
        rc = SQLITE_OK;
    }
    rc = finish(s, q, rc, op);
    if (rc != TOLK_STORE_OK)
        *n = 0;
    return rc;
}

/* A page of profiles being read: rows of the lists, in interpreter order, go to their profile. */
struct profiles_args {
    int64_t after_id;
    struct tolk_interpreter_profile *out;
    size_t cap, n;
    size_t at;                               /* the profile the last row went to */
    int id_column;                           /* where the list's rows have interpreter_id */
    void (*row)(sqlite3_stmt *q, void *arg); /* pair_row, slot_row or exception_row */
};

static void page_row(sqlite3_stmt *q, void *arg)
{
    struct profiles_args *a = arg;
    int64_t id = sqlite3_column_int64(q, a->id_column);

    while (a->at < a->n && a->out[a->at].id < id)
        a->at++;
    if (a->at < a->n && a->out[a->at].id == id)
        a->row(q, &a->out[a->at]);
}

static void page_profile_row(sqlite3_stmt *q, void *arg)
{
    struct profiles_args *a = arg;

    if (a->n < a->cap) {
        memset(&a->out[a->n], 0, sizeof(a->out[0]));
        profile_row(q, &a->out[a->n++]);
    }
}

/* The lists are read with the same row functions as interpreter_get, the id in the last column. */
static int profiles_body(struct sq *s, void *arg)
{
    static const char op[] = "interpreter_profiles";
    static const char *const sql[] = {
        "SELECT tag_a, tag_b, interpreter_id FROM interpreter_pairs"
        " WHERE interpreter_id > ?1 AND interpreter_id <= ?2 ORDER BY interpreter_id, position",
        "SELECT day, start_minute, end_minute, interpreter_id FROM interpreter_slots"
        " WHERE interpreter_id > ?1 AND interpreter_id <= ?2 ORDER BY interpreter_id, position",
        "SELECT id, starts_at, ends_at, interpreter_id FROM interpreter_exceptions"
        " WHERE interpreter_id > ?1 AND interpreter_id <= ?2"
        " ORDER BY interpreter_id, starts_at, id",
    };
    static const int id_columns[] = {2, 3, 3};
    void (*const rows[])(sqlite3_stmt *, void *) = {pair_row, slot_row, exception_row};
    struct profiles_args *a = arg;
    sqlite3_stmt *q;
    int rc = sq_prepare(s,
                        "SELECT code, gender, zone, created_at, id FROM interpreters WHERE id > ?1"
                        " ORDER BY id LIMIT ?2",
                        op, &q);

    a->n = 0;
    if (rc == TOLK_STORE_OK) {
        int b = sqlite3_bind_int64(q, 1, a->after_id);
        if (b == SQLITE_OK)
            b = sqlite3_bind_int64(q, 2, (sqlite3_int64)a->cap);
        rc = each_row(s, q, b, op, page_profile_row, a);
    }
    for (size_t i = 0; rc == TOLK_STORE_OK && a->n > 0 && i < sizeof(sql) / sizeof(sql[0]); i++) {
        a->at = 0;
        a->id_column = id_columns[i];
        a->row = rows[i];
        rc = sq_prepare(s, sql[i], op, &q);
        if (rc != TOLK_STORE_OK)
            break;
        int b = sqlite3_bind_int64(q, 1, a->after_id);
        if (b == SQLITE_OK)
            b = sqlite3_bind_int64(q, 2, a->out[a->n - 1].id);
        rc = each_row(s, q, b, op, page_row, a);
    }
    return rc;
}

int sq_interpreter_profiles(void *state, int64_t after_id, struct tolk_interpreter_profile *out,
                            size_t cap, size_t *n)
{
    struct profiles_args a = {.after_id = after_id, .out = out, .cap = cap};
    int rc = sq_in_transaction(state, "interpreter_profiles", profiles_body, &a);

    *n = rc == TOLK_STORE_OK ? a.n : 0;
    return rc;
}

/* ---- Clinicians -------------------------------------------------------------------------- */

static int write_clinician_lists(struct sq *s, const struct tolk_clinician_profile *p,
                                 const char *op)
{
    sqlite3_stmt *q;
    int rc = exec_ints(s, "DELETE FROM clinician_languages WHERE clinician_id = ?1", op, 1, p->id);

    for (size_t i = 0; rc == TOLK_STORE_OK && i < p->n_languages; i++) {
        rc = sq_prepare(s, "INSERT INTO clinician_languages VALUES (?1, ?2, ?3)", op, &q);
        if (rc != TOLK_STORE_OK)
            return rc;
        int b = sqlite3_bind_int64(q, 1, p->id);
        if (b == SQLITE_OK)
            b = sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
        if (b == SQLITE_OK)
            b = bind_text(q, 3, p->languages[i]);
        rc = finish(s, q, b, op);
    }
    if (rc == TOLK_STORE_OK)
        rc = exec_ints(s, "DELETE FROM clinician_hours WHERE clinician_id = ?1", op, 1, p->id);
    for (size_t i = 0; rc == TOLK_STORE_OK && i < p->n_hours; i++)
        rc = exec_ints(s, "INSERT INTO clinician_hours VALUES (?1, ?2, ?3, ?4, ?5)", op, 5, p->id,
                       (int64_t)i, (int64_t)p->hours[i].day, (int64_t)p->hours[i].start_minute,
                       (int64_t)p->hours[i].end_minute);
    return rc;
}

struct clinician_args {
    const struct tolk_clinician_profile *p;
    const struct tolk_audit_note *note;
    int update;
};

static int clinician_body(struct sq *s, void *arg)
{
    struct clinician_args *w = arg;
    const char *op = w->update ? "clinician_update" : "clinician_create";
    char subject[TOLK_STORE_REF_MAX];
    sqlite3_int64 found = 0;
    sqlite3_stmt *q;
    int rc = count_rows(s,
                        w->update ? "SELECT count(*) FROM clinicians WHERE id = ?1 AND ?2 = ?2"
                                  : "SELECT count(*) FROM accounts WHERE id = ?1 AND ?2 = ?2"
                                    " AND role = 'clinician'",
                        op, w->p->id, 0, &found);

    if (rc == TOLK_STORE_OK && found == 0)
        return sq_fail(s, TOLK_STORE_ENOTFOUND, "%s: no such clinician", op);
    if (rc == TOLK_STORE_OK)
        rc = sq_prepare(s,
                        w->update
                            ? "UPDATE clinicians SET zone = ?1 WHERE id = ?2 AND ?3 = ?3"
                            : "INSERT INTO clinicians (zone, id, created_at) VALUES (?1, ?2, ?3)",
                        op, &q);
    if (rc != TOLK_STORE_OK)
        return rc;
    rc = bind_text(q, 1, w->p->zone);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 2, w->p->id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 3, w->p->created_at);
    rc = finish(s, q, rc, op);
    if (rc == TOLK_STORE_ECONSTRAINT)
        return sq_fail(s, rc, "%s: the account has a profile already", op);
    if (rc == TOLK_STORE_OK)
        rc = write_clinician_lists(s, w->p, op);
    if (rc != TOLK_STORE_OK || w->note == NULL)
        return rc;
    snprintf(subject, sizeof(subject), "clinician:%" PRId64, w->p->id);
    return sq_audit_append_locked(s, w->note->key, w->note->actor, w->note->action, subject,
                                  w->note->detail, w->note->at, op);
}

int sq_clinician_create(void *state, const struct tolk_clinician_profile *p,
                        const struct tolk_audit_note *note)
{
    struct clinician_args w = {p, note, 0};

    return sq_in_transaction(state, "clinician_create", clinician_body, &w);
}

int sq_clinician_update(void *state, const struct tolk_clinician_profile *p,
                        const struct tolk_audit_note *note)
{
    struct clinician_args w = {p, note, 1};

    return sq_in_transaction(state, "clinician_update", clinician_body, &w);
}

static void clinician_row(sqlite3_stmt *q, void *arg)
{
    struct tolk_clinician_profile *p = arg;

    p->id = sqlite3_column_int64(q, 0);
    copy_column(q, 1, p->zone, sizeof(p->zone));
    p->created_at = sqlite3_column_int64(q, 2);
}

static void clinician_language_row(sqlite3_stmt *q, void *arg)
{
    struct tolk_clinician_profile *p = arg;

    if (p->n_languages < TOLK_CLINICIAN_LANGUAGES_MAX) {
        copy_column(q, 0, p->languages[p->n_languages], sizeof(p->languages[0]));
        p->n_languages++;
    }
}

static void clinician_hours_row(sqlite3_stmt *q, void *arg)
{
    struct tolk_clinician_profile *p = arg;

    if (p->n_hours < TOLK_INTERPRETER_SLOTS_MAX) {
        struct tolk_store_slot *sl = &p->hours[p->n_hours++];
        sl->day = sqlite3_column_int(q, 0);
        sl->start_minute = sqlite3_column_int(q, 1);
        sl->end_minute = sqlite3_column_int(q, 2);
    }
}

static int clinician_get_body(struct sq *s, void *arg)
{
    static const char op[] = "clinician_get";
    static const char *const sql[] = {
        "SELECT id, zone, created_at FROM clinicians WHERE id = ?1",
        "SELECT tag FROM clinician_languages WHERE clinician_id = ?1 ORDER BY position",
        ("SELECT day, start_minute, end_minute FROM clinician_hours WHERE clinician_id = ?1"
         " ORDER BY position"),
    };
    void (*const rows[])(sqlite3_stmt *, void *) = {clinician_row, clinician_language_row,
                                                    clinician_hours_row};
    struct tolk_clinician_profile *p = arg;
    int64_t id = p->id;

    memset(p, 0, sizeof(*p));
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
        sqlite3_stmt *q;
        int rc = sq_prepare(s, sql[i], op, &q);
        if (rc == TOLK_STORE_OK)
            rc = each_row(s, q, sqlite3_bind_int64(q, 1, id), op, rows[i], p);
        if (rc != TOLK_STORE_OK)
            return rc;
        if (i == 0 && p->id != id)
            return sq_fail(s, TOLK_STORE_ENOTFOUND, "%s: no such clinician", op);
    }
    return TOLK_STORE_OK;
}

int sq_clinician_get(void *state, int64_t id, struct tolk_clinician_profile *out)
{
    int rc;

    out->id = id;
    rc = sq_in_transaction(state, "clinician_get", clinician_get_body, out);
    if (rc != TOLK_STORE_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}

int sq_clinician_list(void *state, int64_t after_id, int64_t *ids, size_t cap, size_t *n)
{
    static const char op[] = "clinician_list";
    struct sq *s = state;
    sqlite3_stmt *q;
    int rc = sq_prepare(s, "SELECT id FROM clinicians WHERE id > ?1 ORDER BY id LIMIT ?2", op, &q);

    *n = 0;
    if (rc != TOLK_STORE_OK)
        return rc;
    rc = sqlite3_bind_int64(q, 1, after_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 2, (sqlite3_int64)cap);
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW && *n < cap) {
        ids[(*n)++] = sqlite3_column_int64(q, 0);
        rc = SQLITE_OK;
    }
    rc = finish(s, q, rc, op);
    if (rc != TOLK_STORE_OK)
        *n = 0;
    return rc;
}
