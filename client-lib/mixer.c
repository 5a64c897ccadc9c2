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

static float sanitised_gain(const float *gains, size_t k)
{
    if (gains == NULL)
        return 1.0f;
    return isfinite(gains[k]) ? gains[k] : 0.0f;
}

void tolk_mix(const int16_t *const *inputs, const float *gains, size_t n_inputs, size_t samples,
              int16_t *out)
{
    float acc[BLOCK];
    for (size_t start = 0; start < samples; start += BLOCK) {
        size_t n = samples - start < BLOCK ? samples - start : BLOCK;
        for (size_t i = 0; i < n; i++)
            acc[i] = 0.0f;
        for (size_t k = 0; k < n_inputs; k++) {
            float g = sanitised_gain(gains, k);
            if (inputs[k] == NULL || g == 0.0f)
                continue;
            const int16_t *in = inputs[k] + start;
            for (size_t i = 0; i < n; i++)
                acc[i] += g * (float)in[i];
        }
        for (size_t i = 0; i < n; i++)
            out[start + i] = to_int16(acc[i]);
    }
}
