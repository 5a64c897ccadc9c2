/*
 * libtolk: join a Tolk session from any application.
 *
 * This header is the library's whole public interface. Conventions, in the libsodium and
 * libuv manner:
 *   - every function that can fail returns 0 or a negative TOLK_E* code; tolk_strerror() turns
 *     a code into a sentence; there is no global errno;
 *   - objects are opaque, created by tolk_<object>_new() and released by tolk_<object>_free(),
 *     and _free(NULL) does nothing;
 *   - above each declaration: who allocates, who frees, and which thread may call it.
 *
 * The calling surface grows with the session features (connect, join, audio, keys); what is
 * declared here is implemented and tested.
 */
#ifndef TOLK_H
#define TOLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TOLK_API __attribute__((visibility("default")))
#else
#define TOLK_API
#endif

#define TOLK_VERSION_MAJOR 0
#define TOLK_VERSION_MINOR 2
#define TOLK_VERSION_PATCH 0

/* Error codes. Stable: values are never reused or renumbered. */
#define TOLK_OK          0
#define TOLK_EINVAL      -1  /* an argument is outside its contract */
#define TOLK_ENOMEM      -2  /* out of memory */
#define TOLK_EIO         -3  /* a file or socket operation failed */
#define TOLK_ETLS        -4  /* TLS failed: the certificate was not trusted, or the handshake */
#define TOLK_EPROTO      -5  /* the peer broke the wire protocol */
#define TOLK_EVERSION    -6  /* no protocol version in common with the broker */
#define TOLK_EDENIED     -7  /* the broker refused: bad, expired or used token, not admitted */
#define TOLK_ECLOSED     -8  /* the connection is closed */
#define TOLK_ETIMEDOUT   -9  /* no answer in time */
#define TOLK_EDECRYPT    -10 /* a media frame failed authentication or was replayed */
#define TOLK_EAGAIN      -11 /* nothing available now; try again later */
#define TOLK_ESTATE      -12 /* the call is not allowed in the object's current state */
#define TOLK_ERROR_COUNT 13  /* one past the most negative code's magnitude */

/*
 * A static, human-readable sentence for CODE ("unknown error" for a code not listed above).
 * Any thread. Never NULL; the caller must not free it.
 */
TOLK_API const char *tolk_strerror(int code);

/*
 * The library's version, "MAJOR.MINOR.PATCH", and the newest wire-protocol version it speaks.
 * Any thread. Static strings.
 */
TOLK_API const char *tolk_version_string(void);
TOLK_API unsigned int tolk_protocol_version(void);

/* ---------------------------------------------------------------------------------------- */
/* Joining a session                                                                         */
/* ---------------------------------------------------------------------------------------- */

/*
 * Threads. libtolk owns no thread. One thread, the "client thread", creates a client, calls
 * every tolk_client_* function on it, and drives it with tolk_client_iterate(); every callback
 * runs on that thread, inside tolk_client_iterate(). The one exception is tolk_client_wake(),
 * which any thread may call to make a blocked tolk_client_iterate() return early. Different
 * clients may live on different threads.
 *
 * Audio is 48 kHz, mono, signed 16-bit PCM everywhere.
 */
#define TOLK_SAMPLE_RATE 48000

typedef struct tolk_client tolk_client;

enum tolk_event_type {
    TOLK_EVENT_JOINED = 1,         /* we are in: index, role, epoch */
    TOLK_EVENT_PARTICIPANT_JOINED, /* someone came: index, role, epoch */
    TOLK_EVENT_PARTICIPANT_LEFT,   /* someone went: index, reason, epoch */
    TOLK_EVENT_EPOCH,              /* media keys changed to a new epoch: epoch */
    TOLK_EVENT_SAFETY_CODE,        /* keys agreed for this membership: safety_digits/_words */
    TOLK_EVENT_RECONNECTING,       /* the connection dropped; retrying after retry_ms: error */
    TOLK_EVENT_ERROR,              /* the broker refused something: error, error_name */
    TOLK_EVENT_CLOSED,             /* the client stopped for good (left, refused, or gave up) */
    /* the interpreter leg (docs/INTERPRETING.md); new in 0.2.0 */
    TOLK_EVENT_STATE,    /* the session's state changed: presence, mode, sidebar, cause, ... */
    TOLK_EVENT_SIGNAL,   /* an interpreter signalled: index (from), name ("slow_down", ...) */
    TOLK_EVENT_HANDOVER, /* index (from) asks for, or answers, a hand-over: name ("request",
                            "accepted", "declined") */
    TOLK_EVENT_REFUSED,  /* the broker refused one of our controls: error_name, broker_code */
};

