/*
 * Runtime semaphores and notify lists (Go's runtime/sema.go): the sleeping
 * half of package sync. Users never see this header.
 *
 * rt_semacquire(addr, ...) waits until *addr > 0 and decrements it;
 * rt_semrelease(addr, ...) increments *addr and wakes a waiter if there is
 * one. The counter lives in the user's object (go_mutex.sema, go_wg.sema,
 * ...); waiters live in a fixed table hashed by address, so a sync value
 * needs no constructor and no destructor, as in Go.
 *
 * `obj` is the user-visible object the goroutine blocks on (the go_mutex,
 * go_rwmutex, go_wg), recorded in g->wait_obj and passed to the detector's
 * go_block hook; `reason` is what a goroutine dump prints.
 *
 * The notify list is the ticket machine behind go_cond; it works on the
 * go_cond's own fields (wait, notify, lock, head, tail).
 */
#ifndef RT_SEMA_H
#define RT_SEMA_H

#include <stdbool.h>
#include <stdint.h>

#include <gorace.h>

#include "sched.h"

/* Go's semacquire1. lifo: queue at the head of addr's waiters (a Mutex
 * waiter that was woken and lost the race goes back to the front). */
void rt_semacquire(uint32_t *addr, bool lifo, rt_wait_reason reason,
                   const void *obj);

/* Go's semrelease1. handoff: pass the count straight to the first waiter
 * and yield to it (starving Mutex), so no newcomer can barge in. */
void rt_semrelease(uint32_t *addr, bool handoff);

/* go_mutex_lock and go_mutex_unlock for the runtime's own calls on a
 * user's behalf (Cond.Wait, Once, a semaphore's mutex): the detectors get no
 * user call site (pc 0) and unwind for themselves. */
void rt_mutex_lock_internal(go_mutex *m);
void rt_mutex_unlock_internal(go_mutex *m);

/* Go's notifyList for Cond: take a ticket (callable with the Cond's lock
 * held, even concurrently), then wait for that ticket to be notified. */
uint32_t rt_notify_list_add(go_cond *c);
void rt_notify_list_wait(go_cond *c, uint32_t ticket);
void rt_notify_list_notify_one(go_cond *c);
void rt_notify_list_notify_all(go_cond *c);

#endif
