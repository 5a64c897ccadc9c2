/*
 * End-to-end media keys: the sender-key state machine behind SFrame (see e2ee.h).
 *
 * The rules, as docs/PROTOCOL.md and docs/INTERPRETING.md ("Epochs and keys") state them:
 *
 *  1. Epochs and KIDs. The epoch is the session's epoch as the broker announces it; it goes up
 *     by one at every presence or room change, and the broker then sends each participant a
 *     state message with the epoch and that participant's room (its own index included; empty
 *     while waiting). Epochs stay below 2^60. Sender s's key for epoch E has SFrame KID =
 *     (E << 4) | s; cipher suite AES_128_GCM_SHA256_128 (4); base keys are 16 bytes. Keys
 *     follow rooms: nobody outside a sender's room is ever sent its key.
 *  2. Identities. joined and participant_joined give each present participant's Ed25519
 *     identity key (waiting ones too); participant_left forgets it with every key of that
 *     participant. The roster drives no key by itself: state messages do.
 *  3. State of a new epoch E, with R_prev our room at E - 1 (empty if we had no state for
 *     E - 1) and R_now our room at E:
 *     - R_now empty (waiting): we drop our sending key and send nothing;
 *     - R_prev non-empty and R_prev within R_now (nobody left): we ratchet our key,
 *       K_E = R_s,E(K_{E-1}), and send K_E to the newcomers R_now \ R_prev only; the others
 *       derive it themselves. A newcomer cannot compute earlier keys, so it cannot decrypt
 *       anything sent before it came into the room;
 *     - otherwise (somebody left, or we were in no room): a fresh random key for E, sent to
 *       everyone else in R_now. Whoever left the room cannot decrypt what follows.
 *     In every case we forget the keys of everyone outside R_now.
 *     R_s,E(K) = BLAKE2b (libsodium crypto_generichash) with 16-byte output, keyed with K,
 *     over "TOLK-RATCHET-1" || session_id (16) || E (8, big-endian) || s (1). One-way: K_E
 *     tells nothing about K_{E-1}. A state of the same epoch again changes routing only, and
 *     must carry the same room.
 *  4. Owed keys. A room member whose identity has not arrived yet (its participant_joined is
 *     behind the state) is owed our current key, which is sent when the identity comes.
 *  5. Receivers remember their room at each recent epoch. A receiver holding s's key for
 *     e' < e ratchets it forward to e only if, for every t in e'+1 .. e, it knows its rooms at
 *     t - 1 and t, s is in both, and the room at t - 1 is within the room at t (nobody left):
 *     exactly when s ratchets rather than making a fresh key. Otherwise it waits for s's key
 *     message, and s's frames of epoch e are dropped (no_key) until it arrives.
 *  6. Receivers keep, per sender, the keys of the two newest epochs they hold (the newest,
 *     and the previous one for late frames), each with a replay window of 128 counters per
 *     KID, and forget older ones. Frames of epochs below the receiver's epoch - 1 are dropped
 *     (no_key), as the broker relays only the current and the previous epoch.
 *  7. Senders: CTR is one counter per sender for the whole session, starting at 0 and going
 *     up by one per frame across epochs, so that it doubles as the frame sequence number of
 *     the receiver's jitter buffer. No (KID, CTR) is ever used twice: the counter only goes
 *     up, and a sender refuses to send rather than let it wrap.
 *  8. Key message. plaintext = "TOLK-KEY-1" || session_id (16) || epoch (8, big-endian) ||
 *     from (1) || to (1) || base_key (16), 52 bytes; sealed = crypto_box_seal(plaintext,
 *     recipient's X25519 key), 100 bytes, the X25519 key being the recipient's Ed25519
 *     identity converted with crypto_sign_ed25519_pk_to_curve25519; sig = Ed25519 detached
 *     signature by the sender's identity over "TOLK-KEY-SIG-1" || session_id || epoch (8, BE)
 *     || from (1) || to (1) || sealed, 64 bytes. Sent as {"type":"key","to","epoch","sealed",
 *     "sig"} (base64); the broker adds "from".
 *  9. Receiving a key message: `to` must be the receiver and `from` a participant it knows
 *     from joined / participant_joined, in the receiver's room at the key's epoch; the
 *     signature is verified with from's identity key before anything is opened; the opened
 *     plaintext's label, session, epoch, from and to must equal the envelope's. The epoch may
 *     be at most the receiver's epoch + 1 (a key may overtake the state message: its sender
 *     saw the state first); a key message that comes before what makes it checkable (the
 *     state of its epoch, or its sender's participant_joined) is kept, one per sender, and
 *     checked when that arrives. For each (sender, epoch) the first received key stands and a
 *     different one is refused, so that a broker replaying an old key message cannot reset a
 *     replay window; a key the receiver ratcheted itself gives way to a received one. Any
 *     failure refuses the message and changes no key.
 * 10. Decrypting a frame: parse the header; the KID's sender must be a present participant
 *     other than the receiver (else forged_sender); its epoch must be the receiver's or the one
 *     before, and the sender in the receiver's room at that epoch (else no_key: a frame of a
 *     room we were not in, which the broker may still relay across a room change, is not an
 *     attack, but we hold no key for it and never will); find the (sender, epoch) key,
 *     ratcheting as rule 5 allows (else no_key); SFrame-decrypt (else auth_failed); then the
 *     replay check (else replayed). A key ratcheted for a frame is kept only if the frame is
 *     authentic.
 *
 * Every secret (base keys, opened key messages, keys being derived) is in the object, which is
 * sodium_malloc'd; each is wiped as soon as it is no longer needed. The derived SFrame keys
 * live in tolk_sframe_key objects, which wipe themselves.
 */
