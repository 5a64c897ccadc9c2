/*
 * HTTPS routes (GET /healthz, GET /metrics) and the per-socket bookkeeping that lws delivers
 * to protocols[0]: connection limits and counters, and the wake-up used for shutdown.
 *
 * Each response is built whole in one buffer on LWS_CALLBACK_HTTP and written in the
 * following HTTP_WRITEABLE, with its Content-Length, so keep-alive works.
 */
#include <inttypes.h>
#include <string.h>

#include "transport.h"

struct http_pss {
    struct tolk_buf *body;
};

size_t tolkd_http_pss_size(void)
{
    return sizeof(struct http_pss);
}

struct response {
    unsigned int status;
    const char *content_type;
    char text[8192];
    size_t len;
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
        if (!is_get)
            error_response(r, HTTP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed");
        else
            routes[i].handler(d, r);
        return;
    }
    if (strcmp(path, "/ws") == 0)
        error_response(r, HTTP_STATUS_BAD_REQUEST, "websocket_upgrade_required");
    else
        error_response(r, HTTP_STATUS_NOT_FOUND, "not_found");
}

/* Writes the status line and headers now and keeps the body for HTTP_WRITEABLE. */
static int start_response(struct lws *wsi, struct http_pss *pss, const struct response *r)
{
    uint8_t hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    if (lws_add_http_common_headers(wsi, r->status, r->content_type, r->len, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        (r->status == HTTP_STATUS_METHOD_NOT_ALLOWED &&
         lws_add_http_header_by_name(
             wsi, (const unsigned char *)"allow:", (const unsigned char *)"GET", 3, &p, end)) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    pss->body = tolk_buf_new(LWS_PRE, r->text, r->len, false);
    if (!pss->body)
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int write_body(struct lws *wsi, struct http_pss *pss)
{
    if (!pss->body)
        return 0;
    struct tolk_buf *b = pss->body;
    pss->body = NULL;
    int n = lws_write(wsi, b->data, b->len, LWS_WRITE_HTTP_FINAL);
    int ok = n >= 0 && (uint32_t)n == b->len;
    tolk_buf_unref(b);
    if (!ok || lws_http_transaction_completed(wsi))
        return -1;
    return 0;
}

/* Counts sockets and refuses those over max_connections before any TLS work is spent. */
static int on_socket(struct tolkd *d, struct lws *wsi, enum lws_callback_reasons reason)
{
    static char tracked; /* marks the wsi we counted, so listen and pipe wsi are not */
    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        if (d->stopping || d->metrics.connections_open >= d->cfg.max_connections) {
            d->metrics.connections_rejected++;
            return 1;
        }
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

int tolkd_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len)
{
    struct http_pss *pss = user;
    struct tolkd *d = tolkd_of(wsi);
    struct response r;
    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
    case LWS_CALLBACK_WSI_DESTROY:
        return on_socket(d, wsi, reason);
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return 1; /* a WebSocket upgrade without the tolk.v1 subprotocol */
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        tolkd_shutdown_step(d);
        return 0;
    case LWS_CALLBACK_HTTP:
        d->metrics.http_requests++;
        route(wsi, d, in ? (const char *)in : "", &r);
        return start_response(wsi, pss, &r);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return pss ? write_body(wsi, pss) : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
        if (pss) {
            tolk_buf_unref(pss->body);
            pss->body = NULL;
        }
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}
