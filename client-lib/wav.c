/*
 * RIFF WAVE reader and writer (contract in wav.h).
 *
 * The reader works on a whole file image in memory, so every bound is a comparison against
 * LEN; offsets and sizes are size_t or uint64_t so that no 32-bit size in the file can
 * overflow them. All multi-byte values are little-endian, read byte by byte, whatever the host.
 */
#include "wav.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tolk.h"

#define OUT_RATE       48000u
#define FORMAT_PCM     1u
#define FORMAT_EXT     0xFFFEu
#define HEADER_BYTES   44u
#define MAX_DATA_BYTES (0xFFFFFFFFu - (HEADER_BYTES - 8u)) /* what a RIFF size can describe */

/* The tail of KSDATAFORMAT_SUBTYPE_PCM after its first two bytes (which hold the tag, 1). */
static const uint8_t ext_pcm_guid_tail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                              0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};

struct wav_format {
    unsigned channels;
    uint32_t rate;
};

struct wav_scan {
    bool have_fmt, have_data;
    struct wav_format fmt;
    const uint8_t *data;
    size_t data_len;
};

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return TOLK_EINVAL;
}

/* A chunk id made printable for an error message: four characters, '?' for the odd ones. */
static void printable_id(const uint8_t *id, char out[5])
{
    for (int i = 0; i < 4; i++)
        out[i] = (id[i] >= 0x20 && id[i] < 0x7F) ? (char)id[i] : '?';
    out[4] = '\0';
}

/* For WAVE_FORMAT_EXTENSIBLE: is the subformat integer PCM? BODY has at least 40 bytes. */
static bool extensible_is_pcm(const uint8_t *body)
{
    return le16(body + 16) >= 22 && le16(body + 24) == FORMAT_PCM &&
           memcmp(body + 26, ext_pcm_guid_tail, sizeof ext_pcm_guid_tail) == 0;
}

/* Checks a fmt chunk of SIZE bytes at BODY and keeps what decoding needs in *FMT. */
static int parse_fmt(const uint8_t *body, size_t size, struct wav_format *fmt, char *err,
                     size_t errlen)
{
    if (size < 16)
        return fail(err, errlen, "fmt chunk of %zu bytes is too short (16 needed)", size);
    unsigned tag = le16(body), channels = le16(body + 2), align = le16(body + 12);
    unsigned bits = le16(body + 14);
    uint32_t rate = le32(body + 4);
    if (tag == FORMAT_EXT) {
        if (size < 40 || !extensible_is_pcm(body))
            return fail(err, errlen, "extensible format whose subformat is not integer PCM");
    } else if (tag != FORMAT_PCM) {
        return fail(err, errlen,
                    "format tag %u is not integer PCM (3 is float, 6 A-law, 7 mu-law); "
                    "convert to 16-bit PCM",
                    tag);
    }
    if (channels != 1 && channels != 2)
        return fail(err, errlen, "%u channels: only mono and stereo are read", channels);
    if (bits != 16)
        return fail(err, errlen, "%u-bit samples: only 16-bit PCM is read", bits);
    if (align != channels * 2)
        return fail(err, errlen, "block align %u does not match %u 16-bit channels", align,
                    channels);
    if (rate < 8000 || rate > OUT_RATE)
        return fail(err, errlen, "sample rate %lu Hz: only 8000 to 48000 Hz is read",
                    (unsigned long)rate);
    fmt->channels = channels;
    fmt->rate = rate;
    return 0;
}

/* Handles one chunk whose whole body is in bounds: fmt and data are kept, others skipped. */
static int take_chunk(const uint8_t *id, const uint8_t *body, size_t size, struct wav_scan *sc,
                      char *err, size_t errlen)
{
    if (memcmp(id, "fmt ", 4) == 0) {
        if (sc->have_fmt)
            return fail(err, errlen, "two fmt chunks");
        sc->have_fmt = true;
        return parse_fmt(body, size, &sc->fmt, err, errlen);
    }
    if (memcmp(id, "data", 4) == 0) {
        if (sc->have_data)
            return fail(err, errlen, "two data chunks");
        sc->have_data = true;
        sc->data = body;
        sc->data_len = size;
    }
    return 0;
}

/*
 * Walks the chunks of the RIFF body, which spans [12, END) of BUF. Every chunk must lie wholly
 * within END; an odd-sized chunk is followed by a pad byte, which may be missing only at END.
 */
