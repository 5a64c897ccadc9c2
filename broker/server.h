/*
 * The tolkd service: a libwebsockets context over TLS serving HTTPS and the tolk.v1
 * WebSocket protocol on one port, on one service thread.
 */
#ifndef TOLK_SERVER_H
#define TOLK_SERVER_H

#include <stddef.h>

#include "config.h"
#include "store.h"

struct tolkd_run_hooks {
    /* Called once the socket is bound, with the port (after the "listening on" line). */
    void (*on_listening)(void *arg, int port);
    void *arg;
    /* Test builds only (see relay.h): NULL otherwise. */
    struct tolkd_relay_faults *faults;
};

/*
 * Listens as CFG says, prints "listening on HOST:PORT" on stdout once the socket is bound, and
 * serves until tolkd_server_request_stop(): then closes every WebSocket with 1001 (going away),
 * flushes the store and returns 0. STORE stays owned by the caller. DATAKEY (the caller's, read
 * at start and not kept) keys the audit log and the login rate limits. If the server cannot
 * start (address in use, TLS material refused) returns -1 with one line in err.
 */
int tolkd_server_run(const struct tolk_config *cfg, struct tolk_store *store,
                     const unsigned char *datakey, const struct tolkd_run_hooks *hooks, char *err,
                     size_t errlen);

/* Asks a running server to shut down gracefully. Async-signal-safe. */
void tolkd_server_request_stop(void);

#endif
