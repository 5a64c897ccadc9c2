/*
 * From a command line to one REST request, by the command's row (request.h).
 *
 * Everything tolkctl can tell about the command line alone is a usage error (exit 2) before
 * anything is sent: a flag the command does not take, one given twice that cannot repeat, a
 * number that is not one, a weekly slot or a language pair that cannot be read, a required
 * field missing. What needs the store or tolkd's rules (a language tag, a time zone, a mode, a
 * time string) is left to tolkd, which names the field it refuses.
 *
 * Contact details are personal data: the body that carried them is wiped before it is freed,
 * and so is an answer (which may hold them, or join tokens).
 */
#include "request.h"

#include <ctype.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "remote.h"
#include "store.h"

#define PATH_CAP 2048
#define ID_CAP   24

const char *const tolkctl_days[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static int out_of_memory(void)
{
    return tolkctl_fail(EXIT_REFUSED, "%s", "out of memory");
}

/* The value of a flag tolkctl.c keeps in a field of its own (--after, --limit, --role). */
static const char *kept_apart(const struct options *o, const char *name)
{
    if (strcmp(name, "after") == 0)
        return o->after;
    if (strcmp(name, "limit") == 0)
        return o->limit;
    if (strcmp(name, "role") == 0)
        return o->role;
    return NULL;
}

/* How many times flag NAME was given. */
static size_t given(const struct options *o, const char *name)
{
    size_t n = kept_apart(o, name) ? 1 : 0;

    for (size_t i = 0; i < o->n_flags; i++)
        n += strcmp(o->flags[i].name, name) == 0;
    return n;
}

/* The K-th value (0: the first) of flag NAME. */
static const char *value_of(const struct options *o, const char *name, size_t k)
{
    const char *v = kept_apart(o, name);

    if (v)
        return k == 0 ? v : NULL;
    for (size_t i = 0; i < o->n_flags; i++)
        if (strcmp(o->flags[i].name, name) == 0 && k-- == 0)
            return o->flags[i].value;
    return NULL;
}

static bool repeats(enum tolkctl_kind kind)
{
    return kind == TK_LANGS || kind == TK_TAGS || kind == TK_PAIRS || kind == TK_SLOTS;
}

static bool takes(const struct tolkctl_command *c, const char *name)
{
    if (strcmp(name, "body") == 0)
        return (c->opts & TOLKCTL_BODY) != 0;
    for (const struct tolkctl_flag *f = c->flags; f->flag; f++)
        if (strcmp(f->flag, name) == 0 || (f->kind == TK_SLOTS && strcmp(name, "no-slots") == 0))
            return true;
    return false;
}

static int not_taken(const char *name, const struct tolkctl_command *c)
{
    return tolkctl_fail(EXIT_USAGE, "--%s does not belong to \"%s\"; see --help", name, c->name);
}

/* Every flag given is one C takes, given once unless it repeats; stdin is read at most once. */
static int check_flags(const struct options *o, const struct tolkctl_command *c)
{
    static const char *const once[] = {"after", "limit", "role", "body"}; /* not in c->flags */
    const char *body = value_of(o, "body", 0), *contact = value_of(o, "contact", 0);

    for (size_t i = 0; i < o->n_flags; i++)
        if (!takes(c, o->flags[i].name))
            return not_taken(o->flags[i].name, c);
    for (size_t i = 0; i < sizeof once / sizeof once[0]; i++) {
        if (kept_apart(o, once[i]) && !takes(c, once[i]))
            return not_taken(once[i], c);
        if (given(o, once[i]) > 1)
            return tolkctl_fail(EXIT_USAGE, "--%s is given more than once", once[i]);
    }
    for (const struct tolkctl_flag *f = c->flags; f->flag; f++)
        if (!repeats(f->kind) && given(o, f->flag) > 1)
            return tolkctl_fail(EXIT_USAGE, "--%s is given more than once", f->flag);
    if (body && contact && strcmp(body, "-") == 0 && strcmp(contact, "-") == 0)
        return tolkctl_fail(EXIT_USAGE, "%s",
                            "--body - and --contact - cannot both read standard input");
    return 0;
}

/* Reads TEXT as a whole number from MIN, at most 18 digits; else a usage error naming WHAT. */
static int whole(const char *text, int64_t min, const char *what, int64_t *out)
{
    size_t n = strlen(text);

    if (n > 0 && n <= 18 && strspn(text, "0123456789") == n) {
        *out = strtoll(text, NULL, 10);
        if (*out >= min)
            return 0;
    }
    return tolkctl_fail(EXIT_USAGE, "%s must be a whole number from %" PRId64 ", not \"%.24s\"",
                        what, min, text);
}

/* The command's words: its two, and one ID (written to ID canonically) if its path has one. */
static int check_words(const struct options *o, const struct tolkctl_command *c, char *id)
{
    bool wants_id = strstr(c->path, "{id}") != NULL;
    int64_t v = 0;

    if (!wants_id && o->argc != 2)
        return tolkctl_fail(EXIT_USAGE, "%s takes no further words; see --help", c->name);
    if (wants_id && o->argc != 3)
        return tolkctl_fail(EXIT_USAGE, "%s needs one ID; see --help", c->name);
    if (wants_id && whole(o->argv[2], 1, "the ID", &v) != 0)
        return EXIT_USAGE;
    if (wants_id)
        snprintf(id, ID_CAP, "%" PRId64, v);
    return 0;
}

/* "/api/v1" and PATH with "{id}" replaced by ID, into BUF. */
static void expand_path(const char *path, const char *id, char *buf, size_t cap)
{
    const char *at = strstr(path, "{id}");

    if (at)
        snprintf(buf, cap, TOLKCTL_API "%.*s%s%s", (int)(at - path), path, id, at + 4);
    else
        snprintf(buf, cap, TOLKCTL_API "%s", path);
}

/* Appends "?NAME=VALUE" or "&NAME=VALUE" to BUF, VALUE percent-encoded. */
static int add_param(char *buf, size_t cap, const char *name, const char *value)
{
    size_t n = strlen(buf);
    int w = snprintf(buf + n, cap - n, "%c%s=", strchr(buf, '?') ? '&' : '?', name);

    if (w < 0 || (size_t)w >= cap - n)
        return tolkctl_fail(EXIT_USAGE, "%s", "the query is too long");
    n += (size_t)w;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (n + 4 > cap)
            return tolkctl_fail(EXIT_USAGE, "%s", "the query is too long");
        if (isalnum(*p) || strchr("-._~", *p))
            buf[n++] = (char)*p;
        else
            n += (size_t)snprintf(buf + n, 4, "%%%02X", *p);
    }
    buf[n] = '\0';
    return 0;
}

