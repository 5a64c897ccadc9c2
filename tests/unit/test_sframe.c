/*
 * SFrame: RFC 9605's published test vectors (headers and full encryptions for all five cipher
 * suites), header boundaries and truncation, authentication failures, Tolk's KID layout, and
 * the replay window.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sframe.h"

#define VECTORS_PATH TOLK_SHARED_DIR "/vectors/sframe-rfc9605-test-vectors.json"
#define BUF_MAX      1024

static json_t *vectors;

/* ---- Loading the vectors ---------------------------------------------------------------- */

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (bigger == NULL)
                free(buf);
            buf = bigger;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/*
 * The vectors hold KID and CTR values up to 2^64 - 1, which jansson's signed json_int_t
 * refuses ("too big integer"). So every bare number outside a string is wrapped in quotes
 * first and read back with strtoull.
 */
static char *quote_numbers(const char *in, size_t len)
{
    char *out = malloc(2 * len + 1);
    size_t o = 0;
    bool in_string = false, escaped = false;
    for (size_t i = 0; out != NULL && i < len; i++) {
        char c = in[i];
        if (in_string) {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
            out[o++] = c;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            out[o++] = '"';
            while (i < len && strchr("-+.eE0123456789", in[i]) != NULL)
                out[o++] = in[i++];
            out[o++] = '"';
            i--;
        } else {
            in_string = c == '"';
            out[o++] = c;
        }
    }
    if (out != NULL)
        out[o] = '\0';
    return out;
}

static int load_vectors(void **state)
{
    (void)state;
    size_t len = 0;
    char *raw = read_all(VECTORS_PATH, &len);
    if (raw == NULL) {
        print_error("cannot read %s\n", VECTORS_PATH);
        return -1;
    }
    char *text = quote_numbers(raw, len);
    free(raw);
    json_error_t err;
    vectors = text ? json_loads(text, 0, &err) : NULL;
    free(text);
    if (vectors == NULL)
        print_error("%s: %s (line %d)\n", VECTORS_PATH, err.text, err.line);
    return vectors ? 0 : -1;
}

static int free_vectors(void **state)
{
    (void)state;
    json_decref(vectors);
    return 0;
}

static uint64_t get_u64(const json_t *obj, const char *name)
{
    const char *s = json_string_value(json_object_get(obj, name));
    assert_non_null(s);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    assert_int_equal(errno, 0);
    assert_true(end != s && *end == '\0' && s[0] != '-');
    return (uint64_t)v;
}

static int hex_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes the hex string field NAME of OBJ into OUT; returns its length in bytes. */
static size_t get_hex(const json_t *obj, const char *name, uint8_t *out, size_t cap)
{
    const char *s = json_string_value(json_object_get(obj, name));
    assert_non_null(s);
    size_t n = strlen(s);
    assert_true(n % 2 == 0 && n / 2 <= cap);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_nibble(s[2 * i]), lo = hex_nibble(s[2 * i + 1]);
        assert_true(hi >= 0 && lo >= 0);
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return n / 2;
}

static const json_t *vector_list(const char *name)
{
    const json_t *list = json_object_get(vectors, name);
    assert_true(json_is_array(list));
    return list;
}

/* ---- RFC 9605 vectors ------------------------------------------------------------------- */

/* Every encoded header, and every prefix of it, read from a buffer of exactly that size. */
static void check_header_vector(const json_t *v)
{
    struct tolk_sframe_header h = {get_u64(v, "kid"), get_u64(v, "ctr")}, back;
    uint8_t want[TOLK_SFRAME_HEADER_MAX], got[TOLK_SFRAME_HEADER_MAX];
    size_t want_len = get_hex(v, "encoded", want, sizeof want);
    assert_int_equal(tolk_sframe_header_encode(&h, got), want_len);
    assert_memory_equal(got, want, want_len);
    for (size_t n = 0; n <= want_len; n++) {
        uint8_t *exact = malloc(n ? n : 1);
        assert_non_null(exact);
        memcpy(exact, want, n);
        size_t r = tolk_sframe_header_decode(exact, n, &back);
        free(exact);
        assert_int_equal(r, n == want_len ? want_len : 0);
    }
    assert_int_equal(tolk_sframe_header_decode(want, want_len, &back), want_len);
    assert_true(back.kid == h.kid && back.ctr == h.ctr);
}

