/*
 * tolk-load: drives a tolk.v1 relay (tolkd, or bench-bare-relay) with N three-party sessions
 * of audio-sized frames and reports what the relay delivered, how late and at what cost.
 *
 * Every participant sends one binary frame every --frame-ms; the 3N send times are spread
 * evenly over the interval so that sends do not align. A frame is a valid SFrame frame (KID =
 * (epoch << 4) | index, CTR counting up) whose payload starts with the send time
 * (CLOCK_MONOTONIC, ns) and the sender's sequence number. Receivers, on the same machine and
 * clock, take the broker-hop latency (receive time - send time) and count frames; only frames
 * sent inside the measured window count, which begins --warmup seconds after every session is
 * joined and lasts --seconds. After it, sending goes on for a drain second so that late frames
 * of the window can still arrive; what has not arrived by then is lost.
 *
 * With --server-pid, the server's CPU time (utime+stime from /proc/PID/stat) over the window,
 * its RSS before the first connection (idle) and at the end of the window are reported too.
 *
 * The result is one JSON line on stdout; progress and problems go to stderr.
 */
#include <errno.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "load.h"

#define MAX_SESSIONS    5000
#define MAX_INFLIGHT    32 /* connection set-ups at once */
#define DRAIN_NS        1000000000ull
#define PING_EVERY_NS   (15 * 1000000000ull)
#define EVENTS_PER_WAIT 256
#define SETUP_TIMEOUT_S 60
#define NS_PER_S        1000000000ull

struct options {
    const char *url, *ca, *tokens;
    unsigned sessions;
    double seconds, warmup, frame_ms;
    unsigned payload;
    enum load_mode mode;
    long server_pid;
};

struct server_sample {
    double cpu_s;
    long rss_kb;
};

struct run {
    struct load l;
    struct options o;
    struct session *sess;
    struct conn *conns;
    unsigned nconn;
    json_t *tokens;
    uint64_t period_ns;
    long rss_idle_kb;
    double load_cpu0, load_cpu1;
    struct server_sample srv0, srv1;
    unsigned ready_sessions;
};

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1Dull;
}

static double own_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* utime+stime of PID in seconds, from /proc/PID/stat (fields 14 and 15). */
static double proc_cpu_s(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    unsigned long long ut = 0, stt = 0;
    if (!p ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &stt) != 2)
        return -1;
    return (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
}

