/* config.h — every build knob of wgc, with its default.  Each is 0 or a
 * small number, never undefined, so code says `if (WGC_DEBUG >= 2)` and
 * every branch still compiles (STYLE.md §4).  The Makefile sets them with -D. */
#ifndef WGC_CONFIG_H
#define WGC_CONFIG_H
#ifdef WGC_EMBEDDER
#error "an embedder includes runtime/wgc.h only; this header is wgc's own"
#endif

/* Assertion tiers: 0 none; 1 cheap API checks that cost no time on the fast
 * path; 2 internal invariants, and freed slots are poisoned; 3 whole-heap
 * walks (wgc_verify after every collection). */
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

#endif
