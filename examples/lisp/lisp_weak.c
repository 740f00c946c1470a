/* lisp_weak.c — what the Scheme builds on wgc's weak references,
 * ephemerons and finalizers (wgc.h): SRFI 124 ephemerons, guardians
 * (Dybvig's make-guardian), SRFI 69 hash tables (weak-keyed ones hold each
 * entry in an ephemeron), and the safe point where queued finalizers run.
 * Below: lisp_obj.c, lisp_eval.c, lisp_prims.c (lisp_equal).  Above:
 * lisp_prims.c (prims_init binds weak_prims), lisp_api.c (runs the
 * finalizers after each top-level form).
 *
 * Invariants:
 *   K1. Finalizers run only from lisp_run_finalizers, which is called
 *       between top-level forms and by (run-finalizers): never from inside
 *       an allocation.  A finalizer never unwinds (wgc_run_finalizers
 *       would stay "running" for good): it allocates with cons_quiet and,
 *       when the heap is full, registers the object again to retry at the
 *       next collection.  wgc calls its error hook for bad arguments too,
 *       so calls that may fail harmlessly run with lisp_alloc_quiet set.
 *   K2. A guardian is known to its finalizers by its slot in gtable (a
 *       vector, a root) that holds a wgc weak reference to it: the
 *       finalizer's data is the slot number, which wgc does not trace.  A
 *       slot is reused only once its guardian is dead and no registration
 *       of it is pending (gpending), so a late finalizer never finds
 *       another guardian there.
 *   K3. A hash table's count is the number of entries in its buckets; in
 *       a weak-keyed table an entry whose key died (a broken ephemeron)
 *       still counts until a walk of its bucket drops it, so the count
 *       that hash-table-count reports comes after purging every bucket.
 *   K4. The raw wgc boxes (weak references, ephemerons) never reach Scheme
 *       code: they sit in gtable and in the box field of struct ephemeron,
 *       and nothing else refers to them (they have no Scheme header, L1).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lisp.h"

WGC_TYPE(ephemeron_type, struct ephemeron, offsetof(struct ephemeron, box),
         offsetof(struct ephemeron, key), offsetof(struct ephemeron, datum));
WGC_TYPE(guardian_type, struct guardian, offsetof(struct guardian, head),
         offsetof(struct guardian, tail));
WGC_TYPE(hashtable_type, struct hashtable, offsetof(struct hashtable, buckets));

static void *alloc_obj(struct wgc_type *t, enum kind k)
{
    value *p = wgc_alloc(t);
    if (!p) lisp_error_unwind("out of memory (%s)", wgc_error_string(wgc_last_error()));
    p[0] = HDR(k);
    return p;
}

/* ---- finalizers at safe points (K1) ---------------------------------------------- */

size_t lisp_run_finalizers(void)
{
    if (wgc_finalizers_pending() == 0) return 0;
    bool was = lisp_alloc_quiet;
    lisp_alloc_quiet = true;   /* a nested call fails with BAD_ARG: no unwinding */
    size_t n = wgc_run_finalizers();
    lisp_alloc_quiet = was;
    return n;
}

static value p_run_finalizers(int argc, value *argv)
{
    (void)argc, (void)argv;
    return make_int((int64_t)lisp_run_finalizers());
}

/* ---- SRFI 124 ephemerons ------------------------------------------------------ */

static value make_ephemeron(value key, value datum)
{
    value e = 0;
    WGC_LOCALS(key, datum, e);
    e = (value)alloc_obj(&ephemeron_type, K_EPHEMERON);
    struct ephemeron *x = (struct ephemeron *)e;
    x->key = x->datum = FALSE_V;
    if (!HEAP_P(key)) {   /* an immediate never dies: hold it strongly */
        x->key = key;
        x->datum = datum;
        return e;
    }
    void *box = wgc_ephemeron_new((void *)key, (void *)datum);
    if (!box) lisp_error_unwind("out of memory (ephemeron)");
    lisp_store(e, &((struct ephemeron *)e)->box, (value)box);
    return e;
}

/* The key, or 0 once the ephemeron is broken. */
static value eph_key(value e)
{
    struct ephemeron *x = (struct ephemeron *)e;
    if (!x->box) return x->key;
    return (value)wgc_ephemeron_key((void *)x->box);
}

