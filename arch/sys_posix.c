/* sys_posix.c — the OS layer's primitives on a POSIX host: a stand-in for
 * wasm linear memory, so that tests, sanitizers and valgrind see the shapes
 * wgc has on wasm.
 * Above: arch/sys.c.  Below: mmap, mprotect, madvise.
 *
 * One 4 GiB range is reserved PROT_NONE on first use, at a 4 GiB-aligned
 * address, so that an address's low 32 bits are its "wasm address".  A
 * break grows through it as sbrk would; like wasm's, it starts mid-page
 * (static data ends where it ends), so the first reservation pays padding
 * exactly as on wasm.  Memory becomes accessible with prim_map, is given
 * back with madvise, and freed regions are made inaccessible again, so a
 * use after sys_free faults at once.
 */
#define _DEFAULT_SOURCE
#include "prim.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define SPACE_SIZE ((uint64_t)1 << 32)
#define BRK_START (((uintptr_t)1 << 20) + 0xb60)  /* where "static data" ends */

static uintptr_t base, brk_now;
static size_t host_page;

static void space_init(void)
{
    if (base != 0)
        return;
    host_page = (size_t)sysconf(_SC_PAGESIZE);
    size_t want = (size_t)(2 * SPACE_SIZE);
    char *p = mmap(NULL, want, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        perror("wgc: sys_posix: cannot reserve the 4 GiB address space");
        abort();
    }
    uintptr_t lo = (uintptr_t)p, aligned = (lo + SPACE_SIZE - 1) & ~(uintptr_t)(SPACE_SIZE - 1);
    if (aligned > lo)
        munmap(p, aligned - lo);
    uintptr_t hi = lo + want, end = aligned + SPACE_SIZE;
    if (hi > end)
        munmap((void *)end, hi - end);
    base = aligned;
    brk_now = base + BRK_START;
    /* The "static data" below the break is ordinary memory, as on wasm. */
    mprotect((void *)base, (brk_now - base + host_page - 1) & ~(host_page - 1),
             PROT_READ | PROT_WRITE);
}

uintptr_t prim_brk(void)
{
    space_init();
    return brk_now;
}

bool prim_grow(size_t n)
{
    space_init();
    if (n > base + SPACE_SIZE - brk_now)
        return false;
    brk_now += n;
    return true;
}

uint64_t prim_memory_size(void)
{
    space_init();
    return ((brk_now - base) + SYS_PAGE - 1) & ~(uint64_t)(SYS_PAGE - 1);
}

/* Outward to host pages: a region that shares a host page with a neighbour
 * (the unaligned baseline) still becomes accessible whole. */
void prim_map(void *p, size_t n)
{
    uintptr_t lo = (uintptr_t)p & ~(host_page - 1);
    uintptr_t hi = ((uintptr_t)p + n + host_page - 1) & ~(host_page - 1);
    if (mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE) != 0) {
        perror("wgc: sys_posix: mprotect");
        abort();
    }
}

/* Inward to host pages: never touch a neighbour's bytes. */
static bool inner(void *p, size_t n, uintptr_t *lo, uintptr_t *hi)
{
    *lo = ((uintptr_t)p + host_page - 1) & ~(host_page - 1);
    *hi = ((uintptr_t)p + n) & ~(host_page - 1);
    return *hi > *lo;
}

void prim_release(void *p, size_t n)
{
    uintptr_t lo, hi;
    if (inner(p, n, &lo, &hi))
        madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

void prim_fault(void *p, size_t n)
{
    uintptr_t lo, hi;
    if (inner(p, n, &lo, &hi))
        mprotect((void *)lo, hi - lo, PROT_NONE);
}

void prim_caps(struct sys_caps *caps)
{
    space_init();
    caps->can_release = true;
    caps->can_fault = true;
    caps->space_base = base;
    caps->space_size = SPACE_SIZE;
}

void *sys_test_foreign_sbrk(size_t bytes)
{
    space_init();
    uintptr_t old = brk_now;
    bytes = (bytes + 7) & ~(size_t)7;   /* as emscripten's sbrk rounds */
    if (!prim_grow(bytes))
        return NULL;
    prim_map((void *)old, bytes);
    return (void *)old;
}
