#include "log.h"

#include <libwebsockets.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static enum tolk_log_level current_level = TOLK_LOG_INFO;

void tlog_set_level(enum tolk_log_level level)
{
    current_level = level;
}

enum tolk_log_level tlog_level(void)
{
    return current_level;
}

static size_t format_timestamp(char *buf, size_t cap)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    int m = snprintf(buf + n, cap - n, ".%03dZ", (int)(tv.tv_usec / 1000));
    return n + (m > 0 ? (size_t)m : 0);
}

void tlog(enum tolk_log_level level, const char *event, const char *fmt, ...)
{
    if (level > current_level)
        return;
    char line[1024], ts[40];
    format_timestamp(ts, sizeof ts);
    int n = snprintf(line, sizeof line, "ts=%s level=%s event=%s", ts, tolk_log_level_name(level),
                     event);
    if (n < 0)
        return;
    size_t used = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if (fmt[0] != '\0' && used < sizeof line - 2) {
        line[used++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        int m = vsnprintf(line + used, sizeof line - used, fmt, ap);
        va_end(ap);
        if (m > 0)
            used += (size_t)m < sizeof line - used ? (size_t)m : sizeof line - used - 1;
    }
    if (used >= sizeof line - 1)
        used = sizeof line - 2;
    line[used++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, used);
    (void)w;
}

/* lws hands us "[timestamp] E: text\n"-style lines without the prefix; keep only the text,
 * quoted, with quotes and control characters replaced so that the line stays one line. */
static void lws_emit(int lws_level, const char *text)
{
    char clean[400];
    size_t j = 0;
    for (size_t i = 0; text[i] != '\0' && j < sizeof clean - 1; i++) {
        unsigned char c = (unsigned char)text[i];
        clean[j++] = (c < 0x20 || c == '"' || c == 0x7f) ? ' ' : (char)c;
    }
    while (j > 0 && clean[j - 1] == ' ')
        j--;
    clean[j] = '\0';
    enum tolk_log_level level = TOLK_LOG_DEBUG;
    if (lws_level & LLL_ERR)
        level = TOLK_LOG_ERROR;
    else if (lws_level & LLL_WARN)
        level = TOLK_LOG_WARN;
    tlog(level, "lws", "msg=\"%s\"", clean);
}

void tlog_capture_lws(void)
{
    int mask = LLL_ERR | LLL_WARN;
    if (current_level >= TOLK_LOG_DEBUG)
        mask |= LLL_NOTICE;
    lws_set_log_level(mask, lws_emit);
}
