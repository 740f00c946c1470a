/* test_gc_limit.c — bad input and exhaustion at the API (runtime/wgc.h),
 * in a heap with a small limit (config.max_heap = 16 MiB) and an error
 * hook: a clear error (NULL, wgc_last_error, one call of the hook), never
 * a wrapped size, a short block, an abort or a crash.
 *   - before wgc_init: errors, not crashes; wgc_init refuses bad configs
 *     and a second call;
 *   - bad input: NULL, zero and overflowing sizes, malformed types, give
 *     NULL with the right error and a hook call, and allocate nothing;
 *   - filling the heap with live objects (rooted by a frame, a global or a
 *     conservative range) ends in NULL and one call of the hook with
 *     WGC_ERR_NOMEM after a collection; the heap is still sound, and once
 *     the roots are dropped allocation works again;
 *   - garbage never fills it: a full heap collects before it fails, with
 *     pacing off too;
 *   - a hook that longjmps out of nested frames works, and
 *     wgc_frames_restore puts the shadow stack back.
 * Its own program: the limit is a wgc_init config, and the first tests run
 * before wgc_init (the group has no setup; test_init initialises). */
#include "gcutil.h"

#include "wgc.h"

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)
#define LIMIT (16 * MiB)

struct node {
    struct node *next;
    uintptr_t id;
};
WGC_TYPE(node_type, struct node, offsetof(struct node, next));

struct hook_state {
    unsigned calls;
    enum wgc_error err;
    size_t size;
    jmp_buf *jump;   /* when set, the hook longjmps here */
};
static struct hook_state hook;

static void on_error(enum wgc_error err, size_t size, void *data)
{
    assert_ptr_equal(data, &hook);
    struct hook_state *h = data;
    h->calls++;
    h->err = err;
    h->size = size;
    if (h->jump != NULL) {
        jmp_buf *to = h->jump;
        h->jump = NULL;
        longjmp(*to, 1);
    }
}

struct pair {
    void *a, *b;
};
WGC_TYPE(pair_type, struct pair, offsetof(struct pair, a), offsetof(struct pair, b));

/* ---- before and at wgc_init ------------------------------------------------------ */

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
    assert_int_equal(hook.calls, 0);   /* no hook configured yet */
}

/* Bad configurations are refused; then the suite's own heap. */
static void test_init(void **state)
{
    (void)state;
    struct wgc_config cfg;
    wgc_config_default(&cfg);
    if (SIZE_MAX > UINT32_MAX) {
        cfg.max_heap = SIZE_MAX;
        assert_int_equal(wgc_init(&cfg), WGC_ERR_BAD_ARG);   /* above the 4 GiB space */
    }
    cfg.max_heap = LIMIT;
    cfg.initial_heap = 2 * LIMIT;
    assert_int_equal(wgc_init(&cfg), WGC_ERR_BAD_ARG);       /* initial above max */
    cfg.initial_heap = 0;
    cfg.stress = 0;   /* also in BUILD=stress: the tests count collections */
    cfg.on_error = on_error;
    cfg.hook_data = &hook;
    assert_int_equal(wgc_init(&cfg), WGC_OK);
    assert_int_equal(wgc_init(&cfg), WGC_ERR_BAD_ARG);       /* twice */
    assert_int_equal(wgc_init(NULL), WGC_ERR_BAD_ARG);
    assert_int_equal(hook.calls, 0);   /* not allocation failures */
}

static int setup(void **state)
{
    (void)state;
    memset(&hook, 0, sizeof hook);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wgc_set_gc_percent(100);
    return heap_left_clean();
}

/* Large blobs kept in a value stack until the heap is full. */
static void test_full_heap_returns_null_and_calls_hook(void **state)
{
    (void)state;
    const size_t cap = LIMIT / (64 * KiB) + 16;
    void **vals = calloc(cap, sizeof *vals);
    assert_non_null(vals);
    struct wgc_frame f = {NULL, cap, NULL, vals};
    wgc_frame_push(&f);
    for (int round = 0; round < 2; round++) {
        size_t n = 0;
        void *p;
        while ((p = wgc_alloc_bytes(64 * KiB)) != NULL) {
            assert_true(n < cap);
            memset(p, n & 0xff, 64 * KiB);
            vals[n++] = p;
        }
        assert_int_equal(hook.calls, 1);
        assert_int_equal(hook.err, WGC_ERR_NOMEM);
        assert_int_equal(hook.size, 64 * KiB);
        assert_int_equal(wgc_last_error(), WGC_ERR_NOMEM);
        struct wgc_stats st = stats_now();
        assert_true(st.heap_sys <= LIMIT);
        assert_true(n * 64 * KiB >= LIMIT / 2);   /* the limit, not something smaller, stopped it */
        for (size_t i = 0; i < n; i++) {
            const unsigned char *b = vals[i];
            assert_int_equal(b[0], i & 0xff);
            assert_int_equal(b[64 * KiB - 1], i & 0xff);
        }
        verify_ok();
        /* Drop them all: the same again fits. */
        memset(vals, 0, cap * sizeof *vals);
        struct wgc_stats s2 = collect();
        assert_int_equal(s2.live_bytes, 0);
        hook.calls = 0;
    }
    wgc_frame_pop(&f);
    free(vals);
}

