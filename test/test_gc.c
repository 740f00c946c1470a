/* test_gc.c — the collector (runtime/gc.c, roots.c, alloc.c) with the
 * default configuration: the randomized model test, cycles, large objects
 * and arrays of pointers, every kind of root, non-local exits, the
 * verifier, poisoning and the pause stats.
 *
 * The file is one program with one heap (wgc_init in the group setup).
 * Every test leaves no root, frame or range behind, so each starts with no
 * live object: the per-test teardown collects and checks that.
 * Other configurations have their own files: test_gc_stress.c (stress
 * mode), test_gc_limit.c (a small max_heap, the error hook, bad input),
 * test_gc_pacing.c (pacing and lazy sweeping), test_gc_big.c (10 million
 * objects). */
#include "gcutil.h"
#include "model.h"

#include "config.h"

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)
#define MW sizeof(void *)

/* The same sizes natively and under Node (the wasm suite stays well under
 * a minute). */
#define MODEL_STEPS 60000
#define MODEL_MIN_AUTO 5
#define RING_NODES 300000

struct node {
    struct node *next;
    uintptr_t id;
};
WGC_TYPE(node_type, struct node, offsetof(struct node, next));

/* Three pointer fields and an id, for roots that point into the middle. */
struct tri {
    void *f[3];
    uintptr_t id;
};
WGC_TYPE(tri_type, struct tri, offsetof(struct tri, f[0]), offsetof(struct tri, f[1]),
         offsetof(struct tri, f[2]));

struct elem {
    void *p;
    uintptr_t x;
};
WGC_TYPE(elem_type, struct elem, offsetof(struct elem, p));

struct ptr {
    void *p;
};
WGC_TYPE(ptr_type, struct ptr, offsetof(struct ptr, p));

/* A large record (> 32 KiB) whose only pointer is its last word. */
struct bigrec {
    uintptr_t id;
    unsigned char pad[40000];
    void *last;
};
WGC_TYPE(bigrec_type, struct bigrec, offsetof(struct bigrec, last));

/* A small class of its own (no other test of the file uses ~6 KiB). */
struct v6k {
    uintptr_t id;
    void *ref;
    unsigned char pad[6000];
};
WGC_TYPE(v6k_type, struct v6k, offsetof(struct v6k, ref));

static uintptr_t outside_heap;   /* a word that is not in the heap */

/* ---- helpers ---------------------------------------------------------------------- */

static struct node *new_node(uintptr_t id)
{
    struct node *n = wgc_alloc(&node_type);
    assert_non_null(n);
    n->id = id;
    return n;
}

static bool is_object(const void *p)
{
    return wgc_usable_size(p) != 0;
}

static int group_setup(void **state)
{
    (void)state;
    struct wgc_config cfg;
    wgc_config_default(&cfg);
    cfg.stress = 0;   /* also in BUILD=stress: test_gc_stress.c is the stress suite */
    return wgc_init(&cfg) == WGC_OK ? 0 : -1;
}

/* Every test cleans up: no frame left, nothing live after a collection. */
/* The tests' global root slots and conservative range, all here so that
 * the teardown can drop what a failed test left registered. */
static void *r_self, *r_two, *r_ring, *r_arr, *r_twice, *r_tagged, *r_odd;
static void *r_vholder, *r_vl1, *r_vl2, *r_list;
static uintptr_t r_interior;
static uintptr_t range_words[8];

static int teardown(void **state)
{
    (void)state;
    void *slots[] = {&r_self, &r_two, &r_ring, &r_arr, &r_twice, &r_tagged, &r_odd,
                     &r_vholder, &r_vl1, &r_vl2, &r_list, &r_interior};
    int left = 0;
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++)
        while (wgc_root_remove(slots[i]))
            left++;
    while (wgc_range_remove((const char *)range_words + 1))
        left++;
    model_abandon();
    if (left != 0) {
        fprintf(stderr, "teardown: the test left %d roots registered\n", left);
        return -1;
    }
    return heap_left_clean();
}

/* ---- the model ------------------------------------------------------------------- */

static void test_model(void **state)
{
    (void)state;
    model_types_init();
    struct model_params p = {
        .name = "gc_model",
        .steps = MODEL_STEPS,
        .live_max = 1500,
        .collect_every = 300,
        .epoch = 6000,
        .large_permille = 20,
        .min_auto = MODEL_MIN_AUTO,
        .big_array_max = 12000,
    };
    model_run(&p);
}

