/*
 * stress.c: gorace stress, a program under many schedules.
 *
 * Run k (1-based) uses seed A+k-1 of the range -seeds A..B: the runtime runs
 * every goroutine on one thread, takes each scheduling choice from a PRNG
 * seeded by it (a random walk, or PCT with --pct=D) and keeps virtual time,
 * so runs are cheap and a failing seed replays exactly. --free runs the
 * program free-running instead, on real threads, for comparison.
 *
 * A run fails if it crashes (timeout, signal, panic, fatal error or
 * deadlock, race or leak report), or if it disagrees with what is known to
 * be right: the expectation header when the program is a corpus file, else
 * the first run's exit status and stdout. The first run is therefore made
 * alone; the others are spread over -j workers. With several workers the
 * reported failure is still the first in run order: workers stop taking runs
 * past the earliest failure found so far and finish the ones before it, so
 * the answer does not depend on -j. With -keep-going every run is made and
 * every failing seed reported.
 *
 * Sharding (--shard i/n, or a cluster engine's variables: shard.c) splits
 * the runs 0..R-1 into n contiguous blocks, shard i taking runs
 * [i*R/n, (i+1)*R/n): no seed runs twice and the blocks together are the
 * unsharded run. The reference of a program without a header is still run
 * 0 (seed A), made by every shard, so each judges its runs exactly as the
 * unsharded run would. A shard's failures are the unsharded run's failures
 * in its block, so gorace merge finds the unsharded run's first failing
 * seed as the smallest over the shards (and with -keep-going, all of them).
 * --json/--json-out write the result for merge; with --json the text goes
 * to stderr.
 */
#define _GNU_SOURCE
#include "expect.h"
#include "harness.h"
#include "json.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OUTPUT_MAX (4u << 20)
#define SHOWN_LINES 40 /* of a failing run's stdout and stderr, without -v */

static const char usage_stress[] =
    "usage: gorace stress [-runs N] [-seeds A..B] [--pct=D [--pct-steps=K]]\n"
    "                     [--free] [-timeout D] [-j N] [--release]\n"
    "                     [--ignore-stdout] [-keep-going] [-v]\n"
    "                     [--shard i/n | --shards n] [--json]\n"
    "                     [--json-out FILE] [--replay-out FILE]\n"
    "                     [--no-shrink] [--shrink-runs N] [--shrink-time D]\n"
    "                     ./prog|file.c [args]\n"
    "\n"
    "Runs the program under many seeded schedules (run k: seed A+k-1) and\n"
    "stops at the first run that fails: a timeout or signal, a panic, fatal\n"
    "error or deadlock (exit 2), a race or leak report (exit 66), or an exit\n"
    "status or stdout other than the first run's. A corpus file (a header\n"
    "with `// expect:`) is judged by its header instead. The failing seed is\n"
    "printed with the commands that replay it. A file.c is built like\n"
    "'gorace run'.\n"
    "  -runs N          at most N runs (default 1000, or the -seeds range)\n"
    "  -seeds A..B      the seeds to use (default 1..runs); -seeds N: 1..N\n"
    "  --pct=D          PCT of depth D instead of a random walk\n"
    "  --pct-steps=K    PCT's change points fall in the first K steps\n"
    "  --free           free-running threads, no seed (GOMAXPROCS from the\n"
    "                   environment, else 2): how often does plain running\n"
    "                   find it?\n"
    "  -timeout D       deadline per run: 30s (default), 500ms, 2m\n"
    "  -j N             runs in parallel (default: CPUs; --free: CPUs /\n"
    "                   GOMAXPROCS)\n"
    "  --release        build file.c against the release runtime\n"
    "  --ignore-stdout  do not compare stdout with the first run's\n"
    "  -v               print all of the failing run's output\n"
    "  -keep-going      do not stop at the first failing run: make every run\n"
    "                   and report every failing seed\n"
    "  --shard i/n      only the i-th (0-based) of n contiguous blocks of the\n"
    "                   runs; default from the engine's variables, as for\n"
    "                   'gorace check' (Bazel, Slurm, Kubernetes, GitLab)\n"
    "  --shards n       the shard count when the engine gives only the index\n"
    "                   (Kubernetes; or GORACE_TOTAL_SHARDS=n)\n"
    "  --json           print the result as one JSON document (text on\n"
    "                   stderr); --json-out FILE writes it to FILE as well\n"
    "                   ('gorace merge' combines the shards' documents)\n"
    "  --replay-out F   where to write the failing run's shrunk schedule\n"
    "                   (default: PROG-seedN.replay here)\n"
    "  --no-shrink      no replay file: do not record, shrink or write the\n"
    "                   failing run's schedule (its seed replays it)\n"
    "  --shrink-runs N  at most N runs to shrink it (default 300; 0: write\n"
    "                   it as recorded)\n"
    "  --shrink-time D  at most D to shrink it (default 60s)\n"
    "A failing seeded run's schedule is shrunk: runs drop its decisions\n"
    "(preemptions, picks, select's draws) while the program still fails the\n"
    "same way (same outcome, same stdout verdict). The sizes before and\n"
    "after are printed on stderr, and the result is written as a replay\n"
    "file that 'gorace run --replay FILE' (or 'gorace --replay FILE\n"
    "./prog') replays exactly.\n"
    "Exit status: 0 if no run failed, 1 if one did, 2 on bad usage.\n";

struct stress_opts {
    long runs;
    bool runs_set;
    unsigned long long seed_lo, seed_hi;
    bool seeds_set;
    struct schedule sched; /* pct, pct_steps; the seed varies per run */
    bool free_running;
    int procs; /* --free: GOMAXPROCS to set, 0: the environment's */
    double timeout;
    int jobs;
    bool release, ignore_stdout, verbose, keep_going;
    struct shard shard;
    long shards;
    bool json;
    const char *json_out;
    bool no_shrink;
    struct shrink_budget shrink;
    const char *replay_out;
};

