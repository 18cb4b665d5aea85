/*
 * expect.c: parse a corpus program's expectation header and check stdout.
 *
 * The header is the file's leading block of blank lines and `//` comments;
 * the first other line ends it. Within it, a comment of the form
 * `// key: value` with a known key is a directive; every other comment is
 * prose. The keys are expect, stdout, stdout-set, stderr, gomaxprocs, args,
 * seeds and bug.
 * `gomaxprocs: none REASON` means no free-running run at all.
 *
 * The stdout rule is the sequence of stdout and stdout-set directives in file
 * order. The program's whole stdout, split into lines, must be exactly the
 * concatenation of those segments: an exact line matches one line, a set of
 * k items matches the next k lines taken as a multiset. Trailing blanks are
 * ignored on both sides. With no stdout directive, stdout is not checked.
 */
#include "expect.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const outcome_names[] = {
    [OUT_OK] = "ok",     [OUT_RACE] = "race",   [OUT_DEADLOCK] = "deadlock",
    [OUT_LEAK] = "leak", [OUT_PANIC] = "panic", [OUT_FATAL] = "fatal",
    [OUT_EXIT] = "exit",
};

const char *outcome_name(enum outcome o)
{
    return outcome_names[o];
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (p == NULL) {
        perror("gorace");
        exit(2);
    }
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = xrealloc(NULL, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static size_t rtrim_len(const char *s, size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    return n;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void add_segment(struct expect *e, bool is_set, const char *v,
                        size_t vlen)
{
    struct segment s = {.is_set = is_set};
    const char *p = v, *end = v + vlen;
    for (;;) {
        const char *bar = is_set ? memchr(p, '|', end - p) : NULL;
        const char *stop = bar ? bar : end;
        s.lines = xrealloc(s.lines, (s.n + 1) * sizeof *s.lines);
        s.lines[s.n++] = xstrndup(p, rtrim_len(p, stop - p));
        if (bar == NULL)
            break;
        p = bar + 1;
    }
    e->segs = xrealloc(e->segs, (e->nsegs + 1) * sizeof *e->segs);
    e->segs[e->nsegs++] = s;
    e->has_stdout = true;
}

/* An outcome word and the exit status it implies. */
static bool parse_outcome_word(const char *v, enum outcome *o, int *code)
{
    static const int codes[] = {
        [OUT_OK] = 0,    [OUT_RACE] = 66, [OUT_DEADLOCK] = 2,
        [OUT_LEAK] = 66, [OUT_PANIC] = 2, [OUT_FATAL] = 2};
    for (int k = OUT_OK; k < OUT_EXIT; k++) {
        if (strcmp(v, outcome_names[k]) == 0) {
            *o = k;
            *code = codes[k];
            return true;
        }
    }
    if (strncmp(v, "exit ", 5) == 0) {
        char *endp;
        errno = 0;
        long n = strtol(v + 5, &endp, 10);
        if (errno == 0 && endp != v + 5 && *endp == '\0' && n >= 0 &&
            n <= 255) {
            *o = OUT_EXIT;
            *code = (int)n;
            return true;
        }
    }
    return false;
}

static bool parse_outcome(struct expect *e, const char *v, char *err,
                          size_t errlen)
{
    if (parse_outcome_word(v, &e->outcome, &e->exit_code))
        return true;
    seterr(err, errlen,
           "bad expect \"%s\" (want ok|race|deadlock|leak|panic|fatal|exit N)",
           v);
    return false;
}

static bool parse_bug(struct expect *e, const char *v, char *err, size_t errlen)
{
    if (e->has_bug) {
        seterr(err, errlen, "second bug directive");
        return false;
    }
    e->has_bug = true;
    if (strcmp(v, "stdout") == 0) {
        e->bug_is_stdout = true;
        return true;
    }
    if (parse_outcome_word(v, &e->bug_outcome, &e->bug_exit_code) &&
        e->bug_outcome != OUT_OK)
        return true;
    seterr(err, errlen,
           "bad bug \"%s\" (want "
           "stdout|race|deadlock|leak|panic|fatal|exit N)",
           v);
    return false;
}

/* seeds: N, then an optional reason; 0 needs one. */
static bool parse_seeds(struct expect *e, const char *v, char *err,
                        size_t errlen)
{
    char *endp;
    errno = 0;
    long n = strtol(v, &endp, 10);
    if (errno != 0 || endp == v || n < 0 || n > 1000000 ||
        (*endp != '\0' && *endp != ' ' && *endp != '\t')) {
        seterr(err, errlen, "bad seeds \"%s\" (want a count, then a reason)",
               v);
        return false;
    }
    while (*endp == ' ' || *endp == '\t')
        endp++;
    if (n == 0 && *endp == '\0') {
        seterr(err, errlen, "seeds: 0 needs a reason after the count");
        return false;
    }
    e->seeds = (int)n;
    free(e->seeds_reason);
    e->seeds_reason = *endp ? xstrndup(endp, strlen(endp)) : NULL;
    return true;
}

void bug_name(const struct expect *e, char *dst, size_t len)
{
    if (!e->has_bug)
        snprintf(dst, len, "none");
    else if (e->bug_is_stdout)
        snprintf(dst, len, "stdout");
    else if (e->bug_outcome == OUT_EXIT)
        snprintf(dst, len, "exit %d", e->bug_exit_code);
    else
        snprintf(dst, len, "%s", outcome_name(e->bug_outcome));
}

static bool parse_gomaxprocs(struct expect *e, const char *v, char *err,
                             size_t errlen)
{
    const char *p = v;
    free(e->gomaxprocs);
    e->gomaxprocs = NULL;
    e->ngomaxprocs = 0;
    free(e->no_free_reason);
    e->no_free_reason = NULL;
    if (strncmp(v, "none", 4) == 0 && (v[4] == '\0' || isblank(v[4]))) {
        p = v + 4;
        while (isblank(*p))
            p++;
        if (!*p) {
            seterr(err, errlen, "gomaxprocs: none needs a reason after it");
            return false;
        }
        e->no_free_reason = xstrndup(p, strlen(p));
        return true;
    }
    for (;;) {
        char *endp;
        errno = 0;
        long n = strtol(p, &endp, 10);
        if (errno != 0 || endp == p || n < 1 || n > 4096 ||
            (*endp != ',' && *endp != '\0')) {
            seterr(err, errlen, "bad gomaxprocs \"%s\" (want e.g. 1,2)", v);
            return false;
        }
        e->gomaxprocs = xrealloc(e->gomaxprocs,
                                 (e->ngomaxprocs + 1) * sizeof *e->gomaxprocs);
        e->gomaxprocs[e->ngomaxprocs++] = (int)n;
        if (*endp == '\0')
            return true;
        p = endp + 1;
    }
}

static void parse_args(struct expect *e, const char *v)
{
    const char *p = v;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        const char *q = p;
        while (*q != '\0' && *q != ' ' && *q != '\t')
            q++;
        e->args = xrealloc(e->args, (e->nargs + 2) * sizeof *e->args);
        e->args[e->nargs++] = xstrndup(p, q - p);
        e->args[e->nargs] = NULL;
        p = q;
    }
}

/* Handles one header comment (text after the `//`). Unknown keys are prose. */
static bool parse_comment(struct expect *e, const char *c, size_t n,
                          bool *seen_expect, int lineno, char *err,
                          size_t errlen)
{
    static const char *const keys[] = {
        "expect", "stdout-set", "stdout", "stderr", "gomaxprocs",
        "args",   "bug",        "seeds",  "needs",  "gorace"};
    while (n > 0 && (*c == ' ' || *c == '\t'))
        c++, n--;
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        size_t kl = strlen(keys[k]);
        if (n <= kl || strncmp(c, keys[k], kl) != 0 || c[kl] != ':')
            continue;
        const char *v = c + kl + 1;
        size_t vl = n - kl - 1;
        if (vl > 0 && *v == ' ')
            v++, vl--;
        vl = rtrim_len(v, vl);
        char *val = xstrndup(v, vl);
        bool ok = true;
        switch (k) {
        case 0:
            if (*seen_expect) {
                seterr(err, errlen, "line %d: second expect directive", lineno);
                ok = false;
            } else {
                ok = parse_outcome(e, val, err, errlen);
                *seen_expect = true;
            }
            break;
        case 1:
        case 2:
            add_segment(e, k == 1, v, vl);
            break;
        case 3:
            free(e->stderr_prefix);
            e->stderr_prefix = xstrndup(v, vl);
            break;
        case 4:
            ok = parse_gomaxprocs(e, val, err, errlen);
            break;
        case 5:
            parse_args(e, val);
            break;
        case 6:
            ok = parse_bug(e, val, err, errlen);
            break;
        case 7:
            ok = parse_seeds(e, val, err, errlen);
            break;
        case 9:
            free(e->gorace);
            e->gorace = xstrndup(v, vl);
            break;
        case 8:
            if (strcmp(val, "detector") == 0) {
                e->needs_detector = true;
            } else {
                seterr(err, errlen, "needs: want \"detector\", got \"%s\"",
                       val);
                ok = false;
            }
            break;
        }
        if (!ok && strncmp(err, "line ", 5) != 0) {
            char why[512];
            snprintf(why, sizeof why, "%s", err);
            seterr(err, errlen, "line %d: %s", lineno, why);
        }
        free(val);
        return ok;
    }
    return true;
}

bool expect_parse_text(const char *text, struct expect *e, char *err,
                       size_t errlen)
{
    memset(e, 0, sizeof *e);
    e->seeds = -1;
    bool seen_expect = false;
    int lineno = 0;
    for (const char *p = text; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        const char *s = p;
        size_t sn = n;
        while (sn > 0 && isspace((unsigned char)*s))
            s++, sn--;
        if (sn >= 2 && s[0] == '/' && s[1] == '/') {
            if (!parse_comment(e, s + 2, sn - 2, &seen_expect, lineno, err,
                               errlen)) {
                expect_free(e);
                return false;
            }
        } else if (sn != 0) {
            break; /* the header ends at the first code line */
        }
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    if (!seen_expect) {
        seterr(err, errlen, "no \"// expect:\" directive in the header");
        expect_free(e);
        return false;
    }
    if (e->has_bug && !e->bug_is_stdout && e->bug_exit_code == e->exit_code &&
        e->bug_outcome == e->outcome) {
        seterr(err, errlen, "bug: the bug's outcome is the expected one");
        expect_free(e);
        return false;
    }
    if (e->has_bug && e->bug_is_stdout && !e->has_stdout) {
        seterr(err, errlen, "bug: stdout needs stdout directives");
        expect_free(e);
        return false;
    }
    return true;
}

bool expect_parse(const char *path, struct expect *e, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        seterr(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    /* The header is at the top; 64 KiB is far more than any header. */
    size_t cap = 64 * 1024;
    char *buf = xrealloc(NULL, cap + 1);
    size_t n = fread(buf, 1, cap, f);
    buf[n] = '\0';
    fclose(f);
    bool ok = expect_parse_text(buf, e, err, errlen);
    free(buf);
    return ok;
}

void expect_free(struct expect *e)
{
    for (size_t i = 0; i < e->nsegs; i++) {
        for (size_t j = 0; j < e->segs[i].n; j++)
            free(e->segs[i].lines[j]);
        free(e->segs[i].lines);
    }
    free(e->segs);
    free(e->stderr_prefix);
    free(e->gomaxprocs);
    for (size_t i = 0; i < e->nargs; i++)
        free(e->args[i]);
    free(e->args);
    free(e->seeds_reason);
    free(e->no_free_reason);
    free(e->gorace);
    memset(e, 0, sizeof *e);
}

/* ---- stdout comparison ------------------------------------------------- */

struct line {
    const char *s;
    size_t n;
};

/* Length of the valid UTF-8 sequence at s (0: invalid). */
size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned min;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0)
        len = 2, min = 0x80;
    else if ((s[0] & 0xf0) == 0xe0)
        len = 3, min = 0x800;
    else if ((s[0] & 0xf8) == 0xf0)
        len = 4, min = 0x10000;
    else
        return 0;
    if (len > n)
        return 0;
    unsigned cp = s[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* Quotes a line for a diagnostic: escapes, and cuts long lines. */
static void quote(char *dst, size_t dstlen, const char *s, size_t n)
{
    size_t o = 0;
    if (dstlen < 8)
        return;
    dst[o++] = '"';
    for (size_t i = 0; i < n && o + 6 < dstlen; i++) {
        unsigned char c = s[i];
        if (i == 60) {
            o += snprintf(dst + o, dstlen - o, "...");
            break;
        }
        size_t l = utf8_seq_len((const unsigned char *)s + i, n - i);
        if (l > 1 && o + l + 6 < dstlen) {
            memcpy(dst + o, s + i, l);
            o += l;
            i += l - 1;
            continue;
        }
        if (c == '"' || c == '\\')
            o += snprintf(dst + o, dstlen - o, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            o += snprintf(dst + o, dstlen - o, "\\x%02x", c);
        else
            dst[o++] = c;
    }
    snprintf(dst + o, dstlen - o, "\"");
}

static struct line *split_lines(const char *out, size_t len, size_t *nlines)
{
    struct line *v = NULL;
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(out + i, '\n', len - i);
        size_t l = nl ? (size_t)(nl - (out + i)) : len - i;
        v = xrealloc(v, (n + 1) * sizeof *v);
        v[n].s = out + i;
        v[n].n = rtrim_len(out + i, l);
        n++;
        i += l + 1;
    }
    *nlines = n;
    return v;
}

static bool line_is(struct line l, const char *want)
{
    return l.n == strlen(want) && memcmp(l.s, want, l.n) == 0;
}

static void set_text(const struct segment *s, char *dst, size_t dstlen)
{
    size_t o = 0;
    dst[0] = '\0';
    for (size_t i = 0; i < s->n && o < dstlen; i++)
        o += snprintf(dst + o, dstlen - o, "%s%s", i ? "|" : "", s->lines[i]);
}

/* Matches the next s->n lines against the set; returns the index of the first
 * line that matched no unused item, or SIZE_MAX if they all matched. */
static size_t match_set(const struct segment *s, const struct line *lines)
{
    bool *used = calloc(s->n, sizeof *used);
    size_t bad = SIZE_MAX;
    for (size_t i = 0; i < s->n && bad == SIZE_MAX; i++) {
        size_t j = 0;
        while (j < s->n && (used[j] || !line_is(lines[i], s->lines[j])))
            j++;
        if (j == s->n)
            bad = i;
        else
            used[j] = true;
    }
    free(used);
    return bad;
}

bool expect_check_stdout(const struct expect *e, const char *out, size_t len,
                         char *diff, size_t difflen)
{
    if (!e->has_stdout)
        return true;
    size_t nlines, at = 0;
    struct line *lines = split_lines(out, len, &nlines);
    char q[256], w[512];
    bool ok = true;
    for (size_t i = 0; i < e->nsegs && ok; i++) {
        const struct segment *s = &e->segs[i];
        if (!s->is_set) {
            if (at == nlines) {
                seterr(diff, difflen,
                       "stdout ended after %zu lines, want \"%s\"", nlines,
                       s->lines[0]);
                ok = false;
            } else if (!line_is(lines[at], s->lines[0])) {
                quote(q, sizeof q, lines[at].s, lines[at].n);
                seterr(diff, difflen, "stdout line %zu: got %s, want \"%s\"",
                       at + 1, q, s->lines[0]);
                ok = false;
            }
            at++;
            continue;
        }
        set_text(s, w, sizeof w);
        if (nlines - at < s->n) {
            seterr(diff, difflen,
                   "stdout ended after %zu lines, want %zu more from set %s",
                   nlines, s->n - (nlines - at), w);
            ok = false;
            continue;
        }
        size_t bad = match_set(s, lines + at);
        if (bad != SIZE_MAX) {
            quote(q, sizeof q, lines[at + bad].s, lines[at + bad].n);
            seterr(diff, difflen, "stdout line %zu: got %s, want one of set %s",
                   at + bad + 1, q, w);
            ok = false;
        }
        at += s->n;
    }
    if (ok && at < nlines) {
        quote(q, sizeof q, lines[at].s, lines[at].n);
        seterr(diff, difflen, "stdout line %zu: unexpected extra line %s",
               at + 1, q);
        ok = false;
    }
    free(lines);
    return ok;
}
