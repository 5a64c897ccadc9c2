/* broker/joinguard.c: refused joins per client address. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "joinguard.h"

#define BURST  TOLKD_JOINGUARD_BURST
#define REFILL TOLKD_JOINGUARD_REFILL_MS

static int setup(void **state)
{
    if (sodium_init() < 0)
        return -1;
    struct tolkd_joinguard *g = malloc(sizeof *g);
    if (!g)
        return -1;
    tolkd_joinguard_init(g);
    *state = g;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* Refuses N joins from ADDR at NOW; returns how many of them reported the allowance spent. */
static int refuse(struct tolkd_joinguard *g, uint64_t addr, int n, uint64_t now)
{
    int spent = 0;
    for (int i = 0; i < n; i++)
        spent += tolkd_joinguard_refused(g, addr, now);
    return spent;
}

static void burst_then_wait(void **state)
{
    struct tolkd_joinguard *g = *state;
    uint64_t a = tolkd_joinguard_addr(g, "192.0.2.7"), t = 1000000;
    for (int i = 0; i < BURST; i++) {
        assert_int_equal(tolkd_joinguard_wait(g, a, t), 0);
        assert_int_equal(tolkd_joinguard_refused(g, a, t), i == BURST - 1);
    }
    assert_int_equal(tolkd_joinguard_wait(g, a, t), REFILL / 1000);
    assert_int_equal(tolkd_joinguard_wait(g, a, t + REFILL - 1500), 2); /* rounded up */
    assert_int_equal(tolkd_joinguard_wait(g, a, t + REFILL), 0);        /* one more try */
    assert_int_equal(refuse(g, a, 1, t + REFILL), 0); /* reported once per episode */
    assert_int_equal(tolkd_joinguard_wait(g, a, t + REFILL), REFILL / 1000);
    /* all forgiven after BURST refills; then a new episode is reported again */
    uint64_t later = t + (uint64_t)(BURST + 1) * REFILL;
    assert_int_equal(tolkd_joinguard_wait(g, a, later), 0);
    assert_int_equal(refuse(g, a, BURST, later), 1);
}

static void addresses_are_apart(void **state)
{
    struct tolkd_joinguard *g = *state;
    uint64_t t = 5000000;
    uint64_t a = tolkd_joinguard_addr(g, "198.51.100.1");
    uint64_t b = tolkd_joinguard_addr(g, "198.51.100.2");
    refuse(g, a, BURST, t);
    assert_true(tolkd_joinguard_wait(g, a, t) > 0);
    assert_int_equal(tolkd_joinguard_wait(g, b, t), 0);
}

static void address_forms(void **state)
{
    struct tolkd_joinguard *g = *state;
    /* IPv4 and IPv4-mapped IPv6 are one address; an IPv6 /64 is one address */
    assert_true(tolkd_joinguard_addr(g, "203.0.113.9") ==
                tolkd_joinguard_addr(g, "::ffff:203.0.113.9"));
    assert_true(tolkd_joinguard_addr(g, "2001:db8:1:2::1") ==
                tolkd_joinguard_addr(g, "2001:db8:1:2:ffff::7"));
    assert_true(tolkd_joinguard_addr(g, "2001:db8:1:2::1") !=
                tolkd_joinguard_addr(g, "2001:db8:1:3::1"));
    assert_true(tolkd_joinguard_addr(g, "203.0.113.9") != tolkd_joinguard_addr(g, "203.0.113.8"));
    /* keyed: another guard gives other values */
    struct tolkd_joinguard *other = malloc(sizeof *other);
    assert_non_null(other);
    tolkd_joinguard_init(other);
    assert_true(tolkd_joinguard_addr(g, "203.0.113.9") !=
                tolkd_joinguard_addr(other, "203.0.113.9"));
    free(other);
}

/* Many more addresses than slots: the table never grows, and an address whose allowance is
 * spent keeps its wait against addresses with fewer refusals. */
static void table_is_bounded(void **state)
{
    struct tolkd_joinguard *g = *state;
    uint64_t t = 9000000;
    uint64_t bad = tolkd_joinguard_addr(g, "192.0.2.200");
    refuse(g, bad, BURST, t);
    char text[32];
    for (unsigned i = 0; i < 20 * TOLKD_JOINGUARD_SLOTS; i++) {
        snprintf(text, sizeof text, "10.%u.%u.%u", i >> 16 & 255, i >> 8 & 255, i & 255);
        refuse(g, tolkd_joinguard_addr(g, text), 1, t);
    }
    assert_true(tolkd_joinguard_wait(g, bad, t) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(burst_then_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(addresses_are_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(address_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(table_is_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
