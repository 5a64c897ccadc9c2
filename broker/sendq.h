/*
 * Reference-counted message buffers and the bounded per-connection send queue.
 *
 * A message is copied once, on arrival, into a tolk_buf with room in front for the transport's
 * header (libwebsockets' LWS_PRE), and that one buffer is shared by every receiver's queue.
 *
 * Each connection's queue holds at most `capacity` messages. When it is full, the oldest media
 * (binary) message is dropped to make room: a receiver that falls behind loses its oldest
 * audio, and memory never grows. Control messages are never dropped; a queue full of them
 * belongs to a peer that stopped reading, and the caller closes that connection.
 *
 * Pure and single-threaded: no libwebsockets, no locks.
 */
#ifndef TOLK_SENDQ_H
#define TOLK_SENDQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tolk_buf {
    uint32_t refs;
    uint32_t len;      /* payload bytes at data */
    bool binary;       /* media (droppable) or control (text) */
    uint64_t stamp_us; /* when it arrived (monotonic), for dropping audio too old to play */
    uint8_t *data;     /* payload; `headroom` writable bytes precede it */
    uint8_t mem[];     /* headroom + payload */
};

/* A new buffer holding a copy of LEN bytes, with one reference. NULL if out of memory. */
struct tolk_buf *tolk_buf_new(size_t headroom, const void *payload, size_t len, bool binary);
struct tolk_buf *tolk_buf_ref(struct tolk_buf *b);
void tolk_buf_unref(struct tolk_buf *b); /* NULL is a no-op */

struct tolk_sendq {
    struct tolk_buf **slots;
    uint32_t capacity;
    uint32_t head;  /* index of the oldest message */
    uint32_t count; /* messages queued */
};

/* Returns 0, or -1 if out of memory. CAPACITY must be at least 1. */
int tolk_sendq_init(struct tolk_sendq *q, uint32_t capacity);

/* Drops every queued message and frees the slots. Safe on a zeroed queue. */
void tolk_sendq_destroy(struct tolk_sendq *q);

/*
 * Queues B, taking a new reference to it. Returns the number of media messages dropped to make
 * room (0 or 1), or -1 if the queue is full of control messages (B is not queued).
 */
int tolk_sendq_push(struct tolk_sendq *q, struct tolk_buf *b);

/* The oldest message, still owned by the queue, or NULL if empty. */
struct tolk_buf *tolk_sendq_peek(const struct tolk_sendq *q);

/* Removes the oldest message and drops the queue's reference to it. */
void tolk_sendq_pop(struct tolk_sendq *q);

#endif
