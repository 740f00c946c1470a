/* test_weak.c — weak references, ephemerons and finalizers (runtime/weak.c),
 * with the verifier after every collection, in generational mode (the
 * default) and, as test_weak_nogen, without it.
 * Resurrection, finalizers that allocate and register again, finalizable
 * cycles, weak references cleared exactly when the target dies, ephemeron
 * chains of 1000 in both orders (timed: linear), a value that references
 * its own key, and every kind of bad input. */
#include "testutil.h"

#ifdef WGC_TRACE
#define WGC_TRACE_ON WGC_TRACE   /* the build's knob: 0 records nothing */
#else
#define WGC_TRACE_ON 1
#endif
#ifndef WEAK_TEST_NOGEN
#define WEAK_TEST_NOGEN 0   /* test_weak_nogen.c: the same without generations */
#endif

#include "gcutil.h"
#include "wgc.h"

struct node {
    struct node *next;
    void *other;
    uintptr_t id;
};
WGC_TYPE(node_type, struct node, offsetof(struct node, next), offsetof(struct node, other));

static struct node *node(uintptr_t id)
{
    struct node *x = wgc_alloc(&node_type);
    assert_non_null(x);
    x->id = id;
    return x;
}

/* ---- weak references -------------------------------------------------------------- */

static void *w1, *w2;
static struct node *strong;

static void test_weak_cleared_when_target_dies(void **state)
{
    (void)state;
    wgc_root_add(&w1);
    wgc_root_add(&w2);
    wgc_root_add(&strong);
    strong = node(1);
    w1 = wgc_weak_new(strong);
    w2 = wgc_weak_new(node(2));   /* nothing else holds node 2 */
    assert_non_null(w1);
    assert_non_null(w2);
    collect();
    assert_ptr_equal(wgc_weak_get(w1), strong);   /* not before */
    assert_null(wgc_weak_get(w2));                /* and when */
    verify_ok();
    strong = NULL;
    collect();
    assert_null(wgc_weak_get(w1));
    assert_non_null(wgc_weak_new(NULL));
    w1 = w2 = NULL;
    collect();
    wgc_root_remove(&w1);
    wgc_root_remove(&w2);
    wgc_root_remove(&strong);
}

/* ---- ephemerons ----------------------------------------------------------------------- */

static void *e1, *e2;
static struct node *key;

static void test_ephemeron_basics(void **state)
{
    (void)state;
    wgc_root_add(&e1);
    wgc_root_add(&e2);
    wgc_root_add(&key);
    key = node(10);
    e1 = wgc_ephemeron_new(key, node(11));   /* value held only by the ephemeron */
    /* A value that references its own key: both die together. */
    struct node *k2 = node(20);
    WGC_LOCALS(k2);
    struct node *v2 = node(21);
    v2->other = k2;
    e2 = wgc_ephemeron_new(k2, v2);
    k2 = NULL;
    v2 = NULL;
    collect();
    assert_ptr_equal(wgc_ephemeron_key(e1), key);
    struct node *v = wgc_ephemeron_value(e1);
    assert_non_null(v);
    assert_int_equal(v->id, 11);
    assert_null(wgc_ephemeron_key(e2));
    assert_null(wgc_ephemeron_value(e2));
    verify_ok();
    key = NULL;
    collect();
    assert_null(wgc_ephemeron_key(e1));
    assert_null(wgc_ephemeron_value(e1));
    e1 = e2 = NULL;
    wgc_root_remove(&e1);
    wgc_root_remove(&e2);
    wgc_root_remove(&key);
}

/* A chain: ephemeron i's key is node i, its value node i+1; only node 0 is
 * held.  Every node lives, in whatever order the ephemerons were made; the
 * time is linear (printed for both orders). */
#define CHAIN 1000
static void **ephs;

