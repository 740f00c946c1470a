/* test_reliability.c — regression tests for defects that lost data or
 * stopped correct programs (issue 16), on the default maximum heap: packed
 * types in arrays, the verifier's rule for what it reports, sizes that wrap
 * on wasm32, descriptors changed or garbage-filled, frames with bad slots
 * or popped out of order.  Each test failed before its fix. */
#include "testutil.h"

#include "gcutil.h"
#include "wgc.h"

/* ---- 1. arrays of a type whose size is not a multiple of the word ------- */

struct __attribute__((packed)) pk {
    void *p;
    uint32_t x;
};
WGC_TYPE(pk_type, struct pk, offsetof(struct pk, p));

struct __attribute__((packed)) pk_odd {   /* never a multiple of the word */
    void *p;
    uint8_t c;
};
WGC_TYPE(pk_odd_type, struct pk_odd, offsetof(struct pk_odd, p));

static struct pk *packed_root;

static void test_packed_array_never_loses(void **state)
{
    (void)state;
    wgc_root_add(&packed_root);
    packed_root = wgc_alloc_array(&pk_type, 8);
    if (sizeof(struct pk) % sizeof(void *) != 0) {
        /* Element 1's pointer would be an unaligned word: refused. */
        assert_null(packed_root);
        assert_int_equal(wgc_last_error(), WGC_ERR_BAD_TYPE);
    } else {
        /* wasm32: 8 bytes, whole words; every element's pointer counts. */
        assert_non_null(packed_root);
        for (int i = 0; i < 8; i++) {
            char *b = wgc_alloc_bytes(16);
            assert_non_null(b);
            memset(b, 'a' + i, 16);
            packed_root[i].p = b;
        }
        collect();
        for (int i = 0; i < 8; i++) {
            const char *b = packed_root[i].p;
            assert_int_not_equal(wgc_usable_size(b), 0);
            for (int k = 0; k < 16; k++)
                assert_int_equal(b[k], 'a' + i);
        }
        verify_ok();
    }
    /* Never a multiple of the word: arrays refused, one object fine. */
    assert_null(wgc_alloc_array(&pk_odd_type, 2));
    assert_int_equal(wgc_last_error(), WGC_ERR_BAD_TYPE);
    struct pk_odd *one = wgc_alloc(&pk_odd_type);
    assert_non_null(one);
    /* Pointer-free arrays of any size are fine. */
    WGC_TYPE_NOPTRS(odd_bytes, struct pk_odd);
    assert_non_null(wgc_alloc_array(&odd_bytes, 3));
    packed_root = NULL;
    wgc_root_remove(&packed_root);
}

/* ---- 2. the verifier reports only what the collector took for a reference */

struct holder {
    void *f[4];
};
WGC_TYPE(holder_type, struct holder, offsetof(struct holder, f[0]), offsetof(struct holder, f[1]),
         offsetof(struct holder, f[2]), offsetof(struct holder, f[3]));

struct obj48 {
    void *a;
    char pad[40];
};
WGC_TYPE(obj48_type, struct obj48, offsetof(struct obj48, a));

static struct holder *hold;
static void *keep[8192];

static void test_verifier_ignores_non_references(void **state)
{
    (void)state;
    wgc_root_add(&hold);
    wgc_range_add(keep, sizeof keep);
    hold = wgc_alloc(&holder_type);
    /* A page-aligned interior pointer into a large object that then dies. */
    char *big = wgc_alloc_bytes(8 * 8192);
    assert_non_null(big);
    hold->f[0] = big + 8192;
    big = NULL;
    /* Interior pointers into 48-byte objects whose spans are then freed
     * and reused by 16-byte objects (all kept alive, so every slot there is
     * either live or never used). */
    struct obj48 *o[400];
    for (int i = 0; i < 400; i++)
        o[i] = wgc_alloc(&obj48_type);
    hold->f[1] = (char *)o[399] + 16;
    hold->f[2] = (char *)o[200] + 16;
    /* One past the end of the last object of a fresh span. */
    hold->f[3] = (char *)o[399] + sizeof(struct obj48);
    memset(o, 0, sizeof o);
    collect();
    char msg[256];
    if (!wgc_verify(msg, sizeof msg))
        fail_msg("false report after the objects died: %s", msg);
    for (int i = 0; i < 8192; i++)
        keep[i] = wgc_alloc_bytes(16);
    collect();
    if (!wgc_verify(msg, sizeof msg))
        fail_msg("false report after reuse: %s", msg);
    /* The heap still knows a real dangling pointer where it poisons. */
    if (WGC_DEBUG >= 2) {
        hold->f[1] = wgc_alloc(&obj48_type);   /* keeps the span in use */
        void *lost = wgc_alloc(&obj48_type);   /* in no root: freed */
        hold->f[0] = NULL;
        collect();
        hold->f[0] = lost;
        assert_false(wgc_verify(msg, sizeof msg));
        assert_non_null(strstr(msg, "freed object"));
        hold->f[0] = NULL;
    }
    memset(keep, 0, sizeof keep);
    hold = NULL;
    wgc_range_remove(keep);
    wgc_root_remove(&hold);
}

