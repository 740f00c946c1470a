/* test_gc_pacing.c — pacing and lazy sweeping (runtime/gc.c, alloc.c):
 *   - at gc_percent = 100 with a steady live set L the heap stays within
 *     its goal (heap_alloc <= max(2L, 4 MiB) plus one span, so within
 *     2L + 4 MiB), and collections happen about once per L of garbage;
 *   - gc_percent < 0 turns automatic collections off, and setting it back
 *     at run time turns them on; other values move the goal;
 *   - after an automatic collection the heap is swept lazily, a span at a
 *     time as allocation needs one: slots freed in the last cycle are what
 *     allocation hands out next, and the heap does not grow over many
 *     cycles of constant live size.
 * Its own program (one heap, default config).  Each test builds its live
 * set, checks it is intact at the end, and drops it. */
#include "gcutil.h"

#include "wgc.h"

#define KiB ((uint64_t)1024)
#define MiB (1024 * KiB)
#define SPAN_SLACK (128 * KiB)   /* one span (<= 10 pages of 8 KiB) past the goal */

#define CHURN_FACTOR 20   /* garbage allocated, in units of the live set */
#define LAZY_CYCLES 60

struct blk {
    struct blk *next;
    uintptr_t id;
    uintptr_t pad[6];
};
WGC_TYPE(blk_type, struct blk, offsetof(struct blk, next));

struct small {
    struct small *next;
    uintptr_t id;
};
WGC_TYPE(small_type, struct small, offsetof(struct small, next));

/* 200 bytes natively, 100 on wasm32: a class no other test here uses. */
struct mid {
    void *p;
    uintptr_t w[24];
};
WGC_TYPE(mid_type, struct mid, offsetof(struct mid, p));

static int group_setup(void **state)
{
    (void)state;
    struct wgc_config cfg;
    wgc_config_default(&cfg);
    cfg.stress = 0;   /* also in BUILD=stress: these tests are about pacing */
    return wgc_init(&cfg) == WGC_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    wgc_set_gc_percent(100);
    return heap_left_clean();
}

/* ---- the steady live set ------------------------------------------------------------ */

static struct blk *live_ring;

/* A rooted ring of about `bytes` of blocks; returns the live bytes. */
static uint64_t live_build(uint64_t bytes)
{
    live_ring = NULL;
    assert_true(wgc_root_add(&live_ring));
    struct blk *first = wgc_alloc(&blk_type);
    assert_non_null(first);
    live_ring = first;
    uint64_t slot = wgc_usable_size(first), n = bytes / slot;
    struct blk *tail = first;
    for (uint64_t i = 1; i < n; i++) {
        struct blk *b = wgc_alloc(&blk_type);
        assert_non_null(b);
        b->id = (uintptr_t)i;
        b->pad[5] = (uintptr_t)i * 7;
        tail->next = b;
        tail = b;
    }
    tail->next = first;
    struct wgc_stats st = collect();
    assert_int_equal(st.live_bytes, n * slot);
    return n * slot;
}

static void live_check_and_drop(uint64_t live)
{
    struct blk *b = live_ring;
    uint64_t n = 0;
    do {
        if (b->id != n || b->pad[5] != (uintptr_t)n * 7)
            fail_msg("live block %llu at %p: id %lu", (unsigned long long)n, (void *)b,
                     (unsigned long)b->id);
        b = b->next;
        n++;
    } while (b != live_ring);
    assert_int_equal(n * wgc_usable_size(live_ring), live);
    assert_true(wgc_root_remove(&live_ring));
    live_ring = NULL;
}

/* Allocate `bytes` of garbage of mixed sizes (a large object now and
 * then); track the largest heap_alloc seen, sampled after every
 * allocation. */
struct churn {
    uint64_t max_heap_alloc;
    uint64_t max_goal;
    uint64_t allocated;
};

static void churn(struct rng *r, uint64_t bytes, struct churn *c)
{
    while (c->allocated < bytes) {
        void *p;
        unsigned k = (unsigned)rng_below(r, 100);
        if (k < 50)
            p = wgc_alloc(&small_type);
        else if (k < 80)
            p = wgc_alloc_array(&blk_type, 1 + rng_below(r, 8));
        else if (k < 99)
            p = wgc_alloc_bytes(1 + rng_below(r, 2000));
        else
            p = wgc_alloc_bytes(33 * KiB + rng_below(r, 100 * KiB));
        assert_non_null(p);
        c->allocated += wgc_usable_size(p);
        struct wgc_stats st = stats_now();
        if (st.heap_alloc > c->max_heap_alloc)
            c->max_heap_alloc = st.heap_alloc;
        if (st.next_gc > c->max_goal)
            c->max_goal = st.next_gc;
    }
}

