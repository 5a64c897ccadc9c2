/*
 * HTTPS routes (GET /healthz, GET /metrics, and the REST API under /api/v1/, which api.c
 * answers) and the per-socket bookkeeping that lws delivers to protocols[0]: connection limits
 * and counters, and the wake-up used for shutdown.
 *
 * Each response is built whole in one buffer and written in the following HTTP_WRITEABLE, with
 * its Content-Length, so keep-alive works. An API request with a body (Content-Length > 0) is
 * collected first: its size is checked against TOLKD_API_BODY_MAX before a byte of it is read,
 * the body arrives in HTTP_BODY callbacks, and the request is answered at HTTP_BODY_COMPLETION.
 * Everything an API request needs from lws' header table (method, path, query, Authorization,
 * peer address) is copied out at LWS_CALLBACK_HTTP, so nothing depends on the table surviving
 * until the body is complete. The Authorization value and the body (which may hold a password)
 * are wiped when the request is done.
 *
 * An API request whose answer is deferred (a login or an account creation, which wait for an
 * Argon2id hash on a worker thread: api.h) is parked: its connection's pss goes on the list
 * d->parked under the API's ticket, with no response yet. When a worker is done it wakes the
 * service thread with lws_cancel_service; at LWS_CALLBACK_EVENT_WAIT_CANCELLED the ready answers
 * are collected, each into its pss, and written at that connection's next HTTP_WRITEABLE. A
 * connection that closes while parked leaves the list and abandons its ticket, so an answer
 * never looks for a connection that is gone; the API still finishes the request.
 */
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "api.h"
#include "log.h"
#include "secrets.h"
#include "transport.h"
#include "web.h"

#define QUERY_MAX        1024
#define AUTH_MAX         128
#define DISCARD_BODY_MAX (1024 * 1024) /* a refused body up to this size is read and dropped */
#define UNSENT_MAX       4096 /* bytes written to a socket but not yet sent: limit_unsent */

/* An API request between LWS_CALLBACK_HTTP and the end of its body. */
struct api_pending {
    struct tolkd_api_request req;
    char path[512];
    char query[QUERY_MAX];
    char auth[AUTH_MAX];
    char peer[64];
    char *body;
    size_t body_len, body_cap;
};

struct http_pss {
    struct tolk_buf *body;
    struct api_pending *api; /* an API request waiting for its body, else NULL */
    bool answered;           /* headers are out, the body is due at WRITEABLE */
    bool hard_close;         /* close once the response is out (an unread body follows) */
    bool closing;            /* the response is out: close when lws has flushed it */
    /* a parked API request (see above): */
    uint64_t ticket; /* its ticket while on d->parked, else 0 */
    struct lws *wsi; /* its connection, to ask for WRITEABLE when the answer comes */
    struct http_pss *next_parked;
    bool keep_alive; /* as the request would have been answered at once */
    bool has_answer; /* answer is ready, to be written at WRITEABLE */
    struct tolkd_api_response answer;
};

size_t tolkd_http_pss_size(void)
{
    return sizeof(struct http_pss);
}

struct response {
    unsigned int status;
    const char *content_type;
    char text[8192];
    const char *data; /* what to send: text, or the API's body */
    size_t len;
    const char *allow;
    unsigned retry_after_s;
    bool challenge;  /* 401: WWW-Authenticate: Bearer */
    bool keep_alive; /* false: "Connection: close" (a request body is left unread) */
};

static void handle_healthz(struct tolkd *d, struct response *r)
{
    uint64_t uptime = (tolkd_now_us() - d->started_us) / 1000000u;
    int n = snprintf(r->text, sizeof r->text,
                     "{\"status\":\"%s\",\"version\":\"%s\",\"uptime_s\":%" PRIu64 "}\n",
                     d->stopping ? "stopping" : "ok", TOLK_VERSION, uptime);
    r->status = d->stopping ? HTTP_STATUS_SERVICE_UNAVAILABLE : HTTP_STATUS_OK;
    r->content_type = "application/json";
    r->len = n > 0 ? (size_t)n : 0;
}

static void handle_metrics(struct tolkd *d, struct response *r)
{
    uint64_t uptime = (tolkd_now_us() - d->started_us) / 1000000u;
    r->status = HTTP_STATUS_OK;
    r->content_type = "text/plain; version=0.0.4";
    r->len = tolk_metrics_render(&d->metrics, uptime, TOLK_VERSION, r->text, sizeof r->text);
    if (r->len == 0) {
        r->status = HTTP_STATUS_INTERNAL_SERVER_ERROR;
        r->len = (size_t)snprintf(r->text, sizeof r->text, "metrics too large\n");
    }
}

