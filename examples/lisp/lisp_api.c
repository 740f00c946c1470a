/* lisp_api.c — the interpreter as a library: start it with options, run
 * source text, read the collector's statistics.  These are the functions
 * the JS glue (examples/node/) calls, and the native runner too.
 * Below: every other lisp_*.c and wgc.h.
 *
 * Invariants:
 *   A1. Every entry point that evaluates sets up a handler first (lisp.h,
 *       struct handler), so a language error, an escape, (exit) or an
 *       out-of-memory report from wgc's error hook lands here and leaves
 *       the heap, the shadow stack and the value stack consistent; the
 *       next call works as if the failed one had not run (except for its
 *       side effects).
 *   A2. wgc's error hook only longjmps while a handler is active (A1);
 *       allocation happens nowhere else.
 */
#include <stdlib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lisp.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#define LISP_EXPORT EMSCRIPTEN_KEEPALIVE
/* Output goes to the JS side: Module.lispWrite(fd, bytes). */
EM_JS(void, js_write, (int fd, const char *s, size_t n), {
    Module.lispWrite(fd, HEAPU8.slice(s, s + n));
});
static void sink(int fd, const char *s, size_t n) { js_write(fd, s, n); }
#else
#define LISP_EXPORT
static void sink(int fd, const char *s, size_t n)
{
    FILE *f = fd == 2 ? stderr : stdout;
    fwrite(s, 1, n, f);
    fflush(f);
}
#endif

#include "lisp_api.h"

static bool started;
static value last_value;   /* the value of run_text's last form when keep_last (a root, for handles) */
static bool keep_last;

/* wgc's error hook (A2): every allocation failure becomes a language error. */
static void on_wgc_error(enum wgc_error err, size_t size, void *data)
{
    if (!lisp_handler || lisp_alloc_quiet) return;   /* let NULL come back */
    if (err == WGC_ERR_NOMEM)
        lisp_error_unwind("out of memory: the heap is at its limit (asking for %zu bytes)", size);
    lisp_error_unwind("allocation failed: %s (%zu bytes)", wgc_error_string(err), size);
}

static void report_error(void)
{
    char msg[600];
    out_flush();
    snprintf(msg, sizeof msg, "error: %s\n", lisp_errmsg);
    lisp_sink(2, msg, strlen(msg));
}

/* Evaluate every datum of src.  Returns LISP_OK, LISP_ERROR or LISP_EXIT. */
static int run_text(const char *src, size_t len, bool print_results, bool report)
{
    struct reader r = {src, len, 0, 1, 1};
    struct handler h;
    handler_enter(&h);
    if (setjmp(h.jb)) {
        handler_restore(&h);
        if (lisp_exit_requested) {
            out_flush();
            return LISP_EXIT;
        }
        if (report) report_error();
        return LISP_ERROR;
    }
    lisp_run_finalizers();   /* safe points: before the first form, and after each */
    for (;;) {
        value x = read_datum(&r);
        if (x == EOF_V) break;
        value v = eval(x, NIL);   /* eval roots x itself; nothing allocates between */
        if (print_results && v != UNSPEC) {
            print_value(v, true);
            out_str("\n", 1);
        }
        if (keep_last) last_value = v;
        lisp_run_finalizers();   /* a safe point: between top-level forms */
    }
    handler_leave(&h);
    out_flush();
    return LISP_OK;
}

/* ---- handles: Scheme values held by the embedder (JS) ------------------------ */

/* H1. A handle is a slot of htab, a vector registered with wgc_root_add:
 *     the value in it lives until the handle is released.  A released slot
 *     holds #f (it keeps nothing alive) and goes on the free stack, to be
 *     reused; hlive says which slots are in use, so a stale or made-up
 *     number is refused rather than read.
 * H2. Every entry point that may allocate or evaluate sets up a handler
 *     first (A1); errors come back as -1 with the message in lisp_errmsg,
 *     reported to no sink (the JS side throws them). */
