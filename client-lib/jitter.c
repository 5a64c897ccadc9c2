/*
 * The adaptive jitter buffer (contract in jitter.h).
 *
 * The algorithm
 * -------------
 * Storage. A ring of TOLK_JITTER_SLOTS slots; frame SEQ lives in slot SEQ % SLOTS. Every
 * buffered frame lies in [next_seq, next_seq + span), where next_seq is the next frame to play
 * and span (at most SLOTS) is TOLK_JITTER_MAX_SPAN_MS of frames, so two buffered frames never
 * share a slot. A played slot keeps its number, which tells a second copy of a played packet
 * (duplicate) from a packet that came too late.
 *
 * The sender's clock. Frame SEQ was captured at SEQ * F ms on the sender's clock (F = frame
 * duration), so its transit is arrival - SEQ * F: network delay plus an unknown constant clock
 * offset; only differences of transits matter. We keep the transits of the last WINDOW packets
 * (late ones included: their lateness is what must be covered), sorted. Their minimum, BASE,
 * is the fastest path seen lately: frame SEQ cannot be expected before BASE + SEQ * F. Their
 * spread, the 95th percentile minus the minimum, is how much later than that nearly all
 * packets come. (RFC 3550's jitter is a smoothed mean deviation; it underestimates the rare
 * large delays that decide whether a packet is in time, and reacts slowly to a burst.)
 *
 * Target and delay. The target delay is F + spread, clamped to [min_delay, max_delay]. The
 * extra F makes sure that when frame SEQ is due, frame SEQ + 1 has normally arrived, so that a
 * lost frame is noticed in time to be rebuilt from its successor's FEC. The current delay is
 * how long after its earliest expected arrival the frame due now is played:
 * now - (BASE + next_seq * F). Each tick plays one frame, so the delay changes only when the
 * estimate moves, or when the buffer deliberately waits (+F) or skips (-F):
 *   - before playing, it waits until the first frame's delay reaches the target;
 *   - it grows by waiting a tick (EMPTY, counted "stretched") while the delay is more than
 *     F/2 below the target, e.g. because the network got burstier;
 *   - it shrinks only by skipping frames that are missing anyway, while the delay is at least
 *     2F above the target. A packet that is there is never skipped (short of overflow, below),
 *     so the bursts of a network that loses nothing never cost a frame; the excess delay goes
 *     at the next gap (a loss, DTX silence, a frame the broker dropped).
 * The F/2 and 2F margins keep timer jitter from causing either. The window forgets old
 * transits after WINDOW packets, so the target rises at the first burst and falls back after
 * WINDOW calm packets.
 *
 * Each tick. If frame next_seq is buffered, it is played. If it is missing while later frames
 * are buffered, it is lost (LOST_FEC_AVAILABLE when next_seq + 1 is buffered). If nothing is
 * buffered the buffer waits (EMPTY, "underrun") rather than declare a loss: with no later
 * packet it cannot tell a loss from a stall, and a stalled packet played late is better than a
 * lost one. The delay grows by F, as a stalling network calls for; if the frame then turns out
 * lost, the skip rule usually gives that F back by skipping it (the EMPTY tick stood in for it).
 *
 * Arrivals. A packet older than next_seq is dropped (late, or duplicate if its slot shows it
 * was played), except before playing starts, when it may become the first frame. A packet span
 * or more frames ahead of next_seq cannot be stored. If it follows the newest buffered frame
 * closely (less than span on), the stream merely outran playout (a long stall, then everything
 * at once): the oldest frames are dropped to make room, as in any bounded queue of ours.
 * Further ahead, the sender restarted or reconnected: the buffer restarts from that packet. So
 * does a packet arriving into an empty buffer more than max_delay after its expected time (a
 * paused sender whose counter paused too, or a network outage): the old timing says nothing
 * about the new. Three consecutive frames more than SLOTS behind next_seq mean a sender whose
 * counter went back (a new key epoch): the buffer restarts from the third.
 */
#include "jitter.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tolk.h"

#define SLOTS           TOLK_JITTER_SLOTS
#define WINDOW          100 /* transits remembered: 2 s of 20 ms frames, 6 s of 60 ms */
#define PERCENTILE      95
#define RESTART_CONFIRM 3

enum slot_state { SLOT_FREE = 0, SLOT_BUFFERED, SLOT_PLAYED };

struct slot {
    uint64_t seq;
    uint16_t len;
    uint8_t state; /* enum slot_state */
    uint8_t data[TOLK_JITTER_MAX_PACKET];
};

