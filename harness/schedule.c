/*
 * schedule.c: asking the runtime for a seeded schedule, and replaying it.
 *
 * The runtime reads its schedule from GORACE (rt/explore.c): seed=N runs
 * every goroutine on one M with each choice drawn from a PRNG seeded by N,
 * pct=D switches from a random walk to PCT of depth D, pct_steps=K bounds
 * where PCT's change points fall, schedule_in=FILE replays a schedule
 * file and schedule_out=FILE records one (replay.c). GORACE also carries
 * the detector's options, so the harness edits only these keys and keeps
 * the rest.
 *
 * Same seed, same binary, same input gives the same interleaving; to give
 * the same bytes too (reports print heap addresses), the child also runs
 * with address-space randomisation off.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

extern char **environ;

enum { MAX_PCT_DEPTH = 16 }; /* rt/explore.c's limit */

static unsigned long long parse_count(const char *verb, const char *flag,
                                      const char *v, unsigned long long lo)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || v[0] == '-' || n < lo)
        usage_fail("%s: bad %s \"%s\" (want an integer >= %llu)", verb, flag, v,
                   lo);
    return n;
}

/* Matches -name / --name, with the value after '=' or next. */
static const char *flag_arg(const char *verb, int argc, char **argv, int *i,
                            const char *name)
{
    const char *a = argv[*i];
    if (a[0] != '-')
        return NULL;
    a += a[1] == '-' ? 2 : 1;
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc)
        usage_fail("%s: --%s needs a value", verb, name);
    return argv[++*i];
}

bool schedule_flag(const char *verb, int argc, char **argv, int *i,
                   struct schedule *s)
{
    const char *v;
    if ((v = flag_arg(verb, argc, argv, i, "seed")) != NULL) {
        s->seed = parse_count(verb, "--seed", v, 0);
        s->seeded = true;
    } else if ((v = flag_arg(verb, argc, argv, i, "pct")) != NULL) {
        unsigned long long d = parse_count(verb, "--pct", v, 1);
        if (d > MAX_PCT_DEPTH)
            usage_fail("%s: bad --pct \"%s\" (want a depth from 1 to %d)", verb,
                       v, MAX_PCT_DEPTH);
        s->pct = (int)d;
    } else if ((v = flag_arg(verb, argc, argv, i, "pct-steps")) != NULL) {
        s->pct_steps = parse_count(verb, "--pct-steps", v, 1);
    } else if ((v = flag_arg(verb, argc, argv, i, "replay")) != NULL) {
        if (!*v)
            usage_fail("%s: --replay needs a file", verb);
        s->replay = v;
    } else {
        return false;
    }
    return true;
}

void schedule_validate(const char *verb, const struct schedule *s)
{
    if (!s->seeded && s->pct)
        usage_fail("%s: --pct needs --seed", verb);
    if (!s->seeded && s->pct_steps)
        usage_fail("%s: --pct-steps needs --seed", verb);
    if (!s->pct && s->pct_steps)
        usage_fail("%s: --pct-steps needs --pct", verb);
    if (s->replay && s->seeded)
        usage_fail("%s: --replay names the schedule; drop --seed", verb);
}

void schedule_name(const struct schedule *s, char *dst, size_t len)
{
    if (!s->pct)
        strfmt(dst, len, "random walk");
    else if (s->pct_steps)
        strfmt(dst, len, "PCT d=%d steps=%llu", s->pct, s->pct_steps);
    else
        strfmt(dst, len, "PCT d=%d", s->pct);
}

void schedule_flags(const struct schedule *s, char *dst, size_t len)
{
    size_t o = 0;
    dst[0] = '\0';
    if (!s->seeded)
        return;
    o += snprintf(dst + o, len - o, "--seed %llu", s->seed);
    if (s->pct && o < len)
        o += snprintf(dst + o, len - o, " --pct=%d", s->pct);
    if (s->pct_steps && o < len)
        snprintf(dst + o, len - o, " --pct-steps=%llu", s->pct_steps);
}

void schedule_env_prefix(const struct schedule *s, char *dst, size_t len)
{
    dst[0] = '\0';
    if (!s->options || !*s->options)
        return;
    strfmt(dst, len, "GORACE=");
    shell_append(dst, len, s->options);
    strfmt(dst + strlen(dst), len - strlen(dst), " ");
}

