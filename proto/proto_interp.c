/*
 * The interpreter leg's messages (docs/PROTOCOL.md, "Interpreter leg"; their meaning is
 * docs/INTERPRETING.md): the per-receiver state message and the controls. They live apart from
 * proto.c only to keep each file readable; the rules are the same: pure, unknown fields
 * ignored, every fault one stable code with a short fixed text that names the field.
 */
#define TOLK_PROTO_INTERNAL
#include "proto.h"

#include <jansson.h>
#include <sodium.h>
#include <string.h>

#define GAIN_MIN_CB (-600) /* -60 dB: the quietest gain the wire can carry */

static const char *const modes[] = {"consecutive", "simultaneous", NULL};
static const char *const roles[] = {"client", "clinician", "interpreter", "support", NULL};
static const char *const presences[] = {"waiting", "admitted", "paused", NULL};
static const char *const interpreter_states[] = {"active", "passive", NULL};
static const char *const signals[] = {"slow_down", "repeat", "moment", NULL};
/* A hand-over from an interpreter, and as the server forwards it (with "from"). */
static const char *const actions_sent[] = {"request", "accept", "decline", NULL};
static const char *const actions_relayed[] = {"request", "accepted", "declined", NULL};

/*
 * A language tag as the wire accepts it: the shape of RFC 5646 without its registry. 2 to 35
 * characters; subtags of 1 to 8 ASCII letters or digits joined by single hyphens; the first
 * subtag 2 to 8 letters. Whether a tag names a language the session can serve is for
 * interp/ (matching and routing compare primary subtags); the codec only guarantees that what
 * it hands on is short, printable and cannot be confused with anything else.
 */
bool tolk_proto__lang_valid(const char *tag, size_t len)
{
    if (len < 2 || len >= TOLK_PROTO_LANG_MAX)
        return false;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || tag[i] == '-') {
            size_t n = i - start;
            if (n < (start == 0 ? 2u : 1u) || n > 8)
                return false;
            start = i + 1;
            continue;
        }
        unsigned char c = (unsigned char)tag[i];
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        bool digit = c >= '0' && c <= '9';
        if (!letter && !(digit && start > 0))
            return false;
    }
    return true;
}

/* ---- field readers: each returns 0, or -1 if the field is missing or not of its shape ---- */

static int get_bool(const json_t *obj, const char *name, bool *out)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_boolean(v))
        return -1;
    *out = json_is_true(v);
    return 0;
}

/* An integer LO..HI (a JSON integer: 1.0 is not one). */
static int get_int(const json_t *obj, const char *name, int lo, int hi, int *out)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return -1;
    *out = (int)json_integer_value(v);
    return 0;
}

/* One of NAMES (a NULL-terminated list), copied into OUT of CAP bytes. */
static int get_enum(const json_t *obj, const char *name, const char *const *names, char *out,
                    size_t cap)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_string(v))
        return -1;
    for (; *names; names++) {
        size_t n = strlen(*names);
        if (n < cap && json_string_length(v) == n && memcmp(json_string_value(v), *names, n) == 0) {
            memcpy(out, *names, n + 1);
            return 0;
        }
    }
    return -1;
}

/* A language tag, or "" when EMPTY_OK. */
static int get_lang(const json_t *obj, const char *name, bool empty_ok,
                    char out[TOLK_PROTO_LANG_MAX])
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_string(v))
        return -1;
    size_t n = json_string_length(v);
    if (!(n == 0 && empty_ok) && !tolk_proto__lang_valid(json_string_value(v), n))
        return -1;
    memcpy(out, json_string_value(v), n + 1);
    return 0;
}

/* A list of distinct participant indices, as a bit set. */
static int get_index_set(const json_t *obj, const char *name, uint16_t *out)
{
    const json_t *list = json_object_get(obj, name);
    unsigned set = 0;
    if (!json_is_array(list) || json_array_size(list) > TOLK_PROTO_MAX_PARTICIPANTS)
        return -1;
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *v = json_array_get(list, i);
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) >= TOLK_PROTO_MAX_PARTICIPANTS ||
            (set & (1u << json_integer_value(v))) != 0)
            return -1;
        set |= 1u << json_integer_value(v);
    }
    *out = (uint16_t)set;
    return 0;
}

/* ---- state ---------------------------------------------------------------------------------- */