/* The query of a GET: each flag given becomes its parameter. */
static int add_query(const struct options *o, const struct tolkctl_command *c, char *buf,
                     size_t cap)
{
    char what[40], number[ID_CAP];
    int64_t v = 0;

    for (const struct tolkctl_flag *f = c->flags; f->flag; f++) {
        const char *value = value_of(o, f->flag, 0);
        if (!value)
            continue;
        snprintf(what, sizeof what, "--%s", f->flag);
        if (f->kind == TK_ID || f->kind == TK_COUNT) {
            if (whole(value, f->kind == TK_ID ? 1 : 0, what, &v) != 0)
                return EXIT_USAGE;
            snprintf(number, sizeof number, "%" PRId64, v);
            value = number;
        } else if (value[0] == '\0') {
            return tolkctl_fail(EXIT_USAGE, "%s needs a value", what);
        }
        if (add_param(buf, cap, f->field, value) != 0)
            return EXIT_USAGE;
    }
    return 0;
}

/* One line of standard input (contact details) as a string, or null for an empty line. */
static int contact_line(json_t **out)
{
    char line[TOLK_CLIENT_CONTACT_MAX + 3];
    size_t n;
    int rc = 0;

    if (!fgets(line, sizeof line, stdin))
        return tolkctl_fail(EXIT_USAGE, "%s", "--contact -: no line on standard input");
    n = strcspn(line, "\r\n");
    if (line[n] == '\0' && n == sizeof line - 1)
        rc = tolkctl_fail(EXIT_USAGE,
                          "--contact -: the contact details are one line of at "
                          "most %d bytes",
                          TOLK_CLIENT_CONTACT_MAX);
    else if (!(*out = n > 0 ? json_stringn(line, n) : json_null()))
        rc = tolkctl_fail(EXIT_USAGE, "%s", "--contact -: the line must be UTF-8 text");
    sodium_memzero(line, sizeof line);
    return rc;
}

