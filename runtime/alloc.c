/* alloc.c — type descriptors and the allocation API (runtime layer).
 * Below: gc.c (collections), cache.c (current spans), init.c (errors),
 * heap/ (central.h, the bitmap).  Above: the embedder.
 *
 * The fast path (wgc_alloc of a small type) is: the type's state_ says it
 * was checked, its class's current span has a free slot in its cache
 * (span_next_free), and the type's word mask is written into the heap
 * bitmap through the span's cached bitmap word unless the type has no
 * pointers.  Everything else -- a new current span, pacing, stress mode,
 * large objects, errors, debug builds' zeroing and re-checks -- is in
 * alloc_typed_slow / alloc_slow / alloc_large.  R1–R3: internal.h.
 */
#include <string.h>

#include "internal.h"

/* ---- type descriptors ---------------------------------------------------------- */

/* A type's state_, written by type_check_slow: bits 0-7 and 24-31 say
 * unchecked (0), valid (TYPE_VALID, a 16-bit pattern, so that the garbage
 * of an unzeroed descriptor is unlikely to read as checked) or malformed;
 * bits 8-9 its kind of span (central.h: 0 scan, 1 noscan, 2 unbarriered);
 * bits 16-23 its size class (0: large).  So the fast path reads one word to
 * know the type is good, its class and which current span serves it.  The slow path re-derives the private fields from
 * the public ones (type_still_valid) and refuses a descriptor changed after
 * its first use; debug builds do so on every allocation. */
#define TYPE_STATE_MASK 0xff0000ffu
enum { TYPE_UNCHECKED = 0, TYPE_VALID = 0xa50000c3u, TYPE_MALFORMED = 0x5a00003cu };
#define TYPE_STATE(st) ((st) & TYPE_STATE_MASK)
#define TYPE_KIND(st) (((st) >> 8) & 3)
#define TYPE_CLASS(st) (((st) >> 16) & 0xff)

/* The kind of span for objects of t (NULL: pointer-free bytes). */
static inline unsigned kind_of(const struct wgc_type *t)
{
    if (t == NULL || t->noffsets == 0)
        return KIND_NOSCAN;
    return (t->flags & WGC_UNBARRIERED) ? KIND_UNBARRIERED : KIND_SCAN;
}

/* Derive a type's private fields from its public ones; false when the
 * descriptor is malformed. */
