// A system call that is slower than a timer, under a seed. A worker
// goroutine makes a 100us blocking call (bracketed with
// go_syscall_enter/exit, as gorace asks of any blocking call) and reports
// on `done`; main selects between `done` and a 1ms timer.
//
// By default a seeded run gives a bracketed call no virtual time: when
// nothing else can run it waits (in real time) for the call to return
// before virtual time moves, so the call always wins. `syscall_ns=2000000`
// makes every bracketed call take at least 2ms of virtual time: the timer
// then always fires first, and a seed can show the order a slow disk or a
// loaded machine would give. Free-running, real time decides (100us
// against 1ms, usually the call): no free runs.
//
// expect: ok
// gomaxprocs: none free-running, real time decides
// gorace: syscall_ns=2000000
// stdout: timeout first
// stdout: call done
#include <gorace.h>
#include <stdio.h>
#include <unistd.h>

static go_chan *done;

static void worker(void *arg)
{
    (void)arg;
    go_syscall_enter();
    usleep(100);
    go_syscall_exit();
    int v = 1;
    go_chan_send(done, &v);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    done = go_chan_make(sizeof(int), 0);
    GO(worker, NULL);
    int v;
    go_case cases[] = {
        GO_RECV_CASE(done, &v),
        GO_AFTER_CASE(GO_MILLISECOND, NULL),
    };
    int i = go_select(cases, 2, false);
    printf("%s\n", i == 0 ? "call first" : "timeout first");
    if (i == 1)
        go_chan_recv(done, &v);
    printf("call done\n");
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
