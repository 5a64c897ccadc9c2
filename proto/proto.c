#define TOLK_PROTO_INTERNAL
#include "proto.h"

#include <jansson.h>
#include <sodium.h>
#include <string.h>

struct error_row {
    enum tolk_proto_error code;
    const char *name;
};

static const struct error_row error_table[] = {
    {TOLK_PERR_NONE, "none"},
    {TOLK_PERR_BAD_JSON, "bad_json"},
    {TOLK_PERR_BAD_MESSAGE, "bad_message"},
    {TOLK_PERR_UNKNOWN_TYPE, "unknown_type"},
    {TOLK_PERR_UNSUPPORTED_VERSION, "unsupported_version"},
    {TOLK_PERR_TOO_LARGE, "too_large"},
    {TOLK_PERR_HELLO_REQUIRED, "hello_required"},
    {TOLK_PERR_DUPLICATE_HELLO, "duplicate_hello"},
    {TOLK_PERR_INVALID_TOKEN, "invalid_token"},
    {TOLK_PERR_OUTSIDE_WINDOW, "outside_window"},
    {TOLK_PERR_TOKEN_IN_USE, "token_in_use"},
    {TOLK_PERR_ALREADY_JOINED, "already_joined"},
    {TOLK_PERR_NOT_JOINED, "not_joined"},
    {TOLK_PERR_CANCELLED, "appointment_cancelled"},
    {TOLK_PERR_BAD_RECIPIENT, "bad_recipient"},
    {TOLK_PERR_SESSION_FULL, "session_full"},
    {TOLK_PERR_JOIN_THROTTLED, "join_throttled"},
    {TOLK_PERR_NOT_ALLOWED, "not_allowed"},
    {TOLK_PERR_BAD_TARGET, "bad_target"},
    {TOLK_PERR_RECORDING_NOT_ALLOWED, "recording_not_allowed"},
    {TOLK_PERR_INTERPRETER_ACTIVE, "interpreter_active"},
    {TOLK_PERR_NO_HANDOVER, "no_handover"},
    {TOLK_PERR_WAITING, "waiting"},
    {TOLK_PERR_WRONG_SESSION, "wrong_session"},
    {TOLK_PERR_RATE_LIMITED, "rate_limited"},
    {TOLK_PERR_INTERNAL, "internal"},
};

const char *tolk_proto_error_name(enum tolk_proto_error code)
{
    for (size_t i = 0; i < sizeof error_table / sizeof error_table[0]; i++)
        if (error_table[i].code == code)
            return error_table[i].name;
    return "unknown";
}

int tolk_proto__fail(struct tolk_proto_fault *fault, enum tolk_proto_error code, const char *detail)
{
    fault->code = code;
    fault->detail = detail;
    return (int)code;
}

/* A protocol version or interval: a JSON integer from 1 to 2^31-1. */
static int get_positive(const json_t *v, uint32_t *out)
{
    if (!json_is_integer(v))
        return -1;
    json_int_t n = json_integer_value(v);
    if (n < 1 || n > INT32_MAX)
        return -1;
    *out = (uint32_t)n;
    return 0;
}

static int decode_versions(const json_t *arr, struct tolk_msg_hello *h)
{
    size_t n = json_array_size(arr);
    if (!json_is_array(arr) || n == 0 || n > TOLK_PROTO_MAX_OFFERED)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (get_positive(json_array_get(arr, i), &h->versions[i]) != 0)
            return -1;
    h->nversions = n;
    return 0;
}

