/*
 * Accounts, bearer tokens and login failures in the SQLite backend (store.h, "Accounts";
 * migration 5 in store_sqlite.c holds the tables).
 *
 * Every change that carries an audit note writes the change and the note's entry in one write
 * transaction: an account is never created, disabled or logged in without its entry, and an
 * entry never claims a change that was rolled back. Messages name the operation, never a
 * username, hash or key.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit_chain.h"
#include "store_sqlite_internal.h"

/*
 * Appends NOTE's entry (SUBJECT overrides the note's own when not NULL) inside the caller's
 * write transaction. NULL NOTE is nothing to do.
 */
static int note_locked(struct sq *s, const struct tolk_audit_note *note, const char *subject,
                       const char *op)
{
    if (note == NULL)
        return TOLK_STORE_OK;
    return sq_audit_append_locked(s, note->key, note->actor, note->action,
                                  subject != NULL ? subject : note->subject, note->detail, note->at,
                                  op);
}

/* Steps Q, which binds nothing more, and reads one integer; a store status. */
static int step_int64(struct sq *s, sqlite3_stmt *q, const char *op, sqlite3_int64 *out)
{
    int rc = sqlite3_step(q);
    int status = TOLK_STORE_OK;

    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(q, 0);
    else
        status = sq_db_fail(s, rc == SQLITE_DONE ? SQLITE_ERROR : rc, op);
    sq_done(q);
    return status;
}

/* Runs statement ID with ?1 = A and, when B_USED, ?2 = B; *changes gets the rows changed. */
static int run_ints(struct sq *s, enum stmt_id id, const char *op, sqlite3_int64 a, int b_used,
                    sqlite3_int64 b, sqlite3_int64 *changes)
{
    sqlite3_stmt *q = s->stmt[id];
    int rc = sqlite3_bind_int64(q, 1, a);

    if (rc == SQLITE_OK && b_used)
        rc = sqlite3_bind_int64(q, 2, b);
    if (rc != SQLITE_OK) {
        sq_done(q);
        return sq_db_fail(s, rc, op);
    }
    rc = sq_run(s, id, op);
    if (rc == TOLK_STORE_OK && changes != NULL)
        *changes = sqlite3_changes64(s->db);
    return rc;
}

struct create_args {
    struct tolk_account *a;
    int bootstrap;
    const struct tolk_audit_note *note;
    const char *op;
};

static int create_body(struct sq *s, void *arg)
{
    struct create_args *c = arg;
    sqlite3_stmt *q = s->stmt[ST_ACCOUNT_ADD];
    char subject[TOLK_STORE_REF_MAX];
    sqlite3_int64 admins = 0;
    int rc;

    if (c->bootstrap) {
        sqlite3_stmt *count = s->stmt[ST_ACCOUNT_COUNT_ROLE];
        rc = bind_text(count, 1, "admin");
        rc = rc == SQLITE_OK ? step_int64(s, count, c->op, &admins) : sq_db_fail(s, rc, c->op);
        if (rc != TOLK_STORE_OK)
            return rc;
        if (admins > 0)
            return sq_fail(s, TOLK_STORE_ECONSTRAINT, "%s: an admin account exists already", c->op);
    }
    rc = bind_text(q, 1, c->a->username);
    if (rc == SQLITE_OK)
        rc = bind_text(q, 2, tolk_account_role_name(c->a->role));
    if (rc == SQLITE_OK)
        rc = bind_text(q, 3, c->a->password_hash);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int(q, 4, c->a->disabled);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 5, c->a->created_at);
    if (rc != SQLITE_OK) {
        sq_done(q);
        return sq_db_fail(s, rc, c->op);
    }
    rc = sq_run(s, ST_ACCOUNT_ADD, c->op);
    if (rc == TOLK_STORE_ECONSTRAINT)
        return sq_fail(s, rc, "%s: that username is taken", c->op);
    if (rc != TOLK_STORE_OK)
        return rc;
    c->a->id = sqlite3_last_insert_rowid(s->db);
    snprintf(subject, sizeof(subject), "account:%" PRId64, c->a->id);
    return note_locked(s, c->note, subject, c->op);
}

int sq_account_create(void *state, struct tolk_account *a, int bootstrap,
                      const struct tolk_audit_note *note)
{
    struct create_args c = {a, bootstrap, note, bootstrap ? "account_bootstrap" : "account_create"};
    int rc = sq_in_transaction(state, c.op, create_body, &c);

    if (rc != TOLK_STORE_OK)
        a->id = 0;
    return rc;
}