/* One finished run. */
struct outcome_rec {
    long index; /* 0-based */
    int status;
    bool timed_out;
    char *out, *err;
    size_t outlen, errlen;
    char msg[1200];
};

static struct stress_opts so;
static const char *prog_display; /* as the user wrote it */
static char *prog_source;        /* the .c file, or NULL */
static char **run_argv;          /* the binary, then the arguments */
static struct expect hdr;
static bool has_hdr;
static struct outcome_rec ref; /* the first run: the reference */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long next_run, first_fail, runs_done, workers_left;
static struct outcome_rec failure;
static long shard_lo, shard_hi;   /* this shard's runs, [lo, hi) */
static struct outcome_rec *fails; /* -keep-going: every failing run */
static size_t nfails;
static bool reference_failed; /* run 0, another shard's, failed */
static struct {               /* the shrunk failure, for the JSON */
    long index;               /* -1: none */
    char file[4200], before[400], after[400];
} shrunk = {.index = -1};
static bool stopped_at_reference; /* run 0, ours, failed: nothing to judge
                                     the others by */

/* ---- flags ------------------------------------------------------------- */

static long parse_positive(const char *flag, const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 1)
        usage_fail("stress: bad %s \"%s\" (want an integer >= 1)", flag, s);
    return v;
}

static long parse_count(const char *flag, const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0)
        usage_fail("stress: bad %s \"%s\" (want an integer >= 0)", flag, s);
    return v;
}

static unsigned long long parse_seed(const char *range, const char *s,
                                     const char **end)
{
    char *e;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno != 0 || e == s || *s == '-' || *s == '+')
        usage_fail("stress: bad -seeds \"%s\" (want A..B, e.g. 1..1000)",
                   range);
    *end = e;
    return v;
}

static void parse_seeds(const char *v)
{
    const char *end;
    so.seed_lo = parse_seed(v, v, &end);
    so.seeds_set = true;
    if (*end == '\0') { /* -seeds N: 1..N, as check's --seeds N */
        so.seed_hi = so.seed_lo;
        so.seed_lo = 1;
        if (so.seed_hi < 1)
            usage_fail("stress: bad -seeds \"%s\" (want N >= 1 or A..B)", v);
        return;
    }
    if (strncmp(end, "..", 2) != 0)
        usage_fail("stress: bad -seeds \"%s\" (want A..B, e.g. 1..1000)", v);
    so.seed_hi = parse_seed(v, end + 2, &end);
    if (*end != '\0' || so.seed_hi < so.seed_lo)
        usage_fail("stress: bad -seeds \"%s\" (want A..B with A <= B)", v);
}

/* -name or --name, value after '=' or next. */
static const char *value_of(int argc, char **argv, int *i, const char *name)
{
    const char *a = argv[*i];
    a += a[1] == '-' ? 2 : 1;
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc)
        usage_fail("stress: -%s needs a value", name);
    return argv[++*i];
}

static bool is_switch(const char *a, const char *name)
{
    if (a[0] != '-')
        return false;
    a += a[1] == '-' ? 2 : 1;
    return strcmp(a, name) == 0;
}

/* Parses flags up to the program; returns the program's index in argv. */
static int parse_flags(int argc, char **argv)
{
    so.runs = 1000;
    so.timeout = 30;
    so.shrink = (struct shrink_budget){.runs = 300, .seconds = 60};
    so.jobs = 0;
    int i = 0;
    for (; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == '\0')
            break;
        if (is_switch(a, "help") || is_switch(a, "h")) {
            fputs(usage_stress, stdout);
            exit(0);
        }
        if ((v = value_of(argc, argv, &i, "runs")) != NULL) {
            so.runs = parse_positive("-runs", v);
            so.runs_set = true;
        } else if ((v = value_of(argc, argv, &i, "seeds")) != NULL) {
            parse_seeds(v);
        } else if ((v = value_of(argc, argv, &i, "timeout")) != NULL) {
            so.timeout = parse_duration("stress: -timeout", v);
        } else if (strncmp(a, "-j", 2) == 0 && a[2] >= '0' && a[2] <= '9') {
            so.jobs = (int)parse_positive("-j", a + 2);
        } else if ((v = value_of(argc, argv, &i, "j")) != NULL) {
            so.jobs = (int)parse_positive("-j", v);
        } else if (is_switch(a, "free")) {
            so.free_running = true;
        } else if (is_switch(a, "release")) {
            so.release = true;
        } else if (is_switch(a, "ignore-stdout")) {
            so.ignore_stdout = true;
        } else if (is_switch(a, "v")) {
            so.verbose = true;
        } else if (is_switch(a, "keep-going")) {
            so.keep_going = true;
        } else if ((v = value_of(argc, argv, &i, "shard")) != NULL) {
            shard_parse("stress", v, &so.shard);
        } else if ((v = value_of(argc, argv, &i, "shards")) != NULL) {
            so.shards = parse_positive("--shards", v);
        } else if (is_switch(a, "json")) {
            so.json = true;
        } else if ((v = value_of(argc, argv, &i, "json-out")) != NULL) {
            so.json_out = v;
        } else if (is_switch(a, "no-shrink")) {
            so.no_shrink = true;
        } else if ((v = value_of(argc, argv, &i, "shrink-runs")) != NULL) {
            so.shrink.runs = parse_count("--shrink-runs", v);
        } else if ((v = value_of(argc, argv, &i, "shrink-time")) != NULL) {
            so.shrink.seconds = parse_duration("stress: --shrink-time", v);
        } else if ((v = value_of(argc, argv, &i, "replay-out")) != NULL) {
            so.replay_out = v;
        } else if (schedule_flag("stress", argc, argv, &i, &so.sched)) {
            if (so.sched.seeded)
                usage_fail("stress: --seed names one schedule; stress takes a "
                           "range, -seeds A..B");
        } else {
            usage_fail("stress: unknown flag %s (see 'gorace stress --help')",
                       a);
        }
    }
    if (i == argc)
        usage_fail("stress: no program (try 'gorace stress --help')");
    if (so.free_running && (so.seeds_set || so.sched.pct))
        usage_fail("stress: --free runs without seeds; drop %s",
                   so.seeds_set ? "-seeds" : "--pct");
    if (so.sched.pct_steps && !so.sched.pct)
        usage_fail("stress: --pct-steps needs --pct");
    if (so.free_running && so.replay_out)
        usage_fail("stress: --free runs cannot be replayed; drop --replay-out");
    if (so.seeds_set) {
        unsigned long long span = so.seed_hi - so.seed_lo + 1;
        if (!so.runs_set || (unsigned long long)so.runs > span)
            so.runs =
                span == 0 || span > 1000000000ull ? 1000000000 : (long)span;
    }
    if (!so.seeds_set)
        so.seed_lo = 1;
    shard_resolve("stress", &so.shard, so.shards);
    return i;
}

