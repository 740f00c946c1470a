/* test_heap.c — the allocation half of the public API on the heap layer:
 * random objects of random types never overlap, come back zeroed and
 * aligned, and the heap bitmap matches each object's type exactly (H3).
 * Pacing is off (gc_percent = -1) so nothing is collected under the test. */
#include "testutil.h"

#include "internal.h"
#include "wgc.h"

#define MAXOBJ 6000

struct obj {
    uintptr_t p;
    size_t size;            /* bytes asked for */
    struct wgc_type *type;  /* NULL: wgc_alloc_bytes */
    size_t n;               /* array length */
    uint8_t fill;
};

static struct wgc_type types[24];
static uint32_t offsets[24][16];

static int setup(void **state)
{
    (void)state;
    struct wgc_config cfg;
    wgc_config_default(&cfg);
    cfg.gc_percent = -1;
    cfg.stress = 0;   /* also in BUILD=stress: this suite keeps unrooted objects */
    assert_int_equal(wgc_init(&cfg), WGC_OK);
    /* Random layouts: sizes in words, a few pointer words each. */
    struct rng r = {12345};
    for (int t = 0; t < 24; t++) {
        size_t words = t < 20 ? 1 + rng_below(&r, 12) : 80 + rng_below(&r, 100);
        size_t n = 0;
        for (size_t w = 0; w < words && n < 16; w++)
            if (rng_below(&r, 3) == 0)
                offsets[t][n++] = (uint32_t)(w * sizeof(void *));
        types[t] = (struct wgc_type){"random", words * sizeof(void *), n, offsets[t], 0, 0, 0, 0};
    }
    return 0;
}

static bool type_word_is_ptr(const struct wgc_type *t, size_t byte)
{
    size_t in = byte % t->size;
    for (size_t i = 0; i < t->noffsets; i++)
        if (t->offsets[i] == in)
            return true;
    return false;
}

static int by_addr(const void *a, const void *b)
{
    uintptr_t x = ((const struct obj *)a)->p, y = ((const struct obj *)b)->p;
    return x < y ? -1 : x > y;
}

static void test_random_allocations(void **state)
{
    (void)state;
    struct rng r = test_rng("heap_random_allocations");
    struct obj *objs = calloc(MAXOBJ, sizeof *objs);
    for (size_t i = 0; i < MAXOBJ; i++) {
        struct obj *o = &objs[i];
        unsigned kind = (unsigned)rng_below(&r, 10);
        if (kind < 5) {
            o->type = &types[rng_below(&r, 20)];
            o->n = 1;
            o->p = (uintptr_t)wgc_alloc(o->type);
        } else if (kind < 7) {
            o->type = &types[rng_below(&r, 24)];
            o->n = 1 + rng_below(&r, kind == 5 ? 8 : 300);
            o->p = (uintptr_t)wgc_alloc_array(o->type, o->n);
        } else {
            o->type = NULL;
            o->n = 1 + rng_below(&r, rng_below(&r, 20) == 0 ? 100000 : 500);
            o->p = (uintptr_t)wgc_alloc_bytes(o->n);
        }
        o->size = o->type ? o->type->size * o->n : o->n;
        assert_true(o->p != 0);
        assert_int_equal(o->p % 8, 0);
        assert_true(wgc_usable_size((void *)o->p) >= o->size);
        for (size_t b = 0; b < o->size; b++)
            if (((uint8_t *)o->p)[b] != 0)
                fail_msg("object %zu (%zu bytes) not zeroed at byte %zu", i, o->size, b);
        /* H3: the bitmap says pointer exactly at the type's pointer words. */
        if (o->type != NULL && o->type->noffsets > 0) {
            size_t usable = wgc_usable_size((void *)o->p);
            for (size_t b = 0; b < usable; b += sizeof(void *)) {
                bool want = b < o->size && type_word_is_ptr(o->type, b);
                if (bitmap_is_ptr(o->p + b) != want)
                    fail_msg("object %zu: bitmap bit of byte %zu is %d, type says %d", i, b,
                             !want, want);
            }
        }
        o->fill = (uint8_t)(1 + i % 250);
        memset((void *)o->p, o->fill, o->size);
    }
    /* No two objects overlap, and every object kept its bytes. */
    qsort(objs, MAXOBJ, sizeof *objs, by_addr);
    for (size_t i = 0; i < MAXOBJ; i++) {
        if (i > 0 && objs[i - 1].p + objs[i - 1].size > objs[i].p)
            fail_msg("objects at %p (+%zu) and %p overlap", (void *)objs[i - 1].p,
                     objs[i - 1].size, (void *)objs[i].p);
        for (size_t b = 0; b < objs[i].size; b++)
            assert_int_equal(((uint8_t *)objs[i].p)[b], objs[i].fill);
    }
    /* Accounting adds up. */
    struct wgc_stats st;
    wgc_stats(&st);
    assert_int_equal(st.nmalloc, MAXOBJ);
    assert_int_equal(st.num_gc, 0);
    uint64_t usable = 0;
    for (size_t i = 0; i < MAXOBJ; i++)
        usable += wgc_usable_size((void *)objs[i].p);
    assert_true(usable <= st.heap_inuse);
    assert_true(st.heap_inuse <= st.heap_sys);
    assert_int_equal(st.heap_sys % (4u << 20), 0);
    assert_true(st.total_alloc >= usable);
    uint64_t class_n = 0;
    for (unsigned c = 1; c < st.num_classes; c++)
        class_n += st.classes[c].nmalloc;
    assert_int_equal(class_n + st.nlarge, st.nmalloc);
    char msg[256];
    if (!wgc_verify(msg, sizeof msg))
        fail_msg("verify: %s", msg);
    free(objs);
}

