/* alloc.c — initialisation, type descriptors and allocation (runtime layer).
 * Below: heap/span.h, heap/pages.h.  Beside: gc.c (collections), roots.c.
 *
 * The fast path (wgc_alloc of a small type) is: the type is valid, its
 * class's current span has a free slot in its cache (span_next_free), the
 * slot is zeroed if the span needs it, and the type's word mask is written
 * into the heap bitmap unless the type has no pointers.  Everything else --
 * a new current span, pacing, stress mode, large objects, errors -- is in
 * alloc_slow / alloc_large.  Invariants R1–R3 are in internal.h.
 */
#include <stdlib.h>
#include <string.h>

#include "debuglog.h"
#include "internal.h"
#include "trace.h"

struct wgc_span empty_span;   /* R1: never has a free slot */
/* R1 holds from the start, so the fast path needs no "initialised?" test:
 * before wgc_init every allocation reaches alloc_slow, which says so. */
struct wgc_state wgc = {.current = {[0 ... SC_MAX_CLASSES - 1] = {&empty_span, &empty_span}}};

/* ---- errors ------------------------------------------------------------------ */

void *alloc_fail(enum wgc_error err, size_t size)
{
    wgc.last_error = err;
    if (wgc.cfg.on_error != NULL)
        wgc.cfg.on_error(err, size, wgc.cfg.hook_data);
    return NULL;
}

enum wgc_error wgc_last_error(void)
{
    return wgc.last_error;
}

const char *wgc_error_string(enum wgc_error err)
{
    switch (err) {
    case WGC_OK: return "no error";
    case WGC_ERR_NOMEM: return "out of memory: the heap is at its maximum size";
    case WGC_ERR_BAD_SIZE: return "bad size: zero, overflowing, or larger than the maximum heap";
    case WGC_ERR_BAD_TYPE: return "bad type descriptor: NULL, zero size, or a pointer offset that is unaligned or outside the object";
    case WGC_ERR_NOT_INIT: return "wgc_init has not been called";
    case WGC_ERR_BAD_ARG: return "bad argument";
    }
    return "unknown error";
}

/* ---- initialisation ---------------------------------------------------------- */

void wgc_config_default(struct wgc_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->gc_percent = 100;
    cfg->stress = WGC_STRESS_DEFAULT;
}

static void set_all_current_empty(void)
{
    for (unsigned c = 0; c < SC_MAX_CLASSES; c++)
        wgc.current[c][0] = wgc.current[c][1] = &empty_span;
}

enum wgc_error wgc_init(const struct wgc_config *cfg)
{
    if (wgc.init)
        return wgc.last_error = WGC_ERR_BAD_ARG;
    struct wgc_config def;
    if (cfg == NULL) {
        wgc_config_default(&def);
        cfg = &def;
    }
    uint64_t space = sys_caps()->space_size;
    if ((uint64_t)cfg->max_heap > space || (uint64_t)cfg->initial_heap > space ||
        (cfg->max_heap != 0 && cfg->initial_heap > cfg->max_heap))
        return wgc.last_error = WGC_ERR_BAD_ARG;
    wgc.cfg = *cfg;
    wgc.heap_limit = cfg->max_heap ? cfg->max_heap : space;
    if (wgc.heap_limit < WGC_MIN_HEAP)
        wgc.heap_limit = WGC_MIN_HEAP;   /* wgc.h: a smaller maximum is raised */
    span_init();
    set_all_current_empty();
    empty_span.state = SPAN_SMALL;
    empty_span.allocbits = empty_span.bits[0];
    empty_span.markbits = empty_span.bits[1];
    wgc.stress = cfg->stress;
    wgc.next_gc = GC_MIN_GOAL;
    wgc.init = true;
    debuglog_install_fatal_printer();
    trace_init_from_env();
    const char *dl = getenv("WGC_DEBUGLOG");   /* WGC_DEBUGLOG=1: record from the start */
    if (dl != NULL && dl[0] == '1')
        debuglog_enable(true);
    size_t initial = cfg->initial_heap ? cfg->initial_heap : ARENA_BYTES;
    if (initial > wgc.heap_limit)   /* the heap grows in wasm pages near its limit */
        initial = (size_t)(wgc.heap_limit & ~(uint64_t)(SYS_PAGE - 1));
    if (initial >= HEAP_PAGE && !pages_grow(initial / HEAP_PAGE, wgc.heap_limit)) {
        wgc.init = false;
        return wgc.last_error = WGC_ERR_NOMEM;
    }
    return WGC_OK;
}

