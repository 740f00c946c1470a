/* gc.c — the collector: precise, non-moving, stop-the-world mark, lazy
 * sweep, pacing, the verifier and the stats (runtime layer).
 * Below: heap/ (spans, the heap bitmap, the page allocator), arch/sys.h
 * (mark stack memory).  Beside: roots.c, alloc.c.
 *
 * A collection (gc_run), top to bottom in this file:
 *   1. sweep termination: the current spans are uncached (alloc.c) and
 *      whatever the last cycle left unswept is swept now;
 *   2. roots: every root word that is the start of an allocated object is
 *      marked (conservative ranges: any word inside one), and pushed on the
 *      mark stack unless its span is noscan;
 *   3. mark: pop an object, read its words' pointer bits from the heap
 *      bitmap 64 at a time, mark what they point to; until the stack is empty;
 *   4. the end of mark: heap.sweepgen += 2, so every in-use span needs
 *      sweeping (span.h S3) and goes on its class's unswept list; the heap
 *      goal becomes live * (1 + gc_percent/100), at least GC_MIN_GOAL.
 * Then sweeping is lazy: alloc.c's slow path sweeps a class's unswept
 * spans one at a time when it needs a span (gc_sweep_one), and the next
 * collection sweeps what is left (step 1).  A span found empty goes back to
 * the page allocator.
 *
 * The pause is steps 1–4; its length is proportional to the live heap (mark)
 * plus what was left unswept (step 1).  wgc_collect also sweeps everything
 * before it returns, so its freed bytes are in the stats at once.
 *
 * INVARIANTS
 *   G1. An object is marked only if it is allocated (its allocbit is set);
 *       marking never reads a free slot.
 *   G2. Every object reachable from the roots through pointer words (H3) is
 *       marked when the mark stack is empty.
 *   G3. Outside gc_run the mark stack is empty (internal.h R3).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "debuglog.h"
#include "internal.h"
#include "trace.h"

uint64_t gc_metadata_bytes;

uint64_t gc_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ======================================================================
 * The mark stack: segments of 64 KiB, kept between cycles.  The bottom
 * segment is static, so marking needs no memory for its first
 * SEGMENT_ENTRIES entries; further segments come from sys_alloc.  When
 * sys_alloc has none, the entry is dropped (its object stays marked but
 * unscanned) and gc_mark rescans marked objects from the lowest dropped
 * address up, until a pass drops nothing.
 * ====================================================================== */

struct mark_entry {
    uintptr_t p;                 /* an object to scan */
    const struct wgc_span *s;    /* its span: its size, and maybe its bitmap word */
};

struct mark_segment {
    struct mark_segment *prev, *next;
    struct mark_entry e[];
};

#define SEGMENT_BYTES SYS_PAGE
#define SEGMENT_ENTRIES ((SEGMENT_BYTES - sizeof(struct mark_segment)) / sizeof(struct mark_entry))

static _Alignas(16) char bottom_segment[SEGMENT_BYTES];

static struct {
    struct mark_segment *seg;   /* the top segment */
    size_t n;                   /* entries used in it */
    uintptr_t dropped_min;      /* lowest object dropped for want of memory, or UINTPTR_MAX */
    uint64_t marked_bytes;
    uintptr_t last_page;        /* mark_ref's one-entry cache: page -> span map entry */
    struct wgc_span *last_span;
} ms = {.dropped_min = UINTPTR_MAX};

static struct mark_segment *new_segment(struct mark_segment *prev)
{
    struct mark_segment *seg = sys_alloc(SEGMENT_BYTES);
    if (seg == NULL)
        return NULL;
    gc_metadata_bytes += SEGMENT_BYTES;
    seg->prev = prev;
    return seg;
}

static void push_slow(uintptr_t p, const struct wgc_span *sp)
{
    if (ms.seg == NULL) {
        ms.seg = (struct mark_segment *)bottom_segment;
        ms.n = 0;
    }
    if (ms.n == SEGMENT_ENTRIES) {
        if (ms.seg->next == NULL && (ms.seg->next = new_segment(ms.seg)) == NULL) {
            if (p < ms.dropped_min)   /* G2 is restored by the rescan (gc_mark) */
                ms.dropped_min = p;
            return;
        }
        ms.seg = ms.seg->next;
        ms.n = 0;
    }
    ms.seg->e[ms.n++] = (struct mark_entry){p, sp};
}

