/*
 * The REST API under /api/v1/ (docs/API.md): JSON in and out, bearer tokens, one table of
 * routes, one table of stable error codes.
 *
 * No libwebsockets here: the transport (http.c) collects a request (method, path, query,
 * Authorization header, peer address and a body of at most TOLKD_API_BODY_MAX bytes) into a
 * struct tolkd_api_request, calls tolkd_api_handle(), and writes the response it gets back.
 *
 * Deferred answers: a request that needs an Argon2id hash (a login, an account creation: 50-100
 * ms each) is not answered at once. tolkd_api_handle does everything that needs the store and
 * hands the hash to a pool of TOLKD_API_HASH_THREADS worker threads (hashpool.h), returning
 * TOLKD_API_DEFERRED and a ticket; when the hash is done, the wake function set with
 * tolkd_api_set_wake runs on the worker, and the transport's service thread then collects the
 * answer with tolkd_api_next_answer(), which does the rest (store, audit, token). At most
 * TOLKD_API_HASH_JOBS_MAX such requests are under way at once; beyond that they are answered
 * 503 unavailable with Retry-After: 1 at once.
 *
 * Threads: every function here runs on the service thread, except the wake function.
 */
#ifndef TOLKD_API_H
#define TOLKD_API_H

#include <stddef.h>
#include <stdint.h>

#include "datakey.h"
#include "store.h"

#define TOLKD_API_PREFIX   "/api/v1/"
#define TOLKD_API_BODY_MAX 65536 /* bytes; a longer body is refused with 413 before it is read */

/* The hash pool: two workers keep one core for the service thread on a 2-core machine; each
 * Argon2id hash takes 64 MiB, and at most 8 requests wait for one (queued or running). */
#define TOLKD_API_HASH_THREADS  2
#define TOLKD_API_HASH_JOBS_MAX 8

/* tolkd_api_handle: the answer comes later, from tolkd_api_next_answer. */
#define TOLKD_API_DEFERRED 1

enum tolkd_http_method {
    TOLKD_HTTP_OTHER = 0,
    TOLKD_HTTP_GET = 1 << 0,
    TOLKD_HTTP_POST = 1 << 1,
    TOLKD_HTTP_PATCH = 1 << 2,
    TOLKD_HTTP_PUT = 1 << 3,
    TOLKD_HTTP_DELETE = 1 << 4,
};

/* The stable error codes (docs/API.md); each has one HTTP status. */
enum tolkd_api_error {
    TOLKD_API_BAD_JSON,
    TOLKD_API_UNKNOWN_FIELD,
    TOLKD_API_MISSING_FIELD,
    TOLKD_API_BAD_FIELD,
    TOLKD_API_TOO_LARGE,
    TOLKD_API_LENGTH_REQUIRED,
    TOLKD_API_UNAUTHENTICATED,
    TOLKD_API_FORBIDDEN,
    TOLKD_API_NOT_FOUND,
    TOLKD_API_METHOD_NOT_ALLOWED,
    TOLKD_API_CONFLICT,
    TOLKD_API_RATE_LIMITED,
    TOLKD_API_INTERNAL,
    TOLKD_API_UNAVAILABLE,
};

/* One request, as the transport collected it. Every pointer is the transport's. */
struct tolkd_api_request {
    enum tolkd_http_method method;
    const char *path;          /* starts with TOLKD_API_PREFIX */
    const char *query;         /* "after=3&limit=10", or "" */
    const char *authorization; /* the header's value, NULL if there was none */
    const char *peer;          /* numeric address: rate limits only, never stored or logged */
    const char *body;          /* NULL when there was none */
    size_t body_len;
};

/* What to send back. body is malloc'd JSON (NULL for 204); tolkd_api_response_clear frees it. */
struct tolkd_api_response {
    unsigned status;
    char *body;
    size_t len;
    char allow[64];         /* 405: the methods the path takes ("GET, POST") */
    unsigned retry_after_s; /* 429 and 503: sent as Retry-After (429 also in the body) */
};

struct tolkd_api;

/*
 * Makes jansson wipe every block it frees (request bodies carry passwords). Process-wide: call
 * once at start, before any JSON value exists, and free jansson's output only through jansson.
 */
void tolkd_api_wipe_json_memory(void);

/* When join tokens work: from EARLY_S seconds before an appointment's start to GRACE_S after
 * its end ([appointments] join_early_minutes and join_grace_minutes). */
struct tolkd_join_window {
    int64_t early_s;
    int64_t grace_s;
};

/*
 * Sets up the API over ST (the caller's, kept open while the API lives) with keys derived from
 * DATAKEY (read, not kept); join tokens it issues are valid in WINDOW around their appointment.
 * Starts the hash pool's threads. 0, or -1 with one line in err.
 */
int tolkd_api_new(struct tolk_store *st, const unsigned char datakey[TOLKD_DATAKEY_BYTES],
                  const struct tolkd_join_window *window, struct tolkd_api **out, char *err,
                  size_t errlen);

/*
 * Stops the hash pool (hashes not yet started are dropped, running ones waited for, threads
 * joined), finishes the requests still deferred without answering them (a login whose password
 * was checked still counts as failed), and frees, wiping the keys. The store must still be open.
 * NULL is a no-op.
 */
void tolkd_api_free(struct tolkd_api *api);

/*
 * Sets the function a worker thread calls when a deferred answer is ready: WAKE(ARG) must make
 * the service thread call tolkd_api_next_answer soon (tolkd: lws_cancel_service). NULL for
 * none; once this returns, the previous function is not running and is never called again.
 */
void tolkd_api_set_wake(struct tolkd_api *api, void (*wake)(void *arg), void *arg);

/*
 * Handles REQ at NOW (Unix seconds). Returns 0 with the answer in *resp, which the caller then
 * clears; or TOLKD_API_DEFERRED with *ticket set and *resp empty: the answer comes from
 * tolkd_api_next_answer under that ticket. Either way REQ and what it points to may go as soon
 * as this returns (a deferred request keeps copies, its password in guarded memory). Never
 * fails.
 */
int tolkd_api_handle(struct tolkd_api *api, const struct tolkd_api_request *req, int64_t now,
                     struct tolkd_api_response *resp, uint64_t *ticket);

/*
 * The next deferred answer that is ready, finished at NOW: 1 with *ticket and *resp (which the
 * caller sends, or drops, and clears), 0 when no answer is ready. Requests abandoned meanwhile
 * are finished here too, without an answer.
 */
int tolkd_api_next_answer(struct tolkd_api *api, int64_t now, uint64_t *ticket,
                          struct tolkd_api_response *resp);

/*
 * The client of deferred request TICKET went away: its answer is not wanted. Its work is still
 * finished (a login then counts as a failure, an account is still created). An unknown ticket is
 * ignored.
 */
void tolkd_api_abandon(struct tolkd_api *api, uint64_t ticket);

/* Fills *resp with the error E alone: for what the transport refuses before tolkd_api_handle. */
void tolkd_api_error_response(enum tolkd_api_error e, struct tolkd_api_response *resp);

/* Frees the body. */
void tolkd_api_response_clear(struct tolkd_api_response *resp);

#endif
