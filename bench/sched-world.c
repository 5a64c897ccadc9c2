/*
 * The population and the workload of tolk-sched (sched.h): a network of clinics in four
 * countries, interpreters for the languages refugees and migrants in them speak, clients with
 * their languages and wishes, and weeks of booked sessions, all written through the store API.
 *
 * What is realistic about it: clinicians work office hours in their own zone (Amsterdam,
 * Berlin, Stockholm, London) and speak its language, half of them English too; interpreters
 * live in those countries or work remotely from Kabul, Istanbul, Kyiv or Nairobi, with one to
 * three language pairs (a source language from the pool below, weighted roughly by demand,
 * with the clinic's language or English), weekly hours in their own zone (full-time, part-time,
 * evenings, mornings), a few days of leave, and a gender; clients speak one or two languages
 * (some requiring their dialect), may prefer a gender or the same interpreter again, and a few
 * have excluded an interpreter. Every session is with the client's own clinician in the
 * clinician's hours, at a time the clinician is free; most have an interpreter who speaks the
 * languages, works at that hour and is free (the generator keeps everyone's bookings, as a desk
 * sees a calendar; the store's own conflict check is then expected to refuse none of them).
 * With --relief-pct, that share of the interpreted sessions also gets a relief interpreter, drawn
 * the same way among those still free (none by default, which keeps the default store as it
 * was before relief interpreters existed: the generator draws nothing for them).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"

#define MIN_PER_DAY     1440
#define INTERPRETED_PCT 85 /* sessions that get an interpreter when one is free */

struct clinic {
    const char *zone, *lang;
    unsigned weight;
};

static const struct clinic clinics[] = {
    {"Europe/Amsterdam", "nl", 35},
    {"Europe/Berlin", "de", 30},
    {"Europe/Stockholm", "sv", 20},
    {"Europe/London", "en", 15},
};

/* A language clients speak. HOME and SHIFT: where remote interpreters of it work, and how many
 * hours later their working day is set so that it covers European office hours. */
struct source {
    const char *tag, *primary, *related, *home;
    unsigned weight;
    int shift;
};

static const struct source sources[] = {
    {"prs-AF", "prs", "ps", "Asia/Kabul", 14, 3},
    {"ps", "ps", "prs-AF", "Asia/Kabul", 6, 3},
    {"fa-IR", "fa", "prs-AF", "Europe/Istanbul", 7, 2},
    {"ar-SY", "ar", "ar-IQ", "Europe/Istanbul", 16, 2},
    {"ar-IQ", "ar", "ckb", "Europe/Istanbul", 6, 2},
    {"ckb", "ckb", "ar-IQ", "Europe/Istanbul", 3, 2},
    {"kmr", "kmr", "tr", "Europe/Istanbul", 3, 2},
    {"tr", "tr", "kmr", "Europe/Istanbul", 4, 2},
    {"ti", "ti", "am", "Africa/Nairobi", 9, 2},
    {"am", "am", "ti", "Africa/Nairobi", 3, 2},
    {"so", "so", NULL, "Africa/Nairobi", 8, 2},
    {"uk", "uk", "ru", "Europe/Kyiv", 14, 1},
    {"ru", "ru", "uk", "Europe/Kyiv", 7, 1},
};

#define N_CLINICS (sizeof(clinics) / sizeof(clinics[0]))
#define N_SOURCES (sizeof(sources) / sizeof(sources[0]))

