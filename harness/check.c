/*
 * check.c: gorace check, the corpus runner.
 *
 * Every *.c file under the given directories is a program whose header says
 * what it must do (expect.h). For each one: parse the header, build it
 * through the cache, run it once per GOMAXPROCS value with a deadline, then
 * under seeded schedules 1..N (GORACE=seed=k, --seeds, default 50), and
 * compare exit status, stderr and stdout with the expectation every time.
 * Seeded runs cost little (virtual time: sleeps are free) and replay
 * exactly, so a failing seed is printed with the command that replays it.
 * A program with a `bug:` directive must meet its expectation free-running;
 * under a seed it may show the declared bug instead, and nothing else. Workers
 * (-j) take programs from a shared index; results are printed in path order as
 * soon as every earlier program has finished, so the output is deterministic.
 *
 * The race build is used when libgorace_race.a exists and --release is not
 * given; otherwise the release runtime, and programs expecting race or leak
 * (which only the detector can confirm) are skipped with that reason.
 *
 * Sharded (--shard i/n, or a cluster engine's variables: shard.c), a run
 * checks program k of the sorted selection when k mod n = i; --json-out
 * writes the result for gorace merge (merge.c), which prints the shards'
 * results as this run would print them unsharded (report.c).
 */
#define _GNU_SOURCE
#include "expect.h"
#include "harness.h"
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define OUTPUT_MAX (4u << 20) /* bytes of a program's stdout/stderr kept */

static const char usage_check[] =
    "usage: gorace check [-j N] [-run REGEX] [--junit FILE] [--json]\n"
    "                    [--shard i/n] [--release] [--timeout D]\n"
    "                    [--seeds N | --full-seeds N] [-v] [DIR|FILE...]\n"
    "\n"
    "Builds every *.c program under the directories (default: corpus),\n"
    "runs it once per GOMAXPROCS value of its header, then under the\n"
    "seeded schedules 1..N, and compares every outcome with the header\n"
    "(format: corpus/README.md). A failing seed is printed with the\n"
    "command that replays it.\n"
    "  -j N          programs checked in parallel (default: CPUs)\n"
    "  -run REGEX    only programs whose path matches (POSIX extended)\n"
    "  --junit FILE  also write a JUnit XML report to FILE\n"
    "  --json        print one JSON document instead of text lines\n"
    "  --json-out FILE  also write the JSON document to FILE (for\n"
    "                'gorace merge')\n"
    "  --shard i/n   only the i-th (0-based) of n shards (program k of the\n"
    "                sorted selection goes to shard k mod n); default from\n"
    "                the engine's variables: Bazel TEST_SHARD_INDEX and\n"
    "                TEST_TOTAL_SHARDS, Slurm SLURM_ARRAY_TASK_ID and\n"
    "                SLURM_ARRAY_TASK_COUNT (or _MIN/_MAX), Kubernetes\n"
    "                JOB_COMPLETION_INDEX, GitLab CI_NODE_INDEX (1-based)\n"
    "                and CI_NODE_TOTAL\n"
    "  --shards n    the number of shards when the engine gives only the\n"
    "                index (Kubernetes; or GORACE_TOTAL_SHARDS=n)\n"
    "  --release     use the release runtime (race/leak programs skipped)\n"
    "  --timeout D   deadline per run: 60s (default), 500ms, 2m, or seconds\n"
    "  -count N      free-running runs per GOMAXPROCS value (default 1)\n"
    "  --seeds N     seeded runs per program: seeds 1..N (default 50; 0:\n"
    "                none), or --seeds A..B; a header's `seeds:` directive\n"
    "                can lower the count\n"
    "  --full-seeds N  seeds 1..N (or A..B, N >= 1) for every program, the\n"
    "                headers' `seeds: N` caps lifted (the full budget; CI\n"
    "                runs the capped counts); `seeds: 0` still means none\n"
    "  -v            print the output of failing runs\n"
    "Exit status: 0 if nothing failed, 1 if something failed, 2 on bad "
    "usage.\n";

struct opts {
    int jobs;
    regex_t run_re;
    bool has_run;
    const char *junit;
    bool json, release, verbose;
    double timeout;
    long seeds;            /* how many seeded runs ... */
    unsigned long seed_lo; /* ... from this seed on (--seeds A..B) */
    bool full_seeds;       /* --full-seeds: the headers' caps do not apply */
    long count;            /* free runs per GOMAXPROCS value (go test -count) */
    struct shard shard;
    long shards; /* --shards N: the count when an engine gives the index */
    const char *json_out;
    const char *release_reason;
};

