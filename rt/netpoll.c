/*
 * The network poller: goroutines park on fd readiness, not threads on
 * read(2). Go's netpoll.go and netpoll_epoll.go, in C.
 *
 * One epoll instance, created at the first registration (in ring mode,
 * below, only to learn which fds can be polled). Every fd is
 * added once, edge-triggered for both directions (EPOLLIN | EPOLLOUT |
 * EPOLLRDHUP | EPOLLET), so waiting never costs an epoll_ctl: an
 * operation tries the system call first and parks only on EAGAIN. Its
 * state is a pollfd, found by fd number in a two-level table that is
 * never freed (fd numbers are dense; a pollfd outlives its fd, so a late
 * event or timer always finds valid memory and recognises itself stale by
 * the registration's generation, which the epoll event carries).
 *
 * Per direction a pollfd keeps a list of waiting goroutines and a count of
 * readiness edges (ready_seq). The lost-wake-up race, an edge between the
 * failed call and the park, is closed as Go closes it with pdReady: the
 * operation reads ready_seq before the call, and parks only if, under the
 * pollfd's lock, the count has not moved. An edge wakes every waiter of
 * its direction (Go lets one goroutine per direction wait, the rest queue
 * on fdMutex; here several may wait, and the ones that lose the race for
 * the data simply park again). Where Go wakes one reader per edge, a
 * crowd of readers on one fd costs a thundering herd; it is rare.
 *
 * A wait also ends, with an errno, when:
 *   - the direction's deadline passes (ETIMEDOUT): a runtime timer per
 *     direction, which checks the deadline itself when it fires, so a
 *     moved or cleared deadline needs no sequence number; a deadline
 *     already passed fails waiters at once, and every later operation;
 *   - go_close closes the fd (EBADF): every waiter of both directions;
 *   - the context of go_read_ctx is done (ECANCELED): context.AfterFunc,
 *     whose callback dequeues the one waiter it was registered for.
 *
 * Ring mode (the default where the kernel has io_uring 5.18+; rt/uring.c;
 * GORACE_NETPOLL=epoll turns it off). A wait is a request in the ring, and
 * only its completion ends it:
 *   - go_read on a socket arms the receive itself, without trying a read
 *     first: the data lands in the caller's buffer as it arrives, and the
 *     completion that readies the goroutine carries the byte count. Per
 *     side of a round trip that saves the EAGAIN read and the second read
 *     (TCPEchoRTT/1: 0.88 -> 0.69x Go's time, bench/README, session 13);
 *     data already there completes the receive during its submission.
 *   - every other wait (writes, accept, connect, reads on pipes and other
 *     fds, whose reads io_uring may hand to a blocking worker thread) is a
 *     one-shot poll request for the direction, then the call is retried.
 *     The poll looks at the fd's state when armed, so the lost wake-up
 *     race needs no ready_seq here.
 * A deadline, go_close or a done context cancels the request (by tag) and
 * records why; the goroutine stays parked until the request's completion
 * comes back, since until then the kernel may still write to its buffer,
 * and then fails with that errno, unless the receive got data first,
 * which is returned (nothing read is lost). The request holds its own
 * reference to the socket, so go_close's close(2) takes effect, and the
 * peer sees the end, when the cancel completes.
 *
 * Requests are queued, not submitted, as their goroutines park: the M's
 * next look at the poller (when it runs out of work, every 61st schedule,
 * sysmon's, or the sleep in the ring) submits them all in one call and
 * reaps what completed, inline ones included. That is when a readiness
 * poller would have noticed them too; what it costs is a goroutine that
 * reads data already there: it parks until that look, where Go's read
 * returns at once. The common case of it, a stream read in pieces, is
 * kept off the ring: a completion that says the socket still holds data
 * makes the next go_read try recv(2) first. An M that goes to sleep
 * submits what is queued (rt_netpoll_flush), since the M asleep in the
 * ring will not.
 *
 * Who polls (the scheduler side). An M about to sleep for lack of work
 * sleeps in epoll_wait instead of on its futex when goroutines wait on I/O,
 * until the next timer (it is then sched.c's timer watcher, and whoever
 * wakes it interrupts epoll through an eventfd; in ring mode it sleeps in
 * io_uring_enter until a completion, and a no-op request wakes it; a look
 * without sleeping reads the completions from memory, no system call,
 * unless requests wait to be submitted); what it readies it runs
 * itself, on an idle P, waking another M only for the surplus, so a
 * round trip costs no extra thread wake-up. An M that runs out of
 * work polls without blocking before it steals, and sysmon polls when
 * nobody has for 10 ms, as Go's does. Seeded mode polls at every
 * scheduling decision (rt/sched.c explore_find_runnable).
 *
 * Not Go's: fds are made non-blocking in place (fds 0-2 only if they
 * already are, since the terminal is shared with the shell, as Go does for
 * os.Stdin), and the fd is closed by go_close at once rather than when the
 * last operation on it returns (Go's fdMutex reference count); an
 * operation racing with go_close on another goroutine may therefore see
 * the fd number reused. An fd closed with close(2) rather than go_close
 * leaves a registration behind that a reused number cannot use: always
 * close with go_close.
 */
