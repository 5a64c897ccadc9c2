/*
 * Unit tests for the audit log: the chain rule (audit_chain.h) and the store's audit operations
 * (store.h, "Audit log") on the SQLite backend.
 *
 * Tampering is done the way an insider holding only the database file would do it: through a
 * raw SQLite connection of the test's own, dropping the append-only triggers first. Each test
 * gets a fresh directory under /tmp, removed afterwards.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "audit_chain.h"
#include "store.h"
#include "store_fixture.h"
#include "store_sqlite_testing.h"

#include <sodium.h>
#include <sqlite3.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Test keys: plain arrays are fine here; tolkd keeps its key in sodium_malloc'd memory. */
static const uint8_t key[TOLK_AUDIT_KEY_BYTES] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                                  11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                                  22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
static const uint8_t wrong_key[TOLK_AUDIT_KEY_BYTES] = {0xee};

static const char drop_triggers[] = "DROP TRIGGER audit_log_no_update;"
                                    "DROP TRIGGER audit_log_no_delete;"
                                    "DROP TRIGGER audit_anchor_no_insert;"
                                    "DROP TRIGGER audit_anchor_no_update;"
                                    "DROP TRIGGER audit_anchor_no_delete;";

static void assert_one_line(const char *msg)
{
    assert_non_null(msg);
    assert_true(msg[0] != '\0');
    assert_true(strlen(msg) < TOLK_STORE_ERR_MAX);
    assert_null(strchr(msg, '\n'));
}

