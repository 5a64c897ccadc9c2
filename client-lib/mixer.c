/*
 * The mixer: see mixer.h. Sums in float, a block at a time, so that each input is read in one
 * straight pass (cache- and vector-friendly) and no buffer is allocated.
 */
#include "mixer.h"

#include <math.h>

#define BLOCK       256 /* samples summed per pass; 1 KiB of stack */
#define MUTE_DB     -120.0f
#define MAX_GAIN_DB 24.0f

float tolk_gain_from_db(float db)
{
    if (!(db > MUTE_DB)) /* also catches NaN */
        return 0.0f;
    if (db > MAX_GAIN_DB)
        db = MAX_GAIN_DB;
    return powf(10.0f, db / 20.0f);
}

float tolk_gain_from_cb(int cb)
{
    return cb == TOLK_MIX_MUTED_CB ? 0.0f : tolk_gain_from_db((float)cb / 10.0f);
}

/* Rounds half away from zero and clamps. NaN (huge gains of opposite signs) becomes 0. */
static int16_t to_int16(float v)
{
    if (isnan(v))
        return 0;
    if (v >= 32767.0f)
        return INT16_MAX;
    if (v <= -32768.0f)
        return INT16_MIN;
    return (int16_t)(v >= 0.0f ? v + 0.5f : v - 0.5f);
}

/* Stream K's gain in the table G; NULL means unity for all, a non-finite gain counts as 0. */
static float gain_at(const float *g, size_t k)
{
    if (g == NULL)
        return 1.0f;
    return isfinite(g[k]) ? g[k] : 0.0f;
}

/* Adds stream IN (N samples from START of SAMPLES) into ACC at a gain ramping from G0 to G1
 * across the whole block of SAMPLES; a constant gain when they are equal. */
static void accumulate(float *acc, const int16_t *in, size_t start, size_t n, size_t samples,
                       float g0, float g1)
{
    if (g0 == g1) {
        for (size_t i = 0; i < n; i++)
            acc[i] += g0 * (float)in[i];
        return;
    }
    float step = (g1 - g0) / (float)samples;
    for (size_t i = 0; i < n; i++)
        acc[i] += (g0 + step * (float)(start + i + 1)) * (float)in[i];
}

/* tolk_mix_ramp, with FROM = TO = NULL standing for unity gains. */
static void mix(const int16_t *const *inputs, const float *from, const float *to, size_t n_inputs,
                size_t samples, int16_t *out)
{
    float acc[BLOCK];
    for (size_t start = 0; start < samples; start += BLOCK) {
        size_t n = samples - start < BLOCK ? samples - start : BLOCK;
        for (size_t i = 0; i < n; i++)
            acc[i] = 0.0f;
        for (size_t k = 0; k < n_inputs; k++) {
            float g0 = gain_at(from, k), g1 = gain_at(to, k);
            if (inputs[k] == NULL || (g0 == 0.0f && g1 == 0.0f))
                continue;
            accumulate(acc, inputs[k] + start, start, n, samples, g0, g1);
        }
        for (size_t i = 0; i < n; i++)
            out[start + i] = to_int16(acc[i]);
    }
}

void tolk_mix(const int16_t *const *inputs, const float *gains, size_t n_inputs, size_t samples,
              int16_t *out)
{
    mix(inputs, gains, gains, n_inputs, samples, out);
}

void tolk_mix_ramp(const int16_t *const *inputs, const float *from, const float *to,
                   size_t n_inputs, size_t samples, int16_t *out)
{
    mix(inputs, from, to, n_inputs, samples, out);
}

void tolk_mix_gains_set(struct tolk_mix_gains *g, unsigned s, int cb)
{
    if (s < TOLK_MIX_MAX)
        g->target[s] = tolk_gain_from_cb(cb);
}

void tolk_mix_gains_mix(struct tolk_mix_gains *g, const int16_t *const inputs[TOLK_MIX_MAX],
                        size_t samples, int16_t *out)
{
    tolk_mix_ramp(inputs, g->now, g->target, TOLK_MIX_MAX, samples, out);
    for (size_t s = 0; s < TOLK_MIX_MAX; s++)
        g->now[s] = g->target[s];
}
