/* test_central.c — the central span lists (heap/central.h, C1–C4) through
 * their API, below the runtime: central_take (swept spans with a free slot
 * first, lazy sweeping, fresh spans, growing only after finishing the
 * sweep), central_put (filing by fullness, C4), central_begin_cycle (the
 * two pairs of lists flip, every span unswept, no span touched),
 * central_sweep_one and central_finish_sweep, central_check's message for
 * each of C1, C3 and C4 broken once (and C2 / C1 as fatal preconditions),
 * and a randomized sequence against a model of every span (WGC_SEED
 * replays it).
 *
 * The suite plays the runtime's parts: a span it takes is made current,
 * allocated from through its cache, folded and put back (runtime/cache.c);
 * the marker's part is setting markbits before central_begin_cycle.  Every
 * test ends with a cycle in which nothing is marked, which frees every span
 * (the teardown checks that none is left). */
#include "testutil.h"

#include "central.h"
#include "pages.h"
#include "sizeclass.h"
#include "span.h"

#define LIMIT ((uint64_t)256 << 20)

/* ---- helpers ------------------------------------------------------------------ */

/* The low bit of `list` for the swept pair: learnt from the first span
 * filed, flipped at every cycle (the pair index is central.c's own). */
static int swept_pair = -1;

static void cycle(void)
{
    uint32_t gen = span_state.sweepgen;
    central_begin_cycle();
    assert_int_equal(span_state.sweepgen, gen + 2);   /* S3 */
    if (swept_pair >= 0)
        swept_pair ^= 1;
}

static void learn_pair(const struct span *s)
{
    if (swept_pair < 0 && s->list != LIST_NONE)
        swept_pair = s->list & 1;
}

static int suite_setup(void **state)
{
    (void)state;
    central_init();
    return 0;
}

static uint64_t base_spans;

/* A cycle with nothing marked frees every span on a list. */
static int drop_all(void **state)
{
    (void)state;
    central_set_poison(false);
    central_finish_sweep();   /* C2 before the cycle */
    cycle();
    central_finish_sweep();
    int rc = 0;
    if (span_state.nspans_inuse != base_spans) {
        fprintf(stderr, "teardown: %lld spans left (taken and not given back?)\n",
                (long long)(span_state.nspans_inuse - base_spans));
        rc = -1;
    }
    const char *why = pages_check();
    if (why != NULL) {
        fprintf(stderr, "teardown: pages_check: %s\n", why);
        rc = -1;
    }
    base_spans = span_state.nspans_inuse;
    return rc;
}

static void ok(const struct span *s, const char *when)
{
    const char *why = central_check(s);
    if (why != NULL)
        fail_msg("%s: central_check, class %u span at %p: %s", when, s->sizeclass,
                 (void *)s->base, why);
}

static void broken(const struct span *s, const char *label, const char *words)
{
    const char *why = central_check(s);
    if (why == NULL)
        fail_msg("central_check passed a span with %s broken (%s)", label, words);
    if (strstr(why, label) == NULL || strstr(why, words) == NULL)
        fail_msg("central_check said \"%s\"; expected %s and \"%s\"", why, label, words);
}

static bool all_bytes(uintptr_t p, size_t n, unsigned char v)
{
    const unsigned char *b = (const unsigned char *)p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != v)
            return false;
    return true;
}

/* Whether list l holds s; its links and length are checked on the way. */
static bool holds(const struct span_list *l, const struct span *s)
{
    assert_non_null(l);
    size_t n = 0;
    bool found = false;
    if (l->first != NULL)
        assert_null(l->first->prev);
    for (const struct span *x = l->first; x != NULL; x = x->next) {
        if (x->next != NULL)
            assert_ptr_equal(x->next->prev, x);
        found |= x == s;
        assert_true(++n <= l->len);
    }
    assert_int_equal(n, l->len);
    return found;
}

