/* central.c — the central span lists (see central.h, C1–C4). */
#include "central.h"

#include <string.h>

#include "pages.h"

struct central_counts central_counts;

static struct central_class classes[SC_MAX_CLASSES][KINDS];   /* [class][kind] */
static struct span_list large[2];
static bool poison;

void central_init(void)
{
    span_init();
}

void central_set_poison(bool on)
{
    poison = on;
}

void central_set_sticky(bool on)
{
    span_state.sticky = on;
}

/* The pair of lists that holds swept spans (C1). */
static unsigned swept_index(void)
{
    return (span_state.sweepgen >> 1) & 1;
}

/* ---- lists ------------------------------------------------------------------ */

static struct span_list *list_at(unsigned c, unsigned kind, unsigned which)
{
    unsigned i = which & 1;
    switch (which & ~1u) {
    case LIST_PARTIAL: return &classes[c][kind].partial[i];
    case LIST_FULL: return &classes[c][kind].full[i];
    case LIST_LARGE: return &large[i];
    default: return NULL;
    }
}

const struct span_list *central_list_of(const struct span *s)
{
    return list_at(s->sizeclass, span_kind_index(s), s->list);
}

static void push(struct span *s, unsigned which)
{
    struct span_list *l = list_at(s->sizeclass, span_kind_index(s), which);
    WGC_ASSERT(s->list == LIST_NONE, "C3");
    s->prev = NULL;
    s->next = l->first;
    if (l->first != NULL)
        l->first->prev = s;
    l->first = s;
    l->len++;
    s->list = (uint8_t)which;
}

static void remove_from_list(struct span *s)
{
    struct span_list *l = list_at(s->sizeclass, span_kind_index(s), s->list);
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        l->first = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
    l->len--;
    s->list = LIST_NONE;
}

/* File a swept span on the swept pair, by how full it is (C4). */
static void file(struct span *s)
{
    unsigned i = swept_index();
    if (s->state == SPAN_LARGE)
        push(s, LIST_LARGE | i);
    else
        push(s, (s->nalloc == s->nelems ? LIST_FULL : LIST_PARTIAL) | i);
}

/* ---- sweeping ------------------------------------------------------------------- */

/* Sweep s (off its list), count what it freed, then file it, or give its
 * pages back when nothing in it lives. */
static void sweep_and_file(struct span *s)
{
    uint64_t bytes;
    uint32_t freed = span_sweep(s, poison, &bytes);
    central_counts.nfree += freed;
    central_counts.class_nfree[s->sizeclass] += freed;
    central_counts.bytes_freed += bytes;
    if (s->nalloc == 0) {
        if (s->state == SPAN_LARGE)
            central_counts.nlarge--;
        span_free(s);
        return;
    }
    file(s);
}

bool central_sweep_one(unsigned c, unsigned kind)
{
    unsigned u = swept_index() ^ 1;
    struct central_class *cc = &classes[c][kind];
    struct span *s = cc->partial[u].first != NULL ? cc->partial[u].first : cc->full[u].first;
    if (s == NULL)
        return false;
    remove_from_list(s);
    sweep_and_file(s);
    return true;
}

void central_finish_sweep(void)
{
    for (unsigned c = 1; c < sc_nclasses; c++)
        for (unsigned k = 0; k < KINDS; k++)
            while (central_sweep_one(c, k))
                ;
    struct span *s;
    while ((s = large[swept_index() ^ 1].first) != NULL) {
        remove_from_list(s);
        sweep_and_file(s);
    }
}

void central_begin_cycle(void)
{
    if (WGC_DEBUG >= 2) {
        unsigned u = swept_index() ^ 1;
        for (unsigned c = 1; c < sc_nclasses; c++)
            for (unsigned k = 0; k < KINDS; k++)
                WGC_ASSERT(classes[c][k].partial[u].first == NULL &&
                           classes[c][k].full[u].first == NULL, "C2");
        WGC_ASSERT(large[u].first == NULL, "C2");
    }
    /* The swept pair becomes the unswept one (C1, span.h S3). */
    span_state.sweepgen += 2;
}

/* ---- taking and giving back spans --------------------------------------------------- */

