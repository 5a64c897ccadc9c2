#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tolk_grant_check(const struct tolk_token_grant *grant, int64_t now)
{
    if (grant->revoked)
        return TOLK_PERR_INVALID_TOKEN;
    if (grant->appointment.status == TOLK_APPOINTMENT_CANCELLED)
        return TOLK_PERR_CANCELLED;
    if (now < grant->valid_from || now >= grant->valid_until)
        return TOLK_PERR_OUTSIDE_WINDOW;
    return 0;
}

static struct tolk_sess *find(struct tolk_sess_registry *reg, int64_t appointment_id)
{
    for (struct tolk_sess *s = reg->head; s; s = s->next)
        if (s->appointment_id == appointment_id)
            return s;
    return NULL;
}

/* The session id is the appointment's public ref when it is 32 hex digits (as tolkd makes
 * them), else a hash of it: either way every participant derives the same 16 bytes. */
static void set_id(struct tolk_sess *s, const char *ref)
{
    memset(s->id, 0, sizeof s->id);
    for (size_t i = 0; i < 2 * sizeof s->id && ref[i]; i++) {
        char c = ref[i];
        unsigned v = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                                            : (unsigned)c & 0xf;
        s->id[i / 2] = (uint8_t)(s->id[i / 2] | (i % 2 ? v : v << 4));
    }
}

static struct tolk_sess *create(struct tolk_sess_registry *reg, const struct tolk_token_grant *g)
{
    struct tolk_sess *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->appointment_id = g->appointment.id;
    memcpy(s->ref, g->appointment.ref, sizeof s->ref);
    set_id(s, s->ref);
    s->next = reg->head;
    reg->head = s;
    reg->count++;
    return s;
}

/* The slot of TOKEN_HASH, or a new one, or -1 if all are taken. */
static int slot_for(struct tolk_sess *s, const uint8_t *token_hash)
{
    int fresh = -1;
    for (int i = 0; i < TOLK_PROTO_MAX_PARTICIPANTS; i++) {
        if (s->p[i].used &&
            memcmp(s->p[i].token_hash, token_hash, TOLK_STORE_TOKEN_HASH_BYTES) == 0)
            return i;
        if (!s->p[i].used && fresh < 0)
            fresh = i;
    }
    return fresh;
}

static bool resume_matches(const struct tolk_sess_participant *p, const struct tolk_msg_join *m)
{
    unsigned diff = 0;
    for (size_t i = 0; i < sizeof p->resume; i++)
        diff |= (unsigned)(p->resume[i] ^ m->resume[i]);
    return m->has_resume && diff == 0;
}

int tolk_sess_join(struct tolk_sess_registry *reg, const struct tolk_join_request *req,
                   struct tolk_join_outcome *out)
{
    memset(out, 0, sizeof *out);
    struct tolk_sess *s = find(reg, req->grant->appointment.id);
    if (!s && !(s = create(reg, req->grant)))
        return TOLK_PERR_INTERNAL;
    int i = slot_for(s, req->token_hash);
    if (i < 0)
        return TOLK_PERR_SESSION_FULL;
    struct tolk_sess_participant *p = &s->p[i];
    if (p->present) {
        if (!resume_matches(p, req->msg))
            return TOLK_PERR_TOKEN_IN_USE;
        out->replaced = p->conn;
        out->left_epoch = ++s->epoch;
        s->present--;
    }
    p->used = true;
    p->present = true;
    p->conn = req->conn;
    memcpy(p->token_hash, req->token_hash, sizeof p->token_hash);
    memcpy(p->identity, req->msg->identity, sizeof p->identity);
    memcpy(p->resume, req->fresh_resume, sizeof p->resume);
    snprintf(p->role, sizeof p->role, "%.15s", req->grant->role); /* roles are short words */
    s->present++;
    s->epoch++;
    out->sess = s;
    out->index = (unsigned)i;
    return 0;
}

static void unlink_sess(struct tolk_sess_registry *reg, struct tolk_sess *sess)
{
    for (struct tolk_sess **pp = &reg->head; *pp; pp = &(*pp)->next) {
        if (*pp == sess) {
            *pp = sess->next;
            reg->count--;
            return;
        }
    }
}

bool tolk_sess_leave(struct tolk_sess_registry *reg, struct tolk_sess *sess, unsigned index)
{
    struct tolk_sess_participant *p = &sess->p[index];
    if (!p->present)
        return false;
    p->present = false;
    p->conn = NULL;
    sess->present--;
    sess->epoch++;
    if (sess->present > 0)
        return false;
    unlink_sess(reg, sess);
    free(sess);
    return true;
}

void tolk_sess_registry_clear(struct tolk_sess_registry *reg)
{
    while (reg->head) {
        struct tolk_sess *s = reg->head;
        reg->head = s->next;
        free(s);
    }
    reg->count = 0;
}

size_t tolk_sess_roster(const struct tolk_sess *sess, unsigned except,
                        struct tolk_proto_participant *out)
{
    size_t n = 0;
    for (unsigned i = 0; i < TOLK_PROTO_MAX_PARTICIPANTS; i++) {
        if (!sess->p[i].present || i == except)
            continue;
        out[n].index = i;
        memcpy(out[n].role, sess->p[i].role, sizeof out[n].role);
        memcpy(out[n].identity, sess->p[i].identity, sizeof out[n].identity);
        n++;
    }
    return n;
}
