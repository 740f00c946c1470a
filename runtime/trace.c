/* trace.c — trace buffers, the hooks' slow half, and the Chrome Trace Event
 * JSON writer (see trace.h for the format and the invariants T1..T3).
 * Below: arch/sys.h.  Above: runtime/gc.c (the hooks), wgc.h (the public
 * calls).
 *
 * Buffers.  The first buffer of a trace holds, besides its own events, the
 * trace's counters: the sequence counter and the dropped-event count.
 * Each buffer's header holds how many of its slots are taken (pos) and the
 * next buffer in the chain:
 *
 *     first ─▶ | magic pos next_seq dropped epoch next | ev ev ev ... |
 *                                                 └──▶ | ... pos next | ev ... |
 *
 * Storing an event: when the current buffer is full, chain a new one (or
 * count the event as dropped when there is no memory, T2); take a slot with
 * an atomic fetch-add on pos; clear its seq; fill it in; store the
 * timestamp; take the next sequence number and store it into seq last,
 * with release order, so a reader sees a whole event or seq == 0.
 *
 * Writing the JSON walks the chain in order and pairs each begin with its
 * end on a small stack (collection, then phase), emitting one complete "X"
 * event per pair.  Phases that end inside their collection are held back
 * and written right after it, so slices appear in the order they begin.
 * An end with no begin is counted as unmatched and skipped; a phase still
 * open when its collection ends is closed there (and counted as
 * unmatched); begins still open at the end of the trace become "B" events.
 */
#include "trace.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys.h"
#include "wgc.h"

#define TRACE_MAGIC UINT64_C(0x6563617274636777)   /* "wgctrace" */
#define HEADER_BYTES 64

struct trace_buf;

struct trace_header {
    uint64_t magic;
    uint64_t pos;           /* slots taken in this buffer (atomic) */
    uint64_t next_seq;      /* first buffer: last sequence number given (atomic) */
    uint64_t dropped;       /* first buffer: events that found no room (atomic) */
    uint64_t epoch_ns;      /* first buffer: when the trace started */
    struct trace_buf *next; /* the buffer filled after this one */
};

struct trace_buf {
    union {
        struct trace_header h;
        unsigned char header_bytes[HEADER_BYTES];
    };
    struct trace_event ev[];
};

/* T1, pinned: every 64-bit counter and every event's seq and timestamp sit
 * at multiples of 8 from the buffer's (64 KiB-aligned) start. */
_Static_assert(sizeof(struct trace_header) <= HEADER_BYTES, "header fits");
_Static_assert(offsetof(struct trace_buf, ev) == HEADER_BYTES, "events follow the header");
_Static_assert(offsetof(struct trace_header, pos) % 8 == 0, "pos aligned (T1)");
_Static_assert(offsetof(struct trace_header, next_seq) % 8 == 0, "next_seq aligned (T1)");
_Static_assert(offsetof(struct trace_header, dropped) % 8 == 0, "dropped aligned (T1)");
_Static_assert(sizeof(struct trace_event) % 8 == 0, "events keep 8-byte alignment (T1)");
_Static_assert(offsetof(struct trace_event, seq) % 8 == 0, "seq aligned (T1)");
_Static_assert(offsetof(struct trace_event, nanotime) % 8 == 0, "nanotime aligned (T1)");
_Static_assert(TRACE_BUF_BYTES % SYS_PAGE == 0, "buffers are whole wasm pages");

#define CAPACITY ((TRACE_BUF_BYTES - HEADER_BYTES) / sizeof(struct trace_event))

bool trace_running;

static struct {
    struct trace_buf *first;   /* NULL: no trace recorded */
    struct trace_buf *cur;     /* the buffer being filled */
    size_t nbufs;
    bool unchecked;            /* trace_set_checks(false) */
    bool env_done;             /* trace_init_from_env ran */
    char env_path[4096];       /* WGC_TRACE_FILE, or "" */
} tr;


/* ---- buffers -------------------------------------------------------------- */