/* The list kind s must be on now by C4 (its pair aside). */
static unsigned kind_for(const struct span *s)
{
    if (s->state == SPAN_LARGE)
        return LIST_LARGE;
    return s->nalloc == s->nelems ? LIST_FULL : LIST_PARTIAL;
}

/* s is on the list of its kind in the pair `swept` says, and that list
 * holds it. */
static void filed(const struct span *s, bool swept)
{
    learn_pair(s);
    assert_int_equal(s->list & ~1u, kind_for(s));
    assert_int_equal(s->list & 1u, swept ? swept_pair : swept_pair ^ 1);
    assert_int_equal(s->sweepgen, swept ? span_state.sweepgen : span_state.sweepgen - 2);
    assert_true(holds(central_list_of(s), s));
    ok(s, swept ? "swept span on its list" : "unswept span on its list");
}

/* A span taken as the allocation cache takes one: swept, off every list,
 * with a free slot. */
static struct span *take(unsigned c, bool noscan)
{
    struct span *s = central_take(c, noscan, LIMIT);
    assert_non_null(s);
    assert_int_equal(s->state, SPAN_SMALL);
    assert_int_equal(s->sizeclass, c);
    assert_int_equal(s->noscan, noscan);
    assert_int_equal(s->list, LIST_NONE);
    assert_null(central_list_of(s));
    assert_int_equal(s->sweepgen, span_state.sweepgen);
    assert_true(s->nalloc < s->nelems);
    assert_null(span_check(s));
    return s;
}

/* Allocate up to k objects from s as its current span (zeroing a slot of
 * a needzero span, as the runtime does), fold, count, and put it back. */
static void use_and_put(struct span *s, uint32_t k)
{
    s->current = 1;
    for (uint32_t i = 0; i < k; i++) {
        uintptr_t p = span_next_free(s);
        if (p == 0 && span_refill_cache(s))
            p = span_next_free(s);
        if (p == 0)
            break;
        if (s->needzero)
            memset((void *)p, 0, s->elemsize);
        else
            assert_true(all_bytes(p, s->elemsize, 0));
        memset((void *)p, 0x11, HEAP_WORD);
    }
    ok(s, "current span");
    span_fold_cache(s);
    s->nalloc = popcount_bits(s->allocbits, s->nelems);
    s->current = 0;
    central_put(s);
    filed(s, true);
}

/* Mark every allocated object of s (the marker's part). */
static void mark_all(struct span *s)
{
    memcpy(s->markbits, s->allocbits, SPAN_BITWORDS * sizeof(uint64_t));
}

static unsigned class_with_few_slots(void)
{
    for (unsigned c = 1; c < sc_nclasses; c++)
        if (sc_nelems[c] >= 4 && sc_nelems[c] < 64)
            return c;
    fail_msg("no class of 4 to 63 slots");
    return 0;
}

/* ---- taking and giving back ------------------------------------------------------- */

/* With nothing on a class's lists, central_take gives a fresh span; given
 * back with a free slot it is the one taken next; full, it is not. */
static void test_take_fresh_when_none(void **state)
{
    (void)state;
    for (int noscan = 0; noscan < 2; noscan++) {
        unsigned c = 5;
        uint64_t ofc = span_state.class_spans[c];
        struct span *s = take(c, noscan);
        assert_int_equal(span_state.class_spans[c], ofc + 1);
        assert_int_equal(s->nalloc, 0);
        assert_true(all_bytes(s->base, (size_t)s->npages * HEAP_PAGE, 0));
        /* Taken and not yet current: on no list, which C3 forbids. */
        broken(s, "(C3)", "no list");
        use_and_put(s, 1);
        assert_int_equal(s->list & ~1u, LIST_PARTIAL);
        assert_ptr_equal(take(c, noscan), s);   /* the swept partial span */
        assert_int_equal(s->nalloc, 1);
        use_and_put(s, s->nelems);   /* fills it */
        assert_int_equal(s->nalloc, s->nelems);
        assert_int_equal(s->list & ~1u, LIST_FULL);
        struct span *t = take(c, noscan);   /* a full span is never taken */
        assert_ptr_not_equal(t, s);
        assert_int_equal(t->nalloc, 0);
        assert_int_equal(span_state.class_spans[c], ofc + 2);
        use_and_put(t, 3);
        filed(s, true);
    }
}

