/*
 * Accounts, logins, rate limits and bearer tokens (accounts.h). The store keeps the rows and
 * the audit chain; this file decides, hashes, and writes each change together with its audit
 * entry (store.h, struct tolk_audit_note).
 *
 * Logs identify accounts and addresses by tolkd_log_id() only; a username, password, token or
 * address never reaches a log line or an audit entry.
 */
#include "accounts.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "log.h"

const int64_t tolkd_token_lifetime_s = 12 * 3600;

/* Argon2id v1.3 with libsodium's interactive limits; raise both together, never lower them. */
static const unsigned long long pwhash_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
static const size_t pwhash_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;

#define FAILURE_FORGET_S (24 * 3600)
#define RATE_KEY_LABEL   "tolk rate limit key v1"
#define KEY_TEXT_MAX     48 /* "acct:" or "addr:" and 32 hex digits */

struct tolkd_accounts {
    struct tolk_store *st;
    uint8_t *keys; /* sodium_malloc'd: the audit key, then the rate-limit key */
    char dummy_hash[crypto_pwhash_STRBYTES];
    struct tolkd_login_attempt *in_flight; /* begun and not yet finished */
};

static uint8_t *audit_key(const struct tolkd_accounts *a)
{
    return a->keys;
}

static uint8_t *rate_key(const struct tolkd_accounts *a)
{
    return a->keys + TOLK_AUDIT_KEY_BYTES;
}

const uint8_t *tolkd_accounts_audit_key(const struct tolkd_accounts *a)
{
    return audit_key(a);
}

int tolkd_password_length_ok(size_t len)
{
    return len >= TOLKD_PASSWORD_MIN && len <= TOLKD_PASSWORD_MAX;
}

