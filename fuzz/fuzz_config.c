/*
 * Fuzz target: the configuration file (config/config.c, over libinih).
 *
 * The input is the whole file. tolk_config_load() takes a path, so the bytes are written to a
 * memory file (memfd) and loaded through /proc/self/fd/N: the real loader, fopen and all, with
 * no disk in the way. What is checked: no crash, leak or read out of bounds; a load either
 * succeeds with every value within the range config.h and tolkd.conf document, or fails with
 * one non-empty line that names the file; and the error text always fits the buffer.
 */
#define _GNU_SOURCE /* memfd_create */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what, const char *detail)
{
    if (!ok) {
        fprintf(stderr, "fuzz_config: %s: %s\n", what, detail);
        abort();
    }
}

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

/* A path as parse_path keeps it: 1 to 1023 bytes, none of them a control character. */
static bool path_ok(const char *p, size_t cap)
{
    size_t n = strnlen(p, cap);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
            return false;
    return n > 0 && n < cap;
}

#define IN(v, lo, hi) ((v) >= (lo) && (v) <= (hi))

static void check_loaded(const struct tolk_config *c)
{
    check(terminated(c->listen_host, sizeof c->listen_host) && c->listen_host[0] != '\0',
          "listen host", "empty or unterminated");
    check(path_ok(c->tls_certificate, sizeof c->tls_certificate) &&
              path_ok(c->tls_private_key, sizeof c->tls_private_key) &&
              path_ok(c->database, sizeof c->database) &&
              path_ok(c->data_key_file, sizeof c->data_key_file),
          "path", "empty, unterminated or with a control character");
    check(c->event_loop == TOLK_LOOP_LIBEV || c->event_loop == TOLK_LOOP_POLL, "event_loop",
          "out of range");
    check(c->log_level <= TOLK_LOG_DEBUG, "log level", "out of range");
    check(IN(c->retention_days, 1u, 3650u) && IN(c->max_connections, 1u, 100000u) &&
              IN(c->max_message_bytes, 1024u, 1048576u) && IN(c->send_queue_depth, 4u, 4096u) &&
              c->join_early_minutes <= 240 && c->join_grace_minutes <= 240 &&
              c->duck_floor_db <= 60,
          "a number", "out of its documented range");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    struct tolk_config cfg;
    char err[TOLK_CONFIG_ERR_MAX + 1];

    if (fd < 0) {
        fd = memfd_create("tolkd.conf", 0);
        check(fd >= 0, "memfd_create", "failed");
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    check(ftruncate(fd, 0) == 0, "ftruncate", "failed");
    check(pwrite(fd, data, size, 0) == (ssize_t)size, "pwrite", "short write");

    /* A canary after the documented error size: the loader must stay within errlen. */
    memset(err, 'X', sizeof err);
    tolk_config_defaults(&cfg);
    int rc = tolk_config_load(&cfg, path, err, TOLK_CONFIG_ERR_MAX);
    check(err[TOLK_CONFIG_ERR_MAX] == 'X', "error text", "past errlen");
    check(terminated(err, TOLK_CONFIG_ERR_MAX), "error text", "unterminated");
    if (rc == 0) {
        check(err[0] == '\0', "success", "with an error text");
        check_loaded(&cfg);
    } else {
        check(rc == -1, "return value", "neither 0 nor -1");
        check(strncmp(err, path, strlen(path)) == 0, "error text", err);
    }

    /* A tiny error buffer must be handled too (no overflow, still terminated). */
    char small[8];
    memset(small, 'X', sizeof small);
    tolk_config_defaults(&cfg);
    tolk_config_load(&cfg, path, small, 5);
    check(small[5] == 'X' && terminated(small, 5), "small error buffer", "overflowed");
    return 0;
}
