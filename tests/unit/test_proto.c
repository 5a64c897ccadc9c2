/*
 * The control-message codec: decoding every field rule, negotiation, and the encoders; the
 * interpreter leg's messages round-trip, decode as PROTOCOL.md writes them (its examples are
 * read from the document itself), and every kind of bad field is refused with its code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

static int decode(const char *text, struct tolk_msg *msg, struct tolk_proto_fault *fault)
{
    return tolk_proto_decode(text, strlen(text), msg, fault);
}

static void test_hello_from_client(void **state)
{
    (void)state;
    struct tolk_msg m;
    struct tolk_proto_fault f;
    assert_int_equal(decode("{\"type\":\"hello\",\"versions\":[3,1],\"software\":\"x/1\","
                            "\"future_field\":{}}",
                            &m, &f),
                     0);
    assert_int_equal(m.type, TOLK_MSG_HELLO);
    assert_int_equal(m.u.hello.nversions, 2);
    assert_int_equal(m.u.hello.versions[0], 3);
    assert_string_equal(m.u.hello.software, "x/1");
    assert_int_equal(tolk_proto_negotiate(&m.u.hello), 1);
}

static void test_hello_reply_round_trip(void **state)
{
    (void)state;
    char buf[256];
    size_t n = tolk_proto_encode_hello_reply(buf, sizeof buf, 1, "tolkd/0.1.0", 20);
    assert_true(n > 0);
    struct tolk_msg m;
    struct tolk_proto_fault f;
    assert_int_equal(tolk_proto_decode(buf, n, &m, &f), 0);
    assert_int_equal(m.u.hello.version, 1);
    assert_int_equal(m.u.hello.keepalive_s, 20);
    assert_int_equal(m.u.hello.nversions, 0);
    assert_string_equal(m.u.hello.software, "tolkd/0.1.0");
}

static void test_client_hello_encodes_supported_versions(void **state)
{
    (void)state;
    char buf[256];
    size_t n = tolk_proto_encode_hello(buf, sizeof buf, "libtolk/0.1.0");
    struct tolk_msg m;
    struct tolk_proto_fault f;
    assert_int_equal(tolk_proto_decode(buf, n, &m, &f), 0);
    assert_int_equal(tolk_proto_negotiate(&m.u.hello), TOLK_PROTO_VERSION);
}

static void test_no_common_version(void **state)
{
    (void)state;
    struct tolk_msg m;
    struct tolk_proto_fault f;
    assert_int_equal(decode("{\"type\":\"hello\",\"versions\":[2,99]}", &m, &f), 0);
    assert_int_equal(tolk_proto_negotiate(&m.u.hello), 0);
}

static void test_faults(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int code;
    } cases[] = {
        {"", TOLK_PERR_BAD_JSON},
        {"{", TOLK_PERR_BAD_JSON},
        {"\"hello\"", TOLK_PERR_BAD_JSON},
        {"[]", TOLK_PERR_BAD_JSON},
        {"{\"type\":\"hello\",\"type\":\"hello\",\"versions\":[1]}", TOLK_PERR_BAD_JSON},
        {"{\"type\":\"hello\",\"software\":\"a\\u0000b\",\"versions\":[1]}", TOLK_PERR_BAD_JSON},
        {"{}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":null}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"nope\"}", TOLK_PERR_UNKNOWN_TYPE},
        {"{\"type\":\"hello\"}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[]}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[0]}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[1.5]}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[\"1\"]}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[4294967297]}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}",
         TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"version\":-1}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[1],\"software\":7}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[1],\"keepalive_s\":0}", TOLK_PERR_BAD_MESSAGE},
        {"{\"type\":\"hello\",\"versions\":[1],\"software\":"
         "\"0123456789012345678901234567890123456789012345678901234567890123\"}",
         TOLK_PERR_BAD_MESSAGE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tolk_msg m;
        struct tolk_proto_fault f = {0};
        int rc = decode(cases[i].text, &m, &f);
        if (rc != cases[i].code)
            fail_msg("case %zu (%s): got %d, expected %d", i, cases[i].text, rc, cases[i].code);
        assert_int_equal(f.code, cases[i].code);
        assert_non_null(f.detail);
    }
}

static void test_length_is_explicit(void **state)
{
    (void)state;
    const char text[] = "{\"type\":\"hello\",\"versions\":[1]}GARBAGE";
    struct tolk_msg m;
    struct tolk_proto_fault f;
    assert_int_equal(tolk_proto_decode(text, strlen(text) - 7, &m, &f), 0);
    assert_int_equal(tolk_proto_decode(text, strlen(text), &m, &f), TOLK_PERR_BAD_JSON);
}

static void test_error_encoding(void **state)
{
    (void)state;
    char buf[512];
    size_t n = tolk_proto_encode_error(buf, sizeof buf, TOLK_PERR_UNSUPPORTED_VERSION, "none");
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "\"code\":1004"));
    assert_non_null(strstr(buf, "\"name\":\"unsupported_version\""));
    assert_non_null(strstr(buf, "\"supported\":[1]"));
    assert_int_equal(tolk_proto_encode_error(buf, 10, TOLK_PERR_BAD_JSON, "x"), 0);
    assert_string_equal(tolk_proto_error_name(TOLK_PERR_TOO_LARGE), "too_large");
    assert_string_equal(tolk_proto_error_name((enum tolk_proto_error)4242), "unknown");
}

/* ---- join's lang, participant_left's "removed", the new error names ----------------------- */

static void test_join_lang(void **state)
{
    (void)state;
    struct tolk_msg_join in = {0}, *out;
    struct tolk_msg m;
    struct tolk_proto_fault f;
    char buf[512];
    memset(in.token, 7, sizeof in.token);
    memset(in.identity, 9, sizeof in.identity);
    strcpy(in.lang, "nl-BE");
    size_t n = tolk_proto_encode_join(buf, sizeof buf, &in);
    assert_true(n > 0);
    assert_int_equal(tolk_proto_decode(buf, n, &m, &f), 0);
    out = &m.u.join;
    assert_int_equal(m.type, TOLK_MSG_JOIN);
    assert_memory_equal(out->token, in.token, sizeof in.token);
    assert_memory_equal(out->identity, in.identity, sizeof in.identity);
    assert_false(out->has_resume);
    assert_string_equal(out->lang, "nl-BE");

    /* Without a lang the encoder omits it and the decoder gives "". */
    in.lang[0] = '\0';
    n = tolk_proto_encode_join(buf, sizeof buf - 1, &in);
    buf[n] = '\0';
    assert_null(strstr(buf, "lang"));
    assert_int_equal(tolk_proto_decode(buf, n, &m, &f), 0);
    assert_string_equal(m.u.join.lang, "");
}

