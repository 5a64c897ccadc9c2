/*
 * tolkctl's commands over tolkd's REST API (/api/v1/, docs/API.md): login and logout, whoami,
 * accounts and the audit log. Each command is one request (http.c) with the saved bearer
 * token (token.c). Text for people by default; with --json the API's own answer, one JSON
 * document on one line. An API error becomes "tolkctl: CODE: message" and exit 1.
 *
 * The password and the token are secrets: they live in sodium_malloc'd memory, and the JSON
 * strings that carried them are wiped before they are freed.
 */
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accounts.h"
#include "http.h"
#include "remote.h"
#include "store.h"
#include "token.h"
#include "tolkctl.h"

#define API TOLKCTL_API

void tolkctl_wipe_member(json_t *obj, const char *key)
{
    json_t *s = json_object_get(obj, key);

    if (json_is_string(s))
        sodium_memzero((char *)(uintptr_t)json_string_value(s), json_string_length(s));
}

const char *tolkctl_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    return s ? s : "?";
}

json_int_t tolkctl_num(const json_t *obj, const char *key)
{
    return json_integer_value(json_object_get(obj, key));
}

const char *tolkctl_utc(json_int_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (!gmtime_r(&tt, &tm) || strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, t);
    return buf;
}

/* An error answer in the API's shape, or the status when the body is not one. */
static int api_error(const struct tolkctl_http_response *res)
{
    json_t *j = json_loadb(res->body, res->len, 0, NULL);
    json_t *e = json_object_get(j, "error");
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    const char *field = json_string_value(json_object_get(e, "field"));
    json_t *retry = json_object_get(e, "retry_after_s");
    char extra[96] = "";

    if (field)
        snprintf(extra, sizeof extra, " (field %.64s)", field);
    else if (json_is_integer(retry))
        snprintf(extra, sizeof extra, " (retry after %" JSON_INTEGER_FORMAT " s)",
                 json_integer_value(retry));
    if (code && msg)
        tolkctl_fail(EXIT_REFUSED, "%s: %s%s", code, msg, extra);
    else
        tolkctl_fail(EXIT_REFUSED, "http_%d: tolkd gave an unexpected answer", res->status);
    json_decref(j);
    return EXIT_REFUSED;
}

/*
 * One request; on a 2xx answer *OUT is its JSON (NULL for a 204). Returns 0, or an exit
 * status after reporting a network, TLS or API error.
 */
static int api_call(const struct options *o, const char *method, const char *path, const char *body,
                    const char *token, json_t **out)
{
    struct tolkctl_http_response res;
    char err[600];
    int rc = 0;

    *out = NULL;
    if (tolkctl_http_request(o->url, o->ca, method, path, body, token, &res, err, sizeof err))
        return tolkctl_fail(EXIT_REFUSED, "%s", err);
    if (res.status < 200 || res.status > 299) {
        rc = api_error(&res);
    } else if (res.status != 204) {
        *out = json_loadb(res.body, res.len, 0, NULL);
        if (!json_is_object(*out)) {
            json_decref(*out);
            *out = NULL;
            rc = tolkctl_fail(EXIT_REFUSED, "http_%d: tolkd's answer is not a JSON object",
                              res.status);
        }
    }
    tolkctl_http_response_free(&res);
    return rc;
}

int tolkctl_print_json(const json_t *j)
{
    if (json_dumpf(j, stdout, JSON_COMPACT) != 0)
        return tolkctl_fail(EXIT_REFUSED, "%s", "cannot write the output");
    putchar('\n');
    return EXIT_SUCCESS;
}

/* Loads the saved token into a sodium_malloc'd buffer; NULL after reporting. */
static char *load_token(const struct options *o, char *path, size_t cap)
{
    char *token;

    if (tolkctl_token_path(o->token_file, path, cap) != 0)
        return NULL;
    token = sodium_malloc(TOLKCTL_TOKEN_CAP);
    if (!token) {
        tolkctl_fail(EXIT_REFUSED, "%s", "out of memory");
        return NULL;
    }
    if (tolkctl_token_load(path, token, TOLKCTL_TOKEN_CAP) != 0) {
        sodium_free(token);
        return NULL;
    }
    return token;
}

int tolkctl_api(const struct options *o, const char *method, const char *path, const char *body,
                json_t **out)
{
    char file[4096];
    char *token = load_token(o, file, sizeof file);
    int rc;

    if (!token) {
        *out = NULL;
        return EXIT_REFUSED;
    }
    rc = api_call(o, method, path, body, token, out);
    sodium_free(token);
    return rc;
}

