/*
 * Tolk wire protocol v1: the control-message codec shared by tolkd and libtolk.
 *
 * Pure: no libwebsockets, no SQLite, no globals, no I/O. Control messages are JSON objects in
 * WebSocket text frames, each with a "type" string. docs/PROTOCOL.md is the reference; this
 * module is its only implementation.
 *
 * Errors sent to a peer come from one fixed table of stable numeric codes and names
 * (tolk_proto_error_name); their text never carries internal detail.
 */
#ifndef TOLK_PROTO_H
#define TOLK_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOLK_PROTO_SUBPROTOCOL "tolk.v1" /* Sec-WebSocket-Protocol */
#define TOLK_PROTO_VERSION     1u        /* the newest version this build speaks */
#define TOLK_PROTO_MIN_VERSION 1u        /* the oldest version this build speaks */
#define TOLK_PROTO_MAX_OFFERED 16        /* versions a hello may offer */
#define TOLK_PROTO_NAME_MAX    64        /* software name in a hello */

/* Stable error codes. Never renumber; add new ones at the end of their range. */
enum tolk_proto_error {
    TOLK_PERR_NONE = 0,
    TOLK_PERR_BAD_JSON = 1001,              /* not a JSON object, or not valid JSON */
    TOLK_PERR_BAD_MESSAGE = 1002,           /* a field is missing, of the wrong type or range */
    TOLK_PERR_UNKNOWN_TYPE = 1003,          /* "type" names no message of this version */
    TOLK_PERR_UNSUPPORTED_VERSION = 1004,   /* no protocol version in common */
    TOLK_PERR_TOO_LARGE = 1005,             /* message over the size limit */
    TOLK_PERR_HELLO_REQUIRED = 1006,        /* another message before a successful hello */
    TOLK_PERR_DUPLICATE_HELLO = 1007,       /* hello sent twice on one connection */
    TOLK_PERR_INVALID_TOKEN = 1101,         /* unknown or revoked token */
    TOLK_PERR_OUTSIDE_WINDOW = 1102,        /* the token is not valid at this time */
    TOLK_PERR_TOKEN_IN_USE = 1103,          /* a live connection holds this token */
    TOLK_PERR_ALREADY_JOINED = 1104,        /* this connection has joined already */
    TOLK_PERR_NOT_JOINED = 1105,            /* the message needs a joined connection */
    TOLK_PERR_CANCELLED = 1106,             /* the appointment was cancelled */
    TOLK_PERR_BAD_RECIPIENT = 1107,         /* "to" names nobody present */
    TOLK_PERR_SESSION_FULL = 1108,          /* the session has TOLK_PROTO_MAX_PARTICIPANTS */
    TOLK_PERR_JOIN_THROTTLED = 1109,        /* too many refused joins from this address */
    TOLK_PERR_NOT_ALLOWED = 1201,           /* this role may not send this control */
    TOLK_PERR_BAD_TARGET = 1202,            /* "index" names nobody the control can apply to */
    TOLK_PERR_RECORDING_NOT_ALLOWED = 1203, /* the session's policy forbids recording */
    TOLK_PERR_INTERPRETER_ACTIVE = 1204,    /* another interpreter is active on that channel */
    TOLK_PERR_NO_HANDOVER = 1205,           /* no hand-over request to answer, or no partner */
    TOLK_PERR_WAITING = 1206,               /* a waiting participant may not do this */
    TOLK_PERR_WRONG_SESSION = 1207,         /* "session" is not this connection's session */
    TOLK_PERR_RATE_LIMITED = 1208,          /* signals sent too often */
    TOLK_PERR_INTERNAL = 1500,              /* the server failed; try again later */
};

enum tolk_msg_type {
    TOLK_MSG_HELLO = 1,
    TOLK_MSG_ERROR,
    TOLK_MSG_JOIN,
    TOLK_MSG_JOINED,
    TOLK_MSG_PARTICIPANT_JOINED,
    TOLK_MSG_PARTICIPANT_LEFT,
    TOLK_MSG_KEY,
    TOLK_MSG_LEAVE,
    /* interpreter leg (docs/INTERPRETING.md) */
    TOLK_MSG_STATE,     /* server -> client, per receiver */
    TOLK_MSG_ADMIT,     /* clinician -> server */
    TOLK_MSG_HOLD,      /* clinician -> server */
    TOLK_MSG_REMOVE,    /* clinician -> server */
    TOLK_MSG_SIDEBAR,   /* clinician -> server */
    TOLK_MSG_MODE,      /* clinician -> server */
    TOLK_MSG_CHANNEL,   /* interpreter -> server */
    TOLK_MSG_SIGNAL,    /* interpreter -> server; server -> others with "from" */
    TOLK_MSG_HANDOVER,  /* interpreter -> server; server -> the partner with "from" */
    TOLK_MSG_PAUSE,     /* participant -> server */
    TOLK_MSG_RECORDING, /* participant -> server */
};

