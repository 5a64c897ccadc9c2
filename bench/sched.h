/*
 * tolk-sched internals: a scheduling benchmark (see tolk-sched.c).
 *
 * sched-world.c builds a clinic network in memory and writes it to a new store through the
 * store API (accounts, clinician and interpreter profiles, clients, booked appointments), the
 * same calls the REST API makes, and draws the measured workload (a booking plan and the
 * appointments to ask suggestions for). Everything is drawn from one seeded generator, so the
 * same seed gives the same store (same ids) and the same plan: the in-process run and the
 * HTTPS run (bench/run-sched.sh) measure the same work.
 */
#ifndef TOLK_BENCH_SCHED_H
#define TOLK_BENCH_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "match.h"
#include "store.h"

struct sched_options {
    size_t clinicians, interpreters, clients, appointments;
    size_t bookings;    /* booking attempts measured */
    size_t suggestions; /* suggestion queries measured */
    size_t warmup;      /* suggestion queries before the measured ones */
    unsigned clash_pct; /* share of booking attempts aimed at an existing booking */
    unsigned weeks;     /* the appointments are spread over this many weeks */
    uint64_t seed;
    unsigned relief_pct; /* share of the store's interpreted sessions with a relief interpreter */
};

struct sched_clinician {
    int64_t id;
    struct tolk_clinician_profile p;
};

struct sched_interpreter {
    int64_t id;
    struct tolk_interpreter m; /* as matching sees it, without bookings */
};

struct sched_client {
    int64_t id;
    size_t clinician;             /* index of the client's clinician */
    struct tolk_match_request rq; /* the client's and the clinician's parts; no window */
    size_t n_compat;              /* interpreters who could ever serve them (languages, gender, */
    uint16_t *compat;             /* exclusions): indexes, availability not considered */
};

struct sched_appt {
    int64_t id;
    int64_t starts_at, ends_at;
    size_t client, clinician;
    long interpreter; /* index, or -1 for none */
    long relief;      /* the relief interpreter's index, or -1 for none */
};

/* The booked intervals of one clinician or interpreter, as the generator knows them. */
struct sched_busy {
    struct tolk_interval *iv;
    size_t n, cap;
};

/* One booking attempt of the plan. */
struct sched_booking {
    int64_t client_id, clinician_id, interpreter_id; /* interpreter 0: none */
    int64_t starts_at, ends_at;
    const char *mode;
    bool clash; /* aimed at an existing booking: to be refused; the others are free */
};

struct sched_world {
    struct tolk_store *st;
    const uint8_t *audit_key;
    int64_t admin_id;
    int64_t now;
    int64_t base_days; /* days since 1970 of the first Monday of the schedule */
    uint64_t rng;
    const struct sched_options *o;
    struct sched_clinician *clinicians;
    struct sched_interpreter *interpreters;
    struct sched_client *clients;
    struct sched_appt *appts;
    size_t n_appts;
    size_t n_relief; /* of them, with a relief interpreter */
    struct sched_busy *clinician_busy, *interpreter_busy;
    size_t refused; /* bookings the store refused that the generator thought free: 0 */
    size_t clashes_accepted, free_refused; /* of the plan, measured: 0 and 0 */
    struct sched_booking *plan;
    size_t n_plan;
    int64_t *queries; /* appointment ids, warmup + suggestions of them */
    size_t n_queries;
};

/* A number in [0, n) from the world's generator (n > 0). */
uint64_t sched_rand(struct sched_world *w, uint64_t n);

/*
 * Writes the population (o->clinicians, ...) into W->st, whose admin account W->admin_id and
 * audit key W->audit_key the caller has set up. Progress goes to stderr. 0, or -1 with the
 * reason on stderr.
 */
int sched_populate(struct sched_world *w, const char *password_hash);

/* Draws the booking plan and the suggestion queries (after sched_populate). 0 or -1. */
int sched_plan(struct sched_world *w);

/* Frees what the world holds (not the store). */
void sched_world_free(struct sched_world *w);

#endif
