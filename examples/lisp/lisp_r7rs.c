/* lisp_r7rs.c — the R7RS-small additions: records, error objects and
 * exceptions, dynamic-wind, parameters, bytevectors, and the number,
 * string, vector and character procedures lisp_prims.c lacks.
 * Below: lisp_obj.c, lisp_print.c, lisp_eval.c.  Above: lisp_prims.c
 * (prims_init binds r7rs_prims).
 *
 * Invariants:
 *   S1. Every length or index from Scheme is checked as an int64 (or
 *       want_index/want_range) before it becomes a size_t: a value near
 *       or past 2^32 is a Scheme error, never a wrap on wasm32 (L5).
 *   S2. An error object is a record of error_type, fields message,
 *       irritants, kind (ERRK_* as a fixnum).  error_type is a root.
 *   S3. Stores into existing objects go through lisp_store (L6).
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lisp.h"

/* ---- records (define-record-type, lisp_eval.c) --------------------------- */

/* These are called by the closures define-record-type makes, but a program
 * can call them too, so they check everything. */
static struct rectype *want_rectype(const char *who, value t)
{
    if (!IS(t, K_RECTYPE)) type_error(who, "record type", t);
    return (struct rectype *)t;
}

static size_t want_field(const char *who, value t, value k)
{
    return want_index(who, k, want_rectype(who, t)->nfields, false);
}

static value p_make_record(int argc, value *argv)   /* (%make-record type index-vector f ...) */
{
    struct rectype *t = want_rectype("%make-record", argv[0]);
    if (!VECTOR_P(argv[1]) || VEC_LEN(argv[1]) != (size_t)argc - 2)
        type_error("%make-record", "a vector of field indices, one per value", argv[1]);
    for (int i = 2; i < argc; i++) want_index("%make-record", VEC_ITEMS(argv[1])[i - 2], t->nfields, false);
    value r = make_record(argv[0]);
    for (int i = 2; i < argc; i++)
        REC_FIELDS(r)[FIXNUM_VAL(VEC_ITEMS(argv[1])[i - 2])] = argv[i];   /* r is fresh */
    return r;
}

static value p_record_p(int argc, value *argv)
{
    return BOOL(IS(argv[0], K_RECORD) && REC_TYPE(argv[0]) == argv[1]);
}

static void want_record(value r, value type, value who)
{
    const char *name = STRING_P(who) ? STR(who)->data : "record accessor";
    if (!IS(r, K_RECORD) || REC_TYPE(r) != type) {
        char want[80];
        value tn = ((struct rectype *)type)->name;
        snprintf(want, sizeof want, "a record of type %s",
                 SYMBOL_P(tn) ? STR(SYM(tn)->name)->data : "?");
        type_error(name, want, r);
    }
}

static value p_record_ref(int argc, value *argv)   /* (%record-ref r type k name) */
{
    size_t k = want_field("%record-ref", argv[1], argv[2]);
    want_record(argv[0], argv[1], argv[3]);
    return REC_FIELDS(argv[0])[k];
}

static value p_record_set(int argc, value *argv)   /* (%record-set! r type k v name) */
{
    size_t k = want_field("%record-set!", argv[1], argv[2]);
    want_record(argv[0], argv[1], argv[4]);
    lisp_store(argv[0], &REC_FIELDS(argv[0])[k], argv[3]);
    return UNSPEC;
}

/* ---- error objects and exceptions (S2) ------------------------------------- */

static value error_type;   /* a root */

value make_error_object(value message, value irritants, int kind)
{
    WGC_LOCALS(message, irritants);
    value e = make_record(error_type);
    REC_FIELDS(e)[0] = message;   /* e is fresh */
    REC_FIELDS(e)[1] = irritants;
    REC_FIELDS(e)[2] = MAKE_FIXNUM(kind);
    return e;
}

bool error_object_p(value v) { return IS(v, K_RECORD) && REC_TYPE(v) == error_type; }