static bool type_derive(const struct wgc_type *t, uint64_t *mask_out, uint32_t *words_out,
                        uint32_t *state_out)
{
    if (t->size == 0 || (t->noffsets != 0 && t->offsets == NULL) ||
        (t->flags & ~WGC_UNBARRIERED) != 0)
        return false;
    uint64_t mask = 0;
    for (size_t i = 0; i < t->noffsets; i++) {
        uint32_t off = t->offsets[i];
        if (off % HEAP_WORD != 0 || (size_t)off + HEAP_WORD > t->size)
            return false;
        if (off / HEAP_WORD < 64)
            mask |= (uint64_t)1 << (off / HEAP_WORD);
    }
    sizeclass_init();
    uint32_t c = t->size <= SC_MAX_SMALL ? sc_of(t->size) : 0;
    *mask_out = mask;
    size_t words = t->size / HEAP_WORD + (t->size % HEAP_WORD != 0);
    *words_out = words > UINT32_MAX ? UINT32_MAX : (uint32_t)words;   /* too big to allocate anyway */
    *state_out = TYPE_VALID | (kind_of(t) << 8) | (c << 16);
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
    size_t words = slot / HEAP_WORD;
    if (words <= 64 && t->words_ * n <= 64) {
        uint64_t mask = 0;
        for (size_t k = 0; k < n; k++)
            mask |= t->mask_ << (k * t->words_);
        bitmap_write(p, mask, (unsigned)words);
        return;
    }
    if (t->size % HEAP_WORD == 0 && 64 % t->words_ == 0 && (p / HEAP_WORD) % 64 == 0) {
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
            bitmap_write(p + w * HEAP_WORD, bits, len);
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

/* Class c's current span is out of cached slots: its next 64 slots, or a
 * span from the central lists (collecting first when pacing or stress mode
 * say so, and once more before giving up). */
static uintptr_t alloc_slow(unsigned c, unsigned kind, uint64_t mask, struct span **out)
{
    if (!gc.init)
        return (uintptr_t)gc_fail(WGC_ERR_NOT_INIT, sc_size[c]);
    uintptr_t p = cache_next(c, kind, out);
    if (p != 0)
        return p;
    bool collected = false;
    if (cache_stress_says_collect() || gc_pacing_says_collect(sc_size[c])) {
        gc_run(gc.cfg.stress ? "stress" : "pacing", false);
        collected = true;
    }
    struct span *s = central_take(c, kind, gc.heap_limit);
    if (s == NULL && !collected) {
        gc_run("out of memory", true);
        s = central_take(c, kind, gc.heap_limit);
    }
    if (s == NULL)
        return (uintptr_t)gc_fail(WGC_ERR_NOMEM, sc_size[c]);
    *out = s;
    return cache_install(s, c, kind, mask);
}

static void *alloc_large(size_t bytes, const struct wgc_type *t, size_t n)
{
    if (!gc.init)
        return gc_fail(WGC_ERR_NOT_INIT, bytes);
    /* No size within a page of SIZE_MAX may wrap below (wasm32's 4 GiB). */
    if ((uint64_t)bytes > gc.heap_limit || bytes > SIZE_MAX - HEAP_PAGE)
        return gc_fail(WGC_ERR_BAD_SIZE, bytes);
    size_t npages = bytes / HEAP_PAGE + (bytes % HEAP_PAGE != 0);
    uint64_t span_bytes = (uint64_t)npages * HEAP_PAGE;
    unsigned kind = kind_of(t);
    bool noscan = kind == KIND_NOSCAN;
    bool collected = false;
    if (cache_stress_says_collect() || gc_pacing_says_collect(span_bytes)) {
        gc_run(gc.cfg.stress ? "stress" : "pacing", false);
        collected = true;
    }
    struct span *s = central_take_large(npages, kind, gc.heap_limit);
    if (s == NULL && !collected) {
        gc_run("out of memory", true);
        s = central_take_large(npages, kind, gc.heap_limit);
    }
    if (s == NULL)
        return gc_fail(WGC_ERR_NOMEM, bytes);
    if (s->needzero)
        memset((void *)s->base, 0, span_bytes);
    if (!noscan)
        write_bitmap(s->base, t, n, span_bytes);
    gc.heap_alloc += span_bytes;
    gc.total_alloc += span_bytes;
    gc.nmalloc++;
    return (void *)s->base;
}

/* ---- the API -------------------------------------------------------------------- */

/* Make the slot p of s an object of n t's: zeroed (debug builds' poisoned
 * spans only: release sweeps zero), and its pointer bits written unless the
 * span's pattern already says them (span.h S6). */
static inline void place(struct span *s, uintptr_t p, const struct wgc_type *t, size_t n)
{
    if (s->needzero)
        memset((void *)p, 0, s->elemsize);
    if (s->noscan || (n == 1 && s->patterned && t->mask_ == s->pattern))
        return;
    write_bitmap(p, t, n, s->elemsize);
    s->mixed = s->patterned;   /* S6: only a patterned span has bits to restore */
}

static inline __attribute__((always_inline)) void *alloc_small(size_t bytes, const struct wgc_type *t, size_t n)
{
    unsigned c = sc_of(bytes);
    unsigned kind = kind_of(t);
    struct span *s = cache_current[c][kind];
    uintptr_t p = span_next_free(s);
    if (p == 0) {
        p = alloc_slow(c, kind, n == 1 && t != NULL ? t->mask_ : 0, &s);
        if (p == 0)
            return NULL;
    }
    place(s, p, t, n);
    return (void *)p;
}

/* Everything but the fast path: a type whose mask is not its current
 * span's pattern, the next 64 slots of the current span (no re-check of
 * the type), and then, with the type re-derived from its public fields,
 * unchecked, bad or large types and a new current span.  Out of line, so
 * that the fast path below stays a leaf with few registers to save. */
static __attribute__((noinline)) void *alloc_typed_slow(struct wgc_type *type)
{
    uint32_t st = type != NULL ? type->state_ : 0;
    unsigned c = TYPE_CLASS(st);
    if (TYPE_STATE(st) == TYPE_VALID && c != 0 && WGC_DEBUG < 2) {
        struct span *s = cache_current[c][TYPE_KIND(st)];
        uintptr_t p = span_next_free(s);
        if (p == 0 && s != &cache_empty_span && span_refill_cache(s))
            p = span_next_free(s);
        if (p != 0) {
            place(s, p, type, 1);
            return (void *)p;
        }
    }
    if (!type_check(type))
        return gc_fail(WGC_ERR_BAD_TYPE, type ? type->size : 0);
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
        struct span *s = cache_current[c][TYPE_KIND(st)];
        /* S6: a span whose free slots already hold this type's bits. */
        if (__builtin_expect(s->fastok && type->mask_ == s->pattern, 1)) {
            uintptr_t p = span_next_free(s);
            if (__builtin_expect(p != 0, 1))
                return (void *)p;
        }
    }
    return alloc_typed_slow(type);
}

void *wgc_alloc_array(struct wgc_type *type, size_t n)
{
    if (!type_check(type))
        return gc_fail(WGC_ERR_BAD_TYPE, type ? type->size : 0);
    if (n == 0 || type->size > SIZE_MAX / n)
        return gc_fail(WGC_ERR_BAD_SIZE, n);
    size_t bytes = type->size * n;
    if (gc.init && (uint64_t)bytes > gc.heap_limit)   /* a size error comes first */
        return gc_fail(WGC_ERR_BAD_SIZE, bytes);
    /* Element k starts at k * size: with a size that is not a whole number
     * of words, some element's pointer fields would be unaligned words,
     * which the heap bitmap cannot describe (wgc.h). */
    if (n > 1 && type->noffsets != 0 && type->size % HEAP_WORD != 0)
        return gc_fail(WGC_ERR_BAD_TYPE, type->size);
    if (bytes <= SC_MAX_SMALL)
        return alloc_small(bytes, type, n);
    return alloc_large(bytes, type, n);
}

void *wgc_alloc_bytes(size_t n)
{
    if (n == 0)
        return gc_fail(WGC_ERR_BAD_SIZE, n);
    if (n <= SC_MAX_SMALL)
        return alloc_small(n, NULL, 1);
    return alloc_large(n, NULL, 1);
}

size_t wgc_usable_size(const void *obj)
{
    if (!gc.init)
        return 0;
    struct span *s = span_of((uintptr_t)obj);
    if (s == NULL)
        return 0;
    if (s->current)
        span_fold_cache(s);
    if (span_object_at(s, (uintptr_t)obj) < 0)
        return 0;
    return span_obj_bytes(s);
}

/* ---- weak references and ephemerons: their boxes (weak.c) ------------------------------- */

/* The target (key, value) are rooted here across the box's allocation:
 * the caller may pass an object that nothing else holds. */
void *wgc_weak_new(void *target)
{
    if (!weak_check_target(target, false))
        return NULL;
    WGC_LOCALS(target);
    void *box = wgc_alloc_bytes(WEAK_BOX_BYTES);
    return weak_register(box, target);
}

void *wgc_ephemeron_new(void *key, void *value)
{
    if (!weak_check_target(key, true))
        return NULL;
    WGC_LOCALS(key, value);
    void *box = wgc_alloc_bytes(WEAK_BOX_BYTES);
    return ephemeron_register(box, key, value);
}