#define LISP_HANDLE_MAX_ARGS 1000
static value htab;
static size_t hcap, hcount, hnfree;
static uint32_t *hfree;
static unsigned char *hlive;

static void handles_init(void)
{
    htab = make_vector(0, FALSE_V);
    if (!wgc_root_add(&htab) || !wgc_root_add(&last_value))
        lisp_error_unwind("out of memory (roots)");
}

/* A new handle for v (may allocate: the table grows). */
static int handle_new(value v)
{
    WGC_LOCALS(v);
    if (hnfree == 0) {
        size_t ncap = hcap ? hcap * 2 : 64;
        if (ncap > (size_t)LISP_MAX_VECTOR || ncap > INT32_MAX) lisp_error("too many handles");
        uint32_t *nf = realloc(hfree, ncap * sizeof *nf);
        if (nf) hfree = nf;
        unsigned char *nl = nf ? realloc(hlive, ncap) : NULL;
        if (nl) hlive = nl;
        if (!nf || !nl) lisp_error_unwind("out of memory (the handle table)");
        value nv = make_vector(ncap, FALSE_V);
        memcpy(VEC_ITEMS(nv), VEC_ITEMS(htab), hcap * sizeof(value));   /* fresh: no barrier */
        htab = nv;
        memset(hlive + hcap, 0, ncap - hcap);
        for (size_t i = ncap; i-- > hcap;) hfree[hnfree++] = (uint32_t)i;
        hcap = ncap;
    }
    uint32_t id = hfree[--hnfree];
    VEC_SET(htab, id, v);
    hlive[id] = 1;
    hcount++;
    return (int)id;
}

static bool handle_ok(int id) { return id >= 0 && (size_t)id < hcap && hlive[id]; }

static value handle_get(int id)
{
    if (!handle_ok(id)) lisp_error("handle %d is not live (released, or never made)", id);
    return VEC_ITEMS(htab)[id];
}

/* Run body (which sets result) under a handler; -1 and the message on an
 * error, an escape or (exit). */
#define WITH_HANDLER(result, body)                                                      \
    do {                                                                                \
        if (!started) {                                                                 \
            snprintf(lisp_errmsg, sizeof lisp_errmsg, "lisp_start has not run");        \
            return -1;                                                                  \
        }                                                                               \
        lisp_exit_requested = false;                                                    \
        struct handler h_;                                                              \
        handler_enter(&h_);                                                             \
        if (setjmp(h_.jb)) {                                                            \
            handler_restore(&h_);                                                       \
            out_flush();                                                                \
            if (lisp_exit_requested)                                                    \
                snprintf(lisp_errmsg, sizeof lisp_errmsg, "exit called (status %d)",     \
                         lisp_exit_code);                                               \
            return -1;                                                                  \
        }                                                                               \
        body;                                                                           \
        handler_leave(&h_);                                                             \
        out_flush();                                                                    \
    } while (0)

/* Evaluate src like lisp_eval; a handle for the last form's value. */
LISP_EXPORT int lisp_handle_eval(const char *src, size_t len)
{
    int id = -1;
    last_value = UNSPEC;
    if (!started) {
        snprintf(lisp_errmsg, sizeof lisp_errmsg, "lisp_start has not run");
        return -1;
    }
    lisp_exit_requested = false;
    keep_last = true;
    int rc = run_text(src, len, false, false);
    keep_last = false;
    if (rc == LISP_EXIT)
        snprintf(lisp_errmsg, sizeof lisp_errmsg, "exit called (status %d)", lisp_exit_code);
    if (rc != LISP_OK) return -1;
    WITH_HANDLER(id, id = handle_new(last_value));
    last_value = UNSPEC;
    return id;
}

