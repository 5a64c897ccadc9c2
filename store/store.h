/*
 * The store: everything tolkd keeps between restarts.
 *
 * Callers see one opaque handle and the functions below; which database sits behind it is
 * chosen by the location string given to tolk_store_open():
 *
 *     "sqlite:/var/lib/tolk/tolk.db"  or a plain path   the embedded SQLite backend
 *     "postgresql://..."                               reserved for a PostgreSQL backend
 *
 * Each backend implements the same table of operations (store_backend.h), so adding a backend
 * never touches a caller. Every function returns TOLK_STORE_OK (0) or a negative
 * tolk_store_status; after a failure tolk_store_errmsg() says what went wrong in one line that
 * is safe to log (it never contains stored values).
 *
 * Threads: a handle is used by one thread at a time (tolkd's service thread).
 */
#ifndef TOLK_STORE_H
#define TOLK_STORE_H

#include <stddef.h>
#include <stdint.h>

enum tolk_store_status {
    TOLK_STORE_OK = 0,
    TOLK_STORE_ENOTFOUND = -1,   /* no such row */
    TOLK_STORE_EINVAL = -2,      /* an argument the contract forbids (too long, bad value) */
    TOLK_STORE_ECORRUPT = -3,    /* the database file is damaged or is not a database */
    TOLK_STORE_ENEWER = -4,      /* the schema is newer than this build understands */
    TOLK_STORE_EIO = -5,         /* the file cannot be opened, read or written */
    TOLK_STORE_EREADONLY = -6,   /* the file or its directory is read-only */
    TOLK_STORE_EFULL = -7,       /* the disk is full */
    TOLK_STORE_EBUSY = -8,       /* locked by another process past the busy timeout */
    TOLK_STORE_ENOBACKEND = -9,  /* the location names a backend this build does not have */
    TOLK_STORE_ECONSTRAINT = -10 /* a uniqueness or reference rule would be broken */
};

#define TOLK_STORE_ERR_MAX 256
#define TOLK_STORE_REF_MAX 64 /* session and participant references, event names */

struct tolk_store;

/* Who joined or left which session when. No content, no names: references are opaque. */
enum tolk_session_event_kind {
    TOLK_SESSION_JOIN = 1,
    TOLK_SESSION_LEAVE = 2,
};

struct tolk_session_event {
    char session_ref[TOLK_STORE_REF_MAX];     /* opaque session reference */
    char participant_ref[TOLK_STORE_REF_MAX]; /* opaque participant reference */
    char role[TOLK_STORE_REF_MAX];            /* "client", "clinician", "interpreter", ... */
    enum tolk_session_event_kind kind;
    int64_t at; /* Unix seconds, UTC */
};

/*
 * Opens (creating if needed) the store at LOCATION and brings its schema up to date by
 * applying every forward migration in one transaction each. A file that is not a database, is
 * damaged, or has a newer schema is refused without being changed. On success *out owns the
 * handle (free it with tolk_store_close). On failure *out is NULL and err holds one line.
 */
int tolk_store_open(const char *location, struct tolk_store **out, char *err, size_t errlen);

/* Flushes and closes. NULL is a no-op. */
void tolk_store_close(struct tolk_store *st);

/* The one-line reason for the last failed call on this handle ("" if none). */
const char *tolk_store_errmsg(const struct tolk_store *st);

/* The name of a status ("TOLK_STORE_ECORRUPT", ...). */
const char *tolk_store_status_name(int status);

/* 1 if tolk_store_open created the database (it did not exist before), else 0. */
int tolk_store_was_created(const struct tolk_store *st);

/* The schema version the store is at now (after migrations), and the newest this build knows. */
int tolk_store_schema_version(struct tolk_store *st, int *version);
int tolk_store_latest_schema_version(void);

/* Makes everything committed so far durable in the main database file (a WAL checkpoint). */
int tolk_store_flush(struct tolk_store *st);

/*
 * Small named settings the service keeps about itself (instance id, data-key check value).
 * Keys and values are NUL-terminated text. get: TOLK_STORE_ENOTFOUND if absent; a value longer
 * than valuelen-1 is TOLK_STORE_EINVAL and nothing is written.
 */
int tolk_store_meta_get(struct tolk_store *st, const char *key, char *value, size_t valuelen);
int tolk_store_meta_set(struct tolk_store *st, const char *key, const char *value);

/* Appends one join/leave record. Strings must fit their fields; kind must be valid. */
int tolk_store_session_event_add(struct tolk_store *st, const struct tolk_session_event *ev);

/* Counts session events (all of them). */
int tolk_store_session_event_count(struct tolk_store *st, uint64_t *count);

/* Deletes every session event that happened before BEFORE (Unix seconds), in one transaction. */
int tolk_store_session_events_purge(struct tolk_store *st, int64_t before, uint64_t *purged);

/*
 * Appointments and their join tokens. A token is a random 256-bit secret handed to one
 * participant; the store keeps only its hash, so a copy of the database cannot be used to join.
 */