/* ---- 5. sizes within a page of SIZE_MAX (wasm32: 4 GiB) ----------------- */

static void test_sizes_near_size_max(void **state)
{
    (void)state;
    size_t sizes[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 4095, SIZE_MAX - 8191};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        assert_null(wgc_alloc_bytes(sizes[i]));
        assert_int_equal(wgc_last_error(), WGC_ERR_BAD_SIZE);
    }
    /* Beyond what the space can hold, but no wrap: NULL either way. */
    assert_null(wgc_alloc_bytes(SIZE_MAX - 65535));
    WGC_TYPE_NOPTRS(byte_type, char);
    assert_null(wgc_alloc_array(&byte_type, SIZE_MAX));
    assert_int_equal(wgc_last_error(), WGC_ERR_BAD_SIZE);
    assert_non_null(wgc_alloc_bytes(100));
}

/* ---- 7. descriptors: private fields are not trusted --------------------- */

struct two {
    void *a, *b;
};

static void test_descriptor_garbage_and_changes(void **state)
{
    (void)state;
    static const uint32_t offs[] = {0, sizeof(void *)};
    /* An unzeroed descriptor (as from malloc): refused, whatever it holds. */
    struct wgc_type dirty = {"dirty", sizeof(struct two), 2, offs, 0x1234, 77, 0xdeadbeef, 0};
    assert_null(wgc_alloc(&dirty));
    assert_int_equal(wgc_last_error(), WGC_ERR_BAD_TYPE);
    /* Changed after its first use: refused, at once in debug builds and at
     * the latest when the class's current span runs out. */
    static struct wgc_type t = {"changing", sizeof(struct two), 2, offs, 0, 0, 0, 0};
    assert_non_null(wgc_alloc(&t));
    t.size = 4000;
    void *p = NULL;
    int n = 0;
    while (n < 100000 && (p = wgc_alloc(&t)) != NULL)
        n++;
    assert_null(p);
    assert_int_equal(wgc_last_error(), WGC_ERR_BAD_TYPE);
    if (WGC_DEBUG >= 2)
        assert_int_equal(n, 0);
}

/* ---- 8. frames and root slots --------------------------------------------- */

static void test_root_slots_checked(void **state)
{
    (void)state;
    assert_false(wgc_root_add(NULL));
    assert_int_equal(wgc_last_error(), WGC_ERR_BAD_ARG);
    static char buf[32] __attribute__((aligned(16)));
    assert_false(wgc_root_add(buf + 1));   /* misaligned */
    assert_int_equal(wgc_last_error(), WGC_ERR_BAD_ARG);
}

/* A frame with a NULL slot address: skipped (the other slots still count),
 * and in debug builds a fatal error that says so. */
static void null_slot_child(void)
{
    void *a = wgc_alloc_bytes(24);
    memset(a, 7, 24);
    void *const slots[] = {&a, NULL};
    struct wgc_frame f = {NULL, 2, slots, NULL};
    wgc_frame_push(&f);
    collect();
    for (int i = 0; i < 24; i++)
        if (((char *)a)[i] != 7)
            abort();
    wgc_frame_pop(&f);
}

static void test_frame_null_slot(void **state)
{
    (void)state;
    if (WGC_DEBUG >= 2)
        expect_child_fatal("--null-slot", "slot address is NULL or misaligned");
    else
        null_slot_child();
}

static void out_of_order_child(void)
{
    struct wgc_frame a = {0}, b = {0};
    wgc_frame_push(&a);
    wgc_frame_push(&b);
    wgc_frame_pop(&a);   /* b is the top */
}

static void test_frames_out_of_order(void **state)
{
    (void)state;
    expect_child_fatal("--out-of-order", "popped out of order");
}

static int setup(void **state)
{
    (void)state;
    return wgc_init(NULL) == WGC_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        if (setup(NULL) != 0)
            return 97;
        if (strcmp(argv[1], "--null-slot") == 0)
            null_slot_child();
        else if (strcmp(argv[1], "--out-of-order") == 0)
            out_of_order_child();
        return 98;   /* the child should have stopped before */
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packed_array_never_loses),
        cmocka_unit_test(test_verifier_ignores_non_references),
        cmocka_unit_test(test_sizes_near_size_max),
        cmocka_unit_test(test_descriptor_garbage_and_changes),
        cmocka_unit_test(test_root_slots_checked),
        cmocka_unit_test(test_frame_null_slot),
        cmocka_unit_test(test_frames_out_of_order),
    };
    return cmocka_run_group_tests_name("reliability", tests, setup, NULL);
}