static value eph_datum(value e)
{
    struct ephemeron *x = (struct ephemeron *)e;
    if (!x->box) return x->datum;
    return (value)wgc_ephemeron_value((void *)x->box);
}

static value want_ephemeron(const char *who, value v)
{
    if (!IS(v, K_EPHEMERON)) type_error(who, "ephemeron", v);
    return v;
}

static value p_make_ephemeron(int argc, value *argv)
{
    (void)argc;
    return make_ephemeron(argv[0], argv[1]);
}
static value p_ephemeron_p(int argc, value *argv)
{
    (void)argc;
    return BOOL(IS(argv[0], K_EPHEMERON));
}
static value p_ephemeron_key(int argc, value *argv)
{
    (void)argc;
    value k = eph_key(want_ephemeron("ephemeron-key", argv[0]));
    return k ? k : FALSE_V;
}
static value p_ephemeron_datum(int argc, value *argv)
{
    (void)argc;
    want_ephemeron("ephemeron-datum", argv[0]);
    value d = eph_key(argv[0]) ? eph_datum(argv[0]) : 0;
    return d ? d : FALSE_V;
}
static value p_ephemeron_broken_p(int argc, value *argv)
{
    (void)argc;
    return BOOL(eph_key(want_ephemeron("ephemeron-broken?", argv[0])) == 0);
}
/* Its argument sits on the value stack until the call returns: that is the
 * barrier (a compiler could not drop the reference earlier). */
static value p_reference_barrier(int argc, value *argv)
{
    (void)argc, (void)argv;
    return UNSPEC;
}

/* ---- guardians (K2) ------------------------------------------------------------- */

static value gtable;          /* a vector of weak references to guardians, or #f; a root */
static uint32_t *gpending;    /* per slot: registrations whose finalizer has not run */
static uint32_t *gfree;       /* free slots, a stack */
static size_t gcap, gnfree;

static void *weak_get_quiet(value w)
{
    bool was = lisp_alloc_quiet;
    lisp_alloc_quiet = true;
    void *g = wgc_weak_get((void *)w);
    lisp_alloc_quiet = was;
    return g;
}

/* Give back the slots of dead guardians that nothing waits on. */
static void guardian_reclaim(void)
{
    for (size_t i = 0; i < gcap; i++) {
        value w = VEC_ITEMS(gtable)[i];
        if (w != FALSE_V && gpending[i] == 0 && weak_get_quiet(w) == NULL) {
            VEC_SET(gtable, i, FALSE_V);
            gfree[gnfree++] = (uint32_t)i;
        }
    }
}

/* A free slot of gtable: reclaimed or new (may allocate). */
static size_t guardian_slot(void)
{
    if (gnfree > 0) return gfree[--gnfree];
    guardian_reclaim();
    if (gnfree == 0 || gnfree < gcap / 4) {   /* grow: room for the next ones */
        size_t ncap = gcap ? gcap * 2 : 16;
        if (ncap > (size_t)LISP_MAX_VECTOR) lisp_error("make-guardian: too many guardians");
        uint32_t *np = realloc(gpending, ncap * sizeof *np);
        if (np) gpending = np;
        uint32_t *nf = np ? realloc(gfree, ncap * sizeof *nf) : NULL;
        if (nf) gfree = nf;
        if (!np || !nf) lisp_error_unwind("out of memory (the guardian table)");
        value nv = make_vector(ncap, FALSE_V);
        memcpy(VEC_ITEMS(nv), VEC_ITEMS(gtable), gcap * sizeof(value));   /* fresh: no barrier */
        gtable = nv;
        memset(gpending + gcap, 0, (ncap - gcap) * sizeof *gpending);
        for (size_t i = ncap; i-- > gcap;) gfree[gnfree++] = (uint32_t)i;
        gcap = ncap;
    }
    return gfree[--gnfree];
}