void format_condition(char *buf, size_t len, value obj)
{
    if (!error_object_p(obj)) {
        char item[300];
        format_value(item, sizeof item, obj, true);
        snprintf(buf, len, "uncaught exception: %s", item);
        return;
    }
    value msg = REC_FIELDS(obj)[0];
    size_t n = 0;
    buf[0] = 0;
    format_value(buf, len, msg, !STRING_P(msg));
    n = strlen(buf);
    for (value l = REC_FIELDS(obj)[1]; PAIR_P(l) && n + 2 < len; l = CDR(l)) {
        buf[n++] = ' ';
        format_value(buf + n, len - n, CAR(l), true);
        n += strlen(buf + n);
    }
}

static value want_error_object(const char *who, value v)
{
    if (!error_object_p(v)) type_error(who, "error object", v);
    return v;
}

static value p_error_object_p(int argc, value *argv) { return BOOL(error_object_p(argv[0])); }
static value p_error_object_message(int argc, value *argv)
{
    return REC_FIELDS(want_error_object("error-object-message", argv[0]))[0];
}
static value p_error_object_irritants(int argc, value *argv)
{
    return REC_FIELDS(want_error_object("error-object-irritants", argv[0]))[1];
}
static value p_file_error_p(int argc, value *argv)
{
    return BOOL(error_object_p(argv[0]) && REC_FIELDS(argv[0])[2] == MAKE_FIXNUM(ERRK_FILE));
}
static value p_read_error_p(int argc, value *argv)
{
    return BOOL(error_object_p(argv[0]) && REC_FIELDS(argv[0])[2] == MAKE_FIXNUM(ERRK_READ));
}

static value want_proc(const char *who, value v)
{
    if (!procedure_p(v)) type_error(who, "procedure", v);
    return v;
}

static value p_raise(int argc, value *argv) { return lisp_raise(argv[0], false); }
static value p_raise_continuable(int argc, value *argv) { return lisp_raise(argv[0], true); }
static value p_with_exception_handler(int argc, value *argv)
{
    want_proc("with-exception-handler", argv[0]);
    return with_handler(argv[0], want_proc("with-exception-handler", argv[1]));
}

/* dynamic-wind: continuations only escape, so `after` runs once when the
 * thunk is left by any route, and `before` once on entry. */
static void wind_after(value after) { apply_proc(after, 0, NULL); }
static value p_dynamic_wind(int argc, value *argv)
{
    for (int i = 0; i < 3; i++) want_proc("dynamic-wind", argv[i]);
    apply_proc(argv[0], 0, NULL);
    return call_with_cleanup(argv[1], 0, NULL, wind_after, argv[2]);
}

static value p_make_parameter(int argc, value *argv)
{
    value conv = argc > 1 ? want_proc("make-parameter", argv[1]) : FALSE_V;
    value v = argc > 1 ? apply_proc(conv, 1, argv) : argv[0];
    return make_param(v, conv);   /* make_param roots both (O1) */
}

/* ---- numbers ------------------------------------------------------------------- */

static bool exact_int_p(value v) { return integer_p(v); }
static value p_exact_integer_p(int argc, value *argv) { return BOOL(exact_int_p(argv[0])); }

static value p_square(int argc, value *argv)
{
    if (integer_p(argv[0])) {
        int64_t n = int_val(argv[0]), r;
        if (__builtin_mul_overflow(n, n, &r)) lisp_error("square: integer overflow");
        return make_int(r);
    }
    if (!number_p(argv[0])) type_error("square", "number", argv[0]);
    double d = num_to_double(argv[0]);
    return make_flonum(d * d);
}

static value p_exact_integer_sqrt(int argc, value *argv)
{
    int64_t n = want_int("exact-integer-sqrt", argv[0]);
    if (n < 0) lisp_error("exact-integer-sqrt: negative argument %" PRId64, n);
    int64_t r = (int64_t)sqrt((double)n);
    while (r > 0 && (r > 3037000499 || r * r > n)) r--;
    while (r < 3037000499 && (r + 1) * (r + 1) <= n) r++;
    value v[2] = {make_int(r), 0};
    WGC_LOCALS(v[0]);
    v[1] = make_int(n - r * r);
    return make_values(list_from(v, 2));
}

/* floor/ and truncate/ on exact integers (N1: INT64_MIN / -1 overflows). */
static void int_divide(const char *who, value a, value b, bool floor_div, int64_t *q, int64_t *r)
{
    int64_t x = want_int(who, a), y = want_int(who, b);
    if (y == 0) lisp_error("%s: division by zero", who);
    if (x == INT64_MIN && y == -1) lisp_error("%s: integer overflow", who);
    *q = x / y;
    *r = x % y;
    if (floor_div && *r != 0 && ((*r < 0) != (y < 0))) {
        *q -= 1;
        *r += y;
    }
}