/* central_put files by fullness (C4) on the swept pair; classes, and
 * scanned and noscan spans, have lists of their own; large spans too. */
static void test_put_files_by_fullness(void **state)
{
    (void)state;
    unsigned classes[] = {1, class_with_few_slots(), sc_nclasses - 1};
    const struct span_list *seen[16];
    unsigned seenkey[16], nseen = 0;
    for (unsigned k = 0; k < 3; k++)
        for (int noscan = 0; noscan < 2; noscan++) {
            unsigned c = classes[k];
            struct span *s = take(c, noscan);
            uint32_t counts[] = {1, s->nelems - 1, s->nelems};
            for (unsigned j = 0; j < 3; j++) {
                if (j > 0 && s->nalloc == s->nelems)
                    break;
                if (j > 0)
                    assert_ptr_equal(take(c, noscan), s);
                use_and_put(s, counts[j] - s->nalloc);
                assert_int_equal(s->nalloc, counts[j]);
                assert_int_equal(s->list & ~1u, counts[j] == s->nelems ? LIST_FULL : LIST_PARTIAL);
                const struct span_list *l = central_list_of(s);
                unsigned key = c * 4 + (unsigned)noscan * 2 + (s->nalloc == s->nelems);
                for (unsigned i = 0; i < nseen; i++)
                    if ((seen[i] == l) != (seenkey[i] == key))
                        fail_msg("class %u noscan %d: a list shared with another class, "
                                 "kind or noscan, or two lists for one", c, noscan);
                assert_true(nseen < 16);
                seen[nseen] = l;
                seenkey[nseen++] = key;
            }
        }
    for (int noscan = 0; noscan < 2; noscan++) {
        uint64_t nlarge = central_counts.nlarge;
        struct span *l = central_take_large(3, noscan, LIMIT);
        assert_non_null(l);
        assert_int_equal(central_counts.nlarge, nlarge + 1);
        assert_int_equal(l->nalloc, 1);
        filed(l, true);
        assert_int_equal(l->list & ~1u, LIST_LARGE);
    }
}

/* ---- cycles and sweeping ----------------------------------------------------------- */

/* central_begin_cycle: no span struct changes, every span is now on the
 * unswept pair (C1); sweeping files it on the other pair, and two cycles
 * bring the lists back. */
static void test_begin_cycle_flips_pairs(void **state)
{
    (void)state;
    enum { N = 8 };
    struct span *s[N];
    const struct span_list *was[N];
    unsigned few = class_with_few_slots();
    for (int i = 0; i < N - 2; i++) {
        s[i] = take(i < 3 ? 2 : few, i & 1);
        use_and_put(s[i], i % 3 == 0 ? s[i]->nelems : 2);
    }
    s[N - 2] = central_take_large(1, false, LIMIT);
    s[N - 1] = central_take_large(2, true, LIMIT);
    assert_true(s[N - 2] && s[N - 1]);
    for (int i = 0; i < N; i++) {
        mark_all(s[i]);   /* everything survives */
        was[i] = central_list_of(s[i]);
    }
    static struct span before[N];
    size_t lens[N];
    for (int i = 0; i < N; i++) {
        before[i] = *s[i];
        lens[i] = was[i]->len;
    }
    cycle();
    for (int i = 0; i < N; i++) {
        if (memcmp(&before[i], s[i], sizeof before[i]) != 0)
            fail_msg("central_begin_cycle changed span %d: it must be O(1)", i);
        assert_ptr_equal(central_list_of(s[i]), was[i]);
        assert_int_equal(was[i]->len, lens[i]);
        filed(s[i], false);   /* the same list, now the unswept pair's */
    }
    central_finish_sweep();
    for (int i = 0; i < N; i++) {
        filed(s[i], true);
        assert_ptr_not_equal(central_list_of(s[i]), was[i]);
        assert_int_equal(s[i]->list ^ before[i].list, 1);   /* the kind stays */
        mark_all(s[i]);
    }
    cycle();
    central_finish_sweep();
    for (int i = 0; i < N; i++) {
        filed(s[i], true);
        assert_ptr_equal(central_list_of(s[i]), was[i]);
        assert_int_equal(s[i]->list, before[i].list);
    }
}

