/*
 * The staff web page's files and the cross-site check (web.h, docs/WEB.md).
 *
 * Files are sent by lws_serve_http_file, which reads them in pieces at WRITEABLE (with its own
 * HTTP_FILE_COMPLETION ending the transaction), so a page never sits whole in memory and
 * http.c's one-buffer responses are not involved. What may be sent is decided here first, by
 * name (tolkd_web_relpath: nothing that could climb out of the root or hide in it), by type (a
 * fixed table) and by where the name really leads (realpath, still under the root's realpath).
 *
 * The headers of a page: our Content-Security-Policy, HSTS and "Cache-Control: no-cache" (the
 * files have no versioned names, so the browser must ask again after an upgrade). The vhost's
 * LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE (server.c) already puts
 * X-Content-Type-Options: nosniff, X-Frame-Options: deny, Referrer-Policy: no-referrer and a
 * CSP of lws' own on every response, so they are not repeated here; a browser enforces both
 * policies, i.e. whatever both allow, and ours is the narrower in what matters (connect-src
 * 'self' only, where lws' allows any ws: and wss: host). tests/integration/test_web.py checks
 * the headers a page really gets.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "web.h"

#include <libwebsockets.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define SEGMENT_MAX 64
#define DEPTH_MAX   8
#define HEADERS_MAX 1024

static const struct {
    const char *ext;
    const char *type;
} TYPES[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
};

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

int tolkd_web_relpath(const char *path, char *out, size_t cap)
{
    size_t len, seg = 0, depth = 0;

    if (path == NULL || path[0] != '/' || cap == 0)
        return -1;
    if (strcmp(path, "/") == 0)
        path = "/index.html";
    len = strlen(path + 1);
    if (len == 0 || len >= cap || len >= TOLKD_WEB_PATH_MAX)
        return -1;
    for (size_t i = 1; i <= len + 1; i++) {
        char c = path[i];
        if (c == '/' || c == '\0') {
            if (seg == 0 || ++depth > DEPTH_MAX + 1)
                return -1;
            seg = 0;
            continue;
        }
        if (!name_char(c) || (seg == 0 && c == '.') || ++seg > SEGMENT_MAX)
            return -1;
    }
    memcpy(out, path + 1, len + 1);
    return 0;
}

const char *tolkd_web_content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    const char *slash = strrchr(name, '/');

    if (dot == NULL || (slash != NULL && dot < slash))
        return NULL;
    for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (strcmp(dot, TYPES[i].ext) == 0)
            return TYPES[i].type;
    return NULL;
}

/* ../share/tolk/web from the directory of the running binary, not yet canonical. */
static int auto_root(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash;

    if (n <= 0)
        return -1;
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (slash == NULL)
        return -1;
    *slash = '\0';
    n = snprintf(out, cap, "%s/../share/tolk/web", exe);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

int tolkd_web_root(const char *configured, char *out, size_t cap)
{
    char wanted[PATH_MAX], real[PATH_MAX];
    struct stat st;

    if (strcmp(configured, "auto") == 0) {
        if (auto_root(wanted, sizeof wanted) != 0)
            return -1;
    } else if (snprintf(wanted, sizeof wanted, "%s", configured) >= (int)sizeof wanted) {
        return -1;
    }
    if (realpath(wanted, real) == NULL || stat(real, &st) != 0 || !S_ISDIR(st.st_mode) ||
        strlen(real) >= cap)
        return -1;
    memcpy(out, real, strlen(real) + 1);
    return 0;
}

int tolkd_web_find(const char *root, const char *path, char *file, size_t cap, const char **type)
{
    char rel[TOLKD_WEB_PATH_MAX], joined[PATH_MAX], real[PATH_MAX];
    size_t rootlen = strlen(root);
    struct stat st;

    if (tolkd_web_relpath(path, rel, sizeof rel) != 0 ||
        (*type = tolkd_web_content_type(rel)) == NULL ||
        snprintf(joined, sizeof joined, "%s/%s", root, rel) >= (int)sizeof joined ||
        realpath(joined, real) == NULL)
        return -1;
    /* a symbolic link inside the root may point anywhere: only what stays inside is served */
    if (strncmp(real, root, rootlen) != 0 || (rootlen > 1 && real[rootlen] != '/') ||
        stat(real, &st) != 0 || !S_ISREG(st.st_mode) || strlen(real) >= cap)
        return -1;
    memcpy(file, real, strlen(real) + 1);
    return 0;
}

bool tolkd_web_is_cross_site(enum tolkd_http_method method, const char *origin, const char *host,
                             const char *fetch_site)
{
    static const char scheme[] = "https://";
    const size_t slen = sizeof scheme - 1;

    if (method != TOLKD_HTTP_POST && method != TOLKD_HTTP_PATCH && method != TOLKD_HTTP_PUT &&
        method != TOLKD_HTTP_DELETE)
        return false;
    if (fetch_site != NULL && strcmp(fetch_site, "same-origin") != 0 &&
        strcmp(fetch_site, "none") != 0)
        return true;
    if (origin == NULL)
        return false;
    /* scheme and host compare without regard to case (RFC 6454); "null" never matches */
    return host == NULL || host[0] == '\0' || strncasecmp(origin, scheme, slen) != 0 ||
           strcasecmp(origin + slen, host) != 0;
}

/* The value of a header lws knows by TOKEN into OUT: true if present (and it fit). */
static bool header(struct lws *wsi, enum lws_token_indexes token, char *out, int cap)
{
    int n = lws_hdr_total_length(wsi, token);
    if (n <= 0)
        return false;
    if (n >= cap || lws_hdr_copy(wsi, out, cap, token) < 0)
        out[0] = '\0'; /* too long to be a real origin or host: kept, as "", so it cannot match */
    return true;
}

bool tolkd_web_refuse_cross_site(struct lws *wsi, enum tolkd_http_method method,
                                 struct tolkd_api_response *resp)
{
    static const char body[] = "{\"error\":{\"code\":\"forbidden\","
                               "\"message\":\"cross-site requests are refused\"}}\n";
    static const char fetch_site_name[] = "sec-fetch-site:";
    char origin[256], host[256], site[32];
    const int nlen = (int)sizeof fetch_site_name - 1;
    bool has_site = lws_hdr_custom_length(wsi, fetch_site_name, nlen) > 0;

    if (has_site && lws_hdr_custom_copy(wsi, site, sizeof site, fetch_site_name, nlen) < 0)
        site[0] = '\0';
    if (!tolkd_web_is_cross_site(
            method, header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof origin) ? origin : NULL,
            header(wsi, WSI_TOKEN_HOST, host, sizeof host) ? host : NULL, has_site ? site : NULL))
        return false;
    TLOG_INFO("cross_site_refused", "method=%d", (int)method);
    memset(resp, 0, sizeof *resp);
    resp->body = malloc(sizeof body - 1);
    if (resp->body == NULL) {
        tolkd_api_error_response(TOLKD_API_FORBIDDEN, resp);
        return true;
    }
    memcpy(resp->body, body, sizeof body - 1);
    resp->len = sizeof body - 1;
    resp->status = HTTP_STATUS_FORBIDDEN;
    return true;
}

