/*
 * Staff accounts: passwords, logins with rate limiting, bearer tokens, and the audit entries
 * that go with them. libsodium sits behind this module (as behind secrets.c): Argon2id for
 * passwords, BLAKE2b for token hashes and for the keys that rate limits are counted under.
 *
 * Passwords are hashed with crypto_pwhash (Argon2id v1.3, at least the "interactive" limits:
 * 2 passes over 64 MiB, about 50-100 ms) and never stored, logged or kept after the call.
 * A login hands out a bearer token: 32 random bytes, given to the client once as 43 base64url
 * characters, stored only as its BLAKE2b-256 hash, valid for tolkd_token_lifetime_s unless the
 * account logs out or is disabled first.
 *
 * Rate limits count failed logins under two keys: the account (a keyed hash of the lowercased
 * username, so unknown usernames are counted and slowed exactly like known ones) and the peer
 * address (a keyed hash of the IPv4 address or the IPv6 /64; the address itself is never stored
 * or logged). The first TOLKD_LOGIN_FREE_FAILURES failures cost nothing; after that each attempt
 * must wait 2^(failures - 5) seconds after the last failure, at most 15 minutes, and is answered
 * "throttled" with the seconds left until then. A successful login resets the account's count
 * (not the address's: one good login must not launder an address that guesses passwords).
 * Failures older than a day are forgiven.
 *
 * A login's password check can run on another thread than the rest (tolkd_login_begin,
 * tolkd_login_check, tolkd_login_finish below), and so can the hash of a new account's password
 * (tolkd_password_hash, then tolkd_account_create). An attempt in flight counts as the failure
 * it may turn out to be, so parallel checks let no more guesses through than one at a time.
 *
 * Threads: one tolkd_accounts is used by one thread at a time (the service thread), as its
 * store; tolkd_login_check and tolkd_password_hash may run on any thread. tolkd_secrets_init()
 * must have run.
 */
#ifndef TOLKD_ACCOUNTS_H
#define TOLKD_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "datakey.h"
#include "secrets.h"
#include "store.h"

#define TOLKD_PASSWORD_MIN        12   /* bytes */
#define TOLKD_PASSWORD_MAX        1024 /* bytes */
#define TOLKD_LOGIN_FREE_FAILURES 5
#define TOLKD_LOGIN_MAX_WAIT_S    (15 * 60)

/* How long a bearer token is valid after login: 12 hours. */
extern const int64_t tolkd_token_lifetime_s;

enum tolkd_acct_status {
    TOLKD_ACCT_OK = 0,
    TOLKD_ACCT_DENIED = -1,      /* wrong credentials; a missing, bad, expired or revoked token */
    TOLKD_ACCT_THROTTLED = -2,   /* too many failed logins: wait retry_after_s */
    TOLKD_ACCT_CONFLICT = -3,    /* the username is taken; or an admin exists (bootstrap) */
    TOLKD_ACCT_NOT_FOUND = -4,   /* no such account */
    TOLKD_ACCT_INVALID = -5,     /* a username or password that breaks the rules */
    TOLKD_ACCT_UNAVAILABLE = -6, /* the store failed (logged); try again later */
    TOLKD_ACCT_BUSY = -7,        /* attempts on the same account or address are being checked:
                                    try again in a second */
};

struct tolkd_accounts;

/* Who a request comes from, once its bearer token checked out. */
struct tolkd_principal {
    int64_t account_id;
    enum tolk_account_role role;
    int64_t expires_at;                              /* the token's */
    uint8_t token_hash[TOLK_STORE_TOKEN_HASH_BYTES]; /* to revoke it on logout */
};

/* A successful login. token is the only copy of the secret: the caller wipes it after use. */
struct tolkd_login {
    char token[TOLKD_TOKEN_TEXT];
    int64_t expires_at;
    int64_t account_id;
    enum tolk_account_role role;
    unsigned retry_after_s; /* when throttled: seconds until the next attempt may be made */
};

/*
 * Sets up logins over ST (which the caller keeps and closes) with keys derived from DATAKEY
 * (read, not kept). Hashes one dummy password, so that an unknown username costs a login the
 * same time as a wrong password. *out is freed with tolkd_accounts_free. -1 if out of memory.
 */
int tolkd_accounts_new(struct tolk_store *st, const unsigned char datakey[TOLKD_DATAKEY_BYTES],
                       struct tolkd_accounts **out);

/* Wipes the keys and frees. NULL is a no-op. */
void tolkd_accounts_free(struct tolkd_accounts *a);

/* The audit key (TOLK_AUDIT_KEY_BYTES), owned by A. */
const uint8_t *tolkd_accounts_audit_key(const struct tolkd_accounts *a);

/* Whether a password of LEN bytes may be set (TOLKD_PASSWORD_MIN to _MAX). */
int tolkd_password_length_ok(size_t len);

/*
 * Hashes a password of LEN bytes into OUT (crypto_pwhash_STRBYTES fit in it). 0, or -1 when
 * LEN breaks the rules or memory for Argon2 cannot be had.
 */
