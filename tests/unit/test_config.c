/*
 * Unit tests for config/: defaults, the shipped tolkd.conf, every key's validation, the error
 * messages (file, line, key, what was expected, what was found) and the listen-address parser.
 * Each test writes its INI text to a mkstemp() file under /tmp and removes it before asserting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define SHIPPED_CONF TOLK_SOURCE_DIR "/config/tolkd.conf"
#define TMP_TEMPLATE "/tmp/tolk-test-config-XXXXXX"

/* Writes LEN bytes of TEXT to a fresh temporary file and leaves its name in path. */
static void write_temp(char path[sizeof TMP_TEMPLATE], const char *text, size_t len)
{
    memcpy(path, TMP_TEMPLATE, sizeof TMP_TEMPLATE);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    ssize_t n = write(fd, text, len);
    assert_int_equal(close(fd), 0);
    if (n < 0 || (size_t)n != len) {
        unlink(path);
        fail_msg("short write to %s", path);
    }
}

/* Loads LEN bytes of TEXT over the defaults; the file is gone again when this returns. */
static int load_bytes(const char *text, size_t len, struct tolk_config *cfg, char *err,
                      char path[sizeof TMP_TEMPLATE])
{
    write_temp(path, text, len);
    tolk_config_defaults(cfg);
    memset(err, 'X', TOLK_CONFIG_ERR_MAX);
    int rc = tolk_config_load(cfg, path, err, TOLK_CONFIG_ERR_MAX);
    unlink(path);
    return rc;
}

static int load_text(const char *text, struct tolk_config *cfg, char *err,
                     char path[sizeof TMP_TEMPLATE])
{
    return load_bytes(text, strlen(text), cfg, err, path);
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

/* The error starts with "PATH:LINE: ", holds every NEEDLE (NULL-terminated), is one line. */
static void assert_error_at(const char *err, const char *path, unsigned line, ...)
{
    char prefix[128];
    va_list ap;

    snprintf(prefix, sizeof prefix, "%s:%u: ", path, line);
    if (strncmp(err, prefix, strlen(prefix)) != 0)
        fail_msg("error \"%s\" does not start with \"%s\"", err, prefix);
    assert_null(strchr(err, '\n'));
    assert_true(strlen(err) < TOLK_CONFIG_ERR_MAX);
    va_start(ap, line);
    for (const char *needle = va_arg(ap, const char *); needle != NULL;
         needle = va_arg(ap, const char *))
        assert_contains(err, needle);
    va_end(ap);
}

/* Loads TEXT, which must fail on LINE with an error holding NEEDLE1 and NEEDLE2. */
static void expect_error(const char *text, unsigned line, const char *needle1, const char *needle2)
{
    struct tolk_config cfg;
    char err[TOLK_CONFIG_ERR_MAX], path[sizeof TMP_TEMPLATE];

    if (load_text(text, &cfg, err, path) != -1)
        fail_msg("loaded although it should not:\n%s", text);
    assert_error_at(err, path, line, needle1, needle2, NULL);
}

static void expect_ok(const char *text, struct tolk_config *cfg)
{
    char err[TOLK_CONFIG_ERR_MAX], path[sizeof TMP_TEMPLATE];

    if (load_text(text, cfg, err, path) != 0)
        fail_msg("failed to load (%s):\n%s", err, text);
    assert_string_equal(err, "");
}

static void assert_config_equal(const struct tolk_config *a, const struct tolk_config *b)
{
    assert_string_equal(a->listen_host, b->listen_host);
    assert_int_equal(a->listen_port, b->listen_port);
    assert_int_equal(a->event_loop, b->event_loop);
    assert_string_equal(a->tls_certificate, b->tls_certificate);
    assert_string_equal(a->tls_private_key, b->tls_private_key);
    assert_string_equal(a->database, b->database);
    assert_string_equal(a->data_key_file, b->data_key_file);
    assert_int_equal(a->retention_days, b->retention_days);
    assert_int_equal(a->log_level, b->log_level);
    assert_int_equal(a->max_connections, b->max_connections);
    assert_int_equal(a->max_message_bytes, b->max_message_bytes);
    assert_int_equal(a->send_queue_depth, b->send_queue_depth);
    assert_int_equal(a->join_early_minutes, b->join_early_minutes);
    assert_int_equal(a->join_grace_minutes, b->join_grace_minutes);
    assert_int_equal(a->duck_floor_db, b->duck_floor_db);
    assert_int_equal(a->allow_recording, b->allow_recording);
    assert_string_equal(a->web_root, b->web_root);
}

static void test_defaults(void **state)
{
    struct tolk_config cfg;

    (void)state;
    memset(&cfg, 0xa5, sizeof cfg);
    tolk_config_defaults(&cfg);
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 8443);
    assert_int_equal(cfg.event_loop, TOLK_LOOP_LIBEV);
    assert_string_equal(cfg.tls_certificate, "tolk-data/tls/cert.pem");
    assert_string_equal(cfg.tls_private_key, "tolk-data/tls/key.pem");
    assert_string_equal(cfg.database, "tolk-data/tolk.db");
    assert_string_equal(cfg.data_key_file, "tolk-data/data.key");
    assert_int_equal(cfg.retention_days, 90);
    assert_int_equal(cfg.log_level, TOLK_LOG_INFO);
    assert_int_equal(cfg.max_connections, 4096);
    assert_int_equal(cfg.join_early_minutes, 15);
    assert_int_equal(cfg.join_grace_minutes, 15);
    assert_int_equal(cfg.duck_floor_db, 15);
    assert_false(cfg.allow_recording);
    assert_string_equal(cfg.web_root, "auto");
    assert_int_equal(cfg.max_message_bytes, 65536);
    assert_int_equal(cfg.send_queue_depth, 64);
}

