/*
 * The GORACE option registry: one tokenizer and one set of validation
 * rules for every component that reads GORACE (the scheduler's seeded
 * schedules, the race detector, the deadlock detector).
 *
 * Each component keeps its options in one table of its own (rt/explore.c,
 * detect/race/report.c, detect/deadlock/engine.c), as TSan keeps its flags
 * in tsan_flags.inc, and hands it to rt_options_register before it reads
 * them. Registration applies GORACE to that table at once, so a component
 * has its values whenever it registers (a detector's constructor, go_run
 * for the scheduler). A bad value ends the process with
 *     gorace: GORACE: <option>: <why>
 * on stderr and status 2, in every build that reads the option.
 *
 * Syntax: name=value pairs separated by blanks, as in Go, or by commas. A
 * comma-separated piece without '=' continues the previous value, so list
 * values keep their commas (leak_ignore=main,fetch).
 *
 * Unknown names. Go's race runtime ignores them silently (TSan lists them
 * only at verbosity=1); we reject them, like a bad value, because a typo
 * (leak=0) would otherwise change nothing without a word. The check runs
 * at go_run, after every linked component registered, and only where a
 * detector registered options: the release runtime reads only the
 * scheduler's options and ignores the detectors' (one GORACE serves both
 * builds, as `gorace check` runs both; Go's non-race binaries ignore
 * GORACE altogether).
 */
#ifndef RT_OPTIONS_H
#define RT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum rt_option_kind {
    RT_OPT_BOOL, /* bool *: 1/0, true/false, yes/no, on/off */
    RT_OPT_INT,  /* int64_t *: a decimal integer in [lo, hi] */
    RT_OPT_U64,  /* uint64_t *: a decimal integer in [lo, 2^64) (seeds) */
    RT_OPT_STR,  /* const char **: the text, kept for the process */
} rt_option_kind;

typedef struct rt_option {
    const char *name;
    rt_option_kind kind;
    void *var;
    int64_t lo, hi; /* RT_OPT_INT: range; RT_OPT_U64: lo */
    bool *given;    /* optional: set when GORACE names the option */
} rt_option;

/* Applies GORACE to the n options of table (kept, not copied) and records
 * them as the component's. Exits 2 with a message on a bad value. */
void rt_options_register(const rt_option *table, int n);

/* The same for the string s instead of GORACE, split in place (string
 * options point into s), without recording the table or exiting: false
 * with one line in err on a bad value or a name not in table (tests). */
bool rt_options_parse(char *s, const rt_option *table, int n, char *err,
                      size_t errlen);

/* At go_run: exits 2 if GORACE names an option no component registered
 * (see the header comment for when this applies). */
void rt_options_check_unknown(void);

#endif
