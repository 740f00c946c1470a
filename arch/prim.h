/* prim.h — what each target provides to arch/sys.c (private to arch/).
 *
 * sys.c holds everything the targets share: the alignment invariant, the
 * free list, the limit and the counters.  A target (sys_wasm.c,
 * sys_posix.c) only knows how to move its break and how to change the
 * protection of memory it already has.
 */
#ifndef WGC_PRIM_H
#define WGC_PRIM_H

#include "sys.h"

/* The current break: the end of all memory anyone has taken. */
uintptr_t prim_brk(void);
/* Move the break up by n bytes (n a multiple of 8); false when the target
 * cannot grow that far.  The new memory is zero; it is usable at once on
 * wasm and after prim_map on posix. */
bool prim_grow(size_t n);
/* Total memory size (wasm: linear memory; posix: the grown range). */
uint64_t prim_memory_size(void);
/* Protection changes; no-ops where the target cannot do them. */
void prim_map(void *p, size_t n);      /* make readable+writable */
void prim_release(void *p, size_t n);  /* contents may go (madvise) */
void prim_fault(void *p, size_t n);    /* make inaccessible */
/* Fill in the target's capabilities. */
void prim_caps(struct sys_caps *caps);

#endif /* WGC_PRIM_H */
