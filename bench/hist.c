/*
 * A log-bucket histogram in the manner of HdrHistogram: values below 64 have a bucket each;
 * above, every power of two is split into 64 equal sub-buckets, so a value is known to within
 * 1/64 (1.6 %) with a fixed 30 KiB table and O(1) insertion. The exact maximum is kept apart.
 */
#include <stdlib.h>

#include "hist.h"

#define SUB_BITS 6
#define SUB      (1u << SUB_BITS)
#define BUCKETS  ((64 - SUB_BITS + 1) * SUB)

struct hist {
    uint64_t counts[BUCKETS];
    uint64_t total;
    uint64_t max;
};

static unsigned bucket_of(uint64_t v)
{
    if (v < SUB)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - SUB_BITS;
    return (shift + 1) * SUB + (unsigned)((v >> shift) - SUB);
}

/* The middle of the bucket's range. */
static uint64_t value_of(unsigned b)
{
    if (b < SUB)
        return b;
    unsigned shift = b / SUB - 1;
    uint64_t sub = b % SUB + SUB;
    return (sub << shift) + ((1ull << shift) >> 1);
}

struct hist *hist_new(void)
{
    return calloc(1, sizeof(struct hist));
}

void hist_free(struct hist *h)
{
    free(h);
}

void hist_add(struct hist *h, uint64_t v)
{
    h->counts[bucket_of(v)]++;
    h->total++;
    if (v > h->max)
        h->max = v;
}

uint64_t hist_count(const struct hist *h)
{
    return h->total;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
    if (h->total == 0)
        return 0;
    uint64_t rank = (uint64_t)((p / 100.0) * (double)h->total + 0.5);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned b = 0; b < BUCKETS; b++) {
        seen += h->counts[b];
        if (seen >= rank) {
            uint64_t v = value_of(b);
            return v > h->max ? h->max : v;
        }
    }
    return h->max;
}

uint64_t hist_max(const struct hist *h)
{
    return h->max;
}