/* ---- cycles ------------------------------------------------------------------------ */


static void test_cycles_are_collected(void **state)
{
    (void)state;
    struct wgc_stats s0 = collect();

    struct node *self = new_node(1);
    self->next = self;
    r_self = self;
    assert_true(wgc_root_add(&r_self));

    struct node *a = new_node(2);
    r_two = a;
    assert_true(wgc_root_add(&r_two));
    struct node *b = new_node(3);
    a->next = b;
    b->next = a;

    /* A big ring, built from its head (rooted) forwards; its addresses go
     * to malloc'd memory, which the collector does not see. */
    uintptr_t *ring = malloc(RING_NODES * sizeof *ring);
    assert_non_null(ring);
    struct node *head = new_node(100);
    r_ring = head;
    assert_true(wgc_root_add(&r_ring));
    struct node *tail = head;
    ring[0] = (uintptr_t)head;
    for (size_t i = 1; i < RING_NODES; i++) {
        tail->next = new_node(100 + i);
        tail = tail->next;
        ring[i] = (uintptr_t)tail;
    }
    tail->next = head;

    /* A cycle hanging from garbage is garbage. */
    struct node *g = new_node(7);
    g->next = new_node(8);
    g->next->next = new_node(9);
    g->next->next->next = g->next;

    struct wgc_stats s1 = collect();
    assert_int_equal(s1.nfree - s0.nfree, 3);   /* the garbage cycle and its head */
    uint64_t node_slot = wgc_usable_size(self);
    assert_int_equal(s1.live_bytes, (3 + RING_NODES) * node_slot);
    assert_ptr_equal(self->next, self);
    assert_int_equal(self->id, 1);
    assert_ptr_equal(a->next, b);
    assert_ptr_equal(b->next, a);
    struct node *n = head;
    for (size_t i = 0; i < RING_NODES; i++, n = n->next) {
        if ((uintptr_t)n != ring[i] || n->id != 100 + i)
            fail_msg("ring node %zu: %p id %lu, want %p id %zu", i, (void *)n,
                     (unsigned long)n->id, (void *)ring[i], 100 + i);
    }
    assert_ptr_equal(n, head);
    verify_ok();

    /* Drop the roots: every cycle goes. */
    assert_true(wgc_root_remove(&r_self));
    assert_true(wgc_root_remove(&r_two));
    assert_true(wgc_root_remove(&r_ring));
    struct wgc_stats s2 = collect();
    assert_int_equal(s2.nfree - s1.nfree, 3 + RING_NODES);
    assert_int_equal(s2.bytes_freed - s1.bytes_freed, (3 + RING_NODES) * node_slot);
    assert_int_equal(s2.live_bytes, 0);
    assert_false(is_object(self));
    assert_false(is_object(a));
    assert_false(is_object(b));
    for (size_t i = 0; i < RING_NODES; i++)
        if (is_object((void *)ring[i]))
            fail_msg("ring node %zu at %p survived", i, (void *)ring[i]);
    free(ring);
    r_self = r_two = r_ring = NULL;
}

/* ---- large objects and arrays of pointers ------------------------------------------- */


