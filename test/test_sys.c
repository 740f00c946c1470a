/* test_sys.c — the OS layer (arch/): the alignment invariant A1 and the rest
 * of sys.h's contract, on the posix stand-in and on wasm under Node.
 * Built with SYS_ALIGN=0 (the unaligned baseline) the alignment tests turn
 * round: they check that the baseline really breaks A1. */
#include "testutil.h"

#include <malloc.h>

#include "sys.h"

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)

static const size_t sizes[] = {
    1, 2, 3, 7, 8, 13, 24, 40, 100, 1000, 4095, 4096, 4097, 8192,
    65535, 65536, 65537, 2 * 65536, 3 * 65536 + 1, 1 * MiB, 3 * MiB + 5,
};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static bool page_aligned(const void *p)
{
    return ((uintptr_t)p & (SYS_PAGE - 1)) == 0;
}

static void stats(struct sys_stats *st)
{
    sys_get_stats(st);
}

#if SYS_ALIGN
/* A1: every region starts on a 64 KiB boundary and takes whole pages. */
static void test_regions_are_page_aligned(void **state)
{
    (void)state;
    for (size_t i = 0; i < NSIZES; i++) {
        struct sys_stats a, b;
        stats(&a);
        void *p = sys_reserve(sizes[i], 0);
        assert_non_null(p);
        assert_true(page_aligned(p));
        void *q = sys_alloc(sizes[i]);
        assert_non_null(q);
        assert_true(page_aligned(q));
        stats(&b);
        size_t whole = (sizes[i] + SYS_PAGE - 1) / SYS_PAGE * SYS_PAGE;
        assert_int_equal(sys_round(sizes[i]), whole);
        assert_int_equal(b.reserved - a.reserved, 2 * whole);
        /* The regions do not overlap. */
        assert_true((uintptr_t)p + whole <= (uintptr_t)q || (uintptr_t)q + whole <= (uintptr_t)p);
        sys_free(p, sizes[i]);
        sys_free(q, sizes[i]);
    }
}

#else
/* The baseline build must break A1: after an odd-sized region the next one
 * starts at an address that is not even 8-byte aligned. */
static void test_baseline_breaks_alignment(void **state)
{
    (void)state;
    assert_int_equal(sys_test_free_runs(), 0);   /* runs first: all from the break */
    void *a = sys_alloc(13);
    void *b = sys_alloc(sizeof(uint64_t) * 2);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal((uintptr_t)b, (uintptr_t)a + 13);
    assert_false(page_aligned(b));
    assert_true(((uintptr_t)b & 7) != 0);
    assert_int_equal(sys_round(13), 13);
}

#endif

/* A2: an explicit alignment is kept in both builds; the gap is kept too. */
static void test_reserve_with_alignment(void **state)
{
    (void)state;
    const size_t align = 4 * MiB;
    sys_test_foreign_sbrk(24);   /* leave the break mid-page, as malloc would */
    struct sys_stats a, b;
    stats(&a);
    void *p = sys_reserve(4 * MiB, align);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p & (align - 1), 0);
    stats(&b);
    /* Every byte the break moved is the region, padding or kept free. */
    assert_int_equal(b.obtained - a.obtained,
                     (b.reserved - a.reserved) + (b.free - a.free) + (b.padding - a.padding));
    if (SYS_ALIGN)
        assert_true(b.padding - a.padding < SYS_PAGE);
    sys_free(p, 4 * MiB);
}

/* A4: sys_alloc memory is zeroed, also when it reuses a freed region. */
static void test_alloc_is_zeroed(void **state)
{
    (void)state;
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < NSIZES; i++) {
            unsigned char *p = sys_alloc(sizes[i]);
            assert_non_null(p);
            for (size_t j = 0; j < sizes[i]; j++)
                if (p[j] != 0)
                    fail_msg("byte %zu of a %zu-byte region is %d", j, sizes[i], p[j]);
            memset(p, 0xab, sizes[i]);
            sys_free(p, sizes[i]);
        }
    }
}

/* A6: 0 and sizes whose rounding overflows are NULL, never a wrapped size. */
static void test_bad_sizes(void **state)
{
    (void)state;
    struct sys_stats a, b;
    stats(&a);
    assert_null(sys_alloc(0));
    assert_null(sys_reserve(0, 0));
    assert_null(sys_alloc(SIZE_MAX));
    assert_null(sys_alloc(SIZE_MAX - SYS_PAGE / 2));
    if (SIZE_MAX > UINT32_MAX)
        assert_null(sys_alloc(SIZE_MAX / 2 + 1));
    else
        assert_null(sys_alloc(SIZE_MAX - 3 * SYS_PAGE));
    assert_null(sys_reserve(SYS_PAGE, 3 * SYS_PAGE));   /* not a power of two */
    if (SYS_ALIGN) {
        assert_int_equal(sys_round(SIZE_MAX), 0);
        assert_int_equal(sys_round(SIZE_MAX - 1000), 0);
    }
    stats(&b);
    assert_int_equal(b.reserved, a.reserved);
    assert_int_equal(b.obtained, a.obtained);
    assert_int_equal(b.nfail - a.nfail, 6);
}

