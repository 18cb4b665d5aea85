/*
 * expect.h: the expectation header of a corpus program.
 *
 * A corpus program states what it must do in `//` comment lines at the top of
 * the file (see corpus/README.md for the format). expect_parse reads that
 * header; expect_check_stdout compares a program's whole stdout with it.
 */
#ifndef GORACE_EXPECT_H
#define GORACE_EXPECT_H

#include <stdbool.h>
#include <stddef.h>

enum outcome {
    OUT_OK,
    OUT_RACE,
    OUT_DEADLOCK,
    OUT_LEAK,
    OUT_PANIC,
    OUT_FATAL,
    OUT_EXIT,
};

/* One element of the stdout rule: an exact line, or a multiset of lines. */
struct segment {
    bool is_set;
    char **lines;
    size_t n;
};

struct expect {
    enum outcome outcome;
    int exit_code; /* the status the outcome implies (OUT_EXIT: its N) */
    struct segment *segs;
    size_t nsegs;
    bool has_stdout; /* any stdout/stdout-set directive: stdout is checked */
    char *stderr_prefix; /* NULL: not checked */
    int *gomaxprocs;     /* NULL: one run, GOMAXPROCS inherited */
    size_t ngomaxprocs;
    /* gomaxprocs: none REASON: no free-running run (its outcome depends
     * on real time); seeded runs only */
    char *no_free_reason;
    char **args; /* NULL-terminated */
    size_t nargs;
    /* seeds: N [reason]: at most N seeded runs in check (-1: no directive) */
    int seeds;
    char *seeds_reason;
    /* bug: KIND: some schedules break the program in this way. Free-running
     * runs must still meet the expectation; a seeded run may instead show
     * the bug (an outcome, or `stdout`: expected outcome, wrong stdout). */
    bool has_bug;
    /* `needs: detector`: only the instrumented build can meet the
     * expectation (like race and leak, which imply it) */
    bool needs_detector;
    /* `gorace: OPTS`: GORACE options for every run (e.g. lock_order=0) */
    char *gorace;
    bool bug_is_stdout;
    enum outcome bug_outcome;
    int bug_exit_code;
};

/* Parses the header of the file at path. On error returns false and writes a
 * one-line reason (without newline) into err. */
bool expect_parse(const char *path, struct expect *e, char *err, size_t errlen);
bool expect_parse_text(const char *text, struct expect *e, char *err,
                       size_t errlen);
void expect_free(struct expect *e);

const char *outcome_name(enum outcome o);
/* "panic", "exit 3", "stdout": the declared bug, for messages. */
void bug_name(const struct expect *e, char *dst, size_t len);

/* Compares a program's stdout (len bytes) with the rule. On mismatch returns
 * false and writes a one-line description into diff. */
bool expect_check_stdout(const struct expect *e, const char *out, size_t len,
                         char *diff, size_t difflen);

/* ---- judging one run (judge.c) ----------------------------------------- */

/* How a run ended, as spawn_wait and the capture files tell it. */
struct run {
    int status; /* wait status */
    bool timed_out;
    double timeout; /* the deadline it had, for messages */
    const char *out, *err;
    size_t outlen, errlen;
};

/* What the run did, in the header's words: "ok" (exit 0), "exit N",
 * "panic", "fatal", "deadlock", "race", "leak", "timeout", "signal SIGx". */
void run_kind(const struct run *r, char *dst, size_t len);

/* Does the run meet the expectation? If not, a one-line reason in msg. */
bool judge_run(const struct expect *e, const struct run *r, char *msg,
               size_t msglen);

/* Does the run show the header's declared bug (and nothing else)? */
bool bug_shown(const struct expect *e, const struct run *r);

/* A failure whatever the program meant: timeout, signal, a panic or fatal
 * error (exit 2 with Go's first line), a race or leak report (exit 66). */
bool run_crashed(const struct run *r, char *msg, size_t msglen);

/* The first line of s, cut to len. */
void first_line(const char *s, char *dst, size_t len);

/* Length of the valid UTF-8 sequence at s (0: not valid UTF-8). */
size_t utf8_seq_len(const unsigned char *s, size_t n);

#endif