static const char *decode_member(const json_t *v, struct tolk_proto_member *m)
{
    char status[8];
    memset(m, 0, sizeof *m);
    if (!json_is_object(v))
        return "each of \"participants\" must be an object";
    if (tolk_proto__get_index(v, "index", &m->index) != 0)
        return "participant \"index\" must be an index (0..15)";
    if (get_enum(v, "role", roles, m->role, sizeof m->role) != 0)
        return "participant \"role\" is not a role";
    if (get_enum(v, "presence", presences, m->presence, sizeof m->presence) != 0)
        return "participant \"presence\" is not a presence";
    if (get_lang(v, "lang", true, m->lang) != 0)
        return "participant \"lang\" must be \"\" or a language tag";
    if (get_bool(v, "recording", &m->recording) != 0)
        return "participant \"recording\" must be true or false";
    if (strcmp(m->role, "interpreter") != 0)
        return NULL;
    if (get_enum(v, "interpreter", interpreter_states, status, sizeof status) != 0)
        return "participant \"interpreter\" must be \"active\" or \"passive\"";
    m->interpreter_active = strcmp(status, "active") == 0;
    if (get_lang(v, "channel", true, m->channel) != 0)
        return "participant \"channel\" must be \"\" or a language tag";
    return NULL;
}

/* "participants" into ST; *PRESENT gets their indices as a bit set. */
static const char *decode_members(const json_t *obj, struct tolk_msg_state *st, unsigned *present)
{
    const json_t *list = json_object_get(obj, "participants");
    if (!json_is_array(list) || json_array_size(list) > TOLK_PROTO_MAX_PARTICIPANTS)
        return "\"participants\" must be an array of at most 16 objects";
    *present = 0;
    for (size_t i = 0; i < json_array_size(list); i++) {
        const char *detail = decode_member(json_array_get(list, i), &st->members[i]);
        if (detail)
            return detail;
        if (*present & (1u << st->members[i].index))
            return "\"participants\" has an index twice";
        *present |= 1u << st->members[i].index;
    }
    st->nmembers = json_array_size(list);
    return NULL;
}

static const char *decode_gains(const json_t *obj, struct tolk_msg_state *st)
{
    const json_t *list = json_object_get(obj, "gains");
    unsigned set = 0;
    if (!json_is_array(list) || json_array_size(list) > TOLK_PROTO_MAX_PARTICIPANTS)
        return "\"gains\" must be an array of at most 16 objects";
    for (size_t i = 0; i < json_array_size(list); i++) {
        const json_t *g = json_array_get(list, i);
        unsigned from;
        int gain;
        if (tolk_proto__get_index(g, "from", &from) != 0 ||
            get_int(g, "gain_cb", GAIN_MIN_CB, 0, &gain) != 0)
            return "each gain needs \"from\" (0..15) and \"gain_cb\" (-600..0)";
        if (set & (1u << from))
            return "\"gains\" has a \"from\" twice";
        set |= 1u << from;
        st->gain_cb[from] = (int16_t)gain;
    }
    st->gains = (uint16_t)set;
    return NULL;
}

/* A cause's type is informational, so it is not a closed list: a later server may name new
 * causes, and a client shows those as a generic change. It must still be a plain word. */
static const char *decode_cause(const json_t *obj, struct tolk_msg_state *st)
{
    const json_t *cause = json_object_get(obj, "cause");
    if (!cause)
        return NULL;
    const json_t *type = json_object_get(cause, "type"); /* NULL unless an object */
    size_t n = json_string_length(type);                 /* 0 unless a string */
    if (!json_is_string(type) || n == 0 || n >= sizeof st->cause ||
        strspn(json_string_value(type), "abcdefghijklmnopqrstuvwxyz_") != n)
        return "\"cause\" needs a \"type\" of 1 to 15 of a-z and _";
    memcpy(st->cause, json_string_value(type), n + 1);
    if (json_object_get(cause, "by")) {
        if (tolk_proto__get_index(cause, "by", &st->cause_by) != 0)
            return "cause \"by\" must be an index (0..15)";
        st->has_cause_by = true;
    }
    return NULL;
}

