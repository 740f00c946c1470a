/* test_span.c — the span layer on its own (heap/span.h, S1–S5), below the
 * central lists and the runtime: new small and large spans and their slots,
 * the allocation cache (span_next_free / span_refill_cache /
 * span_fold_cache / span_reset_cache), sweeping, span_check's message for
 * each invariant broken once, and a randomized sequence against a model of
 * every slot (WGC_SEED replays it).
 *
 * The suite drives span.c and the page allocator directly, as test_pages.c
 * does: no list is used (that is test_central.c).  A cycle's start is
 * span_state.sweepgen += 2, which is all central_begin_cycle does to the
 * span layer (S3); the suite does it only when every span it holds is
 * swept.  Every test gives its spans back (the teardown checks). */
#include "testutil.h"

#include "pages.h"
#include "sizeclass.h"
#include "span.h"

#define LIMIT ((uint64_t)256 << 20)

/* ---- helpers ---------------------------------------------------------------- */

static int suite_setup(void **state)
{
    (void)state;
    span_init();
    return 0;
}

/* What was in use when the test began; a failed test's leftovers become the
 * next one's baseline so that one failure is reported once. */
static uint64_t base_spans, base_bytes;

static int check_given_back(void **state)
{
    (void)state;
    int rc = 0;
    if (span_state.nspans_inuse != base_spans || span_state.inuse_bytes != base_bytes) {
        fprintf(stderr, "teardown: %lld spans (%lld bytes) not given back\n",
                (long long)(span_state.nspans_inuse - base_spans),
                (long long)(span_state.inuse_bytes - base_bytes));
        rc = -1;
    }
    const char *why = pages_check();
    if (why != NULL) {
        fprintf(stderr, "teardown: pages_check: %s\n", why);
        rc = -1;
    }
    base_spans = span_state.nspans_inuse;
    base_bytes = span_state.inuse_bytes;
    return rc;
}

static void ok(const struct span *s, const char *when)
{
    const char *why = span_check(s);
    if (why != NULL)
        fail_msg("%s: span of class %u at %p: %s", when, s->sizeclass, (void *)s->base, why);
}

/* span_check reports a fault whose message holds both `label` and `words`. */
static void broken(const struct span *s, const char *label, const char *words)
{
    const char *why = span_check(s);
    if (why == NULL)
        fail_msg("span_check passed a span with %s broken (%s)", label, words);
    if (strstr(why, label) == NULL || strstr(why, words) == NULL)
        fail_msg("span_check said \"%s\"; expected %s and \"%s\"", why, label, words);
}

static bool all_bytes(uintptr_t p, size_t n, unsigned char v)
{
    const unsigned char *b = (const unsigned char *)p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != v)
            return false;
    return true;
}

static bool no_bits(const uint64_t *b)
{
    for (unsigned w = 0; w < SPAN_BITWORDS; w++)
        if (b[w] != 0)
            return false;
    return true;
}

/* Any bit at index `from` or later, up to the end of the array. */
static bool bits_from(const uint64_t *b, uint32_t from)
{
    for (uint32_t i = from; i < SPAN_BITWORDS * 64; i++)
        if (bit_get(b, i))
            return true;
    return false;
}

/* The classes most tests run over: the smallest, the most slots, one above
 * 64 slots and no multiple of 64 (a short last window), one under 64 slots
 * (a short first window), the first of several pages, the largest. */
static unsigned cls[8], ncls;

static void pick_classes(void)
{
    unsigned most = 1, ragged = 0, few = 0, multi = 0;
    for (unsigned c = 1; c < sc_nclasses; c++) {
        if (sc_nelems[c] > sc_nelems[most])
            most = c;
        if (!ragged && sc_nelems[c] > 64 && sc_nelems[c] % 64)
            ragged = c;
        if (!few && sc_nelems[c] < 64)
            few = c;
        if (!multi && sc_pages[c] > 1)
            multi = c;
    }
    assert_true(ragged && few && multi);
    unsigned want[] = {1, most, ragged, few, multi, sc_nclasses - 1};
    ncls = 0;
    for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++) {
        bool seen = false;
        for (unsigned k = 0; k < ncls; k++)
            seen |= cls[k] == want[i];
        if (!seen)
            cls[ncls++] = want[i];
    }
}

/* Start a cycle for the one span the test holds (S3): it needs sweeping. */
static void new_cycle(void)
{
    span_state.sweepgen += 2;
}

/* Take every slot the cache offers, refilling as a current span does;
 * their indexes go to idx[] in the order given.  Returns how many. */
static uint32_t drain(struct span *s, uint32_t *idx)
{
    uint32_t n = 0;
    for (;;) {
        uintptr_t p = span_next_free(s);
        if (p == 0) {
            if (!span_refill_cache(s))
                return n;
            p = span_next_free(s);
            assert_true(p != 0);
        }
        assert_true(p >= s->base && p < span_limit(s));
        uint32_t i = span_index(s, p);
        assert_true(i < s->nelems);
        assert_int_equal(span_slot(s, i), p);
        assert_true(n < s->nelems);
        idx[n++] = i;
    }
}

