/*
 * Contexts: Go's context package (1.19 src/context/context.go) for the
 * cancellation tree.
 *
 * Every context but the background is a cancel context: a lock, an error
 * (0 until cancelled, then set once), a lazily made done channel that is
 * closed on cancel, and the list of live children. A deadline context adds a
 * runtime timer whose callback cancels it with GO_DEADLINE_EXCEEDED; a child
 * inherits its parent's deadline, and a requested deadline later than the
 * parent's is just a cancel context, as the parent fires first.
 *
 * The state is guarded by an rt_lock, not a go_mutex: deadline callbacks
 * cancel from scheduler context, where nothing may park.
 *
 * Locking, as Go's: a context is cancelled with its lock held and cancels its
 * children with theirs held under it, so locks nest strictly parent before
 * child. A context removing itself from its parent (go_cancel, its deadline)
 * does so after dropping its own lock.
 *
 * Lifetime. C has no GC, so each context counts references: one for its
 * owner (dropped by go_ctx_free) and one per child linked to it. A child
 * holds a pointer to its parent from propagate until it detaches: either the
 * parent's cancel clears child->parent under both locks, or the child's own
 * cancel takes the pointer under its lock and later unlinks itself under the
 * parent's. Either way the parent cannot be destroyed while a child may
 * still lock it, so the owner may free a parent before its children. A
 * context whose err is 0 still holds its owner reference (go_ctx_free
 * cancels first), so a cancel in progress never drops the last reference.
 * Invariants:
 *   - child->parent is guarded by the child's lock; children, prev, next and
 *     linked are guarded by the parent's lock;
 *   - err goes from 0 to non-zero once, under the lock; go_ctx_err reads it
 *     without the lock (release/acquire).
 */
#include <stdlib.h>

#include <gorace.h>

#include "chan.h"
#include "freed.h"
#include "hooks.h"
#include "lock.h"
#include "sched.h"
#include "time.h"

struct go_ctx {
    uint32_t magic; /* RT_MAGIC_CTX until go_ctx_free (freed.h) */
    rt_lock lock;
    uint32_t refs;       /* owner + linked children; atomic */
    int err;             /* 0, GO_CANCELED, GO_DEADLINE_EXCEEDED */
    int64_t deadline;    /* INT64_MAX: none; immutable */
    go_chan *done;       /* made on first go_ctx_done; closed on cancel */
    go_ctx *parent;      /* the context we are linked under, or NULL */
    go_ctx *children;    /* head of our children list */
    go_ctx *prev, *next; /* siblings, in the parent's list */
    bool linked;         /* in the parent's list */
    bool has_timer;      /* set before the context is published */
    rt_timer timer;
};

/* Never cancelled, no done channel, no deadline, not reference counted. */
static go_ctx background = {.magic = RT_MAGIC_CTX, .deadline = INT64_MAX};

/* Throws if ctx was freed (a NULL ctx is the caller's own crash). */
static void ctx_check(const go_ctx *ctx, const char *call)
{
    if (ctx)
        rt_obj_check(ctx->magic, RT_MAGIC_CTX, call, "context");
}

go_ctx *go_background(void)
{
    return &background;
}

static go_ctx *ctx_new(int64_t deadline)
{
    go_ctx *c = calloc(1, sizeof *c);
    if (!c)
        rt_throw("out of memory allocating a context");
    c->magic = RT_MAGIC_CTX;
    c->refs = 1;
    c->deadline = deadline;
    return c;
}

static void ctx_destroy(go_ctx *c)
{
    if (c->done)
        go_chan_free(c->done);
    rt_quarantine(c);
}

static void ctx_unref(go_ctx *c, uint32_t n)
{
    if (n && __atomic_sub_fetch(&c->refs, n, __ATOMIC_ACQ_REL) == 0)
        ctx_destroy(c);
}

static void unlink_child_locked(go_ctx *p, go_ctx *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        p->children = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    c->linked = false;
}

static void cancel_locked(go_ctx *c, int err);

/* Cancels every child of p (p locked) and empties the list. Every write to
 * a child happens under its lock, so once we let go of it, its owner may
 * free it. Returns how many children we detached, i.e. references on p to
 * drop once p's lock is released. */
static uint32_t cancel_children_locked(go_ctx *p, int err)
{
    uint32_t detached = 0;
    go_ctx *c = p->children;
    while (c) {
        go_ctx *next = c->next;
        rt_lock_acquire(&c->lock);
        if (!c->err)
            cancel_locked(c, err);
        if (c->parent == p) {
            c->parent = NULL;
            detached++;
        }
        c->prev = c->next = NULL;
        c->linked = false;
        rt_lock_release(&c->lock);
        c = next;
    }
    p->children = NULL;
    return detached;
}

/* Go's cancelCtx.cancel with c locked and not yet cancelled. */
static void cancel_locked(go_ctx *c, int err)
{
    RT_HOOK(release, rt_hook_gid(), c);
    __atomic_store_n(&c->err, err, __ATOMIC_RELEASE);
    RT_HOOK(ctx_cancel, rt_hook_gid(), c);
    if (c->done)
        rt_chan_close(c->done, 0);
    if (c->has_timer)
        rt_timer_del(&c->timer);
    /* c is live (err was 0), so its owner reference keeps refs above this. */
    uint32_t detached = cancel_children_locked(c, err);
    __atomic_sub_fetch(&c->refs, detached, __ATOMIC_RELEASE);
}

