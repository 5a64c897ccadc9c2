/*
 * The audit log in the SQLite backend: store.h ("Audit log") says what it promises,
 * audit_chain.h how entries are chained, and migration 4 in store_sqlite.c holds the tables and
 * the triggers that keep audit_log append-only.
 *
 * Every change runs in one write transaction (BEGIN IMMEDIATE), which reads the last link of the
 * chain and writes the next: two writers, even in two processes, take turns and never both
 * extend the same entry. Verification runs in one read snapshot, stepping one row at a time, so
 * it needs the same memory for ten entries as for ten million and never sees a purge half done.
 *
 * Messages name the operation and, for a broken chain, the seq where it broke; never an entry's
 * texts.
 */
#include "audit_chain.h"
#include "store_sqlite_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/*
 * Steps statement ID, which returns at most one (seq, hash) row: the chain's last entry or its
 * anchor. *found says whether there was a row; SEQ and HASH are written only if there was.
 */
static int read_link(struct sq *s, enum stmt_id id, const char *op, uint64_t *seq,
                     uint8_t hash[TOLK_AUDIT_HASH_BYTES], int *found)
{
    sqlite3_stmt *q = s->stmt[id];
    int rc = sqlite3_step(q);
    int status = TOLK_STORE_OK;

    *found = 0;
    if (rc == SQLITE_ROW) {
        sqlite3_int64 v = sqlite3_column_int64(q, 0);
        const void *h = sqlite3_column_blob(q, 1);
        if (v < 0 || h == NULL || sqlite3_column_bytes(q, 1) != TOLK_AUDIT_HASH_BYTES) {
            status = sq_fail(s, TOLK_STORE_ECORRUPT, "%s: a stored audit link is malformed", op);
        } else {
            *seq = (uint64_t)v;
            memcpy(hash, h, TOLK_AUDIT_HASH_BYTES);
            *found = 1;
        }
    } else if (rc != SQLITE_DONE) {
        status = sq_db_fail(s, rc, op);
    }
    sq_done(q);
    return status;
}

/* A new entry's fields, before it has a place in the chain. The texts fit (the dispatcher). */
static void fill_entry(struct tolk_audit_entry *e, const char *actor, const char *action,
                       const char *subject, const char *detail, int64_t at)
{
    memset(e, 0, sizeof(*e));
    snprintf(e->actor, sizeof(e->actor), "%s", actor);
    snprintf(e->action, sizeof(e->action), "%s", action);
    snprintf(e->subject, sizeof(e->subject), "%s", subject);
    snprintf(e->detail, sizeof(e->detail), "%s", detail);
    e->at = at;
}

static int insert_entry(struct sq *s, const struct tolk_audit_entry *e, const char *op)
{
    sqlite3_stmt *q = s->stmt[ST_AUDIT_ADD];
    int rc = sqlite3_bind_int64(q, 1, (sqlite3_int64)e->seq);

    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 2, e->at);
    if (rc == SQLITE_OK)
        rc = bind_text(q, 3, e->actor);
    if (rc == SQLITE_OK)
        rc = bind_text(q, 4, e->action);
    if (rc == SQLITE_OK)
        rc = bind_text(q, 5, e->subject);
    if (rc == SQLITE_OK)
        rc = bind_text(q, 6, e->detail);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(q, 7, e->prev_hash, TOLK_AUDIT_HASH_BYTES, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(q, 8, e->hash, TOLK_AUDIT_HASH_BYTES, SQLITE_STATIC);
    if (rc != SQLITE_OK) {
        rc = sq_db_fail(s, rc, op);
        sq_done(q);
        return rc;
    }
    return sq_run(s, ST_AUDIT_ADD, op);
}

/*
 * Chains E after the last entry (or after the anchor when the log is empty, or after genesis)
 * and inserts it. Must run inside the caller's write transaction: that is what makes the read
 * of the last entry and the insert one step.
 */
