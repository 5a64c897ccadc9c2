/*
 * Routing for an interpreted session, as docs/INTERPRETING.md states it ("Rooms" and "Routing
 * inside a room"). The table is built in three steps, each from the state alone: the room each
 * participant is in, each interpreter's effective channel (and who therefore hears an
 * interpretation), and then, pair by pair, the gain by the document's five rules in its order.
 *
 * "Present" means any presence but ABSENT, waiting included: a participant who is connected.
 * It is used twice, with the same meaning: the client whose lang an empty channel stands for,
 * and the active interpreters that may not share a channel. So admitting, holding, pausing and
 * sidebars never change an effective channel nor make two interpreters collide; only joins,
 * leaves and the interpreters' own controls (channel, hand-over) do. Those are where the broker
 * must look: a client joining with lang X turns an interpreter's "" into X, which collides with
 * another active interpreter already on X explicitly.
 */
#include "route.h"

#include <assert.h>
#include <string.h>

#define NO_ROOM (-1)

/* Room numbers; only equality matters. */
enum { ROOM_ALL = 0, ROOM_SIDEBAR = 1, ROOM_CLIENT = 2 };

struct route_ctx {
    const struct tolk_route_state *st;
    int room[TOLK_ROUTE_MAX];         /* room number, or NO_ROOM */
    const char *eff[TOLK_ROUTE_MAX];  /* effective channel of each interpreter, else "" */
    bool interpreted[TOLK_ROUTE_MAX]; /* simultaneous: hears some active interpreter */
    bool simultaneous[3];             /* per room: simultaneous routing applies there */
};

/* ---- tags and validation ------------------------------------------------------------------ */

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char to_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * A tag field is "" or a plausible tag: NUL-terminated inside its array, letters, digits and
 * '-', starting with a primary subtag of 2 to 8 letters. This is deliberately looser than
 * tolk_lang_check() (interp/match.h): the broker checks tags when they arrive; here we only need
 * the primary subtag to be well defined, and any tag that tolk_lang_check() accepts passes.
 */
static bool tag_ok(const char tag[TOLK_ROUTE_LANG_MAX])
{
    const char *end = memchr(tag, '\0', TOLK_ROUTE_LANG_MAX);
    if (!end)
        return false;
    size_t n = (size_t)(end - tag), k = 0;
    if (n == 0)
        return true;
    while (k < n && is_alpha(tag[k]))
        k++;
    if (k < 2 || k > 8 || (k < n && tag[k] != '-'))
        return false;
    for (; k < n; k++)
        if (!is_alpha(tag[k]) && !is_digit(tag[k]) && tag[k] != '-')
            return false;
    return true;
}

/* An absent slot is only its presence: the broker may leave a departed participant's other
 * fields behind, and they must not silence the session. */
static bool participant_ok(const struct tolk_route_participant *p)
{
    if ((unsigned)p->presence > (unsigned)TOLK_ROUTE_PAUSED)
        return false;
    if (p->presence == TOLK_ROUTE_ABSENT)
        return true;
    return (unsigned)p->role <= (unsigned)TOLK_ROUTE_SUPPORT && tag_ok(p->lang) &&
           tag_ok(p->channel);
}

static bool state_ok(const struct tolk_route_state *st)
{
    if ((unsigned)st->mode > (unsigned)TOLK_ROUTE_SIMULTANEOUS)
        return false;
    if (st->duck_cb < -600 || st->duck_cb > 0)
        return false;
    for (unsigned i = 0; i < TOLK_ROUTE_MAX; i++)
        if (!participant_ok(&st->p[i]))
            return false;
    return true;
}

int tolk_route_lang_match(const char *a, const char *b)
{
    if (!a || !b || a[0] == '\0' || b[0] == '\0' || a[0] == '-' || b[0] == '-')
        return 0;
    for (size_t i = 0;; i++) {
        char ca = a[i] == '-' ? '\0' : to_lower(a[i]);
        char cb = b[i] == '-' ? '\0' : to_lower(b[i]);
        if (ca != cb)
            return 0;
        if (ca == '\0')
            return 1;
    }
}

