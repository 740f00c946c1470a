/* mutate.c — pointer stores into a large old object, for the write barrier.
 *
 * usage: mutate [entries [replacements_millions]]      (defaults 1000000, 16)
 *
 * A vector of `entries` pointer slots (4 MB on wasm32 for a million) is
 * filled with small objects (a pointer and a tag: 8 bytes on wasm32), then
 * random slots are replaced, each by a freshly allocated object; the old
 * object is dropped (freed in the malloc variant).  Every replacement is an
 * old-to-young pointer store spread uniformly over the whole vector: the
 * case where a generational collector does not pay (every card of the
 * vector is dirty between two minor collections, and the young objects
 * all survive until replaced).  Every store into the vector goes through
 * BENCH_STORE, so the barrier, when there is one, is measured here.
 * Each object's tag is checked against a side table (plain memory) when it
 * is replaced.  The checksum sums the replacements and the tags left.
 */
#include "bench.h"

#include <stddef.h>

struct box {
    struct box *link;   /* a pointer field (scanned), always NULL here */
    uint32_t tag;
};
WGC_TYPE(box_type, struct box, offsetof(struct box, link));

struct slot {
    struct box *item;
};
WGC_TYPE(slot_type, struct slot, offsetof(struct slot, item));

static struct slot *vec;   /* the old object (a root) */

static struct box *new_box(uint32_t tag)
{
    struct box *b = bench_alloc(&box_type);
    b->link = NULL;
    b->tag = tag;
    return b;
}

int main(int argc, char **argv)
{
    size_t n = (size_t)bench_arg(argc, argv, 1, 1000000);
    uint64_t reps = (uint64_t)bench_arg(argc, argv, 2, 16) * 1000000u;
    if (n < 1)
        bench_die("usage: mutate [entries [replacements_millions]]");

    bench_init();
    bench_root(&vec);
    vec = bench_alloc_array(&slot_type, n);
    for (size_t i = 0; i < n; i++)   /* vec was just allocated: plain */
        vec[i].item = NULL;
    uint32_t *tags = malloc(n * sizeof *tags);   /* the expected tags */
    if (tags == NULL)
        bench_die("out of memory");
    uint32_t next_tag = 0;
    for (size_t i = 0; i < n; i++) {
        struct box *b = new_box(++next_tag);
        BENCH_STORE(&vec[i], item, b);
        tags[i] = next_tag;
    }
    bench_mem_sample();
    uint64_t fill_ns = bench_now_ns() - bench.start_ns;

    uint64_t rng = 0x5eed, checksum = 0;
    for (uint64_t r = 0; r < reps; r++) {
        size_t i = (size_t)(bench_rand(&rng) % n);
        struct box *old = vec[i].item;
        if (old->tag != tags[i] || old->link != NULL)
            bench_die("mutate: an object was corrupted");
        struct box *b = new_box(++next_tag);
        BENCH_STORE(&vec[i], item, b);
        tags[i] = next_tag;
        bench_free(old);
        checksum++;
        if ((r & 0xfffff) == 0)
            bench_mem_sample();
    }
    for (size_t i = 0; i < n; i++) {
        if (vec[i].item->tag != tags[i])
            bench_die("mutate: an object was corrupted");
        checksum += tags[i];
    }

    char extra[128];
    uint64_t ns = bench_now_ns() - bench.start_ns;
    snprintf(extra, sizeof extra, " entries=%zu replacements=%" PRIu64 " ns_per_store=%.2f fill_ms=%.1f",
             n, reps, (double)(ns - fill_ns) / (double)reps, bench_ms(fill_ns));
    bench_result("mutate", checksum, extra);
    if (BENCH_FREES) {
        for (size_t i = 0; i < n; i++)
            bench_free(vec[i].item);
        bench_free(vec);
    }
    free(tags);
    return 0;
}
