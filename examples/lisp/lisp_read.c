/* lisp_read.c — the reader: Scheme text to values on the wgc heap.
 * Below: lisp_obj.c (constructors, intern).  Above: lisp_api.c.
 *
 * Reads lists (with `.`), vectors #( ), quote/quasiquote/unquote
 * abbreviations, strings with \n \t \\ \" \xHH; escapes, characters
 * (#\a #\space #\newline #\tab #\nul #\xHH), booleans, integers (64-bit,
 * a larger literal is an error), decimals and exponents (flonums), and
 * symbols (case-sensitive).  Comments: ; to end of line, #| |#, #; datum.
 *
 * Invariants:
 *   R1. A partly built list is held by registered locals (head, tail)
 *       while the next element is read (L3).
 *   R2. Nesting deeper than READ_MAX_DEPTH is an error, not a C stack
 *       overflow: the reader recurses once per open list.
 *   R3. The text is text[0..len), followed by a NUL (lookahead may read
 *       it).  Every byte is taken through peekc/nextc, which report a NUL
 *       byte inside the text as a read error: source text cannot end early
 *       and silently at a stray NUL.
 *   R4. A numeric token of any length reads as a number (or an error for
 *       an integer beyond 64 bits), never as a symbol.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lisp.h"

#define READ_MAX_DEPTH 2000

static value read_at(struct reader *r, int depth);

_Noreturn static void read_error(struct reader *r, const char *what)
{
    lisp_error_kind(ERRK_READ, "read error (line %d): %s", r->line, what);
}

/* The next byte, 0 at the end of the text (R3). */
static int peekc(struct reader *r)
{
    if (r->pos >= r->len) return 0;
    int c = (unsigned char)r->text[r->pos];
    if (c == 0) read_error(r, "NUL character in source (a string may write it as \\x0;)");
    return c;
}

static int nextc(struct reader *r)
{
    int c = peekc(r);
    if (c) {
        r->pos++;
        if (c == '\n') r->line++;
    }
    return c;
}

static bool delimiter(int c)
{
    return c == 0 || isspace(c) || c == '(' || c == ')' || c == '[' || c == ']' ||
           c == '"' || c == ';' || c == '\'' || c == '`' || c == ',';
}

/* Skip white space and comments.  `#;` comments need the reader. */
static void skip_space(struct reader *r, int depth)
{
    for (;;) {
        int c = peekc(r);
        if (isspace(c)) {
            nextc(r);
        } else if (c == ';') {
            while (peekc(r) && peekc(r) != '\n') nextc(r);
        } else if (c == '#' && r->text[r->pos + 1] == '|') {
            int line = r->line, level = 0;
            do {
                c = nextc(r);
                if (c == '#' && peekc(r) == '|') { nextc(r); level++; }
                else if (c == '|' && peekc(r) == '#') { nextc(r); level--; }
            } while (c && level > 0);
            if (level > 0) {
                r->line = line;
                read_error(r, "unterminated #| comment");
            }
        } else if (c == '#' && r->text[r->pos + 1] == ';') {
            r->pos += 2;
            if (read_at(r, depth + 1) == EOF_V) read_error(r, "#; before end of input");
        } else {
            return;
        }
    }
}

static value read_list(struct reader *r, int close, int depth)
{
    value head = NIL, tail = NIL, item = NIL;
    WGC_LOCALS(head, tail, item);   /* R1 */
    for (;;) {
        skip_space(r, depth);
        int c = peekc(r);
        if (c == 0) {
            r->line = r->datum_line;
            read_error(r, "unbalanced parentheses: missing ')'");
        }
        if (c == ')' || c == ']') {
            if (c != close) read_error(r, "mismatched brackets");
            nextc(r);
            return head;
        }
        if (c == '.' && delimiter((unsigned char)r->text[r->pos + 1]) && head != NIL) {
            nextc(r);
            item = read_at(r, depth + 1);
            if (item == EOF_V) {
                r->line = r->datum_line;
                read_error(r, "unbalanced parentheses: missing ')'");
            }
            SET_CDR(tail, item);
            skip_space(r, depth);
            c = peekc(r);
            if (c != ')' && c != ']') read_error(r, "bad dotted list");
            nextc(r);
            return head;
        }
        item = read_at(r, depth + 1);
        if (item == EOF_V) {
            r->line = r->datum_line;
            read_error(r, "unbalanced parentheses: missing ')'");
        }
        item = cons(item, NIL);
        if (head == NIL) head = item;
        else SET_CDR(tail, item);
        tail = item;
    }
}

static value read_vector(struct reader *r, int depth)
{
    value l = read_list(r, ')', depth), v = NIL;
    WGC_LOCALS(l, v);
    int64_t n = list_length(l);
    if (n < 0) read_error(r, "bad vector syntax");
    v = make_vector((size_t)n, FALSE_V);
    for (int64_t i = 0; i < n; i++, l = CDR(l)) VEC_ITEMS(v)[i] = CAR(l);
    return v;
}