static int append_locked(struct sq *s, const uint8_t *key, struct tolk_audit_entry *e,
                         const char *op)
{
    uint64_t last = 0;
    int found = 0;
    int rc = read_link(s, ST_AUDIT_HEAD, op, &last, e->prev_hash, &found);

    if (rc == TOLK_STORE_OK && !found)
        rc = read_link(s, ST_AUDIT_ANCHOR_GET, op, &last, e->prev_hash, &found);
    if (rc != TOLK_STORE_OK)
        return rc;
    if (last >= (uint64_t)INT64_MAX)
        return sq_fail(s, TOLK_STORE_EFULL, "%s: the audit log has no sequence numbers left", op);
    e->seq = last + 1;
    tolk_audit_hash(key, e, e->hash);
    return insert_entry(s, e, op);
}

int sq_audit_append_locked(struct sq *s, const uint8_t *key, const char *actor, const char *action,
                           const char *subject, const char *detail, int64_t at, const char *op)
{
    struct tolk_audit_entry e;
    fill_entry(&e, actor, action, subject, detail, at);
    return append_locked(s, key, &e, op);
}

int sq_audit_append(void *state, const uint8_t *key, const char *actor, const char *action,
                    const char *subject, const char *detail, int64_t at, uint64_t *seq_out)
{
    struct sq *s = state;
    struct tolk_audit_entry e;
    int rc;

    fill_entry(&e, actor, action, subject, detail, at);
    rc = sq_run(s, ST_BEGIN, "audit_append: begin");
    if (rc != TOLK_STORE_OK)
        return rc;
    rc = append_locked(s, key, &e, "audit_append");
    if (rc == TOLK_STORE_OK)
        rc = sq_run(s, ST_COMMIT, "audit_append: commit");
    if (rc != TOLK_STORE_OK) {
        sq_rollback(s);
        return rc;
    }
    if (seq_out != NULL)
        *seq_out = e.seq;
    return TOLK_STORE_OK;
}

/*
 * Copies text column I into DST (CAP bytes). -1 unless the value is text that fits with its NUL
 * and has no NUL inside: cutting or stopping early could turn an edited value back into the one
 * that was hashed.
 */
static int copy_text_column(sqlite3_stmt *q, int i, char *dst, size_t cap)
{
    const unsigned char *t;
    size_t n;

    if (sqlite3_column_type(q, i) != SQLITE_TEXT)
        return -1;
    t = sqlite3_column_text(q, i);
    n = (size_t)sqlite3_column_bytes(q, i);
    if (t == NULL || n >= cap || memchr(t, '\0', n) != NULL)
        return -1;
    memcpy(dst, t, n);
    dst[n] = '\0';
    return 0;
}

static int copy_hash_column(sqlite3_stmt *q, int i, uint8_t dst[TOLK_AUDIT_HASH_BYTES])
{
    const void *b = sqlite3_column_blob(q, i);

    if (sqlite3_column_type(q, i) != SQLITE_BLOB || b == NULL ||
        sqlite3_column_bytes(q, i) != TOLK_AUDIT_HASH_BYTES)
        return -1;
    memcpy(dst, b, TOLK_AUDIT_HASH_BYTES);
    return 0;
}

/*
 * Reads the current row of ST_AUDIT_LIST into E. Returns -1 when the row cannot be an entry the
 * store wrote (a field of the wrong type or too long); E->seq is set either way (0 for a seq
 * below 1, which no entry has).
 */
static int read_entry(sqlite3_stmt *q, struct tolk_audit_entry *e)
{
    sqlite3_int64 seq = sqlite3_column_int64(q, 0);
    int bad = sqlite3_column_type(q, 1) != SQLITE_INTEGER;

    memset(e, 0, sizeof(*e));
    e->seq = seq > 0 ? (uint64_t)seq : 0;
    e->at = sqlite3_column_int64(q, 1);
    bad |= copy_text_column(q, 2, e->actor, sizeof(e->actor)) != 0;
    bad |= copy_text_column(q, 3, e->action, sizeof(e->action)) != 0;
    bad |= copy_text_column(q, 4, e->subject, sizeof(e->subject)) != 0;
    bad |= copy_text_column(q, 5, e->detail, sizeof(e->detail)) != 0;
    bad |= copy_hash_column(q, 6, e->prev_hash) != 0;
    bad |= copy_hash_column(q, 7, e->hash) != 0;
    return bad ? -1 : 0;
}

