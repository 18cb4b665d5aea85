/*
 * fixed_work KERNEL N: N units of one kernel, a fixed amount of work, so
 * that callgrind's instruction count of two runs (N1, N2 units) gives the
 * instructions per unit exactly: (I(N2) - I(N1)) / (N2 - N1), set-up and
 * tear-down cancelling. This machine's wall time swings by 2x from one
 * minute to the next; instruction counts do not, so they compare two
 * builds of the detector (bench/README, session 20). Build it as a user
 * would, with each build's own gorace:
 *     gorace cc -O2 bench/fixed_work.c -o fixed_work
 *     GOMAXPROCS=1 valgrind --tool=callgrind ./fixed_work pingpong 2000
 * Kernels, one unit each:
 *   pingpong  a round trip over two unbuffered channels (two hand-offs)
 *   buffered  one value through a channel of capacity 128
 *   mutex     one lock and unlock by each of two goroutines
 *   select    one select over two receive cases, each fed by a sender
 *   spawn     spawn a goroutine and wait for it (WaitGroup)
 */
#include <gorace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long n;
static go_chan *a, *b;
static go_mutex mu;
static go_wg wg;
static long counter;

static void ponger(void *arg)
{
    (void)arg;
    long v;
    for (long i = 0; i < n; i++) {
        go_chan_recv(a, &v);
        go_chan_send(b, &v);
    }
}

static void producer(void *arg)
{
    (void)arg;
    for (long i = 0; i < n; i++)
        go_chan_send(a, &i);
}

static void locker(void *arg)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        go_mutex_lock(&mu);
        counter++;
        go_mutex_unlock(&mu);
    }
    go_wg_done(&wg);
}

static void feeder(void *arg)
{
    go_chan *c = arg;
    for (long i = 0; i < n / 2; i++)
        go_chan_send(c, &i);
}

static void child(void *arg)
{
    (void)arg;
    go_wg_done(&wg);
}

static long run(const char *kernel)
{
    long v = 0, sum = 0;
    if (!strcmp(kernel, "pingpong")) {
        a = go_chan_make(sizeof(long), 0);
        b = go_chan_make(sizeof(long), 0);
        GO(ponger, NULL);
        for (long i = 0; i < n; i++) {
            go_chan_send(a, &i);
            go_chan_recv(b, &v);
            sum += v;
        }
    } else if (!strcmp(kernel, "buffered")) {
        a = go_chan_make(sizeof(long), 128);
        GO(producer, NULL);
        for (long i = 0; i < n; i++) {
            go_chan_recv(a, &v);
            sum += v;
        }
    } else if (!strcmp(kernel, "mutex")) {
        go_wg_add(&wg, 2);
        GO(locker, NULL);
        GO(locker, NULL);
        go_wg_wait(&wg);
        sum = counter;
    } else if (!strcmp(kernel, "select")) {
        a = go_chan_make(sizeof(long), 0);
        b = go_chan_make(sizeof(long), 0);
        GO(feeder, a);
        GO(feeder, b);
        for (long i = 0; i < n / 2 * 2; i++) {
            go_case cs[2] = {GO_RECV_CASE(a, &v), GO_RECV_CASE(b, &v)};
            go_select(cs, 2, false);
            sum += v;
        }
    } else if (!strcmp(kernel, "spawn")) {
        for (long i = 0; i < n; i++) {
            go_wg_add(&wg, 1);
            GO(child, NULL);
            go_wg_wait(&wg);
        }
        sum = n;
    } else {
        return -1;
    }
    return sum;
}

static int main_fn(int argc, char **argv)
{
    n = argc > 2 ? atol(argv[2]) : 0;
    long sum = argc > 2 && n > 0 ? run(argv[1]) : -1;
    if (sum < 0) {
        fprintf(stderr, "usage: fixed_work pingpong|buffered|mutex|select|"
                        "spawn N (N > 0)\n");
        return 2;
    }
    printf("%s %ld: %ld\n", argv[1], n, sum);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
