/*
 * Interpreter matching: which interpreters to propose for an appointment, best first, and why
 * a given interpreter was not proposed.
 *
 * Pure: no allocation, no globals of its own, no I/O except through tz.h (reading a zone file
 * the first time a thread meets it). The caller fills fixed-size structs (from the store) and
 * owns all memory. Any thread may call any function here (tz.h keeps its cache per thread).
 *
 * Who is proposed (all must hold; the first that fails is what tolk_match_explain() says):
 *   1. not excluded: the id is not in the request's exclusions (the client's own list plus
 *      every "never again" a clinician recorded) -- TOLK_MATCH_EXCLUDED;
 *   2. gender: when the client prefers a gender, the interpreter has exactly that gender
 *      (unknown does not match) -- TOLK_MATCH_GENDER;
 *   3. language: one of the interpreter's pairs has, on one side, the primary language of one
 *      of the client's languages and, on the other, that of one of the clinician's (pairs work
 *      both ways) -- TOLK_MATCH_LANGUAGE; if the client's only such languages are marked
 *      dialect_required and no pair has the client's region and variants -- TOLK_MATCH_DIALECT;
 *   4. availability: the whole window lies inside the union of the interpreter's weekly slots
 *      (local wall times in the interpreter's zone, each day's occurrence converted with
 *      tolk_tz_to_utc, so DST days are right), and no exception overlaps it --
 *      TOLK_MATCH_UNAVAILABLE;
 *   5. no booking overlaps the window -- TOLK_MATCH_BOOKED.
 * All ranges are half-open [start, end) UTC seconds: a booking ending at 10:00 does not
 * overlap a window starting at 10:00, and slots that touch join.
 *
 * Ranking of the proposed (a total order, so results are deterministic):
 *   1. continuity: the client asked for "the same interpreter as last time" (prefer_same) and
 *      this is the interpreter of the client's most recent appointment (last_with_client);
 *   2. exact language: the interpreter speaks one of the client's languages with every region
 *      and variant the client gave ("ar-SY" for "ar-SY"; any "fa" for "fa"), before those who
 *      speak only the same primary language ("ar-IQ" for "ar-SY");
 *   3. the client's order of preference of the language matched (first listed first);
 *   4. lowest interpreter id, then lowest index in the candidate array.
 * Bookings are not a tie-breaker: a proposed interpreter has none overlapping the window, and
 * the caller passes no others, so there is nothing meaningful to compare.
 * For each language the interpreter's best pair counts (exact before primary-only, then the
 * client's order). Scripts are ignored: interpreting is spoken ("sr-Latn" matches "sr-Cyrl").
 */
#ifndef TOLK_MATCH_H
#define TOLK_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tz.h"

#define TOLK_LANG_TAG_MAX       35          /* characters in a language tag, without the NUL */
#define TOLK_LANG_TAG_SIZE      36          /* a buffer for one tag */
#define TOLK_MATCH_MAX_PAIRS    16          /* language pairs per interpreter */
#define TOLK_MATCH_MAX_SLOTS    32          /* weekly availability slots per interpreter */
#define TOLK_MATCH_MAX_EXCEPT   32          /* unavailability ranges per interpreter */
#define TOLK_MATCH_MAX_BOOKINGS 64          /* bookings per interpreter overlapping the window */
#define TOLK_MATCH_MAX_LANGS    4           /* client's, and clinician's, languages */
#define TOLK_MATCH_MAX_EXCLUDED 64          /* excluded interpreter ids per request */
#define TOLK_MATCH_MAX_WINDOW   (24 * 3600) /* longest appointment window, seconds */

/* ---- BCP 47 language tags ----------------------------------------------------------------- */

/*
 * What tolk_lang_check() found. The accepted form is RFC 5646's well-formed
 * language[-script][-region][-variant]*, case-insensitive, at most TOLK_LANG_TAG_MAX
 * characters: a 2-8 letter language, a 4-letter script, a 2-letter or 3-digit region, and
 * distinct variants of 5-8 letters/digits or a digit and 3 letters/digits. Extended language
 * subtags, extensions, private use and grandfathered tags are refused: a client record needs
 * none of them, and refusing keeps matching simple. Whether a subtag is in the IANA registry
 * is not checked (no registry is shipped).
 */
