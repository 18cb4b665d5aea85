/*
 * Runtime-internal locks (Go's lock_futex.go): short critical sections only.
 *
 * rt_lock spins briefly and then sleeps on a futex; it is safe on goroutine
 * stacks and on the scheduler stack (g0). Each acquire names the lock's
 * rank, which the checking build verifies against rt/lockrank.h's order. A
 * goroutine must never park while holding one: rt_park's commit callback is
 * where a lock is dropped.
 *
 * rt_note is a one-shot wake-up for parking an OS thread (an idle M).
 */
#ifndef RT_LOCK_H
#define RT_LOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "lockrank.h"

typedef struct rt_lock {
    uint32_t key; /* 0 unlocked, 1 locked, 2 locked with sleepers */
} rt_lock;

/* The futex lock itself; use the ranked wrappers below. */
void rt_futexlock_acquire(rt_lock *l);
bool rt_futexlock_tryacquire(rt_lock *l);
void rt_futexlock_release(rt_lock *l);

/* Acquires l, whose rank is r (the order: lockrank.h). */
static inline void rt_lock_acquire(rt_lock *l, rt_lockrank r)
{
    rt_lockrank_acquire(l, r);
    rt_futexlock_acquire(l);
}

static inline bool rt_lock_tryacquire(rt_lock *l, rt_lockrank r)
{
    if (!rt_futexlock_tryacquire(l))
        return false;
    rt_lockrank_acquired(l, r);
    return true;
}

static inline void rt_lock_release(rt_lock *l)
{
    rt_lockrank_release(l);
    rt_futexlock_release(l);
}

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
