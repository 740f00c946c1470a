/* test_sizeclass.c — the size-class table (heap/sizeclass.h, Z1–Z4) and the
 * divide-by-multiply the collector uses to find a slot. */
#include "testutil.h"

#include "sizeclass.h"

static int setup(void **state)
{
    (void)state;
    sizeclass_init();
    return 0;
}

/* Z1: sizes are multiples of 8 and strictly increasing, up to 32 KiB. */
static void test_sizes_increase(void **state)
{
    (void)state;
    assert_true(sc_nclasses > 10);
    assert_true(sc_nclasses <= SC_MAX_CLASSES);
    assert_int_equal(sc_size[1], 8);
    assert_int_equal(sc_size[sc_nclasses - 1], SC_MAX_SMALL);
    for (unsigned c = 1; c < sc_nclasses; c++) {
        assert_int_equal(sc_size[c] % 8, 0);
        if (c > 1)
            assert_true(sc_size[c] > sc_size[c - 1]);
    }
}

/* Z2: sc_of(n) is the smallest class that fits n, for every n. */
static void test_lookup_is_smallest_fit(void **state)
{
    (void)state;
    for (size_t n = 1; n <= SC_MAX_SMALL; n++) {
        unsigned c = sc_of(n);
        assert_true(c >= 1 && c < sc_nclasses);
        if (sc_size[c] < n || (c > 1 && sc_size[c - 1] >= n))
            fail_msg("sc_of(%zu) = class %u of size %u", n, c, sc_size[c]);
    }
}

/* Z3: slots fit their span and the tail is at most 1/8 of it; at most
 * SC_MAX_ELEMS slots. */
static void test_spans_fit(void **state)
{
    (void)state;
    for (unsigned c = 1; c < sc_nclasses; c++) {
        uint64_t span = (uint64_t)sc_pages[c] * HEAP_PAGE;
        assert_true(sc_nelems[c] >= 1 && sc_nelems[c] <= SC_MAX_ELEMS);
        assert_int_equal(sc_nelems[c], span / sc_size[c]);
        assert_true(span - (uint64_t)sc_nelems[c] * sc_size[c] <= span / 8);
        assert_true(sc_tail_waste(c) <= 1250);
    }
}

/* Z4: worst-case internal waste is at most 12.5% from 64 bytes up, and
 * below that bounded by the 8-byte granularity.  The table is printed so
 * README.md can quote it. */
static void test_worst_waste(void **state)
{
    (void)state;
    printf("class  size  pages  slots  worst-internal%%  tail%%\n");
    for (unsigned c = 1; c < sc_nclasses; c++) {
        unsigned w = sc_worst_waste(c);
        printf("%5u %5u %6u %6u %15.2f %6.2f\n", c, sc_size[c], sc_pages[c], sc_nelems[c],
               w / 100.0, sc_tail_waste(c) / 100.0);
        if (sc_size[c] >= 64)
            assert_true(w <= 1250);
        else
            assert_true(sc_size[c] - (c > 1 ? sc_size[c - 1] : 0) <= 8);
    }
}

/* The collector's slot index: offset * divmul >> 32 == offset / size for
 * every byte offset in a span of every class. */
static void test_divide_is_exact(void **state)
{
    (void)state;
    for (unsigned c = 1; c < sc_nclasses; c++) {
        uint32_t span = sc_pages[c] * (uint32_t)HEAP_PAGE;
        for (uint32_t off = 0; off < span; off++)
            if (sc_divide(off, sc_divmul[c]) != off / sc_size[c])
                fail_msg("class %u (size %u): %u / size gives %u", c, sc_size[c], off,
                         sc_divide(off, sc_divmul[c]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes_increase),
        cmocka_unit_test(test_lookup_is_smallest_fit),
        cmocka_unit_test(test_spans_fit),
        cmocka_unit_test(test_worst_waste),
        cmocka_unit_test(test_divide_is_exact),
    };
    return cmocka_run_group_tests_name("sizeclass", tests, setup, NULL);
}
