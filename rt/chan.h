/*
 * Channel operations for other runtime modules (time, ctx, select).
 * rt_chan_trysend and rt_chan_drain are non-blocking and callable from
 * scheduler context (timer callbacks run there, with no current goroutine).
 *
 * The second half of this header is the channel's representation and the
 * primitives that rt/chan.c shares with rt/select.c; no other module should
 * need them.
 */
#ifndef RT_CHAN_H
#define RT_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <gorace.h>

#include "freed.h"
#include "hooks.h"
#include "lock.h"
#include "sched.h"

/* Sends *elem if a receiver waits or buffer space is free; false otherwise.
 * Panics like go_chan_send on a closed channel. */
bool rt_chan_trysend(go_chan *c, const void *elem);
/* Throws away buffered values (timer Stop/Reset: no stale value is seen). */
void rt_chan_drain(go_chan *c);
/* go_chan_close without the scheduling point: for runtime code that may
 * hold a lock (a context's), where yielding to another goroutine on the
 * same M in seeded mode would deadlock on it. */
void rt_chan_close(go_chan *c, uintptr_t pc);
/* Makes c runtime-owned: after a receive of a value from it completes,
 * reclaim(c, arg) is called if no other goroutine waits on c. */
void rt_chan_set_reclaim(go_chan *c, void (*reclaim)(go_chan *, void *),
                         void *arg);
/* Called by the public receive paths once they hold no channel lock. */
void rt_chan_received(go_chan *c);

/* ---- Internals shared by chan.c and select.c -------------------------- */

/* FIFO of waiting goroutines. `first` is also read without the lock by the
 * non-blocking fast paths, so it is written with relaxed atomic stores. */
typedef struct rt_waitq {
    rt_sudog *first, *last;
} rt_waitq;

/* Go's hchan. `lock` guards every mutable field. elemsize and dataqsiz never
 * change after make. qcount and closed are also read without the lock (len,
 * the fast paths), so they are stored atomically. */
struct go_chan {
    rt_lock lock;
    uint32_t closed;
    uint32_t magic;  /* RT_MAGIC_CHAN until freed (freed.h) */
    size_t qcount;   /* values in the buffer */
    size_t dataqsiz; /* buffer capacity; 0: unbuffered */
    size_t elemsize;
    size_t sendx; /* next slot to fill */
    size_t recvx; /* next slot to empty */
    rt_waitq recvq, sendq;
    /* A channel the runtime owns and frees once a value was received from
     * it (go_after's); NULL for user channels. */
    void (*reclaim)(go_chan *c, void *arg);
    void *reclaim_arg;
#ifdef GORACE_INSTR
    rt_hobj hobj; /* the detectors', for the buffer's slots */
#endif
    _Alignas(max_align_t) unsigned char buf[];
};

/* Go's chansend/chanrecv. !block: return false instead of parking. pc is the
 * user's call site for race reports; 0 for runtime-internal callers. */
bool rt_chan_send(go_chan *c, const void *ep, bool block, uintptr_t pc);
bool rt_chan_recv(go_chan *c, void *ep, bool block, bool *received,
                  uintptr_t pc);

/* Would a send block? One atomic read of mutable state, without the lock
 * (Go's full): the non-blocking fast paths and select's first look. */
static inline bool rt_chan_full(go_chan *c)
{
    if (c->dataqsiz == 0)
        return __atomic_load_n(&c->recvq.first, __ATOMIC_SEQ_CST) == NULL;
    return __atomic_load_n(&c->qcount, __ATOMIC_SEQ_CST) == c->dataqsiz;
}

/* Would a receive block? (Go's empty.) */
static inline bool rt_chan_empty(go_chan *c)
{
    if (c->dataqsiz == 0)
        return __atomic_load_n(&c->sendq.first, __ATOMIC_SEQ_CST) == NULL;
    return __atomic_load_n(&c->qcount, __ATOMIC_SEQ_CST) == 0;
}

