/* test_span.c — spans on their own (heap/span.h, S1–S6), below the runtime:
 * new small spans of several classes and large spans, the allocation cache
 * (span_next_free / span_refill_cache / span_fold_cache), sweeping with
 * some slots marked, the central lists, span_check on good spans and on
 * spans broken one invariant at a time, and randomized sequences of all of
 * that against a model of every slot (WGC_SEED replays one).
 * The library is linked but never initialised: the suite drives span.c and
 * the page allocator directly, as test_pages.c does, and every test gives
 * its spans back. */
#include "testutil.h"

#include "pages.h"
#include "sizeclass.h"
#include "span.h"

#define LIMIT ((uint64_t)256 << 20)

/* ---- helpers ------------------------------------------------------------------ */

static int group_setup(void **state)
{
    (void)state;
    sizeclass_init();
    span_init();
    return 0;
}

/* Every test gives back what it took.  A failed test may leave spans
 * behind; they become the next tests' baseline, so that one failure is
 * reported once. */
static uint64_t spans_left, bytes_left;

static int teardown(void **state)
{
    (void)state;
    if (heap.nspans_inuse != spans_left || heap.inuse_bytes != bytes_left) {
        fprintf(stderr, "teardown: %llu spans (%llu bytes) still in use\n",
                (unsigned long long)(heap.nspans_inuse - spans_left),
                (unsigned long long)(heap.inuse_bytes - bytes_left));
        spans_left = heap.nspans_inuse;
        bytes_left = heap.inuse_bytes;
        return -1;
    }
    const char *why = pages_check();
    if (why != NULL) {
        fprintf(stderr, "teardown: pages_check: %s\n", why);
        return -1;
    }
    return 0;
}

static void check_ok(const struct wgc_span *s, const char *when)
{
    const char *why = span_check(s);
    if (why != NULL)
        fail_msg("%s: class %u span at %p: %s", when, s->sizeclass, (void *)s->base, why);
}

/* span_check finds the fault, and says so with both words. */
static void expect_fault(const struct wgc_span *s, const char *tag, const char *words)
{
    const char *why = span_check(s);
    if (why == NULL)
        fail_msg("span_check missed a fault (want %s, \"%s\")", tag, words);
    if (strstr(why, tag) == NULL || strstr(why, words) == NULL)
        fail_msg("span_check: \"%s\", want %s and \"%s\"", why, tag, words);
}

/* Bits of allocbits / markbits set at slot nelems or later, or in the
 * words past the span's. */
static bool bits_beyond(const uint64_t *b, uint32_t nelems)
{
    for (uint32_t i = nelems; i < SPAN_BITWORDS * 64; i++)
        if (bit_get(b, i))
            return true;
    return false;
}

static bool bits_zero(const uint64_t *b)
{
    for (uint32_t w = 0; w < SPAN_BITWORDS; w++)
        if (b[w] != 0)
            return false;
    return true;
}

static bool bytes_are(uintptr_t p, size_t len, unsigned char v)
{
    const unsigned char *b = (const unsigned char *)p;
    for (size_t i = 0; i < len; i++)
        if (b[i] != v)
            return false;
    return true;
}

/* The classes the tests use: the smallest two, the one with the most
 * slots, the first whose slot count is above 64 and no multiple of 64
 * (a partial last cache window), the first with under 64 slots (a partial
 * first window), the first of several pages, and the largest. */
static unsigned classes[8];
static unsigned nclasses;

static void pick_classes(void)
{
    unsigned most = 1, partial = 0, few = 0, multi = 0;
    for (unsigned c = 1; c < sc_nclasses; c++) {
        if (sc_nelems[c] > sc_nelems[most])
            most = c;
        if (partial == 0 && sc_nelems[c] > 64 && sc_nelems[c] % 64 != 0)
            partial = c;
        if (few == 0 && sc_nelems[c] < 64)
            few = c;
        if (multi == 0 && sc_pages[c] > 1)
            multi = c;
    }
    unsigned want[] = {1, 2, most, partial, few, multi, sc_nclasses - 1};
    nclasses = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        bool dup = want[i] == 0;
        for (unsigned k = 0; k < nclasses; k++)
            dup |= classes[k] == want[i];
        if (!dup)
            classes[nclasses++] = want[i];
    }
    assert_true(nclasses >= 5);   /* the table has all these kinds */
    assert_true(partial != 0 && few != 0 && multi != 0);
}

/* Take every free slot of s through its cache (as the runtime's current
 * span does), in ascending order; their indexes go to got[]. */
static uint32_t take_all(struct wgc_span *s, uint32_t *got)
{
    uint32_t n = 0;
    for (;;) {
        uintptr_t p = span_next_free(s);
        if (p == 0) {
            if (!span_refill_cache(s))
                break;
            p = span_next_free(s);
            assert_true(p != 0);   /* a refilled cache has a slot */
        }
        assert_true(p >= s->base && p < span_limit(s));
        uint32_t i = span_index(s, p);
        assert_int_equal(span_slot(s, i), p);
        assert_true(i < s->nelems);
        got[n++] = i;
        assert_true(n <= s->nelems);
    }
    return n;
}

