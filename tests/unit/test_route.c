/*
 * Unit tests for interp/route.c (docs/INTERPRETING.md, "Rooms" and "Routing inside a room").
 *
 * Two halves. First, named scenarios, each with its full gain matrix and rooms written out by
 * hand, so that a reader can check a row against the document. Second, every state of a
 * five-person session (client, support, clinician, two interpreters) over all presences,
 * interpreter statuses, modes, sidebar, three sets of languages, nine channel pairs and two
 * index layouts, each checked against invariants stated on the output alone and against a
 * reference written here in a different shape: speaker by speaker ("who is this voice for?"),
 * then ducking as a second pass over what each listener already hears, where route.c goes
 * receiver-and-sender pair by pair through the document's rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "route.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAXP         TOLK_ROUTE_MAX
#define MUTED        TOLK_ROUTE_MUTED
#define DUCK         ((int16_t)-150)

#define GONE  TOLK_ROUTE_ABSENT
#define WAIT  TOLK_ROUTE_WAITING
#define IN    TOLK_ROUTE_ADMITTED
#define PAUSE TOLK_ROUTE_PAUSED
#define CONS  TOLK_ROUTE_CONSECUTIVE
#define SIMUL TOLK_ROUTE_SIMULTANEOUS
#define OK    TOLK_ROUTE_OK
#define INVAL TOLK_ROUTE_EINVAL
#define TWO   TOLK_ROUTE_ETWOACTIVE

/* One participant of a scenario. */
struct who {
    enum tolk_route_presence pres;
    enum tolk_route_role role;
    bool active;
    const char *lang;
    const char *channel;
};

#define CLIENT(pr, l)                                                                              \
    {                                                                                              \
        (pr), TOLK_ROUTE_CLIENT, false, (l), ""                                                    \
    }
#define SUPPORT(pr, l)                                                                             \
    {                                                                                              \
        (pr), TOLK_ROUTE_SUPPORT, false, (l), ""                                                   \
    }
#define CLINICIAN(pr, l)                                                                           \
    {                                                                                              \
        (pr), TOLK_ROUTE_CLINICIAN, false, (l), ""                                                 \
    }
#define ACTIVE(pr, l, ch)                                                                          \
    {                                                                                              \
        (pr), TOLK_ROUTE_INTERPRETER, true, (l), (ch)                                              \
    }
#define PASSIVE(pr, l, ch)                                                                         \
    {                                                                                              \
        (pr), TOLK_ROUTE_INTERPRETER, false, (l), (ch)                                             \
    }

#define SCEN_MAX 6

/*
 * A scenario: mode, sidebar, duck_cb, the participants at indices 0.., the expected result,
 * the rooms (one label per participant, '-' for no room; participants with the same label
 * share a room; the string's length is the number of participants) and, for OK, the gains:
 * one string per receiver with one character per sender: '0' unity, 'd' ducked (duck_cb),
 * 'M' muted, '-' the receiver itself, '.' a pair with an absent participant.
 */
struct scenario {
    const char *name;
    enum tolk_route_mode mode;
    bool sidebar;
    int16_t duck;
    struct who p[SCEN_MAX];
    int rc;
    const char *rooms;
    const char *gains[SCEN_MAX];
};