/* After a cycle, central_take sweeps its own class's spans, one at a time,
 * until one has a free slot, and counts what it frees; other classes stay
 * unswept. */
static void test_take_sweeps_lazily(void **state)
{
    (void)state;
    const unsigned a = 3, b = 7;
    struct span *p = take(a, false), *f = take(a, false), *d = take(a, false);
    use_and_put(p, p->nelems / 2);
    use_and_put(f, f->nelems);
    use_and_put(d, 5);
    struct span *q = take(b, false);
    use_and_put(q, 9);
    /* p keeps every other object, f all but one, d none, q all. */
    uint32_t pdead = 0;
    for (uint32_t i = 0; i < p->nelems; i++)
        if (bit_get(p->allocbits, i)) {
            if (i % 2 == 0)
                bit_set(p->markbits, i);
            else
                pdead++;
        }
    mark_all(f);
    f->markbits[0] &= ~(uint64_t)1;
    mark_all(q);
    uint32_t plive = p->nalloc - pdead, flive = f->nalloc - 1;
    uint64_t nfree = central_counts.nfree, cnfree = central_counts.class_nfree[a];
    uint64_t freed_bytes = central_counts.bytes_freed, ofa = span_state.class_spans[a];
    uintptr_t dbase = d->base;
    cycle();

    struct span *r1 = take(a, false);
    assert_true(r1 == p || r1 == f);
    assert_int_equal(r1->nalloc, r1 == p ? plive : flive);
    assert_int_equal(q->sweepgen, span_state.sweepgen - 2);   /* b is not a's business */
    filed(q, false);
    struct span *r2 = take(a, false);
    assert_true(r2 == (r1 == p ? f : p));
    assert_int_equal(r2->nalloc, r2 == p ? plive : flive);
    /* Every span of a is swept now, and d, with nothing marked, is gone. */
    assert_int_equal(span_state.class_spans[a], ofa - 1);
    assert_true(span_of(dbase) == NULL || span_of(dbase)->sweepgen == span_state.sweepgen);
    uint64_t dead = pdead + 1 + 5;
    assert_int_equal(central_counts.nfree, nfree + dead);
    assert_int_equal(central_counts.class_nfree[a], cnfree + dead);
    assert_int_equal(central_counts.bytes_freed, freed_bytes + dead * sc_size[a]);
    /* Nothing left to sweep for a: a fresh span, from free pages, and b
     * still waits. */
    bool room = page_heap.free_pages >= sc_pages[a];
    struct span *r3 = take(a, false);
    assert_int_equal(r3->nalloc, 0);
    if (room)
        filed(q, false);
    use_and_put(r1, 1);
    use_and_put(r2, 1);
    use_and_put(r3, 1);
    assert_true(central_sweep_one(b, false));
    filed(q, true);
    assert_int_equal(q->nalloc, 9);
    assert_false(central_sweep_one(b, false));
}

/* central_sweep_one sweeps one span of its class and kind per call;
 * central_finish_sweep sweeps the rest, large spans too. */