__attribute__((warn_unused_result)) int tolkd_password_hash(const char *password, size_t len,
                                                            char out[TOLK_PASSWORD_HASH_MAX]);

/*
 * Logs USERNAME in with PASSWORD (PWLEN bytes) from the peer at numeric address PEER at NOW
 * (Unix seconds). OK fills *out (token and all); DENIED is the same for an unknown username, a
 * wrong password and a disabled account, and takes the same time; THROTTLED sets
 * out->retry_after_s. Every outcome is audited (login_succeeded, login_failed,
 * login_throttled). It is tolkd_login_begin, _check and _finish in a row, on this thread.
 */
__attribute__((warn_unused_result)) int tolkd_login(struct tolkd_accounts *a, const char *username,
                                                    const char *password, size_t pwlen,
                                                    const char *peer, int64_t now,
                                                    struct tolkd_login *out);

/* A login attempt between tolkd_login_begin and tolkd_login_finish ("in flight"). */
struct tolkd_login_attempt;

/*
 * Step 1, on A's thread: the rate limits and the account lookup for USERNAME from PEER at NOW,
 * and a guarded copy of PASSWORD. OK with *out, to be checked and then finished exactly once;
 * THROTTLED (audited, *retry_after_s set), BUSY (attempts in flight on the same account or
 * address might throttle this one once they fail: nothing was tried or counted) or UNAVAILABLE,
 * with *out NULL.
 */
__attribute__((warn_unused_result)) int
tolkd_login_begin(struct tolkd_accounts *a, const char *username, const char *password,
                  size_t pwlen, const char *peer, int64_t now, unsigned *retry_after_s,
                  struct tolkd_login_attempt **out);

/*
 * Step 2, on any thread, CPU only (one Argon2id verification, and a new hash for an old one):
 * touches nothing but L, whose password copy it wipes and frees.
 */
void tolkd_login_check(struct tolkd_login_attempt *l);

/*
 * Step 3, on A's thread at NOW: counts the failure (login_failed, for the same reasons as
 * tolkd_login) or issues the token into *out (login_succeeded), and frees L. ABANDONED (the
 * client went away before its answer) makes even a good password a failure (reason
 * "abandoned"), with no token: closing the connection is no way around the rate limits. An
 * attempt never checked (cancelled at shutdown) counts for nothing: UNAVAILABLE.
 */
__attribute__((warn_unused_result)) int tolkd_login_finish(struct tolkd_accounts *a,
                                                           struct tolkd_login_attempt *l,
                                                           int64_t now, int abandoned,
                                                           struct tolkd_login *out);

/*
 * Checks an Authorization header value ("Bearer " and 43 base64url characters; NULL when there
 * was none) at NOW. OK fills *out; DENIED for anything else that is not a store failure.
 */
__attribute__((warn_unused_result)) int tolkd_authenticate(struct tolkd_accounts *a,
                                                           const char *authorization, int64_t now,
                                                           struct tolkd_principal *out);

/*
 * Checks again at NOW that the token P was authenticated with is still usable for the same
 * account and role: for a request whose work went on after tolkd_authenticate. OK, DENIED or
 * UNAVAILABLE.
 */
__attribute__((warn_unused_result)) int
tolkd_reauthenticate(struct tolkd_accounts *a, const struct tolkd_principal *p, int64_t now);

/* Revokes the token P authenticated with, audited as logout. DENIED if it was revoked already. */
int tolkd_logout(struct tolkd_accounts *a, const struct tolkd_principal *p, int64_t now);

/*
 * Creates an account for ACTOR_ID (the admin asking) with HASH, its password as
 * tolkd_password_hash made it (on whichever thread), audited as account_created. INVALID for a
 * username that breaks the rules or an empty hash, CONFLICT for a taken username. *out gets the
 * new account (without its hash).
 */
int tolkd_account_create(struct tolkd_accounts *a, int64_t actor_id, const char *username,
                         const char hash[TOLK_PASSWORD_HASH_MAX], enum tolk_account_role role,
                         int64_t now, struct tolk_account *out);

/*
 * Disables (DISABLED 1: and revokes its tokens) or enables account ID for ACTOR_ID, audited as
 * account_disabled or account_enabled. NOT_FOUND if there is no such account.
 */
int tolkd_account_set_disabled(struct tolkd_accounts *a, int64_t actor_id, int64_t id, int disabled,
                               int64_t now);

/*
 * tolkctl's bootstrap: creates the first admin directly in ST, audited as account_created by
 * "system" under AUDIT_KEY. CONFLICT if an admin exists already; INVALID for a username or
 * password that breaks the rules. *out gets the account.
 */
int tolkd_account_bootstrap(struct tolk_store *st, const uint8_t audit_key[TOLK_AUDIT_KEY_BYTES],
                            const char *username, const char *password, size_t pwlen, int64_t now,
                            struct tolk_account *out);

#endif