static uint64_t goal_of(uint64_t live, int percent)
{
    uint64_t g = live + live * (uint64_t)percent / 100;
    return g < 4 * MiB ? 4 * MiB : g;
}

/* ---- tests ---------------------------------------------------------------------------- */

static void test_pacing_keeps_heap_within_goal(void **state)
{
    (void)state;
    assert_int_equal(wgc_set_gc_percent(100), 100);   /* the default */
    struct rng r = test_rng("pacing");
    uint64_t live = live_build(8 * MiB);
    struct wgc_stats s0 = stats_now();
    uint64_t goal = goal_of(live, 100);
    assert_true(s0.next_gc <= goal && s0.next_gc + 100 >= goal);

    struct churn c = {0, 0, 0};
    churn(&r, CHURN_FACTOR * live, &c);
    struct wgc_stats s1 = stats_now();
    uint64_t gcs = s1.num_gc - s0.num_gc;
    printf("[ PACING   ] live %llu KiB, goal %llu KiB: max heap_alloc %llu KiB, %llu collections "
           "for %llu KiB of garbage, heap_sys %llu KiB\n",
           (unsigned long long)(live / KiB), (unsigned long long)(goal / KiB),
           (unsigned long long)(c.max_heap_alloc / KiB), (unsigned long long)gcs,
           (unsigned long long)(c.allocated / KiB), (unsigned long long)(s1.heap_sys / KiB));
    /* Within the goal (plus the span being taken), so within 2L + 4 MiB. */
    assert_true(c.max_heap_alloc <= goal + SPAN_SLACK);
    assert_true(c.max_heap_alloc <= 2 * live + 4 * MiB);
    assert_true(c.max_goal <= goal);
    /* About one collection per L of garbage: not none, not far more. */
    assert_true(gcs >= CHURN_FACTOR / 2);
    assert_true(gcs <= 2 * CHURN_FACTOR + 2);
    /* The live set, and only it, is what each collection found live. */
    assert_int_equal(s1.live_bytes, live);
    /* Pages of the heap: the goal, and what fragmentation costs, not a
     * heap that grows with the garbage. */
    assert_true(s1.heap_sys <= 2 * goal + 8 * MiB);
    live_check_and_drop(live);
}

static void test_negative_gc_percent_disables_pacing(void **state)
{
    (void)state;
    struct rng r = test_rng("gc_off");
    uint64_t live = live_build(2 * MiB);
    struct wgc_stats s0 = stats_now();
    assert_int_equal(wgc_set_gc_percent(-1), 100);
    struct churn c = {0, 0, 0};
    churn(&r, 3 * s0.next_gc, &c);
    struct wgc_stats s1 = stats_now();
    assert_int_equal(s1.num_gc, s0.num_gc);   /* off */
    assert_true(c.max_heap_alloc > s0.next_gc);
    assert_true(s1.heap_alloc >= 2 * s0.next_gc);

    /* An explicit collection still runs, and keeps pacing off. */
    struct wgc_stats s2 = collect();
    assert_int_equal(s2.num_gc, s0.num_gc + 1);
    assert_int_equal(s2.live_bytes, live);
    churn(&r, 2 * s0.next_gc + c.allocated, &c);
    assert_int_equal(stats_now().num_gc, s2.num_gc);

    /* Back on at run time: the goal is the live heap's again, and the heap
     * (far past it) collects at the next span it takes. */
    assert_int_equal(wgc_set_gc_percent(100), -1);
    struct wgc_stats s3 = stats_now();
    uint64_t goal = goal_of(live, 100);
    assert_true(s3.next_gc <= goal && s3.next_gc + 100 >= goal);
    int n = 0;
    while (stats_now().num_gc == s3.num_gc && n < 100000) {
        assert_non_null(wgc_alloc(&small_type));
        n++;
    }
    assert_int_equal(stats_now().num_gc, s3.num_gc + 1);
    assert_true(n <= (int)(16 * KiB / sizeof(struct small)) + 1);
    live_check_and_drop(live);
}