#define TOLK_STORE_TOKEN_HASH_BYTES 32

enum tolk_appointment_status {
    TOLK_APPOINTMENT_BOOKED = 1,
    TOLK_APPOINTMENT_CANCELLED = 2,
};

struct tolk_appointment {
    int64_t id;                   /* set by tolk_store_appointment_create */
    char ref[TOLK_STORE_REF_MAX]; /* the public session id (opaque text, unique) */
    int64_t starts_at, ends_at;   /* Unix seconds, UTC; ends_at > starts_at */
    enum tolk_appointment_status status;
    /*
     * Who takes part (schema 7; 0 in appointments made without a booking, such as the demo's):
     * the client's id, the clinician's and the interpreter's account ids (interpreter 0: none
     * yet), the mode ("consecutive" or "simultaneous") and when the booking last changed.
     */
    int64_t client_id, clinician_id, interpreter_id;
    char mode[16];
    int64_t updated_at;
    /*
     * A relief interpreter (schema 9; 0: none): a second interpreter booked for the same
     * appointment, who joins as passive and takes over by hand-over (docs/INTERPRETING.md,
     * "Participants"). Only with an interpreter, and never the same account.
     */
    int64_t relief_interpreter_id;
};

struct tolk_join_token {
    uint8_t hash[TOLK_STORE_TOKEN_HASH_BYTES];
    char role[TOLK_STORE_REF_MAX];   /* "client", "clinician", "interpreter", "support" */
    int64_t valid_from, valid_until; /* Unix seconds; valid_until > valid_from */
};

/*
 * Creates appointment *A (its id is filled in) together with its N tokens, in one transaction:
 * either all of them are stored or none. A token hash or ref that already exists is
 * TOLK_STORE_ECONSTRAINT.
 */
int tolk_store_appointment_create(struct tolk_store *st, struct tolk_appointment *a,
                                  const struct tolk_join_token *tokens, size_t n);

/* What a token grants: its appointment, role, window, and whether it was revoked. */
struct tolk_token_grant {
    struct tolk_appointment appointment;
    char role[TOLK_STORE_REF_MAX];
    int64_t valid_from, valid_until;
    int revoked;
};

/* Looks a token up by its hash. TOLK_STORE_ENOTFOUND if no token has that hash. */
int tolk_store_token_find(struct tolk_store *st, const uint8_t hash[TOLK_STORE_TOKEN_HASH_BYTES],
                          struct tolk_token_grant *out);

struct tolk_audit_note; /* below, "Accounts" */

/*
 * Bookings. Two appointments overlap when their intervals [starts_at, ends_at) share a second;
 * touching ones (one ends when the other starts) do not. Cancelled appointments never
 * conflict. A clinician is busy in a window when another booked appointment overlapping it is
 * theirs; an interpreter is busy when another one overlapping it has them as its interpreter or
 * as its relief interpreter, so one person cannot be booked twice at once in either part. Each
 * change writes NOTE's entry (required; its subject is the store's to set, pass "") with
 * subject "appointment:<id>" in the same BEGIN IMMEDIATE transaction as the conflict check and
 * the write, so two racing bookings of one person cannot both succeed. A conflict is
 * TOLK_STORE_ECONSTRAINT, and tolk_store_errmsg() names the participant by role ("the clinician
 * has an overlapping appointment", likewise "the interpreter" and "the relief interpreter"),
 * never by name.
 */

/*
 * Books *A (ref set and unique, ends after it starts, client and clinician ids > 0,
 * interpreter id >= 0 with 0 for none, relief interpreter id >= 0 with 0 for none and, when
 * set, only with an interpreter and not equal to it, mode "consecutive" or "simultaneous";
 * status and updated_at are set by the store, updated_at to NOTE->at). Fills in A->id.
 */
int tolk_store_appointment_book(struct tolk_store *st, struct tolk_appointment *a,
                                const struct tolk_audit_note *note);

/*
 * Moves booked appointment ID to [STARTS_AT, ENDS_AT) and gives it INTERPRETER_ID (0: none)
 * and RELIEF_INTERPRETER_ID (0: none; as for a booking, only with an interpreter and not the
 * same), under the same conflict rule, its own old interval excluded. Its join tokens are
 * revoked, since their windows were cut for the old times. ENOTFOUND if no such appointment;
 * ECONSTRAINT if it is cancelled.
 */
int tolk_store_appointment_reschedule(struct tolk_store *st, int64_t id, int64_t starts_at,
                                      int64_t ends_at, int64_t interpreter_id,
                                      int64_t relief_interpreter_id,
                                      const struct tolk_audit_note *note);

/* Cancels appointment ID and revokes all its join tokens. ECONSTRAINT if already cancelled. */
int tolk_store_appointment_cancel(struct tolk_store *st, int64_t id,
                                  const struct tolk_audit_note *note);