const char *tolk_route_channel(const struct tolk_route_state *st, unsigned i)
{
    assert(st && i < TOLK_ROUTE_MAX);
    const struct tolk_route_participant *p = &st->p[i];
    if (p->role != TOLK_ROUTE_INTERPRETER)
        return "";
    if (p->channel[0] != '\0')
        return p->channel;
    for (unsigned k = 0; k < TOLK_ROUTE_MAX; k++)
        if (st->p[k].presence != TOLK_ROUTE_ABSENT && st->p[k].role == TOLK_ROUTE_CLIENT)
            return st->p[k].lang;
    return "";
}

/* ---- the table ---------------------------------------------------------------------------- */

static bool is_interpreter(const struct tolk_route_participant *p)
{
    return p->role == TOLK_ROUTE_INTERPRETER;
}

/* Relayed from and to: admitted, not paused. */
static bool live(const struct tolk_route_participant *p)
{
    return p->presence == TOLK_ROUTE_ADMITTED;
}

static int room_of(const struct tolk_route_state *st, unsigned i)
{
    const struct tolk_route_participant *p = &st->p[i];
    if (p->presence != TOLK_ROUTE_ADMITTED && p->presence != TOLK_ROUTE_PAUSED)
        return NO_ROOM;
    if (!st->sidebar)
        return ROOM_ALL;
    return p->role == TOLK_ROUTE_CLIENT || p->role == TOLK_ROUTE_SUPPORT ? ROOM_CLIENT
                                                                         : ROOM_SIDEBAR;
}

/*
 * Rule 5 ducks the floor for a listener exactly when it hears an interpretation, i.e. when an
 * active interpreter in its room, not paused, speaks into a channel matching its lang. A paused
 * interpreter does not count: ducking the floor under silence would only make it harder to hear.
 */
static void ctx_init(struct route_ctx *c, const struct tolk_route_state *st)
{
    c->st = st;
    memset(c->simultaneous, 0, sizeof c->simultaneous);
    for (unsigned i = 0; i < TOLK_ROUTE_MAX; i++) {
        c->room[i] = room_of(st, i);
        c->eff[i] = tolk_route_channel(st, i);
        /* Only a room with the client or a support person in it is interpreted simultaneously;
         * the clinician and interpreters alone (pre-brief, sidebar, debrief) simply talk. */
        if (c->room[i] != NO_ROOM && st->mode == TOLK_ROUTE_SIMULTANEOUS &&
            (st->p[i].role == TOLK_ROUTE_CLIENT || st->p[i].role == TOLK_ROUTE_SUPPORT))
            c->simultaneous[c->room[i]] = true;
    }
    for (unsigned r = 0; r < TOLK_ROUTE_MAX; r++) {
        c->interpreted[r] = false;
        for (unsigned k = 0; k < TOLK_ROUTE_MAX && c->room[r] != NO_ROOM; k++) {
            const struct tolk_route_participant *pk = &st->p[k];
            if (k != r && c->room[k] == c->room[r] && is_interpreter(pk) && pk->active &&
                live(pk) && tolk_route_lang_match(st->p[r].lang, c->eff[k]))
                c->interpreted[r] = true;
        }
    }
}

/* Two effective channels are one channel when their primary subtags match, and also when both
 * are "": both then stand for the client's language, whatever it turns out to be. */
static bool same_channel(const char *a, const char *b)
{
    return (a[0] == '\0' && b[0] == '\0') || tolk_route_lang_match(a, b);
}

/* In either mode: the clinician may switch to simultaneous at any moment. */
static bool two_active(const struct route_ctx *c)
{
    const struct tolk_route_participant *p = c->st->p;
    for (unsigned i = 0; i < TOLK_ROUTE_MAX; i++) {
        if (p[i].presence == TOLK_ROUTE_ABSENT || !is_interpreter(&p[i]) || !p[i].active)
            continue;
        for (unsigned j = i + 1; j < TOLK_ROUTE_MAX; j++)
            if (p[j].presence != TOLK_ROUTE_ABSENT && is_interpreter(&p[j]) && p[j].active &&
                same_channel(c->eff[i], c->eff[j]))
                return true;
    }
    return false;
}

