/*
 * End-to-end media keys of one session: the sender-key state machine behind SFrame.
 * Internal to libtolk. The rules (epochs, rooms, ratchet, key messages) are written at the top
 * of e2ee.c, in docs/PROTOCOL.md and in docs/INTERPRETING.md ("Epochs and keys").
 *
 * A pure state machine: no network, no clock, no thread, no global. The caller feeds it the
 * session's roster (joined, participant_joined, participant_left: who is present, with which
 * identity key), the broker's state messages (the epoch and our room: the key schedule is
 * driven by these) and the key messages relayed by the broker, sends the key messages it
 * produces, and passes media through tolk_e2ee_encrypt / tolk_e2ee_decrypt. One thread at a
 * time per object; different objects are independent. Secrets live in sodium_malloc'd memory
 * and are wiped when no longer needed.
 *
 * Return values: 0, or a negative TOLK_E* code (tolk.h). TOLK_ESTATE: called before
 * tolk_e2ee_on_joined. TOLK_EPROTO: an event that breaks the protocol (epoch going back,
 * unknown or duplicate index, bad identity key, a room without ourselves); the state is then
 * unchanged.
 */
#ifndef TOLK_E2EE_H
#define TOLK_E2EE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "identity.h"

#define TOLK_E2EE_MAX_PARTICIPANTS 16
#define TOLK_E2EE_SESSION_BYTES    16
#define TOLK_E2EE_KEY_BYTES        16  /* SFrame base key, AES_128_GCM_SHA256_128 */
#define TOLK_E2EE_SEALED_BYTES     100 /* crypto_box_seal of the 52-byte key plaintext */
#define TOLK_E2EE_SIG_BYTES        64
#define TOLK_E2EE_MAX_EPOCH        ((UINT64_C(1) << 60) - 1) /* so that KID = epoch<<4 | idx fits */
#define TOLK_E2EE_FRAME_OVERHEAD   33 /* most bytes an encrypted frame adds: header 17, tag 16 */
#define TOLK_E2EE_QUEUE_MAX        64 /* key messages waiting to be sent */

/* A participant as the broker describes it: index 0..15 and Ed25519 identity key. */
struct tolk_peer {
    unsigned index;
    uint8_t identity[32];
};

/* One key message to send: {"type":"key","to":TO,"epoch":EPOCH,"sealed":..,"sig":..}. */
struct tolk_key_msg {
    unsigned to;
    uint64_t epoch;
    uint8_t sealed[TOLK_E2EE_SEALED_BYTES];
    uint8_t sig[TOLK_E2EE_SIG_BYTES];
};

/* Counters since creation. Frames refused are counted under exactly one reason. */
struct tolk_e2ee_stats {
    uint64_t decrypted;     /* frames decrypted and accepted */
    uint64_t auth_failed;   /* malformed, or failed SFrame authentication */
    uint64_t replayed;      /* authentic but seen before or older than the replay window */
    uint64_t no_key;        /* no key for the (sender, epoch): not yet, too old, or a room we
                               were not in */
    uint64_t forged_sender; /* KID names ourselves or nobody present */
    uint64_t keys_rejected; /* key messages refused (also those deferred, then refused) */
    uint64_t keys_dropped;  /* outgoing key messages dropped because the queue was full */
};

struct tolk_e2ee;

/*
 * A new key state for one session, not joined yet. SELF is borrowed: it must outlive the
 * object. Stores the object in *OUT (the caller frees it with tolk_e2ee_free); returns 0 or
 * TOLK_ENOMEM. libsodium must be initialised.
 */
int tolk_e2ee_new(const struct tolk_identity *self, struct tolk_e2ee **out);

/* Wipes every key and frees E. NULL is a no-op. */
void tolk_e2ee_free(struct tolk_e2ee *e);

/*
 * The broker's joined message: SESSION_ID, our SELF_INDEX, the session's EPOCH and the N other
 * participants present (their identities). Makes no key yet: the state message that follows
 * says which room we are in. Allowed once per object (TOLK_ESTATE after that): a participant
 * that joins again afresh uses a new object.
 */
int tolk_e2ee_on_joined(struct tolk_e2ee *e, const uint8_t session_id[TOLK_E2EE_SESSION_BYTES],
                        unsigned self_index, uint64_t epoch, const struct tolk_peer *peers,
                        size_t n);

/*
 * participant_joined: PEER is present (waiting or not), the session is at EPOCH. Records its
 * identity; if it is in our room already and is owed our key, queues the key to it.
 */
int tolk_e2ee_on_peer_joined(struct tolk_e2ee *e, const struct tolk_peer *peer, uint64_t epoch);

/*
 * participant_left: INDEX went, the session is at EPOCH. Forgets its identity, its keys and
 * anything queued for it. Our own key changes at the state message that follows.
 */
int tolk_e2ee_on_peer_left(struct tolk_e2ee *e, unsigned index, uint64_t epoch);

/*
 * state: the session is at EPOCH and our room is ROOM (bit i: participant i; our own bit set,
 * or 0 when we are in no room, e.g. waiting). On a new epoch: if our room at the previous
 * epoch was not empty and nobody left it, ratchets our key and queues it to the newcomers
 * only; otherwise makes a fresh key and queues it to everyone else in ROOM; with ROOM empty,
 * drops our key (nothing can be sent) and queues nothing. Forgets the keys of everyone outside
 * ROOM. The same epoch again (a routing change) must come with the same room and changes
 * nothing.
 */
