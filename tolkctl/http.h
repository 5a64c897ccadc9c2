/*
 * tolkctl's HTTPS client: one request at a time to tolkd's REST API, over libwebsockets (the
 * project's rule: lws for every socket). Only http.c includes libwebsockets.h.
 *
 * Not thread-safe; call from one thread. Each request opens its own TLS connection, verifies
 * the server certificate (against CA_FILE, or the system's CAs) and its host name, speaks
 * HTTP/1.1 and gives up after TOLKCTL_HTTP_TIMEOUT_S seconds.
 */
#ifndef TOLKCTL_HTTP_H
#define TOLKCTL_HTTP_H

#include <stddef.h>

#define TOLKCTL_HTTP_TIMEOUT_S 10
#define TOLKCTL_HTTP_BODY_MAX  (1u << 20) /* bytes of a response body */

struct tolkctl_http_response {
    int status;
    char *body; /* NUL-terminated; owned by the response, wiped by tolkctl_http_response_free */
    size_t len;
};

/*
 * Sends METHOD PATH (e.g. "GET", "/api/v1/me") to URL ("https://HOST[:PORT]", no path) with
 * an optional JSON BODY (NUL-terminated, sent with Content-Length) and an optional bearer
 * TOKEN. Returns 0 once a complete response arrived (whatever its status) and fills OUT,
 * which the caller frees with tolkctl_http_response_free; or -1 with one line in ERR saying
 * what failed (the URL, the connection, TLS, the timeout, an oversized answer).
 */
int tolkctl_http_request(const char *url, const char *ca_file, const char *method, const char *path,
                         const char *body, const char *token, struct tolkctl_http_response *out,
                         char *err, size_t errlen) __attribute__((warn_unused_result));

/* Wipes and frees what OUT holds (the body may hold a token); OUT may be empty. */
void tolkctl_http_response_free(struct tolkctl_http_response *out);

#endif
