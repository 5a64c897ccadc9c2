/*
 * Unit tests for client-lib/jitter: in-order and bursty delivery (every packet, in order, once),
 * reordering, loss and FEC hints at the right frame, late and duplicate packets, adaptation of
 * the target delay in both directions, gaps, pauses, overflow and sender restarts.
 *
 * A small simulator drives the buffer: packets are put when their arrival time has come, and
 * the playout clock ticks once per frame, as libtolk's audio thread will.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jitter.h"
#include "tolk.h"

#define F        20 /* ms per frame in most tests */
#define MAX_ARR  4096
#define MAX_TICK 8192

struct arrival {
    uint64_t seq;
    uint32_t at_ms;
};

struct tick {
    enum tolk_jitter_kind kind;
    uint64_t seq;
    size_t len;
    uint64_t pkt_seq; /* the frame number written inside the packet (PACKET, LOST_FEC) */
};

struct sim {
    struct tolk_jitter *jb;
    struct arrival arr[MAX_ARR];
    size_t n_arr, next_arr; /* arrivals, in arrival order; the next one to put */
    struct tick ticks[MAX_TICK];
    size_t n_ticks;
    uint32_t now_ms; /* the next tick's time */
    int tick_ms;
};

/* Deterministic pseudo-random numbers (xorshift32), so that failures reproduce. */
static uint32_t rng_state = 2463534242u;

static uint32_t rnd(uint32_t below)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state % below;
}

/* A packet whose bytes identify its frame: 8 bytes of SEQ, then a length that varies. */
static size_t make_pkt(uint64_t seq, uint8_t *buf)
{
    size_t len = 8 + (size_t)(seq % 97);
    for (size_t i = 0; i < 8; i++)
        buf[i] = (uint8_t)(seq >> (8 * i));
    for (size_t i = 8; i < len; i++)
        buf[i] = (uint8_t)(seq + i);
    return len;
}

static uint64_t pkt_seq(const uint8_t *pkt, size_t len)
{
    assert_true(len >= 8);
    uint64_t seq = 0;
    for (size_t i = 0; i < 8; i++)
        seq |= (uint64_t)pkt[i] << (8 * i);
    uint8_t want[TOLK_JITTER_MAX_PACKET];
    assert_int_equal(make_pkt(seq, want), len);
    assert_memory_equal(pkt, want, len);
    return seq;
}

static struct sim *sim_new(const struct tolk_jitter_config *cfg, uint32_t first_tick_ms)
{
    struct sim *s = calloc(1, sizeof *s);
    assert_non_null(s);
    assert_int_equal(tolk_jitter_new(cfg, &s->jb), 0);
    s->now_ms = first_tick_ms;
    s->tick_ms = cfg != NULL && cfg->frame_ms != 0 ? cfg->frame_ms : F;
    return s;
}

static void sim_free(struct sim *s)
{
    tolk_jitter_free(s->jb);
    free(s);
}

/* A is later than B on a millisecond clock that wraps around. */
static bool after(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

static void add(struct sim *s, uint64_t seq, uint32_t at_ms)
{
    assert_true(s->n_arr < MAX_ARR);
    if (s->n_arr > 0) /* callers add in arrival order (modulo 2^32, like the clock) */
        assert_true(!after(s->arr[s->n_arr - 1].at_ms, at_ms));
    s->arr[s->n_arr++] = (struct arrival){seq, at_ms};
}

static void put(struct sim *s, uint64_t seq, uint32_t at_ms)
{
    uint8_t pkt[TOLK_JITTER_MAX_PACKET];
    size_t len = make_pkt(seq, pkt);
    assert_int_equal(tolk_jitter_put(s->jb, seq, at_ms, pkt, len), 0);
}

/* Runs N ticks; before each, puts every packet that has arrived by then. */
static void run(struct sim *s, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        while (s->next_arr < s->n_arr && !after(s->arr[s->next_arr].at_ms, s->now_ms)) {
            put(s, s->arr[s->next_arr].seq, s->arr[s->next_arr].at_ms);
            s->next_arr++;
        }
        struct tolk_jitter_out out;
        enum tolk_jitter_kind kind = tolk_jitter_get(s->jb, s->now_ms, &out);
        assert_int_equal(kind, out.kind);
        assert_true(s->n_ticks < MAX_TICK);
        struct tick *t = &s->ticks[s->n_ticks++];
        *t = (struct tick){out.kind, out.seq, out.len, 0};
        if (out.kind == TOLK_JITTER_PACKET || out.kind == TOLK_JITTER_LOST_FEC_AVAILABLE)
            t->pkt_seq = pkt_seq(out.pkt, out.len);
        else
            assert_null(out.pkt);
        s->now_ms += (uint32_t)s->tick_ms;
    }
}

