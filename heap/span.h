/* span.h — spans: runs of pages cut into equal slots (heap layer).
 * Below: pages.h, arena.h, sizeclass.h.  Above: central.h, runtime/.
 *
 * A span is either free (owned by the page allocator, pages.h), a small
 * span (a size class's slots) or a large span (one object of its own
 * pages).  Each in-use span keeps two bitmaps of its slots: allocbits (slot
 * holds an object) and markbits (the collector found the object live).
 * Sweeping a span makes the live objects its allocated ones: allocbits :=
 * markbits, and the markbits start again from zero (Go's gcmarkBits swap).
 *
 * Allocation from a span: `freeindex` is a multiple of 64 and `alloccache`
 * holds, for the 64 slots from freeindex, a 1 for every free slot.  Taking a
 * slot is a count-trailing-zeros and clearing that bit -- the allocbits are
 * not written on this fast path (as in Go): while a span is a current span,
 * every slot below freeindex is allocated, a slot of the window is allocated
 * when its cache bit is clear, and later slots as allocbits say.
 * span_fold_cache writes that back into allocbits; uncaching a span does it,
 * so the collector and the verifier only ever see exact allocbits.  When the
 * cache is empty, span_refill_cache moves to the next 64 slots.
 *
 * Which lists a span is on is central.h's business (the `list` field and
 * the links are kept here, in the struct, for it).
 *
 * INVARIANTS
 *   S1. Every page of an in-use span maps to the span in its arena's span
 *       map (arena.h H2).
 *   S2. nalloc == popcount(allocbits) for every span that is not a current
 *       span; a current span's allocations since it became current are
 *       known only after span_fold_cache.
 *   S3. A span's sweepgen is span_state.sweepgen - 2 (needs sweeping) or
 *       span_state.sweepgen (swept); it never goes backwards.  The count
 *       starts at 4 so that "needs sweeping" is never below 0 in unsigned
 *       arithmetic, and a zeroed struct (sweepgen 0) is never taken for
 *       either.
 *   S4. Outside a collection markbits are all zero -- or, in generational
 *       mode (span_state.sticky), mark exactly the old objects, a subset of
 *       allocbits ("sticky mark bits": a sweep leaves the survivors marked);
 *       allocbits has no bit set at or past nelems.
 *   S5. Bits set in alloccache are clear in allocbits, and only cover slots
 *       below nelems.
 *   S6. A patterned span (a small scan span with bm set, once it has served
 *       a type whose mask is `pattern`): every free slot's heap-bitmap bits
 *       are `pattern`.  So allocating an object of that type needs no
 *       bitmap write (Go 1.22 keeps small objects' pointer bits per span
 *       for the same reason); an object of another mask writes its own
 *       bits and sets `mixed`, and sweeping a mixed span restores the
 *       pattern in the slots it frees.  `fastok` says the allocation fast
 *       path may hand out this span's slots as they are: no zeroing
 *       needed, and noscan or patterned.
 * Checked by span_check() (the verifier, and WGC_ASSERT at WGC_DEBUG >= 2).
 */
#ifndef WGC_SPAN_H
#define WGC_SPAN_H
#ifdef WGC_EMBEDDER
#error "an embedder includes runtime/wgc.h only; this header is wgc's own"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "sizeclass.h"

#define SPAN_BITWORDS (SC_MAX_ELEMS / 64)

/* SPAN_DEAD: a span struct back in the pool (or never used); a stale span
 * map entry pointing at it must look neither free nor in use (H2). */
enum span_kind { SPAN_DEAD = 0, SPAN_FREE, SPAN_SMALL, SPAN_LARGE };
/* The `list` field: 0 on no list, 1 a free run (pages.h); central.h uses
 * the values from 2 on. */
enum { SPAN_LIST_NONE = 0, SPAN_LIST_FREE = 1 };