#define TOLK_PROTO_MAX_PARTICIPANTS 16 /* per session; a participant index is 0..15 */
#define TOLK_PROTO_TOKEN_BYTES      32 /* join tokens and resume secrets */
#define TOLK_PROTO_TOKEN_CHARS      43 /* their base64url text, without padding */
#define TOLK_PROTO_IDENTITY_BYTES   32 /* Ed25519 public key */
#define TOLK_PROTO_SESSION_BYTES    16 /* session id; sent as 32 hex characters */
#define TOLK_PROTO_ROLE_MAX         16
#define TOLK_PROTO_SEALED_MAX       256 /* a sealed media key (crypto_box_seal of 52 bytes) */
#define TOLK_PROTO_SIG_BYTES        64
#define TOLK_PROTO_TEXT_MAX         128
#define TOLK_PROTO_LANG_MAX         36 /* a BCP 47 tag and its NUL */

/*
 * A client's hello offers versions; the server's reply names the one chosen. Both carry the
 * sender's software name. Decoding accepts either shape: "versions" (an array of 1 to 16
 * positive integers), "version" (one positive integer), or both.
 */
struct tolk_msg_hello {
    uint32_t versions[TOLK_PROTO_MAX_OFFERED]; /* offered versions, as sent */
    size_t nversions;
    uint32_t version;                   /* the chosen version (server's reply), 0 if absent */
    uint32_t keepalive_s;               /* server's reply: send something at least this often */
    char software[TOLK_PROTO_NAME_MAX]; /* e.g. "libtolk/0.1.0"; "" if not sent */
};

struct tolk_msg_error {
    int code;
    char name[32];
    char message[TOLK_PROTO_TEXT_MAX];
};

struct tolk_msg_join {
    uint8_t token[TOLK_PROTO_TOKEN_BYTES];
    uint8_t identity[TOLK_PROTO_IDENTITY_BYTES];
    uint8_t resume[TOLK_PROTO_TOKEN_BYTES];
    bool has_resume;
    char lang[TOLK_PROTO_LANG_MAX]; /* optional: the language the participant listens in; "" */
};

struct tolk_proto_participant {
    unsigned index;
    char role[TOLK_PROTO_ROLE_MAX];
    uint8_t identity[TOLK_PROTO_IDENTITY_BYTES];
};

struct tolk_msg_joined {
    uint8_t session[TOLK_PROTO_SESSION_BYTES];
    unsigned index;
    char role[TOLK_PROTO_ROLE_MAX];
    uint64_t epoch;
    uint8_t resume[TOLK_PROTO_TOKEN_BYTES];
    struct tolk_proto_participant participants[TOLK_PROTO_MAX_PARTICIPANTS];
    size_t nparticipants;
};

/* participant_joined uses who.role and who.identity; participant_left uses reason. */
struct tolk_msg_participant {
    struct tolk_proto_participant who;
    uint64_t epoch;
    char reason[16]; /* "left", "dropped", "replaced", "removed" */
};

struct tolk_msg_key {
    unsigned from; /* set by the server when it relays; absent (0) from a client */
    bool has_from;
    unsigned to;
    uint64_t epoch;
    uint8_t sealed[TOLK_PROTO_SEALED_MAX];
    size_t sealed_len;
    uint8_t sig[TOLK_PROTO_SIG_BYTES];
};

/* One participant in a state message. */
struct tolk_proto_member {
    unsigned index;
    char role[TOLK_PROTO_ROLE_MAX];    /* "client", "clinician", "interpreter", "support" */
    char presence[12];                 /* "waiting", "admitted", "paused" */
    char lang[TOLK_PROTO_LANG_MAX];    /* "" when not given */
    bool interpreter_active;           /* interpreters only: "interpreter":"active"/"passive" */
    char channel[TOLK_PROTO_LANG_MAX]; /* interpreters only: effective output channel */
    bool recording;                    /* announced that it records */
};

/* state (server -> one receiver): the whole session state after a change, with the receiver's
 * own room and gains. */
struct tolk_msg_state {
    uint64_t epoch;
    char mode[16]; /* "consecutive" or "simultaneous" */
    bool sidebar;
    bool recording_allowed;
    int duck_cb; /* the configured floor gain under an interpretation, centibels (<= 0) */
    struct tolk_proto_member members[TOLK_PROTO_MAX_PARTICIPANTS];
    size_t nmembers;
    uint16_t room; /* bit i: participant i is in the receiver's room (the receiver included) */
    /* gain_cb[s]: the gain at which the receiver hears sender s; valid where gains bit s set */
    int16_t gain_cb[TOLK_PROTO_MAX_PARTICIPANTS];
    uint16_t gains; /* bit s: sender s is routed to the receiver */
    char cause[16]; /* the message type that caused it ("join", "admit", "mode", ...) */
    bool has_cause_by;
    unsigned cause_by; /* the participant whose message caused it, when has_cause_by */
};

/*
 * The controls of the interpreter leg. Which fields a type uses:
 *   admit: index, readmit; hold, remove: index; sidebar: on (open); mode: text (mode name);
 *   channel: text (language tag); signal: text ("slow_down", "repeat", "moment");
 *   handover: text ("request", "accept", "decline" from a client; "request", "accepted",
 *   "declined" from the server); pause: on (paused); recording: on.
 * "session" (optional, 32 hex digits) names the session the sender means; the server refuses
 * the control with wrong_session when it is not the connection's.
 * From the server, signal and handover carry "from" (has_from); a handover's action tells the
 * directions apart, so decoding refuses "accepted"/"declined" without "from" and
 * "accept"/"decline" with it. "from" on any other control is ignored.
 */
