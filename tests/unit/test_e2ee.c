/*
 * Unit tests of libtolk's end-to-end key management: identity (identity.c), the per-session
 * key state machine (e2ee.c) and the safety code (safety.c).
 *
 * A small in-test "broker" keeps up to four participants with a presence (waiting or
 * admitted) and a role, and a sidebar flag; it delivers the roster events (joined,
 * participant_joined, participant_left) and then a state message with each participant's room,
 * as docs/INTERPRETING.md defines rooms, with epochs in order, and routes the key messages
 * they produce, the way tolkd relays them (refusing a key for anyone outside the sender's
 * room). Media frames go straight from one participant's encrypt to another's decrypt.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "e2ee.h"
#include "identity.h"
#include "safety.h"
#include "sframe.h"
#include "tolk.h"

#define NP       4
#define FRAME    200
#define START_EP 7

/* ---- the in-test broker ------------------------------------------------------------------ */

enum presence { ABSENT = 0, WAITING, ADMITTED };
enum role { CLINICIAN = 0, INTERPRETER, CLIENT }; /* CLIENT stands for support persons too */

struct party {
    struct tolk_identity *id;
    struct tolk_e2ee *e;
    bool in;
    enum presence pres;
    enum role role;
};

struct broker {
    uint8_t sid[TOLK_E2EE_SESSION_BYTES];
    uint64_t epoch;
    bool sidebar;
    struct party p[NP];
};

static struct broker *broker_new(void)
{
    struct broker *b = calloc(1, sizeof *b);
    assert_non_null(b);
    randombytes_buf(b->sid, sizeof b->sid);
    b->epoch = START_EP - 1;
    for (unsigned i = 0; i < NP; i++) {
        assert_int_equal(tolk_identity_new_ephemeral(&b->p[i].id), 0);
        assert_int_equal(tolk_e2ee_new(b->p[i].id, &b->p[i].e), 0);
    }
    return b;
}

static void broker_free(struct broker *b)
{
    for (unsigned i = 0; i < NP; i++) {
        tolk_e2ee_free(b->p[i].e);
        tolk_identity_free(b->p[i].id);
    }
    free(b);
}

static struct tolk_peer peer_of(const struct broker *b, unsigned i)
{
    struct tolk_peer p = {.index = i};
    memcpy(p.identity, tolk_identity_public(b->p[i].id), 32);
    return p;
}

/* Participant I's room: every admitted participant, or with a sidebar open, those on I's side
 * of it (clinician and interpreters apart from clients); none while waiting. */
static uint16_t room_of(const struct broker *b, unsigned i)
{
    if (b->p[i].pres != ADMITTED)
        return 0;
    bool side = b->p[i].role == CLIENT;
    uint16_t room = 0;
    for (unsigned j = 0; j < NP; j++)
        if (b->p[j].pres == ADMITTED && (!b->sidebar || (b->p[j].role == CLIENT) == side))
            room |= (uint16_t)(1u << j);
    return room;
}

/* Every present participant gets the state of the current epoch. */
static void send_states(struct broker *b)
{
    for (unsigned i = 0; i < NP; i++)
        if (b->p[i].in)
            assert_int_equal(tolk_e2ee_on_state(b->p[i].e, b->epoch, room_of(b, i)), 0);
}

/* Delivers every queued key message (and those they cause) to its recipient; expects each to
 * be addressed inside its sender's room and to be accepted. Returns how many there were. */
static size_t route_keys(struct broker *b)
{
    size_t count = 0;
    for (bool any = true; any;) {
        any = false;
        for (unsigned i = 0; i < NP; i++) {
            struct tolk_key_msg m;
            while (b->p[i].in && tolk_e2ee_next_outgoing(b->p[i].e, &m) == 0) {
                any = true;
                count++;
                assert_true(m.to < NP && b->p[m.to].in);
                assert_true(room_of(b, i) & (1u << m.to));
                assert_int_equal(tolk_e2ee_on_key(b->p[m.to].e, i, m.to, m.epoch, m.sealed,
                                                  sizeof m.sealed, m.sig, sizeof m.sig),
                                 0);
            }
        }
    }
    return count;
}

/* Participant I joins with presence PRES (a fresh key state if it was in the session before):
 * joined to it, participant_joined to the others, then everyone's state. */
static void join_as_noroute(struct broker *b, unsigned i, enum presence pres)
{
    if (tolk_e2ee_epoch(b->p[i].e) != 0) {
        tolk_e2ee_free(b->p[i].e);
        assert_int_equal(tolk_e2ee_new(b->p[i].id, &b->p[i].e), 0);
    }
    b->epoch++;
    struct tolk_peer peers[NP];
    size_t n = 0;
    for (unsigned j = 0; j < NP; j++)
        if (b->p[j].in)
            peers[n++] = peer_of(b, j);
    assert_int_equal(tolk_e2ee_on_joined(b->p[i].e, b->sid, i, b->epoch, peers, n), 0);
    struct tolk_peer me = peer_of(b, i);
    for (unsigned j = 0; j < NP; j++)
        if (b->p[j].in)
            assert_int_equal(tolk_e2ee_on_peer_joined(b->p[j].e, &me, b->epoch), 0);
    b->p[i].in = true;
    b->p[i].pres = pres;
    send_states(b);
}

static void join_noroute(struct broker *b, unsigned i)
{
    join_as_noroute(b, i, ADMITTED);
}

static void join(struct broker *b, unsigned i)
{
    join_noroute(b, i);
    route_keys(b);
}

static void leave_noroute(struct broker *b, unsigned i)
{
    b->p[i].in = false;
    b->p[i].pres = ABSENT;
    b->epoch++;
    for (unsigned j = 0; j < NP; j++)
        if (b->p[j].in)
            assert_int_equal(tolk_e2ee_on_peer_left(b->p[j].e, i, b->epoch), 0);
    send_states(b);
}

static void leave(struct broker *b, unsigned i)
{
    leave_noroute(b, i);
    route_keys(b);
}

/* A presence change (admit, hold) or a sidebar change: a new epoch and new states. Returns the
 * number of key messages it caused. */
static size_t set_presence(struct broker *b, unsigned i, enum presence pres)
{
    b->p[i].pres = pres;
    b->epoch++;
    send_states(b);
    return route_keys(b);
}

static size_t set_sidebar(struct broker *b, bool open)
{
    b->sidebar = open;
    b->epoch++;
    send_states(b);
    return route_keys(b);
}