static value two_ints(int64_t a, int64_t b)
{
    value v[2] = {make_int(a), 0};
    WGC_LOCALS(v[0]);
    v[1] = make_int(b);
    return make_values(list_from(v, 2));
}

#define INTDIV(cname, who, fl, expr)                                                  \
    static value cname(int argc, value *argv)                                          \
    {                                                                                  \
        int64_t q, r;                                                                  \
        int_divide(who, argv[0], argv[1], fl, &q, &r);                                 \
        return expr;                                                                   \
    }
INTDIV(p_floor_div, "floor/", true, two_ints(q, r))
INTDIV(p_floor_quotient, "floor-quotient", true, make_int(q))
INTDIV(p_floor_remainder, "floor-remainder", true, make_int(r))
INTDIV(p_truncate_div, "truncate/", false, two_ints(q, r))
INTDIV(p_truncate_quotient, "truncate-quotient", false, make_int(q))
INTDIV(p_truncate_remainder, "truncate-remainder", false, make_int(r))

static value p_numerator(int argc, value *argv)
{
    if (integer_p(argv[0])) return argv[0];
    if (!number_p(argv[0]) || num_to_double(argv[0]) != floor(num_to_double(argv[0])))
        type_error("numerator", "integer", argv[0]);
    return argv[0];
}
static value p_denominator(int argc, value *argv)
{
    if (integer_p(argv[0])) return MAKE_FIXNUM(1);
    if (!number_p(argv[0]) || num_to_double(argv[0]) != floor(num_to_double(argv[0])))
        type_error("denominator", "integer", argv[0]);
    return make_flonum(1.0);
}

static value p_boolean_eq(int argc, value *argv)
{
    for (int i = 0; i < argc; i++)
        if (argv[i] != TRUE_V && argv[i] != FALSE_V) type_error("boolean=?", "boolean", argv[i]);
    for (int i = 0; i + 1 < argc; i++)
        if (argv[i] != argv[i + 1]) return FALSE_V;
    return TRUE_V;
}

static value p_symbol_eq(int argc, value *argv)
{
    for (int i = 0; i < argc; i++)
        if (!SYMBOL_P(argv[i])) type_error("symbol=?", "symbol", argv[i]);
    for (int i = 0; i + 1 < argc; i++)
        if (argv[i] != argv[i + 1]) return FALSE_V;
    return TRUE_V;
}

/* ---- characters ---------------------------------------------------------------- */

static value p_char_foldcase(int argc, value *argv)
{
    return MAKE_CHAR(tolower(want_char("char-foldcase", argv[0])));
}
static value p_digit_value(int argc, value *argv)
{
    int c = want_char("digit-value", argv[0]);
    return isdigit(c) ? MAKE_FIXNUM(c - '0') : FALSE_V;
}

/* ---- strings and vectors (S1) ------------------------------------------------- */

static value want_vector(const char *who, value v)
{
    if (!VECTOR_P(v)) type_error(who, "vector", v);
    return v;
}

static value p_string_to_vector(int argc, value *argv)
{
    size_t start, end;
    want_range("string->vector", argc, argv, 1, want_string("string->vector", argv[0])->len,
               &start, &end);
    value v = make_vector(end - start, FALSE_V);
    for (size_t i = start; i < end; i++)
        VEC_ITEMS(v)[i - start] = MAKE_CHAR((unsigned char)STR(argv[0])->data[i]);
    return v;
}

static value p_vector_to_string(int argc, value *argv)
{
    size_t start, end;
    value v = want_vector("vector->string", argv[0]);
    want_range("vector->string", argc, argv, 1, VEC_LEN(v), &start, &end);
    for (size_t i = start; i < end; i++) want_char("vector->string", VEC_ITEMS(v)[i]);
    value s = make_string(NULL, end - start);
    for (size_t i = start; i < end; i++)
        STR(s)->data[i - start] = (char)CHAR_VAL(VEC_ITEMS(argv[0])[i]);
    return s;
}

