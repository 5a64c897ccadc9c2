/*
 * bench-bare-relay: the fastest relay this stack allows, as the yardstick for tolkd.
 *
 * It sets libwebsockets up exactly as tolkd does (TLS with the same certificate, cipher and
 * protocol settings, a foreign libev loop, ALPN http/1.1, subprotocol tolk.v1 on /ws, the same
 * keep-alive policy) and then does nothing but relay: a connection's first text message names
 * its room (any string; rooms hold 3), and every binary message is forwarded to the other
 * members of its room. No JSON, no SFrame checks, no sessions, no store.
 *
 * Each message is copied once, into a reference-counted buffer with LWS_PRE headroom shared by
 * its receivers. Each receiver has a bounded queue (drop oldest), and data is written only in
 * SERVER_WRITEABLE: one frame per lws_write by default (as tolkd does), or with --coalesce every
 * queued frame in one write (WebSocket headers built here, one TLS record, one syscall), which
 * is the upper limit PERFORMANCE.md measured.
 *
 * A benchmark tool, not part of tolkd: it exits 0 on SIGTERM or SIGINT and prints its counters
 * on stderr.
 */
#include <ev.h>
#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROOM_SIZE     3
#define ROOM_NAME_MAX 64
#define QUEUE_DEFAULT 64    /* tolkd's send_queue_depth default */
#define COALESCE_MAX  16000 /* one TLS record holds 16384 bytes */
#define WS_HEADER_MAX 4     /* server frames are unmasked; payloads here are < 64 KiB */

/* Same TLS settings as broker/server.c. */
static const char tls12_ciphers[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
static const char tls13_ciphers[] =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

static const lws_retry_bo_t idle_policy = {
    .secs_since_valid_ping = 20,
    .secs_since_valid_hangup = 60,
};

struct frame {
    uint32_t refs;
    uint32_t len;
    uint8_t mem[]; /* LWS_PRE headroom, then len bytes */
};

struct room;

struct conn {
    struct lws *wsi;
    struct room *room;
    struct frame **q; /* ring of queue_depth slots */
    uint32_t head, count;
};

struct room {
    struct room *prev, *next;
    struct conn *members[ROOM_SIZE];
    unsigned n;
    size_t name_len;
    char name[ROOM_NAME_MAX];
};

struct options {
    char host[64];
    int port;
    const char *cert, *key;
    uint32_t queue_depth;
    int coalesce;
};

struct stats {
    uint64_t frames_in, frames_out, writes, drops_queue, drops_unjoined, drops_fragment;
    uint64_t conns, conns_refused;
};

static struct options opt;
static struct stats st;
static struct room *rooms;
static struct ev_loop *loop;
static uint8_t coalesce_buf[LWS_PRE + COALESCE_MAX];

static uint8_t *frame_data(struct frame *f)
{
    return f->mem + LWS_PRE;
}

static void frame_unref(struct frame *f)
{
    if (--f->refs == 0)
        free(f);
}

static struct frame *q_peek(const struct conn *c, uint32_t i)
{
    return c->q[(c->head + i) % opt.queue_depth];
}

static void q_pop(struct conn *c)
{
    frame_unref(c->q[c->head]);
    c->q[c->head] = NULL;
    c->head = (c->head + 1) % opt.queue_depth;
    c->count--;
}

/* Queues F (the caller already counted this reference); a full queue loses its oldest. */
static void q_push(struct conn *c, struct frame *f)
{
    if (c->count == opt.queue_depth) {
        q_pop(c);
        st.drops_queue++;
    }
    c->q[(c->head + c->count) % opt.queue_depth] = f;
    c->count++;
    lws_callback_on_writable(c->wsi);
}

static struct room *room_find_open(const char *name, size_t len)
{
    for (struct room *r = rooms; r; r = r->next)
        if (r->n < ROOM_SIZE && r->name_len == len && memcmp(r->name, name, len) == 0)
            return r;
    return NULL;
}

static int room_join(struct conn *c, const char *name, size_t len)
{
    if (len > ROOM_NAME_MAX)
        len = ROOM_NAME_MAX;
    struct room *r = room_find_open(name, len);
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return -1;
        memcpy(r->name, name, len);
        r->name_len = len;
        r->next = rooms;
        if (rooms)
            rooms->prev = r;
        rooms = r;
    }
    for (unsigned i = 0; i < ROOM_SIZE; i++) {
        if (!r->members[i]) {
            r->members[i] = c;
            break;
        }
    }
    r->n++;
    c->room = r;
    return 0;
}

