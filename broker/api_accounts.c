/*
 * REST handlers for logins and accounts (docs/API.md): POST /login, POST /logout, GET /me,
 * POST /accounts, GET /accounts, PATCH /accounts/{id}. The dispatcher (api.c) has matched,
 * authorised and validated each request against the tables below; accounts.c does the work and
 * the auditing.
 *
 * A login and an account creation each need one Argon2id hash: they are deferred requests
 * (api_internal.h, struct api_job). The handler does what needs the store and hands the hash to
 * the pool with a copy of the password in guarded memory; the job's finish does the rest.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "secrets.h"

#define LIST_LIMIT_MAX 100

const struct api_field api_login_fields[] = {
    {"username", API_STRING, true, TOLK_USERNAME_MAX, false},
    {"password", API_STRING, true, TOLKD_PASSWORD_MAX, false},
    {NULL, API_STRING, false, 0, false},
};

const struct api_field api_account_create_fields[] = {
    {"username", API_STRING, true, TOLK_USERNAME_MAX, false},
    {"password", API_STRING, true, TOLKD_PASSWORD_MAX, false},
    {"role", API_STRING, true, 16, false},
    {NULL, API_STRING, false, 0, false},
};

const struct api_field api_account_patch_fields[] = {
    {"disabled", API_BOOL, true, 0, false},
    {NULL, API_STRING, false, 0, false},
};

const struct api_param api_account_list_params[] = {
    {"after", 0, INT64_MAX, 0, 0},
    {"limit", 1, LIST_LIMIT_MAX, 50, 0},
    {NULL, 0, 0, 0, 0},
};

/* A login waiting for its password check. */
struct login_job {
    struct api_job job; /* first: the job is the whole */
    struct tolkd_login_attempt *attempt;
};

/*
 * An unknown username, a wrong password and a disabled account get the same answer, so the
 * answer tells a guesser nothing about which accounts exist.
 */
static void login_answer(struct api_call *c, int rc, const struct tolkd_login *out)
{
    if (rc == TOLKD_ACCT_OK) {
        api_reply(c, 200,
                  json_pack("{s:s, s:s, s:I, s:s, s:I}", "token", out->token, "token_type",
                            "Bearer", "expires_at", (json_int_t)out->expires_at, "role",
                            tolk_account_role_name(out->role), "account_id",
                            (json_int_t)out->account_id));
    } else if (rc == TOLKD_ACCT_THROTTLED) {
        c->resp->retry_after_s = out->retry_after_s;
        api_fail(c, TOLKD_API_RATE_LIMITED, NULL, NULL);
    } else if (rc == TOLKD_ACCT_DENIED) {
        api_fail(c, TOLKD_API_UNAUTHENTICATED, "wrong username or password", NULL);
    } else if (rc == TOLKD_ACCT_BUSY) {
        api_fail_busy(c);
    } else {
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
    }
}

static void login_run(struct tolkd_hashpool_job *work)
{
    tolkd_login_check(((struct login_job *)(void *)work)->attempt);
}

static void login_finish(struct api_job *job, struct api_call *c)
{
    struct login_job *j = (struct login_job *)(void *)job;
    struct tolkd_login out;
    int rc = tolkd_login_finish(c->api->accounts, j->attempt, c->now, job->abandoned, &out);

    login_answer(c, rc, &out);
    tolkd_wipe(&out, sizeof(out));
    free(j);
}

void api_login(struct api_call *c)
{
    size_t pwlen = 0;
    const char *username = api_string(c, "username", NULL);
    const char *password = api_string(c, "password", &pwlen);
    struct login_job *j = calloc(1, sizeof(*j));
    struct tolkd_login out = {.retry_after_s = 0};
    int rc;

    if (j == NULL) {
        api_fail(c, TOLKD_API_INTERNAL, "out of memory", NULL);
        return;
    }
    rc = tolkd_login_begin(c->api->accounts, username, password, pwlen, c->req->peer, c->now,
                           &out.retry_after_s, &j->attempt);
    if (rc != TOLKD_ACCT_OK) {
        free(j);
        login_answer(c, rc, &out);
        return;
    }
    j->job.work.run = login_run;
    j->job.finish = login_finish;
    api_defer(c, &j->job);
}

void api_logout(struct api_call *c)
{
    int rc = tolkd_logout(c->api->accounts, c->who, c->now);

    if (rc == TOLKD_ACCT_OK)
        api_reply(c, 204, NULL);
    else if (rc == TOLKD_ACCT_DENIED)
        api_fail(c, TOLKD_API_UNAUTHENTICATED, NULL, NULL);
    else
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
}

/* Reads account ID, answering 404 or 503 itself when it cannot. */
static int get_account(struct api_call *c, int64_t id, struct tolk_account *a)
{
    int rc = tolk_store_account_get(c->api->st, id, a);

    tolkd_wipe(a->password_hash, sizeof(a->password_hash));
    if (rc == TOLK_STORE_OK)
        return 0;
    api_fail(c, rc == TOLK_STORE_ENOTFOUND ? TOLKD_API_NOT_FOUND : TOLKD_API_UNAVAILABLE, NULL,
             NULL);
    return -1;
}

