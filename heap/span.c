/* span.c — spans: their allocation cache, setup and sweeping (see span.h,
 * S1–S5).  Below: pages.c (the pages), arena.h (the bitmap). */
#include "span.h"

#include <string.h>

#include "pages.h"

struct span_state span_state;

void span_init(void)
{
    arena_init();
    if (span_state.sweepgen == 0)
        span_state.sweepgen = 4;   /* S3 */
}

/* ---- allocation cache ------------------------------------------------------ */

static inline uint64_t valid_bits(uint32_t from, uint32_t nelems)
{
    uint32_t n = nelems - from;
    return n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
}

void span_reset_cache(struct span *s)
{
    s->freeindex = 0;
    s->alloccache = ~s->allocbits[0] & valid_bits(0, s->nelems);
}

void span_fold_cache(struct span *s)
{
    uint32_t window = s->freeindex >> 6;
    for (uint32_t w = 0; w < window; w++)
        s->allocbits[w] = valid_bits(w * 64, s->nelems);
    if (s->freeindex < s->nelems)
        s->allocbits[window] = ~s->alloccache & valid_bits(s->freeindex, s->nelems);
}

bool span_refill_cache(struct span *s)
{
    while (s->freeindex + 64 < s->nelems) {
        s->freeindex += 64;
        s->alloccache = ~s->allocbits[s->freeindex >> 6] & valid_bits(s->freeindex, s->nelems);
        if (s->alloccache != 0)
            return true;
    }
    s->alloccache = 0;
    return false;
}

/* ---- new spans ------------------------------------------------------------- */

static void span_setup(struct span *s, enum span_kind state, unsigned c, bool noscan)
{
    s->state = (uint8_t)state;
    s->list = 0;
    s->sizeclass = (uint8_t)c;
    s->noscan = noscan;
    s->current = 0;
    s->unbarriered = 0;
    s->patterned = s->mixed = s->fastok = 0;
    s->pattern = 0;
    s->allocbits = s->bits[0];
    s->markbits = s->bits[1];
    memset(s->bits, 0, sizeof s->bits);
    s->nalloc = 0;
    s->sweepgen = span_state.sweepgen;
    s->next = s->prev = NULL;
    span_state.inuse_bytes += (uint64_t)s->npages * HEAP_PAGE;
    span_state.nspans_inuse++;
    span_state.class_spans[c]++;
}

struct span *span_alloc_small(unsigned c, bool noscan, uint64_t limit)
{
    struct span *s = pages_alloc(sc_pages[c], limit);
    if (s == NULL)
        return NULL;
    span_setup(s, SPAN_SMALL, c, noscan);
    s->elemsize = sc_size[c];
    s->nelems = sc_nelems[c];
    s->divmul = sc_divmul[c];
    /* span_bitmap_write's shortcut: spans start on 8 KiB pages, so at bit 0
     * of a bitmap word. */
    struct heap_arena *a = arena_of(s->base);
    s->bm = NULL;
    if (!noscan && s->elemsize <= 64 * HEAP_WORD && arena_of(span_limit(s) - 1) == a) {
        s->bm = &a->bitmap[(s->base - a->base) / HEAP_WORD / 64];
        s->slotkeep = low_bits(s->elemsize / HEAP_WORD);
    }
    if (s->needzero) {   /* reused pages: zero them in bulk, not per object */
        memset((void *)s->base, 0, (size_t)s->npages * HEAP_PAGE);
        s->needzero = 0;
    }
    span_reset_cache(s);
    return s;
}

struct span *span_alloc_large(size_t npages, bool noscan, uint64_t limit)
{
    struct span *s = pages_alloc(npages, limit);
    if (s == NULL)
        return NULL;
    span_setup(s, SPAN_LARGE, 0, noscan);
    uint64_t bytes = (uint64_t)npages * HEAP_PAGE;
    s->elemsize = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
    s->nelems = 1;
    s->divmul = 0;
    s->bm = NULL;
    s->freeindex = 0;
    s->alloccache = 0;
    bit_set(s->allocbits, 0);
    s->nalloc = 1;
    return s;
}

void span_free(struct span *s)
{
    WGC_ASSERT((s->state == SPAN_SMALL || s->state == SPAN_LARGE) && !s->current, "S1");
    span_state.inuse_bytes -= (uint64_t)s->npages * HEAP_PAGE;
    span_state.nspans_inuse--;
    span_state.class_spans[s->sizeclass]--;
    pages_free(s);
}

/* ---- the bitmap pattern (S6) ------------------------------------------------ */

void span_set_pattern(struct span *s, uint64_t mask)
{
    if (s->state == SPAN_SMALL && !s->noscan && s->bm != NULL && !s->patterned) {
        uint32_t words = s->elemsize / HEAP_WORD;
        mask &= s->slotkeep;
        bool fresh = popcount_bits(s->allocbits, s->nelems) == 0;
        if (fresh && 64 % words == 0) {
            /* Slots tile each bitmap word: one repeated word for all. */
            uint64_t rep = 0;
            for (unsigned k = 0; k < 64; k += words)
                rep |= mask << k;
            uint32_t nbits = s->nelems * words;
            for (uint32_t w = 0; w < (nbits + 63) / 64; w++)
                s->bm[w] = rep;
        } else {
            for (uint32_t i = 0; i < s->nelems; i++)
                if (!bit_get(s->allocbits, i))
                    span_bitmap_write(s, span_slot(s, i), mask);
        }
        s->pattern = mask;
        s->patterned = 1;
    }
    s->fastok = !s->needzero && (s->noscan || s->patterned);
}

