/* lisp_eval.c — the evaluator: special forms, procedure calls with proper
 * tail calls, the value stack, and the error path (setjmp/longjmp).
 * Below: lisp_obj.c.  Above: lisp_prims.c (apply_proc), lisp_api.c.
 *
 * run() is one loop.  An expression in tail position (the branches of if,
 * the last form of a body, the body of a called closure, ...) replaces
 * `expr`/`env` and goes round the loop again; only subexpressions whose
 * value is needed afterwards (operands, tests, initialisers) recurse in C.
 * So a loop written as tail recursion runs in constant C stack, and only
 * real nesting costs C depth.
 *
 * Invariants:
 *   E1. Operands are pushed on the value stack as they are evaluated; the
 *       stack's live part [0, sp) is a wgc_frame (`array` kind) whose n is
 *       kept equal to sp (set_sp), so every pushed value is a root (L3).
 *   E2. eval_depth counts nested run() calls; above eval_max_depth, or
 *       when they have used C_STACK_BUDGET bytes of C stack, the program
 *       gets the language error "stack overflow", before the C stack (on
 *       wasm: emscripten's stack in linear memory, and the engine's own
 *       stack for wasm frames) would overflow.  vpush bounds the value
 *       stack.
 *   E3. Every non-local exit goes through lisp_error -> longjmp to the
 *       innermost handler, which restores the shadow stack
 *       (wgc_frames_restore), sp and eval_depth to their values at its
 *       setjmp.  Nothing else unwinds.
 *   E4. Special forms are recognised by their symbol (symbol.special), so
 *       their names are reserved: binding `if` does not shadow it.
 *   E5. Exceptions (R7RS): `handlers` is a list of the installed handlers,
 *       innermost first: procedures (with-exception-handler) and
 *       GUARD_MARK (a guard, which catches by unwinding).  A raise calls
 *       the first procedure with `handlers` set to the rest, or, when a
 *       guard comes first or there is none, unwinds (longjmp) with the
 *       object in `raised`.  Every handler (struct handler) saves the list
 *       at setjmp and restores it; the saved list is always a tail of the
 *       current one, so it stays reachable.  A primitive's error
 *       (lisp_error) is raised as an error object the same way, but only
 *       built when some handler or guard wants it; lisp_error_unwind (out
 *       of memory, stack overflow, exit) never calls a handler.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lisp.h"

/* ---- the value stack (E1) --------------------------------------------- */

#define VSTACK_SIZE (1 << 20)   /* values; a deep recursion uses 2-3 per level */
/* Bytes of C stack the nested run()s may use (a run() takes some 400):
 * the wasm build links a 32 MiB stack (lisp.mk); native threads have
 * 8 MiB by default. */
#ifdef __EMSCRIPTEN__
#define C_STACK_BUDGET ((uintptr_t)30 << 20)
#else
#define C_STACK_BUDGET ((uintptr_t)6 << 20)
#endif
static value vstack[VSTACK_SIZE];
static size_t sp;
static struct wgc_frame vstack_frame;

static inline void set_sp(size_t n)
{
    sp = n;
    vstack_frame.n = n;
}

void vpush(value v)
{
    if (sp == VSTACK_SIZE) lisp_error_unwind("stack overflow (value stack full)");   /* E2 */
    vstack[sp] = v;
    set_sp(sp + 1);
}

value vpop(void)
{
    value v = vstack[sp - 1];
    set_sp(sp - 1);
    return v;
}

/* ---- errors (E3) ------------------------------------------------------ */

struct handler *lisp_handler;
char lisp_errmsg[512];
size_t eval_max_depth = LISP_DEFAULT_MAX_DEPTH;
static size_t eval_depth;
/* The C stack's top at depth 0 (E2): the address of the outermost
 * handler, set up before any run(); run()'s frames must stay within
 * C_STACK_BUDGET of it. */
static uintptr_t c_stack_base;

static value handlers = NIL;   /* E5; a root */
#define GUARD_MARK TRUE_V

void handler_enter(struct handler *h)
{
    if (eval_depth == 0) c_stack_base = (uintptr_t)h;
    h->handlers = handlers;
    h->prev = lisp_handler;
    h->frames = wgc_frames_save();
    h->sp = sp;
    h->depth = eval_depth;
    lisp_handler = h;
}

void handler_restore(struct handler *h)
{
    wgc_frames_restore(h->frames);
    set_sp(h->sp);
    eval_depth = h->depth;
    handlers = h->handlers;
    lisp_handler = h->prev;
}

void handler_leave(struct handler *h) { lisp_handler = h->prev; }

/* An escape in flight: the continuation id it goes to (0: an error) and
 * the value it carries (a root while the stack unwinds). */
static uintptr_t cont_target, cont_next_id = 1;
static value cont_value;
bool lisp_exit_requested;
int lisp_exit_code;
/* The object of a raise in flight (E5), or 0 for a primitive's error not
 * made into an object yet (err_kind, lisp_errmsg describe it).  A root. */
static value raised;
static int err_kind;

_Noreturn static void unwind(void)
{
    if (!lisp_handler) {   /* an error during init: nothing to return to */
        fprintf(stderr, "lisp: fatal: %s\n", lisp_errmsg);
        abort();
    }
    longjmp(lisp_handler->jb, 1);
}

_Noreturn static void raise_error(int kind, bool handleable)
{
    cont_target = 0;
    raised = 0;
    err_kind = kind;
    if (handleable && lisp_handler && !lisp_exit_requested && PAIR_P(handlers) &&
        CAR(handlers) != GUARD_MARK) {
        value msg = make_string(lisp_errmsg, strlen(lisp_errmsg));
        lisp_raise(make_error_object(msg, NIL, kind), false);
    }
    unwind();
}

void lisp_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lisp_errmsg, sizeof lisp_errmsg, fmt, ap);
    va_end(ap);
    raise_error(ERRK_PLAIN, true);
}

void lisp_error_kind(int kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lisp_errmsg, sizeof lisp_errmsg, fmt, ap);
    va_end(ap);
    raise_error(kind, true);
}

void lisp_error_unwind(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lisp_errmsg, sizeof lisp_errmsg, fmt, ap);
    va_end(ap);
    raise_error(ERRK_PLAIN, false);
}

value lisp_raise(value obj, bool continuable)
{
    value hs = handlers, r = NIL;
    WGC_LOCALS(obj, hs, r);
    if (PAIR_P(hs) && CAR(hs) != GUARD_MARK) {
        handlers = CDR(hs);   /* the handler runs outside itself */
        r = apply_proc(CAR(hs), 1, &obj);
        if (continuable) {
            handlers = hs;
            return r;
        }
        /* R7RS: a secondary exception, in the handler's dynamic environment */
        char buf[200];
        format_value(buf, sizeof buf, obj, true);
        lisp_error("exception handler returned from a non-continuable raise of %s", buf);
    }
    raised = obj;
    cont_target = 0;
    format_condition(lisp_errmsg, sizeof lisp_errmsg, obj);
    unwind();
}

