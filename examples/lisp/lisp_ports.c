/* lisp_ports.c — ports (string ports, file ports on the host's files, the
 * console) and the clock: what a program uses of the world outside.
 * Below: lisp_obj.c, lisp_read.c, lisp_print.c, lisp_eval.c.  Above:
 * lisp_prims.c (prims_init binds port_prims).
 *
 * Files are the host's: natively through stdio, on wasm through
 * emscripten's NODERAWFS (emcc.mk links it), which maps stdio onto Node's
 * fs, so the same code serves both.
 *
 * Invariants:
 *   T1. A port is a heap object (struct port, lisp.h).  An input port
 *       holds its whole text in buf: a string port's copy of its string,
 *       a file's contents read at open (so reading never fails halfway and
 *       `read` is the ordinary reader over a string).  Output to a string
 *       port grows buf (lisp_store, L6); output to a file goes to its FILE.
 *   T2. port_close is the only place a port is closed (a FILE freed).  An
 *       output file port (the only kind that keeps a FILE open: an input
 *       file is read whole and closed at open, T1) has a wgc finalizer
 *       from its open (flag P_FINALIZER) until port_close removes it, so
 *       one dropped unclosed is closed at the next safe point after a
 *       collection finds it (lisp_weak.c, K1).  When fopen runs out of
 *       descriptors, a full collection and the finalizers run first and
 *       fopen is tried again.
 *   T3. cur_out / cur_in (roots) are the current output and input ports;
 *       with-output-to-file and with-input-from-file swap them with
 *       call_with_cleanup, which restores them however the thunk is left.
 *   T4. Printing to a non-console port formats into print_to_scratch's
 *       malloc'ed buffer first (the printer does not allocate, P1), then
 *       copies the text into the port.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lisp.h"

enum {
    P_IN = 1, P_OUT = 2, P_STRING = 4, P_FILE = 8, P_CONSOLE = 16, P_OPEN = 32,
    P_STDIN_PENDING = 64,   /* the console input port: stdin is read at its first use */
    P_STDERR = 128,
    P_FINALIZER = 256,   /* a wgc finalizer will close it (T2) */
};

#define PORT(v) ((struct port *)(v))

static value cur_out, cur_in, console_err;   /* roots (T3) */

/* ---- opening and closing ------------------------------------------------------- */

void port_close(value port)   /* T2 */
{
    struct port *p = PORT(port);
    if (p->flags & P_CONSOLE) return;   /* the console stays open */
    if (p->flags & P_FINALIZER) {   /* closed by hand: nothing left for the finalizer */
        p->flags &= ~(uintptr_t)P_FINALIZER;
        bool was = lisp_alloc_quiet;
        lisp_alloc_quiet = true;
        wgc_finalizer_remove((void *)port);
        lisp_alloc_quiet = was;
    }
    if ((p->flags & P_FILE) && p->fp) {
        fclose(p->fp);
        p->fp = NULL;
    }
    p->flags &= ~(uintptr_t)P_OPEN;
}

/* lisp_api.h: 0 turns the host's files off (the fuzzer's sandbox). */
int lisp_file_access = 1;

/* A file port that became garbage unclosed (T2): wgc runs this at a safe
 * point (lisp_run_finalizers); its registration is used up. */
static void port_finalizer(void *obj, void *data)
{
    (void)data;
    PORT((value)obj)->flags &= ~(uintptr_t)P_FINALIZER;
    port_close((value)obj);
}

/* fopen, and when the process is out of file descriptors, once more after
 * a full collection has found the dropped ports and their finalizers have
 * closed them (a primitive is a safe point for finalizers). */
static FILE *open_file(const char *path, const char *mode)
{
    FILE *f = fopen(path, mode);
    if (!f && (errno == EMFILE || errno == ENFILE)) {
        int err = errno;
        wgc_collect();
        if (lisp_run_finalizers() > 0) f = fopen(path, mode);   /* else errno is lost */
        else errno = err;
    }
    return f;
}

