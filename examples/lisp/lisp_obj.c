/* lisp_obj.c — the Scheme's objects on the wgc heap: one type descriptor
 * per kind, the constructors, the symbol table, and integer boxing.
 * Below: wgc.h only.  Above: every other lisp_*.c.
 *
 * Invariants (see lisp.h for L1-L5):
 *   O1. Each constructor registers its value arguments (WGC_LOCALS) before
 *       it allocates, so callers may pass unrooted fresh values (L3).
 *   O2. The symbol table is a vector of buckets (lists of symbols), held by
 *       the global `symtab`, a wgc root; a symbol is in exactly one bucket,
 *       the one its name hashes to.
 *   O3. make_int returns a fixnum whenever the value fits one, so two equal
 *       integers are either the same fixnum or two bigints (eqv? compares
 *       bigints by value).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lisp.h"

/* ---- type descriptors (precise: exactly the value fields) ------------ */

WGC_TYPE(pair_type, struct pair, offsetof(struct pair, car), offsetof(struct pair, cdr));
WGC_TYPE(symbol_type, struct symbol, offsetof(struct symbol, name),
         offsetof(struct symbol, global));
WGC_TYPE(closure_type, struct closure, offsetof(struct closure, params),
         offsetof(struct closure, body), offsetof(struct closure, env),
         offsetof(struct closure, name));
WGC_TYPE(prim_type, struct prim, offsetof(struct prim, name));
WGC_TYPE(rectype_type, struct rectype, offsetof(struct rectype, name),
         offsetof(struct rectype, fields));
WGC_TYPE(port_type, struct port, offsetof(struct port, buf), offsetof(struct port, name));
WGC_TYPE(param_type, struct param, offsetof(struct param, value),
         offsetof(struct param, converter));
WGC_TYPE(caselambda_type, struct caselambda, offsetof(struct caselambda, clauses),
         offsetof(struct caselambda, name));
WGC_TYPE(env_type, struct env, offsetof(struct env, parent), offsetof(struct env, names),
         offsetof(struct env, vals));
WGC_TYPE(values_type, struct values, offsetof(struct values, list));
WGC_TYPE(promise_type, struct promise, offsetof(struct promise, expr),
         offsetof(struct promise, env));
/* One pointer slot; a vector is an array of them (lisp.h). */
struct slot { value v; };
WGC_TYPE(slot_type, struct slot, offsetof(struct slot, v));

static const char *const kind_names[] = {
#define X(k, name) name,
    LISP_KINDS(X)
#undef X
};

const char *kind_name(value v)
{
    if (FIXNUM_P(v)) return "integer";
    if (CHAR_P(v)) return "character";
    if (v == NIL) return "empty list";
    if (v == TRUE_V || v == FALSE_V) return "boolean";
    if (v == UNSPEC) return "unspecified";
    if (v == EOF_V) return "eof";
    if (HEAP_P(v)) {
        unsigned k = (unsigned)KIND_OF(v);
        if (k < K_COUNT) return kind_names[k];
    }
    return "unknown value";
}

/* ---- allocation ------------------------------------------------------ */

/* wgc calls the error hook (lisp_api.c) before returning NULL, and the
 * hook longjmps with "out of memory"; the checks below catch the rest. */
static void *alloc_typed(struct wgc_type *t, enum kind k)
{
    value *p = wgc_alloc(t);
    if (!p) lisp_error_unwind("out of memory (%s)", wgc_error_string(wgc_last_error()));
    p[0] = HDR(k);
    return p;
}

static void *alloc_raw(size_t bytes, enum kind k)
{
    value *p = wgc_alloc_bytes(bytes);
    if (!p) lisp_error_unwind("out of memory (%s)", wgc_error_string(wgc_last_error()));
    p[0] = HDR(k);
    return p;
}

value cons(value a, value d)
{
    WGC_LOCALS(a, d);
    struct pair *p = alloc_typed(&pair_type, K_PAIR);
    p->car = a;
    p->cdr = d;
    return (value)p;
}

bool lisp_alloc_quiet;

value cons_quiet(value a, value d)
{
    WGC_LOCALS(a, d);
    bool was = lisp_alloc_quiet;
    lisp_alloc_quiet = true;
    struct pair *p = wgc_alloc(&pair_type);
    lisp_alloc_quiet = was;
    if (!p) return 0;
    p->hdr = HDR(K_PAIR);
    p->car = a;
    p->cdr = d;
    return (value)p;
}

value make_string_checked(const char *who, int64_t len)
{
    if (len < 0) lisp_error("%s: negative length %" PRId64, who, len);
    if (len > LISP_MAX_STRING)
        lisp_error("%s: string too long (%" PRId64 " characters; the limit is %" PRId64 ")", who,
                   len, LISP_MAX_STRING);
    return make_string(NULL, (size_t)len);
}