/* A TIME: digits only are Unix seconds (a JSON integer); anything else goes to tolkd as text. */
static int time_value(const char *flag, const char *v, json_t **out)
{
    size_t n = strlen(v);

    if (n == 0)
        return tolkctl_fail(EXIT_USAGE, "--%s needs a time", flag);
    if (strspn(v, "0123456789") == n && n > 18)
        return tolkctl_fail(EXIT_USAGE, "--%s: too many digits for Unix seconds", flag);
    *out = strspn(v, "0123456789") == n ? json_integer(strtoll(v, NULL, 10)) : json_string(v);
    return *out ? 0 : tolkctl_fail(EXIT_USAGE, "--%s must be UTF-8 text", flag);
}

/* One flag's value in the body; the kinds that repeat are list_value's. */
static int scalar_value(const struct tolkctl_flag *f, const char *v, json_t **out)
{
    bool none = v[0] == '\0' || strcmp(v, "none") == 0;
    char what[40];
    int64_t n = 0;

    snprintf(what, sizeof what, "--%s", f->flag);
    if (f->kind == TK_CONTACT && strcmp(v, "-") == 0)
        return contact_line(out);
    if ((f->kind == TK_OPT_TEXT || f->kind == TK_CONTACT || f->kind == TK_OPT_ID) && none) {
        *out = json_null();
        return 0;
    }
    switch (f->kind) {
    case TK_ID:
    case TK_OPT_ID:
    case TK_COUNT:
        if (whole(v, f->kind == TK_COUNT ? 0 : 1, what, &n) != 0)
            return EXIT_USAGE;
        *out = json_integer(n);
        return 0;
    case TK_TIME:
        return time_value(f->flag, v, out);
    case TK_TRUE:
        *out = json_true();
        return 0;
    case TK_YESNO:
        if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
            return tolkctl_fail(EXIT_USAGE, "%s takes yes or no", what);
        *out = json_boolean(strcmp(v, "yes") == 0);
        return 0;
    default:
        *out = json_string(v);
        return *out ? 0 : tolkctl_fail(EXIT_USAGE, "%s must be UTF-8 text", what);
    }
}

/* "HH:MM" at S as minutes after midnight, 00:00 to 24:00; -1 if it is not one. */
static int clock_minutes(const char *s)
{
    int h, m;

    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
        !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
        return -1;
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    return m > 59 || h > 24 || (h == 24 && m > 0) ? -1 : h * 60 + m;
}

/* A day name of N letters at S (mon to sun, any case) as 0 (Monday) to 6; -1 if not one. */
static int day_index(const char *s, size_t n)
{
    for (int i = 0; n == 3 && i < 7; i++)
        if (strncasecmp(s, tolkctl_days[i], 3) == 0)
            return i;
    return -1;
}

/* Appends the weekly slots of "DAY[-DAY]:HH:MM-HH:MM" to ARR; -1 if V is not that. */
static int add_slots(json_t *arr, const char *v)
{
    size_t dn = strcspn(v, ":");
    const char *dash = memchr(v, '-', dn), *t = v + dn;
    size_t first_len = dash ? (size_t)(dash - v) : dn;
    int first = day_index(v, first_len);
    int last = dash ? day_index(dash + 1, dn - first_len - 1) : first;
    int start, end;

    if (*t != ':' || strlen(t + 1) != 11 || t[6] != '-')
        return -1;
    start = clock_minutes(t + 1);
    end = clock_minutes(t + 7);
    if (first < 0 || last < first || start < 0 || end <= start)
        return -1;
    for (int d = first; d <= last; d++)
        if (json_array_append_new(arr, json_pack("{s:i, s:i, s:i}", "day", d, "start_minute", start,
                                                 "end_minute", end)) != 0)
            return -1;
    return 0;
}