enum tolk_lang_status {
    TOLK_LANG_OK = 0,
    TOLK_LANG_EMPTY,        /* NULL or "" */
    TOLK_LANG_TOO_LONG,     /* more than TOLK_LANG_TAG_MAX characters */
    TOLK_LANG_BAD_CHAR,     /* a character other than A-Z, a-z, 0-9 and '-' */
    TOLK_LANG_EMPTY_SUBTAG, /* "en--US", "-en", "en-" */
    TOLK_LANG_BAD_LANGUAGE, /* the first subtag is not 2-8 letters */
    TOLK_LANG_EXTLANG,      /* "zh-yue": use the extended subtag alone ("yue") */
    TOLK_LANG_BAD_SUBTAG,   /* a subtag of the wrong length or in the wrong place */
    TOLK_LANG_DUP_VARIANT,  /* the same variant twice */
    TOLK_LANG_EXTENSION,    /* "-u-...", "-t-...": extensions are not accepted */
    TOLK_LANG_PRIVATE_USE,  /* "x-..." or "-x-...": private use is not accepted */
};

/* Classifies `tag` (NULL allowed). Pure; any thread. */
enum tolk_lang_status tolk_lang_check(const char *tag);

/* 1 if tolk_lang_check(tag) is TOLK_LANG_OK, else 0. */
int tolk_lang_valid(const char *tag);

/* A short English reason for staff, e.g. "empty subtag (two hyphens, or one at an end)".
 * A static string; never NULL (an unknown value gives "unknown"). */
const char *tolk_lang_status_str(enum tolk_lang_status st);

/*
 * Writes the canonical casing of `tag` to out (cap bytes, TOLK_LANG_TAG_SIZE always enough):
 * language and variants lower case, script title case, region upper case ("SR-latn-rs" ->
 * "sr-Latn-RS"). Returns 0, or -1 if the tag is not valid or does not fit (out is then "" when
 * cap > 0). Subtags are not mapped to preferred values ("iw" stays "iw").
 */
int tolk_lang_canonical(const char *tag, char *out, size_t cap);

enum tolk_lang_match {
    TOLK_LANG_MATCH_NONE = 0,     /* different primary languages, or either tag invalid */
    TOLK_LANG_MATCH_LANGUAGE = 1, /* same primary language; a wanted region or variant differs */
    TOLK_LANG_MATCH_EXACT = 2,    /* same primary language and every region/variant wanted */
};

/* How well an interpreter's tag `have` serves a client's tag `want` (scripts ignored). */
enum tolk_lang_match tolk_lang_match(const char *want, const char *have);

/* ---- what the caller fills in ------------------------------------------------------------- */

struct tolk_interval {
    int64_t start; /* UTC seconds, included */
    int64_t end;   /* UTC seconds, excluded; end > start */
};

/* A weekly slot in the interpreter's zone. "Mon 22:00-Tue 02:00" is two slots: Mon 1320-1440
 * and Tue 0-120; slots that touch join. */
struct tolk_weekly_slot {
    int weekday;      /* 0 = Monday .. 6 = Sunday */
    int start_minute; /* 0..1439, local wall time */
    int end_minute;   /* start_minute+1..1440; 1440 = midnight at the end of the day */
};

struct tolk_lang_pair {
    char a[TOLK_LANG_TAG_SIZE]; /* BCP 47; the pair works both ways */
    char b[TOLK_LANG_TAG_SIZE];
};

/* One candidate, as the store has it. An invalid field (zone, slot, gender, count over its
 * limit) makes the interpreter TOLK_MATCH_BAD_DATA; an invalid tag just never matches. */
struct tolk_interpreter {
    int64_t id;
    char gender;                   /* 'f', 'm', 'x', or 0 for unknown */
    bool last_with_client;         /* interpreted the client's most recent appointment */
    char tz[TOLK_TZ_NAME_MAX + 1]; /* IANA zone of the weekly slots, e.g. "Europe/Berlin" */
    size_t n_pairs, n_slots, n_exceptions, n_bookings;
    struct tolk_lang_pair pairs[TOLK_MATCH_MAX_PAIRS];
    struct tolk_weekly_slot slots[TOLK_MATCH_MAX_SLOTS];
    struct tolk_interval exceptions[TOLK_MATCH_MAX_EXCEPT]; /* unavailable (leave, sickness) */
    struct tolk_interval bookings[TOLK_MATCH_MAX_BOOKINGS]; /* those overlapping the window */
};

