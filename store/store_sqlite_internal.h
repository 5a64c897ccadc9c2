/*
 * Internal to the SQLite backend (store_sqlite*.c): the connection state, the prepared
 * statements, and the small helpers every operation uses. Only these files include sqlite3.h.
 */
#ifndef TOLK_STORE_SQLITE_INTERNAL_H
#define TOLK_STORE_SQLITE_INTERNAL_H

#include <sqlite3.h>

#include "store_backend.h"

enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_VERSION,
    ST_CHECKPOINT,
    ST_META_GET,
    ST_META_SET,
    ST_EVENT_ADD,
    ST_EVENT_COUNT,
    ST_EVENT_PURGE,
    ST_APPOINTMENT_ADD,
    ST_TOKEN_ADD,
    ST_TOKEN_FIND,
    ST_AUDIT_READ_BEGIN,
    ST_AUDIT_HEAD,
    ST_AUDIT_ANCHOR_GET,
    ST_AUDIT_ANCHOR_SET,
    ST_AUDIT_ADD,
    ST_AUDIT_LIST,
    ST_AUDIT_PURGE_END,
    ST_AUDIT_GUARD_ON,
    ST_AUDIT_GUARD_OFF,
    ST_AUDIT_DELETE,
    ST_ACCOUNT_ADD,
    ST_ACCOUNT_FIND,
    ST_ACCOUNT_GET,
    ST_ACCOUNT_COUNT_ROLE,
    ST_ACCOUNT_LIST,
    ST_ACCOUNT_SET_DISABLED,
    ST_ACCOUNT_SET_HASH,
    ST_AUTH_TOKEN_ADD,
    ST_AUTH_TOKEN_FIND,
    ST_AUTH_TOKEN_REVOKE,
    ST_AUTH_TOKENS_REVOKE_ACCOUNT,
    ST_AUTH_TOKENS_PURGE,
    ST_LOGIN_FAILURE_GET,
    ST_LOGIN_FAILURE_RECORD,
    ST_LOGIN_FAILURE_RESET,
    ST_LOGIN_FAILURES_PURGE,
    ST_COUNT
};

struct sq {
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_COUNT];
    int created;        /* the file did not exist before this open */
    int ready;          /* fully opened and migrated: close may write (checkpoint) */
    long found_version; /* user_version as found at open, before migrations */
    char name[TOLK_STORE_LOCATION_MAX + 2]; /* the file name handed to SQLite */
    char err[TOLK_STORE_ERR_MAX];
};

/* Records a failure (one line, control characters blanked) and returns STATUS. */
__attribute__((format(printf, 3, 4))) int sq_fail(struct sq *s, int status, const char *fmt, ...);
/* Records a failed SQLite call under OP and returns the matching status. */
int sq_db_fail(struct sq *s, int rc, const char *op);
/* Resets a statement and clears its bindings for reuse. */
void sq_done(sqlite3_stmt *q);
int bind_text(sqlite3_stmt *q, int i, const char *text);
/* Steps statement ID to completion (no rows expected) and readies it for reuse. */
int sq_run(struct sq *s, enum stmt_id id, const char *op);
/* Ends a failed write transaction, if one is still open. */
void sq_rollback(struct sq *s);
/* Runs BODY in one write transaction: commit if it returns TOLK_STORE_OK, else roll back. */
int sq_in_transaction(struct sq *s, const char *op, int (*body)(struct sq *, void *), void *arg);
/* Prepares fixed SQL for one use (the caller finalizes it). */
int sq_prepare(struct sq *s, const char *sql, const char *op, sqlite3_stmt **q);

/*
 * store_sqlite_audit.c: appends one audit entry inside the CALLER's write transaction, so that
 * a change and the entry recording it commit or fail together.
 */
int sq_audit_append_locked(struct sq *s, const uint8_t *key, const char *actor, const char *action,
                           const char *subject, const char *detail, int64_t at, const char *op);

/* store_sqlite_appointments.c */
int sq_appointment_create(void *state, struct tolk_appointment *a,
                          const struct tolk_join_token *tokens, size_t n);
int sq_token_find(void *state, const uint8_t *hash, struct tolk_token_grant *out);
int sq_appointment_book(void *state, struct tolk_appointment *a,
                        const struct tolk_audit_note *note);
int sq_appointment_reschedule(void *state, int64_t id, int64_t starts_at, int64_t ends_at,
                              int64_t interpreter_id, int64_t relief_interpreter_id,
                              const struct tolk_audit_note *note);
int sq_appointment_cancel(void *state, int64_t id, const struct tolk_audit_note *note);
int sq_appointment_tokens_issue(void *state, int64_t id, const struct tolk_join_token *tokens,
                                size_t n, const struct tolk_audit_note *note);
