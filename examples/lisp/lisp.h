/* lisp.h — a small Scheme on wgc: how values look, the object kinds, and
 * the interfaces between the reader, the printer, the evaluator and the
 * primitives.  An embedder written against runtime/wgc.h alone.
 *
 * Files:  lisp_obj.c   allocation, object constructors, symbols, numbers
 *         lisp_read.c  the reader (text -> values)
 *         lisp_print.c the printer (display / write)
 *         lisp_eval.c  the evaluator (proper tail calls), errors
 *         lisp_prims.c the primitive procedures, the prelude (syntax-rules too)
 *         lisp_r7rs.c  records, error objects, bytevectors, more R7RS procedures
 *         lisp_ports.c ports (strings, files, the console) and the clock
 *         lisp_weak.c  ephemerons, guardians, hash tables; running finalizers
 *         lisp_api.c   init from options, eval a string, stats (what JS calls)
 *         lisp_main.c  a native command-line runner (the wasm one is JS)
 *
 * Values are machine words (uintptr_t):
 *   ...xxxx1   a fixnum: the integer value << 1 | 1
 *   ...xx010   a character: code << 3 | 2
 *   ...xx110   a constant: (), #f, #t, unspecified, eof, unbound, default
 *   ...xx000   a pointer to the start of a wgc object (never 0)
 *
 * Invariants:
 *   L1. Every heap value is a wgc object whose first word is its header,
 *       HDR(kind) = kind << 1 | 1.  The header has its low bit set, so even
 *       in a word the collector scans as a pointer (vectors) it is ignored.
 *   L2. Immediates (fixnums, characters, constants) are never the start of
 *       an object (objects are 8-byte aligned), so wgc ignores them in
 *       pointer slots: one word type serves both (wgc.h, "Which words").
 *   L3. A value held in a C variable across anything that may allocate is
 *       registered: with WGC_LOCALS, or on the value stack (lisp_eval.c),
 *       whose live part is one wgc_frame of `array` kind.
 *   L4. Symbols are never freed: the symbol table, a wgc vector registered
 *       with wgc_root_add, holds every one.  So C statics may point at
 *       symbols without being roots themselves.
 *   L5. Integers behave as 64-bit everywhere: a fixnum when it fits in a
 *       tagged word (31 bits on wasm32), else a boxed int64.  A result
 *       outside int64 is a language error, never a wrap.
 *   L6. A value stored into a field of a heap object that existed before
 *       the last allocation goes through lisp_store (below): wgc's write
 *       barrier, which generational collection needs.
 */
#ifndef LISP_H
#define LISP_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wgc.h"

typedef uintptr_t value;

/* ---- immediates ------------------------------------------------------- */

#define FIXNUM_P(v)   (((v) & 1) != 0)
#define FIXNUM_VAL(v) ((intptr_t)(v) >> 1)
#define MAKE_FIXNUM(n) ((value)(((uintptr_t)(intptr_t)(n) << 1) | 1))
#define FIXNUM_MIN    (INTPTR_MIN >> 1)
#define FIXNUM_MAX    (INTPTR_MAX >> 1)

#define CHAR_P(v)     (((v) & 7) == 2)
#define CHAR_VAL(v)   ((int)((v) >> 3))
#define MAKE_CHAR(c)  ((value)(((uintptr_t)(unsigned)(c) << 3) | 2))

#define CONST_(k)     ((value)(((k) << 3) | 6))
#define NIL           CONST_(0)
#define FALSE_V       CONST_(1)
#define TRUE_V        CONST_(2)
#define UNSPEC        CONST_(3)   /* what set!, display, ... return */
#define EOF_V         CONST_(4)
#define UNBOUND       CONST_(5)   /* a global that has no value yet */
#define DEFAULT_V     CONST_(6)   /* the value of a letrec variable before init */

#define BOOL(c)       ((c) ? TRUE_V : FALSE_V)
#define TRUTHY(v)     ((v) != FALSE_V)

#define HEAP_P(v)     (((v) & 7) == 0 && (v) != 0)

