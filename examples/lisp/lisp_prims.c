/* lisp_prims.c — the primitive procedures, and the Scheme prelude.
 * Below: lisp_obj.c, lisp_print.c, lisp_eval.c (apply_proc).
 * Above: lisp_api.c (prims_init binds them as globals).
 *
 * A primitive gets its arguments as argv[0..argc), a slice of the value
 * stack: they are roots for the whole call (lisp_eval.c, E1), and the
 * primitive may overwrite them (map advances its lists in place).
 *
 * Invariants:
 *   N1. Integer arithmetic is on int64 with overflow checks; an overflow is
 *       the language error "integer overflow", never a wrapped result (L5).
 *       Exact division by zero is an error; inexact follows IEEE.
 *   N2. A value kept in a C local across an allocation is in WGC_LOCALS.
 *       Values read from a list and passed straight to apply_proc need no
 *       registration: vpush copies them to the stack without allocating.
 *   N3. Structure walks end: equal? recurses at most WALK_MAX_DEPTH deep
 *       and reports a circular cdr chain instead of following it.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lisp.h"

#define WALK_MAX_DEPTH 10000

/* ---- argument checks ------------------------------------------------------ */

int64_t want_int(const char *who, value v)
{
    if (!integer_p(v)) type_error(who, "integer", v);
    return int_val(v);
}

static double want_num(const char *who, value v)
{
    if (!number_p(v)) type_error(who, "number", v);
    return num_to_double(v);
}

static value want_pair(const char *who, value v)
{
    if (!PAIR_P(v)) type_error(who, "pair", v);
    return v;
}

struct string *want_string(const char *who, value v)
{
    if (!STRING_P(v)) type_error(who, "string", v);
    return STR(v);
}

int want_char(const char *who, value v)
{
    if (!CHAR_P(v)) type_error(who, "character", v);
    return CHAR_VAL(v);
}

static value want_vector(const char *who, value v)
{
    if (!VECTOR_P(v)) type_error(who, "vector", v);
    return v;
}

static value want_list(const char *who, value v)
{
    if (list_length(v) < 0) type_error(who, "list", v);
    return v;
}

/* An index in [0, limit) (or [0, limit] when inclusive). */
size_t want_index(const char *who, value v, size_t limit, bool inclusive)
{
    int64_t i = want_int(who, v);
    if (i < 0 || (uint64_t)i > limit || (!inclusive && (uint64_t)i == limit))
        lisp_error("%s: index %" PRId64 " out of range [0, %zu%s", who, i, limit,
                   inclusive ? "]" : ")");
    return (size_t)i;
}

void want_range(const char *who, int argc, value *argv, int i, size_t len, size_t *start,
                size_t *end)
{
    *start = i < argc ? want_index(who, argv[i], len, true) : 0;
    *end = i + 1 < argc ? want_index(who, argv[i + 1], len, true) : len;
    if (*end < *start) lisp_error("%s: end %zu before start %zu", who, *end, *start);
}

value prim_value(const char *name) { return SYM(intern_c(name))->global; }

_Noreturn static void overflow(const char *who) { lisp_error("%s: integer overflow", who); }

/* ---- numbers (N1) ----------------------------------------------------------- */

static value p_add(int argc, value *argv)
{
    int64_t acc = 0;
    int i = 0;
    for (; i < argc && integer_p(argv[i]); i++)
        if (__builtin_add_overflow(acc, int_val(argv[i]), &acc)) overflow("+");
    if (i == argc) return make_int(acc);
    double d = (double)acc;
    for (; i < argc; i++) d += want_num("+", argv[i]);
    return make_flonum(d);
}

static value p_mul(int argc, value *argv)
{
    int64_t acc = 1;
    int i = 0;
    for (; i < argc && integer_p(argv[i]); i++)
        if (__builtin_mul_overflow(acc, int_val(argv[i]), &acc)) overflow("*");
    if (i == argc) return make_int(acc);
    double d = (double)acc;
    for (; i < argc; i++) d *= want_num("*", argv[i]);
    return make_flonum(d);
}

static value p_sub(int argc, value *argv)
{
    if (argc == 1) {
        if (integer_p(argv[0])) {
            int64_t r;
            if (__builtin_sub_overflow((int64_t)0, int_val(argv[0]), &r)) overflow("-");
            return make_int(r);
        }
        return make_flonum(-want_num("-", argv[0]));
    }
    if (integer_p(argv[0])) {
        int64_t acc = int_val(argv[0]);
        int i = 1;
        for (; i < argc && integer_p(argv[i]); i++)
            if (__builtin_sub_overflow(acc, int_val(argv[i]), &acc)) overflow("-");
        if (i == argc) return make_int(acc);
        double d = (double)acc;
        for (; i < argc; i++) d -= want_num("-", argv[i]);
        return make_flonum(d);
    }
    double d = want_num("-", argv[0]);
    for (int i = 1; i < argc; i++) d -= want_num("-", argv[i]);
    return make_flonum(d);
}

/* Exact when both are integers and the quotient is whole; else inexact
 * (there are no rationals). */
static value divide2(value a, value b)
{
    if (integer_p(a) && integer_p(b)) {
        int64_t x = int_val(a), y = int_val(b);
        if (y == 0) lisp_error("/: division by zero");
        if (x == INT64_MIN && y == -1) overflow("/");
        if (x % y == 0) return make_int(x / y);
        return make_flonum((double)x / (double)y);
    }
    return make_flonum(want_num("/", a) / want_num("/", b));
}

static value p_div(int argc, value *argv)
{
    want_num("/", argv[0]);
    if (argc == 1) return divide2(MAKE_FIXNUM(1), argv[0]);
    value acc = argv[0];
    WGC_LOCALS(acc);
    for (int i = 1; i < argc; i++) acc = divide2(acc, argv[i]);
    return acc;
}

enum intdiv { QUOTIENT, REMAINDER, MODULO };

static value intdiv(const char *who, value a, value b, enum intdiv op)
{
    if (IS(a, K_FLONUM) || IS(b, K_FLONUM)) {   /* integral flonums are allowed */
        double x = want_num(who, a), y = want_num(who, b);
        if (x != floor(x) || y != floor(y)) type_error(who, "integer", x != floor(x) ? a : b);
        if (y == 0) lisp_error("%s: division by zero", who);
        double r = op == QUOTIENT ? trunc(x / y) : fmod(x, y);
        if (op == MODULO && r != 0 && (r < 0) != (y < 0)) r += y;
        return make_flonum(r);
    }
    int64_t x = want_int(who, a), y = want_int(who, b);
    if (y == 0) lisp_error("%s: division by zero", who);
    if (y == -1) {
        if (op != QUOTIENT) return MAKE_FIXNUM(0);
        if (x == INT64_MIN) overflow(who);
        return make_int(-x);
    }
    if (op == QUOTIENT) return make_int(x / y);
    int64_t r = x % y;
    if (op == MODULO && r != 0 && (r < 0) != (y < 0)) r += y;
    return make_int(r);
}

static value p_quotient(int argc, value *argv) { return intdiv("quotient", argv[0], argv[1], QUOTIENT); }
static value p_remainder(int argc, value *argv) { return intdiv("remainder", argv[0], argv[1], REMAINDER); }
static value p_modulo(int argc, value *argv) { return intdiv("modulo", argv[0], argv[1], MODULO); }

enum cmp { EQ, LT, GT, LE, GE };

