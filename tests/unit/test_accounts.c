/*
 * Unit tests for the store's accounts, bearer tokens and login failures (store.h, "Accounts")
 * on the SQLite backend, and for the audit notes that ride with them: a change and its audit
 * entry are written together or not at all, and the chain they extend still verifies.
 *
 * Each test gets a fresh directory under /tmp, removed afterwards.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store.h"
#include "store_fixture.h"
#include "store_sqlite_testing.h"

#include <sodium.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A test key: a plain array is fine here; tolkd keeps its key in sodium_malloc'd memory. */
static const uint8_t key[TOLK_AUDIT_KEY_BYTES] = {7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};

/* Text that must never show up in an error message. */
#define SECRET_NAME "secret.person"

/* The store's last message is one line and does not repeat SECRET_NAME. */
static void assert_clean_message(const struct tolk_store *st)
{
    const char *msg = tolk_store_errmsg(st);

    assert_true(msg[0] != '\0');
    assert_null(strchr(msg, '\n'));
    assert_null(strstr(msg, SECRET_NAME));
}

static struct tolk_account make_account(const char *username, enum tolk_account_role role)
{
    struct tolk_account a;

    memset(&a, 0, sizeof(a));
    snprintf(a.username, sizeof(a.username), "%s", username);
    snprintf(a.password_hash, sizeof(a.password_hash), "$argon2id$v=19$m=65536,t=2,p=1$test");
    a.role = role;
    a.created_at = 1000;
    return a;
}

static struct tolk_audit_note make_note(const char *actor, const char *action, const char *subject)
{
    struct tolk_audit_note n = {key, actor, action, subject, "", 2000};

    return n;
}

/* Creates USERNAME with an account_created note by "system" and returns its id. */
static int64_t create_ok(struct tolk_store *st, const char *username, enum tolk_account_role role)
{
    struct tolk_account a = make_account(username, role);
    struct tolk_audit_note n = make_note("system", "account_created", "");

    assert_int_equal(tolk_store_account_create(st, &a, &n), TOLK_STORE_OK);
    assert_true(a.id > 0);
    return a.id;
}

static uint64_t audit_count(struct tolk_store *st)
{
    struct tolk_audit_report r;

    assert_int_equal(tolk_store_audit_verify(st, key, &r), TOLK_STORE_OK);
    assert_true(r.ok);
    return r.count;
}

static struct tolk_auth_token make_token(uint8_t fill, int64_t account_id, int64_t expires_at)
{
    struct tolk_auth_token t;

    memset(t.hash, fill, sizeof(t.hash));
    t.account_id = account_id;
    t.expires_at = expires_at;
    return t;
}

static void test_create_find_get(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_account got, dup = make_account("root.admin", TOLK_ROLE_STAFF);
    struct tolk_audit_note n = make_note("system", "account_created", "");
    int64_t id = create_ok(f->st, "root.admin", TOLK_ROLE_ADMIN);

    assert_int_equal(tolk_store_account_find(f->st, "root.admin", &got), TOLK_STORE_OK);
    assert_int_equal(got.id, id);
    assert_string_equal(got.username, "root.admin");
    assert_int_equal(got.role, TOLK_ROLE_ADMIN);
    assert_string_equal(got.password_hash, "$argon2id$v=19$m=65536,t=2,p=1$test");
    assert_int_equal(got.disabled, 0);
    assert_int_equal(got.created_at, 1000);
    assert_int_equal(tolk_store_account_get(f->st, id, &got), TOLK_STORE_OK);
    assert_string_equal(got.username, "root.admin");
    assert_int_equal(tolk_store_account_get(f->st, id + 1, &got), TOLK_STORE_ENOTFOUND);
    assert_int_equal(tolk_store_account_find(f->st, "nobody", &got), TOLK_STORE_ENOTFOUND);

    /* A taken username is a constraint failure, and nothing of it is written. */
    assert_int_equal(tolk_store_account_create(f->st, &dup, &n), TOLK_STORE_ECONSTRAINT);
    assert_int_equal(dup.id, 0);
    assert_null(strstr(tolk_store_errmsg(f->st), "root.admin"));
    assert_int_equal(audit_count(f->st), 1);
}

/*
 * The rule keeps usernames lowercase, and the column ignores case as well: a row written in
 * capitals behind the store's back still collides, and is still found.
 */
