#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

#define SIGNAL_WINDOW_MS 1000u

const struct tolk_sess_policy tolk_sess_default_policy = {-150, false};

int tolk_grant_check(const struct tolk_token_grant *grant, int64_t now)
{
    if (grant->revoked)
        return TOLK_PERR_INVALID_TOKEN;
    if (grant->appointment.status == TOLK_APPOINTMENT_CANCELLED)
        return TOLK_PERR_CANCELLED;
    if (now < grant->valid_from || now >= grant->valid_until)
        return TOLK_PERR_OUTSIDE_WINDOW;
    return 0;
}

/* ---- routing ------------------------------------------------------------------------------- */

static bool in_session(enum tolk_route_presence p)
{
    return p == TOLK_ROUTE_ADMITTED || p == TOLK_ROUTE_PAUSED;
}

static bool is_interpreter(const struct tolk_route_state *st, unsigned i)
{
    return st->p[i].role == TOLK_ROUTE_INTERPRETER && in_session(st->p[i].presence);
}

static bool is_active(const struct tolk_route_state *st, unsigned i)
{
    return is_interpreter(st, i) && st->p[i].active;
}

/* Two output channels are one when both mean "the client's language" with no client to name
 * it, or when they have the same primary language (the rule routing hears them by). */
static bool same_channel(const char *a, const char *b)
{
    return (a[0] == '\0' && b[0] == '\0') || tolk_route_lang_match(a, b);
}

/* The lowest other active interpreter on I's effective channel, or -1. */
static int active_rival(const struct tolk_route_state *st, unsigned i)
{
    const char *mine = tolk_route_channel(st, i);
    for (unsigned j = 0; j < TOLK_ROUTE_MAX; j++)
        if (j != i && is_active(st, j) && same_channel(mine, tolk_route_channel(st, j)))
            return (int)j;
    return -1;
}

/*
 * Makes one active interpreter passive after a change that nobody could refuse (a client's
 * language named a channel, a join) left two active on one channel: the later of the two, so
 * that whoever was interpreting first goes on. Returns false if no interpreter is active.
 */
static bool demote_one(struct tolk_route_state *st)
{
    int last = -1;
    for (unsigned i = TOLK_ROUTE_MAX; i-- > 0;) {
        if (!is_active(st, i))
            continue;
        if (last < 0)
            last = (int)i;
        int rival = active_rival(st, i);
        if (rival >= 0 && (unsigned)rival < i) {
            st->p[i].active = false;
            return true;
        }
    }
    if (last < 0)
        return false;
    st->p[last].active = false;
    return true;
}

/*
 * Makes ST the session's state and computes its table, making interpreters passive where two
 * would share a channel. If the table still cannot be computed (which valid input never
 * causes) the session keeps the all-muted table tolk_route_compute leaves, so that nothing is
 * relayed wrongly; the error is returned.
 */
static int settle(struct tolk_sess *s, struct tolk_route_state *st)
{
    struct tolk_route_table t;
    int rc = tolk_route_compute(st, &t);
    for (unsigned n = 0; rc == TOLK_ROUTE_ETWOACTIVE && n < TOLK_ROUTE_MAX && demote_one(st); n++)
        rc = tolk_route_compute(st, &t);
    s->route = *st;
    s->table = t;
    return rc;
}

/* As settle, but a change that would leave two active interpreters on one channel is refused
 * (the session is unchanged) rather than resolved. */
static int settle_strict(struct tolk_sess *s, const struct tolk_route_state *st)
{
    struct tolk_route_table t;
    int rc = tolk_route_compute(st, &t);
    if (rc == TOLK_ROUTE_ETWOACTIVE)
        return TOLK_PERR_INTERPRETER_ACTIVE;
    if (rc != TOLK_ROUTE_OK)
        return TOLK_PERR_BAD_MESSAGE;
    s->route = *st;
    s->table = t;
    return 0;
}

/* ---- joining and leaving ------------------------------------------------------------------- */