/* A JS number: an exact integer when it is one within int64, else a flonum. */
LISP_EXPORT int lisp_handle_number(double d)
{
    int id = -1;
    WITH_HANDLER(id, {
        value v = (d == (double)(int64_t)d && d >= -9.2e18 && d <= 9.2e18) ? make_int((int64_t)d)
                                                                            : make_flonum(d);
        id = handle_new(v);
    });
    return id;
}

LISP_EXPORT int lisp_handle_string(const char *s, size_t len)
{
    int id = -1;
    WITH_HANDLER(id, id = handle_new(make_string(s, len)));
    return id;
}

LISP_EXPORT int lisp_handle_bool(int b)
{
    int id = -1;
    WITH_HANDLER(id, id = handle_new(BOOL(b)));
    return id;
}

/* A list of the values of ids[0..n). */
LISP_EXPORT int lisp_handle_list(int n, const int32_t *ids)
{
    int id = -1;
    WITH_HANDLER(id, {
        value l = NIL;
        WGC_LOCALS(l);
        for (int i = n; i-- > 0;) l = cons(handle_get(ids[i]), l);
        id = handle_new(l);
    });
    return id;
}

/* Apply the procedure of handle f to the values of ids[0..n). */
LISP_EXPORT int lisp_handle_call(int f, int n, const int32_t *ids)
{
    int id = -1;
    WITH_HANDLER(id, {
        if (n < 0 || n > LISP_HANDLE_MAX_ARGS)
            lisp_error("call: %d arguments (at most %d)", n, LISP_HANDLE_MAX_ARGS);
        lisp_run_finalizers();   /* safe points: before the call and after it */
        value fv = handle_get(f);
        if (!procedure_p(fv)) type_error("call", "procedure", fv);
        value argv[LISP_HANDLE_MAX_ARGS];
        for (int i = 0; i < n; i++) argv[i] = handle_get(ids[i]);   /* each held by its handle */
        value r = apply_proc(fv, n, argv);
        id = handle_new(r);
        lisp_run_finalizers();   /* a safe point: the call is done */
    });
    return id;
}

/* 1 if id was live (now released), 0 if not. */
LISP_EXPORT int lisp_handle_release(int id)
{
    if (!handle_ok(id)) return 0;
    VEC_SET(htab, id, FALSE_V);
    hlive[id] = 0;
    hfree[hnfree++] = (uint32_t)id;
    hcount--;
    return 1;
}

LISP_EXPORT int lisp_handle_count(void) { return (int)hcount; }

/* ---- a handle's value as JSON (for toJS): no wgc allocation ---- */

static struct { char *p; size_t n, cap; bool oom; } js;

static void js_put(const char *s, size_t n)
{
    if (js.oom) return;
    if (js.n + n + 1 > js.cap) {
        size_t cap = js.cap ? js.cap : 256;
        while (cap < js.n + n + 1) cap *= 2;
        char *p = realloc(js.p, cap);
        if (!p) {
            js.oom = true;
            return;
        }
        js.p = p;
        js.cap = cap;
    }
    memcpy(js.p + js.n, s, n);
    js.n += n;
    js.p[js.n] = 0;
}

static bool js_fail(const char *fmt, value v)
{
    char buf[120];
    format_value(buf, sizeof buf, v, true);
    snprintf(lisp_errmsg, sizeof lisp_errmsg, fmt, kind_name(v), buf);
    return false;
}

