/*
 * The SQLite backend: one file, one connection, used by one thread at a time.
 *
 * This file, store_sqlite_appointments.c, store_sqlite_audit.c and store_sqlite_accounts.c are
 * the only ones that include sqlite3.h. Everything they run is either fixed SQL or a statement
 * prepared once at open with values bound by length, so no stored value is ever part of SQL
 * text, and no stored value is ever part of an error message: messages carry the operation, the
 * path and SQLite's own description of the failure, nothing else.
 *
 * Opening never changes a file it is going to refuse. Everything that writes (WAL journaling,
 * migrations) happens only after the file has been shown to be a SQLite database, to pass a
 * quick integrity check, and to have a schema this build understands.
 */
#include "store.h"
#include "store_backend.h"
#include "store_sqlite_testing.h"

#include <sqlite3.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_sqlite_internal.h"

#define BUSY_TIMEOUT_MS 5000

/*
 * The schema, one step per entry: migrations[i] takes a database from version i to i+1. Never
 * edit an entry that has shipped; append a new one. Each runs in its own transaction together
 * with the user_version bump, so a crash leaves the file at one version or the next.
 */
static const char *const migrations[] = {
    /* 1: named settings the service keeps about itself. */
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "INSERT INTO meta (key, value) VALUES ('created_at', strftime('%s', 'now'));",
    /* 2: who joined or left which session when; purged by age, hence the index on at. */
    "CREATE TABLE session_events ("
    " id INTEGER PRIMARY KEY,"
    " session_ref TEXT NOT NULL,"
    " participant_ref TEXT NOT NULL,"
    " role TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('join', 'leave')),"
    " at INTEGER NOT NULL);"
    "CREATE INDEX session_events_at ON session_events (at);",
    /* 3: appointments and the hashes of their join tokens (never the tokens themselves). */
    "CREATE TABLE appointments ("
    " id INTEGER PRIMARY KEY,"
    " ref TEXT NOT NULL UNIQUE,"
    " starts_at INTEGER NOT NULL,"
    " ends_at INTEGER NOT NULL CHECK (ends_at > starts_at),"
    " status TEXT NOT NULL CHECK (status IN ('booked', 'cancelled')),"
    " created_at INTEGER NOT NULL DEFAULT (strftime('%s', 'now')));"
    "CREATE TABLE join_tokens ("
    " token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),"
    " appointment_id INTEGER NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,"
    " role TEXT NOT NULL CHECK (role IN ('client', 'clinician', 'interpreter', 'support')),"
    " valid_from INTEGER NOT NULL,"
    " valid_until INTEGER NOT NULL CHECK (valid_until > valid_from),"
    " revoked INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE INDEX join_tokens_appointment ON join_tokens (appointment_id);",
    /*
     * 4: the audit log, hash-chained (audit_chain.h), and the anchor its verification starts
     * from after a purge. The triggers stop casual edits: rows can be neither changed nor
     * deleted, and the anchor not moved, except while a purge holds the guard row inside its
     * own transaction. They do not stop someone who drops them; the keyed chain catches that.
     */
    "CREATE TABLE audit_log ("
    " seq INTEGER PRIMARY KEY,"
    " at INTEGER NOT NULL,"
    " actor TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " subject TEXT NOT NULL,"
    " detail TEXT NOT NULL,"
    " prev_hash BLOB NOT NULL CHECK (typeof(prev_hash) = 'blob' AND length(prev_hash) = 32),"
    " hash BLOB NOT NULL CHECK (typeof(hash) = 'blob' AND length(hash) = 32));"
    "CREATE TABLE audit_anchor ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " seq INTEGER NOT NULL,"
    " hash BLOB NOT NULL CHECK (typeof(hash) = 'blob' AND length(hash) = 32));"
    "CREATE TABLE audit_purge_guard (id INTEGER PRIMARY KEY CHECK (id = 1));"
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    " WHEN NOT EXISTS (SELECT 1 FROM audit_purge_guard)"
    " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
    "CREATE TRIGGER audit_anchor_no_insert BEFORE INSERT ON audit_anchor"
    " WHEN NOT EXISTS (SELECT 1 FROM audit_purge_guard)"
    " BEGIN SELECT RAISE(ABORT, 'audit_anchor moves only in a purge'); END;"
    "CREATE TRIGGER audit_anchor_no_update BEFORE UPDATE ON audit_anchor"
    " WHEN NOT EXISTS (SELECT 1 FROM audit_purge_guard)"
    " BEGIN SELECT RAISE(ABORT, 'audit_anchor moves only in a purge'); END;"
    "CREATE TRIGGER audit_anchor_no_delete BEFORE DELETE ON audit_anchor"
    " BEGIN SELECT RAISE(ABORT, 'audit_anchor moves only in a purge'); END;",
    /*
     * 5: staff accounts (store.h, "Accounts"), the hashes of their bearer tokens, and failed
     * logins counted per keyed-hash key for rate limiting. Usernames are unique in any case.
     */
    "CREATE TABLE accounts ("
    " id INTEGER PRIMARY KEY,"
    " username TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'clinician', 'interpreter')),"
    " password_hash TEXT NOT NULL,"
    " disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE auth_tokens ("
    " token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),"
    " account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,"
    " expires_at INTEGER NOT NULL,"
    " revoked INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE INDEX auth_tokens_account ON auth_tokens (account_id);"
    "CREATE INDEX auth_tokens_expires ON auth_tokens (expires_at);"
    "CREATE TABLE login_failures ("
    " key TEXT PRIMARY KEY,"
    " failures INTEGER NOT NULL,"
    " last_at INTEGER NOT NULL) WITHOUT ROWID;",
    /*
     * 6: clients (store.h, "Clients"): pseudonymous, contact details only sealed, no field for
     * status, nationality or address. Exclusions name interpreter accounts and are never deleted.
     * Interpreter and clinician profiles (store.h, "Interpreters", "Clinicians") share their
     * account's id.
     */
    "CREATE TABLE clients ("
    " id INTEGER PRIMARY KEY,"
    " alias TEXT NOT NULL CHECK (length(alias) BETWEEN 1 AND 64),"
    " written_language TEXT,"
    " gender_preference TEXT CHECK (gender_preference IN ('f', 'm', 'x')),"
    " prefer_same_interpreter INTEGER NOT NULL CHECK (prefer_same_interpreter IN (0, 1)),"
    " support_person_alias TEXT CHECK (length(support_person_alias) BETWEEN 1 AND 64),"
    " contact_sealed BLOB,"
    " created_at INTEGER NOT NULL);"
    "CREATE INDEX clients_alias ON clients (alias COLLATE NOCASE);"
    "CREATE TABLE client_languages ("
    " client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " position INTEGER NOT NULL,"
    " tag TEXT NOT NULL,"
    " dialect_required INTEGER NOT NULL CHECK (dialect_required IN (0, 1)),"
    " PRIMARY KEY (client_id, position)) WITHOUT ROWID;"
    "CREATE TABLE client_exclusions ("
    " client_id INTEGER NOT NULL REFERENCES clients (id) ON DELETE CASCADE,"
    " interpreter_id INTEGER NOT NULL REFERENCES accounts (id),"
    " reason TEXT NOT NULL CHECK (reason IN ('client', 'never_again')),"
    " recorded_by INTEGER NOT NULL REFERENCES accounts (id),"
    " at INTEGER NOT NULL,"
    " PRIMARY KEY (client_id, interpreter_id)) WITHOUT ROWID;"
    "CREATE TRIGGER client_exclusions_no_delete BEFORE DELETE ON client_exclusions"
    " BEGIN SELECT RAISE(ABORT, 'client exclusions are never removed'); END;"
    "CREATE TABLE interpreters ("
    " id INTEGER PRIMARY KEY REFERENCES accounts (id),"
    " code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 16),"
    " gender TEXT CHECK (gender IN ('f', 'm', 'x')),"
    " zone TEXT NOT NULL,"
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE interpreter_pairs ("
    " interpreter_id INTEGER NOT NULL REFERENCES interpreters (id) ON DELETE CASCADE,"
    " position INTEGER NOT NULL,"
    " tag_a TEXT NOT NULL,"
    " tag_b TEXT NOT NULL,"
    " PRIMARY KEY (interpreter_id, position)) WITHOUT ROWID;"
    "CREATE TABLE interpreter_slots ("
    " interpreter_id INTEGER NOT NULL REFERENCES interpreters (id) ON DELETE CASCADE,"
    " position INTEGER NOT NULL,"
    " day INTEGER NOT NULL CHECK (day BETWEEN 0 AND 6),"
    " start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),"
    " end_minute INTEGER NOT NULL CHECK (end_minute > start_minute AND end_minute <= 1440),"
    " PRIMARY KEY (interpreter_id, position)) WITHOUT ROWID;"
    "CREATE TABLE interpreter_exceptions ("
    " id INTEGER PRIMARY KEY,"
    " interpreter_id INTEGER NOT NULL REFERENCES interpreters (id) ON DELETE CASCADE,"
    " starts_at INTEGER NOT NULL,"
    " ends_at INTEGER NOT NULL CHECK (ends_at > starts_at));"
    "CREATE INDEX interpreter_exceptions_by ON interpreter_exceptions (interpreter_id, ends_at);"
    "CREATE TABLE clinicians ("
    " id INTEGER PRIMARY KEY REFERENCES accounts (id),"
    " zone TEXT NOT NULL,"
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE clinician_languages ("
    " clinician_id INTEGER NOT NULL REFERENCES clinicians (id) ON DELETE CASCADE,"
    " position INTEGER NOT NULL,"
    " tag TEXT NOT NULL,"
    " PRIMARY KEY (clinician_id, position)) WITHOUT ROWID;"
    "CREATE TABLE clinician_hours ("
    " clinician_id INTEGER NOT NULL REFERENCES clinicians (id) ON DELETE CASCADE,"
    " position INTEGER NOT NULL,"
    " day INTEGER NOT NULL CHECK (day BETWEEN 0 AND 6),"
    " start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),"
    " end_minute INTEGER NOT NULL CHECK (end_minute > start_minute AND end_minute <= 1440),"
    " PRIMARY KEY (clinician_id, position)) WITHOUT ROWID;",
    /*
     * 7: who takes part in an appointment, and how. The columns are nullable because appointments
     * of schema 3 (the demo's) have no participants; a booking (store.h, "Bookings") sets them
     * all but interpreter_id. The indexes serve the conflict checks of a booking.
     */
    "ALTER TABLE appointments ADD COLUMN client_id INTEGER REFERENCES clients (id);"
    "ALTER TABLE appointments ADD COLUMN clinician_id INTEGER REFERENCES accounts (id);"
    "ALTER TABLE appointments ADD COLUMN interpreter_id INTEGER REFERENCES accounts (id);"
    "ALTER TABLE appointments ADD COLUMN mode TEXT"
    " CHECK (mode IN ('consecutive', 'simultaneous'));"
    "ALTER TABLE appointments ADD COLUMN updated_at INTEGER;"
    "CREATE INDEX appointments_clinician ON appointments (clinician_id, starts_at);"
    "CREATE INDEX appointments_interpreter ON appointments (interpreter_id, starts_at);",
    /*
     * 8: for interpreter suggestions (broker/suggest.c). A client's appointments by start, for
     * the interpreter of their last one; and the booked appointments that have an interpreter,
     * by end and holding everything the overlap query reads, so that finding every
     * interpreter's bookings at an appointment's time reads only the index entries of
     * appointments that end after it starts.
     */
    "CREATE INDEX appointments_client ON appointments (client_id, starts_at);"
    "CREATE INDEX appointments_interpreter_busy ON appointments (ends_at, starts_at,"
    " interpreter_id) WHERE status = 'booked' AND interpreter_id IS NOT NULL;",
    /*
     * 9: a relief interpreter (store.h, "Bookings"): a second interpreter booked for the same
     * appointment, who joins as passive. It needs an interpreter and is another account; the
     * CHECK repeats the store's rule so that no write can break it. The indexes do for it what
     * those of 7 and 8 do for interpreter_id: one serves the conflict check (and the list by
     * interpreter), the other every interpreter's bookings at a time. Both are partial: most
     * appointments have no relief, and their rows cost these indexes nothing.
     */
    "ALTER TABLE appointments ADD COLUMN relief_interpreter_id INTEGER REFERENCES accounts (id)"
    " CHECK (relief_interpreter_id IS NULL OR (interpreter_id IS NOT NULL"
    " AND relief_interpreter_id != interpreter_id));"
    "CREATE INDEX appointments_relief ON appointments (relief_interpreter_id, starts_at)"
    " WHERE relief_interpreter_id IS NOT NULL;"
    "CREATE INDEX appointments_relief_busy ON appointments (ends_at, starts_at,"
    " relief_interpreter_id) WHERE status = 'booked' AND relief_interpreter_id IS NOT NULL;",
};

#define MIGRATION_COUNT ((int)(sizeof(migrations) / sizeof(migrations[0])))

static const char *const stmt_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_VERSION] = "PRAGMA user_version",
    [ST_CHECKPOINT] = "PRAGMA wal_checkpoint(TRUNCATE)",
    [ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [ST_META_SET] = "INSERT INTO meta (key, value) VALUES (?1, ?2)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [ST_EVENT_ADD] = "INSERT INTO session_events (session_ref, participant_ref, role, kind, at)"
                     " VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_EVENT_COUNT] = "SELECT count(*) FROM session_events",
    [ST_EVENT_PURGE] = "DELETE FROM session_events WHERE at < ?1",
    [ST_APPOINTMENT_ADD] = "INSERT INTO appointments (ref, starts_at, ends_at, status)"
                           " VALUES (?1, ?2, ?3, ?4)",
    [ST_TOKEN_ADD] = "INSERT INTO join_tokens (token_hash, appointment_id, role, valid_from,"
                     " valid_until) VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_TOKEN_FIND] = "SELECT a.id, a.ref, a.starts_at, a.ends_at, a.status, t.role,"
                      " t.valid_from, t.valid_until, t.revoked, coalesce(a.client_id, 0),"
                      " coalesce(a.clinician_id, 0), coalesce(a.interpreter_id, 0),"
                      " coalesce(a.mode, ''), coalesce(a.updated_at, 0),"
                      " coalesce(a.relief_interpreter_id, 0)"
                      " FROM join_tokens t JOIN appointments a ON a.id = t.appointment_id"
                      " WHERE t.token_hash = ?1",
    [ST_AUDIT_READ_BEGIN] = "BEGIN DEFERRED",
    [ST_AUDIT_HEAD] = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
    [ST_AUDIT_ANCHOR_GET] = "SELECT seq, hash FROM audit_anchor WHERE id = 1",
    [ST_AUDIT_ANCHOR_SET] = "INSERT INTO audit_anchor (id, seq, hash) VALUES (1, ?1, ?2)"
                            " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq,"
                            " hash = excluded.hash",
    [ST_AUDIT_ADD] = "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash,"
                     " hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_AUDIT_LIST] = "SELECT seq, at, actor, action, subject, detail, prev_hash, hash"
                      " FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    [ST_AUDIT_PURGE_END] = "SELECT seq FROM audit_log WHERE at >= ?1 ORDER BY seq LIMIT 1",
    [ST_AUDIT_GUARD_ON] = "INSERT INTO audit_purge_guard (id) VALUES (1)",
    [ST_AUDIT_GUARD_OFF] = "DELETE FROM audit_purge_guard",
    [ST_AUDIT_DELETE] = "DELETE FROM audit_log WHERE seq <= ?1",
    [ST_ACCOUNT_ADD] = "INSERT INTO accounts (username, role, password_hash, disabled, created_at)"
                       " VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_ACCOUNT_FIND] = "SELECT id, username, role, password_hash, disabled, created_at"
                        " FROM accounts WHERE username = ?1",
    [ST_ACCOUNT_GET] = "SELECT id, username, role, password_hash, disabled, created_at"
                       " FROM accounts WHERE id = ?1",
    [ST_ACCOUNT_COUNT_ROLE] = "SELECT count(*) FROM accounts WHERE role = ?1",
    [ST_ACCOUNT_LIST] = "SELECT id, username, role, '', disabled, created_at"
                        " FROM accounts WHERE id > ?1 ORDER BY id LIMIT ?2",
    [ST_ACCOUNT_SET_DISABLED] = "UPDATE accounts SET disabled = ?2 WHERE id = ?1",
    [ST_ACCOUNT_SET_HASH] = "UPDATE accounts SET password_hash = ?2 WHERE id = ?1",
    [ST_AUTH_TOKEN_ADD] = "INSERT INTO auth_tokens (token_hash, account_id, expires_at)"
                          " VALUES (?1, ?2, ?3)",
    [ST_AUTH_TOKEN_FIND] = "SELECT t.account_id, a.role, a.disabled, t.expires_at, t.revoked"
                           " FROM auth_tokens t JOIN accounts a ON a.id = t.account_id"
                           " WHERE t.token_hash = ?1",
    [ST_AUTH_TOKEN_REVOKE] = "UPDATE auth_tokens SET revoked = 1 WHERE token_hash = ?1",
    [ST_AUTH_TOKENS_REVOKE_ACCOUNT] = "UPDATE auth_tokens SET revoked = 1"
                                      " WHERE account_id = ?1 AND revoked = 0",
    [ST_AUTH_TOKENS_PURGE] = "DELETE FROM auth_tokens WHERE expires_at < ?1",
    [ST_LOGIN_FAILURE_GET] = "SELECT failures, last_at FROM login_failures WHERE key = ?1",
    [ST_LOGIN_FAILURE_RECORD] =
        "INSERT INTO login_failures (key, failures, last_at) VALUES (?1, 1, ?2)"
        " ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN last_at < ?3 THEN 1"
        " ELSE min(failures + 1, 1000000) END, last_at = excluded.last_at RETURNING failures",
    [ST_LOGIN_FAILURE_RESET] = "DELETE FROM login_failures WHERE key = ?1",
    [ST_LOGIN_FAILURES_PURGE] = "DELETE FROM login_failures WHERE last_at < ?1",
};

int tolk_store_latest_schema_version(void)
{
    return MIGRATION_COUNT;
}

/*
 * Records a failure on the backend and returns STATUS. Control characters become spaces so the
 * message stays one line whatever SQLite or the file system said.
 */
__attribute__((format(printf, 3, 4))) int sq_fail(struct sq *s, int status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(s->err, sizeof(s->err), fmt, ap);
    va_end(ap);
    for (char *p = s->err; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    }
    return status;
}

/* The tolk_store_status for a SQLite result code (basic or extended). */
static int sq_status(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return TOLK_STORE_OK;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return TOLK_STORE_ECORRUPT;
    case SQLITE_READONLY:
        return TOLK_STORE_EREADONLY;
    case SQLITE_FULL:
        return TOLK_STORE_EFULL;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return TOLK_STORE_EBUSY;
    case SQLITE_CONSTRAINT:
        return TOLK_STORE_ECONSTRAINT;
    default: /* CANTOPEN, IOERR, PERM, NOMEM and anything unexpected */
        return TOLK_STORE_EIO;
    }
}