static void room_leave(struct conn *c)
{
    struct room *r = c->room;
    if (!r)
        return;
    for (unsigned i = 0; i < ROOM_SIZE; i++)
        if (r->members[i] == c)
            r->members[i] = NULL;
    c->room = NULL;
    if (--r->n > 0)
        return;
    if (r->prev)
        r->prev->next = r->next;
    else
        rooms = r->next;
    if (r->next)
        r->next->prev = r->prev;
    free(r);
}

/* One copy of the message, shared by every other member of the room. */
static void relay(struct conn *from, const void *in, size_t len)
{
    struct room *r = from->room;
    if (!r || r->n < 2) {
        st.drops_unjoined++;
        return;
    }
    struct frame *f = malloc(sizeof *f + LWS_PRE + len);
    if (!f)
        return;
    f->refs = r->n - 1;
    f->len = (uint32_t)len;
    memcpy(frame_data(f), in, len);
    for (unsigned i = 0; i < ROOM_SIZE; i++)
        if (r->members[i] && r->members[i] != from)
            q_push(r->members[i], f);
}

static int on_receive(struct conn *c, const void *in, size_t len)
{
    if (!lws_is_final_fragment(c->wsi) || lws_remaining_packet_payload(c->wsi) > 0 ||
        lws_is_first_fragment(c->wsi) == 0) {
        st.drops_fragment++; /* media frames are small; a relay of record sizes needs none */
        return 0;
    }
    if (!lws_frame_is_binary(c->wsi)) {
        if (c->room)
            return 0;
        return room_join(c, in, len);
    }
    st.frames_in++;
    relay(c, in, len);
    return 0;
}

static void put_ws_header(uint8_t **p, size_t len)
{
    *(*p)++ = 0x82; /* FIN, binary */
    if (len < 126) {
        *(*p)++ = (uint8_t)len;
    } else {
        *(*p)++ = 126;
        *(*p)++ = (uint8_t)(len >> 8);
        *(*p)++ = (uint8_t)len;
    }
}

/* Every queued frame, as consecutive WebSocket frames, in one lws_write (one TLS record). */
static int write_coalesced(struct conn *c)
{
    uint8_t *start = coalesce_buf + LWS_PRE, *p = start;
    while (c->count > 0) {
        struct frame *f = q_peek(c, 0);
        if ((size_t)(p - start) + WS_HEADER_MAX + f->len > COALESCE_MAX)
            break;
        put_ws_header(&p, f->len);
        memcpy(p, frame_data(f), f->len);
        p += f->len;
        st.frames_out++;
        q_pop(c);
    }
    size_t n = (size_t)(p - start);
    if (n == 0)
        return 0;
    st.writes++;
    return lws_write(c->wsi, start, n, LWS_WRITE_RAW) < (int)n ? -1 : 0;
}

static int write_one(struct conn *c)
{
    struct frame *f = q_peek(c, 0);
    int n = lws_write(c->wsi, frame_data(f), f->len, LWS_WRITE_BINARY);
    if (n < (int)f->len)
        return -1;
    st.frames_out++;
    st.writes++;
    q_pop(c);
    return 0;
}

static int on_writeable(struct conn *c)
{
    if (c->count == 0)
        return 0;
    if ((opt.coalesce ? write_coalesced(c) : write_one(c)) < 0)
        return -1;
    if (c->count > 0)
        lws_callback_on_writable(c->wsi);
    return 0;
}

static int on_established(struct conn *c, struct lws *wsi)
{
    memset(c, 0, sizeof *c);
    c->q = calloc(opt.queue_depth, sizeof *c->q);
    if (!c->q)
        return -1;
    c->wsi = wsi;
    st.conns++;
    return 0;
}

static void on_closed(struct conn *c)
{
    if (!c->q)
        return;
    room_leave(c);
    while (c->count > 0)
        q_pop(c);
    free(c->q);
    c->q = NULL;
}

static int filter_upgrade(struct lws *wsi)
{
    char uri[64];
    int n = lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
    return (n == 3 && memcmp(uri, "/ws", 3) == 0) ? 0 : 1;
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len)
{
    struct conn *c = user;
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return filter_upgrade(wsi);
    case LWS_CALLBACK_ESTABLISHED:
        return on_established(c, wsi);
    case LWS_CALLBACK_RECEIVE:
        return on_receive(c, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return on_writeable(c);
    case LWS_CALLBACK_CLOSED:
        on_closed(c);
        return 0;
    default:
        return 0;
    }
}

