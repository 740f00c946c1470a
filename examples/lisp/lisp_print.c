/* lisp_print.c — the printer: display and write, through a small output
 * buffer to the embedder's sink (stdout/stderr natively, JS callbacks or
 * Node's streams on wasm).
 * Below: lisp_obj.c.  Above: lisp_prims.c, lisp_api.c.
 *
 * Invariants:
 *   P1. The printer never allocates on the wgc heap, so it needs no roots
 *       and cannot trigger a collection halfway through a structure.
 *   P2. Nesting in car position deeper than PRINT_MAX_DEPTH prints as
 *       "..." instead of overflowing the C stack; cdr chains are a loop.
 *   P3. A flonum prints in the shortest form that reads back as the same
 *       double, always with a '.' or an exponent (3.0, not 3).
 *   P4. Printing ends: a cdr cycle prints as "...)" (found by a slow
 *       pointer), and one call prints at most PRINT_MAX_NODES values.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lisp.h"

#define PRINT_MAX_DEPTH 1000
#define PRINT_MAX_NODES 1000000   /* values printed by one call (P4) */
static size_t print_budget;

void (*lisp_sink)(int fd, const char *s, size_t n);

static char outbuf[4096];
static size_t outlen;

/* When set, output goes to this buffer instead (format_value); with grow
 * set, buf is malloc'ed and grows (print_to_scratch). */
static struct capture { char *buf; size_t len, pos; bool grow; } *capture;

void out_flush(void)
{
    if (outlen && lisp_sink) lisp_sink(1, outbuf, outlen);
    outlen = 0;
}

void out_str(const char *s, size_t n)
{
    if (capture) {
        if (capture->grow && capture->pos + n + 1 > capture->len) {
            size_t cap = capture->len * 2;
            while (cap < capture->pos + n + 1) cap *= 2;
            char *nb = realloc(capture->buf, cap);
            if (nb) {   /* else the text is cut short */
                capture->buf = nb;
                capture->len = cap;
            }
        }
        for (size_t i = 0; i < n && capture->pos + 1 < capture->len; i++)
            capture->buf[capture->pos++] = s[i];
        return;
    }
    while (n > 0) {
        if (outlen == sizeof outbuf) out_flush();
        size_t k = sizeof outbuf - outlen;
        if (k > n) k = n;
        memcpy(outbuf + outlen, s, k);
        outlen += k;
        s += k;
        n -= k;
    }
}

void out_cstr(const char *s) { out_str(s, strlen(s)); }

void format_double(char *buf, size_t len, double d)
{
    if (isnan(d)) { snprintf(buf, len, "+nan.0"); return; }
    if (isinf(d)) { snprintf(buf, len, d > 0 ? "+inf.0" : "-inf.0"); return; }
    /* P3: the fewest significant digits that read back as d ... */
    char e[40];
    int prec;
    for (prec = 1; prec < 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, d);
        if (strtod(e, NULL) == d) break;
    }
    snprintf(e, sizeof e, "%.*e", prec - 1, d);
    /* ... then laid out positionally for 1e-6 <= |d| < 1e21, else as
     * digits with an exponent: "-1.5e-9". */
    char digits[24];
    size_t nd = 0;
    const char *p = e + (e[0] == '-');
    for (; *p && *p != 'e'; p++)
        if (*p != '.') digits[nd++] = *p;
    digits[nd] = 0;
    int exp10 = atoi(p + 1);
    char out[64];
    size_t k = 0;
    if (signbit(d)) out[k++] = '-';
    if (d == 0 || (exp10 >= -6 && exp10 < 21)) {
        if (exp10 < 0) {   /* 0.000ddd */
            out[k++] = '0';
            out[k++] = '.';
            for (int i = -1; i > exp10; i--) out[k++] = '0';
            for (size_t i = 0; i < nd; i++) out[k++] = digits[i];
        } else {           /* ddd.ddd, with at least one digit after the point */
            for (int i = 0; i <= exp10; i++) out[k++] = (size_t)i < nd ? digits[i] : '0';
            out[k++] = '.';
            if ((size_t)exp10 + 1 >= nd) out[k++] = '0';
            for (size_t i = (size_t)exp10 + 1; i < nd; i++) out[k++] = digits[i];
        }
        out[k] = 0;
    } else {
        out[k++] = digits[0];
        if (nd > 1) {
            out[k++] = '.';
            for (size_t i = 1; i < nd; i++) out[k++] = digits[i];
        }
        snprintf(out + k, sizeof out - k, "e%d", exp10);
    }
    snprintf(buf, len, "%s", out);
}

