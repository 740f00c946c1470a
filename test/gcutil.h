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

#endif
