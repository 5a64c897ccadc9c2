/*
 * Fuzz target: the WAV reader (client-lib/wav.c), which tolk-call feeds any file it is given.
 *
 * The input is the whole file image. tolk_wav_parse() must never crash, read out of bounds or
 * leak; on success it returns at most what the bytes can hold (48 kHz from a rate of at least
 * 8 kHz is six output samples per input frame, plus one), and on failure no samples and an
 * error sentence.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tolk.h"
#include "wav.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

volatile int64_t fuzz_wav_sink; /* where every sample read goes, so the loop stays */

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_wav: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int16_t *pcm = (int16_t *)1; /* the parser must set it on every path */
    size_t samples = 12345;
    char err[TOLK_WAV_ERR_MAX];

    /* An exact-size copy, so that ASan sees a read one byte past the end. */
    uint8_t *copy = malloc(size ? size : 1);
    check(copy != NULL, "out of memory");
    memcpy(copy, data, size);
    err[0] = 'X';
    int rc = tolk_wav_parse(copy, size, &pcm, &samples, err, sizeof err);
    free(copy);
    if (rc != 0) {
        check(rc == TOLK_EINVAL || rc == TOLK_ENOMEM, "an error code outside the contract");
        check(pcm == NULL && samples == 0, "samples left after a failure");
        check(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL, "no error sentence");
        return 0;
    }
    check(err[0] == '\0', "an error sentence after success");
    check((pcm == NULL) == (samples == 0), "samples without an array, or the reverse");
    check(samples <= (size / 2) * 6 + 1, "more samples than the bytes can hold");
    /* Touch every sample: ASan checks the array is as long as the count says. */
    for (size_t i = 0; i < samples; i++)
        fuzz_wav_sink += pcm[i];
    free(pcm);
    return 0;
}
