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
 * Locking. A context is cancelled with its lock held, and a parent cancels
 * each child with both locks held, so locks nest strictly parent before
 * child. Unlike Go, a parent does not hold its lock while its children
 * cancel theirs: Go recurses down the tree with every lock on the path held,
 * but a chain of contexts (a loop that derives each from the last) may be
 * deeper than a C stack holds frames for. So a cancelled context with
 * children is queued, holding a reference, and its children are cancelled
 * from the queue after its lock is released (cancel_queued): never more
 * than two locks held. Nothing observable changes: err is set and done
 * closed before the lock is released, so a child linked later is cancelled
 * at once, and go_cancel returns only once the whole subtree is cancelled.
 * A context removing itself from its parent (go_cancel, its deadline) does
 * so after dropping its own lock.
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
 *
 * The rest of Go's package (1.21: WithValue, WithCancelCause, Cause,
 * WithoutCancel, AfterFunc) adds three kinds next to the cancel context:
 *  - a value context carries one key/value pair and is never cancelled on
 *    its own: its done channel and error are those of `base`, its nearest
 *    cancel ancestor (Go's valueCtx delegates Done/Err to its parent), and a
 *    cancel context made under it links under that base;
 *  - a detached context (WithoutCancel) has the background as base, so it is
 *    never done, but keeps its parent's values;
 *  - an after-func context (AfterFunc's afterFuncCtx) is a cancel context
 *    that, when cancelled by its parent, starts fn in a goroutine, once; the
 *    go_stop handed to the user is this context.
 * Values are found through `vals`, the nearest value context strictly above
 * (for a value context) or at or above (for the others) the parent: a chain
 * of value contexts, each immutable once published. `vals` and `base` are
 * counted references, dropped when the context is destroyed, so a value or
 * a done channel stays readable however the owners free the ancestors.
 * The cause (WithCancelCause) is copied at cancel, under the lock before err
 * is published, and handed down to the children cancelled with it.
 * Invariants:
 *   - child->parent is guarded by the child's lock; children, prev, next and
 *     linked are guarded by the parent's lock; cancel_next belongs to the one
 *     goroutine that set err;
 *   - err goes from 0 to non-zero once, under the lock; go_ctx_err reads it
 *     without the lock (release/acquire); cause is written before err and
 *     never again;
 *   - kind, base, vals, key, val, after_fn, after_arg never change after
 *     the context is published; only cancel kinds (base == NULL) are ever
 *     cancelled or linked under a parent.
 */
#include <stdlib.h>
#include <string.h>

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
    go_ctx *cancel_next; /* cancel_queued's queue; its canceller's alone */
    bool linked;         /* in the parent's list */
    bool has_timer;      /* set before the context is published */
    rt_timer timer;
    uint8_t kind;    /* ctx_kind */
    go_ctx *base;    /* value/detached: where done and err come from */
    go_ctx *vals;    /* the next value context up, or NULL */
    const void *key; /* value context */
    void *val;
    char *cause;              /* owned; NULL: err's own text */
    void (*after_fn)(void *); /* after-func context */
    void *after_arg;
    uintptr_t after_pc;  /* go_ctx_after_func's caller, for tracebacks */
    uint32_t after_once; /* 0 until fn started or go_stop_call; atomic */
};

enum ctx_kind { CTX_CANCEL, CTX_VALUE, CTX_DETACHED, CTX_AFTER };

/* go_stop is the after-func context itself. */
struct go_stop {
    go_ctx ctx;
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

/* The context that gives c its done channel and error. */
static go_ctx *base_of(go_ctx *c)
{
    return c->base ? c->base : c;
}

/* The first value context to search from c. */
static go_ctx *values_of(go_ctx *c)
{
    return c->kind == CTX_VALUE ? c : c->vals;
}

/* Takes a counted reference to r (which may be NULL or the background). */
static go_ctx *ctx_ref(go_ctx *r)
{
    if (r && r != &background)
        __atomic_add_fetch(&r->refs, 1, __ATOMIC_RELAXED);
    return r;
}

/* Drops n references; a context that reached zero goes on *dead (through
 * its next field: it is in no sibling list any more). */
static void ctx_drop(go_ctx *c, uint32_t n, go_ctx **dead)
{
    if (c && c != &background && n &&
        __atomic_sub_fetch(&c->refs, n, __ATOMIC_ACQ_REL) == 0) {
        c->next = *dead;
        *dead = c;
    }
}

static void ctx_destroy(go_ctx *c)
{
    /* What a cancel released on c (and a registration on after_fn) must
     * not reach whatever is allocated here next. */
    RT_HOOK(sync_free, rt_hook_cur(), c);
    if (c->kind == CTX_AFTER)
        RT_HOOK(sync_free, rt_hook_cur(), &c->after_fn);
    if (c->done)
        go_chan_free(c->done);
    free(c->cause);
    rt_quarantine(c);
}

/* A loop, not recursion: destroying a context may release a long chain of
 * ancestors, more than a goroutine stack holds frames for. */
static void ctx_unref(go_ctx *c, uint32_t n)
{
    go_ctx *dead = NULL;
    ctx_drop(c, n, &dead);
    while (dead) {
        go_ctx *d = dead;
        dead = d->next;
        ctx_drop(d->vals, 1, &dead);
        ctx_drop(d->base, 1, &dead);
        ctx_destroy(d);
    }
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

static void after_start(go_ctx *a);

static char *cause_dup(const char *cause)
{
    if (!cause)
        return NULL;
    char *d = strdup(cause);
    if (!d)
        rt_throw("out of memory copying a context's cause");
    return d;
}

/* Go's cancelCtx.cancel for c itself, with c locked and not yet cancelled
 * (cause NULL: the cause is err itself). Its children are left linked: if
 * it has any, c goes on *queue, with a reference that keeps it alive until
 * cancel_queued has cancelled them. */
static void cancel_locked(go_ctx *c, int err, const char *cause, go_ctx **queue)
{
    RT_HOOK(release, rt_hook_cur(), c);
    c->cause = cause_dup(cause);
    __atomic_store_n(&c->err, err, __ATOMIC_RELEASE);
    RT_HOOK(ctx_cancel, rt_hook_cur(), c);
    if (c->done)
        rt_chan_close(c->done, 0);
    if (c->has_timer)
        rt_timer_del(&c->timer);
    if (c->kind == CTX_AFTER)
        after_start(c);
    if (c->children) {
        ctx_ref(c);
        c->cancel_next = *queue;
        *queue = c;
    }
}

/* Cancels the children of every context on queue with its err and cause,
 * and theirs in turn, and empties their lists. Every write to a child
 * happens under its lock, so once we let go of it, its owner may free it.
 * A loop over a queue, not Go's recursion: a chain of contexts may be far
 * deeper than a goroutine's stack holds frames for, and only a parent's
 * and one child's locks are ever held. */
static void cancel_queued(go_ctx *queue)
{
    while (queue) {
        go_ctx *p = queue;
        queue = p->cancel_next;
        rt_lock_acquire(&p->lock, RT_RANK_CTX);
        uint32_t detached = 0;
        for (go_ctx *c = p->children, *next; c; c = next) {
            next = c->next;
            rt_lock_acquire(&c->lock, RT_RANK_CTX);
            if (!c->err)
                cancel_locked(c, p->err, p->cause, &queue);
            if (c->parent == p) {
                c->parent = NULL;
                detached++;
            }
            c->prev = c->next = NULL;
            c->linked = false;
            rt_lock_release(&c->lock);
        }
        p->children = NULL;
        rt_lock_release(&p->lock);
        ctx_unref(p, detached + 1); /* the children's and the queue's */
    }
}

/* Cancels c and removes it from its parent (removeFromParent = true). */
static void ctx_cancel(go_ctx *c, int err, const char *cause)
{
    go_ctx *queue = NULL;
    rt_lock_acquire(&c->lock, RT_RANK_CTX);
    if (c->err) {
        rt_lock_release(&c->lock);
        return;
    }
    cancel_locked(c, err, cause, &queue);
    go_ctx *p = c->parent;
    c->parent = NULL;
    rt_lock_release(&c->lock);
    cancel_queued(queue);
    if (!p)
        return;
    rt_lock_acquire(&p->lock, RT_RANK_CTX);
    if (c->linked)
        unlink_child_locked(p, c);
    rt_lock_release(&p->lock);
    ctx_unref(p, 1);
}

/* Go's propagateCancel: links child under parent's base, or cancels it at
 * once if that is already cancelled. The background never cancels. */
static void propagate_cancel(go_ctx *parent, go_ctx *child)
{
    parent = base_of(parent);
    if (parent == &background)
        return;
    rt_lock_acquire(&parent->lock, RT_RANK_CTX);
    if (parent->err) {
        go_ctx *none = NULL; /* a new child has no children */
        rt_lock_acquire(&child->lock, RT_RANK_CTX);
        cancel_locked(child, parent->err, parent->cause, &none);
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

static void check_parent(go_ctx *parent, const char *call)
{
    ctx_check(parent, call);
    if (!parent)
        rt_panic("cannot create context from nil parent");
}

/* A context of the given kind under parent, inheriting its values. */
static go_ctx *ctx_child(go_ctx *parent, int64_t deadline, enum ctx_kind kind)
{
    go_ctx *c = ctx_new(deadline);
    c->kind = kind;
    c->vals = ctx_ref(values_of(parent));
    return c;
}

go_ctx *go_with_cancel(go_ctx *parent)
{
    check_parent(parent, "go_with_cancel");
    go_ctx *c = ctx_child(parent, parent->deadline, CTX_CANCEL);
    propagate_cancel(parent, c);
    return c;
}

static void deadline_fire(void *arg, uintptr_t seq)
{
    (void)seq;
    ctx_cancel(arg, GO_DEADLINE_EXCEEDED, NULL);
}

go_ctx *go_with_deadline(go_ctx *parent, int64_t deadline_ns)
{
    check_parent(parent, "go_with_deadline");
    if (parent->deadline < deadline_ns)
        return go_with_cancel(parent); /* the parent's deadline comes first */
    go_ctx *c = ctx_child(parent, deadline_ns, CTX_CANCEL);
    rt_timer_init(&c->timer, deadline_fire, c);
    c->timer.when = deadline_ns;
    c->has_timer = true;
    propagate_cancel(parent, c);
    if (deadline_ns <= go_now()) {
        ctx_cancel(c, GO_DEADLINE_EXCEEDED, NULL);
        return c;
    }
    rt_lock_acquire(&c->lock, RT_RANK_CTX);
    if (!c->err)
        rt_timer_add(&c->timer);
    rt_lock_release(&c->lock);
    return c;
}

go_ctx *go_with_timeout(go_ctx *parent, int64_t ns)
{
    check_parent(parent, "go_with_timeout");
    return go_with_deadline(parent, rt_when_after(ns));
}

/* Only cancel kinds cancel: a value or detached context has no cancel
 * function in Go, so cancelling one is a no-op, as for the background. */
static bool cancellable(go_ctx *ctx)
{
    return ctx && ctx != &background && !ctx->base;
}

void go_cancel(go_ctx *ctx)
{
    ctx_check(ctx, "go_cancel");
    rt_sched_point();
    if (cancellable(ctx))
        ctx_cancel(ctx, GO_CANCELED, NULL);
}

go_chan *go_ctx_done(go_ctx *ctx)
{
    ctx_check(ctx, "go_ctx_done");
    ctx = base_of(ctx);
    if (ctx == &background)
        return NULL;
    go_chan *d = __atomic_load_n(&ctx->done, __ATOMIC_ACQUIRE);
    if (d)
        return d;
    rt_lock_acquire(&ctx->lock, RT_RANK_CTX);
    d = ctx->done;
    if (!d) {
        d = go_chan_make(0, 0);
        if (ctx->err) {
            /* Made after the cancel: close it as the canceller would, so
             * receivers still sync with go_cancel. */
            RT_HOOK(acquire, rt_hook_cur(), ctx);
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
    ctx = base_of(ctx);
    int err = __atomic_load_n(&ctx->err, __ATOMIC_ACQUIRE);
    if (err)
        RT_HOOK(acquire, rt_hook_cur(), ctx);
    return err;
}

static const char *err_text(int err)
{
    switch (err) {
    case GO_CANCELED:
        return "context canceled";
    case GO_DEADLINE_EXCEEDED:
        return "context deadline exceeded";
    default:
        return "";
    }
}

const char *go_ctx_err_str(go_ctx *ctx)
{
    ctx_check(ctx, "go_ctx_err_str");
    return err_text(go_ctx_err(ctx));
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
    if (cancellable(ctx))
        ctx_cancel(ctx, GO_CANCELED, NULL);
    if (ctx->has_timer) {
        rt_timer_del(&ctx->timer);
        rt_timer_wait_idle(&ctx->timer); /* a deadline firing right now */
    }
    __atomic_store_n(&ctx->magic, 0, __ATOMIC_RELAXED);
    ctx_unref(ctx, 1);
}

/* ---- values, causes, WithoutCancel, AfterFunc (Go 1.21) ------------------ */

go_ctx *go_with_value(go_ctx *parent, const void *key, void *val)
{
    check_parent(parent, "go_with_value");
    if (!key)
        rt_panic("nil key");
    go_ctx *c = ctx_child(parent, parent->deadline, CTX_VALUE);
    c->base = ctx_ref(base_of(parent));
    c->key = key;
    c->val = val;
    return c;
}

void *go_ctx_value(go_ctx *ctx, const void *key)
{
    ctx_check(ctx, "go_ctx_value");
    for (go_ctx *c = values_of(ctx); c; c = c->vals)
        if (c->key == key)
            return c->val;
    return NULL;
}

go_ctx *go_with_cancel_cause(go_ctx *parent)
{
    return go_with_cancel(parent);
}

void go_cancel_cause(go_ctx *ctx, const char *cause)
{
    ctx_check(ctx, "go_cancel_cause");
    rt_sched_point();
    if (cancellable(ctx))
        ctx_cancel(ctx, GO_CANCELED, cause);
}

/* Go's Cause: the cause recorded by the nearest cancel context, which is
 * immutable once its err is visible. */
const char *go_ctx_cause(go_ctx *ctx)
{
    ctx_check(ctx, "go_ctx_cause");
    go_ctx *b = base_of(ctx);
    int err = go_ctx_err(b);
    if (!err)
        return "";
    return b->cause ? b->cause : err_text(err);
}

go_ctx *go_without_cancel(go_ctx *parent)
{
    check_parent(parent, "go_without_cancel");
    go_ctx *c = ctx_child(parent, INT64_MAX, CTX_DETACHED);
    c->base = &background;
    return c;
}

/* The after-func goroutine: the registration happens before fn runs (Go's
 * mutex orders them; here an explicit edge), and a reference keeps a
 * alive until fn and arg are read, whatever go_stop_call does meanwhile. */
static void after_run(void *arg)
{
    go_ctx *a = arg;
    RT_HOOK(acquire, rt_hook_cur(), &a->after_fn);
    void (*fn)(void *) = a->after_fn;
    void *fn_arg = a->after_arg;
    ctx_unref(a, 1);
    fn(fn_arg);
}

/* Go's afterFuncCtx.cancel: a.once.Do(func() { go a.f() }). Runs with a's
 * lock held, maybe in scheduler context (a deadline): rt_spawn may. */
static void after_start(go_ctx *a)
{
    if (__atomic_exchange_n(&a->after_once, 1, __ATOMIC_ACQ_REL))
        return;
    ctx_ref(a);
    rt_spawn(after_run, a, NULL, 0, NULL, a->after_pc);
}

go_stop *go_ctx_after_func(go_ctx *ctx, void (*fn)(void *), void *arg)
{
    check_parent(ctx, "go_ctx_after_func");
    go_ctx *a = ctx_child(ctx, INT64_MAX, CTX_AFTER);
    a->after_fn = fn;
    a->after_arg = arg;
    a->after_pc = (uintptr_t)__builtin_return_address(0);
    RT_HOOK(release_merge, rt_hook_cur(), &a->after_fn);
    propagate_cancel(ctx, a); /* starts fn now if ctx is done */
    return (go_stop *)a;
}

/* Go's stop func: true if it kept fn from starting. Then, as Go, cancels
 * the after-func context and leaves the parent; either way s is freed. */
bool go_stop_call(go_stop *s)
{
    go_ctx *a = &s->ctx;
    ctx_check(a, "go_stop_call");
    rt_sched_point();
    __atomic_store_n(&a->magic, 0, __ATOMIC_RELAXED);
    bool stopped = !__atomic_exchange_n(&a->after_once, 1, __ATOMIC_ACQ_REL);
    ctx_cancel(a, GO_CANCELED, NULL);
    ctx_unref(a, 1);
    return stopped;
}
