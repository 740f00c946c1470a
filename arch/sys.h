/* sys.h — the OS layer: wgc's whole contract with the memory below it.
 *
 * Below: emscripten's sbrk (arch/sys_wasm.c) or mmap (arch/sys_posix.c).
 * Above: heap/ (arenas, page allocator, fixed-size allocators) and the
 * runtime's own buffers (debuglog ring, trace buffers, mark stack).
 *
 * The model is wasm linear memory: one contiguous address space that only
 * grows at its end (the "break"), shared with libc's malloc, which also moves
 * the break.  The posix stand-in reproduces that shape on the host: one
 * 4 GiB range reserved PROT_NONE at start-up, grown page by page.  So the
 * layers above see the same addresses, the same growth and the same
 * exhaustion on both targets.
 *
 * States of a region (after Go's runtime/mem.go):
 *   none ──sys_reserve──▶ reserved ──sys_map──▶ ready ──sys_unused──▶ unused
 *                              ▲                  │ ◀──sys_used──────┘
 *                              └────sys_free──────┘ (back to the free list)
 *   reserved: owned by the caller, not yet usable on targets that can tell
 *             (posix: PROT_NONE); usable on wasm, which cannot tell.
 *   ready:    readable and writable, zeroed when it was first mapped.
 *   unused:   contents may be discarded (posix: madvise; wasm: nothing).
 *   sys_fault makes a region inaccessible where the target can (posix).
 *
 * INVARIANTS
 *   A1. (the invariant) Every region returned by sys_reserve and sys_alloc
 *       starts on a physical-page boundary (SYS_PAGE, 64 KiB: the wasm page)
 *       and its length is rounded up to whole physical pages.  Not so when
 *       built with SYS_ALIGN=0 — the unaligned baseline, which packs regions
 *       byte by byte like Go's js/wasm before commit 763d3ac.
 *   A2. A region is additionally aligned to the `align` argument of
 *       sys_reserve when the caller asks for more than a page (arenas), in
 *       both builds; the gap skipped to reach it is kept on the free list.
 *   A3. Regions never overlap each other nor any block of libc's malloc.
 *   A4. sys_alloc memory is zeroed; sys_map memory is zeroed the first time
 *       it is mapped and after sys_free.
 *   A5. Counters: padding counts the bytes that belong to nobody, lost only
 *       to aligning the break after malloc left it mid-page; every other byte
 *       between the first and last break wgc moved is in use, on the free
 *       list, or malloc's.
 *   A6. Failure is NULL, never an abort and never a wrapped size: a size of
 *       0, a size whose rounding overflows, growth past the limit or past
 *       what the target can give.
 */
#ifndef WGC_SYS_H
#define WGC_SYS_H
#ifdef WGC_EMBEDDER
#error "an embedder includes runtime/wgc.h only; this header is wgc's own"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#ifndef SYS_ALIGN
#define SYS_ALIGN 1          /* 1: the invariant A1; 0: the unaligned baseline */
#endif

#define SYS_PAGE_SHIFT 16
#define SYS_PAGE ((size_t)1 << SYS_PAGE_SHIFT)   /* 64 KiB, the wasm page */

/* What the target can do; upper layers ask this instead of #ifdef. */
struct sys_caps {
    size_t page_size;       /* SYS_PAGE */
    bool can_release;       /* sys_unused really gives memory back (posix) */
    bool can_fault;         /* sys_fault makes memory inaccessible (posix) */
    bool aligned;           /* SYS_ALIGN */
    uintptr_t space_base;   /* start of the address space (wasm: 0) */
    uint64_t space_size;    /* its size: 4 GiB */
};

struct sys_stats {
    uint64_t reserved;      /* bytes handed out by reserve/alloc and not freed */
    uint64_t mapped;        /* of those, bytes in the ready state */
    uint64_t free;          /* bytes on the free list, kept for reuse */
    uint64_t padding;       /* cumulative bytes lost to alignment (A5) */
    uint64_t obtained;      /* bytes by which wgc moved the break */
    uint64_t memory_size;   /* whole linear memory (posix: the grown range) */
    uint64_t limit;         /* the most wgc will move the break by */
    uint64_t nreserve;      /* calls that succeeded */
    uint64_t nfail;         /* calls that returned NULL */
};

const struct sys_caps *sys_caps(void);

/* Reserve n bytes aligned to `align` (a power of two; values below the page
 * are raised to it, A1/A2).  Free-list regions are used first (lowest
 * address that fits), then the break is moved.  NULL on failure (A6). */
void *sys_reserve(size_t n, size_t align);
/* Make sure at least n bytes sit on the free list, moving the break for
 * the difference: reservations made later are served from there first, so
 * the heap can keep its own regions next to each other by calling this
 * before it grows (heap/arena.c).  False when the break cannot move. */
bool sys_keep_free(size_t n);
/* Make [p, p+n) of a reservation ready (A4). */
void sys_map(void *p, size_t n);
/* sys_reserve + sys_map, page-aligned: zeroed memory, or NULL. */
void *sys_alloc(size_t n);
/* Give [p, p+n) back: it goes on the address-ordered free list, merged with
 * its neighbours, and later reservations reuse it.  p and n as returned /
 * passed to reserve (a page-aligned part of a region is fine too). */
void sys_free(void *p, size_t n);
/* The contents of [p, p+n) are no longer needed / are needed again.  Any
 * part of a region: only whole host pages inside it are released. */
void sys_unused(void *p, size_t n);
void sys_used(void *p, size_t n);
/* Make [p, p+n) inaccessible where the target can (caps.can_fault). */
void sys_fault(void *p, size_t n);

void sys_get_stats(struct sys_stats *out);
/* Set the most wgc may move the break by, in bytes (for tests and for the
 * heap's maximum); returns the previous limit. */
uint64_t sys_set_limit(uint64_t bytes);
/* Round n up to what a reservation of n really takes (A1), or 0 when that
 * overflows. */
size_t sys_round(size_t n);

/* A monotonic clock in nanoseconds (for pauses, the debuglog, the trace). */
uint64_t sys_nanotime(void);
/* The environment variable `name` into out (at most len - 1 bytes and a
 * NUL); false when it is unset or longer.  It asks getenv, then the
 * environment the process started with (/proc/self/environ): emscripten
 * 3.1.6's getenv sees a made-up environment, not Node's, unless the program
 * is linked with arch/node_env.pre.js, while with -sNODERAWFS=1 a wasm
 * program reads the host's /proc (Linux hosts).  Allocates nothing of
 * wgc's (stdio only). */
bool sys_getenv(const char *name, char *out, size_t len);

/* The one fatal-error path (CONTRIBUTING.md, "errors") for a broken invariant, callable
 * from every layer: prints "wgc: fatal error: <msg>", calls the printer the
 * runtime installed (debuglog, counters), then traps.  It allocates
 * nothing.  Out of memory is never fatal: it is a NULL return. */
_Noreturn void sys_fatal(const char *msg);
typedef void (*sys_fatal_printer)(void);
void sys_set_fatal_printer(sys_fatal_printer printer);

/* ---- for tests ---- */
/* Make the next `n`-th call of reserve/alloc fail (1: the next one; 0: off). */
void sys_test_fail_nth(unsigned n);
/* Move the break by `bytes` as libc's malloc would (wasm: sbrk; posix: the
 * stand-in's break), so tests can interleave foreign growth. */
void *sys_test_foreign_sbrk(size_t bytes);
/* Number of runs on the free list. */
size_t sys_test_free_runs(void);

#endif /* WGC_SYS_H */