uint64_t sched_rand(struct sched_world *w, uint64_t n)
{
    /* splitmix64: small, fast, and the same sequence everywhere for one seed */
    uint64_t z = (w->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (z ^ (z >> 31)) % n;
}

static bool chance(struct sched_world *w, unsigned pct)
{
    return sched_rand(w, 100) < pct;
}

static const struct clinic *pick_clinic(struct sched_world *w)
{
    uint64_t r = sched_rand(w, 100);
    for (size_t i = 0; i < N_CLINICS; i++) {
        if (r < clinics[i].weight)
            return &clinics[i];
        r -= clinics[i].weight;
    }
    return &clinics[0];
}

static const struct source *pick_source(struct sched_world *w)
{
    unsigned total = 0;
    for (size_t i = 0; i < N_SOURCES; i++)
        total += sources[i].weight;
    uint64_t r = sched_rand(w, total);
    for (size_t i = 0; i < N_SOURCES; i++) {
        if (r < sources[i].weight)
            return &sources[i];
        r -= sources[i].weight;
    }
    return &sources[0];
}

static const struct source *source_named(const char *tag)
{
    for (size_t i = 0; tag != NULL && i < N_SOURCES; i++)
        if (strcmp(sources[i].tag, tag) == 0)
            return &sources[i];
    return NULL;
}

static struct tolk_audit_note note(struct sched_world *w, char actor[TOLK_STORE_REF_MAX],
                                   const char *action, const char *detail)
{
    snprintf(actor, TOLK_STORE_REF_MAX, "account:%" PRId64, w->admin_id);
    return (struct tolk_audit_note){w->audit_key, actor, action, "", detail, w->now};
}

static int store_fail(struct sched_world *w, const char *what, int rc)
{
    fprintf(stderr, "tolk-sched: %s: %s (%s)\n", what, tolk_store_errmsg(w->st),
            tolk_store_status_name(rc));
    return -1;
}

static int account(struct sched_world *w, const char *username, enum tolk_account_role role,
                   const char *hash, int64_t *id)
{
    char actor[TOLK_STORE_REF_MAX], detail[32];
    struct tolk_account a = {.role = role, .created_at = w->now};
    struct tolk_audit_note n;
    int rc;

    snprintf(detail, sizeof(detail), "role=%s", tolk_account_role_name(role));
    n = note(w, actor, "account_created", detail);
    snprintf(a.username, sizeof(a.username), "%s", username);
    snprintf(a.password_hash, sizeof(a.password_hash), "%s", hash);
    rc = tolk_store_account_create(w->st, &a, &n);
    if (rc != TOLK_STORE_OK)
        return store_fail(w, "account_create", rc);
    *id = a.id;
    return 0;
}

/* ---- slots ---------------------------------------------------------------------------------- */

static size_t add_slot(struct tolk_store_slot *s, size_t n, int day, int start, int end)
{
    if (start < 0)
        start = 0;
    if (end > MIN_PER_DAY)
        end = MIN_PER_DAY;
    s[n] = (struct tolk_store_slot){day, start, end};
    return n + 1;
}

/* Three different weekdays from Monday to Friday. */
static void three_days(struct sched_world *w, int days[3])
{
    int all[5] = {0, 1, 2, 3, 4};
    for (int i = 0; i < 3; i++) {
        int j = i + (int)sched_rand(w, (uint64_t)(5 - i));
        int t = all[i];
        all[i] = all[j];
        all[j] = t;
        days[i] = all[i];
    }
}

/* An interpreter's week in their own zone, SHIFT hours later for those working remotely. */
static size_t interpreter_slots(struct sched_world *w, struct tolk_store_slot *s, int shift)
{
    uint64_t r = sched_rand(w, 100);
    int h = shift * 60, days[3];
    size_t n = 0;

    if (r < 45) { /* full-time, lunch break */
        for (int d = 0; d < 5; d++) {
            n = add_slot(s, n, d, 510 + h, 750 + h);
            n = add_slot(s, n, d, 780 + h, 1050 + h);
        }
    } else if (r < 75) { /* part-time, three days */
        three_days(w, days);
        for (int i = 0; i < 3; i++)
            n = add_slot(s, n, days[i], 540 + h, 900 + h);
    } else if (r < 85) { /* evenings and Saturday morning */
        for (int d = 0; d < 4; d++)
            n = add_slot(s, n, d, 900 + h, 1260 + h);
        n = add_slot(s, n, 5, 600 + h, 840 + h);
    } else { /* mornings */
        for (int d = 0; d < 5; d++)
            n = add_slot(s, n, d, 450 + h, 720 + h);
    }
    return n;
}

static size_t clinician_hours(struct sched_world *w, struct tolk_store_slot *s)
{
    uint64_t r = sched_rand(w, 100);
    int days[3];
    size_t n = 0;

    if (r < 60) {
        for (int d = 0; d < 5; d++)
            n = add_slot(s, n, d, 540, 1020);
    } else if (r < 80) {
        for (int d = 0; d < 4; d++)
            n = add_slot(s, n, d, 480, 960);
    } else {
        three_days(w, days);
        for (int i = 0; i < 3; i++)
            n = add_slot(s, n, days[i], 540, 900);
    }
    return n;
}

/* ---- interpreters -----------------------------------------------------------------------------
 */

/* The tag an interpreter gives: a quarter give only the primary language ("ar" for "ar-SY"). */
static const char *interpreter_tag(struct sched_world *w, const struct source *s)
{
    return strcmp(s->tag, s->primary) != 0 && chance(w, 25) ? s->primary : s->tag;
}

static size_t add_pair(struct tolk_interpreter_profile *p, const char *a, const char *b)
{
    for (size_t i = 0; i < p->n_pairs; i++)
        if (strcmp(p->pairs[i].a, a) == 0 && strcmp(p->pairs[i].b, b) == 0)
            return p->n_pairs;
    snprintf(p->pairs[p->n_pairs].a, sizeof(p->pairs[0].a), "%s", a);
    snprintf(p->pairs[p->n_pairs].b, sizeof(p->pairs[0].b), "%s", b);
    return ++p->n_pairs;
}

static void interpreter_profile(struct sched_world *w, size_t i, struct tolk_interpreter_profile *p)
{
    static const char genders[] = "ffffffffffmmmmmmmmx";
    const struct source *s = pick_source(w), *rel = source_named(s->related);
    const char *target;
    int shift = 0;

    if (chance(w, 75)) {
        const struct clinic *c = pick_clinic(w);
        snprintf(p->zone, sizeof(p->zone), "%s", c->zone);
        target = c->lang;
    } else {
        static const char *const remote[] = {"en", "en", "de", "nl", "nl", "sv"};
        snprintf(p->zone, sizeof(p->zone), "%s", s->home);
        target = remote[sched_rand(w, 6)];
        shift = s->shift;
    }
    snprintf(p->code, sizeof(p->code), "INT-%04u", (unsigned)(i + 1) % 100000000u);
    p->gender = chance(w, 5) ? 0 : genders[sched_rand(w, sizeof(genders) - 1)];
    p->created_at = w->now;
    add_pair(p, interpreter_tag(w, s), target);
    if (rel != NULL && chance(w, 45))
        add_pair(p, interpreter_tag(w, rel), target);
    if (strcmp(target, "en") != 0 && chance(w, 20))
        add_pair(p, interpreter_tag(w, s), "en");
    p->n_slots = interpreter_slots(w, p->slots, shift);
}

/* Up to three leaves of one to ten days, at the schedule's times. */
static int interpreter_leave(struct sched_world *w, struct sched_interpreter *in)
{
    static const unsigned count[10] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 3};
    unsigned n = count[sched_rand(w, 10)];
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note nt = note(w, actor, "interpreter_exception_added", "");

    for (unsigned k = 0; k < n; k++) {
        int64_t day = w->base_days + (int64_t)sched_rand(w, w->o->weeks * 7u);
        struct tolk_store_exception e = {0, day * 86400,
                                         (day + 1 + (int64_t)sched_rand(w, 10)) * 86400};
        int rc = tolk_store_interpreter_exception_add(w->st, in->id, &e, w->now, &nt);
        if (rc != TOLK_STORE_OK)
            return store_fail(w, "interpreter_exception_add", rc);
        in->m.exceptions[in->m.n_exceptions++] = (struct tolk_interval){e.starts_at, e.ends_at};
    }
    return 0;
}

