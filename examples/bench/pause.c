/* pause.c — the pause of a full collection against the size of the live
 * heap, in two shapes.
 *
 * usage: pause live_mib [collections [mixed|small]]   (defaults 5, mixed)
 *
 * Builds a forest of binary trees (depth 10, 2047 nodes each) until
 * live_mib of nominal live data exist, then forces `collections` full
 * collections and times each one inside the program.
 *   mixed  a node holds two child pointers, a data pointer and two ints
 *          (16 bytes on wasm32); one node in eight has a raw-bytes buffer
 *          of 64 .. 512 B;  nominal 16 bytes per node plus the buffers;
 *   small  every node is two pointers and nothing else (8 bytes on
 *          wasm32), nominal 8 bytes per node: the most objects per MiB.
 * Nominal sizes decide when to stop, so every target builds the same
 * forest.  All of it stays reachable: a collection marks all of it and
 * frees nothing, the worst case for a non-incremental mark.  After the
 * collections the forest is walked; the checksum is its node count plus
 * the sum of the values and buffer sizes.  It prints
 *   pause_ms, pause_max_ms: median and longest forced collection (the
 *         program's clock around wgc_collect / GC_gcollect);
 *   pauses_us: every forced collection, microseconds (the report pools
 *         them over the runs for its median / p99 / max);
 *   wgc_pauses_us (wgc): the same collections as wgc_stats sees them
 *         (pause_last_ns), and wgc_max_pause_ms / hist_p99_le_ms: wgc's
 *         pause_max_ns and the 99th percentile of its pause histogram
 *         (an upper bound: the top of the bucket), both over the whole run;
 *   live: bytes marked by the last collection (wgc's counter; for bdwgc the
 *         heap size less its free bytes); objects: objects in the forest
 *         (what one collection marks).
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

/* The small shape's node: two pointers. */
struct pair {
    struct pair *left, *right;
};
WGC_TYPE(pair_type, struct pair, offsetof(struct pair, left), offsetof(struct pair, right));

struct slot {
    void *tree;
};
WGC_TYPE(slot_type, struct slot, offsetof(struct slot, tree));

enum { TREE_DEPTH = 10, NODE_NOMINAL = 16, PAIR_NOMINAL = 8, MAX_COLLECTIONS = 512 };

static struct slot *forest;   /* a root */
static uint32_t next_value;
static uint64_t nobjects;     /* objects in the forest */

static struct node *build(int depth, uint64_t *rng, uint64_t *bytes)
{
    struct node *l = NULL, *r = NULL, *n = NULL;
    BENCH_LOCALS(l, r, n);
    if (depth > 0) {
        l = build(depth - 1, rng, bytes);
        r = build(depth - 1, rng, bytes);
    }
    n = bench_alloc(&node_type);
    nobjects++;
    n->left = l;
    n->right = r;
    n->data = NULL;   /* plain malloc does not zero: every field is set */
    n->value = ++next_value;
    n->size = 0;
    *bytes += NODE_NOMINAL;
    if (bench_rand(rng) % 8 == 0) {
        uint32_t size = (uint32_t)bench_range(rng, 64, 512);
        uint8_t *buf = bench_alloc_bytes(size);
        nobjects++;
        buf[0] = (uint8_t)n->value;
        BENCH_STORE(n, data, buf);   /* n is older than buf */
        n->size = size;
        *bytes += size;
    }
    return n;
}

static struct pair *build_small(int depth, uint64_t *bytes)
{
    struct pair *l = NULL, *r = NULL;
    BENCH_LOCALS(l, r);
    if (depth > 0) {
        l = build_small(depth - 1, bytes);
        r = build_small(depth - 1, bytes);
    }
    struct pair *n = bench_alloc(&pair_type);
    nobjects++;
    n->left = l;
    n->right = r;
    *bytes += PAIR_NOMINAL;
    return n;
}

static uint64_t walk_small(const struct pair *n)
{
    return n == NULL ? 0 : 1 + walk_small(n->left) + walk_small(n->right);
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
        bench_die("usage: pause live_mib [collections [mixed|small]]");
    uint64_t target = (uint64_t)bench_arg(argc, argv, 1, 16) << 20;
    int ncollect = (int)bench_arg(argc, argv, 2, 5);
    if (ncollect < 1 || ncollect > MAX_COLLECTIONS)
        bench_die("collections must be in 1..512");
    const char *shape = argc > 3 ? argv[3] : "mixed";
    int small = strcmp(shape, "small") == 0;
    if (!small && strcmp(shape, "mixed") != 0)
        bench_die("shape must be mixed or small");

    bench_init();
    bench_root(&forest);
    size_t tree_nominal = ((size_t)1 << (TREE_DEPTH + 1)) * (small ? PAIR_NOMINAL : NODE_NOMINAL);
    size_t capacity = target / tree_nominal + 16;
    forest = bench_alloc_array(&slot_type, capacity);

    uint64_t rng = 0x5eed, live = 0;
    size_t ntrees = 0;
    while (live < target) {
        if (ntrees == capacity)
            bench_die("pause: forest full");
        void *t = small ? (void *)build_small(TREE_DEPTH, &live)
                        : (void *)build(TREE_DEPTH, &rng, &live);
        BENCH_STORE(&forest[ntrees], tree, t);
        ntrees++;
    }
    nobjects++;   /* the forest's own array */
    bench_mem_sample();

    static uint64_t pauses[MAX_COLLECTIONS], inner[MAX_COLLECTIONS];
    bench_collect();   /* settle: finish the build's cycle first */
    for (int i = 0; i < ncollect; i++) {
        uint64_t t0 = bench_now_ns();
        bench_collect();
        pauses[i] = bench_now_ns() - t0;
#if defined(CONFIG_WGC)
        struct wgc_stats st;
        wgc_stats(&st);
        inner[i] = st.pause_last_ns;
#else
        inner[i] = 0;
#endif
    }
    bench_mem_sample();
    uint64_t live_after = bench_live_bytes();

    uint64_t checksum = 0;
    for (size_t i = 0; i < ntrees; i++)
        checksum += small ? walk_small(forest[i].tree) : walk(forest[i].tree);

    /* every collection in microseconds, in the order they ran */
    static char list[MAX_COLLECTIONS * 24];
    size_t len = 0;
    len += (size_t)snprintf(list + len, sizeof list - len, " pauses_us=");
    for (int i = 0; i < ncollect; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%.0f", i ? "," : "",
                                (double)pauses[i] / 1e3);
#if defined(CONFIG_WGC)
    len += (size_t)snprintf(list + len, sizeof list - len, " wgc_pauses_us=");
    for (int i = 0; i < ncollect; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%.0f", i ? "," : "",
                                (double)inner[i] / 1e3);
#endif
    (void)inner;

    qsort(pauses, (size_t)ncollect, sizeof pauses[0], cmp_u64);
    char name[48];
    static char extra[sizeof list + 256];
    snprintf(name, sizeof name, "pause-%s-%" PRIu64 "M", small ? "small" : "mixed", target >> 20);
    snprintf(extra, sizeof extra,
             " pause_ms=%.3f pause_max_ms=%.3f live=%" PRIu64 " nominal_live=%" PRIu64
             " objects=%" PRIu64 "%s",
             bench_ms(pauses[ncollect / 2]), bench_ms(pauses[ncollect - 1]), live_after, live,
             nobjects, list);
    bench_result(name, checksum, extra);
    return 0;
}