/*
 * Feeds the entries with seq > AFTER, at most LIMIT of them (-1: all), to V in seq order, and
 * stops at the first fault (which V keeps). Returns a store status: a fault in the chain is not
 * a failure to read it.
 */
static int walk(struct sq *s, struct tolk_audit_verifier *v, sqlite3_int64 after,
                sqlite3_int64 limit, const char *op)
{
    sqlite3_stmt *q = s->stmt[ST_AUDIT_LIST];
    struct tolk_audit_entry e;
    int status = TOLK_STORE_OK;
    int rc = sqlite3_bind_int64(q, 1, after);

    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 2, limit);
    while (rc == SQLITE_OK) {
        rc = sqlite3_step(q);
        if (rc != SQLITE_ROW)
            break;
        if (read_entry(q, &e) != 0)
            (void)tolk_audit_verify_unreadable(v, e.seq);
        else if (tolk_audit_verify_next(v, &e) == TOLK_AUDIT_OK)
            rc = SQLITE_OK;
        if (v->fault != TOLK_AUDIT_OK)
            rc = SQLITE_DONE;
    }
    if (rc != SQLITE_DONE)
        status = sq_db_fail(s, rc, op);
    sq_done(q);
    return status;
}

/* Fills OUT from a finished walk; a broken chain is TOLK_STORE_ECORRUPT. */
static int report(struct sq *s, struct tolk_audit_verifier *v, struct tolk_audit_report *out)
{
    int fault = tolk_audit_verify_finish(v);

    out->ok = fault == TOLK_AUDIT_OK;
    out->reason = (enum tolk_audit_fault)fault;
    out->bad_seq = out->ok ? 0 : v->bad_seq;
    out->count = v->count;
    out->anchor_seq = v->anchor_seq;
    out->head_seq = v->head_seq;
    memcpy(out->head_hash, v->head_hash, TOLK_AUDIT_HASH_BYTES);
    if (out->ok)
        return TOLK_STORE_OK;
    return sq_fail(s, TOLK_STORE_ECORRUPT, "audit_verify: the chain breaks at seq %" PRIu64 ": %s",
                   out->bad_seq, tolk_audit_fault_text(fault));
}

/*
 * The walk starts below 1 so that rows an insider put before the anchor, or with a seq below 1,
 * are seen (as BAD_SEQ) rather than skipped. An anchor that cannot be read is a moved anchor.
 */
int sq_audit_verify(void *state, const uint8_t *key, struct tolk_audit_report *out)
{
    struct sq *s = state;
    struct tolk_audit_verifier v;
    uint8_t anchor_hash[TOLK_AUDIT_HASH_BYTES] = {0};
    uint64_t anchor_seq = 0;
    int found = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = sq_run(s, ST_AUDIT_READ_BEGIN, "audit_verify: begin");
    if (rc != TOLK_STORE_OK)
        return rc;
    rc = read_link(s, ST_AUDIT_ANCHOR_GET, "audit_verify", &anchor_seq, anchor_hash, &found);
    if (rc == TOLK_STORE_ECORRUPT)
        out->reason = TOLK_AUDIT_BAD_ANCHOR;
    if (rc == TOLK_STORE_OK) {
        tolk_audit_verify_begin(&v, key, anchor_seq, anchor_hash);
        rc = walk(s, &v, INT64_MIN, -1, "audit_verify");
    }
    if (rc == TOLK_STORE_OK)
        rc = sq_run(s, ST_COMMIT, "audit_verify: end");
    if (rc != TOLK_STORE_OK) {
        sq_rollback(s);
        return rc;
    }
    return report(s, &v, out);
}