static void test_empty_file_gives_defaults(void **state)
{
    struct tolk_config cfg, defaults;

    (void)state;
    tolk_config_defaults(&defaults);
    expect_ok("", &cfg);
    assert_config_equal(&cfg, &defaults);
    expect_ok("; only a comment\n\n# another\n[server]\n[limits]\n", &cfg);
    assert_config_equal(&cfg, &defaults);
}

static void test_shipped_config_loads_as_defaults(void **state)
{
    struct tolk_config cfg, defaults;
    char err[TOLK_CONFIG_ERR_MAX];

    (void)state;
    tolk_config_defaults(&defaults);
    tolk_config_defaults(&cfg);
    if (tolk_config_load(&cfg, SHIPPED_CONF, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_config_equal(&cfg, &defaults);
}

static const char *const ALL_KEYS[] = {
    "listen",
    "event_loop",
    "certificate",
    "private_key",
    "database",
    "data_key_file",
    "retention_days",
    "level",
    "max_connections",
    "max_message_bytes",
    "send_queue_depth",
    "join_early_minutes",
    "join_grace_minutes",
    "duck_floor_db",
    "allow_recording",
    "root",
};
#define KEY_COUNT (sizeof ALL_KEYS / sizeof ALL_KEYS[0])

/* Strips "; " from a shipped line of the form "; KEY = ...", counting which key it was. */
static int uncomment(char *line, unsigned counts[KEY_COUNT])
{
    for (size_t k = 0; k < KEY_COUNT; k++) {
        size_t n = strlen(ALL_KEYS[k]);
        if (strncmp(line, "; ", 2) == 0 && strncmp(line + 2, ALL_KEYS[k], n) == 0 &&
            strncmp(line + 2 + n, " = ", 3) == 0) {
            memmove(line, line + 2, strlen(line + 2) + 1);
            counts[k]++;
            return 1;
        }
    }
    return 0;
}

/* The commented-out values in tolkd.conf are the real defaults, and every key is there once. */
static void test_shipped_config_documents_every_default(void **state)
{
    char text[16384] = "", line[512], err[TOLK_CONFIG_ERR_MAX], path[sizeof TMP_TEMPLATE];
    unsigned counts[KEY_COUNT] = {0};
    struct tolk_config cfg, defaults;
    FILE *fp = fopen(SHIPPED_CONF, "r");

    (void)state;
    assert_non_null(fp);
    while (fgets(line, sizeof line, fp) != NULL) {
        assert_true(strlen(line) < 200);
        uncomment(line, counts);
        assert_true(strlen(text) + strlen(line) < sizeof text);
        strcat(text, line);
    }
    fclose(fp);
    for (size_t k = 0; k < KEY_COUNT; k++)
        if (counts[k] != 1)
            fail_msg("key %s appears %u times in tolkd.conf", ALL_KEYS[k], counts[k]);
    if (load_text(text, &cfg, err, path) != 0)
        fail_msg("uncommented tolkd.conf does not load: %s", err);
    tolk_config_defaults(&defaults);
    assert_config_equal(&cfg, &defaults);
}

static void test_full_file(void **state)
{
    struct tolk_config cfg;

    (void)state;
    expect_ok("# every key, none at its default\n"
              "[server]\n"
              "listen = [::1]:0\n"
              "event_loop = poll ; inline comment\n"
              "\n"
              "[tls]\r\n"
              "certificate = /etc/tolk/fullchain.pem\r\n"
              "  private_key   =   /etc/tolk/privkey.pem   \n"
              "[store]\n"
              "database = sqlite:/var/lib/tolk/tolk.db\n"
              "data_key_file = /etc/tolk/keys/data key.bin\n"
              "retention_days = 3650\n"
              "[log] ; a comment after a section is fine\n"
              "level = debug\n"
              "\t[limits]   # so is this one\n"
              "max_connections = 100000\n"
              "max_message_bytes = 1024\n"
              "send_queue_depth = 4096",
              &cfg);
    assert_string_equal(cfg.listen_host, "::1");
    assert_int_equal(cfg.listen_port, 0);
    assert_int_equal(cfg.event_loop, TOLK_LOOP_POLL);
    assert_string_equal(cfg.tls_certificate, "/etc/tolk/fullchain.pem");
    assert_string_equal(cfg.tls_private_key, "/etc/tolk/privkey.pem");
    assert_string_equal(cfg.database, "sqlite:/var/lib/tolk/tolk.db");
    assert_string_equal(cfg.data_key_file, "/etc/tolk/keys/data key.bin");
    assert_int_equal(cfg.retention_days, 3650);
    assert_int_equal(cfg.log_level, TOLK_LOG_DEBUG);
    assert_int_equal(cfg.max_connections, 100000);
    assert_int_equal(cfg.max_message_bytes, 1024);
    assert_int_equal(cfg.send_queue_depth, 4096);
}

static void test_enum_values(void **state)
{
    static const struct {
        const char *name;
        enum tolk_log_level level;
    } levels[] = {{"error", TOLK_LOG_ERROR},
                  {"warn", TOLK_LOG_WARN},
                  {"info", TOLK_LOG_INFO},
                  {"debug", TOLK_LOG_DEBUG}};
    struct tolk_config cfg;
    char text[64];

    (void)state;
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        snprintf(text, sizeof text, "[log]\nlevel = %s\n", levels[i].name);
        expect_ok(text, &cfg);
        assert_int_equal(cfg.log_level, levels[i].level);
    }
    expect_ok("[server]\nevent_loop = libev\n", &cfg);
    assert_int_equal(cfg.event_loop, TOLK_LOOP_LIBEV);
    expect_ok("[server]\nevent_loop = poll\n", &cfg);
    assert_int_equal(cfg.event_loop, TOLK_LOOP_POLL);
}

struct numeric_key {
    const char *section, *name;
    uint32_t min, max;
    size_t offset;
};

static const struct numeric_key NUMERIC_KEYS[] = {
    {"store", "retention_days", 1, 3650, offsetof(struct tolk_config, retention_days)},
    {"limits", "max_connections", 1, 100000, offsetof(struct tolk_config, max_connections)},
    {"limits", "max_message_bytes", 1024, 1048576, offsetof(struct tolk_config, max_message_bytes)},
    {"limits", "send_queue_depth", 4, 4096, offsetof(struct tolk_config, send_queue_depth)},
    {"appointments", "join_early_minutes", 0, 240,
     offsetof(struct tolk_config, join_early_minutes)},
    {"appointments", "join_grace_minutes", 0, 240,
     offsetof(struct tolk_config, join_grace_minutes)},
    {"session", "duck_floor_db", 0, 60, offsetof(struct tolk_config, duck_floor_db)},
};
#define NUMERIC_COUNT (sizeof NUMERIC_KEYS / sizeof NUMERIC_KEYS[0])

static uint32_t numeric_field(const struct tolk_config *cfg, const struct numeric_key *key)
{
    uint32_t v;
    memcpy(&v, (const char *)cfg + key->offset, sizeof v);
    return v;
}

static void test_numeric_bounds_accepted(void **state)
{
    struct tolk_config cfg;
    char text[128];

    (void)state;
    for (size_t k = 0; k < NUMERIC_COUNT; k++) {
        const struct numeric_key *key = &NUMERIC_KEYS[k];
        uint32_t values[] = {key->min, key->max, key->min + 1, key->max - 1};
        for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
            snprintf(text, sizeof text, "[%s]\n%s = %lu\n", key->section, key->name,
                     (unsigned long)values[v]);
            expect_ok(text, &cfg);
            assert_int_equal(numeric_field(&cfg, key), values[v]);
        }
    }
}

