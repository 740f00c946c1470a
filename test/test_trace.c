/* test_trace.c — the event trace (runtime/trace.h): where buffers sit (T1),
 * sequence numbers across chained buffers (T2), hooks that record only
 * while a trace runs (T3), and the Chrome Trace Event JSON, checked two
 * ways: by the tests' strict JSON reader (json.h) and by Node's own
 * JSON.parse, started with system() -- natively, and under Node too, where
 * emscripten's system() spawns a shell through child_process.  WGC_TRACE_FILE is tested
 * in process and through a real exit of a child process (this test run
 * again), on both targets.
 * Built with SYS_ALIGN=0 the placement test turns round (the baseline
 * misplaces the first buffer) and the others run with the check off; see
 * test_debuglog.c for why that passes on the posix host and traps on wasm. */
#include "testutil.h"

#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "sys.h"
#include "trace.h"
#include "wgc.h"

static bool page_aligned(const void *p)
{
    return ((uintptr_t)p & (SYS_PAGE - 1)) == 0;
}

static int setup(void **state)
{
    (void)state;
    trace_test_reset();
    trace_set_checks(SYS_ALIGN);
    return 0;
}

/* A fresh file name for a test's JSON (under Node, /tmp is the host's). */
static void temp_path(char *buf, size_t len, const char *what)
{
    static unsigned n;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(buf, len, "/tmp/wgc-test-trace-%s-%ld-%ld-%u.json", what, (long)getpid(),
             (long)ts.tv_nsec, n++);
}

/* The hooks of one whole collection, as the collector calls them. */
static void fake_gc(uint64_t i)
{
    trace_gc_begin(1000 + i, 2000 + i);
    trace_phase_begin(TRACE_SWEEP_TERM);
    trace_phase_end(TRACE_SWEEP_TERM);
    trace_phase_begin(TRACE_MARK);
    trace_phase_end(TRACE_MARK);
    trace_phase_begin(TRACE_SWEEP);
    trace_phase_end(TRACE_SWEEP);
    trace_gc_end(500 + i, 400 + i, 800 + i);
}
#define EVENTS_PER_GC 8

/* ---- the trace's summary, read with the strict JSON reader (json.h) ----------- */

/* What a trace file says, as far as the tests need. */
struct summary {
    size_t events;              /* elements of traceEvents */
    size_t gc_x, gc_b;          /* "GC" events by ph */
    size_t phase_x[4];          /* "X" events per phase (index: enum trace_phase) */
    size_t phase_b;
    size_t counters;            /* "C" events */
    size_t meta;                /* "M" events */
    size_t missing;             /* events without name, ph, pid, tid or ts */
    double other_unmatched, other_dropped, other_events, other_collections;
};

static bool event(struct json *p, struct summary *s)
{
    char name[64] = "", ph[8] = "";
    bool has_pid = false, has_tid = false, has_ts = false;
    if (!json_eat(p, '{'))
        return false;
    if (!json_eat(p, '}')) {
        do {
            char key[32], sv[64] = "";
            double nv = -1;
            if (!json_string(p, key, sizeof key) || !json_eat(p, ':') ||
                !json_value(p, 1, sv, sizeof sv, &nv))
                return false;
            if (strcmp(key, "name") == 0)
                memcpy(name, sv, sizeof name);
            else if (strcmp(key, "ph") == 0 && strlen(sv) < sizeof ph)
                memcpy(ph, sv, strlen(sv) + 1);
            else if (strcmp(key, "pid") == 0)
                has_pid = nv >= 0;
            else if (strcmp(key, "tid") == 0)
                has_tid = nv >= 0;
            else if (strcmp(key, "ts") == 0)
                has_ts = nv >= 0;
        } while (json_eat(p, ','));
        if (!json_eat(p, '}'))
            return false;
    }
    s->events++;
    if (!name[0] || !ph[0] || !has_pid || !has_tid || (!has_ts && strcmp(ph, "M") != 0))
        s->missing++;
    static const char *const phases[] = {NULL, "sweep termination", "mark", "sweep"};
    if (strcmp(name, "GC") == 0) {
        s->gc_x += strcmp(ph, "X") == 0;
        s->gc_b += strcmp(ph, "B") == 0;
    }
    for (int k = 1; k <= 3; k++)
        if (strcmp(name, phases[k]) == 0) {
            s->phase_x[k] += strcmp(ph, "X") == 0;
            s->phase_b += strcmp(ph, "B") == 0;
        }
    s->counters += strcmp(ph, "C") == 0;
    s->meta += strcmp(ph, "M") == 0;
    return true;
}