/* clang-format off */
static const struct scenario scenarios[] = {
    /* ---- pre-brief, the client waiting ---- */
    {"pre-brief: client waiting, clinician and interpreter hear each other", CONS, false, DUCK,
     {CLIENT(WAIT, "prs-AF"), CLINICIAN(IN, "nl"), ACTIVE(IN, "nl", "")}, OK, "-AA",
     {"-MM",
      "M-0",
      "M0-"}},
    {"pre-brief, simultaneous: without the client in the room they simply talk (channel prs)",
     SIMUL, false, DUCK,
     {CLIENT(WAIT, "prs-AF"), CLINICIAN(IN, "nl"), ACTIVE(IN, "nl", "")}, OK, "-AA",
     {"-MM",
      "M-0",
      "M0-"}},
    {"pre-brief, simultaneous: the interpreter on the clinician's channel is heard", SIMUL, false,
     DUCK, {CLIENT(WAIT, "prs-AF"), CLINICIAN(IN, "nl"), ACTIVE(IN, "prs", "NL")}, OK, "-AA",
     {"-MM",
      "M-0",
      "M0-"}},

    /* ---- consecutive ---- */
    {"consecutive: three-way, everyone at unity", CONS, false, DUCK,
     {CLIENT(IN, "prs-AF"), CLINICIAN(IN, "nl"), ACTIVE(IN, "prs", "")}, OK, "AAA",
     {"-00",
      "0-0",
      "00-"}},
    {"consecutive: with support, nobody ducked even on the interpreter's channel", CONS, false,
     DUCK, {CLIENT(IN, "prs-AF"), SUPPORT(IN, "prs"), CLINICIAN(IN, "nl"), ACTIVE(IN, "", "prs")},
     OK, "AAAA",
     {"-000",
      "0-00",
      "00-0",
      "000-"}},

    /* ---- simultaneous ---- */
    {"simultaneous: prs listeners hear the interpreter at 0 and the floor ducked", SIMUL, false,
     DUCK, {CLIENT(IN, "prs-AF"), SUPPORT(IN, "prs"), CLINICIAN(IN, "nl"), ACTIVE(IN, "", "prs")},
     OK, "AAAA",
     {"-dd0",
      "d-d0",
      "00-M",
      "000-"}},
    {"simultaneous: channel '' is the client's language", SIMUL, false, DUCK,
     {CLIENT(IN, "prs-AF"), SUPPORT(IN, "prs"), CLINICIAN(IN, "nl"), ACTIVE(IN, "", "")}, OK,
     "AAAA",
     {"-dd0",
      "d-d0",
      "00-M",
      "000-"}},
    {"simultaneous: the most ducking allowed, -600", SIMUL, false, -600,
     {CLIENT(IN, "prs-AF"), CLINICIAN(IN, "nl"), ACTIVE(IN, "", "PRS-ir")}, OK, "AAA",
     {"-d0",
      "0-M",
      "00-"}},
    {"simultaneous: duck_cb 0 routes the floor at unity (still routed)", SIMUL, false, 0,
     {CLIENT(IN, "prs-AF"), CLINICIAN(IN, "nl"), ACTIVE(IN, "", "")}, OK, "AAA",
     {"-d0",
      "0-M",
      "00-"}},
    {"simultaneous: channel '' and a client without a language reach only interpreters", SIMUL,
     false, DUCK,
     {CLIENT(IN, ""), SUPPORT(IN, "prs"), CLINICIAN(IN, "nl"), ACTIVE(IN, "", "")}, OK, "AAAA",
     {"-00M",
      "0-0M",
      "00-M",
      "000-"}},
    {"simultaneous: channel '' follows the lowest-index present client", SIMUL, false, DUCK,
     {CLIENT(GONE, "nl"), CLIENT(IN, "prs-AF"), CLINICIAN(IN, "nl"), CLIENT(WAIT, "nl"),
      ACTIVE(IN, "", "")}, OK, "-AA-A",
     {"-....",
      ".-dM0",
      ".0-MM",
      ".MM-M",
      ".00M-"}},
    {"simultaneous: a waiting client counts as present for channel ''", SIMUL, false, DUCK,
     {CLIENT(WAIT, "nl"), CLIENT(IN, "prs-AF"), CLINICIAN(IN, "nl"), CLIENT(WAIT, "prs"),
      ACTIVE(IN, "", "")}, OK, "-AA-A",
     {"-MMMM",
      "M-0MM",
      "Md-M0",
      "MMM-M",
      "M00M-"}},
    {"simultaneous: a listener without a language hears the floor at 0 and no interpreter",
     SIMUL, false, DUCK,
     {CLIENT(IN, "prs-AF"), SUPPORT(IN, ""), CLINICIAN(IN, "nl"), ACTIVE(IN, "", "")}, OK, "AAAA",
     {"-dd0",
      "0-0M",
      "00-M",
      "000-"}},
    {"simultaneous: two interpreters on two channels, three languages", SIMUL, false, DUCK,
     {CLIENT(IN, "prs-AF"), CLINICIAN(IN, "nl"), SUPPORT(IN, "en-GB"), ACTIVE(IN, "nl", ""),
      ACTIVE(IN, "prs", "EN")}, OK, "AAAAA",
     {"-dd0M",
      "0-0MM",
      "dd-M0",
      "000-0",
      "0000-"}},
    {"consecutive: two interpreters on two channels, everyone at unity", CONS, false, DUCK,
     {CLIENT(IN, "prs-AF"), CLINICIAN(IN, "nl"), SUPPORT(IN, "en-GB"), ACTIVE(IN, "nl", ""),
      ACTIVE(IN, "prs", "EN")}, OK, "AAAAA",
     {"-0000",
      "0-000",
      "00-00",
      "000-0",
      "0000-"}},
    {"simultaneous: both directions, one interpreter per channel", SIMUL, false, DUCK,
     {CLIENT(IN, "prs-AF"), CLINICIAN(IN, "nl-NL"), ACTIVE(IN, "nl", "prs"),
      ACTIVE(IN, "prs", "nl")}, OK, "AAAA",
     {"-d0M",
      "d-M0",
      "00-0",
      "000-"}},

    /* ---- sidebar ---- */
    {"sidebar: client and support apart from clinician and interpreter", CONS, true, DUCK,
     {CLIENT(IN, "prs-AF"), SUPPORT(IN, "prs"), CLINICIAN(IN, "nl"), ACTIVE(IN, "", "")}, OK,
     "AABB",
     {"-0MM",
      "0-MM",
      "MM-0",
      "MM0-"}},
    {"sidebar, simultaneous: client room unducked; the sidebar talks whatever the channel", SIMUL,
     true, DUCK,
     {CLIENT(IN, "prs-AF"), SUPPORT(IN, "prs"), CLINICIAN(IN, "nl"), ACTIVE(IN, "", "")}, OK,
     "AABB",
     {"-0MM",
      "0-MM",
      "MM-0",
      "MM0-"}},
    {"sidebar, simultaneous: interpreter on nl", SIMUL, true, DUCK,
     {CLIENT(IN, "prs-AF"), SUPPORT(IN, "prs"), CLINICIAN(IN, "nl"), ACTIVE(IN, "", "nl")}, OK,
     "AABB",
     {"-0MM",
      "0-MM",
      "MM-0",
      "MM0-"}},
    {"sidebar: a waiting support person is in no room", CONS, true, DUCK,
     {CLIENT(IN, "prs-AF"), SUPPORT(WAIT, "prs"), CLINICIAN(IN, "nl"), ACTIVE(IN, "", ""),
      PASSIVE(IN, "nl", "")}, OK, "A-BBB",
     {"-MMMM",
      "M-MMM",
      "MM-0M",
      "MM0-0",
      "MM00-"}},

    /* ---- pause ---- */
    {"paused client: nothing to or from it, but it stays in its room", CONS, false, DUCK,
     {CLIENT(PAUSE, "prs-AF"), CLINICIAN(IN, "nl"), ACTIVE(IN, "", "")}, OK, "AAA",
     {"-MM",
      "M-0",
      "M0-"}},
    {"paused client during a sidebar keeps its room with support", CONS, true, DUCK,
     {CLIENT(PAUSE, "prs-AF"), SUPPORT(IN, "prs"), CLINICIAN(IN, "nl"), ACTIVE(IN, "", "")}, OK,
     "AABB",
     {"-MMM",
      "M-MM",
      "MM-0",
      "MM0-"}},
    {"paused active interpreter: its listeners get the floor undicked", SIMUL, false, DUCK,
     {CLIENT(IN, "prs-AF"), CLINICIAN(IN, "nl"), ACTIVE(PAUSE, "", "")}, OK, "AAA",
     {"-0M",
      "0-M",
      "MM-"}},
    {"paused clinician in simultaneous mode", SIMUL, false, DUCK,
     {CLIENT(IN, "prs-AF"), CLINICIAN(PAUSE, "nl"), ACTIVE(IN, "", "")}, OK, "AAA",
     {"-M0",
      "M-M",
      "0M-"}},

    /* ---- passive interpreter, hand-over ---- */
    {"passive interpreter: heard only by the active partner, hears floor and partner", CONS,
     false, DUCK,
     {CLIENT(IN, "prs-AF"), CLINICIAN(IN, "nl"), ACTIVE(IN, "nl", ""), PASSIVE(IN, "nl", "")},
     OK, "AAAA",
     {"-00M",
      "0-0M",
      "00-0",
      "000-"}},
    {"passive interpreter, simultaneous", SIMUL, false, DUCK,
     {CLIENT(IN, "prs-AF"), CLINICIAN(IN, "nl"), ACTIVE(IN, "nl", ""), PASSIVE(IN, "nl", "")},
     OK, "AAAA",
     {"-d0M",
      "0-MM",
      "00-0",
      "000-"}},
    {"after the hand-over the roles swap", SIMUL, false, DUCK,
     {CLIENT(IN, "prs-AF"), CLINICIAN(IN, "nl"), PASSIVE(IN, "nl", ""), ACTIVE(IN, "nl", "")},
     OK, "AAAA",
     {"-dM0",
      "0-MM",
      "00-0",
      "000-"}},
    {"a passive interpreter with no active partner is heard by no one", CONS, false, DUCK,
     {CLIENT(IN, "prs-AF"), CLINICIAN(IN, "nl"), PASSIVE(IN, "nl", "")}, OK, "AAA",
     {"-0M",
      "0-M",
      "00-"}},

    /* ---- debrief ---- */
    {"debrief after the client left", CONS, false, DUCK,
     {CLIENT(GONE, "prs-AF"), SUPPORT(GONE, "prs"), CLINICIAN(IN, "nl"), ACTIVE(IN, "", "")}, OK,
     "--AA",
     {"-...",
      ".-..",
      "..-0",
      "..0-"}},
    {"a clinician alone is in a room of one", CONS, false, DUCK,
     {CLIENT(WAIT, "prs-AF"), CLINICIAN(IN, "nl")}, OK, "-A",
     {"-M",
      "M-"}},

    /* ---- two active interpreters on one channel ---- */
    {"ETWOACTIVE: '' and PRS with a prs client", SIMUL, false, DUCK,
     {CLIENT(IN, "prs-AF"), CLINICIAN(IN, "nl"), ACTIVE(IN, "nl", ""), ACTIVE(IN, "nl", "PRS")},
     TWO, "----", {NULL}},
    {"ETWOACTIVE: also in consecutive mode", CONS, false, DUCK,
     {CLIENT(IN, "prs-AF"), CLINICIAN(IN, "nl"), ACTIVE(IN, "nl", ""), ACTIVE(IN, "nl", "PRS")},
     TWO, "----", {NULL}},
    {"ETWOACTIVE: '' and '' before any client joined", CONS, false, DUCK,
     {CLINICIAN(IN, "nl"), ACTIVE(IN, "nl", ""), ACTIVE(IN, "nl", "")}, TWO, "---", {NULL}},
    {"ETWOACTIVE: '' and prs with the prs client still waiting", CONS, false, DUCK,
     {CLIENT(WAIT, "prs-AF"), CLINICIAN(IN, "nl"), ACTIVE(IN, "nl", ""), ACTIVE(IN, "nl", "prs")},
     TWO, "----", {NULL}},
    {"ETWOACTIVE: nl and nl-BE share a primary subtag", SIMUL, false, DUCK,
     {CLINICIAN(IN, "nl"), ACTIVE(IN, "nl", "nl"), ACTIVE(IN, "nl", "nl-BE")}, TWO, "---",
     {NULL}},
    {"ETWOACTIVE: a paused active interpreter still holds its channel", SIMUL, false, DUCK,
     {CLINICIAN(IN, "nl"), ACTIVE(PAUSE, "nl", "prs"), ACTIVE(IN, "nl", "prs")}, TWO, "---",
     {NULL}},
    {"ETWOACTIVE: with a sidebar open as well", CONS, true,
     DUCK, {CLIENT(IN, "prs-AF"), ACTIVE(IN, "nl", "prs"), ACTIVE(IN, "nl", "")}, TWO, "---",
     {NULL}},
    {"not ETWOACTIVE: '' and prs when the client gave no language", SIMUL, false, DUCK,
     {CLIENT(IN, ""), CLINICIAN(IN, "nl"), ACTIVE(IN, "nl", ""), ACTIVE(IN, "nl", "prs")}, OK,
     "AAAA",
     {"-0MM",
      "0-MM",
      "00-0",
      "000-"}},
    {"not ETWOACTIVE: the other active interpreter is absent", CONS, false, DUCK,
     {CLINICIAN(IN, "nl"), ACTIVE(IN, "nl", "nl"), ACTIVE(GONE, "nl", "nl")}, OK, "AA-",
     {"-0.",
      "0-.",
      "..-"}},

    /* ---- invalid states ---- */
    {"EINVAL: duck_cb 1", SIMUL, false, 1, {CLINICIAN(IN, "nl")}, INVAL, "-", {NULL}},
    {"EINVAL: duck_cb -601", SIMUL, false, -601, {CLINICIAN(IN, "nl")}, INVAL, "-", {NULL}},
    {"EINVAL: duck_cb MUTED", SIMUL, false, MUTED, {CLINICIAN(IN, "nl")}, INVAL, "-", {NULL}},
    {"EINVAL: mode 2", (enum tolk_route_mode)2, false, DUCK, {CLINICIAN(IN, "nl")}, INVAL, "-",
     {NULL}},
    {"EINVAL: presence 4", CONS, false, DUCK,
     {CLINICIAN(IN, "nl"), {(enum tolk_route_presence)4, TOLK_ROUTE_CLIENT, false, "", ""}},
     INVAL, "--", {NULL}},
    {"EINVAL: role 4", CONS, false, DUCK,
     {CLINICIAN(IN, "nl"), {WAIT, (enum tolk_route_role)4, false, "", ""}}, INVAL, "--", {NULL}},
    {"EINVAL: lang with one letter then a digit", CONS, false, DUCK, {CLINICIAN(IN, "e1")}, INVAL,
     "-", {NULL}},
    {"EINVAL: lang with an underscore", CONS, false, DUCK, {CLIENT(WAIT, "en_US")}, INVAL, "-",
     {NULL}},
    {"EINVAL: lang with a space", CONS, false, DUCK, {CLIENT(PAUSE, "en US")}, INVAL, "-", {NULL}},
    {"EINVAL: lang with nine letters", CONS, false, DUCK, {SUPPORT(IN, "abcdefghi")}, INVAL, "-",
     {NULL}},
    {"EINVAL: lang starting with '-'", CONS, false, DUCK, {SUPPORT(IN, "-en")}, INVAL, "-",
     {NULL}},
    {"EINVAL: lang of digits", CONS, false, DUCK, {SUPPORT(IN, "123")}, INVAL, "-", {NULL}},
    {"EINVAL: lang in UTF-8", CONS, false, DUCK, {SUPPORT(IN, "fr-\xc3\xa9")}, INVAL, "-", {NULL}},
    {"EINVAL: channel starting with a digit", CONS, false, DUCK, {ACTIVE(IN, "nl", "1nl")}, INVAL,
     "-", {NULL}},
    {"EINVAL: a bad channel on a non-interpreter is still checked", CONS, false, DUCK,
     {{IN, TOLK_ROUTE_CLINICIAN, false, "nl", "n"}}, INVAL, "-", {NULL}},
    {"valid: eight letters and a long tail", CONS, false, DUCK,
     {CLIENT(IN, "abcdefgh-1x-Latn"), SUPPORT(IN, "sr-Latn-RS-1901")}, OK, "AA",
     {"-0",
      "0-"}},
    {"valid: an absent slot's other fields are ignored", CONS, false, DUCK,
     {CLINICIAN(IN, "nl"), {GONE, (enum tolk_route_role)9, true, "not a tag", "1"}}, OK, "A-",
     {"-.",
      ".-"}},
};
/* clang-format on */

