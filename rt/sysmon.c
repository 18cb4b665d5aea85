/*
 * sysmon: the monitor thread that keeps a program live (Go's sysmon).
 *
 * A goroutine keeps its P until it blocks, so without help one that never
 * blocks starves every other goroutine and timer of that P: a CPU-bound
 * loop, a spin on an atomic flag, a chain of goroutines handing the P to
 * each other through runnext, or a read(2) nobody bracketed with
 * go_syscall_enter. sysmon is an OS thread without a P that watches every P
 * and, like Go's, wakes every 20 us, backing off to every 10 ms while it
 * finds nothing to do, and sleeps outright while every P is idle (the first
 * P to leave the idle list wakes it), so an idle process stays idle.
 *
 * Time slices. A P's schedtick counts the slices begun on it; a goroutine
 * taken from runnext inherits its predecessor's slice (rt/sched.c
 * execute()). When sysmon sees the same tick while its M's thread used
 * 10 ms of CPU (Go's forcePreemptNS, but in CPU time: see used_cpu) or
 * slept in the kernel, the running goroutine has had its turn:
 *   1. sysmon sets p->preempt: at its next scheduling point (every channel,
 *      select, sync and context operation; in the instrumented build also
 *      every function entry and atomic, rt/hooks.h) the goroutine yields to
 *      the back of the global queue, as Go's cooperative preemption does;
 *   2. if the slice is still unchanged after 5 ms more of CPU, the
 *      goroutine is not reaching scheduling points: sysmon retakes its P
 *      and hands it to another M. The goroutine keeps its OS thread, as if
 *      in a system call, and rejoins through the system-call exit path at
 *      its next scheduling point (rt_rejoin). Go retakes the P of a
 *      blocking system call the same way, which covers an unbracketed
 *      read(2) too.
 *
 * Why not preempt asynchronously, as Go 1.14 does? Go can stop a goroutine
 * at almost any instruction because the compiler records, for every PC,
 * where the pointers are and whether the point is safe, and because Go code
 * holds no locks of the C library. C code can be interrupted inside malloc
 * with the arena lock held, inside stdio with a FILE lock held, inside the
 * dynamic loader, or between computing a thread-local address (errno, a
 * __thread variable) and using it. Switching that goroutine out, or moving
 * it to another thread, would deadlock the next goroutine to call malloc on
 * this thread or corrupt another thread's state. So gorace never switches
 * stacks from a signal. A safe point in C is a call into the runtime (the
 * goroutine's state is then in a known place and it holds no libc lock the
 * runtime might need) or, in the instrumented build, a compiler callback at
 * a function entry or an atomic. What C costs against Go: a goroutine that
 * never reaches a safe point keeps running on its own thread after its P
 * is retaken, so at GOMAXPROCS=1 it runs in parallel with the goroutine
 * that took its P rather than taking turns with it; and a retaken P costs
 * one idle thread while the hog runs.
 *
 * The retake handshake. sysmon must never take a P while its M uses it, so
 * the M advertises "in runtime code" with m->pins (rt/proc.h pin_p, held on
 * g0 and around every use of m->p on a goroutine stack). The decision is an
 * asymmetric Dekker: sysmon CASes m->retake NONE -> DECIDING, issues a
 * process-wide barrier (membarrier(2); an mprotect round trip, whose TLB
 * shootdown serialises every CPU running the process, where membarrier is
 * unavailable), and then reads pins. If the M is pinned sysmon backs off
 * (DECIDING -> NONE); otherwise it takes the P (DECIDING -> TAKEN). An M
 * that meets DECIDING at a pin waits the few instructions until the
 * verdict. The M's side is thus two plain stores and a load per runtime
 * call; the expensive side runs at most once per 10 ms slice.
 *
 * Seeded mode runs every goroutine on one M and must not depend on time,
 * so sysmon neither preempts nor retakes there. It only watches for a
 * schedule that cannot move: a goroutine that reaches no scheduling point
 * for stall_ms of CPU (GORACE, default 2000) while others wait to run is a
 * spin loop that no seed can interleave (in the release build, which has
 * no callbacks at atomics), and one blocked in the kernel that long made a
 * blocking call nobody bracketed. sysmon then stops the program with a fatal
 * error naming the goroutine and its stack, never a silent hang.
 *
 * The scavenger. Every SCAVENGE_NS (1 s) sysmon also gives memory back, off
 * the goroutines' path (Go's background scavenger): stacks free in the pool
 * for a whole period are released per run of adjacent slots, and wholly
 * free slabs unmapped (rt_stack_scavenge); an empty global run queue
 * gives back the ring a burst grew (rt_globrunq_trim). Dead goroutines keep no
 * stack (the per-P stack caches in rt/sched.c hold at most STACK_CACHE each).
 * The period is long so that a program spawning waves of goroutines reuses
 * the last wave's committed stacks (a fresh page costs a fault) rather
 * than give them back between waves; its cost is up to two seconds of
 * unused stacks kept. When every P has been idle for IDLE_SCAVENGE_NS, the
 * sleeping sysmon wakes once and releases every free stack, so a program
 * that finished a big fan-out and waits does not keep the fan-out's
 * stacks, while one that idles for a moment loses nothing.
 *
 * Invariants: sysmon holds no P and runs no goroutine; it takes sched.lock
 * only to sleep and to hand a P off. Each outstanding preemption request
 * and each M whose P was taken but who has not yet rejoined holds one count
 * of rt_sched_armed, so scheduling points are a branch when none is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "barrier.h"
#include "explore.h"
#include "hooks.h"
#include "netpoll.h"
#include "proc.h"
#include "time.h"

enum {
    SLICE_NS = 10 * 1000 * 1000,        /* Go's forcePreemptNS */
    PREEMPT_GRACE_NS = 5 * 1000 * 1000, /* then the P is retaken */
    DELAY_MIN_US = 20,                  /* Go's sysmon bounds */
    DELAY_MAX_US = 10 * 1000,
    IDLE_ROUNDS_BEFORE_BACKOFF = 50,
    SCAVENGE_NS = 1000 * 1000 * 1000,     /* stacks free this long go back */
    NETPOLL_STALE_NS = 10 * 1000 * 1000,  /* poll if nobody has for this long */
    IDLE_SCAVENGE_NS = 100 * 1000 * 1000, /* idle this long: all go back */
};