/*
 * The last seq a purge of entries before BEFORE may delete: the one just ahead of the first
 * entry that is not old enough (times need not rise with seq, and a chain must stay one run),
 * and never the newest entry, HEAD. 0 means nothing.
 */
static int purge_end(struct sq *s, int64_t before, uint64_t head, uint64_t *end)
{
    sqlite3_stmt *q = s->stmt[ST_AUDIT_PURGE_END];
    int rc = sqlite3_bind_int64(q, 1, before);
    int status = TOLK_STORE_OK;

    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        sqlite3_int64 first = sqlite3_column_int64(q, 0);
        *end = first > 1 ? (uint64_t)first - 1 : 0;
    } else if (rc == SQLITE_DONE) {
        *end = head;
    } else {
        status = sq_db_fail(s, rc, "audit_purge");
    }
    sq_done(q);
    if (status == TOLK_STORE_OK && *end >= head)
        *end = head > 0 ? head - 1 : 0;
    return status;
}

/*
 * Shows that the entries about to be purged, ANCHOR+1 .. END, still verify, and gets END's
 * hash, which becomes the new anchor. Purging entries that do not verify would replace the
 * evidence of tampering with a clean anchor, so that is refused and nothing is purged.
 */
static int purge_check(struct sq *s, const uint8_t *key, uint64_t anchor,
                       const uint8_t anchor_hash[TOLK_AUDIT_HASH_BYTES], uint64_t end,
                       uint8_t end_hash[TOLK_AUDIT_HASH_BYTES])
{
    struct tolk_audit_verifier v;
    int rc;

    tolk_audit_verify_begin(&v, key, anchor, anchor_hash);
    rc = walk(s, &v, (sqlite3_int64)anchor, (sqlite3_int64)(end - anchor), "audit_purge");
    if (rc != TOLK_STORE_OK)
        return rc;
    if (v.fault == TOLK_AUDIT_OK && v.head_seq != end)
        return sq_fail(s, TOLK_STORE_ECORRUPT,
                       "audit_purge: refused, entries up to seq %" PRIu64 " are missing", end);
    if (v.fault != TOLK_AUDIT_OK)
        return sq_fail(s, TOLK_STORE_ECORRUPT,
                       "audit_purge: refused, the chain breaks at seq %" PRIu64 ": %s", v.bad_seq,
                       tolk_audit_fault_text(v.fault));
    memcpy(end_hash, v.head_hash, TOLK_AUDIT_HASH_BYTES);
    return TOLK_STORE_OK;
}

/*
 * Deletes entries up to END and moves the anchor to (END, END_HASH), under the guard row that
 * the triggers ask for; the guard goes again before the caller commits.
 */
static int purge_through(struct sq *s, uint64_t end, const uint8_t end_hash[TOLK_AUDIT_HASH_BYTES],
                         uint64_t *deleted)
{
    sqlite3_stmt *del = s->stmt[ST_AUDIT_DELETE];
    sqlite3_stmt *anchor = s->stmt[ST_AUDIT_ANCHOR_SET];
    int rc = sq_run(s, ST_AUDIT_GUARD_ON, "audit_purge: guard");

    if (rc != TOLK_STORE_OK)
        return rc;
    if (sqlite3_bind_int64(del, 1, (sqlite3_int64)end) != SQLITE_OK) {
        sq_done(del);
        return sq_db_fail(s, sqlite3_errcode(s->db), "audit_purge");
    }
    rc = sq_run(s, ST_AUDIT_DELETE, "audit_purge");
    if (rc != TOLK_STORE_OK)
        return rc;
    *deleted = (uint64_t)sqlite3_changes64(s->db);
    if (sqlite3_bind_int64(anchor, 1, (sqlite3_int64)end) != SQLITE_OK ||
        sqlite3_bind_blob(anchor, 2, end_hash, TOLK_AUDIT_HASH_BYTES, SQLITE_STATIC) != SQLITE_OK) {
        sq_done(anchor);
        return sq_db_fail(s, sqlite3_errcode(s->db), "audit_purge: anchor");
    }
    rc = sq_run(s, ST_AUDIT_ANCHOR_SET, "audit_purge: anchor");
    if (rc == TOLK_STORE_OK)
        rc = sq_run(s, ST_AUDIT_GUARD_OFF, "audit_purge: guard");
    return rc;
}

