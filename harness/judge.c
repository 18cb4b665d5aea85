/*
 * judge.c: how did a run end, and is that what its header promised?
 *
 * A run is known by its wait status and captured output. Go's runtime
 * leaves fixed marks we can rely on: exit 2 with a first stderr line
 * "panic: " or "fatal error: " (the deadlock message being one fatal
 * error), and exit 66 with a "WARNING: DATA RACE" or "WARNING: GOROUTINE
 * LEAK" report. check compares a run with the whole expectation; stress
 * also needs the coarser questions: did it crash, and did it show the bug
 * the header declares. A run that meets an ok or exit expectation must
 * also be free of detector warnings.
 */
#define _GNU_SOURCE
#include "expect.h"
#include "harness.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static const char deadlock_msg[] =
    "fatal error: all goroutines are asleep - deadlock!";

void first_line(const char *s, char *dst, size_t len)
{
    size_t n = strcspn(s, "\n");
    if (n >= len)
        n = len - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static const char *signame(int sig)
{
    const char *d = sigabbrev_np(sig);
    return d ? d : "?";
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The stderr an outcome implies, beyond the exit status. */
static bool outcome_stderr_ok(enum outcome o, const char *err,
                              const char **want)
{
    switch (o) {
    case OUT_DEADLOCK:
        *want = deadlock_msg;
        return starts_with(err, *want);
    case OUT_PANIC:
        *want = "panic: ";
        return starts_with(err, *want);
    case OUT_FATAL:
        *want = "fatal error: ";
        return starts_with(err, *want);
    case OUT_RACE:
        *want = "WARNING: DATA RACE";
        return strstr(err, *want) != NULL;
    case OUT_LEAK:
        *want = "WARNING: GOROUTINE LEAK";
        return strstr(err, *want) != NULL;
    default:
        return true;
    }
}

/* A detector's warning line ("WARNING: ..."), or NULL. */
static const char *warning_line(const char *err)
{
    for (const char *l = err; l && *l;
         l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (starts_with(l, "WARNING: "))
            return l;
    return NULL;
}

static bool outcome_shown(enum outcome o, int code, const struct run *r)
{
    const char *want;
    return !r->timed_out && WIFEXITED(r->status) &&
           WEXITSTATUS(r->status) == code &&
           outcome_stderr_ok(o, r->err, &want);
}

void run_kind(const struct run *r, char *dst, size_t len)
{
    if (r->timed_out) {
        strfmt(dst, len, "timeout");
        return;
    }
    if (WIFSIGNALED(r->status)) {
        strfmt(dst, len, "signal SIG%s", signame(WTERMSIG(r->status)));
        return;
    }
    int code = WEXITSTATUS(r->status);
    if (code == 2 && starts_with(r->err, deadlock_msg))
        strfmt(dst, len, "deadlock");
    else if (code == 2 && starts_with(r->err, "fatal error: "))
        strfmt(dst, len, "fatal");
    else if (code == 2 && starts_with(r->err, "panic: "))
        strfmt(dst, len, "panic");
    else if (code == 66 && strstr(r->err, "WARNING: DATA RACE"))
        strfmt(dst, len, "race");
    else if (code == 66 && strstr(r->err, "WARNING: GOROUTINE LEAK"))
        strfmt(dst, len, "leak");
    else if (code == 0)
        strfmt(dst, len, "ok");
    else
        strfmt(dst, len, "exit %d", code);
}

bool judge_run(const struct expect *e, const struct run *r, char *msg,
               size_t msglen)
{
    char line[200], diff[900];
    const char *want;
    first_line(r->err, line, sizeof line);
    if (r->timed_out) {
        strfmt(msg, msglen, "timed out after %gs", r->timeout);
        return false;
    }
    if (WIFSIGNALED(r->status)) {
        strfmt(msg, msglen, "killed by signal SIG%s%s%s",
               signame(WTERMSIG(r->status)), *line ? "; stderr: " : "", line);
        return false;
    }
    int code = WEXITSTATUS(r->status);
    if (code != e->exit_code) {
        strfmt(msg, msglen, "exit status %d, want %d (expect %s)%s%s", code,
               e->exit_code, outcome_name(e->outcome),
               *line ? "; stderr: " : "", line);
        return false;
    }
    if (!outcome_stderr_ok(e->outcome, r->err, &want)) {
        strfmt(msg, msglen, "stderr %s \"%s\" (expect %s); stderr: %s",
               e->outcome == OUT_RACE || e->outcome == OUT_LEAK
                   ? "lacks"
                   : "does not start with",
               want, outcome_name(e->outcome), *line ? line : "(empty)");
        return false;
    }
    /* A program that ends well must not have been warned about either (Go
     * accepts it), unless it expects the detectors' exit status, 66. */
    const char *warn =
        (e->outcome == OUT_OK || e->outcome == OUT_EXIT) && e->exit_code != 66
            ? warning_line(r->err)
            : NULL;
    if (warn) {
        first_line(warn, line, sizeof line);
        strfmt(msg, msglen, "stderr has a detector warning (expect %s): %s",
               outcome_name(e->outcome), line);
        return false;
    }
    if (e->stderr_prefix && !starts_with(r->err, e->stderr_prefix)) {
        strfmt(msg, msglen, "stderr: got \"%s\", want prefix \"%s\"", line,
               e->stderr_prefix);
        return false;
    }
    if (!expect_check_stdout(e, r->out, r->outlen, diff, sizeof diff)) {
        strfmt(msg, msglen, "%s", diff);
        return false;
    }
    return true;
}

bool bug_shown(const struct expect *e, const struct run *r)
{
    if (!e->has_bug)
        return false;
    if (e->bug_is_stdout) {
        char diff[64];
        return outcome_shown(e->outcome, e->exit_code, r) &&
               !expect_check_stdout(e, r->out, r->outlen, diff, sizeof diff);
    }
    return outcome_shown(e->bug_outcome, e->bug_exit_code, r);
}

bool run_crashed(const struct run *r, char *msg, size_t msglen)
{
    char kind[64], line[300];
    run_kind(r, kind, sizeof kind);
    first_line(r->err, line, sizeof line);
    if (r->timed_out) {
        strfmt(msg, msglen, "timed out after %gs", r->timeout);
        return true;
    }
    if (strcmp(kind, "ok") == 0 || strncmp(kind, "exit ", 5) == 0)
        return false;
    if (strncmp(kind, "signal ", 7) == 0)
        strfmt(msg, msglen, "killed by %s%s%s", kind, *line ? "; stderr: " : "",
               line);
    else if (strcmp(kind, "race") == 0 || strcmp(kind, "leak") == 0)
        strfmt(msg, msglen, "%s (exit 66): %s", kind,
               strcmp(kind, "race") == 0 ? "WARNING: DATA RACE"
                                         : "WARNING: GOROUTINE LEAK");
    else
        strfmt(msg, msglen, "%s", line);
    return true;
}
