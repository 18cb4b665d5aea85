/*
 * gorace.h: Go's concurrency model for C.
 *
 * This header is the public contract, documented in API.md; each name has a
 * one-line summary here. Every name here starts with go_ or GO_. The sync
 * types are complete so they can live in locals and globals; their fields
 * are the runtime's business, and a zeroed value is ready to use, as in Go.
 */
#ifndef GORACE_H
#define GORACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>

#ifdef __cplusplus
extern "C" {
#endif

/* errno of the thread running the caller, asked afresh at every use: a
 * goroutine may resume on another thread after any call that blocks, and
 * glibc's errno lets the compiler keep one thread's address across calls. */
int *go_errno_location(void);
#undef errno
#define errno (*go_errno_location())

/* Durations are int64_t nanoseconds, as Go's time.Duration. */
#define GO_NANOSECOND ((int64_t)1)
#define GO_MICROSECOND ((int64_t)1000)
#define GO_MILLISECOND ((int64_t)1000000)
#define GO_SECOND ((int64_t)1000000000)

/* ---- Program and goroutines ------------------------------------------- */

/* Runs main_fn as goroutine 1 and returns its exit status; once per process. */
int go_run(int (*main_fn)(int argc, char **argv), int argc, char **argv);
/* go fn(arg): starts fn(arg) in a new goroutine; GO() also records the site. */
void go_spawn(void (*fn)(void *), void *arg);
/* go_spawn with the call site spelled out; GO() fills it in. */
void go_spawn_at(void (*fn)(void *), void *arg, const char *file, int line,
                 const char *func);
#define GO(fn, arg)                                                            \
    go_spawn_at((fn), (void *)(arg), __FILE__, __LINE__, __func__)
/* The current goroutine's id: main is 1; 0 outside a goroutine. */
int64_t go_id(void);
/* runtime.Gosched: lets other goroutines run. */
void go_yield(void);
/* runtime.GOMAXPROCS: sets n processors (n < 1: query); returns the old n. */
int go_maxprocs(int n);
/* runtime.NumGoroutine: user goroutines that exist, main included. */
int go_num_goroutine(void);
/* os.Exit: flushes stdio and exits now; no atexit handler, no leak check. */
void go_exit(int code) __attribute__((noreturn));
/* panic(msg): "panic: msg", a goroutine dump, exit 2. */
void go_panic(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/* Brackets a blocking C call (read, a lock of another library, ...): the
 * goroutine's processor is handed to other goroutines until go_syscall_exit.
 * Go's entersyscall/exitsyscall. Between the two, call no go_ function. */
void go_syscall_enter(void);
/* Ends the bracket: the goroutine takes a processor back before going on. */
void go_syscall_exit(void);

/* Instrumented builds: reports now (WARNING: GOROUTINE LEAK) every goroutine
 * blocked on an object that nothing still able to run can reach, and returns
 * how many. Release builds have no detector: returns 0. */
int go_leakcheck(void);

/* ---- Channels ---------------------------------------------------------- */

/* A channel of fixed-size elements, copied in and out (Go's chan T). */
typedef struct go_chan go_chan;
/* make(chan T, cap); elem_size 0 is chan struct{}; the caller owns it. */
go_chan *go_chan_make(size_t elem_size, size_t cap);
/* c <- *elem; blocks; panics on a closed channel; NULL c blocks forever. */
void go_chan_send(go_chan *c, const void *elem);
/* v, ok := <-c into out (may be NULL); false once closed and drained. */
bool go_chan_recv(go_chan *c, void *out);
/* close(c); panics on a closed or NULL channel. */
void go_chan_close(go_chan *c);
/* len(c): values buffered now (0 for NULL). */
size_t go_chan_len(go_chan *c);
/* cap(c): buffer capacity (0 for NULL). */
size_t go_chan_cap(go_chan *c);
/* Frees c once no goroutine uses it; NULL is a no-op. */
void go_chan_free(go_chan *c);

/* ---- Select ------------------------------------------------------------ */

/* A select case's direction; GO_AFTER is a timeout with no channel. */
enum { GO_SEND = 1, GO_RECV = 2, GO_AFTER = 3 };
/* A select case: send *elem, or receive into elem (ok: a value came); a
 * GO_AFTER case is ready after `after` ns and stores go_now() into elem. */
typedef struct {
    go_chan *chan;
    int dir;
    void *elem;
    bool ok;
    int64_t after;
} go_case;
/* A case sending *ptr on ch. */
#define GO_SEND_CASE(ch, ptr)                                                  \
    ((go_case){.chan = (ch), .dir = GO_SEND, .elem = (void *)(ptr)})
/* A case receiving from ch into ptr (may be NULL). */
#define GO_RECV_CASE(ch, ptr)                                                  \
    ((go_case){.chan = (ch), .dir = GO_RECV, .elem = (ptr)})
/* `case t := <-time.After(ns)` without a channel: nothing to reclaim, so
 * safe in loops; ptr (an int64_t *, may be NULL) gets the time. */
#define GO_AFTER_CASE(ns, ptr)                                                 \
    ((go_case){.dir = GO_AFTER, .elem = (ptr), .after = (ns)})
/* select: runs one ready case (random among them); its index, -1: default. */
int go_select(go_case *cases, int n, bool has_default);

/* ---- sync -------------------------------------------------------------- */

/* sync.Mutex; a zeroed value is unlocked. */
typedef struct go_mutex {
    int32_t state; /* locked | woken | starving | waiters << 3, as Go's */
    uint32_t sema;
} go_mutex;
/* Locks m, blocking until it is free. */
void go_mutex_lock(go_mutex *m);
/* Locks m if it is free now; reports whether it did. */
bool go_mutex_trylock(go_mutex *m);
/* Unlocks m (any goroutine may); fatal if m is not locked. */
void go_mutex_unlock(go_mutex *m);

/* sync.RWMutex; a zeroed value is unlocked. */
typedef struct go_rwmutex {
    go_mutex w;
    uint32_t writer_sem;
    uint32_t reader_sem;
    int32_t reader_count;
    int32_t reader_wait;
} go_rwmutex;
/* Locks rw for reading; waits for a writer, and behind a waiting one. */
void go_rwmutex_rlock(go_rwmutex *rw);
/* Read-locks rw if possible now; reports whether it did. */
bool go_rwmutex_tryrlock(go_rwmutex *rw);
/* Undoes one go_rwmutex_rlock; fatal if rw is not read-locked. */
void go_rwmutex_runlock(go_rwmutex *rw);
/* Locks rw for writing, excluding readers and writers. */
void go_rwmutex_lock(go_rwmutex *rw);
/* Write-locks rw if possible now; reports whether it did. */
bool go_rwmutex_trylock(go_rwmutex *rw);
/* Unlocks rw for writing; fatal if rw is not write-locked. */
void go_rwmutex_unlock(go_rwmutex *rw);

/* sync.WaitGroup; a zeroed value has counter 0. */
typedef struct go_wg {
    uint64_t state; /* counter << 32 | waiters */
    uint32_t sema;
} go_wg;
/* Adds delta to the counter; panics if it goes negative. */
void go_wg_add(go_wg *wg, int64_t delta);
/* go_wg_add(wg, -1). */
void go_wg_done(go_wg *wg);
/* Blocks until the counter is 0. */
void go_wg_wait(go_wg *wg);

/* sync.Once; a zeroed value has not run. */
typedef struct go_once {
    uint32_t done;
    go_mutex m;
} go_once;
/* Runs fn(arg) the first time; every call returns after that fn returned. */
void go_once_do(go_once *o, void (*fn)(void *), void *arg);

/* sync.Cond; needs go_cond_init. */
typedef struct go_cond {
    go_mutex *L;
    /* Go's notifyList: tickets handed out to waiters and to notifiers. */
    uint32_t wait;
    uint32_t notify;
    uint32_t lock;
    void *head;
    void *tail;
} go_cond;
/* sync.NewCond(L): sets the mutex Wait unlocks and relocks. */
void go_cond_init(go_cond *c, go_mutex *L);
/* Unlocks L, waits for Signal/Broadcast, relocks L. */
void go_cond_wait(go_cond *c);
/* Wakes one goroutine waiting on c, if any. */
void go_cond_signal(go_cond *c);
/* Wakes every goroutine waiting on c. */
void go_cond_broadcast(go_cond *c);

/* ---- time -------------------------------------------------------------- */

/* The monotonic clock in ns (virtual in a seeded schedule). */
int64_t go_now(void);
/* time.Sleep(ns); ns <= 0 returns at once. */
void go_sleep(int64_t ns);
/* time.After: gets the time once; runtime-owned, reclaimed once received. */
go_chan *go_after(int64_t ns);

/* time.Timer (Go 1.23 semantics: no stale value after Stop/Reset). */
typedef struct go_timer go_timer;
/* Starts a timer that sends the time on its channel after ns. */
go_timer *go_timer_new(int64_t ns);
/* The timer's channel (int64_t, owned by the timer); NULL for go_after_func. */
go_chan *go_timer_chan(go_timer *t);
/* Stops t; true if that kept it from firing. */
bool go_timer_stop(go_timer *t);
/* Re-arms t to fire after ns; true if it was active. */
bool go_timer_reset(go_timer *t, int64_t ns);
/* Stops and frees t and its channel; NULL is a no-op. */
void go_timer_free(go_timer *t);

/* time.Ticker. */
typedef struct go_ticker go_ticker;
/* A ticker sending the time every ns; panics if ns <= 0. */
go_ticker *go_ticker_new(int64_t ns);
/* The ticker's channel (int64_t, capacity 1, owned by the ticker). */
go_chan *go_ticker_chan(go_ticker *t);
/* Turns t off; the channel stays open. */
void go_ticker_stop(go_ticker *t);
/* Stops and frees t and its channel; NULL is a no-op. */
void go_ticker_free(go_ticker *t);
/* time.AfterFunc: fn(arg) in its own goroutine after ns; no channel. */
go_timer *go_after_func(int64_t ns, void (*fn)(void *), void *arg);

/* ---- context ----------------------------------------------------------- */

/* go_ctx_err's codes: Go's context.Canceled and DeadlineExceeded. */
enum { GO_CANCELED = 1, GO_DEADLINE_EXCEEDED = 2 };
/* context.Context; every go_with_* result is the caller's to go_ctx_free. */
typedef struct go_ctx go_ctx;
/* context.Background: never done, no values; static. */
go_ctx *go_background(void);
/* context.WithCancel: a child done on go_cancel or when parent is. */
go_ctx *go_with_cancel(go_ctx *parent);
/* context.WithTimeout: also done ns from now. */
go_ctx *go_with_timeout(go_ctx *parent, int64_t ns);
/* context.WithDeadline: also done at deadline_ns (go_now() clock). */
go_ctx *go_with_deadline(go_ctx *parent, int64_t deadline_ns);
/* The cancel func: cancels ctx and its descendants; idempotent. */
void go_cancel(go_ctx *ctx);
/* ctx.Done(): closed when ctx is done; NULL if it never can be. */
go_chan *go_ctx_done(go_ctx *ctx);
/* ctx.Err(): 0, GO_CANCELED or GO_DEADLINE_EXCEEDED. */
int go_ctx_err(go_ctx *ctx);
/* ctx.Err()'s text: "", "context canceled", "context deadline exceeded". */
const char *go_ctx_err_str(go_ctx *ctx);
/* Cancels (if cancellable), detaches and frees ctx; NULL/background: no-op. */
void go_ctx_free(go_ctx *ctx);
/* context.WithValue: a child carrying key -> val; key compared as a pointer. */
go_ctx *go_with_value(go_ctx *parent, const void *key, void *val);
/* ctx.Value(key): the nearest ancestor's value, NULL if none. */
void *go_ctx_value(go_ctx *ctx, const void *key);
/* context.WithCancelCause: go_cancel_cause cancels it with a cause. */
go_ctx *go_with_cancel_cause(go_ctx *parent);
/* Cancels ctx recording a copy of cause (NULL: none); the first cancel wins. */
void go_cancel_cause(go_ctx *ctx, const char *cause);
/* context.Cause: "" while not done, then the cause, else the error's text. */
const char *go_ctx_cause(go_ctx *ctx);
/* context.WithoutCancel: parent's values, never done. */
go_ctx *go_without_cancel(go_ctx *parent);
/* The stop function of a context.AfterFunc. */
typedef struct go_stop go_stop;
/* context.AfterFunc: fn(arg) in its own goroutine once ctx is done. */
go_stop *go_ctx_after_func(go_ctx *ctx, void (*fn)(void *), void *arg);
/* Calls stop: true if it kept fn from starting; frees s (call it once). */
bool go_stop_call(go_stop *s);

/* ---- Groups (x/sync/errgroup) and weighted semaphores (x/sync/semaphore) */

/* errgroup.Group: goroutines for subtasks, the first error kept. */
typedef struct go_group go_group;
/* A group; with ctx_out, errgroup.WithContext (the group owns *ctx_out). */
go_group *go_group_new(go_ctx *parent, go_ctx **ctx_out);
/* SetLimit: at most n functions at once; n < 0: no limit. */
void go_group_set_limit(go_group *g, int n);
/* Go: runs fn(arg) in a new goroutine, blocking while at the limit. */
void go_group_go(go_group *g, int (*fn)(void *), void *arg);
/* TryGo: starts fn(arg) only if within the limit now; reports whether. */
bool go_group_try_go(go_group *g, int (*fn)(void *), void *arg);
/* Wait: blocks until every fn returned; the first non-zero code, or 0. */
int go_group_wait(go_group *g);
/* Frees g, its context and channels, after go_group_wait returned. */
void go_group_free(go_group *g);

/* semaphore.Weighted: a bound on the combined weight held at once. */
typedef struct go_sem go_sem;
/* A weighted semaphore of size n, nothing held. */
go_sem *go_sem_new(int64_t n);
/* Acquires n, waiting until free or ctx (NULL: none) is done; 0 or its err. */
int go_sem_acquire(go_sem *s, go_ctx *ctx, int64_t n);
/* Acquires n if possible now without overtaking a waiter; reports whether. */
bool go_sem_try_acquire(go_sem *s, int64_t n);
/* Gives back n; panics "semaphore: released more than held". */
void go_sem_release(go_sem *s, int64_t n);
/* Frees s once no goroutine uses it; NULL is a no-op. */
void go_sem_free(go_sem *s);

/* ---- Goroutine-aware I/O (Go's netpoller, on epoll) ---------------------
 * Errors are -1 and errno: ETIMEDOUT when a deadline passed (Go's
 * os.ErrDeadlineExceeded), ECANCELED when go_read_ctx's context is done,
 * EBADF for an fd closed by go_close while a goroutine waited on it. Any
 * fd works (sockets, pipes, eventfds); one epoll cannot watch (a regular
 * file) gets a blocking call bracketed by go_syscall_enter/exit. Close
 * with go_close, not close(2). A goroutine blocked here is in "IO wait":
 * not asleep for deadlock detection, not a leak at exit. */

/* read(2) that parks the goroutine, not the thread. */
ssize_t go_read(int fd, void *buf, size_t n);
/* Writes all n bytes (returns n) unless an error stops it (-1). */
ssize_t go_write(int fd, const void *buf, size_t n);
/* accept(2); the new fd is non-blocking, close-on-exec, ready for go_ I/O. */
int go_accept(int lfd, struct sockaddr *addr, socklen_t *len);
/* connect(2) that parks until the connection is made or fails. */
int go_connect(int fd, const struct sockaddr *addr, socklen_t len);
/* net.Listen("tcp", hostport): "127.0.0.1:0", ":8080", "[::1]:0",
 * "localhost:0"; returns the listening fd. */
int go_listen_tcp(const char *hostport);
/* net.DialTimeout("tcp", hostport, timeout); timeout 0: none. */
int go_dial_tcp(const char *hostport, int64_t timeout_ns);
/* The port fd is bound to (what ":0" got). */
int go_local_port(int fd);
/* SetDeadline, SetReadDeadline, SetWriteDeadline: absolute go_now() time;
 * 0 clears; a deadline that passed fails waiting and later operations. */
int go_set_deadline(int fd, int64_t deadline_ns);
int go_set_read_deadline(int fd, int64_t deadline_ns);
int go_set_write_deadline(int fd, int64_t deadline_ns);
/* go_read that also returns (ECANCELED) when ctx is done. */
ssize_t go_read_ctx(go_ctx *ctx, int fd, void *buf, size_t n);
/* Closes fd, waking every goroutine blocked on it (they get EBADF). */
int go_close(int fd);

#ifdef __cplusplus
}
#endif
#endif /* GORACE_H */
