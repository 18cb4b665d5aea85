/*
 * report.h: gorace check's results and the three ways it reports them
 * (text lines, one JSON document, JUnit XML). gorace merge reads the JSON
 * of several shards back into the same records and reports them the same
 * way, so a merged report reads like an unsharded one.
 */
#ifndef GORACE_REPORT_H
#define GORACE_REPORT_H

#include "harness.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum status { ST_PASS, ST_FAIL, ST_SKIP };

struct result {
    char *path;
    enum status status;
    char msg[1024];
    double secs;
    char *out, *err; /* the failing run's output, or build diagnostics */
    size_t outlen, errlen;
    long seeds_run, bug_seeds;
    char *seed_note; /* why the header turned seeded runs off */
    bool done;
    bool timed_out;               /* err then holds the goroutine dump */
    bool seed_failed;             /* a seeded run failed: */
    unsigned long long fail_seed; /* this one, replayed by */
    char replay[1024];
};

/* What a check run was, so shards of one run can be told from others. */
struct check_meta {
    const char *runtime; /* "race" or "release" */
    bool fallback;       /* release because the race runtime is not built */
    struct shard shard;
    unsigned long long corpus; /* FNV-1a of the selected paths, in order */
    size_t selected;           /* programs before sharding */
    unsigned long seed_lo;
    long seeds, count;
};

const char *status_name(enum status s);
/* One program's line ("ok   path  (0.12s, 50 seeds)"), and its output
 * when it failed and verbose (a timed-out run's goroutine dump always). */
void print_result(const struct result *r, bool verbose);
/* The last line: "N passed, M failed[, K skipped]". */
void print_totals(size_t pass, size_t fail, size_t skip);
void write_check_json(FILE *f, const struct check_meta *m,
                      const struct result *rs, size_t n, double secs);
/* Returns false (after an error line naming verb) if file cannot be
 * written. */
bool write_check_junit(const char *verb, const char *file, const char *runtime,
                       const struct result *rs, size_t n, double secs);

#endif
