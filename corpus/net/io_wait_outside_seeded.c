// Data from outside the program against a timer, under a seed. A reader
// goroutine waits in go_read for a pipe that a plain pthread (standing in
// for a child process or a remote peer) writes after 20ms of real time;
// main selects between the reader's result and a 1s timer.
//
// Free-running, 20ms beats 1s. Under a seed the 1s is virtual: with
// nothing to run, the seeded scheduler waits for the pipe only GORACE
// io_wait_ms of real time (default 1) before virtual time jumps to the
// timer, so by default the timer wins and the run prints "timeout"
// (checked: seed 1). io_wait_ms=1000 gives the peer up to 1s of real time,
// and every seed then sees the data first, as a free run does.
//
// expect: ok
// gomaxprocs: 1,2
// gorace: io_wait_ms=1000
// stdout: reader got: ping
#include <gorace.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static go_chan *got;

static void reader(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[16] = {0};
    ssize_t n = go_read(fd, buf, sizeof buf - 1);
    if (n < 0)
        snprintf(buf, sizeof buf, "error");
    go_chan_send(got, buf);
}

/* Not a goroutine: a thread the runtime knows nothing about. */
static void *peer(void *arg)
{
    int fd = (int)(intptr_t)arg;
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    if (write(fd, "ping", 4) != 4)
        perror("write");
    return NULL;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    int p[2];
    if (pipe(p) != 0) {
        perror("pipe");
        return 1;
    }
    got = go_chan_make(16, 1);
    GO(reader, (void *)(intptr_t)p[0]);
    pthread_t t;
    pthread_create(&t, NULL, peer, (void *)(intptr_t)p[1]);

    char buf[16];
    go_case cases[] = {GO_RECV_CASE(got, buf),
                       GO_RECV_CASE(go_after(GO_SECOND), NULL)};
    int rc = 0;
    if (go_select(cases, 2, false) == 0) {
        printf("reader got: %s\n", buf);
    } else {
        printf("timeout\n");
        rc = 1;
    }
    pthread_join(t, NULL);
    return rc;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
