/*
 * Channel operations for other runtime modules (time, ctx, select).
 * Everything here is non-blocking and callable from scheduler context
 * (timer callbacks run there, with no current goroutine).
 */
#ifndef RT_CHAN_H
#define RT_CHAN_H

#include <stdbool.h>

#include <gorace.h>

/* Sends *elem if a receiver waits or buffer space is free; false otherwise.
 * Panics like go_chan_send on a closed channel. */
bool rt_chan_trysend(go_chan *c, const void *elem);
/* Throws away buffered values (timer Stop/Reset: no stale value is seen). */
void rt_chan_drain(go_chan *c);

#endif