static struct opts opt;
static struct result *results;
static size_t nresults;
static size_t next_job;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

/* ---- flags ------------------------------------------------------------- */

static long parse_long(const char *flag, const char *s, long lo)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo)
        usage_fail("check: bad %s \"%s\" (want an integer >= %ld)", flag, s,
                   lo);
    return v;
}

/* Returns the value of a flag given as "-f v", "-f=v" or "--f=v". */
static const char *flag_value(int argc, char **argv, int *i, const char *name)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) == 0 && a[n] == '=')
        return a + n + 1;
    if (strcmp(a, name) == 0) {
        if (*i + 1 >= argc)
            usage_fail("check: %s needs a value", name);
        return argv[++*i];
    }
    return NULL;
}

/* --seeds N (seeds 1..N) or A..B, the same spelling as stress's; and
 * --full-seeds, the same with N >= 1. */
static void parse_seeds(const char *flag, const char *v)
{
    const char *dots = strstr(v, "..");
    if (!dots) {
        opt.seed_lo = 1;
        opt.seeds = parse_long(flag, v, opt.full_seeds ? 1 : 0);
        return;
    }
    char lo[32];
    strfmt(lo, sizeof lo, "%.*s", (int)(dots - v), v);
    long a = parse_long(flag, lo, 1), b = parse_long(flag, dots + 2, 1);
    if (b < a)
        usage_fail("check: bad %s \"%s\" (want A..B with A <= B)", flag, v);
    opt.seed_lo = (unsigned long)a;
    opt.seeds = b - a + 1;
}

static void parse_opts(int argc, char **argv, char ***dirs, size_t *ndirs)
{
    opt.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (opt.jobs < 1)
        opt.jobs = 1;
    opt.timeout = 60;
    opt.seeds = 50;
    opt.seed_lo = 1;
    opt.count = 1;
    const char *seeds_flag = NULL;
    *dirs = calloc(argc + 2, sizeof **dirs);
    *ndirs = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 ||
            strcmp(a, "-help") == 0) {
            fputs(usage_check, stdout);
            exit(0);
        } else if (strncmp(a, "-j", 2) == 0 && a[2] != '\0') {
            opt.jobs = (int)parse_long("-j", a + 2, 1);
        } else if ((v = flag_value(argc, argv, &i, "-j")) != NULL) {
            opt.jobs = (int)parse_long("-j", v, 1);
        } else if ((v = flag_value(argc, argv, &i, "-run")) != NULL ||
                   (v = flag_value(argc, argv, &i, "--run")) != NULL) {
            if (opt.has_run)
                regfree(&opt.run_re);
            if (regcomp(&opt.run_re, v, REG_EXTENDED | REG_NOSUB) != 0)
                usage_fail("check: bad -run regular expression \"%s\"", v);
            opt.has_run = true;
        } else if ((v = flag_value(argc, argv, &i, "--junit")) != NULL) {
            opt.junit = v;
        } else if ((v = flag_value(argc, argv, &i, "--shard")) != NULL) {
            shard_parse("check", v, &opt.shard);
        } else if ((v = flag_value(argc, argv, &i, "--shards")) != NULL) {
            opt.shards = parse_long("--shards", v, 1);
        } else if ((v = flag_value(argc, argv, &i, "--json-out")) != NULL) {
            opt.json_out = v;
        } else if ((v = flag_value(argc, argv, &i, "--timeout")) != NULL ||
                   (v = flag_value(argc, argv, &i, "-timeout")) != NULL) {
            opt.timeout = parse_duration("check: --timeout", v);
        } else if (strcmp(a, "--json") == 0) {
            opt.json = true;
        } else if (strcmp(a, "--release") == 0) {
            opt.release = true;
        } else if (strcmp(a, "-v") == 0) {
            opt.verbose = true;
        } else if ((v = flag_value(argc, argv, &i, "-count")) != NULL ||
                   (v = flag_value(argc, argv, &i, "--count")) != NULL) {
            opt.count = parse_long("-count", v, 1);
        } else if ((v = flag_value(argc, argv, &i, "--seeds")) != NULL ||
                   (v = flag_value(argc, argv, &i, "-seeds")) != NULL ||
                   (v = flag_value(argc, argv, &i, "--full-seeds")) != NULL ||
                   (v = flag_value(argc, argv, &i, "-full-seeds")) != NULL) {
            const char *flag =
                strstr(a, "full-seeds") ? "--full-seeds" : "--seeds";
            if (seeds_flag && strcmp(seeds_flag, flag) != 0)
                usage_fail("check: give --seeds or --full-seeds, not both");
            seeds_flag = flag;
            opt.full_seeds = flag[2] == 'f';
            parse_seeds(flag, v);
        } else if (strcmp(a, "--seed") == 0 || strncmp(a, "--seed=", 7) == 0) {
            usage_fail("check: --seed replays one program (gorace run --seed "
                       "N file.c); check takes --seeds N");
        } else if (strcmp(a, "--engine=tsan") == 0) {
            usage_fail("check: --engine=tsan: the TSan engine is the native "
                       "detector's oracle (ctest race_engines_agree)");
        } else if (strncmp(a, "--engine=", 9) == 0) {
            usage_fail("check: unknown engine \"%s\"", a + 9);
        } else if (a[0] == '-' && a[1] != '\0') {
            usage_fail("check: unknown flag %s (see 'gorace check --help')", a);
        } else {
            struct stat st;
            if (stat(a, &st) != 0)
                usage_fail("check: %s: %s", a, strerror(errno));
            (*dirs)[(*ndirs)++] = argv[i];
        }
    }
    shard_resolve("check", &opt.shard, opt.shards);
    if (*ndirs == 0) {
        struct stat st;
        if (stat("corpus", &st) != 0)
            usage_fail("check: no corpus directory here (give a DIR)");
        (*dirs)[(*ndirs)++] = "corpus";
    }
}

