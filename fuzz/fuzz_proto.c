/*
 * Fuzz target: control messages (proto/proto.c and proto/proto_interp.c).
 *
 * The input is one WebSocket text message as tolkd and libtolk receive it. tolk_proto_decode()
 * must never crash, read out of bounds or leak, whatever the bytes; a failure must carry a code
 * from the error table and a detail text.
 *
 * And a round-trip property: a message that decodes, and has an encoder, is encoded again from
 * the decoded struct; that encoding must decode, to the same struct. What "the same" means is
 * spelled out per type below: every field the encoder writes, and none it derives instead of
 * copying (a client hello's offered versions, an error's name). Strings compare as C strings;
 * the decoder cannot see an embedded NUL, as jansson refuses \u0000 (no JSON_ALLOW_NUL).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ENCODED_MAX 16384

static void fail(const char *what, const char *buf, size_t len)
{
    fprintf(stderr, "fuzz_proto: %s: %.*s\n", what, (int)len, buf);
    abort();
}

#define SAME_STR(a, b) (strcmp((a), (b)) == 0)

static bool same_participant(const struct tolk_proto_participant *a,
                             const struct tolk_proto_participant *b)
{
    return a->index == b->index && SAME_STR(a->role, b->role) &&
           memcmp(a->identity, b->identity, sizeof a->identity) == 0;
}

static bool same_member(const struct tolk_proto_member *a, const struct tolk_proto_member *b)
{
    return a->index == b->index && SAME_STR(a->role, b->role) &&
           SAME_STR(a->presence, b->presence) && SAME_STR(a->lang, b->lang) &&
           a->interpreter_active == b->interpreter_active && SAME_STR(a->channel, b->channel) &&
           a->recording == b->recording;
}

static bool same_state(const struct tolk_msg_state *a, const struct tolk_msg_state *b)
{
    if (a->epoch != b->epoch || !SAME_STR(a->mode, b->mode) || a->sidebar != b->sidebar ||
        a->recording_allowed != b->recording_allowed || a->duck_cb != b->duck_cb ||
        a->nmembers != b->nmembers || a->room != b->room || a->gains != b->gains ||
        !SAME_STR(a->cause, b->cause) || a->has_cause_by != b->has_cause_by ||
        (a->has_cause_by && a->cause_by != b->cause_by))
        return false;
    for (size_t i = 0; i < a->nmembers; i++)
        if (!same_member(&a->members[i], &b->members[i]))
            return false;
    for (unsigned s = 0; s < TOLK_PROTO_MAX_PARTICIPANTS; s++)
        if ((a->gains & (1u << s)) && a->gain_cb[s] != b->gain_cb[s])
            return false;
    return true;
}

static bool same_control(const struct tolk_msg_control *a, const struct tolk_msg_control *b)
{
    return a->index == b->index && a->readmit == b->readmit && a->on == b->on &&
           SAME_STR(a->text, b->text) && a->has_session == b->has_session &&
           memcmp(a->session, b->session, sizeof a->session) == 0 && a->has_from == b->has_from &&
           a->from == b->from;
}

/* Whether decoding the re-encoding gave back M (the type was checked by the caller). */
static bool same(const struct tolk_msg *a, const struct tolk_msg *b)
{
    switch (a->type) {
    case TOLK_MSG_HELLO:
        return SAME_STR(a->u.hello.software, b->u.hello.software) &&
               a->u.hello.version == b->u.hello.version &&
               a->u.hello.keepalive_s == b->u.hello.keepalive_s;
    case TOLK_MSG_ERROR:
        return a->u.error.code == b->u.error.code && SAME_STR(a->u.error.name, b->u.error.name) &&
               SAME_STR(a->u.error.message, b->u.error.message);
    case TOLK_MSG_JOIN:
        return memcmp(a->u.join.token, b->u.join.token, sizeof a->u.join.token) == 0 &&
               memcmp(a->u.join.identity, b->u.join.identity, sizeof a->u.join.identity) == 0 &&
               a->u.join.has_resume == b->u.join.has_resume &&
               (!a->u.join.has_resume ||
                memcmp(a->u.join.resume, b->u.join.resume, sizeof a->u.join.resume) == 0) &&
               SAME_STR(a->u.join.lang, b->u.join.lang);
    case TOLK_MSG_JOINED: {
        const struct tolk_msg_joined *x = &a->u.joined, *y = &b->u.joined;
        if (memcmp(x->session, y->session, sizeof x->session) != 0 || x->index != y->index ||
            !SAME_STR(x->role, y->role) || x->epoch != y->epoch ||
            memcmp(x->resume, y->resume, sizeof x->resume) != 0 ||
            x->nparticipants != y->nparticipants)
            return false;
        for (size_t i = 0; i < x->nparticipants; i++)
            if (!same_participant(&x->participants[i], &y->participants[i]))
                return false;
        return true;
    }
    case TOLK_MSG_PARTICIPANT_JOINED:
        return same_participant(&a->u.participant.who, &b->u.participant.who) &&
               a->u.participant.epoch == b->u.participant.epoch;
    case TOLK_MSG_PARTICIPANT_LEFT:
        return a->u.participant.who.index == b->u.participant.who.index &&
               a->u.participant.epoch == b->u.participant.epoch &&
               SAME_STR(a->u.participant.reason, b->u.participant.reason);
    case TOLK_MSG_KEY: {
        const struct tolk_msg_key *x = &a->u.key, *y = &b->u.key;
        return x->has_from == y->has_from && (!x->has_from || x->from == y->from) &&
               x->to == y->to && x->epoch == y->epoch && x->sealed_len == y->sealed_len &&
               memcmp(x->sealed, y->sealed, x->sealed_len) == 0 &&
               memcmp(x->sig, y->sig, sizeof x->sig) == 0;
    }
    case TOLK_MSG_LEAVE:
        return true;
    case TOLK_MSG_STATE:
        return same_state(&a->u.state, &b->u.state);
    default:
        return same_control(&a->u.control, &b->u.control);
    }
}