static int decode_hello(const json_t *obj, struct tolk_msg *out, struct tolk_proto_fault *fault)
{
    struct tolk_msg_hello *h = &out->u.hello;
    memset(h, 0, sizeof *h);
    const json_t *versions = json_object_get(obj, "versions");
    const json_t *version = json_object_get(obj, "version");
    const json_t *software = json_object_get(obj, "software");
    const json_t *keepalive = json_object_get(obj, "keepalive_s");
    if (!versions && !version)
        return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE,
                                "hello needs \"versions\" or \"version\"");
    if (versions && decode_versions(versions, h) != 0)
        return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE,
                                "\"versions\" must be an array of 1 to 16 positive integers");
    if (version && get_positive(version, &h->version) != 0)
        return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE,
                                "\"version\" must be a positive integer");
    if (keepalive && get_positive(keepalive, &h->keepalive_s) != 0)
        return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE,
                                "\"keepalive_s\" must be a positive integer");
    if (software) {
        if (!json_is_string(software) || json_string_length(software) >= sizeof h->software)
            return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE,
                                    "\"software\" must be a string of at most 63 bytes");
        memcpy(h->software, json_string_value(software), json_string_length(software) + 1);
    }
    out->type = TOLK_MSG_HELLO;
    return 0;
}

/* Field readers: each returns 0, or -1 if the field is missing or not of its shape. */

int tolk_proto__get_uint(const json_t *obj, const char *name, uint64_t max, uint64_t *out)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
        return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int get_text(const json_t *obj, const char *name, char *out, size_t cap)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_string(v) || json_string_length(v) >= cap)
        return -1;
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

/* Base64 (VARIANT) into OUT: exactly WANT bytes, or up to CAP when WANT is 0. */
static int get_b64(const json_t *obj, const char *name, int variant, uint8_t *out, size_t cap,
                   size_t want, size_t *got)
{
    const json_t *v = json_object_get(obj, name);
    size_t n = 0;
    if (!json_is_string(v) ||
        sodium_base642bin(out, cap, json_string_value(v), json_string_length(v), NULL, &n, NULL,
                          variant) != 0 ||
        (want && n != want))
        return -1;
    if (got)
        *got = n;
    return 0;
}

#define B64_STD sodium_base64_VARIANT_ORIGINAL
#define B64_URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

int tolk_proto__get_index(const json_t *obj, const char *name, unsigned *out)
{
    uint64_t v;
    if (tolk_proto__get_uint(obj, name, TOLK_PROTO_MAX_PARTICIPANTS - 1, &v) != 0)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int decode_error(const json_t *obj, struct tolk_msg *out, struct tolk_proto_fault *fault)
{
    struct tolk_msg_error *e = &out->u.error;
    uint64_t code;
    memset(e, 0, sizeof *e);
    if (tolk_proto__get_uint(obj, "code", 9999, &code) != 0 ||
        get_text(obj, "name", e->name, sizeof e->name))
        return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE, "error needs \"code\" and \"name\"");
    e->code = (int)code;
    if (json_object_get(obj, "message"))
        get_text(obj, "message", e->message, sizeof e->message);
    out->type = TOLK_MSG_ERROR;
    return 0;
}

static int decode_join(const json_t *obj, struct tolk_msg *out, struct tolk_proto_fault *fault)
{
    struct tolk_msg_join *j = &out->u.join;
    memset(j, 0, sizeof *j);
    if (get_b64(obj, "token", B64_URL, j->token, sizeof j->token, sizeof j->token, NULL) != 0)
        return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE,
                                "\"token\" must be 43 base64url characters");
    if (get_b64(obj, "identity", B64_STD, j->identity, sizeof j->identity, sizeof j->identity,
                NULL) != 0)
        return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE,
                                "\"identity\" must be a base64 Ed25519 public key");
    if (json_object_get(obj, "resume")) {
        if (get_b64(obj, "resume", B64_URL, j->resume, sizeof j->resume, sizeof j->resume, NULL) !=
            0)
            return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE,
                                    "\"resume\" must be 43 base64url characters");
        j->has_resume = true;
    }
    const json_t *lang = json_object_get(obj, "lang");
    if (lang) {
        if (!json_is_string(lang) ||
            !tolk_proto__lang_valid(json_string_value(lang), json_string_length(lang)))
            return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE,
                                    "\"lang\" must be a language tag");
        memcpy(j->lang, json_string_value(lang), json_string_length(lang) + 1);
    }
    out->type = TOLK_MSG_JOIN;
    return 0;
}