static bool other_data(struct json *p, struct summary *s)
{
    if (!json_eat(p, '{'))
        return false;
    if (json_eat(p, '}'))
        return true;
    do {
        char key[32], sv[64];
        double nv = -1;
        if (!json_string(p, key, sizeof key) || !json_eat(p, ':') ||
            !json_value(p, 1, sv, sizeof sv, &nv))
            return false;
        if (strcmp(key, "unmatched") == 0)
            s->other_unmatched = nv;
        else if (strcmp(key, "dropped") == 0)
            s->other_dropped = nv;
        else if (strcmp(key, "events") == 0)
            s->other_events = nv;
        else if (strcmp(key, "collections") == 0)
            s->other_collections = nv;
    } while (json_eat(p, ','));
    return json_eat(p, '}');
}

/* Parse a whole trace file; false (with the offset) if it is not JSON. */
static bool parse_trace(const char *text, size_t len, struct summary *s, bool quiet)
{
    struct json p = {text, 0, len};
    memset(s, 0, sizeof *s);
    s->other_unmatched = s->other_dropped = s->other_events = s->other_collections = -1;
    bool saw_events = false;
    if (!json_eat(&p, '{'))
        goto bad;
    do {
        char key[32];
        if (!json_string(&p, key, sizeof key) || !json_eat(&p, ':'))
            goto bad;
        if (strcmp(key, "traceEvents") == 0) {
            saw_events = true;
            if (!json_eat(&p, '['))
                goto bad;
            if (!json_eat(&p, ']')) {
                do {
                    if (!event(&p, s))
                        goto bad;
                } while (json_eat(&p, ','));
                if (!json_eat(&p, ']'))
                    goto bad;
            }
        } else if (strcmp(key, "otherData") == 0) {
            if (!other_data(&p, s))
                goto bad;
        } else if (!json_value(&p, 1, NULL, 0, NULL)) {
            goto bad;
        }
    } while (json_eat(&p, ','));
    if (!json_eat(&p, '}'))
        goto bad;
    if (!json_at_end(&p) || !saw_events)
        goto bad;
    return true;
bad:
    if (!quiet)
        printf("[  INFO    ] not a trace: stops at byte %zu of %zu: \"%.40s\"\n", p.i, len,
           text + (p.i < len ? p.i : len));
    return false;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *text = malloc((size_t)n + 1);
    assert_non_null(text);
    *len = fread(text, 1, (size_t)n, f);
    text[*len] = '\0';
    fclose(f);
    return text;
}

/* Read a trace file into *s; fails the test if it is missing or not JSON. */
static void summarize(const char *path, struct summary *s)
{
    size_t len = 0;
    char *text = read_all(path, &len);
    if (text == NULL)
        fail_msg("cannot read %s", path);
    bool ok = parse_trace(text, len, s, false);
    free(text);
    if (!ok)
        fail_msg("%s is not valid trace JSON", path);
}

/* ---- the reader reads only JSON ------------------------------------------------ */

/* The reader must reject what JSON.parse rejects, or its passes mean
 * nothing. */
