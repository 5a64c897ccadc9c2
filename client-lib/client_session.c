/*
 * libtolk's session logic: the tolk.v1 exchange (hello, join, roster, keys), end-to-end
 * encryption of media through e2ee.c, and playout through one jitter buffer and one Opus
 * decoder per remote participant, mixed at the gains of the latest state (client_interp.c
 * handles the state messages and the interpreter leg's controls).
 *
 * Playout runs on the client's clock, one tick per frame duration. A remote's tick yields a
 * packet (decoded), a confirmed loss (rebuilt with in-band FEC from the next packet when it is
 * there, else concealed), or nothing yet (silence in the mix, the decoder untouched): a stall of
 * the network or of the host delays that participant's audio instead of corrupting it, so with
 * no loss what is played is exactly what was sent.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

#define TEXT_MAX 4096

void session_send_text(struct tolk_client *c, const char *text, size_t n)
{
    if (n == 0 || client_queue(c, text, n, false) != 0)
        client_stop(c, TOLK_ENOMEM);
}

void session_on_established(struct tolk_client *c)
{
    char text[256];
    c->state = CLIENT_HELLO;
    session_send_text(c, text, tolk_proto_encode_hello(text, sizeof text, "libtolk/" TOLK_VERSION));
}

static void send_join(struct tolk_client *c)
{
    struct tolk_msg_join j;
    memset(&j, 0, sizeof j);
    memcpy(j.token, c->token, sizeof j.token);
    memcpy(j.identity, tolk_identity_public(c->identity), sizeof j.identity);
    if (c->has_resume) {
        memcpy(j.resume, c->resume, sizeof j.resume);
        j.has_resume = true;
    }
    memcpy(j.lang, c->lang, sizeof j.lang);
    char text[512];
    size_t n = tolk_proto_encode_join(text, sizeof text, &j);
    sodium_memzero(&j, sizeof j);
    c->state = CLIENT_JOINING;
    session_send_text(c, text, n);
    sodium_memzero(text, sizeof text);
}

/* Sends every key message e2ee has queued. */
void session_flush_keys(struct tolk_client *c)
{
    struct tolk_key_msg k;
    while (tolk_e2ee_next_outgoing(c->e2ee, &k) == 0) {
        struct tolk_msg_key m;
        memset(&m, 0, sizeof m);
        m.to = k.to;
        m.epoch = k.epoch;
        memcpy(m.sealed, k.sealed, sizeof k.sealed);
        m.sealed_len = sizeof k.sealed;
        memcpy(m.sig, k.sig, sizeof m.sig);
        char text[1024];
        session_send_text(c, text, tolk_proto_encode_key(text, sizeof text, &m));
    }
}

static void remote_free(struct remote *r)
{
    tolk_dec_free(r->dec);
    tolk_jitter_free(r->jb);
    memset(r, 0, sizeof *r);
}

void session_reset_remotes(struct tolk_client *c)
{
    for (int i = 0; i < TOLK_PROTO_MAX_PARTICIPANTS; i++)
        remote_free(&c->remotes[i]);
}

static int remote_add(struct tolk_client *c, unsigned index, const char *role)
{
    struct remote *r = &c->remotes[index];
    remote_free(r);
    struct tolk_jitter_config jc = {.frame_ms = c->audio.frame_ms,
                                    .min_delay_ms = c->opts.jitter_min_ms};
    if (tolk_dec_new(&r->dec) != 0 || tolk_jitter_new(&jc, &r->jb) != 0) {
        remote_free(r);
        return TOLK_ENOMEM;
    }
    r->present = true;
    snprintf(r->role, sizeof r->role, "%s", role);
    return 0;
}

/*
 * Announces the safety code once we are in a room and every member's key for this epoch is in.
 * The code covers everyone present (docs/PROTOCOL.md), so a roster change changes it too.
 */
