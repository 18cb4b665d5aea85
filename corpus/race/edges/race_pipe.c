// A goroutine fills a report and then writes a byte to a pipe with plain
// write(2); another reads the byte with read(2). As under Go's syscall
// package, a write happens before every read that returns after it
// (detect/race/libc.c, one ioSync for every fd, as Go's).
// The reader looks at the report before its read(2): nothing orders that
// with the writer's fill, a race. It waits for the fill on a relaxed
// atomic, which orders nothing either (in both engines), so that its exit
// status does not depend on how soon a loaded machine runs the filler.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdint.h>
#include <unistd.h>

static struct {
    int64_t sum, count;
} report;
static int fds[2];
static int filled;

static void filler(void *arg)
{
    (void)arg;
    for (int64_t i = 1; i <= 10; i++) {
        report.sum += i;
        report.count++;
    }
    __atomic_store_n(&filled, 1, __ATOMIC_RELAXED);
    char b = 1;
    if (write(fds[1], &b, 1) != 1)
        report.count = -1;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    if (pipe(fds) != 0)
        return 1;
    GO(filler, NULL);
    while (!__atomic_load_n(&filled, __ATOMIC_RELAXED))
        go_sleep(GO_MILLISECOND); /* neither orders anything */
    int64_t early = report.sum;   /* before the read: races with the fill */
    char b;
    if (read(fds[0], &b, 1) != 1)
        return 1;
    int64_t v = early;
    close(fds[0]);
    close(fds[1]);
    return v == 55 ? 0 : 1;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
