/*
 * The client-side mixer: several decoded streams, each with its own gain, summed into one.
 *
 * Internal to libtolk. Because audio is end-to-end encrypted the broker cannot mix; it tells
 * each receiver, in every state message, the gain at which to hear each sender (e.g. the
 * original floor ducked under the interpretation), and each client mixes here. Pure: no
 * state of its own, no allocation, any thread.
 */
#ifndef TOLK_MIXER_H
#define TOLK_MIXER_H

#include <stddef.h>
#include <stdint.h>

#define TOLK_MIX_MAX      16        /* senders in one session (participant indices 0..15) */
#define TOLK_MIX_MUTED_CB INT16_MIN /* the gain of a sender that is not routed to us */

/*
 * The linear gain for DB decibels: 10^(DB/20). 0 dB is 1.0, -6 dB about 0.5; anything at or
 * below -120 dB (and NaN) is exactly 0, i.e. muted. Values above +24 dB are taken as +24 dB.
 */
float tolk_gain_from_db(float db);

/* The linear gain for CB centibels (tenths of a dB, as the state message gives gains): 0 cB
 * is 1.0, -150 cB about 0.178; TOLK_MIX_MUTED_CB is exactly 0. */
float tolk_gain_from_cb(int cb);

/*
 * Mixes N_INPUTS streams of SAMPLES samples into OUT: out[i] = sum of gains[k] * inputs[k][i],
 * rounded to the nearest integer and clamped to the int16 range (no soft clipping).
 * GAINS may be NULL (every gain 1.0); a non-finite gain counts as 0. A NULL entry in INPUTS is
 * a silent stream. OUT may be one of the inputs (mixing in place). With N_INPUTS = 0, OUT is
 * silence. The caller owns every buffer.
 */
void tolk_mix(const int16_t *const *inputs, const float *gains, size_t n_inputs, size_t samples,
              int16_t *out);

/*
 * As tolk_mix, but stream k's gain moves linearly across the block from FROM[k] (just before
 * the first sample) to TO[k] (at the last sample): a gain change heard within one frame and
 * without a click. Where FROM[k] equals TO[k] the result is exactly tolk_mix's. FROM and TO
 * must not be NULL.
 */
void tolk_mix_ramp(const int16_t *const *inputs, const float *from, const float *to,
                   size_t n_inputs, size_t samples, int16_t *out);

/*
 * Per-sender gains that follow the broker's state messages: tolk_mix_gains_set() records the
 * newest gain of a sender; each tolk_mix_gains_mix() ramps every sender from the gain the last
 * frame ended at to the newest one, so a change applies from the next frame on. Zeroed, every
 * sender is muted.
 */
struct tolk_mix_gains {
    float now[TOLK_MIX_MAX];    /* the gain the last mixed frame ended at */
    float target[TOLK_MIX_MAX]; /* the newest gain set */
};

/* Sender S (< TOLK_MIX_MAX) is to be heard at CB centibels (TOLK_MIX_MUTED_CB: not at all). */
void tolk_mix_gains_set(struct tolk_mix_gains *g, unsigned s, int cb);

/* Mixes one frame: INPUTS[s] is sender s's decoded frame (NULL: silence), s < TOLK_MIX_MAX. */
void tolk_mix_gains_mix(struct tolk_mix_gains *g, const int16_t *const inputs[TOLK_MIX_MAX],
                        size_t samples, int16_t *out);

#endif