static int decode_participant(const json_t *obj, struct tolk_proto_participant *p)
{
    memset(p, 0, sizeof *p);
    if (tolk_proto__get_index(obj, "index", &p->index) != 0 ||
        get_text(obj, "role", p->role, sizeof p->role) ||
        get_b64(obj, "identity", B64_STD, p->identity, sizeof p->identity, sizeof p->identity,
                NULL) != 0)
        return -1;
    return 0;
}

static int decode_joined(const json_t *obj, struct tolk_msg *out, struct tolk_proto_fault *fault)
{
    struct tolk_msg_joined *j = &out->u.joined;
    const json_t *session = json_object_get(obj, "session");
    const json_t *list = json_object_get(obj, "participants");
    memset(j, 0, sizeof *j);
    if (!json_is_string(session) || json_string_length(session) != 2 * sizeof j->session ||
        sodium_hex2bin(j->session, sizeof j->session, json_string_value(session),
                       json_string_length(session), NULL, NULL, NULL) != 0 ||
        tolk_proto__get_index(obj, "index", &j->index) != 0 ||
        get_text(obj, "role", j->role, sizeof j->role) ||
        tolk_proto__get_uint(obj, "epoch", INT64_MAX, &j->epoch) != 0 ||
        get_b64(obj, "resume", B64_URL, j->resume, sizeof j->resume, sizeof j->resume, NULL) ||
        !json_is_array(list) || json_array_size(list) >= TOLK_PROTO_MAX_PARTICIPANTS)
        return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE,
                                "joined is missing a field or has a bad one");
    for (size_t i = 0; i < json_array_size(list); i++)
        if (decode_participant(json_array_get(list, i), &j->participants[i]) != 0)
            return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE, "joined has a bad participant");
    j->nparticipants = json_array_size(list);
    out->type = TOLK_MSG_JOINED;
    return 0;
}

static int decode_participant_joined(const json_t *obj, struct tolk_msg *out,
                                     struct tolk_proto_fault *fault)
{
    struct tolk_msg_participant *p = &out->u.participant;
    memset(p, 0, sizeof *p);
    if (decode_participant(obj, &p->who) != 0 ||
        tolk_proto__get_uint(obj, "epoch", INT64_MAX, &p->epoch))
        return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE, "participant_joined has a bad field");
    out->type = TOLK_MSG_PARTICIPANT_JOINED;
    return 0;
}

static int decode_participant_left(const json_t *obj, struct tolk_msg *out,
                                   struct tolk_proto_fault *fault)
{
    struct tolk_msg_participant *p = &out->u.participant;
    memset(p, 0, sizeof *p);
    if (tolk_proto__get_index(obj, "index", &p->who.index) != 0 ||
        tolk_proto__get_uint(obj, "epoch", INT64_MAX, &p->epoch) != 0 ||
        get_text(obj, "reason", p->reason, sizeof p->reason) != 0)
        return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE, "participant_left has a bad field");
    out->type = TOLK_MSG_PARTICIPANT_LEFT;
    return 0;
}

static int decode_key(const json_t *obj, struct tolk_msg *out, struct tolk_proto_fault *fault)
{
    struct tolk_msg_key *k = &out->u.key;
    memset(k, 0, sizeof *k);
    if (tolk_proto__get_index(obj, "to", &k->to) != 0 ||
        tolk_proto__get_uint(obj, "epoch", INT64_MAX, &k->epoch) != 0 ||
        get_b64(obj, "sealed", B64_STD, k->sealed, sizeof k->sealed, 0, &k->sealed_len) != 0 ||
        k->sealed_len == 0 ||
        get_b64(obj, "sig", B64_STD, k->sig, sizeof k->sig, sizeof k->sig, NULL) != 0)
        return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE,
                                "key needs \"to\", \"epoch\", \"sealed\" and a 64-byte \"sig\"");
    if (json_object_get(obj, "from")) {
        if (tolk_proto__get_index(obj, "from", &k->from) != 0)
            return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE, "\"from\" must be an index");
        k->has_from = true;
    }
    out->type = TOLK_MSG_KEY;
    return 0;
}