static inline void push(uintptr_t p, const struct wgc_span *sp)
{
    if (__builtin_expect(ms.seg != NULL && ms.n < SEGMENT_ENTRIES, 1))
        ms.seg->e[ms.n++] = (struct mark_entry){p, sp};
    else
        push_slow(p, sp);
}

static bool pop(struct mark_entry *out)
{
    while (ms.n == 0) {
        if (ms.seg == NULL || ms.seg->prev == NULL)
            return false;   /* G3: the bottom segment is kept, empty */
        ms.seg = ms.seg->prev;
        ms.n = SEGMENT_ENTRIES;
    }
    *out = ms.seg->e[--ms.n];
    return true;
}

/* ======================================================================
 * Roots and marking
 * ====================================================================== */

/* The in-use span holding address v, or NULL (arena.h H2: check range and
 * state, the span map may be stale). */
static inline struct wgc_span *span_holding(uintptr_t v)
{
    struct heap_arena *a = arena_of(v);
    if (a == NULL)
        return NULL;
    struct wgc_span *s = a->spans[(v - a->base) >> HEAP_PAGE_SHIFT];
    if (s == NULL || v < s->base || v >= span_limit(s) ||
        (s->state != SPAN_SMALL && s->state != SPAN_LARGE))
        return NULL;
    return s;
}

static inline __attribute__((always_inline)) void mark_slot(struct wgc_span *s, uint32_t i, uintptr_t obj)
{
    uint64_t bit = (uint64_t)1 << (i & 63);
    uint64_t *mark = &s->markbits[i >> 6];
    if ((*mark & bit) != 0 || (s->allocbits[i >> 6] & bit) == 0)   /* G1 */
        return;
    *mark |= bit;
    uint64_t bytes = s->state == SPAN_LARGE ? (uint64_t)s->npages * HEAP_PAGE : s->elemsize;
    ms.marked_bytes += bytes;
    if (!s->noscan)
        push(obj, s);
}

/* A precise reference: only the exact start of an allocated object.  The
 * order of the tests is the collector's inner loop: object starts are
 * 8-byte aligned (tagged integers are not), the span map gives the span,
 * and the offset into it must be a whole number of slots. */
static inline __attribute__((always_inline)) void mark_ref(uintptr_t v)
{
    if ((v & 7) != 0)
        return;
    /* Neighbouring objects point at each other: remember the last page. */
    uintptr_t page = v >> HEAP_PAGE_SHIFT;
    struct wgc_span *s;
    if (page == ms.last_page) {
        s = ms.last_span;
    } else {
        struct heap_arena *a = arena_of(v);
        if (a == NULL)
            return;
        s = a->spans[(v - a->base) >> HEAP_PAGE_SHIFT];
        ms.last_page = page;
        ms.last_span = s;
    }
    if (s == NULL)
        return;
    uintptr_t off = v - s->base;   /* wraps when v is below the span (stale map entry) */
    if (s->state == SPAN_SMALL) {
        if (off >= (uintptr_t)s->nelems * s->elemsize)
            return;
        uint32_t i = sc_divide(off, s->divmul);
        if ((uintptr_t)i * s->elemsize != off)
            return;
        mark_slot(s, i, v);
    } else if (s->state == SPAN_LARGE && off == 0) {
        mark_slot(s, 0, v);
    }
}

/* The same, out of line, for roots_scan's callback. */
static void mark_ref_root(uintptr_t v)
{
    mark_ref(v);
}

/* A conservative word: anywhere inside an allocated object. */
static void mark_conservative(uintptr_t v)
{
    struct wgc_span *s = span_holding(v);
    if (s == NULL)
        return;
    uint32_t i = span_index(s, v);
    if (i >= s->nelems)
        return;
    mark_slot(s, i, span_slot(s, i));
}

/* Scan `words` words from p: the heap bitmap says which hold pointers. */
static void scan_object(uintptr_t p, uintptr_t words)
{
    for (uintptr_t off = 0; off < words; off += 64) {
        unsigned n = words - off < 64 ? (unsigned)(words - off) : 64;
        uintptr_t at = p + off * WORD;
        uint64_t bits = bitmap_read(at, n);
        while (bits != 0) {
            unsigned b = (unsigned)__builtin_ctzll(bits);
            mark_ref(*(const uintptr_t *)(at + b * WORD));
            bits &= bits - 1;
        }
    }
}