static struct tolk_sess *find(struct tolk_sess_registry *reg, int64_t appointment_id)
{
    for (struct tolk_sess *s = reg->head; s; s = s->next)
        if (s->appointment_id == appointment_id)
            return s;
    return NULL;
}

/* The session id is the appointment's public ref when it is 32 hex digits (as tolkd makes
 * them), else a hash of it: either way every participant derives the same 16 bytes. */
static void set_id(struct tolk_sess *s, const char *ref)
{
    memset(s->id, 0, sizeof s->id);
    for (size_t i = 0; i < 2 * sizeof s->id && ref[i]; i++) {
        char c = ref[i];
        unsigned v = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                                            : (unsigned)c & 0xf;
        s->id[i / 2] = (uint8_t)(s->id[i / 2] | (i % 2 ? v : v << 4));
    }
}

static struct tolk_sess *create(struct tolk_sess_registry *reg, const struct tolk_token_grant *g,
                                const struct tolk_sess_policy *policy)
{
    struct tolk_sess *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->appointment_id = g->appointment.id;
    memcpy(s->ref, g->appointment.ref, sizeof s->ref);
    set_id(s, s->ref);
    s->handover_from = s->handover_to = -1;
    s->allow_recording = policy->allow_recording;
    s->route.duck_cb = policy->duck_cb;
    if (tolk_route_mode_parse(g->appointment.mode, &s->route.mode) != 0)
        s->route.mode = TOLK_ROUTE_CONSECUTIVE; /* "" for appointments made without a booking */
    tolk_route_compute(&s->route, &s->table);
    s->next = reg->head;
    reg->head = s;
    reg->count++;
    return s;
}

/* The slot of TOKEN_HASH, or a new one, or -1 if all are taken. */
static int slot_for(struct tolk_sess *s, const uint8_t *token_hash)
{
    int fresh = -1;
    for (int i = 0; i < TOLK_PROTO_MAX_PARTICIPANTS; i++) {
        if (s->p[i].used &&
            memcmp(s->p[i].token_hash, token_hash, TOLK_STORE_TOKEN_HASH_BYTES) == 0)
            return i;
        if (!s->p[i].used && fresh < 0)
            fresh = i;
    }
    return fresh;
}

static bool resume_matches(const struct tolk_sess_participant *p, const struct tolk_msg_join *m)
{
    unsigned diff = 0;
    for (size_t i = 0; i < sizeof p->resume; i++)
        diff |= (unsigned)(p->resume[i] ^ m->resume[i]);
    return m->has_resume && diff == 0;
}

/* A participant arriving (not a takeover): its presence, language and interpreter status. */
static void arrive(struct tolk_sess *s, unsigned i, enum tolk_route_role role, const char *lang)
{
    struct tolk_route_state st = s->route;
    struct tolk_route_participant *rp = &st.p[i];
    bool staff = role == TOLK_ROUTE_CLINICIAN || role == TOLK_ROUTE_INTERPRETER;
    memset(rp, 0, sizeof *rp);
    rp->role = role;
    rp->presence = staff || s->p[i].readmit ? TOLK_ROUTE_ADMITTED : TOLK_ROUTE_WAITING;
    snprintf(rp->lang, sizeof rp->lang, "%s", lang);
    if (role == TOLK_ROUTE_INTERPRETER)
        rp->active = active_rival(&st, i) < 0;
    s->p[i].recording = false;
    s->p[i].signal_next = 0;
    memset(s->p[i].signal_ms, 0, sizeof s->p[i].signal_ms);
    settle(s, &st);
}

/* Checks what a join brings before anything changes: a role we know, a language tag. */
static int join_input(const struct tolk_join_request *req, enum tolk_route_role *role, char *lang)
{
    if (tolk_route_role_parse(req->grant->role, role) != 0)
        return TOLK_PERR_INVALID_TOKEN;
    lang[0] = '\0';
    if (req->msg->lang[0] && tolk_lang_canonical(req->msg->lang, lang, TOLK_ROUTE_LANG_MAX) != 0)
        return TOLK_PERR_BAD_MESSAGE;
    return 0;
}

