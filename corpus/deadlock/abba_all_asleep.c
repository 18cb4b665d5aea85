// AB-BA lock inversion that always deadlocks: two transfers lock their
// source account, meet at a barrier (each closes a channel saying "I hold my
// first lock" and waits for the other's), then lock their destination. Each
// now holds the lock the other wants; main waits for both on a WaitGroup, so
// every goroutine is asleep, whatever the schedule. abba_all_asleep_fixed.c
// locks the two accounts in one global order.
//
// expect: deadlock
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdio.h>

struct account {
    go_mutex mu;
    int balance;
    go_chan *held; /* closed once a transfer holds this account's lock */
};

struct transfer {
    struct account *from, *to;
    int amount;
};

static struct account alice = {.balance = 100}, bob = {.balance = 100};
static go_wg wg;

static void do_transfer(void *arg)
{
    struct transfer *t = arg;
    go_mutex_lock(&t->from->mu);
    go_chan_close(t->from->held);
    go_chan_recv(t->to->held, NULL); /* the other side holds its lock */
    go_mutex_lock(&t->to->mu);       /* AB-BA: blocks forever */
    t->from->balance -= t->amount;
    t->to->balance += t->amount;
    go_mutex_unlock(&t->to->mu);
    go_mutex_unlock(&t->from->mu);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static struct transfer t1 = {&alice, &bob, 50}, t2 = {&bob, &alice, 20};
    alice.held = go_chan_make(0, 0);
    bob.held = go_chan_make(0, 0);
    go_wg_add(&wg, 2);
    GO(do_transfer, &t1);
    GO(do_transfer, &t2);
    go_wg_wait(&wg);
    printf("alice %d, bob %d\n", alice.balance, bob.balance);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
