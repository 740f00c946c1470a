/* large.c — churn of large objects (above 32 KiB: whole-page spans).
 *
 * usage: large [live_mib [total_mib]]        (defaults 64, 2048)
 *
 * Like churn.c with only large objects: keeps about live_mib of objects of
 * 33 KiB .. 2 MiB (log-uniform sizes), dropping a random one whenever the
 * live bytes reach the target, until total_mib have been allocated.  Three
 * in four objects are raw bytes (never scanned); one in four is an array of
 * pointer slots (scanned; they point to nothing, so lifetimes stay
 * independent).  What it measures: the page allocator finding runs of free
 * pages, zeroing, and how much memory a heap of large objects costs.  The
 * second and last word of each object carry its size with the low bit set
 * (a tagged integer, which a pointer slot may hold), checked when it is
 * dropped.  The checksum sums the sizes and tags left at the end.
 */
#include "bench.h"

#include <math.h>
#include <stddef.h>

struct slot {
    void *p;
};
WGC_TYPE(slot_type, struct slot, offsetof(struct slot, p));

struct entry {
    uint32_t *obj;
    uint32_t size;
};

struct entry_slot {
    uint32_t *obj;
};
WGC_TYPE(entry_slot_type, struct entry_slot, offsetof(struct entry_slot, obj));

static struct entry_slot *objs;   /* the live set (a root) */
static uint32_t *sizes;           /* their sizes (plain memory, no pointers) */
static size_t nobjs;

enum { MIN_SIZE = 33 * 1024, MAX_SIZE = 2 * 1024 * 1024, MAX_OBJS = 1 << 16 };

static uint32_t pick_size(uint64_t *rng)
{
    /* log-uniform between MIN_SIZE and MAX_SIZE, rounded to 8 bytes */
    double u = (double)(bench_rand(rng) >> 11) / 9007199254740992.0;
    double s = MIN_SIZE * exp(u * log((double)MAX_SIZE / MIN_SIZE));
    return (uint32_t)s & ~7u;
}

int main(int argc, char **argv)
{
    uint64_t target = (uint64_t)bench_arg(argc, argv, 1, 64) << 20;
    uint64_t total = (uint64_t)bench_arg(argc, argv, 2, 2048) << 20;

    bench_init();
    bench_root(&objs);
    objs = bench_alloc_array(&entry_slot_type, MAX_OBJS);
    sizes = malloc(MAX_OBJS * sizeof *sizes);   /* read below nobjs only */
    if (sizes == NULL)
        bench_die("out of memory");

    uint64_t rng = 0x5eed, live = 0, allocated = 0, made = 0;
    while (allocated < total) {
        if (live >= target && nobjs > 0) {
            size_t i = (size_t)(bench_rand(&rng) % nobjs);
            uint32_t *o = objs[i].obj;
            uint32_t size = sizes[i];
            if (o[1] != (size | 1) || o[size / 4 - 1] != (size | 1))
                bench_die("large: an object was corrupted");
            bench_free(o);
            live -= size;
            nobjs--;
            BENCH_STORE(&objs[i], obj, objs[nobjs].obj);
            sizes[i] = sizes[nobjs];
            BENCH_STORE(&objs[nobjs], obj, NULL);
        } else {
            if (nobjs == MAX_OBJS)
                bench_die("large: table full");
            uint32_t size = pick_size(&rng);
            uint32_t *o;
            if (bench_rand(&rng) % 4 == 0)
                o = bench_alloc_array(&slot_type, size / sizeof(struct slot));
            else
                o = bench_alloc_bytes(size);
            o[1] = size | 1;
            o[size / 4 - 1] = size | 1;
            BENCH_STORE(&objs[nobjs], obj, o);
            sizes[nobjs] = size;
            nobjs++;
            live += size;
            allocated += size;
            made++;
            if ((made & 63) == 0)
                bench_mem_sample();
        }
    }

    uint64_t checksum = made;
    for (size_t i = 0; i < nobjs; i++)
        checksum += sizes[i] + objs[i].obj[1];

    char name[32], extra[96];
    snprintf(name, sizeof name, "large-%" PRIu64 "M", target >> 20);
    snprintf(extra, sizeof extra, " live_target=%" PRIu64 " allocated=%" PRIu64, target, allocated);
    bench_result(name, checksum, extra);
    if (BENCH_FREES) {
        for (size_t i = 0; i < nobjs; i++)
            bench_free(objs[i].obj);
        bench_free(objs);
    }
    free(sizes);
    return 0;
}
