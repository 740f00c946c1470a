/* cache.c — the allocation cache: each size class's current span (Go's
 * mcache), and stress mode (runtime layer).
 * Below: init.c (the state), heap/central.h (spans come from and go back
 * to the central lists).  Above: alloc.c (the fast path reads
 * cache_current), gc.c and verify.c (flush before they look at the heap).
 * Invariants R1 and R2 are in internal.h. */
#include "internal.h"

struct span cache_empty_span = {.state = SPAN_SMALL,   /* R1: never has a free slot */
                                .allocbits = cache_empty_span.bits[0],
                                .markbits = cache_empty_span.bits[1]};
/* R1 holds from the start, so the fast path needs no "initialised?" test:
 * before wgc_init every allocation reaches the slow path, which says so. */
struct span *cache_current[SC_MAX_CLASSES][KINDS] = {
    [0 ... SC_MAX_CLASSES - 1] = {&cache_empty_span, &cache_empty_span, &cache_empty_span}};

/* Take s off allocation: count what was allocated from it, give back the
 * bytes of its unused slots (R2), file it on its class's lists. */
static void uncache(struct span *s)
{
    span_fold_cache(s);
    uint32_t n = popcount_bits(s->allocbits, s->nelems);
    uint32_t fresh = n - s->nalloc;
    gc.class_nmalloc[s->sizeclass] += fresh;
    gc.nmalloc += fresh;
    gc.total_alloc += (uint64_t)fresh * s->elemsize;
    gc.heap_alloc -= (uint64_t)(s->nelems - n) * s->elemsize;
    s->nalloc = n;
    s->current = 0;
    central_put(s);
}

void cache_flush(void)
{
    for (unsigned c = 1; c < sc_nclasses; c++)
        for (unsigned k = 0; k < KINDS; k++) {
            struct span *s = cache_current[c][k];
            if (s != &cache_empty_span) {
                uncache(s);
                cache_current[c][k] = &cache_empty_span;
            }
        }
}

uintptr_t cache_next(unsigned c, unsigned kind, struct span **out)
{
    struct span *s = cache_current[c][kind];
    if (s == &cache_empty_span)
        return 0;
    if (span_refill_cache(s)) {
        *out = s;
        return span_next_free(s);
    }
    uncache(s);
    cache_current[c][kind] = &cache_empty_span;
    return 0;
}

uintptr_t cache_install(struct span *s, unsigned c, unsigned kind, uint64_t mask)
{
    span_set_pattern(s, mask);   /* S6: the first type it serves sets its pattern */
    WGC_ASSERT(s->list == LIST_NONE && !s->current && s->nalloc < s->nelems, "C3");
    /* R1, R2: make it current; its free slots count as allocated. */
    s->current = 1;
    gc.heap_alloc += (uint64_t)(s->nelems - s->nalloc) * s->elemsize;
    if (s->alloccache == 0)
        span_refill_cache(s);
    uintptr_t p = span_next_free(s);
    if (gc.cfg.stress)
        uncache(s);   /* R1: nothing stays current in stress mode */
    else
        cache_current[c][kind] = s;
    return p;
}

bool cache_stress_says_collect(void)
{
    if (gc.cfg.stress == 0)
        return false;
    if (++gc.stress_count < gc.cfg.stress)
        return false;
    gc.stress_count = 0;
    return true;
}

unsigned wgc_set_stress(unsigned every_n)
{
    unsigned old = gc.cfg.stress;
    if (gc.init)
        cache_flush();   /* R1 either way */
    gc.cfg.stress = every_n;
    gc.stress_count = 0;
    return old;
}

void cache_pending(uint64_t *objects, uint64_t *bytes, uint64_t class_objects[])
{
    *objects = *bytes = 0;
    for (unsigned c = 1; c < sc_nclasses; c++)
        for (unsigned k = 0; k < KINDS; k++) {
            struct span *s = cache_current[c][k];
            if (s == &cache_empty_span)
                continue;
            span_fold_cache(s);
            uint32_t n = popcount_bits(s->allocbits, s->nelems) - s->nalloc;
            *objects += n;
            *bytes += (uint64_t)n * s->elemsize;
            class_objects[c] += n;
        }
}
