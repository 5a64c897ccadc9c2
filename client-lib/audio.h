/*
 * libtolk's Opus wrappers: one encoder for the local microphone, one decoder per remote sender.
 *
 * Internal to libtolk (not public API). Everything here is 48 kHz mono int16 PCM. Objects are
 * allocated once, at creation; encoding and decoding a frame allocate nothing. Single-threaded:
 * one object must not be used by two threads at once, but distinct objects are independent.
 * Functions return 0 (or a length or a sample count) or a negative TOLK_E* code from tolk.h.
 *
 * Why these settings (PRODUCT.md: cheap on data, robust on bad networks, cheap phones):
 *   - OPUS_APPLICATION_VOIP and OPUS_SIGNAL_VOICE favour SILK, which speech needs at low rates;
 *   - in-band FEC is on with an expected loss of 10 %, so a packet can carry a coarse copy of
 *     the previous frame. libopus 1.3.1 adds it only in SILK and hybrid modes, and only when
 *     the bitrate leaves room (decide_fec() in opus_encoder.c): with these settings from about
 *     18.5 kbit/s up, narrowing the audio band to make room. At the default 16 kbit/s and the
 *     low-data 12 kbit/s packets carry no FEC, and tolk_dec_recover() falls back to
 *     concealment: still a full frame, so callers need not care;
 *   - constant bitrate (OPUS_SET_VBR(0)): every packet of a stream has the same length, so
 *     the lengths that the broker and the network see say nothing about what is said
 *     (variable-bitrate packet lengths leak phonemes and phrases; RFC 6562). DTX, when a caller
 *     turns it on, still shows when someone is silent;
 *   - complexity 5 halves the CPU cost of the default 10 for a small quality loss;
 *   - the low-data preset uses 60 ms frames: one third of the per-packet overhead (E2EE header,
 *     WebSocket framing, TLS record) of 20 ms frames.
 */
#ifndef TOLK_AUDIO_H
#define TOLK_AUDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOLK_AUDIO_RATE        48000 /* samples per second, everywhere in libtolk */
#define TOLK_AUDIO_MIN_BITRATE 6000
#define TOLK_AUDIO_MAX_BITRATE 64000
/* The largest packet the encoder makes (one Opus frame's maximum); jitter.h relies on it. */
#define TOLK_AUDIO_MAX_PACKET 1275
/* The longest frame, 60 ms; a PCM buffer of this many samples holds any decoded packet. */
#define TOLK_AUDIO_MAX_FRAME_SAMPLES 2880
/* Concealment and recovery work in multiples of 2.5 ms. */
#define TOLK_AUDIO_GRANULE_SAMPLES 120

struct tolk_audio_params {
    int bitrate;  /* bits per second, TOLK_AUDIO_MIN_BITRATE..TOLK_AUDIO_MAX_BITRATE */
    int frame_ms; /* 20, 40 or 60 */
    bool dtx;     /* discontinuous transmission: near-empty packets during silence */
};

/* 16000 bit/s, 20 ms frames, no DTX: the normal mode. */
struct tolk_audio_params tolk_audio_params_default(void);

/* 12000 bit/s, 60 ms frames, no DTX: for expensive or poor mobile data. */
struct tolk_audio_params tolk_audio_params_low_data(void);

/* 0 if P is within the ranges above, TOLK_EINVAL otherwise. */
int tolk_audio_params_check(const struct tolk_audio_params *p) __attribute__((nonnull));

/* The number of samples in one frame of FRAME_MS at 48 kHz, or 0 if FRAME_MS is not allowed. */
int tolk_audio_frame_samples(int frame_ms);

struct tolk_enc;

/*
 * Creates an encoder with PARAMS (copied; the caller keeps its struct) and stores it in *OUT.
 * Returns 0, TOLK_EINVAL if the parameters are out of range (then *OUT is NULL), or
 * TOLK_ENOMEM. The caller frees the encoder with tolk_enc_free().
 */
int tolk_enc_new(const struct tolk_audio_params *params, struct tolk_enc **out)
    __attribute__((nonnull, warn_unused_result));

/* Frees ENC and everything it holds. NULL is a no-op. */
void tolk_enc_free(struct tolk_enc *enc);

/* The number of samples tolk_enc_encode() takes per call (960, 1920 or 2880). */
int tolk_enc_frame_samples(const struct tolk_enc *enc) __attribute__((nonnull));

/*
 * Encodes one frame: exactly tolk_enc_frame_samples() samples at PCM, into OUT, which has room
 * for CAP bytes. Never writes more than TOLK_AUDIO_MAX_PACKET bytes, so a buffer of that size
 * always suffices. Returns the packet length (at least 1), TOLK_EINVAL if CAP is too small, or
 * another negative code if libopus fails. With DTX on, a length of 1 or 2 marks a silent frame
 * that need not be sent; the sender still counts it in its frame counter (see jitter.h).
 */
int tolk_enc_encode(struct tolk_enc *enc, const int16_t *pcm, uint8_t *out, size_t cap)
    __attribute__((nonnull, warn_unused_result));

struct tolk_dec;

/*
 * Creates a decoder for one remote sender (48 kHz mono) and stores it in *OUT. Returns 0 or
 * TOLK_ENOMEM. The caller frees it with tolk_dec_free(). A decoder keeps state between frames:
 * feed it one sender's frames in order, one call per frame (decode, conceal or recover).
 */
int tolk_dec_new(struct tolk_dec **out) __attribute__((nonnull, warn_unused_result));

/* Frees DEC. NULL is a no-op. */
void tolk_dec_free(struct tolk_dec *dec);

/*
 * Decodes packet PKT of LEN bytes (1..TOLK_AUDIO_MAX_PACKET) into PCM, which has room for
 * MAX_SAMPLES samples (TOLK_AUDIO_MAX_FRAME_SAMPLES always suffices). Returns the number of
 * samples written, TOLK_EINVAL if an argument is out of range or PCM is too small for the
 * packet, or TOLK_EPROTO if the packet is corrupt.
 */
int tolk_dec_decode(struct tolk_dec *dec, const uint8_t *pkt, size_t len, int16_t *pcm,
                    int max_samples) __attribute__((nonnull, warn_unused_result));

/*
 * Packet loss concealment: writes SAMPLES samples (a multiple of TOLK_AUDIO_GRANULE_SAMPLES,
 * at most TOLK_AUDIO_MAX_FRAME_SAMPLES; normally the lost frame's length) extrapolated from the
 * audio decoded so far, fading to silence over long gaps. Returns SAMPLES or a negative code.
 */
int tolk_dec_conceal(struct tolk_dec *dec, int16_t *pcm, int samples)
    __attribute__((nonnull, warn_unused_result));

/*
 * Forward error correction: rebuilds the lost frame that precedes NEXT_PKT from the redundant
 * copy NEXT_PKT may carry, writing SAMPLES samples (the lost frame's length, rules as for
 * tolk_dec_conceal). If NEXT_PKT carries no redundancy (CELT mode, or the encoder chose not
 * to), libopus conceals instead, so the result is always a full frame. Afterwards the caller
 * still decodes NEXT_PKT itself, with tolk_dec_decode(), in its own turn. Returns SAMPLES or a
 * negative code (TOLK_EPROTO if NEXT_PKT is corrupt).
 */
int tolk_dec_recover(struct tolk_dec *dec, const uint8_t *next_pkt, size_t len, int16_t *pcm,
                     int samples) __attribute__((nonnull, warn_unused_result));

#endif