static bool compare2(const char *who, value a, value b, enum cmp op)
{
    if (integer_p(a) && integer_p(b)) {
        int64_t x = int_val(a), y = int_val(b);
        switch (op) {
        case EQ: return x == y;
        case LT: return x < y;
        case GT: return x > y;
        case LE: return x <= y;
        case GE: return x >= y;
        }
    }
    double x = want_num(who, a), y = want_num(who, b);
    switch (op) {
    case EQ: return x == y;
    case LT: return x < y;
    case GT: return x > y;
    case LE: return x <= y;
    case GE: return x >= y;
    }
    return false;
}

static value compare(const char *who, int argc, value *argv, enum cmp op)
{
    bool ok = true;
    if (argc == 1) want_num(who, argv[0]);
    for (int i = 0; i + 1 < argc; i++)
        if (!compare2(who, argv[i], argv[i + 1], op)) ok = false;   /* check all types */
    return BOOL(ok);
}

static value p_num_eq(int argc, value *argv) { return compare("=", argc, argv, EQ); }
static value p_lt(int argc, value *argv) { return compare("<", argc, argv, LT); }
static value p_gt(int argc, value *argv) { return compare(">", argc, argv, GT); }
static value p_le(int argc, value *argv) { return compare("<=", argc, argv, LE); }
static value p_ge(int argc, value *argv) { return compare(">=", argc, argv, GE); }

static value p_min_max(const char *who, int argc, value *argv, bool is_max)
{
    value best = argv[0];
    bool inexact = false;
    for (int i = 0; i < argc; i++) {
        want_num(who, argv[i]);
        if (IS(argv[i], K_FLONUM)) inexact = true;
        if (i > 0 && compare2(who, argv[i], best, is_max ? GT : LT)) best = argv[i];
    }
    return inexact && !IS(best, K_FLONUM) ? make_flonum(num_to_double(best)) : best;
}
static value p_min(int argc, value *argv) { return p_min_max("min", argc, argv, false); }
static value p_max(int argc, value *argv) { return p_min_max("max", argc, argv, true); }

static value p_abs(int argc, value *argv)
{
    if (integer_p(argv[0])) {
        int64_t n = int_val(argv[0]);
        if (n == INT64_MIN) overflow("abs");
        return n < 0 ? make_int(-n) : argv[0];
    }
    return make_flonum(fabs(want_num("abs", argv[0])));
}

static value p_zero_p(int argc, value *argv) { return BOOL(want_num("zero?", argv[0]) == 0); }
static value p_positive_p(int argc, value *argv) { return BOOL(want_num("positive?", argv[0]) > 0); }
static value p_negative_p(int argc, value *argv) { return BOOL(want_num("negative?", argv[0]) < 0); }
static value p_odd_p(int argc, value *argv)
{
    if (IS(argv[0], K_FLONUM)) return BOOL(fmod(want_num("odd?", argv[0]), 2) != 0);
    return BOOL(want_int("odd?", argv[0]) % 2 != 0);
}
static value p_even_p(int argc, value *argv)
{
    if (IS(argv[0], K_FLONUM)) return BOOL(fmod(want_num("even?", argv[0]), 2) == 0);
    return BOOL(want_int("even?", argv[0]) % 2 == 0);
}
static value p_number_p(int argc, value *argv) { return BOOL(number_p(argv[0])); }
static value p_integer_p(int argc, value *argv)
{
    if (IS(argv[0], K_FLONUM)) {
        double d = num_to_double(argv[0]);
        return BOOL(isfinite(d) && d == floor(d));
    }
    return BOOL(integer_p(argv[0]));
}
static value p_exact_p(int argc, value *argv) { want_num("exact?", argv[0]); return BOOL(integer_p(argv[0])); }
static value p_inexact_p(int argc, value *argv) { want_num("inexact?", argv[0]); return BOOL(!integer_p(argv[0])); }
static value p_nan_p(int argc, value *argv) { return BOOL(isnan(want_num("nan?", argv[0]))); }

static value p_inexact(int argc, value *argv) { return make_flonum(want_num("inexact", argv[0])); }
static value p_exact(int argc, value *argv)
{
    if (integer_p(argv[0])) return argv[0];
    double d = want_num("exact", argv[0]);
    if (d != floor(d) || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) {
        char buf[64];
        format_double(buf, sizeof buf, d);
        lisp_error("exact: no exact integer for %s", buf);
    }
    return make_int((int64_t)d);
}

static value rounding(const char *who, value v, double (*fn)(double))
{
    if (integer_p(v)) return v;
    return make_flonum(fn(want_num(who, v)));
}
static value p_floor(int argc, value *argv) { return rounding("floor", argv[0], floor); }
static value p_ceiling(int argc, value *argv) { return rounding("ceiling", argv[0], ceil); }
static value p_truncate(int argc, value *argv) { return rounding("truncate", argv[0], trunc); }
static value p_round(int argc, value *argv) { return rounding("round", argv[0], rint); }   /* to even */

static value p_sqrt(int argc, value *argv)
{
    if (integer_p(argv[0]) && int_val(argv[0]) >= 0) {
        int64_t n = int_val(argv[0]), r = (int64_t)sqrt((double)n);
        while (r > 0 && r * r > n) r--;
        while ((r + 1) * (r + 1) <= n) r++;
        if (r * r == n) return make_int(r);
    }
    return make_flonum(sqrt(want_num("sqrt", argv[0])));
}

static value p_expt(int argc, value *argv)
{
    if (integer_p(argv[0]) && integer_p(argv[1]) && int_val(argv[1]) >= 0) {
        int64_t base = int_val(argv[0]), e = int_val(argv[1]), r = 1;
        while (e > 0) {
            if ((e & 1) && __builtin_mul_overflow(r, base, &r)) overflow("expt");
            e >>= 1;
            if (e > 0 && __builtin_mul_overflow(base, base, &base)) overflow("expt");
        }
        return make_int(r);
    }
    return make_flonum(pow(want_num("expt", argv[0]), want_num("expt", argv[1])));
}

static value math1(const char *who, value v, double (*fn)(double))
{
    return make_flonum(fn(want_num(who, v)));
}
static value p_exp(int argc, value *argv) { return math1("exp", argv[0], exp); }
static value p_log(int argc, value *argv) { return math1("log", argv[0], log); }
static value p_sin(int argc, value *argv) { return math1("sin", argv[0], sin); }
static value p_cos(int argc, value *argv) { return math1("cos", argv[0], cos); }
static value p_tan(int argc, value *argv) { return math1("tan", argv[0], tan); }
static value p_atan(int argc, value *argv)
{
    if (argc == 2) return make_flonum(atan2(want_num("atan", argv[0]), want_num("atan", argv[1])));
    return math1("atan", argv[0], atan);
}

static int64_t gcd2(int64_t a, int64_t b)
{
    if (a == INT64_MIN || b == INT64_MIN) overflow("gcd");
    a = a < 0 ? -a : a;
    b = b < 0 ? -b : b;
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}
static value p_gcd(int argc, value *argv)
{
    int64_t g = 0;
    for (int i = 0; i < argc; i++) g = gcd2(g, want_int("gcd", argv[i]));
    return make_int(g);
}
static value p_lcm(int argc, value *argv)
{
    int64_t l = 1;
    for (int i = 0; i < argc; i++) {
        int64_t n = want_int("lcm", argv[i]);
        if (n == 0) return MAKE_FIXNUM(0);
        int64_t g = gcd2(l, n);
        if (__builtin_mul_overflow(l / g, n < 0 ? -n : n, &l)) overflow("lcm");
    }
    return make_int(l);
}