value with_handler(value handler, value thunk)
{
    value saved = handlers, r = NIL;
    WGC_LOCALS(saved, thunk, r);
    handlers = cons(handler, handlers);
    r = apply_proc(thunk, 0, NULL);
    handlers = saved;
    return r;
}

/* The condition a guard caught: the raised object, or an error object for
 * a primitive's error (E5). */
static value caught_condition(void)
{
    value c = raised;
    raised = 0;
    if (c) return c;
    value msg = make_string(lisp_errmsg, strlen(lisp_errmsg));
    return make_error_object(msg, NIL, err_kind);
}

value call_with_cleanup(value f, int argc, value *argv, void (*after)(value ctx), value ctx)
{
    value r = NIL, kv = NIL, rz = NIL;
    WGC_LOCALS(f, ctx, r, kv, rz);
    struct handler h;
    handler_enter(&h);
    if (setjmp(h.jb)) {
        handler_restore(&h);
        /* keep the escape in flight while after() runs, then go on */
        uintptr_t target = cont_target;
        int kind = err_kind, code = lisp_exit_code;
        bool exiting = lisp_exit_requested;
        char msg[sizeof lisp_errmsg];
        memcpy(msg, lisp_errmsg, sizeof msg);
        kv = cont_value;
        rz = raised;
        lisp_exit_requested = false;
        after(ctx);
        cont_target = target;
        err_kind = kind;
        lisp_exit_code = code;
        lisp_exit_requested = exiting;
        memcpy(lisp_errmsg, msg, sizeof msg);
        cont_value = kv;
        raised = rz;
        unwind();
    }
    r = apply_proc(f, argc, argv);
    handler_leave(&h);
    after(ctx);
    return r;
}

void type_error(const char *who, const char *want, value got)
{
    char buf[120];
    format_value(buf, sizeof buf, got, true);
    lisp_error("%s: expected %s, got %s", who, want, buf);
}

/* ---- special forms (E4) ----------------------------------------------- */

enum special {
    SF_NONE, SF_QUOTE, SF_QUASIQUOTE, SF_LAMBDA, SF_DEFINE, SF_SET, SF_IF,
    SF_COND, SF_CASE, SF_AND, SF_OR, SF_WHEN, SF_UNLESS, SF_LET, SF_LET_STAR,
    SF_LETREC, SF_BEGIN, SF_DO, SF_DELAY, SF_GUARD, SF_PARAMETERIZE, SF_LET_VALUES,
    SF_LET_STAR_VALUES, SF_DEFINE_VALUES, SF_CASE_LAMBDA, SF_DEFINE_RECORD, SF_IMPORT,
    SF_DEFINE_SYNTAX, SF_LET_SYNTAX, SF_MACRO,
};

/* Macros (define-syntax): an association list of (keyword . transformer),
 * newest first, a root.  A keyword's symbol gets special = SF_MACRO, so
 * macros are global and reserved like the special forms (E4).  The
 * transformers are procedures made by %syntax-rules (the prelude). */
static value macros = NIL;

void eval_init(void)
{
    vstack_frame.array = (void **)vstack;
    set_sp(0);
    wgc_frame_push(&vstack_frame);   /* the bottom frame, never popped */
    cont_value = NIL;
    raised = 0;
    handlers = NIL;
    macros = NIL;
    if (!wgc_root_add(&cont_value) || !wgc_root_add(&raised) || !wgc_root_add(&handlers) ||
        !wgc_root_add(&macros))
        lisp_error("cannot register a root");
    SYM(sym_quote)->special = SF_QUOTE;
    SYM(sym_quasiquote)->special = SF_QUASIQUOTE;
    SYM(sym_lambda)->special = SF_LAMBDA;
    SYM(sym_define)->special = SF_DEFINE;
    SYM(sym_set)->special = SF_SET;
    SYM(sym_if_)->special = SF_IF;
    SYM(sym_cond)->special = SF_COND;
    SYM(sym_case_)->special = SF_CASE;
    SYM(sym_and_)->special = SF_AND;
    SYM(sym_or_)->special = SF_OR;
    SYM(sym_when)->special = SF_WHEN;
    SYM(sym_unless)->special = SF_UNLESS;
    SYM(sym_let)->special = SF_LET;
    SYM(sym_let_star)->special = SF_LET_STAR;
    SYM(sym_letrec)->special = SF_LETREC;
    SYM(sym_letrec_star)->special = SF_LETREC;
    SYM(sym_begin)->special = SF_BEGIN;
    SYM(sym_do_)->special = SF_DO;
    SYM(sym_delay)->special = SF_DELAY;
    SYM(sym_delay_force)->special = SF_DELAY;
    SYM(sym_guard)->special = SF_GUARD;
    SYM(sym_parameterize)->special = SF_PARAMETERIZE;
    SYM(sym_let_values)->special = SF_LET_VALUES;
    SYM(sym_let_star_values)->special = SF_LET_STAR_VALUES;
    SYM(sym_define_values)->special = SF_DEFINE_VALUES;
    SYM(sym_case_lambda)->special = SF_CASE_LAMBDA;
    SYM(sym_define_record_type)->special = SF_DEFINE_RECORD;
    SYM(sym_import)->special = SF_IMPORT;
    SYM(sym_define_syntax)->special = SF_DEFINE_SYNTAX;
    SYM(sym_let_syntax)->special = SF_LET_SYNTAX;
    SYM(sym_letrec_syntax)->special = SF_LET_SYNTAX;
}

static const char *sym_name(value s) { return STR(SYM(s)->name)->data; }

__attribute__((noinline, noreturn)) static void bad_syntax(const char *form, value expr)
{
    char buf[160];
    format_value(buf, sizeof buf, expr, true);
    lisp_error("%s: bad syntax in %s", form, buf);
}

/* Out of line, so that run()'s frame has no message buffers (E2). */
__attribute__((noinline, noreturn)) static void not_a_procedure(value f)
{
    char buf[120];
    format_value(buf, sizeof buf, f, true);
    lisp_error("not a procedure: %s", buf);
}

__attribute__((noinline, noreturn)) static void stack_overflow(size_t depth)
{
    lisp_error_unwind("stack overflow: recursion too deep (%zu nested calls)", depth);
}

/* ---- variables ---------------------------------------------------------- */

/* The cell holding sym's value in env: a frame's vals cell, or the
 * symbol's global slot; *owner: the object holding it (for lisp_store).
 * A frame's names and vals are walked in step and the walk stops when
 * either ends (lisp.h, struct env). */