/* ---- new spans ------------------------------------------------------------------ */

static void test_small_spans(void **state)
{
    (void)state;
    pick_classes();
    for (unsigned k = 0; k < nclasses; k++) {
        for (int noscan = 0; noscan < 2; noscan++) {
            unsigned c = classes[k];
            uint64_t inuse = heap.inuse_bytes, nspans = heap.nspans_inuse;
            uint64_t ofclass = heap.class_spans[c];
            struct wgc_span *s = span_alloc_small(c, noscan, LIMIT);
            assert_non_null(s);
            assert_int_equal(s->state, SPAN_SMALL);
            assert_int_equal(s->list, LIST_NONE);
            assert_int_equal(s->sizeclass, c);
            assert_int_equal(s->noscan, noscan);
            assert_int_equal(s->current, 0);
            assert_int_equal(s->npages, sc_pages[c]);
            assert_int_equal(s->elemsize, sc_size[c]);
            assert_int_equal(s->nelems, sc_nelems[c]);
            assert_int_equal(s->base % HEAP_PAGE, 0);
            assert_int_equal(s->nalloc, 0);
            assert_int_equal(s->sweepgen, heap.sweepgen);
            assert_int_equal(s->freeindex, 0);
            assert_int_equal(s->needzero, 0);
            assert_true(s->allocbits != s->markbits);
            assert_true(bits_zero(s->allocbits) && bits_zero(s->markbits));
            uint64_t first = s->nelems >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << s->nelems) - 1;
            assert_int_equal(s->alloccache, first);
            /* The bitmap shortcut exactly for scanned spans of small slots. */
            if (noscan || s->elemsize > 64 * WORD)
                assert_null(s->bm);
            else if (arena_of(span_limit(s) - 1) == arena_of(s->base))
                assert_non_null(s->bm);
            /* S1 and zeroed memory. */
            for (uint32_t p = 0; p < s->npages; p++)
                assert_ptr_equal(arena_span_of(s->base + p * HEAP_PAGE), s);
            assert_true(bytes_are(s->base, (size_t)s->npages * HEAP_PAGE, 0));
            /* Slot addresses and indexes, interior pointers too. */
            for (uint32_t i = 0; i < s->nelems; i++) {
                uintptr_t p = span_slot(s, i);
                assert_int_equal(p, s->base + (uintptr_t)i * s->elemsize);
                assert_int_equal(span_index(s, p), i);
                assert_int_equal(span_index(s, p + s->elemsize - 1), i);
            }
            assert_true((uint64_t)s->nelems * s->elemsize <= (uint64_t)s->npages * HEAP_PAGE);
            check_ok(s, "new small span");
            assert_int_equal(heap.inuse_bytes, inuse + (uint64_t)s->npages * HEAP_PAGE);
            assert_int_equal(heap.nspans_inuse, nspans + 1);
            assert_int_equal(heap.class_spans[c], ofclass + 1);
            span_free(s);
            assert_int_equal(heap.inuse_bytes, inuse);
            assert_int_equal(heap.nspans_inuse, nspans);
            assert_int_equal(heap.class_spans[c], ofclass);
            assert_null(pages_check());
        }
    }
}

/* Reused pages come back zeroed, also after a poisoning sweep. */
static void test_reused_pages_are_zeroed(void **state)
{
    (void)state;
    pick_classes();
    for (unsigned k = 0; k < nclasses; k++) {
        unsigned c = classes[k];
        struct wgc_span *s = span_alloc_small(c, false, LIMIT);
        assert_non_null(s);
        memset((void *)s->base, 0x5a, (size_t)s->npages * HEAP_PAGE);
        bit_set(s->allocbits, 0);
        s->nalloc = 1;
        uint64_t bytes;
        assert_int_equal(span_sweep(s, true, &bytes), 1);   /* slot 0 poisoned */
        assert_true(span_slot_poisoned(s, 0));
        uintptr_t base = s->base;
        span_free(s);
        /* Mostly the same pages again (best fit, lowest address). */
        struct wgc_span *t = span_alloc_small(c, false, LIMIT);
        assert_non_null(t);
        if (t->base != base)
            printf("[  INFO    ] class %u: other pages this time\n", c);
        assert_int_equal(t->needzero, 0);
        assert_true(bytes_are(t->base, (size_t)t->npages * HEAP_PAGE, 0));
        check_ok(t, "span on reused pages");
        span_free(t);
    }
}

