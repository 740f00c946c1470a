/* test_gc_gen.c — generational collection (cfg.gen): the randomized model
 * with its stores through the write barrier, at normal pacing and in stress
 * mode, with the barrier verifier and the heap verifier after every
 * collection; minor collections that promote, keep what old objects point
 * to and leave old garbage to the next major one; the barrier's bulk form;
 * unbarriered types; and a missing barrier caught by the verifier. */
#include "testutil.h"

#include "gcutil.h"
#include "model.h"
#include "wgc.h"

struct node {
    struct node *next;
    void *val;
    uintptr_t id;
};
WGC_TYPE(node_type, struct node, offsetof(struct node, next), offsetof(struct node, val));
WGC_TYPE_UNBARRIERED(unb_type, struct node, offsetof(struct node, next),
                     offsetof(struct node, val));

/* Allocate pointer-free garbage until a minor collection has run. */
static void force_minor(void)
{
    uint64_t before = stats_now().num_minor_gc;
    for (long i = 0; i < 10000000 && stats_now().num_minor_gc == before; i += 1000)
        for (int k = 0; k < 1000; k++)
            wgc_alloc_bytes(48);
    if (stats_now().num_minor_gc == before)
        fail_msg("no minor collection happened");
}

static struct node *old_list;

static struct node *make_list(struct wgc_type *t, int n)
{
    struct node *head = NULL;
    WGC_LOCALS(head);
    for (int i = 0; i < n; i++) {
        struct node *x = wgc_alloc(t);
        assert_non_null(x);
        x->next = head;   /* just allocated: no barrier needed */
        x->id = (uintptr_t)i;
        head = x;
    }
    return head;
}

static void check_list(const struct node *x, int n)
{
    for (int i = n - 1; i >= 0; i--, x = x->next) {
        assert_non_null(x);
        assert_int_equal(x->id, (uintptr_t)i);
    }
    assert_null(x);
}

static void test_model_generational(void **state)
{
    (void)state;
    model_types_init();
    struct model_params p = {
        .name = "gen_model",
        .steps = 30000,
        .live_max = 1500,
        .collect_every = 3000,   /* explicit collections are major: few */
        .epoch = 6000,
        .large_permille = 20,
        .min_auto = 3,
        .big_array_max = 12000,
        .salt = 11,
    };
    model_run(&p);
    struct wgc_stats st = stats_now();
    printf("[  INFO    ] gen model: %llu minor, %llu major, %llu dirty cards\n",
           (unsigned long long)st.num_minor_gc, (unsigned long long)st.num_major_gc,
           (unsigned long long)st.cards_total);
    assert_true(st.num_minor_gc > 0);
}

static void test_model_generational_stress(void **state)
{
    (void)state;
    model_types_init();
    unsigned old = wgc_set_stress(3);
    struct model_params p = {
        .name = "gen_stress_model",
        .steps = 4000,
        .live_max = 300,
        .collect_every = 200,
        .large_permille = 10,
        .big_array_max = 3000,
        .min_auto = 300,
        .salt = 12,
    };
    model_run(&p);
    wgc_set_stress(old);
}

/* Old objects, young objects stored into them through the barrier: the
 * young survive minor collections (promoted), the old list is never
 * traced, and old garbage waits for a major collection. */
static void test_minor_keeps_what_old_objects_hold(void **state)
{
    (void)state;
    wgc_root_add(&old_list);
    old_list = make_list(&node_type, 2000);
    wgc_collect();   /* major: the list is old now */
    struct wgc_stats a = stats_now();
    struct node *x = old_list;
    for (int i = 0; i < 2000; i += 7) {
        while ((int)(2000 - 1 - x->id) < i)
            x = x->next;
        char *young = wgc_alloc_bytes(32);
        memset(young, 'y', 32);
        WGC_STORE(x, val, young);
    }
    force_minor();
    force_minor();
    struct wgc_stats b = stats_now();
    assert_true(b.num_minor_gc >= a.num_minor_gc + 2);
    assert_true(b.cards_total > a.cards_total);
    check_list(old_list, 2000);
    for (x = old_list; x != NULL; x = x->next)
        if (x->val != NULL)
            for (int k = 0; k < 32; k++)
                assert_int_equal(((char *)x->val)[k], 'y');
    verify_ok();
    /* Old garbage: dropped, survives minors, goes at the next major. */
    old_list = NULL;
    force_minor();
    uint64_t old_before = stats_now().old_bytes;
    assert_true(old_before >= 2000 * sizeof(struct node));
    struct wgc_stats c = collect();
    assert_true(c.old_bytes < old_before);
    assert_int_equal(c.live_bytes, 0);
    wgc_root_remove(&old_list);
}

