/*
 * Unit tests for client-lib/audio (Opus wrappers), client-lib/mixer and client-lib/wav.
 *
 * Audio quality is checked on a synthetic speech-like signal: a harmonic series up to 3.8 kHz
 * whose pitch glides between about 80 and 215 Hz, weighted by three formants (500, 1500 and
 * 2500 Hz, so that the fundamental is weak, as in speech), shaped into 3.5 syllables a second,
 * with a 70 ms noise burst (a fricative) every 0.6 s. The decoded signal is aligned to the
 * input (the codec's delay is found by cross-correlation) and its signal-to-noise ratio
 * measured. Opus is a perceptual codec, not a waveform coder: SILK's noise shaping holds the
 * SNR near 10 dB whatever the bitrate, so the thresholds below are modest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio.h"
#include "mixer.h"
#include "tolk.h"
#include "wav.h"

#define RATE        TOLK_AUDIO_RATE
#define SIGNAL_SECS 3
#define SIGNAL_LEN  ((size_t)SIGNAL_SECS * RATE)
#define MAX_LAG     800 /* samples searched for the codec delay (libopus: 312 at 48 kHz) */
#define PI          3.14159265358979323846

static int16_t *speech; /* SIGNAL_LEN samples, made once by the group setup */

/* Deterministic pseudo-random numbers (xorshift32), so that failures reproduce. */
static uint32_t rng_state = 88172645u;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void make_speech(int16_t *out, size_t n)
{
    double ph = 0.0;
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / RATE;
        double f0 = 140.0 + 60.0 * sin(2 * PI * 0.7 * t) + 15.0 * sin(2 * PI * 3.1 * t);
        ph = fmod(ph + 2 * PI * f0 / RATE, 2 * PI);
        double voiced = 0.0;
        for (int k = 1; k * f0 < 3800.0; k++) {
            double h = k * f0;
            double amp = 1.0 / (1.0 + pow((h - 500.0) / 120.0, 2)) +
                         0.6 / (1.0 + pow((h - 1500.0) / 160.0, 2)) +
                         0.3 / (1.0 + pow((h - 2500.0) / 200.0, 2));
            voiced += amp * sin(k * ph);
        }
        double syllable = 0.55 - 0.45 * cos(2 * PI * 3.5 * t);
        double v = voiced * syllable;
        if (fmod(t, 0.6) >= 0.45 && fmod(t, 0.6) < 0.52) /* a fricative */
            v = ((double)(rnd() % 20001) - 10000.0) / 20000.0;
        out[i] = (int16_t)lrint(5000.0 * v);
    }
}

static int setup_group(void **state)
{
    (void)state;
    speech = malloc(SIGNAL_LEN * sizeof *speech);
    if (speech == NULL)
        return -1;
    make_speech(speech, SIGNAL_LEN);
    return 0;
}

static int teardown_group(void **state)
{
    (void)state;
    free(speech);
    return 0;
}

/*
 * The SNR in dB of DECODED against REF (both N samples), after shifting DECODED by the lag in
 * 0..MAX_LAG that correlates best. The first 0.2 s (codec start-up) is left out.
 */
static double aligned_snr(const int16_t *ref, const int16_t *decoded, size_t n)
{
    size_t start = RATE / 5, len = n - start - MAX_LAG;
    size_t best_lag = 0;
    double best = -INFINITY;
    for (size_t lag = 0; lag <= MAX_LAG; lag++) {
        double c = 0.0;
        for (size_t i = start; i < start + len; i += 2)
            c += (double)ref[i] * decoded[i + lag];
        if (c > best) {
            best = c;
            best_lag = lag;
        }
    }
    double sig = 0.0, noise = 0.0;
    for (size_t i = start; i < start + len; i++) {
        double d = (double)ref[i] - decoded[i + best_lag];
        sig += (double)ref[i] * ref[i];
        noise += d * d;
    }
    return 10.0 * log10(sig / (noise > 0.0 ? noise : 1e-9));
}

static void test_params(void **state)
{
    (void)state;
    struct tolk_audio_params p = tolk_audio_params_default();
    assert_int_equal(p.bitrate, 16000);
    assert_int_equal(p.frame_ms, 20);
    assert_false(p.dtx);
    assert_int_equal(tolk_audio_params_check(&p), 0);
    p = tolk_audio_params_low_data();
    assert_int_equal(p.bitrate, 12000);
    assert_int_equal(p.frame_ms, 60);
    assert_int_equal(tolk_audio_params_check(&p), 0);

    const struct tolk_audio_params bad[] = {
        {5999, 20, false},  {64001, 20, false}, {0, 20, false},    {-16000, 20, false},
        {16000, 10, false}, {16000, 30, false}, {16000, 0, false}, {16000, 120, false},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct tolk_enc *enc = (struct tolk_enc *)1;
        assert_int_equal(tolk_audio_params_check(&bad[i]), TOLK_EINVAL);
        assert_int_equal(tolk_enc_new(&bad[i], &enc), TOLK_EINVAL);
        assert_null(enc);
    }
    const struct tolk_audio_params edge[] = {{6000, 40, true}, {64000, 60, false}};
    for (size_t i = 0; i < 2; i++) {
        struct tolk_enc *enc;
        assert_int_equal(tolk_enc_new(&edge[i], &enc), 0);
        assert_int_equal(tolk_enc_frame_samples(enc), edge[i].frame_ms * 48);
        tolk_enc_free(enc);
    }
    tolk_enc_free(NULL);
    tolk_dec_free(NULL);
    assert_int_equal(tolk_audio_frame_samples(20), 960);
    assert_int_equal(tolk_audio_frame_samples(60), 2880);
    assert_int_equal(tolk_audio_frame_samples(25), 0);
}

