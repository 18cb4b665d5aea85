/*
 * The goroutine scheduler: Go's G/M/P model (runtime/proc.go) in C.
 *
 * G is a goroutine, M an OS thread, P a processor: the right to run Go code.
 * There are GOMAXPROCS Ps. An M must hold a P to run goroutines; an M without
 * one sleeps (idle) or is in a system call.
 *
 * Run queues. Each P has a bounded lock-free ring (256 Gs) that only its
 * owner appends to and anyone may steal half of, plus a `runnext` slot: a
 * goroutine readied by the running one (a channel partner, a new goroutine)
 * runs next and inherits the time slice, which makes ping-pong cheap and
 * keeps producer/consumer pairs on one cache. Overflow and yielded goroutines
 * go to the global queue, polled every 61 schedules for fairness: a ring of
 * pointers under sched.lock, so taking a share never walks the Gs.
 *
 * Time slices. A goroutine taken from runnext inherits the slice of the one
 * that readied it (Go's inheritTime): schedtick counts only new slices, so
 * a ping-pong pair or a spawn-and-wait loop shares one. sysmon (rt/sysmon.c)
 * ends a slice that has used 10 ms of CPU: the goroutine yields at its next
 * scheduling point, or, if it reaches none, loses its P to another M. Then
 * the local and global queues get their turn; nothing starves behind a
 * chain of goroutines handing the P to each other.
 *
 * Spinning. An M that finds no work may spin, stealing from other Ps, but at
 * most half of the busy Ps' worth of Ms spin at once (Go's bound). Readying a
 * goroutine wakes an idle P only when nobody spins: the spinner will find it.
 * An M that gives up drops its P and parks on a futex: an idle process sleeps
 * (one idle M, the watcher, sleeps until the next timer instead, in
 * epoll_wait while goroutines wait on I/O: rt/netpoll.c).
 * The last spinner to give up re-checks every queue after dropping its P, so
 * work submitted in the window is never stranded (Go's "delicate dance").
 * Unlike Go's, a spinner that finds nothing lingers while another P keeps
 * readying goroutines (linger, below).
 *
 * Switching. Every M has a g0 context: the OS thread's own stack, where
 * m_loop() runs the scheduler. A goroutine never switches straight into
 * another: it switches to g0 with a request (park, yield, exit, syscall),
 * and g0 carries it out once the goroutine's registers are saved. That is
 * what makes rt_park race-free: the commit callback, which drops the lock a
 * waker needs, runs on g0 after the goroutine stopped running.
 *
 * The main goroutine runs on a worker M like any other. The thread that
 * called go_run only waits for main_fn to return, so a goroutine that never
 * yields cannot keep go_run from returning.
 *
 * Deadlock. When the last running M goes idle with no goroutine runnable,
 * none in a system call or waiting on I/O, and no timer pending, nothing can
 * ever run again:
 * "fatal error: all goroutines are asleep - deadlock!" (Go's checkdead).
 *
 * Stacks (rt/stack.c) are taken at a goroutine's first run and given back
 * at its exit, through a per-P cache: a burst of spawns costs only Gs, and
 * a fan-out needs as many stacks as goroutines running at once (unless a
 * detector needs a dead G to keep its stack: stack_put). Exiting
 * makes no system call; sysmon's scavenger gives memory back.
 *
 * The structures are in rt/proc.h; fatal errors, dumps and signal handlers
 * in rt/panic.c; what detectors may ask about goroutines in rt/hooks.c.
 */
#define _GNU_SOURCE
#include "proc.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <gorace.h>

#include "barrier.h"
#include "explore.h"
#include "hooks.h"
#include "netpoll.h"
#include "options.h"
#include "stack.h"
#include "time.h"
#include "traceback.h"

/* How often the last idle M looks for the deadlock again while threads
 * gorace did not start are alive (rt/threads.c). */
#define FOREIGN_RECHECK_NS (10 * 1000000)

struct rt_sched sched;
P allp[MAX_PROCS];
/* Every M reads it at every scheduling point and sysmon writes it once per
 * preemption: it must not share a line with anything written more often
 * (it sat beside allp[0]'s run queue indices, a transfer between caches at
 * every channel operation of the other M). */
_Alignas(64) uint32_t rt_sched_armed;

static __thread M *tls_m __attribute__((tls_model("initial-exec")));

/* Out of line: a goroutine may resume on another thread, and the compiler
 * may keep a thread-local's address across the switch. A function that
 * cannot switch (rt_fastrand64) may read tls_m itself. */
__attribute__((noinline)) M *getm(void)
{
    M *m = tls_m;
    __asm__ volatile("" : "+r"(m));
    return m;
}

rt_g *rt_getg(void)
{
    M *m = getm();
    return m ? &m->curg->pub : NULL;
}

/* gorace.h's errno: glibc's __errno_location is const, so compilers
 * reuse its result across calls; this one they must call every time. */
__attribute__((noinline)) int *go_errno_location(void)
{
    int *e = __errno_location();
    __asm__ volatile("" : "+r"(e));
    return e;
}

/* ---- clock and randomness ------------------------------------------------ */