static const char *want_filename(const char *who, value v)
{
    if (!lisp_file_access) lisp_error_kind(ERRK_FILE, "%s: file access is turned off", who);
    struct string *s = want_string(who, v);
    if (memchr(s->data, 0, s->len)) lisp_error_kind(ERRK_FILE, "%s: NUL byte in file name", who);
    return s->data;
}

/* An input port over the whole of file `name` (T1). */
static value open_input_file(const char *who, value name)
{
    value buf = NIL;
    WGC_LOCALS(name, buf);
    const char *path = want_filename(who, name);
    struct stat st;
    if (stat(path, &st) != 0)
        lisp_error_kind(ERRK_FILE, "%s: cannot open \"%s\": %s", who, path, strerror(errno));
    if (!S_ISREG(st.st_mode)) lisp_error_kind(ERRK_FILE, "%s: \"%s\" is not a file", who, path);
    if ((int64_t)st.st_size > LISP_MAX_STRING)
        lisp_error_kind(ERRK_FILE, "%s: \"%s\" is too large (%" PRId64 " bytes; the limit is %" PRId64 ")",
                        who, path, (int64_t)st.st_size, LISP_MAX_STRING);
    buf = make_string_checked(who, (int64_t)st.st_size);
    path = STR(name)->data;   /* no move, but reread after allocating anyway */
    FILE *f = open_file(path, "rb");
    if (!f) lisp_error_kind(ERRK_FILE, "%s: cannot open \"%s\": %s", who, path, strerror(errno));
    size_t n = fread(STR(buf)->data, 1, STR(buf)->len, f);
    bool bad = ferror(f);
    fclose(f);
    if (bad) lisp_error_kind(ERRK_FILE, "%s: cannot read \"%s\"", who, path);
    STR(buf)->len = n;   /* a file that shrank meanwhile */
    STR(buf)->data[n] = 0;
    value port = make_port(P_IN | P_FILE | P_OPEN, buf, name);
    PORT(port)->len = n;
    return port;
}

static value open_output_file(const char *who, value name)
{
    value port = 0;
    WGC_LOCALS(name, port);   /* port too: open_file may collect */
    want_filename(who, name);
    port = make_port(P_OUT | P_FILE, NIL, name);   /* allocate before opening */
    FILE *f = open_file(STR(name)->data, "wb");
    if (!f)
        lisp_error_kind(ERRK_FILE, "%s: cannot open \"%s\": %s", who, STR(name)->data,
                        strerror(errno));
    PORT(port)->fp = f;
    PORT(port)->flags |= P_OPEN;
    /* Dropped unclosed, it is closed by its finalizer (T2).  If wgc has no
     * room to register one, close the file rather than leak it. */
    bool was = lisp_alloc_quiet;
    lisp_alloc_quiet = true;
    bool ok = wgc_finalizer_add((void *)port, port_finalizer, NULL);
    lisp_alloc_quiet = was;
    if (!ok) {
        port_close(port);
        lisp_error_unwind("out of memory (a finalizer for %s)", who);
    }
    PORT(port)->flags |= P_FINALIZER;
    return port;
}

/* The console input port reads all of stdin at its first use. */
static void fill_stdin(value port)
{
    size_t cap = 4096, n = 0, k;
    char *tmp = malloc(cap);
    while (tmp && (k = fread(tmp + n, 1, cap - n, stdin)) > 0) {
        n += k;
        if (n == cap) {
            char *t = (int64_t)cap * 2 > LISP_MAX_STRING ? NULL : realloc(tmp, cap * 2);
            if (!t) break;
            tmp = t;
            cap *= 2;
        }
    }
    PORT(port)->flags &= ~(uintptr_t)P_STDIN_PENDING;
    if (!tmp) return;
    value buf = make_string(tmp, n);   /* (out of memory here leaks tmp) */
    free(tmp);
    lisp_store(port, &PORT(port)->buf, buf);
    PORT(port)->len = n;
}

/* ---- argument checks --------------------------------------------------------- */

static value want_port(const char *who, value v)
{
    if (!IS(v, K_PORT)) type_error(who, "port", v);
    return v;
}