static void test_gc_percent_moves_the_goal(void **state)
{
    (void)state;
    struct rng r = test_rng("gc_percent");
    uint64_t live = live_build(8 * MiB);
    uint64_t gcs[2];
    const int percents[2] = {50, 200};
    for (int k = 0; k < 2; k++) {
        int p = percents[k];
        wgc_set_gc_percent(p);
        struct wgc_stats s0 = stats_now();
        uint64_t goal = goal_of(live, p);
        if (s0.next_gc > goal || s0.next_gc + 100 < goal)
            fail_msg("gc_percent %d: goal %llu, want %llu", p, (unsigned long long)s0.next_gc,
                     (unsigned long long)goal);
        struct churn c = {0, 0, 0};
        churn(&r, CHURN_FACTOR * live, &c);
        struct wgc_stats s1 = stats_now();
        gcs[k] = s1.num_gc - s0.num_gc;
        assert_true(c.max_heap_alloc <= goal + SPAN_SLACK);
        /* The heap does use the room the goal gives it. */
        assert_true(c.max_heap_alloc + 2 * SPAN_SLACK + 200 * KiB >= goal);
        assert_int_equal(s1.live_bytes, live);
        printf("[ PACING   ] gc_percent %d: goal %llu KiB, max heap_alloc %llu KiB, %llu "
               "collections\n", p, (unsigned long long)(goal / KiB),
               (unsigned long long)(c.max_heap_alloc / KiB), (unsigned long long)gcs[k]);
    }
    /* A goal of 1.5L leaves L/2 per cycle, 3L leaves 2L: 4x the cycles. */
    assert_true(gcs[0] >= 3 * gcs[1]);
    assert_int_equal(wgc_set_gc_percent(100), 200);
    live_check_and_drop(live);
}

/* Constant live size over many cycles: the heap stops growing after the
 * first few. */
static void test_heap_stable_over_cycles(void **state)
{
    (void)state;
    struct rng r = test_rng("stable");
    uint64_t live = live_build(3 * MiB);
    struct wgc_stats s0 = stats_now();
    uint64_t warm_sys = 0, gcs_at_warm = 0;
    struct churn c = {0, 0, 0};
    uint64_t step = live / 4;
    while (stats_now().num_gc - s0.num_gc < LAZY_CYCLES) {
        churn(&r, c.allocated + step, &c);
        struct wgc_stats st = stats_now();
        if (warm_sys == 0 && st.num_gc - s0.num_gc >= 5) {
            warm_sys = st.heap_sys;
            gcs_at_warm = st.num_gc;
        }
    }
    struct wgc_stats s1 = stats_now();
    printf("[ STABLE   ] %llu cycles: heap_sys %llu KiB after 5, %llu KiB after %llu\n",
           (unsigned long long)LAZY_CYCLES, (unsigned long long)(warm_sys / KiB),
           (unsigned long long)(s1.heap_sys / KiB),
           (unsigned long long)(s1.num_gc - s0.num_gc));
    assert_true(s1.num_gc - gcs_at_warm >= LAZY_CYCLES - 6);
    assert_int_equal(s1.heap_sys, warm_sys);
    verify_ok();
    live_check_and_drop(live);
}

/* Slots freed by a collection are the ones allocation hands out next:
 * with every tenth object kept, no span of the class is empty, so the
 * freed slots stay in their spans and all the new objects land on them. */
static void *mid_keep[400];

static void test_freed_slots_are_reused(void **state)
{
    (void)state;
    const size_t n = 4000;
    uintptr_t *old = malloc(n * sizeof *old);
    assert_non_null(old);
    struct wgc_frame f = {NULL, 0, NULL, mid_keep};
    wgc_frame_push(&f);
    size_t kept = 0, nfreed = 0;
    for (size_t i = 0; i < n; i++) {
        struct mid *m = wgc_alloc(&mid_type);
        assert_non_null(m);
        m->w[0] = i;
        if (i % 10 == 0) {
            mid_keep[kept++] = m;
            f.n = kept;
        } else {
            old[nfreed++] = (uintptr_t)m;
        }
    }
    struct wgc_stats s0 = collect();
    for (size_t i = 0; i < nfreed; i++)
        assert_int_equal(wgc_usable_size((void *)old[i]), 0);
    size_t reused = 0, again = nfreed / 4;
    for (size_t i = 0; i < again; i++) {
        struct mid *m = wgc_alloc(&mid_type);
        assert_non_null(m);
        for (size_t j = 0; j < nfreed; j++)
            if (old[j] == (uintptr_t)m) {
                reused++;
                break;
            }
        for (size_t k = 0; k < kept; k++)
            assert_ptr_not_equal(m, mid_keep[k]);
    }
    /* No span was added: every object came from a free slot of the class's
     * spans, and all but the never-used tail of the last one were freed. */
    struct wgc_stats s1 = stats_now();
    assert_int_equal(s1.heap_sys, s0.heap_sys);
    assert_int_equal(s1.heap_inuse, s0.heap_inuse);
    assert_int_equal(s1.num_gc, s0.num_gc);
    if (reused + 128 < again)
        fail_msg("%zu of %zu new objects took freed slots", reused, again);
    for (size_t k = 0; k < kept; k++)
        assert_int_equal(((struct mid *)mid_keep[k])->w[0], k * 10);
    wgc_frame_pop(&f);
    free(old);
}

