/* web_api.c — what the playground's worker (examples/web/static/worker.js)
 * reads of the heap, beside the interpreter's own API (lisp_api.h).  Linked
 * only into the web build (web.mk); it uses wgc.h alone.
 *
 *   web_watch(on)       install (or remove) a wgc_set_gc_callback that notes
 *                       each collection in a ring of events and tells JS
 *                       (Module.webGcNote), which decides whether to post a
 *                       snapshot (at most every ~100 ms, only while the page
 *                       looks): noting costs a wgc_stats and a call into JS.
 *   web_take_events()   moves the noted collections to a buffer of doubles
 *                       (WEB_EVENT_FIELDS each, web_events_buf()); returns
 *                       how many, and counts the ones the ring dropped.
 *   web_heap_map()      the heap map: wgc_heap_walk serialised as 32-bit
 *                       words (the format below); the buffer is reused.
 *   web_stats_json()    every scalar of wgc_stats as JSON.
 *
 * Invariants:
 *   W1. Nothing here allocates from wgc: the callback and the walk's
 *       visitor run where wgc forbids it (wgc.h).  The map's buffer comes
 *       from malloc, grown between two walks, never during one.
 *   W2. Events leave in the order the collections ran; a full ring drops
 *       the oldest and counts them (web_events_dropped).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wgc.h"
#include "web_api.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#define WEB_EXPORT EMSCRIPTEN_KEEPALIVE
EM_JS(void, js_gc_note, (void), {
    if (Module.webGcNote) Module.webGcNote();
});
static double now_ms(void) { return emscripten_get_now(); }
#else
#define WEB_EXPORT
static void js_gc_note(void) {}
static double now_ms(void) { return 0; }
#endif

/* ---- the collections, noted by the callback ---------------------------- */

/* One collection: when it ended (ms, the worker's clock), its pause (ms),
 * 1 major / 0 minor, then the heap after it: heap_alloc, next_gc (the
 * goal), heap_sys, live_bytes, num_gc. */
enum { WEB_EVENT_FIELDS = 8, WEB_RING = 1024 };

static double ring[WEB_RING][WEB_EVENT_FIELDS];
static unsigned ring_head, ring_len;   /* oldest at ring_head */
static double taken[WEB_RING * WEB_EVENT_FIELDS];
static uint64_t dropped, last_minor, last_major;

static void on_gc(void *data)
{
    struct wgc_stats st;
    wgc_stats(&st);
    bool major = st.num_major_gc != last_major;   /* the deltas say which it was */
    last_minor = st.num_minor_gc;
    last_major = st.num_major_gc;
    if (ring_len == WEB_RING) {                     /* W2 */
        ring_head = (ring_head + 1) % WEB_RING;
        ring_len--;
        dropped++;
    }
    double *e = ring[(ring_head + ring_len++) % WEB_RING];
    e[0] = now_ms();
    e[1] = (double)st.pause_last_ns / 1e6;
    e[2] = major ? 1 : 0;
    e[3] = (double)st.heap_alloc;
    e[4] = (double)st.next_gc;
    e[5] = (double)st.heap_sys;
    e[6] = (double)st.live_bytes;
    e[7] = (double)st.num_gc;
    js_gc_note();
}

WEB_EXPORT void web_watch(int on)
{
    struct wgc_stats st;
    wgc_stats(&st);
    last_minor = st.num_minor_gc;
    last_major = st.num_major_gc;
    wgc_set_gc_callback(on ? on_gc : NULL, NULL);
}

WEB_EXPORT int web_take_events(void)
{
    unsigned n = ring_len;
    for (unsigned i = 0; i < n; i++)
        memcpy(&taken[i * WEB_EVENT_FIELDS], ring[(ring_head + i) % WEB_RING],
               sizeof ring[0]);
    ring_head = ring_len = 0;
    return (int)n;
}
WEB_EXPORT double *web_events_buf(void) { return taken; }
WEB_EXPORT double web_events_dropped(void) { return (double)dropped; }

