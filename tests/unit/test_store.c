/*
 * Unit tests for the store (store.h) and its SQLite backend.
 *
 * Every test gets its own fresh directory under /tmp, removed afterwards, so tests never see
 * each other's files. A second, raw SQLite connection is used where the test needs to look at
 * or tamper with the file behind the store's back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store.h"
#include "store_sqlite_testing.h"

#include <sqlite3.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
    char dir[64];
    char path[128]; /* dir/tolk.db, not created */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/tolk-store-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/tolk.db", f->dir);
    *state = f;
    return 0;
}

/* Removes PATH and everything below it; tests only ever create shallow trees. */
static void rm_tree(const char *path)
{
    struct stat sb;
    DIR *d;
    struct dirent *e;

    if (lstat(path, &sb) != 0)
        return;
    if (!S_ISDIR(sb.st_mode)) {
        unlink(path);
        return;
    }
    chmod(path, 0700);
    d = opendir(path);
    while (d != NULL && (e = readdir(d)) != NULL) {
        char child[512];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
        rm_tree(child);
    }
    if (d != NULL)
        closedir(d);
    rmdir(path);
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    rm_tree(f->dir);
    free(f);
    return 0;
}

/* Number of entries in DIR besides . and .. */
static int dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    }
    closedir(d);
    return n;
}

/* The whole file, malloc'd; *len gets its size. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf;
    long n;

    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    assert_true(n >= 0);
    rewind(fp);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static void assert_same_bytes(const unsigned char *before, size_t len, const char *path)
{
    size_t now_len;
    unsigned char *now = slurp(path, &now_len);

    assert_int_equal(now_len, len);
    assert_memory_equal(now, before, len);
    free(now);
}

/* Deterministic garbage, so a failure can be reproduced. */
static void fill_garbage(unsigned char *buf, size_t len, uint32_t seed)
{
    uint32_t x = seed;

    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (unsigned char)(x >> 24);
    }
}

static void assert_one_line(const char *msg)
{
    assert_non_null(msg);
    assert_true(msg[0] != '\0');
    assert_true(strlen(msg) < TOLK_STORE_ERR_MAX);
    assert_null(strchr(msg, '\n'));
}

static struct tolk_store *open_ok(const char *location)
{
    struct tolk_store *st = NULL;
    char err[TOLK_STORE_ERR_MAX];
    int rc = tolk_store_open(location, &st, err, sizeof(err));

    if (rc != TOLK_STORE_OK)
        print_error("open %s: %s: %s\n", location, tolk_store_status_name(rc), err);
    assert_int_equal(rc, TOLK_STORE_OK);
    assert_non_null(st);
    return st;
}