static void test_large_spans(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 2, 5, PAGES_RELEASE_MIN + 3, ARENA_PAGES + 3};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        for (int noscan = 0; noscan < 2; noscan++) {
            size_t n = sizes[k];
            uint64_t inuse = heap.inuse_bytes, large = heap.class_spans[0];
            struct wgc_span *s = span_alloc_large(n, noscan, LIMIT);
            assert_non_null(s);
            assert_int_equal(s->state, SPAN_LARGE);
            assert_int_equal(s->list, LIST_NONE);
            assert_int_equal(s->sizeclass, 0);
            assert_int_equal(s->noscan, noscan);
            assert_int_equal(s->npages, n);
            assert_int_equal(s->elemsize, n * HEAP_PAGE);
            assert_int_equal(s->nelems, 1);
            assert_int_equal(s->nalloc, 1);   /* its one object is allocated */
            assert_true(bit_get(s->allocbits, 0));
            assert_false(bits_beyond(s->allocbits, 1));
            assert_true(bits_zero(s->markbits));
            assert_int_equal(s->alloccache, 0);
            assert_null(s->bm);
            assert_int_equal(s->sweepgen, heap.sweepgen);
            assert_int_equal(span_limit(s), s->base + n * HEAP_PAGE);
            for (size_t p = 0; p < n; p++) {
                assert_ptr_equal(arena_span_of(s->base + p * HEAP_PAGE), s);
                assert_int_equal(span_index(s, s->base + p * HEAP_PAGE + 123), 0);
            }
            check_ok(s, "new large span");
            assert_int_equal(heap.inuse_bytes, inuse + n * HEAP_PAGE);
            assert_int_equal(heap.class_spans[0], large + 1);
            span_free(s);
            assert_int_equal(heap.inuse_bytes, inuse);
            assert_int_equal(heap.class_spans[0], large);
        }
    }
    assert_null(pages_check());
}

/* Past the limit: NULL, and nothing changes. */
static void test_spans_past_the_limit(void **state)
{
    (void)state;
    uint64_t heap_before = arena_heap_bytes, inuse = heap.inuse_bytes;
    uint64_t nspans = heap.nspans_inuse, large = heap.class_spans[0];
    assert_null(span_alloc_large((size_t)(LIMIT / HEAP_PAGE) + 1, false, LIMIT));
    assert_null(span_alloc_large((size_t)(LIMIT / HEAP_PAGE) + 1, true, LIMIT));
    assert_int_equal(arena_heap_bytes, heap_before);
    assert_int_equal(heap.inuse_bytes, inuse);
    assert_int_equal(heap.nspans_inuse, nspans);
    assert_int_equal(heap.class_spans[0], large);
    /* With a limit the heap already passed, small spans come from free
     * pages only: the page allocator has some, so one fits. */
    struct wgc_span *s = span_alloc_small(1, false, 1);
    if (s != NULL) {
        assert_int_equal(arena_heap_bytes, heap_before);
        check_ok(s, "small span under a passed limit");
        span_free(s);
    }
    assert_null(pages_check());
}

/* ---- the allocation cache ---------------------------------------------------------- */

/* Every slot handed out exactly once, in order; folding makes allocbits
 * exact (all nelems bits, none past), and folding again changes nothing. */
static void test_cache_hands_out_every_slot_once(void **state)
{
    (void)state;
    pick_classes();
    uint32_t *got = calloc(SC_MAX_ELEMS, sizeof *got);
    assert_non_null(got);
    for (unsigned k = 0; k < nclasses; k++) {
        struct wgc_span *s = span_alloc_small(classes[k], k % 2, LIMIT);
        assert_non_null(s);
        s->current = 1;
        uint32_t n = take_all(s, got);
        assert_int_equal(n, s->nelems);
        for (uint32_t i = 0; i < n; i++)
            assert_int_equal(got[i], i);
        assert_int_equal(s->alloccache, 0);
        assert_false(span_refill_cache(s));   /* stays empty */
        assert_int_equal(span_next_free(s), 0);
        check_ok(s, "current span, cache empty");   /* S2 waits for the fold */
        span_fold_cache(s);
        assert_int_equal(popcount_bits(s->allocbits, s->nelems), s->nelems);
        assert_false(bits_beyond(s->allocbits, s->nelems));
        uint64_t copy[SPAN_BITWORDS];
        memcpy(copy, s->allocbits, sizeof copy);
        span_fold_cache(s);
        assert_memory_equal(copy, s->allocbits, sizeof copy);
        s->nalloc = s->nelems;
        s->current = 0;
        check_ok(s, "full span after the fold");
        span_free(s);
    }
    free(got);
}

/* A fold part-way: the slots taken so far, exactly, in every window. */
static void test_fold_part_way(void **state)
{
    (void)state;
    pick_classes();
    struct rng r = test_rng("span_fold_part_way");
    for (unsigned k = 0; k < nclasses; k++) {
        struct wgc_span *s = span_alloc_small(classes[k], false, LIMIT);
        assert_non_null(s);
        s->current = 1;
        uint32_t want = (uint32_t)rng_below(&r, s->nelems + 1), taken = 0;
        while (taken < want) {
            uintptr_t p = span_next_free(s);
            if (p == 0) {
                assert_true(span_refill_cache(s));
                continue;
            }
            assert_int_equal(span_index(s, p), taken);
            taken++;
        }
        span_fold_cache(s);
        for (uint32_t i = 0; i < s->nelems; i++)
            if (bit_get(s->allocbits, i) != (i < want))
                fail_msg("class %u: %u of %u slots taken, slot %u's bit is %d", classes[k],
                         want, s->nelems, i, (int)bit_get(s->allocbits, i));
        assert_false(bits_beyond(s->allocbits, s->nelems));
        s->nalloc = want;
        s->current = 0;
        check_ok(s, "span folded part-way");
        span_free(s);
    }
}

