/*
 * The adaptive jitter buffer: one per remote sender, between the network and the decoder.
 *
 * Internal to libtolk. Pure and single-threaded: no clock of its own (the caller passes
 * milliseconds from any monotonic clock), no I/O, no globals. All memory (a ring of
 * TOLK_JITTER_SLOTS packets, about 80 KiB) is allocated by tolk_jitter_new(); putting and
 * getting allocate nothing.
 *
 * The caller puts each packet as it arrives, with the sender's frame counter, and calls
 * tolk_jitter_get() once per playout tick (one frame duration), then acts on the answer:
 *   PACKET                  decode out.pkt (tolk_dec_decode);
 *   LOST_FEC_AVAILABLE      frame out.seq is lost, but its successor is buffered: rebuild it
 *                           with tolk_dec_recover(dec, out.pkt, out.len, ...);
 *   LOST                    frame out.seq is lost: conceal it (tolk_dec_conceal);
 *   EMPTY                   no frame was consumed: not started yet, or waiting (an underrun, or
 *                           a deliberate pause that lets the delay grow). Play silence, or
 *                           conceal if the stream was playing.
 * To cut the delay, a missing frame may also be skipped without a tick of its own (it counts
 * as lost); the decoder then simply continues with the next packet.
 *
 * Decoding exactly the PACKET outputs, in order, reproduces the sender's local decode bit for
 * bit when nothing was lost or reordered: in that case every packet comes out, in order, once,
 * however bursty the arrival, as long as the playout delay (which rises to the worst lateness
 * seen) stays under TOLK_JITTER_MAX_SPAN_MS; beyond that the oldest frames are dropped, so
 * that the delay stays bounded.
 *
 * The sender's counter must advance by one per frame duration, including frames it did not
 * send (DTX silence), as an RTP timestamp does: the buffer derives the sender's clock from it.
 * A counter that pauses while the sender is silent still works (the buffer re-synchronises
 * when a packet arrives after a long silence), but costs a little delay headroom.
 */
#ifndef TOLK_JITTER_H
#define TOLK_JITTER_H

#include <stddef.h>
#include <stdint.h>

#define TOLK_JITTER_SLOTS      64   /* packets held at most: 1.28 s of 20 ms frames */
#define TOLK_JITTER_MAX_PACKET 1275 /* = TOLK_AUDIO_MAX_PACKET; longer packets are refused */
/* Audio held at most: 64 frames of 20 ms, 32 of 40 ms, 21 of 60 ms. */
#define TOLK_JITTER_MAX_SPAN_MS          1280
#define TOLK_JITTER_DEFAULT_MAX_DELAY_MS 400

/* Zero-default: a zeroed struct means 20 ms frames, delay between one frame and 400 ms. */
struct tolk_jitter_config {
    int frame_ms;     /* the sender's frame duration: 20, 40 or 60; 0 means 20 */
    int min_delay_ms; /* lowest target delay; 0 means one frame; at least one frame */
    int max_delay_ms; /* highest target delay; 0 means 400; at most MAX_SPAN_MS - 4 frames */
};

enum tolk_jitter_kind {
    TOLK_JITTER_EMPTY = 0,
    TOLK_JITTER_PACKET,
    TOLK_JITTER_LOST,
    TOLK_JITTER_LOST_FEC_AVAILABLE,
};

struct tolk_jitter_out {
    enum tolk_jitter_kind kind;
    uint64_t seq;       /* the frame this tick stands for (for EMPTY: the one awaited) */
    const uint8_t *pkt; /* PACKET: the packet; LOST_FEC_AVAILABLE: its successor (seq + 1) */
    size_t len;         /* bytes at pkt; 0 for LOST and EMPTY (pkt is NULL) */
};

/* Counters since tolk_jitter_new(); a reset does not clear them. */
struct tolk_jitter_stats {
    uint64_t received;      /* packets put (all of them, including those dropped) */
    uint64_t played;        /* PACKET outputs */
    uint64_t lost;          /* frames never played: LOST, LOST_FEC_AVAILABLE and skipped */
    uint64_t fec_recovered; /* LOST_FEC_AVAILABLE outputs */
    uint64_t late;          /* dropped: arrived after its frame's turn had passed */
    uint64_t duplicate;     /* dropped: a copy of a packet buffered or already played */
    uint64_t underruns;     /* EMPTY ticks while playing because nothing was there */
    uint64_t stretched;     /* EMPTY ticks while playing to let the delay grow to target */
    uint64_t resets;        /* sender restarts and re-synchronisations */
    int target_delay_ms;    /* the delay currently aimed at */
    int delay_ms;           /* the delay of the last frame played (0 before the first) */
    size_t buffered;        /* packets waiting now */
};

struct tolk_jitter;

/*
 * Creates a jitter buffer configured by CFG (NULL or zeroed for the defaults) and stores it in
 * *OUT. Returns 0, TOLK_EINVAL if CFG is out of range (*OUT is then NULL) or TOLK_ENOMEM. The
 * caller frees it with tolk_jitter_free().
 */
int tolk_jitter_new(const struct tolk_jitter_config *cfg, struct tolk_jitter **out)
    __attribute__((nonnull(2), warn_unused_result));

/* Frees JB. NULL is a no-op. */
void tolk_jitter_free(struct tolk_jitter *jb);

/*
 * Forgets every buffered packet (counted as lost) and the delay history, as if new; the other
 * counters stay. For a caller that knows the sender restarted, e.g. after a new key epoch
 * reset its counter.
 */
void tolk_jitter_reset(struct tolk_jitter *jb) __attribute__((nonnull));

/*
 * Offers packet PKT of LEN bytes (1..TOLK_JITTER_MAX_PACKET), the sender's frame number SEQ,
 * which arrived at ARRIVAL_MS. The packet is copied; the caller keeps PKT. Returns 0 whether
 * the packet was buffered or dropped (late, duplicate: see the counters), or TOLK_EINVAL if
 * LEN is out of range.
 */
int tolk_jitter_put(struct tolk_jitter *jb, uint64_t seq, uint32_t arrival_ms, const uint8_t *pkt,
                    size_t len) __attribute__((nonnull));

/*
 * One playout tick at NOW_MS: fills *OUT (see the top of this file) and returns out->kind.
 * out->pkt points into JB and stays valid until the next tolk_jitter_get(), tolk_jitter_reset()
 * or tolk_jitter_free() on JB (a put does not disturb it).
 */
enum tolk_jitter_kind tolk_jitter_get(struct tolk_jitter *jb, uint32_t now_ms,
                                      struct tolk_jitter_out *out) __attribute__((nonnull));

/* Copies the counters and the current delays into *ST. */
void tolk_jitter_stats(const struct tolk_jitter *jb, struct tolk_jitter_stats *st)
    __attribute__((nonnull));

#endif