/* Encrypts a recognisable payload from participant I into FRAME (returns its length). */
static size_t speak(struct broker *b, unsigned i, uint8_t *frame)
{
    uint8_t pt[60];
    memset(pt, (int)(0x40 + i), sizeof pt);
    size_t n = 0;
    assert_int_equal(tolk_e2ee_encrypt(b->p[i].e, pt, sizeof pt, frame, FRAME, &n), 0);
    assert_true(n > sizeof pt);
    return n;
}

/* Expects participant J to decrypt FRAME as participant I's payload. */
static void hears(struct broker *b, unsigned j, unsigned i, const uint8_t *frame, size_t len)
{
    uint8_t pt[FRAME];
    size_t n = 0;
    unsigned from = 99;
    uint64_t ctr = 0;
    assert_int_equal(tolk_e2ee_decrypt(b->p[j].e, frame, len, pt, sizeof pt, &n, &from, &ctr), 0);
    assert_int_equal(from, i);
    assert_int_equal(n, 60);
    for (size_t k = 0; k < n; k++)
        assert_int_equal(pt[k], 0x40 + i);
}

/* Expects participant J to refuse FRAME; returns the code. */
static int refuses(struct broker *b, unsigned j, const uint8_t *frame, size_t len)
{
    uint8_t pt[FRAME];
    size_t n = 0;
    unsigned from = 0;
    uint64_t ctr = 0;
    int rc = tolk_e2ee_decrypt(b->p[j].e, frame, len, pt, sizeof pt, &n, &from, &ctr);
    assert_int_equal(rc, TOLK_EDECRYPT);
    return rc;
}

/* Everyone in a room hears everyone else in it, and nobody outside it hears them. */
static void all_talk(struct broker *b)
{
    uint8_t f[FRAME];
    for (unsigned i = 0; i < NP; i++) {
        if (!b->p[i].in || room_of(b, i) == 0)
            continue;
        size_t n = speak(b, i, f);
        for (unsigned j = 0; j < NP; j++) {
            if (j == i || !b->p[j].in)
                continue;
            if (room_of(b, i) & (1u << j))
                hears(b, j, i, f, n);
            else
                refuses(b, j, f, n);
        }
    }
}

static struct tolk_e2ee_stats stats(struct broker *b, unsigned i)
{
    struct tolk_e2ee_stats s;
    tolk_e2ee_get_stats(b->p[i].e, &s);
    return s;
}

/* Rewrites FRAME's header to KID (same counter), keeping the body: "use these keys on it". */
static size_t relabel(const uint8_t *frame, size_t len, uint64_t kid, uint8_t *out)
{
    struct tolk_sframe_header h;
    size_t hl = tolk_sframe_header_decode(frame, len, &h);
    assert_true(hl > 0);
    h.kid = kid;
    size_t nl = tolk_sframe_header_encode(&h, out);
    memcpy(out + nl, frame + hl, len - hl);
    return nl + len - hl;
}

/* ---- scenarios ----------------------------------------------------------------------------- */

static void test_three_join_in_turn(void **state)
{
    (void)state;
    struct broker *b = broker_new();
    for (unsigned i = 0; i < NP; i++) {
        join_noroute(b, i);
        /* The newcomer sends a fresh key to each of the i there; they ratchet theirs and send
         * it to the newcomer only. */
        assert_int_equal(route_keys(b), 2 * i);
        all_talk(b);
    }
    for (unsigned i = 0; i < NP; i++)
        assert_int_equal(tolk_e2ee_epoch(b->p[i].e), START_EP + 3);
    broker_free(b);
}

static void test_newcomer_cannot_read_the_past(void **state)
{
    (void)state;
    struct broker *b = broker_new();
    join(b, 0);
    join(b, 1);
    uint8_t old[FRAME], re[FRAME];
    size_t n = speak(b, 0, old);
    join(b, 2);
    all_talk(b);
    /* The newcomer holds no key for the epoch before it joined ... */
    refuses(b, 2, old, n);
    assert_int_equal(stats(b, 2).no_key, 1);
    /* ... and its key for its first epoch does not open the old frame either. */
    size_t rn = relabel(old, n, tolk_sframe_kid(b->epoch, 0), re);
    refuses(b, 2, re, rn);
    assert_int_equal(stats(b, 2).auth_failed, 1);
    /* The participant that was there hears the late frame of the previous epoch. */
    hears(b, 1, 0, old, n);
    broker_free(b);
}

static void test_silent_joins_ratchet_several_steps(void **state)
{
    (void)state;
    struct broker *b = broker_new();
    join(b, 0);
    join(b, 1);
    uint8_t old[FRAME], f[FRAME];
    size_t on = speak(b, 0, old);
    join(b, 2);
    join(b, 3); /* nobody spoke in between: receivers ratchet two steps at once */
    all_talk(b);
    /* Two epochs on, a frame of 1's first epoch is too old, though 1 still held that key. */
    refuses(b, 1, old, on);
    assert_int_equal(stats(b, 1).no_key, 1);
    /* A leave stops ratcheting: 3 never gets a key from 0 for the epochs after it. */
    leave(b, 2);
    size_t n = speak(b, 0, f);
    hears(b, 1, 0, f, n);
    hears(b, 3, 0, f, n);
    broker_free(b);
}

static void test_leaver_cannot_read_the_future(void **state)
{
    (void)state;
    struct broker *b = broker_new();
    join(b, 0);
    join(b, 1);
    join(b, 2);
    uint8_t late[FRAME], f[FRAME], re[FRAME];
    size_t ln = speak(b, 0, late);
    uint64_t before = b->epoch;
    leave_noroute(b, 2);
    /* A leave starts fresh keys: until the new key arrives, nothing is ratcheted. */
    size_t n = speak(b, 0, f);
    refuses(b, 1, f, n);
    assert_int_equal(stats(b, 1).no_key, 1);
    route_keys(b);
    assert_int_equal(tolk_e2ee_epoch(b->p[0].e), before + 1);
    assert_int_equal(tolk_e2ee_epoch(b->p[1].e), before + 1);
    n = speak(b, 0, f);
    hears(b, 1, 0, f, n);
    all_talk(b);
    hears(b, 1, 0, late, ln); /* late frame of the previous epoch */
    /* The leaver is fed the new frames: no key for the epoch, and its old keys do not fit. */
    n = speak(b, 1, f);
    refuses(b, 2, f, n);
    assert_int_equal(stats(b, 2).no_key, 1);
    size_t rn = relabel(f, n, tolk_sframe_kid(before, 1), re);
    refuses(b, 2, re, rn);
    assert_int_equal(stats(b, 2).auth_failed, 1);
    /* Two epochs on, the frame from before the leave is too old. */
    join(b, 3);
    refuses(b, 1, late, ln);
    broker_free(b);
}