/* What sysmon last saw of each P; only sysmon touches it. */
typedef struct {
    uint32_t tick;
    int64_t since;     /* when tick was first seen; 0: not running */
    int64_t since_cpu; /* the M's thread CPU time then; -1: unknown */
    M *since_m;        /* the M running it then */
    int64_t preempted; /* when the preemption request was made */
    int64_t cpu;       /* the M's thread CPU time then; -1: unknown */
    M *m;              /* the M running it then */
} pwatch;

static pwatch watch[MAX_PROCS];

/* ---- is the M using its P? ---------------------------------------------- */

static int64_t thread_cpu_ns(M *m)
{
    clockid_t clk;
    struct timespec ts;
    if (!m || !m->thread || pthread_getcpuclockid(m->thread, &clk) != 0 ||
        clock_gettime(clk, &ts) != 0)
        return -1;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* True if the M's thread sleeps in the kernel (a blocking system call),
 * from /proc's task state: 'S' or 'D'. */
static bool thread_blocked(M *m)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)m->tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = 0;
    const char *paren = strrchr(buf, ')'); /* the name may hold spaces */
    return paren && paren[1] == ' ' && (paren[2] == 'S' || paren[2] == 'D');
}

/* Slices are measured in the M's CPU time, not in wall time as Go does. On
 * a loaded machine the OS may not run the M's thread for 10 ms: ending that
 * slice would reorder a program by the machine's load (a goroutine
 * preempted at its first go_spawn lets the child run first, which a program
 * at GOMAXPROCS=1 may rightly not expect, and Go's race tests do not), and
 * retaking its P would put one more thread to work than GOMAXPROCS. A
 * fraction of the wall time would not do either: a thread that gets a
 * third of a CPU would never be preempted. A thread blocked in the kernel
 * uses no CPU and has had its turn all the same. */
static bool used_cpu(M *then_m, int64_t then_cpu, int64_t need, M *m)
{
    int64_t cpu = thread_cpu_ns(m);
    if (then_m != m || then_cpu < 0 || cpu < 0)
        return true; /* cannot tell: Go's rule, wall time */
    return cpu - then_cpu >= need || thread_blocked(m);
}

static bool slice_used(const pwatch *w, M *m)
{
    return used_cpu(w->since_m, w->since_cpu, SLICE_NS, m);
}

static bool hogging(const pwatch *w, M *m)
{
    return used_cpu(w->m, w->cpu, PREEMPT_GRACE_NS, m);
}

/* ---- preemption and retake ---------------------------------------------- */