/*
 * Encodes the whole speech signal and decodes it; returns the SNR and the mean packet size, and
 * whether every packet had the same length (constant bitrate).
 */
static double round_trip(int bitrate, int frame_ms, double *mean_bytes, bool *constant)
{
    const struct tolk_audio_params p = {bitrate, frame_ms, false};
    struct tolk_enc *enc;
    struct tolk_dec *dec;
    assert_int_equal(tolk_enc_new(&p, &enc), 0);
    assert_int_equal(tolk_dec_new(&dec), 0);
    size_t fs = (size_t)tolk_enc_frame_samples(enc), frames = SIGNAL_LEN / fs;
    int16_t *out = calloc(SIGNAL_LEN, sizeof *out);
    assert_non_null(out);
    uint8_t pkt[TOLK_AUDIO_MAX_PACKET];
    size_t total = 0;
    int first = -1;
    *constant = true;
    for (size_t f = 0; f < frames; f++) {
        int n = tolk_enc_encode(enc, speech + f * fs, pkt, sizeof pkt);
        assert_true(n > 0 && n <= TOLK_AUDIO_MAX_PACKET);
        total += (size_t)n;
        if (first < 0)
            first = n;
        *constant = *constant && n == first;
        int got = tolk_dec_decode(dec, pkt, (size_t)n, out + f * fs, TOLK_AUDIO_MAX_FRAME_SAMPLES);
        assert_int_equal(got, (int)fs);
    }
    *mean_bytes = (double)total / (double)frames;
    double snr = aligned_snr(speech, out, frames * fs);
    free(out);
    tolk_enc_free(enc);
    tolk_dec_free(dec);
    return snr;
}

/*
 * Every frame size at the lowest, default and highest bitrate. Thresholds: SNR at least 1.5 dB
 * at 6 kbit/s (narrowband), 7 dB at 16 and 64 kbit/s (measured with libopus 1.3.1 at constant
 * bitrate: 1.9-4.0, 9.5-9.8 and 9.4 dB; variable bitrate gave 3.5 dB at 6 kbit/s and 20 ms, the
 * price of hiding speech in packet lengths at the lowest rate), and 16 kbit/s at least 3 dB
 * better than 6 kbit/s; mean packet size within 0.6..1.15 times bitrate x frame duration; and
 * every packet the same length (constant bitrate: packet lengths must not tell an observer
 * what is said).
 */
static void test_encode_decode_quality(void **state)
{
    (void)state;
    const int rates[] = {6000, 16000, 64000};
    const double min_snr[] = {1.5, 7.0, 7.0};
    double snr_20ms[3];
    const int frames_ms[] = {20, 40, 60};
    for (size_t r = 0; r < 3; r++) {
        for (size_t f = 0; f < 3; f++) {
            double bytes;
            bool constant;
            double snr = round_trip(rates[r], frames_ms[f], &bytes, &constant);
            double expect = rates[r] * frames_ms[f] / 8000.0;
            print_message("%5d bit/s %2d ms: SNR %5.1f dB, %6.1f bytes/packet (nominal %5.1f)\n",
                          rates[r], frames_ms[f], snr, bytes, expect);
            assert_true(snr >= min_snr[r]);
            assert_true(bytes >= 0.6 * expect && bytes <= 1.15 * expect);
            assert_true(constant);
            if (f == 0)
                snr_20ms[r] = snr;
        }
    }
    assert_true(snr_20ms[1] >= snr_20ms[0] + 3.0);
}

static void test_encode_decode_arguments(void **state)
{
    (void)state;
    struct tolk_audio_params p = tolk_audio_params_low_data();
    struct tolk_enc *enc;
    struct tolk_dec *dec;
    assert_int_equal(tolk_enc_new(&p, &enc), 0);
    assert_int_equal(tolk_dec_new(&dec), 0);
    uint8_t pkt[TOLK_AUDIO_MAX_PACKET];
    assert_int_equal(tolk_enc_encode(enc, speech, pkt, 0), TOLK_EINVAL);
    int n = tolk_enc_encode(enc, speech, pkt, sizeof pkt);
    assert_true(n > 0);
    int16_t pcm[TOLK_AUDIO_MAX_FRAME_SAMPLES];
    assert_int_equal(tolk_dec_decode(dec, pkt, (size_t)n, pcm, 960), TOLK_EINVAL); /* too small */
    assert_int_equal(tolk_dec_decode(dec, pkt, 0, pcm, 2880), TOLK_EINVAL);
    assert_int_equal(tolk_dec_decode(dec, pkt, TOLK_AUDIO_MAX_PACKET + 1, pcm, 2880), TOLK_EINVAL);
    assert_int_equal(tolk_dec_decode(dec, pkt, (size_t)n, pcm, 2880), 2880);
    const uint8_t corrupt[] = {0x03, 0x00}; /* code 3 packet announcing zero frames */
    assert_int_equal(tolk_dec_decode(dec, corrupt, sizeof corrupt, pcm, 2880), TOLK_EPROTO);
    assert_int_equal(tolk_dec_conceal(dec, pcm, 0), TOLK_EINVAL);
    assert_int_equal(tolk_dec_conceal(dec, pcm, 100), TOLK_EINVAL);
    assert_int_equal(tolk_dec_conceal(dec, pcm, 2880 + 120), TOLK_EINVAL);
    assert_int_equal(tolk_dec_recover(dec, pkt, 0, pcm, 960), TOLK_EINVAL);
    assert_int_equal(tolk_dec_recover(dec, pkt, (size_t)n, pcm, 1000), TOLK_EINVAL);
    assert_int_equal(tolk_dec_recover(dec, corrupt, sizeof corrupt, pcm, 960), TOLK_EPROTO);
    tolk_enc_free(enc);
    tolk_dec_free(dec);
}