int tolk_sess_join(struct tolk_sess_registry *reg, const struct tolk_join_request *req,
                   struct tolk_join_outcome *out)
{
    memset(out, 0, sizeof *out);
    enum tolk_route_role role;
    char lang[TOLK_ROUTE_LANG_MAX];
    int rc = join_input(req, &role, lang);
    if (rc != 0)
        return rc;
    struct tolk_sess *s = find(reg, req->grant->appointment.id);
    if (!s && !(s = create(reg, req->grant, req->policy ? req->policy : &tolk_sess_default_policy)))
        return TOLK_PERR_INTERNAL;
    int i = slot_for(s, req->token_hash);
    if (i < 0)
        return TOLK_PERR_SESSION_FULL;
    struct tolk_sess_participant *p = &s->p[i];
    bool takeover = p->present;
    if (takeover) {
        if (!resume_matches(p, req->msg))
            return TOLK_PERR_TOKEN_IN_USE;
        out->replaced = p->conn;
        out->left_epoch = ++s->epoch;
        s->present--;
    }
    p->used = true;
    p->present = true;
    p->conn = req->conn;
    memcpy(p->token_hash, req->token_hash, sizeof p->token_hash);
    memcpy(p->identity, req->msg->identity, sizeof p->identity);
    memcpy(p->resume, req->fresh_resume, sizeof p->resume);
    snprintf(p->role, sizeof p->role, "%.15s", req->grant->role); /* roles are short words */
    s->present++;
    s->epoch++;
    if (!takeover) {
        arrive(s, (unsigned)i, role, lang);
    } else if (lang[0]) { /* the participant never left: only its language may be new */
        struct tolk_route_state st = s->route;
        memcpy(st.p[i].lang, lang, sizeof st.p[i].lang);
        settle(s, &st);
    }
    out->sess = s;
    out->index = (unsigned)i;
    return 0;
}

static void unlink_sess(struct tolk_sess_registry *reg, struct tolk_sess *sess)
{
    for (struct tolk_sess **pp = &reg->head; *pp; pp = &(*pp)->next) {
        if (*pp == sess) {
            *pp = sess->next;
            reg->count--;
            return;
        }
    }
}

/*
 * Takes I out of ST. When I was the active interpreter, the lowest passive interpreter on its
 * channel takes over (with that channel), as an accepted hand-over would: a relief
 * interpreter is booked for exactly this.
 */
static void depart(struct tolk_sess *s, struct tolk_route_state *st, unsigned i)
{
    bool was_active = is_active(st, i);
    char channel[TOLK_ROUTE_LANG_MAX], effective[TOLK_ROUTE_LANG_MAX];
    memcpy(channel, st->p[i].channel, sizeof channel);
    snprintf(effective, sizeof effective, "%s", tolk_route_channel(st, i));
    memset(&st->p[i], 0, sizeof st->p[i]);
    st->p[i].presence = TOLK_ROUTE_ABSENT;
    s->p[i].recording = false;
    if (s->handover_from == (int)i || s->handover_to == (int)i)
        s->handover_from = s->handover_to = -1;
    for (unsigned j = 0; was_active && j < TOLK_ROUTE_MAX; j++) {
        if (is_interpreter(st, j) && !st->p[j].active &&
            same_channel(effective, tolk_route_channel(st, j))) {
            st->p[j].active = true;
            memcpy(st->p[j].channel, channel, sizeof channel);
            break;
        }
    }
}

bool tolk_sess_leave(struct tolk_sess_registry *reg, struct tolk_sess *sess, unsigned index)
{
    struct tolk_sess_participant *p = &sess->p[index];
    if (!p->present)
        return false;
    p->present = false;
    p->conn = NULL;
    sess->present--;
    sess->epoch++;
    if (sess->present == 0) {
        unlink_sess(reg, sess);
        free(sess);
        return true;
    }
    struct tolk_route_state st = sess->route;
    depart(sess, &st, index);
    settle(sess, &st);
    return false;
}

