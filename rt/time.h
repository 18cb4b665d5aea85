/*
 * Runtime timers: the contract between rt/time.c and the scheduler.
 *
 * A timer calls f(arg, seq) at or after `when` (then every `period` ns if
 * period > 0) in scheduler context: f must not park or block; it may call
 * rt_ready, rt_spawn, rt_chan_trysend, go_chan_close and take rt_locks.
 */
#ifndef RT_TIME_H
#define RT_TIME_H

#include <stdbool.h>
#include <stdint.h>

typedef struct rt_timer rt_timer;
struct rt_timer {
    int64_t when;
    int64_t period;
    void (*f)(void *arg, uintptr_t seq);
    void *arg;
    uintptr_t seq;
    int32_t heap_index; /* -1 when not in the heap */
    uint32_t running;   /* callbacks of this timer in flight (atomic) */
};

/* Prepares t (not in the heap, nothing running); the caller sets when,
 * and period if periodic, before rt_timer_add. */
void rt_timer_init(rt_timer *t, void (*f)(void *arg, uintptr_t seq), void *arg);

/* Adds t (t->when set, not already added). */
void rt_timer_add(rt_timer *t);
/* Removes t; true if it was pending (had not fired or been removed). */
bool rt_timer_del(rt_timer *t);
/* Re-arms t at when/period; true if it was pending before. */
bool rt_timer_mod(rt_timer *t, int64_t when, int64_t period);
/* Waits until no callback of t is still running. rt_timers_run touches t
 * once more after f returns, so the owner calls this after t left the heap
 * (rt_timer_del, or a one-shot fire) and before freeing or reusing t's
 * memory. Never from t's own callback. */
void rt_timer_wait_idle(rt_timer *t);
/* now + ns, saturating at INT64_MAX (a deadline that never comes). */
int64_t rt_when_after(int64_t ns);

/* Scheduler side: runs every timer due at `now`; returns the next deadline,
 * or INT64_MAX when no timer is pending. Cheap when nothing is due. */
int64_t rt_timers_run(int64_t now);
/* The earliest pending deadline, INT64_MAX when none; a lock-free peek. */
int64_t rt_timers_next(void);
/* True if any timer is pending or its callback is still running (a
 * sleeping goroutine is not a deadlock). */
bool rt_timers_pending(void);
/* Could a pending timer still make a goroutine runnable? False when every
 * pending timer only sends on a channel (go_timer, go_ticker, go_after)
 * that no goroutine waits to receive from. For the deadlock checks, when
 * no goroutine runs: then nobody can start waiting on those channels. */
bool rt_timers_can_wake(void);

#endif
