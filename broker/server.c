/*
 * Context and vhost set-up, signals, retention purges and graceful shutdown.
 *
 * Event loop: by default tolkd owns a libev loop and hands it to lws as a "foreign" loop, so
 * that tolkd decides when the loop ends; `event_loop = poll` uses lws' own poll() loop.
 *
 * Shutdown: SIGTERM or SIGINT reaches the service thread (a libev signal watcher; for the poll
 * loop a flag and lws_cancel_service, whose EVENT_WAIT_CANCELLED arrives in http.c). Every
 * WebSocket is asked to close with 1001; when the last one has closed (or after a deadline)
 * the store is flushed and the loop ends; the context is destroyed after the loop returns,
 * outside every callback.
 */
#include "server.h"

#include <arpa/inet.h>
#include <ev.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "audit.h"
#include "log.h"
#include "proto.h"
#include "transport.h"

#define STOP_DEADLINE_US (3 * LWS_US_PER_SEC)
#define PURGE_EVERY_US   ((lws_usec_t)24 * 3600 * LWS_US_PER_SEC)
#define TICK_US          LWS_US_PER_SEC

static volatile sig_atomic_t stop_requested;
static struct lws_context *volatile running_ctx;
static struct ev_loop *ev_loop_owned; /* NULL with the poll loop */

/* TLS 1.2 with forward-secret AEAD suites only (Mozilla "intermediate"); TLS 1.3 preferred. */
static const char tls12_ciphers[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
static const char tls13_ciphers[] =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

/* WebSocket keep-alive: ping after 20 s of silence, hang up after 60 s without a valid reply. */
static const lws_retry_bo_t idle_policy = {
    .secs_since_valid_ping = 20,
    .secs_since_valid_hangup = 60,
};

uint64_t tolkd_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void tolkd_server_request_stop(void)
{
    stop_requested = 1;
    struct lws_context *ctx = running_ctx;
    if (ctx)
        lws_cancel_service(ctx);
}

static void on_signal(int sig)
{
    (void)sig;
    tolkd_server_request_stop();
}

static void on_ev_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)loop;
    (void)revents;
    stop_requested = 1;
    tolkd_shutdown_step(w->data);
}

static void finish(struct tolkd *d)
{
    if (d->done)
        return;
    d->done = true;
    if (tolk_store_flush(d->store) != TOLK_STORE_OK)
        TLOG_ERROR("store_flush_failed", "reason=\"%s\"", tolk_store_errmsg(d->store));
    TLOG_INFO("stopped", "uptime_s=%llu",
              (unsigned long long)((tolkd_now_us() - d->started_us) / 1000000u));
    lws_sul_cancel(&d->sul_stop_deadline);
    lws_sul_cancel(&d->sul_purge);
    lws_sul_cancel(&d->sul_tick);
    if (ev_loop_owned)
        ev_break(ev_loop_owned, EVBREAK_ALL);
}

static void stop_deadline_cb(lws_sorted_usec_list_t *sul)
{
    struct tolkd *d = lws_container_of(sul, struct tolkd, sul_stop_deadline);
    TLOG_WARN("stop_deadline", "websockets_open=%llu", (unsigned long long)d->metrics.ws_open);
    finish(d);
}

void tolkd_shutdown_step(struct tolkd *d)
{
    if (!stop_requested || d->done)
        return;
    if (!d->stopping) {
        d->stopping = true;
        TLOG_INFO("stopping", "websockets_open=%llu", (unsigned long long)d->metrics.ws_open);
        tolkd_ws_close_all(d);
        lws_sul_schedule(d->ctx, 0, &d->sul_stop_deadline, stop_deadline_cb, STOP_DEADLINE_US);
    }
    if (d->metrics.ws_open == 0)
        finish(d);
}

/*
 * Bearer tokens that expired a day ago and login failures a day old or more are of no further
 * use (a login's wait is at most 15 minutes, and older failures are forgiven): they go.
 */
static void purge_logins(struct tolkd *d, int64_t now)
{
    uint64_t tokens = 0, failures = 0;
    if (tolk_store_auth_tokens_purge(d->store, now - 86400, &tokens) != TOLK_STORE_OK ||
        tolk_store_login_failures_purge(d->store, now - 86400, &failures) != TOLK_STORE_OK)
        TLOG_ERROR("login_purge_failed", "reason=\"%s\"", tolk_store_errmsg(d->store));
    else
        TLOG_INFO("login_purge", "tokens=%llu failure_records=%llu", (unsigned long long)tokens,
                  (unsigned long long)failures);
}

