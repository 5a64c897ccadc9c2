#include "relay_internal.h"

#include <string.h>
#include <time.h>

#include "log.h"
#include "secrets.h"
#include "sframe.h"

#define MSG_MAX      4096
#define STATE_MAX    8192 /* a state message with 16 participants fits with room to spare */
#define STALE_EPOCHS 2    /* frames of this many epochs back are still relayed (keys in flight) */

uint64_t relay_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void relay_send(void *conn, const char *text, size_t len)
{
    if (len > 0)
        tolkd_conn_send_text(conn, text, len);
}

void relay_broadcast(struct tolk_sess *sess, int except, const char *text, size_t len)
{
    for (unsigned i = 0; i < TOLK_PROTO_MAX_PARTICIPANTS; i++)
        if (sess->p[i].present && (int)i != except)
            relay_send(sess->p[i].conn, text, len);
}

void relay_send_states(struct tolk_sess *sess, const char *cause, int cause_by)
{
    struct tolk_msg_state st;
    char text[STATE_MAX];
    for (unsigned i = 0; i < TOLK_PROTO_MAX_PARTICIPANTS; i++) {
        if (!sess->p[i].present)
            continue;
        tolk_sess_state(sess, i, cause, cause_by, &st);
        size_t n = tolk_proto_encode_state(text, sizeof text, &st);
        if (n == 0)
            TLOG_ERROR("state_too_large", "members=%zu", st.nmembers);
        relay_send(sess->p[i].conn, text, n);
    }
}

/* Stores who joined or left when (no content) and logs it, with the state after the change. */
static void record(struct tolkd_relay *r, const struct tolk_session_event *ev, unsigned index,
                   uint64_t epoch, unsigned present)
{
    if (tolk_store_session_event_add(r->store, ev) != TOLK_STORE_OK)
        TLOG_ERROR("session_event_failed", "reason=\"%s\"", tolk_store_errmsg(r->store));
    char id[9];
    tolkd_log_id(ev->session_ref, id);
    TLOG_INFO(ev->kind == TOLK_SESSION_JOIN ? "participant_joined" : "participant_left",
              "session=%s index=%u role=%s epoch=%llu present=%u", id, index, ev->role,
              (unsigned long long)epoch, present);
}

static void make_event(struct tolk_session_event *ev, const struct tolk_sess *sess, unsigned index,
                       enum tolk_session_event_kind kind)
{
    memset(ev, 0, sizeof *ev);
    snprintf(ev->session_ref, sizeof ev->session_ref, "%s", sess->ref);
    snprintf(ev->participant_ref, sizeof ev->participant_ref, "p%u", index);
    snprintf(ev->role, sizeof ev->role, "%s", sess->p[index].role);
    ev->kind = kind;
    ev->at = (int64_t)time(NULL);
}

static void audit_leave(struct tolkd_relay *r, int64_t appointment_id, unsigned index,
                        const char *role, const char *reason)
{
    char detail[64];
    snprintf(detail, sizeof detail, "role=%.16s,reason=%.16s", role, reason);
    relay_audit(r, appointment_id, index, "session_leave", detail);
}

void relay_announce_leave(struct tolkd_relay *r, struct tolk_sess *sess, unsigned index,
                          const char *reason, const char *cause, unsigned cause_by)
{
    struct tolk_session_event ev;
    make_event(&ev, sess, index, TOLK_SESSION_LEAVE);
    record(r, &ev, index, sess->epoch, sess->present);
    audit_leave(r, sess->appointment_id, index, sess->p[index].role, reason);
    char text[256];
    relay_broadcast(
        sess, (int)index, text,
        tolk_proto_encode_participant_left(text, sizeof text, index, sess->epoch, reason));
    relay_send_states(sess, cause, (int)cause_by);
}

/* Takes P out of its session and tells the others; P may be joined or not. */
static void leave(struct tolkd_relay *r, struct tolkd_peer *p, const char *reason)
{
    struct tolk_sess *sess = p->sess;
    if (!sess)
        return;
    unsigned index = p->index;
    p->sess = NULL;
    r->metrics->participants--;
    struct tolk_session_event ev;
    make_event(&ev, sess, index, TOLK_SESSION_LEAVE);
    int64_t appointment_id = sess->appointment_id;
    if (!tolk_sess_leave(&r->sessions, sess, index)) {
        relay_announce_leave(r, sess, index, reason, "leave", index);
        return;
    }
    record(r, &ev, index, 0, 0); /* the last one out: the session is gone */
    audit_leave(r, appointment_id, index, ev.role, reason);
    r->metrics->sessions_open--;
}