/* Our presence, and each participant's (docs/INTERPRETING.md, "Participants"). */
enum tolk_presence {
    TOLK_PRESENCE_UNKNOWN = 0, /* before the first state message */
    TOLK_PRESENCE_WAITING,     /* in the waiting room: no media either way */
    TOLK_PRESENCE_ADMITTED,    /* in the session */
    TOLK_PRESENCE_PAUSED,      /* admitted, microphone and speaker off */
};

enum tolk_mode {
    TOLK_MODE_UNKNOWN = 0, /* before the first state message */
    TOLK_MODE_CONSECUTIVE,
    TOLK_MODE_SIMULTANEOUS,
};

enum tolk_signal {
    TOLK_SIGNAL_SLOW_DOWN = 1,
    TOLK_SIGNAL_REPEAT,
    TOLK_SIGNAL_MOMENT,
};

enum tolk_handover {
    TOLK_HANDOVER_REQUEST = 1, /* ask the partner to take over (or to hand over) */
    TOLK_HANDOVER_ACCEPT,      /* answer a request: active and passive swap at once */
    TOLK_HANDOVER_DECLINE,
};

/*
 * What happened. Pointers are valid only during the callback; copy what you keep.
 */
struct tolk_event {
    enum tolk_event_type type;
    int index;                 /* the participant concerned (our own for JOINED), else -1 */
    const char *role;          /* "client", "clinician", "interpreter", "support", or NULL */
    const char *reason;        /* PARTICIPANT_LEFT: "left", "dropped", "replaced" */
    uint64_t epoch;            /* the session's membership epoch after the event */
    const char *safety_digits; /* SAFETY_CODE: "1234 5678 9012" */
    const char *safety_words;  /* SAFETY_CODE: six words, space-separated */
    int error;                 /* ERROR, RECONNECTING, CLOSED: a TOLK_E* code, 0 if none */
    const char *error_name;    /* ERROR: the broker's stable name ("outside_window", ...) */
    unsigned retry_ms;         /* RECONNECTING: delay before the next attempt */
    /* new in 0.2.0 (at the end, so that older callers stay compatible): */
    int presence;      /* STATE: our enum tolk_presence after the change */
    int mode;          /* STATE: enum tolk_mode */
    int sidebar;       /* STATE: 1 while a sidebar is open */
    const char *cause; /* STATE: what caused it ("join", "admit", "mode", ...), or "" */
    int cause_by;      /* STATE: the participant whose message caused it, or -1 */
    const char *name;  /* SIGNAL: "slow_down", "repeat", "moment"; HANDOVER: "request",
                          "accepted", "declined" */
    int broker_code;   /* ERROR, REFUSED: the broker's stable numeric code (1201, ...), else 0 */
};

typedef void (*tolk_event_cb)(tolk_client *client, const struct tolk_event *event, void *user);

/*
 * Decoded audio: SAMPLES samples of participant INDEX (index -1: the mix of everyone you hear),
 * one call per participant and one for the mix per playout frame. PCM is valid only during the
 * callback.
 */
typedef void (*tolk_audio_cb)(tolk_client *client, int index, const int16_t *pcm, size_t samples,
                              void *user);

/*
 * Options. Zero everything (memset or `= {0}`) and set what you need: every zero means the
 * default written beside it.
 */
