/* prog_debuglog_trap.c — debuglog.h D1 shown end to end (run by
 * test/baseline.sh).  An odd-sized region is taken first, then the
 * debuglog ring, and records are written (the ring wraps twice) with the
 * ring's 64-bit atomic updates.
 * Aligned build: the ring is on a 64 KiB boundary; the newest records read
 * back in order; prints "debuglog ok" and exits 0.
 * Unaligned baseline (ALIGN=0) under Node: the ring starts 13 bytes after
 * the odd region, and the first 64-bit atomic on its header traps with
 * "operation does not support unaligned accesses".  The placement check is
 * turned off (debuglog_set_checks(false)) so that the trap, not sys_fatal,
 * is what stops the program. */
#include <stdint.h>
#include <stdio.h>

#include "debuglog.h"
#include "sys.h"

int main(void)
{
    void *odd = sys_alloc(13);
    if (odd == NULL) {
        fprintf(stderr, "sys_alloc failed\n");
        return 2;
    }
    debuglog_set_checks(false);
    debuglog_init();
    const void *ring = debuglog_ring();
    if (ring == NULL) {
        fprintf(stderr, "no ring\n");
        return 2;
    }
    const char *why = NULL;
    printf("ring at %p (%s)\n", ring,
           debuglog_placement_ok(ring, &why) ? "on a 64 KiB boundary" : why);
    fflush(stdout);

    debuglog_enable(true);
    size_t cap = debuglog_capacity();
    uint64_t n = 2 * cap + 7;
    for (uint64_t i = 0; i < n; i++)
        DLOG("prog_debuglog_trap: record", i, i * 3, ~(uintptr_t)i);

    struct debuglog_record got[8];
    size_t k = debuglog_read(got, 8);
    if (k != 8 || debuglog_pos() != n || debuglog_count() != n) {
        fprintf(stderr, "read %zu records, pos %llu, count %llu; want 8, %llu, %llu\n", k,
                (unsigned long long)debuglog_pos(), (unsigned long long)debuglog_count(),
                (unsigned long long)n, (unsigned long long)n);
        return 1;
    }
    for (size_t j = 0; j < k; j++) {
        uint64_t want = n - 8 + j;
        if (got[j].seq != want + 1 || got[j].args[0] != (uintptr_t)want ||
            got[j].args[1] != (uintptr_t)(want * 3) || got[j].args[2] != ~(uintptr_t)want) {
            fprintf(stderr, "record %zu is wrong\n", j);
            return 1;
        }
    }
    printf("debuglog ok: %llu records through a ring of %zu\n", (unsigned long long)n, cap);
    return 0;
}
