/* test_weak_nogen.c — test_weak.c's suite with cfg.gen = false. */
#define WEAK_TEST_NOGEN 1
#include "test_weak.c"
