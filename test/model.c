/* model.c — the collector's randomized model test (model.h), a shared test
 * source linked into test_gc.c (normal pacing) and test_gc_stress.c (stress
 * mode).
 *
 * The test runs a random program against the heap: allocate (records with
 * 0..4 pointer fields, arrays of pointers, arrays of a pointer-holding
 * struct, byte blobs; some of each large, > 32 KiB), link and unlink
 * pointer fields, add and drop global roots (a slot added twice counts
 * twice), push and pop local frames (slot lists and value arrays), store
 * interior pointers into a conservative range, and collect.  Beside it, in
 * malloc'd memory the collector never sees, it keeps a model of the object
 * graph: every object's address, unique id, size and the value of each of
 * its pointer slots (an object, NULL, a small tagged integer, or a pointer
 * outside the heap).
 *
 * An object the model finds unreachable can never be reached again (the
 * program only links objects it can reach), so after wgc_collect, which
 * sweeps everything, the heap must have freed exactly the objects the model
 * counts as dead:
 *   - every reachable object keeps its id, payload pattern and pointer
 *     slots, and its usable size;
 *   - nfree, bytes_freed, nmalloc, total_alloc, live_bytes, heap_alloc and
 *     nlarge agree with the model to the object and to the byte
 *     (sizes are wgc_usable_size, recorded at allocation);
 *   - a dead object's address is no object any more (unless a later live
 *     object reuses it);
 *   - wgc_verify passes, and the pause histogram counts every collection.
 * After an automatic collection (pacing or stress, inside an allocation)
 * the reachable objects are checked too, and nfree may lag the dead count
 * (lazy sweeping) but never pass it.
 *
 * Every allocation is checked for zeroed memory (also when it reuses a
 * poisoned slot) and 8-byte alignment.
 *
 * A run expects the heap to hold no live object when it starts (the other
 * tests of its suite clean up after themselves), and leaves none.
 */
#include "model.h"

#include "testutil.h"

#include "wgc.h"

#define MW sizeof(void *)
#define MODEL_LARGE ((size_t)32768)

/* ---- the object kinds ----------------------------------------------------------- */

enum mkind { MK_REC, MK_PTRARR, MK_PAIRARR, MK_BLOB };

/* A record: word 0 holds the id, the pointer fields are at the word indexes
 * in ptrw (negative: from the end, -1 the last word), every other word
 * holds a payload pattern.  Sizes are in words, so the layouts are the same
 * on wasm32 and natively; the large ones are given in bytes / MW so they
 * stay above 32 KiB on both. */
struct mrec_desc {
    size_t words;
    unsigned nptr;
    long ptrw[4];
};

static const struct mrec_desc mrec_descs[] = {
    {2, 0, {0}},
    {2, 1, {1}},
    {3, 2, {1, 2}},
    {5, 2, {1, 3}},
    {6, 4, {1, 2, 4, 5}},
    {9, 2, {2, -1}},
    {17, 3, {1, 8, -1}},
    {70, 4, {1, 63, 64, -1}},     /* past the 64-word mask of a type */
    {300, 3, {1, 150, -1}},
    {1000, 0, {0}},
    {40000 / MW, 3, {1, 2, -1}},          /* large */
    {100000 / MW, 4, {1, 64, 7000, -1}},  /* large, pointers spread out */
    {50000 / MW, 0, {0}},                 /* large, no pointers */
};
#define NMREC (sizeof mrec_descs / sizeof mrec_descs[0])
#define MREC_FIRST_LARGE 10

static struct wgc_type mrec_types[NMREC];
static uint32_t mrec_offsets[NMREC][4];
static size_t mrec_ptrw[NMREC][4];   /* resolved word indexes */

struct mptr_elem {
    void *p;
};
struct mpair_elem {
    void *p;
    uintptr_t x;
};
WGC_TYPE(mptr_elem_type, struct mptr_elem, offsetof(struct mptr_elem, p));
WGC_TYPE(mpair_elem_type, struct mpair_elem, offsetof(struct mpair_elem, p));

static uintptr_t model_foreign_word;   /* pointer slots may point here: outside the heap */

void model_types_init(void)
{
    for (size_t t = 0; t < NMREC; t++) {
        const struct mrec_desc *d = &mrec_descs[t];
        for (unsigned k = 0; k < d->nptr; k++) {
            long w = d->ptrw[k];
            size_t wi = w < 0 ? (size_t)((long)d->words + w) : (size_t)w;
            mrec_ptrw[t][k] = wi;
            mrec_offsets[t][k] = (uint32_t)(wi * MW);
        }
        mrec_types[t] = (struct wgc_type){"model record", d->words * MW, d->nptr,
                                          d->nptr ? mrec_offsets[t] : NULL, 0, 0, 0, 0};
    }
}