static value p_number_to_string(int argc, value *argv)
{
    char buf[80];
    int64_t radix = argc > 1 ? want_int("number->string", argv[1]) : 10;
    if (radix != 2 && radix != 8 && radix != 10 && radix != 16)
        lisp_error("number->string: bad radix %" PRId64, radix);
    if (integer_p(argv[0]) && radix != 10) {
        int64_t n = int_val(argv[0]);
        uint64_t u = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
        char tmp[80];
        size_t k = 0;
        do {
            tmp[k++] = "0123456789abcdef"[u % (uint64_t)radix];
            u /= (uint64_t)radix;
        } while (u);
        size_t j = 0;
        if (n < 0) buf[j++] = '-';
        while (k) buf[j++] = tmp[--k];
        buf[j] = 0;
    } else if (integer_p(argv[0])) {
        snprintf(buf, sizeof buf, "%" PRId64, int_val(argv[0]));
    } else {
        format_double(buf, sizeof buf, want_num("number->string", argv[0]));
    }
    return make_string(buf, strlen(buf));
}

static value p_string_to_number(int argc, value *argv)
{
    struct string *s = want_string("string->number", argv[0]);
    value v;
    if (argc > 1 && want_int("string->number", argv[1]) != 10) {
        int64_t radix = int_val(argv[1]);
        if (radix < 2 || radix > 16) lisp_error("string->number: bad radix %" PRId64, radix);
        char *end;
        errno = 0;
        long long n = strtoll(s->data, &end, (int)radix);
        if (s->len == 0 || *end || errno) return FALSE_V;
        return make_int(n);
    }
    return read_number(s->data, s->len, &v) ? v : FALSE_V;
}

/* A deterministic generator (the same run prints the same numbers). */
static uint64_t rand_state = 0x2545F4914F6CDD1Dull;
static value p_random(int argc, value *argv)
{
    rand_state = rand_state * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t r = rand_state >> 11;
    if (IS(argv[0], K_FLONUM)) return make_flonum((double)r / 9007199254740992.0 * num_to_double(argv[0]));
    int64_t n = want_int("random", argv[0]);
    if (n <= 0) lisp_error("random: expected a positive bound");
    return make_int((int64_t)(r % (uint64_t)n));
}

/* ---- equivalence ------------------------------------------------------------ */

static bool equal_at(value a, value b, int depth)
{
    if (depth > WALK_MAX_DEPTH) lisp_error("equal?: structure too deep");   /* N3 */
    value slow = a;
    bool step = false;
    for (;;) {
        if (eqv_p(a, b)) return true;
        if (PAIR_P(a) && PAIR_P(b)) {
            if (!equal_at(CAR(a), CAR(b), depth + 1)) return false;
            a = CDR(a);
            b = CDR(b);
            if (step) slow = CDR(slow);
            step = !step;
            if (a == slow && PAIR_P(a)) lisp_error("equal?: circular list");   /* N3 */
            continue;
        }
        if (STRING_P(a) && STRING_P(b))
            return STR(a)->len == STR(b)->len && memcmp(STR(a)->data, STR(b)->data, STR(a)->len) == 0;
        if (IS(a, K_BYTEVECTOR) && IS(b, K_BYTEVECTOR)) {
            const struct bytevector *x = (void *)a, *y = (void *)b;
            return x->len == y->len && memcmp(x->data, y->data, x->len) == 0;
        }
        if (VECTOR_P(a) && VECTOR_P(b)) {
            if (VEC_LEN(a) != VEC_LEN(b)) return false;
            for (size_t i = 0; i < VEC_LEN(a); i++)
                if (!equal_at(VEC_ITEMS(a)[i], VEC_ITEMS(b)[i], depth + 1)) return false;
            return true;
        }
        return false;
    }
}

bool lisp_equal(value a, value b) { return equal_at(a, b, 0); }

static value p_eq_p(int argc, value *argv) { return BOOL(argv[0] == argv[1]); }
static value p_eqv_p(int argc, value *argv) { return BOOL(eqv_p(argv[0], argv[1])); }
static value p_equal_p(int argc, value *argv) { return BOOL(equal_at(argv[0], argv[1], 0)); }
static value p_not(int argc, value *argv) { return BOOL(argv[0] == FALSE_V); }

/* ---- type predicates -------------------------------------------------------- */

static value p_null_p(int argc, value *argv) { return BOOL(argv[0] == NIL); }
static value p_pair_p(int argc, value *argv) { return BOOL(PAIR_P(argv[0])); }
static value p_list_p(int argc, value *argv) { return BOOL(list_length(argv[0]) >= 0); }
static value p_symbol_p(int argc, value *argv) { return BOOL(SYMBOL_P(argv[0])); }
static value p_string_p(int argc, value *argv) { return BOOL(STRING_P(argv[0])); }
static value p_char_p(int argc, value *argv) { return BOOL(CHAR_P(argv[0])); }
static value p_boolean_p(int argc, value *argv) { return BOOL(argv[0] == TRUE_V || argv[0] == FALSE_V); }
static value p_vector_p(int argc, value *argv) { return BOOL(VECTOR_P(argv[0])); }
static value p_procedure_p(int argc, value *argv) { return BOOL(procedure_p(argv[0])); }

/* ---- pairs and lists -------------------------------------------------------- */

static value p_cons(int argc, value *argv) { return cons(argv[0], argv[1]); }
static value p_car(int argc, value *argv) { return CAR(want_pair("car", argv[0])); }
static value p_cdr(int argc, value *argv) { return CDR(want_pair("cdr", argv[0])); }
static value p_set_car(int argc, value *argv)
{
    SET_CAR(want_pair("set-car!", argv[0]), argv[1]);
    return UNSPEC;
}
static value p_set_cdr(int argc, value *argv)
{
    SET_CDR(want_pair("set-cdr!", argv[0]), argv[1]);
    return UNSPEC;
}

/* c[ad]{2}r (the longer ones: lisp_r7rs.c) */
static value cxr2(const char *who, value v, char outer, char inner)
{
    if (!PAIR_P(v)) type_error(who, "pair", v);
    v = inner == 'a' ? CAR(v) : CDR(v);
    if (!PAIR_P(v)) type_error(who, "pair", v);
    return outer == 'a' ? CAR(v) : CDR(v);
}
static value p_caar(int argc, value *argv) { return cxr2("caar", argv[0], 'a', 'a'); }
static value p_cadr(int argc, value *argv) { return cxr2("cadr", argv[0], 'a', 'd'); }
static value p_cdar(int argc, value *argv) { return cxr2("cdar", argv[0], 'd', 'a'); }
static value p_cddr(int argc, value *argv) { return cxr2("cddr", argv[0], 'd', 'd'); }

static value p_list(int argc, value *argv) { return list_from(argv, (size_t)argc); }

static value p_length(int argc, value *argv)
{
    int64_t n = list_length(argv[0]);
    if (n < 0) type_error("length", "list", argv[0]);
    return make_int(n);
}

