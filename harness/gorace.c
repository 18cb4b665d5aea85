/*
 * gorace.c: the gorace command.
 *
 *   gorace cc [--release] [cc flags] file.c... -o prog   compile and link
 *   gorace run [--release] [--seed N] [cc flags] file.c... [--] [args]
 *   gorace [--seed N [--pct=D]] ./prog [args]            run a built program
 *   gorace run|exec --replay FILE ...                     a stress replay
 *   gorace check [flags] [DIR...]                         run the corpus
 *   gorace stress [flags] ./prog|file.c [args]            many schedules
 *   gorace merge [flags] shard.json...                    shards' results
 *   gorace help | version
 *
 * cc passes everything it does not know to $CC. run builds into the cache and
 * then execs the program, so arguments, stdin, signals and the exit status
 * are the program's own. With --seed, the program runs under that seeded
 * schedule (GORACE=seed=N) with address randomisation off, so a run that
 * failed under stress or check replays byte for byte. With --replay FILE
 * it follows the schedule file gorace stress wrote (replay.c), once the
 * file's header shows it was recorded for this source or binary.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef GORACE_VERSION
#define GORACE_VERSION "dev"
#endif

static const char usage_main[] =
    "gorace: Go's concurrency model for C, with a race detector.\n"
    "\n"
    "Usage:\n"
    "  gorace cc [--release] [cc flags] file.c... [-o prog]\n"
    "                      compile and link against the gorace runtime\n"
    "  gorace run [--release] [--seed N [--pct=D] | --replay FILE] [cc flags]\n"
    "             file.c... [--] [args]\n"
    "                      build (cached) and run a program\n"
    "  gorace [--seed N [--pct=D] | --replay FILE] ./prog [args]\n"
    "                      run a built program (under a seeded schedule, or\n"
    "                      a replay file from 'gorace stress')\n"
    "  gorace check [flags] [DIR...]\n"
    "                      build and run the corpus programs, compare with\n"
    "                      their expectations (default DIR: corpus)\n"
    "  gorace stress [flags] ./prog|file.c [args]\n"
    "                      run a program under many schedules until one "
    "fails\n"
    "  gorace merge [flags] FILE...\n"
    "                      one report from the JSON results of the shards\n"
    "                      of a sharded check or stress run\n"
    "  gorace help         this text\n"
    "  gorace version      the version and the runtime libraries in use\n"
    "\n"
    "'gorace VERB --help' describes a verb ('gorace help exec': ./prog).\n"
    "\n"
    "Environment: CC (default cc); XDG_CACHE_HOME (cache directory);\n"
    "GORACE_INCLUDE, GORACE_LIB, GORACE_RACE_LIB override the header\n"
    "directory and the release and race runtime libraries.\n";

static const char usage_cc[] =
    "usage: gorace cc [--release] [--engine=gorace] [cc flags] file.c... "
    "[-o prog]\n"
    "\n"
    "Compiles and links with $CC (default cc) against the gorace runtime.\n"
    "The default is the race build: sources are compiled with\n"
    "-fsanitize=thread -g and linked against libgorace_race.a.\n"
    "  --release        link the release runtime (libgorace.a), no detector\n"
    "  --engine=gorace  the native detector (the only engine gorace builds\n"
    "                   with; the TSan engine is an oracle for the corpus,\n"
    "                   linked by corpus/race/verify_tsan.sh)\n"
    "Other flags go to the compiler; -c, -S and -E compile without linking.\n";

static const char usage_run[] =
    "usage: gorace run [--release] [--seed N [--pct=D [--pct-steps=K]]]\n"
    "                  [--replay FILE] [--timeout D] [cc flags] file.c...\n"
    "                  [--] [args]\n"
    "\n"
    "Builds the program into the cache ($XDG_CACHE_HOME/gorace or\n"
    "~/.cache/gorace, keyed by the sources, flags and runtime; binaries\n"
    "unused for five days are removed) and runs it.\n"
    "Arguments after the sources (or after --) go to the program; stdin,\n"
    "stdout, stderr and the exit status are the program's.\n"
    "  --seed N       run under the seeded schedule N: one thread, every\n"
    "                 scheduling choice from a PRNG seeded by N, virtual\n"
    "                 time; address randomisation off, so a run replays\n"
    "                 byte for byte (GORACE=\"seed=N\" without gorace replays\n"
    "                 the interleaving, but not the addresses)\n"
    "  --pct=D        PCT of depth D instead of a random walk\n"
    "  --pct-steps=K  PCT's change points fall in the first K steps "
    "(10000)\n"
    "  --replay FILE  replay a schedule 'gorace stress' wrote (its shrunk\n"
    "                 failing schedule): the same decisions, the file's\n"
    "                 GORACE options, runtime and (if none are given)\n"
    "                 arguments, addresses fixed; the file must be for\n"
    "                 this source, which may be left out\n"
    "  --timeout D    stop the program after D (500ms, 60s, 2m): it is\n"
    "                 sent SIGQUIT and prints every goroutine's stack, as\n"
    "                 'go test -timeout' does; exit status 2\n";

static const char usage_exec[] =
    "usage: gorace [--seed N [--pct=D [--pct-steps=K]] | --replay FILE]\n"
    "              ./prog [args]\n"
    "\n"
    "Runs a program built by 'gorace cc', forwarding arguments, stdin and\n"
    "the exit status. --seed, --pct, --pct-steps and --replay are run's\n"
    "(see 'gorace run --help'; --replay FILE must be for this binary); a\n"
    "seed already in GORACE also turns address randomisation off.\n";

static bool is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 ||
           strcmp(a, "-help") == 0;
}

static bool is_source(const char *a)
{
    static const char *const exts[] = {".c", ".cc", ".cpp", ".cxx", ".S", ".s"};
    if (a[0] == '-')
        return false;
    const char *dot = strrchr(a, '.');
    if (dot == NULL)
        return false;
    for (size_t i = 0; i < sizeof exts / sizeof *exts; i++)
        if (strcmp(dot, exts[i]) == 0)
            return true;
    return false;
}

/* Compiler flags whose value is the next argument. */
static bool takes_value(const char *a)
{
    static const char *const f[] = {
        "-I",         "-D",       "-U",       "-include", "-isystem", "-iquote",
        "-idirafter", "-x",       "-MF",      "-MT",      "-MQ",      "-L",
        "-l",         "-Xlinker", "-imacros", "-o"};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        if (strcmp(a, f[i]) == 0)
            return true;
    return false;
}