/*
 * Encodes M with its type's encoder. Returns the length, or 0 when the type has no encoder
 * that carries what was decoded: a server hello without keepalive_s (the server always sends
 * one), and an error whose name is not the one the table gives its code (the encoder writes the
 * table's). A client hello (versions, no version) is encoded with this build's offer, which
 * keeps the software name only.
 */
static size_t encode(const struct tolk_msg *m, char *buf, size_t cap)
{
    switch (m->type) {
    case TOLK_MSG_HELLO:
        if (m->u.hello.version == 0 && m->u.hello.nversions > 0 && m->u.hello.keepalive_s == 0)
            return tolk_proto_encode_hello(buf, cap, m->u.hello.software);
        if (m->u.hello.version == 0 || m->u.hello.keepalive_s == 0)
            return 0;
        return tolk_proto_encode_hello_reply(buf, cap, m->u.hello.version, m->u.hello.software,
                                             m->u.hello.keepalive_s);
    case TOLK_MSG_ERROR: {
        enum tolk_proto_error code = (enum tolk_proto_error)m->u.error.code; /* 0..9999 */
        if (!SAME_STR(m->u.error.name, tolk_proto_error_name(code)))
            return 0;
        return tolk_proto_encode_error(buf, cap, code, m->u.error.message);
    }
    case TOLK_MSG_JOIN:
        return tolk_proto_encode_join(buf, cap, &m->u.join);
    case TOLK_MSG_JOINED:
        return tolk_proto_encode_joined(buf, cap, &m->u.joined);
    case TOLK_MSG_PARTICIPANT_JOINED:
        return tolk_proto_encode_participant_joined(buf, cap, &m->u.participant.who,
                                                    m->u.participant.epoch);
    case TOLK_MSG_PARTICIPANT_LEFT:
        return tolk_proto_encode_participant_left(buf, cap, m->u.participant.who.index,
                                                  m->u.participant.epoch, m->u.participant.reason);
    case TOLK_MSG_KEY:
        return tolk_proto_encode_key(buf, cap, &m->u.key);
    case TOLK_MSG_LEAVE:
        return tolk_proto_encode_leave(buf, cap);
    case TOLK_MSG_STATE:
        return tolk_proto_encode_state(buf, cap, &m->u.state);
    default:
        return tolk_proto_encode_control(buf, cap, m->type, &m->u.control);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char encoded[ENCODED_MAX];
    struct tolk_msg m, again;
    struct tolk_proto_fault fault = {TOLK_PERR_NONE, NULL};

    memset(&m, 0, sizeof m);
    int rc = tolk_proto_decode((const char *)data, size, &m, &fault);
    if (rc != 0) {
        if (rc != (int)fault.code || fault.detail == NULL ||
            strcmp(tolk_proto_error_name(fault.code), "unknown") == 0)
            fail("a failure without a known code and a detail", (const char *)data, size);
        return 0;
    }
    if (m.type < TOLK_MSG_HELLO || m.type > TOLK_MSG_RECORDING)
        fail("decoded to a type out of range", (const char *)data, size);
    if (m.type == TOLK_MSG_HELLO) {
        /* The server's negotiation: a version offered and spoken here, or none. */
        uint32_t v = tolk_proto_negotiate(&m.u.hello);
        bool offered = false;
        for (size_t i = 0; i < m.u.hello.nversions; i++)
            offered |= m.u.hello.versions[i] == v;
        if (v != 0 && (!offered || v < TOLK_PROTO_MIN_VERSION || v > TOLK_PROTO_VERSION))
            fail("negotiated a version not offered or not spoken", (const char *)data, size);
    }

    size_t n = encode(&m, encoded, sizeof encoded);
    if (n == 0) {
        if (m.type != TOLK_MSG_HELLO && m.type != TOLK_MSG_ERROR)
            fail("a decoded message did not encode", (const char *)data, size);
        return 0;
    }
    memset(&again, 0, sizeof again);
    if (tolk_proto_decode(encoded, n, &again, &fault) != 0)
        fail("the re-encoding did not decode", encoded, n);
    if (again.type != m.type || !same(&m, &again))
        fail("the re-encoding decoded to another message", encoded, n);
    return 0;
}
