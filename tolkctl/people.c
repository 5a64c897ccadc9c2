/*
 * tolkctl's commands for the people appointments are made of (docs/API.md): client records,
 * and interpreter and clinician profiles. Each command is one row of a table (request.h) and a
 * printer for its answer.
 *
 * A client record is pseudonymous: lists show the alias and the id only, and contact details are
 * printed by "client show" alone, which tolkd audits as a full read. "client edit" gets the
 * whole record back but prints whether contact details are on file, not what they are (with
 * --json too). Contact details are best given as "--contact -", one line of standard input,
 * so that they stay out of the shell's history and the process list.
 */
#include <stdio.h>
#include <string.h>

#include "remote.h"
#include "request.h"
#include "tolkctl.h"

/* "  LABEL     " at the start of a line of a record. */
static void label(const char *name)
{
    printf("  %-20s", name);
}

/* The heading of a record: "[DONE ]WHAT ID[: NAME]". */
static void heading(const struct tolkctl_request *rq, const char *what, const json_t *j,
                    const char *name)
{
    printf("%s%s%s %" JSON_INTEGER_FORMAT "%s%s\n", rq->cmd->done ? rq->cmd->done : "",
           rq->cmd->done ? " " : "", what, tolkctl_num(j, "id"), name ? ": " : "",
           name ? name : "");
}

static void text_line(const char *name, const json_t *j, const char *key)
{
    const char *v = json_string_value(json_object_get(j, key));

    label(name);
    puts(v ? v : "none");
}

static bool same_hours(const json_t *a, const json_t *b)
{
    return tolkctl_num(a, "start_minute") == tolkctl_num(b, "start_minute") &&
           tolkctl_num(a, "end_minute") == tolkctl_num(b, "end_minute") &&
           tolkctl_num(b, "day") == tolkctl_num(a, "day") + 1;
}

static const char *day_name(json_int_t d)
{
    return d >= 0 && d < 7 ? tolkctl_days[d] : "?";
}

/*
 * The weekly slots at KEY of J, days in a row with the same hours as one range, as --slot
 * takes them: "mon-fri 09:00-17:00, sat 10:00-12:00".
 */
static void slots_line(const char *name, const json_t *j, const char *key)
{
    const json_t *slots = json_object_get(j, key);
    size_t n = json_array_size(slots), last;

    label(name);
    if (n == 0)
        fputs("none", stdout);
    for (size_t i = 0; i < n; i = last + 1) {
        const json_t *s = json_array_get(slots, i);
        json_int_t a = tolkctl_num(s, "start_minute"), b = tolkctl_num(s, "end_minute");
        last = i;
        while (last + 1 < n &&
               same_hours(json_array_get(slots, last), json_array_get(slots, last + 1)))
            last++;
        printf("%s%s%s%s %02d:%02d-%02d:%02d", i ? ", " : "", day_name(tolkctl_num(s, "day")),
               last > i ? "-" : "",
               last > i ? day_name(tolkctl_num(json_array_get(slots, last), "day")) : "",
               (int)(a / 60), (int)(a % 60), (int)(b / 60), (int)(b % 60));
    }
    putchar('\n');
}

static void created_line(const json_t *j)
{
    char at[64];

    label("created");
    puts(tolkctl_time(json_object_get(j, "created_at"), at, sizeof at));
}

/* A list page: a header, one line per item (its id, and the text at KEY when given), "more". */
static int print_page(const json_t *page, const char *items, const char *key, const char *header)
{
    const json_t *item;
    size_t i;

    if (key)
        printf("%-8s %s\n", "ID", header);
    else
        puts("ID");
    json_array_foreach(json_object_get(page, items), i, item)
    {
        if (key)
            printf("%-8" JSON_INTEGER_FORMAT " %s\n", tolkctl_num(item, "id"),
                   tolkctl_str(item, key));
        else
            printf("%" JSON_INTEGER_FORMAT "\n", tolkctl_num(item, "id"));
    }
    tolkctl_print_more(page);
    return EXIT_SUCCESS;
}