static void test_large_objects_and_pointer_arrays(void **state)
{
    (void)state;
    struct wgc_stats s0 = collect();

    /* An array of a pointer-holding struct, large: targets at the first,
     * the middle and the last element. */
    const size_t n = 200000;
    struct elem *arr = wgc_alloc_array(&elem_type, n);
    assert_non_null(arr);
    assert_true(wgc_usable_size(arr) >= n * sizeof *arr);
    r_arr = arr;
    assert_true(wgc_root_add(&r_arr));
    for (size_t i = 0; i < n; i++)
        arr[i].x = i * 3 + 1;
    arr[0].p = new_node(1);
    arr[n / 2].p = new_node(2);
    arr[n - 1].p = new_node(3);
    /* The big record: the pointer in its last word. */
    struct bigrec *big = wgc_alloc(&bigrec_type);
    assert_non_null(big);
    big->id = 77;
    big->last = new_node(4);
    arr[1].p = big;
    /* A small array of structs, the pointer in its last element only. */
    struct elem *small = wgc_alloc_array(&elem_type, 3);
    assert_non_null(small);
    small[2].p = new_node(5);
    arr[2].p = small;
    /* A pointer kept only in a pointer-free blob is no reference. */
    uintptr_t *blob = wgc_alloc_bytes(64 * KiB);
    assert_non_null(blob);
    struct node *hidden = new_node(6);
    blob[0] = (uintptr_t)hidden;
    blob[64 * KiB / MW - 1] = (uintptr_t)hidden;
    arr[3].p = blob;
    uintptr_t hidden_addr = (uintptr_t)hidden;
    hidden = NULL;

    struct wgc_stats s1 = collect();
    assert_int_equal(s1.nfree - s0.nfree, 1);   /* the hidden node */
    assert_false(is_object((void *)hidden_addr));
    assert_int_equal(s1.nlarge - s0.nlarge, 3);   /* arr, big, blob */
    assert_int_equal(((struct node *)arr[0].p)->id, 1);
    assert_int_equal(((struct node *)arr[n / 2].p)->id, 2);
    assert_int_equal(((struct node *)arr[n - 1].p)->id, 3);
    assert_int_equal(big->id, 77);
    assert_int_equal(((struct node *)big->last)->id, 4);
    assert_int_equal(((struct node *)small[2].p)->id, 5);
    for (size_t i = 0; i < n; i++)
        if (arr[i].x != i * 3 + 1)
            fail_msg("element %zu: x %lu", i, (unsigned long)arr[i].x);
    assert_int_equal(blob[0], hidden_addr);
    uint64_t live = wgc_usable_size(arr) + wgc_usable_size(big) + wgc_usable_size(small) +
                    wgc_usable_size(blob) + 5 * wgc_usable_size(arr[0].p);
    assert_int_equal(s1.live_bytes, live);
    verify_ok();

    /* Clearing the last element frees its target, and only it. */
    void *last = arr[n - 1].p;
    arr[n - 1].p = NULL;
    struct wgc_stats s2 = collect();
    assert_int_equal(s2.nfree - s1.nfree, 1);
    assert_false(is_object(last));
    assert_true(is_object(arr[n / 2].p));

    assert_true(wgc_root_remove(&r_arr));
    r_arr = NULL;
    struct wgc_stats s3 = collect();
    assert_int_equal(s3.live_bytes, 0);
    assert_int_equal(s3.nlarge, s0.nlarge);
    assert_false(is_object(arr));
    assert_false(is_object(big));
}

/* An array of plain pointers larger than an arena (4 MiB): its heap bitmap
 * crosses arenas; targets at the ends and on both sides of the boundaries. */
static void test_pointer_array_across_arenas(void **state)
{
    (void)state;
    struct wgc_stats s0 = collect();
    const size_t n = 9 * MiB / MW;
    struct ptr *arr = wgc_alloc_array(&ptr_type, n);
    assert_non_null(arr);
    r_arr = arr;
    assert_true(wgc_root_add(&r_arr));
    size_t at[64], nat = 0;
    at[nat++] = 0;
    at[nat++] = n - 1;
    for (uintptr_t b = ((uintptr_t)arr + 4 * MiB - 1) & ~(uintptr_t)(4 * MiB - 1);
         b < (uintptr_t)(arr + n) && nat + 2 <= 64; b += 4 * MiB) {
        size_t i = (b - (uintptr_t)arr) / MW;
        at[nat++] = i - 1;
        at[nat++] = i;
    }
    assert_true(nat >= 4);   /* 9 MiB crosses at least one 4 MiB boundary */
    for (size_t k = 0; k < nat; k++)
        arr[at[k]].p = new_node(k);
    struct wgc_stats s1 = collect();
    assert_int_equal(s1.nfree, s0.nfree);
    for (size_t k = 0; k < nat; k++) {
        struct node *t = arr[at[k]].p;
        assert_true(is_object(t));
        assert_int_equal(t->id, k);
    }
    verify_ok();
    assert_true(wgc_root_remove(&r_arr));
    r_arr = NULL;
    struct wgc_stats s2 = collect();
    assert_int_equal(s2.nfree - s1.nfree, nat + 1);
}

/* ---- roots -------------------------------------------------------------------------- */