/* Runs SQL on a raw connection of our own. */
static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* The first column of the first row of SQL, as text, from a raw connection. */
static void raw_text(const char *path, const char *sql, char *out, size_t outlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    out[0] = '\0';
    if (sqlite3_step(q) == SQLITE_ROW)
        snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static struct tolk_session_event make_event(const char *session, const char *participant,
                                            enum tolk_session_event_kind kind, int64_t at)
{
    struct tolk_session_event ev;

    memset(&ev, 0, sizeof(ev));
    snprintf(ev.session_ref, sizeof(ev.session_ref), "%s", session);
    snprintf(ev.participant_ref, sizeof(ev.participant_ref), "%s", participant);
    snprintf(ev.role, sizeof(ev.role), "clinician");
    ev.kind = kind;
    ev.at = at;
    return ev;
}

static void test_fresh_create(void **state)
{
    struct fixture *f = *state;
    char location[160], buf[64];
    struct tolk_store *st;
    int version = -1;

    snprintf(location, sizeof(location), "sqlite:%s", f->path);
    st = open_ok(location);
    assert_int_equal(tolk_store_was_created(st), 1);
    assert_int_equal(tolk_store_schema_version(st, &version), TOLK_STORE_OK);
    assert_int_equal(version, tolk_store_latest_schema_version());
    assert_int_equal(tolk_store_latest_schema_version(), 9);
    assert_string_equal(tolk_store_errmsg(st), "");

    assert_int_equal(tolk_store_meta_get(st, "created_at", buf, sizeof(buf)), TOLK_STORE_OK);
    assert_true(strtoll(buf, NULL, 10) > 1600000000);

    raw_text(f->path, "PRAGMA journal_mode", buf, sizeof(buf));
    assert_string_equal(buf, "wal");

    /* Foreign keys are a per-connection setting: test them on the store's own connection. */
    assert_int_equal(tolk_store_sqlite_exec_testing(
                         st, "CREATE TABLE fk_parent (id INTEGER PRIMARY KEY);"
                             "CREATE TABLE fk_child (pid INTEGER REFERENCES fk_parent (id));"),
                     TOLK_STORE_OK);
    assert_int_equal(tolk_store_sqlite_exec_testing(st, "INSERT INTO fk_child VALUES (7)"),
                     TOLK_STORE_ECONSTRAINT);
    assert_one_line(tolk_store_errmsg(st));
    assert_non_null(strstr(tolk_store_errmsg(st), "FOREIGN KEY"));

    assert_int_equal(tolk_store_flush(st), TOLK_STORE_OK);
    tolk_store_close(st);
}

static void test_reopen_keeps_data(void **state)
{
    struct fixture *f = *state;
    struct tolk_store *st = open_ok(f->path);
    struct tolk_session_event ev = make_event("s1", "p1", TOLK_SESSION_JOIN, 1000);
    char buf[64];
    uint64_t count = 0;
    int version = 0;

    assert_int_equal(tolk_store_meta_set(st, "instance_id", "node-a"), TOLK_STORE_OK);
    assert_int_equal(tolk_store_session_event_add(st, &ev), TOLK_STORE_OK);
    tolk_store_close(st);

    st = open_ok(f->path);
    assert_int_equal(tolk_store_was_created(st), 0);
    assert_int_equal(tolk_store_schema_version(st, &version), TOLK_STORE_OK);
    assert_int_equal(version, tolk_store_latest_schema_version());
    assert_int_equal(tolk_store_meta_get(st, "instance_id", buf, sizeof(buf)), TOLK_STORE_OK);
    assert_string_equal(buf, "node-a");
    assert_int_equal(tolk_store_session_event_count(st, &count), TOLK_STORE_OK);
    assert_int_equal(count, 1);
    tolk_store_close(st);
}

static void test_migrate_from_v1(void **state)
{
    struct fixture *f = *state;
    char err[TOLK_STORE_ERR_MAX], buf[64];
    struct tolk_store *st;
    struct tolk_session_event ev = make_event("s1", "p1", TOLK_SESSION_LEAVE, 5);
    uint64_t count = 0;
    int version = 0;

    assert_int_equal(tolk_store_sqlite_create_at_version(f->path, 1, err, sizeof(err)),
                     TOLK_STORE_OK);
    raw_text(f->path, "PRAGMA user_version", buf, sizeof(buf));
    assert_string_equal(buf, "1");
    raw_text(f->path, "SELECT count(*) FROM sqlite_schema WHERE name = 'session_events'", buf,
             sizeof(buf));
    assert_string_equal(buf, "0");
    raw_exec(f->path, "INSERT INTO meta (key, value) VALUES ('instance_id', 'from-v1')");

    st = open_ok(f->path);
    assert_int_equal(tolk_store_was_created(st), 0);
    assert_int_equal(tolk_store_schema_version(st, &version), TOLK_STORE_OK);
    assert_int_equal(version, tolk_store_latest_schema_version());
    assert_int_equal(tolk_store_meta_get(st, "instance_id", buf, sizeof(buf)), TOLK_STORE_OK);
    assert_string_equal(buf, "from-v1");
    assert_int_equal(tolk_store_meta_get(st, "created_at", buf, sizeof(buf)), TOLK_STORE_OK);
    assert_int_equal(tolk_store_session_event_add(st, &ev), TOLK_STORE_OK);
    assert_int_equal(tolk_store_session_event_count(st, &count), TOLK_STORE_OK);
    assert_int_equal(count, 1);
    tolk_store_close(st);

    assert_int_equal(tolk_store_sqlite_create_at_version(f->path, 1, err, sizeof(err)),
                     TOLK_STORE_EINVAL);
}

static int file_exists(const char *path, const char *suffix)
{
    char name[256];

    snprintf(name, sizeof(name), "%s%s", path, suffix);
    return access(name, F_OK) == 0;
}

/* A migration that fails leaves the file at the version it had, with its data. */
static void test_failed_migration_rolls_back(void **state)
{
    struct fixture *f = *state;
    struct tolk_store *st = NULL;
    char err[TOLK_STORE_ERR_MAX], buf[64];

    assert_int_equal(tolk_store_sqlite_create_at_version(f->path, 1, err, sizeof(err)),
                     TOLK_STORE_OK);
    raw_exec(f->path, "INSERT INTO meta (key, value) VALUES ('instance_id', 'kept');"
                      "CREATE TABLE session_events (x);");
    assert_int_equal(tolk_store_open(f->path, &st, err, sizeof(err)), TOLK_STORE_EIO);
    assert_null(st);
    assert_one_line(err);
    assert_non_null(strstr(err, "migration to schema version 2 failed, rolled back"));
    raw_text(f->path, "PRAGMA user_version", buf, sizeof(buf));
    assert_string_equal(buf, "1");
    raw_text(f->path, "SELECT value FROM meta WHERE key = 'instance_id'", buf, sizeof(buf));
    assert_string_equal(buf, "kept");
    raw_text(f->path, "SELECT count(*) FROM sqlite_schema WHERE name = 'session_events_at'", buf,
             sizeof(buf));
    assert_string_equal(buf, "0");
}

/* Expects opening PATH to fail with WANT, leaving the file exactly as it was. */
static void assert_refused_unchanged(const char *path, int want, const char *why)
{
    struct tolk_store *st = (struct tolk_store *)1;
    char err[TOLK_STORE_ERR_MAX] = "";
    size_t len;
    unsigned char *before = slurp(path, &len);
    int rc = tolk_store_open(path, &st, err, sizeof(err));

    if (rc != want)
        print_error("got %s: %s\n", tolk_store_status_name(rc), err);
    assert_int_equal(rc, want);
    assert_null(st);
    assert_one_line(err);
    assert_non_null(strstr(err, why));
    assert_same_bytes(before, len, path);
    free(before);
    assert_false(file_exists(path, "-wal"));
    assert_false(file_exists(path, "-shm"));
    assert_false(file_exists(path, "-journal"));
}

static void test_newer_schema_refused(void **state)
{
    struct fixture *f = *state;
    char sql[64], want[128];

    tolk_store_close(open_ok(f->path));
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", tolk_store_latest_schema_version() + 1);
    raw_exec(f->path, sql);
    snprintf(want, sizeof(want), "schema version %d is newer than this tolkd understands (%d)",
             tolk_store_latest_schema_version() + 1, tolk_store_latest_schema_version());
    assert_refused_unchanged(f->path, TOLK_STORE_ENEWER, want);
}

static void test_random_bytes_refused(void **state)
{
    struct fixture *f = *state;
    unsigned char junk[8192];
    FILE *fp = fopen(f->path, "wb");

    assert_non_null(fp);
    fill_garbage(junk, sizeof(junk), 0x70111u);
    assert_int_equal(fwrite(junk, 1, sizeof(junk), fp), sizeof(junk));
    fclose(fp);
    assert_refused_unchanged(f->path, TOLK_STORE_ECORRUPT,
                             "is not a SQLite database (or is encrypted/corrupt)");
}

static void test_damaged_page_refused(void **state)
{
    struct fixture *f = *state;
    struct tolk_store *st = open_ok(f->path);
    unsigned char junk[4096];
    char buf[32];
    FILE *fp;

    assert_int_equal(tolk_store_meta_set(st, "instance_id", "node-a"), TOLK_STORE_OK);
    tolk_store_close(st);
    raw_text(f->path, "PRAGMA page_size", buf, sizeof(buf));
    assert_string_equal(buf, "4096");

    fp = fopen(f->path, "r+b");
    assert_non_null(fp);
    fill_garbage(junk, sizeof(junk), 0xbad5eedu);
    assert_int_equal(fseek(fp, 4096, SEEK_SET), 0);
    assert_int_equal(fwrite(junk, 1, sizeof(junk), fp), sizeof(junk));
    fclose(fp);
    assert_refused_unchanged(f->path, TOLK_STORE_ECORRUPT, "is damaged");
}

static void test_unwritable_dir(void **state)
{
    struct fixture *f = *state;
    struct tolk_store *st = NULL;
    char err[TOLK_STORE_ERR_MAX], want[128];

    if (geteuid() == 0)
        skip(); /* root ignores directory permissions; test_missing_dir covers this path */
    assert_int_equal(chmod(f->dir, 0500), 0);
    assert_int_equal(tolk_store_open(f->path, &st, err, sizeof(err)), TOLK_STORE_EREADONLY);
    chmod(f->dir, 0700);
    assert_null(st);
    snprintf(want, sizeof(want), "cannot create database in %s: Permission denied", f->dir);
    assert_string_equal(err, want);
    assert_int_equal(dir_entries(f->dir), 0);
}

static void test_readonly_file(void **state)
{
    struct fixture *f = *state;
    struct tolk_store *st = NULL;
    char err[TOLK_STORE_ERR_MAX], want[192];

    if (geteuid() == 0)
        skip(); /* root ignores file permissions */
    tolk_store_close(open_ok(f->path));
    assert_int_equal(chmod(f->path, 0400), 0);
    assert_int_equal(tolk_store_open(f->path, &st, err, sizeof(err)), TOLK_STORE_EREADONLY);
    assert_null(st);
    snprintf(want, sizeof(want), "%s is read-only", f->path);
    assert_string_equal(err, want);
}

static void test_missing_dir(void **state)
{
    struct fixture *f = *state;
    struct tolk_store *st = NULL;
    char err[TOLK_STORE_ERR_MAX], path[192], want[192];

    snprintf(path, sizeof(path), "%s/missing/tolk.db", f->dir);
    assert_int_equal(tolk_store_open(path, &st, err, sizeof(err)), TOLK_STORE_EIO);
    assert_null(st);
    snprintf(want, sizeof(want), "cannot create database in %s/missing: No such file or directory",
             f->dir);
    assert_string_equal(err, want);
    assert_int_equal(dir_entries(f->dir), 0);
}

static void test_other_backends(void **state)
{
    struct tolk_store *st = NULL;
    char err[TOLK_STORE_ERR_MAX];

    (void)state;
    assert_int_equal(tolk_store_open("postgresql://tolk:hunter2@db/tolk", &st, err, sizeof(err)),
                     TOLK_STORE_ENOBACKEND);
    assert_null(st);
    assert_string_equal(err, "the PostgreSQL backend is not built into this tolkd");
    assert_int_equal(tolk_store_open("postgres://db/tolk", &st, err, sizeof(err)),
                     TOLK_STORE_ENOBACKEND);
    assert_string_equal(err, "the PostgreSQL backend is not built into this tolkd");
    assert_int_equal(tolk_store_open("mysql://root:hunter2@db/tolk", &st, err, sizeof(err)),
                     TOLK_STORE_ENOBACKEND);
    assert_one_line(err);
    assert_non_null(strstr(err, "mysql"));
    assert_null(strstr(err, "hunter2"));
    assert_null(st);
}

static void test_open_bad_args(void **state)
{
    struct fixture *f = *state;
    struct tolk_store *st = NULL;
    char err[TOLK_STORE_ERR_MAX];
    char *huge = malloc(8192);

    assert_non_null(huge);
    assert_int_equal(tolk_store_open(NULL, &st, err, sizeof(err)), TOLK_STORE_EINVAL);
    assert_one_line(err);
    assert_int_equal(tolk_store_open("", &st, err, sizeof(err)), TOLK_STORE_EINVAL);
    assert_one_line(err);
    assert_int_equal(tolk_store_open("sqlite:", &st, err, sizeof(err)), TOLK_STORE_EINVAL);
    assert_one_line(err);
    assert_int_equal(tolk_store_open(f->path, NULL, err, sizeof(err)), TOLK_STORE_EINVAL);
    assert_one_line(err);
    memset(huge, 'a', 8191);
    huge[0] = '/';
    huge[8191] = '\0';
    assert_int_equal(tolk_store_open(huge, &st, err, sizeof(err)), TOLK_STORE_EINVAL);
    assert_one_line(err);
    assert_null(st);
    /* A failed open with no message buffer is still just a status. */
    assert_int_equal(tolk_store_open("", &st, NULL, 0), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_open(f->dir, &st, err, sizeof(err)), TOLK_STORE_EIO);
    assert_one_line(err);
    free(huge);
    assert_int_equal(dir_entries(f->dir), 0);
}

static void test_meta(void **state)
{
    struct fixture *f = *state;
    struct tolk_store *st = open_ok(f->path);
    char buf[16], longkey[TOLK_STORE_REF_MAX + 1];

    assert_int_equal(tolk_store_meta_set(st, "k", "first"), TOLK_STORE_OK);
    assert_int_equal(tolk_store_meta_get(st, "k", buf, sizeof(buf)), TOLK_STORE_OK);
    assert_string_equal(buf, "first");
    assert_int_equal(tolk_store_meta_set(st, "k", "second value"), TOLK_STORE_OK);
    assert_int_equal(tolk_store_meta_get(st, "k", buf, sizeof(buf)), TOLK_STORE_OK);
    assert_string_equal(buf, "second value");
    assert_int_equal(tolk_store_meta_set(st, "empty", ""), TOLK_STORE_OK);
    assert_int_equal(tolk_store_meta_get(st, "empty", buf, sizeof(buf)), TOLK_STORE_OK);
    assert_string_equal(buf, "");

    assert_int_equal(tolk_store_meta_get(st, "absent", buf, sizeof(buf)), TOLK_STORE_ENOTFOUND);
    assert_one_line(tolk_store_errmsg(st));
    assert_null(strstr(tolk_store_errmsg(st), "absent"));

    /* "second value" needs 13 bytes: 12 is too few and must leave the buffer untouched. */
    memset(buf, 'X', sizeof(buf));
    assert_int_equal(tolk_store_meta_get(st, "k", buf, 12), TOLK_STORE_EINVAL);
    assert_one_line(tolk_store_errmsg(st));
    assert_null(strstr(tolk_store_errmsg(st), "second"));
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 'X');
    assert_int_equal(tolk_store_meta_get(st, "k", buf, 13), TOLK_STORE_OK);
    assert_string_equal(buf, "second value");
    assert_int_equal(tolk_store_meta_get(st, "k", buf, 0), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_meta_get(st, "k", NULL, 16), TOLK_STORE_EINVAL);

    memset(longkey, 'k', TOLK_STORE_REF_MAX);
    longkey[TOLK_STORE_REF_MAX] = '\0';
    assert_int_equal(tolk_store_meta_set(st, longkey, "v"), TOLK_STORE_EINVAL);
    assert_one_line(tolk_store_errmsg(st));
    assert_int_equal(tolk_store_meta_set(st, "", "v"), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_meta_set(st, "a\nb", "v"), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_meta_set(st, NULL, "v"), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_meta_set(st, "k", NULL), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_meta_get(st, longkey, buf, sizeof(buf)), TOLK_STORE_EINVAL);
    tolk_store_close(st);
}

