/*
 * Opus wrappers: see audio.h for the contract and the reasons behind the encoder settings.
 */
#include "audio.h"

#include <stdlib.h>

#include <opus.h>

#include "tolk.h"

#define COMPLEXITY        5  /* of 0..10: about half the CPU of the default, for cheap phones */
#define EXPECTED_LOSS_PCT 10 /* tells the encoder how much FEC redundancy to spend */

struct tolk_enc {
    OpusEncoder *st;
    int frame_samples;
};

struct tolk_dec {
    OpusDecoder *st;
};

struct tolk_audio_params tolk_audio_params_default(void)
{
    return (struct tolk_audio_params){.bitrate = 16000, .frame_ms = 20, .dtx = false};
}

struct tolk_audio_params tolk_audio_params_low_data(void)
{
    return (struct tolk_audio_params){.bitrate = 12000, .frame_ms = 60, .dtx = false};
}

int tolk_audio_frame_samples(int frame_ms)
{
    if (frame_ms != 20 && frame_ms != 40 && frame_ms != 60)
        return 0;
    return frame_ms * (TOLK_AUDIO_RATE / 1000);
}

int tolk_audio_params_check(const struct tolk_audio_params *p)
{
    if (p->bitrate < TOLK_AUDIO_MIN_BITRATE || p->bitrate > TOLK_AUDIO_MAX_BITRATE)
        return TOLK_EINVAL;
    if (tolk_audio_frame_samples(p->frame_ms) == 0)
        return TOLK_EINVAL;
    return 0;
}

/* libopus's negative codes, as ours. A corrupt packet is the peer's fault, hence EPROTO. */
static int from_opus(int err)
{
    switch (err) {
    case OPUS_ALLOC_FAIL:
        return TOLK_ENOMEM;
    case OPUS_INVALID_PACKET:
        return TOLK_EPROTO;
    default:
        return TOLK_EINVAL; /* OPUS_BAD_ARG, OPUS_BUFFER_TOO_SMALL and the impossible ones */
    }
}

/* Applies the settings audio.h explains. Each ctl can fail only on a bad argument. */
static int configure_encoder(OpusEncoder *st, const struct tolk_audio_params *p)
{
    int rc = opus_encoder_ctl(st, OPUS_SET_BITRATE(p->bitrate));
    if (rc == OPUS_OK)
        rc = opus_encoder_ctl(st, OPUS_SET_VBR(0));
    if (rc == OPUS_OK)
        rc = opus_encoder_ctl(st, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
    if (rc == OPUS_OK)
        rc = opus_encoder_ctl(st, OPUS_SET_COMPLEXITY(COMPLEXITY));
    if (rc == OPUS_OK)
        rc = opus_encoder_ctl(st, OPUS_SET_INBAND_FEC(1));
    if (rc == OPUS_OK)
        rc = opus_encoder_ctl(st, OPUS_SET_PACKET_LOSS_PERC(EXPECTED_LOSS_PCT));
    if (rc == OPUS_OK)
        rc = opus_encoder_ctl(st, OPUS_SET_DTX(p->dtx ? 1 : 0));
    return rc == OPUS_OK ? 0 : from_opus(rc);
}

int tolk_enc_new(const struct tolk_audio_params *params, struct tolk_enc **out)
{
    *out = NULL;
    int rc = tolk_audio_params_check(params);
    if (rc != 0)
        return rc;
    struct tolk_enc *enc = calloc(1, sizeof *enc);
    if (enc == NULL)
        return TOLK_ENOMEM;
    int err = OPUS_OK;
    enc->st = opus_encoder_create(TOLK_AUDIO_RATE, 1, OPUS_APPLICATION_VOIP, &err);
    if (enc->st == NULL || err != OPUS_OK) {
        tolk_enc_free(enc);
        return err == OPUS_OK ? TOLK_ENOMEM : from_opus(err);
    }
    rc = configure_encoder(enc->st, params);
    if (rc != 0) {
        tolk_enc_free(enc);
        return rc;
    }
    enc->frame_samples = tolk_audio_frame_samples(params->frame_ms);
    *out = enc;
    return 0;
}

void tolk_enc_free(struct tolk_enc *enc)
{
    if (enc == NULL)
        return;
    opus_encoder_destroy(enc->st);
    free(enc);
}

int tolk_enc_frame_samples(const struct tolk_enc *enc)
{
    return enc->frame_samples;
}

int tolk_enc_encode(struct tolk_enc *enc, const int16_t *pcm, uint8_t *out, size_t cap)
{
    if (cap == 0)
        return TOLK_EINVAL;
    opus_int32 max = cap < TOLK_AUDIO_MAX_PACKET ? (opus_int32)cap : TOLK_AUDIO_MAX_PACKET;
    opus_int32 n = opus_encode(enc->st, pcm, enc->frame_samples, out, max);
    return n < 0 ? from_opus((int)n) : (int)n;
}

int tolk_dec_new(struct tolk_dec **out)
{
    *out = NULL;
    struct tolk_dec *dec = calloc(1, sizeof *dec);
    if (dec == NULL)
        return TOLK_ENOMEM;
    int err = OPUS_OK;
    dec->st = opus_decoder_create(TOLK_AUDIO_RATE, 1, &err);
    if (dec->st == NULL || err != OPUS_OK) {
        tolk_dec_free(dec);
        return err == OPUS_OK ? TOLK_ENOMEM : from_opus(err);
    }
    *out = dec;
    return 0;
}

void tolk_dec_free(struct tolk_dec *dec)
{
    if (dec == NULL)
        return;
    opus_decoder_destroy(dec->st);
    free(dec);
}

int tolk_dec_decode(struct tolk_dec *dec, const uint8_t *pkt, size_t len, int16_t *pcm,
                    int max_samples)
{
    if (len == 0 || len > TOLK_AUDIO_MAX_PACKET || max_samples <= 0)
        return TOLK_EINVAL;
    int n = opus_decode(dec->st, pkt, (opus_int32)len, pcm, max_samples, 0);
    return n < 0 ? from_opus(n) : n;
}

/* A concealed or recovered frame must be whole 2.5 ms granules, at most one longest frame. */
static bool valid_gap(int samples)
{
    return samples > 0 && samples <= TOLK_AUDIO_MAX_FRAME_SAMPLES &&
           samples % TOLK_AUDIO_GRANULE_SAMPLES == 0;
}

int tolk_dec_conceal(struct tolk_dec *dec, int16_t *pcm, int samples)
{
    if (!valid_gap(samples))
        return TOLK_EINVAL;
    int n = opus_decode(dec->st, NULL, 0, pcm, samples, 0);
    return n < 0 ? from_opus(n) : n;
}

int tolk_dec_recover(struct tolk_dec *dec, const uint8_t *next_pkt, size_t len, int16_t *pcm,
                     int samples)
{
    if (!valid_gap(samples) || len == 0 || len > TOLK_AUDIO_MAX_PACKET)
        return TOLK_EINVAL;
    int n = opus_decode(dec->st, next_pkt, (opus_int32)len, pcm, samples, 1);
    return n < 0 ? from_opus(n) : n;
}