static void error_response(struct response *r, unsigned int status, const char *code)
{
    r->status = status;
    r->content_type = "application/json";
    int n = snprintf(r->text, sizeof r->text, "{\"error\":\"%s\"}\n", code);
    r->len = n > 0 ? (size_t)n : 0;
}

struct route {
    const char *path;
    void (*handler)(struct tolkd *d, struct response *r);
};

static const struct route routes[] = {
    {"/healthz", handle_healthz},
    {"/metrics", handle_metrics},
};

static void route(struct lws *wsi, struct tolkd *d, const char *path, struct response *r)
{
    bool is_get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(path, routes[i].path) != 0)
            continue;
        if (!is_get) {
            error_response(r, HTTP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed");
            r->allow = "GET";
        } else {
            routes[i].handler(d, r);
        }
        return;
    }
    if (strcmp(path, "/ws") == 0)
        error_response(r, HTTP_STATUS_BAD_REQUEST, "websocket_upgrade_required");
    else
        error_response(r, HTTP_STATUS_NOT_FOUND, "not_found");
}

static int add_header(struct lws *wsi, const char *name, const char *value, uint8_t **p,
                      uint8_t *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p, end);
}

/*
 * Status line and headers. Without keep-alive, lws is told there is no length (so it says
 * "Connection: close" and ends the connection after this response) and the length is added
 * by hand. A 204 has neither a body nor a Content-Length.
 */
static int write_headers(struct lws *wsi, const struct response *r, uint8_t *start, uint8_t **p,
                         uint8_t *end)
{
    char num[24];

    if (r->status == HTTP_STATUS_NO_CONTENT) {
        if (lws_add_http_header_status(wsi, r->status, p, end))
            return -1;
    } else if (lws_add_http_common_headers(wsi, r->status, r->content_type,
                                           r->keep_alive ? r->len : LWS_ILLEGAL_HTTP_CONTENT_LEN, p,
                                           end) ||
               (!r->keep_alive && lws_add_http_header_content_length(wsi, r->len, p, end))) {
        return -1;
    }
    snprintf(num, sizeof num, "%u", r->retry_after_s);
    if (add_header(wsi, "cache-control:", "no-store", p, end) ||
        (r->allow && add_header(wsi, "allow:", r->allow, p, end)) ||
        (r->retry_after_s && add_header(wsi, "retry-after:", num, p, end)) ||
        (r->challenge && add_header(wsi, "www-authenticate:", "Bearer realm=\"tolk\"", p, end)))
        return -1;
    return lws_finalize_write_http_header(wsi, start, p, end);
}

/* Writes the status line and headers now and keeps the body for HTTP_WRITEABLE. */
static int start_response(struct lws *wsi, struct http_pss *pss, const struct response *r)
{
    uint8_t hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    if (write_headers(wsi, r, start, &p, end))
        return -1;
    pss->answered = true;
    if (r->status != HTTP_STATUS_NO_CONTENT) {
        pss->body = tolk_buf_new(LWS_PRE, r->data ? r->data : r->text, r->len, false);
        if (!pss->body)
            return -1;
    }
    lws_callback_on_writable(wsi);
    return 0;
}

/*
 * Sends the body and ends the transaction (lws then reads and drops any request body left, or
 * closes the connection if the response said so). After a response to a request whose body is
 * too big even to drop, the connection is closed as soon as lws has sent everything.
 */