/* An object's contents: a word at each end that names its span and slot. */
static uint64_t sig(const struct span *s, uint32_t i)
{
    return ((uint64_t)s->base * 31) ^ ((uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull);
}

static void fill(const struct span *s, uint32_t i)
{
    uint64_t v = sig(s, i);
    uintptr_t p = span_slot(s, i);
    memcpy((void *)p, &v, sizeof v);
    memcpy((void *)(p + span_obj_bytes(s) - sizeof v), &v, sizeof v);
}

static bool filled(const struct span *s, uint32_t i)
{
    uint64_t a, b, v = sig(s, i);
    uintptr_t p = span_slot(s, i);
    memcpy(&a, (const void *)p, sizeof a);
    memcpy(&b, (const void *)(p + span_obj_bytes(s) - sizeof b), sizeof b);
    return a == v && b == v;
}

/* ---- new spans and their slots ------------------------------------------------ */

static void test_new_small_spans(void **state)
{
    (void)state;
    pick_classes();
    for (unsigned k = 0; k < ncls; k++)
        for (int noscan = 0; noscan < 2; noscan++) {
            unsigned c = cls[k];
            uint64_t bytes = span_state.inuse_bytes, n = span_state.nspans_inuse;
            uint64_t ofc = span_state.class_spans[c];
            struct span *s = span_alloc_small(c, noscan, LIMIT);
            assert_non_null(s);
            assert_int_equal(s->state, SPAN_SMALL);
            assert_int_equal(s->list, SPAN_LIST_NONE);
            assert_int_equal(s->sizeclass, c);
            assert_int_equal(s->noscan, noscan);
            assert_int_equal(s->current, 0);
            assert_int_equal(s->npages, sc_pages[c]);
            assert_int_equal(s->elemsize, sc_size[c]);
            assert_int_equal(s->nelems, sc_nelems[c]);
            assert_int_equal(s->nalloc, 0);
            assert_int_equal(s->needzero, 0);
            assert_int_equal(s->sweepgen, span_state.sweepgen);
            assert_int_equal(s->base % HEAP_PAGE, 0);
            assert_true((uint64_t)s->nelems * s->elemsize <= (uint64_t)s->npages * HEAP_PAGE);
            assert_ptr_not_equal(s->allocbits, s->markbits);
            assert_true(no_bits(s->allocbits) && no_bits(s->markbits));
            /* The cache offers the first window, and nothing past nelems. */
            assert_int_equal(s->freeindex, 0);
            uint64_t first = s->nelems >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << s->nelems) - 1;
            assert_int_equal(s->alloccache, first);
            /* The bitmap shortcut: scanned spans of slots of at most 64
             * words inside one arena, and no other. */
            if (noscan || s->elemsize > 64 * HEAP_WORD)
                assert_null(s->bm);
            else if (arena_of(span_limit(s) - 1) == arena_of(s->base))
                assert_non_null(s->bm);
            /* S1, and the pages are zero. */
            for (uint32_t p = 0; p < s->npages; p++)
                assert_ptr_equal(arena_span_of(s->base + (uintptr_t)p * HEAP_PAGE), s);
            assert_true(all_bytes(s->base, (size_t)s->npages * HEAP_PAGE, 0));
            /* Slots: addresses, indexes of interior pointers, span_of. */
            for (uint32_t i = 0; i < s->nelems; i++) {
                uintptr_t p = span_slot(s, i);
                assert_int_equal(p, s->base + (uintptr_t)i * s->elemsize);
                assert_int_equal(span_index(s, p), i);
                assert_int_equal(span_index(s, p + s->elemsize / 2), i);
                assert_int_equal(span_index(s, p + s->elemsize - 1), i);
                assert_ptr_equal(span_of(p), s);
                assert_int_equal(span_object_at(s, p), -1);   /* not allocated */
            }
            assert_ptr_equal(span_of(span_limit(s) - 1), s);
            assert_int_equal(span_obj_bytes(s), s->elemsize);
            bit_set(s->allocbits, 0);
            assert_int_equal(span_object_at(s, s->base), 0);
            assert_int_equal(span_object_at(s, s->base + 1), -1);   /* not its start */
            s->allocbits[0] = 0;
            ok(s, "new small span");
            assert_int_equal(span_state.inuse_bytes, bytes + (uint64_t)s->npages * HEAP_PAGE);
            assert_int_equal(span_state.nspans_inuse, n + 1);
            assert_int_equal(span_state.class_spans[c], ofc + 1);
            uintptr_t base = s->base;
            span_free(s);
            assert_null(span_of(base));   /* a stale map entry is not a span (H2) */
            assert_int_equal(span_state.inuse_bytes, bytes);
            assert_int_equal(span_state.nspans_inuse, n);
            assert_int_equal(span_state.class_spans[c], ofc);
            assert_null(pages_check());
        }
}