static double chain(bool reverse, int n)
{
    WGC_TYPE(ptr_type, void *, 0);
    ephs = wgc_alloc_array(&ptr_type, (size_t)n);
    struct node *first = node(0), *prev = first;
    WGC_LOCALS(first, prev);
    for (int i = 1; i <= n; i++) {
        struct node *x = node((uintptr_t)i);
        WGC_LOCALS(x);
        int slot = reverse ? n - i : i - 1;
        void *e = wgc_ephemeron_new(prev, x);
        assert_non_null(e);
        ephs[slot] = e;   /* ephs is young or barriered below */
        wgc_write(&ephs[slot], e);
        prev = x;
    }
    prev = NULL;
    clock_t t0 = clock();
    collect();
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    for (int i = 0; i < n; i++) {
        void *e = ephs[i];
        struct node *k = wgc_ephemeron_key(e), *v = wgc_ephemeron_value(e);
        assert_non_null(k);
        assert_non_null(v);
        assert_int_equal(v->id, k->id + 1);
    }
    verify_ok();
    first = NULL;
    collect();
    for (int i = 0; i < n; i++)
        assert_null(wgc_ephemeron_value(ephs[i]));
    return secs;
}

static void test_ephemeron_chains(void **state)
{
    (void)state;
    wgc_root_add(&ephs);
    double f = chain(false, CHAIN), r = chain(true, CHAIN);
    double big = chain(true, 50 * CHAIN);
    printf("[  INFO    ] ephemeron chain of %d: %.4f s forward, %.4f s reversed; "
           "of %d reversed: %.4f s\n", CHAIN, f, r, 50 * CHAIN, big);
    ephs = NULL;
    wgc_root_remove(&ephs);
    collect();
}

/* ---- finalizers -------------------------------------------------------------------- */

static int runs;
static uintptr_t last_id;
static struct node *resurrected;

static void count(void *obj, void *data)
{
    (void)data;
    runs++;
    last_id = ((struct node *)obj)->id;
}

static void resurrect(void *obj, void *data)
{
    (void)data;
    runs++;
    resurrected = obj;
}

/* Allocates, and registers a finalizer on a new object. */
static void allocate_more(void *obj, void *data)
{
    (void)obj;
    (void)data;
    runs++;
    struct node *x = node(99);
    assert_true(wgc_finalizer_add(x, count, NULL));
    assert_int_equal(wgc_run_finalizers(), 0);   /* not from inside one */
    assert_int_equal(wgc_last_error(), WGC_ERR_BAD_ARG);
}

static void test_finalizers(void **state)
{
    (void)state;
    runs = 0;
    wgc_root_add(&resurrected);
    struct node *a = node(1);
    WGC_LOCALS(a);
    assert_true(wgc_finalizer_add(a, count, NULL));
    collect();
    assert_int_equal(wgc_finalizers_pending(), 0);   /* still reachable */
    a = NULL;
    collect();
    assert_int_equal(wgc_finalizers_pending(), 1);
    verify_ok();   /* the queued object is alive */
    assert_int_equal(wgc_run_finalizers(), 1);
    assert_int_equal(runs, 1);
    assert_int_equal(last_id, 1);
    collect();
    assert_int_equal(wgc_run_finalizers(), 0);   /* at most once */

    /* Resurrection: the object lives on, intact, and runs no more. */
    struct node *b = node(2);
    WGC_LOCALS(b);
    b->next = node(3);
    assert_true(wgc_finalizer_add(b, resurrect, NULL));
    b = NULL;
    collect();
    assert_int_equal(wgc_run_finalizers(), 1);
    assert_non_null(resurrected);
    collect();
    assert_int_equal(resurrected->id, 2);
    assert_int_equal(resurrected->next->id, 3);
    assert_int_equal(wgc_run_finalizers(), 0);
    resurrected = NULL;

    /* A finalizer that allocates and registers another. */
    runs = 0;
    struct node *c = node(4);
    WGC_LOCALS(c);
    assert_true(wgc_finalizer_add(c, allocate_more, NULL));
    c = NULL;
    collect();
    assert_int_equal(wgc_run_finalizers(), 1);
    collect();
    assert_int_equal(wgc_run_finalizers(), 1);   /* the one it registered */
    assert_int_equal(last_id, 99);

    /* A cycle of finalizable objects: each runs once. */
    runs = 0;
    struct node *x = node(5), *y = node(6);
    WGC_LOCALS(x, y);
    x->next = y;
    y->next = x;
    assert_true(wgc_finalizer_add(x, count, NULL));
    assert_true(wgc_finalizer_add(y, count, NULL));
    x = y = NULL;
    collect();
    assert_int_equal(wgc_run_finalizers(), 2);
    collect();
    assert_int_equal(wgc_run_finalizers(), 0);
    assert_int_equal(runs, 2);

    /* Removed before it dies: never runs. */
    struct node *d = node(7);
    WGC_LOCALS(d);
    assert_true(wgc_finalizer_add(d, count, NULL));
    assert_true(wgc_finalizer_remove(d));
    d = NULL;
    collect();
    assert_int_equal(wgc_run_finalizers(), 0);
    wgc_root_remove(&resurrected);
}

