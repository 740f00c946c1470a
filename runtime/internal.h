/* internal.h — the runtime layer's shared state (not for embedders: they
 * include wgc.h alone).
 * Below: heap/ (span.h, pages.h), arch/sys.h.  Above: nothing.
 *
 * INVARIANTS
 *   R1. wgc.current[c][ns] is the class's current span (span.current set,
 *       on no list) or &empty_span, whose cache is always empty, so the fast
 *       path falls through to alloc_slow.  In stress mode every entry is
 *       &empty_span: every allocation takes the slow path, which counts.
 *   R2. heap_alloc = bytes marked by the last collection + bytes of every
 *       slot allocated since, counting a current span's free slots as
 *       allocated until it is uncached (so the fast path does no accounting).
 *   R3. Outside wgc_collect, markbits are zero (span.h S4) and the mark
 *       stack is empty.
 */
#ifndef WGC_INTERNAL_H
#define WGC_INTERNAL_H
#ifdef WGC_EMBEDDER
#error "an embedder includes runtime/wgc.h only; this header is wgc's own"
#endif

#include "config.h"
#include "pages.h"
#include "span.h"
#include "sys.h"
#include "wgc.h"

#define GC_MIN_GOAL ((uint64_t)4 << 20)   /* the smallest heap goal (Go's heapminimum) */

struct wgc_state {
    bool init;
    struct wgc_config cfg;
    enum wgc_error last_error;
    uint64_t heap_limit;         /* arena bytes allowed (cfg.max_heap) */
    uint64_t heap_alloc;         /* R2 */
    uint64_t next_gc;            /* the heap goal */
    uint64_t live_bytes;         /* marked by the last collection */
    uint64_t total_alloc, nmalloc, nfree, bytes_freed;
    uint64_t class_nmalloc[SC_MAX_CLASSES], class_nfree[SC_MAX_CLASSES];
    uint64_t nlarge;
    uint64_t num_gc, pause_total_ns, pause_max_ns, pause_last_ns;
    uint64_t pause_hist[WGC_PAUSE_BUCKETS];
    unsigned stress, stress_count;
    bool in_gc;
    struct wgc_span *current[SC_MAX_CLASSES][2];   /* R1, [class][noscan] */
};
extern struct wgc_state wgc;
extern struct wgc_span empty_span;

/* alloc.c */
void alloc_uncache_all(void);
void *alloc_fail(enum wgc_error err, size_t size);

/* gc.c */
void gc_run(const char *why);
void gc_finish_sweep(void);
bool gc_sweep_one(unsigned c, bool noscan);
uint64_t gc_now_ns(void);

/* roots.c: call mark(v) for every root word; conservative ranges through
 * mark_conservative. */
void roots_scan(void (*mark)(uintptr_t), void (*mark_conservative)(uintptr_t));
uint64_t roots_metadata_bytes(void);

/* Metadata of the runtime itself (mark stack, root tables). */
extern uint64_t gc_metadata_bytes;

#endif