/* Every kind of bad number, for every numeric key, is refused on its line with its range. */
static void test_numeric_bad_values(void **state)
{
    const char *fixed[] = {"-1",
                           "+5",
                           "",
                           "12abc",
                           "1e3",
                           "0x10",
                           "1.5",
                           "1 000",
                           "abc",
                           "4294967296",
                           "18446744073709551615",
                           "99999999999999999999"};
    char text[256], low[16], high[16], got[64], range[96];

    (void)state;
    for (size_t k = 0; k < NUMERIC_COUNT; k++) {
        const struct numeric_key *key = &NUMERIC_KEYS[k];
        snprintf(low, sizeof low, "%lu", (unsigned long)key->min - 1);
        snprintf(high, sizeof high, "%lu", (unsigned long)key->max + 1);
        snprintf(range, sizeof range, "[%s] %s: expected a whole number from %lu to %lu",
                 key->section, key->name, (unsigned long)key->min, (unsigned long)key->max);
        for (size_t v = 0; v < sizeof fixed / sizeof fixed[0] + 2; v++) {
            const char *value = v == 0 ? low : v == 1 ? high : fixed[v - 2];
            snprintf(text, sizeof text, "; comment\n[%s]\n\n%s = %s\n", key->section, key->name,
                     value);
            snprintf(got, sizeof got, "got \"%s\"", value);
            expect_error(text, 4, range, got);
        }
    }
}