/* One value of a flag that repeats, appended to ARR. */
static int add_item(const struct tolkctl_flag *f, const char *v, json_t *arr)
{
    size_t n = strlen(v), colon = strcspn(v, ":");
    bool dialect = f->kind == TK_LANGS && n > 1 && v[n - 1] == '!';
    json_t *item = NULL;

    if (f->kind == TK_SLOTS) {
        if (add_slots(arr, v) == 0)
            return 0;
        return tolkctl_fail(EXIT_USAGE,
                            "--%s takes DAY[-DAY]:HH:MM-HH:MM (days mon to sun, "
                            "times 00:00 to 24:00), e.g. mon-fri:09:00-17:00",
                            f->flag);
    }
    if (f->kind == TK_PAIRS && (colon == 0 || colon + 1 >= n || strchr(v + colon + 1, ':')))
        return tolkctl_fail(EXIT_USAGE, "--%s takes two language tags as A:B, e.g. prs-AF:nl",
                            f->flag);
    if (f->kind == TK_TAGS && n > 0 && v[n - 1] == '!')
        return tolkctl_fail(EXIT_USAGE, "--%s: \"!\" (dialect required) is for clients only",
                            f->flag);
    if (f->kind == TK_PAIRS)
        item = json_pack("{s:s%, s:s}", "a", v, colon, "b", v + colon + 1);
    else if (f->kind == TK_LANGS)
        item = json_pack("{s:s%, s:b}", "tag", v, dialect ? n - 1 : n, "dialect_required", dialect);
    else
        item = json_string(v);
    if (!item)
        return tolkctl_fail(EXIT_USAGE, "--%s must be UTF-8 text", f->flag);
    return json_array_append_new(arr, item) == 0 ? 0 : out_of_memory();
}

