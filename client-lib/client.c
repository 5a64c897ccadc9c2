/*
 * libtolk's client: the public calls, the libwebsockets connection and reconnection.
 *
 * The client owns one lws context with no listener. tolk_client_iterate() services it; the
 * protocol callback below stays thin (reassemble, hand to client_session.c, write one queued
 * message per WRITEABLE). A dropped connection is retried with exponential back-off (0.5 s
 * doubling to 30 s, with jitter) and rejoins with the same token and the resume secret, so the
 * participant keeps its index and the broker lets it take over even before it noticed the drop.
 */
#include <libwebsockets.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client_internal.h"

#define BACKOFF_FIRST_MS    500
#define BACKOFF_MAX_MS      30000
#define PING_EVERY_S        15
#define FIRST_JOIN_ATTEMPTS 3    /* before the first join; after it, retry until told to stop */
#define CLOSE_REMOVED       4001 /* the broker's close status when a clinician removed us */

static const lws_retry_bo_t client_idle = {
    .secs_since_valid_ping = PING_EVERY_S, /* below the broker's 20 s and proxies' 30 s */
    .secs_since_valid_hangup = 45,
};

uint64_t tolk_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void client_emit(struct tolk_client *c, const struct tolk_event *ev)
{
    if (c->opts.on_event)
        c->opts.on_event(c, ev, c->opts.user);
}

void client_emit_simple(struct tolk_client *c, enum tolk_event_type type, int error)
{
    struct tolk_event ev = {.type = type, .index = -1, .epoch = c->epoch, .error = error};
    client_emit(c, &ev);
}

int client_queue(struct tolk_client *c, const void *data, size_t len, bool binary)
{
    if (c->out_count == OUTQ_CAP) {
        struct out_msg *old = &c->outq[c->out_head];
        if (!old->binary)
            return TOLK_ENOMEM; /* the broker stopped reading our control messages */
        free(old->mem);
        c->out_head = (c->out_head + 1) % OUTQ_CAP;
        c->out_count--;
    }
    uint8_t *mem = malloc(LWS_PRE + len);
    if (!mem)
        return TOLK_ENOMEM;
    struct out_msg *m = &c->outq[(c->out_head + c->out_count) % OUTQ_CAP];
    m->mem = mem;
    m->data = mem + LWS_PRE;
    m->len = len;
    m->binary = binary;
    memcpy(m->data, data, len);
    c->out_count++;
    if (c->wsi)
        lws_callback_on_writable(c->wsi);
    return 0;
}

static void drop_queue(struct tolk_client *c)
{
    while (c->out_count > 0) {
        free(c->outq[c->out_head].mem);
        c->out_head = (c->out_head + 1) % OUTQ_CAP;
        c->out_count--;
    }
    c->rx_len = 0;
}