static void test_bad_enum_values(void **state)
{
    (void)state;
    expect_error("[server]\nevent_loop = epoll\n", 2, "[server] event_loop: expected libev or poll",
                 "got \"epoll\"");
    expect_error("[server]\nevent_loop = LIBEV\n", 2, "[server] event_loop:", "got \"LIBEV\"");
    expect_error("[server]\nevent_loop =\n", 2, "[server] event_loop:", "got \"\"");
    expect_error("[log]\nlevel = trace\n", 2, "[log] level: expected error, warn, info or debug",
                 "got \"trace\"");
    expect_error("[log]\nlevel = INFO\n", 2, "[log] level:", "got \"INFO\"");
    expect_error("[log]\nlevel = 2\n", 2, "[log] level:", "got \"2\"");
    expect_error("[log]\nlevel = \n", 2, "[log] level:", "got \"\"");
    expect_error("[log]\nlevel = info debug\n", 2, "[log] level:", "got \"info debug\"");
    expect_error("[session]\nallow_recording = true\n", 2,
                 "[session] allow_recording: expected yes or no", "got \"true\"");
    expect_error("[session]\nallow_recording = Yes\n", 2,
                 "[session] allow_recording:", "got \"Yes\"");
}

static void test_bool_values(void **state)
{
    struct tolk_config cfg;

    (void)state;
    expect_ok("[session]\nallow_recording = yes\n", &cfg);
    assert_true(cfg.allow_recording);
    expect_ok("[session]\nallow_recording = no\n", &cfg);
    assert_false(cfg.allow_recording);
}