static value p_make_guardian(int argc, value *argv)
{
    (void)argc, (void)argv;
    value g = 0, w = 0;
    WGC_LOCALS(g, w);
    g = (value)alloc_obj(&guardian_type, K_GUARDIAN);
    ((struct guardian *)g)->head = ((struct guardian *)g)->tail = NIL;
    w = (value)wgc_weak_new((void *)g);
    if (!w) lisp_error_unwind("out of memory (guardian)");
    size_t id = guardian_slot();
    ((struct guardian *)g)->id = id;   /* not a reference: no barrier needed */
    VEC_SET(gtable, id, w);
    return g;
}

/* obj became unreachable: put it in its guardian's queue, if the guardian
 * still lives (K1: never unwinds). */
static void guardian_finalizer(void *obj, void *data)
{
    size_t id = (size_t)(uintptr_t)data;
    gpending[id]--;
    value g = (value)weak_get_quiet(VEC_ITEMS(gtable)[id]);
    if (!g) return;   /* the guardian died first: obj goes, unguarded */
    value o = (value)obj, cell = 0;
    WGC_LOCALS(g, o, cell);
    cell = cons_quiet(o, NIL);
    if (!cell) {   /* no room now: try again after the next collection */
        bool was = lisp_alloc_quiet;
        lisp_alloc_quiet = true;
        if (wgc_finalizer_add(obj, guardian_finalizer, data)) gpending[id]++;
        lisp_alloc_quiet = was;
        return;
    }
    struct guardian *q = (struct guardian *)g;
    if (q->head == NIL)
        lisp_store(g, &q->head, cell);
    else
        SET_CDR(q->tail, cell);
    lisp_store(g, &q->tail, cell);
}

value guardian_call(value g, int argc, value *argv)
{
    struct guardian *q = (struct guardian *)g;
    if (argc == 0) {   /* the oldest object in the queue, or #f */
        if (q->head == NIL) return FALSE_V;
        value obj = CAR(q->head);
        lisp_store(g, &q->head, CDR(q->head));
        if (q->head == NIL) lisp_store(g, &q->tail, NIL);
        return obj;
    }
    if (argc != 1)
        lisp_error("guardian: wrong number of arguments: expected 0 or 1, got %d", argc);
    value obj = argv[0];
    if (!HEAP_P(obj)) type_error("guardian", "an object on the heap (not a number, character or constant)", obj);
    if (!wgc_finalizer_add((void *)obj, guardian_finalizer, (void *)(uintptr_t)q->id))
        lisp_error("guardian: cannot register: %s", wgc_error_string(wgc_last_error()));
    gpending[q->id]++;
    return UNSPEC;
}

static value p_guardian_p(int argc, value *argv)
{
    (void)argc;
    return BOOL(IS(argv[0], K_GUARDIAN));
}

void weak_init(void)
{
    gtable = make_vector(0, FALSE_V);
    if (!wgc_root_add(&gtable)) lisp_error_unwind("out of memory (roots)");
}

/* ---- hash tables (K3) ----------------------------------------------------------- */

enum { HT_EQ = 0, HT_EQV = 1, HT_EQUAL = 2, HT_STRING = 3, HT_KIND = 3, HT_WEAK = 4 };
#define HT(v) ((struct hashtable *)(v))
#define HT_MIN_BUCKETS 8

static uint32_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (uint32_t)h;
}

static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}

static uint64_t hash_eqv(value v)
{
    if (IS(v, K_BIGINT)) return (uint64_t)int_val(v) * 31 + 7;
    if (IS(v, K_FLONUM)) {
        uint64_t bits;
        memcpy(&bits, &((struct flonum *)v)->d, sizeof bits);
        return bits;
    }
    if (STRING_P(v) && STR(v)->len == 0) return 0x5eed;   /* all "" are eqv? */
    return (uint64_t)v;   /* objects never move: the address is stable */
}

