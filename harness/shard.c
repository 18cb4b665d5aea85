/*
 * shard.c: which shard of a sharded run this process is.
 *
 * --shard i/n (0-based) says it outright. Without it, the cluster engines'
 * own variables say it, first match wins:
 *
 *   Bazel       TEST_SHARD_INDEX (0-based), TEST_TOTAL_SHARDS; the process
 *               also touches TEST_SHARD_STATUS_FILE to say it shards
 *   Slurm       SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN (0 if unset),
 *               of SLURM_ARRAY_TASK_COUNT, else MAX - MIN + 1
 *   Kubernetes  JOB_COMPLETION_INDEX (0-based, an Indexed Job's), of
 *               --shards N or GORACE_TOTAL_SHARDS (the Job's completions:
 *               Kubernetes does not pass the count to the pod)
 *   GitLab      CI_NODE_INDEX (1-based!) of CI_NODE_TOTAL (`parallel: N`)
 *
 * A variable that is set but malformed, an index past the total, or a Slurm
 * array with a step or holes is a usage error naming the variable: running
 * the wrong slice of the work silently would lose it. The choice is printed
 * on stderr ("gorace: check: shard 1/4 from Slurm (...)") and kept in the
 * JSON result, so a merged report can say where each part came from.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* An environment variable's integer, >= lo; else a usage error. */
static long env_long(const char *verb, const char *name, const char *v, long lo)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || n < lo)
        usage_fail("%s: %s=\"%s\": want an integer >= %ld", verb, name, v, lo);
    return n;
}

void shard_parse(const char *verb, const char *v, struct shard *s)
{
    char *end;
    errno = 0;
    long i = strtol(v, &end, 10), n = 0;
    if (errno == 0 && end != v && *end == '/') {
        const char *ns = end + 1;
        n = strtol(ns, &end, 10);
        if (end == ns || *end != '\0')
            n = 0;
    }
    if (n < 1 || i < 0 || i >= n || n > SHARDS_MAX)
        usage_fail("%s: bad --shard \"%s\" (want i/n, 0 <= i < n <= %ld)", verb,
                   v, SHARDS_MAX);
    s->index = i;
    s->total = n;
    s->given = true;
    strfmt(s->source, sizeof s->source, "--shard %ld/%ld", i, n);
}

static void set_from(const char *verb, struct shard *s, long i, long n,
                     const char *engine, const char *detail)
{
    if (i >= n)
        usage_fail("%s: %s gives shard index %ld of %ld shards (%s)", verb,
                   engine, i, n, detail);
    if (n > SHARDS_MAX)
        usage_fail("%s: %s gives %ld shards, more than %ld (%s)", verb, engine,
                   n, SHARDS_MAX, detail);
    s->index = i;
    s->total = n;
    strfmt(s->source, sizeof s->source, "%s (%s)", engine, detail);
}

static bool from_bazel(const char *verb, struct shard *s)
{
    const char *i = env("TEST_SHARD_INDEX"), *n = env("TEST_TOTAL_SHARDS");
    if (!i || !n)
        return false;
    char d[200];
    strfmt(d, sizeof d, "TEST_SHARD_INDEX=%s TEST_TOTAL_SHARDS=%s", i, n);
    set_from(verb, s, env_long(verb, "TEST_SHARD_INDEX", i, 0),
             env_long(verb, "TEST_TOTAL_SHARDS", n, 1), "Bazel", d);
    return true;
}