/* ---- helpers ------------------------------------------------------------------------------ */

static void set_tag(char dst[TOLK_ROUTE_LANG_MAX], const char *src)
{
    size_t n = strlen(src);
    assert_true(n < TOLK_ROUTE_LANG_MAX);
    memcpy(dst, src, n + 1);
}

static void set_who(struct tolk_route_participant *p, const struct who *w)
{
    p->presence = w->pres;
    p->role = w->role;
    p->active = w->active;
    set_tag(p->lang, w->lang);
    set_tag(p->channel, w->channel);
}

static void describe(const struct tolk_route_state *st)
{
    print_error("state: %s, sidebar %s, duck %d\n", tolk_route_mode_name(st->mode),
                st->sidebar ? "open" : "closed", st->duck_cb);
    for (unsigned i = 0; i < MAXP; i++) {
        const struct tolk_route_participant *p = &st->p[i];
        if (p->presence == GONE)
            continue;
        print_error("  %2u %-8s %-11s %-7s lang \"%s\" channel \"%s\"\n", i,
                    tolk_route_presence_name(p->presence), tolk_route_role_name(p->role),
                    p->role == TOLK_ROUTE_INTERPRETER ? (p->active ? "active" : "passive") : "",
                    p->lang, p->channel);
    }
}

/* The table's gains for the first N participants in the scenario alphabet. */
static void print_table(const struct tolk_route_table *t, unsigned n, int16_t duck,
                        const struct tolk_route_state *st)
{
    for (unsigned r = 0; r < n; r++) {
        char row[MAXP + 1];
        for (unsigned s = 0; s < n; s++) {
            int16_t g = t->gain_cb[r][s];
            bool gone = st->p[r].presence == GONE || st->p[s].presence == GONE;
            row[s] = g == 0                    ? '0'
                     : g == duck && g != MUTED ? 'd'
                     : g != MUTED              ? '?'
                     : r == s                  ? '-'
                     : gone                    ? '.'
                                               : 'M';
        }
        row[n] = '\0';
        print_error("    \"%s\"  room %04x  receivers[%u] %04x\n", row, t->room[r], r,
                    t->receivers[r]);
    }
}