struct tolk_client_lang {
    char tag[TOLK_LANG_TAG_SIZE]; /* BCP 47, e.g. "ar-SY" */
    bool dialect_required;        /* the region/variants must match, not just be preferred */
};

/* One appointment's needs. Invalid contents make every interpreter TOLK_MATCH_BAD_REQUEST. */
struct tolk_match_request {
    struct tolk_interval window; /* 0 < length <= TOLK_MATCH_MAX_WINDOW */
    size_t n_client_langs;       /* 1..TOLK_MATCH_MAX_LANGS, in the client's preference order */
    struct tolk_client_lang client_langs[TOLK_MATCH_MAX_LANGS];
    size_t n_clinician_langs; /* 1..TOLK_MATCH_MAX_LANGS */
    char clinician_langs[TOLK_MATCH_MAX_LANGS][TOLK_LANG_TAG_SIZE];
    char gender_pref;  /* 0 = none, or 'f', 'm', 'x' */
    size_t n_excluded; /* 0..TOLK_MATCH_MAX_EXCLUDED */
    int64_t excluded[TOLK_MATCH_MAX_EXCLUDED];
    bool prefer_same; /* "the same interpreter as last time" when possible */
};

/* ---- results ------------------------------------------------------------------------------ */

enum tolk_match_reason {
    TOLK_MATCH_OK = 0,      /* would be proposed */
    TOLK_MATCH_EXCLUDED,    /* "excluded" */
    TOLK_MATCH_GENDER,      /* "gender" */
    TOLK_MATCH_LANGUAGE,    /* "language" */
    TOLK_MATCH_DIALECT,     /* "dialect": right language, but the client requires a dialect */
    TOLK_MATCH_UNAVAILABLE, /* "not available": outside weekly hours, or an exception */
    TOLK_MATCH_BOOKED,      /* "booked" */
    TOLK_MATCH_BAD_DATA,    /* "invalid interpreter data" */
    TOLK_MATCH_BAD_REQUEST, /* "invalid request" */
};

/* One proposal. score = 100 * continuity + 10 * exact + (TOLK_MATCH_MAX_LANGS - lang_rank):
 * higher is better, and sorting by it (then id, then index) is the ranking above. */
struct tolk_suggestion {
    int64_t id;
    size_t index;       /* of the interpreter in the candidate array */
    unsigned score;     /* 1..114 */
    bool continuity;    /* rule 1 */
    bool exact;         /* rule 2: every region/variant the client gave matches */
    unsigned lang_rank; /* rule 3: index into the request's client_langs */
    unsigned pair;      /* index into the interpreter's pairs of the pair used */
    const char *reason; /* static: "continuity", "dialect" (exact, and the client gave a
                           region or variant) or "language" */
};

/*
 * Proposes interpreters for `rq` among cands[0..n): writes the best min(cap, eligible) to out,
 * best first, and returns how many it wrote (0 also for an invalid request). rq and cands are
 * only read; out is the caller's (NULL allowed when cap is 0). Allocates nothing.
 */
size_t tolk_match_suggest(const struct tolk_match_request *rq, const struct tolk_interpreter *cands,
                          size_t n, struct tolk_suggestion *out, size_t cap);

/*
 * Why `cand` is or is not proposed for `rq`: TOLK_MATCH_OK, or the first failed rule in the
 * order listed at the top of this file. For staff choosing an interpreter by hand.
 */
enum tolk_match_reason tolk_match_explain(const struct tolk_match_request *rq,
                                          const struct tolk_interpreter *cand);

/* The stable short name of a reason ("ok", "excluded", "gender", "language", "dialect",
 * "not available", "booked", "invalid interpreter data", "invalid request"); static, never
 * NULL ("unknown" for a value outside the enum). */
const char *tolk_match_reason_str(enum tolk_match_reason r);

#endif