/* The gain of sender S at receiver R: the document's rules 1 to 5, first match wins. */
static int16_t pair_gain(const struct route_ctx *c, unsigned r, unsigned s)
{
    const struct tolk_route_participant *pr = &c->st->p[r], *ps = &c->st->p[s];
    if (r == s || c->room[r] == NO_ROOM || c->room[r] != c->room[s] || !live(pr) || !live(ps))
        return TOLK_ROUTE_MUTED;
    if (is_interpreter(ps) && !ps->active)
        return is_interpreter(pr) ? 0 : TOLK_ROUTE_MUTED;
    if (is_interpreter(pr) || !c->simultaneous[c->room[r]])
        return 0;
    if (is_interpreter(ps))
        return tolk_route_lang_match(pr->lang, c->eff[s]) ? 0 : TOLK_ROUTE_MUTED;
    return c->interpreted[r] ? c->st->duck_cb : 0;
}

static void table_muted(struct tolk_route_table *out)
{
    for (unsigned r = 0; r < TOLK_ROUTE_MAX; r++)
        for (unsigned s = 0; s < TOLK_ROUTE_MAX; s++)
            out->gain_cb[r][s] = TOLK_ROUTE_MUTED;
    memset(out->receivers, 0, sizeof out->receivers);
    memset(out->room, 0, sizeof out->room);
}

int tolk_route_compute(const struct tolk_route_state *st, struct tolk_route_table *out)
{
    assert(st && out);
    table_muted(out);
    if (!state_ok(st))
        return TOLK_ROUTE_EINVAL;
    struct route_ctx c;
    ctx_init(&c, st);
    if (two_active(&c))
        return TOLK_ROUTE_ETWOACTIVE;
    for (unsigned r = 0; r < TOLK_ROUTE_MAX; r++) {
        for (unsigned s = 0; s < TOLK_ROUTE_MAX; s++) {
            int16_t g = pair_gain(&c, r, s);
            out->gain_cb[r][s] = g;
            if (g != TOLK_ROUTE_MUTED)
                out->receivers[s] = (uint16_t)(out->receivers[s] | (1u << r));
        }
        for (unsigned j = 0; j < TOLK_ROUTE_MAX && c.room[r] != NO_ROOM; j++)
            if (c.room[j] == c.room[r])
                out->room[r] = (uint16_t)(out->room[r] | (1u << j));
    }
    return TOLK_ROUTE_OK;
}

/* ---- names -------------------------------------------------------------------------------- */

static const char *const role_names[] = {"client", "clinician", "interpreter", "support"};
static const char *const presence_names[] = {"absent", "waiting", "admitted", "paused"};
static const char *const mode_names[] = {"consecutive", "simultaneous"};

#define COUNT(a) ((unsigned)(sizeof(a) / sizeof *(a)))
_Static_assert(COUNT(role_names) == TOLK_ROUTE_SUPPORT + 1, "a name per role");
_Static_assert(COUNT(presence_names) == TOLK_ROUTE_PAUSED + 1, "a name per presence");
_Static_assert(COUNT(mode_names) == TOLK_ROUTE_SIMULTANEOUS + 1, "a name per mode");

#define NAME_OF(names, v) ((unsigned)(v) < COUNT(names) ? (names)[(unsigned)(v)] : "unknown")

/* The index of NAME in NAMES (exact, case-sensitive, as on the wire), or -1. */
static int name_index(const char *const *names, unsigned n, const char *name)
{
    for (unsigned i = 0; name && i < n; i++)
        if (strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

const char *tolk_route_role_name(enum tolk_route_role role)
{
    return NAME_OF(role_names, role);
}

int tolk_route_role_parse(const char *name, enum tolk_route_role *role)
{
    assert(role);
    int i = name_index(role_names, COUNT(role_names), name);
    if (i < 0)
        return -1;
    *role = (enum tolk_route_role)i;
    return 0;
}

const char *tolk_route_presence_name(enum tolk_route_presence p)
{
    return NAME_OF(presence_names, p);
}

int tolk_route_presence_parse(const char *name, enum tolk_route_presence *p)
{
    assert(p);
    int i = name_index(presence_names, COUNT(presence_names), name);
    if (i < 0)
        return -1;
    *p = (enum tolk_route_presence)i;
    return 0;
}

const char *tolk_route_mode_name(enum tolk_route_mode m)
{
    return NAME_OF(mode_names, m);
}

int tolk_route_mode_parse(const char *name, enum tolk_route_mode *m)
{
    assert(m);
    int i = name_index(mode_names, COUNT(mode_names), name);
    if (i < 0)
        return -1;
    *m = (enum tolk_route_mode)i;
    return 0;
}