/* argv[i] if given (an open output port), else the current output port. */
static value out_port(const char *who, int argc, value *argv, int i)
{
    if (i >= argc) return cur_out;
    value p = want_port(who, argv[i]);
    if (!(PORT(p)->flags & P_OUT)) type_error(who, "output port", p);
    if (!(PORT(p)->flags & P_OPEN)) lisp_error("%s: the port is closed", who);
    return p;
}

static value in_port(const char *who, int argc, value *argv, int i)
{
    value p = i < argc ? want_port(who, argv[i]) : cur_in;
    if (!(PORT(p)->flags & P_IN)) type_error(who, "input port", p);
    if (!(PORT(p)->flags & P_OPEN)) lisp_error("%s: the port is closed", who);
    if (PORT(p)->flags & P_STDIN_PENDING) fill_stdin(p);
    return p;
}

/* ---- output --------------------------------------------------------------------- */

static void port_write(const char *who, value port, const char *s, size_t n)
{
    struct port *p = PORT(port);
    if (p->flags & P_CONSOLE) {
        if (p->flags & P_STDERR) {
            out_flush();
            lisp_sink(2, s, n);
        } else {
            out_str(s, n);
        }
        return;
    }
    if (p->flags & P_FILE) {
        if (fwrite(s, 1, n, p->fp) != n)
            lisp_error_kind(ERRK_FILE, "%s: cannot write to \"%s\"", who, STR(p->name)->data);
        return;
    }
    size_t cap = STR(p->buf)->len;
    if (n > cap - p->len) {   /* grow buf (T1); s is rooted or malloc'ed: it stays put */
        int64_t need = (int64_t)p->len + (int64_t)n, ncap = (int64_t)cap * 2;
        if (need > LISP_MAX_STRING)
            lisp_error("%s: string port too long (%" PRId64 " characters; the limit is %" PRId64 ")",
                       who, need, LISP_MAX_STRING);
        if (ncap < need) ncap = need;
        if (ncap > LISP_MAX_STRING) ncap = LISP_MAX_STRING;
        value nb = make_string(NULL, (size_t)ncap);
        memcpy(STR(nb)->data, STR(p->buf)->data, p->len);
        lisp_store(port, &p->buf, nb);
    }
    memcpy(STR(p->buf)->data + p->len, s, n);
    p->len += n;
}

static void port_print(const char *who, value port, value v, bool write)
{
    if ((PORT(port)->flags & (P_CONSOLE | P_STDERR)) == P_CONSOLE) {
        print_value(v, write);
        return;
    }
    size_t n;
    const char *s = print_to_scratch(v, write, &n);   /* T4 */
    port_write(who, port, s, n);
}

static value p_display(int argc, value *argv)
{
    port_print("display", out_port("display", argc, argv, 1), argv[0], false);
    return UNSPEC;
}
static value p_write(int argc, value *argv)
{
    port_print("write", out_port("write", argc, argv, 1), argv[0], true);
    return UNSPEC;
}
static value p_newline(int argc, value *argv)
{
    port_write("newline", out_port("newline", argc, argv, 0), "\n", 1);
    return UNSPEC;
}
static value p_write_char(int argc, value *argv)
{
    char c = (char)want_char("write-char", argv[0]);
    port_write("write-char", out_port("write-char", argc, argv, 1), &c, 1);
    return UNSPEC;
}
static value p_write_string(int argc, value *argv)
{
    size_t start, end;
    struct string *s = want_string("write-string", argv[0]);
    value port = out_port("write-string", argc, argv, 1);
    want_range("write-string", argc, argv, 2, s->len, &start, &end);
    port_write("write-string", port, s->data + start, end - start);   /* argv[0] keeps s */
    return UNSPEC;
}
static value p_flush_output_port(int argc, value *argv)
{
    value port = out_port("flush-output-port", argc, argv, 0);
    if (PORT(port)->flags & P_CONSOLE) out_flush();
    else if (PORT(port)->flags & P_FILE) fflush(PORT(port)->fp);
    return UNSPEC;
}

static value p_open_output_string(int argc, value *argv)
{
    value buf = make_string(NULL, 64);
    return make_port(P_OUT | P_STRING | P_OPEN, buf, FALSE_V);   /* len 0 */
}