static bool js_value(value v, int depth)
{
    char num[40];
    if (depth > 1000) return js_fail("toJS: nested too deeply (a %s: %s)", v);
    if (FIXNUM_P(v) || IS(v, K_BIGINT)) {
        int64_t n = int_val(v);
        if (n > ((int64_t)1 << 53) || n < -((int64_t)1 << 53))
            return js_fail("toJS: the %s %s is beyond JS's safe integers", v);
        snprintf(num, sizeof num, "%" PRId64, n);
        js_put(num, strlen(num));
        return true;
    }
    if (IS(v, K_FLONUM)) {
        double d = ((struct flonum *)v)->d;
        if (d != d) return js_fail("toJS: NaN has no JSON form (a %s: %s)", v);
        if (d > 1.7976931348623157e308) snprintf(num, sizeof num, "1e999");   /* JSON.parse: Infinity */
        else if (d < -1.7976931348623157e308) snprintf(num, sizeof num, "-1e999");
        else snprintf(num, sizeof num, "%.17g", d);
        js_put(num, strlen(num));
        return true;
    }
    if (v == TRUE_V || v == FALSE_V) {
        js_put(v == TRUE_V ? "true" : "false", v == TRUE_V ? 4 : 5);
        return true;
    }
    if (STRING_P(v)) {
        js_put("\"", 1);
        for (size_t i = 0; i < STR(v)->len; i++) {
            unsigned char c = (unsigned char)STR(v)->data[i];
            if (c == '"' || c == '\\') {
                char e[2] = {'\\', (char)c};
                js_put(e, 2);
            } else if (c < 0x20 || c == 0x7f) {
                snprintf(num, sizeof num, "\\u%04x", c);
                js_put(num, 6);
            } else {
                js_put((const char *)&c, 1);   /* bytes: UTF-8 passes through */
            }
        }
        js_put("\"", 1);
        return true;
    }
    if (v == NIL || PAIR_P(v)) {
        if (list_length(v) < 0) return js_fail("toJS: not a proper list (a %s: %s)", v);
        js_put("[", 1);
        for (value l = v; l != NIL; l = CDR(l)) {
            if (!js_value(CAR(l), depth + 1)) return false;
            if (CDR(l) != NIL) js_put(",", 1);
        }
        js_put("]", 1);
        return true;
    }
    if (VECTOR_P(v)) {
        js_put("[", 1);
        for (size_t i = 0; i < VEC_LEN(v); i++) {
            if (!js_value(VEC_ITEMS(v)[i], depth + 1)) return false;
            if (i + 1 < VEC_LEN(v)) js_put(",", 1);
        }
        js_put("]", 1);
        return true;
    }
    return js_fail("toJS: a %s has no JS value (only numbers, strings, booleans, lists "
                   "and vectors of them): %s", v);
}

/* The value of handle id as JSON text (valid until the next call), or NULL
 * with the reason in lisp_last_error(). */
LISP_EXPORT const char *lisp_handle_json(int id)
{
    if (!handle_ok(id)) {
        snprintf(lisp_errmsg, sizeof lisp_errmsg, "toJS: handle %d is not live", id);
        return NULL;
    }
    js.n = 0;
    js.oom = false;
    js_put("", 0);
    if (!js_value(VEC_ITEMS(htab)[id], 0)) return NULL;
    if (js.oom) {
        snprintf(lisp_errmsg, sizeof lisp_errmsg, "toJS: out of memory");
        return NULL;
    }
    return js.p;
}