static void test_global_root_added_twice(void **state)
{
    (void)state;
    struct node *n = new_node(42);
    r_twice = n;
    assert_true(wgc_root_add(&r_twice));
    assert_true(wgc_root_add(&r_twice));
    collect();
    assert_true(is_object(n));
    assert_true(wgc_root_remove(&r_twice));   /* once: still a root */
    collect();
    assert_true(is_object(n));
    assert_int_equal(n->id, 42);
    assert_true(wgc_root_remove(&r_twice));
    struct wgc_stats st = collect();
    assert_false(is_object(n));
    assert_int_equal(st.live_bytes, 0);
    assert_false(wgc_root_remove(&r_twice));
    assert_int_equal(wgc_last_error(), WGC_ERR_BAD_ARG);
    assert_false(wgc_root_add(NULL));
    assert_int_equal(wgc_last_error(), WGC_ERR_BAD_ARG);

    /* A root's value is read at each collection, not when it is added. */
    r_twice = NULL;
    assert_true(wgc_root_add(&r_twice));
    n = new_node(43);
    r_twice = n;
    collect();
    assert_true(is_object(n));
    r_twice = NULL;
    collect();
    assert_false(is_object(n));
    assert_true(wgc_root_remove(&r_twice));
}

/* WGC_LOCALS at several depths: each level's locals live while it runs
 * and go when it returns. */
static void locals_level(int depth, uintptr_t *addrs)
{
    struct node *a = NULL, *b = NULL;
    WGC_LOCALS(a, b);
    struct wgc_frame *mine = wgc_frames_top;   /* the frame WGC_LOCALS pushed */
    assert_non_null(mine);
    assert_int_equal(mine->n, 2);
    a = new_node((uintptr_t)depth * 2);
    b = new_node((uintptr_t)depth * 2 + 1);
    addrs[depth * 2] = (uintptr_t)a;
    addrs[depth * 2 + 1] = (uintptr_t)b;
    if (depth > 0) {
        locals_level(depth - 1, addrs);
        assert_ptr_equal(wgc_frames_top, mine);
        /* The deeper level's objects are gone, ours are not. */
        collect();
        assert_false(is_object((void *)addrs[(depth - 1) * 2]));
        assert_false(is_object((void *)addrs[(depth - 1) * 2 + 1]));
    } else {
        wgc_collect();
    }
    assert_true(is_object(a));
    assert_true(is_object(b));
    assert_int_equal(a->id, (uintptr_t)depth * 2);
    assert_int_equal(b->id, (uintptr_t)depth * 2 + 1);
}

static void test_locals(void **state)
{
    (void)state;
    uintptr_t addrs[16];
    locals_level(7, addrs);
    assert_null(wgc_frames_top);
    struct wgc_stats st = collect();
    assert_int_equal(st.live_bytes, 0);
    for (int i = 0; i < 16; i++)
        assert_false(is_object((void *)addrs[i]));

    /* Leaving a block by break pops its frame too. */
    struct node *kept = NULL;
    for (int i = 0; i < 3; i++) {
        WGC_LOCALS(kept);
        kept = new_node(5);
        if (i == 1)
            break;
    }
    assert_null(wgc_frames_top);
    collect();
    assert_false(is_object(kept));
}

/* A frame over a value stack (`array`): its live part is its first n
 * entries, and n may change while it is pushed. */
static void test_array_frame(void **state)
{
    (void)state;
    void *vstack[64] = {NULL};
    struct wgc_frame f = {NULL, 64, NULL, vstack};
    wgc_frame_push(&f);
    for (int i = 0; i < 64; i++)
        vstack[i] = i % 8 == 7 ? (void *)(uintptr_t)(2 * i + 1) : new_node((uintptr_t)i);
    struct wgc_stats s1 = collect();
    for (int i = 0; i < 64; i++) {
        if (i % 8 == 7) {
            assert_int_equal((uintptr_t)vstack[i], 2 * i + 1);
            continue;
        }
        assert_true(is_object(vstack[i]));
        assert_int_equal(((struct node *)vstack[i])->id, i);
    }
    assert_int_equal(s1.live_bytes, 56 * wgc_usable_size(vstack[0]));
    f.n = 32;   /* the stack shrank: entries 32.. are no roots now */
    struct wgc_stats s2 = collect();
    assert_int_equal(s2.nfree - s1.nfree, 28);
    for (int i = 0; i < 64; i++)
        if (i % 8 != 7)
            assert_int_equal(is_object(vstack[i]), i < 32);
    wgc_frame_pop(&f);
    assert_null(wgc_frames_top);
    struct wgc_stats s3 = collect();
    assert_int_equal(s3.nfree - s2.nfree, 28);
    assert_int_equal(s3.live_bytes, 0);
}

