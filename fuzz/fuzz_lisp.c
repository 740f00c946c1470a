/* fuzz_lisp.c — libFuzzer target: the Scheme example (examples/lisp) reads
 * and evaluates the input as source text, on wgc, under ASan and UBSan.
 *
 * A Scheme error is not a crash: lisp_eval reports it and returns
 * LISP_ERROR.  What is a crash: a sanitizer report, a wgc fatal error (its
 * internal checks, or wgc_verify failing after a collection), a C stack
 * overflow, an abort.
 *
 * So that every input terminates and inputs stay independent in one
 * process (wgc has one heap per process and no shutdown; the interpreter
 * starts once):
 *   - every allocation the interpreter makes passes through a wrapper
 *     (the link uses -Wl,--wrap=wgc_alloc and friends) that counts it
 *     (strings aside while FUZZ_AVOID_READER_LEAK is 1) and,
 *     past a budget, raises the Scheme error "fuzz: step budget" exactly
 *     where wgc's own error hook would raise "out of memory".  Every loop
 *     in this Scheme allocates (a procedure call or a `do` iteration makes
 *     an environment frame), so the budget bounds the run;
 *   - nesting is bounded by lisp_start's max_depth, and the heap is small;
 *   - every symbol the reader or string->symbol hands out (a wrapper on
 *     intern) has its global value recorded the first time it is seen and
 *     put back after each input, so (define car ...) does not leak into
 *     the next input.  The recorded values are roots (an array frame).
 * An input whose first line starts with ";stress" runs with a collection
 * every 3 allocations (and a smaller budget).  wgc_verify runs after every
 * collection (lisp_start's verify), and after each input the heap
 * is collected and wgc_verify must pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "lisp.h"
#include "lisp_api.h"

/* The reader's string scratch buffer (malloc) leaks when make_string
 * raises an error -- out of memory, or this harness's step budget
 * (FINDINGS.md, L1).  While this is 1 (the default) the budget is not
 * charged in wgc_alloc_bytes, where strings are made, so only a real out
 * of memory can hit it. */
#ifndef FUZZ_AVOID_READER_LEAK
#define FUZZ_AVOID_READER_LEAK 0   /* L1 is fixed: the reader keeps one buffer */
#endif

#define BUDGET 20000
#define BUDGET_STRESS 400
#define MAX_SYMS 20000

static long budget_left = -1;      /* < 0: not counting (start-up) */

static void spend(void)
{
    if (budget_left < 0 || lisp_handler == NULL)
        return;
    if (budget_left == 0)
        lisp_error("fuzz: step budget exhausted");
    budget_left--;
}

void *__real_wgc_alloc(struct wgc_type *t);
void *__real_wgc_alloc_array(struct wgc_type *t, size_t n);
void *__real_wgc_alloc_bytes(size_t n);
void *__wrap_wgc_alloc(struct wgc_type *t);
void *__wrap_wgc_alloc_array(struct wgc_type *t, size_t n);
void *__wrap_wgc_alloc_bytes(size_t n);

void *__wrap_wgc_alloc(struct wgc_type *t)
{
    spend();
    return __real_wgc_alloc(t);
}
void *__wrap_wgc_alloc_array(struct wgc_type *t, size_t n)
{
    spend();
    return __real_wgc_alloc_array(t, n);
}
void *__wrap_wgc_alloc_bytes(size_t n)
{
    if (!FUZZ_AVOID_READER_LEAK)
        spend();
    return __real_wgc_alloc_bytes(n);
}

/* ---- the global environment, put back after each input ------------------ */

static value saved_syms[MAX_SYMS];
static value saved_vals[MAX_SYMS];
static size_t nsaved;
static struct wgc_frame syms_frame, vals_frame;
static int recording;

value __real_intern(const char *name, size_t len);
value __wrap_intern(const char *name, size_t len);

value __wrap_intern(const char *name, size_t len)
{
    value s = __real_intern(name, len);
    if (!recording || nsaved == MAX_SYMS)
        return s;
    for (size_t i = 0; i < nsaved; i++)   /* a few hundred at most in practice */
        if (saved_syms[i] == s)
            return s;
    saved_syms[nsaved] = s;
    saved_vals[nsaved] = SYM(s)->global;
    nsaved++;
    syms_frame.n = vals_frame.n = nsaved;
    return s;
}

static void restore_globals(void)
{
    for (size_t i = 0; i < nsaved; i++)
        SYM(saved_syms[i])->global = saved_vals[i];
}

static void quiet(int fd, const char *s, size_t n)
{
    (void)fd, (void)s, (void)n;
}

static int started;
static char *text;
static size_t text_cap;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!started) {
        lisp_file_access = 0;   /* a mutated program must not touch the host's files */
        int r = lisp_start(100, 16.0 * 1024 * 1024, 0, 1, 800);
        FZ_CHECK(r == LISP_OK, "lisp_start failed: %s", lisp_last_error());
        if (getenv("FUZZ_LISP_OUTPUT") == NULL)
            lisp_sink = quiet;
        syms_frame.array = (void **)saved_syms;
        vals_frame.array = (void **)saved_vals;
        wgc_frame_push(&syms_frame);   /* below every frame the interpreter pushes */
        wgc_frame_push(&vals_frame);
        recording = 1;
        started = 1;
    }
    if (size + 1 > text_cap) {
        text_cap = size + 1;
        text = realloc(text, text_cap);
        FZ_CHECK(text != NULL, "out of host memory");
    }
    memcpy(text, data, size);
    text[size] = '\0';   /* terminated too; the reader takes the length (a NUL inside is an error) */
    int stress = size >= 7 && memcmp(data, ";stress", 7) == 0;
    if (stress)
        wgc_set_stress(3);
    budget_left = stress ? BUDGET_STRESS : BUDGET;
    struct wgc_frame *top = wgc_frames_top;
    int r = lisp_eval(text, size, 1);
    budget_left = -1;
    FZ_CHECK(r == LISP_OK || r == LISP_ERROR || r == LISP_EXIT, "lisp_eval returned %d", r);
    FZ_CHECK(wgc_frames_top == top, "the shadow stack was not unwound");
    if (stress)
        wgc_set_stress(0);
    restore_globals();
    wgc_collect();
    char msg[300];
    FZ_CHECK(wgc_verify(msg, sizeof msg), "wgc_verify after the input: %s", msg);
    return 0;
}