static void print_string(const struct string *s, bool write)
{
    if (!write) {
        out_str(s->data, s->len);
        return;
    }
    out_str("\"", 1);
    for (size_t i = 0; i < s->len; i++) {
        unsigned char c = (unsigned char)s->data[i];
        char esc[8];
        switch (c) {
        case '"': out_str("\\\"", 2); break;
        case '\\': out_str("\\\\", 2); break;
        case '\n': out_str("\\n", 2); break;
        case '\t': out_str("\\t", 2); break;
        case '\r': out_str("\\r", 2); break;
        default:
            if (c < 32 || c == 127) {
                snprintf(esc, sizeof esc, "\\x%x;", c);
                out_cstr(esc);
            } else {
                out_str((const char *)&c, 1);
            }
        }
    }
    out_str("\"", 1);
}

static void print_char(int c, bool write)
{
    char buf[16];
    if (!write) {
        char ch = (char)c;
        out_str(&ch, 1);
        return;
    }
    const char *name = NULL;
    switch (c) {
    case ' ': name = "space"; break;
    case '\n': name = "newline"; break;
    case '\t': name = "tab"; break;
    case '\r': name = "return"; break;
    case 0: name = "nul"; break;
    case 127: name = "delete"; break;
    case 27: name = "escape"; break;
    }
    if (name) snprintf(buf, sizeof buf, "#\\%s", name);
    else if (c < 32 || c > 126) snprintf(buf, sizeof buf, "#\\x%x", c);
    else snprintf(buf, sizeof buf, "#\\%c", c);
    out_cstr(buf);
}