#define _GNU_SOURCE
#include "netpoll.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lock.h"
#include "sched.h"
#include "sema.h"
#include "time.h"
#include "uring.h"

enum {
    CHUNK_FDS = 1024,
    CHUNKS = 1024, /* fds up to 2^20 are polled; above, blocking calls */
    EVENTS_PER_POLL = 128,
    BREAK_TOKEN = -1, /* epoll data of the eventfd */
    MAX_RECV = 1 << 30,
};

/* The ring's tags: a waiting pollwait's address, with a sequence number in
 * the top 16 bits so that a cancel aimed at a finished wait cannot hit the
 * next one made at the same address; or one of these. */
#define TAG_BREAK 1ULL
#define TAG_CANCEL 2ULL
#define TAG_ADDR ((1ULL << 48) - 1)

typedef enum { PD_NONE, PD_POLLED, PD_BLOCKING } pd_kind;

typedef struct pollfd pollfd;
typedef struct ctxwake ctxwake;

/* A parked goroutine, on its own stack while it waits. */
typedef struct pollwait {
    rt_g *g;
    struct pollwait *next, *prev;
    ctxwake *cw; /* go_read_ctx's cancellation, or NULL */
    int err;     /* set by the waker: 0 (retry) or the errno to fail with */
    /* ring mode: the wait is a request in the ring, and only its
     * completion ends it; a waker cancels the request and leaves err */
    bool armed, cancelling;
    int32_t res; /* the completion's result */
    uint64_t tag;
    struct polldir *d;
} pollwait;

typedef struct polldir {
    pollfd *pd;
    pollwait *head, *tail;
    uint32_t ready_seq; /* readiness edges seen (written under the lock) */
    uint32_t expired;   /* the deadline has passed (written under it) */
    uint32_t more;      /* ring mode: the last receive left data behind */
    int64_t deadline;   /* 0: none (written under the lock) */
    rt_timer timer;
    bool timer_ready;
} polldir;

struct pollfd {
    rt_lock lock;
    int fd;
    uint32_t gen;     /* bumped at close: older epoll events are stale */
    uint32_t kind;    /* pd_kind (read without the lock on the fast path) */
    uint32_t closing; /* go_close is waking the waiters and closing */
    bool is_socket;
    uint32_t writers; /* go_write holding or waiting for the write lock */
    uint32_t wsema;   /* its hand-offs (rt/sema.h) */
    polldir r, w;
};

/* go_read_ctx's registration with context.AfterFunc: shared by the
 * waiting goroutine and the callback, freed by whichever lets go last. */
struct ctxwake {
    pollfd *pd;
    polldir *d;
    pollwait *w; /* the wait in progress, NULL between waits */
    bool cancelled;
    uint32_t refs;
};

typedef enum { MODE_AUTO, MODE_EPOLL, MODE_URING } np_mode;

static struct {
    rt_lock init_lock;
    uint32_t inited;
    np_mode mode;
    bool ring; /* waits are requests in rt/uring.c's ring */
    uint32_t tag_seq;
    int epfd, breakfd;
    uint32_t wake_sig; /* a break is pending in the eventfd */
    uint32_t blocked;  /* an M is in a blocking epoll_wait */
    int32_t waiters;   /* goroutines parked in IO wait */
    int64_t last;      /* rt_nanotime of the last poll */
    pollfd *chunks[CHUNKS];
} np;

/* ---- the table and registration ----------------------------------------- */

static pollfd *chunk_new(int base)
{
    pollfd *c = calloc(CHUNK_FDS, sizeof *c);
    if (!c)
        rt_throw("netpoll: out of memory");
    for (int i = 0; i < CHUNK_FDS; i++) {
        c[i].fd = base + i;
        c[i].r.pd = c[i].w.pd = &c[i];
    }
    return c;
}