/* Is a goroutine queued to receive? A lock-free peek, conservative: a
 * select's entry counts until the select dequeues it. */
static inline bool rt_chan_has_receivers(go_chan *c)
{
    return __atomic_load_n(&c->recvq.first, __ATOMIC_SEQ_CST) != NULL;
}

static inline bool rt_chan_closed(go_chan *c)
{
    return __atomic_load_n(&c->closed, __ATOMIC_SEQ_CST) != 0;
}

/* The current goroutine; throws if op would block in scheduler context. */
rt_g *rt_chan_must_getg(const char *op);
/* Parks the current goroutine for good (NULL channel, empty select). */
void rt_chan_block_forever(rt_wait_reason reason) __attribute__((noreturn));

/* Throws if c (non-NULL) was freed: "fatal error: CALL on a freed channel". */
static inline void rt_chan_check(const go_chan *c, const char *call)
{
    if (c)
        rt_obj_check(c->magic, RT_MAGIC_CHAN, call, "channel");
}

/* Drops the channel locks a hand-off holds (one channel, or a select's). */
typedef void (*rt_chan_unlockf)(void *arg);

/* The unlockf of a hand-off on one channel: arg is the channel. */
static inline void rt_chan_unlock(void *c)
{
    rt_lock_release(&((go_chan *)c)->lock);
}

void rt_waitq_enqueue(rt_waitq *q, rt_sudog *s);
/* Oldest waiter, skipping select sudogs whose select another case won. */
rt_sudog *rt_waitq_dequeue(rt_waitq *q);
/* Unlinks s if it is still queued (select's pass 3). */
void rt_waitq_remove(rt_waitq *q, rt_sudog *s);

/* Go's send(): c is locked, empty and had receiver sg waiting (already
 * dequeued). Copies *ep to the receiver, unlocks, readies it. */
void rt_chan_send_to(go_chan *c, rt_sudog *sg, const void *ep,
                     rt_chan_unlockf unlock, void *arg);
/* Go's recv(): c is locked, full and had sender sg waiting (already
 * dequeued). Receives into ep (may be NULL), unlocks, readies the sender. */
void rt_chan_recv_from(go_chan *c, rt_sudog *sg, void *ep,
                       rt_chan_unlockf unlock, void *arg);

static inline void rt_chan_zero(const go_chan *c, void *ep)
{
    if (ep && c->elemsize)
        memset(ep, 0, c->elemsize);
}

/*
 * Race annotations, where Go's chan.go emits them. The channel's own address
 * is Go's c.raceaddr(): close releases on it, a receive that returns because
 * of close acquires it, and unbuffered hand-offs synchronise on it (Go's
 * chanbuf(c, 0) is raceaddr when there is no buffer). In the release build
 * all of this compiles to nothing.
 */

/* The sync address of buffer slot i (Go's chanbuf). Zero-size elements have
 * no slots: they all share the channel address, as in Go. */
static inline const void *rt_chan_slot_addr(const go_chan *c, size_t i)
{
    if (c->dataqsiz == 0 || c->elemsize == 0)
        return c;
    return c->buf + i * c->elemsize;
}

/* Go's racenotify: goroutine g passes through slot i. Acquire then
 * release, so the k-th receive happens before the (k+cap)-th send completes;
 * zero-size elements accumulate instead (release_merge), as in Go. c is
 * locked: a slot is a part of the channel (rt_hobj), while the channel's
 * own address, on which zero-size elements synchronise, is also acquired
 * without the lock (a receive that finds the channel closed). */
static inline void rt_chan_race_notify(go_chan *c, size_t i, rt_hg *g)
{
    (void)c, (void)i, (void)g;
    if (c->elemsize == 0)
        RT_HOOK_FUSED(acquire_release, g, c, true);
    else
        RT_HOOK_FUSED(acquire_release_part, g, &c->hobj, i, c->dataqsiz,
                      rt_chan_slot_addr(c, i));
}