/* ---- the heap map --------------------------------------------------------- */

/* Words (uint32): [0] the number of runs n, [1] the page size (8192), then
 * n records of WEB_RUN_WORDS words each:
 *   addr, bytes, kind | flags << 8 | size_class << 16, slot_size, slots,
 *   used, old
 * with kind a wgc_run_kind and flags 1 noscan, 2 unswept, 4 current. */
enum { WEB_RUN_WORDS = 7, WEB_HEADER_WORDS = 2 };

struct map_buf { uint32_t *w; size_t cap, n; };
static struct map_buf map;

static void count_run(const struct wgc_run *r, void *data) { (*(size_t *)data)++; }

static void put_run(const struct wgc_run *r, void *data)
{
    struct map_buf *m = data;
    if (m->n >= m->cap) return;   /* the heap grew between the walks: W1 */
    uint32_t *w = m->w + WEB_HEADER_WORDS + m->n++ * WEB_RUN_WORDS;
    uint32_t flags = (r->noscan ? 1u : 0) | (r->unswept ? 2u : 0) | (r->current ? 4u : 0);
    w[0] = (uint32_t)r->addr;
    w[1] = (uint32_t)(r->bytes > UINT32_MAX ? UINT32_MAX : r->bytes);
    w[2] = (uint32_t)r->kind | flags << 8 | (r->size_class & 0xffffu) << 16;
    w[3] = r->slot_size;
    w[4] = r->slots;
    w[5] = r->used;
    w[6] = r->old;
}

WEB_EXPORT uint32_t *web_heap_map(void)
{
    size_t runs = 0;
    wgc_heap_walk(count_run, &runs);
    runs += 16;   /* room for a few more, should a run split */
    if (runs > map.cap) {
        uint32_t *w = realloc(map.w, (WEB_HEADER_WORDS + runs * WEB_RUN_WORDS) * sizeof *w);
        if (w == NULL) return NULL;
        map.w = w;
        map.cap = runs;
    }
    if (map.w == NULL) return NULL;
    map.n = 0;
    wgc_heap_walk(put_run, &map);
    map.w[0] = (uint32_t)map.n;
    map.w[1] = 8192;
    return map.w;
}

/* ---- the numbers ------------------------------------------------------------ */

WEB_EXPORT const char *web_stats_json(void)
{
    static char buf[2048];
    struct wgc_stats st;
    wgc_stats(&st);
#define F(name) "\"" #name "\":%" PRIu64 ","
    snprintf(buf, sizeof buf,
             "{" F(heap_alloc) F(heap_inuse) F(heap_sys) F(heap_released) F(total_alloc)
             F(nmalloc) F(nfree) F(nlarge) F(sys_reserved) F(sys_mapped) F(sys_inuse)
             F(sys_padding) F(sys_metadata) F(memory_size) F(num_gc) F(live_bytes)
             F(next_gc) F(bytes_freed) F(pause_total_ns) F(pause_max_ns) F(pause_last_ns)
             F(num_minor_gc) F(num_major_gc) F(pause_minor_ns) F(pause_major_ns)
             F(old_bytes) F(cards_last) F(cards_total) "\"num_classes\":%" PRIu32 "}",
             st.heap_alloc, st.heap_inuse, st.heap_sys, st.heap_released, st.total_alloc,
             st.nmalloc, st.nfree, st.nlarge, st.sys_reserved, st.sys_mapped, st.sys_inuse,
             st.sys_padding, st.sys_metadata, st.memory_size, st.num_gc, st.live_bytes,
             st.next_gc, st.bytes_freed, st.pause_total_ns, st.pause_max_ns, st.pause_last_ns,
             st.num_minor_gc, st.num_major_gc, st.pause_minor_ns, st.pause_major_ns,
             st.old_bytes, st.cards_last, st.cards_total, st.num_classes);
#undef F
    return buf;
}
