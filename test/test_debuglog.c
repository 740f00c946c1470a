/* test_debuglog.c — the debuglog ring (runtime/debuglog.h): where the ring
 * sits (D1), records round-tripping through a wrapped ring (D2), what DLOG
 * costs when off (D3), printing, and the fatal printer.
 * Built with SYS_ALIGN=0 (the unaligned baseline) the placement test turns
 * round: it checks that the baseline really misplaces the ring.  The other
 * tests then run with the check off, on whatever address the baseline
 * gives: the posix host does misaligned atomics, so they pass there, which
 * is how the bug stayed hidden off wasm.  Under Node the baseline traps
 * instead; test/baseline.sh shows that with test/prog_debuglog_trap.c. */
#include "testutil.h"

#include <sys/wait.h>
#include <unistd.h>

#include "debuglog.h"
#include "sys.h"
#include "wgc.h"

static const char msg_round[] = "test: round trip";
static const char msg_cost[] = "test: cost";

static bool page_aligned(const void *p)
{
    return ((uintptr_t)p & (SYS_PAGE - 1)) == 0;
}

/* Each test starts with no ring, the check on or off as the build wants. */
static int setup(void **state)
{
    (void)state;
    debuglog_test_reset();
    debuglog_set_checks(SYS_ALIGN);
    return 0;
}

/* D1: after odd-sized regions and foreign growth of the break, every ring
 * is on a 64 KiB boundary with its 64-bit fields aligned.  The baseline
 * puts it right after a 13-byte region instead. */
static void test_ring_placement(void **state)
{
    (void)state;
    if (!SYS_ALIGN) {
        unsigned char *odd = sys_alloc(13);
        assert_non_null(odd);
        debuglog_init();
        const void *ring = debuglog_ring();
        assert_ptr_equal(ring, odd + 13);
        const char *why = NULL;
        assert_false(debuglog_placement_ok(ring, &why));
        assert_non_null(why);
        return;
    }
    struct rng r = test_rng("ring_placement");
    for (int round = 0; round < 20; round++) {
        void *odd = sys_alloc(1 + rng_below(&r, 5000));
        assert_non_null(odd);
        sys_test_foreign_sbrk(8 * (1 + rng_below(&r, 100)));
        debuglog_init();
        const void *ring = debuglog_ring();
        assert_non_null(ring);
        assert_true(page_aligned(ring));
        const char *why = "not set";
        assert_true(debuglog_placement_ok(ring, &why));
        assert_null(why);
        /* Idempotent: a second init keeps the same ring. */
        debuglog_init();
        assert_ptr_equal(debuglog_ring(), ring);
        debuglog_test_reset();
        sys_free(odd, 1);
    }
}

/* The checker itself: it refuses addresses off the 64 KiB boundary, and
 * says why (no memory is touched: it only looks at addresses). */
static void test_placement_checker(void **state)
{
    (void)state;
    const char *why = NULL;
    assert_false(debuglog_placement_ok(NULL, &why));
    assert_non_null(why);
    uintptr_t base = (uintptr_t)16 << 20;   /* any 64 KiB-aligned address */
    assert_true(debuglog_placement_ok((const void *)base, &why));
    assert_null(why);
    const size_t off[] = {1, 4, 8, 13, 4096, SYS_PAGE / 2, SYS_PAGE - 8};
    for (size_t i = 0; i < sizeof off / sizeof off[0]; i++) {
        why = NULL;
        assert_false(debuglog_placement_ok((const void *)(base + off[i]), &why));
        assert_non_null(why);
        assert_non_null(strstr(why, "64 KiB"));
    }
}

/* D2: write more than three rings' worth of records; the newest come back
 * in order, whole, with their arguments and nondecreasing timestamps. */
static void test_round_trip_wrapped(void **state)
{
    (void)state;
    debuglog_enable(true);
    assert_non_null(debuglog_ring());
    size_t cap = debuglog_capacity();
    assert_true(cap >= 1000);
    assert_true(cap * sizeof(struct debuglog_record) <= DEBUGLOG_RING_BYTES);
    uint64_t n = 3 * (uint64_t)cap + 5;
    for (uint64_t i = 0; i < n; i++)
        debuglog_write(msg_round, (uintptr_t)i, (uintptr_t)(i * 7), ~(uintptr_t)i);
    assert_int_equal(debuglog_pos(), n);
    assert_int_equal(debuglog_count(), n);

    struct debuglog_record *got = calloc(cap + 10, sizeof *got);
    assert_non_null(got);
    size_t k = debuglog_read(got, cap + 10);
    assert_int_equal(k, cap);
    for (size_t j = 0; j < k; j++) {
        uint64_t want = n - cap + j;
        assert_int_equal(got[j].seq, want + 1);
        assert_ptr_equal(got[j].msg, msg_round);
        assert_int_equal(got[j].args[0], (uintptr_t)want);
        assert_int_equal(got[j].args[1], (uintptr_t)(want * 7));
        assert_int_equal(got[j].args[2], ~(uintptr_t)want);
        if (j > 0)
            assert_true(got[j].nanotime >= got[j - 1].nanotime);
    }
    /* Asking for fewer gives the newest few, still oldest first. */
    k = debuglog_read(got, 5);
    assert_int_equal(k, 5);
    for (size_t j = 0; j < 5; j++)
        assert_int_equal(got[j].args[0], (uintptr_t)(n - 5 + j));
    free(got);
}