static bool all_muted(const struct tolk_route_table *t)
{
    for (unsigned r = 0; r < MAXP; r++) {
        if (t->receivers[r] != 0 || t->room[r] != 0)
            return false;
        for (unsigned s = 0; s < MAXP; s++)
            if (t->gain_cb[r][s] != MUTED)
                return false;
    }
    return true;
}

static int16_t gain_of(char c, int16_t duck)
{
    return c == '0' ? 0 : c == 'd' ? duck : MUTED;
}

/* Keeps the hand-written rows honest: right length, '-' exactly on the diagonal, '.' exactly
 * where a participant is absent. */
static void check_rows(const struct scenario *sc, unsigned n)
{
    for (unsigned r = 0; r < n; r++) {
        const char *row = sc->gains[r];
        if (!row || strlen(row) != n)
            fail_msg("%s: row %u is not %u characters", sc->name, r, n);
        for (unsigned s = 0; s < n; s++) {
            bool gone = sc->p[r].pres == GONE || sc->p[s].pres == GONE;
            if ((row[s] == '-') != (r == s) || (r != s && (row[s] == '.') != gone) ||
                !strchr("0dM-.", row[s]))
                fail_msg("%s: row %u, column %u: '%c' cannot be right", sc->name, r, s, row[s]);
        }
    }
}

