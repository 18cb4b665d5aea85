/*
 * Weighted semaphores: golang.org/x/sync/semaphore (v0.7's Weighted), built
 * like Go's from a Mutex and one channel per waiter, so the detectors see it
 * through those.
 *
 * State: size, cur (weight held) and a FIFO of waiters, all under mu. An
 * acquire that fits and finds no one queued takes the weight at once;
 * otherwise it queues {n, ready} and selects on ready and the context's
 * done channel. Release (and a cancelled front waiter) hands weight to the
 * queue in order, stopping at the first waiter that does not fit, so a
 * large request is never starved by small ones; a granted waiter is taken
 * off the queue and its ready channel closed, under mu.
 *
 * Context, as x/sync since v0.7 (go.dev/issue/63615): an acquire whose
 * context is already done fails even if the weight is free, and one woken
 * by ready that finds the context done gives the weight back and fails, so
 * a cancel that happened before the acquire could complete always wins. A
 * request larger than the size never queues (it would block everyone
 * behind it): it waits for the context alone. ctx NULL means background.
 *
 * Detectors: a release happens before the acquire it enables (both pass
 * through mu, and a waiter is granted by the close of its ready channel
 * under mu); a goroutine blocked in go_sem_acquire is blocked in a select
 * on its ready channel, which the queue in the semaphore keeps reachable,
 * so it counts for deadlock and, when nothing runnable reaches the
 * semaphore, for leak detection.
 *
 * Lifetime: a waiter record and its channel live on the acquiring
 * goroutine's side: it frees them once it is off the queue (granted or
 * removed under mu). The magic word sits past the first 16 bytes, which
 * free() may reuse, so a use right after go_sem_free is caught.
 */
#include <stdlib.h>

#include <gorace.h>

#include "sched.h"
#include "sema.h"

enum { SEM_LIVE = 0x73656d61, SEM_FREED = 0x64656164 };

typedef struct sem_waiter {
    int64_t n;
    go_chan *ready; /* closed when granted */
    struct sem_waiter *prev, *next;
} sem_waiter;

struct go_sem {
    go_mutex mu;
    int64_t size;
    uint32_t magic;
    int64_t cur;
    sem_waiter *head, *tail;
};

static void sem_check(go_sem *s, const char *op)
{
    if (!s)
        rt_panic("semaphore: %s on a nil semaphore", op);
    if (s->magic != SEM_LIVE)
        rt_panic("semaphore: %s on a freed semaphore", op);
}

go_sem *go_sem_new(int64_t n)
{
    go_sem *s = calloc(1, sizeof *s);
    if (!s)
        rt_throw("out of memory allocating a go_sem");
    s->size = n;
    s->magic = SEM_LIVE;
    return s;
}

static void queue_push(go_sem *s, sem_waiter *w)
{
    w->prev = s->tail;
    w->next = NULL;
    if (s->tail)
        s->tail->next = w;
    else
        s->head = w;
    s->tail = w;
}

static void queue_remove(go_sem *s, sem_waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        s->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        s->tail = w->prev;
    w->prev = w->next = NULL;
}

/* With mu held: grants waiters in order while the front one fits. */
static void notify_waiters(go_sem *s)
{
    sem_waiter *w;
    while ((w = s->head) && s->size - s->cur >= w->n) {
        s->cur += w->n;
        queue_remove(s, w);
        go_chan_close(w->ready);
    }
}

static bool chan_closed_now(go_chan *c)
{
    go_case rc = GO_RECV_CASE(c, NULL);
    return go_select(&rc, 1, true) == 0;
}

/* Queued and woken by ctx: gives up, unless granted meanwhile, in which
 * case the weight goes back to the queue. Either way, ctx's error. */
static int acquire_cancelled(go_sem *s, go_ctx *ctx, sem_waiter *w)
{
    rt_mutex_lock_internal(&s->mu);
    if (chan_closed_now(w->ready)) {
        s->cur -= w->n;
        notify_waiters(s);
    } else {
        bool front = s->head == w;
        queue_remove(s, w);
        if (front && s->size > s->cur)
            notify_waiters(s);
    }
    rt_mutex_unlock_internal(&s->mu);
    return go_ctx_err(ctx);
}

/* With mu held, the request queued: waits for ready or ctx; unlocks. */
static int acquire_slow(go_sem *s, go_ctx *ctx, int64_t n)
{
    sem_waiter w = {.n = n, .ready = go_chan_make(0, 0)};
    queue_push(s, &w);
    rt_mutex_unlock_internal(&s->mu);

    go_chan *done = go_ctx_done(ctx);
    go_case cs[2] = {GO_RECV_CASE(done, NULL), GO_RECV_CASE(w.ready, NULL)};
    int err = 0;
    if (go_select(cs, 2, false) == 0) {
        err = acquire_cancelled(s, ctx, &w);
    } else if (done && chan_closed_now(done)) {
        go_sem_release(s, n); /* granted, but ctx was done first */
        err = go_ctx_err(ctx);
    }
    go_chan_free(w.ready);
    return err;
}

int go_sem_acquire(go_sem *s, go_ctx *ctx, int64_t n)
{
    sem_check(s, "go_sem_acquire");
    if (!ctx)
        ctx = go_background();
    go_chan *done = go_ctx_done(ctx);
    rt_mutex_lock_internal(&s->mu);
    if (done && chan_closed_now(done)) {
        rt_mutex_unlock_internal(&s->mu);
        return go_ctx_err(ctx);
    }
    if (s->size - s->cur >= n && !s->head) {
        s->cur += n;
        rt_mutex_unlock_internal(&s->mu);
        return 0;
    }
    if (n > s->size) {
        rt_mutex_unlock_internal(&s->mu);
        go_chan_recv(done, NULL); /* NULL (background): forever, as Go */
        return go_ctx_err(ctx);
    }
    return acquire_slow(s, ctx, n);
}

bool go_sem_try_acquire(go_sem *s, int64_t n)
{
    sem_check(s, "go_sem_try_acquire");
    rt_mutex_lock_internal(&s->mu);
    bool ok = s->size - s->cur >= n && !s->head;
    if (ok)
        s->cur += n;
    rt_mutex_unlock_internal(&s->mu);
    return ok;
}

void go_sem_release(go_sem *s, int64_t n)
{
    sem_check(s, "go_sem_release");
    rt_mutex_lock_internal(&s->mu);
    s->cur -= n;
    if (s->cur < 0) {
        rt_mutex_unlock_internal(&s->mu);
        rt_panic("semaphore: released more than held");
    }
    notify_waiters(s);
    rt_mutex_unlock_internal(&s->mu);
}

void go_sem_free(go_sem *s)
{
    if (!s)
        return;
    sem_check(s, "go_sem_free");
    if (s->head)
        rt_panic("semaphore: go_sem_free with goroutines waiting in "
                 "go_sem_acquire");
    /* volatile: a plain store just before free() is optimised away */
    *(volatile uint32_t *)&s->magic = SEM_FREED;
    free(s);
}