/* ---- the program ------------------------------------------------------- */

static bool ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* A .c file is built, and judged by its header if it has one. */
static char *prepare_source(const char *src)
{
    char err[4400];
    struct stat st;
    if (stat(src, &st) != 0)
        usage_fail("stress: %s: %s", src, strerror(errno));
    if (!S_ISREG(st.st_mode))
        usage_fail("stress: %s: not a regular file", src);
    if (expect_parse(src, &hdr, err, sizeof err))
        has_hdr = true;
    else if (strstr(err, "no \"// expect:\"") == NULL)
        usage_fail("stress: %s: header: %s", src, err);
    if (!so.release && !race_lib_built())
        so.release = true;
    if (has_hdr)
        so.sched.options = hdr.gorace;
    if (has_hdr && so.release &&
        (hdr.outcome == OUT_RACE || hdr.outcome == OUT_LEAK ||
         hdr.needs_detector))
        usage_fail("stress: %s expects %s, which needs the race runtime", src,
                   outcome_name(hdr.outcome));
    static char exe[4400];
    char *srcs[] = {(char *)src};
    if (!cached_build(srcs, 1, NULL, 0, so.release, -1, exe, sizeof exe, err,
                      sizeof err)) {
        errorf("stress: %s", err);
        exit(strstr(err, "not built yet") || strstr(err, "not found") ? 2 : 1);
    }
    return exe;
}

static char *prepare_binary(const char *path)
{
    if (access(path, X_OK) != 0)
        usage_fail("stress: %s: %s", path, strerror(errno));
    if (strchr(path, '/'))
        return (char *)path;
    char *p; /* spawn searches PATH for a bare name; we mean this one */
    if (asprintf(&p, "./%s", path) < 0)
        exit(1);
    return p;
}

static void set_program(int argc, char **argv, int at)
{
    prog_display = argv[at];
    char *exe;
    if (ends_with(argv[at], ".c")) {
        prog_source = argv[at];
        exe = prepare_source(argv[at]);
    } else {
        exe = prepare_binary(argv[at]);
    }
    int nargs = argc - at - 1;
    bool header_args = has_hdr && nargs == 0 && hdr.nargs > 0;
    size_t n = header_args ? hdr.nargs : (size_t)nargs;
    run_argv = calloc(n + 2, sizeof *run_argv);
    run_argv[0] = exe;
    for (size_t k = 0; k < n; k++)
        run_argv[k + 1] = header_args ? hdr.args[k] : argv[at + 1 + k];
}

/* ---- one run ----------------------------------------------------------- */

static struct schedule schedule_of(long index)
{
    struct schedule s = so.sched;
    s.seeded = !so.free_running;
    s.seed = so.seed_lo + (unsigned long long)index;
    return s;
}

/* Run index under s, with a deadline of timeout seconds. */
static void run_under(const struct schedule *s, long index, double timeout,
                      struct outcome_rec *o)
{
    char **env = run_env(s, so.free_running ? so.procs : 0);
    int outfd = capture_fd(), errfd = capture_fd();
    memset(o, 0, sizeof *o);
    o->index = index;
    o->status =
        spawn_wait(run_argv, env, true, outfd, errfd, timeout, &o->timed_out);
    env_free(env);
    if (o->status == -1) {
        errorf("stress: cannot run %s: %s", run_argv[0], strerror(errno));
        exit(1);
    }
    o->out = capture_read(outfd, OUTPUT_MAX, &o->outlen);
    o->err = capture_read(errfd, OUTPUT_MAX, &o->errlen);
    close(outfd);
    close(errfd);
}

static void run_program(long index, struct outcome_rec *o)
{
    struct schedule s = schedule_of(index);
    run_under(&s, index, so.timeout, o);
}

static void release_rec(struct outcome_rec *o);

/* PCT spreads its change points over the first K scheduling steps, and K
 * should be the length of a run: measure it on one random-walk run (the
 * runtime writes its step count to GORACE's steps_file). */
static void measure_pct_steps(void)
{
    char path[] = "/tmp/gorace-steps-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        errorf("stress: mkstemp: %s", strerror(errno));
        exit(1);
    }
    close(fd);
    const char *old = getenv("GORACE");
    char *saved = old ? strdup(old) : NULL, *g;
    if (asprintf(&g, "%s%ssteps_file=%s", old ? old : "", old ? " " : "",
                 path) < 0)
        exit(1);
    setenv("GORACE", g, 1);
    int pct = so.sched.pct;
    so.sched.pct = 0;
    struct outcome_rec o;
    run_program(0, &o);
    release_rec(&o);
    so.sched.pct = pct;
    if (saved)
        setenv("GORACE", saved, 1);
    else
        unsetenv("GORACE");
    free(saved);
    free(g);
    unsigned long long k = 0;
    FILE *f = fopen(path, "r");
    if (f && fscanf(f, "%llu", &k) != 1)
        k = 0;
    if (f)
        fclose(f);
    unlink(path);
    so.sched.pct_steps = k ? k : 1;
    printf("stress: PCT change points over the first %llu steps (one "
           "run's length)\n",
           so.sched.pct_steps);
}

