/*
 * tolk-wire-bytes: how many bytes a participant sends and receives per minute, from real Opus
 * packet sizes and the exact framing of every layer above them.
 *
 * A speech-like test signal (voiced syllables: a glottal pulse train with drifting pitch through
 * vowel formants; unvoiced fricatives: filtered noise; pauses between phrases; a faint noise
 * floor) is encoded with libopus as libtolk encodes (48 kHz mono, VOIP, voice signal,
 * complexity 5, in-band FEC for 10 % loss, no DTX) at each bitrate and frame length. Each
 * packet is then framed as Tolk sends it:
 *
 *   SFrame    header (config + KID + CTR; CTR bytes averaged over a --session-min call)
 *             + 16-byte AES-GCM tag
 *   WebSocket 2-byte header (4 from 126 bytes up); client-to-server frames add a 4-byte mask
 *   TLS 1.3   record header 5 + AEAD tag 16 + inner content type 1
 *
 * one TLS record per frame (the relay writes one frame per record). A participant sends one
 * stream and receives two (rooms of three). The last column adds IPv4+TCP headers with
 * timestamps (52 bytes) for one segment per frame, which is what a mobile data plan counts.
 */
#include <math.h>
#include <opus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sframe.h"

#define RATE          48000
#define COMPLEXITY    5
#define LOSS_PCT      10
#define SFRAME_TAG    16
#define WS_MASK       4
#define TLS13_RECORD  (5 + 16 + 1)
#define TCPIP_HEADERS 52
#define RECEIVED      2 /* streams a participant receives in a room of three */
#define PI            3.14159265358979323846

struct rng {
    uint64_t s;
};

static double urand(struct rng *r)
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(r->s >> 11) / 9007199254740992.0;
}

/* A two-pole resonator at F Hz with bandwidth BW Hz. */
struct reson {
    double a1, a2, g, y1, y2;
};

static void reson_set(struct reson *f, double freq, double bw)
{
    double r = exp(-PI * bw / RATE);
    f->a1 = 2 * r * cos(2 * PI * freq / RATE);
    f->a2 = -r * r;
    f->g = 1 - r;
}

static double reson_run(struct reson *f, double x)
{
    double y = f->g * x + f->a1 * f->y1 + f->a2 * f->y2;
    f->y2 = f->y1;
    f->y1 = y;
    return y;
}

static const double vowels[][3] = {
    {730, 1090, 2440}, {270, 2290, 3010}, {300, 870, 2240}, {530, 1840, 2480}, {570, 840, 2410},
};

struct voice {
    struct rng rng;
    struct reson formant[3], fric;
    double phase, f0, env;
    long seg_left;
    int kind; /* 0 pause, 1 voiced, 2 unvoiced */
    int syllables_left;
};

/* Chooses the next segment: phrases of 3..8 syllables, each a fricative or a vowel, then a
 * pause. */
static void next_segment(struct voice *v)
{
    struct rng *r = &v->rng;
    if (v->syllables_left == 0) {
        v->kind = 0;
        v->seg_left = (long)(RATE * (0.15 + 0.5 * urand(r)));
        v->syllables_left = 3 + (int)(6 * urand(r));
        v->f0 = 90 + 130 * urand(r);
        return;
    }
    v->syllables_left--;
    if (v->kind != 2 && urand(r) < 0.35) {
        v->kind = 2;
        v->seg_left = (long)(RATE * (0.04 + 0.08 * urand(r)));
        reson_set(&v->fric, 3500 + 3000 * urand(r), 2000);
        return;
    }
    const double *f = vowels[(int)(urand(r) * 5) % 5];
    for (int i = 0; i < 3; i++)
        reson_set(&v->formant[i], f[i] * (0.9 + 0.2 * urand(r)), 60 + 40 * i);
    v->kind = 1;
    v->seg_left = (long)(RATE * (0.08 + 0.2 * urand(r)));
}

static double voice_sample(struct voice *v)
{
    if (v->seg_left-- <= 0)
        next_segment(v);
    double target = v->kind == 0 ? 0.0 : 1.0, noise = urand(&v->rng) * 2 - 1, x = 0;
    v->env += (target - v->env) * 0.002;
    if (v->kind == 1) {
        v->f0 *= 1 + (urand(&v->rng) - 0.5) * 0.0004; /* intonation drift */
        v->phase += v->f0 / RATE;
        double pulse = 0;
        if (v->phase >= 1) {
            v->phase -= 1;
            pulse = 1;
        }
        for (int i = 0; i < 3; i++)
            x += reson_run(&v->formant[i], pulse * 40 + noise * 0.02) / (double)(i + 1);
    } else if (v->kind == 2) {
        x = reson_run(&v->fric, noise) * 0.6;
    }
    return 0.05 * v->env * x + noise * 0.0005;
}

