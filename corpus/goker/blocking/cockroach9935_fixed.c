// Fixed twin of cockroach9935.c: outputLogEntry releases l.mu before
// exit() takes it again (the fix GoKer describes for cockroachdb/cockroach
// PR 9935).
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>
#include <stdbool.h>

static go_mutex l_mu;
static go_wg wg;

static void log_exit(void)
{
    go_mutex_lock(&l_mu);
    go_mutex_unlock(&l_mu);
}

static bool create_file(void)
{
    return false; /* the disk is full */
}

static void output_log_entry(void *arg)
{
    (void)arg;
    go_mutex_lock(&l_mu);
    if (!create_file()) {
        go_mutex_unlock(&l_mu); /* the fix: release l.mu first */
        log_exit();
        go_wg_done(&wg);
        return;
    }
    go_mutex_unlock(&l_mu);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 1);
    GO(output_log_entry, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