/* A weak reference to an object queued for finalization reads dead. */
static void *wq;

static void test_weak_before_finalization(void **state)
{
    (void)state;
    wgc_root_add(&wq);
    struct node *a = node(8);
    WGC_LOCALS(a);
    wq = wgc_weak_new(a);
    assert_true(wgc_finalizer_add(a, count, NULL));
    a = NULL;
    collect();
    assert_null(wgc_weak_get(wq));
    assert_int_equal(wgc_run_finalizers(), 1);
    wq = NULL;
    wgc_root_remove(&wq);
}


/* ---- the randomized model: weak references and ephemerons ----------------------------- */

#define MN 400   /* nodes the model follows */
#define MR 24    /* root slots */
#define MW 48    /* weak references and ephemerons held */

static struct {
    struct node *root[MR];
    void *weak[MW], *eph[MW];
} mr;

struct mnode {
    bool live;
    struct node *addr;
    int next, other;   /* ids, -1: none */
};

static struct mnode mn[MN];
static int wt[MW], ek[MW], ev[MW];   /* model: weak target, ephemeron key and value ids */
static bool reach[MN];

static int id_of(const struct node *x)
{
    return x == NULL ? -1 : (int)x->id;
}

static void mvisit(int id)
{
    while (id >= 0 && !reach[id]) {
        reach[id] = true;
        mvisit(mn[id].other);
        id = mn[id].next;
    }
}

static void mreach(void)
{
    memset(reach, 0, sizeof reach);
    for (int r = 0; r < MR; r++)
        mvisit(id_of(mr.root[r]));
    for (bool changed = true; changed;) {   /* ephemerons to their fixpoint */
        changed = false;
        for (int e = 0; e < MW; e++)
            if (mr.eph[e] != NULL && ek[e] >= 0 && reach[ek[e]] && ev[e] >= 0 && !reach[ev[e]]) {
                mvisit(ev[e]);
                changed = true;
            }
    }
}

/* A node the program may still touch: reachable now (a collection may run
 * at any allocation -- in stress mode at every one -- and free the others),
 * so the model's view is brought up to date first. */
static int pick_live(struct rng *r)
{
    mreach();
    for (int id = 0; id < MN; id++)
        if (mn[id].live && !reach[id])
            mn[id].live = false;
    for (int k = 0; k < 8; k++) {
        int id = (int)rng_below(r, MN);
        if (mn[id].live)
            return id;
    }
    return -1;
}

