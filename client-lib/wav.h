/*
 * RIFF WAVE files for tolk-call: read a file to play into a session, write what it hears.
 *
 * Internal to libtolk. The reader takes outside input and is fuzzed: every size in the file is
 * checked against the bytes actually there, unknown chunks are skipped, anything it does not
 * understand is refused with a sentence saying why, and no input makes it read out of bounds.
 *
 * What is read: 16-bit integer PCM (format 1, or WAVE_FORMAT_EXTENSIBLE with the PCM
 * subformat), mono or stereo (averaged to mono), at any rate from 8000 to 48000 Hz. Rates
 * below 48000 are brought to 48000 Hz by linear interpolation: crude (a little imaging above
 * the old Nyquist frequency) but enough for speech test files, which are often 16 kHz. Rates
 * above 48000 Hz, float, 8/24/32-bit, A-law and mu-law are refused: convert them first, e.g.
 * `sox in.wav -b 16 -r 48000 out.wav`.
 *
 * What is written: 48 kHz mono 16-bit PCM, libtolk's own format.
 */
#ifndef TOLK_WAV_H
#define TOLK_WAV_H

#include <stddef.h>
#include <stdint.h>

#define TOLK_WAV_MAX_SECONDS    (3 * 3600) /* longer audio is refused (1 GiB of samples) */
#define TOLK_WAV_MAX_FILE_BYTES (1u << 30) /* tolk_wav_read refuses larger files */
#define TOLK_WAV_ERR_MAX        256        /* room for any error sentence */

/*
 * Parses the WAVE file image BUF of LEN bytes. On success returns 0 and stores in *PCM a new
 * array of *SAMPLES 48 kHz mono samples, which the caller frees with free(); a file with no
 * samples gives *PCM = NULL and *SAMPLES = 0. On failure returns TOLK_EINVAL (the bytes are not
 * a WAVE file this reader accepts) or TOLK_ENOMEM, leaves *PCM NULL and *SAMPLES 0, and writes
 * a sentence saying why into ERR (ERRLEN bytes, always NUL-terminated; ERR may be NULL).
 * Pure: reads nothing but BUF. Any thread.
 */
int tolk_wav_parse(const uint8_t *buf, size_t len, int16_t **pcm, size_t *samples, char *err,
                   size_t errlen) __attribute__((nonnull(3, 4), warn_unused_result));

/*
 * Reads the file at PATH and parses it as tolk_wav_parse() does; the error sentence starts
 * with PATH. Returns TOLK_EIO if the file cannot be read or exceeds TOLK_WAV_MAX_FILE_BYTES.
 */
int tolk_wav_read(const char *path, int16_t **pcm, size_t *samples, char *err, size_t errlen)
    __attribute__((nonnull(1, 2, 3), warn_unused_result));

struct tolk_wav_writer;

/*
 * Creates (or truncates) the file at PATH for 48 kHz mono 16-bit PCM and stores a writer in
 * *OUT. Returns 0 or TOLK_EIO (then *OUT is NULL) or TOLK_ENOMEM. The header's sizes are
 * placeholders until tolk_wav_writer_close(), which the caller must call to release the writer.
 */
int tolk_wav_writer_open(const char *path, struct tolk_wav_writer **out)
    __attribute__((nonnull, warn_unused_result));

/*
 * Appends SAMPLES samples from PCM. Returns 0, TOLK_EIO on a write error (the writer then
 * refuses further writes; close it), or TOLK_EINVAL if the file would pass the 4 GiB that a
 * RIFF size can describe (nothing is written).
 */
int tolk_wav_writer_write(struct tolk_wav_writer *w, const int16_t *pcm, size_t samples)
    __attribute__((nonnull, warn_unused_result));

/*
 * Writes the final sizes into the header, closes the file and frees W, whatever happens.
 * Returns 0, or TOLK_EIO if any write failed along the way (the file is then incomplete).
 * NULL is a no-op that returns 0.
 */
int tolk_wav_writer_close(struct tolk_wav_writer *w);

#endif
