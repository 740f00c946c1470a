/* verify.c — the heap verifier, wgc_verify (runtime layer).
 * Below: cache.c and heap/ (it settles the heap first: nothing current,
 * nothing unswept), arch/.  Above: gc.c (verify_each_gc), the embedder.
 *
 * It walks every in-use span once (span_check, central_check), adds up the
 * page allocator's books (pages_check), and reads every pointer word of
 * every live object: wgc.h states the one rule for what it reports.
 */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

/* Every in-use span, in address order, once each. */
static void for_each_span(void (*fn)(struct span *, void *), void *arg)
{
    for (size_t a = 0; a < ARENA_INDEX_LEN; a++) {
        struct heap_arena *ar = arena_index[a];
        if (ar == NULL)
            continue;
        for (size_t pg = 0; pg < ARENA_PAGES; pg++) {
            struct span *s = ar->spans[pg];
            if (s != NULL && s->base == ar->base + pg * HEAP_PAGE &&
                (s->state == SPAN_SMALL || s->state == SPAN_LARGE))
                fn(s, arg);
        }
    }
}

/* ======================================================================
 * The verifier
 * ====================================================================== */

struct verify {
    char *msg;
    size_t len;
    bool bad;
    uint64_t inuse_bytes;
    uint64_t spans;
};

__attribute__((format(printf, 2, 3)))
static void verify_fail(struct verify *v, const char *fmt, ...)
{
    if (v->bad)
        return;
    v->bad = true;
    if (v->msg != NULL && v->len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->msg, v->len, fmt, ap);
        va_end(ap);
    }
}

static void verify_span(struct span *s, void *arg)
{
    struct verify *v = arg;
    v->inuse_bytes += (uint64_t)s->npages * HEAP_PAGE;
    v->spans++;
    const char *why = span_check(s);
    if (why != NULL) {
        verify_fail(v, "%s: span %p (base %p)", why, (void *)s, (void *)s->base);
        return;
    }
    why = central_check(s);
    if (why != NULL) {
        verify_fail(v, "%s: span %p (base %p)", why, (void *)s, (void *)s->base);
        return;
    }
    if (s->noscan)
        return;
    /* Every pointer word of a live object targets a live object, or is not
     * an object start at all (H3, G1). */
    uintptr_t bytes = span_obj_bytes(s);
    for (uint32_t i = 0; i < s->nelems && !v->bad; i++) {
        if (!bit_get(s->allocbits, i))
            continue;
        uintptr_t obj = span_slot(s, i);
        for (uintptr_t w = 0; w < bytes / HEAP_WORD; w++) {
            if (!bitmap_is_ptr(obj + w * HEAP_WORD))
                continue;
            uintptr_t t = *(const uintptr_t *)(obj + w * HEAP_WORD);
            /* wgc.h's one rule: only the exact start of a slot whose object
             * a sweep freed (the slot still holds the poison) is reported,
             * the sign of a missing root.  Free pages, a slot never used
             * since its span was made, the middle of an object: not
             * references, not reported. */
            struct span *live = span_of(t);
            if (live == NULL || live->state != SPAN_SMALL)
                continue;
            uint32_t ti = span_index(live, t);
            if (ti < live->nelems && span_slot(live, ti) == t && !bit_get(live->allocbits, ti) &&
                span_slot_poisoned(live, ti)) {
                verify_fail(v, "object %p: pointer field at word %lu points to a freed object %p: "
                            "a missing root?", (void *)obj, (unsigned long)w, (void *)t);
                return;
            }
        }
    }
}

bool wgc_verify(char *msg, size_t len)
{
    if (msg != NULL && len > 0)
        msg[0] = '\0';
    if (!gc.init) {
        if (msg != NULL && len > 0)
            snprintf(msg, len, "wgc_verify: wgc_init has not been called");
        return false;
    }
    /* Settle the heap: nothing current, nothing unswept. */
    cache_flush();
    central_finish_sweep();
    struct verify v = {msg, len, false, 0, 0};
    for_each_span(verify_span, &v);
    if (!v.bad && v.inuse_bytes != span_state.inuse_bytes)
        verify_fail(&v, "in-use spans hold %llu bytes but the heap counts %llu",
                    (unsigned long long)v.inuse_bytes, (unsigned long long)span_state.inuse_bytes);
    const char *why = v.bad ? NULL : pages_check();
    if (why == NULL && !v.bad)
        why = weak_check();
    if (why != NULL)
        verify_fail(&v, "%s", why);
    uint64_t arena_pages = arena_heap_bytes / HEAP_PAGE;
    if (!v.bad && span_state.inuse_bytes / HEAP_PAGE + page_heap.free_pages != arena_pages)
        verify_fail(&v, "pages in use (%llu) and free (%llu) do not add up to the arenas' (%llu)",
                    (unsigned long long)(span_state.inuse_bytes / HEAP_PAGE),
                    (unsigned long long)page_heap.free_pages, (unsigned long long)arena_pages);
    return !v.bad;
}


/* ---- the barrier verifier ------------------------------------------------------------ */

/* Every pointer word of an old object (marked) in a barriered scan span
 * that holds the start of a young object (allocated, not marked) must lie
 * in a dirty card: else the store that put it there skipped the barrier. */
static void remembered_span(struct span *s, void *arg)
{
    struct verify *v = arg;
    if (s->noscan || s->unbarriered || v->bad)
        return;
    uintptr_t bytes = span_obj_bytes(s);
    for (uint32_t i = 0; i < s->nelems && !v->bad; i++) {
        if (!span_marked(s, i))
            continue;
        uintptr_t obj = span_slot(s, i);
        for (uintptr_t w = 0; w < bytes / HEAP_WORD; w++) {
            uintptr_t at = obj + w * HEAP_WORD;
            if (!bitmap_is_ptr(at) || *arena_card_of(at) != 0)
                continue;
            uintptr_t t = *(const uintptr_t *)at;
            struct span *ts = span_of(t);
            if (ts == NULL)
                continue;
            int64_t ti = span_object_at(ts, t);
            if (ti < 0 || span_marked(ts, (uint32_t)ti))
                continue;
            verify_fail(v, "old object %p (a %lu-byte slot): pointer field at word %lu points to "
                        "the young object %p, but was stored without the write barrier "
                        "(WGC_STORE / wgc_write): a missing barrier?",
                        (void *)obj, (unsigned long)bytes, (unsigned long)w, (void *)t);
            return;
        }
    }
}

bool verify_remembered(char *msg, size_t len)
{
    if (msg != NULL && len > 0)
        msg[0] = '\0';
    struct verify v = {msg, len, false, 0, 0};
    for_each_span(remembered_span, &v);
    return !v.bad;
}