/* Everything between BEGIN and COMMIT of a purge; *deleted is set only by a deletion. */
static int purge_locked(struct sq *s, const uint8_t *key, int64_t before, uint64_t *deleted)
{
    static const char op[] = "audit_purge";
    uint8_t anchor_hash[TOLK_AUDIT_HASH_BYTES] = {0}, head_hash[TOLK_AUDIT_HASH_BYTES];
    uint64_t anchor = 0, head = 0, end = 0;
    struct tolk_audit_entry e;
    char detail[TOLK_AUDIT_DETAIL_MAX];
    int found = 0;
    int rc = read_link(s, ST_AUDIT_ANCHOR_GET, op, &anchor, anchor_hash, &found);

    if (rc == TOLK_STORE_OK)
        rc = read_link(s, ST_AUDIT_HEAD, op, &head, head_hash, &found);
    if (rc == TOLK_STORE_OK)
        rc = purge_end(s, before, head, &end);
    if (rc == TOLK_STORE_OK && end > anchor) {
        uint8_t end_hash[TOLK_AUDIT_HASH_BYTES];
        rc = purge_check(s, key, anchor, anchor_hash, end, end_hash);
        if (rc == TOLK_STORE_OK)
            rc = purge_through(s, end, end_hash, deleted);
        anchor = end;
    }
    if (rc != TOLK_STORE_OK)
        return rc;
    if (tolk_audit_purge_detail(detail, sizeof(detail), anchor) != 0)
        return sq_fail(s, TOLK_STORE_EIO, "%s: cannot describe the purge", op);
    fill_entry(&e, "system", TOLK_AUDIT_ACTION_PURGED, "", detail, (int64_t)time(NULL));
    return append_locked(s, key, &e, op);
}

int sq_audit_purge(void *state, const uint8_t *key, int64_t before, uint64_t *purged)
{
    struct sq *s = state;
    uint64_t deleted = 0;
    int rc = sq_run(s, ST_BEGIN, "audit_purge: begin");

    if (rc != TOLK_STORE_OK)
        return rc;
    rc = purge_locked(s, key, before, &deleted);
    if (rc == TOLK_STORE_OK)
        rc = sq_run(s, ST_COMMIT, "audit_purge: commit");
    if (rc != TOLK_STORE_OK) {
        sq_rollback(s);
        return rc;
    }
    *purged = deleted;
    return TOLK_STORE_OK;
}

/* One statement, hence one snapshot: a page never mixes states before and after a purge. */
int sq_audit_list(void *state, uint64_t after_seq, struct tolk_audit_entry *out, size_t cap,
                  size_t *n)
{
    struct sq *s = state;
    sqlite3_stmt *q = s->stmt[ST_AUDIT_LIST];
    sqlite3_int64 after = after_seq > (uint64_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)after_seq;
    sqlite3_int64 limit = cap > (size_t)INT64_MAX ? INT64_MAX : (sqlite3_int64)cap;
    int status = TOLK_STORE_OK;
    size_t count = 0;
    int rc = sqlite3_bind_int64(q, 1, after);

    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 2, limit);
    while (rc == SQLITE_OK && count < cap && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (read_entry(q, &out[count]) != 0) {
            status =
                sq_fail(s, TOLK_STORE_ECORRUPT,
                        "audit_list: entry %" PRIu64 " does not fit its fields", out[count].seq);
            break;
        }
        count++;
        rc = SQLITE_OK;
    }
    if (status == TOLK_STORE_OK && rc != SQLITE_OK && rc != SQLITE_DONE)
        status = sq_db_fail(s, rc, "audit_list");
    sq_done(q);
    if (status == TOLK_STORE_OK)
        *n = count;
    return status;
}