static void to_match(const struct tolk_interpreter_profile *p, struct tolk_interpreter *m)
{
    memset(m, 0, sizeof(*m));
    m->id = p->id;
    m->gender = p->gender;
    snprintf(m->tz, sizeof(m->tz), "%s", p->zone);
    for (size_t i = 0; i < p->n_pairs; i++, m->n_pairs++) {
        snprintf(m->pairs[i].a, sizeof(m->pairs[i].a), "%s", p->pairs[i].a);
        snprintf(m->pairs[i].b, sizeof(m->pairs[i].b), "%s", p->pairs[i].b);
    }
    for (size_t i = 0; i < p->n_slots; i++, m->n_slots++)
        m->slots[i] = (struct tolk_weekly_slot){p->slots[i].day, p->slots[i].start_minute,
                                                p->slots[i].end_minute};
}

static int interpreters(struct sched_world *w, const char *hash)
{
    char actor[TOLK_STORE_REF_MAX], name[48];
    struct tolk_audit_note nt = note(w, actor, "interpreter_created", "");
    struct tolk_interpreter_profile *p = calloc(1, sizeof(*p));
    int rc = p == NULL ? -1 : 0;

    for (size_t i = 0; rc == 0 && i < w->o->interpreters; i++) {
        struct sched_interpreter *in = &w->interpreters[i];
        snprintf(name, sizeof(name), "int-%04zu", i + 1);
        rc = account(w, name, TOLK_ROLE_INTERPRETER, hash, &in->id);
        if (rc != 0)
            break;
        memset(p, 0, sizeof(*p));
        p->id = in->id;
        interpreter_profile(w, i, p);
        int src = tolk_store_interpreter_create(w->st, p, &nt);
        if (src != TOLK_STORE_OK)
            rc = store_fail(w, "interpreter_create", src);
        to_match(p, &in->m);
        if (rc == 0)
            rc = interpreter_leave(w, in);
    }
    free(p);
    return rc;
}