static void test_header_vectors(void **state)
{
    (void)state;
    const json_t *list = vector_list("header");
    size_t checked = 0, i;
    const json_t *v;
    json_array_foreach(list, i, v)
    {
        check_header_vector(v);
        checked++;
    }
    print_message("RFC 9605 header vectors checked: %zu\n", checked);
    assert_true(checked > 0);
    assert_int_equal(checked, json_array_size(list));
}

/* Every single-bit change anywhere in the frame must fail to decrypt. */
static void check_bit_flips(struct tolk_sframe_key *k, const uint8_t *meta, size_t meta_len,
                            const uint8_t *frame, size_t len)
{
    uint8_t bad[BUF_MAX], out[BUF_MAX];
    size_t pt_len;
    memcpy(bad, frame, len);
    for (size_t i = 0; i < len; i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            bad[i] ^= (uint8_t)(1u << bit);
            assert_int_equal(
                tolk_sframe_decrypt(k, meta, meta_len, bad, len, out, sizeof out, &pt_len, NULL),
                -1);
            bad[i] ^= (uint8_t)(1u << bit);
        }
    }
}

static void check_sframe_vector(const json_t *v)
{
    uint8_t base[64], key[64], salt[16], meta[256], aad[256], pt[256], ct[BUF_MAX];
    uint8_t frame[BUF_MAX], out[BUF_MAX];
    uint64_t kid = get_u64(v, "kid"), ctr = get_u64(v, "ctr"), got_ctr = 0;
    size_t base_len = get_hex(v, "base_key", base, sizeof base);
    size_t key_len = get_hex(v, "sframe_key", key, sizeof key);
    size_t salt_len = get_hex(v, "sframe_salt", salt, sizeof salt);
    size_t meta_len = get_hex(v, "metadata", meta, sizeof meta);
    size_t aad_len = get_hex(v, "aad", aad, sizeof aad);
    size_t pt_len = get_hex(v, "pt", pt, sizeof pt);
    size_t ct_len = get_hex(v, "ct", ct, sizeof ct);
    enum tolk_sframe_suite suite = (enum tolk_sframe_suite)get_u64(v, "cipher_suite");

    struct tolk_sframe_key *k = tolk_sframe_key_new(suite, base, base_len, kid);
    assert_non_null(k);
    const uint8_t *dk, *ds;
    size_t dk_len, ds_len;
    tolk_sframe_key_material(k, &dk, &dk_len, &ds, &ds_len);
    assert_int_equal(dk_len, key_len);
    assert_memory_equal(dk, key, key_len);
    assert_int_equal(ds_len, salt_len);
    assert_memory_equal(ds, salt, salt_len);

    size_t n = tolk_sframe_encrypt(k, ctr, meta, meta_len, pt, pt_len, frame, sizeof frame);
    assert_int_equal(n, ct_len);
    assert_memory_equal(frame, ct, ct_len);
    assert_int_equal(n, tolk_sframe_overhead(k, ctr) + pt_len);
    /* The vector's AAD is the header we wrote followed by the metadata. */
    assert_int_equal(aad_len, n - pt_len - tolk_sframe_tag_len(suite) + meta_len);
    assert_memory_equal(aad, frame, aad_len - meta_len);

    size_t out_len = 0;
    assert_int_equal(
        tolk_sframe_decrypt(k, meta, meta_len, ct, ct_len, out, sizeof out, &out_len, &got_ctr), 0);
    assert_int_equal(out_len, pt_len);
    assert_memory_equal(out, pt, pt_len);
    assert_true(got_ctr == ctr);

    check_bit_flips(k, meta, meta_len, ct, ct_len);
    /* The metadata is authenticated too. */
    meta[0] ^= 1;
    assert_int_equal(
        tolk_sframe_decrypt(k, meta, meta_len, ct, ct_len, out, sizeof out, &out_len, NULL), -1);
    assert_int_equal(tolk_sframe_decrypt(k, NULL, 0, ct, ct_len, out, sizeof out, &out_len, NULL),
                     -1);
    tolk_sframe_key_free(k);
}