/* ---- the model ------------------------------------------------------------------ */

/* Slot codes: >= 0 an object (model index); below, values that are no
 * reference to anything. */
#define S_NULL (-1)
#define S_TAG (-2)       /* a small tagged integer (odd, below 64 KiB) */
#define S_FOREIGN (-3)   /* &model_foreign_word */

struct mobj {
    uintptr_t addr;
    uint32_t id;
    uint8_t kind, rec, dead, reach;
    size_t bytes;     /* asked for */
    size_t usable;    /* wgc_usable_size at allocation */
    size_t nslots;
    int32_t *slot;    /* code of each pointer slot */
};

#define MG 24        /* global root slots */
#define MFD 10       /* frame depth */
#define MFN 8        /* slots per frame */
#define MR 8         /* words of the conservative range */

struct model {
    struct model_params p;
    struct rng r;
    struct mobj *o;
    size_t n, cap;
    uint32_t *alive;      /* indexes of objects not yet dead */
    size_t nalive;
    uint32_t *reach;      /* reachable objects, valid when !dirty */
    size_t nreach;
    bool dirty;
    uint32_t *stack;
    /* roots */
    void **g;
    unsigned gcount[MG];
    int32_t gtgt[MG];
    struct wgc_frame fr[MFD];
    void *fvars[MFD][MFN];
    void *fslots[MFD][MFN];
    int32_t ftgt[MFD][MFN];
    int depth;
    uintptr_t *rw;
    int32_t rtgt[MR];
    /* expectations */
    uint64_t ndead, dead_usable, alloc_usable;
    struct wgc_stats base;
    uint64_t gc_seen;
    /* what happened, for the report */
    uint64_t n_explicit, n_auto, n_checked;
};

/* MODEL_TRACE=1 in the environment prints every operation (with WGC_SEED,
 * to follow a failing run step by step). */
static bool mtrace_on;