/* protocols[0]: TLS context tweaks as tolkd makes them; everything else is lws' default. */
static int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    if (reason == LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS && user) {
        SSL_CTX *ssl = user;
        SSL_CTX_set_min_proto_version(ssl, TLS1_2_VERSION);
        SSL_CTX_set_options(ssl, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                     SSL_OP_CIPHER_SERVER_PREFERENCE);
        return 0;
    }
    if (reason == LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION) {
        st.conns_refused++;
        return 1;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {"http", http_callback, 0, 0, 0, NULL, 0},
    {"tolk.v1", ws_callback, sizeof(struct conn), 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static struct lws_context *create_context(void)
{
    void *foreign_loops[1] = {loop};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = opt.port;
    info.iface = opt.host;
    info.protocols = protocols;
    info.ssl_cert_filepath = opt.cert;
    info.ssl_private_key_filepath = opt.key;
    info.ssl_cipher_list = tls12_ciphers;
    info.tls1_3_plus_cipher_list = tls13_ciphers;
    info.ssl_options_set = (long)(SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1);
    info.alpn = "http/1.1";
    info.retry_and_idle_policy = &idle_policy;
    info.timeout_secs = 10;
    info.server_string = "bench-bare-relay";
    info.vhost_name = "tolk";
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_VALIDATE_UTF8 |
                   LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE |
                   LWS_SERVER_OPTION_LIBEV | LWS_SERVER_OPTION_DISABLE_IPV6;
    info.foreign_loops = foreign_loops;
    /* fd_limit_per_thread stays 0: below `ulimit -n` it makes lws 4.1.6 find the wsi of every
     * socket event by a linear scan (wsi_from_fd) instead of indexing its table by fd. */
    return lws_create_context(&info);
}

static void on_signal(struct ev_loop *l, ev_signal *w, int revents)
{
    (void)w;
    (void)revents;
    ev_break(l, EVBREAK_ALL);
}

static const char usage[] =
    "usage: bench-bare-relay --listen HOST:PORT --cert FILE --key FILE [--queue N] [--coalesce]\n"
    "  --listen HOST:PORT  IPv4 address and port (0: the kernel picks one)\n"
    "  --queue N           frames queued per receiver before the oldest drops (default 64)\n"
    "  --coalesce          write every queued frame in one lws_write (one TLS record)\n";

static int parse_listen(const char *s)
{
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof opt.host)
        return -1;
    memcpy(opt.host, s, (size_t)(colon - s));
    opt.host[colon - s] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535)
        return -1;
    opt.port = (int)port;
    return 0;
}

static int parse_args(int argc, char **argv)
{
    opt.queue_depth = QUEUE_DEFAULT;
    snprintf(opt.host, sizeof opt.host, "127.0.0.1");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--coalesce") == 0) {
            opt.coalesce = 1;
            continue;
        }
        if (!v)
            return -1;
        i++;
        if (strcmp(a, "--listen") == 0 && parse_listen(v) == 0)
            continue;
        if (strcmp(a, "--cert") == 0)
            opt.cert = v;
        else if (strcmp(a, "--key") == 0)
            opt.key = v;
        else if (strcmp(a, "--queue") == 0 && atoi(v) >= 1 && atoi(v) <= 4096)
            opt.queue_depth = (uint32_t)atoi(v);
        else
            return -1;
    }
    return opt.cert && opt.key ? 0 : -1;
}

static void print_stats(void)
{
    fprintf(stderr,
            "bench-bare-relay: connections=%llu frames_in=%llu frames_out=%llu writes=%llu "
            "drops_queue=%llu drops_unjoined=%llu drops_fragment=%llu refused=%llu\n",
            (unsigned long long)st.conns, (unsigned long long)st.frames_in,
            (unsigned long long)st.frames_out, (unsigned long long)st.writes,
            (unsigned long long)st.drops_queue, (unsigned long long)st.drops_unjoined,
            (unsigned long long)st.drops_fragment, (unsigned long long)st.conns_refused);
}

int main(int argc, char **argv)
{
    if (parse_args(argc, argv) != 0) {
        fputs(usage, stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
    loop = ev_loop_new(EVFLAG_AUTO);
    if (!loop)
        return 1;
    ev_signal sigs[2];
    ev_signal_init(&sigs[0], on_signal, SIGTERM);
    ev_signal_init(&sigs[1], on_signal, SIGINT);
    ev_signal_start(loop, &sigs[0]);
    ev_signal_start(loop, &sigs[1]);
    struct lws_context *ctx = create_context();
    if (!ctx) {
        fprintf(stderr, "bench-bare-relay: cannot listen on %s:%d with that certificate\n",
                opt.host, opt.port);
        return 1;
    }
    printf("listening on %s:%d\n", opt.host,
           lws_get_vhost_listen_port(lws_get_vhost_by_name(ctx, "tolk")));
    fflush(stdout);
    ev_run(loop, 0);
    ev_signal_stop(loop, &sigs[0]);
    ev_signal_stop(loop, &sigs[1]);
    lws_context_destroy(ctx);
    ev_run(loop, 0);
    ev_loop_destroy(loop);
    print_stats();
    return 0;
}
