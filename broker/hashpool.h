/*
 * A small pool of worker threads for the CPU work that must not run on tolkd's service thread:
 * Argon2id password hashes, 50-100 ms each (accounts.h). Pure pthreads: no libwebsockets, no
 * store, no logging. The pool runs what it is given and hands it back; it knows nothing of
 * passwords.
 *
 * The caller embeds a struct tolkd_hashpool_job in each job of its own and submits it. A
 * worker calls job->run(job); the finished job then waits in a completion queue until the
 * caller takes it back with tolkd_hashpool_drain(). After putting a job there the worker calls
 * the wake function, so that the caller's event loop knows to drain (tolkd passes
 * lws_cancel_service, the one libwebsockets call that is safe from another thread, and drains
 * in LWS_CALLBACK_EVENT_WAIT_CANCELLED). No callback runs caller code on a worker except run
 * and wake.
 *
 * Bounded: at most max_jobs jobs are in the pool at once, counting queued, running, and
 * finished but not yet drained; a submit beyond that fails at once instead of queueing, so the
 * memory the jobs hold stays bounded.
 *
 * Workers block every signal and, on Linux, run at nice 10 (a per-thread setting there), so
 * that the service thread, which relays live audio, wins the CPU when the two compete.
 *
 * Threads: submit, drain, set_wake, stop and free are called by one thread (the owner: tolkd's
 * service thread); run and wake are called on worker threads.
 */
#ifndef TOLKD_HASHPOOL_H
#define TOLKD_HASHPOOL_H

#include <stdbool.h>

enum tolkd_hashpool_status {
    TOLKD_HASHPOOL_OK = 0,
    TOLKD_HASHPOOL_FULL = -1,    /* max_jobs are in the pool: try again later */
    TOLKD_HASHPOOL_STOPPED = -2, /* tolkd_hashpool_stop has run */
};

/*
 * One job, embedded in the caller's own structure (which the pool never frees). From submit to
 * drain the pool owns the links; the caller sets run and reads ran.
 */
struct tolkd_hashpool_job {
    /* Called once on a worker thread. CPU work only: it may touch the job and nothing shared. */
    void (*run)(struct tolkd_hashpool_job *job);
    bool ran; /* set by the pool: false for a job that stop cancelled before it ran */
    struct tolkd_hashpool_job *next;
};

struct tolkd_hashpool;

/*
 * Starts THREADS workers (at least 1) for at most MAX_JOBS jobs at once (at least 1). 0, or -1
 * if a thread or memory cannot be had (then nothing is left running). Free with
 * tolkd_hashpool_free.
 */
int tolkd_hashpool_new(unsigned threads, unsigned max_jobs, struct tolkd_hashpool **out);

/*
 * Sets what a worker calls after each finished job: WAKE(ARG), on the worker thread; NULL for
 * nothing. Once this returns, the previous function is not running and is never called again,
 * so its ARG may go (tolkd clears it before destroying the lws context).
 */
void tolkd_hashpool_set_wake(struct tolkd_hashpool *p, void (*wake)(void *arg), void *arg);

/*
 * Queues JOB (job->run set; the caller keeps JOB alive until it comes back from drain). OK, or
 * FULL / STOPPED at once, and then the pool has not taken JOB.
 */
__attribute__((warn_unused_result)) int tolkd_hashpool_submit(struct tolkd_hashpool *p,
                                                              struct tolkd_hashpool_job *job);

/* Takes back the oldest finished job (its ran says whether run was called), or NULL if none. */
struct tolkd_hashpool_job *tolkd_hashpool_drain(struct tolkd_hashpool *p);

/* How many jobs are in the pool: queued, running, or finished and not yet drained. */
unsigned tolkd_hashpool_pending(struct tolkd_hashpool *p);

/*
 * Stops the pool: jobs still queued are moved to the completion queue without running (ran is
 * false), jobs running are waited for, and the workers are joined. Later submits fail with
 * STOPPED; drain still hands back every job. Calling it again does nothing.
 */
void tolkd_hashpool_stop(struct tolkd_hashpool *p);

/*
 * Stops the pool if it still runs and frees it. Every job must have been drained (the jobs are
 * the caller's memory: the pool cannot free them); a job left in it is a programmer error and
 * aborts. NULL is a no-op.
 */
void tolkd_hashpool_free(struct tolkd_hashpool *p);

#endif
