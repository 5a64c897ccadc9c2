/*
 * hist.c: a log-bucket histogram of nanosecond values (about 1.6 % resolution), for the
 * latencies of tolk-load and tolk-sched. One histogram per thread; hist_free(NULL) is a no-op.
 */
#ifndef TOLK_BENCH_HIST_H
#define TOLK_BENCH_HIST_H

#include <stdint.h>

struct hist;
struct hist *hist_new(void);
void hist_free(struct hist *h);
void hist_add(struct hist *h, uint64_t v);
uint64_t hist_count(const struct hist *h);
uint64_t hist_percentile(const struct hist *h, double p); /* p in 0..100 */
uint64_t hist_max(const struct hist *h);

#endif
