#include "datakey.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK_KEY  "data_key_check"
#define CHECK_SALT "tolk data key check v1"

static void check_value(const unsigned char *key, char hex[2 * crypto_generichash_BYTES + 1])
{
    unsigned char mac[crypto_generichash_BYTES];
    crypto_generichash(mac, sizeof mac, (const unsigned char *)CHECK_SALT, strlen(CHECK_SALT), key,
                       TOLKD_DATAKEY_BYTES);
    sodium_bin2hex(hex, 2 * crypto_generichash_BYTES + 1, mac, sizeof mac);
}

static int read_key(const char *path, unsigned char *key, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read data key file %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    ssize_t n = -1;
    unsigned char extra;
    if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) {
        snprintf(err, errlen,
                 "data key file %s is readable by other users (mode %03o): "
                 "chmod 600 it",
                 path, (unsigned)(st.st_mode & 0777));
    } else {
        n = read(fd, key, TOLKD_DATAKEY_BYTES);
        if (n != TOLKD_DATAKEY_BYTES || read(fd, &extra, 1) != 0) {
            snprintf(err, errlen, "data key file %s must hold exactly %d bytes", path,
                     TOLKD_DATAKEY_BYTES);
            n = -1;
        }
    }
    close(fd);
    return n == TOLKD_DATAKEY_BYTES ? 0 : -1;
}

static int create_key(const char *path, unsigned char *key, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create data key file %s: %s", path, strerror(errno));
        return -1;
    }
    randombytes_buf(key, TOLKD_DATAKEY_BYTES);
    int ok = write(fd, key, TOLKD_DATAKEY_BYTES) == TOLKD_DATAKEY_BYTES && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        snprintf(err, errlen, "cannot write data key file %s: %s", path, strerror(errno));
        unlink(path);
        return -1;
    }
    return 0;
}

/* Compares KEY with the check value in the store, or records one if there is none. */
static int match_store(const char *path, struct tolk_store *st, const unsigned char *key,
                       bool have_check, const char *stored, char *err, size_t errlen)
{
    char hex[2 * crypto_generichash_BYTES + 1];
    check_value(key, hex);
    if (have_check) {
        if (sodium_memcmp(hex, stored, sizeof hex - 1) != 0 || strlen(stored) != sizeof hex - 1) {
            snprintf(err, errlen, "data key file %s does not match this database", path);
            return -1;
        }
        return 0;
    }
    if (tolk_store_meta_set(st, CHECK_KEY, hex) != TOLK_STORE_OK) {
        snprintf(err, errlen, "cannot record the data key check: %s", tolk_store_errmsg(st));
        return -1;
    }
    return 0;
}

int tolkd_datakey_open(const char *path, struct tolk_store *st, unsigned char **key, char *err,
                       size_t errlen)
{
    char stored[2 * crypto_generichash_BYTES + 8] = "";
    int rc = tolk_store_meta_get(st, CHECK_KEY, stored, sizeof stored);
    if (rc != TOLK_STORE_OK && rc != TOLK_STORE_ENOTFOUND) {
        snprintf(err, errlen, "cannot read the data key check: %s", tolk_store_errmsg(st));
        return -1;
    }
    bool have_check = rc == TOLK_STORE_OK;
    *key = sodium_malloc(TOLKD_DATAKEY_BYTES);
    if (!*key) {
        snprintf(err, errlen, "out of memory for the data key");
        return -1;
    }
    if (access(path, F_OK) != 0 && errno == ENOENT) {
        if (have_check) {
            snprintf(err, errlen,
                     "data key file %s is missing, but this database was set up "
                     "with one: restore it from your backup",
                     path);
            rc = -1;
        } else {
            rc = create_key(path, *key, err, errlen);
        }
    } else {
        rc = read_key(path, *key, err, errlen);
    }
    if (rc == 0)
        rc = match_store(path, st, *key, have_check, stored, err, errlen);
    if (rc != 0) {
        tolkd_datakey_free(*key);
        *key = NULL;
    }
    return rc;
}

void tolkd_datakey_free(unsigned char *key)
{
    if (key)
        sodium_free(key); /* sodium_free wipes before freeing */
}