__attribute__((format(printf, 1, 2)))
static void mtrace(const char *fmt, ...)
{
    if (!mtrace_on)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

static uintptr_t mpay(uint32_t id, size_t w)
{
    uint64_t x = ((uint64_t)id << 32) ^ (uint64_t)w;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (uintptr_t)x;
}

static uintptr_t mtag(uint32_t id, size_t w)
{
    return ((mpay(id, w) & 0x7fff) << 1) | 1;
}

static uint8_t mbyte(uint32_t id, size_t i)
{
    return (uint8_t)(id * 131u + i * 7u + (i >> 8));
}

/* The word of object o that holds slot k. */
static size_t mslot_word(const struct mobj *o, size_t k)
{
    switch (o->kind) {
    case MK_REC: return mrec_ptrw[o->rec][k];
    case MK_PTRARR: return 1 + k;
    case MK_PAIRARR: return 2 * k;
    }
    return 0;
}

static uintptr_t mslot_value(const struct model *m, const struct mobj *o, size_t k, int32_t code)
{
    if (code >= 0)
        return m->o[code].addr;
    switch (code) {
    case S_NULL: return 0;
    case S_TAG: return mtag(o->id, mslot_word(o, k));
    case S_FOREIGN: return (uintptr_t)&model_foreign_word;
    }
    fail_msg("bad slot code %d", (int)code);
    return 0;
}

static void mset_slot(struct model *m, struct mobj *o, size_t k, int32_t code)
{
    if (o->slot[k] >= 0)
        m->dirty = true;
    o->slot[k] = code;
    /* Through the write barrier: the object may be old (generational runs). */
    wgc_write(&((void **)o->addr)[mslot_word(o, k)], (void *)mslot_value(m, o, k, code));
    mtrace("  slot %zu (word %zu) of id %u = %d\n", k, mslot_word(o, k), o->id, (int)code);
}

static void mexplain(const struct model *m, const struct mobj *o);

/* The value every word of a live object must hold. */
static void mcheck_object(const struct model *m, const struct mobj *o)
{
    const uintptr_t *w = (const uintptr_t *)o->addr;
    size_t usable = wgc_usable_size((void *)o->addr);
    if (usable != o->usable) {
        mexplain(m, o);
        fail_msg("object id %u at %p: usable size %zu, was %zu", o->id, (void *)o->addr, usable,
                 o->usable);
    }
    switch (o->kind) {
    case MK_REC: {
        size_t words = o->bytes / MW, k = 0;
        const size_t *pw = mrec_ptrw[o->rec];
        for (size_t i = 0; i < words; i++) {
            uintptr_t want;
            if (k < o->nslots && pw[k] == i)
                want = mslot_value(m, o, k, o->slot[k]), k++;
            else
                want = i == 0 ? (uintptr_t)o->id : mpay(o->id, i);
            if (w[i] != want)
                fail_msg("record id %u (type %u) at %p: word %zu is %#lx, want %#lx", o->id,
                         o->rec, (void *)o->addr, i, (unsigned long)w[i], (unsigned long)want);
        }
        break;
    }
    case MK_PTRARR:
        if (w[0] != (((uintptr_t)o->id << 1) | 1))
            fail_msg("pointer array at %p: id word %#lx, want id %u", (void *)o->addr,
                     (unsigned long)w[0], o->id);
        for (size_t k = 0; k < o->nslots; k++)
            if (w[1 + k] != mslot_value(m, o, k, o->slot[k]))
                fail_msg("pointer array id %u at %p: element %zu of %zu is %#lx, want %#lx "
                         "(code %d)", o->id, (void *)o->addr, 1 + k, 1 + o->nslots,
                         (unsigned long)w[1 + k], (unsigned long)mslot_value(m, o, k, o->slot[k]),
                         (int)o->slot[k]);
        break;
    case MK_PAIRARR:
        for (size_t k = 0; k < o->nslots; k++) {
            uintptr_t x = k == 0 ? (uintptr_t)o->id : mpay(o->id, 2 * k + 1);
            if (w[2 * k] != mslot_value(m, o, k, o->slot[k]) || w[2 * k + 1] != x)
                fail_msg("pair array id %u at %p: element %zu of %zu is {%#lx, %#lx}, want "
                         "{%#lx, %#lx}", o->id, (void *)o->addr, k, o->nslots,
                         (unsigned long)w[2 * k], (unsigned long)w[2 * k + 1],
                         (unsigned long)mslot_value(m, o, k, o->slot[k]), (unsigned long)x);
        }
        break;
    case MK_BLOB: {
        uintptr_t id;
        memcpy(&id, (const void *)o->addr, MW);
        if (id != o->id)
            fail_msg("blob at %p: id %lu, want %u", (void *)o->addr, (unsigned long)id, o->id);
        const uint8_t *b = (const uint8_t *)o->addr;
        for (size_t i = MW; i < o->bytes; i++)
            if (b[i] != mbyte(o->id, i))
                fail_msg("blob id %u at %p: byte %zu of %zu is %#x, want %#x", o->id,
                         (void *)o->addr, i, o->bytes, b[i], mbyte(o->id, i));
        break;
    }
    }
}

/* ---- reachability ---------------------------------------------------------------- */

static void mvisit(struct model *m, int32_t code, size_t *sp)
{
    if (code < 0)
        return;
    struct mobj *o = &m->o[code];
    if (o->dead)
        fail_msg("model: a root or live object refers to dead object id %u", o->id);
    if (!o->reach) {
        o->reach = 1;
        m->stack[(*sp)++] = (uint32_t)code;
    }
}

/* Recompute the reachable set; objects that fell out of it are dead for
 * good. */
static void mreach(struct model *m)
{
    if (!m->dirty)
        return;
    for (size_t i = 0; i < m->nalive; i++)
        m->o[m->alive[i]].reach = 0;
    size_t sp = 0;
    for (int i = 0; i < MG; i++)
        if (m->gcount[i] > 0)
            mvisit(m, m->gtgt[i], &sp);
    for (int d = 0; d < m->depth; d++)
        for (size_t k = 0; k < m->fr[d].n; k++)
            mvisit(m, m->ftgt[d][k], &sp);
    for (int k = 0; k < MR; k++)
        mvisit(m, m->rtgt[k], &sp);
    while (sp > 0) {
        struct mobj *o = &m->o[m->stack[--sp]];
        for (size_t k = 0; k < o->nslots; k++)
            mvisit(m, o->slot[k], &sp);
    }
    size_t keep = 0;
    m->nreach = 0;
    for (size_t i = 0; i < m->nalive; i++) {
        struct mobj *o = &m->o[m->alive[i]];
        if (o->reach) {
            m->alive[keep++] = m->alive[i];
            m->reach[m->nreach++] = m->alive[i];
        } else {
            o->dead = 1;
            m->ndead++;
            m->dead_usable += o->usable;
        }
    }
    m->nalive = keep;
    m->dirty = false;
}

/* Print how the model reaches o: a path from a root (for failures). */
static void mexplain(const struct model *m, const struct mobj *o)
{
    int32_t want = (int32_t)(o - m->o);
    int32_t *parent = malloc(m->n * sizeof *parent);
    uint32_t *queue = malloc(m->n * sizeof *queue);
    if (parent == NULL || queue == NULL)
        goto out;
    for (size_t i = 0; i < m->n; i++)
        parent[i] = -2;
    size_t head = 0, tail = 0;
#define MEXPLAIN_ROOT(code, ...)                                      \
    do {                                                              \
        int32_t c_ = (code);                                          \
        if (c_ == want)                                               \
            fprintf(stderr, "model: id %u is held by " __VA_ARGS__);  \
        if (c_ >= 0 && parent[c_] == -2)                              \
            parent[c_] = -1, queue[tail++] = (uint32_t)c_;            \
    } while (0)
    for (int i = 0; i < MG; i++)
        if (m->gcount[i] > 0)
            MEXPLAIN_ROOT(m->gtgt[i], "global %d (%p, added %u times)\n", o->id, i,
                          (void *)&m->g[i], m->gcount[i]);
    for (int d = 0; d < m->depth; d++)
        for (size_t k = 0; k < m->fr[d].n; k++)
            MEXPLAIN_ROOT(m->ftgt[d][k], "frame %d (%s) variable %zu\n", o->id, d,
                          m->fr[d].slots ? "slot list" : "array", k);
    for (int k = 0; k < MR; k++)
        MEXPLAIN_ROOT(m->rtgt[k], "range word %d (%#lx)\n", o->id, k, (unsigned long)m->rw[k]);
#undef MEXPLAIN_ROOT
    while (head < tail) {
        uint32_t x = queue[head++];
        const struct mobj *h = &m->o[x];
        for (size_t k = 0; k < h->nslots; k++) {
            int32_t c = h->slot[k];
            if (c == want)
                fprintf(stderr, "model: id %u is in slot %zu (word %zu) of id %u (kind %d, %p)\n",
                        o->id, k, mslot_word(h, k), h->id, (int)h->kind, (void *)h->addr);
            if (c >= 0 && parent[c] == -2)
                parent[c] = (int32_t)x, queue[tail++] = (uint32_t)c;
        }
    }
out:
    free(parent);
    free(queue);
}

/* A reachable object, or S_NULL when there is none (or by chance). */
static int32_t mpick_target(struct model *m)
{
    mreach(m);
    if (m->nreach == 0 || rng_below(&m->r, 10) == 0)
        return S_NULL;
    return (int32_t)m->reach[rng_below(&m->r, m->nreach)];
}

/* A value for a pointer slot: mostly an object, sometimes no reference. */
static int32_t mpick_value(struct model *m)
{
    switch (rng_below(&m->r, 12)) {
    case 0: return S_TAG;
    case 1: return S_FOREIGN;
    case 2: return S_NULL;
    }
    return mpick_target(m);
}

static struct mobj *mpick_holder(struct model *m)
{
    mreach(m);
    for (int tries = 0; tries < 8 && m->nreach > 0; tries++) {
        struct mobj *o = &m->o[m->reach[rng_below(&m->r, m->nreach)]];
        if (o->nslots > 0)
            return o;
    }
    return NULL;
}

static size_t mpick_slot(struct model *m, const struct mobj *o)
{
    /* The last slot often: a pointer at the very end must be seen. */
    if (rng_below(&m->r, 4) == 0)
        return o->nslots - 1;
    return (size_t)rng_below(&m->r, o->nslots);
}

/* ---- checks after a collection ------------------------------------------------- */

static int mcmp_addr(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

static void mcheck_heap(struct model *m, bool settled)
{
    mreach(m);
    m->n_checked++;
    uint64_t live = 0, nlarge = 0;
    for (size_t i = 0; i < m->nreach; i++) {
        const struct mobj *o = &m->o[m->reach[i]];
        mcheck_object(m, o);
        live += o->usable;
        nlarge += o->usable > MODEL_LARGE;
    }
    struct wgc_stats st;
    wgc_stats(&st);
    uint64_t nfree = st.nfree - m->base.nfree;
    if (!settled) {
        /* Lazy sweeping: some garbage may still be unswept, but nothing
         * reachable may have been freed. */
        if (nfree > m->ndead)
            fail_msg("%s: %llu objects freed but only %llu are unreachable", m->p.name,
                     (unsigned long long)nfree, (unsigned long long)m->ndead);
        return;
    }
    assert_int_equal(nfree, m->ndead);
    assert_int_equal(st.bytes_freed - m->base.bytes_freed, m->dead_usable);
    assert_int_equal(st.nmalloc - m->base.nmalloc, m->n);
    assert_int_equal(st.total_alloc - m->base.total_alloc, m->alloc_usable);
    assert_int_equal(st.live_bytes, live);
    assert_int_equal(st.heap_alloc, live);
    assert_int_equal(st.nlarge, nlarge);
    uint64_t hist = 0;
    for (int b = 0; b < WGC_PAUSE_BUCKETS; b++)
        hist += st.pause_hist[b];
    assert_int_equal(hist, st.num_gc);
    assert_true(st.pause_total_ns >= st.pause_max_ns);
    assert_true(st.pause_max_ns >= st.pause_last_ns);

    /* A dead object's address is no object now, unless a live one took it. */
    uintptr_t *addrs = malloc((m->nreach + 1) * sizeof *addrs);
    assert_non_null(addrs);
    for (size_t i = 0; i < m->nreach; i++)
        addrs[i] = m->o[m->reach[i]].addr;
    qsort(addrs, m->nreach, sizeof *addrs, mcmp_addr);
    for (size_t i = 0; i < m->n; i++) {
        const struct mobj *o = &m->o[i];
        if (!o->dead || bsearch(&o->addr, addrs, m->nreach, sizeof *addrs, mcmp_addr))
            continue;
        if (wgc_usable_size((void *)o->addr) != 0)
            fail_msg("%s: dead object id %u at %p is still allocated", m->p.name, o->id,
                     (void *)o->addr);
    }
    free(addrs);

    char msg[256];
    if (!wgc_verify(msg, sizeof msg))
        fail_msg("%s: wgc_verify: %s", m->p.name, msg);
}

/* An allocation may have collected: check the heap then. */
static void mafter_alloc(struct model *m)
{
    struct wgc_stats st;
    wgc_stats(&st);
    if (st.num_gc != m->gc_seen) {
        m->n_auto += st.num_gc - m->gc_seen;
        m->gc_seen = st.num_gc;
        mcheck_heap(m, false);
    }
}

static void mcollect(struct model *m)
{
    mtrace("collect\n");
    wgc_collect();
    struct wgc_stats st;
    wgc_stats(&st);
    assert_int_equal(st.num_gc, m->gc_seen + 1);
    m->gc_seen = st.num_gc;
    m->n_explicit++;
    m->dirty = true;   /* not needed for correctness: recount from scratch */
    mcheck_heap(m, true);
}

/* ---- the operations ------------------------------------------------------------- */

static struct mobj *mnew(struct model *m)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 1024;
        m->o = realloc(m->o, m->cap * sizeof *m->o);
        m->alive = realloc(m->alive, m->cap * sizeof *m->alive);
        m->reach = realloc(m->reach, m->cap * sizeof *m->reach);
        m->stack = realloc(m->stack, m->cap * sizeof *m->stack);
        assert_true(m->o && m->alive && m->reach && m->stack);
    }
    struct mobj *o = &m->o[m->n];
    memset(o, 0, sizeof *o);
    o->id = (uint32_t)(m->n + 1);
    return o;
}