static void test_web_root(void **state)
{
    struct tolk_config cfg;

    (void)state;
    expect_ok("[web]\nroot = /usr/share/tolk/web\n", &cfg);
    assert_string_equal(cfg.web_root, "/usr/share/tolk/web");
    expect_ok("[web]\nroot = ./auto\n", &cfg);
    assert_string_equal(cfg.web_root, "./auto");
    expect_error("[web]\nroot =\n", 2, "[web] root: expected a path", "got \"\"");
    expect_error("[web]\nhome = web\n", 2, "[web] home: unknown key; expected one of root", NULL);
}

static void test_bad_paths(void **state)
{
    char text[1400], longpath[1200];

    (void)state;
    expect_error("[tls]\ncertificate =\n", 2, "[tls] certificate: expected a path", "got \"\"");
    expect_error("[store]\ndatabase = a\tb.db\n", 2, "[store] database: expected a path",
                 "got \"a\\x09b.db\"");
    expect_error("[store]\ndata_key_file = key\x7f\n", 2,
                 "[store] data_key_file:", "got \"key\\x7f\"");

    /* Far longer than TOLK_CONFIG_PATH_MAX: refused by key, whatever the line limit. */
    memset(longpath, 'p', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = '\0';
    snprintf(text, sizeof text, "[tls]\nprivate_key = %s\n[log]\nlevel = info\n", longpath);
    expect_error(text, 2, "[tls] private_key: expected", "got \"pppp");
}

/* libinih reads lines of up to 199 characters; a longer key line must not be half-read. */
static void test_line_length_limit(void **state)
{
    struct tolk_config cfg;
    char text[1024], path199[200];
    const char *prefix = "certificate = ";

    (void)state;
    size_t n = 199 - strlen(prefix);
    memset(path199, 'c', n);
    path199[n] = '\0';
    snprintf(text, sizeof text, "[tls]\n%s%s\n", prefix, path199);
    expect_ok(text, &cfg);
    assert_string_equal(cfg.tls_certificate, path199);

    snprintf(text, sizeof text, "[tls]\n%s%sX\n", prefix, path199);
    expect_error(text, 2, "[tls] certificate: expected a line of at most 199 characters",
                 "got \"ccc");

    /* A long comment is fine, and the lines after it keep their numbers. */
    memset(text, 0, sizeof text);
    strcpy(text, "[limits]\n;");
    memset(text + strlen(text), '-', 600);
    strcat(text, "\nmax_connections = 5\nsend_queue_depth = 1\n");
    expect_error(text, 4, "[limits] send_queue_depth:", "got \"1\"");
}

static void test_nul_byte(void **state)
{
    static const char text[] = "[log]\nlevel = in\0fo\n";
    struct tolk_config cfg;
    char err[TOLK_CONFIG_ERR_MAX], path[sizeof TMP_TEMPLATE];

    (void)state;
    assert_int_equal(load_bytes(text, sizeof text - 1, &cfg, err, path), -1);
    assert_error_at(err, path, 2, "[log] level: expected a line without NUL bytes", NULL);
}

static void test_bad_listen_in_file(void **state)
{
    (void)state;
    expect_error("[server]\nlisten = 127.0.0.1\n", 2, "[server] listen: expected",
                 "got \"127.0.0.1\"");
    expect_error("[server]\nlisten = 127.0.0.1:70000\n", 2,
                 "[server] listen: expected a port from 0 to 65535", "got \"127.0.0.1:70000\"");
    expect_error("[server]\nlisten = example.com:443\n", 2, "[server] listen: expected",
                 "got \"example.com:443\"");
}

static void test_unknown_key(void **state)
{
    (void)state;
    expect_error("[server]\nlisten = :1\nlisen = :2\n", 3,
                 "[server] lisen: unknown key; expected one of listen, event_loop", NULL);
    expect_error("[limits]\nmax_connection = 5\n", 2, "[limits] max_connection: unknown key",
                 "max_connections, max_message_bytes, send_queue_depth");
    /* A key in the wrong section is unknown there. */
    expect_error("[tls]\nlevel = info\n", 2, "[tls] level: unknown key", NULL);
    expect_error("Listen = :1\n", 1, "[] Listen: key outside any known", NULL);
    expect_error("; no section yet\nlisten = :1\n", 2, "[] listen: key outside any known", NULL);
}

static void test_unknown_section(void **state)
{
    (void)state;
    expect_error("[server]\nlisten = :1\n[sevrer]\nlisten = :2\n", 3, "[sevrer]: unknown section",
                 "expected one of [server], [tls], [store], [log], [limits]");
    /* Even with no keys under it: a typo in a header must not pass silently. */
    expect_error("[server]\n\n[lmits]\n", 3, "[lmits]: unknown section", NULL);
    expect_error("[ server ]\n", 1, "[ server ]: unknown section", NULL);
    expect_error("[Server]\n", 1, "[Server]: unknown section", NULL);
    expect_error("[]\n", 1, "[]: unknown section", NULL);
    expect_error("[serverx]\n", 1, "[serverx]: unknown section", NULL);
    expect_error("[serve]\n", 1, "[serve]: unknown section", NULL);
}

static void test_duplicate_key(void **state)
{
    (void)state;
    expect_error("[limits]\nmax_connections = 5\n[server]\n[limits]\nmax_connections = 6\n", 5,
                 "[limits] max_connections: given twice", "on line 2 and on line 5");
    expect_error("[log]\nlevel = info\nlevel = info\n", 3, "[log] level: given twice",
                 "on line 2 and on line 3");
}

/* Indented lines are keys of their own, never libinih's multi-line continuations. */
static void test_indented_keys(void **state)
{
    struct tolk_config cfg;

    (void)state;
    expect_ok("[limits]\nmax_connections = 5\n    send_queue_depth = 8\n\tmax_message_bytes = "
              "2048\n",
              &cfg);
    assert_int_equal(cfg.max_connections, 5);
    assert_int_equal(cfg.send_queue_depth, 8);
    assert_int_equal(cfg.max_message_bytes, 2048);
    expect_error("[log]\nlevel = info\n  debug\n", 3, "syntax error", NULL);
}

static void test_syntax_error(void **state)
{
    (void)state;
    expect_error("[server]\nlisten = :1\nthis is not ini\n", 3,
                 "syntax error: expected \"key = value\" or \"[section]\"", NULL);
    expect_error("[server\nlisten = :1\n", 1, "syntax error", NULL);
    /* The first problem in the file is the one reported, whichever kind it is. */
    expect_error("[log]\noops\nlevel = loud\n", 2, "syntax error", NULL);
    expect_error("[log]\nlevel = loud\noops\n", 2, "[log] level:", "got \"loud\"");
    expect_error("[log]\noops\n[nope]\n", 2, "syntax error", NULL);
    /* libinih would drop a key written on the section's line; we refuse it. */
    expect_error("[log] level = debug\n", 1,
                 "syntax error: expected only a comment after the section name",
                 "got \"level = debug\"");
}

static void test_error_quotes_value_safely(void **state)
{
    char text[512], value[301];

    (void)state;
    expect_error("[log]\nlevel = \"x\\\x01\x1b\xc3\xa9\n", 2,
                 "[log] level:", "got \"\\\"x\\\\\\x01\\x1b\\xc3\\xa9\"");
    memset(value, 'v', sizeof value - 1);
    value[sizeof value - 1] = '\0';
    snprintf(text, sizeof text, "[log]\nlevel = %.150s\n", value);
    struct tolk_config cfg;
    char err[TOLK_CONFIG_ERR_MAX], path[sizeof TMP_TEMPLATE];
    assert_int_equal(load_text(text, &cfg, err, path), -1);
    assert_error_at(err, path, 2, "[log] level:", "...", NULL);
    assert_true(strlen(err) < 200);
}

static void test_missing_file(void **state)
{
    struct tolk_config cfg;
    char err[TOLK_CONFIG_ERR_MAX], path[sizeof TMP_TEMPLATE];

    (void)state;
    write_temp(path, "", 0);
    unlink(path);
    tolk_config_defaults(&cfg);
    assert_int_equal(tolk_config_load(&cfg, path, err, sizeof err), -1);
    char want[128];
    snprintf(want, sizeof want, "%s: cannot read: No such file or directory", path);
    assert_string_equal(err, want);

    assert_int_equal(tolk_config_load(&cfg, "/tmp", err, sizeof err), -1);
    assert_string_equal(err, "/tmp: cannot read: Is a directory");
}

/* A short error buffer is filled and terminated, never overrun (ASan checks the overrun). */
static void test_small_error_buffer(void **state)
{
    struct tolk_config cfg;
    char path[sizeof TMP_TEMPLATE], *err = malloc(12);

    (void)state;
    assert_non_null(err);
    write_temp(path, "[log]\nlevel = loud\n", 19);
    tolk_config_defaults(&cfg);
    int rc = tolk_config_load(&cfg, path, err, 12);
    int rc_null = tolk_config_load(&cfg, path, NULL, 0);
    unlink(path);
    assert_int_equal(rc, -1);
    assert_int_equal(rc_null, -1);
    assert_int_equal(strlen(err), 11);
    assert_memory_equal(err, path, 11);
    free(err);
}

static void test_parse_listen_good(void **state)
{
    static const struct {
        const char *text, *host;
        uint16_t port;
    } cases[] = {
        {"127.0.0.1:8443", "127.0.0.1", 8443},
        {"0.0.0.0:443", "0.0.0.0", 443},
        {"10.1.2.3:65535", "10.1.2.3", 65535},
        {":8443", "127.0.0.1", 8443},
        {":0", "127.0.0.1", 0},
        {"localhost:80", "localhost", 80},
        {"[::1]:9000", "::1", 9000},
        {"[::]:0", "::", 0},
        {"[fe80::1:2]:1", "fe80::1:2", 1},
        {"[::ffff:192.0.2.1]:8080", "::ffff:192.0.2.1", 8080},
    };
    char host[TOLK_CONFIG_HOST_MAX], err[TOLK_CONFIG_ERR_MAX];
    uint16_t port;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        port = 1234;
        if (tolk_config_parse_listen(cases[i].text, host, sizeof host, &port, err, sizeof err) != 0)
            fail_msg("%s: %s", cases[i].text, err);
        assert_string_equal(host, cases[i].host);
        assert_int_equal(port, cases[i].port);
    }
    /* A host buffer just big enough is enough. */
    assert_int_equal(tolk_config_parse_listen(":1", host, 10, &port, err, sizeof err), 0);
    assert_string_equal(host, "127.0.0.1");
}

