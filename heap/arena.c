/* arena.c — arenas, the arena index, the heap bitmap, fixed-size
 * allocators (see arena.h for the walk-through and invariants H1–H3). */
#include "arena.h"

#include <string.h>

uint64_t arena_metadata_bytes;
uint64_t arena_heap_bytes;
uintptr_t arena_space_base;
struct heap_arena *arena_index[ARENA_INDEX_LEN];
/* H4: the barrier's view of the arena index (declared in wgc.h, whose
 * inline barrier spells out these shapes). */
_Static_assert(ARENA_INDEX_LEN == 1024 && ARENA_SHIFT == 22 && CARD_SHIFT == 9 &&
                   ARENA_CARDS == 8192,
               "wgc.h's wgc_card_mark_ hard-codes the card table's shape");
uint8_t *wgc_cards_[ARENA_INDEX_LEN];
uintptr_t wgc_space_base_;
struct arena_region arena_regions[ARENA_INDEX_LEN];
size_t arena_nregions;

static struct fixalloc arena_structs = {sizeof(struct heap_arena), NULL, NULL, 0,
                                        &arena_metadata_bytes, 0};

void arena_init(void)
{
    arena_space_base = sys_caps()->space_base;
    wgc_space_base_ = arena_space_base;
    sizeclass_init();
}

/* ---- fixed-size allocators ------------------------------------------- */

#define FIXALLOC_CHUNK ((size_t)64 * 1024)

void *fixalloc_alloc(struct fixalloc *f)
{
    void *p;
    if (f->free != NULL) {
        p = f->free;
        f->free = *(void **)p;
        memset(p, 0, f->size);
    } else {
        if (f->left < f->size) {
            /* The chunk's tail (under one object) is simply left unused. */
            size_t chunk = f->size > FIXALLOC_CHUNK ? f->size : FIXALLOC_CHUNK;
            f->chunk = sys_alloc(chunk);
            if (f->chunk == NULL)
                return NULL;
            f->left = sys_round(chunk);
            *f->counter += f->left;
        }
        p = f->chunk;   /* sys_alloc memory is zeroed (A4) */
        f->chunk += f->size;
        f->left -= f->size;
    }
    f->inuse++;
    return p;
}

void fixalloc_free(struct fixalloc *f, void *p)
{
    *(void **)p = f->free;
    f->free = p;
    f->inuse--;
}

/* ---- growing the heap ---------------------------------------------------- */

/* Arena structs with their bitmaps, made ahead of the regions that need
 * them.  Bitmaps are made in chunks that double (1, 2, 4 ... 16 at a time)
 * from one sys_alloc each, so that most heap growths need no metadata
 * from the break and the regions follow each other without gaps: the heap
 * stays contiguous and free runs can merge across regions.  At most half of
 * the bitmaps ever made sit unused in the pool. */
static struct heap_arena *pool[ARENA_INDEX_LEN];
static size_t npool, next_chunk = 1;

static bool pool_fill(size_t need)
{
    if (npool >= need)
        return true;
    size_t n = need - npool > next_chunk ? need - npool : next_chunk;
    if (npool + n > ARENA_INDEX_LEN)
        n = ARENA_INDEX_LEN - npool;
    char *bitmaps = sys_alloc(n * ARENA_META_BYTES);
    if (bitmaps == NULL)
        return false;
    arena_metadata_bytes += sys_round(n * ARENA_META_BYTES);
    for (size_t k = 0; k < n; k++) {
        struct heap_arena *a = fixalloc_alloc(&arena_structs);
        if (a == NULL)
            return false;   /* the bitmaps made so far stay pooled */
        a->bitmap = (uint64_t *)(bitmaps + k * ARENA_META_BYTES);
        a->cards = (uint8_t *)a->bitmap + BITMAP_BYTES;
        pool[npool++] = a;
    }
    if (next_chunk < 16)
        next_chunk *= 2;
    return npool >= need;
}

/* Metadata reserved between two growths of the heap (span structs, mark
 * stack segments, root tables, bitmaps) would sit between two regions and
 * split the heap: free runs could not merge across it, and an emptied heap
 * could not hold an object larger than one region.  So before it grows, the
 * heap stocks the OS layer's free list, which serves every later
 * reservation first, so that metadata lands below the regions:
 *   - at the first growth under a maximum heap (max_heap set), for the
 *     whole maximum: bitmaps for all its arenas and 1/16 of it for the
 *     rest, both capped (META_UPFRONT_MAX), so that a heap of up to 64 MiB
 *     stays one contiguous range up to its limit;
 *   - at every growth, in proportion to the metadata taken so far per heap
 *     byte, at least 1/16 of the region (a top-up is itself a gap, but a
 *     rare one).
 * Nothing here is required for correctness: a gap costs only merging. */
#define META_RESERVE_DIV 16
#define META_UPFRONT_MAX ((uint64_t)64 << 20)   /* the largest maximum heap stocked for in full */