static value p_get_output_string(int argc, value *argv)
{
    value p = want_port("get-output-string", argv[0]);
    if ((PORT(p)->flags & (P_OUT | P_STRING)) != (P_OUT | P_STRING))
        type_error("get-output-string", "output string port", p);
    return make_string(STR(PORT(p)->buf)->data, PORT(p)->len);
}

/* ---- input ---------------------------------------------------------------------- */

static value p_open_input_string(int argc, value *argv)
{
    struct string *s = want_string("open-input-string", argv[0]);
    value buf = make_string(s->data, s->len);   /* a copy: the string may change */
    value port = make_port(P_IN | P_STRING | P_OPEN, buf, FALSE_V);
    PORT(port)->len = STR(PORT(port)->buf)->len;
    return port;
}

static value p_read_char(int argc, value *argv)
{
    struct port *p = PORT(in_port("read-char", argc, argv, 0));
    if (p->pos >= p->len) return EOF_V;
    return MAKE_CHAR((unsigned char)STR(p->buf)->data[p->pos++]);
}

static value p_peek_char(int argc, value *argv)
{
    struct port *p = PORT(in_port("peek-char", argc, argv, 0));
    if (p->pos >= p->len) return EOF_V;
    return MAKE_CHAR((unsigned char)STR(p->buf)->data[p->pos]);
}

static value p_char_ready_p(int argc, value *argv)
{
    in_port("char-ready?", argc, argv, 0);
    return TRUE_V;   /* the text is all there (T1) */
}

static value p_read_line(int argc, value *argv)
{
    value port = in_port("read-line", argc, argv, 0);
    struct port *p = PORT(port);
    if (p->pos >= p->len) return EOF_V;
    const char *data = STR(p->buf)->data + p->pos;
    const char *nl = memchr(data, '\n', p->len - p->pos);
    size_t n = nl ? (size_t)(nl - data) : p->len - p->pos;
    size_t skip = nl ? n + 1 : n;
    if (n > 0 && data[n - 1] == '\r') n--;
    value s = make_string(data, n);   /* argv (or cur_in) keeps the port and its text */
    PORT(port)->pos += skip;
    return s;
}

static value p_read_string(int argc, value *argv)   /* (read-string k [port]) */
{
    int64_t k = want_int("read-string", argv[0]);
    if (k < 0) lisp_error("read-string: negative count %" PRId64, k);
    value port = in_port("read-string", argc, argv, 1);
    struct port *p = PORT(port);
    if (p->pos >= p->len) return EOF_V;
    size_t left = p->len - p->pos;
    size_t n = (uint64_t)k < left ? (size_t)k : left;
    value s = make_string(STR(p->buf)->data + p->pos, n);
    PORT(port)->pos += n;
    return s;
}

static value p_read(int argc, value *argv)
{
    value port = in_port("read", argc, argv, 0);
    struct port *p = PORT(port);
    struct reader r = {STR(p->buf)->data, p->len, p->pos, 1, 1};
    value d = read_datum(&r);   /* the port (a root) keeps buf */
    PORT(port)->pos = r.pos;
    return d;
}

/* ---- files ---------------------------------------------------------------------- */

static value p_open_input_file(int argc, value *argv) { return open_input_file("open-input-file", argv[0]); }
static value p_open_output_file(int argc, value *argv) { return open_output_file("open-output-file", argv[0]); }

static void close_after(value port) { port_close(port); }

static value p_call_with_output_file(int argc, value *argv)
{
    if (!procedure_p(argv[1])) type_error("call-with-output-file", "procedure", argv[1]);
    value port = open_output_file("call-with-output-file", argv[0]);
    WGC_LOCALS(port);
    return call_with_cleanup(argv[1], 1, &port, close_after, port);
}

static value p_call_with_input_file(int argc, value *argv)
{
    if (!procedure_p(argv[1])) type_error("call-with-input-file", "procedure", argv[1]);
    value port = open_input_file("call-with-input-file", argv[0]);
    WGC_LOCALS(port);
    return call_with_cleanup(argv[1], 1, &port, close_after, port);
}

