/* arena.h — arenas, the arena index and the heap bitmap (heap layer).
 * Below: arch/sys.h.  Above: pages.c, span.c, runtime/.
 *
 * READ THIS FIRST: how wgc's heap fits together (after Go's malloc.go).
 *
 * Allocating a small object (runtime/alloc.c):
 *   size → size class (sizeclass.h) → the class's current span's next free
 *   slot (runtime/cache.c; a count-trailing-zeros in span.alloccache,
 *   span.h) → when that span is full: a swept span with free slots from the
 *   class's central lists, or an unswept one swept now (central.h) → when
 *   none: a fresh span from the page allocator (pages.h) → when no free run
 *   of pages is big enough: a new region from sys_reserve (this file).
 * A large object (> 32 KiB) skips the classes and gets a span of its own
 * pages.  If the object's type has pointers, its words' pointer bits are
 * written into the heap bitmap (this file); pointer-free objects go to
 * "noscan" spans and cost no bitmap writes.
 *
 * The numbers on wasm32 (natively, pointers are 8 bytes; the shapes are the
 * same, on the posix stand-in's 4 GiB space):
 *   address space  4 GiB, all of linear memory
 *   arena          a 4 MiB slot of the address space (512 heap pages of
 *                  8 KiB); the heap grows by 4 MiB regions, each covering
 *                  parts of one or two slots
 *   arena index    1024 entries (one per 4 MiB slot), a flat table
 *   heap bitmap    1 bit per 4-byte word: 128 KiB per arena (3.1%), one
 *                  sys_alloc of exactly two wasm pages (natively 64 KiB)
 *   span map       512 span pointers per arena (2 KiB), in struct heap_arena
 *
 * Why one bit per word: the bit says "this word holds a pointer".  Go's
 * second bit said "no more pointers in this object", to stop scanning
 * early; wgc reads 64 bits of the bitmap at a time and skips zero runs
 * quickly, and knows each object's end from its span, so it does not need
 * one.  The bitmap is written at allocation from the type's word mask and
 * rewritten whole when a slot is reused; the collector reads it, never the
 * type.
 *
 * Heap regions are NOT aligned to 4 MiB, only to the 64 KiB wasm page.  An
 * aligned region would skip up to 4 MiB of the break to reach the next
 * boundary, and on wasm every byte below the break is committed linear
 * memory, gap or not: a small program would pay megabytes for it.  Instead
 * the index is by 4 MiB slot, and a slot's arena struct (bitmap, span map)
 * exists as soon as any region touches the slot; the pages of a slot that no
 * region covers are simply never in the span map.  The cost is at most one
 * extra bitmap per region end (128 KiB on wasm).
 *
 * INVARIANTS
 *   H1. arena_index[i] is NULL or the arena of the slot
 *       [base + i*ARENA_BYTES, base + (i+1)*ARENA_BYTES), which exists
 *       once a heap region overlaps the slot; arenas never go away.
 *   H2. For every page of an in-use span, the arena's span map points to that
 *       span (also span.h S1); for a free run, the first and last pages do.
 *       Other entries may be stale: a lookup checks the span's range and state.
 *   H3. For an allocated object in a scan span, bit w of the bitmap is set
 *       exactly when word w of the object holds a pointer field of its type
 *       (words past the type's size, up to the slot size, are 0).
 *   H4. wgc_cards_[i] is arena_index[i]'s card table (or NULL), so the
 *       inline write barrier finds a card with one index and no call.  A
 *       card byte is nonzero when a pointer was stored into the card since
 *       the collector last cleared it.
 */
#ifndef WGC_ARENA_H
#define WGC_ARENA_H
#ifdef WGC_EMBEDDER
#error "an embedder includes runtime/wgc.h only; this header is wgc's own"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sizeclass.h"
#include "sys.h"

#define ARENA_SHIFT 22
#define ARENA_BYTES ((size_t)1 << ARENA_SHIFT)            /* 4 MiB */
#define ARENA_PAGES (ARENA_BYTES / HEAP_PAGE)             /* 512 */
#define ARENA_INDEX_LEN ((size_t)(((uint64_t)1 << 32) >> ARENA_SHIFT))  /* 1024 */
#define HEAP_WORD sizeof(void *)
#define ARENA_WORDS (ARENA_BYTES / HEAP_WORD)
#define BITMAP_BYTES (ARENA_WORDS / 8)
/* The card table: one byte per 512-byte card of the arena, set by the write
 * barrier (wgc.h) when a pointer is stored in the card; the generational
 * collector reads and clears it (H4). */
#define CARD_SHIFT 9
#define CARD_BYTES ((size_t)1 << CARD_SHIFT)
#define ARENA_CARDS (ARENA_BYTES >> CARD_SHIFT)   /* 8192 */
#define ARENA_META_BYTES (BITMAP_BYTES + ARENA_CARDS)

struct span;

struct heap_arena {
    uintptr_t base;                        /* first byte, ARENA_BYTES-aligned */
    uint64_t *bitmap;                      /* ARENA_WORDS bits, from sys_alloc */
    uint8_t *cards;                        /* ARENA_CARDS bytes, after the bitmap (H4) */
    struct span *spans[ARENA_PAGES];   /* the span map (H2) */
};