static void mop_alloc(struct model *m, bool quiet)
{
    /* Settle the reachable set first: the new object joins it only once
     * it is stored somewhere. */
    mreach(m);
    struct mobj *o = mnew(m);
    bool large = rng_below(&m->r, 1000) < m->p.large_permille * (quiet ? 3 : 1);
    void *p = NULL;
    unsigned pick = (unsigned)rng_below(&m->r, 100);
    if (pick < 45) {
        o->kind = MK_REC;
        o->rec = (uint8_t)(large ? MREC_FIRST_LARGE + rng_below(&m->r, NMREC - MREC_FIRST_LARGE)
                                 : rng_below(&m->r, MREC_FIRST_LARGE));
        o->bytes = mrec_types[o->rec].size;
        o->nslots = mrec_descs[o->rec].nptr;
        p = wgc_alloc(&mrec_types[o->rec]);
    } else if (pick < 65) {
        o->kind = MK_PTRARR;
        size_t n = large ? MODEL_LARGE / MW + 1 + rng_below(&m->r, m->p.big_array_max)
                         : 2 + rng_below(&m->r, 40);
        o->bytes = n * MW;
        o->nslots = n - 1;
        p = wgc_alloc_array(&mptr_elem_type, n);
    } else if (pick < 75) {
        o->kind = MK_PAIRARR;
        size_t n = large ? MODEL_LARGE / sizeof(struct mpair_elem) + 1 +
                               rng_below(&m->r, m->p.big_array_max / 2)
                         : 1 + rng_below(&m->r, 30);
        o->bytes = n * sizeof(struct mpair_elem);
        o->nslots = n;
        p = wgc_alloc_array(&mpair_elem_type, n);
    } else {
        o->kind = MK_BLOB;
        o->bytes = large ? MODEL_LARGE + 1 + rng_below(&m->r, 90000) : MW + rng_below(&m->r, 400);
        p = wgc_alloc_bytes(o->bytes);
    }
    if (p == NULL)
        fail_msg("%s: allocation %zu (kind %d, %zu bytes) failed: %s", m->p.name, m->n,
                 (int)o->kind, o->bytes, wgc_error_string(wgc_last_error()));
    o->addr = (uintptr_t)p;
    o->usable = wgc_usable_size(p);
    if ((o->addr & 7) != 0 || o->usable < o->bytes)
        fail_msg("allocation at %p: %zu usable bytes for %zu", p, o->usable, o->bytes);
    const unsigned char *b = p;
    for (size_t i = 0; i < o->usable; i++)
        if (b[i] != 0)
            fail_msg("%s: fresh object at %p (%zu bytes): byte %zu is %#x, not zero", m->p.name,
                     p, o->usable, i, b[i]);
    /* Fill it in: id, payload, the initial value of every slot. */
    o->slot = o->nslots ? malloc(o->nslots * sizeof *o->slot) : NULL;
    assert_true(o->nslots == 0 || o->slot != NULL);
    uintptr_t *w = p;
    switch (o->kind) {
    case MK_REC:
        for (size_t i = 1; i < o->bytes / MW; i++)
            w[i] = mpay(o->id, i);
        w[0] = o->id;
        for (size_t k = 0; k < o->nslots; k++)
            o->slot[k] = S_NULL, w[mrec_ptrw[o->rec][k]] = 0;
        break;
    case MK_PTRARR:
        w[0] = ((uintptr_t)o->id << 1) | 1;
        for (size_t k = 0; k < o->nslots; k++)
            o->slot[k] = S_TAG, w[1 + k] = mtag(o->id, 1 + k);
        break;
    case MK_PAIRARR:
        for (size_t k = 0; k < o->nslots; k++) {
            o->slot[k] = S_NULL;
            w[2 * k + 1] = k == 0 ? o->id : mpay(o->id, 2 * k + 1);
        }
        break;
    case MK_BLOB: {
        uintptr_t id = o->id;
        memcpy(p, &id, MW);
        for (size_t i = MW; i < o->bytes; i++)
            ((uint8_t *)p)[i] = mbyte(o->id, i);
        break;
    }
    }
    uint32_t idx = (uint32_t)m->n++;
    m->alloc_usable += o->usable;
    mtrace("alloc #%u id %u kind %d bytes %zu at %p\n", idx, o->id, (int)o->kind, o->bytes, p);

    /* Put it somewhere (or nowhere: garbage at once). */
    bool rooted = false;
    switch (rng_below(&m->r, 10)) {
    case 0:
    case 1:
    case 2: {
        int i = (int)rng_below(&m->r, MG);
        if (m->gcount[i] > 0 && m->gtgt[i] >= 0)
            m->dirty = true;
        m->g[i] = p;
        m->gtgt[i] = (int32_t)idx;
        mtrace("  into global %d (count %u)\n", i, m->gcount[i]);
        rooted = m->gcount[i] > 0;
        break;
    }
    case 3:
    case 4:
        if (m->depth > 0) {
            int d = (int)rng_below(&m->r, (uint64_t)m->depth);
            size_t k = rng_below(&m->r, m->fr[d].n);
            if (m->ftgt[d][k] >= 0)
                m->dirty = true;
            m->fvars[d][k] = p;
            m->ftgt[d][k] = (int32_t)idx;
            mtrace("  into frame %d var %zu\n", d, k);
            rooted = true;
        }
        break;
    case 5:
    case 6:
    case 7:
    case 8: {
        struct mobj *h = mpick_holder(m);
        if (h != NULL) {
            mset_slot(m, h, mpick_slot(m, h), (int32_t)idx);
            rooted = true;
        }
        break;
    }
    }
    m->alive[m->nalive++] = idx;
    if (rooted && !m->dirty)
        m->reach[m->nreach++] = idx, m->o[idx].reach = 1;
    else
        m->dirty = true;
    mafter_alloc(m);
}

