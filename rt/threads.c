/*
 * Threads gorace did not start, and the deadlock check.
 *
 * "all goroutines are asleep" is only true if nothing outside the
 * scheduler can wake a goroutine. A thread the program created itself (or
 * a library did) may send on a channel, close it, cancel a context or
 * unlock a mutex at any moment, so while one is alive the check must not
 * fire: Go turns it off the same way while cgo may call in from foreign
 * threads. Such a thread may use every call that does not block; a call
 * that would block is a fatal error at the call, since only a goroutine
 * can park (rt_park).
 *
 * Which threads are foreign is counted, not declared, so that a program
 * cannot forget to say so: the kernel's thread count for the process
 * (/proc/self/stat) minus the threads gorace runs, each of which counts
 * itself while it runs (the go_run caller, every M, sysmon, a detector's
 * thread through rt_hook_own_thread). A thread counts itself only once it
 * runs and uncounts itself before it ends, so the difference can only
 * overstate the foreign threads: a check that should fire may wait (the
 * last idle M looks again every 10 ms), one that should not never fires.
 * The runtime's own threads that were created but have not counted
 * themselves yet (sysmon and an M, just started) are `starting`: while
 * there are any the answer is unknown, which counts as foreign, except
 * under a seed, which waits for them so that every run says the same.
 *
 * Seeded schedules run every goroutine on one thread and decide every
 * step from the seed; a call from a foreign thread would race with that
 * thread and a wait for one would depend on real time, so under a seed both
 * end the program with a fatal error saying so.
 */
#include "proc.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explore.h"
#include "hooks.h"

static int32_t own_threads, starting;

void rt_hook_own_thread(int delta)
{
    __atomic_add_fetch(&own_threads, delta, __ATOMIC_SEQ_CST);
}

void rt_own_thread_spawn(void)
{
    __atomic_add_fetch(&starting, 1, __ATOMIC_SEQ_CST);
}

void rt_own_thread_begin(void)
{
    rt_hook_own_thread(1);
    __atomic_add_fetch(&starting, -1, __ATOMIC_SEQ_CST);
}

/* Field 20 of /proc/self/stat, num_threads; 0 if it cannot be read. The
 * command name (field 2) may hold spaces and parentheses: count fields
 * from the last ')'. */
static int32_t process_threads(void)
{
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    for (int field = 2; p && field < 20; field++)
        p = strchr(p + 1, ' ');
    return p ? (int32_t)strtol(p + 1, NULL, 10) : 0;
}

int rt_hook_foreign_threads(void)
{
    if (__atomic_load_n(&starting, __ATOMIC_SEQ_CST) > 0)
        return 1; /* unknown yet */
    int32_t n =
        process_threads() - __atomic_load_n(&own_threads, __ATOMIC_SEQ_CST);
    return n > 0 ? n : 0;
}

int rt_foreign_threads_settled(void)
{
    for (int i = 0; i < 20000 && __atomic_load_n(&starting, __ATOMIC_SEQ_CST);
         i++)
        usleep(100); /* a thread starts in microseconds */
    return rt_hook_foreign_threads();
}

/* A thread outside the scheduler readies a goroutine or spawns one. */
void rt_foreign_call_check(void)
{
    if (rt_explore_on)
        rt_throw("a thread gorace did not start called into a seeded "
                 "schedule (not supported under a seed)");
}
