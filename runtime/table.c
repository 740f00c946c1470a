/* table.c — growable arrays of fixed-size items (runtime layer).
 * Below: arch/sys.h (their memory doubles by sys_alloc, the old copy goes
 * back with sys_free).  Above: roots.c, weak.c. */
#include <string.h>

#include "internal.h"

bool gc_table_push(struct gc_table *t, const void *item)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : SYS_PAGE / t->item;
        void *items = sys_alloc(cap * t->item);
        if (items == NULL)
            return false;
        if (t->n != 0)
            memcpy(items, t->items, t->n * t->item);
        if (t->items != NULL) {
            sys_free(t->items, t->cap * t->item);
            t->bytes -= sys_round(t->cap * t->item);
        }
        t->bytes += sys_round(cap * t->item);
        t->items = items;
        t->cap = cap;
    }
    memcpy(gc_table_at(t, t->n), item, t->item);
    t->n++;
    return true;
}

void gc_table_remove(struct gc_table *t, size_t i)
{
    memmove(gc_table_at(t, i), gc_table_at(t, i + 1), (t->n - i - 1) * t->item);
    t->n--;
}

void gc_table_remove_fast(struct gc_table *t, size_t i)
{
    if (i + 1 < t->n)
        memcpy(gc_table_at(t, i), gc_table_at(t, t->n - 1), t->item);
    t->n--;
}