/* fd's pollfd, made on first use; NULL (EBADF) for fds outside the table. */
static pollfd *pd_of(int fd, bool make)
{
    if (fd < 0 || fd >= CHUNK_FDS * CHUNKS) {
        errno = EBADF;
        return NULL;
    }
    pollfd **slot = &np.chunks[fd / CHUNK_FDS];
    pollfd *c = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!c && make) {
        pollfd *fresh = chunk_new(fd / CHUNK_FDS * CHUNK_FDS);
        if (__atomic_compare_exchange_n(slot, &c, fresh, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            c = fresh;
        else
            free(fresh);
    }
    if (!c) {
        errno = EBADF;
        return NULL;
    }
    return &c[fd % CHUNK_FDS];
}

void rt_netpoll_configure(void)
{
    const char *e = getenv("GORACE_NETPOLL");
    if (!e || !*e || !strcmp(e, "auto"))
        np.mode = MODE_AUTO;
    else if (!strcmp(e, "epoll"))
        np.mode = MODE_EPOLL;
    else if (!strcmp(e, "uring"))
        np.mode = MODE_URING;
    else {
        fprintf(stderr,
                "gorace: GORACE_NETPOLL=%s: want auto, epoll or "
                "uring\n",
                e);
        exit(2);
    }
}

/* The epoll instance always: it tells which fds can be polled. Its
 * eventfd only where epoll is the poller. */
static void poll_init_locked(void)
{
    np.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (np.epfd < 0)
        rt_throw("netpoll: %s", strerror(errno));
    if (np.mode != MODE_EPOLL && rt_uring_init()) {
        np.ring = true;
        return;
    }
    if (np.mode == MODE_URING) {
        fprintf(stderr, "gorace: GORACE_NETPOLL=uring: this kernel has no "
                        "usable io_uring (5.18 or later, not disabled)\n");
        exit(2);
    }
    np.breakfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (np.breakfd < 0)
        rt_throw("netpoll: %s", strerror(errno));
    struct epoll_event ev = {.events = EPOLLIN,
                             .data.u64 = (uint64_t)BREAK_TOKEN};
    if (epoll_ctl(np.epfd, EPOLL_CTL_ADD, np.breakfd, &ev) < 0)
        rt_throw("netpoll: epoll_ctl: %s", strerror(errno));
}

static void poll_init(void)
{
    if (__atomic_load_n(&np.inited, __ATOMIC_ACQUIRE))
        return;
    rt_lock_acquire(&np.init_lock, RT_RANK_POLLDESC);
    if (!np.inited) {
        poll_init_locked();
        __atomic_store_n(&np.inited, 1, __ATOMIC_RELEASE);
    }
    rt_lock_release(&np.init_lock);
}

static uint64_t token(const pollfd *pd)
{
    return (uint64_t)pd->gen << 32 | (uint32_t)pd->fd;
}

/* First use of fd: non-blocking, then into epoll; an fd epoll refuses
 * (EPERM: a regular file, a directory) gets blocking calls instead.
 * 0 or an errno. */
static int register_locked(pollfd *pd)
{
    int fd = pd->fd;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return errno;
    if (!(fl & O_NONBLOCK)) {
        if (fd <= 2) { /* shared with whoever started us: leave it be */
            __atomic_store_n(&pd->kind, PD_BLOCKING, __ATOMIC_RELEASE);
            return 0;
        }
        if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
            return errno;
    }
    struct epoll_event ev = {.events =
                                 EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
                             .data.u64 = token(pd)};
    int op = EPOLL_CTL_ADD;
    while (epoll_ctl(np.epfd, op, fd, &ev) < 0) {
        if (errno == EEXIST && op == EPOLL_CTL_ADD) {
            op = EPOLL_CTL_MOD; /* a dup of a registered fd was closed */
            continue;
        }
        int err = errno;
        if (!(fl & O_NONBLOCK))
            fcntl(fd, F_SETFL, fl);
        if (err != EPERM)
            return err;
        __atomic_store_n(&pd->kind, PD_BLOCKING, __ATOMIC_RELEASE);
        return 0;
    }
    int type;
    socklen_t len = sizeof type;
    pd->is_socket = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
    __atomic_store_n(&pd->kind, PD_POLLED, __ATOMIC_RELEASE);
    return 0;
}

/* fd's registered pollfd, or NULL with errno. */
static pollfd *pd_get(int fd)
{
    pollfd *pd = pd_of(fd, true);
    if (!pd || __atomic_load_n(&pd->kind, __ATOMIC_ACQUIRE) != PD_NONE)
        return pd;
    poll_init(); /* not under pd->lock: the same rank */
    rt_lock_acquire(&pd->lock, RT_RANK_POLLDESC);
    int err = pd->kind == PD_NONE ? register_locked(pd) : 0;
    rt_lock_release(&pd->lock);
    if (err) {
        errno = err;
        return NULL;
    }
    return pd;
}

int rt_netpoll_open(int fd)
{
    return pd_get(fd) ? 0 : -1;
}

bool rt_netpoll_is_socket(int fd)
{
    pollfd *pd = pd_of(fd, false);
    return pd && __atomic_load_n(&pd->kind, __ATOMIC_ACQUIRE) == PD_POLLED &&
           pd->is_socket;
}

/* ---- waiting and waking -------------------------------------------------- */

static void enqueue_locked(polldir *d, pollwait *w)
{
    w->next = NULL;
    w->prev = d->tail;
    if (d->tail)
        d->tail->next = w;
    else
        d->head = w;
    d->tail = w;
    __atomic_fetch_add(&np.waiters, 1, __ATOMIC_SEQ_CST);
}

static void dequeue_locked(polldir *d, pollwait *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        d->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        d->tail = w->prev;
    if (w->cw)
        w->cw->w = NULL;
}

/* A dequeued waiter stops counting only once it is runnable: in between,
 * an M going idle must not find "nothing waits, nothing runs" and report
 * a deadlock (checkdead reads the count). */
static void ready_waiter(rt_g *g, bool wake)
{
    if (wake)
        rt_ready(g);
    else
        rt_ready_nowake(g);
    __atomic_fetch_sub(&np.waiters, 1, __ATOMIC_SEQ_CST);
}

/* Ends a wait that is a request in the ring: the request is cancelled,
 * and its completion (data that won the race, or ECANCELED) readies the
 * goroutine, which then fails with err unless it got data. The cancel is
 * submitted by finish(). */
static void cancel_locked(pollwait *w, int err)
{
    if (w->cancelling)
        return;
    w->cancelling = true;
    w->err = err;
    rt_uring_cancel(w->tag, TAG_CANCEL);
}

/* Ends every wait of d, each to fail with err (0: retry): ring waits are
 * cancelled, epoll waits move onto *list (linked through next). Ready
 * them with finish once the lock is dropped. */
static void take_all_locked(polldir *d, int err, pollwait **list)
{
    for (pollwait *w = d->head, *next; w; w = next) {
        next = w->next;
        if (w->armed) {
            cancel_locked(w, err);
            continue;
        }
        dequeue_locked(d, w);
        w->err = err;
        w->next = *list;
        *list = w;
    }
}

/* After a locked section: readies what it took, submits what it queued. */
static int finish(pollwait *w, bool wake)
{
    int n = 0;
    while (w) {
        pollwait *next = w->next; /* w lives on a stack that rt_ready frees */
        ready_waiter(w->g, wake);
        w = next;
        n++;
    }
    if (np.ring)
        rt_uring_submit();
    return n;
}

/* Has d's deadline passed? Its timer says so when it fires, but an
 * operation may come first: go_set_deadline arms one timer per direction,
 * and a read woken by its own may write before the write's fires (Go's
 * one timer for equal deadlines flips both at once). */
static bool deadline_passed(const polldir *d)
{
    if (__atomic_load_n(&d->expired, __ATOMIC_ACQUIRE))
        return true;
    int64_t when = __atomic_load_n(&d->deadline, __ATOMIC_RELAXED);
    return when != 0 && when <= rt_nanotime();
}

/* Why an operation in direction d must not (go on) wait, or 0. */
static int wait_error(const pollfd *pd, const polldir *d, const ctxwake *cw)
{
    if (__atomic_load_n(&pd->closing, __ATOMIC_ACQUIRE))
        return EBADF;
    if (deadline_passed(d))
        return ETIMEDOUT;
    if (cw && __atomic_load_n(&cw->cancelled, __ATOMIC_ACQUIRE))
        return ECANCELED;
    return 0;
}

/* Parks until d has had an edge after seq, or the wait must end; returns
 * 0 to retry, or an errno. */
static int pd_wait(pollfd *pd, polldir *d, uint32_t seq, ctxwake *cw)
{
    pollwait w = {.g = rt_getg(), .cw = cw};
    rt_lock_acquire(&pd->lock, RT_RANK_POLLDESC);
    int err = pd->kind == PD_POLLED ? wait_error(pd, d, cw) : EBADF;
    if (err || d->ready_seq != seq) {
        rt_lock_release(&pd->lock);
        return err;
    }
    enqueue_locked(d, &w);
    if (cw) {
        cw->d = d;
        cw->w = &w;
    }
    rt_park(rt_park_unlock_commit, &pd->lock, RT_WAIT_IO, pd);
    return w.err;
}

/* The request waits in the queue for the M's next look at the poller. */
static bool ring_commit(rt_g *g, void *lock)
{
    (void)g;
    rt_lock_release(lock);
    return true;
}

/* Ring mode: arms a receive into buf (len bytes), or with buf NULL a
 * readiness wait in d's direction, and parks until it completes. Returns
 * the completion's result (bytes, or a poll mask), -errno to fail with,
 * or -EAGAIN when the request ended for no reason of ours (try again).
 * Data that won the race against a cancel is returned. */
static int32_t ring_wait(pollfd *pd, polldir *d, ctxwake *cw, void *buf,
                         uint32_t len)
{
    pollwait w = {.g = rt_getg(), .cw = cw, .armed = true, .d = d};
    rt_lock_acquire(&pd->lock, RT_RANK_POLLDESC);
    int err = pd->kind == PD_POLLED ? wait_error(pd, d, cw) : EBADF;
    if (err) {
        rt_lock_release(&pd->lock);
        return -err;
    }
    enqueue_locked(d, &w);
    if (cw) {
        cw->d = d;
        cw->w = &w;
    }
    uint64_t seq = __atomic_fetch_add(&np.tag_seq, 1, __ATOMIC_RELAXED);
    if ((uintptr_t)&w & ~TAG_ADDR)
        rt_throw("netpoll: a stack above 2^48 cannot be tagged");
    w.tag = (uint64_t)(uintptr_t)&w | seq << 48;
    if (buf)
        rt_uring_recv(pd->fd, buf, len, w.tag);
    else
        rt_uring_poll(pd->fd, d == &pd->r ? EPOLLIN | EPOLLRDHUP : EPOLLOUT,
                      w.tag);
    rt_park(ring_commit, &pd->lock, RT_WAIT_IO, pd);
    if (w.res >= 0)
        return w.res;
    if (w.err)
        return -w.err;
    if (w.res == -ECANCELED || w.res == -EINTR || w.res == -EAGAIN)
        return -EAGAIN;
    return w.res;
}

/* A completion: the end of a ring wait, or a cancel's or a break's. */
static int ring_done(uint64_t tag, int32_t res, bool more, void *arg)
{
    if (tag == TAG_BREAK) {
        __atomic_store_n(&np.wake_sig, 0, __ATOMIC_RELEASE);
        return 0;
    }
    if (tag == TAG_CANCEL)
        return 0;
    pollwait *w = (pollwait *)(uintptr_t)(tag & TAG_ADDR);
    pollfd *pd = w->d->pd;
    rt_g *g = w->g;
    rt_lock_acquire(&pd->lock, RT_RANK_POLLDESC);
    dequeue_locked(w->d, w);
    w->res = res;
    if (res > 0 && w->d == &pd->r)
        __atomic_store_n(&pd->r.more, more, __ATOMIC_RELAXED);
    rt_lock_release(&pd->lock);
    ready_waiter(g, *(bool *)arg);
    return 1;
}

/* ---- go_read_ctx's cancellation ------------------------------------------ */

static void ctxwake_unref(ctxwake *cw)
{
    if (__atomic_sub_fetch(&cw->refs, 1, __ATOMIC_ACQ_REL) == 0)
        free(cw);
}

/* context.AfterFunc's callback, in a goroutine of its own. */
static void ctxwake_fire(void *arg)
{
    ctxwake *cw = arg;
    pollfd *pd = cw->pd;
    rt_g *g = NULL;
    rt_lock_acquire(&pd->lock, RT_RANK_POLLDESC);
    __atomic_store_n(&cw->cancelled, true, __ATOMIC_RELEASE);
    pollwait *w = cw->w;
    if (w && w->armed) {
        cancel_locked(w, ECANCELED);
    } else if (w) {
        dequeue_locked(cw->d, w);
        w->err = ECANCELED;
        g = w->g;
    }
    rt_lock_release(&pd->lock);
    if (g)
        ready_waiter(g, true);
    if (np.ring)
        rt_uring_submit();
    ctxwake_unref(cw);
}

typedef struct {
    ctxwake *cw;
    go_stop *stop;
} ctxreg;

static void ctx_register(ctxreg *r, pollfd *pd, go_ctx *ctx)
{
    ctxwake *cw = calloc(1, sizeof *cw);
    if (!cw)
        rt_throw("netpoll: out of memory");
    cw->pd = pd;
    cw->refs = 2;
    r->cw = cw;
    r->stop = go_ctx_after_func(ctx, ctxwake_fire, cw);
}

static void ctx_unregister(ctxreg *r)
{
    if (!r->cw)
        return;
    int saved = errno;
    if (go_stop_call(r->stop)) /* the callback will never run */
        ctxwake_unref(r->cw);
    ctxwake_unref(r->cw);
    errno = saved;
}

/* ---- operations ---------------------------------------------------------- */

static ssize_t blocking_io(int fd, ssize_t (*op)(int, void *), void *arg,
                           go_ctx *ctx)
{
    if (ctx && go_ctx_err(ctx)) {
        errno = ECANCELED;
        return -1;
    }
    go_syscall_enter();
    ssize_t r = op(fd, arg);
    int saved = errno;
    go_syscall_exit();
    errno = saved;
    return r;
}

ssize_t rt_netpoll_io(int fd, int dir, ssize_t (*op)(int fd, void *arg),
                      void *arg, go_ctx *ctx)
{
    pollfd *pd = pd_get(fd);
    if (!pd)
        return -1;
    if (__atomic_load_n(&pd->kind, __ATOMIC_ACQUIRE) == PD_BLOCKING)
        return blocking_io(fd, op, arg, ctx);
    polldir *d = dir == RT_POLL_READ ? &pd->r : &pd->w;
    ctxreg reg = {0};
    ssize_t r;
    for (;;) {
        uint32_t seq = __atomic_load_n(&d->ready_seq, __ATOMIC_ACQUIRE);
        int err = wait_error(pd, d, reg.cw);
        if (!err && ctx && !reg.cw && go_ctx_err(ctx))
            err = ECANCELED;
        if (err) {
            errno = err;
            r = -1;
            break;
        }
        r = op(fd, arg);
        if (r >= 0 || errno != EAGAIN)
            break;
        if (ctx && !reg.cw)
            ctx_register(&reg, pd, ctx);
        if (np.ring) {
            int32_t res = ring_wait(pd, d, reg.cw, NULL, 0);
            if (res >= 0 || res == -EAGAIN)
                continue;
            errno = -res;
            r = -1;
            break;
        }
        if ((err = pd_wait(pd, d, seq, reg.cw))) {
            errno = err;
            r = -1;
            break;
        }
    }
    ctx_unregister(&reg);
    return r;
}

static ssize_t read_op(int fd, void *arg)
{
    struct iovec *v = arg;
    return read(fd, v->iov_base, v->iov_len);
}

/* A receive without waiting, while the last one said data was left: a
 * stream read in pieces costs one call per piece, as with Go's read. The
 * hint holds while reads fill the buffer. */
static int32_t recv_now(pollfd *pd, void *buf, uint32_t len)
{
    ssize_t r = recv(pd->fd, buf, len, MSG_DONTWAIT);
    if (r < (ssize_t)len)
        __atomic_store_n(&pd->r.more, 0, __ATOMIC_RELAXED);
    return r < 0 ? -errno : (int32_t)r;
}

/* Ring mode, a socket: the receive itself is the request, so a read
 * costs no EAGAIN call and no second read (rt/uring.c says what that is
 * worth). Elsewhere, read(2) through rt_netpoll_io. */
ssize_t rt_netpoll_read(int fd, void *buf, size_t n, go_ctx *ctx)
{
    pollfd *pd = pd_get(fd);
    if (!pd)
        return -1;
    if (!np.ring || n == 0 || !rt_netpoll_is_socket(fd)) {
        struct iovec v = {buf, n};
        return rt_netpoll_io(fd, RT_POLL_READ, read_op, &v, ctx);
    }
    uint32_t len = n > MAX_RECV ? MAX_RECV : (uint32_t)n;
    ctxreg reg = {0};
    int32_t r;
    do {
        int err = wait_error(pd, &pd->r, reg.cw);
        if (!err && ctx && !reg.cw && go_ctx_err(ctx))
            err = ECANCELED;
        if (err) {
            r = -err;
            break;
        }
        if (__atomic_load_n(&pd->r.more, __ATOMIC_RELAXED) &&
            (r = recv_now(pd, buf, len)) != -EAGAIN)
            break;
        if (ctx && !reg.cw)
            ctx_register(&reg, pd, ctx);
        r = ring_wait(pd, &pd->r, reg.cw, buf, len);
    } while (r == -EAGAIN);
    ctx_unregister(&reg);
    if (r < 0) {
        errno = -r;
        return -1;
    }
    return r;
}

/* A queue-counting lock: the holder and the waiters each count one; an
 * unlock with waiters hands the lock over through the semaphore. */
void *rt_netpoll_write_lock(int fd)
{
    pollfd *pd = pd_of(fd, true);
    if (!pd)
        return NULL;
    if (__atomic_fetch_add(&pd->writers, 1, __ATOMIC_ACQUIRE) != 0)
        rt_semacquire(&pd->wsema, false, RT_WAIT_SEMACQUIRE, pd);
    return pd;
}

void rt_netpoll_write_unlock(void *token)
{
    pollfd *pd = token;
    if (pd && __atomic_fetch_sub(&pd->writers, 1, __ATOMIC_RELEASE) > 1)
        rt_semrelease(&pd->wsema, false);
}

/* ---- deadlines ----------------------------------------------------------- */

/* A direction's deadline timer. It checks the deadline itself: a timer
 * left over from a moved or cleared deadline finds it in the future or 0. */
static void deadline_fire(void *arg, uintptr_t seq)
{
    (void)seq;
    polldir *d = arg;
    pollfd *pd = d->pd;
    pollwait *list = NULL;
    rt_lock_acquire(&pd->lock, RT_RANK_POLLDESC);
    if (d->deadline && d->deadline <= rt_nanotime() && !d->expired) {
        __atomic_store_n(&d->expired, 1, __ATOMIC_RELEASE);
        take_all_locked(d, ETIMEDOUT, &list);
    }
    rt_lock_release(&pd->lock);
    finish(list, true);
}

static void set_deadline_locked(polldir *d, int64_t when, pollwait **list)
{
    __atomic_store_n(&d->deadline, when, __ATOMIC_RELAXED);
    if (when == 0 || when <= rt_nanotime()) {
        if (d->timer_ready)
            rt_timer_del(&d->timer);
        __atomic_store_n(&d->expired, when != 0, __ATOMIC_RELEASE);
        if (when != 0)
            take_all_locked(d, ETIMEDOUT, list);
        return;
    }
    __atomic_store_n(&d->expired, 0, __ATOMIC_RELEASE);
    if (!d->timer_ready) {
        rt_timer_init(&d->timer, deadline_fire, d);
        d->timer_ready = true;
    }
    rt_timer_mod(&d->timer, when, 0);
}

int rt_netpoll_set_deadline(int fd, int mask, int64_t when)
{
    pollfd *pd = pd_get(fd);
    if (!pd)
        return -1;
    if (__atomic_load_n(&pd->kind, __ATOMIC_ACQUIRE) == PD_BLOCKING) {
        errno = ENOTSUP; /* Go's ErrNoDeadline: a file without a poller */
        return -1;
    }
    pollwait *list = NULL;
    rt_lock_acquire(&pd->lock, RT_RANK_POLLDESC);
    if (pd->closing) {
        rt_lock_release(&pd->lock);
        errno = EBADF;
        return -1;
    }
    if (mask & RT_POLL_READ)
        set_deadline_locked(&pd->r, when, &list);
    if (mask & RT_POLL_WRITE)
        set_deadline_locked(&pd->w, when, &list);
    rt_lock_release(&pd->lock);
    finish(list, true);
    return 0;
}

/* ---- close ----------------------------------------------------------------
 */

int rt_netpoll_close(int fd)
{
    pollfd *pd = pd_of(fd, false);
    if (!pd || __atomic_load_n(&pd->kind, __ATOMIC_ACQUIRE) == PD_NONE)
        return close(fd);
    pollwait *list = NULL;
    rt_lock_acquire(&pd->lock, RT_RANK_POLLDESC);
    if (pd->closing || pd->kind == PD_NONE) { /* another go_close won */
        rt_lock_release(&pd->lock);
        errno = EBADF;
        return -1;
    }
    __atomic_store_n(&pd->closing, 1, __ATOMIC_RELEASE);
    take_all_locked(&pd->r, EBADF, &list);
    take_all_locked(&pd->w, EBADF, &list);
    set_deadline_locked(&pd->r, 0, &list);
    set_deadline_locked(&pd->w, 0, &list);
    /* Forget fd before close(2) frees its number, all under the lock: a
     * goroutine that gets the number back (socket, accept, pipe) finds it
     * unregistered and registers it afresh once we let go. */
    if (pd->kind == PD_POLLED)
        epoll_ctl(np.epfd, EPOLL_CTL_DEL, fd, NULL);
    pd->gen++;
    pd->is_socket = false;
    __atomic_store_n(&pd->kind, PD_NONE, __ATOMIC_RELEASE);
    int r = close(fd), err = errno;
    __atomic_store_n(&pd->closing, 0, __ATOMIC_RELEASE);
    rt_lock_release(&pd->lock);
    finish(list, true);
    errno = err;
    return r;
}

/* ---- polling ---------------------------------------------------------------
 */

bool rt_netpoll_waiting(void)
{
    return __atomic_load_n(&np.waiters, __ATOMIC_SEQ_CST) > 0;
}

/* In ring mode a look costs no system call, and it also submits what
 * goroutines queued: worth it even while another M sleeps in the ring. */
bool rt_netpoll_should_poll(void)
{
    return rt_netpoll_waiting() &&
           (np.ring || !__atomic_load_n(&np.blocked, __ATOMIC_ACQUIRE));
}

void rt_netpoll_flush(void)
{
    if (np.ring)
        rt_uring_submit();
}

int64_t rt_netpoll_last(void)
{
    return __atomic_load_n(&np.last, __ATOMIC_RELAXED);
}

void rt_netpoll_break(void)
{
    if (!__atomic_load_n(&np.inited, __ATOMIC_ACQUIRE) ||
        __atomic_exchange_n(&np.wake_sig, 1, __ATOMIC_ACQ_REL))
        return;
    if (np.ring) {
        rt_uring_nop(TAG_BREAK);
        rt_uring_submit();
        return;
    }
    uint64_t one = 1;
    while (write(np.breakfd, &one, sizeof one) < 0 && errno == EINTR)
        ;
}

/* An epoll event: every waiter of each direction it reports retries. */
static int deliver(uint64_t data, uint32_t events, bool wake)
{
    pollfd *pd = pd_of((int)(uint32_t)data, false);
    if (!pd)
        return 0;
    pollwait *list = NULL;
    rt_lock_acquire(&pd->lock, RT_RANK_POLLDESC);
    if (pd->gen == (uint32_t)(data >> 32) && pd->kind == PD_POLLED) {
        if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
            __atomic_store_n(&pd->r.ready_seq, pd->r.ready_seq + 1,
                             __ATOMIC_RELEASE);
            take_all_locked(&pd->r, 0, &list);
        }
        if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
            __atomic_store_n(&pd->w.ready_seq, pd->w.ready_seq + 1,
                             __ATOMIC_RELEASE);
            take_all_locked(&pd->w, 0, &list);
        }
    }
    rt_lock_release(&pd->lock);
    return finish(list, wake);
}