/* ---- clinicians and clients ----------------------------------------------------------------- */

static int clinicians(struct sched_world *w, const char *hash)
{
    char actor[TOLK_STORE_REF_MAX], name[48];
    struct tolk_audit_note nt = note(w, actor, "clinician_created", "");

    for (size_t i = 0; i < w->o->clinicians; i++) {
        struct sched_clinician *c = &w->clinicians[i];
        const struct clinic *k = pick_clinic(w);
        snprintf(name, sizeof(name), "clin-%04zu", i + 1);
        if (account(w, name, TOLK_ROLE_CLINICIAN, hash, &c->id) != 0)
            return -1;
        c->p.id = c->id;
        c->p.created_at = w->now;
        snprintf(c->p.zone, sizeof(c->p.zone), "%s", k->zone);
        snprintf(c->p.languages[c->p.n_languages++], sizeof(c->p.languages[0]), "%s", k->lang);
        if (strcmp(k->lang, "en") != 0 && chance(w, 50))
            snprintf(c->p.languages[c->p.n_languages++], sizeof(c->p.languages[0]), "en");
        c->p.n_hours = clinician_hours(w, c->p.hours);
        int rc = tolk_store_clinician_create(w->st, &c->p, &nt);
        if (rc != TOLK_STORE_OK)
            return store_fail(w, "clinician_create", rc);
    }
    return 0;
}

/* Whether interpreter M could ever serve request RQ (whatever the hour). */
static bool compatible(const struct tolk_match_request *rq, const struct tolk_interpreter *m)
{
    switch (tolk_match_explain(rq, m)) {
    case TOLK_MATCH_OK:
    case TOLK_MATCH_UNAVAILABLE:
    case TOLK_MATCH_BOOKED:
        return true;
    default:
        return false;
    }
}

/* One or two interpreters who speak the client's first language, excluded by the client. */
static int exclusions(struct sched_world *w, struct sched_client *cl)
{
    char actor[TOLK_STORE_REF_MAX], detail[64];
    unsigned want = 1 + (unsigned)sched_rand(w, 2);
    size_t start = (size_t)sched_rand(w, w->o->interpreters);

    for (size_t k = 0; k < w->o->interpreters && cl->rq.n_excluded < want; k++) {
        const struct sched_interpreter *in = &w->interpreters[(start + k) % w->o->interpreters];
        if (!compatible(&cl->rq, &in->m))
            continue;
        struct tolk_client_exclusion e = {
            in->id, chance(w, 70) ? TOLK_EXCLUDE_CLIENT : TOLK_EXCLUDE_NEVER_AGAIN, w->admin_id,
            w->now};
        snprintf(detail, sizeof(detail), "interpreter=%" PRId64 ",reason=%s", in->id,
                 e.reason == TOLK_EXCLUDE_CLIENT ? "client" : "never_again");
        struct tolk_audit_note nt = note(w, actor, "client_exclusion_added", detail);
        int rc = tolk_store_client_exclusion_add(w->st, cl->id, &e, &nt);
        if (rc != TOLK_STORE_OK)
            return store_fail(w, "client_exclusion_add", rc);
        cl->rq.excluded[cl->rq.n_excluded++] = in->id;
    }
    return 0;
}

