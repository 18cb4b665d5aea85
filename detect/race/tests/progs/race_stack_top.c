/* Four races on a goroutine's stack, two on either side of the point
 * STACK_TOP bytes below its top, where the shadow map changes (shadow.c,
 * "Stack tops"): a word near the top, a word 16 KB down, and a memset
 * straddling the point, read on each side. The owner publishes its
 * buffer and later reads it, ordered with the writer by nothing but
 * relaxed flags; run_progs.sh wants all four reports, each naming its
 * reader. */
#include <gorace.h>
#include <string.h>

char *shared; /* published with relaxed atomics: no order */
int written, done;

__attribute__((noinline)) void write_words(char *b)
{
    b[100] = 1;   /* 16 KB below the top: linear shadow */
    b[16300] = 1; /* just below the top: the stack tops' shadow */
}

__attribute__((noinline)) void write_block(char *b)
{
    memset(b + 4096, 1, 8192); /* 12 KB to 4 KB below the top */
}

static void writer(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&shared, __ATOMIC_RELAXED))
        go_yield();
    char *b = __atomic_load_n(&shared, __ATOMIC_RELAXED);
    write_words(b);
    write_block(b);
    __atomic_store_n(&written, 1, __ATOMIC_RELAXED);
}

__attribute__((noinline)) int read_deep(const char *b)
{
    return b[100];
}

__attribute__((noinline)) int read_top(const char *b)
{
    return b[16300];
}

__attribute__((noinline)) int read_block_deep(const char *b)
{
    return b[4200];
}

__attribute__((noinline)) int read_block_top(const char *b)
{
    return b[12200];
}

__attribute__((noinline)) static int own(void)
{
    char buf[16384];
    __atomic_store_n(&shared, buf, __ATOMIC_RELAXED);
    while (!__atomic_load_n(&written, __ATOMIC_RELAXED))
        go_yield();
    return read_deep(buf) + read_top(buf) + read_block_deep(buf) +
           read_block_top(buf);
}

static void owner(void *arg)
{
    (void)arg;
    int sum = own();
    __atomic_store_n(&done, 1 + sum, __ATOMIC_RELAXED);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(writer, NULL);
    GO(owner, NULL);
    while (!__atomic_load_n(&done, __ATOMIC_RELAXED))
        go_yield();
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