static void test_weak_model(void **state)
{
    (void)state;
    struct rng r = test_rng("weak_model");
    struct wgc_frame f = {NULL, sizeof mr / sizeof(void *), NULL, (void **)&mr};
    wgc_frame_push(&f);
    memset(&mr, 0, sizeof mr);
    memset(mn, 0, sizeof mn);
    int next_id = 0, checks = 0;
    for (int step = 0; step < 20000; step++) {
        int op = (int)rng_below(&r, 10);
        if (op < 3 && next_id < MN) {   /* a new node, into a root */
            struct node *x = node((uintptr_t)next_id);
            mn[next_id] = (struct mnode){true, x, -1, -1};
            mr.root[rng_below(&r, MR)] = x;
            next_id++;
        } else if (op < 5) {   /* link two live nodes, through the barrier */
            int a = pick_live(&r), b = pick_live(&r);
            if (a >= 0 && b >= 0) {
                if (rng_below(&r, 2)) {
                    WGC_STORE(mn[a].addr, next, mn[b].addr);
                    mn[a].next = b;
                } else {
                    WGC_STORE(mn[a].addr, other, mn[b].addr);
                    mn[a].other = b;
                }
            }
        } else if (op < 6) {   /* drop a root */
            mr.root[rng_below(&r, MR)] = NULL;
        } else if (op < 7) {   /* a weak reference */
            int t = pick_live(&r), w = (int)rng_below(&r, MW);
            if (t >= 0) {
                mr.weak[w] = wgc_weak_new(mn[t].addr);
                wt[w] = t;
            }
        } else if (op < 8) {   /* an ephemeron */
            int k = pick_live(&r), v = pick_live(&r), e = (int)rng_below(&r, MW);
            if (k >= 0 && v >= 0) {
                mr.eph[e] = wgc_ephemeron_new(mn[k].addr, mn[v].addr);
                ek[e] = k;
                ev[e] = v;
            }
        } else if (op < 9) {
            mr.weak[rng_below(&r, MW)] = NULL;
        } else {   /* collect (major) and check everything against the model */
            collect();
            mreach();
            checks++;
            for (int w = 0; w < MW; w++)
                if (mr.weak[w] != NULL) {
                    void *t = wgc_weak_get(mr.weak[w]);
                    if (reach[wt[w]] != (t != NULL))
                        fail_msg("weak %d -> node %d: reachable %d, reads %p", w, wt[w],
                                 reach[wt[w]], t);
                    if (t != NULL)
                        assert_int_equal(((struct node *)t)->id, wt[w]);
                }
            for (int e = 0; e < MW; e++)
                if (mr.eph[e] != NULL) {
                    struct node *k = wgc_ephemeron_key(mr.eph[e]);
                    struct node *v = wgc_ephemeron_value(mr.eph[e]);
                    bool alive = ek[e] >= 0 && reach[ek[e]];   /* -1: cleared before */
                    if (alive != (k != NULL) || (k != NULL) != (v != NULL))
                        fail_msg("ephemeron %d (%d -> %d): key reachable %d, reads %p, %p", e,
                                 ek[e], ev[e], alive, (void *)k, (void *)v);
                    if (k != NULL) {
                        assert_int_equal(k->id, ek[e]);
                        assert_int_equal(v->id, ev[e]);
                    } else {
                        ek[e] = ev[e] = -1;
                    }
                }
            for (int id = 0; id < next_id; id++) {
                if (!mn[id].live)
                    continue;
                if (!reach[id]) {
                    mn[id].live = false;   /* may be freed now: never touched again */
                    continue;
                }
                /* Reachable: intact, and so are its links (their targets are
                 * reachable through it). */
                assert_int_equal(mn[id].addr->id, id);
                assert_int_equal(id_of(mn[id].addr->next), mn[id].next);
                assert_int_equal(id_of(mn[id].addr->other), mn[id].other);
            }
            if (next_id >= MN && rng_below(&r, 4) == 0)
                break;
        }
    }
    printf("[  INFO    ] weak model: %d nodes, %d checks\n", next_id, checks);
    memset(&mr, 0, sizeof mr);
    wgc_frame_pop(&f);
}


