/*
 * tolkd's counters, rendered as Prometheus text exposition format (version 0.0.4).
 *
 * The counters are plain integers owned by the service thread: they are bumped on the hot
 * path without atomics and read only on that same thread (by the /metrics handler).
 */
#ifndef TOLK_METRICS_H
#define TOLK_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct tolk_metrics {
    uint64_t connections_open;     /* gauge: accepted sockets now open */
    uint64_t connections_accepted; /* total sockets accepted */
    uint64_t connections_rejected; /* total refused (over max_connections) */
    uint64_t http_requests;        /* total HTTP requests answered */
    uint64_t ws_open;              /* gauge: WebSocket connections now open */
    uint64_t messages_in;          /* total complete WebSocket messages received */
    uint64_t messages_out;         /* total WebSocket messages sent */
    uint64_t bytes_in;             /* total WebSocket payload bytes received */
    uint64_t bytes_out;            /* total WebSocket payload bytes sent */
    uint64_t drops_oversize;       /* messages over max_message_bytes */
    uint64_t drops_not_joined;     /* binary frames from connections that have not joined */
    uint64_t drops_queue_full;     /* queued messages dropped because a receiver fell behind */
    uint64_t protocol_errors;      /* control messages answered with an error */
    uint64_t sessions_open;        /* gauge: sessions with somebody connected */
    uint64_t participants;         /* gauge: joined participants */
    uint64_t joins_refused;        /* joins refused (token, window, in use, full) */
    uint64_t joins_throttled;      /* joins not looked up: too many refused from the address */
    uint64_t media_in;             /* media frames received */
    uint64_t media_out;            /* media frames queued to receivers */
    uint64_t drops_malformed;      /* media frames with a bad SFrame header */
    uint64_t drops_forged;         /* media frames whose sender index is not the connection's */
    uint64_t drops_stale_epoch;    /* media frames of an epoch that is too old or not yet begun */
    uint64_t drops_too_old;        /* media frames that waited too long in a receiver's queue */
    uint64_t drops_not_routed;     /* media frames from a waiting or paused participant */
    uint64_t refusals_unaudited;   /* refused joins and controls past the audit budget */
};

/*
 * Writes the exposition text for M (plus uptime and version) into BUF. Returns the number of
 * bytes written (without a NUL), or 0 if CAP is too small.
 */
size_t tolk_metrics_render(const struct tolk_metrics *m, uint64_t uptime_s, const char *version,
                           char *buf, size_t cap);

#endif