static void mop_link(struct model *m)
{
    struct mobj *h = mpick_holder(m);
    if (h == NULL)
        return;
    size_t k = mpick_slot(m, h);
    mset_slot(m, h, k, mpick_value(m));
}

static void mop_unlink(struct model *m)
{
    struct mobj *h = mpick_holder(m);
    if (h == NULL)
        return;
    size_t k = mpick_slot(m, h);
    static const int32_t none[] = {S_NULL, S_NULL, S_TAG, S_FOREIGN};
    mset_slot(m, h, k, none[rng_below(&m->r, 4)]);
}

static void mop_global(struct model *m)
{
    int i = (int)rng_below(&m->r, MG);
    switch (rng_below(&m->r, 3)) {
    case 0:   /* add (again) */
        if (m->gcount[i] == 0) {
            /* The slot's old value is stale: not a root until now. */
            int32_t t = mpick_target(m);
            m->gtgt[i] = t;
            m->g[i] = t >= 0 ? (void *)m->o[t].addr : NULL;
        } else if (m->gcount[i] >= 3) {
            return;
        }
        assert_true(wgc_root_add(&m->g[i]));
        m->gcount[i]++;
        mtrace("global %d add -> count %u, value %d\n", i, m->gcount[i], (int)m->gtgt[i]);
        break;
    case 1:   /* remove */
        if (m->gcount[i] == 0) {
            assert_false(wgc_root_remove(&m->g[i]));
            assert_int_equal(wgc_last_error(), WGC_ERR_BAD_ARG);
            return;
        }
        assert_true(wgc_root_remove(&m->g[i]));
        if (--m->gcount[i] == 0 && m->gtgt[i] >= 0)
            m->dirty = true;
        mtrace("global %d remove -> count %u\n", i, m->gcount[i]);
        break;
    case 2: {   /* store */
        int32_t t = mpick_target(m);
        if (m->gcount[i] > 0 && m->gtgt[i] >= 0)
            m->dirty = true;
        m->gtgt[i] = t;
        m->g[i] = t >= 0 ? (void *)m->o[t].addr : NULL;
        mtrace("global %d = %d (count %u)\n", i, (int)t, m->gcount[i]);
        break;
    }
    }
}

