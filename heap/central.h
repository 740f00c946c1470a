/* central.h — the central span lists of each size class, and the large
 * objects' list (heap layer; Go's mcentral).
 * Below: span.h (sweeping one span, new spans), pages.h.  Above: runtime/
 * (the allocation cache takes spans here and gives them back; the
 * collector begins cycles and finishes sweeping here).
 *
 * Every in-use span that is not some class's current span is on exactly
 * one list.  A class has, for pointer-holding and for noscan spans, two
 * pairs of lists, `partial` (has a free slot) and `full`, indexed by the
 * sweep generation: the pair [swept_index()] holds swept spans, the other
 * pair unswept ones.  Beginning a cycle is then only span_state.sweepgen
 * += 2 (Go's trick: the swept lists become the unswept ones, in O(1),
 * inside the pause), because sweep termination has left the unswept pair
 * empty.  Large spans have the same two lists.  Sweeping is lazy: a class
 * sweeps its unswept spans one at a time when it needs a span, and the
 * next collection sweeps whatever is left.
 *
 * Sweeping counts what it frees here (central_counts), so the runtime's
 * stats read them rather than being called back.
 *
 * INVARIANTS
 *   C1. A span on a list of pair i is swept iff i == swept_index(): its
 *       sweepgen is span_state.sweepgen, else sweepgen - 2 (span.h S3).
 *   C2. The unswept lists are empty from sweep termination to the end of
 *       the mark (central_begin_cycle asserts it).
 *   C3. A span is on at most one list, and its `list` field names it
 *       (LIST_NONE: on none, e.g. a current span).
 *   C4. On a partial list, nalloc < nelems; on a full list, ==.
 * Checked by central_check().
 */
#ifndef WGC_CENTRAL_H
#define WGC_CENTRAL_H
#ifdef WGC_EMBEDDER
#error "an embedder includes runtime/wgc.h only; this header is wgc's own"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "span.h"

struct span_list {
    struct span *first;
    size_t len;
};

/* The `list` field: which list; the pair index is the low bit. */
enum { LIST_NONE = SPAN_LIST_NONE, LIST_PARTIAL = 2, LIST_FULL = 4, LIST_LARGE = 6 };

struct central_class {
    struct span_list partial[2], full[2];
};

/* A class's three kinds of span (span_kind_index): objects with pointers,
 * without, and with pointers but of unbarriered types. */
enum { KIND_SCAN = 0, KIND_NOSCAN = 1, KIND_UNBARRIERED = 2, KINDS = 3 };

struct central_counts {
    uint64_t nfree;                          /* objects freed by sweeping */
    uint64_t class_nfree[SC_MAX_CLASSES];
    uint64_t bytes_freed;
    uint64_t nlarge;                         /* live large objects */
};

extern struct central_counts central_counts;

void central_init(void);

/* A span of class c with a free slot, taken off its lists: a swept partial
 * span, else an unswept one swept now, else fresh pages.  Fresh pages come
 * first from free runs, then (after finishing every class's sweep, so that
 * garbage never makes the heap grow) by growing the heap up to `limit`.
 * NULL when none can be had. */
struct span *central_take(unsigned c, unsigned kind, uint64_t limit);
/* A new large span of npages (its one object allocated), on the large
 * list; NULL as above. */
struct span *central_take_large(size_t npages, unsigned kind, uint64_t limit);
/* Give back a span the allocation cache used (its allocbits folded). */
void central_put(struct span *s);

/* Sweep one unswept span of class c; false when there is none. */
bool central_sweep_one(unsigned c, unsigned kind);
/* Sweep everything unswept (sweep termination, the verifier, wgc_collect). */
void central_finish_sweep(void);
/* The end of a mark: every in-use span needs sweeping now (C2 first). */
void central_begin_cycle(void);

/* Where freed slots are poisoned (debug builds, verify_each_gc). */
void central_set_poison(bool on);
/* Generational mode: sweeps leave the survivors marked (span.h S4).  Set
 * once, before the first allocation. */
void central_set_sticky(bool on);
/* Clear the mark bits of every in-use span (a major collection's start,
 * after sweep termination: every span is on a swept list). */
void central_clear_marks(void);
/* Call fn for every in-use span holding unbarriered objects (same time). */
void central_for_each_unbarriered(void (*fn)(struct span *, void *), void *arg);

/* The list that holds s (C3), or NULL. */
const struct span_list *central_list_of(const struct span *s);
/* Check C1–C4 for one in-use span; NULL or a constant message. */
const char *central_check(const struct span *s);

#endif