/*
 * Replaces the join tokens of booked appointment ID: every token it has is revoked and the N
 * given (hashes only) are stored, with NOTE's entry, in one transaction. ENOTFOUND if no such
 * appointment; ECONSTRAINT if it is cancelled or a hash exists.
 */
int tolk_store_appointment_tokens_issue(struct tolk_store *st, int64_t id,
                                        const struct tolk_join_token *tokens, size_t n,
                                        const struct tolk_audit_note *note);

/*
 * Revokes the tokens of appointment ID for ROLE ("client", "clinician", "interpreter" or
 * "support"), with NOTE's entry. ENOTFOUND if no such appointment.
 */
int tolk_store_appointment_tokens_revoke(struct tolk_store *st, int64_t id, const char *role,
                                         const struct tolk_audit_note *note);

/*
 * The interpreter of CLIENT_ID's most recent booked appointment that starts before BEFORE, in
 * *INTERPRETER_ID (0 when there is none, or it had no interpreter). A relief interpreter does
 * not count: the client heard the interpreter.
 */
int tolk_store_appointment_last_interpreter(struct tolk_store *st, int64_t client_id,
                                            int64_t before, int64_t *interpreter_id);

/* Reads appointment ID. ENOTFOUND if none. */
int tolk_store_appointment_get(struct tolk_store *st, int64_t id, struct tolk_appointment *out);

/*
 * Which appointments tolk_store_appointment_list returns: those of CLINICIAN_ID and of
 * INTERPRETER_ID (each 0: anyone; the interpreter's as interpreter or as relief interpreter)
 * that overlap [FROM, TO) (TO 0: no end), cancelled ones too.
 */
struct tolk_appointment_filter {
    int64_t clinician_id, interpreter_id;
    int64_t from, to;
};

/* Up to CAP matching appointments with id > AFTER_ID, in id order; *N says how many. */
int tolk_store_appointment_list(struct tolk_store *st, const struct tolk_appointment_filter *f,
                                int64_t after_id, struct tolk_appointment *out, size_t cap,
                                size_t *n);

/*
 * A booked appointment of an interpreter, as tolk_store_interpreter_bookings lists it: one
 * where INTERPRETER_ID is the interpreter or the relief interpreter.
 */
struct tolk_interpreter_booking {
    int64_t interpreter_id;
    int64_t appointment_id;
    int64_t starts_at, ends_at;
};

/*
 * Every interpreter's booked appointments that overlap [FROM, TO) (TO > FROM), as interpreter
 * or as relief interpreter, except appointment EXCEPT_ID (0: none), for matching
 * (broker/suggest.c): one page in (interpreter_id, starts_at, appointment_id) order after
 * *AFTER (NULL: from the start), up to CAP (> 0) into OUT, *n of them; fewer than CAP means the
 * end, and the next page goes after out[*n - 1]. One query for all interpreters; it reads the
 * booked appointments that end after FROM, in two indexes (schema 8 and 9).
 */
int tolk_store_interpreter_bookings(struct tolk_store *st, int64_t from, int64_t to,
                                    int64_t except_id, const struct tolk_interpreter_booking *after,
                                    struct tolk_interpreter_booking *out, size_t cap, size_t *n);

/*
 * Accounts of the people who run the service: admin, staff, clinician, interpreter. (Clients
 * have no account: a join token is all they need.)
 *
 * A username is a staff login chosen by the clinic, not a person's name: 3 to 64 characters of
 * [a-z0-9._-] ("m.jansen", "desk-3"). The rule keeps spaces, capitals, '@' and non-ASCII out,
 * so a full name or an e-mail address cannot be stored as one. Usernames are unique without
 * regard to case. The store keeps only a password hash (its text, made by the caller), never a
 * password. Audit entries name an account by id ("account:17"), never by username.
 */
#define TOLK_USERNAME_MIN      3
#define TOLK_USERNAME_MAX      64  /* characters (bytes), without the NUL */
#define TOLK_PASSWORD_HASH_MAX 256 /* password hash text, counting the NUL */

enum tolk_account_role {
    TOLK_ROLE_ADMIN = 1,
    TOLK_ROLE_STAFF = 2,
    TOLK_ROLE_CLINICIAN = 3,
    TOLK_ROLE_INTERPRETER = 4,
};

struct tolk_account {
    int64_t id; /* set by the store */
    char username[TOLK_USERNAME_MAX + 1];
    enum tolk_account_role role;
    char password_hash[TOLK_PASSWORD_HASH_MAX]; /* "" in lists: they never carry hashes */
    int disabled;                               /* 0 or 1 */
    int64_t created_at;                         /* Unix seconds, UTC, as given by the caller */
};

/* "admin", "staff", "clinician", "interpreter"; NULL for a value outside the enum. */
const char *tolk_account_role_name(enum tolk_account_role role);
/* The role named TEXT: 0 and *role set, or -1 for a text that names none. */
int tolk_account_role_parse(const char *text, enum tolk_account_role *role);
/* 1 if TEXT follows the username rule above, else 0. NULL is 0. */
int tolk_username_valid(const char *text);

