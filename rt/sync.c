/*
 * Package sync: Mutex, RWMutex, WaitGroup, Once, Cond (Go 1.19's sync/).
 *
 * Every type is a plain struct whose zero value is ready; sleeping goes
 * through the runtime semaphores of rt/sema.c, so no type owns memory.
 *
 * Mutex. state = locked | woken | starving | waiters << 3. In normal mode a
 * woken waiter competes with arriving goroutines, which usually win (they
 * are already running), so the waiter goes back to the front of the queue.
 * Arrivals spin briefly while the holder runs on another P, and a spinner
 * sets `woken` so Unlock does not wake a sleeper for nothing. A waiter that
 * has waited more than 1ms switches the mutex to starvation mode: Unlock
 * then hands ownership straight to the first waiter, and arrivals neither
 * spin nor barge but queue at the tail. The last waiter, or one that waited
 * less than 1ms, switches back to normal mode. Normal mode is much faster;
 * starvation mode bounds the tail latency.
 *
 * RWMutex. readerCount counts readers; a writer subtracts 1<<30 from it, so
 * arriving readers see a negative count and sleep on readerSem, and records
 * in readerWait how many readers it still waits for; the last departing one
 * wakes it through writerSem. Writers exclude each other with the inner
 * Mutex. A pending writer thus blocks new readers: no writer starvation.
 *
 * WaitGroup. state = counter << 32 | waiters, changed atomically as one
 * word, so Add sees both at once. When the counter drops to 0 with waiters,
 * nobody can legally touch the group until they are released: Add resets
 * the state to 0 and releases the semaphore once per waiter. Anything else
 * seen at that point is misuse, and panics as Go does.
 *
 * Once. A done flag, read with acquire on the fast path; the first caller
 * runs fn under the mutex and sets done only after fn returns, so callers
 * that lose the race sleep on the mutex until fn has finished.
 *
 * Cond. Wait takes a notify-list ticket before unlocking L, so a Signal
 * between the unlock and the sleep is not lost (rt/sema.c).
 *
 * Instrumented build: the happens-before edges are exactly the ones Go's
 * sync reports to its race detector (race.Acquire/Release/ReleaseMerge);
 * the mutex_lock/unlock and wg_add/wg_wait hooks are informational, for
 * lock-order and leak analysis. Internal uses of the inner mutex of an
 * RWMutex go through the unhooked mutex_lock/mutex_unlock below, as Go
 * disables race events around them.
 */
#include <gorace.h>

#include "hooks.h"
#include "sched.h"
#include "sema.h"

/* A hook from the running goroutine (compiled out in the release build). */
#define HOOK(ev, ...) RT_HOOK(ev, rt_hook_cur(), __VA_ARGS__)
#define RETURN_PC() ((uintptr_t)__builtin_return_address(0))

/* ---- Mutex ---------------------------------------------------------------
 */

enum {
    MUTEX_LOCKED = 1,
    MUTEX_WOKEN = 2,
    MUTEX_STARVING = 4,
    MUTEX_WAITER_SHIFT = 3,
};

static const int64_t starvation_threshold_ns = 1000000;

static int32_t mutex_state(go_mutex *m)
{
    return __atomic_load_n(&m->state, __ATOMIC_RELAXED);
}

