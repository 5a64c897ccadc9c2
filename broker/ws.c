/*
 * The tolk.v1 WebSocket protocol on /ws.
 *
 * The callback stays thin, in the pattern of lws' minimal-ws-server-ring: RECEIVE reassembles
 * one message (explicit lengths, the size limit applied before anything else) and hands it to
 * a handler; handlers queue replies; data is written only in WRITEABLE, one message per
 * callback, from the connection's bounded send queue.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proto.h"
#include "relay.h"
#include "transport.h"

#define KEEPALIVE_S      20     /* below the 30 s after which proxies drop idle connections */
#define MEDIA_MAX_AGE_US 400000 /* audio older than this is useless to a live conversation */

struct ws_conn {
    struct lws *wsi;
    struct ws_conn *prev, *next;
    struct tolk_sendq q;
    uint8_t *rx; /* reassembly buffer, grown on demand up to max_message_bytes */
    size_t rx_len, rx_cap;
    bool rx_active; /* a message is being reassembled */
    bool rx_binary;
    bool rx_discard; /* the current message went over the limit: drop the rest */
    bool hello_done;
    bool closing; /* close with the reason below at the next WRITEABLE */
    enum lws_close_status close_status;
    const char *close_reason;
    uint32_t version;
    struct tolkd_peer peer; /* the relay's view of this connection */
};

size_t tolkd_ws_pss_size(void)
{
    return sizeof(struct ws_conn);
}

static void request_close(struct ws_conn *c, enum lws_close_status status, const char *reason)
{
    if (c->closing)
        return;
    c->closing = true;
    c->close_status = status;
    c->close_reason = reason;
    lws_callback_on_writable(c->wsi);
}

void tolkd_ws_close_all(struct tolkd *d)
{
    for (struct ws_conn *c = d->conns; c; c = c->next)
        request_close(c, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
}

/* Queues one text message. A peer whose queue is full of control messages has stopped
 * reading; it is closed rather than buffered without bound. */
static void send_text(struct tolkd *d, struct ws_conn *c, const char *text, size_t len)
{
    struct tolk_buf *b = tolk_buf_new(LWS_PRE, text, len, false);
    if (!b) {
        request_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
        return;
    }
    int dropped = tolk_sendq_push(&c->q, b);
    tolk_buf_unref(b);
    if (dropped < 0) {
        request_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "not reading");
        return;
    }
    d->metrics.drops_queue_full += (uint64_t)dropped;
    lws_callback_on_writable(c->wsi);
}

static void send_error(struct tolkd *d, struct ws_conn *c, enum tolk_proto_error code,
                       const char *detail)
{
    char buf[512];
    size_t n = tolk_proto_encode_error(buf, sizeof buf, code, detail);
    d->metrics.protocol_errors++;
    TLOG_DEBUG("protocol_error", "code=%d name=%s", (int)code, tolk_proto_error_name(code));
    if (n > 0)
        send_text(d, c, buf, n);
}

static void on_hello(struct tolkd *d, struct ws_conn *c, const struct tolk_msg_hello *h)
{
    if (c->hello_done) {
        send_error(d, c, TOLK_PERR_DUPLICATE_HELLO, "hello was already answered");
        return;
    }
    uint32_t v = tolk_proto_negotiate(h);
    if (v == 0) {
        send_error(d, c, TOLK_PERR_UNSUPPORTED_VERSION, "no protocol version in common");
        return;
    }
    char buf[256];
    size_t n =
        tolk_proto_encode_hello_reply(buf, sizeof buf, v, "tolkd/" TOLK_VERSION, KEEPALIVE_S);
    c->hello_done = true;
    c->version = v;
    send_text(d, c, buf, n);
}

static void on_text(struct tolkd *d, struct ws_conn *c, const char *text, size_t len)
{
    struct tolk_msg msg;
    struct tolk_proto_fault fault;
    if (tolk_proto_decode(text, len, &msg, &fault) != 0) {
        send_error(d, c, fault.code, fault.detail);
        return;
    }
    if (!c->hello_done && msg.type != TOLK_MSG_HELLO) {
        send_error(d, c, TOLK_PERR_HELLO_REQUIRED, "send hello first");
        return;
    }
    if (msg.type == TOLK_MSG_HELLO)
        on_hello(d, c, &msg.u.hello);
    else
        tolkd_relay_message(&d->relay, &c->peer, &msg);
}

