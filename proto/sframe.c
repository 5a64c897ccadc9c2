/*
 * SFrame (RFC 9605): header codec, key derivation, the five registered cipher suites, and a
 * replay window. See sframe.h for the contracts.
 *
 * The header codec and the replay window are pure C. Everything cryptographic goes through
 * OpenSSL 3's EVP interfaces (HKDF via EVP_KDF, AES via EVP_CIPHER, HMAC via EVP_MAC). Cipher
 * contexts are created and keyed once per derived key, so that encrypting or decrypting an
 * audio frame only resets the IV and allocates nothing of ours.
 */
#include "sframe.h"

#include <assert.h>
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#define NONCE_LEN 12 /* Nn: the same for every registered suite */
#define HASH_MAX  64 /* longest HKDF/HMAC hash output (SHA-512) */

/* Config byte (RFC 9605 section 4.3): X | K(3) | Y | C(3). */
#define CFG_KID_SHIFT 4
#define CFG_CTR_SHIFT 0
#define CFG_EXTENDED  0x8u /* X or Y within its nibble: the value follows in K+1 bytes */
#define CFG_VALUE     0x7u

/*
 * One row per RFC 9605 cipher suite (section 4.5). For the AES-CTR+HMAC suites the derived
 * sframe_key is the AES key followed by the HMAC key (Nk = enc_len + hash_len), and the tag is
 * the HMAC output truncated to tag_len.
 */
struct suite_params {
    uint16_t id;
    const char *cipher; /* OpenSSL cipher name; NULL marks an unused row */
    const char *digest; /* hash of HKDF and, for CTR suites, of HMAC */
    size_t hash_len;    /* Nh: HKDF-Extract output length */
    size_t key_len;     /* Nk: derived sframe_key length */
    size_t enc_len;     /* AES key length within sframe_key */
    size_t tag_len;     /* Nt */
    bool ctr_hmac;
};

static const struct suite_params suites[] = {
    [TOLK_SFRAME_AES_128_CTR_HMAC_SHA256_80] = {1, "AES-128-CTR", "SHA256", 32, 48, 16, 10, true},
    [TOLK_SFRAME_AES_128_CTR_HMAC_SHA256_64] = {2, "AES-128-CTR", "SHA256", 32, 48, 16, 8, true},
    [TOLK_SFRAME_AES_128_CTR_HMAC_SHA256_32] = {3, "AES-128-CTR", "SHA256", 32, 48, 16, 4, true},
    [TOLK_SFRAME_AES_128_GCM_SHA256_128] = {4, "AES-128-GCM", "SHA256", 32, 16, 16, 16, false},
    [TOLK_SFRAME_AES_256_GCM_SHA512_128] = {5, "AES-256-GCM", "SHA512", 64, 32, 32, 16, false},
};

_Static_assert(TOLK_SFRAME_KEY_MAX >= 48, "CTR-HMAC suites derive 48-byte keys");
_Static_assert(TOLK_SFRAME_SALT_MAX >= NONCE_LEN, "salt holds Nn bytes");
_Static_assert(TOLK_REPLAY_WINDOW % 64 == 0 && TOLK_REPLAY_WINDOW > 0, "window is whole words");

struct tolk_sframe_key {
    const struct suite_params *p;
    uint64_t kid;
    EVP_CIPHER_CTX *enc; /* keyed once; per frame only the IV changes */
    EVP_CIPHER_CTX *dec;
    EVP_MAC_CTX *mac; /* CTR-HMAC suites: keyed with the auth key, re-initialised per frame */
    uint8_t key[TOLK_SFRAME_KEY_MAX];
    uint8_t salt[TOLK_SFRAME_SALT_MAX];
};

/* The AAD of a frame, header || metadata, kept in two pieces so it is never copied. */
struct aad {
    const uint8_t *hdr;
    size_t hdr_len;
    const uint8_t *meta;
    size_t meta_len;
};