static uint16_t expected_room(const char *rooms, unsigned i)
{
    uint16_t m = 0;
    for (unsigned j = 0; rooms[i] != '-' && rooms[j] != '\0'; j++)
        if (rooms[j] == rooms[i])
            m = (uint16_t)(m | (1u << j));
    return m;
}

static void run_scenario(const struct scenario *sc)
{
    unsigned n = (unsigned)strlen(sc->rooms);
    struct tolk_route_state st;
    struct tolk_route_table t;
    memset(&st, 0, sizeof st);
    st.mode = sc->mode;
    st.sidebar = sc->sidebar;
    st.duck_cb = sc->duck;
    for (unsigned i = 0; i < n; i++)
        set_who(&st.p[i], &sc->p[i]);
    memset(&t, 0x5a, sizeof t);
    int rc = tolk_route_compute(&st, &t);
    if (rc != sc->rc) {
        describe(&st);
        fail_msg("%s: returned %d, expected %d", sc->name, rc, sc->rc);
    }
    if (rc != OK) {
        if (!all_muted(&t))
            fail_msg("%s: an error left something routed", sc->name);
        return;
    }
    check_rows(sc, n);
    bool bad = false;
    for (unsigned r = 0; r < MAXP; r++) {
        uint16_t recv = 0;
        for (unsigned s = 0; s < MAXP; s++) {
            int16_t want = r < n && s < n ? gain_of(sc->gains[r][s], sc->duck) : MUTED;
            bad |= t.gain_cb[r][s] != want;
            if (t.gain_cb[s][r] != MUTED)
                recv = (uint16_t)(recv | (1u << s));
        }
        bad |= t.room[r] != (r < n ? expected_room(sc->rooms, r) : 0) || t.receivers[r] != recv;
    }
    if (bad) {
        describe(&st);
        print_error("  expected rooms \"%s\", gains:\n", sc->rooms);
        for (unsigned r = 0; r < n; r++)
            print_error("    \"%s\"\n", sc->gains[r]);
        print_error("  got:\n");
        print_table(&t, n, sc->duck, &st);
        fail_msg("%s: wrong table", sc->name);
    }
}

/* ---- scenarios, names, helpers ------------------------------------------------------------ */

static void test_scenarios(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(scenarios); i++)
        run_scenario(&scenarios[i]);
    print_message("%zu scenarios, each with its full gain matrix and rooms\n",
                  ARRAY_LEN(scenarios));
}

/* Fields filled to the brim: no NUL inside the array is invalid, even for a listener that
 * would not be routed at all; in an absent slot it does not matter. */
static void test_unterminated_tags(void **state)
{
    (void)state;
    struct tolk_route_state st;
    struct tolk_route_table t;
    for (int field = 0; field < 2; field++) {
        memset(&st, 0, sizeof st);
        st.p[0].presence = WAIT;
        st.p[0].role = TOLK_ROUTE_INTERPRETER;
        char *f = field == 0 ? st.p[0].lang : st.p[0].channel;
        memcpy(f, "ab-", 3);
        memset(f + 3, 'c', TOLK_ROUTE_LANG_MAX - 4); /* 35 characters and the NUL: valid */
        assert_int_equal(tolk_route_compute(&st, &t), OK);
        f[TOLK_ROUTE_LANG_MAX - 1] = 'c';
        memset(&t, 0x5a, sizeof t);
        assert_int_equal(tolk_route_compute(&st, &t), INVAL);
        assert_true(all_muted(&t));
        st.p[0].presence = GONE;
        assert_int_equal(tolk_route_compute(&st, &t), OK);
    }
}

static void test_lang_match(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        int want;
    } cases[] = {
        {"prs", "prs-AF", 1},
        {"PRS-af", "prs", 1},
        {"nl", "nl", 1},
        {"nl-BE", "NL-nl", 1},
        {"sr-Latn", "sr-Cyrl", 1},
        {"nl", "nld", 0},
        {"nld", "nl", 0},
        {"prs", "fa", 0},
        {"en", "", 0},
        {"", "en", 0},
        {"", "", 0},
        {NULL, "en", 0},
        {"en", NULL, 0},
        {"-en", "-en", 0},
        {"-", "-", 0},
        {"e", "e", 1},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++)
        if (tolk_route_lang_match(cases[i].a, cases[i].b) != cases[i].want)
            fail_msg("lang_match(\"%s\", \"%s\") is not %d", cases[i].a ? cases[i].a : "(null)",
                     cases[i].b ? cases[i].b : "(null)", cases[i].want);
}

