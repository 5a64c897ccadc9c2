/*
 * The staff web page (docs/WEB.md): the static files under [web] root, served at / by tolkd
 * itself, and the cross-site check that state-changing API requests pass.
 *
 * The page is plain HTML, CSS and JavaScript modules: no build step, nothing from elsewhere.
 * Only a fixed set of file types is served, from names that cannot leave the root (see
 * tolkd_web_relpath), and every page response carries a strict Content-Security-Policy.
 *
 * Everything but tolkd_web_serve and tolkd_web_refuse_cross_site is pure (no libwebsockets),
 * for the unit tests. All of it runs on the service thread.
 */
#ifndef TOLKD_WEB_H
#define TOLKD_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include "api.h"

struct lws;

/* The page's policy: its own scripts, styles, images and API only; no frames, no inline code. */
#define TOLKD_WEB_CSP                                                                              \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

#define TOLKD_WEB_PATH_MAX 256 /* longest relative name served, and deepest: 8 directories */

/* tolkd_web_serve's answers, besides what lws_serve_http_file makes of a file. */
#define TOLKD_WEB_SERVED  0  /* the file is on its way (or was sent whole) */
#define TOLKD_WEB_CLOSE   -1 /* close the connection */
#define TOLKD_WEB_NO_FILE 1  /* no page here: answer as for any other unknown path */

/*
 * Turns a request path into a name relative to the web root: "/" is "index.html", anything
 * else is '/' and then segments of 1 to 64 letters, digits, '-', '_' or '.', not starting with
 * '.', joined by single slashes, at most 8 deep. So "..", hidden files, empty segments, '%'
 * (an encoded slash or anything else lws left encoded), '\', spaces and NUL never get through.
 * 0 with the name in OUT, or -1.
 */
int tolkd_web_relpath(const char *path, char *out, size_t cap);

/* The Content-Type of a name by its extension, from a fixed table; NULL: not served. */
const char *tolkd_web_content_type(const char *name);

/*
 * The web root as a canonical absolute path (realpath): CONFIGURED itself, or for "auto"
 * ../share/tolk/web from the directory of the running binary (/proc/self/exe). 0, or -1 when
 * it does not exist or is not a directory.
 */
int tolkd_web_root(const char *configured, char *out, size_t cap);

/*
 * The file to serve for PATH under the canonical ROOT: its canonical path in FILE and its
 * Content-Type in *TYPE. -1 unless PATH passes tolkd_web_relpath, has a served type, and names
 * a regular file that is, after symbolic links, still under ROOT.
 */
int tolkd_web_find(const char *root, const char *path, char *file, size_t cap, const char **type);

/*
 * Whether a request is cross-site and so refused when it changes state (POST, PATCH, PUT,
 * DELETE): its Sec-Fetch-Site is present and neither "same-origin" nor "none", or its Origin is
 * present and is not "https://" followed by its Host. A request with neither header (tolkctl,
 * curl) is not cross-site. Any argument but METHOD may be NULL for a missing header.
 */
bool tolkd_web_is_cross_site(enum tolkd_http_method method, const char *origin, const char *host,
                             const char *fetch_site);

/*
 * LWS_CALLBACK_HTTP for a path that is not the API: serves the file under [web] root (ROOT as
 * configured) for a GET or HEAD, with the page headers. TOLKD_WEB_SERVED, TOLKD_WEB_CLOSE, or
 * TOLKD_WEB_NO_FILE when there is no such file (or another method), for the caller's 404.
 */
int tolkd_web_serve(struct lws *wsi, const char *root, const char *path);

/*
 * For an API request, before its body is read: if it is cross-site and changes state, fills
 * *RESP with 403 forbidden ("cross-site requests are refused") for the caller to send, and
 * returns true. RESP's body is the caller's to clear (tolkd_api_response_clear).
 */
bool tolkd_web_refuse_cross_site(struct lws *wsi, enum tolkd_http_method method,
                                 struct tolkd_api_response *resp);

#endif
