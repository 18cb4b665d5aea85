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
 * Only the single M touches this state (timer callbacks included), so it
 * needs no lock.
 */
#include "explore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool rt_explore_on;

enum { MAX_PCT_DEPTH = 16 };

typedef struct {
    rt_g *g;
    uint64_t prio;
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
    char steps_file[512];
} ex;

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

static void bad_option(const char *key, const char *val)
{
    fprintf(stderr,
            "gorace: GORACE option %s=%s: want a non-negative "
            "integer\n",
            key, val);
    exit(2);
}

static uint64_t parse_u64(const char *key, const char *val)
{
    char *end;
    if (!*val || *val == '-')
        bad_option(key, val);
    unsigned long long v = strtoull(val, &end, 10);
    if (*end)
        bad_option(key, val);
    return v;
}

void rt_explore_init(void)
{
    const char *env = getenv("GORACE");
    if (!env)
        return;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", env);
    bool have_seed = false;
    uint64_t seed = 0;
    ex.pct_steps = 10000;
    for (char *save, *tok = strtok_r(buf, " ,", &save); tok;
         tok = strtok_r(NULL, " ,", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            continue; /* the detector reports malformed options */
        *eq = 0;
        const char *val = eq + 1;
        if (!strcmp(tok, "seed")) {
            seed = parse_u64(tok, val);
            have_seed = true;
        } else if (!strcmp(tok, "pct")) {
            uint64_t d = parse_u64(tok, val);
            if (d < 1 || d > MAX_PCT_DEPTH) {
                fprintf(stderr,
                        "gorace: GORACE option pct=%s: want a depth "
                        "from 1 to %d\n",
                        val, MAX_PCT_DEPTH);
                exit(2);
            }
            ex.pct = (int)d;
        } else if (!strcmp(tok, "steps_file")) {
            snprintf(ex.steps_file, sizeof ex.steps_file, "%s", val);
        } else if (!strcmp(tok, "pct_steps")) {
            ex.pct_steps = parse_u64(tok, val);
            if (ex.pct_steps == 0)
                bad_option(tok, val);
        }
    }
    if (!have_seed) {
        if (ex.pct) {
            fprintf(stderr, "gorace: GORACE option pct needs a seed\n");
            exit(2);
        }
        return;
    }
    rt_explore_on = true;
    ex.rng = seed;
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

void rt_explore_put(rt_g *g)
{
    if (ex.n == ex.cap) {
        ex.cap = ex.cap ? 2 * ex.cap : 64;
        ex.set = realloc(ex.set, ex.cap * sizeof *ex.set);
        if (!ex.set) {
            fprintf(stderr, "fatal error: gorace: out of memory\n");
            exit(2);
        }
    }
    ex.set[ex.n++] = (entry){.g = g, .prio = g->explore_prio};
}

static size_t pick_index(void)
{
    if (!ex.pct)
        return (size_t)rand_below(ex.n);
    size_t best = 0;
    for (size_t i = 1; i < ex.n; i++)
        if (ex.set[i].prio > ex.set[best].prio)
            best = i;
    return best;
}

rt_g *rt_explore_next(void)
{
    if (ex.n == 0)
        return NULL;
    size_t i = pick_index();
    rt_g *g = ex.set[i].g;
    ex.set[i] =
        ex.set[--ex.n]; /* O(1); the order stays a function of the seed */
    return g;
}

bool rt_explore_should_yield(rt_g *cur)
{
    ex.steps++;
    if (!ex.pct)
        return ex.n > 0;
    for (int i = 0; i + 1 < ex.pct; i++)
        if (ex.change_at[i] == ex.steps)
            cur->explore_prio = (uint64_t)(ex.pct - 2 - i);
    for (size_t i = 0; i < ex.n; i++)
        if (ex.set[i].prio > cur->explore_prio)
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