struct tolk_jitter {
    int frame_ms, min_delay_ms, max_delay_ms; /* resolved configuration */
    uint64_t span;                            /* frames buffered at most (<= SLOTS) */
    bool started;                             /* a packet was stored since the last restart */
    bool playing;                             /* the first frame has been played since then */
    uint64_t next_seq;                        /* the frame the next tick stands for */
    uint64_t highest_seq;                     /* the newest frame stored since the restart */
    size_t buffered;                          /* slots in SLOT_BUFFERED */
    uint32_t ref_transit;                     /* transits are kept relative to this one */
    int32_t window[WINDOW];                   /* relative transits, in arrival order (a ring) */
    int32_t sorted[WINDOW];                   /* the same values, ascending */
    size_t win_count, win_pos;
    int target_ms;
    int far_run;           /* consecutive arrivals more than SLOTS behind */
    uint64_t far_last_seq; /* the last of them */
    struct tolk_jitter_stats st;
    uint8_t out_buf[TOLK_JITTER_MAX_PACKET]; /* what tolk_jitter_out.pkt points to */
    struct slot slots[SLOTS];
};

static int resolve_config(const struct tolk_jitter_config *cfg, struct tolk_jitter *jb)
{
    struct tolk_jitter_config c = {0};
    if (cfg != NULL)
        c = *cfg;
    if (c.frame_ms == 0)
        c.frame_ms = 20;
    if (c.frame_ms != 20 && c.frame_ms != 40 && c.frame_ms != 60)
        return TOLK_EINVAL;
    if (c.min_delay_ms == 0)
        c.min_delay_ms = c.frame_ms;
    if (c.max_delay_ms == 0)
        c.max_delay_ms = TOLK_JITTER_DEFAULT_MAX_DELAY_MS;
    int span = TOLK_JITTER_MAX_SPAN_MS / c.frame_ms;
    if (c.min_delay_ms < c.frame_ms || c.max_delay_ms < c.min_delay_ms ||
        c.max_delay_ms > (span - 4) * c.frame_ms)
        return TOLK_EINVAL;
    jb->span = (uint64_t)span;
    jb->frame_ms = c.frame_ms;
    jb->min_delay_ms = c.min_delay_ms;
    jb->max_delay_ms = c.max_delay_ms;
    return 0;
}

int tolk_jitter_new(const struct tolk_jitter_config *cfg, struct tolk_jitter **out)
{
    *out = NULL;
    struct tolk_jitter *jb = calloc(1, sizeof *jb);
    if (jb == NULL)
        return TOLK_ENOMEM;
    int rc = resolve_config(cfg, jb);
    if (rc != 0) {
        free(jb);
        return rc;
    }
    tolk_jitter_reset(jb);
    *out = jb;
    return 0;
}

void tolk_jitter_free(struct tolk_jitter *jb)
{
    free(jb);
}

void tolk_jitter_reset(struct tolk_jitter *jb)
{
    jb->st.lost += jb->buffered; /* frames that will never be played */
    for (size_t i = 0; i < SLOTS; i++)
        jb->slots[i].state = SLOT_FREE;
    jb->started = false;
    jb->playing = false;
    jb->buffered = 0;
    jb->win_count = 0;
    jb->win_pos = 0;
    jb->target_ms = jb->min_delay_ms;
    jb->far_run = 0;
}

/* Frame SEQ's transit (see the top of the file), modulo 2^32 like the clock itself. */
static uint32_t transit_of(const struct tolk_jitter *jb, uint64_t seq, uint32_t arrival_ms)
{
    return arrival_ms - (uint32_t)(seq * (uint64_t)jb->frame_ms);
}

static void sorted_remove(struct tolk_jitter *jb, int32_t v)
{
    size_t i = 0;
    while (i < jb->win_count && jb->sorted[i] != v)
        i++;
    if (i == jb->win_count)
        return; /* cannot happen: every windowed value is in sorted[] */
    memmove(&jb->sorted[i], &jb->sorted[i + 1], (jb->win_count - i - 1) * sizeof jb->sorted[0]);
    jb->win_count--;
}

static void sorted_insert(struct tolk_jitter *jb, int32_t v)
{
    size_t i = jb->win_count;
    while (i > 0 && jb->sorted[i - 1] > v) {
        jb->sorted[i] = jb->sorted[i - 1];
        i--;
    }
    jb->sorted[i] = v;
    jb->win_count++;
}

