// The fix of double_lock.c: the helper is called with the lock held and does
// not take it again, as Go code names it (balanceLocked).
//
// expect: ok
// gomaxprocs: 1,2
// stdout: deposit 10
// stdout: balance 10
#include <gorace.h>
#include <stdio.h>

static go_mutex mu;
static int balance;

static int balance_locked(void)
{
    return balance;
}

static void deposit(int n)
{
    go_mutex_lock(&mu);
    printf("deposit %d\n", n);
    balance = balance_locked() + n;
    go_mutex_unlock(&mu);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    deposit(10);
    printf("balance %d\n", balance);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