void tolk_sess_registry_clear(struct tolk_sess_registry *reg)
{
    while (reg->head) {
        struct tolk_sess *s = reg->head;
        reg->head = s->next;
        free(s);
    }
    reg->count = 0;
}

size_t tolk_sess_roster(const struct tolk_sess *sess, unsigned except,
                        struct tolk_proto_participant *out)
{
    size_t n = 0;
    for (unsigned i = 0; i < TOLK_PROTO_MAX_PARTICIPANTS; i++) {
        if (!sess->p[i].present || i == except)
            continue;
        out[n].index = i;
        memcpy(out[n].role, sess->p[i].role, sizeof out[n].role);
        memcpy(out[n].identity, sess->p[i].identity, sizeof out[n].identity);
        n++;
    }
    return n;
}

/* ---- controls ------------------------------------------------------------------------------ */

#define ROLE(r) (1u << (r))
#define ANYONE                                                                                     \
    (ROLE(TOLK_ROUTE_CLIENT) | ROLE(TOLK_ROUTE_CLINICIAN) | ROLE(TOLK_ROUTE_INTERPRETER) |         \
     ROLE(TOLK_ROUTE_SUPPORT))

/* docs/INTERPRETING.md, "Controls": who may send what. Denied unless listed. */
static const struct {
    enum tolk_msg_type type;
    const char *name;
    unsigned roles;
} controls[] = {
    {TOLK_MSG_ADMIT, "admit", ROLE(TOLK_ROUTE_CLINICIAN)},
    {TOLK_MSG_HOLD, "hold", ROLE(TOLK_ROUTE_CLINICIAN)},
    {TOLK_MSG_REMOVE, "remove", ROLE(TOLK_ROUTE_CLINICIAN)},
    {TOLK_MSG_SIDEBAR, "sidebar", ROLE(TOLK_ROUTE_CLINICIAN)},
    {TOLK_MSG_MODE, "mode", ROLE(TOLK_ROUTE_CLINICIAN)},
    {TOLK_MSG_CHANNEL, "channel", ROLE(TOLK_ROUTE_INTERPRETER)},
    {TOLK_MSG_SIGNAL, "signal", ROLE(TOLK_ROUTE_INTERPRETER)},
    {TOLK_MSG_HANDOVER, "handover", ROLE(TOLK_ROUTE_INTERPRETER)},
    {TOLK_MSG_PAUSE, "pause", ANYONE},
    {TOLK_MSG_RECORDING, "recording", ANYONE},
};

const char *tolk_sess_control_name(enum tolk_msg_type type)
{
    for (size_t i = 0; i < sizeof controls / sizeof controls[0]; i++)
        if (controls[i].type == type)
            return controls[i].name;
    return "";
}

static unsigned roles_allowed(enum tolk_msg_type type)
{
    for (size_t i = 0; i < sizeof controls / sizeof controls[0]; i++)
        if (controls[i].type == type)
            return controls[i].roles;
    return 0;
}

/* Admit, hold and remove apply to a present client or support person in presence WANT
 * (TOLK_ROUTE_ABSENT: in any presence). The target's index, or -1. */
static int target_of(const struct tolk_sess *s, const struct tolk_msg_control *c,
                     enum tolk_route_presence want)
{
    if (c->index >= TOLK_ROUTE_MAX || !s->p[c->index].present)
        return -1;
    const struct tolk_route_participant *t = &s->route.p[c->index];
    if (t->role != TOLK_ROUTE_CLIENT && t->role != TOLK_ROUTE_SUPPORT)
        return -1;
    if (want == TOLK_ROUTE_ABSENT || t->presence == want ||
        (want == TOLK_ROUTE_ADMITTED && t->presence == TOLK_ROUTE_PAUSED))
        return (int)c->index;
    return -1;
}

