/*
 * Seeded schedule exploration.
 *
 * Free-running, the schedule depends on the OS and the machine, so a bug seen
 * once may never be seen again. With GORACE="seed=N" the runtime runs every
 * goroutine on one M and takes each decision from a PRNG seeded by N:
 *   - which runnable goroutine runs next (this file's runnable set replaces
 *     the Ps' run queues);
 *   - whether the running goroutine yields at a scheduling point: every
 *     channel, select, sync and context operation calls rt_sched_point();
 *   - select's choice among ready cases (rt_fastrand draws from here);
 *   - time: rt_nanotime returns a virtual clock that stands still while any
 *     goroutine can run and jumps to the next timer when none can, so sleeps
 *     cost nothing and timer order depends only on deadlines and the seed.
 * Same seed, same binary, same input: same interleaving, same output.
 *
 * Strategies:
 *   random walk (default): at every scheduling point the running goroutine
 *     yields and the next is drawn uniformly from the runnable set;
 *   PCT (pct=D, Burckhardt et al., ASPLOS 2010): every goroutine gets a
 *     random priority >= D at creation and the highest-priority runnable one
 *     always runs; D-1 change points, drawn uniformly from the first
 *     pct_steps scheduling steps, each drop the running goroutine's priority
 *     below all initial ones (change point i gives priority D-1-i). A bug of
 *     depth D is then found with probability at least 1/(n * k^(D-1)) per run
 *     for n goroutines and k steps, whatever the program. k should be the
 *     run's length: `gorace stress` measures it with steps_file=PATH.
 *
 * In the instrumented build atomics are scheduling points too, and function
 * entries now and then (rt/hooks.h), so a spin-wait on an atomic flag
 * terminates and atomics-only bugs can be interleaved.
 *
 * Only the M holding the one P touches this state (timer callbacks
 * included), so it needs no lock; the P moves between Ms only through the
 * scheduler's locks. The exception is the list of goroutines in system
 * calls, which the M coming back from a call marks under sys.lock. sysmon
 * reads the progress counter and the set's size without a lock, to tell a
 * stalled schedule (rt/sysmon.c).
 */
#define _GNU_SOURCE
#include "explore.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lock.h"
#include "options.h"
#include "time.h"

bool rt_explore_on;

enum {
    MAX_PCT_DEPTH = 16,
    CALL_POINT_SPACING = 64, /* a call is a point once per 1..64 calls */
    SYSCALL_POLL_STEPS = 64,
    SYSCALL_POLL_NS = 5 * 1000 * 1000,  /* the oldest call's grace, */
    SYSCALL_IDLE_NS = 50 * 1000 * 1000, /* longer when nothing runs */
    DEFAULT_STALL_MS = 2000,
    SPIN_STEPS = 10000,   /* steps without a park: the program spins */
    STARVE_STEPS = 10000, /* PCT: steps a runnable goroutine may wait */
};

typedef struct {
    rt_g *g;
    uint64_t prio;
    uint64_t since; /* ex.steps when it became runnable */
} entry;

static struct {
    uint64_t rng;
    int pct;        /* 0: random walk */
    uint64_t steps; /* scheduling steps so far */
    uint64_t pct_steps;
    uint64_t change_at[MAX_PCT_DEPTH];
    entry *set;
    size_t n, cap;
    int64_t now;
    uint64_t progress; /* steps and switches, read by sysmon */
    uint32_t call_budget;
    uint64_t spin_steps; /* scheduling steps since a goroutine parked */
    int64_t stall_ms;
    char steps_file[512];
} ex;

/* Goroutines in system calls, oldest first. */
typedef struct {
    rt_g *g;
    bool returned;
} sys_entry;

static struct {
    rt_lock lock;
    sys_entry *v;
    size_t n, cap;
    uint32_t returns; /* futex word: bumped by each return */
} sys;