static void test_sweep_one_and_finish(void **state)
{
    (void)state;
    const unsigned a = 4, b = 9;
    enum { NA = 3 };
    struct span *sa[NA], *ns, *sb, *live, *dead;
    for (int i = 0; i < NA; i++)
        sa[i] = take(a, false);
    for (int i = 0; i < NA; i++)
        use_and_put(sa[i], i == 0 ? sa[i]->nelems : 2);
    for (int i = 0; i < NA; i++)
        assert_ptr_not_equal(sa[i], sa[(i + 1) % NA]);
    ns = take(a, true);
    use_and_put(ns, 1);
    sb = take(b, false);
    use_and_put(sb, 1);
    live = central_take_large(2, false, LIMIT);
    dead = central_take_large(2, true, LIMIT);
    assert_true(live && dead);
    struct span *all[] = {sa[0], sa[1], sa[2], ns, sb, live};
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        mark_all(all[i]);
    uint64_t nlarge = central_counts.nlarge, large_spans = span_state.class_spans[0];
    assert_false(central_sweep_one(a, false));   /* nothing unswept yet */
    cycle();
    for (int k = 0; k < NA; k++) {
        assert_true(central_sweep_one(a, false));
        int swept = 0;
        for (int i = 0; i < NA; i++)
            swept += sa[i]->sweepgen == span_state.sweepgen;
        assert_int_equal(swept, k + 1);
        filed(ns, false);
        filed(sb, false);
    }
    assert_false(central_sweep_one(a, false));
    for (int i = 0; i < NA; i++)
        filed(sa[i], true);
    filed(live, false);
    central_finish_sweep();
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        filed(all[i], true);
    assert_int_equal(central_counts.nlarge, nlarge - 1);   /* dead was freed */
    assert_int_equal(span_state.class_spans[0], large_spans - 1);
    assert_false(central_sweep_one(a, true));
    assert_false(central_sweep_one(b, false));
    assert_false(central_sweep_one(1, false));   /* never used */
}

/* The heap grows only when sweeping everything left no room: with the
 * heap full and garbage unswept in one class, taking a span of another
 * class sweeps all and reuses the pages. */
static void test_grows_only_after_sweep(void **state)
{
    (void)state;
    enum { NG = 4, MAXFILL = 256 };
    const unsigned a = 6, b = 12;
    struct span *g[NG];
    for (int i = 0; i < NG; i++) {
        g[i] = take(a, false);
        use_and_put(g[i], g[i]->nelems);   /* garbage by the next cycle */
    }
    /* Use up every free page, under a limit that stops growth. */
    static struct span *fill[MAXFILL];
    int nfill = 0;
    while (page_heap.free_pages > 0) {
        size_t n = (size_t)page_heap.free_pages;
        struct span *s;
        while ((s = central_take_large(n, true, arena_heap_bytes)) == NULL && n > 1)
            n /= 2;
        assert_non_null(s);
        assert_true(nfill < MAXFILL);
        fill[nfill++] = s;
        mark_all(s);
    }
    uint64_t heap = arena_heap_bytes, ofa = span_state.class_spans[a];
    assert_null(central_take(b, false, heap));   /* no room, nothing to sweep */
    assert_int_equal(arena_heap_bytes, heap);
    cycle();
    struct span *s = take(b, false);   /* may grow, yet must not */
    assert_int_equal(arena_heap_bytes, heap);
    assert_int_equal(span_state.class_spans[a], ofa - NG);   /* swept and freed */
    for (int i = 0; i < nfill; i++)
        filed(fill[i], true);
    use_and_put(s, 1);
    /* Fill what the garbage left, then: no growth under the heap's size,
     * growth under LIMIT. */
    while (page_heap.free_pages > 0) {
        size_t n = (size_t)page_heap.free_pages;
        struct span *t;
        while ((t = central_take_large(n, true, arena_heap_bytes)) == NULL && n > 1)
            n /= 2;
        assert_non_null(t);
        assert_true(nfill < MAXFILL);
        fill[nfill++] = t;
    }
    assert_null(central_take(b + 1, false, arena_heap_bytes));
    assert_int_equal(arena_heap_bytes, heap);
    struct span *t = take(b + 1, false);
    assert_true(arena_heap_bytes > heap);
    use_and_put(t, 1);
}