/* Cancels c and removes it from its parent (removeFromParent = true). */
static void ctx_cancel(go_ctx *c, int err)
{
    rt_lock_acquire(&c->lock);
    if (c->err) {
        rt_lock_release(&c->lock);
        return;
    }
    cancel_locked(c, err);
    go_ctx *p = c->parent;
    c->parent = NULL;
    rt_lock_release(&c->lock);
    if (!p)
        return;
    rt_lock_acquire(&p->lock);
    if (c->linked)
        unlink_child_locked(p, c);
    rt_lock_release(&p->lock);
    ctx_unref(p, 1);
}

/* Go's propagateCancel: links child under parent, or cancels it at once if
 * the parent is already cancelled. The background never cancels. */
static void propagate_cancel(go_ctx *parent, go_ctx *child)
{
    if (parent == &background)
        return;
    rt_lock_acquire(&parent->lock);
    if (parent->err) {
        rt_lock_acquire(&child->lock);
        cancel_locked(child, parent->err);
        rt_lock_release(&child->lock);
    } else {
        __atomic_add_fetch(&parent->refs, 1, __ATOMIC_RELAXED);
        child->parent = parent;
        child->next = parent->children;
        if (child->next)
            child->next->prev = child;
        parent->children = child;
        child->linked = true;
    }
    rt_lock_release(&parent->lock);
}

static void check_parent(go_ctx *parent)
{
    if (!parent)
        rt_panic("cannot create context from nil parent");
}

go_ctx *go_with_cancel(go_ctx *parent)
{
    ctx_check(parent, "go_with_cancel");
    check_parent(parent);
    go_ctx *c = ctx_new(parent->deadline);
    propagate_cancel(parent, c);
    return c;
}

static void deadline_fire(void *arg, uintptr_t seq)
{
    (void)seq;
    ctx_cancel(arg, GO_DEADLINE_EXCEEDED);
}

go_ctx *go_with_deadline(go_ctx *parent, int64_t deadline_ns)
{
    ctx_check(parent, "go_with_deadline");
    check_parent(parent);
    if (parent->deadline < deadline_ns)
        return go_with_cancel(parent); /* the parent's deadline comes first */
    go_ctx *c = ctx_new(deadline_ns);
    rt_timer_init(&c->timer, deadline_fire, c);
    c->timer.when = deadline_ns;
    c->has_timer = true;
    propagate_cancel(parent, c);
    if (deadline_ns <= go_now()) {
        ctx_cancel(c, GO_DEADLINE_EXCEEDED);
        return c;
    }
    rt_lock_acquire(&c->lock);
    if (!c->err)
        rt_timer_add(&c->timer);
    rt_lock_release(&c->lock);
    return c;
}

go_ctx *go_with_timeout(go_ctx *parent, int64_t ns)
{
    ctx_check(parent, "go_with_timeout");
    check_parent(parent);
    return go_with_deadline(parent, rt_when_after(ns));
}

void go_cancel(go_ctx *ctx)
{
    ctx_check(ctx, "go_cancel");
    rt_sched_point();
    if (ctx && ctx != &background)
        ctx_cancel(ctx, GO_CANCELED);
}

go_chan *go_ctx_done(go_ctx *ctx)
{
    ctx_check(ctx, "go_ctx_done");
    if (ctx == &background)
        return NULL;
    go_chan *d = __atomic_load_n(&ctx->done, __ATOMIC_ACQUIRE);
    if (d)
        return d;
    rt_lock_acquire(&ctx->lock);
    d = ctx->done;
    if (!d) {
        d = go_chan_make(0, 0);
        if (ctx->err) {
            /* Made after the cancel: close it as the canceller would, so
             * receivers still sync with go_cancel. */
            RT_HOOK(acquire, rt_hook_gid(), ctx);
            rt_chan_close(d, 0);
        }
        __atomic_store_n(&ctx->done, d, __ATOMIC_RELEASE);
    }
    rt_lock_release(&ctx->lock);
    return d;
}

int go_ctx_err(go_ctx *ctx)
{
    ctx_check(ctx, "go_ctx_err");
    rt_sched_point();
    int err = __atomic_load_n(&ctx->err, __ATOMIC_ACQUIRE);
    if (err)
        RT_HOOK(acquire, rt_hook_gid(), ctx);
    return err;
}

const char *go_ctx_err_str(go_ctx *ctx)
{
    ctx_check(ctx, "go_ctx_err_str");
    switch (go_ctx_err(ctx)) {
    case GO_CANCELED:
        return "context canceled";
    case GO_DEADLINE_EXCEEDED:
        return "context deadline exceeded";
    default:
        return "";
    }
}

/* The caller guarantees no goroutine uses ctx or its done channel any more
 * (normally: after go_cancel, once every user has seen it). Freeing cancels
 * first, as Go's defer cancel() would, so the tree stays consistent even if
 * the caller skipped go_cancel: children are cancelled and detached, and ctx
 * leaves its parent. Children may outlive ctx; memory goes when the last of
 * ctx's linked children lets go. */
void go_ctx_free(go_ctx *ctx)
{
    if (!ctx || ctx == &background)
        return;
    ctx_check(ctx, "go_ctx_free");
    ctx_cancel(ctx, GO_CANCELED);
    if (ctx->has_timer) {
        rt_timer_del(&ctx->timer);
        rt_timer_wait_idle(&ctx->timer); /* a deadline firing right now */
    }
    __atomic_store_n(&ctx->magic, 0, __ATOMIC_RELAXED);
    ctx_unref(ctx, 1);
}