/*
 * An audit entry written in the same transaction as the change it records, so that the change
 * and its entry are stored together or not at all. The texts follow the rules of "Audit log"
 * below (checked as tolk_store_audit_append checks them); KEY is the caller's and not kept.
 * Functions that take a note accept NULL for "no entry".
 */
struct tolk_audit_note {
    const uint8_t *key; /* TOLK_AUDIT_KEY_BYTES (defined below) */
    const char *actor;
    const char *action;
    const char *subject; /* "" for none, unless the function says it fills it in */
    const char *detail;
    int64_t at; /* Unix seconds, UTC, not negative */
};

/*
 * Creates account *A (its id is filled in; the username must follow the rule, the role be one
 * of the enum, the hash non-empty text, disabled 0 or 1) with NOTE's entry, whose subject the
 * store sets to "account:<new id>" (pass ""). A username that exists, in any case, is
 * TOLK_STORE_ECONSTRAINT and nothing is written.
 */
int tolk_store_account_create(struct tolk_store *st, struct tolk_account *a,
                              const struct tolk_audit_note *note);

/*
 * The bootstrap of a new installation: as tolk_store_account_create, but only while no admin
 * account exists (A's role must be admin). The check and the insert share one write
 * transaction, so two bootstraps racing cannot both succeed: the second gets
 * TOLK_STORE_ECONSTRAINT.
 */
int tolk_store_account_bootstrap(struct tolk_store *st, struct tolk_account *a,
                                 const struct tolk_audit_note *note);

/* Looks an account up by username (in any case) or by id. TOLK_STORE_ENOTFOUND if none. */
int tolk_store_account_find(struct tolk_store *st, const char *username, struct tolk_account *out);
int tolk_store_account_get(struct tolk_store *st, int64_t id, struct tolk_account *out);

/* How many accounts have ROLE (disabled ones too). */
int tolk_store_account_count_role(struct tolk_store *st, enum tolk_account_role role,
                                  uint64_t *count);

/*
 * One page of accounts in id order: up to CAP (> 0) with id > AFTER_ID into OUT (the caller's
 * array), without their password hashes. *n gets how many; fewer than CAP means the end.
 */
int tolk_store_account_list(struct tolk_store *st, int64_t after_id, struct tolk_account *out,
                            size_t cap, size_t *n);

/*
 * Disables (DISABLED = 1) or enables (0) account ID, with NOTE's entry. Disabling also revokes
 * every token the account holds, in the same transaction, so a disabled account is locked out
 * at once rather than when its tokens expire. TOLK_STORE_ENOTFOUND if there is no such account
 * (and nothing is written).
 */
int tolk_store_account_set_disabled(struct tolk_store *st, int64_t id, int disabled,
                                    const struct tolk_audit_note *note);

/* Replaces account ID's password hash (after a rehash with stronger limits). */
int tolk_store_account_set_password_hash(struct tolk_store *st, int64_t id, const char *hash);

/*
 * Bearer tokens of logged-in accounts. As with join tokens, the store keeps only the hash of a
 * token (TOLK_STORE_TOKEN_HASH_BYTES), so a copy of the database cannot be used to log in.
 */
struct tolk_auth_token {
    uint8_t hash[TOLK_STORE_TOKEN_HASH_BYTES];
    int64_t account_id;
    int64_t expires_at; /* Unix seconds, UTC */
};

/* What a token grants, with its account's state at the time of the lookup. */
struct tolk_auth_grant {
    int64_t account_id;
    enum tolk_account_role role;
    int account_disabled;
    int64_t expires_at;
    int revoked;
};

/*
 * Stores token T with NOTE's entry. A hash that exists is TOLK_STORE_ECONSTRAINT; an account
 * that does not is TOLK_STORE_ENOTFOUND.
 */
int tolk_store_auth_token_add(struct tolk_store *st, const struct tolk_auth_token *t,
                              const struct tolk_audit_note *note);

/*
 * Looks a token up by its hash, with its account. TOLK_STORE_ENOTFOUND if no token has that
 * hash. Expiry, revocation and a disabled account are the caller's to judge: all are in *out.
 */
int tolk_store_auth_token_find(struct tolk_store *st,
                               const uint8_t hash[TOLK_STORE_TOKEN_HASH_BYTES],
                               struct tolk_auth_grant *out);

/* Revokes one token (logout) with NOTE's entry. TOLK_STORE_ENOTFOUND if there is none. */
int tolk_store_auth_token_revoke(struct tolk_store *st,
                                 const uint8_t hash[TOLK_STORE_TOKEN_HASH_BYTES],
                                 const struct tolk_audit_note *note);

/* Deletes every token that expired before BEFORE (Unix seconds), in one transaction. */
int tolk_store_auth_tokens_purge(struct tolk_store *st, int64_t before, uint64_t *purged);