#define JOIN_HEAD                                                                                  \
    "{\"type\":\"join\",\"token\":\"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc\","                \
    "\"identity\":\"CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\""

static void test_join_lang_rules(void **state)
{
    (void)state;
    static const char *const good[] = {
        "nl",         "NL",     "nl-BE",
        "zh-Hant-TW", "es-419", "sgn-BE-FR",
        "de-CH-1996", "tlh",    "abcdefgh-12345678-abcdefgh-12345678", /* 35 characters */
    };
    static const char *const bad[] = {
        "\"\"",       "\"n\"",         "\"1nl\"",
        "\"nl_BE\"",  "\"nl-\"",       "\"-nl\"",
        "\"nl--BE\"", "\"abcdefghi\"", "\"nl-123456789\"",
        "\"nl BE\"",  "\"n\\u00e9\"",  "\"abcdefgh-12345678-abcdefgh-1234567-8\"",
        "7",          "null",          "[\"nl\"]",
        "true",
    };
    struct tolk_msg m;
    struct tolk_proto_fault f;
    char text[256];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(text, sizeof text, JOIN_HEAD ",\"lang\":\"%s\"}", good[i]);
        if (tolk_proto_decode(text, strlen(text), &m, &f) != 0)
            fail_msg("good lang %s refused: %s", good[i], f.detail);
        assert_string_equal(m.u.join.lang, good[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(text, sizeof text, JOIN_HEAD ",\"lang\":%s}", bad[i]);
        if (tolk_proto_decode(text, strlen(text), &m, &f) != TOLK_PERR_BAD_MESSAGE)
            fail_msg("bad lang %s accepted", bad[i]);
        assert_string_equal(f.detail, "\"lang\" must be a language tag");
    }
}

static void test_participant_left_removed(void **state)
{
    (void)state;
    char buf[128];
    struct tolk_msg m;
    struct tolk_proto_fault f;
    size_t n = tolk_proto_encode_participant_left(buf, sizeof buf, 3, 12, "removed");
    assert_int_equal(tolk_proto_decode(buf, n, &m, &f), 0);
    assert_int_equal(m.type, TOLK_MSG_PARTICIPANT_LEFT);
    assert_int_equal(m.u.participant.who.index, 3);
    assert_int_equal(m.u.participant.epoch, 12);
    assert_string_equal(m.u.participant.reason, "removed");
}

static void test_control_error_names(void **state)
{
    (void)state;
    static const struct {
        enum tolk_proto_error code;
        const char *name;
    } rows[] = {
        {TOLK_PERR_NOT_ALLOWED, "not_allowed"},
        {TOLK_PERR_BAD_TARGET, "bad_target"},
        {TOLK_PERR_RECORDING_NOT_ALLOWED, "recording_not_allowed"},
        {TOLK_PERR_INTERPRETER_ACTIVE, "interpreter_active"},
        {TOLK_PERR_NO_HANDOVER, "no_handover"},
        {TOLK_PERR_WAITING, "waiting"},
        {TOLK_PERR_WRONG_SESSION, "wrong_session"},
        {TOLK_PERR_RATE_LIMITED, "rate_limited"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_int_equal(rows[i].code, 1201 + (int)i);
        assert_string_equal(tolk_proto_error_name(rows[i].code), rows[i].name);
        char buf[256];
        struct tolk_msg m;
        struct tolk_proto_fault f;
        size_t n = tolk_proto_encode_error(buf, sizeof buf, rows[i].code, "refused");
        assert_int_equal(tolk_proto_decode(buf, n, &m, &f), 0);
        assert_int_equal(m.u.error.code, rows[i].code);
        assert_string_equal(m.u.error.name, rows[i].name);
    }
}

/* ---- state ----------------------------------------------------------------------------------- */

static void set_member(struct tolk_proto_member *p, unsigned index, const char *role,
                       const char *presence, const char *lang)
{
    memset(p, 0, sizeof *p);
    p->index = index;
    strcpy(p->role, role);
    strcpy(p->presence, presence);
    strcpy(p->lang, lang);
}

static void assert_state_equal(const struct tolk_msg_state *a, const struct tolk_msg_state *b)
{
    assert_int_equal(a->epoch, b->epoch);
    assert_string_equal(a->mode, b->mode);
    assert_int_equal(a->sidebar, b->sidebar);
    assert_int_equal(a->recording_allowed, b->recording_allowed);
    assert_int_equal(a->duck_cb, b->duck_cb);
    assert_int_equal(a->nmembers, b->nmembers);
    for (size_t i = 0; i < a->nmembers; i++) {
        const struct tolk_proto_member *x = &a->members[i], *y = &b->members[i];
        assert_int_equal(x->index, y->index);
        assert_string_equal(x->role, y->role);
        assert_string_equal(x->presence, y->presence);
        assert_string_equal(x->lang, y->lang);
        assert_int_equal(x->interpreter_active, y->interpreter_active);
        assert_string_equal(x->channel, y->channel);
        assert_int_equal(x->recording, y->recording);
    }
    assert_int_equal(a->room, b->room);
    assert_int_equal(a->gains, b->gains);
    for (unsigned s = 0; s < TOLK_PROTO_MAX_PARTICIPANTS; s++)
        if (a->gains & (1u << s))
            assert_int_equal(a->gain_cb[s], b->gain_cb[s]);
    assert_string_equal(a->cause, b->cause);
    assert_int_equal(a->has_cause_by, b->has_cause_by);
    assert_int_equal(a->cause_by, b->cause_by);
}

static void round_trip_state(const struct tolk_msg_state *in)
{
    char buf[8192];
    struct tolk_msg m;
    struct tolk_proto_fault f = {0};
    size_t n = tolk_proto_encode_state(buf, sizeof buf, in);
    assert_true(n > 0);
    if (tolk_proto_decode(buf, n, &m, &f) != 0)
        fail_msg("%.*s: %s", (int)n, buf, f.detail);
    assert_int_equal(m.type, TOLK_MSG_STATE);
    assert_state_equal(&m.u.state, in);
    /* One byte short of room: nothing is written. */
    assert_int_equal(tolk_proto_encode_state(buf, n - 1, in), 0);
}

static void test_state_round_trip(void **state)
{
    (void)state;
    struct tolk_msg_state st;
    memset(&st, 0, sizeof st);
    st.epoch = (UINT64_C(1) << 60) - 1;
    strcpy(st.mode, "simultaneous");
    st.sidebar = true;
    st.recording_allowed = true;
    st.duck_cb = -150;
    set_member(&st.members[0], 0, "clinician", "admitted", "nl");
    set_member(&st.members[1], 3, "client", "waiting", "ar-SY");
    set_member(&st.members[2], 4, "interpreter", "admitted", "nl");
    st.members[2].interpreter_active = true;
    strcpy(st.members[2].channel, "ar");
    set_member(&st.members[3], 15, "interpreter", "paused", "");
    strcpy(st.members[3].channel, "");
    st.members[3].recording = true;
    set_member(&st.members[4], 7, "support", "admitted", "");
    st.nmembers = 5;
    st.room = (1u << 0) | (1u << 4) | (1u << 15);
    st.gains = (1u << 4) | (1u << 15);
    st.gain_cb[4] = 0;
    st.gain_cb[15] = -600;
    strcpy(st.cause, "sidebar");
    st.has_cause_by = true;
    st.cause_by = 0;
    round_trip_state(&st);

    /* A waiting receiver: no room, no gains; a cause the codec has no list of, without "by". */
    st.room = 0;
    st.gains = 0;
    st.has_cause_by = false;
    st.cause_by = 0;
    strcpy(st.cause, "dropped");
    round_trip_state(&st);

    /* No cause at all, an empty session (cannot happen, but must encode and decode). */
    memset(&st, 0, sizeof st);
    strcpy(st.mode, "consecutive");
    round_trip_state(&st);

    /* Sixteen participants, everyone in one room, every gain. */
    memset(&st, 0, sizeof st);
    strcpy(st.mode, "consecutive");
    st.duck_cb = -600;
    for (unsigned i = 0; i < TOLK_PROTO_MAX_PARTICIPANTS; i++) {
        set_member(&st.members[i], 15 - i, i % 4 == 1 ? "interpreter" : "client", "admitted",
                   "pt-BR");
        st.members[i].interpreter_active = i == 1;
        strcpy(st.members[i].channel, i % 4 == 1 ? "pt" : "");
        st.gain_cb[i] = (int16_t)(-(int)i * 40);
    }
    st.nmembers = TOLK_PROTO_MAX_PARTICIPANTS;
    st.room = 0xffff;
    st.gains = 0xfffe;
    strcpy(st.cause, "join");
    st.has_cause_by = true;
    st.cause_by = 15;
    round_trip_state(&st);

    /* More members than a session holds is a caller's bug: nothing is written. */
    char buf[64];
    st.nmembers = TOLK_PROTO_MAX_PARTICIPANTS + 1;
    assert_int_equal(tolk_proto_encode_state(buf, sizeof buf, &st), 0);
}

/* The example of docs/PROTOCOL.md ("state"), decoded field by field. */
static const char state_example[] =
    "{\"type\":\"state\",\"epoch\":9,\"mode\":\"simultaneous\",\"sidebar\":false,"
    "\"recording_allowed\":false,\"duck_cb\":-150,"
    "\"participants\":["
    "{\"index\":0,\"role\":\"clinician\",\"presence\":\"admitted\",\"lang\":\"nl\","
    "\"recording\":false},"
    "{\"index\":1,\"role\":\"client\",\"presence\":\"admitted\",\"lang\":\"ar\","
    "\"recording\":false},"
    "{\"index\":2,\"role\":\"interpreter\",\"presence\":\"admitted\",\"lang\":\"nl\","
    "\"recording\":false,\"interpreter\":\"active\",\"channel\":\"ar\"},"
    "{\"index\":3,\"role\":\"interpreter\",\"presence\":\"admitted\",\"lang\":\"nl\","
    "\"recording\":false,\"interpreter\":\"passive\",\"channel\":\"ar\"}],"
    "\"room\":[0,1,2,3],"
    "\"gains\":[{\"from\":0,\"gain_cb\":-150},{\"from\":2,\"gain_cb\":0}],"
    "\"cause\":{\"type\":\"mode\",\"by\":0}}";

static void test_state_documented(void **state)
{
    (void)state;
    struct tolk_msg m;
    struct tolk_proto_fault f = {0};
    assert_int_equal(tolk_proto_decode(state_example, strlen(state_example), &m, &f), 0);
    const struct tolk_msg_state *st = &m.u.state;
    assert_int_equal(m.type, TOLK_MSG_STATE);
    assert_int_equal(st->epoch, 9);
    assert_string_equal(st->mode, "simultaneous");
    assert_false(st->sidebar);
    assert_false(st->recording_allowed);
    assert_int_equal(st->duck_cb, -150);
    assert_int_equal(st->nmembers, 4);
    assert_int_equal(st->members[0].index, 0);
    assert_string_equal(st->members[0].role, "clinician");
    assert_string_equal(st->members[0].presence, "admitted");
    assert_string_equal(st->members[0].lang, "nl");
    assert_string_equal(st->members[0].channel, "");
    assert_false(st->members[0].interpreter_active);
    assert_string_equal(st->members[1].role, "client");
    assert_string_equal(st->members[1].lang, "ar");
    assert_string_equal(st->members[2].role, "interpreter");
    assert_true(st->members[2].interpreter_active);
    assert_string_equal(st->members[2].channel, "ar");
    assert_int_equal(st->members[3].index, 3);
    assert_false(st->members[3].interpreter_active);
    assert_int_equal(st->room, 0x000f);
    assert_int_equal(st->gains, 0x0005);
    assert_int_equal(st->gain_cb[0], -150);
    assert_int_equal(st->gain_cb[2], 0);
    assert_string_equal(st->cause, "mode");
    assert_true(st->has_cause_by);
    assert_int_equal(st->cause_by, 0);

    /* Fields of non-interpreters named "interpreter"/"channel", and unknown fields, are
     * ignored; "cause" may be absent; order in the lists does not matter. */
    static const char other[] =
        "{\"type\":\"state\",\"epoch\":0,\"mode\":\"consecutive\",\"sidebar\":true,"
        "\"recording_allowed\":true,\"duck_cb\":0,\"future\":[1,2],"
        "\"participants\":[{\"index\":5,\"role\":\"support\",\"presence\":\"paused\","
        "\"lang\":\"\",\"recording\":true,\"interpreter\":\"bogus\",\"channel\":7},"
        "{\"index\":1,\"role\":\"client\",\"presence\":\"waiting\",\"lang\":\"tr\","
        "\"recording\":false}],"
        "\"room\":[5],\"gains\":[]}";
    assert_int_equal(tolk_proto_decode(other, strlen(other), &m, &f), 0);
    assert_int_equal(st->nmembers, 2);
    assert_string_equal(st->members[0].presence, "paused");
    assert_true(st->members[0].recording);
    assert_string_equal(st->members[0].channel, "");
    assert_int_equal(st->room, 1u << 5);
    assert_int_equal(st->gains, 0);
    assert_string_equal(st->cause, "");
    assert_false(st->has_cause_by);
}

/* A state message with one part replaced (NULL: the default below; "": the field left out). */
struct state_parts {
    const char *epoch, *mode, *sidebar, *recording_allowed, *duck_cb, *participants, *room, *gains,
        *cause;
};

#define P_CLINICIAN                                                                                \
    "{\"index\":0,\"role\":\"clinician\",\"presence\":\"admitted\",\"lang\":\"nl\",\"recording\":" \
    "false}"
#define P_CLIENT                                                                                   \
    "{\"index\":1,\"role\":\"client\",\"presence\":\"admitted\",\"lang\":\"ar\",\"recording\":"    \
    "false}"
#define P_INTERP                                                                                   \
    "{\"index\":2,\"role\":\"interpreter\",\"presence\":\"admitted\",\"lang\":\"nl\","             \
    "\"recording\":false,\"interpreter\":\"active\",\"channel\":\"ar\"}"
#define PARTS(x) "[" P_CLINICIAN "," P_CLIENT "," x "]"

static void put_part(char **p, char *end, const char *name, const char *value, const char *dflt)
{
    if (!value)
        value = dflt;
    if (*value)
        *p += snprintf(*p, (size_t)(end - *p), ",\"%s\":%s", name, value);
}

static void state_text(char *buf, size_t cap, const struct state_parts *s)
{
    char *p = buf, *end = buf + cap;
    p += snprintf(p, cap, "{\"type\":\"state\"");
    put_part(&p, end, "epoch", s->epoch, "9");
    put_part(&p, end, "mode", s->mode, "\"simultaneous\"");
    put_part(&p, end, "sidebar", s->sidebar, "false");
    put_part(&p, end, "recording_allowed", s->recording_allowed, "false");
    put_part(&p, end, "duck_cb", s->duck_cb, "-150");
    put_part(&p, end, "participants", s->participants, PARTS(P_INTERP));
    put_part(&p, end, "room", s->room, "[0,1,2]");
    put_part(&p, end, "gains", s->gains,
             "[{\"from\":0,\"gain_cb\":-150},{\"from\":2,\"gain_cb\":0}]");
    put_part(&p, end, "cause", s->cause, "{\"type\":\"mode\",\"by\":0}");
    assert_true(p < end - 1);
    strcpy(p, "}");
}

static void test_state_faults(void **state)
{
    (void)state;
    static const struct state_parts cases[] = {
        {.epoch = ""},
        {.epoch = "-1"},
        {.epoch = "1.5"},
        {.epoch = "\"9\""},
        {.epoch = "true"},
        {.mode = ""},
        {.mode = "\"relay\""},
        {.mode = "\"Consecutive\""},
        {.mode = "1"},
        {.sidebar = ""},
        {.sidebar = "1"},
        {.sidebar = "\"true\""},
        {.recording_allowed = ""},
        {.recording_allowed = "null"},
        {.duck_cb = ""},
        {.duck_cb = "-601"},
        {.duck_cb = "1"},
        {.duck_cb = "-15.0"},
        {.duck_cb = "\"-150\""},
        /* participants */
        {.participants = ""},
        {.participants = "{}"},
        {.participants = "[1]"},
        {.participants = "[" P_CLINICIAN "," P_CLINICIAN "]", .room = "[0]", .gains = "[]"},
        {.participants = PARTS("{\"index\":16,\"role\":\"client\",\"presence\":\"admitted\","
                               "\"lang\":\"\",\"recording\":false}")},
        {.participants = PARTS("{\"index\":-1,\"role\":\"client\",\"presence\":\"admitted\","
                               "\"lang\":\"\",\"recording\":false}")},
        {.participants = PARTS(
             "{\"role\":\"client\",\"presence\":\"admitted\",\"lang\":\"\",\"recording\":false}")},
        {.participants = PARTS("{\"index\":2,\"role\":\"observer\",\"presence\":\"admitted\","
                               "\"lang\":\"\",\"recording\":false}")},
        {.participants =
             PARTS("{\"index\":2,\"presence\":\"admitted\",\"lang\":\"\",\"recording\":false}")},
        {.participants = PARTS("{\"index\":2,\"role\":\"client\",\"presence\":\"absent\",\"lang\":"
                               "\"\",\"recording\":false}")},
        {.participants =
             PARTS("{\"index\":2,\"role\":\"client\",\"lang\":\"\",\"recording\":false}")},
        {.participants = PARTS("{\"index\":2,\"role\":\"client\",\"presence\":\"admitted\","
                               "\"lang\":\"x\",\"recording\":false}")},
        {.participants =
             PARTS("{\"index\":2,\"role\":\"client\",\"presence\":\"admitted\",\"lang\":\"abcdefgh-"
                   "12345678-abcdefgh-1234567-8\",\"recording\":false}")},
        {.participants = PARTS(
             "{\"index\":2,\"role\":\"client\",\"presence\":\"admitted\",\"recording\":false}")},
        {.participants =
             PARTS("{\"index\":2,\"role\":\"client\",\"presence\":\"admitted\",\"lang\":\"\"}")},
        {.participants = PARTS("{\"index\":2,\"role\":\"client\",\"presence\":\"admitted\","
                               "\"lang\":\"\",\"recording\":0}")},
        {.participants = PARTS("{\"index\":2,\"role\":\"interpreter\",\"presence\":\"admitted\","
                               "\"lang\":\"nl\",\"recording\":false,\"channel\":\"ar\"}")},
        {.participants =
             PARTS("{\"index\":2,\"role\":\"interpreter\",\"presence\":\"admitted\",\"lang\":"
                   "\"nl\",\"recording\":false,\"interpreter\":\"standby\",\"channel\":\"ar\"}")},
        {.participants = PARTS("{\"index\":2,\"role\":\"interpreter\",\"presence\":\"admitted\","
                               "\"lang\":\"nl\",\"recording\":false,\"interpreter\":\"active\"}")},
        {.participants =
             PARTS("{\"index\":2,\"role\":\"interpreter\",\"presence\":\"admitted\",\"lang\":"
                   "\"nl\",\"recording\":false,\"interpreter\":\"active\",\"channel\":\"12\"}")},
        {.participants = "[" P_CLINICIAN "," P_CLIENT "," P_INTERP "," P_INTERP "]"},
        {.participants =
             "[" P_INTERP "," P_INTERP "," P_INTERP "," P_INTERP "," P_INTERP "," P_INTERP
             "," P_INTERP "," P_INTERP "," P_INTERP "," P_INTERP "," P_INTERP "," P_INTERP
             "," P_INTERP "," P_INTERP "," P_INTERP "," P_INTERP "," P_INTERP "]"},
        /* room */
        {.room = ""},
        {.room = "0"},
        {.room = "[0,0,1,2]"},
        {.room = "[0,1,2,16]"},
        {.room = "[-1,0,1,2]"},
        {.room = "[\"0\",1,2]"},
        {.room = "[0,1,2,5]"},
        {.room = "[0,1,2.0]"},
        {.room = "[0,1,2,0,1,2,0,1,2,0,1,2,0,1,2,0,1]"},
        /* gains */
        {.gains = ""},
        {.gains = "{}"},
        {.gains = "[0]"},
        {.gains = "[{\"from\":0,\"gain_cb\":-601}]"},
        {.gains = "[{\"from\":0,\"gain_cb\":1}]"},
        {.gains = "[{\"from\":0,\"gain_cb\":\"0\"}]"},
        {.gains = "[{\"from\":0,\"gain_cb\":-1.5}]"},
        {.gains = "[{\"from\":0}]"},
        {.gains = "[{\"gain_cb\":0}]"},
        {.gains = "[{\"from\":16,\"gain_cb\":0}]"},
        {.gains = "[{\"from\":0,\"gain_cb\":0},{\"from\":0,\"gain_cb\":-10}]"},
        {.room = "[0,1]", .gains = "[{\"from\":2,\"gain_cb\":0}]"},
        /* cause */
        {.cause = "\"mode\""},
        {.cause = "{\"by\":0}"},
        {.cause = "{\"type\":\"\"}"},
        {.cause = "{\"type\":\"Mode\"}"},
        {.cause = "{\"type\":\"mode-x\"}"},
        {.cause = "{\"type\":\"abcdefghijklmnop\"}"},
        {.cause = "{\"type\":7}"},
        {.cause = "{\"type\":\"mode\",\"by\":16}"},
        {.cause = "{\"type\":\"mode\",\"by\":\"0\"}"},
        {.cause = "{\"type\":\"mode\",\"by\":null}"},
    };
    char text[4096];
    struct tolk_msg m;
    struct tolk_proto_fault f;
    struct state_parts ok = {0};
    state_text(text, sizeof text, &ok);
    assert_int_equal(tolk_proto_decode(text, strlen(text), &m, &f), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        state_text(text, sizeof text, &cases[i]);
        f.code = TOLK_PERR_NONE;
        f.detail = NULL;
        int rc = tolk_proto_decode(text, strlen(text), &m, &f);
        if (rc != TOLK_PERR_BAD_MESSAGE)
            fail_msg("state case %zu: got %d for %s", i, rc, text);
        assert_int_equal(f.code, TOLK_PERR_BAD_MESSAGE);
        assert_non_null(f.detail);
        assert_true(strlen(f.detail) > 0 && strlen(f.detail) < 100);
    }
}

/* ---- controls -------------------------------------------------------------------------------- */

static void round_trip_control(enum tolk_msg_type type, const struct tolk_msg_control *in)
{
    char buf[256];
    struct tolk_msg m;
    struct tolk_proto_fault f = {0};
    size_t n = tolk_proto_encode_control(buf, sizeof buf, type, in);
    assert_true(n > 0);
    if (tolk_proto_decode(buf, n, &m, &f) != 0)
        fail_msg("%.*s: %s", (int)n, buf, f.detail);
    const struct tolk_msg_control *out = &m.u.control;
    assert_int_equal(m.type, type);
    assert_int_equal(out->index, in->index);
    assert_int_equal(out->readmit, in->readmit);
    assert_int_equal(out->on, in->on);
    assert_string_equal(out->text, in->text);
    assert_int_equal(out->has_session, in->has_session);
    if (in->has_session)
        assert_memory_equal(out->session, in->session, sizeof in->session);
    assert_int_equal(out->has_from, in->has_from);
    assert_int_equal(out->from, in->from);
    assert_int_equal(tolk_proto_encode_control(buf, n - 1, type, in), 0);
}

/* CONTROL for TYPE with only the fields that type uses set. */
static struct tolk_msg_control control(unsigned index, bool readmit, bool on, const char *text)
{
    struct tolk_msg_control c;
    memset(&c, 0, sizeof c);
    c.index = index;
    c.readmit = readmit;
    c.on = on;
    strcpy(c.text, text);
    return c;
}

static void test_controls_round_trip(void **state)
{
    (void)state;
    static const struct {
        enum tolk_msg_type type;
        unsigned index;
        bool readmit, on;
        const char *text;
        bool from;
    } cases[] = {
        {TOLK_MSG_ADMIT, 1, false, false, "", false},
        {TOLK_MSG_ADMIT, 15, true, false, "", false},
        {TOLK_MSG_HOLD, 0, false, false, "", false},
        {TOLK_MSG_REMOVE, 9, false, false, "", false},
        {TOLK_MSG_SIDEBAR, 0, false, true, "", false},
        {TOLK_MSG_SIDEBAR, 0, false, false, "", false},
        {TOLK_MSG_MODE, 0, false, false, "consecutive", false},
        {TOLK_MSG_MODE, 0, false, false, "simultaneous", false},
        {TOLK_MSG_CHANNEL, 0, false, false, "nl", false},
        {TOLK_MSG_CHANNEL, 0, false, false, "", false},
        {TOLK_MSG_CHANNEL, 0, false, false, "zh-Hant-TW", false},
        {TOLK_MSG_SIGNAL, 0, false, false, "slow_down", false},
        {TOLK_MSG_SIGNAL, 0, false, false, "repeat", true},
        {TOLK_MSG_SIGNAL, 0, false, false, "moment", true},
        {TOLK_MSG_HANDOVER, 0, false, false, "request", false},
        {TOLK_MSG_HANDOVER, 0, false, false, "accept", false},
        {TOLK_MSG_HANDOVER, 0, false, false, "decline", false},
        {TOLK_MSG_HANDOVER, 0, false, false, "request", true},
        {TOLK_MSG_HANDOVER, 0, false, false, "accepted", true},
        {TOLK_MSG_HANDOVER, 0, false, false, "declined", true},
        {TOLK_MSG_PAUSE, 0, false, true, "", false},
        {TOLK_MSG_PAUSE, 0, false, false, "", false},
        {TOLK_MSG_RECORDING, 0, false, true, "", false},
        {TOLK_MSG_RECORDING, 0, false, false, "", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tolk_msg_control c =
            control(cases[i].index, cases[i].readmit, cases[i].on, cases[i].text);
        if (cases[i].from) {
            c.has_from = true;
            c.from = 14;
        }
        round_trip_control(cases[i].type, &c);
        c.has_session = true;
        for (size_t b = 0; b < sizeof c.session; b++)
            c.session[b] = (uint8_t)(0xf0 + b * 17);
        round_trip_control(cases[i].type, &c);
    }

    /* Not a control: nothing is written. */
    char buf[256];
    struct tolk_msg_control c = control(0, false, false, "");
    assert_int_equal(tolk_proto_encode_control(buf, sizeof buf, TOLK_MSG_STATE, &c), 0);
    assert_int_equal(tolk_proto_encode_control(buf, sizeof buf, TOLK_MSG_JOIN, &c), 0);
    assert_int_equal(tolk_proto_encode_control(buf, sizeof buf, (enum tolk_msg_type)999, &c), 0);
}

/* The controls as docs/PROTOCOL.md writes them. */
static void test_controls_documented(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        enum tolk_msg_type type;
        unsigned index;
        bool readmit, on;
        const char *value;
        int from; /* -1: absent */
    } cases[] = {
        {"{\"type\":\"admit\",\"index\":1,\"readmit\":true}", TOLK_MSG_ADMIT, 1, true, false, "",
         -1},
        {"{\"type\":\"admit\",\"index\":3}", TOLK_MSG_ADMIT, 3, false, false, "", -1},
        {"{\"type\":\"hold\",\"index\":1}", TOLK_MSG_HOLD, 1, false, false, "", -1},
        {"{\"type\":\"remove\",\"index\":1}", TOLK_MSG_REMOVE, 1, false, false, "", -1},
        {"{\"type\":\"sidebar\",\"open\":true}", TOLK_MSG_SIDEBAR, 0, false, true, "", -1},
        {"{\"type\":\"sidebar\",\"open\":false}", TOLK_MSG_SIDEBAR, 0, false, false, "", -1},
        {"{\"type\":\"mode\",\"mode\":\"simultaneous\"}", TOLK_MSG_MODE, 0, false, false,
         "simultaneous", -1},
        {"{\"type\":\"channel\",\"channel\":\"nl\"}", TOLK_MSG_CHANNEL, 0, false, false, "nl", -1},
        {"{\"type\":\"channel\",\"channel\":\"\"}", TOLK_MSG_CHANNEL, 0, false, false, "", -1},
        {"{\"type\":\"signal\",\"signal\":\"slow_down\"}", TOLK_MSG_SIGNAL, 0, false, false,
         "slow_down", -1},
        {"{\"type\":\"signal\",\"signal\":\"repeat\",\"from\":2}", TOLK_MSG_SIGNAL, 0, false, false,
         "repeat", 2},
        {"{\"type\":\"handover\",\"action\":\"request\"}", TOLK_MSG_HANDOVER, 0, false, false,
         "request", -1},
        {"{\"type\":\"handover\",\"action\":\"request\",\"from\":2}", TOLK_MSG_HANDOVER, 0, false,
         false, "request", 2},
        {"{\"type\":\"handover\",\"action\":\"accept\"}", TOLK_MSG_HANDOVER, 0, false, false,
         "accept", -1},
        {"{\"type\":\"handover\",\"action\":\"accepted\",\"from\":3}", TOLK_MSG_HANDOVER, 0, false,
         false, "accepted", 3},
        {"{\"type\":\"handover\",\"action\":\"declined\",\"from\":3}", TOLK_MSG_HANDOVER, 0, false,
         false, "declined", 3},
        {"{\"type\":\"pause\",\"paused\":true}", TOLK_MSG_PAUSE, 0, false, true, "", -1},
        {"{\"type\":\"recording\",\"on\":true}", TOLK_MSG_RECORDING, 0, false, true, "", -1},
        /* "from" means nothing on the other controls: ignored like any unknown field. */
        {"{\"type\":\"pause\",\"paused\":false,\"from\":\"x\",\"later\":{}}", TOLK_MSG_PAUSE, 0,
         false, false, "", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tolk_msg m;
        struct tolk_proto_fault f = {0};
        if (decode(cases[i].text, &m, &f) != 0)
            fail_msg("%s: %s", cases[i].text, f.detail);
        const struct tolk_msg_control *c = &m.u.control;
        assert_int_equal(m.type, cases[i].type);
        assert_int_equal(c->index, cases[i].index);
        assert_int_equal(c->readmit, cases[i].readmit);
        assert_int_equal(c->on, cases[i].on);
        assert_string_equal(c->text, cases[i].value);
        assert_false(c->has_session);
        assert_int_equal(c->has_from, cases[i].from >= 0);
        assert_int_equal(c->from, cases[i].from >= 0 ? (unsigned)cases[i].from : 0);
    }

    static const uint8_t session[TOLK_PROTO_SESSION_BYTES] = {0x9f, 0x86, 0xd0, 0x81, 0x88, 0x4c,
                                                              0x7d, 0x65, 0x9a, 0x2f, 0xea, 0xa0,
                                                              0xc5, 0x5a, 0xd0, 0x15};
    struct tolk_msg m;
    struct tolk_proto_fault f;
    assert_int_equal(decode("{\"type\":\"hold\",\"index\":1,"
                            "\"session\":\"9f86d081884c7d659a2feaa0c55ad015\"}",
                            &m, &f),
                     0);
    assert_true(m.u.control.has_session);
    assert_memory_equal(m.u.control.session, session, sizeof session);
    assert_int_equal(decode("{\"type\":\"hold\",\"index\":1,"
                            "\"session\":\"9F86D081884C7D659A2FEAA0C55AD015\"}",
                            &m, &f),
                     0);
    assert_memory_equal(m.u.control.session, session, sizeof session);
}

static void test_control_faults(void **state)
{
    (void)state;
    static const char *const cases[] = {
        /* admit, hold, remove */
        "{\"type\":\"admit\"}",
        "{\"type\":\"admit\",\"index\":16}",
        "{\"type\":\"admit\",\"index\":-1}",
        "{\"type\":\"admit\",\"index\":\"1\"}",
        "{\"type\":\"admit\",\"index\":1.0}",
        "{\"type\":\"admit\",\"index\":null}",
        "{\"type\":\"admit\",\"index\":1,\"readmit\":\"yes\"}",
        "{\"type\":\"admit\",\"index\":1,\"readmit\":1}",
        "{\"type\":\"admit\",\"index\":1,\"readmit\":null}",
        "{\"type\":\"hold\"}",
        "{\"type\":\"hold\",\"index\":99}",
        "{\"type\":\"remove\"}",
        "{\"type\":\"remove\",\"index\":[1]}",
        /* session, on any control */
        "{\"type\":\"hold\",\"index\":1,\"session\":\"abc\"}",
        "{\"type\":\"hold\",\"index\":1,\"session\":\"9f86d081884c7d659a2feaa0c55ad01\"}",
        "{\"type\":\"hold\",\"index\":1,\"session\":\"9f86d081884c7d659a2feaa0c55ad0150\"}",
        "{\"type\":\"hold\",\"index\":1,\"session\":\"9f86d081884c7d659a2feaa0c55ad01g\"}",
        "{\"type\":\"hold\",\"index\":1,\"session\":\"9f86d081884c7d65:9a2feaa0c55ad015\"}",
        "{\"type\":\"hold\",\"index\":1,\"session\":\" 9f86d081884c7d659a2feaa0c55ad01\"}",
        "{\"type\":\"hold\",\"index\":1,\"session\":\"\"}",
        "{\"type\":\"hold\",\"index\":1,\"session\":42}",
        "{\"type\":\"pause\",\"paused\":true,\"session\":null}",
        "{\"type\":\"signal\",\"signal\":\"repeat\",\"session\":\"00\"}",
        /* sidebar */
        "{\"type\":\"sidebar\"}",
        "{\"type\":\"sidebar\",\"open\":\"true\"}",
        "{\"type\":\"sidebar\",\"open\":1}",
        "{\"type\":\"sidebar\",\"on\":true}",
        /* mode */
        "{\"type\":\"mode\"}",
        "{\"type\":\"mode\",\"mode\":\"Simultaneous\"}",
        "{\"type\":\"mode\",\"mode\":\"relay\"}",
        "{\"type\":\"mode\",\"mode\":\"\"}",
        "{\"type\":\"mode\",\"mode\":1}",
        /* channel */
        "{\"type\":\"channel\"}",
        "{\"type\":\"channel\",\"channel\":null}",
        "{\"type\":\"channel\",\"channel\":\"n\"}",
        "{\"type\":\"channel\",\"channel\":\"nl_NL\"}",
        "{\"type\":\"channel\",\"channel\":\"12\"}",
        "{\"type\":\"channel\",\"channel\":\"abcdefgh-12345678-abcdefgh-1234567-8\"}",
        /* signal */
        "{\"type\":\"signal\"}",
        "{\"type\":\"signal\",\"signal\":\"faster\"}",
        "{\"type\":\"signal\",\"signal\":\"slow-down\"}",
        "{\"type\":\"signal\",\"signal\":\"repeat\",\"from\":16}",
        "{\"type\":\"signal\",\"signal\":\"repeat\",\"from\":\"1\"}",
        /* handover */
        "{\"type\":\"handover\"}",
        "{\"type\":\"handover\",\"action\":\"maybe\"}",
        "{\"type\":\"handover\",\"action\":\"accepted\"}",
        "{\"type\":\"handover\",\"action\":\"declined\"}",
        "{\"type\":\"handover\",\"action\":\"accept\",\"from\":2}",
        "{\"type\":\"handover\",\"action\":\"decline\",\"from\":2}",
        "{\"type\":\"handover\",\"action\":\"request\",\"from\":-1}",
        "{\"type\":\"handover\",\"action\":true}",
        /* pause, recording */
        "{\"type\":\"pause\"}",
        "{\"type\":\"pause\",\"paused\":\"no\"}",
        "{\"type\":\"recording\"}",
        "{\"type\":\"recording\",\"on\":0}",
        "{\"type\":\"recording\",\"recording\":true}",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tolk_msg m;
        struct tolk_proto_fault f = {0};
        int rc = decode(cases[i], &m, &f);
        if (rc != TOLK_PERR_BAD_MESSAGE)
            fail_msg("control case %zu (%s): got %d", i, cases[i], rc);
        assert_int_equal(f.code, TOLK_PERR_BAD_MESSAGE);
        assert_non_null(f.detail);
        assert_true(strlen(f.detail) > 0 && strlen(f.detail) < 100);
    }
    /* A misspelt type stays unknown_type. */
    struct tolk_msg m;
    struct tolk_proto_fault f;
    assert_int_equal(decode("{\"type\":\"admitt\",\"index\":1}", &m, &f), TOLK_PERR_UNKNOWN_TYPE);
    assert_int_equal(decode("{\"type\":\"State\"}", &m, &f), TOLK_PERR_UNKNOWN_TYPE);
}

/*
 * Every prefix of the documented messages, and every one of them with one byte replaced, is
 * decoded without a crash (the ASan build checks the memory side) and either accepted or
 * refused with a known code.
 */
static void test_damaged_input(void **state)
{
    (void)state;
    static const char *const texts[] = {
        state_example,
        "{\"type\":\"admit\",\"index\":1,\"readmit\":true,"
        "\"session\":\"9f86d081884c7d659a2feaa0c55ad015\"}",
        "{\"type\":\"handover\",\"action\":\"accepted\",\"from\":3}",
        "{\"type\":\"channel\",\"channel\":\"zh-Hant-TW\"}",
    };
    static const char subst[] = "\"{}[],:0-9\\ az";
    char copy[2048];
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        size_t len = strlen(texts[t]);
        assert_true(len < sizeof copy);
        for (size_t n = 0; n <= len; n++) {
            struct tolk_msg m;
            struct tolk_proto_fault f;
            int rc = tolk_proto_decode(texts[t], n, &m, &f);
            assert_true(n == len ? rc == 0 : rc == TOLK_PERR_BAD_JSON);
        }
        for (size_t i = 0; i < len; i++) {
            for (size_t k = 0; k < sizeof subst - 1; k++) {
                memcpy(copy, texts[t], len);
                copy[i] = subst[k];
                struct tolk_msg m;
                struct tolk_proto_fault f;
                int rc = tolk_proto_decode(copy, len, &m, &f);
                assert_true(rc == 0 || rc == TOLK_PERR_BAD_JSON || rc == TOLK_PERR_BAD_MESSAGE ||
                            rc == TOLK_PERR_UNKNOWN_TYPE);
            }
        }
    }
}

/* ---- the examples of docs/PROTOCOL.md ------------------------------------------------------- */

/* The length of the JSON object at the start of P (braces counted outside strings), or 0. */
static size_t object_length(const char *p, const char *end)
{
    int depth = 0;
    bool in_string = false;
    for (const char *q = p; q < end; q++) {
        if (in_string) {
            if (*q == '\\')
                q++;
            else if (*q == '"')
                in_string = false;
        } else if (*q == '"') {
            in_string = true;
        } else if (*q == '{') {
            depth++;
        } else if (*q == '}' && --depth == 0) {
            return (size_t)(q - p) + 1;
        }
    }
    return 0;
}

/*
 * Every JSON example in the "Interpreter leg" section of docs/PROTOCOL.md is a message this
 * codec accepts, so the reference a client author reads cannot drift from the code.
 */
static void test_protocol_examples(void **state)
{
    (void)state;
    FILE *fp = fopen(TOLK_SOURCE_DIR "/docs/PROTOCOL.md", "rb");
    assert_non_null(fp);
    static char doc[256 * 1024];
    size_t len = fread(doc, 1, sizeof doc - 1, fp);
    fclose(fp);
    doc[len] = '\0';
    char *p = strstr(doc, "\n## Interpreter leg");
    assert_non_null(p);
    char *end = strstr(p + 1, "\n## ");
    if (!end)
        end = doc + len;
    unsigned seen = 0; /* bit t: an example of message type t */
    while ((p = strstr(p, "```json\n")) != NULL && p < end) {
        p += strlen("```json\n");
        char *close = strstr(p, "```");
        assert_non_null(close);
        while ((p = memchr(p, '{', (size_t)(close - p))) != NULL) {
            size_t n = object_length(p, close);
            assert_true(n > 0);
            struct tolk_msg m;
            struct tolk_proto_fault f = {0};
            if (tolk_proto_decode(p, n, &m, &f) != 0)
                fail_msg("PROTOCOL.md example refused (%s): %.*s", f.detail, (int)n, p);
            seen |= 1u << m.type;
            p += n;
        }
        p = close + 3;
    }
    for (unsigned t = TOLK_MSG_STATE; t <= TOLK_MSG_RECORDING; t++)
        if (!(seen & (1u << t)))
            fail_msg("no example of message type %u in the Interpreter leg section", t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello_from_client),
        cmocka_unit_test(test_hello_reply_round_trip),
        cmocka_unit_test(test_client_hello_encodes_supported_versions),
        cmocka_unit_test(test_no_common_version),
        cmocka_unit_test(test_faults),
        cmocka_unit_test(test_length_is_explicit),
        cmocka_unit_test(test_error_encoding),
        cmocka_unit_test(test_join_lang),
        cmocka_unit_test(test_join_lang_rules),
        cmocka_unit_test(test_participant_left_removed),
        cmocka_unit_test(test_control_error_names),
        cmocka_unit_test(test_state_round_trip),
        cmocka_unit_test(test_state_documented),
        cmocka_unit_test(test_state_faults),
        cmocka_unit_test(test_controls_round_trip),
        cmocka_unit_test(test_controls_documented),
        cmocka_unit_test(test_control_faults),
        cmocka_unit_test(test_damaged_input),
        cmocka_unit_test(test_protocol_examples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