static double frame_error(const int16_t *a, const int16_t *b, size_t n)
{
    double e = 0.0;
    for (size_t i = 0; i < n; i++)
        e += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return e;
}

/*
 * Every 10th frame is lost. One decoder rebuilds it from the next packet's FEC, another
 * conceals it. Both must always produce full frames. Against the loss-free decode, FEC must
 * come out clearly closer than concealment where the encoder adds FEC: libopus 1.3.1 does so
 * only above about 18 kbit/s with our settings (decide_fec() in opus_encoder.c), so at the
 * default 16 kbit/s and in low-data mode tolk_dec_recover() conceals, which is still a full
 * frame. Returns the ratio of the FEC error to the concealment error.
 */
static double lost_frame_error_ratio(int bitrate)
{
    const struct tolk_audio_params p = {bitrate, 20, false};
    struct tolk_enc *enc;
    struct tolk_dec *ref, *fec, *plc;
    assert_int_equal(tolk_enc_new(&p, &enc), 0);
    assert_int_equal(tolk_dec_new(&ref), 0);
    assert_int_equal(tolk_dec_new(&fec), 0);
    assert_int_equal(tolk_dec_new(&plc), 0);
    const size_t fs = 960, frames = SIGNAL_LEN / fs;
    static uint8_t pkts[SIGNAL_LEN / 960][TOLK_AUDIO_MAX_PACKET];
    int lens[SIGNAL_LEN / 960];
    for (size_t f = 0; f < frames; f++) {
        lens[f] = tolk_enc_encode(enc, speech + f * fs, pkts[f], TOLK_AUDIO_MAX_PACKET);
        assert_true(lens[f] > 0);
    }
    double e_fec = 0.0, e_plc = 0.0;
    int16_t want[960], a[960], b[960];
    for (size_t f = 0; f + 1 < frames; f++) {
        assert_int_equal(tolk_dec_decode(ref, pkts[f], (size_t)lens[f], want, 960), 960);
        if (f >= 10 && f % 10 == 0) {
            assert_int_equal(tolk_dec_recover(fec, pkts[f + 1], (size_t)lens[f + 1], a, 960), 960);
            assert_int_equal(tolk_dec_conceal(plc, b, 960), 960);
            e_fec += frame_error(want, a, fs);
            e_plc += frame_error(want, b, fs);
        } else {
            assert_int_equal(tolk_dec_decode(fec, pkts[f], (size_t)lens[f], a, 960), 960);
            assert_int_equal(tolk_dec_decode(plc, pkts[f], (size_t)lens[f], b, 960), 960);
        }
    }
    print_message("%5d bit/s: lost-frame error energy FEC %.3g, PLC %.3g\n", bitrate, e_fec, e_plc);
    /* A long gap: concealment keeps producing full frames (fading out). */
    int16_t gap[TOLK_AUDIO_MAX_FRAME_SAMPLES];
    for (int i = 0; i < 50; i++)
        assert_int_equal(tolk_dec_conceal(plc, gap, 2880), 2880);
    tolk_enc_free(enc);
    tolk_dec_free(ref);
    tolk_dec_free(fec);
    tolk_dec_free(plc);
    return e_fec / e_plc;
}

static void test_plc_and_fec(void **state)
{
    (void)state;
    assert_true(lost_frame_error_ratio(24000) < 0.5);
    assert_true(lost_frame_error_ratio(16000) <= 1.0);
}

/* With DTX, silence after speech shrinks to packets of at most 2 bytes. */
static void test_dtx_silence(void **state)
{
    (void)state;
    struct tolk_audio_params p = tolk_audio_params_default();
    p.dtx = true;
    struct tolk_enc *enc;
    assert_int_equal(tolk_enc_new(&p, &enc), 0);
    uint8_t pkt[TOLK_AUDIO_MAX_PACKET];
    for (size_t f = 0; f < 25; f++)
        assert_true(tolk_enc_encode(enc, speech + f * 960, pkt, sizeof pkt) > 2);
    static const int16_t silence[960];
    int small = 0;
    for (int f = 0; f < 50; f++)
        small += tolk_enc_encode(enc, silence, pkt, sizeof pkt) <= 2;
    assert_true(small >= 25);
    tolk_enc_free(enc);
}