/* Before the ring wraps, exactly the records written come back, from the
 * first one. */
static void test_round_trip_partial(void **state)
{
    (void)state;
    debuglog_enable(true);
    struct debuglog_record got[64];
    assert_int_equal(debuglog_read(got, 64), 0);
    for (uintptr_t i = 0; i < 10; i++)
        debuglog_write(msg_round, i + 100, 0, 0);
    size_t k = debuglog_read(got, 64);
    assert_int_equal(k, 10);
    for (size_t j = 0; j < k; j++) {
        assert_int_equal(got[j].seq, j + 1);
        assert_int_equal(got[j].args[0], j + 100);
    }
}

static int evaluated;

static uintptr_t side_effect(void)
{
    return (uintptr_t)++evaluated;
}

/* D3: a disabled DLOG evaluates nothing and writes nothing; enabled it
 * writes one record (when compiled in). */
static void test_dlog_off_and_on(void **state)
{
    (void)state;
    evaluated = 0;
    debuglog_init();
    assert_false(debuglog_enabled);
    DLOG(msg_cost, side_effect(), side_effect(), 0);
    assert_int_equal(evaluated, 0);
    assert_int_equal(debuglog_pos(), 0);

    debuglog_enable(true);
    DLOG(msg_cost, side_effect(), 2, 3);
    assert_int_equal(evaluated, WGC_DEBUGLOG ? 1 : 0);
    assert_int_equal(debuglog_pos(), WGC_DEBUGLOG ? 1 : 0);

    debuglog_enable(false);
    DLOG(msg_cost, side_effect(), 0, 0);
    assert_int_equal(evaluated, WGC_DEBUGLOG ? 1 : 0);
    assert_int_equal(debuglog_pos(), WGC_DEBUGLOG ? 1 : 0);
    /* Without a ring, writes are dropped quietly. */
    debuglog_test_reset();
    debuglog_write(msg_cost, 1, 2, 3);
    assert_null(debuglog_ring());
}

/* With the real collector: enabled, a collection leaves records (the
 * collector logs each one's start and end); disabled, it leaves none. */
static void test_collector_records(void **state)
{
    (void)state;
    static bool heap_ready;
    if (!heap_ready)
        assert_int_equal(wgc_init(NULL), WGC_OK);
    heap_ready = true;
    debuglog_init();
    uint64_t before = debuglog_pos();
    wgc_collect();
    assert_int_equal(debuglog_pos(), before);
    debuglog_enable(true);
    wgc_collect();
    wgc_collect();
    uint64_t after = debuglog_pos();
    if (!WGC_DEBUGLOG) {
        assert_int_equal(after, before);
        return;
    }
    assert_true(after - before >= 2 * 2);
    struct debuglog_record got[64];
    size_t k = debuglog_read(got, 64);
    assert_int_equal(k, after < 64 ? after : 64);
    for (size_t j = 0; j < k; j++) {
        assert_non_null(got[j].msg);
        assert_true(strlen(got[j].msg) > 0);
    }
    debuglog_enable(false);
    wgc_collect();
    assert_int_equal(debuglog_pos(), after);
}

/* Enabling with no memory leaves the log off instead of failing. */
static void test_enable_without_memory(void **state)
{
    (void)state;
    sys_test_fail_nth(1);
    debuglog_enable(true);
    assert_false(debuglog_enabled);
    assert_null(debuglog_ring());
    debuglog_enable(true);
    assert_true(debuglog_enabled);
    assert_non_null(debuglog_ring());
}

