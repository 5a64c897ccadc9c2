/*
 * The client-side mixer: several decoded streams, each with its own gain, summed into one.
 *
 * Internal to libtolk. Because audio is end-to-end encrypted the broker cannot mix; it sends
 * gain hints (e.g. the original floor ducked under the interpretation) and each client mixes
 * here. Pure: no state, no allocation, any thread.
 */
#ifndef TOLK_MIXER_H
#define TOLK_MIXER_H

#include <stddef.h>
#include <stdint.h>

/*
 * The linear gain for DB decibels: 10^(DB/20). 0 dB is 1.0, -6 dB about 0.5; anything at or
 * below -120 dB (and NaN) is exactly 0, i.e. muted. Values above +24 dB are taken as +24 dB.
 */
float tolk_gain_from_db(float db);

/*
 * Mixes N_INPUTS streams of SAMPLES samples into OUT: out[i] = sum of gains[k] * inputs[k][i],
 * rounded to the nearest integer and clamped to the int16 range (no soft clipping).
 * GAINS may be NULL (every gain 1.0); a non-finite gain counts as 0. A NULL entry in INPUTS is
 * a silent stream. OUT may be one of the inputs (mixing in place). With N_INPUTS = 0, OUT is
 * silence. The caller owns every buffer.
 */
void tolk_mix(const int16_t *const *inputs, const float *gains, size_t n_inputs, size_t samples,
              int16_t *out);

#endif