/* Scan an object popped from the mark stack.  Small slots in a span that
 * knows its bitmap word (span.h bm) read their bits without the arena
 * lookup; the rest go through scan_object. */
static void scan_entry(uintptr_t p, const struct wgc_span *s)
{
    if (s->bm == NULL) {
        uintptr_t bytes = s->state == SPAN_LARGE ? (uintptr_t)s->npages * HEAP_PAGE : s->elemsize;
        scan_object(p, bytes / WORD);
        return;
    }
    size_t w = (p - s->base) / WORD;
    unsigned sh = w & 63, n = s->elemsize / WORD;
    const uint64_t *b = s->bm + (w >> 6);
    uint64_t bits = b[0] >> sh;
    if (sh != 0 && sh + n > 64)
        bits |= b[1] << (64 - sh);
    bits &= s->slotkeep;
    while (bits != 0) {
        unsigned k = (unsigned)__builtin_ctzll(bits);
        mark_ref(*(const uintptr_t *)(p + k * WORD));
        bits &= bits - 1;
    }
}

static void drain(void)
{
    struct mark_entry e;
    while (pop(&e))
        scan_entry(e.p, e.s);
}

/* Every in-use span whose base is at or above `from`, in address order,
 * once each. */
static void for_each_span_from(uintptr_t from, void (*fn)(struct wgc_span *, void *), void *arg)
{
    for (size_t a = 0; a < ARENA_INDEX_LEN; a++) {
        struct heap_arena *ar = arena_index[a];
        if (ar == NULL || ar->base + ARENA_BYTES <= from)
            continue;
        for (size_t pg = 0; pg < ARENA_PAGES; pg++) {
            struct wgc_span *s = ar->spans[pg];
            uintptr_t addr = ar->base + pg * HEAP_PAGE;
            if (s != NULL && s->base == addr && s->base + (uintptr_t)s->npages * HEAP_PAGE > from &&
                (s->state == SPAN_SMALL || s->state == SPAN_LARGE))
                fn(s, arg);
        }
    }
}

static void for_each_span(void (*fn)(struct wgc_span *, void *), void *arg)
{
    for_each_span_from(0, fn, arg);
}

/* The mark stack ran out of memory: scan the marked objects of a span again
 * (those at or above the lowest dropped address), draining after each. */
static void rescan_span(struct wgc_span *s, void *from)
{
    if (s->noscan)
        return;
    uintptr_t bytes = s->state == SPAN_LARGE ? (uintptr_t)s->npages * HEAP_PAGE : s->elemsize;
    for (uint32_t i = 0; i < s->nelems; i++)
        if (bit_get(s->markbits, i) && span_slot(s, i) >= *(uintptr_t *)from) {
            scan_object(span_slot(s, i), bytes / WORD);
            drain();
        }
}

static void gc_mark(void)
{
    ms.marked_bytes = 0;
    ms.last_page = UINTPTR_MAX;   /* the span map changed since the last mark */
    ms.last_span = NULL;
    ms.dropped_min = UINTPTR_MAX;
    roots_scan(mark_ref_root, mark_conservative);
    drain();
    /* Every dropped object is marked and at or above dropped_min: a pass
     * from there scans them all; a pass that drops nothing ends it.  Each
     * pass starts where the lowest drop was, not at the heap's start. */
    while (ms.dropped_min != UINTPTR_MAX) {
        uintptr_t from = ms.dropped_min;
        ms.dropped_min = UINTPTR_MAX;
        for_each_span_from(from, rescan_span, &from);
    }
}

/* ======================================================================
 * Sweeping
 * ====================================================================== */

static void account_sweep(struct wgc_span *s, uint32_t freed, uint64_t bytes)
{
    wgc.nfree += freed;
    wgc.class_nfree[s->sizeclass] += freed;
    wgc.bytes_freed += bytes;
}