static int write_body(struct lws *wsi, struct http_pss *pss)
{
    if (pss->closing) {
        if (!lws_partial_buffered(wsi))
            return -1;
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (!pss->answered)
        return 0;
    struct tolk_buf *b = pss->body;
    int ok = 1;
    pss->body = NULL;
    pss->answered = false;
    if (b) {
        int n = lws_write(wsi, b->data, b->len, LWS_WRITE_HTTP_FINAL);
        ok = n >= 0 && (uint32_t)n == b->len;
        tolk_buf_unref(b);
    }
    if (ok && pss->hard_close) {
        pss->closing = true;
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (!ok || lws_http_transaction_completed(wsi))
        return -1;
    return 0;
}

static enum tolkd_http_method method_of(struct lws *wsi)
{
    static const struct {
        enum lws_token_indexes token;
        enum tolkd_http_method method;
    } methods[] = {
        {WSI_TOKEN_GET_URI, TOLKD_HTTP_GET},       {WSI_TOKEN_POST_URI, TOLKD_HTTP_POST},
        {WSI_TOKEN_PATCH_URI, TOLKD_HTTP_PATCH},   {WSI_TOKEN_PUT_URI, TOLKD_HTTP_PUT},
        {WSI_TOKEN_DELETE_URI, TOLKD_HTTP_DELETE},
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (lws_hdr_total_length(wsi, methods[i].token) > 0)
            return methods[i].method;
    return TOLKD_HTTP_OTHER;
}

static void api_pending_free(struct api_pending *a)
{
    if (!a)
        return;
    if (a->body) {
        tolkd_wipe(a->body, a->body_cap);
        free(a->body);
    }
    tolkd_wipe(a, sizeof *a);
    free(a);
}

/* The query's parts joined by '&' (lws keeps them apart); -1 if they do not fit. */
/*
 * Copies the query into OUT as "name=value&...". lws hands it over as percent-decoded
 * fragments, one per '&' of the request; a decoded '&' or '%' inside a fragment is written
 * back as %26 or %25 (api.c's query_text reads those two), so a value may hold an '&'.
 */
static int copy_query(struct lws *wsi, char *out, size_t cap)
{
    char frag[QUERY_MAX];
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0;
         lws_hdr_copy_fragment(wsi, frag, (int)sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i) >= 0; i++) {
        for (const char *f = frag; *f != '\0'; f++) {
            bool escape = *f == '&' || *f == '%';
            if (used + (escape ? 3 : 1) + 1 >= cap)
                return -1;
            if (escape)
                used += (size_t)snprintf(out + used, cap - used, "%%%02X", (unsigned)*f);
            else
                out[used++] = *f;
        }
        out[used++] = '&';
        out[used] = '\0';
    }
    if (used > 0)
        out[--used] = '\0';
    return lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS) >= (int)cap ? -1 : 0;
}

/*
 * Copies what the request needs from the header table: 0, or the error for a path (no route is
 * that long) or a query that does not fit.
 */
static int api_collect(struct lws *wsi, const char *path, struct api_pending *a,
                       enum tolkd_api_error *e)
{
    int auth_len = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    *e = strlen(path) >= sizeof a->path ? TOLKD_API_NOT_FOUND : TOLKD_API_BAD_FIELD;
    if (strlen(path) >= sizeof a->path || copy_query(wsi, a->query, sizeof a->query) != 0)
        return -1;
    snprintf(a->path, sizeof a->path, "%s", path);
    a->req.method = method_of(wsi);
    a->req.path = a->path;
    a->req.query = a->query;
    a->req.peer = a->peer;
    if (auth_len > 0) {
        /* a value too long to be a bearer token is kept as "" and refused as one */
        if (auth_len < (int)sizeof a->auth)
            lws_hdr_copy(wsi, a->auth, sizeof a->auth, WSI_TOKEN_HTTP_AUTHORIZATION);
        a->req.authorization = a->auth;
    }
    lws_get_peer_simple(wsi, a->peer, sizeof a->peer);
    return 0;
}

/* The declared body length: 0 if none, -1 for a value that is not a plain number. */
static int64_t content_length(struct lws *wsi)
{
    char text[24];
    int n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    if (n <= 0)
        return 0;
    if (n >= (int)sizeof text ||
        lws_hdr_copy(wsi, text, sizeof text, WSI_TOKEN_HTTP_CONTENT_LENGTH) != n)
        return -1;
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9' || v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (text[i] - '0');
    }
    return v;
}

/* Sends an API response and releases the request. */
static int api_answer(struct lws *wsi, struct http_pss *pss, struct tolkd_api_response *resp,
                      bool keep_alive)
{
    struct response r = {.content_type = "application/json", .keep_alive = keep_alive};
    r.status = resp->status;
    r.data = resp->body;
    r.len = resp->len;
    r.allow = resp->allow[0] ? resp->allow : NULL;
    r.retry_after_s = resp->retry_after_s;
    r.challenge = resp->status == HTTP_STATUS_UNAUTHORIZED;
    api_pending_free(pss->api);
    pss->api = NULL;
    int rc = start_response(wsi, pss, &r);
    tolkd_api_response_clear(resp);
    return rc;
}

static int api_refuse(struct lws *wsi, struct http_pss *pss, enum tolkd_api_error e,
                      bool keep_alive)
{
    struct tolkd_api_response resp;
    tolkd_api_error_response(e, &resp);
    return api_answer(wsi, pss, &resp, keep_alive);
}