bool trace_placement_ok(const void *buf, const char **why)
{
    const char *bad = NULL;
    const struct trace_buf *b = buf;
    if (buf == NULL)
        bad = "trace: no buffer";
    else if (((uintptr_t)buf & (SYS_PAGE - 1)) != 0)
        bad = "trace: buffer is not on a 64 KiB boundary (sys.h A1, trace.h T1)";
    else if (((uintptr_t)&b->h.pos | (uintptr_t)&b->h.next_seq | (uintptr_t)&b->h.dropped |
              (uintptr_t)&b->ev[0].seq | (uintptr_t)&b->ev[1].nanotime) & 7)
        bad = "trace: a 64-bit field of a buffer is misaligned (trace.h T1)";
    if (why != NULL)
        *why = bad;
    return bad == NULL;
}

void trace_set_checks(bool on)
{
    tr.unchecked = !on;
}

/* A fresh, empty buffer, or NULL when the OS layer has no memory. */
static struct trace_buf *buf_new(void)
{
    struct trace_buf *b = sys_alloc(TRACE_BUF_BYTES);
    if (b == NULL)
        return NULL;
    const char *why;
    if (!tr.unchecked && !trace_placement_ok(b, &why))
        sys_fatal(why);
    b->h.magic = TRACE_MAGIC;
    b->h.next = NULL;
    __atomic_store_n(&b->h.pos, 0, __ATOMIC_RELEASE);
    tr.nbufs++;
    return b;
}

static void bufs_free(void)
{
    struct trace_buf *b = tr.first;
    while (b != NULL) {
        struct trace_buf *next = b->h.next;
        sys_free(b, TRACE_BUF_BYTES);
        b = next;
    }
    tr.first = tr.cur = NULL;
    tr.nbufs = 0;
}

/* ---- recording -------------------------------------------------------------- */

void trace_record(enum trace_kind kind, int phase, uint64_t a, uint64_t b, uint64_t c)
{
    if (!trace_running)
        return;
    struct trace_buf *first = tr.first, *buf = tr.cur;
    if (__atomic_load_n(&buf->h.pos, __ATOMIC_ACQUIRE) >= CAPACITY) {
        struct trace_buf *fresh = buf_new();
        if (fresh == NULL) {
            __atomic_fetch_add(&first->h.dropped, 1, __ATOMIC_RELAXED);
            return;
        }
        buf->h.next = fresh;
        tr.cur = buf = fresh;
    }
    uint64_t slot = __atomic_fetch_add(&buf->h.pos, 1, __ATOMIC_ACQ_REL);
    struct trace_event *e = &buf->ev[slot];
    __atomic_store_n(&e->seq, 0, __ATOMIC_RELAXED);   /* torn until done */
    e->kind = (uint32_t)kind;
    e->phase = (uint32_t)phase;
    e->args[0] = a;
    e->args[1] = b;
    e->args[2] = c;
    __atomic_store_n(&e->nanotime, sys_nanotime(), __ATOMIC_RELAXED);
    uint64_t seq = __atomic_add_fetch(&first->h.next_seq, 1, __ATOMIC_ACQ_REL);
    __atomic_store_n(&e->seq, seq, __ATOMIC_RELEASE);
}

bool wgc_trace_start(void)
{
    if (trace_running)
        return false;
    bufs_free();
    struct trace_buf *b = buf_new();
    if (b == NULL)
        return false;
    __atomic_store_n(&b->h.next_seq, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&b->h.dropped, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&b->h.epoch_ns, sys_nanotime(), __ATOMIC_RELEASE);
    tr.first = tr.cur = b;
    trace_running = true;
    return true;
}

void wgc_trace_stop(void)
{
    trace_running = false;
}

/* ---- the JSON writer ---------------------------------------------------------- */

static const char *phase_name(uint32_t phase)
{
    switch (phase) {
    case TRACE_SWEEP_TERM: return "sweep termination";
    case TRACE_MARK: return "mark";
    case TRACE_SWEEP: return "sweep";
    default: return "unknown phase";
    }
}

