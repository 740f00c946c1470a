/* weak.c — weak references, ephemerons and finalizers (runtime layer).
 * Below: mark.c (mark_reach, mark_is_live, mark_hook), table.c, init.c,
 * arch/sys.h.  Above: verify.c (weak_check), gc.c (weak_process, after
 * the mark and before the sweep begins), the embedder (wgc.h).
 *
 * A weak reference and an ephemeron are small pointer-free heap objects,
 * "boxes" of three words (a tag, then the target, or the key and the
 * value), so the collector never traces what they hold; each box is also
 * in a registry, which weak_process walks once per collection:
 *   1. the finalizers' ready queue (and the object whose finalizer is
 *      running) is marked, with all it reaches: those objects live on;
 *   2. ephemerons, to a fixpoint: a live ephemeron whose key is marked has
 *      its value marked.  Keys not yet marked go into a hash table, and a
 *      hook in the mark (mark_hook) catches the moment one gets marked, so
 *      a chain of n ephemerons costs O(n) in any order, not O(n^2);
 *   3. weak references and ephemerons whose target or key is unmarked are
 *      cleared (both fields), boxes that died leave their registry;
 *   4. finalizable objects that are unmarked move to the ready queue and
 *      are marked, with all they reach, until their finalizer runs.
 * So an object queued for finalization already reads as dead through its
 * weak references and ephemerons ("weak before finalization", as Java's
 * WeakReference): a finalizer must not count on them.  Finalizers are
 * unordered: if A and B are both finalizable and unreachable, both are
 * queued in the same collection, in no particular order, and a cycle of
 * finalizable objects is finalized as a whole (each object once).
 *
 * Because clearing happens at the end of the mark, a weak reference to an
 * object that is unmarked but not yet swept already reads NULL: no stale
 * pointer is ever handed out.  In a minor collection old objects count as
 * marked: a weak reference to an old object is cleared by a later major
 * collection.
 *
 * INVARIANTS
 *   W1. Every box in a registry is an allocated object with its tag; a box
 *       that dies leaves the registry in the collection that frees it.
 *   W2. After weak_process, every non-NULL target, key and value of a live
 *       box is a marked object (the verifier checks it: weak_check).
 *   W3. An object is in the ready queue at most once per registration, and
 *       is alive (marked every collection) until its finalizer has run.
 */
#include <string.h>

#include "internal.h"
#include "trace.h"

#define TAG_WEAK ((uintptr_t)0x5745414b)        /* "WEAK" */
#define TAG_EPHEMERON ((uintptr_t)0x45504845)   /* "EPHE" */

struct box {
    uintptr_t tag;
    uintptr_t a;   /* a weak reference's target, or an ephemeron's key */
    uintptr_t b;   /* an ephemeron's value */
};

struct finalizer {
    uintptr_t obj;
    wgc_finalizer fn;
    void *data;
};

static struct gc_table weaks = {NULL, 0, 0, sizeof(uintptr_t), 0};
static struct gc_table ephemerons = {NULL, 0, 0, sizeof(uintptr_t), 0};
static struct gc_table finalizers = {NULL, 0, 0, sizeof(struct finalizer), 0};
static struct gc_table ready = {NULL, 0, 0, sizeof(struct finalizer), 0};
static struct finalizer running;   /* the one whose finalizer is being called */
static bool in_run;

/* ---- the API ----------------------------------------------------------------------- */

/* An allocated object's exact start (what a precise reference is). */
static bool is_object(uintptr_t p)
{
    struct span *s = span_of(p);
    if (s == NULL)
        return false;
    if (s->current)
        span_fold_cache(s);
    return span_object_at(s, p) >= 0;
}

/* Fill a box that alloc.c allocated (pointer-free, WEAK_BOX_BYTES) and
 * put it in its registry. */
static void *register_box(void *mem, uintptr_t tag, uintptr_t a, uintptr_t b,
                          struct gc_table *registry)
{
    uintptr_t p = (uintptr_t)mem;
    if (mem == NULL)
        return NULL;
    if (!gc_table_push(registry, &p))
        return gc_fail(WGC_ERR_NOMEM, sizeof(struct box));
    struct box *x = mem;
    x->tag = tag;
    x->a = a;
    x->b = b;
    return x;
}

static struct box *box_of(const void *p, uintptr_t tag)
{
    struct span *s = gc.init ? span_of((uintptr_t)p) : NULL;
    if (s == NULL || !s->noscan || span_obj_bytes(s) < sizeof(struct box) ||
        !is_object((uintptr_t)p) || ((const struct box *)p)->tag != tag) {
        gc_error(WGC_ERR_BAD_ARG);
        return NULL;
    }
    return (struct box *)p;
}

bool weak_check_target(const void *target, bool ephemeron)
{
    if (!gc.init) {
        gc_fail(WGC_ERR_NOT_INIT, 0);
        return false;
    }
    if ((ephemeron || target != NULL) && !is_object((uintptr_t)target)) {
        gc_fail(WGC_ERR_BAD_ARG, 0);
        return false;
    }
    return true;
}