/* A swept span's cache offers exactly its free slots: patterns of
 * allocated slots set by hand, then the cache reset as after a sweep. */
static void test_cache_skips_allocated_slots(void **state)
{
    (void)state;
    pick_classes();
    struct rng r = test_rng("span_cache_skips");
    uint32_t *got = calloc(SC_MAX_ELEMS, sizeof *got);
    assert_non_null(got);
    for (unsigned k = 0; k < nclasses; k++) {
        for (int pattern = 0; pattern < 4; pattern++) {
            struct wgc_span *s = span_alloc_small(classes[k], false, LIMIT);
            assert_non_null(s);
            /* 0: every other slot; 1: the whole first window; 2: random;
             * 3: all but the last slot. */
            for (uint32_t i = 0; i < s->nelems; i++) {
                bool a = pattern == 0   ? i % 2 == 0
                         : pattern == 1 ? i < 64
                         : pattern == 2 ? rng_below(&r, 3) == 0
                                        : i + 1 < s->nelems;
                if (a)
                    bit_set(s->allocbits, i);
            }
            uint64_t before[SPAN_BITWORDS];
            memcpy(before, s->allocbits, sizeof before);
            s->nalloc = popcount_bits(s->allocbits, s->nelems);
            span_reset_cache(s);
            check_ok(s, "span with allocated slots, cache reset");
            s->current = 1;
            uint32_t n = take_all(s, got);
            assert_int_equal(n, s->nelems - popcount_bits(before, s->nelems));
            for (uint32_t j = 0; j < n; j++) {
                assert_false(bit_get(before, got[j]));   /* never an allocated slot */
                if (j > 0)
                    assert_true(got[j] > got[j - 1]);     /* each once */
            }
            span_fold_cache(s);
            assert_int_equal(popcount_bits(s->allocbits, s->nelems), s->nelems);
            assert_false(bits_beyond(s->allocbits, s->nelems));
            s->nalloc = s->nelems;
            s->current = 0;
            check_ok(s, "span filled through its cache");
            span_free(s);
        }
    }
    free(got);
}

/* ---- sweeping --------------------------------------------------------------------- */

static uint64_t slot_sig(const struct wgc_span *s, uint32_t i)
{
    return ((uint64_t)s->base << 12) ^ ((uint64_t)i * 0x9E3779B97F4A7C15ULL) ^ 0x5157;
}

static void write_sig(const struct wgc_span *s, uint32_t i)
{
    uint64_t v = slot_sig(s, i);
    memcpy((void *)span_slot(s, i), &v, sizeof v);
    memcpy((void *)(span_slot(s, i) + s->elemsize - sizeof v), &v, sizeof v);
}

static bool has_sig(const struct wgc_span *s, uint32_t i)
{
    uint64_t a, b, v = slot_sig(s, i);
    memcpy(&a, (const void *)span_slot(s, i), sizeof a);
    memcpy(&b, (const void *)(span_slot(s, i) + s->elemsize - sizeof b), sizeof b);
    return a == v && b == v;
}

/* Some slots allocated (and filled in), some of those marked: the sweep
 * frees exactly the unmarked ones, zeroes or poisons them, keeps the
 * marked ones' bytes, makes allocbits the old markbits and clears the
 * markbits; the cache then offers the free slots. */
static void test_sweep_some_marked(void **state)
{
    (void)state;
    pick_classes();
    struct rng r = test_rng("span_sweep_some_marked");
    uint32_t *got = calloc(SC_MAX_ELEMS, sizeof *got);
    assert_non_null(got);
    for (unsigned k = 0; k < nclasses; k++) {
        for (int poison = 0; poison < 2; poison++) {
            struct wgc_span *s = span_alloc_small(classes[k], poison, LIMIT);
            assert_non_null(s);
            uint64_t alloc[SPAN_BITWORDS] = {0}, mark[SPAN_BITWORDS] = {0};
            uint32_t nmark = 0, ndead = 0;
            for (uint32_t i = 0; i < s->nelems; i++) {
                if (rng_below(&r, 4) == 0)
                    continue;   /* never allocated */
                bit_set(alloc, i);
                write_sig(s, i);
                if (rng_below(&r, 2) == 0) {
                    bit_set(mark, i);
                    nmark++;
                } else {
                    ndead++;
                }
            }
            if (nmark == 0) {   /* one live object at least: not the empty case */
                if (bit_get(alloc, 0))
                    ndead--;
                bit_set(alloc, 0);
                bit_set(mark, 0);
                write_sig(s, 0);
                nmark = 1;
            }
            memcpy(s->allocbits, alloc, sizeof alloc);
            memcpy(s->markbits, mark, sizeof mark);
            s->nalloc = popcount_bits(alloc, s->nelems);
            uint64_t bytes = 12345;
            uint32_t freed = span_sweep(s, poison, &bytes);
            assert_int_equal(freed, ndead);
            assert_int_equal(bytes, (uint64_t)ndead * s->elemsize);
            assert_memory_equal(s->allocbits, mark, sizeof mark);   /* allocbits := markbits */
            assert_true(bits_zero(s->markbits));
            assert_int_equal(s->nalloc, nmark);
            assert_int_equal(s->sweepgen, heap.sweepgen);
            assert_int_equal(s->needzero, poison && ndead > 0);
            assert_int_equal(s->list, LIST_NONE);
            for (uint32_t i = 0; i < s->nelems; i++) {
                uintptr_t p = span_slot(s, i);
                if (bit_get(mark, i)) {
                    if (!has_sig(s, i))
                        fail_msg("class %u: live slot %u lost its bytes", classes[k], i);
                } else if (bit_get(alloc, i) && poison) {
                    assert_true(span_slot_poisoned(s, i));
                    assert_true(bytes_are(p, s->elemsize, SPAN_POISON_BYTE));
                } else if (!bytes_are(p, s->elemsize, 0)) {
                    fail_msg("class %u: %s slot %u not zero after the sweep", classes[k],
                             bit_get(alloc, i) ? "freed" : "unused", i);
                }
            }
            /* The tail past the last slot is untouched (and zero). */
            uintptr_t end = span_slot(s, s->nelems);
            assert_true(bytes_are(end, span_limit(s) - end, 0));
            check_ok(s, "swept span");
            /* The cache starts again at slot 0 and offers the free slots. */
            assert_int_equal(s->freeindex, 0);
            s->current = 1;
            uint32_t n = take_all(s, got);
            assert_int_equal(n, s->nelems - nmark);
            for (uint32_t j = 0; j < n; j++)
                assert_false(bit_get(mark, got[j]));
            span_fold_cache(s);
            s->nalloc = s->nelems;
            s->current = 0;
            check_ok(s, "swept span filled again");
            span_free(s);
        }
    }
    free(got);
}

