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
        gc.next_gc = gc_goal(gc.cfg.gen ? gc.major_live : gc.live_bytes);
    return old;
}

/* ---- the embedder's callback ----------------------------------------------------------- */

static wgc_gc_callback gc_callback;
static void *gc_callback_data;

wgc_gc_callback wgc_set_gc_callback(wgc_gc_callback fn, void *data)
{
    wgc_gc_callback old = gc_callback;
    gc_callback = fn;
    gc_callback_data = data;
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

/* Major or minor?  Without cfg.gen, always major.  With it, major when
 * asked (wgc_collect, out of memory), every fourth collection in stress
 * mode (both kinds get exercised), and when the old generation has used
 * half of the headroom that the last major collection's goal allowed: so
 * minor collections always have at least half of it for young objects,
 * and the heap's goal is the same as without generations. */
static bool want_major(bool full)
{
    if (!gc.cfg.gen || full || gc.num_major == 0)
        return true;
    if (gc.cfg.stress)
        return gc.num_gc % 4 == 0;
    if (gc.cfg.gc_percent < 0)
        return false;
    uint64_t goal = gc_goal(gc.major_live);
    return gc.old_bytes >= gc.major_live + (goal - gc.major_live) / 2;
}

/* The barrier verifier, before a minor mark (verify_each_gc, WGC_DEBUG 3). */
static void check_remembered(void)
{
    char msg[320];
    if ((gc.cfg.verify_each_gc || WGC_DEBUG >= 3) && !verify_remembered(msg, sizeof msg))
        sys_fatal(msg);
}

void gc_run(const char *why, bool full)
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

    bool major = want_major(full);
    if (major && gc.cfg.gen)
        central_clear_marks();   /* sticky marks: everything is young again */
    else if (!major)
        check_remembered();
    trace_phase_begin(TRACE_MARK);
    mark_heap(!major);
    weak_process();   /* ephemerons, weak references, finalizers */
    uint64_t marked = mark_marked_bytes();
    trace_phase_end(TRACE_MARK);

    central_begin_cycle();
    if (major) {
        gc.live_bytes = gc.major_live = gc.old_bytes = marked;
        gc.num_major++;
    } else {
        gc.old_bytes += marked;   /* the young survivors are old now */
        gc.live_bytes = gc.old_bytes;
        gc.num_minor++;
    }
    gc.heap_alloc = gc.old_bytes;   /* R2 */
    if (gc.cfg.gc_percent >= 0)
        gc.next_gc = gc_goal(gc.major_live);
    if (gc.cfg.gen && gc.next_gc < gc.old_bytes + GC_MIN_GOAL / 4)
        gc.next_gc = gc.old_bytes + GC_MIN_GOAL / 4;   /* room for young objects */
    pages_set_retain(gc.next_gc);
    gc.num_gc++;
    uint64_t pause = sys_nanotime() - t0;
    record_pause(pause);
    if (major)
        gc.pause_major_ns += pause;
    else
        gc.pause_minor_ns += pause;
    trace_gc_end(gc.heap_alloc, gc.live_bytes, gc.next_gc);
    DLOG("gc: end (live, goal, pause ns)", (uintptr_t)gc.live_bytes, (uintptr_t)gc.next_gc,
         (uintptr_t)pause);
    gc.in_gc = false;

    if (gc.cfg.verify_each_gc || WGC_DEBUG >= 3) {
        char msg[256];
        if (!wgc_verify(msg, sizeof msg))
            sys_fatal(msg);
    }
    if (gc_callback != NULL)
        gc_callback(gc_callback_data);
}

void wgc_collect(void)
{
    if (!gc.init)
        return;
    gc_run("wgc_collect", true);
    trace_phase_begin(TRACE_SWEEP);
    central_finish_sweep();
    trace_phase_end(TRACE_SWEEP);
    trace_heap(gc.heap_alloc, gc.next_gc);
}