int sq_appointment_tokens_revoke(void *state, int64_t id, const char *role,
                                 const struct tolk_audit_note *note);
int sq_appointment_last_interpreter(void *state, int64_t client_id, int64_t before,
                                    int64_t *interpreter_id);
int sq_appointment_get(void *state, int64_t id, struct tolk_appointment *out);
int sq_appointment_list(void *state, const struct tolk_appointment_filter *f, int64_t after_id,
                        struct tolk_appointment *out, size_t cap, size_t *n);
int sq_interpreter_bookings(void *state, int64_t from, int64_t to, int64_t except_id,
                            const struct tolk_interpreter_booking *after,
                            struct tolk_interpreter_booking *out, size_t cap, size_t *n);

/* store_sqlite_audit.c */
int sq_audit_append(void *state, const uint8_t *key, const char *actor, const char *action,
                    const char *subject, const char *detail, int64_t at, uint64_t *seq_out);
int sq_audit_verify(void *state, const uint8_t *key, struct tolk_audit_report *out);
int sq_audit_purge(void *state, const uint8_t *key, int64_t before, uint64_t *purged);
int sq_audit_list(void *state, uint64_t after_seq, struct tolk_audit_entry *out, size_t cap,
                  size_t *n);

/* store_sqlite_accounts.c */
int sq_account_create(void *state, struct tolk_account *a, int bootstrap,
                      const struct tolk_audit_note *note);
int sq_account_find(void *state, const char *username, struct tolk_account *out);
int sq_account_get(void *state, int64_t id, struct tolk_account *out);
int sq_account_count_role(void *state, enum tolk_account_role role, uint64_t *count);
int sq_account_list(void *state, int64_t after_id, struct tolk_account *out, size_t cap, size_t *n);
int sq_account_set_disabled(void *state, int64_t id, int disabled,
                            const struct tolk_audit_note *note);
int sq_account_set_password_hash(void *state, int64_t id, const char *hash);
int sq_auth_token_add(void *state, const struct tolk_auth_token *t,
                      const struct tolk_audit_note *note);
int sq_auth_token_find(void *state, const uint8_t *hash, struct tolk_auth_grant *out);
int sq_auth_token_revoke(void *state, const uint8_t *hash, const struct tolk_audit_note *note);
int sq_auth_tokens_purge(void *state, int64_t before, uint64_t *purged);
int sq_login_failure_get(void *state, const char *key, struct tolk_login_failures *out);
int sq_login_failure_record(void *state, const char *const *keys, size_t n, int64_t at,
                            int64_t forget_before, uint32_t *counts,
                            const struct tolk_audit_note *note);
int sq_login_failure_reset(void *state, const char *key);
int sq_login_failures_purge(void *state, int64_t before, uint64_t *purged);

/* store_sqlite_people.c */
int sq_client_create(void *state, struct tolk_client *c, const struct tolk_audit_note *note);
int sq_client_get(void *state, int64_t id, struct tolk_client *out,
                  const struct tolk_audit_note *note);
int sq_client_update(void *state, const struct tolk_client *c, const struct tolk_audit_note *note);
int sq_client_list(void *state, const char *prefix, int64_t after_id,
                   struct tolk_client_summary *out, size_t cap, size_t *n);
int sq_client_exclusion_add(void *state, int64_t client_id, const struct tolk_client_exclusion *e,
                            const struct tolk_audit_note *note);
int sq_interpreter_create(void *state, const struct tolk_interpreter_profile *p,
                          const struct tolk_audit_note *note);
int sq_interpreter_get(void *state, int64_t id, struct tolk_interpreter_profile *out);
int sq_interpreter_update(void *state, const struct tolk_interpreter_profile *p,
                          const struct tolk_audit_note *note);
int sq_interpreter_set_slots(void *state, int64_t id, const struct tolk_store_slot *slots, size_t n,
                             const struct tolk_audit_note *note);
int sq_interpreter_exception_add(void *state, int64_t id, struct tolk_store_exception *e,
                                 int64_t now, const struct tolk_audit_note *note);
int sq_interpreter_list(void *state, int64_t after_id, struct tolk_interpreter_summary *out,
                        size_t cap, size_t *n);
int sq_interpreter_profiles(void *state, int64_t after_id, struct tolk_interpreter_profile *out,
                            size_t cap, size_t *n);
int sq_clinician_create(void *state, const struct tolk_clinician_profile *p,
                        const struct tolk_audit_note *note);
int sq_clinician_get(void *state, int64_t id, struct tolk_clinician_profile *out);
int sq_clinician_update(void *state, const struct tolk_clinician_profile *p,
                        const struct tolk_audit_note *note);
int sq_clinician_list(void *state, int64_t after_id, int64_t *ids, size_t cap, size_t *n);

#endif