static value p_vector_to_list(int argc, value *argv)
{
    size_t start, end;
    value v = want_vector("vector->list", argv[0]);
    want_range("vector->list", argc, argv, 1, VEC_LEN(v), &start, &end);
    return list_from(VEC_ITEMS(v) + start, end - start);   /* argv[0] keeps v */
}

static value p_string_to_list(int argc, value *argv)
{
    size_t start, end;
    want_range("string->list", argc, argv, 1, want_string("string->list", argv[0])->len, &start,
               &end);
    value l = NIL;
    WGC_LOCALS(l);
    for (size_t i = end; i-- > start;)
        l = cons(MAKE_CHAR((unsigned char)STR(argv[0])->data[i]), l);
    return l;
}

static value p_vector_copy(int argc, value *argv)
{
    size_t start, end;
    value v = want_vector("vector-copy", argv[0]);
    want_range("vector-copy", argc, argv, 1, VEC_LEN(v), &start, &end);
    value r = make_vector(end - start, FALSE_V);
    memcpy(VEC_ITEMS(r), VEC_ITEMS(argv[0]) + start, (end - start) * sizeof(value));   /* r fresh */
    return r;
}

static value p_vector_copy_to(int argc, value *argv)   /* (vector-copy! to at from [start end]) */
{
    size_t start, end;
    value to = want_vector("vector-copy!", argv[0]);
    size_t at = want_index("vector-copy!", argv[1], VEC_LEN(to), true);
    value from = want_vector("vector-copy!", argv[2]);
    want_range("vector-copy!", argc, argv, 3, VEC_LEN(from), &start, &end);
    if (end - start > VEC_LEN(to) - at)
        lisp_error("vector-copy!: %zu elements do not fit at %zu in a vector of %zu", end - start,
                   at, VEC_LEN(to));
    if (at <= start) {
        for (size_t i = 0; i < end - start; i++) VEC_SET(to, at + i, VEC_ITEMS(from)[start + i]);
    } else {
        for (size_t i = end - start; i-- > 0;) VEC_SET(to, at + i, VEC_ITEMS(from)[start + i]);
    }
    return UNSPEC;
}

static value p_vector_append(int argc, value *argv)
{
    int64_t total = 0;   /* each < 2^26: no overflow */
    for (int i = 0; i < argc; i++) total += (int64_t)VEC_LEN(want_vector("vector-append", argv[i]));
    value r = make_vector_checked("vector-append", total, FALSE_V);
    size_t n = 0;
    for (int i = 0; i < argc; i++) {
        memcpy(VEC_ITEMS(r) + n, VEC_ITEMS(argv[i]), VEC_LEN(argv[i]) * sizeof(value));
        n += VEC_LEN(argv[i]);
    }
    return r;
}

static value p_vector_fill(int argc, value *argv)
{
    size_t start, end;
    value v = want_vector("vector-fill!", argv[0]);
    want_range("vector-fill!", argc, argv, 2, VEC_LEN(v), &start, &end);
    for (size_t i = start; i < end; i++) VEC_SET(v, i, argv[1]);
    return UNSPEC;
}

static value p_string_copy(int argc, value *argv)
{
    size_t start, end;
    struct string *s = want_string("string-copy", argv[0]);
    want_range("string-copy", argc, argv, 1, s->len, &start, &end);
    return make_string(s->data + start, end - start);   /* argv[0] keeps s */
}

static value p_string_copy_to(int argc, value *argv)   /* (string-copy! to at from [start end]) */
{
    size_t start, end;
    struct string *to = want_string("string-copy!", argv[0]);
    size_t at = want_index("string-copy!", argv[1], to->len, true);
    struct string *from = want_string("string-copy!", argv[2]);
    want_range("string-copy!", argc, argv, 3, from->len, &start, &end);
    if (end - start > to->len - at)
        lisp_error("string-copy!: %zu characters do not fit at %zu in a string of %zu",
                   end - start, at, to->len);
    memmove(to->data + at, from->data + start, end - start);
    return UNSPEC;
}

static value p_string_fill(int argc, value *argv)
{
    size_t start, end;
    struct string *s = want_string("string-fill!", argv[0]);
    int c = want_char("string-fill!", argv[1]);
    want_range("string-fill!", argc, argv, 2, s->len, &start, &end);
    memset(s->data + start, c, end - start);
    return UNSPEC;
}

