/* pause.c — the pause of a full collection against the size of the live
 * heap.
 *
 * usage: pause live_mib [collections]         (default 5 collections)
 *
 * Builds a forest of binary trees (depth 10, 2047 nodes each) until
 * live_mib of nominal live data exist, then forces `collections` full
 * collections and times each one inside the program.  A node holds two
 * child pointers, a data pointer and an int (16 bytes on wasm32); one node
 * in eight has a raw-bytes buffer of 64 .. 512 B.  Nominal sizes (16 bytes
 * per node whatever the target) decide when to stop, so every target builds
 * the same forest.  All of it stays reachable: a collection marks all of it
 * and frees nothing, which is the worst case for a non-incremental mark.
 * After the collections the forest is walked; the checksum is its node
 * count plus the sum of the values and buffer sizes.  It prints
 *   pause_ms: the median of the forced collections (the program's clock),
 *   pause_max_ms: the longest of them,
 *   live: bytes marked by the last collection (wgc's counter; for bdwgc the
 *         heap size less its free bytes).
 * Meaningful only with a collector (the malloc variant is not run).
 */
#include "bench.h"

#include <stddef.h>

struct node {
    struct node *left, *right;
    uint8_t *data;
    uint32_t value;
    uint32_t size;
};
WGC_TYPE(node_type, struct node, offsetof(struct node, left),
         offsetof(struct node, right), offsetof(struct node, data));

struct slot {
    struct node *tree;
};
WGC_TYPE(slot_type, struct slot, offsetof(struct slot, tree));

enum { TREE_DEPTH = 10, NODE_NOMINAL = 16, MAX_COLLECTIONS = 64 };

static struct slot *forest;   /* a root */
static uint32_t next_value;

static struct node *build(int depth, uint64_t *rng, uint64_t *bytes)
{
    struct node *l = NULL, *r = NULL, *n = NULL;
    BENCH_LOCALS(l, r, n);
    if (depth > 0) {
        l = build(depth - 1, rng, bytes);
        r = build(depth - 1, rng, bytes);
    }
    n = bench_alloc(&node_type);
    n->left = l;
    n->right = r;
    n->data = NULL;   /* plain malloc does not zero: every field is set */
    n->value = ++next_value;
    n->size = 0;
    *bytes += NODE_NOMINAL;
    if (bench_rand(rng) % 8 == 0) {
        uint32_t size = (uint32_t)bench_range(rng, 64, 512);
        uint8_t *buf = bench_alloc_bytes(size);
        buf[0] = (uint8_t)n->value;
        BENCH_STORE(n, data, buf);   /* n is older than buf */
        n->size = size;
        *bytes += size;
    }
    return n;
}

static uint64_t walk(const struct node *n)
{
    if (n == NULL)
        return 0;
    uint64_t sum = 1 + n->value + n->size;
    if (n->data != NULL && n->data[0] != (uint8_t)n->value)
        bench_die("pause: a buffer was corrupted");
    return sum + walk(n->left) + walk(n->right);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        bench_die("usage: pause live_mib [collections]");
    uint64_t target = (uint64_t)bench_arg(argc, argv, 1, 16) << 20;
    int ncollect = (int)bench_arg(argc, argv, 2, 5);
    if (ncollect < 1 || ncollect > MAX_COLLECTIONS)
        bench_die("collections must be in 1..64");

    bench_init();
    bench_root(&forest);
    size_t tree_nominal = ((size_t)1 << (TREE_DEPTH + 1)) * NODE_NOMINAL;
    size_t capacity = target / tree_nominal + 16;
    forest = bench_alloc_array(&slot_type, capacity);

    uint64_t rng = 0x5eed, live = 0;
    size_t ntrees = 0;
    while (live < target) {
        if (ntrees == capacity)
            bench_die("pause: forest full");
        struct node *t = build(TREE_DEPTH, &rng, &live);
        BENCH_STORE(&forest[ntrees], tree, t);
        ntrees++;
    }
    bench_mem_sample();

    uint64_t pauses[MAX_COLLECTIONS];
    bench_collect();   /* settle: finish the build's cycle first */
    for (int i = 0; i < ncollect; i++) {
        uint64_t t0 = bench_now_ns();
        bench_collect();
        pauses[i] = bench_now_ns() - t0;
    }
    bench_mem_sample();
    uint64_t live_after = bench_live_bytes();

    uint64_t checksum = 0;
    for (size_t i = 0; i < ntrees; i++)
        checksum += walk(forest[i].tree);

    qsort(pauses, (size_t)ncollect, sizeof pauses[0], cmp_u64);
    char name[32], extra[160];
    snprintf(name, sizeof name, "pause-%" PRIu64 "M", target >> 20);
    snprintf(extra, sizeof extra,
             " pause_ms=%.3f pause_max_ms=%.3f live=%" PRIu64 " nominal_live=%" PRIu64,
             bench_ms(pauses[ncollect / 2]), bench_ms(pauses[ncollect - 1]), live_after, live);
    bench_result(name, checksum, extra);
    return 0;
}
