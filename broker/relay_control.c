/*
 * The interpreter leg's controls (docs/INTERPRETING.md, "Controls") and the relay's audit
 * entries. The session state machine (session.c) decides whether a control is allowed and
 * what it changes; this file carries the outcome out: errors, state messages, the removed
 * participant's close, hand-over and signal messages, and the audit log.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "relay_internal.h"
#include "secrets.h"

#define REFUSAL_BURST  50 /* refusals audited at once before the budget runs dry */
#define REFUSALS_PER_S 10 /* ... and how fast it fills again */

bool relay_refusal_budget(struct tolkd_relay *r)
{
    struct tolkd_relay_budget *b = &r->refusals;
    uint64_t now = relay_now_ms();
    if (b->at_ms == 0) {
        b->at_ms = now;
        b->tokens = REFUSAL_BURST;
    }
    uint64_t earned = (now - b->at_ms) * REFUSALS_PER_S / 1000u;
    if (earned > 0) {
        b->tokens =
            b->tokens + earned >= REFUSAL_BURST ? REFUSAL_BURST : b->tokens + (unsigned)earned;
        b->at_ms = b->tokens == REFUSAL_BURST ? now : b->at_ms + earned * 1000u / REFUSALS_PER_S;
    }
    if (b->tokens == 0) {
        r->metrics->refusals_unaudited++;
        return false;
    }
    b->tokens--;
    return true;
}

void relay_audit(struct tolkd_relay *r, int64_t appointment_id, unsigned by, const char *action,
                 const char *detail)
{
    if (!r->audit_key)
        return;
    char actor[TOLK_STORE_REF_MAX], subject[TOLK_STORE_REF_MAX];
    snprintf(actor, sizeof actor, "participant:%u", by);
    snprintf(subject, sizeof subject, "appointment:%lld", (long long)appointment_id);
    if (tolk_store_audit_append(r->store, r->audit_key, actor, action, subject, detail,
                                (int64_t)time(NULL), NULL) != TOLK_STORE_OK)
        TLOG_ERROR("audit_failed", "action=%s reason=\"%s\"", action, tolk_store_errmsg(r->store));
}

/* The developer's text that goes with each refusal (the code is what a client acts on). */
static const char *refusal_text(int code)
{
    switch (code) {
    case TOLK_PERR_WRONG_SESSION:
        return "\"session\" is not this connection's session";
    case TOLK_PERR_WAITING:
        return "not admitted yet: only leave is allowed in the waiting room";
    case TOLK_PERR_NOT_ALLOWED:
        return "this role may not send this control";
    case TOLK_PERR_BAD_TARGET:
        return "\"index\" names nobody this control can apply to";
    case TOLK_PERR_INTERPRETER_ACTIVE:
        return "another interpreter is active on that channel";
    case TOLK_PERR_NO_HANDOVER:
        return "no hand-over partner or request";
    case TOLK_PERR_RECORDING_NOT_ALLOWED:
        return "this session's policy does not allow recording";
    case TOLK_PERR_RATE_LIMITED:
        return "signals are limited to 4 a second";
    case TOLK_PERR_BAD_MESSAGE:
        return "\"text\" is not a value this control takes";
    default:
        return "control refused";
    }
}

static void refuse(struct tolkd_relay *r, struct tolkd_peer *p, enum tolk_msg_type type, int code)
{
    tolkd_conn_send_error(p->conn, (enum tolk_proto_error)code, refusal_text(code));
    char detail[96];
    snprintf(detail, sizeof detail, "role=%s,control=%s,code=%s", p->sess->p[p->index].role,
             tolk_sess_control_name(type), tolk_proto_error_name((enum tolk_proto_error)code));
    if (relay_refusal_budget(r))
        relay_audit(r, p->sess->appointment_id, p->index, "session_control_refused", detail);
}

/* Admit, hold and remove name their target, its role and (admit) whether it may come back. */
static void audit_target(struct tolkd_relay *r, const struct tolk_sess *sess, unsigned by,
                         enum tolk_msg_type type, unsigned target, bool readmit)
{
    char action[32], detail[64];
    snprintf(action, sizeof action, "session_%s", tolk_sess_control_name(type));
    snprintf(detail, sizeof detail, "target=participant:%u,role=%s%s", target, sess->p[target].role,
             type == TOLK_MSG_ADMIT ? (readmit ? ",readmit=yes" : ",readmit=no") : "");
    relay_audit(r, sess->appointment_id, by, action, detail);
}

/* The removed participant's connection closes with 4001 and forgets its session. */
static void removed(struct tolkd_relay *r, struct tolk_sess *sess, unsigned by, unsigned target,
                    void *conn)
{
    tolkd_conn_peer(conn)->sess = NULL;
    tolkd_conn_close(conn, 4001, "removed");
    r->metrics->participants--;
    audit_target(r, sess, by, TOLK_MSG_REMOVE, target, false);
    relay_announce_leave(r, sess, target, "removed", "remove", by);
}

/* A signal goes to everyone else in the sender's room, with "from". */
static void forward_signal(struct tolk_sess *sess, unsigned by, const struct tolk_msg_control *c)
{
    struct tolk_msg_control out = {.has_from = true, .from = by};
    memcpy(out.text, c->text, sizeof out.text);
    char text[256];
    size_t n = tolk_proto_encode_control(text, sizeof text, TOLK_MSG_SIGNAL, &out);
    for (unsigned room = sess->table.room[by]; room; room &= room - 1) {
        unsigned i = (unsigned)__builtin_ctz(room);
        if (i != by)
            relay_send(sess->p[i].conn, text, n);
    }
}

static void tell_handover(struct tolk_sess *sess, unsigned by, unsigned to, const char *what)
{
    struct tolk_msg_control out = {.has_from = true, .from = by};
    snprintf(out.text, sizeof out.text, "%s", what);
    char text[256];
    relay_send(sess->p[to].conn, text,
               tolk_proto_encode_control(text, sizeof text, TOLK_MSG_HANDOVER, &out));
}

void relay_control(struct tolkd_relay *r, struct tolkd_peer *p, const struct tolk_msg *m)
{
    struct tolk_sess *sess = p->sess;
    if (!sess) {
        tolkd_conn_send_error(p->conn, TOLK_PERR_NOT_JOINED, "join first");
        return;
    }
    const struct tolk_msg_control *c = &m->u.control;
    struct tolk_sess_effect fx;
    int rc = tolk_sess_control(sess, p->index, m->type, c, relay_now_ms(), &fx);
    if (rc != 0) {
        refuse(r, p, m->type, rc);
        return;
    }
    const char *name = tolk_sess_control_name(m->type);
    char id[9];
    tolkd_log_id(sess->ref, id);
    TLOG_INFO("session_control", "session=%s index=%u control=%s epoch=%llu", id, p->index, name,
              (unsigned long long)sess->epoch);
    if (fx.closed) {
        removed(r, sess, p->index, (unsigned)fx.target, fx.closed);
        return; /* the others have their states */
    }
    if (fx.target >= 0)
        audit_target(r, sess, p->index, m->type, (unsigned)fx.target, c->readmit);
    if (m->type == TOLK_MSG_SIGNAL)
        forward_signal(sess, p->index, c);
    if (fx.notify >= 0)
        tell_handover(sess, p->index, (unsigned)fx.notify, fx.notify_text);
    if (fx.changed)
        relay_send_states(sess, name, (int)p->index);
}