/*
 * Records a failed SQLite call. sqlite3_errmsg() describes the failure (table and column names
 * at most, never bound values); it is read before any reset that could replace it.
 */
int sq_db_fail(struct sq *s, int rc, const char *op)
{
    const char *why = s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);

    return sq_fail(s, sq_status(rc), "%s: %s", op, why);
}

/* The status for a failed system call: permission problems are "read-only", the rest I/O. */
static int errno_status(int e)
{
    return (e == EACCES || e == EPERM || e == EROFS) ? TOLK_STORE_EREADONLY : TOLK_STORE_EIO;
}

static int sq_errno_fail(struct sq *s, int e, const char *what, const char *path)
{
    char buf[128];

    if (strerror_r(e, buf, sizeof(buf)) != 0)
        snprintf(buf, sizeof(buf), "error %d", e);
    return sq_fail(s, errno_status(e), "%s %s: %s", what, path, buf);
}

/*
 * Decides was_created and, for a new file, makes sure its directory exists and is writable
 * before SQLite is asked to create anything: SQLite's own failure ("unable to open database
 * file") would not say which directory or why.
 */
static int sq_check_location(struct sq *s, const char *path)
{
    char dir[TOLK_STORE_LOCATION_MAX];
    const char *slash = strrchr(path, '/');
    struct stat sb;

    if (stat(path, &sb) == 0) {
        if (!S_ISREG(sb.st_mode))
            return sq_fail(s, TOLK_STORE_EIO, "cannot open %s: not a regular file", path);
        s->created = 0;
        return TOLK_STORE_OK;
    }
    if (errno != ENOENT)
        return sq_errno_fail(s, errno, "cannot open", path);
    s->created = 1;
    if (slash == NULL)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    if (stat(dir, &sb) != 0)
        return sq_errno_fail(s, errno, "cannot create database in", dir);
    if (!S_ISDIR(sb.st_mode))
        return sq_errno_fail(s, ENOTDIR, "cannot create database in", dir);
    if (access(dir, W_OK | X_OK) != 0)
        return sq_errno_fail(s, errno, "cannot create database in", dir);
    return TOLK_STORE_OK;
}