static void release_rec(struct outcome_rec *o)
{
    free(o->out);
    free(o->err);
    o->out = o->err = NULL;
    o->outlen = o->errlen = 0;
}

/* The first line where two outputs differ (1-based). */
static size_t first_diff_line(const char *a, size_t an, const char *b,
                              size_t bn)
{
    size_t line = 1;
    for (size_t i = 0; i < an && i < bn && a[i] == b[i]; i++)
        line += a[i] == '\n';
    return line;
}

static void nth_line(const char *s, size_t len, size_t n, char *dst,
                     size_t dlen)
{
    size_t i = 0;
    for (size_t k = 1; k < n && i < len; i++)
        k += s[i] == '\n';
    if (i >= len) {
        strfmt(dst, dlen, "(end of output)");
        return;
    }
    size_t e = i;
    while (e < len && s[e] != '\n')
        e++;
    strfmt(dst, dlen, "\"%.*s\"", (int)(e - i < 100 ? e - i : 100), s + i);
}

static struct run run_of(const struct outcome_rec *o)
{
    return (struct run){.status = o->status,
                        .timed_out = o->timed_out,
                        .timeout = so.timeout,
                        .out = o->out,
                        .outlen = o->outlen,
                        .err = o->err,
                        .errlen = o->errlen};
}

/* Judges o; on failure fills o->msg and returns false. */
static bool judge(struct outcome_rec *o)
{
    struct run r = run_of(o);
    char msg[1000], kind[64], name[64];
    if (has_hdr) {
        if (judge_run(&hdr, &r, msg, sizeof msg))
            return true;
        run_kind(&r, kind, sizeof kind);
        if (bug_shown(&hdr, &r)) {
            bug_name(&hdr, name, sizeof name);
            strfmt(o->msg, sizeof o->msg, "%s [the header's declared bug: %s]",
                   msg, name);
        } else {
            strfmt(o->msg, sizeof o->msg, "%s [%s]", msg, kind);
        }
        return false;
    }
    if (run_crashed(&r, msg, sizeof msg)) {
        strfmt(o->msg, sizeof o->msg, "%s", msg);
        return false;
    }
    if (o == &ref)
        return true;
    int code = WEXITSTATUS(o->status), ref_code = WEXITSTATUS(ref.status);
    if (code != ref_code) {
        strfmt(o->msg, sizeof o->msg, "exit status %d, the first run's was %d",
               code, ref_code);
        return false;
    }
    if (!so.ignore_stdout &&
        (o->outlen != ref.outlen || memcmp(o->out, ref.out, o->outlen) != 0)) {
        size_t line = first_diff_line(o->out, o->outlen, ref.out, ref.outlen);
        char got[160], want[160];
        nth_line(o->out, o->outlen, line, got, sizeof got);
        nth_line(ref.out, ref.outlen, line, want, sizeof want);
        strfmt(o->msg, sizeof o->msg,
               "stdout differs from the first run's at line %zu: got %s, "
               "first run %s",
               line, got, want);
        return false;
    }
    return true;
}

/* ---- the workers ------------------------------------------------------- */

/* -keep-going: o joins the failures. Only the first KEPT in run order
 * keep their output (they are the ones printed with it), whatever order
 * the workers finish them in. */
#define KEPT 3
static size_t kept[KEPT], nkept; /* indices into fails */

static void add_failure(struct outcome_rec *o)
{
    fails = realloc(fails, (nfails + 1) * sizeof *fails);
    fails[nfails] = *o;
    if (nkept < KEPT) {
        kept[nkept++] = nfails;
    } else {
        size_t last = 0;
        for (size_t k = 1; k < KEPT; k++)
            if (fails[kept[k]].index > fails[kept[last]].index)
                last = k;
        if (fails[kept[last]].index > o->index) {
            release_rec(&fails[kept[last]]);
            kept[last] = nfails;
        } else {
            release_rec(&fails[nfails]);
        }
    }
    nfails++;
    if (o->index < first_fail)
        first_fail = o->index;
}

static void *worker(void *unused)
{
    (void)unused;
    if (!so.free_running)
        fixed_addresses(true);
    for (;;) {
        pthread_mutex_lock(&mu);
        long i = next_run++;
        bool stop = i >= shard_hi || (!so.keep_going && i > first_fail);
        pthread_mutex_unlock(&mu);
        if (stop)
            break;
        struct outcome_rec o;
        run_program(i, &o);
        bool ok = judge(&o);
        pthread_mutex_lock(&mu);
        runs_done++;
        if (!ok && so.keep_going) {
            add_failure(&o);
        } else if (!ok && i < first_fail) {
            release_rec(&failure);
            failure = o;
            first_fail = i;
        } else {
            release_rec(&o);
        }
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
    }
    pthread_mutex_lock(&mu);
    workers_left--;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    return NULL;
}

/* Workers run until done; a progress line every 10s on a terminal. */
static void run_all(void)
{
    int n = so.jobs;
    if ((long)n > shard_hi - next_run)
        n = (int)(shard_hi - next_run);
    if (n < 0)
        n = 0;
    workers_left = n;
    pthread_t *th = calloc(n + 1, sizeof *th);
    for (int k = 0; k < n; k++)
        pthread_create(&th[k], NULL, worker, NULL);
    bool tty = isatty(2);
    double start = now_seconds(), last = start;
    pthread_mutex_lock(&mu);
    while (workers_left > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&cv, &mu, &ts);
        double t = now_seconds();
        if (tty && t - last >= 10) {
            last = t;
            fprintf(stderr, "stress: %.0fs: %ld runs%s\n", t - start, runs_done,
                    first_fail < shard_hi ? ", failure found" : "");
        }
    }
    pthread_mutex_unlock(&mu);
    for (int k = 0; k < n; k++)
        pthread_join(th[k], NULL);
    free(th);
}