int tolk_e2ee_on_state(struct tolk_e2ee *e, uint64_t epoch, uint16_t room);

/*
 * A key message relayed by the broker: FROM (added by the broker), TO, EPOCH, SEALED and SIG
 * as received (decoded from base64). Returns 0 if the key is installed (or is one we hold
 * already, or is authentic but too old to matter); TOLK_EAGAIN if it came before the event
 * that makes it checkable (the state of EPOCH, or FROM's participant_joined), so it is kept and
 * checked then (a refusal then is counted in keys_rejected); TOLK_EDECRYPT if it is refused
 * for any reason (wrong recipient, unknown sender, sender outside our room at EPOCH, bad
 * signature, fields that do not match, epoch too new, a different key for a (sender, epoch)
 * we already hold), with our keys unchanged;
 * TOLK_ENOMEM. Never trusts the envelope before the signature is verified.
 */
int tolk_e2ee_on_key(struct tolk_e2ee *e, unsigned from, unsigned to, uint64_t epoch,
                     const uint8_t *sealed, size_t sealed_len, const uint8_t *sig, size_t sig_len)
    __attribute__((warn_unused_result)) __attribute__((nonnull(1, 5, 7)));

/*
 * Takes the oldest key message waiting to be sent into *OUT (first in, first out). Returns 0,
 * or TOLK_EAGAIN when there is none. Call it until TOLK_EAGAIN after every event above: if
 * more than TOLK_E2EE_QUEUE_MAX pile up, the oldest are dropped (keys_dropped).
 */
int tolk_e2ee_next_outgoing(struct tolk_e2ee *e, struct tolk_key_msg *out);

/*
 * Encrypts the Opus packet PT (LEN bytes) as one SFrame frame with our key for the current
 * epoch and the next counter, into OUT (CAP bytes; LEN + TOLK_E2EE_FRAME_OVERHEAD is always
 * enough); stores the frame length in *OUT_LEN. Returns 0; TOLK_EINVAL if CAP is too small;
 * TOLK_ESTATE if not joined, in no room (no key: nothing may be sent), or the counter of this epoch
 * is exhausted (2^64 - 1 frames: never reuses a (KID, CTR)); TOLK_ENOMEM if OpenSSL fails. A
 * counter is used up even on failure.
 */
int tolk_e2ee_encrypt(struct tolk_e2ee *e, const uint8_t *pt, size_t len, uint8_t *out, size_t cap,
                      size_t *out_len) __attribute__((nonnull(1, 4, 6)));

/*
 * Decrypts one SFrame frame (LEN bytes) into OUT (CAP bytes; LEN is always enough) and stores
 * the plaintext length in *OUT_LEN, the sender's index in *SENDER and the frame's counter in
 * *CTR. Returns 0; TOLK_EDECRYPT if the frame is refused (counted in the stats under its
 * reason; nothing useful is left in OUT); TOLK_EINVAL if CAP is too small for the plaintext;
 * TOLK_ESTATE if not joined; TOLK_ENOMEM.
 */
int tolk_e2ee_decrypt(struct tolk_e2ee *e, const uint8_t *frame, size_t len, uint8_t *out,
                      size_t cap, size_t *out_len, unsigned *sender, uint64_t *ctr)
    __attribute__((warn_unused_result)) __attribute__((nonnull(1, 2, 4, 6, 7, 8)));

/*
 * The safety code (safety.h) of the session as this participant sees it: our identity and
 * the identities of everyone present (in our room or not). DIGITS (DLEN >= TOLK_SAFETY_DIGITS_SIZE)
 * and WORDS (WLEN >= TOLK_SAFETY_WORDS_SIZE) may each be NULL. Returns 0, TOLK_ESTATE if not
 * joined, or TOLK_EINVAL for a buffer too small.
 */
int tolk_e2ee_safety_code(const struct tolk_e2ee *e, char *digits, size_t dlen, char *words,
                          size_t wlen);

/* The session's epoch as last told by the broker (0 before joined). */
uint64_t tolk_e2ee_epoch(const struct tolk_e2ee *e);

/* Our room as the last state message gave it (0 before the first state, or in no room). */
uint16_t tolk_e2ee_room(const struct tolk_e2ee *e);

/*
 * True if frames that participant INDEX sends in the current epoch can be decrypted: INDEX is
 * in our room, and its key for the epoch is held or can be ratcheted to it (rule 5).
 */
bool tolk_e2ee_has_key(const struct tolk_e2ee *e, unsigned index);

/*
 * True once a state message put us in a room and every other member's key for the current
 * epoch is in (tolk_e2ee_has_key): the keys of this room are agreed, and the client announces
 * the safety code. False in no room (waiting).
 */
bool tolk_e2ee_keys_agreed(const struct tolk_e2ee *e);

/* Copies the counters into *OUT. */
void tolk_e2ee_get_stats(const struct tolk_e2ee *e, struct tolk_e2ee_stats *out);

#endif