static void test_reader_rejects_bad_json(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "{", "{\"traceEvents\":[]", "{\"traceEvents\":[],}", "{\"traceEvents\":[{},]}",
        "{\"traceEvents\":[{\"ts\":01}]}", "{\"traceEvents\":[{\"ts\":1.}]}",
        "{\"traceEvents\":[{\"ts\":.5}]}", "{\"traceEvents\":[{\"a\":\"x\ty\"}]}",
        "{\"traceEvents\":[{\"a\":\"\\q\"}]}", "{\"traceEvents\":[{\"a\":tru}]}",
        "{\"traceEvents\":[]} x", "{\"other\":1}", "{\"traceEvents\":[{\"a\" 1}]}",
    };
    static const char *const good[] = {
        "{\"traceEvents\":[]}",
        " {\"traceEvents\" : [ {\"name\":\"GC\",\"ph\":\"X\",\"ts\":1.5e3,\"pid\":1,\"tid\":1,"
        "\"args\":{\"a\":[true,false,null,-0.25,\"\\u00e9\\n\"]}} ] } \n",
    };
    struct summary s;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (parse_trace(bad[i], strlen(bad[i]), &s, true))
            fail_msg("accepted bad JSON #%zu: %s", i, bad[i]);
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(parse_trace(good[i], strlen(good[i]), &s, false));
    assert_int_equal(s.gc_x, 1);
    assert_int_equal(s.missing, 0);
}

/* ---- buffers ------------------------------------------------------------------- */

/* T1: a trace long enough to chain several buffers, started after odd
 * regions and foreign growth: every buffer is on a 64 KiB boundary, with
 * its 64-bit fields aligned.  The baseline misplaces the first one. */
static void test_buffer_placement(void **state)
{
    (void)state;
    void *odd = sys_alloc(13);
    assert_non_null(odd);
    if (SYS_ALIGN)
        sys_test_foreign_sbrk(24);   /* malloc left the break mid-page */
    assert_true(wgc_trace_start());
    const char *why = NULL;
    if (!SYS_ALIGN) {
        assert_ptr_equal(trace_buf(0), (unsigned char *)odd + 13);
        assert_false(trace_placement_ok(trace_buf(0), &why));
        assert_non_null(why);
        sys_free(odd, 13);
        return;
    }
    size_t cap = trace_buf_capacity();
    assert_true(cap >= 1000);
    for (size_t i = 0; i < 5 * cap / 2; i++) {
        trace_record(TRACE_EV_HEAP, 0, i, 2 * i, 0);
        if (i % 500 == 0)
            sys_test_foreign_sbrk(40);   /* malloc's growth between buffers */
    }
    assert_int_equal(trace_nbufs(), 3);
    for (size_t i = 0; i < trace_nbufs(); i++) {
        const void *b = trace_buf(i);
        assert_non_null(b);
        assert_true(page_aligned(b));
        why = "not set";
        assert_true(trace_placement_ok(b, &why));
        assert_null(why);
        for (size_t j = 0; j < i; j++)
            assert_ptr_not_equal(trace_buf(j), b);
    }
    assert_null(trace_buf(trace_nbufs()));
    /* The checker refuses what is off the boundary. */
    for (size_t off = 1; off < SYS_PAGE; off *= 3) {
        why = NULL;
        assert_false(trace_placement_ok((const unsigned char *)trace_buf(0) + off, &why));
        assert_non_null(why);
    }
    sys_free(odd, 13);
}

/* T2: sequence numbers 1..n with no gap, in the order written, across
 * buffers, with nondecreasing timestamps and the arguments intact. */
static void test_sequence_numbers(void **state)
{
    (void)state;
    assert_true(wgc_trace_start());
    size_t n = 2 * trace_buf_capacity() + 17;
    for (size_t i = 0; i < n; i++)
        trace_record(i % 2 ? TRACE_EV_PHASE_BEGIN : TRACE_EV_HEAP, (int)(i % 3), i, ~(uint64_t)i, 7);
    assert_int_equal(trace_nevents(), n);
    assert_int_equal(trace_nbufs(), 3);
    uint64_t last_ns = 0;
    for (uint64_t seq = 1; seq <= n; seq++) {
        struct trace_event e;
        if (!trace_test_event(seq, &e))
            fail_msg("event %llu is missing", (unsigned long long)seq);
        uint64_t i = seq - 1;
        assert_int_equal(e.seq, seq);
        assert_int_equal(e.kind, i % 2 ? TRACE_EV_PHASE_BEGIN : TRACE_EV_HEAP);
        assert_int_equal(e.phase, i % 3);
        assert_int_equal(e.args[0], i);
        assert_int_equal(e.args[1], ~(uint64_t)i);
        assert_int_equal(e.args[2], 7);
        assert_true(e.nanotime >= last_ns);
        last_ns = e.nanotime;
    }
    struct trace_event e;
    assert_false(trace_test_event(n + 1, &e));
    assert_false(trace_test_event(0, &e));
}

