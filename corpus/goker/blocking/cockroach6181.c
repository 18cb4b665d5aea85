// GoKer cockroach#6181 (Resource Deadlock: RWR deadlock).
// Origin: cockroachdb/cockroach PR 6181; GoKer file
// goker/blocking/cockroach/6181/cockroach6181_test.go.
//
// LookupRangeDescriptor() read-locks the range cache and, with the read
// lock held, prints the cache with %s, whose String() read-locks it again;
// then it takes the write lock. Three lookups run at once. If one lookup
// holds the read lock when another asks for the write lock, the pending
// writer blocks the first one's second RLock (Go's RWMutex lets no new
// reader past a waiting writer), and the writer waits for the first one's
// read lock: a read-write-read cycle; the other lookups and the WaitGroup
// wait behind it. The test starts the whole thing in a goroutine and
// returns, so the blocked goroutines leak. The bug needs a switch between
// the two RLocks, which a single P without preemption does not make, so
// free runs at GOMAXPROCS 1 pass; the deadlock detector reports the cycle when
// it closes (`fatal error: deadlock: lock cycle`, `bug: fatal`) before the test
// would return and leak it. fmt.Printf with a Stringer becomes the call to
// String() and a printf of its result. (Go's profile:
// testRangeCacheCoalescedRequests [sync.WaitGroup.Wait]; .func1.1
// [sync.(RW)Mutex.Lock], [sync.RWMutex.RLock].)
//
// expect: ok
// gomaxprocs: 1
// bug: fatal
// seeds: 20 the bug shows within the first 3 seeds (README.md)
#include <gorace.h>
#include <stdio.h>
#include <stdlib.h>

struct range_descriptor_cache {
    go_rwmutex range_cache_mu;
};

struct test_descriptor_db {
    struct range_descriptor_cache *cache;
};

static struct test_descriptor_db *init_test_descriptor_db(void)
{
    struct test_descriptor_db *db = malloc(sizeof *db);
    db->cache = calloc(1, sizeof *db->cache);
    return db;
}

static const char *string_locked(struct range_descriptor_cache *rdc)
{
    (void)rdc;
    return "something here";
}

static const char *rdc_string(struct range_descriptor_cache *rdc)
{
    go_rwmutex_rlock(&rdc->range_cache_mu);
    const char *s = string_locked(rdc);
    go_rwmutex_runlock(&rdc->range_cache_mu); /* deferred */
    return s;
}

static void lookup_range_descriptor(struct range_descriptor_cache *rdc)
{
    go_rwmutex_rlock(&rdc->range_cache_mu);
    printf("lookup range descriptor: %s", rdc_string(rdc));
    go_rwmutex_runlock(&rdc->range_cache_mu);
    go_rwmutex_lock(&rdc->range_cache_mu);
    go_rwmutex_unlock(&rdc->range_cache_mu);
}

static void do_lookup_with_token(struct range_descriptor_cache *rc)
{
    lookup_range_descriptor(rc);
}

struct lookup_arg {
    struct test_descriptor_db *db;
    go_wg *wg;
};

static void func1_1(void *arg)
{
    struct lookup_arg *a = arg;
    do_lookup_with_token(a->db->cache);
    go_wg_done(a->wg);
}

static void test_range_cache_coalesced_requests(void *arg)
{
    (void)arg;
    struct test_descriptor_db *db = init_test_descriptor_db();
    /* pauseLookupResumeAndAssert */
    go_wg wg = {0};
    struct lookup_arg a = {db, &wg};
    for (int i = 0; i < 3; i++) {
        go_wg_add(&wg, 1);
        GO(func1_1, &a); /* G2, G3, ... */
    }
    go_wg_wait(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(test_range_cache_coalesced_requests, NULL); /* G1 */
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