/* ---- object kinds, listed once --------------------------------------- */

/* X(KIND, printed name).  The type descriptors are in lisp_obj.c. */
#define LISP_KINDS(X)               \
    X(PAIR, "pair")                 \
    X(SYMBOL, "symbol")             \
    X(STRING, "string")             \
    X(FLONUM, "real")               \
    X(BIGINT, "integer")            \
    X(VECTOR, "vector")             \
    X(CLOSURE, "procedure")         \
    X(PRIM, "primitive")            \
    X(ENV, "environment")           \
    X(VALUES, "multiple values")    \
    X(PROMISE, "promise")          \
    X(CONT, "continuation")         \
    X(RECORD, "record")             \
    X(RECTYPE, "record type")       \
    X(BYTEVECTOR, "bytevector")     \
    X(PORT, "port")                 \
    X(PARAM, "parameter")           \
    X(CASELAMBDA, "procedure")      \
    X(EPHEMERON, "ephemeron")       \
    X(GUARDIAN, "guardian")         \
    X(HASHTABLE, "hash table")

enum kind {
#define X(k, name) K_##k,
    LISP_KINDS(X)
#undef X
    K_COUNT
};

#define HDR(k)        ((value)(((uintptr_t)(k) << 1) | 1))
#define KIND_OF(v)    ((enum kind)(*(value *)(v) >> 1))
#define IS(v, k)      (HEAP_P(v) && *(value *)(v) == HDR(k))

/* ---- object layouts (first word: the header, L1) ------------------- */

struct pair    { value hdr, car, cdr; };
/* special: the special form a symbol names (lisp_eval.c), 0 for none. */
struct symbol  { value hdr, name, global; uintptr_t special; };
struct string  { value hdr; size_t len; char data[]; };  /* no pointers */
struct flonum  { value hdr; double d; };               /* no pointers */
struct bigint  { value hdr; int64_t n; };              /* no pointers */
/* A vector is wgc_alloc_array of one-pointer slots: [hdr, len, items...],
 * len a fixnum (L1, L2 keep both out of the collector's way). */
struct closure { value hdr, params, body, env, name; uintptr_t arity; };
struct prim_def;
struct prim    { value hdr, name; const struct prim_def *def; };
/* An environment frame: names is a list (possibly improper, for a rest
 * parameter) whose elements are symbols or binding forms (sym init ...);
 * vals is a proper list, one cell per name.  The global frame is NIL: a
 * global's value lives in its symbol. */
struct env     { value hdr, parent, names, vals; };
struct values  { value hdr, list; };
/* done: 0 for delay, 2 for delay-force (not yet forced), 1 when expr is the value */
struct promise { value hdr, expr, env; uintptr_t done; };
/* An escape-only continuation: live while its call/cc is on the C stack. */
struct cont    { value hdr; uintptr_t id, live; };
/* A record is wgc_alloc_array of slots, like a vector: [hdr, type,
 * fields...], type its rectype (define-record-type, lisp_r7rs.c). */
#define REC_TYPE(r)   (((value *)(r))[1])
#define REC_FIELDS(r) (&((value *)(r))[2])
struct rectype { value hdr, name, fields; uintptr_t nfields; };   /* fields: list of symbols */
struct bytevector { value hdr; size_t len; unsigned char data[]; };   /* no pointers */
/* A port (lisp_ports.c).  Input ports hold their whole text in buf (a
 * string; a file is read when it is opened) and read at pos < len; an
 * output string port appends to buf (len bytes used, the rest spare); an
 * output file port writes to fp; console ports go to the embedder's sink. */
struct port    { value hdr, buf, name; uintptr_t flags; size_t pos, len; void *fp; };
/* make-parameter: the current value and the converter (#f for none). */
struct param   { value hdr, value, converter; };
/* case-lambda: a list of closures, tried in order by argument count. */
struct caselambda { value hdr, clauses, name; };
/* lisp_weak.c.  An ephemeron (SRFI 124): box is wgc's ephemeron (key ->
 * datum) when the key is a heap object; an immediate key never dies, so
 * then box is 0 and key and datum are held here, strongly. */
