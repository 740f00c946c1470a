/* bench_pages.c — the page allocator at a 1 GiB heap (a benchmark program
 * for `make bench`, not a test: it asserts no time).
 *
 * Fills a 1 GiB heap with runs of 1..16 pages, frees a random half of them
 * (so the free space is fragmented into tens of thousands of runs), then
 * times alternating allocations and frees of random sizes.  Prints ns per
 * operation and a RESULT line. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pages.h"

#define HEAP ((uint64_t)1 << 30)
#define MAXRUNS 140000

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t rng = 88172645463325252ull;
static uint32_t next(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static struct span *held[MAXRUNS];

int main(void)
{
    span_init();
    /* The allocator alone: keep free pages rather than give them to
     * sys_unused (madvise natively), as a heap at its goal would. */
    pages_set_retain(HEAP);
    size_t n = 0;
    uint64_t pages_held = 0;
    while (pages_held * HEAP_PAGE < HEAP - (64u << 20) && n < MAXRUNS) {
        struct span *s = pages_alloc(1 + next(16), HEAP);
        if (s == NULL)
            break;
        s->state = SPAN_LARGE;
        held[n++] = s;
        pages_held += s->npages;
    }
    for (size_t i = 0; i < n; i++)   /* free a random half */
        if (next(2) == 0) {
            pages_free(held[i]);
            held[i] = held[--n];
        }
    printf("heap %llu MiB, %llu free runs, %zu spans in use\n",
           (unsigned long long)(arena_heap_bytes >> 20), (unsigned long long)page_heap.nruns, n);
    const int ops = 1000000;
    uint64_t t0 = now_ns();
    for (int i = 0; i < ops; i++) {
        size_t k = next((uint32_t)n);
        pages_free(held[k]);
        struct span *s = pages_alloc(1 + next(16), HEAP);
        if (s == NULL) {
            fprintf(stderr, "bench_pages: no run for a request\n");
            return 1;
        }
        s->state = SPAN_LARGE;
        held[k] = s;
    }
    double ns = (double)(now_ns() - t0) / (2.0 * ops);
    const char *why = pages_check();
    if (why != NULL) {
        fprintf(stderr, "bench_pages: %s\n", why);
        return 1;
    }
    printf("page allocator at a 1 GiB heap: %.1f ns per alloc or free (%llu free runs)\n", ns,
           (unsigned long long)page_heap.nruns);
    printf("RESULT bench=pagealloc-1G config=%s ns_per_op=%.1f\n",
#ifdef __EMSCRIPTEN__
           "wasm-wgc",
#else
           "posix-wgc",
#endif
           ns);
    return 0;
}
