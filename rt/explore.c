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
 *     With step_ns=N it also moves N ns at every scheduling step, as real
 *     time passes while goroutines run: a timer then fires while others
 *     still can run (a goroutine at a step whose passing made a timer due
 *     gives way so the scheduler runs it, then goes on: no decision is
 *     taken there). Without it a timer that must fire between two steps of
 *     a busy goroutine never does, and a bug that needs one is out of
 *     reach; with it, every seed's schedule also depends on N. Before
 *     time jumps, goroutines waiting on fds get io_wait_ms of real time
 *     for data from outside the program (rt/sched.c explore_await_io).
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
 * Schedule files (rt/schedfile.h). schedule_out=PATH records, as the run
 * ends, the decisions it took that a replay needs: each preemption with
 * the goroutine that ran next, each pick after a park that was not the
 * default one, select's draws, the call-point spacings. schedule_in=PATH
 * replays such a file instead of drawing from a PRNG (no seed needed):
 *   - at a scheduling point the goroutine yields only where the file says
 *     so, or, when nothing says otherwise, every SPIN_STEPS points without
 *     a park (a spin-wait must end without a preemption named for it);
 *   - the goroutine to run next is the one the file names if it is
 *     runnable, else the default: the one runnable the longest (FIFO);
 *   - a draw the file does not give is 0, and a call-point spacing past
 *     the file's is RT_SCHEDFILE_SPACING.
 * So any file, even an empty or edited one, names one schedule, and the
 * file recorded under schedule_in keeps only the decisions that schedule
 * used: replaying it takes the same decisions again. `gorace stress`
 * shrinks a failing run's file this way, dropping decisions as long as the
 * run fails the same way.
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
#include "schedfile.h"
#include "time.h"

bool rt_explore_on;

enum {
    MAX_PCT_DEPTH = 16,
    CALL_POINT_SPACING = 64, /* a call is a point once per 1..64 calls */
    SYSCALL_POLL_STEPS = 64,
    SYSCALL_POLL_NS = 5 * 1000 * 1000,  /* the oldest call's grace, */
    SYSCALL_IDLE_NS = 50 * 1000 * 1000, /* longer when nothing runs */
    DEFAULT_STALL_MS = 2000,
    DEFAULT_IO_WAIT_MS = 1,
    SPIN_STEPS = 10000,   /* steps without a park: the program spins */
    STARVE_STEPS = 10000, /* PCT: steps a runnable goroutine may wait */
};

typedef struct {
    rt_g *g;
    uint64_t prio;
    uint64_t since; /* ex.steps when it became runnable */
    uint64_t seq;   /* order of becoming runnable: replay's default */
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
    int64_t step_ns;    /* virtual time per scheduling step */
    int64_t syscall_ns; /* virtual time a system call takes, at least */
    int64_t io_wait_ns; /* real time outside I/O gets before time jumps */
    bool timer_stop;    /* cur gave way only for due timers: it goes on */
    char steps_file[512];
    /* schedule files */
    bool record, replay, finished;
    rt_g *cur;               /* the goroutine picked last */
    bool yielded;            /* cur gave way at a scheduling point */
    bool forced;             /* ... where replay would yield by itself */
    bool counted;            /* the call point's event is counted already */
    uint64_t puts;           /* rt_explore_put calls: entry.seq */
    uint64_t switches;       /* picks of another goroutine than cur */
    uint64_t boot_events[3]; /* events before the first pick */
    char schedule_out[512];
} ex;

