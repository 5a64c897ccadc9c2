/*
 * Test helper: what a lossless session must deliver. Encodes a WAV file frame by frame with
 * libtolk's encoder settings (the same code tolk-call uses), followed by EXTRA_S seconds of
 * silence, and decodes every packet in order with a fresh decoder: the result is what each
 * receiver must decode, bit for bit. Also writes the packets (each as a 2-byte big-endian
 * length and the bytes), so a test can look for them on the wire.
 *
 * usage: opus-roundtrip IN.wav OUT.wav PACKETS BITRATE FRAME_MS EXTRA_S
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio.h"
#include "wav.h"

static int fail(const char *what)
{
    fprintf(stderr, "opus-roundtrip: %s\n", what);
    return 1;
}

static int encode_all(const int16_t *pcm, size_t total, const struct tolk_audio_params *p,
                      struct tolk_wav_writer *out, FILE *packets)
{
    struct tolk_enc *enc = NULL;
    struct tolk_dec *dec = NULL;
    int rc = 1;
    if (tolk_enc_new(p, &enc) != 0 || tolk_dec_new(&dec) != 0)
        goto done;
    size_t frame = (size_t)tolk_enc_frame_samples(enc);
    int16_t in[TOLK_AUDIO_MAX_FRAME_SAMPLES], dec_pcm[TOLK_AUDIO_MAX_FRAME_SAMPLES];
    uint8_t pkt[TOLK_AUDIO_MAX_PACKET];
    for (size_t at = 0; at + frame <= total; at += frame) {
        memcpy(in, pcm + at, frame * sizeof *in);
        int n = tolk_enc_encode(enc, in, pkt, sizeof pkt);
        if (n < 0)
            goto done;
        unsigned char len[2] = {(unsigned char)(n >> 8), (unsigned char)n};
        fwrite(len, 1, 2, packets);
        fwrite(pkt, 1, (size_t)n, packets);
        int got = tolk_dec_decode(dec, pkt, (size_t)n, dec_pcm, (int)frame);
        if (got != (int)frame || tolk_wav_writer_write(out, dec_pcm, frame) != 0)
            goto done;
    }
    rc = 0;
done:
    tolk_enc_free(enc);
    tolk_dec_free(dec);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 7)
        return fail("usage: opus-roundtrip IN.wav OUT.wav PACKETS BITRATE FRAME_MS EXTRA_S");
    struct tolk_audio_params p = tolk_audio_params_default();
    p.bitrate = atoi(argv[4]);
    p.frame_ms = atoi(argv[5]);
    double extra = atof(argv[6]);
    if (tolk_audio_params_check(&p) != 0 || extra < 0 || extra > 60)
        return fail("bad bitrate, frame length or extra seconds");
    int16_t *speech = NULL;
    size_t n = 0;
    char err[256];
    if (tolk_wav_read(argv[1], &speech, &n, err, sizeof err) != 0)
        return fail(err);
    size_t total = n + (size_t)(extra * 48000);
    int16_t *pcm = calloc(total ? total : 1, sizeof *pcm);
    struct tolk_wav_writer *out = NULL;
    FILE *packets = fopen(argv[3], "wb");
    int rc = 1;
    if (pcm && packets && tolk_wav_writer_open(argv[2], &out) == 0) {
        if (n)
            memcpy(pcm, speech, n * sizeof *pcm);
        rc = encode_all(pcm, total, &p, out, packets);
        if (tolk_wav_writer_close(out) != 0)
            rc = 1;
    }
    if (packets)
        fclose(packets);
    free(pcm);
    free(speech);
    return rc ? fail("encoding failed") : 0;
}
