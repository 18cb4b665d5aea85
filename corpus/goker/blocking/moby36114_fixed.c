// Fixed twin of moby36114.c: hotRemoveVHDsAtStart() no longer takes the
// lock; it runs with the caller's (the fix of moby/moby PR 36114 removes
// the second acquisition).
//
// expect: ok
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

struct service_vm {
    go_mutex mu;
};

static void hot_remove_vhds_at_start(struct service_vm *svm)
{
    (void)svm; /* called with svm->mu held */
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
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
