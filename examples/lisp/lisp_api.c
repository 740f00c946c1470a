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
    for (;;) {
        value x = read_datum(&r);
        if (x == EOF_V) break;
        value v = eval(x, NIL);   /* eval roots x itself; nothing allocates between */
        if (print_results && v != UNSPEC) {
            print_value(v, true);
            out_str("\n", 1);
        }
        lisp_run_finalizers();   /* a safe point: between top-level forms */
    }
    handler_leave(&h);
    out_flush();
    return LISP_OK;
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
             ",\"pause_max_ns\":%" PRIu64 ",\"pause_last_ns\":%" PRIu64 "}",
             st.num_gc, st.heap_alloc, st.heap_inuse, st.heap_sys, st.heap_released,
             st.total_alloc, st.nmalloc, st.nfree, st.nlarge, st.sys_reserved,
             st.sys_mapped, st.sys_padding, st.sys_metadata, st.memory_size,
             st.live_bytes, st.next_gc, st.bytes_freed, st.pause_total_ns,
             st.pause_max_ns, st.pause_last_ns);
    return buf;
}

/* The event trace (wgc.h): start it now, write it as Chrome Trace JSON. */
LISP_EXPORT int lisp_trace_start(void) { return wgc_trace_start(); }
LISP_EXPORT int lisp_trace_write(const char *path) { return wgc_trace_write_json(path); }
