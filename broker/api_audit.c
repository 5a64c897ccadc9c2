/*
 * REST handlers for the audit log (docs/API.md): GET /audit pages through the entries as
 * stored, GET /audit/verify walks the whole chain with the audit key. Both are admin-only
 * (api.c's route table); neither writes anything.
 */
#include <sodium.h>
#include <stdlib.h>

#include "api_internal.h"
#include "audit.h"

#define AUDIT_LIMIT_MAX 200

const struct api_param api_audit_list_params[] = {
    {"after", 0, INT64_MAX, 0, 0},
    {"limit", 1, AUDIT_LIMIT_MAX, 100, 0},
    {NULL, 0, 0, 0, 0},
};

static json_t *hex_json(const uint8_t *bytes, size_t n)
{
    char hex[2 * TOLK_AUDIT_HASH_BYTES + 1];

    sodium_bin2hex(hex, sizeof(hex), bytes, n);
    return json_string(hex);
}

static json_t *entry_json(const struct tolk_audit_entry *e)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:o}", "seq", (json_int_t)e->seq, "at",
                     (json_int_t)e->at, "actor", e->actor, "action", e->action, "subject",
                     e->subject, "detail", e->detail, "prev_hash",
                     hex_json(e->prev_hash, sizeof(e->prev_hash)), "hash",
                     hex_json(e->hash, sizeof(e->hash)));
}

void api_audit_list(struct api_call *c)
{
    size_t cap = (size_t)c->params[1], n = 0;
    struct tolk_audit_entry *page = calloc(cap, sizeof(*page));
    json_t *list = json_array(), *obj;

    if (page == NULL || list == NULL) {
        free(page);
        json_decref(list);
        api_fail(c, TOLKD_API_INTERNAL, "out of memory", NULL);
        return;
    }
    if (tolk_store_audit_list(c->api->st, (uint64_t)c->params[0], page, cap, &n) != TOLK_STORE_OK) {
        free(page);
        json_decref(list);
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
        return;
    }
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, entry_json(&page[i]));
    obj = json_pack("{s:o, s:o}", "entries", list, "next_after",
                    n == cap ? json_integer((json_int_t)page[n - 1].seq) : json_null());
    free(page);
    api_reply(c, 200, obj);
}

/*
 * A broken chain is a result, not a failure: 200 with ok false, the reason's stable code and
 * the first bad seq. Only a store that cannot be read is 503.
 */
void api_audit_verify(struct api_call *c)
{
    struct tolk_audit_report r;
    int rc = tolk_store_audit_verify(c->api->st, tolkd_accounts_audit_key(c->api->accounts), &r);

    if (rc != TOLK_STORE_OK && rc != TOLK_STORE_ECORRUPT) {
        api_fail(c, TOLKD_API_UNAVAILABLE, NULL, NULL);
        return;
    }
    if (rc == TOLK_STORE_ECORRUPT && r.ok) /* an anchor that cannot be read */
        r.ok = 0;
    api_reply(c, 200,
              json_pack("{s:b, s:I, s:I, s:I, s:o, s:s, s:o}", "ok", r.ok, "count",
                        (json_int_t)r.count, "anchor_seq", (json_int_t)r.anchor_seq, "head_seq",
                        (json_int_t)r.head_seq, "head_hash",
                        hex_json(r.head_hash, sizeof(r.head_hash)), "reason",
                        tolkd_audit_fault_code(r.reason), "bad_seq",
                        r.ok ? json_null() : json_integer((json_int_t)r.bad_seq)));
}
