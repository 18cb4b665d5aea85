/*
 * Futex-based lock and note, after Go's lock_futex.go, with one departure:
 * the release is a plain store.
 *
 * Go's lock word holds 0, 1 (held) or 2 (held, maybe sleepers), and its
 * unlock is an atomic exchange, because the releaser must learn whether to
 * wake someone in the same instant it frees the word. That is two locked
 * instructions per lock/unlock pair, and a channel operation is one pair:
 * on the machine measured they were 70% of a buffered send/receive
 * (BufferedChan128 at GOMAXPROCS=1), ~6 ns each.
 *
 * Here the word is split. The held byte is taken with an exchange and freed
 * with a plain release store; sleepers counts acquirers that have committed
 * to sleeping. The releaser stores held = 0, then loads sleepers and wakes
 * one sleeper if any. Without a fence between that store and that load (x86
 * may satisfy the load before the store leaves the store buffer), a
 * would-be sleeper could count itself and see the lock still held while the
 * releaser sees no sleepers: a lost wake-up. So the sleeper pays instead:
 * after counting itself it issues the process-wide barrier (rt/barrier.h),
 * which makes every running thread execute a full fence. A releaser whose
 * store came before that fence has it visible to the sleeper's next look at
 * the word (the sleeper then does not sleep); a releaser whose load came
 * after it sees the count. A release by an owner that acquired after the
 * barrier is ordered by its own acquiring exchange, which follows the
 * count's increment. The futex wait compares the whole word, so a release
 * between the sleeper's look and its wait returns at once.
 *
 * The cost moves to the sleeping path: a membarrier system call (1.5-3 us
 * here) before the first futex wait of an acquisition that has already spun
 * and yielded, on top of the futex wait and wake themselves. The held byte
 * and the count share the futex word but not bytes, so the releaser's load
 * does not stall on its own store.
 */
#include "lock.h"

#include <errno.h>
#include <sched.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Go yields once (passive_spin) before it sleeps. Sleeping costs more here
 * (the process barrier, 1.5-3 us and an IPI to the holder, on top of the
 * futex wait and wake), and some critical sections are long (the race
 * build's channel operations; globrunq_get's walk of 128 cold Gs), so a
 * waiter yields up to sixteen times first, ~16 us of yielding at most.
 * A/B at GOMAXPROCS=2: four yields took BufferedChan128 under race from
 * 513-546 to 329-371 ns and WorkerPool8 from 2.7-3.1 to 1.8-1.9 us;
 * sixteen took Select2 under race from 788-843 to 508-543 ns,
 * BufferedChan128 under race from 314-431 to 250-317 ns and release
 * Cancel10k from 6.0-6.5 to 5.4-5.7 ms (membarrier calls in one run: 83
 * to 10); GOMAXPROCS=1 unchanged. The cost: release Select2 at
 * GOMAXPROCS=2 42.8 -> 44.1 ns (3%, 16 alternated samples, p < 0.001),
 * where a waiter now yields in place of a sleep the holder did not need. */
enum { SPIN_ROUNDS = 4, SPIN_PAUSES = 30, PASSIVE_ROUNDS = 16 };
#define UNCOUNTED_POLL_NS (1000 * 1000)

/* The held byte's bits in the futex word (x86-64 is little-endian). */
#define HELD_MASK 0xffu
_Static_assert(sizeof(rt_lock) == 4, "rt_lock is one futex word");

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

static bool is_free(rt_lock *l)
{
    return __atomic_load_n(&l->held, __ATOMIC_RELAXED) == 0;
}

/* Spins, then yields, while l stays held; true once we hold it. */
static bool spin_for(rt_lock *l)
{
    for (int i = 0; i < SPIN_ROUNDS; i++) {
        while (is_free(l))
            if (rt_futexlock_tryacquire(l))
                return true;
        for (int k = 0; k < SPIN_PAUSES; k++)
            cpu_relax();
    }
    for (int i = 0; i < PASSIVE_ROUNDS; i++) {
        while (is_free(l))
            if (rt_futexlock_tryacquire(l))
                return true;
        sched_yield();
    }
    return false;
}

/* Counts us among l's sleepers; false if the 16-bit count is full. */
static bool count_sleeper(rt_lock *l)
{
    uint16_t n = __atomic_load_n(&l->sleepers, __ATOMIC_RELAXED);
    do {
        if (n == UINT16_MAX)
            return false;
    } while (!__atomic_compare_exchange_n(&l->sleepers, &n, n + 1, true,
                                          __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
    return true;
}

void rt_futexlock_acquire_slow(rt_lock *l)
{
    if (spin_for(l))
        return;
    /* Past 65,535 sleepers on one lock (threads, not goroutines: Ms,
     * sysmon, foreign threads) the rest are not counted and so may not be
     * woken: they poll every millisecond instead. */
    bool counted = count_sleeper(l);
    if (counted)
        rt_process_barrier();
    do {
        uint32_t w = __atomic_load_n(&l->word, __ATOMIC_RELAXED);
        if (w & HELD_MASK)
            rt_futex_wait(&l->word, w, counted ? -1 : UNCOUNTED_POLL_NS);
    } while (!spin_for(l));
    if (counted)
        __atomic_fetch_sub(&l->sleepers, 1, __ATOMIC_RELAXED);
}

void rt_futexlock_wake(rt_lock *l)
{
    rt_futex_wake(&l->word, 1);
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

bool rt_note_is_set(rt_note *n)
{
    return __atomic_load_n(&n->key, __ATOMIC_ACQUIRE) != 0;
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
