/*
 * Schedule files (format and keys in schedfile.h). Loading sorts the
 * decisions by key for binary search and keeps the call-point spacings in
 * file order; recording appends to two arrays written out once, as the
 * program ends (rt_explore_finish: a normal end, go_exit, or rt_die for a
 * panic, fatal error or deadlock; a detector's fatal report). Only the
 * seeded M calls in here, but for that last write as the process ends.
 */
#define _GNU_SOURCE
#include "schedfile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BUDGETS_PER_LINE = 32 };

typedef struct {
    int64_t g;
    uint64_t k, val;
    char kind;
    int cls;
} decision;

static int class_of(char kind)
{
    return kind == 's' ? RT_SF_STOP : kind == 'r' ? RT_SF_DRAW : RT_SF_POINT;
}

typedef struct {
    decision *d;
    size_t n, cap;
    uint32_t *b;
    size_t nb, capb, nextb;
} decisions;

static decisions in, out;

static void *grow(void *v, size_t *cap, size_t elem)
{
    *cap = *cap ? 2 * *cap : 256;
    v = realloc(v, *cap * elem);
    if (!v) {
        fprintf(stderr, "fatal error: gorace: out of memory\n");
        exit(2);
    }
    return v;
}

static void add(decisions *s, decision d)
{
    if (s->n == s->cap)
        s->d = grow(s->d, &s->cap, sizeof *s->d);
    s->d[s->n++] = d;
}

static void add_budget(decisions *s, uint32_t v)
{
    if (s->nb == s->capb)
        s->b = grow(s->b, &s->capb, sizeof *s->b);
    s->b[s->nb++] = v;
}

static int cmp_key(const void *a, const void *b)
{
    const decision *x = a, *y = b;
    if (x->g != y->g)
        return x->g < y->g ? -1 : 1;
    if (x->cls != y->cls)
        return x->cls - y->cls;
    return (x->k > y->k) - (x->k < y->k);
}

/* "b V V ...": false on anything but spacings from 1 to 64. */
static bool parse_budgets(const char *p)
{
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '\n')
            return true;
        char *end;
        errno = 0;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p || errno || v < 1 || v > 64 || *p == '-')
            return false;
        add_budget(&in, (uint32_t)v);
        p = end;
    }
}

static bool parse_line(const char *line)
{
    if (line[0] == 'b' && (line[1] == ' ' || line[1] == '\n'))
        return parse_budgets(line + 1);
    decision d = {0};
    char kind, tail;
    int64_t g;
    uint64_t k, v = 0;
    int n = sscanf(line, "%c %" SCNd64 " %" SCNu64 " %" SCNu64 " %c", &kind, &g,
                   &k, &v, &tail);
    bool valued = kind == 'p' || kind == 's' || kind == 'r';
    if (!(valued && n == 4) && !(kind == 'c' && n == 3))
        return false;
    if (g < 0 || k == 0)
        return false;
    d = (decision){
        .g = g, .k = k, .val = v, .kind = kind, .cls = class_of(kind)};
    add(&in, d);
    return true;
}

static bool read_lines(FILE *f, char *err, size_t errlen)
{
    char *line = NULL;
    size_t cap = 0;
    bool ok = true;
    for (size_t no = 1; ok && getline(&line, &cap, f) > 0; no++) {
        if (no == 1 && strncmp(line, RT_SCHEDFILE_MAGIC,
                               strlen(RT_SCHEDFILE_MAGIC)) != 0) {
            snprintf(err, errlen, "not a gorace schedule file (no \"%s\")",
                     RT_SCHEDFILE_MAGIC);
            ok = false;
        } else if (line[0] != '#' && line[0] != '\n' && !parse_line(line)) {
            snprintf(err, errlen, "line %zu: bad decision \"%.*s\"", no,
                     (int)strcspn(line, "\n") > 60 ? 60
                                                   : (int)strcspn(line, "\n"),
                     line);
            ok = false;
        }
    }
    if (ok && cap == 0) {
        snprintf(err, errlen, "empty file (no \"%s\")", RT_SCHEDFILE_MAGIC);
        ok = false;
    }
    free(line);
    return ok;
}

bool rt_schedfile_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s", strerror(errno));
        return false;
    }
    bool ok = read_lines(f, err, errlen);
    fclose(f);
    if (ok)
        qsort(in.d, in.n, sizeof *in.d, cmp_key);
    for (size_t i = 1; ok && i < in.n; i++) {
        if (cmp_key(&in.d[i - 1], &in.d[i]) == 0) {
            snprintf(err, errlen,
                     "two decisions for goroutine %" PRId64 " at %c %" PRIu64,
                     in.d[i].g, in.d[i].kind, in.d[i].k);
            ok = false;
        }
    }
    return ok;
}

char rt_schedfile_find(int64_t g, int cls, uint64_t k, uint64_t *val)
{
    decision key = {.g = g, .k = k, .cls = cls};
    const decision *d = bsearch(&key, in.d, in.n, sizeof *in.d, cmp_key);
    if (!d)
        return 0;
    *val = d->val;
    return d->kind;
}

bool rt_schedfile_budget(uint32_t *v)
{
    if (in.nextb >= in.nb)
        return false;
    *v = in.b[in.nextb++];
    return true;
}

void rt_schedfile_record(char kind, int64_t g, uint64_t k, uint64_t val)
{
    add(&out, (decision){.g = g, .k = k, .val = val, .kind = kind});
}

void rt_schedfile_record_budget(uint32_t v)
{
    add_budget(&out, v);
}

static void write_budgets(FILE *f)
{
    for (size_t i = 0; i < out.nb; i++) {
        bool first = i % BUDGETS_PER_LINE == 0;
        bool last =
            i % BUDGETS_PER_LINE == BUDGETS_PER_LINE - 1 || i + 1 == out.nb;
        fprintf(f, "%s %u%s", first ? "b" : "", out.b[i], last ? "\n" : "");
    }
}

void rt_schedfile_write(const char *path, uint64_t steps, uint64_t switches)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gorace: GORACE: schedule_out: %s: %s\n", path,
                strerror(errno));
        return;
    }
    while (out.nb && out.b[out.nb - 1] == RT_SCHEDFILE_SPACING)
        out.nb--;
    fprintf(f, "%s\n", RT_SCHEDFILE_MAGIC);
    for (size_t i = 0; i < out.n; i++) {
        const decision *d = &out.d[i];
        fprintf(f, "%c %" PRId64 " %" PRIu64, d->kind, d->g, d->k);
        if (d->kind != 'c')
            fprintf(f, " %" PRIu64, d->val);
        fputc('\n', f);
    }
    write_budgets(f);
    fprintf(f, "# end: steps=%" PRIu64 " switches=%" PRIu64 "\n", steps,
            switches);
    fclose(f);
}
