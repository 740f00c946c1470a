/* pages.h — the page allocator: runs of free 8 KiB heap pages (heap layer).
 * Below: arena.h (arena_grow, the span map).  Above: span.c.
 *
 * Free runs are spans in state SPAN_FREE.  A run of n pages sits in bin n
 * when n < PAGES_BINS, else in the last bin, which is kept in address order;
 * a 128-bit mask tells which bins are non-empty, so finding a run is a
 * count-trailing-zeros over the mask, plus, for large requests only, a walk
 * of the big runs (there are few: they coalesce).  Nothing scans pages, so
 * the cost does not grow with the heap (a 1 GiB heap has 131072 pages).
 *
 * Allocation takes the run from the lowest non-empty bin that fits (best
 * fit among small bins; lowest address among big runs), splits off what it
 * needs from the run's low end, and files the rest.  Freeing merges with
 * the free runs on both sides, found through the span map (arena.h H2).
 * When no run fits, arena_grow adds arenas; the new run merges with a free
 * run that ends where it starts.
 *
 * INVARIANTS
 *   P1. Free runs never touch: a free run's neighbours are in use or
 *       outside the heap (coalescing is complete).
 *   P2. The first and last pages of a free run map to its span (H2).
 *   P3. A run is in bin min(npages, PAGES_BINS - 1), and the bin's mask bit
 *       is set exactly when the bin is non-empty.
 *   P4. free_pages is the sum of the free runs' pages; released_pages the
 *       sum of those with `released` set.
 */
#ifndef WGC_PAGES_H
#define WGC_PAGES_H
#ifdef WGC_EMBEDDER
#error "an embedder includes runtime/wgc.h only; this header is wgc's own"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "span.h"

#define PAGES_BINS 128

struct page_alloc {
    struct span *bins[PAGES_BINS];   /* doubly linked through next/prev */
    uint64_t mask[PAGES_BINS / 64];
    uint64_t free_pages;
    uint64_t released_pages;
    uint64_t nruns;
    uint64_t retain_bytes;   /* unreleased free bytes kept (pages_set_retain) */
};
extern struct page_alloc page_heap;
/* Bytes of span structs obtained (they are the page allocator's: it makes
 * one for every run it splits off, in-use span or free run). */
extern uint64_t pages_metadata_bytes;

/* A run of npages in use (state and class set by the caller), its pages'
 * span map entries set (S1).  needzero says whether it may hold old bytes.
 * Grows the heap when no free run fits, up to `limit` bytes of arenas.
 * NULL when it cannot. */
struct span *pages_alloc(size_t npages, uint64_t limit);
/* Add at least npages of free pages to the heap now (wgc_init's initial
 * heap); false when arena_grow cannot. */
bool pages_grow(size_t npages, uint64_t limit);
/* Give an in-use span's pages back; s becomes (part of) a free run. */
void pages_free(struct span *s);

/* Free runs of at least this many pages are given to sys_unused when they
 * form (a real release on posix, nothing on wasm) -- but only while the
 * unreleased free pages exceed the retained amount (pages_set_retain, the
 * heap goal): memory the heap will need again soon is kept, so a steady
 * heap does not fault its pages back in every cycle. */
#define PAGES_RELEASE_MIN 16
void pages_set_retain(uint64_t bytes);

/* Check P1–P4 walking the free runs; NULL or a constant message. */
const char *pages_check(void);

#endif