void session_check_safety(struct tolk_client *c)
{
    if (c->safety_announced || c->state != CLIENT_JOINED || !tolk_e2ee_keys_agreed(c->e2ee))
        return;
    char digits[32], words[128];
    if (tolk_e2ee_safety_code(c->e2ee, digits, sizeof digits, words, sizeof words) != 0)
        return;
    c->safety_announced = true;
    struct tolk_event ev = {.type = TOLK_EVENT_SAFETY_CODE,
                            .index = -1,
                            .epoch = c->epoch,
                            .safety_digits = digits,
                            .safety_words = words};
    client_emit(c, &ev);
}

/* The roster changed: owed keys may go out now, and the safety code is a new one. */
static void roster_changed(struct tolk_client *c)
{
    c->safety_announced = false;
    session_flush_keys(c);
    session_check_safety(c);
}

static void on_joined(struct tolk_client *c, const struct tolk_msg_joined *j)
{
    struct tolk_peer peers[TOLK_PROTO_MAX_PARTICIPANTS];
    c->state = CLIENT_JOINED;
    c->ever_joined = true;
    c->backoff_ms = 0;
    c->index = (int)j->index;
    memcpy(c->session, j->session, sizeof c->session);
    memcpy(c->resume, j->resume, sizeof c->resume);
    c->has_resume = true;
    c->next_tick_us = tolk_now_us();
    for (size_t i = 0; i < j->nparticipants; i++) {
        peers[i].index = j->participants[i].index;
        memcpy(peers[i].identity, j->participants[i].identity, sizeof peers[i].identity);
        if (remote_add(c, peers[i].index, j->participants[i].role) != 0) {
            client_stop(c, TOLK_ENOMEM);
            return;
        }
    }
    if (tolk_e2ee_on_joined(c->e2ee, j->session, j->index, j->epoch, peers, j->nparticipants)) {
        client_stop(c, TOLK_ENOMEM);
        return;
    }
    c->epoch = j->epoch;
    struct tolk_event ev = {.type = TOLK_EVENT_JOINED,
                            .index = (int)j->index,
                            .role = j->role,
                            .epoch = j->epoch,
                            .cause_by = -1};
    client_emit(c, &ev);
    for (size_t i = 0; i < j->nparticipants; i++) {
        struct tolk_event pe = {.type = TOLK_EVENT_PARTICIPANT_JOINED,
                                .index = (int)peers[i].index,
                                .role = j->participants[i].role,
                                .epoch = j->epoch,
                                .cause_by = -1};
        client_emit(c, &pe);
    }
    roster_changed(c);
}

static void on_peer_joined(struct tolk_client *c, const struct tolk_msg_participant *p)
{
    struct tolk_peer peer = {.index = p->who.index};
    memcpy(peer.identity, p->who.identity, sizeof peer.identity);
    if (p->who.index == (unsigned)c->index || remote_add(c, p->who.index, p->who.role) != 0 ||
        tolk_e2ee_on_peer_joined(c->e2ee, &peer, p->epoch) != 0)
        return;
    struct tolk_event ev = {.type = TOLK_EVENT_PARTICIPANT_JOINED,
                            .index = (int)p->who.index,
                            .role = p->who.role,
                            .epoch = p->epoch,
                            .cause_by = -1};
    client_emit(c, &ev);
    roster_changed(c);
}

static void on_peer_left(struct tolk_client *c, const struct tolk_msg_participant *p)
{
    if (p->who.index == (unsigned)c->index)
        return;
    remote_free(&c->remotes[p->who.index]);
    if (tolk_e2ee_on_peer_left(c->e2ee, p->who.index, p->epoch) != 0)
        return;
    struct tolk_event ev = {.type = TOLK_EVENT_PARTICIPANT_LEFT,
                            .index = (int)p->who.index,
                            .reason = p->reason,
                            .epoch = p->epoch,
                            .cause_by = -1};
    client_emit(c, &ev);
    roster_changed(c);
}

static void on_key(struct tolk_client *c, const struct tolk_msg_key *k)
{
    /* a refused key message is counted by e2ee (keys_rejected); the session goes on */
    if (k->has_from && tolk_e2ee_on_key(c->e2ee, k->from, k->to, k->epoch, k->sealed, k->sealed_len,
                                        k->sig, sizeof k->sig) == 0)
        session_check_safety(c);
}

/*
 * A refusal while joining ends the client; later errors are reported and the session goes on.
 * The broker's refusals of our controls (codes 1200..1299) are TOLK_EVENT_REFUSED.
 */
