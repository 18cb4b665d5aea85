/*
 * The scheduler's contract with the other runtime modules (chan, select,
 * sync, time, ctx, traceback). Users never see this header.
 *
 * Blocking is always the same dance, as gopark/goready in Go:
 *   1. take the object's rt_lock, find nothing to do, enqueue an rt_sudog;
 *   2. rt_park(unlock_commit, &lock, reason, obj): the goroutine's context is
 *      saved and, on the scheduler stack, commit(g, arg) drops the lock. From
 *      then on another M may rt_ready(g) at any moment, which is safe because
 *      g no longer runs.
 *   3. the waker dequeues the sudog under the lock, stores a result in
 *      g->param, reads whatever else it needs from the sudog, and then
 *      calls rt_ready(g): from then on the sudog is g's again.
 * Returning false from commit cancels the park (the goroutine continues).
 */
#ifndef RT_SCHED_H
#define RT_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "hooks.h"
#include "lock.h"

typedef struct rt_g rt_g;
typedef struct rt_sudog rt_sudog;

/* Why a goroutine waits: rt_wait_reason, in hooks.h (detectors share it);
 * printed in Go's words by rt_wait_reason_str. */
const char *rt_wait_reason_str(rt_wait_reason r);

/* A goroutine waiting on an object's queue (Go's sudog). Allocate from the
 * per-P cache with rt_sudog_get; all fields are zero on return. Step 3
 * above makes a sudog its goroutine's again once readied. */
struct rt_sudog {
    rt_g *g;
    rt_sudog *next, *prev;
    void *elem;         /* data element (chan) */
    void *obj;          /* channel or semaphore address waited on */
    rt_sudog *waitlink; /* select: this g's other sudogs */
    uint32_t ticket;    /* sema handoff / notify-list ticket */
    bool is_select;
    bool success; /* chan: true if a value was passed, false if closed */
    int16_t case_index;
    rt_sudog *parent, *waittail; /* sema treap/list use */
    uintptr_t frame; /* rt_sudog_get's frame: just above where g parks */
};

rt_sudog *rt_sudog_get(void);
void rt_sudog_put(rt_sudog *s);

/* Starts loading what the goroutine parked on s touches first when it
 * resumes: its G and the stack frames it returns through, found from
 * s->frame without waiting for the G. A waker calls it as soon as it has
 * dequeued s, so those misses overlap each other and the waker's own work
 * instead of stalling the hand-off one after another (a ring of 1e5 parked
 * goroutines: 350 -> 200 ns a hop). */
void rt_sudog_prefetch(const rt_sudog *s);

/* The part of a goroutine other modules may touch. */
struct rt_g {
    int64_t id;
    void *param;          /* set by the waker before rt_ready */
    uint32_t select_done; /* select: CAS 0->1 by the winning waker */
    bool select_timed;    /* select: parked with a GO_AFTER timer armed */
    rt_sudog *waiting;    /* select: list of this g's sudogs */
    rt_hg hg; /* the detectors' slots: how the hooks name this goroutine */
    rt_wait_reason wait_reason;
    const void *wait_obj;       /* object blocked on, for the detector/dumps */
    int64_t wait_since;         /* rt_nanotime() when it parked */
    uint64_t explore_prio;      /* seeded mode's PCT priority (rt/explore.c) */
    uint64_t explore_events[3]; /* schedule files' keys (rt/schedfile.h) */
    /* the rest belongs to sched.c */
};

/* Current goroutine, or NULL on a scheduler stack (timer callbacks). */
rt_g *rt_getg(void);

/* Parks the current goroutine; see the header comment. commit may be NULL. */
void rt_park(bool (*commit)(rt_g *g, void *arg), void *arg,
             rt_wait_reason reason, const void *obj);
/* Helper commit that releases the rt_lock passed as arg. */
bool rt_park_unlock_commit(rt_g *g, void *lock);

/* Makes a parked goroutine runnable (on this P, as next to run). Callable
 * from goroutines and from scheduler context. */
void rt_ready(rt_g *g);

/* rt_ready without waking an idle P: for a caller about to run g itself
 * (the poller's M takes a P and runs what it readied, as Go's findrunnable
 * does, rather than waking a second thread for it). */
void rt_ready_nowake(rt_g *g);

/* Goroutine creation from runtime code (ctx, timers); site may be NULL. */
void rt_spawn(void (*fn)(void *), void *arg, const char *file, int line,
              const char *func, uintptr_t pc);

/* Monotonic clock in ns. Virtual in seeded mode; all runtime code uses it. */
int64_t rt_nanotime(void);

/* Timers tell the scheduler that a timer may now fire at `when`, so an idle
 * M sleeping past that is woken. */
void rt_sched_timer_added(int64_t when);

/* A random number for select's shuffle and sync's spinning decisions
 * (per-M state; deterministic in seeded mode). */
uint32_t rt_fastrand(void);
uint64_t rt_fastrand64(void);
uint32_t rt_fastrandn(uint32_t n);

/* Go's canSpin: may a Mutex spinner spin at iteration iter? */
bool rt_can_spin(int iter);
void rt_do_spin(void);

/* Go's panics and fatal errors: message, blank line, goroutine dump, exit 2.
 * rt_throw is for "fatal error: <msg>" (not recoverable in Go either). */
void rt_panic(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));
void rt_throw(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/* A scheduling point: every public sync operation calls it first. Free-
 * running it costs one predictable branch on rt_sched_armed, which is
 * non-zero only in seeded mode (rt/explore.h: the running goroutine may
 * yield here) or while sysmon has asked a goroutine to give way: its time
 * slice is over (it yields), or its P was retaken (it rejoins). */
extern bool rt_explore_on;
extern uint32_t rt_sched_armed;
void rt_sched_point_slow(void);
static inline void rt_sched_point(void)
{
    if (__builtin_expect(__atomic_load_n(&rt_sched_armed, __ATOMIC_RELAXED), 0))
        rt_sched_point_slow();
}

/* Number of Ps (GOMAXPROCS). */
int rt_nprocs(void);

#endif
