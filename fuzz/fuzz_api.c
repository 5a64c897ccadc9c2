/*
 * Fuzz target: REST request bodies, query strings and paths (broker/api*.c, accounts.c and the
 * store behind them), through tolkd_api_handle() exactly as the transport (http.c) calls it,
 * without a network.
 *
 * The world: once, at start, a store with an admin (made as tolkctl bootstrap makes it), a
 * staff member, a clinician and two interpreters (made and logged in through the API), a
 * client, both kinds of profile and an appointment. Its database file is kept as a template in
 * memory. Each input then meets exactly that state (a fresh copy of the file on tmpfs, reused
 * while inputs leave it unchanged), so that an input's outcome never depends on the ones before
 * it and every crash reproduces from its input alone.
 *
 * An input is up to MAX_REQUESTS requests separated by a line "--". Each request is a first
 * line and a body (everything after the first newline, sent when not empty):
 *
 *     <who><METHOD> <path>[?<query>]
 *     <body>
 *
 * <who> picks the Authorization header: a (admin), s (staff), c (clinician), i, j (the two
 * interpreters), x (a well-formed token nobody was given), b (garbage), anything else none. An
 * upper-case letter picks the same token and also walks away from the request if it is
 * deferred (tolkd_api_abandon), as a client that closes its connection does. <path> is below
 * /api/v1 ("/clients/1"); METHOD is GET, POST, PATCH, PUT, DELETE or anything else (OTHER).
 *
 * Checked after every request: no 5xx but 503; a 204 has no body; any other answer is one JSON
 * value ending in a newline, without NUL bytes; an error is {"error":{"code","message"}} with a
 * code from docs/API.md's table that goes with the status (and "field" a string when present),
 * a 405 names the allowed methods, a 429 says when to retry. A deferred request is answered
 * under its own ticket.
 *
 * Argon2id is libsodium's, not ours, and takes 50-100 ms and 64 MiB a hash: at that speed a
 * login could not be fuzzed at all. So this program defines the three libsodium password-hash
 * functions accounts.c calls, with a fast keyed hash in the same string format; being in the
 * executable, these definitions take the place of the shared library's (symbol interposition).
 * Everything of ours runs unchanged.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "accounts.h"
#include "api.h"
#include "audit.h"
#include "log.h"
#include "secrets.h"
#include "store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_REQUESTS 4
#define LINE_MAX_    512
/* 2099-12-31T00:00:00Z: the seeds' appointment is the next day, so join tokens and bookings
 * are in range. */
#define NOW      INT64_C(4102358400)
#define PEER     "203.0.113.7"
#define PASSWORD "fuzzing password 1"

/* ---- the password hash, replaced (see the top of the file) ------------------------------- */

#define FAKE_PREFIX "$fuzz$"

static void fake_hash(char out[crypto_pwhash_STRBYTES], const char *pw, unsigned long long len)
{
    unsigned char h[16];
    char hex[33];

    crypto_generichash(h, sizeof h, (const unsigned char *)pw, len, NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    memset(out, 0, crypto_pwhash_STRBYTES);
    snprintf(out, crypto_pwhash_STRBYTES, FAKE_PREFIX "%s", hex);
}

int crypto_pwhash_str_alg(char out[crypto_pwhash_STRBYTES], const char *const passwd,
                          unsigned long long passwdlen, unsigned long long opslimit,
                          size_t memlimit, int alg)
{
    (void)opslimit;
    (void)memlimit;
    (void)alg;
    fake_hash(out, passwd, passwdlen);
    return 0;
}

int crypto_pwhash_str_verify(const char *str, const char *const passwd,
                             unsigned long long passwdlen)
{
    char want[crypto_pwhash_STRBYTES];

    fake_hash(want, passwd, passwdlen);
    return strcmp(str, want) == 0 ? 0 : -1;
}

int crypto_pwhash_str_needs_rehash(const char *str, unsigned long long opslimit, size_t memlimit)
{
    (void)opslimit;
    (void)memlimit;
    return strncmp(str, FAKE_PREFIX, strlen(FAKE_PREFIX)) == 0 ? 0 : -1;
}

/* ---- the world --------------------------------------------------------------------------- */

static const unsigned char datakey[TOLKD_DATAKEY_BYTES] = {
    't', 'o', 'l', 'k', ' ', 'f', 'u', 'z', 'z', ' ', 'd', 'a', 't', 'a', ' ', 'k', 'e', 'y'};
static const struct tolkd_join_window window = {15 * 60, 15 * 60};

static char dir[64], db_path[96], location[128];
static unsigned char *template_db;
static size_t template_len;

/* Bearer headers by <who>: index 0 admin, 1 staff, 2 clinician, 3 and 4 interpreters. */
static char bearer[5][TOLKD_TOKEN_TEXT + 8];

/* TOLK_FUZZ_VERBOSE=1 in the environment: each request and its answer on stderr, to see what
 * an input does (fuzz_api INPUT). */
static bool verbose;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_api: %s: %s\n", what, detail != NULL ? detail : "");
    abort();
}

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[160];

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* Removes the work database and its -wal and -shm. */
static void remove_db(void)
{
    char path[128];

    unlink(db_path);
    snprintf(path, sizeof path, "%s-wal", db_path);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", db_path);
    unlink(path);
}

