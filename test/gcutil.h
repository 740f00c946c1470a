/* gcutil.h — helpers the collector's suites share (test_gc*.c): read the
 * stats, collect and read them, and fail the test when wgc_verify does. */
#ifndef WGC_GCUTIL_H
#define WGC_GCUTIL_H

#include "testutil.h"
#include "wgc.h"

static inline struct wgc_stats stats_now(void)
{
    struct wgc_stats st;
    wgc_stats(&st);
    return st;
}

static inline struct wgc_stats collect(void)
{
    wgc_collect();
    return stats_now();
}

static inline void verify_ok(void)
{
    char msg[256];
    if (!wgc_verify(msg, sizeof msg))
        fail_msg("wgc_verify: %s", msg);
}

/* The end of a test: no frame left on the shadow stack, and after a
 * collection nothing live.  0, or -1 with the reason on stderr (a cmocka
 * teardown's convention). */
static inline int heap_left_clean(void)
{
    if (wgc_frames_top != NULL) {
        fprintf(stderr, "teardown: a frame was left on the shadow stack\n");
        wgc_frames_top = NULL;
        return -1;
    }
    struct wgc_stats st = collect();
    if (st.live_bytes != 0) {
        fprintf(stderr, "teardown: %llu bytes still live\n", (unsigned long long)st.live_bytes);
        return -1;
    }
    return 0;
}

#endif