/*
 * Failed logins, counted per key for rate limiting. A key is chosen by the caller and must not
 * be a name or an address in clear (tolkd uses keyed hashes: "acct:<hex>", "addr:<hex>"); the
 * same rules as meta keys apply. Times are Unix seconds.
 */
struct tolk_login_failures {
    uint32_t failures; /* 0 for a key never recorded (or reset) */
    int64_t last_at;   /* the last failure, 0 if none */
};

/* Reads KEY's count. A key with no record is not an error: *out is zeros. */
int tolk_store_login_failure_get(struct tolk_store *st, const char *key,
                                 struct tolk_login_failures *out);

/*
 * Records one failure at AT against each of the N keys (1 to 4) and NOTE's entry, in one
 * transaction. A key's count goes up by one, or starts again at 1 if its last failure was
 * before FORGET_BEFORE (old failures are forgiven). COUNTS (N of them, may be NULL) get the new
 * counts.
 */
int tolk_store_login_failure_record(struct tolk_store *st, const char *const *keys, size_t n,
                                    int64_t at, int64_t forget_before, uint32_t *counts,
                                    const struct tolk_audit_note *note);

/* Forgets KEY's failures (after a successful login). No record is not an error. */
int tolk_store_login_failure_reset(struct tolk_store *st, const char *key);

/* Deletes the records whose last failure was before BEFORE, in one transaction. */
int tolk_store_login_failures_purge(struct tolk_store *st, int64_t before, uint64_t *purged);

/*
 * Audit log: an append-only, hash-chained record of security-relevant events (logins and their
 * failures, account changes, bookings, token issue and revoke, session join/leave/admit/deny).
 *
 * An entry says who did what to what, by id, never by name. The dispatcher enforces:
 *   actor    "system", or "kind:id": a kind of lowercase letters, digits and '_' starting with
 *            a letter, then ':', then letters, digits, '_', '-' or ':' ("account:17",
 *            "participant:p2"). At most TOLK_STORE_REF_MAX-1 bytes.
 *   action   [a-z_]{1,63}: "login_failed", "appointment_booked", "token_revoked", ...
 *            "audit_purged" is written only by tolk_store_audit_purge.
 *   subject  "" (none) or the same form as actor ("appointment:42").
 *   detail   "" or codes: letters, digits, '_', '-', ':', '=' and ',' ("role=client,reason=
 *            expired"), at most TOLK_AUDIT_DETAIL_MAX-1 bytes.
 * These character rules are what keep names and contact details out of the log: a full name
 * has a space or letters outside ASCII, an e-mail address has '@' and '.', a written phone
 * number has '+', spaces or brackets, free text has spaces, and none of them pass. The rules
 * cannot tell an id from a single word or a bare string of digits, so callers log the ids the
 * store issued, never text a person typed.
 *
 * The chain (audit_chain.h) hashes each entry, with a 32-byte key, over its fields and the hash
 * of the entry before. The key is derived from the data key, which lives outside the database,
 * so whoever holds only the database cannot edit, remove, reorder or insert entries without
 * tolk_store_audit_verify noticing. The one thing a chain cannot show by itself is that its
 * newest entries were cut off: verify reports the head (last seq and hash) so that a caller who
 * kept an earlier head can check it is still there (see tolk_store_audit_verify).
 */
#define TOLK_AUDIT_DETAIL_MAX 256 /* detail text, counting the NUL */
#define TOLK_AUDIT_HASH_BYTES 32
#define TOLK_AUDIT_KEY_BYTES  32

struct tolk_audit_entry {
    uint64_t seq; /* 1, 2, 3, ... without gaps; set by the store */
    int64_t at;   /* Unix seconds, UTC, as given by the caller */
    char actor[TOLK_STORE_REF_MAX];
    char action[TOLK_STORE_REF_MAX];
    char subject[TOLK_STORE_REF_MAX];
    char detail[TOLK_AUDIT_DETAIL_MAX];
    uint8_t prev_hash[TOLK_AUDIT_HASH_BYTES]; /* the previous entry's hash (zeros for seq 1) */
    uint8_t hash[TOLK_AUDIT_HASH_BYTES];
};

/* Why a chain does not verify. */
enum tolk_audit_fault {
    TOLK_AUDIT_OK = 0,
    TOLK_AUDIT_BAD_HASH = 1,  /* an entry's fields do not match its hash: edited or forged */
    TOLK_AUDIT_GAP = 2,       /* a seq is missing: entries were removed */
    TOLK_AUDIT_BAD_PREV = 3,  /* an entry does not follow the one before: reordered, inserted */
    TOLK_AUDIT_BAD_SEQ = 4,   /* a seq of 0, or not after the one before (or the anchor) */
    TOLK_AUDIT_BAD_ANCHOR = 5 /* the start point moved without a logged purge: oldest cut off */
};