static bool mutex_cas(go_mutex *m, int32_t old, int32_t new)
{
    return __atomic_compare_exchange_n(&m->state, &old, new, false,
                                       __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
}

static int32_t mutex_waiters(int32_t state)
{
    return state >> MUTEX_WAITER_SHIFT;
}

/* Go's lockSlow. reason and obj say what a dump shows the waiter blocked on
 * (an RWMutex's writers wait here too). */
static void mutex_lock_slow(go_mutex *m, rt_wait_reason reason, const void *obj)
{
    int64_t wait_start = 0;
    bool starving = false, awoke = false;
    int iter = 0;
    int32_t old = mutex_state(m);
    for (;;) {
        /* Spin while locked in normal mode and the holder may be running;
         * claim `woken` so Unlock does not wake a sleeper meanwhile. */
        if ((old & (MUTEX_LOCKED | MUTEX_STARVING)) == MUTEX_LOCKED &&
            rt_can_spin(iter)) {
            if (!awoke && !(old & MUTEX_WOKEN) && mutex_waiters(old) != 0 &&
                mutex_cas(m, old, old | MUTEX_WOKEN))
                awoke = true;
            rt_do_spin();
            iter++;
            old = mutex_state(m);
            continue;
        }
        int32_t new = old;
        /* A starving mutex belongs to the queue: do not try to take it. */
        if (!(old & MUTEX_STARVING))
            new |= MUTEX_LOCKED;
        if (old & (MUTEX_LOCKED | MUTEX_STARVING))
            new += 1 << MUTEX_WAITER_SHIFT;
        /* Switch to starvation only if still locked: Unlock expects a
         * starving mutex to have waiters. */
        if (starving && (old & MUTEX_LOCKED))
            new |= MUTEX_STARVING;
        if (awoke) {
            if (!(new &MUTEX_WOKEN))
                rt_throw("sync: inconsistent mutex state");
            new &= ~MUTEX_WOKEN;
        }
        if (!mutex_cas(m, old, new)) {
            old = mutex_state(m);
            continue;
        }
        if (!(old & (MUTEX_LOCKED | MUTEX_STARVING)))
            return; /* locked it with the CAS */

        /* Queue: at the front if we have waited before. */
        bool lifo = wait_start != 0;
        if (!wait_start)
            wait_start = rt_nanotime();
        rt_semacquire(&m->sema, lifo, reason, obj);
        starving =
            starving || rt_nanotime() - wait_start > starvation_threshold_ns;
        old = mutex_state(m);
        if (old & MUTEX_STARVING) {
            /* Ownership was handed to us; the state does not say locked
             * yet and still counts us as a waiter. */
            if ((old & (MUTEX_LOCKED | MUTEX_WOKEN)) || mutex_waiters(old) == 0)
                rt_throw("sync: inconsistent mutex state");
            int32_t delta = MUTEX_LOCKED - (1 << MUTEX_WAITER_SHIFT);
            if (!starving || mutex_waiters(old) == 1)
                delta -= MUTEX_STARVING; /* leave starvation mode */
            __atomic_add_fetch(&m->state, delta, __ATOMIC_SEQ_CST);
            return;
        }
        awoke = true;
        iter = 0;
    }
}

static void mutex_lock(go_mutex *m, rt_wait_reason reason, const void *obj)
{
    if (!mutex_cas(m, 0, MUTEX_LOCKED))
        mutex_lock_slow(m, reason, obj);
}

static bool mutex_trylock(go_mutex *m)
{
    int32_t old = mutex_state(m);
    if (old & (MUTEX_LOCKED | MUTEX_STARVING))
        return false;
    return mutex_cas(m, old, old | MUTEX_LOCKED);
}

static void mutex_unlock_slow(go_mutex *m, int32_t new)
{
    if (!((new + MUTEX_LOCKED) & MUTEX_LOCKED))
        rt_throw("sync: unlock of unlocked mutex");
    if (new &MUTEX_STARVING) {
        /* Hand ownership to the first waiter and let it run now. */
        rt_semrelease(&m->sema, true);
        return;
    }
    int32_t old = new;
    for (;;) {
        /* Nobody to wake, or someone else already took care of it: the
         * mutex was re-locked, a waiter is awake, or it turned starving. */
        if (mutex_waiters(old) == 0 ||
            (old & (MUTEX_LOCKED | MUTEX_WOKEN | MUTEX_STARVING)))
            return;
        new = (old - (1 << MUTEX_WAITER_SHIFT)) | MUTEX_WOKEN;
        if (mutex_cas(m, old, new)) {
            rt_semrelease(&m->sema, false);
            return;
        }
        old = mutex_state(m);
    }
}

static void mutex_unlock(go_mutex *m)
{
    int32_t new =
        __atomic_add_fetch(&m->state, -MUTEX_LOCKED, __ATOMIC_SEQ_CST);
    if (new != 0)
        mutex_unlock_slow(m, new);
}

/* Go's Lock and Unlock are atomic accesses to the mutex word, which race
 * with a plain write of it (overwriting a mutex in use): report them as
 * reads, which never race with each other. */
#define HOOK_MUTEX_WORD(m, pc)                                                 \
    HOOK(mem_access, &(m)->state, sizeof(m)->state, 0,                         \
         (pc) ? (pc) : RETURN_PC())

/* Lock and Unlock for a call at pc in user code, or (pc 0) by the runtime
 * on the user's behalf: the detectors then unwind for themselves. */
static inline __attribute__((always_inline)) void mutex_lock_at(go_mutex *m,
                                                                uintptr_t pc)
{
    (void)pc;
    rt_sched_point();
    HOOK_MUTEX_WORD(m, pc);
    mutex_lock(m, RT_WAIT_MUTEX, m);
    HOOK(acquire, m);
    HOOK(mutex_lock, m, RT_LOCK_MUTEX, pc);
}

static inline __attribute__((always_inline)) void mutex_unlock_at(go_mutex *m,
                                                                  uintptr_t pc)
{
    (void)pc;
    rt_sched_point();
    HOOK_MUTEX_WORD(m, pc);
    HOOK(mutex_unlock, m, RT_LOCK_MUTEX, pc);
    HOOK(release, m);
    mutex_unlock(m);
}

void go_mutex_lock(go_mutex *m)
{
    mutex_lock_at(m, RETURN_PC());
}

void go_mutex_unlock(go_mutex *m)
{
    mutex_unlock_at(m, RETURN_PC());
}

void rt_mutex_lock_internal(go_mutex *m)
{
    mutex_lock_at(m, 0);
}

void rt_mutex_unlock_internal(go_mutex *m)
{
    mutex_unlock_at(m, 0);
}

bool go_mutex_trylock(go_mutex *m)
{
    rt_sched_point();
    if (!mutex_trylock(m))
        return false;
    HOOK(acquire, m);
    HOOK(mutex_lock, m, RT_LOCK_MUTEX, RETURN_PC());
    return true;
}

/* ---- RWMutex -------------------------------------------------------------
 */

enum { RWMUTEX_MAX_READERS = 1 << 30 };

static int32_t add32(int32_t *p, int32_t delta)
{
    return __atomic_add_fetch(p, delta, __ATOMIC_SEQ_CST);
}

/* The edges Go's RWMutex reports: a writer acquires what every earlier
 * reader released (writerSem) and what the previous writer released
 * (readerSem); a reader acquires only the writers' release. */
static void rwmutex_read_locked(go_rwmutex *rw, uintptr_t pc)
{
    (void)rw, (void)pc;
    HOOK(acquire, &rw->reader_sem);
    HOOK(mutex_lock, rw, RT_LOCK_READ, pc);
}

static void rwmutex_write_locked(go_rwmutex *rw, uintptr_t pc)
{
    (void)rw, (void)pc;
    HOOK(acquire, &rw->reader_sem);
    HOOK(acquire, &rw->writer_sem);
    HOOK(mutex_lock, rw, RT_LOCK_RW, pc);
}

void go_rwmutex_rlock(go_rwmutex *rw)
{
    rt_sched_point();
    if (add32(&rw->reader_count, 1) < 0) /* a writer is pending */
        rt_semacquire(&rw->reader_sem, false, RT_WAIT_RWMUTEX_R, rw);
    rwmutex_read_locked(rw, RETURN_PC());
}

bool go_rwmutex_tryrlock(go_rwmutex *rw)
{
    rt_sched_point();
    int32_t c = __atomic_load_n(&rw->reader_count, __ATOMIC_SEQ_CST);
    do {
        if (c < 0)
            return false;
    } while (!__atomic_compare_exchange_n(&rw->reader_count, &c, c + 1, false,
                                          __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    rwmutex_read_locked(rw, RETURN_PC());
    return true;
}

static void rwmutex_runlock_slow(go_rwmutex *rw, int32_t r)
{
    if (r + 1 == 0 || r + 1 == -RWMUTEX_MAX_READERS)
        rt_throw("sync: RUnlock of unlocked RWMutex");
    /* A writer is pending: the last departing reader wakes it. */
    if (add32(&rw->reader_wait, -1) == 0)
        rt_semrelease(&rw->writer_sem, false);
}

void go_rwmutex_runlock(go_rwmutex *rw)
{
    rt_sched_point();
    HOOK(mutex_unlock, rw, RT_LOCK_READ, RETURN_PC());
    HOOK(release_merge, &rw->writer_sem);
    int32_t r = add32(&rw->reader_count, -1);
    if (r < 0)
        rwmutex_runlock_slow(rw, r);
}

void go_rwmutex_lock(go_rwmutex *rw)
{
    rt_sched_point();
    mutex_lock(&rw->w, RT_WAIT_RWMUTEX_W, rw);
    /* Announce the writer to readers, then wait for the active ones. */
    int32_t r =
        add32(&rw->reader_count, -RWMUTEX_MAX_READERS) + RWMUTEX_MAX_READERS;
    if (r != 0 && add32(&rw->reader_wait, r) != 0)
        rt_semacquire(&rw->writer_sem, false, RT_WAIT_RWMUTEX_W, rw);
    rwmutex_write_locked(rw, RETURN_PC());
}

bool go_rwmutex_trylock(go_rwmutex *rw)
{
    rt_sched_point();
    if (!mutex_trylock(&rw->w))
        return false;
    int32_t zero = 0;
    if (!__atomic_compare_exchange_n(&rw->reader_count, &zero,
                                     -RWMUTEX_MAX_READERS, false,
                                     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        mutex_unlock(&rw->w);
        return false;
    }
    rwmutex_write_locked(rw, RETURN_PC());
    return true;
}

void go_rwmutex_unlock(go_rwmutex *rw)
{
    rt_sched_point();
    HOOK(mutex_unlock, rw, RT_LOCK_RW, RETURN_PC());
    HOOK(release, &rw->reader_sem);
    /* Let readers in again, and wake those that queued meanwhile. */
    int32_t r = add32(&rw->reader_count, RWMUTEX_MAX_READERS);
    if (r >= RWMUTEX_MAX_READERS)
        rt_throw("sync: Unlock of unlocked RWMutex");
    for (int32_t i = 0; i < r; i++)
        rt_semrelease(&rw->reader_sem, false);
    mutex_unlock(&rw->w);
}

/* ---- WaitGroup -----------------------------------------------------------
 */

static const char wg_misuse[] =
    "sync: WaitGroup misuse: Add called concurrently with Wait";

static void wg_add(go_wg *wg, int64_t delta, uintptr_t pc)
{
    (void)pc;
    HOOK(wg_add, wg, delta);
    if (delta < 0)
        HOOK(release_merge, wg); /* every Done happens before Wait returns */
    uint64_t state =
        __atomic_add_fetch(&wg->state, (uint64_t)delta << 32, __ATOMIC_SEQ_CST);
    int32_t v = (int32_t)(state >> 32);
    uint32_t w = (uint32_t)state;
    /* The first Add of a round reads the semaphore and the first Wait
     * writes it (Go's race.Read/Write): an Add that is not ordered before
     * Wait is reported as a race. */
    if (delta > 0 && v == (int32_t)delta)
        HOOK(mem_access, &wg->sema, sizeof wg->sema, 0, pc);
    if (v < 0)
        rt_panic("sync: negative WaitGroup counter");
    if (w != 0 && delta > 0 && v == (int32_t)delta)
        rt_panic("%s", wg_misuse);
    if (v > 0 || w == 0)
        return;
    /* Counter 0 with waiters: the state cannot change legally now. */
    if (__atomic_load_n(&wg->state, __ATOMIC_SEQ_CST) != state)
        rt_panic("%s", wg_misuse);
    __atomic_store_n(&wg->state, 0, __ATOMIC_SEQ_CST);
    for (; w != 0; w--)
        rt_semrelease(&wg->sema, false);
}

void go_wg_add(go_wg *wg, int64_t delta)
{
    rt_sched_point();
    wg_add(wg, delta, RETURN_PC());
}

void go_wg_done(go_wg *wg)
{
    rt_sched_point();
    wg_add(wg, -1, RETURN_PC());
}

void go_wg_wait(go_wg *wg)
{
    uintptr_t pc = RETURN_PC();
    (void)pc;
    rt_sched_point();
    HOOK(wg_wait, wg);
    uint64_t state = __atomic_load_n(&wg->state, __ATOMIC_SEQ_CST);
    for (;;) {
        if ((int32_t)(state >> 32) == 0)
            break;
        /* Count ourselves as a waiter; a failed CAS reloads state. */
        if (__atomic_compare_exchange_n(&wg->state, &state, state + 1, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            if ((uint32_t)state == 0)
                HOOK(mem_access, &wg->sema, sizeof wg->sema, 1, pc);
            rt_semacquire(&wg->sema, false, RT_WAIT_WG, wg);
            if (__atomic_load_n(&wg->state, __ATOMIC_SEQ_CST) != 0)
                rt_panic("sync: WaitGroup is reused before previous Wait "
                         "has returned");
            break;
        }
    }
    HOOK(acquire, wg);
}

/* ---- Once ----------------------------------------------------------------
 */

static void once_do_slow(go_once *o, void (*fn)(void *), void *arg)
{
    rt_mutex_lock_internal(&o->m);
    if (__atomic_load_n(&o->done, __ATOMIC_RELAXED) == 0) {
        fn(arg);
        HOOK(release, o);
        __atomic_store_n(&o->done, 1, __ATOMIC_RELEASE);
    }
    rt_mutex_unlock_internal(&o->m);
}

void go_once_do(go_once *o, void (*fn)(void *), void *arg)
{
    rt_sched_point();
    if (__atomic_load_n(&o->done, __ATOMIC_ACQUIRE)) {
        HOOK(acquire, o); /* fn's effects happen before we return */
        return;
    }
    once_do_slow(o, fn, arg);
}

/* ---- Cond ----------------------------------------------------------------
 */

static void cond_check(go_cond *c)
{
    if (!c->L)
        rt_panic("sync: go_cond used without go_cond_init (nil L)");
}

void go_cond_init(go_cond *c, go_mutex *L)
{
    if (!L)
        rt_panic("sync: go_cond_init with a nil mutex");
    *c = (go_cond){.L = L};
}

void go_cond_wait(go_cond *c)
{
    rt_sched_point();
    cond_check(c);
    /* The ticket is taken under L: a Signal after our Unlock finds it. */
    uint32_t t = rt_notify_list_add(c);
    rt_mutex_unlock_internal(c->L);
    rt_notify_list_wait(c, t);
    rt_mutex_lock_internal(c->L);
}

void go_cond_signal(go_cond *c)
{
    rt_sched_point();
    cond_check(c);
    rt_notify_list_notify_one(c);
}

void go_cond_broadcast(go_cond *c)
{
    rt_sched_point();
    cond_check(c);
    rt_notify_list_notify_all(c);
}
