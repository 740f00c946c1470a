/* bench.h — what every benchmark program shares: the allocator it is built
 * for, the clock, the memory it watches, and the one RESULT line it prints.
 *
 * One source per workload; the allocator is chosen at compile time:
 *   -DCONFIG_WGC     wgc (runtime/wgc.h): roots through WGC_LOCALS and
 *                    wgc_root_add, nothing is ever freed by hand;
 *   -DCONFIG_MALLOC  libc's malloc (emscripten's dlmalloc, or glibc), with
 *                    explicit free at the point where the GC variants drop
 *                    their last reference.  Plain malloc, as a C programmer
 *                    writes it: every program initialises every field it
 *                    reads, so nothing relies on wgc's zeroing.  With
 *                    -DBENCH_CALLOC=1 calloc instead (the "malloc (calloc)"
 *                    column: what zeroing costs dlmalloc);
 *   -DCONFIG_BDWGC   bdwgc (the Boehm-Demers-Weiser collector), conservative.
 *                    On wasm it sees locals only through Asyncify (its
 *                    emscripten_scan_registers), unless
 *                    -DBENCH_BDWGC_NOASYNC=1: then register scanning is
 *                    switched off (GC_set_push_other_roots) and BENCH_LOCALS
 *                    makes the locals it names live in the C stack in
 *                    linear memory (their address escapes), which bdwgc
 *                    scans: the same discipline as wgc's WGC_LOCALS, no
 *                    Asyncify.  -DBENCH_BDWGC_INCREMENTAL=1 calls
 *                    GC_enable_incremental() at start (on emscripten there
 *                    are no dirty bits: bdwgc's DEFAULT_VDB treats every page
 *                    as dirty, but marking is done in steps).
 * BENCH_CONFIG is the configuration's name as printed (set by bench.mk).
 *
 * The workloads run the same algorithm in every variant and print the same
 * checksum, so a variant that loses or corrupts objects shows up there.
 *
 * Every program prints, last, one line the driver (run.sh) collects:
 *   RESULT bench=<workload> config=<name> ms=<elapsed> [wasm_mem=<bytes>]
 *          [pad=<bytes>] [gcs=<n>] [max_pause_ms=<ms>] [wgc's generational
 *          fields] checksum=<n> [extra]
 * ms is measured inside the program with CLOCK_MONOTONIC, from just after
 * the allocator's initialisation to the end of the workload.  wasm_mem is
 * the peak size of linear memory (on wasm it only grows, but it is sampled
 * at checkpoints and the maximum kept all the same).  wgc adds what its
 * generations did: gen=<0|1> (the mode, WGC_GEN), minor=<n> major=<n>
 * (collections of each kind), minor_ms=<ms> major_ms=<ms> (their pauses,
 * summed), cards_total=<n> (dirty cards scanned by all minor collections:
 * the remembered set), cards_max=<n> (the most one minor collection
 * scanned, seen through wgc_set_gc_callback after every collection) and
 * old_bytes=<bytes> (the old generation at the end).
 */
#ifndef BENCH_H
#define BENCH_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(CONFIG_WGC) + defined(CONFIG_MALLOC) + defined(CONFIG_BDWGC) != 1
#error "define exactly one of CONFIG_WGC, CONFIG_MALLOC, CONFIG_BDWGC"
#endif

#ifndef BENCH_CONFIG
#define BENCH_CONFIG "unnamed"
#endif

#include "wgc.h"   /* the types are described in every variant (WGC_TYPE) */
#if defined(CONFIG_BDWGC)
#include <gc.h>
#include <gc_mark.h>
#endif
#ifndef BENCH_BDWGC_NOASYNC
#define BENCH_BDWGC_NOASYNC 0
#endif
#ifndef BENCH_BDWGC_INCREMENTAL
#define BENCH_BDWGC_INCREMENTAL 0
#endif

/* 1 when the program frees what it drops (always 0 or 1, so code says
 * `if (BENCH_FREES)` and every branch compiles in every variant). */
#if defined(CONFIG_MALLOC)
#define BENCH_FREES 1
#else
#define BENCH_FREES 0
#endif

/* ---- the clock ------------------------------------------------------------ */

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline double bench_ms(uint64_t ns) { return (double)ns / 1e6; }

/* ---- a replayable random stream (splitmix64) ------------------------------ */

static inline uint64_t bench_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static inline uint64_t bench_range(uint64_t *state, uint64_t lo, uint64_t hi)
{
    return lo + bench_rand(state) % (hi - lo + 1);
}

/* ---- failure -------------------------------------------------------------- */

