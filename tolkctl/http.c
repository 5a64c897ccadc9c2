/*
 * tolkctl's HTTPS client on libwebsockets: one context and one client connection per request,
 * driven by lws_service() until the response is complete, the connection fails or a timer
 * (a sorted-usec-list entry on the context) fires. State is per request (struct request),
 * reached from the wsi through its opaque user data and from the timer by container_of.
 *
 * The response body is collected into one sodium_malloc'd buffer of TOLKCTL_HTTP_BODY_MAX
 * bytes, because it may hold a bearer token; it is wiped when freed.
 */
#include "http.h"

#include <libwebsockets.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct request {
    const char *method, *body, *token;
    char host[256], host_port[300], err[512];
    char cert_problem[128]; /* why OpenSSL rejected the server certificate, if it did */
    int port;
    bool done, failed, body_sent;
    int status;
    long long content_length; /* -1 when the response gave none */
    char *buf;
    size_t len;
    lws_sorted_usec_list_t timer;
    struct lws *wsi; /* the connection while it is open */
    struct lws_context *ctx;
};

__attribute__((format(printf, 2, 3))) static void set_error(struct request *r, const char *fmt, ...)
{
    va_list ap;

    if (!r->failed) {
        va_start(ap, fmt);
        vsnprintf(r->err, sizeof r->err, fmt, ap);
        va_end(ap);
    }
    r->failed = true;
    r->done = true;
}

/* lws says why a connection failed only in text; TLS failures are told apart by their words. */
static void connection_error(struct request *r, const char *why)
{
    static const char *const tls_words[] = {"ssl", "SSL", "tls", "TLS", "cert", "X509"};
    char clean[256];
    size_t n;

    snprintf(clean, sizeof clean, "%s", why ? why : "connection failed");
    n = strlen(clean);
    while (n > 0 && (clean[n - 1] == '\n' || clean[n - 1] == '\r' || clean[n - 1] == ' '))
        clean[--n] = '\0';
    if (strstr(clean, "imed out")) {
        set_error(r, "no answer from %s in time: %s", r->host_port, clean);
        return;
    }
    if (r->cert_problem[0]) {
        set_error(r,
                  "TLS with %s failed: the server certificate is not trusted (%s); give the "
                  "CA that signed it with --ca FILE",
                  r->host_port, r->cert_problem);
        return;
    }
    for (size_t i = 0; i < sizeof tls_words / sizeof tls_words[0]; i++) {
        if (strstr(clean, tls_words[i])) {
            set_error(r, "TLS with %s failed (is --ca right?): %s", r->host_port, clean);
            return;
        }
    }
    set_error(r, "cannot connect to %s: %s", r->host_port, clean);
}

static int append_headers(struct request *r, struct lws *wsi, void *in, size_t len)
{
    unsigned char **p = in, *end = *p + len;
    char value[128], clen[24];

    if (r->token) {
        snprintf(value, sizeof value, "Bearer %s", r->token);
        if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, (unsigned char *)value,
                                         (int)strlen(value), p, end))
            return -1;
        sodium_memzero(value, sizeof value);
    }
    if (r->body || strcmp(r->method, "GET") != 0) {
        snprintf(clen, sizeof clen, "%zu", r->body ? strlen(r->body) : (size_t)0);
        if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, (unsigned char *)clen,
                                         (int)strlen(clen), p, end))
            return -1;
    }
    if (r->body && r->body[0]) {
        if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                         (const unsigned char *)"application/json", 16, p, end))
            return -1;
        lws_client_http_body_pending(wsi, 1);
        lws_callback_on_writable(wsi);
    }
    return 0;
}

/* The whole body (at most 64 KiB, tolkd's limit) goes in one write at LWS_PRE headroom. */
static int write_body(struct request *r, struct lws *wsi)
{
    size_t n;
    unsigned char *b;
    int rc;

    if (r->body_sent || !r->body)
        return 0;
    n = strlen(r->body);
    b = sodium_malloc(LWS_PRE + n + 1);
    if (!b)
        return -1;
    memcpy(b + LWS_PRE, r->body, n);
    r->body_sent = true;
    lws_client_http_body_pending(wsi, 0);
    rc = lws_write(wsi, b + LWS_PRE, n, LWS_WRITE_HTTP_FINAL) == (int)n ? 0 : -1;
    sodium_free(b);
    return rc;
}

