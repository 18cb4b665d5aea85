/*
 * replay.c: schedule files, replay files, and shrinking.
 *
 * The runtime records a seeded run's decisions with GORACE schedule_out and
 * follows a file of them with schedule_in (format in rt/schedfile.h; any
 * subset of a file's decisions is a valid schedule: what it leaves out
 * falls back to no preemption and FIFO). A replay file is such a file
 * whose comment header says which program it is for (the source's or
 * binary's hash), with which runtime and GORACE options, and how the run
 * failed; `gorace run --replay FILE` checks the header and replays it.
 *
 * Shrinking (gorace stress, after a seeded run failed) is delta debugging
 * over the decision lines. A candidate drops some of them; the program
 * runs under it while recording, and if it still fails the same way the
 * recording, which holds only the decisions that run used (a subset of the
 * candidate's), becomes the new schedule. First the bold candidates (no
 * decisions at all, no call-point spacings, no draws), then ddmin (Zeller
 * and Hildebrandt, 2002) at granularity n, from 2 doubling to one line per
 * chunk: each chunk alone (a bug usually needs few preemptions, and this
 * finds them fast; on success n starts over at 2), then each chunk's
 * complement (on success n drops by one). Last, when a few preemptions
 * are left, each alone moved a few points either way. Every accepted step
 * is smaller or equal, so the result is never larger than the failing
 * seed's recording. The budget (runs, seconds) bounds the work; within it
 * the result is 1-minimal (no single decision can be dropped).
 */
#define _GNU_SOURCE
#include "harness.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "# gorace schedule 1"

/* ---- schedule files ----------------------------------------------------- */

static bool is_number(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return n > 0 && n < 21;
}

/* "p G K N", "s G K N", "r G K V", "c G K", "b V...": the runtime's
 * syntax, checked here so a bad file is a usage error before any run. */
static bool valid_line(const char *s)
{
    if (s[0] == '\0' || s[1] != ' ')
        return s[0] == 'b' && s[1] == '\0';
    size_t fields = 0;
    for (const char *p = s + 2; *p;) {
        size_t n = strcspn(p, " ");
        if (!is_number(p, n))
            return false;
        fields++;
        p += n;
        p += *p == ' ';
    }
    switch (s[0]) {
    case 'p':
    case 's':
    case 'r':
        return fields == 3;
    case 'c':
        return fields == 2;
    case 'b':
        return true;
    default:
        return false;
    }
}

static void push(char ***v, size_t *n, const char *s)
{
    *v = realloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = strdup(s);
}

static void read_end(const char *line, struct decisions *d)
{
    sscanf(line, "# end: steps=%llu switches=%llu", &d->steps, &d->switches);
}

static bool parse_decisions(FILE *f, struct decisions *d, char *err,
                            size_t errlen)
{
    char *line = NULL;
    size_t cap = 0, no = 0;
    ssize_t len;
    bool ok = true;
    while (ok && (len = getline(&line, &cap, f)) > 0) {
        no++;
        line[strcspn(line, "\n")] = '\0';
        if (no == 1 && strcmp(line, MAGIC) != 0) {
            strfmt(err, errlen, "not a gorace replay file (no \"%s\")", MAGIC);
            ok = false;
        } else if (strncmp(line, "# end:", 6) == 0) {
            read_end(line, d);
        } else if (line[0] == '#' || line[0] == '\0') {
            continue;
        } else if (!valid_line(line)) {
            strfmt(err, errlen, "line %zu: bad decision \"%.60s\"", no, line);
            ok = false;
        } else if (line[0] == 'b') {
            push(&d->budgets, &d->nb, line);
        } else {
            push(&d->lines, &d->n, line);
        }
    }
    if (ok && no == 0) {
        strfmt(err, errlen, "empty file, not a gorace replay file");
        ok = false;
    }
    free(line);
    return ok;
}

bool decisions_read(const char *path, struct decisions *d, char *err,
                    size_t errlen)
{
    memset(d, 0, sizeof *d);
    FILE *f = fopen(path, "r");
    if (!f) {
        strfmt(err, errlen, "%s", strerror(errno));
        return false;
    }
    bool ok = parse_decisions(f, d, err, errlen);
    fclose(f);
    if (!ok)
        decisions_free(d);
    return ok;
}

void decisions_free(struct decisions *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->lines[i]);
    for (size_t i = 0; i < d->nb; i++)
        free(d->budgets[i]);
    free(d->lines);
    free(d->budgets);
    memset(d, 0, sizeof *d);
}

/* Which of d's lines a file gets: those in [lo, hi) but not in
 * [skip_lo, skip_hi); the spacings or not. */
struct pick {
    size_t lo, hi, skip_lo, skip_hi;
    bool budgets;
};