int wgc_set_gc_percent(int percent)
{
    int old = wgc.cfg.gc_percent;
    wgc.cfg.gc_percent = percent;
    if (wgc.init && percent >= 0) {
        uint64_t goal = wgc.live_bytes + wgc.live_bytes / 100 * (uint64_t)percent;
        wgc.next_gc = goal < GC_MIN_GOAL ? GC_MIN_GOAL : goal;
    }
    return old;
}

unsigned wgc_set_stress(unsigned every_n)
{
    unsigned old = wgc.stress;
    if (wgc.init)
        alloc_uncache_all();   /* R1 either way */
    wgc.stress = every_n;
    wgc.stress_count = 0;
    return old;
}

/* ---- type descriptors ---------------------------------------------------------- */

/* A type's state_, written by type_check_slow: bits 0-7 and 24-31 say
 * unchecked (0), valid (TYPE_VALID, a 16-bit pattern, so that the garbage
 * of an unzeroed descriptor is unlikely to read as checked) or malformed;
 * bit 8 that it has no pointers; bits 16-23 its size class (0: large).  So
 * the fast path reads one word to know the type is good, its class and
 * whether it is scanned.  The slow path re-derives the private fields from
 * the public ones (type_still_valid) and refuses a descriptor changed after
 * its first use; debug builds do so on every allocation. */
#define TYPE_STATE_MASK 0xff0000ffu
enum { TYPE_UNCHECKED = 0, TYPE_VALID = 0xa50000c3u, TYPE_MALFORMED = 0x5a00003cu };
#define TYPE_STATE(st) ((st) & TYPE_STATE_MASK)
#define TYPE_NOSCAN ((uint32_t)1 << 8)
#define TYPE_CLASS(st) (((st) >> 16) & 0xff)

/* Derive a type's private fields from its public ones; false when the
 * descriptor is malformed. */
static bool type_derive(const struct wgc_type *t, uint64_t *mask_out, uint32_t *words_out,
                        uint32_t *state_out)
{
    if (t->size == 0 || t->size > UINT32_MAX || (t->noffsets != 0 && t->offsets == NULL) ||
        t->noffsets > t->size / WORD)
        return false;
    uint64_t mask = 0;
    for (size_t i = 0; i < t->noffsets; i++) {
        uint32_t off = t->offsets[i];
        if (off % WORD != 0 || (size_t)off + WORD > t->size)
            return false;
        if (off / WORD < 64)
            mask |= (uint64_t)1 << (off / WORD);
    }
    sizeclass_init();
    uint32_t c = t->size <= SC_MAX_SMALL ? sc_of(t->size) : 0;
    *mask_out = mask;
    *words_out = (uint32_t)((t->size + WORD - 1) / WORD);
    *state_out = TYPE_VALID | (t->noffsets == 0 ? TYPE_NOSCAN : 0) | (c << 16);
    return true;
}

/* A checked descriptor whose private fields still match its public ones:
 * false when the embedder changed it after its first use (or handed over
 * an unzeroed one whose garbage read as checked). */
static bool type_still_valid(const struct wgc_type *t)
{
    uint64_t mask;
    uint32_t words, st;
    return type_derive(t, &mask, &words, &st) && mask == t->mask_ && words == t->words_ &&
           st == t->state_;
}

static bool type_check_slow(struct wgc_type *t)
{
    if (t == NULL || TYPE_STATE(t->state_) == TYPE_MALFORMED)
        return false;
    if (TYPE_STATE(t->state_) == TYPE_VALID)
        return type_still_valid(t);
    if (t->state_ != TYPE_UNCHECKED || t->mask_ != 0 || t->words_ != 0 ||
        !type_derive(t, &t->mask_, &t->words_, &t->state_)) {
        /* Malformed, or private fields that are not zero: not a fresh
         * descriptor (wgc.h asks for zeroed private fields). */
        t->state_ = TYPE_MALFORMED;
        return false;
    }
    return true;
}