/* Builds {"username":U,"password":P[,"role":R]} with the password read from stdin. */
static char *credentials_body(const struct options *o, const char *role)
{
    char *password = sodium_malloc(TOLKD_PASSWORD_MAX + 3), *text = NULL;
    size_t len = 0;
    json_t *j = NULL;

    if (!password) {
        tolkctl_fail(EXIT_REFUSED, "%s", "out of memory");
        return NULL;
    }
    if (tolkctl_read_password(o->username, password, TOLKD_PASSWORD_MAX + 3, &len) == 0) {
        j = json_pack("{s:s, s:s%}", "username", o->username, "password", password, len);
        if (j && (!role || json_object_set_new(j, "role", json_string(role)) == 0))
            text = json_dumps(j, JSON_COMPACT);
        if (!text)
            tolkctl_fail(EXIT_REFUSED, "%s", "the password must be UTF-8 (or out of memory)");
        tolkctl_wipe_member(j, "password");
        json_decref(j);
    }
    sodium_free(password);
    return text;
}

void tolkctl_free_secret(char *text)
{
    if (text) {
        sodium_memzero(text, strlen(text));
        free(text);
    }
}

static int need_username(const struct options *o, const char *what)
{
    if (o->username && tolk_username_valid(o->username))
        return 0;
    return tolkctl_fail(EXIT_USAGE,
                        "%s needs --username: 3 to 64 characters of a-z, 0-9, '.', '_', '-'", what);
}

static int save_login(const struct options *o, json_t *j)
{
    char path[4096], until[64];
    int rc = tolkctl_token_path(o->token_file, path, sizeof path);

    if (rc == 0 && !json_is_string(json_object_get(j, "token")))
        rc = tolkctl_fail(EXIT_REFUSED, "%s", "tolkd's answer holds no token");
    if (rc == 0)
        rc = tolkctl_token_save(path, tolkctl_str(j, "token"));
    if (rc == 0)
        printf("logged in as %s (account %" JSON_INTEGER_FORMAT ", role %s) until %s; token "
               "saved to %s\n",
               o->username, tolkctl_num(j, "account_id"), tolkctl_str(j, "role"),
               tolkctl_utc(tolkctl_num(j, "expires_at"), until, sizeof until), path);
    return rc;
}

static int cmd_login(const struct options *o)
{
    json_t *j = NULL;
    char *body;
    int rc;

    if (o->argc != 1)
        return tolkctl_fail(EXIT_USAGE, "%s", "login takes no further words; see --help");
    if ((rc = need_username(o, "login")) != 0)
        return rc;
    if (!(body = credentials_body(o, NULL)))
        return EXIT_REFUSED;
    rc = api_call(o, "POST", API "/login", body, NULL, &j);
    tolkctl_free_secret(body);
    if (rc == 0)
        rc = o->json ? tolkctl_print_json(j) : save_login(o, j);
    tolkctl_wipe_member(j, "token");
    json_decref(j);
    return rc;
}

static int cmd_logout(const struct options *o)
{
    char path[4096];
    char *token;
    json_t *j = NULL;
    int rc;

    if (o->argc != 1)
        return tolkctl_fail(EXIT_USAGE, "%s", "logout takes no further words; see --help");
    if (!(token = load_token(o, path, sizeof path)))
        return EXIT_REFUSED;
    rc = api_call(o, "POST", API "/logout", NULL, token, &j);
    sodium_free(token);
    json_decref(j);
    if (rc != 0)
        return rc;
    if (unlink(path) != 0)
        return tolkctl_fail(EXIT_REFUSED, "logged out, but cannot remove %s", path);
    if (o->json)
        puts("{\"logged_out\":true}");
    else
        printf("logged out; removed %s\n", path);
    return EXIT_SUCCESS;
}

static int cmd_whoami(const struct options *o)
{
    char until[64];
    json_t *j = NULL;
    int rc;

    if (o->argc != 1)
        return tolkctl_fail(EXIT_USAGE, "%s", "whoami takes no further words; see --help");
    rc = tolkctl_api(o, "GET", API "/me", NULL, &j);
    if (rc == 0 && o->json)
        rc = tolkctl_print_json(j);
    else if (rc == 0)
        printf("%s (account %" JSON_INTEGER_FORMAT ", role %s); token valid until %s\n",
               tolkctl_str(j, "username"), tolkctl_num(j, "id"), tolkctl_str(j, "role"),
               tolkctl_utc(tolkctl_num(j, "token_expires_at"), until, sizeof until));
    json_decref(j);
    return rc;
}

int tolkctl_decimal(const char *text, const char *what)
{
    size_t n = text ? strlen(text) : 0;

    if (n == 0 || n > 18 || strspn(text, "0123456789") != n)
        return tolkctl_fail(EXIT_USAGE, "%s must be a decimal number; see --help", what);
    return 0;
}

