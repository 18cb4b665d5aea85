/* For cli_test.sh: stands in for a program under a seeded schedule without
 * using the runtime. It reads the seed from GORACE and misbehaves on some
 * seeds, in the way its first argument names:
 *   panic N   Go's panic report and exit 2 when seed % N == 0
 *   stdout N  prints "bye" instead of "hello" when seed % N == 0
 *   exit N    exit status 3 when seed % N == 0
 *   env       prints GORACE, GOMAXPROCS and whether ASLR is off
 *   free      prints "bye" instead of "hello" when there is no seed
 * Without a seed it behaves (but for `free`). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

static long seed(void)
{
    const char *g = getenv("GORACE"), *s = g ? strstr(g, "seed=") : NULL;
    return s ? atol(s + 5) : -1;
}

int main(int argc, char **argv)
{
    long n = argc > 2 ? atol(argv[2]) : 1, k = seed();
    bool bad = k >= 0 && n > 0 && k % n == 0;
    if (argc > 1 && strcmp(argv[1], "free") == 0)
        bad = k < 0;
    if (argc > 1 && strcmp(argv[1], "env") == 0) {
        const char *g = getenv("GORACE"), *p = getenv("GOMAXPROCS");
        printf("GORACE=%s\n", g ? g : "(unset)");
        printf("GOMAXPROCS=%s\n", p ? p : "(unset)");
        printf("aslr %s\n",
               personality(0xffffffff) & ADDR_NO_RANDOMIZE ? "off" : "on");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "panic") == 0 && bad) {
        fprintf(stderr, "panic: seed %ld\n\ngoroutine 1 [running]:\n", k);
        return 2;
    }
    if (argc > 1 && strcmp(argv[1], "exit") == 0 && bad)
        return 3;
    printf("%s\n", argc > 1 &&
                           (strcmp(argv[1], "stdout") == 0 ||
                            strcmp(argv[1], "free") == 0) &&
                           bad
                       ? "bye"
                       : "hello");
    return 0;
}