static void test_meta_value_limit(void **state)
{
    struct fixture *f = *state;
    struct tolk_store *st = open_ok(f->path);
    size_t big = 64 * 1024;
    char *value = malloc(big + 1);
    char *back = malloc(big + 1);

    assert_non_null(value);
    assert_non_null(back);
    memset(value, 'v', big);
    value[big] = '\0';
    assert_int_equal(tolk_store_meta_set(st, "big", value), TOLK_STORE_EINVAL);
    assert_one_line(tolk_store_errmsg(st));
    value[1000] = '\0';
    assert_int_equal(tolk_store_meta_set(st, "big", value), TOLK_STORE_OK);
    assert_int_equal(tolk_store_meta_get(st, "big", back, big + 1), TOLK_STORE_OK);
    assert_string_equal(back, value);
    free(value);
    free(back);
    tolk_store_close(st);
}

static void test_session_events(void **state)
{
    struct fixture *f = *state;
    struct tolk_store *st = open_ok(f->path);
    const int64_t times[] = {100, 199, 200, 300};
    uint64_t count = 99, purged = 99;

    assert_int_equal(tolk_store_session_event_count(st, &count), TOLK_STORE_OK);
    assert_int_equal(count, 0);
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        struct tolk_session_event ev =
            make_event("s1", "p1", i % 2 ? TOLK_SESSION_LEAVE : TOLK_SESSION_JOIN, times[i]);
        assert_int_equal(tolk_store_session_event_add(st, &ev), TOLK_STORE_OK);
    }
    assert_int_equal(tolk_store_session_event_count(st, &count), TOLK_STORE_OK);
    assert_int_equal(count, 4);

    assert_int_equal(tolk_store_session_events_purge(st, 200, &purged), TOLK_STORE_OK);
    assert_int_equal(purged, 2);
    assert_int_equal(tolk_store_session_event_count(st, &count), TOLK_STORE_OK);
    assert_int_equal(count, 2);
    assert_int_equal(tolk_store_session_events_purge(st, 200, &purged), TOLK_STORE_OK);
    assert_int_equal(purged, 0);
    assert_int_equal(tolk_store_session_events_purge(st, INT64_MAX, &purged), TOLK_STORE_OK);
    assert_int_equal(purged, 2);
    assert_int_equal(tolk_store_session_event_count(st, &count), TOLK_STORE_OK);
    assert_int_equal(count, 0);
    assert_int_equal(tolk_store_session_events_purge(st, 0, NULL), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_session_event_count(st, NULL), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_flush(st), TOLK_STORE_OK);
    tolk_store_close(st);
}