static void test_sframe_vectors(void **state)
{
    (void)state;
    const json_t *list = vector_list("sframe");
    size_t checked = 0, i;
    const json_t *v;
    json_array_foreach(list, i, v)
    {
        check_sframe_vector(v);
        checked++;
    }
    print_message("RFC 9605 sframe vectors checked: %zu\n", checked);
    assert_true(checked > 0);
    assert_int_equal(checked, json_array_size(list));
}

/* ---- Headers ---------------------------------------------------------------------------- */

static size_t expected_len(uint64_t v)
{
    size_t n = 0;
    if (v < 8)
        return 0;
    while (v != 0) {
        n++;
        v >>= 8;
    }
    return n;
}

/* Every boundary: 0..8, 2^(8k) - 1 and 2^(8k) for each length, and UINT64_MAX. */
static void test_header_boundaries(void **state)
{
    (void)state;
    uint64_t values[40];
    size_t nv = 0;
    for (uint64_t v = 0; v <= 8; v++)
        values[nv++] = v;
    for (unsigned bits = 8; bits < 64; bits += 8) {
        values[nv++] = ((uint64_t)1 << bits) - 1;
        values[nv++] = (uint64_t)1 << bits;
    }
    values[nv++] = UINT64_MAX;
    for (size_t a = 0; a < nv; a++) {
        for (size_t b = 0; b < nv; b++) {
            struct tolk_sframe_header h = {values[a], values[b]}, back = {0, 0};
            uint8_t buf[TOLK_SFRAME_HEADER_MAX];
            size_t n = tolk_sframe_header_encode(&h, buf);
            assert_int_equal(n, 1 + expected_len(h.kid) + expected_len(h.ctr));
            assert_int_equal(tolk_sframe_header_decode(buf, n, &back), n);
            assert_true(back.kid == h.kid && back.ctr == h.ctr);
            /* Trailing bytes (the ciphertext) are not part of the header. */
            uint8_t longer[TOLK_SFRAME_HEADER_MAX + 4] = {0};
            memcpy(longer, buf, n);
            assert_int_equal(tolk_sframe_header_decode(longer, sizeof longer, &back), n);
        }
    }
}

/* Every prefix of every possible config byte's header returns 0 without over-reading. */
static void test_truncated_headers(void **state)
{
    (void)state;
    struct tolk_sframe_header h;
    assert_int_equal(tolk_sframe_header_decode(NULL, 0, &h), 0);
    for (unsigned cfg = 0; cfg < 256; cfg++) {
        uint8_t full[TOLK_SFRAME_HEADER_MAX];
        memset(full, 0xa5, sizeof full);
        full[0] = (uint8_t)cfg;
        size_t need =
            1 + ((cfg & 0x80) ? ((cfg >> 4) & 7) + 1 : 0) + ((cfg & 0x08) ? (cfg & 7) + 1 : 0);
        for (size_t n = 0; n < need; n++) {
            uint8_t *exact = malloc(n ? n : 1);
            assert_non_null(exact);
            memcpy(exact, full, n);
            assert_int_equal(tolk_sframe_header_decode(exact, n, &h), 0);
            free(exact);
        }
        assert_int_equal(tolk_sframe_header_decode(full, need, &h), need);
    }
}

/* A non-minimal encoding decodes to the same values (the AAD still binds the exact bytes). */
static void test_non_minimal_header(void **state)
{
    (void)state;
    const uint8_t buf[] = {0x88, 0x05, 0x07};
    struct tolk_sframe_header h;
    assert_int_equal(tolk_sframe_header_decode(buf, sizeof buf, &h), 3);
    assert_true(h.kid == 5 && h.ctr == 7);
}