static value p_string_foldcase(int argc, value *argv)
{
    struct string *s = want_string("string-foldcase", argv[0]);
    value r = make_string(s->data, s->len);
    for (size_t i = 0; i < STR(r)->len; i++)
        STR(r)->data[i] = (char)tolower((unsigned char)STR(r)->data[i]);
    return r;
}

static value p_make_list(int argc, value *argv)
{
    int64_t n = want_int("make-list", argv[0]);
    if (n < 0) lisp_error("make-list: negative length %" PRId64, n);
    value l = NIL;
    WGC_LOCALS(l);
    for (int64_t i = 0; i < n; i++) l = cons(argc > 1 ? argv[1] : FALSE_V, l);
    return l;
}

static value p_list_set(int argc, value *argv)
{
    int64_t k = want_int("list-set!", argv[1]);
    value l = argv[0];
    if (k < 0) lisp_error("list-set!: negative index %" PRId64, k);
    for (; k > 0 && PAIR_P(l); k--) l = CDR(l);
    if (!PAIR_P(l)) lisp_error("list-set!: index %" PRId64 " too large", int_val(argv[1]));
    SET_CAR(l, argv[2]);
    return UNSPEC;
}

/* ---- c[ad]{2,4}r ---------------------------------------------------------------- */

/* path is read right to left, as in the name. */
static value cxr(const char *who, value v, const char *path)
{
    for (size_t i = strlen(path); i-- > 0;) {
        if (!PAIR_P(v)) type_error(who, "pair", v);
        v = path[i] == 'a' ? CAR(v) : CDR(v);
    }
    return v;
}
#define CXR(name, path) \
    static value p_##name(int argc, value *argv) { return cxr(#name, argv[0], path); }
CXR(caaar, "aaa") CXR(caadr, "aad") CXR(cadar, "ada") CXR(caddr, "add")
CXR(cdaar, "daa") CXR(cdadr, "dad") CXR(cddar, "dda") CXR(cdddr, "ddd")
CXR(caaaar, "aaaa") CXR(caaadr, "aaad") CXR(caadar, "aada") CXR(caaddr, "aadd")
CXR(cadaar, "adaa") CXR(cadadr, "adad") CXR(caddar, "adda") CXR(cadddr, "addd")
CXR(cdaaar, "daaa") CXR(cdaadr, "daad") CXR(cdadar, "dada") CXR(cdaddr, "dadd")
CXR(cddaar, "ddaa") CXR(cddadr, "ddad") CXR(cdddar, "ddda") CXR(cddddr, "dddd")

/* ---- bytevectors (pointer-free objects: wgc_alloc_bytes) ----------------------- */

#define BV(v) ((struct bytevector *)(v))

static struct bytevector *want_bytevector(const char *who, value v)
{
    if (!IS(v, K_BYTEVECTOR)) type_error(who, "bytevector", v);
    return BV(v);
}

static int want_byte(const char *who, value v)
{
    int64_t b = want_int(who, v);
    if (b < 0 || b > 255) lisp_error("%s: %" PRId64 " is not a byte (0-255)", who, b);
    return (int)b;
}

static value p_bytevector_p(int argc, value *argv) { return BOOL(IS(argv[0], K_BYTEVECTOR)); }

static value p_make_bytevector(int argc, value *argv)
{
    int64_t n = want_int("make-bytevector", argv[0]);
    int fill = argc > 1 ? want_byte("make-bytevector", argv[1]) : 0;
    value b = make_bytevector_checked("make-bytevector", n);
    memset(BV(b)->data, fill, BV(b)->len);
    return b;
}

static value p_bytevector(int argc, value *argv)
{
    for (int i = 0; i < argc; i++) want_byte("bytevector", argv[i]);
    value b = make_bytevector_checked("bytevector", argc);
    for (int i = 0; i < argc; i++) BV(b)->data[i] = (unsigned char)int_val(argv[i]);
    return b;
}

static value p_bytevector_length(int argc, value *argv)
{
    return make_int((int64_t)want_bytevector("bytevector-length", argv[0])->len);
}

static value p_bytevector_u8_ref(int argc, value *argv)
{
    struct bytevector *b = want_bytevector("bytevector-u8-ref", argv[0]);
    return MAKE_FIXNUM(b->data[want_index("bytevector-u8-ref", argv[1], b->len, false)]);
}

