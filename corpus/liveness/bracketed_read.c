// The read of unbracketed_read.c, bracketed with go_syscall_enter/exit as
// API.md asks: the P is handed off at once, free-running. Under a seeded
// schedule the reader leaves the seeded thread while it blocks, the others
// go on, and the reader rejoins once its call has returned, at a
// deterministic point (corpus/README.md, "System calls under a seed").
//
// expect: ok
// gomaxprocs: 1,2
// stdout: read hello
#include <gorace.h>
#include <stdio.h>
#include <unistd.h>

static int fds[2];
static go_chan *got;

static void reader(void *arg)
{
    (void)arg;
    char buf[16] = {0};
    go_syscall_enter();
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    go_syscall_exit();
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
