/*
 * Shared helpers for gorace's Check tests.
 *
 * go_run may be called once per process, so every test runs in its own child
 * (Check's default fork mode) and starts the runtime itself: GO_TEST(name)
 * declares a Check test whose body runs as goroutine 1. Check's assertions
 * work from any goroutine on any thread: in fork mode a failure reports over
 * Check's pipe and _exit(1)s the child. Keep them out of hot loops (each one
 * writes to that pipe); count in the loop, assert after it.
 *
 * Hangs are failures too: every test case carries a Check timeout.
 */
#ifndef GORACE_TESTS_GOTEST_H
#define GORACE_TESTS_GOTEST_H

#include <check.h>
#include <stdint.h>

#include <gorace.h>

typedef void (*gt_body_fn)(void);

/* Runs body as goroutine 1 (go_run) and asserts go_run returned 0. */
void gt_run(gt_body_fn body);

#define GO_TEST(name)                                                          \
    static void name##_gobody(void);                                           \
    START_TEST(name)                                                           \
    {                                                                          \
        gt_run(name##_gobody);                                                 \
    }                                                                          \
    END_TEST                                                                   \
    static void name##_gobody(void)

/* Non-blocking receive through a one-case select with default:
 * -1 nothing ready, 1 a value was received, 0 the channel is closed. */
int gt_try_recv(go_chan *c, void *out);

/* Polls (sleeping 1ms at a time, at most max_ns) until at most n goroutines
 * exist; returns go_num_goroutine() at the end. */
int gt_wait_goroutines(int n, int64_t max_ns);

/* Sleeps until `*counter` reaches n (at most max_ns); returns its value. */
int64_t gt_wait_count(const int64_t *counter, int64_t n, int64_t max_ns);

/* A test case with the given timeout in seconds. */
TCase *gt_tcase(const char *name, double timeout_s);

/* Runs every suite in fork mode; the process exit status. */
int gt_run_suites(Suite **suites, int n);

#endif
