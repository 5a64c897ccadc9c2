/*
 * tolk-sched: how fast the store books appointments with their conflict checks, and how fast
 * tolkd answers GET /appointments/{id}/suggestions, at a realistic size (by default 10,000
 * booked appointments, 200 interpreters, 500 clinicians and 2,500 clients).
 *
 * It makes a new store and data key in a directory (a temporary one unless --dir), with an
 * admin account, fills it (sched-world.c) and then, in this process, on this thread:
 *   1. asks for the suggestions of --warmup + --suggestions appointments drawn at random, each
 *      through tolkd_suggest() (broker/suggest.c), the function the API handler calls: the
 *      store reads, the audited read of the client, and the matching; only the JSON is not
 *      made. The first --warmup are not counted;
 *   2. makes --bookings booking attempts through tolk_store_appointment_book(), which the API
 *      calls after its own checks: the conflict checks, the insert and the audit entry in one
 *      write transaction. --clash-pct of them are aimed at an existing session's clinician or
 *      interpreter and are refused; the others are new sessions at times when their clinician
 *      and interpreter are free, and are accepted.
 * and prints one JSON line on stdout with rates and latencies (p50/p99/max from bench/hist.c).
 *
 * With --plan FILE it only fills the store and writes the same work (the same seed draws the
 * same store and plan) as JSON to FILE (0600: it holds the admin's password), for
 * bench/sched-http.py to replay over HTTPS against tolkd on that store (bench/run-sched.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "accounts.h"
#include "datakey.h"
#include "hist.h"
#include "sched.h"
#include "secrets.h"
#include "suggest.h"

#define NS_PER_MS 1e6
#define ADMIN     "bench-admin"

static const char usage[] =
    "usage: tolk-sched [--clinicians N] [--interpreters N] [--clients N] [--appointments N]\n"
    "                  [--weeks N] [--suggestions N] [--warmup N] [--bookings N]\n"
    "                  [--clash-pct P] [--relief-pct P] [--seed S] [--dir DIR] [--keep]\n"
    "                  [--plan FILE]\n"
    "Fills a new store and measures suggestion queries and bookings in process (JSON on\n"
    "stdout); with --plan, only fills it and writes the work to FILE for bench/sched-http.py.\n"
    "--relief-pct: the share of the store's interpreted sessions that also get a relief\n"
    "interpreter (default 0).\n"
    "--dir: a directory without a tolk.db (default: a new temporary one, removed unless --keep).\n";

struct run {
    struct sched_options o;
    const char *dir, *plan;
    bool keep;
    char tmpdir[64], db[512], key[512];
    char password[33];
    struct tolkd_accounts *accounts;
    unsigned char *datakey;
    struct sched_world w;
};

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

/*
 * This thread's CPU time. On a shared machine, what a request costs whoever else runs; the
 * latency beyond it is time spent waiting for a CPU or for the disk.
 */
static uint64_t cpu_ns(void)
{
    return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

static int parse(int argc, char **argv, struct run *r)
{
    static const struct option opts[] = {
        {"clinicians", 1, NULL, 'c'}, {"interpreters", 1, NULL, 'i'},
        {"clients", 1, NULL, 'k'},    {"appointments", 1, NULL, 'a'},
        {"weeks", 1, NULL, 'W'},      {"suggestions", 1, NULL, 's'},
        {"warmup", 1, NULL, 'u'},     {"bookings", 1, NULL, 'b'},
        {"clash-pct", 1, NULL, 'p'},  {"seed", 1, NULL, 'S'},
        {"dir", 1, NULL, 'd'},        {"keep", 0, NULL, 'K'},
        {"plan", 1, NULL, 'P'},       {"help", 0, NULL, 'h'},
        {"relief-pct", 1, NULL, 'R'}, {NULL, 0, NULL, 0},
    };
    struct sched_options *o = &r->o;
    int c;

    *o = (struct sched_options){500, 200, 2500, 10000, 2000, 2000, 50, 25, 8, 1, 0};
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end = NULL;
        bool number = optarg != NULL && strchr("dP", c) == NULL;
        unsigned long long v = number ? strtoull(optarg, &end, 10) : 0;
        if (number && (*optarg == '\0' || *end != '\0' || v > 10000000)) {
            fprintf(stderr, "tolk-sched: %s is not a whole number (0 to 10000000)\n", optarg);
            return -1;
        }
        switch (c) {
        case 'c':
            o->clinicians = (size_t)v;
            break;
        case 'i':
            o->interpreters = (size_t)v;
            break;
        case 'k':
            o->clients = (size_t)v;
            break;
        case 'a':
            o->appointments = (size_t)v;
            break;
        case 'W':
            o->weeks = (unsigned)v;
            break;
        case 's':
            o->suggestions = (size_t)v;
            break;
        case 'u':
            o->warmup = (size_t)v;
            break;
        case 'b':
            o->bookings = (size_t)v;
            break;
        case 'p':
            o->clash_pct = (unsigned)v;
            break;
        case 'R':
            o->relief_pct = (unsigned)v;
            break;
        case 'S':
            o->seed = v;
            break;
        case 'd':
            r->dir = optarg;
            break;
        case 'K':
            r->keep = true;
            break;
        case 'P':
            r->plan = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            exit(0);
        default:
            fputs(usage, stderr);
            return -1;
        }
    }
    if (optind != argc || !o->clinicians || !o->interpreters || !o->clients || !o->weeks ||
        o->interpreters > UINT16_MAX || o->clash_pct > 100 || o->relief_pct > 100) {
        fputs(usage, stderr);
        return -1;
    }
    return 0;
}