static void test_new_large_spans(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 3, PAGES_RELEASE_MIN + 1, ARENA_PAGES, ARENA_PAGES + 5};
    for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        for (int noscan = 0; noscan < 2; noscan++) {
            size_t np = sizes[k];
            uint64_t bytes = span_state.inuse_bytes, nlarge = span_state.class_spans[0];
            struct span *s = span_alloc_large(np, noscan, LIMIT);
            assert_non_null(s);
            assert_int_equal(s->state, SPAN_LARGE);
            assert_int_equal(s->list, SPAN_LIST_NONE);
            assert_int_equal(s->sizeclass, 0);
            assert_int_equal(s->noscan, noscan);
            assert_int_equal(s->npages, np);
            assert_int_equal(s->elemsize, np * HEAP_PAGE);
            assert_int_equal(s->nelems, 1);
            assert_int_equal(s->nalloc, 1);   /* its one object, allocated */
            assert_true(bit_get(s->allocbits, 0));
            assert_false(bits_from(s->allocbits, 1));
            assert_true(no_bits(s->markbits));
            assert_int_equal(s->alloccache, 0);
            assert_int_equal(span_next_free(s), 0);
            assert_null(s->bm);
            assert_int_equal(s->sweepgen, span_state.sweepgen);
            assert_int_equal(span_limit(s), s->base + np * HEAP_PAGE);
            assert_int_equal(span_obj_bytes(s), np * HEAP_PAGE);
            for (size_t p = 0; p < np; p++) {
                uintptr_t a = s->base + p * HEAP_PAGE;
                assert_ptr_equal(arena_span_of(a), s);
                assert_ptr_equal(span_of(a + 100), s);
                assert_int_equal(span_index(s, a + 100), 0);
            }
            assert_int_equal(span_object_at(s, s->base), 0);
            assert_int_equal(span_object_at(s, s->base + HEAP_WORD), -1);
            ok(s, "new large span");
            assert_int_equal(span_state.inuse_bytes, bytes + np * HEAP_PAGE);
            assert_int_equal(span_state.class_spans[0], nlarge + 1);
            span_free(s);
            assert_int_equal(span_state.inuse_bytes, bytes);
            assert_int_equal(span_state.class_spans[0], nlarge);
        }
    assert_null(pages_check());
}

/* Past the limit: NULL and nothing counted; under a limit the heap already
 * passed, free pages still serve. */
static void test_limit(void **state)
{
    (void)state;
    uint64_t heap = arena_heap_bytes, bytes = span_state.inuse_bytes;
    uint64_t n = span_state.nspans_inuse, nlarge = span_state.class_spans[0];
    for (int noscan = 0; noscan < 2; noscan++)
        assert_null(span_alloc_large((size_t)(LIMIT / HEAP_PAGE) + 1, noscan, LIMIT));
    assert_int_equal(arena_heap_bytes, heap);
    assert_int_equal(span_state.inuse_bytes, bytes);
    assert_int_equal(span_state.nspans_inuse, n);
    assert_int_equal(span_state.class_spans[0], nlarge);
    assert_true(page_heap.free_pages > 0);   /* earlier tests grew the heap */
    struct span *s = span_alloc_small(1, false, 1);
    assert_non_null(s);
    assert_int_equal(arena_heap_bytes, heap);
    ok(s, "small span under a passed limit");
    span_free(s);
}

/* Reused pages come back zero, also after a poisoning sweep left them
 * needzero. */
static void test_reused_pages_are_zero(void **state)
{
    (void)state;
    pick_classes();
    for (unsigned k = 0; k < ncls; k++) {
        struct span *s = span_alloc_small(cls[k], false, LIMIT);
        assert_non_null(s);
        memset((void *)s->base, 0x5a, (size_t)s->npages * HEAP_PAGE);
        bit_set(s->allocbits, 0);
        s->nalloc = 1;
        new_cycle();
        uint64_t bytes;
        assert_int_equal(span_sweep(s, true, &bytes), 1);
        assert_true(span_slot_poisoned(s, 0));
        assert_int_equal(s->needzero, 1);
        span_free(s);
        struct span *t = span_alloc_small(cls[k], false, LIMIT);
        assert_non_null(t);
        assert_int_equal(t->needzero, 0);
        assert_true(all_bytes(t->base, (size_t)t->npages * HEAP_PAGE, 0));
        ok(t, "span on reused pages");
        span_free(t);
    }
}

/* ---- the allocation cache -------------------------------------------------------- */

/* A new span hands out every slot once, in order; the fold then makes
 * allocbits exact, and folding again changes nothing. */
static void test_cache_every_slot_once(void **state)
{
    (void)state;
    pick_classes();
    uint32_t *idx = calloc(SC_MAX_ELEMS, sizeof *idx);
    assert_non_null(idx);
    for (unsigned k = 0; k < ncls; k++) {
        struct span *s = span_alloc_small(cls[k], k & 1, LIMIT);
        assert_non_null(s);
        s->current = 1;
        uint32_t n = drain(s, idx);
        assert_int_equal(n, s->nelems);
        for (uint32_t i = 0; i < n; i++)
            assert_int_equal(idx[i], i);
        assert_int_equal(s->alloccache, 0);
        assert_false(span_refill_cache(s));
        assert_int_equal(span_next_free(s), 0);
        assert_true(no_bits(s->allocbits));   /* the fast path wrote no bit */
        ok(s, "current span, all taken, not folded");   /* S2 waits for the fold */
        span_fold_cache(s);
        assert_int_equal(popcount_bits(s->allocbits, s->nelems), s->nelems);
        assert_false(bits_from(s->allocbits, s->nelems));
        uint64_t copy[SPAN_BITWORDS];
        memcpy(copy, s->allocbits, sizeof copy);
        span_fold_cache(s);
        assert_memory_equal(copy, s->allocbits, sizeof copy);
        s->current = 0;
        broken(s, "(S2)", "nalloc");   /* until the count is written */
        s->nalloc = s->nelems;
        ok(s, "full span, folded");
        span_free(s);
    }
    free(idx);
}

