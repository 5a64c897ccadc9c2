/*
 * Unit tests for the hash pool (broker/hashpool.h): jobs run on worker threads and come back
 * through drain, oldest first; the bound counts queued, running and undrained jobs; stop
 * cancels what is queued and waits for what runs; the wake function is called once per
 * finished job and never after it was cleared. The jobs here are cheap or wait on a gate the
 * test opens, so that every state is reached on purpose rather than by timing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "hashpool.h"

#define WAIT_S 10 /* generous: the sanitizer build on a busy machine */

/* What the jobs and the wake function share with the test. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool gate_open;
    unsigned started, wakes, order;
} shared = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0, 0, 0};

struct test_job {
    struct tolkd_hashpool_job job; /* first */
    bool gated;
    pthread_t thread;
    unsigned value, result, ran_as; /* ran_as: the order in which jobs ran */
};

static void run(struct tolkd_hashpool_job *job)
{
    struct test_job *t = (struct test_job *)(void *)job;

    pthread_mutex_lock(&shared.lock);
    shared.started++;
    t->ran_as = ++shared.order;
    pthread_cond_broadcast(&shared.changed);
    while (t->gated && !shared.gate_open)
        pthread_cond_wait(&shared.changed, &shared.lock);
    pthread_mutex_unlock(&shared.lock);
    t->thread = pthread_self();
    t->result = t->value * t->value;
}

static void wake(void *arg)
{
    unsigned *calls = arg;

    pthread_mutex_lock(&shared.lock);
    shared.wakes++;
    (*calls)++;
    pthread_cond_broadcast(&shared.changed);
    pthread_mutex_unlock(&shared.lock);
}

static void reset(void)
{
    pthread_mutex_lock(&shared.lock);
    shared.gate_open = false;
    shared.started = shared.wakes = shared.order = 0;
    pthread_mutex_unlock(&shared.lock);
}

static void open_gate(void)
{
    pthread_mutex_lock(&shared.lock);
    shared.gate_open = true;
    pthread_cond_broadcast(&shared.changed);
    pthread_mutex_unlock(&shared.lock);
}

/* Waits until *COUNTER (one of shared's) reaches N; fails the test after WAIT_S. */
static void wait_for(const unsigned *counter, unsigned n)
{
    struct timespec deadline;
    int rc = 0;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += WAIT_S;
    pthread_mutex_lock(&shared.lock);
    while (*counter < n && rc == 0)
        rc = pthread_cond_timedwait(&shared.changed, &shared.lock, &deadline);
    pthread_mutex_unlock(&shared.lock);
    assert_int_equal(rc, 0);
}

static void init_job(struct test_job *t, unsigned value, bool gated)
{
    memset(t, 0, sizeof(*t));
    t->job.run = run;
    t->value = value;
    t->gated = gated;
}

static void test_jobs_run_on_workers(void **state)
{
    struct tolkd_hashpool *p;
    struct test_job jobs[8];
    unsigned calls = 0;
    pthread_t self = pthread_self();

    (void)state;
    reset();
    assert_int_equal(tolkd_hashpool_new(2, 8, &p), 0);
    tolkd_hashpool_set_wake(p, wake, &calls);
    for (unsigned i = 0; i < 8; i++) {
        init_job(&jobs[i], i + 1, false);
        assert_int_equal(tolkd_hashpool_submit(p, &jobs[i].job), TOLKD_HASHPOOL_OK);
    }
    wait_for(&shared.wakes, 8);
    assert_int_equal(tolkd_hashpool_pending(p), 8);
    for (unsigned i = 0; i < 8; i++) {
        struct test_job *t = (struct test_job *)(void *)tolkd_hashpool_drain(p);
        assert_non_null(t);
        assert_true(t->job.ran);
        assert_int_equal(t->result, t->value * t->value);
        assert_false(pthread_equal(t->thread, self));
    }
    assert_null(tolkd_hashpool_drain(p));
    assert_int_equal(tolkd_hashpool_pending(p), 0);
    assert_int_equal(calls, 8);
    tolkd_hashpool_free(p);
}

