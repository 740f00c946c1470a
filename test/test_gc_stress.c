/* test_gc_stress.c — the model test (model.h) under stress mode:
 * a collection at every allocation (config.stress = 1), then every third
 * (wgc_set_stress at run time), with verify_each_gc on, so wgc_verify runs
 * inside every one of those collections and a failure is fatal.
 * After each collection the model checks every reachable object. */
#include "testutil.h"

#include "model.h"
#include "wgc.h"

#define STRESS_STEPS 6000

static int group_setup(void **state)
{
    (void)state;
    struct wgc_config cfg;
    wgc_config_default(&cfg);
    cfg.stress = 1;
    cfg.verify_each_gc = true;
    return wgc_init(&cfg) == WGC_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    model_abandon();
    return 0;
}

static const struct model_params stress_params = {
    .name = "gc_stress_model",
    .steps = STRESS_STEPS,
    .live_max = 300,
    .collect_every = 200,
    .epoch = 0,
    .large_permille = 10,
    .big_array_max = 3000,
    .min_auto = STRESS_STEPS / 4,   /* ~40% of steps allocate, each collects */
};

static void test_model_stress_every_allocation(void **state)
{
    (void)state;
    model_types_init();
    assert_int_equal(wgc_set_stress(1), 1);   /* as configured */
    model_run(&stress_params);
}

static void test_model_stress_every_third(void **state)
{
    (void)state;
    model_types_init();
    assert_int_equal(wgc_set_stress(3), 1);
    struct model_params p = stress_params;
    p.name = "gc_stress3_model";
    p.min_auto = STRESS_STEPS / 12;
    p.salt = 3;
    model_run(&p);
    assert_int_equal(wgc_set_stress(1), 3);
}

/* Stress mode means exactly one collection per allocation, of every kind. */
static void test_stress_counts_collections(void **state)
{
    (void)state;
    model_types_init();
    assert_int_equal(wgc_set_stress(1), 1);
    struct wgc_stats a, b;
    wgc_stats(&a);
    for (int i = 0; i < 50; i++) {
        assert_non_null(wgc_alloc(model_small_record_type((unsigned)i)));
        assert_non_null(wgc_alloc_bytes(1 + (size_t)i * 997));
        assert_non_null(wgc_alloc_array(model_pair_elem_type(), 1 + (size_t)i * 131));
    }
    wgc_stats(&b);
    assert_int_equal(b.num_gc - a.num_gc, 150);
    assert_int_equal(wgc_set_stress(0), 1);
    wgc_stats(&a);
    for (int i = 0; i < 50; i++)
        assert_non_null(wgc_alloc_bytes(16));
    wgc_stats(&b);
    assert_int_equal(b.num_gc, a.num_gc);   /* off: 800 bytes do not reach the goal */
    assert_int_equal(wgc_set_stress(1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_model_stress_every_allocation, teardown),
        cmocka_unit_test_teardown(test_model_stress_every_third, teardown),
        cmocka_unit_test_teardown(test_stress_counts_collections, teardown),
    };
    return cmocka_run_group_tests_name("gc_stress", tests, group_setup, NULL);
}