/* T2: with no memory for the next buffer an event is dropped and counted,
 * takes no sequence number, and recording carries on when memory comes. */
static void test_drop_without_memory(void **state)
{
    (void)state;
    assert_true(wgc_trace_start());
    size_t cap = trace_buf_capacity();
    for (size_t i = 0; i < cap; i++)
        trace_record(TRACE_EV_HEAP, 0, i, 0, 0);
    assert_int_equal(trace_nbufs(), 1);
    sys_test_fail_nth(1);
    trace_record(TRACE_EV_HEAP, 0, 12345, 0, 0);
    assert_int_equal(trace_ndropped(), 1);
    assert_int_equal(trace_nevents(), cap);
    assert_int_equal(trace_nbufs(), 1);
    trace_record(TRACE_EV_HEAP, 0, 777, 0, 0);
    assert_int_equal(trace_nbufs(), 2);
    struct trace_event e;
    assert_true(trace_test_event(cap + 1, &e));
    assert_int_equal(e.args[0], 777);
    /* No memory at all: the trace does not start. */
    wgc_trace_stop();
    sys_test_fail_nth(1);
    assert_false(wgc_trace_start());
    assert_false(trace_running);
}

/* T3: hooks record only while a trace runs (and nothing at all when the
 * trace is compiled out); no trace, no buffer. */
static void test_hooks_only_while_running(void **state)
{
    (void)state;
    fake_gc(0);
    trace_heap(1, 2);
    assert_int_equal(trace_nbufs(), 0);
    assert_int_equal(trace_nevents(), 0);
    assert_true(wgc_trace_start());
    assert_false(wgc_trace_start());   /* one at a time */
    fake_gc(1);
    trace_heap(3, 4);
    uint64_t want = WGC_TRACE ? EVENTS_PER_GC + 1 : 0;
    assert_int_equal(trace_nevents(), want);
    wgc_trace_stop();
    fake_gc(2);
    assert_int_equal(trace_nevents(), want);
    if (WGC_TRACE) {
        struct trace_event e;
        assert_true(trace_test_event(1, &e));
        assert_int_equal(e.kind, TRACE_EV_GC_BEGIN);
        assert_int_equal(e.args[0], 1001);
        assert_int_equal(e.args[1], 2001);
        assert_true(trace_test_event(EVENTS_PER_GC, &e));
        assert_int_equal(e.kind, TRACE_EV_GC_END);
        assert_int_equal(e.args[2], 801);
    }
    /* A new trace starts empty and gives the old buffers back. */
    struct sys_stats a, b;
    sys_get_stats(&a);
    assert_true(wgc_trace_start());
    assert_int_equal(trace_nevents(), 0);
    assert_int_equal(trace_nbufs(), 1);
    sys_get_stats(&b);
    assert_int_equal(b.reserved, a.reserved);
}

/* ---- the JSON -------------------------------------------------------------------- */

/* Collections and heap samples through the hooks give exactly one "X" per
 * collection and per phase, and the counter samples, in valid JSON. */
