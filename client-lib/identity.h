/*
 * Device identity: the long-term Ed25519 key pair that names this device to the other
 * participants of a session (the "identity" field of the join message). Internal to libtolk.
 *
 * The key pair is derived from a 32-byte seed. A persistent identity keeps the seed in a file
 * that holds exactly the 4-byte magic "TKI1" followed by the seed, with mode 0600; a file that
 * group or others could open is refused rather than trusted. The X25519 key pair used to open
 * sealed key messages is derived from the Ed25519 pair (libsodium's ed25519-to-curve25519
 * conversion), so one key pair serves both for signing and for receiving keys.
 *
 * All secret material lives in sodium_malloc'd memory that is read-only after creation and
 * wiped when freed. An identity is immutable once made, so several threads may use one at the
 * same time.
 */
#ifndef TOLK_IDENTITY_H
#define TOLK_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#define TOLK_IDENTITY_PUBLIC_BYTES 32 /* Ed25519 public key */
#define TOLK_IDENTITY_SIG_BYTES    64 /* Ed25519 signature */
#define TOLK_IDENTITY_FILE_BYTES   36 /* "TKI1" || seed */

struct tolk_identity;

/*
 * Loads the identity stored at PATH, or, if no file is there, creates one with a fresh random
 * seed (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, fsync'd together with its directory). Refuses a
 * symbolic link, a file that is not regular, a file that group or others may read or write,
 * and a file of the wrong size or magic; it never repairs or overwrites an existing file.
 * On success stores a new identity in *OUT (the caller frees it with tolk_identity_free) and
 * returns 0. On failure returns a negative TOLK_E* code (TOLK_EIO for anything about the file)
 * and, if ERR is not NULL, writes a one-line explanation for the user into ERR (ERRLEN bytes,
 * always NUL-terminated). libsodium must be initialised. Any thread.
 */
int tolk_identity_load_or_create(const char *path, struct tolk_identity **out, char *err,
                                 size_t errlen);

/*
 * A fresh random identity that exists only in memory (tests, throw-away devices). Stores it
 * in *OUT (freed by the caller with tolk_identity_free); returns 0 or TOLK_ENOMEM.
 */
int tolk_identity_new_ephemeral(struct tolk_identity **out);

/* The 32-byte Ed25519 public key; valid as long as ID is. */
const uint8_t *tolk_identity_public(const struct tolk_identity *id);

/* Wipes and frees ID. NULL is a no-op. */
void tolk_identity_free(struct tolk_identity *id);

/* Signs MSG (LEN bytes) with the identity's Ed25519 key into SIG (64 bytes, detached). */
void tolk_identity_sign(const struct tolk_identity *id, const uint8_t *msg, size_t len,
                        uint8_t sig[TOLK_IDENTITY_SIG_BYTES]);

/*
 * Opens SEALED (LEN bytes, a crypto_box_seal to this identity's X25519 key) into OUT, which
 * must hold LEN - crypto_box_SEALBYTES bytes. Returns 0, or TOLK_EDECRYPT if SEALED is too
 * short or was not sealed to this identity (OUT is then wiped).
 */
int tolk_identity_unseal(const struct tolk_identity *id, const uint8_t *sealed, size_t len,
                         uint8_t *out) __attribute__((warn_unused_result))
__attribute__((nonnull(1, 2, 4)));

#endif