/* ---- the store, its data key and the admin -------------------------------------------------- */

static int open_store(struct run *r)
{
    char err[256], hash[TOLK_PASSWORD_HASH_MAX];
    uint8_t raw[16];
    struct tolk_account admin;
    struct sched_world *w = &r->w;

    if (r->dir == NULL) {
        snprintf(r->tmpdir, sizeof(r->tmpdir), "/tmp/tolk-sched-XXXXXX");
        if (mkdtemp(r->tmpdir) == NULL) {
            perror("tolk-sched: mkdtemp");
            return -1;
        }
        r->dir = r->tmpdir;
    }
    snprintf(r->db, sizeof(r->db), "%s/tolk.db", r->dir);
    snprintf(r->key, sizeof(r->key), "%s/data.key", r->dir);
    if (access(r->db, F_OK) == 0) {
        fprintf(stderr, "tolk-sched: %s exists: give a directory without a store\n", r->db);
        return -1;
    }
    if (tolkd_secrets_init() != 0 || tolk_store_open(r->db, &w->st, err, sizeof(err)) != 0 ||
        tolkd_datakey_open(r->key, w->st, &r->datakey, err, sizeof(err)) != 0 ||
        tolkd_accounts_new(w->st, r->datakey, &r->accounts) != 0) {
        fprintf(stderr, "tolk-sched: cannot set up the store: %s\n", err);
        return -1;
    }
    w->audit_key = tolkd_accounts_audit_key(r->accounts);
    w->now = (int64_t)time(NULL);
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(r->password, sizeof(r->password), raw, sizeof(raw));
    if (tolkd_account_bootstrap(w->st, w->audit_key, ADMIN, r->password, strlen(r->password),
                                w->now, &admin) != TOLKD_ACCT_OK) {
        fprintf(stderr, "tolk-sched: cannot create the admin: %s\n", tolk_store_errmsg(w->st));
        return -1;
    }
    w->admin_id = admin.id;
    /* Everyone else shares one hash of a password nobody keeps: they never log in here. */
    randombytes_buf(raw, sizeof(raw));
    char other[33];
    sodium_bin2hex(other, sizeof(other), raw, sizeof(raw));
    if (tolkd_password_hash(other, strlen(other), hash) != 0)
        return -1;
    w->o = &r->o;
    w->rng = r->o.seed;
    w->base_days = tolk_tz_days_from_civil(2030, 3, 4); /* a Monday; Europe's DST starts on the
                                                           last Sunday of March, in the range */
    uint64_t t0 = now_ns();
    if (sched_populate(w, hash) != 0 || sched_plan(w) != 0)
        return -1;
    fprintf(stderr,
            "tolk-sched: %zu clinicians, %zu interpreters, %zu clients, %zu appointments in "
            "%.1f s (%zu refused as conflicts)\n",
            r->o.clinicians, r->o.interpreters, r->o.clients, w->n_appts,
            (double)(now_ns() - t0) / 1e9, w->refused);
    return 0;
}

static void remove_dir(struct run *r)
{
    static const char *const files[] = {"tolk.db", "tolk.db-wal", "tolk.db-shm", "data.key"};
    char path[600];

    if (r->keep || r->tmpdir[0] == '\0')
        return;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", r->tmpdir, files[i]);
        unlink(path);
    }
    rmdir(r->tmpdir);
}

/* ---- the plan for the HTTPS run ------------------------------------------------------------- */