/* ---- one request, and what its answer must look like -------------------------------------- */

static const struct {
    const char *code;
    unsigned status;
} error_codes[] = {
    {"bad_json", 400},        {"unknown_field", 400},      {"missing_field", 400},
    {"bad_field", 400},       {"unauthenticated", 401},    {"forbidden", 403},
    {"not_found", 404},       {"method_not_allowed", 405}, {"conflict", 409},
    {"length_required", 411}, {"too_large", 413},          {"rate_limited", 429},
    {"internal", 500},        {"unavailable", 503},
};

static void check_answer(const struct tolkd_api_request *req, const struct tolkd_api_response *r)
{
    char what[LINE_MAX_ + 64];
    json_error_t jerr;

    snprintf(what, sizeof what, "%u to %s?%s", r->status, req->path, req->query);
    if (r->status >= 500 && r->status != 503)
        die("a 5xx answer", r->body);
    if (r->status == 204) {
        if (r->body != NULL || r->len != 0)
            die("a 204 with a body", what);
        return;
    }
    if (r->status < 200 || r->body == NULL || r->len == 0 || r->body[r->len - 1] != '\n' ||
        strlen(r->body) != r->len)
        die("no status, no body, or a body that is not one line of text", what);
    json_t *v = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &jerr);
    if (v == NULL)
        die("a body that is not JSON", r->body);
    if (r->status >= 400) {
        json_t *e = json_object_get(v, "error");
        const char *code = json_string_value(json_object_get(e, "code"));
        json_t *field = json_object_get(e, "field");
        size_t i = 0;
        while (code != NULL && i < sizeof error_codes / sizeof error_codes[0] &&
               strcmp(error_codes[i].code, code) != 0)
            i++;
        if (code == NULL || i == sizeof error_codes / sizeof error_codes[0] ||
            error_codes[i].status != r->status || !json_is_string(json_object_get(e, "message")) ||
            (field != NULL && !json_is_string(field)))
            die("an error body not of the documented shape", r->body);
        if (r->status == 405 && r->allow[0] == '\0')
            die("a 405 without Allow", what);
        if (r->status == 429 &&
            (r->retry_after_s == 0 || !json_is_integer(json_object_get(e, "retry_after_s"))))
            die("a 429 without retry_after_s", what);
    } else if (!json_is_object(v)) {
        die("a success body that is not an object", r->body);
    }
    json_decref(v);
}

/*
 * Handles REQ as the transport does, waiting for a deferred answer (or walking away from it
 * when ABANDON). Returns whether *resp holds an answer.
 */
static bool handle(struct tolkd_api *api, const struct tolkd_api_request *req, bool abandon,
                   struct tolkd_api_response *resp)
{
    uint64_t ticket = 0, got = 0;
    int rc = tolkd_api_handle(api, req, NOW, resp, &ticket);

