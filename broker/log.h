/*
 * Structured logging for tolkd: one line per event on stderr,
 *
 *     ts=2026-11-23T11:30:00.123Z level=info event=listening addr=127.0.0.1:8443
 *
 * Each call names an event (a short snake_case word) and adds key=value pairs. What goes into
 * the pairs is the caller's promise: never a token, password, key, name, contact detail,
 * payload or IP address. Sessions and participants are identified by short keyed hashes.
 * Hiding personal data is not a mode here; it is the only behaviour.
 *
 * Threads: tlog may be called from any thread; each line is written with one write(2).
 */
#ifndef TOLK_LOG_H
#define TOLK_LOG_H

#include "config.h"

void tlog_set_level(enum tolk_log_level level);
enum tolk_log_level tlog_level(void);

/* FMT holds the key=value pairs after "event=EVENT"; it may be "" for none. */
void tlog(enum tolk_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define TLOG_ERROR(event, ...) tlog(TOLK_LOG_ERROR, event, __VA_ARGS__)
#define TLOG_WARN(event, ...)  tlog(TOLK_LOG_WARN, event, __VA_ARGS__)
#define TLOG_INFO(event, ...)  tlog(TOLK_LOG_INFO, event, __VA_ARGS__)
#define TLOG_DEBUG(event, ...) tlog(TOLK_LOG_DEBUG, event, __VA_ARGS__)

/*
 * Routes libwebsockets' own log lines through tlog as event=lws (errors and warnings only,
 * notices too at debug level), with the text quoted.
 */
void tlog_capture_lws(void);

#endif
