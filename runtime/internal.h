/* internal.h — the runtime layer's shared declarations, file by file, in
 * the order they call each other (not for embedders: they include wgc.h
 * alone).  Each file calls only those above it in this list:
 *
 *   debuglog.c, trace.c   the event records (arch/ only)
 *   table.c               growable arrays from sys_alloc
 *   init.c                the runtime's state, errors, wgc_init, the
 *                         fatal-error printer
 *   roots.c               global slots, conservative ranges, frames
 *   cache.c               the current span of each class (Go's mcache)
 *   mark.c                the mark stack and marking
 *   weak.c                weak references, ephemerons, finalizers
 *   verify.c              the heap verifier
 *   gc.c                  a collection's cycle, and pacing
 *   stats.c               wgc_stats, wgc_print_stats
 *   alloc.c               type descriptors and the allocation API
 * Below them all: heap/ (central.h and down), arch/.
 *
 * INVARIANTS
 *   R1. cache_current[c][ns] is the class's current span (span.current
 *       set, on no list) or &cache_empty_span, whose alloccache is always
 *       empty, so the fast path falls through to the slow path.  In stress
 *       mode every entry is &cache_empty_span.
 *   R2. gc.heap_alloc = bytes marked by the last collection + bytes of every
 *       slot allocated since, counting a current span's free slots as
 *       allocated until it is uncached (so the fast path does no accounting).
 *   R3. Outside gc_run, markbits are zero (span.h S4) and the mark stack is
 *       empty.
 */
#ifndef WGC_INTERNAL_H
#define WGC_INTERNAL_H
#ifdef WGC_EMBEDDER
#error "an embedder includes runtime/wgc.h only; this header is wgc's own"
#endif

#include "central.h"
#include "config.h"
#include "pages.h"
#include "span.h"
#include "sys.h"
#include "wgc.h"

/* ---- init.c: the runtime's state.  Each field says which file writes it. */

#define GC_MIN_GOAL ((uint64_t)4 << 20)   /* the smallest heap goal (Go's heapminimum) */

struct gc_state {
    bool init;                   /* init.c */
    struct wgc_config cfg;       /* init.c; gc_percent: gc.c; stress: cache.c */
    enum wgc_error last_error;   /* init.c (gc_fail) */
    uint64_t heap_limit;         /* init.c: arena bytes allowed (cfg.max_heap) */
    uint64_t heap_alloc;         /* R2: cache.c, alloc.c (large); gc.c resets it */
    uint64_t next_gc;            /* gc.c: the heap goal */
    uint64_t live_bytes;         /* gc.c: marked by the last collection */
    uint64_t total_alloc, nmalloc;               /* cache.c, alloc.c (large) */
    uint64_t class_nmalloc[SC_MAX_CLASSES];      /* cache.c */
    uint64_t num_gc, pause_total_ns, pause_max_ns, pause_last_ns;   /* gc.c */
    uint64_t pause_hist[WGC_PAUSE_BUCKETS];      /* gc.c */
    uint64_t num_minor, num_major, pause_minor_ns, pause_major_ns;  /* gc.c */
    uint64_t old_bytes;          /* gc.c: live at the last major + promoted since */
    uint64_t major_live;         /* gc.c: live_bytes of the last major collection */
    uint64_t cards_last, cards_total;            /* mark.c */
    unsigned stress_count;       /* cache.c */
    bool in_gc;                  /* gc.c */
};
extern struct gc_state gc;

/* Record an API error (wgc_last_error, the hook); returns NULL.  The hook
 * is for allocating calls; the others only set wgc_last_error (gc_error). */
void *gc_fail(enum wgc_error err, size_t size);
void gc_error(enum wgc_error err);

/* ---- table.c: growable arrays of fixed-size items from sys_alloc (root
 * tables, weak and finalizer registries; never libc malloc). */
struct gc_table {
    void *items;
    size_t n, cap, item;
    uint64_t bytes;   /* sys memory held */
};
bool gc_table_push(struct gc_table *t, const void *item);
void gc_table_remove(struct gc_table *t, size_t i);        /* keeps the order */
void gc_table_remove_fast(struct gc_table *t, size_t i);   /* moves the last into i */
static inline void *gc_table_at(const struct gc_table *t, size_t i)
{
    return (char *)t->items + i * t->item;
}

/* ---- roots.c: call mark(v) for every root word; conservative ranges
 * through mark_conservative. */
void roots_scan(void (*mark)(uintptr_t), void (*mark_conservative)(uintptr_t));
uint64_t roots_metadata_bytes(void);

/* ---- cache.c */
extern struct span cache_empty_span;
extern struct span *cache_current[SC_MAX_CLASSES][KINDS];   /* R1, [class][kind] */
/* Refill class c's current span from its next 64 slots: a slot, or 0 when
 * the span is full (it is then given back and the entry is empty). */
uintptr_t cache_next(unsigned c, unsigned kind, struct span **out);
/* Make s (fresh from central_take) the current span, giving it the
 * bitmap pattern `mask` if it has none (span.h S6); its first slot. */
uintptr_t cache_install(struct span *s, unsigned c, unsigned kind, uint64_t mask);
/* Give every current span back to its central lists. */
void cache_flush(void);
/* Does stress mode want a collection at this allocation? */
bool cache_stress_says_collect(void);
/* What the current spans handed out since they became current. */
void cache_pending(uint64_t *objects, uint64_t *bytes, uint64_t class_objects[]);

/* ---- mark.c: mark everything reachable; returns the bytes marked.  A
 * minor mark starts from the dirty cards' old objects and the unbarriered
 * spans as well as the roots, and never enters an old (marked) object. */
uint64_t mark_heap(bool minor);
uint64_t mark_metadata_bytes(void);
/* For weak.c, after mark_heap: mark v (a precise reference) and all it
 * reaches; is v an allocated object start that is marked; the bytes marked
 * in this cycle so far; and a hook called with every object marked from
 * now on while it is set (the ephemerons' key index). */
void mark_reach(uintptr_t v);
bool mark_is_live(uintptr_t v);
uint64_t mark_marked_bytes(void);
extern void (*mark_hook)(uintptr_t obj);

/* ---- weak.c: after the mark: finalizers' ready queue marked, ephemerons
 * to their fixpoint, weak references and dead ephemerons cleared, and
 * unreachable finalizable objects queued (and kept, with what they
 * reach, until their finalizer has run). */
void weak_process(void);
/* For alloc.c's wgc_weak_new / wgc_ephemeron_new: is target (key) good;
 * then fill and register a pointer-free box of WEAK_BOX_BYTES it
 * allocated (NULL in, NULL out). */
#define WEAK_BOX_BYTES (3 * sizeof(uintptr_t))
bool weak_check_target(const void *target, bool ephemeron);
void *weak_register(void *mem, void *target);
void *ephemeron_register(void *mem, void *key, void *value);
/* The verifier's check: every weak reference and ephemeron holds NULL or
 * an allocated object.  NULL, or a constant message. */
const char *weak_check(void);
uint64_t weak_metadata_bytes(void);

/* ---- verify.c: before a minor mark, every old object that points to a
 * young one must be in a dirty card (or an unbarriered span). */
bool verify_remembered(char *msg, size_t len);

/* ---- gc.c: a collection; `full` asks for a major one. */
void gc_run(const char *why, bool full);
/* The heap goal for a live heap (pacing, in one place). */
uint64_t gc_goal(uint64_t live);
bool gc_pacing_says_collect(uint64_t more);

#endif