static void test_gain_from_db(void **state)
{
    (void)state;
    assert_float_equal(tolk_gain_from_db(0.0f), 1.0f, 1e-6);
    assert_float_equal(tolk_gain_from_db(-6.0206f), 0.5f, 1e-4);
    assert_float_equal(tolk_gain_from_db(20.0f), 10.0f, 1e-4);
    assert_float_equal(tolk_gain_from_db(-119.0f), 1.12e-6f, 1e-7);
    assert_true(tolk_gain_from_db(-120.0f) == 0.0f);
    assert_true(tolk_gain_from_db(-INFINITY) == 0.0f);
    assert_true(tolk_gain_from_db(NAN) == 0.0f);
    assert_float_equal(tolk_gain_from_db(100.0f), tolk_gain_from_db(24.0f), 1e-6);
}

static void test_mix(void **state)
{
    (void)state;
    const int16_t a[] = {1000, -1000, 30000, -30000, 3, -3, 0, 32767};
    const int16_t b[] = {500, -500, 10000, -10000, 0, 0, 7, -32768};
    const int16_t *const both[] = {a, b};
    int16_t out[8];

    tolk_mix(both, NULL, 2, 8, out); /* unity gains: a plain sum, clamped */
    const int16_t sum[] = {1500, -1500, 32767, -32768, 3, -3, 7, -1};
    assert_memory_equal(out, sum, sizeof out);

    const float half_and_duck[] = {0.5f, 0.25f}; /* rounding is half away from zero */
    tolk_mix(both, half_and_duck, 2, 8, out);
    const int16_t mixed[] = {625, -625, 17500, -17500, 2, -2, 2, 8192};
    assert_memory_equal(out, mixed, sizeof out);

    const int16_t *const one[] = {a};
    const float unity[] = {1.0f};
    tolk_mix(one, unity, 1, 8, out); /* one stream at 0 dB is bit-exact */
    assert_memory_equal(out, a, sizeof out);

    const float loud[] = {4.0f};
    tolk_mix(one, loud, 1, 8, out);
    const int16_t clipped[] = {4000, -4000, 32767, -32768, 12, -12, 0, 32767};
    assert_memory_equal(out, clipped, sizeof out);

    const int16_t *const with_null[] = {NULL, b};
    const float odd[] = {1.0f, NAN};
    tolk_mix(with_null, odd, 2, 8, out); /* a missing stream and a NaN gain are silence */
    const int16_t zeros[8] = {0};
    assert_memory_equal(out, zeros, sizeof out);
    const float huge[] = {INFINITY, 3e38f};
    const int16_t *const ab[] = {a, a};
    const float opposite[] = {3e38f, -3e38f};
    tolk_mix(ab, opposite, 2, 8, out); /* inf - inf: NaN, which must not crash */
    tolk_mix(ab, huge, 2, 8, out);
    assert_int_equal(out[0], 32767);

    tolk_mix(both, NULL, 0, 8, out);
    assert_memory_equal(out, zeros, sizeof out);
}

/* Mixing into one of the inputs, over more than one internal block. */
static void test_mix_in_place_long(void **state)
{
    (void)state;
    enum { N = 1000 };
    static int16_t x[N], y[N], want[N];
    for (size_t i = 0; i < N; i++) {
        x[i] = (int16_t)((int32_t)(rnd() % 20001) - 10000);
        y[i] = (int16_t)(2 * ((int32_t)(rnd() % 10001) - 5000)); /* even: y/2 is exact */
        want[i] = (int16_t)(x[i] + y[i] / 2);
    }
    const int16_t *const in[] = {x, y};
    const float g[] = {1.0f, 0.5f};
    tolk_mix(in, g, 2, N, x);
    assert_memory_equal(x, want, sizeof want);
}

/* A tone of FREQ Hz and amplitude AMP, frame FRAME (960 samples) of a continuous stream. */
static void tone(int16_t *out, size_t n, double freq, double amp, size_t frame)
{
    for (size_t i = 0; i < n; i++) {
        double t = (double)(frame * n + i) / 48000.0;
        out[i] = (int16_t)lrint(amp * sin(2.0 * PI * freq * t));
    }
}

/* The amplitude of the FREQ Hz component of X (N samples, a whole number of its periods). */
static double amplitude(const int16_t *x, size_t n, double freq)
{
    double re = 0, im = 0;
    for (size_t i = 0; i < n; i++) {
        double ph = 2.0 * PI * freq * (double)i / 48000.0;
        re += x[i] * cos(ph);
        im += x[i] * sin(ph);
    }
    return 2.0 * sqrt(re * re + im * im) / (double)n;
}

static void test_gain_from_cb(void **state)
{
    (void)state;
    assert_float_equal(tolk_gain_from_cb(0), 1.0f, 1e-6);
    assert_float_equal(tolk_gain_from_cb(-150), 0.17783f, 1e-4);
    assert_float_equal(tolk_gain_from_cb(-60), 0.50119f, 1e-4);
    assert_float_equal(tolk_gain_from_cb(-600), 0.001f, 1e-5);
    assert_true(tolk_gain_from_cb(TOLK_MIX_MUTED_CB) == 0.0f);
    struct tolk_mix_gains g = {0};
    assert_true(g.target[3] == 0.0f); /* zeroed: muted */
    tolk_mix_gains_set(&g, 3, -150);
    tolk_mix_gains_set(&g, 99, 0); /* out of range: ignored */
    assert_float_equal(g.target[3], 0.17783f, 1e-4);
}