static void on_message(struct tolkd *d, struct ws_conn *c, const uint8_t *data, size_t len,
                       bool binary)
{
    d->metrics.messages_in++;
    d->metrics.bytes_in += len;
    if (binary)
        tolkd_relay_media(&d->relay, &c->peer, data, len);
    else
        on_text(d, c, (const char *)data, len);
}

/* Feeds one RECEIVE chunk. A message that arrives whole (the usual case) is handled straight
 * from lws' buffer; only fragmented or chunked messages are copied. */
static int on_receive(struct tolkd *d, struct ws_conn *c, const uint8_t *in, size_t len)
{
    bool last = lws_is_final_fragment(c->wsi) && lws_remaining_packet_payload(c->wsi) == 0;
    if (!c->rx_active) {
        c->rx_active = true;
        c->rx_binary = lws_frame_is_binary(c->wsi) != 0;
        c->rx_discard = false;
        c->rx_len = 0;
        if (last) {
            c->rx_active = false;
            if (len > d->cfg.max_message_bytes)
                goto oversize;
            on_message(d, c, in, len, c->rx_binary);
            return 0;
        }
    }
    if (!c->rx_discard && c->rx_len + len > d->cfg.max_message_bytes)
        goto oversize;
    if (!c->rx_discard && len > 0) { /* an empty fragment may come with IN == NULL */
        if (c->rx_len + len > c->rx_cap) {
            size_t cap = c->rx_len + len < 4096 ? 4096 : c->rx_len + len;
            uint8_t *grown = realloc(c->rx, cap);
            if (!grown)
                return -1;
            c->rx = grown;
            c->rx_cap = cap;
        }
        memcpy(c->rx + c->rx_len, in, len);
        c->rx_len += len;
    }
    if (last) {
        c->rx_active = false;
        if (!c->rx_discard)
            on_message(d, c, c->rx, c->rx_len, c->rx_binary);
    }
    return 0;
oversize:
    d->metrics.drops_oversize++;
    c->rx_discard = !last;
    c->rx_active = !last;
    if (!c->rx_binary)
        send_error(d, c, TOLK_PERR_TOO_LARGE, "message over the size limit");
    return 0;
}

/*
 * Writes what is queued for C. Every queued message already sits whole in its buffer, so the
 * WebSocket frames (server frames: a 2- or 4-byte header, no mask) are laid out here one after
 * another and handed to lws in one raw write: one TLS record and one system call for all the
 * audio that built up since the last write, instead of one each (PERFORMANCE.md: system calls
 * dominate). A message too large for the batch goes out alone through lws_write().
 */
#define BATCH_BYTES 16384
static uint8_t batch[LWS_PRE + BATCH_BYTES]; /* the service thread's; used within one call */

static size_t frame_header(uint8_t *out, const struct tolk_buf *b)
{
    out[0] = (uint8_t)(0x80 | (b->binary ? 0x2 : 0x1)); /* FIN, binary or text */
    if (b->len < 126) {
        out[1] = (uint8_t)b->len;
        return 2;
    }
    out[1] = 126; /* messages are at most max_message_bytes (1 MiB), written alone past 64 KiB */
    out[2] = (uint8_t)(b->len >> 8);
    out[3] = (uint8_t)b->len;
    return 4;
}

/* The next message worth sending, dropping audio that has waited too long to be useful. */
static struct tolk_buf *next_fresh(struct tolkd *d, struct ws_conn *c, uint64_t now)
{
    struct tolk_buf *b = tolk_sendq_peek(&c->q);
    while (b && b->binary && now - b->stamp_us > MEDIA_MAX_AGE_US) {
        d->metrics.drops_too_old++;
        tolk_sendq_pop(&c->q);
        b = tolk_sendq_peek(&c->q);
    }
    return b;
}