/* A conservative range keeps an object alive through any interior
 * pointer; a precise slot holding the same kind of pointer does not. */

static void test_conservative_range_and_interior_pointers(void **state)
{
    (void)state;
    uintptr_t *words = range_words;
    memset(range_words, 0, sizeof range_words);
    struct tri *a = wgc_alloc(&tri_type);   /* in the range by an interior pointer */
    struct tri *b = wgc_alloc(&tri_type);   /* by a pointer to its last byte */
    struct tri *c = wgc_alloc(&tri_type);   /* precise root to its middle only */
    assert_true(a && b && c);
    a->id = 1, b->id = 2, c->id = 3;
    unsigned char *large = wgc_alloc_bytes(100 * KiB);
    assert_non_null(large);
    large[100 * KiB - 1] = 9;
    words[1] = (uintptr_t)a + MW + 3;                  /* unaligned, interior */
    words[2] = (uintptr_t)b + sizeof(struct tri) - 1;
    words[3] = (uintptr_t)large + 70 * KiB;            /* deep in a large object */
    words[4] = (uintptr_t)&outside_heap;               /* harmless */
    words[5] = 1;
    /* A range that starts mid-word: its first whole word is words[1]. */
    assert_true(wgc_range_add((const char *)words + 1, 7 * sizeof *words - 1));
    r_interior = (uintptr_t)c + MW;
    assert_true(wgc_root_add(&r_interior));
    struct wgc_stats s1 = collect();
    assert_true(is_object(a));
    assert_true(is_object(b));
    assert_true(is_object(large));
    assert_int_equal(a->id, 1);
    assert_int_equal(b->id, 2);
    assert_int_equal(large[100 * KiB - 1], 9);
    assert_false(is_object(c));   /* by design: precise slots need object starts */
    assert_int_equal(s1.live_bytes,
                     wgc_usable_size(a) + wgc_usable_size(b) + wgc_usable_size(large));
    assert_true(wgc_root_remove(&r_interior));
    r_interior = 0;

    /* A word before the range's start does not count. */
    words[0] = (uintptr_t)a;
    words[1] = 0;
    struct wgc_stats s2 = collect();
    assert_false(is_object(a));
    assert_int_equal(s2.nfree - s1.nfree, 1);

    assert_true(wgc_range_remove((const char *)words + 1));
    assert_false(wgc_range_remove((const char *)words + 1));
    assert_int_equal(wgc_last_error(), WGC_ERR_BAD_ARG);
    assert_false(wgc_range_add(NULL, 8));
    assert_false(wgc_range_add(words, 0));
    struct wgc_stats s3 = collect();
    assert_int_equal(s3.live_bytes, 0);
    assert_false(is_object(b));
    assert_false(is_object(large));
}

/* Odd values, pointers outside the heap and into the middle of objects
 * in pointer fields and roots are ignored: nothing crashes and they keep
 * nothing alive. */

static void test_tagged_integers_in_pointer_fields(void **state)
{
    (void)state;
    struct tri *t = wgc_alloc(&tri_type);
    assert_non_null(t);
    r_tagged = t;
    assert_true(wgc_root_add(&r_tagged));
    struct node *target = new_node(5);
    unsigned char *large = wgc_alloc_bytes(50 * KiB);
    assert_non_null(large);
    t->f[0] = (void *)((uintptr_t)target | 1);   /* a tagged pointer: not a reference */
    t->f[1] = (void *)(large + MW);              /* interior of a large object */
    t->f[2] = (void *)UINTPTR_MAX;
    r_odd = (void *)((uintptr_t)new_node(6) | 1);
    assert_true(wgc_root_add(&r_odd));
    struct wgc_stats s0 = stats_now();
    struct wgc_stats s1 = collect();
    assert_false(is_object(target));
    assert_false(is_object(large));
    assert_int_equal(s1.nfree - s0.nfree, 3);
    assert_int_equal(s1.live_bytes, wgc_usable_size(t));
    assert_int_equal((uintptr_t)t->f[0], (uintptr_t)target | 1);
    assert_ptr_equal(t->f[1], large + MW);
    assert_int_equal((uintptr_t)t->f[2], UINTPTR_MAX);

    /* Now many small odd and out-of-heap values, and fields pointing at the
     * fields of live objects. */
    for (uintptr_t v = 1; v < 1024; v += 2) {
        t->f[0] = (void *)v;
        t->f[1] = (void *)(v * 0x10001);
        t->f[2] = &t->f[1];
        collect();
    }
    assert_true(is_object(t));
    t->f[0] = t->f[1] = t->f[2] = NULL;
    assert_true(wgc_root_remove(&r_tagged));
    assert_true(wgc_root_remove(&r_odd));
    r_tagged = r_odd = NULL;
}