/* Deletes session metadata older than retention_days, and spent logins, now and once a day. */
static void purge_cb(lws_sorted_usec_list_t *sul)
{
    struct tolkd *d = lws_container_of(sul, struct tolkd, sul_purge);
    int64_t now = (int64_t)time(NULL);
    int64_t cutoff = now - (int64_t)d->cfg.retention_days * 86400;
    uint64_t purged = 0;
    if (tolk_store_session_events_purge(d->store, cutoff, &purged) == TOLK_STORE_OK)
        TLOG_INFO("retention_purge", "purged=%llu retention_days=%u", (unsigned long long)purged,
                  d->cfg.retention_days);
    else
        TLOG_ERROR("retention_purge_failed", "reason=\"%s\"", tolk_store_errmsg(d->store));
    purge_logins(d, now);
    lws_sul_schedule(d->ctx, 0, &d->sul_purge, purge_cb, PURGE_EVERY_US);
}

/*
 * lws 4.1.6's libev glue keeps one libev timer for lws' whole sorted timer list, and re-arms it
 * with ev_timer_set + ev_timer_start, which change nothing while the timer is still pending. So
 * a deadline set after the timer was armed for a later one (every new connection's 10 s header
 * timeout, the 3 s stop deadline) waited for that later one: a client sending half a request line
 * held its connection for up to 30 s, not 10. A timer of ours due every second keeps the libev
 * timer never more than a second away, so every lws deadline is met within a second. One
 * wake-up a second for the whole broker; the poll loop needs none (it asks lws for its timeout).
 */
static void tick_cb(lws_sorted_usec_list_t *sul)
{
    struct tolkd *d = lws_container_of(sul, struct tolkd, sul_tick);
    lws_sul_schedule(d->ctx, 0, &d->sul_tick, tick_cb, TICK_US);
}

static int tls_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len)
{
    if (reason == LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS && user) {
        SSL_CTX *ssl = user;
        SSL_CTX_set_min_proto_version(ssl, TLS1_2_VERSION);
        SSL_CTX_set_options(ssl, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                     SSL_OP_CIPHER_SERVER_PREFERENCE);
        return 0;
    }
    return tolkd_http_callback(wsi, reason, user, in, len);
}

static void fill_vhost(struct lws_context_creation_info *info, const struct tolk_config *cfg,
                       const struct lws_protocols *protocols)
{
    info->port = cfg->listen_port;
    info->iface = cfg->listen_host;
    info->protocols = protocols;
    info->ssl_cert_filepath = cfg->tls_certificate;
    info->ssl_private_key_filepath = cfg->tls_private_key;
    info->ssl_cipher_list = tls12_ciphers;
    info->tls1_3_plus_cipher_list = tls13_ciphers;
    info->ssl_options_set = (long)(SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1);
    info->alpn = "http/1.1"; /* WebSockets over HTTP/1.1 only: no h2 framing per media frame */
    info->retry_and_idle_policy = &idle_policy;
    info->timeout_secs = 10; /* a client that is slow to send its headers is dropped */
    info->server_string = "tolkd";
    info->vhost_name = "tolk";
}

static struct lws_context *create_context(struct tolkd *d, const struct lws_protocols *protocols,
                                          struct ev_loop *loop)
{
    void *foreign_loops[1] = {loop};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    fill_vhost(&info, &d->cfg, protocols);
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT | LWS_SERVER_OPTION_VALIDATE_UTF8 |
                   LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
    if (loop) {
        info.options |= LWS_SERVER_OPTION_LIBEV;
        info.foreign_loops = foreign_loops;
    }
    if (strchr(d->cfg.listen_host, ':') == NULL)
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    info.user = d;
    /* fd_limit_per_thread stays 0: lws then sizes its fd table from the process limit (raised
     * in raise_fd_limit) and finds a socket's connection by index; a smaller explicit limit
     * makes lws 4.1.6 scan the whole table on every event (8% of CPU at 900 connections). */
    return lws_create_context(&info);
}

static int announce(struct tolkd *d)
{
    int port = lws_get_vhost_listen_port(lws_get_vhost_by_name(d->ctx, "tolk"));
    bool v6 = strchr(d->cfg.listen_host, ':') != NULL;
    printf(v6 ? "listening on [%s]:%d\n" : "listening on %s:%d\n", d->cfg.listen_host, port);
    fflush(stdout);
    TLOG_INFO("listening", "port=%d loop=%s", port,
              d->cfg.event_loop == TOLK_LOOP_LIBEV ? "libev" : "poll");
    return port;
}

/* Makes room for max_connections sockets plus lws' own descriptors, within the hard limit. */
static void raise_fd_limit(const struct tolk_config *cfg)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)cfg->max_connections + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
        return;
    rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
        TLOG_WARN("fd_limit_low", "max_connections=%u open_files=%llu", cfg->max_connections,
                  (unsigned long long)rl.rlim_cur);
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

