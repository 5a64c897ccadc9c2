/*
 * tolkd's session state machine (broker/session.h) for the interpreter leg: presence and the
 * waiting room, admit/hold/remove and readmit, who may send which control, epochs over
 * presence and rooms only, sidebars, modes and gains, active and passive interpreters with
 * hand-over and take-over, signals' rate, recording policy, and the state message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "session.h"

#define APPT 42

struct fixture {
    struct tolk_sess_registry reg;
    struct tolk_sess *s;
    int conns[TOLK_PROTO_MAX_PARTICIPANTS + 4];
    struct tolk_sess_policy policy;
    char mode[16];
};

static struct tolk_token_grant grant_for(const struct fixture *f, const char *role)
{
    struct tolk_token_grant g;
    memset(&g, 0, sizeof g);
    g.appointment.id = APPT;
    snprintf(g.appointment.ref, sizeof g.appointment.ref, "00112233445566778899aabbccddeeff");
    g.appointment.starts_at = 1000;
    g.appointment.ends_at = 2000;
    g.appointment.status = TOLK_APPOINTMENT_BOOKED;
    snprintf(g.appointment.mode, sizeof g.appointment.mode, "%s", f->mode);
    snprintf(g.role, sizeof g.role, "%s", role);
    g.valid_from = 100;
    g.valid_until = 3000;
    return g;
}

/* Joins as ROLE with token byte T and LANG ("" for none); the index, or the negated error. */
static int join_full(struct fixture *f, const char *role, uint8_t t, const char *lang,
                     const uint8_t *resume, struct tolk_join_outcome *out)
{
    struct tolk_token_grant g = grant_for(f, role);
    uint8_t hash[TOLK_STORE_TOKEN_HASH_BYTES], fresh[TOLK_PROTO_TOKEN_BYTES];
    struct tolk_msg_join m;
    memset(&m, 0, sizeof m);
    memset(hash, t, sizeof hash);
    memset(fresh, (uint8_t)(t + 100), sizeof fresh);
    snprintf(m.lang, sizeof m.lang, "%s", lang);
    if (resume) {
        memcpy(m.resume, resume, sizeof m.resume);
        m.has_resume = true;
    }
    struct tolk_join_request rq = {&g, hash, &m, fresh, &f->conns[t], &f->policy};
    int rc = tolk_sess_join(&f->reg, &rq, out);
    if (rc != 0)
        return -rc;
    f->s = out->sess;
    return (int)out->index;
}

static unsigned join(struct fixture *f, const char *role, uint8_t t, const char *lang)
{
    struct tolk_join_outcome out;
    int i = join_full(f, role, t, lang, NULL, &out);
    assert_true(i >= 0);
    return (unsigned)i;
}

static int control(struct fixture *f, unsigned by, enum tolk_msg_type type,
                   const struct tolk_msg_control *c, struct tolk_sess_effect *fx)
{
    struct tolk_sess_effect ignored;
    return tolk_sess_control(f->s, by, type, c, 10000, fx ? fx : &ignored);
}

static int ctl_index(struct fixture *f, unsigned by, enum tolk_msg_type type, unsigned index)
{
    struct tolk_msg_control c = {.index = index};
    return control(f, by, type, &c, NULL);
}

static int ctl_on(struct fixture *f, unsigned by, enum tolk_msg_type type, bool on)
{
    struct tolk_msg_control c = {.on = on};
    return control(f, by, type, &c, NULL);
}

static int ctl_text(struct fixture *f, unsigned by, enum tolk_msg_type type, const char *text,
                    struct tolk_sess_effect *fx)
{
    struct tolk_msg_control c;
    memset(&c, 0, sizeof c);
    snprintf(c.text, sizeof c.text, "%s", text);
    return control(f, by, type, &c, fx);
}

static bool routed(const struct fixture *f, unsigned from, unsigned to)
{
    return ((unsigned)f->s->table.receivers[from] >> to & 1u) != 0;
}

