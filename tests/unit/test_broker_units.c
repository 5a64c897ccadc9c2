/* tolkd's pure pieces: the bounded send queue, the metrics exposition and the session state. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "sendq.h"
#include "session.h"

static struct tolk_buf *msg(const char *text, bool binary)
{
    struct tolk_buf *b = tolk_buf_new(16, text, strlen(text), binary);
    assert_non_null(b);
    return b;
}

/* Pushes a message and drops the caller's reference, as the broker does. */
static int push(struct tolk_sendq *q, const char *text, bool binary)
{
    struct tolk_buf *b = msg(text, binary);
    int rc = tolk_sendq_push(q, b);
    tolk_buf_unref(b);
    return rc;
}

static void expect_order(struct tolk_sendq *q, const char *const *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct tolk_buf *b = tolk_sendq_peek(q);
        assert_non_null(b);
        assert_int_equal(b->len, strlen(want[i]));
        assert_memory_equal(b->data, want[i], b->len);
        tolk_sendq_pop(q);
    }
    assert_null(tolk_sendq_peek(q));
}

static void test_fifo_and_wraparound(void **state)
{
    (void)state;
    struct tolk_sendq q;
    assert_int_equal(tolk_sendq_init(&q, 3), 0);
    for (int round = 0; round < 5; round++) {
        assert_int_equal(push(&q, "a", true), 0);
        assert_int_equal(push(&q, "b", false), 0);
        const char *const want[] = {"a", "b"};
        expect_order(&q, want, 2);
    }
    tolk_sendq_destroy(&q);
}

static void test_full_queue_drops_oldest_media_only(void **state)
{
    (void)state;
    struct tolk_sendq q;
    assert_int_equal(tolk_sendq_init(&q, 4), 0);
    assert_int_equal(push(&q, "c1", false), 0);
    assert_int_equal(push(&q, "m1", true), 0);
    assert_int_equal(push(&q, "c2", false), 0);
    assert_int_equal(push(&q, "m2", true), 0);
    assert_int_equal(push(&q, "m3", true), 1);  /* m1 goes */
    assert_int_equal(push(&q, "c3", false), 1); /* m2 goes */
    const char *const want[] = {"c1", "c2", "m3", "c3"};
    expect_order(&q, want, 4);
    tolk_sendq_destroy(&q);
}

static void test_queue_full_of_control_refuses(void **state)
{
    (void)state;
    struct tolk_sendq q;
    assert_int_equal(tolk_sendq_init(&q, 2), 0);
    assert_int_equal(push(&q, "c1", false), 0);
    assert_int_equal(push(&q, "c2", false), 0);
    assert_int_equal(push(&q, "m1", true), -1);
    assert_int_equal(push(&q, "c3", false), -1);
    const char *const want[] = {"c1", "c2"};
    expect_order(&q, want, 2);
    tolk_sendq_destroy(&q);
}

static void test_shared_buffer_reference_counts(void **state)
{
    (void)state;
    struct tolk_sendq a, b;
    assert_int_equal(tolk_sendq_init(&a, 2), 0);
    assert_int_equal(tolk_sendq_init(&b, 2), 0);
    struct tolk_buf *m = msg("frame", true);
    assert_int_equal(tolk_sendq_push(&a, m), 0);
    assert_int_equal(tolk_sendq_push(&b, m), 0);
    assert_int_equal(m->refs, 3);
    tolk_buf_unref(m);
    tolk_sendq_destroy(&a); /* b still holds it: ASan would catch a use after free */
    assert_int_equal(tolk_sendq_peek(&b)->refs, 1);
    assert_memory_equal(tolk_sendq_peek(&b)->data, "frame", 5);
    tolk_sendq_destroy(&b);
    tolk_buf_unref(NULL);
}

static void test_headroom_is_writable(void **state)
{
    (void)state;
    struct tolk_buf *b = tolk_buf_new(16, "xy", 2, true);
    memset(b->data - 16, 0xAA, 16);
    assert_memory_equal(b->data, "xy", 2);
    tolk_buf_unref(b);
}

static void test_metrics_render(void **state)
{
    (void)state;
    struct tolk_metrics m = {0};
    m.connections_open = 3;
    m.bytes_out = 12345678901234ull;
    char buf[8192];
    size_t n = tolk_metrics_render(&m, 42, "9.9.9", buf, sizeof buf);
    assert_true(n > 0 && n < sizeof buf);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "\ntolk_connections_open 3\n"));
    assert_non_null(strstr(buf, "\ntolk_bytes_out_total 12345678901234\n"));
    assert_non_null(strstr(buf, "tolk_build_info{version=\"9.9.9\"} 1\n"));
    assert_non_null(strstr(buf, "\ntolk_uptime_seconds 42\n"));
    assert_non_null(strstr(buf, "# TYPE tolk_messages_in_total counter\n"));
    assert_int_equal(buf[n - 1], '\n');
    assert_int_equal(tolk_metrics_render(&m, 42, "9.9.9", buf, 100), 0);
}

static struct tolk_token_grant grant_for(int64_t appointment, const char *role)
{
    struct tolk_token_grant g;
    memset(&g, 0, sizeof g);
    g.appointment.id = appointment;
    snprintf(g.appointment.ref, sizeof g.appointment.ref, "00112233445566778899aabbccddeeff");
    g.appointment.starts_at = 1000;
    g.appointment.ends_at = 2000;
    g.appointment.status = TOLK_APPOINTMENT_BOOKED;
    snprintf(g.role, sizeof g.role, "%s", role);
    g.valid_from = 100;
    g.valid_until = 3000;
    return g;
}