struct ephemeron { value hdr, box, key, datum; };
/* A guardian's queue of objects found unreachable: a list from head to
 * tail (both NIL when empty); id: its slot in the guardian table. */
struct guardian { value hdr, head, tail; uintptr_t id; };
/* A hash table: buckets is a vector of lists of entries, each entry a
 * pair (key . value), or in a weak-keyed table an ephemeron. */
struct hashtable { value hdr, buckets; uintptr_t count, flags; };

#define PAIR_P(v)     IS(v, K_PAIR)
#define SYMBOL_P(v)   IS(v, K_SYMBOL)
#define STRING_P(v)   IS(v, K_STRING)
#define VECTOR_P(v)   IS(v, K_VECTOR)
#define CAR(v)        (((struct pair *)(v))->car)
#define CDR(v)        (((struct pair *)(v))->cdr)
#define STR(v)        ((struct string *)(v))
#define SYM(v)        ((struct symbol *)(v))
#define VEC_LEN(v)    ((size_t)FIXNUM_VAL(((value *)(v))[1]))
#define VEC_ITEMS(v)  (&((value *)(v))[2])

/* Every store of a value into a field of an existing heap object goes
 * through here: obj is the object, field the slot inside it, and the store
 * goes through wgc's write barrier (wgc.h), so that a minor collection
 * sees the old-to-young pointers it makes.  The only stores that may
 * bypass it (L6) are those into an object allocated with no allocation
 * since (constructors filling a fresh object), and stores into roots (the
 * value stack, C locals). */
static inline void lisp_store(value obj, value *field, value v)
{
    (void)obj;
    wgc_write(field, (void *)v);
}
#define SET_CAR(p, v) lisp_store((p), &CAR(p), (v))
#define SET_CDR(p, v) lisp_store((p), &CDR(p), (v))
#define VEC_SET(vec, i, v) lisp_store((vec), &VEC_ITEMS(vec)[i], (v))

/* The longest string (bytes) and vector (slots) the Scheme makes.  A
 * length from Scheme is an int64 and is checked against these as an int64
 * before it is ever converted to size_t (32 bits on wasm32). */
#define LISP_MAX_STRING ((int64_t)1 << 28)
#define LISP_MAX_VECTOR ((int64_t)1 << 26)

/* ---- lisp_obj.c ------------------------------------------------------- */

void obj_init(void);
const char *kind_name(value v);        /* for type errors */
value cons(value a, value d);
/* Both check len against LISP_MAX_* ("string too long" / "vector too
 * long"); callers with an int64 length use the _checked forms. */
value make_string(const char *s, size_t len);   /* copies; s may be NULL */
value make_vector(size_t n, value fill);
value make_string_checked(const char *who, int64_t len);
value make_vector_checked(const char *who, int64_t n, value fill);
value make_flonum(double d);
value make_int(int64_t n);             /* fixnum or boxed */
value make_closure(value params, value body, value env, value name);
value make_env(value parent, value names, value vals);
value make_values(value list);
value make_promise(value expr, value env);
value make_prim(value name, const struct prim_def *def);
value make_record(value type);         /* fields #f */
value make_rectype(value name, value fields);
value make_bytevector_checked(const char *who, int64_t len);
value make_port(uintptr_t flags, value buf, value name);
value make_param(value v, value converter);
value make_caselambda(value clauses, value name);
/* cons for a finalizer (lisp_weak.c): never raises; 0 when the heap is
 * full (lisp_alloc_quiet keeps wgc's error hook from unwinding). */
value cons_quiet(value a, value d);
extern bool lisp_alloc_quiet;
bool procedure_p(value v);
bool eqv_p(value a, value b);
value intern(const char *name, size_t len);
value intern_c(const char *name);
bool integer_p(value v);
int64_t int_val(value v);              /* of an integer value */
bool number_p(value v);
double num_to_double(value v);
value list_from(value *items, size_t n);   /* items must be rooted (L3) */
value list_reverse(value l);
int64_t list_length(value l);          /* -1 if not a proper list */

