#include "secrets.h"

#include <sodium.h>
#include <string.h>

static uint8_t log_key[crypto_generichash_KEYBYTES];

int tolkd_secrets_init(void)
{
    if (sodium_init() < 0)
        return -1;
    randombytes_buf(log_key, sizeof log_key);
    return 0;
}

void tolkd_random(uint8_t *out, size_t n)
{
    randombytes_buf(out, n);
}

void tolkd_token_hash(const uint8_t token[TOLKD_TOKEN_BYTES], uint8_t hash[32])
{
    crypto_generichash(hash, 32, token, TOLKD_TOKEN_BYTES, NULL, 0);
}

void tolkd_token_new(uint8_t token[TOLKD_TOKEN_BYTES], char text[TOLKD_TOKEN_TEXT],
                     uint8_t hash[32])
{
    randombytes_buf(token, TOLKD_TOKEN_BYTES);
    sodium_bin2base64(text, TOLKD_TOKEN_TEXT, token, TOLKD_TOKEN_BYTES,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    tolkd_token_hash(token, hash);
}

void tolkd_log_id(const char *text, char out[9])
{
    uint8_t h[crypto_generichash_BYTES_MIN];
    crypto_generichash(h, sizeof h, (const uint8_t *)text, strlen(text), log_key, sizeof log_key);
    sodium_bin2hex(out, 9, h, 4);
}

char *tolkd_secret_copy(const char *text, size_t len)
{
    char *copy = len < SIZE_MAX ? sodium_malloc(len + 1) : NULL;

    if (copy != NULL) {
        memcpy(copy, text, len);
        copy[len] = '\0';
    }
    return copy;
}

void tolkd_secret_free(char *copy)
{
    sodium_free(copy); /* wipes before freeing */
}

void tolkd_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}