void api_me(struct api_call *c)
{
    struct tolk_account a;
    json_t *obj;

    if (get_account(c, c->who->account_id, &a) != 0)
        return;
    obj = api_account_json(&a);
    if (obj != NULL)
        json_object_set_new(obj, "token_expires_at", json_integer(c->who->expires_at));
    api_reply(c, 200, obj);
}

/* An account waiting for its password's hash. */
struct create_job {
    struct api_job job; /* first: the job is the whole */
    char *password;     /* guarded copy, wiped and freed once hashed */
    size_t pwlen;
    char username[TOLK_USERNAME_MAX + 1];
    enum tolk_account_role role;
    bool hashed;
    char hash[TOLK_PASSWORD_HASH_MAX];
};

static void create_run(struct tolkd_hashpool_job *work)
{
    struct create_job *j = (struct create_job *)(void *)work;

    j->hashed = tolkd_password_hash(j->password, j->pwlen, j->hash) == 0;
    tolkd_secret_free(j->password);
    j->password = NULL;
}

/*
 * The admin's token is checked again (it may have been revoked, or its account disabled, while
 * the password was hashed). A client that went away does not undo its request: the account is
 * still created, as any request's work is done when its answer cannot be delivered.
 */
static void create_finish(struct api_job *job, struct api_call *c)
{
    struct create_job *j = (struct create_job *)(void *)job;
    struct tolk_account a;
    int rc = TOLKD_ACCT_UNAVAILABLE;

    if (job->work.ran && j->hashed)
        rc = tolkd_reauthenticate(c->api->accounts, c->who, c->now);
    if (rc == TOLKD_ACCT_OK)
        rc = tolkd_account_create(c->api->accounts, c->who->account_id, j->username, j->hash,
                                  j->role, c->now, &a);
    if (rc == TOLKD_ACCT_OK)
        api_reply(c, 201, api_account_json(&a));
    else if (rc == TOLKD_ACCT_CONFLICT)
        api_fail(c, TOLKD_API_CONFLICT, "that username is taken", "username");
    else if (rc == TOLKD_ACCT_DENIED)
        api_fail(c, TOLKD_API_UNAUTHENTICATED, NULL, NULL);
    else
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
    tolkd_secret_free(j->password);
    tolkd_wipe(j, sizeof(*j));
    free(j);
}

void api_accounts_create(struct api_call *c)
{
    size_t pwlen = 0;
    const char *username = api_string(c, "username", NULL);
    const char *password = api_string(c, "password", &pwlen);
    enum tolk_account_role role;
    struct create_job *j;

    if (!tolk_username_valid(username)) {
        api_fail(c, TOLKD_API_BAD_FIELD, "must be 3 to 64 characters of a-z, 0-9, '.', '_' and '-'",
                 "username");
        return;
    }
    if (!tolkd_password_length_ok(pwlen)) {
        api_fail(c, TOLKD_API_BAD_FIELD, "must be 12 to 1024 bytes long", "password");
        return;
    }
    if (tolk_account_role_parse(api_string(c, "role", NULL), &role) != 0) {
        api_fail(c, TOLKD_API_BAD_FIELD, "must be admin, staff, clinician or interpreter", "role");
        return;
    }
    j = calloc(1, sizeof(*j));
    if (j == NULL || (j->password = tolkd_secret_copy(password, pwlen)) == NULL) {
        free(j);
        api_fail(c, TOLKD_API_INTERNAL, "out of memory", NULL);
        return;
    }
    j->pwlen = pwlen;
    snprintf(j->username, sizeof(j->username), "%s", username);
    j->role = role;
    j->job.work.run = create_run;
    j->job.finish = create_finish;
    api_defer(c, &j->job);
}

void api_accounts_list(struct api_call *c)
{
    size_t cap = (size_t)c->params[1], n = 0;
    struct tolk_account *page = calloc(cap, sizeof(*page));
    json_t *list = json_array(), *obj;

    if (page == NULL || list == NULL) {
        free(page);
        json_decref(list);
        api_fail(c, TOLKD_API_INTERNAL, "out of memory", NULL);
        return;
    }
    if (tolk_store_account_list(c->api->st, c->params[0], page, cap, &n) != TOLK_STORE_OK) {
        free(page);
        json_decref(list);
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
        return;
    }
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, api_account_json(&page[i]));
    obj = json_pack("{s:o, s:o}", "accounts", list, "next_after",
                    n == cap ? json_integer(page[n - 1].id) : json_null());
    free(page);
    api_reply(c, 200, obj);
}

/*
 * An admin cannot disable their own account: the last admin doing so would leave nobody able
 * to manage accounts, and tolkctl bootstrap refuses once an admin exists.
 */
void api_accounts_patch(struct api_call *c)
{
    int disabled = json_is_true(json_object_get(c->body, "disabled"));
    struct tolk_account a;
    int rc;

    if (disabled && c->id == c->who->account_id) {
        api_fail(c, TOLKD_API_CONFLICT, "you cannot disable your own account", "disabled");
        return;
    }
    rc = tolkd_account_set_disabled(c->api->accounts, c->who->account_id, c->id, disabled, c->now);
    if (rc == TOLKD_ACCT_NOT_FOUND) {
        api_fail(c, TOLKD_API_NOT_FOUND, NULL, NULL);
        return;
    }
    if (rc != TOLKD_ACCT_OK) {
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
        return;
    }
    if (get_account(c, c->id, &a) == 0)
        api_reply(c, 200, api_account_json(&a));
}
