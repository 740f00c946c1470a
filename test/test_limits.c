/* test_limits.c — the heap at its maximum (issue 16): an emptied heap holds
 * one object as large as the limit allows (metadata never splits the
 * heap's regions), and marking with no memory left for the mark stack
 * finishes in a time linear in the heap, not quadratic. */
#include "testutil.h"

#include "gcutil.h"
#include "sys.h"
#include "wgc.h"

#define MAX_HEAP ((size_t)16 << 20)
#define PAGE 8192

struct node {
    struct node *next;
    uintptr_t id;
};
WGC_TYPE(node_type, struct node, offsetof(struct node, next));

static struct node *list;

/* Fill with small objects, drop them all, collect: then the whole limit
 * but a page is one free run. */
static void test_fill_empty_allocate_max(void **state)
{
    (void)state;
    wgc_root_add(&list);
    size_t n = 0;
    for (;;) {
        struct node *x = wgc_alloc(&node_type);
        if (x == NULL)
            break;
        x->next = list;
        list = x;
        n++;
    }
    assert_int_equal(wgc_last_error(), WGC_ERR_NOMEM);
    struct wgc_stats st = stats_now();
    assert_true(st.heap_sys <= MAX_HEAP);
    assert_true((uint64_t)n * sizeof(struct node) > MAX_HEAP / 2);
    list = NULL;
    st = collect();
    assert_int_equal(st.heap_inuse, 0);
    void *big = wgc_alloc_bytes(MAX_HEAP - PAGE);
    if (big == NULL)
        fail_msg("an emptied %zu-byte heap cannot hold %zu bytes (error %d)", MAX_HEAP,
                 MAX_HEAP - PAGE, (int)wgc_last_error());
    memset(big, 1, MAX_HEAP - PAGE);
    verify_ok();
    big = NULL;
    collect();
    wgc_root_remove(&list);
}

/* Lists linked toward lower addresses, hanging off one pointer array wider
 * than the mark stack's static segment, marked with no memory for more
 * segments: everything survives, and it ends (the old rescan marked one
 * node per pass over the heap). */
#define WIDTH 20000
#define DEPTH 20

static void **fan;

static void test_mark_without_memory(void **state)
{
    (void)state;
    wgc_root_add(&fan);
    int percent = wgc_set_gc_percent(-1);   /* no collection (and no mark stack growth) yet */
    WGC_TYPE(ptr_type, void *, 0);
    fan = wgc_alloc_array(&ptr_type, WIDTH);
    assert_non_null(fan);
    uintptr_t id = 1;
    for (size_t i = 0; i < WIDTH; i++) {
        struct node *head = NULL;
        WGC_LOCALS(head);
        for (int d = 0; d < DEPTH; d++) {
            struct node *x = wgc_alloc(&node_type);
            assert_non_null(x);
            x->next = head;   /* the older node: a lower address, mostly */
            x->id = id++;
            head = x;
        }
        fan[i] = head;
    }
    /* One long list too, strictly toward lower addresses. */
    wgc_root_add(&list);
    for (int i = 0; i < 100000; i++) {
        struct node *x = wgc_alloc(&node_type);
        assert_non_null(x);
        x->next = list;
        x->id = (uintptr_t)i;
        list = x;
    }
    struct sys_stats ss;
    sys_get_stats(&ss);
    uint64_t old = sys_set_limit(ss.obtained);   /* no more memory from the OS layer */
    static void *held[4096];   /* ... nor from its free list */
    size_t nheld = 0;
    while (nheld < 4096 && (held[nheld] = sys_alloc(SYS_PAGE)) != NULL)
        nheld++;
    clock_t t0 = clock();
    wgc_set_gc_percent(percent);
    struct wgc_stats st = collect();
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    while (nheld > 0)
        sys_free(held[--nheld], SYS_PAGE);
    sys_set_limit(old);
    printf("[  INFO    ] marked %.1f MiB with no memory for the mark stack in %.2f s\n",
           st.live_bytes / 1048576.0, secs);
    id = 1;
    for (size_t i = 0; i < WIDTH; i++) {
        int d = 0;
        for (struct node *x = fan[i]; x != NULL; x = x->next, d++)
            assert_int_equal(x->id, id + DEPTH - 1 - d);
        assert_int_equal(d, DEPTH);
        id += DEPTH;
    }
    int k = 99999;
    for (struct node *x = list; x != NULL; x = x->next, k--)
        assert_int_equal(x->id, (uintptr_t)k);
    assert_int_equal(k, -1);
    verify_ok();
    fan = NULL;
    list = NULL;
    wgc_root_remove(&fan);
    wgc_root_remove(&list);
}

static int setup(void **state)
{
    (void)state;
    struct wgc_config cfg;
    wgc_config_default(&cfg);
    cfg.max_heap = MAX_HEAP;
    return wgc_init(&cfg) == WGC_OK ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fill_empty_allocate_max),
        cmocka_unit_test(test_mark_without_memory),
    };
    return cmocka_run_group_tests_name("limits", tests, setup, NULL);
}
