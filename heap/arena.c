/* arena.c — arenas, the arena index, the heap bitmap, fixed-size
 * allocators (see arena.h for the walk-through and invariants H1–H3). */
#include "arena.h"

#include <string.h>

uint64_t arena_metadata_bytes;
uint64_t arena_heap_bytes;
uintptr_t arena_space_base;
struct heap_arena *arena_index[ARENA_INDEX_LEN];

static struct fixalloc arena_structs = {sizeof(struct heap_arena), NULL, NULL, 0,
                                        &arena_metadata_bytes, 0};

void arena_init(void)
{
    arena_space_base = sys_caps()->space_base;
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

uintptr_t arena_grow(size_t bytes, uint64_t limit)
{
    if (bytes > ((uint64_t)1 << 32) - ARENA_BYTES)
        return 0;
    size_t len = (bytes + ARENA_BYTES - 1) & ~(ARENA_BYTES - 1);
    size_t n = len / ARENA_BYTES;
    if (arena_heap_bytes + len > limit)
        return 0;
    /* Metadata first: if it fails, no heap memory is stranded. */
    struct heap_arena *meta[ARENA_INDEX_LEN];
    size_t got = 0;
    for (; got < n; got++) {
        meta[got] = fixalloc_alloc(&arena_structs);
        if (meta[got] == NULL)
            break;
        meta[got]->bitmap = sys_alloc(BITMAP_BYTES);
        if (meta[got]->bitmap == NULL) {
            fixalloc_free(&arena_structs, meta[got]);
            break;
        }
    }
    char *mem = got == n ? sys_reserve(len, ARENA_BYTES) : NULL;
    if (mem == NULL) {
        for (size_t i = 0; i < got; i++) {
            sys_free(meta[i]->bitmap, BITMAP_BYTES);
            fixalloc_free(&arena_structs, meta[i]);
        }
        return 0;
    }
    sys_map(mem, len);
    arena_metadata_bytes += n * sys_round(BITMAP_BYTES);
    arena_heap_bytes += len;
    for (size_t i = 0; i < n; i++) {
        uintptr_t base = (uintptr_t)mem + i * ARENA_BYTES;
        meta[i]->base = base;
        arena_index[(base - arena_space_base) >> ARENA_SHIFT] = meta[i];   /* H1 */
    }
    return (uintptr_t)mem;
}

void arena_set_spans(uintptr_t first, size_t npages, struct wgc_span *s)
{
    uintptr_t p = first, end = first + npages * HEAP_PAGE;
    while (p < end) {
        struct heap_arena *a = arena_of(p);
        size_t i = (p - a->base) >> HEAP_PAGE_SHIFT;
        for (; i < ARENA_PAGES && p < end; i++, p += HEAP_PAGE)
            a->spans[i] = s;
    }
}

/* ---- the heap bitmap ----------------------------------------------------- */

void bitmap_clear(uintptr_t p, size_t nwords)
{
    while (nwords > 0) {
        struct heap_arena *a = arena_of(p);
        size_t w = (p - a->base) / WORD;
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
        p += n * WORD;
        nwords -= n;
    }
}

void bitmap_set(uintptr_t p)
{
    struct heap_arena *a = arena_of(p);
    size_t w = (p - a->base) / WORD;
    a->bitmap[w >> 6] |= (uint64_t)1 << (w & 63);
}

void bitmap_write_split(uintptr_t p, uint64_t mask, unsigned nwords)
{
    struct heap_arena *a = arena_of(p);
    unsigned head = (unsigned)(ARENA_WORDS - (p - a->base) / WORD);
    bitmap_write(p, mask, head);
    bitmap_write(p + head * WORD, mask >> head, nwords - head);
}

uint64_t bitmap_read_split(uintptr_t p, unsigned nwords)
{
    struct heap_arena *a = arena_of(p);
    unsigned head = (unsigned)(ARENA_WORDS - (p - a->base) / WORD);
    return bitmap_read(p, head) | bitmap_read(p + head * WORD, nwords - head) << head;
}
