/* test_small_heap.c — a maximum heap below one 4 MiB arena (issue 16):
 * wgc_init accepts it, the heap grows to it in wasm pages and no further,
 * and a maximum below WGC_MIN_HEAP is raised to that minimum. */
#include "testutil.h"

#include "gcutil.h"
#include "wgc.h"

#define MAX_HEAP ((size_t)1 << 20)

static void *chunks[64];

struct node {
    struct node *next;
    char pad[16];
};
WGC_TYPE(node_type, struct node, offsetof(struct node, next));
static struct node *list;

static void test_one_mib_heap(void **state)
{
    (void)state;
    struct wgc_config cfg;
    wgc_config_default(&cfg);
    cfg.max_heap = MAX_HEAP;
    assert_int_equal(wgc_init(&cfg), WGC_OK);
    wgc_range_add(chunks, sizeof chunks);
    size_t n = 0;
    void *p;
    while (n < 64 && (p = wgc_alloc_bytes(50000)) != NULL)
        chunks[n++] = p;
    assert_int_equal(wgc_last_error(), WGC_ERR_NOMEM);
    struct wgc_stats st = stats_now();
    assert_true(st.heap_sys <= MAX_HEAP);
    assert_true(n * 50000 >= MAX_HEAP / 2);
    /* Small objects (kept) fill what is left, then fail cleanly too. */
    wgc_root_add(&list);
    struct node *x;
    while ((x = wgc_alloc(&node_type)) != NULL) {
        x->next = list;
        list = x;
    }
    assert_int_equal(wgc_last_error(), WGC_ERR_NOMEM);
    list = NULL;
    memset(chunks, 0, sizeof chunks);
    assert_non_null(wgc_alloc_bytes(50000));
    verify_ok();
}

static void tiny_child(void)
{
    struct wgc_config cfg;
    wgc_config_default(&cfg);
    cfg.max_heap = 1000;   /* below WGC_MIN_HEAP: raised to it */
    if (wgc_init(&cfg) != WGC_OK)
        exit(3);
    static void *kept[1024];
    wgc_range_add(kept, sizeof kept);
    int n = 0;
    while (n < 1024 && (kept[n] = wgc_alloc_bytes(1000)) != NULL)
        n++;
    struct wgc_stats st;
    wgc_stats(&st);
    fprintf(stderr, "tiny heap: %d objects, heap_sys %llu\n", n, (unsigned long long)st.heap_sys);
    exit(n > 10 && st.heap_sys <= WGC_MIN_HEAP ? 1 : 4);
}

static void test_below_minimum_is_raised(void **state)
{
    (void)state;
    /* The child exits 1 when the raised heap worked (expect_child_fatal
     * wants a failure status and the line). */
    expect_child_fatal("--tiny", "tiny heap: ");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--tiny") == 0)
        tiny_child();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_mib_heap),
        cmocka_unit_test(test_below_minimum_is_raised),
    };
    return cmocka_run_group_tests_name("small_heap", tests, NULL, NULL);
}
