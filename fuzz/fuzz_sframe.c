/*
 * Fuzz target: the media frame (proto/sframe.c), as the broker and libtolk receive it.
 *
 * The input is one binary WebSocket message. What is checked:
 *   - tolk_sframe_header_decode(), the broker's only look into a frame (broker/relay.c reads
 *     the sender and epoch from the KID it returns), never reads past the frame and returns a
 *     length within it; re-encoding the header it read gives a header that decodes to the same
 *     KID and CTR and is no longer than the original (decoding accepts non-minimal encodings,
 *     encoding is minimal);
 *   - the KID splits into sender and epoch and joins back (tolk_sframe_kid);
 *   - tolk_sframe_decrypt(), libtolk's receive path, under every cipher suite with a fixed key
 *     whose KID is the frame's, refuses the forgery (or, should the input be a real frame,
 *     opens it) without touching memory it must not;
 *   - the replay window takes the input, 8 bytes at a time, as a run of counters and never
 *     accepts one twice.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FRAME_MAX 65536 /* the broker's default max_message_bytes */

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_sframe: %s\n", what);
        abort();
    }
}

static void header(const uint8_t *data, size_t size, struct tolk_sframe_header *h, size_t *hl)
{
    uint8_t out[TOLK_SFRAME_HEADER_MAX];
    struct tolk_sframe_header again;

    /* A copy of exactly SIZE bytes, so that ASan sees any read past the end. */
    uint8_t *copy = malloc(size ? size : 1);
    check(copy != NULL, "out of memory");
    memcpy(copy, data, size);
    *hl = tolk_sframe_header_decode(copy, size, h);
    free(copy);
    check(*hl <= size && *hl <= TOLK_SFRAME_HEADER_MAX, "header length past the frame");
    if (*hl == 0)
        return;
    size_t n = tolk_sframe_header_encode(h, out);
    check(n >= 1 && n <= *hl, "re-encoded header longer than the one read");
    check(tolk_sframe_header_decode(out, n, &again) == n, "re-encoded header does not decode");
    check(again.kid == h->kid && again.ctr == h->ctr, "re-encoded header decodes differently");
    unsigned sender = tolk_sframe_kid_sender(h->kid);
    check(sender < TOLK_SFRAME_MAX_SENDERS, "sender index out of range");
    if (tolk_sframe_kid_epoch(h->kid) < (UINT64_C(1) << (64 - TOLK_SFRAME_INDEX_BITS)))
        check(tolk_sframe_kid(tolk_sframe_kid_epoch(h->kid), sender) == h->kid,
              "KID does not split and join back");
}

/*
 * The key is RFC 9605's test-vector base key and the metadata its vectors' (Tolk itself sends
 * none), so that the published frames in the seed corpus open and the success path is fuzzed
 * too. Keys are derived once per KID and suite and kept until the KID changes: derivation is a
 * pure function of the KID, so a run is still reproducible input by input.
 */
static void decrypt_all_suites(const uint8_t *data, size_t size, uint64_t kid)
{
    static const uint8_t base[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    static const char metadata[] = "IETF SFrame WG";
    static const enum tolk_sframe_suite suites[] = {
        TOLK_SFRAME_AES_128_CTR_HMAC_SHA256_80, TOLK_SFRAME_AES_128_CTR_HMAC_SHA256_64,
        TOLK_SFRAME_AES_128_CTR_HMAC_SHA256_32, TOLK_SFRAME_AES_128_GCM_SHA256_128,
        TOLK_SFRAME_AES_256_GCM_SHA512_128};
    enum { NSUITES = sizeof suites / sizeof suites[0] };
    static struct tolk_sframe_key *keys[NSUITES];
    static uint64_t key_kid;
    static uint8_t out[FRAME_MAX];

    if (keys[0] == NULL || key_kid != kid) {
        for (size_t i = 0; i < NSUITES; i++) {
            tolk_sframe_key_free(keys[i]);
            keys[i] = tolk_sframe_key_new(suites[i], base, sizeof base, kid);
            check(keys[i] != NULL, "key derivation failed");
        }
        key_kid = kid;
    }
    uint8_t *frame = malloc(size);
    check(frame != NULL, "out of memory");
    memcpy(frame, data, size);
    for (size_t i = 0; i < NSUITES; i++) {
        size_t pt_len = 0;
        uint64_t ctr = 0;
        /* The output buffer is a little short now and then, to test that bound too. */
        size_t cap = (size & 1) ? size / 2 : sizeof out;
        if (tolk_sframe_decrypt(keys[i], (const uint8_t *)metadata, sizeof metadata - 1, frame,
                                size, out, cap, &pt_len, &ctr) == 0)
            check(pt_len <= cap && pt_len < size, "plaintext longer than the frame");
    }
    free(frame);
}

static void replay(const uint8_t *data, size_t size)
{
    struct tolk_replay r;
    uint64_t seen[64];
    size_t nseen = 0;

    tolk_replay_init(&r);
    for (size_t at = 0; at + 8 <= size && nseen < 64; at += 8) {
        uint64_t ctr;
        memcpy(&ctr, data + at, 8);
        /* Small steps most of the time, so that the window is exercised, not just reset. */
        if (data[at] & 1)
            ctr = (ctr >> 1) % 512;
        bool dup = false;
        for (size_t i = 0; i < nseen; i++)
            dup |= seen[i] == ctr;
        bool took = tolk_replay_check_and_update(&r, ctr);
        check(!(took && dup), "replay window accepted a counter twice");
        if (took)
            seen[nseen++] = ctr;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tolk_sframe_header h = {0, 0};
    size_t hl;

    if (size > FRAME_MAX)
        return 0;
    header(data, size, &h, &hl);
    if (hl != 0 && size > 0)
        decrypt_all_suites(data, size, h.kid);
    replay(data, size);
    return 0;
}
