/* allocsize.c — allocation speed by object size.
 *
 * usage: allocsize 16|32|64|mixed [total_mib [window]]   (defaults 256, 4096)
 *
 * Allocates objects of one size (or of mixed sizes: 16 .. 256 B in steps
 * of 16, smaller ones likelier) until total_mib have been allocated.  The
 * last `window` objects stay live in a ring; the one a new object replaces
 * is dropped (freed in the malloc variant).  So the live set is tiny and
 * constant and the cost measured is allocation plus reclamation: wgc's
 * fast path and sweeping, or malloc + free.  Each object starts with a
 * pointer field (the type is scanned) and the program writes two words
 * after it (the third and the last).  The checksum is the number of
 * objects plus the third word of each object left in the ring.
 */
#include "bench.h"

#include <stddef.h>

/* A 16-byte unit with a pointer first; objects of 16 × k bytes are arrays
 * of k units (the layout repeats, as wgc_alloc_array describes). */
struct unit {
    struct unit *link;
    char pad[16 - sizeof(void *)];
};
struct obj32 {
    struct unit *link;
    char pad[32 - sizeof(void *)];
};
struct obj64 {
    struct unit *link;
    char pad[64 - sizeof(void *)];
};
WGC_TYPE(unit_type, struct unit, offsetof(struct unit, link));
WGC_TYPE(obj32_type, struct obj32, offsetof(struct obj32, link));
WGC_TYPE(obj64_type, struct obj64, offsetof(struct obj64, link));

struct slot {
    struct unit *obj;
};
WGC_TYPE(slot_type, struct slot, offsetof(struct slot, obj));

static struct slot *ring;   /* a root */

/* Mixed sizes: k = 1000 / (r + 60) units for r uniform in 0..999, clamped
 * to 1..16: 56 % are 16 B, 17 % 32 B, 8 % 48 B, .. 0.3 % 256 B (mean 40 B). */
static size_t mixed_units(uint64_t *rng)
{
    uint64_t r = bench_rand(rng) % 1000;
    size_t k = (size_t)(1000 / (r + 60));
    if (k < 1)
        k = 1;
    if (k > 16)
        k = 16;
    return k;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        bench_die("usage: allocsize 16|32|64|mixed [total_mib [window]]");
    const char *what = argv[1];
    int fixed = strcmp(what, "mixed") == 0 ? 0 : atoi(what);
    if (fixed != 0 && fixed != 16 && fixed != 32 && fixed != 64)
        bench_die("size must be 16, 32, 64 or mixed");
    uint64_t total = (uint64_t)bench_arg(argc, argv, 2, 256) << 20;
    size_t window = (size_t)bench_arg(argc, argv, 3, 4096);

    bench_init();
    bench_root(&ring);
    ring = bench_alloc_array(&slot_type, window);
    for (size_t k = 0; k < window; k++)   /* plain malloc does not zero */
        ring[k].obj = NULL;

    uint64_t rng = 0x5eed, allocated = 0, n = 0;
    size_t i = 0;
    while (allocated < total) {
        size_t size;
        struct unit *o;
        switch (fixed) {
        case 16:
            o = bench_alloc(&unit_type);
            size = 16;
            break;
        case 32:
            o = bench_alloc(&obj32_type);
            size = 32;
            break;
        case 64:
            o = bench_alloc(&obj64_type);
            size = 64;
            break;
        default: {
            size_t k = mixed_units(&rng);
            o = bench_alloc_array(&unit_type, k);
            size = 16 * k;
        }
        }
        uint32_t *words = (uint32_t *)o;   /* words 2 and up are not the link */
        words[2] = (uint32_t)n;
        words[size / 4 - 1] = (uint32_t)size;
        if (BENCH_FREES)
            bench_free(ring[i].obj);
        BENCH_STORE(&ring[i], obj, o);
        if (++i == window)
            i = 0;
        allocated += size;
        n++;
    }
    bench_mem_sample();

    uint64_t checksum = n;
    for (size_t k = 0; k < window; k++) {
        const uint32_t *words = (const uint32_t *)ring[k].obj;
        if (words != NULL)
            checksum += words[2];
    }

    char name[32], extra[64];
    snprintf(name, sizeof name, "alloc-%s", what);
    uint64_t ns = bench_now_ns() - bench.start_ns;
    snprintf(extra, sizeof extra, " allocs=%" PRIu64 " ns_per_alloc=%.2f", n,
             (double)ns / (double)n);
    bench_result(name, checksum, extra);
    if (BENCH_FREES) {
        for (size_t k = 0; k < window; k++)
            bench_free(ring[k].obj);
        bench_free(ring);
    }
    return 0;
}
