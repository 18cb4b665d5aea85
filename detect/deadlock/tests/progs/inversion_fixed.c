/* The fix of inversion.c: every transfer locks the lower address first. */
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
    struct account *first = t->from < t->to ? t->from : t->to;
    struct account *second = t->from < t->to ? t->to : t->from;
    go_mutex_lock(&first->mu);
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
    struct transfer t1 = {&alice, &bob, 50}, t2 = {&bob, &alice, 20};
    go_wg_add(&wg, 2);
    GO(transfer, &t1);
    GO(transfer, &t2);
    go_wg_wait(&wg);
    printf("alice %d, bob %d\n", alice.balance, bob.balance);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