struct tolk_msg_control {
    unsigned index;
    bool readmit;
    bool on;
    char text[TOLK_PROTO_LANG_MAX];
    bool has_session;
    uint8_t session[TOLK_PROTO_SESSION_BYTES];
    bool has_from;
    unsigned from;
};

struct tolk_msg {
    enum tolk_msg_type type;
    union {
        struct tolk_msg_hello hello;
        struct tolk_msg_error error;
        struct tolk_msg_join join;
        struct tolk_msg_joined joined;
        struct tolk_msg_participant participant;
        struct tolk_msg_key key;
        struct tolk_msg_state state;
        struct tolk_msg_control control;
    } u;
};

/* Why decoding failed: a stable code, and a short fixed text safe to send back. */
struct tolk_proto_fault {
    enum tolk_proto_error code;
    const char *detail;
};

/*
 * Decodes one control message of LEN bytes (not NUL-terminated; the caller has already checked
 * the size limit and UTF-8). Returns 0 and fills *out, or returns the error code and fills
 * *fault. Unknown fields are ignored, so that later minor additions stay compatible.
 */
int tolk_proto_decode(const char *buf, size_t len, struct tolk_msg *out,
                      struct tolk_proto_fault *fault);

/*
 * Picks the highest version offered in HELLO that this build speaks. Returns it, or 0 if there
 * is none in common.
 */
uint32_t tolk_proto_negotiate(const struct tolk_msg_hello *hello);

/*
 * Encoders write one JSON message into BUF (not NUL-terminated) and return its length, or 0 if
 * CAP is too small. They never fail otherwise.
 */
size_t tolk_proto_encode_hello(char *buf, size_t cap, const char *software);
size_t tolk_proto_encode_hello_reply(char *buf, size_t cap, uint32_t version, const char *server,
                                     uint32_t keepalive_s);
size_t tolk_proto_encode_error(char *buf, size_t cap, enum tolk_proto_error code,
                               const char *detail);

size_t tolk_proto_encode_join(char *buf, size_t cap, const struct tolk_msg_join *m);
size_t tolk_proto_encode_joined(char *buf, size_t cap, const struct tolk_msg_joined *m);
size_t tolk_proto_encode_participant_joined(char *buf, size_t cap,
                                            const struct tolk_proto_participant *who,
                                            uint64_t epoch);
size_t tolk_proto_encode_participant_left(char *buf, size_t cap, unsigned index, uint64_t epoch,
                                          const char *reason);
/* A key message; FROM is included when M->has_from (the server's relay). */
size_t tolk_proto_encode_key(char *buf, size_t cap, const struct tolk_msg_key *m);
size_t tolk_proto_encode_leave(char *buf, size_t cap);
/* A state message (server -> one receiver); 0 also when M->nmembers is over 16. */
size_t tolk_proto_encode_state(char *buf, size_t cap, const struct tolk_msg_state *m);
/* A control of TYPE (TOLK_MSG_ADMIT .. TOLK_MSG_RECORDING) with the fields that type uses, and
 * "session" when M->has_session; 0 also for any other TYPE. */
size_t tolk_proto_encode_control(char *buf, size_t cap, enum tolk_msg_type type,
                                 const struct tolk_msg_control *m);

/* "bad_json", "unsupported_version", ...; "unknown" for a code not in the table. */
const char *tolk_proto_error_name(enum tolk_proto_error code);

#ifdef TOLK_PROTO_INTERNAL
/*
 * Internal to proto/: what proto.c (the core messages) and proto_interp.c (the interpreter
 * leg) share. Callers of the codec never define TOLK_PROTO_INTERNAL and never see these.
 */
struct json_t;
/* Fills *FAULT and returns CODE. */
int tolk_proto__fail(struct tolk_proto_fault *fault, enum tolk_proto_error code,
                     const char *detail);
/* OBJ's field NAME as an integer 0..MAX, or an index 0..15: 0, or -1 if missing or not so. */
int tolk_proto__get_uint(const struct json_t *obj, const char *name, uint64_t max, uint64_t *out);
int tolk_proto__get_index(const struct json_t *obj, const char *name, unsigned *out);
/* Serialises OBJ (compact) into BUF and releases it: the length, or 0 if it did not fit. */
size_t tolk_proto__dump(struct json_t *obj, char *buf, size_t cap);
/* Whether the LEN bytes at TAG are a language tag as PROTOCOL.md defines it ("lang"). */
bool tolk_proto__lang_valid(const char *tag, size_t len);
/* Decodes OBJ as the interpreter-leg message TYPE; unknown_type if TYPE is none of them. */
int tolk_proto__decode_interp(const char *type, const struct json_t *obj, struct tolk_msg *out,
                              struct tolk_proto_fault *fault);
#endif

#endif
