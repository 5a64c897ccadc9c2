/*
 * Deferred requests of the REST API (api.h, "Deferred answers"; struct api_job in
 * api_internal.h): the hash pool, the tickets the transport knows them by, and their second
 * phase on the service thread.
 *
 * Why an abandoned request is safe: the API holds nothing of the transport's (no connection, no
 * buffer, only copies); the transport knows its request by a ticket, and tolkd_api_abandon only
 * marks the job, so that its answer is dropped when it comes. A job is freed only by its own
 * finish, after the pool has handed it back, so a worker never sees freed memory; and finish
 * runs for every job exactly once, so a login that was checked is always counted.
 */
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "api_internal.h"
#include "secrets.h"

#define JOB_OF(w) ((struct api_job *)(void *)((char *)(w)-offsetof(struct api_job, work)))

int api_jobs_start(struct tolkd_api *api)
{
    return tolkd_hashpool_new(TOLKD_API_HASH_THREADS, TOLKD_API_HASH_JOBS_MAX, &api->pool);
}

void tolkd_api_set_wake(struct tolkd_api *api, void (*wake)(void *arg), void *arg)
{
    tolkd_hashpool_set_wake(api->pool, wake, arg);
}

static void unlink_job(struct tolkd_api *api, const struct api_job *job)
{
    for (struct api_job **p = &api->jobs; *p != NULL; p = &(*p)->next) {
        if (*p == job) {
            *p = job->next;
            return;
        }
    }
}

/*
 * Phase 2 of JOB at NOW into *resp, and the request's log line; JOB is freed. False when the
 * answer is not wanted (then *resp is empty).
 */
static bool finish_job(struct tolkd_api *api, struct api_job *job, int64_t now,
                       struct tolkd_api_response *resp)
{
    struct tolkd_principal who = job->who; /* finish frees the job: the log line needs this */
    bool abandoned = job->abandoned;
    struct api_call c = {.api = api,
                         .now = now,
                         .who = job->has_who ? &who : NULL,
                         .resp = resp,
                         .route = job->route,
                         .started_us = job->started_us};

    memset(resp, 0, sizeof(*resp));
    unlink_job(api, job);
    job->finish(job, &c);
    if (resp->status == 0)
        api_fail(&c, TOLKD_API_INTERNAL, NULL, NULL);
    api_log_request(&c, c.route->method, abandoned);
    tolkd_wipe(&who, sizeof(who));
    if (abandoned)
        tolkd_api_response_clear(resp);
    return !abandoned;
}

void api_defer(struct api_call *c, struct api_job *job)
{
    struct tolkd_api *api = c->api;
    struct tolkd_api_response dropped;

    job->route = c->route;
    job->started_us = c->started_us;
    job->has_who = c->who != NULL;
    if (c->who != NULL)
        job->who = *c->who;
    job->abandoned = false;
    job->ticket = ++api->last_ticket;
    job->next = NULL;
    if (tolkd_hashpool_submit(api->pool, &job->work) != TOLKD_HASHPOOL_OK) {
        struct api_call never = {.api = api, .now = c->now, .who = c->who, .resp = &dropped};
        memset(&dropped, 0, sizeof(dropped));
        job->work.ran = false;
        job->finish(job, &never);
        tolkd_api_response_clear(&dropped);
        api_fail_busy(c);
        return;
    }
    job->next = api->jobs;
    api->jobs = job;
    c->job = job;
}

int tolkd_api_next_answer(struct tolkd_api *api, int64_t now, uint64_t *ticket,
                          struct tolkd_api_response *resp)
{
    struct tolkd_hashpool_job *w;

    while ((w = tolkd_hashpool_drain(api->pool)) != NULL) {
        struct api_job *job = JOB_OF(w);
        uint64_t t = job->ticket;

        if (finish_job(api, job, now, resp)) {
            *ticket = t;
            return 1;
        }
    }
    memset(resp, 0, sizeof(*resp));
    return 0;
}

void tolkd_api_abandon(struct tolkd_api *api, uint64_t ticket)
{
    for (struct api_job *job = api->jobs; job != NULL; job = job->next)
        if (job->ticket == ticket)
            job->abandoned = true;
}

/*
 * At shutdown: hashes not yet started are dropped, running ones are waited for, and every job
 * is finished without an answer (the logins that were checked are counted, in the store that is
 * still open).
 */
void api_jobs_stop(struct tolkd_api *api)
{
    struct tolkd_hashpool_job *w;
    struct tolkd_api_response dropped;

    if (api->pool == NULL)
        return;
    tolkd_hashpool_stop(api->pool);
    for (struct api_job *job = api->jobs; job != NULL; job = job->next)
        job->abandoned = true;
    while ((w = tolkd_hashpool_drain(api->pool)) != NULL)
        finish_job(api, JOB_OF(w), (int64_t)time(NULL), &dropped);
    tolkd_hashpool_free(api->pool);
    api->pool = NULL;
}