void *weak_register(void *mem, void *target)
{
    return register_box(mem, TAG_WEAK, (uintptr_t)target, 0, &weaks);
}

void *ephemeron_register(void *mem, void *key, void *value)
{
    return register_box(mem, TAG_EPHEMERON, (uintptr_t)key, (uintptr_t)value, &ephemerons);
}

void *wgc_weak_get(const void *weak)
{
    struct box *x = box_of(weak, TAG_WEAK);
    return x != NULL ? (void *)x->a : NULL;
}

void *wgc_ephemeron_key(const void *eph)
{
    struct box *x = box_of(eph, TAG_EPHEMERON);
    return x != NULL ? (void *)x->a : NULL;
}

void *wgc_ephemeron_value(const void *eph)
{
    struct box *x = box_of(eph, TAG_EPHEMERON);
    return x != NULL ? (void *)x->b : NULL;
}

bool wgc_finalizer_add(void *obj, wgc_finalizer fn, void *data)
{
    if (!gc.init) {
        gc_error(WGC_ERR_NOT_INIT);
        return false;
    }
    if (fn == NULL || !is_object((uintptr_t)obj)) {
        gc_error(WGC_ERR_BAD_ARG);
        return false;
    }
    struct finalizer f = {(uintptr_t)obj, fn, data};
    if (!gc_table_push(&finalizers, &f)) {
        gc_fail(WGC_ERR_NOMEM, sizeof f);
        return false;
    }
    return true;
}

bool wgc_finalizer_remove(void *obj)
{
    for (size_t i = finalizers.n; i-- > 0;) {
        struct finalizer *f = gc_table_at(&finalizers, i);
        if (f->obj == (uintptr_t)obj) {
            gc_table_remove(&finalizers, i);
            return true;
        }
    }
    gc_error(WGC_ERR_BAD_ARG);
    return false;
}

size_t wgc_finalizers_pending(void)
{
    return ready.n;
}

size_t wgc_run_finalizers(void)
{
    if (in_run) {   /* from inside a finalizer: the outer call goes on */
        gc_error(WGC_ERR_BAD_ARG);
        return 0;
    }
    in_run = true;
    size_t n = 0;
    while (ready.n > 0) {
        /* `running` is marked by weak_process while the call lasts (W3). */
        running = *(struct finalizer *)gc_table_at(&ready, ready.n - 1);
        ready.n--;
        running.fn((void *)running.obj, running.data);
        running.obj = 0;
        n++;
    }
    in_run = false;
    return n;
}

/* ---- ephemerons to a fixpoint (step 2) ------------------------------------------------ */

/* Pending ephemerons (live, key not yet marked), indexed by key: a hash
 * table of chains through `next`, and the values that the mark hook found
 * due (their keys got marked), marked by the loop below. */
struct pending {
    uintptr_t key, box;
    uint32_t next;   /* index + 1 in the chain, 0: end */
};

static struct {
    struct pending *p;
    uint32_t *heads;   /* index + 1 of the first of each bucket */
    size_t n, mask;
    struct gc_table due;   /* values to mark */
} eph = {.due = {NULL, 0, 0, sizeof(uintptr_t), 0}};

static size_t bucket(uintptr_t key)
{
    return (size_t)((key >> 3) * 0x9E3779B1u) & eph.mask;
}

static void on_mark(uintptr_t obj)
{
    uint32_t *link = &eph.heads[bucket(obj)];
    while (*link != 0) {
        struct pending *e = &eph.p[*link - 1];
        if (e->key == obj) {
            uintptr_t value = ((struct box *)e->box)->b;
            if (!gc_table_push(&eph.due, &value))
                mark_hook = NULL;   /* out of memory: the slow rounds finish the job */
            *link = e->next;        /* done: off its chain */
        } else {
            link = &e->next;
        }
    }
}

/* The same without an index (no memory for one): rounds until nothing
 * changes.  Quadratic on a long chain in the worst order, correct always. */
static void ephemerons_by_rounds(void)
{
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t i = 0; i < ephemerons.n; i++) {
            struct box *x = *(struct box **)gc_table_at(&ephemerons, i);
            if (mark_is_live((uintptr_t)x) && mark_is_live(x->a) && x->b != 0 &&
                !mark_is_live(x->b) && is_object(x->b)) {
                mark_reach(x->b);
                changed = true;
            }
        }
    }
}

