/* debuglog.h — the debuglog: a ring of compact binary records that any part
 * of the runtime writes cheaply and that is printed on a fatal error and on
 * request (runtime layer; after Go's runtime/debuglog.go).
 * Below: arch/sys.h (the ring is one sys_alloc region, never libc malloc).
 * Above: runtime/gc.c and the heap's slow paths, through DLOG.
 *
 * A record is a timestamp (CLOCK_MONOTONIC, ns), a pointer to a static
 * string and three word-sized arguments; nothing is formatted when it is
 * written.  The ring is one 64 KiB region:
 *
 *     | header (64 B): magic, pos, count, ... | record 0 | record 1 | ... |
 *
 * `pos` hands out sequence numbers (an atomic fetch-add reserves one; its
 * slot is seq % nslots), `count` says how many records are complete (an
 * atomic add after the record is written), and each record's own `seq` is
 * stored last, so a reader can tell a whole record from a torn or stale
 * one.  wgc is single-threaded; the atomics are there because the ring is
 * what a fatal-error printer reads from the middle of anything, and because
 * 64-bit atomics are exactly what wasm refuses on misaligned memory.
 *
 * INVARIANTS
 *   D1. The ring starts on a 64 KiB boundary (sys.h A1), so its header
 *       and every record, whose 64-bit fields sit at multiples of 8 from
 *       it, are naturally aligned for the 64-bit atomics (pinned below and
 *       in debuglog.c with _Static_assert).  debuglog_init checks D1 when
 *       it allocates the ring and calls sys_fatal when it does not hold --
 *       unless debuglog_set_checks(false) was called first: the unaligned
 *       baseline's trap program (test/prog_debuglog_trap.c) turns the check
 *       off so that the misaligned atomic itself is what fails, with wasm's
 *       "operation does not support unaligned accesses".
 *   D2. count <= pos, and records pos-1, pos-2, ... down to
 *       max(0, pos - nslots) are the newest; those below count are whole.
 *   D3. With WGC_DEBUGLOG == 0, DLOG generates no code and references no
 *       symbol.  With 1, a DLOG while the log is disabled is one load and
 *       one branch, and never evaluates its arguments.
 *   D4. Printing (debuglog_print, the fatal printer) allocates nothing.
 */
#ifndef WGC_DEBUGLOG_H
#define WGC_DEBUGLOG_H
#ifdef WGC_EMBEDDER
#error "an embedder includes runtime/wgc.h only; this header is wgc's own"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

#define DEBUGLOG_RING_BYTES ((size_t)64 * 1024)   /* one wasm page */
#define DEBUGLOG_NARGS 3

/* One record as it sits in the ring (and as debuglog_read copies it out).
 * seq is the record's sequence number + 1 (0: never written). */
struct debuglog_record {
    uint64_t seq;
    uint64_t nanotime;          /* CLOCK_MONOTONIC, nanoseconds */
    const char *msg;            /* a static string; never freed */
    uintptr_t args[DEBUGLOG_NARGS];
};

_Static_assert(sizeof(struct debuglog_record) % 8 == 0,
               "records must keep the next record's 64-bit fields aligned (D1)");

/* True while DLOG records.  Read by DLOG inline; set by debuglog_enable. */
extern bool debuglog_enabled;

/* Allocate the ring if it is not there yet (idempotent).  On out of memory
 * the log stays off; on a misplaced ring (D1) sys_fatal. */
void debuglog_init(void);
/* Whether debuglog_init checks D1 (default true).  Set it before init. */
void debuglog_set_checks(bool on);
/* Start (initialising the ring) or stop recording. */
void debuglog_enable(bool on);
/* Write one record (the slow half of DLOG; does nothing without a ring). */
void debuglog_write(const char *msg, uintptr_t a, uintptr_t b, uintptr_t c);
/* Print the newest records to stderr, oldest first (D4); _to: to f. */
void debuglog_print(void);
void debuglog_print_to(FILE *f);

/* DLOG("sweep: span", span, class, n): record a static message and up to
 * three integer or pointer arguments (pass 0 for unused ones).  Use it in
 * slow paths only (D3). */
#define DLOG(msg, a, b, c)                                                   \
    do {                                                                     \
        if (WGC_DEBUGLOG && __builtin_expect(debuglog_enabled, 0))           \
            debuglog_write((msg), (uintptr_t)(a), (uintptr_t)(b),            \
                           (uintptr_t)(c));                                  \
    } while (0)

/* ---- for tests and the trap program ---- */
/* The ring's address (NULL before init) and how many records it holds. */
const void *debuglog_ring(void);
size_t debuglog_capacity(void);
/* Records ever reserved and completed (the header's pos and count). */
uint64_t debuglog_pos(void);
uint64_t debuglog_count(void);
/* Does a ring at `ring` satisfy D1?  If not, *why (if not NULL) says how. */
bool debuglog_placement_ok(const void *ring, const char **why);
/* Copy the newest complete records, at most max, oldest first, into out;
 * returns how many were copied. */
size_t debuglog_read(struct debuglog_record *out, size_t max);
/* Disable, give the ring back to the OS layer, and forget it, so the next
 * init allocates a fresh one. */
void debuglog_test_reset(void);

#endif /* WGC_DEBUGLOG_H */