static const struct suite_params *suite_lookup(enum tolk_sframe_suite suite)
{
    size_t i = (size_t)suite;
    if (i >= sizeof suites / sizeof suites[0] || suites[i].cipher == NULL)
        return NULL;
    return &suites[i];
}

size_t tolk_sframe_tag_len(enum tolk_sframe_suite suite)
{
    const struct suite_params *p = suite_lookup(suite);
    return p ? p->tag_len : 0;
}

/* ---- Header codec ------------------------------------------------------------------------ */

/* Bytes needed for V in big-endian without leading zeros (1..8). */
static unsigned be_len(uint64_t v)
{
    unsigned n = 1;
    while (n < 8 && (v >> (8 * n)) != 0)
        n++;
    return n;
}

/* Bytes a KID or CTR takes after the config byte: none if it fits the 3-bit field inline. */
static size_t field_len(uint64_t v)
{
    return v <= CFG_VALUE ? 0 : be_len(v);
}

static void put_be(uint64_t v, unsigned n, uint8_t *out)
{
    for (unsigned i = 0; i < n; i++)
        out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *in, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | in[i];
    return v;
}

/*
 * Writes V after the config byte if it does not fit inline, and sets its nibble of *CFG.
 * Returns the bytes written. Encoding is always minimal, as the RFC's vectors expect.
 */
static size_t put_field(uint64_t v, unsigned shift, uint8_t *cfg, uint8_t *out)
{
    if (v <= CFG_VALUE) {
        *cfg |= (uint8_t)(v << shift);
        return 0;
    }
    unsigned n = be_len(v);
    *cfg |= (uint8_t)((CFG_EXTENDED | (n - 1)) << shift);
    put_be(v, n, out);
    return n;
}

size_t tolk_sframe_header_encode(const struct tolk_sframe_header *hdr, uint8_t *out)
{
    assert(hdr != NULL && out != NULL);
    uint8_t cfg = 0;
    size_t n = 1;
    n += put_field(hdr->kid, CFG_KID_SHIFT, &cfg, out + n);
    n += put_field(hdr->ctr, CFG_CTR_SHIFT, &cfg, out + n);
    out[0] = cfg;
    return n;
}

/*
 * Non-minimal encodings (e.g. KID 5 in one extra byte) are accepted: they decode to the same
 * values, and since the header is part of the AAD a re-encoded header fails authentication.
 */
size_t tolk_sframe_header_decode(const uint8_t *buf, size_t len, struct tolk_sframe_header *hdr)
{
    assert(hdr != NULL);
    if (buf == NULL || len < 1)
        return 0;
    unsigned kid_nib = (buf[0] >> CFG_KID_SHIFT) & 0xfu;
    unsigned ctr_nib = (buf[0] >> CFG_CTR_SHIFT) & 0xfu;
    size_t kid_len = (kid_nib & CFG_EXTENDED) ? (kid_nib & CFG_VALUE) + 1 : 0;
    size_t ctr_len = (ctr_nib & CFG_EXTENDED) ? (ctr_nib & CFG_VALUE) + 1 : 0;
    if (len - 1 < kid_len + ctr_len)
        return 0;
    hdr->kid = kid_len ? get_be(buf + 1, kid_len) : kid_nib;
    hdr->ctr = ctr_len ? get_be(buf + 1 + kid_len, ctr_len) : ctr_nib;
    return 1 + kid_len + ctr_len;
}

/* ---- Key derivation (RFC 9605 section 4.4.2) ------------------------------------------- */

/* One HKDF step (MODE "EXTRACT_ONLY" or "EXPAND_ONLY") with the suite's hash. */
static int hkdf(const char *mode, const char *digest, const uint8_t *key, size_t key_len,
                const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);
    if (ctx == NULL)
        return -1;
    OSSL_PARAM params[5], *p = params;
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, (char *)mode, 0);
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
    if (info != NULL)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, info_len);
    *p = OSSL_PARAM_construct_end();
    int ok = EVP_KDF_derive(ctx, out, out_len, params);
    EVP_KDF_CTX_free(ctx);
    return ok == 1 ? 0 : -1;
}

