/*
 * tolkd configuration loader: libinih does the INI syntax, a table of keys does the rest.
 *
 * Every key is one row of KEYS: its section, its name, the function that validates and stores
 * its value, and where and within which bounds it is stored. Adding a key is adding a row (and a
 * field in struct tolk_config, and a paragraph in tolkd.conf).
 *
 * libinih is used through ini_parse_stream() with a reader of our own, because the reader is
 * the only place that sees every physical line:
 *   - it counts lines, so the handler can name the line of a bad value (Debian builds libinih
 *     without INI_HANDLER_LINENO);
 *   - it strips leading whitespace, which turns off libinih's multi-line values: an indented
 *     "key = value" is read as a key of its own, not silently appended to the previous value;
 *   - it sees section headers, so an unknown section is an error even when it holds no keys
 *     (libinih calls the handler only for keys);
 *   - it notices lines longer than libinih's line buffer (200 bytes in Debian's build) and NUL
 *     bytes, which libinih would otherwise split or cut without a word.
 *
 * All state lives in a struct on the caller's stack, so loads on different threads are
 * independent.
 */
#include "config.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How much of a bad value (or of a file name) an error message quotes. */
#define QUOTE_MAX      64
#define NAME_MAX_SHOWN 160

struct key_spec;

typedef int (*value_parser)(const struct key_spec *key, const char *value, struct tolk_config *cfg,
                            char *why, size_t whylen);

struct key_spec {
    const char *section;
    const char *name;
    value_parser parse;
    size_t offset; /* of the field in struct tolk_config, for paths and numbers */
    uint32_t min, max;
};

/* Indexed by enum value. */
static const char *const LEVEL_NAMES[] = {
    [TOLK_LOG_ERROR] = "error",
    [TOLK_LOG_WARN] = "warn",
    [TOLK_LOG_INFO] = "info",
    [TOLK_LOG_DEBUG] = "debug",
};
static const char *const LOOP_NAMES[] = {[TOLK_LOOP_LIBEV] = "libev", [TOLK_LOOP_POLL] = "poll"};
static const char *const SECTIONS[] = {"server", "tls",          "store",   "log",
                                       "limits", "appointments", "session", "web"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Writes the LEN bytes at TEXT into OUT as printable ASCII: '"' and '\' get a backslash, any
 * other byte outside 0x20..0x7e becomes \xNN. At most MAXIN bytes are shown, then "..." says
 * there was more. OUT is always terminated, and never overflowed.
 */
static void escape(char *out, size_t outlen, const char *text, size_t len, size_t maxin)
{
    size_t o = 0, i;

    if (outlen == 0)
        return;
    for (i = 0; i < len && i < maxin; i++) {
        unsigned char c = (unsigned char)text[i];
        char piece[5];

        if (c == '"' || c == '\\')
            snprintf(piece, sizeof piece, "\\%c", c);
        else if (c < 0x20 || c > 0x7e)
            snprintf(piece, sizeof piece, "\\x%02x", c);
        else
            snprintf(piece, sizeof piece, "%c", c);
        size_t n = strlen(piece);
        if (o + n + 4 > outlen)
            break;
        memcpy(out + o, piece, n);
        o += n;
    }
    if (i < len && o + 4 <= outlen) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* Writes 'expected WHAT, got "VALUE"' into why: the tail of every bad-value message. */
static int expected(char *why, size_t whylen, const char *what, const char *value)
{
    char shown[QUOTE_MAX * 4 + 8];

    escape(shown, sizeof shown, value, strlen(value), QUOTE_MAX);
    snprintf(why, whylen, "expected %s, got \"%s\"", what, shown);
    return -1;
}

/*
 * Parses a whole number in MIN..MAX: decimal digits only, so no sign, no spaces, no hex, no
 * exponent, no trailing junk, and nothing strtoull() would quietly wrap or saturate.
 */
static int parse_whole(const char *text, uint32_t min, uint32_t max, uint32_t *out)
{
    if (text[0] == '\0' || strspn(text, "0123456789") != strlen(text))
        return -1;
    errno = 0;
    unsigned long long n = strtoull(text, NULL, 10);
    if (errno == ERANGE || n < min || n > max)
        return -1;
    *out = (uint32_t)n;
    return 0;
}

static int lookup(const char *const *names, size_t count, const char *text)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(names[i], text) == 0)
            return (int)i;
    return -1;
}

