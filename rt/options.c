/*
 * The GORACE option registry (design in options.h). GORACE is copied and
 * split once, at the first registration, into name/value pairs that live
 * for the process (string options point into the copy); each registration
 * then sets the options of its table and marks their pairs claimed. No
 * malloc: the race detector registers from inside its own malloc's set-up.
 */
#define _GNU_SOURCE
#include "options.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_PAIRS = 64, MAX_TABLES = 8, ENV_MAX = 4096 };

typedef struct pair {
    const char *name, *val;
} pair;

static struct {
    char buf[ENV_MAX];
    pair pairs[MAX_PAIRS];
    bool claimed[MAX_PAIRS];
    int npairs;
    bool split;
    int ntables;
} reg;

static void errf(char *err, size_t errlen, const char *name, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));
static void errf(char *err, size_t errlen, const char *name, const char *fmt,
                 ...)
{
    int n = snprintf(err, errlen, "gorace: GORACE: %s: ", name);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < errlen)
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static void die(const char *err)
{
    fprintf(stderr, "%s\n", err);
    exit(2);
}

/* Length of the piece at p: up to a blank, a comma or the end. */
static size_t piece(const char *p)
{
    return strcspn(p, " \t\n,");
}

/* A comma-separated piece without '=' continues the value before it. */
static size_t extend_value(const char *p, size_t len)
{
    while (p[len] == ',') {
        size_t more = piece(p + len + 1);
        if (!more || memchr(p + len + 1, '=', more))
            break;
        len += 1 + more;
    }
    return len;
}

/* Splits s in place into out; -1 with a message in err on a bad token. */
static int split(char *s, pair *out, int max, char *err, size_t errlen)
{
    int n = 0;
    for (char *p = s;;) {
        p += strspn(p, " \t\n,");
        if (!*p)
            return n;
        size_t len = piece(p);
        char *eq = memchr(p, '=', len);
        if (!eq || eq == p) {
            p[len] = 0;
            errf(err, errlen, p, "want name=value");
            return -1;
        }
        if (n == max) {
            errf(err, errlen, p, "more than %d options", max);
            return -1;
        }
        len = extend_value(p, len);
        bool last = !p[len];
        *eq = 0;
        p[len] = 0;
        out[n++] = (pair){p, eq + 1};
        if (last)
            return n;
        p += len + 1;
    }
}

static bool parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (int i = 0; i < 4; i++) {
        if (!strcmp(v, yes[i]) || !strcmp(v, no[i])) {
            *out = !strcmp(v, yes[i]);
            return true;
        }
    }
    return false;
}

static bool parse_int(const char *v, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || errno || n < lo || n > hi)
        return false;
    *out = n;
    return true;
}

static bool parse_u64(const char *v, int64_t lo, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (!*v || *v == '-' || *end || errno || n < (uint64_t)lo)
        return false;
    *out = n;
    return true;
}

/* Sets o from v; false with a message in err when v is not a value of o. */
static bool set(const rt_option *o, const char *v, char *err, size_t errlen)
{
    switch (o->kind) {
    case RT_OPT_BOOL:
        if (parse_bool(v, o->var))
            return true;
        errf(err, errlen, o->name, "want 1 or 0 (true or false), got \"%s\"",
             v);
        return false;
    case RT_OPT_INT:
        if (parse_int(v, o->lo, o->hi, o->var))
            return true;
        if (o->hi == INT64_MAX)
            errf(err, errlen, o->name,
                 "want an integer >= %" PRId64 ", got \"%s\"", o->lo, v);
        else
            errf(err, errlen, o->name,
                 "want an integer from %" PRId64 " to %" PRId64 ", got \"%s\"",
                 o->lo, o->hi, v);
        return false;
    case RT_OPT_U64:
        if (parse_u64(v, o->lo, o->var))
            return true;
        errf(err, errlen, o->name, "want an integer >= %" PRId64 ", got \"%s\"",
             o->lo, v);
        return false;
    case RT_OPT_STR:
        *(const char **)o->var = v;
        return true;
    }
    return false;
}

static const rt_option *find(const rt_option *t, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i].name, name))
            return &t[i];
    return NULL;
}

/* Applies pairs to table (later pairs win, as in TSan); marks them used. */
static bool apply(const pair *pairs, bool *used, int np, const rt_option *t,
                  int n, char *err, size_t errlen)
{
    for (int i = 0; i < np; i++) {
        const rt_option *o = find(t, n, pairs[i].name);
        if (!o)
            continue;
        if (used)
            used[i] = true;
        if (o->given)
            *o->given = true;
        if (!set(o, pairs[i].val, err, errlen))
            return false;
    }
    return true;
}

static void split_env(void)
{
    char err[256];
    const char *env = getenv("GORACE");
    reg.split = true;
    if (!env)
        return;
    if (strlen(env) >= sizeof reg.buf)
        die("gorace: GORACE: longer than 4095 bytes");
    strcpy(reg.buf, env);
    reg.npairs = split(reg.buf, reg.pairs, MAX_PAIRS, err, sizeof err);
    if (reg.npairs < 0)
        die(err);
}

void rt_options_register(const rt_option *table, int n)
{
    char err[256];
    if (!reg.split)
        split_env();
    reg.ntables++;
    if (!apply(reg.pairs, reg.claimed, reg.npairs, table, n, err, sizeof err))
        die(err);
}

bool rt_options_parse(char *s, const rt_option *table, int n, char *err,
                      size_t errlen)
{
    pair pairs[MAX_PAIRS];
    bool used[MAX_PAIRS] = {false};
    int np = split(s, pairs, MAX_PAIRS, err, errlen);
    if (np < 0 || !apply(pairs, used, np, table, n, err, errlen))
        return false;
    for (int i = 0; i < np; i++) {
        if (!used[i]) {
            errf(err, errlen, pairs[i].name, "unknown option");
            return false;
        }
    }
    return true;
}

void rt_options_check_unknown(void)
{
    char err[256];
    if (reg.ntables < 2)
        return; /* no detector reads GORACE (header comment) */
    for (int i = 0; i < reg.npairs; i++) {
        if (!reg.claimed[i]) {
            errf(err, sizeof err, reg.pairs[i].name, "unknown option");
            die(err);
        }
    }
}
