/*
 * Channels: Go's runtime/chan.go in C.
 *
 * A channel (struct go_chan, see chan.h) is a lock, a ring buffer of
 * dataqsiz slots, and two FIFO queues of sudogs: receivers blocked on an
 * empty channel and senders blocked on a full one. Under c->lock:
 *
 *   - recvq holds a live waiter only while the buffer is empty (qcount == 0);
 *   - sendq holds a live waiter only while the buffer is full, which for an
 *     unbuffered channel is always;
 *   - so at most one queue has live waiters. A queue may also hold sudogs of
 *     a select that another case already won; dequeue skips them and their
 *     owner unlinks them once it holds the lock again (select.c);
 *   - closed never goes back to 0, and closing empties both queues for good:
 *     receivers then drain the buffer and get zero values, senders panic.
 *
 * An operation that finds a partner parked copies the value straight from or
 * into the partner's memory (sudog.elem) and readies it: the parked goroutine
 * returns without taking the lock again. A buffered receive that finds a
 * blocked sender takes the head of the full buffer and moves the sender's
 * value to the tail, which is the same slot. Among many parked goroutines
 * the partner's sudog, G and stack are all cold, and each read waits on the
 * one before: the hand-off starts loading the G and the stack frames the
 * partner resumes through as soon as it has the sudog (rt_sudog_prefetch).
 *
 * A goroutine that must wait enqueues a sudog pointing at its element and
 * parks; the park commit drops c->lock on the scheduler stack, so a waker can
 * only find the sudog once the goroutine has stopped running. The waker sets
 * sudog.success (true: a value was passed; false: the channel was closed) and
 * g->param before rt_ready.
 *
 * Non-blocking operations (select with default, rt_chan_trysend) first check
 * without the lock whether they would surely fail, as Go does.
 *
 * Nothing here allocates after make: sudogs come from the per-P cache. A
 * waiter's sudog could live in park_on's frame (C stacks do not move), and
 * a parked goroutine would cost 72 bytes less; but a close that wakes
 * 10,000 waiters then walks 10,000 stack pages instead of a few pages of
 * sudogs, one TLB miss each (Cancel10k, GOMAXPROCS 1: 1.9 -> 2.6 ms).
 *
 * Instrumented build: the race annotations sit where Go's chan.go has them
 * (helpers in chan.h), plus informational chan_* hooks. Their slot is the
 * buffer slot whose happens-before object was used: -1 on an unbuffered
 * channel; on a buffered one a hand-off to a parked partner pretends, as Go's
 * race mode does, that the value went through the slot the buffer would
 * have used. The runtime's copy of the sender's value is reported as a read
 * by the sender, the copy into the receiver's variable as a write by the
 * receiver, each from its own goroutine.
 */
#include "chan.h"

#include <stdlib.h>
#include <string.h>

#define RETURN_PC() ((uintptr_t)__builtin_return_address(0))

/* ---- wait queues --------------------------------------------------------- */

void rt_waitq_enqueue(rt_waitq *q, rt_sudog *s)
{
    s->next = NULL;
    s->prev = q->last;
    if (q->last)
        q->last->next = s;
    else
        __atomic_store_n(&q->first, s, __ATOMIC_RELAXED);
    q->last = s;
}