/* Runs fixed SQL that returns at most one row and reads its first column as text. */
static int sq_query_text(sqlite3 *db, const char *sql, char *buf, size_t len)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);

    buf[0] = '\0';
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(q, 0);
            snprintf(buf, len, "%s", t != NULL ? (const char *)t : "");
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(q);
    return rc;
}

/*
 * Reads every page and index once (PRAGMA quick_check) and reports the first problem found.
 * quick_check names pages, tables and indexes, never row contents, so its text may be logged.
 */
static int sq_quick_check(struct sq *s)
{
    static const char prefix[] = "*** in database main ***\n";
    char buf[TOLK_STORE_ERR_MAX];
    const char *problem = buf;
    int rc = sq_query_text(s->db, "PRAGMA quick_check", buf, sizeof(buf));

    if (rc != SQLITE_OK && sq_status(rc) != TOLK_STORE_ECORRUPT)
        return sq_fail(s, sq_status(rc), "cannot check %s: %s", s->name, sqlite3_errmsg(s->db));
    if (rc != SQLITE_OK)
        return sq_fail(s, TOLK_STORE_ECORRUPT, "%s is damaged: %s", s->name, sqlite3_errmsg(s->db));
    if (strcmp(buf, "ok") == 0)
        return TOLK_STORE_OK;
    if (strncmp(buf, prefix, sizeof(prefix) - 1) == 0)
        problem += sizeof(prefix) - 1;
    return sq_fail(s, TOLK_STORE_ECORRUPT, "%s is damaged: %s", s->name, problem);
}

