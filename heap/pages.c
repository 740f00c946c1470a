/* pages.c — the page allocator (see pages.h for the design and P1–P4). */
#include "pages.h"

#include <string.h>

struct page_alloc page_heap;
uint64_t pages_metadata_bytes;

/* Span structs, for in-use spans and free runs alike. */
static struct fixalloc span_structs = {sizeof(struct span), NULL, NULL, 0,
                                       &pages_metadata_bytes, 0};

static unsigned bin_of(size_t npages)
{
    return npages < PAGES_BINS ? (unsigned)npages : PAGES_BINS - 1;
}

static void mask_set(unsigned b, bool on)
{
    uint64_t bit = (uint64_t)1 << (b & 63);
    if (on)
        page_heap.mask[b >> 6] |= bit;
    else
        page_heap.mask[b >> 6] &= ~bit;
}

/* File free run s in its bin (P3) and point its end pages at it (P2). */
static void bin_insert(struct span *s)
{
    unsigned b = bin_of(s->npages);
    struct span **at = &page_heap.bins[b];
    struct span *prev = NULL;
    if (b == PAGES_BINS - 1) {   /* big runs: address order */
        while (*at != NULL && (*at)->base < s->base) {
            prev = *at;
            at = &(*at)->next;
        }
    }
    s->next = *at;
    s->prev = prev;
    if (*at != NULL)
        (*at)->prev = s;
    *at = s;
    mask_set(b, true);
    s->state = SPAN_FREE;
    s->list = SPAN_LIST_FREE;
    page_heap.free_pages += s->npages;
    if (s->released)
        page_heap.released_pages += s->npages;
    page_heap.nruns++;
    arena_set_spans(s->base, 1, s);
    arena_set_spans(span_limit(s) - HEAP_PAGE, 1, s);
}

static void bin_remove(struct span *s)
{
    unsigned b = bin_of(s->npages);
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        page_heap.bins[b] = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    if (page_heap.bins[b] == NULL)
        mask_set(b, false);
    s->next = s->prev = NULL;
    s->list = SPAN_LIST_NONE;
    page_heap.free_pages -= s->npages;
    if (s->released)
        page_heap.released_pages -= s->npages;
    page_heap.nruns--;
}

static struct span *find(size_t npages)
{
    unsigned b = bin_of(npages);
    if (b < PAGES_BINS - 1) {
        /* The lowest non-empty small bin >= b: a run of exactly that many. */
        for (unsigned w = b >> 6; w < PAGES_BINS / 64; w++) {
            uint64_t m = page_heap.mask[w];
            if (w == b >> 6)
                m &= ~(uint64_t)0 << (b & 63);
            if (w == (PAGES_BINS - 1) >> 6)
                m &= ~((uint64_t)1 << ((PAGES_BINS - 1) & 63));
            if (m != 0)
                return page_heap.bins[w * 64 + (unsigned)__builtin_ctzll(m)];
        }
    }
    for (struct span *s = page_heap.bins[PAGES_BINS - 1]; s != NULL; s = s->next)
        if (s->npages >= npages)
            return s;
    return NULL;
}

static struct span *new_span_struct(void)
{
    return fixalloc_alloc(&span_structs);
}

static void drop_span_struct(struct span *s)
{
    fixalloc_free(&span_structs, s);
    s->state = SPAN_DEAD;   /* a stale span-map entry must not look free (H2) */
}

/* The free run that ends at p / starts at p, if any. */
static struct span *free_run_ending_at(uintptr_t p)
{
    if (arena_of(p - 1) == NULL)
        return NULL;
    struct span *s = arena_span_of(p - 1);
    return s != NULL && s->state == SPAN_FREE && span_limit(s) == p ? s : NULL;
}

static struct span *free_run_starting_at(uintptr_t p)
{
    if (arena_of(p) == NULL)
        return NULL;
    struct span *s = arena_span_of(p);
    return s != NULL && s->state == SPAN_FREE && s->base == p ? s : NULL;
}

/* Merge s (not filed) with its free neighbours, release it if big, file it. */
static void coalesce_and_insert(struct span *s)
{
    struct span *left = free_run_ending_at(s->base);
    if (left != NULL) {
        bin_remove(left);
        s->base = left->base;
        s->npages += left->npages;
        s->needzero |= left->needzero;
        s->released &= left->released;
        drop_span_struct(left);
    }
    struct span *right = free_run_starting_at(span_limit(s));
    if (right != NULL) {
        bin_remove(right);
        s->npages += right->npages;
        s->needzero |= right->needzero;
        s->released &= right->released;
        drop_span_struct(right);
    }
    uint64_t unreleased = (page_heap.free_pages - page_heap.released_pages + s->npages) * HEAP_PAGE;
    if (s->npages >= PAGES_RELEASE_MIN && !s->released && unreleased > page_heap.retain_bytes) {
        sys_unused((void *)s->base, (size_t)s->npages * HEAP_PAGE);
        s->released = 1;
        if (sys_caps()->can_release)
            s->needzero = 0;   /* released memory comes back zeroed */
    }
    bin_insert(s);
}