static uint64_t next_rand(void)
{
    /* splitmix64: tiny, and every seed gives a good stream */
    uint64_t z = (ex.rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint32_t rt_explore_rand(void)
{
    return (uint32_t)next_rand();
}

static uint64_t rand_below(uint64_t n)
{
    return n ? next_rand() % n : 0;
}

/* GORACE's schedule options (rt/options.h). */
static struct {
    uint64_t seed;
    bool have_seed;
    int64_t pct, pct_steps, stall_ms;
    const char *steps_file;
} opt = {.pct_steps = 10000, .stall_ms = DEFAULT_STALL_MS};

static const rt_option options[] = {
    {"seed", RT_OPT_U64, &opt.seed, 0, 0, &opt.have_seed},
    {"pct", RT_OPT_INT, &opt.pct, 1, MAX_PCT_DEPTH, NULL},
    {"pct_steps", RT_OPT_INT, &opt.pct_steps, 1, INT64_MAX, NULL},
    {"stall_ms", RT_OPT_INT, &opt.stall_ms, 1, INT64_MAX, NULL},
    {"steps_file", RT_OPT_STR, &opt.steps_file, 0, 0, NULL},
};

void rt_explore_init(void)
{
    rt_options_register(options, sizeof options / sizeof *options);
    ex.pct = (int)opt.pct;
    ex.pct_steps = (uint64_t)opt.pct_steps;
    ex.stall_ms = opt.stall_ms;
    if (opt.steps_file)
        snprintf(ex.steps_file, sizeof ex.steps_file, "%s", opt.steps_file);
    if (!opt.have_seed) {
        if (ex.pct) {
            fprintf(stderr, "gorace: GORACE: pct: needs a seed\n");
            exit(2);
        }
        return;
    }
    rt_explore_on = true;
    ex.rng = opt.seed;
    ex.now = 1000000000;
    for (int i = 0; i + 1 < ex.pct; i++)
        ex.change_at[i] = 1 + rand_below(ex.pct_steps);
}

void rt_explore_created(rt_g *g)
{
    /* Initial priorities are >= pct so change points (pct-2 .. 0) are
     * below all of them. */
    g->explore_prio = ex.pct ? (uint64_t)ex.pct + (next_rand() >> 8) : 0;
}

static void *grow(void *v, size_t *cap, size_t elem)
{
    *cap = *cap ? 2 * *cap : 64;
    v = realloc(v, *cap * elem);
    if (!v) {
        fprintf(stderr, "fatal error: gorace: out of memory\n");
        exit(2);
    }
    return v;
}

void rt_explore_put(rt_g *g)
{
    if (ex.n == ex.cap)
        ex.set = grow(ex.set, &ex.cap, sizeof *ex.set);
    ex.set[ex.n++] =
        (entry){.g = g, .prio = g->explore_prio, .since = ex.steps};
}

/* PCT starves a low-priority goroutine for as long as higher ones can run,
 * which in a program that never ends on its own (a loop waiting for the
 * starved one's message) is forever. One that has waited STARVE_STEPS
 * steps runs next: the order stays a function of the seed. */
static bool starving(const entry *e)
{
    return ex.steps - e->since >= STARVE_STEPS;
}

static size_t pick_index(void)
{
    if (!ex.pct)
        return (size_t)rand_below(ex.n);
    size_t best = 0;
    for (size_t i = 1; i < ex.n; i++)
        if (ex.set[i].prio > ex.set[best].prio)
            best = i;
    for (size_t i = 0; i < ex.n; i++)
        if (starving(&ex.set[i]) && ex.set[i].since < ex.set[best].since)
            best = i;
    return best;
}

static void count_progress(void)
{
    __atomic_store_n(&ex.progress, ex.progress + 1, __ATOMIC_RELAXED);
}

rt_g *rt_explore_next(void)
{
    count_progress();
    if (ex.n == 0)
        return NULL;
    size_t i = pick_index();
    rt_g *g = ex.set[i].g;
    ex.set[i] =
        ex.set[--ex.n]; /* O(1); the order stays a function of the seed */
    return g;
}

static bool admit(int64_t wait_ns, bool any);

bool rt_explore_should_yield(rt_g *cur)
{
    ex.steps++;
    ex.spin_steps++;
    count_progress();
    if (sys.n && ex.steps % SYSCALL_POLL_STEPS == 0)
        admit(SYSCALL_POLL_NS, false);
    if (!ex.pct)
        return ex.n > 0;
    if (ex.spin_steps % SPIN_STEPS == 0)
        cur->explore_prio = 0; /* PCT's spinner gives way to the lowest */
    for (int i = 0; i + 1 < ex.pct; i++)
        if (ex.change_at[i] == ex.steps)
            cur->explore_prio = (uint64_t)(ex.pct - 2 - i);
    for (size_t i = 0; i < ex.n; i++)
        if (ex.set[i].prio > cur->explore_prio || starving(&ex.set[i]))
            return true;
    return false;
}

int64_t rt_explore_now(void)
{
    return ex.now;
}

void rt_explore_finish(void)
{
    if (!rt_explore_on || !ex.steps_file[0])
        return;
    FILE *f = fopen(ex.steps_file, "w");
    if (f) {
        fprintf(f, "%llu\n", (unsigned long long)ex.steps);
        fclose(f);
    }
}

void rt_explore_advance(int64_t when)
{
    if (when > ex.now)
        ex.now = when;
}

bool rt_explore_call_point(void)
{
    if (ex.call_budget > 1) {
        ex.call_budget--;
        return false;
    }
    ex.call_budget = 1 + (uint32_t)rand_below(CALL_POINT_SPACING);
    return true;
}

/* ---- system calls -------------------------------------------------------- */

void rt_explore_syscall_enter(rt_g *g)
{
    rt_lock_acquire(&sys.lock, RT_RANK_SYSCALLS);
    if (sys.n == sys.cap)
        sys.v = grow(sys.v, &sys.cap, sizeof *sys.v);
    sys.v[sys.n++] = (sys_entry){.g = g};
    rt_lock_release(&sys.lock);
}

void rt_explore_syscall_exit(rt_g *g)
{
    rt_lock_acquire(&sys.lock, RT_RANK_SYSCALLS);
    for (size_t i = 0; i < sys.n; i++)
        if (sys.v[i].g == g)
            sys.v[i].returned = true;
    rt_lock_release(&sys.lock);
    __atomic_fetch_add(&sys.returns, 1, __ATOMIC_SEQ_CST);
    rt_futex_wake(&sys.returns, INT_MAX);
}

static int64_t real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Removes the oldest returned call (with !any: only if it is the oldest
 * call) from the list; NULL if there is none. */
static rt_g *take_returned(bool any)
{
    rt_g *g = NULL;
    rt_lock_acquire(&sys.lock, RT_RANK_SYSCALLS);
    for (size_t i = 0; i < sys.n && !g; i++) {
        if (sys.v[i].returned) {
            g = sys.v[i].g;
            memmove(&sys.v[i], &sys.v[i + 1], (sys.n - i - 1) * sizeof *sys.v);
            sys.n--;
        } else if (!any) {
            break;
        }
    }
    rt_lock_release(&sys.lock);
    return g;
}

/* Admits a returned call's goroutine to the runnable set, waiting up to
 * wait_ns of real time for one. True if it admitted one. */
static bool admit(int64_t wait_ns, bool any)
{
    int64_t deadline = real_ns() + wait_ns;
    for (;;) {
        uint32_t seen = __atomic_load_n(&sys.returns, __ATOMIC_SEQ_CST);
        rt_g *g = take_returned(any);
        if (g) {
            rt_explore_put(g);
            return true;
        }
        int64_t left = deadline - real_ns();
        if (left <= 0)
            return false;
        rt_futex_wait(&sys.returns, seen, left);
    }
}

bool rt_explore_await_syscall(bool timers_pending)
{
    if (!sys.n)
        return false;
    if (admit(SYSCALL_IDLE_NS, false))
        return true;
    /* The oldest call is slow: it may wait for a younger one, or for a
     * timer. Determinism ends here; liveness comes first. */
    if (admit(0, true))
        return true;
    if (timers_pending)
        return false;
    admit(SYSCALL_IDLE_NS, true);
    return true; /* the caller looks again either way */
}

/* ---- sysmon's view ----------------------------------------------------- */

uint64_t rt_explore_progress(void)
{
    return __atomic_load_n(&ex.progress, __ATOMIC_RELAXED);
}

bool rt_explore_others_waiting(void)
{
    return __atomic_load_n(&ex.n, __ATOMIC_RELAXED) > 0 ||
           __atomic_load_n(&sys.n, __ATOMIC_RELAXED) > 0 || rt_timers_pending();
}

int64_t rt_explore_stall_ms(void)
{
    return ex.stall_ms;
}

void rt_explore_parked(void)
{
    ex.spin_steps = 0;
}

bool rt_explore_spinning(void)
{
    return ex.spin_steps >= SPIN_STEPS;
}