static void test_json_counts(void **state)
{
    (void)state;
    const size_t ngc[] = {0, 1, 5, 400};   /* 400: three buffers */
    for (size_t k = 0; k < sizeof ngc / sizeof ngc[0]; k++) {
        trace_test_reset();
        assert_true(wgc_trace_start());
        for (uint64_t i = 0; i < ngc[k]; i++) {
            fake_gc(i);
            trace_heap(10 + i, 20 + i);
        }
        wgc_trace_stop();
        trace_heap(1, 1);   /* after stop: not recorded */
        char path[128];
        temp_path(path, sizeof path, "counts");
        assert_true(wgc_trace_write_json(path));
        struct summary s;
        summarize(path, &s);
        remove(path);
        size_t n = WGC_TRACE ? ngc[k] : 0;
        assert_int_equal(s.gc_x, n);
        assert_int_equal(s.gc_b, 0);
        for (int ph = TRACE_SWEEP_TERM; ph <= TRACE_SWEEP; ph++)
            assert_int_equal(s.phase_x[ph], n);
        assert_int_equal(s.phase_b, 0);
        assert_int_equal(s.counters, n * (2 + 3 + 2));
        assert_int_equal(s.meta, 2);
        assert_int_equal(s.missing, 0);
        assert_int_equal(s.events, s.meta + s.counters + 4 * n);
        assert_true(s.other_unmatched == 0);
        assert_true(s.other_dropped == 0);
        assert_true(s.other_events == (double)(n * (EVENTS_PER_GC + 1)));
        assert_true(s.other_collections == (double)n);
    }
}

/* Unpaired hooks: an end without a begin is counted and skipped, a phase
 * left open is closed with its collection, a collection still open when
 * the JSON is written becomes a "B" event.  Still valid JSON. */
static void test_json_unpaired(void **state)
{
    (void)state;
    if (!WGC_TRACE)
        skip();   /* the hooks are compiled out */
    assert_true(wgc_trace_start());
    trace_phase_end(TRACE_MARK);             /* no begin: unmatched */
    trace_gc_end(1, 1, 1);                   /* no begin: unmatched */
    trace_gc_begin(5, 6);
    trace_phase_begin(TRACE_MARK);           /* never ended: closed by gc_end */
    trace_gc_end(5, 4, 8);
    trace_gc_begin(7, 8);                    /* still open */
    trace_phase_begin(TRACE_SWEEP);          /* still open */
    char path[128];
    temp_path(path, sizeof path, "unpaired");
    assert_true(wgc_trace_write_json(path));   /* written while running */
    struct summary s;
    summarize(path, &s);
    remove(path);
    assert_int_equal(s.gc_x, 1);
    assert_int_equal(s.gc_b, 1);
    assert_int_equal(s.phase_x[TRACE_MARK], 1);
    assert_int_equal(s.phase_b, 1);
    assert_true(s.other_unmatched == 3);
    assert_true(s.other_collections == 2);
    assert_int_equal(s.missing, 0);
}

static void test_json_errors(void **state)
{
    (void)state;
    char path[128];
    temp_path(path, sizeof path, "none");
    assert_false(wgc_trace_write_json(path));   /* no trace yet */
    assert_null(fopen(path, "r"));
    assert_true(wgc_trace_start());
    assert_false(wgc_trace_write_json("/nonexistent-wgc-dir/trace.json"));
    assert_false(wgc_trace_write_json(NULL));
}

/* Node's JSON.parse on a trace, and a check of its shape: every event has
 * its fields, there are ngc collections, three phases each, each phase
 * starts within its collection and comes after it in the file, and sweep
 * termination and mark also end within it (the collector sweeps after the
 * collection's end, as Go's does).  The script's exit status says what
 * failed. */
static const char node_check[] =
    "const t = JSON.parse(require(\"fs\").readFileSync(process.argv[1], \"utf8\"));"
    "const ev = t.traceEvents; if (!Array.isArray(ev)) process.exit(10);"
    "const gcs = new Map(); const phases = []; let index = 0;"
    "for (const e of ev) { e.index = index++;"
    "  if (typeof e.name !== \"string\" || typeof e.ph !== \"string\" ||"
    "      typeof e.pid !== \"number\" || typeof e.tid !== \"number\") process.exit(11);"
    "  if (e.ph === \"M\") continue;"
    "  if (typeof e.ts !== \"number\" || !(e.ts >= 0)) process.exit(12);"
    "  if (e.ph === \"X\") {"
    "    if (!(e.dur >= 0)) process.exit(13);"
    "    if (e.name === \"GC\") gcs.set(e.args.gc, e); else phases.push(e);"
    "  } else if (e.ph === \"C\") {"
    "    if (typeof e.args.bytes !== \"number\") process.exit(14);"
    "  } else process.exit(15);"
    "}"
    "if (gcs.size !== Number(process.argv[2])) process.exit(16);"
    "if (phases.length !== 3 * gcs.size) process.exit(17);"
    "for (const p of phases) { const g = gcs.get(p.args.gc);"
    "  if (!g || p.ts < g.ts - 1e-3) process.exit(18);"
    "  if (p.name !== \"sweep\" && p.ts + p.dur > g.ts + g.dur + 2e-3) process.exit(19);"
    "  if (p.index < g.index) process.exit(20); }";

