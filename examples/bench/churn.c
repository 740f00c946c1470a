/* churn.c — a long-running workload with a stable live set and object
 * sizes that drift, to show fragmentation and pacing over time.
 *
 * usage: churn [live_mib [factor [samples.csv]]]   (defaults 32, 32, none)
 *
 * The live set is a table of items; an item is a chain of 1..4 cells, each
 * with a payload of raw bytes.  Every step either drops a random item (when
 * the live bytes are at or above the target) or makes a new one, until
 * factor × live bytes have been allocated.  The payload sizes change with
 * the phase of the run (each a quarter of the allocation):
 *   0  small     8 .. 128 B
 *   1  medium    256 .. 2048 B
 *   2  mixed     60 % 8..64 B, 30 % 256 B..4 KiB, 10 % 8..48 KiB
 *                (some of them above 32 KiB: large objects)
 *   3  small     16 .. 512 B
 * so memory that one phase's size classes took must be reused by the next
 * phase's: a non-moving heap that cannot do it grows.
 *
 * Each payload's first and last byte carry its item's tag, checked when the
 * item is dropped: a heap that frees or hands out a live object twice
 * shows up as a mismatch (and the program fails).  Live bytes are counted
 * with a nominal 16-byte cell on every target, so the run and the checksum
 * (tags and sizes of the items left at the end) are the same on wasm and
 * natively.  With a third argument the program writes a CSV sample of its
 * heap (wgc's counters, or the wasm memory size) every 1/400 of the run.
 */
#include "bench.h"

#include <stddef.h>

struct cell {
    struct cell *next;
    uint8_t *payload;
    uint32_t size;
    uint32_t tag;
};
WGC_TYPE(cell_type, struct cell, offsetof(struct cell, next),
         offsetof(struct cell, payload));

struct slot {
    struct cell *item;
};
WGC_TYPE(slot_type, struct slot, offsetof(struct slot, item));

enum { CELL_NOMINAL = 16 };

static struct slot *table;    /* the live set (a root) */
static size_t nitems, capacity;
static uint32_t next_tag;

static uint32_t payload_size(uint64_t *rng, int phase)
{
    switch (phase) {
    case 0:
        return (uint32_t)bench_range(rng, 8, 128);
    case 1:
        return (uint32_t)bench_range(rng, 256, 2048);
    case 2: {
        uint64_t p = bench_rand(rng) % 100;
        if (p < 60)
            return (uint32_t)bench_range(rng, 8, 64);
        if (p < 90)
            return (uint32_t)bench_range(rng, 256, 4096);
        return (uint32_t)bench_range(rng, 8192, 48 * 1024);
    }
    default:
        return (uint32_t)bench_range(rng, 16, 512);
    }
}

/* A new item; *bytes gets its nominal size. */
static struct cell *make_item(uint64_t *rng, int phase, uint64_t *bytes)
{
    struct cell *head = NULL, *c = NULL;
    BENCH_LOCALS(head, c);
    int n = (int)bench_range(rng, 1, 4);
    uint32_t tag = ++next_tag;
    *bytes = 0;
    for (int k = 0; k < n; k++) {
        uint32_t size = payload_size(rng, phase);
        c = bench_alloc(&cell_type);
        c->tag = tag;
        c->size = size;
        c->next = head;
        head = c;
        c->payload = NULL;   /* set before the payload's allocation */
        uint8_t *p = bench_alloc_bytes(size);
        p[0] = (uint8_t)tag;
        p[size - 1] = (uint8_t)(tag >> 8);
        BENCH_STORE(c, payload, p);   /* c is older than p */
        *bytes += CELL_NOMINAL + size;
    }
    return head;
}

/* Check an item's tags; returns its nominal size; frees it in the malloc
 * variant. */
static uint64_t drop_item(struct cell *c)
{
    uint64_t bytes = 0;
    uint32_t tag = c->tag;
    while (c != NULL) {
        struct cell *next = c->next;
        if (c->tag != tag || c->payload[0] != (uint8_t)tag ||
            c->payload[c->size - 1] != (uint8_t)(tag >> 8))
            bench_die("churn: an item was corrupted (a live object was reused)");
        bytes += CELL_NOMINAL + c->size;
        bench_free(c->payload);
        bench_free(c);
        c = next;
    }
    return bytes;
}

static void sample(FILE *f, uint64_t allocated, uint64_t live)
{
    if (f == NULL)
        return;
    uint64_t t = bench_now_ns() - bench.start_ns;
#if defined(CONFIG_WGC)
    struct wgc_stats st;
    wgc_stats(&st);
    fprintf(f, "%.3f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
            bench_ms(t), allocated, live, st.heap_alloc, st.next_gc, st.heap_sys,
            st.memory_size, st.live_bytes);
#else
    fprintf(f, "%.3f,%" PRIu64 ",%" PRIu64 ",0,0,0,%" PRIu64 ",0\n", bench_ms(t), allocated,
            live, bench_mem_now());
#endif
}

int main(int argc, char **argv)
{
    uint64_t target = (uint64_t)bench_arg(argc, argv, 1, 32) << 20;
    uint64_t budget = target * (uint64_t)bench_arg(argc, argv, 2, 32);
    FILE *samples = NULL;
    if (argc > 3) {
        samples = fopen(argv[3], "w");
        if (samples == NULL)
            bench_die("cannot open the samples file");
        fprintf(samples, "ms,allocated,live_target_bytes,heap_alloc,next_gc,heap_sys,"
                         "memory_size,live_marked\n");
    }

    bench_init();
    bench_root(&table);
    capacity = target / (CELL_NOMINAL + 8) + 1024;
    table = bench_alloc_array(&slot_type, capacity);

    uint64_t rng = 0x5eed;
    uint64_t live = 0, allocated = 0, made = 0;
    uint64_t sample_every = budget / 400, next_sample = 0;
    while (allocated < budget) {
        if (live >= target && nitems > 0) {
            size_t i = (size_t)(bench_rand(&rng) % nitems);
            live -= drop_item(table[i].item);
            nitems--;
            BENCH_STORE(&table[i], item, table[nitems].item);
            BENCH_STORE(&table[nitems], item, NULL);
        } else {
            if (nitems == capacity)
                bench_die("churn: table full");
            int phase = (int)(allocated * 4 / budget);
            uint64_t bytes;
            struct cell *item = make_item(&rng, phase, &bytes);
            BENCH_STORE(&table[nitems], item, item);
            nitems++;
            live += bytes;
            allocated += bytes;
            made++;
        }
        if (allocated >= next_sample) {
            sample(samples, allocated, live);
            bench_mem_sample();
            next_sample += sample_every;
        }
    }

    uint64_t checksum = made;
    for (size_t i = 0; i < nitems; i++)
        for (struct cell *c = table[i].item; c != NULL; c = c->next)
            checksum += c->tag + c->size;

    char name[32], extra[96];
    snprintf(name, sizeof name, "churn-%" PRIu64 "M", target >> 20);
    snprintf(extra, sizeof extra, " live_target=%" PRIu64 " allocated=%" PRIu64, target, allocated);
    bench_result(name, checksum, extra);
    sample(samples, allocated, live);
    if (samples != NULL)
        fclose(samples);
    if (BENCH_FREES) {
        for (size_t i = 0; i < nitems; i++)
            drop_item(table[i].item);
        bench_free(table);
    }
    return 0;
}