rt_sudog *rt_waitq_dequeue(rt_waitq *q)
{
    for (;;) {
        rt_sudog *s = q->first;
        if (!s)
            return NULL;
        rt_sudog *y = s->next;
        if (!y) {
            q->last = NULL;
        } else {
            y->prev = NULL;
            s->next = NULL; /* marks s removed for rt_waitq_remove */
        }
        __atomic_store_n(&q->first, y, __ATOMIC_RELAXED);

        /* A select parks on several queues; between another case winning
         * and its goroutine taking the locks to unlink the rest, its sudogs
         * are still here. Only the first waker to flip select_done may
         * complete the select. */
        uint32_t zero = 0;
        if (s->is_select &&
            !__atomic_compare_exchange_n(&s->g->select_done, &zero, 1, false,
                                         __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
            continue;
        return s;
    }
}

void rt_waitq_remove(rt_waitq *q, rt_sudog *s)
{
    rt_sudog *x = s->prev, *y = s->next;
    if (x) {
        x->next = y;
        if (y)
            y->prev = x;
        else
            q->last = x;
    } else if (y) {
        y->prev = NULL;
        __atomic_store_n(&q->first, y, __ATOMIC_RELAXED);
    } else if (q->first == s) {
        __atomic_store_n(&q->first, NULL, __ATOMIC_RELAXED);
        q->last = NULL;
    }
    /* else: already dequeued by a waker that lost the select race. */
    s->next = s->prev = NULL;
}

/* ---- race annotations (nothing in the release build) --------------------- */

/* The running goroutine and parked sg exchange a value; `sending` says which
 * side the running one is on. */
static inline void race_handoff(go_chan *c, rt_sudog *sg, bool sending)
{
#ifdef GORACE_INSTR
    rt_hg *self = rt_hook_cur(), *peer = &sg->g->hg;
    long slot = -1;
    if (c->dataqsiz == 0) {
        rt_chan_race_sync(c, self, peer);
    } else {
        slot = (long)c->recvx;
        rt_chan_race_notify(c, c->recvx, self);
        rt_chan_race_notify(c, c->recvx, peer);
    }
    RT_HOOK(chan_send, sending ? self : peer, c, slot);
    RT_HOOK(chan_recv, sending ? peer : self, c, slot);
#else
    (void)c, (void)sg, (void)sending;
#endif
}

/* A receive returns because the channel is closed: close happens before it. */
static inline void race_recv_closed(go_chan *c)
{
    (void)c;
    RT_HOOK(acquire, rt_hook_cur(), c);
}

static inline void race_close(go_chan *c, uintptr_t pc)
{
    (void)c;
    rt_chan_race_touch(c, true, pc);
    RT_HOOK(release, rt_hook_cur(), c);
    RT_HOOK(chan_close, rt_hook_cur(), c);
}

/* ---- the primitives select shares ---------------------------------------- */

void rt_chan_send_to(go_chan *c, rt_sudog *sg, const void *ep,
                     rt_chan_unlockf unlock, void *arg)
{
    rt_sudog_prefetch(sg);
    race_handoff(c, sg, true);
    if (c->dataqsiz) {
        /* The buffer is empty, so recvx == sendx and advancing both changes
         * nothing but which slot the next annotation uses (Go advances them
         * in race mode only; doing it always keeps both builds alike). */
        c->recvx = rt_chan_ring_next(c, c->recvx);
        c->sendx = c->recvx;
    }
    if (sg->elem) {
        rt_chan_elem_copy(c, sg->elem, ep);
        sg->elem = NULL;
    }
    rt_g *gp = sg->g;
    sg->success = true;
    gp->param = sg;
    unlock(arg);
    rt_ready(gp);
}

void rt_chan_recv_from(go_chan *c, rt_sudog *sg, void *ep,
                       rt_chan_unlockf unlock, void *arg)
{
    rt_sudog_prefetch(sg);
    race_handoff(c, sg, false);
    if (c->dataqsiz == 0) {
        if (ep)
            rt_chan_elem_copy(c, ep, sg->elem);
    } else {
        void *qp = rt_chan_slot(c, c->recvx);
        if (ep)
            rt_chan_elem_copy(c, ep, qp);
        rt_chan_elem_copy(c, qp, sg->elem);
        c->recvx = rt_chan_ring_next(c, c->recvx);
        c->sendx = c->recvx;
    }
    sg->elem = NULL;
    rt_g *gp = sg->g;
    sg->success = true;
    gp->param = sg;
    unlock(arg);
    rt_ready(gp);
}

rt_g *rt_chan_must_getg(const char *op)
{
    rt_g *gp = rt_getg();
    if (!gp)
        rt_throw("%s would block outside a goroutine", op);
    return gp;
}

void rt_chan_block_forever(rt_wait_reason reason)
{
    rt_chan_must_getg(rt_wait_reason_str(reason));
    rt_park(NULL, NULL, reason, NULL);
    rt_throw("unreachable");
}

/* ---- send ---------------------------------------------------------------- */

/* Parks the current goroutine on queue q of c with element ep until a
 * partner completes the operation (true) or c is closed (false; a receiver's
 * *ep was zeroed by the closer). c is locked; the park unlocks it. */
static bool park_on(go_chan *c, rt_waitq *q, void *ep, rt_wait_reason why)
{
    rt_g *gp = rt_chan_must_getg(why == RT_WAIT_CHAN_SEND ? "channel send"
                                                          : "channel receive");
    rt_sudog *s = rt_sudog_get();
    s->g = gp;
    s->elem = ep;
    s->obj = c;
    gp->waiting = s;
    gp->param = NULL;
    rt_waitq_enqueue(q, s);
    rt_park(rt_park_unlock_commit, &c->lock, why, c);

    if (gp->waiting != s)
        rt_throw("G waiting list is corrupted");
    gp->waiting = NULL;
    gp->param = NULL;
    bool ok = s->success;
    rt_sudog_put(s);
    return ok;
}

static void send_wait(go_chan *c, const void *ep)
{
    if (!park_on(c, &c->sendq, (void *)ep, RT_WAIT_CHAN_SEND))
        rt_panic("send on closed channel");
}

bool rt_chan_send(go_chan *c, const void *ep, bool block, uintptr_t pc)
{
    if (!c) {
        if (!block)
            return false;
        rt_chan_block_forever(RT_WAIT_CHAN_SEND_NIL);
    }
    if (!ep && c->elemsize)
        rt_panic("channel send: NULL element pointer (element size %zu)",
                 c->elemsize);
    rt_chan_race_touch(c, false, pc);
    rt_chan_race_access(ep, c->elemsize, false, pc);

    /* A closed channel is never "ready again", so seeing it open and then
     * full proves a moment when it was both: the send could not proceed. */
    if (!block && !rt_chan_closed(c) && rt_chan_full(c))
        return false;

    rt_lock_acquire(&c->lock, RT_RANK_HCHAN);
    if (c->closed) {
        rt_lock_release(&c->lock);
        rt_panic("send on closed channel");
    }
    rt_sudog *sg = rt_waitq_dequeue(&c->recvq);
    if (sg) {
        rt_chan_send_to(c, sg, ep, rt_chan_unlock, c);
        return true;
    }
    if (c->qcount < c->dataqsiz) {
        rt_chan_buf_put(c, ep);
        rt_lock_release(&c->lock);
        return true;
    }
    if (!block) {
        rt_lock_release(&c->lock);
        return false;
    }
    send_wait(c, ep);
    return true;
}

/* ---- receive ------------------------------------------------------------- */

static bool recv_wait(go_chan *c, void *ep)
{
    return park_on(c, &c->recvq, ep, RT_WAIT_CHAN_RECV);
}

static void recv_closed(go_chan *c, void *ep)
{
    race_recv_closed(c);
    rt_chan_zero(c, ep);
}

/* Go's chanrecv: false if !block and nothing was ready; otherwise *received
 * says whether a value came (false: closed and drained, *ep zeroed). */
static bool chan_recv(go_chan *c, void *ep, bool block, bool *received)
{
    *received = false;
    if (!c) {
        if (!block)
            return false;
        rt_chan_block_forever(RT_WAIT_CHAN_RECV_NIL);
    }

    if (!block && rt_chan_empty(c)) {
        /* Seen empty, then still open: there was a moment when it was both,
         * so the receive could not proceed. Once closed, it stays closed,
         * but a value may have arrived between the two reads: look again. */
        if (!rt_chan_closed(c))
            return false;
        if (rt_chan_empty(c)) {
            recv_closed(c, ep);
            return true;
        }
    }

    rt_lock_acquire(&c->lock, RT_RANK_HCHAN);
    if (c->closed) {
        if (c->qcount == 0) {
            race_recv_closed(c);
            rt_lock_release(&c->lock);
            rt_chan_zero(c, ep);
            return true;
        }
        /* closed, but values are still buffered: take them first */
    } else {
        rt_sudog *sg = rt_waitq_dequeue(&c->sendq);
        if (sg) {
            rt_chan_recv_from(c, sg, ep, rt_chan_unlock, c);
            *received = true;
            return true;
        }
    }
    if (c->qcount > 0) {
        rt_chan_buf_take(c, ep);
        rt_lock_release(&c->lock);
        *received = true;
        return true;
    }
    if (!block) {
        rt_lock_release(&c->lock);
        return false;
    }
    *received = recv_wait(c, ep);
    return true;
}

bool rt_chan_recv(go_chan *c, void *ep, bool block, bool *received,
                  uintptr_t pc)
{
    if (!chan_recv(c, ep, block, received))
        return false;
    rt_chan_race_access(ep, c->elemsize, true, pc);
    return true;
}

/* ---- the public API ------------------------------------------------------ */

go_chan *go_chan_make(size_t elem_size, size_t cap)
{
    size_t bytes;
    if (__builtin_mul_overflow(elem_size, cap, &bytes) ||
        bytes > (SIZE_MAX >> 1) - sizeof(go_chan))
        rt_panic("makechan: size out of range");
    go_chan *c = calloc(1, sizeof(go_chan) + bytes);
    if (!c)
        rt_throw("runtime: out of memory");
    c->elemsize = elem_size;
    c->dataqsiz = cap;
    c->magic = RT_MAGIC_CHAN;
    RT_HOOK(chan_make, rt_hook_cur(), c, elem_size, cap);
    return c;
}

void go_chan_send(go_chan *c, const void *elem)
{
    rt_chan_check(c, "go_chan_send");
    rt_sched_point();
    rt_chan_send(c, elem, true, RETURN_PC());
}

bool go_chan_recv(go_chan *c, void *out)
{
    rt_chan_check(c, "go_chan_recv");
    rt_sched_point();
    bool received;
    rt_chan_recv(c, out, true, &received, RETURN_PC());
    if (received && c->reclaim)
        rt_chan_received(c);
    return received;
}

void rt_chan_set_reclaim(go_chan *c, void (*reclaim)(go_chan *, void *),
                         void *arg)
{
    c->reclaim_arg = arg;
    c->reclaim = reclaim;
}

void rt_chan_received(go_chan *c)
{
    rt_lock_acquire(&c->lock, RT_RANK_HCHAN);
    bool waited_on = c->recvq.first || c->sendq.first;
    rt_lock_release(&c->lock);
    if (!waited_on)
        c->reclaim(c, c->reclaim_arg);
}

bool rt_chan_trysend(go_chan *c, const void *elem)
{
    return rt_chan_send(c, elem, false, 0);
}

/* Readies every goroutine waiting on q: receivers get zero values, senders
 * will panic. Returns them pushed onto *list (linked through next) so they
 * are readied after c->lock is dropped. */
static void close_waiters(go_chan *c, rt_waitq *q, rt_sudog **list)
{
    rt_sudog *sg;
    while ((sg = rt_waitq_dequeue(q))) {
        if (sg->elem) {
            rt_chan_zero(c, sg->elem);
            sg->elem = NULL;
        }
        sg->success = false;
        sg->g->param = sg;
        RT_HOOK(acquire, &sg->g->hg, c);
        sg->next = *list;
        *list = sg;
    }
}

void go_chan_close(go_chan *c)
{
    rt_chan_check(c, "go_chan_close");
    rt_sched_point();
    rt_chan_close(c, RETURN_PC());
}

void rt_chan_close(go_chan *c, uintptr_t pc)
{
    if (!c)
        rt_panic("close of nil channel");

    rt_lock_acquire(&c->lock, RT_RANK_HCHAN);
    if (c->closed) {
        rt_lock_release(&c->lock);
        rt_panic("close of closed channel");
    }
    race_close(c, pc);
    __atomic_store_n(&c->closed, 1, __ATOMIC_SEQ_CST);

    rt_sudog *list = NULL;
    close_waiters(c, &c->recvq, &list);
    close_waiters(c, &c->sendq, &list);
    rt_lock_release(&c->lock);

    /* A sudog belongs to its goroutine again once that goroutine runs, so
     * read everything needed before readying it. */
    while (list) {
        rt_sudog *sg = list;
        rt_g *gp = sg->g;
        list = sg->next;
        rt_ready(gp);
    }
}

size_t go_chan_len(go_chan *c)
{
    rt_chan_check(c, "go_chan_len");
    return c ? __atomic_load_n(&c->qcount, __ATOMIC_RELAXED) : 0;
}

size_t go_chan_cap(go_chan *c)
{
    rt_chan_check(c, "go_chan_cap");
    return c ? c->dataqsiz : 0;
}

void rt_chan_drain(go_chan *c)
{
    if (!c)
        return;
    rt_lock_acquire(&c->lock, RT_RANK_HCHAN);
    if (c->qcount > 0) {
        c->recvx = c->sendx;
        rt_chan_set_qcount(c, 0);
        /* Parked senders were only waiting for room, which there now is. */
        rt_sudog *sg;
        while (c->qcount < c->dataqsiz && (sg = rt_waitq_dequeue(&c->sendq))) {
            rt_g *gp = sg->g;
            rt_chan_race_notify(c, c->sendx, &gp->hg);
            RT_HOOK(chan_send, &gp->hg, c, (long)c->sendx);
            rt_chan_elem_copy(c, rt_chan_slot(c, c->sendx), sg->elem);
            c->sendx = rt_chan_ring_next(c, c->sendx);
            rt_chan_set_qcount(c, c->qcount + 1);
            sg->elem = NULL;
            sg->success = true;
            gp->param = sg;
            rt_ready(gp);
        }
    }
    rt_lock_release(&c->lock);
}

/*
 * The caller guarantees that no goroutine will use c again and that none is
 * running an operation on it. A goroutine still parked on c would be
 * stranded for good: a fatal error, in both builds, rather than silence.
 * The memory goes to the quarantine, so a use right after is caught.
 */
void go_chan_free(go_chan *c)
{
    if (!c)
        return;
    rt_chan_check(c, "go_chan_free");
    rt_lock_acquire(&c->lock, RT_RANK_HCHAN);
    bool parked_on = c->recvq.first || c->sendq.first;
    rt_lock_release(&c->lock);
    if (parked_on)
        rt_throw("go_chan_free of a channel goroutines are blocked on");
#ifdef GORACE_INSTR
    if (c->elemsize) /* zero-size elements have no slots of their own */
        for (size_t i = 0; i < c->dataqsiz; i++)
            RT_HOOK(sync_free, rt_hook_cur(), rt_chan_slot_addr(c, i));
    RT_HOOK(obj_free, rt_hook_cur(), &c->hobj);
#endif
    RT_HOOK(chan_free, rt_hook_cur(), c);
    c->magic = 0;
    rt_quarantine(c);
}