/* A fold part-way through: exactly the slots taken so far. */
static void test_fold_part_way(void **state)
{
    (void)state;
    pick_classes();
    struct rng r = test_rng("span_fold_part_way");
    for (unsigned k = 0; k < ncls; k++)
        for (int rep = 0; rep < 8; rep++) {
            struct span *s = span_alloc_small(cls[k], false, LIMIT);
            assert_non_null(s);
            s->current = 1;
            uint32_t want = rep == 0 ? 0 : rep == 1 ? 64 : (uint32_t)rng_below(&r, s->nelems + 1);
            if (want > s->nelems)
                want = s->nelems;
            for (uint32_t got = 0; got < want;) {
                uintptr_t p = span_next_free(s);
                if (p == 0) {
                    assert_true(span_refill_cache(s));
                    continue;
                }
                assert_int_equal(span_index(s, p), got);
                got++;
            }
            span_fold_cache(s);
            for (uint32_t i = 0; i < s->nelems; i++)
                if (bit_get(s->allocbits, i) != (i < want))
                    fail_msg("class %u: %u of %u taken, slot %u's bit is %d", cls[k], want,
                             s->nelems, i, (int)bit_get(s->allocbits, i));
            assert_false(bits_from(s->allocbits, s->nelems));
            /* Still current: the next slot handed out is the next one. */
            if (want < s->nelems) {
                uintptr_t p = span_next_free(s);
                if (p == 0) {
                    assert_true(span_refill_cache(s));
                    p = span_next_free(s);
                }
                assert_int_equal(span_index(s, p), want);
                span_fold_cache(s);
                want++;
            }
            s->current = 0;
            s->nalloc = want;
            ok(s, "span folded part-way");
            span_free(s);
        }
}

/* A swept span's cache (span_reset_cache) offers exactly its free slots,
 * each once, in order, across windows with none free. */
static void test_cache_skips_allocated(void **state)
{
    (void)state;
    pick_classes();
    struct rng r = test_rng("span_cache_skips");
    uint32_t *idx = calloc(SC_MAX_ELEMS, sizeof *idx);
    assert_non_null(idx);
    for (unsigned k = 0; k < ncls; k++)
        for (int pat = 0; pat < 5; pat++) {
            struct span *s = span_alloc_small(cls[k], true, LIMIT);
            assert_non_null(s);
            /* every third slot; the first window full; random; all but the
             * last; all but the first of the last window */
            uint32_t lastwin = (s->nelems - 1) / 64 * 64;
            for (uint32_t i = 0; i < s->nelems; i++) {
                bool a = pat == 0   ? i % 3 == 0
                         : pat == 1 ? i < 64
                         : pat == 2 ? rng_below(&r, 3) == 0
                         : pat == 3 ? i + 1 < s->nelems
                                    : i != lastwin;
                if (a)
                    bit_set(s->allocbits, i);
            }
            uint64_t before[SPAN_BITWORDS];
            memcpy(before, s->allocbits, sizeof before);
            uint32_t nfree = s->nelems - popcount_bits(before, s->nelems);
            s->nalloc = s->nelems - nfree;
            span_reset_cache(s);
            assert_int_equal(s->freeindex, 0);
            ok(s, "allocated slots, cache reset");
            s->current = 1;
            uint32_t n = drain(s, idx);
            assert_int_equal(n, nfree);
            for (uint32_t j = 0; j < n; j++) {
                assert_false(bit_get(before, idx[j]));
                if (j > 0)
                    assert_true(idx[j] > idx[j - 1]);
            }
            span_fold_cache(s);
            assert_int_equal(popcount_bits(s->allocbits, s->nelems), s->nelems);
            assert_false(bits_from(s->allocbits, s->nelems));
            s->nalloc = s->nelems;
            s->current = 0;
            ok(s, "filled through the cache");
            /* A full span's reset cache offers nothing. */
            span_reset_cache(s);
            assert_int_equal(s->alloccache, 0);
            assert_false(span_refill_cache(s));
            span_free(s);
        }
    free(idx);
}

/* ---- sweeping ---------------------------------------------------------------------- */

/* Some slots allocated and filled in, some of those marked: the sweep frees
 * exactly the unmarked ones, zeroes or poisons them, keeps the marked ones'
 * bytes, makes the markbits the allocbits, clears the markbits and resets
 * the cache to the free slots. */