/* Clients. */

static int print_client_created(const struct tolkctl_request *rq, const json_t *j)
{
    printf("created client %" JSON_INTEGER_FORMAT " (%s)\n", tolkctl_num(j, "id"),
           tolkctl_str(rq->body, "alias"));
    return EXIT_SUCCESS;
}

static int print_client_list(const struct tolkctl_request *rq, const json_t *j)
{
    (void)rq;
    return print_page(j, "clients", "alias", "ALIAS");
}

static void languages_line(const json_t *j)
{
    const json_t *l;
    size_t i;

    label("languages");
    json_array_foreach(json_object_get(j, "languages"), i, l)
    {
        printf("%s%s%s", i ? ", " : "", tolkctl_str(l, "tag"),
               json_is_true(json_object_get(l, "dialect_required")) ? " (dialect required)" : "");
    }
    putchar('\n');
}

static void exclusions_lines(const json_t *j)
{
    const json_t *e, *list = json_object_get(j, "exclusions");
    char at[64];
    size_t i;

    if (json_array_size(list) == 0) {
        label("exclusions");
        puts("none");
    }
    json_array_foreach(list, i, e)
    {
        label(i ? "" : "exclusions");
        printf("interpreter %" JSON_INTEGER_FORMAT " (%s; recorded by account %" JSON_INTEGER_FORMAT
               ", %s)\n",
               tolkctl_num(e, "interpreter_id"), tolkctl_str(e, "reason"),
               tolkctl_num(e, "recorded_by"),
               tolkctl_time(json_object_get(e, "at"), at, sizeof at));
    }
}

/* The record; its contact details only for "client show" (the read tolkd audits). */
static int print_client(const struct tolkctl_request *rq, const json_t *j)
{
    const json_t *same = json_object_get(j, "prefer_same_interpreter");
    bool contact = json_is_string(json_object_get(j, "contact"));

    heading(rq, "client", j, tolkctl_str(j, "alias"));
    languages_line(j);
    text_line("written language", j, "written_language");
    text_line("gender preference", j, "gender_preference");
    label("same interpreter");
    puts(json_is_true(same) ? "yes, when possible" : "no");
    text_line("support person", j, "support_person_alias");
    if (rq->cmd->done) {
        label("contact");
        puts(contact ? "on file (see client show)" : "none");
    } else {
        text_line("contact", j, "contact");
    }
    created_line(j);
    exclusions_lines(j);
    return EXIT_SUCCESS;
}

static int print_exclusion(const struct tolkctl_request *rq, const json_t *j)
{
    (void)rq;
    printf("client %" JSON_INTEGER_FORMAT " is never to be matched with interpreter "
           "%" JSON_INTEGER_FORMAT " (reason %s)\n",
           tolkctl_num(j, "client_id"), tolkctl_num(j, "interpreter_id"), tolkctl_str(j, "reason"));
    return EXIT_SUCCESS;
}

#define CLIENT_FLAGS                                                                               \
    {"alias", "alias", TK_TEXT}, {"language", "languages", TK_LANGS},                              \
        {"written-language", "written_language", TK_OPT_TEXT},                                     \
        {"gender-preference", "gender_preference", TK_OPT_TEXT},                                   \
        {"same-interpreter", "prefer_same_interpreter", TK_YESNO},                                 \
        {"support-person", "support_person_alias", TK_OPT_TEXT},                                   \
    {                                                                                              \
        "contact", "contact", TK_CONTACT                                                           \
    }

