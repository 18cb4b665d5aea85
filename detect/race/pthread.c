/*
 * POSIX synchronisation as happens-before edges, as TSan's interceptors
 * make them. A C program's goroutines may guard data with a pthread mutex
 * (or C++'s std::mutex, inlined into calls of pthread_mutex_lock) rather
 * than go_mutex: without these edges every access so guarded would be
 * reported as a race.
 *
 *   mutex, spin lock, rwlock  an unlock (release, merged) happens before
 *                             every later successful lock of any kind
 *   condition variable        a wait is an unlock and a lock of its mutex;
 *                             signal and broadcast order nothing of their own
 *   semaphore                 sem_post happens before the sem_wait,
 *                             sem_trywait or sem_timedwait it lets through
 *   pthread_once              the init routine happens before every return
 *   barrier                   every arrival happens before every departure
 *
 * Releases merge, so a read-locked rwlock's unlocks add up, and a barrier
 * reused at once may order a departure after an arrival of the next round
 * (TSan's barrier does the same).
 *
 * As for libc's string functions (libc.c), only calls from instrumented
 * code count: the runtime's and the detector's own calls (libunwind locks
 * a mutex while the detector takes a stack) must not reenter it, and code
 * that is not instrumented makes no accesses the edges could order. A lock
 * taken inside a library that was not compiled with -fsanitize=thread
 * therefore orders nothing, unlike under TSan. A goroutine that blocks in
 * one of these calls blocks its thread, as a cgo call does in Go.
 */
#define _GNU_SOURCE
#include "race.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>

#define CALLER_PC() ((uintptr_t)__builtin_return_address(0))

/* libc's definition of the function we replace: looked up on first use. */
#define REAL(name)                                                             \
    static __typeof__(&name) real_##name;                                      \
    if (__builtin_expect(!real_##name, 0))                                     \
        real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name);

/* After a lock call that returned err, made from pc. */
static int locked(const void *obj, int err, uintptr_t pc)
{
    if ((err == 0 || err == EOWNERDEAD) && race_instrumented_caller(pc))
        race_call_acquire(obj);
    return err;
}

/* Before an unlock call made from pc. */
static void unlocking(const void *obj, uintptr_t pc)
{
    if (race_instrumented_caller(pc))
        race_call_release(obj);
}

/* ---- mutexes, spin locks, rwlocks ---------------------------------------- */

/* int name(T *obj): a successful call acquires obj. */
#define LOCK(name, T)                                                          \
    int name(T *obj)                                                           \
    {                                                                          \
        REAL(name);                                                            \
        return locked((const void *)obj, real_##name(obj), CALLER_PC());       \
    }

/* int name(T *obj): releases obj first. */
#define UNLOCK(name, T)                                                        \
    int name(T *obj)                                                           \
    {                                                                          \
        REAL(name);                                                            \
        unlocking((const void *)obj, CALLER_PC());                             \
        return real_##name(obj);                                               \
    }

LOCK(pthread_mutex_lock, pthread_mutex_t)
LOCK(pthread_mutex_trylock, pthread_mutex_t)
UNLOCK(pthread_mutex_unlock, pthread_mutex_t)
LOCK(pthread_spin_lock, pthread_spinlock_t)
LOCK(pthread_spin_trylock, pthread_spinlock_t)
UNLOCK(pthread_spin_unlock, pthread_spinlock_t)
LOCK(pthread_rwlock_rdlock, pthread_rwlock_t)
LOCK(pthread_rwlock_tryrdlock, pthread_rwlock_t)
LOCK(pthread_rwlock_wrlock, pthread_rwlock_t)
LOCK(pthread_rwlock_trywrlock, pthread_rwlock_t)
UNLOCK(pthread_rwlock_unlock, pthread_rwlock_t)

int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *t)
{
    REAL(pthread_mutex_timedlock);
    return locked(m, real_pthread_mutex_timedlock(m, t), CALLER_PC());
}

/* ---- condition variables -------------------------------------------------
 * dlsym would find glibc's compatibility versions, made for the layout of
 * glibc 2.2.5: the current ones are GLIBC_2.3.2 (as TSan finds them). */

#define REAL_COND(name)                                                        \
    static __typeof__(&name) real_##name;                                      \
    if (__builtin_expect(!real_##name, 0))                                     \
        real_##name = (__typeof__(&name))real_cond(#name);

static void *real_cond(const char *name)
{
    void *fn = dlvsym(RTLD_NEXT, name, "GLIBC_2.3.2");
    return fn ? fn : dlsym(RTLD_NEXT, name);
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    REAL_COND(pthread_cond_wait);
    uintptr_t pc = CALLER_PC();
    unlocking(m, pc);
    return locked(m, real_pthread_cond_wait(c, m), pc);
}

/* A timeout relocks the mutex too: the lock's edge holds either way. */
int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
                           const struct timespec *t)
{
    REAL_COND(pthread_cond_timedwait);
    uintptr_t pc = CALLER_PC();
    unlocking(m, pc);
    int err = real_pthread_cond_timedwait(c, m, t);
    locked(m, err == ETIMEDOUT ? 0 : err, pc);
    return err;
}

/* ---- semaphores ---------------------------------------------------------- */

UNLOCK(sem_post, sem_t)

/* sem_wait & co. return 0 or -1 (errno), not an error number. */
static int waited(sem_t *s, int r, uintptr_t pc)
{
    if (r == 0)
        locked(s, 0, pc);
    return r;
}

/* int name(sem_t *s): a wait that returns 0 acquires s. */
#define SEM_WAIT(name)                                                         \
    int name(sem_t *s)                                                         \
    {                                                                          \
        REAL(name);                                                            \
        return waited(s, real_##name(s), CALLER_PC());                         \
    }

SEM_WAIT(sem_wait)
SEM_WAIT(sem_trywait)

int sem_timedwait(sem_t *s, const struct timespec *t)
{
    REAL(sem_timedwait);
    return waited(s, real_sem_timedwait(s, t), CALLER_PC());
}

/* ---- once and barriers --------------------------------------------------- */

/* pthread_once runs the routine on the calling thread, so the routine and
 * its once travel in thread-locals; a routine that calls pthread_once on
 * another once nests them. */
static __thread struct once_call {
    void (*fn)(void);
    pthread_once_t *once;
    bool user;
} once_call;

static void once_then_release(void)
{
    struct once_call c = once_call;
    c.fn();
    if (c.user)
        race_call_release(c.once);
}

int pthread_once(pthread_once_t *once, void (*fn)(void))
{
    REAL(pthread_once);
    uintptr_t pc = CALLER_PC();
    bool user = race_instrumented_caller(pc);
    struct once_call outer = once_call;
    once_call = (struct once_call){fn, once, user};
    int err = real_pthread_once(once, once_then_release);
    once_call = outer;
    if (!err && user)
        race_call_acquire(once);
    return err;
}

int pthread_barrier_wait(pthread_barrier_t *b)
{
    REAL(pthread_barrier_wait);
    uintptr_t pc = CALLER_PC();
    unlocking(b, pc);
    int r = real_pthread_barrier_wait(b);
    locked(b, r == PTHREAD_BARRIER_SERIAL_THREAD ? 0 : r, pc);
    return r;
}