#include "e2ee.h"
#include "safety.h"
#include "sframe.h"
#include "tolk.h"

#include <sodium.h>
#include <stdbool.h>
#include <string.h>

#define SUITE          TOLK_SFRAME_AES_128_GCM_SHA256_128
#define KEY_BYTES      TOLK_E2EE_KEY_BYTES
#define SID_BYTES      TOLK_E2EE_SESSION_BYTES
#define MAXP           TOLK_E2EE_MAX_PARTICIPANTS
#define QMAX           TOLK_E2EE_QUEUE_MAX
#define HISTORY        32 /* epochs whose room is remembered (rule 5) */
#define KEY_LABEL      "TOLK-KEY-1"
#define SIG_LABEL      "TOLK-KEY-SIG-1"
#define RATCHET_LABEL  "TOLK-RATCHET-1"
#define LABEL_LEN(l)   (sizeof(l) - 1)
#define ENVELOPE_BYTES (SID_BYTES + 8 + 1 + 1) /* session || epoch || from || to */
#define HEAD_BYTES     (LABEL_LEN(KEY_LABEL) + ENVELOPE_BYTES)
#define PT_BYTES       (HEAD_BYTES + KEY_BYTES)
#define SIGNED_BYTES   (LABEL_LEN(SIG_LABEL) + ENVELOPE_BYTES + TOLK_E2EE_SEALED_BYTES)

_Static_assert(PT_BYTES + crypto_box_SEALBYTES == TOLK_E2EE_SEALED_BYTES, "sealed size");
_Static_assert(crypto_sign_BYTES == TOLK_E2EE_SIG_BYTES, "signature size");
_Static_assert(MAXP == TOLK_SFRAME_MAX_SENDERS, "one KID index per participant");
_Static_assert(TOLK_E2EE_FRAME_OVERHEAD == TOLK_SFRAME_HEADER_MAX + TOLK_SFRAME_TAG_MAX,
               "frame overhead");

/* One sender's key for one epoch. */
struct rx_key {
    struct tolk_sframe_key *key; /* NULL: the slot is empty */
    uint64_t epoch;
    bool derived; /* ratcheted by us rather than received */
    struct tolk_replay replay;
    uint8_t base[KEY_BYTES];
};

struct peer {
    bool present;
    uint8_t identity[32];
    uint8_t x25519[crypto_box_PUBLICKEYBYTES];
    struct rx_key rx[2]; /* the two newest epochs held, in no particular order */
};

/* A key message that came before what makes it checkable (rule 9); not verified yet. */
struct pending {
    bool used;
    uint64_t epoch;
    uint8_t sealed[TOLK_E2EE_SEALED_BYTES];
    uint8_t sig[TOLK_E2EE_SIG_BYTES];
};

/* Our room at one epoch, as its state message gave it. */
struct epoch_rec {
    bool known; /* a state message of this epoch arrived */
    uint16_t room;
};

struct tolk_e2ee {
    const struct tolk_identity *self;
    bool joined;
    bool has_state; /* a state message arrived: epoch and room are the broker's */
    unsigned self_index;
    uint64_t epoch;        /* of the last state message (joined's before the first) */
    uint64_t roster_epoch; /* of the last roster event (joined, participant_joined/left) */
    uint16_t room;         /* our room at epoch; 0: in no room */
    uint16_t owed;         /* room members owed our key, whose identity has not come yet */
    uint8_t session_id[SID_BYTES];
    struct epoch_rec hist[HISTORY]; /* hist[t % HISTORY]: epoch t in (epoch - HISTORY, epoch] */
    struct {
        struct tolk_sframe_key *key; /* for KID (epoch, self_index); NULL in no room */
        uint64_t ctr;                /* the next counter to use */
        uint8_t base[KEY_BYTES];
    } tx;
    struct peer peer[MAXP];
    struct pending pending[MAXP]; /* by sender index */
    struct tolk_key_msg queue[QMAX];
    size_t q_head, q_len;
    struct tolk_e2ee_stats stats;
    uint8_t scratch_key[KEY_BYTES]; /* a key being made; wiped after use */
    uint8_t scratch_pt[PT_BYTES];   /* a key message being built or opened; wiped after use */
};

