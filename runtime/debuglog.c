/* debuglog.c — the debuglog ring (see
 * debuglog.h for the layout and the invariants D1..D4).
 * Below: arch/sys.h.  Above: the rest of runtime/ via DLOG, and init.c's
 * fatal-error printer, which prints the ring.
 *
 * Writing a record: reserve a sequence number with an atomic fetch-add on
 * the header's pos, clear the slot's seq (so a reader that catches it half
 * written skips it), fill the slot, store seq + 1 with release order, then
 * count the record as complete.  Reading walks the newest min(pos, nslots)
 * sequence numbers and copies each slot whose seq says it holds exactly
 * that record (D2).
 */
#include "debuglog.h"

#include <inttypes.h>
#include <stdio.h>

#include "sys.h"
#include "wgc.h"

#define DEBUGLOG_MAGIC UINT64_C(0x676f6c6775626564)   /* "debuglog" */

struct debuglog_header {
    uint64_t magic;
    uint64_t pos;          /* next sequence number to hand out (atomic) */
    uint64_t count;        /* records completely written (atomic) */
    uint64_t epoch_ns;     /* CLOCK_MONOTONIC when the ring was made */
    uint32_t nslots;
    uint32_t record_size;
    uint32_t reserved[6];
};

struct debuglog_ring {
    struct debuglog_header h;
    struct debuglog_record rec[];
};

/* D1, pinned: the header's and every record's 64-bit fields sit at
 * multiples of 8 from the ring's start. */
_Static_assert(sizeof(struct debuglog_header) == 64, "header is one cache line");
_Static_assert(offsetof(struct debuglog_header, pos) % 8 == 0, "pos aligned (D1)");
_Static_assert(offsetof(struct debuglog_header, count) % 8 == 0, "count aligned (D1)");
_Static_assert(offsetof(struct debuglog_ring, rec) % 8 == 0, "records aligned (D1)");
_Static_assert(offsetof(struct debuglog_record, seq) % 8 == 0, "seq aligned (D1)");
_Static_assert(DEBUGLOG_RING_BYTES % SYS_PAGE == 0, "the ring is whole wasm pages");

#define NSLOTS ((DEBUGLOG_RING_BYTES - sizeof(struct debuglog_header)) / \
                sizeof(struct debuglog_record))

bool debuglog_enabled;

static struct {
    struct debuglog_ring *ring;
    bool unchecked;        /* debuglog_set_checks(false) */
} dl;


bool debuglog_placement_ok(const void *ring, const char **why)
{
    const char *bad = NULL;
    uintptr_t p = (uintptr_t)ring;
    const struct debuglog_ring *r = ring;
    if (ring == NULL)
        bad = "debuglog: no ring";
    else if ((p & (SYS_PAGE - 1)) != 0)
        bad = "debuglog: ring is not on a 64 KiB boundary (sys.h A1, debuglog.h D1)";
    else if (((uintptr_t)&r->h.pos | (uintptr_t)&r->h.count |
              (uintptr_t)&r->rec[0].seq | (uintptr_t)&r->rec[1].seq) & 7)
        bad = "debuglog: a 64-bit field of the ring is misaligned (debuglog.h D1)";
    if (why != NULL)
        *why = bad;
    return bad == NULL;
}

void debuglog_set_checks(bool on)
{
    dl.unchecked = !on;
}

void debuglog_init(void)
{
    if (dl.ring != NULL)
        return;
    struct debuglog_ring *r = sys_alloc(DEBUGLOG_RING_BYTES);
    if (r == NULL)
        return;   /* out of memory is never fatal: the log just stays off */
    const char *why;
    if (!dl.unchecked && !debuglog_placement_ok(r, &why))
        sys_fatal(why);
    /* The region is zeroed (sys.h A4); the header's counters start at 0
     * and are only ever touched atomically, this first store included. */
    r->h.magic = DEBUGLOG_MAGIC;
    r->h.nslots = (uint32_t)NSLOTS;
    r->h.record_size = (uint32_t)sizeof(struct debuglog_record);
    __atomic_store_n(&r->h.epoch_ns, sys_nanotime(), __ATOMIC_RELAXED);
    __atomic_store_n(&r->h.pos, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&r->h.count, 0, __ATOMIC_RELEASE);
    dl.ring = r;
}

void debuglog_enable(bool on)
{
    if (on)
        debuglog_init();
    debuglog_enabled = on && dl.ring != NULL;
}

