/*
 * One load-generator connection: non-blocking TCP connect, TLS handshake, HTTP upgrade to a
 * tolk.v1 WebSocket, then framing both ways and, in tolkd mode, the hello/join exchange.
 *
 * Output goes through one buffer per connection: bytes are appended and handed to SSL_write
 * at once; what the socket does not take stays queued and EPOLLOUT is armed (OpenSSL runs with
 * partial writes and moving write buffers, so a retry may pass a longer buffer). A receiver's
 * bytes are parsed as soon as they are read, with the receive time taken right after the read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "load.h"
#include "sframe.h"

#define OUT_BACKLOG_MAX (32 * 1024) /* more than this unsent: the socket is backed up */
#define IN_MAX          (1024 * 1024)
#define ERRORS_SHOWN    5

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static bool in_window(const struct load *l, uint64_t t)
{
    return l->window_start_ns != 0 && t >= l->window_start_ns && t < l->window_end_ns;
}

unsigned session_live(const struct session *s)
{
    unsigned n = 0;
    for (unsigned i = 0; i < ROOM_SIZE; i++)
        n += s->c[i]->state == CS_OPEN && s->c[i]->joined;
    return n;
}

static void arm(struct load *l, struct conn *c, bool out)
{
    if (c->want_out == out)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0u), .data.ptr = c};
    epoll_ctl(l->epfd, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = out;
}

static void conn_fail(struct load *l, struct conn *c, const char *why)
{
    if (c->state == CS_DEAD)
        return;
    l->n.conn_failures++;
    if (l->n.conn_failures <= ERRORS_SHOWN)
        fprintf(stderr, "tolk-load: session %u connection %u: %s\n", c->sess->id, c->slot, why);
    if (c->state != CS_OPEN || !c->joined)
        l->inflight--;
    conn_close(l, c);
}

void conn_close(struct load *l, struct conn *c)
{
    if (c->state == CS_DEAD || c->state == CS_IDLE)
        return;
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    SSL_free(c->ssl);
    c->ssl = NULL;
    close(c->fd);
    c->fd = -1;
    c->state = CS_DEAD;
    free(c->out);
    free(c->in);
    c->out = c->in = NULL;
    c->out_len = c->out_cap = c->in_len = c->in_cap = 0;
}

static int reserve(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    uint8_t *p = realloc(*buf, n);
    if (!p)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}

/* Hands queued bytes to TLS until the socket pushes back. */
static void flush_out(struct load *l, struct conn *c)
{
    while (c->out_len > 0) {
        int n = SSL_write(c->ssl, c->out, (int)c->out_len);
        if (n > 0) {
            memmove(c->out, c->out + n, c->out_len - (size_t)n);
            c->out_len -= (size_t)n;
            continue;
        }
        int err = SSL_get_error(c->ssl, n);
        if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
            arm(l, c, err == SSL_ERROR_WANT_WRITE);
            return;
        }
        conn_fail(l, c, "TLS write failed");
        return;
    }
    arm(l, c, false);
}

/* Appends a masked client frame header for LEN payload bytes; returns the mask position. */
static uint8_t *put_frame_header(struct load *l, struct conn *c, unsigned opcode, size_t len)
{
    uint8_t *p = c->out + c->out_len;
    *p++ = (uint8_t)(0x80 | opcode);
    if (len < 126) {
        *p++ = (uint8_t)(0x80 | len);
    } else {
        *p++ = 0x80 | 126;
        *p++ = (uint8_t)(len >> 8);
        *p++ = (uint8_t)len;
    }
    uint64_t r = rng_next(&l->rng);
    memcpy(p, &r, 4);
    c->out_len = (size_t)(p + 4 - c->out);
    return p;
}

static void mask_payload(uint8_t *payload, size_t len, const uint8_t *mask)
{
    for (size_t i = 0; i < len; i++)
        payload[i] ^= mask[i & 3];
}