/* The debuglog as debuglog_print_to writes it, read back (malloc'd). */
static char *print_to_text(void)
{
    char path[128];
    snprintf(path, sizeof path, "/tmp/wgc-test-debuglog-%ld-%ld.txt", (long)getpid(),
             (long)time(NULL));
    FILE *f = fopen(path, "w+");
    assert_non_null(f);
    debuglog_print_to(f);
    assert_int_equal(fflush(f), 0);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    char *text = calloc(1, (size_t)len + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    remove(path);
    return text;
}

/* Printing shows the newest records oldest first, small arguments in
 * decimal and large ones in hex. */
static void test_print(void **state)
{
    (void)state;
    char *text = print_to_text();
    assert_non_null(strstr(text, "never enabled"));
    free(text);

    debuglog_enable(true);
    debuglog_write("test: first", 1, 2, 3);
    debuglog_write("test: second", 65535, 65536, 0xdeadbeef);
    text = print_to_text();
    assert_non_null(strstr(text, "2 records written, 2 complete"));
    char *first = strstr(text, "test: first 1 2 3");
    char *second = strstr(text, "test: second 65535 0x10000 0xdeadbeef");
    assert_non_null(first);
    assert_non_null(second);
    assert_true(first < second);
    free(text);
    wgc_debuglog_print();   /* and to stderr, for the log of the run */
}

/* The child of test_fatal_printer: a heap with two collections behind
 * it, a few records, then a broken invariant. */
static int fatal_child(void)
{
    debuglog_set_checks(SYS_ALIGN);   /* as in the suite */
    if (wgc_init(NULL) != WGC_OK)
        return 98;
    wgc_collect();
    wgc_collect();
    debuglog_enable(true);
    DLOG("test: before the fatal error", 42, 0, 0);
    debuglog_write("test: marker", 7, 8, 9);
    sys_fatal("test: deliberate");
}

/* The fatal path prints the message, the debuglog, the OS layer's and the
 * heap's counters, then dies.  The test runs itself again as a child
 * process (natively or under Node) and reads what the child wrote to
 * stderr. */
static void test_fatal_printer(void **state)
{
    (void)state;
    char path[128], self[2048], cmd[2400];
    snprintf(path, sizeof path, "/tmp/wgc-test-fatal-%ld-%ld.txt", (long)getpid(),
             (long)time(NULL));
    if (!self_command(self, sizeof self)) {
        printf("[  INFO    ] cannot run myself again here (no /proc or no shell)\n");
        skip();
    }
    snprintf(cmd, sizeof cmd, "%s --fatal-child 2>'%s'", self, path);
    fflush(stdout);
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    assert_int_not_equal(WEXITSTATUS(st), 0);
    assert_int_not_equal(WEXITSTATUS(st), 98);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[1 << 16];
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = '\0';
    fclose(f);
    remove(path);
    fputs(text, stdout);
    char *fatal = strstr(text, "wgc: fatal error: test: deliberate");
    char *marker = strstr(text, "test: marker 7 8 9");
    char *sys = strstr(text, "sys: reserved ");
    char *heap = strstr(text, "heap: alloc ");
    assert_non_null(fatal);
    assert_non_null(marker);
    assert_non_null(sys);
    assert_non_null(heap);
    assert_true(fatal < marker && marker < sys && sys < heap);
    assert_non_null(strstr(text, "gc: num_gc 2 "));
    if (WGC_DEBUGLOG)
        assert_non_null(strstr(text, "test: before the fatal error 42"));
}

/* The child of test_misplaced_ring_is_fatal: a ring right after an odd
 * region, with the check on. */
static int misplaced_child(void)
{
    if (sys_alloc(13) == NULL)
        return 98;
    debuglog_set_checks(true);
    debuglog_init();
    return debuglog_ring() != NULL ? 0 : 97;
}

/* D1 is enforced: a misplaced ring is a fatal error, with the reason.  In
 * the aligned build the same steps place the ring well and the child
 * exits cleanly; in the baseline it must die with the placement message. */
static void test_misplaced_ring_is_fatal(void **state)
{
    (void)state;
    char path[128], self[2048], cmd[2400];
    snprintf(path, sizeof path, "/tmp/wgc-test-misplaced-%ld-%ld.txt", (long)getpid(),
             (long)time(NULL));
    if (!self_command(self, sizeof self)) {
        printf("[  INFO    ] cannot run myself again here (no /proc or no shell)\n");
        skip();
    }
    snprintf(cmd, sizeof cmd, "%s --misplaced-child 2>'%s'", self, path);
    fflush(stdout);
    int st = system(cmd);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[1 << 16];
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = '\0';
    fclose(f);
    remove(path);
    assert_true(WIFEXITED(st));
    if (SYS_ALIGN) {
        assert_int_equal(WEXITSTATUS(st), 0);
        assert_null(strstr(text, "fatal error"));
    } else {
        assert_int_not_equal(WEXITSTATUS(st), 0);
        assert_non_null(strstr(text, "wgc: fatal error: debuglog: ring is not on a 64 KiB boundary"));
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--fatal-child") == 0)
        return fatal_child();
    if (argc > 1 && strcmp(argv[1], "--misplaced-child") == 0)
        return misplaced_child();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_ring_placement, setup),
        cmocka_unit_test_setup(test_placement_checker, setup),
        cmocka_unit_test_setup(test_round_trip_wrapped, setup),
        cmocka_unit_test_setup(test_round_trip_partial, setup),
        cmocka_unit_test_setup(test_dlog_off_and_on, setup),
        cmocka_unit_test_setup(test_collector_records, setup),
        cmocka_unit_test_setup(test_enable_without_memory, setup),
        cmocka_unit_test_setup(test_print, setup),
        cmocka_unit_test_setup(test_fatal_printer, setup),
        cmocka_unit_test_setup(test_misplaced_ring_is_fatal, setup),
    };
    return cmocka_run_group_tests_name("debuglog", tests, NULL, NULL);
}
