// A goroutine blocks in a plain read(2) on a pipe that main writes only
// after a sleep. Nothing told the runtime that read blocks, so at
// GOMAXPROCS=1 the reader's thread holds the only P inside the kernel and
// main's timer can never run. Go's sysmon retakes the P of a goroutine stuck
// in a system call; gorace's does the same for a goroutine that has not
// reached a scheduling point for a time slice, so main wakes and writes.
// (go_syscall_enter/exit around the read hands the P off at once:
// bracketed_read.c.)
//
// expect: ok
// gomaxprocs: 1,2
// stdout: read hello
// seeds: 0 a seed cannot interleave an unbracketed blocking call
#include <gorace.h>
#include <stdio.h>
#include <unistd.h>

static int fds[2];
static go_chan *got;

static void reader(void *arg)
{
    (void)arg;
    char buf[16] = {0};
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    if (n < 0)
        n = 0;
    buf[n] = 0;
    go_chan_send(got, buf);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    if (pipe(fds) != 0)
        return 1;
    got = go_chan_make(16, 0);
    GO(reader, NULL);
    go_sleep(20 * GO_MILLISECOND);
    if (write(fds[1], "hello", 5) != 5)
        return 1;
    char buf[16];
    go_chan_recv(got, buf);
    printf("read %s\n", buf);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