static value p_bytevector_u8_set(int argc, value *argv)
{
    struct bytevector *b = want_bytevector("bytevector-u8-set!", argv[0]);
    size_t i = want_index("bytevector-u8-set!", argv[1], b->len, false);
    b->data[i] = (unsigned char)want_byte("bytevector-u8-set!", argv[2]);
    return UNSPEC;
}

static value p_bytevector_copy(int argc, value *argv)
{
    size_t start, end;
    want_range("bytevector-copy", argc, argv, 1, want_bytevector("bytevector-copy", argv[0])->len,
               &start, &end);
    value r = make_bytevector_checked("bytevector-copy", (int64_t)(end - start));
    memcpy(BV(r)->data, BV(argv[0])->data + start, end - start);
    return r;
}

static value p_bytevector_copy_to(int argc, value *argv)
{
    size_t start, end;
    struct bytevector *to = want_bytevector("bytevector-copy!", argv[0]);
    size_t at = want_index("bytevector-copy!", argv[1], to->len, true);
    struct bytevector *from = want_bytevector("bytevector-copy!", argv[2]);
    want_range("bytevector-copy!", argc, argv, 3, from->len, &start, &end);
    if (end - start > to->len - at)
        lisp_error("bytevector-copy!: %zu bytes do not fit at %zu in a bytevector of %zu",
                   end - start, at, to->len);
    memmove(to->data + at, from->data + start, end - start);
    return UNSPEC;
}

static value p_bytevector_append(int argc, value *argv)
{
    int64_t total = 0;   /* each < 2^28: no overflow */
    for (int i = 0; i < argc; i++) total += (int64_t)want_bytevector("bytevector-append", argv[i])->len;
    value r = make_bytevector_checked("bytevector-append", total);
    size_t n = 0;
    for (int i = 0; i < argc; i++) {
        memcpy(BV(r)->data + n, BV(argv[i])->data, BV(argv[i])->len);
        n += BV(argv[i])->len;
    }
    return r;
}

/* Strings are bytes here (characters 0-255), so UTF-8 conversion copies
 * the bytes unchanged. */
static value p_utf8_to_string(int argc, value *argv)
{
    size_t start, end;
    want_range("utf8->string", argc, argv, 1, want_bytevector("utf8->string", argv[0])->len,
               &start, &end);
    return make_string((const char *)BV(argv[0])->data + start, end - start);
}

static value p_string_to_utf8(int argc, value *argv)
{
    size_t start, end;
    want_range("string->utf8", argc, argv, 1, want_string("string->utf8", argv[0])->len, &start,
               &end);
    value r = make_bytevector_checked("string->utf8", (int64_t)(end - start));
    memcpy(BV(r)->data, STR(argv[0])->data + start, end - start);
    return r;
}

/* ---- promises -------------------------------------------------------------------- */

static value p_make_promise(int argc, value *argv)
{
    if (IS(argv[0], K_PROMISE)) return argv[0];
    value p = make_promise(argv[0], NIL);
    ((struct promise *)p)->done = 1;   /* fresh */
    return p;
}
static value p_promise_p(int argc, value *argv) { return BOOL(IS(argv[0], K_PROMISE)); }

/* ---- the table ------------------------------------------------------------------ */