LISP_EXPORT int lisp_start(int gc_percent, double max_heap, unsigned stress, int verify,
                           int max_depth)
{
    /* Range-check before converting: a double beyond size_t (or NaN) has
     * no defined conversion. */
    if (!(max_heap >= 0 && max_heap <= LISP_MAX_HEAP_LIMIT)) {
        snprintf(lisp_errmsg, sizeof lisp_errmsg,
                 "max heap %g bytes is out of range (0, meaning the default, up to %.0f)",
                 max_heap, LISP_MAX_HEAP_LIMIT);
        return LISP_ERROR;
    }
    if (started) {
        snprintf(lisp_errmsg, sizeof lisp_errmsg, "lisp_start: already started");
        return LISP_ERROR;
    }
    lisp_sink = sink;
    lisp_clock_start();
    struct wgc_config cfg;
    wgc_config_default(&cfg);
    cfg.gc_percent = gc_percent;
    cfg.max_heap = (size_t)max_heap;
    if (stress) cfg.stress = stress;   /* else the build's default (BUILD=stress: 1) */
    if (verify) cfg.verify_each_gc = true;
    const char *gen = getenv("WGC_GEN");   /* WGC_GEN=0: without generations */
    if (gen != NULL)
        cfg.gen = gen[0] != '0';
    cfg.on_error = on_wgc_error;
    enum wgc_error err = wgc_init(&cfg);
    if (err != WGC_OK) {
        snprintf(lisp_errmsg, sizeof lisp_errmsg, "cannot start the heap (max heap %zu bytes): %s",
                 cfg.max_heap, wgc_error_string(err));
        return LISP_ERROR;
    }
    if (max_depth > 0) eval_max_depth = (size_t)max_depth;
    struct handler h;
    handler_enter(&h);
    if (setjmp(h.jb)) {   /* e.g. a max heap too small for the start-up */
        handler_restore(&h);
        return LISP_ERROR;
    }
    obj_init();
    eval_init();
    prims_init();
    handles_init();
    handler_leave(&h);
    started = true;
    if (run_text(lisp_prelude, strlen(lisp_prelude), false, false) != LISP_OK) return LISP_ERROR;
    return LISP_OK;
}

LISP_EXPORT int lisp_eval(const char *src, size_t len, int print_results)
{
    if (!started) {
        snprintf(lisp_errmsg, sizeof lisp_errmsg, "lisp_start has not run");
        return LISP_ERROR;
    }
    lisp_exit_requested = false;
    return run_text(src, len, print_results != 0, true);
}

LISP_EXPORT int lisp_incomplete(const char *src, size_t len) { return read_incomplete(src, len); }
LISP_EXPORT const char *lisp_last_error(void) { return lisp_errmsg; }
LISP_EXPORT int lisp_exit_status(void) { return lisp_exit_code; }
LISP_EXPORT void lisp_collect(void) { wgc_collect(); }

LISP_EXPORT const char *lisp_stats_json(void)
{
    static char buf[2048];
    struct wgc_stats st;
    wgc_stats(&st);
    snprintf(buf, sizeof buf,
             "{\"num_gc\":%" PRIu64 ",\"heap_alloc\":%" PRIu64 ",\"heap_inuse\":%" PRIu64
             ",\"heap_sys\":%" PRIu64 ",\"heap_released\":%" PRIu64
             ",\"total_alloc\":%" PRIu64 ",\"nmalloc\":%" PRIu64 ",\"nfree\":%" PRIu64
             ",\"nlarge\":%" PRIu64 ",\"sys_reserved\":%" PRIu64 ",\"sys_mapped\":%" PRIu64
             ",\"sys_padding\":%" PRIu64 ",\"sys_metadata\":%" PRIu64
             ",\"memory_size\":%" PRIu64 ",\"live_bytes\":%" PRIu64 ",\"next_gc\":%" PRIu64
             ",\"bytes_freed\":%" PRIu64 ",\"pause_total_ns\":%" PRIu64
             ",\"pause_max_ns\":%" PRIu64 ",\"pause_last_ns\":%" PRIu64
             ",\"finalizers_pending\":%" PRIu64 ",\"handles\":%zu}",
             st.num_gc, st.heap_alloc, st.heap_inuse, st.heap_sys, st.heap_released,
             st.total_alloc, st.nmalloc, st.nfree, st.nlarge, st.sys_reserved,
             st.sys_mapped, st.sys_padding, st.sys_metadata, st.memory_size,
             st.live_bytes, st.next_gc, st.bytes_freed, st.pause_total_ns,
             st.pause_max_ns, st.pause_last_ns, st.finalizers_pending, hcount);
    return buf;
}

/* The event trace (wgc.h): start it now, write it as Chrome Trace JSON. */
LISP_EXPORT int lisp_trace_start(void) { return wgc_trace_start(); }
LISP_EXPORT int lisp_trace_write(const char *path) { return wgc_trace_write_json(path); }