static inline _Noreturn void bench_die(const char *what)
{
#if defined(CONFIG_WGC)
    fprintf(stderr, "bench: %s (wgc: %s)\n", what, wgc_error_string(wgc_last_error()));
#else
    fprintf(stderr, "bench: %s\n", what);
#endif
    exit(1);
}

static inline void *bench_check(void *p)
{
    if (p == NULL)
        bench_die("out of memory");
    return p;
}

/* ---- allocation ------------------------------------------------------------ */

/* 1: the malloc variant allocates with calloc (zeroed), 0: plain malloc. */
#ifndef BENCH_CALLOC
#define BENCH_CALLOC 0
#endif

/* The malloc variant's allocation: plain malloc, or calloc when asked. */
static inline void *bench_libc_alloc(size_t n, size_t size)
{
    if (BENCH_CALLOC)
        return calloc(n, size);
    return malloc(n * size);
}

/* One object of a described type.  Zeroed by wgc and bdwgc, NOT by plain
 * malloc: the caller initialises every field it will read, pointer fields
 * included. */
static inline void *bench_alloc(struct wgc_type *type)
{
#if defined(CONFIG_WGC)
    return bench_check(wgc_alloc(type));
#elif defined(CONFIG_BDWGC)
    return bench_check(GC_MALLOC(type->size));
#else
    return bench_check(bench_libc_alloc(1, type->size));
#endif
}

/* n objects of a type laid out as an array (not zeroed by plain malloc). */
static inline void *bench_alloc_array(struct wgc_type *type, size_t n)
{
#if defined(CONFIG_WGC)
    return bench_check(wgc_alloc_array(type, n));
#elif defined(CONFIG_BDWGC)
    return bench_check(GC_MALLOC(type->size * n));
#else
    return bench_check(bench_libc_alloc(n, type->size));
#endif
}

/* n bytes that hold no pointers.  wgc and calloc zero them; bdwgc's atomic
 * objects and plain malloc's are not (the workloads write what they read). */
static inline void *bench_alloc_bytes(size_t n)
{
#if defined(CONFIG_WGC)
    return bench_check(wgc_alloc_bytes(n));
#elif defined(CONFIG_BDWGC)
    return bench_check(GC_MALLOC_ATOMIC(n));
#else
    return bench_check(bench_libc_alloc(1, n));
#endif
}

/* A pointer store into an object that already existed: every store of a
 * reference into a field of an object allocated before the last allocation
 * goes through this macro (stores into an object just allocated, with no
 * allocation in between, may be plain), so that the write barrier is in
 * one place.  A plain store for malloc and bdwgc.
 * `obj` is a pointer to the struct (for an array slot, &array[i]), `field`
 * the member's name; obj is evaluated once, value once.  For wgc it is
 * WGC_STORE, the write barrier of generational collection. */
#if defined(CONFIG_WGC)
#define BENCH_STORE(obj, field, value) WGC_STORE(obj, field, value)
#else
#define BENCH_STORE(obj, field, value) ((void)((obj)->field = (value)))
#endif

/* Drop an object: free() in the malloc variant, nothing for a collector. */
static inline void bench_free(void *p)
{
#if defined(CONFIG_MALLOC)
    free(p);
#else
    (void)p;
#endif
}

/* Locals that hold heap references across an allocation.  wgc needs them
 * (its shadow stack), and so does bdwgc without Asyncify: there each
 * named local's address is written to a volatile global, so the compiler
 * must keep the variable in the C stack (linear memory) and up to date
 * there at every call, where bdwgc's conservative stack scan finds it.
 * With Asyncify bdwgc scans the wasm locals itself; malloc frees by hand.
 * Like WGC_LOCALS, at most one per block and at most 8 variables. */
#if defined(CONFIG_WGC)
#define BENCH_LOCALS(...) WGC_LOCALS(__VA_ARGS__)
#elif defined(CONFIG_BDWGC) && BENCH_BDWGC_NOASYNC
static void *volatile bench_escape_sink __attribute__((unused));
#define BENCH_ESC_(v) (bench_escape_sink = (void *)&(v))
#define BENCH_ESC1_(a) BENCH_ESC_(a)
#define BENCH_ESC2_(a, ...) BENCH_ESC_(a), BENCH_ESC1_(__VA_ARGS__)
#define BENCH_ESC3_(a, ...) BENCH_ESC_(a), BENCH_ESC2_(__VA_ARGS__)
#define BENCH_ESC4_(a, ...) BENCH_ESC_(a), BENCH_ESC3_(__VA_ARGS__)
#define BENCH_ESC5_(a, ...) BENCH_ESC_(a), BENCH_ESC4_(__VA_ARGS__)
#define BENCH_ESC6_(a, ...) BENCH_ESC_(a), BENCH_ESC5_(__VA_ARGS__)
#define BENCH_ESC7_(a, ...) BENCH_ESC_(a), BENCH_ESC6_(__VA_ARGS__)
#define BENCH_ESC8_(a, ...) BENCH_ESC_(a), BENCH_ESC7_(__VA_ARGS__)
#define BENCH_ESC_PICK_(_1, _2, _3, _4, _5, _6, _7, _8, name, ...) name
#define BENCH_LOCALS(...)                                                        \
    ((void)(BENCH_ESC_PICK_(__VA_ARGS__, BENCH_ESC8_, BENCH_ESC7_, BENCH_ESC6_,  \
                            BENCH_ESC5_, BENCH_ESC4_, BENCH_ESC3_, BENCH_ESC2_,  \
                            BENCH_ESC1_)(__VA_ARGS__)))