/* ---- non-local exits ------------------------------------------------------------------ */

static jmp_buf jump_env;
static jmp_buf inner_env;

/* deep() calls itself through this pointer: GCC's -Winfinite-recursion
 * does not see that the longjmp ends the recursion. */
static void deep(int depth, int jump_at, uintptr_t *addrs, jmp_buf *to);
static void (*volatile deep_call)(int, int, uintptr_t *, jmp_buf *) = deep;

static void deep(int depth, int jump_at, uintptr_t *addrs, jmp_buf *to)
{
    struct node *x = NULL;
    WGC_LOCALS(x);
    x = new_node((uintptr_t)depth);
    addrs[depth] = (uintptr_t)x;
    if (depth < jump_at)
        deep_call(depth + 1, jump_at, addrs, to);
    longjmp(*to, 1);
}

/* A level that catches a jump from further down, as an interpreter's
 * try/catch would, then returns normally. */
static void catcher(int depth, uintptr_t *addrs)
{
    struct node *x = NULL;
    WGC_LOCALS(x);
    struct wgc_frame *mine = wgc_frames_top;   /* the frame WGC_LOCALS pushed */
    x = new_node((uintptr_t)depth);
    addrs[depth] = (uintptr_t)x;
    if (depth < 2) {
        catcher(depth + 1, addrs);
        return;
    }
    struct wgc_frame *saved = wgc_frames_save();
    assert_ptr_equal(saved, mine);
    if (setjmp(inner_env) == 0)
        deep(depth + 1, 7, addrs, &inner_env);
    assert_ptr_not_equal(wgc_frames_top, saved);   /* stale: frames of dead C frames */
    wgc_frames_restore(saved);
    assert_ptr_equal(wgc_frames_top, saved);
    collect();
    for (int i = 0; i <= 7; i++)
        assert_int_equal(is_object((void *)addrs[i]), i <= 2);
}

static void test_longjmp_restores_frames(void **state)
{
    (void)state;
    uintptr_t *addrs = calloc(16, sizeof *addrs);
    assert_non_null(addrs);
    struct node *keep = NULL;
    {
        WGC_LOCALS(keep);
        keep = new_node(99);
        struct wgc_frame *saved = wgc_frames_save();
        if (setjmp(jump_env) == 0)
            deep(0, 5, addrs, &jump_env);
        assert_ptr_not_equal(wgc_frames_top, saved);
        wgc_frames_restore(saved);
        assert_ptr_equal(wgc_frames_top, saved);
        struct wgc_stats st = collect();
        assert_true(is_object(keep));
        assert_int_equal(keep->id, 99);
        for (int i = 0; i <= 5; i++)
            assert_false(is_object((void *)addrs[i]));
        assert_int_equal(st.live_bytes, wgc_usable_size(keep));
        verify_ok();

        /* Caught half-way down: the frames above the catcher stay. */
        memset(addrs, 0, 16 * sizeof *addrs);
        catcher(0, addrs);
        assert_ptr_equal(wgc_frames_top, saved);
    }
    assert_null(wgc_frames_top);
    collect();
    assert_false(is_object(keep));
    free(addrs);
}

/* ---- the verifier and poisoning ------------------------------------------------------- */

