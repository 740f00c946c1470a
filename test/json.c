/* json.c — the tests' strict JSON reader (see json.h). */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 32

static bool more(const struct json *p)
{
    return p->i < p->n;
}

static char peek(const struct json *p)
{
    return p->s[p->i];
}

void json_ws(struct json *p)
{
    while (more(p) && (peek(p) == ' ' || peek(p) == '\t' || peek(p) == '\r' || peek(p) == '\n'))
        p->i++;
}

bool json_eat(struct json *p, char c)
{
    json_ws(p);
    if (!more(p) || peek(p) != c)
        return false;
    p->i++;
    return true;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool json_string(struct json *p, char *out, size_t len)
{
    size_t k = 0;
    if (!json_eat(p, '"'))
        return false;
    while (more(p)) {
        unsigned char c = (unsigned char)p->s[p->i++];
        if (c == '"') {
            if (out != NULL && len > 0)
                out[k] = '\0';
            return true;
        }
        if (c < 0x20)   /* control characters must be escaped */
            return false;
        if (c == '\\') {
            if (!more(p))
                return false;
            char e = p->s[p->i++];
            if (e == 'u') {
                for (int j = 0; j < 4; j++)
                    if (!more(p) || !is_hex(p->s[p->i++]))
                        return false;
            } else if (e == '\0' || strchr("\"\\/bfnrt", e) == NULL) {
                return false;
            }
        }
        if (out != NULL && k + 1 < len)
            out[k++] = (char)c;
    }
    return false;   /* no closing quote */
}

static bool digits(struct json *p)
{
    size_t start = p->i;
    while (more(p) && peek(p) >= '0' && peek(p) <= '9')
        p->i++;
    return p->i > start;
}

bool json_number(struct json *p, double *out)
{
    json_ws(p);
    size_t start = p->i;
    if (more(p) && peek(p) == '-')
        p->i++;
    if (more(p) && peek(p) == '0')
        p->i++;            /* a zero stands alone: no 01 */
    else if (!digits(p))
        return false;
    if (more(p) && peek(p) == '.') {
        p->i++;
        if (!digits(p))    /* no 1. */
            return false;
    }
    if (more(p) && (peek(p) == 'e' || peek(p) == 'E')) {
        p->i++;
        if (more(p) && (peek(p) == '+' || peek(p) == '-'))
            p->i++;
        if (!digits(p))
            return false;
    }
    if (out != NULL) {
        char buf[64];
        size_t len = p->i - start;
        if (len > sizeof buf - 1)
            len = sizeof buf - 1;
        memcpy(buf, p->s + start, len);
        buf[len] = '\0';
        *out = strtod(buf, NULL);
    }
    return true;
}

bool json_literal(struct json *p, const char *word)
{
    json_ws(p);
    size_t len = strlen(word);
    if (p->n - p->i < len || memcmp(p->s + p->i, word, len) != 0)
        return false;
    p->i += len;
    return true;
}

bool json_value(struct json *p, int depth, char *sv, size_t svlen, double *nv)
{
    if (depth > JSON_MAX_DEPTH)
        return false;
    json_ws(p);
    if (!more(p))
        return false;
    switch (peek(p)) {
    case '{':
        p->i++;
        if (json_eat(p, '}'))
            return true;
        do {
            if (!json_string(p, NULL, 0) || !json_eat(p, ':') ||
                !json_value(p, depth + 1, NULL, 0, NULL))
                return false;
        } while (json_eat(p, ','));
        return json_eat(p, '}');
    case '[':
        p->i++;
        if (json_eat(p, ']'))
            return true;
        do {
            if (!json_value(p, depth + 1, NULL, 0, NULL))
                return false;
        } while (json_eat(p, ','));
        return json_eat(p, ']');
    case '"':
        return json_string(p, sv, svlen);
    case 't':
        return json_literal(p, "true");
    case 'f':
        return json_literal(p, "false");
    case 'n':
        return json_literal(p, "null");
    default:
        return json_number(p, nv);
    }
}

bool json_at_end(struct json *p)
{
    json_ws(p);
    return !more(p);
}
