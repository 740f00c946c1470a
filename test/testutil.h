/* testutil.h — what every cmocka suite of wgc shares: cmocka's headers in
 * the order it needs them, and replayable random seeds (STYLE.md §7).
 * A randomized test prints its seed; WGC_SEED=<n> in the environment replays
 * it (under Node too: emscripten passes the environment through). */
#ifndef WGC_TESTUTIL_H
#define WGC_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

/* xorshift64*: small, fast, and the same on every target. */
struct rng {
    uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1DULL;
}

/* A number in [0, n). */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
    return n ? rng_next(r) % n : 0;
}

/* The seed of a randomized test: WGC_SEED if set, else from the clock.
 * Printed either way so that a failure can be replayed. */
static inline struct rng test_rng(const char *name)
{
    const char *env = getenv("WGC_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) * 2654435761u;
    if (seed == 0)
        seed = 1;
    printf("[ SEED     ] %s: WGC_SEED=%llu\n", name, (unsigned long long)seed);
    return (struct rng){seed};
}

#endif
