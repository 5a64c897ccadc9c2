/*
 * tolkctl's appointment commands (docs/API.md, "Appointments"): book, list, show, move (new
 * times, another interpreter or relief interpreter), cancel, suggest (which interpreters could take
 * it), tokens (issue the participants' join tokens) and revoke (one participant's tokens). Each is
 * one row of a table (request.h) and a printer for its answer.
 *
 * Times are given as tolkd reads them (request.h): Unix seconds, or text for tolkd with --tz
 * naming its zone. They are printed in UTC. Join tokens are printed once, with a warning that
 * they cannot be shown again, and wiped from memory after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "remote.h"
#include "request.h"
#include "tolkctl.h"

#define ROW "%-7s %-9s %-12s %-27s %-7s %-10s %-12s %-7s %s\n" /* a line of "appointment list" */

/* The span from START to END: "2100-01-01 09:00-10:00 UTC" within a day (in UTC). */
static const char *span(const json_t *start, const json_t *end, char *buf, size_t cap)
{
    char a[64], b[64];
    time_t s = (time_t)json_integer_value(start), e = (time_t)json_integer_value(end);
    struct tm ts, te;

    if (json_is_integer(start) && json_is_integer(end) && gmtime_r(&s, &ts) && gmtime_r(&e, &te) &&
        ts.tm_year == te.tm_year && ts.tm_yday == te.tm_yday) {
        strftime(a, sizeof a, "%Y-%m-%d %H:%M", &ts);
        strftime(b, sizeof b, "%H:%M", &te);
        snprintf(buf, cap, "%s-%s UTC", a, b);
    } else {
        snprintf(buf, cap, "%s to %s", tolkctl_time(start, a, sizeof a),
                 tolkctl_time(end, b, sizeof b));
    }
    return buf;
}

static const char *when(const json_t *j, char *buf, size_t cap)
{
    return span(json_object_get(j, "starts_at"), json_object_get(j, "ends_at"), buf, cap);
}

/* One appointment as a block: heading, status and mode, time, participants. */
static int print_appointment(const struct tolkctl_request *rq, const json_t *j)
{
    char at[160], interpreter[24], relief[24];

    printf("%s%sappointment %" JSON_INTEGER_FORMAT "\n", rq->cmd->done ? rq->cmd->done : "",
           rq->cmd->done ? " " : "", tolkctl_num(j, "id"));
    printf("  %-13s%s\n", "status", tolkctl_str(j, "status"));
    printf("  %-13s%s\n", "mode", tolkctl_str(j, "mode"));
    printf("  %-13s%s\n", "time", when(j, at, sizeof at));
    if (json_is_string(json_object_get(j, "starts_at_local")))
        printf("  %-13s%s to %s (%s)\n", "local time", tolkctl_str(j, "starts_at_local"),
               tolkctl_str(j, "ends_at_local"), tolkctl_str(j, "time_zone"));
    printf("  %-13s%" JSON_INTEGER_FORMAT "\n", "client", tolkctl_num(j, "client_id"));
    printf("  %-13s%" JSON_INTEGER_FORMAT "\n", "clinician", tolkctl_num(j, "clinician_id"));
    printf("  %-13s%s\n", "interpreter",
           tolkctl_id(j, "interpreter_id", interpreter, sizeof interpreter));
    printf("  %-13s%s\n", "relief", tolkctl_id(j, "relief_interpreter_id", relief, sizeof relief));
    return EXIT_SUCCESS;
}

static int print_list(const struct tolkctl_request *rq, const json_t *j)
{
    char id[24], client[24], clinician[24], interpreter[24], relief[24], at[160];
    const json_t *a;
    size_t i;

    (void)rq;
    printf(ROW, "ID", "STATUS", "MODE", "TIME", "CLIENT", "CLINICIAN", "INTERPRETER", "RELIEF",
           "LOCAL START");
    json_array_foreach(json_object_get(j, "appointments"), i, a)
    {
        printf(ROW, tolkctl_id(a, "id", id, sizeof id), tolkctl_str(a, "status"),
               tolkctl_str(a, "mode"), when(a, at, sizeof at),
               tolkctl_id(a, "client_id", client, sizeof client),
               tolkctl_id(a, "clinician_id", clinician, sizeof clinician),
               tolkctl_id(a, "interpreter_id", interpreter, sizeof interpreter),
               tolkctl_id(a, "relief_interpreter_id", relief, sizeof relief),
               json_is_string(json_object_get(a, "starts_at_local"))
                   ? tolkctl_str(a, "starts_at_local")
                   : "");
    }
    tolkctl_print_more(j);
    return EXIT_SUCCESS;
}

static int print_suggestions(const struct tolkctl_request *rq, const json_t *j)
{
    const json_t *s, *ranked = json_object_get(j, "suggestions");
    const json_t *rejected = json_object_get(j, "rejected");
    size_t i;

    if (json_array_size(ranked) == 0)
        printf("no interpreter can take appointment %s\n", rq->id);
    else
        printf("interpreters for appointment %s, best first:\n  %-5s %-12s %-17s %-6s %s\n", rq->id,
               "RANK", "INTERPRETER", "CODE", "SCORE", "REASON");
    json_array_foreach(ranked, i, s)
    {
        printf("  %-5zu %-12" JSON_INTEGER_FORMAT " %-17s %-6" JSON_INTEGER_FORMAT " %s\n", i + 1,
               tolkctl_num(s, "interpreter_id"), tolkctl_str(s, "code"), tolkctl_num(s, "score"),
               tolkctl_str(s, "reason"));
    }
    if (json_array_size(rejected) > 0)
        printf("cannot take it:\n  %-12s %-17s %s\n", "INTERPRETER", "CODE", "REASON");
    json_array_foreach(rejected, i, s)
    {
        printf("  %-12" JSON_INTEGER_FORMAT " %-17s %s\n", tolkctl_num(s, "interpreter_id"),
               tolkctl_str(s, "code"), tolkctl_str(s, "reason"));
    }
    return EXIT_SUCCESS;
}