/* What tolk_store_audit_verify found. */
struct tolk_audit_report {
    int ok;                       /* 1: the whole chain verified */
    enum tolk_audit_fault reason; /* TOLK_AUDIT_OK when ok */
    uint64_t bad_seq;             /* where it broke (for GAP: the first missing seq), else 0 */
    uint64_t count;               /* entries that verified before the walk ended or broke */
    uint64_t anchor_seq;          /* where verification started: 0, or the last purged seq */
    uint64_t head_seq;            /* the last entry that verified (anchor_seq if none) */
    uint8_t head_hash[TOLK_AUDIT_HASH_BYTES]; /* its hash (the anchor's if none) */
};

/*
 * Appends one entry. The texts follow the rules above (EINVAL otherwise, with a message naming
 * the field, never its value); AT must not be negative. The last entry is read and the new one
 * written inside one write transaction, so writers in other processes wait their turn and
 * never fork the chain. KEY (TOLK_AUDIT_KEY_BYTES, the caller's, not kept) keys the hash.
 * *seq_out, when seq_out is not NULL, gets the new entry's seq.
 */
int tolk_store_audit_append(struct tolk_store *st, const uint8_t key[TOLK_AUDIT_KEY_BYTES],
                            const char *actor, const char *action, const char *subject,
                            const char *detail, int64_t at, uint64_t *seq_out);

/*
 * Walks the whole log in seq order from the anchor, one row at a time (constant memory), in
 * one read snapshot, and fills *out. Returns TOLK_STORE_OK only when every entry verified;
 * TOLK_STORE_ECORRUPT when the chain is broken (out->reason and out->bad_seq say where and
 * how); another negative status when the database could not be read (out->ok is 0).
 *
 * To detect removal of the newest entries, keep the head from an earlier run (head_seq,
 * head_hash) somewhere else: it must still be there, i.e. head_seq >= the kept seq and the
 * entry at the kept seq (tolk_store_audit_list with after_seq = kept seq - 1) has the kept hash.
 */
__attribute__((warn_unused_result)) int
tolk_store_audit_verify(struct tolk_store *st, const uint8_t key[TOLK_AUDIT_KEY_BYTES],
                        struct tolk_audit_report *out);

/*
 * Retention: in one transaction, deletes the oldest entries whose time is before BEFORE, stopping
 * at the first entry that is not (so what is left stays one unbroken run) and never deleting the
 * newest entry; moves the anchor to the last deleted entry; and appends an "audit_purged" entry
 * (actor "system", detail "through_seq=N", N the anchor's seq) stamped with the current time,
 * also when nothing was old enough. *purged gets the number of entries deleted, once committed.
 */
int tolk_store_audit_purge(struct tolk_store *st, const uint8_t key[TOLK_AUDIT_KEY_BYTES],
                           int64_t before, uint64_t *purged);

/*
 * One page of the log for the admin view: up to CAP entries (CAP > 0) with seq > AFTER_SEQ, in
 * seq order, into OUT (the caller's array). *n gets how many; fewer than CAP means the end. The
 * next page starts after out[*n - 1].seq. Entries are returned as stored, not verified.
 */
int tolk_store_audit_list(struct tolk_store *st, uint64_t after_seq, struct tolk_audit_entry *out,
                          size_t cap, size_t *n);

/*
 * Clients (schema v6): pseudonymous records, not accounts. A client has an alias, spoken
 * languages in order of preference (BCP 47 tags, each saying whether its dialect is required),
 * an optional written language, interpreter preferences and an optional support person (a
 * relative or friend who joins as support person, never as interpreter). There is no field for
 * legal or immigration status, nationality or address, by design.
 *
 * Contact details are stored only sealed (secretbox nonce || ciphertext, sealed by tolkd with a
 * key derived from the data key, which never enters the database): the store keeps the bytes
 * and never sees the text. Tags are checked here only for their characters (letters, digits,
 * '-'); tolkd checks them against BCP 47 before it stores them.
 *
 * Exclusions name an interpreter by the id of their account (role interpreter): the client asked
 * not to be matched with them ("client"), or a clinician recorded that the client asked never to
 * be matched with them again ("never_again"). An exclusion is never removed, and "never_again"
 * is never weakened to "client", so it holds for every future booking.
 *
 * Every change, and every full read, writes its audit entry in the same transaction; the store
 * fills in the subject "client:<id>".
 */
#define TOLK_CLIENT_ALIAS_MAX 65 /* alias and support person alias: 64 bytes and a NUL */
#define TOLK_CLIENT_TAG_MAX   36 /* a language tag: 35 characters and a NUL */
#define TOLK_CLIENT_LANGUAGES_MAX                                                                  \
    4 /* spoken languages per client, at least 1 (as matching takes) */
#define TOLK_CLIENT_EXCLUSIONS_MAX 32  /* exclusions per client */
#define TOLK_CLIENT_CONTACT_MAX    512 /* contact details in clear, in bytes */
#define TOLK_CLIENT_SEALED_MAX     (24 + 16 + TOLK_CLIENT_CONTACT_MAX) /* nonce, MAC, text */

enum tolk_exclusion_reason { TOLK_EXCLUDE_CLIENT = 1, TOLK_EXCLUDE_NEVER_AGAIN = 2 };

