/* transfer(x, y) locks x then y; the two transfers run one after the other
 * so they never deadlock, but the lock order graph has a -> b -> a. */
#include <gorace.h>
#include <stdio.h>

struct account {
    go_mutex mu;
    int balance;
};

static struct account alice = {.balance = 100}, bob = {.balance = 100};
static go_wg wg;

struct transfer {
    struct account *from, *to;
    int amount;
};

static void transfer(void *arg)
{
    struct transfer *t = arg;
    go_mutex_lock(&t->from->mu);
    go_mutex_lock(&t->to->mu);
    t->from->balance -= t->amount;
    t->to->balance += t->amount;
    go_mutex_unlock(&t->to->mu);
    go_mutex_unlock(&t->from->mu);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct transfer t1 = {&alice, &bob, 50}, t2 = {&bob, &alice, 20};
    go_wg_add(&wg, 1);
    GO(transfer, &t1);
    go_wg_wait(&wg);
    go_wg_add(&wg, 1);
    GO(transfer, &t2);
    go_wg_wait(&wg);
    printf("alice %d, bob %d\n", alice.balance, bob.balance);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