/*
 * Shows that the file is a SQLite database, intact, at a schema we understand, reading only.
 * An empty or new file passes at version 0.
 */
static int sq_check_contents(struct sq *s)
{
    char buf[32];
    long version;
    int rc = sq_query_text(s->db, "PRAGMA user_version", buf, sizeof(buf));

    if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT)
        return sq_fail(s, TOLK_STORE_ECORRUPT,
                       "%s is not a SQLite database (or is encrypted/corrupt)", s->name);
    if (rc != SQLITE_OK)
        return sq_fail(s, sq_status(rc), "cannot read %s: %s", s->name, sqlite3_errmsg(s->db));
    version = strtol(buf, NULL, 10);
    s->found_version = version;
    rc = sq_quick_check(s);
    if (rc != TOLK_STORE_OK)
        return rc;
    if (version > MIGRATION_COUNT)
        return sq_fail(s, TOLK_STORE_ENEWER,
                       "%s: schema version %ld is newer than this tolkd understands (%d)", s->name,
                       version, MIGRATION_COUNT);
    if (version < 0)
        return sq_fail(s, TOLK_STORE_ECORRUPT, "%s: schema version %ld is not valid", s->name,
                       version);
    return TOLK_STORE_OK;
}

/* Runs fixed SQL (no user values) and records a failure under OP. */
static int sq_exec(struct sq *s, const char *sql, const char *op)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

    return rc == SQLITE_OK ? TOLK_STORE_OK : sq_db_fail(s, rc, op);
}