/* a's elements copied in front of b. */
static value append2(value a, value b)
{
    value head = NIL, tail = NIL, cell = NIL;
    WGC_LOCALS(a, b, head, tail, cell);
    want_list("append", a);
    for (; PAIR_P(a); a = CDR(a)) {
        cell = cons(CAR(a), NIL);
        if (head == NIL) head = cell; else SET_CDR(tail, cell);
        tail = cell;
    }
    if (head == NIL) return b;
    SET_CDR(tail, b);
    return head;
}

static value p_append(int argc, value *argv)
{
    if (argc == 0) return NIL;
    value r = argv[argc - 1];
    WGC_LOCALS(r);
    for (int i = argc - 2; i >= 0; i--) r = append2(argv[i], r);
    return r;
}

static value p_reverse(int argc, value *argv) { return list_reverse(want_list("reverse", argv[0])); }

static value p_list_tail(int argc, value *argv)
{
    value l = argv[0];
    int64_t k = want_int("list-tail", argv[1]);
    if (k < 0) lisp_error("list-tail: negative index");
    for (; k > 0; k--) {
        if (!PAIR_P(l)) lisp_error("list-tail: index %" PRId64 " too large", int_val(argv[1]));
        l = CDR(l);
    }
    return l;
}

static value p_list_ref(int argc, value *argv)
{
    value l = argv[0];
    int64_t k = want_int("list-ref", argv[1]);
    if (k < 0) lisp_error("list-ref: negative index");
    for (; k > 0 && PAIR_P(l); k--) l = CDR(l);
    if (!PAIR_P(l)) lisp_error("list-ref: index %" PRId64 " too large", int_val(argv[1]));
    return CAR(l);
}

enum eqkind { BY_EQ, BY_EQV, BY_EQUAL };

static bool same(value a, value b, enum eqkind k)
{
    return k == BY_EQ ? a == b : k == BY_EQV ? eqv_p(a, b) : equal_at(a, b, 0);
}

static value mem(const char *who, value x, value l, enum eqkind k)
{
    for (; PAIR_P(l); l = CDR(l))
        if (same(x, CAR(l), k)) return l;
    if (l != NIL) type_error(who, "list", l);
    return FALSE_V;
}

/* member / assoc with a compare procedure: the cursor stays in argv[1],
 * a root, while the procedure runs (it may allocate or change the list). */
static value mem_with(const char *who, int argc, value *argv, bool assoc)
{
    if (!procedure_p(argv[2])) type_error(who, "procedure", argv[2]);
    for (; PAIR_P(argv[1]); argv[1] = CDR(argv[1])) {
        value item = CAR(argv[1]);
        if (assoc && !PAIR_P(item)) type_error(who, "association list entry (a pair)", item);
        value args[2] = {argv[0], assoc ? CAR(item) : item};   /* pushed before any allocation (N2) */
        if (TRUTHY(apply_proc(argv[2], 2, args))) return assoc ? CAR(argv[1]) : argv[1];
    }
    if (argv[1] != NIL) type_error(who, "list", argv[1]);
    return FALSE_V;
}
static value p_memq(int argc, value *argv) { return mem("memq", argv[0], argv[1], BY_EQ); }
static value p_memv(int argc, value *argv) { return mem("memv", argv[0], argv[1], BY_EQV); }
static value p_member(int argc, value *argv)
{
    if (argc == 3) return mem_with("member", argc, argv, false);
    return mem("member", argv[0], argv[1], BY_EQUAL);
}

static value ass(const char *who, value x, value l, enum eqkind k)
{
    for (; PAIR_P(l); l = CDR(l)) {
        if (!PAIR_P(CAR(l))) type_error(who, "association list entry (a pair)", CAR(l));
        if (same(x, CAR(CAR(l)), k)) return CAR(l);
    }
    if (l != NIL) type_error(who, "list", l);
    return FALSE_V;
}
static value p_assq(int argc, value *argv) { return ass("assq", argv[0], argv[1], BY_EQ); }
static value p_assv(int argc, value *argv) { return ass("assv", argv[0], argv[1], BY_EQV); }
static value p_assoc(int argc, value *argv)
{
    if (argc == 3) return mem_with("assoc", argc, argv, true);
    return ass("assoc", argv[0], argv[1], BY_EQUAL);
}

/* ---- higher order (N2) ------------------------------------------------------ */

#define MAP_MAX_LISTS 16

static value map_common(const char *who, int argc, value *argv, bool collect)
{
    value acc = NIL, r = NIL;
    WGC_LOCALS(acc, r);
    int n = argc - 1;
    if (n > MAP_MAX_LISTS) lisp_error("%s: at most %d lists", who, MAP_MAX_LISTS);
    if (!procedure_p(argv[0])) type_error(who, "procedure", argv[0]);
    for (;;) {
        value args[MAP_MAX_LISTS];
        for (int i = 0; i < n; i++) {
            value l = argv[1 + i];
            if (!PAIR_P(l)) {
                if (l != NIL) type_error(who, "list", l);
                goto finish;
            }
            args[i] = CAR(l);   /* unrooted until apply_proc pushes it (N2) */
            argv[1 + i] = CDR(l);
        }
        r = apply_proc(argv[0], n, args);
        if (collect) acc = cons(r, acc);
    }
finish:
    if (!collect) return UNSPEC;
    value prev = NIL;   /* reverse acc in place: it is ours alone */
    while (PAIR_P(acc)) {
        value next = CDR(acc);
        SET_CDR(acc, prev);
        prev = acc;
        acc = next;
    }
    return prev;
}

static value p_map(int argc, value *argv) { return map_common("map", argc, argv, true); }
static value p_for_each(int argc, value *argv) { return map_common("for-each", argc, argv, false); }

/* Run by the evaluator itself (lisp_eval.c) so that they stay tail calls;
 * these bodies are never reached. */
static value p_apply(int argc, value *argv) { lisp_error("apply: internal error"); }
static value p_call_with_values(int argc, value *argv) { lisp_error("call-with-values: internal error"); }

static value p_values(int argc, value *argv)
{
    if (argc == 1) return argv[0];
    return make_values(list_from(argv, (size_t)argc));
}

static value p_call_cc(int argc, value *argv)
{
    if (!procedure_p(argv[0])) type_error("call/cc", "procedure", argv[0]);
    return call_cc(argv[0]);
}

static value p_force(int argc, value *argv)
{
    if (!IS(argv[0], K_PROMISE)) return argv[0];
    struct promise *p = (struct promise *)argv[0];
    if (p->done != 1) {   /* 0: delay; 2: delay-force, whose value is a promise to force */
        bool chain = p->done == 2;
        value v = eval(p->expr, p->env);
        if (chain) {
            if (!IS(v, K_PROMISE)) type_error("delay-force", "promise", v);
            value args[1] = {v};   /* pushed by apply_proc before it allocates */
            v = apply_proc(prim_value("force"), 1, args);
        }
        p = (struct promise *)argv[0];
        if (p->done != 1) {   /* the body may have forced it already */
            lisp_store(argv[0], &p->expr, v);
            lisp_store(argv[0], &p->env, NIL);
            p->done = 1;
        }
    }
    return p->expr;
}

static value p_eval(int argc, value *argv) { return eval(argv[0], NIL); }

/* (error message irritant ...): raises an R7RS error object; uncaught,
 * the top level prints the message and the irritants (format_condition). */
static value p_error(int argc, value *argv)
{
    value irritants = list_from(argv + 1, (size_t)argc - 1);
    return lisp_raise(make_error_object(argv[0], irritants, ERRK_PLAIN), false);
}