/* Our page headers, made by lws for this connection, into BUF: their length, or -1. */
static int page_headers(struct lws *wsi, unsigned char *buf, size_t cap)
{
    static const struct {
        const char *name, *value;
    } headers[] = {
        {"content-security-policy:", TOLKD_WEB_CSP},
        {"strict-transport-security:", "max-age=31536000"},
        {"cache-control:", "no-cache"},
    };
    unsigned char *p = buf, *end = buf + cap;

    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++)
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)headers[i].name,
                                        (const unsigned char *)headers[i].value,
                                        (int)strlen(headers[i].value), &p, end))
            return -1;
    return (int)(p - buf);
}

int tolkd_web_serve(struct lws *wsi, const char *root, const char *path)
{
    char canon[PATH_MAX], file[PATH_MAX];
    unsigned char headers[HEADERS_MAX];
    const char *type;
    int n;

    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0 &&
        lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) <= 0)
        return TOLKD_WEB_NO_FILE;
    if (tolkd_web_root(root, canon, sizeof canon) != 0) {
        TLOG_DEBUG("web_root_missing", "auto=%d", strcmp(root, "auto") == 0);
        return TOLKD_WEB_NO_FILE;
    }
    if (tolkd_web_find(canon, path, file, sizeof file, &type) != 0)
        return TOLKD_WEB_NO_FILE;
    n = page_headers(wsi, headers, sizeof headers);
    if (n < 0)
        return TOLKD_WEB_CLOSE;
    n = lws_serve_http_file(wsi, file, type, (const char *)headers, n);
    /* > 0: the answer is complete already (lws could not open the file after all and said
     * 404): end the transaction, as lws' own test server does */
    if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
        return TOLKD_WEB_CLOSE;
    return TOLKD_WEB_SERVED;
}