/* An open begin on the pairing stack, with the collection it belongs to. */
struct open_ev {
    struct trace_event ev;
    uint64_t gc;
};

/* A phase that ended inside a collection still open: it is written just
 * after its collection, so the file lists slices in the order they begin
 * (what viewers expect when a phase starts in the same tick as its GC). */
struct held_phase {
    struct open_ev begin;
    uint64_t end_ns;
};

#define OPEN_MAX 8
#define HELD_MAX 16

struct json_out {
    FILE *f;
    uint64_t epoch;
    uint64_t ngc;          /* collections begun so far */
    uint64_t unmatched;
    struct open_ev open[OPEN_MAX];
    size_t nopen;
    struct held_phase held[HELD_MAX];
    size_t nheld;
};

/* A timestamp in microseconds since the trace started, with ns digits. */
static void put_ts(struct json_out *o, uint64_t ns)
{
    uint64_t t = ns >= o->epoch ? ns - o->epoch : 0;
    fprintf(o->f, ",\"ts\":%" PRIu64 ".%03" PRIu64, t / 1000, t % 1000);
}

static void put_dur(struct json_out *o, uint64_t begin, uint64_t end)
{
    uint64_t d = end >= begin ? end - begin : 0;
    fprintf(o->f, ",\"dur\":%" PRIu64 ".%03" PRIu64, d / 1000, d % 1000);
}

static void put_counter(struct json_out *o, const char *name, uint64_t ns, uint64_t value)
{
    fprintf(o->f, ",\n{\"name\":\"%s\",\"cat\":\"heap\",\"ph\":\"C\",\"pid\":1,\"tid\":1", name);
    put_ts(o, ns);
    fprintf(o->f, ",\"args\":{\"bytes\":%" PRIu64 "}}", value);
}

/* A collection: "X" from its begin to end, or "B" when end is NULL. */
static void put_gc(struct json_out *o, const struct open_ev *begin, const struct trace_event *end)
{
    fprintf(o->f, ",\n{\"name\":\"GC\",\"cat\":\"gc\",\"ph\":\"%s\",\"pid\":1,\"tid\":1",
            end ? "X" : "B");
    put_ts(o, begin->ev.nanotime);
    if (end)
        put_dur(o, begin->ev.nanotime, end->nanotime);
    fprintf(o->f, ",\"args\":{\"gc\":%" PRIu64 ",\"heap_alloc_begin\":%" PRIu64
            ",\"goal_begin\":%" PRIu64, begin->gc, begin->ev.args[0], begin->ev.args[1]);
    if (end)
        fprintf(o->f, ",\"heap_alloc_end\":%" PRIu64 ",\"live\":%" PRIu64
                ",\"goal_end\":%" PRIu64, end->args[0], end->args[1], end->args[2]);
    fputs("}}", o->f);
}

/* A phase: "X" ending at *end_ns, or "B" when end_ns is NULL. */
static void put_phase(struct json_out *o, const struct open_ev *begin, const uint64_t *end_ns)
{
    fprintf(o->f, ",\n{\"name\":\"%s\",\"cat\":\"gc\",\"ph\":\"%s\",\"pid\":1,\"tid\":1",
            phase_name(begin->ev.phase), end_ns ? "X" : "B");
    put_ts(o, begin->ev.nanotime);
    if (end_ns)
        put_dur(o, begin->ev.nanotime, *end_ns);
    fprintf(o->f, ",\"args\":{\"gc\":%" PRIu64 "}}", begin->gc);
}

/* Index + 1 of the innermost open collection on the stack, or 0. */
static size_t open_gc(const struct json_out *o)
{
    size_t i = o->nopen;
    while (i > 0 && o->open[i - 1].ev.kind != TRACE_EV_GC_BEGIN)
        i--;
    return i;
}