static int scan_chunks(const uint8_t *buf, size_t end, struct wav_scan *sc, char *err,
                       size_t errlen)
{
    size_t off = 12;
    while (off < end) {
        if (end - off < 8)
            return fail(err, errlen, "truncated chunk header at offset %zu", off);
        const uint8_t *id = buf + off;
        size_t size = le32(buf + off + 4), body = off + 8;
        if (size > end - body) {
            char name[5];
            printable_id(id, name);
            return fail(err, errlen,
                        "chunk '%s' at offset %zu declares %zu bytes but only %zu remain "
                        "(truncated or corrupt file)",
                        name, off, size, end - body);
        }
        int rc = take_chunk(id, buf + body, size, sc, err, errlen);
        if (rc != 0)
            return rc;
        off = body + size;
        if ((size & 1) != 0 && off < end)
            off++;
    }
    if (!sc->have_fmt)
        return fail(err, errlen, "no fmt chunk");
    if (!sc->have_data)
        return fail(err, errlen, "no data chunk");
    return 0;
}

/* Frame K of the data as one mono sample: stereo is averaged. */
static int32_t mono_at(const struct wav_scan *sc, size_t k)
{
    const uint8_t *p = sc->data + k * sc->fmt.channels * 2;
    int32_t left = (int16_t)le16(p);
    if (sc->fmt.channels == 1)
        return left;
    return (left + (int16_t)le16(p + 2)) / 2;
}

/*
 * Fills OUT (N_OUT samples at 48 kHz) from the FRAMES frames of the data: output sample J sits
 * at input position J * rate / 48000, interpolated linearly between its two neighbours. At
 * 48 kHz this is a plain copy.
 */
static void decode_samples(const struct wav_scan *sc, size_t frames, int16_t *out, size_t n_out)
{
    uint64_t rate = sc->fmt.rate;
    for (size_t j = 0; j < n_out; j++) {
        uint64_t pos = (uint64_t)j * rate;
        size_t idx = (size_t)(pos / OUT_RATE);
        int64_t frac = (int64_t)(pos % OUT_RATE);
        int64_t a = mono_at(sc, idx);
        int64_t b = idx + 1 < frames ? mono_at(sc, idx + 1) : a;
        out[j] = (int16_t)(a + (b - a) * frac / (int64_t)OUT_RATE);
    }
}

static int decode_data(const struct wav_scan *sc, int16_t **pcm, size_t *samples, char *err,
                       size_t errlen)
{
    size_t align = sc->fmt.channels * 2u;
    if (sc->data_len % align != 0)
        return fail(err, errlen,
                    "data chunk of %zu bytes is not a whole number of %zu-byte "
                    "frames",
                    sc->data_len, align);
    size_t frames = sc->data_len / align;
    uint64_t n_out = ((uint64_t)frames * OUT_RATE + sc->fmt.rate - 1) / sc->fmt.rate;
    if (n_out > (uint64_t)TOLK_WAV_MAX_SECONDS * OUT_RATE)
        return fail(err, errlen, "longer than %d seconds", TOLK_WAV_MAX_SECONDS);
    if (n_out == 0)
        return 0;
    int16_t *out = malloc((size_t)n_out * sizeof *out);
    if (out == NULL) {
        fail(err, errlen, "out of memory for %llu samples", (unsigned long long)n_out);
        return TOLK_ENOMEM;
    }
    decode_samples(sc, frames, out, (size_t)n_out);
    *pcm = out;
    *samples = (size_t)n_out;
    return 0;
}

int tolk_wav_parse(const uint8_t *buf, size_t len, int16_t **pcm, size_t *samples, char *err,
                   size_t errlen)
{
    *pcm = NULL;
    *samples = 0;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (buf == NULL || len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0)
        return fail(err, errlen, "not a RIFF WAVE file");
    uint64_t end = (uint64_t)le32(buf + 4) + 8;
    if (end < 12)
        return fail(err, errlen, "RIFF size %lu is too small", (unsigned long)(end - 8));
    if (end > len)
        return fail(err, errlen,
                    "truncated: the RIFF header declares %llu bytes but the file has %zu",
                    (unsigned long long)end, len);
    struct wav_scan sc = {0};
    int rc = scan_chunks(buf, (size_t)end, &sc, err, errlen);
    if (rc != 0)
        return rc;
    return decode_data(&sc, pcm, samples, err, errlen);
}

/* Reads all LEN bytes of FD into BUF. */
static bool read_all(int fd, uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += (size_t)n;
    }
    return true;
}

/*
 * Reads the whole file at PATH into a new buffer, which the caller frees. Opened without
 * blocking and checked to be a regular file first, so that a FIFO or a device cannot hang or
 * flood the reader.
 */