static value p_call_with_port(int argc, value *argv)
{
    want_port("call-with-port", argv[0]);
    if (!procedure_p(argv[1])) type_error("call-with-port", "procedure", argv[1]);
    return call_with_cleanup(argv[1], 1, argv, close_after, argv[0]);
}

static void restore_out(value ctx)   /* ctx: (previous port . file port) */
{
    cur_out = CAR(ctx);
    port_close(CDR(ctx));
}
static void restore_in(value ctx)
{
    cur_in = CAR(ctx);
    port_close(CDR(ctx));
}

static value p_with_output_to_file(int argc, value *argv)
{
    if (!procedure_p(argv[1])) type_error("with-output-to-file", "procedure", argv[1]);
    value port = open_output_file("with-output-to-file", argv[0]);
    value ctx = cons(cur_out, port);   /* cons roots port (O1) */
    WGC_LOCALS(ctx);
    cur_out = CDR(ctx);
    return call_with_cleanup(argv[1], 0, NULL, restore_out, ctx);
}

static value p_with_input_from_file(int argc, value *argv)
{
    if (!procedure_p(argv[1])) type_error("with-input-from-file", "procedure", argv[1]);
    value port = open_input_file("with-input-from-file", argv[0]);
    value ctx = cons(cur_in, port);
    WGC_LOCALS(ctx);
    cur_in = CDR(ctx);
    return call_with_cleanup(argv[1], 0, NULL, restore_in, ctx);
}

static value p_file_exists_p(int argc, value *argv)
{
    struct stat st;
    return BOOL(stat(want_filename("file-exists?", argv[0]), &st) == 0);
}

static value p_delete_file(int argc, value *argv)
{
    const char *path = want_filename("delete-file", argv[0]);
    if (remove(path) != 0)
        lisp_error_kind(ERRK_FILE, "delete-file: cannot delete \"%s\": %s", path, strerror(errno));
    return UNSPEC;
}

/* ---- ports as values -------------------------------------------------------------- */

static value p_close_port(int argc, value *argv)
{
    port_close(want_port("close-port", argv[0]));
    return UNSPEC;
}
static value p_close_input_port(int argc, value *argv)
{
    value p = want_port("close-input-port", argv[0]);
    if (!(PORT(p)->flags & P_IN)) type_error("close-input-port", "input port", p);
    port_close(p);
    return UNSPEC;
}
static value p_close_output_port(int argc, value *argv)
{
    value p = want_port("close-output-port", argv[0]);
    if (!(PORT(p)->flags & P_OUT)) type_error("close-output-port", "output port", p);
    port_close(p);
    return UNSPEC;
}
static value p_port_p(int argc, value *argv) { return BOOL(IS(argv[0], K_PORT)); }
static value p_input_port_p(int argc, value *argv) { return BOOL(IS(argv[0], K_PORT) && (PORT(argv[0])->flags & P_IN)); }
static value p_output_port_p(int argc, value *argv) { return BOOL(IS(argv[0], K_PORT) && (PORT(argv[0])->flags & P_OUT)); }
static value p_binary_port_p(int argc, value *argv) { return FALSE_V; }
static value p_input_port_open_p(int argc, value *argv)
{
    value p = want_port("input-port-open?", argv[0]);
    return BOOL((PORT(p)->flags & (P_IN | P_OPEN)) == (P_IN | P_OPEN));
}
static value p_output_port_open_p(int argc, value *argv)
{
    value p = want_port("output-port-open?", argv[0]);
    return BOOL((PORT(p)->flags & (P_OUT | P_OPEN)) == (P_OUT | P_OPEN));
}
static value p_current_output_port(int argc, value *argv) { return cur_out; }
static value p_current_input_port(int argc, value *argv) { return cur_in; }
static value p_current_error_port(int argc, value *argv) { return console_err; }
static value p_eof_object(int argc, value *argv) { return EOF_V; }
static value p_eof_object_p(int argc, value *argv) { return BOOL(argv[0] == EOF_V); }

/* ---- the clock ------------------------------------------------------------------------ */

