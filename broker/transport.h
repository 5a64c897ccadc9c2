/*
 * Internal to the transport (server.c, http.c, ws.c): the only files that include
 * libwebsockets.h. Everything here runs on tolkd's one service thread.
 */
#ifndef TOLK_TRANSPORT_H
#define TOLK_TRANSPORT_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stdint.h>

#include "api.h"
#include "config.h"
#include "metrics.h"
#include "relay.h"
#include "sendq.h"
#include "store.h"

struct ws_conn;
struct http_pss;

/* Broker-wide state, reachable from any callback through lws_context_user(). */
struct tolkd {
    struct tolk_config cfg;
    struct tolk_store *store;
    struct tolkd_api *api; /* the REST API under /api/v1/ (http.c hands requests to it) */
    struct tolk_metrics metrics;
    struct tolkd_relay relay;
    struct lws_context *ctx;
    uint64_t started_us;     /* monotonic */
    struct ws_conn *conns;   /* every open WebSocket, for shutdown */
    struct http_pss *parked; /* http.c: API requests waiting for a deferred answer */
    bool stopping;           /* going-away closes under way */
    bool done;               /* the service loop may end */
    lws_sorted_usec_list_t sul_purge;
    lws_sorted_usec_list_t sul_stop_deadline;
    lws_sorted_usec_list_t sul_tick; /* libev loop only: see tick_cb in server.c */
};

static inline struct tolkd *tolkd_of(struct lws *wsi)
{
    return (struct tolkd *)lws_context_user(lws_get_context(wsi));
}

uint64_t tolkd_now_us(void);

/* http.c: protocols[0]: HTTP routes, connection accounting and shutdown wake-ups. */
int tolkd_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len);
size_t tolkd_http_pss_size(void);
/* Wakes the service thread of lws context CTX: the API's hash pool calls it from its workers. */
void tolkd_http_wake(void *ctx);

/* ws.c: the tolk.v1 WebSocket protocol. */
int tolkd_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len);
size_t tolkd_ws_pss_size(void);
/* Asks every open WebSocket to close with 1001 (going away). */
void tolkd_ws_close_all(struct tolkd *d);

/* server.c: called when a service-thread event may let shutdown proceed. */
void tolkd_shutdown_step(struct tolkd *d);

#endif