/* Run node_check on path; -1 where there is no shell or no node.  quiet:
 * keep node's complaint (about a file meant to be wrong) off the log. */
static int node_json_check(const char *path, size_t ngc, bool quiet)
{
    if (system(NULL) == 0)
        return -1;
    if (system("node --version > /dev/null 2>&1") != 0)
        return -1;
    char cmd[sizeof node_check + 512];
    snprintf(cmd, sizeof cmd, "node -e '%s' '%s' %zu%s", node_check, path, ngc,
             quiet ? " 2>/dev/null" : "");
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* The real parser: Node's JSON.parse accepts the trace and node_check
 * finds its shape right (skipped only where there is no shell or no node). */
static void test_json_node_parse(void **state)
{
    (void)state;
    assert_true(wgc_trace_start());
    size_t n = 200;
    for (uint64_t i = 0; i < n; i++) {
        fake_gc(i);
        trace_heap(i, 2 * i);
    }
    wgc_trace_stop();
    char path[128];
    temp_path(path, sizeof path, "node");
    assert_true(wgc_trace_write_json(path));
    int rc = node_json_check(path, WGC_TRACE ? n : 0, false);
    if (rc < 0) {
        remove(path);
        printf("[  INFO    ] no shell or no node here: JSON.parse not run "
               "(the C reader checks the JSON in the other tests)\n");
        skip();
    }
    if (rc != 0)
        fail_msg("node's check of %s failed with status %d (see node_check)", path, rc);
    /* And the check can fail: it counts the collections. */
    assert_int_equal(node_json_check(path, (WGC_TRACE ? n : 0) + 1, true), 16);
    remove(path);
}

/* A trace that is rejected must make the check fail: a truncated file. */
static void test_json_node_rejects_truncated(void **state)
{
    (void)state;
    char path[128];
    temp_path(path, sizeof path, "truncated");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"traceEvents\":[{\"name\":\"GC\",\"ph\":\"X\"", f);
    fclose(f);
    int rc = node_json_check(path, 0, true);
    remove(path);
    if (rc < 0)
        skip();
    assert_int_not_equal(rc, 0);
}

/* ---- WGC_TRACE_FILE ---------------------------------------------------------------- */

/* The child of test_env_file_at_exit: start as an embedder would (the
 * environment names the file), collect three times, exit. */
static int env_child(void)
{
    trace_set_checks(SYS_ALIGN);   /* as in the suite */
    if (wgc_init(NULL) != WGC_OK)
        return 98;
    wgc_set_gc_percent(-1);
    for (int i = 0; i < 3; i++)
        wgc_collect();
    return 0;
}

/* Through a real exit: this test runs itself again as a child process
 * with WGC_TRACE_FILE in its environment; the child calls wgc_init (which
 * calls trace_init_from_env), runs three collections and returns from
 * main, and its atexit handler writes the file.  Under Node this also
 * proves the variable is found (emscripten's getenv does not see it). */
static void test_env_file_at_exit(void **state)
{
    (void)state;
    char path[128], self[2048], cmd[2400];
    temp_path(path, sizeof path, "env-exit");
    if (!self_command(self, sizeof self)) {
        printf("[  INFO    ] cannot run myself again here (no /proc or no shell)\n");
        skip();
    }
    snprintf(cmd, sizeof cmd, "WGC_TRACE_FILE='%s' %s --env-child", path, self);
    fflush(stdout);
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    struct summary s;
    summarize(path, &s);
    assert_int_equal(s.gc_x, WGC_TRACE ? 3 : 0);
    assert_int_equal(s.missing, 0);
    int rc = node_json_check(path, WGC_TRACE ? 3 : 0, false);
    assert_true(rc == 0 || rc == -1);
    remove(path);
}

