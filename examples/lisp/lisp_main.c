/* lisp_main.c — the native command-line runner (the wasm one is
 * examples/node/cli.js; both take the same options).
 *     lisp [options] [file.scm]      no file: a REPL on stdin
 * Options: --gc-percent N  --max-heap BYTES[k|m|g]  --stress N  --verify
 *          --max-depth N  --trace FILE  --stats  -e EXPR
 * Exit status: 0, 1 after an error, or the program's (exit n). */
#define _POSIX_C_SOURCE 200809L   /* getline */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lisp_api.h"

static void usage(void)
{
    fprintf(stderr, "usage: lisp [--gc-percent N] [--max-heap BYTES[k|m|g]] [--stress N]\n"
                    "            [--verify] [--max-depth N] [--trace FILE] [--stats]\n"
                    "            [-e EXPR] [file.scm]\n");
    exit(2);
}

/* BYTES[k|m|g], checked against the range lisp_start accepts. */
static double parse_size(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s) usage();
    switch (*end) {
    case 'k': case 'K': v *= 1024; end++; break;
    case 'm': case 'M': v *= 1024 * 1024; end++; break;
    case 'g': case 'G': v *= 1024.0 * 1024 * 1024; end++; break;
    }
    if (*end) usage();
    if (!(v >= 0 && v <= LISP_MAX_HEAP_LIMIT)) {
        fprintf(stderr, "lisp: --max-heap %s: out of range (at most %.0f bytes)\n", s,
                LISP_MAX_HEAP_LIMIT);
        exit(2);
    }
    return v;
}

/* The whole file, NUL-terminated; its length (NUL bytes included) in *len. */
static char *slurp(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 == cap) buf = realloc(buf, cap *= 2);
    }
    if (buf) buf[n] = 0;
    *len = n;
    return buf;
}

static const char *trace;

static int finish(int rc, int stats)
{
    if (trace && !lisp_trace_write(trace)) fprintf(stderr, "lisp: cannot write %s\n", trace);
    if (stats) fprintf(stderr, "%s\n", lisp_stats_json());
    if (rc == LISP_EXIT) return lisp_exit_status();
    return rc == LISP_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    int gc_percent = 100, verify = 0, max_depth = 1000000, stats = 0;   /* C_STACK_BUDGET bounds depth */
    unsigned stress = 0;
    double max_heap = 0;
    const char *file = NULL, *expr = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--gc-percent") && i + 1 < argc) gc_percent = atoi(argv[++i]);
        else if (!strcmp(a, "--max-heap") && i + 1 < argc) max_heap = parse_size(argv[++i]);
        else if (!strcmp(a, "--stress") && i + 1 < argc) stress = (unsigned)atoi(argv[++i]);
        else if (!strcmp(a, "--verify")) verify = 1;
        else if (!strcmp(a, "--max-depth") && i + 1 < argc) max_depth = atoi(argv[++i]);
        else if (!strcmp(a, "--trace") && i + 1 < argc) trace = argv[++i];
        else if (!strcmp(a, "--stats")) stats = 1;
        else if (!strcmp(a, "-e") && i + 1 < argc) expr = argv[++i];
        else if (a[0] == '-' && a[1]) usage();
        else if (!file) file = a;
        else usage();
    }
    if (lisp_start(gc_percent, max_heap, stress, verify, max_depth) != LISP_OK) {
        fprintf(stderr, "lisp: %s\n", lisp_last_error());
        return 1;
    }
    if (trace) lisp_trace_start();
    if (expr) return finish(lisp_eval(expr, strlen(expr), 1), stats);
    if (file) {
        FILE *f = fopen(file, "r");
        if (!f) {
            perror(file);
            return 1;
        }
        size_t len;
        char *src = slurp(f, &len);
        fclose(f);
        if (!src) return 1;
        int rc = lisp_eval(src, len, 0);
        free(src);
        return finish(rc, stats);
    }
    /* the REPL: gather lines until the datum is complete */
    bool tty = isatty(0);
    char *line = NULL;
    size_t linecap = 0, cap = 4096, n = 0;
    char *buf = malloc(cap);
    buf[0] = 0;
    for (;;) {
        if (tty) fputs(n == 0 ? "> " : "... ", stdout);
        fflush(stdout);
        ssize_t got = getline(&line, &linecap, stdin);   /* keeps NUL bytes */
        if (got < 0) break;
        size_t k = (size_t)got;
        while (n + k + 1 > cap) buf = realloc(buf, cap *= 2);
        memcpy(buf + n, line, k);
        n += k;
        buf[n] = 0;
        if (lisp_incomplete(buf, n)) continue;
        int rc = lisp_eval(buf, n, 1);
        n = 0;
        buf[0] = 0;
        if (rc == LISP_EXIT) {
            free(buf);
            free(line);
            return finish(rc, stats);
        }
    }
    free(buf);
    free(line);
    return finish(LISP_OK, stats);
}