/* A libev loop that turns SIGTERM and SIGINT into a graceful stop of D; NULL if none. */
static struct ev_loop *new_ev_loop(struct tolkd *d, ev_signal sigs[2])
{
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    if (!loop)
        return NULL;
    ev_signal_init(&sigs[0], on_ev_signal, SIGTERM);
    ev_signal_init(&sigs[1], on_ev_signal, SIGINT);
    sigs[0].data = sigs[1].data = d;
    ev_signal_start(loop, &sigs[0]);
    ev_signal_start(loop, &sigs[1]);
    return loop;
}

/* Runs the libev loop until finish() breaks it, then lets lws complete its teardown on it. */
static void run_libev(struct tolkd *d, struct ev_loop *loop, ev_signal *sigs)
{
    ev_run(loop, 0);
    ev_signal_stop(loop, &sigs[0]);
    ev_signal_stop(loop, &sigs[1]);
    running_ctx = NULL;
    tolkd_api_set_wake(d->api, NULL, NULL); /* no hashing thread may touch the context now */
    lws_context_destroy(d->ctx);
    ev_run(loop, 0);
}

static void run_poll(struct tolkd *d)
{
    if (stop_requested)
        lws_cancel_service(d->ctx);
    while (!d->done)
        if (lws_service(d->ctx, 0) < 0)
            break;
    running_ctx = NULL;
    tolkd_api_set_wake(d->api, NULL, NULL); /* no hashing thread may touch the context now */
    lws_context_destroy(d->ctx);
}

int tolkd_server_run(const struct tolk_config *cfg, struct tolk_store *store,
                     const unsigned char *datakey, const struct tolkd_run_hooks *hooks, char *err,
                     size_t errlen)
{
    static struct tolkd d; /* static: reachable by the signal path, outlives every callback */
    memset(&d, 0, sizeof d);
    const struct tolkd_join_window window = {(int64_t)cfg->join_early_minutes * 60,
                                             (int64_t)cfg->join_grace_minutes * 60};
    if (tolkd_api_new(store, datakey, &window, &d.api, err, errlen) != 0)
        return -1;
    d.cfg = *cfg;
    d.store = store;
    d.started_us = tolkd_now_us();
    d.relay.store = store;
    tolkd_joinguard_init(&d.relay.joinguard);
    d.relay.metrics = &d.metrics;
    d.relay.policy.duck_cb = (int16_t)(-10 * (int)cfg->duck_floor_db);
    d.relay.policy.allow_recording = cfg->allow_recording;
    uint8_t *audit_key = tolkd_audit_key_new(datakey);
    if (!audit_key) {
        snprintf(err, errlen, "out of memory for the audit key");
        tolkd_api_free(d.api);
        return -1;
    }
    d.relay.audit_key = audit_key;
    const struct lws_protocols protocols[] = {
        {"http", tls_callback, tolkd_http_pss_size(), 0, 0, NULL, 0},
        {TOLK_PROTO_SUBPROTOCOL, tolkd_ws_callback, tolkd_ws_pss_size(), 4096, 0, NULL, 0},
        {NULL, NULL, 0, 0, 0, NULL, 0},
    };
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit(cfg);
    struct ev_loop *loop = NULL;
    ev_signal sigs[2];
    if (cfg->event_loop == TOLK_LOOP_LIBEV) {
        if (!(loop = new_ev_loop(&d, sigs))) {
            snprintf(err, errlen, "cannot create the libev event loop");
            tolkd_audit_key_free(audit_key);
            tolkd_api_free(d.api);
            return -1;
        }
    } else {
        install_signals();
    }
    d.ctx = create_context(&d, protocols, loop);
    if (!d.ctx) {
        snprintf(err, errlen,
                 "cannot listen on %s:%u with the TLS certificate and key given "
                 "(see the lws lines above)",
                 cfg->listen_host, (unsigned)cfg->listen_port);
        if (loop)
            ev_loop_destroy(loop);
        tolkd_audit_key_free(audit_key);
        tolkd_api_free(d.api);
        return -1;
    }
    running_ctx = d.ctx;
    tolkd_api_set_wake(d.api, tolkd_http_wake, d.ctx); /* deferred API answers (api.h) */
    ev_loop_owned = loop;
    int port = announce(&d);
    if (hooks->on_listening)
        hooks->on_listening(hooks->arg, port);
    d.relay.faults = hooks->faults;
    purge_cb(&d.sul_purge);
    if (loop) {
        tick_cb(&d.sul_tick);
        run_libev(&d, loop, sigs);
    } else {
        run_poll(&d);
    }
    if (loop)
        ev_loop_destroy(loop);
    ev_loop_owned = NULL;
    tolkd_relay_clear(&d.relay);
    d.relay.audit_key = NULL;
    tolkd_audit_key_free(audit_key);
    tolkd_api_free(d.api);
    return 0;
}