/* Adds EV, expects EINVAL with a one-line message that does not repeat the secret. */
static void assert_event_rejected(struct tolk_store *st, const struct tolk_session_event *ev)
{
    assert_int_equal(tolk_store_session_event_add(st, ev), TOLK_STORE_EINVAL);
    assert_one_line(tolk_store_errmsg(st));
    assert_null(strstr(tolk_store_errmsg(st), "secret"));
}

static void test_session_event_bad_args(void **state)
{
    struct fixture *f = *state;
    struct tolk_store *st = open_ok(f->path);
    struct tolk_session_event ev;
    uint64_t count = 99;

    ev = make_event("s1", "p1", TOLK_SESSION_JOIN, 1);
    memset(ev.session_ref, 's', sizeof(ev.session_ref)); /* no NUL anywhere in the field */
    assert_event_rejected(st, &ev);
    ev = make_event("s1", "p1", TOLK_SESSION_JOIN, 1);
    memset(ev.participant_ref, 'p', sizeof(ev.participant_ref));
    assert_event_rejected(st, &ev);
    ev = make_event("s1", "p1", TOLK_SESSION_JOIN, 1);
    memset(ev.role, 'r', sizeof(ev.role));
    assert_event_rejected(st, &ev);
    ev = make_event("", "p1", TOLK_SESSION_JOIN, 1);
    assert_event_rejected(st, &ev);
    ev = make_event("s1", "secret\nline", TOLK_SESSION_JOIN, 1);
    assert_event_rejected(st, &ev);
    ev = make_event("secret\x7f", "p1", TOLK_SESSION_JOIN, 1);
    assert_event_rejected(st, &ev);
    ev = make_event("s1", "p1", TOLK_SESSION_JOIN, 1);
    ev.role[0] = '\0';
    assert_event_rejected(st, &ev);
    ev = make_event("secret", "p1", (enum tolk_session_event_kind)0, 1);
    assert_event_rejected(st, &ev);
    ev = make_event("secret", "p1", (enum tolk_session_event_kind)3, 1);
    assert_event_rejected(st, &ev);
    assert_int_equal(tolk_store_session_event_add(st, NULL), TOLK_STORE_EINVAL);

    /* The longest reference that fits is accepted. */
    ev = make_event("s1", "p1", TOLK_SESSION_JOIN, 1);
    memset(ev.session_ref, 's', sizeof(ev.session_ref) - 1);
    ev.session_ref[sizeof(ev.session_ref) - 1] = '\0';
    assert_int_equal(tolk_store_session_event_add(st, &ev), TOLK_STORE_OK);
    assert_int_equal(tolk_store_session_event_count(st, &count), TOLK_STORE_OK);
    assert_int_equal(count, 1);
    tolk_store_close(st);
}

