// The fix of abba_all_asleep.c: both transfers lock the account with the
// lower id first, whatever the direction, so no cycle can form. The barrier
// stays (now on the first lock of the global order): the second transfer
// waits for the first to release it.
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
};

static struct account alice = {.id = 1, .balance = 100};
static struct account bob = {.id = 2, .balance = 100};
static go_wg wg;

static void do_transfer(void *arg)
{
    struct transfer *t = arg;
    struct account *first = t->from->id < t->to->id ? t->from : t->to;
    struct account *second = first == t->from ? t->to : t->from;
    go_mutex_lock(&first->mu);
    go_yield();
    go_mutex_lock(&second->mu);
    t->from->balance -= t->amount;
    t->to->balance += t->amount;
    go_mutex_unlock(&second->mu);
    go_mutex_unlock(&first->mu);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static struct transfer t1 = {&alice, &bob, 50}, t2 = {&bob, &alice, 20};
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