static int parse_number(const struct key_spec *key, const char *value, struct tolk_config *cfg,
                        char *why, size_t whylen)
{
    uint32_t n;
    char what[64];

    if (parse_whole(value, key->min, key->max, &n) != 0) {
        snprintf(what, sizeof what, "a whole number from %lu to %lu", (unsigned long)key->min,
                 (unsigned long)key->max);
        return expected(why, whylen, what, value);
    }
    memcpy((char *)cfg + key->offset, &n, sizeof n);
    return 0;
}

/* Paths are kept as written; only what can never be a sensible file name is refused. */
static int parse_path(const struct key_spec *key, const char *value, struct tolk_config *cfg,
                      char *why, size_t whylen)
{
    size_t len = strlen(value);
    int ok = len > 0 && len < TOLK_CONFIG_PATH_MAX;

    for (size_t i = 0; ok && i < len; i++)
        ok = (unsigned char)value[i] >= 0x20 && value[i] != 0x7f;
    if (!ok) {
        char what[96];
        snprintf(what, sizeof what, "a path of 1 to %d characters without control characters",
                 TOLK_CONFIG_PATH_MAX - 1);
        return expected(why, whylen, what, value);
    }
    memcpy((char *)cfg + key->offset, value, len + 1);
    return 0;
}

static const char *const BOOL_NAMES[] = {"no", "yes"};

static int parse_bool(const struct key_spec *key, const char *value, struct tolk_config *cfg,
                      char *why, size_t whylen)
{
    int i = lookup(BOOL_NAMES, COUNT(BOOL_NAMES), value);

    if (i < 0)
        return expected(why, whylen, "yes or no", value);
    bool b = i == 1;
    memcpy((char *)cfg + key->offset, &b, sizeof b);
    return 0;
}

static int parse_listen_key(const struct key_spec *key, const char *value, struct tolk_config *cfg,
                            char *why, size_t whylen)
{
    (void)key;
    return tolk_config_parse_listen(value, cfg->listen_host, sizeof cfg->listen_host,
                                    &cfg->listen_port, why, whylen);
}

static int parse_event_loop(const struct key_spec *key, const char *value, struct tolk_config *cfg,
                            char *why, size_t whylen)
{
    (void)key;
    int i = lookup(LOOP_NAMES, COUNT(LOOP_NAMES), value);

    if (i < 0)
        return expected(why, whylen, "libev or poll", value);
    cfg->event_loop = (enum tolk_event_loop)i;
    return 0;
}

static int parse_log_level(const struct key_spec *key, const char *value, struct tolk_config *cfg,
                           char *why, size_t whylen)
{
    (void)key;
    int i = lookup(LEVEL_NAMES, COUNT(LEVEL_NAMES), value);

    if (i < 0)
        return expected(why, whylen, "error, warn, info or debug", value);
    cfg->log_level = (enum tolk_log_level)i;
    return 0;
}

#define FIELD(f) offsetof(struct tolk_config, f)

static const struct key_spec KEYS[] = {
    {"server", "listen", parse_listen_key, 0, 0, 0},
    {"server", "event_loop", parse_event_loop, 0, 0, 0},
    {"tls", "certificate", parse_path, FIELD(tls_certificate), 0, 0},
    {"tls", "private_key", parse_path, FIELD(tls_private_key), 0, 0},
    {"store", "database", parse_path, FIELD(database), 0, 0},
    {"store", "data_key_file", parse_path, FIELD(data_key_file), 0, 0},
    {"store", "retention_days", parse_number, FIELD(retention_days), 1, 3650},
    {"log", "level", parse_log_level, 0, 0, 0},
    {"limits", "max_connections", parse_number, FIELD(max_connections), 1, 100000},
    {"limits", "max_message_bytes", parse_number, FIELD(max_message_bytes), 1024, 1048576},
    {"limits", "send_queue_depth", parse_number, FIELD(send_queue_depth), 4, 4096},
    {"appointments", "join_early_minutes", parse_number, FIELD(join_early_minutes), 0, 240},
    {"appointments", "join_grace_minutes", parse_number, FIELD(join_grace_minutes), 0, 240},
    {"session", "duck_floor_db", parse_number, FIELD(duck_floor_db), 0, 60},
    {"session", "allow_recording", parse_bool, FIELD(allow_recording), 0, 0},
    {"web", "root", parse_path, FIELD(web_root), 0, 0},
};