static void keep_metadata_room(size_t len, uint64_t limit)
{
    uint64_t want = len / META_RESERVE_DIV;
    if (arena_heap_bytes == 0 && limit < sys_caps()->space_size) {
        uint64_t whole = limit < META_UPFRONT_MAX ? limit : META_UPFRONT_MAX;
        (void)pool_fill((size_t)(whole / ARENA_BYTES) + 2);
        if (whole / META_RESERVE_DIV > want)
            want = whole / META_RESERVE_DIV;
    }
    struct sys_stats st;
    sys_get_stats(&st);
    uint64_t heap_side = arena_heap_bytes + arena_metadata_bytes;
    uint64_t other = st.reserved > heap_side ? st.reserved - heap_side : 0;
    if (arena_heap_bytes > 0 && other * len / arena_heap_bytes > want)
        want = other * len / arena_heap_bytes;
    if (want > len / 4 && arena_heap_bytes > 0)
        want = len / 4;
    (void)sys_keep_free((size_t)want);   /* best effort */
}

uintptr_t arena_grow(size_t bytes, uint64_t limit, size_t *len_out)
{
    if (bytes == 0 || bytes > ((uint64_t)1 << 32) - ARENA_BYTES || arena_heap_bytes >= limit)
        return 0;
    /* A whole arena's worth, or, near the limit, what is left of it in
     * wasm pages (a small max_heap gets a small heap). */
    size_t len = (bytes + ARENA_BYTES - 1) & ~(ARENA_BYTES - 1);
    if (arena_heap_bytes + len > limit)
        len = (size_t)((limit - arena_heap_bytes) & ~(uint64_t)(SYS_PAGE - 1));
    if (len < bytes)
        return 0;
    /* Metadata first, for every slot the region could touch. */
    keep_metadata_room(len, limit);
    if (!pool_fill((len + ARENA_BYTES - 1) / ARENA_BYTES + 1))
        return 0;
    /* Page-aligned is enough: heap pages are 8 KiB (see H1). */
    char *mem = sys_reserve(len, SYS_PAGE);
    if (mem == NULL)
        return 0;
    uintptr_t first = ((uintptr_t)mem - arena_space_base) >> ARENA_SHIFT;
    uintptr_t last = ((uintptr_t)mem + len - 1 - arena_space_base) >> ARENA_SHIFT;
    for (uintptr_t i = first; i <= last; i++) {
        if (arena_index[i] != NULL)
            continue;   /* an earlier region covers part of this slot */
        struct heap_arena *a = pool[--npool];
        a->base = arena_space_base + (i << ARENA_SHIFT);
        arena_index[i] = a;   /* H1 */
        wgc_cards_[i] = a->cards;   /* H4 */
    }
    sys_map(mem, len);
    arena_heap_bytes += len;
    arena_regions[arena_nregions++] = (struct arena_region){(uintptr_t)mem, len};
    *len_out = len;
    return (uintptr_t)mem;
}

void arena_set_spans(uintptr_t first, size_t npages, struct span *s)
{
    uintptr_t p = first, end = first + npages * HEAP_PAGE;
    while (p < end) {
        struct heap_arena *a = arena_of(p);
        size_t i = (p - a->base) >> HEAP_PAGE_SHIFT;
        for (; i < ARENA_PAGES && p < end; i++, p += HEAP_PAGE)
            a->spans[i] = s;
    }
}

void arena_clear_cards(void)
{
    for (size_t i = 0; i < ARENA_INDEX_LEN; i++)
        if (arena_index[i] != NULL)
            memset(arena_index[i]->cards, 0, ARENA_CARDS);
}

/* ---- the heap bitmap ----------------------------------------------------- */

void bitmap_clear(uintptr_t p, size_t nwords)
{
    while (nwords > 0) {
        struct heap_arena *a = arena_of(p);
        size_t w = (p - a->base) / HEAP_WORD;
        size_t in_arena = ARENA_WORDS - w;
        size_t n = nwords < in_arena ? nwords : in_arena;
        /* Head up to a 64-bit boundary, whole words, then the tail. */
        size_t i = w, end = w + n;
        while (i < end && (i & 63) != 0) {
            a->bitmap[i >> 6] &= ~((uint64_t)1 << (i & 63));
            i++;
        }
        if (end - i >= 64) {
            memset(&a->bitmap[i >> 6], 0, ((end - i) >> 6) * sizeof(uint64_t));
            i += (end - i) & ~(size_t)63;
        }
        for (; i < end; i++)
            a->bitmap[i >> 6] &= ~((uint64_t)1 << (i & 63));
        p += n * HEAP_WORD;
        nwords -= n;
    }
}

void bitmap_set(uintptr_t p)
{
    struct heap_arena *a = arena_of(p);
    size_t w = (p - a->base) / HEAP_WORD;
    a->bitmap[w >> 6] |= (uint64_t)1 << (w & 63);
}

void bitmap_write_split(uintptr_t p, uint64_t mask, unsigned nwords)
{
    struct heap_arena *a = arena_of(p);
    unsigned head = (unsigned)(ARENA_WORDS - (p - a->base) / HEAP_WORD);
    bitmap_write(p, mask, head);
    bitmap_write(p + head * HEAP_WORD, mask >> head, nwords - head);
}

uint64_t bitmap_read_split(uintptr_t p, unsigned nwords)
{
    struct heap_arena *a = arena_of(p);
    unsigned head = (unsigned)(ARENA_WORDS - (p - a->base) / HEAP_WORD);
    return bitmap_read(p, head) | bitmap_read(p + head * HEAP_WORD, nwords - head) << head;
}