struct span {
    uintptr_t base;            /* first byte */
    uint32_t npages;
    uint8_t state;             /* enum span_kind */
    uint8_t list;              /* which list (central.h C3; pages.h P3) */
    uint8_t sizeclass;         /* 0 for large spans */
    uint8_t noscan;            /* objects hold no pointers */
    uint8_t needzero;          /* free slots / pages may hold old bytes */
    uint8_t released;          /* free span whose pages were given to sys_unused */
    uint8_t current;           /* a class's current span */
    uint8_t unbarriered;       /* objects of unbarriered types: always rescanned */
    uint8_t patterned;         /* S6 */
    uint8_t mixed;             /* S6: some object's bits differ from the pattern */
    uint8_t fastok;            /* S6 */
    uint64_t pattern;          /* S6: the free slots' pointer bits */
    uint32_t elemsize;         /* slot size (large: npages * HEAP_PAGE, capped) */
    uint32_t nelems;           /* slots */
    uint32_t divmul;           /* sizeclass.h sc_divide */
    uint32_t nalloc;           /* allocated slots (S2) */
    uint32_t freeindex;        /* first slot the alloccache covers (multiple of 64) */
    uint32_t sweepgen;         /* S3 */
    uint64_t alloccache;       /* S5 */
    uint64_t *bm;              /* heap bitmap word of base, or NULL (span_bitmap_write) */
    uint64_t slotkeep;         /* low_bits(slot words), when bm is set */
    uint64_t *allocbits;       /* points at bits[0] or bits[1] */
    uint64_t *markbits;        /* the other */
    struct span *next, *prev;
    uint64_t bits[2][SPAN_BITWORDS];
};

/* What the span layer counts, and the sweep generation (S3). */
struct span_state {
    uint32_t sweepgen;                       /* +2 at every cycle (central_begin_cycle) */
    bool sticky;                             /* S4: sweeps leave survivors marked */
    uint64_t inuse_bytes;                    /* bytes in in-use spans */
    uint64_t nspans_inuse;
    uint64_t class_spans[SC_MAX_CLASSES];    /* in-use spans of each class */
};
extern struct span_state span_state;

void span_init(void);

/* A new span of class c (noscan or not) from the page allocator; swept, on
 * no list.  NULL when the page allocator cannot grow under `limit`. */
struct span *span_alloc_small(unsigned c, bool noscan, uint64_t limit);
/* A new large span of npages; its one object is allocated.  Reused pages
 * keep needzero set: the caller zeroes them (small spans are zeroed here). */
struct span *span_alloc_large(size_t npages, bool noscan, uint64_t limit);
/* Give an in-use span's pages back to the page allocator (not on a list). */
void span_free(struct span *s);

/* Sweep one span: free its unmarked objects.  Returns the number of slots
 * freed, and their bytes through *freed_bytes.  Freed small slots are
 * zeroed, or with poison (debug builds) filled with 0xdb and the span marked
 * needzero, so that allocation zeroes them and a read through a dangling
 * pointer shows the pattern.  The span is left on no list; the caller
 * files it (or frees it when empty). */
uint32_t span_sweep(struct span *s, bool poison, uint64_t *freed_bytes);

/* Freed slots in debug builds (and with verify_each_gc): reads through a
 * dangling pointer show 0xdbdbdbdb..., and the verifier knows a slot whose
 * object a sweep freed from one that was never used. */
#define SPAN_POISON_BYTE 0xdb
static inline bool span_slot_poisoned(const struct span *s, uint32_t i)
{
    uintptr_t w;
    __builtin_memcpy(&w, (const void *)(s->base + (uintptr_t)i * s->elemsize), sizeof w);
    return w == (uintptr_t)0xdbdbdbdbdbdbdbdbull;
}

/* Which of a class's three kinds of span s is: 0 scan, 1 noscan, 2 scan
 * with unbarriered objects (the index of the cache and the central lists). */
static inline unsigned span_kind_index(const struct span *s)
{
    return s->noscan ? 1u : s->unbarriered ? 2u : 0u;
}

/* Is slot i marked (allocated and, in generational mode, old)? */
static inline bool span_marked(const struct span *s, uint32_t i)
{
    return (s->markbits[i >> 6] >> (i & 63)) & 1;
}

