/* json.h — a strict JSON reader for the tests (test/json.c), a shared test
 * source: it accepts exactly what JSON.parse accepts (RFC 8259's grammar:
 * no trailing commas, no leading zeros, no bare dots, no raw control
 * characters in strings), so that a file it reads is one Node reads too.
 *
 * It reads through a cursor and builds nothing: a caller walks the
 * structure it expects with json_eat / json_string / json_value and keeps
 * what it needs.  Every function skips the white space before its token;
 * on failure the cursor is left where the text went wrong. */
#ifndef WGC_TEST_JSON_H
#define WGC_TEST_JSON_H

#include <stdbool.h>
#include <stddef.h>

struct json {
    const char *s;   /* the text */
    size_t i, n;     /* the cursor, and the text's length */
};

/* Skip white space. */
void json_ws(struct json *p);

/* Take the character c if it comes next. */
bool json_eat(struct json *p, char c);

/* A string; its first len-1 bytes (escapes kept raw) go to out if given. */
bool json_string(struct json *p, char *out, size_t len);

/* A number; its value goes to *out if given. */
bool json_number(struct json *p, double *out);

/* The literal word (true, false or null). */
bool json_literal(struct json *p, const char *word);

/* Any value, nested at most 32 deep below `depth`.  A string's text goes
 * to sv (svlen bytes) and a number's value to *nv, when given. */
bool json_value(struct json *p, int depth, char *sv, size_t svlen, double *nv);

/* Nothing but white space is left. */
bool json_at_end(struct json *p);

#endif