static const char *decode_state_fields(const json_t *obj, struct tolk_msg_state *st)
{
    unsigned present;
    const char *detail;
    if (tolk_proto__get_uint(obj, "epoch", INT64_MAX, &st->epoch) != 0)
        return "\"epoch\" must be a non-negative integer";
    if (get_enum(obj, "mode", modes, st->mode, sizeof st->mode) != 0)
        return "\"mode\" must be \"consecutive\" or \"simultaneous\"";
    if (get_bool(obj, "sidebar", &st->sidebar) != 0)
        return "\"sidebar\" must be true or false";
    if (get_bool(obj, "recording_allowed", &st->recording_allowed) != 0)
        return "\"recording_allowed\" must be true or false";
    if (get_int(obj, "duck_cb", GAIN_MIN_CB, 0, &st->duck_cb) != 0)
        return "\"duck_cb\" must be an integer from -600 to 0";
    if ((detail = decode_members(obj, st, &present)) != NULL)
        return detail;
    if (get_index_set(obj, "room", &st->room) != 0)
        return "\"room\" must be an array of distinct indices (0..15)";
    if ((st->room & ~present) != 0)
        return "\"room\" names an index not in \"participants\"";
    if ((detail = decode_gains(obj, st)) != NULL)
        return detail;
    if ((st->gains & ~st->room) != 0)
        return "\"gains\" names a sender outside \"room\"";
    return decode_cause(obj, st);
}

static int decode_state(const json_t *obj, struct tolk_msg *out, struct tolk_proto_fault *fault)
{
    memset(&out->u.state, 0, sizeof out->u.state);
    const char *detail = decode_state_fields(obj, &out->u.state);
    if (detail)
        return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE, detail);
    out->type = TOLK_MSG_STATE;
    return 0;
}

/* Text from a fixed-size field, never reading past it even if it lacks its NUL. */
static json_t *text(const char *s, size_t cap)
{
    return json_stringn(s, strnlen(s, cap));
}