static int write_alone(struct tolkd *d, struct ws_conn *c, struct tolk_buf *b)
{
    int n = lws_write(c->wsi, b->data, b->len, b->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
    if (n < 0 || (uint32_t)n < b->len)
        return -1;
    d->metrics.messages_out++;
    d->metrics.bytes_out += b->len;
    tolk_sendq_pop(&c->q);
    return 0;
}

static int write_batch(struct tolkd *d, struct ws_conn *c, uint64_t now)
{
    uint8_t *out = batch + LWS_PRE;
    size_t used = 0;
    struct tolk_buf *b;
    while ((b = next_fresh(d, c, now)) && used + 4 + b->len <= BATCH_BYTES) {
        used += frame_header(out + used, b);
        memcpy(out + used, b->data, b->len);
        used += b->len;
        d->metrics.messages_out++;
        d->metrics.bytes_out += b->len;
        tolk_sendq_pop(&c->q);
    }
    if (used == 0)
        return b ? write_alone(d, c, b) : 0;
    int n = lws_write(c->wsi, out, used, LWS_WRITE_RAW);
    return n < 0 || (size_t)n < used ? -1 : 0;
}

static int on_writeable(struct tolkd *d, struct ws_conn *c)
{
    if (c->closing) {
        lws_close_reason(c->wsi, c->close_status, (unsigned char *)c->close_reason,
                         strlen(c->close_reason));
        return -1;
    }
    if (write_batch(d, c, tolkd_now_us()) != 0)
        return -1;
    if (tolk_sendq_peek(&c->q))
        lws_callback_on_writable(c->wsi);
    return 0;
}

static int on_established(struct tolkd *d, struct ws_conn *c, struct lws *wsi)
{
    memset(c, 0, sizeof *c);
    c->wsi = wsi;
    c->peer.conn = c;
    char peer[64] = "";
    lws_get_peer_simple(wsi, peer, sizeof peer);
    c->peer.addr = tolkd_joinguard_addr(&d->relay.joinguard, peer);
    if (tolk_sendq_init(&c->q, d->cfg.send_queue_depth) != 0)
        return -1;
    c->next = d->conns;
    if (d->conns)
        d->conns->prev = c;
    d->conns = c;
    d->metrics.ws_open++;
    if (d->stopping)
        request_close(c, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
    return 0;
}

static void on_closed(struct tolkd *d, struct ws_conn *c)
{
    if (!c->wsi)
        return; /* never established */
    if (c->prev)
        c->prev->next = c->next;
    else
        d->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    tolkd_relay_closed(&d->relay, &c->peer);
    tolk_sendq_destroy(&c->q);
    free(c->rx);
    c->rx = NULL;
    c->wsi = NULL;
    d->metrics.ws_open--;
    tolkd_shutdown_step(d);
}

/* Only /ws may be upgraded, and only with our subprotocol (lws matched the name already). */
static int filter_upgrade(struct lws *wsi)
{
    char uri[64];
    int n = lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI);
    return (n == 3 && memcmp(uri, "/ws", 3) == 0) ? 0 : 1;
}

int tolkd_ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len)
{
    struct ws_conn *c = user;
    struct tolkd *d = tolkd_of(wsi);
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return filter_upgrade(wsi);
    case LWS_CALLBACK_ESTABLISHED:
        return on_established(d, c, wsi);
    case LWS_CALLBACK_RECEIVE:
        return on_receive(d, c, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return on_writeable(d, c);
    case LWS_CALLBACK_CLOSED:
        on_closed(d, c);
        return 0;
    default:
        return 0;
    }
}

/* The transport side of relay.h. */

void tolkd_conn_send_text(void *conn, const char *text, size_t len)
{
    struct ws_conn *c = conn;
    send_text(tolkd_of(c->wsi), c, text, len);
}

void tolkd_conn_send_error(void *conn, enum tolk_proto_error code, const char *detail)
{
    struct ws_conn *c = conn;
    send_error(tolkd_of(c->wsi), c, code, detail);
}

struct tolk_buf *tolkd_conn_buf_new(const void *data, size_t len, bool binary)
{
    struct tolk_buf *b = tolk_buf_new(LWS_PRE, data, len, binary);
    if (b)
        b->stamp_us = tolkd_now_us();
    return b;
}

int tolkd_conn_queue(void *conn, struct tolk_buf *b)
{
    struct ws_conn *c = conn;
    int dropped = tolk_sendq_push(&c->q, b);
    if (dropped < 0) {
        request_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "not reading");
        return 0;
    }
    lws_callback_on_writable(c->wsi);
    return dropped;
}

void tolkd_conn_close(void *conn, int status, const char *reason)
{
    request_close(conn, (enum lws_close_status)status, reason);
}

struct tolkd_peer *tolkd_conn_peer(void *conn)
{
    return &((struct ws_conn *)conn)->peer;
}