/* Checks that the PACKET outputs are exactly frames FIRST..LAST, in order, and nothing else. */
static void expect_exact(const struct sim *s, uint64_t first, uint64_t last)
{
    uint64_t want = first;
    for (size_t k = 0; k < s->n_ticks; k++) {
        const struct tick *t = &s->ticks[k];
        if (t->kind == TOLK_JITTER_LOST || t->kind == TOLK_JITTER_LOST_FEC_AVAILABLE)
            fail_msg("tick %zu: frame %llu reported lost", k, (unsigned long long)t->seq);
        if (t->kind != TOLK_JITTER_PACKET)
            continue;
        if (t->seq != want || t->pkt_seq != want)
            fail_msg("tick %zu: played %llu, expected %llu", k, (unsigned long long)t->seq,
                     (unsigned long long)want);
        want++;
    }
    assert_int_equal(want, last + 1);
}

static struct tolk_jitter_stats stats(const struct sim *s)
{
    struct tolk_jitter_stats st;
    tolk_jitter_stats(s->jb, &st);
    return st;
}

/* The tick at which frame SEQ was played or declared lost, or NULL if it had none. */
static const struct tick *find_tick(const struct sim *s, uint64_t seq)
{
    for (size_t k = 0; k < s->n_ticks; k++)
        if (s->ticks[k].kind != TOLK_JITTER_EMPTY && s->ticks[k].seq == seq)
            return &s->ticks[k];
    return NULL;
}

/* The tick at which frame SEQ was played or declared lost; fails if it never was. */
static struct tick tick_for(const struct sim *s, uint64_t seq)
{
    const struct tick *t = find_tick(s, seq);
    if (t == NULL) {
        fail_msg("frame %llu never came out", (unsigned long long)seq);
        return (struct tick){0};
    }
    return *t;
}