/* Everything one load needs, on the caller's stack. */
struct load_state {
    struct tolk_config *cfg;
    FILE *fp;
    const char *path;
    char *err;
    size_t errlen;
    unsigned line;              /* the line libinih is looking at, from 1 */
    char line_problem[80];      /* what the reader found wrong with that line, or "" */
    int read_errno;             /* nonzero after a read error */
    unsigned err_line;          /* nonzero once an error has been written */
    unsigned seen[COUNT(KEYS)]; /* the line each key was given on, 0 if not yet */
};

/* Writes 'FILE:LINE: ' into st->err and returns its length, for the rest to follow. */
static size_t error_prefix(struct load_state *st)
{
    char file[NAME_MAX_SHOWN * 4 + 8];
    int n;

    escape(file, sizeof file, st->path, strlen(st->path), NAME_MAX_SHOWN);
    n = snprintf(st->err, st->errlen, "%s:%u: ", file, st->line);
    st->err_line = st->line;
    if (n < 0 || st->errlen == 0)
        return 0;
    return (size_t)n < st->errlen ? (size_t)n : st->errlen - 1;
}

/* Writes 'FILE:LINE: [SECTION] KEY: WHY'. Returns 0, the handler's "stop". */
static int key_error(struct load_state *st, const char *section, const char *name, const char *why)
{
    char sec[QUOTE_MAX * 4 + 8], key[QUOTE_MAX * 4 + 8];
    size_t at = error_prefix(st);

    escape(sec, sizeof sec, section, strlen(section), QUOTE_MAX);
    escape(key, sizeof key, name, strlen(name), QUOTE_MAX);
    snprintf(st->err + at, st->errlen - at, "[%s] %s: %s", sec, key, why);
    return 0;
}

static int section_known(const char *section)
{
    return lookup(SECTIONS, COUNT(SECTIONS), section) >= 0;
}

static const struct key_spec *find_key(const char *section, const char *name)
{
    for (size_t i = 0; i < COUNT(KEYS); i++)
        if (strcmp(KEYS[i].section, section) == 0 && strcmp(KEYS[i].name, name) == 0)
            return &KEYS[i];
    return NULL;
}

/* An unknown key is reported with the keys its section does have, to make a typo obvious. */
static int unknown_key(struct load_state *st, const char *section, const char *name)
{
    char why[256];
    size_t at;

    if (!section_known(section))
        return key_error(st, section, name, "key outside any known [section]");
    at = (size_t)snprintf(why, sizeof why, "unknown key; expected one of ");
    for (size_t i = 0, n = 0; i < COUNT(KEYS) && at < sizeof why; i++)
        if (strcmp(KEYS[i].section, section) == 0)
            at +=
                (size_t)snprintf(why + at, sizeof why - at, "%s%s", n++ ? ", " : "", KEYS[i].name);
    return key_error(st, section, name, why);
}

/* libinih's handler: one call per "key = value" line. Returns 1 to go on, 0 to stop. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct load_state *st = user;
    char why[TOLK_CONFIG_ERR_MAX];

    if (st->err_line != 0)
        return 0;
    if (name == NULL || value == NULL) /* a section start, if libinih was built to report it */
        return 1;
    if (st->line_problem[0] != '\0') {
        expected(why, sizeof why, st->line_problem, value);
        return key_error(st, section, name, why);
    }
    const struct key_spec *key = find_key(section, name);
    if (key == NULL)
        return unknown_key(st, section, name);
    size_t k = (size_t)(key - KEYS);
    if (st->seen[k] != 0) {
        snprintf(why, sizeof why, "given twice, on line %u and on line %u", st->seen[k], st->line);
        return key_error(st, section, name, why);
    }
    st->seen[k] = st->line;
    if (key->parse(key, value, st->cfg, why, sizeof why) != 0)
        return key_error(st, section, name, why);
    return 1;
}

static int is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int unknown_section(struct load_state *st, const char *name, size_t len)
{
    char shown[QUOTE_MAX * 4 + 8], list[96];
    size_t at = 0;

    for (size_t i = 0; i < COUNT(SECTIONS); i++)
        at += (size_t)snprintf(list + at, sizeof list - at, "%s[%s]", i ? ", " : "", SECTIONS[i]);
    escape(shown, sizeof shown, name, len, QUOTE_MAX);
    at = error_prefix(st);
    snprintf(st->err + at, st->errlen - at, "[%s]: unknown section; expected one of %s", shown,
             list);
    return -1;
}