/* ---- discovery --------------------------------------------------------- */

static char **found;
static size_t nfound, capfound;

static void add_found(const char *path)
{
    if (nfound == capfound) {
        capfound = capfound ? capfound * 2 : 64;
        found = realloc(found, capfound * sizeof *found);
    }
    found[nfound++] = strdup(path);
}

static bool ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static void walk(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        errorf("check: %s: %s", dir, strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        size_t dl = strlen(dir);
        strfmt(path, sizeof path, "%s%s%s", dir,
               dl && dir[dl - 1] == '/' ? "" : "/", e->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            walk(path);
        else if (S_ISREG(st.st_mode) && ends_with(e->d_name, ".c"))
            add_found(path);
    }
    closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- checking one program ---------------------------------------------- */

/* The most telling line of a failed build: the linker's first undefined
 * symbol (a link runs only after compiling succeeded), else the compiler's
 * first error, else the first line. */
static const char *diagnostic_line(const char *diag)
{
    static const char *const marks[] = {"undefined reference", ": error:"};
    for (size_t m = 0; m < sizeof marks / sizeof *marks; m++) {
        const char *hit = strstr(diag, marks[m]);
        if (hit == NULL)
            continue;
        while (hit > diag && hit[-1] != '\n')
            hit--;
        return hit;
    }
    return diag;
}

static void keep_output(struct result *r, int outfd, int errfd)
{
    r->out = outfd >= 0 ? capture_read(outfd, OUTPUT_MAX, &r->outlen) : NULL;
    r->err = errfd >= 0 ? capture_read(errfd, OUTPUT_MAX, &r->errlen) : NULL;
}

/* gorace run with the flags and runtime check builds with: the same binary,
 * so the same schedule. */
static void replay_command(const char *path, const struct schedule *sched,
                           char *dst, size_t len)
{
    char flags[128];
    schedule_flags(sched, flags, sizeof flags);
    schedule_env_prefix(sched, dst, len);
    strfmt(dst + strlen(dst), len - strlen(dst), "gorace run%s -O1 -Wall %s ",
           opt.release_reason ? " --release" : "", flags);
    shell_append(dst, len, path);
}

/* One run of the program, judged; on failure sets r's status, message
 * (after label) and output. Returns true if the run showed the declared
 * bug, which only a seeded run may do. */
static bool run_once(struct result *r, const struct expect *e, char **argv,
                     const struct schedule *sched, int procs, const char *label)
{
    char **env = run_env(sched, procs);
    int outfd = capture_fd(), errfd = capture_fd();
    bool timed_out, bug = false;
    int st = spawn_wait(argv, env, true, outfd, errfd, opt.timeout, &timed_out);
    env_free(env);
    if (st == -1) {
        r->status = ST_FAIL;
        strfmt(r->msg, sizeof r->msg, "cannot run %s: %s", argv[0],
               strerror(errno));
        close(outfd);
        close(errfd);
        return false;
    }
    keep_output(r, outfd, errfd);
    close(outfd);
    close(errfd);
    struct run run = {.status = st,
                      .timed_out = timed_out,
                      .timeout = opt.timeout,
                      .out = r->out,
                      .outlen = r->outlen,
                      .err = r->err,
                      .errlen = r->errlen};
    char msg[900];
    if (judge_run(e, &run, msg, sizeof msg) ||
        (sched->seeded && (bug = bug_shown(e, &run)))) {
        free(r->out);
        free(r->err);
        r->out = r->err = NULL;
        return bug;
    }
    r->status = ST_FAIL;
    r->timed_out = timed_out;
    if (e->has_bug) {
        char kind[64], name[64];
        run_kind(&run, kind, sizeof kind);
        bug_name(e, name, sizeof name);
        size_t n = strlen(msg);
        strfmt(msg + n, sizeof msg - n, " (declared bug: %s; this run: %s)",
               name, kind);
    }
    strfmt(r->msg, sizeof r->msg, "%s%s", label, msg);
    return false;
}

static void check_program(struct result *r)
{
    struct expect e;
    char err[1024];
    double start = now_seconds();
    if (!expect_parse(r->path, &e, err, sizeof err)) {
        r->status = ST_FAIL;
        strfmt(r->msg, sizeof r->msg, "header: %s", err);
        return;
    }
    bool release = opt.release_reason != NULL;
    if (release &&
        (e.outcome == OUT_RACE || e.outcome == OUT_LEAK || e.needs_detector)) {
        r->status = ST_SKIP;
        strfmt(r->msg, sizeof r->msg, "expects %s, needs the detector (%s)",
               outcome_name(e.outcome), opt.release_reason);
        expect_free(&e);
        return;
    }

    static char *const check_flags[] = {"-O1", "-Wall"};
    char exe[4400];
    int diag = capture_fd();
    char *srcs[] = {r->path};
    if (!cached_build(srcs, 1, check_flags, 2, release, diag, exe, sizeof exe,
                      err, sizeof err)) {
        r->status = ST_FAIL;
        keep_output(r, -1, diag);
        char line[300];
        first_line(diagnostic_line(r->err), line, sizeof line);
        strfmt(r->msg, sizeof r->msg, "build: %s%s%s", err, *line ? ": " : "",
               line);
        close(diag);
        expect_free(&e);
        return;
    }
    close(diag);

    char **argv = calloc(e.nargs + 2, sizeof *argv);
    argv[0] = exe;
    for (size_t i = 0; i < e.nargs; i++)
        argv[i + 1] = e.args[i];
    r->status = ST_PASS;
    size_t nfree = e.no_free_reason ? 0 : e.ngomaxprocs ? e.ngomaxprocs : 1;
    for (size_t n = 0; n < nfree * (size_t)opt.count && r->status == ST_PASS;
         n++) {
        size_t k = n % nfree;
        int procs = e.ngomaxprocs ? e.gomaxprocs[k] : 0;
        char label[64] = "";
        if (opt.count > 1)
            strfmt(label, sizeof label, "GOMAXPROCS=%d, run %zu: ", procs,
                   n / nfree + 1);
        else if (procs > 0 && nfree > 1)
            strfmt(label, sizeof label, "GOMAXPROCS=%d: ", procs);
        struct schedule free_running = {.options = e.gorace};
        run_once(r, &e, argv, &free_running, procs, label);
    }
    long cap = opt.full_seeds && e.seeds != 0 ? -1 : e.seeds;
    long nseeds = cap >= 0 && cap < opt.seeds ? cap : opt.seeds;
    if (e.seeds == 0 && opt.seeds > 0)
        r->seed_note = e.seeds_reason ? strdup(e.seeds_reason) : NULL;
    fixed_addresses(true);
    for (long k = 1; k <= nseeds && r->status == ST_PASS; k++) {
        unsigned long long seed = opt.seed_lo + (unsigned long long)k - 1;
        struct schedule sched = {
            .seeded = true, .seed = seed, .options = e.gorace};
        char label[64];
        strfmt(label, sizeof label, "seed %llu: ", seed);
        r->bug_seeds += run_once(r, &e, argv, &sched, 0, label);
        r->seeds_run++;
        if (r->status == ST_FAIL) {
            replay_command(r->path, &sched, r->replay, sizeof r->replay);
            r->seed_failed = true;
            r->fail_seed = seed;
            size_t n = strlen(r->msg);
            strfmt(r->msg + n, sizeof r->msg - n, "; replay: %s", r->replay);
        }
    }
    fixed_addresses(false);
    free(argv);
    r->secs = now_seconds() - start;
    expect_free(&e);
}

static void *worker(void *unused)
{
    (void)unused;
    for (;;) {
        pthread_mutex_lock(&mu);
        size_t i = next_job++;
        pthread_mutex_unlock(&mu);
        if (i >= nresults)
            return NULL;
        check_program(&results[i]);
        pthread_mutex_lock(&mu);
        results[i].done = true;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
    }
}

/* ---- the verb ---------------------------------------------------------- */

static struct check_meta meta;

static void select_programs(void)
{
    results = calloc(nfound + 1, sizeof *results);
    unsigned long long h = 0;
    for (size_t i = 0; i < nfound; i++) {
        if (opt.has_run && regexec(&opt.run_re, found[i], 0, NULL, 0) != 0)
            continue;
        results[nresults++].path = found[i];
        h = fnv1a(h, found[i], strlen(found[i]) + 1);
    }
    meta.corpus = h;
    meta.selected = nresults;
    /* Shard over the selected programs, so shards stay balanced under -run. */
    size_t k = 0;
    for (size_t i = 0; i < nresults; i++)
        if ((long)(i % opt.shard.total) == opt.shard.index)
            results[k++] = results[i];
    nresults = k;
}

/* --json-out FILE: the JSON document beside the text. */
static bool write_json_file(const char *file, double secs)
{
    FILE *f = fopen(file, "w");
    if (f == NULL) {
        errorf("check: %s: %s", file, strerror(errno));
        return false;
    }
    write_check_json(f, &meta, results, nresults, secs);
    bool ok = !ferror(f);
    if (fclose(f) != 0 || !ok) {
        errorf("check: writing %s failed", file);
        return false;
    }
    return true;
}

int cmd_check(int argc, char **argv)
{
    char **dirs;
    size_t ndirs;
    parse_opts(argc, argv, &dirs, &ndirs);

    if (opt.release)
        opt.release_reason = "--release";
    else if (!race_lib_built())
        opt.release_reason = "libgorace_race.a is not built";
    if (opt.release_reason && !opt.release && !opt.json)
        printf("note: the race runtime is not built; checking with the "
               "release runtime\n");

    for (size_t i = 0; i < ndirs; i++) {
        struct stat st;
        if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
            walk(dirs[i]);
        else
            add_found(dirs[i]);
    }
    qsort(found, nfound, sizeof *found, cmp_str);
    meta.runtime = opt.release_reason ? "release" : "race";
    meta.fallback = opt.release_reason && !opt.release;
    meta.shard = opt.shard;
    meta.seed_lo = opt.seed_lo;
    meta.seeds = opt.seeds;
    meta.count = opt.count;
    select_programs();

    double start = now_seconds();
    int nthreads = opt.jobs < (int)nresults ? opt.jobs : (int)nresults;
    pthread_t *th = calloc(nthreads + 1, sizeof *th);
    for (int i = 0; i < nthreads; i++)
        pthread_create(&th[i], NULL, worker, NULL);

    size_t fail = 0;
    for (size_t i = 0; i < nresults; i++) {
        pthread_mutex_lock(&mu);
        while (!results[i].done)
            pthread_cond_wait(&cv, &mu);
        pthread_mutex_unlock(&mu);
        fail += results[i].status == ST_FAIL;
        if (!opt.json)
            print_result(&results[i], opt.verbose);
    }
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    double secs = now_seconds() - start;

    size_t pass = 0, skip = 0;
    for (size_t i = 0; i < nresults; i++) {
        pass += results[i].status == ST_PASS;
        skip += results[i].status == ST_SKIP;
    }
    if (opt.json)
        write_check_json(stdout, &meta, results, nresults, secs);
    else
        print_totals(pass, fail, skip);
    fflush(stdout);
    bool ok =
        opt.junit == NULL || write_check_junit("check", opt.junit, meta.runtime,
                                               results, nresults, secs);
    if (opt.json_out && !write_json_file(opt.json_out, secs))
        ok = false;
    return fail || !ok ? 1 : 0;
}