/* The child of test_misplaced_buffer_is_fatal: a trace buffer right after
 * an odd region, with the check on. */
static int misplaced_child(void)
{
    if (sys_alloc(13) == NULL)
        return 98;
    trace_set_checks(true);
    return wgc_trace_start() ? 0 : 97;
}

/* T1 is enforced: a misplaced buffer is a fatal error, with the reason.
 * The aligned build places it well and the child exits cleanly. */
static void test_misplaced_buffer_is_fatal(void **state)
{
    (void)state;
    char path[128], self[2048], cmd[2400];
    temp_path(path, sizeof path, "misplaced");
    if (!self_command(self, sizeof self)) {
        printf("[  INFO    ] cannot run myself again here (no /proc or no shell)\n");
        skip();
    }
    snprintf(cmd, sizeof cmd, "%s --misplaced-child 2>'%s'", self, path);
    fflush(stdout);
    int st = system(cmd);
    size_t len = 0;
    char *text = read_all(path, &len);
    assert_non_null(text);
    remove(path);
    assert_true(WIFEXITED(st));
    if (SYS_ALIGN) {
        assert_int_equal(WEXITSTATUS(st), 0);
        assert_null(strstr(text, "fatal error"));
    } else {
        assert_int_not_equal(WEXITSTATUS(st), 0);
        assert_non_null(strstr(text, "wgc: fatal error: trace: buffer is not on a 64 KiB boundary"));
    }
    free(text);
}

static void test_env_file_in_process(void **state)
{
    (void)state;
    char path[128];
    temp_path(path, sizeof path, "env");
    setenv("WGC_TRACE_FILE", path, 1);
    trace_init_from_env();
    assert_true(trace_running);
    assert_non_null(trace_env_path());
    assert_string_equal(trace_env_path(), path);
    for (uint64_t i = 0; i < 4; i++)
        fake_gc(i);
    /* What the exit handler does, without exiting. */
    trace_write_env_file();
    struct summary s;
    summarize(path, &s);
    remove(path);
    assert_int_equal(s.gc_x, WGC_TRACE ? 4 : 0);
    /* Only the first call acts. */
    trace_test_reset();   /* also disarms the exit handler */
    assert_null(trace_env_path());
    trace_init_from_env();
    assert_false(trace_running);
    unsetenv("WGC_TRACE_FILE");
}

/* ---- with the collector ------------------------------------------------------ */

struct node {
    struct node *next;
    uint64_t payload[3];
};
WGC_TYPE(node_type, struct node, offsetof(struct node, next));

static bool heap_ready;

static void heap_init_once(void)
{
    if (!heap_ready)
        assert_int_equal(wgc_init(NULL), WGC_OK);
    heap_ready = true;
}

/* Build a list of n nodes rooted in *head, dropping every other one. */
static void churn(struct node **head, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct node *x = wgc_alloc(&node_type);
        assert_non_null(x);
        if (i % 2 == 0) {
            x->next = *head;
            *head = x;
        }
    }
}

/* wgc_collect through the public API, k times: exactly k "GC" events,
 * each with its three phases, and num_gc agrees. */