static void test_verify_reports_pointer_to_freed_object(void **state)
{
    (void)state;
    void *vals[16] = {NULL};
    struct wgc_frame f = {NULL, 16, NULL, vals};
    wgc_frame_push(&f);
    for (int i = 0; i < 16; i++) {
        struct v6k *v = wgc_alloc(&v6k_type);
        assert_non_null(v);
        v->id = (uintptr_t)i;
        memset(v->pad, 0x5a, sizeof v->pad);
        vals[i] = v;
    }
    /* C's address goes where no collector looks; then C is dropped. */
    uintptr_t *hidden = malloc(sizeof *hidden);
    assert_non_null(hidden);
    *hidden = (uintptr_t)vals[8];
    size_t usable = wgc_usable_size(vals[8]);
    assert_true(usable >= sizeof(struct v6k));
    vals[8] = NULL;
    collect();
    assert_false(is_object((void *)*hidden));
    assert_true(is_object(vals[7]));
    assert_true(is_object(vals[9]));
    verify_ok();

    if (WGC_DEBUG >= 2) {
        /* Debug builds poison freed slots. */
        const unsigned char *b = (const unsigned char *)*hidden;
        for (size_t i = 0; i < usable; i++)
            if (b[i] != 0xdb)
                fail_msg("freed slot %p: byte %zu is %#x, not the poison 0xdb", (void *)b, i, b[i]);
    }

    /* A live object now points to the freed one: a missing root, which the
     * verifier sees where freed slots are poisoned (debug builds, or
     * verify_each_gc: wgc.h). */
    struct v6k *a = vals[0];
    a->ref = (void *)*hidden;
    char msg[256];
    if (WGC_DEBUG < 2) {
        assert_true(wgc_verify(msg, sizeof msg));
        a->ref = NULL;
        free(hidden);
        wgc_frame_pop(&f);
        return;
    }
    assert_false(wgc_verify(msg, sizeof msg));
    if (strstr(msg, "freed object") == NULL || strstr(msg, "missing root") == NULL)
        fail_msg("wgc_verify's message does not name the freed object: %s", msg);
    char addr[32];
    snprintf(addr, sizeof addr, "%p", (void *)*hidden);
    if (strstr(msg, addr) == NULL)
        fail_msg("wgc_verify's message does not give the freed object's address %s: %s", addr,
                 msg);
    /* A short buffer gets a truncated, terminated message; NULL gets none. */
    char tiny[8];
    memset(tiny, 'x', sizeof tiny);
    assert_false(wgc_verify(tiny, sizeof tiny));
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
    assert_false(wgc_verify(NULL, 0));

    a->ref = NULL;
    verify_ok();
    wgc_frame_pop(&f);
    free(hidden);
}

/* wgc.h: a tagged integer or an interior pointer in a pointer field "is
 * ignored: it neither keeps anything alive nor crashes the collector".  So
 * such a value is no violation for the verifier either, also when it lands
 * in pages that are free now (a fixnum may have any odd value; on wasm32
 * most of the address space is heap). */

static void test_verify_ignores_non_references_into_free_pages(void **state)
{
    (void)state;
    struct tri *holder = wgc_alloc(&tri_type);
    assert_non_null(holder);
    r_vholder = holder;
    assert_true(wgc_root_add(&r_vholder));
    assert_true(wgc_root_add(&r_vl1));
    assert_true(wgc_root_add(&r_vl2));
    /* Three large objects side by side; the middle one is freed, so its
     * pages form a free run of their own. */
    const size_t sz = 48 * KiB;
    uintptr_t freed = 0;
    for (int tries = 0; tries < 20 && freed == 0; tries++) {
        unsigned char *l1 = wgc_alloc_bytes(sz), *mid = wgc_alloc_bytes(sz),
                      *l2 = wgc_alloc_bytes(sz);
        assert_true(l1 && mid && l2);
        size_t span = wgc_usable_size(mid);
        if ((uintptr_t)l1 + span == (uintptr_t)mid && (uintptr_t)mid + span == (uintptr_t)l2) {
            r_vl1 = l1;
            r_vl2 = l2;
            freed = (uintptr_t)mid;
        }
    }
    assert_true(freed != 0);
    collect();
    assert_false(is_object((void *)freed));
    verify_ok();

    holder->f[0] = (void *)(freed | 1);   /* a tagged integer */
    char msg[256];
    bool ok = wgc_verify(msg, sizeof msg);
    holder->f[0] = (void *)(freed + 40);  /* an interior pointer */
    char msg2[256];
    bool ok2 = wgc_verify(msg2, sizeof msg2);
    holder->f[0] = NULL;
    assert_true(wgc_root_remove(&r_vholder));
    assert_true(wgc_root_remove(&r_vl1));
    assert_true(wgc_root_remove(&r_vl2));
    r_vholder = r_vl1 = r_vl2 = NULL;
    if (!ok)
        fail_msg("wgc_verify rejects a tagged integer (%#lx) in a pointer field: %s",
                 (unsigned long)(freed | 1), msg);
    if (!ok2)
        fail_msg("wgc_verify rejects an interior pointer (%#lx) in a pointer field: %s",
                 (unsigned long)(freed + 40), msg2);
}

