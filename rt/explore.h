/*
 * Seeded schedule exploration: the scheduler's policy when GORACE names a
 * seed. One M runs every goroutine, each choice comes from a PRNG seeded by
 * the user, and time is virtual, so a seed names one interleaving and
 * replays it exactly. See rt/explore.c for the strategies (random walk, PCT).
 */
#ifndef RT_EXPLORE_H
#define RT_EXPLORE_H

#include <stdbool.h>
#include <stdint.h>

#include "sched.h"

/* True once rt_explore_init found a seed; never changes after go_run. */
extern bool rt_explore_on;

/* Registers the schedule's GORACE options (seed=N, pct=D, pct_steps=K,
 * stall_ms, step_ns, syscall_ns, io_wait_ms, steps_file, schedule_in,
 * schedule_out:
 * rt/options.h). Exits with a message on a bad value or an unreadable
 * schedule_in file. */
void rt_explore_init(void);

/* A goroutine was created (PCT gives it its random priority). */
void rt_explore_created(rt_g *g);
/* g became runnable. */
void rt_explore_put(rt_g *g);
/* Removes and returns the goroutine to run next; NULL if none is runnable. */
rt_g *rt_explore_next(void);
/* At a scheduling point of the running goroutine cur: should it yield? */
bool rt_explore_should_yield(rt_g *cur);

/* Virtual time: starts at one second and moves when every goroutine is
 * blocked and a timer is pending (rt_explore_advance), and by GORACE
 * step_ns at every scheduling step. */
int64_t rt_explore_now(void);
void rt_explore_advance(int64_t when);

/* Writes the number of scheduling steps taken to GORACE's steps_file, if
 * one was named (gorace stress measures a run's length this way to spread
 * PCT's change points over it), and the decisions taken to schedule_out.
 * Called as the program ends; only the first call writes. */
void rt_explore_finish(void);

/* The PRNG behind select's choice and every other random decision (under
 * schedule_in, the file's draws). */
uint32_t rt_explore_rand(void);

/* In the instrumented build a function entry is a scheduling point only
 * now and then, at intervals drawn from the seed. cur: the running
 * goroutine, NULL in scheduler context. */
bool rt_explore_call_point(rt_g *cur);

/* System calls (go_syscall_enter/exit). The goroutine leaves the seeded M
 * while it blocks; once its call has returned it is admitted back to the
 * runnable set at deterministic points: whenever nothing else can run, and
 * every SYSCALL_POLL_STEPS scheduling steps, each time waiting a bounded
 * real time for the oldest call in progress. Only past those bounds does
 * the moment of admission follow real time. With GORACE syscall_ns, a
 * call is admitted only once that much virtual time has passed since it
 * began (time moves as ever: when nothing can run, or by step_ns). */
void rt_explore_syscall_enter(rt_g *g); /* on the seeded M */
void rt_explore_syscall_exit(rt_g *g);  /* on the returning M's g0 */
/* Nothing is runnable: admits a returned call, waiting for one. False if
 * none is in progress, or if the oldest is slow and timers may fire, or if
 * the timer due at next_timer (INT64_MAX: none) comes before the calls'
 * virtual time has passed (GORACE syscall_ns: every call takes at least
 * that much virtual time; default 0). */
bool rt_explore_await_syscall(int64_t next_timer);

/* Nothing is runnable, a timer is pending and goroutines wait on fds: how
 * long, in real time, the scheduler waits in the poller before virtual
 * time jumps to the timer (GORACE io_wait_ms, default 1). Data from the
 * program's own goroutines is ready already; this is the time that data
 * from outside (a child process, a peer) gets to arrive, so a seed names
 * one schedule as long as it arrives within it. */
int64_t rt_explore_io_wait_ns(void);

/* For sysmon's watch over a stalled seeded schedule: a counter of
 * scheduling steps, whether anything else waits to run, and how long a
 * goroutine may run without a step (GORACE stall_ms). */
uint64_t rt_explore_progress(void);
bool rt_explore_others_waiting(void);
int64_t rt_explore_stall_ms(void);

/* Spinning: goroutines keep reaching scheduling points (atomics, say) but
 * none has parked for SPIN_STEPS steps. Virtual time then moves to the next
 * timer even though goroutines can run, or a spin-wait on a timer-driven
 * flag would never end; and under PCT the spinner drops to the lowest
 * priority, or a spin-wait on a lower-priority goroutine would never end.
 * rt_explore_parked restarts the count. */
void rt_explore_parked(void);
bool rt_explore_spinning(void);

#endif
