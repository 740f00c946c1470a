/* gc.c — a collection, and pacing (runtime layer).
 * Below: verify.c, mark.c, cache.c, init.c, trace.c, debuglog.c, heap/
 * (central.h).  Above: alloc.c (collections triggered by allocation), the
 * embedder (wgc_collect, wgc_set_gc_percent).
 *
 * A collection (gc_run), stop-the-world:
 *   1. sweep termination: the current spans go back to their lists
 *      (cache_flush) and whatever the last cycle left unswept is swept now;
 *   2. mark (mark.c): everything reachable from the roots;
 *   3. the end of mark: central_begin_cycle makes every in-use span
 *      unswept in O(1) (central.h), and pacing sets the next goal.
 * Then sweeping is lazy: allocation sweeps a class's unswept spans one at
 * a time when it needs a span (central_take), and the next collection
 * sweeps what is left (step 1).  The pause is steps 1–3; its length is
 * proportional to the live heap (mark) plus what was left unswept.
 * wgc_collect also sweeps everything before it returns, so its freed bytes
 * are in the stats at once.
 *
 * Pacing (gc_goal): the next collection starts when heap_alloc reaches
 * live * (1 + gc_percent/100), and never below GC_MIN_GOAL, as Go's GOGC.
 */
#include <stdio.h>

#include "debuglog.h"
#include "internal.h"
#include "trace.h"

/* ---- pacing ------------------------------------------------------------------------ */

uint64_t gc_goal(uint64_t live)
{
    uint64_t goal = live + live / 100 * (uint64_t)gc.cfg.gc_percent;
    return goal < GC_MIN_GOAL ? GC_MIN_GOAL : goal;
}

bool gc_pacing_says_collect(uint64_t more)
{
    return gc.cfg.gc_percent >= 0 && gc.heap_alloc + more >= gc.next_gc;
}

int wgc_set_gc_percent(int percent)
{
    int old = gc.cfg.gc_percent;
    gc.cfg.gc_percent = percent;
    if (gc.init && percent >= 0)
        gc.next_gc = gc_goal(gc.live_bytes);
    return old;
}

/* ---- a collection ---------------------------------------------------------------------- */

static void record_pause(uint64_t ns)
{
    gc.pause_total_ns += ns;
    gc.pause_last_ns = ns;
    if (ns > gc.pause_max_ns)
        gc.pause_max_ns = ns;
    uint64_t us = ns / 1000;
    unsigned b = 0;
    while (us > 0 && b < WGC_PAUSE_BUCKETS - 1) {
        us >>= 1;
        b++;
    }
    gc.pause_hist[b]++;
}

void gc_run(const char *why)
{
    if (gc.in_gc || !gc.init)
        return;
    gc.in_gc = true;
    uint64_t t0 = sys_nanotime();
    DLOG("gc: start (reason, heap_alloc, goal)", (uintptr_t)why, (uintptr_t)gc.heap_alloc,
         (uintptr_t)gc.next_gc);
    trace_gc_begin(gc.heap_alloc, gc.next_gc);

    trace_phase_begin(TRACE_SWEEP_TERM);
    cache_flush();
    central_finish_sweep();
    trace_phase_end(TRACE_SWEEP_TERM);

    trace_phase_begin(TRACE_MARK);
    uint64_t marked = mark_heap();
    trace_phase_end(TRACE_MARK);

    central_begin_cycle();
    gc.live_bytes = marked;
    gc.heap_alloc = marked;   /* R2 */
    if (gc.cfg.gc_percent >= 0)
        gc.next_gc = gc_goal(gc.live_bytes);
    pages_set_retain(gc.next_gc);
    gc.num_gc++;
    uint64_t pause = sys_nanotime() - t0;
    record_pause(pause);
    trace_gc_end(gc.heap_alloc, gc.live_bytes, gc.next_gc);
    DLOG("gc: end (live, goal, pause ns)", (uintptr_t)gc.live_bytes, (uintptr_t)gc.next_gc,
         (uintptr_t)pause);
    gc.in_gc = false;

    if (gc.cfg.verify_each_gc || WGC_DEBUG >= 3) {
        char msg[256];
        if (!wgc_verify(msg, sizeof msg))
            sys_fatal(msg);
    }
}

void wgc_collect(void)
{
    if (!gc.init)
        return;
    gc_run("wgc_collect");
    trace_phase_begin(TRACE_SWEEP);
    central_finish_sweep();
    trace_phase_end(TRACE_SWEEP);
    trace_heap(gc.heap_alloc, gc.next_gc);
}