/* Sweep s (taken off its unswept list) and file it, or free it if empty. */
static void sweep_and_file(struct wgc_span *s)
{
    uint64_t bytes;
    /* Poison freed slots where the verifier may look for dangling pointers. */
    bool poison = WGC_DEBUG >= 2 || wgc.cfg.verify_each_gc;
    uint32_t freed = span_sweep(s, poison, &bytes);
    account_sweep(s, freed, bytes);
    if (s->state == SPAN_LARGE) {
        if (s->nalloc == 0) {
            wgc.nlarge--;
            span_free(s);
        } else {
            span_list_push(&heap.large, s, LIST_LARGE);
        }
        return;
    }
    struct heap_central *c = &heap.central[s->sizeclass][s->noscan];
    if (s->nalloc == 0)
        span_free(s);
    else if (s->nalloc == s->nelems)
        span_list_push(&c->full, s, LIST_FULL);
    else
        span_list_push(&c->partial, s, LIST_PARTIAL);
}

bool gc_sweep_one(unsigned c, bool noscan)
{
    struct heap_central *central = &heap.central[c][noscan];
    struct wgc_span *s = central->unswept.first;
    if (s == NULL)
        return false;
    span_list_remove(&central->unswept, s);
    sweep_and_file(s);
    return true;
}

void gc_finish_sweep(void)
{
    for (unsigned c = 1; c < sc_nclasses; c++)
        for (int ns = 0; ns < 2; ns++)
            while (gc_sweep_one(c, ns))
                ;
    struct wgc_span *s;
    while ((s = heap.large_unswept.first) != NULL) {
        span_list_remove(&heap.large_unswept, s);
        sweep_and_file(s);
    }
}

/* S3: after the mark every in-use span needs sweeping. */
static void move_to_unswept(struct span_list_head *from, struct span_list_head *to,
                            enum span_list which)
{
    struct wgc_span *s;
    while ((s = from->first) != NULL) {
        span_list_remove(from, s);
        span_list_push(to, s, which);
    }
}

/* ======================================================================
 * A collection, and pacing
 * ====================================================================== */

static void record_pause(uint64_t ns)
{
    wgc.pause_total_ns += ns;
    wgc.pause_last_ns = ns;
    if (ns > wgc.pause_max_ns)
        wgc.pause_max_ns = ns;
    uint64_t us = ns / 1000;
    unsigned b = 0;
    while (us > 0 && b < WGC_PAUSE_BUCKETS - 1) {
        us >>= 1;
        b++;
    }
    wgc.pause_hist[b]++;
}

void gc_run(const char *why)
{
    if (wgc.in_gc || !wgc.init)
        return;
    wgc.in_gc = true;
    uint64_t t0 = gc_now_ns();
    DLOG("gc: start (reason, heap_alloc, goal)", (uintptr_t)why, (uintptr_t)wgc.heap_alloc,
         (uintptr_t)wgc.next_gc);
    trace_gc_begin(wgc.heap_alloc, wgc.next_gc);

    trace_phase_begin(TRACE_SWEEP_TERM);
    alloc_uncache_all();
    gc_finish_sweep();
    trace_phase_end(TRACE_SWEEP_TERM);

    trace_phase_begin(TRACE_MARK);
    gc_mark();
    trace_phase_end(TRACE_MARK);

    /* The end of mark: everything needs sweeping now (S3). */
    heap.sweepgen += 2;
    for (unsigned c = 1; c < sc_nclasses; c++)
        for (int ns = 0; ns < 2; ns++) {
            struct heap_central *central = &heap.central[c][ns];
            move_to_unswept(&central->partial, &central->unswept, LIST_UNSWEPT);
            move_to_unswept(&central->full, &central->unswept, LIST_UNSWEPT);
        }
    move_to_unswept(&heap.large, &heap.large_unswept, LIST_LARGE_UNSWEPT);

    wgc.live_bytes = ms.marked_bytes;
    wgc.heap_alloc = ms.marked_bytes;   /* R2 */
    if (wgc.cfg.gc_percent >= 0) {
        uint64_t goal = wgc.live_bytes + wgc.live_bytes / 100 * (uint64_t)wgc.cfg.gc_percent;
        wgc.next_gc = goal < GC_MIN_GOAL ? GC_MIN_GOAL : goal;
    }
    pages_set_retain(wgc.next_gc);
    wgc.num_gc++;
    uint64_t pause = gc_now_ns() - t0;
    record_pause(pause);
    trace_gc_end(wgc.heap_alloc, wgc.live_bytes, wgc.next_gc);
    DLOG("gc: end (live, goal, pause ns)", (uintptr_t)wgc.live_bytes, (uintptr_t)wgc.next_gc,
         (uintptr_t)pause);
    wgc.in_gc = false;

    if (wgc.cfg.verify_each_gc || WGC_DEBUG >= 3) {
        char msg[256];
        if (!wgc_verify(msg, sizeof msg))
            sys_fatal(msg);
    }
}