/* Nothing marked: every slot is freed; without poison the bytes are left
 * (the caller gives the span back, and its pages are zeroed on reuse),
 * with poison they are poisoned.  Large spans: freed or kept whole. */
static void test_sweep_empty_and_large(void **state)
{
    (void)state;
    for (int poison = 0; poison < 2; poison++) {
        struct wgc_span *s = span_alloc_small(3, false, LIMIT);
        assert_non_null(s);
        for (uint32_t i = 0; i < s->nelems; i += 3) {
            bit_set(s->allocbits, i);
            write_sig(s, i);
        }
        s->nalloc = popcount_bits(s->allocbits, s->nelems);
        uint32_t n = s->nalloc;
        uint64_t bytes;
        assert_int_equal(span_sweep(s, poison, &bytes), n);
        assert_int_equal(bytes, (uint64_t)n * s->elemsize);
        assert_int_equal(s->nalloc, 0);
        assert_true(bits_zero(s->allocbits) && bits_zero(s->markbits));
        for (uint32_t i = 0; i < s->nelems; i += 3)
            assert_true(poison ? span_slot_poisoned(s, i) : has_sig(s, i));
        check_ok(s, "empty swept span");
        span_free(s);
    }
    for (int marked = 0; marked < 2; marked++) {
        struct wgc_span *s = span_alloc_large(3, false, LIMIT);
        assert_non_null(s);
        memset((void *)s->base, 0x42, 3 * HEAP_PAGE);
        if (marked)
            bit_set(s->markbits, 0);
        uint64_t bytes;
        uint32_t freed = span_sweep(s, true, &bytes);
        assert_int_equal(freed, !marked);
        assert_int_equal(bytes, marked ? 0 : 3 * HEAP_PAGE);
        assert_int_equal(s->nalloc, marked);
        assert_int_equal(bit_get(s->allocbits, 0), marked);
        assert_true(bits_zero(s->markbits));
        /* A large object's bytes are never poisoned or zeroed by a sweep. */
        assert_true(bytes_are(s->base, 3 * HEAP_PAGE, 0x42));
        check_ok(s, "swept large span");
        span_free(s);
    }
}

/* ---- lists and sweep generations ----------------------------------------------------- */

static bool list_holds(const struct span_list_head *l, const struct wgc_span *s)
{
    size_t n = 0;
    bool found = false;
    for (const struct wgc_span *x = l->first; x != NULL; x = x->next, n++) {
        if (x->next != NULL)
            assert_ptr_equal(x->next->prev, x);
        found |= x == s;
    }
    assert_int_equal(n, l->len);
    if (l->first != NULL)
        assert_null(l->first->prev);
    return found;
}

/* Push, remove from the front, the middle and the back; span_list_of
 * names the list a span is on (S6); after a mark the spans are unswept
 * until swept (S3). */