struct tolk_client_language {
    char tag[TOLK_CLIENT_TAG_MAX];
    int dialect_required; /* 0 or 1 */
};

struct tolk_client_exclusion {
    int64_t interpreter_id; /* an account of role interpreter */
    enum tolk_exclusion_reason reason;
    int64_t recorded_by; /* the account that recorded it */
    int64_t at;
};

struct tolk_client {
    int64_t id; /* set by the store */
    char alias[TOLK_CLIENT_ALIAS_MAX];
    char written_language[TOLK_CLIENT_TAG_MAX];       /* "" for none */
    char gender_preference;                           /* 0 for none, 'f', 'm' or 'x' */
    int prefer_same_interpreter;                      /* 0 or 1 */
    char support_person_alias[TOLK_CLIENT_ALIAS_MAX]; /* "" for none */
    size_t n_languages;
    struct tolk_client_language languages[TOLK_CLIENT_LANGUAGES_MAX];
    size_t contact_sealed_len; /* 0 for no contact details */
    uint8_t contact_sealed[TOLK_CLIENT_SEALED_MAX];
    int64_t created_at;
    size_t n_exclusions; /* filled by tolk_store_client_get; ignored on writes */
    struct tolk_client_exclusion exclusions[TOLK_CLIENT_EXCLUSIONS_MAX];
};

/* What a list shows of a client: the alias and the id, nothing more. */
struct tolk_client_summary {
    int64_t id;
    char alias[TOLK_CLIENT_ALIAS_MAX];
};

/* Creates client *C (its id is filled in) with NOTE's entry, in one transaction. */
int tolk_store_client_create(struct tolk_store *st, struct tolk_client *c,
                             const struct tolk_audit_note *note);

/*
 * Reads client ID with its languages and exclusions, and writes NOTE's entry (required: every
 * read is audited) in the same transaction; no entry, no record. ENOTFOUND if none.
 */
int tolk_store_client_get(struct tolk_store *st, int64_t id, struct tolk_client *out,
                          const struct tolk_audit_note *note);

/* Replaces every field of client C->id but its id and created_at, with NOTE's entry. */
int tolk_store_client_update(struct tolk_store *st, const struct tolk_client *c,
                             const struct tolk_audit_note *note);

/*
 * One page of clients whose alias starts with PREFIX ("" for all; ASCII letters in any case)
 * with id > AFTER_ID, in id order: up to CAP (> 0) into OUT, *n of them.
 */
int tolk_store_client_list(struct tolk_store *st, const char *prefix, int64_t after_id,
                           struct tolk_client_summary *out, size_t cap, size_t *n);

/*
 * Records exclusion E of client CLIENT_ID with NOTE's entry. ENOTFOUND when the client or an
 * interpreter account E->interpreter_id does not exist; ECONSTRAINT when the client has
 * TOLK_CLIENT_EXCLUSIONS_MAX already. Recording one that exists keeps the stronger reason.
 */
int tolk_store_client_exclusion_add(struct tolk_store *st, int64_t client_id,
                                    const struct tolk_client_exclusion *e,
                                    const struct tolk_audit_note *note);

/*
 * Interpreters (schema v6): a profile belongs to an account of role interpreter and has that
 * account's id, so exclusions, profiles and logins name an interpreter by one id. A profile has
 * a display code (not a name: "INT-0042"), a gender, the IANA zone of its weekly slots,
 * language pairs (BCP 47; a pair works both ways), weekly availability in that zone, and
 * exceptions: UTC ranges when the interpreter is not available (leave, sickness). Tags and
 * zones are checked here only for their characters; tolkd checks them fully. Every change
 * writes its audit entry, subject "interpreter:<id>", in the same transaction.
 */
#define TOLK_INTERPRETER_CODE_MAX       17 /* display code: 1 to 16 of A-Z, 0-9, '-', and a NUL */
#define TOLK_INTERPRETER_ZONE_MAX       65 /* IANA zone name and a NUL */
#define TOLK_INTERPRETER_PAIRS_MAX      16
#define TOLK_INTERPRETER_SLOTS_MAX      32
#define TOLK_INTERPRETER_EXCEPTIONS_MAX 32

struct tolk_language_pair {
    char a[TOLK_CLIENT_TAG_MAX];
    char b[TOLK_CLIENT_TAG_MAX];
};

/* A weekly slot in the profile's zone: day 0 = Monday .. 6, minutes 0 <= start < end <= 1440. */
struct tolk_store_slot {
    int day;
    int start_minute;
    int end_minute;
};

/* Not available from starts_at (included) to ends_at (excluded), Unix seconds UTC. */
struct tolk_store_exception {
    int64_t id; /* set by the store */
    int64_t starts_at;
    int64_t ends_at;
};