/* The well-known symbols (L4: no need to root them). */
#define LISP_SYMS(X)                                                   \
    X(quote, "quote") X(quasiquote, "quasiquote") X(unquote, "unquote")  \
    X(unquote_splicing, "unquote-splicing") X(lambda, "lambda")          \
    X(define, "define") X(set, "set!") X(if_, "if") X(cond, "cond")      \
    X(case_, "case") X(and_, "and") X(or_, "or") X(when, "when")         \
    X(unless, "unless") X(let, "let") X(let_star, "let*")                \
    X(letrec, "letrec") X(letrec_star, "letrec*") X(begin, "begin")      \
    X(do_, "do") X(delay, "delay") X(else_, "else") X(arrow, "=>")          \
    X(guard, "guard") X(parameterize, "parameterize")                    \
    X(let_values, "let-values") X(let_star_values, "let*-values")        \
    X(define_values, "define-values") X(case_lambda, "case-lambda")      \
    X(define_record_type, "define-record-type") X(import, "import")      \
    X(delay_force, "delay-force") X(define_syntax, "define-syntax")      \
    X(let_syntax, "let-syntax") X(letrec_syntax, "letrec-syntax")
#define X(c, s) extern value sym_##c;
LISP_SYMS(X)
#undef X

/* ---- lisp_read.c ----------------------------------------------------- */

/* A reader over a NUL-terminated text.  read_datum returns EOF_V at the
 * end; a syntax error is a language error (lisp_error). */
/* A reader over text[0..len), which is followed by a NUL.  A NUL byte
 * inside the text is a read error ("NUL character in source"). */
struct reader { const char *text; size_t len, pos; int line, datum_line; };
value read_datum(struct reader *r);
/* 0: text[0..len) is complete (or has an error the reader will report,
 * a NUL byte included); 1: more lines are needed (an open list or string). */
int read_incomplete(const char *text, size_t len);
/* Parse tok[0..len) as a number; false if it is not one. */
bool read_number(const char *tok, size_t len, value *out);

/* ---- lisp_print.c ---------------------------------------------------- */

/* Output goes through a small buffer to the embedder's sink. */
void out_str(const char *s, size_t n);
void out_cstr(const char *s);
void out_flush(void);
void print_value(value v, bool write);
/* v printed into a scratch buffer (malloc'ed, reused; valid until the next
 * call); its length in *len.  Still no wgc allocation (P1). */
const char *print_to_scratch(value v, bool write, size_t *len);
/* Format v into buf (truncated to len), for error messages. */
void format_value(char *buf, size_t len, value v, bool write);
void format_double(char *buf, size_t len, double d);
/* The embedder's sink: fd 1 or 2.  Set by lisp_api.c. */
extern void (*lisp_sink)(int fd, const char *s, size_t n);

/* ---- lisp_eval.c ----------------------------------------------------- */

void eval_init(void);
value eval(value expr, value env);
value apply_proc(value f, int argc, value *argv);   /* argv rooted (L3) */
value call_cc(value f);                /* escape-only call/cc */
/* A language error: the message goes to lisp_errmsg.  It is raised as an
 * R7RS error object (kind: ERRK_*, for file-error? / read-error?): a
 * handler of with-exception-handler is called with it, guard catches it,
 * else it unwinds to the top level, which reports the message. */
