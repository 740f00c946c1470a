/* lisp_api.h — the interpreter as a library (lisp_api.c): what a runner
 * calls.  The wasm build exports these to JS (examples/node/).
 * Each returns LISP_OK, LISP_ERROR (message: lisp_last_error()) or
 * LISP_EXIT (the program called (exit n); n: lisp_exit_status()). */
#ifndef LISP_API_H
#define LISP_API_H

enum { LISP_OK = 0, LISP_ERROR = 1, LISP_EXIT = 2 };

/* Start wgc and the interpreter, once.  gc_percent < 0 disables pacing;
 * max_heap in bytes (0: wgc's default); stress: collect every n
 * allocations (0: the build's default, off but in BUILD=stress); verify:
 * wgc_verify after each collection;
 * max_depth: nested evaluations before "stack overflow" (0: default). */
int lisp_start(int gc_percent, double max_heap, unsigned stress, int verify, int max_depth);
/* Read and evaluate all of src at top level; print_results: write each
 * value (REPL style).  Errors are reported on fd 2 as "error: ...". */
int lisp_eval(const char *src, int print_results);
/* 1 when src ends inside a list or string (a REPL reads another line). */
int lisp_incomplete(const char *src);
const char *lisp_last_error(void);
int lisp_exit_status(void);
void lisp_collect(void);
/* wgc_stats as a JSON object (a static buffer, valid until the next call). */
const char *lisp_stats_json(void);
/* wgc's event trace: start recording; write it to path (1 ok, 0 failed). */
int lisp_trace_start(void);
int lisp_trace_write(const char *path);

#endif
