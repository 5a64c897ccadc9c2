/*
 * What a store backend provides, and what the dispatcher (store.c) keeps around it.
 *
 * Only store.c and the backends include this header. A backend fills one struct
 * tolk_store_ops and gets a line in the registry in store.c; nothing outside the store module
 * changes. The dispatcher has already checked every argument against store.h's contract
 * (handles and pointers non-NULL, strings NUL-terminated within their limits, event kinds
 * valid) before an operation is called, so a backend only deals with its database.
 *
 * A backend's state is its own: the dispatcher passes it back untouched and never looks inside.
 * Every operation returns TOLK_STORE_OK or a negative tolk_store_status and, on failure, leaves
 * a one-line message (no stored values) for errmsg() to return until the next failure.
 */
#ifndef TOLK_STORE_BACKEND_H
#define TOLK_STORE_BACKEND_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

/* Longest backend path or URL the dispatcher accepts, counting the NUL. */
#define TOLK_STORE_LOCATION_MAX 4096
/* Meta keys follow TOLK_STORE_REF_MAX; values may be longer, up to this (counting the NUL). */
#define TOLK_STORE_META_VALUE_MAX 4096

struct tolk_store_ops {
    /*
     * Opens or creates the database named by TARGET (the location with the scheme prefix
     * removed) and migrates it to the latest schema. On success *state is the backend's own
     * allocation, released by close(). On failure *state is NULL, nothing was left open, and
     * err holds one line (err may be NULL when errlen is 0).
     */
    int (*open)(const char *target, void **state, char *err, size_t errlen);
    /* Makes committed data durable, releases everything. Never called with NULL. */
    void (*close)(void *state);
    const char *(*errmsg)(const void *state);
    int (*was_created)(const void *state);
    int (*schema_version)(void *state, int *version);
    int (*flush)(void *state);
    int (*meta_get)(void *state, const char *key, char *value, size_t valuelen);
    int (*meta_set)(void *state, const char *key, const char *value);
    int (*session_event_add)(void *state, const struct tolk_session_event *ev);
    int (*session_event_count)(void *state, uint64_t *count);
    int (*session_events_purge)(void *state, int64_t before, uint64_t *purged);
    int (*appointment_create)(void *state, struct tolk_appointment *a,
                              const struct tolk_join_token *tokens, size_t n);
    int (*token_find)(void *state, const uint8_t *hash, struct tolk_token_grant *out);
    /* Bookings (store.h): arguments have passed the rules; NOTE is not NULL. */
    int (*appointment_book)(void *state, struct tolk_appointment *a,
                            const struct tolk_audit_note *note);
    int (*appointment_reschedule)(void *state, int64_t id, int64_t starts_at, int64_t ends_at,
                                  int64_t interpreter_id, int64_t relief_interpreter_id,
                                  const struct tolk_audit_note *note);
    int (*appointment_cancel)(void *state, int64_t id, const struct tolk_audit_note *note);
    int (*appointment_tokens_issue)(void *state, int64_t id, const struct tolk_join_token *tokens,
                                    size_t n, const struct tolk_audit_note *note);
    int (*appointment_tokens_revoke)(void *state, int64_t id, const char *role,
                                     const struct tolk_audit_note *note);
    int (*appointment_last_interpreter)(void *state, int64_t client_id, int64_t before,
                                        int64_t *interpreter_id);
    int (*appointment_get)(void *state, int64_t id, struct tolk_appointment *out);
    int (*appointment_list)(void *state, const struct tolk_appointment_filter *f, int64_t after_id,
                            struct tolk_appointment *out, size_t cap, size_t *n);
    int (*interpreter_bookings)(void *state, int64_t from, int64_t to, int64_t except_id,
                                const struct tolk_interpreter_booking *after,
                                struct tolk_interpreter_booking *out, size_t cap, size_t *n);
    /* Audit log. KEY is TOLK_AUDIT_KEY_BYTES; texts have passed the rules in store.h. */
    int (*audit_append)(void *state, const uint8_t *key, const char *actor, const char *action,
                        const char *subject, const char *detail, int64_t at, uint64_t *seq_out);
    int (*audit_verify)(void *state, const uint8_t *key, struct tolk_audit_report *out);
    int (*audit_purge)(void *state, const uint8_t *key, int64_t before, uint64_t *purged);
    int (*audit_list)(void *state, uint64_t after_seq, struct tolk_audit_entry *out, size_t cap,
                      size_t *n);
    /*
     * Accounts, bearer tokens and login failures. NOTE is NULL or has passed the audit rules;
     * a backend writes it in the same transaction as the change. BOOTSTRAP asks account_create
     * to refuse (ECONSTRAINT) while an admin exists.
     */
    int (*account_create)(void *state, struct tolk_account *a, int bootstrap,
                          const struct tolk_audit_note *note);
    int (*account_find)(void *state, const char *username, struct tolk_account *out);
    int (*account_get)(void *state, int64_t id, struct tolk_account *out);
    int (*account_count_role)(void *state, enum tolk_account_role role, uint64_t *count);
    int (*account_list)(void *state, int64_t after_id, struct tolk_account *out, size_t cap,
                        size_t *n);
    int (*account_set_disabled)(void *state, int64_t id, int disabled,
                                const struct tolk_audit_note *note);
    int (*account_set_password_hash)(void *state, int64_t id, const char *hash);
    int (*auth_token_add)(void *state, const struct tolk_auth_token *t,
                          const struct tolk_audit_note *note);
    int (*auth_token_find)(void *state, const uint8_t *hash, struct tolk_auth_grant *out);
    int (*auth_token_revoke)(void *state, const uint8_t *hash, const struct tolk_audit_note *note);
    int (*auth_tokens_purge)(void *state, int64_t before, uint64_t *purged);
    int (*login_failure_get)(void *state, const char *key, struct tolk_login_failures *out);
    int (*login_failure_record)(void *state, const char *const *keys, size_t n, int64_t at,
                                int64_t forget_before, uint32_t *counts,
                                const struct tolk_audit_note *note);
    int (*login_failure_reset)(void *state, const char *key);
    int (*login_failures_purge)(void *state, int64_t before, uint64_t *purged);
    /* Clients. C and NOTE have passed the checks of store.h. */
    int (*client_create)(void *state, struct tolk_client *c, const struct tolk_audit_note *note);
    int (*client_get)(void *state, int64_t id, struct tolk_client *out,
                      const struct tolk_audit_note *note);
    int (*client_update)(void *state, const struct tolk_client *c,
                         const struct tolk_audit_note *note);
    int (*client_list)(void *state, const char *prefix, int64_t after_id,
                       struct tolk_client_summary *out, size_t cap, size_t *n);
    int (*client_exclusion_add)(void *state, int64_t client_id,
                                const struct tolk_client_exclusion *e,
                                const struct tolk_audit_note *note);
    /* Interpreter profiles. P and NOTE have passed the checks of store.h. */
    int (*interpreter_create)(void *state, const struct tolk_interpreter_profile *p,
                              const struct tolk_audit_note *note);
    int (*interpreter_get)(void *state, int64_t id, struct tolk_interpreter_profile *out);
    int (*interpreter_update)(void *state, const struct tolk_interpreter_profile *p,
                              const struct tolk_audit_note *note);
    int (*interpreter_set_slots)(void *state, int64_t id, const struct tolk_store_slot *slots,
                                 size_t n, const struct tolk_audit_note *note);
    int (*interpreter_exception_add)(void *state, int64_t id, struct tolk_store_exception *e,
                                     int64_t now, const struct tolk_audit_note *note);
    int (*interpreter_list)(void *state, int64_t after_id, struct tolk_interpreter_summary *out,
                            size_t cap, size_t *n);
    int (*interpreter_profiles)(void *state, int64_t after_id, struct tolk_interpreter_profile *out,
                                size_t cap, size_t *n);
    /* Clinician profiles. P and NOTE have passed the checks of store.h. */
    int (*clinician_create)(void *state, const struct tolk_clinician_profile *p,
                            const struct tolk_audit_note *note);
    int (*clinician_get)(void *state, int64_t id, struct tolk_clinician_profile *out);
    int (*clinician_update)(void *state, const struct tolk_clinician_profile *p,
                            const struct tolk_audit_note *note);
    int (*clinician_list)(void *state, int64_t after_id, int64_t *ids, size_t cap, size_t *n);
};

/* One registry line: locations written "SCHEME:rest" go to OPS with "rest" as the target. */
struct tolk_store_backend {
    const char *scheme;
    const struct tolk_store_ops *ops;
};

/*
 * The handle callers hold. Failures found by the dispatcher itself (bad arguments) are kept in
 * err; own_err says whether the last failure was one of those or the backend's.
 */
struct tolk_store {
    const struct tolk_store_ops *ops;
    void *state;
    int own_err;
    char err[TOLK_STORE_ERR_MAX];
};

extern const struct tolk_store_ops tolk_store_sqlite_ops;

#endif