static value *lookup_cell(value sym, value env, value *owner)
{
    for (; env != NIL; env = ((struct env *)env)->parent) {
        value n = ((struct env *)env)->names, v = ((struct env *)env)->vals;
        while (PAIR_P(n) && PAIR_P(v)) {
            value s = CAR(n);
            if (PAIR_P(s)) s = CAR(s);
            if (s == sym) {
                *owner = v;
                return &CAR(v);
            }
            n = CDR(n);
            v = CDR(v);
        }
        if (n == sym && PAIR_P(v)) {   /* a rest parameter */
            *owner = v;
            return &CAR(v);
        }
    }
    *owner = sym;
    return &SYM(sym)->global;
}

static value lookup(value sym, value env)
{
    value owner;
    value v = *lookup_cell(sym, env, &owner);
    if (v == UNBOUND) lisp_error("unbound variable: %s", sym_name(sym));
    if (v == DEFAULT_V) lisp_error("variable %s used before its definition", sym_name(sym));
    return v;
}

/* Bind sym in the innermost frame of env (or globally). */
static void define_var(value sym, value val, value env)
{
    WGC_LOCALS(sym, val, env);
    if (env == NIL) {
        lisp_store(sym, &SYM(sym)->global, val);
        return;
    }
    struct env *e = (struct env *)env;
    value n = e->names, v = e->vals;
    while (PAIR_P(n) && PAIR_P(v)) {
        value s = PAIR_P(CAR(n)) ? CAR(CAR(n)) : CAR(n);
        if (s == sym) {
            SET_CAR(v, val);
            return;
        }
        n = CDR(n);
        v = CDR(v);
    }
    value names = cons(sym, e->names);
    lisp_store(env, &((struct env *)env)->names, names);
    value vals = cons(val, ((struct env *)env)->vals);
    lisp_store(env, &((struct env *)env)->vals, vals);
}

static value run(value expr, value env, size_t call_base);

/* ---- quasiquote --------------------------------------------------------- */

static bool tagged(value x, value sym)
{
    return PAIR_P(x) && CAR(x) == sym && PAIR_P(CDR(x)) && CDR(CDR(x)) == NIL;
}

static value list_to_vector(value l)
{
    WGC_LOCALS(l);
    int64_t n = list_length(l);
    value v = make_vector((size_t)n, FALSE_V);
    for (int64_t i = 0; i < n; i++, l = CDR(l)) VEC_ITEMS(v)[i] = CAR(l);
    return v;
}

static value qq(value x, value env, int level)
{
    value head = NIL, tail = NIL, item = NIL;
    WGC_LOCALS(x, env, head, tail, item);
    if (++eval_depth > eval_max_depth) lisp_error_unwind("stack overflow in quasiquote");
    value result;
    if (VECTOR_P(x)) {
        item = NIL;
        for (size_t i = VEC_LEN(x); i-- > 0;) item = cons(VEC_ITEMS(x)[i], item);
        item = qq(item, env, level);
        result = list_to_vector(item);
    } else if (!PAIR_P(x)) {
        result = x;
    } else if (tagged(x, sym_unquote)) {
        if (level == 0) {
            result = run(CAR(CDR(x)), env, (size_t)-1);
        } else {
            item = qq(CAR(CDR(x)), env, level - 1);
            item = cons(item, NIL);
            result = cons(sym_unquote, item);
        }
    } else if (tagged(x, sym_quasiquote)) {
        item = qq(CAR(CDR(x)), env, level + 1);
        item = cons(item, NIL);
        result = cons(sym_quasiquote, item);
    } else {
        /* a list: build it front to back, splicing ,@ elements */
        while (PAIR_P(x) && !tagged(x, sym_unquote)) {
            value el = CAR(x);
            if (level == 0 && tagged(el, sym_unquote_splicing)) {
                item = run(CAR(CDR(el)), env, (size_t)-1);
                if (list_length(item) < 0) type_error("unquote-splicing", "list", item);
                for (; PAIR_P(item); item = CDR(item)) {
                    value cell = cons(CAR(item), NIL);
                    if (head == NIL) head = cell; else SET_CDR(tail, cell);
                    tail = cell;
                }
            } else {
                item = qq(el, env, level);
                item = cons(item, NIL);
                if (head == NIL) head = item; else SET_CDR(tail, item);
                tail = item;
            }
            x = CDR(x);
        }
        item = x == NIL ? NIL : qq(x, env, level);   /* a dotted tail or `. ,x` */
        if (head == NIL) head = item; else SET_CDR(tail, item);
        result = head;
    }
    eval_depth--;
    return result;
}

/* ---- R7RS forms: guard, parameterize, let-values, case-lambda, records --- */

/* A list of n values (each rooted or immediate), through the value stack. */
static value listv(int n, ...)
{
    size_t base = sp;
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) vpush(va_arg(ap, value));
    va_end(ap);
    value l = list_from(&vstack[base], (size_t)n);
    set_sp(base);
    return l;
}

/* (guard (var clause ...) body ...): the body runs with GUARD_MARK on top
 * of the handlers (E5); a raise unwinds to here, and the clauses run as a
 * cond with var bound to the condition, in the guard's dynamic
 * environment.  With no clause true the condition is raised again with
 * raise-continuable, from here. */
__attribute__((noinline)) static value do_guard(value expr, value env)
{
    value c = NIL, tmp = NIL, rev = NIL;
    WGC_LOCALS(expr, env, c, tmp, rev);
    value x = CDR(expr);
    if (!PAIR_P(x) || !PAIR_P(CAR(x)) || !SYMBOL_P(CAR(CAR(x))) ||
        list_length(CDR(CAR(x))) < 0 || list_length(CDR(x)) < 0)
        bad_syntax("guard", expr);
    tmp = make_closure(NIL, CDR(x), env, FALSE_V);
    struct handler h;
    handler_enter(&h);
    if (setjmp(h.jb)) {
        handler_restore(&h);
        if (lisp_exit_requested || cont_target != 0) unwind();   /* not an exception */
        c = caught_condition();
        /* (cond clause ... (else (raise-continuable 'c))) */
        tmp = listv(2, sym_quote, c);
        tmp = listv(2, prim_value("raise-continuable"), tmp);
        tmp = listv(2, sym_else_, tmp);
        tmp = cons(tmp, NIL);
        for (rev = list_reverse(CDR(CAR(CDR(expr)))); PAIR_P(rev); rev = CDR(rev))
            tmp = cons(CAR(rev), tmp);
        tmp = cons(sym_cond, tmp);
        rev = listv(1, CAR(CAR(CDR(expr))));
        env = make_env(env, rev, cons(c, NIL));
        return run(tmp, env, (size_t)-1);
    }
    handlers = cons(GUARD_MARK, handlers);
    tmp = apply_proc(tmp, 0, NULL);
    handler_leave(&h);
    handlers = h.handlers;
    return tmp;
}

