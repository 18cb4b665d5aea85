/*
 * Futex-based lock and note, after Go's lock_futex.go.
 *
 * The lock word holds 0 (free), 1 (held) or 2 (held, maybe sleepers). An
 * acquirer spins a little on multicore machines before marking the word 2 and
 * sleeping; the releaser wakes one sleeper only when the word was 2, so an
 * uncontended lock/unlock is two atomic operations and no system call.
 */
#include "lock.h"

#include <errno.h>
#include <sched.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { SPIN_ROUNDS = 4, SPIN_PAUSES = 30, PASSIVE_ROUNDS = 1 };

static inline void cpu_relax(void)
{
    __builtin_ia32_pause();
}

void rt_futex_wait(uint32_t *addr, uint32_t val, int64_t ns)
{
    struct timespec ts, *tsp = NULL;
    if (ns >= 0) {
        ts.tv_sec = ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        tsp = &ts;
    }
    syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, tsp, NULL, 0);
}

void rt_futex_wake(uint32_t *addr, int n)
{
    syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

bool rt_futexlock_tryacquire(rt_lock *l)
{
    uint32_t zero = 0;
    return __atomic_compare_exchange_n(&l->key, &zero, 1, false,
                                       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void rt_futexlock_acquire(rt_lock *l)
{
    uint32_t v = __atomic_exchange_n(&l->key, 1, __ATOMIC_ACQUIRE);
    if (v == 0)
        return;
    /* v is what we must leave behind when we get it: 1, or 2 if someone may
     * sleep, so that our unlock wakes them. */
    uint32_t wait = v;
    for (;;) {
        for (int i = 0; i < SPIN_ROUNDS; i++) {
            while (__atomic_load_n(&l->key, __ATOMIC_RELAXED) == 0) {
                uint32_t zero = 0;
                if (__atomic_compare_exchange_n(&l->key, &zero, wait, false,
                                                __ATOMIC_ACQUIRE,
                                                __ATOMIC_RELAXED))
                    return;
            }
            for (int k = 0; k < SPIN_PAUSES; k++)
                cpu_relax();
        }
        for (int i = 0; i < PASSIVE_ROUNDS; i++) {
            while (__atomic_load_n(&l->key, __ATOMIC_RELAXED) == 0) {
                uint32_t zero = 0;
                if (__atomic_compare_exchange_n(&l->key, &zero, wait, false,
                                                __ATOMIC_ACQUIRE,
                                                __ATOMIC_RELAXED))
                    return;
            }
            sched_yield();
        }
        v = __atomic_exchange_n(&l->key, 2, __ATOMIC_ACQUIRE);
        if (v == 0)
            return;
        wait = 2;
        rt_futex_wait(&l->key, 2, -1);
    }
}

void rt_futexlock_release(rt_lock *l)
{
    if (__atomic_exchange_n(&l->key, 0, __ATOMIC_RELEASE) == 2)
        rt_futex_wake(&l->key, 1);
}

void rt_note_clear(rt_note *n)
{
    __atomic_store_n(&n->key, 0, __ATOMIC_RELAXED);
}

void rt_note_wakeup(rt_note *n)
{
    if (__atomic_exchange_n(&n->key, 1, __ATOMIC_RELEASE) == 0)
        rt_futex_wake(&n->key, 1);
}

void rt_note_sleep(rt_note *n)
{
    while (__atomic_load_n(&n->key, __ATOMIC_ACQUIRE) == 0)
        rt_futex_wait(&n->key, 0, -1);
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

bool rt_note_tsleep(rt_note *n, int64_t ns)
{
    if (ns < 0) {
        rt_note_sleep(n);
        return true;
    }
    int64_t deadline = mono_ns() + ns;
    while (__atomic_load_n(&n->key, __ATOMIC_ACQUIRE) == 0) {
        int64_t left = deadline - mono_ns();
        if (left <= 0)
            return false;
        rt_futex_wait(&n->key, 0, left);
    }
    return true;
}
