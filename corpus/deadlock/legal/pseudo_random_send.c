// Port of TestPseudoRandomSend (go 1.19 runtime/chan_test.go): a select
// with two send cases picks each about half the time, for an unbuffered
// and a buffered channel. The test waits for the receiver with a Mutex
// that the receiver unlocks, which Go allows.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: cap 0 ok
// stdout: cap 100 ok
#include <gorace.h>
#include <stdio.h>

enum { N = 100 };

static go_chan *c;
static int l[N];
static go_mutex m;

static void receive_all(void *arg)
{
    (void)arg;
    for (int i = 0; i < N; i++) {
        go_yield();
        go_chan_recv(c, &l[i]);
    }
    go_mutex_unlock(&m);
}

static void round_with(size_t cap)
{
    c = go_chan_make(sizeof(int), cap);
    go_mutex_lock(&m);
    GO(receive_all, NULL);
    int one = 1, zero = 0;
    for (int i = 0; i < N; i++) {
        go_case cases[] = {GO_SEND_CASE(c, &one), GO_SEND_CASE(c, &zero)};
        go_select(cases, 2, false);
    }
    go_mutex_lock(&m); /* wait */
    int n0 = 0, n1 = 0;
    for (int i = 0; i < N; i++) {
        n0 += (l[i] + 1) % 2;
        n1 += l[i];
    }
    if (n0 <= N / 10 || n1 <= N / 10)
        printf("cap %zu: want pseudorandom, got %d zeros and %d ones\n", cap,
               n0, n1);
    else
        printf("cap %zu ok\n", cap);
    go_mutex_unlock(&m);
    go_chan_free(c);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    round_with(0);
    round_with(N);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
