// The fix of lock_order_inversion.c: every transfer locks the account with
// the lower id first, so the lock-order graph has the one edge alice -> bob.
//
// expect: ok
// gomaxprocs: 1,2
// stdout: alice 70, bob 130
#include <gorace.h>
#include <stdio.h>

struct account {
    int id;
    go_mutex mu;
    int balance;
};

struct transfer {
    struct account *from, *to;
    int amount;
    go_chan *done;
};

static struct account alice = {.id = 1, .balance = 100};
static struct account bob = {.id = 2, .balance = 100};

static void do_transfer(void *arg)
{
    struct transfer *t = arg;
    struct account *first = t->from->id < t->to->id ? t->from : t->to;
    struct account *second = first == t->from ? t->to : t->from;
    go_mutex_lock(&first->mu);
    go_mutex_lock(&second->mu);
    t->from->balance -= t->amount;
    t->to->balance += t->amount;
    go_mutex_unlock(&second->mu);
    go_mutex_unlock(&first->mu);
    go_chan_close(t->done);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct transfer t1 = {&alice, &bob, 50, go_chan_make(0, 0)};
    struct transfer t2 = {&bob, &alice, 20, go_chan_make(0, 0)};
    GO(do_transfer, &t1);
    go_chan_recv(t1.done, NULL);
    GO(do_transfer, &t2);
    go_chan_recv(t2.done, NULL);
    printf("alice %d, bob %d\n", alice.balance, bob.balance);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