static enum tolk_route_presence presence(const struct fixture *f, unsigned i)
{
    return f->s->route.p[i].presence;
}

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof f);
    f.policy = tolk_sess_default_policy;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tolk_sess_registry_clear(&f->reg);
    return 0;
}

/* Clinician 0 (nl), interpreter 1, client 2 (ar), the client admitted. */
static void three(struct fixture *f)
{
    assert_int_equal(join(f, "clinician", 1, "nl"), 0);
    assert_int_equal(join(f, "interpreter", 2, ""), 1);
    assert_int_equal(join(f, "client", 3, "ar"), 2);
    assert_int_equal(ctl_index(f, 0, TOLK_MSG_ADMIT, 2), 0);
}

static void test_waiting_room_and_admit(void **state)
{
    struct fixture *f = *state;
    unsigned clin = join(f, "clinician", 1, "nl");
    unsigned interp = join(f, "interpreter", 2, "");
    assert_int_equal(presence(f, clin), TOLK_ROUTE_ADMITTED);
    assert_int_equal(presence(f, interp), TOLK_ROUTE_ADMITTED);
    assert_true(f->s->route.p[interp].active);
    /* the pre-brief: clinician and interpreter only */
    assert_true(routed(f, clin, interp) && routed(f, interp, clin));
    unsigned client = join(f, "client", 3, "ar-SY");
    assert_string_equal(f->s->route.p[client].lang, "ar-SY");
    assert_int_equal(presence(f, client), TOLK_ROUTE_WAITING);
    assert_int_equal(f->s->epoch, 3);
    assert_int_equal(f->s->table.receivers[client], 0);
    assert_false(routed(f, clin, client) || routed(f, interp, client));
    assert_int_equal(f->s->table.room[client], 0);
    assert_false(tolk_sess_same_room(f->s, client, clin));
    /* admitted: everyone hears everyone (consecutive), one room */
    struct tolk_sess_effect fx;
    struct tolk_msg_control c = {.index = client};
    assert_int_equal(control(f, clin, TOLK_MSG_ADMIT, &c, &fx), 0);
    assert_true(fx.changed && fx.epoch_changed);
    assert_int_equal(fx.target, (int)client);
    assert_null(fx.closed);
    assert_int_equal(f->s->epoch, 4);
    assert_int_equal(presence(f, client), TOLK_ROUTE_ADMITTED);
    assert_true(routed(f, client, clin) && routed(f, clin, client) && routed(f, interp, client));
    assert_int_equal(f->s->table.room[client], 0x7);
    assert_true(tolk_sess_same_room(f->s, client, clin));
    /* admitting twice, or someone who is not a client, is a bad target */
    assert_int_equal(ctl_index(f, clin, TOLK_MSG_ADMIT, client), TOLK_PERR_BAD_TARGET);
    assert_int_equal(ctl_index(f, clin, TOLK_MSG_ADMIT, interp), TOLK_PERR_BAD_TARGET);
    assert_int_equal(ctl_index(f, clin, TOLK_MSG_ADMIT, 9), TOLK_PERR_BAD_TARGET);
    assert_int_equal(ctl_index(f, clin, TOLK_MSG_ADMIT, 99), TOLK_PERR_BAD_TARGET);
    assert_int_equal(f->s->epoch, 4);
}