/*
 * Refuses a "[section]" line naming a section we do not know, or followed by anything but a
 * comment (libinih ignores the rest of the line, so "[server] listen = ..." would silently lose
 * the key). The name is taken as libinih takes it: everything between '[' and the first ']',
 * untrimmed. Returns 0 if the line is fine, or is no section line at all.
 */
static int check_section_line(struct load_state *st, const char *line)
{
    const char *close = strchr(line, ']'), *rest;
    char shown[QUOTE_MAX * 4 + 8];
    size_t len, at;
    int known = 0;

    if (line[0] != '[' || close == NULL)
        return 0; /* not a section header, or a syntax error that libinih will report */
    len = (size_t)(close - line - 1);
    for (size_t i = 0; i < COUNT(SECTIONS); i++)
        known |= strlen(SECTIONS[i]) == len && memcmp(SECTIONS[i], line + 1, len) == 0;
    if (!known)
        return unknown_section(st, line + 1, len);
    for (rest = close + 1; is_blank(*rest); rest++)
        ;
    if (*rest == '\0' || *rest == ';' || *rest == '#')
        return 0;
    escape(shown, sizeof shown, rest, strlen(rest), QUOTE_MAX);
    at = error_prefix(st);
    snprintf(st->err + at, st->errlen - at,
             "syntax error: expected only a comment after the section name, got \"%s\"", shown);
    return -1;
}

/*
 * libinih's reader: hands over one physical line per call, so that libinih's line count and
 * ours agree, without its leading whitespace. A line too long for libinih's buffer is cut to
 * fit and flagged, as is a line holding a NUL byte: the handler refuses a key on such a line,
 * while a long comment stays harmless. Returns NULL at the end, on a read error, or to stop
 * after an error.
 */
static char *read_line(char *buf, int size, void *user)
{
    struct load_state *st = user;
    size_t cap = size > 1 ? (size_t)size - 1 : 0, len = 0;
    int c, any = 0;

    if (st->err_line != 0 || cap == 0)
        return NULL;
    st->line_problem[0] = '\0';
    while ((c = getc(st->fp)) != EOF) {
        any = 1;
        if (c == '\n')
            break;
        if (len == 0 && is_blank(c))
            continue;
        if (c == '\0')
            snprintf(st->line_problem, sizeof st->line_problem, "a line without NUL bytes");
        if (len < cap)
            buf[len++] = (char)c;
        else
            snprintf(st->line_problem, sizeof st->line_problem, "a line of at most %zu characters",
                     cap);
    }
    if (c == EOF && ferror(st->fp)) {
        st->read_errno = errno != 0 ? errno : EIO;
        return NULL;
    }
    if (!any)
        return NULL;
    buf[len] = '\0';
    st->line++;
    return check_section_line(st, buf) == 0 ? buf : NULL;
}

void tolk_config_defaults(struct tolk_config *cfg)
{
    assert(cfg != NULL);
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->listen_host, sizeof cfg->listen_host, "127.0.0.1");
    cfg->listen_port = 8443;
    cfg->event_loop = TOLK_LOOP_LIBEV;
    snprintf(cfg->tls_certificate, sizeof cfg->tls_certificate, "tolk-data/tls/cert.pem");
    snprintf(cfg->tls_private_key, sizeof cfg->tls_private_key, "tolk-data/tls/key.pem");
    snprintf(cfg->database, sizeof cfg->database, "tolk-data/tolk.db");
    snprintf(cfg->data_key_file, sizeof cfg->data_key_file, "tolk-data/data.key");
    cfg->retention_days = 90;
    cfg->log_level = TOLK_LOG_INFO;
    cfg->max_connections = 4096;
    cfg->max_message_bytes = 65536;
    cfg->send_queue_depth = 64;
    cfg->join_early_minutes = 15;
    cfg->join_grace_minutes = 15;
    cfg->duck_floor_db = 15;
    cfg->allow_recording = false;
    snprintf(cfg->web_root, sizeof cfg->web_root, "auto");
}

/* Writes 'FILE: cannot read: REASON' and returns -1. */
static int read_error(struct load_state *st, int errnum)
{
    char file[NAME_MAX_SHOWN * 4 + 8], reason[128];

    if (strerror_r(errnum, reason, sizeof reason) != 0)
        snprintf(reason, sizeof reason, "error %d", errnum);
    escape(file, sizeof file, st->path, strlen(st->path), NAME_MAX_SHOWN);
    snprintf(st->err, st->errlen, "%s: cannot read: %s", file, reason);
    return -1;
}