/* #u8(byte ...) */
static value read_bytevector(struct reader *r, int depth)
{
    value l = read_list(r, ')', depth), v = NIL;
    WGC_LOCALS(l, v);
    int64_t n = list_length(l);
    if (n < 0) read_error(r, "bad bytevector syntax");
    for (value x = l; PAIR_P(x); x = CDR(x))
        if (!FIXNUM_P(CAR(x)) || FIXNUM_VAL(CAR(x)) < 0 || FIXNUM_VAL(CAR(x)) > 255)
            read_error(r, "bytevector element is not a byte (0-255)");
    v = make_bytevector_checked("read", n);
    unsigned char *d = ((struct bytevector *)v)->data;
    for (; PAIR_P(l); l = CDR(l)) *d++ = (unsigned char)FIXNUM_VAL(CAR(l));
    return v;
}

/* The reader's string buffer: kept and reused, so an error that longjmps
 * out of read_string (a bad escape, out of memory) leaks nothing.  It
 * never holds values. */
static char *strbuf;
static size_t strcap;

static value read_string(struct reader *r)
{
    size_t n = 0;
    if (!strbuf) {
        strbuf = malloc(64);
        if (!strbuf) lisp_error("out of memory");
        strcap = 64;
    }
    int line = r->line;
    for (;;) {
        int c = nextc(r);
        if (c == 0) {
            r->line = line;
            read_error(r, "unterminated string");
        }
        if (c == '"') break;
        if (c == '\\') {
            c = nextc(r);
            switch (c) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'a': c = 7; break;
            case '0': c = 0; break;
            case '\\': case '"': break;
            case 'x': {
                char *end;
                long code = strtol(r->text + r->pos, &end, 16);
                if (*end != ';' || code < 0 || code > 255)
                    read_error(r, "bad \\x escape in string");
                r->pos = (size_t)(end + 1 - r->text);
                c = (int)code;
                break;
            }
            case '\n':   /* line continuation: skip leading blanks */
                while (peekc(r) == ' ' || peekc(r) == '\t') nextc(r);
                continue;
            default:
                read_error(r, "unknown escape in string");
            }
        }
        if (n + 1 >= strcap) {
            char *nb = realloc(strbuf, strcap * 2);
            if (!nb) lisp_error("out of memory");
            strbuf = nb;
            strcap *= 2;
        }
        strbuf[n++] = (char)c;
    }
    return make_string(strbuf, n);
}

static const struct { const char *name; int code; } char_names[] = {
    {"space", ' '}, {"newline", '\n'}, {"tab", '\t'}, {"nul", 0}, {"null", 0},
    {"return", '\r'}, {"linefeed", '\n'}, {"alarm", 7}, {"backspace", 8},
    {"delete", 127}, {"escape", 27},
};

static value read_char(struct reader *r)
{
    size_t start = r->pos;
    nextc(r);   /* the first character is taken even if it is a delimiter */
    while (!delimiter(peekc(r))) nextc(r);
    size_t len = r->pos - start;
    const char *s = r->text + start;
    if (len == 1) return MAKE_CHAR((unsigned char)s[0]);
    for (size_t i = 0; i < sizeof char_names / sizeof char_names[0]; i++)
        if (strlen(char_names[i].name) == len && memcmp(char_names[i].name, s, len) == 0)
            return MAKE_CHAR(char_names[i].code);
    if (s[0] == 'x' && len > 1) {
        char *end;
        long code = strtol(s + 1, &end, 16);
        if (end == s + len && code >= 0 && code < 256) return MAKE_CHAR(code);
    }
    read_error(r, "unknown character name");
}

/* A number, or false if the token is not one (R4). */
bool read_number(const char *tok, size_t len, value *out)
{
    if (len == 0 || memchr(tok, 0, len)) return false;
    const char *p = tok, *end = tok + len;
    if (*p == '+' || *p == '-') p++;
    if (p == end) return false;
    if (!isdigit((unsigned char)*p) &&
        !(*p == '.' && p + 1 < end && isdigit((unsigned char)p[1])))
        return false;
    bool is_int = true;
    for (const char *q = p; q < end; q++)
        if (!isdigit((unsigned char)*q)) is_int = false;
    char small[128];   /* most tokens; a longer one gets a scratch copy */
    char *buf = len < sizeof small ? small : malloc(len + 1);
    if (!buf) lisp_error("out of memory");
    memcpy(buf, tok, len);
    buf[len] = 0;
    char *stop;
    long long n = 0;
    double d = 0;
    bool ok = true, too_large = false;
    if (is_int) {
        errno = 0;
        n = strtoll(buf, &stop, 10);
        too_large = errno == ERANGE;
    } else {
        d = strtod(buf, &stop);
        ok = *stop == 0;
    }
    if (buf != small) free(buf);   /* before anything that may longjmp */
    if (too_large)
        lisp_error_kind(ERRK_READ, "integer literal too large (beyond 64 bits): %.40s%s", tok,
                   len > 40 ? "..." : "");
    if (!ok) return false;
    *out = is_int ? make_int(n) : make_flonum(d);
    return true;
}

