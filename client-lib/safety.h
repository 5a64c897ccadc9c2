/*
 * The safety code: a short string that the participants of a session read aloud to each other
 * to detect a broker that substitutes identity keys (a man in the middle). Internal to
 * libtolk; pure, no state.
 *
 *   H = BLAKE2b-256("TOLK-SAFETY-1" || session_id (16) || the identity keys of ALL participants,
 *                   the caller's own included, each 32 bytes, sorted bytewise ascending)
 *
 * Two views of the code are derived from H:
 *   digits: H[8..15] read as a big-endian 64-bit integer, modulo 10^12, printed as twelve
 *           decimal digits in three groups of four ("0123 4567 8901"); the modulo bias is
 *           below 2^-24 and so invisible;
 *   words:  six words, word i = tolk_safety_word(H[i]) for i = 0..5, joined by single spaces.
 * Every participant who sees the same keys for everyone gets the same code; the order in which
 * the broker lists participants does not matter.
 */
#ifndef TOLK_SAFETY_H
#define TOLK_SAFETY_H

#include <stddef.h>
#include <stdint.h>

#define TOLK_SAFETY_SESSION_BYTES 16
#define TOLK_SAFETY_KEY_BYTES     32
#define TOLK_SAFETY_MAX_KEYS      16
#define TOLK_SAFETY_WORD_COUNT    256
#define TOLK_SAFETY_WORD_MAX      8  /* longest word in the list, in bytes */
#define TOLK_SAFETY_WORDS         6  /* words in a code */
#define TOLK_SAFETY_DIGITS_SIZE   15 /* "1234 5678 9012" and its NUL */
#define TOLK_SAFETY_WORDS_SIZE    (TOLK_SAFETY_WORDS * (TOLK_SAFETY_WORD_MAX + 1))

/*
 * Computes the safety code for SESSION_ID and the N (1..16) identity keys in KEYS, in any
 * order. Writes the digits into DIGITS (DLEN >= TOLK_SAFETY_DIGITS_SIZE) and the words into
 * WORDS (WLEN >= TOLK_SAFETY_WORDS_SIZE), both NUL-terminated; either may be NULL if that view
 * is not wanted. Returns 0, or TOLK_EINVAL if N or a buffer size is out of range (nothing is
 * written then). Any thread.
 */
int tolk_safety_code(const uint8_t session_id[TOLK_SAFETY_SESSION_BYTES],
                     const uint8_t (*keys)[TOLK_SAFETY_KEY_BYTES], size_t n, char *digits,
                     size_t dlen, char *words, size_t wlen);

/* Word I (0..255) of the list: lower-case ASCII, static, never NULL for I < 256. */
const char *tolk_safety_word(size_t i);

#endif