/* ---- Keys and frames -------------------------------------------------------------------- */

static const uint8_t base_key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const enum tolk_sframe_suite all_suites[] = {
    TOLK_SFRAME_AES_128_CTR_HMAC_SHA256_80, TOLK_SFRAME_AES_128_CTR_HMAC_SHA256_64,
    TOLK_SFRAME_AES_128_CTR_HMAC_SHA256_32, TOLK_SFRAME_AES_128_GCM_SHA256_128,
    TOLK_SFRAME_AES_256_GCM_SHA512_128,
};
#define NSUITES (sizeof all_suites / sizeof all_suites[0])

static void test_unknown_suite(void **state)
{
    (void)state;
    assert_null(tolk_sframe_key_new((enum tolk_sframe_suite)0, base_key, 16, 1));
    assert_null(tolk_sframe_key_new((enum tolk_sframe_suite)6, base_key, 16, 1));
    assert_null(tolk_sframe_key_new(TOLK_SFRAME_AES_128_GCM_SHA256_128, base_key, 0, 1));
    assert_int_equal(tolk_sframe_tag_len((enum tolk_sframe_suite)0), 0);
    assert_int_equal(tolk_sframe_tag_len(TOLK_SFRAME_AES_128_CTR_HMAC_SHA256_80), 10);
    assert_int_equal(tolk_sframe_tag_len(TOLK_SFRAME_AES_128_CTR_HMAC_SHA256_64), 8);
    assert_int_equal(tolk_sframe_tag_len(TOLK_SFRAME_AES_128_CTR_HMAC_SHA256_32), 4);
    assert_int_equal(tolk_sframe_tag_len(TOLK_SFRAME_AES_128_GCM_SHA256_128), 16);
    assert_int_equal(tolk_sframe_tag_len(TOLK_SFRAME_AES_256_GCM_SHA512_128), 16);
    tolk_sframe_key_free(NULL);
}

/* Many frames through one key: the contexts prepared once must be reusable either way. */
static void test_round_trips(void **state)
{
    (void)state;
    uint8_t pt[300], frame[BUF_MAX], out[BUF_MAX];
    for (size_t i = 0; i < sizeof pt; i++)
        pt[i] = (uint8_t)(i * 7);
    for (size_t s = 0; s < NSUITES; s++) {
        struct tolk_sframe_key *tx = tolk_sframe_key_new(all_suites[s], base_key, 32, 0x123);
        struct tolk_sframe_key *rx = tolk_sframe_key_new(all_suites[s], base_key, 32, 0x123);
        assert_true(tx != NULL && rx != NULL);
        for (size_t len = 0; len <= sizeof pt; len += 37) {
            uint64_t ctr = len * 1000003u, got_ctr = 0;
            size_t n = tolk_sframe_encrypt(tx, ctr, NULL, 0, pt, len, frame, sizeof frame);
            assert_int_equal(n, tolk_sframe_overhead(tx, ctr) + len);
            size_t out_len = 0;
            assert_int_equal(
                tolk_sframe_decrypt(rx, NULL, 0, frame, n, out, sizeof out, &out_len, &got_ctr), 0);
            assert_int_equal(out_len, len);
            assert_memory_equal(out, pt, len);
            assert_true(got_ctr == ctr);
            /* Too small an output buffer is refused, not overrun. */
            if (len > 0)
                assert_int_equal(
                    tolk_sframe_decrypt(rx, NULL, 0, frame, n, out, len - 1, &out_len, NULL), -1);
            assert_int_equal(tolk_sframe_encrypt(tx, ctr + 1, NULL, 0, pt, len, frame,
                                                 tolk_sframe_overhead(tx, ctr + 1) + len - 1),
                             0);
        }
        tolk_sframe_key_free(tx);
        tolk_sframe_key_free(rx);
    }
}