static void ephemerons_fixpoint(void)
{
    size_t npend = 0;
    for (size_t i = 0; i < ephemerons.n; i++) {
        struct box *x = *(struct box **)gc_table_at(&ephemerons, i);
        if (mark_is_live((uintptr_t)x) && !mark_is_live(x->a))
            npend++;
    }
    size_t buckets = 16;
    while (buckets < 2 * npend)
        buckets *= 2;
    size_t pbytes = (npend ? npend : 1) * sizeof(struct pending);
    size_t hbytes = buckets * sizeof(uint32_t);
    eph.p = sys_alloc(pbytes);
    eph.heads = eph.p != NULL ? sys_alloc(hbytes) : NULL;
    if (eph.heads == NULL) {
        if (eph.p != NULL)
            sys_free(eph.p, pbytes);
        ephemerons_by_rounds();
        return;
    }
    /* Index the pending ones by key before anything more is marked, then
     * set the hook: from here on, a key that gets marked queues its
     * ephemerons' values in `due`. */
    eph.mask = buckets - 1;
    eph.n = 0;
    for (size_t i = 0; i < ephemerons.n; i++) {
        struct box *x = *(struct box **)gc_table_at(&ephemerons, i);
        if (!mark_is_live((uintptr_t)x) || mark_is_live(x->a))
            continue;
        struct pending *e = &eph.p[eph.n];
        *e = (struct pending){x->a, (uintptr_t)x, eph.heads[bucket(x->a)]};
        eph.heads[bucket(x->a)] = (uint32_t)++eph.n;
    }
    mark_hook = on_mark;
    for (size_t i = 0; i < ephemerons.n; i++) {   /* keys already marked */
        struct box *x = *(struct box **)gc_table_at(&ephemerons, i);
        if (mark_is_live((uintptr_t)x) && mark_is_live(x->a))
            mark_reach(x->b);
    }
    while (eph.due.n > 0) {
        uintptr_t v = *(uintptr_t *)gc_table_at(&eph.due, --eph.due.n);
        mark_reach(v);
    }
    bool lost = mark_hook == NULL;
    mark_hook = NULL;
    sys_free(eph.heads, hbytes);
    sys_free(eph.p, pbytes);
    if (lost)
        ephemerons_by_rounds();
}

/* ---- the end of a mark -------------------------------------------------------------------- */

/* Step 3: clear what died, drop the boxes that died (W1, W2). */
static void clear_registry(struct gc_table *t, bool ephemeron)
{
    for (size_t i = t->n; i-- > 0;) {
        struct box *x = *(struct box **)gc_table_at(t, i);
        if (!mark_is_live((uintptr_t)x)) {
            gc_table_remove_fast(t, i);
            continue;
        }
        if (x->a != 0 && !mark_is_live(x->a)) {
            x->a = 0;
            if (ephemeron)
                x->b = 0;
        }
    }
}

void weak_process(void)
{
    if (weaks.n + ephemerons.n + finalizers.n + ready.n == 0 && running.obj == 0)
        return;   /* a heap with none pays nothing */
    for (size_t i = 0; i < ready.n; i++)
        mark_reach(((struct finalizer *)gc_table_at(&ready, i))->obj);
    if (running.obj != 0)
        mark_reach(running.obj);
    ephemerons_fixpoint();
    clear_registry(&weaks, false);
    clear_registry(&ephemerons, true);
    /* Step 4: queue the unreachable finalizable objects, then keep them. */
    size_t first = ready.n;
    for (size_t i = finalizers.n; i-- > 0;) {
        struct finalizer *f = gc_table_at(&finalizers, i);
        if (mark_is_live(f->obj))
            continue;
        if (!gc_table_push(&ready, f))
            continue;   /* no memory for the queue: it stays registered, kept alive */
        gc_table_remove(&finalizers, i);
    }
    for (size_t i = 0; i < finalizers.n; i++) {   /* those that could not be queued */
        struct finalizer *f = gc_table_at(&finalizers, i);
        if (!mark_is_live(f->obj))
            mark_reach(f->obj);
    }
    for (size_t i = first; i < ready.n; i++)
        mark_reach(((struct finalizer *)gc_table_at(&ready, i))->obj);
    trace_weak(ready.n, ephemerons.n, weaks.n);   /* counter tracks in Perfetto */
}

const char *weak_check(void)
{
    const struct gc_table *ts[2] = {&weaks, &ephemerons};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < ts[k]->n; i++) {
            const struct box *x = *(struct box **)gc_table_at(ts[k], i);
            if (!is_object((uintptr_t)x) || x->tag != (k ? TAG_EPHEMERON : TAG_WEAK))
                return "weak: a registry holds something that is not a live box (W1)";
            if (x->a != 0 && !is_object(x->a))
                return "weak: a weak reference or ephemeron key points to a freed object (W2)";
        }
    for (size_t i = 0; i < ready.n; i++)
        if (!is_object(((struct finalizer *)gc_table_at(&ready, i))->obj))
            return "weak: an object waiting for its finalizer was freed (W3)";
    return NULL;
}

uint64_t weak_metadata_bytes(void)
{
    return weaks.bytes + ephemerons.bytes + finalizers.bytes + ready.bytes + eph.due.bytes;
}