static void ws_send(struct load *l, struct conn *c, unsigned opcode, const void *data, size_t len)
{
    if (len > 65535 || reserve(&c->out, &c->out_cap, c->out_len + len + 8) != 0) {
        conn_fail(l, c, "message too large");
        return;
    }
    uint8_t *mask = put_frame_header(l, c, opcode, len);
    uint8_t *payload = c->out + c->out_len;
    memcpy(payload, data, len);
    mask_payload(payload, len, mask);
    c->out_len += len;
    flush_out(l, c);
}

void conn_send_ping(struct load *l, struct conn *c)
{
    l->n.pings_sent++;
    ws_send(l, c, 0x9, "tolk-load", 9);
}

/*
 * One media frame: SFrame header (KID from our epoch and index, CTR counting up), then the
 * payload: send time and sequence (16 bytes) and random bytes standing in for ciphertext+tag.
 */
void conn_send_media(struct load *l, struct conn *c)
{
    if (c->out_len > OUT_BACKLOG_MAX) {
        l->n.blocked++;
        return;
    }
    uint8_t hdr[TOLK_SFRAME_HEADER_MAX];
    struct tolk_sframe_header h = {.kid = tolk_sframe_kid(c->epoch, c->index), .ctr = c->ctr++};
    size_t hlen = tolk_sframe_header_encode(&h, hdr);
    size_t len = hlen + l->payload;
    if (reserve(&c->out, &c->out_cap, c->out_len + len + 8) != 0) {
        conn_fail(l, c, "out of memory");
        return;
    }
    uint8_t *mask = put_frame_header(l, c, 0x2, len);
    uint8_t *p = c->out + c->out_len;
    memcpy(p, hdr, hlen);
    size_t rnd = l->payload - STAMP_BYTES;
    size_t off = (size_t)(c->seq * 61) % (sizeof l->random_block - rnd);
    memcpy(p + hlen + STAMP_BYTES, l->random_block + off, rnd);
    uint64_t t = now_ns();
    put_be64(p + hlen, t);
    put_be64(p + hlen + 8, c->seq++);
    mask_payload(p, len, mask);
    c->out_len += len;
    if (in_window(l, t)) {
        l->n.sent_window++;
        l->n.expected_window += session_live(c->sess) - 1;
    }
    flush_out(l, c);
}

static void on_media(struct load *l, struct conn *c, const uint8_t *d, size_t len, uint64_t t)
{
    struct tolk_sframe_header h;
    size_t hlen = tolk_sframe_header_decode(d, len, &h);
    if (hlen == 0 || len < hlen + STAMP_BYTES)
        return;
    unsigned sender = tolk_sframe_kid_sender(h.kid);
    uint64_t sent = get_be64(d + hlen), seq = get_be64(d + hlen + 8);
    bool counted = in_window(l, sent);
    if (counted) {
        l->n.recv_window++;
        hist_add(l->latency, t > sent ? t - sent : 0);
    }
    if (c->seen[sender] && seq <= c->last_seq[sender])
        return; /* duplicate or reordered: not a gap */
    if (counted && c->seen[sender] && seq > c->last_seq[sender] + 1)
        l->n.lost_gaps += seq - c->last_seq[sender] - 1;
    c->seen[sender] = true;
    c->last_seq[sender] = seq;
}

static void mark_joined(struct load *l, struct conn *c)
{
    c->joined = true;
    c->ctr = 0;
    c->sess->joined++;
    l->inflight--;
}

static void send_join(struct load *l, struct conn *c)
{
    uint8_t id[32];
    unsigned char b64[48];
    RAND_bytes(id, sizeof id);
    EVP_EncodeBlock(b64, id, sizeof id);
    json_t *m = json_pack("{s:s, s:s, s:s}", "type", "join", "token", c->sess->tokens[c->slot],
                          "identity", (const char *)b64);
    char *text = m ? json_dumps(m, JSON_COMPACT) : NULL;
    json_decref(m);
    if (!text) {
        conn_fail(l, c, "cannot encode join");
        return;
    }
    ws_send(l, c, 0x1, text, strlen(text));
    free(text);
}