/* label = PREFIX || KID (8 bytes BE) || cipher suite (2 bytes BE); returns its length. */
static size_t make_label(uint8_t *out, const char *prefix, uint64_t kid, uint16_t suite)
{
    size_t n = strlen(prefix);
    memcpy(out, prefix, n);
    put_be(kid, 8, out + n);
    put_be(suite, 2, out + n + 8);
    return n + 10;
}

/*
 * sframe_secret = HKDF-Extract("", base_key)
 * sframe_key    = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  || KID || suite, Nk)
 * sframe_salt   = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " || KID || suite, Nn)
 */
static int derive(struct tolk_sframe_key *k, const uint8_t *base_key, size_t base_len)
{
    static const char key_prefix[] = "SFrame 1.0 Secret key ";
    static const char salt_prefix[] = "SFrame 1.0 Secret salt ";
    const struct suite_params *p = k->p;
    uint8_t secret[HASH_MAX];
    uint8_t label[sizeof salt_prefix - 1 + 10];
    size_t n;

    int rc = hkdf("EXTRACT_ONLY", p->digest, base_key, base_len, NULL, 0, secret, p->hash_len);
    if (rc == 0) {
        n = make_label(label, key_prefix, k->kid, p->id);
        rc = hkdf("EXPAND_ONLY", p->digest, secret, p->hash_len, label, n, k->key, p->key_len);
    }
    if (rc == 0) {
        n = make_label(label, salt_prefix, k->kid, p->id);
        rc = hkdf("EXPAND_ONLY", p->digest, secret, p->hash_len, label, n, k->salt, NONCE_LEN);
    }
    OPENSSL_cleanse(secret, sizeof secret);
    return rc;
}

/* A cipher context keyed with the (encryption part of the) derived key, IV left unset. */
static EVP_CIPHER_CTX *cipher_ctx_new(const struct suite_params *p, const uint8_t *key, int enc)
{
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, p->cipher, NULL);
    EVP_CIPHER_CTX *ctx = cipher ? EVP_CIPHER_CTX_new() : NULL;
    if (ctx != NULL && EVP_CipherInit_ex(ctx, cipher, NULL, key, NULL, enc) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        ctx = NULL;
    }
    EVP_CIPHER_free(cipher); /* the context holds its own reference */
    return ctx;
}