int tolk_config_load(struct tolk_config *cfg, const char *path, char *err, size_t errlen)
{
    struct load_state st = {.cfg = cfg, .path = path, .err = err, .errlen = errlen};
    char no_err[1];
    int rc;

    assert(cfg != NULL && path != NULL && (err != NULL || errlen == 0));
    if (errlen == 0) { /* so that every message can be written, and dropped, the same way */
        st.err = no_err;
        st.errlen = sizeof no_err;
    }
    st.err[0] = '\0';
    st.fp = fopen(path, "r");
    if (st.fp == NULL)
        return read_error(&st, errno);
    rc = ini_parse_stream(read_line, &st, on_key, &st);
    fclose(st.fp);
    if (st.read_errno != 0)
        return read_error(&st, st.read_errno);
    /* libinih returns the first bad line; if it is not ours, it is a syntax error. */
    if (rc > 0 && (st.err_line == 0 || (unsigned)rc < st.err_line)) {
        st.line = (unsigned)rc;
        size_t at = error_prefix(&st);
        snprintf(st.err + at, st.errlen - at,
                 "syntax error: expected \"key = value\" or \"[section]\"");
        return -1;
    }
    if (rc < 0 && st.err_line == 0) {
        snprintf(st.err, st.errlen, "%s: cannot parse (libinih error %d)", path, rc);
        return -1;
    }
    return st.err_line != 0 ? -1 : 0;
}

/*
 * Checks the host part of a listen address, already cut out of its brackets. Returns NULL if
 * it is fine, or what was expected instead.
 */
static const char *check_host(const char *host, int bracketed)
{
    unsigned char addr[16];

    if (bracketed)
        return inet_pton(AF_INET6, host, addr) == 1 ? NULL : "an IPv6 address between '[' and ']'";
    if (strchr(host, '[') != NULL || strchr(host, ']') != NULL)
        return "balanced '[' and ']' around an IPv6 address";
    if (strchr(host, ':') != NULL)
        return "an IPv6 address in brackets, as in [::1]:8443";
    if (strcmp(host, "localhost") == 0 || inet_pton(AF_INET, host, addr) == 1)
        return NULL;
    return "an IPv4 address, [IPv6 address] or localhost before the ':'";
}

int tolk_config_parse_listen(const char *text, char *host, size_t hostlen, uint16_t *port,
                             char *err, size_t errlen)
{
    const char *start = text, *end, *port_text, *bad;
    char name[TOLK_CONFIG_HOST_MAX];
    size_t len, most = (hostlen < sizeof name ? hostlen : sizeof name) - 1;
    uint32_t number;
    int bracketed = text[0] == '[';

    assert(text != NULL && host != NULL && hostlen > 0 && port != NULL);
    assert(err != NULL || errlen == 0);
    if (bracketed) {
        start = text + 1;
        end = strchr(start, ']');
        if (end == NULL)
            return expected(err, errlen, "a ']' closing the IPv6 address", text);
        if (end[1] != ':')
            return expected(err, errlen, "\":PORT\" after \"[IPV6]\"", text);
        port_text = end + 2;
    } else if ((end = strrchr(text, ':')) != NULL) {
        port_text = end + 1;
    } else {
        return expected(err, errlen, "HOST:PORT, [IPV6]:PORT or :PORT", text);
    }
    if (parse_whole(port_text, 0, 65535, &number) != 0)
        return expected(err, errlen, "a port from 0 to 65535 after the last ':'", text);
    len = (size_t)(end - start);
    if (len < sizeof name) {
        memcpy(name, start, len);
        name[len] = '\0';
        if (len == 0 && !bracketed)
            snprintf(name, sizeof name, "127.0.0.1");
    }
    if (len >= sizeof name || strlen(name) > most) {
        char what[64];
        snprintf(what, sizeof what, "a host of at most %zu characters", most);
        return expected(err, errlen, what, text);
    }
    if ((bad = check_host(name, bracketed)) != NULL)
        return expected(err, errlen, bad, text);
    memcpy(host, name, strlen(name) + 1);
    *port = (uint16_t)number;
    return 0;
}

const char *tolk_log_level_name(enum tolk_log_level level)
{
    if ((unsigned)level < COUNT(LEVEL_NAMES))
        return LEVEL_NAMES[level];
    return "unknown";
}