/*
 * Two senders, one at 0 cB and one ducked at -150 cB (as a state message gives them), mixed
 * frame by frame: once the first frame's ramp is over, the ducked tone's level is 15 dB under
 * the other's, and a muted third sender is not heard at all. A change of gain is heard from the
 * next frame: that frame ramps smoothly, the one after is at the new gain.
 */
static void test_mix_by_gains(void **state)
{
    (void)state;
    enum { F = 960, FRAMES = 12 };
    static int16_t out[FRAMES * F];
    int16_t a[F], b[F], c[F];
    struct tolk_mix_gains g = {0};
    tolk_mix_gains_set(&g, 0, 0);
    tolk_mix_gains_set(&g, 5, -150);
    tolk_mix_gains_set(&g, 7, TOLK_MIX_MUTED_CB);
    for (size_t f = 0; f < FRAMES; f++) {
        const int16_t *in[TOLK_MIX_MAX] = {0};
        tone(a, F, 450.0, 8000.0, f);
        tone(b, F, 700.0, 8000.0, f);
        tone(c, F, 1000.0, 8000.0, f);
        in[0] = a, in[5] = b, in[7] = c;
        if (f == 8)
            tolk_mix_gains_set(&g, 5, 0); /* the floor is no longer ducked */
        tolk_mix_gains_mix(&g, in, F, out + f * F);
    }
    /* Frames 1..7 (0 ramps in from silence): 7 x 20 ms, whole periods of 450 and 700 Hz. */
    double la = amplitude(out + F, 7 * F, 450.0), lb = amplitude(out + F, 7 * F, 700.0);
    double lc = amplitude(out + F, 7 * F, 1000.0);
    assert_true(fabs(la - 8000.0) < 8.0);
    assert_true(fabs(20.0 * log10(lb / la) + 15.0) < 0.05);
    assert_true(lc < 1.0);
    /* Frame 8 ramps from -15 dB to 0 dB sample by sample; frame 9 on is at 0 dB. */
    double g0 = 0.177828, step = (1.0 - g0) / F;
    for (size_t i = 0; i < F; i++) {
        double t = (double)(8 * F + i) / 48000.0;
        double want = 8000.0 * sin(2.0 * PI * 450.0 * t) +
                      (g0 + step * (double)(i + 1)) * 8000.0 * sin(2.0 * PI * 700.0 * t);
        assert_true(fabs(out[8 * F + i] - want) <= 2.5);
    }
    double lb2 = amplitude(out + 9 * F, 3 * F, 700.0), la2 = amplitude(out + 9 * F, 3 * F, 450.0);
    assert_true(fabs(20.0 * log10(lb2 / la2)) < 0.05);
}

/* Test WAVE images, built byte by byte. */
struct wbuf {
    uint8_t b[8192];
    size_t n;
};