enum { ERRK_PLAIN, ERRK_READ, ERRK_FILE };
_Noreturn void lisp_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
_Noreturn void lisp_error_kind(int kind, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An error no Scheme handler sees (it only unwinds, guard included):
 * out of memory, stack overflow, exit.  Handlers could not run there. */
_Noreturn void lisp_error_unwind(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
/* raise / raise-continuable (R7RS): call the current handler, or unwind. */
value lisp_raise(value obj, bool continuable);
/* with-exception-handler: call thunk with handler installed. */
value with_handler(value handler, value thunk);
/* Call f(argv[0..argc)) (argv rooted); however that is left (a return, an
 * error, an escape) call after(ctx) once, then go on leaving.  ctx is kept
 * rooted.  dynamic-wind, parameterize, with-output-to-file use it. */
value call_with_cleanup(value f, int argc, value *argv, void (*after)(value ctx), value ctx);
/* The error object for a condition: R7RS error-object with message (a
 * string or any value), irritants (a list), kind (ERRK_*). */
value make_error_object(value message, value irritants, int kind);
bool error_object_p(value v);
/* Format a raised object as the top level reports it. */
void format_condition(char *buf, size_t len, value obj);
_Noreturn void type_error(const char *who, const char *want, value got);
void vpush(value v);
value vpop(void);
extern size_t eval_max_depth;          /* nested evaluations before "stack overflow" */
/* Node's main thread gives wasm frames about 1 MiB of native stack: room
 * for some 8000 nested run()s (lisp_eval.c, E2), fewer when primitives
 * such as map sit between them.  The runner evaluates in
 * a worker thread with a larger stack and raises the bound
 * (examples/node/cli.js). */
#define LISP_DEFAULT_MAX_DEPTH 5000

/* The handler stack for non-local exits (errors, escape continuations). */
struct handler {
    struct handler *prev;
    jmp_buf jb;
    struct wgc_frame *frames;   /* wgc_frames_save() at setjmp */
    size_t sp, depth;           /* the value stack and eval depth */
    value handlers;             /* the exception handlers (lisp_eval.c, E5) */
};
extern struct handler *lisp_handler;
void handler_enter(struct handler *h);  /* then call setjmp(h->jb) */
void handler_restore(struct handler *h);  /* after the longjmp landed */
void handler_leave(struct handler *h);
extern char lisp_errmsg[512];          /* the message of the last error */

/* ---- lisp_prims.c ---------------------------------------------------- */

typedef value (*prim_fn)(int argc, value *argv);
struct prim_def {
    const char *name;
    prim_fn fn;
    int min, max;          /* arity; max < 0: any number */
};
extern const struct prim_def prim_table[], r7rs_prims[], port_prims[], weak_prims[];
extern const size_t prim_count, r7rs_prim_count, port_prim_count, weak_prim_count;
void prims_init(void);
void r7rs_init(void);   /* lisp_r7rs.c: the error record type */
void ports_init(void);  /* lisp_ports.c: the console ports */
void weak_init(void);   /* lisp_weak.c: the guardian table */
/* Run the finalizers wgc has queued (ports, guardians): only at a safe
 * point -- between top-level forms, or from (run-finalizers) -- never from
 * inside an allocation.  Returns how many ran. */
size_t lisp_run_finalizers(void);
/* Apply guardian g to argv[0..argc) (rooted): the evaluator calls it. */
value guardian_call(value g, int argc, value *argv);
bool lisp_equal(value a, value b);   /* equal? (lisp_prims.c) */
/* Primitives that the evaluator runs itself, to keep tail calls proper. */
extern const struct prim_def *prim_apply_def, *prim_callwv_def;
/* The global value of a primitive by name (for code built in C). */
value prim_value(const char *name);
/* Argument checks shared by the primitive files (lisp_prims.c). */
int64_t want_int(const char *who, value v);
struct string *want_string(const char *who, value v);
int want_char(const char *who, value v);
size_t want_index(const char *who, value v, size_t limit, bool inclusive);
/* Optional [start [end]] arguments at argv[i], argv[i+1] (if i < argc)
 * over a sequence of length len: 0 <= start <= end <= len. */
void want_range(const char *who, int argc, value *argv, int i, size_t len, size_t *start,
                size_t *end);
/* ports (lisp_ports.c) */
void port_close(value port);   /* the one place a port is closed (by hand or by its finalizer) */
void lisp_clock_start(void);   /* called by lisp_start first */
int64_t lisp_elapsed_ns(void); /* since then */
/* (exit code) unwinds like an error with this flag set. */
extern bool lisp_exit_requested;
extern int lisp_exit_code;
/* The Scheme-level definitions evaluated at start-up (sort, filter, ...). */
extern const char lisp_prelude[];

#endif