/* Fresh pages for a span: from the free runs as they are; else, after
 * sweeping what the last collection left unswept (it may free whole
 * spans); only then by growing the heap.  So garbage waiting to be swept
 * never makes the heap grow (as Go's mheap reclaims before it grows). */
static struct span *fresh(unsigned c, unsigned kind, size_t large_pages, uint64_t limit)
{
    bool noscan = kind == KIND_NOSCAN;
    for (int pass = 0; pass < 3; pass++) {
        uint64_t cap = pass < 2 ? arena_heap_bytes : limit;
        struct span *s = large_pages ? span_alloc_large(large_pages, noscan, cap)
                                     : span_alloc_small(c, noscan, cap);
        if (s != NULL) {
            s->unbarriered = kind == KIND_UNBARRIERED;
            return s;
        }
        if (pass == 0)
            central_finish_sweep();
    }
    return NULL;
}

struct span *central_take(unsigned c, unsigned kind, uint64_t limit)
{
    struct span_list *partial = &classes[c][kind].partial[0];
    for (;;) {
        struct span *s = partial[swept_index()].first;
        if (s != NULL) {
            remove_from_list(s);
            return s;
        }
        if (!central_sweep_one(c, kind))
            break;
    }
    return fresh(c, kind, 0, limit);
}

struct span *central_take_large(size_t npages, unsigned kind, uint64_t limit)
{
    struct span *s = fresh(0, kind, npages, limit);
    if (s == NULL)
        return NULL;
    central_counts.nlarge++;
    file(s);
    return s;
}

void central_put(struct span *s)
{
    WGC_ASSERT(s->sweepgen == span_state.sweepgen && !s->current, "C1");
    file(s);
}

/* ---- generational support ------------------------------------------------------------ */

/* fn for every span of the swept pair (all in-use spans once sweeping is
 * finished and the cache flushed), of the kinds in `kinds` (a bit mask). */
static void for_each_swept(unsigned kinds, void (*fn)(struct span *, void *), void *arg)
{
    unsigned i = swept_index();
    for (unsigned c = 1; c < sc_nclasses; c++)
        for (unsigned k = 0; k < KINDS; k++) {
            if (!((kinds >> k) & 1))
                continue;
            for (struct span *s = classes[c][k].partial[i].first; s != NULL; s = s->next)
                fn(s, arg);
            for (struct span *s = classes[c][k].full[i].first; s != NULL; s = s->next)
                fn(s, arg);
        }
    for (struct span *s = large[i].first; s != NULL; s = s->next)
        if ((kinds >> span_kind_index(s)) & 1)
            fn(s, arg);
}

static void clear_marks(struct span *s, void *arg)
{
    (void)arg;
    memset(s->markbits, 0, (s->nelems + 63) / 64 * sizeof(uint64_t));
}

void central_clear_marks(void)
{
    for_each_swept(7, clear_marks, NULL);
}

void central_for_each_unbarriered(void (*fn)(struct span *, void *), void *arg)
{
    for_each_swept(1u << KIND_UNBARRIERED, fn, arg);
}

/* ---- checks --------------------------------------------------------------------------- */

const char *central_check(const struct span *s)
{
    if (s->current)
        return s->list == LIST_NONE ? NULL : "central: a current span is on a list (C3)";
    if (central_list_of(s) == NULL)
        return "central: an in-use span is on no list and not current (C3)";
    if (((s->list & ~1u) == LIST_LARGE) != (s->state == SPAN_LARGE))
        return "central: a span on the wrong kind of list for its state (C3)";
    bool on_swept = (s->list & 1) == swept_index();
    if (on_swept != (s->sweepgen == span_state.sweepgen))
        return "central: a span's list and its sweepgen disagree (C1)";
    /* C4 on both pairs: flipping the pairs changes no span. */
    if ((s->list & ~1u) == LIST_PARTIAL && s->nalloc == s->nelems)
        return "central: a full span on a partial list (C4)";
    if ((s->list & ~1u) == LIST_FULL && s->nalloc != s->nelems)
        return "central: a span with free slots on a full list (C4)";
    return NULL;
}