static void test_channel(void **state)
{
    (void)state;
    struct tolk_route_state st;
    memset(&st, 0, sizeof st);
    set_who(&st.p[5], &(struct who)ACTIVE(IN, "nl", ""));
    set_who(&st.p[6], &(struct who)ACTIVE(IN, "nl", "en"));
    assert_string_equal(tolk_route_channel(&st, 5), "");
    assert_string_equal(tolk_route_channel(&st, 6), "en");
    set_who(&st.p[9], &(struct who)CLIENT(IN, "ar-SY"));
    assert_string_equal(tolk_route_channel(&st, 5), "ar-SY");
    set_who(&st.p[3], &(struct who)CLIENT(WAIT, "prs-AF"));
    assert_string_equal(tolk_route_channel(&st, 5), "prs-AF");
    st.p[3].presence = PAUSE;
    assert_string_equal(tolk_route_channel(&st, 5), "prs-AF");
    st.p[3].presence = GONE;
    assert_string_equal(tolk_route_channel(&st, 5), "ar-SY");
    set_who(&st.p[1], &(struct who)SUPPORT(IN, "fa"));
    assert_string_equal(tolk_route_channel(&st, 5), "ar-SY");
    /* Only interpreters have a channel. */
    assert_string_equal(tolk_route_channel(&st, 9), "");
    assert_string_equal(tolk_route_channel(&st, 1), "");
    assert_string_equal(tolk_route_channel(&st, 0), "");
    st.p[9].lang[0] = '\0';
    assert_string_equal(tolk_route_channel(&st, 5), "");
}

static void test_names(void **state)
{
    (void)state;
    static const char *const roles[] = {"client", "clinician", "interpreter", "support"};
    static const char *const presences[] = {"absent", "waiting", "admitted", "paused"};
    static const char *const modes[] = {"consecutive", "simultaneous"};
    for (unsigned i = 0; i < ARRAY_LEN(roles); i++) {
        enum tolk_route_role r = TOLK_ROUTE_SUPPORT;
        assert_string_equal(tolk_route_role_name((enum tolk_route_role)i), roles[i]);
        assert_int_equal(tolk_route_role_parse(roles[i], &r), 0);
        assert_int_equal(r, i);
    }
    for (unsigned i = 0; i < ARRAY_LEN(presences); i++) {
        enum tolk_route_presence p = TOLK_ROUTE_PAUSED;
        assert_string_equal(tolk_route_presence_name((enum tolk_route_presence)i), presences[i]);
        assert_int_equal(tolk_route_presence_parse(presences[i], &p), 0);
        assert_int_equal(p, i);
    }
    for (unsigned i = 0; i < ARRAY_LEN(modes); i++) {
        enum tolk_route_mode m = TOLK_ROUTE_SIMULTANEOUS;
        assert_string_equal(tolk_route_mode_name((enum tolk_route_mode)i), modes[i]);
        assert_int_equal(tolk_route_mode_parse(modes[i], &m), 0);
        assert_int_equal(m, i);
    }
    assert_string_equal(tolk_route_role_name((enum tolk_route_role)4), "unknown");
    assert_string_equal(tolk_route_presence_name((enum tolk_route_presence)4), "unknown");
    assert_string_equal(tolk_route_mode_name((enum tolk_route_mode)2), "unknown");

    static const char *const bad[] = {"",        "Client",        "CLIENT",
                                      "client ", "interp",        "present",
                                      "unknown", "consecutive\n", "simultaneous-"};
    for (unsigned i = 0; i < ARRAY_LEN(bad); i++) {
        enum tolk_route_role r = TOLK_ROUTE_SUPPORT;
        enum tolk_route_presence p = TOLK_ROUTE_PAUSED;
        enum tolk_route_mode m = TOLK_ROUTE_SIMULTANEOUS;
        assert_int_equal(tolk_route_role_parse(bad[i], &r), -1);
        assert_int_equal(tolk_route_presence_parse(bad[i], &p), -1);
        assert_int_equal(tolk_route_mode_parse(bad[i], &m), -1);
        assert_int_equal(r, TOLK_ROUTE_SUPPORT); /* untouched */
        assert_int_equal(p, TOLK_ROUTE_PAUSED);
        assert_int_equal(m, TOLK_ROUTE_SIMULTANEOUS);
    }
    enum tolk_route_role r = TOLK_ROUTE_SUPPORT;
    assert_int_equal(tolk_route_role_parse(NULL, &r), -1);
}

/* ---- every state of a five-person session ------------------------------------------------- */

enum { S_CLIENT, S_SUPPORT, S_CLINICIAN, S_INTERP_A, S_INTERP_B, NSLOTS };

struct reference {
    int rc;
    int16_t gain[MAXP][MAXP];
    uint16_t room[MAXP];
};

/* The primary language subtag, lower case; "" for "". */
static void ref_primary(const char *tag, char out[TOLK_ROUTE_LANG_MAX])
{
    size_t i = 0;
    for (; tag[i] != '\0' && tag[i] != '-'; i++)
        out[i] = (char)(tag[i] >= 'A' && tag[i] <= 'Z' ? tag[i] + ('a' - 'A') : tag[i]);
    out[i] = '\0';
}

static bool ref_same(const char *a, const char *b, bool empty_same)
{
    char pa[TOLK_ROUTE_LANG_MAX], pb[TOLK_ROUTE_LANG_MAX];
    ref_primary(a, pa);
    ref_primary(b, pb);
    return strcmp(pa, pb) == 0 && (empty_same || pa[0] != '\0');
}