/* Writes header (comment lines, may be NULL) and the lines p picks. */
static bool write_some(const char *path, const char *header,
                       const struct decisions *d, struct pick p)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    fprintf(f, "%s\n%s", MAGIC, header ? header : "");
    for (size_t i = p.lo; i < p.hi && i < d->n; i++)
        if (i < p.skip_lo || i >= p.skip_hi)
            fprintf(f, "%s\n", d->lines[i]);
    bool keep_budgets = p.budgets;
    for (size_t i = 0; keep_budgets && i < d->nb; i++)
        fprintf(f, "%s\n", d->budgets[i]);
    fprintf(f, "# end: steps=%llu switches=%llu\n", d->steps, d->switches);
    return fclose(f) == 0;
}

bool decisions_write(const char *path, const char *header,
                     const struct decisions *d)
{
    return write_some(path, header, d,
                      (struct pick){.hi = d->n, .budgets = true});
}

void decisions_size(const struct decisions *d, char *dst, size_t len)
{
    size_t count[128] = {0}, spacings = 0;
    for (size_t i = 0; i < d->n; i++)
        count[(unsigned char)d->lines[i][0] & 127]++;
    for (size_t i = 0; i < d->nb; i++)
        for (const char *p = d->budgets[i]; *p; p++)
            spacings += *p == ' ';
    strfmt(dst, len,
           "%zu decisions (%zu preemptions, %zu other picks, %zu draws, %zu "
           "holds), %zu call-point spacings; %llu steps, %llu context "
           "switches",
           d->n, count['p'], count['s'], count['r'], count['c'], spacings,
           d->steps, d->switches);
}

/* ---- shrinking ---------------------------------------------------------- */

struct shrinker {
    struct decisions *d;
    shrink_test test;
    void *arg;
    const struct shrink_budget *budget;
    double start;
    long runs;
    char cand[4200], rec[4200];
};

static bool budget_left(const struct shrinker *s)
{
    return s->runs < s->budget->runs &&
           now_seconds() - s->start < s->budget->seconds;
}

/* Runs the candidate p picks from src; on the same failure, its recording
 * replaces s->d. */
static bool try_from(struct shrinker *s, const struct decisions *src,
                     struct pick p)
{
    if (!budget_left(s) || !write_some(s->cand, NULL, src, p))
        return false;
    s->runs++;
    if (!s->test(s->cand, s->rec, s->arg))
        return false;
    struct decisions got;
    char err[200];
    if (!decisions_read(s->rec, &got, err, sizeof err))
        return false;
    decisions_free(s->d);
    *s->d = got;
    return true;
}

static bool try_pick(struct shrinker *s, struct pick p)
{
    return try_from(s, s->d, p);
}

/* d without lines [skip, skip+n), with or without the spacings. */
static bool try_candidate(struct shrinker *s, size_t skip, size_t n,
                          bool budgets)
{
    return try_pick(s, (struct pick){.hi = s->d->n,
                                     .skip_lo = skip,
                                     .skip_hi = skip + n,
                                     .budgets = budgets});
}

/* Only lines [at, at+n) of d. */
static bool try_only(struct shrinker *s, size_t at, size_t n)
{
    return try_pick(s, (struct pick){.lo = at, .hi = at + n, .budgets = true});
}

static size_t count_kind(const struct decisions *d, char kind)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++)
        n += d->lines[i][0] == kind;
    return n;
}

/* The draws last in d, so one chunk can drop them all. */
static void draws_last(struct decisions *d)
{
    size_t k = 0;
    char **v = malloc((d->n + 1) * sizeof *v);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < d->n; i++)
            if ((d->lines[i][0] == 'r') == (pass == 1))
                v[k++] = d->lines[i];
    free(d->lines);
    d->lines = v;
}

static void bold_candidates(struct shrinker *s)
{
    if (try_candidate(s, 0, s->d->n, false))
        return;
    if (s->d->nb)
        try_candidate(s, 0, 0, false);
    size_t draws = count_kind(s->d, 'r');
    if (draws) {
        draws_last(s->d);
        try_candidate(s, s->d->n - draws, draws, true);
    }
}

/* One round of ddmin at granularity n: each chunk alone, then each
 * chunk's complement. 1: a chunk alone failed, 2: a complement, 0: none. */
static int ddmin_round(struct shrinker *s, size_t n)
{
    size_t len = s->d->n, chunk = (len + n - 1) / n;
    for (size_t at = 0; at < len && n > 2 && budget_left(s); at += chunk)
        if (try_only(s, at, chunk))
            return 1;
    for (size_t at = 0; at < len && budget_left(s); at += chunk)
        if (try_candidate(s, at, chunk, true))
            return 2;
    return 0;
}

static void ddmin(struct shrinker *s)
{
    size_t n = 2;
    while (s->d->n > 0 && budget_left(s)) {
        size_t len = s->d->n, chunk = (len + n - 1) / n;
        int reduced = ddmin_round(s, n);
        if (reduced == 1) {
            n = 2;
        } else if (reduced == 2) {
            n = n > 2 ? n - 1 : 2;
        } else if (chunk == 1) {
            break;
        } else {
            n = 2 * n < len ? 2 * n : len;
        }
    }
}