/* Every call but the fast path's re-derives the descriptor: the fast path
 * trusts state_ only until its class's current span runs out (and in debug
 * builds not at all), so a descriptor changed after use is caught there. */
static inline bool type_check(struct wgc_type *t)
{
    return type_check_slow(t);
}

/* Write the pointer bits of n objects of type t at p, in a slot of
 * `slot` bytes (H3: the words past the objects get 0). */
static void write_bitmap(uintptr_t p, const struct wgc_type *t, size_t n, size_t slot)
{
    size_t words = slot / WORD;
    if (words <= 64 && t->words_ * n <= 64) {
        uint64_t mask = 0;
        for (size_t k = 0; k < n; k++)
            mask |= t->mask_ << (k * t->words_);
        bitmap_write(p, mask, (unsigned)words);
        return;
    }
    if (t->size % WORD == 0 && 64 % t->words_ == 0 && (p / WORD) % 64 == 0) {
        /* An array whose layout repeats within 64 words (arrays of pointers,
         * of pairs...): one pattern, written 64 words at a time. */
        uint64_t pattern = 0;
        for (unsigned k = 0; k < 64; k += t->words_)
            pattern |= t->mask_ << k;
        size_t objwords = t->words_ * n;
        for (size_t w = 0; w < words; w += 64) {
            unsigned len = words - w < 64 ? (unsigned)(words - w) : 64;
            uint64_t bits = 0;
            if (w < objwords)
                bits = pattern & low_bits(objwords - w < 64 ? (unsigned)(objwords - w) : 64);
            bitmap_write(p + w * WORD, bits, len);
        }
        return;
    }
    bitmap_clear(p, words);
    for (size_t k = 0; k < n; k++) {
        uintptr_t obj = p + k * t->size;
        for (size_t i = 0; i < t->noffsets; i++)
            bitmap_set(obj + t->offsets[i]);
    }
}

/* ---- the slow paths -------------------------------------------------------------- */

/* Take s off allocation: count what was allocated from it, give back the
 * bytes of its unused slots (R2), file it on its class's lists. */
static void uncache(struct wgc_span *s)
{
    span_fold_cache(s);
    uint32_t n = popcount_bits(s->allocbits, s->nelems);
    uint32_t fresh = n - s->nalloc;
    wgc.class_nmalloc[s->sizeclass] += fresh;
    wgc.nmalloc += fresh;
    wgc.total_alloc += (uint64_t)fresh * s->elemsize;
    wgc.heap_alloc -= (uint64_t)(s->nelems - n) * s->elemsize;
    s->nalloc = n;
    s->current = 0;
    struct heap_central *c = &heap.central[s->sizeclass][s->noscan];
    if (n == s->nelems)
        span_list_push(&c->full, s, LIST_FULL);
    else
        span_list_push(&c->partial, s, LIST_PARTIAL);
}

void alloc_uncache_all(void)
{
    for (unsigned c = 1; c < sc_nclasses; c++)
        for (int ns = 0; ns < 2; ns++) {
            struct wgc_span *s = wgc.current[c][ns];
            if (s != &empty_span) {
                uncache(s);
                wgc.current[c][ns] = &empty_span;
            }
        }
}

/* Pages for a new span: from the free runs as they are; else, after
 * sweeping what the last collection left unswept (it may free whole
 * spans); only then by growing the heap.  So garbage waiting to be swept
 * never makes the heap grow (as Go's mheap reclaims before it grows). */
static struct wgc_span *new_span(unsigned c, bool noscan, size_t large_pages)
{
    for (int pass = 0; pass < 3; pass++) {
        uint64_t limit = pass < 2 ? arena_heap_bytes : wgc.heap_limit;
        struct wgc_span *s = large_pages ? span_alloc_large(large_pages, noscan, limit)
                                         : span_alloc_small(c, noscan, limit);
        if (s != NULL)
            return s;
        if (pass == 0)
            gc_finish_sweep();
    }
    return NULL;
}