static int write_one(struct tolk_client *c)
{
    if (c->out_count == 0)
        return 0;
    struct out_msg *m = &c->outq[c->out_head];
    int n = lws_write(c->wsi, m->data, m->len, m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
    if (n < 0 || (size_t)n < m->len)
        return -1;
    free(m->mem);
    c->out_head = (c->out_head + 1) % OUTQ_CAP;
    c->out_count--;
    if (c->out_count > 0)
        lws_callback_on_writable(c->wsi);
    return 0;
}

/* Reassembles one message from RECEIVE chunks and hands it on. */
static int on_receive(struct tolk_client *c, const uint8_t *in, size_t len)
{
    bool last = lws_is_final_fragment(c->wsi) && lws_remaining_packet_payload(c->wsi) == 0;
    bool binary = lws_frame_is_binary(c->wsi) != 0;
    if (c->rx_len == 0 && last) {
        if (binary)
            session_on_media(c, in, len);
        else
            session_on_text(c, (const char *)in, len);
        return 0;
    }
    if (c->rx_len + len > 1u << 20)
        return -1;
    if (c->rx_len + len > c->rx_cap) {
        uint8_t *grown = realloc(c->rx, c->rx_len + len);
        if (!grown)
            return -1;
        c->rx = grown;
        c->rx_cap = c->rx_len + len;
    }
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
    if (last) {
        size_t n = c->rx_len;
        c->rx_len = 0;
        if (binary)
            session_on_media(c, c->rx, n);
        else
            session_on_text(c, (const char *)c->rx, n);
    }
    return 0;
}

static void schedule_reconnect(struct tolk_client *c, int error);

/* lws describes a failed connection in text; a TLS failure will not go away by retrying. */
static int connect_error(const char *why)
{
    static const char *const tls_words[] = {"ssl", "SSL", "tls", "TLS", "cert"};
    for (size_t i = 0; why && i < sizeof tls_words / sizeof tls_words[0]; i++)
        if (strstr(why, tls_words[i]))
            return TOLK_ETLS;
    return TOLK_EIO;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    (void)user;
    struct tolk_client *c = lws_get_opaque_user_data(wsi);
    if (!c)
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        session_on_established(c);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return on_receive(c, in, len);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (c->wsi == wsi && len >= 2 &&
            (((const uint8_t *)in)[0] << 8 | ((const uint8_t *)in)[1]) == CLOSE_REMOVED)
            c->removed = true;
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return c->wsi == wsi ? write_one(c) : -1;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (c->wsi == wsi) {
            c->wsi = NULL;
            schedule_reconnect(c, connect_error(in));
        }
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (c->wsi == wsi) {
            c->wsi = NULL;
            schedule_reconnect(c, TOLK_ECLOSED);
        }
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {TOLK_PROTO_SUBPROTOCOL, callback, 0, 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static int connect_now(struct tolk_client *c)
{
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = c->ctx;
    ci.address = c->host;
    ci.port = c->port;
    ci.path = c->path;
    ci.host = c->host;
    ci.origin = c->host;
    ci.protocol = TOLK_PROTO_SUBPROTOCOL;
    ci.ssl_connection = LCCSCF_USE_SSL;
    ci.alpn = "http/1.1";
    ci.retry_and_idle_policy = &client_idle;
    ci.opaque_user_data = c;
    ci.pwsi = &c->wsi;
    c->state = CLIENT_CONNECTING;
    c->rx_len = 0;
    if (!lws_client_connect_via_info(&ci)) {
        c->wsi = NULL;
        return TOLK_EIO;
    }
    return 0;
}

static lws_sorted_usec_list_t *reconnect_sul(struct tolk_client *c);

/* Timers live in the context's user area, each with a pointer back to the client. */
struct client_timers {
    lws_sorted_usec_list_t reconnect;
    lws_sorted_usec_list_t wake;
    struct tolk_client *c;
};

static void reconnect_cb(lws_sorted_usec_list_t *sul)
{
    struct tolk_client *c = lws_container_of(sul, struct client_timers, reconnect)->c;
    if (c->state == CLIENT_BACKOFF && connect_now(c) != 0)
        schedule_reconnect(c, TOLK_EIO);
}

/* The connection is gone. Retry with back-off unless the client is stopping or refused. */
static void schedule_reconnect(struct tolk_client *c, int error)
{
    session_on_disconnect(c);
    drop_queue(c);
    if (c->state == CLIENT_CLOSED)
        return;
    if (c->removed) { /* rejoining would only put us back in the waiting room */
        client_stop(c, TOLK_EDENIED);
        return;
    }
    if (c->leaving || c->opts.no_reconnect || error == TOLK_ETLS ||
        (!c->ever_joined && c->stats.reconnects >= FIRST_JOIN_ATTEMPTS)) {
        client_stop(c, c->leaving ? 0 : error);
        return;
    }
    c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : BACKOFF_FIRST_MS;
    if (c->backoff_ms > BACKOFF_MAX_MS)
        c->backoff_ms = BACKOFF_MAX_MS;
    unsigned delay = c->backoff_ms / 2 + randombytes_uniform(c->backoff_ms / 2 + 1);
    c->state = CLIENT_BACKOFF;
    c->stats.reconnects++;
    struct tolk_event ev = {.type = TOLK_EVENT_RECONNECTING,
                            .index = -1,
                            .epoch = c->epoch,
                            .error = error,
                            .retry_ms = delay};
    client_emit(c, &ev);
    lws_sul_schedule(c->ctx, 0, reconnect_sul(c), reconnect_cb, (lws_usec_t)delay * 1000);
}

static struct client_timers *timers_of(struct tolk_client *c)
{
    return lws_context_user(c->ctx);
}

static lws_sorted_usec_list_t *reconnect_sul(struct tolk_client *c)
{
    return &timers_of(c)->reconnect;
}

void client_close_connection(struct tolk_client *c)
{
    if (c->wsi) {
        struct lws *w = c->wsi;
        c->wsi = NULL;
        lws_set_opaque_user_data(w, NULL);
        lws_set_timeout(w, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
    }
}

void client_stop(struct tolk_client *c, int error)
{
    if (c->state == CLIENT_CLOSED)
        return;
    c->state = CLIENT_CLOSED;
    lws_sul_cancel(&timers_of(c)->reconnect);
    client_close_connection(c);
    client_emit_simple(c, TOLK_EVENT_CLOSED, error);
}

static int parse_url(struct tolk_client *c)
{
    char copy[512];
    const char *proto, *addr, *path;
    int port;
    if (strlen(c->url) >= sizeof copy || strncmp(c->url, "wss://", 6) != 0)
        return TOLK_EINVAL;
    memcpy(copy, c->url, strlen(c->url) + 1);
    if (lws_parse_uri(copy, &proto, &addr, &port, &path) != 0 || !addr[0])
        return TOLK_EINVAL;
    snprintf(c->host, sizeof c->host, "%s", addr);
    snprintf(c->path, sizeof c->path, "/%s", path);
    c->port = port;
    return 0;
}

static int create_context(struct tolk_client *c)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_VALIDATE_UTF8;
    info.client_ssl_ca_filepath = c->ca_file;
    info.user = calloc(1, sizeof(struct client_timers));
    if (!info.user)
        return TOLK_ENOMEM;
    ((struct client_timers *)info.user)->c = c;
    info.fd_limit_per_thread = 16;
    c->ctx = lws_create_context(&info);
    if (!c->ctx) {
        free(info.user);
        return TOLK_ETLS;
    }
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* A language tag's shape, as the broker checks it more closely: 2 to 35 letters, digits and
 * hyphens, starting with a letter. */
static bool lang_ok(const char *tag)
{
    size_t n = strlen(tag);
    if (n < 2 || n >= TOLK_PROTO_LANG_MAX || !((tag[0] | 0x20) >= 'a' && (tag[0] | 0x20) <= 'z'))
        return false;
    return strspn(tag, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

static int copy_options(struct tolk_client *c, const struct tolk_options *o)
{
    c->opts = *o;
    if (o->lang && o->lang[0]) {
        if (!lang_ok(o->lang))
            return TOLK_EINVAL;
        memcpy(c->lang, o->lang, strlen(o->lang) + 1);
    }
    c->opts.lang = NULL; /* the caller's string; c->lang is ours */
    c->url = strdup(o->url);
    c->ca_file = dup_or_null(o->ca_file);
    c->identity_file = dup_or_null(o->identity_file);
    if (!c->url || (o->ca_file && !c->ca_file) || (o->identity_file && !c->identity_file))
        return TOLK_ENOMEM;
    c->audio = tolk_audio_params_default();
    if (o->bitrate)
        c->audio.bitrate = o->bitrate;
    if (o->frame_ms)
        c->audio.frame_ms = o->frame_ms;
    if (o->low_data)
        c->audio = tolk_audio_params_low_data();
    c->audio.dtx = o->dtx != 0;
    if (o->jitter_min_ms < 0 || o->jitter_min_ms > 2000)
        return TOLK_EINVAL;
    return tolk_audio_params_check(&c->audio) == 0 ? parse_url(c) : TOLK_EINVAL;
}

static int make_identity(struct tolk_client *c)
{
    char err[256];
    if (!c->identity_file)
        return tolk_identity_new_ephemeral(&c->identity);
    return tolk_identity_load_or_create(c->identity_file, &c->identity, err, sizeof err) == 0
               ? 0
               : TOLK_EIO;
}

static int make_audio(struct tolk_client *c)
{
    if (tolk_enc_new(&c->audio, &c->enc) != 0)
        return TOLK_ENOMEM;
    c->frame_samples = tolk_enc_frame_samples(c->enc);
    size_t bytes = (size_t)c->frame_samples * sizeof(int16_t);
    c->pcm_in = malloc(bytes);
    c->mix_out = malloc(bytes);
    if (!c->pcm_in || !c->mix_out)
        return TOLK_ENOMEM;
    for (int i = 0; i < TOLK_PROTO_MAX_PARTICIPANTS; i++)
        if (!(c->mix_tmp[i] = malloc(bytes)))
            return TOLK_ENOMEM;
    return 0;
}

int tolk_client_new(const struct tolk_options *opts, tolk_client **out)
{
    if (!opts || !out || !opts->url)
        return TOLK_EINVAL;
    *out = NULL;
    if (sodium_init() < 0)
        return TOLK_ENOMEM;
    lws_set_log_level(0, NULL); /* a library does not write to the application's stderr */
    struct tolk_client *c = calloc(1, sizeof *c);
    if (!c)
        return TOLK_ENOMEM;
    c->index = -1;
    int rc = copy_options(c, opts);
    if (rc == 0)
        rc = make_identity(c);
    if (rc == 0)
        rc = tolk_e2ee_new(c->identity, &c->e2ee);
    if (rc == 0)
        rc = make_audio(c);
    if (rc == 0)
        rc = create_context(c);
    if (rc != 0) {
        tolk_client_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void tolk_client_free(tolk_client *c)
{
    if (!c)
        return;
    if (c->ctx) {
        void *timers = lws_context_user(c->ctx);
        client_close_connection(c);
        lws_context_destroy(c->ctx);
        free(timers);
    }
    drop_queue(c);
    session_reset_remotes(c);
    tolk_e2ee_free(c->e2ee);
    tolk_identity_free(c->identity);
    tolk_enc_free(c->enc);
    for (int i = 0; i < TOLK_PROTO_MAX_PARTICIPANTS; i++)
        free(c->mix_tmp[i]);
    free(c->pcm_in);
    free(c->mix_out);
    free(c->rx);
    if (c->token)
        sodium_free(c->token);
    sodium_memzero(c->resume, sizeof c->resume);
    free(c->url);
    free(c->ca_file);
    free(c->identity_file);
    free(c);
}

int tolk_client_join(tolk_client *c, const char *token)
{
    if (!c || !token)
        return TOLK_EINVAL;
    if (c->state != CLIENT_IDLE)
        return TOLK_ESTATE;
    size_t n = 0;
    c->token = sodium_malloc(TOLK_PROTO_TOKEN_BYTES);
    if (!c->token)
        return TOLK_ENOMEM;
    if (strlen(token) != TOLK_PROTO_TOKEN_CHARS ||
        sodium_base642bin(c->token, TOLK_PROTO_TOKEN_BYTES, token, strlen(token), NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n != TOLK_PROTO_TOKEN_BYTES) {
        sodium_free(c->token);
        c->token = NULL;
        return TOLK_EINVAL;
    }
    return connect_now(c);
}

/*
 * The wake-up that bounds one lws_service() call. lws runs ripe timers at the start of a
 * service call and then polls until its next timer: if this one ripened just before, the poll
 * would wait for lws' own next timer (seconds away). So it re-arms itself for a millisecond
 * later; tolk_client_iterate() cancels it when it is done.
 */
static void wake_cb(lws_sorted_usec_list_t *sul)
{
    struct tolk_client *c = lws_container_of(sul, struct client_timers, wake)->c;
    lws_sul_schedule(c->ctx, 0, sul, wake_cb, 1000);
}

int tolk_client_iterate(tolk_client *c, int timeout_ms)
{
    if (!c)
        return TOLK_EINVAL;
    uint64_t deadline = tolk_now_us() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000u;
    do {
        session_playout(c);
        uint64_t now = tolk_now_us();
        uint64_t until = deadline;
        if (c->state == CLIENT_JOINED && c->next_tick_us && c->next_tick_us < until)
            until = c->next_tick_us;
        if (timeout_ms > 0 && until > now)
            lws_sul_schedule(c->ctx, 0, &timers_of(c)->wake, wake_cb, (lws_usec_t)(until - now));
        lws_service(c->ctx, timeout_ms > 0 && until > now ? 0 : -1);
        session_playout(c);
    } while (timeout_ms > 0 && tolk_now_us() < deadline && c->state != CLIENT_CLOSED);
    lws_sul_cancel(&timers_of(c)->wake);
    return c->state == CLIENT_CLOSED ? TOLK_ECLOSED : 0;
}

void tolk_client_wake(tolk_client *c)
{
    if (c && c->ctx)
        lws_cancel_service(c->ctx);
}

int tolk_client_push_pcm(tolk_client *c, const int16_t *pcm, size_t samples)
{
    if (!c || (!pcm && samples))
        return TOLK_EINVAL;
    if (c->state != CLIENT_JOINED)
        return TOLK_ESTATE;
    while (samples > 0) {
        size_t take = (size_t)c->frame_samples - c->pcm_fill;
        if (take > samples)
            take = samples;
        memcpy(c->pcm_in + c->pcm_fill, pcm, take * sizeof *pcm);
        c->pcm_fill += take;
        pcm += take;
        samples -= take;
        if (c->pcm_fill == (size_t)c->frame_samples) {
            c->pcm_fill = 0;
            int rc = session_send_pcm_frame(c, c->pcm_in);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

size_t tolk_client_frame_samples(const tolk_client *c)
{
    return c ? (size_t)c->frame_samples : 0;
}

int tolk_client_leave(tolk_client *c)
{
    if (!c)
        return TOLK_EINVAL;
    if (c->state != CLIENT_JOINED) {
        client_stop(c, 0);
        return 0;
    }
    char text[64];
    size_t n = tolk_proto_encode_leave(text, sizeof text);
    c->leaving = true;
    return client_queue(c, text, n, false);
}

int tolk_client_index(const tolk_client *c)
{
    return c && c->state == CLIENT_JOINED ? c->index : -1;
}

size_t tolk_client_peer_count(const tolk_client *c)
{
    size_t n = 0;
    for (int i = 0; c && i < TOLK_PROTO_MAX_PARTICIPANTS; i++)
        n += c->remotes[i].present;
    return n;
}

void tolk_client_stats(const tolk_client *c, struct tolk_stats *stats)
{
    if (!c || !stats)
        return;
    *stats = c->stats;
    struct tolk_e2ee_stats e;
    if (c->e2ee) {
        tolk_e2ee_get_stats(c->e2ee, &e);
        stats->auth_failed += e.auth_failed;
        stats->replayed += e.replayed;
        stats->no_key += e.no_key;
        stats->forged_sender += e.forged_sender;
    }
}

int tolk_client_safety_code(const tolk_client *c, char *digits, size_t digits_len, char *words,
                            size_t words_len)
{
    if (!c || !digits || !words)
        return TOLK_EINVAL;
    if (c->state != CLIENT_JOINED || !c->safety_announced)
        return TOLK_EAGAIN;
    return tolk_e2ee_safety_code(c->e2ee, digits, digits_len, words, words_len) == 0 ? 0
                                                                                     : TOLK_EINVAL;
}
