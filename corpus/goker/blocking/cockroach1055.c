// GoKer cockroach#1055 (Mixed Deadlock: channel & WaitGroup).
// Origin: cockroachdb/cockroach PR 1055; GoKer file
// goker/blocking/cockroach/1055/cockroach1055_test.go.
//
// Three stoppers, each with a worker that starts a task (StartTask adds
// to the drain WaitGroup when the stopper is not draining; nothing ever
// calls Done on it) and then waits for the stopper to stop. A closer
// goroutine quiesces all three, then stops all three, and the test waits
// for it. Quiesce() and Stop() hold the stopper's mutex while they wait
// for drain; once a worker has started its task, that wait never ends, so
// the closer blocks in drain.Wait, the worker on ShouldStop (closed only
// after the wait), the test on done: all asleep. Quiesce() sets draining
// back to 0, so a worker escapes only if its StartTask runs after Stop()
// stored 1 for its stopper. Free runs at GOMAXPROCS 1 took that path in
// every run we made (exit 0); at GOMAXPROCS 2 11 of 20 deadlocked, and
// so did every seed we tried; so the header states the clean outcome at
// GOMAXPROCS 1 and the deadlock as the schedule-dependent bug. StartTask and
// Stop use sync/atomic on `draining`, Quiesce plain stores (under s.mu, which
// StartTask's load does not hold): a data race in Go too, which Go's
// race detector would report. The port makes Quiesce's stores relaxed
// atomics, so that the kernel's outcome is its blocking bug and not a
// race report; the atomics are C11 atomics (a scheduling point under a
// seed, as in Go's race-instrumented build).
// (Go's profile: Cockroach1055.func2 [chan receive]; .func2.2
// [sync.WaitGroup.Wait]; .func2.1 [chan receive], [sync.Mutex.Lock].)
//
// expect: ok
// gomaxprocs: 1
// bug: deadlock
// seeds: 20 the bug shows within the first 3 seeds (README.md)
#include <gorace.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

struct stopper {
    go_chan *stopper;
    go_wg stop;
    go_mutex mu;
    _Atomic int32_t draining;
    go_wg drain;
};

static void add_worker(struct stopper *s)
{
    go_wg_add(&s->stop, 1);
}

static go_chan *should_stop(struct stopper *s)
{
    return s == NULL ? NULL : s->stopper;
}

static void set_stopped(struct stopper *s)
{
    if (s != NULL)
        go_wg_done(&s->stop);
}

static void quiesce(struct stopper *s)
{
    go_mutex_lock(&s->mu);
    /* plain stores in Go (a race with StartTask's load): see the header */
    atomic_store_explicit(&s->draining, 1, memory_order_relaxed);
    go_wg_wait(&s->drain);
    atomic_store_explicit(&s->draining, 0, memory_order_relaxed);
    go_mutex_unlock(&s->mu); /* deferred */
}

static void stopper_stop(struct stopper *s)
{
    go_mutex_lock(&s->mu);
    atomic_store(&s->draining, 1);
    go_wg_wait(&s->drain);
    go_chan_close(s->stopper);
    go_wg_wait(&s->stop);
    go_mutex_unlock(&s->mu); /* deferred */
}

static bool start_task(struct stopper *s)
{
    if (atomic_load(&s->draining) == 0) {
        go_mutex_lock(&s->mu);
        go_wg_add(&s->drain, 1);
        go_mutex_unlock(&s->mu); /* deferred */
        return true;
    }
    return false;
}

static struct stopper *new_stopper(void)
{
    struct stopper *s = calloc(1, sizeof *s);
    s->stopper = go_chan_make(0, 0);
    return s;
}

static struct stopper *stoppers[3];
static go_chan *done;

static void func2_1(void *arg)
{
    struct stopper *s = arg;
    start_task(s);
    go_chan_recv(should_stop(s), NULL);
    set_stopped(s);
}

static void func2_2(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        quiesce(stoppers[i]);
    for (int i = 0; i < 3; i++)
        stopper_stop(stoppers[i]);
    go_chan_close(done);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 0; i < 3; i++)
        stoppers[i] = new_stopper();
    for (int i = 0; i < 3; i++) {
        struct stopper *s = stoppers[i];
        add_worker(s);
        GO(func2_1, s);
    }
    done = go_chan_make(0, 0);
    GO(func2_2, NULL);
    go_chan_recv(done, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