static void param_restore(value saved)   /* saved: ((param . old value) ...) */
{
    for (; PAIR_P(saved); saved = CDR(saved)) {
        value p = CAR(CAR(saved));
        lisp_store(p, &((struct param *)p)->value, CDR(CAR(saved)));
    }
}

/* (parameterize ((param value) ...) body ...) */
__attribute__((noinline)) static value do_parameterize(value expr, value env)
{
    value b = NIL, saved = NIL, p = NIL, v = NIL;
    WGC_LOCALS(expr, env, b, saved, p, v);
    value x = CDR(expr);
    if (!PAIR_P(x) || list_length(CAR(x)) < 0 || list_length(CDR(x)) < 0)
        bad_syntax("parameterize", expr);
    for (value l = CAR(x); PAIR_P(l); l = CDR(l)) {   /* l: part of expr */
        if (list_length(CAR(l)) != 2) bad_syntax("parameterize", expr);
        p = run(CAR(CAR(l)), env, (size_t)-1);
        if (!IS(p, K_PARAM)) type_error("parameterize", "parameter", p);
        v = run(CAR(CDR(CAR(l))), env, (size_t)-1);
        if (((struct param *)p)->converter != FALSE_V)
            v = apply_proc(((struct param *)p)->converter, 1, &v);
        v = cons(p, v);
        b = cons(v, b);
    }
    for (; PAIR_P(b); b = CDR(b)) {   /* all converted: now swap them in */
        p = CAR(CAR(b));
        v = cons(p, ((struct param *)p)->value);
        saved = cons(v, saved);
        lisp_store(p, &((struct param *)p)->value, CDR(CAR(b)));
    }
    p = make_closure(NIL, CDR(CDR(expr)), env, FALSE_V);
    return call_with_cleanup(p, 0, NULL, param_restore, saved);
}

/* Bind formals (a list, maybe improper) to v (multiple values, or one):
 * each name and value is consed onto *names / *vals (rooted by the caller). */
__attribute__((noinline)) static void bind_formals(const char *who, value formals, value v, value *names, value *vals)
{
    value l = NIL, f = formals;
    WGC_LOCALS(f, v, l, formals);
    l = IS(v, K_VALUES) ? ((struct values *)v)->list : cons(v, NIL);
    for (; PAIR_P(f); f = CDR(f), l = CDR(l)) {
        if (!SYMBOL_P(CAR(f))) bad_syntax(who, formals);
        if (!PAIR_P(l)) {
            char buf[120];
            format_value(buf, sizeof buf, formals, true);
            lisp_error("%s: too few values for %s", who, buf);
        }
        *names = cons(CAR(f), *names);
        *vals = cons(CAR(l), *vals);
    }
    if (SYMBOL_P(f)) {
        *names = cons(f, *names);
        *vals = cons(l, *vals);
    } else if (f != NIL) {
        bad_syntax(who, formals);
    } else if (l != NIL) {
        char buf[120];
        format_value(buf, sizeof buf, formals, true);
        lisp_error("%s: too many values for %s", who, buf);
    }
}

/* let-values / let*-values: the environment their body runs in. */
__attribute__((noinline)) static value do_let_values(value expr, value env, bool star)
{
    value names = NIL, vals = NIL, v = NIL, b = NIL;
    const char *who = star ? "let*-values" : "let-values";
    WGC_LOCALS(expr, env, names, vals, v, b);
    if (!PAIR_P(CDR(expr)) || list_length(CAR(CDR(expr))) < 0 ||
        list_length(CDR(CDR(expr))) < 0)
        bad_syntax(who, expr);
    for (b = CAR(CDR(expr)); PAIR_P(b); b = CDR(b)) {
        if (list_length(CAR(b)) != 2) bad_syntax(who, expr);
        v = run(CAR(CDR(CAR(b))), env, (size_t)-1);
        bind_formals(who, CAR(CAR(b)), v, &names, &vals);
        if (star) {
            env = make_env(env, names, vals);
            names = vals = NIL;
        }
    }
    return star ? env : make_env(env, names, vals);
}

__attribute__((noinline)) static void do_define_values(value expr, value env)
{
    value names = NIL, vals = NIL, v = NIL;
    WGC_LOCALS(expr, env, names, vals, v);
    if (list_length(expr) != 3) bad_syntax("define-values", expr);
    v = run(CAR(CDR(CDR(expr))), env, (size_t)-1);
    bind_formals("define-values", CAR(CDR(expr)), v, &names, &vals);
    for (; PAIR_P(names); names = CDR(names), vals = CDR(vals))
        define_var(CAR(names), CAR(vals), env);
}

__attribute__((noinline)) static value do_case_lambda(value expr, value env)
{
    value l = NIL, c = NIL;
    WGC_LOCALS(expr, env, l, c);
    if (list_length(expr) < 0) bad_syntax("case-lambda", expr);
    for (value x = CDR(expr); PAIR_P(x); x = CDR(x)) {   /* x: part of expr */
        if (!PAIR_P(CAR(x)) || !PAIR_P(CDR(CAR(x)))) bad_syntax("case-lambda", expr);
        c = make_closure(CAR(CAR(x)), CDR(CAR(x)), env, FALSE_V);
        l = cons(c, l);
    }
    l = list_reverse(l);
    return make_caselambda(l, FALSE_V);
}

/* (define-record-type name (ctor field ...) pred (field accessor [modifier]) ...)
 * defines name (the record type), and the procedures as closures whose
 * bodies call the record primitives (lisp_r7rs.c) with the type in them. */