/* Goroutines in system calls, oldest first. */
typedef struct {
    rt_g *g;
    int64_t due; /* virtual time from which it may come back */
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

static int64_t next_event(rt_g *g, int cls, uint64_t *k);

uint32_t rt_explore_rand(void)
{
    if (!ex.record && !ex.replay)
        return (uint32_t)next_rand();
    uint64_t k, v = 0;
    int64_t g = next_event(ex.cur, RT_SF_DRAW, &k);
    if (!ex.replay)
        v = (uint32_t)next_rand();
    else if (rt_schedfile_find(g, RT_SF_DRAW, k, &v) != 'r')
        v = 0;
    if (ex.record && v)
        rt_schedfile_record('r', g, k, v);
    return (uint32_t)v;
}

static uint64_t rand_below(uint64_t n)
{
    return n ? next_rand() % n : 0;
}

/* GORACE's schedule options (rt/options.h). */
static struct {
    uint64_t seed;
    bool have_seed;
    int64_t pct, pct_steps, stall_ms, step_ns, syscall_ns, io_wait_ms;
    const char *steps_file, *schedule_in, *schedule_out;
} opt = {.pct_steps = 10000,
         .stall_ms = DEFAULT_STALL_MS,
         .io_wait_ms = DEFAULT_IO_WAIT_MS};

static const rt_option options[] = {
    {"seed", RT_OPT_U64, &opt.seed, 0, 0, &opt.have_seed},
    {"pct", RT_OPT_INT, &opt.pct, 1, MAX_PCT_DEPTH, NULL},
    {"pct_steps", RT_OPT_INT, &opt.pct_steps, 1, INT64_MAX, NULL},
    {"stall_ms", RT_OPT_INT, &opt.stall_ms, 1, INT64_MAX, NULL},
    {"step_ns", RT_OPT_INT, &opt.step_ns, 0, 1000000000, NULL},
    {"syscall_ns", RT_OPT_INT, &opt.syscall_ns, 0, 3600000000000, NULL},
    {"io_wait_ms", RT_OPT_INT, &opt.io_wait_ms, 0, 3600000, NULL},
    {"steps_file", RT_OPT_STR, &opt.steps_file, 0, 0, NULL},
    {"schedule_in", RT_OPT_STR, &opt.schedule_in, 0, 0, NULL},
    {"schedule_out", RT_OPT_STR, &opt.schedule_out, 0, 0, NULL},
};

static void init_fail(const char *msg)
{
    fprintf(stderr, "gorace: GORACE: %s\n", msg);
    exit(2);
}

static void schedule_files_init(void)
{
    char err[600], msg[1200];
    if (opt.schedule_out) {
        snprintf(ex.schedule_out, sizeof ex.schedule_out, "%s",
                 opt.schedule_out);
        ex.record = true;
        if (!opt.have_seed && !opt.schedule_in)
            init_fail("schedule_out: needs a seed or schedule_in");
    }
    if (!opt.schedule_in)
        return;
    if (ex.pct)
        init_fail("pct: not with schedule_in (the file names every choice)");
    if (!rt_schedfile_load(opt.schedule_in, err, sizeof err)) {
        snprintf(msg, sizeof msg, "schedule_in: %s: %s", opt.schedule_in, err);
        init_fail(msg);
    }
    ex.replay = true;
}

void rt_explore_init(void)
{
    rt_options_register(options, sizeof options / sizeof *options);
    ex.pct = (int)opt.pct;
    ex.pct_steps = (uint64_t)opt.pct_steps;
    ex.stall_ms = opt.stall_ms;
    ex.step_ns = opt.step_ns;
    ex.syscall_ns = opt.syscall_ns;
    ex.io_wait_ns = opt.io_wait_ms * 1000000;
    if (opt.steps_file)
        snprintf(ex.steps_file, sizeof ex.steps_file, "%s", opt.steps_file);
    schedule_files_init();
    if (!opt.have_seed && !ex.replay) {
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
    memset(g->explore_events, 0, sizeof g->explore_events);
}

/* The key of g's next event of class cls (rt/schedfile.h); goroutine 0
 * before any goroutine ran. */
static int64_t next_event(rt_g *g, int cls, uint64_t *k)
{
    if (!g) {
        *k = ++ex.boot_events[cls];
        return 0;
    }
    *k = ++g->explore_events[cls];
    return g->id;
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
    ex.set[ex.n++] = (entry){
        .g = g, .prio = g->explore_prio, .since = ex.steps, .seq = ex.puts++};
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

/* Replay's default: the goroutine runnable the longest. */
static size_t oldest_index(void)
{
    size_t best = 0;
    for (size_t i = 1; i < ex.n; i++)
        if (ex.set[i].seq < ex.set[best].seq)
            best = i;
    return best;
}

/* Why cur stops running: its preemption's event, or a new one (it parked,
 * entered a system call or exited). */
static int64_t stop_event(int *cls, uint64_t *k)
{
    if (ex.yielded) {
        *cls = RT_SF_POINT;
        *k = ex.cur->explore_events[RT_SF_POINT];
        return ex.cur->id;
    }
    *cls = RT_SF_STOP;
    return next_event(ex.cur, RT_SF_STOP, k);
}

static size_t replay_index(int64_t g, int cls, uint64_t k)
{
    uint64_t next;
    char kind = rt_schedfile_find(g, cls, k, &next);
    if (kind == 'p' || kind == 's')
        for (size_t i = 0; i < ex.n; i++)
            if (ex.set[i].g->id == (int64_t)next)
                return i;
    return oldest_index();
}

static void record_pick(int64_t g, uint64_t k, size_t i)
{
    rt_g *next = ex.set[i].g;
    if (ex.yielded && next != ex.cur)
        rt_schedfile_record('p', g, k, (uint64_t)next->id);
    else if (ex.yielded && ex.forced)
        rt_schedfile_record('c', g, k, 0);
    else if (!ex.yielded && i != oldest_index())
        rt_schedfile_record('s', g, k, (uint64_t)next->id);
}

/* The set's entry of g; ex.n if g is not runnable. */
static size_t index_of(const rt_g *g)
{
    size_t i = 0;
    while (i < ex.n && ex.set[i].g != g)
        i++;
    return i;
}

static rt_g *take(size_t i)
{
    rt_g *g = ex.set[i].g;
    ex.set[i] =
        ex.set[--ex.n]; /* O(1); the order stays a function of the seed */
    return g;
}

rt_g *rt_explore_next(void)
{
    count_progress();
    if (ex.n == 0)
        return NULL;
    if (ex.timer_stop) {
        ex.timer_stop = false;
        size_t i = index_of(ex.cur);
        if (i < ex.n)
            return take(i);
    }
    int64_t cg = 0;
    uint64_t ck = 0;
    int cls = 0;
    if (ex.record || ex.replay)
        cg = stop_event(&cls, &ck);
    size_t i = ex.replay ? replay_index(cg, cls, ck) : pick_index();
    rt_g *g = ex.set[i].g;
    if (ex.record)
        record_pick(cg, ck, i);
    ex.switches += g != ex.cur;
    ex.cur = g;
    ex.yielded = false;
    return take(i);
}

static bool admit(int64_t wait_ns, bool any);

/* The seed's answer: random walk or PCT. */
static bool seeded_yield(rt_g *cur)
{
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

/* The file's answer, else yield only to end a spin. */
static bool replay_yield(rt_g *cur, uint64_t k)
{
    uint64_t unused;
    char kind = rt_schedfile_find(cur->id, RT_SF_POINT, k, &unused);
    if (kind == 'p')
        return ex.n > 0;
    return kind != 'c' && ex.forced;
}

/* step_ns: one step's time passes. True if that made a timer due. */
static bool step_time(void)
{
    if (!ex.step_ns)
        return false;
    ex.now += ex.step_ns;
    return rt_timers_next() <= ex.now;
}

bool rt_explore_should_yield(rt_g *cur)
{
    uint64_t k = cur->explore_events[RT_SF_POINT];
    if (!ex.counted)
        next_event(cur, RT_SF_POINT, &k);
    ex.counted = false;
    ex.steps++;
    ex.spin_steps++;
    bool due = step_time();
    count_progress();
    if (sys.n && ex.steps % SYSCALL_POLL_STEPS == 0)
        admit(SYSCALL_POLL_NS, false);
    ex.forced = ex.n > 0 && ex.spin_steps % SPIN_STEPS == 0;
    bool y = ex.replay ? replay_yield(cur, k) : seeded_yield(cur);
    if (ex.record && !y && ex.forced)
        rt_schedfile_record('c', cur->id, k, 0);
    ex.yielded = y;
    ex.timer_stop = !y && due;
    return y || due;
}

int64_t rt_explore_now(void)
{
    return ex.now;
}

void rt_explore_finish(void)
{
    if (!rt_explore_on || ex.finished)
        return;
    ex.finished = true;
    if (ex.record)
        rt_schedfile_write(ex.schedule_out, ex.steps, ex.switches);
    if (!ex.steps_file[0])
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

static uint32_t next_spacing(void)
{
    uint32_t v;
    if (!ex.replay)
        v = 1 + (uint32_t)rand_below(CALL_POINT_SPACING);
    else if (!rt_schedfile_budget(&v))
        v = RT_SCHEDFILE_SPACING;
    if (ex.record)
        rt_schedfile_record_budget(v);
    return v;
}

static bool spacing_point(void)
{
    if (ex.call_budget > 1) {
        ex.call_budget--;
        return false;
    }
    ex.call_budget = next_spacing();
    return true;
}

/* Every function entry is an event of cur; under replay, one the file
 * names is a point whatever the spacing says. */
bool rt_explore_call_point(rt_g *cur)
{
    bool point = spacing_point();
    if (!cur || (!ex.record && !ex.replay))
        return point;
    uint64_t k, unused;
    next_event(cur, RT_SF_POINT, &k);
    if (ex.replay && rt_schedfile_find(cur->id, RT_SF_POINT, k, &unused))
        point = true;
    ex.counted = point;
    return point;
}

/* ---- system calls -------------------------------------------------------- */

void rt_explore_syscall_enter(rt_g *g)
{
    rt_lock_acquire(&sys.lock, RT_RANK_SYSCALLS);
    if (sys.n == sys.cap)
        sys.v = grow(sys.v, &sys.cap, sizeof *sys.v);
    sys.v[sys.n++] = (sys_entry){.g = g, .due = ex.now + ex.syscall_ns};
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

/* Removes the oldest returned call whose virtual time has passed (with
 * !any: only if it is the oldest such call) from the list; NULL if there
 * is none. */
static rt_g *take_returned(bool any)
{
    rt_g *g = NULL;
    rt_lock_acquire(&sys.lock, RT_RANK_SYSCALLS);
    for (size_t i = 0; i < sys.n && !g; i++) {
        if (sys.v[i].due > ex.now)
            continue;
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

/* The earliest virtual time at which a call in progress may come back. */
static int64_t earliest_due(void)
{
    int64_t due = INT64_MAX;
    rt_lock_acquire(&sys.lock, RT_RANK_SYSCALLS);
    for (size_t i = 0; i < sys.n; i++)
        if (sys.v[i].due < due)
            due = sys.v[i].due;
    rt_lock_release(&sys.lock);
    return due;
}

bool rt_explore_await_syscall(int64_t next_timer)
{
    if (!sys.n)
        return false;
    /* syscall_ns: the calls take virtual time; a timer due before the
     * first of them may come back fires first. */
    int64_t due = earliest_due();
    if (due > ex.now) {
        if (next_timer <= due)
            return false;
        ex.now = due;
    }
    bool timers_pending = next_timer != INT64_MAX;
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

int64_t rt_explore_io_wait_ns(void)
{
    return ex.io_wait_ns;
}

void rt_explore_parked(void)
{
    ex.spin_steps = 0;
}

bool rt_explore_spinning(void)
{
    return ex.spin_steps >= SPIN_STEPS;
}
