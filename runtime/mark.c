/* mark.c — marking: the mark stack, precise and conservative references,
 * scanning objects through the heap bitmap (runtime layer).
 * Below: roots.c (the roots), heap/ (span_of, the bitmap), arch/sys.h
 * (mark stack segments).  Above: gc.c (mark_heap, inside the pause).
 *
 * Marking an object sets its mark bit and, unless its span is noscan,
 * pushes it; draining pops an object and marks what its pointer words
 * (the heap bitmap's bits, read 64 at a time) point to.
 *
 * INVARIANTS
 *   M1. An object is marked only if it is allocated (its allocbit is set);
 *       marking never reads a free slot.
 *   M2. Every object reachable from the roots through pointer words (H3) is
 *       marked when mark_heap returns.
 *   M3. Outside mark_heap the mark stack is empty (internal.h R3).
 */
#include <string.h>

#include "internal.h"

static uint64_t metadata_bytes;   /* mark stack segments from sys_alloc */

/* ======================================================================
 * The mark stack: segments of 64 KiB, kept between cycles.  The bottom
 * segment is static, so marking needs no memory for its first
 * SEGMENT_ENTRIES entries; further segments come from sys_alloc.  When
 * sys_alloc has none, the entry is dropped (its object stays marked but
 * unscanned) and mark_heap rescans marked objects from the lowest dropped
 * address up, until a pass drops nothing.
 * ====================================================================== */

struct mark_entry {
    uintptr_t p;                 /* an object to scan */
    const struct span *s;    /* its span: its size, and maybe its bitmap word */
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
    struct span *last_span;
} ms = {.dropped_min = UINTPTR_MAX};

static struct mark_segment *new_segment(struct mark_segment *prev)
{
    struct mark_segment *seg = sys_alloc(SEGMENT_BYTES);
    if (seg == NULL)
        return NULL;
    metadata_bytes += SEGMENT_BYTES;
    seg->prev = prev;
    return seg;
}

static void push_slow(uintptr_t p, const struct span *sp)
{
    if (ms.seg == NULL) {
        ms.seg = (struct mark_segment *)bottom_segment;
        ms.n = 0;
    }
    if (ms.n == SEGMENT_ENTRIES) {
        if (ms.seg->next == NULL && (ms.seg->next = new_segment(ms.seg)) == NULL) {
            if (p < ms.dropped_min)   /* M2 is restored by the rescan (mark_heap) */
                ms.dropped_min = p;
            return;
        }
        ms.seg = ms.seg->next;
        ms.n = 0;
    }
    ms.seg->e[ms.n++] = (struct mark_entry){p, sp};
}

static inline void push(uintptr_t p, const struct span *sp)
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
            return false;   /* M3: the bottom segment is kept, empty */
        ms.seg = ms.seg->prev;
        ms.n = SEGMENT_ENTRIES;
    }
    *out = ms.seg->e[--ms.n];
    return true;
}

/* ======================================================================
 * Roots and marking
 * ====================================================================== */

void (*mark_hook)(uintptr_t obj);

static inline __attribute__((always_inline)) void mark_slot(struct span *s, uint32_t i, uintptr_t obj)
{
    uint64_t bit = (uint64_t)1 << (i & 63);
    uint64_t *mark = &s->markbits[i >> 6];
    if ((*mark & bit) != 0 || (s->allocbits[i >> 6] & bit) == 0)   /* M1 */
        return;
    *mark |= bit;
    ms.marked_bytes += span_obj_bytes(s);
    if (!s->noscan)
        push(obj, s);
    if (__builtin_expect(mark_hook != NULL, 0))
        mark_hook(obj);
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
    struct span *s;
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
    struct span *s = span_of(v);
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
        uintptr_t at = p + off * HEAP_WORD;
        uint64_t bits = bitmap_read(at, n);
        while (bits != 0) {
            unsigned b = (unsigned)__builtin_ctzll(bits);
            mark_ref(*(const uintptr_t *)(at + b * HEAP_WORD));
            bits &= bits - 1;
        }
    }
}

/* Scan an object popped from the mark stack.  Small slots in a span that
 * knows its bitmap word (span.h bm) read their bits without the arena
 * lookup; the rest go through scan_object. */