static void test_one_worker_keeps_order(void **state)
{
    struct tolkd_hashpool *p;
    struct test_job jobs[5];
    unsigned calls = 0;

    (void)state;
    reset();
    assert_int_equal(tolkd_hashpool_new(1, 5, &p), 0);
    tolkd_hashpool_set_wake(p, wake, &calls);
    for (unsigned i = 0; i < 5; i++) {
        init_job(&jobs[i], i, false);
        assert_int_equal(tolkd_hashpool_submit(p, &jobs[i].job), TOLKD_HASHPOOL_OK);
    }
    wait_for(&shared.wakes, 5);
    for (unsigned i = 0; i < 5; i++) {
        struct test_job *t = (struct test_job *)(void *)tolkd_hashpool_drain(p);
        assert_ptr_equal(t, &jobs[i]);
        assert_int_equal(t->ran_as, i + 1);
    }
    tolkd_hashpool_free(p);
}

/* The bound counts running jobs, queued jobs and finished jobs that were not drained yet. */
static void test_bound(void **state)
{
    struct tolkd_hashpool *p;
    struct test_job jobs[4], extra;
    unsigned calls = 0;

    (void)state;
    reset();
    assert_int_equal(tolkd_hashpool_new(2, 3, &p), 0);
    tolkd_hashpool_set_wake(p, wake, &calls);
    for (unsigned i = 0; i < 3; i++) {
        init_job(&jobs[i], i, true);
        assert_int_equal(tolkd_hashpool_submit(p, &jobs[i].job), TOLKD_HASHPOOL_OK);
    }
    wait_for(&shared.started, 2); /* two running, one queued */
    init_job(&jobs[3], 3, false);
    assert_int_equal(tolkd_hashpool_submit(p, &jobs[3].job), TOLKD_HASHPOOL_FULL);
    assert_int_equal(tolkd_hashpool_pending(p), 3);
    open_gate();
    wait_for(&shared.wakes, 3);
    /* all three finished, none drained: still full */
    assert_int_equal(tolkd_hashpool_submit(p, &jobs[3].job), TOLKD_HASHPOOL_FULL);
    assert_non_null(tolkd_hashpool_drain(p));
    assert_int_equal(tolkd_hashpool_submit(p, &jobs[3].job), TOLKD_HASHPOOL_OK);
    init_job(&extra, 9, false);
    assert_int_equal(tolkd_hashpool_submit(p, &extra.job), TOLKD_HASHPOOL_FULL);
    wait_for(&shared.wakes, 4);
    for (unsigned i = 0; i < 3; i++)
        assert_non_null(tolkd_hashpool_drain(p));
    assert_null(tolkd_hashpool_drain(p));
    assert_int_equal(tolkd_hashpool_pending(p), 0);
    tolkd_hashpool_free(p);
}

/*
 * Opens the gate once stop has begun: a submit to the full pool (FULL until then) says STOPPED.
 * Submit is meant for the owner's thread; it takes the pool's lock, so a test may probe with it.
 */
static void *open_gate_when_stopping(void *arg)
{
    struct tolkd_hashpool *p = arg;
    struct test_job probe;
    struct timespec pause = {0, 1000 * 1000};

    init_job(&probe, 0, false);
    while (tolkd_hashpool_submit(p, &probe.job) == TOLKD_HASHPOOL_FULL)
        nanosleep(&pause, NULL);
    open_gate();
    return NULL;
}