/* ---- the report -------------------------------------------------------- */

static void print_output(const char *name, const char *s, size_t len)
{
    if (len == 0)
        return;
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += s[i] == '\n';
    if (s[len - 1] != '\n')
        lines++;
    printf("--- %s:\n", name);
    size_t shown = 0, i = 0;
    for (; i < len && (so.verbose || shown < SHOWN_LINES); i++) {
        putchar(s[i]);
        shown += s[i] == '\n';
    }
    if (s[i - 1] != '\n')
        putchar('\n');
    if (i < len)
        printf("--- (%zu more lines; -v prints them all)\n", lines - shown);
}

static void append_args(char *dst, size_t len)
{
    for (size_t k = 1; run_argv[k]; k++) {
        strfmt(dst + strlen(dst), len - strlen(dst), " ");
        shell_append(dst, len, run_argv[k]);
    }
}

/* The commands that replay run index: a bare GORACE=... one and a gorace
 * one (same addresses too); free-running, the same conditions in cmd. */
static void replay_commands(long index, char *cmd, char *cmd2, size_t len)
{
    struct schedule s = schedule_of(index);
    char flags[128];
    cmd2[0] = '\0';
    if (so.free_running) {
        strfmt(cmd, len, "GOMAXPROCS=%d ", so.procs ? so.procs : 2);
        if (!so.procs && getenv("GOMAXPROCS"))
            strfmt(cmd, len, "GOMAXPROCS=%s ", getenv("GOMAXPROCS"));
        shell_append(cmd, len, run_argv[0]);
        append_args(cmd, len);
        return;
    }
    char *g = schedule_gorace(&s);
    strfmt(cmd, len, "GORACE=\"%s\" ", g);
    free(g);
    shell_append(cmd, len, run_argv[0]);
    append_args(cmd, len);
    schedule_flags(&s, flags, sizeof flags);
    schedule_env_prefix(&s, cmd2, len);
    size_t o = strlen(cmd2);
    if (prog_source)
        strfmt(cmd2 + o, len - o, "gorace run%s %s ",
               so.release ? " --release" : "", flags);
    else
        strfmt(cmd2 + o, len - o, "gorace %s ", flags);
    shell_append(cmd2, len, prog_source ? prog_source : run_argv[0]);
    if (prog_source && run_argv[1] && run_argv[1][0] == '-')
        strfmt(cmd2 + strlen(cmd2), len - strlen(cmd2), " --");
    append_args(cmd2, len);
}

static void print_replay(long index)
{
    char cmd[8192], cmd2[8192];
    replay_commands(index, cmd, cmd2, sizeof cmd);
    if (so.free_running)
        printf("free-running: not replayable; the same conditions:\n  %s\n",
               cmd);
    else
        printf("replay:\n  %s\n  %s    (same addresses too)\n", cmd, cmd2);
}

static unsigned long long last_seed(void)
{
    return so.seed_lo + (unsigned long long)so.runs - 1;
}

static void print_header(void)
{
    char name[64], part[200] = "";
    if (so.shard.total > 1)
        strfmt(part, sizeof part, ", shard %ld/%ld: runs %ld..%ld",
               so.shard.index, so.shard.total, shard_lo + 1, shard_hi);
    if (so.free_running) {
        const char *env = getenv("GOMAXPROCS");
        printf("stress: %s: up to %ld runs, free-running (GOMAXPROCS=%s), "
               "-j %d%s\n",
               prog_display, so.runs, so.procs ? "2" : env, so.jobs, part);
        return;
    }
    schedule_name(&so.sched, name, sizeof name);
    if (so.shard.total > 1 && shard_lo == shard_hi)
        strfmt(part, sizeof part, ", shard %ld/%ld: no runs", so.shard.index,
               so.shard.total);
    else if (so.shard.total > 1)
        strfmt(part, sizeof part, ", shard %ld/%ld: seeds %llu..%llu",
               so.shard.index, so.shard.total,
               so.seed_lo + (unsigned long long)shard_lo,
               so.seed_lo + (unsigned long long)shard_hi - 1);
    printf("stress: %s: up to %ld runs, %s, seeds %llu..%llu, -j %d%s\n",
           prog_display, so.runs, name, so.seed_lo, last_seed(), so.jobs, part);
}

static void print_failure(const struct outcome_rec *o, bool output)
{
    long k = o->index + 1;
    struct schedule s = schedule_of(o->index);
    if (so.free_running)
        printf("FAIL run %ld (free-running): %s\n", k, o->msg);
    else
        printf("FAIL run %ld (seed %llu): %s\n", k, s.seed, o->msg);
    if (output) {
        print_output("stdout", o->out, o->outlen);
        print_output("stderr", o->err, o->errlen);
    }
    print_replay(o->index);
}

static int cmp_index(const void *a, const void *b)
{
    long x = ((const struct outcome_rec *)a)->index,
         y = ((const struct outcome_rec *)b)->index;
    return (x > y) - (x < y);
}

/* The failing runs in run order: the first (or -keep-going's all). */
static size_t failures(const struct outcome_rec **list)
{
    if (so.keep_going) {
        if (nfails)
            qsort(fails, nfails, sizeof *fails, cmp_index);
        *list = fails;
        return nfails;
    }
    *list = &failure;
    return first_fail < shard_hi ? 1 : 0;
}

/* The last line. Unsharded, it is what gorace merge prints for the shards
 * together. */