static long proc_rss_kb(long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static struct server_sample sample_server(long pid)
{
    struct server_sample s = {-1, -1};
    if (pid > 0) {
        s.cpu_s = proc_cpu_s(pid);
        s.rss_kb = proc_rss_kb(pid);
    }
    return s;
}

static const char usage[] =
    "usage: tolk-load --url wss://127.0.0.1:PORT/ws --ca FILE [options]\n"
    "  --sessions N      three-party sessions (default 10)\n"
    "  --seconds S       measured window (default 20)\n"
    "  --warmup S        after every session has joined, before the window (default 3)\n"
    "  --frame-ms MS     one frame per participant every MS (default 20)\n"
    "  --payload BYTES   bytes after the SFrame header: ciphertext + tag (default 60)\n"
    "  --mode tolkd|bare tolk.v1 hello and join with tokens, or a bare relay's room name\n"
    "  --tokens FILE     tolkd mode: the JSON that tolkd --demo-session wrote\n"
    "  --server-pid PID  also report that process's CPU and RSS\n";

static int parse_opt(struct options *o, const char *a, const char *v)
{
    char *end = NULL;
    if (strcmp(a, "--url") == 0)
        o->url = v;
    else if (strcmp(a, "--ca") == 0)
        o->ca = v;
    else if (strcmp(a, "--tokens") == 0)
        o->tokens = v;
    else if (strcmp(a, "--sessions") == 0)
        o->sessions = (unsigned)strtoul(v, &end, 10);
    else if (strcmp(a, "--seconds") == 0)
        o->seconds = strtod(v, &end);
    else if (strcmp(a, "--warmup") == 0)
        o->warmup = strtod(v, &end);
    else if (strcmp(a, "--frame-ms") == 0)
        o->frame_ms = strtod(v, &end);
    else if (strcmp(a, "--payload") == 0)
        o->payload = (unsigned)strtoul(v, &end, 10);
    else if (strcmp(a, "--server-pid") == 0)
        o->server_pid = strtol(v, &end, 10);
    else if (strcmp(a, "--mode") == 0 && (strcmp(v, "bare") == 0 || strcmp(v, "tolkd") == 0))
        o->mode = strcmp(v, "bare") == 0 ? MODE_BARE : MODE_TOLKD;
    else
        return -1;
    return end && *end ? -1 : 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    *o = (struct options){.sessions = 10,
                          .seconds = 20,
                          .warmup = 3,
                          .frame_ms = 20,
                          .payload = 60,
                          .mode = MODE_BARE};
    for (int i = 1; i + 1 < argc; i += 2)
        if (parse_opt(o, argv[i], argv[i + 1]) != 0)
            return -1;
    if (argc % 2 == 0 || !o->url || !o->ca || o->sessions < 1 || o->sessions > MAX_SESSIONS ||
        o->seconds <= 0 || o->warmup < 0 || o->frame_ms < 1 || o->payload < STAMP_BYTES ||
        o->payload > 1024 || (o->mode == MODE_TOLKD && !o->tokens))
        return -1;
    return 0;
}

/* wss://HOST:PORT/PATH with an IPv4 literal host. */
static int parse_url(struct load *l, const char *url)
{
    static const char scheme[] = "wss://";
    if (strncmp(url, scheme, sizeof scheme - 1) != 0)
        return -1;
    const char *h = url + sizeof scheme - 1, *colon = strchr(h, ':');
    if (!colon || (size_t)(colon - h) >= sizeof l->host)
        return -1;
    memcpy(l->host, h, (size_t)(colon - h));
    l->host[colon - h] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (port < 1 || port > 65535)
        return -1;
    l->port = (int)port;
    snprintf(l->path, sizeof l->path, "%s", *end == '/' ? end : "/");
    return 0;
}

static SSL_CTX *make_ssl_ctx(const char *ca)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return NULL;
    static const unsigned char alpn[] = "\x08http/1.1";
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_read_ahead(ctx, 1); /* one read() for many records, not two per record */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1 ||
        SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn - 1) != 0) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* The "sessions" array of tolkd --demo-session's JSON: one token per role. */
static int load_tokens(struct run *r)
{
    static const char *const roles[ROOM_SIZE] = {"client", "clinician", "interpreter"};
    json_error_t err;
    r->tokens = json_load_file(r->o.tokens, 0, &err);
    json_t *list = json_object_get(r->tokens, "sessions");
    if (!json_is_array(list) || json_array_size(list) < r->o.sessions) {
        fprintf(stderr, "tolk-load: %s: needs a \"sessions\" array of at least %u\n", r->o.tokens,
                r->o.sessions);
        return -1;
    }
    for (unsigned i = 0; i < r->o.sessions; i++) {
        for (unsigned j = 0; j < ROOM_SIZE; j++) {
            const char *t = json_string_value(json_object_get(json_array_get(list, i), roles[j]));
            if (!t) {
                fprintf(stderr, "tolk-load: session %u has no %s token\n", i, roles[j]);
                return -1;
            }
            r->sess[i].tokens[j] = t;
        }
    }
    return 0;
}

static int setup(struct run *r)
{
    struct load *l = &r->l;
    l->mode = r->o.mode;
    l->payload = r->o.payload;
    r->nconn = r->o.sessions * ROOM_SIZE;
    r->period_ns = (uint64_t)(r->o.frame_ms * 1e6);
    r->sess = calloc(r->o.sessions, sizeof *r->sess);
    r->conns = calloc(r->nconn, sizeof *r->conns);
    l->latency = hist_new();
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!r->sess || !r->conns || !l->latency || l->epfd < 0)
        return -1;
    if (RAND_bytes(l->random_block, sizeof l->random_block) != 1 ||
        RAND_bytes((unsigned char *)&l->rng, sizeof l->rng) != 1)
        return -1;
    l->rng |= 1;
    for (unsigned i = 0; i < r->o.sessions; i++) {
        r->sess[i].id = i;
        for (unsigned j = 0; j < ROOM_SIZE; j++) {
            struct conn *c = &r->conns[i * ROOM_SIZE + j];
            c->fd = -1;
            c->sess = &r->sess[i];
            c->slot = j;
            r->sess[i].c[j] = c;
        }
    }
    return r->o.mode == MODE_TOLKD ? load_tokens(r) : 0;
}