static int do_admit(struct tolk_sess *s, const struct tolk_msg_control *c,
                    struct tolk_sess_effect *fx)
{
    int t = target_of(s, c, TOLK_ROUTE_WAITING);
    if (t < 0)
        return TOLK_PERR_BAD_TARGET;
    struct tolk_route_state st = s->route;
    st.p[t].presence = TOLK_ROUTE_ADMITTED;
    s->p[t].readmit = c->readmit;
    s->epoch++;
    settle(s, &st);
    fx->target = t;
    fx->epoch_changed = true;
    return 0;
}

static int do_hold(struct tolk_sess *s, const struct tolk_msg_control *c,
                   struct tolk_sess_effect *fx)
{
    int t = target_of(s, c, TOLK_ROUTE_ADMITTED);
    if (t < 0)
        return TOLK_PERR_BAD_TARGET;
    struct tolk_route_state st = s->route;
    st.p[t].presence = TOLK_ROUTE_WAITING;
    s->p[t].readmit = false; /* asked to wait: a rejoin must not bring it straight back */
    s->p[t].recording = false;
    s->epoch++;
    settle(s, &st);
    fx->target = t;
    fx->epoch_changed = true;
    return 0;
}

static int do_remove(struct tolk_sess *s, const struct tolk_msg_control *c,
                     struct tolk_sess_effect *fx)
{
    int t = target_of(s, c, TOLK_ROUTE_ABSENT);
    if (t < 0)
        return TOLK_PERR_BAD_TARGET;
    struct tolk_sess_participant *p = &s->p[t];
    fx->closed = p->conn;
    fx->target = t;
    fx->epoch_changed = true;
    p->present = false;
    p->conn = NULL;
    p->readmit = false;
    s->present--; /* never 0: the clinician who sent it is here */
    s->epoch++;
    struct tolk_route_state st = s->route;
    depart(s, &st, (unsigned)t);
    settle(s, &st);
    return 0;
}

static int do_sidebar(struct tolk_sess *s, const struct tolk_msg_control *c,
                      struct tolk_sess_effect *fx)
{
    if (s->route.sidebar == c->on)
        return 0;
    struct tolk_route_state st = s->route;
    st.sidebar = c->on;
    s->epoch++;
    settle(s, &st);
    fx->epoch_changed = true;
    return 0;
}

static int do_mode(struct tolk_sess *s, const struct tolk_msg_control *c)
{
    struct tolk_route_state st = s->route;
    if (tolk_route_mode_parse(c->text, &st.mode) != 0)
        return TOLK_PERR_BAD_MESSAGE;
    settle(s, &st);
    return 0;
}

static int do_channel(struct tolk_sess *s, unsigned by, const struct tolk_msg_control *c)
{
    struct tolk_route_state st = s->route;
    if (c->text[0] && tolk_lang_canonical(c->text, st.p[by].channel, sizeof st.p[by].channel) != 0)
        return TOLK_PERR_BAD_MESSAGE;
    if (!c->text[0])
        st.p[by].channel[0] = '\0';
    if (st.p[by].active && active_rival(&st, by) >= 0)
        return TOLK_PERR_INTERPRETER_ACTIVE;
    return settle_strict(s, &st);
}

static int do_pause(struct tolk_sess *s, unsigned by, const struct tolk_msg_control *c)
{
    struct tolk_route_state st = s->route;
    st.p[by].presence = c->on ? TOLK_ROUTE_PAUSED : TOLK_ROUTE_ADMITTED;
    settle(s, &st);
    return 0;
}

static int do_recording(struct tolk_sess *s, unsigned by, const struct tolk_msg_control *c)
{
    if (c->on && !s->allow_recording)
        return TOLK_PERR_RECORDING_NOT_ALLOWED;
    s->p[by].recording = c->on;
    return 0;
}