/* Stop drops what is queued (ran false), waits for the running job and joins the workers. */
static void test_stop_cancels_queued_and_waits(void **state)
{
    struct tolkd_hashpool *p;
    struct test_job running, queued[2], late;
    struct tolkd_hashpool_job *j;
    unsigned calls = 0;
    pthread_t opener;

    (void)state;
    reset();
    assert_int_equal(tolkd_hashpool_new(1, 3, &p), 0);
    tolkd_hashpool_set_wake(p, wake, &calls);
    init_job(&running, 1, true);
    assert_int_equal(tolkd_hashpool_submit(p, &running.job), TOLKD_HASHPOOL_OK);
    wait_for(&shared.started, 1);
    for (unsigned i = 0; i < 2; i++) {
        init_job(&queued[i], 2 + i, false);
        assert_int_equal(tolkd_hashpool_submit(p, &queued[i].job), TOLKD_HASHPOOL_OK);
    }
    assert_int_equal(pthread_create(&opener, NULL, open_gate_when_stopping, p), 0);
    tolkd_hashpool_stop(p); /* returns only once the running job is done */
    assert_int_equal(running.result, 1);
    assert_int_equal(pthread_join(opener, NULL), 0);
    tolkd_hashpool_stop(p); /* again: nothing */
    init_job(&late, 5, false);
    assert_int_equal(tolkd_hashpool_submit(p, &late.job), TOLKD_HASHPOOL_STOPPED);
    assert_int_equal(tolkd_hashpool_pending(p), 3);
    /* the cancelled ones were filed first, then the running one as it finished */
    j = tolkd_hashpool_drain(p);
    assert_ptr_equal(j, &queued[0].job);
    assert_false(j->ran);
    j = tolkd_hashpool_drain(p);
    assert_ptr_equal(j, &queued[1].job);
    assert_false(j->ran);
    j = tolkd_hashpool_drain(p);
    assert_ptr_equal(j, &running.job);
    assert_true(j->ran);
    assert_null(tolkd_hashpool_drain(p));
    assert_int_equal(queued[0].result + queued[1].result, 0);
    assert_int_equal(calls, 1);
    tolkd_hashpool_free(p);
}

/* Once set_wake(NULL) returns, finished jobs wake nobody; they still come back. */
static void test_cleared_wake_is_not_called(void **state)
{
    struct tolkd_hashpool *p;
    struct test_job t;
    struct tolkd_hashpool_job *j = NULL;
    unsigned calls = 0;
    struct timespec pause = {0, 1000 * 1000};

    (void)state;
    reset();
    assert_int_equal(tolkd_hashpool_new(2, 2, &p), 0);
    tolkd_hashpool_set_wake(p, wake, &calls);
    tolkd_hashpool_set_wake(p, NULL, NULL);
    init_job(&t, 7, false);
    assert_int_equal(tolkd_hashpool_submit(p, &t.job), TOLKD_HASHPOOL_OK);
    for (int i = 0; i < WAIT_S * 1000 && j == NULL; i++) {
        j = tolkd_hashpool_drain(p);
        if (j == NULL)
            nanosleep(&pause, NULL);
    }
    assert_ptr_equal(j, &t.job);
    assert_int_equal(t.result, 49);
    assert_int_equal(calls, 0);
    tolkd_hashpool_free(p);
}

/* Free stops a pool with nothing in it; free(NULL) does nothing; bad sizes are refused. */
static void test_new_and_free(void **state)
{
    struct tolkd_hashpool *p = NULL;

    (void)state;
    assert_int_equal(tolkd_hashpool_new(0, 1, &p), -1);
    assert_null(p);
    assert_int_equal(tolkd_hashpool_new(1, 0, &p), -1);
    assert_null(p);
    assert_int_equal(tolkd_hashpool_new(3, 1, &p), 0);
    assert_int_equal(tolkd_hashpool_pending(p), 0);
    tolkd_hashpool_free(p);
    tolkd_hashpool_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobs_run_on_workers),
        cmocka_unit_test(test_one_worker_keeps_order),
        cmocka_unit_test(test_bound),
        cmocka_unit_test(test_stop_cancels_queued_and_waits),
        cmocka_unit_test(test_cleared_wake_is_not_called),
        cmocka_unit_test(test_new_and_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
