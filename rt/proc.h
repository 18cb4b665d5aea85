/*
 * The scheduler's data structures: G (goroutine), M (OS thread), P
 * (processor), and the global scheduler state, shared by the files that make
 * up the scheduler: sched.c (scheduling), panic.c (fatal errors, dumps,
 * signals) and hooks.c (what detectors may ask). Like Go's runtime2.go.
 * Other runtime modules use rt/sched.h, never this header.
 */
#ifndef RT_PROC_H
#define RT_PROC_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>
#include <stdint.h>

#include "lock.h"
#include "sched.h"
#include "stack.h"

enum {
    MAX_PROCS = 256,
    RUNQ_SIZE = 256,
    SUDOG_CACHE = 128,
    GFREE_CACHE = 64,
    STACK_CACHE = 64, /* free stacks per P (sched.c stack_get/put) */
    MAIN_STACK_BYTES = 8 << 20,
    ALTSTACK_BYTES = 64 << 10,
};

/* A goroutine's states (Go's _Gidle ... _Gdead) and its legal moves, which
 * sched.c's set_status checks in the checking build (lockrank.h):
 *   IDLE     just allocated                    -> DEAD (g_alloc)
 *   DEAD     free, in a pool or never started   -> RUNNABLE (newproc)
 *   RUNNABLE in a run queue or runnext          -> RUNNING (execute)
 *   RUNNING  on an M, the M's curg              -> WAITING (rt_park),
 *            RUNNABLE (yield, preemption), SYSCALL (go_syscall_enter),
 *            DEAD (it returned), RUNNING (rt_rejoin: sysmon took its
 *            M's P, as for a system call, and it got one back)
 *   WAITING  parked on an object                -> RUNNABLE (rt_ready's
 *            CAS, or its park's commit declined)
 *   SYSCALL  in a bracketed blocking call, no P -> RUNNING (it got a P
 *            back), RUNNABLE (none free: queued for whoever has one)
 * Only the goroutine's M writes it, but for WAITING -> RUNNABLE, which
 * the waker does with a CAS; others (dumps, sysmon, detectors) read it. */
typedef enum {
    G_IDLE,
    G_RUNNABLE,
    G_RUNNING,
    G_SYSCALL,
    G_WAITING,
    G_DEAD
} gstatus;

/* P_RETIRED is zero: the Ps above GOMAXPROCS stay untouched zero pages. */
typedef enum { P_RETIRED, P_IDLE, P_RUNNING, P_SYSCALL } pstatus;

/* What a goroutine asks g0 to do after switching to it. */
typedef enum { REQ_NONE, REQ_PARK, REQ_YIELD, REQ_EXIT, REQ_SYSCALL_EXIT } mreq;

typedef struct M M;
typedef struct P P;
typedef struct G G;

/* A G is 256 bytes, four cache lines. A fan-out makes Gs on one CPU and
 * runs them on another, so every line the running side touches is a
 * transfer between caches: what execute, g_entry and goexit0 use sits
 * together in the last two lines, one 128-byte pair for the adjacent-line
 * prefetcher, and what only spawning, dumps and detectors read (the call
 * site, pub's wait fields) stays out of them. */
struct G {
    rt_g pub; /* first: rt_g * and G * are interchangeable */
    G *alllink;
    /* the running side's fields, from offset 128 */
    _Alignas(128) rt_stack stack;
    void *sp;
    void (*fn)(void *);
    void *arg;
    M *m;
    uint32_t status;
    bool started;
    bool is_main;
    /* cold: the spawn site and the parent, for dumps and reports */
    G *schedlink;
    int64_t parent;
    uintptr_t cpc;
    const char *cfile, *cfunc;
    int cline;
};

/* Ps start on cache lines of their own: one P's run queue indices and the
 * next P's, or a global the scheduling points read, never share a line. */