/* Target = F + (95th percentile - minimum) of the windowed transits, clamped. */
static void update_target(struct tolk_jitter *jb)
{
    size_t n = jb->win_count;
    size_t rank = (n * PERCENTILE + 99) / 100; /* nearest rank, 1-based */
    int64_t spread = (int64_t)jb->sorted[rank - 1] - jb->sorted[0];
    int64_t target = jb->frame_ms + spread;
    if (target < jb->min_delay_ms)
        target = jb->min_delay_ms;
    if (target > jb->max_delay_ms)
        target = jb->max_delay_ms;
    jb->target_ms = (int)target;
}

/* Adds a packet's transit to the window (evicting the oldest) and re-derives the target. */
static void note_transit(struct tolk_jitter *jb, uint64_t seq, uint32_t arrival_ms)
{
    int32_t rel = (int32_t)(transit_of(jb, seq, arrival_ms) - jb->ref_transit);
    if (jb->win_count == WINDOW)
        sorted_remove(jb, jb->window[jb->win_pos]);
    jb->window[jb->win_pos] = rel;
    jb->win_pos = (jb->win_pos + 1) % WINDOW;
    sorted_insert(jb, rel);
    update_target(jb);
}

/* How much later than its earliest expected arrival frame SEQ is at AT_MS (may be < 0). */
static int32_t delay_of(const struct tolk_jitter *jb, uint64_t seq, uint32_t at_ms)
{
    uint32_t expected =
        jb->ref_transit + (uint32_t)jb->sorted[0] + (uint32_t)(seq * (uint64_t)jb->frame_ms);
    return (int32_t)(at_ms - expected);
}

static void store(struct tolk_jitter *jb, uint64_t seq, uint32_t arrival_ms, const uint8_t *pkt,
                  size_t len)
{
    struct slot *s = &jb->slots[seq % SLOTS];
    s->seq = seq;
    s->len = (uint16_t)len;
    s->state = SLOT_BUFFERED;
    memcpy(s->data, pkt, len);
    jb->buffered++;
    if (seq > jb->highest_seq)
        jb->highest_seq = seq;
    note_transit(jb, seq, arrival_ms);
}

/* Forgets everything and starts afresh from frame SEQ, which the caller then stores. */
static void restart_at(struct tolk_jitter *jb, uint64_t seq, uint32_t arrival_ms)
{
    tolk_jitter_reset(jb);
    jb->started = true;
    jb->next_seq = seq;
    jb->highest_seq = seq;
    jb->ref_transit = transit_of(jb, seq, arrival_ms);
}

/*
 * A packet for a frame before next_seq. Before playing starts it may simply have overtaken
 * nothing yet (reordering at the start): it becomes the first frame if it fits the ring.
 * Otherwise it is dropped; three consecutive frames far behind mean a sender restart.
 */
static void put_old(struct tolk_jitter *jb, uint64_t seq, uint32_t arrival_ms, const uint8_t *pkt,
                    size_t len)
{
    const struct slot *s = &jb->slots[seq % SLOTS];
    if (!jb->playing && jb->highest_seq - seq < jb->span) {
        jb->next_seq = seq;
        store(jb, seq, arrival_ms, pkt, len);
        return;
    }
    if (s->state == SLOT_PLAYED && s->seq == seq) {
        jb->st.duplicate++;
        return;
    }
    jb->st.late++;
    if (jb->next_seq - seq <= SLOTS) {
        note_transit(jb, seq, arrival_ms); /* the very lateness the target must cover */
        return;
    }
    jb->far_run = (jb->far_run > 0 && seq == jb->far_last_seq + 1) ? jb->far_run + 1 : 1;
    jb->far_last_seq = seq;
    if (jb->far_run >= RESTART_CONFIRM) {
        jb->st.late--; /* this one is played after all */
        jb->st.resets++;
        restart_at(jb, seq, arrival_ms);
        store(jb, seq, arrival_ms, pkt, len);
    }
}

/* True if SEQ, arriving into an empty buffer, is too late for the old timing to mean anything. */
static bool needs_resync(const struct tolk_jitter *jb, uint64_t seq, uint32_t arrival_ms)
{
    return jb->playing && jb->buffered == 0 &&
           delay_of(jb, seq, arrival_ms) > (int32_t)jb->max_delay_ms;
}

/*
 * The stream goes on but the ring is full up to it: the oldest frames make room, as in any
 * bounded queue of ours, until next_seq is NEW_NEXT. They count as lost.
 */
static void drop_oldest(struct tolk_jitter *jb, uint64_t new_next)
{
    while (jb->next_seq < new_next) {
        struct slot *s = &jb->slots[jb->next_seq % SLOTS];
        if (s->state == SLOT_BUFFERED && s->seq == jb->next_seq) {
            s->state = SLOT_FREE;
            jb->buffered--;
        }
        jb->st.lost++;
        jb->next_seq++;
    }
}

