/*
 * merge.c: gorace merge, the shards' results as one report.
 *
 *   gorace merge [--junit FILE] [--json] [-v] shard.json...
 *
 * Each file is what one shard of `gorace check` or `gorace stress` wrote
 * with --json or --json-out. The files must be one run's shards: the same
 * kind, the same shard count n, and (check) the same selected corpus,
 * runtime, seeds and -count, or (stress) the same program and arguments,
 * schedule, runtime, runs and seed range; and together they must be shards
 * 0..n-1, each exactly once. Anything else is an error naming the files
 * (exit 2): a report that silently lacks a shard would pass what was never
 * run.
 *
 * check: the programs of all shards, in path order (the order of an
 * unsharded run), one line each as check prints them, and the same last
 * line, "N passed, M failed, K skipped". stress: the failing runs in run
 * order with their replay commands, and the last line the unsharded run
 * would print: its first failing run is the smallest of the shards' (each
 * shard stops at its own first), and -keep-going shards list them all.
 * Exit status 1 if anything failed.
 */
#define _GNU_SOURCE
#include "json.h"
#include "report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_merge[] =
    "usage: gorace merge [--junit FILE] [--json] [-v] FILE...\n"
    "\n"
    "Combines the JSON results of the shards of one 'gorace check' or\n"
    "'gorace stress' run (written with --json or --json-out) into one\n"
    "report, which ends with the line an unsharded run ends with. The files\n"
    "must cover shards 0..n-1 exactly once and agree on what was run.\n"
    "  --junit FILE  also write a JUnit XML report to FILE\n"
    "  --json        print the merged result as one JSON document (check)\n"
    "  -v            print the output of failing runs\n"
    "Exit status: 0 if nothing failed, 1 if something failed, 2 on bad usage\n"
    "or when the files are malformed, of different runs, or miss a shard.\n";

struct shard_file {
    const char *name;
    struct jval *doc;
    long index;
};

static struct shard_file *files;
static size_t nfiles;

/* A malformed or mismatched input: one line, exit 2. */
__attribute__((noreturn, format(printf, 1, 2))) static void bad(const char *fmt,
                                                                ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    errorf("merge: %s", msg);
    exit(EXIT_USAGE);
}

static char *read_all(const char *name, size_t *len)
{
    FILE *f = fopen(name, "rb");
    if (f == NULL)
        bad("%s: %s", name, strerror(errno));
    size_t cap = 65536, n = 0, got;
    char *buf = malloc(cap);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    bool err = ferror(f);
    fclose(f);
    if (err)
        bad("%s: read error", name);
    *len = n;
    return buf;
}

/* ---- fields ------------------------------------------------------------ */

static const struct jval *field(const struct shard_file *f, const char *key,
                                enum jtype type)
{
    const struct jval *v = json_get(f->doc, key);
    static const char *const names[] = {"null",     "true or false",
                                        "a number", "a string",
                                        "an array", "an object"};
    if (v == NULL || v->type != type)
        bad("%s: \"%s\" %s (want %s): not a complete gorace result", f->name,
            key, v ? "has the wrong type" : "is missing", names[type]);
    return v;
}

static const char *str_of(const struct shard_file *f, const char *key)
{
    return field(f, key, J_STR)->str;
}

static long long int_of(const struct shard_file *f, const char *key)
{
    double d = field(f, key, J_NUM)->num;
    if (!(d >= -1e15 && d <= 1e15) || d != (double)(long long)d)
        bad("%s: \"%s\" is %g, want an integer", f->name, key, d);
    return (long long)d;
}

/* Optional members of a program or failure record. */
static const char *opt_str(const struct jval *o, const char *key)
{
    const struct jval *v = json_get(o, key);
    return v && v->type == J_STR ? v->str : NULL;
}

static double opt_num(const struct jval *o, const char *key)
{
    const struct jval *v = json_get(o, key);
    return v && v->type == J_NUM ? v->num : 0;
}

/* Every file agrees with the first on key. */
static void same(const char *key, const char *what)
{
    const struct jval *a = json_get(files[0].doc, key);
    for (size_t i = 1; i < nfiles; i++) {
        const struct jval *b = json_get(files[i].doc, key);
        bool eq = a && b && a->type == b->type &&
                  (a->type == J_STR    ? strcmp(a->str, b->str) == 0
                   : a->type == J_NUM  ? a->num == b->num
                   : a->type == J_BOOL ? a->b == b->b
                                       : true);
        if (!eq)
            bad("%s and %s are not shards of one run: different %s",
                files[0].name, files[i].name, what);
    }
}