static void on_error(struct tolk_client *c, const struct tolk_msg_error *e)
{
    bool control = e->code >= 1200 && e->code < 1300;
    struct tolk_event ev = {.type = control ? TOLK_EVENT_REFUSED : TOLK_EVENT_ERROR,
                            .index = -1,
                            .epoch = c->epoch,
                            .error = TOLK_EDENIED,
                            .error_name = e->name,
                            .cause_by = -1,
                            .broker_code = e->code};
    if (e->code == TOLK_PERR_UNSUPPORTED_VERSION)
        ev.error = TOLK_EVERSION;
    else if (e->code < 1100)
        ev.error = TOLK_EPROTO;
    client_emit(c, &ev);
    if (c->state == CLIENT_HELLO || c->state == CLIENT_JOINING)
        client_stop(c, ev.error);
}

static void on_hello(struct tolk_client *c, const struct tolk_msg_hello *h)
{
    if (c->state != CLIENT_HELLO || h->version != TOLK_PROTO_VERSION) {
        client_stop(c, TOLK_EVERSION);
        return;
    }
    send_join(c);
}

void session_on_text(struct tolk_client *c, const char *text, size_t len)
{
    struct tolk_msg m;
    struct tolk_proto_fault fault;
    if (tolk_proto_decode(text, len, &m, &fault) != 0)
        return; /* a newer broker's message we do not know: ignore it */
    switch (m.type) {
    case TOLK_MSG_HELLO:
        on_hello(c, &m.u.hello);
        break;
    case TOLK_MSG_ERROR:
        on_error(c, &m.u.error);
        break;
    case TOLK_MSG_JOINED:
        on_joined(c, &m.u.joined);
        break;
    case TOLK_MSG_PARTICIPANT_JOINED:
        on_peer_joined(c, &m.u.participant);
        break;
    case TOLK_MSG_PARTICIPANT_LEFT:
        on_peer_left(c, &m.u.participant);
        break;
    case TOLK_MSG_KEY:
        on_key(c, &m.u.key);
        break;
    case TOLK_MSG_STATE:
        if (c->state == CLIENT_JOINED)
            interp_on_state(c, &m.u.state);
        break;
    case TOLK_MSG_SIGNAL:
        if (c->state == CLIENT_JOINED)
            interp_on_signal(c, &m.u.control);
        break;
    case TOLK_MSG_HANDOVER:
        if (c->state == CLIENT_JOINED)
            interp_on_handover(c, &m.u.control);
        break;
    default:
        break;
    }
    sodium_memzero(&m, sizeof m);
}

void session_on_media(struct tolk_client *c, const uint8_t *frame, size_t len)
{
    uint8_t pt[TOLK_AUDIO_MAX_PACKET + 64];
    size_t n = 0;
    unsigned sender = 0;
    uint64_t ctr = 0;
    c->stats.frames_received++;
    if (c->state != CLIENT_JOINED ||
        tolk_e2ee_decrypt(c->e2ee, frame, len, pt, sizeof pt, &n, &sender, &ctr) != 0)
        return;
    c->stats.frames_decrypted++;
    struct remote *r = &c->remotes[sender];
    if (!r->present || !r->jb || !interp_routed(c, sender))
        return;
    uint32_t now_ms = (uint32_t)(tolk_now_us() / 1000u);
    if (tolk_jitter_put(r->jb, ctr, now_ms, pt, n) != 0)
        c->stats.late++;
}

/* Encodes, encrypts and queues one frame; nothing at all while waiting or paused (the broker
 * would drop it, and a prepaid data plan would pay for it). */
int session_send_pcm_frame(struct tolk_client *c, const int16_t *pcm)
{
    if (!interp_may_send(c))
        return 0;
    uint8_t pkt[TOLK_AUDIO_MAX_PACKET], frame[TOLK_AUDIO_MAX_PACKET + 64];
    int n = tolk_enc_encode(c->enc, pcm, pkt, sizeof pkt);
    if (n < 0)
        return n;
    size_t flen = 0;
    if (tolk_e2ee_encrypt(c->e2ee, pkt, (size_t)n, frame, sizeof frame, &flen) != 0)
        return 0; /* no key yet: this frame is not sent */
    c->stats.frames_sent++;
    return client_queue(c, frame, flen, true);
}