/* Large objects: their own pages, zeroed, bitmap for arrays of pointers. */
struct big {
    void *ptrs[3];
    char pad[40000];
    void *last;
};
WGC_TYPE(big_type, struct big, offsetof(struct big, ptrs[0]), offsetof(struct big, ptrs[2]),
         offsetof(struct big, last));

static void test_large_objects(void **state)
{
    (void)state;
    for (int i = 0; i < 20; i++) {
        struct big *b = wgc_alloc(&big_type);
        assert_non_null(b);
        assert_int_equal((uintptr_t)b % 8192, 0);
        assert_true(wgc_usable_size(b) >= sizeof *b);
        assert_true(bitmap_is_ptr((uintptr_t)&b->ptrs[0]));
        assert_false(bitmap_is_ptr((uintptr_t)&b->ptrs[1]));
        assert_true(bitmap_is_ptr((uintptr_t)&b->last));
        assert_false(bitmap_is_ptr((uintptr_t)&b->pad[8]));
        memset(b->pad, 0x42, sizeof b->pad);
    }
    void **arr = wgc_alloc_array(&types[0], 20000);
    assert_non_null(arr);
    assert_true(wgc_usable_size(arr) >= 20000 * types[0].size);
    size_t last = 19999 * types[0].size;
    if (types[0].noffsets > 0)
        assert_true(bitmap_is_ptr((uintptr_t)arr + last + types[0].offsets[0]));
    char msg[256];
    if (!wgc_verify(msg, sizeof msg))
        fail_msg("verify: %s", msg);
}

/* The heap grows across many arenas and the accounting follows. */
static void test_growth_across_arenas(void **state)
{
    (void)state;
    struct wgc_stats a, b;
    wgc_stats(&a);
    for (int i = 0; i < 64 * 16; i++)
        assert_non_null(wgc_alloc_bytes(64 * 1024 - 100));   /* a 64 KiB large object each */
    for (int i = 0; i < 200000; i++)
        assert_non_null(wgc_alloc_bytes(48));
    wgc_stats(&b);
    assert_true(b.heap_sys - a.heap_sys >= (uint64_t)70 << 20);
    assert_true(b.heap_sys >= b.heap_inuse);
    assert_true(b.sys_reserved >= b.heap_sys + b.sys_metadata - b.sys_metadata / 2);
    if (SYS_ALIGN)
        assert_true(b.sys_padding < 2 * 65536);   /* pads only where the break was mid-page */
    char msg[256];
    if (!wgc_verify(msg, sizeof msg))
        fail_msg("verify: %s", msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_allocations),
        cmocka_unit_test(test_large_objects),
        cmocka_unit_test(test_growth_across_arenas),
    };
    return cmocka_run_group_tests_name("heap", tests, setup, NULL);
}