static void mop_frame(struct model *m)
{
    switch (rng_below(&m->r, 3)) {
    case 0: {   /* push */
        if (m->depth == MFD)
            return;
        int d = m->depth;
        struct wgc_frame *f = &m->fr[d];
        f->n = 1 + rng_below(&m->r, MFN);
        for (size_t k = 0; k < f->n; k++) {
            int32_t t = mpick_target(m);
            m->ftgt[d][k] = t;
            m->fvars[d][k] = t >= 0 ? (void *)m->o[t].addr : NULL;
            /* A slot list names the variables in reverse order. */
            m->fslots[d][k] = &m->fvars[d][f->n - 1 - k];
        }
        if (rng_below(&m->r, 2)) {
            f->slots = (void *const *)m->fslots[d];
            f->array = NULL;
        } else {
            f->slots = NULL;
            f->array = m->fvars[d];
        }
        wgc_frame_push(f);
        assert_ptr_equal(wgc_frames_top, f);
        m->depth++;
        mtrace("push frame %d (%s, n %zu)\n", d, f->slots ? "slots" : "array", f->n);
        break;
    }
    case 1: {   /* pop */
        if (m->depth == 0)
            return;
        struct wgc_frame *f = &m->fr[m->depth - 1];
        assert_ptr_equal(wgc_frames_top, f);
        wgc_frame_pop(f);
        m->depth--;
        mtrace("pop frame %d\n", m->depth);
        for (size_t k = 0; k < f->n; k++)
            if (m->ftgt[m->depth][k] >= 0)
                m->dirty = true;
        break;
    }
    case 2: {   /* store into a variable of any frame */
        if (m->depth == 0)
            return;
        int d = (int)rng_below(&m->r, (uint64_t)m->depth);
        size_t k = rng_below(&m->r, m->fr[d].n);
        int32_t t = mpick_target(m);
        if (m->ftgt[d][k] >= 0)
            m->dirty = true;
        m->ftgt[d][k] = t;
        m->fvars[d][k] = t >= 0 ? (void *)m->o[t].addr : NULL;
        mtrace("frame %d var %zu = %d\n", d, k, (int)t);
        break;
    }
    }
}