value make_vector_checked(const char *who, int64_t n, value fill)
{
    if (n < 0) lisp_error("%s: negative length %" PRId64, who, n);
    if (n > LISP_MAX_VECTOR)
        lisp_error("%s: vector too long (%" PRId64 " elements; the limit is %" PRId64 ")", who, n,
                   LISP_MAX_VECTOR);
    return make_vector((size_t)n, fill);
}

value make_string(const char *s, size_t len)
{
    if (len > (uint64_t)LISP_MAX_STRING) lisp_error("string too long: %zu", len);
    struct string *p = alloc_raw(offsetof(struct string, data) + len + 1, K_STRING);
    p->len = len;
    if (s) memcpy(p->data, s, len);
    p->data[len] = 0;
    return (value)p;
}

value make_vector(size_t n, value fill)
{
    WGC_LOCALS(fill);
    if (n > (uint64_t)LISP_MAX_VECTOR) lisp_error("vector too long: %zu", n);
    value *p = wgc_alloc_array(&slot_type, n + 2);
    if (!p) lisp_error_unwind("out of memory (%s)", wgc_error_string(wgc_last_error()));
    p[0] = HDR(K_VECTOR);
    p[1] = MAKE_FIXNUM(n);
    for (size_t i = 0; i < n; i++) p[2 + i] = fill;
    return (value)p;
}

value make_flonum(double d)
{
    struct flonum *p = alloc_raw(sizeof(struct flonum), K_FLONUM);
    p->d = d;
    return (value)p;
}

value make_int(int64_t n)
{
    if (n >= FIXNUM_MIN && n <= FIXNUM_MAX) return MAKE_FIXNUM((intptr_t)n);  /* O3 */
    struct bigint *p = alloc_raw(sizeof(struct bigint), K_BIGINT);
    p->n = n;
    return (value)p;
}

value make_closure(value params, value body, value env, value name)
{
    WGC_LOCALS(params, body, env, name);
    /* arity: required count << 1 | has-rest */
    uintptr_t nreq = 0;
    value p = params;
    while (PAIR_P(p)) {
        if (!SYMBOL_P(CAR(p))) lisp_error("lambda: parameter is not a symbol");
        nreq++;
        p = CDR(p);
    }
    if (p != NIL && !SYMBOL_P(p)) lisp_error("lambda: bad parameter list");
    struct closure *c = alloc_typed(&closure_type, K_CLOSURE);
    c->params = params;
    c->body = body;
    c->env = env;
    c->name = name;
    c->arity = nreq << 1 | (p != NIL);
    return (value)c;
}

value make_env(value parent, value names, value vals)
{
    WGC_LOCALS(parent, names, vals);
    struct env *e = alloc_typed(&env_type, K_ENV);
    e->parent = parent;
    e->names = names;
    e->vals = vals;
    return (value)e;
}

value make_values(value list)
{
    WGC_LOCALS(list);
    struct values *v = alloc_typed(&values_type, K_VALUES);
    v->list = list;
    return (value)v;
}

value make_promise(value expr, value env)
{
    WGC_LOCALS(expr, env);
    struct promise *p = alloc_typed(&promise_type, K_PROMISE);
    p->expr = expr;
    p->env = env;
    p->done = 0;
    return (value)p;
}

value make_prim(value name, const struct prim_def *def)
{
    WGC_LOCALS(name);
    struct prim *p = alloc_typed(&prim_type, K_PRIM);
    p->name = name;
    p->def = def;
    return (value)p;
}

value make_record(value type)
{
    WGC_LOCALS(type);
    size_t n = ((struct rectype *)type)->nfields;
    value *p = wgc_alloc_array(&slot_type, n + 2);
    if (!p) lisp_error_unwind("out of memory (%s)", wgc_error_string(wgc_last_error()));
    p[0] = HDR(K_RECORD);
    p[1] = type;
    for (size_t i = 0; i < n; i++) p[2 + i] = FALSE_V;
    return (value)p;
}

value make_rectype(value name, value fields)
{
    WGC_LOCALS(name, fields);
    int64_t n = list_length(fields);
    if (n < 0 || n > 10000) lisp_error("define-record-type: bad field list");
    struct rectype *t = alloc_typed(&rectype_type, K_RECTYPE);
    t->name = name;
    t->fields = fields;
    t->nfields = (uintptr_t)n;
    return (value)t;
}

value make_bytevector_checked(const char *who, int64_t len)
{
    if (len < 0) lisp_error("%s: negative length %" PRId64, who, len);
    if (len > LISP_MAX_STRING)
        lisp_error("%s: bytevector too long (%" PRId64 " bytes; the limit is %" PRId64 ")", who,
                   len, LISP_MAX_STRING);
    struct bytevector *b =
        alloc_raw(offsetof(struct bytevector, data) + (size_t)len, K_BYTEVECTOR);
    b->len = (size_t)len;
    return (value)b;
}

value make_port(uintptr_t flags, value buf, value name)
{
    WGC_LOCALS(buf, name);
    struct port *p = alloc_typed(&port_type, K_PORT);
    p->buf = buf;
    p->name = name;
    p->flags = flags;
    return (value)p;
}