/* The same with small objects in a rooted list. */
static struct node *list;

static void test_full_heap_of_small_objects(void **state)
{
    (void)state;
    list = NULL;
    assert_true(wgc_root_add(&list));
    size_t n = 0;
    struct node *p;
    while ((p = wgc_alloc(&node_type)) != NULL) {
        p->id = n++;
        p->next = list;
        list = p;
    }
    assert_int_equal(hook.calls, 1);
    assert_int_equal(hook.err, WGC_ERR_NOMEM);
    assert_int_equal(wgc_last_error(), WGC_ERR_NOMEM);
    assert_true(n * sizeof(struct node) >= LIMIT / 2);
    assert_true(stats_now().heap_sys <= LIMIT);
    size_t count = 0;
    for (struct node *q = list; q != NULL; q = q->next, count++)
        assert_int_equal(q->id, n - 1 - count);
    assert_int_equal(count, n);
    verify_ok();
    /* Other classes cannot grow either. */
    assert_null(wgc_alloc_bytes(100 * KiB));
    assert_int_equal(hook.calls, 2);
    /* Half dropped: allocation works again. */
    struct node *q = list;
    for (size_t i = 0; i < n / 2; i++)
        q = q->next;
    q->next = NULL;
    for (size_t i = 0; i < n / 4; i++)
        assert_non_null(wgc_alloc(&node_type));
    assert_non_null(wgc_alloc_bytes(100 * KiB));
    assert_int_equal(hook.calls, 2);
    assert_true(wgc_root_remove(&list));
    list = NULL;
}

/* The same once more with blobs of 40000 bytes (large, but not a whole
 * number of pages) held by a conservative range: the heap collects before
 * it gives up, then small objects fail the same way, and dropping the
 * roots makes room. */
static void *range_chunks[4096];

static void test_full_heap_rooted_by_a_range(void **state)
{
    (void)state;
    const size_t cap = sizeof range_chunks / sizeof range_chunks[0];
    size_t n = 0;
    memset(range_chunks, 0, sizeof range_chunks);
    assert_true(wgc_range_add(range_chunks, sizeof range_chunks));
    uint64_t gc_before = stats_now().num_gc;
    void *p = NULL;
    while (n < cap && (p = wgc_alloc_bytes(40000)) != NULL)
        range_chunks[n++] = p;
    assert_null(p);
    assert_int_equal(wgc_last_error(), WGC_ERR_NOMEM);
    assert_int_equal(hook.calls, 1);
    assert_int_equal(hook.err, WGC_ERR_NOMEM);
    assert_int_equal(hook.size, 40000);
    struct wgc_stats st = stats_now();
    assert_true(st.heap_sys <= LIMIT);
    assert_true(n * 40000 > LIMIT / 2);
    assert_true(st.num_gc > gc_before);   /* it collected before giving up */
    /* Small objects fail the same way (or fill the rest of the range). */
    while (n < cap && (p = wgc_alloc(&pair_type)) != NULL)
        range_chunks[n++] = p;
    if (n < cap) {
        assert_int_equal(wgc_last_error(), WGC_ERR_NOMEM);
        assert_int_equal(hook.calls, 2);
    }
    verify_ok();
    /* Drop the roots: room again. */
    memset(range_chunks, 0, sizeof range_chunks);
    assert_non_null(wgc_alloc_bytes(40000));
    verify_ok();
    assert_true(wgc_range_remove(range_chunks));
}

/* Garbage never fills the heap: when it is full, allocation collects and
 * goes on; also with pacing off. */
static void test_garbage_never_fills_the_heap(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        int old = wgc_set_gc_percent(k == 0 ? 100 : -1);
        (void)old;
        struct wgc_stats s0 = stats_now();
        size_t total = 0;
        struct rng r = test_rng("garbage");
        while (total < 6 * LIMIT) {
            size_t sz = rng_below(&r, 4) == 0 ? 40 * KiB + rng_below(&r, 200 * KiB)
                                              : 1 + rng_below(&r, 3000);
            void *p = wgc_alloc_bytes(sz);
            if (p == NULL)
                fail_msg("gc_percent %d: NULL after %zu bytes: %s", k == 0 ? 100 : -1, total,
                         wgc_error_string(wgc_last_error()));
            total += sz;
        }
        struct wgc_stats s1 = stats_now();
        assert_int_equal(hook.calls, 0);
        assert_true(s1.num_gc - s0.num_gc >= 5);
        assert_true(s1.heap_sys <= LIMIT);
    }
}

