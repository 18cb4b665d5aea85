/*
 * report.c: gorace check's reports (report.h), shared with gorace merge.
 *
 * The JSON document carries everything merge needs to print the same lines
 * again (per program: status, message, seeds, the failing seed and its
 * replay command, output) and to tell shards of one run from shards of
 * another: the shard index and count, a hash of the selected program paths
 * (the corpus after -run, before sharding), the runtime and the seed range.
 */
#define _GNU_SOURCE
#include "report.h"
#include "json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *status_name(enum status s)
{
    return s == ST_PASS ? "pass" : s == ST_FAIL ? "fail" : "skip";
}

static void print_output(const char *name, const char *s, size_t n)
{
    if (s && n)
        printf("--- %s:\n%s%s", name, s, s[n - 1] == '\n' ? "" : "\n");
}

void print_result(const struct result *r, bool verbose)
{
    if (r->status == ST_PASS && r->bug_seeds)
        printf("ok   %s  (%.2fs, %ld seeds, bug shown by %ld)\n", r->path,
               r->secs, r->seeds_run, r->bug_seeds);
    else if (r->status == ST_PASS && r->seeds_run)
        printf("ok   %s  (%.2fs, %ld seeds)\n", r->path, r->secs, r->seeds_run);
    else if (r->status == ST_PASS && r->seed_note)
        printf("ok   %s  (%.2fs, no seeds: %s)\n", r->path, r->secs,
               r->seed_note);
    else if (r->status == ST_PASS)
        printf("ok   %s  (%.2fs)\n", r->path, r->secs);
    else if (r->status == ST_SKIP)
        printf("skip %s: %s\n", r->path, r->msg);
    else
        printf("FAIL %s: %s\n", r->path, r->msg);
    /* A run that timed out was asked for its goroutine dump (SIGQUIT, as
     * `go test -timeout`): show it, indented under the FAIL line. */
    if (r->status == ST_FAIL && r->timed_out && !verbose)
        print_output("goroutine dump at the deadline", r->err, r->errlen);
    if (verbose && r->status == ST_FAIL) {
        print_output("stdout", r->out, r->outlen);
        print_output("stderr", r->err, r->errlen);
    }
    fflush(stdout);
}

void print_totals(size_t pass, size_t fail, size_t skip)
{
    printf("%zu passed, %zu failed", pass, fail);
    if (skip)
        printf(", %zu skipped", skip);
    printf("\n");
}

static void count(const struct result *rs, size_t n, size_t c[3])
{
    c[0] = c[1] = c[2] = 0;
    for (size_t i = 0; i < n; i++)
        c[rs[i].status]++;
}

static void write_program(FILE *f, const struct result *r)
{
    fputs("{\"path\": ", f);
    put_str(f, r->path, false);
    fprintf(f,
            ", \"status\": \"%s\", \"time\": %.3f, \"seeds\": %ld, "
            "\"bug_seeds\": %ld",
            status_name(r->status), r->secs, r->seeds_run, r->bug_seeds);
    if (r->seed_note) {
        fputs(", \"seed_note\": ", f);
        put_str(f, r->seed_note, false);
    }
    if (r->status != ST_PASS) {
        fputs(", \"message\": ", f);
        put_str(f, r->msg, false);
    }
    if (r->seed_failed) {
        fprintf(f, ", \"failing_seed\": \"%llu\", \"replay\": ", r->fail_seed);
        put_str(f, r->replay, false);
    }
    if (r->timed_out)
        fputs(", \"timed_out\": true", f);
    if (r->out) {
        fputs(", \"stdout\": ", f);
        put_escaped(f, r->out, r->outlen, false);
    }
    if (r->err) {
        fputs(", \"stderr\": ", f);
        put_escaped(f, r->err, r->errlen, false);
    }
    fputc('}', f);
}