static void print_summary(size_t nf, const struct outcome_rec *first)
{
    char what[160] = "";
    if (so.shard.total > 1)
        strfmt(what, sizeof what, "shard %ld/%ld: ", so.shard.index,
               so.shard.total);
    if (reference_failed) {
        printf("stress: %sthe first run (seed %llu), the reference, failed: "
               "shard 0 reports it; no runs here\n",
               what, so.seed_lo);
        return;
    }
    long done = shard_hi - shard_lo;
    if (nf && (!so.keep_going || stopped_at_reference))
        done = first->index - shard_lo + 1;
    struct schedule s = nf ? schedule_of(first->index) : schedule_of(0);
    if (nf == 0 && so.free_running)
        printf("stress: %s%ld runs, no failure (free-running)\n", what, done);
    else if (nf == 0)
        printf("stress: %s%ld runs, no failure (seeds %llu..%llu)\n", what,
               done, so.seed_lo + (unsigned long long)shard_lo,
               so.seed_lo + (unsigned long long)shard_hi - 1);
    else if (so.free_running && so.keep_going)
        printf("stress: %s%ld runs, %zu failed, first failing run %ld "
               "(free-running)\n",
               what, done, nf, first->index + 1);
    else if (so.free_running)
        printf("stress: %s%ld runs, first failing run %ld (free-running)\n",
               what, done, first->index + 1);
    else if (so.keep_going)
        printf("stress: %s%ld runs, %zu failed, first failing run %ld, seed "
               "%llu\n",
               what, done, nf, first->index + 1, s.seed);
    else
        printf("stress: %s%ld runs, first failing run %ld, seed %llu\n", what,
               done, first->index + 1, s.seed);
}

/* ---- the JSON result ---------------------------------------------------- */

/* Which program with which arguments: the source's (or binary's) bytes and
 * the arguments, so merge can refuse shards of different programs. */
static unsigned long long program_id(void)
{
    const char *file = prog_source ? prog_source : run_argv[0];
    size_t len = 0;
    FILE *f = fopen(file, "rb");
    unsigned long long h = 0;
    if (f) {
        char buf[65536];
        while ((len = fread(buf, 1, sizeof buf, f)) > 0)
            h = fnv1a(h, buf, len);
        fclose(f);
    }
    for (size_t k = 1; run_argv[k]; k++)
        h = fnv1a(h, run_argv[k], strlen(run_argv[k]) + 1);
    return h;
}

static void json_failure(FILE *f, const struct outcome_rec *o)
{
    char cmd[8192], cmd2[8192];
    replay_commands(o->index, cmd, cmd2, sizeof cmd);
    fprintf(f, "{\"run\": %ld, ", o->index + 1);
    if (!so.free_running)
        fprintf(f, "\"seed\": \"%llu\", ", schedule_of(o->index).seed);
    fputs("\"message\": ", f);
    put_str(f, o->msg, false);
    fputs(", \"replay\": ", f);
    put_str(f, cmd, false);
    if (cmd2[0]) {
        fputs(", \"replay_gorace\": ", f);
        put_str(f, cmd2, false);
    }
    if (o->out) {
        fputs(", \"stdout\": ", f);
        put_escaped(f, o->out, o->outlen, false);
    }
    if (o->err) {
        fputs(", \"stderr\": ", f);
        put_escaped(f, o->err, o->errlen, false);
    }
    if (o->index == shrunk.index) {
        fputs(", \"replay_file\": ", f);
        put_str(f, shrunk.file, false);
        fputs(", \"shrink_before\": ", f);
        put_str(f, shrunk.before, false);
        fputs(", \"shrink_after\": ", f);
        put_str(f, shrunk.after, false);
    }
    fputc('}', f);
}

static void write_json(FILE *f, const struct outcome_rec *list, size_t nf,
                       double secs)
{
    char name[64];
    schedule_name(&so.sched, name, sizeof name);
    fprintf(f, "{\"kind\": \"stress\", \"program\": ");
    put_str(f, prog_source ? prog_source : prog_display, false);
    fprintf(f, ", \"program_id\": \"%016llx\", \"args\": [", program_id());
    for (size_t k = 1; run_argv[k]; k++) {
        fputs(k > 1 ? ", " : "", f);
        put_str(f, run_argv[k], false);
    }
    fprintf(f, "],\n \"schedule\": ");
    put_str(f, so.free_running ? "free-running" : name, false);
    fprintf(f,
            ", \"pct_steps\": \"%llu\", \"runtime\": \"%s\", \"keep_going\": "
            "%s, \"runs\": %ld, \"seed_range\": \"%llu..%llu\",\n"
            " \"shard\": %ld, \"shards\": %ld, \"shard_source\": ",
            so.sched.pct_steps, so.release ? "release" : "race",
            so.keep_going ? "true" : "false", so.runs, so.seed_lo, last_seed(),
            so.shard.index, so.shard.total);
    put_str(f, so.shard.source, false);
    fprintf(f,
            ", \"shard_runs\": \"%ld..%ld\", \"runs_done\": %ld, "
            "\"reference_failed\": %s, \"stopped_at_reference\": %s,\n"
            " \"time\": %.3f, \"failures\": [",
            shard_lo + 1, shard_hi, runs_done,
            reference_failed ? "true" : "false",
            stopped_at_reference ? "true" : "false", secs);
    for (size_t k = 0; k < nf; k++) {
        fputs(k ? ",\n  " : "\n  ", f);
        json_failure(f, &list[k]);
    }
    fputs("\n]}\n", f);
}

static bool json_to(const char *file, FILE *f, const struct outcome_rec *list,
                    size_t nf, double secs)
{
    if (file && (f = fopen(file, "w")) == NULL) {
        errorf("stress: %s: %s", file, strerror(errno));
        return false;
    }
    write_json(f, list, nf, secs);
    bool ok = !ferror(f);
    if (file ? fclose(f) != 0 : fflush(f) != 0)
        ok = false;
    if (!ok)
        errorf("stress: writing %s failed", file ? file : "stdout");
    return ok;
}

