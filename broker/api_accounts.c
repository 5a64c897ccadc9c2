/*
 * REST handlers for logins and accounts (docs/API.md): POST /login, POST /logout, GET /me,
 * POST /accounts, GET /accounts, PATCH /accounts/{id}. The dispatcher (api.c) has matched,
 * authorised and validated each request against the tables below; accounts.c does the work and
 * the auditing.
 */
#include <inttypes.h>
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

/*
 * An unknown username, a wrong password and a disabled account get the same answer, so the
 * answer tells a guesser nothing about which accounts exist.
 */
void api_login(struct api_call *c)
{
    size_t pwlen = 0;
    const char *username = api_string(c, "username", NULL);
    const char *password = api_string(c, "password", &pwlen);
    struct tolkd_login out;
    int rc = tolkd_login(c->api->accounts, username, password, pwlen, c->req->peer, c->now, &out);

    if (rc == TOLKD_ACCT_OK) {
        api_reply(c, 200,
                  json_pack("{s:s, s:s, s:I, s:s, s:I}", "token", out.token, "token_type", "Bearer",
                            "expires_at", (json_int_t)out.expires_at, "role",
                            tolk_account_role_name(out.role), "account_id",
                            (json_int_t)out.account_id));
    } else if (rc == TOLKD_ACCT_THROTTLED) {
        c->resp->retry_after_s = out.retry_after_s;
        api_fail(c, TOLKD_API_RATE_LIMITED, NULL, NULL);
    } else if (rc == TOLKD_ACCT_DENIED) {
        api_fail(c, TOLKD_API_UNAUTHENTICATED, "wrong username or password", NULL);
    } else {
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
    }
    tolkd_wipe(&out, sizeof(out));
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

void api_accounts_create(struct api_call *c)
{
    size_t pwlen = 0;
    const char *username = api_string(c, "username", NULL);
    const char *password = api_string(c, "password", &pwlen);
    enum tolk_account_role role;
    struct tolk_account a;
    int rc;

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
    rc = tolkd_account_create(c->api->accounts, c->who->account_id, username, password, pwlen, role,
                              c->now, &a);
    if (rc == TOLKD_ACCT_OK)
        api_reply(c, 201, api_account_json(&a));
    else if (rc == TOLKD_ACCT_CONFLICT)
        api_fail(c, TOLKD_API_CONFLICT, "that username is taken", "username");
    else
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
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
