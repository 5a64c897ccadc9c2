/*
 * What tolkctl's command modules share: the parsed command line, the one-line error report
 * and the password prompt. tolkctl.c has the local commands (on the store file), remote.c the
 * commands over the REST API.
 */
#ifndef TOLKCTL_H
#define TOLKCTL_H

#include <stdbool.h>
#include <stddef.h>

enum { EXIT_REFUSED = 1, EXIT_USAGE = 2 };

struct options {
    const char *db, *key, *username;
    const char *url, *ca, *token_file, *role, *after, *limit;
    bool json;
    int argc;
    char **argv; /* the command words */
};

/* Prints "tolkctl: " and the message as one line on stderr; returns STATUS. */
int tolkctl_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Reads the password for USERNAME from one line of stdin (without echo on a terminal) into
 * BUF (CAP bytes, sodium_malloc'd by the caller, who wipes it). 0, or an exit status after
 * reporting a password that is not one line of 12 to 1024 bytes.
 */
int tolkctl_read_password(const char *username, char *buf, size_t cap, size_t *len);

/* Runs a command over the REST API at o->url; returns the exit status. */
int tolkctl_remote(const struct options *o);

#endif
