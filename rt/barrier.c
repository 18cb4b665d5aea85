/*
 * rt_process_barrier (rt/barrier.h): membarrier(2)'s private expedited
 * command where the kernel has it (Linux 4.14+), else an mprotect round
 * trip on a dirty page of our own: downgrading a present page's protection
 * makes the kernel shoot down its TLB entries on every CPU that runs this
 * mm, an IPI each, which serialises those CPUs as membarrier does (the
 * technique HotSpot and .NET used before membarrier existed).
 */
#define _GNU_SOURCE
#include "barrier.h"

#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sched.h"

static pthread_once_t barrier_once = PTHREAD_ONCE_INIT;
static bool use_membarrier;
static char *barrier_page;

static void barrier_setup(void)
{
    use_membarrier =
        syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0,
                0) == 0;
    /* Mapped even with membarrier, for a call that fails after all. */
    barrier_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (barrier_page == MAP_FAILED)
        rt_throw("cannot map the process barrier's page");
}

void rt_process_barrier_init(void)
{
    pthread_once(&barrier_once, barrier_setup);
}

void rt_process_barrier(void)
{
    rt_process_barrier_init();
    if (use_membarrier &&
        syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
        return;
    __atomic_store_n(barrier_page, 1, __ATOMIC_SEQ_CST);
    mprotect(barrier_page, 4096, PROT_READ);
    mprotect(barrier_page, 4096, PROT_READ | PROT_WRITE);
}