static void request_preempt(P *p)
{
    uint32_t no = 0;
    if (__atomic_compare_exchange_n(&p->preempt, &no, 1, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        fetch_add(&rt_sched_armed, 1);
}

/* Takes p from the M running a goroutine on it for a whole slice, unless
 * that M is in runtime code. True if p was handed to another M. */
static bool try_retake(P *p, uint32_t tick)
{
    M *m = load_acq(&p->m);
    uint32_t none = RETAKE_NONE;
    if (!m ||
        !__atomic_compare_exchange_n(&m->retake, &none, RETAKE_DECIDING, false,
                                     __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
        return false;
    rt_process_barrier();
    /* Unpinned, the M cannot change its P or its goroutine: both happen in
     * pinned code, which now waits for our verdict. */
    if (load_acq(&m->pins) != 0 || load_relaxed(&m->p) != p ||
        load_relaxed(&p->schedtick) != tick || !load_relaxed(&m->curg)) {
        store_rel(&m->retake, RETAKE_NONE);
        return false;
    }
    fetch_add(&rt_sched_armed, 1); /* until the M rejoins */
    rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
    p->m = NULL;
    rt_lock_release(&sched.lock);
    store_rel(&m->retake, RETAKE_TAKEN);
    rt_handoff_p(p);
    return true;
}

void p_retake_noticed(M *m)
{
    uint32_t v;
    while ((v = load_acq(&m->retake)) == RETAKE_DECIDING)
        __builtin_ia32_pause();
    if (v == RETAKE_TAKEN) {
        m->p = NULL; /* another M runs it now */
        m->lost = true;
        store_rel(&m->retake, RETAKE_NONE);
    }
}

/* Go's retake: true if sysmon acted on some P. *grace_end is when the
 * earliest pending preemption request runs out (INT64_MAX if none). */
static bool retake(int64_t now, int64_t *grace_end)
{
    bool acted = false;
    *grace_end = INT64_MAX;
    int n = load_relaxed(&sched.nprocs);
    for (int i = 0; i < n; i++) {
        P *p = &allp[i];
        pwatch *w = &watch[i];
        uint32_t tick = load_acq(&p->schedtick);
        if (load_relaxed(&p->status) != P_RUNNING) {
            w->since = 0;
            continue;
        }
        if (w->since == 0 || w->tick != tick) {
            M *m = load_acq(&p->m);
            *w = (pwatch){.tick = tick,
                          .since = now,
                          .since_m = m,
                          .since_cpu = thread_cpu_ns(m)};
            continue;
        }
        if (now - w->since < SLICE_NS ||
            (!w->preempted && !slice_used(w, load_acq(&p->m))))
            continue;
        /* The slice is over. Ask again even if asked before: a goroutine
         * that yielded may have handed its slice on through runnext. */
        if (!load_relaxed(&p->preempt)) {
            request_preempt(p);
            acted = true;
        }
        if (w->preempted && now - w->preempted >= PREEMPT_GRACE_NS &&
            hogging(w, load_acq(&p->m)) && try_retake(p, tick)) {
            w->since = 0;
            acted = true;
            continue;
        }
        if (!w->preempted || now - w->preempted >= PREEMPT_GRACE_NS) {
            /* (Re)start the grace period, measuring the M's CPU time:
             * one retake attempt per period at most. */
            w->preempted = now;
            w->m = load_acq(&p->m);
            w->cpu = thread_cpu_ns(w->m);
        }
        if (w->preempted + PREEMPT_GRACE_NS < *grace_end)
            *grace_end = w->preempted + PREEMPT_GRACE_NS;
    }
    return acted;
}

/* ---- seeded mode: a schedule that cannot move --------------------------- */

static struct {
    uint64_t progress;
    int64_t since; /* when progress last changed */
    int64_t cpu;   /* the M's thread CPU time then; -1: unknown */
} stall;

static void stall_restart(uint64_t progress, int64_t now, M *m)
{
    stall.progress = progress;
    stall.since = now;
    stall.cpu = thread_cpu_ns(m);
}

/* A goroutine that spins burns stall_ms of CPU; one blocked in a system
 * call nobody bracketed burns none, so for it the wall clock counts. CPU
 * time, not wall time, for the spin: a long computation under the race
 * detector on a loaded machine (a million-element copy takes 4 s of wall
 * time at load 8 for 0.6 s of CPU) is not a spin. */
static void watch_seeded(int64_t now)
{
    uint64_t progress = rt_explore_progress();
    M *m = load_acq(&allp[0].m);
    G *gp = m ? load_relaxed(&m->curg) : NULL;
    bool in_user = gp && load_acq(&m->pins) == 0;
    if (progress != stall.progress || !in_user ||
        !rt_explore_others_waiting()) {
        stall_restart(progress, now, m);
        return;
    }
    int64_t limit = rt_explore_stall_ms(), cpu = thread_cpu_ns(m);
    int64_t wall_ms = (now - stall.since) / 1000000;
    int64_t cpu_ms =
        cpu < 0 || stall.cpu < 0 ? wall_ms : (cpu - stall.cpu) / 1000000;
    if (cpu_ms >= limit)
        rt_throw("seeded schedule stalled: goroutine %lld ran %lld ms "
                 "without reaching a scheduling point while other "
                 "goroutines waited (a spin loop the seeded scheduler "
                 "cannot interleave: run it free, or build it with the "
                 "detector, whose atomics are scheduling points)",
                 (long long)gp->pub.id, (long long)cpu_ms);
    if (wall_ms >= limit && thread_blocked(m))
        rt_throw("seeded schedule stalled: goroutine %lld has been blocked "
                 "in the kernel for %lld ms while other goroutines waited "
                 "(a blocking call outside go_syscall_enter/exit: the "
                 "seeded scheduler cannot run anything meanwhile)",
                 (long long)gp->pub.id, (long long)wall_ms);
}

/* ---- the loop ------------------------------------------------------------ */

static int64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void rt_sysmon_wake_locked(void)
{
    if (sched.sysmon_wait) {
        sched.sysmon_wait = false;
        rt_note_wakeup(&sched.sysmon_note);
    }
}

/* ---- the network ----------------------------------------------------------
 */

/* Go's sysmon: if nobody polled for 10 ms while Ps are busy, poll, so that
 * I/O is noticed even when every M runs goroutines that never go idle. */
static void poll_network(int64_t now)
{
    if (rt_netpoll_should_poll() && now - rt_netpoll_last() > NETPOLL_STALE_NS)
        rt_netpoll(0, true);
}

/* ---- the scavenger ------------------------------------------------------ */

static int64_t scavenged_at;

/* Gives back the stacks free for a whole period, once per period. */
static void scavenge(int64_t now)
{
    if (now - scavenged_at < SCAVENGE_NS)
        return;
    scavenged_at = now;
    rt_stack_scavenge(false);
    rt_globrunq_trim();
}

/* Sleeps while every P is idle: nothing can run long, nothing to watch.
 * Still idle after IDLE_SCAVENGE_NS, it first gives back every free stack.
 */
static bool sleep_if_idle(void)
{
    rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
    bool idle = sched.npidle == sched.nprocs;
    if (idle) {
        sched.sysmon_wait = true;
        rt_note_clear(&sched.sysmon_note);
    }
    rt_lock_release(&sched.lock);
    if (!idle)
        return false;
    if (!rt_note_tsleep(&sched.sysmon_note, IDLE_SCAVENGE_NS)) {
        rt_stack_scavenge(true);
        rt_globrunq_trim();
        rt_note_sleep(&sched.sysmon_note); /* sysmon_wait is still set */
    }
    return true;
}

static void *sysmon_main(void *arg)
{
    (void)arg;
    rt_own_thread_begin();                        /* sysmon never ends */
    pthread_setname_np(pthread_self(), "sysmon"); /* top -H, gdb, /proc */
    int64_t delay_us = DELAY_MIN_US;
    int idle = 0;
    for (;;) {
        if (rt_explore_on)
            delay_us = DELAY_MAX_US;
        else if (idle == 0)
            delay_us = DELAY_MIN_US;
        else if (idle > IDLE_ROUNDS_BEFORE_BACKOFF && delay_us < DELAY_MAX_US)
            delay_us *= 2;
        usleep((useconds_t)delay_us);
        if (load_relaxed(&sched.exiting))
            return NULL;
        int64_t now = monotonic_ns(), grace_end;
        if (rt_explore_on) {
            watch_seeded(now);
            scavenge(now);
            continue;
        }
        scavenge(now); /* also in a program that is mostly idle */
        if (sleep_if_idle()) {
            idle = 0;
            continue;
        }
        poll_network(now);
        idle = retake(now, &grace_end) ? 0 : idle + 1;
        if (grace_end != INT64_MAX) { /* nothing to do until then */
            delay_us = (grace_end - now) / 1000;
            delay_us = delay_us < DELAY_MIN_US   ? DELAY_MIN_US
                       : delay_us > DELAY_MAX_US ? DELAY_MAX_US
                                                 : delay_us;
            idle = 1;
        }
    }
}

void rt_sysmon_start(void)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* signals are for Ms */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    rt_own_thread_spawn();
    int err = pthread_create(&t, &attr, sysmon_main, NULL);
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err)
        rt_throw("sysmon: %s", strerror(err));
}
