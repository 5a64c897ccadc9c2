/*
 * libtolk's side of the interpreter leg (docs/INTERPRETING.md): the broker's state messages,
 * the controls a participant sends, and the accessors of the latest state.
 *
 * A state message is the broker's whole view after a change, addressed to one receiver: its
 * room drives the media keys (e2ee.c moves them as docs/INTERPRETING.md "Epochs and keys"
 * says), its gains drive the mixer (heard from the next playout frame on), and our own
 * presence decides whether we send and play at all. Controls are one small encoder call each;
 * the broker alone decides, and answers with a state or a refusal (client_session.c turns the
 * refusal into TOLK_EVENT_REFUSED).
 */
#include <stdio.h>
#include <string.h>

#include "client_internal.h"

#define CONTROL_MAX 256

static int presence_of(const char *name)
{
    if (strcmp(name, "waiting") == 0)
        return TOLK_PRESENCE_WAITING;
    if (strcmp(name, "admitted") == 0)
        return TOLK_PRESENCE_ADMITTED;
    if (strcmp(name, "paused") == 0)
        return TOLK_PRESENCE_PAUSED;
    return TOLK_PRESENCE_UNKNOWN;
}

static const struct tolk_proto_member *member(const struct tolk_msg_state *st, unsigned index)
{
    for (size_t i = 0; i < st->nmembers; i++)
        if (st->members[i].index == index)
            return &st->members[i];
    return NULL;
}

void interp_reset(struct tolk_client *c)
{
    memset(&c->last, 0, sizeof c->last);
    c->has_state = false;
    c->presence = TOLK_PRESENCE_UNKNOWN;
    memset(&c->gains, 0, sizeof c->gains);
    c->routed = 0;
}

bool interp_may_send(const struct tolk_client *c)
{
    return c->has_state && c->presence == TOLK_PRESENCE_ADMITTED && !c->pause_requested &&
           c->last.room != 0;
}

bool interp_may_play(const struct tolk_client *c)
{
    return c->presence != TOLK_PRESENCE_PAUSED && !c->pause_requested;
}

/*
 * The newest gains. A routed sender is heard at its gain from the next frame on (ramped). A
 * sender that is no longer routed to us (the broker relays nothing more of it) is not cut
 * short: what it sent before the change, already in its jitter buffer, plays out at the gain it
 * had, and whatever of it still arrives is dropped (interp_routed). Cutting that tail would
 * open a gap in a hand-over, where the relief's stream starts one playout delay after the
 * switch while the first interpreter's last playout delay of speech is dropped.
 */
static void apply_gains(struct tolk_client *c, const struct tolk_msg_state *st)
{
    for (unsigned s = 0; s < TOLK_MIX_MAX; s++) {
        if (st->gains & (1u << s))
            tolk_mix_gains_set(&c->gains, s, st->gain_cb[s]);
        else if (!(c->routed & (1u << s)))
            tolk_mix_gains_set(&c->gains, s, TOLK_MIX_MUTED_CB);
    }
    c->routed = st->gains;
}

bool interp_routed(const struct tolk_client *c, unsigned sender)
{
    return sender < TOLK_MIX_MAX && (c->routed & (1u << sender));
}

void interp_on_state(struct tolk_client *c, const struct tolk_msg_state *st)
{
    const struct tolk_proto_member *self = member(st, (unsigned)c->index);
    bool new_epoch = !c->has_state || st->epoch != c->last.epoch;
    if (tolk_e2ee_on_state(c->e2ee, st->epoch, st->room) != 0)
        return; /* a broken state (epoch back, a room without us): keep the last good one */
    c->last = *st;
    c->has_state = true;
    c->presence = self ? presence_of(self->presence) : TOLK_PRESENCE_UNKNOWN;
    apply_gains(c, st);
    session_flush_keys(c);
    if (new_epoch) {
        c->epoch = st->epoch;
        c->safety_announced = false;
        struct tolk_event ev = {.type = TOLK_EVENT_EPOCH, .index = -1, .epoch = st->epoch};
        client_emit(c, &ev);
    }
    struct tolk_event ev = {.type = TOLK_EVENT_STATE,
                            .index = -1,
                            .epoch = st->epoch,
                            .presence = c->presence,
                            .mode = tolk_client_mode(c),
                            .sidebar = st->sidebar,
                            .cause = st->cause,
                            .cause_by = st->has_cause_by ? (int)st->cause_by : -1};
    client_emit(c, &ev);
    session_check_safety(c);
}

void interp_on_signal(struct tolk_client *c, const struct tolk_msg_control *m)
{
    struct tolk_event ev = {.type = TOLK_EVENT_SIGNAL,
                            .index = m->has_from ? (int)m->from : -1,
                            .epoch = c->epoch,
                            .cause_by = -1,
                            .name = m->text};
    client_emit(c, &ev);
}

void interp_on_handover(struct tolk_client *c, const struct tolk_msg_control *m)
{
    struct tolk_event ev = {.type = TOLK_EVENT_HANDOVER,
                            .index = m->has_from ? (int)m->from : -1,
                            .epoch = c->epoch,
                            .cause_by = -1,
                            .name = m->text};
    client_emit(c, &ev);
}

/* ---- controls ------------------------------------------------------------------------------ */

/* Sends control TYPE with the fields of M; names our session, so that a control can never
 * act on another one. */