/* BASE?after=A&limit=L with the options given; a usage error for a bad number. */
static int paged_path(const struct options *o, const char *base, char *buf, size_t cap)
{
    size_t n;

    if ((o->after && tolkctl_decimal(o->after, "--after")) ||
        (o->limit && tolkctl_decimal(o->limit, "--limit")))
        return EXIT_USAGE;
    snprintf(buf, cap, "%s", base);
    n = strlen(buf);
    if (o->after)
        snprintf(buf + n, cap - n, "?after=%s", o->after);
    n = strlen(buf);
    if (o->limit)
        snprintf(buf + n, cap - n, "%slimit=%s", o->after ? "&" : "?", o->limit);
    return 0;
}

void tolkctl_print_more(const json_t *j)
{
    json_t *next = json_object_get(j, "next_after");

    if (json_is_integer(next))
        printf("(more: --after %" JSON_INTEGER_FORMAT ")\n", json_integer_value(next));
}

static void print_account_line(const json_t *a)
{
    char created[64];

    printf("%-8" JSON_INTEGER_FORMAT " %-32s %-12s %-9s %s\n", tolkctl_num(a, "id"),
           tolkctl_str(a, "username"), tolkctl_str(a, "role"),
           json_is_true(json_object_get(a, "disabled")) ? "disabled" : "active",
           tolkctl_utc(tolkctl_num(a, "created_at"), created, sizeof created));
}

static int account_list(const struct options *o)
{
    char path[128];
    json_t *j = NULL, *a;
    size_t i;
    int rc;

    if (o->argc != 2)
        return tolkctl_fail(EXIT_USAGE, "%s", "account list takes no further words; see --help");
    if ((rc = paged_path(o, API "/accounts", path, sizeof path)) != 0)
        return rc;
    rc = tolkctl_api(o, "GET", path, NULL, &j);
    if (rc == 0 && o->json) {
        rc = tolkctl_print_json(j);
    } else if (rc == 0) {
        printf("%-8s %-32s %-12s %-9s %s\n", "ID", "USERNAME", "ROLE", "STATUS", "CREATED");
        json_array_foreach(json_object_get(j, "accounts"), i, a) print_account_line(a);
        tolkctl_print_more(j);
    }
    json_decref(j);
    return rc;
}

static int account_add(const struct options *o)
{
    json_t *j = NULL;
    char *body;
    int rc;

    if (o->argc != 2)
        return tolkctl_fail(EXIT_USAGE, "%s", "account add takes no further words; see --help");
    if ((rc = need_username(o, "account add")) != 0)
        return rc;
    if (!o->role)
        return tolkctl_fail(EXIT_USAGE, "%s",
                            "account add needs --role: admin, staff, clinician or interpreter");
    if (!(body = credentials_body(o, o->role)))
        return EXIT_REFUSED;
    rc = tolkctl_api(o, "POST", API "/accounts", body, &j);
    tolkctl_free_secret(body);
    if (rc == 0 && o->json)
        rc = tolkctl_print_json(j);
    else if (rc == 0)
        printf("created %s account %" JSON_INTEGER_FORMAT " (%s)\n", tolkctl_str(j, "role"),
               tolkctl_num(j, "id"), tolkctl_str(j, "username"));
    json_decref(j);
    return rc;
}

static int account_set_disabled(const struct options *o, bool disabled)
{
    char path[64];
    json_t *j = NULL;
    int rc;

    if (o->argc != 3)
        return tolkctl_fail(EXIT_USAGE, "account %s needs one account ID; see --help",
                            disabled ? "disable" : "enable");
    if ((rc = tolkctl_decimal(o->argv[2], "the account ID")) != 0)
        return rc;
    snprintf(path, sizeof path, API "/accounts/%s", o->argv[2]);
    rc = tolkctl_api(o, "PATCH", path, disabled ? "{\"disabled\":true}" : "{\"disabled\":false}",
                     &j);
    if (rc == 0 && o->json)
        rc = tolkctl_print_json(j);
    else if (rc == 0)
        printf("account %" JSON_INTEGER_FORMAT " (%s) is %s\n", tolkctl_num(j, "id"),
               tolkctl_str(j, "username"),
               json_is_true(json_object_get(j, "disabled")) ? "disabled" : "enabled");
    json_decref(j);
    return rc;
}

static int cmd_account(const struct options *o)
{
    const char *sub = o->argc >= 2 ? o->argv[1] : "";

    if (o->after || o->limit) {
        if (strcmp(sub, "list") != 0)
            return tolkctl_fail(EXIT_USAGE, "%s", "--after and --limit belong to list commands");
    }
    if (strcmp(sub, "list") == 0)
        return account_list(o);
    if (strcmp(sub, "add") == 0)
        return account_add(o);
    if (strcmp(sub, "disable") == 0)
        return account_set_disabled(o, true);
    if (strcmp(sub, "enable") == 0)
        return account_set_disabled(o, false);
    return tolkctl_fail(EXIT_USAGE, "%s",
                        "the account commands are add, list, disable ID and enable ID");
}

