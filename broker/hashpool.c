/*
 * The worker pool of hashpool.h: one mutex over two intrusive FIFO lists (jobs waiting to run,
 * jobs finished and waiting to be drained), one condition variable for idle workers, and a
 * count of the jobs in the pool for the bound. Jobs are the caller's memory, so the pool never
 * allocates per job and a full pool refuses without touching the heap.
 */
#include "hashpool.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>

#define WORKER_NICE 10

struct job_list {
    struct tolkd_hashpool_job *head, *tail;
};

struct tolkd_hashpool {
    pthread_mutex_t lock;
    pthread_cond_t work; /* a job was queued, or the pool is stopping */
    struct job_list queued, done;
    unsigned pending, max_jobs;
    bool stopping; /* workers leave; no submit is taken */
    bool joined;   /* every worker has been joined */
    void (*wake)(void *arg);
    void *wake_arg;
    unsigned nthreads;
    pthread_t threads[];
};

static void list_push(struct job_list *l, struct tolkd_hashpool_job *job)
{
    job->next = NULL;
    if (l->tail != NULL)
        l->tail->next = job;
    else
        l->head = job;
    l->tail = job;
}

static struct tolkd_hashpool_job *list_pop(struct job_list *l)
{
    struct tolkd_hashpool_job *job = l->head;

    if (job != NULL) {
        l->head = job->next;
        if (l->head == NULL)
            l->tail = NULL;
        job->next = NULL;
    }
    return job;
}

/*
 * A worker: takes the oldest queued job, runs it without the lock, files it as done and wakes
 * the owner. The wake is called under the lock, so that tolkd_hashpool_set_wake (which takes
 * the lock) cannot return while a wake is under way.
 */
static void *worker(void *arg)
{
    struct tolkd_hashpool *p = arg;
    struct tolkd_hashpool_job *job;

#ifdef __linux__
    /* On Linux the nice value belongs to the calling thread, not the process. */
    (void)setpriority(PRIO_PROCESS, 0, WORKER_NICE);
#endif
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stopping && p->queued.head == NULL)
            pthread_cond_wait(&p->work, &p->lock);
        if (p->stopping)
            break;
        job = list_pop(&p->queued);
        pthread_mutex_unlock(&p->lock);
        job->run(job);
        pthread_mutex_lock(&p->lock);
        job->ran = true;
        list_push(&p->done, job);
        if (p->wake != NULL)
            p->wake(p->wake_arg);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Tells the workers to leave, cancels what is queued, and joins them. */
static void stop_workers(struct tolkd_hashpool *p)
{
    struct tolkd_hashpool_job *job;

    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    while ((job = list_pop(&p->queued)) != NULL) {
        job->ran = false;
        list_push(&p->done, job);
    }
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    p->joined = true;
}

int tolkd_hashpool_new(unsigned threads, unsigned max_jobs, struct tolkd_hashpool **out)
{
    struct tolkd_hashpool *p;
    sigset_t all, old;

    *out = NULL;
    if (threads == 0 || max_jobs == 0)
        return -1;
    p = calloc(1, sizeof(*p) + threads * sizeof(p->threads[0]));
    if (p == NULL)
        return -1;
    p->max_jobs = max_jobs;
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p);
        return -1;
    }
    if (pthread_cond_init(&p->work, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        free(p);
        return -1;
    }
    /* the workers inherit a mask that blocks every signal: signals are the service thread's */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    while (p->nthreads < threads && pthread_create(&p->threads[p->nthreads], NULL, worker, p) == 0)
        p->nthreads++;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (p->nthreads < threads) {
        tolkd_hashpool_free(p);
        return -1;
    }
    *out = p;
    return 0;
}

void tolkd_hashpool_set_wake(struct tolkd_hashpool *p, void (*wake)(void *arg), void *arg)
{
    pthread_mutex_lock(&p->lock);
    p->wake = wake;
    p->wake_arg = arg;
    pthread_mutex_unlock(&p->lock);
}

int tolkd_hashpool_submit(struct tolkd_hashpool *p, struct tolkd_hashpool_job *job)
{
    int rc = TOLKD_HASHPOOL_OK;

    if (job == NULL || job->run == NULL)
        abort(); /* the contract: a job with something to run */
    pthread_mutex_lock(&p->lock);
    if (p->stopping) {
        rc = TOLKD_HASHPOOL_STOPPED;
    } else if (p->pending >= p->max_jobs) {
        rc = TOLKD_HASHPOOL_FULL;
    } else {
        job->ran = false;
        list_push(&p->queued, job);
        p->pending++;
        pthread_cond_signal(&p->work);
    }
    pthread_mutex_unlock(&p->lock);
    return rc;
}

struct tolkd_hashpool_job *tolkd_hashpool_drain(struct tolkd_hashpool *p)
{
    struct tolkd_hashpool_job *job;

    pthread_mutex_lock(&p->lock);
    job = list_pop(&p->done);
    if (job != NULL)
        p->pending--;
    pthread_mutex_unlock(&p->lock);
    return job;
}

unsigned tolkd_hashpool_pending(struct tolkd_hashpool *p)
{
    unsigned n;

    pthread_mutex_lock(&p->lock);
    n = p->pending;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void tolkd_hashpool_stop(struct tolkd_hashpool *p)
{
    if (!p->joined)
        stop_workers(p);
}

void tolkd_hashpool_free(struct tolkd_hashpool *p)
{
    if (p == NULL)
        return;
    tolkd_hashpool_stop(p);
    if (p->done.head != NULL)
        abort(); /* jobs not drained: the caller would lose them (hashpool.h) */
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