/* The grant of token HASH in *G: 0, or the join's error code. *KNOWN: the token exists. */
static int lookup(struct tolkd_relay *r, const uint8_t *hash, struct tolk_token_grant *g,
                  bool *known)
{
    int rc = tolk_store_token_find(r->store, hash, g);
    *known = rc == TOLK_STORE_OK;
    if (rc == TOLK_STORE_ENOTFOUND)
        return TOLK_PERR_INVALID_TOKEN;
    if (rc != TOLK_STORE_OK) {
        TLOG_ERROR("token_lookup_failed", "reason=\"%s\"", tolk_store_errmsg(r->store));
        return TOLK_PERR_INTERNAL;
    }
    return tolk_grant_check(g, (int64_t)time(NULL));
}

/*
 * A refused join, audited by the token's hash (a prefix: enough to find the token's row, and
 * no secret) against its appointment when the token exists, else against "session:unknown".
 */
static void audit_join_refused(struct tolkd_relay *r, const uint8_t *hash,
                               const struct tolk_token_grant *g, bool known, int code)
{
    if (!r->audit_key || !relay_refusal_budget(r))
        return;
    char actor[TOLK_STORE_REF_MAX] = "token:", subject[TOLK_STORE_REF_MAX], detail[96];
    for (size_t i = 0; i < 8; i++)
        snprintf(actor + 6 + 2 * i, 3, "%02x", hash[i]);
    if (known) {
        snprintf(subject, sizeof subject, "appointment:%lld", (long long)g->appointment.id);
        snprintf(detail, sizeof detail, "role=%.16s,code=%s", g->role,
                 tolk_proto_error_name((enum tolk_proto_error)code));
    } else {
        snprintf(subject, sizeof subject, "session:unknown");
        snprintf(detail, sizeof detail, "code=%s",
                 tolk_proto_error_name((enum tolk_proto_error)code));
    }
    if (tolk_store_audit_append(r->store, r->audit_key, actor, "session_join_refused", subject,
                                detail, (int64_t)time(NULL), NULL) != TOLK_STORE_OK)
        TLOG_ERROR("audit_failed", "action=session_join_refused reason=\"%s\"",
                   tolk_store_errmsg(r->store));
}

/* A takeover: the old connection is told it was replaced and forgets its session. */
static void replace(struct tolkd_relay *r, struct tolk_sess *sess, unsigned index, void *old,
                    uint64_t epoch)
{
    struct tolkd_peer *op = tolkd_conn_peer(old);
    op->sess = NULL;
    tolkd_conn_close(old, 4000, "replaced by a new connection");
    audit_leave(r, sess->appointment_id, index, sess->p[index].role, "replaced");
    char text[256];
    relay_broadcast(
        sess, (int)index, text,
        tolk_proto_encode_participant_left(text, sizeof text, index, epoch, "replaced"));
}

/* joined to the newcomer, participant_joined to the others, then everyone's state. */
static void announce_join(struct tolk_sess *sess, unsigned index, void *conn)
{
    struct tolk_msg_joined j;
    memset(&j, 0, sizeof j);
    memcpy(j.session, sess->id, sizeof j.session);
    j.index = index;
    memcpy(j.role, sess->p[index].role, sizeof j.role);
    j.epoch = sess->epoch;
    memcpy(j.resume, sess->p[index].resume, sizeof j.resume);
    j.nparticipants = tolk_sess_roster(sess, index, j.participants);
    char text[MSG_MAX];
    relay_send(conn, text, tolk_proto_encode_joined(text, sizeof text, &j));
    struct tolk_proto_participant who = {.index = index};
    memcpy(who.role, sess->p[index].role, sizeof who.role);
    memcpy(who.identity, sess->p[index].identity, sizeof who.identity);
    relay_broadcast(sess, (int)index, text,
                    tolk_proto_encode_participant_joined(text, sizeof text, &who, sess->epoch));
    relay_send_states(sess, "join", (int)index);
}

/* An address whose allowance of refused joins is spent (joinguard.h) waits: the join is
 * answered join_throttled without its token being looked up. */
static bool join_throttled(struct tolkd_relay *r, struct tolkd_peer *p, uint64_t now_ms)
{
    unsigned wait = tolkd_joinguard_wait(&r->joinguard, p->addr, now_ms);
    if (wait == 0)
        return false;
    char detail[96];
    snprintf(detail, sizeof detail, "too many refused joins from this address: try again in %u s",
             wait);
    r->metrics->joins_throttled++;
    tolkd_conn_send_error(p->conn, TOLK_PERR_JOIN_THROTTLED, detail);
    return true;
}