/* Runs SQL on a raw connection of our own; WANT_ERR NULL means it must succeed. */
static void raw_exec_expect(const char *path, const char *sql, const char *want_err)
{
    sqlite3 *db = NULL;
    char *msg = NULL;
    int rc;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (want_err == NULL) {
        if (rc != SQLITE_OK)
            print_error("raw exec: %s\n", msg != NULL ? msg : "?");
        assert_int_equal(rc, SQLITE_OK);
    } else {
        assert_int_not_equal(rc, SQLITE_OK);
        assert_non_null(msg);
        assert_non_null(strstr(msg, want_err));
    }
    sqlite3_free(msg);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void raw_exec(const char *path, const char *sql)
{
    raw_exec_expect(path, sql, NULL);
}

/* The first column of the first row of SQL as an integer (-1 when there is no row). */
static int64_t raw_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int64_t v = -1;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    if (sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    return v;
}

/* Inserts E as a row, behind the store's back (the insider's forgery). */
static void raw_insert(const char *path, const struct tolk_audit_entry *e)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO audit_log (seq, at, actor, action, subject,"
                                        " detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(q, 1, (sqlite3_int64)e->seq);
    sqlite3_bind_int64(q, 2, e->at);
    sqlite3_bind_text(q, 3, e->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, e->action, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, e->subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, e->detail, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 7, e->prev_hash, TOLK_AUDIT_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(q, 8, e->hash, TOLK_AUDIT_HASH_BYTES, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* Appends one ordinary entry number I at time AT and checks the seq it got. */
static void append_nth(struct tolk_store *st, unsigned i, int64_t at, uint64_t want_seq)
{
    char actor[32], subject[32], detail[32];
    uint64_t seq = 0;
    int rc;

    snprintf(actor, sizeof(actor), "account:%u", i % 7);
    subject[0] = '\0';
    if (i % 3 != 0)
        snprintf(subject, sizeof(subject), "appointment:%u", i);
    snprintf(detail, sizeof(detail), "n=%u,role=client", i);
    rc = tolk_store_audit_append(st, key, actor, i % 2 ? "session_join" : "login_failed", subject,
                                 detail, at, &seq);
    if (rc != TOLK_STORE_OK)
        print_error("append: %s\n", tolk_store_errmsg(st));
    assert_int_equal(rc, TOLK_STORE_OK);
    assert_int_equal(seq, want_seq);
}

static void append_many(struct tolk_store *st, unsigned n)
{
    for (unsigned i = 1; i <= n; i++)
        append_nth(st, i, 1000 + (int64_t)i, i);
}

static void expect_ok(struct tolk_store *st, const uint8_t *k, uint64_t count, uint64_t head)
{
    struct tolk_audit_report r;
    int rc = tolk_store_audit_verify(st, k, &r);

    if (rc != TOLK_STORE_OK)
        print_error("verify: %s\n", tolk_store_errmsg(st));
    assert_int_equal(rc, TOLK_STORE_OK);
    assert_int_equal(r.ok, 1);
    assert_int_equal(r.reason, TOLK_AUDIT_OK);
    assert_int_equal(r.bad_seq, 0);
    assert_int_equal(r.count, count);
    assert_int_equal(r.head_seq, head);
}

static void expect_broken(struct tolk_store *st, const uint8_t *k, enum tolk_audit_fault reason,
                          uint64_t bad_seq)
{
    struct tolk_audit_report r;

    assert_int_equal(tolk_store_audit_verify(st, k, &r), TOLK_STORE_ECORRUPT);
    assert_int_equal(r.ok, 0);
    assert_int_equal(r.reason, reason);
    assert_int_equal(r.bad_seq, bad_seq);
    assert_one_line(tolk_store_errmsg(st));
    assert_non_null(strstr(tolk_store_errmsg(st), "audit_verify: the chain breaks at seq"));
}

/* The entry at SEQ, through the store. */
static struct tolk_audit_entry entry_at(struct tolk_store *st, uint64_t seq)
{
    struct tolk_audit_entry e;
    size_t n = 0;

    assert_int_equal(tolk_store_audit_list(st, seq - 1, &e, 1, &n), TOLK_STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(e.seq, seq);
    return e;
}

static struct tolk_audit_entry make_entry(uint64_t seq, int64_t at, const char *actor,
                                          const char *action, const char *subject,
                                          const char *detail)
{
    struct tolk_audit_entry e;

    memset(&e, 0, sizeof(e));
    e.seq = seq;
    e.at = at;
    snprintf(e.actor, sizeof(e.actor), "%s", actor);
    snprintf(e.action, sizeof(e.action), "%s", action);
    snprintf(e.subject, sizeof(e.subject), "%s", subject);
    snprintf(e.detail, sizeof(e.detail), "%s", detail);
    return e;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/*
 * Golden vectors, computed independently (Python hashlib.blake2b(key=..., digest_size=32) over
 * the encoding in audit_chain.h), so that a change to the rule cannot go unnoticed.
 */
static void test_hash_golden(void **state)
{
    struct tolk_audit_entry e1 =
        make_entry(1, 1700000000, "account:17", "login_failed", "", "reason=bad_password");
    struct tolk_audit_entry e2 = make_entry(2, -5, "system", "audit_purged", "", "through_seq=0");
    char h[2 * TOLK_AUDIT_HASH_BYTES + 1];

    (void)state;
    tolk_audit_hash(key, &e1, e1.hash);
    hex(e1.hash, sizeof(e1.hash), h);
    assert_string_equal(h, "a0d45e80bdedbc1e90adc5a2239fe17a2ee529b10629ff7571d01b89f4953b3f");
    memcpy(e2.prev_hash, e1.hash, sizeof(e2.prev_hash));
    tolk_audit_hash(key, &e2, e2.hash);
    hex(e2.hash, sizeof(e2.hash), h);
    assert_string_equal(h, "868fc4b86c069b481b57177036b8426d2840867ef85366f26c364c793cbe6835");

    /* Length prefixes: moving a byte from one field to the next changes the hash. */
    struct tolk_audit_entry moved =
        make_entry(1, 1700000000, "account:1", "7login_failed", "", "reason=bad_password");
    tolk_audit_hash(key, &moved, moved.hash);
    assert_memory_not_equal(moved.hash, e1.hash, TOLK_AUDIT_HASH_BYTES);
    tolk_audit_hash(wrong_key, &e1, moved.hash);
    assert_memory_not_equal(moved.hash, e1.hash, TOLK_AUDIT_HASH_BYTES);
}

/* The verifier on its own, entry by entry, including the anchor rule. */
static void test_verifier_rules(void **state)
{
    struct tolk_audit_entry e[4];
    struct tolk_audit_verifier v;
    uint8_t zero[TOLK_AUDIT_HASH_BYTES] = {0};
    char detail[32];

    (void)state;
    for (unsigned i = 0; i < 4; i++) {
        e[i] = make_entry(i + 1, 10 + i, "system", "tick", "", "");
        if (i > 0)
            memcpy(e[i].prev_hash, e[i - 1].hash, TOLK_AUDIT_HASH_BYTES);
        tolk_audit_hash(key, &e[i], e[i].hash);
    }
    tolk_audit_verify_begin(&v, key, 0, NULL);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(tolk_audit_verify_next(&v, &e[i]), TOLK_AUDIT_OK);
    assert_int_equal(tolk_audit_verify_finish(&v), TOLK_AUDIT_OK);
    assert_int_equal(v.count, 4);
    assert_int_equal(v.head_seq, 4);
    assert_memory_equal(v.head_hash, e[3].hash, TOLK_AUDIT_HASH_BYTES);

    /* The same entry twice: its seq does not move forward. The fault then sticks. */
    tolk_audit_verify_begin(&v, key, 0, zero);
    assert_int_equal(tolk_audit_verify_next(&v, &e[0]), TOLK_AUDIT_OK);
    assert_int_equal(tolk_audit_verify_next(&v, &e[0]), TOLK_AUDIT_BAD_SEQ);
    assert_int_equal(v.bad_seq, 1);
    assert_int_equal(tolk_audit_verify_next(&v, &e[1]), TOLK_AUDIT_BAD_SEQ);
    assert_int_equal(tolk_audit_verify_finish(&v), TOLK_AUDIT_BAD_SEQ);

    /* A skipped entry is a gap at the first missing seq. */
    tolk_audit_verify_begin(&v, key, 0, NULL);
    assert_int_equal(tolk_audit_verify_next(&v, &e[0]), TOLK_AUDIT_OK);
    assert_int_equal(tolk_audit_verify_next(&v, &e[2]), TOLK_AUDIT_GAP);
    assert_int_equal(v.bad_seq, 2);

    /* Starting from an anchor with no purge entry naming it: the oldest were cut off. */
    tolk_audit_verify_begin(&v, key, 2, e[1].hash);
    assert_int_equal(tolk_audit_verify_next(&v, &e[2]), TOLK_AUDIT_OK);
    assert_int_equal(tolk_audit_verify_next(&v, &e[3]), TOLK_AUDIT_OK);
    assert_int_equal(tolk_audit_verify_finish(&v), TOLK_AUDIT_BAD_ANCHOR);
    assert_int_equal(v.bad_seq, 2);

    /* ... and with one. */
    struct tolk_audit_entry p = make_entry(5, 20, "system", TOLK_AUDIT_ACTION_PURGED, "", "");
    assert_int_equal(tolk_audit_purge_detail(p.detail, sizeof(p.detail), 2), 0);
    assert_string_equal(p.detail, "through_seq=2");
    memcpy(p.prev_hash, e[3].hash, TOLK_AUDIT_HASH_BYTES);
    tolk_audit_hash(key, &p, p.hash);
    tolk_audit_verify_begin(&v, key, 2, e[1].hash);
    assert_int_equal(tolk_audit_verify_next(&v, &e[2]), TOLK_AUDIT_OK);
    assert_int_equal(tolk_audit_verify_next(&v, &e[3]), TOLK_AUDIT_OK);
    assert_int_equal(tolk_audit_verify_next(&v, &p), TOLK_AUDIT_OK);
    assert_int_equal(tolk_audit_verify_finish(&v), TOLK_AUDIT_OK);
    assert_int_equal(tolk_audit_purge_detail(detail, 14, 2), 0);
    assert_int_equal(tolk_audit_purge_detail(detail, 13, 2), -1);
    assert_string_equal(tolk_audit_fault_text(TOLK_AUDIT_GAP), "entries were removed");
}

static void test_append_1000_verify(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_audit_report r;
    struct tolk_audit_entry first, last;
    uint8_t want[TOLK_AUDIT_HASH_BYTES], zero[TOLK_AUDIT_HASH_BYTES] = {0};

    expect_ok(f->st, key, 0, 0); /* an empty log verifies */
    append_many(f->st, 1000);
    assert_int_equal(tolk_store_audit_verify(f->st, key, &r), TOLK_STORE_OK);
    assert_int_equal(r.ok, 1);
    assert_int_equal(r.count, 1000);
    assert_int_equal(r.anchor_seq, 0);
    assert_int_equal(r.head_seq, 1000);

    first = entry_at(f->st, 1);
    assert_memory_equal(first.prev_hash, zero, sizeof(zero));
    assert_string_equal(first.actor, "account:1");
    assert_string_equal(first.action, "session_join");
    assert_string_equal(first.subject, "appointment:1");
    assert_string_equal(first.detail, "n=1,role=client");
    assert_int_equal(first.at, 1001);
    tolk_audit_hash(key, &first, want);
    assert_memory_equal(first.hash, want, sizeof(want));
    last = entry_at(f->st, 1000);
    assert_memory_equal(r.head_hash, last.hash, TOLK_AUDIT_HASH_BYTES);

    /* The chain survives closing and reopening. */
    tolk_store_close(f->st);
    f->st = NULL;
    char err[TOLK_STORE_ERR_MAX];
    assert_int_equal(tolk_store_open(f->path, &f->st, err, sizeof(err)), TOLK_STORE_OK);
    expect_ok(f->st, key, 1000, 1000);
    append_nth(f->st, 1001, 5000, 1001);
    expect_ok(f->st, key, 1001, 1001);
}

/* A log of 20 entries whose triggers an insider has dropped. */
static void tamper_setup(struct store_fixture *f)
{
    append_many(f->st, 20);
    expect_ok(f->st, key, 20, 20);
    raw_exec(f->path, drop_triggers);
}

static void test_tamper_edit_detail(void **state)
{
    struct store_fixture *f = *state;

    tamper_setup(f);
    raw_exec(f->path, "UPDATE audit_log SET detail = 'n=7,role=clinician' WHERE seq = 7");
    expect_broken(f->st, key, TOLK_AUDIT_BAD_HASH, 7);
}

static void test_tamper_edit_at(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_audit_report r;

    tamper_setup(f);
    raw_exec(f->path, "UPDATE audit_log SET at = at + 3600 WHERE seq = 9");
    expect_broken(f->st, key, TOLK_AUDIT_BAD_HASH, 9);
    assert_int_equal(tolk_store_audit_verify(f->st, key, &r), TOLK_STORE_ECORRUPT);
    assert_int_equal(r.count, 8);
    assert_int_equal(r.head_seq, 8);
}

static void test_tamper_delete_middle(void **state)
{
    struct store_fixture *f = *state;

    tamper_setup(f);
    raw_exec(f->path, "DELETE FROM audit_log WHERE seq = 10");
    expect_broken(f->st, key, TOLK_AUDIT_GAP, 10);
}

/* The rest of the chain is intact; the head a caller kept from before shows the loss. */
static void test_tamper_delete_last(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_audit_report r;
    struct tolk_audit_entry e;
    uint64_t kept_seq;
    uint8_t kept_hash[TOLK_AUDIT_HASH_BYTES];
    size_t n = 9;

    tamper_setup(f);
    assert_int_equal(tolk_store_audit_verify(f->st, key, &r), TOLK_STORE_OK);
    kept_seq = r.head_seq;
    memcpy(kept_hash, r.head_hash, sizeof(kept_hash));
    assert_int_equal(kept_seq, 20);

    raw_exec(f->path, "DELETE FROM audit_log WHERE seq = 20");
    assert_int_equal(tolk_store_audit_verify(f->st, key, &r), TOLK_STORE_OK);
    assert_int_equal(r.count, 19);
    assert_true(r.head_seq < kept_seq); /* detected */
    assert_int_equal(tolk_store_audit_list(f->st, kept_seq - 1, &e, 1, &n), TOLK_STORE_OK);
    assert_int_equal(n, 0);

    /* Replaced by a new entry 20 through the store: the seq is back, the kept hash is not. */
    append_nth(f->st, 20, 9999, 20);
    assert_int_equal(tolk_store_audit_verify(f->st, key, &r), TOLK_STORE_OK);
    assert_int_equal(r.head_seq, kept_seq);
    e = entry_at(f->st, kept_seq);
    assert_memory_not_equal(e.hash, kept_hash, TOLK_AUDIT_HASH_BYTES);
}

static void test_tamper_swap_rows(void **state)
{
    struct store_fixture *f = *state;

    tamper_setup(f);
    raw_exec(f->path, "CREATE TEMP TABLE two AS SELECT * FROM audit_log WHERE seq IN (5, 12);"
                      "UPDATE audit_log SET (at, actor, action, subject, detail, prev_hash, hash) ="
                      " (SELECT at, actor, action, subject, detail, prev_hash, hash FROM two"
                      "  WHERE two.seq = 17 - audit_log.seq) WHERE seq IN (5, 12);");
    expect_broken(f->st, key, TOLK_AUDIT_BAD_PREV, 5);
}

/* Forgeries chained correctly but hashed without the real key. */
static void test_tamper_forged_rows(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_audit_entry last, forged;

    tamper_setup(f);
    last = entry_at(f->st, 20);
    forged = make_entry(21, 2000, "account:3", "login", "", "");
    memcpy(forged.prev_hash, last.hash, TOLK_AUDIT_HASH_BYTES);
    tolk_audit_hash(wrong_key, &forged, forged.hash);
    raw_insert(f->path, &forged);
    expect_broken(f->st, key, TOLK_AUDIT_BAD_HASH, 21);

    /* Rewriting the tail from 15 with the wrong key is caught at its first entry. */
    raw_exec(f->path, "DELETE FROM audit_log WHERE seq >= 15");
    last = entry_at(f->st, 14);
    for (uint64_t seq = 15; seq <= 20; seq++) {
        forged = make_entry(seq, 3000 + (int64_t)seq, "account:3", "login", "", "");
        memcpy(forged.prev_hash, last.hash, TOLK_AUDIT_HASH_BYTES);
        tolk_audit_hash(wrong_key, &forged, forged.hash);
        raw_insert(f->path, &forged);
        last = forged;
    }
    expect_broken(f->st, key, TOLK_AUDIT_BAD_HASH, 15);
}

/* Rows no store would write: a field too long or of the wrong type, a seq below 1. */
static void test_tamper_malformed_rows(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_audit_entry e;
    size_t n = 0;

    tamper_setup(f);
    raw_exec(f->path, "UPDATE audit_log SET actor = actor || hex(zeroblob(35)) WHERE seq = 4");
    expect_broken(f->st, key, TOLK_AUDIT_BAD_HASH, 4);
    assert_int_equal(tolk_store_audit_list(f->st, 0, &e, 1, &n), TOLK_STORE_OK);
    assert_int_equal(tolk_store_audit_list(f->st, 3, &e, 1, &n), TOLK_STORE_ECORRUPT);
    assert_one_line(tolk_store_errmsg(f->st));
    assert_null(strstr(tolk_store_errmsg(f->st), "account"));
    raw_exec(f->path, "UPDATE audit_log SET actor = 'account:4' WHERE seq = 4;"
                      "UPDATE audit_log SET at = 'x' || at WHERE seq = 6");
    expect_broken(f->st, key, TOLK_AUDIT_BAD_HASH, 6);
    raw_exec(f->path, "UPDATE audit_log SET at = CAST(substr(at, 2) AS INTEGER) WHERE seq = 6");
    expect_ok(f->st, key, 20, 20);
    raw_exec(f->path, "INSERT INTO audit_log SELECT 0, at, actor, action, subject, detail,"
                      " prev_hash, hash FROM audit_log WHERE seq = 1");
    expect_broken(f->st, key, TOLK_AUDIT_BAD_SEQ, 0);
}

/* Cutting off the oldest entries and moving the anchor, outside a purge. */
static void test_tamper_moved_anchor(void **state)
{
    struct store_fixture *f = *state;

    tamper_setup(f);
    raw_exec(f->path, "DELETE FROM audit_log WHERE seq <= 5;"
                      "INSERT INTO audit_anchor (id, seq, hash) VALUES"
                      " (1, 5, (SELECT prev_hash FROM audit_log WHERE seq = 6))");
    expect_broken(f->st, key, TOLK_AUDIT_BAD_ANCHOR, 5);
    raw_exec(f->path, "UPDATE audit_anchor SET hash = zeroblob(32)");
    expect_broken(f->st, key, TOLK_AUDIT_BAD_PREV, 6);
    raw_exec(f->path, "DELETE FROM audit_anchor");
    expect_broken(f->st, key, TOLK_AUDIT_GAP, 1);
}

static void test_wrong_key(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_audit_report r;
    uint64_t purged = 99;

    append_many(f->st, 5);
    expect_broken(f->st, wrong_key, TOLK_AUDIT_BAD_HASH, 1);
    assert_int_equal(tolk_store_audit_verify(f->st, wrong_key, &r), TOLK_STORE_ECORRUPT);
    assert_int_equal(r.count, 0);
    assert_int_equal(r.head_seq, 0);
    /* A purge with the wrong key refuses to delete what it cannot verify. */
    assert_int_equal(tolk_store_audit_purge(f->st, wrong_key, INT64_MAX, &purged),
                     TOLK_STORE_ECORRUPT);
    assert_int_equal(purged, 99);
    assert_one_line(tolk_store_errmsg(f->st));
    expect_ok(f->st, key, 5, 5);
}

/* Through a connection that has not dropped them, the triggers refuse changes. */
static void test_triggers_refuse(void **state)
{
    struct store_fixture *f = *state;

    append_many(f->st, 3);
    raw_exec_expect(f->path, "UPDATE audit_log SET detail = '' WHERE seq = 2",
                    "audit_log is append-only");
    raw_exec_expect(f->path, "DELETE FROM audit_log WHERE seq = 2", "audit_log is append-only");
    raw_exec_expect(f->path, "DELETE FROM audit_log", "audit_log is append-only");
    raw_exec_expect(f->path, "INSERT INTO audit_anchor VALUES (1, 2, zeroblob(32))",
                    "audit_anchor moves only in a purge");
    assert_int_equal(tolk_store_sqlite_exec_testing(f->st, "DELETE FROM audit_log WHERE seq = 3"),
                     TOLK_STORE_ECONSTRAINT);
    assert_non_null(strstr(tolk_store_errmsg(f->st), "append-only"));
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log"), 3);
    expect_ok(f->st, key, 3, 3);
}

/* Entries 1..10 at times 101..110. */
static void purge_setup(struct store_fixture *f)
{
    for (unsigned i = 1; i <= 10; i++)
        append_nth(f->st, i, 100 + (int64_t)i, i);
}

static void expect_purge_entry(struct tolk_store *st, uint64_t seq, const char *detail)
{
    struct tolk_audit_entry e = entry_at(st, seq);

    assert_string_equal(e.actor, "system");
    assert_string_equal(e.action, TOLK_AUDIT_ACTION_PURGED);
    assert_string_equal(e.subject, "");
    assert_string_equal(e.detail, detail);
    assert_true(e.at > 1600000000);
}

static void test_purge_keeps_chain(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_audit_report r;
    uint64_t purged = 99;

    purge_setup(f);
    assert_int_equal(tolk_store_audit_purge(f->st, key, 106, &purged), TOLK_STORE_OK);
    assert_int_equal(purged, 5);
    expect_purge_entry(f->st, 11, "through_seq=5");
    assert_int_equal(tolk_store_audit_verify(f->st, key, &r), TOLK_STORE_OK);
    assert_int_equal(r.anchor_seq, 5);
    assert_int_equal(r.count, 6);
    assert_int_equal(r.head_seq, 11);
    assert_int_equal(raw_int(f->path, "SELECT min(seq) FROM audit_log"), 6);
    assert_int_equal(raw_int(f->path, "SELECT seq FROM audit_anchor"), 5);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_purge_guard"), 0);

    /* Everything is old: all but the newest entry (11) go. */
    assert_int_equal(tolk_store_audit_purge(f->st, key, INT64_MAX, &purged), TOLK_STORE_OK);
    assert_int_equal(purged, 5);
    expect_purge_entry(f->st, 12, "through_seq=10");
    expect_ok(f->st, key, 2, 12);
    assert_int_equal(raw_int(f->path, "SELECT min(seq) FROM audit_log"), 11);

    /* Nothing old enough: nothing goes, but the run is logged. */
    assert_int_equal(tolk_store_audit_purge(f->st, key, 0, &purged), TOLK_STORE_OK);
    assert_int_equal(purged, 0);
    expect_purge_entry(f->st, 13, "through_seq=10");
    append_nth(f->st, 14, 500, 14);
    expect_ok(f->st, key, 4, 14);
    assert_int_equal(tolk_store_audit_purge(f->st, key, INT64_MAX, &purged), TOLK_STORE_OK);
    assert_int_equal(purged, 3);
    expect_ok(f->st, key, 2, 15);
}

/* Times that do not rise with seq: the purge stops at the first recent entry. */
static void test_purge_stops_at_recent(void **state)
{
    struct store_fixture *f = *state;
    const int64_t times[] = {100, 300, 150, 400};
    uint64_t purged = 0;

    for (unsigned i = 0; i < 4; i++)
        append_nth(f->st, i, times[i], i + 1);
    assert_int_equal(tolk_store_audit_purge(f->st, key, 200, &purged), TOLK_STORE_OK);
    assert_int_equal(purged, 1);
    expect_ok(f->st, key, 4, 5);
    assert_int_equal(tolk_store_audit_purge(f->st, key, 200, &purged), TOLK_STORE_OK);
    assert_int_equal(purged, 0);
    expect_ok(f->st, key, 5, 6);
}

/* A purge on an empty log only logs itself; the one entry left is never purged. */
static void test_purge_empty_and_single(void **state)
{
    struct store_fixture *f = *state;
    uint64_t purged = 99;

    assert_int_equal(tolk_store_audit_purge(f->st, key, INT64_MAX, &purged), TOLK_STORE_OK);
    assert_int_equal(purged, 0);
    expect_purge_entry(f->st, 1, "through_seq=0");
    expect_ok(f->st, key, 1, 1);
    assert_int_equal(tolk_store_audit_purge(f->st, key, INT64_MAX, &purged), TOLK_STORE_OK);
    assert_int_equal(purged, 0);
    expect_ok(f->st, key, 2, 2);
    assert_int_equal(tolk_store_audit_purge(f->st, key, INT64_MAX, &purged), TOLK_STORE_OK);
    assert_int_equal(purged, 1);
    expect_purge_entry(f->st, 3, "through_seq=1");
    expect_ok(f->st, key, 2, 3);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log"), 2);
}

/* A purge that fails at its last step leaves everything as it was. */
static void test_purge_is_atomic(void **state)
{
    struct store_fixture *f = *state;
    uint64_t purged = 99;

    purge_setup(f);
    assert_int_equal(tolk_store_sqlite_exec_testing(
                         f->st, "CREATE TRIGGER fail_purge BEFORE INSERT ON audit_log"
                                " WHEN NEW.action = 'audit_purged'"
                                " BEGIN SELECT RAISE(ABORT, 'refused for the test'); END;"),
                     TOLK_STORE_OK);
    assert_int_equal(tolk_store_audit_purge(f->st, key, 106, &purged), TOLK_STORE_ECONSTRAINT);
    assert_int_equal(purged, 99);
    assert_one_line(tolk_store_errmsg(f->st));
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log"), 10);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_anchor"), 0);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_purge_guard"), 0);
    expect_ok(f->st, key, 10, 10);

    assert_int_equal(tolk_store_sqlite_exec_testing(f->st, "DROP TRIGGER fail_purge"),
                     TOLK_STORE_OK);
    assert_int_equal(tolk_store_audit_purge(f->st, key, 106, &purged), TOLK_STORE_OK);
    assert_int_equal(purged, 5);
    expect_ok(f->st, key, 6, 11);
}

/* Purging tampered entries would hide the tampering behind a clean anchor: refused. */
static void test_purge_refuses_tampered(void **state)
{
    struct store_fixture *f = *state;
    uint64_t purged = 99;

    purge_setup(f);
    raw_exec(f->path, drop_triggers);
    raw_exec(f->path, "UPDATE audit_log SET detail = '' WHERE seq = 3");
    assert_int_equal(tolk_store_audit_purge(f->st, key, 106, &purged), TOLK_STORE_ECORRUPT);
    assert_int_equal(purged, 99);
    assert_non_null(strstr(tolk_store_errmsg(f->st), "refused, the chain breaks at seq 3"));
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log"), 10);
    expect_broken(f->st, key, TOLK_AUDIT_BAD_HASH, 3);
}

/* Appends with a text that must be refused; the message must not repeat it. */
static void expect_rejected(struct tolk_store *st, const char *actor, const char *action,
                            const char *subject, const char *detail, int64_t at)
{
    uint64_t seq = 77;

    assert_int_equal(tolk_store_audit_append(st, key, actor, action, subject, detail, at, &seq),
                     TOLK_STORE_EINVAL);
    assert_int_equal(seq, 77);
    assert_one_line(tolk_store_errmsg(st));
    assert_non_null(strstr(tolk_store_errmsg(st), "audit_append: "));
    assert_null(strstr(tolk_store_errmsg(st), "Hassan"));
    assert_null(strstr(tolk_store_errmsg(st), "example"));
    assert_null(strstr(tolk_store_errmsg(st), "3161"));
}

static void test_bad_args(void **state)
{
    struct store_fixture *f = *state;
    char longref[TOLK_STORE_REF_MAX + 1], longdetail[TOLK_AUDIT_DETAIL_MAX + 1];
    const char *ok = "account:1";

    expect_rejected(f->st, "Ali Hassan", "login", "", "", 1);
    expect_rejected(f->st, "client:Ali Hassan", "login", "", "", 1);
    expect_rejected(f->st, "mail:ali@example.org", "login", "", "", 1);
    expect_rejected(f->st, "Hassan", "login", "", "", 1);
    expect_rejected(f->st, "account:", "login", "", "", 1);
    expect_rejected(f->st, "Account:1", "login", "", "", 1);
    expect_rejected(f->st, "account:Hassan\n", "login", "", "", 1);
    expect_rejected(f->st, "", "login", "", "", 1);
    expect_rejected(f->st, ok, "login", "phone:+31612345678", "", 1);
    expect_rejected(f->st, ok, "login", "client:Hassan\x01", "", 1);
    expect_rejected(f->st, ok, "login", "", "name=Ali Hassan", 1);
    expect_rejected(f->st, ok, "login", "", "mail=ali@example.org", 1);
    expect_rejected(f->st, ok, "login", "", "Hassan\t", 1);
    expect_rejected(f->st, ok, "Login", "", "", 1);
    expect_rejected(f->st, ok, "login-failed", "", "", 1);
    expect_rejected(f->st, ok, "", "", "", 1);
    expect_rejected(f->st, ok, "audit_purged", "", "through_seq=0", 1);
    expect_rejected(f->st, ok, "login", "", "", -1);
    expect_rejected(f->st, NULL, "login", "", "", 1);
    expect_rejected(f->st, ok, NULL, "", "", 1);
    expect_rejected(f->st, ok, "login", NULL, "", 1);
    expect_rejected(f->st, ok, "login", "", NULL, 1);

    memset(longref, 'h', sizeof(longref) - 1);
    memcpy(longref, "client:Hassan", 13);
    longref[sizeof(longref) - 1] = '\0';
    expect_rejected(f->st, longref, "login", "", "", 1);
    expect_rejected(f->st, ok, "login", longref, "", 1);
    memset(longref, 'a', sizeof(longref) - 1);
    expect_rejected(f->st, ok, longref, "", "", 1);
    memset(longdetail, 'd', sizeof(longdetail) - 1);
    memcpy(longdetail, "Hassan", 6);
    longdetail[sizeof(longdetail) - 1] = '\0';
    expect_rejected(f->st, ok, "login", "", longdetail, 1);

    /* The longest texts that fit, and the optional ones left empty, are accepted. */
    longref[TOLK_STORE_REF_MAX - 1] = '\0';
    longdetail[TOLK_AUDIT_DETAIL_MAX - 1] = '\0';
    memcpy(longdetail, "abcdef", 6);
    assert_int_equal(
        tolk_store_audit_append(f->st, key, "system", longref, "", longdetail, 0, NULL),
        TOLK_STORE_OK);
    assert_int_equal(tolk_store_audit_append(f->st, key, "participant:p-2_x:y", "session_admit",
                                             "appointment:42", "role=client,by=account:3", 1, NULL),
                     TOLK_STORE_OK);
    assert_int_equal(tolk_store_audit_append(NULL, key, ok, "login", "", "", 1, NULL),
                     TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_audit_append(f->st, NULL, ok, "login", "", "", 1, NULL),
                     TOLK_STORE_EINVAL);
    expect_ok(f->st, key, 2, 2);
}

static void test_other_bad_args(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_audit_report r;
    struct tolk_audit_entry e;
    uint64_t purged;
    size_t n;

    assert_int_equal(tolk_store_audit_verify(NULL, key, &r), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_audit_verify(f->st, NULL, &r), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_audit_verify(f->st, key, NULL), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_audit_purge(NULL, key, 0, &purged), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_audit_purge(f->st, NULL, 0, &purged), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_audit_purge(f->st, key, 0, NULL), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_audit_list(NULL, 0, &e, 1, &n), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_audit_list(f->st, 0, NULL, 1, &n), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_audit_list(f->st, 0, &e, 0, &n), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_audit_list(f->st, 0, &e, 1, NULL), TOLK_STORE_EINVAL);
    assert_one_line(tolk_store_errmsg(f->st));
}

static void test_list_paging(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_audit_entry page[10];
    uint8_t prev[TOLK_AUDIT_HASH_BYTES] = {0};
    uint64_t after = 0, seen = 0;
    size_t n = 0, pages = 0;

    append_many(f->st, 25);
    do {
        assert_int_equal(tolk_store_audit_list(f->st, after, page, 10, &n), TOLK_STORE_OK);
        for (size_t i = 0; i < n; i++) {
            char detail[32];
            assert_int_equal(page[i].seq, ++seen);
            assert_int_equal(page[i].at, 1000 + (int64_t)seen);
            snprintf(detail, sizeof(detail), "n=%u,role=client", (unsigned)seen);
            assert_string_equal(page[i].detail, detail);
            assert_memory_equal(page[i].prev_hash, prev, sizeof(prev));
            memcpy(prev, page[i].hash, sizeof(prev));
        }
        if (n > 0)
            after = page[n - 1].seq;
        pages++;
    } while (n == 10);
    assert_int_equal(seen, 25);
    assert_int_equal(pages, 3);
    assert_int_equal(tolk_store_audit_list(f->st, 25, page, 10, &n), TOLK_STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(tolk_store_audit_list(f->st, UINT64_MAX, page, 10, &n), TOLK_STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(tolk_store_audit_list(f->st, 24, page, 10, &n), TOLK_STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(page[0].seq, 25);
}

/* Appends N entries through a handle of its own; returns 0 on success. Runs in a child. */
static int child_appends(const char *path, unsigned n)
{
    struct tolk_store *st = NULL;
    int bad = 0;

    if (tolk_store_open(path, &st, NULL, 0) != TOLK_STORE_OK)
        return 1;
    for (unsigned i = 0; i < n && !bad; i++)
        bad = tolk_store_audit_append(st, key, "account:2", "login", "", "", 7, NULL) !=
              TOLK_STORE_OK;
    tolk_store_close(st);
    return bad;
}

/*
 * Two processes appending at once: the write transaction keeps one chain, no fork. Neither
 * process may carry an open connection across fork(), so the fixture's handle is reopened.
 */
static void test_concurrent_writers(void **state)
{
    struct store_fixture *f = *state;
    char err[TOLK_STORE_ERR_MAX];
    int status = -1;
    pid_t pid;

    tolk_store_close(f->st);
    f->st = NULL;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child_appends(f->path, 300));
    assert_int_equal(tolk_store_open(f->path, &f->st, err, sizeof(err)), TOLK_STORE_OK);
    for (unsigned i = 0; i < 300; i++)
        assert_int_equal(tolk_store_audit_append(f->st, key, "account:1", "login", "", "", 7, NULL),
                         TOLK_STORE_OK);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    expect_ok(f->st, key, 600, 600);
    assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit_log WHERE actor = 'account:2'"),
                     300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_golden),
        cmocka_unit_test(test_verifier_rules),
        cmocka_unit_test_setup_teardown(test_append_1000_verify, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tamper_edit_detail, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tamper_edit_at, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tamper_delete_middle, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tamper_delete_last, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tamper_swap_rows, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tamper_forged_rows, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tamper_malformed_rows, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tamper_moved_anchor, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_key, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_triggers_refuse, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_purge_keeps_chain, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_purge_stops_at_recent, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_purge_empty_and_single, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_purge_is_atomic, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_purge_refuses_tampered, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_bad_args, store_fixture_setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_other_bad_args, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_list_paging, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, store_fixture_setup,
                                        store_fixture_teardown),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