/* A frame for another KID, even under the same base key, is refused. */
static void test_wrong_kid(void **state)
{
    (void)state;
    const uint8_t pt[] = "audio";
    uint8_t frame[BUF_MAX], out[BUF_MAX];
    size_t out_len;
    for (size_t s = 0; s < NSUITES; s++) {
        struct tolk_sframe_key *a = tolk_sframe_key_new(all_suites[s], base_key, 16, 17);
        struct tolk_sframe_key *b = tolk_sframe_key_new(all_suites[s], base_key, 16, 18);
        assert_true(a != NULL && b != NULL);
        size_t n = tolk_sframe_encrypt(b, 5, NULL, 0, pt, sizeof pt, frame, sizeof frame);
        assert_true(n > 0);
        assert_int_equal(tolk_sframe_decrypt(a, NULL, 0, frame, n, out, sizeof out, &out_len, NULL),
                         -1);
        assert_int_equal(tolk_sframe_decrypt(b, NULL, 0, frame, n, out, sizeof out, &out_len, NULL),
                         0);
        tolk_sframe_key_free(a);
        tolk_sframe_key_free(b);
    }
}

/* Frames shorter than header + tag fail; exactly header + tag is an empty plaintext. */
static void test_short_frames(void **state)
{
    (void)state;
    uint8_t frame[BUF_MAX], out[BUF_MAX];
    size_t out_len;
    for (size_t s = 0; s < NSUITES; s++) {
        struct tolk_sframe_key *k = tolk_sframe_key_new(all_suites[s], base_key, 16, 300);
        assert_non_null(k);
        size_t n = tolk_sframe_encrypt(k, 70000, NULL, 0, NULL, 0, frame, sizeof frame);
        assert_int_equal(n, tolk_sframe_overhead(k, 70000));
        for (size_t len = 0; len < n; len++) {
            uint8_t *exact = malloc(len ? len : 1);
            assert_non_null(exact);
            memcpy(exact, frame, len);
            assert_int_equal(
                tolk_sframe_decrypt(k, NULL, 0, exact, len, out, sizeof out, &out_len, NULL), -1);
            free(exact);
        }
        assert_int_equal(tolk_sframe_decrypt(k, NULL, 0, frame, n, out, 0, &out_len, NULL), 0);
        assert_int_equal(out_len, 0);
        tolk_sframe_key_free(k);
    }
}

static void test_kid_helpers(void **state)
{
    (void)state;
    const uint64_t epochs[] = {0, 1, 2, 255, 65536, ((uint64_t)1 << 60) - 1};
    for (size_t e = 0; e < sizeof epochs / sizeof epochs[0]; e++) {
        for (unsigned idx = 0; idx < TOLK_SFRAME_MAX_SENDERS; idx++) {
            uint64_t kid = tolk_sframe_kid(epochs[e], idx);
            assert_true(tolk_sframe_kid_epoch(kid) == epochs[e]);
            assert_int_equal(tolk_sframe_kid_sender(kid), idx);
            struct tolk_sframe_header h = {kid, 9}, back;
            uint8_t buf[TOLK_SFRAME_HEADER_MAX];
            size_t n = tolk_sframe_header_encode(&h, buf);
            assert_int_equal(tolk_sframe_header_decode(buf, n, &back), n);
            assert_int_equal(tolk_sframe_kid_sender(back.kid), idx);
        }
    }
    /* The index is masked to its 4 bits rather than spilling into the epoch. */
    assert_true(tolk_sframe_kid(3, 16 + 5) == tolk_sframe_kid(3, 5));
    assert_true(tolk_sframe_kid(0, 7) == 7); /* epoch 0, sender < 8: a one-byte header */
}

/* ---- Replay window ---------------------------------------------------------------------- */

