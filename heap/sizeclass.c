/* sizeclass.c — computes the size-class tables from Q1 and Q2 (sizeclass.h). */
#include "sizeclass.h"

#include <stdbool.h>

unsigned sc_nclasses;
uint32_t sc_size[SC_MAX_CLASSES];
uint32_t sc_pages[SC_MAX_CLASSES];
uint32_t sc_nelems[SC_MAX_CLASSES];
uint32_t sc_divmul[SC_MAX_CLASSES];
uint8_t sc_small_lookup[129];
uint8_t sc_large_lookup[(SC_MAX_SMALL - 1024) / 128 + 1];

/* Q1: the size after s. */
static uint32_t next_size(uint32_t s)
{
    if (s < 128)
        return s + 8;
    uint32_t p = 128;
    while (p * 2 <= s)
        p *= 2;
    return s + p / 8;
}

/* Q2: pages for a class of size s. */
static uint32_t pages_for(uint32_t s)
{
    for (uint32_t n = 1; n <= 10; n++) {
        uint32_t span = n * HEAP_PAGE;
        if (span < s)
            continue;
        uint32_t nelems = span / s;
        if (nelems > SC_MAX_ELEMS)
            continue;
        if (span - nelems * s <= span / 8)
            return n;
    }
    return (s + HEAP_PAGE - 1) / HEAP_PAGE;   /* not reached for Q1's sizes */
}

void sizeclass_init(void)
{
    if (sc_nclasses != 0)
        return;
    unsigned c = 1;
    for (uint32_t s = 8; s <= SC_MAX_SMALL; s = next_size(s)) {
        uint32_t pages = pages_for(s);
        uint32_t nelems = pages * HEAP_PAGE / s;
        /* Q2: same span shape as the class before: the larger size wins,
         * unless that would break Z4 for requests just above the class
         * before that one. */
        if (c > 2 && sc_pages[c - 1] == pages && sc_nelems[c - 1] == nelems &&
            (uint64_t)(s - sc_size[c - 2] - 1) * 8 <= s)
            c--;
        sc_size[c] = s;
        sc_pages[c] = pages;
        sc_nelems[c] = nelems;
        sc_divmul[c] = (uint32_t)(UINT32_MAX / s + 1);
        c++;
    }
    sc_nclasses = c;
    unsigned k = 1;
    for (uint32_t i = 0; i < sizeof sc_small_lookup; i++) {
        uint32_t n = i * 8;
        while (k < c && sc_size[k] < n)
            k++;
        sc_small_lookup[i] = (uint8_t)k;
    }
    for (uint32_t i = 0; i < sizeof sc_large_lookup; i++) {
        uint32_t n = 1024 + i * 128;
        while (k < c && sc_size[k] < n)
            k++;
        sc_large_lookup[i] = (uint8_t)k;
    }
}

unsigned sc_worst_waste(unsigned c)
{
    uint32_t prev = c > 1 ? sc_size[c - 1] : 0;
    return (unsigned)((uint64_t)(sc_size[c] - prev - 1) * 10000 / sc_size[c]);
}

unsigned sc_tail_waste(unsigned c)
{
    uint64_t span = (uint64_t)sc_pages[c] * HEAP_PAGE;
    return (unsigned)((span - (uint64_t)sc_nelems[c] * sc_size[c]) * 10000 / span);
}
