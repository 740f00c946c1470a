/* prog_trace_trap.c — trace.h T1 shown end to end (run by test/baseline.sh).
 * An odd-sized region is taken first, then a trace is started (its first
 * buffer comes from sys_alloc) and the collector's hooks are called for
 * enough collections to fill and chain several buffers, each event taking
 * 64-bit atomic updates of the buffer's counters.
 * Aligned build: every buffer is on a 64 KiB boundary, every event got its
 * sequence number; prints "trace ok" and exits 0.
 * Unaligned baseline (ALIGN=0) under Node: the first buffer starts 13 bytes
 * after the odd region, and the first 64-bit atomic on its header traps
 * with "operation does not support unaligned accesses".  The placement
 * check is turned off (trace_set_checks(false)) so that the trap, not
 * sys_fatal, is what stops the program. */
#include <stdint.h>
#include <stdio.h>

#include "sys.h"
#include "trace.h"
#include "wgc.h"

#define NGC 400   /* 8 events each: well over two buffers */

int main(void)
{
    void *odd = sys_alloc(13);
    if (odd == NULL) {
        fprintf(stderr, "sys_alloc failed\n");
        return 2;
    }
    trace_set_checks(false);
    if (!wgc_trace_start()) {
        fprintf(stderr, "wgc_trace_start failed\n");
        return 2;
    }
    const char *why = NULL;
    printf("first trace buffer at %p (%s)\n", trace_buf(0),
           trace_placement_ok(trace_buf(0), &why) ? "on a 64 KiB boundary" : why);
    fflush(stdout);

    /* trace_record directly too, so that the program exercises the atomics
     * even in a WGC_TRACE=0 build, where the hooks are empty. */
    trace_record(TRACE_EV_HEAP, 0, 1, 2, 0);
    for (uint64_t i = 0; i < NGC; i++) {
        trace_gc_begin(1000 + i, 2000 + i);
        trace_phase_begin(TRACE_SWEEP_TERM);
        trace_phase_end(TRACE_SWEEP_TERM);
        trace_phase_begin(TRACE_MARK);
        trace_phase_end(TRACE_MARK);
        trace_phase_begin(TRACE_SWEEP);
        trace_phase_end(TRACE_SWEEP);
        trace_gc_end(500 + i, 400 + i, 800 + i);
    }
    wgc_trace_stop();

    uint64_t want = 1 + (WGC_TRACE ? 8 * NGC : 0);
    if (trace_nevents() != want || trace_ndropped() != 0) {
        fprintf(stderr, "%llu events, %llu dropped; want %llu, 0\n",
                (unsigned long long)trace_nevents(), (unsigned long long)trace_ndropped(),
                (unsigned long long)want);
        return 1;
    }
    for (size_t i = 0; i < trace_nbufs(); i++)
        if (!trace_placement_ok(trace_buf(i), &why)) {
            fprintf(stderr, "buffer %zu: %s\n", i, why);
            return 1;
        }
    printf("trace ok: %llu events in %zu buffers\n", (unsigned long long)want, trace_nbufs());
    return 0;
}