/* gorace's own flags, shared by cc and run. Returns true if a was one. */
static bool gorace_flag(const char *verb, const char *a, bool *release)
{
    if (strcmp(a, "--release") == 0) {
        *release = true;
        return true;
    }
    if (strncmp(a, "--engine=", 9) == 0) {
        if (strcmp(a + 9, "tsan") == 0)
            usage_fail("%s: --engine=tsan: the TSan engine is the native "
                       "detector's oracle, not a gorace build (link it as "
                       "corpus/race/verify_tsan.sh does)",
                       verb);
        if (strcmp(a + 9, "gorace") != 0)
            usage_fail("%s: unknown engine \"%s\" (want gorace or tsan)", verb,
                       a + 9);
        return true;
    }
    return false;
}

static void check_source_exists(const char *src)
{
    struct stat st;
    if (stat(src, &st) != 0)
        usage_fail("%s: %s", src, strerror(errno));
    if (!S_ISREG(st.st_mode))
        usage_fail("%s: not a regular file", src);
}

static int cmd_cc(int argc, char **argv)
{
    bool release = false, compile_only = false;
    const char *out = "a.out";
    char **srcs = calloc(argc + 1, sizeof *srcs);
    char **flags = calloc(argc + 1, sizeof *flags);
    size_t nsrcs = 0, nflags = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (is_help(a)) {
            fputs(usage_cc, stdout);
            return 0;
        }
        if (gorace_flag("cc", a, &release))
            continue;
        struct schedule unused = {0};
        if (schedule_flag("cc", argc, argv, &i, &unused))
            usage_fail("cc: %s applies to running (gorace run, gorace ./prog)",
                       a);
        if (strncmp(a, "--", 2) == 0 && strchr(a, '=') == NULL &&
            strcmp(a, "--verbose") != 0)
            usage_fail("cc: unknown flag %s", a);
        if (strcmp(a, "-o") == 0) {
            if (i + 1 == argc)
                usage_fail("cc: -o needs a file name");
            out = argv[++i];
            continue;
        }
        if (strncmp(a, "-o", 2) == 0) {
            out = a + 2;
            continue;
        }
        if (strcmp(a, "-c") == 0 || strcmp(a, "-S") == 0 ||
            strcmp(a, "-E") == 0)
            compile_only = true;
        if (is_source(a)) {
            check_source_exists(a);
            srcs[nsrcs++] = argv[i];
            continue;
        }
        flags[nflags++] = argv[i];
        if (takes_value(a) && i + 1 < argc)
            flags[nflags++] = argv[++i];
    }
    if (nsrcs == 0)
        usage_fail("cc: no source files (try 'gorace cc --help')");

    char err[4400];
    if (compile_only) {
        /* No link, so no runtime library: just the right flags. */
        const char *cc = getenv("CC");
        char inc[4200];
        strfmt(inc, sizeof inc, "-I%s", rt_paths()->include_dir);
        char **v = calloc(nsrcs + nflags + 8, sizeof *v);
        size_t n = 0;
        v[n++] = (char *)(cc && *cc ? cc : "cc");
        if (!release)
            v[n++] = "-fsanitize=thread";
        v[n++] = "-g";
        v[n++] = inc;
        for (size_t i = 0; i < nflags; i++)
            v[n++] = flags[i];
        for (size_t i = 0; i < nsrcs; i++)
            v[n++] = srcs[i];
        if (strcmp(out, "a.out") != 0) {
            v[n++] = "-o";
            v[n++] = (char *)out;
        }
        int st = spawn_wait(v, NULL, false, -1, -1, 0, NULL);
        if (st == -1)
            usage_fail("cc: cannot run %s: %s", v[0], strerror(errno));
        return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
    }
    if (!build_program(srcs, nsrcs, flags, nflags, release, out, -1, err,
                       sizeof err)) {
        errorf("cc: %s", err);
        return strstr(err, "not built yet") || strstr(err, "not found")
                   ? EXIT_USAGE
                   : 1;
    }
    return 0;
}

