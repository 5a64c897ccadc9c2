/*
 * What tolkctl's command modules share: the parsed command line, the one-line error report
 * and the password prompt. tolkctl.c has the local commands (on the store file); over the REST
 * API, remote.c has logins, accounts and the audit log, people.c clients, interpreters and
 * clinicians, appointments.c appointments, and request.c turns their flags into requests.
 */
#ifndef TOLKCTL_H
#define TOLKCTL_H

#include <stdbool.h>
#include <stddef.h>

enum { EXIT_REFUSED = 1, EXIT_USAGE = 2 };

#define TOLKCTL_FLAGS_MAX 64

/* One flag of the commands for records (--alias, --slot, ...), in the order given. */
struct flag_value {
    const char *name;  /* the long option without "--" */
    const char *value; /* NULL for a flag that takes none (--no-slots) */
};

struct options {
    const char *db, *key, *username;
    const char *url, *ca, *token_file, *role, *after, *limit;
    bool json;
    struct flag_value flags[TOLKCTL_FLAGS_MAX];
    size_t n_flags;
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

/* The "client", "interpreter" and "clinician" commands (people.c); each returns the exit status. */
int tolkctl_client(const struct options *o);
int tolkctl_interpreter(const struct options *o);
int tolkctl_clinician(const struct options *o);

/* The "appointment" commands (appointments.c); returns the exit status. */
int tolkctl_appointment(const struct options *o);

#endif
