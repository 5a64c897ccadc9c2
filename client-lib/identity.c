/*
 * Device identity: Ed25519 key pair from a seed kept in a 0600 file. See identity.h.
 */
#include "identity.h"
#include "tolk.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC     "TKI1"
#define MAGIC_LEN 4

_Static_assert(MAGIC_LEN + crypto_sign_SEEDBYTES == TOLK_IDENTITY_FILE_BYTES, "file layout");
_Static_assert(crypto_sign_PUBLICKEYBYTES == TOLK_IDENTITY_PUBLIC_BYTES, "Ed25519 key size");
_Static_assert(crypto_sign_BYTES == TOLK_IDENTITY_SIG_BYTES, "Ed25519 signature size");

/* Lives in sodium_malloc'd memory, read-only once filled. */
struct tolk_identity {
    uint8_t ed_pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t ed_sk[crypto_sign_SECRETKEYBYTES];
    uint8_t x_pk[crypto_box_PUBLICKEYBYTES];
    uint8_t x_sk[crypto_box_SECRETKEYBYTES];
};

/* Writes a formatted message into ERR if the caller wants one; returns CODE for chaining. */
__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int code,
                                                      const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/*
 * Builds an identity from SEED (32 bytes). The result is made read-only so that a stray write
 * through a bad pointer faults instead of corrupting the key. Returns NULL if out of memory.
 */
static struct tolk_identity *from_seed(const uint8_t *seed)
{
    struct tolk_identity *id = sodium_malloc(sizeof *id);
    if (id == NULL)
        return NULL;
    crypto_sign_seed_keypair(id->ed_pk, id->ed_sk, seed);
    /* Cannot fail for a key pair we just made from a seed. */
    if (crypto_sign_ed25519_pk_to_curve25519(id->x_pk, id->ed_pk) != 0 ||
        crypto_sign_ed25519_sk_to_curve25519(id->x_sk, id->ed_sk) != 0)
        abort();
    sodium_mprotect_readonly(id);
    return id;
}

int tolk_identity_new_ephemeral(struct tolk_identity **out)
{
    uint8_t *seed = sodium_malloc(crypto_sign_SEEDBYTES);
    if (seed == NULL)
        return TOLK_ENOMEM;
    randombytes_buf(seed, crypto_sign_SEEDBYTES);
    *out = from_seed(seed);
    sodium_free(seed);
    return *out == NULL ? TOLK_ENOMEM : 0;
}