const struct prim_def r7rs_prims[] = {
    {"%make-record", p_make_record, 2, -1}, {"%record?", p_record_p, 2, 2},
    {"%record-ref", p_record_ref, 4, 4}, {"%record-set!", p_record_set, 5, 5},
    {"error-object?", p_error_object_p, 1, 1},
    {"error-object-message", p_error_object_message, 1, 1},
    {"error-object-irritants", p_error_object_irritants, 1, 1},
    {"file-error?", p_file_error_p, 1, 1}, {"read-error?", p_read_error_p, 1, 1},
    {"raise", p_raise, 1, 1}, {"raise-continuable", p_raise_continuable, 1, 1},
    {"with-exception-handler", p_with_exception_handler, 2, 2},
    {"dynamic-wind", p_dynamic_wind, 3, 3}, {"make-parameter", p_make_parameter, 1, 2},
    {"exact-integer?", p_exact_integer_p, 1, 1}, {"square", p_square, 1, 1},
    {"exact-integer-sqrt", p_exact_integer_sqrt, 1, 1},
    {"floor/", p_floor_div, 2, 2}, {"floor-quotient", p_floor_quotient, 2, 2},
    {"floor-remainder", p_floor_remainder, 2, 2}, {"truncate/", p_truncate_div, 2, 2},
    {"truncate-quotient", p_truncate_quotient, 2, 2},
    {"truncate-remainder", p_truncate_remainder, 2, 2},
    {"numerator", p_numerator, 1, 1}, {"denominator", p_denominator, 1, 1},
    {"boolean=?", p_boolean_eq, 2, -1}, {"symbol=?", p_symbol_eq, 2, -1},
    {"char-foldcase", p_char_foldcase, 1, 1}, {"digit-value", p_digit_value, 1, 1},
    {"string->vector", p_string_to_vector, 1, 3}, {"vector->string", p_vector_to_string, 1, 3},
    {"vector->list", p_vector_to_list, 1, 3}, {"string->list", p_string_to_list, 1, 3},
    {"vector-copy", p_vector_copy, 1, 3}, {"vector-copy!", p_vector_copy_to, 3, 5},
    {"vector-append", p_vector_append, 0, -1}, {"vector-fill!", p_vector_fill, 2, 4},
    {"string-copy", p_string_copy, 1, 3}, {"string-copy!", p_string_copy_to, 3, 5},
    {"string-fill!", p_string_fill, 2, 4}, {"string-foldcase", p_string_foldcase, 1, 1},
    {"make-list", p_make_list, 1, 2}, {"list-set!", p_list_set, 3, 3},
    {"caaar", p_caaar, 1, 1}, {"caadr", p_caadr, 1, 1}, {"cadar", p_cadar, 1, 1},
    {"caddr", p_caddr, 1, 1}, {"cdaar", p_cdaar, 1, 1}, {"cdadr", p_cdadr, 1, 1},
    {"cddar", p_cddar, 1, 1}, {"cdddr", p_cdddr, 1, 1},
    {"caaaar", p_caaaar, 1, 1}, {"caaadr", p_caaadr, 1, 1}, {"caadar", p_caadar, 1, 1},
    {"caaddr", p_caaddr, 1, 1}, {"cadaar", p_cadaar, 1, 1}, {"cadadr", p_cadadr, 1, 1},
    {"caddar", p_caddar, 1, 1}, {"cadddr", p_cadddr, 1, 1}, {"cdaaar", p_cdaaar, 1, 1},
    {"cdaadr", p_cdaadr, 1, 1}, {"cdadar", p_cdadar, 1, 1}, {"cdaddr", p_cdaddr, 1, 1},
    {"cddaar", p_cddaar, 1, 1}, {"cddadr", p_cddadr, 1, 1}, {"cdddar", p_cdddar, 1, 1},
    {"cddddr", p_cddddr, 1, 1},
    {"bytevector?", p_bytevector_p, 1, 1}, {"make-bytevector", p_make_bytevector, 1, 2},
    {"bytevector", p_bytevector, 0, -1}, {"bytevector-length", p_bytevector_length, 1, 1},
    {"bytevector-u8-ref", p_bytevector_u8_ref, 2, 2},
    {"bytevector-u8-set!", p_bytevector_u8_set, 3, 3},
    {"bytevector-copy", p_bytevector_copy, 1, 3}, {"bytevector-copy!", p_bytevector_copy_to, 3, 5},
    {"bytevector-append", p_bytevector_append, 0, -1},
    {"utf8->string", p_utf8_to_string, 1, 3}, {"string->utf8", p_string_to_utf8, 1, 3},
    {"make-promise", p_make_promise, 1, 1}, {"promise?", p_promise_p, 1, 1},
};
const size_t r7rs_prim_count = sizeof r7rs_prims / sizeof r7rs_prims[0];

void r7rs_init(void)
{
    error_type = NIL;
    if (!wgc_root_add(&error_type)) lisp_error("cannot register a root");
    value fields = NIL;
    WGC_LOCALS(fields);
    fields = cons(intern_c("kind"), NIL);
    fields = cons(intern_c("irritants"), fields);
    fields = cons(intern_c("message"), fields);
    error_type = make_rectype(intern_c("error-object"), fields);
}