/* A span of class c with a free slot, or NULL: a swept partial span, then
 * an unswept one swept now, then fresh pages. */
static struct wgc_span *find_span(unsigned c, bool noscan)
{
    struct heap_central *central = &heap.central[c][noscan];
    for (;;) {
        struct wgc_span *s = central->partial.first;
        if (s != NULL) {
            span_list_remove(&central->partial, s);
            return s;
        }
        if (!gc_sweep_one(c, noscan))
            break;
    }
    return new_span(c, noscan, 0);
}

static bool pacing_says_collect(uint64_t more)
{
    return wgc.cfg.gc_percent >= 0 && wgc.heap_alloc + more >= wgc.next_gc;
}

static bool stress_says_collect(void)
{
    if (wgc.stress == 0)
        return false;
    if (++wgc.stress_count < wgc.stress)
        return false;
    wgc.stress_count = 0;
    return true;
}

static uintptr_t alloc_slow(unsigned c, bool noscan, struct wgc_span **out)
{
    if (!wgc.init)
        return (uintptr_t)alloc_fail(WGC_ERR_NOT_INIT, sc_size[c]);
    struct wgc_span *s = wgc.current[c][noscan];
    if (s != &empty_span) {
        if (span_refill_cache(s)) {
            *out = s;
            return span_next_free(s);
        }
        uncache(s);
        wgc.current[c][noscan] = &empty_span;
    }
    bool collected = false;
    if (stress_says_collect() || pacing_says_collect(sc_size[c])) {
        gc_run(wgc.stress ? "stress" : "pacing");
        collected = true;
    }
    s = find_span(c, noscan);
    if (s == NULL && !collected) {
        gc_run("out of memory");
        s = find_span(c, noscan);
    }
    if (s == NULL)
        return (uintptr_t)alloc_fail(WGC_ERR_NOMEM, sc_size[c]);
    /* R1, R2: make it current; its free slots count as allocated. */
    s->current = 1;
    wgc.heap_alloc += (uint64_t)(s->nelems - s->nalloc) * s->elemsize;
    if (s->alloccache == 0)
        span_refill_cache(s);
    uintptr_t p = span_next_free(s);
    *out = s;
    if (wgc.stress)
        uncache(s);   /* R1: nothing stays current in stress mode */
    else
        wgc.current[c][noscan] = s;
    return p;
}

static void *alloc_large(size_t bytes, const struct wgc_type *t, size_t n)
{
    if (!wgc.init)
        return alloc_fail(WGC_ERR_NOT_INIT, bytes);
    /* No size within a page of SIZE_MAX may wrap below (wasm32's 4 GiB). */
    if ((uint64_t)bytes > wgc.heap_limit || bytes > SIZE_MAX - HEAP_PAGE)
        return alloc_fail(WGC_ERR_BAD_SIZE, bytes);
    size_t npages = bytes / HEAP_PAGE + (bytes % HEAP_PAGE != 0);
    uint64_t span_bytes = (uint64_t)npages * HEAP_PAGE;
    bool noscan = t == NULL || t->noffsets == 0;
    bool collected = false;
    if (stress_says_collect() || pacing_says_collect(span_bytes)) {
        gc_run(wgc.stress ? "stress" : "pacing");
        collected = true;
    }
    struct wgc_span *s = new_span(0, noscan, npages);
    if (s == NULL && !collected) {
        gc_run("out of memory");
        s = new_span(0, noscan, npages);
    }
    if (s == NULL)
        return alloc_fail(WGC_ERR_NOMEM, bytes);
    span_list_push(&heap.large, s, LIST_LARGE);
    if (s->needzero)
        memset((void *)s->base, 0, span_bytes);
    if (!noscan)
        write_bitmap(s->base, t, n, span_bytes);
    wgc.heap_alloc += span_bytes;
    wgc.total_alloc += span_bytes;
    wgc.nmalloc++;
    wgc.nlarge++;
    return (void *)s->base;
}

/* ---- the API -------------------------------------------------------------------- */