/* Reads exactly LEN bytes; returns 0, or -1 with errno set (EIO for a short file). */
static int read_full(int fd, uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

/* Writes exactly LEN bytes; returns 0, or -1 with errno set. */
static int write_full(int fd, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

/*
 * Checks what fstat says about an opened identity file before a byte of it is trusted: a
 * regular file, private to its owner, of the exact size. Returns 0 or TOLK_EIO with ERR set.
 */
static int check_file(int fd, const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return fail(err, errlen, TOLK_EIO, "identity file %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fail(err, errlen, TOLK_EIO, "identity file %s is not a regular file", path);
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        return fail(err, errlen, TOLK_EIO,
                    "identity file %s is accessible by group or others (mode %03o); it holds a "
                    "secret key and must be private: chmod 600 it, and make a new identity if "
                    "someone else may have read it",
                    path, (unsigned)(st.st_mode & 0777));
    if (st.st_size != TOLK_IDENTITY_FILE_BYTES)
        return fail(err, errlen, TOLK_EIO,
                    "identity file %s has %lld bytes, not %d: it is damaged or not an identity "
                    "file",
                    path, (long long)st.st_size, TOLK_IDENTITY_FILE_BYTES);
    return 0;
}

/*
 * Loads an existing identity file. Returns 0, 1 if PATH does not exist (so the caller may
 * create it), or a negative TOLK_E* code with ERR set.
 */
static int load(const char *path, struct tolk_identity **out, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        if (errno == ELOOP)
            return fail(err, errlen, TOLK_EIO, "identity file %s is a symbolic link", path);
        return fail(err, errlen, TOLK_EIO, "identity file %s: %s", path, strerror(errno));
    }
    uint8_t *buf = sodium_malloc(TOLK_IDENTITY_FILE_BYTES);
    int rc = buf == NULL ? TOLK_ENOMEM : check_file(fd, path, err, errlen);
    if (rc == 0 && read_full(fd, buf, TOLK_IDENTITY_FILE_BYTES) != 0)
        rc = fail(err, errlen, TOLK_EIO, "identity file %s: %s", path, strerror(errno));
    if (rc == 0 && memcmp(buf, MAGIC, MAGIC_LEN) != 0)
        rc = fail(err, errlen, TOLK_EIO, "%s is not a Tolk identity file (bad magic)", path);
    if (rc == 0) {
        *out = from_seed(buf + MAGIC_LEN);
        if (*out == NULL)
            rc = TOLK_ENOMEM;
    }
    if (rc == TOLK_ENOMEM)
        fail(err, errlen, rc, "out of memory");
    sodium_free(buf); /* NULL-safe; wipes the seed */
    close(fd);
    return rc;
}

/*
 * Makes the new directory entry durable: fsync of the directory that holds PATH. Returns 0 or
 * -1 with errno set.
 */
static int sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL ? strdup(".") : strndup(path, (size_t)(slash - path));
    if (dir == NULL)
        return -1;
    if (dir[0] == '\0') { /* "/file" */
        free(dir);
        dir = strdup("/");
        if (dir == NULL)
            return -1;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/*
 * Creates a new identity file at PATH. Returns 0, 1 if a file appeared there in the meantime
 * (another process won the race; the caller loads it), or a negative TOLK_E* code with ERR set.
 * A half-written file is removed, so that a later start does not find a damaged one.
 */
static int create(const char *path, struct tolk_identity **out, char *err, size_t errlen)
{
    uint8_t *buf = sodium_malloc(TOLK_IDENTITY_FILE_BYTES);
    if (buf == NULL)
        return fail(err, errlen, TOLK_ENOMEM, "out of memory");
    memcpy(buf, MAGIC, MAGIC_LEN);
    randombytes_buf(buf + MAGIC_LEN, crypto_sign_SEEDBYTES);
    int rc = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        rc = errno == EEXIST ? 1
                             : fail(err, errlen, TOLK_EIO, "cannot create identity file %s: %s",
                                    path, strerror(errno));
    } else {
        if (write_full(fd, buf, TOLK_IDENTITY_FILE_BYTES) != 0 || fsync(fd) != 0)
            rc = fail(err, errlen, TOLK_EIO, "cannot write identity file %s: %s", path,
                      strerror(errno));
        if (close(fd) != 0 && rc == 0)
            rc = fail(err, errlen, TOLK_EIO, "cannot write identity file %s: %s", path,
                      strerror(errno));
        if (rc == 0 && sync_parent(path) != 0)
            rc = fail(err, errlen, TOLK_EIO, "cannot sync the directory of %s: %s", path,
                      strerror(errno));
        if (rc != 0)
            unlink(path);
    }
    if (rc == 0) {
        *out = from_seed(buf + MAGIC_LEN);
        if (*out == NULL)
            rc = fail(err, errlen, TOLK_ENOMEM, "out of memory");
    }
    sodium_free(buf);
    return rc;
}

int tolk_identity_load_or_create(const char *path, struct tolk_identity **out, char *err,
                                 size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (path == NULL || out == NULL || path[0] == '\0')
        return fail(err, errlen, TOLK_EINVAL, "no identity file path");
    *out = NULL;
    /* Two rounds: if another process creates the file between our load and create, load it. */
    for (int round = 0; round < 2; round++) {
        int rc = load(path, out, err, errlen);
        if (rc <= 0)
            return rc;
        rc = create(path, out, err, errlen);
        if (rc <= 0)
            return rc;
    }
    return fail(err, errlen, TOLK_EIO, "identity file %s keeps appearing and disappearing", path);
}

const uint8_t *tolk_identity_public(const struct tolk_identity *id)
{
    return id->ed_pk;
}

void tolk_identity_free(struct tolk_identity *id)
{
    sodium_free(id); /* NULL-safe; makes the pages writable again and wipes them */
}

void tolk_identity_sign(const struct tolk_identity *id, const uint8_t *msg, size_t len,
                        uint8_t sig[TOLK_IDENTITY_SIG_BYTES])
{
    crypto_sign_detached(sig, NULL, msg, len, id->ed_sk);
}

int tolk_identity_unseal(const struct tolk_identity *id, const uint8_t *sealed, size_t len,
                         uint8_t *out)
{
    if (len < crypto_box_SEALBYTES)
        return TOLK_EDECRYPT;
    if (crypto_box_seal_open(out, sealed, len, id->x_pk, id->x_sk) != 0) {
        sodium_memzero(out, len - crypto_box_SEALBYTES);
        return TOLK_EDECRYPT;
    }
    return 0;
}