static json_t *index_list(uint16_t set)
{
    json_t *list = json_array();
    for (unsigned i = 0; i < TOLK_PROTO_MAX_PARTICIPANTS; i++) {
        if ((set & (1u << i)) && json_array_append_new(list, json_integer(i)) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static json_t *member_object(const struct tolk_proto_member *m)
{
    json_t *obj = json_object();
    bool bad = json_object_set_new(obj, "index", json_integer(m->index)) != 0 ||
               json_object_set_new(obj, "role", text(m->role, sizeof m->role)) != 0 ||
               json_object_set_new(obj, "presence", text(m->presence, sizeof m->presence)) != 0 ||
               json_object_set_new(obj, "lang", text(m->lang, sizeof m->lang)) != 0 ||
               json_object_set_new(obj, "recording", json_boolean(m->recording)) != 0;
    if (!bad && strncmp(m->role, "interpreter", sizeof m->role) == 0)
        bad = json_object_set_new(obj, "interpreter",
                                  json_string(m->interpreter_active ? "active" : "passive")) != 0 ||
              json_object_set_new(obj, "channel", text(m->channel, sizeof m->channel)) != 0;
    if (bad) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *gain_list(const struct tolk_msg_state *m)
{
    json_t *list = json_array();
    for (unsigned s = 0; s < TOLK_PROTO_MAX_PARTICIPANTS; s++) {
        if ((m->gains & (1u << s)) &&
            json_array_append_new(list, json_pack("{s:i, s:i}", "from", (int)s, "gain_cb",
                                                  (int)m->gain_cb[s])) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

/* The lists of a state message: participants, room, gains. 0, or -1 if one failed. */
static int state_lists(json_t *obj, const struct tolk_msg_state *m)
{
    json_t *members = json_array();
    for (size_t i = 0; i < m->nmembers; i++) {
        if (json_array_append_new(members, member_object(&m->members[i])) != 0) {
            json_decref(members);
            return -1;
        }
    }
    if (json_object_set_new(obj, "participants", members) != 0 ||
        json_object_set_new(obj, "room", index_list(m->room)) != 0 ||
        json_object_set_new(obj, "gains", gain_list(m)) != 0)
        return -1;
    if (m->cause[0] == '\0')
        return 0;
    json_t *cause = json_pack("{s:o}", "type", text(m->cause, sizeof m->cause));
    if (cause && m->has_cause_by &&
        json_object_set_new(cause, "by", json_integer(m->cause_by)) != 0) {
        json_decref(cause);
        return -1;
    }
    return json_object_set_new(obj, "cause", cause);
}

size_t tolk_proto_encode_state(char *buf, size_t cap, const struct tolk_msg_state *m)
{
    /* More members than a session can hold is the caller's bug; write nothing rather than read
     * past the array. */
    if (m->nmembers > TOLK_PROTO_MAX_PARTICIPANTS)
        return 0;
    json_t *obj =
        json_pack("{s:s, s:I, s:o, s:b, s:b, s:i}", "type", "state", "epoch", (json_int_t)m->epoch,
                  "mode", text(m->mode, sizeof m->mode), "sidebar", (int)m->sidebar,
                  "recording_allowed", (int)m->recording_allowed, "duck_cb", m->duck_cb);
    if (obj && state_lists(obj, m) != 0) {
        json_decref(obj);
        return 0;
    }
    return tolk_proto__dump(obj, buf, cap);
}

/* ---- controls ------------------------------------------------------------------------------- */

/*
 * One row per control: its wire name, and a decoder and an encoder for the fields it uses
 * (proto.h, struct tolk_msg_control). A decoder returns NULL or the fault's text; an encoder
 * returns 0 or -1. "session" is common to all and handled around them.
 */
struct control_row {
    enum tolk_msg_type type;
    const char *name;
    const char *(*decode)(const json_t *obj, struct tolk_msg_control *c);
    int (*encode)(json_t *obj, const struct tolk_msg_control *c);
};

static const char *dec_target(const json_t *obj, struct tolk_msg_control *c)
{
    if (tolk_proto__get_index(obj, "index", &c->index) != 0)
        return "\"index\" must be a participant index (0..15)";
    return NULL;
}

static int enc_target(json_t *obj, const struct tolk_msg_control *c)
{
    return json_object_set_new(obj, "index", json_integer(c->index));
}

static const char *dec_admit(const json_t *obj, struct tolk_msg_control *c)
{
    if (json_object_get(obj, "readmit") && get_bool(obj, "readmit", &c->readmit) != 0)
        return "\"readmit\" must be true or false";
    return dec_target(obj, c);
}

static int enc_admit(json_t *obj, const struct tolk_msg_control *c)
{
    return enc_target(obj, c) || json_object_set_new(obj, "readmit", json_boolean(c->readmit));
}

static const char *dec_sidebar(const json_t *obj, struct tolk_msg_control *c)
{
    return get_bool(obj, "open", &c->on) != 0 ? "\"open\" must be true or false" : NULL;
}

static int enc_sidebar(json_t *obj, const struct tolk_msg_control *c)
{
    return json_object_set_new(obj, "open", json_boolean(c->on));
}

static const char *dec_mode(const json_t *obj, struct tolk_msg_control *c)
{
    if (get_enum(obj, "mode", modes, c->text, sizeof c->text) != 0)
        return "\"mode\" must be \"consecutive\" or \"simultaneous\"";
    return NULL;
}

static int enc_mode(json_t *obj, const struct tolk_msg_control *c)
{
    return json_object_set_new(obj, "mode", text(c->text, sizeof c->text));
}

static const char *dec_channel(const json_t *obj, struct tolk_msg_control *c)
{
    if (get_lang(obj, "channel", true, c->text) != 0)
        return "\"channel\" must be \"\" or a language tag";
    return NULL;
}

static int enc_channel(json_t *obj, const struct tolk_msg_control *c)
{
    return json_object_set_new(obj, "channel", text(c->text, sizeof c->text));
}

/* "from": the interpreter a relayed signal or hand-over comes from (server -> client only). */
static const char *dec_from(const json_t *obj, struct tolk_msg_control *c)
{
    if (!json_object_get(obj, "from"))
        return NULL;
    if (tolk_proto__get_index(obj, "from", &c->from) != 0)
        return "\"from\" must be a participant index (0..15)";
    c->has_from = true;
    return NULL;
}

static int enc_from(json_t *obj, const struct tolk_msg_control *c)
{
    return c->has_from ? json_object_set_new(obj, "from", json_integer(c->from)) : 0;
}

static const char *dec_signal(const json_t *obj, struct tolk_msg_control *c)
{
    if (get_enum(obj, "signal", signals, c->text, sizeof c->text) != 0)
        return "\"signal\" must be \"slow_down\", \"repeat\" or \"moment\"";
    return dec_from(obj, c);
}

static int enc_signal(json_t *obj, const struct tolk_msg_control *c)
{
    return json_object_set_new(obj, "signal", text(c->text, sizeof c->text)) || enc_from(obj, c);
}

/* The actions differ by direction, and "from" tells the directions apart: an interpreter
 * sends request/accept/decline without it, the server forwards request/accepted/declined
 * with it. */
static const char *dec_handover(const json_t *obj, struct tolk_msg_control *c)
{
    const char *detail = dec_from(obj, c);
    if (detail)
        return detail;
    if (!c->has_from && get_enum(obj, "action", actions_sent, c->text, sizeof c->text) != 0)
        return "\"action\" must be \"request\", \"accept\" or \"decline\"";
    if (c->has_from && get_enum(obj, "action", actions_relayed, c->text, sizeof c->text) != 0)
        return "\"action\" with \"from\" must be \"request\", \"accepted\" or \"declined\"";
    return NULL;
}

static int enc_handover(json_t *obj, const struct tolk_msg_control *c)
{
    return json_object_set_new(obj, "action", text(c->text, sizeof c->text)) || enc_from(obj, c);
}

static const char *dec_pause(const json_t *obj, struct tolk_msg_control *c)
{
    return get_bool(obj, "paused", &c->on) != 0 ? "\"paused\" must be true or false" : NULL;
}

static int enc_pause(json_t *obj, const struct tolk_msg_control *c)
{
    return json_object_set_new(obj, "paused", json_boolean(c->on));
}

static const char *dec_recording(const json_t *obj, struct tolk_msg_control *c)
{
    return get_bool(obj, "on", &c->on) != 0 ? "\"on\" must be true or false" : NULL;
}

static int enc_recording(json_t *obj, const struct tolk_msg_control *c)
{
    return json_object_set_new(obj, "on", json_boolean(c->on));
}

static const struct control_row controls[] = {
    {TOLK_MSG_ADMIT, "admit", dec_admit, enc_admit},
    {TOLK_MSG_HOLD, "hold", dec_target, enc_target},
    {TOLK_MSG_REMOVE, "remove", dec_target, enc_target},
    {TOLK_MSG_SIDEBAR, "sidebar", dec_sidebar, enc_sidebar},
    {TOLK_MSG_MODE, "mode", dec_mode, enc_mode},
    {TOLK_MSG_CHANNEL, "channel", dec_channel, enc_channel},
    {TOLK_MSG_SIGNAL, "signal", dec_signal, enc_signal},
    {TOLK_MSG_HANDOVER, "handover", dec_handover, enc_handover},
    {TOLK_MSG_PAUSE, "pause", dec_pause, enc_pause},
    {TOLK_MSG_RECORDING, "recording", dec_recording, enc_recording},
};

#define NCONTROLS (sizeof controls / sizeof controls[0])

static const char *dec_session(const json_t *obj, struct tolk_msg_control *c)
{
    const json_t *v = json_object_get(obj, "session");
    if (!v)
        return NULL;
    if (!json_is_string(v) || json_string_length(v) != 2 * sizeof c->session ||
        sodium_hex2bin(c->session, sizeof c->session, json_string_value(v), json_string_length(v),
                       NULL, NULL, NULL) != 0)
        return "\"session\" must be 32 hex digits";
    c->has_session = true;
    return NULL;
}

static int set_session(json_t *obj, const struct tolk_msg_control *c)
{
    char hex[2 * TOLK_PROTO_SESSION_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, c->session, sizeof c->session);
    return json_object_set_new(obj, "session", json_string(hex));
}

static int decode_control(const struct control_row *row, const json_t *obj, struct tolk_msg *out,
                          struct tolk_proto_fault *fault)
{
    struct tolk_msg_control *c = &out->u.control;
    memset(c, 0, sizeof *c);
    const char *detail = row->decode(obj, c);
    if (!detail)
        detail = dec_session(obj, c);
    if (detail)
        return tolk_proto__fail(fault, TOLK_PERR_BAD_MESSAGE, detail);
    out->type = row->type;
    return 0;
}

int tolk_proto__decode_interp(const char *type, const json_t *obj, struct tolk_msg *out,
                              struct tolk_proto_fault *fault)
{
    if (strcmp(type, "state") == 0)
        return decode_state(obj, out, fault);
    for (size_t i = 0; i < NCONTROLS; i++)
        if (strcmp(type, controls[i].name) == 0)
            return decode_control(&controls[i], obj, out, fault);
    return tolk_proto__fail(fault, TOLK_PERR_UNKNOWN_TYPE, "unknown message type");
}

size_t tolk_proto_encode_control(char *buf, size_t cap, enum tolk_msg_type type,
                                 const struct tolk_msg_control *m)
{
    const struct control_row *row = NULL;
    for (size_t i = 0; i < NCONTROLS && !row; i++)
        if (controls[i].type == type)
            row = &controls[i];
    if (!row)
        return 0;
    json_t *obj = json_pack("{s:s}", "type", row->name);
    if (!obj || row->encode(obj, m) != 0 || (m->has_session && set_session(obj, m) != 0)) {
        json_decref(obj);
        return 0;
    }
    return tolk_proto__dump(obj, buf, cap);
}