static void test_sweep_some_marked(void **state)
{
    (void)state;
    pick_classes();
    struct rng r = test_rng("span_sweep_some_marked");
    uint32_t *idx = calloc(SC_MAX_ELEMS, sizeof *idx);
    assert_non_null(idx);
    for (unsigned k = 0; k < ncls; k++)
        for (int poison = 0; poison < 2; poison++) {
            struct span *s = span_alloc_small(cls[k], false, LIMIT);
            assert_non_null(s);
            uint64_t alloc[SPAN_BITWORDS] = {0}, mark[SPAN_BITWORDS] = {0};
            uint32_t nmark = 1, ndead = 0;
            bit_set(alloc, 0);   /* one live object at least: not the empty case */
            bit_set(mark, 0);
            fill(s, 0);
            for (uint32_t i = 1; i < s->nelems; i++) {
                if (rng_below(&r, 4) == 0)
                    continue;   /* never allocated */
                bit_set(alloc, i);
                fill(s, i);
                if (rng_below(&r, 2)) {
                    bit_set(mark, i);
                    nmark++;
                } else {
                    ndead++;
                }
            }
            memcpy(s->allocbits, alloc, sizeof alloc);
            memcpy(s->markbits, mark, sizeof mark);
            s->nalloc = popcount_bits(alloc, s->nelems);
            span_reset_cache(s);
            new_cycle();
            uint32_t gen = span_state.sweepgen;
            uint64_t bytes = 7;
            assert_int_equal(span_sweep(s, poison, &bytes), ndead);
            assert_int_equal(bytes, (uint64_t)ndead * s->elemsize);
            assert_memory_equal(s->allocbits, mark, sizeof mark);
            assert_true(no_bits(s->markbits));
            assert_int_equal(s->nalloc, nmark);
            assert_int_equal(s->sweepgen, gen);
            assert_int_equal(s->needzero, poison && ndead > 0);
            assert_int_equal(s->list, SPAN_LIST_NONE);
            for (uint32_t i = 0; i < s->nelems; i++) {
                uintptr_t p = span_slot(s, i);
                if (bit_get(mark, i)) {
                    if (!filled(s, i))
                        fail_msg("class %u: live slot %u lost its bytes", cls[k], i);
                } else if (bit_get(alloc, i) && poison) {
                    assert_true(span_slot_poisoned(s, i));
                    assert_true(all_bytes(p, s->elemsize, SPAN_POISON_BYTE));
                } else if (!all_bytes(p, s->elemsize, 0)) {
                    fail_msg("class %u: %s slot %u is not zero after the sweep", cls[k],
                             bit_get(alloc, i) ? "freed" : "unused", i);
                }
            }
            uintptr_t tail = span_slot(s, s->nelems);
            assert_true(all_bytes(tail, span_limit(s) - tail, 0));
            ok(s, "swept span");
            assert_int_equal(s->freeindex, 0);
            s->current = 1;
            uint32_t n = drain(s, idx);
            assert_int_equal(n, s->nelems - nmark);
            for (uint32_t j = 0; j < n; j++)
                assert_false(bit_get(mark, idx[j]));
            span_fold_cache(s);
            s->nalloc = s->nelems;
            s->current = 0;
            ok(s, "swept span filled again");
            span_free(s);
        }
    free(idx);
}

/* Nothing marked: every object is freed; without poison the bytes are left
 * for the page allocator's bulk zeroing, with poison they are poisoned.
 * Large spans are freed or kept whole, their bytes never touched. */
static void test_sweep_empty_and_large(void **state)
{
    (void)state;
    for (int poison = 0; poison < 2; poison++) {
        struct span *s = span_alloc_small(2, false, LIMIT);
        assert_non_null(s);
        for (uint32_t i = 0; i < s->nelems; i += 3) {
            bit_set(s->allocbits, i);
            fill(s, i);
        }
        s->nalloc = popcount_bits(s->allocbits, s->nelems);
        uint32_t n = s->nalloc;
        new_cycle();
        uint64_t bytes;
        assert_int_equal(span_sweep(s, poison, &bytes), n);
        assert_int_equal(bytes, (uint64_t)n * s->elemsize);
        assert_int_equal(s->nalloc, 0);
        assert_true(no_bits(s->allocbits) && no_bits(s->markbits));
        for (uint32_t i = 0; i < s->nelems; i += 3)
            assert_true(poison ? span_slot_poisoned(s, i) : filled(s, i));
        ok(s, "empty swept span");
        span_free(s);
    }
    for (int marked = 0; marked < 2; marked++) {
        struct span *s = span_alloc_large(3, false, LIMIT);
        assert_non_null(s);
        memset((void *)s->base, 0x42, 3 * HEAP_PAGE);
        if (marked)
            bit_set(s->markbits, 0);
        new_cycle();
        uint64_t bytes;
        assert_int_equal(span_sweep(s, true, &bytes), !marked);
        assert_int_equal(bytes, marked ? 0 : 3 * HEAP_PAGE);
        assert_int_equal(s->nalloc, marked);
        assert_int_equal(bit_get(s->allocbits, 0), marked);
        assert_true(no_bits(s->markbits));
        assert_int_equal(s->alloccache, 0);
        assert_true(all_bytes(s->base, 3 * HEAP_PAGE, 0x42));
        ok(s, "swept large span");
        span_free(s);
    }
}