    if (rc == 0) {
        check_answer(req, resp);
        return true;
    }
    if (rc != TOLKD_API_DEFERRED || resp->body != NULL)
        die("tolkd_api_handle broke its contract", req->path);
    if (abandon) {
        tolkd_api_abandon(api, ticket);
        return false;
    }
    for (int waited_ms = 0; tolkd_api_next_answer(api, NOW, &got, resp) == 0; waited_ms++) {
        if (waited_ms > 20000)
            die("a deferred answer never came", req->path);
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    if (got != ticket)
        die("a deferred answer under another ticket", req->path);
    check_answer(req, resp);
    return true;
}

/* ---- setting the world up ---------------------------------------------------------------- */

static struct tolk_store *open_store(void)
{
    struct tolk_store *st;
    char err[TOLK_STORE_ERR_MAX];

    if (tolk_store_open(location, &st, err, sizeof err) != TOLK_STORE_OK)
        die("tolk_store_open", err);
    return st;
}

static struct tolkd_api *open_api(struct tolk_store *st)
{
    struct tolkd_api *api;
    char err[256];

    if (tolkd_api_new(st, datakey, &window, &api, err, sizeof err) != 0)
        die("tolkd_api_new", err);
    return api;
}

/* A request during set-up: must answer EXPECT; the body's string field FIELD goes to OUT. */
static void setup_call(struct tolkd_api *api, enum tolkd_http_method method, const char *path,
                       const char *auth, const char *body, unsigned expect, char *out,
                       size_t outlen)
{
    char full[128];
    struct tolkd_api_response resp;

    snprintf(full, sizeof full, "/api/v1%s", path);
    struct tolkd_api_request req = {method, full, "", auth, PEER, body, strlen(body)};
    if (!handle(api, &req, false, &resp) || resp.status != expect)
        die("set-up request refused", resp.body != NULL ? resp.body : path);
    if (out != NULL) {
        json_t *v = json_loads(resp.body, 0, NULL);
        const char *s = json_string_value(json_object_get(v, "token"));
        if (s == NULL)
            die("no token in", resp.body);
        snprintf(out, outlen, "Bearer %s", s);
        json_decref(v);
    }
    tolkd_api_response_clear(&resp);
}

static void login(struct tolkd_api *api, const char *username, char *out, size_t outlen)
{
    char body[128];

    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", username, PASSWORD);
    setup_call(api, TOLKD_HTTP_POST, "/login", NULL, body, 200, out, outlen);
}

static void make_world(void)
{
    struct tolk_store *st = open_store();
    struct tolk_account admin;
    static const char *const people[][2] = {{"desk-1", "staff"},
                                            {"dr.one", "clinician"},
                                            {"int.one", "interpreter"},
                                            {"int.two", "interpreter"}};
    char body[512];
    uint8_t audit_key[TOLK_AUDIT_KEY_BYTES];

    tolkd_audit_key_derive(datakey, audit_key); /* as tolkctl bootstrap does */
    if (tolkd_account_bootstrap(st, audit_key, "root.admin", PASSWORD, strlen(PASSWORD), NOW,
                                &admin) != TOLKD_ACCT_OK)
        die("bootstrap", NULL);
    struct tolkd_api *api = open_api(st);
    login(api, "root.admin", bearer[0], sizeof bearer[0]);
    for (size_t i = 0; i < 4; i++) {
        snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\",\"role\":\"%s\"}",
                 people[i][0], PASSWORD, people[i][1]);
        setup_call(api, TOLKD_HTTP_POST, "/accounts", bearer[0], body, 201, NULL, 0);
        login(api, people[i][0], bearer[i + 1], sizeof bearer[i + 1]);
    }
    /* Accounts: 1 admin, 2 staff, 3 clinician, 4 and 5 interpreters. */
    setup_call(api, TOLKD_HTTP_POST, "/clients", bearer[1],
               "{\"alias\":\"Client R\",\"languages\":[{\"tag\":\"prs-AF\",\"dialect_required\":"
               "true},{\"tag\":\"fa\"}],\"gender_preference\":\"f\",\"contact\":\"+31 6 1\"}",
               201, NULL, 0);
    setup_call(api, TOLKD_HTTP_POST, "/interpreters", bearer[1],
               "{\"account_id\":4,\"code\":\"INT-0042\",\"gender\":\"f\",\"time_zone\":"
               "\"Europe/Amsterdam\",\"language_pairs\":[{\"a\":\"prs-AF\",\"b\":\"nl\"}],"
               "\"availability\":[{\"day\":4,\"start_minute\":0,\"end_minute\":1440}]}",
               201, NULL, 0);
    setup_call(api, TOLKD_HTTP_POST, "/clinicians", bearer[1],
               "{\"account_id\":3,\"time_zone\":\"Europe/Amsterdam\",\"languages\":[\"nl\"]}", 201,
               NULL, 0);
    setup_call(api, TOLKD_HTTP_POST, "/appointments", bearer[1],
               "{\"client_id\":1,\"clinician_id\":3,\"interpreter_id\":4,\"mode\":"
               "\"consecutive\",\"starts_at\":4102444800,\"ends_at\":4102448400}",
               201, NULL, 0);
    tolkd_api_free(api);
    tolk_store_close(st);
}

