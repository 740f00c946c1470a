/* wgc.h — the public API of wgc, a precise garbage-collected heap for C
 * language runtimes compiled to WebAssembly (and natively, for testing).
 *
 * This is the only header an embedder includes.
 *
 * The embedder's contract, in short:
 *   1. Describe every kind of object with a `struct wgc_type`: its size and
 *      the byte offsets of its pointer fields (WGC_TYPE makes that one line).
 *   2. Allocate with wgc_alloc / wgc_alloc_array / wgc_alloc_bytes.  Memory
 *      comes back zeroed and 8-byte aligned.
 *   3. Tell the collector where the roots are: global slots with
 *      wgc_root_add, locals of C functions with WGC_LOCALS (a frame on a
 *      shadow stack), and, if needed, a conservative range.  wasm keeps its
 *      locals where no scanner can see them, so an object referenced only by
 *      an unregistered C local can be reclaimed at the next allocation.
 *   4. Store references into existing objects through the write barrier,
 *      WGC_STORE(obj, field, value) (see "The write barrier" below):
 *      collection is generational by default, and a minor collection finds
 *      a young object that only an old one points to through the barrier.
 *      Stores into an object allocated with no allocation since, and into
 *      roots, need none.  Set cfg.gen = false to run without generations
 *      (then the barrier is never needed).
 *
 * Which words the collector treats as references:
 *   - a pointer field of a heap object, a global root or a local root is a
 *     reference when it holds the exact start address of an allocated
 *     object.  Any other value (NULL, a tagged integer with its low bit set,
 *     a pointer outside the heap, a pointer into the middle of an object) is
 *     ignored: it neither keeps anything alive nor crashes the collector.
 *   - a word of a conservative range is a reference when it points anywhere
 *     inside an allocated object (interior pointers included).
 *   Objects never move.
 *
 * Errors: allocation returns NULL on bad input or when the heap is full;
 * wgc_last_error() then says why, and the config's error hook was called.
 * Nothing in this API aborts on bad input.
 *
 * wgc is single-threaded: one heap per process, used from one thread.
 */
#ifndef WGC_H
#define WGC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Types
 * ------------------------------------------------------------------------- */

/* A type descriptor: the size of one object and where its pointer fields
 * are.  Offsets are in bytes and must be multiples of sizeof(void *) and
 * below size.  The collector turns them into a word mask the first time the
 * type is used (the private fields below), so descriptors are usually
 * static and must stay alive as long as any object of the type. */
struct wgc_type {
    const char *name;          /* for errors and the verifier */
    size_t size;               /* bytes in one object, > 0 */
    size_t noffsets;           /* number of pointer fields */
    const uint32_t *offsets;   /* byte offset of each pointer field */
    /* Private, filled in by wgc on first use. */
    uint64_t mask_;            /* bit i: word i is a pointer (size <= 64 words) */
    uint32_t words_;           /* size in words, rounded up */
    uint32_t state_;           /* 0 unchecked, else checked: see alloc.c */
    uint32_t flags;            /* WGC_UNBARRIERED or 0 */
};

/* A type whose stores into existing objects do not go through the write
 * barrier (Ruby's "WB-unprotected" objects): its objects are rescanned
 * at every minor collection instead, so an embedder can adopt generational
 * collection type by type.  Costs time in proportion to such old objects. */
#define WGC_UNBARRIERED 1u

/* WGC_TYPE(var, ctype, offsetof(ctype, f1), offsetof(ctype, f2), ...)
 * defines `static struct wgc_type var` describing ctype:
 *     struct pair { value car, cdr; };
 *     WGC_TYPE(pair_type, struct pair, offsetof(struct pair, car),
 *              offsetof(struct pair, cdr));
 * WGC_TYPE_NOPTRS(var, ctype) for a type with no pointer fields. */