/* An HMAC context keyed with the auth key, the part of sframe_key after the AES key. */
static EVP_MAC_CTX *mac_ctx_new(const struct suite_params *p, const uint8_t *key)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac);
    if (ctx == NULL)
        return NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)p->digest, 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_init(ctx, key + p->enc_len, p->key_len - p->enc_len, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

struct tolk_sframe_key *tolk_sframe_key_new(enum tolk_sframe_suite suite, const uint8_t *base_key,
                                            size_t base_len, uint64_t kid)
{
    const struct suite_params *p = suite_lookup(suite);
    if (p == NULL || base_key == NULL || base_len == 0)
        return NULL;
    struct tolk_sframe_key *k = OPENSSL_zalloc(sizeof *k);
    if (k == NULL)
        return NULL;
    k->p = p;
    k->kid = kid;
    if (derive(k, base_key, base_len) != 0)
        goto fail;
    k->enc = cipher_ctx_new(p, k->key, 1);
    k->dec = cipher_ctx_new(p, k->key, 0);
    if (k->enc == NULL || k->dec == NULL)
        goto fail;
    if (p->ctr_hmac && (k->mac = mac_ctx_new(p, k->key)) == NULL)
        goto fail;
    return k;
fail:
    tolk_sframe_key_free(k);
    return NULL;
}

void tolk_sframe_key_free(struct tolk_sframe_key *key)
{
    if (key == NULL)
        return;
    EVP_CIPHER_CTX_free(key->enc); /* OpenSSL wipes the key schedules it holds */
    EVP_CIPHER_CTX_free(key->dec);
    EVP_MAC_CTX_free(key->mac);
    OPENSSL_cleanse(key, sizeof *key);
    OPENSSL_free(key);
}

void tolk_sframe_key_material(const struct tolk_sframe_key *key, const uint8_t **aead_key,
                              size_t *key_len, const uint8_t **salt, size_t *salt_len)
{
    assert(key != NULL && aead_key != NULL && key_len != NULL && salt != NULL && salt_len);
    *aead_key = key->key;
    *key_len = key->p->key_len;
    *salt = key->salt;
    *salt_len = NONCE_LEN;
}

size_t tolk_sframe_overhead(const struct tolk_sframe_key *key, uint64_t ctr)
{
    assert(key != NULL);
    return 1 + field_len(key->kid) + field_len(ctr) + key->p->tag_len;
}

/* ---- AEADs ----------------------------------------------------------------------------- */

/* nonce = sframe_salt XOR CTR encoded big-endian in Nn bytes. */
static void make_nonce(const struct tolk_sframe_key *k, uint64_t ctr, uint8_t nonce[NONCE_LEN])
{
    memcpy(nonce, k->salt, NONCE_LEN);
    for (unsigned i = 0; i < 8; i++)
        nonce[NONCE_LEN - 1 - i] ^= (uint8_t)(ctr >> (8 * i));
}

/* Feeds the AAD to a GCM context (either direction). Lengths were checked to fit an int. */
static int gcm_aad(EVP_CIPHER_CTX *c, const struct aad *a)
{
    int n;
    if (EVP_CipherUpdate(c, NULL, &n, a->hdr, (int)a->hdr_len) != 1)
        return -1;
    if (a->meta_len > 0 && EVP_CipherUpdate(c, NULL, &n, a->meta, (int)a->meta_len) != 1)
        return -1;
    return 0;
}

/* AES-GCM: writes ct || tag (tag_len bytes) to OUT. */
static int gcm_seal(struct tolk_sframe_key *k, const uint8_t *nonce, const struct aad *a,
                    const uint8_t *pt, size_t len, uint8_t *out)
{
    EVP_CIPHER_CTX *c = k->enc;
    int n = 0, fin = 0;
    if (EVP_EncryptInit_ex(c, NULL, NULL, NULL, nonce) != 1 || gcm_aad(c, a) != 0)
        return -1;
    if (len > 0 && EVP_EncryptUpdate(c, out, &n, pt, (int)len) != 1)
        return -1;
    if (EVP_EncryptFinal_ex(c, out + n, &fin) != 1 || (size_t)n + (size_t)fin != len)
        return -1;
    return EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, (int)k->p->tag_len, out + len) == 1 ? 0
                                                                                             : -1;
}

/*
 * AES-GCM: decrypts CT (LEN bytes, followed by the tag) into OUT. The plaintext counts only if
 * this returns 0: EVP_DecryptFinal_ex is where the tag is checked.
 */
static int gcm_open(struct tolk_sframe_key *k, const uint8_t *nonce, const struct aad *a,
                    const uint8_t *ct, size_t len, uint8_t *out)
{
    EVP_CIPHER_CTX *c = k->dec;
    uint8_t tag[TOLK_SFRAME_TAG_MAX];
    int n = 0, fin = 0;
    memcpy(tag, ct + len, k->p->tag_len);
    if (EVP_DecryptInit_ex(c, NULL, NULL, NULL, nonce) != 1 || gcm_aad(c, a) != 0)
        return -1;
    if (len > 0 && EVP_DecryptUpdate(c, out, &n, ct, (int)len) != 1)
        return -1;
    if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, (int)k->p->tag_len, tag) != 1)
        return -1;
    if (EVP_DecryptFinal_ex(c, out + n, &fin) != 1 || (size_t)n + (size_t)fin != len)
        return -1;
    return 0;
}

/*
 * RFC 9605 section 4.5.1: tag = HMAC(auth_key, len(aad) || len(ct) || Nt (8 bytes BE each)
 * || nonce || aad || ct), of which the first Nt bytes are sent. Writes the full HMAC to TAG.
 */