/* ---- reading and checking the shards ----------------------------------- */

static void load(const char *name, struct shard_file *f)
{
    size_t len;
    char *text = read_all(name, &len), err[300];
    f->name = name;
    f->doc = json_parse(text, len, err, sizeof err);
    free(text);
    if (f->doc == NULL)
        bad("%s: not valid JSON: %s", name, err);
    if (f->doc->type != J_OBJ || !json_get(f->doc, "kind"))
        bad("%s: not a gorace check or stress result (no \"kind\"; write "
            "one with --json-out FILE)",
            name);
    const char *kind = str_of(f, "kind");
    if (strcmp(kind, "check") != 0 && strcmp(kind, "stress") != 0)
        bad("%s: unknown kind \"%s\" (want check or stress)", name, kind);
    long long n = int_of(f, "shards"), i = int_of(f, "shard");
    if (n < 1 || i < 0 || i >= n || n > SHARDS_MAX)
        bad("%s: shard %lld of %lld shards is impossible", name, i, n);
    f->index = (long)i;
    static const struct {
        const char *key;
        enum jtype type;
    } need_check[] = {{"corpus", J_STR},  {"selected", J_NUM},
                      {"runtime", J_STR}, {"seed_range", J_STR},
                      {"count", J_NUM},   {"programs", J_ARR}},
      need_stress[] = {{"program", J_STR},
                       {"program_id", J_STR},
                       {"schedule", J_STR},
                       {"pct_steps", J_STR},
                       {"runtime", J_STR},
                       {"keep_going", J_BOOL},
                       {"runs", J_NUM},
                       {"seed_range", J_STR},
                       {"failures", J_ARR},
                       {"reference_failed", J_BOOL},
                       {"stopped_at_reference", J_BOOL}};
    bool check = strcmp(kind, "check") == 0;
    size_t nneed = check ? sizeof need_check / sizeof *need_check
                         : sizeof need_stress / sizeof *need_stress;
    for (size_t k = 0; k < nneed; k++)
        field(f, check ? need_check[k].key : need_stress[k].key,
              check ? need_check[k].type : need_stress[k].type);
}

/* Shards 0..n-1, each once. */
static long check_cover(void)
{
    long n = (long)int_of(&files[0], "shards");
    for (size_t i = 1; i < nfiles; i++)
        if (int_of(&files[i], "shards") != n)
            bad("%s is a shard of %lld, %s of %ld: different shard counts",
                files[i].name, int_of(&files[i], "shards"), files[0].name, n);
    const char **seen = calloc((size_t)n, sizeof *seen);
    for (size_t i = 0; i < nfiles; i++) {
        long k = files[i].index;
        if (seen[k])
            bad("shard %ld/%ld is given twice: %s and %s", k, n, seen[k],
                files[i].name);
        seen[k] = files[i].name;
    }
    char missing[1024] = "";
    long nmissing = 0;
    for (long k = 0; k < n; k++)
        if (!seen[k]) {
            size_t l = strlen(missing);
            strfmt(missing + l, sizeof missing - l, "%s%ld",
                   nmissing ? ", " : "", k);
            nmissing++;
        }
    if (nmissing)
        bad("%ld of %ld shards missing: %s (each of 0..%ld must be given "
            "once)",
            nmissing, n, missing, n - 1);
    free(seen);
    return n;
}

/* ---- check ------------------------------------------------------------- */

static int cmp_path(const void *a, const void *b)
{
    return strcmp(((const struct result *)a)->path,
                  ((const struct result *)b)->path);
}

