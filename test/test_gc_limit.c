/* test_gc_limit.c — a heap with a small limit (config.max_heap = 16 MiB)
 * and an error hook:
 *   - filling the heap with live objects ends in NULL and one call of the
 *     hook with WGC_ERR_NOMEM (not a crash); the heap is still sound, and
 *     once the roots are dropped allocation works again;
 *   - garbage never fills it: a full heap collects before it fails, with
 *     pacing off too;
 *   - a hook that longjmps out of nested frames works, and
 *     wgc_frames_restore puts the shadow stack back;
 *   - bad input: NULL, zero and overflowing sizes, malformed types, give
 *     NULL with the right error and a hook call, never an abort.
 * Its own program: the limit is a wgc_init config. */
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

static int group_setup(void **state)
{
    (void)state;
    struct wgc_config cfg;
    wgc_config_default(&cfg);
    cfg.max_heap = LIMIT;
    cfg.stress = 0;   /* also in BUILD=stress: the tests count collections */
    cfg.on_error = on_error;
    cfg.hook_data = &hook;
    return wgc_init(&cfg) == WGC_OK ? 0 : -1;
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

/* ---- bad input ----------------------------------------------------------------------- */

static const uint32_t unaligned_offsets[] = {3};
static const uint32_t outside_offsets[] = {16};
static struct wgc_type unaligned_type = {"unaligned", 16, 1, unaligned_offsets, 0, 0, 0};
static struct wgc_type outside_type = {"outside", 16, 1, outside_offsets, 0, 0, 0};
static struct wgc_type zero_type = {"zero", 0, 0, NULL, 0, 0, 0};
static struct wgc_type no_offsets_type = {"no offsets", 16, 2, NULL, 0, 0, 0};

static void expect_error(void *p, enum wgc_error err, unsigned *calls)
{
    assert_null(p);
    assert_int_equal(wgc_last_error(), err);
    assert_int_equal(hook.calls, ++*calls);
    assert_int_equal(hook.err, err);
}

static void test_bad_input(void **state)
{
    (void)state;
    unsigned calls = 0;
    struct wgc_stats s0 = stats_now();
    expect_error(wgc_alloc(NULL), WGC_ERR_BAD_TYPE, &calls);
    expect_error(wgc_alloc_array(NULL, 4), WGC_ERR_BAD_TYPE, &calls);
    for (int twice = 0; twice < 2; twice++) {   /* a malformed type stays malformed */
        expect_error(wgc_alloc(&unaligned_type), WGC_ERR_BAD_TYPE, &calls);
        expect_error(wgc_alloc(&outside_type), WGC_ERR_BAD_TYPE, &calls);
        expect_error(wgc_alloc(&zero_type), WGC_ERR_BAD_TYPE, &calls);
        expect_error(wgc_alloc(&no_offsets_type), WGC_ERR_BAD_TYPE, &calls);
    }
    expect_error(wgc_alloc_bytes(0), WGC_ERR_BAD_SIZE, &calls);
    expect_error(wgc_alloc_array(&node_type, 0), WGC_ERR_BAD_SIZE, &calls);
    expect_error(wgc_alloc_array(&node_type, SIZE_MAX / 2), WGC_ERR_BAD_SIZE, &calls);
    expect_error(wgc_alloc_array(&node_type, SIZE_MAX / sizeof(struct node) + 1),
                 WGC_ERR_BAD_SIZE, &calls);
    expect_error(wgc_alloc_bytes(LIMIT + 1), WGC_ERR_BAD_SIZE, &calls);
    expect_error(wgc_alloc_bytes(SIZE_MAX), WGC_ERR_BAD_SIZE, &calls);
    struct wgc_stats s1 = stats_now();
    assert_int_equal(s1.nmalloc, s0.nmalloc);   /* none of them allocated */
    assert_int_equal(s1.heap_sys, s0.heap_sys);

    /* A good allocation after all that, and a second wgc_init refused. */
    struct node *n = wgc_alloc(&node_type);
    assert_non_null(n);
    assert_int_equal(wgc_init(NULL), WGC_ERR_BAD_ARG);
    assert_int_equal(hook.calls, calls);   /* not an allocation failure */
    assert_int_equal(wgc_usable_size(n), sizeof(struct node));
    assert_int_equal(wgc_usable_size(NULL), 0);
    assert_int_equal(wgc_usable_size((char *)n + 1), 0);
    assert_int_equal(wgc_usable_size(&calls), 0);
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
        cmocka_unit_test_setup_teardown(test_full_heap_returns_null_and_calls_hook, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_full_heap_of_small_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_never_fills_the_heap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hook_longjmp_and_frames_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
    };
    return cmocka_run_group_tests_name("gc_limit", tests, group_setup, NULL);
}