static void test_null_handles_and_names(void **state)
{
    uint64_t n = 0;
    int version = 0;
    char buf[8];
    struct tolk_session_event ev = make_event("s", "p", TOLK_SESSION_JOIN, 1);

    (void)state;
    tolk_store_close(NULL);
    assert_string_equal(tolk_store_errmsg(NULL), "");
    assert_int_equal(tolk_store_was_created(NULL), 0);
    assert_int_equal(tolk_store_schema_version(NULL, &version), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_flush(NULL), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_meta_get(NULL, "k", buf, sizeof(buf)), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_meta_set(NULL, "k", "v"), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_session_event_add(NULL, &ev), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_session_event_count(NULL, &n), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_session_events_purge(NULL, 0, &n), TOLK_STORE_EINVAL);

    assert_string_equal(tolk_store_status_name(TOLK_STORE_OK), "TOLK_STORE_OK");
    assert_string_equal(tolk_store_status_name(TOLK_STORE_ECORRUPT), "TOLK_STORE_ECORRUPT");
    assert_string_equal(tolk_store_status_name(TOLK_STORE_ECONSTRAINT), "TOLK_STORE_ECONSTRAINT");
    assert_string_equal(tolk_store_status_name(-99), "TOLK_STORE_UNKNOWN");
    for (int s = TOLK_STORE_ECONSTRAINT; s <= TOLK_STORE_OK; s++)
        assert_non_null(strstr(tolk_store_status_name(s), "TOLK_STORE_"));
}