/* Connection k's send slot in cycle `base`: evenly spread over the period. */
static uint64_t due_of(const struct run *r, uint64_t base, unsigned k)
{
    return base + r->period_ns * k / r->nconn;
}

/* Sends every frame whose time has come; a send more than one period late is skipped. */
static void send_due(struct run *r, uint64_t *base, unsigned *k)
{
    uint64_t now = now_ns();
    for (uint64_t due = due_of(r, *base, *k); due <= now; due = due_of(r, *base, *k)) {
        struct conn *c = &r->conns[*k];
        if (c->state == CS_OPEN) {
            if (c->joined && c->sess->joined == ROOM_SIZE) {
                if (now - due > r->period_ns)
                    r->l.n.slips++;
                else
                    conn_send_media(&r->l, c);
            }
            if (c->state == CS_OPEN && now >= c->next_ping_ns) {
                c->next_ping_ns = now + PING_EVERY_NS;
                conn_send_ping(&r->l, c);
            }
        }
        if (++*k == r->nconn) {
            *k = 0;
            *base += r->period_ns;
        }
        now = now_ns();
    }
}

static void start_connections(struct run *r, unsigned *next)
{
    while (*next < r->nconn && r->l.inflight < MAX_INFLIGHT) {
        if (conn_start(&r->l, &r->conns[*next]) != 0)
            r->l.n.conn_failures++;
        (*next)++;
    }
}

static unsigned count_ready(const struct run *r)
{
    unsigned n = 0;
    for (unsigned i = 0; i < r->o.sessions; i++)
        n += r->sess[i].joined == ROOM_SIZE;
    return n;
}

/* Fixes the window once every session is joined (or set-up took too long). */
static void plan_window(struct run *r, unsigned started, uint64_t t0)
{
    uint64_t now = now_ns();
    if (r->l.window_start_ns || started < r->nconn)
        return;
    bool all = r->l.inflight == 0;
    if (!all && now - t0 < SETUP_TIMEOUT_S * NS_PER_S)
        return;
    r->ready_sessions = count_ready(r);
    fprintf(stderr,
            "tolk-load: %u of %u sessions joined in %.1f s; warm-up %.0f s, window %.0f s\n",
            r->ready_sessions, r->o.sessions, (double)(now - t0) / 1e9, r->o.warmup, r->o.seconds);
    r->l.window_start_ns = now + (uint64_t)(r->o.warmup * 1e9);
    r->l.window_end_ns = r->l.window_start_ns + (uint64_t)(r->o.seconds * 1e9);
}

/* Samples CPU and RSS at the window's edges; returns true when the drain is over too. */
static bool watch_window(struct run *r, bool *in, bool *done)
{
    uint64_t now = now_ns();
    if (!r->l.window_start_ns)
        return false;
    if (!*in && !*done && now >= r->l.window_start_ns) {
        *in = true;
        r->load_cpu0 = own_cpu_s();
        r->srv0 = sample_server(r->o.server_pid);
    }
    if (*in && now >= r->l.window_end_ns) {
        *in = false;
        *done = true;
        r->load_cpu1 = own_cpu_s();
        r->srv1 = sample_server(r->o.server_pid);
    }
    return *done && now >= r->l.window_end_ns + DRAIN_NS;
}

static int wait_timeout_ms(const struct run *r, uint64_t base, unsigned k)
{
    uint64_t due = due_of(r, base, k), now = now_ns();
    if (due <= now)
        return 0;
    uint64_t ms = (due - now + 999999) / 1000000;
    return ms > 100 ? 100 : (int)ms;
}