static void test_parse_listen_bad(void **state)
{
    static const struct {
        const char *text, *reason;
    } cases[] = {
        {"127.0.0.1", "HOST:PORT"},
        {"127.0.0.1:", "a port from 0 to 65535"},
        {"127.0.0.1:65536", "a port from 0 to 65535"},
        {"127.0.0.1:99999999999999999999", "a port from 0 to 65535"},
        {"127.0.0.1:-1", "a port from 0 to 65535"},
        {"127.0.0.1:+1", "a port from 0 to 65535"},
        {"127.0.0.1:80x", "a port from 0 to 65535"},
        {"127.0.0.1: 80", "a port from 0 to 65535"},
        {":", "a port from 0 to 65535"},
        {"", "HOST:PORT"},
        {"[]:80", "an IPv6 address between"},
        {"[::1:80", "a ']' closing"},
        {"::1]:80", "balanced"},
        {"[::1]", "\":PORT\" after"},
        {"[::1]80", "\":PORT\" after"},
        {"::1:80", "an IPv6 address in brackets"},
        {"[127.0.0.1]:80", "an IPv6 address between"},
        {"example.com:80", "an IPv4 address, [IPv6 address] or localhost"},
        {"256.1.1.1:80", "an IPv4 address"},
        {" 127.0.0.1:80", "an IPv4 address"},
        {"LOCALHOST:80", "an IPv4 address"},
    };
    char host[TOLK_CONFIG_HOST_MAX], err[TOLK_CONFIG_ERR_MAX], got[128];
    uint16_t port;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (tolk_config_parse_listen(cases[i].text, host, sizeof host, &port, err, sizeof err) !=
            -1)
            fail_msg("\"%s\" was accepted", cases[i].text);
        assert_true(strncmp(err, "expected ", 9) == 0);
        assert_contains(err, cases[i].reason);
        snprintf(got, sizeof got, ", got \"%s\"", cases[i].text);
        assert_contains(err, got);
    }
}