static void test_tampered_frames_refused(void **state)
{
    (void)state;
    struct broker *b = broker_new();
    join(b, 0);
    join(b, 1);
    join(b, 2);
    uint8_t f[FRAME], t[FRAME];
    size_t n = speak(b, 0, f);
    for (size_t i = 0; i < n; i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            memcpy(t, f, n);
            t[i] ^= (uint8_t)(1u << bit);
            refuses(b, 1, t, n);
        }
        memcpy(t, f, n);
        t[i] ^= 0xff;
        refuses(b, 1, t, n);
    }
    for (size_t cut = 0; cut < n; cut++)
        refuses(b, 1, f, cut);
    struct tolk_e2ee_stats s = stats(b, 1);
    assert_int_equal(s.decrypted, 0);
    assert_int_equal(s.auth_failed + s.no_key + s.forged_sender + s.replayed, n * 9 + n);
    hears(b, 1, 0, f, n); /* the untouched frame still passes */
    broker_free(b);
}

static void test_replay_refused(void **state)
{
    (void)state;
    struct broker *b = broker_new();
    join(b, 0);
    join(b, 1);
    uint8_t f1[FRAME], f2[FRAME];
    size_t n1 = speak(b, 0, f1), n2 = speak(b, 0, f2);
    hears(b, 1, 0, f2, n2);
    hears(b, 1, 0, f1, n1); /* out of order, inside the window */
    refuses(b, 1, f1, n1);
    refuses(b, 1, f2, n2);
    assert_int_equal(stats(b, 1).replayed, 2);
    /* Far behind the newest counter: refused as too old even if never seen. */
    uint8_t old[FRAME], f[FRAME];
    size_t on = speak(b, 0, old);
    for (int i = 0; i < TOLK_REPLAY_WINDOW + 5; i++) {
        size_t n = speak(b, 0, f);
        hears(b, 1, 0, f, n);
    }
    refuses(b, 1, old, on);
    assert_int_equal(stats(b, 1).replayed, 3);
    broker_free(b);
}

static void test_forged_sender_refused(void **state)
{
    (void)state;
    struct broker *b = broker_new();
    join(b, 0);
    join(b, 1);
    join(b, 2);
    uint8_t f[FRAME], re[FRAME];
    size_t n = speak(b, 0, f);
    size_t rn = relabel(f, n, tolk_sframe_kid(b->epoch, 1), re); /* claims to be the receiver */
    refuses(b, 1, re, rn);
    rn = relabel(f, n, tolk_sframe_kid(b->epoch, 9), re); /* nobody at index 9 */
    refuses(b, 1, re, rn);
    rn = relabel(f, n, tolk_sframe_kid(b->epoch, 3), re); /* index 3 not joined yet */
    refuses(b, 1, re, rn);
    assert_int_equal(stats(b, 1).forged_sender, 3);
    rn = relabel(f, n, tolk_sframe_kid(b->epoch, 2), re); /* a present peer: wrong key */
    refuses(b, 1, re, rn);
    assert_int_equal(stats(b, 1).auth_failed, 1);
    hears(b, 1, 0, f, n);
    broker_free(b);
}

/* ---- key messages -------------------------------------------------------------------------- */

