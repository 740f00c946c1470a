/* roots.c — where the collector starts: global slots, conservative ranges
 * and the shadow stack of local frames (runtime layer).
 * Below: arch/sys.h (the tables' memory).  Used by: gc.c.
 *
 * Global slots and ranges live in tables from sys_alloc that double when
 * full (never libc malloc).  Local frames live in the embedder's C frames,
 * linked from wgc_frames_top (wgc.h); nothing here allocates for them.
 *
 * INVARIANTS
 *   O1. A slot added n times is in the table n times; removing it takes one.
 *   O2. The tables' memory is counted in roots_metadata_bytes.
 */
#include <string.h>

#include "internal.h"

struct wgc_frame *wgc_frames_top;

struct range {
    uintptr_t start, len;
};

static struct gc_table globals = {NULL, 0, 0, sizeof(void *), 0};
static struct gc_table ranges = {NULL, 0, 0, sizeof(struct range), 0};

uint64_t roots_metadata_bytes(void)
{
    return globals.bytes + ranges.bytes;
}

bool wgc_root_add(void *slot)
{
    if (slot == NULL || (uintptr_t)slot % sizeof(void *) != 0) {
        gc.last_error = WGC_ERR_BAD_ARG;
        return false;
    }
    if (!gc_table_push(&globals, &slot)) {
        gc.last_error = WGC_ERR_NOMEM;
        return false;
    }
    return true;
}

bool wgc_root_remove(void *slot)
{
    void **items = globals.items;
    for (size_t i = globals.n; i-- > 0;)
        if (items[i] == slot) {
            gc_table_remove(&globals, i);
            return true;
        }
    gc.last_error = WGC_ERR_BAD_ARG;
    return false;
}

bool wgc_range_add(const void *start, size_t len)
{
    struct range r = {(uintptr_t)start, len};
    if (start == NULL || len == 0 || r.start + len < r.start) {
        gc.last_error = WGC_ERR_BAD_ARG;
        return false;
    }
    if (!gc_table_push(&ranges, &r)) {
        gc.last_error = WGC_ERR_NOMEM;
        return false;
    }
    return true;
}

bool wgc_range_remove(const void *start)
{
    struct range *items = ranges.items;
    for (size_t i = ranges.n; i-- > 0;)
        if (items[i].start == (uintptr_t)start) {
            gc_table_remove(&ranges, i);
            return true;
        }
    gc.last_error = WGC_ERR_BAD_ARG;
    return false;
}

void wgc_frame_misuse_(const struct wgc_frame *f)
{
    (void)f;
    sys_fatal("wgc_frame_pop: a frame popped out of order (frames are LIFO; after a longjmp, "
              "wgc_frames_restore)");
}

/* A frame's slot address that is NULL or misaligned holds no root: it is
 * skipped, and debug builds stop there (wgc.h). */
static bool bad_slot(const void *slot)
{
    if (slot != NULL && (uintptr_t)slot % sizeof(void *) == 0)
        return false;
    if (WGC_DEBUG >= 2)
        sys_fatal("roots: a frame's slot address is NULL or misaligned");
    return true;
}

void roots_scan(void (*mark)(uintptr_t), void (*mark_conservative)(uintptr_t))
{
    void **slots = globals.items;
    for (size_t i = 0; i < globals.n; i++)
        mark(*(uintptr_t *)slots[i]);
    for (struct wgc_frame *f = wgc_frames_top; f != NULL; f = f->prev) {
        if (f->slots != NULL) {
            for (size_t i = 0; i < f->n; i++)
                if (!bad_slot(f->slots[i]))
                    mark(*(const uintptr_t *)f->slots[i]);
        } else if (f->array != NULL && !bad_slot(f->array)) {
            for (size_t i = 0; i < f->n; i++)
                mark((uintptr_t)f->array[i]);
        }
    }
    struct range *r = ranges.items;
    for (size_t i = 0; i < ranges.n; i++) {
        uintptr_t p = (r[i].start + HEAP_WORD - 1) & ~(uintptr_t)(HEAP_WORD - 1);
        for (; p + HEAP_WORD <= r[i].start + r[i].len; p += HEAP_WORD)
            mark_conservative(*(uintptr_t *)p);
    }
}
