/*
 * tolkd's side of the audit log (store.h, "Audit log"): the key that chains it and the stable
 * names of the ways a chain can break, shared by the REST API and tolkctl.
 */
#ifndef TOLKD_AUDIT_H
#define TOLKD_AUDIT_H

#include <stdint.h>

#include "datakey.h"
#include "store.h"

/*
 * The audit key: BLAKE2b-256 keyed with the data key over "tolk audit key v1". It lives only in
 * memory; whoever holds the database without the data key cannot forge a chain. KEY is the
 * caller's (sodium_malloc'd in tolkd; wipe it after use).
 */
__attribute__((nonnull)) void
tolkd_audit_key_derive(const unsigned char datakey[TOLKD_DATAKEY_BYTES],
                       uint8_t key[TOLK_AUDIT_KEY_BYTES]);

/*
 * The audit key in memory of its own (sodium_malloc'd, guarded, read-only after derivation),
 * for a holder that outlives a call (tolkd's relay). NULL if out of memory. Free it with
 * tolkd_audit_key_free, which wipes it; NULL is a no-op.
 */
__attribute__((nonnull)) uint8_t *
tolkd_audit_key_new(const unsigned char datakey[TOLKD_DATAKEY_BYTES]);
void tolkd_audit_key_free(uint8_t *key);

/*
 * The stable code for a fault of enum tolk_audit_fault, as the API and tolkctl --json report it:
 * "ok", "bad_hash", "gap", "bad_prev", "bad_seq", "bad_anchor" ("unknown" for anything else).
 */
const char *tolkd_audit_fault_code(enum tolk_audit_fault fault);

#endif