static void be64(uint8_t *out, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

/* The fields a crafted key message puts in its plaintext and in its signed envelope. */
struct fields {
    const uint8_t *sid;
    uint64_t epoch;
    unsigned from, to;
};

/*
 * Builds a key message the way e2ee.c does, signed by SIGNER and sealed to RECIPIENT, with
 * PT's fields inside and ENV's fields signed: a correct signature over lying contents.
 */
static void craft(const struct tolk_identity *signer, const uint8_t *recipient, struct fields pt,
                  struct fields env, const uint8_t *key, struct tolk_key_msg *m)
{
    uint8_t plain[52], x[32], msg[140];
    memcpy(plain, "TOLK-KEY-1", 10);
    memcpy(plain + 10, pt.sid, 16);
    be64(plain + 26, pt.epoch);
    plain[34] = (uint8_t)pt.from;
    plain[35] = (uint8_t)pt.to;
    memcpy(plain + 36, key, 16);
    assert_int_equal(crypto_sign_ed25519_pk_to_curve25519(x, recipient), 0);
    assert_int_equal(crypto_box_seal(m->sealed, plain, sizeof plain, x), 0);
    memcpy(msg, "TOLK-KEY-SIG-1", 14);
    memcpy(msg + 14, env.sid, 16);
    be64(msg + 30, env.epoch);
    msg[38] = (uint8_t)env.from;
    msg[39] = (uint8_t)env.to;
    memcpy(msg + 40, m->sealed, 100);
    tolk_identity_sign(signer, msg, sizeof msg, m->sig);
    m->to = env.to;
    m->epoch = env.epoch;
}

static int deliver(struct broker *b, unsigned from, const struct tolk_key_msg *m)
{
    return tolk_e2ee_on_key(b->p[m->to].e, from, m->to, m->epoch, m->sealed, sizeof m->sealed,
                            m->sig, sizeof m->sig);
}

/*
 * Participants 0, 2, then 1 join; 1's key message to 0 is held back in *GOOD, the rest is
 * delivered. 0 cannot hear 1 yet: returns a frame of 1's in F (its length).
 */
static size_t withhold_key(struct broker *b, struct tolk_key_msg *good, uint8_t *f)
{
    join(b, 0);
    join(b, 2);
    join_noroute(b, 1);
    struct tolk_key_msg m;
    bool found = false;
    while (tolk_e2ee_next_outgoing(b->p[1].e, &m) == 0) {
        if (m.to == 0) {
            *good = m;
            found = true;
        } else {
            assert_int_equal(deliver(b, 1, &m), 0);
        }
    }
    assert_true(found);
    route_keys(b);
    size_t n = speak(b, 1, f);
    refuses(b, 0, f, n);
    return n;
}

/* After refusals: nothing was installed, and the real message still works. */
static void withheld_key_still_good(struct broker *b, const struct tolk_key_msg *good,
                                    const uint8_t *f, size_t n)
{
    refuses(b, 0, f, n);
    assert_int_equal(stats(b, 0).no_key, 2);
    assert_int_equal(deliver(b, 1, good), 0);
    assert_int_equal(deliver(b, 1, good), 0); /* the same again: harmless */
    hears(b, 0, 1, f, n);
}

static void test_altered_key_messages_refused(void **state)
{
    (void)state;
    struct broker *b = broker_new();
    struct tolk_key_msg good, m;
    uint8_t f[FRAME];
    size_t n = withhold_key(b, &good, f);
    uint64_t ep = b->epoch;
    m = good, m.sig[5] ^= 1; /* bad signature */
    assert_int_equal(deliver(b, 1, &m), TOLK_EDECRYPT);
    m = good, m.sealed[50] ^= 1; /* sealed box altered */
    assert_int_equal(deliver(b, 1, &m), TOLK_EDECRYPT);
    m = good, m.epoch = ep - 1; /* swapped epochs in the envelope */
    assert_int_equal(deliver(b, 1, &m), TOLK_EDECRYPT);
    m = good, m.epoch = ep + 1;
    assert_int_equal(deliver(b, 1, &m), TOLK_EDECRYPT);
    m = good, m.epoch = ep + 2; /* too far ahead */
    assert_int_equal(deliver(b, 1, &m), TOLK_EDECRYPT);
    assert_int_equal(deliver(b, 2, &good), TOLK_EDECRYPT); /* from someone else */
    assert_int_equal(deliver(b, 9, &good), TOLK_EDECRYPT); /* from nobody */
    assert_int_equal(tolk_e2ee_on_key(b->p[0].e, 1, 2, ep, good.sealed, sizeof good.sealed,
                                      good.sig, sizeof good.sig),
                     TOLK_EDECRYPT); /* addressed to someone else */
    assert_int_equal(tolk_e2ee_on_key(b->p[0].e, 1, 0, ep, good.sealed, 99, good.sig, 64),
                     TOLK_EDECRYPT);
    assert_int_equal(stats(b, 0).keys_rejected, 9);
    m = good, m.to = 2; /* redirected to someone else */
    assert_int_equal(deliver(b, 1, &m), TOLK_EDECRYPT);
    assert_int_equal(stats(b, 2).keys_rejected, 1);
    withheld_key_still_good(b, &good, f, n);
    broker_free(b);
}

static void test_lying_key_messages_refused(void **state)
{
    (void)state;
    struct broker *b = broker_new();
    struct tolk_key_msg good, m;
    uint8_t f[FRAME];
    size_t n = withhold_key(b, &good, f);
    uint64_t ep = b->epoch;
    uint8_t other_sid[16], key[16];
    randombytes_buf(other_sid, sizeof other_sid);
    randombytes_buf(key, sizeof key);
    const uint8_t *pk0 = tolk_identity_public(b->p[0].id);
    /* Correctly signed envelopes around plaintexts that disagree with them. */
    struct fields env = {b->sid, ep, 1, 0};
    struct fields lies[] = {
        {other_sid, ep, 1, 0}, {b->sid, ep - 1, 1, 0}, {b->sid, ep, 2, 0}, {b->sid, ep, 1, 2}};
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        craft(b->p[1].id, pk0, lies[i], env, key, &m);
        assert_int_equal(deliver(b, 1, &m), TOLK_EDECRYPT);
    }
    /* The wrong session altogether; sealed to someone else; signed by the wrong identity. */
    struct fields wrong = {other_sid, ep, 1, 0};
    craft(b->p[1].id, pk0, wrong, wrong, key, &m);
    assert_int_equal(deliver(b, 1, &m), TOLK_EDECRYPT);
    craft(b->p[1].id, tolk_identity_public(b->p[2].id), env, env, key, &m);
    assert_int_equal(deliver(b, 1, &m), TOLK_EDECRYPT);
    craft(b->p[2].id, pk0, env, env, key, &m);
    assert_int_equal(deliver(b, 1, &m), TOLK_EDECRYPT);
    assert_int_equal(stats(b, 0).keys_rejected, 7);
    withheld_key_still_good(b, &good, f, n);
    /* A different, correctly made key for a (sender, epoch) already held is refused: a
     * replayed older key message must not reset the replay window. */
    craft(b->p[1].id, pk0, env, env, key, &m);
    assert_int_equal(deliver(b, 1, &m), TOLK_EDECRYPT);
    hears(b, 0, 1, f, speak(b, 1, f));
    broker_free(b);
}

static void test_key_overtakes_event(void **state)
{
    (void)state;
    struct broker *b = broker_new();
    join(b, 0);
    join(b, 1);
    /* 2 joins: its keys reach 0 and 1 before they hear of it. */
    b->epoch++;
    struct tolk_peer peers[2] = {peer_of(b, 0), peer_of(b, 1)}, me = peer_of(b, 2);
    assert_int_equal(tolk_e2ee_on_joined(b->p[2].e, b->sid, 2, b->epoch, peers, 2), 0);
    b->p[2].in = true;
    b->p[2].pres = ADMITTED;
    assert_int_equal(tolk_e2ee_on_state(b->p[2].e, b->epoch, room_of(b, 2)), 0);
    struct tolk_key_msg m;
    while (tolk_e2ee_next_outgoing(b->p[2].e, &m) == 0)
        assert_int_equal(deliver(b, 2, &m), TOLK_EAGAIN);
    /* A forgery in the name of the unknown newcomer is kept too, then refused. */
    struct fields f3 = {b->sid, b->epoch, 3, 0};
    uint8_t key[16] = {1};
    craft(b->p[1].id, tolk_identity_public(b->p[0].id), f3, f3, key, &m);
    assert_int_equal(deliver(b, 3, &m), TOLK_EAGAIN);
    /* 1 hears of the join first and speaks in the new epoch: 0 may not ratchet before it has
     * seen the state itself. */
    assert_int_equal(tolk_e2ee_on_peer_joined(b->p[1].e, &me, b->epoch), 0);
    assert_int_equal(tolk_e2ee_on_state(b->p[1].e, b->epoch, room_of(b, 1)), 0);
    uint8_t f[FRAME];
    size_t n = speak(b, 1, f);
    refuses(b, 0, f, n);
    assert_int_equal(stats(b, 0).no_key, 1);
    assert_int_equal(tolk_e2ee_on_peer_joined(b->p[0].e, &me, b->epoch), 0);
    refuses(b, 0, f, n); /* the roster alone changes no key */
    assert_int_equal(tolk_e2ee_on_state(b->p[0].e, b->epoch, room_of(b, 0)), 0);
    hears(b, 0, 1, f, n);
    assert_int_equal(stats(b, 0).keys_rejected, 1);
    route_keys(b);
    all_talk(b);

    /* 2 leaves; 0's fresh key reaches 1 before 1 hears of the leave: it is checked at once
     * and kept until 1's state of that epoch. */
    b->p[2].in = false;
    b->p[2].pres = ABSENT;
    b->epoch++;
    assert_int_equal(tolk_e2ee_on_peer_left(b->p[0].e, 2, b->epoch), 0);
    assert_int_equal(tolk_e2ee_on_state(b->p[0].e, b->epoch, room_of(b, 0)), 0);
    assert_int_equal(tolk_e2ee_next_outgoing(b->p[0].e, &m), 0);
    assert_int_equal(m.to, 1);
    struct tolk_key_msg bad = m;
    bad.sig[0] ^= 1;
    assert_int_equal(deliver(b, 0, &bad), TOLK_EDECRYPT);
    assert_int_equal(deliver(b, 0, &m), TOLK_EAGAIN);
    assert_int_equal(tolk_e2ee_on_peer_left(b->p[1].e, 2, b->epoch), 0);
    assert_int_equal(tolk_e2ee_on_state(b->p[1].e, b->epoch, room_of(b, 1)), 0);
    n = speak(b, 0, f);
    hears(b, 1, 0, f, n);
    assert_int_equal(stats(b, 1).keys_rejected, 1);
    route_keys(b);
    all_talk(b);
    broker_free(b);
}