/* ---- central_check ------------------------------------------------------------------ */

static void test_check_messages(void **state)
{
    (void)state;
    unsigned c = class_with_few_slots();
    struct span *p = take(c, false), *f = take(c, false);
    use_and_put(p, 2);
    use_and_put(f, f->nelems);
    ok(p, "partial span");
    ok(f, "full span");

    /* C1: a swept list and an unswept sweepgen; an unswept list and a
     * swept sweepgen. */
    p->sweepgen -= 2;
    broken(p, "(C1)", "sweepgen");
    p->sweepgen += 2;
    p->list ^= 1;
    broken(p, "(C1)", "sweepgen");
    p->list ^= 1;
    ok(p, "partial span again");

    /* C3: on no list and not current; current yet on a list; a list value
     * that is no central list (the page allocator's). */
    uint8_t list = p->list;
    p->list = LIST_NONE;
    broken(p, "(C3)", "no list");
    p->list = SPAN_LIST_FREE;
    broken(p, "(C3)", "no list");
    p->list = list;
    p->current = 1;
    broken(p, "(C3)", "current span is on a list");
    p->current = 0;
    ok(p, "partial span again");

    /* C4: a full span on a partial list, free slots on a full list. */
    uint32_t n = p->nalloc;
    p->nalloc = p->nelems;
    broken(p, "(C4)", "full span on a partial list");
    p->nalloc = n;
    f->nalloc = f->nelems - 1;
    broken(f, "(C4)", "free slots on a full list");
    f->nalloc = f->nelems;
    ok(p, "partial span again");
    ok(f, "full span again");
}

/* Broken preconditions are fatal (children of test_fatal_preconditions):
 * a cycle begun with unswept spans left (C2, a loop: WGC_DEBUG >= 2), and
 * an unswept span put back (C1, WGC_DEBUG >= 1). */
static int child(const char *what)
{
    central_init();
    struct span *s = central_take(2, false, LIMIT);
    if (s == NULL)
        return 2;
    s->nalloc = 0;
    if (strcmp(what, "cycle-unswept") == 0) {
        central_put(s);
        central_begin_cycle();
        central_begin_cycle();   /* s was never swept */
    } else {
        central_begin_cycle();
        central_put(s);   /* taken before the cycle: unswept */
    }
    return 0;
}

static void test_fatal_preconditions(void **state)
{
    (void)state;
    if (WGC_DEBUG < 1)
        skip();
    expect_child_fatal("put-unswept", "(C1)");
    if (WGC_DEBUG >= 2)
        expect_child_fatal("cycle-unswept", "(C2)");
}

/* ---- a randomized sequence against a model of every span ------------------------------ */

struct mspan {
    struct span *s;
    uintptr_t base;
    unsigned c;   /* 0: large */
    bool noscan, large, swept;
    uint64_t live[SPAN_BITWORDS], mark[SPAN_BITWORDS];
};

enum { MAXSPANS = 64 };
static struct mspan model[MAXSPANS];
static size_t nmodel;
static uint64_t model_nfree;   /* objects the model expects sweeping to free */
static bool model_poison;

static uint32_t nlive(const struct mspan *m)
{
    return popcount_bits(m->live, SPAN_BITWORDS * 64);
}

/* Find the spans the last call swept (their sweepgen moved on) and sweep
 * them in the model; a span with nothing marked was given back.  Returns
 * how many were swept, and their class and kind through *c, *noscan. */