/* Reads the current row (id, username, role, password_hash, disabled, created_at) into OUT. */
static int read_account(struct sq *s, sqlite3_stmt *q, const char *op, struct tolk_account *out)
{
    const unsigned char *name = sqlite3_column_text(q, 1);
    const unsigned char *role = sqlite3_column_text(q, 2);
    const unsigned char *hash = sqlite3_column_text(q, 3);
    size_t name_len = (size_t)sqlite3_column_bytes(q, 1);
    size_t hash_len = (size_t)sqlite3_column_bytes(q, 3);

    memset(out, 0, sizeof(*out));
    if (name == NULL || role == NULL || hash == NULL || name_len >= sizeof(out->username) ||
        hash_len >= sizeof(out->password_hash) ||
        tolk_account_role_parse((const char *)role, &out->role) != 0)
        return sq_fail(s, TOLK_STORE_ECORRUPT, "%s: a stored account does not fit its fields", op);
    out->id = sqlite3_column_int64(q, 0);
    memcpy(out->username, name, name_len);
    memcpy(out->password_hash, hash, hash_len);
    out->disabled = sqlite3_column_int(q, 4) != 0;
    out->created_at = sqlite3_column_int64(q, 5);
    return TOLK_STORE_OK;
}

/* Steps Q (bound by the caller) for at most one account row. */
static int one_account(struct sq *s, sqlite3_stmt *q, int bound, const char *op,
                       struct tolk_account *out)
{
    int rc = bound;
    int status;

    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        status = read_account(s, q, op, out);
    else if (rc == SQLITE_DONE)
        status = sq_fail(s, TOLK_STORE_ENOTFOUND, "%s: no such account", op);
    else
        status = sq_db_fail(s, rc, op);
    sq_done(q);
    return status;
}

int sq_account_find(void *state, const char *username, struct tolk_account *out)
{
    struct sq *s = state;
    sqlite3_stmt *q = s->stmt[ST_ACCOUNT_FIND];

    return one_account(s, q, bind_text(q, 1, username), "account_find", out);
}

int sq_account_get(void *state, int64_t id, struct tolk_account *out)
{
    struct sq *s = state;
    sqlite3_stmt *q = s->stmt[ST_ACCOUNT_GET];

    return one_account(s, q, sqlite3_bind_int64(q, 1, id), "account_get", out);
}

int sq_account_count_role(void *state, enum tolk_account_role role, uint64_t *count)
{
    struct sq *s = state;
    sqlite3_stmt *q = s->stmt[ST_ACCOUNT_COUNT_ROLE];
    sqlite3_int64 n = 0;
    int rc = bind_text(q, 1, tolk_account_role_name(role));

    if (rc != SQLITE_OK) {
        sq_done(q);
        return sq_db_fail(s, rc, "account_count_role");
    }
    rc = step_int64(s, q, "account_count_role", &n);
    if (rc == TOLK_STORE_OK)
        *count = n > 0 ? (uint64_t)n : 0;
    return rc;
}

/* One statement, hence one snapshot; *n is set only when the whole page was read. */
int sq_account_list(void *state, int64_t after_id, struct tolk_account *out, size_t cap, size_t *n)
{
    struct sq *s = state;
    sqlite3_stmt *q = s->stmt[ST_ACCOUNT_LIST];
    sqlite3_int64 limit = cap > (size_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)cap;
    int status = TOLK_STORE_OK;
    size_t count = 0;
    int rc = sqlite3_bind_int64(q, 1, after_id);

    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 2, limit);
    while (rc == SQLITE_OK && count < cap && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        status = read_account(s, q, "account_list", &out[count]);
        if (status != TOLK_STORE_OK)
            break;
        count++;
        rc = SQLITE_OK;
    }
    if (status == TOLK_STORE_OK && rc != SQLITE_OK && rc != SQLITE_DONE)
        status = sq_db_fail(s, rc, "account_list");
    sq_done(q);
    if (status == TOLK_STORE_OK)
        *n = count;
    return status;
}

struct disable_args {
    int64_t id;
    int disabled;
    const struct tolk_audit_note *note;
};

static int disable_body(struct sq *s, void *arg)
{
    static const char op[] = "account_set_disabled";
    struct disable_args *d = arg;
    sqlite3_int64 changed = 0;
    int rc = run_ints(s, ST_ACCOUNT_SET_DISABLED, op, d->id, 1, d->disabled, &changed);

    if (rc == TOLK_STORE_OK && changed == 0)
        return sq_fail(s, TOLK_STORE_ENOTFOUND, "%s: no such account", op);
    if (rc == TOLK_STORE_OK && d->disabled)
        rc = run_ints(s, ST_AUTH_TOKENS_REVOKE_ACCOUNT, op, d->id, 0, 0, NULL);
    if (rc == TOLK_STORE_OK)
        rc = note_locked(s, d->note, NULL, op);
    return rc;
}