static void test_config_and_arguments(void **state)
{
    (void)state;
    struct tolk_jitter *jb = (struct tolk_jitter *)1;
    const struct tolk_jitter_config bad[] = {
        {.frame_ms = 30},
        {.frame_ms = 10},
        {.frame_ms = -20},
        {.min_delay_ms = 10}, /* below one frame */
        {.min_delay_ms = 300, .max_delay_ms = 200},
        {.max_delay_ms = 60 * 20 + 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(tolk_jitter_new(&bad[i], &jb), TOLK_EINVAL);
        assert_null(jb);
    }
    assert_int_equal(tolk_jitter_new(NULL, &jb), 0);
    uint8_t pkt[TOLK_JITTER_MAX_PACKET + 1] = {0};
    assert_int_equal(tolk_jitter_put(jb, 0, 0, pkt, 0), TOLK_EINVAL);
    assert_int_equal(tolk_jitter_put(jb, 0, 0, pkt, sizeof pkt), TOLK_EINVAL);
    assert_int_equal(tolk_jitter_put(jb, 0, 0, pkt, TOLK_JITTER_MAX_PACKET), 0);
    struct tolk_jitter_stats st;
    tolk_jitter_stats(jb, &st);
    assert_int_equal(st.received, 1);
    assert_int_equal(st.buffered, 1);
    assert_int_equal(st.target_delay_ms, F);
    tolk_jitter_free(jb);
    tolk_jitter_free(NULL);
}

static void test_nothing_before_first_packet(void **state)
{
    (void)state;
    struct sim *s = sim_new(NULL, 1000);
    run(s, 10);
    for (size_t k = 0; k < 10; k++)
        assert_int_equal(s->ticks[k].kind, TOLK_JITTER_EMPTY);
    sim_free(s);
}

/* A perfect network, a playout clock with a different phase and some timer jitter. */
static void test_in_order_exact(void **state)
{
    (void)state;
    struct sim *s = sim_new(NULL, 5007);
    for (uint64_t seq = 0; seq < 500; seq++)
        add(s, seq, 5003 + (uint32_t)seq * F);
    for (size_t k = 0; k < 510; k++) {
        run(s, 1);
        s->now_ms += rnd(7) - 3; /* ticks come a few ms early or late */
    }
    expect_exact(s, 0, 499);
    struct tolk_jitter_stats st = stats(s);
    assert_int_equal(st.played, 500);
    assert_int_equal(st.lost + st.late + st.duplicate + st.resets, 0);
    assert_int_equal(st.target_delay_ms, F);
    assert_true(st.delay_ms >= F && st.delay_ms < 3 * F);
    sim_free(s);
}

/*
 * Bursty but lossless and in order, like TCP under a poor radio link: random delays, trains of
 * packets, stalls of up to 0.7 s (and clock wrap-around on the way). Every packet must come
 * out, once, in order. (Lateness beyond TOLK_JITTER_MAX_SPAN_MS would cost the oldest frames.)
 */
static void test_bursty_exact(void **state)
{
    (void)state;
    for (int round = 0; round < 24; round++) {
        const struct tolk_jitter_config cfg = {.frame_ms = round % 3 == 2 ? 60 : F};
        struct sim *s = sim_new(&cfg, UINT32_MAX - 20000 + (uint32_t)round * 3);
        uint32_t t0 = UINT32_MAX - 20000, last = t0;
        for (uint64_t seq = 0; seq < 1500; seq++) {
            uint32_t at = t0 + (uint32_t)(seq * (uint64_t)cfg.frame_ms) + rnd(round % 2 ? 250 : 60);
            if (seq % 5 != 0) /* trains of five */
                at = last;
            if (rnd(200) == 0) /* a stall of up to 0.7 s */
                at += rnd(700);
            at = after(last, at) ? last : at; /* never before the previous one */
            add(s, seq, at);
            last = at;
        }
        run(s, 1500 + 200);
        expect_exact(s, 0, 1499);
        struct tolk_jitter_stats st = stats(s);
        assert_int_equal(st.lost + st.late + st.duplicate, 0);
        sim_free(s);
    }
}

/* Every tenth packet overtaken by the next one: with enough delay, all come out in order. */
static void test_reordering_fixed(void **state)
{
    (void)state;
    const struct tolk_jitter_config cfg = {.min_delay_ms = 3 * F};
    struct sim *s = sim_new(&cfg, 1010);
    for (uint64_t seq = 0; seq < 300; seq++) {
        if (seq % 10 == 5)
            continue;
        if (seq % 10 == 6) {
            add(s, 6 + seq / 10 * 10, 1000 + (uint32_t)seq * F);
            add(s, 5 + seq / 10 * 10, 1000 + (uint32_t)seq * F + 15);
            continue;
        }
        add(s, seq, 1000 + (uint32_t)seq * F);
    }
    run(s, 320);
    expect_exact(s, 0, 299);
    sim_free(s);

    /* With the default configuration the buffer learns the reordering and then fixes it. */
    s = sim_new(NULL, 1010);
    for (uint64_t seq = 0; seq < 300; seq++) {
        uint64_t sent = seq % 10 == 5 ? seq + 1 : seq % 10 == 6 ? seq - 1 : seq;
        add(s, sent, 1000 + (uint32_t)seq * F + (seq % 10 == 6 ? 15 : 0));
    }
    run(s, 320);
    for (uint64_t seq = 20; seq < 300; seq++)
        assert_int_equal(tick_for(s, seq).kind, TOLK_JITTER_PACKET);
    sim_free(s);
}

/* EMPTY ticks between the first frame and the last one that came out. */
static size_t waits_while_playing(const struct sim *s)
{
    size_t first = s->n_ticks, last = 0, waits = 0;
    for (size_t k = 0; k < s->n_ticks; k++) {
        if (s->ticks[k].kind != TOLK_JITTER_EMPTY) {
            first = first < k ? first : k;
            last = k;
        }
    }
    for (size_t k = first; k < last; k++)
        waits += s->ticks[k].kind == TOLK_JITTER_EMPTY;
    return waits;
}

/*
 * Frame SEQ is lost: either a tick reports it (LOST, or LOST_FEC_AVAILABLE with its successor),
 * or it was skipped to cut the delay after the buffer had waited for it (an EMPTY tick for it).
 */
static void expect_lost(const struct sim *s, uint64_t seq, bool successor_there)
{
    const struct tick *t = find_tick(s, seq);
    if (t == NULL) {
        for (size_t k = 0; k < s->n_ticks; k++)
            if (s->ticks[k].kind == TOLK_JITTER_EMPTY && s->ticks[k].seq == seq)
                return;
        fail_msg("frame %llu vanished", (unsigned long long)seq);
        return;
    }
    if (successor_there) {
        assert_int_equal(t->kind, TOLK_JITTER_LOST_FEC_AVAILABLE);
        assert_int_equal(t->pkt_seq, seq + 1); /* the successor, to rebuild SEQ from its FEC */
    } else {
        assert_int_equal(t->kind, TOLK_JITTER_LOST);
    }
}

/* Frames 100, 200, 201 and 250..252 never arrive; the others come with a few ms of jitter. */
static struct sim *lossy_run(const struct tolk_jitter_config *cfg)
{
    struct sim *s = sim_new(cfg, 2011);
    for (uint64_t seq = 0; seq < 400; seq++) {
        if (seq == 100 || seq == 200 || seq == 201 || (seq >= 250 && seq <= 252))
            continue;
        add(s, seq, 2000 + (uint32_t)seq * F + rnd(5));
    }
    run(s, 420);
    for (uint64_t seq = 0; seq < 400; seq++) /* every frame that came is played, in order */
        if (!(seq == 100 || seq == 200 || seq == 201 || (seq >= 250 && seq <= 252)))
            assert_int_equal(tick_for(s, seq).kind, TOLK_JITTER_PACKET);
    uint64_t next = 0; /* frames come out in order, each at most once */
    for (size_t k = 0; k < s->n_ticks; k++) {
        if (s->ticks[k].kind == TOLK_JITTER_EMPTY)
            continue;
        assert_true(s->ticks[k].seq >= next);
        next = s->ticks[k].seq + 1;
    }
    struct tolk_jitter_stats st = stats(s);
    assert_int_equal(st.lost, 6);
    assert_int_equal(st.played, 394);
    assert_int_equal(st.late, 0);
    return s;
}

static void test_loss_reported_at_the_right_frame(void **state)
{
    (void)state;
    /* Default delay: a single loss never stalls, since the target leaves room for the
     * successor to arrive. Longer bursts may cost one wait, which a later skip gives back. */
    struct sim *s = lossy_run(NULL);
    expect_lost(s, 100, true);
    assert_int_equal(tick_for(s, 100).kind, TOLK_JITTER_LOST_FEC_AVAILABLE);
    expect_lost(s, 200, false);
    expect_lost(s, 201, true);
    expect_lost(s, 250, false);
    expect_lost(s, 251, false);
    expect_lost(s, 252, true);
    assert_int_equal(tick_for(s, 252).kind, TOLK_JITTER_LOST_FEC_AVAILABLE);
    sim_free(s);

    /* With three frames of delay, every lost frame has its own tick, FEC where possible. */
    const struct tolk_jitter_config cfg = {.min_delay_ms = 3 * F};
    s = lossy_run(&cfg);
    const uint64_t lost[] = {100, 200, 201, 250, 251, 252};
    const bool fec[] = {true, false, true, false, false, true};
    for (size_t i = 0; i < 6; i++) {
        assert_non_null(find_tick(s, lost[i]));
        expect_lost(s, lost[i], fec[i]);
    }
    assert_int_equal(stats(s).fec_recovered, 3);
    assert_int_equal(waits_while_playing(s), 0);
    sim_free(s);
}

static void test_late_and_duplicate_counted(void **state)
{
    (void)state;
    struct sim *s = sim_new(NULL, 3000);
    for (uint64_t seq = 0; seq < 200; seq++) {
        uint32_t at = 3000 + (uint32_t)seq * F;
        if (seq == 70)
            continue; /* comes 500 ms late, below */
        add(s, seq, at);
        if (seq == 50)
            add(s, 50, at + 1); /* a copy while the first is still buffered */
        if (seq == 60)
            add(s, 55, at + 1); /* a copy of a frame already played */
        if (seq == 95)
            add(s, 70, at);
    }
    run(s, 220);
    assert_int_equal(tick_for(s, 70).kind, TOLK_JITTER_LOST_FEC_AVAILABLE);
    struct tolk_jitter_stats st = stats(s);
    assert_int_equal(st.duplicate, 2);
    assert_int_equal(st.late, 1);
    assert_int_equal(st.lost, 1);
    assert_int_equal(st.played, 199);
    assert_int_equal(st.received, 202);
    sim_free(s);
}

/*
 * Calm, then up to 120 ms of jitter (order kept), then calm with a few lost frames: the target
 * rises with the jitter and falls back after the calm; the delay follows it down at the gaps.
 */
static void test_adaptation_grows_and_shrinks(void **state)
{
    (void)state;
    struct sim *s = sim_new(NULL, 10005);
    uint32_t last = 0;
    for (uint64_t seq = 0; seq < 1100; seq++) {
        uint32_t at = 10000 + (uint32_t)seq * F;
        if (seq >= 200 && seq < 500)
            at += rnd(120);
        at = at > last ? at : last;
        last = at;
        if (seq >= 800 && seq % 50 == 0)
            continue; /* a loss now and then lets the delay shrink */
        add(s, seq, at);
    }
    run(s, 200);
    struct tolk_jitter_stats calm = stats(s);
    assert_int_equal(calm.target_delay_ms, F);
    run(s, 300);
    struct tolk_jitter_stats jittery = stats(s);
    assert_true(jittery.target_delay_ms >= 80);
    assert_true(jittery.delay_ms >= 80);
    assert_true(jittery.stretched + jittery.underruns > 0);
    run(s, 620);
    struct tolk_jitter_stats after = stats(s);
    assert_int_equal(after.target_delay_ms, F);
    assert_true(after.delay_ms < 3 * F);
    assert_int_equal(after.late, 0);
    assert_int_equal(after.played + after.lost, 1100);
    sim_free(s);
}

/* A 1 s silence with the counter running (DTX): no flood of LOST ticks at the restart. */
static void test_gap_is_skipped_not_replayed(void **state)
{
    (void)state;
    struct sim *s = sim_new(NULL, 100);
    for (uint64_t seq = 0; seq < 300; seq++)
        if (seq < 100 || seq >= 150)
            add(s, seq, 97 + (uint32_t)seq * F);
    run(s, 320);
    size_t lost_ticks = 0;
    for (size_t k = 0; k < s->n_ticks; k++)
        lost_ticks += s->ticks[k].kind == TOLK_JITTER_LOST;
    assert_true(lost_ticks <= 2);
    assert_int_equal(tick_for(s, 150).kind, TOLK_JITTER_PACKET);
    struct tolk_jitter_stats st = stats(s);
    assert_int_equal(st.played, 250);
    assert_int_equal(st.lost, 50);
    assert_true(st.delay_ms < 3 * F);
    sim_free(s);
}

/* A 3 s pause with the counter stopped (a paused microphone): re-synchronised, nothing lost. */
static void test_pause_resyncs(void **state)
{
    (void)state;
    struct sim *s = sim_new(NULL, 100);
    for (uint64_t seq = 0; seq < 300; seq++)
        add(s, seq, 97 + (uint32_t)seq * F + (seq >= 100 ? 3000 : 0));
    run(s, 460);
    expect_exact(s, 0, 299);
    struct tolk_jitter_stats st = stats(s);
    assert_int_equal(st.resets, 1);
    assert_int_equal(st.lost, 0);
    assert_true(st.delay_ms < 3 * F);
    sim_free(s);
}

/* Sender restarts: a counter that jumps far ahead, then one that goes back to zero. */
static void test_sender_restart_resets(void **state)
{
    (void)state;
    struct sim *s = sim_new(NULL, 50);
    uint32_t t = 40;
    for (uint64_t seq = 0; seq < 100; seq++, t += F)
        add(s, seq, t);
    for (uint64_t seq = 1000000; seq < 1000100; seq++, t += F)
        add(s, seq, t);
    for (uint64_t seq = 0; seq < 100; seq++, t += F)
        add(s, seq, t);
    run(s, 320);
    struct tolk_jitter_stats st = stats(s);
    assert_int_equal(st.resets, 2);
    /*
     * Played: 0..98 (99 was still buffered when the jump came: dropped, counted lost), then
     * 1000000..1000099, then 2..99 (going back needs three frames in a row to confirm it; the
     * first two are dropped as late). Nothing is reported lost on the way.
     */
    const uint64_t from[] = {0, 1000000, 2}, to[] = {98, 1000099, 99};
    size_t epoch = 0;
    uint64_t want = 0;
    for (size_t k = 0; k < s->n_ticks; k++) {
        if (s->ticks[k].kind == TOLK_JITTER_EMPTY)
            continue;
        assert_true(epoch < 3);
        assert_int_equal(s->ticks[k].kind, TOLK_JITTER_PACKET);
        assert_int_equal(s->ticks[k].seq, want);
        if (want++ == to[epoch] && ++epoch < 3)
            want = from[epoch];
    }
    assert_int_equal(epoch, 3);
    assert_int_equal(st.late, 2);
    assert_int_equal(st.lost, 1);
    assert_int_equal(st.played, 297);

    tolk_jitter_reset(s->jb); /* an explicit reset: the next packet starts afresh */
    put(s, 7, s->now_ms);
    run(s, 2); /* one tick of waiting for the target delay, then the frame */
    assert_int_equal(s->ticks[s->n_ticks - 1].kind, TOLK_JITTER_PACKET);
    assert_int_equal(s->ticks[s->n_ticks - 1].seq, 7);
    sim_free(s);
}

/* 80 frames at once, before playout starts: the ring keeps the newest 64, in order. */
static void test_overflow_keeps_newest(void **state)
{
    (void)state;
    struct sim *s = sim_new(NULL, 500);
    for (uint64_t seq = 0; seq < 80; seq++)
        add(s, seq, 480);
    run(s, 70);
    expect_exact(s, 80 - TOLK_JITTER_SLOTS, 79);
    struct tolk_jitter_stats st = stats(s);
    assert_int_equal(st.lost, 80 - TOLK_JITTER_SLOTS);
    sim_free(s);
}

/* 60 ms frames (low-data mode) behave the same; the first packet may also arrive second. */
static void test_sixty_ms_frames_and_early_reorder(void **state)
{
    (void)state;
    const struct tolk_jitter_config cfg = {.frame_ms = 60};
    struct sim *s = sim_new(&cfg, 1000);
    add(s, 11, 990);
    add(s, 10, 995);
    for (uint64_t seq = 12; seq < 100; seq++)
        add(s, seq, 990 + (uint32_t)(seq - 11) * 60 + rnd(30));
    run(s, 100);
    expect_exact(s, 10, 99);
    struct tolk_jitter_stats st = stats(s);
    assert_true(st.target_delay_ms >= 60 && st.target_delay_ms <= 120);
    sim_free(s);
}

/* The packet handed out stays intact while later packets are put. */
static void test_output_survives_puts(void **state)
{
    (void)state;
    struct tolk_jitter *jb;
    assert_int_equal(tolk_jitter_new(NULL, &jb), 0);
    uint8_t pkt[TOLK_JITTER_MAX_PACKET];
    for (uint64_t seq = 0; seq < 3; seq++)
        assert_int_equal(tolk_jitter_put(jb, seq, 0, pkt, make_pkt(seq, pkt)), 0);
    struct tolk_jitter_out out;
    assert_int_equal(tolk_jitter_get(jb, 100, &out), TOLK_JITTER_PACKET);
    assert_int_equal(out.seq, 0);
    for (uint64_t seq = 3; seq < 3 + TOLK_JITTER_SLOTS; seq++) /* reuses slot 0 */
        assert_int_equal(tolk_jitter_put(jb, seq, 0, pkt, make_pkt(seq, pkt)), 0);
    assert_int_equal(pkt_seq(out.pkt, out.len), 0);
    tolk_jitter_free(jb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_and_arguments),
        cmocka_unit_test(test_nothing_before_first_packet),
        cmocka_unit_test(test_in_order_exact),
        cmocka_unit_test(test_bursty_exact),
        cmocka_unit_test(test_reordering_fixed),
        cmocka_unit_test(test_loss_reported_at_the_right_frame),
        cmocka_unit_test(test_late_and_duplicate_counted),
        cmocka_unit_test(test_adaptation_grows_and_shrinks),
        cmocka_unit_test(test_gap_is_skipped_not_replayed),
        cmocka_unit_test(test_pause_resyncs),
        cmocka_unit_test(test_sender_restart_resets),
        cmocka_unit_test(test_overflow_keeps_newest),
        cmocka_unit_test(test_sixty_ms_frames_and_early_reorder),
        cmocka_unit_test(test_output_survives_puts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