/*
 * Connection settings, applied once the file is known to be ours. WAL lets readers run beside
 * the writer; synchronous=NORMAL is durable across a process crash and loses at most the last
 * transactions on power loss, which flush() closes by checkpointing.
 */
static int sq_configure(struct sq *s)
{
    char mode[32];
    int rc = sq_query_text(s->db, "PRAGMA journal_mode=WAL", mode, sizeof(mode));

    if (rc != SQLITE_OK)
        return sq_db_fail(s, rc, "cannot switch to WAL journaling");
    if (strcmp(mode, "wal") != 0)
        return sq_fail(s, TOLK_STORE_EIO, "cannot switch %s to WAL journaling (it stays in %s)",
                       s->name, mode);
    rc = sq_exec(s, "PRAGMA foreign_keys=ON", "cannot enable foreign keys");
    if (rc == TOLK_STORE_OK)
        rc = sq_exec(s, "PRAGMA synchronous=NORMAL", "cannot set synchronous=NORMAL");
    return rc;
}

/*
 * Applies the next migration if the file is below TARGET, and says when there is nothing left
 * to do. The version is read again inside the write transaction, so two tolkd processes opening
 * the same old file never apply the same step twice.
 */
static int sq_migrate_step(struct sq *s, int target, int *done)
{
    char sql[64], buf[32];
    long version;
    int rc = sq_exec(s, "BEGIN IMMEDIATE", "migration: cannot start a transaction");

    if (rc != TOLK_STORE_OK)
        return rc;
    rc = sq_query_text(s->db, "PRAGMA user_version", buf, sizeof(buf));
    if (rc != SQLITE_OK) {
        rc = sq_db_fail(s, rc, "migration: cannot read the schema version");
        goto rollback;
    }
    version = strtol(buf, NULL, 10);
    if (version > MIGRATION_COUNT || version < 0) {
        rc = sq_fail(s, version < 0 ? TOLK_STORE_ECORRUPT : TOLK_STORE_ENEWER,
                     "%s: schema version %ld changed under us and is not one this tolkd "
                     "understands (%d)",
                     s->name, version, MIGRATION_COUNT);
        goto rollback;
    }
    if (version >= target) {
        *done = 1;
        return sq_exec(s, "COMMIT", "migration: cannot commit");
    }
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %ld", version + 1);
    rc = sqlite3_exec(s->db, migrations[version], NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        return TOLK_STORE_OK;
    rc = sq_fail(s, sq_status(rc), "migration to schema version %ld failed, rolled back: %s",
                 version + 1, sqlite3_errmsg(s->db));
rollback:
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* A store already at TARGET takes no write lock at all. */
static int sq_migrate(struct sq *s, int target)
{
    int done = s->found_version >= target;
    int rc = TOLK_STORE_OK;

    while (rc == TOLK_STORE_OK && !done)
        rc = sq_migrate_step(s, target, &done);
    return rc;
}

static int sq_prepare_all(struct sq *s)
{
    for (int i = 0; i < ST_COUNT; i++) {
        int rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i],
                                    NULL);
        if (rc != SQLITE_OK)
            return sq_db_fail(s, rc, "cannot prepare the store's statements");
    }
    return TOLK_STORE_OK;
}

