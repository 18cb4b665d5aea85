// Lock order inversion (AB-BA): two transfers between the same two accounts
// in opposite directions. Each locks the source account, then the
// destination, so one holds A and wants B while the other holds B and wants
// A. Main waits for both: every goroutine is asleep.
//
// Free-running on one P each transfer runs to completion without blocking
// (both locks are free when it takes them), and the output is right. Under
// a seeded schedule a transfer may yield between its two locks; if the other
// then takes its first lock, the program deadlocks. The fix: lock the two
// accounts in a global order (by id), whatever the direction.
//
// The instrumented build's lock-order analysis reports this inversion on
// every run, and its lock-cycle check stops a deadlocking schedule early
// (corpus/deadlock/detector/ checks both); here both are off so the program
// measures schedule exploration alone.
//
// expect: ok
// gorace: lock_order=0 lock_cycle=0
// gomaxprocs: 1
// stdout: alice 70, bob 130
// bug: deadlock
#include <gorace.h>
#include <stdio.h>

struct account {
    const char *name;
    go_mutex mu;
    int balance;
};

struct transfer {
    struct account *from, *to;
    int amount;
};

static struct account alice = {.name = "alice", .balance = 100};
static struct account bob = {.name = "bob", .balance = 100};
static go_wg wg;

static void do_transfer(void *arg)
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
    static struct transfer t1 = {&alice, &bob, 50}, t2 = {&bob, &alice, 20};
    go_wg_add(&wg, 2);
    GO(do_transfer, &t1);
    GO(do_transfer, &t2);
    go_wg_wait(&wg);
    printf("%s %d, %s %d\n", alice.name, alice.balance, bob.name, bob.balance);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