void write_check_json(FILE *f, const struct check_meta *m,
                      const struct result *rs, size_t n, double secs)
{
    size_t c[3];
    count(rs, n, c);
    fprintf(f,
            "{\"kind\": \"check\", \"passed\": %zu, \"failed\": %zu, "
            "\"skipped\": %zu, \"time\": %.3f, \"runtime\": \"%s\",\n"
            " \"shard\": %ld, \"shards\": %ld, \"shard_source\": ",
            c[ST_PASS], c[ST_FAIL], c[ST_SKIP], secs, m->runtime,
            m->shard.index, m->shard.total);
    put_str(f, m->shard.source, false);
    fprintf(f,
            ", \"runtime_fallback\": %s, \"corpus\": \"%016llx\", "
            "\"selected\": %zu,\n"
            " \"seed_range\": \"%lu..%lu\", \"count\": %ld, \"programs\": [",
            m->fallback ? "true" : "false", m->corpus, m->selected, m->seed_lo,
            m->seed_lo + (unsigned long)m->seeds - 1, m->count);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ",\n  " : "\n  ", f);
        write_program(f, &rs[i]);
    }
    fputs("\n]}\n", f);
}

/* A test's JUnit class is its directory with dots, as Java tools expect. */
static void junit_names(const char *path, char *cls, size_t clen,
                        const char **name)
{
    const char *slash = strrchr(path, '/');
    *name = slash ? slash + 1 : path;
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n >= clen)
        n = clen - 1;
    for (size_t i = 0; i < n; i++)
        cls[i] = path[i] == '/' ? '.' : path[i];
    cls[n] = '\0';
    if (n == 0)
        strfmt(cls, clen, "gorace");
}

static void junit_case(FILE *f, const struct result *r)
{
    char cls[1024];
    const char *name;
    junit_names(r->path, cls, sizeof cls, &name);
    fputs("    <testcase classname=\"", f);
    put_str(f, cls, true);
    fputs("\" name=\"", f);
    put_str(f, name, true);
    fprintf(f, "\" file=\"");
    put_str(f, r->path, true);
    fprintf(f, "\" time=\"%.3f\"", r->secs);
    if (r->status == ST_PASS) {
        fputs("/>\n", f);
        return;
    }
    fputs(">\n", f);
    if (r->status == ST_SKIP) {
        fputs("      <skipped message=\"", f);
        put_str(f, r->msg, true);
        fputs("\"/>\n", f);
    } else {
        fputs("      <failure message=\"", f);
        put_str(f, r->msg, true);
        fputs("\" type=\"mismatch\">", f);
        put_str(f, r->msg, true);
        fputs("</failure>\n", f);
        if (r->out) {
            fputs("      <system-out>", f);
            put_escaped(f, r->out, r->outlen, true);
            fputs("</system-out>\n", f);
        }
        if (r->err) {
            fputs("      <system-err>", f);
            put_escaped(f, r->err, r->errlen, true);
            fputs("</system-err>\n", f);
        }
    }
    fputs("    </testcase>\n", f);
}

bool write_check_junit(const char *verb, const char *file, const char *runtime,
                       const struct result *rs, size_t n, double secs)
{
    FILE *f = fopen(file, "w");
    if (f == NULL) {
        errorf("%s: %s: %s", verb, file, strerror(errno));
        return false;
    }
    size_t c[3];
    count(rs, n, c);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f,
            "<testsuites tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" "
            "time=\"%.3f\">\n",
            n, c[ST_FAIL], c[ST_SKIP], secs);
    fprintf(f,
            "  <testsuite name=\"gorace check (%s runtime)\" tests=\"%zu\" "
            "failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.3f\">\n",
            runtime, n, c[ST_FAIL], c[ST_SKIP], secs);
    for (size_t i = 0; i < n; i++)
        junit_case(f, &rs[i]);
    fputs("  </testsuite>\n</testsuites>\n", f);
    bool ok = !ferror(f);
    if (fclose(f) != 0 || !ok) {
        errorf("%s: writing %s failed", verb, file);
        return false;
    }
    return true;
}