/* One remote's frame for this tick into OUT; returns 1 if it produced audio, else 0. */
static int play_remote(struct tolk_client *c, struct remote *r, int16_t *out)
{
    struct tolk_jitter_out jo;
    uint32_t now_ms = (uint32_t)(tolk_now_us() / 1000u);
    int n = 0;
    switch (tolk_jitter_get(r->jb, now_ms, &jo)) {
    case TOLK_JITTER_PACKET:
        n = tolk_dec_decode(r->dec, jo.pkt, jo.len, out, c->frame_samples);
        c->stats.played++;
        break;
    case TOLK_JITTER_LOST_FEC_AVAILABLE:
        n = tolk_dec_recover(r->dec, jo.pkt, jo.len, out, c->frame_samples);
        c->stats.fec_recovered++;
        break;
    case TOLK_JITTER_LOST:
        n = tolk_dec_conceal(r->dec, out, c->frame_samples);
        c->stats.lost++;
        break;
    case TOLK_JITTER_EMPTY:
        break;
    }
    if (n != c->frame_samples) {
        memset(out, 0, (size_t)c->frame_samples * sizeof *out);
        return 0;
    }
    return 1;
}

/*
 * One playout tick: every remote's frame, each mixed at the gain of the latest state (ramped
 * from the previous one across this frame). While paused the buffers keep draining but nothing
 * is played: the mix is silence and no participant's audio is handed out.
 */
static void tick(struct tolk_client *c)
{
    _Static_assert(TOLK_PROTO_MAX_PARTICIPANTS == TOLK_MIX_MAX, "one gain per participant");
    const int16_t *inputs[TOLK_MIX_MAX] = {0};
    bool play = interp_may_play(c);
    for (int i = 0; i < TOLK_PROTO_MAX_PARTICIPANTS; i++) {
        struct remote *r = &c->remotes[i];
        if (!r->present || !r->jb)
            continue;
        int16_t *pcm = c->mix_tmp[i];
        if (play_remote(c, r, pcm) && play && c->opts.on_audio)
            c->opts.on_audio(c, i, pcm, (size_t)c->frame_samples, c->opts.user);
        inputs[i] = play ? pcm : NULL;
    }
    tolk_mix_gains_mix(&c->gains, inputs, (size_t)c->frame_samples, c->mix_out);
    if (c->opts.on_audio)
        c->opts.on_audio(c, -1, c->mix_out, (size_t)c->frame_samples, c->opts.user);
}

void session_playout(struct tolk_client *c)
{
    if (c->state != CLIENT_JOINED || !c->next_tick_us)
        return;
    uint64_t now = tolk_now_us(), step = (uint64_t)c->audio.frame_ms * 1000u;
    if (now > c->next_tick_us + 10 * step)
        c->next_tick_us = now; /* the host stalled: do not play a burst to catch up */
    while (c->state == CLIENT_JOINED && now >= c->next_tick_us) {
        tick(c);
        c->next_tick_us += step;
    }
}

void session_on_disconnect(struct tolk_client *c)
{
    session_reset_remotes(c);
    c->next_tick_us = 0;
    c->pcm_fill = 0;
    c->index = -1;
    c->safety_announced = false;
    interp_reset(c);
    struct tolk_e2ee_stats e = {0};
    if (c->e2ee)
        tolk_e2ee_get_stats(c->e2ee, &e); /* the next connection gets a new e2ee: keep counts */
    c->stats.auth_failed += e.auth_failed;
    c->stats.replayed += e.replayed;
    c->stats.no_key += e.no_key;
    c->stats.forged_sender += e.forged_sender;
    tolk_e2ee_free(c->e2ee);
    c->e2ee = NULL;
    if (tolk_e2ee_new(c->identity, &c->e2ee) != 0)
        client_stop(c, TOLK_ENOMEM);
    if (c->state != CLIENT_CLOSED)
        c->state = CLIENT_BACKOFF;
}
