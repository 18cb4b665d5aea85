/* Test helpers (see gotest.h). */
#include "gotest.h"

#include <stdlib.h>

static gt_body_fn gt_body;

static int gt_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    gt_body();
    return 0;
}

void gt_run(gt_body_fn body)
{
    static char arg0[] = "gorace-test";
    char *argv[] = {arg0, NULL};
    gt_body = body;
    ck_assert_int_eq(go_run(gt_main, 1, argv), 0);
}

int gt_try_recv(go_chan *c, void *out)
{
    go_case cs[1] = {GO_RECV_CASE(c, out)};
    if (go_select(cs, 1, true) < 0)
        return -1;
    return cs[0].ok ? 1 : 0;
}

int gt_wait_goroutines(int n, int64_t max_ns)
{
    int64_t deadline = go_now() + max_ns;
    while (go_num_goroutine() > n && go_now() < deadline)
        go_sleep(GO_MILLISECOND);
    return go_num_goroutine();
}

int64_t gt_wait_count(const int64_t *counter, int64_t n, int64_t max_ns)
{
    int64_t deadline = go_now() + max_ns;
    while (__atomic_load_n(counter, __ATOMIC_ACQUIRE) < n &&
           go_now() < deadline)
        go_sleep(GO_MILLISECOND);
    return __atomic_load_n(counter, __ATOMIC_ACQUIRE);
}

TCase *gt_tcase(const char *name, double timeout_s)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, timeout_s);
    return tc;
}

int gt_run_suites(Suite **suites, int n)
{
    SRunner *sr = srunner_create(suites[0]);
    for (int i = 1; i < n; i++)
        srunner_add_suite(sr, suites[i]);
    /* Each test starts its own runtime: never run two in one process. */
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_ENV); /* CK_VERBOSITY=verbose lists each test */
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
