/*
 * The audit chain rule (audit_chain.h): hashing an entry and checking a chain one entry at a
 * time. No database, no globals, no allocation; libsodium's keyed BLAKE2b does the hashing.
 */
#include "audit_chain.h"

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char chain_label[] = "tolk-audit-v1";
static const char purge_prefix[] = "through_seq=";

static void put_be64(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

/* Feeds lp(x): the length as 4 bytes big-endian, then the bytes. */
static void absorb_text(crypto_generichash_state *h, const char *text, size_t len)
{
    uint8_t prefix[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                         (uint8_t)len};

    crypto_generichash_update(h, prefix, sizeof(prefix));
    crypto_generichash_update(h, (const unsigned char *)text, len);
}

/*
 * The only way this fails is a length outside libsodium's limits, which the constants here rule
 * out: a failure would be a broken build, not a runtime condition.
 */
void tolk_audit_hash(const uint8_t key[TOLK_AUDIT_KEY_BYTES], const struct tolk_audit_entry *e,
                     uint8_t out[TOLK_AUDIT_HASH_BYTES])
{
    crypto_generichash_state h;
    uint8_t num[16];

    if (crypto_generichash_init(&h, key, TOLK_AUDIT_KEY_BYTES, TOLK_AUDIT_HASH_BYTES) != 0)
        abort();
    absorb_text(&h, chain_label, sizeof(chain_label) - 1);
    put_be64(num, e->seq);
    put_be64(num + 8, (uint64_t)e->at);
    crypto_generichash_update(&h, num, sizeof(num));
    absorb_text(&h, e->actor, strnlen(e->actor, sizeof(e->actor)));
    absorb_text(&h, e->action, strnlen(e->action, sizeof(e->action)));
    absorb_text(&h, e->subject, strnlen(e->subject, sizeof(e->subject)));
    absorb_text(&h, e->detail, strnlen(e->detail, sizeof(e->detail)));
    crypto_generichash_update(&h, e->prev_hash, TOLK_AUDIT_HASH_BYTES);
    if (crypto_generichash_final(&h, out, TOLK_AUDIT_HASH_BYTES) != 0)
        abort();
    sodium_memzero(&h, sizeof(h));
}

int tolk_audit_purge_detail(char *buf, size_t len, uint64_t through_seq)
{
    int n = snprintf(buf, len, "%s%llu", purge_prefix, (unsigned long long)through_seq);

    return n < 0 || (size_t)n >= len ? -1 : 0;
}

const char *tolk_audit_fault_text(int fault)
{
    switch (fault) {
    case TOLK_AUDIT_OK:
        return "the chain is intact";
    case TOLK_AUDIT_BAD_HASH:
        return "an entry was edited or forged";
    case TOLK_AUDIT_GAP:
        return "entries were removed";
    case TOLK_AUDIT_BAD_PREV:
        return "entries were reordered or inserted";
    case TOLK_AUDIT_BAD_SEQ:
        return "an entry has a sequence number out of order";
    case TOLK_AUDIT_BAD_ANCHOR:
        return "the start of the log was moved without a purge";
    default:
        return "unknown fault";
    }
}

void tolk_audit_verify_begin(struct tolk_audit_verifier *v, const uint8_t key[TOLK_AUDIT_KEY_BYTES],
                             uint64_t anchor_seq, const uint8_t anchor_hash[TOLK_AUDIT_HASH_BYTES])
{
    memset(v, 0, sizeof(*v));
    v->key = key;
    v->anchor_seq = anchor_seq;
    v->head_seq = anchor_seq;
    if (anchor_hash != NULL)
        memcpy(v->head_hash, anchor_hash, TOLK_AUDIT_HASH_BYTES);
}

/* Records FAULT at SEQ and returns it. */
static int broke(struct tolk_audit_verifier *v, int fault, uint64_t seq)
{
    v->fault = fault;
    v->bad_seq = seq;
    return fault;
}

/*
 * Reads "through_seq=N" (N decimal, no sign, no leading zeros but "0" itself). A purge entry that
 * does not parse counts as naming no anchor at all, which finish() then rejects.
 */
static int parse_purge_detail(const char *detail, size_t cap, uint64_t *through)
{
    size_t plen = sizeof(purge_prefix) - 1;
    size_t len = strnlen(detail, cap);
    uint64_t n = 0;

    if (len <= plen || len > plen + 20 || memcmp(detail, purge_prefix, plen) != 0)
        return -1;
    if (detail[plen] == '0' && len > plen + 1)
        return -1;
    for (size_t i = plen; i < len; i++) {
        unsigned d = (unsigned)(detail[i] - '0');
        if (detail[i] < '0' || detail[i] > '9' || n > (UINT64_MAX - d) / 10)
            return -1;
        n = n * 10 + d;
    }
    *through = n;
    return 0;
}

/* Remembers what a purge entry says about the anchor. */
static void note_purge(struct tolk_audit_verifier *v, const struct tolk_audit_entry *e)
{
    uint64_t through = 0;

    if (strncmp(e->action, TOLK_AUDIT_ACTION_PURGED, sizeof(e->action)) != 0)
        return;
    v->seen_purge = 1;
    /* An unparsable detail names no seq; UINT64_MAX can never be an anchor's. */
    v->purged_through =
        parse_purge_detail(e->detail, sizeof(e->detail), &through) == 0 ? through : UINT64_MAX;
}

/* The checks on an entry's place in the chain, which need nothing but its seq. */
static int check_seq(struct tolk_audit_verifier *v, uint64_t seq)
{
    if (seq <= v->head_seq)
        return broke(v, TOLK_AUDIT_BAD_SEQ, seq);
    if (seq != v->head_seq + 1)
        return broke(v, TOLK_AUDIT_GAP, v->head_seq + 1);
    return TOLK_AUDIT_OK;
}

int tolk_audit_verify_unreadable(struct tolk_audit_verifier *v, uint64_t seq)
{
    if (v->fault != TOLK_AUDIT_OK)
        return v->fault;
    if (check_seq(v, seq) != TOLK_AUDIT_OK)
        return v->fault;
    return broke(v, TOLK_AUDIT_BAD_HASH, seq);
}

/*
 * prev_hash is compared before the entry's own hash so that an entry moved to another place
 * (which still carries a hash valid for its old place) is reported as reordered, not edited.
 * The hashes are not secret, but sodium_memcmp costs nothing and keeps the habit.
 */
int tolk_audit_verify_next(struct tolk_audit_verifier *v, const struct tolk_audit_entry *e)
{
    uint8_t want[TOLK_AUDIT_HASH_BYTES];

    if (v->fault != TOLK_AUDIT_OK)
        return v->fault;
    if (check_seq(v, e->seq) != TOLK_AUDIT_OK)
        return v->fault;
    if (sodium_memcmp(e->prev_hash, v->head_hash, TOLK_AUDIT_HASH_BYTES) != 0)
        return broke(v, TOLK_AUDIT_BAD_PREV, e->seq);
    tolk_audit_hash(v->key, e, want);
    if (sodium_memcmp(want, e->hash, TOLK_AUDIT_HASH_BYTES) != 0)
        return broke(v, TOLK_AUDIT_BAD_HASH, e->seq);
    note_purge(v, e);
    v->head_seq = e->seq;
    memcpy(v->head_hash, e->hash, TOLK_AUDIT_HASH_BYTES);
    v->count++;
    return TOLK_AUDIT_OK;
}

int tolk_audit_verify_finish(struct tolk_audit_verifier *v)
{
    if (v->fault != TOLK_AUDIT_OK)
        return v->fault;
    if (v->seen_purge ? v->purged_through != v->anchor_seq : v->anchor_seq != 0)
        return broke(v, TOLK_AUDIT_BAD_ANCHOR, v->anchor_seq);
    return TOLK_AUDIT_OK;
}