#else
#define BENCH_LOCALS(...) ((void)0)
#endif

/* A global slot that holds a heap reference. */
static inline void bench_root(void *slot)
{
#if defined(CONFIG_WGC)
    if (!wgc_root_add(slot))
        bench_die("wgc_root_add failed");
#elif defined(CONFIG_BDWGC)
    /* bdwgc on emscripten does not scan static data. */
    GC_add_roots(slot, (char *)slot + sizeof(void *));
#else
    (void)slot;
#endif
}

/* A full collection where there is a collector. */
static inline void bench_collect(void)
{
#if defined(CONFIG_WGC)
    wgc_collect();
#elif defined(CONFIG_BDWGC)
    GC_gcollect();
#endif
}

/* ---- memory and collector counters ------------------------------------------ */

struct bench_state {
    uint64_t peak_mem;        /* most linear memory seen (wasm) */
    uint64_t start_ns;
#if defined(CONFIG_WGC)
    int gen;                  /* the mode wgc was started in */
    uint64_t minors_seen;     /* num_minor_gc at the last callback */
    uint64_t cards_max;       /* the most dirty cards one minor collection scanned */
#endif
#if defined(CONFIG_BDWGC)
    uint64_t gc_start_ns;     /* collection-event hook: current pause */
    int gc_open;              /* 0, or the event that started the pause */
    uint64_t gc_max_ns;
    uint64_t gc_total_ns;
    uint64_t gc_pauses;
#endif
};
static struct bench_state bench;

/* Bytes of linear memory now (0 where that does not apply: native). */
static inline uint64_t bench_mem_now(void)
{
#if defined(__EMSCRIPTEN__)
#if defined(CONFIG_WGC)
    struct wgc_stats st;
    wgc_stats(&st);
    return st.memory_size;
#else
    return (uint64_t)__builtin_wasm_memory_size(0) * 65536u;
#endif
#else
    return 0;
#endif
}

/* Record the memory size now; call at checkpoints of a workload. */
static inline void bench_mem_sample(void)
{
    uint64_t m = bench_mem_now();
    if (m > bench.peak_mem)
        bench.peak_mem = m;
}

#if defined(CONFIG_BDWGC)
/* bdwgc's pauses, from its collection events: a stop-the-world collection
 * runs from GC_EVENT_START to GC_EVENT_END; in incremental mode a cycle
 * ends, outside any START/END, with a stopped mark and the reclaim set-up
 * (GC_EVENT_MARK_START .. GC_EVENT_RECLAIM_END).  The incremental marking
 * steps done inside allocations are not bracketed by events and are not
 * counted (they are meant to be short). */
static void bench_gc_pause_end(void)
{
    uint64_t d = bench_now_ns() - bench.gc_start_ns;
    bench.gc_total_ns += d;
    bench.gc_pauses++;
    if (d > bench.gc_max_ns)
        bench.gc_max_ns = d;
    bench.gc_open = 0;
}

static void bench_gc_event(GC_EventType ev)
{
    if (ev == GC_EVENT_START || (ev == GC_EVENT_MARK_START && bench.gc_open == 0)) {
        bench.gc_start_ns = bench_now_ns();
        bench.gc_open = ev == GC_EVENT_START ? 1 : 2;
    } else if ((ev == GC_EVENT_END && bench.gc_open == 1) ||
               (ev == GC_EVENT_RECLAIM_END && bench.gc_open == 2)) {
        bench_gc_pause_end();
    }
}

/* Without Asyncify: wasm locals are not scanned (see BENCH_LOCALS). */
static void GC_CALLBACK bench_no_register_scan(void) {}
#endif

#if defined(CONFIG_WGC)
/* After every collection: when it was a minor one, the remembered set it
 * scanned (cards_last) may be the largest yet.  wgc_stats allocates
 * nothing, so it may be called here. */
