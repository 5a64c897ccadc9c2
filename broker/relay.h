/*
 * The session relay: join, leave, the interpreter leg's controls (relay_control.c), key
 * distribution and media forwarding between the participants of a session. It decides; the
 * transport (ws.c) moves bytes. No libwebsockets here: connections are opaque pointers and the
 * transport provides the few calls below.
 *
 * The relay never holds a key that can decrypt media: it reads only the SFrame header (sender
 * index and epoch in the KID) and forwards the frame as it came, to the receivers the
 * session's routing table names for its sender (docs/INTERPRETING.md).
 *
 * Joins, leaves, admits, holds, removes and refusals are written to the audit log (store.h,
 * "Audit log") by ids only; nothing on the media path touches the store.
 */
#ifndef TOLK_RELAY_H
#define TOLK_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "joinguard.h"
#include "metrics.h"
#include "proto.h"
#include "sendq.h"
#include "session.h"
#include "store.h"

/* Relay state of one connection, kept inside the transport's connection. */
struct tolkd_peer {
    void *conn;
    struct tolk_sess *sess; /* NULL until joined */
    unsigned index;
    uint64_t addr; /* the client's address as the join guard knows it (set by the transport) */
};

/* A budget of audit entries for refusals (tokens refilled over time), so that a peer sending
 * refused messages in a loop cannot make the broker write to its store in that loop. */
struct tolkd_relay_budget {
    uint64_t at_ms; /* last refill */
    unsigned tokens;
};

struct tolkd_relay {
    struct tolk_store *store;
    struct tolk_metrics *metrics;
    struct tolk_sess_registry sessions;
    struct tolk_sess_policy policy; /* [session] of the configuration */
    const uint8_t *audit_key;       /* TOLK_AUDIT_KEY_BYTES, the server's; NULL: no audit */
    struct tolkd_relay_budget refusals;
    struct tolkd_joinguard joinguard;  /* refused joins per client address */
    struct tolkd_relay_faults *faults; /* test builds only (tolkd-test), else NULL */
};

/*
 * The test build's view into the relay, to show what a curious or compromised broker can and
 * cannot do: the tap records every relayed frame (ciphertext only, the tests check), and every
 * Nth frame can be tampered with (one byte flipped) or relayed twice (a replay). Clients must
 * reject those and carry on.
 */
struct tolkd_relay_faults {
    FILE *tap;
    unsigned tamper_every, replay_every;
    uint64_t frames;
};

/* Handles a decoded control message other than hello from a connection that said hello. */
void tolkd_relay_message(struct tolkd_relay *r, struct tolkd_peer *p, const struct tolk_msg *m);

/* Handles one binary message (a media frame). */
void tolkd_relay_media(struct tolkd_relay *r, struct tolkd_peer *p, const uint8_t *frame,
                       size_t len);

/* The connection has closed (for whatever reason); tells the session. */
void tolkd_relay_closed(struct tolkd_relay *r, struct tolkd_peer *p);

/* Ends every session (shutdown). */
void tolkd_relay_clear(struct tolkd_relay *r);

/* Provided by the transport. */
void tolkd_conn_send_text(void *conn, const char *text, size_t len);
void tolkd_conn_send_error(void *conn, enum tolk_proto_error code, const char *detail);
/* A buffer with the transport's headroom holding a copy of LEN bytes; NULL if out of memory. */
struct tolk_buf *tolkd_conn_buf_new(const void *data, size_t len, bool binary);
/* Queues B (a new reference is taken); returns the media messages dropped to make room. */
int tolkd_conn_queue(void *conn, struct tolk_buf *b);
void tolkd_conn_close(void *conn, int status, const char *reason);
struct tolkd_peer *tolkd_conn_peer(void *conn);

#endif