/* Whether a WAL file with content sits beside the database. */
static int sq_wal_has_frames(const struct sq *s)
{
    char wal[sizeof(s->name) + 4];
    struct stat sb;

    snprintf(wal, sizeof(wal), "%s-wal", s->name);
    return stat(wal, &sb) == 0 && sb.st_size > 0;
}

/*
 * Releases everything. A store that never finished opening may be a file we refused: if a WAL
 * with content was found beside it (a crashed writer's), SQLite's checkpoint-on-close is turned
 * off so that the WAL is left as found instead of being folded into the file. An empty WAL is
 * let go as usual, which removes the -wal and -shm files reading it created.
 */
static void sq_release(struct sq *s)
{
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(s->stmt[i]);
    if (s->db != NULL) {
        if (s->ready)
            sqlite3_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
        else if (sq_wal_has_frames(s))
            sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
        sqlite3_close(s->db);
    }
    free(s);
}

/* Opens the connection. The checks that read the file come next, in sq_open_at(). */
static int sq_connect(struct sq *s)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc;

#ifdef SQLITE_OPEN_EXRESCODE
    flags |= SQLITE_OPEN_EXRESCODE;
#endif
    rc = sqlite3_open_v2(s->name, &s->db, flags, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(s, sq_status(rc), "cannot open %s: %s", s->name,
                       s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
    if (sqlite3_db_readonly(s->db, "main") == 1)
        return sq_fail(s, TOLK_STORE_EREADONLY, "%s is read-only", s->name);
    return TOLK_STORE_OK;
}

/*
 * Opens PATH and migrates it to TARGET; only a store at the latest version gets its statements
 * prepared (older schemas lack their tables). On failure err gets the message and nothing stays
 * open.
 */
static int sq_open_at(const char *path, int target, struct sq **out, char *err, size_t errlen)
{
    struct sq *s = calloc(1, sizeof(*s));
    int rc;

    *out = NULL;
    if (s == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "store open: out of memory");
        return TOLK_STORE_EIO;
    }
    /* With this SQLite built with USE_URI, a name starting "file:" would be read as a URI. */
    snprintf(s->name, sizeof(s->name), "%s%s", strncmp(path, "file:", 5) == 0 ? "./" : "", path);
    rc = sq_check_location(s, s->name);
    if (rc == TOLK_STORE_OK)
        rc = sq_connect(s);
    if (rc == TOLK_STORE_OK)
        rc = sq_check_contents(s);
    if (rc == TOLK_STORE_OK)
        rc = sq_configure(s);
    if (rc == TOLK_STORE_OK)
        rc = sq_migrate(s, target);
    if (rc == TOLK_STORE_OK && target == MIGRATION_COUNT)
        rc = sq_prepare_all(s);
    if (rc != TOLK_STORE_OK) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "%s", s->err);
        sq_release(s);
        return rc;
    }
    s->ready = 1;
    *out = s;
    return TOLK_STORE_OK;
}

static int sq_open(const char *target, void **state, char *err, size_t errlen)
{
    struct sq *s = NULL;
    int rc = sq_open_at(target, MIGRATION_COUNT, &s, err, errlen);

    *state = s;
    return rc;
}

static void sq_close(void *state)
{
    sq_release(state);
}

static const char *sq_errmsg(const void *state)
{
    return ((const struct sq *)state)->err;
}

static int sq_was_created(const void *state)
{
    return ((const struct sq *)state)->created;
}

/* Puts statement Q back for its next use; called on every path out of an operation. */
void sq_done(sqlite3_stmt *q)
{
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
}

int bind_text(sqlite3_stmt *q, int i, const char *text)
{
    return sqlite3_bind_text64(q, i, text, strlen(text), SQLITE_STATIC, SQLITE_UTF8);
}

/* Steps statement ID to completion (no rows expected) and readies it for reuse. */
int sq_run(struct sq *s, enum stmt_id id, const char *op)
{
    sqlite3_stmt *q = s->stmt[id];
    int rc = sqlite3_step(q);
    int status = rc == SQLITE_DONE ? TOLK_STORE_OK : sq_db_fail(s, rc, op);

    sq_done(q);
    return status;
}

/* Runs BODY(s, arg) inside one write transaction and commits, or rolls everything back if any
 * step failed. */
