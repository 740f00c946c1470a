/* test_gc_big.c — big heaps: a linked list of 10 million nodes survives
 * collections (marking uses an explicit mark stack: a recursive marker
 * would overflow the C stack, natively and under Node), and a fan-out of a
 * million pointers from one array (the mark stack grows by many segments).
 * Its own program, so the other suites do not run on a 100+ MiB heap.
 * 10 million nodes take 160 MiB natively (16-byte nodes) and 80 MiB on
 * wasm32 (8-byte nodes); the same count runs on both. */
#include "gcutil.h"

#include "wgc.h"

#define LIST_NODES ((size_t)10 * 1000 * 1000)
#define FAN_OUT ((size_t)1000 * 1000)

struct lnode {
    struct lnode *next;
    uintptr_t id;
};
WGC_TYPE(lnode_type, struct lnode, offsetof(struct lnode, next));

struct ptr {
    void *p;
};
WGC_TYPE(ptr_type, struct ptr, offsetof(struct ptr, p));

static int group_setup(void **state)
{
    (void)state;
    struct wgc_config cfg;
    wgc_config_default(&cfg);
    cfg.stress = 0;   /* also in BUILD=stress: ten million collections would not end */
    return wgc_init(&cfg) == WGC_OK ? 0 : -1;
}

static struct lnode *list_head;

static void test_ten_million_node_list(void **state)
{
    (void)state;
    struct wgc_stats s0 = collect();
    list_head = NULL;
    assert_true(wgc_root_add(&list_head));
    /* Built from the rooted head forwards, so every node is reachable
     * when the next allocation collects. */
    struct lnode *tail = wgc_alloc(&lnode_type);
    assert_non_null(tail);
    list_head = tail;
    for (size_t i = 1; i < LIST_NODES; i++) {
        struct lnode *n = wgc_alloc(&lnode_type);
        if (n == NULL)
            fail_msg("node %zu: %s", i, wgc_error_string(wgc_last_error()));
        n->id = i;
        WGC_STORE(tail, next, n);   /* tail may be old by now (generational) */
        tail = n;
    }
    struct wgc_stats s1 = collect();
    assert_true(s1.num_gc - s0.num_gc >= 2);   /* pacing collected while it grew */
    assert_int_equal(s1.nfree, s0.nfree);      /* and freed nothing */
    size_t slot = wgc_usable_size(list_head);
    assert_int_equal(s1.live_bytes, LIST_NODES * slot);
    assert_int_equal(s1.heap_alloc, LIST_NODES * slot);
    size_t count = 0;
    for (struct lnode *n = list_head; n != NULL; n = n->next, count++)
        if (n->id != count)
            fail_msg("node %zu at %p has id %lu", count, (void *)n, (unsigned long)n->id);
    assert_int_equal(count, LIST_NODES);
    verify_ok();
    printf("[ BIG      ] %zu nodes of %zu bytes: heap_sys %llu MiB, last pause %.1f ms, "
           "max pause %.1f ms\n", (size_t)LIST_NODES, slot,
           (unsigned long long)(s1.heap_sys >> 20), s1.pause_last_ns / 1e6,
           s1.pause_max_ns / 1e6);

    /* Cut it in half: exactly the second half goes. */
    struct lnode *mid = list_head;
    for (size_t i = 0; i + 1 < LIST_NODES / 2; i++)
        mid = mid->next;
    uintptr_t second = (uintptr_t)mid->next;
    WGC_STORE(mid, next, NULL);
    struct wgc_stats s2 = collect();
    assert_int_equal(s2.nfree - s1.nfree, LIST_NODES - LIST_NODES / 2);
    assert_int_equal(s2.live_bytes, LIST_NODES / 2 * slot);
    assert_int_equal(wgc_usable_size((void *)second), 0);

    assert_true(wgc_root_remove(&list_head));
    list_head = NULL;
    struct wgc_stats s3 = collect();
    assert_int_equal(s3.nfree - s0.nfree, LIST_NODES);
    assert_int_equal(s3.live_bytes, 0);
    verify_ok();
}

/* One array holds a million pointers, each to a two-node chain: marking
 * the array pushes a million entries at once. */
static struct ptr *fan;

static void test_wide_fan_out(void **state)
{
    (void)state;
    struct wgc_stats s0 = collect();
    fan = wgc_alloc_array(&ptr_type, FAN_OUT);
    assert_non_null(fan);
    assert_true(wgc_root_add(&fan));
    for (size_t i = 0; i < FAN_OUT; i++) {
        struct lnode *a = wgc_alloc(&lnode_type);
        assert_non_null(a);
        a->id = 2 * i;
        WGC_STORE(&fan[i], p, a);
        struct lnode *b = wgc_alloc(&lnode_type);
        assert_non_null(b);
        b->id = 2 * i + 1;
        WGC_STORE(a, next, b);
    }
    struct wgc_stats s1 = collect();
    assert_int_equal(s1.nfree, s0.nfree);
    size_t slot = wgc_usable_size(fan[0].p);
    assert_int_equal(s1.live_bytes, 2 * FAN_OUT * slot + wgc_usable_size(fan));
    for (size_t i = 0; i < FAN_OUT; i++) {
        struct lnode *a = fan[i].p;
        if (a->id != 2 * i || a->next == NULL || a->next->id != 2 * i + 1)
            fail_msg("chain %zu broken", i);
    }
    /* Every other chain dropped: half of them go. */
    for (size_t i = 0; i < FAN_OUT; i += 2)
        fan[i].p = NULL;
    struct wgc_stats s2 = collect();
    assert_int_equal(s2.nfree - s1.nfree, FAN_OUT);
    verify_ok();
    assert_true(wgc_root_remove(&fan));
    fan = NULL;
    struct wgc_stats s3 = collect();
    assert_int_equal(s3.live_bytes, 0);
    assert_int_equal(s3.nfree - s0.nfree, 2 * FAN_OUT + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ten_million_node_list),
        cmocka_unit_test(test_wide_fan_out),
    };
    return cmocka_run_group_tests_name("gc_big", tests, group_setup, NULL);
}