/* Metadata bytes obtained for arenas (bitmaps, arena structs). */
extern uint64_t arena_metadata_bytes;
/* Bytes of arena memory (heap_sys). */
extern uint64_t arena_heap_bytes;
/* The heap's regions, in the order they were added (at most one per 4 MiB
 * of the space). */
struct arena_region {
    uintptr_t start;
    size_t len;
};
extern struct arena_region arena_regions[ARENA_INDEX_LEN];
extern size_t arena_nregions;
/* The space's start (0 on wasm) and the index. */
extern uintptr_t arena_space_base;
extern struct heap_arena *arena_index[ARENA_INDEX_LEN];

void arena_init(void);

/* Clear every card of every arena. */
void arena_clear_cards(void);

/* The arena holding address p, or NULL when p is not in the heap. */
static inline struct heap_arena *arena_of(uintptr_t p)
{
    uintptr_t off = p - arena_space_base;
    if ((uint64_t)off >= ((uint64_t)1 << 32))
        return NULL;
    return arena_index[off >> ARENA_SHIFT];
}

/* The card byte of address p (p in the heap). */
static inline uint8_t *arena_card_of(uintptr_t p)
{
    struct heap_arena *a = arena_of(p);
    return &a->cards[(p - a->base) >> CARD_SHIFT];
}

/* The span map entry for address p (may be stale or NULL, H2). */
static inline struct span *arena_span_of(uintptr_t p)
{
    struct heap_arena *a = arena_of(p);
    if (a == NULL)
        return NULL;
    return a->spans[(p - a->base) >> HEAP_PAGE_SHIFT];
}

/* Grow the heap by a region of at least `bytes` (rounded up to 4 MiB, or
 * to wasm pages when that would pass `limit`), page-aligned, creating the
 * arenas of the slots it touches.  Returns its start and its length in
 * *len_out, or 0 when the OS layer is out of memory or the heap would pass
 * `limit` bytes of heap memory. */
uintptr_t arena_grow(size_t bytes, uint64_t limit, size_t *len_out);

/* Set the span map for pages [first, first + npages) to s; the run may
 * cross arenas. */
void arena_set_spans(uintptr_t first, size_t npages, struct span *s);

/* ---- the heap bitmap (H3) ---- */

static inline uint64_t low_bits(unsigned n)
{
    return n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
}

/* The rare cases where the words run into the next arena (a span may). */
void bitmap_write_split(uintptr_t p, uint64_t mask, unsigned nwords);
uint64_t bitmap_read_split(uintptr_t p, unsigned nwords);

/* Write the pointer bits of `nwords` (<= 64) words at p from mask (bit i:
 * word i), clearing the others.  Inline: it is on the allocation fast path. */
static inline void bitmap_write(uintptr_t p, uint64_t mask, unsigned nwords)
{
    struct heap_arena *a = arena_of(p);
    size_t w = (p - a->base) / HEAP_WORD;
    if (__builtin_expect(w + nwords > ARENA_WORDS, 0)) {
        bitmap_write_split(p, mask, nwords);
        return;
    }
    uint64_t *b = &a->bitmap[w >> 6];
    unsigned sh = w & 63;
    uint64_t keep = low_bits(nwords);
    mask &= keep;
    b[0] = (b[0] & ~(keep << sh)) | (mask << sh);
    if (sh + nwords > 64) {
        unsigned back = 64 - sh;
        b[1] = (b[1] & ~(keep >> back)) | (mask >> back);
    }
}
/* Clear the bits of [p, p + nwords words), across arenas if need be. */
void bitmap_clear(uintptr_t p, size_t nwords);
/* Set the bit of the word at p. */
void bitmap_set(uintptr_t p);
/* Read the bits of up to 64 words from p (bit i: word i).  Inline: it is
 * the collector's inner loop. */
static inline uint64_t bitmap_read(uintptr_t p, unsigned nwords)
{
    struct heap_arena *a = arena_of(p);
    size_t w = (p - a->base) / HEAP_WORD;
    if (__builtin_expect(w + nwords > ARENA_WORDS, 0))
        return bitmap_read_split(p, nwords);
    const uint64_t *b = &a->bitmap[w >> 6];
    unsigned sh = w & 63;
    uint64_t bits = b[0] >> sh;
    if (sh != 0 && sh + nwords > 64)
        bits |= b[1] << (64 - sh);
    return bits & low_bits(nwords);
}
/* Is the word at p a pointer word? */
static inline bool bitmap_is_ptr(uintptr_t p)
{
    struct heap_arena *a = arena_of(p);
    size_t w = (p - a->base) / HEAP_WORD;
    return (a->bitmap[w >> 6] >> (w & 63)) & 1;
}

/* A fixed-size allocator on sys_alloc chunks (for span and arena structs):
 * objects come back zeroed; freed ones are kept for reuse, never returned. */
struct fixalloc {
    size_t size;
    void *free;          /* freed objects, linked through their first word */
    char *chunk;         /* the current chunk's next byte */
    size_t left;         /* bytes left in it */
    uint64_t *counter;   /* metadata bytes obtained, accumulated here */
    uint64_t inuse;      /* objects handed out and not freed */
};
void *fixalloc_alloc(struct fixalloc *f);
void fixalloc_free(struct fixalloc *f, void *p);

#endif
