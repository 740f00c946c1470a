/* testutil.h — what every cmocka suite of wgc shares: cmocka's headers in
 * the order it needs them, and replayable random seeds (CONTRIBUTING.md).
 * A randomized test prints its seed; WGC_SEED=<n> in the environment replays
 * it (under Node too: emscripten passes the environment through). */
#ifndef WGC_TESTUTIL_H
#define WGC_TESTUTIL_H

#include <setjmp.h>
#include <stdbool.h>
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

/* The command line that started this test, shell-quoted, so that the test
 * can run itself again as a child process through system(): natively the
 * binary, under Node "node" and the script (emscripten's system() spawns a
 * shell there).  False where /proc/self/cmdline is missing. */
static inline bool self_command(char *out, size_t len)
{
    FILE *f = fopen("/proc/self/cmdline", "rb");
    if (f == NULL)
        return false;
    char buf[2048];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    if (n == 0 || n == sizeof buf - 1 || system(NULL) == 0)
        return false;
    buf[n] = '\0';
    size_t k = 0;
    for (size_t i = 0; i < n; i += strlen(buf + i) + 1) {
        if (strchr(buf + i, '\'') != NULL)
            return false;
        int w = snprintf(out + k, len - k, "%s'%s'", k ? " " : "", buf + i);
        if (w < 0 || (size_t)w >= len - k)
            return false;
        k += (size_t)w;
    }
    return k > 0;
}

/* Run this test program again as `<self> <arg>` with stderr captured, and
 * check that it stopped with a failure status and that its stderr holds
 * `expect` (a fatal error's message).  Skips where the program cannot run
 * itself (see self_command). */
static inline void expect_child_fatal(const char *arg, const char *expect)
{
    char path[160], self[2048], cmd[2600];
    static unsigned serial;
    snprintf(path, sizeof path, "/tmp/wgc-test-child-%ld-%ld-%u.txt", (long)time(NULL),
             (long)clock(), serial++);
    if (!self_command(self, sizeof self)) {
        printf("[  INFO    ] cannot run myself again here (no /proc or no shell)\n");
        skip();
    }
    snprintf(cmd, sizeof cmd, "%s %s 2>'%s'", self, arg, path);
    fflush(stdout);
    int st = system(cmd);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[1 << 16];
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = '\0';
    fclose(f);
    remove(path);
    if (strstr(text, expect) == NULL)
        fail_msg("child '%s' did not report '%s'; its stderr:\n%s", arg, expect, text);
    assert_int_not_equal(st, 0);
}

#endif