/* The hook longjmps out of five levels of WGC_LOCALS frames, each holding
 * a chain of links to 256 KiB blobs. */
struct link {
    struct link *next;
    void *data;
};
WGC_TYPE(link_type, struct link, offsetof(struct link, next), offsetof(struct link, data));

static jmp_buf oom_env;

/* fill() calls itself through this pointer: GCC's -Winfinite-recursion
 * does not know that the hook's longjmp ends it. */
static void fill(int depth, uintptr_t *firsts);
static void (*volatile fill_call)(int, uintptr_t *) = fill;

static void fill(int depth, uintptr_t *firsts)
{
    struct link *chain = NULL;
    WGC_LOCALS(chain);
    chain = wgc_alloc(&link_type);
    assert_non_null(chain);
    firsts[depth] = (uintptr_t)chain;
    if (depth < 4) {
        fill_call(depth + 1, firsts);
        fail_msg("fill(%d) returned", depth + 1);
    }
    for (;;) {   /* the hook jumps out of here */
        struct link *l = wgc_alloc(&link_type);
        if (l == NULL)
            fail_msg("NULL returned although the hook jumps");
        l->next = chain;
        chain = l;
        l->data = wgc_alloc_bytes(256 * KiB);   /* l is rooted through chain */
        if (l->data == NULL)
            fail_msg("NULL returned although the hook jumps");
    }
}

static void test_hook_longjmp_and_frames_restore(void **state)
{
    (void)state;
    uintptr_t *firsts = calloc(8, sizeof *firsts);
    assert_non_null(firsts);
    struct node *keep = NULL;
    {
        WGC_LOCALS(keep);
        keep = wgc_alloc(&node_type);
        assert_non_null(keep);
        keep->id = 12345;
        struct wgc_frame *saved = wgc_frames_save();
        hook.jump = &oom_env;
        if (setjmp(oom_env) == 0) {
            fill(0, firsts);
            fail_msg("fill returned");
        }
        assert_int_equal(hook.calls, 1);
        assert_int_equal(hook.err, WGC_ERR_NOMEM);
        assert_ptr_not_equal(wgc_frames_top, saved);
        wgc_frames_restore(saved);
        assert_ptr_equal(wgc_frames_top, saved);
        verify_ok();   /* the state was consistent when the hook ran */
        struct wgc_stats st = collect();
        assert_int_equal(st.live_bytes, wgc_usable_size(keep));
        assert_int_equal(keep->id, 12345);
        for (int d = 0; d < 5; d++)
            assert_int_equal(wgc_usable_size((void *)firsts[d]), 0);
        /* And allocation works again, large and small. */
        for (int i = 0; i < 32; i++)
            assert_non_null(wgc_alloc_bytes(256 * KiB));
        assert_non_null(wgc_alloc(&node_type));
        assert_int_equal(hook.calls, 1);
    }
    assert_null(wgc_frames_top);
    free(firsts);
}

/* ---- bad input --------------------------------------------------------------------- */

static const uint32_t unaligned_offsets[] = {3};
static const uint32_t outside_offsets[] = {16};
static const uint32_t second_outside_offsets[] = {0, 16};
static struct wgc_type unaligned_type = {"unaligned", 16, 1, unaligned_offsets, 0, 0, 0, 0};
static struct wgc_type outside_type = {"outside", 16, 1, outside_offsets, 0, 0, 0, 0};
static struct wgc_type second_outside_type = {"second outside", 16, 2, second_outside_offsets,
                                              0, 0, 0, 0};
static struct wgc_type zero_type = {"zero", 0, 0, NULL, 0, 0, 0, 0};
static struct wgc_type no_offsets_type = {"no offsets", 16, 2, NULL, 0, 0, 0, 0};

/* p is NULL for err: wgc_last_error, the hook (one more call) and a
 * message say so. */
static void expect_error(void *p, enum wgc_error err, unsigned *calls)
{
    assert_null(p);
    assert_int_equal(wgc_last_error(), err);
    assert_int_equal(hook.calls, ++*calls);
    assert_int_equal(hook.err, err);
    assert_non_null(wgc_error_string(err));
}

