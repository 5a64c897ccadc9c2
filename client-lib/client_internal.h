/*
 * Internal to libtolk's client (client.c: lifecycle, connection and libwebsockets;
 * client_session.c: the protocol, keys, media and playout; client_interp.c: the interpreter
 * leg's state, controls and accessors). Everything here runs on the client thread.
 */
#ifndef TOLK_CLIENT_INTERNAL_H
#define TOLK_CLIENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audio.h"
#include "e2ee.h"
#include "identity.h"
#include "jitter.h"
#include "mixer.h"
#include "proto.h"
#include "tolk.h"

struct lws;
struct lws_context;

enum client_state {
    CLIENT_IDLE,       /* created, join not called */
    CLIENT_CONNECTING, /* TCP/TLS/WebSocket handshake */
    CLIENT_HELLO,      /* hello sent */
    CLIENT_JOINING,    /* join sent */
    CLIENT_JOINED,     /* in the session */
    CLIENT_BACKOFF,    /* waiting to reconnect */
    CLIENT_CLOSED,     /* stopped for good */
};

/* One message waiting to be written, with LWS_PRE bytes of headroom before data. */
struct out_msg {
    uint8_t *mem;
    uint8_t *data;
    size_t len;
    bool binary;
};

#define OUTQ_CAP 256 /* messages; media beyond this is dropped, oldest first */

struct remote {
    bool present;
    char role[TOLK_PROTO_ROLE_MAX];
    struct tolk_dec *dec;
    struct tolk_jitter *jb;
    bool playing; /* has produced audio since it joined */
};

struct tolk_client {
    struct tolk_options opts;
    char *url, *ca_file, *identity_file; /* owned copies */
    char lang[TOLK_PROTO_LANG_MAX];      /* opts.lang, copied; "" if not given */
    char host[256], path[128];
    int port;

    struct lws_context *ctx;
    struct lws *wsi;
    enum client_state state;
    bool ever_joined, leaving;
    bool removed; /* the broker closed us with 4001: a clinician removed us; do not rejoin */
    unsigned backoff_ms;

    uint8_t *token; /* sodium_malloc'd, TOLK_PROTO_TOKEN_BYTES */
    uint8_t resume[TOLK_PROTO_TOKEN_BYTES];
    bool has_resume;

    struct tolk_identity *identity;
    struct tolk_e2ee *e2ee;
    int index;
    uint64_t epoch;
    uint8_t session[TOLK_PROTO_SESSION_BYTES];
    bool safety_announced;
    struct remote remotes[TOLK_PROTO_MAX_PARTICIPANTS];

    /* The latest state message (valid when has_state), and what follows from it. */
    struct tolk_msg_state last;
    bool has_state;
    int presence;         /* enum tolk_presence: ours in the latest state */
    bool pause_requested; /* tolk_client_pause(true) was called: microphone and speaker off */
    struct tolk_mix_gains gains;
    uint16_t routed; /* senders the latest state routes to us (bit s) */

    struct tolk_audio_params audio;
    struct tolk_enc *enc;
    int frame_samples;
    int16_t *pcm_in; /* frame being filled */
    size_t pcm_fill;
    int16_t *mix_tmp[TOLK_PROTO_MAX_PARTICIPANTS];
    int16_t *mix_out;
    uint64_t next_tick_us;

    struct out_msg outq[OUTQ_CAP];
    size_t out_head, out_count;

    uint8_t *rx;
    size_t rx_len, rx_cap;

    struct tolk_stats stats;
};

/* client.c */
uint64_t tolk_now_us(void);
void client_emit(struct tolk_client *c, const struct tolk_event *ev);
void client_emit_simple(struct tolk_client *c, enum tolk_event_type type, int error);
int client_queue(struct tolk_client *c, const void *data, size_t len, bool binary);
void client_close_connection(struct tolk_client *c);
void client_stop(struct tolk_client *c, int error);

/* client_session.c */
void session_on_established(struct tolk_client *c);
void session_on_text(struct tolk_client *c, const char *text, size_t len);
void session_on_media(struct tolk_client *c, const uint8_t *frame, size_t len);
void session_on_disconnect(struct tolk_client *c);
void session_playout(struct tolk_client *c);
int session_send_pcm_frame(struct tolk_client *c, const int16_t *pcm);
void session_reset_remotes(struct tolk_client *c);
void session_check_safety(struct tolk_client *c);
void session_flush_keys(struct tolk_client *c);
void session_send_text(struct tolk_client *c, const char *text, size_t n);

/* client_interp.c */
void interp_on_state(struct tolk_client *c, const struct tolk_msg_state *st);
void interp_on_signal(struct tolk_client *c, const struct tolk_msg_control *m);
void interp_on_handover(struct tolk_client *c, const struct tolk_msg_control *m);
void interp_reset(struct tolk_client *c);
/* Whether our microphone is on (admitted, not paused) and whether we play what we hear. */
bool interp_may_send(const struct tolk_client *c);
bool interp_may_play(const struct tolk_client *c);
/* Whether the latest state routes SENDER's frames to us: those of others are not played. */
bool interp_routed(const struct tolk_client *c, unsigned sender);

#endif
