/* model.h — the collector's randomized model test (test/model.c), a shared
 * test source linked into test_gc.c (normal pacing) and test_gc_stress.c
 * (stress mode).  model.c describes what the run does and checks.
 *
 * A suite calls model_types_init once per test, then model_run with its
 * parameters; its teardown calls model_abandon, which drops the roots of a
 * run that failed half-way so that the next test starts with an empty heap.
 * The suite's heap must hold no live object when a run starts. */
#ifndef WGC_TEST_MODEL_H
#define WGC_TEST_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "wgc.h"

struct model_params {
    const char *name;         /* of the run, and of its printed seed */
    long steps;
    size_t live_max;          /* above: drop more than link */
    unsigned collect_every;   /* an explicit collection every ~n steps ... */
    long epoch;               /* ... in even epochs of this many steps; odd epochs
                                 have none (pacing collects) and 3x the large
                                 allocations; 0: no epochs */
    unsigned large_permille;  /* of allocations */
    uint64_t min_auto;        /* automatic collections the run must see */
    uint64_t salt;            /* varies the run between tests of one seed */
    size_t big_array_max;     /* elements of a large pointer array, at most */
};

/* Set up the model's record types (idempotent). */
void model_types_init(void);

/* One randomized run; fails the current cmocka test on any disagreement
 * between the heap and the model.  Leaves no root and no live object. */
void model_run(const struct model_params *params);

/* Drop every root of a run that failed half-way (a no-op otherwise). */
void model_abandon(void);

/* The model's types, for suites that allocate them directly: small
 * record i (taken modulo their number; all below 32 KiB) and an array
 * element of one pointer and one word. */
struct wgc_type *model_small_record_type(unsigned i);
struct wgc_type *model_pair_elem_type(void);

#endif