static value p_exit(int argc, value *argv)
{
    lisp_exit_code = 0;
    if (argc > 0) {
        if (argv[0] == FALSE_V) lisp_exit_code = 1;
        else if (integer_p(argv[0])) lisp_exit_code = (int)(int_val(argv[0]) & 255);
    }
    lisp_exit_requested = true;
    lisp_error_unwind("exit");
}

/* ---- vectors ---------------------------------------------------------------- */

static value p_vector(int argc, value *argv)
{
    value v = make_vector((size_t)argc, FALSE_V);
    memcpy(VEC_ITEMS(v), argv, (size_t)argc * sizeof(value));
    return v;
}

static value p_make_vector(int argc, value *argv)
{
    int64_t n = want_int("make-vector", argv[0]);
    return make_vector_checked("make-vector", n, argc > 1 ? argv[1] : FALSE_V);
}

static value p_vector_length(int argc, value *argv)
{
    return make_int((int64_t)VEC_LEN(want_vector("vector-length", argv[0])));
}

static value p_vector_ref(int argc, value *argv)
{
    value v = want_vector("vector-ref", argv[0]);
    return VEC_ITEMS(v)[want_index("vector-ref", argv[1], VEC_LEN(v), false)];
}

static value p_vector_set(int argc, value *argv)
{
    value v = want_vector("vector-set!", argv[0]);
    VEC_SET(v, want_index("vector-set!", argv[1], VEC_LEN(v), false), argv[2]);
    return UNSPEC;
}

static value p_list_to_vector(int argc, value *argv)
{
    value l = want_list("list->vector", argv[0]);
    value v = make_vector((size_t)list_length(l), FALSE_V);
    l = argv[0];
    for (size_t i = 0; PAIR_P(l); l = CDR(l), i++) VEC_ITEMS(v)[i] = CAR(l);
    return v;
}

/* ---- characters --------------------------------------------------------------- */

static value p_char_to_integer(int argc, value *argv) { return MAKE_FIXNUM(want_char("char->integer", argv[0])); }
static value p_integer_to_char(int argc, value *argv)
{
    int64_t c = want_int("integer->char", argv[0]);
    if (c < 0 || c > 255) lisp_error("integer->char: %" PRId64 " is not a character code (0-255)", c);
    return MAKE_CHAR((int)c);
}

static value char_compare(const char *who, int argc, value *argv, enum cmp op, bool fold)
{
    bool ok = true;
    for (int i = 0; i < argc; i++) want_char(who, argv[i]);
    for (int i = 0; i + 1 < argc; i++) {
        int a = CHAR_VAL(argv[i]), b = CHAR_VAL(argv[i + 1]);
        if (fold) { a = tolower(a); b = tolower(b); }
        ok = ok && compare2(who, MAKE_FIXNUM(a), MAKE_FIXNUM(b), op);
    }
    return BOOL(ok);
}
static value p_char_eq(int argc, value *argv) { return char_compare("char=?", argc, argv, EQ, false); }
static value p_char_lt(int argc, value *argv) { return char_compare("char<?", argc, argv, LT, false); }
static value p_char_gt(int argc, value *argv) { return char_compare("char>?", argc, argv, GT, false); }
static value p_char_le(int argc, value *argv) { return char_compare("char<=?", argc, argv, LE, false); }
static value p_char_ge(int argc, value *argv) { return char_compare("char>=?", argc, argv, GE, false); }
static value p_char_ci_eq(int argc, value *argv) { return char_compare("char-ci=?", argc, argv, EQ, true); }
static value p_char_ci_lt(int argc, value *argv) { return char_compare("char-ci<?", argc, argv, LT, true); }
static value p_char_ci_gt(int argc, value *argv) { return char_compare("char-ci>?", argc, argv, GT, true); }
static value p_char_ci_le(int argc, value *argv) { return char_compare("char-ci<=?", argc, argv, LE, true); }
static value p_char_ci_ge(int argc, value *argv) { return char_compare("char-ci>=?", argc, argv, GE, true); }

static value p_char_alphabetic_p(int argc, value *argv) { return BOOL(isalpha(want_char("char-alphabetic?", argv[0]))); }
static value p_char_numeric_p(int argc, value *argv) { return BOOL(isdigit(want_char("char-numeric?", argv[0]))); }
static value p_char_whitespace_p(int argc, value *argv) { return BOOL(isspace(want_char("char-whitespace?", argv[0]))); }
static value p_char_upper_case_p(int argc, value *argv) { return BOOL(isupper(want_char("char-upper-case?", argv[0]))); }
static value p_char_lower_case_p(int argc, value *argv) { return BOOL(islower(want_char("char-lower-case?", argv[0]))); }
static value p_char_upcase(int argc, value *argv) { return MAKE_CHAR(toupper(want_char("char-upcase", argv[0]))); }
static value p_char_downcase(int argc, value *argv) { return MAKE_CHAR(tolower(want_char("char-downcase", argv[0]))); }

/* ---- strings ------------------------------------------------------------------- */

static value p_string_length(int argc, value *argv) { return make_int((int64_t)want_string("string-length", argv[0])->len); }

static value p_string_ref(int argc, value *argv)
{
    struct string *s = want_string("string-ref", argv[0]);
    return MAKE_CHAR((unsigned char)s->data[want_index("string-ref", argv[1], s->len, false)]);
}

static value p_string_set(int argc, value *argv)
{
    struct string *s = want_string("string-set!", argv[0]);
    size_t i = want_index("string-set!", argv[1], s->len, false);
    s->data[i] = (char)want_char("string-set!", argv[2]);
    return UNSPEC;
}

static value p_make_string(int argc, value *argv)
{
    int64_t n = want_int("make-string", argv[0]);
    int c = argc > 1 ? want_char("make-string", argv[1]) : ' ';
    value s = make_string_checked("make-string", n);
    memset(STR(s)->data, c, STR(s)->len);
    return s;
}

static value p_string(int argc, value *argv)
{
    for (int i = 0; i < argc; i++) want_char("string", argv[i]);
    value s = make_string(NULL, (size_t)argc);
    for (int i = 0; i < argc; i++) STR(s)->data[i] = (char)CHAR_VAL(argv[i]);
    return s;
}

static value p_substring(int argc, value *argv)
{
    struct string *s = want_string("substring", argv[0]);
    size_t start = want_index("substring", argv[1], s->len, true);
    size_t end = argc > 2 ? want_index("substring", argv[2], s->len, true) : s->len;
    if (end < start) lisp_error("substring: end %zu before start %zu", end, start);
    return make_string(s->data + start, end - start);   /* argv[0] keeps s alive */
}

static value p_string_append(int argc, value *argv)
{
    int64_t total = 0;   /* summed in 64 bits: a size_t sum wraps on wasm32 */
    for (int i = 0; i < argc; i++) {
        total += (int64_t)want_string("string-append", argv[i])->len;   /* < 2^28 each */
    }
    value r = make_string_checked("string-append", total);
    size_t n = 0;
    for (int i = 0; i < argc; i++) {
        memcpy(STR(r)->data + n, STR(argv[i])->data, STR(argv[i])->len);
        n += STR(argv[i])->len;
    }
    return r;
}

