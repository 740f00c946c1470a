/* web_api.h — what the playground's worker calls besides lisp_api.h
 * (web_api.c says what each does and the map's format). */
#ifndef WEB_API_H
#define WEB_API_H

#include <stdint.h>

void web_watch(int on);
int web_take_events(void);
double *web_events_buf(void);
double web_events_dropped(void);
uint32_t *web_heap_map(void);
const char *web_stats_json(void);

#endif