/* equal? keys: consistent with lisp_equal; looks at most `budget` nodes. */
static uint64_t hash_equal(value v, int *budget)
{
    if (--*budget < 0) return 0;
    if (STRING_P(v)) return hash_bytes(STR(v)->data, STR(v)->len);
    if (IS(v, K_BYTEVECTOR)) {
        struct bytevector *b = (struct bytevector *)v;
        return hash_bytes(b->data, b->len) ^ 0xb7;
    }
    if (PAIR_P(v)) {
        uint64_t h = 0x9a;
        for (; PAIR_P(v) && *budget > 0; v = CDR(v)) h = h * 33 + hash_equal(CAR(v), budget);
        return PAIR_P(v) ? h : h * 33 + hash_equal(v, budget);
    }
    if (VECTOR_P(v)) {
        uint64_t h = 0x7e + VEC_LEN(v);
        for (size_t i = 0; i < VEC_LEN(v) && *budget > 0; i++)
            h = h * 33 + hash_equal(VEC_ITEMS(v)[i], budget);
        return h;
    }
    return hash_eqv(v);
}

static value want_table(const char *who, value v)
{
    if (!IS(v, K_HASHTABLE)) type_error(who, "hash table", v);
    return v;
}

static size_t ht_index(const char *who, value t, value key, size_t nbuckets)
{
    uint64_t h;
    switch (HT(t)->flags & HT_KIND) {
    case HT_EQ: h = (uint64_t)key; break;
    case HT_EQV: h = hash_eqv(key); break;
    case HT_STRING:
        if (!STRING_P(key)) type_error(who, "string key", key);
        h = hash_bytes(STR(key)->data, STR(key)->len);
        break;
    default: {
        int budget = 64;
        h = hash_equal(key, &budget);
    }
    }
    return mix(h) & (nbuckets - 1);
}

static bool ht_same(value t, value a, value b)
{
    switch (HT(t)->flags & HT_KIND) {
    case HT_EQ: return a == b;
    case HT_EQV: return eqv_p(a, b);
    case HT_STRING:
        return STR(a)->len == STR(b)->len && memcmp(STR(a)->data, STR(b)->data, STR(a)->len) == 0;
    default: return lisp_equal(a, b);
    }
}

/* An entry's key and value: a pair (key . value), or an ephemeron whose
 * key is 0 once broken. */
static value entry_key(value e) { return PAIR_P(e) ? CAR(e) : eph_key(e); }
static value entry_value(value e) { return PAIR_P(e) ? CDR(e) : eph_datum(e); }

/* Drop the broken entries of bucket i (weak tables). */
static void ht_purge_bucket(value t, size_t i)
{
    value b = HT(t)->buckets;
    value prev = 0;
    for (value l = VEC_ITEMS(b)[i]; l != NIL; l = CDR(l)) {
        if (entry_key(CAR(l)) != 0) {
            prev = l;
            continue;
        }
        if (prev) SET_CDR(prev, CDR(l));
        else VEC_SET(b, i, CDR(l));
        HT(t)->count--;
    }
}

static void ht_purge(value t)
{
    if (!(HT(t)->flags & HT_WEAK)) return;
    size_t n = VEC_LEN(HT(t)->buckets);
    for (size_t i = 0; i < n; i++) ht_purge_bucket(t, i);
}

/* The chain cell whose car is key's entry, or 0.  Purges key's bucket. */
static value ht_find(const char *who, value t, value key)
{
    size_t i = ht_index(who, t, key, VEC_LEN(HT(t)->buckets));
    if (HT(t)->flags & HT_WEAK) ht_purge_bucket(t, i);
    for (value l = VEC_ITEMS(HT(t)->buckets)[i]; l != NIL; l = CDR(l)) {
        value k = entry_key(CAR(l));
        if (k != 0 && ht_same(t, k, key)) return l;
    }
    return 0;
}

/* Twice as many buckets, the chain cells relinked (no entry is copied). */
static void ht_grow(value t)
{
    size_t n = VEC_LEN(HT(t)->buckets);
    if (n * 2 > (size_t)LISP_MAX_VECTOR) return;
    value nb = 0;
    WGC_LOCALS(t, nb);
    nb = make_vector(n * 2, NIL);
    ht_purge(t);   /* after the allocation: no entry breaks from here on */
    value old = HT(t)->buckets;
    for (size_t i = 0; i < n; i++) {
        value l = VEC_ITEMS(old)[i];
        while (l != NIL) {
            value next = CDR(l);
            size_t j = ht_index("hash-table-set!", t, entry_key(CAR(l)), n * 2);
            SET_CDR(l, VEC_ITEMS(nb)[j]);
            VEC_SET(nb, j, l);
            l = next;
        }
    }
    lisp_store(t, &HT(t)->buckets, nb);
}

