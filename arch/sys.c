/* sys.c — the OS layer's shared half: the alignment invariant (A1), the
 * free list of page runs, the limit and the counters (see sys.h).
 * Below: prim.h (one target's break and protection calls).
 *
 * Growing.  wgc and libc's malloc both move one break.  To reserve n bytes
 * aligned to `align`, sys_grow looks at the break as it is now:
 *
 *     ...malloc | pad |  gap (whole pages)  | region (n, whole pages) |
 *               ^cur  ^next page boundary   ^start (align boundary)
 *
 * `pad` (below one page, and only when malloc left the break mid-page) is
 * the cost of the invariant: it belongs to nobody and is counted in
 * stats.padding.  `gap` (only when align > page, i.e. for arenas) is whole
 * pages: it goes on the free list and serves later small reservations.
 *
 * The unaligned baseline (SYS_ALIGN=0) does what Go's js/wasm did before
 * commit 763d3ac: it keeps its own byte-granular reservation end and packs
 * every region right after the previous one, with no rounding of start or
 * length.  Only the explicit `align` of arenas is kept, so that the heap
 * above is laid out the same in both builds and the two measure only the
 * invariant.  The difference is confined to sys_round and sys_grow.
 *
 * The free list is a small address-ordered array of runs in static storage
 * (not libc malloc), merged with neighbours on every insertion.
 */
#include "prim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FREE_RUNS_MAX 1024

struct run {
    uintptr_t start, end;
};

static struct {
    bool init;
    struct sys_caps caps;
    struct sys_stats st;
    uintptr_t known_brk;   /* the break right after wgc last moved it */
    uintptr_t resv_end;    /* end of wgc's last region at the break */
    unsigned fail_nth;     /* fault injection: fail the nth next call */
    size_t nruns;
    struct run runs[FREE_RUNS_MAX];
} sys;

static void sys_init(void)
{
    if (sys.init)
        return;
    prim_caps(&sys.caps);
    sys.caps.page_size = SYS_PAGE;
    sys.caps.aligned = SYS_ALIGN;
    if (sys.st.limit == 0)
        sys.st.limit = sys.caps.space_size;
    sys.init = true;
}

const struct sys_caps *sys_caps(void)
{
    sys_init();
    return &sys.caps;
}

static uintptr_t align_up(uintptr_t x, uintptr_t a)
{
    return (x + a - 1) & ~(a - 1);
}

size_t sys_round(size_t n)
{
    if (n == 0)
        return 0;
    if (!SYS_ALIGN)
        return n;
    if (n > SIZE_MAX - (SYS_PAGE - 1))
        return 0;
    return align_up(n, SYS_PAGE);
}

/* ---- the free list ---------------------------------------------------- */

static void runs_remove(size_t i)
{
    memmove(&sys.runs[i], &sys.runs[i + 1], (sys.nruns - i - 1) * sizeof sys.runs[0]);
    sys.nruns--;
}

/* Insert [start, end), merging with neighbours.  When the table is full the
 * smallest run is dropped (counted as padding): that needs over a thousand
 * disjoint free regions, which the heap above never makes. */
static void runs_insert(uintptr_t start, uintptr_t end)
{
    if (start >= end)
        return;
    sys.st.free += end - start;
    size_t i = 0;
    while (i < sys.nruns && sys.runs[i].start < start)
        i++;
    bool merge_prev = i > 0 && sys.runs[i - 1].end == start;
    bool merge_next = i < sys.nruns && sys.runs[i].start == end;
    if (merge_prev && merge_next) {
        sys.runs[i - 1].end = sys.runs[i].end;
        runs_remove(i);
    } else if (merge_prev) {
        sys.runs[i - 1].end = end;
    } else if (merge_next) {
        sys.runs[i].start = start;
    } else {
        if (sys.nruns == FREE_RUNS_MAX) {
            size_t small = 0;
            for (size_t j = 1; j < sys.nruns; j++)
                if (sys.runs[j].end - sys.runs[j].start <
                    sys.runs[small].end - sys.runs[small].start)
                    small = j;
            uintptr_t len = sys.runs[small].end - sys.runs[small].start;
            if (len < end - start) {
                sys.st.free -= len;
                sys.st.padding += len;
                runs_remove(small);
                if (small < i)
                    i--;
            } else {
                sys.st.free -= end - start;
                sys.st.padding += end - start;
                return;
            }
        }
        memmove(&sys.runs[i + 1], &sys.runs[i], (sys.nruns - i) * sizeof sys.runs[0]);
        sys.runs[i] = (struct run){start, end};
        sys.nruns++;
    }
}

/* Take n bytes aligned to align from the lowest run that holds them. */
static void *runs_take(size_t n, size_t align)
{
    for (size_t i = 0; i < sys.nruns; i++) {
        struct run r = sys.runs[i];
        uintptr_t start = align_up(r.start, align);
        if (start < r.start || start > r.end || r.end - start < n)
            continue;
        runs_remove(i);
        sys.st.free -= r.end - r.start;
        runs_insert(r.start, start);
        runs_insert(start + n, r.end);
        return (void *)start;
    }
    return NULL;
}

/* ---- growing the break -------------------------------------------------- */

