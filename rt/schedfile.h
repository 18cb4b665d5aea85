/*
 * Schedule files: the decisions of a seeded run, written by GORACE's
 * schedule_out=PATH and followed by schedule_in=PATH (rt/explore.c says
 * when each decision is taken; `gorace stress` shrinks these files and
 * `gorace run --replay` replays them).
 *
 * A decision is keyed by the goroutine that takes it (its goid), the class
 * of event and how many events of that class the goroutine had seen,
 * counting this one. The classes: scheduling points (every function entry
 * in the instrumented build, taken as a point or not), stops (park, system
 * call, exit) and draws (select's randomness, semaphore tickets). A key so
 * names the same moment in another interleaving as long as that goroutine
 * runs the same code, and counting the classes apart keeps a point's key
 * when a schedule changes only how often the goroutine blocked or drew:
 * this is what lets a shrunk schedule drop decisions and keep the rest.
 *
 * The file is text. The first line is "# gorace schedule 1"; other lines
 * starting with '#' are comments (the harness's header); each other line
 * is one decision:
 *   p G K N   goroutine G preempted at its point K; N runs next
 *   s G K N   G stopped running (its stop K); N, not the default, runs next
 *   c G K     G runs on at its point K (where replay would yield)
 *   r G K V   G's draw K returned V (absent: 0)
 *   b V...    the call-point spacings drawn, in order (instrumented build)
 */
#ifndef RT_SCHEDFILE_H
#define RT_SCHEDFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RT_SCHEDFILE_MAGIC "# gorace schedule 1"
/* The call-point spacing replay uses past the file's. */
#define RT_SCHEDFILE_SPACING 32

/* The classes of events, counted apart (rt_g.explore_events). */
enum { RT_SF_POINT, RT_SF_STOP, RT_SF_DRAW };

/* Reads the decisions of path; false with a one-line reason in err. */
bool rt_schedfile_load(const char *path, char *err, size_t errlen);
/* The decision keyed (g, cls, k): its kind ('p', 's', 'c', 'r') and
 * value, or 0 if the file has none. */
char rt_schedfile_find(int64_t g, int cls, uint64_t k, uint64_t *val);
/* The next recorded call-point spacing; false once they run out. */
bool rt_schedfile_budget(uint32_t *v);

/* Recording: one decision, or one call-point spacing. */
void rt_schedfile_record(char kind, int64_t g, uint64_t k, uint64_t val);
void rt_schedfile_record_budget(uint32_t v);
/* Writes what was recorded to path, with a last comment line giving the
 * run's scheduling steps and context switches. Trailing spacings equal to
 * RT_SCHEDFILE_SPACING are left out: replay uses it anyway. */
void rt_schedfile_write(const char *path, uint64_t steps, uint64_t switches);

#endif