static void test_lists_and_sweepgen(void **state)
{
    (void)state;
    enum { N = 5 };
    struct wgc_span *s[N];
    struct heap_central *cen = &heap.central[4][0];
    for (int i = 0; i < N; i++) {
        s[i] = span_alloc_small(4, false, LIMIT);
        assert_non_null(s[i]);
        span_list_push(&cen->partial, s[i], LIST_PARTIAL);
        assert_int_equal(s[i]->list, LIST_PARTIAL);
        assert_ptr_equal(span_list_of(s[i]), &cen->partial);
        assert_ptr_equal(cen->partial.first, s[i]);   /* pushed at the front */
    }
    assert_int_equal(cen->partial.len, N);
    for (int i = 0; i < N; i++)
        assert_true(list_holds(&cen->partial, s[i]));
    int order[N] = {N - 1, 2, 0, 3, 1};   /* front, middle, back, ... */
    for (int k = 0; k < N; k++) {
        struct wgc_span *x = s[order[k]];
        span_list_remove(&cen->partial, x);
        assert_int_equal(x->list, LIST_NONE);
        assert_null(span_list_of(x));
        assert_null(x->next);
        assert_null(x->prev);
        assert_false(list_holds(&cen->partial, x));
        assert_int_equal(cen->partial.len, (size_t)(N - 1 - k));
        check_ok(x, "span off its list");
        span_list_push(&cen->full, x, LIST_FULL);
        assert_ptr_equal(span_list_of(x), &cen->full);
    }
    assert_null(cen->partial.first);
    assert_int_equal(cen->full.len, N);
    /* A mark ends: every span needs sweeping, and is filed as unswept. */
    for (int i = 0; i < N; i++)
        span_list_remove(&cen->full, s[i]);
    heap.sweepgen += 2;
    for (int i = 0; i < N; i++) {
        expect_fault(s[i], "(S3)", "unswept");   /* not yet on the unswept list */
        span_list_push(&cen->unswept, s[i], LIST_UNSWEPT);
        check_ok(s[i], "unswept span on the unswept list");
        assert_ptr_equal(span_list_of(s[i]), &cen->unswept);
    }
    for (int i = 0; i < N; i++) {
        struct wgc_span *x = cen->unswept.first;
        span_list_remove(&cen->unswept, x);
        uint64_t bytes;
        span_sweep(x, false, &bytes);
        assert_int_equal(x->sweepgen, heap.sweepgen);
        check_ok(x, "swept span");
        span_free(x);
    }
    assert_int_equal(cen->unswept.len, 0);
    /* Large spans have lists of their own. */
    struct wgc_span *l = span_alloc_large(2, true, LIMIT);
    assert_non_null(l);
    span_list_push(&heap.large, l, LIST_LARGE);
    assert_ptr_equal(span_list_of(l), &heap.large);
    span_list_remove(&heap.large, l);
    heap.sweepgen += 2;
    span_list_push(&heap.large_unswept, l, LIST_LARGE_UNSWEPT);
    assert_ptr_equal(span_list_of(l), &heap.large_unswept);
    check_ok(l, "unswept large span");
    span_list_remove(&heap.large_unswept, l);
    uint64_t bytes;
    assert_int_equal(span_sweep(l, false, &bytes), 1);
    check_ok(l, "swept large span");
    span_free(l);
}

/* ---- span_check on broken spans ------------------------------------------------------ */

/* Each invariant broken once on a good span, then put back. */
static void test_check_catches_each_invariant(void **state)
{
    (void)state;
    pick_classes();
    /* A class with fewer than 64 slots leaves cache bits past nelems to set. */
    unsigned few = 0;
    for (unsigned c = 1; c < sc_nclasses && few == 0; c++)
        if (sc_nelems[c] < 64)
            few = c;
    assert_int_not_equal(few, 0);
    assert_true(sc_nelems[few] >= 3);
    struct wgc_span *s = span_alloc_small(few, false, LIMIT);
    assert_non_null(s);
    bit_set(s->allocbits, 1);
    s->nalloc = 1;
    span_reset_cache(s);
    check_ok(s, "good span");

    /* An in-use span in state "free". */
    s->state = SPAN_FREE;
    expect_fault(s, "span:", "bad state");
    s->state = SPAN_SMALL;

    /* S1: a struct the span map does not name (a copy of the good one). */
    struct wgc_span copy = *s;
    expect_fault(&copy, "(S1)", "does not map");

    /* Slots that run past the span's pages. */
    uint32_t elemsize = s->elemsize;
    s->elemsize = (uint32_t)(s->npages * HEAP_PAGE / s->nelems + 8);
    expect_fault(s, "span:", "overrun");
    s->elemsize = elemsize;

    /* S2: nalloc off by one -- but not for a current span. */
    s->nalloc = 2;
    expect_fault(s, "(S2)", "nalloc");
    s->current = 1;
    check_ok(s, "current span, nalloc not yet counted");
    s->current = 0;
    s->nalloc = 1;

    /* S3: sweepgen ahead, or two cycles behind; unswept off its list, and
     * swept on an unswept list. */
    s->sweepgen = heap.sweepgen + 2;
    expect_fault(s, "(S3)", "out of range");
    s->sweepgen = heap.sweepgen - 4;
    expect_fault(s, "(S3)", "out of range");
    s->sweepgen = heap.sweepgen - 2;
    expect_fault(s, "(S3)", "unswept");
    s->sweepgen = heap.sweepgen;
    s->list = LIST_UNSWEPT;
    expect_fault(s, "(S3)", "unswept");
    s->list = LIST_NONE;
    check_ok(s, "good span again");

    /* S4: an allocation bit past nelems (counted, so S2 holds), in the last
     * word and in a word past the span's; a mark bit outside a collection. */
    bit_set(s->allocbits, s->nelems);
    s->nalloc = 2;
    expect_fault(s, "(S4)", "allocation bit");
    s->allocbits[0] &= ~((uint64_t)1 << s->nelems);
    s->nalloc = 1;
    s->allocbits[SPAN_BITWORDS - 1] = (uint64_t)1 << 63;
    expect_fault(s, "(S4)", "allocation bit");
    s->allocbits[SPAN_BITWORDS - 1] = 0;
    bit_set(s->markbits, 1);
    expect_fault(s, "(S4)", "mark bit");
    s->markbits[0] = 0;
    s->markbits[SPAN_BITWORDS - 1] = 1;
    expect_fault(s, "(S4)", "mark bit");
    s->markbits[SPAN_BITWORDS - 1] = 0;
    check_ok(s, "good span again");

    /* S5: the cache offers an allocated slot, or a slot past nelems. */
    uint64_t cache = s->alloccache;
    s->alloccache |= (uint64_t)1 << 1;
    expect_fault(s, "(S5)", "allocated slot");
    s->alloccache = cache | (uint64_t)1 << s->nelems;
    expect_fault(s, "(S5)", "past nelems");
    s->alloccache = cache;
    check_ok(s, "good span again");

    /* S6 (one list, named by `list`) is the lists' business: span_check
     * does not walk them.  The list operations keep it: test_lists. */
    span_list_push(&heap.central[few][0].partial, s, LIST_PARTIAL);
    assert_true(list_holds(&heap.central[few][0].partial, s));
    assert_ptr_equal(span_list_of(s), &heap.central[few][0].partial);
    check_ok(s, "span on its list");
    span_list_remove(&heap.central[few][0].partial, s);

    /* A large span: the cache is no business of its. */
    struct wgc_span *l = span_alloc_large(1, false, LIMIT);
    assert_non_null(l);
    check_ok(l, "good large span");
    l->nalloc = 0;
    expect_fault(l, "(S2)", "nalloc");
    l->nalloc = 1;
    bit_set(l->allocbits, 1);
    l->nalloc = 2;
    expect_fault(l, "(S4)", "allocation bit");
    l->allocbits[0] = 1;
    l->nalloc = 1;
    check_ok(l, "good large span again");
    span_free(l);
    span_free(s);
}