static int do_signal(struct tolk_sess *s, unsigned by, const struct tolk_msg_control *c,
                     uint64_t now_ms)
{
    if (strcmp(c->text, "slow_down") != 0 && strcmp(c->text, "repeat") != 0 &&
        strcmp(c->text, "moment") != 0)
        return TOLK_PERR_BAD_MESSAGE;
    struct tolk_sess_participant *p = &s->p[by];
    uint64_t oldest = p->signal_ms[p->signal_next]; /* the 4th last accepted, 0 if fewer */
    if (oldest != 0 && now_ms - oldest < SIGNAL_WINDOW_MS)
        return TOLK_PERR_RATE_LIMITED;
    p->signal_ms[p->signal_next] = now_ms ? now_ms : 1;
    p->signal_next = (p->signal_next + 1) % TOLK_SESS_SIGNALS_PER_S;
    return 0;
}

/* I's hand-over partner: another interpreter in the session whose status is the opposite of
 * I's, on I's channel if there is one, else the lowest. -1 if none. */
static int partner_of(const struct tolk_route_state *st, unsigned i)
{
    int any = -1;
    for (unsigned j = 0; j < TOLK_ROUTE_MAX; j++) {
        if (j == i || !is_interpreter(st, j) || st->p[j].active == st->p[i].active)
            continue;
        if (same_channel(tolk_route_channel(st, i), tolk_route_channel(st, j)))
            return (int)j;
        if (any < 0)
            any = (int)j;
    }
    return any;
}

/* The partner's accept: the passive one becomes active on the active one's channel, and the
 * active one passive, in one step (no moment with two voices or none on the floor). */
static int handover_accept(struct tolk_sess *s, unsigned by, struct tolk_sess_effect *fx)
{
    int from = s->handover_from;
    struct tolk_route_state st = s->route;
    if (s->handover_to != (int)by || from < 0 || !is_interpreter(&st, (unsigned)from) ||
        st.p[from].active == st.p[by].active)
        return TOLK_PERR_NO_HANDOVER;
    unsigned on = st.p[by].active ? (unsigned)from : by, off = on == by ? (unsigned)from : by;
    st.p[on].active = true;
    memcpy(st.p[on].channel, st.p[off].channel, sizeof st.p[on].channel);
    st.p[off].active = false;
    int rc = settle_strict(s, &st);
    if (rc != 0)
        return rc;
    s->handover_from = s->handover_to = -1;
    fx->notify = from;
    fx->notify_text = "accepted";
    fx->changed = true;
    return 0;
}

static int do_handover(struct tolk_sess *s, unsigned by, const struct tolk_msg_control *c,
                       struct tolk_sess_effect *fx)
{
    if (strcmp(c->text, "request") == 0) {
        int partner = partner_of(&s->route, by);
        if (partner < 0)
            return TOLK_PERR_NO_HANDOVER;
        s->handover_from = (int)by;
        s->handover_to = partner;
        fx->notify = partner;
        fx->notify_text = "request";
        return 0;
    }
    if (strcmp(c->text, "accept") == 0)
        return handover_accept(s, by, fx);
    if (strcmp(c->text, "decline") != 0)
        return TOLK_PERR_BAD_MESSAGE;
    if (s->handover_to != (int)by || s->handover_from < 0)
        return TOLK_PERR_NO_HANDOVER;
    fx->notify = s->handover_from;
    fx->notify_text = "declined";
    s->handover_from = s->handover_to = -1;
    return 0;
}

/* Who may send TYPE at all: the session it names, the sender's presence and role. */
static int control_allowed(const struct tolk_sess *s, unsigned by, enum tolk_msg_type type,
                           const struct tolk_msg_control *c)
{
    if (c->has_session && memcmp(c->session, s->id, sizeof s->id) != 0)
        return TOLK_PERR_WRONG_SESSION;
    if (s->route.p[by].presence == TOLK_ROUTE_WAITING)
        return TOLK_PERR_WAITING;
    if ((roles_allowed(type) & ROLE(s->route.p[by].role)) == 0)
        return TOLK_PERR_NOT_ALLOWED;
    return 0;
}