bool pages_grow(size_t npages, uint64_t limit)
{
    struct span *s = new_span_struct();   /* first: it must not sit after the region */
    if (s == NULL)
        return false;
    size_t len;
    uintptr_t base = arena_grow(npages * HEAP_PAGE, limit, &len);
    if (base == 0) {
        drop_span_struct(s);
        return false;
    }
    s->base = base;
    s->npages = (uint32_t)(len / HEAP_PAGE);
    s->needzero = 0;   /* fresh arena memory is zeroed (sys.h A4) */
    s->released = 0;
    coalesce_and_insert(s);
    return true;
}

struct span *pages_alloc(size_t npages, uint64_t limit)
{
    if (npages == 0 || npages > ((uint64_t)1 << 32) / HEAP_PAGE)
        return NULL;
    struct span *s = find(npages);
    if (s == NULL) {
        if (!pages_grow(npages, limit))
            return NULL;
        s = find(npages);
        if (s == NULL)
            return NULL;
    }
    if (s->npages > npages && bin_of(s->npages - npages) == PAGES_BINS - 1) {
        /* The rest is still a big run and keeps s's place in the address
         * order of the big bin: swap it in, no walk. */
        struct span *rest = new_span_struct();
        if (rest == NULL)
            return NULL;
        *rest = *s;
        rest->base = s->base + npages * HEAP_PAGE;
        rest->npages = s->npages - (uint32_t)npages;
        if (rest->prev != NULL)
            rest->prev->next = rest;
        else
            page_heap.bins[PAGES_BINS - 1] = rest;
        if (rest->next != NULL)
            rest->next->prev = rest;
        page_heap.free_pages -= npages;
        if (s->released)
            page_heap.released_pages -= npages;
        arena_set_spans(rest->base, 1, rest);
        arena_set_spans(span_limit(rest) - HEAP_PAGE, 1, rest);
        s->next = s->prev = NULL;
        s->list = SPAN_LIST_NONE;
        s->npages = (uint32_t)npages;
    } else {
        bin_remove(s);
        if (s->npages > npages) {
            struct span *rest = new_span_struct();
            if (rest == NULL) {
                bin_insert(s);
                return NULL;
            }
            rest->base = s->base + npages * HEAP_PAGE;
            rest->npages = s->npages - (uint32_t)npages;
            rest->needzero = s->needzero;
            rest->released = s->released;
            bin_insert(rest);
            s->npages = (uint32_t)npages;
        }
    }
    s->released = 0;
    s->state = SPAN_DEAD;   /* not free; the caller sets SPAN_SMALL or SPAN_LARGE */
    arena_set_spans(s->base, npages, s);   /* S1 */
    return s;
}

void pages_set_retain(uint64_t bytes)
{
    page_heap.retain_bytes = bytes;
}

void pages_free(struct span *s)
{
    s->needzero = 1;
    s->released = 0;
    s->sizeclass = 0;
    coalesce_and_insert(s);
}

const char *pages_check(void)
{
    uint64_t free_pages = 0, released = 0, nruns = 0;
    for (unsigned b = 0; b < PAGES_BINS; b++) {
        bool nonempty = page_heap.bins[b] != NULL;
        if (nonempty != (((page_heap.mask[b >> 6] >> (b & 63)) & 1) != 0))
            return "page allocator: bin mask disagrees with the bin (P3)";
        uintptr_t last = 0;
        for (struct span *s = page_heap.bins[b]; s != NULL; s = s->next) {
            if (s->state != SPAN_FREE || s->list != SPAN_LIST_FREE)
                return "page allocator: a run in a bin is not free (P3)";
            if (bin_of(s->npages) != b)
                return "page allocator: a run is in the wrong bin (P3)";
            if (b == PAGES_BINS - 1 && s->base <= last && last != 0)
                return "page allocator: big runs are not in address order (P3)";
            last = s->base;
            if (arena_span_of(s->base) != s || arena_span_of(span_limit(s) - HEAP_PAGE) != s)
                return "page allocator: a free run's end pages do not map to it (P2)";
            if (free_run_ending_at(s->base) != NULL || free_run_starting_at(span_limit(s)) != NULL)
                return "page allocator: two free runs touch (P1)";
            free_pages += s->npages;
            if (s->released)
                released += s->npages;
            nruns++;
        }
    }
    if (free_pages != page_heap.free_pages || released != page_heap.released_pages ||
        nruns != page_heap.nruns)
        return "page allocator: counters disagree with the runs (P4)";
    return NULL;
}
