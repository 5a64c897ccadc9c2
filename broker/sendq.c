#include "sendq.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct tolk_buf *tolk_buf_new(size_t headroom, const void *payload, size_t len, bool binary)
{
    if (len > UINT32_MAX || headroom > SIZE_MAX - sizeof(struct tolk_buf) - len)
        return NULL;
    struct tolk_buf *b = malloc(sizeof *b + headroom + len);
    if (!b)
        return NULL;
    b->refs = 1;
    b->len = (uint32_t)len;
    b->binary = binary;
    b->stamp_us = 0;
    b->data = b->mem + headroom;
    if (len > 0)
        memcpy(b->data, payload, len);
    return b;
}

struct tolk_buf *tolk_buf_ref(struct tolk_buf *b)
{
    assert(b->refs > 0);
    b->refs++;
    return b;
}

void tolk_buf_unref(struct tolk_buf *b)
{
    if (b && --b->refs == 0)
        free(b);
}

int tolk_sendq_init(struct tolk_sendq *q, uint32_t capacity)
{
    assert(capacity >= 1);
    q->slots = calloc(capacity, sizeof *q->slots);
    q->capacity = capacity;
    q->head = 0;
    q->count = 0;
    return q->slots ? 0 : -1;
}

void tolk_sendq_destroy(struct tolk_sendq *q)
{
    while (q->count > 0)
        tolk_sendq_pop(q);
    free(q->slots);
    q->slots = NULL;
}

static uint32_t slot(const struct tolk_sendq *q, uint32_t i)
{
    return (q->head + i) % q->capacity;
}

/* Removes the oldest binary message, closing the gap by moving the older control messages
 * one place towards the tail. Returns 1 if one was removed, 0 if there was none. */
static int drop_oldest_media(struct tolk_sendq *q)
{
    for (uint32_t i = 0; i < q->count; i++) {
        if (!q->slots[slot(q, i)]->binary)
            continue;
        tolk_buf_unref(q->slots[slot(q, i)]);
        for (uint32_t j = i; j > 0; j--)
            q->slots[slot(q, j)] = q->slots[slot(q, j - 1)];
        q->slots[q->head] = NULL;
        q->head = slot(q, 1);
        q->count--;
        return 1;
    }
    return 0;
}

int tolk_sendq_push(struct tolk_sendq *q, struct tolk_buf *b)
{
    int dropped = 0;
    if (q->count == q->capacity) {
        dropped = drop_oldest_media(q);
        if (!dropped)
            return -1;
    }
    q->slots[slot(q, q->count)] = tolk_buf_ref(b);
    q->count++;
    return dropped;
}

struct tolk_buf *tolk_sendq_peek(const struct tolk_sendq *q)
{
    return q->count > 0 ? q->slots[q->head] : NULL;
}

void tolk_sendq_pop(struct tolk_sendq *q)
{
    assert(q->count > 0);
    tolk_buf_unref(q->slots[q->head]);
    q->slots[q->head] = NULL;
    q->head = slot(q, 1);
    q->count--;
}