static void test_events_checked(void **state)
{
    (void)state;
    struct broker *b = broker_new();
    uint8_t f[FRAME];
    size_t n = 0;
    assert_int_equal(tolk_e2ee_encrypt(b->p[0].e, f, 1, f + 100, 50, &n), TOLK_ESTATE);
    assert_int_equal(tolk_e2ee_on_state(b->p[0].e, 5, 1), TOLK_ESTATE);
    struct tolk_peer p1 = peer_of(b, 1), self = peer_of(b, 0), bad = peer_of(b, 1);
    memset(bad.identity, 0, 32); /* a small-order point */
    assert_int_equal(tolk_e2ee_on_joined(b->p[0].e, b->sid, 0, 5, &self, 1), TOLK_EPROTO);
    assert_int_equal(tolk_e2ee_on_joined(b->p[0].e, b->sid, 0, 5, &bad, 1), TOLK_EPROTO);
    struct tolk_peer two[2] = {p1, p1};
    assert_int_equal(tolk_e2ee_on_joined(b->p[0].e, b->sid, 0, 5, two, 2), TOLK_EPROTO);
    assert_int_equal(tolk_e2ee_on_joined(b->p[0].e, b->sid, 0, 5, &p1, 1), 0);
    assert_int_equal(tolk_e2ee_on_joined(b->p[0].e, b->sid, 0, 6, &p1, 1), TOLK_ESTATE);
    /* joined makes no key: the state says which room we are in. */
    struct tolk_key_msg m;
    assert_int_equal(tolk_e2ee_next_outgoing(b->p[0].e, &m), TOLK_EAGAIN);
    assert_int_equal(tolk_e2ee_encrypt(b->p[0].e, f, 1, f + 100, 100, &n), TOLK_ESTATE);
    assert_false(tolk_e2ee_keys_agreed(b->p[0].e));
    assert_int_equal(tolk_e2ee_on_state(b->p[0].e, 5, 0x2), TOLK_EPROTO); /* without us */
    assert_int_equal(tolk_e2ee_on_state(b->p[0].e, 4, 0x3), TOLK_EPROTO); /* going back */
    assert_int_equal(tolk_e2ee_on_state(b->p[0].e, 5, 0x3), 0);
    assert_int_equal(tolk_e2ee_on_state(b->p[0].e, 5, 0x1), TOLK_EPROTO); /* room, no epoch */
    assert_int_equal(tolk_e2ee_on_state(b->p[0].e, 5, 0x3), 0);           /* routing only */
    assert_int_equal(tolk_e2ee_room(b->p[0].e), 0x3);
    struct tolk_peer p2 = peer_of(b, 2);
    assert_int_equal(tolk_e2ee_on_peer_joined(b->p[0].e, &p2, 5), TOLK_EPROTO); /* stale */
    assert_int_equal(tolk_e2ee_on_peer_joined(b->p[0].e, &p1, 6), TOLK_EPROTO); /* present */
    assert_int_equal(tolk_e2ee_on_peer_left(b->p[0].e, 3, 6), TOLK_EPROTO);     /* absent */
    assert_int_equal(tolk_e2ee_on_peer_left(b->p[0].e, 0, 6), TOLK_EPROTO);     /* ourselves */
    assert_int_equal(tolk_e2ee_on_peer_left(b->p[0].e, 1, 1ull << 60), TOLK_EPROTO);
    assert_int_equal(tolk_e2ee_on_state(b->p[0].e, 1ull << 60, 0x3), TOLK_EPROTO);
    assert_int_equal(tolk_e2ee_epoch(b->p[0].e), 5);
    assert_int_equal(tolk_e2ee_encrypt(b->p[0].e, f, 100, f + 100, 100, &n), TOLK_EINVAL);
    assert_int_equal(tolk_e2ee_next_outgoing(b->p[0].e, &m), 0); /* the key for 1 */
    assert_int_equal(m.to, 1);
    assert_int_equal(tolk_e2ee_next_outgoing(b->p[0].e, &m), TOLK_EAGAIN);
    /* A gap in the epochs: no key for epoch - 1 to ratchet, so a fresh one for everyone. */
    assert_int_equal(tolk_e2ee_on_peer_joined(b->p[0].e, &p2, 8), 0);
    assert_int_equal(tolk_e2ee_on_state(b->p[0].e, 8, 0x7), 0);
    unsigned to = 0;
    while (tolk_e2ee_next_outgoing(b->p[0].e, &m) == 0) {
        assert_int_equal(m.epoch, 8);
        to |= 1u << m.to;
    }
    assert_int_equal(to, 6);
    /* A room member whose identity comes after the state is owed our key until it comes. */
    struct tolk_peer p3 = peer_of(b, 3);
    assert_int_equal(tolk_e2ee_on_state(b->p[0].e, 9, 0xf), 0);
    assert_int_equal(tolk_e2ee_next_outgoing(b->p[0].e, &m), TOLK_EAGAIN);
    assert_int_equal(tolk_e2ee_on_peer_joined(b->p[0].e, &p3, 9), 0);
    assert_int_equal(tolk_e2ee_next_outgoing(b->p[0].e, &m), 0);
    assert_int_equal(m.to, 3);
    assert_int_equal(m.epoch, 9);
    assert_int_equal(tolk_e2ee_on_peer_left(b->p[0].e, 3, 10), 0);
    assert_int_equal(tolk_e2ee_on_state(b->p[0].e, 10, 0x7), 0);
    while (tolk_e2ee_next_outgoing(b->p[0].e, &m) == 0)
        ;
    /* A queue nobody drains keeps the newest messages. */
    for (uint64_t ep = 11; ep < 211; ep += 2) { /* leaves purge what waited for 2 */
        assert_int_equal(tolk_e2ee_on_peer_left(b->p[0].e, 2, ep), 0);
        assert_int_equal(tolk_e2ee_on_state(b->p[0].e, ep, 0x3), 0);
        assert_int_equal(tolk_e2ee_on_peer_joined(b->p[0].e, &p2, ep + 1), 0);
        assert_int_equal(tolk_e2ee_on_state(b->p[0].e, ep + 1, 0x7), 0);
    }
    struct tolk_e2ee_stats s;
    tolk_e2ee_get_stats(b->p[0].e, &s);
    assert_true(s.keys_dropped > 0);
    uint64_t last = 0;
    size_t count = 0, to_two = 0;
    while (tolk_e2ee_next_outgoing(b->p[0].e, &m) == 0) {
        assert_int_equal(m.to == 2 ? 1 : m.to, 1);
        assert_true(m.epoch >= last);
        last = m.epoch;
        count++;
        to_two += m.to == 2;
    }
    assert_int_equal(count, TOLK_E2EE_QUEUE_MAX);
    assert_int_equal(to_two, 1); /* what waited for 2 went when 2 left */
    assert_int_equal(last, 210);
    /* Waiting: no sending key, nothing queued, nobody's key kept. */
    assert_int_equal(tolk_e2ee_on_state(b->p[0].e, 211, 0x7), 0);
    assert_int_equal(tolk_e2ee_on_state(b->p[0].e, 212, 0), 0);
    assert_int_equal(tolk_e2ee_next_outgoing(b->p[0].e, &m), TOLK_EAGAIN);
    assert_int_equal(tolk_e2ee_encrypt(b->p[0].e, f, 1, f + 100, 100, &n), TOLK_ESTATE);
    assert_false(tolk_e2ee_has_key(b->p[0].e, 1));
    assert_false(tolk_e2ee_keys_agreed(b->p[0].e));
    broker_free(b);
}