/* Reads the database file made by make_world (closed, so complete without its -wal). */
static void keep_template(void)
{
    struct stat sb;
    int fd = open(db_path, O_RDONLY);

    if (fd < 0 || fstat(fd, &sb) != 0 || sb.st_size <= 0)
        die("template", strerror(errno));
    template_len = (size_t)sb.st_size;
    template_db = malloc(template_len);
    if (template_db == NULL || read(fd, template_db, template_len) != (ssize_t)template_len)
        die("template", "short read");
    close(fd);
}

static void fresh_copy(void)
{
    remove_db();
    int fd = open(db_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, template_db, template_len) != (ssize_t)template_len || close(fd) != 0)
        die("writing the work database", strerror(errno));
}

/*
 * The directory of this process, /dev/shm/tolk-fuzz-api.PID (tmpfs: SQLite's syncs cost
 * nothing there). A crash or a kill leaves it behind, so one named after a process that no
 * longer runs is removed first.
 */
static void make_dir(void)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    DIR *d = opendir(base);
    struct dirent *e;
    long pid;

    while (d != NULL && (e = readdir(d)) != NULL) {
        char proc[64];
        if (sscanf(e->d_name, "tolk-fuzz-api.%ld", &pid) != 1)
            continue;
        snprintf(proc, sizeof proc, "/proc/%ld", pid);
        if (access(proc, F_OK) != 0) {
            snprintf(dir, sizeof dir, "%s/%s", base, e->d_name);
            remove_dir();
        }
    }
    if (d != NULL)
        closedir(d);
    snprintf(dir, sizeof dir, "%s/tolk-fuzz-api.%ld", base, (long)getpid());
    remove_dir();
    if (mkdir(dir, 0700) != 0)
        die("mkdir", strerror(errno));
    atexit(remove_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (tolkd_secrets_init() != 0)
        die("tolkd_secrets_init", NULL);
    tlog_set_level(TOLK_LOG_ERROR); /* an info line per request would cost more than the rest */
    tolkd_api_wipe_json_memory();   /* as tolkd runs */
    verbose = getenv("TOLK_FUZZ_VERBOSE") != NULL;
    make_dir();
    snprintf(db_path, sizeof db_path, "%s/tolk.db", dir);
    snprintf(location, sizeof location, "sqlite:%s", db_path);
    make_world();
    keep_template();
    return 0;
}

/* ---- one input --------------------------------------------------------------------------- */

static enum tolkd_http_method method_of(const char *m, size_t n)
{
    static const struct {
        const char *name;
        enum tolkd_http_method method;
    } methods[] = {{"GET", TOLKD_HTTP_GET},
                   {"POST", TOLKD_HTTP_POST},
                   {"PATCH", TOLKD_HTTP_PATCH},
                   {"PUT", TOLKD_HTTP_PUT},
                   {"DELETE", TOLKD_HTTP_DELETE}};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strlen(methods[i].name) == n && memcmp(methods[i].name, m, n) == 0)
            return methods[i].method;
    return TOLKD_HTTP_OTHER;
}

static const char *auth_of(char who)
{
    static const char unknown[] = "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    static const char garbage[] = "Bearer !";
    static const char picks[] = "ascij";
    const char *p = who != '\0' ? strchr(picks, who | 0x20) : NULL;

    if (p != NULL)
        return bearer[p - picks];
    if ((who | 0x20) == 'x')
        return unknown;
    if ((who | 0x20) == 'b')
        return garbage;
    return NULL;
}

