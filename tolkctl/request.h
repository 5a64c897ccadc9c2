/*
 * The commands for records (clients, interpreters, clinicians, appointments) are each one REST
 * request, described by one row of a table (struct tolkctl_command): the method and path, and
 * which field of the body (or, for a GET, which query parameter) each flag fills in. request.c
 * checks the command line against the row, builds the request, sends it with the saved token
 * and hands the answer to the row's printer; with --json it prints the answer itself.
 *
 * tolkctl does not read times: a TIME made of digits only is sent as a JSON integer (Unix
 * seconds), anything else as a string, unchanged, for tolkd to read (with --tz as its zone).
 */
#ifndef TOLKCTL_REQUEST_H
#define TOLKCTL_REQUEST_H

#include <jansson.h>
#include <stddef.h>

#include "tolkctl.h"

/* What a flag's value is, and what it becomes in the body or the query. */
enum tolkctl_kind {
    TK_TEXT,     /* a string, as given */
    TK_OPT_TEXT, /* a string; "none" or "" sends null, which clears the field */
    TK_CONTACT,  /* as TK_OPT_TEXT; "-" reads one line of standard input instead */
    TK_ID,       /* a whole number from 1 */
    TK_OPT_ID,   /* as TK_ID; "none" sends null */
    TK_COUNT,    /* a whole number from 0 (--after, --limit) */
    TK_TIME,     /* digits only: a JSON integer (Unix seconds); anything else: a string */
    TK_YESNO,    /* "yes" or "no": true or false */
    TK_TRUE,     /* a flag without a value: true */
    TK_LANGS,    /* repeated TAG or TAG! (dialect required): [{"tag", "dialect_required"}] */
    TK_TAGS,     /* repeated TAG: an array of strings */
    TK_PAIRS,    /* repeated A:B: [{"a", "b"}] */
    TK_SLOTS,    /* repeated DAY[-DAY]:HH:MM-HH:MM, or --no-slots for none: weekly slots */
};

struct tolkctl_flag {
    const char *flag;  /* the long option without "--"; NULL ends a command's list */
    const char *field; /* the body field or query parameter it fills in */
    enum tolkctl_kind kind;
};

struct tolkctl_command;

/* What a printer gets besides the answer. */
struct tolkctl_request {
    const struct options *o;
    const struct tolkctl_command *cmd;
    const char *id;     /* the command's ID word, as sent; NULL when it takes none */
    const json_t *body; /* the body sent; NULL for a request without one */
};

/*
 * Prints ANSWER (NULL for a 204) as text for people; with --json, only an answer without a
 * body comes here (request.c prints the others as they are). Returns the exit status.
 */
typedef int (*tolkctl_printer)(const struct tolkctl_request *rq, const json_t *answer);

enum {
    TOLKCTL_BODY = 1,       /* takes --body FILE|-: a JSON object the flags add to */
    TOLKCTL_NO_CONTACT = 2, /* --json leaves the answer's "contact" out */
    TOLKCTL_CHANGES = 4,    /* the body must name something to change */
};

#define TOLKCTL_N(a) (sizeof(a) / sizeof((a)[0]))

#define TOLKCTL_CMD_FLAGS    12
#define TOLKCTL_REQUIRED_MAX 6

struct tolkctl_command {
    const char *name;   /* the command's words, "client add" */
    const char *method; /* "GET", "POST", "PATCH" or "PUT" */
    const char *path;   /* below /api/v1; "{id}" stands for the ID word the command then takes */
    const char *done;   /* the first word of the text output, "created"; NULL for reads */
    tolkctl_printer print;
    unsigned opts; /* TOLKCTL_BODY, TOLKCTL_NO_CONTACT, TOLKCTL_CHANGES */
    const char *required[TOLKCTL_REQUIRED_MAX]; /* body fields that must be there */
    struct tolkctl_flag flags[TOLKCTL_CMD_FLAGS];
};

/*
 * Runs the command of CMDS (N rows) named by o->argv[0] and o->argv[1]; USAGE is the one-line
 * usage error for a command word that names none of them. Returns the exit status.
 */
int tolkctl_run(const struct options *o, const struct tolkctl_command *cmds, size_t n,
                const char *usage);

/* The days of weekly slots, as --slot takes them and the API numbers them: 0 is Monday. */
extern const char *const tolkctl_days[7];

/* Time V (Unix seconds, or a string from tolkd) as "YYYY-MM-DD HH:MM UTC" in BUF; returns BUF. */
const char *tolkctl_time(const json_t *v, char *buf, size_t cap);

/* The id at KEY of OBJ as text in BUF, or "none" when it is null or absent; returns BUF. */
const char *tolkctl_id(const json_t *obj, const char *key, char *buf, size_t cap);

#endif
