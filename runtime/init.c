/* init.c — the runtime's state, its errors, wgc_init and the fatal-error
 * printer (runtime layer).
 * Below: debuglog.c, trace.c, heap/ (central_init, pages_grow), arch/.
 * Above: every other file of runtime/ (internal.h lists the order). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "debuglog.h"
#include "internal.h"
#include "trace.h"

struct gc_state gc;

/* ---- errors ------------------------------------------------------------------ */

void *gc_fail(enum wgc_error err, size_t size)
{
    gc.last_error = err;
    if (gc.cfg.on_error != NULL)
        gc.cfg.on_error(err, size, gc.cfg.hook_data);
    return NULL;
}

void gc_error(enum wgc_error err)
{
    gc.last_error = err;
}

enum wgc_error wgc_last_error(void)
{
    return gc.last_error;
}

const char *wgc_error_string(enum wgc_error err)
{
    switch (err) {
    case WGC_OK: return "no error";
    case WGC_ERR_NOMEM: return "out of memory: the heap is at its maximum size";
    case WGC_ERR_BAD_SIZE: return "bad size: zero, overflowing, or larger than the maximum heap";
    case WGC_ERR_BAD_TYPE:
        return "bad type descriptor: NULL, zero size, a pointer offset that is unaligned or "
               "outside the object, private fields not zero, changed after its first use, or "
               "an array of a type whose size is not a whole number of words";
    case WGC_ERR_NOT_INIT: return "wgc_init has not been called";
    case WGC_ERR_BAD_ARG: return "bad argument";
    }
    return "unknown error";
}

/* ---- the fatal-error printer ----------------------------------------------------- */

/* Installed in the OS layer's sys_fatal: the debuglog, then the counters,
 * read straight from the state (it calls nothing that could allocate or
 * walk the heap). */
static void fatal_print(void)
{
    debuglog_print();
    struct sys_stats s;
    sys_get_stats(&s);
    fprintf(stderr, "sys: reserved %" PRIu64 " mapped %" PRIu64 " free %" PRIu64
            " padding %" PRIu64 " obtained %" PRIu64 " memory %" PRIu64
            " limit %" PRIu64 " nreserve %" PRIu64 " nfail %" PRIu64 "\n",
            s.reserved, s.mapped, s.free, s.padding, s.obtained, s.memory_size,
            s.limit, s.nreserve, s.nfail);
    fflush(stderr);
    fprintf(stderr, "heap: alloc %" PRIu64 " inuse %" PRIu64 " sys %" PRIu64
            " released %" PRIu64 " total_alloc %" PRIu64 " nmalloc %" PRIu64
            " nfree %" PRIu64 " nlarge %" PRIu64 "\n",
            gc.heap_alloc, span_state.inuse_bytes, arena_heap_bytes,
            (uint64_t)page_heap.released_pages * HEAP_PAGE, gc.total_alloc, gc.nmalloc,
            central_counts.nfree, central_counts.nlarge);
    fprintf(stderr, "gc: num_gc %" PRIu64 " live %" PRIu64 " next_gc %" PRIu64
            " freed %" PRIu64 " pause total %" PRIu64 " ns max %" PRIu64
            " ns last %" PRIu64 " ns\n",
            gc.num_gc, gc.live_bytes, gc.next_gc, central_counts.bytes_freed,
            gc.pause_total_ns, gc.pause_max_ns, gc.pause_last_ns);
}

/* ---- initialisation ---------------------------------------------------------- */

void wgc_config_default(struct wgc_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->gc_percent = 100;
    cfg->stress = WGC_STRESS_DEFAULT;
    cfg->gen = true;
}

enum wgc_error wgc_init(const struct wgc_config *cfg)
{
    if (gc.init)
        return gc.last_error = WGC_ERR_BAD_ARG;
    struct wgc_config def;
    if (cfg == NULL) {
        wgc_config_default(&def);
        cfg = &def;
    }
    uint64_t space = sys_caps()->space_size;
    if ((uint64_t)cfg->max_heap > space || (uint64_t)cfg->initial_heap > space ||
        (cfg->max_heap != 0 && cfg->initial_heap > cfg->max_heap))
        return gc.last_error = WGC_ERR_BAD_ARG;
    gc.cfg = *cfg;
    gc.heap_limit = cfg->max_heap ? cfg->max_heap : space;
    if (gc.heap_limit < WGC_MIN_HEAP)
        gc.heap_limit = WGC_MIN_HEAP;   /* wgc.h: a smaller maximum is raised */
    central_init();
    /* Poison freed slots where the verifier may look for dangling pointers. */
    central_set_poison(WGC_DEBUG >= 2 || cfg->verify_each_gc);
    central_set_sticky(cfg->gen);   /* generational: sticky mark bits (span.h S4) */
    gc.next_gc = GC_MIN_GOAL;
    gc.init = true;
    sys_set_fatal_printer(fatal_print);
    trace_init_from_env();
    char dl[4];
    if (sys_getenv("WGC_DEBUGLOG", dl, sizeof dl) && dl[0] == '1')
        debuglog_enable(true);   /* WGC_DEBUGLOG=1: record from the start */
    size_t initial = cfg->initial_heap ? cfg->initial_heap : ARENA_BYTES;
    if (initial > gc.heap_limit)   /* the heap grows in wasm pages near its limit */
        initial = (size_t)(gc.heap_limit & ~(uint64_t)(SYS_PAGE - 1));
    if (initial >= HEAP_PAGE && !pages_grow(initial / HEAP_PAGE, gc.heap_limit)) {
        gc.init = false;
        return gc.last_error = WGC_ERR_NOMEM;
    }
    return WGC_OK;
}
