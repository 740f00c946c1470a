/* fuzz_types.c — libFuzzer target: the type-descriptor validator.
 *
 * Each input describes a few struct wgc_type values -- size, noffsets and
 * the offsets themselves, any of them huge, unaligned or out of range, an
 * offsets pointer that is NULL -- and an element count, and passes them to
 * wgc_alloc and wgc_alloc_array.  The private fields (mask_, words_,
 * state_) start at zero, as a static descriptor's do.
 *
 * A reference check written here from wgc.h's contract decides what must
 * happen:
 *   - a malformed descriptor (NULL, size 0, noffsets > 0 with a NULL
 *     offsets, an offset not a multiple of the word size or with its word
 *     reaching past size) gives NULL with WGC_ERR_BAD_TYPE, every time it
 *     is used;
 *   - a valid one with n == 0 or size * n overflowing or above the maximum
 *     heap gives NULL with WGC_ERR_BAD_SIZE; otherwise an object or NULL
 *     with WGC_ERR_NOMEM;
 *   - an object is 8-byte aligned, zeroed over size * n bytes, and
 *     wgc_usable_size(p) >= size * n;
 *   - and the pointer fields the descriptor names are traced: a small
 *     object stored in each (up to a limit) survives a collection intact
 *     while the big one is rooted, including offsets past word 64.
 * Every NULL must come with the error hook and wgc_last_error(). */
#include "fuzz_common.h"

/* Arrays of a type whose size is not a multiple of the word size: the
 * pointer fields of the elements after the first are not traced, even
 * those at aligned addresses (FINDINGS.md, F1).  While this is 1 (the
 * default) the trace check covers only the first element of such arrays;
 * the sizes are still checked. */
#ifndef FUZZ_AVOID_PACKED_ARRAYS
#define FUZZ_AVOID_PACKED_ARRAYS 0   /* F1 is fixed: packed arrays are refused, as checked */
#endif

#define WORD sizeof(void *)
#define MAX_HEAP ((size_t)64 << 20)
#define MAX_OFFSETS 24
#define NTYPES 3
#define MAX_CHILDREN 16

struct child { uint64_t id, check; };
WGC_TYPE_NOPTRS(child_type, struct child);

static struct wgc_type tys[NTYPES];
static uint32_t offs[NTYPES][MAX_OFFSETS];
static void *root;
static void *kids[MAX_CHILDREN];
static struct wgc_frame kids_frame = {NULL, 0, NULL, kids};
static int initialised;
static uint64_t next_id = 1;

static size_t pick_size(struct fz_in *in)
{
    uint8_t b = fz_u8(in);
    switch (b % 8) {
    case 0: return fz_u8(in);                       /* tiny, maybe 0, often unaligned */
    case 1: return fz_u16(in);                      /* up to 64 KiB: small and large */
    case 2: return 8 * (size_t)(fz_u8(in) + 1);     /* aligned, up to 256 words */
    case 3: return 32768 + (size_t)(int8_t)fz_u8(in);   /* around the largest class */
    case 4: return (size_t)fz_u32(in) & 0x7ffffff;  /* up to 128 MiB: around the max heap */
    case 5: return SIZE_MAX - fz_u8(in);
    case 6: return (size_t)fz_u64(in);
    default: return 12 + (size_t)(b >> 3);          /* packed-ish sizes */
    }
}

static uint32_t pick_offset(struct fz_in *in, size_t size)
{
    uint8_t b = fz_u8(in);
    uint32_t words = size / WORD > 0xffffffffu ? 0xffffffffu : (uint32_t)(size / WORD);
    switch (b % 6) {
    case 0: return (uint32_t)WORD * (fz_u8(in) % 128);
    case 1: return words ? (uint32_t)WORD * (fz_u16(in) % words) : 0;   /* in range */
    case 2: return words ? (uint32_t)WORD * (words - 1) : 0;            /* the last word */
    case 3: return (uint32_t)size - (uint32_t)(fz_u8(in) % 16);          /* near the end */
    case 4: return fz_u32(in);
    default: return (uint32_t)fz_u16(in);                               /* often unaligned */
    }
}

/* The contract, independently of wgc's own check. */
static int valid_type(const struct wgc_type *t)
{
    if (t == NULL || t->size == 0 || (t->noffsets > 0 && t->offsets == NULL))
        return 0;
    for (size_t i = 0; i < t->noffsets; i++) {
        uint64_t off = t->offsets[i];
        if (off % WORD != 0 || off + WORD > t->size)
            return 0;
    }
    return 1;
}

static void check_traced(struct wgc_type *t, size_t n, void *p)
{
    size_t nf = t->noffsets * n, stored = 0, used[MAX_CHILDREN];
    if (nf == 0)
        return;
    root = p;
    kids_frame.n = 0;
    for (size_t k = 0; k < nf && stored < MAX_CHILDREN; k += 1 + nf / MAX_CHILDREN) {
        size_t off = (k / t->noffsets) * t->size + t->offsets[k % t->noffsets];
        if (FUZZ_AVOID_PACKED_ARRAYS && t->size % WORD != 0 && k >= t->noffsets)
            break;
        int dup = 0;   /* a descriptor may name a field twice: one child per field */
        for (size_t i = 0; i < stored; i++)
            dup |= used[i] == off;
        if (dup)
            continue;
        struct child *c = wgc_alloc(&child_type);
        if (c == NULL)
            break;   /* NOMEM near the maximum: fine */
        c->id = next_id++;
        c->check = c->id * 0x9e3779b97f4a7c15ULL;
        memcpy((char *)p + off, &c, WORD);
        used[stored] = off;
        kids[stored++] = c;
    }
    /* The children are referenced only from the big object now. */
    wgc_collect();
    for (size_t i = 0; i < stored; i++) {
        struct child *c = kids[i];
        FZ_CHECK(c->check == c->id * 0x9e3779b97f4a7c15ULL,
                 "child %zu (%p) stored in a pointer field of %s (size %zu, %zu offsets, n %zu) "
                 "was not traced: it holds %llx/%llx",
                 i, (void *)c, t->name, t->size, t->noffsets, n, (unsigned long long)c->id,
                 (unsigned long long)c->check);
    }
    root = NULL;
}

