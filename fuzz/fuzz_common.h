/* fuzz_common.h — what the three libFuzzer targets share: failing loudly
 * (a failed check aborts, which libFuzzer reports as a crash and saves the
 * input), a byte reader over the fuzz input, and wgc's error-hook record.
 * The targets include wgc.h only, as an embedder does. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wgc.h"

/* A harness check: on failure print what was expected and abort. */
#define FZ_CHECK(cond, ...)                                                    \
    do {                                                                       \
        if (!(cond))                                                           \
            fz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                   \
    } while (0)

__attribute__((noreturn, format(printf, 4, 5)))
static void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "\nFUZZ CHECK FAILED at %s:%d: %s\n  ", file, line, cond);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    abort();
}

/* The input as a stream of bytes; past its end every read gives 0. */
struct fz_in {
    const uint8_t *p;
    size_t n, pos;
};

static inline int fz_more(const struct fz_in *in) { return in->pos < in->n; }
static inline uint8_t fz_u8(struct fz_in *in) { return in->pos < in->n ? in->p[in->pos++] : 0; }
static inline uint16_t fz_u16(struct fz_in *in)
{
    uint16_t lo = fz_u8(in);
    return (uint16_t)(lo | (uint16_t)fz_u8(in) << 8);
}
static inline uint32_t fz_u32(struct fz_in *in)
{
    uint32_t lo = fz_u16(in);
    return lo | (uint32_t)fz_u16(in) << 16;
}
static inline uint64_t fz_u64(struct fz_in *in)
{
    uint64_t lo = fz_u32(in);
    return lo | (uint64_t)fz_u32(in) << 32;
}

/* wgc's error hook: counts the calls and keeps the last one, so a target
 * can check that every failed allocation called it with the error that
 * wgc_last_error() then reports. */
struct fz_hook_record {
    unsigned long calls;
    enum wgc_error err;
    size_t size;
};
__attribute__((unused)) static struct fz_hook_record fz_hook;

__attribute__((unused)) static void fz_on_error(enum wgc_error err, size_t size, void *data)
{
    (void)data;
    fz_hook.calls++;
    fz_hook.err = err;
    fz_hook.size = size;
}

/* After an allocation call that returned NULL: the hook ran once more
 * (since `before`), with the error wgc_last_error() reports; that error is
 * one of the allowed ones (a bit set: 1u << WGC_ERR_...). */
__attribute__((unused)) static void fz_check_failure(unsigned long before, unsigned allowed, const char *what)
{
    enum wgc_error e = wgc_last_error();
    FZ_CHECK(fz_hook.calls == before + 1, "%s: NULL but the error hook ran %lu times, not once",
             what, fz_hook.calls - before);
    FZ_CHECK(fz_hook.err == e, "%s: hook saw error %d, wgc_last_error() says %d", what,
             (int)fz_hook.err, (int)e);
    FZ_CHECK((allowed >> e) & 1u, "%s: NULL with error %d (%s), not an allowed one (mask %#x)",
             what, (int)e, wgc_error_string(e), allowed);
}

#define FZ_ERR(e) (1u << (e))

#endif
