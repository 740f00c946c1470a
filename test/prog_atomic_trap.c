/* prog_atomic_trap.c — the invariant shown end to end (run by baseline.sh).
 * A struct with a 64-bit atomic counter is put in memory from sys_alloc
 * right after an odd-sized region, and the counter is bumped atomically.
 * Aligned build: prints "atomic ok" and exits 0.  Unaligned baseline under
 * Node: the region starts 13 bytes after the previous one, and wasm traps
 * with "operation does not support unaligned accesses". */
#include <stdint.h>
#include <stdio.h>

#include "sys.h"

struct counter {
    uint64_t hits;
};

int main(void)
{
    void *odd = sys_alloc(13);
    struct counter *c = sys_alloc(sizeof *c);
    if (odd == NULL || c == NULL) {
        fprintf(stderr, "sys_alloc failed\n");
        return 2;
    }
    printf("counter at %p (%s)\n", (void *)c,
           ((uintptr_t)c & 7) ? "misaligned" : "aligned");
    fflush(stdout);
    for (int i = 0; i < 10; i++)
        __atomic_fetch_add(&c->hits, 1, __ATOMIC_SEQ_CST);
    printf("atomic ok: %llu\n", (unsigned long long)c->hits);
    return c->hits == 10 ? 0 : 1;
}