static int slurp(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fail(err, errlen, "cannot open: %s", strerror(errno));
        return TOLK_EIO;
    }
    struct stat sb;
    int rc = TOLK_EIO;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fail(err, errlen, "not a regular file");
    } else if ((uintmax_t)sb.st_size > TOLK_WAV_MAX_FILE_BYTES) {
        fail(err, errlen, "larger than %u bytes", TOLK_WAV_MAX_FILE_BYTES);
    } else {
        *len = (size_t)sb.st_size;
        *buf = malloc(*len > 0 ? *len : 1);
        if (*buf == NULL) {
            rc = TOLK_ENOMEM;
            fail(err, errlen, "out of memory");
        } else if (!read_all(fd, *buf, *len)) {
            fail(err, errlen, "read error or file changed while read");
            free(*buf);
            *buf = NULL;
        } else {
            rc = 0;
        }
    }
    close(fd);
    return rc;
}

int tolk_wav_read(const char *path, int16_t **pcm, size_t *samples, char *err, size_t errlen)
{
    *pcm = NULL;
    *samples = 0;
    char why[TOLK_WAV_ERR_MAX] = "";
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = slurp(path, &buf, &len, why, sizeof why);
    if (rc == 0) {
        rc = tolk_wav_parse(buf, len, pcm, samples, why, sizeof why);
        free(buf);
    }
    if (rc != 0 && err != NULL && errlen > 0)
        snprintf(err, errlen, "%s: %s", path, why);
    return rc;
}

struct tolk_wav_writer {
    FILE *f;
    uint64_t data_bytes;
    bool failed;
};

/* The 44-byte header of a 48 kHz mono 16-bit PCM file with DATA_BYTES of samples. */
static void make_header(uint8_t h[HEADER_BYTES], uint32_t data_bytes)
{
    memcpy(h, "RIFF", 4);
    put_le32(h + 4, data_bytes + (HEADER_BYTES - 8));
    memcpy(h + 8, "WAVEfmt ", 8);
    put_le32(h + 16, 16);
    put_le16(h + 20, FORMAT_PCM);
    put_le16(h + 22, 1);            /* channels */
    put_le32(h + 24, OUT_RATE);     /* sample rate */
    put_le32(h + 28, OUT_RATE * 2); /* byte rate */
    put_le16(h + 32, 2);            /* block align */
    put_le16(h + 34, 16);           /* bits per sample */
    memcpy(h + 36, "data", 4);
    put_le32(h + 40, data_bytes);
}

int tolk_wav_writer_open(const char *path, struct tolk_wav_writer **out)
{
    *out = NULL;
    struct tolk_wav_writer *w = calloc(1, sizeof *w);
    if (w == NULL)
        return TOLK_ENOMEM;
    w->f = fopen(path, "wb");
    uint8_t h[HEADER_BYTES];
    make_header(h, 0);
    if (w->f == NULL || fwrite(h, 1, sizeof h, w->f) != sizeof h) {
        if (w->f != NULL)
            fclose(w->f);
        free(w);
        return TOLK_EIO;
    }
    *out = w;
    return 0;
}

int tolk_wav_writer_write(struct tolk_wav_writer *w, const int16_t *pcm, size_t samples)
{
    if (w->failed)
        return TOLK_EIO;
    if (samples > (MAX_DATA_BYTES - w->data_bytes) / 2)
        return TOLK_EINVAL;
    uint8_t bytes[1024];
    size_t done = 0;
    while (done < samples) {
        size_t n = samples - done < sizeof bytes / 2 ? samples - done : sizeof bytes / 2;
        for (size_t i = 0; i < n; i++)
            put_le16(bytes + 2 * i, (uint16_t)pcm[done + i]);
        if (fwrite(bytes, 2, n, w->f) != n) {
            w->failed = true;
            return TOLK_EIO;
        }
        done += n;
        w->data_bytes += 2 * n;
    }
    return 0;
}

int tolk_wav_writer_close(struct tolk_wav_writer *w)
{
    if (w == NULL)
        return 0;
    uint8_t h[HEADER_BYTES];
    make_header(h, (uint32_t)w->data_bytes);
    bool ok = !w->failed && fseek(w->f, 0, SEEK_SET) == 0 &&
              fwrite(h, 1, sizeof h, w->f) == sizeof h && fflush(w->f) == 0;
    ok = (fclose(w->f) == 0) && ok;
    free(w);
    return ok ? 0 : TOLK_EIO;
}
