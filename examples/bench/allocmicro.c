/* allocmicro.c — nanoseconds per allocation of the smallest object.
 *
 * usage: allocmicro [batch [total_millions]]      (defaults 1000, 16)
 *
 * The object is two pointers (8 bytes on wasm32, 16 natively): wgc_alloc
 * of a two-pointer type, or malloc(sizeof) with both fields set, or
 * GC_MALLOC.  Objects are made in batches of `batch`, each batch a linked
 * list (every new object points at the previous one), then the list is
 * walked (its length checked) and dropped: the malloc variant frees every
 * object on the walk, the collectors just forget the head and reclaim it
 * later.  So the cost per object is allocation plus reclamation in every
 * variant: wgc's fast path, its collections and sweeping, against
 * malloc + free.  Prints ns_per_alloc (the whole run over the objects
 * made), ns_build and ns_drop (the two phases separately, per object).
 * The checksum is the number of objects plus the sum of the list lengths.
 */
#include "bench.h"

#include <stddef.h>

struct pair {
    struct pair *next;
    struct pair *other;
};
WGC_TYPE(pair_type, struct pair, offsetof(struct pair, next), offsetof(struct pair, other));

int main(int argc, char **argv)
{
    long batch = bench_arg(argc, argv, 1, 1000);
    long millions = bench_arg(argc, argv, 2, 16);
    if (batch < 1 || millions < 1)
        bench_die("usage: allocmicro [batch [total_millions]]");
    uint64_t total = (uint64_t)millions * 1000000u;
    uint64_t batches = total / (uint64_t)batch;

    bench_init();
    struct pair *head = NULL;
    BENCH_LOCALS(head);
    uint64_t checksum = 0, build_ns = 0, drop_ns = 0;
    for (uint64_t b = 0; b < batches; b++) {
        uint64_t t0 = bench_now_ns();
        head = NULL;
        for (long i = 0; i < batch; i++) {
            struct pair *p = bench_alloc(&pair_type);
            p->next = head;   /* p was just allocated: plain stores */
            p->other = NULL;
            head = p;
        }
        uint64_t t1 = bench_now_ns();
        uint64_t n = 0;
        while (head != NULL) {
            struct pair *next = head->next;
            if (head->other != NULL)
                bench_die("allocmicro: a field changed");
            bench_free(head);
            head = next;
            n++;
        }
        if (n != (uint64_t)batch)
            bench_die("allocmicro: a list lost objects");
        checksum += n;
        drop_ns += bench_now_ns() - t1;
        build_ns += t1 - t0;
    }
    bench_mem_sample();
    uint64_t made = batches * (uint64_t)batch;
    checksum += made;

    char name[48], extra[128];
    snprintf(name, sizeof name, "micro-batch%ld", batch);
    uint64_t ns = bench_now_ns() - bench.start_ns;
    snprintf(extra, sizeof extra, " allocs=%" PRIu64 " ns_per_alloc=%.2f ns_build=%.2f ns_drop=%.2f",
             made, (double)ns / (double)made, (double)build_ns / (double)made,
             (double)drop_ns / (double)made);
    bench_result(name, checksum, extra);
    return 0;
}