static void test_parse_listen_host_too_long(void **state)
{
    char text[400], host[TOLK_CONFIG_HOST_MAX], err[TOLK_CONFIG_ERR_MAX];
    uint16_t port;

    (void)state;
    memset(text, '1', 300);
    strcpy(text + 300, ":80");
    assert_int_equal(tolk_config_parse_listen(text, host, sizeof host, &port, err, sizeof err), -1);
    assert_contains(err, "expected a host of at most 255 characters");
    /* The caller's buffer counts too. */
    assert_int_equal(tolk_config_parse_listen("127.0.0.1:80", host, 9, &port, err, sizeof err), -1);
    assert_contains(err, "expected a host of at most 8 characters");
    assert_int_equal(tolk_config_parse_listen(":80", host, 9, &port, err, sizeof err), -1);
}

static void test_log_level_name(void **state)
{
    (void)state;
    assert_string_equal(tolk_log_level_name(TOLK_LOG_ERROR), "error");
    assert_string_equal(tolk_log_level_name(TOLK_LOG_WARN), "warn");
    assert_string_equal(tolk_log_level_name(TOLK_LOG_INFO), "info");
    assert_string_equal(tolk_log_level_name(TOLK_LOG_DEBUG), "debug");
    assert_string_equal(tolk_log_level_name((enum tolk_log_level)4), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_empty_file_gives_defaults),
        cmocka_unit_test(test_shipped_config_loads_as_defaults),
        cmocka_unit_test(test_shipped_config_documents_every_default),
        cmocka_unit_test(test_full_file),
        cmocka_unit_test(test_enum_values),
        cmocka_unit_test(test_numeric_bounds_accepted),
        cmocka_unit_test(test_numeric_bad_values),
        cmocka_unit_test(test_bad_enum_values),
        cmocka_unit_test(test_bool_values),
        cmocka_unit_test(test_web_root),
        cmocka_unit_test(test_bad_paths),
        cmocka_unit_test(test_line_length_limit),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_bad_listen_in_file),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_unknown_section),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_indented_keys),
        cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_error_quotes_value_safely),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_small_error_buffer),
        cmocka_unit_test(test_parse_listen_good),
        cmocka_unit_test(test_parse_listen_bad),
        cmocka_unit_test(test_parse_listen_host_too_long),
        cmocka_unit_test(test_log_level_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
