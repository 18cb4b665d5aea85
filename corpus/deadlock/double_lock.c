// Double lock: a method takes the mutex and calls a helper that takes it
// again (GoBench's "double locking", the most common blocking bug in GoKer).
// Go's Mutex is not reentrant, so the second lock waits for the first to be
// released, which never happens. Main is the only goroutine: all asleep.
// double_lock_fixed.c: the helper expects the lock held (a "Locked" suffix).
//
// expect: deadlock
// gomaxprocs: 1,2
// stdout: deposit 10
#include <gorace.h>
#include <stdio.h>

static go_mutex mu;
static int balance;

static int get_balance(void)
{
    go_mutex_lock(&mu); /* already held by deposit: blocks forever */
    int b = balance;
    go_mutex_unlock(&mu);
    return b;
}

static void deposit(int n)
{
    go_mutex_lock(&mu);
    printf("deposit %d\n", n);
    fflush(stdout);
    balance = get_balance() + n;
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