/* A refused join counts against its address; the refusal that spends the allowance is logged
 * and audited, once (no address in either: the log names it by a keyed hash). */
static void count_refusal(struct tolkd_relay *r, struct tolkd_peer *p, uint64_t now_ms)
{
    if (!tolkd_joinguard_refused(&r->joinguard, p->addr, now_ms))
        return;
    char ref[32], id[9];
    snprintf(ref, sizeof ref, "addr:%016llx", (unsigned long long)p->addr);
    tolkd_log_id(ref, id);
    TLOG_WARN("join_throttled", "addr=%s refused=%d", id, TOLKD_JOINGUARD_BURST);
    if (!r->audit_key || !relay_refusal_budget(r))
        return;
    char detail[32];
    snprintf(detail, sizeof detail, "refused=%d", TOLKD_JOINGUARD_BURST);
    if (tolk_store_audit_append(r->store, r->audit_key, "system", "session_join_throttled",
                                "session:unknown", detail, (int64_t)time(NULL),
                                NULL) != TOLK_STORE_OK)
        TLOG_ERROR("audit_failed", "action=session_join_throttled reason=\"%s\"",
                   tolk_store_errmsg(r->store));
}

static void on_join(struct tolkd_relay *r, struct tolkd_peer *p, const struct tolk_msg_join *m)
{
    if (p->sess) {
        tolkd_conn_send_error(p->conn, TOLK_PERR_ALREADY_JOINED, "this connection has joined");
        return;
    }
    uint64_t now_ms = relay_now_ms();
    if (join_throttled(r, p, now_ms))
        return;
    uint8_t hash[TOLK_STORE_TOKEN_HASH_BYTES], resume[TOLK_PROTO_TOKEN_BYTES];
    struct tolk_token_grant grant;
    struct tolk_join_outcome out;
    bool known;
    tolkd_token_hash(m->token, hash);
    tolkd_random(resume, sizeof resume);
    int rc = lookup(r, hash, &grant, &known);
    if (rc == 0) {
        struct tolk_join_request req = {&grant, hash, m, resume, p->conn, &r->policy};
        rc = tolk_sess_join(&r->sessions, &req, &out);
    }
    if (rc != 0) {
        r->metrics->joins_refused++;
        if (rc != TOLK_PERR_INTERNAL) /* the store failing is not the client's doing */
            count_refusal(r, p, now_ms);
        audit_join_refused(r, hash, &grant, known, rc);
        tolkd_conn_send_error(p->conn, (enum tolk_proto_error)rc, "join refused");
        return;
    }
    if (out.sess->present == 1 && !out.replaced)
        r->metrics->sessions_open++;
    if (!out.replaced)
        r->metrics->participants++;
    p->sess = out.sess;
    p->index = out.index;
    if (out.replaced)
        replace(r, out.sess, out.index, out.replaced, out.left_epoch);
    announce_join(out.sess, out.index, p->conn);
    struct tolk_session_event ev;
    make_event(&ev, out.sess, out.index, TOLK_SESSION_JOIN);
    record(r, &ev, out.index, out.sess->epoch, out.sess->present);
    char detail[32];
    snprintf(detail, sizeof detail, "role=%s", out.sess->p[out.index].role);
    relay_audit(r, out.sess->appointment_id, out.index, "session_join", detail);
}

/*
 * A key goes only to another member of the sender's room: keys follow rooms (INTERPRETING.md).
 * A waiting participant is in no room, so every key it sends is refused (PROTOCOL.md says
 * bad_recipient for that too).
 */
static void on_key(struct tolkd_peer *p, const struct tolk_msg_key *k)
{
    struct tolk_sess *sess = p->sess;
    if (!sess) {
        tolkd_conn_send_error(p->conn, TOLK_PERR_NOT_JOINED, "join first");
        return;
    }
    if (!tolk_sess_same_room(sess, p->index, k->to)) {
        tolkd_conn_send_error(p->conn, TOLK_PERR_BAD_RECIPIENT,
                              "nobody in your room with that index");
        return;
    }
    struct tolk_msg_key relayed = *k;
    relayed.from = p->index;
    relayed.has_from = true;
    char text[1024];
    relay_send(sess->p[k->to].conn, text, tolk_proto_encode_key(text, sizeof text, &relayed));
}