static void scan_entry(uintptr_t p, const struct span *s)
{
    if (s->bm == NULL) {
        scan_object(p, span_obj_bytes(s) / HEAP_WORD);
        return;
    }
    size_t w = (p - s->base) / HEAP_WORD;
    unsigned sh = w & 63, n = s->elemsize / HEAP_WORD;
    const uint64_t *b = s->bm + (w >> 6);
    uint64_t bits = b[0] >> sh;
    if (sh != 0 && sh + n > 64)
        bits |= b[1] << (64 - sh);
    bits &= s->slotkeep;
    while (bits != 0) {
        unsigned k = (unsigned)__builtin_ctzll(bits);
        mark_ref(*(const uintptr_t *)(p + k * HEAP_WORD));
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
static void for_each_span_from(uintptr_t from, void (*fn)(struct span *, void *), void *arg)
{
    for (size_t a = 0; a < ARENA_INDEX_LEN; a++) {
        struct heap_arena *ar = arena_index[a];
        if (ar == NULL || ar->base + ARENA_BYTES <= from)
            continue;
        for (size_t pg = 0; pg < ARENA_PAGES; pg++) {
            struct span *s = ar->spans[pg];
            uintptr_t addr = ar->base + pg * HEAP_PAGE;
            if (s != NULL && s->base == addr && s->base + (uintptr_t)s->npages * HEAP_PAGE > from &&
                (s->state == SPAN_SMALL || s->state == SPAN_LARGE))
                fn(s, arg);
        }
    }
}

/* The mark stack ran out of memory: scan the marked objects of a span again
 * (those at or above the lowest dropped address), draining after each. */
static void rescan_span(struct span *s, void *from)
{
    if (s->noscan)
        return;
    for (uint32_t i = 0; i < s->nelems; i++)
        if (bit_get(s->markbits, i) && span_slot(s, i) >= *(uintptr_t *)from) {
            scan_object(span_slot(s, i), span_obj_bytes(s) / HEAP_WORD);
            drain();
        }
}

/* ---- the remembered set (generational mode) ------------------------------------------ */

/* Scan the words in [lo, hi) of an old object for pointers to young ones. */
static void scan_old_words(const struct span *s, uint32_t i, uintptr_t lo, uintptr_t hi)
{
    if (!span_marked(s, i))
        return;   /* young: traced from its own referrers, if reachable */
    uintptr_t obj = span_slot(s, i), end = obj + span_obj_bytes(s);
    if (lo < obj)
        lo = obj;
    if (hi > end)
        hi = end;
    if (lo < hi)
        scan_object(lo, (hi - lo) / HEAP_WORD);
}

/* A dirty card [lo, lo + CARD_BYTES): the old objects' words in it. */
static void scan_card(uintptr_t lo)
{
    struct span *s = span_of(lo);
    if (s == NULL || s->noscan)
        return;
    uintptr_t hi = lo + CARD_BYTES;
    if (s->state == SPAN_LARGE) {
        scan_old_words(s, 0, lo, hi);
        return;
    }
    uintptr_t first = lo > s->base ? lo : s->base;
    for (uint32_t i = span_index(s, first); i < s->nelems && span_slot(s, i) < hi; i++)
        scan_old_words(s, i, lo, hi);
}

/* Every dirty card, cleared as it is scanned.  Cards are read eight at a
 * time: most of them are clean. */
static void scan_cards(void)
{
    uint64_t dirty = 0;
    for (size_t a = 0; a < ARENA_INDEX_LEN; a++) {
        struct heap_arena *ar = arena_index[a];
        if (ar == NULL)
            continue;
        for (size_t k = 0; k < ARENA_CARDS; k += 8) {
            uint64_t eight;
            memcpy(&eight, ar->cards + k, sizeof eight);
            if (eight == 0)
                continue;
            for (size_t j = k; j < k + 8; j++)
                if (ar->cards[j] != 0) {
                    ar->cards[j] = 0;
                    dirty++;
                    scan_card(ar->base + j * CARD_BYTES);
                    drain();
                }
        }
    }
    gc.cards_last = dirty;
    gc.cards_total += dirty;
}

/* An unbarriered span: its old objects are always remembered. */
static void scan_unbarriered(struct span *s, void *arg)
{
    (void)arg;
    for (uint32_t i = 0; i < s->nelems; i++)
        if (span_marked(s, i)) {
            scan_object(span_slot(s, i), span_obj_bytes(s) / HEAP_WORD);
            drain();
        }
}

void wgc_write_range(const void *start, size_t len)
{
    uintptr_t p = (uintptr_t)start, end = p + len;
    if (len == 0 || end < p)
        return;
    for (p &= ~(uintptr_t)(CARD_BYTES - 1); p < end; p += CARD_BYTES)
        wgc_card_mark_((const void *)p);
}

/* A precise root in a minor collection: as in a major one, and if it holds
 * an old object, that object's fields are scanned too (a safety net: a
 * store into an object a root holds is found even without the barrier). */
static void mark_root_minor(uintptr_t v)
{
    struct span *s = span_of(v);
    if (s != NULL && !s->noscan && (v & 7) == 0) {
        int64_t i = span_object_at(s, v);
        if (i >= 0 && span_marked(s, (uint32_t)i)) {
            scan_entry(v, s);   /* old: its fields, not itself */
            return;
        }
    }
    mark_ref(v);
}

/* ---- a mark ---------------------------------------------------------------------------- */

uint64_t mark_heap(bool minor)
{
    ms.marked_bytes = 0;
    ms.last_page = UINTPTR_MAX;   /* the span map changed since the last mark */
    ms.last_span = NULL;
    ms.dropped_min = UINTPTR_MAX;
    if (minor) {
        /* First, while the marked objects are exactly the old ones. */
        scan_cards();
        central_for_each_unbarriered(scan_unbarriered, NULL);
    } else {
        arena_clear_cards();   /* everything is traced */
    }
    roots_scan(minor ? mark_root_minor : mark_ref_root, mark_conservative);
    drain();
    /* Every dropped object is marked and at or above dropped_min: a pass
     * from there scans them all; a pass that drops nothing ends it.  Each
     * pass starts where the lowest drop was, not at the heap's start. */
    while (ms.dropped_min != UINTPTR_MAX) {
        uintptr_t from = ms.dropped_min;
        ms.dropped_min = UINTPTR_MAX;
        for_each_span_from(from, rescan_span, &from);
    }
    return ms.marked_bytes;
}

void mark_reach(uintptr_t v)
{
    mark_ref(v);
    drain();
}

bool mark_is_live(uintptr_t v)
{
    struct span *s = span_of(v);
    if (s == NULL)
        return false;
    int64_t i = span_object_at(s, v);
    return i >= 0 && span_marked(s, (uint32_t)i);
}

uint64_t mark_marked_bytes(void)
{
    return ms.marked_bytes;
}

uint64_t mark_metadata_bytes(void)
{
    return metadata_bytes;
}