static void wb_bytes(struct wbuf *w, const void *p, size_t n)
{
    assert_true(w->n + n <= sizeof w->b);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void wb16(struct wbuf *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    wb_bytes(w, b, 2);
}

static void wb32(struct wbuf *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    wb_bytes(w, b, 4);
}

static void wb_fmt(struct wbuf *w, uint16_t tag, uint16_t ch, uint32_t rate, uint16_t bits)
{
    wb_bytes(w, "fmt ", 4);
    wb32(w, 16);
    wb16(w, tag);
    wb16(w, ch);
    wb32(w, rate);
    wb32(w, rate * ch * bits / 8);
    wb16(w, (uint16_t)(ch * bits / 8));
    wb16(w, bits);
}

static void wb_riff_close(struct wbuf *w)
{
    uint32_t size = (uint32_t)(w->n - 8);
    for (int i = 0; i < 4; i++)
        w->b[4 + i] = (uint8_t)(size >> (8 * i));
}

/*
 * A valid file with unknown chunks around: RIFF, an odd-sized "junk" chunk (with its pad
 * byte), fmt, data (N interleaved samples), and a trailing LIST chunk.
 */
static void build_wav(struct wbuf *w, uint16_t ch, uint32_t rate, const int16_t *s, size_t n)
{
    w->n = 0;
    wb_bytes(w, "RIFF\0\0\0\0WAVE", 12);
    wb_bytes(w, "junk", 4);
    wb32(w, 3);
    wb_bytes(w, "abc\0", 4);
    wb_fmt(w, 1, ch, rate, 16);
    wb_bytes(w, "data", 4);
    wb32(w, (uint32_t)(n * 2));
    for (size_t i = 0; i < n; i++)
        wb16(w, (uint16_t)s[i]);
    wb_bytes(w, "LIST", 4);
    wb32(w, 4);
    wb_bytes(w, "INFO", 4);
    wb_riff_close(w);
}

/* Parses W and expects success with exactly the N samples at WANT. */
static void expect_parse(const struct wbuf *w, const int16_t *want, size_t n)
{
    int16_t *pcm;
    size_t samples;
    char err[TOLK_WAV_ERR_MAX];
    int rc = tolk_wav_parse(w->b, w->n, &pcm, &samples, err, sizeof err);
    if (rc != 0)
        fail_msg("parse failed: %s", err);
    assert_int_equal(samples, n);
    if (n > 0)
        assert_memory_equal(pcm, want, n * sizeof *want);
    free(pcm);
}

/* Parses LEN bytes at BUF, expects a clean refusal, and returns the message. */
static const char *expect_refused(const uint8_t *buf, size_t len)
{
    static char err[TOLK_WAV_ERR_MAX];
    int16_t *pcm = (int16_t *)1;
    size_t samples = 99;
    memset(err, 0, sizeof err);
    assert_int_equal(tolk_wav_parse(buf, len, &pcm, &samples, err, sizeof err), TOLK_EINVAL);
    assert_null(pcm);
    assert_int_equal(samples, 0);
    assert_true(strlen(err) > 0);
    return err;
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

static void test_wav_write_read_round_trip(void **state)
{
    (void)state;
    char path[] = "/tmp/tolk-test-wav-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct tolk_wav_writer *w;
    assert_int_equal(tolk_wav_writer_open(path, &w), 0);
    assert_int_equal(tolk_wav_writer_write(w, speech, 1000), 0); /* in pieces, one odd */
    assert_int_equal(tolk_wav_writer_write(w, speech + 1000, 0), 0);
    assert_int_equal(tolk_wav_writer_write(w, speech + 1000, RATE - 1000 + 1), 0);
    assert_int_equal(tolk_wav_writer_close(w), 0);
    int16_t *pcm;
    size_t n;
    char err[TOLK_WAV_ERR_MAX];
    int rc = tolk_wav_read(path, &pcm, &n, err, sizeof err);
    if (rc != 0)
        fail_msg("%s", err);
    assert_int_equal(n, RATE + 1);
    assert_memory_equal(pcm, speech, n * sizeof *pcm);
    free(pcm);

    FILE *f = fopen(path, "rb"); /* the header as any other tool expects it */
    assert_non_null(f);
    uint8_t h[44];
    assert_int_equal(fread(h, 1, 44, f), 44);
    fclose(f);
    const uint8_t want[44] = {'R', 'I', 'F',  'F',  0x26, 0x77, 1,   0,    'W',  'A', 'V',
                              'E', 'f', 'm',  't',  ' ',  16,   0,   0,    0,    1,   0,
                              1,   0,   0x80, 0xBB, 0,    0,    0,   0x77, 1,    0,   2,
                              0,   16,  0,    'd',  'a',  't',  'a', 0x02, 0x77, 1,   0};
    assert_memory_equal(h, want, 44);

    assert_int_equal(tolk_wav_writer_open(path, &w), 0); /* an empty file is valid too */
    assert_int_equal(tolk_wav_writer_close(w), 0);
    assert_int_equal(tolk_wav_read(path, &pcm, &n, err, sizeof err), 0);
    assert_null(pcm);
    assert_int_equal(n, 0);
    unlink(path);
    assert_int_equal(tolk_wav_writer_close(NULL), 0);
}

static void test_wav_read_errors(void **state)
{
    (void)state;
    int16_t *pcm;
    size_t n;
    char err[TOLK_WAV_ERR_MAX];
    int rc = tolk_wav_read("/nonexistent/x.wav", &pcm, &n, err, sizeof err);
    assert_int_equal(rc, TOLK_EIO);
    assert_contains(err, "/nonexistent/x.wav: cannot open");
    assert_int_equal(tolk_wav_read("/tmp", &pcm, &n, err, sizeof err), TOLK_EIO);
    assert_int_equal(tolk_wav_read("/tmp", &pcm, &n, NULL, 0), TOLK_EIO);
    char fifo[] = "/tmp/tolk-test-fifo-XXXXXX"; /* a FIFO nobody writes: refused, no hang */
    int tmp = mkstemp(fifo);
    assert_true(tmp >= 0);
    close(tmp);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    rc = tolk_wav_read(fifo, &pcm, &n, err, sizeof err);
    unlink(fifo);
    assert_int_equal(rc, TOLK_EIO);
    assert_contains(err, "not a regular file");
    struct tolk_wav_writer *w;
    assert_int_equal(tolk_wav_writer_open("/nonexistent/x.wav", &w), TOLK_EIO);
    assert_null(w);

    char path[] = "/tmp/tolk-test-wav-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "RIFF", 4), 4);
    close(fd);
    assert_int_equal(tolk_wav_read(path, &pcm, &n, err, sizeof err), TOLK_EINVAL);
    assert_contains(err, path);
    assert_contains(err, "not a RIFF WAVE file");
    unlink(path);
}

static void test_wav_stereo_downmix_and_chunks(void **state)
{
    (void)state;
    const int16_t stereo[] = {100, 300, -100, -300, 32767, 32767, -32768, -32768, 1, 2, -1, -2};
    const int16_t mono[] = {200, -200, 32767, -32768, 1, -1};
    struct wbuf w;
    build_wav(&w, 2, RATE, stereo, 12);
    expect_parse(&w, mono, 6);
    build_wav(&w, 1, RATE, mono, 6);
    expect_parse(&w, mono, 6);
    build_wav(&w, 1, RATE, mono, 0);
    expect_parse(&w, mono, 0);
}

/* Lower rates come up to 48 kHz by linear interpolation. */
static void test_wav_resampling(void **state)
{
    (void)state;
    const int16_t in[] = {0, 300, -300, 600};
    struct wbuf w;
    build_wav(&w, 1, 16000, in, 4);
    const int16_t want16[] = {0, 100, 200, 300, 100, -100, -300, 0, 300, 600, 600, 600};
    expect_parse(&w, want16, 12);

    const int16_t ramp[] = {0, 1000, 2000};
    build_wav(&w, 1, 8000, ramp, 3);
    int16_t want8[18];
    for (int i = 0; i < 18; i++)
        want8[i] = (int16_t)(i <= 12 ? i * 1000 / 6 : 2000);
    expect_parse(&w, want8, 18);

    int16_t tone[441];
    for (size_t i = 0; i < 441; i++)
        tone[i] = (int16_t)(i * 10);
    build_wav(&w, 1, 44100, tone, 441); /* 10 ms: 480 samples at 48 kHz */
    int16_t *pcm;
    size_t n;
    assert_int_equal(tolk_wav_parse(w.b, w.n, &pcm, &n, NULL, 0), 0);
    assert_int_equal(n, 480);
    for (size_t i = 1; i < n; i++)
        assert_true(pcm[i] >= pcm[i - 1]);
    assert_int_equal(pcm[479], 4400);
    free(pcm);
}

/* Every proper prefix of a valid file is refused cleanly, whatever its RIFF size says. */
static void test_wav_every_truncation_fails(void **state)
{
    (void)state;
    struct wbuf w, cut;
    build_wav(&w, 2, RATE, speech, 300);
    for (size_t len = 0; len < w.n; len++) {
        expect_refused(w.b, len);
        /* The same prefix with its RIFF size patched to fit: never a crash, never too much. */
        memcpy(cut.b, w.b, len);
        cut.n = len;
        if (len >= 12)
            wb_riff_close(&cut);
        int16_t *pcm;
        size_t n;
        int rc = tolk_wav_parse(cut.b, cut.n, &pcm, &n, NULL, 0);
        if (rc == 0) {
            assert_true(n <= 150);
            free(pcm);
        } else {
            assert_int_equal(rc, TOLK_EINVAL);
        }
    }
    assert_contains(expect_refused(w.b, w.n - 1), "truncated");
}

static void set32(struct wbuf *w, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        w->b[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static void set16(struct wbuf *w, size_t off, uint16_t v)
{
    w->b[off] = (uint8_t)v;
    w->b[off + 1] = (uint8_t)(v >> 8);
}

/* Offsets in build_wav's layout. */
#define OFF_RIFF_SIZE 4
#define OFF_JUNK_SIZE 16
#define OFF_FMT       24
#define OFF_FMT_SIZE  28
#define OFF_FMT_BODY  32
#define OFF_DATA_SIZE 52

static void test_wav_corrupt_sizes(void **state)
{
    (void)state;
    const int16_t s[] = {1, 2, 3, 4};
    struct wbuf w;
    const uint32_t bad_sizes[] = {0xFFFFFFFFu, 0xFFFFFFF8u, 0x80000000u, 1000};
    for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++) {
        build_wav(&w, 1, RATE, s, 4);
        set32(&w, OFF_RIFF_SIZE, bad_sizes[i]);
        assert_contains(expect_refused(w.b, w.n), "truncated");
        build_wav(&w, 1, RATE, s, 4);
        set32(&w, OFF_JUNK_SIZE, bad_sizes[i]);
        assert_contains(expect_refused(w.b, w.n), "'junk'");
        build_wav(&w, 1, RATE, s, 4);
        set32(&w, OFF_FMT_SIZE, bad_sizes[i]);
        expect_refused(w.b, w.n);
        build_wav(&w, 1, RATE, s, 4);
        set32(&w, OFF_DATA_SIZE, bad_sizes[i]);
        assert_contains(expect_refused(w.b, w.n), "'data'");
    }
    build_wav(&w, 1, RATE, s, 4);
    set32(&w, OFF_RIFF_SIZE, 3);
    assert_contains(expect_refused(w.b, w.n), "too small");
    build_wav(&w, 1, RATE, s, 4);
    set32(&w, OFF_DATA_SIZE, 7); /* odd: not a whole number of samples */
    expect_refused(w.b, w.n);
    build_wav(&w, 1, RATE, s, 4);
    set32(&w, OFF_FMT_SIZE, 14);
    expect_refused(w.b, w.n);
    build_wav(&w, 1, RATE, s, 4);
    memcpy(w.b + OFF_FMT, "fmX ", 4);
    assert_contains(expect_refused(w.b, w.n), "no fmt chunk");
    build_wav(&w, 1, RATE, s, 4);
    memcpy(w.b + OFF_DATA_SIZE - 4, "dat\x01", 4);
    assert_contains(expect_refused(w.b, w.n), "no data chunk");
    build_wav(&w, 1, RATE, s, 4);
    memcpy(w.b + 12, "fmt ", 4); /* the junk chunk becomes a second, too short, fmt */
    expect_refused(w.b, w.n);
    build_wav(&w, 1, RATE, s, 4);
    memcpy(w.b + 8, "AVI ", 4);
    assert_contains(expect_refused(w.b, w.n), "not a RIFF WAVE");
    assert_contains(expect_refused(NULL, 0), "not a RIFF WAVE");
}

/* Valid RIFF, but not what libtolk reads. */
static void test_wav_formats_refused(void **state)
{
    (void)state;
    const int16_t s[] = {1, 2, 3, 4};
    struct wbuf w;
    build_wav(&w, 1, RATE, s, 4);
    set16(&w, OFF_FMT_BODY, 3);
    assert_contains(expect_refused(w.b, w.n), "not integer PCM");
    build_wav(&w, 1, RATE, s, 4);
    set16(&w, OFF_FMT_BODY, 7);
    assert_contains(expect_refused(w.b, w.n), "not integer PCM");
    build_wav(&w, 1, RATE, s, 4);
    set16(&w, OFF_FMT_BODY + 14, 8);
    assert_contains(expect_refused(w.b, w.n), "8-bit");
    build_wav(&w, 1, RATE, s, 4);
    set16(&w, OFF_FMT_BODY + 2, 3);
    assert_contains(expect_refused(w.b, w.n), "3 channels");
    build_wav(&w, 1, RATE, s, 4);
    set16(&w, OFF_FMT_BODY + 2, 0);
    expect_refused(w.b, w.n);
    build_wav(&w, 1, RATE, s, 4);
    set16(&w, OFF_FMT_BODY + 12, 4);
    assert_contains(expect_refused(w.b, w.n), "block align");
    const uint32_t rates[] = {96000, 48001, 7999, 0, 0xFFFFFFFFu};
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        build_wav(&w, 1, RATE, s, 4);
        set32(&w, OFF_FMT_BODY + 4, rates[i]);
        assert_contains(expect_refused(w.b, w.n), "sample rate");
    }
}

/* WAVE_FORMAT_EXTENSIBLE: read when its subformat is PCM, refused when it is float. */
static void test_wav_extensible(void **state)
{
    (void)state;
    const int16_t s[] = {5, -5};
    for (int subformat = 1; subformat <= 3; subformat += 2) {
        struct wbuf w = {.n = 0};
        wb_bytes(&w, "RIFF\0\0\0\0WAVEfmt ", 16);
        wb32(&w, 40);
        wb16(&w, 0xFFFE);
        wb16(&w, 1);
        wb32(&w, RATE);
        wb32(&w, RATE * 2);
        wb16(&w, 2);
        wb16(&w, 16);
        wb16(&w, 22); /* cbSize */
        wb16(&w, 16); /* valid bits */
        wb32(&w, 4);  /* channel mask: front centre */
        wb16(&w, (uint16_t)subformat);
        wb_bytes(&w, "\x00\x00\x00\x00\x10\x00\x80\x00\x00\xAA\x00\x38\x9B\x71", 14);
        wb_bytes(&w, "data", 4);
        wb32(&w, 4);
        wb16(&w, (uint16_t)s[0]);
        wb16(&w, (uint16_t)s[1]);
        wb_riff_close(&w);
        if (subformat == 1)
            expect_parse(&w, s, 2);
        else
            assert_contains(expect_refused(w.b, w.n), "subformat");
    }
}

/* Random damage to a valid file: the parser must never misbehave (ASan and UBSan watch). */
static void test_wav_random_damage(void **state)
{
    (void)state;
    struct wbuf w, bad;
    build_wav(&w, 2, 16000, speech, 64);
    for (int iter = 0; iter < 20000; iter++) {
        bad = w;
        int flips = 1 + (int)(rnd() % 4);
        for (int k = 0; k < flips; k++) {
            size_t at = rnd() % bad.n;
            uint32_t v = rnd() % 3 == 0 ? bad.b[at] ^ (1u << (rnd() % 8)) : rnd();
            bad.b[at] = (uint8_t)v;
        }
        if (rnd() % 4 == 0)
            bad.n = rnd() % bad.n;
        int16_t *pcm;
        size_t n;
        char err[16]; /* short: messages are cut, never overflow */
        int rc = tolk_wav_parse(bad.b, bad.n, &pcm, &n, err, sizeof err);
        assert_true(rc == 0 || rc == TOLK_EINVAL);
        if (rc == 0) {
            for (size_t i = 0; i < n; i++) /* every sample readable */
                rng_state += (uint16_t)pcm[i] == 0xFFFF;
            free(pcm);
        }
        assert_true(strlen(err) < sizeof err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_encode_decode_quality),
        cmocka_unit_test(test_encode_decode_arguments),
        cmocka_unit_test(test_plc_and_fec),
        cmocka_unit_test(test_dtx_silence),
        cmocka_unit_test(test_gain_from_db),
        cmocka_unit_test(test_mix),
        cmocka_unit_test(test_mix_in_place_long),
        cmocka_unit_test(test_gain_from_cb),
        cmocka_unit_test(test_mix_by_gains),
        cmocka_unit_test(test_wav_write_read_round_trip),
        cmocka_unit_test(test_wav_read_errors),
        cmocka_unit_test(test_wav_stereo_downmix_and_chunks),
        cmocka_unit_test(test_wav_resampling),
        cmocka_unit_test(test_wav_every_truncation_fails),
        cmocka_unit_test(test_wav_corrupt_sizes),
        cmocka_unit_test(test_wav_formats_refused),
        cmocka_unit_test(test_wav_extensible),
        cmocka_unit_test(test_wav_random_damage),
    };
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