/*
 * The first line of a request: <who><METHOD> <path>[?<query>], as C strings (no NUL). Returns
 * whether the request was deferred and walked away from.
 */
static bool one_request(struct tolkd_api *api, const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t line_len = nl != NULL ? (size_t)(nl - data) : size;
    char line[LINE_MAX_], path[LINE_MAX_ + 16];
    struct tolkd_api_response resp;

    if (line_len == 0 || line_len >= sizeof line)
        return false;
    memcpy(line, data, line_len);
    line[line_len] = '\0'; /* a NUL in it ends it early: lws hands over C strings */
    char who = line[0];
    char *method = line + 1, *sp = strchr(method, ' ');
    if (sp == NULL)
        return false;
    *sp = '\0';
    char *target = sp + 1, *q = strchr(target, '?');
    if (q != NULL)
        *q++ = '\0';
    snprintf(path, sizeof path, "/api/v1%s%s", target[0] == '/' ? "" : "/", target);

    const char *body = nl != NULL ? (const char *)nl + 1 : NULL;
    size_t body_len = nl != NULL ? size - line_len - 1 : 0;
    struct tolkd_api_request req = {
        method_of(method, strlen(method)), path,    q != NULL ? q : "", auth_of(who), PEER,
        body_len > 0 ? body : NULL,        body_len};
    bool abandon = who >= 'A' && who <= 'Z';
    if (!handle(api, &req, abandon, &resp))
        return true;
    if (verbose)
        fprintf(stderr, "%c %s %s?%s -> %u %.*s", who, method, path, req.query, resp.status,
                resp.body != NULL ? (int)resp.len : 1, resp.body != NULL ? resp.body : "\n");
    tolkd_api_response_clear(&resp);
    return false;
}

/*
 * The open world: a store on a fresh copy of the template and an API over it, kept from one
 * input to the next for as long as no input changes the database (most inputs are refused
 * before anything is written, and opening a store costs more than the requests). Whether the
 * database changed is read from its files: a commit grows the write-ahead log or, after a
 * checkpoint, changes the database file. An input that walked away from a deferred request
 * also ends the world, since its work would finish during a later input. So every input meets
 * exactly the template's state, whether it runs first or after thousands of others.
 */
static struct tolk_store *world_st;
static struct tolkd_api *world_api;
static struct stat world_db, world_wal;

static void stat_or_zero(const char *path, struct stat *sb)
{
    if (stat(path, sb) != 0)
        memset(sb, 0, sizeof *sb);
}

static bool same_file_state(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void world_files(struct stat *db, struct stat *wal)
{
    char path[128];

    snprintf(path, sizeof path, "%s-wal", db_path);
    stat_or_zero(db_path, db);
    stat_or_zero(path, wal);
}

static void world_open(void)
{
    if (world_st != NULL)
        return;
    fresh_copy();
    world_st = open_store();
    world_api = open_api(world_st);
    world_files(&world_db, &world_wal);
}

static void world_end_if_changed(bool abandoned)
{
    struct stat db, wal;

    world_files(&db, &wal);
    if (!abandoned && same_file_state(&db, &world_db) && same_file_state(&wal, &world_wal))
        return;
    tolkd_api_free(world_api);
    tolk_store_close(world_st);
    world_api = NULL;
    world_st = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char sep[] = "\n--\n";
    bool abandoned = false;

    if (size > TOLKD_API_BODY_MAX) /* the transport refuses these before the API sees them */
        return 0;
    world_open();
    for (int n = 0; n < MAX_REQUESTS && size > 0; n++) {
        const uint8_t *end = memmem(data, size, sep, sizeof sep - 1);
        size_t len = end != NULL ? (size_t)(end - data) : size;
        /* The body is copied to memory of its exact size, so ASan sees any read past it. */
        uint8_t *copy = malloc(len ? len : 1);
        if (copy == NULL)
            die("out of memory", NULL);
        memcpy(copy, data, len);
        abandoned |= one_request(world_api, copy, len);
        free(copy);
        if (end == NULL)
            break;
        data = end + sizeof sep - 1;
        size -= len + sizeof sep - 1;
    }
    world_end_if_changed(abandoned);
    return 0;
}
