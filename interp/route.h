/*
 * Routing for an interpreted session: who receives whose audio, at what gain, and which room
 * (key group) each participant is in. docs/INTERPRETING.md states the rules; this module is
 * their only implementation, shared by tolkd (which relays by the table and sends each
 * participant its row) and libtolk (which mixes by that row).
 *
 * Pure: no I/O, no globals, no allocation; any thread.
 */
#ifndef TOLK_ROUTE_H
#define TOLK_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#define TOLK_ROUTE_MAX      16        /* participants per session (indices 0..15) */
#define TOLK_ROUTE_LANG_MAX 36        /* a BCP 47 tag and its NUL (as interp/match.h) */
#define TOLK_ROUTE_MUTED    INT16_MIN /* gain of a pair that is not routed at all */

enum tolk_route_role {
    TOLK_ROUTE_CLIENT = 0,
    TOLK_ROUTE_CLINICIAN,
    TOLK_ROUTE_INTERPRETER,
    TOLK_ROUTE_SUPPORT,
};

enum tolk_route_presence {
    TOLK_ROUTE_ABSENT = 0, /* no participant at this index */
    TOLK_ROUTE_WAITING,    /* waiting room: nothing to or from it, in no room */
    TOLK_ROUTE_ADMITTED,
    TOLK_ROUTE_PAUSED, /* in its room, but nothing relayed to or from it */
};

enum tolk_route_mode {
    TOLK_ROUTE_CONSECUTIVE = 0,
    TOLK_ROUTE_SIMULTANEOUS,
};

struct tolk_route_participant {
    enum tolk_route_presence presence;
    enum tolk_route_role role;
    bool active;                       /* interpreters: active (true) or passive */
    char lang[TOLK_ROUTE_LANG_MAX];    /* the language it listens in; "" = not given */
    char channel[TOLK_ROUTE_LANG_MAX]; /* interpreters: output channel; "" = the client's lang */
};

struct tolk_route_state {
    enum tolk_route_mode mode;
    bool sidebar;    /* clinician and interpreters apart from client and support */
    int16_t duck_cb; /* gain of the floor under an interpretation, centibels, -600..0 */
    struct tolk_route_participant p[TOLK_ROUTE_MAX];
};

struct tolk_route_table {
    /* gain_cb[r][s]: the gain at which receiver r hears sender s, in centibels (0 = unity),
     * or TOLK_ROUTE_MUTED when s's frames are not relayed to r at all. */
    int16_t gain_cb[TOLK_ROUTE_MAX][TOLK_ROUTE_MAX];
    /* receivers[s]: bit r set when gain_cb[r][s] is not muted (what the broker relays by). */
    uint16_t receivers[TOLK_ROUTE_MAX];
    /* room[i]: the members of i's room as a bit set, i included; 0 when i is in no room. */
    uint16_t room[TOLK_ROUTE_MAX];
};

enum tolk_route_error {
    TOLK_ROUTE_OK = 0,
    TOLK_ROUTE_EINVAL = -1,     /* an enum out of range, duck_cb out of range, or a bad tag */
    TOLK_ROUTE_ETWOACTIVE = -2, /* two present active interpreters share an output channel */
};

/*
 * Computes the table for ST into *OUT. TOLK_ROUTE_OK, or an error with *OUT all muted and
 * every room empty (so a caller that ignores the error relays nothing). Both arguments must
 * not be NULL.
 *
 * Valid: mode in range, duck_cb in -600..0, and for every participant that is not ABSENT a role
 * in range and a lang and channel NUL-terminated within TOLK_ROUTE_LANG_MAX, each "" or a
 * plausible tag (letters, digits and '-', starting with 2 to 8 letters). An ABSENT slot's other
 * fields are ignored. "Present" (here and below) means any presence but ABSENT, waiting
 * included. ETWOACTIVE: two present active interpreters (paused or waiting ones too) whose
 * effective channels have the same primary subtag, or are both "" (both stand for the client's
 * language), in either mode. A listener hears the floor ducked when it hears an active
 * interpreter (admitted, not paused, in its room, on a channel matching its lang).
 */
int tolk_route_compute(const struct tolk_route_state *st, struct tolk_route_table *out);

/*
 * The effective output channel of interpreter I in ST: its channel, or, when that is "", the
 * lang of the present (not ABSENT; waiting counts) client with the lowest index ("" if none).
 * "" when I is not an interpreter. Never NULL; I < TOLK_ROUTE_MAX.
 */
const char *tolk_route_channel(const struct tolk_route_state *st, unsigned i);

/* 1 when language tags A and B have the same primary subtag (case-insensitive), else 0;
 * 0 when either is "". */
int tolk_route_lang_match(const char *a, const char *b);

/* "client", "clinician", "interpreter", "support"; and the reverse (-1 for an unknown name).
 * Names are exact and lower case, as on the wire; a name function gives "unknown" for a value
 * out of range; a parse function returns 0, or -1 (NULL included) leaving *OUT untouched. */
const char *tolk_route_role_name(enum tolk_route_role role);
int tolk_route_role_parse(const char *name, enum tolk_route_role *role);
/* "waiting", "admitted", "paused" ("absent" for ABSENT); and the reverse. */
const char *tolk_route_presence_name(enum tolk_route_presence p);
int tolk_route_presence_parse(const char *name, enum tolk_route_presence *p);
/* "consecutive", "simultaneous"; and the reverse. */
const char *tolk_route_mode_name(enum tolk_route_mode m);
int tolk_route_mode_parse(const char *name, enum tolk_route_mode *m);

#endif