/* The trace shows the registries as counter tracks.  Left out of the
 * unaligned baseline (ALIGN=0), which refuses trace buffers off a 64 KiB
 * boundary by design (trace.h T1). */
#if !defined(SYS_ALIGN) || SYS_ALIGN
#define TRACE_TEST 1
#else
#define TRACE_TEST 0
#endif
#if TRACE_TEST
static void test_trace_counters(void **state)
{
    (void)state;
    char path[96];
    snprintf(path, sizeof path, "/tmp/wgc-test-weak-%ld-%d.json", (long)time(NULL), WEAK_TEST_NOGEN);
    assert_true(wgc_trace_start());
    struct node *a = node(1);
    WGC_LOCALS(a);
    assert_true(wgc_finalizer_add(a, count, NULL));
    a = NULL;
    collect();
    wgc_trace_stop();
    assert_true(wgc_trace_write_json(path));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    remove(path);
    if (WGC_TRACE_ON)
        assert_non_null(strstr(text, "finalizers_queued"));
    assert_int_equal(wgc_run_finalizers(), 1);
}
#endif

/* ---- bad input -------------------------------------------------------------------------- */

static void test_bad_input(void **state)
{
    (void)state;
    static int not_heap;
    struct node *a = node(1);
    WGC_LOCALS(a);
    assert_false(wgc_finalizer_add(NULL, count, NULL));
    assert_int_equal(wgc_last_error(), WGC_ERR_BAD_ARG);
    assert_false(wgc_finalizer_add(&not_heap, count, NULL));
    assert_false(wgc_finalizer_add((char *)a + 8, count, NULL));   /* interior */
    assert_false(wgc_finalizer_add(a, NULL, NULL));
    assert_false(wgc_finalizer_remove(a));   /* never registered */
    assert_int_equal(wgc_last_error(), WGC_ERR_BAD_ARG);
    assert_null(wgc_weak_new(&not_heap));
    assert_null(wgc_weak_new((char *)a + 8));
    assert_null(wgc_ephemeron_new(NULL, a));
    assert_null(wgc_weak_get(a));   /* not a weak reference */
    assert_int_equal(wgc_last_error(), WGC_ERR_BAD_ARG);
    assert_null(wgc_weak_get(NULL));
    assert_null(wgc_ephemeron_value(&not_heap));
    void *w = wgc_weak_new(a);
    assert_null(wgc_ephemeron_key(w));   /* a weak reference is not an ephemeron */
    /* A freed object: refused. */
    struct node *gone = node(2);
    uintptr_t addr = (uintptr_t)gone;
    gone = NULL;
    collect();
    if (wgc_usable_size((void *)addr) == 0)
        assert_false(wgc_finalizer_add((void *)addr, count, NULL));
    assert_int_equal(wgc_run_finalizers(), 0);   /* nothing queued: harmless */
}

static int setup(void **state)
{
    (void)state;
    struct wgc_config cfg;
    wgc_config_default(&cfg);
    cfg.verify_each_gc = true;
    const char *nogen = getenv("WGC_TEST_NOGEN");
    if (WEAK_TEST_NOGEN || (nogen != NULL && nogen[0] == '1'))
        cfg.gen = false;
    return wgc_init(&cfg) == WGC_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return heap_left_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_weak_cleared_when_target_dies, teardown),
        cmocka_unit_test_teardown(test_ephemeron_basics, teardown),
        cmocka_unit_test_teardown(test_ephemeron_chains, teardown),
        cmocka_unit_test_teardown(test_finalizers, teardown),
        cmocka_unit_test_teardown(test_weak_before_finalization, teardown),
        cmocka_unit_test_teardown(test_bad_input, teardown),
        cmocka_unit_test_teardown(test_weak_model, teardown),
#if TRACE_TEST
        cmocka_unit_test_teardown(test_trace_counters, teardown),
#endif
    };
    return cmocka_run_group_tests_name(WEAK_TEST_NOGEN ? "weak_nogen" : "weak", tests, setup, NULL);
}
