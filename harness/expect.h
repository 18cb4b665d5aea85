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
    char **args; /* NULL-terminated */
    size_t nargs;
};

/* Parses the header of the file at path. On error returns false and writes a
 * one-line reason (without newline) into err. */
bool expect_parse(const char *path, struct expect *e, char *err, size_t errlen);
bool expect_parse_text(const char *text, struct expect *e, char *err,
                       size_t errlen);
void expect_free(struct expect *e);

const char *outcome_name(enum outcome o);

/* Compares a program's stdout (len bytes) with the rule. On mismatch returns
 * false and writes a one-line description into diff. */
bool expect_check_stdout(const struct expect *e, const char *out, size_t len,
                         char *diff, size_t difflen);

/* Length of the valid UTF-8 sequence at s (0: not valid UTF-8). */
size_t utf8_seq_len(const unsigned char *s, size_t n);

#endif
