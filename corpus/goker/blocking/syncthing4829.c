// GoKer syncthing#4829 (resource, double locking): mapping.clearAddresses
// holds m.mut for writing and calls m.notify, which read-locks m.mut.
// Main is the caller: the only goroutine, all asleep. (Go's profile:
// Syncthing4829.func2 in sync.RWMutex.RLock.)
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>

static go_rwmutex mut;
static int addresses = 2;

static void notify(void)
{
    go_rwmutex_rlock(&mut);
    go_rwmutex_runlock(&mut);
}

static void clear_addresses(void)
{
    go_rwmutex_lock(&mut);
    addresses = 0;
    notify();
    go_rwmutex_unlock(&mut);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    clear_addresses();
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