static void client_record(struct sched_world *w, size_t i, struct tolk_client *c)
{
    const struct source *s = pick_source(w), *rel = source_named(s->related);

    memset(c, 0, sizeof(*c));
    snprintf(c->alias, sizeof(c->alias), "C-%05zu", i + 1);
    c->created_at = w->now;
    snprintf(c->languages[0].tag, sizeof(c->languages[0].tag), "%s", s->tag);
    c->languages[0].dialect_required = strcmp(s->tag, s->primary) != 0 && chance(w, 20);
    c->n_languages = 1;
    if (rel != NULL && chance(w, 25))
        snprintf(c->languages[c->n_languages++].tag, sizeof(c->languages[0].tag), "%s", rel->tag);
    c->gender_preference = chance(w, 30) ? (chance(w, 83) ? 'f' : 'm') : 0;
    c->prefer_same_interpreter = chance(w, 50);
    if (chance(w, 10))
        snprintf(c->support_person_alias, sizeof(c->support_person_alias), "S-%05zu", i + 1);
}

static void client_request(const struct tolk_client *c, const struct sched_clinician *k,
                           struct tolk_match_request *rq)
{
    memset(rq, 0, sizeof(*rq));
    for (size_t i = 0; i < c->n_languages; i++, rq->n_client_langs++) {
        snprintf(rq->client_langs[i].tag, sizeof(rq->client_langs[i].tag), "%s",
                 c->languages[i].tag);
        rq->client_langs[i].dialect_required = c->languages[i].dialect_required != 0;
    }
    for (size_t i = 0; i < k->p.n_languages; i++, rq->n_clinician_langs++)
        snprintf(rq->clinician_langs[i], sizeof(rq->clinician_langs[i]), "%s", k->p.languages[i]);
    rq->gender_pref = c->gender_preference;
    rq->prefer_same = c->prefer_same_interpreter != 0;
    rq->window = (struct tolk_interval){0, 3600}; /* any valid window, for explain */
}

static int clients(struct sched_world *w)
{
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note nt = note(w, actor, "client_created", "");
    struct tolk_client *c = calloc(1, sizeof(*c));
    int rc = c == NULL ? -1 : 0;

    for (size_t i = 0; rc == 0 && i < w->o->clients; i++) {
        struct sched_client *cl = &w->clients[i];
        client_record(w, i, c);
        cl->clinician = (size_t)sched_rand(w, w->o->clinicians);
        int src = tolk_store_client_create(w->st, c, &nt);
        if (src != TOLK_STORE_OK) {
            rc = store_fail(w, "client_create", src);
            break;
        }
        cl->id = c->id;
        client_request(c, &w->clinicians[cl->clinician], &cl->rq);
        if (chance(w, 5))
            rc = exclusions(w, cl);
        cl->compat = calloc(w->o->interpreters, sizeof(*cl->compat));
        if (cl->compat == NULL)
            rc = -1;
        for (size_t k = 0; rc == 0 && k < w->o->interpreters; k++)
            if (compatible(&cl->rq, &w->interpreters[k].m))
                cl->compat[cl->n_compat++] = (uint16_t)k;
    }
    free(c);
    return rc;
}

/* ---- sessions ------------------------------------------------------------------------------- */

static bool busy_at(const struct sched_busy *b, int64_t start, int64_t end)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->iv[i].start < end && b->iv[i].end > start)
            return true;
    return false;
}

static int busy_add(struct sched_busy *b, int64_t start, int64_t end)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 16;
        struct tolk_interval *iv = realloc(b->iv, cap * sizeof(*iv));
        if (iv == NULL)
            return -1;
        b->iv = iv;
        b->cap = cap;
    }
    b->iv[b->n++] = (struct tolk_interval){start, end};
    return 0;
}

/*
 * A session of client CL with their clinician, in the clinician's hours and at a time the
 * clinician is free (as a desk looking at the calendar would choose it): *A's times. -1 if
 * none was found.
 */
static int draw_time(struct sched_world *w, const struct sched_client *cl, struct sched_appt *a)
{
    static const int durations[] = {60, 60, 60, 60, 60, 60, 60, 60, 60, 60,
                                    60, 60, 60, 60, 45, 45, 45, 90, 90, 90};
    const struct tolk_clinician_profile *p = &w->clinicians[cl->clinician].p;
    int dur = durations[sched_rand(w, sizeof(durations) / sizeof(durations[0]))], y, m, d;

    for (int tries = 0; tries < 500; tries++) {
        int64_t day = (int64_t)sched_rand(w, w->o->weeks * 7u);
        const struct tolk_store_slot *s = &p->hours[sched_rand(w, p->n_hours)];
        if (s->day != (int)(day % 7) || s->end_minute - s->start_minute < dur)
            continue;
        int steps = (s->end_minute - s->start_minute - dur) / 15 + 1;
        int minute = s->start_minute + 15 * (int)sched_rand(w, (uint64_t)steps);
        tolk_tz_civil_from_days(w->base_days + day, &y, &m, &d);
        if (tolk_tz_to_utc(p->zone, y, m, d, minute, &a->starts_at) != 0)
            return -1;
        a->ends_at = a->starts_at + dur * 60;
        a->clinician = cl->clinician;
        if (!busy_at(&w->clinician_busy[a->clinician], a->starts_at, a->ends_at))
            return 0;
    }
    return -1;
}

