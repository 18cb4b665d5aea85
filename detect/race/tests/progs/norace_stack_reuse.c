/* Stack memory that two goroutines use without ordering, and must: a stack
 * handed to a new goroutine after its owner ended (the detector forgets
 * the old owner's accesses, shadow.c's runs on both sides of the stack
 * tops' point), and two live goroutines writing the same offsets of their
 * own stacks (each slot's top has its own shadow). Relaxed flags order
 * nothing, so any stale or shared shadow would be reported. */
#include <gorace.h>
#include <string.h>

int ended, live;

__attribute__((noinline)) static void scribble(char *b, size_t n)
{
    memset(b, 1, n);
    b[n - 8] = 2;
    b[8] = 3;
}

__attribute__((noinline)) static void use_stack(void)
{
    char buf[16384];
    scribble(buf, sizeof buf);
    __asm__ volatile("" ::"r"(buf) : "memory");
}

static void one_life(void *arg)
{
    (void)arg;
    use_stack();
    __atomic_fetch_add(&ended, 1, __ATOMIC_RELAXED);
}

static void side_by_side(void *arg)
{
    (void)arg;
    use_stack();
    __atomic_fetch_add(&live, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&live, __ATOMIC_RELAXED) < 2)
        go_yield(); /* both stacks stay in use */
    use_stack();
    __atomic_fetch_add(&ended, 1, __ATOMIC_RELAXED);
}

static void wait_ended(int n)
{
    while (__atomic_load_n(&ended, __ATOMIC_RELAXED) < n)
        go_yield();
    for (int i = 0; i < 10; i++)
        go_yield(); /* its stack back in the pool */
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 1; i <= 20; i++) { /* one after another, on one stack */
        GO(one_life, NULL);
        wait_ended(i);
    }
    GO(side_by_side, NULL);
    GO(side_by_side, NULL);
    wait_ended(22);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
