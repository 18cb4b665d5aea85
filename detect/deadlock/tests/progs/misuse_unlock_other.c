/* Locks unlocked by a goroutine that did not lock them, all legal in Go: a
 * Mutex used as a binary semaphore (three rounds, one unlock site), an
 * RWMutex write-locked by main and unlocked by a helper, and an RLock
 * released by another goroutine (RLocker). Default options: no warning,
 * exit status 0. GORACE=unlock_other=1: one warning per unlock site, naming
 * the right type (sync.Mutex, then sync.RWMutex); the read unlock is never
 * warned about. */
#include <gorace.h>

static go_mutex mu;
static go_rwmutex rw;
static go_wg wg;

static void unlock_mu(void *arg)
{
    (void)arg;
    go_mutex_unlock(&mu);
    go_wg_done(&wg);
}

static void unlock_rw(void *arg)
{
    (void)arg;
    go_rwmutex_unlock(&rw);
    go_wg_done(&wg);
}

static void runlock_rw(void *arg)
{
    (void)arg;
    go_rwmutex_runlock(&rw);
    go_wg_done(&wg);
}

static void handoff(void (*lock)(void), void (*unlocker)(void *))
{
    lock();
    go_wg_add(&wg, 1);
    GO(unlocker, NULL);
    go_wg_wait(&wg);
}

static void lock_mu(void)
{
    go_mutex_lock(&mu);
}

static void lock_rw(void)
{
    go_rwmutex_lock(&rw);
}

static void rlock_rw(void)
{
    go_rwmutex_rlock(&rw);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int i = 0; i < 3; i++)
        handoff(lock_mu, unlock_mu);
    for (int i = 0; i < 2; i++)
        handoff(lock_rw, unlock_rw);
    handoff(rlock_rw, runlock_rw);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