/* An interpreter of CL who works during A and is free then, or -1. */
static long draw_interpreter(struct sched_world *w, const struct sched_client *cl,
                             const struct sched_appt *a)
{
    struct tolk_match_request rq = cl->rq;
    size_t start = cl->n_compat ? (size_t)sched_rand(w, cl->n_compat) : 0;

    rq.window = (struct tolk_interval){a->starts_at, a->ends_at};
    for (size_t k = 0; k < cl->n_compat; k++) {
        size_t i = cl->compat[(start + k) % cl->n_compat];
        if (tolk_match_explain(&rq, &w->interpreters[i].m) == TOLK_MATCH_OK &&
            !busy_at(&w->interpreter_busy[i], a->starts_at, a->ends_at))
            return (long)i;
    }
    return -1;
}

static const char *draw_mode(struct sched_world *w)
{
    return chance(w, 10) ? "simultaneous" : "consecutive";
}

/*
 * A new session of a random client, free for everyone in it, noted as busy; RELIEF_PCT of those
 * with an interpreter get a relief interpreter too (drawn after the interpreter is noted busy,
 * so never the same one). -1 if none.
 */
static int draw_session(struct sched_world *w, struct sched_appt *a, unsigned relief_pct)
{
    for (int tries = 0; tries < 100; tries++) {
        *a = (struct sched_appt){
            .client = (size_t)sched_rand(w, w->o->clients), .interpreter = -1, .relief = -1};
        if (draw_time(w, &w->clients[a->client], a) != 0)
            continue;
        if (chance(w, INTERPRETED_PCT))
            a->interpreter = draw_interpreter(w, &w->clients[a->client], a);
        if (busy_add(&w->clinician_busy[a->clinician], a->starts_at, a->ends_at) != 0 ||
            (a->interpreter >= 0 &&
             busy_add(&w->interpreter_busy[a->interpreter], a->starts_at, a->ends_at) != 0))
            return -1;
        if (relief_pct > 0 && a->interpreter >= 0 && chance(w, relief_pct))
            a->relief = draw_interpreter(w, &w->clients[a->client], a);
        if (a->relief >= 0 &&
            busy_add(&w->interpreter_busy[a->relief], a->starts_at, a->ends_at) != 0)
            return -1;
        return 0;
    }
    return -1;
}

/* Books A through the store, as the API does after its checks. */
static int book(struct sched_world *w, struct sched_appt *a, const char *mode)
{
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note nt = note(w, actor, "appointment_booked", "");
    struct tolk_appointment t = {.starts_at = a->starts_at, .ends_at = a->ends_at};
    int rc;

    snprintf(t.ref, sizeof(t.ref), "bench-%zu", w->n_appts + w->refused + 1);
    t.client_id = w->clients[a->client].id;
    t.clinician_id = w->clinicians[a->clinician].id;
    t.interpreter_id = a->interpreter >= 0 ? w->interpreters[a->interpreter].id : 0;
    t.relief_interpreter_id = a->relief >= 0 ? w->interpreters[a->relief].id : 0;
    snprintf(t.mode, sizeof(t.mode), "%s", mode);
    rc = tolk_store_appointment_book(w->st, &t, &nt);
    if (rc == TOLK_STORE_ECONSTRAINT) {
        w->refused++;
        return 0;
    }
    if (rc != TOLK_STORE_OK)
        return store_fail(w, "appointment_book", rc);
    a->id = t.id;
    w->n_appts++;
    w->n_relief += a->relief >= 0;
    return 0;
}