static void put_be64(uint8_t *out, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* Writes session_id || epoch (8, BE) || from || to: ENVELOPE_BYTES. */
static void envelope(const struct tolk_e2ee *e, uint64_t epoch, unsigned from, unsigned to,
                     uint8_t *out)
{
    memcpy(out, e->session_id, SID_BYTES);
    put_be64(out + SID_BYTES, epoch);
    out[SID_BYTES + 8] = (uint8_t)from;
    out[SID_BYTES + 9] = (uint8_t)to;
}

/* Writes the bytes a key message's signature covers (SIGNED_BYTES) into OUT. */
static void signed_bytes(const struct tolk_e2ee *e, uint64_t epoch, unsigned from, unsigned to,
                         const uint8_t *sealed, uint8_t *out)
{
    memcpy(out, SIG_LABEL, LABEL_LEN(SIG_LABEL));
    envelope(e, epoch, from, to, out + LABEL_LEN(SIG_LABEL));
    memcpy(out + LABEL_LEN(SIG_LABEL) + ENVELOPE_BYTES, sealed, TOLK_E2EE_SEALED_BYTES);
}

/*
 * The ratchet (rule 3): OUT = BLAKE2b-128(key = IN, "TOLK-RATCHET-1" || session_id || EPOCH ||
 * SENDER), sender SENDER's key for EPOCH from its key for EPOCH - 1. IN and OUT may be the
 * same buffer: the key is absorbed before the output is written.
 */
static void ratchet_step(const struct tolk_e2ee *e, unsigned sender, uint64_t epoch,
                         const uint8_t *in, uint8_t *out)
{
    uint8_t msg[LABEL_LEN(RATCHET_LABEL) + SID_BYTES + 8 + 1];
    memcpy(msg, RATCHET_LABEL, LABEL_LEN(RATCHET_LABEL));
    memcpy(msg + LABEL_LEN(RATCHET_LABEL), e->session_id, SID_BYTES);
    put_be64(msg + LABEL_LEN(RATCHET_LABEL) + SID_BYTES, epoch);
    msg[sizeof msg - 1] = (uint8_t)sender;
    crypto_generichash_state st;
    crypto_generichash_init(&st, in, KEY_BYTES, KEY_BYTES);
    crypto_generichash_update(&st, msg, sizeof msg);
    crypto_generichash_final(&st, out, KEY_BYTES);
    sodium_memzero(&st, sizeof st);
}

static int refuse(uint64_t *counter)
{
    (*counter)++;
    return TOLK_EDECRYPT;
}

/* ---- receive keys ---------------------------------------------------------------------- */

static void rx_clear(struct rx_key *k)
{
    tolk_sframe_key_free(k->key);
    sodium_memzero(k, sizeof *k);
}

/* Takes ownership of SK, the derived key of BASE for EPOCH, into the empty slot K. */
static void rx_set(struct rx_key *k, struct tolk_sframe_key *sk, uint64_t epoch,
                   const uint8_t *base, bool derived)
{
    k->key = sk;
    k->epoch = epoch;
    k->derived = derived;
    memcpy(k->base, base, KEY_BYTES);
    tolk_replay_init(&k->replay);
}

static struct rx_key *rx_find(struct peer *p, uint64_t epoch)
{
    for (size_t j = 0; j < 2; j++)
        if (p->rx[j].key != NULL && p->rx[j].epoch == epoch)
            return &p->rx[j];
    return NULL;
}

/*
 * The slot a new key for EPOCH goes into so that the two newest epochs are kept: an empty
 * one, else the older one if it is older than EPOCH; NULL if EPOCH is older than both.
 */
static struct rx_key *rx_slot_for(struct peer *p, uint64_t epoch)
{
    struct rx_key *a = &p->rx[0], *b = &p->rx[1];
    if (a->key == NULL)
        return a;
    if (b->key == NULL)
        return b;
    struct rx_key *older = a->epoch < b->epoch ? a : b;
    return older->epoch < epoch ? older : NULL;
}

/* The held key of P with the highest epoch below EPOCH, or NULL. */
static struct rx_key *rx_below(struct peer *p, uint64_t epoch)
{
    struct rx_key *best = NULL;
    for (size_t j = 0; j < 2; j++) {
        struct rx_key *k = &p->rx[j];
        if (k->key != NULL && k->epoch < epoch && (best == NULL || k->epoch > best->epoch))
            best = k;
    }
    return best;
}

static uint16_t bit(unsigned i)
{
    return (uint16_t)(1u << i);
}

/* Our room at epoch T into *ROOM, if a state of T arrived and is still remembered. */
static bool room_at(const struct tolk_e2ee *e, uint64_t t, uint16_t *room)
{
    if (t > e->epoch || t + HISTORY <= e->epoch || !e->hist[t % HISTORY].known)
        return false;
    *room = e->hist[t % HISTORY].room;
    return true;
}

/*
 * Rule 5: true if sender S's key for FROM may be ratcheted to TO: for every t in FROM+1 .. TO
 * our rooms at t - 1 and t are known, S is in both, and nobody left between them. Epochs
 * before our first state, or out of the remembered history, are unknown.
 */
static bool may_ratchet(const struct tolk_e2ee *e, unsigned s, uint64_t from, uint64_t to)
{
    if (to <= from || to > e->epoch || to - from >= HISTORY)
        return false;
    uint16_t prev, cur;
    if (!room_at(e, from, &prev))
        return false;
    for (uint64_t t = from + 1; t <= to; t++, prev = cur)
        if (!room_at(e, t, &cur) || !(prev & bit(s)) || !(cur & bit(s)) || (prev & ~cur) != 0)
            return false;
    return true;
}

/*
 * Forgets receive keys that can no longer decrypt anything: keys older than the previous
 * epoch, except a sender's newest one while it may still be ratcheted up to the previous
 * epoch (rules 5 and 6).
 */
static void prune(struct tolk_e2ee *e)
{
    for (size_t i = 0; i < MAXP; i++) {
        struct peer *p = &e->peer[i];
        for (size_t j = 0; p->present && j < 2; j++) {
            struct rx_key *k = &p->rx[j], *other = &p->rx[1 - j];
            if (k->key == NULL || k->epoch + 1 >= e->epoch)
                continue;
            bool newest = other->key == NULL || other->epoch < k->epoch;
            if (!newest || !may_ratchet(e, (unsigned)i, k->epoch, e->epoch - 1))
                rx_clear(k);
        }
    }
}

/*
 * Installs an authenticated key KEY of sender FROM for EPOCH (rule 9). Returns 0 (installed,
 * held already, or too old to matter), TOLK_EDECRYPT for a different key for an epoch whose
 * key we received already, or TOLK_ENOMEM; nothing changes unless it returns 0.
 */
static int install_received(struct tolk_e2ee *e, unsigned from, uint64_t epoch, const uint8_t *key)
{
    struct peer *p = &e->peer[from];
    struct rx_key *slot = rx_find(p, epoch);
    if (slot != NULL) {
        if (sodium_memcmp(slot->base, key, KEY_BYTES) == 0) {
            slot->derived = false;
            return 0;
        }
        if (!slot->derived)
            return TOLK_EDECRYPT;
    } else {
        if (epoch + 1 < e->epoch)
            return 0;
        slot = rx_slot_for(p, epoch);
        if (slot == NULL)
            return 0;
    }
    struct tolk_sframe_key *sk =
        tolk_sframe_key_new(SUITE, key, KEY_BYTES, tolk_sframe_kid(epoch, from));
    if (sk == NULL)
        return TOLK_ENOMEM;
    rx_clear(slot);
    rx_set(slot, sk, epoch, key, false);
    return 0;
}

/*
 * Verifies, opens and checks a key message from the present participant FROM, leaving its
 * plaintext in scratch_pt (the caller wipes it). Returns 0 or TOLK_EDECRYPT (scratch_pt wiped).
 */
static int open_key(struct tolk_e2ee *e, unsigned from, uint64_t epoch, const uint8_t *sealed,
                    const uint8_t *sig)
{
    uint8_t msg[SIGNED_BYTES];
    signed_bytes(e, epoch, from, e->self_index, sealed, msg);
    if (crypto_sign_verify_detached(sig, msg, sizeof msg, e->peer[from].identity) != 0)
        return TOLK_EDECRYPT;
    if (tolk_identity_unseal(e->self, sealed, TOLK_E2EE_SEALED_BYTES, e->scratch_pt) != 0)
        return TOLK_EDECRYPT;
    uint8_t head[HEAD_BYTES];
    memcpy(head, KEY_LABEL, LABEL_LEN(KEY_LABEL));
    envelope(e, epoch, from, e->self_index, head + LABEL_LEN(KEY_LABEL));
    if (sodium_memcmp(e->scratch_pt, head, HEAD_BYTES) == 0)
        return 0;
    sodium_memzero(e->scratch_pt, PT_BYTES);
    return TOLK_EDECRYPT;
}

/* Opens a key message (open_key) and installs its key. Returns 0, TOLK_EDECRYPT or
 * TOLK_ENOMEM; no key changes unless it returns 0. */
static int accept_key(struct tolk_e2ee *e, unsigned from, uint64_t epoch, const uint8_t *sealed,
                      const uint8_t *sig)
{
    int rc = open_key(e, from, epoch, sealed, sig);
    if (rc == 0)
        rc = install_received(e, from, epoch, e->scratch_pt + HEAD_BYTES);
    sodium_memzero(e->scratch_pt, PT_BYTES);
    return rc;
}

enum readiness { KEY_NOW, KEY_WAIT, KEY_REFUSE };

/*
 * Rule 9, for a key message of FROM for EPOCH (at most our epoch + 1) that passed the first
 * checks: whether it can be checked now, must wait (for the state of its epoch, or for the
 * identity of a member of our room), or is refused (FROM outside our room at EPOCH, or
 * unknown when it can no longer come). A key too old to matter is checked (and then ignored)
 * if FROM is known.
 */
static enum readiness key_ready(const struct tolk_e2ee *e, unsigned from, uint64_t epoch)
{
    if (epoch > e->epoch || (epoch == e->epoch && !e->has_state))
        return KEY_WAIT;
    if (epoch + 1 < e->epoch)
        return e->peer[from].present ? KEY_NOW : KEY_REFUSE;
    uint16_t room;
    if (!room_at(e, epoch, &room) || !(room & bit(from)))
        return KEY_REFUSE;
    if (!e->peer[from].present)
        return epoch == e->epoch ? KEY_WAIT : KEY_REFUSE;
    return KEY_NOW;
}

/*
 * After a state or roster event: checks the key messages kept (rule 9). Those now checkable
 * are accepted or refused, those still early stay; every one is settled by the next state.
 */
static void apply_pending(struct tolk_e2ee *e)
{
    for (unsigned i = 0; i < MAXP; i++) {
        struct pending *q = &e->pending[i];
        if (!q->used)
            continue;
        enum readiness r = key_ready(e, i, q->epoch);
        if (r == KEY_WAIT)
            continue;
        int rc = TOLK_EDECRYPT;
        if (r == KEY_NOW)
            rc = accept_key(e, i, q->epoch, q->sealed, q->sig);
        if (rc != 0)
            e->stats.keys_rejected++;
        sodium_memzero(q, sizeof *q);
    }
}

/* ---- sending keys ---------------------------------------------------------------------- */

/* Makes scratch_key our sending key for EPOCH and wipes scratch_key. */
static int tx_install(struct tolk_e2ee *e, uint64_t epoch)
{
    struct tolk_sframe_key *k = tolk_sframe_key_new(SUITE, e->scratch_key, KEY_BYTES,
                                                    tolk_sframe_kid(epoch, e->self_index));
    if (k == NULL) {
        sodium_memzero(e->scratch_key, KEY_BYTES);
        return TOLK_ENOMEM;
    }
    tolk_sframe_key_free(e->tx.key);
    e->tx.key = k; /* tx.ctr runs on across epochs (rule 7) */
    memcpy(e->tx.base, e->scratch_key, KEY_BYTES);
    sodium_memzero(e->scratch_key, KEY_BYTES);
    return 0;
}

/* In no room: nothing may be sent, so no sending key is kept. */
static void tx_drop(struct tolk_e2ee *e)
{
    tolk_sframe_key_free(e->tx.key);
    e->tx.key = NULL;
    sodium_memzero(e->tx.base, KEY_BYTES);
}

/* A free place at the tail of the queue; drops the oldest message if it is full. */
static struct tolk_key_msg *queue_push(struct tolk_e2ee *e)
{
    if (e->q_len == QMAX) {
        e->q_head = (e->q_head + 1) % QMAX;
        e->q_len--;
        e->stats.keys_dropped++;
    }
    struct tolk_key_msg *m = &e->queue[(e->q_head + e->q_len) % QMAX];
    e->q_len++;
    return m;
}

/* Removes the messages addressed outside KEEP (bit set of recipients), keeping the order. */
static void queue_purge(struct tolk_e2ee *e, uint16_t keep)
{
    size_t kept = 0;
    for (size_t i = 0; i < e->q_len; i++) {
        const struct tolk_key_msg *m = &e->queue[(e->q_head + i) % QMAX];
        if (keep & bit(m->to))
            e->queue[(e->q_head + kept++) % QMAX] = *m;
    }
    for (size_t i = kept; i < e->q_len; i++)
        sodium_memzero(&e->queue[(e->q_head + i) % QMAX], sizeof(struct tolk_key_msg));
    e->q_len = kept;
}

/* Seals our sending key for the current epoch to participant TO, signs it, and queues it. */
static void send_key(struct tolk_e2ee *e, unsigned to)
{
    struct tolk_key_msg m = {.to = to, .epoch = e->epoch};
    memcpy(e->scratch_pt, KEY_LABEL, LABEL_LEN(KEY_LABEL));
    envelope(e, e->epoch, e->self_index, to, e->scratch_pt + LABEL_LEN(KEY_LABEL));
    memcpy(e->scratch_pt + HEAD_BYTES, e->tx.base, KEY_BYTES);
    int rc = crypto_box_seal(m.sealed, e->scratch_pt, PT_BYTES, e->peer[to].x25519);
    sodium_memzero(e->scratch_pt, PT_BYTES);
    if (rc != 0)
        return; /* cannot happen: identity keys are checked when they enter the roster */
    uint8_t msg[SIGNED_BYTES];
    signed_bytes(e, e->epoch, e->self_index, to, m.sealed, msg);
    tolk_identity_sign(e->self, msg, sizeof msg, m.sig);
    *queue_push(e) = m;
}

/* Queues our current key to every participant in TARGETS whose identity we hold; the others
 * are owed it (rule 4). */
static void send_key_to(struct tolk_e2ee *e, uint16_t targets)
{
    for (unsigned i = 0; i < MAXP; i++) {
        if (!(targets & bit(i)) || i == e->self_index)
            continue;
        if (e->peer[i].present)
            send_key(e, i);
        else
            e->owed |= bit(i);
    }
}

/* ---- roster -------------------------------------------------------------------------------- */

/* Checks a participant the broker announced and derives its X25519 key into X. */
static int check_peer(unsigned self_index, const struct tolk_peer *p,
                      uint8_t x[crypto_box_PUBLICKEYBYTES])
{
    if (p->index >= MAXP || p->index == self_index)
        return TOLK_EPROTO;
    /* Refuses keys that are not points of the main subgroup, or of small order. */
    if (crypto_sign_ed25519_pk_to_curve25519(x, p->identity) != 0)
        return TOLK_EPROTO;
    return 0;
}

static void peer_add(struct tolk_e2ee *e, const struct tolk_peer *p, const uint8_t *x)
{
    struct peer *q = &e->peer[p->index];
    q->present = true;
    memcpy(q->identity, p->identity, sizeof q->identity);
    memcpy(q->x25519, x, sizeof q->x25519);
}

/* Forgets participant I's keys (not its identity). */
static void peer_forget_keys(struct tolk_e2ee *e, unsigned i)
{
    rx_clear(&e->peer[i].rx[0]);
    rx_clear(&e->peer[i].rx[1]);
}

/* Forgets everything about participant I: its keys, its pending message, what we queued. */
static void peer_forget(struct tolk_e2ee *e, unsigned i)
{
    peer_forget_keys(e, i);
    sodium_memzero(&e->peer[i], sizeof e->peer[i]);
    sodium_memzero(&e->pending[i], sizeof e->pending[i]);
    e->owed &= (uint16_t)~bit(i);
    queue_purge(e, (uint16_t)~bit(i));
}

/* Common checks of participant_joined / participant_left. */
static int check_roster_event(const struct tolk_e2ee *e, uint64_t epoch)
{
    if (!e->joined)
        return TOLK_ESTATE;
    if (epoch <= e->roster_epoch || epoch < e->epoch || epoch > TOLK_E2EE_MAX_EPOCH)
        return TOLK_EPROTO;
    return 0;
}

int tolk_e2ee_new(const struct tolk_identity *self, struct tolk_e2ee **out)
{
    /* A multiple of 64 bytes, so that sodium_malloc (which ends the block at a page
     * boundary) returns memory aligned for every member. */
    size_t size = (sizeof(struct tolk_e2ee) + 63) & ~(size_t)63;
    struct tolk_e2ee *e = sodium_malloc(size);
    if (e == NULL)
        return TOLK_ENOMEM;
    memset(e, 0, size);
    e->self = self;
    *out = e;
    return 0;
}

void tolk_e2ee_free(struct tolk_e2ee *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < MAXP; i++) {
        tolk_sframe_key_free(e->peer[i].rx[0].key);
        tolk_sframe_key_free(e->peer[i].rx[1].key);
    }
    tolk_sframe_key_free(e->tx.key);
    sodium_free(e); /* wipes */
}