/* Sweeping a span that is already swept breaks S3: fatal where WGC_ASSERT
 * is compiled in (the child process of test_sweep_twice_is_fatal). */
static int child_sweep_twice(void)
{
    span_init();
    struct span *s = span_alloc_small(1, false, LIMIT);
    if (s == NULL)
        return 2;
    uint64_t bytes;
    span_sweep(s, false, &bytes);
    return 0;   /* not reached at WGC_DEBUG >= 1 */
}

static void test_sweep_twice_is_fatal(void **state)
{
    (void)state;
    if (WGC_DEBUG < 1)
        skip();
    expect_child_fatal("sweep-twice", "(S3)");
}

/* ---- span_check ------------------------------------------------------------------------ */

/* Each of S1–S5 (and the two shape checks) broken once on a good span, and
 * put back. */
static void test_check_each_invariant(void **state)
{
    (void)state;
    unsigned few = 0;
    for (unsigned c = 1; c < sc_nclasses && !few; c++)
        if (sc_nelems[c] < 64 && sc_nelems[c] >= 3)
            few = c;
    assert_int_not_equal(few, 0);
    struct span *s = span_alloc_small(few, false, LIMIT);
    assert_non_null(s);
    bit_set(s->allocbits, 1);
    s->nalloc = 1;
    span_reset_cache(s);
    ok(s, "good span");

    s->state = SPAN_FREE;
    broken(s, "span:", "bad state");
    s->state = SPAN_DEAD;
    broken(s, "span:", "bad state");
    s->state = SPAN_SMALL;

    /* S1: a copy of the struct is not what the span map names. */
    struct span copy = *s;
    copy.allocbits = copy.bits[s->allocbits == s->bits[1]];
    copy.markbits = copy.bits[s->markbits == s->bits[1]];
    broken(&copy, "(S1)", "does not map");

    uint32_t size = s->elemsize;
    s->elemsize = (uint32_t)(s->npages * HEAP_PAGE / s->nelems + HEAP_WORD);
    broken(s, "span:", "overrun");
    s->elemsize = size;

    /* S2: nalloc off by one, which a current span may be. */
    s->nalloc = 2;
    broken(s, "(S2)", "nalloc");
    s->current = 1;
    ok(s, "current span, nalloc not yet counted");
    s->current = 0;
    s->nalloc = 0;
    broken(s, "(S2)", "nalloc");
    s->nalloc = 1;

    /* S3: ahead of the generation, or more than one cycle behind. */
    uint32_t gen = s->sweepgen;
    s->sweepgen = span_state.sweepgen + 2;
    broken(s, "(S3)", "sweepgen");
    s->sweepgen = span_state.sweepgen - 4;
    broken(s, "(S3)", "sweepgen");
    s->sweepgen = span_state.sweepgen - 1;
    broken(s, "(S3)", "sweepgen");
    s->sweepgen = 0;   /* a zeroed struct is neither swept nor unswept */
    broken(s, "(S3)", "sweepgen");
    s->sweepgen = span_state.sweepgen - 2;
    ok(s, "unswept span");
    s->sweepgen = gen;

    /* S4: an allocation bit past nelems (counted, so S2 holds), in the
     * span's last word and in a word past it; a mark bit, anywhere. */
    bit_set(s->allocbits, s->nelems);
    s->nalloc = 2;
    broken(s, "(S4)", "allocation bit");
    s->allocbits[0] &= ~((uint64_t)1 << s->nelems);
    s->nalloc = 1;
    ok(s, "good span again");
    s->allocbits[SPAN_BITWORDS - 1] = (uint64_t)1 << 63;
    broken(s, "(S4)", "allocation bit");
    s->allocbits[SPAN_BITWORDS - 1] = 0;
    bit_set(s->markbits, 1);
    broken(s, "(S4)", "mark bit");
    s->markbits[0] = 0;
    s->markbits[SPAN_BITWORDS - 1] = 1;
    broken(s, "(S4)", "mark bit");
    s->markbits[SPAN_BITWORDS - 1] = 0;
    ok(s, "good span again");

    /* S5: the cache offers an allocated slot, or one past nelems. */
    uint64_t cache = s->alloccache;
    assert_int_equal(cache & 2, 0);
    s->alloccache = cache | 2;
    broken(s, "(S5)", "allocated slot");
    s->alloccache = cache | (uint64_t)1 << s->nelems;
    broken(s, "(S5)", "past nelems");
    s->alloccache = cache;
    ok(s, "good span again");

    /* A large span: nalloc and its one slot. */
    struct span *l = span_alloc_large(1, true, LIMIT);
    assert_non_null(l);
    ok(l, "large span");
    l->nalloc = 0;
    broken(l, "(S2)", "nalloc");
    l->nalloc = 2;
    bit_set(l->allocbits, 1);
    broken(l, "(S4)", "allocation bit");
    l->allocbits[0] = 1;
    l->nalloc = 1;
    bit_set(l->markbits, 0);
    broken(l, "(S4)", "mark bit");
    l->markbits[0] = 0;
    ok(l, "large span again");
    span_free(l);
    span_free(s);
}