static int sessions(struct sched_world *w)
{
    while (w->n_appts < w->o->appointments) {
        size_t before = w->n_appts;
        if (draw_session(w, &w->appts[w->n_appts], w->o->relief_pct) != 0 ||
            book(w, &w->appts[w->n_appts], draw_mode(w)) != 0)
            return -1;
        if (w->n_appts > before && w->n_appts % 1000 == 0)
            fprintf(stderr, "tolk-sched: %zu appointments\n", w->n_appts);
        if (w->refused > 100) {
            fprintf(stderr, "tolk-sched: the store refuses sessions drawn free\n");
            return -1;
        }
    }
    return 0;
}

int sched_populate(struct sched_world *w, const char *password_hash)
{
    const struct sched_options *o = w->o;

    w->clinicians = calloc(o->clinicians, sizeof(*w->clinicians));
    w->interpreters = calloc(o->interpreters, sizeof(*w->interpreters));
    w->clients = calloc(o->clients, sizeof(*w->clients));
    w->appts = calloc(o->appointments + 1, sizeof(*w->appts));
    w->clinician_busy = calloc(o->clinicians, sizeof(*w->clinician_busy));
    w->interpreter_busy = calloc(o->interpreters, sizeof(*w->interpreter_busy));
    if (!w->clinicians || !w->interpreters || !w->clients || !w->appts || !w->clinician_busy ||
        !w->interpreter_busy) {
        fprintf(stderr, "tolk-sched: out of memory\n");
        return -1;
    }
    if (interpreters(w, password_hash) != 0 || clinicians(w, password_hash) != 0 ||
        clients(w) != 0 || sessions(w) != 0)
        return -1;
    return 0;
}

/* ---- the measured workload ---------------------------------------------------------------- */

/* A booking aimed at an existing session: its clinician, or its interpreter from elsewhere. */
static void clash(struct sched_world *w, struct sched_booking *b)
{
    const struct sched_appt *e = &w->appts[sched_rand(w, w->n_appts)];
    int64_t start = e->starts_at - 900 + 900 * (int64_t)sched_rand(w, 3);

    *b = (struct sched_booking){w->clients[e->client].id,
                                w->clinicians[e->clinician].id,
                                0,
                                start,
                                start + 3600,
                                draw_mode(w),
                                true};
    if (e->interpreter >= 0 && chance(w, 50)) {
        const struct sched_client *other = &w->clients[sched_rand(w, w->o->clients)];
        b->client_id = other->id;
        b->clinician_id = w->clinicians[other->clinician].id;
        b->interpreter_id = w->interpreters[e->interpreter].id;
    }
}

int sched_plan(struct sched_world *w)
{
    const struct sched_options *o = w->o;

    w->plan = calloc(o->bookings + 1, sizeof(*w->plan));
    w->queries = calloc(o->warmup + o->suggestions + 1, sizeof(*w->queries));
    if (w->plan == NULL || w->queries == NULL || w->n_appts == 0)
        return -1;
    for (size_t i = 0; i < o->warmup + o->suggestions; i++)
        w->queries[w->n_queries++] = w->appts[sched_rand(w, w->n_appts)].id;
    for (size_t i = 0; i < o->bookings; i++, w->n_plan++) {
        struct sched_appt a;
        struct sched_booking *b = &w->plan[i];
        if (chance(w, o->clash_pct)) {
            clash(w, b);
            continue;
        }
        if (draw_session(w, &a, 0) != 0)
            return -1;
        *b = (struct sched_booking){w->clients[a.client].id,
                                    w->clinicians[a.clinician].id,
                                    a.interpreter >= 0 ? w->interpreters[a.interpreter].id : 0,
                                    a.starts_at,
                                    a.ends_at,
                                    draw_mode(w),
                                    false};
    }
    return 0;
}

void sched_world_free(struct sched_world *w)
{
    for (size_t i = 0; w->clients != NULL && i < w->o->clients; i++)
        free(w->clients[i].compat);
    for (size_t i = 0; w->clinician_busy != NULL && i < w->o->clinicians; i++)
        free(w->clinician_busy[i].iv);
    for (size_t i = 0; w->interpreter_busy != NULL && i < w->o->interpreters; i++)
        free(w->interpreter_busy[i].iv);
    free(w->clinician_busy);
    free(w->interpreter_busy);
    free(w->clinicians);
    free(w->interpreters);
    free(w->clients);
    free(w->appts);
    free(w->plan);
    free(w->queries);
}
