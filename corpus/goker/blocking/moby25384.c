// GoKer moby#25384 (mixed, misuse WaitGroup): Manager.init adds
// len(plugins) to the group once, but calls group.Wait() inside the loop
// that starts one plugin goroutine per iteration. With two plugins the first
// Wait needs two Dones while only one goroutine has started: init blocks in
// Wait forever. (Go's profile: (*Manager).init in sync.WaitGroup.Wait.)
//
// expect: leak
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_wg group;

static void restore_plugin(void *arg)
{
    (void)arg;
    go_wg_done(&group);
}

static void manager_init(void *arg)
{
    int nplugins = (int)(intptr_t)arg;
    go_wg_add(&group, nplugins);
    for (int i = 0; i < nplugins; i++) {
        GO(restore_plugin, NULL);
        go_wg_wait(&group); /* should be after the loop */
    }
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(manager_init, 2);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