void wgc_collect(void)
{
    if (!wgc.init)
        return;
    gc_run("wgc_collect");
    trace_phase_begin(TRACE_SWEEP);
    gc_finish_sweep();
    trace_phase_end(TRACE_SWEEP);
    trace_heap(wgc.heap_alloc, wgc.next_gc);
}

/* ======================================================================
 * The verifier
 * ====================================================================== */

struct verify {
    char *msg;
    size_t len;
    bool bad;
    uint64_t inuse_bytes;
    uint64_t spans;
};

__attribute__((format(printf, 2, 3)))
static void verify_fail(struct verify *v, const char *fmt, ...)
{
    if (v->bad)
        return;
    v->bad = true;
    if (v->msg != NULL && v->len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->msg, v->len, fmt, ap);
        va_end(ap);
    }
}

static void verify_span(struct wgc_span *s, void *arg)
{
    struct verify *v = arg;
    v->inuse_bytes += (uint64_t)s->npages * HEAP_PAGE;
    v->spans++;
    const char *why = span_check(s);
    if (why != NULL) {
        verify_fail(v, "%s: span %p (base %p)", why, (void *)s, (void *)s->base);
        return;
    }
    bool listed = s->current ? s->list == LIST_NONE
                             : span_list_of(s) != NULL;
    if (!listed) {
        verify_fail(v, "span %p (base %p) is on no list and not current (S6)", (void *)s,
                    (void *)s->base);
        return;
    }
    if (s->noscan)
        return;
    /* Every pointer word of a live object targets a live object, or is not
     * an object start at all (H3, G1). */
    uintptr_t bytes = s->state == SPAN_LARGE ? (uintptr_t)s->npages * HEAP_PAGE : s->elemsize;
    for (uint32_t i = 0; i < s->nelems && !v->bad; i++) {
        if (!bit_get(s->allocbits, i))
            continue;
        uintptr_t obj = span_slot(s, i);
        for (uintptr_t w = 0; w < bytes / WORD; w++) {
            if (!bitmap_is_ptr(obj + w * WORD))
                continue;
            uintptr_t t = *(const uintptr_t *)(obj + w * WORD);
            /* wgc.h's one rule: only the exact start of a slot whose object
             * a sweep freed (the slot still holds the poison) is reported,
             * the sign of a missing root.  Free pages, a slot never used
             * since its span was made, the middle of an object: not
             * references, not reported. */
            struct wgc_span *live = span_holding(t);
            if (live == NULL || live->state != SPAN_SMALL)
                continue;
            uint32_t ti = span_index(live, t);
            if (ti < live->nelems && span_slot(live, ti) == t && !bit_get(live->allocbits, ti) &&
                span_slot_poisoned(live, ti)) {
                verify_fail(v, "object %p: pointer field at word %lu points to a freed object %p: "
                            "a missing root?", (void *)obj, (unsigned long)w, (void *)t);
                return;
            }
        }
    }
}

bool wgc_verify(char *msg, size_t len)
{
    if (msg != NULL && len > 0)
        msg[0] = '\0';
    if (!wgc.init) {
        if (msg != NULL && len > 0)
            snprintf(msg, len, "wgc_verify: wgc_init has not been called");
        return false;
    }
    /* Settle the heap: nothing current, nothing unswept. */
    alloc_uncache_all();
    gc_finish_sweep();
    struct verify v = {msg, len, false, 0, 0};
    for_each_span(verify_span, &v);
    if (!v.bad && v.inuse_bytes != heap.inuse_bytes)
        verify_fail(&v, "in-use spans hold %llu bytes but the heap counts %llu",
                    (unsigned long long)v.inuse_bytes, (unsigned long long)heap.inuse_bytes);
    const char *why = v.bad ? NULL : pages_check();
    if (why != NULL)
        verify_fail(&v, "%s", why);
    uint64_t arena_pages = arena_heap_bytes / HEAP_PAGE;
    if (!v.bad && heap.inuse_bytes / HEAP_PAGE + pages.free_pages != arena_pages)
        verify_fail(&v, "pages in use (%llu) and free (%llu) do not add up to the arenas' (%llu)",
                    (unsigned long long)(heap.inuse_bytes / HEAP_PAGE),
                    (unsigned long long)pages.free_pages, (unsigned long long)arena_pages);
    return !v.bad;
}

