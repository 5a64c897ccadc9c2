/*
 * Refused joins per client address: a limit on token guessing.
 *
 * A join token is 256 random bits, so guessing one is hopeless; what a guesser can do is make
 * tolkd look tokens up and write refusals to the audit log in a loop, and crowd the refusals of
 * real tokens (a stolen one that is in use, say) out of the audit budget. So each address may
 * have TOLKD_JOINGUARD_BURST joins refused; after that one more every TOLKD_JOINGUARD_REFILL_MS,
 * and any join from it, with a good token or not, is answered join_throttled before its token
 * is looked up. Addresses are the IPv4 address or the IPv6 /64 (one host usually holds a whole
 * /64), as for logins (accounts.c); clients behind one NAT share the limit, which a real client
 * does not come near (it is refused only when its token is wrong, expired or in use).
 *
 * The table is fixed (TOLKD_JOINGUARD_SLOTS addresses, 24 bytes each); addresses are kept as
 * SipHash values under a key drawn at start, so that nobody can choose addresses that collide.
 * When the table is full, the address with the fewest refusals left on record makes room.
 * Pure: no I/O; the clock is passed in. Service thread only.
 */
#ifndef TOLK_JOINGUARD_H
#define TOLK_JOINGUARD_H

#include <stdbool.h>
#include <stdint.h>

#define TOLKD_JOINGUARD_BURST     10   /* refused joins an address may have before it waits */
#define TOLKD_JOINGUARD_REFILL_MS 6000 /* ... and one more each this often (10 a minute) */
#define TOLKD_JOINGUARD_SLOTS     1024

struct tolkd_joinguard_slot {
    uint64_t addr;  /* the address's SipHash; meaningful while spent > 0 */
    uint64_t at_ms; /* when spent was last brought up to date */
    uint32_t spent; /* refusals not yet forgiven */
    bool noted;     /* reached the burst since spent was last 0 (reported once) */
};

struct tolkd_joinguard {
    uint8_t key[16]; /* SipHash-2-4 key (crypto_shorthash) */
    struct tolkd_joinguard_slot slot[TOLKD_JOINGUARD_SLOTS];
};

/* Empties G and draws its key (libsodium must be initialised). Clocks below: any monotonic
 * milliseconds. */
void tolkd_joinguard_init(struct tolkd_joinguard *g);

/*
 * The value that stands for the client address PEER (text: IPv4, IPv6, or IPv4-mapped IPv6).
 * Text that is no address is hashed as it is.
 */
uint64_t tolkd_joinguard_addr(const struct tolkd_joinguard *g, const char *peer);

/* Whole seconds ADDR must wait before its next join is looked up; 0: now. */
unsigned tolkd_joinguard_wait(struct tolkd_joinguard *g, uint64_t addr, uint64_t now_ms);

/*
 * A join from ADDR was refused. True when this refusal used up its allowance for the first time
 * since the address was last clear (it now waits): the moment to audit, once per episode.
 */
bool tolkd_joinguard_refused(struct tolkd_joinguard *g, uint64_t addr, uint64_t now_ms);

#endif
