/* binarytrees.c — the Benchmarks Game's binary-trees shape.
 *
 * usage: binarytrees [depth]      (default 10; the suite runs 16 and 18)
 *
 * min_depth = 4, max_depth = max(min_depth + 2, depth).  A "stretch" tree of
 * max_depth + 1 is built, checked and dropped; a long-lived tree of
 * max_depth stays for the whole run; then for d = 4, 6, .. max_depth,
 * 2^(max_depth - d + min_depth) trees of depth d are built bottom-up,
 * checked (node count) and dropped.  The checksum is the sum of all checks.
 *
 * Nodes are two pointers and nothing else: every allocation is the
 * smallest object the allocator serves.  The malloc variant frees each
 * tree after checking it (a walk the collectors do not need).
 */
#include "bench.h"

#include <stddef.h>

struct node {
    struct node *left, *right;
};
WGC_TYPE(node_type, struct node, offsetof(struct node, left),
         offsetof(struct node, right));

/* A tree of the given depth, children first.  l and r are roots while the
 * parent is allocated (the allocation may collect). */
static struct node *bottom_up(int depth)
{
    if (depth <= 0) {
        struct node *leaf = bench_alloc(&node_type);
        leaf->left = NULL;   /* plain malloc does not zero */
        leaf->right = NULL;
        return leaf;
    }
    struct node *l = NULL, *r = NULL;
    BENCH_LOCALS(l, r);
    l = bottom_up(depth - 1);
    r = bottom_up(depth - 1);
    struct node *n = bench_alloc(&node_type);
    n->left = l;
    n->right = r;
    return n;
}

static uint64_t check(const struct node *n)
{
    if (n->left == NULL)
        return 1;
    return 1 + check(n->left) + check(n->right);
}

static void free_tree(struct node *n)
{
    if (n->left != NULL) {
        free_tree(n->left);
        free_tree(n->right);
    }
    bench_free(n);
}

int main(int argc, char **argv)
{
    const int min_depth = 4;
    int depth = (int)bench_arg(argc, argv, 1, 10);
    int max_depth = depth > min_depth + 2 ? depth : min_depth + 2;
    uint64_t checksum = 0;

    bench_init();
    struct node *long_lived = NULL, *t = NULL;
    BENCH_LOCALS(long_lived, t);

    t = bottom_up(max_depth + 1);
    uint64_t c = check(t);
    printf("stretch tree of depth %d\t check: %" PRIu64 "\n", max_depth + 1, c);
    checksum += c;
    if (BENCH_FREES)
        free_tree(t);
    t = NULL;
    bench_mem_sample();

    long_lived = bottom_up(max_depth);

    for (int d = min_depth; d <= max_depth; d += 2) {
        uint64_t iterations = (uint64_t)1 << (max_depth - d + min_depth);
        uint64_t sum = 0;
        for (uint64_t i = 0; i < iterations; i++) {
            t = bottom_up(d);
            sum += check(t);
            if (BENCH_FREES)
                free_tree(t);
            t = NULL;
        }
        printf("%" PRIu64 "\t trees of depth %d\t check: %" PRIu64 "\n", iterations, d, sum);
        checksum += sum;
        bench_mem_sample();
    }

    c = check(long_lived);
    printf("long lived tree of depth %d\t check: %" PRIu64 "\n", max_depth, c);
    checksum += c;

    char name[32];
    snprintf(name, sizeof name, "binarytrees-%d", depth);
    bench_result(name, checksum, "");
    if (BENCH_FREES)
        free_tree(long_lived);
    return 0;
}