static void *sys_grow(size_t n, size_t align)
{
    uintptr_t cur = prim_brk();
    uintptr_t start, page_start;
    if (SYS_ALIGN) {
        page_start = align_up(cur, SYS_PAGE);
        start = align_up(page_start, align);
    } else {
        /* Packed after our last region, unless malloc moved the break since. */
        page_start = (cur == sys.known_brk) ? sys.resv_end : cur;
        start = align_up(page_start, align);
    }
    if (start < page_start || start + n < start)   /* wrapped */
        return NULL;
    uintptr_t end = start + n;
    uintptr_t newbrk = end > cur ? align_up(end, 8) : cur;
    uint64_t grow = newbrk - cur;
    if (sys.st.obtained + grow > sys.st.limit)
        return NULL;
    if (grow > 0 && !prim_grow(grow))
        return NULL;
    if (SYS_ALIGN)
        sys.st.padding += page_start - cur;
    runs_insert(page_start, start);
    sys.st.obtained += grow;
    sys.known_brk = newbrk;
    sys.resv_end = end;
    return (void *)start;
}

void *sys_reserve(size_t n, size_t align)
{
    sys_init();
    size_t len = sys_round(n);
    if (align < SYS_PAGE)
        align = SYS_ALIGN ? SYS_PAGE : 1;   /* the baseline: packed (A1) */
    if (len == 0 || (align & (align - 1)) != 0 || len > sys.caps.space_size) {
        sys.st.nfail++;
        return NULL;
    }
    if (sys.fail_nth > 0 && --sys.fail_nth == 0) {
        sys.st.nfail++;
        return NULL;
    }
    void *p = runs_take(len, align);
    if (p == NULL)
        p = sys_grow(len, align);
    if (p == NULL) {
        sys.st.nfail++;
        return NULL;
    }
    sys.st.reserved += len;
    sys.st.nreserve++;
    return p;
}

bool sys_keep_free(size_t n)
{
    sys_init();
    if (sys.st.free >= n)
        return true;
    size_t len = sys_round(n - sys.st.free);
    if (len == 0)
        return false;
    uintptr_t p = (uintptr_t)sys_grow(len, SYS_ALIGN ? SYS_PAGE : 1);
    if (p == 0)
        return false;
    runs_insert(p, p + len);
    return true;
}

void sys_map(void *p, size_t n)
{
    size_t len = sys_round(n);
    prim_map(p, len);
    /* wasm cannot release, so reused or malloc-trimmed memory may be dirty;
     * the baseline's regions share host pages that release cannot clear. */
    if (!sys.caps.can_release || !SYS_ALIGN)
        memset(p, 0, len);
    sys.st.mapped += len;
}

void *sys_alloc(size_t n)
{
    void *p = sys_reserve(n, 0);
    if (p != NULL)
        sys_map(p, n);
    return p;
}

void sys_free(void *p, size_t n)
{
    size_t len = sys_round(n);
    if (p == NULL || len == 0)
        return;
    prim_release(p, len);
    prim_fault(p, len);
    sys.st.reserved -= len;
    sys.st.mapped = sys.st.mapped >= len ? sys.st.mapped - len : 0;
    runs_insert((uintptr_t)p, (uintptr_t)p + len);
}

/* Not rounded: these take any part of a region, and the target rounds
 * inward, so a neighbour's bytes are never touched. */
void sys_unused(void *p, size_t n)
{
    prim_release(p, n);
}

void sys_used(void *p, size_t n)
{
    (void)p;
    (void)n;   /* memory released with madvise comes back on first touch */
}

void sys_fault(void *p, size_t n)
{
    prim_fault(p, n);
}

void sys_get_stats(struct sys_stats *out)
{
    sys_init();
    *out = sys.st;
    out->memory_size = prim_memory_size();
}

uint64_t sys_set_limit(uint64_t bytes)
{
    sys_init();
    uint64_t old = sys.st.limit;
    sys.st.limit = bytes > sys.caps.space_size ? sys.caps.space_size : bytes;
    return old;
}

void sys_test_fail_nth(unsigned n)
{
    sys.fail_nth = n;
}

size_t sys_test_free_runs(void)
{
    return sys.nruns;
}

/* ---- clock and environment ------------------------------------------------ */

uint64_t sys_nanotime(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* /proc/self/environ holds NAME=value entries, each ended by a NUL; read
 * one character at a time: k counts the bytes of the current entry, match
 * says whether it can still be ours. */
static bool environ_at_start(const char *name, char *out, size_t len)
{
    FILE *f = fopen("/proc/self/environ", "rb");
    if (f == NULL)
        return false;
    size_t nlen = strlen(name), k = 0;
    bool match = true, found = false;
    int c;
    while ((c = getc(f)) != EOF) {
        if (c == '\0') {
            if (match && k > nlen) {
                out[k - nlen - 1] = '\0';
                found = true;
                break;
            }
            k = 0;
            match = true;
            continue;
        }
        if (match) {
            if (k < nlen)
                match = c == name[k];
            else if (k == nlen)
                match = c == '=';
            else if (k - nlen - 1 < len - 1)
                out[k - nlen - 1] = (char)c;
            else
                match = false;   /* too long for out */
        }
        k++;
    }
    fclose(f);
    return found;
}

bool sys_getenv(const char *name, char *out, size_t len)
{
    if (len == 0)
        return false;
    const char *v = getenv(name);
    if (v == NULL)
        return environ_at_start(name, out, len);
    size_t n = strlen(v);
    if (n >= len)
        return false;
    memcpy(out, v, n + 1);
    return true;
}

/* ---- the fatal-error path ------------------------------------------------ */

static sys_fatal_printer fatal_printer;
static bool in_fatal;

void sys_set_fatal_printer(sys_fatal_printer printer)
{
    fatal_printer = printer;
}

_Noreturn void sys_fatal(const char *msg)
{
    fprintf(stderr, "wgc: fatal error: %s\n", msg);
    if (fatal_printer != NULL && !in_fatal) {
        in_fatal = true;   /* a fault inside the printer must not loop */
        fatal_printer();
    }
    fflush(stderr);
    abort();
}