/* ---- randomized sequences ---------------------------------------------------------- */

/* Per slot: what its bytes must be. */
enum slot_state { SL_ZERO, SL_POISON, SL_LIVE };

struct mspan {
    struct wgc_span *s;
    uint8_t slot[SC_MAX_ELEMS];   /* enum slot_state; SL_LIVE: allocated */
    uint32_t nlive;
};

static void model_check_span(const struct mspan *m)
{
    const struct wgc_span *s = m->s;
    check_ok(s, "random sequence");
    assert_int_equal(s->nalloc, m->nlive);
    for (uint32_t i = 0; i < s->nelems; i++) {
        bool live = m->slot[i] == SL_LIVE;
        if (bit_get(s->allocbits, i) != live)
            fail_msg("class %u span %p slot %u: allocbit %d, model says %s", s->sizeclass,
                     (void *)s->base, i, (int)bit_get(s->allocbits, i), live ? "live" : "free");
        uintptr_t p = span_slot(s, i);
        bool ok = m->slot[i] == SL_LIVE     ? has_sig(s, i)
                  : m->slot[i] == SL_POISON ? bytes_are(p, s->elemsize, SPAN_POISON_BYTE)
                                            : bytes_are(p, s->elemsize, 0);
        if (!ok)
            fail_msg("class %u span %p slot %u: bytes are not %s", s->sizeclass,
                     (void *)s->base, i,
                     m->slot[i] == SL_LIVE ? "the object's" : m->slot[i] ? "poison" : "zero");
    }
}

/* Allocate up to `want` slots from the span's cache, as a current span. */
static void model_alloc(struct mspan *m, uint32_t want)
{
    struct wgc_span *s = m->s;
    s->current = 1;
    for (uint32_t k = 0; k < want; k++) {
        uintptr_t p = span_next_free(s);
        if (p == 0 && span_refill_cache(s))
            p = span_next_free(s);
        if (p == 0)
            break;
        uint32_t i = span_index(s, p);
        if (m->slot[i] == SL_LIVE)
            fail_msg("class %u span %p: slot %u handed out while allocated", s->sizeclass,
                     (void *)s->base, i);
        /* The runtime zeroes a slot of a needzero span; else it is zero. */
        if (s->needzero)
            memset((void *)p, 0, s->elemsize);
        else if (!bytes_are(p, s->elemsize, 0))
            fail_msg("class %u span %p: slot %u handed out not zeroed", s->sizeclass,
                     (void *)s->base, i);
        write_sig(s, i);
        m->slot[i] = SL_LIVE;
        m->nlive++;
    }
    span_fold_cache(s);
    s->nalloc = popcount_bits(s->allocbits, s->nelems);
    s->current = 0;
}

/* Mark each live slot with probability keep/4, sweep; false when the span
 * is empty now (the caller frees it, as the runtime does). */