static int list_value(const struct options *o, const struct tolkctl_flag *f, json_t **out)
{
    const char *v;
    int rc = 0;

    if (f->kind == TK_SLOTS && given(o, "no-slots") > 0 && given(o, f->flag) > 0)
        return tolkctl_fail(EXIT_USAGE, "--%s and --no-slots do not mix", f->flag);
    if (!(*out = json_array()))
        return out_of_memory();
    for (size_t k = 0; rc == 0 && (v = value_of(o, f->flag, k)) != NULL; k++)
        rc = add_item(f, v, *out);
    if (rc != 0) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* Sets F's field of BODY from the flag's values. */
static int put_flag(const struct options *o, const struct tolkctl_flag *f, json_t *body)
{
    const char *text = value_of(o, f->flag, 0);
    json_t *v = NULL;
    int rc = repeats(f->kind) ? list_value(o, f, &v) : scalar_value(f, text ? text : "", &v);

    if (rc != 0)
        return rc;
    return json_object_set_new(body, f->field, v) == 0 ? 0 : out_of_memory();
}

/* The JSON object in FILE ("-": standard input), for --body. */
static int read_body(const char *file, json_t **out)
{
    json_error_t e;
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");

    if (!f)
        return tolkctl_fail(EXIT_REFUSED, "--body: cannot open %s", file);
    *out = json_loadf(f, JSON_REJECT_DUPLICATES, &e);
    if (f != stdin)
        fclose(f);
    if (!*out)
        return tolkctl_fail(EXIT_USAGE, "--body %s: not JSON: %s (line %d)", file, e.text, e.line);
    if (json_is_object(*out))
        return 0;
    json_decref(*out);
    *out = NULL;
    return tolkctl_fail(EXIT_USAGE, "--body %s must hold one JSON object", file);
}

/* A usage error for the missing FIELD of C, naming the flag that gives it. */
static int missing(const struct tolkctl_command *c, const char *field)
{
    for (const struct tolkctl_flag *f = c->flags; f->flag; f++)
        if (strcmp(f->field, field) == 0)
            return tolkctl_fail(EXIT_USAGE, "%s needs --%s; see --help", c->name, f->flag);
    return tolkctl_fail(EXIT_USAGE, "%s needs \"%s\" in --body", c->name, field);
}

/* --body (or {}) with the flags' fields set on top; then C's required fields must be there. */
static int build_body(const struct options *o, const struct tolkctl_command *c, json_t **out)
{
    const char *file = value_of(o, "body", 0);
    json_t *body = NULL;
    int rc = file ? read_body(file, &body) : ((body = json_object()) ? 0 : out_of_memory());

    for (const struct tolkctl_flag *f = c->flags; rc == 0 && f->flag; f++)
        if (given(o, f->flag) > 0 || (f->kind == TK_SLOTS && given(o, "no-slots") > 0))
            rc = put_flag(o, f, body);
    for (size_t i = 0; rc == 0 && i < TOLKCTL_REQUIRED_MAX && c->required[i]; i++)
        if (!json_object_get(body, c->required[i]))
            rc = missing(c, c->required[i]);
    if (rc == 0 && (c->opts & TOLKCTL_CHANGES) && json_object_size(body) == 0)
        rc = tolkctl_fail(EXIT_USAGE, "%s: nothing to change; give what to change (see --help)",
                          c->name);
    if (rc != 0) {
        tolkctl_wipe_member(body, "contact");
        json_decref(body);
        body = NULL;
    }
    *out = body;
    return rc;
}

/* Zeroes what an answer or a body may hold that is not for anyone else: contact, tokens. */
static void wipe(json_t *j)
{
    json_t *t;
    size_t i;

    tolkctl_wipe_member(j, "contact");
    json_array_foreach(json_object_get(j, "tokens"), i, t)
    {
        tolkctl_wipe_member(t, "token");
    }
}

static int show(const struct tolkctl_command *c, const struct tolkctl_request *rq, json_t *answer)
{
    if (rq->o->json && answer) {
        if (c->opts & TOLKCTL_NO_CONTACT) {
            tolkctl_wipe_member(answer, "contact");
            json_object_del(answer, "contact");
        }
        return tolkctl_print_json(answer);
    }
    return c->print(rq, answer);
}

static const struct tolkctl_command *find(const struct options *o,
                                          const struct tolkctl_command *cmds, size_t n)
{
    for (size_t i = 0; o->argc >= 2 && i < n; i++)
        if (strcmp(strchr(cmds[i].name, ' ') + 1, o->argv[1]) == 0)
            return &cmds[i];
    return NULL;
}

int tolkctl_run(const struct options *o, const struct tolkctl_command *cmds, size_t n,
                const char *usage)
{
    const struct tolkctl_command *c = find(o, cmds, n);
    char id[ID_CAP] = "", path[PATH_CAP], *text = NULL;
    struct tolkctl_request rq = {o, c, NULL, NULL};
    json_t *body = NULL, *answer = NULL;
    int rc;

    if (!c)
        return tolkctl_fail(EXIT_USAGE, "%s", usage);
    rc = check_words(o, c, id);
    if (rc == 0)
        rc = check_flags(o, c);
    expand_path(c->path, id, path, sizeof path);
    if (rc == 0 && strcmp(c->method, "GET") == 0)
        rc = add_query(o, c, path, sizeof path);
    else if (rc == 0 && ((c->opts & TOLKCTL_BODY) || c->flags[0].flag))
        rc = build_body(o, c, &body);
    if (rc == 0 && body && !(text = json_dumps(body, JSON_COMPACT)))
        rc = out_of_memory();
    if (rc == 0)
        rc = tolkctl_api(o, c->method, path, text, &answer);
    rq.id = id[0] ? id : NULL;
    rq.body = body;
    if (rc == 0)
        rc = show(c, &rq, answer);
    tolkctl_free_secret(text);
    wipe(body);
    wipe(answer);
    json_decref(body);
    json_decref(answer);
    return rc;
}

const char *tolkctl_time(const json_t *v, char *buf, size_t cap)
{
    time_t t = (time_t)json_integer_value(v);
    struct tm tm;

    if (json_is_string(v))
        snprintf(buf, cap, "%s", json_string_value(v));
    else if (!json_is_integer(v))
        snprintf(buf, cap, "?");
    else if (!gmtime_r(&t, &tm) || strftime(buf, cap, "%Y-%m-%d %H:%M UTC", &tm) == 0)
        snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return buf;
}

const char *tolkctl_id(const json_t *obj, const char *key, char *buf, size_t cap)
{
    json_t *v = json_object_get(obj, key);

    if (json_is_integer(v))
        snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else
        snprintf(buf, cap, "none");
    return buf;
}
