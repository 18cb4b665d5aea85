/*
 * The process-wide memory barrier: the expensive half of an asymmetric
 * Dekker handshake.
 *
 * Two threads that each store one word and then load the other's need a
 * StoreLoad fence on both sides (a locked instruction on x86). When one side
 * runs millions of times and the other rarely, the hot side keeps only a
 * compiler barrier between its store and its load, and the rare side calls
 * rt_process_barrier between its own: on return, every thread of the process
 * has executed a full memory barrier (or was not running, which is as good),
 * so either the rare side sees the hot side's store or the hot side's load
 * sees the rare side's. Users: sysmon's retake decision against the pin of
 * an M (rt/proc.h) and a runtime lock's sleeper against its releaser
 * (rt/lock.h).
 */
#ifndef RT_BARRIER_H
#define RT_BARRIER_H

/* Registers for membarrier(2) (or maps the fallback's page). go_run calls it
 * before it starts a thread; rt_process_barrier calls it too, once. */
void rt_process_barrier_init(void);

/* A full memory barrier on every running thread of the process. Costs a
 * system call and an IPI per CPU running one of our threads (~1.5-3 us on
 * the VM measured). */
void rt_process_barrier(void);

/* The hot side's half: orders the compiler only. */
static inline void rt_process_barrier_paired(void)
{
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

#endif