static value read_atom(struct reader *r)
{
    size_t start = r->pos;
    while (!delimiter(peekc(r))) nextc(r);
    const char *tok = r->text + start;
    size_t len = r->pos - start;
    value num;
    if (read_number(tok, len, &num)) return num;
    if (len == 6 && memcmp(tok, "+inf.0", 6) == 0) return make_flonum(1.0 / 0.0);
    if (len == 6 && memcmp(tok, "-inf.0", 6) == 0) return make_flonum(-1.0 / 0.0);
    if (len == 6 && memcmp(tok, "+nan.0", 6) == 0) return make_flonum(0.0 / 0.0);
    return intern(tok, len);
}

static value read_at(struct reader *r, int depth)
{
    if (depth > READ_MAX_DEPTH) read_error(r, "nesting too deep");   /* R2 */
    skip_space(r, depth);
    int c = peekc(r);
    if (c == 0) return EOF_V;
    switch (c) {
    case '(': nextc(r); return read_list(r, ')', depth);
    case '[': nextc(r); return read_list(r, ']', depth);
    case ')': case ']':
        nextc(r);
        read_error(r, "unbalanced parentheses: unexpected ')'");
    case '"': nextc(r); return read_string(r);
    case '\'': case '`': case ',': {
        value sym = sym_quote;
        nextc(r);
        if (c == '`') sym = sym_quasiquote;
        if (c == ',') {
            sym = sym_unquote;
            if (peekc(r) == '@') { nextc(r); sym = sym_unquote_splicing; }
        }
        value d = read_at(r, depth + 1);
        if (d == EOF_V) read_error(r, "quote before end of input");
        d = cons(d, NIL);
        return cons(sym, d);
    }
    case '#': {
        int c2 = (unsigned char)r->text[r->pos + 1];
        if (c2 == '(') { r->pos += 2; return read_vector(r, depth); }
        if (c2 == 'u' && r->text[r->pos + 2] == '8' && r->text[r->pos + 3] == '(') {
            r->pos += 4;
            return read_bytevector(r, depth);
        }
        if (c2 == '\\') { r->pos += 2; return read_char(r); }
        size_t start = r->pos;
        while (!delimiter(peekc(r))) nextc(r);
        size_t len = r->pos - start;
        const char *tok = r->text + start;
        if (len > 2 && strchr("xXbBoOdD", tok[1])) {   /* #x1F #b101 #o17 #d10 */
            int base = strchr("xX", tok[1]) ? 16 : strchr("bB", tok[1]) ? 2
                     : strchr("oO", tok[1]) ? 8 : 10;
            char buf[80], *end;
            if (len - 2 >= sizeof buf) read_error(r, "number literal too long");
            memcpy(buf, tok + 2, len - 2);
            buf[len - 2] = 0;
            errno = 0;
            long long n = strtoll(buf, &end, base);
            if (*end || end == buf || isspace((unsigned char)buf[0])) read_error(r, "bad number literal");
            if (errno == ERANGE) read_error(r, "integer literal too large (beyond 64 bits)");
            return make_int(n);
        }
        if ((len == 2 && tok[1] == 't') || (len == 5 && memcmp(tok, "#true", 5) == 0))
            return TRUE_V;
        if ((len == 2 && tok[1] == 'f') || (len == 6 && memcmp(tok, "#false", 6) == 0))
            return FALSE_V;
        read_error(r, "unknown # syntax");
    }
    default:
        return read_atom(r);
    }
}

value read_datum(struct reader *r)
{
    skip_space(r, 0);
    r->datum_line = r->line;   /* where an unclosed list is reported */
    return read_at(r, 0);
}

int read_incomplete(const char *s, size_t len)
{
    int depth = 0;
    if (memchr(s, 0, len)) return 0;   /* the reader reports the NUL (R3) */
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        if (c == ';') {
            while (s[i + 1] && s[i + 1] != '\n') i++;
        } else if (c == '"') {
            for (i++; s[i] != '"'; i++) {
                if (!s[i]) return 1;
                if (s[i] == '\\' && s[i + 1]) i++;
            }
        } else if (c == '#' && s[i + 1] == '\\') {
            i += 2;                 /* #\( is a character, not a paren */
            if (!s[i]) return 0;
        } else if (c == '#' && s[i + 1] == '|') {
            const char *end = strstr(s + i + 2, "|#");
            if (!end) return 1;
            i = (size_t)(end - s) + 1;
        } else if (c == '(' || c == '[') {
            depth++;
        } else if (c == ')' || c == ']') {
            if (--depth < 0) return 0;   /* the reader reports it */
        }
    }
    return depth > 0;
}