/* A phase has ended: hold it while its collection is open, else write it. */
static void phase_done(struct json_out *o, const struct open_ev *begin, uint64_t end_ns)
{
    if (open_gc(o) > 0 && o->nheld < HELD_MAX)
        o->held[o->nheld++] = (struct held_phase){*begin, end_ns};
    else
        put_phase(o, begin, &end_ns);
}

static void flush_held(struct json_out *o)
{
    for (size_t i = 0; i < o->nheld; i++)
        put_phase(o, &o->held[i].begin, &o->held[i].end_ns);
    o->nheld = 0;
}

static void push_open(struct json_out *o, const struct trace_event *e)
{
    if (o->nopen < OPEN_MAX)
        o->open[o->nopen++] = (struct open_ev){*e, o->ngc};
    else
        o->unmatched++;
}

/* Write one stored event, pairing begins and ends on the stack. */
static void put_event(struct json_out *o, const struct trace_event *e)
{
    switch (e->kind) {
    case TRACE_EV_GC_BEGIN:
        put_counter(o, "heap_alloc", e->nanotime, e->args[0]);
        put_counter(o, "heap_goal", e->nanotime, e->args[1]);
        o->ngc++;
        push_open(o, e);
        break;
    case TRACE_EV_PHASE_BEGIN:
        push_open(o, e);
        break;
    case TRACE_EV_PHASE_END:
        if (o->nopen > 0 && o->open[o->nopen - 1].ev.kind == TRACE_EV_PHASE_BEGIN &&
            o->open[o->nopen - 1].ev.phase == e->phase) {
            o->nopen--;
            phase_done(o, &o->open[o->nopen], e->nanotime);
        } else {
            o->unmatched++;
        }
        break;
    case TRACE_EV_GC_END: {
        size_t i = open_gc(o);
        if (i == 0) {
            o->unmatched++;
        } else {
            /* Phases left open inside this collection end with it. */
            while (o->nopen > i) {
                o->nopen--;
                phase_done(o, &o->open[o->nopen], e->nanotime);
                o->unmatched++;
            }
            o->nopen = i - 1;
            put_gc(o, &o->open[i - 1], e);
            flush_held(o);
        }
        put_counter(o, "heap_alloc", e->nanotime, e->args[0]);
        put_counter(o, "heap_live", e->nanotime, e->args[1]);
        put_counter(o, "heap_goal", e->nanotime, e->args[2]);
        break;
    }
    case TRACE_EV_HEAP:
        put_counter(o, "heap_alloc", e->nanotime, e->args[0]);
        put_counter(o, "heap_goal", e->nanotime, e->args[1]);
        break;
    case TRACE_EV_WEAK:
        put_counter(o, "finalizers_queued", e->nanotime, e->args[0]);
        put_counter(o, "ephemerons", e->nanotime, e->args[1]);
        put_counter(o, "weak_refs", e->nanotime, e->args[2]);
        break;
    default:
        o->unmatched++;
    }
}