/* ---- a randomized sequence against a model of every slot ------------------------------ */

enum { FREE_ZERO, FREE_POISON, LIVE };

struct mspan {
    struct span *s;
    uint8_t slot[SC_MAX_ELEMS];   /* what slot i holds */
    uint8_t mark[SC_MAX_ELEMS];   /* marked in this cycle */
    uint32_t nlive;
    bool swept;
};

/* Everything the model says of one span; `bytes`: compare every byte, else
 * the first and last word of each slot. */
static void model_check(const struct mspan *m, bool bytes)
{
    const struct span *s = m->s;
    if (m->swept)
        ok(s, "random sequence");
    assert_int_equal(s->sweepgen, m->swept ? span_state.sweepgen : span_state.sweepgen - 2);
    assert_int_equal(s->nalloc, m->nlive);
    assert_ptr_equal(span_of(s->base), s);
    for (uint32_t i = 0; i < s->nelems; i++) {
        if (bit_get(s->allocbits, i) != (m->slot[i] == LIVE))
            fail_msg("class %u span %p slot %u: allocation bit %d, the model says %s",
                     s->sizeclass, (void *)s->base, i, (int)bit_get(s->allocbits, i),
                     m->slot[i] == LIVE ? "live" : "free");
        if (bit_get(s->markbits, i) != m->mark[i])
            fail_msg("class %u span %p slot %u: mark bit disagrees", s->sizeclass,
                     (void *)s->base, i);
        if (m->slot[i] == LIVE) {
            if (!filled(s, i))
                fail_msg("class %u span %p slot %u: an object lost its bytes", s->sizeclass,
                         (void *)s->base, i);
            continue;
        }
        unsigned char v = m->slot[i] == FREE_POISON ? SPAN_POISON_BYTE : 0;
        uintptr_t p = span_slot(s, i);
        bool good = bytes ? all_bytes(p, s->elemsize, v)
                          : all_bytes(p, HEAP_WORD, v) &&
                                all_bytes(p + s->elemsize - HEAP_WORD, HEAP_WORD, v);
        if (!good)
            fail_msg("class %u span %p slot %u: a free slot is not %s", s->sizeclass,
                     (void *)s->base, i, v ? "poisoned" : "zero");
    }
}

/* Allocate up to `want` objects as a current span does, zeroing a slot
 * when the span is needzero (as the runtime's slow path does). */
static void model_alloc(struct mspan *m, uint32_t want)
{
    struct span *s = m->s;
    s->current = 1;
    for (uint32_t k = 0; k < want; k++) {
        uintptr_t p = span_next_free(s);
        if (p == 0 && span_refill_cache(s))
            p = span_next_free(s);
        if (p == 0)
            break;
        uint32_t i = span_index(s, p);
        if (m->slot[i] == LIVE)
            fail_msg("class %u span %p: slot %u handed out while allocated", s->sizeclass,
                     (void *)s->base, i);
        if (m->slot[i] == FREE_POISON && !s->needzero)
            fail_msg("class %u span %p: poisoned slot %u handed out, span not needzero",
                     s->sizeclass, (void *)s->base, i);
        if (s->needzero)
            memset((void *)p, 0, s->elemsize);
        else if (!all_bytes(p, s->elemsize, 0))
            fail_msg("class %u span %p: slot %u handed out not zero", s->sizeclass,
                     (void *)s->base, i);
        fill(s, i);
        m->slot[i] = LIVE;
        m->nlive++;
    }
    span_fold_cache(s);
    s->nalloc = popcount_bits(s->allocbits, s->nelems);
    s->current = 0;
}

/* Sweep an unswept span; false when nothing in it lives (the caller gives
 * it back, as central.c does). */
static bool model_sweep(struct mspan *m, bool poison)
{
    struct span *s = m->s;
    uint32_t dead = 0, live = 0;
    for (uint32_t i = 0; i < s->nelems; i++) {
        if (m->slot[i] == LIVE && !m->mark[i])
            dead++;
        live += m->mark[i];
    }
    uint64_t bytes;
    assert_int_equal(span_sweep(s, poison, &bytes), dead);
    assert_int_equal(bytes, (uint64_t)dead * s->elemsize);
    m->swept = true;
    if (live == 0)
        return false;
    for (uint32_t i = 0; i < s->nelems; i++) {
        if (m->slot[i] == LIVE && !m->mark[i])
            m->slot[i] = poison ? FREE_POISON : FREE_ZERO;
        m->mark[i] = 0;
    }
    m->nlive = live;
    return true;
}