static int print_tokens(const struct tolkctl_request *rq, const json_t *j)
{
    const json_t *t;
    char at[160];
    size_t i;

    (void)rq;
    printf("join tokens for appointment %" JSON_INTEGER_FORMAT ":\n",
           tolkctl_num(j, "appointment_id"));
    json_array_foreach(json_object_get(j, "tokens"), i, t)
    {
        printf("  %-12s %s  valid %s%s\n", tolkctl_str(t, "role"), tolkctl_str(t, "token"),
               span(json_object_get(t, "valid_from"), json_object_get(t, "valid_until"), at,
                    sizeof at),
               json_is_true(json_object_get(t, "relief")) ? "  (relief)" : "");
    }
    puts("These tokens are shown only this once: tolkd keeps only their hashes. Give each\n"
         "participant their own. A lost token is replaced by issuing them again, which revokes\n"
         "all of these.");
    return EXIT_SUCCESS;
}

/* A 204: nothing comes back, so --json gets what was done. */
static int print_revoked(const struct tolkctl_request *rq, const json_t *j)
{
    const char *role = tolkctl_str(rq->body, "role");
    json_t *done;
    int rc;

    (void)j;
    if (!rq->o->json) {
        printf("revoked the %s's join tokens of appointment %s\n",
               strcmp(role, "support") == 0 ? "support person" : role, rq->id);
        return EXIT_SUCCESS;
    }
    done = json_pack("{s:I, s:s, s:b}", "appointment_id", (json_int_t)strtoll(rq->id, NULL, 10),
                     "role", role, "revoked", 1);
    rc = done ? tolkctl_print_json(done) : tolkctl_fail(EXIT_REFUSED, "%s", "out of memory");
    json_decref(done);
    return rc;
}

#define NO_FLAGS                                                                                   \
    {                                                                                              \
        {                                                                                          \
            NULL, NULL, TK_TEXT                                                                    \
        }                                                                                          \
    }

static const struct tolkctl_command appointment_cmds[] = {
    {"appointment book",
     "POST",
     "/appointments",
     "booked",
     print_appointment,
     TOLKCTL_BODY,
     {"client_id", "clinician_id", "mode", "starts_at", "ends_at"},
     {{"client", "client_id", TK_ID},
      {"clinician", "clinician_id", TK_ID},
      {"interpreter", "interpreter_id", TK_OPT_ID},
      {"relief", "relief_interpreter_id", TK_OPT_ID},
      {"mode", "mode", TK_TEXT},
      {"start", "starts_at", TK_TIME},
      {"end", "ends_at", TK_TIME},
      {"tz", "time_zone", TK_TEXT}}},
    {"appointment list",
     "GET",
     "/appointments",
     NULL,
     print_list,
     0,
     {NULL},
     {{"clinician", "clinician_id", TK_ID},
      {"from", "from", TK_TIME},
      {"to", "to", TK_TIME},
      {"after", "after", TK_COUNT},
      {"tz", "tz", TK_TEXT}}},
    {"appointment show",
     "GET",
     "/appointments/{id}",
     NULL,
     print_appointment,
     0,
     {NULL},
     {{"tz", "tz", TK_TEXT}}},
    {"appointment move",
     "PATCH",
     "/appointments/{id}",
     "moved",
     print_appointment,
     TOLKCTL_BODY | TOLKCTL_CHANGES,
     {NULL},
     {{"start", "starts_at", TK_TIME},
      {"end", "ends_at", TK_TIME},
      {"interpreter", "interpreter_id", TK_OPT_ID},
      {"relief", "relief_interpreter_id", TK_OPT_ID},
      {"tz", "time_zone", TK_TEXT}}},
    {"appointment cancel",
     "POST",
     "/appointments/{id}/cancel",
     "cancelled",
     print_appointment,
     0,
     {NULL},
     NO_FLAGS},
    {"appointment suggest",
     "GET",
     "/appointments/{id}/suggestions",
     NULL,
     print_suggestions,
     0,
     {NULL},
     NO_FLAGS},
    {"appointment tokens",
     "POST",
     "/appointments/{id}/tokens",
     NULL,
     print_tokens,
     0,
     {NULL},
     {{"support", "support_person", TK_TRUE}}},
    {"appointment revoke",
     "POST",
     "/appointments/{id}/tokens/revoke",
     "revoked",
     print_revoked,
     0,
     {"role"},
     {{"role", "role", TK_TEXT}}},
};

int tolkctl_appointment(const struct options *o)
{
    return tolkctl_run(o, appointment_cmds, TOLKCTL_N(appointment_cmds),
                       "the appointment commands are book, list, show ID, move ID, cancel ID, "
                       "suggest ID, tokens ID and revoke ID");
}