/*
 * docs/INTERPRETING.md restated voice by voice. Rooms by label; then, for every voice that is
 * relayed at all (admitted, in a room), who it is for: interpreters hear every voice in their
 * room; a passive interpreter's voice is for interpreters only; in consecutive mode every other
 * voice is for everyone in the room; in simultaneous mode an active interpreter's voice is for
 * the listeners of its channel and the floor's is for everyone. Last, ducking: in simultaneous
 * mode, a listener (not an interpreter) who hears an interpreter hears the floor ducked.
 */
static void reference(const struct tolk_route_state *st, struct reference *ref)
{
    const struct tolk_route_participant *p = st->p;
    int label[MAXP];
    const char *client_lang = "", *eff[MAXP];
    bool interp[MAXP];
    for (unsigned i = 0; i < MAXP; i++) {
        bool floor = p[i].role == TOLK_ROUTE_CLIENT || p[i].role == TOLK_ROUTE_SUPPORT;
        label[i] = p[i].presence == IN || p[i].presence == PAUSE ? (!st->sidebar ? 0
                                                                    : floor      ? 1
                                                                                 : 2)
                                                                 : -1;
        interp[i] = p[i].role == TOLK_ROUTE_INTERPRETER;
        for (unsigned r = 0; r < MAXP; r++)
            ref->gain[r][i] = MUTED;
        ref->room[i] = 0;
    }
    for (unsigned i = MAXP; i-- > 0;)
        if (p[i].presence != GONE && p[i].role == TOLK_ROUTE_CLIENT)
            client_lang = p[i].lang;
    for (unsigned i = 0; i < MAXP; i++)
        eff[i] = p[i].channel[0] != '\0' ? p[i].channel : client_lang;

    bool simul[3] = {false, false, false}; /* per room label: a client or support is in it */
    for (unsigned i = 0; i < MAXP; i++)
        if (label[i] >= 0 && st->mode == SIMUL &&
            (p[i].role == TOLK_ROUTE_CLIENT || p[i].role == TOLK_ROUTE_SUPPORT))
            simul[label[i]] = true;

    ref->rc = OK;
    for (unsigned i = 0; i < MAXP; i++)
        for (unsigned j = 0; j < i; j++)
            if (interp[i] && interp[j] && p[i].active && p[j].active && p[i].presence != GONE &&
                p[j].presence != GONE && ref_same(eff[i], eff[j], true))
                ref->rc = TWO;
    if (ref->rc != OK)
        return;

    for (unsigned i = 0; i < MAXP; i++)
        for (unsigned j = 0; j < MAXP; j++)
            if (label[i] >= 0 && label[i] == label[j])
                ref->room[i] = (uint16_t)(ref->room[i] | (1u << j));

    for (unsigned s = 0; s < MAXP; s++) {
        if (p[s].presence != IN || label[s] < 0)
            continue;
        for (unsigned r = 0; r < MAXP; r++) {
            if (r == s || p[r].presence != IN || label[r] != label[s])
                continue;
            bool for_r =
                interp[r] ||
                (interp[s] ? p[s].active && (!simul[label[s]] || ref_same(p[r].lang, eff[s], false))
                           : true);
            if (for_r)
                ref->gain[r][s] = 0;
        }
    }

    for (unsigned r = 0; r < MAXP; r++) {
        if (label[r] < 0 || !simul[label[r]])
            continue;
        bool hears_interp = false;
        for (unsigned s = 0; s < MAXP; s++)
            hears_interp |= interp[s] && ref->gain[r][s] != MUTED;
        for (unsigned s = 0; s < MAXP && hears_interp && !interp[r]; s++)
            if (!interp[s] && ref->gain[r][s] != MUTED)
                ref->gain[r][s] = st->duck_cb;
    }
}

#define CHECK(cond, st, ...)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            describe(st);                                                                          \
            fail_msg(__VA_ARGS__);                                                                 \
        }                                                                                          \
    } while (0)

static bool has(uint16_t set, unsigned i)
{
    return ((unsigned)set >> i & 1u) != 0;
}

/* Properties of the output alone, stated without the reference. */
static void check_invariants(const struct tolk_route_state *st, const struct tolk_route_table *t)
{
    const struct tolk_route_participant *p = st->p;
    uint16_t in_rooms = 0;
    for (unsigned i = 0; i < MAXP; i++)
        if (p[i].presence == IN || p[i].presence == PAUSE)
            in_rooms = (uint16_t)(in_rooms | (1u << i));
    for (unsigned i = 0; i < MAXP; i++) {
        bool in = has(in_rooms, i);
        bool floor = p[i].role == TOLK_ROUTE_CLIENT || p[i].role == TOLK_ROUTE_SUPPORT;
        CHECK(has(t->room[i], i) == in, st, "%u: in its own room iff admitted or paused", i);
        CHECK(in || t->room[i] == 0, st, "%u: waiting or absent, yet in a room", i);
        CHECK(st->sidebar || !in || t->room[i] == in_rooms, st, "%u: not in the one room", i);
        for (unsigned j = 0; j < MAXP; j++) {
            bool jin = has(t->room[i], j);
            bool jfloor = p[j].role == TOLK_ROUTE_CLIENT || p[j].role == TOLK_ROUTE_SUPPORT;
            CHECK(jin == has(t->room[j], i), st, "rooms not symmetric: %u, %u", i, j);
            CHECK(!jin || t->room[j] == t->room[i], st, "%u and %u: rooms differ", i, j);
            CHECK(!jin || !st->sidebar || floor == jfloor, st, "%u and %u across a sidebar", i, j);
        }
    }
    for (unsigned r = 0; r < MAXP; r++) {
        bool rinterp = p[r].role == TOLK_ROUTE_INTERPRETER;
        for (unsigned s = 0; s < MAXP; s++) {
            int16_t g = t->gain_cb[r][s];
            bool routed = g != MUTED;
            CHECK(routed == has(t->receivers[s], r), st, "receivers[%u] bit %u", s, r);
            if (!routed)
                continue;
            CHECK(r != s, st, "%u hears itself", r);
            CHECK(p[r].presence == IN && p[s].presence == IN, st, "%u hears %u: not both live", r,
                  s);
            CHECK(has(t->room[r], s), st, "%u hears %u from another room", r, s);
            CHECK(!(p[s].role == TOLK_ROUTE_INTERPRETER && !p[s].active) || rinterp, st,
                  "%u hears passive interpreter %u", r, s);
            CHECK(!st->sidebar || p[r].role != TOLK_ROUTE_CLIENT ||
                      p[s].role == TOLK_ROUTE_CLIENT || p[s].role == TOLK_ROUTE_SUPPORT,
                  st, "client %u hears %u during a sidebar", r, s);
            CHECK(g == 0 || (g == st->duck_cb && !rinterp && st->mode == SIMUL), st,
                  "%u hears %u at %d", r, s, g);
        }
    }
}