static void mop_range(struct model *m)
{
    int k = (int)rng_below(&m->r, MR);
    /* Pick first: mpick_target settles the reachable set, which must then
     * lose the old target if it was the last reference. */
    int32_t t = rng_below(&m->r, 3) ? mpick_target(m) : S_NULL;
    if (m->rtgt[k] >= 0)
        m->dirty = true;
    m->rtgt[k] = t;
    if (t < 0) {
        m->rw[k] = 0;
        return;
    }
    /* Anywhere inside the object: the first byte, the last, or between. */
    const struct mobj *o = &m->o[t];
    size_t off;
    switch (rng_below(&m->r, 3)) {
    case 0: off = 0; break;
    case 1: off = o->bytes - 1; break;
    default: off = rng_below(&m->r, o->bytes); break;
    }
    m->rw[k] = o->addr + off;
    mtrace("range word %d = %d + %zu\n", k, (int)t, off);
}

/* ---- the run -------------------------------------------------------------------- */

/* The run in progress, so that a failed run's roots can be dropped by the
 * test's teardown (model_abandon) and the next tests start clean. */
static struct model *model_live;

static void model_free(struct model *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->o[i].slot);
    free(m->o);
    free(m->alive);
    free(m->reach);
    free(m->stack);
    free(m->g);
    free(m->rw);
    free(m);
}

/* See model.h. */
void model_abandon(void)
{
    struct model *m = model_live;
    if (m == NULL)
        return;
    for (int i = 0; i < MG; i++)
        while (m->gcount[i] > 0 && wgc_root_remove(&m->g[i]))
            m->gcount[i]--;
    while (wgc_range_remove(m->rw))
        ;
    wgc_frames_top = NULL;
    model_live = NULL;
    model_free(m);
}