/* ---- shrinking the failing schedule (replay.c) ------------------------- */

/* The report goes to stderr: stdout stays what gorace merge prints for the
 * shards of the same run. */

struct shrink_ctx {
    char cls[200]; /* the failure's class */
    double timeout;
    char dir[64];
};

/* What a failure is, for "fails the same way": the outcome (run_kind) and
 * whether stdout was right (the header's, or the first run's). */
static void failure_class(const struct outcome_rec *o, char *dst, size_t len)
{
    struct run r = run_of(o);
    char kind[64], diff[64];
    run_kind(&r, kind, sizeof kind);
    bool out_ok;
    if (has_hdr)
        out_ok =
            expect_check_stdout(&hdr, o->out, o->outlen, diff, sizeof diff);
    else
        out_ok = so.ignore_stdout || (o->outlen == ref.outlen &&
                                      memcmp(o->out, ref.out, o->outlen) == 0);
    strfmt(dst, len, "%s%s", kind, out_ok ? "" : ", wrong stdout");
}

/* The header's GORACE options, then more. */
static char *options_with(const char *more)
{
    char *v;
    const char *h = has_hdr && hdr.gorace ? hdr.gorace : "";
    if (asprintf(&v, "%s%s%s", h, *h ? " " : "", more) < 0)
        exit(1);
    return v;
}

/* Runs under schedule_in=in (if in is NULL, under the seed of index),
 * recording to out; true if it fails as c's failure did. */
static bool fails_same(struct shrink_ctx *c, const char *in, long index,
                       const char *out)
{
    char more[9000], cls[200];
    struct schedule s = {0};
    if (in) {
        strfmt(more, sizeof more, "schedule_in=%s schedule_out=%s", in, out);
    } else {
        s = schedule_of(index);
        strfmt(more, sizeof more, "schedule_out=%s", out);
    }
    char *opts = options_with(more);
    s.options = opts;
    struct outcome_rec o;
    run_under(&s, index, c->timeout, &o);
    free(opts);
    bool same = !judge(&o);
    failure_class(&o, cls, sizeof cls);
    same = same && strcmp(cls, c->cls) == 0;
    release_rec(&o);
    return same;
}

static bool shrink_test_fn(const char *in, const char *out, void *arg)
{
    return fails_same(arg, in, 0, out);
}

static void default_replay_name(long index, char *dst, size_t len)
{
    const char *base = strrchr(prog_display, '/');
    base = base ? base + 1 : prog_display;
    size_t n = strlen(base);
    if (ends_with(base, ".c"))
        n -= 2;
    strfmt(dst, len, "%.*s-seed%llu.replay", (int)n, base,
           schedule_of(index).seed);
}

static void append_header(char *dst, size_t len, const char *key,
                          const char *val)
{
    size_t o = strlen(dst);
    strfmt(dst + o, len - o, "# %s: %s\n", key, val);
}

/* The replay file's comment header: the program, runtime, options and
 * failure, then how it was found and shrunk. */
static char *replay_header(const struct outcome_rec *f, const char *before,
                           const char *after, const char *how)
{
    static char h[32768];
    char v[8192], name[64], abs[4096];
    h[0] = '\0';
    const char *prog = prog_source ? prog_source : run_argv[0];
    append_header(h, sizeof h, "program", realpath(prog, abs) ? abs : prog);
    if (prog_source) {
        strfmt(v, sizeof v, "%016llx", file_hash(prog_source));
        append_header(h, sizeof h, "source-hash", v);
    }
    strfmt(v, sizeof v, "%016llx", file_hash(run_argv[0]));
    append_header(h, sizeof h, "binary-hash", v);
    append_header(h, sizeof h, "runtime", so.release ? "release" : "race");
    v[0] = '\0';
    append_args(v, sizeof v);
    append_header(h, sizeof h, "args", v[0] ? v + 1 : "");
    for (size_t k = 1; run_argv[k]; k++)
        if (!strchr(run_argv[k], '\n'))
            append_header(h, sizeof h, "arg", run_argv[k]);
    struct schedule g = {.options = has_hdr ? hdr.gorace : NULL};
    char *opts = schedule_gorace(&g);
    append_header(h, sizeof h, "gorace", opts);
    free(opts);
    append_header(h, sizeof h, "failure", f->msg);
    schedule_name(&so.sched, name, sizeof name);
    strfmt(v, sizeof v, "seed %llu (%s), run %ld", schedule_of(f->index).seed,
           name, f->index + 1);
    append_header(h, sizeof h, "found", v);
    append_header(h, sizeof h, "before", before);
    append_header(h, sizeof h, "after", after);
    append_header(h, sizeof h, "shrink", how);
    return h;
}

static void print_replay_file(const char *file)
{
    char cmd[8192] = "";
    if (prog_source) {
        strfmt(cmd, sizeof cmd, "gorace run --replay ");
        shell_append(cmd, sizeof cmd, file);
    } else {
        strfmt(cmd, sizeof cmd, "gorace --replay ");
        shell_append(cmd, sizeof cmd, file);
        strfmt(cmd + strlen(cmd), sizeof cmd - strlen(cmd), " ");
        shell_append(cmd, sizeof cmd, run_argv[0]);
    }
    append_args(cmd, sizeof cmd);
    fprintf(stderr, "replay file: %s\n  %s\n", file, cmd);
}

/* Records the failing seed's schedule, checks that it replays, shrinks it
 * and writes the replay file. False (with a message) if it cannot. */