static void test_username_unique_in_any_case(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_account got;

    create_ok(f->st, "desk-1", TOLK_ROLE_STAFF);
    assert_int_equal(tolk_store_sqlite_exec_testing(
                         f->st, "INSERT INTO accounts (username, role, password_hash, created_at)"
                                " VALUES ('DESK-1', 'staff', 'x', 1)"),
                     TOLK_STORE_ECONSTRAINT);
    assert_int_equal(tolk_store_sqlite_exec_testing(
                         f->st, "UPDATE accounts SET username = 'Desk-2' WHERE id = 1"),
                     TOLK_STORE_OK);
    assert_int_equal(tolk_store_account_find(f->st, "desk-2", &got), TOLK_STORE_OK);
}

static void test_username_rules(void **state)
{
    struct store_fixture *f = *state;
    static const char *const bad[] = {
        "",           "ab",      "Alice", "a b",       "jane@example.org",
        "+31 6 1234", "ünïcode", "a/b",   "tab\there", SECRET_NAME "!"};
    static const char *const good[] = {"abc", "m.jansen", "desk_3", "x-1", "000"};
    char longest[TOLK_USERNAME_MAX + 2];
    struct tolk_audit_note n = make_note("system", "account_created", "");

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct tolk_account a = make_account(bad[i], TOLK_ROLE_STAFF);
        assert_false(tolk_username_valid(bad[i]));
        assert_int_equal(tolk_store_account_create(f->st, &a, &n), TOLK_STORE_EINVAL);
        assert_clean_message(f->st);
    }
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(tolk_username_valid(good[i]));
    memset(longest, 'a', sizeof(longest));
    longest[TOLK_USERNAME_MAX] = '\0';
    assert_true(tolk_username_valid(longest));
    longest[TOLK_USERNAME_MAX] = 'a';
    longest[TOLK_USERNAME_MAX + 1] = '\0';
    assert_false(tolk_username_valid(longest));
    assert_false(tolk_username_valid(NULL));
    assert_int_equal(audit_count(f->st), 0);
}

static void test_account_field_rules(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_audit_note n = make_note("system", "account_created", "");
    struct tolk_account a = make_account("valid.name", (enum tolk_account_role)9);
    enum tolk_account_role role;

    assert_int_equal(tolk_store_account_create(f->st, &a, &n), TOLK_STORE_EINVAL);
    a = make_account("valid.name", TOLK_ROLE_CLINICIAN);
    a.password_hash[0] = '\0';
    assert_int_equal(tolk_store_account_create(f->st, &a, &n), TOLK_STORE_EINVAL);
    a = make_account("valid.name", TOLK_ROLE_CLINICIAN);
    a.disabled = 2;
    assert_int_equal(tolk_store_account_create(f->st, &a, &n), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_account_create(f->st, NULL, &n), TOLK_STORE_EINVAL);
    assert_string_equal(tolk_account_role_name(TOLK_ROLE_INTERPRETER), "interpreter");
    assert_null(tolk_account_role_name((enum tolk_account_role)0));
    assert_int_equal(tolk_account_role_parse("clinician", &role), 0);
    assert_int_equal(role, TOLK_ROLE_CLINICIAN);
    assert_int_equal(tolk_account_role_parse("client", &role), -1);
    assert_int_equal(tolk_account_role_parse(NULL, &role), -1);
}

