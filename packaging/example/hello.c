/* hello.c — a tiny program built against an installed wgc (make install),
 * by packaging/test-install.sh, natively and with emcc:
 *   cc hello.c $(pkg-config --cflags --libs wgc) -o hello
 *   emcc hello.c $(pkg-config --cflags --libs wgc-wasm) -sENVIRONMENT=node \
 *        -sWASM_ASYNC_COMPILATION=0 -o hello.js
 * It builds many short lists of pairs on a 16 MiB heap, keeps one long
 * list alive through the collections, and checks its sum at the end.
 * Prints "hello: ok <collections>" and exits 0, or says what went wrong. */
#include <stddef.h>
#include <stdio.h>

#include <wgc.h>

struct pair { struct pair *next; long n; };
WGC_TYPE(pair_type, struct pair, offsetof(struct pair, next));

static struct pair *kept;   /* a global root */

static struct pair *push(struct pair *list, long n)
{
    WGC_LOCALS(list);
    struct pair *p = wgc_alloc(&pair_type);
    if (p == NULL) return NULL;
    p->next = list;
    p->n = n;
    return p;
}

int main(void)
{
    struct wgc_config cfg;
    wgc_config_default(&cfg);
    cfg.max_heap = 16u << 20;
    if (wgc_init(&cfg) != WGC_OK) { puts("hello: wgc_init failed"); return 1; }
    wgc_root_add(&kept);

    for (long i = 1; i <= 1000; i++) {
        struct pair *tmp = NULL;
        WGC_LOCALS(tmp);
        for (long j = 0; j < 1000; j++) {
            tmp = push(tmp, j);              /* garbage after this round */
            if (tmp == NULL) { printf("hello: %s\n", wgc_error_string(wgc_last_error())); return 1; }
        }
        struct pair *k = push(kept, i);      /* survives */
        if (k == NULL) { printf("hello: %s\n", wgc_error_string(wgc_last_error())); return 1; }
        kept = k;
    }
    long sum = 0;
    for (struct pair *p = kept; p != NULL; p = p->next) sum += p->n;
    struct wgc_stats st;
    wgc_stats(&st);
    if (sum != 1000L * 1001 / 2 || st.num_gc == 0) {
        printf("hello: wrong: sum %ld, %llu collections\n", sum, (unsigned long long)st.num_gc);
        return 1;
    }
    printf("hello: ok %llu\n", (unsigned long long)st.num_gc);
    return 0;
}