/* A3 against libc: on wasm, malloc moves the same break.  Interleave malloc,
 * free and sys_alloc and check no region overlaps a live malloc block. */
#define NBLOCKS 200
static void test_no_overlap_with_malloc(void **state)
{
    (void)state;
    struct rng r = test_rng("no_overlap_with_malloc");
    struct { unsigned char *p; size_t n; } blocks[NBLOCKS] = {{0}};
    struct { unsigned char *p; size_t n; } regions[64] = {{0}};
    size_t nregions = 0;
    for (int step = 0; step < 2000; step++) {
        size_t k = rng_below(&r, NBLOCKS);
        switch (rng_below(&r, 4)) {
        case 0:
        case 1:
            free(blocks[k].p);
            blocks[k].n = 1 + rng_below(&r, rng_below(&r, 4) == 0 ? 300000 : 200);
            blocks[k].p = malloc(blocks[k].n);
            assert_non_null(blocks[k].p);
            blocks[k].n = malloc_usable_size(blocks[k].p);
            memset(blocks[k].p, 0x5a, blocks[k].n);
            break;
        case 2:
            if (nregions < 64) {
                size_t n = 1 + rng_below(&r, 200000);
                regions[nregions].p = sys_alloc(n);
                assert_non_null(regions[nregions].p);
                regions[nregions].n = n;
                memset(regions[nregions].p, 0xc3, n);
                nregions++;
            }
            break;
        default:
            if (nregions > 0) {
                size_t j = rng_below(&r, nregions);
                sys_free(regions[j].p, regions[j].n);
                regions[j] = regions[--nregions];
            }
        }
        for (size_t j = 0; j < nregions; j++)
            for (size_t b = 0; b < NBLOCKS; b++) {
                if (blocks[b].p == NULL)
                    continue;
                uintptr_t r0 = (uintptr_t)regions[j].p, r1 = r0 + regions[j].n;
                uintptr_t b0 = (uintptr_t)blocks[b].p, b1 = b0 + blocks[b].n;
                if (r0 < b1 && b0 < r1)
                    fail_msg("region %p+%zu overlaps malloc block %p+%zu",
                             (void *)regions[j].p, regions[j].n, (void *)blocks[b].p, blocks[b].n);
            }
    }
    /* Both sides' bytes are intact: nobody wrote over anybody. */
    for (size_t b = 0; b < NBLOCKS; b++)
        for (size_t i = 0; i < blocks[b].n; i++)
            assert_int_equal(blocks[b].p[i], 0x5a);
    for (size_t j = 0; j < nregions; j++) {
        for (size_t i = 0; i < regions[j].n; i++)
            assert_int_equal(regions[j].p[i], 0xc3);
        sys_free(regions[j].p, regions[j].n);
    }
    for (size_t b = 0; b < NBLOCKS; b++)
        free(blocks[b].p);
}

/* Growth up to the limit, then NULL; nothing changes on failure. */
static void test_growth_to_limit(void **state)
{
    (void)state;
    struct sys_stats a, b, c;
    stats(&a);
    /* Use up the free list first so the limit is what stops us. */
    static void *held[16384];   /* the free list may hold earlier tests' regions */
    size_t nheld = 0;
    uint64_t old = sys_set_limit(a.obtained + 2 * MiB + SYS_PAGE);
    void *p;
    while (nheld < 16384 && (p = sys_alloc(SYS_PAGE)) != NULL)
        held[nheld++] = p;
    assert_true(nheld < 16384);
    stats(&b);
    assert_true(b.obtained <= b.limit);
    assert_true(b.limit - b.obtained < SYS_PAGE + 8);
    assert_null(sys_alloc(SYS_PAGE));
    assert_null(sys_reserve(4 * MiB, 4 * MiB));
    stats(&c);
    assert_int_equal(c.obtained, b.obtained);
    assert_int_equal(c.reserved, b.reserved);
    assert_int_equal(c.nfail - b.nfail, 2);
    for (size_t i = 0; i < nheld; i++)
        sys_free(held[i], SYS_PAGE);
    sys_set_limit(old);
    stats(&c);
    assert_int_equal(c.reserved, a.reserved);
    /* What was freed is usable again. */
    p = sys_alloc(SYS_PAGE);
    assert_non_null(p);
    sys_free(p, SYS_PAGE);
}