static void event_loop(struct run *r)
{
    struct epoll_event ev[EVENTS_PER_WAIT];
    uint64_t t0 = now_ns(), base = t0 + 10000000ull;
    unsigned k = 0, started = 0;
    bool in = false, done = false;
    for (;;) {
        start_connections(r, &started);
        plan_window(r, started, t0);
        if (watch_window(r, &in, &done))
            return;
        send_due(r, &base, &k);
        int n = epoll_wait(r->l.epfd, ev, EVENTS_PER_WAIT, wait_timeout_ms(r, base, k));
        if (n < 0 && errno != EINTR)
            return;
        for (int i = 0; i < n; i++)
            conn_event(&r->l, ev[i].data.ptr, ev[i].events);
    }
}

static void report(const struct run *r)
{
    const struct load_counters *n = &r->l.n;
    double s = r->o.seconds, us = 1e3;
    double loss =
        n->expected_window ? 1.0 - (double)n->recv_window / (double)n->expected_window : 1.0;
    double srv_cpu =
        r->srv0.cpu_s >= 0 && r->srv1.cpu_s >= 0 ? 100.0 * (r->srv1.cpu_s - r->srv0.cpu_s) / s : -1;
    const struct hist *h = r->l.latency;
    printf("{\"mode\":\"%s\",\"sessions\":%u,\"sessions_ready\":%u,\"connections\":%u,"
           "\"seconds\":%g,\"frame_ms\":%g,\"payload\":%u,"
           "\"frames_sent_per_s\":%.1f,\"frames_recv_per_s\":%.1f,\"expected_recv_per_s\":%.1f,"
           "\"loss_ratio\":%.6f,\"lost_gaps\":%llu,"
           "\"latency_us\":{\"p50\":%.0f,\"p99\":%.0f,\"p999\":%.0f,\"max\":%.0f,\"n\":%llu},"
           "\"load_cpu_s\":%.2f,\"load_cpu_pct\":%.1f,\"slips\":%llu,\"blocked\":%llu,"
           "\"conn_failures\":%llu,\"server_errors\":%llu,"
           "\"server\":{\"pid\":%ld,\"cpu_pct\":%.1f,\"rss_idle_kb\":%ld,\"rss_kb\":%ld}}\n",
           r->o.mode == MODE_BARE ? "bare" : "tolkd", r->o.sessions, r->ready_sessions, r->nconn, s,
           r->o.frame_ms, r->o.payload, (double)n->sent_window / s, (double)n->recv_window / s,
           (double)n->expected_window / s, loss < 0 ? 0 : loss, (unsigned long long)n->lost_gaps,
           (double)hist_percentile(h, 50) / us, (double)hist_percentile(h, 99) / us,
           (double)hist_percentile(h, 99.9) / us, (double)hist_max(h) / us,
           (unsigned long long)hist_count(h), r->load_cpu1 - r->load_cpu0,
           100.0 * (r->load_cpu1 - r->load_cpu0) / s, (unsigned long long)n->slips,
           (unsigned long long)n->blocked, (unsigned long long)n->conn_failures,
           (unsigned long long)n->server_errors, r->o.server_pid, srv_cpu, r->rss_idle_kb,
           r->srv1.rss_kb);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    static struct run r;
    if (parse_args(argc, argv, &r.o) != 0 || parse_url(&r.l, r.o.url) != 0) {
        fputs(usage, stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    r.l.ssl_ctx = make_ssl_ctx(r.o.ca);
    if (!r.l.ssl_ctx || setup(&r) != 0) {
        fprintf(stderr, "tolk-load: set-up failed (CA file, tokens or memory)\n");
        return 1;
    }
    r.rss_idle_kb = r.o.server_pid > 0 ? proc_rss_kb(r.o.server_pid) : -1;
    event_loop(&r);
    report(&r);
    for (unsigned i = 0; i < r.nconn; i++)
        conn_close(&r.l, &r.conns[i]);
    hist_free(r.l.latency);
    SSL_CTX_free(r.l.ssl_ctx);
    json_decref(r.tokens);
    free(r.sess);
    free(r.conns);
    close(r.l.epfd);
    return r.ready_sessions == r.o.sessions && r.l.n.recv_window > 0 ? 0 : 1;
}