static const struct tolkctl_command client_cmds[] = {
    {"client add",
     "POST",
     "/clients",
     "created",
     print_client_created,
     TOLKCTL_BODY,
     {"alias", "languages"},
     {CLIENT_FLAGS}},
    {"client list",
     "GET",
     "/clients",
     NULL,
     print_client_list,
     0,
     {NULL},
     {{"search", "q", TK_TEXT}, {"after", "after", TK_COUNT}, {"limit", "limit", TK_COUNT}}},
    {"client show", "GET", "/clients/{id}", NULL, print_client, 0, {NULL}, {{NULL, NULL, TK_TEXT}}},
    {"client edit",
     "PATCH",
     "/clients/{id}",
     "updated",
     print_client,
     TOLKCTL_BODY | TOLKCTL_NO_CONTACT | TOLKCTL_CHANGES,
     {NULL},
     {CLIENT_FLAGS}},
    {"client exclude",
     "POST",
     "/clients/{id}/exclusions",
     NULL,
     print_exclusion,
     TOLKCTL_BODY,
     {"interpreter_id", "reason"},
     {{"interpreter", "interpreter_id", TK_ID}, {"reason", "reason", TK_TEXT}}},
};

int tolkctl_client(const struct options *o)
{
    return tolkctl_run(o, client_cmds, TOLKCTL_N(client_cmds),
                       "the client commands are add, list, show ID, edit ID and exclude ID");
}

/* Interpreters. */

static int print_interpreter(const struct tolkctl_request *rq, const json_t *j)
{
    const json_t *p, *e;
    char from[64], to[64];
    size_t i;

    heading(rq, "interpreter", j, tolkctl_str(j, "code"));
    text_line("gender", j, "gender");
    text_line("time zone", j, "time_zone");
    label("language pairs");
    json_array_foreach(json_object_get(j, "language_pairs"), i, p)
    {
        printf("%s%s:%s", i ? ", " : "", tolkctl_str(p, "a"), tolkctl_str(p, "b"));
    }
    putchar('\n');
    slots_line("availability", j, "availability");
    if (json_array_size(json_object_get(j, "exceptions")) == 0) {
        label("exceptions");
        puts("none");
    }
    json_array_foreach(json_object_get(j, "exceptions"), i, e)
    {
        bool local = json_is_string(json_object_get(e, "starts_at_local"));
        label(i ? "" : "exceptions");
        printf(
            "%" JSON_INTEGER_FORMAT ": %s to %s\n", tolkctl_num(e, "id"),
            tolkctl_time(json_object_get(e, local ? "starts_at_local" : "starts_at"), from,
                         sizeof from),
            tolkctl_time(json_object_get(e, local ? "ends_at_local" : "ends_at"), to, sizeof to));
    }
    created_line(j);
    return EXIT_SUCCESS;
}

static int print_interpreter_list(const struct tolkctl_request *rq, const json_t *j)
{
    (void)rq;
    return print_page(j, "interpreters", "code", "CODE");
}

static int print_exception(const struct tolkctl_request *rq, const json_t *j)
{
    char from[64], to[64];

    printf("interpreter %s is not available from %s to %s (exception %" JSON_INTEGER_FORMAT ")\n",
           rq->id, tolkctl_time(json_object_get(j, "starts_at"), from, sizeof from),
           tolkctl_time(json_object_get(j, "ends_at"), to, sizeof to), tolkctl_num(j, "id"));
    if (json_is_string(json_object_get(j, "starts_at_local")))
        printf("  %-20s%s to %s\n", "local time", tolkctl_str(j, "starts_at_local"),
               tolkctl_str(j, "ends_at_local"));
    return EXIT_SUCCESS;
}

#define INTERPRETER_FLAGS                                                                          \
    {"code", "code", TK_TEXT}, {"gender", "gender", TK_OPT_TEXT}, {"tz", "time_zone", TK_TEXT},    \
    {                                                                                              \
        "pair", "language_pairs", TK_PAIRS                                                         \
    }