static void try_alloc(struct wgc_type *t, size_t n, int array)
{
    unsigned long before = fz_hook.calls;
    void *p = array ? wgc_alloc_array(t, n) : wgc_alloc(t);
    if (!array)
        n = 1;
    if (!valid_type(t)) {
        FZ_CHECK(p == NULL, "malformed type (size %zu, %zu offsets, first %u) gave an object %p",
                 t ? t->size : 0, t ? t->noffsets : 0, t && t->noffsets && t->offsets ? t->offsets[0] : 0, p);
        fz_check_failure(before, FZ_ERR(WGC_ERR_BAD_TYPE), "malformed type");
        return;
    }
    int overflow = n == 0 || t->size > SIZE_MAX / n;
    size_t bytes = overflow ? 0 : t->size * n;
    if (overflow || bytes > MAX_HEAP) {
        FZ_CHECK(p == NULL, "size %zu x %zu (overflow %d) gave an object", t->size, n, overflow);
        fz_check_failure(before, FZ_ERR(WGC_ERR_BAD_SIZE), "bad size");
        return;
    }
    if (n > 1 && t->noffsets > 0 && t->size % WORD != 0) {
        /* wgc.h: arrays of a type with pointers need whole words. */
        FZ_CHECK(p == NULL, "array of %zu-byte elements with pointers gave an object", t->size);
        fz_check_failure(before, FZ_ERR(WGC_ERR_BAD_TYPE), "packed array");
        return;
    }
    if (p == NULL) {
        fz_check_failure(before, FZ_ERR(WGC_ERR_NOMEM), "valid type");
        return;
    }
    FZ_CHECK((uintptr_t)p % 8 == 0, "object %p not 8-byte aligned", p);
    size_t usable = wgc_usable_size(p);
    FZ_CHECK(usable >= bytes, "wgc_usable_size %zu < size %zu x n %zu = %zu (type %zu offsets)",
             usable, t->size, n, bytes, t->noffsets);
    const unsigned char *m = p;
    size_t step = bytes > (1u << 20) ? 4093 : 1;   /* sample the biggest ones */
    for (size_t i = 0; i < bytes; i += step)
        FZ_CHECK(m[i] == 0, "fresh object of %zu bytes not zeroed at byte %zu", bytes, i);
    FZ_CHECK(m[bytes - 1] == 0, "fresh object not zeroed at its last byte");
    check_traced(t, n, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!initialised) {
        struct wgc_config cfg;
        wgc_config_default(&cfg);
        cfg.max_heap = MAX_HEAP;
        cfg.on_error = fz_on_error;
        FZ_CHECK(wgc_init(&cfg) == WGC_OK, "wgc_init failed");
        FZ_CHECK(wgc_root_add(&root), "wgc_root_add failed");
        wgc_frame_push(&kids_frame);
        initialised = 1;
    }
    struct fz_in in = {data, size, 0};
    static const char *const names[NTYPES] = {"fuzzed type 0", "fuzzed type 1", "fuzzed type 2"};
    for (int i = 0; i < NTYPES; i++) {
        struct wgc_type *t = &tys[i];
        memset(t, 0, sizeof *t);   /* fresh: private fields zero */
        t->name = names[i];
        t->size = pick_size(&in);
        uint8_t b = fz_u8(&in);
        t->noffsets = b % (MAX_OFFSETS + 1);
        t->offsets = (b & 0x80) && t->noffsets > 0 && (fz_u8(&in) & 7) == 0 ? NULL : offs[i];
        for (size_t k = 0; k < t->noffsets; k++)
            offs[i][k] = pick_offset(&in, t->size);
    }
    while (fz_more(&in)) {
        uint8_t op = fz_u8(&in);
        struct wgc_type *t = op & 0x40 ? NULL : &tys[op % NTYPES];
        if (t == NULL && (fz_u8(&in) & 3) != 0)
            t = &tys[(op >> 2) % NTYPES];
        if (op & 0x80) {
            size_t n;
            switch (fz_u8(&in) % 5) {
            case 0: n = fz_u8(&in); break;
            case 1: n = fz_u16(&in); break;
            case 2: n = SIZE_MAX - fz_u8(&in); break;
            case 3: n = t && t->size ? SIZE_MAX / t->size + (size_t)(int8_t)fz_u8(&in) : 1; break;
            default: n = (size_t)fz_u64(&in); break;
            }
            try_alloc(t, n, 1);
        } else {
            try_alloc(t, 1, 0);
        }
    }
    /* Drop everything, so the next input starts from an empty heap. */
    root = NULL;
    kids_frame.n = 0;
    wgc_collect();
    char msg[300];
    FZ_CHECK(wgc_verify(msg, sizeof msg), "wgc_verify: %s", msg);
    return 0;
}