static struct tolk_join_token make_token(uint8_t seed, const char *role)
{
    struct tolk_join_token t;
    memset(&t, 0, sizeof(t));
    memset(t.hash, seed, sizeof(t.hash));
    snprintf(t.role, sizeof(t.role), "%s", role);
    t.valid_from = 1000;
    t.valid_until = 9000;
    return t;
}

static void test_appointments_and_tokens(void **state)
{
    struct fixture *f = *state;
    struct tolk_store *st = open_ok(f->path);
    struct tolk_appointment a = {
        .starts_at = 2000, .ends_at = 5000, .status = TOLK_APPOINTMENT_BOOKED};
    snprintf(a.ref, sizeof(a.ref), "0123456789abcdef0123456789abcdef");
    struct tolk_join_token tokens[3] = {make_token(1, "client"), make_token(2, "clinician"),
                                        make_token(3, "interpreter")};
    assert_int_equal(tolk_store_appointment_create(st, &a, tokens, 3), TOLK_STORE_OK);
    assert_true(a.id > 0);

    struct tolk_token_grant g;
    assert_int_equal(tolk_store_token_find(st, tokens[2].hash, &g), TOLK_STORE_OK);
    assert_int_equal(g.appointment.id, a.id);
    assert_string_equal(g.appointment.ref, a.ref);
    assert_int_equal(g.appointment.starts_at, 2000);
    assert_int_equal(g.appointment.ends_at, 5000);
    assert_int_equal(g.appointment.status, TOLK_APPOINTMENT_BOOKED);
    assert_string_equal(g.role, "interpreter");
    assert_int_equal(g.valid_from, 1000);
    assert_int_equal(g.valid_until, 9000);
    assert_int_equal(g.revoked, 0);

    uint8_t unknown[TOLK_STORE_TOKEN_HASH_BYTES];
    memset(unknown, 9, sizeof(unknown));
    assert_int_equal(tolk_store_token_find(st, unknown, &g), TOLK_STORE_ENOTFOUND);
    tolk_store_close(st);
}