struct P {
    _Alignas(64) int id;
    uint32_t status;
    M *m;
    P *link;
    uint32_t runqhead; /* consumers CAS it */
    uint32_t runqtail; /* only the owner stores it */
    G *runq[RUNQ_SIZE];
    G *runnext;
    uint32_t readied;    /* goroutines put here: lingering spinners watch */
    uint32_t schedtick;  /* time slices begun: sysmon watches it */
    uint32_t preempt;    /* sysmon asks the running goroutine to yield */
    int32_t ngoroutines; /* made here minus ended here; only the owner
                            writes it (go_num_goroutine sums the Ps): a
                            shared counter was a contended line at every
                            spawn and exit with two Ps */
    int64_t goid_next,
        goid_end;          /* ids this P hands out next (Go's goidcache) */
    G *gfree[GFREE_CACHE]; /* dead Gs, no stacks, the newest last */
    int ngfree;
    rt_stack stacks[STACK_CACHE]; /* free stacks, the newest last */
    int nstack;
    rt_sudog *sudogs[SUDOG_CACHE];
    int nsudog;
};

struct M {
    int64_t id;
    void *g0_sp;
    G *curg;
    P *p;
    P *nextp;
    P *oldp; /* P held before a system call */
    bool spinning;
    bool timer_sleeper;
    uint32_t linger_seen; /* other Ps' readied, at the last look */
    int64_t linger_since; /* 0: not lingering (rt/sched.c linger) */
    bool no_linger;       /* stole from a run queue since it last slept */
    bool polling;         /* the watcher sleeps in epoll_wait (sched.lock) */
    rt_note park;
    M *schedlink;
    uint64_t rand;
    mreq req;
    bool (*commit)(rt_g *, void *);
    void *commit_arg;
    void *altstack;
    pthread_t thread;
    pid_t tid;
    /* P ownership against sysmon's retake (rt/sysmon.c): pins > 0 while
     * the M runs runtime code that may touch its P (always on g0); retake
     * is sysmon's verdict; lost: the P was retaken under the running
     * goroutine, which rejoins at its next scheduling point. */
    uint32_t pins;
    uint32_t retake;
    bool lost;
    M *alllink; /* every M ever made (sched.allm), never unlinked */
};

/* A stack of pointers under a lock, which per-P caches fill from and
 * spill into half a cache at a time (rt/sched.c, "Pools"). */
typedef struct {
    rt_lock lock;
    void **v;
    uint32_t n, cap;
} rt_ptrpool;

struct rt_sched {
    rt_lock lock;
    /* the global run queue: a ring of runq_cap (a power of two or 0)
     * pointers from runq_head, grown by doubling, trimmed by sysmon */
    G **runq;
    uint32_t runq_cap, runq_head;
    int32_t runq_size;
    P *pidle;
    int32_t npidle; /* atomic reads outside the lock */
    int32_t nprocs; /* GOMAXPROCS */
    int32_t nmspinning;
    int32_t nlinger;     /* spinners pausing in linger_pause */
    uint32_t linger_key; /* bumped to end their pause: a futex word */
    M *midle;
    int32_t nmidle;
    int32_t mcount;
    int64_t next_mid;
    M *allm; /* pushed by m_new, lock-free */
    /* timers: at most one idle M sleeps until the next timer */
    M *timer_sleeper;
    int64_t timer_sleep_until;
    /* what the P caches spill: dead Gs without stacks (goexit0 gives them
     * back), and sudogs */
    rt_ptrpool gfree;
    rt_ptrpool sudogs;
    /* all Gs ever made, for dumps and the deadlock check */
    rt_lock allg_lock;
    G *allgs, *allgs_tail;
    int64_t next_goid;
    int32_t ngoroutines; /* made minus ended without a P (P.ngoroutines) */
    int32_t procs_ever;  /* the most Ps ever in use: go_num_goroutine's sum */
    int32_t nsyscall;
    /* program end; read at every scheduling decision (stw, exiting), so
     * on a line apart from the counters above, which Ms write */
    int main_code __attribute__((aligned(64)));
    uint32_t main_done;
    rt_note main_note;
    uint32_t exiting;
    uint32_t dying; /* a fatal error is being printed */
    uint32_t stw;   /* detectors stopping the world now (a count) */
    bool started;
    /* sysmon sleeps on sysmon_note while every P is idle */
    bool sysmon_wait;
    rt_note sysmon_note;
};