int tolk_e2ee_on_joined(struct tolk_e2ee *e, const uint8_t session_id[TOLK_E2EE_SESSION_BYTES],
                        unsigned self_index, uint64_t epoch, const struct tolk_peer *peers,
                        size_t n)
{
    if (e->joined)
        return TOLK_ESTATE;
    if (self_index >= MAXP || epoch > TOLK_E2EE_MAX_EPOCH || n >= MAXP || (n > 0 && !peers))
        return TOLK_EPROTO;
    uint8_t x[MAXP][crypto_box_PUBLICKEYBYTES];
    unsigned seen = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = check_peer(self_index, &peers[i], x[i]);
        if (rc != 0)
            return rc;
        if (seen & (1u << peers[i].index))
            return TOLK_EPROTO;
        seen |= 1u << peers[i].index;
    }
    e->self_index = self_index;
    memcpy(e->session_id, session_id, SID_BYTES);
    e->epoch = e->roster_epoch = epoch;
    e->joined = true;
    for (size_t i = 0; i < n; i++)
        peer_add(e, &peers[i], x[i]);
    return 0;
}

int tolk_e2ee_on_peer_joined(struct tolk_e2ee *e, const struct tolk_peer *peer, uint64_t epoch)
{
    int rc = check_roster_event(e, epoch);
    if (rc != 0)
        return rc;
    uint8_t x[crypto_box_PUBLICKEYBYTES];
    rc = check_peer(e->self_index, peer, x);
    if (rc != 0)
        return rc;
    if (e->peer[peer->index].present)
        return TOLK_EPROTO;
    peer_add(e, peer, x);
    e->roster_epoch = epoch;
    if ((e->owed & bit(peer->index)) && (e->room & bit(peer->index)) && e->tx.key != NULL)
        send_key(e, peer->index);
    e->owed &= (uint16_t)~bit(peer->index);
    apply_pending(e);
    return 0;
}