static void park(struct tolkd *d, struct lws *wsi, struct http_pss *pss, uint64_t ticket,
                 bool keep_alive)
{
    pss->ticket = ticket;
    pss->wsi = wsi;
    pss->keep_alive = keep_alive;
    pss->next_parked = d->parked;
    d->parked = pss;
}

static void unpark(struct tolkd *d, struct http_pss *pss)
{
    for (struct http_pss **p = &d->parked; *p; p = &(*p)->next_parked) {
        if (*p == pss) {
            *p = pss->next_parked;
            break;
        }
    }
    pss->ticket = 0;
    pss->next_parked = NULL;
}

/* The connection is closing (or its pss is being replaced): nothing may refer to it after. */
static void drop_parked(struct tolkd *d, struct http_pss *pss)
{
    if (pss->ticket) {
        tolkd_api_abandon(d->api, pss->ticket);
        unpark(d, pss);
    }
    if (pss->has_answer) {
        tolkd_api_response_clear(&pss->answer);
        pss->has_answer = false;
    }
}

/* EVENT_WAIT_CANCELLED: each ready answer goes to its connection, to be written at WRITEABLE. */
static void collect_answers(struct tolkd *d)
{
    struct tolkd_api_response resp;
    uint64_t ticket;
    while (tolkd_api_next_answer(d->api, (int64_t)time(NULL), &ticket, &resp)) {
        struct http_pss *pss = d->parked;
        while (pss && pss->ticket != ticket)
            pss = pss->next_parked;
        if (!pss) { /* cannot happen: a connection that closed abandoned its ticket */
            tolkd_api_response_clear(&resp);
            continue;
        }
        unpark(d, pss);
        pss->answer = resp;
        pss->has_answer = true;
        lws_callback_on_writable(pss->wsi);
    }
}

/* HTTP_WRITEABLE of a connection whose deferred answer has come: its headers now. */
static int write_answer(struct lws *wsi, struct http_pss *pss)
{
    struct tolkd_api_response resp = pss->answer;
    pss->has_answer = false;
    memset(&pss->answer, 0, sizeof pss->answer);
    return api_answer(wsi, pss, &resp, pss->keep_alive);
}

/*
 * Hands the request to the API. A deferred one is parked, and the body (which held the
 * password: the API has its own guarded copy) is wiped and freed at once.
 */
static int api_dispatch(struct lws *wsi, struct tolkd *d, struct http_pss *pss, bool keep_alive)
{
    struct tolkd_api_response resp;
    struct api_pending *a = pss->api;
    uint64_t ticket;
    a->req.body = a->body;
    a->req.body_len = a->body_len;
    if (tolkd_api_handle(d->api, &a->req, (int64_t)time(NULL), &resp, &ticket) ==
        TOLKD_API_DEFERRED) {
        api_pending_free(pss->api);
        pss->api = NULL;
        park(d, wsi, pss, ticket, keep_alive);
        return 0;
    }
    return api_answer(wsi, pss, &resp, keep_alive);
}

/*
 * LWS_CALLBACK_HTTP for /api/v1/...: size limits first (before anything is authenticated),
 * then either the answer now or a buffer for the body. A body that is refused unread makes the
 * response close the connection; one too big even to drop closes it hard.
 */
