/* test_pages.c — the page allocator (heap/pages.h, P1–P4) against a simple
 * reference model: a bit per heap page of the whole 4 GiB space. */
#include "testutil.h"

#include "pages.h"

#define LIMIT ((uint64_t)256 << 20)
#define SPACE_PAGES (((uint64_t)1 << 32) / HEAP_PAGE)

static uint8_t *model;   /* 0: not heap, 1: free, 2: handed out by pages_alloc */
static size_t regions_seen;

static size_t page_no(uintptr_t p)
{
    return (size_t)((p - arena_space_base) / HEAP_PAGE);
}

/* New heap regions become free pages in the model. */
static void model_add_regions(void)
{
    for (; regions_seen < arena_nregions; regions_seen++) {
        struct arena_region r = arena_regions[regions_seen];
        for (size_t i = 0; i < r.len / HEAP_PAGE; i++) {
            assert_int_equal(model[page_no(r.start) + i], 0);
            model[page_no(r.start) + i] = 1;
        }
    }
}

/* The longest run of free pages the heap has, by the model. */
static size_t model_longest_free(void)
{
    size_t best = 0, run = 0;
    for (size_t pg = 0; pg < SPACE_PAGES; pg++) {
        run = model[pg] == 1 ? run + 1 : 0;
        if (run > best)
            best = run;
    }
    return best;
}

/* Maximal stretches of contiguous heap pages. */
static size_t model_stretches(void)
{
    size_t n = 0;
    for (size_t pg = 0; pg < SPACE_PAGES; pg++)
        if (model[pg] != 0 && (pg == 0 || model[pg - 1] == 0))
            n++;
    return n;
}

static void check_invariants(uint64_t held_pages)
{
    const char *why = pages_check();
    if (why != NULL)
        fail_msg("%s", why);
    assert_int_equal(page_heap.free_pages + held_pages, arena_heap_bytes / HEAP_PAGE);
}

struct held {
    struct span *s;
    size_t n;
};

static void test_against_model(void **state)
{
    (void)state;
    struct rng r = test_rng("pages_against_model");
    model = calloc(SPACE_PAGES, 1);
    assert_non_null(model);
    span_init();
    model_add_regions();
    enum { MAXHELD = 600 };
    struct held *held = calloc(MAXHELD, sizeof *held);
    size_t nheld = 0;
    uint64_t held_pages = 0;
    for (int step = 0; step < 20000; step++) {
        bool do_alloc = nheld == 0 || (nheld < MAXHELD && rng_below(&r, 100) < 55);
        if (do_alloc) {
            size_t n = rng_below(&r, 10) == 0 ? 100 + rng_below(&r, 700) : 1 + rng_below(&r, 12);
            uint64_t before = arena_heap_bytes;
            size_t longest = model_longest_free();
            struct span *s = pages_alloc(n, LIMIT);
            if (s == NULL) {
                /* Only when the limit forbids growing and nothing fits. */
                assert_true(longest < n);
                uint64_t grow = (n * HEAP_PAGE + ARENA_BYTES - 1) / ARENA_BYTES * ARENA_BYTES;
                assert_true(arena_heap_bytes + grow > LIMIT);
                continue;
            }
            if (arena_heap_bytes != before && longest >= n)
                fail_msg("grew the heap for %zu pages while a free run of %zu existed", n, longest);
            model_add_regions();
            assert_int_equal(s->npages, n);
            assert_int_equal(s->base % HEAP_PAGE, 0);
            for (size_t i = 0; i < n; i++) {
                uintptr_t p = s->base + i * HEAP_PAGE;
                assert_non_null(arena_of(p));
                assert_ptr_equal(arena_span_of(p), s);   /* S1 */
                if (model[page_no(p)] != 1)
                    fail_msg("page %p handed out twice, or not a heap page", (void *)p);
                model[page_no(p)] = 2;
            }
            s->state = SPAN_LARGE;   /* in use, as span.c would mark it */
            held[nheld++] = (struct held){s, n};
            held_pages += n;
        } else {
            size_t k = rng_below(&r, nheld);
            struct span *s = held[k].s;
            for (size_t i = 0; i < held[k].n; i++)
                model[page_no(s->base + i * HEAP_PAGE)] = 1;
            held_pages -= held[k].n;
            pages_free(s);
            held[k] = held[--nheld];
        }
        if (step % 50 == 0)
            check_invariants(held_pages);
    }
    while (nheld > 0) {
        held_pages -= held[nheld - 1].n;
        pages_free(held[--nheld].s);
    }
    check_invariants(0);
    /* Everything freed: the free runs are exactly the heap's contiguous
     * stretches, fully coalesced (P1). */
    assert_int_equal(page_heap.nruns, model_stretches());
    free(held);
    free(model);
}

/* Big free runs are given to sys_unused and counted (P4). */
static void test_release_counting(void **state)
{
    (void)state;
    struct span *s = pages_alloc(PAGES_RELEASE_MIN * 2, LIMIT);
    assert_non_null(s);
    s->state = SPAN_LARGE;
    memset((void *)s->base, 0x77, (size_t)s->npages * HEAP_PAGE);
    uint64_t before = page_heap.released_pages;
    pages_free(s);
    assert_true(page_heap.released_pages >= before + PAGES_RELEASE_MIN * 2);
    assert_null(pages_check());
    /* Taking pages out of a released run un-counts them. */
    struct span *t = pages_alloc(PAGES_RELEASE_MIN * 2, LIMIT);
    assert_non_null(t);
    t->state = SPAN_LARGE;
    assert_true(page_heap.released_pages <= before + PAGES_RELEASE_MIN * 2);
    pages_free(t);
    assert_null(pages_check());
}

/* A request larger than any arena: one run across several new arenas. */
static void test_multi_arena_run(void **state)
{
    (void)state;
    size_t n = 3 * ARENA_PAGES + 7;
    struct span *s = pages_alloc(n, LIMIT);
    assert_non_null(s);
    s->state = SPAN_LARGE;
    assert_int_equal(s->npages, n);
    for (size_t i = 0; i < n; i += 97)
        assert_ptr_equal(arena_span_of(s->base + i * HEAP_PAGE), s);
    pages_free(s);
    assert_null(pages_check());
    /* Past the limit: NULL, nothing changes. */
    uint64_t heap_before = arena_heap_bytes;
    assert_null(pages_alloc((size_t)(LIMIT / HEAP_PAGE) + 1, LIMIT));
    assert_null(pages_alloc(0, LIMIT));
    assert_int_equal(arena_heap_bytes, heap_before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_model),
        cmocka_unit_test(test_release_counting),
        cmocka_unit_test(test_multi_arena_run),
    };
    return cmocka_run_group_tests_name("pages", tests, NULL, NULL);
}