static inline __attribute__((always_inline)) void *alloc_small(size_t bytes, const struct wgc_type *t, size_t n)
{
    unsigned c = sc_of(bytes);
    bool noscan = t == NULL || t->noffsets == 0;
    struct wgc_span *s = wgc.current[c][noscan];
    uintptr_t p = span_next_free(s);
    if (p == 0) {
        p = alloc_slow(c, noscan, &s);
        if (p == 0)
            return NULL;
    }
    if (s->needzero)   /* debug builds only: release sweeps zero (span.c) */
        memset((void *)p, 0, s->elemsize);
    if (!noscan)
        write_bitmap(p, t, n, s->elemsize);
    return (void *)p;
}

/* Everything but the fast path: unchecked, bad or large types, and a class
 * whose current span has no free slot cached.  Out of line, so that the
 * fast path below stays a leaf with few registers to save. */
static __attribute__((noinline)) void *alloc_typed_slow(struct wgc_type *type)
{
    if (!type_check(type))
        return alloc_fail(WGC_ERR_BAD_TYPE, type ? type->size : 0);
    if (type->size <= SC_MAX_SMALL)
        return alloc_small(type->size, type, 1);
    return alloc_large(type->size, type, 1);
}

/* The fast path: a checked small type whose class's current span has a
 * free slot in its cache. */
void *wgc_alloc(struct wgc_type *type)
{
    uint32_t st = type != NULL ? type->state_ : 0;
    unsigned c = TYPE_CLASS(st);
    if (__builtin_expect(TYPE_STATE(st) == TYPE_VALID && c != 0 && WGC_DEBUG < 2, 1)) {
        bool noscan = (st & TYPE_NOSCAN) != 0;
        struct wgc_span *s = wgc.current[c][noscan];
        uintptr_t p = span_next_free(s);
        if (__builtin_expect(p != 0 && !s->needzero && (noscan || s->bm != NULL), 1)) {
            if (!noscan)
                span_bitmap_write(s, p, type->mask_);
            return (void *)p;
        }
        if (p != 0) {   /* debug builds' zeroing, or a span without bm */
            if (s->needzero)
                memset((void *)p, 0, s->elemsize);
            if (!noscan)
                write_bitmap(p, type, 1, s->elemsize);
            return (void *)p;
        }
    }
    return alloc_typed_slow(type);
}

void *wgc_alloc_array(struct wgc_type *type, size_t n)
{
    if (!type_check(type))
        return alloc_fail(WGC_ERR_BAD_TYPE, type ? type->size : 0);
    if (n == 0 || type->size > SIZE_MAX / n)
        return alloc_fail(WGC_ERR_BAD_SIZE, n);
    /* Element k starts at k * size: with a size that is not a whole number
     * of words, some element's pointer fields would be unaligned words,
     * which the heap bitmap cannot describe (wgc.h). */
    if (n > 1 && type->noffsets != 0 && type->size % WORD != 0)
        return alloc_fail(WGC_ERR_BAD_TYPE, type->size);
    size_t bytes = type->size * n;
    if (bytes <= SC_MAX_SMALL)
        return alloc_small(bytes, type, n);
    return alloc_large(bytes, type, n);
}

void *wgc_alloc_bytes(size_t n)
{
    if (n == 0)
        return alloc_fail(WGC_ERR_BAD_SIZE, n);
    if (n <= SC_MAX_SMALL)
        return alloc_small(n, NULL, 1);
    return alloc_large(n, NULL, 1);
}

size_t wgc_usable_size(const void *obj)
{
    uintptr_t p = (uintptr_t)obj;
    if (!wgc.init || arena_of(p) == NULL)
        return 0;
    struct wgc_span *s = arena_span_of(p);
    if (s == NULL || p < s->base || p >= span_limit(s) ||
        (s->state != SPAN_SMALL && s->state != SPAN_LARGE))
        return 0;
    if (s->current)
        span_fold_cache(s);
    uint32_t i = span_index(s, p);
    if (span_slot(s, i) != p || i >= s->nelems || !bit_get(s->allocbits, i))
        return 0;
    return s->state == SPAN_LARGE ? (size_t)s->npages * HEAP_PAGE : s->elemsize;
}