static int api_begin(struct lws *wsi, struct tolkd *d, struct http_pss *pss, const char *path)
{
    int64_t len = content_length(wsi);
    bool declared = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0;
    enum tolkd_http_method m = method_of(wsi);
    enum tolkd_api_error e;
    api_pending_free(pss->api);
    pss->api = calloc(1, sizeof *pss->api);
    if (!pss->api)
        return -1;
    if (len < 0 || len > TOLKD_API_BODY_MAX) {
        pss->hard_close = len < 0 || len > DISCARD_BODY_MAX;
        return api_refuse(wsi, pss, TOLKD_API_TOO_LARGE, false);
    }
    /* lws expects a body after POST, PATCH or PUT even without a length: close after those */
    pss->hard_close =
        !declared && (m == TOLKD_HTTP_POST || m == TOLKD_HTTP_PATCH || m == TOLKD_HTTP_PUT);
    if (pss->hard_close && lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
        return api_refuse(wsi, pss, TOLKD_API_LENGTH_REQUIRED, false);
    if (api_collect(wsi, path, pss->api, &e) != 0)
        return api_refuse(wsi, pss, e, !pss->hard_close);
    struct tolkd_api_response cross; /* a state change from another site's page (web.h) */
    if (tolkd_web_refuse_cross_site(wsi, m, &cross))
        return api_answer(wsi, pss, &cross, !pss->hard_close);
    if (len == 0)
        return api_dispatch(wsi, d, pss, !pss->hard_close);
    pss->api->body_cap = (size_t)len;
    pss->api->body = malloc(pss->api->body_cap);
    return pss->api->body ? 0 : -1;
}

/* HTTP_BODY: lws never hands over more than the declared length, which was checked. */
static int api_body(struct http_pss *pss, const void *in, size_t len)
{
    struct api_pending *a = pss->api;
    if (!a || !a->body || pss->answered)
        return 0;
    if (len > a->body_cap - a->body_len)
        return -1;
    memcpy(a->body + a->body_len, in, len);
    a->body_len += len;
    return 0;
}

static bool is_api_path(const char *path)
{
    return strncmp(path, TOLKD_API_PREFIX, strlen(TOLKD_API_PREFIX)) == 0 ||
           strcmp(path, "/api/v1") == 0;
}

/*
 * Left alone, Linux grows the send buffer of a socket whose peer stops reading up to tcp_wmem's
 * maximum (4 MiB): for a WebSocket, minutes of audio, all of it late (the relay drops audio older
 * than 400 ms only while it is still in tolkd's own queue), and for 200 such receivers 800 MB
 * of kernel memory. TCP_NOTSENT_LOWAT caps what is written but not yet sent, about 500 ms of a
 * three-party call's audio; data in flight is still governed by the peer's window and congestion
 * control, so throughput does not suffer. The back-pressure then reaches lws and the bounded
 * send queues (ws.c), which drop the oldest audio. A failure only leaves the kernel's default.
 */
static void limit_unsent(int fd)
{
    int v = UNSENT_MAX;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v, sizeof v) != 0)
        TLOG_DEBUG("notsent_lowat_failed", "fd=%d", fd);
}

/* Counts sockets and refuses those over max_connections before any TLS work is spent. */
static int on_socket(struct tolkd *d, struct lws *wsi, enum lws_callback_reasons reason, void *in)
{
    static char tracked; /* marks the wsi we counted, so listen and pipe wsi are not */
    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION: /* IN is the new socket's descriptor */
        if (d->stopping || d->metrics.connections_open >= d->cfg.max_connections) {
            d->metrics.connections_rejected++;
            return 1;
        }
        limit_unsent((int)(intptr_t)in);
        return 0;
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED: /* after lws set opaque data to NULL */
        lws_set_opaque_user_data(wsi, &tracked);
        d->metrics.connections_open++;
        d->metrics.connections_accepted++;
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        if (lws_get_opaque_user_data(wsi) == &tracked)
            d->metrics.connections_open--;
        return 0;
    default:
        return 0;
    }
}

static int on_http(struct lws *wsi, struct tolkd *d, struct http_pss *pss, const char *path)
{
    struct response r = {.keep_alive = true};
    d->metrics.http_requests++;
    pss->hard_close = pss->closing = false;
    if (is_api_path(path))
        return api_begin(wsi, d, pss, path);
    int web = tolkd_web_serve(wsi, d->cfg.web_root, path); /* the staff page's files */
    if (web != TOLKD_WEB_NO_FILE)
        return web;
    route(wsi, d, path, &r);
    return start_response(wsi, pss, &r);
}

static void on_closed(struct http_pss *pss)
{
    tolk_buf_unref(pss->body);
    pss->body = NULL;
    api_pending_free(pss->api);
    pss->api = NULL;
}

void tolkd_http_wake(void *ctx)
{
    lws_cancel_service(ctx);
}

int tolkd_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len)
{
    struct http_pss *pss = user;
    struct tolkd *d = tolkd_of(wsi);
    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
    case LWS_CALLBACK_WSI_DESTROY:
        return on_socket(d, wsi, reason, in);
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return 1; /* a WebSocket upgrade without the tolk.v1 subprotocol */
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        tolkd_shutdown_step(d);
        collect_answers(d);
        return 0;
    case LWS_CALLBACK_HTTP:
        return on_http(wsi, d, pss, in ? (const char *)in : "");
    case LWS_CALLBACK_HTTP_BODY:
        return pss ? api_body(pss, in, len) : 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (pss && pss->api && pss->api->body && !pss->answered)
            return api_dispatch(wsi, d, pss, true);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (pss && pss->has_answer)
            return write_answer(wsi, pss);
        return pss ? write_body(wsi, pss) : 0;
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL: /* lws is about to free this pss */
        if (pss)
            drop_parked(d, pss);
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    case LWS_CALLBACK_CLOSED_HTTP:
        if (pss) {
            drop_parked(d, pss);
            on_closed(pss);
        }
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}