static const struct tolkctl_command interpreter_cmds[] = {
    {"interpreter add",
     "POST",
     "/interpreters",
     "created",
     print_interpreter,
     TOLKCTL_BODY,
     {"account_id", "code", "time_zone", "language_pairs"},
     {{"account", "account_id", TK_ID}, INTERPRETER_FLAGS, {"slot", "availability", TK_SLOTS}}},
    {"interpreter list",
     "GET",
     "/interpreters",
     NULL,
     print_interpreter_list,
     0,
     {NULL},
     {{"after", "after", TK_COUNT}, {"limit", "limit", TK_COUNT}}},
    {"interpreter show",
     "GET",
     "/interpreters/{id}",
     NULL,
     print_interpreter,
     0,
     {NULL},
     {{NULL, NULL, TK_TEXT}}},
    {"interpreter edit",
     "PATCH",
     "/interpreters/{id}",
     "updated",
     print_interpreter,
     TOLKCTL_BODY | TOLKCTL_CHANGES,
     {NULL},
     {INTERPRETER_FLAGS}},
    {"interpreter availability",
     "PUT",
     "/interpreters/{id}/availability",
     "updated",
     print_interpreter,
     TOLKCTL_BODY,
     {"slots"},
     {{"slot", "slots", TK_SLOTS}}},
    {"interpreter exception",
     "POST",
     "/interpreters/{id}/exceptions",
     NULL,
     print_exception,
     TOLKCTL_BODY,
     {"starts_at", "ends_at"},
     {{"start", "starts_at", TK_TIME}, {"end", "ends_at", TK_TIME}, {"tz", "time_zone", TK_TEXT}}},
};

int tolkctl_interpreter(const struct options *o)
{
    return tolkctl_run(o, interpreter_cmds, TOLKCTL_N(interpreter_cmds),
                       "the interpreter commands are add, list, show ID, edit ID, availability ID "
                       "and exception ID");
}

/* Clinicians. */

static int print_clinician(const struct tolkctl_request *rq, const json_t *j)
{
    const json_t *l;
    size_t i;

    heading(rq, "clinician", j, NULL);
    text_line("time zone", j, "time_zone");
    label("languages");
    json_array_foreach(json_object_get(j, "languages"), i, l)
    {
        printf("%s%s", i ? ", " : "", json_is_string(l) ? json_string_value(l) : "?");
    }
    putchar('\n');
    slots_line("working hours", j, "working_hours");
    created_line(j);
    return EXIT_SUCCESS;
}

static int print_clinician_list(const struct tolkctl_request *rq, const json_t *j)
{
    (void)rq;
    return print_page(j, "clinicians", NULL, NULL);
}

#define CLINICIAN_FLAGS                                                                            \
    {"tz", "time_zone", TK_TEXT}, {"language", "languages", TK_TAGS},                              \
    {                                                                                              \
        "slot", "working_hours", TK_SLOTS                                                          \
    }

static const struct tolkctl_command clinician_cmds[] = {
    {"clinician add",
     "POST",
     "/clinicians",
     "created",
     print_clinician,
     TOLKCTL_BODY,
     {"account_id", "time_zone", "languages"},
     {{"account", "account_id", TK_ID}, CLINICIAN_FLAGS}},
    {"clinician list",
     "GET",
     "/clinicians",
     NULL,
     print_clinician_list,
     0,
     {NULL},
     {{"after", "after", TK_COUNT}, {"limit", "limit", TK_COUNT}}},
    {"clinician show",
     "GET",
     "/clinicians/{id}",
     NULL,
     print_clinician,
     0,
     {NULL},
     {{NULL, NULL, TK_TEXT}}},
    {"clinician edit",
     "PATCH",
     "/clinicians/{id}",
     "updated",
     print_clinician,
     TOLKCTL_BODY | TOLKCTL_CHANGES,
     {NULL},
     {CLINICIAN_FLAGS}},
};

int tolkctl_clinician(const struct options *o)
{
    return tolkctl_run(o, clinician_cmds, TOLKCTL_N(clinician_cmds),
                       "the clinician commands are add, list, show ID and edit ID");
}
