#include "proto.h"

#include <jansson.h>
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
    {TOLK_PERR_INTERNAL, "internal"},
};

const char *tolk_proto_error_name(enum tolk_proto_error code)
{
    for (size_t i = 0; i < sizeof error_table / sizeof error_table[0]; i++)
        if (error_table[i].code == code)
            return error_table[i].name;
    return "unknown";
}

static int fail(struct tolk_proto_fault *fault, enum tolk_proto_error code, const char *detail)
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
        return fail(fault, TOLK_PERR_BAD_MESSAGE, "hello needs \"versions\" or \"version\"");
    if (versions && decode_versions(versions, h) != 0)
        return fail(fault, TOLK_PERR_BAD_MESSAGE,
                    "\"versions\" must be an array of 1 to 16 positive integers");
    if (version && get_positive(version, &h->version) != 0)
        return fail(fault, TOLK_PERR_BAD_MESSAGE, "\"version\" must be a positive integer");
    if (keepalive && get_positive(keepalive, &h->keepalive_s) != 0)
        return fail(fault, TOLK_PERR_BAD_MESSAGE, "\"keepalive_s\" must be a positive integer");
    if (software) {
        if (!json_is_string(software) || json_string_length(software) >= sizeof h->software)
            return fail(fault, TOLK_PERR_BAD_MESSAGE,
                        "\"software\" must be a string of at most 63 bytes");
        memcpy(h->software, json_string_value(software), json_string_length(software) + 1);
    }
    out->type = TOLK_MSG_HELLO;
    return 0;
}

struct type_row {
    const char *name;
    int (*decode)(const json_t *obj, struct tolk_msg *out, struct tolk_proto_fault *fault);
};

static const struct type_row type_table[] = {
    {"hello", decode_hello},
};

int tolk_proto_decode(const char *buf, size_t len, struct tolk_msg *out,
                      struct tolk_proto_fault *fault)
{
    json_error_t jerr;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc;
    if (!root)
        return fail(fault, TOLK_PERR_BAD_JSON, "not valid JSON");
    if (!json_is_object(root)) {
        rc = fail(fault, TOLK_PERR_BAD_JSON, "a control message is a JSON object");
        goto out;
    }
    const json_t *type = json_object_get(root, "type");
    if (!json_is_string(type)) {
        rc = fail(fault, TOLK_PERR_BAD_MESSAGE, "\"type\" must be a string");
        goto out;
    }
    rc = fail(fault, TOLK_PERR_UNKNOWN_TYPE, "unknown message type");
    for (size_t i = 0; i < sizeof type_table / sizeof type_table[0]; i++) {
        if (strcmp(json_string_value(type), type_table[i].name) == 0) {
            fault->code = TOLK_PERR_NONE;
            fault->detail = "";
            rc = type_table[i].decode(root, out, fault);
            break;
        }
    }
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
static size_t dump(json_t *obj, char *buf, size_t cap)
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
    return dump(
        json_pack("{s:s, s:o, s:s}", "type", "hello", "versions", versions, "software", software),
        buf, cap);
}

size_t tolk_proto_encode_hello_reply(char *buf, size_t cap, uint32_t version, const char *server,
                                     uint32_t keepalive_s)
{
    return dump(json_pack("{s:s, s:I, s:s, s:I}", "type", "hello", "version", (json_int_t)version,
                          "software", server, "keepalive_s", (json_int_t)keepalive_s),
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
    return dump(obj, buf, cap);
}
