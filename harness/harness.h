/*
 * harness.h: shared pieces of the gorace command.
 *
 * build.c knows where the runtime lives and how to compile a program against
 * it (directly, or through the build cache); spawn.c runs a child with
 * captured output and a deadline; check.c is the corpus runner, stress.c
 * runs one program under many schedules; shard.c says which shard of a
 * sharded run this is, and merge.c combines the shards' JSON results
 * (json.c reads them; report.c prints check's reports for both).
 */
#ifndef GORACE_HARNESS_H
#define GORACE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define EXIT_USAGE 2

/* Where the headers and libraries are (build tree or install prefix). */
struct rtpaths {
    char include_dir[4096];
    char release_lib[4096];
    char race_lib[4096];
    char deadlock_lib[4096]; /* the instrumented build's other detector */
    char instr_lib[4096];    /* the instrumented runtime under both */
    bool from_build_tree;
};
const struct rtpaths *rt_paths(void);
bool race_lib_built(void);

/* snprintf for paths and messages, where a cut at len is acceptable. */
void strfmt(char *dst, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Monotonic seconds. */
double now_seconds(void);
/* "60s", "500ms", "2m" or plain seconds, > 0; else a usage error naming
 * what (e.g. "check: --timeout"). */
double parse_duration(const char *what, const char *s);

/* One line on stderr, prefixed with "gorace: ". */
void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: one line, then exit 2. */
void usage_fail(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/* Runs argv with envp (NULL: inherit). out_fd/err_fd of -1 inherit ours;
 * stdin is /dev/null when null_stdin. The child gets its own process group,
 * killed with SIGKILL after timeout seconds (<= 0: none). Returns the wait
 * status, or -1 if it could not start (reason in errno). */
int spawn_wait(char *const argv[], char *const envp[], bool null_stdin,
               int out_fd, int err_fd, double timeout, bool *timed_out);

/* An anonymous in-memory file for captured output, and its contents. */
int capture_fd(void);
char *capture_read(int fd, size_t max, size_t *len);

/* Compiles and links sources (plus extra cc arguments) into out. The race
 * build needs race_lib_built(). Compiler diagnostics go to diag_fd (-1:
 * stderr). Returns true on success; on failure, a one-line reason in err. */
bool build_program(char *const srcs[], size_t nsrcs, char *const flags[],
                   size_t nflags, bool release, const char *out, int diag_fd,
                   char *err, size_t errlen);

/* build_program into the cache, keyed by the sources, flags, mode, compiler
 * and runtime. Writes the binary's path into exe. */
bool cached_build(char *const srcs[], size_t nsrcs, char *const flags[],
                  size_t nflags, bool release, int diag_fd, char *exe,
                  size_t exelen, char *err, size_t errlen);

/* ---- seeded schedules (schedule.c) ------------------------------------ */

/* What GORACE's seed, pct and pct_steps options ask of rt/explore.c. */
struct schedule {
    bool seeded;
    unsigned long long seed;
    int pct;                      /* 0: random walk; else PCT of this depth */
    unsigned long long pct_steps; /* 0: the runtime's default */
    const char *options;          /* more GORACE options (a header's) */
    const char *replay;           /* --replay FILE: a replay file */
};

/* If argv[*i] is --seed, --pct, --pct-steps or --replay (one or two
 * dashes, value after '=' or as the next argument), stores it, steps *i
 * past the value and returns true. A bad value is a usage error naming
 * verb. */
bool schedule_flag(const char *verb, int argc, char **argv, int *i,
                   struct schedule *s);
/* --pct and --pct-steps need --seed; --replay takes neither. */
void schedule_validate(const char *verb, const struct schedule *s);
/* "random walk", "PCT d=3". */
void schedule_name(const struct schedule *s, char *dst, size_t len);
/* The flags that ask for s again: "--seed 7 --pct=3". */
void schedule_flags(const struct schedule *s, char *dst, size_t len);
/* A replay command's prefix for s's header options, quoted for the
 * shell: "GORACE=step_ns=1000 "; empty without options. gorace run and
 * gorace ./prog read no header, so a replay must name them. */
void schedule_env_prefix(const struct schedule *s, char *dst, size_t len);
/* The GORACE value for a run under s: the inherited GORACE minus its
 * schedule options (seed, pct, pct_steps, schedule_in, schedule_out;
 * detector options stay), then s's. */
char *schedule_gorace(const struct schedule *s);
/* Does the inherited GORACE ask for a seed? */
bool env_has_seed(void);

/* environ with GOMAXPROCS=procs (when procs > 0) and, unless s is NULL,
 * GORACE edited for s: an unseeded s strips an inherited seed, so the run
 * is free-running. env_free releases it. */
char **run_env(const struct schedule *s, int procs);
void env_free(char **env);

/* Turns address-space randomisation off (on: true) or back on for this
 * thread's future children: personality is per thread and survives exec.
 * A seeded run so puts its heap and stacks at the same addresses every
 * time, and reports that print addresses repeat byte for byte. Returns
 * false if the kernel refused. */
bool fixed_addresses(bool on);

/* Appends s to dst (of size len), quoted for sh if it needs it. */
void shell_append(char *dst, size_t len, const char *s);

/* ---- schedule files, replay files, shrinking (replay.c) ---------------- */

/* A schedule file's decisions (rt/schedfile.h): the p/s/c/r lines in file
 * order, the b lines (call-point spacings), and the run's size from its
 * "# end:" line. */
struct decisions {
    char **lines;
    size_t n;
    char **budgets;
    size_t nb;
    unsigned long long steps, switches;
};
/* False with a one-line reason in err on an unreadable or bad file. */
bool decisions_read(const char *path, struct decisions *d, char *err,
                    size_t errlen);
void decisions_free(struct decisions *d);
/* The magic line, header (comment lines, each ending in a newline; may be
 * NULL), then d. */
bool decisions_write(const char *path, const char *header,
                     const struct decisions *d);
/* "12 decisions (3 preemptions, ...); 40 steps, 9 context switches" */
void decisions_size(const struct decisions *d, char *dst, size_t len);

/* Runs the program under the schedule file in, recording to out; true if
 * it failed the same way as the run being shrunk. */
typedef bool (*shrink_test)(const char *in, const char *out, void *arg);
struct shrink_budget {
    long runs;
    double seconds;
};
/* Shrinks d (a recording made under schedule_in, so it replays exactly) in
 * place, using dir for its files; returns the runs made. */
long shrink(struct decisions *d, shrink_test test, void *arg,
            const struct shrink_budget *budget, const char *dir);

/* FNV-1a of a file's bytes (0 if unreadable). */
unsigned long long file_hash(const char *path);

/* A replay file's header (gorace stress writes it). */
struct replay_header {
    char program[4096];
    char source_hash[32], binary_hash[32]; /* %016llx, or "" */
    char runtime[16];                      /* "race" or "release" */
    char gorace[4096];                     /* GORACE without schedule keys */
    char failure[1200];
    char **args; /* the program's arguments ("# arg:" lines) */
    size_t nargs;
};
/* Reads and checks the whole file; false with a reason in err. */
bool replay_read_header(const char *path, struct replay_header *h, char *err,
                        size_t errlen);
/* Is path (a source if source, else a built program) the file h was
 * recorded for? If not, a reason in err. */
bool replay_matches(const struct replay_header *h, const char *path,
                    bool source, char *err, size_t errlen);

/* ---- shards (shard.c) -------------------------------------------------- */

#define SHARDS_MAX 1000000L

/* The shard index of n (0-based, n <= SHARDS_MAX) and where it came
 * from. */
struct shard {
    long index, total;
    bool given;       /* by --shard */
    char source[400]; /* "Slurm (SLURM_ARRAY_TASK_ID=1 ...)", or "" */
};
/* --shard i/n; a bad value is a usage error naming verb. */
void shard_parse(const char *verb, const char *v, struct shard *s);
/* Without --shard, the cluster engines' variables (Bazel, Slurm, Kubernetes
 * with shards from --shards or GORACE_TOTAL_SHARDS, GitLab); prints the
 * choice on stderr. shards: --shards N, 0 if not given. Touches Bazel's
 * TEST_SHARD_STATUS_FILE. Inconsistent values are usage errors. */
void shard_resolve(const char *verb, struct shard *s, long shards);
/* FNV-1a over n bytes, continuing from h (0: start). */
unsigned long long fnv1a(unsigned long long h, const void *p, size_t n);

int cmd_check(int argc, char **argv);
int cmd_stress(int argc, char **argv);
int cmd_merge(int argc, char **argv);

#endif