/* ---- rooms: waiting room, sidebar, a relief interpreter -------------------------------- */

/* Clinician 0 and interpreter 1 in the pre-brief; client 2 in the waiting room. */
static struct broker *prebrief(void)
{
    struct broker *b = broker_new();
    b->p[0].role = CLINICIAN;
    b->p[1].role = INTERPRETER;
    b->p[2].role = CLIENT;
    b->p[3].role = CLIENT; /* a support person */
    join(b, 0);
    join(b, 1);
    join_as_noroute(b, 2, WAITING);
    assert_int_equal(route_keys(b), 0); /* nobody's room changed but by a ratchet; none for 2 */
    return b;
}

static void test_waiting_client_gets_no_prebrief_key(void **state)
{
    (void)state;
    struct broker *b = prebrief();
    uint8_t f[FRAME], g[FRAME], re[FRAME];
    size_t n = speak(b, 0, f);
    hears(b, 1, 0, f, n);
    refuses(b, 2, f, n);
    assert_int_equal(stats(b, 2).no_key, 1); /* 0 is in no room of 2's */
    assert_false(tolk_e2ee_has_key(b->p[2].e, 0));
    assert_false(tolk_e2ee_has_key(b->p[2].e, 1));
    assert_false(tolk_e2ee_keys_agreed(b->p[2].e));
    assert_true(tolk_e2ee_keys_agreed(b->p[0].e));
    assert_int_equal(tolk_e2ee_encrypt(b->p[2].e, f, 10, g, sizeof g, &n), TOLK_ESTATE);
    n = speak(b, 0, f);
    /* Admitted: 0 and 1 ratchet and send to 2 only; 2 sends a fresh key to each. */
    assert_int_equal(set_presence(b, 2, ADMITTED), 4);
    assert_true(tolk_e2ee_keys_agreed(b->p[2].e));
    all_talk(b);
    /* A pre-brief frame stays closed: no key for that epoch, and the new key does not fit. */
    refuses(b, 2, f, n);
    size_t rn = relabel(f, n, tolk_sframe_kid(b->epoch, 0), re);
    uint64_t failed = stats(b, 2).auth_failed;
    refuses(b, 2, re, rn);
    assert_int_equal(stats(b, 2).auth_failed, failed + 1);
    /* Held again: 2 keeps nobody's key, and the others move on with fresh keys. */
    size_t gn = speak(b, 0, g);
    set_presence(b, 2, WAITING);
    assert_false(tolk_e2ee_has_key(b->p[2].e, 0));
    refuses(b, 2, g, gn); /* the key of the epoch it was in is gone too */
    all_talk(b);
    n = speak(b, 1, f);
    refuses(b, 2, f, n);
    rn = relabel(f, n, tolk_sframe_kid(b->epoch - 1, 1), re);
    refuses(b, 2, re, rn);
    broker_free(b);
}

static void test_sidebar_keeps_the_client_out(void **state)
{
    (void)state;
    struct broker *b = prebrief();
    set_presence(b, 2, ADMITTED);
    join(b, 3);
    all_talk(b);
    /* Open: two rooms, fresh keys in each; nothing crosses. */
    set_sidebar(b, true);
    assert_int_equal(room_of(b, 0), 0x3);
    assert_int_equal(room_of(b, 2), 0xc);
    all_talk(b);
    uint8_t side[FRAME], f[FRAME], re[FRAME];
    size_t sn = speak(b, 0, side);
    refuses(b, 2, side, sn);
    refuses(b, 3, side, sn);
    assert_false(tolk_e2ee_has_key(b->p[2].e, 0));
    assert_false(tolk_e2ee_has_key(b->p[0].e, 2));
    size_t rn = relabel(side, sn, tolk_sframe_kid(b->epoch - 1, 0), re); /* the open epoch's */
    refuses(b, 2, re, rn);
    /* Close: one room again; each side ratchets and sends its key to the other side only. */
    assert_int_equal(set_sidebar(b, false), 8);
    assert_true(tolk_e2ee_keys_agreed(b->p[2].e));
    all_talk(b);
    size_t n = speak(b, 0, f);
    hears(b, 2, 0, f, n);
    /* The sidebar's frames stay closed to the client, under any KID. */
    refuses(b, 2, side, sn);
    rn = relabel(side, sn, tolk_sframe_kid(b->epoch, 0), re);
    refuses(b, 2, re, rn);
    broker_free(b);
}

