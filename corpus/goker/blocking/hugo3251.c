// GoKer hugo#3251 (Resource Deadlock: AB-BA deadlock).
// Origin: gohugoio/hugo PR 3251; GoKer file
// goker/blocking/hugo/3251/hugo3251_test.go.
//
// URLLock() takes the remote lock (an RWMutex) for writing, then the
// URL's own mutex, then releases the RWMutex; URLUnlock() takes the
// RWMutex for reading to find and unlock the URL's mutex. Fifty
// goroutines, twice, fetch one URL ten times each. If goroutine A holds
// the URL mutex (between URLLock and URLUnlock) when goroutine B enters
// URLLock, B holds the write lock and waits for the URL mutex, while A
// waits for the read lock to release it: AB-BA. Everyone else then blocks
// on the RWMutex and the test on the WaitGroup: all asleep. The deadlock
// detector reports the cycle as soon as it closes (`fatal error: deadlock:
// lock cycle`, while goroutines still sleep between fetches). The deadlock
// needs a goroutine switch inside the short window between URLLock and
// URLUnlock, which a single P without preemption does not make, so free
// runs at GOMAXPROCS 1 pass (`bug: fatal`). Every run takes the two
// locks in both orders, though (RWMutex then URL mutex in URLLock, URL
// mutex then RWMutex in URLUnlock), and the lock-order detector reports
// that inversion on every run (`WARNING: POTENTIAL DEADLOCK`, exit 66);
// it is turned off here (`lock_order=0`) because its warning comes first
// on stderr, before the all-asleep report, and a header cannot state both
// outcomes (README.md, blocking table). The Go map of URL mutexes (one URL) is
// a one-slot table. (Go's profile: Hugo3251.func2 [sync.WaitGroup.Wait];
// .func2.1 [sync.Mutex.Lock], [sync.RWMutex.RLock].)
//
// expect: ok
// gomaxprocs: 1
// gorace: lock_order=0
// bug: fatal
// seeds: 20 the bug shows within the first 3 seeds (README.md)
#include <gorace.h>
#include <stdlib.h>
#include <string.h>

struct remote_lock {
    go_rwmutex mu;
    const char *key; /* map[string]*sync.Mutex, one slot */
    go_mutex *val;
};

static struct remote_lock remote_url_lock;

static go_mutex *lookup(struct remote_lock *l, const char *url)
{
    return l->key && strcmp(l->key, url) == 0 ? l->val : NULL;
}

static void url_lock(struct remote_lock *l, const char *url)
{
    go_rwmutex_lock(&l->mu);
    if (lookup(l, url) == NULL) {
        l->key = url;
        l->val = calloc(1, sizeof(go_mutex));
    }
    go_mutex_lock(lookup(l, url));
    go_rwmutex_unlock(&l->mu);
}

static void url_unlock(struct remote_lock *l, const char *url)
{
    go_rwmutex_rlock(&l->mu);
    go_mutex *um = lookup(l, url);
    if (um != NULL)
        go_mutex_unlock(um);
    go_rwmutex_runlock(&l->mu);
}

static int res_get_remote(const char *url)
{
    url_lock(&remote_url_lock, url);
    url_unlock(&remote_url_lock, url); /* deferred */
    return 0;
}

static const char *const url = "http://Foo.Bar/foo_Bar-Foo";
static go_wg wg;

static void func2_1(void *arg)
{
    (void)arg;
    for (int j = 0; j < 10; j++) {
        int err = res_get_remote(url);
        (void)err;
        go_sleep(300 * GO_NANOSECOND);
    }
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    for (int round = 0; round < 2; round++) {
        memset(&wg, 0, sizeof wg);
        for (int i = 0; i < 50; i++) {
            go_wg_add(&wg, 1);
            GO(func2_1, (long)i);
        }
        go_wg_wait(&wg);
    }
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