int tolk_e2ee_on_peer_left(struct tolk_e2ee *e, unsigned index, uint64_t epoch)
{
    int rc = check_roster_event(e, epoch);
    if (rc != 0)
        return rc;
    if (index >= MAXP || index == e->self_index || !e->peer[index].present)
        return TOLK_EPROTO;
    peer_forget(e, index);
    e->roster_epoch = epoch;
    return 0;
}

/* ---- state: the key schedule ------------------------------------------------------------- */

/* Moves to EPOCH (> the current one) with ROOM, forgetting the rooms of skipped epochs. */
static void advance(struct tolk_e2ee *e, uint64_t epoch, uint16_t room)
{
    uint64_t first = epoch - e->epoch > HISTORY ? epoch - HISTORY + 1 : e->epoch + 1;
    for (uint64_t t = first; t < epoch; t++)
        e->hist[t % HISTORY] = (struct epoch_rec){0};
    e->hist[epoch % HISTORY] = (struct epoch_rec){.known = true, .room = room};
    e->epoch = epoch;
    e->room = room;
}

/* Makes our sending key for the new EPOCH (rule 3) into scratch_key, and says to whom it goes:
 * *TARGETS. Returns true if it is ratcheted rather than fresh. */
static bool next_tx_key(struct tolk_e2ee *e, uint64_t epoch, uint16_t room, uint16_t *targets)
{
    bool consecutive = e->has_state && epoch == e->epoch + 1;
    uint16_t prev = consecutive ? e->room : 0;
    if (prev != 0 && (prev & ~room) == 0 && e->tx.key != NULL) {
        ratchet_step(e, e->self_index, epoch, e->tx.base, e->scratch_key);
        *targets = room & (uint16_t)~prev;
        return true;
    }
    randombytes_buf(e->scratch_key, KEY_BYTES);
    *targets = room;
    return false;
}