static void test_list_paging(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_account page[2];
    size_t n = 99;
    char name[16];

    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof(name), "user-%d", i);
        create_ok(f->st, name, TOLK_ROLE_INTERPRETER);
    }
    assert_int_equal(tolk_store_account_list(f->st, 0, page, 2, &n), TOLK_STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(page[0].id, 1);
    assert_string_equal(page[1].username, "user-1");
    assert_string_equal(page[0].password_hash, ""); /* lists never carry hashes */
    assert_int_equal(tolk_store_account_list(f->st, page[1].id, page, 2, &n), TOLK_STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(page[0].id, 3);
    assert_int_equal(tolk_store_account_list(f->st, page[1].id, page, 2, &n), TOLK_STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(page[0].id, 5);
    assert_int_equal(tolk_store_account_list(f->st, 5, page, 2, &n), TOLK_STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(tolk_store_account_list(f->st, 0, page, 0, &n), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_account_list(f->st, 0, NULL, 2, &n), TOLK_STORE_EINVAL);
}

static void test_tokens(void **state)
{
    struct store_fixture *f = *state;
    int64_t id = create_ok(f->st, "staff.one", TOLK_ROLE_STAFF);
    struct tolk_auth_token t = make_token(0xab, id, 5000);
    struct tolk_auth_token orphan = make_token(0xcd, id + 7, 5000);
    struct tolk_audit_note in = make_note("account:1", "login_succeeded", "account:1");
    struct tolk_audit_note out = make_note("account:1", "logout", "account:1");
    struct tolk_auth_grant g;
    uint8_t unknown[TOLK_STORE_TOKEN_HASH_BYTES] = {0};

    assert_int_equal(tolk_store_auth_token_add(f->st, &t, &in), TOLK_STORE_OK);
    assert_int_equal(tolk_store_auth_token_add(f->st, &t, &in), TOLK_STORE_ECONSTRAINT);
    assert_int_equal(tolk_store_auth_token_add(f->st, &orphan, &in), TOLK_STORE_ENOTFOUND);
    assert_int_equal(tolk_store_auth_token_find(f->st, t.hash, &g), TOLK_STORE_OK);
    assert_int_equal(g.account_id, id);
    assert_int_equal(g.role, TOLK_ROLE_STAFF);
    assert_int_equal(g.account_disabled, 0);
    assert_int_equal(g.expires_at, 5000);
    assert_int_equal(g.revoked, 0);
    assert_int_equal(tolk_store_auth_token_find(f->st, unknown, &g), TOLK_STORE_ENOTFOUND);
    assert_int_equal(tolk_store_auth_token_revoke(f->st, t.hash, &out), TOLK_STORE_OK);
    assert_int_equal(tolk_store_auth_token_find(f->st, t.hash, &g), TOLK_STORE_OK);
    assert_int_equal(g.revoked, 1);
    assert_int_equal(tolk_store_auth_token_revoke(f->st, unknown, &out), TOLK_STORE_ENOTFOUND);
    /* account_created, login_succeeded, logout: failed calls wrote no entries */
    assert_int_equal(audit_count(f->st), 3);
}

static void test_tokens_purge(void **state)
{
    struct store_fixture *f = *state;
    int64_t id = create_ok(f->st, "staff.one", TOLK_ROLE_STAFF);
    struct tolk_auth_token old = make_token(1, id, 100), fresh = make_token(2, id, 300);
    struct tolk_auth_grant g;
    uint64_t purged = 99;

    assert_int_equal(tolk_store_auth_token_add(f->st, &old, NULL), TOLK_STORE_OK);
    assert_int_equal(tolk_store_auth_token_add(f->st, &fresh, NULL), TOLK_STORE_OK);
    assert_int_equal(tolk_store_auth_tokens_purge(f->st, 200, &purged), TOLK_STORE_OK);
    assert_int_equal(purged, 1);
    assert_int_equal(tolk_store_auth_token_find(f->st, old.hash, &g), TOLK_STORE_ENOTFOUND);
    assert_int_equal(tolk_store_auth_token_find(f->st, fresh.hash, &g), TOLK_STORE_OK);
    assert_int_equal(tolk_store_auth_tokens_purge(f->st, 200, NULL), TOLK_STORE_EINVAL);
}

/* Disabling revokes every token of the account in the same step; enabling revives none. */
static void test_disable_revokes_tokens(void **state)
{
    struct store_fixture *f = *state;
    int64_t id = create_ok(f->st, "clin.one", TOLK_ROLE_CLINICIAN);
    int64_t other = create_ok(f->st, "clin.two", TOLK_ROLE_CLINICIAN);
    struct tolk_auth_token a = make_token(1, id, 9000), b = make_token(2, id, 9000);
    struct tolk_auth_token c = make_token(3, other, 9000);
    struct tolk_audit_note off = make_note("account:9", "account_disabled", "account:1");
    struct tolk_audit_note on = make_note("account:9", "account_enabled", "account:1");
    struct tolk_auth_grant g;
    struct tolk_account acct;

    assert_int_equal(tolk_store_auth_token_add(f->st, &a, NULL), TOLK_STORE_OK);
    assert_int_equal(tolk_store_auth_token_add(f->st, &b, NULL), TOLK_STORE_OK);
    assert_int_equal(tolk_store_auth_token_add(f->st, &c, NULL), TOLK_STORE_OK);
    assert_int_equal(tolk_store_account_set_disabled(f->st, id, 1, &off), TOLK_STORE_OK);
    assert_int_equal(tolk_store_account_get(f->st, id, &acct), TOLK_STORE_OK);
    assert_int_equal(acct.disabled, 1);
    for (uint8_t fill = 1; fill <= 2; fill++) {
        struct tolk_auth_token t = make_token(fill, id, 0);
        assert_int_equal(tolk_store_auth_token_find(f->st, t.hash, &g), TOLK_STORE_OK);
        assert_int_equal(g.revoked, 1);
        assert_int_equal(g.account_disabled, 1);
    }
    assert_int_equal(tolk_store_auth_token_find(f->st, c.hash, &g), TOLK_STORE_OK);
    assert_int_equal(g.revoked, 0);
    assert_int_equal(tolk_store_account_set_disabled(f->st, id, 0, &on), TOLK_STORE_OK);
    assert_int_equal(tolk_store_auth_token_find(f->st, a.hash, &g), TOLK_STORE_OK);
    assert_int_equal(g.account_disabled, 0);
    assert_int_equal(g.revoked, 1);
    assert_int_equal(tolk_store_account_set_disabled(f->st, 999, 1, &off), TOLK_STORE_ENOTFOUND);
    assert_int_equal(tolk_store_account_set_disabled(f->st, id, 2, &off), TOLK_STORE_EINVAL);
    assert_int_equal(audit_count(f->st), 4);
}

static void test_password_hash_update(void **state)
{
    struct store_fixture *f = *state;
    int64_t id = create_ok(f->st, "interp.one", TOLK_ROLE_INTERPRETER);
    struct tolk_account got;

    assert_int_equal(tolk_store_account_set_password_hash(f->st, id, "$argon2id$new"),
                     TOLK_STORE_OK);
    assert_int_equal(tolk_store_account_get(f->st, id, &got), TOLK_STORE_OK);
    assert_string_equal(got.password_hash, "$argon2id$new");
    assert_int_equal(tolk_store_account_set_password_hash(f->st, id + 1, "$x"),
                     TOLK_STORE_ENOTFOUND);
    assert_int_equal(tolk_store_account_set_password_hash(f->st, id, ""), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_account_set_password_hash(f->st, id, NULL), TOLK_STORE_EINVAL);
}

static void test_login_failures(void **state)
{
    struct store_fixture *f = *state;
    const char *keys[2] = {"acct:00ff", "addr:1234"};
    struct tolk_audit_note n = make_note("system", "login_failed", "account:unknown");
    struct tolk_login_failures lf;
    uint32_t counts[2];

    assert_int_equal(tolk_store_login_failure_get(f->st, keys[0], &lf), TOLK_STORE_OK);
    assert_int_equal(lf.failures, 0);
    assert_int_equal(lf.last_at, 0);
    for (uint32_t i = 1; i <= 3; i++) {
        assert_int_equal(tolk_store_login_failure_record(f->st, keys, 2, 100 + i, 0, counts, &n),
                         TOLK_STORE_OK);
        assert_int_equal(counts[0], i);
        assert_int_equal(counts[1], i);
    }
    assert_int_equal(tolk_store_login_failure_get(f->st, keys[1], &lf), TOLK_STORE_OK);
    assert_int_equal(lf.failures, 3);
    assert_int_equal(lf.last_at, 103);
    /* A last failure before FORGET_BEFORE is forgiven: the count starts again. */
    assert_int_equal(tolk_store_login_failure_record(f->st, keys, 1, 500, 400, counts, NULL),
                     TOLK_STORE_OK);
    assert_int_equal(counts[0], 1);
    assert_int_equal(tolk_store_login_failure_reset(f->st, keys[0]), TOLK_STORE_OK);
    assert_int_equal(tolk_store_login_failure_reset(f->st, "acct:none"), TOLK_STORE_OK);
    assert_int_equal(tolk_store_login_failure_get(f->st, keys[0], &lf), TOLK_STORE_OK);
    assert_int_equal(lf.failures, 0);
    assert_int_equal(audit_count(f->st), 3);
}

static void test_login_failures_rules_and_purge(void **state)
{
    struct store_fixture *f = *state;
    const char *keys[5] = {"k1", "k2", "k3", "k4", "k5"};
    const char *bad[1] = {"line\nbreak"};
    struct tolk_login_failures lf;
    uint64_t purged = 0;

    assert_int_equal(tolk_store_login_failure_record(f->st, keys, 0, 1, 0, NULL, NULL),
                     TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_login_failure_record(f->st, keys, 5, 1, 0, NULL, NULL),
                     TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_login_failure_record(f->st, bad, 1, 1, 0, NULL, NULL),
                     TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_login_failure_get(f->st, "", &lf), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_login_failure_record(f->st, keys, 2, 10, 0, NULL, NULL),
                     TOLK_STORE_OK);
    assert_int_equal(tolk_store_login_failure_record(f->st, keys + 2, 2, 30, 0, NULL, NULL),
                     TOLK_STORE_OK);
    assert_int_equal(tolk_store_login_failures_purge(f->st, 20, &purged), TOLK_STORE_OK);
    assert_int_equal(purged, 2);
    assert_int_equal(tolk_store_login_failure_get(f->st, "k3", &lf), TOLK_STORE_OK);
    assert_int_equal(lf.failures, 1);
    assert_int_equal(tolk_store_login_failure_get(f->st, "k1", &lf), TOLK_STORE_OK);
    assert_int_equal(lf.failures, 0);
}

/* Notes land in the chain in order, with the subject the store chose for a new account. */
static void test_notes_chain(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_audit_entry e[4];
    size_t n = 0;
    int64_t id = create_ok(f->st, "root.admin", TOLK_ROLE_ADMIN);
    struct tolk_audit_note off = make_note("account:1", "account_disabled", "account:1");

    assert_int_equal(
        tolk_store_audit_append(f->st, key, "system", "audit_checked", "", "", 2100, NULL),
        TOLK_STORE_OK);
    assert_int_equal(tolk_store_account_set_disabled(f->st, id, 1, &off), TOLK_STORE_OK);
    assert_int_equal(tolk_store_audit_list(f->st, 0, e, 4, &n), TOLK_STORE_OK);
    assert_int_equal(n, 3);
    assert_string_equal(e[0].action, "account_created");
    assert_string_equal(e[0].subject, "account:1");
    assert_string_equal(e[0].actor, "system");
    assert_int_equal(e[0].at, 2000);
    assert_string_equal(e[1].action, "audit_checked");
    assert_string_equal(e[2].action, "account_disabled");
    assert_memory_equal(e[2].prev_hash, e[1].hash, TOLK_AUDIT_HASH_BYTES);
    assert_int_equal(audit_count(f->st), 3);
}

/* A note that breaks the audit rules stops the change too, and says which field, not what. */
static void test_bad_note_writes_nothing(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_account a = make_account("new.user", TOLK_ROLE_STAFF), got;
    struct tolk_audit_note named = make_note(SECRET_NAME " Smith", "account_created", "");
    struct tolk_audit_note subject = make_note("system", "account_created", "account:1");
    struct tolk_audit_note keyless = make_note("system", "account_created", "");
    struct tolk_audit_note purge = make_note("system", "audit_purged", "");

    keyless.key = NULL;
    assert_int_equal(tolk_store_account_create(f->st, &a, &named), TOLK_STORE_EINVAL);
    assert_clean_message(f->st);
    assert_non_null(strstr(tolk_store_errmsg(f->st), "actor"));
    assert_int_equal(tolk_store_account_create(f->st, &a, &subject), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_account_create(f->st, &a, &keyless), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_account_create(f->st, &a, &purge), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_account_find(f->st, "new.user", &got), TOLK_STORE_ENOTFOUND);
    assert_int_equal(audit_count(f->st), 0);
}

/* When the audit entry cannot be written, the change it records is rolled back with it. */
static void test_audit_failure_rolls_back(void **state)
{
    struct store_fixture *f = *state;
    int64_t id = create_ok(f->st, "clin.one", TOLK_ROLE_CLINICIAN);
    struct tolk_account a = make_account("clin.two", TOLK_ROLE_CLINICIAN), got;
    struct tolk_audit_note created = make_note("system", "account_created", "");
    struct tolk_audit_note off = make_note("account:1", "account_disabled", "account:1");
    struct tolk_auth_token t = make_token(5, id, 9000);
    struct tolk_auth_grant g;
    const char *keys[1] = {"acct:aa"};
    struct tolk_login_failures lf;

    assert_int_equal(tolk_store_auth_token_add(f->st, &t, NULL), TOLK_STORE_OK);
    assert_int_equal(
        tolk_store_sqlite_exec_testing(f->st, "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log"
                                              " BEGIN SELECT RAISE(ABORT, 'audit refused'); END;"),
        TOLK_STORE_OK);
    assert_int_not_equal(tolk_store_account_create(f->st, &a, &created), TOLK_STORE_OK);
    assert_int_equal(tolk_store_account_find(f->st, "clin.two", &got), TOLK_STORE_ENOTFOUND);
    assert_int_not_equal(tolk_store_account_set_disabled(f->st, id, 1, &off), TOLK_STORE_OK);
    assert_int_equal(tolk_store_account_get(f->st, id, &got), TOLK_STORE_OK);
    assert_int_equal(got.disabled, 0);
    assert_int_equal(tolk_store_auth_token_find(f->st, t.hash, &g), TOLK_STORE_OK);
    assert_int_equal(g.revoked, 0);
    assert_int_not_equal(tolk_store_login_failure_record(f->st, keys, 1, 5, 0, NULL, &off),
                         TOLK_STORE_OK);
    assert_int_equal(tolk_store_login_failure_get(f->st, keys[0], &lf), TOLK_STORE_OK);
    assert_int_equal(lf.failures, 0);
    assert_int_equal(tolk_store_sqlite_exec_testing(f->st, "DROP TRIGGER no_audit"), TOLK_STORE_OK);
    assert_int_equal(audit_count(f->st), 1);
}

static void test_bootstrap(void **state)
{
    struct store_fixture *f = *state;
    struct tolk_account first = make_account("root.admin", TOLK_ROLE_ADMIN);
    struct tolk_account second = make_account("other.admin", TOLK_ROLE_ADMIN);
    struct tolk_account staff = make_account("staff.first", TOLK_ROLE_STAFF);
    struct tolk_audit_note n = make_note("system", "account_created", "");
    uint64_t count = 99;

    assert_int_equal(tolk_store_account_count_role(f->st, TOLK_ROLE_ADMIN, &count), TOLK_STORE_OK);
    assert_int_equal(count, 0);
    assert_int_equal(tolk_store_account_bootstrap(f->st, &staff, &n), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_account_bootstrap(f->st, &first, &n), TOLK_STORE_OK);
    assert_int_equal(tolk_store_account_bootstrap(f->st, &second, &n), TOLK_STORE_ECONSTRAINT);
    assert_int_equal(second.id, 0);
    assert_int_equal(tolk_store_account_count_role(f->st, TOLK_ROLE_ADMIN, &count), TOLK_STORE_OK);
    assert_int_equal(count, 1);
    /* A disabled admin still exists: bootstrap stays refused. */
    assert_int_equal(tolk_store_account_set_disabled(f->st, first.id, 1, NULL), TOLK_STORE_OK);
    assert_int_equal(tolk_store_account_bootstrap(f->st, &second, &n), TOLK_STORE_ECONSTRAINT);
    assert_int_equal(tolk_store_account_count_role(f->st, (enum tolk_account_role)0, &count),
                     TOLK_STORE_EINVAL);
    assert_int_equal(audit_count(f->st), 1);
}

/* A store left at schema 4 by an older tolkd gains the account tables on open. */
static void test_migrate_from_v4(void **state)
{
    struct store_fixture *f = *state;
    char path[160], err[TOLK_STORE_ERR_MAX];
    struct tolk_store *st = NULL;
    int version = 0;

    snprintf(path, sizeof(path), "%s/old.db", f->dir);
    assert_int_equal(tolk_store_sqlite_create_at_version(path, 4, err, sizeof(err)), TOLK_STORE_OK);
    assert_int_equal(tolk_store_open(path, &st, err, sizeof(err)), TOLK_STORE_OK);
    assert_int_equal(tolk_store_schema_version(st, &version), TOLK_STORE_OK);
    assert_int_equal(version, tolk_store_latest_schema_version());
    create_ok(st, "after.migration", TOLK_ROLE_ADMIN);
    tolk_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_find_get, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_username_unique_in_any_case, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_username_rules, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_account_field_rules, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_list_paging, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tokens, store_fixture_setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tokens_purge, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_disable_revokes_tokens, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_password_hash_update, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_login_failures, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_login_failures_rules_and_purge, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_notes_chain, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_bad_note_writes_nothing, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_audit_failure_rolls_back, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_bootstrap, store_fixture_setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_migrate_from_v4, store_fixture_setup,
                                        store_fixture_teardown),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