static void on_server_error(struct load *l, struct conn *c, json_t *m)
{
    l->n.server_errors++;
    if (l->n.server_errors <= ERRORS_SHOWN)
        fprintf(stderr, "tolk-load: session %u connection %u: server error %lld %s\n", c->sess->id,
                c->slot, json_integer_value(json_object_get(m, "code")),
                json_string_value(json_object_get(m, "name"))
                    ? json_string_value(json_object_get(m, "name"))
                    : "?");
}

static void set_epoch(struct conn *c, json_t *m)
{
    json_t *e = json_object_get(m, "epoch");
    if (!json_is_integer(e))
        return;
    uint64_t epoch = (uint64_t)json_integer_value(e);
    if (epoch != c->epoch) {
        c->epoch = epoch;
        c->ctr = 0; /* CTR starts at 0 for every KID */
    }
}

/*
 * The waiting room (docs/INTERPRETING.md): a client joins waiting and the clinician admits it.
 * Slot 0 is the client, slot 1 the clinician (load_tokens). The clinician admits a client it
 * sees in joined's list or in participant_joined; the client counts as joined (may send, is
 * expected to be heard) once a state message shows it admitted.
 */
#define SLOT_CLIENT    0u
#define SLOT_CLINICIAN 1u

static bool is_client(json_t *p)
{
    const char *role = json_string_value(json_object_get(p, "role"));
    return role && strcmp(role, "client") == 0;
}

static void send_admit(struct load *l, struct conn *c, json_t *p)
{
    char text[64];
    int n = snprintf(text, sizeof text, "{\"type\":\"admit\",\"index\":%lld}",
                     (long long)json_integer_value(json_object_get(p, "index")));
    ws_send(l, c, 0x1, text, (size_t)n);
}

static void admit_clients(struct load *l, struct conn *c, json_t *m)
{
    if (c->slot != SLOT_CLINICIAN)
        return;
    json_t *list = json_object_get(m, "participants"), *p;
    size_t i;
    if (!json_is_array(list)) {
        if (is_client(m))
            send_admit(l, c, m);
        return;
    }
    json_array_foreach(list, i, p)
    {
        if (is_client(p))
            send_admit(l, c, p);
    }
}

static void on_state(struct load *l, struct conn *c, json_t *m)
{
    set_epoch(c, m);
    if (c->joined)
        return;
    json_t *list = json_object_get(m, "participants"), *p;
    size_t i;
    json_array_foreach(list, i, p)
    {
        const char *presence = json_string_value(json_object_get(p, "presence"));
        if ((unsigned)json_integer_value(json_object_get(p, "index")) == c->index && presence &&
            strcmp(presence, "admitted") == 0)
            mark_joined(l, c);
    }
}

/* tolk.v1 control messages: hello reply, joined, membership changes, state, errors. */
static void on_text(struct load *l, struct conn *c, const uint8_t *d, size_t len)
{
    if (l->mode != MODE_TOLKD)
        return;
    json_t *m = json_loadb((const char *)d, len, 0, NULL);
    const char *type = json_string_value(json_object_get(m, "type"));
    if (!type) {
        json_decref(m);
        return;
    }
    if (strcmp(type, "hello") == 0) {
        send_join(l, c);
    } else if (strcmp(type, "joined") == 0 && !c->joined) {
        c->index = (unsigned)json_integer_value(json_object_get(m, "index"));
        set_epoch(c, m);
        admit_clients(l, c, m);
        if (c->slot != SLOT_CLIENT)
            mark_joined(l, c);
    } else if (strcmp(type, "state") == 0) {
        on_state(l, c, m);
    } else if (strcmp(type, "participant_joined") == 0 || strcmp(type, "participant_left") == 0) {
        set_epoch(c, m);
        if (strcmp(type, "participant_joined") == 0)
            admit_clients(l, c, m);
    } else if (strcmp(type, "error") == 0) {
        on_server_error(l, c, m);
    }
    json_decref(m);
}

