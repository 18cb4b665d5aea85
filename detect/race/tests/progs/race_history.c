/* Three races whose earlier write is replayed from the writer's history
 * (report.c): each report's "Previous write" must name the function that
 * wrote, which only the trace knows. The writes are chosen to cover the
 * three event forms: a one-word access (its pc a little below the access
 * before it: a negative delta), an access whose pc lies 64 KB past the one
 * before (two words: a full pc), and a 300-byte memset (three words: a
 * size). The writer
 * finishes before main reads, told by a relaxed flag, which orders
 * nothing (run_progs.sh checks the frames). */
#include <gorace.h>
#include <stdint.h>
#include <string.h>

int64_t other, near, far; /* not static: the accesses must stay */
char block[300];
int done;

__attribute__((noinline)) void write_near(void)
{
    near = 1;
}

/* Runs just before write_near, from a higher address. */
__attribute__((noinline)) void write_other(void)
{
    other = 1;
}

/* Never called: 64 KB of code between write_near and write_far. */
__attribute__((noinline, used)) void code_gap(void)
{
    __asm__ volatile(".skip 65536, 0xcc");
}

__attribute__((noinline)) void write_far(void)
{
    far = 1;
}

__attribute__((noinline)) void write_block(void)
{
    memset(block, 1, sizeof block);
}

static void writer(void *arg)
{
    (void)arg;
    write_other();
    write_near();
    write_far();
    write_block();
    __atomic_store_n(&done, 1, __ATOMIC_RELAXED);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(writer, NULL);
    while (!__atomic_load_n(&done, __ATOMIC_RELAXED))
        go_yield();
    int64_t sum = near + far + block[150];
    return sum == 3 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
