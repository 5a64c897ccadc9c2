/*
 * Live sessions: who is connected to which appointment, under which participant index, at
 * which membership epoch. A pure state machine: no libwebsockets, no store, no clock; the
 * transport's connection is an opaque pointer.
 *
 * A session exists while anybody is connected to it. Each join token owns one participant slot
 * (its index stays the same across rejoins); indexes are never reused for another token within
 * the session. Every membership change (join, leave, takeover) increments the epoch by one:
 * clients use it to switch media keys (docs/PROTOCOL.md).
 */
#ifndef TOLK_SESSION_H
#define TOLK_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "store.h"

struct tolk_sess_participant {
    bool used;    /* the slot belongs to a token */
    bool present; /* a live connection holds it */
    char role[TOLK_PROTO_ROLE_MAX];
    uint8_t token_hash[TOLK_STORE_TOKEN_HASH_BYTES];
    uint8_t identity[TOLK_PROTO_IDENTITY_BYTES];
    uint8_t resume[TOLK_PROTO_TOKEN_BYTES];
    void *conn;
};

struct tolk_sess {
    int64_t appointment_id;
    uint8_t id[TOLK_PROTO_SESSION_BYTES];
    char ref[TOLK_STORE_REF_MAX];
    uint64_t epoch;
    unsigned present;
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
 * Joins the session of the request's appointment, creating it if nobody is connected. Returns
 * 0 and fills *out, or TOLK_PERR_TOKEN_IN_USE (a live connection holds the token and the resume
 * secret does not match), TOLK_PERR_SESSION_FULL, or TOLK_PERR_INTERNAL (out of memory).
 */
int tolk_sess_join(struct tolk_sess_registry *reg, const struct tolk_join_request *req,
                   struct tolk_join_outcome *out);

/*
 * Participant INDEX of SESS has gone (its connection closed or it said leave). Returns true
 * and frees SESS if nobody is left; otherwise the epoch has been incremented.
 */
bool tolk_sess_leave(struct tolk_sess_registry *reg, struct tolk_sess *sess, unsigned index);

/* Frees every session (at shutdown). */
void tolk_sess_registry_clear(struct tolk_sess_registry *reg);

/* The list of present participants other than EXCEPT, for a joined message. */
size_t tolk_sess_roster(const struct tolk_sess *sess, unsigned except,
                        struct tolk_proto_participant *out);

#endif