int tolk_jitter_put(struct tolk_jitter *jb, uint64_t seq, uint32_t arrival_ms, const uint8_t *pkt,
                    size_t len)
{
    if (len == 0 || len > TOLK_JITTER_MAX_PACKET)
        return TOLK_EINVAL;
    jb->st.received++;
    if (!jb->started) {
        restart_at(jb, seq, arrival_ms);
    } else if (seq < jb->next_seq) {
        put_old(jb, seq, arrival_ms, pkt, len);
        return 0;
    } else if (seq - jb->next_seq >= jb->span && seq - jb->highest_seq < jb->span) {
        drop_oldest(jb, seq - jb->span + 1);
    } else if (seq - jb->next_seq >= jb->span || needs_resync(jb, seq, arrival_ms)) {
        if (seq - jb->next_seq < jb->span)
            jb->st.lost += seq - jb->next_seq; /* frames skipped by the resync */
        jb->st.resets++;
        restart_at(jb, seq, arrival_ms);
    } else if (jb->slots[seq % SLOTS].state == SLOT_BUFFERED) {
        jb->st.duplicate++; /* in range, so the slot can only hold this very frame */
        return 0;
    }
    jb->far_run = 0;
    store(jb, seq, arrival_ms, pkt, len);
    return 0;
}

/* Fills OUT with a copy of slot S's packet; the copy outlives later puts into that slot. */
static void emit(struct tolk_jitter *jb, struct tolk_jitter_out *out, enum tolk_jitter_kind kind,
                 const struct slot *s)
{
    out->kind = kind;
    out->seq = jb->next_seq;
    out->pkt = NULL;
    out->len = 0;
    if (s != NULL) {
        memcpy(jb->out_buf, s->data, s->len);
        out->pkt = jb->out_buf;
        out->len = s->len;
    }
}

static struct slot *buffered_slot(struct tolk_jitter *jb, uint64_t seq)
{
    struct slot *s = &jb->slots[seq % SLOTS];
    return (s->state == SLOT_BUFFERED && s->seq == seq) ? s : NULL;
}

/* Plays frame next_seq, which is buffered in S. */
static void play(struct tolk_jitter *jb, struct slot *s, int32_t delay, struct tolk_jitter_out *out)
{
    emit(jb, out, TOLK_JITTER_PACKET, s);
    s->state = SLOT_PLAYED;
    jb->buffered--;
    jb->next_seq++;
    jb->st.played++;
    jb->st.delay_ms = delay;
}

/* Frame next_seq is missing and later frames are buffered: it is lost. */
static void declare_lost(struct tolk_jitter *jb, struct tolk_jitter_out *out)
{
    const struct slot *succ = buffered_slot(jb, jb->next_seq + 1);
    emit(jb, out, succ != NULL ? TOLK_JITTER_LOST_FEC_AVAILABLE : TOLK_JITTER_LOST, succ);
    if (succ != NULL)
        jb->st.fec_recovered++;
    jb->st.lost++;
    jb->next_seq++;
}

enum tolk_jitter_kind tolk_jitter_get(struct tolk_jitter *jb, uint32_t now_ms,
                                      struct tolk_jitter_out *out)
{
    emit(jb, out, TOLK_JITTER_EMPTY, NULL);
    if (!jb->started)
        return out->kind;
    int32_t delay = delay_of(jb, jb->next_seq, now_ms);
    int32_t f = jb->frame_ms, target = jb->target_ms;
    if (!jb->playing) {
        if (delay < target)
            return out->kind;
        jb->playing = true;
    } else if (delay < target - f / 2) {
        jb->st.stretched++;
        return out->kind;
    }
    struct slot *s = buffered_slot(jb, jb->next_seq);
    while (s == NULL && jb->buffered > 0 && delay >= target + 2 * f) {
        jb->st.lost++; /* skipped to shrink the delay: missing anyway */
        jb->next_seq++;
        delay -= f;
        s = buffered_slot(jb, jb->next_seq);
    }
    if (s != NULL)
        play(jb, s, delay, out);
    else if (jb->buffered > 0)
        declare_lost(jb, out);
    else
        jb->st.underruns++;
    return out->kind;
}

void tolk_jitter_stats(const struct tolk_jitter *jb, struct tolk_jitter_stats *st)
{
    *st = jb->st;
    st->target_delay_ms = jb->target_ms;
    st->buffered = jb->buffered;
}