int64_t rt_nanotime(void)
{
    if (rt_explore_on)
        return rt_explore_now();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A few ms of resolution for a fraction of the cost: enough to say how long
 * a goroutine has been blocked. */
int64_t coarse_nanotime(void)
{
    if (rt_explore_on)
        return rt_explore_now();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t wyrand(uint64_t *state)
{
    *state += 0xa0761d6478bd642full;
    __uint128_t t = (__uint128_t)*state * (*state ^ 0xe7037ed1a0b428dbull);
    return (uint64_t)(t >> 64) ^ (uint64_t)t;
}

static uint64_t global_rand_state;

uint32_t rt_fastrand(void)
{
    if (rt_explore_on)
        return rt_explore_rand();
    M *m = getm();
    if (m)
        return (uint32_t)wyrand(&m->rand);
    return (uint32_t)wyrand(&global_rand_state); /* before go_run only */
}

uint64_t rt_fastrand64(void)
{
    if (rt_explore_on) { /* two draws, high first: seeds keep schedules */
        uint64_t hi = rt_explore_rand();
        return hi << 32 | rt_explore_rand();
    }
    M *m = tls_m; /* every select draws: no call for getm */
    return wyrand(m ? &m->rand : &global_rand_state);
}

uint32_t rt_fastrandn(uint32_t n)
{
    return (uint32_t)(((uint64_t)rt_fastrand() * n) >> 32);
}

int rt_nprocs(void)
{
    return load_relaxed(&sched.nprocs);
}

/* ---- wait reasons -------------------------------------------------------- */

static const char *const wait_reason_names[RT_WAIT_N] = {
    [RT_WAIT_NONE] = "",
    [RT_WAIT_CHAN_RECV] = "chan receive",
    [RT_WAIT_CHAN_SEND] = "chan send",
    [RT_WAIT_CHAN_RECV_NIL] = "chan receive (nil chan)",
    [RT_WAIT_CHAN_SEND_NIL] = "chan send (nil chan)",
    [RT_WAIT_SELECT] = "select",
    [RT_WAIT_SELECT_NO_CASES] = "select (no cases)",
    [RT_WAIT_WG] = "sync.WaitGroup.Wait",
    [RT_WAIT_MUTEX] = "sync.Mutex.Lock",
    [RT_WAIT_RWMUTEX_R] = "sync.RWMutex.RLock",
    [RT_WAIT_RWMUTEX_W] = "sync.RWMutex.Lock",
    [RT_WAIT_COND] = "sync.Cond.Wait",
    [RT_WAIT_SLEEP] = "sleep",
    [RT_WAIT_SEMACQUIRE] = "semacquire",
    [RT_WAIT_IO] = "IO wait",
    [RT_WAIT_FOREVER] = "exiting",
};

const char *rt_wait_reason_str(rt_wait_reason r)
{
    return (unsigned)r < RT_WAIT_N ? wait_reason_names[r] : "?";
}

/* ---- run queues (Go's runqput/runqget/runqgrab) ------------------------- */

static void *sched_alloc(size_t n, const char *what);

/* The pointer arrays below (the global queue, the pools) start at a page
 * and double until need fits. */
enum { PTRS_MIN = 512 };

static uint32_t grown_cap(uint32_t cap, uint32_t need)
{
    uint32_t c = cap ? cap : PTRS_MIN;
    while (c < need)
        c *= 2;
    return c;
}

/* The global queue is a ring of G pointers, not a list through the Gs:
 * taking a share of it copies pointers that sit together, where a list
 * walks the Gs themselves under sched.lock, one cache miss each on a line
 * the other CPU wrote last (Cancel10k at GOMAXPROCS 2 spent 15% of its
 * time there). The ring doubles when full, an mmap under sched.lock as
 * rare as the queue's new peaks; rt_globrunq_trim gives a big, empty ring
 * back so that a fan-out's peak is not kept. */
static G **globrunq_slot(uint32_t i)
{
    return &sched.runq[(sched.runq_head + i) & (sched.runq_cap - 1)];
}

static void globrunq_reserve_locked(uint32_t n)
{
    uint32_t size = (uint32_t)sched.runq_size, cap = sched.runq_cap;
    if (size + n <= cap)
        return;
    uint32_t ncap = grown_cap(cap, size + n);
    G **ring = sched_alloc(ncap * sizeof(G *), "the global run queue");
    for (uint32_t i = 0; i < size; i++)
        ring[i] = *globrunq_slot(i);
    if (sched.runq)
        munmap(sched.runq, cap * sizeof(G *));
    sched.runq = ring;
    sched.runq_cap = ncap;
    sched.runq_head = 0;
}

static void globrunq_put_batch_locked(G *const *gs, uint32_t n)
{
    globrunq_reserve_locked(n);
    for (uint32_t i = 0; i < n; i++)
        *globrunq_slot((uint32_t)sched.runq_size + i) = gs[i];
    store_rel(&sched.runq_size, sched.runq_size + (int32_t)n);
}

static void globrunq_put_locked(G *gp)
{
    if (rt_explore_on) {
        rt_explore_put(&gp->pub);
        return;
    }
    globrunq_put_batch_locked(&gp, 1);
}

static G *globrunq_pop_locked(void)
{
    if (sched.runq_size == 0)
        return NULL;
    G *gp = *globrunq_slot(0);
    sched.runq_head = (sched.runq_head + 1) & (sched.runq_cap - 1);
    store_rel(&sched.runq_size, sched.runq_size - 1);
    return gp;
}

void rt_globrunq_trim(void)
{
    rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
    G **ring = NULL;
    uint32_t cap = sched.runq_cap;
    if (sched.runq_size == 0 && cap > PTRS_MIN) {
        ring = sched.runq;
        sched.runq = NULL;
        sched.runq_cap = sched.runq_head = 0;
    }
    rt_lock_release(&sched.lock);
    if (ring)
        munmap(ring, cap * sizeof(G *));
}

/* A spawner that outruns whoever runs its goroutines grows the global
 * queue, 256 bytes of G per goroutine that waits, until its time slice
 * ends. A fan-out of a million goroutines queued up to 60 thousand at
 * GOMAXPROCS 2, and 87-175 thousand at 1 (a slice of 10 ms or more,
 * spawning at 100-200 ns), so its peak memory was mostly queue (bench/
 * README, session 15). Once the global queue holds SPAWN_BACKLOG
 * goroutines, a spawn ends the spawner's slice as sysmon would
 * (go_spawn): it goes to the back of the queue, and what it queued runs
 * first. Go lets the queue grow until sysmon preempts; the departure
 * only makes that happen earlier for spawners, at the cost of one switch
 * per SPAWN_BACKLOG spawns. */
enum { SPAWN_BACKLOG = 16384 };
static __thread bool backlogged __attribute__((tls_model("initial-exec")));

/* Moves half of p's full local queue plus gp to the global queue. */
static bool runq_put_slow(P *p, G *gp, uint32_t h, uint32_t t)
{
    enum { HALF = RUNQ_SIZE / 2 };
    G *batch[HALF + 1];
    uint32_t n = (t - h) / 2;
    for (uint32_t i = 0; i < n; i++)
        batch[i] = p->runq[(h + i) % RUNQ_SIZE];
    if (!__atomic_compare_exchange_n(&p->runqhead, &h, h + n, false,
                                     __ATOMIC_RELEASE, __ATOMIC_RELAXED))
        return false;
    batch[n] = gp;
    rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
    globrunq_put_batch_locked(batch, n + 1);
    if (sched.runq_size >= SPAWN_BACKLOG)
        backlogged = true;
    rt_lock_release(&sched.lock);
    return true;
}

/* This thread queued work that another M could steal (not runnext alone)
 * since its last wakep: a lingering spinner must not pause over it. */
static __thread bool queued_work __attribute__((tls_model("initial-exec")));

static void runq_put(P *p, G *gp, bool next)
{
    if (rt_explore_on) {
        rt_explore_put(&gp->pub);
        return;
    }
    __atomic_store_n(&p->readied, p->readied + 1, __ATOMIC_RELAXED);
    if (next) {
        G *old = __atomic_exchange_n(&p->runnext, gp, __ATOMIC_ACQ_REL);
        if (!old)
            return;
        gp = old; /* kicked out of runnext: goes to the tail */
    }
    queued_work = true;
    for (;;) {
        uint32_t h = load_acq(&p->runqhead);
        uint32_t t = p->runqtail;
        if (t - h < RUNQ_SIZE) {
            p->runq[t % RUNQ_SIZE] = gp;
            store_rel(&p->runqtail, t + 1);
            return;
        }
        if (runq_put_slow(p, gp, h, t))
            return;
    }
}

/* Every goroutine's saved context sits on its own stack page, cold when
 * many goroutines take turns: start fetching the one after this one while
 * this one runs. It resumes by returning through the frames above its sp
 * (rt_park, park_on, the channel operation...), and with one line fetched
 * the pops and returns further up missed (SpawnN/1e4, perf: half of its
 * samples); four lines cover them, eight did no better. */
static inline void prefetch_next(P *p, uint32_t h, uint32_t t)
{
    if (h != t) {
        G *after = p->runq[h % RUNQ_SIZE];
        void *sp = __atomic_load_n(&after->sp, __ATOMIC_RELAXED);
        __builtin_prefetch(after);
        if (sp)
            for (int i = 0; i < 4; i++)
                __builtin_prefetch((char *)sp + 64 * i);
    }
}

/* *inherit: gp came from runnext and runs in the current time slice. */
static G *runq_get(P *p, bool *inherit)
{
    G *next = load_relaxed(&p->runnext);
    *inherit = next != NULL;
    if (next && __atomic_compare_exchange_n(&p->runnext, &next, NULL, false,
                                            __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        return next;
    *inherit = false;
    for (;;) {
        uint32_t h = load_acq(&p->runqhead);
        uint32_t t = p->runqtail;
        if (t == h)
            return NULL;
        G *gp = p->runq[h % RUNQ_SIZE];
        if (__atomic_compare_exchange_n(&p->runqhead, &h, h + 1, false,
                                        __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
            prefetch_next(p, h + 1, t);
            return gp;
        }
    }
}

static bool runq_empty(P *p)
{
    return load_acq(&p->runqhead) == load_acq(&p->runqtail) &&
           load_acq(&p->runnext) == NULL;
}

/* Grabs half of victim's queue into batch; may take runnext as a last
 * resort (only when stealing for real, as Go does). */
static uint32_t runq_grab(P *victim, G **batch, bool steal_next)
{
    for (;;) {
        uint32_t h = load_acq(&victim->runqhead);
        uint32_t t = load_acq(&victim->runqtail);
        uint32_t n = t - h;
        n -= n / 2;
        if (n == 0) {
            if (!steal_next)
                return 0;
            G *next = load_acq(&victim->runnext);
            if (!next)
                return 0;
            /* The victim may be about to run it: give it a moment, as Go
             * does, so a ping-pong pair is not torn apart. */
            if (load_relaxed(&victim->status) == P_RUNNING)
                usleep(3);
            if (!__atomic_compare_exchange_n(&victim->runnext, &next, NULL,
                                             false, __ATOMIC_ACQ_REL,
                                             __ATOMIC_RELAXED))
                continue;
            batch[0] = next;
            return 1;
        }
        if (n > RUNQ_SIZE / 2)
            continue; /* inconsistent read of h and t */
        for (uint32_t i = 0; i < n; i++)
            batch[i] = victim->runq[(h + i) % RUNQ_SIZE];
        if (__atomic_compare_exchange_n(&victim->runqhead, &h, h + n, false,
                                        __ATOMIC_RELEASE, __ATOMIC_RELAXED))
            return n;
    }
}

static G *runq_steal(P *p, P *victim, bool steal_next)
{
    G *batch[RUNQ_SIZE / 2 + 1];
    uint32_t n = runq_grab(victim, batch, steal_next);
    if (n == 0)
        return NULL;
    uint32_t t = p->runqtail;
    for (uint32_t i = 1; i < n; i++)
        p->runq[(t + i - 1) % RUNQ_SIZE] = batch[i];
    store_rel(&p->runqtail, t + n - 1);
    return batch[0];
}

/* Takes a share of the global queue: one to run, some into p's queue. */
static G *globrunq_get(P *p, int max)
{
    if (load_acq(&sched.runq_size) == 0)
        return NULL;
    rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
    int n = sched.runq_size / load_relaxed(&sched.nprocs) + 1;
    if (n > sched.runq_size)
        n = sched.runq_size;
    if (max > 0 && n > max)
        n = max;
    if (n > RUNQ_SIZE / 2)
        n = RUNQ_SIZE / 2;
    /* The rest go to p's queue, appended by its owner only (this M): room
     * never shrinks under us, and it is all room when runq_get just found
     * nothing. */
    uint32_t t = p->runqtail;
    int room = RUNQ_SIZE - (int)(t - load_acq(&p->runqhead));
    if (n > room + 1)
        n = room + 1;
    G *gp = globrunq_pop_locked();
    if (n > 1) {
        for (int i = 1; i < n; i++)
            p->runq[(t + (uint32_t)i - 1) % RUNQ_SIZE] = globrunq_pop_locked();
        store_rel(&p->runqtail, t + (uint32_t)n - 1);
        __atomic_store_n(&p->readied, p->readied + (uint32_t)n - 1,
                         __ATOMIC_RELAXED);
        queued_work = true;
    }
    rt_lock_release(&sched.lock);
    return gp;
}

/* ---- idle Ps and Ms --------------------------------------------------------
 * Both lists are protected by sched.lock. */

/* Clears sysmon's preemption request on p; true if there was one. */
static bool take_preempt(P *p)
{
    if (!load_relaxed(&p->preempt) ||
        !__atomic_exchange_n(&p->preempt, 0, __ATOMIC_ACQ_REL))
        return false;
    fetch_add(&rt_sched_armed, -1);
    return true;
}

static void pidle_put_locked(P *p)
{
    take_preempt(p); /* nobody left to preempt */
    p->status = P_IDLE;
    p->m = NULL;
    p->link = sched.pidle;
    sched.pidle = p;
    __atomic_store_n(&sched.npidle, sched.npidle + 1, __ATOMIC_SEQ_CST);
}

static P *pidle_get_locked(void)
{
    P *p = sched.pidle;
    if (p) {
        sched.pidle = p->link;
        __atomic_store_n(&sched.npidle, sched.npidle - 1, __ATOMIC_SEQ_CST);
        rt_sysmon_wake_locked();
    }
    return p;
}

/* Removes a specific idle P (a syscall returning to its old P). */
static bool pidle_take_locked(P *want)
{
    for (P **pp = &sched.pidle; *pp; pp = &(*pp)->link) {
        if (*pp == want) {
            *pp = want->link;
            __atomic_store_n(&sched.npidle, sched.npidle - 1, __ATOMIC_SEQ_CST);
            rt_sysmon_wake_locked();
            return true;
        }
    }
    return false;
}

static void acquirep(M *m, P *p)
{
    m->p = p;
    p->m = m;
    p->status = P_RUNNING;
}

static P *releasep(M *m)
{
    P *p = m->p;
    m->p = NULL;
    p->m = NULL;
    return p;
}

static void *m_thread_main(void *arg);

/* The scheduler's own structures (Ms, chunks of Gs and of sudogs) come
 * zeroed from mmap, not malloc, and are never freed. They point at every
 * blocked goroutine's wait objects; a detector that follows malloc'd
 * blocks to decide what is reachable (detect/deadlock/mark.c) must not
 * follow them, and now never sees them (rt/hooks.h). */
static void *sched_alloc(size_t n, const char *what)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED)
        rt_throw("out of memory allocating %s", what);
    return p;
}

static M *m_new(void)
{
    M *m = sched_alloc(sizeof(M), "an M");
    m->id = __atomic_add_fetch(&sched.next_mid, 1, __ATOMIC_RELAXED);
    m->rand = (uint64_t)rt_nanotime() ^ ((uint64_t)m->id << 32) ^
              (uint64_t)(uintptr_t)m;
    m->alllink = load_acq(&sched.allm);
    while (!__atomic_compare_exchange_n(&sched.allm, &m->alllink, m, true,
                                        __ATOMIC_RELEASE, __ATOMIC_ACQUIRE))
        ;
    return m;
}

static void m_spawn_thread(M *m)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    rt_own_thread_spawn();
    int err = pthread_create(&t, &attr, m_thread_main, m);
    pthread_attr_destroy(&attr);
    if (err)
        rt_throw("newosproc: %s", strerror(err));
}

/* Wakes an idle M, from its futex or, if it is the watcher sleeping in
 * the poller (polling, read under sched.lock), from epoll_wait. */
static void m_wakeup(M *m, bool polling)
{
    rt_note_wakeup(&m->park);
    if (polling)
        rt_netpoll_break();
}

/* Runs p on an idle M, or a new one. Go's startm. */
static void startm(P *p, bool spinning)
{
    rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
    if (!p) {
        p = pidle_get_locked();
        if (!p) {
            rt_lock_release(&sched.lock);
            if (spinning)
                fetch_add(&sched.nmspinning, -1);
            return;
        }
    }
    M *m = sched.midle;
    if (m) {
        sched.midle = m->schedlink;
        sched.nmidle--;
        /* Set under the lock: a sleeper that timed out decides, under the
         * same lock, whether it was handed a P. */
        m->spinning = spinning;
        m->nextp = p;
        bool polling = m->polling;
        rt_lock_release(&sched.lock);
        m_wakeup(m, polling);
        return;
    }
    sched.mcount++;
    rt_lock_release(&sched.lock);
    m = m_new();
    m->spinning = spinning;
    m->nextp = p;
    m_spawn_thread(m);
}

void rt_handoff_p(P *p)
{
    startm(p, false);
}

static void end_linger_pauses(void)
{
    __atomic_add_fetch(&sched.linger_key, 1, __ATOMIC_RELEASE);
    rt_futex_wake(&sched.linger_key, INT32_MAX);
}

/* Wakes an idle P to look for work if nobody is spinning already, and
 * ends lingering spinners' pauses if this thread queued work (linger). */
static void wakep(void)
{
    if (rt_explore_on)
        return;
    /* Go's submission protocol: publish the work, a StoreLoad barrier, then
     * read npidle and nmspinning; an M going idle publishes npidle (a
     * seq_cst store) and then re-reads the queues. Without the barrier both
     * could read stale values and a goroutine on the global queue would
     * wait with a P idle. (rt_lock's release is a plain store: it gives no
     * such barrier.) */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (queued_work) {
        queued_work = false;
        if (load_relaxed(&sched.nlinger) != 0)
            end_linger_pauses();
    }
    if (load_relaxed(&sched.npidle) == 0)
        return;
    int32_t zero = 0;
    if (load_relaxed(&sched.nmspinning) != 0 ||
        !__atomic_compare_exchange_n(&sched.nmspinning, &zero, 1, false,
                                     __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
        return;
    startm(NULL, true);
}

static bool checkdead_locked(void);

/* Wakes an idle M without a P; it runs timers and watches them. */
static void wake_idle_m_locked(void)
{
    M *m = sched.midle;
    sched.midle = m->schedlink;
    sched.nmidle--;
    m_wakeup(m, m->polling);
}

/* rt/hooks.h, "One thread at a time": an M counts from the first goroutine
 * it runs after sleeping until it has slept HOOKS_GRACE_NS (m_sleep).
 * Waking, spinning and finding nothing costs no barrier; a wake that finds
 * work after the grace pays one. */
static void m_hooks_on(M *m)
{
#ifdef GORACE_INSTR
    if (!(m->pins & RT_PIN_IDLE))
        return;
    rt_hook_parallel_enter();
    __atomic_store_n(&m->pins, m->pins & ~RT_PIN_IDLE, __ATOMIC_RELAXED);
#else
    (void)m;
#endif
}

static void m_hooks_off(M *m)
{
#ifdef GORACE_INSTR
    if (m->pins & RT_PIN_IDLE)
        return;
    __atomic_store_n(&m->pins, m->pins | RT_PIN_IDLE, __ATOMIC_RELAXED);
    rt_hook_parallel_add(-1); /* after its last hook */
#else
    (void)m;
#endif
}

/* An M that ran goroutines stays counted (rt/hooks.h) for HOOKS_GRACE_NS
 * of a sleep, so one woken to run more within it pays no process barrier:
 * on this VM a barrier costs 10-20 us, and two Ms that take turns on a
 * connection (TCPAccept) would pay one at every turn. Past it, the M
 * uncounts itself and sleeps on. */
enum { HOOKS_GRACE_NS = 200 * 1000 };

/* stopm's sleep, in the poller or on m's note, for wait ns (< 0: until
 * woken; 0: only a look at the poller). Returns what the poller readied. */
static int m_sleep(M *m, bool poll, int64_t wait)
{
    if (wait == 0)
        return poll ? rt_netpoll(0, false) : 0;
#ifdef GORACE_INSTR
    if (!(m->pins & RT_PIN_IDLE) && (wait < 0 || wait > HOOKS_GRACE_NS)) {
        int64_t until = rt_nanotime() + wait;
        int n = 0;
        if (poll)
            n = rt_netpoll(HOOKS_GRACE_NS, false);
        else if (rt_note_tsleep(&m->park, HOOKS_GRACE_NS))
            return 0; /* woken */
        if (n > 0 || rt_note_is_set(&m->park))
            return n;
        if (wait > 0 && (wait = until - rt_nanotime()) <= 0)
            wait = 0;
    }
#endif
    m_hooks_off(m);
    m->no_linger = false;
    if (poll)
        return rt_netpoll(wait, false);
    if (wait != 0)
        rt_note_tsleep(&m->park, wait);
    return 0;
}

/* Parks m until startm hands it a P. Called without a P. If timers are
 * pending and no other idle M watches them, m sleeps only until the next
 * one is due, then comes back (with nextp NULL) to run it. */
static void stopm(M *m, int64_t timer_when)
{
    rt_netpoll_flush(); /* nobody else may look at the poller soon */
    rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
    m->schedlink = sched.midle;
    sched.midle = m;
    sched.nmidle++;
    /* A timer added while we looked has no deadline in timer_when: watch
     * it coarsely rather than sleep through it. */
    if (timer_when == INT64_MAX && !rt_explore_on && rt_timers_pending())
        timer_when = rt_nanotime() + 1000000;
    /* Deadlocked but for threads gorace did not start: look again soon,
     * they may end without waking anyone. */
    if (checkdead_locked() && timer_when == INT64_MAX)
        timer_when = rt_nanotime() + FOREIGN_RECHECK_NS;
    /* Goroutines wait on I/O: the watcher must sleep in the poller. One
     * asleep on its futex cannot see I/O; take the watch from it (it
     * wakes at its deadline, finds itself relieved, and runs timers). */
    bool poll = !rt_explore_on && rt_netpoll_waiting();
    M *w = sched.timer_sleeper;
    if (poll && w && !w->polling) {
        if (sched.timer_sleep_until < timer_when)
            timer_when = sched.timer_sleep_until;
        sched.timer_sleeper = NULL;
    }
    bool watch =
        (timer_when != INT64_MAX || poll) && sched.timer_sleeper == NULL;
    if (watch) {
        sched.timer_sleeper = m;
        sched.timer_sleep_until = timer_when;
        m->polling = poll;
    }
    rt_note_clear(&m->park);
    rt_lock_release(&sched.lock);

    int64_t wait = -1; /* until woken */
    if (watch && timer_when != INT64_MAX) {
        wait = timer_when - rt_nanotime();
        if (wait < 0)
            wait = 0;
    }
    /* readied: by the poller, for this M to run (Go's findrunnable) */
    int readied = m_sleep(m, watch && poll, wait);

    rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
    m->polling = false;
    if (sched.timer_sleeper == m) {
        sched.timer_sleeper = NULL;
        /* Handed a P while watching timers: this M may now run a goroutine
         * for a long time, so pass the watch to another idle M. */
        if (m->nextp && sched.midle)
            wake_idle_m_locked();
    }
    if (!m->nextp) {
        /* Timed out (or woken for a timer): leave the idle list and try to
         * get a P to run timers with (seeded mode has only the one P). */
        for (M **mp = &sched.midle; *mp; mp = &(*mp)->schedlink) {
            if (*mp == m) {
                *mp = m->schedlink;
                sched.nmidle--;
                break;
            }
        }
        if (!rt_explore_on)
            m->nextp = pidle_get_locked();
    }
    bool got_p = m->nextp != NULL;
    rt_lock_release(&sched.lock);
    if (readied > 1 || (readied == 1 && !got_p))
        wakep(); /* more than this M can run, or it cannot run any */
}

void rt_sched_timer_added(int64_t when)
{
    if (!load_relaxed(&sched.started) || rt_explore_on)
        return;
    rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
    M *m = sched.timer_sleeper;
    bool earlier = when < sched.timer_sleep_until;
    if (m && earlier)
        sched.timer_sleep_until = when;
    bool nobody = !m && sched.nmidle == sched.mcount;
    bool polling = m && m->polling;
    rt_lock_release(&sched.lock);
    if (m && earlier)
        m_wakeup(m, polling);
    else if (nobody)
        startm(NULL, false); /* everyone idles with no timer watcher */
}

/* Go's checkdead: called with sched.lock held when an M goes idle. True
 * when only threads gorace did not start (rt/threads.c) keep it from
 * reporting the deadlock. */
static bool checkdead_locked(void)
{
    if (!sched.started || load_relaxed(&sched.main_done) ||
        load_relaxed(&sched.exiting) || rt_explore_on)
        return false; /* seeded mode: explore_find_runnable checks */
    if (sched.nmidle < sched.mcount || sched.runq_size > 0)
        return false;
    if (load_relaxed(&sched.nsyscall) > 0 || rt_timers_pending() ||
        rt_netpoll_waiting())
        return false;
    for (int i = 0; i < sched.nprocs; i++)
        if (!runq_empty(&allp[i]))
            return false;
    if (rt_foreign_threads() > 0)
        return true;
    rt_report_deadlock();
}

/* ---- G allocation ----------------------------------------------------------
 */

/* ---- pools -----------------------------------------------------------------
 *
 * Dead Gs and sudogs are cached per P, and the caches fill from and spill
 * into a global pool of pointers half a cache at a time, as Go's gfget/gfput
 * move batches of 32. A fan-out spawns on one P and exits on the other: moved
 * one at a time, every spawn and every exit met at the pool's lock, and
 * MacroFanOut1M at GOMAXPROCS 2 spent a third of its time there. The pool is
 * an array, so a batch is a copy of pointers that sit together, not a walk
 * through cold Gs. It grows by doubling and is never shrunk: a pointer per
 * dead G, 3% of the G it points at, which is never freed either. */

static void pool_push(rt_ptrpool *pl, rt_lockrank rank, const void *items,
                      uint32_t n)
{
    rt_lock_acquire(&pl->lock, rank);
    if (pl->n + n > pl->cap) {
        uint32_t cap = grown_cap(pl->cap, pl->n + n);
        void **v = sched_alloc(cap * sizeof *v, "a pool");
        if (pl->v) {
            memcpy(v, pl->v, pl->n * sizeof *v);
            munmap(pl->v, pl->cap * sizeof *v);
        }
        pl->v = v;
        pl->cap = cap;
    }
    memcpy(pl->v + pl->n, items, n * sizeof *pl->v);
    pl->n += n;
    rt_lock_release(&pl->lock);
}

/* Moves up to max pointers, the newest, into items; returns how many. */
static uint32_t pool_pop(rt_ptrpool *pl, rt_lockrank rank, void *items,
                         uint32_t max)
{
    rt_lock_acquire(&pl->lock, rank);
    uint32_t n = pl->n < max ? pl->n : max;
    pl->n -= n;
    if (n > 0) /* an empty pool may have no array yet */
        memcpy(items, pl->v + pl->n, n * sizeof *pl->v);
    rt_lock_release(&pl->lock);
    return n;
}

/* A full cache of size pointers gives its older half to the pool and
 * keeps the newer, hotter half. */
static void pool_spill(rt_ptrpool *pl, rt_lockrank rank, void *cache, int *n,
                       int size)
{
    size_t half = (size_t)size / 2, bytes = half * sizeof(void *);
    pool_push(pl, rank, cache, (uint32_t)half);
    memmove(cache, (char *)cache + bytes, bytes);
    *n = (int)half;
}

/* Dead Gs own no stack (goexit0 gives it to the P's stack cache), so a G
 * queued behind many others costs only its struct; unless a detector needs
 * a dead G to keep its stack (stack_put). */
static G *gfree_get(P *p)
{
    if (p->ngfree == 0)
        p->ngfree = (int)pool_pop(&sched.gfree, RT_RANK_GFREE, p->gfree,
                                  GFREE_CACHE / 2);
    return p->ngfree ? p->gfree[--p->ngfree] : NULL;
}

static void gfree_put(P *p, G *gp)
{
    if (!p) {
        pool_push(&sched.gfree, RT_RANK_GFREE, &gp, 1);
        return;
    }
    if (p->ngfree == GFREE_CACHE)
        pool_spill(&sched.gfree, RT_RANK_GFREE, p->gfree, &p->ngfree,
                   GFREE_CACHE);
    p->gfree[p->ngfree++] = gp;
}

#ifdef RT_DEBUG_CHECKS
/* proc.h's transitions: the states each state may move to. */
static const uint8_t legal_next[] = {
    [G_IDLE] = 1u << G_DEAD,
    [G_DEAD] = 1u << G_RUNNABLE,
    [G_RUNNABLE] = 1u << G_RUNNING,
    [G_RUNNING] = 1u << G_WAITING | 1u << G_RUNNABLE | 1u << G_SYSCALL |
                  1u << G_DEAD | 1u << G_RUNNING,
    [G_WAITING] = 1u << G_RUNNABLE,
    [G_SYSCALL] = 1u << G_RUNNING | 1u << G_RUNNABLE,
};

static const char *status_name(uint32_t st)
{
    static const char *const names[] = {"idle",    "runnable", "running",
                                        "syscall", "waiting",  "dead"};
    return st <= G_DEAD ? names[st] : "?";
}

static void check_transition(G *gp, uint32_t to)
{
    uint32_t from = load_acq(&gp->status);
    if (from <= G_DEAD && (legal_next[from] >> to & 1))
        return;
    fprintf(stderr,
            "fatal error: gorace internal: goroutine %lld: illegal status "
            "transition %s -> %s\n",
            (long long)gp->pub.id, status_name(from), status_name(to));
    abort();
}
#endif

/* Every status store but rt_ready's CAS goes through here. */
static inline void set_status(G *gp, uint32_t to)
{
#ifdef RT_DEBUG_CHECKS
    check_transition(gp, to);
#endif
    store_rel(&gp->status, to);
}

/* ---- the per-P stack cache ---------------------------------------------
 * A goroutine takes a stack at its first run and gives it back at exit,
 * LIFO: a spawn-and-exit loop reuses one hot stack, and a fan-out whose
 * goroutines outrun their spawner needs as many stacks as goroutines run
 * at once, not as many as are queued. Go keeps the stack with the dead G
 * instead; its stacks are 2 KB of heap, ours a fresh page fault or two,
 * and a queued G would pin one. The pool behind it (rt/stack.c) is
 * reached in batches, and no step makes a system call. */

/* Set once by go_run, before any goroutine exits. */
static bool stacks_stay_with_g;

static void stack_get(P *p, G *gp)
{
    if (gp->is_main || !p) {
        rt_stack_alloc(&gp->stack, gp->is_main ? MAIN_STACK_BYTES : 0);
        return;
    }
    if (p->nstack == 0)
        p->nstack = rt_stack_alloc_n(p->stacks, STACK_CACHE / 2);
    gp->stack = p->stacks[--p->nstack];
    /* No stale copy: the leak checker (detect/deadlock/mark.c) scans allp
     * as a root, and a copy would keep the new owner's stack reachable. */
    p->stacks[p->nstack] = (rt_stack){0};
}

static void stack_put(P *p, G *gp)
{
    if (!gp->stack.lo)
        return;
    /* A detector may need a dead G to keep its stack for the G's next
     * goroutine (rt_hooks.stack_stays_with_g: the TSan engine); the cost
     * is a stack per dead G there, as in Go. */
    if (stacks_stay_with_g && gp->stack.slab)
        return;
    if (!p || !gp->stack.slab) { /* main's own mapping, or no P */
        rt_stack_free(&gp->stack);
        return;
    }
    if (p->nstack == STACK_CACHE) { /* the older half to the pool */
        rt_stack_free_n(p->stacks, STACK_CACHE / 2);
        memmove(p->stacks, p->stacks + STACK_CACHE / 2,
                sizeof(rt_stack) * (STACK_CACHE - STACK_CACHE / 2));
        p->nstack -= STACK_CACHE / 2;
        memset(p->stacks + p->nstack, 0,
               sizeof(rt_stack) * (size_t)(STACK_CACHE - p->nstack));
    }
    p->stacks[p->nstack++] = gp->stack;
    gp->stack.lo = gp->stack.hi = 0;
    gp->stack.slab = NULL;
}

/* proc.h's layout: the running side's fields in one aligned 128-byte
 * pair of lines, and Gs that never share one (chunks are page-aligned). */
_Static_assert(sizeof(G) % 128 == 0 && offsetof(G, stack) % 128 == 0 &&
                   offsetof(G, is_main) < offsetof(G, stack) + 128,
               "G's hot fields must share one 128-byte pair of lines");

/* Gs are carved from chunks of G_CHUNK, never freed (as in Go): goroutines
 * made together sit together, so a scan or a ring of them walks memory in
 * order, and a burst of spawns costs one mmap per chunk. */
static G *g_carve_locked(void)
{
    enum { G_CHUNK = 64 };
    static G *chunk;
    static int left;
    if (left == 0) {
        chunk = sched_alloc(G_CHUNK * sizeof(G), "a goroutine");
        left = G_CHUNK;
    }
    left--;
    return chunk++;
}

static G *g_alloc(void)
{
    /* Appended, so dumps list goroutines in creation order as Go does. */
    rt_lock_acquire(&sched.allg_lock, RT_RANK_ALLG);
    G *gp = g_carve_locked();
    set_status(gp, G_DEAD);
    if (sched.allgs_tail)
        store_rel(&sched.allgs_tail->alllink, gp);
    else
        store_rel(&sched.allgs, gp);
    sched.allgs_tail = gp;
    rt_lock_release(&sched.allg_lock);
    return gp;
}

/* ---- sudog cache -----------------------------------------------------------
 */

/* A chunk of sudogs into the pool, when it is empty. The chunk fills its
 * pages: 64 sudogs of 80 bytes once took two pages for 5 KB of them, which
 * cost every parked goroutine 48 bytes more than its sudog. */
static void sudog_carve(void)
{
    enum { SUDOG_CHUNK_BYTES = 64 << 10, BATCH = 64 };
    rt_sudog *c = sched_alloc(SUDOG_CHUNK_BYTES, "a sudog");
    size_t n = SUDOG_CHUNK_BYTES / sizeof *c;
    rt_sudog *v[BATCH];
    for (size_t i = 0; i < n; i += BATCH) {
        uint32_t k = (uint32_t)(n - i < BATCH ? n - i : BATCH);
        for (uint32_t j = 0; j < k; j++)
            v[j] = &c[i + j];
        pool_push(&sched.sudogs, RT_RANK_SUDOG, v, k);
    }
}

static rt_sudog *sudog_take(rt_sudog **cache, int *n, uint32_t max)
{
    while ((*n = (int)pool_pop(&sched.sudogs, RT_RANK_SUDOG, cache, max)) == 0)
        sudog_carve();
    return cache[--*n];
}

rt_sudog *rt_sudog_get(void)
{
    M *m = getm();
    P *p = m ? pin_p(m) : NULL;
    rt_sudog *s;
    if (p) {
        s = p->nsudog > 0 ? p->sudogs[--p->nsudog]
                          : sudog_take(p->sudogs, &p->nsudog, SUDOG_CACHE / 2);
        unpin_p(m);
    } else {
        if (m)
            unpin_p(m);
        rt_sudog *one;
        int n;
        s = sudog_take(&one, &n, 1);
    }
    memset(s, 0, sizeof *s);
    s->frame = (uintptr_t)__builtin_frame_address(0);
    return s;
}

/* A resuming goroutine reads its saved context PREFETCH_BELOW bytes under
 * rt_sudog_get's frame, then returns through its callers' frames above. */
enum { PREFETCH_BELOW = 128, PREFETCH_ABOVE = 640 };

void rt_sudog_prefetch(const rt_sudog *s)
{
    const char *g = (const char *)s->g;
    for (size_t i = 0; i < sizeof(G); i += 64)
        __builtin_prefetch(g + i, 1);
    /* Not past the frame's page: above the top of a stack is the next
     * slot's guard page, where a prefetch costs a failed page walk. */
    uintptr_t end = s->frame + PREFETCH_ABOVE;
    uintptr_t page_end = (s->frame | 4095) + 1;
    if (end > page_end)
        end = page_end;
    for (uintptr_t a = (s->frame - PREFETCH_BELOW) & ~(uintptr_t)63; a < end;
         a += 64)
        __builtin_prefetch((const void *)a, 0);
}

void rt_sudog_put(rt_sudog *s)
{
    M *m = getm();
    P *p = m ? pin_p(m) : NULL;
    if (!p) {
        if (m)
            unpin_p(m);
        pool_push(&sched.sudogs, RT_RANK_SUDOG, &s, 1);
        return;
    }
    if (p->nsudog == SUDOG_CACHE)
        pool_spill(&sched.sudogs, RT_RANK_SUDOG, p->sudogs, &p->nsudog,
                   SUDOG_CACHE);
    p->sudogs[p->nsudog++] = s;
    unpin_p(m);
}

/* ---- creating goroutines ----------------------------------------------------
 */

static void g_entry(void);

/* Counts goroutines made (d = 1) or ended (-1) on p, which the caller
 * owns (pinned, or on g0), or globally without a P. */
static void count_goroutines(P *p, int d)
{
    if (p)
        __atomic_store_n(&p->ngoroutines, p->ngoroutines + d, __ATOMIC_RELAXED);
    else
        fetch_add(&sched.ngoroutines, d);
}

/* Goroutine ids come to a P in batches, as in Go (goidcache): a locked add
 * per spawn on a word all spawners share waited for the new G's stores to
 * drain (MacroFanOut1M at GOMAXPROCS 2: 14% of its time). Ids stay unique;
 * across Ps they no longer follow creation order, as in Go. */
static int64_t goid_next(P *p)
{
    enum { GOID_BATCH = 16 };
    if (!p)
        return __atomic_add_fetch(&sched.next_goid, 1, __ATOMIC_RELAXED);
    if (p->goid_next == p->goid_end) {
        p->goid_next =
            __atomic_fetch_add(&sched.next_goid, GOID_BATCH, __ATOMIC_RELAXED) +
            1;
        p->goid_end = p->goid_next + GOID_BATCH;
    }
    return p->goid_next++;
}

static G *newproc(void (*fn)(void *), void *arg, const char *file, int line,
                  const char *func, uintptr_t pc)
{
    M *m = getm();
    P *p = m ? pin_p(m) : NULL;
    G *gp = p ? gfree_get(p) : NULL;
    int64_t id = goid_next(p);
    count_goroutines(p, 1);
    if (m)
        unpin_p(m);
    if (!gp)
        gp = g_alloc();
    G *parent = m ? m->curg : NULL;
    gp->fn = fn;
    gp->arg = arg;
    gp->started = false;
    gp->is_main = false;
    gp->sp = NULL;
    gp->parent = parent ? parent->pub.id : 0;
    gp->cfile = file;
    gp->cline = line;
    gp->cfunc = func;
    gp->cpc = pc;
    gp->pub.id = id;
    gp->pub.param = NULL;
    gp->pub.select_done = 0;
    gp->pub.waiting = NULL;
    memset(&gp->pub.hg, 0, sizeof gp->pub.hg);
    gp->pub.wait_reason = RT_WAIT_NONE;
    gp->pub.wait_obj = NULL;
    gp->pub.wait_since = 0;
    rt_explore_created(&gp->pub);
    RT_HOOK(go_create, rt_hook_cur(), &gp->pub.hg, pc, file, line, func);
    set_status(gp, G_RUNNABLE);
    return gp;
}

/* Queues a runnable gp as next on this M's P, or globally without one. */
static void ready_put(G *gp)
{
    M *m = getm();
    if (!m)
        rt_foreign_call_check();
    P *p = m ? pin_p(m) : NULL;
    if (p) {
        runq_put(p, gp, true);
        unpin_p(m);
        return;
    }
    if (m)
        unpin_p(m);
    rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
    globrunq_put_locked(gp);
    rt_lock_release(&sched.lock);
    queued_work = true;
}

void rt_spawn(void (*fn)(void *), void *arg, const char *file, int line,
              const char *func, uintptr_t pc)
{
    ready_put(newproc(fn, arg, file, line, func, pc));
    if (load_relaxed(&sched.started))
        wakep();
}

/* A spawn that filled the global queue past SPAWN_BACKLOG ends the
 * spawner's time slice. */
static void spawn_backpressure(void)
{
    if (__builtin_expect(backlogged, 0)) {
        backlogged = false;
        go_yield();
    }
}

/* Spawning is a scheduling point, as newproc's prologue is in Go: a loop
 * that only spawns yields when its time slice is over. */
void go_spawn_at(void (*fn)(void *), void *arg, const char *file, int line,
                 const char *func)
{
    rt_sched_point();
    rt_spawn(fn, arg, file, line, func, (uintptr_t)__builtin_return_address(0));
    spawn_backpressure();
}

void go_spawn(void (*fn)(void *), void *arg)
{
    rt_sched_point();
    rt_spawn(fn, arg, NULL, 0, NULL, (uintptr_t)__builtin_return_address(0));
    spawn_backpressure();
}

/* ---- switching between a goroutine and g0 ---------------------------------
 */

static void check_canary(G *gp)
{
    if (!gp->stack.guarded && !rt_stack_canary_ok(&gp->stack)) {
        rt_enter_dying();
        rt_fdprintf(2,
                    "fatal error: stack overflow\n\nruntime: goroutine %lld "
                    "overflowed its %zu-byte stack (canary overwritten; "
                    "GORACE_STACK_KB raises the limit)\n",
                    (long long)gp->pub.id,
                    (size_t)(gp->stack.hi - gp->stack.lo));
        rt_dump_current(2, 2);
        rt_die(2);
    }
}

/* Switches from the running goroutine to its M's g0 with a request. When
 * this returns, the goroutine has been resumed, maybe on another M. */
static void switch_to_g0(M *m, G *gp, mreq req)
{
    check_canary(gp);
    m->req = req;
    pin_p(m); /* g0 keeps it until execute() */
    rt_ctx_switch(&gp->sp, m->g0_sp);
}

/* A goroutine that does not inherit its predecessor's time slice starts a
 * new one: sysmon measures slices by schedtick (Go's inheritTime). */
static void start_slice(P *p)
{
    store_rel(&p->schedtick, p->schedtick + 1);
    take_preempt(p);
}

static void execute(M *m, G *gp, bool inherit)
{
    m->curg = gp;
    gp->m = m;
    if (!gp->stack.lo)
        stack_get(m->p, gp);
    if (!gp->started) {
        gp->sp = rt_stack_first_frame(&gp->stack, g_entry);
        gp->started = true;
    }
    set_status(gp, G_RUNNING);
    if (!inherit)
        start_slice(m->p);
    m_hooks_on(m);
    RT_HOOK(go_switch, &gp->pub.hg);
    unpin_p(m); /* user code from here on: sysmon may take the P */
    rt_ctx_switch(&m->g0_sp, gp->sp);
}

static void goexit0(M *m, G *gp);

/* The M that lost its P to sysmon is back under the scheduler's rules. */
static void rejoined(M *m)
{
    m->lost = false;
    fetch_add(&rt_sched_armed, -1);
}

/* Runs on g0 once the goroutine that switched here has stopped. Returns a
 * goroutine to resume at once (a park whose commit declined), or NULL. */
static G *finish_request(M *m)
{
    G *gp = m->curg;
    mreq req = m->req;
    m->req = REQ_NONE;
    RT_HOOK(go_switch, NULL); /* this thread is back in scheduler context */
    m->curg = NULL;
    gp->m = NULL;
    if (m->lost)
        rejoined(m); /* m->p is NULL: the M idles after the request */
    switch (req) {
    case REQ_PARK:
        set_status(gp, G_WAITING);
        if (rt_explore_on)
            rt_explore_parked();
        if (m->commit && !m->commit(&gp->pub, m->commit_arg)) {
            set_status(gp, G_RUNNABLE);
            return gp;
        }
        return NULL;
    case REQ_YIELD:
        set_status(gp, G_RUNNABLE);
        rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
        globrunq_put_locked(gp);
        rt_lock_release(&sched.lock);
        if (!m->p)
            wakep(); /* its P was retaken: this M will not run it */
        return NULL;
    case REQ_EXIT:
        goexit0(m, gp);
        return NULL;
    case REQ_SYSCALL_EXIT:
        /* Back from a system call with no P free: queue the goroutine for
         * whoever has one; this M goes idle. */
        /* Look for an idle P again under the lock that queues the
         * goroutine: a P released since go_syscall_exit looked would
         * otherwise go to sleep without seeing it (Go's exitsyscall0). */
        set_status(gp, G_RUNNABLE);
        if (rt_explore_on) {
            rt_explore_syscall_exit(&gp->pub);
            return NULL;
        }
        rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
        P *p = pidle_get_locked();
        if (!p)
            globrunq_put_locked(gp);
        rt_lock_release(&sched.lock);
        if (!p)
            return NULL;
        acquirep(m, p);
        return gp;
    default:
        return NULL;
    }
}

/* ---- park / ready
 * ------------------------------------------------------------ */

void rt_park(bool (*commit)(rt_g *g, void *arg), void *arg,
             rt_wait_reason reason, const void *obj)
{
    M *m = getm();
    if (!m || !m->curg) /* a thread gorace did not start: nothing to park */
        rt_throw("%s would block outside a goroutine",
                 rt_wait_reason_str(reason));
    G *gp = m->curg;
    gp->pub.wait_reason = reason;
    gp->pub.wait_obj = obj;
    gp->pub.wait_since = coarse_nanotime();
    RT_HOOK(go_block, &gp->pub.hg, (int)reason, obj);
    m->commit = commit;
    m->commit_arg = arg;
    switch_to_g0(m, gp, REQ_PARK);
    gp->pub.wait_reason = RT_WAIT_NONE;
    gp->pub.wait_obj = NULL;
}

bool rt_park_unlock_commit(rt_g *g, void *lock)
{
    (void)g;
    rt_lock_release_last(lock);
    return true;
}

void rt_ready(rt_g *g)
{
    rt_ready_nowake(g);
    wakep();
}

void rt_ready_nowake(rt_g *g)
{
    G *gp = (G *)g;
    uint32_t want = G_WAITING;
    if (!__atomic_compare_exchange_n(&gp->status, &want, G_RUNNABLE, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        rt_throw("gorace internal: rt_ready of goroutine %lld in status %u",
                 (long long)gp->pub.id, want);
    RT_HOOK(go_unblock, &gp->pub.hg, rt_hook_cur());
    ready_put(gp);
}

void go_yield(void)
{
    M *m = getm();
    if (m && m->curg) /* elsewhere there is nothing to yield to */
        switch_to_g0(m, m->curg, REQ_YIELD);
}

/* ---- finding work
 * ------------------------------------------------------------- */

static G *steal_work(M *m)
{
    int n = load_relaxed(&sched.nprocs);
    for (int round = 0; round < 4; round++) {
        bool last = round == 3;
        uint32_t start = rt_fastrandn((uint32_t)n);
        for (int i = 0; i < n; i++) {
            P *victim = &allp[(start + (uint32_t)i) % (uint32_t)n];
            if (victim == m->p || victim->status == P_RETIRED)
                continue;
            uint32_t before = load_acq(&victim->runqhead);
            G *gp = runq_steal(m->p, victim, last);
            if (gp) {
                /* Real parallel work, not a runnext ping-pong: this M
                 * does not linger until it has slept. */
                if (load_relaxed(&victim->runqhead) != before)
                    m->no_linger = true;
                return gp;
            }
        }
    }
    return NULL;
}

/* Lingering. A spinner that found nothing keeps looking for up to
 * SPIN_LINGER_NS while another P keeps readying goroutines, where Go's
 * goes idle at once. A channel ring or a ping-pong on one P readies into
 * runnext, which that P runs itself: an idle M is woken by the next ready,
 * finds nothing, idles, and is woken again, and on this VM each wake-up (a
 * futex call and an IPI to a halted vCPU) costs the readying goroutine
 * 10-20 us. A lingering M counts as spinning, so such readies wake no one;
 * it pauses LINGER_PAUSE_NS between looks, at its own cost (a timer
 * wake-up per look, for at most a millisecond after the last ready), and
 * work put where it could take it (a run queue, not runnext alone) ends
 * the pause at once. An M that stole from a run queue since it last slept
 * does not linger: it found real parallel work, and a worker pool's
 * goroutines run faster on one M than pulled across two (lingering there
 * cost WorkerPool8 20%). */
enum { SPIN_LINGER_NS = 1000 * 1000, LINGER_PAUSE_NS = 20 * 1000 };

static uint32_t readied_elsewhere(P *self)
{
    uint32_t sum = 0;
    int n = load_relaxed(&sched.nprocs);
    for (int i = 0; i < n; i++)
        if (&allp[i] != self)
            sum += load_relaxed(&allp[i].readied);
    return sum;
}

/* Work another M could take from a queue: a P's ring or the global one. */
static bool queued_elsewhere(P *self)
{
    if (load_acq(&sched.runq_size) > 0)
        return true;
    int n = load_relaxed(&sched.nprocs);
    for (int i = 0; i < n; i++)
        if (&allp[i] != self &&
            load_acq(&allp[i].runqhead) != load_acq(&allp[i].runqtail))
            return true;
    return false;
}

/* Sleeps LINGER_PAUSE_NS unless work is queued meanwhile: whoever queues
 * work and then sees nlinger (after wakep's barrier) ends the pause, and
 * the counting here is a barrier too, so one of the two sees the other. */
static void linger_pause(P *self)
{
    uint32_t key = load_acq(&sched.linger_key);
    fetch_add(&sched.nlinger, 1);
    if (!queued_elsewhere(self))
        rt_futex_wait(&sched.linger_key, key, LINGER_PAUSE_NS);
    fetch_add(&sched.nlinger, -1);
}

/* True: look again after a pause. The first call always pauses once. */
static bool linger(M *m)
{
    /* Nobody else runs, or this M has been doing real work. */
    if (m->no_linger ||
        load_relaxed(&sched.nprocs) - load_relaxed(&sched.npidle) < 2)
        return false;
    uint32_t seen = readied_elsewhere(m->p);
    int64_t now = rt_nanotime();
    if (!m->linger_since) {
        m->linger_since = now;
    } else if (seen == m->linger_seen ||
               now - m->linger_since > SPIN_LINGER_NS) {
        m->linger_since = 0;
        return false;
    }
    m->linger_seen = seen;
    linger_pause(m->p);
    return true;
}

static void reset_spinning(M *m)
{
    m->spinning = false;
    /* The last spinner leaving must make sure new work is not stranded:
     * whoever readied it saw a spinner and did not wake anyone. */
    if (fetch_add(&sched.nmspinning, -1) == 1)
        wakep();
}

/* Is there work anywhere, seen without a P? */
static P *any_runnable_p(void)
{
    int n = load_relaxed(&sched.nprocs);
    for (int i = 0; i < n; i++)
        if (!runq_empty(&allp[i]))
            return &allp[i];
    return NULL;
}

/* Fires what is due on m, which holds a P. Their callbacks call hooks: an
 * M that woke and found only timers counts itself once for them all. */
static int64_t run_timers(M *m)
{
    if (!rt_timers_pending())
        return INT64_MAX;
    int64_t now = rt_nanotime(), next = rt_timers_next();
    if (next > now)
        return next;
    m_hooks_on(m);
    return rt_timers_run(now);
}

/* rt/hooks.h: counted, announced with the barrier a retake uses, once no
 * M is inside a detector's solo section. */
void rt_hook_parallel_enter(void)
{
    rt_hook_parallel_add(1);
    rt_process_barrier();
    for (M *m = load_acq(&sched.allm); m; m = m->alllink)
        while (load_acq(&m->pins) & RT_PIN_SOLO)
            sched_yield();
}

void rt_hook_parallel_leave(void)
{
    rt_hook_parallel_add(-1);
}

/* An M without a P fires timers beside the goroutine that a P runs, and
 * the callbacks (a ticker's send, a deadline's close) call the detector's
 * hooks: in the instrumented build it counts as a second thread while it
 * does (rt/hooks.h, "One thread at a time"). */
static int64_t run_timers_without_p(void)
{
    if (!rt_timers_pending())
        return INT64_MAX;
    int64_t now = rt_nanotime(), next = rt_timers_next();
    if (next > now)
        return next;
#ifdef GORACE_INSTR
    rt_hook_parallel_enter();
#endif
    next = rt_timers_run(now);
#ifdef GORACE_INSTR
    rt_hook_parallel_leave();
#endif
    return next;
}

/* GOMAXPROCS shrank below this P: its goroutines move to the global queue
 * and the P leaves service until GOMAXPROCS grows again. */
static void retire_p(M *m)
{
    P *p = m->p;
    G *gp;
    rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
    if (p->id < sched.nprocs) { /* GOMAXPROCS grew back meanwhile */
        rt_lock_release(&sched.lock);
        return;
    }
    bool inherit;
    while ((gp = runq_get(p, &inherit)))
        globrunq_put_locked(gp);
    releasep(m);
    p->status = P_RETIRED;
    rt_lock_release(&sched.lock);
    if (m->spinning) {
        m->spinning = false;
        fetch_add(&sched.nmspinning, -1);
    }
    wakep();
}

/* Hands m's P back and parks until there is work. Go's findrunnable tail. */
static void drop_p_and_sleep(M *m)
{
    rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
    if (sched.runq_size > 0) {
        rt_lock_release(&sched.lock);
        return; /* global work appeared: go around again */
    }
    pidle_put_locked(releasep(m));
    rt_lock_release(&sched.lock);
    if (m->spinning) {
        m->spinning = false;
        fetch_add(&sched.nmspinning, -1);
    }
    /* Without a P, timers that fire ready their goroutines onto the global
     * queue. Then re-check every queue: a goroutine readied after we looked
     * saw no idle P, or saw us spinning, and woke nobody. */
    int64_t next_timer = run_timers_without_p();
    if (any_runnable_p() || load_acq(&sched.runq_size) > 0) {
        rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
        P *q = pidle_get_locked();
        rt_lock_release(&sched.lock);
        if (q) {
            acquirep(m, q);
            return;
        }
    }
    stopm(m, next_timer);
    if (m->nextp) {
        acquirep(m, m->nextp);
        m->nextp = NULL;
    }
}

/* Seeded mode, nothing can run and goroutines wait on I/O: block in the
 * poller, but for at most GORACE io_wait_ms of real time when a virtual
 * timer is pending (then time jumps to it). Data written by the program's
 * own goroutines is ready when the write returns, so nothing arrives
 * meanwhile and the schedule stays a function of the seed; data from
 * outside arrives when it arrives. True if something was readied. */
static bool explore_await_io(int64_t next_timer)
{
    if (!rt_netpoll_waiting())
        return false;
    if (next_timer == INT64_MAX) {
        rt_netpoll(-1, true);
        return true; /* nothing else can happen: look again either way */
    }
    return rt_netpoll(rt_explore_io_wait_ns(), true) > 0;
}

/* Seeded mode: the one M takes goroutines from rt/explore.c's set; when none
 * can run, virtual time jumps to the next timer. */
static G *explore_find_runnable(void)
{
    for (;;) {
        if (load_relaxed(&sched.exiting)) {
            for (;;)
                pause();
        }
        int64_t next_timer = run_timers(getm());
        if (rt_netpoll_waiting())
            rt_netpoll(0, true); /* I/O readiness at a seeded point */
        if (next_timer != INT64_MAX && rt_explore_spinning()) {
            rt_explore_parked();
            rt_explore_advance(next_timer);
            continue;
        }
        rt_g *g = rt_explore_next();
        if (g)
            return (G *)g;
        /* Nothing can run: a goroutine in a system call comes back first
         * (its I/O takes no virtual time, or syscall_ns), then time moves.
         * Timers that only fill channels nobody waits on cannot end this:
         * where Go would tick forever (its checkdead gives up while any
         * timer is pending), the seed reports the deadlock. */
        if (next_timer != INT64_MAX && !rt_timers_can_wake())
            next_timer = INT64_MAX;
        if (rt_explore_await_syscall(next_timer))
            continue;
        if (explore_await_io(next_timer))
            continue;
        if (next_timer == INT64_MAX && rt_foreign_threads_settled() > 0)
            rt_throw("all goroutines are asleep, but a thread gorace did not "
                     "start may still wake one (not supported under a seed)");
        if (next_timer == INT64_MAX)
            rt_report_deadlock();
        rt_explore_advance(next_timer);
    }
}

/* Seeded mode, an M without the one P (it was in a system call): idle
 * until the P is handed to it. */
static void explore_idle(M *m)
{
    stopm(m, INT64_MAX);
    if (m->nextp) {
        acquirep(m, m->nextp);
        m->nextp = NULL;
    }
}

/* A detector stopped the world: m runs nothing until it starts again, so
 * it stops counting as a thread that runs hooks (rt/hooks.h), and the
 * detector may then work alone (detect/race/race.c, "Floors"). Running a
 * goroutine or a timer counts it again. */
static void wait_for_world(M *m)
{
    if (!load_acq(&sched.stw))
        return;
    m_hooks_off(m);
    while (load_acq(&sched.stw))
        usleep(50);
}

static G *find_runnable(M *m, bool *inherit)
{
    *inherit = false;
    for (;;) {
        if (rt_explore_on) {
            if (m->p)
                return explore_find_runnable();
            explore_idle(m); /* the seeded P is elsewhere */
            continue;
        }
        wait_for_world(m);
        if (load_relaxed(&sched.exiting)) {
            for (;;)
                pause();
        }
        if (!m->p) {
            stopm(m, run_timers_without_p());
            if (m->nextp) {
                acquirep(m, m->nextp);
                m->nextp = NULL;
            }
            continue;
        }
        if (m->p->id >= load_relaxed(&sched.nprocs)) {
            retire_p(m);
            continue;
        }
        P *p = m->p;
        run_timers(m); /* fire what is due while we hold a P */
        G *gp = NULL;
        if (p->schedtick % 61 == 0 && load_acq(&sched.runq_size) > 0)
            gp = globrunq_get(p, 1);
        if (p->schedtick % 61 == 0 && rt_netpoll_tick() > 1)
            wakep();
        if (!gp)
            gp = runq_get(p, inherit);
        if (!gp)
            gp = globrunq_get(p, 0);
        if (!gp && rt_netpoll_should_poll()) {
            int n = rt_netpoll(0, false); /* readied onto this P */
            if (n > 1)
                wakep(); /* help with the rest */
            if (n > 0)
                gp = runq_get(p, inherit);
        }
        if (!gp) {
            int32_t busy =
                load_relaxed(&sched.nprocs) - load_relaxed(&sched.npidle);
            if (!m->spinning && 2 * load_relaxed(&sched.nmspinning) < busy) {
                m->spinning = true;
                fetch_add(&sched.nmspinning, 1);
            }
            if (m->spinning)
                gp = steal_work(m);
        }
        if (gp) {
            m->linger_since = 0;
            if (m->spinning)
                reset_spinning(m);
            return gp;
        }
        if (m->spinning && linger(m))
            continue;
        drop_p_and_sleep(m);
    }
}

/* ---- goroutine start and exit, the M loop -------------------------------- */

static void goexit0(M *m, G *gp)
{
    RT_HOOK(go_end, &gp->pub.hg);
    set_status(gp, G_DEAD);
    count_goroutines(m->p, -1);
    gp->fn = NULL;
    gp->arg = NULL;
    stack_put(m->p, gp);
    gfree_put(m->p, gp);
}

static void g_entry(void)
{
    G *gp = curg();
    RT_HOOK(go_start, &gp->pub.hg);
    gp->fn(gp->arg);
    M *m = getm();
    switch_to_g0(m, m->curg, REQ_EXIT);
    __builtin_unreachable();
}

static void m_loop(M *m)
{
    for (;;) {
        bool inherit;
        G *gp = find_runnable(m, &inherit);
        do {
            execute(m, gp, inherit);
            inherit = true;
            gp = finish_request(m);
        } while (gp);
    }
}

static void *m_thread_main(void *arg)
{
    M *m = arg;
    rt_own_thread_begin(); /* Ms never end */
    tls_m = m;
    m->thread = pthread_self();
    /* A thread inherits its creator's name, which may be sysmon's. The
     * kernel keeps 15 bytes of it, and refuses a longer one whole. */
    char name[16];
    snprintf(name, sizeof name, "%s", program_invocation_short_name);
    pthread_setname_np(m->thread, name);
    m->tid = gettid();
#ifdef GORACE_INSTR
    m->pins = 1 | RT_PIN_IDLE; /* g0; not counted until it runs goroutines */
#else
    m->pins = 1; /* g0 */
#endif
    rt_signal_stack_install(m);
    if (m->nextp) {
        acquirep(m, m->nextp);
        m->nextp = NULL;
    }
    m_loop(m);
    return NULL;
}

/* ---- system calls (Go's entersyscall / exitsyscall) ---------------------- */

/* The P is handed off at once rather than retaken later by sysmon: a
 * blocking call is what the user told us about. In seeded mode the seeded
 * P goes to another M, which carries on with the schedule, and the
 * goroutine rejoins it at a deterministic point (rt/explore.c). */
void go_syscall_enter(void)
{
    M *m = getm();
    G *gp = m->curg;
    P *p = pin_p(m);
    set_status(gp, G_SYSCALL);
    fetch_add(&sched.nsyscall, 1);
    m->oldp = NULL;
    if (p)
        releasep(m);
    unpin_p(m);
    if (!p)
        return; /* sysmon took it already */
    if (rt_explore_on) {
        rt_explore_syscall_enter(&gp->pub);
        startm(p, false);
        return;
    }
    m->oldp = p;
    rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
    bool work = !runq_empty(p) || sched.runq_size > 0 || rt_timers_pending();
    if (!work)
        pidle_put_locked(p);
    rt_lock_release(&sched.lock);
    if (work)
        startm(p, false);
}

/* Gets gp's M a P again: old if it is idle, else any idle one; without
 * one, gp waits in the global queue and the M idles. */
static void exitsyscall(M *m, G *gp, P *old)
{
    P *p = NULL;
    m->oldp = NULL;
    rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
    if (old && old->status == P_IDLE && old->id < sched.nprocs &&
        pidle_take_locked(old))
        p = old;
    else
        p = pidle_get_locked();
    rt_lock_release(&sched.lock);
    if (p) {
        acquirep(m, p);
        set_status(gp, G_RUNNING);
        return;
    }
    switch_to_g0(m, gp, REQ_SYSCALL_EXIT);
}

void go_syscall_exit(void)
{
    M *m = getm();
    G *gp = m->curg;
    fetch_add(&sched.nsyscall, -1);
    if (m->lost)
        rejoined(m);
    if (rt_explore_on)
        switch_to_g0(m, gp, REQ_SYSCALL_EXIT); /* wait to be admitted */
    else
        exitsyscall(m, gp, m->oldp);
}

void rt_rejoin(M *m)
{
    rejoined(m);
    exitsyscall(m, m->curg, NULL);
}

/* ---- scheduling points ------------------------------------------------------
 */

void rt_sched_point_slow(void)
{
    M *m = getm();
    G *gp = m ? m->curg : NULL;
    if (!gp)
        return; /* scheduler context, or a thread gorace did not start */
    if (rt_explore_on) {
        if (rt_explore_should_yield(&gp->pub))
            go_yield();
        return;
    }
    P *p = pin_p(m);
    bool preempt = p && take_preempt(p);
    unpin_p(m);
    if (preempt)
        go_yield(); /* Go's gopreempt_m: to the back of the global queue */
    else if (m->lost)
        rt_rejoin(m);
}

void rt_user_sched_point_slow(int kind)
{
    if (rt_explore_on && kind == RT_POINT_CALL &&
        !rt_explore_call_point(rt_getg()))
        return;
    rt_sched_point_slow();
}

/* ---- spinning for sync.Mutex ------------------------------------------------
 */

bool rt_can_spin(int iter)
{
    /* Spin only on a multicore machine with other busy Ps and nothing
     * waiting to run here: otherwise spinning delays the lock holder. */
    static int ncpu;
    if (!ncpu)
        ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (iter >= 4 || ncpu <= 1)
        return false;
    if (load_relaxed(&sched.nprocs) <=
        load_relaxed(&sched.npidle) + load_relaxed(&sched.nmspinning) + 1)
        return false;
    M *m = getm();
    if (rt_explore_on || !m)
        return false;
    P *p = pin_p(m);
    bool idle = p && runq_empty(p);
    unpin_p(m);
    return idle;
}

void rt_do_spin(void)
{
    for (int i = 0; i < 30; i++)
        __builtin_ia32_pause();
}

/* ---- the program ------------------------------------------------------------
 */

static int env_gomaxprocs(void)
{
    const char *env = getenv("GOMAXPROCS");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (!*end && v >= 1)
            return v > MAX_PROCS ? MAX_PROCS : (int)v;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_PROCS ? MAX_PROCS : (int)n;
}

static int preset_procs; /* go_maxprocs before go_run */

int go_maxprocs(int n)
{
    if (!sched.started) {
        int old = preset_procs ? preset_procs : env_gomaxprocs();
        if (n >= 1)
            preset_procs = n > MAX_PROCS ? MAX_PROCS : n;
        return old;
    }
    if (rt_explore_on)
        return 1; /* seeded mode runs on one P whatever is asked */
    rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
    int old = sched.nprocs;
    if (n >= 1) {
        if (n > MAX_PROCS)
            n = MAX_PROCS;
        /* Growing brings retired Ps back; shrinking lets each P above the
         * limit retire itself at its next schedule (retire_p). */
        for (int i = old; i < n; i++)
            if (allp[i].status == P_RETIRED) {
                allp[i].id = i;
                pidle_put_locked(&allp[i]);
            }
        for (P **pp = &sched.pidle; *pp;) {
            if ((*pp)->id >= n) {
                (*pp)->status = P_RETIRED;
                *pp = (*pp)->link;
                __atomic_store_n(&sched.npidle, sched.npidle - 1,
                                 __ATOMIC_SEQ_CST);
            } else {
                pp = &(*pp)->link;
            }
        }
        __atomic_store_n(&sched.nprocs, n, __ATOMIC_SEQ_CST);
        if (n > sched.procs_ever)
            store_rel(&sched.procs_ever, n);
    }
    rt_lock_release(&sched.lock);
    if (n > old)
        wakep();
    return old;
}

int go_num_goroutine(void)
{
    int n = load_relaxed(&sched.ngoroutines);
    int procs = load_acq(&sched.procs_ever);
    for (int i = 0; i < procs; i++)
        n += load_relaxed(&allp[i].ngoroutines);
    return n;
}

int64_t go_id(void)
{
    G *gp = curg();
    return gp ? gp->pub.id : 0;
}

typedef struct {
    int (*fn)(int, char **);
    int argc;
    char **argv;
} main_args;

/* Go's runtime.main parks while a panic is being printed: the program
 * ends with the panic's exit 2, not with main's return. The dying thread
 * exits the process. */
static void wait_if_dying(void)
{
    while (load_acq(&sched.dying))
        pause();
}

static void main_entry(void *arg)
{
    main_args *a = arg;
    int code = a->fn(a->argc, a->argv);
    RT_HOOK(main_exit, rt_hook_cur(), code);
    code = rt_hooks_at_exit(rt_hook_cur(), code, 0);
    rt_explore_finish();
    /* Go's main return: everything else is abandoned. Ms stop at their next
     * schedule; the go_run thread returns the code. */
    sched.main_code = code;
    store_rel(&sched.exiting, 1);
    store_rel(&sched.main_done, 1);
    rt_note_wakeup(&sched.main_note);
    rt_park(NULL, NULL, RT_WAIT_FOREVER, NULL);
}

int go_run(int (*main_fn)(int argc, char **argv), int argc, char **argv)
{
    if (sched.started) {
        fprintf(stderr, "gorace: go_run called twice\n");
        exit(2);
    }
    rt_hook_own_thread(1);     /* this thread, until the process ends */
    rt_process_barrier_init(); /* before any thread can sleep on a lock */
    rt_stack_init();
    stacks_stay_with_g = rt_hooks_stack_stays_with_g();
    rt_netpoll_configure();
    rt_explore_init();
    rt_options_check_unknown(); /* every component has registered */
    int n = rt_explore_on ? 1 : preset_procs ? preset_procs : env_gomaxprocs();
    /* Only the Ps in use are written: allp is 800 KB of zero pages, and
     * touching all of it cost a short program a fifth of its CPU time. */
    for (int i = n - 1; i >= 0; i--) {
        allp[i].id = i;
        pidle_put_locked(&allp[i]);
    }
    sched.nprocs = n;
    sched.procs_ever = n;
    RT_PARALLEL_ADD(-1); /* no M runs goroutines yet (rt/hooks.h) */
    global_rand_state = (uint64_t)rt_nanotime();
    if (rt_explore_on)
        rt_sched_armed = 1; /* every scheduling point consults the seed */
    rt_signals_install();

    main_args args = {main_fn, argc, argv};
    G *gp = newproc(main_entry, &args, NULL, 0, NULL, 0);
    gp->is_main = true;
    rt_lock_acquire(&sched.lock, RT_RANK_SCHED);
    globrunq_put_locked(gp);
    rt_lock_release(&sched.lock);
    store_rel(&sched.started, true);
    rt_sysmon_start();
    startm(NULL, false);
    rt_note_sleep(&sched.main_note);
    wait_if_dying();
    fflush(stdout);
    return sched.main_code;
}

void go_exit(int code)
{
    RT_HOOK(go_exit, rt_hook_cur(), code);
    code = rt_hooks_at_exit(rt_hook_cur(), code, 1);
    rt_explore_finish();
    wait_if_dying();
    fflush(NULL);
    _exit(code);
}
