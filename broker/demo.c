#include "demo.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "secrets.h"

#define DEMO_LENGTH_S  (2 * 3600)
#define DEMO_MAX_COUNT 10000

#define DEMO_TOKENS 5

/* The name each token has in the file, and the role it joins with: a relief interpreter (a
 * second interpreter, who joins passive) and a support person too, so that every part of the
 * interpreter leg can be tried with one demo session. */
static const char *const demo_names[DEMO_TOKENS] = {"client", "clinician", "interpreter",
                                                    "relief_interpreter", "support"};
static const char *const demo_roles[DEMO_TOKENS] = {"client", "clinician", "interpreter",
                                                    "interpreter", "support"};

struct demo_session {
    char tokens[DEMO_TOKENS][TOLKD_TOKEN_TEXT];
};

struct tolkd_demo {
    unsigned count;
    struct demo_session sessions[];
};

static int book_one(struct tolk_store *st, struct demo_session *out, int64_t now,
                    const struct tolkd_join_window *window, char *err, size_t errlen)
{
    struct tolk_appointment a = {
        .starts_at = now, .ends_at = now + DEMO_LENGTH_S, .status = TOLK_APPOINTMENT_BOOKED};
    uint8_t ref[16], token[TOLKD_TOKEN_BYTES];
    struct tolk_join_token tokens[DEMO_TOKENS];
    tolkd_random(ref, sizeof ref);
    for (size_t i = 0; i < sizeof ref; i++)
        snprintf(a.ref + 2 * i, 3, "%02x", ref[i]);
    for (int r = 0; r < DEMO_TOKENS; r++) {
        memset(&tokens[r], 0, sizeof tokens[r]);
        tolkd_token_new(token, out->tokens[r], tokens[r].hash);
        snprintf(tokens[r].role, sizeof tokens[r].role, "%s", demo_roles[r]);
        tokens[r].valid_from = a.starts_at - window->early_s;
        tokens[r].valid_until = a.ends_at + window->grace_s;
    }
    memset(token, 0, sizeof token);
    if (tolk_store_appointment_create(st, &a, tokens, DEMO_TOKENS) != TOLK_STORE_OK) {
        snprintf(err, errlen, "cannot book the demo appointment: %s", tolk_store_errmsg(st));
        return -1;
    }
    return 0;
}

int tolkd_demo_create(struct tolk_store *st, unsigned count, const struct tolkd_join_window *window,
                      struct tolkd_demo **out, char *err, size_t errlen)
{
    *out = NULL;
    if (count < 1 || count > DEMO_MAX_COUNT) {
        snprintf(err, errlen, "--demo-count must be from 1 to %d", DEMO_MAX_COUNT);
        return -1;
    }
    struct tolkd_demo *d = calloc(1, sizeof *d + count * sizeof d->sessions[0]);
    if (!d) {
        snprintf(err, errlen, "out of memory for the demo sessions");
        return -1;
    }
    d->count = count;
    int64_t now = (int64_t)time(NULL);
    for (unsigned i = 0; i < count; i++) {
        if (book_one(st, &d->sessions[i], now, window, err, errlen) != 0) {
            tolkd_demo_free(d);
            return -1;
        }
    }
    *out = d;
    return 0;
}

static json_t *session_json(const struct demo_session *s)
{
    json_t *o = json_object();
    for (int r = 0; r < DEMO_TOKENS; r++)
        json_object_set_new(o, demo_names[r], json_string(s->tokens[r]));
    return o;
}

static json_t *demo_json(const struct tolkd_demo *demo, const char *host, int port, const char *ca)
{
    char url[300];
    snprintf(url, sizeof url, strchr(host, ':') ? "wss://[%s]:%d/ws" : "wss://%s:%d/ws", host,
             port);
    json_t *sessions = json_array();
    for (unsigned i = 0; i < demo->count; i++)
        json_array_append_new(sessions, session_json(&demo->sessions[i]));
    return json_pack("{s:s, s:s, s:o, s:o}", "url", url, "ca", ca, "tokens",
                     session_json(&demo->sessions[0]), "sessions", sessions);
}

/* Written to a temporary file and renamed into place, so that a reader never sees half. */
int tolkd_demo_write(const struct tolkd_demo *demo, const char *path, const char *host, int port,
                     const char *ca, char *err, size_t errlen)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        snprintf(err, errlen, "the demo session file name is too long");
        return -1;
    }
    json_t *doc = demo_json(demo, host, port, ca);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    int rc = -1;
    if (fd < 0) {
        snprintf(err, errlen, "cannot write the demo session file %s: %s", tmp, strerror(errno));
    } else if (json_dumpfd(doc, fd, JSON_INDENT(2)) != 0 || write(fd, "\n", 1) != 1 ||
               fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write the demo session file %s", tmp);
    } else if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    } else {
        rc = 0;
    }
    if (fd >= 0)
        close(fd);
    if (rc != 0)
        unlink(tmp);
    json_decref(doc);
    return rc;
}

void tolkd_demo_free(struct tolkd_demo *demo)
{
    if (!demo)
        return;
    tolkd_wipe(demo->sessions, demo->count * sizeof demo->sessions[0]);
    free(demo);
}