/* Bulk stores: memcpy into an old array, then wgc_write_range. */
static void **old_array;

static void test_write_range(void **state)
{
    (void)state;
    WGC_TYPE(ptr_type, void *, 0);
    wgc_root_add(&old_array);
    old_array = wgc_alloc_array(&ptr_type, 20000);   /* large: its own span */
    wgc_collect();
    static void *fresh[20000];
    wgc_range_add(fresh, sizeof fresh);
    for (int i = 0; i < 20000; i++) {
        fresh[i] = wgc_alloc_bytes(16);
        *(int *)fresh[i] = i;
    }
    memcpy(old_array, fresh, sizeof fresh);
    wgc_write_range(old_array, sizeof fresh);
    memset(fresh, 0, sizeof fresh);
    wgc_range_remove(fresh);
    force_minor();
    for (int i = 0; i < 20000; i++)
        assert_int_equal(*(int *)old_array[i], i);
    verify_ok();
    old_array = NULL;
    wgc_root_remove(&old_array);
    collect();
}

/* An unbarriered type: plain stores into its old objects are safe. */
static struct node *unb_list;

static void test_unbarriered_type(void **state)
{
    (void)state;
    wgc_root_add(&unb_list);
    unb_list = make_list(&unb_type, 500);
    wgc_collect();
    for (struct node *x = unb_list; x != NULL; x = x->next) {
        char *young = wgc_alloc_bytes(24);
        memset(young, 'u', 24);
        x->val = young;   /* no barrier: the type says so */
    }
    force_minor();
    force_minor();
    for (struct node *x = unb_list; x != NULL; x = x->next)
        for (int k = 0; k < 24; k++)
            assert_int_equal(((char *)x->val)[k], 'u');
    check_list(unb_list, 500);
    unb_list = NULL;
    wgc_root_remove(&unb_list);
    collect();
}

/* A plain store of a young object into an old one of a barriered type:
 * the barrier verifier stops before the minor collection could lose it. */
static void missing_barrier_child(void)
{
    wgc_root_add(&old_list);
    old_list = make_list(&node_type, 10);
    wgc_collect();
    old_list->next->val = wgc_alloc_bytes(40);   /* no WGC_STORE */
    force_minor();
}

static void test_missing_barrier_is_caught(void **state)
{
    (void)state;
    expect_child_fatal("--missing-barrier", "without the write barrier");
}

static int setup(void **state)
{
    (void)state;
    struct wgc_config cfg;
    wgc_config_default(&cfg);
    cfg.gen = true;
    cfg.verify_each_gc = true;
    cfg.stress = 0;   /* also in BUILD=stress: these tests count on minor collections */
    cfg.max_heap = (size_t)256 << 20;
    return wgc_init(&cfg) == WGC_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    model_abandon();
    return heap_left_clean();
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--missing-barrier") == 0) {
        if (setup(NULL) != 0)
            return 97;
        missing_barrier_child();
        return 98;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_model_generational, teardown),
        cmocka_unit_test_teardown(test_model_generational_stress, teardown),
        cmocka_unit_test_teardown(test_minor_keeps_what_old_objects_hold, teardown),
        cmocka_unit_test_teardown(test_write_range, teardown),
        cmocka_unit_test_teardown(test_unbarriered_type, teardown),
        cmocka_unit_test(test_missing_barrier_is_caught),
    };
    return cmocka_run_group_tests_name("gc_gen", tests, setup, NULL);
}