struct tolk_interpreter_profile {
    int64_t id; /* the interpreter's account id */
    char code[TOLK_INTERPRETER_CODE_MAX];
    char gender; /* 0 for not given, 'f', 'm' or 'x' */
    char zone[TOLK_INTERPRETER_ZONE_MAX];
    int64_t created_at;
    size_t n_pairs;
    struct tolk_language_pair pairs[TOLK_INTERPRETER_PAIRS_MAX];
    size_t n_slots; /* written only by create and set_slots */
    struct tolk_store_slot slots[TOLK_INTERPRETER_SLOTS_MAX];
    size_t n_exceptions; /* filled by get, oldest first; ignored on writes */
    struct tolk_store_exception exceptions[TOLK_INTERPRETER_EXCEPTIONS_MAX];
};

struct tolk_interpreter_summary {
    int64_t id;
    char code[TOLK_INTERPRETER_CODE_MAX];
};

/*
 * Creates profile *P with its pairs and slots. ENOTFOUND when P->id is not an account of role
 * interpreter; ECONSTRAINT when it has a profile already or the code is taken.
 */
int tolk_store_interpreter_create(struct tolk_store *st, const struct tolk_interpreter_profile *p,
                                  const struct tolk_audit_note *note);

/* Reads profile ID with its pairs, slots and exceptions. ENOTFOUND if none. */
int tolk_store_interpreter_get(struct tolk_store *st, int64_t id,
                               struct tolk_interpreter_profile *out);

/* Replaces P->id's code, gender, zone and pairs (not its slots or exceptions). */
int tolk_store_interpreter_update(struct tolk_store *st, const struct tolk_interpreter_profile *p,
                                  const struct tolk_audit_note *note);

/* Replaces all weekly slots of profile ID with the N in SLOTS (0 to the maximum). */
int tolk_store_interpreter_set_slots(struct tolk_store *st, int64_t id,
                                     const struct tolk_store_slot *slots, size_t n,
                                     const struct tolk_audit_note *note);

/*
 * Adds exception *E (E->id is filled in) to profile ID, first forgetting those that ended by
 * NOW. ECONSTRAINT when TOLK_INTERPRETER_EXCEPTIONS_MAX are still to come.
 */
int tolk_store_interpreter_exception_add(struct tolk_store *st, int64_t id,
                                         struct tolk_store_exception *e, int64_t now,
                                         const struct tolk_audit_note *note);

/* One page of profiles with id > AFTER_ID in id order: up to CAP (> 0) into OUT, *n of them. */
int tolk_store_interpreter_list(struct tolk_store *st, int64_t after_id,
                                struct tolk_interpreter_summary *out, size_t cap, size_t *n);

/*
 * One page of whole profiles (each as tolk_store_interpreter_get reads it: pairs, slots and
 * exceptions) with id > AFTER_ID in id order: up to CAP (> 0) into OUT, *n of them; fewer than
 * CAP means the end. The page is read in one transaction with one query per table, for callers
 * that need every profile (matching) at the cost of four queries, not four per interpreter.
 */
int tolk_store_interpreter_profiles(struct tolk_store *st, int64_t after_id,
                                    struct tolk_interpreter_profile *out, size_t cap, size_t *n);

/*
 * Clinicians (schema v6): a profile belongs to an account of role clinician and has its id: the
 * languages the clinician speaks (BCP 47, checked by tolkd), the IANA zone of their working
 * hours, and the working hours as weekly slots in that zone. Every change writes its audit
 * entry, subject "clinician:<id>", in the same transaction.
 */
#define TOLK_CLINICIAN_LANGUAGES_MAX 4 /* as matching takes */

struct tolk_clinician_profile {
    int64_t id; /* the clinician's account id */
    char zone[TOLK_INTERPRETER_ZONE_MAX];
    int64_t created_at;
    size_t n_languages; /* 1 to TOLK_CLINICIAN_LANGUAGES_MAX */
    char languages[TOLK_CLINICIAN_LANGUAGES_MAX][TOLK_CLIENT_TAG_MAX];
    size_t n_hours; /* 0 to TOLK_INTERPRETER_SLOTS_MAX */
    struct tolk_store_slot hours[TOLK_INTERPRETER_SLOTS_MAX];
};

/*
 * Creates profile *P. ENOTFOUND when P->id is not an account of role clinician; ECONSTRAINT
 * when it has a profile already.
 */
int tolk_store_clinician_create(struct tolk_store *st, const struct tolk_clinician_profile *p,
                                const struct tolk_audit_note *note);

/* Reads profile ID. ENOTFOUND if none. */
int tolk_store_clinician_get(struct tolk_store *st, int64_t id, struct tolk_clinician_profile *out);

/* Replaces P->id's zone, languages and working hours. */
int tolk_store_clinician_update(struct tolk_store *st, const struct tolk_clinician_profile *p,
                                const struct tolk_audit_note *note);

/* One page of profile ids above AFTER_ID in order: up to CAP (> 0) into IDS, *n of them. */
int tolk_store_clinician_list(struct tolk_store *st, int64_t after_id, int64_t *ids, size_t cap,
                              size_t *n);

#endif
