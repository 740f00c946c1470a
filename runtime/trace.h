/* trace.h — the event trace: what the collector did and when, exported as
 * Chrome Trace Event JSON for Perfetto / chrome://tracing (runtime layer;
 * after Go's runtime/trace).
 * Below: arch/sys.h (buffers are sys_alloc regions, never libc malloc).
 * Above: runtime/gc.c calls the hooks; wgc.h has the public calls
 * wgc_trace_start / wgc_trace_stop / wgc_trace_write_json.
 *
 * Events go into 64 KiB buffers chained into a list; a full buffer gets a
 * successor from sys_alloc.  An event is fixed-size binary: a 64-bit
 * sequence number (from one counter in the first buffer's header, taken
 * with an atomic fetch-add), a 64-bit timestamp (CLOCK_MONOTONIC ns, stored
 * atomically), a kind, a phase and three 64-bit arguments.  Nothing is
 * formatted until wgc_trace_write_json.
 *
 * In the JSON (one process, one thread; times in microseconds since the
 * trace started):
 *   - each collection is a complete event  {"name":"GC","ph":"X",...} with
 *     args heap_alloc/goal at its start and heap_alloc/live/goal at its
 *     end; each phase inside it is an "X" event named "sweep termination",
 *     "mark" or "sweep".  A begin with no end when the JSON is written
 *     (written from inside a collection) becomes a bare "B" event.
 *   - counters ("ph":"C") "heap_alloc", "heap_goal" and "heap_live", one
 *     sample at each trace_heap call and at the start and end of each
 *     collection.
 *
 * WGC_TRACE_FILE: trace_init_from_env (called by wgc_init) starts a trace
 * when the variable is set and non-empty, and registers an atexit handler
 * that writes the JSON to that path.  Under Node, the wasm build links
 * with -sNODERAWFS=1 and -sEXIT_RUNTIME=1, so the handler runs and writes
 * the host's file.  The variable is looked up with getenv and, when that
 * finds nothing, in /proc/self/environ: emscripten's getenv does not see
 * Node's environment, but through NODERAWFS that file is the Node
 * process's own (so under Node this works on Linux hosts; natively it
 * means a variable unset after start-up still counts).
 *
 * INVARIANTS
 *   T1. Every buffer starts on a 64 KiB boundary (sys.h A1), so the
 *       header's 64-bit counters and every event's seq and timestamp are
 *       naturally aligned for the 64-bit atomics (pinned by _Static_assert
 *       in trace.c).  The buffer allocator checks T1 and calls sys_fatal
 *       when it fails -- unless trace_set_checks(false) was called: the
 *       unaligned baseline's trap program (test/prog_trace_trap.c) turns
 *       the check off so that the misaligned atomic itself fails, with
 *       wasm's "operation does not support unaligned accesses".
 *   T2. Sequence numbers are 1, 2, 3, ... in the order events were
 *       written, with no gap, across all buffers of a trace; within a
 *       buffer, events are in sequence order, and buffers are chained in
 *       the order they were filled.  An event that cannot be stored (no
 *       memory for a new buffer) takes no number; it is counted as dropped.
 *   T3. With WGC_TRACE == 0 the hooks are empty inline functions; with 1,
 *       a hook while no trace runs is one load and one branch.
 */
#ifndef WGC_TRACE_H
#define WGC_TRACE_H
#ifdef WGC_EMBEDDER
#error "an embedder includes runtime/wgc.h only; this header is wgc's own"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define TRACE_BUF_BYTES ((size_t)64 * 1024)   /* one wasm page per buffer */

enum trace_phase { TRACE_SWEEP_TERM = 1, TRACE_MARK, TRACE_SWEEP };

/* What an event records (the kind field of an event). */
enum trace_kind {
    TRACE_EV_GC_BEGIN = 1,   /* args: heap_alloc, goal */
    TRACE_EV_GC_END,         /* args: heap_alloc, live, goal */
    TRACE_EV_PHASE_BEGIN,    /* phase */
    TRACE_EV_PHASE_END,      /* phase */
    TRACE_EV_HEAP,           /* args: heap_alloc, goal */
    TRACE_EV_WEAK,           /* args: finalizers queued, ephemerons, weak references */
};

