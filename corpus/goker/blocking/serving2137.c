// GoKer serving#2137 (Mixed Deadlock: channel & lock).
// Origin: knative/serving PR 2137; GoKer file
// goker/blocking/serving/2137/serving2137_test.go.
//
// A breaker with a pending queue of 2 and an active queue of 1 (buffered
// channels used as semaphores). The test makes two requests; each locks
// its own mutex and starts a goroutine that enters the breaker and, in
// its thunk, waits for that mutex. The test then unlocks the requests in
// order and, after each unlock, waits for that request's `accepted`. If
// the second request's goroutine took the only active slot, it waits for
// its mutex (still locked), the first request's goroutine waits for the
// active slot, and the test waits for the first request's accepted: all
// asleep. If the first request's goroutine took the slot, everything
// completes. At GOMAXPROCS 1 the first goroutine runs (start.Wait yields
// to it) and takes the slot: free runs pass (`bug: deadlock`).
// runtime.Gosched is go_yield.
// (Go's profile: (*Breaker).concurrentRequest.func1 [chan send],
// [sync.Mutex.Lock]; Serving2137.func2 [chan receive].)
//
// expect: ok
// gomaxprocs: 1
// bug: deadlock
// seeds: 20 random walk needs more seeds than 50 (README.md); PCT finds it
#include <gorace.h>
#include <stdbool.h>
#include <stdlib.h>

struct request {
    go_mutex *lock;
    go_chan *accepted; /* chan bool, cap 1 */
};

struct breaker {
    go_chan *pending_requests; /* chan token */
    go_chan *active_requests;
};

static bool maybe(struct breaker *b, void (*thunk)(void *), void *arg)
{
    go_case c[] = {GO_SEND_CASE(b->pending_requests, NULL)};
    if (go_select(c, 1, true) < 0)
        return false; /* the pending request queue is full */
    go_chan_send(b->active_requests, NULL);
    thunk(arg);
    go_chan_recv(b->active_requests, NULL); /* deferred */
    go_chan_recv(b->pending_requests, NULL);
    return true;
}

struct req_arg {
    struct breaker *b;
    struct request r;
    go_wg *start;
};

static void thunk_fn(void *arg)
{
    go_mutex *lock = arg;
    go_mutex_lock(lock); /* blocks on the locked mutex */
    go_mutex_unlock(lock);
}

static void concurrent_request_func1(void *arg)
{
    struct req_arg *a = arg;
    go_wg_done(a->start);
    bool ok = maybe(a->b, thunk_fn, a->r.lock);
    go_chan_send(a->r.accepted, &ok);
    free(a);
}

static struct request concurrent_request(struct breaker *b)
{
    go_yield();
    struct request r = {calloc(1, sizeof(go_mutex)),
                        go_chan_make(sizeof(bool), 1)};
    go_mutex_lock(r.lock);
    go_wg start = {0};
    go_wg_add(&start, 1);
    struct req_arg *a = malloc(sizeof *a);
    *a = (struct req_arg){b, r, &start};
    GO(concurrent_request_func1, a); /* G2, G3 */
    go_wg_wait(&start);
    return r;
}

static void concurrent_requests(struct breaker *b, struct request *requests,
                                int n)
{
    for (int i = 0; i < n; i++)
        requests[i] = concurrent_request(b);
}

static struct breaker *new_breaker(int queue_depth, int max_concurrency)
{
    struct breaker *b = malloc(sizeof *b);
    b->pending_requests =
        go_chan_make(0, (size_t)(queue_depth + max_concurrency));
    b->active_requests = go_chan_make(0, (size_t)max_concurrency);
    return b;
}

static void unlock(struct request req)
{
    go_mutex_unlock(req.lock);
    bool ok;
    go_chan_recv(req.accepted, &ok); /* the request has completed */
    go_chan_send(req.accepted, &ok); /* requeue for the next use */
}

static void unlock_all(struct request *requests, int n)
{
    for (int i = 0; i < n; i++)
        unlock(requests[i]);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct breaker *b = new_breaker(1, 1);
    struct request locks[2];
    concurrent_requests(b, locks, 2); /* G1 */
    unlock_all(locks, 2);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
