// A lock order inversion that never deadlocks here: transfer(alice, bob)
// locks alice then bob, transfer(bob, alice) bob then alice, but the second
// transfer starts only after the first has finished, so the two never
// overlap and every run prints the right balances. The cycle a -> b -> a in
// the lock-order graph is still a deadlock waiting for the day they do run
// concurrently; only lock-order analysis sees it, and reports it at exit
// (exit status 66, as for a race).
//
// Needs the detector: the release runtime exits 0. lock_order_inversion_fixed.c
// orders the locks by account id.
//
// expect: exit 66
// gomaxprocs: 1,2
// needs: detector
// stderr: WARNING: POTENTIAL DEADLOCK (lock order inversion)
// stdout: alice 70, bob 130
#include <gorace.h>
#include <stdio.h>

struct account {
    go_mutex mu;
    int balance;
};

struct transfer {
    struct account *from, *to;
    int amount;
    go_chan *done;
};

static struct account alice = {.balance = 100}, bob = {.balance = 100};

static void do_transfer(void *arg)
{
    struct transfer *t = arg;
    go_mutex_lock(&t->from->mu);
    go_mutex_lock(&t->to->mu);
    t->from->balance -= t->amount;
    t->to->balance += t->amount;
    go_mutex_unlock(&t->to->mu);
    go_mutex_unlock(&t->from->mu);
    go_chan_close(t->done);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct transfer t1 = {&alice, &bob, 50, go_chan_make(0, 0)};
    struct transfer t2 = {&bob, &alice, 20, go_chan_make(0, 0)};
    GO(do_transfer, &t1);
    go_chan_recv(t1.done, NULL); /* serialised: the cycle never closes */
    GO(do_transfer, &t2);
    go_chan_recv(t2.done, NULL);
    printf("alice %d, bob %d\n", alice.balance, bob.balance);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
