/* stats.c — wgc_stats and wgc_print_stats (runtime layer).
 * Below: everything it reads: init.c's state, cache.c (what the current
 * spans handed out), mark.c and roots.c (their metadata), heap/ and arch/
 * counters.  Above: the embedder. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

void wgc_stats(struct wgc_stats *out)
{
    memset(out, 0, sizeof *out);
    uint64_t pending, pending_bytes, pending_class[SC_MAX_CLASSES] = {0};
    cache_pending(&pending, &pending_bytes, pending_class);
    out->heap_alloc = gc.heap_alloc;
    out->heap_inuse = span_state.inuse_bytes;
    out->heap_sys = arena_heap_bytes;
    out->heap_released = page_heap.released_pages * HEAP_PAGE;
    out->total_alloc = gc.total_alloc + pending_bytes;
    out->nmalloc = gc.nmalloc + pending;
    out->nfree = central_counts.nfree;
    out->nlarge = central_counts.nlarge;
    struct sys_stats st;
    sys_get_stats(&st);
    out->sys_reserved = st.reserved;
    out->sys_mapped = st.mapped;
    out->sys_inuse = st.reserved;
    out->sys_padding = st.padding;
    out->sys_metadata = arena_metadata_bytes + pages_metadata_bytes + mark_metadata_bytes() +
                        roots_metadata_bytes() + weak_metadata_bytes();
    out->finalizers_pending = wgc_finalizers_pending();
    out->memory_size = st.memory_size;
    out->num_gc = gc.num_gc;
    out->live_bytes = gc.live_bytes;
    out->next_gc = gc.next_gc;
    out->bytes_freed = central_counts.bytes_freed;
    out->pause_total_ns = gc.pause_total_ns;
    out->pause_max_ns = gc.pause_max_ns;
    out->pause_last_ns = gc.pause_last_ns;
    memcpy(out->pause_hist, gc.pause_hist, sizeof out->pause_hist);
    out->num_minor_gc = gc.num_minor;
    out->num_major_gc = gc.num_major;
    out->pause_minor_ns = gc.pause_minor_ns;
    out->pause_major_ns = gc.pause_major_ns;
    out->old_bytes = gc.old_bytes;
    out->cards_last = gc.cards_last;
    out->cards_total = gc.cards_total;
    out->num_classes = sc_nclasses;
    for (unsigned c = 1; c < sc_nclasses && c < WGC_NUM_SIZE_CLASSES_MAX; c++) {
        out->classes[c].size = sc_size[c];
        out->classes[c].pages = sc_pages[c];
        out->classes[c].nmalloc = gc.class_nmalloc[c] + pending_class[c];
        out->classes[c].nfree = central_counts.class_nfree[c];
        out->classes[c].spans = span_state.class_spans[c];
    }
}

void wgc_print_stats(void)
{
    struct wgc_stats st;
    wgc_stats(&st);
    fprintf(stderr,
            "wgc: heap_alloc=%llu heap_inuse=%llu heap_sys=%llu live=%llu goal=%llu\n"
            "wgc: gcs=%llu pause total=%.3fms max=%.3fms nmalloc=%llu nfree=%llu freed=%llu\n"
            "wgc: sys reserved=%llu padding=%llu metadata=%llu memory=%llu\n",
            (unsigned long long)st.heap_alloc, (unsigned long long)st.heap_inuse,
            (unsigned long long)st.heap_sys, (unsigned long long)st.live_bytes,
            (unsigned long long)st.next_gc, (unsigned long long)st.num_gc,
            st.pause_total_ns / 1e6, st.pause_max_ns / 1e6, (unsigned long long)st.nmalloc,
            (unsigned long long)st.nfree, (unsigned long long)st.bytes_freed,
            (unsigned long long)st.sys_reserved, (unsigned long long)st.sys_padding,
            (unsigned long long)st.sys_metadata, (unsigned long long)st.memory_size);
}

/* ---- the heap map ----------------------------------------------------------------------- */

static void visit_span(const struct span *s, wgc_run_visitor visit, void *data)
{
    struct wgc_run r = {.addr = s->base, .bytes = (size_t)s->npages * HEAP_PAGE};
    if (s->state == SPAN_FREE) {
        r.kind = WGC_RUN_FREE;
    } else {
        r.kind = s->state == SPAN_LARGE ? WGC_RUN_LARGE : WGC_RUN_SMALL;
        r.size_class = s->sizeclass;
        r.slot_size = (uint32_t)(span_obj_bytes(s) > UINT32_MAX ? UINT32_MAX : span_obj_bytes(s));
        r.slots = s->nelems;
        r.used = s->current ? s->nelems - (uint32_t)__builtin_popcountll(s->alloccache)
                            : s->nalloc;
        r.old = gc.cfg.gen ? popcount_bits(s->markbits, s->nelems) : 0;
        r.noscan = s->noscan;
        r.unswept = s->sweepgen != span_state.sweepgen;
        r.current = s->current;
    }
    visit(&r, data);
}

void wgc_heap_walk(wgc_run_visitor visit, void *data)
{
    if (!gc.init || visit == NULL)
        return;
    /* Regions in address order (they were added in growing order, but a
     * region may come from the OS layer's free list below an older one). */
    size_t order[ARENA_INDEX_LEN];
    for (size_t i = 0; i < arena_nregions; i++) {
        size_t k = i;
        while (k > 0 && arena_regions[order[k - 1]].start > arena_regions[i].start) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    uintptr_t prev_end = 0;
    for (size_t n = 0; n < arena_nregions; n++) {
        const struct arena_region *rg = &arena_regions[order[n]];
        if (prev_end != 0 && rg->start > prev_end) {
            struct wgc_run gap = {.addr = prev_end, .bytes = rg->start - prev_end,
                                  .kind = WGC_RUN_GAP};
            visit(&gap, data);
        }
        /* A span or free run may run on into the next region (regions next
         * to each other merge): start where the last one stopped. */
        uintptr_t p = rg->start > prev_end ? rg->start : prev_end, end = rg->start + rg->len;
        while (p < end) {
            struct span *s = arena_span_of(p);
            if (s == NULL || s->base != p || s->npages == 0) {
                p += HEAP_PAGE;   /* not expected (H2): skip a page */
                continue;
            }
            visit_span(s, visit, data);
            p = span_limit(s);
        }
        prev_end = p > end ? p : end;
    }
}