/* Nothing was allocated and the heap did not grow since s0. */
static void expect_nothing_allocated(const struct wgc_stats *s0)
{
    struct wgc_stats s1 = stats_now();
    assert_int_equal(s1.nmalloc, s0->nmalloc);
    assert_int_equal(s1.heap_sys, s0->heap_sys);
}

static void test_bad_types(void **state)
{
    (void)state;
    unsigned calls = 0;
    struct wgc_stats s0 = stats_now();
    expect_error(wgc_alloc(NULL), WGC_ERR_BAD_TYPE, &calls);
    expect_error(wgc_alloc_array(NULL, 4), WGC_ERR_BAD_TYPE, &calls);
    for (int twice = 0; twice < 2; twice++) {   /* a malformed type stays malformed */
        expect_error(wgc_alloc(&unaligned_type), WGC_ERR_BAD_TYPE, &calls);
        expect_error(wgc_alloc(&outside_type), WGC_ERR_BAD_TYPE, &calls);
        expect_error(wgc_alloc(&second_outside_type), WGC_ERR_BAD_TYPE, &calls);
        expect_error(wgc_alloc(&zero_type), WGC_ERR_BAD_TYPE, &calls);
        expect_error(wgc_alloc(&no_offsets_type), WGC_ERR_BAD_TYPE, &calls);
        expect_error(wgc_alloc_array(&no_offsets_type, 4), WGC_ERR_BAD_TYPE, &calls);
    }
    expect_nothing_allocated(&s0);
    /* A good type still works. */
    assert_non_null(wgc_alloc(&pair_type));
    assert_int_equal(hook.calls, calls);
}

static void test_bad_sizes(void **state)
{
    (void)state;
    unsigned calls = 0;
    struct wgc_stats s0 = stats_now();
    expect_error(wgc_alloc_bytes(0), WGC_ERR_BAD_SIZE, &calls);
    expect_error(wgc_alloc_array(&node_type, 0), WGC_ERR_BAD_SIZE, &calls);
    /* n * size overflows size_t: never a wrapped, short block. */
    expect_error(wgc_alloc_array(&node_type, SIZE_MAX / 2), WGC_ERR_BAD_SIZE, &calls);
    expect_error(wgc_alloc_array(&node_type, SIZE_MAX / sizeof(struct node) + 1),
                 WGC_ERR_BAD_SIZE, &calls);
    expect_error(wgc_alloc_array(&pair_type, SIZE_MAX / sizeof(struct pair) + 1),
                 WGC_ERR_BAD_SIZE, &calls);
    expect_error(wgc_alloc_bytes(SIZE_MAX), WGC_ERR_BAD_SIZE, &calls);
    /* Larger than the maximum heap; the hook is told the size. */
    expect_error(wgc_alloc_bytes(LIMIT + 1), WGC_ERR_BAD_SIZE, &calls);
    assert_int_equal(hook.size, LIMIT + 1);
    expect_nothing_allocated(&s0);
    /* And good calls still work. */
    assert_non_null(wgc_alloc_bytes(1));
    assert_non_null(wgc_alloc_array(&node_type, 1));
    assert_int_equal(hook.calls, calls);
}

/* wgc_usable_size of what is no object, and the errors' messages. */
static void test_bad_pointers_and_messages(void **state)
{
    (void)state;
    struct node *n = wgc_alloc(&node_type);
    assert_non_null(n);
    assert_int_equal(wgc_usable_size(n), sizeof(struct node));
    assert_int_equal(wgc_usable_size(NULL), 0);
    assert_int_equal(wgc_usable_size((char *)n + 1), 0);
    assert_int_equal(wgc_usable_size(&n), 0);
    assert_int_equal(hook.calls, 0);   /* none of that is an allocation failure */
    /* Every error has its own message. */
    const char *msgs[] = {
        wgc_error_string(WGC_OK),           wgc_error_string(WGC_ERR_NOMEM),
        wgc_error_string(WGC_ERR_BAD_SIZE), wgc_error_string(WGC_ERR_BAD_TYPE),
        wgc_error_string(WGC_ERR_NOT_INIT), wgc_error_string(WGC_ERR_BAD_ARG),
    };
    for (int i = 0; i < 6; i++) {
        assert_non_null(msgs[i]);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(msgs[i], msgs[j]);
    }
    verify_ok();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* In this order: the first runs before wgc_init, the second calls it. */
        cmocka_unit_test(test_not_initialised),
        cmocka_unit_test(test_init),
        cmocka_unit_test_setup_teardown(test_bad_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_pointers_and_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_heap_returns_null_and_calls_hook, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_full_heap_of_small_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_heap_rooted_by_a_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_never_fills_the_heap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hook_longjmp_and_frames_restore, setup, teardown),
    };
    return cmocka_run_group_tests_name("gc_limit", tests, NULL, NULL);
}