static int hmac_tag(struct tolk_sframe_key *k, const uint8_t *nonce, const struct aad *a,
                    const uint8_t *ct, size_t len, uint8_t tag[HASH_MAX])
{
    EVP_MAC_CTX *m = k->mac;
    uint8_t lens[24];
    size_t out_len;
    put_be(a->hdr_len + a->meta_len, 8, lens);
    put_be(len, 8, lens + 8);
    put_be(k->p->tag_len, 8, lens + 16);
    if (EVP_MAC_init(m, NULL, 0, NULL) != 1 || EVP_MAC_update(m, lens, sizeof lens) != 1 ||
        EVP_MAC_update(m, nonce, NONCE_LEN) != 1 || EVP_MAC_update(m, a->hdr, a->hdr_len) != 1)
        return -1;
    if (a->meta_len > 0 && EVP_MAC_update(m, a->meta, a->meta_len) != 1)
        return -1;
    if (len > 0 && EVP_MAC_update(m, ct, len) != 1)
        return -1;
    return EVP_MAC_final(m, tag, &out_len, HASH_MAX) == 1 ? 0 : -1;
}

/* AES-CTR with the counter block nonce || 0x00000000 (the same operation both ways). */
static int ctr_crypt(EVP_CIPHER_CTX *c, const uint8_t *nonce, const uint8_t *in, size_t len,
                     uint8_t *out)
{
    uint8_t iv[16] = {0};
    int n = 0, fin = 0;
    memcpy(iv, nonce, NONCE_LEN);
    if (EVP_CipherInit_ex(c, NULL, NULL, NULL, iv, -1) != 1)
        return -1;
    if (len > 0 && EVP_CipherUpdate(c, out, &n, in, (int)len) != 1)
        return -1;
    if (EVP_CipherFinal_ex(c, out + n, &fin) != 1 || (size_t)n + (size_t)fin != len)
        return -1;
    return 0;
}

/* Encrypt-then-MAC: writes ct || truncated tag to OUT. */
static int ctr_hmac_seal(struct tolk_sframe_key *k, const uint8_t *nonce, const struct aad *a,
                         const uint8_t *pt, size_t len, uint8_t *out)
{
    uint8_t tag[HASH_MAX];
    if (ctr_crypt(k->enc, nonce, pt, len, out) != 0 || hmac_tag(k, nonce, a, out, len, tag) != 0)
        return -1;
    memcpy(out + len, tag, k->p->tag_len);
    return 0;
}

/* Checks the tag in constant time before decrypting anything into OUT. */
static int ctr_hmac_open(struct tolk_sframe_key *k, const uint8_t *nonce, const struct aad *a,
                         const uint8_t *ct, size_t len, uint8_t *out)
{
    uint8_t tag[HASH_MAX];
    if (hmac_tag(k, nonce, a, ct, len, tag) != 0)
        return -1;
    if (CRYPTO_memcmp(tag, ct + len, k->p->tag_len) != 0)
        return -1;
    return ctr_crypt(k->dec, nonce, ct, len, out);
}

/* ---- Frames ---------------------------------------------------------------------------- */

size_t tolk_sframe_encrypt(struct tolk_sframe_key *key, uint64_t ctr, const uint8_t *metadata,
                           size_t metadata_len, const uint8_t *pt, size_t pt_len, uint8_t *out,
                           size_t out_cap)
{
    assert(key != NULL && out != NULL);
    assert(pt != NULL || pt_len == 0);
    assert(metadata != NULL || metadata_len == 0);
    const struct tolk_sframe_header hdr = {.kid = key->kid, .ctr = ctr};
    size_t overhead = tolk_sframe_overhead(key, ctr);
    /* OpenSSL's cipher updates take int lengths. */
    if (pt_len > INT_MAX || metadata_len > INT_MAX || out_cap < overhead ||
        out_cap - overhead < pt_len)
        return 0;
    size_t hlen = tolk_sframe_header_encode(&hdr, out);
    const struct aad a = {out, hlen, metadata, metadata_len};
    uint8_t nonce[NONCE_LEN];
    make_nonce(key, ctr, nonce);
    int rc = key->p->ctr_hmac ? ctr_hmac_seal(key, nonce, &a, pt, pt_len, out + hlen)
                              : gcm_seal(key, nonce, &a, pt, pt_len, out + hlen);
    if (rc != 0) {
        OPENSSL_cleanse(out, overhead + pt_len);
        return 0;
    }
    return overhead + pt_len;
}

