/*
 * gorace.h: Go's concurrency model for C.
 *
 * This header is the public contract (see API.md). Every name here starts with
 * go_ or GO_. The sync types are complete so they can live in locals and
 * globals; their fields are the runtime's business, and a zeroed value is
 * ready to use, as in Go.
 */
#ifndef GORACE_H
#define GORACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GO_NANOSECOND ((int64_t)1)
#define GO_MICROSECOND ((int64_t)1000)
#define GO_MILLISECOND ((int64_t)1000000)
#define GO_SECOND ((int64_t)1000000000)

/* ---- Program and goroutines ------------------------------------------- */

int go_run(int (*main_fn)(int argc, char **argv), int argc, char **argv);
void go_spawn(void (*fn)(void *), void *arg);
/* go_spawn with the call site spelled out; GO() fills it in. */
void go_spawn_at(void (*fn)(void *), void *arg, const char *file, int line,
                 const char *func);
#define GO(fn, arg)                                                            \
    go_spawn_at((fn), (void *)(arg), __FILE__, __LINE__, __func__)
int64_t go_id(void);
void go_yield(void);
int go_maxprocs(int n);
int go_num_goroutine(void);
void go_exit(int code) __attribute__((noreturn));
void go_panic(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/* Brackets a blocking C call (read, a lock of another library, ...): the
 * goroutine's processor is handed to other goroutines until go_syscall_exit.
 * Go's entersyscall/exitsyscall. Between the two, call no go_ function. */
void go_syscall_enter(void);
void go_syscall_exit(void);

/* Instrumented builds: reports now (WARNING: GOROUTINE LEAK) every goroutine
 * blocked on an object that nothing still able to run can reach, and returns
 * how many. Release builds have no detector: returns 0. */
int go_leakcheck(void);

/* ---- Channels ---------------------------------------------------------- */

typedef struct go_chan go_chan;
go_chan *go_chan_make(size_t elem_size, size_t cap);
void go_chan_send(go_chan *c, const void *elem);
bool go_chan_recv(go_chan *c, void *out);
void go_chan_close(go_chan *c);
size_t go_chan_len(go_chan *c);
size_t go_chan_cap(go_chan *c);
void go_chan_free(go_chan *c);

/* ---- Select ------------------------------------------------------------ */

enum { GO_SEND = 1, GO_RECV = 2 };
typedef struct {
    go_chan *chan;
    int dir;
    void *elem;
    bool ok;
} go_case;
#define GO_SEND_CASE(ch, ptr)                                                  \
    ((go_case){.chan = (ch), .dir = GO_SEND, .elem = (void *)(ptr)})
#define GO_RECV_CASE(ch, ptr)                                                  \
    ((go_case){.chan = (ch), .dir = GO_RECV, .elem = (ptr)})
int go_select(go_case *cases, int n, bool has_default);

/* ---- sync -------------------------------------------------------------- */

typedef struct go_mutex {
    int32_t state; /* locked | woken | starving | waiters << 3, as Go's */
    uint32_t sema;
} go_mutex;
void go_mutex_lock(go_mutex *m);
bool go_mutex_trylock(go_mutex *m);
void go_mutex_unlock(go_mutex *m);

typedef struct go_rwmutex {
    go_mutex w;
    uint32_t writer_sem;
    uint32_t reader_sem;
    int32_t reader_count;
    int32_t reader_wait;
} go_rwmutex;
void go_rwmutex_rlock(go_rwmutex *rw);
bool go_rwmutex_tryrlock(go_rwmutex *rw);
void go_rwmutex_runlock(go_rwmutex *rw);
void go_rwmutex_lock(go_rwmutex *rw);
bool go_rwmutex_trylock(go_rwmutex *rw);
void go_rwmutex_unlock(go_rwmutex *rw);

typedef struct go_wg {
    uint64_t state; /* counter << 32 | waiters */
    uint32_t sema;
} go_wg;
void go_wg_add(go_wg *wg, int64_t delta);
void go_wg_done(go_wg *wg);
void go_wg_wait(go_wg *wg);

typedef struct go_once {
    uint32_t done;
    go_mutex m;
} go_once;
void go_once_do(go_once *o, void (*fn)(void *), void *arg);

typedef struct go_cond {
    go_mutex *L;
    /* Go's notifyList: tickets handed out to waiters and to notifiers. */
    uint32_t wait;
    uint32_t notify;
    uint32_t lock;
    void *head;
    void *tail;
} go_cond;
void go_cond_init(go_cond *c, go_mutex *L);
void go_cond_wait(go_cond *c);
void go_cond_signal(go_cond *c);
void go_cond_broadcast(go_cond *c);

/* ---- time -------------------------------------------------------------- */

int64_t go_now(void);
void go_sleep(int64_t ns);
go_chan *go_after(int64_t ns);

typedef struct go_timer go_timer;
go_timer *go_timer_new(int64_t ns);
go_chan *go_timer_chan(go_timer *t);
bool go_timer_stop(go_timer *t);
bool go_timer_reset(go_timer *t, int64_t ns);
void go_timer_free(go_timer *t);

typedef struct go_ticker go_ticker;
go_ticker *go_ticker_new(int64_t ns);
go_chan *go_ticker_chan(go_ticker *t);
void go_ticker_stop(go_ticker *t);
void go_ticker_free(go_ticker *t);
go_timer *go_after_func(int64_t ns, void (*fn)(void *), void *arg);

/* ---- context ----------------------------------------------------------- */

enum { GO_CANCELED = 1, GO_DEADLINE_EXCEEDED = 2 };
typedef struct go_ctx go_ctx;
go_ctx *go_background(void);
go_ctx *go_with_cancel(go_ctx *parent);
go_ctx *go_with_timeout(go_ctx *parent, int64_t ns);
go_ctx *go_with_deadline(go_ctx *parent, int64_t deadline_ns);
void go_cancel(go_ctx *ctx);
go_chan *go_ctx_done(go_ctx *ctx);
int go_ctx_err(go_ctx *ctx);
const char *go_ctx_err_str(go_ctx *ctx);
void go_ctx_free(go_ctx *ctx);
go_ctx *go_with_value(go_ctx *parent, const void *key, void *val);
void *go_ctx_value(go_ctx *ctx, const void *key);
go_ctx *go_with_cancel_cause(go_ctx *parent);
void go_cancel_cause(go_ctx *ctx, const char *cause);
const char *go_ctx_cause(go_ctx *ctx);
go_ctx *go_without_cancel(go_ctx *parent);
typedef struct go_stop go_stop;
go_stop *go_ctx_after_func(go_ctx *ctx, void (*fn)(void *), void *arg);
bool go_stop_call(go_stop *s);

/* ---- Groups (x/sync/errgroup) and weighted semaphores (x/sync/semaphore) */

typedef struct go_group go_group;
go_group *go_group_new(go_ctx *parent, go_ctx **ctx_out);
void go_group_set_limit(go_group *g, int n);
void go_group_go(go_group *g, int (*fn)(void *), void *arg);
bool go_group_try_go(go_group *g, int (*fn)(void *), void *arg);
int go_group_wait(go_group *g);
void go_group_free(go_group *g);

typedef struct go_sem go_sem;
go_sem *go_sem_new(int64_t n);
int go_sem_acquire(go_sem *s, go_ctx *ctx, int64_t n);
bool go_sem_try_acquire(go_sem *s, int64_t n);
void go_sem_release(go_sem *s, int64_t n);
void go_sem_free(go_sem *s);

#ifdef __cplusplus
}
#endif
#endif /* GORACE_H */