__attribute__((noinline)) static void do_define_record(value expr, value env)
{
    value fields = NIL, t = NIL, params = NIL, body = NIL, tmp = NIL, idx = NIL;
    WGC_LOCALS(expr, env, fields, t, params, body, tmp, idx);
    value x = CDR(expr);
    if (list_length(x) < 3 || !SYMBOL_P(CAR(x))) bad_syntax("define-record-type", expr);
    for (value s = CDR(CDR(CDR(x))); PAIR_P(s); s = CDR(s)) {
        value spec = CAR(s);
        int64_t n = list_length(spec);
        if (SYMBOL_P(spec)) tmp = spec;
        else if (n >= 1 && n <= 3 && SYMBOL_P(CAR(spec))) tmp = CAR(spec);
        else bad_syntax("define-record-type", expr);
        fields = cons(tmp, fields);
    }
    fields = list_reverse(fields);
    x = CDR(expr);
    t = make_rectype(CAR(x), fields);
    define_var(CAR(CDR(expr)), t, env);
    value obj = intern_c("record"), val = intern_c("value");   /* L4 */
    /* the constructor */
    x = CAR(CDR(CDR(expr)));
    if (x != FALSE_V) {
        params = PAIR_P(x) ? CDR(x) : fields;
        int64_t n = list_length(params);
        if (n < 0 || !(SYMBOL_P(x) || (PAIR_P(x) && SYMBOL_P(CAR(x))))) bad_syntax("define-record-type", expr);
        idx = make_vector((size_t)n, FALSE_V);
        size_t i = 0;
        for (value p = params; PAIR_P(p); p = CDR(p), i++) {
            intptr_t k = 0;
            value f = fields;
            for (; PAIR_P(f) && CAR(f) != CAR(p); f = CDR(f)) k++;
            if (!PAIR_P(f)) bad_syntax("define-record-type", expr);
            VEC_ITEMS(idx)[i] = MAKE_FIXNUM(k);   /* idx: no allocation since */
        }
        body = cons(idx, params);
        body = cons(t, body);
        body = cons(prim_value("%make-record"), body);
        body = cons(body, NIL);
        x = CAR(CDR(CDR(expr)));
        value cname = PAIR_P(x) ? CAR(x) : x;   /* a symbol (L4) */
        tmp = make_closure(params, body, env, cname);
        define_var(cname, tmp, env);
    }
    /* the predicate */
    x = CAR(CDR(CDR(CDR(expr))));
    if (x != FALSE_V) {
        if (!SYMBOL_P(x)) bad_syntax("define-record-type", expr);
        body = listv(3, prim_value("%record?"), obj, t);
        body = cons(body, NIL);
        params = cons(obj, NIL);
        tmp = make_closure(params, body, env, x);
        define_var(CAR(CDR(CDR(CDR(expr)))), tmp, env);
    }
    /* accessors and modifiers */
    intptr_t k = 0;
    for (value s = CDR(CDR(CDR(CDR(expr)))); PAIR_P(s); s = CDR(s), k++) {
        value spec = CAR(s);
        if (!PAIR_P(spec) || CDR(spec) == NIL) continue;
        x = CAR(CDR(spec));
        if (!SYMBOL_P(x)) bad_syntax("define-record-type", expr);
        body = listv(5, prim_value("%record-ref"), obj, t, MAKE_FIXNUM(k), SYM(x)->name);
        body = cons(body, NIL);
        params = cons(obj, NIL);
        tmp = make_closure(params, body, env, x);
        define_var(CAR(CDR(CAR(s))), tmp, env);
        spec = CAR(s);
        if (CDR(CDR(spec)) == NIL) continue;
        x = CAR(CDR(CDR(spec)));
        if (!SYMBOL_P(x)) bad_syntax("define-record-type", expr);
        body = listv(6, prim_value("%record-set!"), obj, t, MAKE_FIXNUM(k), val, SYM(x)->name);
        body = cons(body, NIL);
        params = listv(2, obj, val);
        tmp = make_closure(params, body, env, x);
        define_var(CAR(CDR(CDR(CAR(s)))), tmp, env);
    }
}

/* (name spec): make spec's transformer and make name a macro keyword. */
__attribute__((noinline)) static void define_macro(value binding, value form)
{
    value t = NIL, spec = NIL;
    WGC_LOCALS(binding, form, t, spec);
    if (list_length(binding) != 2 || !SYMBOL_P(CAR(binding))) bad_syntax("define-syntax", form);
    spec = CAR(CDR(binding));
    t = apply_proc(SYM(intern_c("%syntax-rules"))->global, 1, &spec);
    t = cons(CAR(binding), t);
    macros = cons(t, macros);
    SYM(CAR(binding))->special = SF_MACRO;
}

/* The expansion of the macro use expr (whose keyword is a macro). */
__attribute__((noinline)) static value expand_macro(value expr)
{
    value m = macros;
    while (PAIR_P(m) && CAR(CAR(m)) != CAR(expr)) m = CDR(m);
    if (!PAIR_P(m)) lisp_error("%s: not a macro", sym_name(CAR(expr)));
    value args[1] = {expr};   /* pushed by apply_proc before it allocates */
    return apply_proc(CDR(CAR(m)), 1, args);
}

/* ---- calls ---------------------------------------------------------------- */

const struct prim_def *prim_apply_def, *prim_callwv_def;

__attribute__((noinline, noreturn)) static void arity_error(value c, size_t argc)
{
    struct closure *cl = (struct closure *)c;
    char name[64] = "#<procedure>";
    if (SYMBOL_P(cl->name)) snprintf(name, sizeof name, "%s", sym_name(cl->name));
    lisp_error("%s: wrong number of arguments: expected %s%zu, got %zu", name,
               (cl->arity & 1) ? "at least " : "", (size_t)(cl->arity >> 1), argc);
}

__attribute__((noinline, noreturn)) static void case_lambda_error(value c, size_t argc)
{
    value name = ((struct caselambda *)c)->name;
    lisp_error("%s: no clause of the case-lambda takes %zu arguments",
               SYMBOL_P(name) ? sym_name(name) : "#<procedure>", argc);
}

/* A new frame binding closure c's parameters to argv[0..argc). */
static value bind_args(value c, value *argv, size_t argc)
{
    value vals = NIL;
    WGC_LOCALS(c, vals);
    struct closure *cl = (struct closure *)c;
    size_t nreq = cl->arity >> 1;
    bool rest = cl->arity & 1;
    if (argc < nreq || (!rest && argc > nreq)) arity_error(c, argc);
    if (rest) {
        vals = list_from(argv + nreq, argc - nreq);
        vals = cons(vals, NIL);
    }
    for (size_t i = nreq; i-- > 0;) vals = cons(argv[i], vals);
    return make_env(((struct closure *)c)->env, ((struct closure *)c)->params, vals);
}

static value call_prim(value f, value *argv, size_t argc)
{
    const struct prim_def *d = ((struct prim *)f)->def;
    if ((int)argc < d->min || (d->max >= 0 && (int)argc > d->max)) {
        if (d->min == d->max)
            lisp_error("%s: wrong number of arguments: expected %d, got %zu", d->name,
                       d->min, argc);
        lisp_error("%s: wrong number of arguments: expected %s%d, got %zu", d->name,
                   d->max < 0 ? "at least " : "at most ", d->max < 0 ? d->min : d->max,
                   argc);
    }
    return d->fn((int)argc, argv);
}

/* A call from C (map, for-each, call/cc, force, ...) puts a few more C
 * frames between two run()s; they count as APPLY_DEPTH_WEIGHT nested
 * calls (E2). */
#define APPLY_DEPTH_WEIGHT 3

/* The evaluator proper.  With call_base != (size_t)-1, the call
 * vstack[call_base](vstack[call_base+1 ..sp)) is made instead of
 * evaluating expr (apply_proc). */
