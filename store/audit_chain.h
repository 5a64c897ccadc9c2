/*
 * The audit chain rule, with no database behind it: how an entry's hash is computed and how a
 * sequence of entries is checked, one entry at a time.
 *
 * The rule. Entry seq N (N = 1, 2, 3, ... without gaps) carries
 *
 *     hash_N = BLAKE2b-256, keyed with K (32 bytes), over
 *              lp("tolk-audit-v1") || be64(seq) || be64(at) ||
 *              lp(actor) || lp(action) || lp(subject) || lp(detail) || prev_hash_N
 *     prev_hash_N = hash_(N-1), and 32 zero bytes for N = 1
 *
 * where be64 is 8 bytes big-endian (at as two's complement) and lp(x) is be32(length of x in
 * bytes) followed by x without its NUL. Length prefixes make the encoding unambiguous: no two
 * different entries encode to the same bytes. The leading label versions the rule.
 *
 * K is derived by the caller from the data key (e.g. crypto_kdf_derive_from_key with its own
 * subkey id and context), which lives outside the database. Without K, nobody can compute a
 * valid hash, so someone holding only the database cannot rewrite the chain to hide an edit.
 *
 * Purging. When entries 1..N are deleted by the retention job, the store keeps an anchor
 * (N, hash_N) and verification starts there instead of at zero; the purge logs an entry with
 * action TOLK_AUDIT_ACTION_PURGED and detail "through_seq=N". The verifier insists that the last
 * such entry names the anchor's seq, so moving the anchor to cut off the oldest entries (outside
 * a purge) is caught as well.
 *
 * Secrets: the functions keep a pointer to K (never a copy) and wipe their hash state.
 * Threads: no globals; a verifier is used by one thread at a time. sodium_init() must have run.
 */
#ifndef TOLK_AUDIT_CHAIN_H
#define TOLK_AUDIT_CHAIN_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

#define TOLK_AUDIT_ACTION_PURGED "audit_purged"

/*
 * Computes the hash of E (seq, at, actor, action, subject, detail, prev_hash; E->hash is not
 * read) under KEY into OUT. Texts are read up to their NUL or the end of their array.
 */
__attribute__((nonnull)) void tolk_audit_hash(const uint8_t key[TOLK_AUDIT_KEY_BYTES],
                                              const struct tolk_audit_entry *e,
                                              uint8_t out[TOLK_AUDIT_HASH_BYTES]);

/* Writes a purge entry's detail, "through_seq=N", into BUF: 0, or -1 if it does not fit. */
__attribute__((nonnull)) int tolk_audit_purge_detail(char *buf, size_t len, uint64_t through_seq);

/* One line naming a fault for an operator ("an entry was edited or forged", ...). */
const char *tolk_audit_fault_text(int fault);

/*
 * A walk over a chain in progress. The caller allocates it (on the stack is fine); the fields
 * are read-only to the caller and meaningful after each call.
 */
struct tolk_audit_verifier {
    const uint8_t *key;  /* the caller's; must outlive the walk */
    uint64_t anchor_seq; /* where the walk started */
    uint64_t head_seq;   /* the last entry that verified (anchor_seq before any) */
    uint8_t head_hash[TOLK_AUDIT_HASH_BYTES]; /* its hash */
    uint64_t count;                           /* entries that verified */
    uint64_t purged_through;                  /* through_seq of the last purge entry seen */
    int seen_purge;                           /* whether one was seen */
    int fault;                                /* enum tolk_audit_fault; once set, it stays */
    uint64_t bad_seq;                         /* where it broke (GAP: the first missing seq) */
};

/*
 * Starts a walk from ANCHOR_SEQ whose hash is ANCHOR_HASH: 0 and NULL (or 32 zero bytes) for a
 * chain that starts at genesis, else the store's anchor.
 */
void tolk_audit_verify_begin(struct tolk_audit_verifier *v, const uint8_t key[TOLK_AUDIT_KEY_BYTES],
                             uint64_t anchor_seq, const uint8_t anchor_hash[TOLK_AUDIT_HASH_BYTES])
    __attribute__((nonnull(1, 2)));

/*
 * Checks the next entry, which must be the one after the last that verified, and returns
 * TOLK_AUDIT_OK or the fault (also kept in v->fault and v->bad_seq). Checks run in this order,
 * and the first that fails names the fault: seq 0 or not after the previous one (BAD_SEQ), a seq
 * skipped (GAP), prev_hash not the previous hash (BAD_PREV), the hash not the entry's own
 * (BAD_HASH). After a fault every further call returns it again without looking.
 */
__attribute__((warn_unused_result, nonnull)) int
tolk_audit_verify_next(struct tolk_audit_verifier *v, const struct tolk_audit_entry *e);

/*
 * Records that the next entry, at SEQ, could not be read as an entry at all (a field longer than
 * its array, of the wrong type, with a NUL inside): its stored fields cannot be what was hashed.
 * Returns the fault: BAD_SEQ or GAP if SEQ is out of place, else BAD_HASH.
 */
__attribute__((nonnull)) int tolk_audit_verify_unreadable(struct tolk_audit_verifier *v,
                                                          uint64_t seq);

/*
 * Ends a walk over the whole chain: returns the fault already found, else BAD_ANCHOR when the
 * walk started from an anchor that the last purge entry does not name (or no purge entry was
 * seen), else TOLK_AUDIT_OK.
 */
__attribute__((warn_unused_result, nonnull)) int
tolk_audit_verify_finish(struct tolk_audit_verifier *v);

#endif