/* ---- sweeping ---------------------------------------------------------------- */


uint32_t span_sweep(struct span *s, bool poison, uint64_t *freed_bytes)
{
    WGC_ASSERT(!s->current && s->sweepgen == span_state.sweepgen - 2, "S3");
    uint32_t nwords = (s->nelems + 63) / 64, freed = 0;
    /* A span with no live object goes back to the page allocator whole
     * (the caller frees it) and is zeroed when its pages are reused. */
    bool empty = popcount_bits(s->markbits, s->nelems) == 0;
    for (uint32_t w = 0; w < nwords; w++) {
        uint64_t dead = s->allocbits[w] & ~s->markbits[w];
        if (dead == 0)
            continue;
        freed += (uint32_t)__builtin_popcountll(dead);
        if (s->state == SPAN_LARGE || (empty && !poison))
            continue;
        /* Zero freed slots now, a run of neighbours at a time, so that
         * allocation never has to (needzero stays 0); debug builds poison
         * them instead. */
        while (dead != 0) {
            uint32_t first = (uint32_t)__builtin_ctzll(dead);
            uint64_t rest = ~(dead >> first);
            uint32_t len = rest == 0 ? 64 - first : (uint32_t)__builtin_ctzll(rest);
            memset((void *)span_slot(s, w * 64 + first), poison ? SPAN_POISON_BYTE : 0,
                   (size_t)len * s->elemsize);
            dead = first + len >= 64 ? 0 : dead & (~(uint64_t)0 << (first + len));
        }
    }
    if (s->mixed && s->patterned) {   /* S6: the freed slots get the pattern back */
        for (uint32_t w = 0; w < nwords; w++)
            for (uint64_t dead = s->allocbits[w] & ~s->markbits[w]; dead != 0; dead &= dead - 1)
                span_bitmap_write(s, span_slot(s, w * 64 + (uint32_t)__builtin_ctzll(dead)),
                                  s->pattern);
    }
    /* The marked objects are the allocated ones now (Go's gcmarkBits swap). */
    uint64_t *live = s->markbits;
    s->markbits = s->allocbits;
    s->allocbits = live;
    if (span_state.sticky)   /* S4: the survivors stay marked, old */
        memcpy(s->markbits, s->allocbits, nwords * sizeof(uint64_t));
    else
        memset(s->markbits, 0, nwords * sizeof(uint64_t));
    s->nalloc = popcount_bits(s->allocbits, s->nelems);
    s->sweepgen = span_state.sweepgen;
    if (freed != 0 && poison) {
        s->needzero = 1;
        s->fastok = 0;
    }
    if (s->state == SPAN_SMALL)
        span_reset_cache(s);
    *freed_bytes = (uint64_t)freed * s->elemsize;
    return freed;
}

/* ---- checks -------------------------------------------------------------------- */

const char *span_check(const struct span *s)
{
    if (s->state != SPAN_SMALL && s->state != SPAN_LARGE)
        return "span: in-use span with a bad state";
    for (uint32_t p = 0; p < s->npages; p++)
        if (arena_span_of(s->base + (uintptr_t)p * HEAP_PAGE) != s)
            return "span: a page does not map to its span (S1)";
    if ((uint64_t)s->nelems * s->elemsize > (uint64_t)s->npages * HEAP_PAGE)
        return "span: slots overrun the span";
    if (!s->current && s->nalloc != popcount_bits(s->allocbits, s->nelems))
        return "span: nalloc disagrees with the allocation bits (S2)";
    if (s->sweepgen != span_state.sweepgen && s->sweepgen != span_state.sweepgen - 2)
        return "span: sweepgen out of range (S3)";
    uint32_t nwords = (s->nelems + 63) / 64;
    for (uint32_t w = 0; w < SPAN_BITWORDS; w++) {
        uint64_t beyond = w < nwords ? ~valid_bits(w * 64, s->nelems) : ~(uint64_t)0;
        if (s->allocbits[w] & beyond)
            return "span: allocation bit set past nelems (S4)";
        if (s->markbits[w] & ~s->allocbits[w])
            return "span: mark bit of a free slot set outside a collection (S4)";
        if (!span_state.sticky && s->markbits[w] != 0)
            return "span: mark bit set outside a collection (S4)";
    }
    if (s->patterned && !s->current && s->bm != NULL) {
        for (uint32_t i = 0; i < s->nelems; i++) {
            if (bit_get(s->allocbits, i))
                continue;
            size_t w = (size_t)i * (s->elemsize / HEAP_WORD);
            unsigned sh = w & 63, n = s->elemsize / HEAP_WORD;
            uint64_t bits = s->bm[w >> 6] >> sh;
            if (sh != 0 && sh + n > 64)
                bits |= s->bm[(w >> 6) + 1] << (64 - sh);
            if ((bits & s->slotkeep) != s->pattern)
                return "span: a free slot's pointer bits are not the span's pattern (S6)";
        }
    }
    if (s->state == SPAN_SMALL && (s->freeindex % 64 != 0 || s->freeindex >= s->nelems))
        return "span: freeindex is not a window start inside the span (S5)";
    if (s->state == SPAN_SMALL && s->alloccache != 0) {
        if (s->alloccache & s->allocbits[s->freeindex >> 6])
            return "span: alloccache offers an allocated slot (S5)";
        if (s->alloccache & ~valid_bits(s->freeindex, s->nelems))
            return "span: alloccache offers a slot past nelems (S5)";
    }
    return NULL;
}