static int16_t to_pcm(double x)
{
    x = x > 1 ? 1 : x < -1 ? -1 : x;
    return (int16_t)lrint(x * 32767);
}

/* Average SFrame header length over a call of FRAMES frames (KID of a small epoch). */
static double sframe_header_avg(long frames)
{
    uint8_t buf[TOLK_SFRAME_HEADER_MAX];
    double sum = 0;
    for (long i = 0; i < frames; i++) {
        struct tolk_sframe_header h = {.kid = tolk_sframe_kid(3, 1), .ctr = (uint64_t)i};
        sum += (double)tolk_sframe_header_encode(&h, buf);
    }
    return sum / (double)frames;
}

struct result {
    double opus, frames_per_min, send, recv;
};

static OpusEncoder *make_encoder(int bitrate)
{
    int err = 0;
    OpusEncoder *enc = opus_encoder_create(RATE, 1, OPUS_APPLICATION_VOIP, &err);
    if (!enc || err != OPUS_OK)
        return NULL;
    opus_encoder_ctl(enc, OPUS_SET_BITRATE(bitrate));
    opus_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
    opus_encoder_ctl(enc, OPUS_SET_COMPLEXITY(COMPLEXITY));
    opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(1));
    opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(LOSS_PCT));
    opus_encoder_ctl(enc, OPUS_SET_DTX(0));
    return enc;
}

/* Encodes SECONDS of the test signal and frames every packet; -1 if libopus fails. */
static int measure(int bitrate, int frame_ms, double seconds, double session_min,
                   struct result *out)
{
    OpusEncoder *enc = make_encoder(bitrate);
    if (!enc)
        return -1;
    int n = RATE / 1000 * frame_ms;
    long frames = (long)(seconds * 1000 / frame_ms);
    double hdr = sframe_header_avg((long)(session_min * 60000 / frame_ms));
    struct voice v = {.rng = {0x746f6c6bull}};
    int16_t *pcm = malloc(sizeof *pcm * (size_t)n);
    uint8_t packet[1500];
    double opus = 0, send = 0, recv = 0;
    for (long f = 0; f < frames && pcm; f++) {
        for (int i = 0; i < n; i++)
            pcm[i] = to_pcm(voice_sample(&v));
        opus_int32 len = opus_encode(enc, pcm, n, packet, sizeof packet);
        if (len < 0) {
            frames = -1;
            break;
        }
        double sframe = (double)len + hdr + SFRAME_TAG;
        double ws = sframe + (sframe < 126 ? 2 : 4);
        opus += (double)len;
        send += ws + WS_MASK + TLS13_RECORD;
        recv += ws + TLS13_RECORD;
    }
    free(pcm);
    opus_encoder_destroy(enc);
    if (frames <= 0)
        return -1;
    out->frames_per_min = 60000.0 / frame_ms;
    out->opus = opus / (double)frames;
    out->send = send / (double)frames;
    out->recv = recv / (double)frames;
    return 0;
}

static void print_row(int kbps, int frame_ms, const struct result *r)
{
    double fpm = r->frames_per_min, kb = 1000;
    double send = r->send * fpm, recv = RECEIVED * r->recv * fpm;
    double tcp = (1 + RECEIVED) * TCPIP_HEADERS * fpm;
    printf("| %d | %d | %.1f | %.1f | %.1f | %.0f | %.0f | %.0f | %.0f |\n", kbps, frame_ms,
           r->opus, r->send, r->recv, send / kb, recv / kb, (send + recv) / kb,
           (send + recv + tcp) / kb);
}

int main(int argc, char **argv)
{
    double seconds = 120, session_min = 30;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--seconds") == 0)
            seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--session-min") == 0)
            session_min = atof(argv[i + 1]);
    }
    if (seconds < 1 || session_min < 1 || argc % 2 == 0) {
        fputs("usage: tolk-wire-bytes [--seconds S (of test signal, default 120)] "
              "[--session-min M (call length for the SFrame CTR, default 30)]\n",
              stderr);
        return 2;
    }
    static const int rates[] = {12, 16, 24}, lengths[] = {20, 60};
    printf("| Opus kbit/s | frame ms | Opus packet B | sent B/frame | received B/frame "
           "| send kB/min | receive kB/min (2 streams) | total kB/min | total incl. TCP/IPv4 "
           "kB/min |\n|---|---|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        for (size_t j = 0; j < sizeof lengths / sizeof lengths[0]; j++) {
            struct result r;
            if (measure(rates[i] * 1000, lengths[j], seconds, session_min, &r) != 0) {
                fprintf(stderr, "tolk-wire-bytes: libopus failed\n");
                return 1;
            }
            print_row(rates[i], lengths[j], &r);
        }
    }
    return 0;
}