extern struct rt_sched sched;

extern P allp[MAX_PROCS];

/* The running M. Goroutines migrate between threads: the compiler must
 * never cache a TLS address or value across a switch, so every read goes
 * through this out-of-line function. */
M *getm(void);

static inline G *curg(void)
{
    M *m = getm();
    return m ? m->curg : NULL;
}

#define load_relaxed(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define load_acq(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define store_rel(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define fetch_add(p, v) __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)

/* ---- P ownership: the pin protocol with sysmon's retake ------------------
 *
 * sysmon may take the P of an M whose goroutine has run user code for a
 * whole time slice (rt/sysmon.c). It may do so only while the M is in user
 * code, which the M advertises by pins == 0. Runtime code that uses m->p on
 * a goroutine's stack brackets that use with pin_p/unpin_p; g0 holds one pin
 * throughout. pin_p returns the P the M still owns, or NULL once sysmon took
 * it, after which the M runs without a P, as in a system call.
 *
 * The pin is a Dekker handshake: the M stores pins then loads retake;
 * sysmon stores retake then loads pins. sysmon issues a process-wide memory
 * barrier (membarrier) between its two steps so that the M's side, on every
 * runtime call, needs only plain accesses and a compiler barrier. */
enum { RETAKE_NONE, RETAKE_DECIDING, RETAKE_TAKEN };

void p_retake_noticed(M *m);

static inline P *pin_p(M *m)
{
    __atomic_store_n(&m->pins, m->pins + 1, __ATOMIC_RELAXED);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    if (__builtin_expect(__atomic_load_n(&m->retake, __ATOMIC_RELAXED), 0))
        p_retake_noticed(m);
    return m->p;
}

static inline void unpin_p(M *m)
{
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&m->pins, m->pins - 1, __ATOMIC_RELEASE);
}

/* ---- across the scheduler's files ---- */

/* wait_since's clock: a few ms of resolution, virtual in seeded mode */
int64_t coarse_nanotime(void);

/* panic.c */
void rt_enter_dying(void);
void rt_die(int code) __attribute__((noreturn));
void rt_dump_current(int fd, int skip);
void rt_report_deadlock(void) __attribute__((noreturn));
void rt_signals_install(void);
void rt_signal_stack_install(M *m);
/* Prints the goroutine running on another M by asking that M's thread to
 * unwind itself (SIGURG); false if it did not answer in time. */
bool rt_dump_running_on(int fd, G *gp);

/* threads.c: threads gorace did not start may call in (never an
 * underestimate); such a call readying a goroutine is checked first. */
#define rt_foreign_threads rt_hook_foreign_threads
void rt_foreign_call_check(void);
/* The same, once the runtime's threads being started have started. */
int rt_foreign_threads_settled(void);
/* The runtime's own threads: spawn before pthread_create, begin first
 * thing in the new thread. */
void rt_own_thread_spawn(void);
void rt_own_thread_begin(void);

/* sysmon.c */
void rt_sysmon_start(void);
/* Called with sched.lock held when a P leaves the idle list. */
void rt_sysmon_wake_locked(void);
/* sched.c: the M whose P sysmon took rejoins as after a system call;
 * sysmon hands a retaken P to another M. */
void rt_rejoin(M *m);
void rt_handoff_p(P *p);
/* sched.c: gives back an empty global queue's ring past its first size
 * (sysmon's scavenger, with the stacks). */
void rt_globrunq_trim(void);

#endif
