/*
 * The data key: 32 random bytes in a file outside the database, used (by later modules) to
 * encrypt contact details at rest with libsodium's secretbox. It never enters the database or
 * the logs. The database keeps only a keyed check value, so that starting tolkd with the wrong
 * key file, or none, is refused instead of silently making stored data unreadable.
 */
#ifndef TOLK_DATAKEY_H
#define TOLK_DATAKEY_H

#include <stddef.h>

#include "store.h"

#define TOLKD_DATAKEY_BYTES 32

/*
 * Loads the key at PATH, or creates it (mode 0600) if it does not exist and the store has never
 * seen a key. Checks it against the store's check value, recording one on first use. On
 * success *key points to sodium_malloc'd memory, released with tolkd_datakey_free. On failure
 * returns -1 with one line in err and *key is NULL.
 */
int tolkd_datakey_open(const char *path, struct tolk_store *st, unsigned char **key, char *err,
                       size_t errlen);

/* Wipes and frees. NULL is a no-op. */
void tolkd_datakey_free(unsigned char *key);

#endif