int sq_in_transaction(struct sq *s, const char *op, int (*body)(struct sq *, void *), void *arg)
{
    char what[TOLK_STORE_REF_MAX + 16];
    int rc;

    snprintf(what, sizeof(what), "%s: begin", op);
    rc = sq_run(s, ST_BEGIN, what);
    if (rc != TOLK_STORE_OK)
        return rc;
    rc = body(s, arg);
    if (rc == TOLK_STORE_OK) {
        snprintf(what, sizeof(what), "%s: commit", op);
        rc = sq_run(s, ST_COMMIT, what);
    }
    if (rc != TOLK_STORE_OK)
        sq_rollback(s);
    return rc;
}

/* Prepares SQL (fixed text, values bound afterwards) for one use; the caller finalizes *Q. */
int sq_prepare(struct sq *s, const char *sql, const char *op, sqlite3_stmt **q)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, q, NULL);

    return rc == SQLITE_OK ? TOLK_STORE_OK : sq_db_fail(s, rc, op);
}

/* Ends a failed write transaction, if one is still open; its own failure has nowhere to go. */
void sq_rollback(struct sq *s)
{
    if (!sqlite3_get_autocommit(s->db)) {
        sqlite3_step(s->stmt[ST_ROLLBACK]);
        sq_done(s->stmt[ST_ROLLBACK]);
    }
}

static int sq_schema_version(void *state, int *version)
{
    struct sq *s = state;
    sqlite3_stmt *q = s->stmt[ST_VERSION];
    int rc = sqlite3_step(q);
    int status = TOLK_STORE_OK;

    if (rc == SQLITE_ROW)
        *version = sqlite3_column_int(q, 0);
    else
        status = sq_db_fail(s, rc, "schema_version");
    sq_done(q);
    return status;
}

/* A checkpoint that other connections' readers keep from finishing is reported as busy. */
static int sq_flush(void *state)
{
    struct sq *s = state;
    sqlite3_stmt *q = s->stmt[ST_CHECKPOINT];
    int rc = sqlite3_step(q);
    int status = TOLK_STORE_OK;

    if (rc != SQLITE_ROW)
        status = sq_db_fail(s, rc, "flush");
    else if (sqlite3_column_int(q, 0) != 0)
        status = sq_fail(s, TOLK_STORE_EBUSY, "flush: the checkpoint was blocked by a reader");
    sq_done(q);
    return status;
}

/* Copies the value only when all of it fits, so a short buffer never holds a cut value. */
static int sq_meta_get(void *state, const char *key, char *value, size_t valuelen)
{
    struct sq *s = state;
    sqlite3_stmt *q = s->stmt[ST_META_GET];
    int rc = bind_text(q, 1, key);
    int status = TOLK_STORE_OK;

    if (rc == SQLITE_OK)
        rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(q, 0);
        size_t n = (size_t)sqlite3_column_bytes(q, 0);
        if (v == NULL)
            status = sq_db_fail(s, sqlite3_errcode(s->db), "meta_get");
        else if (n >= valuelen)
            status = sq_fail(s, TOLK_STORE_EINVAL,
                             "meta_get: the value needs %zu bytes, the buffer holds %zu", n + 1,
                             valuelen);
        else
            memcpy(value, v, n + 1);
    } else if (rc == SQLITE_DONE) {
        status = sq_fail(s, TOLK_STORE_ENOTFOUND, "meta_get: no such key");
    } else {
        status = sq_db_fail(s, rc, "meta_get");
    }
    sq_done(q);
    return status;
}

static int sq_meta_set(void *state, const char *key, const char *value)
{
    struct sq *s = state;
    sqlite3_stmt *q = s->stmt[ST_META_SET];
    int rc = bind_text(q, 1, key);

    if (rc == SQLITE_OK)
        rc = bind_text(q, 2, value);
    if (rc != SQLITE_OK) {
        rc = sq_db_fail(s, rc, "meta_set");
        sq_done(q);
        return rc;
    }
    return sq_run(s, ST_META_SET, "meta_set");
}

static const char *kind_text(enum tolk_session_event_kind kind)
{
    switch (kind) {
    case TOLK_SESSION_JOIN:
        return "join";
    case TOLK_SESSION_LEAVE:
        return "leave";
    }
    return NULL;
}

/* The dispatcher has checked the strings; the kind is mapped here, where its text lives. */
static int sq_session_event_add(void *state, const struct tolk_session_event *ev)
{
    struct sq *s = state;
    sqlite3_stmt *q = s->stmt[ST_EVENT_ADD];
    const char *kind = kind_text(ev->kind);
    int rc;

    if (kind == NULL)
        return sq_fail(s, TOLK_STORE_EINVAL, "session_event_add: kind must be join or leave");
    rc = bind_text(q, 1, ev->session_ref);
    if (rc == SQLITE_OK)
        rc = bind_text(q, 2, ev->participant_ref);
    if (rc == SQLITE_OK)
        rc = bind_text(q, 3, ev->role);
    if (rc == SQLITE_OK)
        rc = bind_text(q, 4, kind);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(q, 5, ev->at);
    if (rc != SQLITE_OK) {
        rc = sq_db_fail(s, rc, "session_event_add");
        sq_done(q);
        return rc;
    }
    return sq_run(s, ST_EVENT_ADD, "session_event_add");
}