static value run(value expr, value env, size_t call_base)
{
    value body = NIL, f = NIL, tmp = NIL;
    WGC_LOCALS(expr, env, body, f, tmp);
    if (++eval_depth > eval_max_depth) stack_overflow(eval_max_depth);   /* E2 */
    if (c_stack_base - (uintptr_t)&body > C_STACK_BUDGET) stack_overflow(eval_depth - 1);
    size_t base = call_base;
    value result = UNSPEC;
    if (call_base != (size_t)-1) goto call;

loop:
    if (SYMBOL_P(expr)) {
        result = lookup(expr, env);
        goto done;
    }
    if (!PAIR_P(expr)) {
        if (expr == NIL) lisp_error("cannot evaluate the empty combination ()");
        result = expr;
        goto done;
    }
    f = CAR(expr);
    if (SYMBOL_P(f) && SYM(f)->special) {
        value x = CDR(expr);   /* the operands; reread after any eval */
        switch ((enum special)SYM(f)->special) {
        case SF_NONE:
            break;
        case SF_QUOTE:
            if (!PAIR_P(x) || CDR(x) != NIL) bad_syntax("quote", expr);
            result = CAR(x);
            goto done;
        case SF_QUASIQUOTE:
            if (!PAIR_P(x) || CDR(x) != NIL) bad_syntax("quasiquote", expr);
            result = qq(CAR(x), env, 0);
            goto done;
        case SF_LAMBDA:
            if (!PAIR_P(x) || !PAIR_P(CDR(x))) bad_syntax("lambda", expr);
            result = make_closure(CAR(x), CDR(x), env, FALSE_V);
            goto done;
        case SF_DEFINE: {
            if (!PAIR_P(x)) bad_syntax("define", expr);
            value target = CAR(x);
            if (PAIR_P(target)) {   /* (define (name . params) body ...) */
                if (!SYMBOL_P(CAR(target)) || !PAIR_P(CDR(x))) bad_syntax("define", expr);
                tmp = make_closure(CDR(target), CDR(x), env, CAR(target));
                define_var(CAR(CAR(CDR(expr))), tmp, env);
            } else {
                if (!SYMBOL_P(target)) bad_syntax("define", expr);
                if (CDR(x) == NIL) {
                    tmp = UNSPEC;
                } else {
                    if (!PAIR_P(CDR(x)) || CDR(CDR(x)) != NIL) bad_syntax("define", expr);
                    tmp = run(CAR(CDR(x)), env, (size_t)-1);
                }
                target = CAR(CDR(expr));
                if (IS(tmp, K_CLOSURE) && ((struct closure *)tmp)->name == FALSE_V)
                    lisp_store(tmp, &((struct closure *)tmp)->name, target);
                if (IS(tmp, K_CASELAMBDA) && ((struct caselambda *)tmp)->name == FALSE_V)
                    lisp_store(tmp, &((struct caselambda *)tmp)->name, target);
                define_var(target, tmp, env);
            }
            result = UNSPEC;
            goto done;
        }
        case SF_SET: {
            if (!PAIR_P(x) || !SYMBOL_P(CAR(x)) || !PAIR_P(CDR(x)) || CDR(CDR(x)) != NIL)
                bad_syntax("set!", expr);
            tmp = run(CAR(CDR(x)), env, (size_t)-1);
            value sym = CAR(CDR(expr));
            value owner;
            value *cell = lookup_cell(sym, env, &owner);
            if (*cell == UNBOUND) lisp_error("set!: unbound variable: %s", sym_name(sym));
            lisp_store(owner, cell, tmp);
            result = UNSPEC;
            goto done;
        }
        case SF_IF:
            if (!PAIR_P(x) || !PAIR_P(CDR(x))) bad_syntax("if", expr);
            tmp = run(CAR(x), env, (size_t)-1);
            x = CDR(CDR(expr));
            if (TRUTHY(tmp)) {
                expr = CAR(x);
            } else if (PAIR_P(CDR(x))) {
                expr = CAR(CDR(x));
            } else {
                result = UNSPEC;
                goto done;
            }
            goto loop;
        case SF_BEGIN:
            body = x;
            goto run_body;
        case SF_AND:
        case SF_OR: {
            bool is_and = SYM(f)->special == SF_AND;
            if (x == NIL) {
                result = BOOL(is_and);
                goto done;
            }
            body = x;
            while (PAIR_P(CDR(body))) {
                tmp = run(CAR(body), env, (size_t)-1);
                if (TRUTHY(tmp) != is_and) {
                    result = tmp;
                    goto done;
                }
                body = CDR(body);
            }
            expr = CAR(body);
            goto loop;
        }
        case SF_WHEN:
        case SF_UNLESS: {
            if (!PAIR_P(x)) bad_syntax(sym_name(f), expr);
            bool is_when = SYM(f)->special == SF_WHEN;
            tmp = run(CAR(x), env, (size_t)-1);
            if (TRUTHY(tmp) != is_when) {
                result = UNSPEC;
                goto done;
            }
            body = CDR(CDR(expr));
            goto run_body;
        }
        case SF_COND:
            for (body = x; PAIR_P(body); body = CDR(body)) {
                value clause = CAR(body);
                if (!PAIR_P(clause)) bad_syntax("cond", expr);
                if (CAR(clause) == sym_else_) {
                    body = CDR(clause);
                    goto run_body;
                }
                tmp = run(CAR(clause), env, (size_t)-1);
                if (!TRUTHY(tmp)) continue;
                clause = CAR(body);
                if (CDR(clause) == NIL) {
                    result = tmp;
                    goto done;
                }
                if (CAR(CDR(clause)) == sym_arrow) {   /* (test => receiver) */
                    if (!PAIR_P(CDR(CDR(clause)))) bad_syntax("cond", expr);
                    base = sp;
                    vpush(tmp);
                    vpush(tmp);
                    vstack[base] = run(CAR(CDR(CDR(clause))), env, (size_t)-1);
                    goto call;
                }
                body = CDR(clause);
                goto run_body;
            }
            result = UNSPEC;
            goto done;
        case SF_CASE: {
            if (!PAIR_P(x)) bad_syntax("case", expr);
            tmp = run(CAR(x), env, (size_t)-1);
            for (body = CDR(CDR(expr)); PAIR_P(body); body = CDR(body)) {
                value clause = CAR(body);
                if (!PAIR_P(clause)) bad_syntax("case", expr);
                bool hit = CAR(clause) == sym_else_;
                for (value d = CAR(clause); !hit && PAIR_P(d); d = CDR(d)) {
                    hit = eqv_p(CAR(d), tmp);
                }
                if (!hit) continue;
                if (PAIR_P(CDR(clause)) && CAR(CDR(clause)) == sym_arrow) {
                    if (!PAIR_P(CDR(CDR(clause)))) bad_syntax("case", expr);
                    base = sp;
                    vpush(tmp);
                    vpush(tmp);
                    vstack[base] = run(CAR(CDR(CDR(clause))), env, (size_t)-1);
                    goto call;
                }
                body = CDR(clause);
                goto run_body;
            }
            result = UNSPEC;
            goto done;
        }
        case SF_LET: {
            if (!PAIR_P(x)) bad_syntax("let", expr);
            value name = FALSE_V;
            if (SYMBOL_P(CAR(x))) {   /* named let */
                name = CAR(x);
                x = CDR(x);
                if (!PAIR_P(x)) bad_syntax("let", expr);
            }
            base = sp;
            vpush(NIL);   /* the procedure slot, for named let */
            size_t n = 0;
            for (value b = CAR(x); b != NIL; b = CDR(b), n++) {
                if (!PAIR_P(b) || !PAIR_P(CAR(b)) || !SYMBOL_P(CAR(CAR(b))) ||
                    !PAIR_P(CDR(CAR(b))) || CDR(CDR(CAR(b))) != NIL)
                    bad_syntax("let", expr);
                tmp = run(CAR(CDR(CAR(b))), env, (size_t)-1);
                vpush(tmp);   /* b stays valid: it is part of expr (rooted) */
            }
            x = CDR(expr);
            if (name != FALSE_V) {
                x = CDR(x);
                /* the loop procedure lives in a frame of its own that
                 * binds its name to it */
                tmp = NIL;
                for (value b = CAR(x); PAIR_P(b); b = CDR(b)) tmp = cons(CAR(CAR(b)), tmp);
                tmp = list_reverse(tmp);   /* the parameter list */
                body = cons(UNSPEC, NIL);
                f = cons(CAR(CDR(expr)), NIL);
                f = make_env(env, f, body);
                f = make_closure(tmp, CDR(CDR(CDR(expr))), f, CAR(CDR(expr)));
                SET_CAR(((struct env *)((struct closure *)f)->env)->vals, f);
                vstack[base] = f;
                goto call;
            }
            body = list_from(&vstack[base + 1], n);
            env = make_env(env, CAR(x), body);
            set_sp(base);
            body = CDR(CDR(expr));
            goto run_body;
        }
        case SF_LET_STAR: {
            if (!PAIR_P(x)) bad_syntax("let*", expr);
            for (body = CAR(x); body != NIL; body = CDR(body)) {
                if (!PAIR_P(body) || !PAIR_P(CAR(body)) || !SYMBOL_P(CAR(CAR(body))) ||
                    !PAIR_P(CDR(CAR(body))) || CDR(CDR(CAR(body))) != NIL)
                    bad_syntax("let*", expr);
                tmp = run(CAR(CDR(CAR(body))), env, (size_t)-1);
                tmp = cons(tmp, NIL);
                /* names: the rest of the bindings, walked in step with one
                 * value, so only this binding is visible in the frame */
                env = make_env(env, body, tmp);
            }
            body = CDR(CDR(expr));
            goto run_body;
        }
        case SF_LETREC: {
            if (!PAIR_P(x)) bad_syntax("letrec", expr);
            tmp = NIL;
            for (body = CAR(x); body != NIL; body = CDR(body)) {
                if (!PAIR_P(body) || !PAIR_P(CAR(body)) || !SYMBOL_P(CAR(CAR(body))) ||
                    !PAIR_P(CDR(CAR(body))) || CDR(CDR(CAR(body))) != NIL)
                    bad_syntax("letrec", expr);
                tmp = cons(DEFAULT_V, tmp);
            }
            env = make_env(env, CAR(CDR(expr)), tmp);
            for (body = CAR(CDR(expr)), tmp = ((struct env *)env)->vals; PAIR_P(body);
                 body = CDR(body), tmp = CDR(tmp)) {
                value v = run(CAR(CDR(CAR(body))), env, (size_t)-1);
                SET_CAR(tmp, v);
                if (IS(v, K_CLOSURE) && ((struct closure *)v)->name == FALSE_V)
                    lisp_store(v, &((struct closure *)v)->name, CAR(CAR(body)));
            }
            body = CDR(CDR(expr));
            goto run_body;
        }
        case SF_DO: {
            /* (do ((var init step) ...) (test result ...) body ...) */
            if (!PAIR_P(x) || !PAIR_P(CDR(x)) || !PAIR_P(CAR(CDR(x)))) bad_syntax("do", expr);
            base = sp;
            size_t n = 0;
            for (body = CAR(x); body != NIL; body = CDR(body), n++) {
                if (!PAIR_P(body) || !PAIR_P(CAR(body)) || !SYMBOL_P(CAR(CAR(body))) ||
                    !PAIR_P(CDR(CAR(body))))
                    bad_syntax("do", expr);
                vpush(run(CAR(CDR(CAR(body))), env, (size_t)-1));
            }
            tmp = list_from(&vstack[base], n);
            set_sp(base);
            f = make_env(env, CAR(CDR(expr)), tmp);   /* f: the loop's frame */
            for (;;) {
                x = CDR(CDR(expr));
                tmp = run(CAR(CAR(x)), f, (size_t)-1);
                if (TRUTHY(tmp)) break;
                for (body = CDR(x); PAIR_P(body); body = CDR(body)) run(CAR(body), f, (size_t)-1);
                /* new values for every variable, then a fresh frame, so
                 * closures made in one iteration keep that iteration's */
                base = sp;
                tmp = ((struct env *)f)->vals;
                for (body = CAR(CDR(expr)); PAIR_P(body); body = CDR(body), tmp = CDR(tmp)) {
                    value step = CDR(CDR(CAR(body)));
                    vpush(PAIR_P(step) ? run(CAR(step), f, (size_t)-1) : CAR(tmp));
                }
                tmp = list_from(&vstack[base], sp - base);
                set_sp(base);
                f = make_env(env, CAR(CDR(expr)), tmp);
            }
            env = f;
            body = CDR(CAR(CDR(CDR(expr))));
            if (body == NIL) {
                result = UNSPEC;
                goto done;
            }
            goto run_body;
        }
        case SF_GUARD:
            result = do_guard(expr, env);
            goto done;
        case SF_PARAMETERIZE:
            result = do_parameterize(expr, env);
            goto done;
        case SF_LET_VALUES:
        case SF_LET_STAR_VALUES:
            env = do_let_values(expr, env, SYM(f)->special == SF_LET_STAR_VALUES);
            body = CDR(CDR(expr));
            goto run_body;
        case SF_DEFINE_VALUES:
            do_define_values(expr, env);
            result = UNSPEC;
            goto done;
        case SF_CASE_LAMBDA:
            result = do_case_lambda(expr, env);
            goto done;
        case SF_DEFINE_RECORD:
            do_define_record(expr, env);
            result = UNSPEC;
            goto done;
        case SF_DEFINE_SYNTAX:   /* (define-syntax name (syntax-rules ...)) */
            define_macro(x, expr);
            result = UNSPEC;
            goto done;
        case SF_LET_SYNTAX:   /* the keywords are defined globally, then the body runs */
            if (!PAIR_P(x) || list_length(CAR(x)) < 0) bad_syntax(sym_name(f), expr);
            for (body = CAR(x); PAIR_P(body); body = CDR(body)) define_macro(CAR(body), expr);
            body = CDR(CDR(expr));
            goto run_body;
        case SF_MACRO:
            /* expand, and keep the expansion in place of the use: expr
             * becomes (begin expansion), so a use is expanded once */
            tmp = expand_macro(expr);
            tmp = cons(tmp, NIL);
            SET_CDR(expr, tmp);
            SET_CAR(expr, sym_begin);
            goto loop;
        case SF_IMPORT:   /* (import (scheme base) ...): everything is built in */
            result = UNSPEC;
            goto done;
        case SF_DELAY:
            if (!PAIR_P(x) || CDR(x) != NIL) bad_syntax("delay", expr);
            result = make_promise(CAR(x), env);
            if (CAR(expr) == sym_delay_force) ((struct promise *)result)->done = 2;   /* fresh */
            goto done;
        }
    }

    /* an application: evaluate operator and operands onto the stack */
    base = sp;
    vpush(run(f, env, (size_t)-1));
    for (body = CDR(expr); PAIR_P(body); body = CDR(body)) vpush(run(CAR(body), env, (size_t)-1));
    if (body != NIL) bad_syntax("application", expr);

call:
    f = vstack[base];
    if (IS(f, K_PRIM)) {
        size_t argc = sp - base - 1;
        const struct prim_def *def = ((struct prim *)f)->def;
        if (def == prim_apply_def) {   /* (apply f a ... list): a tail call */
            if (argc < 1) lisp_error("apply: wrong number of arguments: expected at least 1, got 0");
            if (argc >= 2) {
                tmp = vpop();
                if (list_length(tmp) < 0) type_error("apply", "list", tmp);
            } else {
                tmp = NIL;
            }
            memmove(&vstack[base], &vstack[base + 1], (sp - base - 1) * sizeof(value));
            set_sp(sp - 1);
            for (; PAIR_P(tmp); tmp = CDR(tmp)) vpush(CAR(tmp));
            goto call;
        }
        if (def == prim_callwv_def) {   /* (call-with-values producer consumer) */
            if (argc != 2)
                lisp_error("call-with-values: wrong number of arguments: expected 2, got %zu", argc);
            tmp = apply_proc(vstack[base + 1], 0, NULL);
            vstack[base] = vstack[base + 2];
            set_sp(base + 1);
            if (IS(tmp, K_VALUES)) {
                for (tmp = ((struct values *)tmp)->list; PAIR_P(tmp); tmp = CDR(tmp))
                    vpush(CAR(tmp));
            } else {
                vpush(tmp);
            }
            goto call;
        }
        result = call_prim(f, &vstack[base + 1], argc);
        set_sp(base);
        goto done;
    }
    if (IS(f, K_CONT)) {   /* escape to the call/cc that made f */
        struct cont *k = (struct cont *)f;
        size_t argc = sp - base - 1;
        if (!k->live)
            lisp_error("continuation called after its call/cc returned "
                       "(only escaping continuations are supported)");
        cont_value = argc == 1 ? vstack[base + 1]
                               : argc == 0 ? UNSPEC : list_from(&vstack[base + 1], argc);
        if (argc > 1) cont_value = make_values(cont_value);
        cont_target = k->id;
        longjmp(lisp_handler->jb, 1);
    }
    if (IS(f, K_PARAM)) {   /* (param): its current value */
        if (sp - base - 1 != 0)
            lisp_error("parameter: wrong number of arguments: expected 0, got %zu", sp - base - 1);
        result = ((struct param *)f)->value;
        set_sp(base);
        goto done;
    }
    if (IS(f, K_GUARDIAN)) {   /* (g obj) registers obj, (g) takes one back */
        result = guardian_call(f, (int)(sp - base - 1), &vstack[base + 1]);
        set_sp(base);
        goto done;
    }
    if (IS(f, K_CASELAMBDA)) {   /* the first clause that takes argc arguments */
        size_t argc = sp - base - 1;
        value c = ((struct caselambda *)f)->clauses;
        for (; PAIR_P(c); c = CDR(c)) {
            uintptr_t arity = ((struct closure *)CAR(c))->arity;
            if (argc == (arity >> 1) || ((arity & 1) && argc >= (arity >> 1))) break;
        }
        if (!PAIR_P(c)) case_lambda_error(f, argc);
        f = vstack[base] = CAR(c);
    }
    if (IS(f, K_CLOSURE)) {
        env = bind_args(f, &vstack[base + 1], sp - base - 1);
        set_sp(base);
        body = ((struct closure *)f)->body;
        goto run_body;
    }
    not_a_procedure(f);

run_body:   /* evaluate the forms of body in env, the last in tail position */
    if (body == NIL) {
        result = UNSPEC;
        goto done;
    }
    while (PAIR_P(CDR(body))) {
        run(CAR(body), env, (size_t)-1);
        body = CDR(body);
    }
    expr = CAR(body);
    goto loop;

done:
    eval_depth--;
    return result;
}