int tolk_e2ee_on_state(struct tolk_e2ee *e, uint64_t epoch, uint16_t room)
{
    if (!e->joined)
        return TOLK_ESTATE;
    if (epoch < e->epoch || epoch > TOLK_E2EE_MAX_EPOCH ||
        (room != 0 && !(room & bit(e->self_index))))
        return TOLK_EPROTO;
    if (e->has_state && epoch == e->epoch)
        return room == e->room ? 0 : TOLK_EPROTO;
    uint16_t targets = 0;
    if (room == 0) {
        tx_drop(e);
    } else {
        next_tx_key(e, epoch, room, &targets);
        int rc = tx_install(e, epoch);
        if (rc != 0)
            return rc;
    }
    advance(e, epoch, room);
    e->has_state = true;
    for (unsigned i = 0; i < MAXP; i++)
        if (!(room & bit(i)))
            peer_forget_keys(e, i);
    queue_purge(e, room);
    e->owed &= room;
    send_key_to(e, targets);
    prune(e);
    apply_pending(e);
    return 0;
}

int tolk_e2ee_on_key(struct tolk_e2ee *e, unsigned from, unsigned to, uint64_t epoch,
                     const uint8_t *sealed, size_t sealed_len, const uint8_t *sig, size_t sig_len)
{
    if (!e->joined)
        return TOLK_ESTATE;
    if (sealed_len != TOLK_E2EE_SEALED_BYTES || sig_len != TOLK_E2EE_SIG_BYTES ||
        to != e->self_index || from >= MAXP || from == e->self_index ||
        epoch > TOLK_E2EE_MAX_EPOCH || epoch > e->epoch + 1)
        return refuse(&e->stats.keys_rejected);
    enum readiness r = key_ready(e, from, epoch);
    if (r == KEY_REFUSE)
        return refuse(&e->stats.keys_rejected);
    if (r == KEY_WAIT) {
        /* From a known sender, a forgery is refused at once rather than kept. */
        if (e->peer[from].present) {
            int rc = open_key(e, from, epoch, sealed, sig);
            sodium_memzero(e->scratch_pt, PT_BYTES);
            if (rc != 0)
                return refuse(&e->stats.keys_rejected);
        }
        struct pending *q = &e->pending[from];
        if (q->used && (q->epoch != epoch || memcmp(q->sealed, sealed, sizeof q->sealed) != 0))
            e->stats.keys_rejected++; /* an older early message of FROM's gives way */
        q->used = true;
        q->epoch = epoch;
        memcpy(q->sealed, sealed, TOLK_E2EE_SEALED_BYTES);
        memcpy(q->sig, sig, TOLK_E2EE_SIG_BYTES);
        return TOLK_EAGAIN;
    }
    int rc = accept_key(e, from, epoch, sealed, sig);
    if (rc == TOLK_EDECRYPT)
        e->stats.keys_rejected++;
    return rc;
}