static void on_open(struct load *l, struct conn *c)
{
    c->state = CS_OPEN;
    c->next_ping_ns = now_ns() + 15 * 1000000000ull;
    if (l->mode == MODE_TOLKD) {
        static const char hello[] = "{\"type\":\"hello\",\"versions\":[1],"
                                    "\"software\":\"tolk-load/" TOLK_VERSION "\"}";
        ws_send(l, c, 0x1, hello, sizeof hello - 1);
        return;
    }
    char room[32];
    int n = snprintf(room, sizeof room, "s%u", c->sess->id);
    c->index = c->slot;
    c->epoch = 0;
    ws_send(l, c, 0x1, room, (size_t)n);
    if (c->state == CS_OPEN)
        mark_joined(l, c);
}

static void on_frame(struct load *l, struct conn *c, unsigned op, uint8_t *d, size_t len,
                     uint64_t t)
{
    switch (op) {
    case 0x2:
        on_media(l, c, d, len, t);
        break;
    case 0x1:
        on_text(l, c, d, len);
        break;
    case 0x8:
        conn_fail(l, c, "closed by the server");
        break;
    case 0x9:
        l->n.pongs_sent++;
        ws_send(l, c, 0xA, d, len);
        break;
    default:
        break; /* pong, or a continuation we never provoke */
    }
}

/* Parses the complete WebSocket frames in c->in; returns the bytes consumed, or -1. */
static long parse_frames(struct load *l, struct conn *c, uint64_t t)
{
    size_t pos = 0;
    while (c->state == CS_OPEN && c->in_len - pos >= 2) {
        uint8_t *p = c->in + pos;
        unsigned op = p[0] & 0x0f;
        bool masked = p[1] & 0x80;
        uint64_t len = p[1] & 0x7f;
        size_t hdr = 2;
        if (len == 126) {
            if (c->in_len - pos < 4)
                break;
            len = (uint64_t)p[2] << 8 | p[3];
            hdr = 4;
        } else if (len == 127) {
            if (c->in_len - pos < 10)
                break;
            len = get_be64(p + 2);
            hdr = 10;
        }
        if (masked || len > IN_MAX)
            return -1;
        if (c->in_len - pos < hdr + len)
            break;
        on_frame(l, c, op, p + hdr, (size_t)len, t);
        pos += hdr + (size_t)len;
    }
    return (long)pos;
}

static const char *find_crlfcrlf(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i++)
        if (memcmp(p + i, "\r\n\r\n", 4) == 0)
            return (const char *)p + i;
    return NULL;
}