static void test_random_model(void **state)
{
    (void)state;
    struct rng r = test_rng("span_random_model");
    enum { MAXSPANS = 40, STEPS = 6000 };
    struct mspan *ms = calloc(MAXSPANS, sizeof *ms);
    assert_non_null(ms);
    size_t n = 0;
    unsigned long long nalloc = 0, nsweep = 0, ncycle = 0, nlarge = 0, nfreed = 0;
    bool poison = false;
    for (int step = 0; step < STEPS; step++) {
        unsigned op = (unsigned)rng_below(&r, 100);
        if (n == 0 || (op < 15 && n < MAXSPANS)) {
            struct mspan *m = &ms[n];
            memset(m, 0, sizeof *m);
            m->swept = true;
            bool noscan = rng_below(&r, 2);
            if (rng_below(&r, 8) == 0) {
                size_t np = 1 + rng_below(&r, rng_below(&r, 4) ? 4 : 40);
                m->s = span_alloc_large(np, noscan, LIMIT);
                assert_non_null(m->s);
                /* Old bytes are the caller's to zero (needzero), as the
                 * runtime's large allocation does. */
                if (m->s->needzero)
                    memset((void *)m->s->base, 0, np * HEAP_PAGE);
                else
                    assert_true(all_bytes(m->s->base, np * HEAP_PAGE, 0));
                fill(m->s, 0);
                m->slot[0] = LIVE;
                m->nlive = 1;
                nlarge++;
            } else {
                unsigned c = 1 + (unsigned)rng_below(&r, sc_nclasses - 1);
                m->s = span_alloc_small(c, noscan, LIMIT);
                assert_non_null(m->s);
                model_check(m, true);
            }
            n++;
        } else if (op < 50) {
            /* Allocation happens from swept small spans only. */
            struct mspan *m = &ms[rng_below(&r, n)];
            if (m->swept && m->s->state == SPAN_SMALL) {
                model_alloc(m, 1 + (uint32_t)rng_below(&r, m->s->nelems));
                nalloc++;
            }
        } else if (op < 75) {
            /* Lazy sweeping of one span; an empty one goes back. */
            size_t k = rng_below(&r, n);
            if (!ms[k].swept) {
                nsweep++;
                if (!model_sweep(&ms[k], poison)) {
                    span_free(ms[k].s);
                    ms[k] = ms[--n];
                    nfreed++;
                }
            }
        } else if (op < 80) {
            /* A collection: finish sweeping, mark some objects, and every
             * span needs sweeping again. */
            for (size_t k = 0; k < n;) {
                if (!ms[k].swept && !model_sweep(&ms[k], poison)) {
                    span_free(ms[k].s);
                    ms[k] = ms[--n];
                    nfreed++;
                    continue;
                }
                k++;
            }
            unsigned keep = (unsigned)rng_below(&r, 5);
            for (size_t k = 0; k < n; k++) {
                struct mspan *m = &ms[k];
                for (uint32_t i = 0; i < m->s->nelems; i++)
                    if (m->slot[i] == LIVE && rng_below(&r, 4) < keep) {
                        bit_set(m->s->markbits, i);
                        m->mark[i] = 1;
                    }
                m->swept = false;
            }
            poison = rng_below(&r, 2);
            new_cycle();
            ncycle++;
        } else if (op < 88 && n > 0) {
            /* A span goes back whole (swept or not, as a test may). */
            size_t k = rng_below(&r, n);
            span_free(ms[k].s);
            ms[k] = ms[--n];
            nfreed++;
        }
        if (step % 40 == 0 || n < 3) {
            uint64_t bytes = 0;
            for (size_t k = 0; k < n; k++) {
                model_check(&ms[k], step % 400 == 0);
                bytes += (uint64_t)ms[k].s->npages * HEAP_PAGE;
            }
            assert_int_equal(span_state.nspans_inuse, base_spans + n);
            assert_int_equal(span_state.inuse_bytes, base_bytes + bytes);
            assert_null(pages_check());
        }
    }
    for (size_t k = 0; k < n; k++) {
        model_check(&ms[k], true);
        span_free(ms[k].s);
    }
    printf("[ SPANS    ] %d steps: %llu cache runs, %llu sweeps, %llu cycles, %llu large, "
           "%llu spans given back\n",
           STEPS, nalloc, nsweep, ncycle, nlarge, nfreed);
    free(ms);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "sweep-twice") == 0)
        return child_sweep_twice();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_new_small_spans, check_given_back),
        cmocka_unit_test_teardown(test_new_large_spans, check_given_back),
        cmocka_unit_test_teardown(test_limit, check_given_back),
        cmocka_unit_test_teardown(test_reused_pages_are_zero, check_given_back),
        cmocka_unit_test_teardown(test_cache_every_slot_once, check_given_back),
        cmocka_unit_test_teardown(test_fold_part_way, check_given_back),
        cmocka_unit_test_teardown(test_cache_skips_allocated, check_given_back),
        cmocka_unit_test_teardown(test_sweep_some_marked, check_given_back),
        cmocka_unit_test_teardown(test_sweep_empty_and_large, check_given_back),
        cmocka_unit_test_teardown(test_sweep_twice_is_fatal, check_given_back),
        cmocka_unit_test_teardown(test_check_each_invariant, check_given_back),
        cmocka_unit_test_teardown(test_random_model, check_given_back),
    };
    return cmocka_run_group_tests_name("span", tests, suite_setup, NULL);
}
