/*
 * SFrame (RFC 9605): the media frame of Tolk's wire protocol.
 *
 * A media frame is   header || ciphertext || tag,   where the header carries the key id (KID)
 * and the counter (CTR) in RFC 9605's variable-length encoding. Tolk uses sender-key mode with
 *
 *     KID = (epoch << 4) | sender_index        (sender_index 0..15)
 *
 * so that the broker can read the sender and the key epoch from the header alone, check the
 * sender against the connection it came from, and route the frame without holding any key.
 *
 * Header parsing (tolk_sframe_header_*) is pure and allocation-free; it is what the broker
 * uses. Encryption uses OpenSSL (HKDF-SHA256/SHA512, AES-GCM, AES-CTR + HMAC) for all five
 * cipher suites the RFC registers, so that every published test vector can be reproduced;
 * Tolk's media uses TOLK_SFRAME_AES_128_GCM_SHA256_128.
 */
#ifndef TOLK_SFRAME_H
#define TOLK_SFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOLK_SFRAME_HEADER_MAX  17 /* 1 config byte + 8 KID bytes + 8 CTR bytes */
#define TOLK_SFRAME_KEY_MAX     48 /* longest AEAD key (AES-CTR-HMAC: 16 enc + 32 auth) */
#define TOLK_SFRAME_SALT_MAX    12
#define TOLK_SFRAME_TAG_MAX     16
#define TOLK_SFRAME_INDEX_BITS  4
#define TOLK_SFRAME_MAX_SENDERS (1u << TOLK_SFRAME_INDEX_BITS)

/* RFC 9605 cipher suite identifiers. */
enum tolk_sframe_suite {
    TOLK_SFRAME_AES_128_CTR_HMAC_SHA256_80 = 1,
    TOLK_SFRAME_AES_128_CTR_HMAC_SHA256_64 = 2,
    TOLK_SFRAME_AES_128_CTR_HMAC_SHA256_32 = 3,
    TOLK_SFRAME_AES_128_GCM_SHA256_128 = 4,
    TOLK_SFRAME_AES_256_GCM_SHA512_128 = 5,
};

struct tolk_sframe_header {
    uint64_t kid;
    uint64_t ctr;
};

/*
 * Encodes HDR into OUT (at least TOLK_SFRAME_HEADER_MAX bytes). Returns the encoded length
 * (1..17). Always succeeds.
 */
size_t tolk_sframe_header_encode(const struct tolk_sframe_header *hdr, uint8_t *out);

/*
 * Decodes the header at the start of BUF (LEN bytes). Returns the header length, or 0 if BUF
 * is too short to hold the header it announces. Never reads past LEN.
 */
size_t tolk_sframe_header_decode(const uint8_t *buf, size_t len, struct tolk_sframe_header *hdr);

/* Tolk's KID layout. */
static inline uint64_t tolk_sframe_kid(uint64_t epoch, unsigned sender_index)
{
    return (epoch << TOLK_SFRAME_INDEX_BITS) | (sender_index & (TOLK_SFRAME_MAX_SENDERS - 1));
}
static inline unsigned tolk_sframe_kid_sender(uint64_t kid)
{
    return (unsigned)(kid & (TOLK_SFRAME_MAX_SENDERS - 1));
}
static inline uint64_t tolk_sframe_kid_epoch(uint64_t kid)
{
    return kid >> TOLK_SFRAME_INDEX_BITS;
}

/*
 * A derived key for one KID: the AEAD key and salt of RFC 9605 section 4.4.2, with OpenSSL
 * cipher contexts prepared once. Create with tolk_sframe_key_new, free with tolk_sframe_key_free
 * (which wipes the key material; NULL is a no-op). One thread at a time.
 */
struct tolk_sframe_key;

/*
 * Derives the key for KID from BASE_KEY (BASE_LEN bytes) with SUITE. Returns NULL if the suite
 * is unknown or memory or OpenSSL fails.
 */
struct tolk_sframe_key *tolk_sframe_key_new(enum tolk_sframe_suite suite, const uint8_t *base_key,
                                            size_t base_len, uint64_t kid);
void tolk_sframe_key_free(struct tolk_sframe_key *key);

/* The derived AEAD key and salt (for test vectors); lengths are returned through the pointers. */
void tolk_sframe_key_material(const struct tolk_sframe_key *key, const uint8_t **aead_key,
                              size_t *key_len, const uint8_t **salt, size_t *salt_len);

/* Bytes an encryption adds to the plaintext: header length for CTR plus the tag. */
size_t tolk_sframe_overhead(const struct tolk_sframe_key *key, uint64_t ctr);
size_t tolk_sframe_tag_len(enum tolk_sframe_suite suite);

/*
 * Encrypts PT (PT_LEN bytes) as one SFrame frame with counter CTR, authenticating METADATA
 * (may be NULL/0; Tolk sends none) with the header. Writes header || ct || tag into OUT
 * (OUT_CAP bytes; OUT may not overlap PT) and returns the frame length, or 0 if OUT_CAP is too
 * small or OpenSSL fails. The caller guarantees CTR is never reused with this key.
 */
size_t tolk_sframe_encrypt(struct tolk_sframe_key *key, uint64_t ctr, const uint8_t *metadata,
                           size_t metadata_len, const uint8_t *pt, size_t pt_len, uint8_t *out,
                           size_t out_cap) __attribute__((warn_unused_result));

/*
 * Decrypts FRAME (header || ct || tag) whose header names this key's KID. Writes the plaintext
 * into OUT and returns its length through *PT_LEN. Returns 0, or -1 if the frame is malformed,
 * names another KID, or fails authentication (nothing useful is left in OUT then). The replay
 * check is separate (tolk_replay_*), done by the caller after a successful decrypt.
 */
int tolk_sframe_decrypt(struct tolk_sframe_key *key, const uint8_t *metadata, size_t metadata_len,
                        const uint8_t *frame, size_t frame_len, uint8_t *out, size_t out_cap,
                        size_t *pt_len, uint64_t *ctr) __attribute__((warn_unused_result))
__attribute__((nonnull(1, 4, 6, 8)));

/*
 * A sliding replay window over counters of one key (RFC 9605 section 7.5): accepts each CTR
 * once, and refuses counters TOLK_REPLAY_WINDOW or more below the highest seen.
 */
#define TOLK_REPLAY_WINDOW 128

struct tolk_replay {
    uint64_t highest; /* highest accepted counter */
    uint64_t bits[TOLK_REPLAY_WINDOW / 64];
    bool any; /* false until the first counter is accepted */
};

void tolk_replay_init(struct tolk_replay *r);
/* Returns true (and records CTR) if CTR is new, false if it was seen or is too old. */
bool tolk_replay_check_and_update(struct tolk_replay *r, uint64_t ctr)
    __attribute__((warn_unused_result));

#endif