int tolkd_password_hash(const char *password, size_t len, char out[TOLK_PASSWORD_HASH_MAX])
{
    char hash[crypto_pwhash_STRBYTES];

    _Static_assert(crypto_pwhash_STRBYTES <= TOLK_PASSWORD_HASH_MAX, "hash text must fit");
    if (!tolkd_password_length_ok(len))
        return -1;
    if (crypto_pwhash_str_alg(hash, password, len, pwhash_opslimit, pwhash_memlimit,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return -1;
    memcpy(out, hash, sizeof(hash));
    return 0;
}

int tolkd_accounts_new(struct tolk_store *st, const unsigned char datakey[TOLKD_DATAKEY_BYTES],
                       struct tolkd_accounts **out)
{
    struct tolkd_accounts *a = calloc(1, sizeof(*a));
    char dummy[TOLKD_PASSWORD_MIN + 20];

    *out = NULL;
    if (a == NULL)
        return -1;
    a->st = st;
    a->keys = sodium_malloc(2 * TOLK_AUDIT_KEY_BYTES);
    if (a->keys == NULL) {
        free(a);
        return -1;
    }
    tolkd_audit_key_derive(datakey, audit_key(a));
    crypto_generichash(rate_key(a), TOLK_AUDIT_KEY_BYTES, (const unsigned char *)RATE_KEY_LABEL,
                       strlen(RATE_KEY_LABEL), datakey, TOLKD_DATAKEY_BYTES);
    tolkd_random((uint8_t *)dummy, sizeof(dummy));
    if (crypto_pwhash_str_alg(a->dummy_hash, dummy, sizeof(dummy), pwhash_opslimit, pwhash_memlimit,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        tolkd_accounts_free(a);
        return -1;
    }
    sodium_memzero(dummy, sizeof(dummy));
    *out = a;
    return 0;
}

void tolkd_accounts_free(struct tolkd_accounts *a)
{
    if (a == NULL)
        return;
    sodium_free(a->keys); /* wipes before freeing */
    free(a);
}

/* "account:<id>", the way audit entries and log ids name an account. */
static void account_ref(char out[TOLK_STORE_REF_MAX], int64_t id)
{
    snprintf(out, TOLK_STORE_REF_MAX, "account:%" PRId64, id);
}

/* A short keyed hash standing for an account in log lines (never its username). */
static void account_log_id(int64_t id, char out[9])
{
    char ref[TOLK_STORE_REF_MAX];

    account_ref(ref, id);
    tolkd_log_id(ref, out);
}

static int unavailable(const struct tolkd_accounts *a, const char *op)
{
    TLOG_ERROR("store_failed", "op=%s reason=\"%s\"", op, tolk_store_errmsg(a->st));
    return TOLKD_ACCT_UNAVAILABLE;
}

/* PREFIX and the hex of a keyed 128-bit BLAKE2b of DATA: a rate-limit key. */
static void keyed_ref(const struct tolkd_accounts *a, const char *prefix, const void *data,
                      size_t len, char out[KEY_TEXT_MAX])
{
    uint8_t h[16];
    char hex[2 * sizeof(h) + 1];

    crypto_generichash(h, sizeof(h), data, len, rate_key(a), TOLK_AUDIT_KEY_BYTES);
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    snprintf(out, KEY_TEXT_MAX, "%s%s", prefix, hex);
}

/*
 * The account's rate-limit key: the username lowercased (usernames are unique in any case), so
 * "Alice" and "alice" share one count, whether or not such an account exists.
 */
static void account_key(const struct tolkd_accounts *a, const char *username,
                        char out[KEY_TEXT_MAX])
{
    char lower[TOLK_USERNAME_MAX + 1];
    size_t n = strnlen(username, TOLK_USERNAME_MAX);

    for (size_t i = 0; i < n; i++)
        lower[i] =
            (username[i] >= 'A' && username[i] <= 'Z') ? (char)(username[i] + 32) : username[i];
    keyed_ref(a, "acct:", lower, n, out);
}

/*
 * The address's rate-limit key: the 4 bytes of an IPv4 address (also when mapped into IPv6), or
 * the first 8 bytes (the /64) of an IPv6 one, since one IPv6 host usually holds a whole /64.
 * Text that is neither is hashed as it is.
 */
static void address_key(const struct tolkd_accounts *a, const char *peer, char out[KEY_TEXT_MAX])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    uint8_t ip[16];

    if (inet_pton(AF_INET, peer, ip) == 1)
        keyed_ref(a, "addr:", ip, 4, out);
    else if (inet_pton(AF_INET6, peer, ip) == 1 && memcmp(ip, mapped, sizeof(mapped)) == 0)
        keyed_ref(a, "addr:", ip + 12, 4, out);
    else if (inet_pton(AF_INET6, peer, ip) == 1)
        keyed_ref(a, "addr:", ip, 8, out);
    else
        keyed_ref(a, "addr:", peer, strlen(peer), out);
}

/*
 * The seconds KEY must still wait at NOW: 0 within the free failures, else until 2^(failures-5)
 * seconds (at most TOLKD_LOGIN_MAX_WAIT_S) after the last failure, plus one because times are
 * whole seconds and the wait must never come out shorter than promised. *counted gets the
 * failures the next one would add to (0 once they are forgiven).
 */
static int wait_for(struct tolkd_accounts *a, const char *key, int64_t now, int64_t *wait,
                    uint32_t *counted)
{
    struct tolk_login_failures f;
    int64_t delay, until;

    *wait = 0;
    *counted = 0;
    if (tolk_store_login_failure_get(a->st, key, &f) != TOLK_STORE_OK)
        return unavailable(a, "login_failure_get");
    if (f.last_at >= now - FAILURE_FORGET_S)
        *counted = f.failures;
    if (f.failures < TOLKD_LOGIN_FREE_FAILURES)
        return TOLKD_ACCT_OK;
    delay = f.failures - TOLKD_LOGIN_FREE_FAILURES >= 10
                ? TOLKD_LOGIN_MAX_WAIT_S
                : (int64_t)1 << (f.failures - TOLKD_LOGIN_FREE_FAILURES);
    if (delay > TOLKD_LOGIN_MAX_WAIT_S)
        delay = TOLKD_LOGIN_MAX_WAIT_S;
    until = f.last_at + delay + 1;
    if (now < until)
        *wait = until - now;
    return TOLKD_ACCT_OK;
}

/* What one login attempt is about, worked out before any password is checked. */
struct attempt {
    char keys[2][KEY_TEXT_MAX]; /* account, address */
    char subject[TOLK_STORE_REF_MAX];
    char log_id[9];
    char addr_log_id[9];
    struct tolk_account acct;
    int found;
};

/*
 * An attempt from tolkd_login_begin to tolkd_login_finish. Between those, tolkd_login_check
 * (on any thread) reads hash, password and acct and writes the results below them; nothing
 * else touches the attempt then.
 */
struct tolkd_login_attempt {
    struct attempt t;
    char hash[TOLK_PASSWORD_HASH_MAX]; /* checked against: the account's, or the dummy hash */
    char *password;                    /* guarded copy, wiped and freed once checked */
    size_t pwlen;
    bool checked, good;
    bool rehashed;                         /* new_hash holds the password under today's limits */
    char new_hash[TOLK_PASSWORD_HASH_MAX]; /* (only for a good password of a usable account) */
    struct tolkd_login_attempt *next;      /* in tolkd_accounts.in_flight */
};

static void audit_standalone(struct tolkd_accounts *a, const char *actor, const char *action,
                             const char *subject, const char *detail, int64_t now)
{
    if (tolk_store_audit_append(a->st, audit_key(a), actor, action, subject, detail, now, NULL) !=
        TOLK_STORE_OK)
        TLOG_ERROR("audit_failed", "action=%s reason=\"%s\"", action, tolk_store_errmsg(a->st));
}

/* Looks the account up (a username that breaks the rules cannot exist) and names the keys. */
static int attempt_begin(struct tolkd_accounts *a, const char *username, const char *peer,
                         struct attempt *t)
{
    int rc = TOLK_STORE_ENOTFOUND;

    memset(t, 0, sizeof(*t));
    account_key(a, username, t->keys[0]);
    address_key(a, peer, t->keys[1]);
    tolkd_log_id(t->keys[1], t->addr_log_id);
    if (tolk_username_valid(username))
        rc = tolk_store_account_find(a->st, username, &t->acct);
    if (rc != TOLK_STORE_OK && rc != TOLK_STORE_ENOTFOUND)
        return unavailable(a, "account_find");
    t->found = rc == TOLK_STORE_OK;
    if (t->found) {
        account_ref(t->subject, t->acct.id);
        account_log_id(t->acct.id, t->log_id);
    } else {
        snprintf(t->subject, sizeof(t->subject), "account:unknown");
        snprintf(t->log_id, sizeof(t->log_id), "unknown");
    }
    return TOLKD_ACCT_OK;
}

/* How many attempts in flight have KEY as their key number I (0 account, 1 address). */
static uint32_t in_flight(const struct tolkd_accounts *a, int i, const char *key)
{
    uint32_t n = 0;

    for (const struct tolkd_login_attempt *f = a->in_flight; f != NULL; f = f->next)
        n += strcmp(f->t.keys[i], key) == 0;
    return n;
}

/*
 * Both keys' waits; the longer one is the answer. Throttled attempts are audited. An attempt
 * that no stored failure holds back is still BUSY if it would be held back once the attempts in
 * flight on the same key had all failed: those must finish first, so that checking passwords
 * in parallel lets no more guesses through than checking them one after the other.
 */
static int throttle(struct tolkd_accounts *a, const struct attempt *t, int64_t now,
                    unsigned *retry_after_s)
{
    int64_t wait[2];
    uint32_t counted[2], n;

    for (int i = 0; i < 2; i++)
        if (wait_for(a, t->keys[i], now, &wait[i], &counted[i]) != TOLKD_ACCT_OK)
            return TOLKD_ACCT_UNAVAILABLE;
    if (wait[0] == 0 && wait[1] == 0) {
        for (int i = 0; i < 2; i++) {
            n = in_flight(a, i, t->keys[i]);
            if (n > 0 && counted[i] + n >= TOLKD_LOGIN_FREE_FAILURES) {
                TLOG_INFO("login_busy", "account=%s addr=%s by=%s in_flight=%" PRIu32, t->log_id,
                          t->addr_log_id, i == 0 ? "account" : "address", n);
                return TOLKD_ACCT_BUSY;
            }
        }
        return TOLKD_ACCT_OK;
    }
    *retry_after_s = (unsigned)(wait[0] > wait[1] ? wait[0] : wait[1]);
    audit_standalone(a, "system", "login_throttled", t->subject,
                     wait[0] > 0 ? "by=account" : "by=address", now);
    TLOG_INFO("login_throttled", "account=%s addr=%s retry_after_s=%u", t->log_id, t->addr_log_id,
              *retry_after_s);
    return TOLKD_ACCT_THROTTLED;
}

/* Counts a failure under both keys, with its audit entry, in one transaction. */
static int login_failed(struct tolkd_accounts *a, const struct attempt *t, const char *reason,
                        int64_t now)
{
    const char *keys[2] = {t->keys[0], t->keys[1]};
    char detail[64];
    uint32_t counts[2] = {0, 0};
    struct tolk_audit_note note = {audit_key(a), "system", "login_failed", t->subject, detail, now};

    snprintf(detail, sizeof(detail), "reason=%s", reason);
    if (tolk_store_login_failure_record(a->st, keys, 2, now, now - FAILURE_FORGET_S, counts,
                                        &note) != TOLK_STORE_OK)
        return unavailable(a, "login_failure_record");
    TLOG_INFO("login_failed", "account=%s addr=%s reason=%s failures=%" PRIu32, t->log_id,
              t->addr_log_id, reason, counts[0]);
    return TOLKD_ACCT_DENIED;
}

/*
 * Stores the hash tolkd_login_check made for a hash with weaker limits than today's; a failure
 * only delays the upgrade.
 */
static void store_rehash(struct tolkd_accounts *a, const struct tolkd_login_attempt *l)
{
    if (l->rehashed && l->new_hash[0] != '\0' &&
        tolk_store_account_set_password_hash(a->st, l->t.acct.id, l->new_hash) != TOLK_STORE_OK)
        TLOG_WARN("password_rehash_failed", "account=%s", l->t.log_id);
}

/* Issues the token (stored with its audit entry) and resets the account's failure count. */
static int login_succeeded(struct tolkd_accounts *a, const struct attempt *t, int64_t now,
                           struct tolkd_login *out)
{
    uint8_t token[TOLKD_TOKEN_BYTES];
    struct tolk_auth_token row = {.account_id = t->acct.id,
                                  .expires_at = now + tolkd_token_lifetime_s};
    struct tolk_audit_note note = {audit_key(a), t->subject, "login_succeeded",
                                   t->subject,   "",         now};
    int rc;

    tolkd_token_new(token, out->token, row.hash);
    tolkd_wipe(token, sizeof(token));
    rc = tolk_store_auth_token_add(a->st, &row, &note);
    if (rc != TOLK_STORE_OK) {
        tolkd_wipe(out->token, sizeof(out->token));
        return unavailable(a, "auth_token_add");
    }
    if (tolk_store_login_failure_reset(a->st, t->keys[0]) != TOLK_STORE_OK)
        TLOG_WARN("login_failure_reset_failed", "reason=\"%s\"", tolk_store_errmsg(a->st));
    out->expires_at = row.expires_at;
    out->account_id = t->acct.id;
    out->role = t->acct.role;
    TLOG_INFO("login", "account=%s addr=%s", t->log_id, t->addr_log_id);
    return TOLKD_ACCT_OK;
}

static void attempt_free(struct tolkd_accounts *a, struct tolkd_login_attempt *l)
{
    struct tolkd_login_attempt **p = &a->in_flight;

    while (*p != NULL && *p != l)
        p = &(*p)->next;
    if (*p == NULL)
        abort(); /* not an attempt in flight of A: a programmer error */
    *p = l->next;
    tolkd_secret_free(l->password);
    sodium_memzero(l, sizeof(*l));
    free(l);
}

int tolkd_login_begin(struct tolkd_accounts *a, const char *username, const char *password,
                      size_t pwlen, const char *peer, int64_t now, unsigned *retry_after_s,
                      struct tolkd_login_attempt **out)
{
    struct tolkd_login_attempt *l;
    int rc;

    *out = NULL;
    *retry_after_s = 0;
    l = calloc(1, sizeof(*l));
    if (l == NULL)
        return TOLKD_ACCT_UNAVAILABLE;
    rc = attempt_begin(a, username, peer, &l->t);
    if (rc == TOLKD_ACCT_OK)
        rc = throttle(a, &l->t, now, retry_after_s);
    if (rc == TOLKD_ACCT_OK) {
        l->pwlen = pwlen;
        l->password = tolkd_secret_copy(password, pwlen);
        rc = l->password != NULL ? TOLKD_ACCT_OK : TOLKD_ACCT_UNAVAILABLE;
    }
    if (rc != TOLKD_ACCT_OK) {
        sodium_memzero(l, sizeof(*l));
        free(l);
        return rc;
    }
    snprintf(l->hash, sizeof(l->hash), "%s", l->t.found ? l->t.acct.password_hash : a->dummy_hash);
    l->next = a->in_flight;
    a->in_flight = l;
    *out = l;
    return TOLKD_ACCT_OK;
}

/*
 * An unknown username is checked against the dummy hash, so it costs what a wrong password
 * costs; a disabled account's password is checked too, for the same reason. A good password of
 * a usable account whose hash was made with weaker limits than today's is hashed again here,
 * off the service thread, and stored by tolkd_login_finish.
 */
void tolkd_login_check(struct tolkd_login_attempt *l)
{
    l->good = l->password != NULL && l->pwlen <= TOLKD_PASSWORD_MAX &&
              crypto_pwhash_str_verify(l->hash, l->password, l->pwlen) == 0;
    if (l->good && l->t.found && !l->t.acct.disabled &&
        crypto_pwhash_str_needs_rehash(l->hash, pwhash_opslimit, pwhash_memlimit) != 0)
        l->rehashed = tolkd_password_hash(l->password, l->pwlen, l->new_hash) == 0;
    tolkd_secret_free(l->password);
    l->password = NULL;
    l->checked = true;
}

int tolkd_login_finish(struct tolkd_accounts *a, struct tolkd_login_attempt *l, int64_t now,
                       int abandoned, struct tolkd_login *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if (!l->checked)
        rc = TOLKD_ACCT_UNAVAILABLE; /* never checked: nothing was tried, nothing counts */
    else if (!l->t.found)
        rc = login_failed(a, &l->t, "unknown_account", now);
    else if (!l->good)
        rc = login_failed(a, &l->t, "bad_password", now);
    else if (l->t.acct.disabled)
        rc = login_failed(a, &l->t, "disabled", now);
    else if (abandoned)
        rc = login_failed(a, &l->t, "abandoned", now);
    else
        rc = login_succeeded(a, &l->t, now, out);
    if (rc == TOLKD_ACCT_OK)
        store_rehash(a, l);
    attempt_free(a, l);
    return rc;
}

int tolkd_login(struct tolkd_accounts *a, const char *username, const char *password, size_t pwlen,
                const char *peer, int64_t now, struct tolkd_login *out)
{
    struct tolkd_login_attempt *l;
    unsigned retry_after_s;
    int rc = tolkd_login_begin(a, username, password, pwlen, peer, now, &retry_after_s, &l);

    if (rc != TOLKD_ACCT_OK) {
        memset(out, 0, sizeof(*out));
        out->retry_after_s = retry_after_s;
        return rc;
    }
    tolkd_login_check(l);
    return tolkd_login_finish(a, l, now, 0, out);
}

/* Splits "Bearer <43 base64url characters>" into the token's bytes; -1 for anything else. */
static int parse_bearer(const char *header, uint8_t token[TOLKD_TOKEN_BYTES])
{
    static const char scheme[] = "bearer ";
    const char *text, *end = NULL;
    size_t len = 0;

    if (header == NULL || strncasecmp(header, scheme, sizeof(scheme) - 1) != 0)
        return -1;
    text = header + sizeof(scheme) - 1;
    if (strlen(text) != TOLKD_TOKEN_TEXT - 1)
        return -1;
    if (sodium_base642bin(token, TOLKD_TOKEN_BYTES, text, TOLKD_TOKEN_TEXT - 1, NULL, &len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        len != TOLKD_TOKEN_BYTES || end != text + TOLKD_TOKEN_TEXT - 1)
        return -1;
    return 0;
}

/* The grant of the token with HASH at NOW: OK if it is usable, DENIED, or UNAVAILABLE. */
static int find_grant(struct tolkd_accounts *a, const uint8_t hash[TOLK_STORE_TOKEN_HASH_BYTES],
                      int64_t now, struct tolk_auth_grant *g)
{
    int rc = tolk_store_auth_token_find(a->st, hash, g);

    if (rc == TOLK_STORE_ENOTFOUND)
        return TOLKD_ACCT_DENIED;
    if (rc != TOLK_STORE_OK)
        return unavailable(a, "auth_token_find");
    if (g->revoked || g->account_disabled || g->expires_at <= now)
        return TOLKD_ACCT_DENIED;
    return TOLKD_ACCT_OK;
}

int tolkd_authenticate(struct tolkd_accounts *a, const char *authorization, int64_t now,
                       struct tolkd_principal *out)
{
    uint8_t token[TOLKD_TOKEN_BYTES];
    struct tolk_auth_grant g;
    int rc;

    memset(out, 0, sizeof(*out));
    if (parse_bearer(authorization, token) != 0) {
        tolkd_wipe(token, sizeof(token));
        return TOLKD_ACCT_DENIED;
    }
    tolkd_token_hash(token, out->token_hash);
    tolkd_wipe(token, sizeof(token));
    rc = find_grant(a, out->token_hash, now, &g);
    if (rc != TOLKD_ACCT_OK)
        return rc;
    out->account_id = g.account_id;
    out->role = g.role;
    out->expires_at = g.expires_at;
    return TOLKD_ACCT_OK;
}

int tolkd_reauthenticate(struct tolkd_accounts *a, const struct tolkd_principal *p, int64_t now)
{
    struct tolk_auth_grant g;
    int rc = find_grant(a, p->token_hash, now, &g);

    if (rc == TOLKD_ACCT_OK && (g.account_id != p->account_id || g.role != p->role))
        rc = TOLKD_ACCT_DENIED;
    return rc;
}

int tolkd_logout(struct tolkd_accounts *a, const struct tolkd_principal *p, int64_t now)
{
    char ref[TOLK_STORE_REF_MAX], log_id[9];
    struct tolk_audit_note note = {audit_key(a), ref, "logout", ref, "", now};
    int rc;

    account_ref(ref, p->account_id);
    rc = tolk_store_auth_token_revoke(a->st, p->token_hash, &note);
    if (rc == TOLK_STORE_ENOTFOUND)
        return TOLKD_ACCT_DENIED;
    if (rc != TOLK_STORE_OK)
        return unavailable(a, "auth_token_revoke");
    account_log_id(p->account_id, log_id);
    TLOG_INFO("logout", "account=%s", log_id);
    return TOLKD_ACCT_OK;
}

/*
 * Stores the account, with HASH as its password hash, and an account_created entry by ACTOR.
 * BOOTSTRAP adds the store's "no admin yet" check. The hash is wiped from *out before it is
 * returned.
 */
static int create(struct tolk_store *st, const uint8_t *key, const char *actor,
                  const char *username, const char hash[TOLK_PASSWORD_HASH_MAX],
                  enum tolk_account_role role, int64_t now, int bootstrap, struct tolk_account *out)
{
    char detail[32];
    struct tolk_audit_note note = {key, actor, "account_created", "", detail, now};
    int rc;

    memset(out, 0, sizeof(*out));
    if (!tolk_username_valid(username) || tolk_account_role_name(role) == NULL ||
        strnlen(hash, TOLK_PASSWORD_HASH_MAX) == 0 ||
        strnlen(hash, TOLK_PASSWORD_HASH_MAX) == TOLK_PASSWORD_HASH_MAX)
        return TOLKD_ACCT_INVALID;
    snprintf(detail, sizeof(detail), "role=%s", tolk_account_role_name(role));
    snprintf(out->username, sizeof(out->username), "%s", username);
    out->role = role;
    out->created_at = now;
    memcpy(out->password_hash, hash, sizeof(out->password_hash));
    rc = bootstrap ? tolk_store_account_bootstrap(st, out, &note)
                   : tolk_store_account_create(st, out, &note);
    sodium_memzero(out->password_hash, sizeof(out->password_hash));
    if (rc == TOLK_STORE_ECONSTRAINT)
        return TOLKD_ACCT_CONFLICT;
    if (rc != TOLK_STORE_OK) {
        TLOG_ERROR("store_failed", "op=account_create reason=\"%s\"", tolk_store_errmsg(st));
        return TOLKD_ACCT_UNAVAILABLE;
    }
    return TOLKD_ACCT_OK;
}

int tolkd_account_create(struct tolkd_accounts *a, int64_t actor_id, const char *username,
                         const char hash[TOLK_PASSWORD_HASH_MAX], enum tolk_account_role role,
                         int64_t now, struct tolk_account *out)
{
    char actor[TOLK_STORE_REF_MAX], log_id[9];
    int rc;

    account_ref(actor, actor_id);
    rc = create(a->st, audit_key(a), actor, username, hash, role, now, 0, out);
    if (rc == TOLKD_ACCT_OK) {
        account_log_id(out->id, log_id);
        TLOG_INFO("account_created", "account=%s role=%s", log_id, tolk_account_role_name(role));
    }
    return rc;
}

int tolkd_account_bootstrap(struct tolk_store *st, const uint8_t audit_key_[TOLK_AUDIT_KEY_BYTES],
                            const char *username, const char *password, size_t pwlen, int64_t now,
                            struct tolk_account *out)
{
    char hash[TOLK_PASSWORD_HASH_MAX];
    int rc;

    memset(out, 0, sizeof(*out));
    if (!tolk_username_valid(username) || !tolkd_password_length_ok(pwlen))
        return TOLKD_ACCT_INVALID;
    if (tolkd_password_hash(password, pwlen, hash) != 0)
        return TOLKD_ACCT_UNAVAILABLE;
    rc = create(st, audit_key_, "system", username, hash, TOLK_ROLE_ADMIN, now, 1, out);
    sodium_memzero(hash, sizeof(hash));
    return rc;
}

int tolkd_account_set_disabled(struct tolkd_accounts *a, int64_t actor_id, int64_t id, int disabled,
                               int64_t now)
{
    char actor[TOLK_STORE_REF_MAX], subject[TOLK_STORE_REF_MAX], log_id[9];
    const char *action = disabled ? "account_disabled" : "account_enabled";
    struct tolk_audit_note note = {audit_key(a), actor, action, subject, "", now};
    int rc;

    account_ref(actor, actor_id);
    account_ref(subject, id);
    rc = tolk_store_account_set_disabled(a->st, id, disabled ? 1 : 0, &note);
    if (rc == TOLK_STORE_ENOTFOUND)
        return TOLKD_ACCT_NOT_FOUND;
    if (rc != TOLK_STORE_OK)
        return unavailable(a, "account_set_disabled");
    account_log_id(id, log_id);
    TLOG_INFO(action, "account=%s", log_id);
    return TOLKD_ACCT_OK;
}