static int string_cmp(const char *who, value a, value b, bool fold)
{
    struct string *x = want_string(who, a), *y = want_string(who, b);
    for (size_t i = 0; i < x->len && i < y->len; i++) {
        int c = (unsigned char)x->data[i], d = (unsigned char)y->data[i];
        if (fold) { c = tolower(c); d = tolower(d); }
        if (c != d) return c < d ? -1 : 1;
    }
    return x->len < y->len ? -1 : x->len > y->len ? 1 : 0;
}

static value string_compare(const char *who, int argc, value *argv, enum cmp op, bool fold)
{
    bool ok = true;
    if (argc == 1) want_string(who, argv[0]);
    for (int i = 0; i + 1 < argc; i++)
        ok = compare2(who, MAKE_FIXNUM(string_cmp(who, argv[i], argv[i + 1], fold)),
                      MAKE_FIXNUM(0), op) && ok;
    return BOOL(ok);
}
static value p_string_eq(int argc, value *argv) { return string_compare("string=?", argc, argv, EQ, false); }
static value p_string_lt(int argc, value *argv) { return string_compare("string<?", argc, argv, LT, false); }
static value p_string_gt(int argc, value *argv) { return string_compare("string>?", argc, argv, GT, false); }
static value p_string_le(int argc, value *argv) { return string_compare("string<=?", argc, argv, LE, false); }
static value p_string_ge(int argc, value *argv) { return string_compare("string>=?", argc, argv, GE, false); }
static value p_string_ci_eq(int argc, value *argv) { return string_compare("string-ci=?", argc, argv, EQ, true); }
static value p_string_ci_lt(int argc, value *argv) { return string_compare("string-ci<?", argc, argv, LT, true); }
static value p_string_ci_gt(int argc, value *argv) { return string_compare("string-ci>?", argc, argv, GT, true); }
static value p_string_ci_le(int argc, value *argv) { return string_compare("string-ci<=?", argc, argv, LE, true); }
static value p_string_ci_ge(int argc, value *argv) { return string_compare("string-ci>=?", argc, argv, GE, true); }

static value p_list_to_string(int argc, value *argv)
{
    value l = want_list("list->string", argv[0]);
    for (; PAIR_P(l); l = CDR(l)) want_char("list->string", CAR(l));
    value s = make_string(NULL, (size_t)list_length(argv[0]));
    size_t i = 0;
    for (l = argv[0]; PAIR_P(l); l = CDR(l)) STR(s)->data[i++] = (char)CHAR_VAL(CAR(l));
    return s;
}

static value p_string_to_symbol(int argc, value *argv)
{
    struct string *s = want_string("string->symbol", argv[0]);
    return intern(s->data, s->len);   /* argv[0] keeps the bytes alive (L4) */
}

static value p_symbol_to_string(int argc, value *argv)
{
    if (!SYMBOL_P(argv[0])) type_error("symbol->string", "symbol", argv[0]);
    struct string *s = STR(SYM(argv[0])->name);
    return make_string(s->data, s->len);   /* a copy: the name stays immutable */
}

static value string_case(const char *who, value v, int (*fn)(int))
{
    struct string *s = want_string(who, v);
    value r = make_string(s->data, s->len);
    for (size_t i = 0; i < STR(r)->len; i++)
        STR(r)->data[i] = (char)fn((unsigned char)STR(r)->data[i]);
    return r;
}
static value p_string_upcase(int argc, value *argv) { return string_case("string-upcase", argv[0], toupper); }
static value p_string_downcase(int argc, value *argv) { return string_case("string-downcase", argv[0], tolower); }

/* ---- the collector, seen from Scheme ------------------------------------------------ */