#if SYS_ALIGN
/* A5: padding is exactly the bytes between the break malloc left and the
 * next page boundary. */
static void test_padding_accounting(void **state)
{
    (void)state;
    size_t big = 64 * MiB;
    for (size_t odd = 8; odd < 70000; odd = odd * 3 + 5) {
        /* Each region is larger than any run on the free list (the last one
         * included), so sys_reserve must grow the break. */
        big += SYS_PAGE;
        sys_test_foreign_sbrk(odd);
        uintptr_t brk = (uintptr_t)sys_test_foreign_sbrk(0);
        struct sys_stats a, b;
        stats(&a);
        void *p = sys_reserve(big, 0);
        assert_non_null(p);
        stats(&b);
        uintptr_t expect = ((brk + SYS_PAGE - 1) & ~(uintptr_t)(SYS_PAGE - 1)) - brk;
        assert_int_equal(b.padding - a.padding, expect);
        assert_int_equal((uintptr_t)p, brk + expect);
        assert_int_equal(b.obtained - a.obtained, big + expect);
        sys_free(p, big);
    }
}
#endif

/* Freed regions are reused: cycles of the same sizes do not grow memory,
 * and neighbours coalesce into one run. */
static void test_reuse_and_coalesce(void **state)
{
    (void)state;
    struct sys_stats a, b;
    void *p[8];
    for (int cycle = 0; cycle < 200; cycle++) {
        if (cycle == 1)
            stats(&a);
        for (int i = 0; i < 8; i++)
            assert_non_null(p[i] = sys_alloc(sizes[i * 2 + 3] * 7));
        for (int i = 0; i < 8; i++)
            sys_free(p[i], sizes[i * 2 + 3] * 7);
    }
    stats(&b);
    assert_int_equal(b.obtained, a.obtained);

    /* Three neighbours, freed out of order, become one run. */
    void *x = sys_reserve(3 * SYS_PAGE, 0);
    assert_non_null(x);
    size_t runs = sys_test_free_runs();
    uintptr_t base = (uintptr_t)x;
    sys_free((void *)base, SYS_PAGE);
    sys_free((void *)(base + 2 * SYS_PAGE), SYS_PAGE);
    assert_true(sys_test_free_runs() >= runs);
    size_t before_middle = sys_test_free_runs();
    sys_free((void *)(base + SYS_PAGE), SYS_PAGE);
    assert_true(sys_test_free_runs() < before_middle);
    /* And the merged run serves a region of their joint size at once. */
    void *y = sys_reserve(3 * SYS_PAGE, 0);
    assert_true((uintptr_t)y <= base);
    sys_free(y, 3 * SYS_PAGE);
}

/* Fault injection for the layers above. */
static void test_fail_nth(void **state)
{
    (void)state;
    sys_test_fail_nth(2);
    void *a = sys_alloc(100);
    void *b = sys_alloc(100);
    void *c = sys_alloc(100);
    assert_non_null(a);
    assert_null(b);
    assert_non_null(c);
    sys_free(a, 100);
    sys_free(c, 100);
}

/* The target's capabilities are what sys.h says they are. */
static void test_caps(void **state)
{
    (void)state;
    const struct sys_caps *caps = sys_caps();
    assert_int_equal(caps->page_size, 65536);
    assert_int_equal(caps->space_size, (uint64_t)1 << 32);
    assert_int_equal(caps->aligned, SYS_ALIGN);
    assert_int_equal(caps->space_base & 0xffffffffu, 0);
    struct sys_stats st;
    stats(&st);
    assert_true(st.memory_size >= st.obtained);
}

int main(void)
{
    /* The aligned build checks A1 and its padding; the baseline build checks
     * that it breaks A1 instead (and has no padding to account for). */
    const struct CMUnitTest tests[] = {
#if SYS_ALIGN
        cmocka_unit_test(test_regions_are_page_aligned),
        cmocka_unit_test(test_padding_accounting),
#else
        cmocka_unit_test(test_baseline_breaks_alignment),
#endif
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_reserve_with_alignment),
        cmocka_unit_test(test_alloc_is_zeroed),
        cmocka_unit_test(test_bad_sizes),
        cmocka_unit_test(test_no_overlap_with_malloc),
        cmocka_unit_test(test_growth_to_limit),
        cmocka_unit_test(test_reuse_and_coalesce),
        cmocka_unit_test(test_fail_nth),
    };
    return cmocka_run_group_tests_name("sys", tests, NULL, NULL);
}
