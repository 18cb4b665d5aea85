/*
 * Groups: golang.org/x/sync/errgroup, built the way Go builds it, from the
 * public primitives, so the detectors see a group as what it is made of.
 *
 * A group is a WaitGroup counting running functions, a Once guarding the
 * first error, an optional derived context (WithContext's, cancelled on
 * the first error and when Wait returns) and, after SetLimit(n), a channel
 * of capacity n holding one token per running function: Go sends a token
 * (blocking at the limit), TryGo sends one only if it can without
 * blocking, and a function's goroutine takes its token back when it ends.
 *
 * What the detectors see follows: every function's Done happens before
 * Wait returns (the WaitGroup's edges), so Wait happens after every
 * function returned and its result is read race-free; a goroutine blocked
 * in go_group_wait is blocked on a WaitGroup, one blocked in go_group_go at
 * the limit on a channel send, both counted for deadlock and leak
 * detection like any other wait. The goroutines are created at the caller
 * of go_group_go/try_go (its return address), so leak reports and dumps
 * name the user's call site.
 *
 * Lifetime (C has no GC): the group owns the derived context and its limit
 * channels. go_group_free may come once Wait has returned; freeing a group
 * whose functions still run is a panic rather than a use after free. A
 * channel replaced by SetLimit is kept until the free, as a goroutine may
 * still be parked on a zero-capacity one (SetLimit(0) blocks Go forever).
 * The magic word sits past the first 16 bytes, which free() may reuse, so
 * a use right after go_group_free is caught.
 */
#include <stdlib.h>

#include <gorace.h>

#include "sched.h"

enum { GROUP_LIVE = 0x67727570, GROUP_FREED = 0x64656164 };

struct go_group {
    go_wg wg;
    go_once err_once;
    int err;
    uint32_t magic;
    go_ctx *ctx;   /* WithContext's, or NULL; owned */
    go_chan *sem;  /* SetLimit's tokens, NULL: no limit */
    go_chan **old; /* channels replaced by SetLimit, freed with the group */
    size_t nold;
};

typedef struct group_task {
    go_group *g;
    int (*fn)(void *);
    void *arg;
} group_task;

static void group_check(go_group *g, const char *op)
{
    if (!g)
        rt_panic("errgroup: %s on a nil group", op);
    if (g->magic != GROUP_LIVE)
        rt_panic("errgroup: %s on a freed group", op);
}

go_group *go_group_new(go_ctx *parent, go_ctx **ctx_out)
{
    go_group *g = calloc(1, sizeof *g);
    if (!g)
        rt_throw("out of memory allocating a go_group");
    g->magic = GROUP_LIVE;
    if (ctx_out)
        *ctx_out = g->ctx = go_with_cancel_cause(parent);
    return g;
}

static void group_retire_sem(go_group *g)
{
    if (!g->sem)
        return;
    go_chan **old = realloc(g->old, (g->nold + 1) * sizeof *old);
    if (!old)
        rt_throw("out of memory in go_group_set_limit");
    g->old = old;
    g->old[g->nold++] = g->sem;
    g->sem = NULL;
}

void go_group_set_limit(go_group *g, int n)
{
    group_check(g, "go_group_set_limit");
    if (n >= 0 && go_chan_len(g->sem) != 0)
        rt_panic("errgroup: modify limit while %zu goroutines in the group "
                 "are still active",
                 go_chan_len(g->sem));
    group_retire_sem(g);
    if (n >= 0)
        g->sem = go_chan_make(0, (size_t)n);
}

typedef struct first_err {
    go_group *g;
    int err;
} first_err;

static void record_first_err(void *arg)
{
    first_err *fe = arg;
    fe->g->err = fe->err;
    if (fe->g->ctx)
        go_cancel(fe->g->ctx);
}

static void group_run(void *arg)
{
    group_task t = *(group_task *)arg;
    free(arg);
    int err = t.fn(t.arg);
    if (err) {
        first_err fe = {t.g, err};
        go_once_do(&t.g->err_once, record_first_err, &fe);
    }
    if (t.g->sem)
        go_chan_recv(t.g->sem, NULL);
    go_wg_done(&t.g->wg); /* the last touch of the group */
}

static void group_spawn(go_group *g, int (*fn)(void *), void *arg, uintptr_t pc)
{
    group_task *t = malloc(sizeof *t);
    if (!t)
        rt_throw("out of memory starting a group goroutine");
    *t = (group_task){g, fn, arg};
    go_wg_add(&g->wg, 1);
    rt_spawn(group_run, t, NULL, 0, NULL, pc);
}

void go_group_go(go_group *g, int (*fn)(void *), void *arg)
{
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    group_check(g, "go_group_go");
    if (g->sem)
        go_chan_send(g->sem, NULL);
    group_spawn(g, fn, arg, pc);
}

bool go_group_try_go(go_group *g, int (*fn)(void *), void *arg)
{
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    group_check(g, "go_group_try_go");
    if (g->sem) {
        go_case send = GO_SEND_CASE(g->sem, NULL);
        if (go_select(&send, 1, true) < 0)
            return false;
    }
    group_spawn(g, fn, arg, pc);
    return true;
}

int go_group_wait(go_group *g)
{
    group_check(g, "go_group_wait");
    go_wg_wait(&g->wg);
    if (g->ctx)
        go_cancel(g->ctx);
    return g->err;
}

void go_group_free(go_group *g)
{
    if (!g)
        return;
    group_check(g, "go_group_free");
    int32_t running =
        (int32_t)(__atomic_load_n(&g->wg.state, __ATOMIC_ACQUIRE) >> 32);
    if (running != 0)
        rt_panic("errgroup: go_group_free while %d goroutines in the group "
                 "are still active",
                 running);
    /* volatile: a plain store before free() may be optimised away */
    *(volatile uint32_t *)&g->magic = GROUP_FREED;
    go_ctx_free(g->ctx);
    go_chan_free(g->sem);
    for (size_t i = 0; i < g->nold; i++)
        go_chan_free(g->old[i]);
    free(g->old);
    free(g);
}