static void test_gc_events_exact(void **state)
{
    (void)state;
    heap_init_once();
    static struct node *head;
    assert_true(wgc_root_add(&head));
    int old = wgc_set_gc_percent(-1);   /* no collection but ours */
    unsigned old_stress = wgc_set_stress(0);   /* also in BUILD=stress */
    const size_t k = 7;
    struct wgc_stats before, after;
    assert_true(wgc_trace_start());
    wgc_stats(&before);
    for (size_t i = 0; i < k; i++) {
        churn(&head, 2000);
        wgc_collect();
    }
    wgc_stats(&after);
    wgc_trace_stop();
    wgc_collect();   /* after stop: not in the trace */
    assert_int_equal(after.num_gc - before.num_gc, k);

    char path[128];
    temp_path(path, sizeof path, "gc");
    assert_true(wgc_trace_write_json(path));
    struct summary s;
    summarize(path, &s);
    size_t n = WGC_TRACE ? k : 0;
    assert_int_equal(s.gc_x, n);
    assert_int_equal(s.gc_b, 0);
    for (int ph = TRACE_SWEEP_TERM; ph <= TRACE_SWEEP; ph++)
        assert_int_equal(s.phase_x[ph], n);
    assert_true(s.other_collections == (double)n);
    assert_true(s.other_unmatched == 0);
    assert_int_equal(s.missing, 0);
    int rc = node_json_check(path, n, false);
    if (rc != 0 && rc != -1)
        fail_msg("node's check of %s failed with status %d", path, rc);
    remove(path);
    /* The last collection's end matches the stats it left behind. */
    if (WGC_TRACE) {
        struct trace_event e;
        uint64_t last = 0;
        for (uint64_t seq = 1; trace_test_event(seq, &e); seq++)
            if (e.kind == TRACE_EV_GC_END)
                last = seq;
        assert_true(trace_test_event(last, &e));
        assert_int_equal(e.args[1], after.live_bytes);
        assert_int_equal(e.args[2], after.next_gc);
    }
    wgc_set_stress(old_stress);
    wgc_set_gc_percent(old);
    head = NULL;
    assert_true(wgc_root_remove(&head));
}

/* Collections the pacer starts from inside allocation are traced too: the
 * trace holds one "GC" per collection num_gc counted. */
static void test_gc_events_paced(void **state)
{
    (void)state;
    heap_init_once();
    static struct node *head;
    assert_true(wgc_root_add(&head));
    int old = wgc_set_gc_percent(10);
    struct wgc_stats before, after;
    assert_true(wgc_trace_start());
    wgc_stats(&before);
    for (int round = 0; round < 40; round++) {
        churn(&head, 20000);
        if (round % 4 == 3)
            head = NULL;
    }
    wgc_stats(&after);
    wgc_trace_stop();
    uint64_t ngc = after.num_gc - before.num_gc;
    printf("[  INFO    ] %llu paced collections\n", (unsigned long long)ngc);
    assert_true(ngc >= 2);
    char path[128];
    temp_path(path, sizeof path, "paced");
    assert_true(wgc_trace_write_json(path));
    struct summary s;
    summarize(path, &s);
    remove(path);
    assert_int_equal(s.gc_x, WGC_TRACE ? ngc : 0);
    assert_int_equal(s.gc_b, 0);
    assert_true(s.other_unmatched == 0);
    wgc_set_gc_percent(old);
    head = NULL;
    assert_true(wgc_root_remove(&head));
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--env-child") == 0)
        return env_child();
    if (argc > 1 && strcmp(argv[1], "--misplaced-child") == 0)
        return misplaced_child();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_reader_rejects_bad_json, setup),
        cmocka_unit_test_setup(test_buffer_placement, setup),
        cmocka_unit_test_setup(test_sequence_numbers, setup),
        cmocka_unit_test_setup(test_drop_without_memory, setup),
        cmocka_unit_test_setup(test_hooks_only_while_running, setup),
        cmocka_unit_test_setup(test_json_counts, setup),
        cmocka_unit_test_setup(test_json_unpaired, setup),
        cmocka_unit_test_setup(test_json_errors, setup),
        cmocka_unit_test_setup(test_json_node_parse, setup),
        cmocka_unit_test_setup(test_json_node_rejects_truncated, setup),
        cmocka_unit_test_setup(test_env_file_at_exit, setup),
        cmocka_unit_test_setup(test_misplaced_buffer_is_fatal, setup),
        cmocka_unit_test_setup(test_env_file_in_process, setup),
        cmocka_unit_test_setup(test_gc_events_exact, setup),
        cmocka_unit_test_setup(test_gc_events_paced, setup),
    };
    return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
