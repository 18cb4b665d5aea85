/*
 * The recording detector: installs a hook table (rt/hooks.h) that appends
 * every event to a fixed buffer, so tests can assert which synchronisation
 * events the instrumented runtime emits, and in what order.
 */
#ifndef DET_RECORD_H
#define DET_RECORD_H

#include <stddef.h>
#include <stdint.h>

typedef enum det_ev_kind {
    DET_GO_CREATE,
    DET_GO_START,
    DET_GO_SWITCH,
    DET_GO_END,
    DET_GO_BLOCK,
    DET_GO_UNBLOCK,
    DET_ACQUIRE,
    DET_RELEASE,
    DET_RELEASE_MERGE,
    DET_CHAN_MAKE,
    DET_CHAN_SEND,
    DET_CHAN_RECV,
    DET_CHAN_CLOSE,
    DET_CHAN_FREE,
    DET_MUTEX_LOCK,
    DET_MUTEX_UNLOCK,
    DET_WG_ADD,
    DET_WG_WAIT,
    DET_CTX_CANCEL,
    DET_MEM_ACCESS,
    DET_TIMER_FIRE,
    DET_MAIN_EXIT,
    DET_GO_EXIT,
    DET_EV_N
} det_ev_kind;

typedef struct det_event {
    det_ev_kind kind;
    int64_t g;       /* goroutine the event is about */
    const void *obj; /* sync object, channel, address */
    int64_t arg;     /* child id, slot, delta, write flag, code, reason */
} det_event;

/* Installs the recorder (call before go_run) and empties the buffer. */
void det_record_install(void);
void det_record_clear(void);
size_t det_record_count(void);
/* The i-th event, in the order the runtime reported them. */
det_event det_record_get(size_t i);
const char *det_ev_name(det_ev_kind k);

#endif
