/* bench_weak.c — what weak references, ephemerons and finalizers cost a
 * collection (a benchmark program for `make bench`, not a test: it asserts
 * no time).
 *
 * A heap of N live two-pointer objects; then a full collection is timed
 * (median of 5) with nothing registered, with N weak references to them,
 * N ephemerons keyed by them, and N finalizers on them.  The first line
 * is the heap that pays nothing; the others add one registry each.
 * Prints a table and RESULT lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wgc.h"

#define N 1000000

struct node {
    struct node *next;
    void *extra;
};
WGC_TYPE(node_type, struct node, offsetof(struct node, next), offsetof(struct node, extra));
WGC_TYPE(ptr_type, void *, 0);

static struct node **nodes;   /* a root: the live objects */
static void **boxes;          /* a root: the weak references or ephemerons */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_collect_ms(void)
{
    double t[5];
    for (int i = 0; i < 5; i++) {
        uint64_t t0 = now_ns();
        wgc_collect();
        t[i] = (now_ns() - t0) / 1e6;
    }
    qsort(t, 5, sizeof t[0], cmp);
    return t[2];
}

static void never(void *obj, void *data)
{
    (void)obj;
    (void)data;
}

static void report(const char *what, double ms, double base)
{
    printf("%-34s %9.2f ms  %+7.2f ms  (%+.0f ns per registration)\n", what, ms, ms - base,
           base > 0 && strcmp(what, "nothing registered") != 0 ? (ms - base) * 1e6 / N : 0.0);
    printf("RESULT bench=weakcost-%s config=wgc ms=%.3f\n", what[0] == 'n' ? "none" : what, ms);
}

int main(void)
{
    if (wgc_init(NULL) != WGC_OK)
        return 1;
    wgc_root_add(&nodes);
    wgc_root_add(&boxes);
    nodes = wgc_alloc_array(&ptr_type, N);
    boxes = wgc_alloc_array(&ptr_type, N);
    for (int i = 0; i < N; i++) {
        struct node *x = wgc_alloc(&node_type);
        wgc_write(&nodes[i], x);
    }
    printf("full collection of %d live objects (%s):\n", N, sizeof(void *) == 4 ? "wasm32" : "native");
    double base = median_collect_ms();
    report("nothing registered", base, base);
    for (int i = 0; i < N; i++)
        wgc_write(&boxes[i], wgc_weak_new(nodes[i]));
    report("weak", median_collect_ms(), base);
    for (int i = 0; i < N; i++)
        wgc_write(&boxes[i], wgc_ephemeron_new(nodes[i], nodes[(i + 1) % N]));
    wgc_collect();   /* the weak references die */
    report("ephemerons", median_collect_ms(), base);
    memset(boxes, 0, (size_t)N * sizeof *boxes);
    wgc_write_range(boxes, (size_t)N * sizeof *boxes);
    wgc_collect();
    for (int i = 0; i < N; i++)
        wgc_finalizer_add(nodes[i], never, NULL);
    report("finalizers", median_collect_ms(), base);
    return 0;
}