/* ---- stats ------------------------------------------------------------------------------- */


static void test_pause_stats_and_live_bytes(void **state)
{
    (void)state;
    struct wgc_stats s0 = collect();
    /* A live set of lists and arrays of several classes. */
    r_list = NULL;
    assert_true(wgc_root_add(&r_list));
    uint64_t live = 0;
    struct rng r = test_rng("pause_stats");
    for (int i = 0; i < 30000; i++) {
        struct elem *e = wgc_alloc_array(&elem_type, 1 + rng_below(&r, 60));
        assert_non_null(e);
        e[0].p = r_list;
        r_list = e;
        live += wgc_usable_size(e);
        if (i % 3 == 0)
            new_node(0);   /* garbage */
    }
    assert_true(stats_now().num_gc > s0.num_gc);   /* 30000 arrays: pacing collected */
    struct wgc_stats sb = stats_now();
    for (int k = 0; k < 3; k++)
        collect();
    struct wgc_stats st = stats_now();
    assert_int_equal(st.num_gc, sb.num_gc + 3);
    assert_int_equal(st.live_bytes, live);
    assert_int_equal(st.heap_alloc, live);
    assert_true(st.pause_max_ns > 0);
    assert_true(st.pause_last_ns > 0);
    assert_true(st.pause_total_ns - sb.pause_total_ns >= st.pause_last_ns);
    assert_true(st.pause_max_ns >= st.pause_last_ns);
    uint64_t hist = 0;
    for (int b = 0; b < WGC_PAUSE_BUCKETS; b++)
        hist += st.pause_hist[b];
    assert_int_equal(hist, st.num_gc);
    /* The last pause is in the bucket its length says. */
    uint64_t us = st.pause_last_ns / 1000;
    int bucket = 0;
    while (us > 0 && bucket < WGC_PAUSE_BUCKETS - 1)
        us >>= 1, bucket++;
    assert_true(st.pause_hist[bucket] > 0);
    /* The goal at gc_percent = 100: twice the live heap, at least 4 MiB. */
    uint64_t goal = 2 * live < 4 * MiB ? 4 * MiB : 2 * live;
    assert_true(st.next_gc <= goal && st.next_gc + 100 >= goal);
    /* Per class: what was allocated minus what was freed adds up. */
    uint64_t cls_malloc = 0, cls_free = 0;
    for (unsigned c = 1; c < st.num_classes && c < WGC_NUM_SIZE_CLASSES_MAX; c++) {
        cls_malloc += st.classes[c].nmalloc;
        cls_free += st.classes[c].nfree;
        if (c > 1)
            assert_true(st.classes[c].size > st.classes[c - 1].size);
    }
    assert_int_equal(cls_malloc - cls_free + st.nlarge, st.nmalloc - st.nfree);

    assert_true(wgc_root_remove(&r_list));
    r_list = NULL;
    struct wgc_stats s2 = collect();
    assert_int_equal(s2.live_bytes, 0);
    assert_int_equal(s2.bytes_freed - st.bytes_freed, live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_model, teardown),
        cmocka_unit_test_teardown(test_cycles_are_collected, teardown),
        cmocka_unit_test_teardown(test_large_objects_and_pointer_arrays, teardown),
        cmocka_unit_test_teardown(test_pointer_array_across_arenas, teardown),
        cmocka_unit_test_teardown(test_global_root_added_twice, teardown),
        cmocka_unit_test_teardown(test_locals, teardown),
        cmocka_unit_test_teardown(test_array_frame, teardown),
        cmocka_unit_test_teardown(test_conservative_range_and_interior_pointers, teardown),
        cmocka_unit_test_teardown(test_tagged_integers_in_pointer_fields, teardown),
        cmocka_unit_test_teardown(test_longjmp_restores_frames, teardown),
        cmocka_unit_test_teardown(test_verify_reports_pointer_to_freed_object, teardown),
        cmocka_unit_test_teardown(test_verify_ignores_non_references_into_free_pages, teardown),
        cmocka_unit_test_teardown(test_pause_stats_and_live_bytes, teardown),
    };
    return cmocka_run_group_tests_name("gc", tests, group_setup, NULL);
}