static bool model_sweep(struct mspan *m, struct rng *r)
{
    struct wgc_span *s = m->s;
    unsigned keep = (unsigned)rng_below(r, 5);
    bool poison = rng_below(r, 2);
    uint32_t ndead = 0, nmark = 0;
    for (uint32_t i = 0; i < s->nelems; i++) {
        if (m->slot[i] != SL_LIVE)
            continue;
        if (rng_below(r, 4) < keep) {
            bit_set(s->markbits, i);
            nmark++;
        } else {
            ndead++;
        }
    }
    uint64_t bytes;
    uint32_t freed = span_sweep(s, poison, &bytes);
    assert_int_equal(freed, ndead);
    assert_int_equal(bytes, (uint64_t)ndead * s->elemsize);
    if (nmark == 0)
        return false;   /* bytes left as they were unless poisoned: not checked */
    for (uint32_t i = 0; i < s->nelems; i++)
        if (m->slot[i] == SL_LIVE && !bit_get(s->allocbits, i))
            m->slot[i] = s->state == SPAN_LARGE ? SL_LIVE : poison ? SL_POISON : SL_ZERO;
    m->nlive = nmark;
    return true;
}

static void test_random_sequences(void **state)
{
    (void)state;
    struct rng r = test_rng("span_random");
    enum { MAXSPANS = 48, STEPS = 20000 };
    struct mspan *ms = calloc(MAXSPANS, sizeof *ms);
    assert_non_null(ms);
    size_t n = 0;
    uint64_t nsweeps = 0, nallocs = 0, nlarge = 0;
    for (int step = 0; step < STEPS; step++) {
        unsigned op = (unsigned)rng_below(&r, 100);
        if (n == 0 || (op < 20 && n < MAXSPANS)) {
            /* A new span: mostly small of any class, sometimes large. */
            struct mspan *m = &ms[n];
            memset(m, 0, sizeof *m);
            bool noscan = rng_below(&r, 2);
            if (rng_below(&r, 8) == 0) {
                size_t npages = 1 + rng_below(&r, rng_below(&r, 4) == 0 ? 40 : 6);
                m->s = span_alloc_large(npages, noscan, LIMIT);
                assert_non_null(m->s);
                write_sig(m->s, 0);
                m->slot[0] = SL_LIVE;
                m->nlive = 1;
                nlarge++;
            } else {
                unsigned c = 1 + (unsigned)rng_below(&r, sc_nclasses - 1);
                m->s = span_alloc_small(c, noscan, LIMIT);
                assert_non_null(m->s);
                assert_true(bytes_are(m->s->base, (size_t)m->s->npages * HEAP_PAGE, 0));
            }
            n++;
        } else if (op < 60) {
            /* Allocate from a small span through its cache. */
            struct mspan *m = &ms[rng_below(&r, n)];
            if (m->s->state == SPAN_SMALL) {
                model_alloc(m, 1 + (uint32_t)rng_below(&r, m->s->nelems));
                nallocs++;
            }
        } else if (op < 85) {
            /* A collection's sweep of one span: free it when empty. */
            size_t k = rng_below(&r, n);
            nsweeps++;
            if (!model_sweep(&ms[k], &r)) {
                span_free(ms[k].s);
                ms[k] = ms[--n];
            }
        } else {
            /* The span goes back whole. */
            size_t k = rng_below(&r, n);
            span_free(ms[k].s);
            ms[k] = ms[--n];
        }
        if (step % 25 == 0 || n < 4) {
            uint64_t bytes = 0;
            for (size_t k = 0; k < n; k++) {
                model_check_span(&ms[k]);
                bytes += (uint64_t)ms[k].s->npages * HEAP_PAGE;
            }
            assert_int_equal(heap.nspans_inuse, spans_left + n);
            assert_int_equal(heap.inuse_bytes, bytes_left + bytes);
            assert_null(pages_check());
        }
    }
    for (size_t k = 0; k < n; k++) {
        model_check_span(&ms[k]);
        span_free(ms[k].s);
    }
    printf("[ SPANS    ] %d steps: %llu cache runs, %llu sweeps, %llu large spans\n", STEPS,
           (unsigned long long)nallocs, (unsigned long long)nsweeps, (unsigned long long)nlarge);
    free(ms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_small_spans, teardown),
        cmocka_unit_test_teardown(test_reused_pages_are_zeroed, teardown),
        cmocka_unit_test_teardown(test_large_spans, teardown),
        cmocka_unit_test_teardown(test_spans_past_the_limit, teardown),
        cmocka_unit_test_teardown(test_cache_hands_out_every_slot_once, teardown),
        cmocka_unit_test_teardown(test_fold_part_way, teardown),
        cmocka_unit_test_teardown(test_cache_skips_allocated_slots, teardown),
        cmocka_unit_test_teardown(test_sweep_some_marked, teardown),
        cmocka_unit_test_teardown(test_sweep_empty_and_large, teardown),
        cmocka_unit_test_teardown(test_lists_and_sweepgen, teardown),
        cmocka_unit_test_teardown(test_check_catches_each_invariant, teardown),
        cmocka_unit_test_teardown(test_random_sequences, teardown),
    };
    return cmocka_run_group_tests_name("span", tests, group_setup, NULL);
}