/* A program that cannot be started; C source gets a pointer to `run`. */
__attribute__((noreturn)) static void exec_fail(const char *path)
{
    int err = errno;
    size_t n = strlen(path);
    if ((err == EACCES || err == ENOEXEC) && n > 2 &&
        strcmp(path + n - 2, ".c") == 0)
        usage_fail("%s: %s (C source: 'gorace run %s' builds and runs it)",
                   path, strerror(err), path);
    usage_fail("%s: %s", path, strerror(err));
}

/* Runs the program under a deadline (gorace run --timeout): past it, the
 * program prints its goroutine dump (spawn_wait's SIGQUIT) and is stopped. */
static int run_with_timeout(const char *path, char **args, double timeout)
{
    size_t n = 0;
    while (args[n])
        n++;
    char **v = calloc(n + 1, sizeof *v);
    v[0] = (char *)path;
    for (size_t i = 1; i < n; i++)
        v[i] = args[i];
    bool timed_out;
    int st = spawn_wait(v, NULL, false, -1, -1, timeout, &timed_out);
    free(v);
    if (st == -1)
        exec_fail(path);
    if (timed_out) {
        errorf("run: %s timed out after %gs", args[0], timeout);
        return 2;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* --replay FILE: its header, checked; a bad file is a usage error. */
static void read_replay(const char *verb, const char *file,
                        struct replay_header *h)
{
    char err[1200];
    if (!replay_read_header(file, h, err, sizeof err))
        usage_fail("%s: --replay %s: %s", verb, file, err);
}

/* GORACE for the replay: the recorded options and schedule_in. path is
 * the source (source) or the built program the file must be for. Without
 * arguments of its own the program gets the recorded ones. */
static void replay_env(const struct schedule *sched, const char *path,
                       bool source, char ***args)
{
    struct replay_header h;
    char err[9000], abs[4096], *g;
    const char *verb = source ? "run" : "gorace";
    read_replay(verb, sched->replay, &h);
    if (!replay_matches(&h, path, source, err, sizeof err))
        usage_fail("%s: --replay %s: %s", verb, sched->replay, err);
    if (!realpath(sched->replay, abs))
        usage_fail("%s: --replay %s: %s", verb, sched->replay, strerror(errno));
    if (asprintf(&g, "%s%sschedule_in=%s", h.gorace, *h.gorace ? " " : "",
                 abs) < 0)
        exit(1);
    setenv("GORACE", g, 1);
    free(g);
    if ((*args)[1] || !h.nargs)
        return;
    char **v = calloc(h.nargs + 2, sizeof *v);
    v[0] = (*args)[0];
    memcpy(v + 1, h.args, h.nargs * sizeof *v);
    *args = v;
}

static int exec_program(const char *path, char **args,
                        const struct schedule *sched, double timeout,
                        const char *source)
{
    if (sched->replay) {
        replay_env(sched, source ? source : path, source != NULL, &args);
        fixed_addresses(true);
    }
    if (sched->seeded) {
        char *g = schedule_gorace(sched);
        setenv("GORACE", g, 1);
        free(g);
    }
    if (sched->seeded || env_has_seed())
        fixed_addresses(true);
    if (timeout > 0)
        return run_with_timeout(path, args, timeout);
    execv(path, args);
    exec_fail(path);
}

/* run --replay FILE: the file's source when none is given, and its
 * runtime. */
static void replay_source(const char *file, char **srcs, size_t *nsrcs,
                          bool *release)
{
    struct replay_header h;
    read_replay("run", file, &h);
    if (strcmp(h.runtime, "release") == 0)
        *release = true;
    if (*nsrcs > 0)
        return;
    if (!h.source_hash[0])
        usage_fail("run: --replay %s: it was recorded for the built program "
                   "%s; replay it with 'gorace --replay %s %s'",
                   file, h.program, file, h.program);
    check_source_exists(h.program);
    srcs[(*nsrcs)++] = strdup(h.program);
}

static int cmd_run(int argc, char **argv, struct schedule *sched)
{
    bool release = false;
    double timeout = 0;
    char **srcs = calloc(argc + 1, sizeof *srcs);
    char **flags = calloc(argc + 1, sizeof *flags);
    size_t nsrcs = 0, nflags = 0;
    int i = 0;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (nsrcs > 0 && !is_source(a))
            break; /* the program's arguments start here */
        if (is_help(a)) {
            fputs(usage_run, stdout);
            return 0;
        }
        if (gorace_flag("run", a, &release) ||
            schedule_flag("run", argc, argv, &i, sched))
            continue;
        if (strcmp(a, "--timeout") == 0 || strncmp(a, "--timeout=", 10) == 0) {
            if (!a[9] && i + 1 == argc)
                usage_fail("run: --timeout needs a duration");
            timeout =
                parse_duration("run: --timeout", a[9] ? a + 10 : argv[++i]);
            if (timeout <= 0)
                usage_fail("run: --timeout must be positive");
            continue;
        }
        if (strncmp(a, "--", 2) == 0)
            usage_fail("run: unknown flag %s", a);
        if (strncmp(a, "-o", 2) == 0)
            usage_fail("run: -o is not allowed (use 'gorace cc')");
        if (is_source(a)) {
            check_source_exists(a);
            srcs[nsrcs++] = argv[i];
            continue;
        }
        flags[nflags++] = argv[i];
        if (takes_value(a) && i + 1 < argc)
            flags[nflags++] = argv[++i];
    }
    schedule_validate("run", sched);
    if (sched->replay)
        replay_source(sched->replay, srcs, &nsrcs, &release);
    if (nsrcs == 0)
        usage_fail("run: no source files (try 'gorace run --help')");

    char exe[4400], err[4400];
    if (!cached_build(srcs, nsrcs, flags, nflags, release, -1, exe, sizeof exe,
                      err, sizeof err)) {
        errorf("run: %s", err);
        return strstr(err, "not built yet") || strstr(err, "not found")
                   ? EXIT_USAGE
                   : 1;
    }
    char **args = calloc(argc - i + 2, sizeof *args);
    args[0] = srcs[0];
    for (int j = i; j < argc; j++)
        args[1 + j - i] = argv[j];
    return exec_program(exe, args, sched, timeout,
                        sched->replay ? srcs[0] : NULL);
}

/* gorace --seed N file.c: say what would work. */
__attribute__((noreturn)) static void source_not_program(char **argv, int v)
{
    char flags[1024] = "";
    for (int i = 1; i < v; i++)
        strfmt(flags + strlen(flags), sizeof flags - strlen(flags), "%s ",
               argv[i]);
    usage_fail("%s runs a built program, not a source file; build and run "
               "%s with 'gorace run %s%s'",
               argv[1], argv[v], flags, argv[v]);
}

static int cmd_version(void)
{
    const struct rtpaths *p = rt_paths();
    printf("gorace version %s\n", GORACE_VERSION);
    printf("layout: %s\n", p->from_build_tree ? "build tree" : "installed");
    printf("include: %s\n", p->include_dir);
    printf("release runtime: %s%s\n", p->release_lib,
           access(p->release_lib, R_OK) == 0 ? "" : " (not built)");
    printf("race runtime: %s%s\n", p->race_lib,
           race_lib_built() ? "" : " (not built)");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    /* Schedule flags may come first: gorace --seed 7 ./prog. */
    struct schedule sched = {0};
    int v = 1;
    while (v < argc && schedule_flag("gorace", argc, argv, &v, &sched))
        v++;
    if (v > 1) {
        if (v == argc)
            usage_fail("%s needs a program: gorace %s ./prog", argv[1],
                       argv[1]);
        if (strcmp(argv[v], "run") == 0)
            return cmd_run(argc - v - 1, argv + v + 1, &sched);
        if (is_source(argv[v]))
            source_not_program(argv, v);
        if (strchr(argv[v], '/') == NULL)
            usage_fail("%s applies to run and ./prog, not \"%s\"", argv[1],
                       argv[v]);
        schedule_validate("gorace", &sched);
        return exec_program(argv[v], argv + v, &sched, 0, NULL);
    }
    const char *verb = argv[1];
    if (strcmp(verb, "help") == 0 || is_help(verb)) {
        if (argc > 2 && strcmp(argv[2], "cc") == 0)
            fputs(usage_cc, stdout);
        else if (argc > 2 && strcmp(argv[2], "run") == 0)
            fputs(usage_run, stdout);
        else if (argc > 2 && strcmp(argv[2], "exec") == 0)
            fputs(usage_exec, stdout);
        else if (argc > 2 && strcmp(argv[2], "check") == 0)
            return cmd_check(1, (char *[]){"--help", NULL});
        else if (argc > 2 && strcmp(argv[2], "stress") == 0)
            return cmd_stress(1, (char *[]){"--help", NULL});
        else if (argc > 2 && strcmp(argv[2], "merge") == 0)
            return cmd_merge(1, (char *[]){"--help", NULL});
        else if (argc > 2)
            usage_fail("help: unknown command \"%s\" (run 'gorace help')",
                       argv[2]);
        else
            fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(verb, "version") == 0 || strcmp(verb, "--version") == 0) {
        if (argc > 2 && !is_help(argv[2]))
            usage_fail("version: unexpected argument %s", argv[2]);
        if (argc > 2) {
            puts("usage: gorace version");
            return 0;
        }
        return cmd_version();
    }
    if (strcmp(verb, "cc") == 0)
        return cmd_cc(argc - 2, argv + 2);
    if (strcmp(verb, "run") == 0)
        return cmd_run(argc - 2, argv + 2, &sched);
    if (strcmp(verb, "check") == 0)
        return cmd_check(argc - 2, argv + 2);
    if (strcmp(verb, "stress") == 0)
        return cmd_stress(argc - 2, argv + 2);
    if (strcmp(verb, "merge") == 0)
        return cmd_merge(argc - 2, argv + 2);
    if (strchr(verb, '/') != NULL)
        return exec_program(verb, argv + 1, &sched, 0, NULL);
    usage_fail("unknown command \"%s\" (run 'gorace help'; a program in this "
               "directory is ./%s)",
               verb, verb);
}