bool wgc_trace_write_json(const char *path)
{
    struct trace_buf *first = tr.first;
    if (first == NULL || path == NULL)
        return false;
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return false;
    /* static: the pairing state is a few KiB, and wgc is single-threaded. */
    static struct json_out o;
    memset(&o, 0, sizeof o);
    o.f = f;
    o.epoch = __atomic_load_n(&first->h.epoch_ns, __ATOMIC_ACQUIRE);
    uint64_t nevents = 0, torn = 0;
    fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n"
          "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":1,\"args\":{\"name\":\"wgc\"}},\n"
          "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":1,\"args\":{\"name\":\"wgc heap\"}}",
          f);
    for (struct trace_buf *b = first; b != NULL; b = b->h.next) {
        uint64_t n = __atomic_load_n(&b->h.pos, __ATOMIC_ACQUIRE);
        if (n > CAPACITY)
            n = CAPACITY;
        for (uint64_t i = 0; i < n; i++) {
            struct trace_event e = b->ev[i];
            e.seq = __atomic_load_n(&b->ev[i].seq, __ATOMIC_ACQUIRE);
            if (e.seq == 0) {
                torn++;   /* written from inside a hook: not finished */
                continue;
            }
            nevents++;
            put_event(&o, &e);
        }
    }
    /* Begins still open, outermost first, then what ended inside them. */
    for (size_t i = 0; i < o.nopen; i++) {
        if (o.open[i].ev.kind == TRACE_EV_GC_BEGIN)
            put_gc(&o, &o.open[i], NULL);
        else
            put_phase(&o, &o.open[i], NULL);
    }
    flush_held(&o);
    fprintf(f, "\n],\"otherData\":{\"producer\":\"wgc\",\"clock\":\"CLOCK_MONOTONIC\","
            "\"aligned\":%d,\"buffers\":%zu,\"events\":%" PRIu64 ",\"dropped\":%" PRIu64
            ",\"torn\":%" PRIu64 ",\"unmatched\":%" PRIu64 ",\"collections\":%" PRIu64 "}}\n",
            SYS_ALIGN, tr.nbufs, nevents,
            __atomic_load_n(&first->h.dropped, __ATOMIC_ACQUIRE), torn, o.unmatched, o.ngc);
    bool ok = !ferror(f);
    if (fclose(f) != 0)
        ok = false;
    return ok;
}

/* ---- WGC_TRACE_FILE ----------------------------------------------------------- */

void trace_write_env_file(void)
{
    if (tr.env_path[0] == '\0')
        return;
    if (!wgc_trace_write_json(tr.env_path))
        fprintf(stderr, "wgc: cannot write the trace to WGC_TRACE_FILE=%s\n", tr.env_path);
}

void trace_init_from_env(void)
{
    if (tr.env_done)
        return;
    tr.env_done = true;
    if (!sys_getenv("WGC_TRACE_FILE", tr.env_path, sizeof tr.env_path))
        tr.env_path[0] = '\0';
    if (tr.env_path[0] == '\0')
        return;
    /* An embedder may have started a trace already; then that one is written. */
    if (!trace_running && !wgc_trace_start()) {
        fprintf(stderr, "wgc: WGC_TRACE_FILE: no memory for the trace\n");
        tr.env_path[0] = '\0';
        return;
    }
    if (atexit(trace_write_env_file) != 0) {
        fprintf(stderr, "wgc: WGC_TRACE_FILE: cannot register the exit handler\n");
        tr.env_path[0] = '\0';
    }
}

const char *trace_env_path(void)
{
    return tr.env_path[0] ? tr.env_path : NULL;
}

/* ---- for tests ------------------------------------------------------------------ */

size_t trace_buf_capacity(void)
{
    return CAPACITY;
}

size_t trace_nbufs(void)
{
    return tr.nbufs;
}

uint64_t trace_nevents(void)
{
    return tr.first ? __atomic_load_n(&tr.first->h.next_seq, __ATOMIC_ACQUIRE) : 0;
}

uint64_t trace_ndropped(void)
{
    return tr.first ? __atomic_load_n(&tr.first->h.dropped, __ATOMIC_ACQUIRE) : 0;
}

const void *trace_buf(size_t i)
{
    struct trace_buf *b = tr.first;
    while (b != NULL && i-- > 0)
        b = b->h.next;
    return b;
}

bool trace_test_event(uint64_t seq, struct trace_event *out)
{
    if (seq == 0)
        return false;
    for (struct trace_buf *b = tr.first; b != NULL; b = b->h.next) {
        uint64_t n = __atomic_load_n(&b->h.pos, __ATOMIC_ACQUIRE);
        for (uint64_t i = 0; i < n && i < CAPACITY; i++)
            if (__atomic_load_n(&b->ev[i].seq, __ATOMIC_ACQUIRE) == seq) {
                *out = b->ev[i];
                return true;
            }
    }
    return false;
}

void trace_test_reset(void)
{
    trace_running = false;
    bufs_free();
    tr.env_path[0] = '\0';
}