static void test_appointment_is_all_or_nothing(void **state)
{
    struct fixture *f = *state;
    struct tolk_store *st = open_ok(f->path);
    struct tolk_appointment a = {.starts_at = 1, .ends_at = 2, .status = TOLK_APPOINTMENT_BOOKED};
    snprintf(a.ref, sizeof(a.ref), "first");
    struct tolk_join_token one = make_token(7, "client");
    assert_int_equal(tolk_store_appointment_create(st, &a, &one, 1), TOLK_STORE_OK);

    /* the second booking's second token collides: neither it nor its appointment may stay */
    struct tolk_appointment b = a;
    snprintf(b.ref, sizeof(b.ref), "second");
    struct tolk_join_token two[2] = {make_token(8, "client"), make_token(7, "clinician")};
    assert_int_equal(tolk_store_appointment_create(st, &b, two, 2), TOLK_STORE_ECONSTRAINT);
    assert_one_line(tolk_store_errmsg(st));
    struct tolk_token_grant g;
    assert_int_equal(tolk_store_token_find(st, two[0].hash, &g), TOLK_STORE_ENOTFOUND);
    char count[32];
    tolk_store_close(st);
    raw_text(f->path, "SELECT count(*) FROM appointments", count, sizeof(count));
    assert_string_equal(count, "1");
}