/* Called from C (force, eval, the top level): weighted like apply_proc. */
value eval(value expr, value env)
{
    eval_depth += APPLY_DEPTH_WEIGHT;
    value r = run(expr, env, (size_t)-1);
    eval_depth -= APPLY_DEPTH_WEIGHT;
    return r;
}

WGC_TYPE_NOPTRS(cont_type, struct cont);

value call_cc(value f)
{
    value k = NIL;
    WGC_LOCALS(f, k);   /* pushed before the handler, so it survives a jump */
    struct cont *c = wgc_alloc(&cont_type);
    if (!c) lisp_error_unwind("out of memory");
    c->hdr = HDR(K_CONT);
    c->id = cont_next_id++;
    c->live = 1;
    k = (value)c;
    struct handler h;
    handler_enter(&h);
    if (setjmp(h.jb)) {
        handler_restore(&h);
        c = (struct cont *)k;
        c->live = 0;
        if (cont_target != c->id) longjmp(lisp_handler->jb, 1);   /* not ours */
        cont_target = 0;
        value v = cont_value;
        cont_value = NIL;
        return v;
    }
    value r = apply_proc(f, 1, &k);
    handler_leave(&h);
    ((struct cont *)k)->live = 0;
    return r;
}

value apply_proc(value f, int argc, value *argv)
{
    size_t base = sp;
    vpush(f);
    for (int i = 0; i < argc; i++) vpush(argv[i]);
    eval_depth += APPLY_DEPTH_WEIGHT;
    value r = run(NIL, NIL, base);
    eval_depth -= APPLY_DEPTH_WEIGHT;
    return r;
}