static void test_relief_interpreter_leaves(void **state)
{
    (void)state;
    struct broker *b = broker_new();
    b->p[0].role = CLINICIAN;
    b->p[1].role = INTERPRETER; /* active, then hands over and leaves */
    b->p[2].role = CLIENT;
    b->p[3].role = INTERPRETER; /* the relief */
    join(b, 0);
    join(b, 1);
    join(b, 2);
    join(b, 3);
    all_talk(b); /* a hand-over changes routing only: the same keys go on */
    uint64_t last = b->epoch;
    uint8_t f[FRAME], re[FRAME];
    leave(b, 1);
    all_talk(b);
    for (unsigned s = 0; s < NP; s++) {
        if (s == 1)
            continue;
        size_t n = speak(b, s, f);
        refuses(b, 1, f, n); /* an epoch it never saw */
        size_t rn = relabel(f, n, tolk_sframe_kid(last, s), re);
        refuses(b, 1, re, rn); /* its keys of its last epoch do not open it */
    }
    struct tolk_e2ee_stats st = stats(b, 1);
    assert_int_equal(st.decrypted, 3); /* only what it heard before it left */
    assert_int_equal(st.no_key, 3);
    assert_int_equal(st.auth_failed, 3);
    broker_free(b);
}

/* ---- safety code --------------------------------------------------------------------------- */

static void check_code_format(const char *digits, const char *words)
{
    assert_int_equal(strlen(digits), 14);
    for (size_t i = 0; i < 14; i++)
        assert_true(i % 5 == 4 ? digits[i] == ' ' : (digits[i] >= '0' && digits[i] <= '9'));
    char copy[TOLK_SAFETY_WORDS_SIZE];
    size_t len = strlen(words);
    assert_true(len < sizeof copy);
    memcpy(copy, words, len + 1);
    size_t count = 0;
    for (char *save = NULL, *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        bool known = false;
        for (size_t i = 0; i < TOLK_SAFETY_WORD_COUNT; i++)
            known = known || strcmp(w, tolk_safety_word(i)) == 0;
        assert_true(known);
        count++;
    }
    assert_int_equal(count, TOLK_SAFETY_WORDS);
}

static void test_safety_codes(void **state)
{
    (void)state;
    struct broker *b = broker_new();
    join(b, 0);
    join(b, 1);
    join(b, 2);
    char d[3][TOLK_SAFETY_DIGITS_SIZE], w[3][TOLK_SAFETY_WORDS_SIZE];
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(tolk_e2ee_safety_code(b->p[i].e, d[i], sizeof d[i], w[i], sizeof w[i]), 0);
        check_code_format(d[i], w[i]);
        assert_string_equal(d[i], d[0]);
        assert_string_equal(w[i], w[0]);
    }
    /* The broker gives participant 1 a substituted key for participant 2. */
    struct tolk_identity *mitm;
    struct tolk_e2ee *fooled;
    assert_int_equal(tolk_identity_new_ephemeral(&mitm), 0);
    assert_int_equal(tolk_e2ee_new(b->p[1].id, &fooled), 0);
    struct tolk_peer peers[2] = {peer_of(b, 0), peer_of(b, 2)};
    memcpy(peers[1].identity, tolk_identity_public(mitm), 32);
    assert_int_equal(tolk_e2ee_on_joined(fooled, b->sid, 1, b->epoch, peers, 2), 0);
    char fd[TOLK_SAFETY_DIGITS_SIZE], fw[TOLK_SAFETY_WORDS_SIZE];
    assert_int_equal(tolk_e2ee_safety_code(fooled, fd, sizeof fd, fw, sizeof fw), 0);
    assert_string_not_equal(fd, d[0]);
    assert_string_not_equal(fw, w[0]);
    /* Order does not matter; the session does; buffers are checked. */
    uint8_t keys[3][32], rev[3][32], other[16] = {0};
    for (unsigned i = 0; i < 3; i++) {
        memcpy(keys[i], tolk_identity_public(b->p[i].id), 32);
        memcpy(rev[2 - i], keys[i], 32);
    }
    char a[TOLK_SAFETY_DIGITS_SIZE], c[TOLK_SAFETY_DIGITS_SIZE];
    assert_int_equal(tolk_safety_code(b->sid, (const uint8_t(*)[32])rev, 3, a, sizeof a, NULL, 0),
                     0);
    assert_string_equal(a, d[0]);
    assert_int_equal(tolk_safety_code(other, (const uint8_t(*)[32])keys, 3, c, sizeof c, NULL, 0),
                     0);
    assert_string_not_equal(c, d[0]);
    assert_int_equal(tolk_safety_code(b->sid, (const uint8_t(*)[32])keys, 3, c, 14, NULL, 0),
                     TOLK_EINVAL);
    assert_int_equal(tolk_safety_code(b->sid, (const uint8_t(*)[32])keys, 0, c, 15, NULL, 0),
                     TOLK_EINVAL);
    tolk_e2ee_free(fooled);
    tolk_identity_free(mitm);
    broker_free(b);
}

/* A fixed vector: guards the hash layout and the formatting against silent change. */
static void test_safety_code_vector(void **state)
{
    (void)state;
    uint8_t sid[16], keys[2][32];
    for (unsigned i = 0; i < 16; i++)
        sid[i] = (uint8_t)i;
    memset(keys[0], 0xbb, 32);
    memset(keys[1], 0xaa, 32);
    uint8_t h[32];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, (const uint8_t *)"TOLK-SAFETY-1", 13);
    crypto_generichash_update(&st, sid, 16);
    crypto_generichash_update(&st, keys[1], 32); /* sorted: 0xaa.. before 0xbb.. */
    crypto_generichash_update(&st, keys[0], 32);
    crypto_generichash_final(&st, h, 32);
    uint64_t v = 0;
    for (int i = 8; i < 16; i++)
        v = v << 8 | h[i];
    v %= 1000000000000ull;
    char want_d[32], want_w[128], d[TOLK_SAFETY_DIGITS_SIZE], w[TOLK_SAFETY_WORDS_SIZE];
    snprintf(want_d, sizeof want_d, "%04u %04u %04u", (unsigned)(v / 100000000),
             (unsigned)(v / 10000 % 10000), (unsigned)(v % 10000));
    snprintf(want_w, sizeof want_w, "%s %s %s %s %s %s", tolk_safety_word(h[0]),
             tolk_safety_word(h[1]), tolk_safety_word(h[2]), tolk_safety_word(h[3]),
             tolk_safety_word(h[4]), tolk_safety_word(h[5]));
    assert_int_equal(tolk_safety_code(sid, (const uint8_t(*)[32])keys, 2, d, sizeof d, w, sizeof w),
                     0);
    assert_string_equal(d, want_d);
    assert_string_equal(w, want_w);
    /* Golden values, computed once: a change here changes every code users compare. */
    assert_string_equal(d, "2648 3677 9471");
    assert_string_equal(w, "blender marathon piano velvet cradle bamboo");
}