/* Checks the 101 response and its Sec-WebSocket-Accept; returns the header length or 0. */
static size_t parse_upgrade(struct conn *c)
{
    const char *end = find_crlfcrlf(c->in, c->in_len);
    if (!end)
        return 0;
    size_t n = (size_t)(end - (const char *)c->in) + 4;
    char head[2048];
    if (n >= sizeof head || strncmp((const char *)c->in, "HTTP/1.1 101", 12) != 0)
        return SIZE_MAX;
    memcpy(head, c->in, n);
    head[n] = '\0';
    for (char *line = strstr(head, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        static const char name[] = "\r\nSec-WebSocket-Accept:";
        if (strncasecmp(line, name, sizeof name - 1) != 0)
            continue;
        const char *v = line + sizeof name - 1;
        while (*v == ' ')
            v++;
        return strncmp(v, c->accept, strlen(c->accept)) == 0 ? n : SIZE_MAX;
    }
    return SIZE_MAX;
}

static void consume_in(struct conn *c, size_t n)
{
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
}

static void on_bytes(struct load *l, struct conn *c, uint64_t t)
{
    if (c->state == CS_UPGRADE) {
        size_t n = parse_upgrade(c);
        if (n == 0)
            return;
        if (n == SIZE_MAX) {
            conn_fail(l, c, "WebSocket upgrade refused");
            return;
        }
        consume_in(c, n);
        on_open(l, c);
    }
    long used = parse_frames(l, c, t);
    if (used < 0)
        conn_fail(l, c, "bad WebSocket frame from the server");
    else if (c->state == CS_OPEN)
        consume_in(c, (size_t)used);
}

static void read_all(struct load *l, struct conn *c)
{
    while (c->state == CS_UPGRADE || c->state == CS_OPEN) {
        if (reserve(&c->in, &c->in_cap, c->in_len + 16384) != 0 || c->in_cap > 2 * IN_MAX) {
            conn_fail(l, c, "receive buffer overflow");
            return;
        }
        int n = SSL_read(c->ssl, c->in + c->in_len, (int)(c->in_cap - c->in_len));
        if (n > 0) {
            c->in_len += (size_t)n;
            on_bytes(l, c, now_ns());
            if (c->ssl && !SSL_has_pending(c->ssl))
                return; /* level-triggered epoll reports what the kernel still holds */
            continue;
        }
        int err = SSL_get_error(c->ssl, n);
        if (err == SSL_ERROR_WANT_READ)
            return;
        if (err == SSL_ERROR_WANT_WRITE) {
            arm(l, c, true);
            return;
        }
        conn_fail(l, c, err == SSL_ERROR_ZERO_RETURN ? "closed by the server" : "TLS read failed");
        return;
    }
}

static void send_upgrade(struct load *l, struct conn *c)
{
    uint8_t key_raw[16];
    unsigned char key[32], digest[SHA_DIGEST_LENGTH];
    char buf[512];
    RAND_bytes(key_raw, sizeof key_raw);
    EVP_EncodeBlock(key, key_raw, sizeof key_raw);
    int n = snprintf(buf, sizeof buf, "%s%s", (const char *)key, ws_guid);
    SHA1((const unsigned char *)buf, (size_t)n, digest);
    EVP_EncodeBlock((unsigned char *)c->accept, digest, sizeof digest);
    n = snprintf(buf, sizeof buf,
                 "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                 "Sec-WebSocket-Protocol: tolk.v1\r\n\r\n",
                 l->path, l->host, l->port, (const char *)key);
    if (reserve(&c->out, &c->out_cap, (size_t)n) != 0) {
        conn_fail(l, c, "out of memory");
        return;
    }
    memcpy(c->out, buf, (size_t)n);
    c->out_len = (size_t)n;
    c->state = CS_UPGRADE;
    flush_out(l, c);
}

static void handshake(struct load *l, struct conn *c)
{
    int n = SSL_do_handshake(c->ssl);
    if (n == 1) {
        send_upgrade(l, c);
        return;
    }
    int err = SSL_get_error(c->ssl, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        arm(l, c, err == SSL_ERROR_WANT_WRITE);
        return;
    }
    char msg[300] = "TLS handshake failed: ";
    unsigned long e = ERR_peek_last_error();
    if (e)
        ERR_error_string_n(e, msg + strlen(msg), sizeof msg - strlen(msg));
    else
        strcat(msg, "connection closed");
    ERR_clear_error();
    conn_fail(l, c, msg);
}

static void tcp_connected(struct load *l, struct conn *c)
{
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
        conn_fail(l, c, strerror(soerr ? soerr : errno));
        return;
    }
    c->ssl = SSL_new(l->ssl_ctx);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1 ||
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), l->host) != 1) {
        conn_fail(l, c, "cannot set up TLS");
        return;
    }
    SSL_set_connect_state(c->ssl);
    c->state = CS_TLS;
    handshake(l, c);
}

int conn_start(struct load *l, struct conn *c)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)l->port)};
    if (inet_pton(AF_INET, l->host, &sa.sin_addr) != 1)
        return -1;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->state = CS_CONNECTING;
    l->inflight++;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    c->want_out = true;
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
        close(c->fd);
        c->state = CS_IDLE;
        l->inflight--;
        return -1;
    }
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS)
        conn_fail(l, c, strerror(errno));
    return 0;
}

void conn_event(struct load *l, struct conn *c, uint32_t events)
{
    switch (c->state) {
    case CS_CONNECTING:
        tcp_connected(l, c);
        return;
    case CS_TLS:
        handshake(l, c);
        return;
    case CS_UPGRADE:
    case CS_OPEN:
        if (c->out_len > 0 || (events & (EPOLLERR | EPOLLHUP)))
            flush_out(l, c);
        if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
            read_all(l, c);
        return;
    default:
        return;
    }
}
