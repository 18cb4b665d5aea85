// GoKer cockroach#9935 (resource, double locking): outputLogEntry holds
// l.mu and, when the log file must be rotated and creating it fails, calls
// exit(), which takes l.mu again. Main waits for the logger: all asleep.
// (Go's profile: outputLogEntry leaked in sync.Mutex.Lock.)
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>
#include <stdbool.h>

static go_mutex l_mu;
static go_wg wg;

static void log_exit(void)
{
    go_mutex_lock(&l_mu); /* already held by outputLogEntry */
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
    if (!create_file())
        log_exit();
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