int tolk_sframe_decrypt(struct tolk_sframe_key *key, const uint8_t *metadata, size_t metadata_len,
                        const uint8_t *frame, size_t frame_len, uint8_t *out, size_t out_cap,
                        size_t *pt_len, uint64_t *ctr)
{
    assert(metadata != NULL || metadata_len == 0);
    struct tolk_sframe_header hdr;
    size_t hlen = tolk_sframe_header_decode(frame, frame_len, &hdr);
    size_t tag_len = key->p->tag_len;
    if (hlen == 0 || hdr.kid != key->kid || frame_len - hlen < tag_len)
        return -1;
    size_t ct_len = frame_len - hlen - tag_len;
    if (ct_len > out_cap || ct_len > INT_MAX || metadata_len > INT_MAX)
        return -1;
    const struct aad a = {frame, hlen, metadata, metadata_len};
    uint8_t nonce[NONCE_LEN];
    make_nonce(key, hdr.ctr, nonce);
    int rc = key->p->ctr_hmac ? ctr_hmac_open(key, nonce, &a, frame + hlen, ct_len, out)
                              : gcm_open(key, nonce, &a, frame + hlen, ct_len, out);
    if (rc != 0) {
        OPENSSL_cleanse(out, ct_len); /* GCM has written unauthenticated plaintext */
        return -1;
    }
    *pt_len = ct_len;
    if (ctr != NULL)
        *ctr = hdr.ctr;
    return 0;
}

/* ---- Replay window (RFC 9605 section 7.5) ---------------------------------------------- */

/*
 * Bit i of the window (word i / 64, bit i % 64) records whether counter highest - i was
 * accepted. Moving highest up by N shifts the whole window left by N bits; N may be anything
 * up to 2^64 - 1, so whole-word and in-word shifts are done separately and a shift by 64 or
 * more bits never reaches the shift operator.
 */
static void window_shift(struct tolk_replay *r, uint64_t n)
{
    enum { WORDS = TOLK_REPLAY_WINDOW / 64 };
    if (n >= TOLK_REPLAY_WINDOW) {
        memset(r->bits, 0, sizeof r->bits);
        return;
    }
    size_t words = (size_t)(n / 64);
    unsigned bits = (unsigned)(n % 64);
    for (size_t i = WORDS; i-- > 0;) {
        uint64_t v = 0;
        if (i >= words) {
            v = r->bits[i - words] << bits;
            if (bits != 0 && i > words)
                v |= r->bits[i - words - 1] >> (64 - bits);
        }
        r->bits[i] = v;
    }
}

void tolk_replay_init(struct tolk_replay *r)
{
    assert(r != NULL);
    memset(r, 0, sizeof *r);
}

bool tolk_replay_check_and_update(struct tolk_replay *r, uint64_t ctr)
{
    assert(r != NULL);
    if (!r->any || ctr > r->highest) {
        window_shift(r, r->any ? ctr - r->highest : TOLK_REPLAY_WINDOW);
        r->highest = ctr;
        r->any = true;
        r->bits[0] |= 1;
        return true;
    }
    uint64_t off = r->highest - ctr;
    if (off >= TOLK_REPLAY_WINDOW)
        return false;
    uint64_t mask = (uint64_t)1 << (off % 64);
    uint64_t *word = &r->bits[off / 64];
    if (*word & mask)
        return false;
    *word |= mask;
    return true;
}