static void on_established(struct request *r, struct lws *wsi)
{
    char clen[24];

    r->status = (int)lws_http_client_http_response(wsi);
    r->content_length = -1;
    if (lws_hdr_copy(wsi, clen, sizeof clen, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
        r->content_length = strtoll(clen, NULL, 10);
}

static int on_body(struct request *r, const void *in, size_t len)
{
    if (len > TOLKCTL_HTTP_BODY_MAX - r->len) {
        set_error(r, "the answer from %s is over 1 MiB", r->host_port);
        return -1;
    }
    memcpy(r->buf + r->len, in, len);
    r->len += len;
    return 0;
}

/* A response without Content-Length ends when the server hangs up; one with it, at its end. */
static void on_closed(struct request *r)
{
    if (r->done)
        return;
    if (r->status == 0)
        set_error(r, "%s closed the connection without an answer", r->host_port);
    else if (r->content_length >= 0 && (long long)r->len < r->content_length)
        set_error(r, "%s closed the connection in the middle of its answer", r->host_port);
    r->done = true;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct request *r = lws_get_opaque_user_data(wsi);
    char rx[LWS_PRE + 4096], *p = rx + LWS_PRE;
    int n = (int)(sizeof rx - LWS_PRE);

    if (r && (reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR ||
              reason == LWS_CALLBACK_CLOSED_CLIENT_HTTP || reason == LWS_CALLBACK_WSI_DESTROY))
        r->wsi = NULL;
    if (!r || r->done)
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        connection_error(r, in);
        return 0;
    case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
        if (len == 0) /* OpenSSL's verdict, which stands: record why, for the error */
            snprintf(r->cert_problem, sizeof r->cert_problem, "%s",
                     X509_verify_cert_error_string(X509_STORE_CTX_get_error(user)));
        return 0;
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        return append_headers(r, wsi, in, len);
    case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
        return write_body(r, wsi);
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
        on_established(r, wsi);
        return 0;
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
        return on_body(r, in, len);
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
        return lws_http_client_read(wsi, &p, &n) < 0 ? -1 : 0;
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
        r->done = true;
        return 0;
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
        on_closed(r);
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {"http", callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void on_timeout(lws_sorted_usec_list_t *sul)
{
    struct request *r = lws_container_of(sul, struct request, timer);

    set_error(r, "no answer from %s within %d seconds", r->host_port, TOLKCTL_HTTP_TIMEOUT_S);
    lws_cancel_service(r->ctx); /* timers run before lws_service's wait: end that wait now */
}

/* Accepts "https://HOST[:PORT]" with at most a "/" after it. */
static int parse_url(struct request *r, const char *url)
{
    char copy[512];
    const char *proto, *addr, *path;

    if (strlen(url) >= sizeof copy || strncmp(url, "https://", 8) != 0)
        return -1;
    memcpy(copy, url, strlen(url) + 1);
    if (lws_parse_uri(copy, &proto, &addr, &r->port, &path) != 0 || !addr[0] ||
        (path[0] && strcmp(path, "/") != 0) || strlen(addr) >= sizeof r->host || r->port <= 0 ||
        r->port > 65535)
        return -1;
    memcpy(r->host, addr, strlen(addr) + 1);
    snprintf(r->host_port, sizeof r->host_port, "%s:%d", r->host, r->port);
    return 0;
}

static struct lws_context *make_context(const char *ca_file)
{
    struct lws_context_creation_info info;

    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.client_ssl_ca_filepath = ca_file;
    info.fd_limit_per_thread = 4;
    info.timeout_secs = TOLKCTL_HTTP_TIMEOUT_S + 5; /* our own timer ends the request first */
    return lws_create_context(&info);
}

static int connect_to(struct request *r, struct lws_context *ctx, const char *path)
{
    struct lws_client_connect_info ci;

    memset(&ci, 0, sizeof ci);
    ci.context = ctx;
    ci.address = r->host;
    ci.port = r->port;
    ci.path = path;
    ci.host = r->host;
    ci.method = r->method;
    ci.protocol = protocols[0].name;
    ci.ssl_connection = LCCSCF_USE_SSL;
    ci.alpn = "http/1.1";
    ci.opaque_user_data = r;
    r->wsi = lws_client_connect_via_info(&ci);
    if (!r->wsi && !r->failed)
        set_error(r, "cannot connect to %s", r->host_port);
    return r->failed ? -1 : 0;
}

static int run(struct request *r, const char *ca_file, const char *path, char *err, size_t errlen)
{
    struct lws_context *ctx;

    lws_set_log_level(0, NULL); /* failures are reported through ERR, not lws's log */
    if (ca_file && access(ca_file, R_OK) != 0) {
        snprintf(err, errlen, "cannot read the CA file %s", ca_file);
        return -1;
    }
    ctx = r->ctx = make_context(ca_file);
    if (!ctx) {
        snprintf(err, errlen, "cannot set up TLS%s%s", ca_file ? " with the CA file " : "",
                 ca_file ? ca_file : "");
        return -1;
    }
    lws_sul_schedule(ctx, 0, &r->timer, on_timeout,
                     (lws_usec_t)TOLKCTL_HTTP_TIMEOUT_S * LWS_US_PER_SEC);
    if (connect_to(r, ctx, path) == 0)
        while (!r->done && lws_service(ctx, 0) >= 0)
            ;
    lws_sul_cancel(&r->timer);
    if (r->wsi) /* after a timeout: close now, not after a polite wait for the server */
        lws_set_timeout(r->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
    lws_context_destroy(ctx);
    if (!r->failed && !r->done)
        set_error(r, "the connection to %s failed", r->host_port);
    if (r->failed)
        snprintf(err, errlen, "%s", r->err);
    return r->failed ? -1 : 0;
}

int tolkctl_http_request(const char *url, const char *ca_file, const char *method, const char *path,
                         const char *body, const char *token, struct tolkctl_http_response *out,
                         char *err, size_t errlen)
{
    struct request *r = calloc(1, sizeof *r);
    int rc = -1;

    memset(out, 0, sizeof *out);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->method = method;
    r->body = body;
    r->token = token;
    if (parse_url(r, url) != 0) {
        snprintf(err, errlen, "--url must be https://HOST[:PORT], not \"%.64s\"", url);
    } else if (!(r->buf = sodium_malloc(TOLKCTL_HTTP_BODY_MAX + 1))) {
        snprintf(err, errlen, "out of memory");
    } else if (run(r, ca_file, path, err, errlen) == 0) {
        r->buf[r->len] = '\0';
        out->status = r->status;
        out->body = r->buf;
        out->len = r->len;
        r->buf = NULL;
        rc = 0;
    }
    if (r->buf)
        sodium_free(r->buf);
    free(r);
    return rc;
}

void tolkctl_http_response_free(struct tolkctl_http_response *out)
{
    if (out->body)
        sodium_free(out->body);
    memset(out, 0, sizeof *out);
}