value make_param(value v, value converter)
{
    WGC_LOCALS(v, converter);
    struct param *p = alloc_typed(&param_type, K_PARAM);
    p->value = v;
    p->converter = converter;
    return (value)p;
}

value make_caselambda(value clauses, value name)
{
    WGC_LOCALS(clauses, name);
    struct caselambda *c = alloc_typed(&caselambda_type, K_CASELAMBDA);
    c->clauses = clauses;
    c->name = name;
    return (value)c;
}

bool procedure_p(value v)
{
    return IS(v, K_CLOSURE) || IS(v, K_PRIM) || IS(v, K_CONT) || IS(v, K_PARAM) ||
           IS(v, K_CASELAMBDA) || IS(v, K_GUARDIAN);
}

value list_from(value *items, size_t n)
{
    value l = NIL;
    WGC_LOCALS(l);
    while (n > 0) l = cons(items[--n], l);
    return l;
}

value list_reverse(value l)
{
    value r = NIL;
    WGC_LOCALS(l, r);
    while (PAIR_P(l)) {
        r = cons(CAR(l), r);
        l = CDR(l);
    }
    return r;
}

int64_t list_length(value l)
{
    int64_t n = 0;
    value slow = l;
    while (PAIR_P(l)) {
        n++;
        l = CDR(l);
        if (!PAIR_P(l)) break;
        n++;
        l = CDR(l);
        slow = CDR(slow);
        if (l == slow) return -1;   /* circular */
    }
    return l == NIL ? n : -1;
}

/* ---- numbers ---------------------------------------------------------- */

bool integer_p(value v) { return FIXNUM_P(v) || IS(v, K_BIGINT); }

int64_t int_val(value v)
{
    return FIXNUM_P(v) ? (int64_t)FIXNUM_VAL(v) : ((struct bigint *)v)->n;
}

bool number_p(value v) { return integer_p(v) || IS(v, K_FLONUM); }

double num_to_double(value v)
{
    return IS(v, K_FLONUM) ? ((struct flonum *)v)->d : (double)int_val(v);
}

bool eqv_p(value a, value b)
{
    if (a == b) return true;
    if (IS(a, K_BIGINT) && IS(b, K_BIGINT)) return int_val(a) == int_val(b);
    if (IS(a, K_FLONUM) && IS(b, K_FLONUM))
        return memcmp(&((struct flonum *)a)->d, &((struct flonum *)b)->d, sizeof(double)) == 0;
    if (STRING_P(a) && STRING_P(b)) return STR(a)->len == 0 && STR(b)->len == 0;
    return false;
}

/* ---- symbols ---------------------------------------------------------- */

static value symtab;          /* O2: a vector of buckets; a wgc root */
static size_t symcount;

#define X(c, s) value sym_##c;
LISP_SYMS(X)
#undef X

static uint32_t hash_name(const char *s, size_t len)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void symtab_grow(void)
{
    value old = symtab, fresh = NIL, l = NIL;
    WGC_LOCALS(old, fresh, l);
    size_t n = VEC_LEN(old) * 2;
    fresh = make_vector(n, NIL);
    for (size_t i = 0; i < VEC_LEN(old); i++) {
        for (l = VEC_ITEMS(old)[i]; PAIR_P(l); l = CDR(l)) {
            struct string *name = STR(SYM(CAR(l))->name);
            size_t b = hash_name(name->data, name->len) & (n - 1);
            value cell = cons(CAR(l), VEC_ITEMS(fresh)[b]);
            VEC_SET(fresh, b, cell);
        }
    }
    symtab = fresh;
}

value intern(const char *name, size_t len)
{
    size_t b = hash_name(name, len) & (VEC_LEN(symtab) - 1);
    for (value l = VEC_ITEMS(symtab)[b]; PAIR_P(l); l = CDR(l)) {
        struct string *s = STR(SYM(CAR(l))->name);
        if (s->len == len && memcmp(s->data, name, len) == 0) return CAR(l);
    }
    /* name is C text or the bytes of a rooted string (objects never move),
     * so it stays valid across the allocations below. */
    value str = make_string(name, len), sym = 0;
    WGC_LOCALS(str, sym);
    struct symbol *s = alloc_typed(&symbol_type, K_SYMBOL);
    s->name = str;
    s->global = UNBOUND;
    sym = (value)s;
    value cell = cons(sym, VEC_ITEMS(symtab)[b]);
    VEC_SET(symtab, b, cell);
    if (++symcount > 2 * VEC_LEN(symtab)) symtab_grow();
    return sym;
}

value intern_c(const char *name) { return intern(name, strlen(name)); }

void obj_init(void)
{
    symtab = NIL;
    if (!wgc_root_add(&symtab)) lisp_error("cannot register the symbol table");
    symtab = make_vector(512, NIL);
#define X(c, s) sym_##c = intern_c(s);
    LISP_SYMS(X)
#undef X
}