static int send_control(struct tolk_client *c, enum tolk_msg_type type, struct tolk_msg_control *m)
{
    if (!c)
        return TOLK_EINVAL;
    if (c->state != CLIENT_JOINED)
        return TOLK_ESTATE;
    m->has_session = true;
    memcpy(m->session, c->session, sizeof m->session);
    char text[CONTROL_MAX];
    size_t n = tolk_proto_encode_control(text, sizeof text, type, m);
    if (n == 0)
        return TOLK_EINVAL;
    return client_queue(c, text, n, false);
}

static int send_index(struct tolk_client *c, enum tolk_msg_type type, int index, bool readmit)
{
    if (index < 0 || index >= TOLK_PROTO_MAX_PARTICIPANTS)
        return TOLK_EINVAL;
    struct tolk_msg_control m = {.index = (unsigned)index, .readmit = readmit};
    return send_control(c, type, &m);
}

static int send_flag(struct tolk_client *c, enum tolk_msg_type type, bool on)
{
    struct tolk_msg_control m = {.on = on};
    return send_control(c, type, &m);
}

static int send_word(struct tolk_client *c, enum tolk_msg_type type, const char *word)
{
    struct tolk_msg_control m = {0};
    if (!word || strlen(word) >= sizeof m.text)
        return TOLK_EINVAL;
    memcpy(m.text, word, strlen(word) + 1);
    return send_control(c, type, &m);
}

int tolk_client_admit(tolk_client *c, int index, bool readmit)
{
    return send_index(c, TOLK_MSG_ADMIT, index, readmit);
}

int tolk_client_hold(tolk_client *c, int index)
{
    return send_index(c, TOLK_MSG_HOLD, index, false);
}

int tolk_client_remove(tolk_client *c, int index)
{
    return send_index(c, TOLK_MSG_REMOVE, index, false);
}

int tolk_client_sidebar(tolk_client *c, bool open)
{
    return send_flag(c, TOLK_MSG_SIDEBAR, open);
}

int tolk_client_set_mode(tolk_client *c, int mode)
{
    if (mode != TOLK_MODE_CONSECUTIVE && mode != TOLK_MODE_SIMULTANEOUS)
        return TOLK_EINVAL;
    return send_word(c, TOLK_MSG_MODE,
                     mode == TOLK_MODE_CONSECUTIVE ? "consecutive" : "simultaneous");
}

int tolk_client_set_channel(tolk_client *c, const char *lang)
{
    return send_word(c, TOLK_MSG_CHANNEL, lang);
}

int tolk_client_signal(tolk_client *c, int which)
{
    static const char *const names[] = {NULL, "slow_down", "repeat", "moment"};
    if (which < TOLK_SIGNAL_SLOW_DOWN || which > TOLK_SIGNAL_MOMENT)
        return TOLK_EINVAL;
    return send_word(c, TOLK_MSG_SIGNAL, names[which]);
}

int tolk_client_handover(tolk_client *c, int action)
{
    static const char *const names[] = {NULL, "request", "accept", "decline"};
    if (action < TOLK_HANDOVER_REQUEST || action > TOLK_HANDOVER_DECLINE)
        return TOLK_EINVAL;
    return send_word(c, TOLK_MSG_HANDOVER, names[action]);
}

/* The microphone goes off at once, before the broker answers: what the user asked for. */
int tolk_client_pause(tolk_client *c, bool paused)
{
    int rc = send_flag(c, TOLK_MSG_PAUSE, paused);
    if (rc == 0)
        c->pause_requested = paused;
    return rc;
}

int tolk_client_announce_recording(tolk_client *c, bool on)
{
    return send_flag(c, TOLK_MSG_RECORDING, on);
}

/* ---- accessors ----------------------------------------------------------------------------- */

int tolk_client_presence(const tolk_client *c)
{
    return c && c->has_state ? c->presence : TOLK_PRESENCE_UNKNOWN;
}

int tolk_client_mode(const tolk_client *c)
{
    if (!c || !c->has_state)
        return TOLK_MODE_UNKNOWN;
    return strcmp(c->last.mode, "simultaneous") == 0 ? TOLK_MODE_SIMULTANEOUS
                                                     : TOLK_MODE_CONSECUTIVE;
}

int tolk_client_sidebar_open(const tolk_client *c)
{
    return c && c->has_state && c->last.sidebar;
}

static void describe(const tolk_client *c, const struct tolk_proto_member *m,
                     struct tolk_participant *p)
{
    const struct tolk_msg_state *st = &c->last;
    memset(p, 0, sizeof *p);
    p->index = (int)m->index;
    snprintf(p->role, sizeof p->role, "%s", m->role);
    p->presence = presence_of(m->presence);
    snprintf(p->lang, sizeof p->lang, "%s", m->lang);
    if (strcmp(m->role, "interpreter") == 0)
        p->interpreter = m->interpreter_active ? 1 : 2;
    snprintf(p->channel, sizeof p->channel, "%s", m->channel);
    p->recording = m->recording;
    p->is_self = (int)m->index == c->index;
    p->in_room = (st->room >> m->index) & 1u;
    p->gain_cb = (st->gains >> m->index) & 1u ? st->gain_cb[m->index] : TOLK_GAIN_MUTED;
}

size_t tolk_client_participants(const tolk_client *c, struct tolk_participant *out, size_t max)
{
    if (!c || !c->has_state)
        return 0;
    size_t n = 0;
    for (unsigned index = 0; index < TOLK_PROTO_MAX_PARTICIPANTS; index++) {
        const struct tolk_proto_member *m = member(&c->last, index);
        if (!m)
            continue;
        if (out && n < max)
            describe(c, m, &out[n]);
        n++;
    }
    return n;
}
