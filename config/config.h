/*
 * tolkd configuration: one INI file, every key optional, every value validated.
 *
 * The file is parsed with libinih. Each key is checked as it is read, and a bad value stops the
 * load with one message that names the file, the line and the key and says what was expected:
 *
 *     tolkd.conf:12: [limits] max_connections: expected a whole number from 1 to 100000,
 *     got "lots"
 *
 * The module is pure apart from reading the file: no logging, no globals, no libwebsockets.
 * Paths are kept as written; relative paths are relative to tolkd's working directory.
 */
#ifndef TOLK_CONFIG_H
#define TOLK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOLK_CONFIG_PATH_MAX 1024
#define TOLK_CONFIG_HOST_MAX 256
#define TOLK_CONFIG_ERR_MAX  512

enum tolk_log_level {
    TOLK_LOG_ERROR = 0,
    TOLK_LOG_WARN = 1,
    TOLK_LOG_INFO = 2,
    TOLK_LOG_DEBUG = 3,
};

enum tolk_event_loop {
    TOLK_LOOP_LIBEV = 0, /* libev through lws' event-lib plugin: the fast default */
    TOLK_LOOP_POLL = 1,  /* lws' built-in poll() loop */
};

struct tolk_config {
    /* [server] */
    char listen_host[TOLK_CONFIG_HOST_MAX]; /* IPv4/IPv6 literal or "localhost" */
    uint16_t listen_port;                   /* 0 = ephemeral */
    enum tolk_event_loop event_loop;

    /* [tls] */
    char tls_certificate[TOLK_CONFIG_PATH_MAX]; /* PEM chain */
    char tls_private_key[TOLK_CONFIG_PATH_MAX]; /* PEM key */

    /* [store] */
    char database[TOLK_CONFIG_PATH_MAX];      /* "sqlite:PATH" or a plain path */
    char data_key_file[TOLK_CONFIG_PATH_MAX]; /* 32 random bytes, mode 0600 */
    uint32_t retention_days;                  /* session metadata older than this is purged */

    /* [log] */
    enum tolk_log_level log_level;

    /* [limits] */
    uint32_t max_connections;   /* accepted sockets at once; more are refused */
    uint32_t max_message_bytes; /* one WebSocket message after reassembly */
    uint32_t send_queue_depth;  /* messages queued per connection before the oldest drops */

    /* [appointments] */
    uint32_t join_early_minutes; /* a join token works from this long before the start */
    uint32_t join_grace_minutes; /* ... until this long after the end */

    /* [session] */
    uint32_t duck_floor_db; /* simultaneous mode: the floor under the interpretation, dB down */
    bool allow_recording;   /* may a participant record (announced to all)? default no */

    /* [web] */
    char web_root[TOLK_CONFIG_PATH_MAX]; /* the staff page's files, or "auto" (see tolkd.conf) */
};

/* Fills *cfg with the built-in defaults (the values documented in config/tolkd.conf). */
void tolk_config_defaults(struct tolk_config *cfg);

/*
 * Loads PATH over the current contents of *cfg (call tolk_config_defaults first). Returns 0 on
 * success. On failure returns -1, leaves *cfg in an unspecified state and writes one line
 * (no trailing newline) into err: the file, the line (when there is one), the key, what was
 * expected and what was found. An unknown section or key is an error, so a typo never passes
 * silently; a missing or unreadable file is an error too.
 */
int tolk_config_load(struct tolk_config *cfg, const char *path, char *err, size_t errlen);

/*
 * Parses "HOST:PORT", "[V6]:PORT" or ":PORT" (meaning 127.0.0.1) into host and port. Used by
 * the [server] listen key and by tolkd's --listen flag. Returns 0, or -1 with a reason in err.
 */
int tolk_config_parse_listen(const char *text, char *host, size_t hostlen, uint16_t *port,
                             char *err, size_t errlen);

/* "error", "warn", "info", "debug" for a level. */
const char *tolk_log_level_name(enum tolk_log_level level);

#endif