static void ht_set(const char *who, value t, value key, value val)
{
    WGC_LOCALS(t, key, val);
    value cell = ht_find(who, t, key);
    if (cell) {
        value e = CAR(cell);
        if (PAIR_P(e)) {
            SET_CDR(e, val);
        } else if (!((struct ephemeron *)e)->box) {
            lisp_store(e, &((struct ephemeron *)e)->datum, val);
        } else {   /* a wgc ephemeron's value is fixed: a new box for the new value */
            WGC_LOCALS(e);
            void *box = wgc_ephemeron_new((void *)key, (void *)val);
            if (!box) lisp_error_unwind("out of memory (ephemeron)");
            lisp_store(e, &((struct ephemeron *)e)->box, (value)box);
        }
        return;
    }
    value e = (HT(t)->flags & HT_WEAK) ? make_ephemeron(key, val) : cons(key, val);
    size_t i = ht_index(who, t, key, VEC_LEN(HT(t)->buckets));
    value b = HT(t)->buckets;
    VEC_SET(b, i, cons(e, VEC_ITEMS(b)[i]));   /* cons roots e; b is held by t */
    HT(t)->count++;
    if (HT(t)->count > VEC_LEN(HT(t)->buckets) * 2) ht_grow(t);
}

/* (make-hash-table [equiv [hash]] ['weak-keys]): equiv is one of eq?,
 * eqv?, equal? (the default), string=?; a hash function after it is
 * accepted and not used (the table's own agrees with equiv); 'weak-keys
 * (or 'weak) holds each entry in an ephemeron. */
static value p_make_hash_table(int argc, value *argv)
{
    uintptr_t flags = HT_EQUAL;
    bool have_equiv = false;
    for (int i = 0; i < argc; i++) {
        value a = argv[i];
        bool was = have_equiv;
        have_equiv = procedure_p(a);
        if (a == intern_c("weak-keys") || a == intern_c("weak")) flags |= HT_WEAK;
        else if (a == prim_value("eq?")) flags = (flags & ~HT_KIND) | HT_EQ;
        else if (a == prim_value("eqv?")) flags = (flags & ~HT_KIND) | HT_EQV;
        else if (a == prim_value("equal?")) flags = (flags & ~HT_KIND) | HT_EQUAL;
        else if (a == prim_value("string=?")) flags = (flags & ~HT_KIND) | HT_STRING;
        else if (procedure_p(a) && was)
            ;   /* SRFI 69's hash function: ours agrees with the equivalence */
        else if (procedure_p(a))
            lisp_error("make-hash-table: the equivalence must be eq?, eqv?, equal? or string=?");
        else
            type_error("make-hash-table", "eq?, eqv?, equal?, string=? or 'weak-keys", a);
    }
    value b = make_vector(HT_MIN_BUCKETS, NIL);
    WGC_LOCALS(b);
    struct hashtable *t = alloc_obj(&hashtable_type, K_HASHTABLE);
    t->buckets = b;
    t->count = 0;
    t->flags = flags;
    return (value)t;
}

static value p_hash_table_p(int argc, value *argv)
{
    (void)argc;
    return BOOL(IS(argv[0], K_HASHTABLE));
}

static value p_hash_table_weak_p(int argc, value *argv)
{
    (void)argc;
    return BOOL(HT(want_table("hash-table-weak?", argv[0]))->flags & HT_WEAK);
}

static value p_hash_table_set(int argc, value *argv)
{
    (void)argc;
    ht_set("hash-table-set!", want_table("hash-table-set!", argv[0]), argv[1], argv[2]);
    return UNSPEC;
}

/* (hash-table-ref t key [failure [success]]) */
static value p_hash_table_ref(int argc, value *argv)
{
    value cell = ht_find("hash-table-ref", want_table("hash-table-ref", argv[0]), argv[1]);
    if (!cell) {
        if (argc < 3) {
            char k[100];
            format_value(k, sizeof k, argv[1], true);
            lisp_error("hash-table-ref: no key %s", k);
        }
        return apply_proc(argv[2], 0, NULL);
    }
    value v = entry_value(CAR(cell));
    if (argc < 4) return v;
    return apply_proc(argv[3], 1, &v);   /* apply_proc pushes v before allocating */
}