/* One event as stored, and as trace_test_event copies it out. */
struct trace_event {
    uint64_t seq;            /* T2; 0 while being written */
    uint64_t nanotime;       /* CLOCK_MONOTONIC, nanoseconds */
    uint32_t kind;           /* enum trace_kind */
    uint32_t phase;          /* enum trace_phase, or 0 */
    uint64_t args[3];
};

/* True while a trace runs; read by the hooks inline, set by start/stop. */
extern bool trace_running;

/* The slow half of every hook: store one event. */
void trace_record(enum trace_kind kind, int phase, uint64_t a, uint64_t b, uint64_t c);

/* ---- the hooks the collector calls ---- */
#if WGC_TRACE
static inline void trace_gc_begin(uint64_t heap_alloc, uint64_t goal)
{
    if (__builtin_expect(trace_running, 0))
        trace_record(TRACE_EV_GC_BEGIN, 0, heap_alloc, goal, 0);
}
static inline void trace_phase_begin(int phase)
{
    if (__builtin_expect(trace_running, 0))
        trace_record(TRACE_EV_PHASE_BEGIN, phase, 0, 0, 0);
}
static inline void trace_phase_end(int phase)
{
    if (__builtin_expect(trace_running, 0))
        trace_record(TRACE_EV_PHASE_END, phase, 0, 0, 0);
}
static inline void trace_gc_end(uint64_t heap_alloc, uint64_t live, uint64_t goal)
{
    if (__builtin_expect(trace_running, 0))
        trace_record(TRACE_EV_GC_END, 0, heap_alloc, live, goal);
}
static inline void trace_heap(uint64_t heap_alloc, uint64_t goal)
{
    if (__builtin_expect(trace_running, 0))
        trace_record(TRACE_EV_HEAP, 0, heap_alloc, goal, 0);
}
/* After a collection's weak processing (weak.c): counter tracks. */
static inline void trace_weak(uint64_t queued, uint64_t ephemerons, uint64_t weaks)
{
    if (trace_running)
        trace_record(TRACE_EV_WEAK, 0, queued, ephemerons, weaks);
}
#else
static inline void trace_gc_begin(uint64_t heap_alloc, uint64_t goal) {}
static inline void trace_phase_begin(int phase) {}
static inline void trace_phase_end(int phase) {}
static inline void trace_gc_end(uint64_t heap_alloc, uint64_t live, uint64_t goal) {}
static inline void trace_heap(uint64_t heap_alloc, uint64_t goal) {}
static inline void trace_weak(uint64_t queued, uint64_t ephemerons, uint64_t weaks) {}
#endif

/* Called by wgc_init: honour WGC_TRACE_FILE (see above).  Only the first
 * call does anything. */
void trace_init_from_env(void);
/* Whether new buffers are checked for T1 (default true). */
void trace_set_checks(bool on);

/* ---- for tests and the trap program ---- */
/* Events per buffer, buffers in the current trace, and its counters. */
size_t trace_buf_capacity(void);
size_t trace_nbufs(void);
uint64_t trace_nevents(void);
uint64_t trace_ndropped(void);
/* The i-th buffer of the current trace (NULL past the end). */
const void *trace_buf(size_t i);
/* Does a buffer at `buf` satisfy T1?  If not, *why (if not NULL) says how. */
bool trace_placement_ok(const void *buf, const char **why);
/* Copy the event with sequence number seq (1-based) into *out. */
bool trace_test_event(uint64_t seq, struct trace_event *out);
/* The path taken from WGC_TRACE_FILE (NULL if none), and the atexit
 * handler itself, so a test can run it without exiting. */
const char *trace_env_path(void);
void trace_write_env_file(void);
/* Stop, give every buffer back to the OS layer, forget the trace. */
void trace_test_reset(void);

#endif /* WGC_TRACE_H */
