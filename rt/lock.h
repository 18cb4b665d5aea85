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

#include "barrier.h"
#include "lockrank.h"

/* One futex word: the held byte, and the count of acquirers that have
 * committed to sleeping. Release is a plain store of the byte and a load of
 * the count (see rt/lock.c for why that suffices), so an uncontended
 * lock/unlock costs one atomic instruction, not Go's two. */
typedef union rt_lock {
    uint32_t word;
    struct {
        uint8_t held; /* 0 free, 1 held */
        uint8_t unused;
        uint16_t sleepers;
    };
} rt_lock;

/* The lock itself; use the ranked wrappers below. */
static inline bool rt_futexlock_tryacquire(rt_lock *l)
{
    return __atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE) == 0;
}

void rt_futexlock_acquire_slow(rt_lock *l);
void rt_futexlock_wake(rt_lock *l);

static inline void rt_futexlock_acquire(rt_lock *l)
{
    if (__builtin_expect(!rt_futexlock_tryacquire(l), 0))
        rt_futexlock_acquire_slow(l);
}

static inline void rt_futexlock_release(rt_lock *l)
{
    __atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
    rt_process_barrier_paired();
    if (__builtin_expect(__atomic_load_n(&l->sleepers, __ATOMIC_RELAXED), 0))
        rt_futexlock_wake(l);
}

/* A release after which l's object may be freed at once: a park commit's,
 * whose goroutine another M may wake, run and let free the channel before
 * rt_futexlock_release would read the sleepers. One locked instruction
 * clears the held byte and reads them together; l is touched again only
 * to wake a sleeper, whose coming acquire keeps the object alive. */
static inline void rt_futexlock_release_last(rt_lock *l)
{
    uint32_t old =
        __atomic_fetch_and(&l->word, ~(uint32_t)0xff, __ATOMIC_RELEASE);
    if (__builtin_expect(old >> 16, 0))
        rt_futexlock_wake(l);
}

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
/* rt_lock_release for a park commit (rt_futexlock_release_last). */
static inline void rt_lock_release_last(rt_lock *l)
{
    rt_lockrank_release(l);
    rt_futexlock_release_last(l);
}

typedef struct rt_note {
    uint32_t key;
} rt_note;

void rt_note_clear(rt_note *n);
void rt_note_wakeup(rt_note *n);
void rt_note_sleep(rt_note *n);
/* Sleeps until woken or ns elapse (ns < 0: forever). True if woken. */
bool rt_note_tsleep(rt_note *n, int64_t ns);
/* Has the note been woken since it was cleared? */
bool rt_note_is_set(rt_note *n);

/* Raw futex, for sema-like waits of OS threads. */
void rt_futex_wait(uint32_t *addr, uint32_t val, int64_t ns);
void rt_futex_wake(uint32_t *addr, int n);

#endif