int tolk_e2ee_next_outgoing(struct tolk_e2ee *e, struct tolk_key_msg *out)
{
    if (e->q_len == 0)
        return TOLK_EAGAIN;
    struct tolk_key_msg *m = &e->queue[e->q_head];
    *out = *m;
    sodium_memzero(m, sizeof *m);
    e->q_head = (e->q_head + 1) % QMAX;
    e->q_len--;
    return 0;
}

/* ---- media ------------------------------------------------------------------------------- */

int tolk_e2ee_encrypt(struct tolk_e2ee *e, const uint8_t *pt, size_t len, uint8_t *out, size_t cap,
                      size_t *out_len)
{
    if (!e->joined || e->tx.key == NULL || e->tx.ctr == UINT64_MAX)
        return TOLK_ESTATE;
    if (pt == NULL && len > 0)
        return TOLK_EINVAL;
    size_t overhead = tolk_sframe_overhead(e->tx.key, e->tx.ctr);
    if (len > SIZE_MAX - overhead || cap < len + overhead)
        return TOLK_EINVAL;
    static const uint8_t empty[1];
    uint64_t ctr = e->tx.ctr++; /* used up whatever happens next */
    size_t n = tolk_sframe_encrypt(e->tx.key, ctr, NULL, 0, pt != NULL ? pt : empty, len, out, cap);
    if (n == 0)
        return TOLK_ENOMEM;
    *out_len = n;
    return 0;
}

/*
 * Rule 5 for a frame of sender S and epoch EP for which we hold no key: ratchets S's newest
 * older key up to EP if allowed and decrypts with the result; keeps the key only if the frame
 * is authentic, and then stores its slot in *SLOT. Returns 0 or TOLK_EDECRYPT (counted) or
 * TOLK_ENOMEM.
 */