static bool from_slurm(const char *verb, struct shard *s)
{
    const char *id = env("SLURM_ARRAY_TASK_ID");
    if (!id)
        return false;
    const char *cnt = env("SLURM_ARRAY_TASK_COUNT"),
               *min = env("SLURM_ARRAY_TASK_MIN"),
               *max = env("SLURM_ARRAY_TASK_MAX"),
               *step = env("SLURM_ARRAY_TASK_STEP");
    long lo = min ? env_long(verb, "SLURM_ARRAY_TASK_MIN", min, 0) : 0;
    long task = env_long(verb, "SLURM_ARRAY_TASK_ID", id, lo);
    if (step && env_long(verb, "SLURM_ARRAY_TASK_STEP", step, 1) != 1)
        usage_fail("%s: Slurm array with a step (SLURM_ARRAY_TASK_STEP=%s): "
                   "submit a plain range, e.g. sbatch --array=0-3",
                   verb, step);
    long n;
    if (cnt) {
        n = env_long(verb, "SLURM_ARRAY_TASK_COUNT", cnt, 1);
        if (max &&
            env_long(verb, "SLURM_ARRAY_TASK_MAX", max, lo) - lo + 1 != n)
            usage_fail("%s: Slurm array with holes (SLURM_ARRAY_TASK_MIN=%ld "
                       "SLURM_ARRAY_TASK_MAX=%s SLURM_ARRAY_TASK_COUNT=%ld): "
                       "submit a plain range, e.g. sbatch --array=0-3",
                       verb, lo, max, n);
    } else if (max) {
        n = env_long(verb, "SLURM_ARRAY_TASK_MAX", max, lo) - lo + 1;
    } else {
        usage_fail("%s: SLURM_ARRAY_TASK_ID is set but neither "
                   "SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX: how many "
                   "shards? (or give --shard i/n)",
                   verb);
    }
    char d[300];
    strfmt(d, sizeof d, "SLURM_ARRAY_TASK_ID=%s of %ld tasks from %ld", id, n,
           lo);
    set_from(verb, s, task - lo, n, "Slurm", d);
    return true;
}

static bool from_kubernetes(const char *verb, struct shard *s, long shards)
{
    const char *i = env("JOB_COMPLETION_INDEX");
    if (!i)
        return false;
    const char *n = env("GORACE_TOTAL_SHARDS");
    if (shards == 0 && !n)
        usage_fail("%s: JOB_COMPLETION_INDEX=%s (a Kubernetes Indexed Job) "
                   "needs the number of shards: --shards N or "
                   "GORACE_TOTAL_SHARDS=N (the Job's completions)",
                   verb, i);
    long total = shards ? shards : env_long(verb, "GORACE_TOTAL_SHARDS", n, 1);
    char d[200];
    strfmt(d, sizeof d, "JOB_COMPLETION_INDEX=%s, %s=%ld", i,
           shards ? "--shards" : "GORACE_TOTAL_SHARDS", total);
    set_from(verb, s, env_long(verb, "JOB_COMPLETION_INDEX", i, 0), total,
             "Kubernetes", d);
    return true;
}

static bool from_gitlab(const char *verb, struct shard *s)
{
    /* GitLab sets CI_NODE_TOTAL=1 in every job, CI_NODE_INDEX only in a
     * `parallel:` one. */
    const char *i = env("CI_NODE_INDEX"), *n = env("CI_NODE_TOTAL");
    if (!i)
        return false;
    if (!n)
        usage_fail("%s: CI_NODE_INDEX=%s without CI_NODE_TOTAL", verb, i);
    char d[200];
    strfmt(d, sizeof d, "CI_NODE_INDEX=%s CI_NODE_TOTAL=%s, 1-based", i, n);
    set_from(verb, s, env_long(verb, "CI_NODE_INDEX", i, 1) - 1,
             env_long(verb, "CI_NODE_TOTAL", n, 1), "GitLab", d);
    return true;
}

void shard_resolve(const char *verb, struct shard *s, long shards)
{
    /* Bazel asks a test that shards to say so, whatever decided it. */
    const char *status = env("TEST_SHARD_STATUS_FILE");
    if (status) {
        int fd = open(status, O_WRONLY | O_CREAT, 0644);
        if (fd >= 0)
            close(fd);
    }
    if (s->given) {
        if (shards && shards != s->total)
            usage_fail("%s: --shards %ld disagrees with --shard %ld/%ld", verb,
                       shards, s->index, s->total);
        return;
    }
    s->index = 0;
    s->total = 1;
    s->source[0] = '\0';
    if (!from_bazel(verb, s) && !from_slurm(verb, s) &&
        !from_kubernetes(verb, s, shards) && !from_gitlab(verb, s)) {
        if (shards > 1)
            usage_fail("%s: --shards %ld, but no shard index (--shard i/n, or "
                       "an engine's variable: see '%s --help')",
                       verb, shards, verb);
        return;
    }
    if (shards && shards != s->total)
        usage_fail("%s: --shards %ld disagrees with %s", verb, shards,
                   s->source);
    fprintf(stderr, "gorace: %s: shard %ld/%ld from %s\n", verb, s->index,
            s->total, s->source);
}

unsigned long long fnv1a(unsigned long long h, const void *p, size_t n)
{
    const unsigned char *b = p;
    if (h == 0)
        h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}