void model_run(const struct model_params *params)
{
    struct model *m = calloc(1, sizeof *m);
    assert_non_null(m);
    m->p = *params;
    m->r = test_rng(params->name);
    m->r.s ^= params->salt * 0x9E3779B97F4A7C15ULL;
    if (m->r.s == 0)
        m->r.s = 1;
    mtrace_on = getenv("MODEL_TRACE") != NULL;
    m->g = calloc(MG, sizeof *m->g);
    m->rw = calloc(MR, sizeof *m->rw);
    assert_true(m->g && m->rw);
    for (int i = 0; i < MG; i++)
        m->gtgt[i] = S_NULL;
    for (int k = 0; k < MR; k++)
        m->rtgt[k] = S_NULL;
    model_live = m;
    struct wgc_frame *saved = wgc_frames_save();
    assert_null(saved);   /* the tests of the file leave no frame behind */
    assert_true(wgc_range_add(m->rw, MR * MW));

    wgc_collect();
    wgc_stats(&m->base);
    assert_int_equal(m->base.live_bytes, 0);   /* the other tests left nothing live */
    m->gc_seen = m->base.num_gc;

    for (long step = 0; step < m->p.steps; step++) {
        if (step % 64 == 0 && !m->dirty) {
            /* The model checks itself: the reachable set it kept up to date
             * is the one it computes from scratch. */
            size_t nreach = m->nreach;
            uint64_t ndead = m->ndead;
            m->dirty = true;
            mreach(m);
            if (m->nreach != nreach || m->ndead != ndead)
                fail_msg("%s: step %ld: the model lost track: %zu reachable, %zu from scratch",
                         m->p.name, step, nreach, m->nreach);
        }
        mreach(m);
        bool crowded = m->nreach > m->p.live_max;
        unsigned op = (unsigned)rng_below(&m->r, 100);
        bool quiet = m->p.epoch > 0 && (step / m->p.epoch) % 2 == 1;
        if (m->p.epoch > 0 && step > 0 && step % m->p.epoch == 0)
            mcollect(m);
        else if (!quiet && rng_below(&m->r, m->p.collect_every) == 0)
            mcollect(m);
        else if (op < 40)
            mop_alloc(m, quiet);
        else if (op < 58)
            crowded ? mop_unlink(m) : mop_link(m);
        else if (op < 70)
            mop_unlink(m);
        else if (op < 82)
            mop_global(m);
        else if (op < 94)
            mop_frame(m);
        else if (op < 98)
            mop_range(m);
        else if (op < 99) {
            /* wgc_verify in the middle of a cycle (it settles the sweep). */
            char msg[256];
            if (!wgc_verify(msg, sizeof msg))
                fail_msg("%s: step %ld: wgc_verify: %s", m->p.name, step, msg);
        } else {
            mcheck_heap(m, false);
        }
    }
    mcollect(m);

    /* Drop every root: everything must go. */
    for (int i = 0; i < MG; i++)
        while (m->gcount[i] > 0) {
            assert_true(wgc_root_remove(&m->g[i]));
            m->gcount[i]--;
        }
    while (m->depth > 0) {
        assert_ptr_equal(wgc_frames_top, &m->fr[m->depth - 1]);
        wgc_frame_pop(&m->fr[--m->depth]);
    }
    assert_ptr_equal(wgc_frames_top, saved);
    assert_true(wgc_range_remove(m->rw));
    assert_false(wgc_range_remove(m->rw));
    for (int k = 0; k < MR; k++)
        m->rtgt[k] = S_NULL;
    m->dirty = true;
    mcollect(m);
    assert_int_equal(m->nreach, 0);
    assert_int_equal(m->ndead, m->n);
    struct wgc_stats st;
    wgc_stats(&st);
    assert_int_equal(st.live_bytes, 0);
    if (m->n_auto < m->p.min_auto)
        fail_msg("%s: only %llu automatic collections, want %llu: the run is too small",
                 m->p.name, (unsigned long long)m->n_auto, (unsigned long long)m->p.min_auto);
    printf("[ MODEL    ] %s: %ld steps, %zu objects (%llu bytes), %llu explicit + %llu automatic "
           "collections, %llu heap checks\n",
           m->p.name, m->p.steps, m->n, (unsigned long long)m->alloc_usable,
           (unsigned long long)m->n_explicit, (unsigned long long)m->n_auto,
           (unsigned long long)m->n_checked);

    model_live = NULL;
    model_free(m);
}

struct wgc_type *model_small_record_type(unsigned i)
{
    return &mrec_types[i % MREC_FIRST_LARGE];
}

struct wgc_type *model_pair_elem_type(void)
{
    return &mpair_elem_type;
}