static unsigned reconcile(unsigned *c, int *noscan)
{
    unsigned swept = 0;
    for (size_t k = 0; k < nmodel;) {
        struct mspan *m = &model[k];
        /* A struct given back and reused is a new span: never unswept. */
        if (m->swept ||
            (span_of(m->base) == m->s && m->s->sweepgen == span_state.sweepgen - 2)) {
            k++;
            continue;
        }
        swept++;
        if (c != NULL) {
            *c = m->c;
            *noscan = m->noscan;
        }
        uint64_t freed[SPAN_BITWORDS];
        for (unsigned w = 0; w < SPAN_BITWORDS; w++) {
            freed[w] = m->live[w] & ~m->mark[w];
            model_nfree += (uint64_t)__builtin_popcountll(freed[w]);
            m->live[w] = m->mark[w];
            m->mark[w] = 0;
        }
        m->swept = true;
        if (nlive(m) == 0) {
            model[k] = model[--nmodel];   /* freed: its struct is not to be read */
            continue;
        }
        struct span *s = m->s;
        if (!m->large)
            for (uint32_t i = 0; i < s->nelems; i++)
                if (bit_get(freed, i) && !(model_poison ? span_slot_poisoned(s, i)
                                                        : all_bytes(span_slot(s, i),
                                                                    HEAP_WORD, 0)))
                    fail_msg("class %u span %p: free slot %u neither %s", s->sizeclass,
                             (void *)s->base, i, model_poison ? "poisoned" : "zero");
        k++;
    }
    return swept;
}

static void model_check(uint64_t nfree0, uint64_t nlarge0)
{
    uint64_t nlarge = 0;
    for (size_t k = 0; k < nmodel; k++) {
        struct mspan *m = &model[k];
        struct span *s = m->s;
        assert_ptr_equal(span_of(m->base), s);
        if (m->swept)
            assert_null(span_check(s));
        if (memcmp(s->allocbits, m->live, sizeof m->live) != 0 ||
            memcmp(s->markbits, m->mark, sizeof m->mark) != 0)
            fail_msg("class %u span %p: bits disagree with the model", s->sizeclass,
                     (void *)s->base);
        assert_int_equal(s->nalloc, nlive(m));
        filed(s, m->swept);
        nlarge += m->large;
    }
    assert_int_equal(span_state.nspans_inuse, base_spans + nmodel);
    assert_int_equal(central_counts.nfree, nfree0 + model_nfree);
    assert_int_equal(central_counts.nlarge, nlarge0 + nlarge);
}

static struct mspan *model_find(const struct span *s)
{
    for (size_t k = 0; k < nmodel; k++)
        if (model[k].s == s)
            return &model[k];
    return NULL;
}

