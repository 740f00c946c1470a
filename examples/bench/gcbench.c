/* gcbench.c — the shape of Boehm's GCBench (after Ellis and Kovac).
 *
 * usage: gcbench [stretch_depth]        (default 18)
 *
 * With S = stretch_depth (18), L = S - 2 (16), an array of 500000 doubles:
 *   1. a stretch tree of depth S is built and dropped;
 *   2. a long-lived tree of depth L is built top-down, and the long-lived
 *      array of doubles (4 MB, no pointers) filled; both live to the end;
 *   3. for d = 4, 6, .. L: n(d) = 2 * size(S) / size(d) trees of depth d
 *      (size(d) = 2^(d+1) - 1 nodes) are built top-down (a node, then its
 *      children filled in) and dropped, then n(d) built bottom-up (children
 *      first) and dropped;
 *   4. the long-lived tree and array must still be intact.
 * So each depth allocates about the same number of nodes (4 * size(S)),
 * in trees of very different lifetimes.  Nodes hold two pointers and two
 * ints.  The malloc variant frees each tree when it is dropped, as GCBench's
 * non-GC build did.  The checksum counts every node allocated plus the
 * nodes of the long-lived tree, walked at the end.
 */
#include "bench.h"

#include <stddef.h>

struct node {
    struct node *left, *right;
    int32_t i, j;
};
WGC_TYPE(node_type, struct node, offsetof(struct node, left),
         offsetof(struct node, right));

enum { ARRAY_SIZE = 500000, MIN_DEPTH = 4 };

static uint64_t nodes_allocated;

/* A node with no children (plain malloc does not zero: every field is
 * set here). */
static struct node *new_node(void)
{
    nodes_allocated++;
    struct node *n = bench_alloc(&node_type);
    n->left = NULL;
    n->right = NULL;
    n->i = 0;
    n->j = 0;
    return n;
}

static long tree_size(int depth) { return (1L << (depth + 1)) - 1; }

/* Fill in the children of n down to depth (top-down).  n is a root while
 * its children are allocated; each child is reachable from n at once. */
static void populate(int depth, struct node *n)
{
    BENCH_LOCALS(n);
    if (depth <= 0)
        return;
    depth--;
    struct node *c = new_node();       /* n is older than c: BENCH_STORE */
    BENCH_STORE(n, left, c);
    c = new_node();
    BENCH_STORE(n, right, c);
    populate(depth, n->left);
    populate(depth, n->right);
}

/* A tree of depth depth, children first. */
static struct node *make_tree(int depth)
{
    if (depth <= 0)
        return new_node();
    struct node *l = NULL, *r = NULL;
    BENCH_LOCALS(l, r);
    l = make_tree(depth - 1);
    r = make_tree(depth - 1);
    struct node *n = new_node();
    n->left = l;
    n->right = r;
    return n;
}

static void free_tree(struct node *n)
{
    if (n == NULL)
        return;
    free_tree(n->left);
    free_tree(n->right);
    bench_free(n);
}

static uint64_t count_tree(const struct node *n)
{
    return n == NULL ? 0 : 1 + count_tree(n->left) + count_tree(n->right);
}

static void time_construction(int depth, int stretch_depth)
{
    long iters = 2 * tree_size(stretch_depth) / tree_size(depth);
    struct node *t = NULL;
    BENCH_LOCALS(t);

    uint64_t t0 = bench_now_ns();
    for (long i = 0; i < iters; i++) {
        t = new_node();
        populate(depth, t);
        if (BENCH_FREES)
            free_tree(t);
        t = NULL;
    }
    uint64_t t1 = bench_now_ns();
    for (long i = 0; i < iters; i++) {
        t = make_tree(depth);
        if (BENCH_FREES)
            free_tree(t);
        t = NULL;
    }
    uint64_t t2 = bench_now_ns();
    printf("depth %2d: %ld trees, top-down %.1f ms, bottom-up %.1f ms\n", depth,
           iters, bench_ms(t1 - t0), bench_ms(t2 - t1));
    bench_mem_sample();
}

int main(int argc, char **argv)
{
    int stretch_depth = (int)bench_arg(argc, argv, 1, 18);
    if (stretch_depth < MIN_DEPTH + 2 || stretch_depth > 24)
        bench_die("stretch depth must be in 6..24");
    int long_lived_depth = stretch_depth - 2;
    int max_depth = long_lived_depth;

    bench_init();
    struct node *t = NULL, *long_lived = NULL;
    double *array = NULL;
    BENCH_LOCALS(t, long_lived, array);

    t = make_tree(stretch_depth);
    if (BENCH_FREES)
        free_tree(t);
    t = NULL;

    long_lived = new_node();
    populate(long_lived_depth, long_lived);
    array = bench_alloc_bytes(ARRAY_SIZE * sizeof(double));
    array[0] = 0.0;
    for (int i = 1; i < ARRAY_SIZE; i++)
        array[i] = 1.0 / i;
    bench_mem_sample();

    for (int d = MIN_DEPTH; d <= max_depth; d += 2)
        time_construction(d, stretch_depth);

    if (long_lived == NULL || array[1000] != 1.0 / 1000)
        bench_die("long-lived data lost");
    uint64_t checksum = nodes_allocated + count_tree(long_lived);

    char name[32];
    snprintf(name, sizeof name, "gcbench-%d", stretch_depth);
    bench_result(name, checksum, "");
    if (BENCH_FREES) {
        free_tree(long_lived);
        bench_free(array);
    }
    return 0;
}
