/* sys_wasm.c — the OS layer's primitives on WebAssembly (emscripten).
 * Above: arch/sys.c.  Below: emscripten's sbrk, which grows linear memory
 * (memory.grow) when the break passes its end.
 *
 * wgc moves the same break as emscripten's malloc, through sbrk, never with
 * memory.grow behind its back: that would hand bytes out twice and leave
 * emscripten's views of memory stale.  Linear memory cannot shrink nor
 * change protection, so release and fault do nothing here.
 */
#include "prim.h"

#include <unistd.h>

uintptr_t prim_brk(void)
{
    return (uintptr_t)sbrk(0);
}

bool prim_grow(size_t n)
{
    /* The break must not pass 4 GiB: a 32-bit pointer would wrap. */
    uintptr_t cur = prim_brk();
    if (n > UINTPTR_MAX - cur)
        return false;
    return sbrk((intptr_t)n) != (void *)-1;
}

uint64_t prim_memory_size(void)
{
    return (uint64_t)__builtin_wasm_memory_size(0) * SYS_PAGE;
}

void prim_map(void *p, size_t n) { (void)p; (void)n; }
void prim_release(void *p, size_t n) { (void)p; (void)n; }
void prim_fault(void *p, size_t n) { (void)p; (void)n; }

void prim_caps(struct sys_caps *caps)
{
    caps->can_release = false;
    caps->can_fault = false;
    caps->space_base = 0;
    caps->space_size = (uint64_t)1 << 32;
}

void *sys_test_foreign_sbrk(size_t bytes)
{
    void *p = sbrk((intptr_t)bytes);
    return p == (void *)-1 ? NULL : p;
}