/* d's preemption i alone, moved by delta points. */
static bool try_moved(struct shrinker *s, size_t i, long delta)
{
    long long g, k, next;
    char line[100], *one = line;
    if (sscanf(s->d->lines[i], "p %lld %lld %lld", &g, &k, &next) != 3 ||
        k + delta < 1)
        return false;
    strfmt(line, sizeof line, "p %lld %lld %lld", g, k + delta, next);
    struct decisions alone = {.lines = &one, .n = 1};
    return try_from(s, &alone, (struct pick){.hi = 1, .budgets = true});
}

/* A schedule ddmin leaves with a few preemptions often needs only one of
 * them, a few points away: dropping the others moved the points it is
 * keyed to (a goroutine that blocked less counts fewer). Tries each alone,
 * moved by up to MOVE_SPAN points either way. */
static void move_singles(struct shrinker *s)
{
    enum { MOVE_SPAN = 8, FEW = 8 };
    if (s->d->n < 2 || s->d->n > FEW)
        return;
    for (size_t i = 0; i < s->d->n && budget_left(s); i++)
        for (long m = 1; m <= 2 * MOVE_SPAN && budget_left(s); m++)
            if (try_moved(s, i, m % 2 ? (m + 1) / 2 : -m / 2))
                return;
}

long shrink(struct decisions *d, shrink_test test, void *arg,
            const struct shrink_budget *budget, const char *dir)
{
    struct shrinker s = {.d = d,
                         .test = test,
                         .arg = arg,
                         .budget = budget,
                         .start = now_seconds()};
    strfmt(s.cand, sizeof s.cand, "%s/candidate", dir);
    strfmt(s.rec, sizeof s.rec, "%s/recorded", dir);
    bold_candidates(&s);
    ddmin(&s);
    move_singles(&s);
    return s.runs;
}

/* ---- replay files ------------------------------------------------------- */

unsigned long long file_hash(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned long long h = 0;
    if (!f)
        return 0;
    char buf[65536];
    size_t len;
    while ((len = fread(buf, 1, sizeof buf, f)) > 0)
        h = fnv1a(h, buf, len);
    fclose(f);
    return h;
}

static void header_field(const char *line, const char *key, char *dst,
                         size_t len)
{
    size_t n = strlen(key);
    if (strncmp(line, key, n) == 0)
        strfmt(dst, len, "%s", line + n);
}

static void read_header_fields(FILE *f, struct replay_header *h)
{
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0 && line[0] == '#') {
        line[strcspn(line, "\n")] = '\0';
        header_field(line, "# program: ", h->program, sizeof h->program);
        header_field(line, "# source-hash: ", h->source_hash,
                     sizeof h->source_hash);
        header_field(line, "# binary-hash: ", h->binary_hash,
                     sizeof h->binary_hash);
        header_field(line, "# runtime: ", h->runtime, sizeof h->runtime);
        header_field(line, "# gorace: ", h->gorace, sizeof h->gorace);
        header_field(line, "# failure: ", h->failure, sizeof h->failure);
        if (strncmp(line, "# arg: ", 7) == 0)
            push(&h->args, &h->nargs, line + 7);
    }
    free(line);
}

bool replay_read_header(const char *path, struct replay_header *h, char *err,
                        size_t errlen)
{
    struct decisions d;
    memset(h, 0, sizeof *h);
    if (!decisions_read(path, &d, err, errlen))
        return false;
    decisions_free(&d);
    FILE *f = fopen(path, "r");
    if (!f) {
        strfmt(err, errlen, "%s", strerror(errno));
        return false;
    }
    read_header_fields(f, h);
    fclose(f);
    if (!h->program[0] || (!h->source_hash[0] && !h->binary_hash[0])) {
        strfmt(err, errlen,
               "a schedule file without a replay header (no "
               "\"# program:\" and hash lines; gorace stress "
               "writes them)");
        return false;
    }
    return true;
}

bool replay_matches(const struct replay_header *h, const char *path,
                    bool source, char *err, size_t errlen)
{
    const char *want = source ? h->source_hash : h->binary_hash;
    char got[32];
    strfmt(got, sizeof got, "%016llx", file_hash(path));
    if (!want[0]) {
        strfmt(err, errlen, "it was recorded for %s %s; replay it with %s",
               source ? "the built program" : "the source", h->program,
               source ? "'gorace --replay FILE ./prog'"
                      : "'gorace run --replay FILE file.c'");
        return false;
    }
    if (strcmp(want, got) != 0) {
        strfmt(err, errlen,
               "it was recorded for %s (%s %s), and %s is not that file (hash "
               "%s)",
               h->program, source ? "source hash" : "binary hash", want, path,
               got);
        return false;
    }
    return true;
}
