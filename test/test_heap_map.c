/* test_heap_map.c — wgc_heap_walk (the live heap map) and the collection
 * callback: the runs tile the heap in address order, add up to heap_sys
 * and heap_inuse, and say what the spans hold; the callback runs once per
 * collection. */
#include "testutil.h"

#include "gcutil.h"
#include "wgc.h"

struct totals {
    uintptr_t next;        /* where the next run should start, or 0 */
    size_t runs, gaps;
    uint64_t heap, inuse, small_used_bytes, large, ordered_errors;
    bool bad_run;
};

static void visit(const struct wgc_run *r, void *data)
{
    struct totals *t = data;
    if (t->next != 0 && r->addr != t->next)
        t->ordered_errors++;
    t->next = r->addr + r->bytes;
    t->runs++;
    if (r->kind == WGC_RUN_GAP) {
        t->gaps++;
        return;
    }
    if (r->bytes == 0 || r->bytes % 8192 != 0)
        t->bad_run = true;
    t->heap += r->bytes;
    if (r->kind == WGC_RUN_SMALL) {
        t->inuse += r->bytes;
        if (r->used > r->slots || r->slot_size == 0 || r->size_class == 0 || r->old > r->slots)
            t->bad_run = true;
        t->small_used_bytes += (uint64_t)r->used * r->slot_size;
    } else if (r->kind == WGC_RUN_LARGE) {
        t->inuse += r->bytes;
        t->large++;
    }
}

struct node {
    struct node *next;
    char pad[40];
};
WGC_TYPE(node_type, struct node, offsetof(struct node, next));

static struct node *list;
static void *big;
static int callbacks;

static void on_gc(void *data)
{
    *(int *)data += 1;
}

static void test_walk_tiles_the_heap(void **state)
{
    (void)state;
    wgc_root_add(&list);
    wgc_root_add(&big);
    for (int i = 0; i < 100000; i++) {
        struct node *x = wgc_alloc(&node_type);
        x->next = list;
        list = x;
    }
    big = wgc_alloc_bytes(200000);
    struct wgc_stats st = collect();
    struct totals t = {0};
    wgc_heap_walk(visit, &t);
    assert_false(t.bad_run);
    assert_int_equal(t.ordered_errors, 0);
    assert_int_equal(t.heap, st.heap_sys);
    assert_int_equal(t.inuse, st.heap_inuse);
    assert_int_equal(t.large, 1);
    /* The list's slots are in the small runs' used counts. */
    assert_true(t.small_used_bytes >= 100000 * sizeof(struct node));
    printf("[  INFO    ] %zu runs, %zu gaps, %llu bytes of heap\n", t.runs, t.gaps,
           (unsigned long long)t.heap);
    list = NULL;
    big = NULL;
    wgc_root_remove(&list);
    wgc_root_remove(&big);
    wgc_heap_walk(NULL, NULL);   /* harmless */
}

static void test_callback_once_per_collection(void **state)
{
    (void)state;
    callbacks = 0;
    assert_null(wgc_set_gc_callback(on_gc, &callbacks));
    uint64_t before = stats_now().num_gc;
    for (int i = 0; i < 300000; i++)
        wgc_alloc_bytes(64);
    collect();
    uint64_t n = stats_now().num_gc - before;
    assert_true(n >= 2);
    assert_int_equal((uint64_t)callbacks, n);
    assert_ptr_equal(wgc_set_gc_callback(NULL, NULL), on_gc);
    collect();
    assert_int_equal((uint64_t)callbacks, n);
}

static int setup(void **state)
{
    (void)state;
    return wgc_init(NULL) == WGC_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return heap_left_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_walk_tiles_the_heap, teardown),
        cmocka_unit_test_teardown(test_callback_once_per_collection, teardown),
    };
    return cmocka_run_group_tests_name("heap_map", tests, setup, NULL);
}