struct tolk_options {
    const char *url;           /* required: "wss://host:port/ws" */
    const char *ca_file;       /* PEM file of CAs to trust; NULL: the system's */
    const char *identity_file; /* device identity key, created (0600) if missing; NULL: a new
                                  identity each time (safety codes then change every session) */
    int bitrate;               /* bits/s, 6000..64000; 0: 16000 */
    int frame_ms;              /* 20, 40 or 60; 0: 20 */
    int low_data;              /* non-zero: 60 ms frames at 12 kbit/s (overrides the two above) */
    int dtx;                   /* non-zero: Opus discontinuous transmission in silence */
    int no_reconnect;          /* non-zero: do not reconnect when the connection drops */
    int jitter_min_ms;         /* smallest playout delay; 0: one frame */
    tolk_event_cb on_event;    /* may be NULL */
    tolk_audio_cb on_audio;    /* may be NULL */
    void *user;                /* passed to the callbacks */
    /* new in 0.2.0 (at the end, so that older callers stay compatible): */
    const char *lang; /* the language we listen in, a BCP 47 tag ("ar", "prs-AF"); NULL or "":
                         not given (simultaneous interpretation then reaches us ducked only if
                         the broker can tell our language otherwise) */
};

/*
 * Creates a client from OPTS (copied; strings are copied too). On success *out owns it; free
 * it with tolk_client_free. TOLK_EINVAL for a bad option, TOLK_EIO if the identity file cannot
 * be read or created.
 */
TOLK_API int tolk_client_new(const struct tolk_options *opts, tolk_client **out)
    __attribute__((warn_unused_result));

/* Closes the connection (without a goodbye), wipes keys and frees. NULL is a no-op. */
TOLK_API void tolk_client_free(tolk_client *client);

/*
 * Starts connecting to the broker and joining with TOKEN (copied, kept in locked memory and
 * wiped on free). Returns at once; JOINED or ERROR/CLOSED events follow from
 * tolk_client_iterate(). Reconnection rejoins the same session with the same token.
 */
TOLK_API int tolk_client_join(tolk_client *client, const char *token)
    __attribute__((warn_unused_result));

/*
 * Runs the client for up to TIMEOUT_MS (0: only what is ready now): network, timers, playout
 * and callbacks. Returns 0, or TOLK_ECLOSED once the client has stopped.
 */
TOLK_API int tolk_client_iterate(tolk_client *client, int timeout_ms);

/* Any thread: makes a tolk_client_iterate() that is waiting return soon. */
TOLK_API void tolk_client_wake(tolk_client *client);

/*
 * Sends audio: SAMPLES samples are buffered and every complete frame is encoded, encrypted and
 * sent. Call it in real time (a frame's worth every frame duration). Audio given before the
 * session's keys are agreed is dropped. TOLK_ESTATE if not joined.
 */
TOLK_API int tolk_client_push_pcm(tolk_client *client, const int16_t *pcm, size_t samples);

/* The samples in one frame (960 for 20 ms). */
TOLK_API size_t tolk_client_frame_samples(const tolk_client *client);

/* Says goodbye to the session (others see "left") and stops; CLOSED follows. */
TOLK_API int tolk_client_leave(tolk_client *client);

/* Our own participant index, or -1 before JOINED. */
TOLK_API int tolk_client_index(const tolk_client *client);

/* Present participants other than us (after JOINED). */
TOLK_API size_t tolk_client_peer_count(const tolk_client *client);

/* The current safety code (both forms), or TOLK_EAGAIN before keys are agreed. */
TOLK_API int tolk_client_safety_code(const tolk_client *client, char *digits, size_t digits_len,
                                     char *words, size_t words_len);

/* ---------------------------------------------------------------------------------------- */
/* The interpreter leg: waiting room, sidebars, modes, controls (new in 0.2.0)          */
/* ---------------------------------------------------------------------------------------- */

/*
 * docs/INTERPRETING.md describes the session these calls steer. Clients and support persons
 * join in the waiting room; clinicians and interpreters are admitted by their tokens. After
 * every change the broker sends each participant a state message: libtolk then moves the
 * media keys to the receiver's room (a waiting participant holds no key of anyone, and sends
 * no media at all), mixes each sender at the gain the state gives (a gain change is heard from
 * the next frame on, ramped across that frame; a sender no longer routed to us plays out what
 * it sent before, and nothing later), and reports TOLK_EVENT_STATE.
 *
 * Every control below is sent to the broker and returns at once: 0 when it was queued,
 * TOLK_ESTATE when not joined, TOLK_EINVAL for an argument outside its contract, TOLK_ENOMEM.
 * The broker decides (roles it allows are in docs/INTERPRETING.md, "Controls"): the answer is
 * a TOLK_EVENT_STATE that shows the change, or a TOLK_EVENT_REFUSED with the broker's stable
 * code and name ("not_allowed", "interpreter_active", ...). All are for the client thread.
 */