void tolkd_relay_message(struct tolkd_relay *r, struct tolkd_peer *p, const struct tolk_msg *m)
{
    switch (m->type) {
    case TOLK_MSG_JOIN:
        on_join(r, p, &m->u.join);
        return;
    case TOLK_MSG_KEY:
        on_key(p, &m->u.key);
        return;
    case TOLK_MSG_LEAVE:
        if (!p->sess) {
            tolkd_conn_send_error(p->conn, TOLK_PERR_NOT_JOINED, "join first");
            return;
        }
        leave(r, p, "left");
        tolkd_conn_close(p->conn, 1000, "left");
        return;
    case TOLK_MSG_ADMIT:
    case TOLK_MSG_HOLD:
    case TOLK_MSG_REMOVE:
    case TOLK_MSG_SIDEBAR:
    case TOLK_MSG_MODE:
    case TOLK_MSG_CHANNEL:
    case TOLK_MSG_SIGNAL:
    case TOLK_MSG_HANDOVER:
    case TOLK_MSG_PAUSE:
    case TOLK_MSG_RECORDING:
        relay_control(r, p, m);
        return;
    default:
        tolkd_conn_send_error(p->conn, TOLK_PERR_UNKNOWN_TYPE, "not a message a client sends");
        return;
    }
}

/* Checks the header against the connection: the broker's whole say over media. */
static bool media_ok(struct tolkd_relay *r, const struct tolkd_peer *p, const uint8_t *frame,
                     size_t len)
{
    struct tolk_sframe_header h;
    size_t hl = tolk_sframe_header_decode(frame, len, &h);
    if (hl == 0 || len < hl + 16) {
        r->metrics->drops_malformed++;
        return false;
    }
    if (tolk_sframe_kid_sender(h.kid) != p->index) {
        r->metrics->drops_forged++;
        return false;
    }
    uint64_t epoch = tolk_sframe_kid_epoch(h.kid);
    if (epoch > p->sess->epoch || epoch + STALE_EPOCHS < p->sess->epoch) {
        r->metrics->drops_stale_epoch++;
        return false;
    }
    return true;
}

/* Test builds: records B, and may damage it or ask for it to be sent twice. */
static unsigned apply_faults(struct tolkd_relay_faults *f, struct tolk_buf *b)
{
    f->frames++;
    if (f->tap) {
        uint32_t n = b->len;
        fwrite(&n, sizeof n, 1, f->tap);
        fwrite(b->data, 1, b->len, f->tap);
        fflush(f->tap);
    }
    if (f->tamper_every && f->frames % f->tamper_every == 0)
        b->data[b->len - 20] ^= 0x01; /* inside the ciphertext, before the tag */
    return f->replay_every && f->frames % f->replay_every == 0 ? 2 : 1;
}

/*
 * Relays a frame to the receivers the routing table names for its sender: a bit set,
 * computed when the session last changed, so the cost per frame is one look-up and one queue
 * push per receiver. A waiting or paused sender is routed to nobody; its frames are counted.
 */
void tolkd_relay_media(struct tolkd_relay *r, struct tolkd_peer *p, const uint8_t *frame,
                       size_t len)
{
    r->metrics->media_in++;
    struct tolk_sess *sess = p->sess;
    if (!sess) {
        r->metrics->drops_not_joined++;
        return;
    }
    if (!media_ok(r, p, frame, len))
        return;
    if (sess->route.p[p->index].presence != TOLK_ROUTE_ADMITTED) {
        r->metrics->drops_not_routed++;
        return;
    }
    unsigned to = sess->table.receivers[p->index];
    if (!to)
        return;
    struct tolk_buf *b = tolkd_conn_buf_new(frame, len, true);
    if (!b)
        return;
    unsigned copies = r->faults ? apply_faults(r->faults, b) : 1;
    for (; to; to &= to - 1) {
        void *conn = sess->p[__builtin_ctz(to)].conn;
        for (unsigned k = 0; k < copies; k++) {
            r->metrics->drops_queue_full += (uint64_t)tolkd_conn_queue(conn, b);
            r->metrics->media_out++;
        }
    }
    tolk_buf_unref(b);
}

void tolkd_relay_closed(struct tolkd_relay *r, struct tolkd_peer *p)
{
    leave(r, p, "dropped");
}

void tolkd_relay_clear(struct tolkd_relay *r)
{
    tolk_sess_registry_clear(&r->sessions);
}
