/*
 * Live sessions: who is connected to which appointment, under which participant index, at
 * which epoch, in which presence and room, and the routing table that follows from it
 * (docs/INTERPRETING.md). A pure state machine: no libwebsockets, no store, no clock (times are
 * passed in); the transport's connection is an opaque pointer.
 *
 * A session exists while anybody is connected to it. Each join token owns one participant slot
 * (its index stays the same across rejoins); indexes are never reused for another token within
 * the session. Every presence or room change (join, leave, takeover, admit, hold, remove, a
 * sidebar opening or closing) increments the epoch by one: clients use it to switch media keys
 * (docs/PROTOCOL.md). Mode, channel, pause, hand-over and recording change routing only.
 *
 * After every change the session's routing table (interp/route.h) is computed again, so that
 * relaying a frame costs a look-up of its receivers and nothing more.
 */
#ifndef TOLK_SESSION_H
#define TOLK_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "route.h"
#include "store.h"

#define TOLK_SESS_SIGNALS_PER_S 4 /* interpreter signals a sender may send per second */

/* What the broker's configuration says about every session ([session] in tolkd.conf). */
struct tolk_sess_policy {
    int16_t duck_cb;      /* the floor under an interpretation, centibels (-600..0) */
    bool allow_recording; /* may a participant announce that it records? */
};

/* The default policy: duck_floor_db 15, recording not allowed. */
extern const struct tolk_sess_policy tolk_sess_default_policy;

/*
 * One slot. Presence, role, language, interpreter status and channel live in the session's
 * route state (route.p[i]), the one copy the routing table is computed from.
 */
struct tolk_sess_participant {
    bool used;    /* the slot belongs to a token */
    bool present; /* a live connection holds it (route.p[i].presence is not ABSENT) */
    bool readmit; /* a client or support person rejoining comes straight back in */
    bool recording;
    char role[TOLK_PROTO_ROLE_MAX];
    uint8_t token_hash[TOLK_STORE_TOKEN_HASH_BYTES];
    uint8_t identity[TOLK_PROTO_IDENTITY_BYTES];
    uint8_t resume[TOLK_PROTO_TOKEN_BYTES];
    uint64_t signal_ms[TOLK_SESS_SIGNALS_PER_S]; /* when its last signals were accepted */
    unsigned signal_next;
    void *conn;
};

struct tolk_sess {
    int64_t appointment_id;
    uint8_t id[TOLK_PROTO_SESSION_BYTES];
    char ref[TOLK_STORE_REF_MAX];
    uint64_t epoch;
    unsigned present;
    bool allow_recording;
    int handover_from, handover_to; /* a pending hand-over request, or -1 */
    struct tolk_route_state route;
    struct tolk_route_table table; /* computed from route after every change */
    struct tolk_sess_participant p[TOLK_PROTO_MAX_PARTICIPANTS];
    struct tolk_sess *next;
};

struct tolk_sess_registry {
    struct tolk_sess *head;
    size_t count;
};

struct tolk_join_request {
    const struct tolk_token_grant *grant;
    const uint8_t *token_hash;
    const struct tolk_msg_join *msg;
    const uint8_t *fresh_resume; /* a new random resume secret for this participant */
    void *conn;
    const struct tolk_sess_policy *policy; /* for a new session; NULL: the default policy */
};

struct tolk_join_outcome {
    struct tolk_sess *sess;
    unsigned index;
    void *replaced;      /* the connection this join took over (to close), or NULL */
    uint64_t left_epoch; /* with replaced: the epoch of its departure */
};

/*
 * Whether GRANT admits a join at time NOW (Unix seconds): 0, or TOLK_PERR_INVALID_TOKEN
 * (revoked), TOLK_PERR_CANCELLED or TOLK_PERR_OUTSIDE_WINDOW.
 */
int tolk_grant_check(const struct tolk_token_grant *grant, int64_t now);