/* Joins with token byte T (and RESUME, if any) as connection CONN. */
static int join(struct tolk_sess_registry *reg, const struct tolk_token_grant *g, uint8_t t,
                const uint8_t *resume, void *conn, struct tolk_join_outcome *out)
{
    uint8_t hash[TOLK_STORE_TOKEN_HASH_BYTES], fresh[TOLK_PROTO_TOKEN_BYTES];
    struct tolk_msg_join m;
    memset(&m, 0, sizeof m);
    memset(hash, t, sizeof hash);
    memset(fresh, (uint8_t)(t + 100), sizeof fresh);
    if (resume) {
        memcpy(m.resume, resume, sizeof m.resume);
        m.has_resume = true;
    }
    struct tolk_join_request rq = {g, hash, &m, fresh, conn, NULL};
    return tolk_sess_join(reg, &rq, out);
}

static void test_grant_window_and_status(void **state)
{
    (void)state;
    struct tolk_token_grant g = grant_for(1, "client");
    assert_int_equal(tolk_grant_check(&g, 100), 0);
    assert_int_equal(tolk_grant_check(&g, 99), TOLK_PERR_OUTSIDE_WINDOW);
    assert_int_equal(tolk_grant_check(&g, 3000), TOLK_PERR_OUTSIDE_WINDOW);
    g.revoked = 1;
    assert_int_equal(tolk_grant_check(&g, 500), TOLK_PERR_INVALID_TOKEN);
    g.revoked = 0;
    g.appointment.status = TOLK_APPOINTMENT_CANCELLED;
    assert_int_equal(tolk_grant_check(&g, 500), TOLK_PERR_CANCELLED);
}

static void test_session_epochs_indexes_and_takeover(void **state)
{
    (void)state;
    struct tolk_sess_registry reg = {0};
    struct tolk_token_grant g = grant_for(7, "clinician");
    struct tolk_join_outcome a, b, c;
    int conn[4];
    assert_int_equal(join(&reg, &g, 1, NULL, &conn[0], &a), 0);
    assert_int_equal(join(&reg, &g, 2, NULL, &conn[1], &b), 0);
    assert_ptr_equal(a.sess, b.sess);
    assert_int_equal(reg.count, 1);
    assert_int_equal(b.sess->epoch, 2);
    assert_int_not_equal(a.index, b.index);
    assert_memory_equal(a.sess->id, "\x00\x11\x22\x33\x44\x55\x66\x77", 8);
    /* the same token while it is held: refused without the resume secret, taken over with it */
    assert_int_equal(join(&reg, &g, 2, NULL, &conn[2], &c), TOLK_PERR_TOKEN_IN_USE);
    uint8_t resume[TOLK_PROTO_TOKEN_BYTES];
    memcpy(resume, b.sess->p[b.index].resume, sizeof resume);
    assert_int_equal(join(&reg, &g, 2, resume, &conn[2], &c), 0);
    assert_ptr_equal(c.replaced, &conn[1]);
    assert_int_equal(c.index, b.index);
    assert_int_equal(c.left_epoch, 3);
    assert_int_equal(c.sess->epoch, 4);
    /* a leave bumps the epoch; the slot stays the token's, for a rejoin */
    assert_false(tolk_sess_leave(&reg, c.sess, c.index));
    assert_int_equal(a.sess->epoch, 5);
    assert_int_equal(join(&reg, &g, 2, NULL, &conn[3], &c), 0);
    assert_int_equal(c.index, b.index);
    struct tolk_proto_participant roster[TOLK_PROTO_MAX_PARTICIPANTS];
    assert_int_equal(tolk_sess_roster(a.sess, a.index, roster), 1);
    assert_int_equal(roster[0].index, c.index);
    /* the last one out frees the session */
    assert_false(tolk_sess_leave(&reg, a.sess, a.index));
    assert_true(tolk_sess_leave(&reg, c.sess, c.index));
    assert_int_equal(reg.count, 0);
    assert_null(reg.head);
}

static void test_session_full_and_isolated(void **state)
{
    (void)state;
    struct tolk_sess_registry reg = {0};
    struct tolk_token_grant g = grant_for(9, "support"), other = grant_for(10, "client");
    struct tolk_join_outcome out;
    int conn;
    for (uint8_t t = 0; t < TOLK_PROTO_MAX_PARTICIPANTS; t++)
        assert_int_equal(join(&reg, &g, (uint8_t)(t + 1), NULL, &conn, &out), 0);
    assert_int_equal(join(&reg, &g, 99, NULL, &conn, &out), TOLK_PERR_SESSION_FULL);
    assert_int_equal(join(&reg, &other, 99, NULL, &conn, &out), 0);
    assert_int_equal(reg.count, 2);
    assert_int_equal(out.index, 0);
    tolk_sess_registry_clear(&reg);
    assert_int_equal(reg.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_and_wraparound),
        cmocka_unit_test(test_full_queue_drops_oldest_media_only),
        cmocka_unit_test(test_queue_full_of_control_refuses),
        cmocka_unit_test(test_shared_buffer_reference_counts),
        cmocka_unit_test(test_headroom_is_writable),
        cmocka_unit_test(test_metrics_render),
        cmocka_unit_test(test_grant_window_and_status),
        cmocka_unit_test(test_session_epochs_indexes_and_takeover),
        cmocka_unit_test(test_session_full_and_isolated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
