/*
 * tolkd's small wrapper over libsodium for the secrets it handles outside the store: join
 * tokens (random 256-bit, kept only as BLAKE2b-256 hashes), resume secrets, and the short keyed
 * hashes that stand for sessions in logs.
 */
#ifndef TOLK_SECRETS_H
#define TOLK_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#define TOLKD_TOKEN_BYTES 32
#define TOLKD_TOKEN_TEXT  44 /* 43 base64url characters and a NUL */

/* Call once at start, before the other functions (they are then thread-safe). */
int tolkd_secrets_init(void);

/* Fills OUT with N random bytes. */
void tolkd_random(uint8_t *out, size_t n);

/* The hash a token is stored and looked up by. */
void tolkd_token_hash(const uint8_t token[TOLKD_TOKEN_BYTES], uint8_t hash[32]);

/* A new token: its bytes, its text form (base64url, no padding) and its hash. */
void tolkd_token_new(uint8_t token[TOLKD_TOKEN_BYTES], char text[TOLKD_TOKEN_TEXT],
                     uint8_t hash[32]);

/*
 * A copy of LEN bytes of TEXT and a NUL in guarded memory (sodium_malloc: guard pages, kept
 * out of swap), for a password that must outlive its request, e.g. while a worker thread hashes
 * it; NULL if out of memory. tolkd_secret_free wipes and frees it (NULL is a no-op).
 */
char *tolkd_secret_copy(const char *text, size_t len);
void tolkd_secret_free(char *copy);

/* Overwrites N bytes at P in a way the compiler cannot skip. */
void tolkd_wipe(void *p, size_t n);

/* 8 hex characters standing for TEXT in logs, keyed per process so logs cannot be joined with
 * the database or with another run's logs. */
void tolkd_log_id(const char *text, char out[9]);

#endif