/* Go's netpoll delay rounding: under 1 ms waits 1 ms; the caller, woken
 * early, looks at its timers and polls again. */
static int delay_ms(int64_t ns)
{
    if (ns < 0)
        return -1;
    if (ns == 0)
        return 0;
    if (ns < 1000000)
        return 1;
    if (ns < 1000000LL * 1000000000LL)
        return (int)(ns / 1000000);
    return 1000000000; /* about 11 days: the caller looks again */
}

/* Ring mode: no look costs a system call unless requests wait to be
 * submitted; completions are read from shared memory. */
static int ring_poll(int64_t delay_ns, bool wake)
{
    if (delay_ns != 0) {
        __atomic_store_n(&np.blocked, 1, __ATOMIC_RELEASE);
        rt_uring_wait(delay_ns);
        __atomic_store_n(&np.blocked, 0, __ATOMIC_RELEASE);
    } else {
        rt_uring_submit();
    }
    __atomic_store_n(&np.last, rt_nanotime(), __ATOMIC_RELAXED);
    return rt_uring_reap(ring_done, &wake);
}

int rt_netpoll_tick(void)
{
    return np.ring && rt_netpoll_waiting() ? ring_poll(0, false) : 0;
}

int rt_netpoll(int64_t delay_ns, bool wake)
{
    if (!__atomic_load_n(&np.inited, __ATOMIC_ACQUIRE))
        return 0;
    if (np.ring)
        return ring_poll(delay_ns, wake);
    struct epoll_event ev[EVENTS_PER_POLL];
    bool block = delay_ns != 0;
    if (block)
        __atomic_store_n(&np.blocked, 1, __ATOMIC_RELEASE);
    int n = epoll_wait(np.epfd, ev, EVENTS_PER_POLL, delay_ms(delay_ns));
    int err = errno;
    if (block)
        __atomic_store_n(&np.blocked, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&np.last, rt_nanotime(), __ATOMIC_RELAXED);
    if (n < 0) {
        if (err != EINTR)
            rt_throw("netpoll: epoll_wait: %s", strerror(err));
        return 0;
    }
    int readied = 0;
    for (int i = 0; i < n; i++) {
        if (ev[i].data.u64 == (uint64_t)BREAK_TOKEN) {
            uint64_t v;
            while (read(np.breakfd, &v, sizeof v) < 0 && errno == EINTR)
                ;
            __atomic_store_n(&np.wake_sig, 0, __ATOMIC_RELEASE);
            continue;
        }
        readied += deliver(ev[i].data.u64, ev[i].events, wake);
    }
    return readied;
}