int sq_account_set_disabled(void *state, int64_t id, int disabled,
                            const struct tolk_audit_note *note)
{
    struct disable_args d = {id, disabled, note};

    return sq_in_transaction(state, "account_set_disabled", disable_body, &d);
}

int sq_account_set_password_hash(void *state, int64_t id, const char *hash)
{
    static const char op[] = "account_set_password_hash";
    struct sq *s = state;
    sqlite3_stmt *q = s->stmt[ST_ACCOUNT_SET_HASH];
    int rc = sqlite3_bind_int64(q, 1, id);

    if (rc == SQLITE_OK)
        rc = bind_text(q, 2, hash);
    if (rc != SQLITE_OK) {
        sq_done(q);
        return sq_db_fail(s, rc, op);
    }
    rc = sq_run(s, ST_ACCOUNT_SET_HASH, op);
    if (rc == TOLK_STORE_OK && sqlite3_changes64(s->db) == 0)
        return sq_fail(s, TOLK_STORE_ENOTFOUND, "%s: no such account", op);
    return rc;
}

struct token_args {
    const struct tolk_auth_token *t;
    const uint8_t *hash;
    const struct tolk_audit_note *note;
};

/* A token whose account does not exist breaks the foreign key: that is "not found" here. */
static int token_add_body(struct sq *s, void *arg)
{
    static const char op[] = "auth_token_add";
    struct token_args *a = arg;
    sqlite3_stmt *q = s->stmt[ST_AUTH_TOKEN_ADD];
    sqlite3_stmt *get = s->stmt[ST_ACCOUNT_GET];
    int rc = sqlite3_bind_int64(get, 1, a->t->account_id);

    if (rc == SQLITE_OK)
        rc = sqlite3_step(get);
    sq_done(get);
    if (rc == SQLITE_DONE)
        return sq_fail(s, TOLK_STORE_ENOTFOUND, "%s: no such account", op);
    if (rc != SQLITE_ROW)
        return sq_db_fail(s, rc, op);
    rc = sqlite3_bind_blob(q, 1, a->t->hash, TOLK_STORE_TOKEN_HASH_BYTES, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 2, a->t->account_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 3, a->t->expires_at);
    if (rc != SQLITE_OK) {
        sq_done(q);
        return sq_db_fail(s, rc, op);
    }
    rc = sq_run(s, ST_AUTH_TOKEN_ADD, op);
    if (rc == TOLK_STORE_OK)
        rc = note_locked(s, a->note, NULL, op);
    return rc;
}

int sq_auth_token_add(void *state, const struct tolk_auth_token *t,
                      const struct tolk_audit_note *note)
{
    struct token_args a = {t, NULL, note};

    return sq_in_transaction(state, "auth_token_add", token_add_body, &a);
}

int sq_auth_token_find(void *state, const uint8_t *hash, struct tolk_auth_grant *out)
{
    struct sq *s = state;
    sqlite3_stmt *q = s->stmt[ST_AUTH_TOKEN_FIND];
    int rc = sqlite3_bind_blob(q, 1, hash, TOLK_STORE_TOKEN_HASH_BYTES, SQLITE_STATIC);
    int status = TOLK_STORE_OK;

    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const unsigned char *role = sqlite3_column_text(q, 1);
        memset(out, 0, sizeof(*out));
        out->account_id = sqlite3_column_int64(q, 0);
        if (role == NULL || tolk_account_role_parse((const char *)role, &out->role) != 0)
            status = sq_fail(s, TOLK_STORE_ECORRUPT, "auth_token_find: a stored role is unknown");
        out->account_disabled = sqlite3_column_int(q, 2) != 0;
        out->expires_at = sqlite3_column_int64(q, 3);
        out->revoked = sqlite3_column_int(q, 4) != 0;
    } else if (rc == SQLITE_DONE) {
        status = sq_fail(s, TOLK_STORE_ENOTFOUND, "auth_token_find: no such token");
    } else {
        status = sq_db_fail(s, rc, "auth_token_find");
    }
    sq_done(q);
    return status;
}

static int token_revoke_body(struct sq *s, void *arg)
{
    static const char op[] = "auth_token_revoke";
    struct token_args *a = arg;
    sqlite3_stmt *q = s->stmt[ST_AUTH_TOKEN_REVOKE];
    int rc = sqlite3_bind_blob(q, 1, a->hash, TOLK_STORE_TOKEN_HASH_BYTES, SQLITE_STATIC);

    if (rc != SQLITE_OK) {
        sq_done(q);
        return sq_db_fail(s, rc, op);
    }
    rc = sq_run(s, ST_AUTH_TOKEN_REVOKE, op);
    if (rc == TOLK_STORE_OK && sqlite3_changes64(s->db) == 0)
        return sq_fail(s, TOLK_STORE_ENOTFOUND, "%s: no such token", op);
    if (rc == TOLK_STORE_OK)
        rc = note_locked(s, a->note, NULL, op);
    return rc;
}