static void print_at(value v, bool write, int depth)
{
    char buf[64];
    if (depth > PRINT_MAX_DEPTH || print_budget == 0) {   /* P2, P4 */
        out_cstr("...");
        return;
    }
    print_budget--;
    if (FIXNUM_P(v)) {
        snprintf(buf, sizeof buf, "%" PRIdPTR, FIXNUM_VAL(v));
        out_cstr(buf);
        return;
    }
    if (CHAR_P(v)) {
        print_char(CHAR_VAL(v), write);
        return;
    }
    if (!HEAP_P(v)) {
        const char *s = "#<unknown>";
        switch (v) {
        case NIL: s = "()"; break;
        case TRUE_V: s = "#t"; break;
        case FALSE_V: s = "#f"; break;
        case UNSPEC: s = "#<unspecified>"; break;
        case EOF_V: s = "#<eof>"; break;
        case DEFAULT_V: s = "#<undefined>"; break;
        case UNBOUND: s = "#<unbound>"; break;
        }
        out_cstr(s);
        return;
    }
    switch (KIND_OF(v)) {
    case K_PAIR: {
        value slow = v;   /* P4: a cdr cycle ends the list with "..." */
        bool step = false;
        out_str("(", 1);
        for (;;) {
            print_at(CAR(v), write, depth + 1);
            v = CDR(v);
            if (!PAIR_P(v)) break;
            out_str(" ", 1);
            if (step) slow = CDR(slow);
            step = !step;
            if (v == slow || print_budget == 0) {
                out_str("...)", 4);
                return;
            }
        }
        if (v != NIL) {
            out_str(" . ", 3);
            print_at(v, write, depth + 1);
        }
        out_str(")", 1);
        return;
    }
    case K_SYMBOL:
        print_string(STR(SYM(v)->name), false);
        return;
    case K_STRING:
        print_string(STR(v), write);
        return;
    case K_FLONUM:
        format_double(buf, sizeof buf, ((struct flonum *)v)->d);
        out_cstr(buf);
        return;
    case K_BIGINT:
        snprintf(buf, sizeof buf, "%" PRId64, ((struct bigint *)v)->n);
        out_cstr(buf);
        return;
    case K_VECTOR:
        out_str("#(", 2);
        for (size_t i = 0; i < VEC_LEN(v); i++) {
            if (i) out_str(" ", 1);
            print_at(VEC_ITEMS(v)[i], write, depth + 1);
        }
        out_str(")", 1);
        return;
    case K_CLOSURE: {
        value name = ((struct closure *)v)->name;
        out_cstr("#<procedure");
        if (SYMBOL_P(name)) {
            out_str(" ", 1);
            print_at(name, false, depth + 1);
        }
        out_str(">", 1);
        return;
    }
    case K_PRIM:
        out_cstr("#<primitive ");
        print_at(((struct prim *)v)->name, false, depth + 1);
        out_str(">", 1);
        return;
    case K_ENV:
        out_cstr("#<environment>");
        return;
    case K_VALUES:
        for (value l = ((struct values *)v)->list; PAIR_P(l); l = CDR(l)) {
            print_at(CAR(l), write, depth + 1);
            if (PAIR_P(CDR(l))) out_str(" ", 1);
        }
        return;
    case K_PROMISE:
        out_cstr("#<promise>");
        return;
    case K_CONT:
        out_cstr("#<continuation>");
        return;
    case K_RECORD: {
        value t = REC_TYPE(v);
        if (error_object_p(v)) {
            char msg[300];
            format_condition(msg, sizeof msg, v);
            out_cstr("#<error ");
            out_cstr(msg);
            out_str(">", 1);
            return;
        }
        out_cstr("#<");
        print_at(((struct rectype *)t)->name, false, depth + 1);
        for (size_t i = 0; i < ((struct rectype *)t)->nfields; i++) {
            out_str(" ", 1);
            print_at(REC_FIELDS(v)[i], write, depth + 1);
        }
        out_str(">", 1);
        return;
    }
    case K_RECTYPE:
        out_cstr("#<record-type ");
        print_at(((struct rectype *)v)->name, false, depth + 1);
        out_str(">", 1);
        return;
    case K_BYTEVECTOR: {
        const struct bytevector *b = (const struct bytevector *)v;
        out_str("#u8(", 4);
        for (size_t i = 0; i < b->len; i++) {
            snprintf(buf, sizeof buf, i ? " %u" : "%u", b->data[i]);
            out_cstr(buf);
        }
        out_str(")", 1);
        return;
    }
    case K_PORT:
        out_cstr("#<port>");
        return;
    case K_PARAM:
        out_cstr("#<parameter>");
        return;
    case K_CASELAMBDA: {
        value name = ((struct caselambda *)v)->name;
        out_cstr("#<procedure");
        if (SYMBOL_P(name)) {
            out_str(" ", 1);
            print_at(name, false, depth + 1);
        }
        out_str(">", 1);
        return;
    }
    case K_EPHEMERON:
        out_cstr("#<ephemeron>");
        return;
    case K_GUARDIAN:
        out_cstr("#<guardian>");
        return;
    case K_HASHTABLE:
        out_cstr("#<hash-table>");
        return;
    case K_COUNT:
        break;
    }
    out_cstr("#<corrupt object>");
}

void print_value(value v, bool write)
{
    print_budget = PRINT_MAX_NODES;
    print_at(v, write, 0);
}

const char *print_to_scratch(value v, bool write, size_t *len)
{
    static char *scratch;
    static size_t cap;
    if (!scratch) {
        scratch = malloc(256);
        cap = scratch ? 256 : 0;
    }
    struct capture c = {scratch, cap, 0, true}, *saved = capture;
    capture = &c;
    print_budget = PRINT_MAX_NODES;
    if (c.len) print_at(v, write, 0);
    capture = saved;
    scratch = c.buf;
    cap = c.len;
    *len = c.pos;
    return scratch ? scratch : "";
}

void format_value(char *buf, size_t len, value v, bool write)
{
    struct capture c = {buf, len, 0, false}, *saved = capture;
    capture = &c;
    print_budget = PRINT_MAX_NODES;
    print_at(v, write, PRINT_MAX_DEPTH - 8);   /* short: messages are one line */
    capture = saved;
    buf[c.pos] = 0;
}