static void test_who_may_send_what(void **state)
{
    struct fixture *f = *state;
    three(f);
    unsigned support = join(f, "support", 4, "");
    /* a waiting participant may do nothing but leave */
    assert_int_equal(ctl_on(f, support, TOLK_MSG_PAUSE, true), TOLK_PERR_WAITING);
    assert_int_equal(ctl_on(f, support, TOLK_MSG_RECORDING, true), TOLK_PERR_WAITING);
    assert_int_equal(ctl_index(f, support, TOLK_MSG_ADMIT, support), TOLK_PERR_WAITING);
    /* clinician-only controls */
    static const enum tolk_msg_type clinician_only[] = {
        TOLK_MSG_ADMIT, TOLK_MSG_HOLD, TOLK_MSG_REMOVE, TOLK_MSG_SIDEBAR, TOLK_MSG_MODE};
    for (size_t i = 0; i < sizeof clinician_only / sizeof clinician_only[0]; i++) {
        assert_int_equal(ctl_index(f, 2, clinician_only[i], support), TOLK_PERR_NOT_ALLOWED);
        assert_int_equal(ctl_index(f, 1, clinician_only[i], support), TOLK_PERR_NOT_ALLOWED);
    }
    /* interpreter-only controls */
    assert_int_equal(ctl_text(f, 0, TOLK_MSG_CHANNEL, "nl", NULL), TOLK_PERR_NOT_ALLOWED);
    assert_int_equal(ctl_text(f, 2, TOLK_MSG_SIGNAL, "repeat", NULL), TOLK_PERR_NOT_ALLOWED);
    assert_int_equal(ctl_text(f, 0, TOLK_MSG_HANDOVER, "request", NULL), TOLK_PERR_NOT_ALLOWED);
    /* a control that names another session */
    struct tolk_msg_control c = {.index = support, .has_session = true};
    memset(c.session, 0xEE, sizeof c.session);
    assert_int_equal(control(f, 0, TOLK_MSG_ADMIT, &c, NULL), TOLK_PERR_WRONG_SESSION);
    memcpy(c.session, f->s->id, sizeof c.session);
    assert_int_equal(control(f, 0, TOLK_MSG_ADMIT, &c, NULL), 0);
    /* anything else is no control at all */
    assert_int_equal(ctl_index(f, 0, TOLK_MSG_KEY, 0), TOLK_PERR_NOT_ALLOWED);
    assert_string_equal(tolk_sess_control_name(TOLK_MSG_SIDEBAR), "sidebar");
    assert_string_equal(tolk_sess_control_name(TOLK_MSG_KEY), "");
}

static void test_epochs_follow_presence_and_rooms_only(void **state)
{
    struct fixture *f = *state;
    three(f);
    uint64_t e = f->s->epoch;
    assert_int_equal(e, 4); /* three joins and an admit */
    assert_int_equal(ctl_text(f, 0, TOLK_MSG_MODE, "simultaneous", NULL), 0);
    assert_int_equal(ctl_text(f, 1, TOLK_MSG_CHANNEL, "ar", NULL), 0);
    assert_int_equal(ctl_on(f, 2, TOLK_MSG_PAUSE, true), 0);
    assert_int_equal(ctl_on(f, 2, TOLK_MSG_PAUSE, false), 0);
    assert_int_equal(ctl_text(f, 1, TOLK_MSG_SIGNAL, "moment", NULL), 0);
    assert_int_equal(f->s->epoch, e);
    assert_int_equal(ctl_on(f, 0, TOLK_MSG_SIDEBAR, true), 0);
    assert_int_equal(f->s->epoch, e + 1);
    assert_int_equal(ctl_on(f, 0, TOLK_MSG_SIDEBAR, true), 0); /* already open: no change */
    assert_int_equal(f->s->epoch, e + 1);
    assert_int_equal(ctl_on(f, 0, TOLK_MSG_SIDEBAR, false), 0);
    assert_int_equal(ctl_index(f, 0, TOLK_MSG_HOLD, 2), 0);
    assert_int_equal(ctl_index(f, 0, TOLK_MSG_ADMIT, 2), 0);
    assert_int_equal(f->s->epoch, e + 4);
    assert_false(tolk_sess_leave(&f->reg, f->s, 1));
    assert_int_equal(f->s->epoch, e + 5);
}

