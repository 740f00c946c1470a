/* test_heap_errors.c — bad input and exhaustion at the API (runtime/wgc.h):
 * a clear error (NULL, wgc_last_error, the error hook), never a wrapped
 * size, a short block or a crash.  The heap's maximum is small here. */
#include "testutil.h"

#include "wgc.h"

#define MAX_HEAP ((size_t)16 << 20)

static struct {
    int calls;
    enum wgc_error err;
    size_t size;
} hook;

static void on_error(enum wgc_error err, size_t size, void *data)
{
    assert_ptr_equal(data, &hook);
    hook.calls++;
    hook.err = err;
    hook.size = size;
}

struct pair {
    void *a, *b;
};
WGC_TYPE(pair_type, struct pair, offsetof(struct pair, a), offsetof(struct pair, b));

static void expect_error(void *p, enum wgc_error err)
{
    assert_null(p);
    assert_int_equal(wgc_last_error(), err);
    assert_int_equal(hook.err, err);
    assert_non_null(wgc_error_string(err));
}

/* Before wgc_init: an error, not a crash. */
static void test_not_initialised(void **state)
{
    (void)state;
    assert_null(wgc_alloc(&pair_type));
    assert_int_equal(wgc_last_error(), WGC_ERR_NOT_INIT);
    assert_null(wgc_alloc_bytes(100000));
    assert_int_equal(wgc_last_error(), WGC_ERR_NOT_INIT);
    char msg[64];
    assert_false(wgc_verify(msg, sizeof msg));
    wgc_collect();   /* does nothing */
}

static void test_init(void **state)
{
    (void)state;
    struct wgc_config cfg;
    wgc_config_default(&cfg);
    if (SIZE_MAX > UINT32_MAX) {
        cfg.max_heap = SIZE_MAX;
        assert_int_equal(wgc_init(&cfg), WGC_ERR_BAD_ARG);   /* above the 4 GiB space */
    }
    cfg.max_heap = MAX_HEAP;
    cfg.initial_heap = 2 * MAX_HEAP;
    assert_int_equal(wgc_init(&cfg), WGC_ERR_BAD_ARG);       /* initial above max */
    cfg.initial_heap = 0;
    cfg.on_error = on_error;
    cfg.hook_data = &hook;
    assert_int_equal(wgc_init(&cfg), WGC_OK);
    assert_int_equal(wgc_init(&cfg), WGC_ERR_BAD_ARG);       /* twice */
}

static void test_bad_types(void **state)
{
    (void)state;
    int calls = hook.calls;
    expect_error(wgc_alloc(NULL), WGC_ERR_BAD_TYPE);
    struct wgc_type zero = {"zero", 0, 0, NULL, 0, 0, 0};
    expect_error(wgc_alloc(&zero), WGC_ERR_BAD_TYPE);
    static const uint32_t unaligned[] = {3};
    struct wgc_type t1 = {"unaligned", 16, 1, unaligned, 0, 0, 0};
    expect_error(wgc_alloc(&t1), WGC_ERR_BAD_TYPE);
    static const uint32_t outside[] = {0, 16};
    struct wgc_type t2 = {"outside", 16, 2, outside, 0, 0, 0};
    expect_error(wgc_alloc(&t2), WGC_ERR_BAD_TYPE);
    struct wgc_type t3 = {"no offsets array", 16, 2, NULL, 0, 0, 0};
    expect_error(wgc_alloc_array(&t3, 4), WGC_ERR_BAD_TYPE);
    /* A malformed type stays malformed (checked once, remembered). */
    expect_error(wgc_alloc(&t2), WGC_ERR_BAD_TYPE);
    assert_int_equal(hook.calls - calls, 6);
}

static void test_bad_sizes(void **state)
{
    (void)state;
    expect_error(wgc_alloc_bytes(0), WGC_ERR_BAD_SIZE);
    expect_error(wgc_alloc_array(&pair_type, 0), WGC_ERR_BAD_SIZE);
    /* n * size overflows size_t: never a wrapped, short block. */
    expect_error(wgc_alloc_array(&pair_type, SIZE_MAX / 2), WGC_ERR_BAD_SIZE);
    expect_error(wgc_alloc_array(&pair_type, SIZE_MAX / sizeof(struct pair) + 1), WGC_ERR_BAD_SIZE);
    expect_error(wgc_alloc_bytes(SIZE_MAX), WGC_ERR_BAD_SIZE);
    /* Larger than the maximum heap. */
    expect_error(wgc_alloc_bytes(MAX_HEAP + 1), WGC_ERR_BAD_SIZE);
    assert_int_equal(hook.size, MAX_HEAP + 1);
    /* And good calls still work. */
    assert_non_null(wgc_alloc(&pair_type));
    assert_non_null(wgc_alloc_bytes(1));
}

/* Exhaustion: everything rooted, the heap fills up to its maximum, then the
 * hook and NULL; nothing crashes, and dropping the roots makes room. */
static void test_exhaustion(void **state)
{
    (void)state;
    static void *chunks[4096];
    size_t n = 0;
    wgc_range_add(chunks, sizeof chunks);   /* all chunks stay alive */
    int calls = hook.calls;
    void *p = NULL;
    while (n < 4096 && (p = wgc_alloc_bytes(40000)) != NULL)
        chunks[n++] = p;
    assert_null(p);
    assert_int_equal(wgc_last_error(), WGC_ERR_NOMEM);
    assert_int_equal(hook.calls, calls + 1);
    struct wgc_stats st;
    wgc_stats(&st);
    assert_true(st.heap_sys <= MAX_HEAP);
    assert_true(n * 40000 > MAX_HEAP / 2);
    assert_true(st.num_gc >= 1);   /* it collected before giving up */
    /* Small objects fail the same way. */
    while ((p = wgc_alloc(&pair_type)) != NULL) {
        if (n < 4096)
            chunks[n++] = p;
        else
            break;
    }
    /* Drop the roots: room again. */
    memset(chunks, 0, sizeof chunks);
    assert_non_null(wgc_alloc_bytes(40000));
    char msg[256];
    if (!wgc_verify(msg, sizeof msg))
        fail_msg("verify: %s", msg);
    wgc_range_remove(chunks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_initialised),
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_bad_types),
        cmocka_unit_test(test_bad_sizes),
        cmocka_unit_test(test_exhaustion),
    };
    return cmocka_run_group_tests_name("heap_errors", tests, NULL, NULL);
}