static int apply(struct tolk_sess *s, unsigned by, enum tolk_msg_type type,
                 const struct tolk_msg_control *c, uint64_t now_ms, struct tolk_sess_effect *fx)
{
    switch (type) {
    case TOLK_MSG_ADMIT:
        return do_admit(s, c, fx);
    case TOLK_MSG_HOLD:
        return do_hold(s, c, fx);
    case TOLK_MSG_REMOVE:
        return do_remove(s, c, fx);
    case TOLK_MSG_SIDEBAR:
        return do_sidebar(s, c, fx);
    case TOLK_MSG_MODE:
        return do_mode(s, c);
    case TOLK_MSG_CHANNEL:
        return do_channel(s, by, c);
    case TOLK_MSG_SIGNAL:
        return do_signal(s, by, c, now_ms);
    case TOLK_MSG_HANDOVER:
        return do_handover(s, by, c, fx);
    case TOLK_MSG_PAUSE:
        return do_pause(s, by, c);
    case TOLK_MSG_RECORDING:
        return do_recording(s, by, c);
    default:
        return TOLK_PERR_UNKNOWN_TYPE;
    }
}

int tolk_sess_control(struct tolk_sess *sess, unsigned by, enum tolk_msg_type type,
                      const struct tolk_msg_control *c, uint64_t now_ms,
                      struct tolk_sess_effect *fx)
{
    memset(fx, 0, sizeof *fx);
    fx->target = fx->notify = -1;
    if (by >= TOLK_ROUTE_MAX || !sess->p[by].present)
        return TOLK_PERR_NOT_JOINED;
    int rc = control_allowed(sess, by, type, c);
    if (rc == 0)
        rc = apply(sess, by, type, c, now_ms, fx);
    if (rc != 0) {
        memset(fx, 0, sizeof *fx);
        fx->target = fx->notify = -1;
        return rc;
    }
    /* Everything but a signal and a hand-over request or decline is a change to announce. */
    if (type != TOLK_MSG_SIGNAL && type != TOLK_MSG_HANDOVER)
        fx->changed = true;
    return 0;
}

/* ---- the state message --------------------------------------------------------------------- */

static void member(const struct tolk_sess *s, unsigned i, struct tolk_proto_member *m)
{
    const struct tolk_route_participant *rp = &s->route.p[i];
    memset(m, 0, sizeof *m);
    m->index = i;
    memcpy(m->role, s->p[i].role, sizeof m->role);
    snprintf(m->presence, sizeof m->presence, "%s", tolk_route_presence_name(rp->presence));
    memcpy(m->lang, rp->lang, sizeof m->lang);
    if (rp->role == TOLK_ROUTE_INTERPRETER) {
        m->interpreter_active = rp->active;
        snprintf(m->channel, sizeof m->channel, "%s", tolk_route_channel(&s->route, i));
    }
    m->recording = s->p[i].recording;
}

void tolk_sess_state(const struct tolk_sess *sess, unsigned r, const char *cause, int cause_by,
                     struct tolk_msg_state *out)
{
    memset(out, 0, sizeof *out);
    out->epoch = sess->epoch;
    snprintf(out->mode, sizeof out->mode, "%s", tolk_route_mode_name(sess->route.mode));
    out->sidebar = sess->route.sidebar;
    out->recording_allowed = sess->allow_recording;
    out->duck_cb = sess->route.duck_cb;
    for (unsigned i = 0; i < TOLK_PROTO_MAX_PARTICIPANTS; i++)
        if (sess->p[i].present)
            member(sess, i, &out->members[out->nmembers++]);
    out->room = sess->table.room[r];
    for (unsigned s = 0; s < TOLK_PROTO_MAX_PARTICIPANTS; s++) {
        int16_t g = sess->table.gain_cb[r][s];
        if (g == TOLK_ROUTE_MUTED)
            continue;
        out->gains = (uint16_t)(out->gains | 1u << s);
        out->gain_cb[s] = g;
    }
    snprintf(out->cause, sizeof out->cause, "%s", cause);
    out->has_cause_by = cause_by >= 0;
    out->cause_by = cause_by >= 0 ? (unsigned)cause_by : 0;
}