static void test_sidebar_rooms(void **state)
{
    struct fixture *f = *state;
    three(f);
    unsigned support = join(f, "support", 4, "");
    assert_int_equal(ctl_index(f, 0, TOLK_MSG_ADMIT, support), 0);
    assert_int_equal(ctl_on(f, 0, TOLK_MSG_SIDEBAR, true), 0);
    assert_true(f->s->route.sidebar);
    assert_int_equal(f->s->table.room[0], 0x3);
    assert_int_equal(f->s->table.room[1], 0x3);
    assert_int_equal(f->s->table.room[2], 0x4 | 1u << support);
    assert_false(routed(f, 0, 2) || routed(f, 1, 2) || routed(f, 2, 0) || routed(f, 2, 1));
    assert_true(routed(f, 0, 1) && routed(f, 2, support) && routed(f, support, 2));
    assert_false(tolk_sess_same_room(f->s, 2, 0));
    struct tolk_msg_state st;
    tolk_sess_state(f->s, 2, "sidebar", 0, &st);
    assert_true(st.sidebar);
    assert_int_equal(st.room, 0x4 | 1u << support);
    assert_int_equal(st.gains, 1u << support);
    assert_int_equal(ctl_on(f, 0, TOLK_MSG_SIDEBAR, false), 0);
    assert_true(routed(f, 0, 2) && routed(f, 2, 1));
}

static void test_simultaneous_gains_and_state(void **state)
{
    struct fixture *f = *state;
    f->policy.duck_cb = -120;
    three(f);
    assert_int_equal(ctl_text(f, 0, TOLK_MSG_MODE, "whispered", NULL), TOLK_PERR_BAD_MESSAGE);
    assert_int_equal(ctl_text(f, 0, TOLK_MSG_MODE, "simultaneous", NULL), 0);
    /* the interpreter's channel is the client's language: the client hears it, and the
     * clinician ducked under it; the clinician does not hear the interpretation into Arabic */
    assert_string_equal(tolk_route_channel(&f->s->route, 1), "ar");
    assert_int_equal(f->s->table.gain_cb[2][1], 0);
    assert_int_equal(f->s->table.gain_cb[2][0], -120);
    assert_false(routed(f, 1, 0));
    assert_int_equal(f->s->table.gain_cb[0][2], 0);
    assert_int_equal(f->s->table.gain_cb[1][0], 0);
    struct tolk_msg_state st;
    tolk_sess_state(f->s, 2, "mode", 0, &st);
    assert_int_equal(st.epoch, f->s->epoch);
    assert_string_equal(st.mode, "simultaneous");
    assert_false(st.sidebar);
    assert_false(st.recording_allowed);
    assert_int_equal(st.duck_cb, -120);
    assert_int_equal(st.nmembers, 3);
    assert_int_equal(st.room, 0x7);
    assert_int_equal(st.gains, 0x3);
    assert_int_equal(st.gain_cb[0], -120);
    assert_int_equal(st.gain_cb[1], 0);
    assert_string_equal(st.cause, "mode");
    assert_true(st.has_cause_by);
    assert_int_equal(st.cause_by, 0);
    assert_string_equal(st.members[1].role, "interpreter");
    assert_string_equal(st.members[1].presence, "admitted");
    assert_true(st.members[1].interpreter_active);
    assert_string_equal(st.members[1].channel, "ar");
    assert_string_equal(st.members[2].lang, "ar");
    tolk_sess_state(f->s, 0, "join", -1, &st);
    assert_int_equal(st.gains, 0x4);
    assert_false(st.has_cause_by);
}

static void test_initial_mode_is_the_appointments(void **state)
{
    struct fixture *f = *state;
    snprintf(f->mode, sizeof f->mode, "simultaneous");
    join(f, "clinician", 1, "");
    assert_int_equal(f->s->route.mode, TOLK_ROUTE_SIMULTANEOUS);
    assert_int_equal(f->s->route.duck_cb, -150);
}