static void bench_after_gc(void *data)
{
    (void)data;
    struct wgc_stats st;
    wgc_stats(&st);
    if (st.num_minor_gc != bench.minors_seen) {
        bench.minors_seen = st.num_minor_gc;
        if (st.cards_last > bench.cards_max)
            bench.cards_max = st.cards_last;
    }
}
#endif

/* Initialise the allocator, then start the clock. */
static inline void bench_init(void)
{
#if defined(CONFIG_WGC)
    /* WGC_GEN=0/1 in the environment overrides the default mode. */
    struct wgc_config cfg;
    wgc_config_default(&cfg);
    const char *gen = getenv("WGC_GEN");
    if (gen != NULL)
        cfg.gen = gen[0] == '1';
    if (wgc_init(&cfg) != WGC_OK)
        bench_die("wgc_init failed");
    bench.gen = cfg.gen;
    wgc_set_gc_callback(bench_after_gc, NULL);
#elif defined(CONFIG_BDWGC)
    /* Before GC_INIT: its first collection already scans the roots. */
    if (BENCH_BDWGC_NOASYNC)
        GC_set_push_other_roots(bench_no_register_scan);
    GC_INIT();
    if (BENCH_BDWGC_INCREMENTAL)
        GC_enable_incremental();
    GC_set_on_collection_event(bench_gc_event);
#endif
    bench_mem_sample();
    bench.start_ns = bench_now_ns();
}

#if defined(CONFIG_WGC)
/* The 99th percentile of wgc's pauses from its histogram, ms: the top of
 * the bucket it falls in (bucket i holds [2^(i-1), 2^i) microseconds), so
 * an upper bound; 0 before any collection. */
static inline double bench_hist_p99_ms(const struct wgc_stats *st)
{
    uint64_t n = 0, seen = 0;
    for (int i = 0; i < WGC_PAUSE_BUCKETS; i++)
        n += st->pause_hist[i];
    if (n == 0)
        return 0;
    uint64_t want = n - n / 100;   /* at least 99% at or below */
    for (int i = 0; i < WGC_PAUSE_BUCKETS; i++) {
        seen += st->pause_hist[i];
        if (seen >= want)
            return (double)((uint64_t)1 << i) / 1e3;
    }
    return bench_ms(st->pause_max_ns);
}
#endif

/* Stop the clock and print the RESULT line; `extra` (may be empty) is
 * appended as is: workload-specific fields, " name=value" each. */
static inline void bench_result(const char *workload, uint64_t checksum, const char *extra)
{
    uint64_t elapsed = bench_now_ns() - bench.start_ns;
    bench_mem_sample();
    printf("RESULT bench=%s config=%s ms=%.3f", workload, BENCH_CONFIG, bench_ms(elapsed));
#if defined(__EMSCRIPTEN__)
    printf(" wasm_mem=%" PRIu64, bench.peak_mem);
#endif
#if defined(CONFIG_WGC)
    struct wgc_stats st;
    wgc_stats(&st);
    printf(" pad=%" PRIu64 " gcs=%" PRIu64 " max_pause_ms=%.3f hist_p99_le_ms=%.3f",
           st.sys_padding, st.num_gc, bench_ms(st.pause_max_ns), bench_hist_p99_ms(&st));
    printf(" gen=%d minor=%" PRIu64 " major=%" PRIu64 " minor_ms=%.3f major_ms=%.3f"
           " cards_total=%" PRIu64 " cards_max=%" PRIu64 " old_bytes=%" PRIu64,
           bench.gen, st.num_minor_gc, st.num_major_gc, bench_ms(st.pause_minor_ns),
           bench_ms(st.pause_major_ns), st.cards_total, bench.cards_max, st.old_bytes);
#elif defined(CONFIG_BDWGC)
    printf(" gcs=%lu max_pause_ms=%.3f incremental=%d", (unsigned long)GC_get_gc_no(),
           bench_ms(bench.gc_max_ns), GC_is_incremental_mode());
#endif
    printf(" checksum=%" PRIu64 "%s\n", checksum, extra ? extra : "");
    fflush(stdout);
}

/* Collector counters for workload-specific fields (0 without wgc). */
static inline uint64_t bench_live_bytes(void)
{
#if defined(CONFIG_WGC)
    struct wgc_stats st;
    wgc_stats(&st);
    return st.live_bytes;
#elif defined(CONFIG_BDWGC)
    return (uint64_t)GC_get_heap_size() - GC_get_free_bytes();
#else
    return 0;
#endif
}

/* An integer argument, or a default. */
static inline long bench_arg(int argc, char **argv, int i, long dflt)
{
    return argc > i ? strtol(argv[i], NULL, 10) : dflt;
}

#endif /* BENCH_H */