static json_t *plan_json(const struct run *r)
{
    const struct sched_world *w = &r->w;
    json_t *q = json_array(), *b = json_array();

    for (size_t i = 0; i < w->n_queries; i++)
        json_array_append_new(q, json_integer(w->queries[i]));
    for (size_t i = 0; i < w->n_plan; i++) {
        const struct sched_booking *p = &w->plan[i];
        json_t *o =
            json_pack("{s:I, s:I, s:s, s:I, s:I}", "client_id", (json_int_t)p->client_id,
                      "clinician_id", (json_int_t)p->clinician_id, "mode", p->mode, "starts_at",
                      (json_int_t)p->starts_at, "ends_at", (json_int_t)p->ends_at);
        if (o != NULL && p->interpreter_id != 0)
            json_object_set_new(o, "interpreter_id", json_integer(p->interpreter_id));
        json_array_append_new(b, o);
    }
    return json_pack("{s:s, s:s, s:I, s:o, s:o}", "username", ADMIN, "password", r->password,
                     "warmup", (json_int_t)r->o.warmup, "suggestions", q, "bookings", b);
}

static int write_plan(const struct run *r)
{
    json_t *j = plan_json(r);
    FILE *f = NULL;
    int fd = open(r->plan, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int rc = -1;

    if (fd >= 0 && (f = fdopen(fd, "w")) != NULL)
        rc = j != NULL && json_dumpf(j, f, JSON_COMPACT) == 0 ? 0 : -1;
    else if (fd >= 0)
        close(fd);
    if (f != NULL && fclose(f) != 0)
        rc = -1;
    json_decref(j);
    if (rc != 0)
        fprintf(stderr, "tolk-sched: cannot write %s: %s\n", r->plan, strerror(errno));
    return rc;
}

/* ---- measurements --------------------------------------------------------------------------- */

static json_t *latency_json(const struct hist *h)
{
    return json_pack("{s:I, s:f, s:f, s:f}", "count", (json_int_t)hist_count(h), "p50_ms",
                     (double)hist_percentile(h, 50) / NS_PER_MS, "p99_ms",
                     (double)hist_percentile(h, 99) / NS_PER_MS, "max_ms",
                     (double)hist_max(h) / NS_PER_MS);
}

static json_t *suggestions(struct run *r)
{
    struct sched_world *w = &r->w;
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note note = {w->audit_key, actor, "client_read", "", "", w->now};
    struct hist *h = hist_new(), *hc = hist_new();
    uint64_t start = 0, cpu = 0, proposed = 0, rejected = 0;

    snprintf(actor, sizeof(actor), "account:%" PRId64, w->admin_id);
    for (size_t i = 0; h != NULL && hc != NULL && i < w->n_queries; i++) {
        if (i == r->o.warmup) {
            start = now_ns();
            cpu = cpu_ns();
        }
        uint64_t t0 = now_ns(), c0 = cpu_ns();
        struct tolkd_suggestions *s = tolkd_suggestions_new();
        int rc = s ? tolkd_suggest(w->st, w->queries[i], &note, s) : TOLKD_SUGGEST_UNAVAILABLE;
        if (rc == TOLKD_SUGGEST_OK && i >= r->o.warmup) {
            proposed += s->n_ranked;
            rejected += s->n_candidates - s->n_ranked;
        }
        tolkd_suggestions_free(s);
        if (rc != TOLKD_SUGGEST_OK) {
            fprintf(stderr, "tolk-sched: suggestions failed (%d): %s\n", rc,
                    tolk_store_errmsg(w->st));
            hist_free(h);
            hist_free(hc);
            return NULL;
        }
        if (i >= r->o.warmup) {
            hist_add(h, now_ns() - t0);
            hist_add(hc, cpu_ns() - c0);
        }
    }
    if (h == NULL || hc == NULL) {
        hist_free(h);
        hist_free(hc);
        return NULL;
    }
    double secs = (double)(now_ns() - start) / 1e9, n = (double)hist_count(h);
    double cpu_ms = (double)(cpu_ns() - cpu) / NS_PER_MS;
    json_t *j = json_pack("{s:f, s:f, s:f, s:f, s:I, s:o, s:o}", "per_s", n / secs,
                          "cpu_ms_per_request", n > 0 ? cpu_ms / n : 0.0, "mean_proposed",
                          n > 0 ? (double)proposed / n : 0.0, "mean_rejected",
                          n > 0 ? (double)rejected / n : 0.0, "warmup", (json_int_t)r->o.warmup,
                          "latency", latency_json(h), "cpu_latency", latency_json(hc));
    hist_free(h);
    hist_free(hc);
    return j;
}

static int book_one(struct sched_world *w, size_t i, struct tolk_audit_note *note)
{
    const struct sched_booking *p = &w->plan[i];
    struct tolk_appointment a = {.starts_at = p->starts_at, .ends_at = p->ends_at};

    snprintf(a.ref, sizeof(a.ref), "plan-%zu", i + 1);
    snprintf(a.mode, sizeof(a.mode), "%s", p->mode);
    a.client_id = p->client_id;
    a.clinician_id = p->clinician_id;
    a.interpreter_id = p->interpreter_id;
    return tolk_store_appointment_book(w->st, &a, note);
}

static json_t *bookings(struct run *r)
{
    struct sched_world *w = &r->w;
    char actor[TOLK_STORE_REF_MAX];
    struct tolk_audit_note note = {w->audit_key, actor, "appointment_booked", "", "", w->now};
    struct hist *all = hist_new(), *ok = hist_new(), *refused = hist_new(), *cpus = hist_new();
    size_t by_clinician = 0, by_interpreter = 0, clash_ok = 0, free_refused = 0;
    uint64_t start = now_ns(), cpu = cpu_ns();
    json_t *j = NULL;

    snprintf(actor, sizeof(actor), "account:%" PRId64, w->admin_id);
    for (size_t i = 0; all && ok && refused && cpus && i < w->n_plan; i++) {
        uint64_t t0 = now_ns(), c0 = cpu_ns();
        int rc = book_one(w, i, &note);
        uint64_t dt = now_ns() - t0;
        hist_add(cpus, cpu_ns() - c0);
        hist_add(all, dt);
        if (rc == TOLK_STORE_OK) {
            hist_add(ok, dt);
            clash_ok += w->plan[i].clash;
        } else if (rc == TOLK_STORE_ECONSTRAINT) {
            hist_add(refused, dt);
            free_refused += !w->plan[i].clash;
            by_clinician += strstr(tolk_store_errmsg(w->st), "the clinician has") != NULL;
            by_interpreter += strstr(tolk_store_errmsg(w->st), "the interpreter has") != NULL;
        } else {
            fprintf(stderr, "tolk-sched: booking failed: %s\n", tolk_store_errmsg(w->st));
            goto out;
        }
    }
    if (all && ok && refused && cpus) {
        double secs = (double)(now_ns() - start) / 1e9, n = (double)hist_count(all);
        double cpu_ms = (double)(cpu_ns() - cpu) / NS_PER_MS;
        j = json_pack("{s:f, s:f, s:I, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:I}", "per_s", n / secs,
                      "cpu_ms_per_request", n > 0 ? cpu_ms / n : 0.0, "attempts",
                      (json_int_t)hist_count(all), "all", latency_json(all), "cpu_latency",
                      latency_json(cpus), "accepted", latency_json(ok), "refused",
                      latency_json(refused), "refused_clinician", (json_int_t)by_clinician,
                      "refused_interpreter", (json_int_t)by_interpreter, "clashes_accepted",
                      (json_int_t)clash_ok, "free_refused", (json_int_t)free_refused);
    }
    w->clashes_accepted = clash_ok;
    w->free_refused = free_refused;
out:
    hist_free(all);
    hist_free(ok);
    hist_free(refused);
    hist_free(cpus);
    return j;
}

static int measure(struct run *r)
{
    json_t *s = suggestions(r), *b = s ? bookings(r) : NULL, *out;
    const struct sched_options *o = &r->o;

    if (s == NULL || b == NULL) {
        json_decref(s);
        json_decref(b);
        return -1;
    }
    out = json_pack("{s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:o, s:o}", "store", "clinicians",
                    (json_int_t)o->clinicians, "interpreters", (json_int_t)o->interpreters,
                    "clients", (json_int_t)o->clients, "appointments", (json_int_t)r->w.n_appts,
                    "with_relief", (json_int_t)r->w.n_relief, "weeks", (json_int_t)o->weeks, "seed",
                    (json_int_t)o->seed, "suggest", s, "book", b);
    if (out == NULL || json_dumpf(out, stdout, JSON_COMPACT) != 0)
        return -1;
    putchar('\n');
    json_decref(out);
    /* The plan knows which attempts clash: the store must have refused exactly those. */
    if (r->w.clashes_accepted != 0 || r->w.free_refused != 0) {
        fprintf(stderr,
                "tolk-sched: the store accepted %zu clashing bookings and refused %zu free "
                "ones\n",
                r->w.clashes_accepted, r->w.free_refused);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct run r = {0};
    int rc = parse(argc, argv, &r) != 0 ? 2 : 0;

    if (rc == 0)
        rc = open_store(&r) != 0 ? 1 : 0;
    if (rc == 0)
        rc = (r.plan ? write_plan(&r) : measure(&r)) != 0 ? 1 : 0;
    sched_world_free(&r.w);
    tolkd_accounts_free(r.accounts);
    tolkd_datakey_free(r.datakey);
    tolk_store_close(r.w.st);
    sodium_memzero(r.password, sizeof(r.password));
    remove_dir(&r);
    return rc;
}