/* After an automatic collection nothing is swept yet but what the
 * triggering allocation needed: sweeping then goes on inside later
 * allocations, class by class, with no new collection. */
static struct small *lazy_keep;

static void test_lazy_sweeping_interleaves_with_allocation(void **state)
{
    (void)state;
    lazy_keep = NULL;
    assert_true(wgc_root_add(&lazy_keep));
    collect();
    /* With pacing off, garbage of class A (small nodes, every 16th kept)
     * and of class B (512-byte blobs, every 32nd kept, so that no span of
     * either class is all garbage), interleaved. */
    void **bkeep = calloc(512, sizeof *bkeep);
    assert_non_null(bkeep);
    struct wgc_frame bf = {NULL, 512, NULL, bkeep};
    wgc_frame_push(&bf);
    size_t nb = 0;
    assert_int_equal(wgc_set_gc_percent(-1), 100);
    uint64_t garbage_a = 0, garbage_b = 0, live_a = 0;
    for (int i = 0; i < 60000; i++) {
        struct small *a = wgc_alloc(&small_type);
        assert_non_null(a);
        a->id = (uintptr_t)i;
        if (i % 16 == 0) {
            a->next = lazy_keep;
            lazy_keep = a;
            live_a++;
        } else {
            garbage_a++;
        }
        if (i % 4 == 0) {
            void *b = wgc_alloc_bytes(512);
            assert_non_null(b);
            if (i % 128 == 0)
                bkeep[nb++] = b;
            else
                garbage_b++;
        }
    }
    /* Pacing back on: the heap is past the goal, so the next span class B
     * takes starts a collection. */
    assert_int_equal(wgc_set_gc_percent(100), -1);
    struct wgc_stats s1 = stats_now();
    uint64_t tries = 0;
    while (stats_now().num_gc == s1.num_gc) {
        assert_non_null(wgc_alloc_bytes(512));
        assert_true(++tries < 1000);
    }
    struct wgc_stats s2 = stats_now();
    assert_int_equal(s2.num_gc, s1.num_gc + 1);
    uint64_t freed_at_gc = s2.nfree - s1.nfree;
    /* Lazy: a span or so of class B was swept for the allocation (the
     * first one has room), class A not at all. */
    if (freed_at_gc >= garbage_b / 4)
        fail_msg("%llu objects freed by the time the collection returned, of %llu + %llu: "
                 "not lazy", (unsigned long long)freed_at_gc, (unsigned long long)garbage_a,
                 (unsigned long long)garbage_b);
    /* Now class A allocations sweep class A's spans as they need them. */
    uint64_t na = 0;
    while (stats_now().nfree == s2.nfree && na < 100000) {
        assert_non_null(wgc_alloc(&small_type));
        na++;
    }
    struct wgc_stats s3 = stats_now();
    assert_true(s3.nfree > s2.nfree);
    assert_int_equal(s3.num_gc, s2.num_gc);    /* swept inside allocation */
    assert_int_equal(s3.heap_sys, s2.heap_sys);
    for (int i = 0; i < 1000; i++)
        assert_non_null(wgc_alloc(&small_type));
    struct wgc_stats s4 = stats_now();
    assert_true(s4.nfree >= s3.nfree);
    assert_int_equal(s4.num_gc, s2.num_gc);
    assert_int_equal(s4.heap_sys, s2.heap_sys);
    /* The kept nodes are intact through all of it. */
    uint64_t count = 0;
    for (struct small *a = lazy_keep; a != NULL; a = a->next, count++)
        assert_int_equal(a->id % 16, 0);
    assert_int_equal(count, live_a);
    verify_ok();
    struct wgc_stats s5 = collect();
    assert_int_equal(s5.live_bytes, live_a * wgc_usable_size(lazy_keep) + nb * 512);
    assert_true(wgc_root_remove(&lazy_keep));
    lazy_keep = NULL;
    for (size_t i = 0; i < nb; i++)
        assert_int_equal(wgc_usable_size(bkeep[i]), 512);
    wgc_frame_pop(&bf);
    free(bkeep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_heap_stable_over_cycles, teardown),
        cmocka_unit_test_teardown(test_pacing_keeps_heap_within_goal, teardown),
        cmocka_unit_test_teardown(test_negative_gc_percent_disables_pacing, teardown),
        cmocka_unit_test_teardown(test_gc_percent_moves_the_goal, teardown),
        cmocka_unit_test_teardown(test_freed_slots_are_reused, teardown),
        cmocka_unit_test_teardown(test_lazy_sweeping_interleaves_with_allocation, teardown),
    };
    return cmocka_run_group_tests_name("gc_pacing", tests, group_setup, NULL);
}