static value p_runtime(int argc, value *argv)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return make_flonum((double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
}

static value p_collect_garbage(int argc, value *argv)
{
    wgc_collect();
    return UNSPEC;
}

static value p_gc_stats(int argc, value *argv)
{
    struct wgc_stats st;
    wgc_stats(&st);
    const struct { const char *name; uint64_t v; } items[] = {
        {"collections", st.num_gc},     {"heap-alloc", st.heap_alloc},
        {"heap-inuse", st.heap_inuse},  {"heap-sys", st.heap_sys},
        {"live-bytes", st.live_bytes},  {"next-gc", st.next_gc},
        {"total-alloc", st.total_alloc}, {"objects-allocated", st.nmalloc},
        {"objects-freed", st.nfree},    {"pause-max-ns", st.pause_max_ns},
        {"pause-total-ns", st.pause_total_ns},
    };
    /* the collector's share of the time since the interpreter started */
    int64_t elapsed = lisp_elapsed_ns();
    double share = elapsed > 0 ? 100.0 * (double)st.pause_total_ns / (double)elapsed : 0.0;
    if (share > 100) share = 100;   /* the clocks differ a little */
    value l = NIL, cell = NIL;
    WGC_LOCALS(l, cell);
    cell = make_flonum(share);
    cell = cons(intern_c("gc-time-percent"), cell);
    l = cons(cell, l);
    cell = make_int(elapsed);
    cell = cons(intern_c("elapsed-ns"), cell);
    l = cons(cell, l);
    for (size_t i = sizeof items / sizeof items[0]; i-- > 0;) {
        cell = make_int(items[i].v > INT64_MAX ? INT64_MAX : (int64_t)items[i].v);
        cell = cons(intern_c(items[i].name), cell);
        l = cons(cell, l);
    }
    return l;
}

static value p_verify_heap(int argc, value *argv)
{
    char msg[256];
    if (!wgc_verify(msg, sizeof msg)) lisp_error("verify-heap: %s", msg);
    return TRUE_V;
}

/* ---- the table ------------------------------------------------------------------------ */

const struct prim_def prim_table[] = {
    {"+", p_add, 0, -1}, {"-", p_sub, 1, -1}, {"*", p_mul, 0, -1}, {"/", p_div, 1, -1},
    {"quotient", p_quotient, 2, 2}, {"remainder", p_remainder, 2, 2}, {"modulo", p_modulo, 2, 2},
    {"=", p_num_eq, 1, -1}, {"<", p_lt, 1, -1}, {">", p_gt, 1, -1}, {"<=", p_le, 1, -1},
    {">=", p_ge, 1, -1}, {"min", p_min, 1, -1}, {"max", p_max, 1, -1}, {"abs", p_abs, 1, 1},
    {"zero?", p_zero_p, 1, 1}, {"positive?", p_positive_p, 1, 1},
    {"negative?", p_negative_p, 1, 1}, {"odd?", p_odd_p, 1, 1}, {"even?", p_even_p, 1, 1},
    {"number?", p_number_p, 1, 1}, {"integer?", p_integer_p, 1, 1},
    {"rational?", p_number_p, 1, 1}, {"real?", p_number_p, 1, 1},
    {"complex?", p_number_p, 1, 1}, {"exact?", p_exact_p, 1, 1},
    {"inexact?", p_inexact_p, 1, 1}, {"nan?", p_nan_p, 1, 1},
    {"exact->inexact", p_inexact, 1, 1}, {"inexact->exact", p_exact, 1, 1},
    {"inexact", p_inexact, 1, 1}, {"exact", p_exact, 1, 1},
    {"floor", p_floor, 1, 1}, {"ceiling", p_ceiling, 1, 1}, {"truncate", p_truncate, 1, 1},
    {"round", p_round, 1, 1}, {"sqrt", p_sqrt, 1, 1}, {"expt", p_expt, 2, 2},
    {"exp", p_exp, 1, 1}, {"log", p_log, 1, 1}, {"sin", p_sin, 1, 1}, {"cos", p_cos, 1, 1},
    {"tan", p_tan, 1, 1}, {"atan", p_atan, 1, 2}, {"gcd", p_gcd, 0, -1}, {"lcm", p_lcm, 0, -1},
    {"number->string", p_number_to_string, 1, 2}, {"string->number", p_string_to_number, 1, 2},
    {"random", p_random, 1, 1},
    {"eq?", p_eq_p, 2, 2}, {"eqv?", p_eqv_p, 2, 2}, {"equal?", p_equal_p, 2, 2},
    {"not", p_not, 1, 1},
    {"null?", p_null_p, 1, 1}, {"pair?", p_pair_p, 1, 1}, {"list?", p_list_p, 1, 1},
    {"symbol?", p_symbol_p, 1, 1}, {"string?", p_string_p, 1, 1}, {"char?", p_char_p, 1, 1},
    {"boolean?", p_boolean_p, 1, 1}, {"vector?", p_vector_p, 1, 1},
    {"procedure?", p_procedure_p, 1, 1},
    {"cons", p_cons, 2, 2}, {"car", p_car, 1, 1}, {"cdr", p_cdr, 1, 1},
    {"set-car!", p_set_car, 2, 2}, {"set-cdr!", p_set_cdr, 2, 2},
    {"caar", p_caar, 1, 1}, {"cadr", p_cadr, 1, 1}, {"cdar", p_cdar, 1, 1},
    {"cddr", p_cddr, 1, 1},
    {"list", p_list, 0, -1}, {"length", p_length, 1, 1}, {"append", p_append, 0, -1},
    {"reverse", p_reverse, 1, 1}, {"list-tail", p_list_tail, 2, 2},
    {"list-ref", p_list_ref, 2, 2}, {"memq", p_memq, 2, 2}, {"memv", p_memv, 2, 2},
    {"member", p_member, 2, 3}, {"assq", p_assq, 2, 2}, {"assv", p_assv, 2, 2},
    {"assoc", p_assoc, 2, 3},
    {"map", p_map, 2, -1}, {"for-each", p_for_each, 2, -1}, {"apply", p_apply, 1, -1},
    {"call-with-values", p_call_with_values, 2, 2}, {"values", p_values, 0, -1},
    {"call-with-current-continuation", p_call_cc, 1, 1}, {"call/cc", p_call_cc, 1, 1},
    {"force", p_force, 1, 1}, {"eval", p_eval, 1, 2}, {"error", p_error, 1, -1},
    {"exit", p_exit, 0, 1},
    {"vector", p_vector, 0, -1}, {"make-vector", p_make_vector, 1, 2},
    {"vector-length", p_vector_length, 1, 1}, {"vector-ref", p_vector_ref, 2, 2},
    {"vector-set!", p_vector_set, 3, 3}, {"list->vector", p_list_to_vector, 1, 1},
    {"char->integer", p_char_to_integer, 1, 1}, {"integer->char", p_integer_to_char, 1, 1},
    {"char=?", p_char_eq, 1, -1}, {"char<?", p_char_lt, 1, -1}, {"char>?", p_char_gt, 1, -1},
    {"char<=?", p_char_le, 1, -1}, {"char>=?", p_char_ge, 1, -1},
    {"char-ci=?", p_char_ci_eq, 1, -1}, {"char-ci<?", p_char_ci_lt, 1, -1},
    {"char-ci>?", p_char_ci_gt, 1, -1}, {"char-ci<=?", p_char_ci_le, 1, -1},
    {"char-ci>=?", p_char_ci_ge, 1, -1},
    {"char-alphabetic?", p_char_alphabetic_p, 1, 1}, {"char-numeric?", p_char_numeric_p, 1, 1},
    {"char-whitespace?", p_char_whitespace_p, 1, 1},
    {"char-upper-case?", p_char_upper_case_p, 1, 1},
    {"char-lower-case?", p_char_lower_case_p, 1, 1},
    {"char-upcase", p_char_upcase, 1, 1}, {"char-downcase", p_char_downcase, 1, 1},
    {"string-length", p_string_length, 1, 1}, {"string-ref", p_string_ref, 2, 2},
    {"string-set!", p_string_set, 3, 3}, {"make-string", p_make_string, 1, 2},
    {"string", p_string, 0, -1}, {"substring", p_substring, 2, 3},
    {"string-append", p_string_append, 0, -1},
    {"string=?", p_string_eq, 1, -1}, {"string<?", p_string_lt, 1, -1},
    {"string>?", p_string_gt, 1, -1}, {"string<=?", p_string_le, 1, -1},
    {"string>=?", p_string_ge, 1, -1}, {"string-ci=?", p_string_ci_eq, 1, -1},
    {"string-ci<?", p_string_ci_lt, 1, -1}, {"string-ci>?", p_string_ci_gt, 1, -1},
    {"string-ci<=?", p_string_ci_le, 1, -1}, {"string-ci>=?", p_string_ci_ge, 1, -1},
    {"list->string", p_list_to_string, 1, 1},
    {"string->symbol", p_string_to_symbol, 1, 1}, {"symbol->string", p_symbol_to_string, 1, 1},
    {"string-upcase", p_string_upcase, 1, 1}, {"string-downcase", p_string_downcase, 1, 1},
    {"runtime", p_runtime, 0, 0}, {"collect-garbage", p_collect_garbage, 0, 0},
    {"gc-stats", p_gc_stats, 0, 0}, {"verify-heap", p_verify_heap, 0, 0},
};
const size_t prim_count = sizeof prim_table / sizeof prim_table[0];

void prims_init(void)
{
    const struct { const struct prim_def *t; size_t n; } tables[] = {
        {prim_table, prim_count}, {r7rs_prims, r7rs_prim_count}, {port_prims, port_prim_count},
        {weak_prims, weak_prim_count},
    };
    for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++) {
        for (size_t i = 0; i < tables[k].n; i++) {
            const struct prim_def *d = &tables[k].t[i];
            value sym = intern_c(d->name);
            value prim = make_prim(sym, d);   /* sym: kept by the symbol table (L4) */
            lisp_store(sym, &SYM(sym)->global, prim);
            if (d->fn == p_apply) prim_apply_def = d;
            if (d->fn == p_call_with_values) prim_callwv_def = d;
        }
    }
    r7rs_init();
    ports_init();
    weak_init();
}

/* ---- the prelude: library procedures written in Scheme ------------------------------- */