/* Clinician: admit the waiting client or support person INDEX. READMIT: if its connection
 * drops or it rejoins later within its token's window, it comes straight back in. */
TOLK_API int tolk_client_admit(tolk_client *client, int index, bool readmit);

/* Clinician: send the admitted client or support person INDEX back to the waiting room. */
TOLK_API int tolk_client_hold(tolk_client *client, int index);

/* Clinician: disconnect the client or support person INDEX (it loses readmit). */
TOLK_API int tolk_client_remove(tolk_client *client, int index);

/* Clinician: open (OPEN true) or close a sidebar: clinician and interpreters apart from the
 * client and support persons, with keys nobody on the other side holds. */
TOLK_API int tolk_client_sidebar(tolk_client *client, bool open);

/* Clinician: TOLK_MODE_CONSECUTIVE or TOLK_MODE_SIMULTANEOUS for everyone. */
TOLK_API int tolk_client_set_mode(tolk_client *client, int mode);

/* Interpreter: the language we speak into (a BCP 47 tag, copied); "" means the client's. */
TOLK_API int tolk_client_set_channel(tolk_client *client, const char *lang);

/* Interpreter: show the others in our room a signal (enum tolk_signal). */
TOLK_API int tolk_client_signal(tolk_client *client, int which);

/* Interpreter: ask for a hand-over, or answer the partner's request (enum tolk_handover). */
TOLK_API int tolk_client_handover(tolk_client *client, int action);

/*
 * Any admitted participant: pause (PAUSED true) or resume. While paused the client sends no
 * audio (the microphone is off from this call on) and plays silence; the others are told
 * "paused". Resuming takes effect when the broker's state says we are admitted again.
 */
TOLK_API int tolk_client_pause(tolk_client *client, bool paused);

/* Any admitted participant: announce (ON true) that we record, or that we stopped. Refused
 * (recording_not_allowed) unless the session's policy allows recording. */
TOLK_API int tolk_client_announce_recording(tolk_client *client, bool on);

/* The latest state. Before the first state message: TOLK_PRESENCE_UNKNOWN, TOLK_MODE_UNKNOWN,
 * 0. Any of them on the client thread. */
TOLK_API int tolk_client_presence(const tolk_client *client);
TOLK_API int tolk_client_mode(const tolk_client *client);
TOLK_API int tolk_client_sidebar_open(const tolk_client *client);

#define TOLK_GAIN_MUTED (-32768) /* tolk_participant.gain_cb of a sender we do not hear */

/* One participant as the latest state describes it (ourselves included). */
struct tolk_participant {
    int index;
    char role[16];    /* "client", "clinician", "interpreter", "support" */
    int presence;     /* enum tolk_presence */
    char lang[36];    /* the language it listens in, or "" */
    int interpreter;  /* interpreters: 1 active, 2 passive; others 0 */
    char channel[36]; /* interpreters: the language they speak into ("" before it is known) */
    int recording;    /* 1 if it announced that it records */
    int is_self;      /* 1 for ourselves */
    int in_room;      /* 1 if in our room: we hold each other's keys (never while waiting) */
    int gain_cb;      /* the gain we hear it at, in centibels (0 full, -150 ducked 15 dB), or
                         TOLK_GAIN_MUTED */
};

/*
 * Copies up to MAX participants of the latest state, by index, into OUT (the caller's array)
 * and returns how many there are (possibly more than MAX; 0 before the first state). OUT may be
 * NULL when MAX is 0.
 */
TOLK_API size_t tolk_client_participants(const tolk_client *client, struct tolk_participant *out,
                                         size_t max);

/* Counters, for diagnostics and tests. */
struct tolk_stats {
    uint64_t frames_sent, frames_received, frames_decrypted;
    uint64_t auth_failed, replayed, no_key, forged_sender;
    uint64_t played, lost, fec_recovered, late;
    uint64_t reconnects;
};
TOLK_API void tolk_client_stats(const tolk_client *client, struct tolk_stats *stats);

#ifdef __cplusplus
}
#endif

#endif
