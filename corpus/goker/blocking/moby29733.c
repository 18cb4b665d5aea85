// GoKer moby#29733 (Communication Deadlock: condition variable).
// Origin: moby/moby PR 29733; GoKer file
// goker/blocking/moby/29733/moby29733_test.go.
//
// testActive() starts a goroutine that waits on the plugin's activateWait
// Cond until p.activated is true and then closes done, and waits for done.
// Nothing ever sets activated or signals the Cond: the waiter sleeps in
// Cond.Wait and the test goroutine (main) in chan receive, on every
// schedule: all asleep. Go maps (storage.plugins, one entry) are a
// one-slot table. (Go's profile: not in Go's test list.)
//
// expect: deadlock
// gomaxprocs: 1,2
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>
#include <stdbool.h>

struct plugin {
    bool activated;
    go_cond *activate_wait;
};

static struct {
    go_mutex mu;
    struct plugin *plugins[1]; /* map[int]*Plugin, key 0 */
    int n;
} storage;

static struct {
    go_rwmutex mu;
} handlers;

static void wait_active(struct plugin *p)
{
    go_mutex_lock(p->activate_wait->L);
    while (!p->activated)
        go_cond_wait(p->activate_wait);
    go_mutex_unlock(p->activate_wait->L);
}

static void handle(void)
{
    go_rwmutex_lock(&handlers.mu);
    for (int i = 0; i < storage.n; i++)
        storage.plugins[i]->activated = false;
    go_rwmutex_unlock(&handlers.mu);
}

struct active_arg {
    struct plugin *p;
    go_chan *done;
};

static void active_func1(void *arg)
{
    struct active_arg *a = arg;
    wait_active(a->p);
    go_chan_close(a->done);
}

static void test_active(struct plugin *p)
{
    struct active_arg a = {p, go_chan_make(0, 0)};
    GO(active_func1, &a);
    go_chan_recv(a.done, NULL);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static go_mutex l;
    static go_cond c;
    static struct plugin p;
    go_cond_init(&c, &l);
    p.activate_wait = &c;
    storage.plugins[0] = &p;
    storage.n = 1;
    test_active(&p);
    handle();
    test_active(&p);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