static void test_word_list(void **state)
{
    (void)state;
    for (size_t i = 0; i < TOLK_SAFETY_WORD_COUNT; i++) {
        const char *w = tolk_safety_word(i);
        assert_non_null(w);
        size_t len = strlen(w);
        assert_true(len >= 3 && len <= TOLK_SAFETY_WORD_MAX);
        for (size_t k = 0; k < len; k++)
            assert_true(w[k] >= 'a' && w[k] <= 'z');
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(w, tolk_safety_word(j));
    }
    assert_null(tolk_safety_word(TOLK_SAFETY_WORD_COUNT));
}

/* ---- identity file ------------------------------------------------------------------------- */

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static void expect_refused(const char *path, const char *why)
{
    struct tolk_identity *id = NULL;
    char err[512];
    assert_int_equal(tolk_identity_load_or_create(path, &id, err, sizeof err), TOLK_EIO);
    assert_null(id);
    assert_non_null(strstr(err, why));
}

static void test_identity_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/tolk-identity-XXXXXX", path[256], link[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/identity", dir);
    snprintf(link, sizeof link, "%s/link", dir);
    struct tolk_identity *a = NULL, *b = NULL;
    char err[512];
    assert_int_equal(tolk_identity_load_or_create(path, &a, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, TOLK_IDENTITY_FILE_BYTES);
    assert_int_equal(tolk_identity_load_or_create(path, &b, err, sizeof err), 0);
    assert_memory_equal(tolk_identity_public(a), tolk_identity_public(b), 32);
    tolk_identity_free(b);

    uint8_t bytes[TOLK_IDENTITY_FILE_BYTES];
    int fd = open(path, O_RDONLY);
    assert_int_equal(read(fd, bytes, sizeof bytes), (ssize_t)sizeof bytes);
    close(fd);
    assert_memory_equal(bytes, "TKI1", 4);

    assert_int_equal(chmod(path, 0640), 0);
    expect_refused(path, "group or others");
    assert_int_equal(chmod(path, 0604), 0);
    expect_refused(path, "group or others");
    assert_int_equal(symlink(path, link), 0);
    expect_refused(link, "symbolic link");
    write_file(path, bytes, 20, 0600);
    expect_refused(path, "has 20 bytes");
    bytes[0] = 'X';
    write_file(path, bytes, sizeof bytes, 0600);
    expect_refused(path, "bad magic");
    bytes[0] = 'T';
    write_file(path, bytes, sizeof bytes, 0600);
    assert_int_equal(tolk_identity_load_or_create(path, &b, err, sizeof err), 0);
    assert_memory_equal(tolk_identity_public(a), tolk_identity_public(b), 32);

    tolk_identity_free(a);
    tolk_identity_free(b);
    tolk_identity_free(NULL);
    unlink(link);
    unlink(path);
    rmdir(dir);
}

/* ---- no (KID, CTR) twice ------------------------------------------------------------------- */

struct kc {
    uint64_t kid, ctr;
};

static int kc_cmp(const void *a, const void *b)
{
    const struct kc *x = a, *y = b;
    if (x->kid != y->kid)
        return x->kid < y->kid ? -1 : 1;
    return x->ctr < y->ctr ? -1 : x->ctr > y->ctr;
}

static void test_no_kid_ctr_reuse(void **state)
{
    (void)state;
    enum { FRAMES = 10000 };
    struct broker *b = broker_new();
    struct kc *seen = calloc(FRAMES, sizeof *seen);
    assert_non_null(seen);
    join(b, 0);
    join(b, 1);
    uint8_t f[FRAME];
    uint64_t last_ctr = 0;
    for (size_t i = 0; i < FRAMES; i++) {
        if (i % 500 == 499) { /* a membership change every 500 frames */
            unsigned who = 2 + (unsigned)(i / 500) % 2;
            if (b->p[who].in)
                leave(b, who);
            else
                join(b, who);
        }
        size_t n = speak(b, 0, f);
        struct tolk_sframe_header h;
        assert_true(tolk_sframe_header_decode(f, n, &h) > 0);
        assert_int_equal(tolk_sframe_kid_sender(h.kid), 0);
        /* one counter per sender for the whole session: it is the receiver's frame sequence */
        if (i > 0)
            assert_int_equal(h.ctr, last_ctr + 1);
        else
            assert_int_equal(h.ctr, 0);
        last_ctr = h.ctr;
        seen[i] = (struct kc){h.kid, h.ctr};
        if (i % 97 == 0)
            hears(b, 1, 0, f, n);
    }
    qsort(seen, FRAMES, sizeof *seen, kc_cmp);
    for (size_t i = 1; i < FRAMES; i++)
        assert_true(kc_cmp(&seen[i - 1], &seen[i]) < 0);
    assert_int_equal(tolk_e2ee_epoch(b->p[0].e), START_EP + 1 + 20);
    free(seen);
    broker_free(b);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_join_in_turn),
        cmocka_unit_test(test_newcomer_cannot_read_the_past),
        cmocka_unit_test(test_silent_joins_ratchet_several_steps),
        cmocka_unit_test(test_leaver_cannot_read_the_future),
        cmocka_unit_test(test_tampered_frames_refused),
        cmocka_unit_test(test_replay_refused),
        cmocka_unit_test(test_forged_sender_refused),
        cmocka_unit_test(test_altered_key_messages_refused),
        cmocka_unit_test(test_lying_key_messages_refused),
        cmocka_unit_test(test_key_overtakes_event),
        cmocka_unit_test(test_events_checked),
        cmocka_unit_test(test_waiting_client_gets_no_prebrief_key),
        cmocka_unit_test(test_sidebar_keeps_the_client_out),
        cmocka_unit_test(test_relief_interpreter_leaves),
        cmocka_unit_test(test_safety_codes),
        cmocka_unit_test(test_safety_code_vector),
        cmocka_unit_test(test_word_list),
        cmocka_unit_test(test_identity_file),
        cmocka_unit_test(test_no_kid_ctr_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