#define WGC_TYPE(var, ctype, ...)                                            \
    static const uint32_t var##_offsets_[] = {__VA_ARGS__};                  \
    static struct wgc_type var = {#ctype, sizeof(ctype),                     \
                                  sizeof(var##_offsets_) / sizeof(uint32_t), \
                                  var##_offsets_, 0, 0, 0, 0}
#define WGC_TYPE_NOPTRS(var, ctype) \
    static struct wgc_type var = {#ctype, sizeof(ctype), 0, NULL, 0, 0, 0, 0}
/* WGC_TYPE_UNBARRIERED(var, ctype, offsetof(...), ...): as WGC_TYPE, for a
 * type whose stores skip the write barrier. */
#define WGC_TYPE_UNBARRIERED(var, ctype, ...)                                \
    static const uint32_t var##_offsets_[] = {__VA_ARGS__};                  \
    static struct wgc_type var = {#ctype, sizeof(ctype),                     \
                                  sizeof(var##_offsets_) / sizeof(uint32_t), \
                                  var##_offsets_, 0, 0, 0, WGC_UNBARRIERED}

/* ---------------------------------------------------------------------------
 * Initialisation and configuration
 * ------------------------------------------------------------------------- */

enum wgc_error {
    WGC_OK = 0,
    WGC_ERR_NOMEM,        /* the heap is at its maximum, or the OS layer is out */
    WGC_ERR_BAD_SIZE,     /* size is 0, or n * size overflows, or above the max */
    WGC_ERR_BAD_TYPE,     /* NULL or malformed type descriptor */
    WGC_ERR_NOT_INIT,     /* wgc_init has not been called */
    WGC_ERR_BAD_ARG,      /* another bad argument (see the function) */
};

/* Called on every allocation failure, before NULL is returned, with the
 * error and the size asked for.  It may longjmp out (an interpreter's
 * "out of memory" error); wgc's state is consistent when it is called. */
typedef void (*wgc_error_hook)(enum wgc_error err, size_t size, void *data);

/* The smallest maximum heap: a smaller nonzero max_heap is raised to it. */
#define WGC_MIN_HEAP ((size_t)64 << 10)

struct wgc_config {
    size_t initial_heap;     /* bytes to reserve at init (0: one 4 MiB arena,
                                or max_heap if smaller) */
    size_t max_heap;         /* hard limit on heap bytes (0: the whole 4 GiB
                                space; at least WGC_MIN_HEAP).  The heap
                                grows by 4 MiB, by wasm pages near the limit;
                                runtime metadata (span structs, bitmaps,
                                mark stack) is not counted in it */
    int gc_percent;          /* GOGC-like; 100 by default, < 0 disables pacing */
    unsigned stress;         /* collect every `stress` allocations (0: off) */
    bool verify_each_gc;     /* run wgc_verify after every collection (and
                                poison freed slots so it can see them);
                                a violation is fatal */
    wgc_error_hook on_error; /* out of memory or bad input (may be NULL) */
    void *hook_data;         /* passed to the hook */
    bool gen;                /* generational (default true): minor collections
                                trace only what is young; needs the write
                                barrier (below); false: every collection is
                                full, as before */
};

/* Fill *cfg with the defaults (all zero except gc_percent = 100 and
 * gen = true). */
void wgc_config_default(struct wgc_config *cfg);

/* Initialise the heap.  cfg may be NULL for the defaults.  Returns WGC_OK
 * or an error (bad config, no memory).  Calling it twice is WGC_ERR_BAD_ARG. */
enum wgc_error wgc_init(const struct wgc_config *cfg);

/* Change pacing at run time; returns the previous value. */
int wgc_set_gc_percent(int percent);
/* Collect every n allocations (0: off); returns the previous value. */
unsigned wgc_set_stress(unsigned every_n);

/* The error of the last failed call, and a constant message for it. */
enum wgc_error wgc_last_error(void);
const char *wgc_error_string(enum wgc_error err);

/* ---------------------------------------------------------------------------
 * Allocation.  All return zeroed memory aligned to at least 8 bytes, or
 * NULL with wgc_last_error() set and the error hook called.
 * ------------------------------------------------------------------------- */

void *wgc_alloc(struct wgc_type *type);
/* n objects of type laid out as a C array (the type's layout repeats). */
void *wgc_alloc_array(struct wgc_type *type, size_t n);
/* n bytes that hold no pointers (strings, numbers); never scanned. */
void *wgc_alloc_bytes(size_t n);
/* The usable size of an object returned by the calls above (>= the size
 * asked for), or 0 for anything else. */
size_t wgc_usable_size(const void *obj);

/* ---------------------------------------------------------------------------
 * Roots
 * ------------------------------------------------------------------------- */

/* A global root: a slot (e.g. `static struct obj *symtab;`) whose value the
 * collector reads at every collection.  Adding the same slot twice counts
 * twice; remove it as often.  Returns false (WGC_ERR_NOMEM / BAD_ARG) on
 * failure; a NULL slot, or one not aligned to a pointer, is BAD_ARG. */
bool wgc_root_add(void *slot);
bool wgc_root_remove(void *slot);

/* A conservative range: every aligned word in [start, start+len) that points
 * into an allocated object keeps that object alive. */
bool wgc_range_add(const void *start, size_t len);
bool wgc_range_remove(const void *start);

/* Local roots: a frame of slots on a shadow stack.  Frames live in the C
 * function's own stack frame; push on entry, pop before return (in LIFO
 * order).  A frame is either a list of slot addresses (`slots`, `n`) or an
 * array of n pointer values starting at `array` (for value stacks). */
struct wgc_frame {
    struct wgc_frame *prev;
    size_t n;
    void *const *slots;      /* addresses of pointer variables, or NULL */
    void **array;            /* or: n consecutive pointer slots */
};

/* The shadow stack's top.  Exposed so that frame push/pop is inline. */
extern struct wgc_frame *wgc_frames_top;

/* Popping a frame that is not the top is a fatal error (the shadow stack
 * would lose frames, and their objects with them): wgc stops with a clear
 * message.  A slot address that is NULL or not aligned to a pointer holds
 * no root: the collector skips it, and debug builds (WGC_DEBUG >= 2) stop
 * with a message. */
void wgc_frame_misuse_(const struct wgc_frame *f);

static inline void wgc_frame_push(struct wgc_frame *f)
{
    f->prev = wgc_frames_top;
    wgc_frames_top = f;
}
static inline void wgc_frame_pop(struct wgc_frame *f)
{
    if (wgc_frames_top != f)
        wgc_frame_misuse_(f);
    wgc_frames_top = f->prev;
}

/* Non-local exits: an interpreter that longjmps out of nested C frames saves
 * the shadow stack's depth before setjmp and restores it after the jump:
 *     struct wgc_frame *saved = wgc_frames_save();
 *     if (setjmp(env)) wgc_frames_restore(saved);              */
static inline struct wgc_frame *wgc_frames_save(void) { return wgc_frames_top; }
static inline void wgc_frames_restore(struct wgc_frame *saved) { wgc_frames_top = saved; }

/* WGC_LOCALS(a, b, ...) registers up to 8 local pointer variables of the
 * enclosing block and unregisters them when the block is left (by return,
 * break or falling off its end; after a longjmp use wgc_frames_restore).
 * It needs the `cleanup` attribute of GCC and Clang (emcc is Clang).
 *     value cons(value a, value b) {
 *         WGC_LOCALS(a, b);
 *         struct pair *p = wgc_alloc(&pair_type);   // may collect
 *         ...
 *     }
 * Variables registered this way must be initialised (NULL is fine) before
 * the next allocation.  A block may use it more than once (one per line). */
#define WGC_LOCALS(...) WGC_LOCALS_AT_(__LINE__, __VA_ARGS__)
/* Names made unique by the line, so a block may hold several (each line
 * one); they pop in reverse order when the block ends. */
#define WGC_LOCALS_AT_(line, ...)                                            \
    void *const WGC_CAT2_(wgc_slots_, line)[] = {WGC_ADDRS_(__VA_ARGS__)};   \
    struct wgc_frame WGC_CAT2_(wgc_frame_, line)                             \
        __attribute__((cleanup(wgc_frame_cleanup_))) = {                     \
            wgc_frames_top,                                                  \
            sizeof(WGC_CAT2_(wgc_slots_, line)) / sizeof(void *),            \
            WGC_CAT2_(wgc_slots_, line), NULL};                              \
    wgc_frames_top = &WGC_CAT2_(wgc_frame_, line)

static inline void wgc_frame_cleanup_(struct wgc_frame *f) { wgc_frame_pop(f); }

#define WGC_NARGS_(...) WGC_NARGS2_(__VA_ARGS__, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define WGC_NARGS2_(a1, a2, a3, a4, a5, a6, a7, a8, n, ...) n
#define WGC_CAT_(a, b) a##b
#define WGC_CAT2_(a, b) WGC_CAT_(a, b)
#define WGC_ADDRS_(...) WGC_CAT2_(WGC_ADDRS_, WGC_NARGS_(__VA_ARGS__))(__VA_ARGS__)
#define WGC_ADDRS_1(a) (void *)&(a)
#define WGC_ADDRS_2(a, ...) (void *)&(a), WGC_ADDRS_1(__VA_ARGS__)
#define WGC_ADDRS_3(a, ...) (void *)&(a), WGC_ADDRS_2(__VA_ARGS__)
#define WGC_ADDRS_4(a, ...) (void *)&(a), WGC_ADDRS_3(__VA_ARGS__)
#define WGC_ADDRS_5(a, ...) (void *)&(a), WGC_ADDRS_4(__VA_ARGS__)
#define WGC_ADDRS_6(a, ...) (void *)&(a), WGC_ADDRS_5(__VA_ARGS__)
#define WGC_ADDRS_7(a, ...) (void *)&(a), WGC_ADDRS_6(__VA_ARGS__)
#define WGC_ADDRS_8(a, ...) (void *)&(a), WGC_ADDRS_7(__VA_ARGS__)

/* ---------------------------------------------------------------------------
 * The write barrier
 *
 * With generational collection (cfg.gen), a minor collection traces only
 * young objects (allocated since the last collection); it finds the young
 * objects that old ones point to through the write barrier.  So every store
 * of a reference into a heap object that already existed before the last
 * allocation goes through WGC_STORE (or wgc_write, or wgc_write_range after
 * a bulk copy):
 *     WGC_STORE(pair, cdr, rest);            // pair->cdr = rest, remembered
 * Stores into an object just allocated, before any other allocation (a
 * constructor filling its fields), need none: no collection can have made
 * it old.  Stores into roots (globals, locals) need none either.  Without
 * cfg.gen the barrier does nothing but the store and one card byte.
 * As a safety net, a minor collection also rescans the fields of every old
 * object that a precise root (a global slot or a frame's slot) points to
 * when it runs, so a store into an object still held in a root at the
 * next allocation is found even without the barrier; do not rely on it
 * for objects reached only through other objects.
 *
 * The barrier marks the 512-byte "card" holding the field (one byte of a
 * table; no call, no branch on the value).  Any address is harmless: a
 * field outside the heap, a NULL or non-reference value, are stored and
 * otherwise ignored.  A store that skipped the barrier into an object of a
 * barriered type is the embedder's bug, like a missing root: with
 * verify_each_gc (or WGC_DEBUG=3) the collector checks before every
 * minor collection that each old object pointing to a young one was
 * written through the barrier, and stops with the object, its slot size and
 * the word.  Types whose stores cannot be barriered are declared
 * WGC_TYPE_UNBARRIERED.
 * ------------------------------------------------------------------------- */

/* The card tables, one per 4 MiB slot of the address space (NULL outside
 * the heap), and the space's start.  Exposed so the barrier is inline. */
extern uint8_t *wgc_cards_[1024];
extern uintptr_t wgc_space_base_;

static inline void wgc_card_mark_(const void *field)
{
    uintptr_t off = (uintptr_t)field - wgc_space_base_;
    if ((uint64_t)off >> 32)   /* natively: outside the 4 GiB space */
        return;
    uint8_t *cards = wgc_cards_[(off >> 22) & 1023];
    if (cards != NULL)
        cards[(off >> 9) & 8191] = 1;
}

/* *field = value, remembered.  field is the address of a pointer field of
 * a heap object. */
static inline void wgc_write(void *field, void *value)
{
    *(void **)field = value;
    wgc_card_mark_(field);
}

/* obj->fieldname = value, remembered; value keeps the field's own type. */
#define WGC_STORE(obj, fieldname, value)          \
    do {                                          \
        (obj)->fieldname = (value);               \
        wgc_card_mark_(&(obj)->fieldname);        \
    } while (0)

/* The references in [start, start + len) were written without the barrier
 * (memcpy, a bulk fill of a vector): remember them all. */
void wgc_write_range(const void *start, size_t len);

/* ---------------------------------------------------------------------------
 * Weak references, ephemerons and finalizers
 *
 * They work in every mode (generational or not, stress, verify).  Each is
 * decided at the end of a collection's mark, in this order: the ephemerons
 * to a fixpoint; then weak references and ephemerons whose target or key
 * was not reached are cleared (they read NULL at once, before the object is
 * swept); then unreachable objects with a finalizer are queued, and kept
 * alive with everything they reference until their finalizer has run.  So
 * an object queued for finalization already reads as dead through weak
 * references and ephemerons ("weak before finalization").  In a minor
 * collection an old object counts as reached: what refers weakly to old
 * objects is decided by a major collection (wgc_collect).
 * ------------------------------------------------------------------------- */

/* A weak reference: a small heap object (keep it like any other: rooted,
 * or stored in an object's pointer field) that refers to target without
 * keeping it alive (it allocates; wgc keeps target alive meanwhile, so
 * target need not be rooted).  target is an allocated object (NULL is allowed);
 * else NULL and WGC_ERR_BAD_ARG.  wgc_weak_get gives the target, or NULL
 * once it is dead (NULL + BAD_ARG when w is not a weak reference). */
void *wgc_weak_new(void *target);
void *wgc_weak_get(const void *w);

/* An ephemeron (JS WeakMap's entries, Lua's ephemeron tables, SRFI 124): a
 * small heap object whose value is kept alive only while its key is
 * reachable other than through the value or the ephemeron; when the key
 * dies both read NULL.  key must be an allocated object; value may be
 * anything (a tagged integer, another object, the key itself).  Chains of
 * ephemerons resolve in time linear in their length. */
void *wgc_ephemeron_new(void *key, void *value);
void *wgc_ephemeron_key(const void *e);
void *wgc_ephemeron_value(const void *e);

/* Finalizers.  When a collection finds obj unreachable, it queues
 * fn(obj, data) and keeps obj (and what it references) alive until the
 * embedder calls wgc_run_finalizers at a safe moment -- never from inside
 * an allocation -- where finalizers may allocate, store, register new
 * finalizers and resurrect obj.  Each registration runs at most once;
 * registering obj again (also from its finalizer) adds another.  Order:
 * none (like Java and JS): unreachable finalizable objects are queued in
 * the same collection, a cycle of them included, each run once.
 * wgc_finalizer_add: false + BAD_ARG when obj is not an allocated object
 * (NULL, outside the heap, freed, interior) or fn is NULL.
 * wgc_finalizer_remove: the newest registration of obj; false + BAD_ARG
 * when it has none.  wgc_run_finalizers returns how many ran; called from
 * inside a finalizer it runs none (0, BAD_ARG), the outer call goes on.
 * A finalizer must return normally (not longjmp out of wgc_run_finalizers).
 * These calls and wgc_weak_get / wgc_ephemeron_key / _value report bad
 * input through wgc_last_error only; the error hook is for allocating
 * calls (wgc_weak_new and wgc_ephemeron_new among them). */
typedef void (*wgc_finalizer)(void *obj, void *data);
bool wgc_finalizer_add(void *obj, wgc_finalizer fn, void *data);
bool wgc_finalizer_remove(void *obj);
size_t wgc_run_finalizers(void);
size_t wgc_finalizers_pending(void);

/* ---------------------------------------------------------------------------
 * Collection
 * ------------------------------------------------------------------------- */

/* Run a full (major) collection now (mark, then sweep everything). */
void wgc_collect(void);

/* Walk the whole heap and check every invariant (span and page-allocator
 * bookkeeping, bitmaps, counters) and every pointer field of every live
 * object.  A pointer field is reported as dangling -- the sign of a missing
 * root -- only when it holds the exact start of a small object that a sweep
 * has freed and whose slot nothing has reused since: a word the collector
 * took for a reference when it was stored.  That needs the freed slots'
 * poison, which debug builds (WGC_DEBUG >= 2) and verify_each_gc turn on;
 * without it only the bookkeeping is checked.  Every other word -- NULL,
 * integers, interior or one-past-the-end pointers, pointers into free
 * pages -- is ignored by the verifier as by the collector (so a dangling
 * pointer to a freed large object is not detected).  Returns true when the
 * heap is sound; otherwise false, with the first violation written to msg
 * (if msg is not NULL, at most len bytes, NUL-terminated).  It finishes any
 * lazy sweeping first. */
bool wgc_verify(char *msg, size_t len);

/* ---------------------------------------------------------------------------
 * Statistics
 * ------------------------------------------------------------------------- */

#define WGC_NUM_SIZE_CLASSES_MAX 80
#define WGC_PAUSE_BUCKETS 24   /* bucket i: pauses in [2^(i-1), 2^i) microseconds */

struct wgc_stats {
    /* heap */
    uint64_t heap_alloc;       /* bytes in allocated objects (incl. not yet swept garbage) */
    uint64_t heap_inuse;       /* bytes in spans in use */
    uint64_t heap_sys;         /* bytes of heap arenas obtained from the OS layer */
    uint64_t heap_released;    /* bytes of free pages marked unused */
    uint64_t total_alloc;      /* cumulative bytes allocated */
    uint64_t nmalloc;          /* cumulative objects allocated */
    uint64_t nfree;            /* cumulative objects freed */
    uint64_t nlarge;           /* live large objects (> 32 KiB) */
    /* the OS layer */
    uint64_t sys_reserved;     /* bytes reserved */
    uint64_t sys_mapped;       /* bytes mapped (committed) */
    uint64_t sys_inuse;        /* bytes handed out by sys_alloc / reserve */
    uint64_t sys_padding;      /* bytes lost to alignment padding */
    uint64_t sys_metadata;     /* bytes of runtime metadata (spans, bitmaps, index) */
    uint64_t memory_size;      /* total linear memory (wasm) / mapped range (posix) */
    /* collector */
    uint64_t num_gc;           /* collections completed */
    uint64_t live_bytes;       /* bytes marked by the last collection */
    uint64_t next_gc;          /* heap goal: the next collection starts at this heap_alloc */
    uint64_t bytes_freed;      /* cumulative bytes reclaimed by sweeping */
    uint64_t pause_total_ns;
    uint64_t pause_max_ns;
    uint64_t pause_last_ns;
    uint64_t pause_hist[WGC_PAUSE_BUCKETS];
    /* generational collection (cfg.gen); without it every collection is major */
    uint64_t num_minor_gc;     /* collections that traced only young objects */
    uint64_t num_major_gc;     /* full collections */
    uint64_t pause_minor_ns;   /* total pause of minor collections */
    uint64_t pause_major_ns;   /* total pause of major collections */
    uint64_t old_bytes;        /* bytes of old objects (live at the last major
                                  collection, plus everything promoted since) */
    uint64_t cards_last;       /* dirty cards (the remembered set) scanned by
                                  the last minor collection */
    uint64_t cards_total;      /* all minor collections' dirty cards */
    uint64_t finalizers_pending;   /* objects queued for wgc_run_finalizers */
    /* per size class */
    uint32_t num_classes;
    struct {
        uint32_t size;         /* object size of the class */
        uint32_t pages;        /* pages per span */
        uint64_t nmalloc;      /* cumulative objects allocated */
        uint64_t nfree;        /* cumulative objects freed */
        uint64_t spans;        /* spans of the class in use */
    } classes[WGC_NUM_SIZE_CLASSES_MAX];
};

void wgc_stats(struct wgc_stats *out);

/* Print the counters (and, in debug builds, the debuglog) to stderr. */
void wgc_print_stats(void);

/* ---------------------------------------------------------------------------
 * Looking at the heap (a live heap map)
 * ------------------------------------------------------------------------- */

/* One run of heap pages, as wgc_heap_walk reports it, in address order. */
enum wgc_run_kind {
    WGC_RUN_FREE = 0,     /* free pages of the heap */
    WGC_RUN_SMALL,        /* a span of one size class's slots */
    WGC_RUN_LARGE,        /* one large object */
    WGC_RUN_GAP,          /* between two heap regions: metadata, malloc's
                             memory, alignment padding (not heap) */
};
struct wgc_run {
    uintptr_t addr;        /* first byte */
    size_t bytes;          /* whole 8 KiB pages (a gap: any size) */
    enum wgc_run_kind kind;
    uint32_t size_class;   /* WGC_RUN_SMALL: the class (wgc_stats' classes[]) */
    uint32_t slot_size;    /* SMALL: slot bytes; LARGE: the object's pages' bytes */
    uint32_t slots;        /* SMALL: slots; LARGE: 1 */
    uint32_t used;         /* slots allocated (as of the last sweep or fold) */
    uint32_t old;          /* generational: slots marked old */
    bool noscan;           /* holds no pointers */
    bool unswept;          /* not swept since the last collection */
    bool current;          /* a size class's current span */
};

/* Call visit for every run of the heap, in address order (regions, the
 * gaps between them, spans and free runs).  Allocates nothing; visit may
 * not allocate from wgc.  Before wgc_init it visits nothing. */
typedef void (*wgc_run_visitor)(const struct wgc_run *run, void *data);
void wgc_heap_walk(wgc_run_visitor visit, void *data);

/* Called at the end of every collection (after its pause, before the
 * allocation that triggered it goes on), with the stats' most useful
 * numbers in hand through wgc_stats.  It must not allocate from wgc; NULL
 * removes it.  Returns the previous callback. */
typedef void (*wgc_gc_callback)(void *data);
wgc_gc_callback wgc_set_gc_callback(wgc_gc_callback fn, void *data);

/* ---------------------------------------------------------------------------
 * debuglog and trace
 * ------------------------------------------------------------------------- */

/* The debuglog: a ring of the runtime's most recent internal events (a
 * static message and three numbers each), kept in one 64 KiB region and
 * printed on a fatal error.  Off until enabled (enabling takes the 64 KiB);
 * with WGC_DEBUGLOG=0 the runtime's log calls are compiled out and nothing
 * is ever recorded.  Setting WGC_DEBUGLOG=1 in the environment before
 * wgc_init enables it from the start.  Print writes the newest records to
 * stderr. */
void wgc_debuglog_enable(bool on);
void wgc_debuglog_print(void);

/* The trace: every collection (begin, end, its phases) and samples of the
 * heap's size and goal, with timestamps, exported as Chrome Trace Event
 * JSON that Perfetto (ui.perfetto.dev) and chrome://tracing open.
 *   wgc_trace_start       begin a new trace, dropping any earlier one;
 *                         false if one is running or there is no memory.
 *   wgc_trace_stop        stop recording (what was recorded is kept).
 *   wgc_trace_write_json  write what was recorded so far (running or
 *                         stopped) to path; false if nothing was ever
 *                         recorded or the file cannot be written.
 * Setting WGC_TRACE_FILE=<path> in the environment before wgc_init starts a
 * trace at wgc_init and writes it to <path> at exit.  Under Node, link with
 * --pre-js arch/node_env.pre.js (the build does) so that getenv sees Node's
 * environment -- emscripten 3.1.6 gives a program its own; without it, the
 * wasm build falls back to /proc/self/environ (Linux hosts).  The wasm
 * program writes the host's file when linked with -sNODERAWFS=1.  A module
 * that never exits (EXIT_RUNTIME=0) calls wgc_trace_write_json itself.
 * Compiled out with WGC_TRACE=0 (LOG=0): the calls remain and record no
 * events. */
bool wgc_trace_start(void);
void wgc_trace_stop(void);
bool wgc_trace_write_json(const char *path);

#ifdef __cplusplus
}
#endif
#endif /* WGC_H */