static int decrypt_ratcheted(struct tolk_e2ee *e, unsigned s, uint64_t ep, const uint8_t *frame,
                             size_t len, uint8_t *out, size_t cap, size_t *n, uint64_t *ctr,
                             struct rx_key **slot)
{
    struct peer *p = &e->peer[s];
    struct rx_key *base = rx_below(p, ep), *target = rx_slot_for(p, ep);
    if (base == NULL || target == NULL || !may_ratchet(e, s, base->epoch, ep))
        return refuse(&e->stats.no_key);
    memcpy(e->scratch_key, base->base, KEY_BYTES);
    for (uint64_t t = base->epoch + 1; t <= ep; t++)
        ratchet_step(e, s, t, e->scratch_key, e->scratch_key);
    struct tolk_sframe_key *sk =
        tolk_sframe_key_new(SUITE, e->scratch_key, KEY_BYTES, tolk_sframe_kid(ep, s));
    int rc = sk == NULL ? TOLK_ENOMEM : 0;
    if (rc == 0 && tolk_sframe_decrypt(sk, NULL, 0, frame, len, out, cap, n, ctr) != 0) {
        tolk_sframe_key_free(sk);
        rc = refuse(&e->stats.auth_failed);
    }
    if (rc == 0) {
        rx_clear(target); /* BASE itself, or an older key */
        rx_set(target, sk, ep, e->scratch_key, true);
        *slot = target;
    }
    sodium_memzero(e->scratch_key, KEY_BYTES);
    return rc;
}

int tolk_e2ee_decrypt(struct tolk_e2ee *e, const uint8_t *frame, size_t len, uint8_t *out,
                      size_t cap, size_t *out_len, unsigned *sender, uint64_t *ctr)
{
    if (!e->joined)
        return TOLK_ESTATE;
    struct tolk_sframe_header h;
    size_t hlen = tolk_sframe_header_decode(frame, len, &h);
    size_t tag = tolk_sframe_tag_len(SUITE);
    if (hlen == 0 || len - hlen < tag)
        return refuse(&e->stats.auth_failed);
    if (cap < len - hlen - tag)
        return TOLK_EINVAL;
    unsigned s = tolk_sframe_kid_sender(h.kid);
    uint64_t ep = tolk_sframe_kid_epoch(h.kid);
    uint16_t room = 0;
    if (s == e->self_index || !e->peer[s].present)
        return refuse(&e->stats.forged_sender);
    if (ep + 1 < e->epoch || ep > e->epoch || !room_at(e, ep, &room) || !(room & bit(s)))
        return refuse(&e->stats.no_key);
    size_t n = 0;
    uint64_t c = 0;
    struct rx_key *k = rx_find(&e->peer[s], ep);
    int rc;
    if (k != NULL)
        rc = tolk_sframe_decrypt(k->key, NULL, 0, frame, len, out, cap, &n, &c) == 0
                 ? 0
                 : refuse(&e->stats.auth_failed);
    else
        rc = decrypt_ratcheted(e, s, ep, frame, len, out, cap, &n, &c, &k);
    if (rc != 0)
        return rc;
    if (!tolk_replay_check_and_update(&k->replay, c)) {
        sodium_memzero(out, n);
        return refuse(&e->stats.replayed);
    }
    e->stats.decrypted++;
    *out_len = n;
    *sender = s;
    *ctr = c;
    return 0;
}

/* ---- the rest ---------------------------------------------------------------------------- */

int tolk_e2ee_safety_code(const struct tolk_e2ee *e, char *digits, size_t dlen, char *words,
                          size_t wlen)
{
    if (!e->joined)
        return TOLK_ESTATE;
    uint8_t keys[MAXP][TOLK_SAFETY_KEY_BYTES];
    size_t n = 0;
    memcpy(keys[n++], tolk_identity_public(e->self), TOLK_SAFETY_KEY_BYTES);
    for (size_t i = 0; i < MAXP; i++)
        if (e->peer[i].present)
            memcpy(keys[n++], e->peer[i].identity, TOLK_SAFETY_KEY_BYTES);
    return tolk_safety_code(e->session_id, (const uint8_t(*)[TOLK_SAFETY_KEY_BYTES])keys, n, digits,
                            dlen, words, wlen);
}

uint64_t tolk_e2ee_epoch(const struct tolk_e2ee *e)
{
    return e->epoch;
}

uint16_t tolk_e2ee_room(const struct tolk_e2ee *e)
{
    return e->has_state ? e->room : 0;
}

void tolk_e2ee_get_stats(const struct tolk_e2ee *e, struct tolk_e2ee_stats *out)
{
    *out = e->stats;
}

bool tolk_e2ee_has_key(const struct tolk_e2ee *e, unsigned index)
{
    if (!e->joined || !e->has_state || index >= MAXP || index == e->self_index ||
        !e->peer[index].present || !(e->room & bit(index)))
        return false;
    struct peer *p = (struct peer *)&e->peer[index]; /* the lookups do not change anything */
    if (rx_find(p, e->epoch))
        return true;
    const struct rx_key *below = rx_below(p, e->epoch);
    return below != NULL && may_ratchet(e, index, below->epoch, e->epoch);
}

bool tolk_e2ee_keys_agreed(const struct tolk_e2ee *e)
{
    if (!e->joined || !e->has_state || e->room == 0)
        return false;
    for (unsigned i = 0; i < MAXP; i++)
        if ((e->room & bit(i)) && i != e->self_index && !tolk_e2ee_has_key(e, i))
            return false;
    return true;
}
