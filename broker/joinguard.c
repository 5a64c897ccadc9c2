#include "joinguard.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <string.h>

#define PROBES 8 /* slots an address may sit in, from its home slot on */

void tolkd_joinguard_init(struct tolkd_joinguard *g)
{
    memset(g, 0, sizeof *g);
    randombytes_buf(g->key, sizeof g->key);
}

static uint64_t siphash(const struct tolkd_joinguard *g, const void *data, size_t len)
{
    uint8_t h[crypto_shorthash_BYTES];
    uint64_t v = 0;
    crypto_shorthash(h, data, len, g->key);
    for (size_t i = 0; i < sizeof h; i++)
        v = v << 8 | h[i];
    return v;
}

uint64_t tolkd_joinguard_addr(const struct tolkd_joinguard *g, const char *peer)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    uint8_t ip[16];
    if (inet_pton(AF_INET, peer, ip) == 1)
        return siphash(g, ip, 4);
    if (inet_pton(AF_INET6, peer, ip) == 1)
        return memcmp(ip, mapped, sizeof mapped) == 0 ? siphash(g, ip + 12, 4) : siphash(g, ip, 8);
    return siphash(g, peer, strlen(peer));
}

/* Forgives the refusals that NOW_MS has earned back. */
static void decay(struct tolkd_joinguard_slot *s, uint64_t now_ms)
{
    if (s->spent == 0 || now_ms < s->at_ms)
        return;
    uint64_t forgiven = (now_ms - s->at_ms) / TOLKD_JOINGUARD_REFILL_MS;
    if (forgiven >= s->spent) {
        s->spent = 0;
        s->noted = false;
        return;
    }
    s->spent -= (uint32_t)forgiven;
    s->at_ms += forgiven * TOLKD_JOINGUARD_REFILL_MS;
}

/* ADDR's slot, or NULL; with ROOM, a slot for it (a free one, else the least spent). */
static struct tolkd_joinguard_slot *find(struct tolkd_joinguard *g, uint64_t addr, uint64_t now_ms,
                                         bool room)
{
    struct tolkd_joinguard_slot *best = NULL;
    for (unsigned i = 0; i < PROBES; i++) {
        struct tolkd_joinguard_slot *s = &g->slot[(addr + i) % TOLKD_JOINGUARD_SLOTS];
        decay(s, now_ms);
        if (s->spent > 0 && s->addr == addr)
            return s;
        if (room && (!best || s->spent < best->spent))
            best = s;
    }
    if (best) {
        best->addr = addr;
        best->spent = 0;
        best->noted = false;
    }
    return best;
}

unsigned tolkd_joinguard_wait(struct tolkd_joinguard *g, uint64_t addr, uint64_t now_ms)
{
    struct tolkd_joinguard_slot *s = find(g, addr, now_ms, false);
    if (!s || s->spent < TOLKD_JOINGUARD_BURST)
        return 0;
    uint64_t left_ms = s->at_ms + TOLKD_JOINGUARD_REFILL_MS - now_ms;
    return (unsigned)((left_ms + 999) / 1000);
}

bool tolkd_joinguard_refused(struct tolkd_joinguard *g, uint64_t addr, uint64_t now_ms)
{
    struct tolkd_joinguard_slot *s = find(g, addr, now_ms, true);
    if (s->spent == 0)
        s->at_ms = now_ms;
    if (s->spent < TOLKD_JOINGUARD_BURST)
        s->spent++;
    if (s->spent < TOLKD_JOINGUARD_BURST || s->noted)
        return false;
    s->noted = true;
    return true;
}