static void test_random_model(void **state)
{
    (void)state;
    struct rng r = test_rng("central_random_model");
    const unsigned classes[] = {1, class_with_few_slots(), 10, sc_nclasses - 1};
    enum { STEPS = 4000 };
    nmodel = 0;
    model_nfree = 0;
    model_poison = false;
    central_set_poison(false);
    uint64_t nfree0 = central_counts.nfree, nlarge0 = central_counts.nlarge;
    size_t peak = 0;
    unsigned long long ntake = 0, nfresh = 0, nsweep = 0, ncycle = 0, nlarge = 0;
    for (int step = 0; step < STEPS; step++) {
        unsigned op = (unsigned)rng_below(&r, 100);
        unsigned c = classes[rng_below(&r, 4)];
        bool noscan = rng_below(&r, 2);
        if (op < 45 && nmodel < MAXSPANS) {
            /* The allocation cache takes a span, uses it and gives it back. */
            bool had_swept = false;
            for (size_t k = 0; k < nmodel; k++) {
                const struct mspan *m = &model[k];
                had_swept |= m->c == c && m->noscan == noscan && m->swept &&
                             nlive(m) < sc_nelems[c];
            }
            struct span *s = take(c, noscan);
            unsigned swept = reconcile(NULL, NULL);
            if (had_swept && swept != 0)
                fail_msg("central_take swept %u spans while a swept one had room", swept);
            struct mspan *m = model_find(s);
            if (s->nalloc == 0) {
                if (m != NULL)
                    fail_msg("central_take gave an empty span the model still has");
                assert_true(all_bytes(s->base, (size_t)s->npages * HEAP_PAGE, 0));
                m = &model[nmodel++];
                memset(m, 0, sizeof *m);
                m->s = s;
                m->base = s->base;
                m->c = c;
                m->noscan = noscan;
                m->swept = true;
                nfresh++;
            } else {
                if (m == NULL)
                    fail_msg("central_take gave a span with objects the model lacks");
                assert_true(m->swept);
                assert_memory_equal(s->allocbits, m->live, sizeof m->live);
            }
            use_and_put(s, 1 + (uint32_t)rng_below(&r, s->nelems));
            memcpy(m->live, s->allocbits, sizeof m->live);
            ntake++;
        } else if (op < 50 && nmodel < MAXSPANS) {
            size_t np = 1 + rng_below(&r, 6);
            struct span *s = central_take_large(np, noscan, LIMIT);
            assert_non_null(s);
            reconcile(NULL, NULL);   /* it may have finished the sweep */
            assert_null(model_find(s));
            struct mspan *m = &model[nmodel++];
            memset(m, 0, sizeof *m);
            m->s = s;
            m->base = s->base;
            m->noscan = noscan;
            m->large = true;
            m->swept = true;
            bit_set(m->live, 0);
            nlarge++;
        } else if (op < 75) {
            bool expect = false;
            for (size_t k = 0; k < nmodel; k++) {
                const struct mspan *m = &model[k];
                expect |= m->c == c && m->noscan == noscan && !m->swept;
            }
            bool got = central_sweep_one(c, noscan);
            assert_int_equal(got, expect);
            unsigned sc = c;
            int sn = noscan;
            assert_int_equal(reconcile(&sc, &sn), got);
            assert_int_equal(sc, c);
            assert_int_equal(sn, noscan);
            nsweep += got;
        } else if (op < 80) {
            central_finish_sweep();
            reconcile(NULL, NULL);
            for (size_t k = 0; k < nmodel; k++)
                assert_true(model[k].swept);
        } else if (op < 86) {
            /* A collection: sweep termination, a mark, the cycle. */
            central_finish_sweep();
            reconcile(NULL, NULL);
            unsigned keep = 1 + (unsigned)rng_below(&r, 4);
            for (size_t k = 0; k < nmodel; k++) {
                struct mspan *m = &model[k];
                for (uint32_t i = 0; i < m->s->nelems; i++)
                    if (bit_get(m->live, i) && rng_below(&r, 4) < keep) {
                        bit_set(m->mark, i);
                        bit_set(m->s->markbits, i);
                    }
            }
            model_poison = rng_below(&r, 2);
            central_set_poison(model_poison);
            cycle();
            for (size_t k = 0; k < nmodel; k++)
                model[k].swept = false;   /* C1: all of them, at once */
            ncycle++;
        }
        model_check(nfree0, nlarge0);
        if (nmodel > peak)
            peak = nmodel;
    }
    printf("[ CENTRAL  ] %d steps: %llu takes (%llu fresh), %llu sweep_one, %llu cycles, "
           "%llu large; at most %zu spans\n",
           STEPS, ntake, nfresh, nsweep, ncycle, nlarge, peak);
    nmodel = 0;
}

int main(int argc, char **argv)
{
    if (argc == 2)
        return child(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_take_fresh_when_none, drop_all),
        cmocka_unit_test_teardown(test_put_files_by_fullness, drop_all),
        cmocka_unit_test_teardown(test_begin_cycle_flips_pairs, drop_all),
        cmocka_unit_test_teardown(test_take_sweeps_lazily, drop_all),
        cmocka_unit_test_teardown(test_sweep_one_and_finish, drop_all),
        cmocka_unit_test_teardown(test_grows_only_after_sweep, drop_all),
        cmocka_unit_test_teardown(test_check_messages, drop_all),
        cmocka_unit_test_teardown(test_fatal_preconditions, drop_all),
        cmocka_unit_test_teardown(test_random_model, drop_all),
    };
    return cmocka_run_group_tests_name("central", tests, suite_setup, NULL);
}