static int decode_leave(const json_t *obj, struct tolk_msg *out, struct tolk_proto_fault *fault)
{
    (void)obj;
    (void)fault;
    out->type = TOLK_MSG_LEAVE;
    return 0;
}

struct type_row {
    const char *name;
    int (*decode)(const json_t *obj, struct tolk_msg *out, struct tolk_proto_fault *fault);
};

static const struct type_row type_table[] = {
    {"hello", decode_hello},
    {"error", decode_error},
    {"join", decode_join},
    {"joined", decode_joined},
    {"participant_joined", decode_participant_joined},
    {"participant_left", decode_participant_left},
    {"key", decode_key},
    {"leave", decode_leave},
};

int tolk_proto_decode(const char *buf, size_t len, struct tolk_msg *out,
                      struct tolk_proto_fault *fault)
{
    json_error_t jerr;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc;
    if (!root)
        return tolk_proto__fail(fault, TOLK_PERR_BAD_JSON, "not valid JSON");
    if (!json_is_object(root)) {
        rc = tolk_proto__fail(fault, TOLK_PERR_BAD_JSON, "a control message is a JSON object");
        goto out;
    }
    const json_t *type = json_object_get(root, "type");
    if (!json_is_string(type)) {
        rc = tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE, "\"type\" must be a string");
        goto out;
    }
    fault->code = TOLK_PERR_NONE;
    fault->detail = "";
    for (size_t i = 0; i < sizeof type_table / sizeof type_table[0]; i++) {
        if (strcmp(json_string_value(type), type_table[i].name) == 0) {
            rc = type_table[i].decode(root, out, fault);
            goto out;
        }
    }
    rc = tolk_proto__decode_interp(json_string_value(type), root, out, fault);
out:
    json_decref(root);
    return rc;
}

uint32_t tolk_proto_negotiate(const struct tolk_msg_hello *hello)
{
    uint32_t best = 0;
    for (size_t i = 0; i < hello->nversions; i++) {
        uint32_t v = hello->versions[i];
        if (v >= TOLK_PROTO_MIN_VERSION && v <= TOLK_PROTO_VERSION && v > best)
            best = v;
    }
    return best;
}

/* Serialises OBJ into BUF and releases it. Returns the length, or 0 if it did not fit. */
size_t tolk_proto__dump(json_t *obj, char *buf, size_t cap)
{
    if (!obj)
        return 0;
    size_t n = json_dumpb(obj, buf, cap, JSON_COMPACT);
    json_decref(obj);
    return n <= cap ? n : 0;
}

size_t tolk_proto_encode_hello(char *buf, size_t cap, const char *software)
{
    json_t *versions = json_array();
    for (uint32_t v = TOLK_PROTO_VERSION; v >= TOLK_PROTO_MIN_VERSION && v > 0; v--)
        json_array_append_new(versions, json_integer(v));
    return tolk_proto__dump(
        json_pack("{s:s, s:o, s:s}", "type", "hello", "versions", versions, "software", software),
        buf, cap);
}

size_t tolk_proto_encode_hello_reply(char *buf, size_t cap, uint32_t version, const char *server,
                                     uint32_t keepalive_s)
{
    return tolk_proto__dump(json_pack("{s:s, s:I, s:s, s:I}", "type", "hello", "version",
                                      (json_int_t)version, "software", server, "keepalive_s",
                                      (json_int_t)keepalive_s),
                            buf, cap);
}

size_t tolk_proto_encode_error(char *buf, size_t cap, enum tolk_proto_error code,
                               const char *detail)
{
    json_t *obj = json_pack("{s:s, s:i, s:s, s:s}", "type", "error", "code", (int)code, "name",
                            tolk_proto_error_name(code), "message", detail);
    if (obj && code == TOLK_PERR_UNSUPPORTED_VERSION) {
        json_t *supported = json_array();
        for (uint32_t v = TOLK_PROTO_MIN_VERSION; v <= TOLK_PROTO_VERSION; v++)
            json_array_append_new(supported, json_integer(v));
        json_object_set_new(obj, "supported", supported);
    }
    return tolk_proto__dump(obj, buf, cap);
}