/* ======================================================================
 * Stats
 * ====================================================================== */

void wgc_stats(struct wgc_stats *out)
{
    memset(out, 0, sizeof *out);
    /* Count what the current spans have handed out since they became current. */
    uint64_t pending = 0, pending_bytes = 0;
    uint64_t pending_class[SC_MAX_CLASSES] = {0};
    for (unsigned c = 1; c < sc_nclasses; c++)
        for (int ns = 0; ns < 2; ns++) {
            struct wgc_span *s = wgc.current[c][ns];
            if (s == &empty_span || s == NULL)
                continue;
            span_fold_cache(s);
            uint32_t n = popcount_bits(s->allocbits, s->nelems) - s->nalloc;
            pending += n;
            pending_bytes += (uint64_t)n * s->elemsize;
            pending_class[c] += n;
        }
    out->heap_alloc = wgc.heap_alloc;
    out->heap_inuse = heap.inuse_bytes;
    out->heap_sys = arena_heap_bytes;
    out->heap_released = pages.released_pages * HEAP_PAGE;
    out->total_alloc = wgc.total_alloc + pending_bytes;
    out->nmalloc = wgc.nmalloc + pending;
    out->nfree = wgc.nfree;
    out->nlarge = wgc.nlarge;
    struct sys_stats st;
    sys_get_stats(&st);
    out->sys_reserved = st.reserved;
    out->sys_mapped = st.mapped;
    out->sys_inuse = st.reserved;
    out->sys_padding = st.padding;
    out->sys_metadata = arena_metadata_bytes + span_metadata_bytes + gc_metadata_bytes +
                        roots_metadata_bytes();
    out->memory_size = st.memory_size;
    out->num_gc = wgc.num_gc;
    out->live_bytes = wgc.live_bytes;
    out->next_gc = wgc.next_gc;
    out->bytes_freed = wgc.bytes_freed;
    out->pause_total_ns = wgc.pause_total_ns;
    out->pause_max_ns = wgc.pause_max_ns;
    out->pause_last_ns = wgc.pause_last_ns;
    memcpy(out->pause_hist, wgc.pause_hist, sizeof out->pause_hist);
    out->num_classes = sc_nclasses;
    for (unsigned c = 1; c < sc_nclasses && c < WGC_NUM_SIZE_CLASSES_MAX; c++) {
        out->classes[c].size = sc_size[c];
        out->classes[c].pages = sc_pages[c];
        out->classes[c].nmalloc = wgc.class_nmalloc[c] + pending_class[c];
        out->classes[c].nfree = wgc.class_nfree[c];
        out->classes[c].spans = heap.class_spans[c];
    }
}

void wgc_print_stats(void)
{
    struct wgc_stats st;
    wgc_stats(&st);
    fprintf(stderr,
            "wgc: heap_alloc=%llu heap_inuse=%llu heap_sys=%llu live=%llu goal=%llu\n"
            "wgc: gcs=%llu pause total=%.3fms max=%.3fms nmalloc=%llu nfree=%llu freed=%llu\n"
            "wgc: sys reserved=%llu padding=%llu metadata=%llu memory=%llu\n",
            (unsigned long long)st.heap_alloc, (unsigned long long)st.heap_inuse,
            (unsigned long long)st.heap_sys, (unsigned long long)st.live_bytes,
            (unsigned long long)st.next_gc, (unsigned long long)st.num_gc,
            st.pause_total_ns / 1e6, st.pause_max_ns / 1e6, (unsigned long long)st.nmalloc,
            (unsigned long long)st.nfree, (unsigned long long)st.bytes_freed,
            (unsigned long long)st.sys_reserved, (unsigned long long)st.sys_padding,
            (unsigned long long)st.sys_metadata, (unsigned long long)st.memory_size);
}