/* S6: give a small span its pattern (its free slots' bits := mask) if it
 * has none, and recompute fastok. */
void span_set_pattern(struct span *s, uint64_t mask);

/* Write the cache's allocations into allocbits (see above); idempotent. */
void span_fold_cache(struct span *s);
/* Move the alloccache to the next 64 slots with a free one; false if the
 * span is full from freeindex on. */
bool span_refill_cache(struct span *s);
/* Make s ready to allocate from slot 0 on (after sweeping or when new). */
void span_reset_cache(struct span *s);

static inline uint32_t popcount_bits(const uint64_t *bits, uint32_t nelems)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < (nelems + 63) / 64; i++)
        n += (uint32_t)__builtin_popcountll(bits[i]);
    return n;
}

/* The slot index of address p in s, and whether p is the slot's start. */
static inline uint32_t span_index(const struct span *s, uintptr_t p)
{
    if (s->state == SPAN_LARGE)
        return 0;
    return sc_divide(p - s->base, s->divmul);
}
static inline uintptr_t span_slot(const struct span *s, uint32_t i)
{
    return s->base + (uintptr_t)i * s->elemsize;
}
static inline uintptr_t span_limit(const struct span *s)
{
    return s->base + (uintptr_t)s->npages * HEAP_PAGE;
}
static inline bool bit_get(const uint64_t *b, uint32_t i)
{
    return (b[i >> 6] >> (i & 63)) & 1;
}
static inline void bit_set(uint64_t *b, uint32_t i)
{
    b[i >> 6] |= (uint64_t)1 << (i & 63);
}

/* Write the pointer bits of the object at p, a slot of s, from mask: the
 * allocation fast path's bitmap write, with the arena lookup done once per
 * span.  Only for spans with bm set: span.c sets it when the span's slots
 * are at most 64 words and the span lies in one arena slot. */
static inline void span_bitmap_write(const struct span *s, uintptr_t p, uint64_t mask)
{
    size_t w = (p - s->base) / HEAP_WORD;
    uint64_t *b = s->bm + (w >> 6);
    unsigned sh = w & 63, nwords = s->elemsize / HEAP_WORD;
    uint64_t keep = s->slotkeep;
    mask &= keep;
    b[0] = (b[0] & ~(keep << sh)) | (mask << sh);
    if (sh + nwords > 64) {
        unsigned back = 64 - sh;
        b[1] = (b[1] & ~(keep >> back)) | (mask >> back);
    }
}

/* Take the next free slot of s from its cache, or 0 when the cache is empty.
 * The allocation fast path. */
static inline uintptr_t span_next_free(struct span *s)
{
    uint64_t c = s->alloccache;
    if (c == 0)
        return 0;
    uint32_t i = s->freeindex + (uint32_t)__builtin_ctzll(c);
    s->alloccache = c & (c - 1);
    return span_slot(s, i);
}

/* Check S1–S5 for one in-use span; returns NULL or a constant message. */
const char *span_check(const struct span *s);

/* The in-use span holding address p, or NULL: the one way to ask (the span
 * map may be stale, H2, so the range and the state are checked). */
static inline struct span *span_of(uintptr_t p)
{
    struct span *s = arena_span_of(p);
    if (s == NULL || p < s->base || p >= span_limit(s) ||
        (s->state != SPAN_SMALL && s->state != SPAN_LARGE))
        return NULL;
    return s;
}

/* The bytes of one object of s: the slot size, or a large span's pages. */
static inline uintptr_t span_obj_bytes(const struct span *s)
{
    return s->state == SPAN_LARGE ? (uintptr_t)s->npages * HEAP_PAGE : s->elemsize;
}

/* The index of the allocated object that starts exactly at p, or -1. */
static inline int64_t span_object_at(const struct span *s, uintptr_t p)
{
    uint32_t i = span_index(s, p);
    if (i >= s->nelems || span_slot(s, i) != p || !bit_get(s->allocbits, i))
        return -1;
    return i;
}

#endif