void debuglog_write(const char *msg, uintptr_t a, uintptr_t b, uintptr_t c)
{
    struct debuglog_ring *r = dl.ring;
    if (r == NULL)
        return;
    uint64_t seq = __atomic_fetch_add(&r->h.pos, 1, __ATOMIC_RELAXED);
    struct debuglog_record *rec = &r->rec[seq % NSLOTS];
    __atomic_store_n(&rec->seq, 0, __ATOMIC_RELAXED);   /* torn until done */
    rec->nanotime = sys_nanotime();
    rec->msg = msg;
    rec->args[0] = a;
    rec->args[1] = b;
    rec->args[2] = c;
    __atomic_store_n(&rec->seq, seq + 1, __ATOMIC_RELEASE);
    __atomic_fetch_add(&r->h.count, 1, __ATOMIC_RELEASE);
}

/* ---- reading -------------------------------------------------------------- */

const void *debuglog_ring(void)
{
    return dl.ring;
}

size_t debuglog_capacity(void)
{
    return NSLOTS;
}

uint64_t debuglog_pos(void)
{
    return dl.ring ? __atomic_load_n(&dl.ring->h.pos, __ATOMIC_ACQUIRE) : 0;
}

uint64_t debuglog_count(void)
{
    return dl.ring ? __atomic_load_n(&dl.ring->h.count, __ATOMIC_ACQUIRE) : 0;
}

/* Copy record `seq` into *out if its slot holds exactly that record, whole. */
static bool read_one(const struct debuglog_ring *r, uint64_t seq, struct debuglog_record *out)
{
    const struct debuglog_record *rec = &r->rec[seq % NSLOTS];
    if (__atomic_load_n(&rec->seq, __ATOMIC_ACQUIRE) != seq + 1)
        return false;
    out->nanotime = rec->nanotime;
    out->msg = rec->msg;
    for (int i = 0; i < DEBUGLOG_NARGS; i++)
        out->args[i] = rec->args[i];
    out->seq = seq + 1;
    /* Overwritten while we copied?  Only a writer racing us could. */
    return __atomic_load_n(&rec->seq, __ATOMIC_ACQUIRE) == seq + 1;
}

size_t debuglog_read(struct debuglog_record *out, size_t max)
{
    const struct debuglog_ring *r = dl.ring;
    if (r == NULL || max == 0)
        return 0;
    uint64_t pos = __atomic_load_n(&r->h.pos, __ATOMIC_ACQUIRE);
    uint64_t n = pos < NSLOTS ? pos : NSLOTS;
    if (n > max)
        n = max;
    size_t got = 0;
    for (uint64_t seq = pos - n; seq < pos; seq++)
        if (read_one(r, seq, &out[got]))
            got++;
    return got;
}

/* An argument as a person wants to read it: counts and sizes in decimal,
 * anything larger (addresses, masks) in hex. */
static void print_arg(FILE *f, uintptr_t v)
{
    if (v <= 0xffff)
        fprintf(f, " %" PRIuPTR, v);
    else
        fprintf(f, " %#" PRIxPTR, v);
}

void debuglog_print_to(FILE *f)
{
    const struct debuglog_ring *r = dl.ring;
    if (r == NULL) {
        fprintf(f, "debuglog: empty (never enabled)\n");
        return;
    }
    uint64_t pos = __atomic_load_n(&r->h.pos, __ATOMIC_ACQUIRE);
    uint64_t count = __atomic_load_n(&r->h.count, __ATOMIC_ACQUIRE);
    uint64_t epoch = __atomic_load_n(&r->h.epoch_ns, __ATOMIC_RELAXED);
    uint64_t n = pos < NSLOTS ? pos : NSLOTS;
    fprintf(f, "debuglog: %" PRIu64 " records written, %" PRIu64 " complete; "
            "the newest %" PRIu64 ", oldest first (ms since the log started):\n",
            pos, count, n);
    for (uint64_t seq = pos - n; seq < pos; seq++) {
        struct debuglog_record rec;
        if (!read_one(r, seq, &rec)) {
            fprintf(f, "  #%-8" PRIu64 " (being written)\n", seq);
            continue;
        }
        uint64_t t = rec.nanotime >= epoch ? rec.nanotime - epoch : 0;
        fprintf(f, "  #%-8" PRIu64 " %6" PRIu64 ".%06" PRIu64 "  %s", seq,
                t / 1000000, t % 1000000, rec.msg ? rec.msg : "(null)");
        for (int i = 0; i < DEBUGLOG_NARGS; i++)
            print_arg(f, rec.args[i]);
        fputc('\n', f);
    }
}

void debuglog_print(void)
{
    debuglog_print_to(stderr);
}

/* ---- the public calls (wgc.h) --------------------------------------------- */

void wgc_debuglog_enable(bool on)
{
    debuglog_enable(on);
}

void wgc_debuglog_print(void)
{
    debuglog_print();
}

void debuglog_test_reset(void)
{
    debuglog_enabled = false;
    if (dl.ring != NULL)
        sys_free(dl.ring, DEBUGLOG_RING_BYTES);
    dl.ring = NULL;
}
