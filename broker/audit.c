/* The audit key and the stable fault codes (audit.h). libsodium does the hashing. */
#include "audit.h"

#include <sodium.h>
#include <string.h>

#define AUDIT_KEY_LABEL "tolk audit key v1"

void tolkd_audit_key_derive(const unsigned char datakey[TOLKD_DATAKEY_BYTES],
                            uint8_t key[TOLK_AUDIT_KEY_BYTES])
{
    crypto_generichash(key, TOLK_AUDIT_KEY_BYTES, (const unsigned char *)AUDIT_KEY_LABEL,
                       strlen(AUDIT_KEY_LABEL), datakey, TOLKD_DATAKEY_BYTES);
}

uint8_t *tolkd_audit_key_new(const unsigned char datakey[TOLKD_DATAKEY_BYTES])
{
    uint8_t *key = sodium_malloc(TOLK_AUDIT_KEY_BYTES);
    if (!key)
        return NULL;
    tolkd_audit_key_derive(datakey, key);
    sodium_mprotect_readonly(key);
    return key;
}

void tolkd_audit_key_free(uint8_t *key)
{
    sodium_free(key); /* wipes it first; NULL is a no-op */
}

const char *tolkd_audit_fault_code(enum tolk_audit_fault fault)
{
    switch (fault) {
    case TOLK_AUDIT_OK:
        return "ok";
    case TOLK_AUDIT_BAD_HASH:
        return "bad_hash";
    case TOLK_AUDIT_GAP:
        return "gap";
    case TOLK_AUDIT_BAD_PREV:
        return "bad_prev";
    case TOLK_AUDIT_BAD_SEQ:
        return "bad_seq";
    case TOLK_AUDIT_BAD_ANCHOR:
        return "bad_anchor";
    default:
        return "unknown";
    }
}
