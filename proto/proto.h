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
    TOLK_PERR_BAD_JSON = 1001,            /* not a JSON object, or not valid JSON */
    TOLK_PERR_BAD_MESSAGE = 1002,         /* a field is missing, of the wrong type or range */
    TOLK_PERR_UNKNOWN_TYPE = 1003,        /* "type" names no message of this version */
    TOLK_PERR_UNSUPPORTED_VERSION = 1004, /* no protocol version in common */
    TOLK_PERR_TOO_LARGE = 1005,           /* message over the size limit */
    TOLK_PERR_HELLO_REQUIRED = 1006,      /* another message before a successful hello */
    TOLK_PERR_DUPLICATE_HELLO = 1007,     /* hello sent twice on one connection */
    TOLK_PERR_INTERNAL = 1500,            /* the server failed; try again later */
};

enum tolk_msg_type {
    TOLK_MSG_HELLO = 1,
};

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

struct tolk_msg {
    enum tolk_msg_type type;
    union {
        struct tolk_msg_hello hello;
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

/* "bad_json", "unsupported_version", ...; "unknown" for a code not in the table. */
const char *tolk_proto_error_name(enum tolk_proto_error code);

#endif