static bool is_schedule_key(const char *opt, size_t n)
{
    static const char *const keys[] = {
        "seed=", "pct=", "pct_steps=", "schedule_in=", "schedule_out="};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        size_t kl = strlen(keys[k]);
        if (n >= kl && strncmp(opt, keys[k], kl) == 0)
            return true;
    }
    return false;
}

char *schedule_gorace(const struct schedule *s)
{
    const char *old = getenv("GORACE");
    size_t cap = (old ? strlen(old) : 0) + 128, o = 0;
    char *v = malloc(cap);
    if (v == NULL) {
        perror("gorace");
        exit(1);
    }
    v[0] = '\0';
    /* Options are separated by blanks or commas (rt/options.h); a kept
     * piece keeps its comma, which may join it to a list value. */
    for (const char *p = old ? old : ""; *p;) {
        size_t n = strcspn(p, " \t\n,");
        const char *sep = p > old && p[-1] == ',' ? "," : " ";
        if (n > 0 && !is_schedule_key(p, n))
            o += snprintf(v + o, cap - o, "%s%.*s", o ? sep : "", (int)n, p);
        p += n;
        if (*p)
            p++;
    }
    if (s->options && *s->options) {
        size_t need = o + strlen(s->options) + 130;
        if (need > cap && (v = realloc(v, cap = need)) == NULL) {
            perror("gorace");
            exit(1);
        }
        o += snprintf(v + o, cap - o, "%s%s", o ? " " : "", s->options);
    }
    if (s->seeded) {
        o += snprintf(v + o, cap - o, "%sseed=%llu", o ? " " : "", s->seed);
        if (s->pct)
            o += snprintf(v + o, cap - o, " pct=%d", s->pct);
        if (s->pct_steps)
            snprintf(v + o, cap - o, " pct_steps=%llu", s->pct_steps);
    }
    return v;
}

bool env_has_seed(void)
{
    const char *g = getenv("GORACE");
    for (const char *p = g ? g : ""; *p;) {
        size_t n = strcspn(p, " \t\n,");
        if (n > 5 && strncmp(p, "seed=", 5) == 0)
            return true;
        p += n;
        if (*p)
            p++;
    }
    return false;
}

char **run_env(const struct schedule *s, int procs)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 3, sizeof *env);
    if (env == NULL) {
        perror("gorace");
        exit(1);
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (procs > 0 && strncmp(environ[i], "GOMAXPROCS=", 11) == 0)
            continue;
        if (s && strncmp(environ[i], "GORACE=", 7) == 0)
            continue;
        env[k++] = strdup(environ[i]);
    }
    if (procs > 0 && asprintf(&env[k++], "GOMAXPROCS=%d", procs) < 0)
        exit(1);
    if (s) {
        char *g = schedule_gorace(s);
        if (*g && asprintf(&env[k++], "GORACE=%s", g) < 0)
            exit(1);
        free(g);
    }
    return env;
}

void env_free(char **env)
{
    for (size_t i = 0; env[i]; i++)
        free(env[i]);
    free(env);
}

bool fixed_addresses(bool on)
{
    int cur = personality(0xffffffff);
    if (cur == -1)
        return false;
    int want = on ? cur | ADDR_NO_RANDOMIZE : cur & ~ADDR_NO_RANDOMIZE;
    return want == cur || personality(want) != -1;
}

void shell_append(char *dst, size_t len, const char *s)
{
    size_t o = strlen(dst);
    bool plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789@%+=:,./-_",
                       *p) != NULL;
    if (plain) {
        snprintf(dst + o, len - o, "%s", s);
        return;
    }
    /* '...' quotes everything but ', which becomes '\''. */
    if (o + 1 < len)
        dst[o++] = '\'';
    for (const char *p = s; *p && o + 5 < len; p++) {
        if (*p == '\'') {
            memcpy(dst + o, "'\\''", 4);
            o += 4;
        } else {
            dst[o++] = *p;
        }
    }
    if (o + 1 < len)
        dst[o++] = '\'';
    dst[o < len ? o : len - 1] = '\0';
}