static void read_program(const struct shard_file *f, const struct jval *p,
                         struct result *r)
{
    const char *path = opt_str(p, "path"), *st = opt_str(p, "status");
    if (!path || !st)
        bad("%s: a program without \"path\" or \"status\"", f->name);
    r->path = strdup(path);
    if (strcmp(st, "pass") == 0)
        r->status = ST_PASS;
    else if (strcmp(st, "fail") == 0)
        r->status = ST_FAIL;
    else if (strcmp(st, "skip") == 0)
        r->status = ST_SKIP;
    else
        bad("%s: %s: unknown status \"%s\"", f->name, path, st);
    strfmt(r->msg, sizeof r->msg, "%s", opt_str(p, "message") ?: "");
    r->secs = opt_num(p, "time");
    r->seeds_run = (long)opt_num(p, "seeds");
    r->bug_seeds = (long)opt_num(p, "bug_seeds");
    const char *note = opt_str(p, "seed_note"), *seed;
    r->seed_note = note ? strdup(note) : NULL;
    if ((seed = opt_str(p, "failing_seed")) != NULL) {
        r->seed_failed = true;
        r->fail_seed = strtoull(seed, NULL, 10);
        strfmt(r->replay, sizeof r->replay, "%s", opt_str(p, "replay") ?: "");
    }
    const struct jval *t = json_get(p, "timed_out");
    r->timed_out = t && t->type == J_BOOL && t->b;
    const struct jval *o = json_get(p, "stdout"), *e = json_get(p, "stderr");
    if (o && o->type == J_STR) {
        r->out = strdup(o->str);
        r->outlen = strlen(r->out);
    }
    if (e && e->type == J_STR) {
        r->err = strdup(e->str);
        r->errlen = strlen(r->err);
    }
}

static int merge_check(long n, const char *junit, bool json, bool verbose)
{
    same("corpus", "corpus (the programs selected before sharding)");
    same("selected", "corpus (the number of programs selected)");
    same("runtime", "runtime (race or release)");
    same("seed_range", "seeds (--seeds)");
    same("count", "-count");
    size_t cap = 0, nres = 0;
    struct result *rs = NULL;
    double secs = 0;
    for (size_t i = 0; i < nfiles; i++) {
        const struct jval *ps = field(&files[i], "programs", J_ARR);
        double t = opt_num(files[i].doc, "time");
        secs = t > secs ? t : secs;
        for (size_t k = 0; k < ps->n; k++) {
            if (nres == cap)
                rs = realloc(rs, (cap = cap ? 2 * cap : 64) * sizeof *rs);
            memset(&rs[nres], 0, sizeof *rs);
            read_program(&files[i], &ps->items[k], &rs[nres++]);
        }
    }
    long long selected = int_of(&files[0], "selected");
    if ((long long)nres != selected)
        bad("the shards hold %zu programs, but %lld were selected", nres,
            selected);
    if (nres)
        qsort(rs, nres, sizeof *rs, cmp_path);
    for (size_t i = 1; i < nres; i++)
        if (strcmp(rs[i].path, rs[i - 1].path) == 0)
            bad("%s is in two shards", rs[i].path);

    struct check_meta m = {.runtime = str_of(&files[0], "runtime"),
                           .selected = nres};
    m.corpus = strtoull(str_of(&files[0], "corpus"), NULL, 16);
    m.shard.total = 1;
    strfmt(m.shard.source, sizeof m.shard.source, "merge of %ld shards", n);
    const char *range = str_of(&files[0], "seed_range");
    unsigned long lo = 1, hi = 0;
    if (sscanf(range, "%lu..%lu", &lo, &hi) != 2)
        bad("%s: bad \"seed_range\" \"%s\"", files[0].name, range);
    m.seed_lo = lo;
    m.seeds = (long)(hi - lo + 1);
    m.count = (long)int_of(&files[0], "count");
    const struct jval *fb = json_get(files[0].doc, "runtime_fallback");
    m.fallback = fb && fb->type == J_BOOL && fb->b;
    if (m.fallback && !json)
        printf("note: the race runtime is not built; checking with the "
               "release runtime\n");
    size_t c[3] = {0, 0, 0};
    for (size_t i = 0; i < nres; i++) {
        c[rs[i].status]++;
        if (!json)
            print_result(&rs[i], verbose);
    }
    if (json)
        write_check_json(stdout, &m, rs, nres, secs);
    else
        print_totals(c[ST_PASS], c[ST_FAIL], c[ST_SKIP]);
    fflush(stdout);
    bool ok = junit == NULL ||
              write_check_junit("merge", junit, m.runtime, rs, nres, secs);
    return c[ST_FAIL] || !ok ? 1 : 0;
}