static void test_appointment_bad_args(void **state)
{
    struct fixture *f = *state;
    struct tolk_store *st = open_ok(f->path);
    struct tolk_appointment a = {.starts_at = 5, .ends_at = 5, .status = TOLK_APPOINTMENT_BOOKED};
    snprintf(a.ref, sizeof(a.ref), "r");
    struct tolk_join_token t = make_token(1, "client");
    assert_int_equal(tolk_store_appointment_create(st, &a, &t, 1), TOLK_STORE_EINVAL);
    a.ends_at = 6;
    a.ref[0] = '\0';
    assert_int_equal(tolk_store_appointment_create(st, &a, &t, 1), TOLK_STORE_EINVAL);
    snprintf(a.ref, sizeof(a.ref), "r");
    snprintf(t.role, sizeof(t.role), "immigration officer");
    assert_int_equal(tolk_store_appointment_create(st, &a, &t, 1), TOLK_STORE_EINVAL);
    t = make_token(1, "client");
    t.valid_until = t.valid_from;
    assert_int_equal(tolk_store_appointment_create(st, &a, &t, 1), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_appointment_create(st, NULL, &t, 1), TOLK_STORE_EINVAL);
    assert_int_equal(tolk_store_token_find(st, NULL, NULL), TOLK_STORE_EINVAL);
    tolk_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fresh_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_appointments_and_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_appointment_is_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_appointment_bad_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_from_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_migration_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_bytes_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_page_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_dir, setup, teardown),
        cmocka_unit_test(test_other_backends),
        cmocka_unit_test_setup_teardown(test_open_bad_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta_value_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_event_bad_args, setup, teardown),
        cmocka_unit_test(test_null_handles_and_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