static int64_t now_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
/* A jiffy is a microsecond of the monotonic clock. */
static value p_current_jiffy(int argc, value *argv) { return make_int(now_ns(CLOCK_MONOTONIC) / 1000); }
static value p_jiffies_per_second(int argc, value *argv) { return MAKE_FIXNUM(1000000); }
static value p_current_second(int argc, value *argv)
{
    return make_flonum((double)now_ns(CLOCK_REALTIME) / 1e9);
}

/* Nanoseconds since lisp_clock_start (lisp_start, before wgc_init), for gc-stats. */
static int64_t start_ns;
void lisp_clock_start(void) { start_ns = now_ns(CLOCK_MONOTONIC); }
int64_t lisp_elapsed_ns(void) { return now_ns(CLOCK_MONOTONIC) - start_ns; }

/* ---- the table --------------------------------------------------------------------- */

const struct prim_def port_prims[] = {
    {"display", p_display, 1, 2}, {"write", p_write, 1, 2}, {"write-shared", p_write, 1, 2},
    {"write-simple", p_write, 1, 2}, {"newline", p_newline, 0, 1},
    {"write-char", p_write_char, 1, 2}, {"write-string", p_write_string, 1, 4},
    {"flush-output-port", p_flush_output_port, 0, 1},
    {"open-output-string", p_open_output_string, 0, 0},
    {"get-output-string", p_get_output_string, 1, 1},
    {"open-input-string", p_open_input_string, 1, 1},
    {"read-char", p_read_char, 0, 1}, {"peek-char", p_peek_char, 0, 1},
    {"char-ready?", p_char_ready_p, 0, 1}, {"read-line", p_read_line, 0, 1},
    {"read-string", p_read_string, 1, 2}, {"read", p_read, 0, 1},
    {"open-input-file", p_open_input_file, 1, 1}, {"open-output-file", p_open_output_file, 1, 1},
    {"call-with-output-file", p_call_with_output_file, 2, 2},
    {"call-with-input-file", p_call_with_input_file, 2, 2},
    {"call-with-port", p_call_with_port, 2, 2},
    {"with-output-to-file", p_with_output_to_file, 2, 2},
    {"with-input-from-file", p_with_input_from_file, 2, 2},
    {"file-exists?", p_file_exists_p, 1, 1}, {"delete-file", p_delete_file, 1, 1},
    {"close-port", p_close_port, 1, 1}, {"close-input-port", p_close_input_port, 1, 1},
    {"close-output-port", p_close_output_port, 1, 1},
    {"port?", p_port_p, 1, 1}, {"input-port?", p_input_port_p, 1, 1},
    {"output-port?", p_output_port_p, 1, 1}, {"textual-port?", p_port_p, 1, 1},
    {"binary-port?", p_binary_port_p, 1, 1},
    {"input-port-open?", p_input_port_open_p, 1, 1},
    {"output-port-open?", p_output_port_open_p, 1, 1},
    {"current-output-port", p_current_output_port, 0, 0},
    {"current-input-port", p_current_input_port, 0, 0},
    {"current-error-port", p_current_error_port, 0, 0},
    {"eof-object", p_eof_object, 0, 0}, {"eof-object?", p_eof_object_p, 1, 1},
    {"current-jiffy", p_current_jiffy, 0, 0}, {"jiffies-per-second", p_jiffies_per_second, 0, 0},
    {"current-second", p_current_second, 0, 0},
};
const size_t port_prim_count = sizeof port_prims / sizeof port_prims[0];

void ports_init(void)
{
    cur_out = cur_in = console_err = NIL;
    if (!wgc_root_add(&cur_out) || !wgc_root_add(&cur_in) || !wgc_root_add(&console_err))
        lisp_error("cannot register a root");
    cur_out = make_port(P_OUT | P_CONSOLE | P_OPEN, NIL, FALSE_V);
    console_err = make_port(P_OUT | P_CONSOLE | P_STDERR | P_OPEN, NIL, FALSE_V);
    value empty = make_string(NULL, 0);
    cur_in = make_port(P_IN | P_CONSOLE | P_OPEN | P_STDIN_PENDING, empty, FALSE_V);
}