static void print_entry_line(const json_t *e)
{
    char at[64];

    printf("%-8" JSON_INTEGER_FORMAT " %-23s %-16s %-18s %-18s %s\n", tolkctl_num(e, "seq"),
           tolkctl_utc(tolkctl_num(e, "at"), at, sizeof at), tolkctl_str(e, "actor"),
           tolkctl_str(e, "action"), tolkctl_str(e, "subject"), tolkctl_str(e, "detail"));
}

static int audit_list(const struct options *o)
{
    char path[128];
    json_t *j = NULL, *e;
    size_t i;
    int rc;

    if ((rc = paged_path(o, API "/audit", path, sizeof path)) != 0)
        return rc;
    rc = tolkctl_api(o, "GET", path, NULL, &j);
    if (rc == 0 && o->json) {
        rc = tolkctl_print_json(j);
    } else if (rc == 0) {
        printf("%-8s %-23s %-16s %-18s %-18s %s\n", "SEQ", "AT", "ACTOR", "ACTION", "SUBJECT",
               "DETAIL");
        json_array_foreach(json_object_get(j, "entries"), i, e) print_entry_line(e);
        tolkctl_print_more(j);
    }
    json_decref(j);
    return rc;
}

/* Same words as the local "audit verify"; exit 1 when the chain is broken. */
static int audit_verify(const struct options *o)
{
    json_t *j = NULL;
    int rc = tolkctl_api(o, "GET", API "/audit/verify", NULL, &j);
    bool ok = json_is_true(json_object_get(j, "ok"));

    if (rc == 0 && o->json)
        rc = tolkctl_print_json(j);
    else if (rc == 0 && ok)
        printf("audit log intact: %" JSON_INTEGER_FORMAT " entries, head %" JSON_INTEGER_FORMAT
               " (hash %s)\n",
               tolkctl_num(j, "count"), tolkctl_num(j, "head_seq"), tolkctl_str(j, "head_hash"));
    else if (rc == 0)
        printf("audit log BROKEN at seq %" JSON_INTEGER_FORMAT " (%s); %" JSON_INTEGER_FORMAT
               " entries verified before it\n",
               tolkctl_num(j, "bad_seq"), tolkctl_str(j, "reason"), tolkctl_num(j, "count"));
    json_decref(j);
    return rc == 0 && !ok ? EXIT_REFUSED : rc;
}

static int cmd_audit(const struct options *o)
{
    const char *sub = o->argc == 2 ? o->argv[1] : "";

    if (strcmp(sub, "list") == 0)
        return audit_list(o);
    if (strcmp(sub, "verify") == 0 && !o->after && !o->limit)
        return audit_verify(o);
    return tolkctl_fail(EXIT_USAGE, "%s",
                        "the audit commands are \"audit list [--after SEQ] [--limit N]\" and "
                        "\"audit verify\"");
}

int tolkctl_remote(const struct options *o)
{
    const char *cmd = o->argv[0];

    if (strncmp(o->url, "https://", 8) != 0)
        return tolkctl_fail(EXIT_USAGE, "%s", "--url must be https://HOST[:PORT]");
    if (o->username && strcmp(cmd, "login") != 0 && strcmp(cmd, "account") != 0)
        return tolkctl_fail(EXIT_USAGE, "%s", "--username belongs to login and account add");
    if (strcmp(cmd, "client") == 0)
        return tolkctl_client(o);
    if (strcmp(cmd, "interpreter") == 0)
        return tolkctl_interpreter(o);
    if (strcmp(cmd, "clinician") == 0)
        return tolkctl_clinician(o);
    if (strcmp(cmd, "appointment") == 0)
        return tolkctl_appointment(o);
    if (o->n_flags > 0)
        return tolkctl_fail(EXIT_USAGE, "--%s does not belong to \"%.32s\"; see --help",
                            o->flags[0].name, cmd);
    if (o->role && strcmp(cmd, "account") != 0)
        return tolkctl_fail(EXIT_USAGE, "%s", "--role belongs to account add");
    if ((o->after || o->limit) && strcmp(cmd, "account") != 0 && strcmp(cmd, "audit") != 0)
        return tolkctl_fail(EXIT_USAGE, "%s", "--after and --limit belong to list commands");
    if (strcmp(cmd, "login") == 0)
        return cmd_login(o);
    if (strcmp(cmd, "logout") == 0)
        return cmd_logout(o);
    if (strcmp(cmd, "whoami") == 0)
        return cmd_whoami(o);
    if (strcmp(cmd, "account") == 0)
        return cmd_account(o);
    if (strcmp(cmd, "audit") == 0)
        return cmd_audit(o);
    return tolkctl_fail(EXIT_USAGE, "unknown command \"%.32s\"; see --help", cmd);
}
