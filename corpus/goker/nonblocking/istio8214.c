// GoKer istio#8214 (non-blocking, traditional: data race).
// Origin: istio/istio PR 8214; GoKer file
// goker/nonblocking/istio/8214/istio8214_test.go.
//
// Cache.Set() bumps the LRU cache's write counter with
// atomic.AddUint64(&c.stats.Writes, 1) and then recordStats() copies
// c.stats with a plain read. Two goroutines run Check() on one server:
// each one's plain read of stats is unordered with the other's atomic add
// (the adds order each other, but a read after my add is not before your
// add), so a plain read and an atomic write race on every schedule.
// The upstream patch is not carried by GoKer; no fixed twin.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdint.h>

/* Go's `_ = x`: forces a real load of x. */
#define USE(v)                                                                 \
    do {                                                                       \
        __typeof__(v) use_ = (v);                                              \
        __asm__ volatile("" ::"r"(&use_) : "memory");                          \
    } while (0)

struct stats {
    uint64_t writes;
};

struct lru_cache {
    struct stats stats;
};

static struct stats lru_stats(struct lru_cache *c)
{
    return c->stats;
}

static void lru_set_with_expiration(struct lru_cache *c)
{
    __atomic_fetch_add(&c->stats.writes, 1, __ATOMIC_SEQ_CST);
}

/* ExpiringCache is an interface; its one implementation here is lruCache. */
struct cache {
    struct lru_cache *cache;
};

static void cache_record_stats(struct cache *cc)
{
    USE(lru_stats(cc->cache));
}

static void cache_set(struct cache *cc)
{
    lru_set_with_expiration(cc->cache);
    cache_record_stats(cc);
}

struct grpc_server {
    struct cache *cache;
};

static void server_check(struct grpc_server *s)
{
    if (s->cache != NULL)
        cache_set(s->cache);
}

static go_wg wg;
static struct lru_cache lru;
static struct cache cc = {&lru};
static struct grpc_server server;

static void checker(void *arg)
{
    server_check(arg);
    go_wg_done(&wg);
}

static void outer(void *arg)
{
    (void)arg;
    server.cache = &cc;
    GO(checker, &server);
    GO(checker, &server);
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 3);
    GO(outer, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