static void test_readmit_hold_remove(void **state)
{
    struct fixture *f = *state;
    join(f, "clinician", 1, "");
    unsigned client = join(f, "client", 3, "");
    /* without readmit a rejoin waits again */
    assert_int_equal(ctl_index(f, 0, TOLK_MSG_ADMIT, client), 0);
    assert_false(tolk_sess_leave(&f->reg, f->s, client));
    assert_int_equal(join(f, "client", 3, ""), client);
    assert_int_equal(presence(f, client), TOLK_ROUTE_WAITING);
    /* with it the client comes straight back in */
    struct tolk_msg_control c = {.index = client, .readmit = true};
    assert_int_equal(control(f, 0, TOLK_MSG_ADMIT, &c, NULL), 0);
    assert_false(tolk_sess_leave(&f->reg, f->s, client));
    assert_int_equal(join(f, "client", 3, ""), client);
    assert_int_equal(presence(f, client), TOLK_ROUTE_ADMITTED);
    /* a takeover keeps the presence */
    struct tolk_join_outcome out;
    uint8_t resume[TOLK_PROTO_TOKEN_BYTES];
    memcpy(resume, f->s->p[client].resume, sizeof resume);
    assert_int_equal(join_full(f, "client", 3, "", resume, &out), (int)client);
    assert_ptr_equal(out.replaced, &f->conns[3]);
    assert_int_equal(presence(f, client), TOLK_ROUTE_ADMITTED);
    /* hold: back to waiting, and readmit is gone */
    uint64_t e = f->s->epoch;
    assert_int_equal(ctl_index(f, 0, TOLK_MSG_HOLD, client), 0);
    assert_int_equal(presence(f, client), TOLK_ROUTE_WAITING);
    assert_int_equal(ctl_index(f, 0, TOLK_MSG_HOLD, client), TOLK_PERR_BAD_TARGET);
    assert_int_equal(f->s->epoch, e + 1);
    assert_false(f->s->p[client].readmit);
    assert_int_equal(control(f, 0, TOLK_MSG_ADMIT, &c, NULL), 0);
    /* remove: the connection is handed back to close, the slot stays for a rejoin that waits */
    struct tolk_sess_effect fx;
    struct tolk_msg_control r = {.index = client};
    assert_int_equal(control(f, 0, TOLK_MSG_REMOVE, &r, &fx), 0);
    assert_ptr_equal(fx.closed, &f->conns[3]);
    assert_int_equal(fx.target, (int)client);
    assert_true(fx.epoch_changed);
    assert_int_equal(f->s->epoch, e + 3);
    assert_false(f->s->p[client].present);
    assert_int_equal(f->s->present, 1);
    assert_int_equal(presence(f, client), TOLK_ROUTE_ABSENT);
    assert_int_equal(ctl_index(f, 0, TOLK_MSG_REMOVE, client), TOLK_PERR_BAD_TARGET);
    assert_int_equal(ctl_index(f, 0, TOLK_MSG_REMOVE, 0), TOLK_PERR_BAD_TARGET);
    assert_int_equal(join(f, "client", 3, ""), client);
    assert_int_equal(presence(f, client), TOLK_ROUTE_WAITING);
}

static void test_pause(void **state)
{
    struct fixture *f = *state;
    three(f);
    assert_int_equal(ctl_on(f, 1, TOLK_MSG_PAUSE, true), 0);
    assert_int_equal(presence(f, 1), TOLK_ROUTE_PAUSED);
    assert_int_equal(f->s->table.receivers[1], 0);
    assert_false(routed(f, 0, 1) || routed(f, 2, 1));
    assert_int_equal(f->s->table.room[1], 0x7); /* still in its room: keys stay */
    assert_int_equal(ctl_text(f, 1, TOLK_MSG_SIGNAL, "repeat", NULL), 0); /* not waiting */
    assert_int_equal(ctl_index(f, 0, TOLK_MSG_HOLD, 1), TOLK_PERR_BAD_TARGET);
    assert_int_equal(ctl_on(f, 1, TOLK_MSG_PAUSE, false), 0);
    assert_true(routed(f, 1, 0) && routed(f, 0, 1));
    /* a paused client can be held */
    assert_int_equal(ctl_on(f, 2, TOLK_MSG_PAUSE, true), 0);
    assert_int_equal(ctl_index(f, 0, TOLK_MSG_HOLD, 2), 0);
    assert_int_equal(presence(f, 2), TOLK_ROUTE_WAITING);
}