static void test_replay_basic(void **state)
{
    (void)state;
    struct tolk_replay r;
    tolk_replay_init(&r);
    assert_true(tolk_replay_check_and_update(&r, 0));
    assert_false(tolk_replay_check_and_update(&r, 0));
    for (uint64_t c = 1; c < 300; c++)
        assert_true(tolk_replay_check_and_update(&r, c));
    for (uint64_t c = 0; c < 300; c++)
        assert_false(tolk_replay_check_and_update(&r, c));

    /* Out of order within the window: accepted once each. */
    assert_true(tolk_replay_check_and_update(&r, 1000));
    for (uint64_t c = 998; c > 1000 - TOLK_REPLAY_WINDOW; c -= 2)
        assert_true(tolk_replay_check_and_update(&r, c));
    for (uint64_t c = 998; c > 1000 - TOLK_REPLAY_WINDOW; c -= 2)
        assert_false(tolk_replay_check_and_update(&r, c));
    assert_true(tolk_replay_check_and_update(&r, 1000 - TOLK_REPLAY_WINDOW + 1)); /* oldest */
    assert_false(tolk_replay_check_and_update(&r, 1000 - TOLK_REPLAY_WINDOW));    /* too old */
    assert_false(tolk_replay_check_and_update(&r, 1));
}

/* Moving forward by less than a word, exactly a word, and across words keeps the history. */
static void test_replay_shifts(void **state)
{
    (void)state;
    const uint64_t steps[] = {1, 5, 63, 64, 65, 100, 127};
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        struct tolk_replay r;
        tolk_replay_init(&r);
        const uint64_t base = 10000;
        for (uint64_t c = base - 100; c <= base; c += 2)
            assert_true(tolk_replay_check_and_update(&r, c));
        uint64_t top = base + steps[s];
        assert_true(tolk_replay_check_and_update(&r, top));
        for (uint64_t c = base - 100; c <= base; c++) {
            bool in_window = top - c < TOLK_REPLAY_WINDOW;
            bool seen = (c - (base - 100)) % 2 == 0;
            assert_int_equal(tolk_replay_check_and_update(&r, c), in_window && !seen);
        }
    }
}

static void test_replay_extremes(void **state)
{
    (void)state;
    struct tolk_replay r;
    tolk_replay_init(&r);
    assert_true(tolk_replay_check_and_update(&r, 5));
    assert_true(tolk_replay_check_and_update(&r, 3));
    uint64_t far = ((uint64_t)1 << 40) + 5;
    assert_true(tolk_replay_check_and_update(&r, far));
    assert_false(tolk_replay_check_and_update(&r, far));
    assert_false(tolk_replay_check_and_update(&r, 5));
    assert_false(tolk_replay_check_and_update(&r, 4)); /* never seen, but far too old */
    assert_true(tolk_replay_check_and_update(&r, far - 1));
    assert_true(tolk_replay_check_and_update(&r, far - TOLK_REPLAY_WINDOW + 1));

    assert_true(tolk_replay_check_and_update(&r, UINT64_MAX));
    assert_false(tolk_replay_check_and_update(&r, UINT64_MAX));
    assert_true(tolk_replay_check_and_update(&r, UINT64_MAX - 1));
    assert_false(tolk_replay_check_and_update(&r, far));
    assert_false(tolk_replay_check_and_update(&r, 0));

    /* The first counter may be anything, including UINT64_MAX. */
    tolk_replay_init(&r);
    assert_true(tolk_replay_check_and_update(&r, UINT64_MAX));
    assert_false(tolk_replay_check_and_update(&r, UINT64_MAX));
    assert_false(tolk_replay_check_and_update(&r, 0));
    assert_true(tolk_replay_check_and_update(&r, UINT64_MAX - TOLK_REPLAY_WINDOW + 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_vectors),     cmocka_unit_test(test_sframe_vectors),
        cmocka_unit_test(test_header_boundaries),  cmocka_unit_test(test_truncated_headers),
        cmocka_unit_test(test_non_minimal_header), cmocka_unit_test(test_unknown_suite),
        cmocka_unit_test(test_round_trips),        cmocka_unit_test(test_wrong_kid),
        cmocka_unit_test(test_short_frames),       cmocka_unit_test(test_kid_helpers),
        cmocka_unit_test(test_replay_basic),       cmocka_unit_test(test_replay_shifts),
        cmocka_unit_test(test_replay_extremes),
    };
    return cmocka_run_group_tests(tests, load_vectors, free_vectors);
}
