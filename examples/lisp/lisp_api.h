/* lisp_api.h — the interpreter as a library (lisp_api.c): what a runner
 * calls.  The wasm build exports these to JS (examples/node/).
 * Each returns LISP_OK, LISP_ERROR (message: lisp_last_error()) or
 * LISP_EXIT (the program called (exit n); n: lisp_exit_status()). */
#ifndef LISP_API_H
#define LISP_API_H

#include <stddef.h>
#include <stdint.h>

enum { LISP_OK = 0, LISP_ERROR = 1, LISP_EXIT = 2 };

/* The largest max_heap lisp_start accepts: wasm32's 4 GiB, natively 2^48. */
#if UINTPTR_MAX <= 0xffffffffu
#define LISP_MAX_HEAP_LIMIT 4294967296.0
#else
#define LISP_MAX_HEAP_LIMIT 281474976710656.0
#endif

/* Start wgc and the interpreter, once.  gc_percent < 0 disables pacing;
 * max_heap in bytes (0: wgc's default; negative, NaN or above
 * LISP_MAX_HEAP_LIMIT: LISP_ERROR with a message, before wgc_init); stress: collect every n
 * allocations (0: the build's default, off but in BUILD=stress); verify:
 * wgc_verify after each collection;
 * max_depth: nested evaluations before "stack overflow" (0: default). */
int lisp_start(int gc_percent, double max_heap, unsigned stress, int verify, int max_depth);
/* Read and evaluate all of src[0..len) at top level (src[len] must be a
 * NUL; a NUL byte before it is a read error); print_results: write each
 * value (REPL style).  Errors are reported on fd 2 as "error: ...". */
int lisp_eval(const char *src, size_t len, int print_results);
/* 1 when src[0..len) ends inside a list or string (a REPL reads another line). */
int lisp_incomplete(const char *src, size_t len);
const char *lisp_last_error(void);
int lisp_exit_status(void);
void lisp_collect(void);
/* wgc_stats as a JSON object (a static buffer, valid until the next call). */
const char *lisp_stats_json(void);
/* Handles: Scheme values the embedder holds (each a root until released).
 * Those returning an int give the new handle, or -1 with the message in
 * lisp_last_error(). */
int lisp_handle_eval(const char *src, size_t len);   /* the last form's value */
int lisp_handle_number(double d);
int lisp_handle_string(const char *s, size_t len);
int lisp_handle_bool(int b);
int lisp_handle_list(int n, const int32_t *ids);
int lisp_handle_call(int f, int n, const int32_t *ids);
int lisp_handle_release(int id);   /* 1 if it was live */
int lisp_handle_count(void);
/* The value as JSON (numbers, strings, booleans, lists, vectors), or NULL. */
const char *lisp_handle_json(int id);
/* wgc's event trace: start recording; write it to path (1 ok, 0 failed). */
int lisp_trace_start(void);
int lisp_trace_write(const char *path);

/* 1 (the default): file ports and file-exists?/delete-file reach the
 * host's files; 0: they raise a Scheme error (a sandbox for the fuzzer). */
extern int lisp_file_access;

#endif