/*
 * Joins the session of the request's appointment, creating it if nobody is connected (its mode
 * is the appointment's). Clinicians and interpreters are admitted; clients and support persons
 * wait unless their slot has readmit; a takeover keeps the presence. An interpreter is active
 * unless an active one shares its channel. Returns 0 and fills *out, or TOLK_PERR_TOKEN_IN_USE
 * (a live connection holds the token and the resume secret does not match),
 * TOLK_PERR_SESSION_FULL, TOLK_PERR_INVALID_TOKEN (a role this broker does not know),
 * TOLK_PERR_BAD_MESSAGE (lang is not a language tag) or TOLK_PERR_INTERNAL (out of memory).
 */
int tolk_sess_join(struct tolk_sess_registry *reg, const struct tolk_join_request *req,
                   struct tolk_join_outcome *out);

/*
 * Participant INDEX of SESS has gone (its connection closed or it said leave). Returns true
 * and frees SESS if nobody is left; otherwise the epoch has been incremented. The slot keeps
 * its readmit flag. An active interpreter's passive partner on its channel takes over.
 */
bool tolk_sess_leave(struct tolk_sess_registry *reg, struct tolk_sess *sess, unsigned index);

/* Frees every session (at shutdown). */
void tolk_sess_registry_clear(struct tolk_sess_registry *reg);

/* The list of present participants other than EXCEPT, for a joined message. */
size_t tolk_sess_roster(const struct tolk_sess *sess, unsigned except,
                        struct tolk_proto_participant *out);

/* What an accepted control did, for the relay to carry out. */
struct tolk_sess_effect {
    bool changed;            /* the state changed: everyone present gets a state message */
    bool epoch_changed;      /* ... and it was a presence or room change */
    int target;              /* admit, hold, remove: the participant it applied to, else -1 */
    void *closed;            /* remove: the target's connection, to close (4001), else NULL */
    int notify;              /* handover: the participant to tell, else -1 */
    const char *notify_text; /* handover: "request", "accepted" or "declined" */
};

/*
 * Carries out control TYPE (TOLK_MSG_ADMIT .. TOLK_MSG_RECORDING) from participant BY of SESS
 * at NOW_MS (a monotonic clock in milliseconds; only signals look at it), as the table of
 * docs/INTERPRETING.md allows. Returns 0 and fills *fx, or a TOLK_PERR_* code and changes
 * nothing: wrong_session, waiting, not_allowed, bad_target, bad_message (a mode, channel,
 * signal or hand-over text that is none of its kind), interpreter_active, no_handover,
 * recording_not_allowed, rate_limited.
 *
 * A signal is only checked and counted (the relay forwards it to BY's room); a remove frees
 * the target's slot for a rejoin as tolk_sess_leave does (the session never empties: BY is
 * still there).
 */
int tolk_sess_control(struct tolk_sess *sess, unsigned by, enum tolk_msg_type type,
                      const struct tolk_msg_control *c, uint64_t now_ms,
                      struct tolk_sess_effect *fx);

/* The name of control TYPE as a state message's cause ("admit", ...); "" for another type. */
const char *tolk_sess_control_name(enum tolk_msg_type type);

/*
 * The state message for receiver R (present) of SESS: every present participant, the mode,
 * the sidebar, R's room and R's gains, with CAUSE (a message type name, at most 15 bytes) and
 * CAUSE_BY (a participant index, or -1 for none).
 */
void tolk_sess_state(const struct tolk_sess *sess, unsigned r, const char *cause, int cause_by,
                     struct tolk_msg_state *out);

/* Whether participant I of SESS may send media keys to participant TO: both in one room. */
static inline bool tolk_sess_same_room(const struct tolk_sess *sess, unsigned i, unsigned to)
{
    return i < TOLK_ROUTE_MAX && to < TOLK_ROUTE_MAX && i != to &&
           ((unsigned)sess->table.room[i] >> to & 1u) != 0;
}

#endif