/* Go's racesync: an unbuffered hand-off orders both parties both ways. `self`
 * runs the operation; `peer` is the parked partner. */
static inline void rt_chan_race_sync(const go_chan *c, rt_hg *self, rt_hg *peer)
{
    (void)c, (void)self, (void)peer;
    RT_HOOK_FUSED(sync_pair, self, peer, c);
}

/* The runtime reading or writing user memory on the current goroutine's
 * behalf. pc == 0 marks runtime-internal callers (timers): no report. */
static inline void rt_chan_race_access(const void *addr, size_t size,
                                       bool write, uintptr_t pc)
{
    (void)addr, (void)size, (void)write, (void)pc;
    if (pc && addr && size)
        RT_HOOK(mem_access, rt_hook_cur(), addr, size, write, pc);
}

/* Go's racereadpc(c.raceaddr()) in chansend and racewritepc in closechan:
 * lets the detector report a send or close racing with a close. */
static inline void rt_chan_race_touch(const go_chan *c, bool write,
                                      uintptr_t pc)
{
    rt_chan_race_access(c, 1, write, pc);
}

/* The buffer ring. Inline, with the buffered paths below: those paths are
 * a few instructions each, and a call around them cost BufferedChan128 a
 * tenth of its instructions. */
static inline void *rt_chan_slot(go_chan *c, size_t i)
{
    return c->buf + i * c->elemsize;
}

static inline size_t rt_chan_ring_next(const go_chan *c, size_t i)
{
    return ++i == c->dataqsiz ? 0 : i;
}

/* Word-sized elements (most channels) are copied inline: no call, and in
 * the instrumented build no trip through the detector's memcpy wrapper,
 * which would only decide that the runtime is not user code. */
static inline void rt_chan_elem_copy(const go_chan *c, void *dst,
                                     const void *src)
{
    switch (c->elemsize) {
    case 0:
        return;
    case 1:
        __builtin_memcpy(dst, src, 1);
        return;
    case 4:
        __builtin_memcpy(dst, src, 4);
        return;
    case 8:
        __builtin_memcpy(dst, src, 8);
        return;
    case 16:
        __builtin_memcpy(dst, src, 16);
        return;
    default:
        memcpy(dst, src, c->elemsize);
    }
}

static inline void rt_chan_set_qcount(go_chan *c, size_t n)
{
    __atomic_store_n(&c->qcount, n, __ATOMIC_RELAXED);
}

/* The running goroutine passes a value through buffer slot i. */
static inline void rt_chan_race_slot(go_chan *c, size_t i, bool sending)
{
#ifdef GORACE_INSTR
    rt_hg *self = rt_hook_cur();
    rt_chan_race_notify(c, i, self);
    if (sending)
        RT_HOOK(chan_send, self, c, (long)i);
    else
        RT_HOOK(chan_recv, self, c, (long)i);
#else
    (void)c, (void)i, (void)sending;
#endif
}

/* c is locked and has room: appends *ep to the buffer. */
static inline __attribute__((always_inline)) void
rt_chan_buf_put(go_chan *c, const void *ep)
{
    rt_chan_race_slot(c, c->sendx, true);
    rt_chan_elem_copy(c, rt_chan_slot(c, c->sendx), ep);
    c->sendx = rt_chan_ring_next(c, c->sendx);
    rt_chan_set_qcount(c, c->qcount + 1);
}

/* c is locked and non-empty: removes the oldest value into ep (may be NULL). */
static inline __attribute__((always_inline)) void rt_chan_buf_take(go_chan *c,
                                                                   void *ep)
{
    rt_chan_race_slot(c, c->recvx, false);
    if (ep)
        rt_chan_elem_copy(c, ep, rt_chan_slot(c, c->recvx));
    c->recvx = rt_chan_ring_next(c, c->recvx);
    rt_chan_set_qcount(c, c->qcount - 1);
}

#endif
