/* tolkd's pure pieces: the bounded send queue and the metrics exposition. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "sendq.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_and_wraparound),
        cmocka_unit_test(test_full_queue_drops_oldest_media_only),
        cmocka_unit_test(test_queue_full_of_control_refuses),
        cmocka_unit_test(test_shared_buffer_reference_counts),
        cmocka_unit_test(test_headroom_is_writable),
        cmocka_unit_test(test_metrics_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