static value p_hash_table_ref_default(int argc, value *argv)
{
    (void)argc;
    value cell =
        ht_find("hash-table-ref/default", want_table("hash-table-ref/default", argv[0]), argv[1]);
    return cell ? entry_value(CAR(cell)) : argv[2];
}

static value p_hash_table_contains(int argc, value *argv)
{
    (void)argc;
    return BOOL(ht_find("hash-table-contains?", want_table("hash-table-contains?", argv[0]),
                        argv[1]) != 0);
}

static value p_hash_table_delete(int argc, value *argv)
{
    (void)argc;
    value t = want_table("hash-table-delete!", argv[0]);
    value cell = ht_find("hash-table-delete!", t, argv[1]);
    if (!cell) return UNSPEC;
    value b = HT(t)->buckets;
    size_t i = ht_index("hash-table-delete!", t, argv[1], VEC_LEN(b));
    if (VEC_ITEMS(b)[i] == cell) {
        VEC_SET(b, i, CDR(cell));
    } else {
        value l = VEC_ITEMS(b)[i];
        while (CDR(l) != cell) l = CDR(l);
        SET_CDR(l, CDR(cell));
    }
    HT(t)->count--;
    return UNSPEC;
}

static value p_hash_table_count(int argc, value *argv)
{
    (void)argc;
    value t = want_table("hash-table-count", argv[0]);
    ht_purge(t);
    return make_int((int64_t)HT(t)->count);
}

static value p_hash_table_clear(int argc, value *argv)
{
    (void)argc;
    value t = want_table("hash-table-clear!", argv[0]);
    value b = make_vector(HT_MIN_BUCKETS, NIL);
    lisp_store(t, &HT(t)->buckets, b);
    HT(t)->count = 0;
    return UNSPEC;
}

/* A list of the live entries: keys (what 0), values (1) or pairs (2). */
static value ht_list(value t, int what)
{
    value acc = NIL, k = 0, v = 0;
    WGC_LOCALS(t, acc, k, v);
    ht_purge(t);
    value b = HT(t)->buckets;   /* kept by t; no allocation below replaces it */
    for (size_t i = VEC_LEN(b); i-- > 0;) {
        for (value l = VEC_ITEMS(b)[i]; l != NIL; l = CDR(l)) {
            k = entry_key(CAR(l));
            if (!k) continue;   /* died during this walk (a collection) */
            v = entry_value(CAR(l));
            acc = cons(what == 0 ? k : what == 1 ? v : cons(k, v), acc);
        }
    }
    return acc;
}

static value p_hash_table_keys(int argc, value *argv)
{
    (void)argc;
    return ht_list(want_table("hash-table-keys", argv[0]), 0);
}
static value p_hash_table_values(int argc, value *argv)
{
    (void)argc;
    return ht_list(want_table("hash-table-values", argv[0]), 1);
}
static value p_hash_table_alist(int argc, value *argv)
{
    (void)argc;
    return ht_list(want_table("hash-table->alist", argv[0]), 2);
}

/* (hash-table-walk t proc): proc on each key and value, over a snapshot,
 * so proc may change the table. */
static value p_hash_table_walk(int argc, value *argv)
{
    (void)argc;
    want_table("hash-table-walk", argv[0]);
    if (!procedure_p(argv[1])) type_error("hash-table-walk", "procedure", argv[1]);
    value l = ht_list(argv[0], 2);
    WGC_LOCALS(l);
    for (; l != NIL; l = CDR(l)) {
        value args[2] = {CAR(CAR(l)), CDR(CAR(l))};   /* l holds them */
        apply_proc(argv[1], 2, args);
    }
    return UNSPEC;
}

/* (hash-table-update! t key proc [failure]): set key to (proc old), old
 * being its value or (failure) when absent (an error without failure). */
