/*
 * tolk-load internals: a load generator for tolk.v1 relays that does not use libwebsockets,
 * so that what it measures is the broker and not lws' client.
 *
 * One thread, one epoll loop, non-blocking sockets, OpenSSL for TLS and a hand-written
 * WebSocket client (RFC 6455: masked client frames, unfragmented messages). load-conn.c holds
 * the connection (TCP, TLS, upgrade, framing, the tolk.v1 hello/join exchange); tolk-load.c
 * the schedule, the measurement and the report; hist.c a log-bucket latency histogram.
 */
#ifndef TOLK_BENCH_LOAD_H
#define TOLK_BENCH_LOAD_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"

#define ROOM_SIZE   3
#define MAX_SENDERS 16 /* SFrame sender index 0..15 */
#define STAMP_BYTES 16 /* send time (ns, CLOCK_MONOTONIC) and sequence, at payload start */

enum load_mode { MODE_BARE, MODE_TOLKD };

enum conn_state {
    CS_IDLE,       /* not started yet */
    CS_CONNECTING, /* TCP connect in progress */
    CS_TLS,        /* TLS handshake */
    CS_UPGRADE,    /* HTTP upgrade sent, waiting for 101 */
    CS_OPEN,       /* WebSocket open (tolkd mode: hello/join under way until joined) */
    CS_DEAD,
};

struct session;

struct conn {
    int fd;
    SSL *ssl;
    enum conn_state state;
    struct session *sess;
    unsigned slot; /* 0..2 within its session */
    bool joined;   /* may send media */
    bool want_out; /* EPOLLOUT is armed */
    unsigned index;
    uint64_t epoch;
    uint64_t ctr; /* SFrame counter, per KID */
    uint64_t seq; /* our own per-sender sequence, never reset */
    uint64_t next_ping_ns;
    uint8_t *out; /* bytes not yet accepted by SSL_write */
    size_t out_len, out_cap;
    uint8_t *in; /* received bytes not yet parsed */
    size_t in_len, in_cap;
    char accept[32]; /* expected Sec-WebSocket-Accept */
    uint64_t last_seq[MAX_SENDERS];
    bool seen[MAX_SENDERS];
};

struct session {
    struct conn *c[ROOM_SIZE];
    const char *tokens[ROOM_SIZE]; /* tolkd mode */
    unsigned id;
    unsigned joined;
};

/* Counters shared by the connection code and the reporter. */
struct load_counters {
    uint64_t sent_window;     /* media frames we sent inside the measured window */
    uint64_t expected_window; /* deliveries those frames should cause */
    uint64_t recv_window;     /* frames received whose send time is in the window */
    uint64_t lost_gaps;       /* sequence gaps seen in the window, per (receiver, sender) */
    uint64_t slips;           /* sends skipped because the generator was a frame late */
    uint64_t blocked;         /* sends skipped because the socket was backed up */
    uint64_t conn_failures;
    uint64_t server_errors; /* tolk.v1 error messages */
    uint64_t pings_sent, pongs_sent;
};

struct load {
    enum load_mode mode;
    char host[64];
    int port;
    char path[128];
    SSL_CTX *ssl_ctx;
    int epfd;
    unsigned inflight; /* connections started but not yet joined */
    size_t payload;
    uint64_t window_start_ns, window_end_ns; /* 0 until known */
    struct load_counters n;
    struct hist *latency;
    uint8_t random_block[2048];
    uint64_t rng;
};

uint64_t now_ns(void);
uint64_t rng_next(uint64_t *state);

/* load-conn.c */
int conn_start(struct load *l, struct conn *c); /* begin the TCP connect; -1 on failure */
void conn_event(struct load *l, struct conn *c, uint32_t events);
void conn_send_media(struct load *l, struct conn *c); /* one SFrame media frame, now */
void conn_send_ping(struct load *l, struct conn *c);
void conn_close(struct load *l, struct conn *c);
unsigned session_live(const struct session *s); /* members in CS_OPEN */

#endif