static void test_interpreters_active_passive_and_handover(void **state)
{
    struct fixture *f = *state;
    three(f);
    assert_int_equal(ctl_text(f, 1, TOLK_MSG_CHANNEL, "AR-sy", NULL), 0);
    assert_string_equal(f->s->route.p[1].channel, "ar-SY");
    unsigned relief = join(f, "interpreter", 5, "");
    assert_false(f->s->route.p[relief].active); /* "" is the client's "ar": taken */
    assert_false(routed(f, relief, 0) || routed(f, relief, 2));
    assert_true(routed(f, relief, 1)); /* only the partner hears a passive interpreter */
    assert_true(routed(f, 0, relief) && routed(f, 2, relief));
    /* a channel of its own makes no collision while passive; the active one may not move
     * onto a channel the other would share once active */
    assert_int_equal(ctl_text(f, relief, TOLK_MSG_CHANNEL, "ar", NULL), 0);
    assert_int_equal(ctl_text(f, 1, TOLK_MSG_CHANNEL, "x-bad!", NULL), TOLK_PERR_BAD_MESSAGE);
    /* hand-over: nothing to answer yet; a request goes to the partner */
    struct tolk_sess_effect fx;
    assert_int_equal(ctl_text(f, relief, TOLK_MSG_HANDOVER, "accept", NULL), TOLK_PERR_NO_HANDOVER);
    assert_int_equal(ctl_text(f, 1, TOLK_MSG_HANDOVER, "please", NULL), TOLK_PERR_BAD_MESSAGE);
    assert_int_equal(ctl_text(f, 1, TOLK_MSG_HANDOVER, "request", &fx), 0);
    assert_int_equal(fx.notify, (int)relief);
    assert_string_equal(fx.notify_text, "request");
    assert_false(fx.changed);
    assert_int_equal(ctl_text(f, 1, TOLK_MSG_HANDOVER, "accept", NULL), TOLK_PERR_NO_HANDOVER);
    assert_int_equal(ctl_text(f, relief, TOLK_MSG_HANDOVER, "decline", &fx), 0);
    assert_int_equal(fx.notify, 1);
    assert_string_equal(fx.notify_text, "declined");
    assert_int_equal(ctl_text(f, relief, TOLK_MSG_HANDOVER, "accept", NULL), TOLK_PERR_NO_HANDOVER);
    /* asked again and accepted: one step, the new active on the old one's channel */
    uint64_t e = f->s->epoch;
    assert_int_equal(ctl_text(f, relief, TOLK_MSG_HANDOVER, "request", &fx), 0);
    assert_int_equal(fx.notify, 1);
    assert_int_equal(ctl_text(f, 1, TOLK_MSG_HANDOVER, "accept", &fx), 0);
    assert_true(fx.changed);
    assert_false(fx.epoch_changed);
    assert_int_equal(fx.notify, (int)relief);
    assert_string_equal(fx.notify_text, "accepted");
    assert_true(f->s->route.p[relief].active);
    assert_false(f->s->route.p[1].active);
    assert_string_equal(f->s->route.p[relief].channel, "ar-SY");
    assert_int_equal(f->s->epoch, e);
    assert_true(routed(f, relief, 0) && routed(f, relief, 2));
    assert_false(routed(f, 1, 0) || routed(f, 1, 2));
    assert_true(routed(f, 1, relief));
    /* the old one leaves: an epoch; the new active stays so */
    assert_false(tolk_sess_leave(&f->reg, f->s, 1));
    assert_int_equal(f->s->epoch, e + 1);
    assert_true(f->s->route.p[relief].active);
    assert_int_equal(ctl_text(f, relief, TOLK_MSG_HANDOVER, "request", NULL),
                     TOLK_PERR_NO_HANDOVER);
}

static void test_channel_collisions(void **state)
{
    struct fixture *f = *state;
    join(f, "clinician", 1, "nl");
    unsigned a = join(f, "interpreter", 2, "");
    assert_int_equal(ctl_text(f, a, TOLK_MSG_CHANNEL, "nl", NULL), 0);
    unsigned b = join(f, "interpreter", 3, ""); /* "": no client yet; not "nl" */
    assert_true(f->s->route.p[b].active);
    assert_int_equal(ctl_text(f, b, TOLK_MSG_CHANNEL, "nl-BE", NULL), TOLK_PERR_INTERPRETER_ACTIVE);
    assert_string_equal(f->s->route.p[b].channel, "");
    /* a client whose language is "nl" makes b's "" collide with a: the later one yields */
    unsigned client = join(f, "client", 4, "nl");
    assert_true(f->s->route.p[a].active);
    assert_false(f->s->route.p[b].active);
    assert_int_equal(tolk_route_compute(&f->s->route, &f->s->table), TOLK_ROUTE_OK);
    (void)client;
}