static value p_hash_table_update(int argc, value *argv)
{
    const char *who = "hash-table-update!";
    value t = want_table(who, argv[0]);
    value cell = ht_find(who, t, argv[1]);
    value old;
    if (cell) {
        old = entry_value(CAR(cell));
    } else if (argc >= 4) {
        old = apply_proc(argv[3], 0, NULL);
    } else {
        char k[100];
        format_value(k, sizeof k, argv[1], true);
        lisp_error("%s: no key %s", who, k);
    }
    value nv = apply_proc(argv[2], 1, &old);
    ht_set(who, argv[0], argv[1], nv);
    return UNSPEC;
}

/* (hash-table-update!/default t key proc default) */
static value p_hash_table_update_default(int argc, value *argv)
{
    (void)argc;
    const char *who = "hash-table-update!/default";
    value cell = ht_find(who, want_table(who, argv[0]), argv[1]);
    value old = cell ? entry_value(CAR(cell)) : argv[3];
    value nv = apply_proc(argv[2], 1, &old);
    ht_set(who, argv[0], argv[1], nv);
    return UNSPEC;
}

/* SRFI 69's hash functions: (hash obj [bound]) agrees with equal?,
 * (string-hash s [bound]) with string=?, (hash-by-identity obj [bound])
 * with eq?; a non-negative fixnum below bound (default 2^29). */
static value hash_result(const char *who, uint64_t h, int argc, value *argv)
{
    int64_t bound = (int64_t)1 << 29;
    if (argc > 1) {
        bound = want_int(who, argv[1]);
        if (bound <= 0) lisp_error("%s: the bound must be positive", who);
    }
    return make_int((int64_t)(mix(h) % (uint64_t)bound));
}
static value p_hash(int argc, value *argv)
{
    int budget = 64;
    return hash_result("hash", hash_equal(argv[0], &budget), argc, argv);
}
static value p_string_hash(int argc, value *argv)
{
    struct string *str = want_string("string-hash", argv[0]);
    return hash_result("string-hash", hash_bytes(str->data, str->len), argc, argv);
}
static value p_hash_by_identity(int argc, value *argv)
{
    return hash_result("hash-by-identity", (uint64_t)argv[0], argc, argv);
}

const struct prim_def weak_prims[] = {
    {"hash", p_hash, 1, 2},
    {"string-hash", p_string_hash, 1, 2},
    {"hash-by-identity", p_hash_by_identity, 1, 2},
    {"run-finalizers", p_run_finalizers, 0, 0},
    {"make-ephemeron", p_make_ephemeron, 2, 2},
    {"ephemeron?", p_ephemeron_p, 1, 1},
    {"ephemeron-key", p_ephemeron_key, 1, 1},
    {"ephemeron-datum", p_ephemeron_datum, 1, 1},
    {"ephemeron-broken?", p_ephemeron_broken_p, 1, 1},
    {"reference-barrier", p_reference_barrier, 1, 1},
    {"make-guardian", p_make_guardian, 0, 0},
    {"guardian?", p_guardian_p, 1, 1},
    {"make-hash-table", p_make_hash_table, 0, 3},
    {"hash-table?", p_hash_table_p, 1, 1},
    {"hash-table-weak?", p_hash_table_weak_p, 1, 1},
    {"hash-table-set!", p_hash_table_set, 3, 3},
    {"hash-table-ref", p_hash_table_ref, 2, 4},
    {"hash-table-ref/default", p_hash_table_ref_default, 3, 3},
    {"hash-table-contains?", p_hash_table_contains, 2, 2},
    {"hash-table-exists?", p_hash_table_contains, 2, 2},
    {"hash-table-delete!", p_hash_table_delete, 2, 2},
    {"hash-table-count", p_hash_table_count, 1, 1},
    {"hash-table-size", p_hash_table_count, 1, 1},
    {"hash-table-clear!", p_hash_table_clear, 1, 1},
    {"hash-table-keys", p_hash_table_keys, 1, 1},
    {"hash-table-values", p_hash_table_values, 1, 1},
    {"hash-table->alist", p_hash_table_alist, 1, 1},
    {"hash-table-walk", p_hash_table_walk, 2, 2},
    {"hash-table-update!", p_hash_table_update, 3, 4},
    {"hash-table-update!/default", p_hash_table_update_default, 4, 4},
};
const size_t weak_prim_count = sizeof weak_prims / sizeof weak_prims[0];
