// GoKer moby#36114 (Resource Deadlock: double locking).
// Origin: moby/moby PR 36114; GoKer file
// goker/blocking/moby/36114/moby36114_test.go.
//
// hotAddVHDsAtStart() locks the service VM and, with the lock held, calls
// hotRemoveVHDsAtStart(), which locks it again: the goroutine blocks on a
// mutex it holds itself. The test starts it and returns, so the goroutine
// is leaked on every schedule. (Go's profile: hotAddVHDsAtStart
// [sync.Mutex.Lock].)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

struct service_vm {
    go_mutex mu; /* the embedded sync.Mutex */
};

static void hot_remove_vhds_at_start(struct service_vm *svm)
{
    go_mutex_lock(&svm->mu); /* already held by the caller */
    go_mutex_unlock(&svm->mu);
}

static void hot_add_vhds_at_start(void *arg)
{
    struct service_vm *svm = arg;
    go_mutex_lock(&svm->mu);
    hot_remove_vhds_at_start(svm);
    go_mutex_unlock(&svm->mu);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static struct service_vm s;
    GO(hot_add_vhds_at_start, &s);
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