/* ---- stress ------------------------------------------------------------ */

struct failure {
    long run;
    const struct jval *rec;
    const struct shard_file *from;
};

static int cmp_run(const void *a, const void *b)
{
    long x = ((const struct failure *)a)->run,
         y = ((const struct failure *)b)->run;
    return (x > y) - (x < y);
}

/* A failing run's output as stress shows it: 40 lines unless -v. */
static void print_text(const char *name, const char *s, bool verbose)
{
    if (!s || !*s)
        return;
    size_t len = strlen(s), i = 0, shown = 0, lines = 0;
    for (size_t k = 0; k < len; k++)
        lines += s[k] == '\n';
    lines += s[len - 1] != '\n';
    printf("--- %s:\n", name);
    for (; i < len && (verbose || shown < 40); i++) {
        putchar(s[i]);
        shown += s[i] == '\n';
    }
    if (s[i - 1] != '\n')
        putchar('\n');
    if (i < len)
        printf("--- (%zu more lines; -v prints them all)\n", lines - shown);
}

static void print_failure(const struct failure *f, bool output, bool verbose)
{
    const char *seed = opt_str(f->rec, "seed"),
               *msg = opt_str(f->rec, "message");
    if (seed)
        printf("FAIL run %ld (seed %s): %s\n", f->run, seed, msg ?: "");
    else
        printf("FAIL run %ld (free-running): %s\n", f->run, msg ?: "");
    if (output) {
        print_text("stdout", opt_str(f->rec, "stdout"), verbose);
        print_text("stderr", opt_str(f->rec, "stderr"), verbose);
    }
    const char *r1 = opt_str(f->rec, "replay"),
               *r2 = opt_str(f->rec, "replay_gorace");
    if (seed && r1)
        printf("replay:\n  %s\n", r1);
    else if (r1)
        printf("free-running: not replayable; the same conditions:\n  %s\n",
               r1);
    if (r2)
        printf("  %s    (same addresses too)\n", r2);
}

static bool write_stress_junit(const char *file, const struct failure *fs,
                               size_t nf, const char *prog)
{
    FILE *f = fopen(file, "w");
    if (f == NULL) {
        errorf("merge: %s: %s", file, strerror(errno));
        return false;
    }
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites tests=\"1\" failures=\"%d\">\n"
            "  <testsuite name=\"gorace stress\" tests=\"1\" "
            "failures=\"%d\" errors=\"0\" skipped=\"0\">\n"
            "    <testcase classname=\"gorace.stress\" name=\"",
            nf > 0, nf > 0);
    put_str(f, prog, true);
    fputs(nf ? "\">\n" : "\"/>\n", f);
    for (size_t i = 0; i < nf; i++) {
        char msg[1400];
        strfmt(msg, sizeof msg, "run %ld (seed %s): %s; replay: %s", fs[i].run,
               opt_str(fs[i].rec, "seed") ?: "-",
               opt_str(fs[i].rec, "message") ?: "",
               opt_str(fs[i].rec, "replay") ?: "");
        fputs("      <failure type=\"failing run\" message=\"", f);
        put_str(f, msg, true);
        fputs("\"/>\n", f);
    }
    if (nf)
        fputs("    </testcase>\n", f);
    fputs("  </testsuite>\n</testsuites>\n", f);
    bool ok = !ferror(f);
    if (fclose(f) != 0 || !ok) {
        errorf("merge: writing %s failed", file);
        return false;
    }
    return true;
}