static int sq_session_event_count(void *state, uint64_t *count)
{
    struct sq *s = state;
    sqlite3_stmt *q = s->stmt[ST_EVENT_COUNT];
    int rc = sqlite3_step(q);
    int status = TOLK_STORE_OK;

    if (rc == SQLITE_ROW)
        *count = (uint64_t)sqlite3_column_int64(q, 0);
    else
        status = sq_db_fail(s, rc, "session_event_count");
    sq_done(q);
    return status;
}

/*
 * One DELETE inside an explicit write transaction: either every old event goes or none does,
 * and *purged is only set once the deletion is committed.
 */
static int sq_session_events_purge(void *state, int64_t before, uint64_t *purged)
{
    struct sq *s = state;
    sqlite3_stmt *q = s->stmt[ST_EVENT_PURGE];
    sqlite3_int64 changes;
    int rc = sq_run(s, ST_BEGIN, "session_events_purge: begin");

    if (rc != TOLK_STORE_OK)
        return rc;
    rc = sqlite3_bind_int64(q, 1, before);
    if (rc != SQLITE_OK) {
        rc = sq_db_fail(s, rc, "session_events_purge");
        sq_done(q);
        sq_rollback(s);
        return rc;
    }
    rc = sq_run(s, ST_EVENT_PURGE, "session_events_purge");
    changes = sqlite3_changes64(s->db);
    if (rc == TOLK_STORE_OK)
        rc = sq_run(s, ST_COMMIT, "session_events_purge: commit");
    if (rc != TOLK_STORE_OK) {
        sq_rollback(s);
        return rc;
    }
    *purged = (uint64_t)changes;
    return TOLK_STORE_OK;
}

const struct tolk_store_ops tolk_store_sqlite_ops = {
    .open = sq_open,
    .close = sq_close,
    .errmsg = sq_errmsg,
    .was_created = sq_was_created,
    .schema_version = sq_schema_version,
    .flush = sq_flush,
    .meta_get = sq_meta_get,
    .meta_set = sq_meta_set,
    .session_event_add = sq_session_event_add,
    .session_event_count = sq_session_event_count,
    .session_events_purge = sq_session_events_purge,
    .appointment_create = sq_appointment_create,
    .token_find = sq_token_find,
    .appointment_book = sq_appointment_book,
    .appointment_reschedule = sq_appointment_reschedule,
    .appointment_cancel = sq_appointment_cancel,
    .appointment_tokens_issue = sq_appointment_tokens_issue,
    .appointment_tokens_revoke = sq_appointment_tokens_revoke,
    .appointment_last_interpreter = sq_appointment_last_interpreter,
    .appointment_get = sq_appointment_get,
    .appointment_list = sq_appointment_list,
    .interpreter_bookings = sq_interpreter_bookings,
    .audit_append = sq_audit_append,
    .audit_verify = sq_audit_verify,
    .audit_purge = sq_audit_purge,
    .audit_list = sq_audit_list,
    .account_create = sq_account_create,
    .account_find = sq_account_find,
    .account_get = sq_account_get,
    .account_count_role = sq_account_count_role,
    .account_list = sq_account_list,
    .account_set_disabled = sq_account_set_disabled,
    .account_set_password_hash = sq_account_set_password_hash,
    .auth_token_add = sq_auth_token_add,
    .auth_token_find = sq_auth_token_find,
    .auth_token_revoke = sq_auth_token_revoke,
    .auth_tokens_purge = sq_auth_tokens_purge,
    .login_failure_get = sq_login_failure_get,
    .login_failure_record = sq_login_failure_record,
    .login_failure_reset = sq_login_failure_reset,
    .login_failures_purge = sq_login_failures_purge,
    .client_create = sq_client_create,
    .client_get = sq_client_get,
    .client_update = sq_client_update,
    .client_list = sq_client_list,
    .client_exclusion_add = sq_client_exclusion_add,
    .interpreter_create = sq_interpreter_create,
    .interpreter_get = sq_interpreter_get,
    .interpreter_update = sq_interpreter_update,
    .interpreter_set_slots = sq_interpreter_set_slots,
    .interpreter_exception_add = sq_interpreter_exception_add,
    .interpreter_list = sq_interpreter_list,
    .interpreter_profiles = sq_interpreter_profiles,
    .clinician_create = sq_clinician_create,
    .clinician_get = sq_clinician_get,
    .clinician_update = sq_clinician_update,
    .clinician_list = sq_clinician_list,
};

int tolk_store_sqlite_create_at_version(const char *path, int version, char *err, size_t errlen)
{
    struct sq *s = NULL;
    struct stat sb;
    int rc;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (path == NULL || path[0] == '\0' || strlen(path) >= TOLK_STORE_LOCATION_MAX || version < 0 ||
        version > MIGRATION_COUNT || stat(path, &sb) == 0) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "create_at_version: needs a new path and a known version");
        return TOLK_STORE_EINVAL;
    }
    rc = sq_open_at(path, version, &s, err, errlen);
    if (rc == TOLK_STORE_OK)
        sq_release(s);
    return rc;
}

int tolk_store_sqlite_exec_testing(struct tolk_store *st, const char *sql)
{
    struct sq *s;
    int rc;

    if (st == NULL || st->ops != &tolk_store_sqlite_ops || sql == NULL)
        return TOLK_STORE_EINVAL;
    s = st->state;
    rc = sq_exec(s, sql, "exec_testing");
    if (rc != TOLK_STORE_OK)
        st->own_err = 0;
    return rc;
}
