/* config.h — every build knob of wgc, with its default, and the one
 * assertion macro.  Each knob is 0 or a small number, never undefined, so
 * code says `if (WGC_DEBUG >= 2)` and every branch still compiles
 * (CONTRIBUTING.md).  The Makefile sets them with -D.  It sits in arch/,
 * the bottom layer, because every layer reads the knobs. */
#ifndef WGC_CONFIG_H
#define WGC_CONFIG_H
#ifdef WGC_EMBEDDER
#error "an embedder includes runtime/wgc.h only; this header is wgc's own"
#endif

/* Assertion tiers.  API misuse (bad sizes, types, arguments) is checked in
 * every build, as wgc.h promises; the tiers add checks of wgc itself:
 *   0  none (BUILD=release);
 *   1  WGC_ASSERT: the O(1) preconditions that the headers' invariants
 *      state, on slow paths only (BUILD=asan, so the sanitizers run the
 *      release code paths plus these);
 *   2  also checks that cost a loop (the central lists at each cycle), freed
 *      slots poisoned, descriptors re-derived at every allocation, NULL
 *      frame slots fatal (BUILD=debug and stress);
 *   3  also wgc_verify, a whole-heap walk, after every collection. */
#ifndef WGC_DEBUG
#define WGC_DEBUG 1
#endif

/* The debuglog ring (runtime/debuglog.c): 0 compiled out, 1 compiled in.
 * Compiled in, it records only after debuglog_enable(). */
#ifndef WGC_DEBUGLOG
#define WGC_DEBUGLOG 1
#endif

/* The event trace (runtime/trace.c): 0 compiled out, 1 compiled in
 * (records only once a trace is started). */
#ifndef WGC_TRACE
#define WGC_TRACE 1
#endif

/* Stress mode on by default (BUILD=stress): collect on every allocation. */
#ifndef WGC_STRESS_DEFAULT
#define WGC_STRESS_DEFAULT 0
#endif

/* WGC_ASSERT(cond, "S3"): at WGC_DEBUG >= 1, a false cond is a broken
 * invariant: the fatal path (sys_fatal: the message, the debuglog, the
 * counters, a trap) with the invariant's label.  At tier 0 it compiles
 * to nothing (cond is still type-checked, never evaluated). */
#define WGC_ASSERT(cond, label)                                                \
    do {                                                                       \
        if (WGC_DEBUG >= 1 && !(cond))                                         \
            sys_fatal("assertion failed (" label "): " #cond " in " __FILE__); \
    } while (0)

#endif