static bool shrink_in(struct shrink_ctx *c, const struct outcome_rec *f)
{
    char seed_file[200], base[200], err[300], before[400], after[400];
    char how[200], file[4200];
    strfmt(seed_file, sizeof seed_file, "%s/seed", c->dir);
    strfmt(base, sizeof base, "%s/base", c->dir);
    double t0 = now_seconds();
    struct decisions seed, d;
    if (!fails_same(c, NULL, f->index, seed_file)) {
        fprintf(stderr, "shrink: the failing seed, run again, did not fail "
                        "the same way; no replay file\n");
        return false;
    }
    if (!decisions_read(seed_file, &seed, err, sizeof err)) {
        fprintf(stderr,
                "shrink: the failing seed's run recorded no "
                "schedule (%s); no replay file\n",
                err);
        return false;
    }
    decisions_size(&seed, before, sizeof before);
    decisions_free(&seed);
    c->timeout = so.timeout < 2 ? so.timeout : 2;
    double once = now_seconds() - t0;
    if (10 * once > c->timeout)
        c->timeout = 10 * once < so.timeout ? 10 * once : so.timeout;
    if (!fails_same(c, seed_file, 0, base) ||
        !decisions_read(base, &d, err, sizeof err)) {
        fprintf(stderr,
                "shrink: the recorded schedule does not replay the failure "
                "(a system call or a foreign thread?); no replay file\n");
        return false;
    }
    long runs = shrink(&d, shrink_test_fn, c, &so.shrink, c->dir);
    decisions_size(&d, after, sizeof after);
    strfmt(how, sizeof how, "%ld runs, %.1fs", runs, now_seconds() - t0);
    if (so.replay_out)
        strfmt(file, sizeof file, "%s", so.replay_out);
    else
        default_replay_name(f->index, file, sizeof file);
    bool ok = decisions_write(file, replay_header(f, before, after, how), &d);
    decisions_free(&d);
    if (!ok) {
        errorf("stress: %s: %s", file, strerror(errno));
        return false;
    }
    bool same = fails_same(c, file, 0, base);
    fprintf(stderr,
            "shrink: before: %s\nshrink: after:  %s\nshrink: %s; the replay "
            "file %s\n",
            before, after, how,
            same ? "fails the same way" : "DOES NOT fail the same way");
    print_replay_file(file);
    if (same) {
        shrunk.index = f->index;
        strfmt(shrunk.file, sizeof shrunk.file, "%s", file);
        strfmt(shrunk.before, sizeof shrunk.before, "%s", before);
        strfmt(shrunk.after, sizeof shrunk.after, "%s", after);
    }
    return same;
}

static bool shrink_failure(const struct outcome_rec *f)
{
    struct shrink_ctx c = {.timeout = so.timeout};
    failure_class(f, c.cls, sizeof c.cls);
    strfmt(c.dir, sizeof c.dir, "/tmp/gorace-shrink-XXXXXX");
    if (!mkdtemp(c.dir)) {
        errorf("stress: mkdtemp: %s", strerror(errno));
        return false;
    }
    bool ok = shrink_in(&c, f);
    const char *names[] = {"seed", "base", "candidate", "recorded"};
    char path[200];
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        strfmt(path, sizeof path, "%s/%s", c.dir, names[k]);
        unlink(path);
    }
    rmdir(c.dir);
    return ok;
}

/* ---- the verb ---------------------------------------------------------- */

static void set_jobs(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1)
        cpus = 1;
    if (so.free_running) {
        const char *env = getenv("GOMAXPROCS");
        so.procs = env && *env ? 0 : 2;
        long per = env && *env ? strtol(env, NULL, 10) : 2;
        if (!so.jobs)
            so.jobs = per >= 1 && cpus / per >= 1 ? (int)(cpus / per) : 1;
    } else if (!so.jobs) {
        so.jobs = (int)cpus;
    }
}

/* Run 0 is the reference. The shard owning it judges it as its first run;
 * another shard makes it only to compare stdout and exit status with. */
static void run_reference(void)
{
    bool own = shard_lo == 0 && shard_hi > 0;
    next_run = shard_lo;
    if (!own && (has_hdr || shard_lo == shard_hi))
        return;
    run_program(0, &ref);
    bool ok = judge(&ref);
    if (own) {
        next_run = 1;
        runs_done = 1;
        if (!ok) {
            first_fail = 0;
            if (so.keep_going)
                add_failure(&ref);
            else
                failure = ref;
            /* Without a header the others have nothing to be judged by. */
            stopped_at_reference = !has_hdr;
            if (!so.keep_going || !has_hdr)
                next_run = shard_hi;
        }
    } else if (!ok) {
        reference_failed = true;
        next_run = shard_hi;
    }
}

int cmd_stress(int argc, char **argv)
{
    int at = parse_flags(argc, argv);
    int json_fd = -1;
    if (so.json) { /* stdout is the JSON's; the text goes to stderr */
        fflush(stdout);
        json_fd = dup(1);
        dup2(2, 1);
    }
    set_program(argc, argv, at);
    set_jobs();
    shard_lo =
        (long)((unsigned long long)so.runs * so.shard.index / so.shard.total);
    shard_hi = (long)((unsigned long long)so.runs * (so.shard.index + 1) /
                      so.shard.total);
    print_header();
    fflush(stdout);

    double start = now_seconds();
    if (!so.free_running)
        fixed_addresses(true);
    if (so.sched.pct && !so.sched.pct_steps)
        measure_pct_steps();
    first_fail = shard_hi;
    run_reference();
    run_all();
    const struct outcome_rec *list;
    size_t nf = failures(&list);
    for (size_t k = 0; k < nf; k++)
        print_failure(&list[k], k < KEPT);
    fflush(stdout);
    if (nf && !so.free_running && !so.no_shrink)
        shrink_failure(&list[0]); /* on stderr: stdout is what merge gives */
    print_summary(nf, list);
    fflush(stdout);
    double secs = now_seconds() - start;
    bool ok = true;
    if (json_fd >= 0) {
        FILE *f = fdopen(json_fd, "w");
        ok = f && json_to(NULL, f, list, nf, secs);
    }
    if (so.json_out && !json_to(so.json_out, NULL, list, nf, secs))
        ok = false;
    return nf || reference_failed || !ok ? 1 : 0;
}