static int merge_stress(const char *junit, bool verbose)
{
    same("program_id", "program (its bytes or its arguments)");
    same("schedule", "schedule (random walk, PCT depth)");
    same("pct_steps", "PCT steps");
    same("runtime", "runtime (race or release)");
    same("keep_going", "-keep-going");
    same("runs", "run count (-runs)");
    same("seed_range", "seeds (-seeds)");
    bool keep = field(&files[0], "keep_going", J_BOOL)->b;
    bool stopped = false; /* at a failing first run, nothing to judge by */
    size_t nf = 0;
    struct failure *fs = NULL;
    for (size_t i = 0; i < nfiles; i++) {
        stopped |= field(&files[i], "reference_failed", J_BOOL)->b ||
                   field(&files[i], "stopped_at_reference", J_BOOL)->b;
        const struct jval *l = field(&files[i], "failures", J_ARR);
        for (size_t k = 0; k < l->n; k++) {
            const struct jval *run = json_get(&l->items[k], "run");
            if (!run || run->type != J_NUM || !(run->num >= 1) ||
                run->num > 1e15)
                bad("%s: a failure without a \"run\"", files[i].name);
            fs = realloc(fs, (nf + 1) * sizeof *fs);
            fs[nf++] =
                (struct failure){(long)run->num, &l->items[k], &files[i]};
        }
    }
    if (nf)
        qsort(fs, nf, sizeof *fs, cmp_run);
    /* An unsharded run stops at its first failure (and, without a header,
     * at a failing first run whatever -keep-going says). */
    size_t shown = keep && !stopped ? nf : nf > 0;
    for (size_t i = 0; i < shown; i++)
        print_failure(&fs[i], i < 3, verbose);
    if (shown < nf)
        printf("(%zu more failing runs in other shards; the unsharded run "
               "stops at the first: -keep-going runs them all)\n",
               nf - shown);
    for (size_t i = shown; i < nf; i++)
        printf("  also: run %ld (seed %s), shard %ld\n", fs[i].run,
               opt_str(fs[i].rec, "seed") ?: "-", fs[i].from->index);
    long long runs = int_of(&files[0], "runs");
    const char *range = str_of(&files[0], "seed_range");
    bool free_running =
        strcmp(str_of(&files[0], "schedule"), "free-running") == 0;
    char at[120] = "";
    if (nf && free_running)
        strfmt(at, sizeof at, "first failing run %ld (free-running)",
               fs[0].run);
    else if (nf)
        strfmt(at, sizeof at, "first failing run %ld, seed %s", fs[0].run,
               opt_str(fs[0].rec, "seed") ?: "-");
    if (nf == 0 && free_running)
        printf("stress: %lld runs, no failure (free-running)\n", runs);
    else if (nf == 0)
        printf("stress: %lld runs, no failure (seeds %s)\n", runs, range);
    else if (keep && stopped)
        printf("stress: 1 runs, 1 failed, %s\n", at);
    else if (keep)
        printf("stress: %lld runs, %zu failed, %s\n", runs, nf, at);
    else
        printf("stress: %ld runs, %s\n", fs[0].run, at);
    fflush(stdout);
    bool ok = junit == NULL || write_stress_junit(junit, fs, shown,
                                                  str_of(&files[0], "program"));
    return nf || !ok ? 1 : 0;
}

/* ---- the verb ---------------------------------------------------------- */

int cmd_merge(int argc, char **argv)
{
    const char *junit = NULL;
    bool json = false, verbose = false;
    const char **names = calloc((size_t)argc + 1, sizeof *names);
    size_t nnames = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_merge, stdout);
            return 0;
        } else if (strcmp(a, "--junit") == 0 || strcmp(a, "-junit") == 0) {
            if (i + 1 == argc)
                usage_fail("merge: --junit needs a file name");
            junit = argv[++i];
        } else if (strncmp(a, "--junit=", 8) == 0) {
            junit = a + 8;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "-v") == 0) {
            verbose = true;
        } else if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++)
                names[nnames++] = argv[i];
        } else if (a[0] == '-' && a[1] != '\0') {
            usage_fail("merge: unknown flag %s (see 'gorace merge --help')", a);
        } else {
            names[nnames++] = a;
        }
    }
    if (nnames == 0)
        usage_fail("merge: no shard files (try 'gorace merge --help')");
    files = calloc(nnames, sizeof *files);
    for (size_t i = 0; i < nnames; i++)
        load(names[i], &files[nfiles++]);
    for (size_t i = 1; i < nfiles; i++)
        if (strcmp(str_of(&files[i], "kind"), str_of(&files[0], "kind")) != 0)
            bad("%s is a gorace %s result, %s a gorace %s one", files[0].name,
                str_of(&files[0], "kind"), files[i].name,
                str_of(&files[i], "kind"));
    long n = check_cover();
    if (strcmp(str_of(&files[0], "kind"), "check") == 0)
        return merge_check(n, junit, json, verbose);
    if (json)
        usage_fail("merge: --json merges check results only");
    return merge_stress(junit, verbose);
}