const char lisp_prelude[] =
    "(define (filter keep? l)\n"
    "  (let loop ((l l) (acc '()))\n"
    "    (cond ((null? l) (reverse acc))\n"
    "          ((keep? (car l)) (loop (cdr l) (cons (car l) acc)))\n"
    "          (else (loop (cdr l) acc)))))\n"
    "(define (remove drop? l) (filter (lambda (x) (not (drop? x))) l))\n"
    "(define (delete x l) (filter (lambda (y) (not (equal? x y))) l))\n"
    "(define (fold-left f acc l)\n"
    "  (if (null? l) acc (fold-left f (f acc (car l)) (cdr l))))\n"
    "(define (fold-right f acc l)\n"
    "  (let loop ((l (reverse l)) (acc acc))\n"
    "    (if (null? l) acc (loop (cdr l) (f (car l) acc)))))\n"
    "(define (reduce f init l)\n"
    "  (if (null? l) init (fold-left f (car l) (cdr l))))\n"
    "(define (iota n . opt)\n"
    "  (let ((start (if (pair? opt) (car opt) 0))\n"
    "        (step (if (and (pair? opt) (pair? (cdr opt))) (cadr opt) 1)))\n"
    "    (let loop ((i (- n 1)) (acc '()))\n"
    "      (if (< i 0) acc (loop (- i 1) (cons (+ start (* i step)) acc))))))\n"
    "(define (list-copy l) (map (lambda (x) x) l))\n"
    "(define (last-pair l) (if (pair? (cdr l)) (last-pair (cdr l)) l))\n"
    "(define (list-index pred l)\n"
    "  (let loop ((l l) (i 0))\n"
    "    (cond ((null? l) #f) ((pred (car l)) i) (else (loop (cdr l) (+ i 1))))))\n"
    "(define (vector-map f v . vs)\n"
    "  (list->vector (apply map f (vector->list v) (map vector->list vs))))\n"
    "(define (vector-for-each f v . vs)\n"
    "  (apply for-each f (vector->list v) (map vector->list vs)))\n"
    "(define (string-map f s . ss)\n"
    "  (list->string (apply map f (string->list s) (map string->list ss))))\n"
    "(define (string-for-each f s . ss)\n"
    "  (apply for-each f (string->list s) (map string->list ss)))\n"
    "(define (exact-rational? x) (exact-integer? x))\n"
    "(define (call-with-output-string proc)\n"
    "  (let ((port (open-output-string))) (proc port) (get-output-string port)))\n"
    "(define emergency-exit exit)\n"
    "(define (%merge a b less?)\n"
    "  (let loop ((a a) (b b) (acc '()))\n"
    "    (cond ((null? a) (append (reverse acc) b))\n"
    "          ((null? b) (append (reverse acc) a))\n"
    "          ((less? (car b) (car a)) (loop a (cdr b) (cons (car b) acc)))\n"
    "          (else (loop (cdr a) b (cons (car a) acc))))))\n"
    "(define (%sort l less?)\n"
    "  (if (or (null? l) (null? (cdr l))) l\n"
    "      (let split ((i (quotient (length l) 2)) (front '()) (back l))\n"
    "        (if (= i 0)\n"
    "            (%merge (%sort (reverse front) less?) (%sort back less?) less?)\n"
    "            (split (- i 1) (cons (car back) front) (cdr back))))))\n"
    "(define (sort seq less?)\n"
    "  (if (vector? seq) (list->vector (%sort (vector->list seq) less?)) (%sort seq less?)))\n"
    "(define (assert ok . what) (if (not ok) (apply error \"assertion failed\" what)))\n"
    ";; syntax-rules, not hygienic: a transformer is a procedure from the\n"
    ";; macro-use form to its expansion (define-syntax, lisp_eval.c).\n"
    ";; Pattern variables bound under an ellipsis map to (%ell value ...).\n"
    "(define (%sr-plen l) (if (pair? l) (+ 1 (%sr-plen (cdr l))) 0))\n"
    "(define (%sr-vars pat lits)\n"
    "  (cond ((symbol? pat) (if (or (memq pat lits) (eq? pat '...) (eq? pat '_)) '() (list pat)))\n"
    "        ((pair? pat) (append (%sr-vars (car pat) lits) (%sr-vars (cdr pat) lits)))\n"
    "        ((vector? pat) (%sr-vars (vector->list pat) lits))\n"
    "        (else '())))\n"
    "(define (%sr-match pat form lits binds)\n"
    "  (cond ((symbol? pat)\n"
    "         (cond ((memq pat lits) (and (eq? form pat) binds))\n"
    "               ((eq? pat '_) binds)\n"
    "               (else (cons (cons pat form) binds))))\n"
    "        ((and (pair? pat) (pair? (cdr pat)) (eq? (cadr pat) '...))\n"
    "         (let ((n (- (%sr-plen form) (%sr-plen (cddr pat)))))\n"
    "           (and (>= n 0)\n"
    "                (let loop ((i 0) (f form) (acc '()))\n"
    "                  (if (< i n)\n"
    "                      (let ((b (%sr-match (car pat) (car f) lits '())))\n"
    "                        (and b (loop (+ i 1) (cdr f) (cons b acc))))\n"
    "                      (let ((rest (%sr-match (cddr pat) f lits binds)))\n"
    "                        (and rest\n"
    "                             (append (map (lambda (v)\n"
    "                                            (cons v (cons '%ell (map (lambda (b) (cdr (assq v b)))\n"
    "                                                                     (reverse acc)))))\n"
    "                                          (%sr-vars (car pat) lits))\n"
    "                                     rest))))))))\n"
    "        ((pair? pat)\n"
    "         (and (pair? form)\n"
    "              (let ((b (%sr-match (car pat) (car form) lits binds)))\n"
    "                (and b (%sr-match (cdr pat) (cdr form) lits b)))))\n"
    "        ((null? pat) (and (null? form) binds))\n"
    "        ((vector? pat)\n"
    "         (and (vector? form) (%sr-match (vector->list pat) (vector->list form) lits binds)))\n"
    "        (else (and (equal? pat form) binds))))\n"
    "(define (%sr-ell? x) (and (pair? x) (eq? (car x) '%ell)))\n"
    "(define (%sr-expand t binds)\n"
    "  (cond ((symbol? t) (let ((b (assq t binds))) (if b (cdr b) t)))\n"
    "        ((and (pair? t) (eq? (car t) '...) (pair? (cdr t))) (cadr t))\n"
    "        ((and (pair? t) (pair? (cdr t)) (eq? (cadr t) '...) (pair? (cddr t)) (eq? (caddr t) '...))\n"
    "         (append (apply append (%sr-expand (list (list (car t) '...) '...) binds))\n"
    "                 (%sr-expand (cdddr t) binds)))\n"
    "        ((and (pair? t) (pair? (cdr t)) (eq? (cadr t) '...))\n"
    "         (let* ((vars (filter (lambda (v) (let ((b (assq v binds))) (and b (%sr-ell? (cdr b)))))\n"
    "                              (%sr-vars (car t) '())))\n"
    "                (items (if (null? vars)\n"
    "                           (error \"syntax-rules: no pattern variable before ... in\" t)\n"
    "                           (apply map (lambda vals (%sr-expand (car t) (append (map cons vars vals) binds)))\n"
    "                                  (map (lambda (v) (cddr (assq v binds))) vars)))))\n"
    "           (append items (%sr-expand (cddr t) binds))))\n"
    "        ((pair? t) (cons (%sr-expand (car t) binds) (%sr-expand (cdr t) binds)))\n"
    "        ((vector? t) (list->vector (%sr-expand (vector->list t) binds)))\n"
    "        (else t)))\n"
    "(define (%syntax-rules spec)\n"
    "  (if (not (and (pair? spec) (eq? (car spec) 'syntax-rules) (pair? (cdr spec)) (list? (cadr spec))))\n"
    "      (error \"define-syntax: only syntax-rules transformers are supported:\" spec))\n"
    "  (let ((lits (cadr spec)) (rules (cddr spec)))\n"
    "    (lambda (form)\n"
    "      (let loop ((rs rules))\n"
    "        (cond ((null? rs) (error \"no syntax-rules pattern matches\" form))\n"
    "              ((%sr-match (cdar (car rs)) (cdr form) lits '())\n"
    "               => (lambda (b) (%sr-expand (cadr (car rs)) b)))\n"
    "              (else (loop (cdr rs))))))))\n";