static void test_active_interpreter_leaving_hands_over(void **state)
{
    struct fixture *f = *state;
    three(f);
    unsigned relief = join(f, "interpreter", 5, "");
    assert_false(f->s->route.p[relief].active);
    assert_false(tolk_sess_leave(&f->reg, f->s, 1));
    assert_true(f->s->route.p[relief].active);
    assert_true(routed(f, relief, 2));
    /* the first one back is the passive one now */
    assert_int_equal(join(f, "interpreter", 2, ""), 1);
    assert_false(f->s->route.p[1].active);
}

static void test_signals_are_rate_limited(void **state)
{
    struct fixture *f = *state;
    three(f);
    struct tolk_msg_control c;
    memset(&c, 0, sizeof c);
    snprintf(c.text, sizeof c.text, "slow_down");
    struct tolk_sess_effect fx;
    for (int i = 0; i < TOLK_SESS_SIGNALS_PER_S; i++)
        assert_int_equal(
            tolk_sess_control(f->s, 1, TOLK_MSG_SIGNAL, &c, 5000 + 100 * (uint64_t)i, &fx), 0);
    assert_false(fx.changed);
    assert_int_equal(tolk_sess_control(f->s, 1, TOLK_MSG_SIGNAL, &c, 5900, &fx),
                     TOLK_PERR_RATE_LIMITED);
    assert_int_equal(tolk_sess_control(f->s, 1, TOLK_MSG_SIGNAL, &c, 6000, &fx), 0);
    snprintf(c.text, sizeof c.text, "louder");
    assert_int_equal(tolk_sess_control(f->s, 1, TOLK_MSG_SIGNAL, &c, 9000, &fx),
                     TOLK_PERR_BAD_MESSAGE);
}

static void test_recording_policy(void **state)
{
    struct fixture *f = *state;
    three(f);
    assert_int_equal(ctl_on(f, 2, TOLK_MSG_RECORDING, true), TOLK_PERR_RECORDING_NOT_ALLOWED);
    assert_false(f->s->p[2].recording);
    tolk_sess_registry_clear(&f->reg);
    f->policy.allow_recording = true;
    three(f);
    struct tolk_sess_effect fx;
    struct tolk_msg_control c = {.on = true};
    assert_int_equal(control(f, 2, TOLK_MSG_RECORDING, &c, &fx), 0);
    assert_true(fx.changed);
    struct tolk_msg_state st;
    tolk_sess_state(f->s, 0, "recording", 2, &st);
    assert_true(st.recording_allowed);
    assert_true(st.members[2].recording);
    assert_false(st.members[0].recording);
}

static void test_bad_joins(void **state)
{
    struct fixture *f = *state;
    struct tolk_join_outcome out;
    assert_int_equal(join_full(f, "relative", 1, "", NULL, &out), -TOLK_PERR_INVALID_TOKEN);
    assert_int_equal(join_full(f, "client", 1, "a", NULL, &out), -TOLK_PERR_BAD_MESSAGE);
    assert_int_equal(f->reg.count, 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_waiting_room_and_admit),
        T(test_who_may_send_what),
        T(test_epochs_follow_presence_and_rooms_only),
        T(test_sidebar_rooms),
        T(test_simultaneous_gains_and_state),
        T(test_initial_mode_is_the_appointments),
        T(test_readmit_hold_remove),
        T(test_pause),
        T(test_interpreters_active_passive_and_handover),
        T(test_channel_collisions),
        T(test_active_interpreter_leaving_hands_over),
        T(test_signals_are_rate_limited),
        T(test_recording_policy),
        T(test_bad_joins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
