/*
 * Which interpreters could take an appointment, best first, and why the others could not: the
 * request for tolk_match_suggest (interp/match.h) assembled from the store, and its answer.
 *
 * GET /appointments/{id}/suggestions (api_suggestions.c) turns the answer into JSON; the
 * scheduling benchmark (bench/tolk-sched.c) calls the same function, so what it measures is
 * what the API runs. Nothing here knows about HTTP or JSON.
 *
 * Threads: as the store (store.h): one thread at a time per store handle.
 */
#ifndef TOLKD_SUGGEST_H
#define TOLKD_SUGGEST_H

#include <stddef.h>
#include <stdint.h>

#include "match.h"
#include "store.h"

#define TOLKD_SUGGEST_CANDIDATES_MAX 256 /* interpreters considered; more are left out */

enum tolkd_suggest_status {
    TOLKD_SUGGEST_OK = 0,
    TOLKD_SUGGEST_NOT_FOUND = -1,    /* no such appointment */
    TOLKD_SUGGEST_NO_CLINICIAN = -2, /* the clinician has no profile (languages) yet */
    TOLKD_SUGGEST_UNAVAILABLE = -3,  /* the store failed (tolk_store_errmsg says how) */
};

/*
 * The answer. The arrays are TOLKD_SUGGEST_CANDIDATES_MAX long and owned by the struct;
 * candidates, codes and reasons are indexed alike, ranked[i].index points into them.
 */
struct tolkd_suggestions {
    struct tolk_appointment appointment;
    struct tolk_match_request request;
    size_t n_candidates;
    struct tolk_interpreter *candidates;
    char (*codes)[TOLK_INTERPRETER_CODE_MAX];
    enum tolk_match_reason *reasons; /* TOLK_MATCH_OK for the proposed, else why not */
    size_t n_ranked;
    struct tolk_suggestion *ranked; /* best first */
};

/* A zeroed answer with its arrays, or NULL when out of memory. Free with tolkd_suggestions_free. */
struct tolkd_suggestions *tolkd_suggestions_new(void);

/* Wipes (the request holds a client's languages and exclusions) and frees. NULL is a no-op. */
void tolkd_suggestions_free(struct tolkd_suggestions *s);

/*
 * Fills *OUT (from tolkd_suggestions_new; anything it held is replaced) for appointment ID.
 *
 * The request comes from the stored records: the client's languages, gender preference,
 * exclusions and wish for the same interpreter (the one of their most recent earlier booked
 * appointment), the clinician's languages, and as candidates every interpreter profile (up to
 * TOLKD_SUGGEST_CANDIDATES_MAX, in id order) with its weekly hours, exceptions and the booked
 * appointments that overlap this one (the appointment itself not counted). Reading the client
 * is a full read, so it writes NOTE's entry (action "client_read"; the store sets the subject).
 *
 * Returns TOLKD_SUGGEST_OK or a negative tolkd_suggest_status; *out is only meaningful on OK.
 */
int tolkd_suggest(struct tolk_store *st, int64_t id, const struct tolk_audit_note *note,
                  struct tolkd_suggestions *out);

#endif
