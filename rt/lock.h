/*
 * Runtime-internal locks (Go's lock_futex.go): short critical sections only.
 *
 * rt_lock spins briefly and then sleeps on a futex; it is safe on goroutine
 * stacks and on the scheduler stack (g0). A goroutine must never park while
 * holding one: rt_park's commit callback is where a lock is dropped.
 *
 * rt_note is a one-shot wake-up for parking an OS thread (an idle M).
 */
#ifndef RT_LOCK_H
#define RT_LOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct rt_lock {
    uint32_t key; /* 0 unlocked, 1 locked, 2 locked with sleepers */
} rt_lock;

void rt_lock_acquire(rt_lock *l);
bool rt_lock_tryacquire(rt_lock *l);
void rt_lock_release(rt_lock *l);

typedef struct rt_note {
    uint32_t key;
} rt_note;

void rt_note_clear(rt_note *n);
void rt_note_wakeup(rt_note *n);
void rt_note_sleep(rt_note *n);
/* Sleeps until woken or ns elapse (ns < 0: forever). True if woken. */
bool rt_note_tsleep(rt_note *n, int64_t ns);

/* Raw futex, for sema-like waits of OS threads. */
void rt_futex_wait(uint32_t *addr, uint32_t val, int64_t ns);
void rt_futex_wake(uint32_t *addr, int n);

#endif