struct enum_counts {
    unsigned long states, twoactive, routed_pairs, ducked_pairs;
};

static void check_state(const struct tolk_route_state *st, struct enum_counts *n)
{
    struct tolk_route_table t;
    struct reference ref;
    memset(&t, 0x5a, sizeof t);
    int rc = tolk_route_compute(st, &t);
    reference(st, &ref);
    n->states++;
    CHECK(rc == ref.rc, st, "returned %d, the reference says %d", rc, ref.rc);
    if (rc != OK) {
        CHECK(all_muted(&t), st, "an error left something routed");
        n->twoactive++;
        return;
    }
    check_invariants(st, &t);
    for (unsigned r = 0; r < MAXP; r++) {
        CHECK(t.room[r] == ref.room[r], st, "room[%u] %04x, the reference says %04x", r, t.room[r],
              ref.room[r]);
        for (unsigned s = 0; s < MAXP; s++) {
            CHECK(t.gain_cb[r][s] == ref.gain[r][s], st, "gain[%u][%u] %d, the reference says %d",
                  r, s, t.gain_cb[r][s], ref.gain[r][s]);
            n->routed_pairs += t.gain_cb[r][s] != MUTED;
            n->ducked_pairs += t.gain_cb[r][s] == st->duck_cb;
        }
    }
}

static void test_every_state(void **state)
{
    (void)state;
    /* Index layouts: in order, and scattered backwards up to the last index. */
    static const unsigned layouts[][NSLOTS] = {{0, 1, 2, 3, 4}, {15, 12, 7, 3, 0}};
    /* client, support, clinician: one language each way, a client without a language, and a
     * client who shares the clinician's language. */
    static const char *const langs[][3] = {
        {"prs-AF", "prs", "nl"}, {"", "prs", "nl"}, {"nl-BE", "prs", "NL"}};
    static const char *const channels[] = {"", "nl", "prs"};
    static const enum tolk_route_role roles[NSLOTS] = {TOLK_ROUTE_CLIENT, TOLK_ROUTE_SUPPORT,
                                                       TOLK_ROUTE_CLINICIAN, TOLK_ROUTE_INTERPRETER,
                                                       TOLK_ROUTE_INTERPRETER};
    static const char *const interp_langs[2] = {"prs", "nl"};
    struct enum_counts n = {0};
    struct tolk_route_state st;

    for (unsigned lay = 0; lay < ARRAY_LEN(layouts); lay++)
        for (unsigned l = 0; l < ARRAY_LEN(langs); l++)
            for (unsigned ca = 0; ca < ARRAY_LEN(channels); ca++)
                for (unsigned cb = 0; cb < ARRAY_LEN(channels); cb++)
                    for (unsigned flags = 0; flags < 16; flags++)
                        for (unsigned pres = 0; pres < 1u << (2 * NSLOTS); pres++) {
                            memset(&st, 0, sizeof st);
                            st.mode = flags & 1u ? SIMUL : CONS;
                            st.sidebar = flags & 2u;
                            st.duck_cb = DUCK;
                            for (unsigned k = 0; k < NSLOTS; k++) {
                                struct tolk_route_participant *q = &st.p[layouts[lay][k]];
                                q->presence = (enum tolk_route_presence)(pres >> (2 * k) & 3u);
                                q->role = roles[k];
                                if (k < S_INTERP_A) {
                                    set_tag(q->lang, langs[l][k]);
                                    continue;
                                }
                                bool a = k == S_INTERP_A;
                                q->active = flags & (a ? 4u : 8u);
                                set_tag(q->lang, interp_langs[a ? 0 : 1]);
                                set_tag(q->channel, channels[a ? ca : cb]);
                            }
                            check_state(&st, &n);
                        }
    print_message("%lu states checked against the reference and the invariants: %lu "
                  "ETWOACTIVE, %lu routed (%lu routed pairs, %lu ducked)\n",
                  n.states, n.twoactive, n.states - n.twoactive, n.routed_pairs, n.ducked_pairs);
    assert_int_equal(n.states, 2ul * 3 * 9 * 16 * 1024);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenarios),  cmocka_unit_test(test_unterminated_tags),
        cmocka_unit_test(test_lang_match), cmocka_unit_test(test_channel),
        cmocka_unit_test(test_names),      cmocka_unit_test(test_every_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