int sq_auth_token_revoke(void *state, const uint8_t *hash, const struct tolk_audit_note *note)
{
    struct token_args a = {NULL, hash, note};

    return sq_in_transaction(state, "auth_token_revoke", token_revoke_body, &a);
}

struct purge_args {
    enum stmt_id id;
    const char *op;
    int64_t before;
    sqlite3_int64 changes;
};

static int purge_body(struct sq *s, void *arg)
{
    struct purge_args *p = arg;

    return run_ints(s, p->id, p->op, p->before, 0, 0, &p->changes);
}

/* One DELETE in an explicit transaction; *purged is set once it is committed. */
static int purge(struct sq *s, enum stmt_id id, const char *op, int64_t before, uint64_t *purged)
{
    struct purge_args p = {id, op, before, 0};
    int rc = sq_in_transaction(s, op, purge_body, &p);

    if (rc == TOLK_STORE_OK)
        *purged = (uint64_t)p.changes;
    return rc;
}

int sq_auth_tokens_purge(void *state, int64_t before, uint64_t *purged)
{
    return purge(state, ST_AUTH_TOKENS_PURGE, "auth_tokens_purge", before, purged);
}

int sq_login_failure_get(void *state, const char *key, struct tolk_login_failures *out)
{
    struct sq *s = state;
    sqlite3_stmt *q = s->stmt[ST_LOGIN_FAILURE_GET];
    int rc = bind_text(q, 1, key);
    int status = TOLK_STORE_OK;

    memset(out, 0, sizeof(*out));
    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        sqlite3_int64 f = sqlite3_column_int64(q, 0);
        out->failures = f < 0 ? 0 : f > UINT32_MAX ? UINT32_MAX : (uint32_t)f;
        out->last_at = sqlite3_column_int64(q, 1);
    } else if (rc != SQLITE_DONE) {
        status = sq_db_fail(s, rc, "login_failure_get");
    }
    sq_done(q);
    return status;
}

struct record_args {
    const char *const *keys;
    size_t n;
    int64_t at, forget_before;
    uint32_t *counts;
    const struct tolk_audit_note *note;
};

/* The upsert returns the key's new count (RETURNING), read before the statement is reset. */
static int record_one(struct sq *s, const char *key, int64_t at, int64_t forget_before,
                      uint32_t *count)
{
    static const char op[] = "login_failure_record";
    sqlite3_stmt *q = s->stmt[ST_LOGIN_FAILURE_RECORD];
    sqlite3_int64 n = 0;
    int rc = bind_text(q, 1, key);

    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 2, at);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 3, forget_before);
    if (rc != SQLITE_OK) {
        sq_done(q);
        return sq_db_fail(s, rc, op);
    }
    rc = step_int64(s, q, op, &n);
    if (rc == TOLK_STORE_OK && count != NULL)
        *count = n < 0 ? 0 : n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
    return rc;
}

static int record_body(struct sq *s, void *arg)
{
    struct record_args *r = arg;
    int rc = TOLK_STORE_OK;

    for (size_t i = 0; rc == TOLK_STORE_OK && i < r->n; i++)
        rc = record_one(s, r->keys[i], r->at, r->forget_before,
                        r->counts != NULL ? &r->counts[i] : NULL);
    if (rc == TOLK_STORE_OK)
        rc = note_locked(s, r->note, NULL, "login_failure_record");
    return rc;
}

int sq_login_failure_record(void *state, const char *const *keys, size_t n, int64_t at,
                            int64_t forget_before, uint32_t *counts,
                            const struct tolk_audit_note *note)
{
    struct record_args r = {keys, n, at, forget_before, counts, note};

    return sq_in_transaction(state, "login_failure_record", record_body, &r);
}

int sq_login_failure_reset(void *state, const char *key)
{
    struct sq *s = state;
    sqlite3_stmt *q = s->stmt[ST_LOGIN_FAILURE_RESET];
    int rc = bind_text(q, 1, key);

    if (rc != SQLITE_OK) {
        sq_done(q);
        return sq_db_fail(s, rc, "login_failure_reset");
    }
    return sq_run(s, ST_LOGIN_FAILURE_RESET, "login_failure_reset");
}

int sq_login_failures_purge(void *state, int64_t before, uint64_t *purged)
{
    return purge(state, ST_LOGIN_FAILURES_PURGE, "login_failures_purge", before, purged);
}
