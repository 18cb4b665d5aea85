// GoKer istio#8144 (non-blocking, traditional: data race).
// Origin: istio/istio PR 8144; GoKer file
// goker/nonblocking/istio/8144/istio8144_test.go.
//
// The test's goroutine makes a TTL cache whose eviction callback is the
// method value c.callback of a callbackRecorder; NewTTLWithCallback()
// starts the evicter goroutine, which ranges once over the cache's
// sync.Map calling the callback (`c.callbacks++`) per entry. The test's
// goroutine then stores an entry and reads c.callbacks. When the evicter's
// Range comes after the Store it sees the entry and increments
// c.callbacks: ordered after the Store, not with the test's read, a race.
// When the Range comes first the map is empty and the run is clean. At
// GOMAXPROCS 1 the test's goroutine stores and reads before the evicter
// first runs, so the race is reported; some seeded schedules run the
// evicter first (`bug: exit 0`).
//
// sync.Map is a mutex and a small table: Store inserts under the mutex,
// Range copies the entries under it and calls f outside it (as Go's does
// once the read-only map is promoted), so a Store happens before a Range
// that sees its entry. The test does not wait for the evicter; main sleeps
// 50ms after it (the rest of the test binary; free in virtual time). The
// upstream patch is not carried by GoKer; no fixed twin.
//
// expect: race
// gomaxprocs: 1
// bug: exit 0
#include <gorace.h>
#include <stdint.h>
#include <stdlib.h>

/* Go's `_ = x`: forces a real load of x. */
#define USE(v)                                                                 \
    do {                                                                       \
        __typeof__(v) use_ = (v);                                              \
        __asm__ volatile("" ::"r"(&use_) : "memory");                          \
    } while (0)

#define MAP_CAP 4

/* sync.Map with interface{} keys and values (here boxed ints). */
struct sync_map {
    go_mutex mu;
    intptr_t keys[MAP_CAP], vals[MAP_CAP];
    int n;
};

static void sync_map_store(struct sync_map *m, intptr_t key, intptr_t value)
{
    go_mutex_lock(&m->mu);
    int i;
    for (i = 0; i < m->n; i++)
        if (m->keys[i] == key)
            break;
    if (i == m->n)
        m->keys[m->n++] = key;
    m->vals[i] = value;
    go_mutex_unlock(&m->mu);
}

static void sync_map_range(struct sync_map *m,
                           bool (*f)(void *env, intptr_t k, intptr_t v),
                           void *env)
{
    intptr_t keys[MAP_CAP], vals[MAP_CAP];
    go_mutex_lock(&m->mu);
    int n = m->n;
    for (int i = 0; i < n; i++)
        keys[i] = m->keys[i], vals[i] = m->vals[i];
    go_mutex_unlock(&m->mu);
    for (int i = 0; i < n; i++)
        if (!f(env, keys[i], vals[i]))
            break;
}

struct callback_recorder {
    int callbacks;
};

static void callback_recorder_callback(void *recv)
{
    struct callback_recorder *c = recv;
    c->callbacks++;
}

/* EvictionCallback, a method value: a function and its receiver. */
struct eviction_callback {
    void (*fn)(void *);
    void *recv;
};

struct ttl_cache {
    struct sync_map entries;
    struct eviction_callback callback;
};

static bool evict_one(void *env, intptr_t key, intptr_t value)
{
    (void)key, (void)value;
    struct ttl_cache *c = env;
    c->callback.fn(c->callback.recv);
    return true;
}

static void evict_expired(struct ttl_cache *c)
{
    sync_map_range(&c->entries, evict_one, c);
}

static void evicter(void *arg)
{
    evict_expired(arg);
}

static void set_with_expiration(struct ttl_cache *c, intptr_t key,
                                intptr_t value)
{
    sync_map_store(&c->entries, key, value);
}

static struct ttl_cache *new_ttl_with_callback(struct eviction_callback cb)
{
    struct ttl_cache *c = calloc(1, sizeof *c);
    c->callback = cb;
    GO(evicter, c);
    return c;
}

static go_wg wg;

static void test_goroutine(void *arg)
{
    (void)arg;
    struct callback_recorder *c = calloc(1, sizeof *c);
    c->callbacks = 0;
    struct ttl_cache *ttl = new_ttl_with_callback(
        (struct eviction_callback){callback_recorder_callback, c});
    set_with_expiration(ttl, 1, 1);
    if (c->callbacks != 1) {
        USE(0);
    }
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 1);
    GO(test_goroutine, NULL);
    go_wg_wait(&wg);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
