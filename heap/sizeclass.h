/* sizeclass.h — size classes for small objects (heap layer).
 * Below: nothing.  Above: span.c (spans of a class), runtime/alloc.c.
 *
 * Objects up to SC_MAX_SMALL (32 KiB) are rounded up to one of
 * sc_nclasses classes; class 0 means "large" (a span of its own).  The table
 * is not typed in: sizeclass_init computes it from two rules, so it can be
 * read, changed and tested as rules:
 *
 *   Q1. Sizes step by 8 bytes up to 128, then by 1/8 of the power of two
 *       below (16 from 128, 32 from 256, ..., 2048 from 16 KiB).  A request
 *       one byte over the previous class therefore wastes under 1/8 of its
 *       slot once slots are 64 bytes or more; below that the 8-byte
 *       granularity bounds it (a 9-byte request in a 16-byte slot).
 *   Q2. A class's span is the fewest 8 KiB pages (up to 10) whose tail --
 *       the bytes left after the last whole slot -- is at most 1/8 of the
 *       span, with at most SC_MAX_ELEMS slots.  Of two sizes that give the
 *       same pages and the same slot count, only the larger is kept: the
 *       smaller would waste the same span for nothing.
 *
 * INVARIANTS (checked by test_sizeclass.c)
 *   Z1. sc_size[c] is a multiple of 8, strictly increasing in c.
 *   Z2. sc_of(n) is the smallest class with sc_size >= n, for 1 <= n <= 32 KiB.
 *   Z3. sc_nelems[c] * sc_size[c] <= sc_pages[c] * HEAP_PAGE, and the rest
 *       (tail) is at most 1/8 of the span.
 *   Z4. Worst-case internal waste of a class -- a request of (previous class
 *       + 1) bytes in a slot of this class -- is at most 12.5% for classes of
 *       64 bytes and more (sc_worst_waste); below 64 bytes it is bounded by
 *       the 8-byte granularity (7/16 at worst, for a 9-byte request).
 *       Tail waste (Z3, sc_tail_waste) is counted apart: at most 12.5% of
 *       the span.  The table with both, printed by test_sizeclass, is in
 *       README.md.
 */
#ifndef WGC_SIZECLASS_H
#define WGC_SIZECLASS_H
#ifdef WGC_EMBEDDER
#error "an embedder includes runtime/wgc.h only; this header is wgc's own"
#endif

#include <stddef.h>
#include <stdint.h>

#define HEAP_PAGE_SHIFT 13
#define HEAP_PAGE ((size_t)1 << HEAP_PAGE_SHIFT)   /* 8 KiB heap pages */
#define SC_MAX_SMALL 32768                         /* larger objects are "large" */
#define SC_MAX_CLASSES 96
#define SC_MAX_ELEMS 1024                          /* slots per span, at most */

extern unsigned sc_nclasses;                 /* classes in use, including class 0 */
extern uint32_t sc_size[SC_MAX_CLASSES];     /* object size of each class */
extern uint32_t sc_pages[SC_MAX_CLASSES];    /* pages per span */
extern uint32_t sc_nelems[SC_MAX_CLASSES];   /* slots per span */
extern uint32_t sc_divmul[SC_MAX_CLASSES];   /* offset * divmul >> 32 == offset / size */

/* Compute the tables; idempotent. */
void sizeclass_init(void);

extern uint8_t sc_small_lookup[129];                              /* (n+7)/8, n <= 1024 */
extern uint8_t sc_large_lookup[(SC_MAX_SMALL - 1024) / 128 + 1];  /* (n-1024+127)/128 */

/* The class of a request of n bytes, 1 <= n <= SC_MAX_SMALL. */
static inline unsigned sc_of(size_t n)
{
    if (n <= 1024)
        return sc_small_lookup[(n + 7) >> 3];
    return sc_large_lookup[(n - 1024 + 127) >> 7];
}

/* Z4's and Z3's measures for class c, in parts per 10000. */
unsigned sc_worst_waste(unsigned c);
unsigned sc_tail_waste(unsigned c);

/* The divide-by-multiply for a slot size: exact for every offset below
 * 16 pages (checked by the test for every class). */
static inline uint32_t sc_divide(uintptr_t offset, uint32_t divmul)
{
    return (uint32_t)(((uint64_t)offset * divmul) >> 32);
}

#endif
