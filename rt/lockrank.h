/*
 * The runtime's lock order, in one place (after Go's lockrank.go).
 *
 * Every rt_lock is acquired with its rank. A thread may acquire a lock
 * only if its rank is higher than the rank of every rt_lock it already
 * holds; a rank marked "several" may also be held more than once, in the
 * order its comment gives. Outer (acquired first) to inner:
 *
 *   CTX          a context's lock; cancelling a subtree takes a parent's,
 *                then each child's (several: parent before child)
 *   AFTERS       go_after's registry of channels not yet received from
 *   TIMER        a go_timer's lock: orders its fire against Stop/Reset;
 *                a fire sends on the timer's channel under it
 *   SEMA_ROOT    a semaphore root (sync.Mutex, RWMutex, WaitGroup waits)
 *   NOTIFY_LIST  a go_cond's notify list
 *   HCHAN        a channel; select locks all its channels (several: in
 *                address order, as Go's sellock)
 *   POLLDESC     an fd's poller state (rt/netpoll.c), or the poller's
 *                one-time set-up; deadlines arm timers under it
 *   TIMERS       the timer heap: channels and contexts arm timers
 *   SUDOG        the global sudog cache (a select enqueues under HCHAN)
 *   SCHED        the scheduler: readying a goroutine under any lock above
 *                may queue it globally or wake an idle M
 *   SYSCALLS     seeded mode's goroutines in system calls (rt/explore.c)
 *   ALLG         the list of all goroutines
 *   GFREE        the global pool of dead goroutines
 *   STACKPOOL    the global pool of stacks
 *   URING        the io_uring's submission queue (rt/uring.c): queued
 *                under an fd's state, or the scheduler's when a break
 *                wakes the poller
 *
 * The order is checked only in the checking build (cmake
 * -DGORACE_DEBUG_CHECKS=ON, which defines RT_DEBUG_CHECKS): each thread
 * keeps the locks it holds, and a violation ends the process with
 * "fatal error: gorace internal: lock order violation" and both locks'
 * ranks, then abort(). Elsewhere the rank costs nothing: it is an argument
 * of inline functions that ignore it.
 */
#ifndef RT_LOCKRANK_H
#define RT_LOCKRANK_H

#include <stdbool.h>

typedef enum rt_lockrank {
    RT_RANK_CTX = 1,
    RT_RANK_AFTERS,
    RT_RANK_TIMER,
    RT_RANK_SEMA_ROOT,
    RT_RANK_NOTIFY_LIST,
    RT_RANK_HCHAN,
    RT_RANK_POLLDESC,
    RT_RANK_TIMERS,
    RT_RANK_SUDOG,
    RT_RANK_SCHED,
    RT_RANK_SYSCALLS,
    RT_RANK_ALLG,
    RT_RANK_GFREE,
    RT_RANK_STACKPOOL,
    RT_RANK_URING,
    RT_RANK_N
} rt_lockrank;

#ifdef RT_DEBUG_CHECKS
/* Checks the order and records l as held by this thread (before the
 * acquire, so a violation is reported rather than deadlocked on). */
void rt_lockrank_acquire(const void *l, rt_lockrank r);
/* Records l as held without an order check (a successful try-acquire
 * cannot deadlock). */
void rt_lockrank_acquired(const void *l, rt_lockrank r);
/* Forgets l; a lock this thread does not hold is a violation too. */
void rt_lockrank_release(const void *l);
#else
static inline void rt_lockrank_acquire(const void *l, rt_lockrank r)
{
    (void)l, (void)r;
}
static inline void rt_lockrank_acquired(const void *l, rt_lockrank r)
{
    (void)l, (void)r;
}
static inline void rt_lockrank_release(const void *l)
{
    (void)l;
}
#endif

#endif