/* Adds KEY as base64 text of LEN bytes to OBJ. */
static void set_b64(json_t *obj, const char *key, const uint8_t *bin, size_t len, int variant)
{
    char text[512];
    if (sodium_base64_encoded_len(len, variant) > sizeof text)
        return;
    sodium_bin2base64(text, sizeof text, bin, len, variant);
    json_object_set_new(obj, key, json_string(text));
}

size_t tolk_proto_encode_join(char *buf, size_t cap, const struct tolk_msg_join *m)
{
    json_t *obj = json_pack("{s:s}", "type", "join");
    set_b64(obj, "token", m->token, sizeof m->token, B64_URL);
    set_b64(obj, "identity", m->identity, sizeof m->identity, B64_STD);
    if (m->has_resume)
        set_b64(obj, "resume", m->resume, sizeof m->resume, B64_URL);
    if (m->lang[0] != '\0')
        json_object_set_new(obj, "lang", json_stringn(m->lang, strnlen(m->lang, sizeof m->lang)));
    return tolk_proto__dump(obj, buf, cap);
}

static json_t *participant_object(const struct tolk_proto_participant *p)
{
    json_t *obj = json_pack("{s:i, s:s}", "index", (int)p->index, "role", p->role);
    set_b64(obj, "identity", p->identity, sizeof p->identity, B64_STD);
    return obj;
}

size_t tolk_proto_encode_joined(char *buf, size_t cap, const struct tolk_msg_joined *m)
{
    char session[2 * TOLK_PROTO_SESSION_BYTES + 1];
    sodium_bin2hex(session, sizeof session, m->session, sizeof m->session);
    json_t *list = json_array();
    for (size_t i = 0; i < m->nparticipants; i++)
        json_array_append_new(list, participant_object(&m->participants[i]));
    json_t *obj = json_pack("{s:s, s:s, s:i, s:s, s:I, s:o}", "type", "joined", "session", session,
                            "index", (int)m->index, "role", m->role, "epoch", (json_int_t)m->epoch,
                            "participants", list);
    set_b64(obj, "resume", m->resume, sizeof m->resume, B64_URL);
    return tolk_proto__dump(obj, buf, cap);
}

size_t tolk_proto_encode_participant_joined(char *buf, size_t cap,
                                            const struct tolk_proto_participant *who,
                                            uint64_t epoch)
{
    json_t *obj = participant_object(who);
    json_object_set_new(obj, "type", json_string("participant_joined"));
    json_object_set_new(obj, "epoch", json_integer((json_int_t)epoch));
    return tolk_proto__dump(obj, buf, cap);
}

size_t tolk_proto_encode_participant_left(char *buf, size_t cap, unsigned index, uint64_t epoch,
                                          const char *reason)
{
    return tolk_proto__dump(json_pack("{s:s, s:i, s:I, s:s}", "type", "participant_left", "index",
                                      (int)index, "epoch", (json_int_t)epoch, "reason", reason),
                            buf, cap);
}

size_t tolk_proto_encode_key(char *buf, size_t cap, const struct tolk_msg_key *m)
{
    json_t *obj = json_pack("{s:s, s:i, s:I}", "type", "key", "to", (int)m->to, "epoch",
                            (json_int_t)m->epoch);
    if (m->has_from)
        json_object_set_new(obj, "from", json_integer(m->from));
    set_b64(obj, "sealed", m->sealed, m->sealed_len, B64_STD);
    set_b64(obj, "sig", m->sig, sizeof m->sig, B64_STD);
    return tolk_proto__dump(obj, buf, cap);
}

size_t tolk_proto_encode_leave(char *buf, size_t cap)
{
    return tolk_proto__dump(json_pack("{s:s}", "type", "leave"), buf, cap);
}
