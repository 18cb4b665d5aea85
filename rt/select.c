/*
 * select: Go's runtime/select.go (selectgo) in C.
 *
 * A select first looks for a case that can proceed without taking every
 * lock (pass 0, below), then runs in up to three passes with all its
 * channels locked:
 *
 *   1. Visit the cases in a random order (the poll order, a fresh shuffle
 *      each time, so every ready case is equally likely) and run the first
 *      one that can proceed: a parked partner, buffer data or room, or a
 *      closed channel.
 *   2. None can: enqueue one sudog per case on its channel, chained through
 *      waitlink on g->waiting, and park. The park commit unlocks the
 *      channels, so wakers only find the sudogs once the goroutine stopped.
 *   3. Woken: lock again and unlink the sudogs of every other case, which
 *      would otherwise pile up on quiet channels. g->param names the sudog
 *      that completed.
 *
 * Several wakers may find this goroutine's sudogs on different channels at
 * once. Each first CASes g->select_done from 0 to 1 (rt_waitq_dequeue); only
 * the winner completes its case, the losers skip the sudog as if it were not
 * there. select_done goes back to 0 under the locks in pass 3.
 *
 * Pass 0 (not in Go). Visit the cases in the poll order; for one that looks
 * ready from its unlocked state (rt_chan_empty/full/closed, as Go's
 * non-blocking fast paths read it), lock that channel alone and run pass 1's
 * step on it. A ready case chosen this way was ready when its lock was held,
 * and Go's uniform choice among the ready cases could have chosen it
 * whatever the others were then, so this adds no outcome; the poll order is
 * the same fresh shuffle, so ready cases stay equally likely. Only "none
 * can proceed" needs every lock at once, and that is left to pass 1. A
 * select whose case is ready then costs one lock instead of one per channel
 * (Select2: a lock/unlock pair instead of two per select); one that parks
 * pays a few loads more.
 *
 * Locks are taken in order of channel address, each distinct channel once
 * (a select may name a channel twice), so two selects never deadlock. The
 * lock order is a heap sort of the poll order: cases on the same channel
 * stay shuffled relative to each other.
 *
 * While parked the goroutine's wait object is NULL; the channels it waits on
 * are the obj fields of the sudogs on g->waiting.
 *
 * Cases on NULL channels take part in neither order: they are never chosen.
 * One case (plus default or not) is a plain channel operation, as Go's
 * compiler rewrites it, wait reasons included.
 *
 * GO_AFTER cases. `case <-time.After(d)` in a loop allocates a channel and
 * a timer per iteration, which Go's GC reclaims and C cannot (go_after's
 * channel lives until a value is received from it). A GO_AFTER case is the
 * same timeout without a channel: when the select parks, a timer on its own
 * stack joins the wakers, CASing select_done like a channel partner and
 * naming itself in g->param. It is added by the park commit while the
 * channels are still locked, so no waker can resume the goroutine before it
 * is in the heap; the goroutine deletes it and waits for a callback in
 * flight before pass 3 resets select_done. Nothing outlives the select. The
 * earliest GO_AFTER case is the select's timeout; later ones never win.
 */
#include "chan.h"

#include <stdlib.h>

#include "time.h"

enum {
    SELECT_STACK_CASES = 64, /* orders for this many cases live on the stack */
    SELECT_MAX_CASES = 1 << 16, /* order entries are uint16_t, as in Go */
};

/* The locked channels of a select: cases[lockorder[0..n)]. */
typedef struct sel {
    go_case *cases;
    const uint16_t *lockorder;
    int n;
    int timeout; /* the earliest GO_AFTER case, or -1 */
} sel;

static inline go_chan *sel_chan(const sel *s, int k)
{
    return s->cases[s->lockorder[k]].chan;
}

static void sel_lock(const sel *s)
{
    go_chan *last = NULL;
    for (int k = 0; k < s->n; k++) {
        go_chan *c = sel_chan(s, k);
        if (c != last)
            rt_lock_acquire(&c->lock, RT_RANK_HCHAN);
        last = c;
    }
}

static void sel_unlock(void *arg)
{
    const sel *s = arg;
    for (int k = s->n - 1; k >= 0; k--) {
        go_chan *c = sel_chan(s, k);
        if (k > 0 && c == sel_chan(s, k - 1))
            continue; /* unlocked with its last occurrence */
        rt_lock_release(&c->lock);
    }
}

/* A GO_AFTER case's timer, on the parked select's stack. */
typedef struct sel_timer {
    rt_timer timer;
    rt_g *g;
} sel_timer;

/* One more waker: only the first to flip select_done completes the select;
 * g->param names the timer instead of a sudog. */
static void sel_timer_fire(void *arg, uintptr_t seq)
{
    (void)seq;
    sel_timer *t = arg;
    uint32_t zero = 0;
    if (!__atomic_compare_exchange_n(&t->g->select_done, &zero, 1, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
        return; /* a channel case won */
    t->g->param = t;
    rt_ready(t->g);
}

/* Unlocks the channels of g's sudogs, which are chained in lock order. Once
 * the first lock is dropped the select may be completed and g readied, but
 * it cannot get past its own sel_lock until the last one is dropped, so the
 * chain stays intact while we walk it. */
static bool sel_park_commit(rt_g *g, void *arg)
{
    sel_timer *t = arg;
    if (t) { /* before any unlock: nothing can ready g yet */
        t->g = g;
        rt_timer_add(&t->timer);
    }
    go_chan *last = NULL;
    for (rt_sudog *s = g->waiting; s; s = s->waitlink) {
        if (s->obj != last && last)
            rt_lock_release_last(&last->lock);
        last = s->obj;
    }
    if (last)
        rt_lock_release_last(&last->lock);
    return true;
}

/* ---- checks -------------------------------------------------------------- */

static void check_count(const go_case *cases, int n)
{
    if (n < 0)
        rt_panic("go_select: negative case count %d", n);
    if (n > SELECT_MAX_CASES)
        rt_panic("go_select: too many cases (%d > %d)", n, SELECT_MAX_CASES);
    if (n > 0 && !cases)
        rt_panic("go_select: NULL cases array with %d cases", n);
}

static inline bool is_chan_dir(int dir)
{
    return dir == GO_SEND || dir == GO_RECV;
}

/* Case i is malformed (check_case found it so): panics saying how. */
static __attribute__((noinline, cold, noreturn)) void
bad_case(const go_case *cases, int i)
{
    const go_case *cas = &cases[i];
    if (!is_chan_dir(cas->dir) && cas->dir != GO_AFTER)
        rt_panic("go_select: case %d: dir is %d, neither GO_SEND, GO_RECV "
                 "nor GO_AFTER",
                 i, cas->dir);
    if (cas->dir == GO_AFTER)
        rt_panic("go_select: case %d: a GO_AFTER case has a channel", i);
    rt_panic("go_select: case %d: send of a NULL element pointer "
             "(element size %zu)",
             i, cas->chan->elemsize);
}

/* Panics if case i is malformed. Returns the earliest GO_AFTER case of
 * cases[0..i], given timeout, that of cases[0..i). One test per property on
 * the common path: every select pays for it. */
static inline int check_case(const go_case *cases, int i, int timeout)
{
    const go_case *cas = &cases[i];
    const go_chan *c = cas->chan;
    if (c) {
        rt_chan_check(c, "go_select");
        if (!is_chan_dir(cas->dir) ||
            (cas->dir == GO_SEND && !cas->elem && c->elemsize))
            bad_case(cases, i);
    } else if (cas->dir == GO_AFTER) {
        if (timeout < 0 || cas->after < cases[timeout].after)
            timeout = i;
    } else if (!is_chan_dir(cas->dir)) {
        bad_case(cases, i);
    }
    return timeout;
}

/* ---- orders -------------------------------------------------------------- */

static inline uintptr_t sortkey(const go_case *cases, uint16_t i)
{
    return (uintptr_t)cases[i].chan;
}

/* Shuffles the indices of the non-NULL cases into pollorder (an inside-out
 * Fisher-Yates) and returns how many there are. The same pass checks every
 * case and sets *timeout to the earliest GO_AFTER case, or -1. */
static int make_pollorder(const go_case *cases, int n, uint16_t *pollorder,
                          int *timeout)
{
    /* One draw from the runtime's generator seeds a local one for the
     * shuffle: a select of two cases then costs one call, not two. */
    uint64_t x = rt_fastrand64();
    int norder = 0;
    *timeout = -1;
    for (int i = 0; i < n; i++) {
        *timeout = check_case(cases, i, *timeout);
        if (!cases[i].chan)
            continue;
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t j = (uint32_t)(((x >> 32) * (uint64_t)(norder + 1)) >> 32);
        pollorder[norder] = pollorder[j];
        pollorder[j] = (uint16_t)i;
        norder++;
    }
    return norder;
}

/* Heap sort by channel address: n log n and no extra space, as in Go. */
static void make_lockorder(const go_case *cases, const uint16_t *pollorder,
                           uint16_t *lockorder, int n)
{
    for (int i = 0; i < n; i++) {
        uint16_t o = pollorder[i];
        uintptr_t key = sortkey(cases, o);
        int j = i;
        while (j > 0 && sortkey(cases, lockorder[(j - 1) / 2]) < key) {
            lockorder[j] = lockorder[(j - 1) / 2];
            j = (j - 1) / 2;
        }
        lockorder[j] = o;
    }
    for (int i = n - 1; i >= 0; i--) {
        uint16_t o = lockorder[i];
        uintptr_t key = sortkey(cases, o);
        lockorder[i] = lockorder[0];
        int j = 0;
        for (;;) {
            int k = 2 * j + 1;
            if (k >= i)
                break;
            if (k + 1 < i &&
                sortkey(cases, lockorder[k]) < sortkey(cases, lockorder[k + 1]))
                k++;
            if (key >= sortkey(cases, lockorder[k]))
                break;
            lockorder[j] = lockorder[k];
            j = k;
        }
        lockorder[j] = o;
    }
}

/* ---- running the chosen case --------------------------------------------- */

/* Go evaluates every send case's value on entering the select, so each is
 * a read of the user's memory by this goroutine before any synchronisation.
 * (Reporting the read only once a parked sender wakes, as Go's runtime
 * does, would put it after the receiver's write of a shared variable.) */
static inline void race_send_reads(const go_case *cases, int n, uintptr_t pc)
{
#ifdef GORACE_INSTR
    for (int i = 0; i < n; i++)
        if (cases[i].dir == GO_SEND && cases[i].chan)
            rt_chan_race_access(cases[i].elem, cases[i].chan->elemsize, false,
                                pc);
#else
    (void)cases, (void)n, (void)pc;
#endif
}

/* The copy into a receive case's variable (a value or the zero value). */
static inline void race_recv_write(const go_case *cas, uintptr_t pc)
{
    rt_chan_race_access(cas->elem, cas->chan->elemsize, true, pc);
}

/* One case's step with its channel locked (pass 0) or all of them (pass 1).
 * On success the case has run and unlock(arg) has dropped the locks. Inline
 * in both passes, so each unlocks without an indirect call. */
static inline __attribute__((always_inline)) bool
try_case(go_case *cas, rt_chan_unlockf unlock, void *arg, uintptr_t pc)
{
    go_chan *c = cas->chan;
    rt_sudog *sg;

    if (cas->dir == GO_RECV) {
        if ((sg = rt_waitq_dequeue(&c->sendq))) {
            rt_chan_recv_from(c, sg, cas->elem, unlock, arg);
            cas->ok = true;
        } else if (c->qcount > 0) {
            rt_chan_buf_take(c, cas->elem);
            unlock(arg);
            cas->ok = true;
        } else if (c->closed) {
            unlock(arg);
            RT_HOOK(acquire, rt_hook_cur(), c);
            rt_chan_zero(c, cas->elem);
            cas->ok = false;
        } else {
            return false;
        }
        race_recv_write(cas, pc);
        return true;
    }

    rt_chan_race_touch(c, false, pc);
    if (c->closed) {
        unlock(arg);
        rt_panic("send on closed channel");
    }
    if ((sg = rt_waitq_dequeue(&c->recvq))) {
        rt_chan_send_to(c, sg, cas->elem, unlock, arg);
    } else if (c->qcount < c->dataqsiz) {
        rt_chan_buf_put(c, cas->elem);
        unlock(arg);
    } else {
        return false;
    }
    return true;
}

/* Pass 2: one sudog per case on its channel's queue, chained in lock order
 * on g->waiting. */
static void enqueue_all(const sel *s, rt_g *gp)
{
    if (gp->waiting)
        rt_throw("gp.waiting != nil");
    rt_sudog **nextp = &gp->waiting;
    for (int k = 0; k < s->n; k++) {
        go_case *cas = &s->cases[s->lockorder[k]];
        rt_sudog *sg = rt_sudog_get();
        sg->g = gp;
        sg->is_select = true;
        sg->elem = cas->elem;
        sg->obj = cas->chan;
        *nextp = sg;
        nextp = &sg->waitlink;
        if (cas->dir == GO_SEND)
            rt_waitq_enqueue(&cas->chan->sendq, sg);
        else
            rt_waitq_enqueue(&cas->chan->recvq, sg);
    }
}

/* Pass 3, channels locked again: unlinks the losing sudogs, frees all of
 * them, and returns the index of the case `won` completed (-1 for NULL: a
 * GO_AFTER timer won and every sudog lost). */
static int dequeue_losers(const sel *s, rt_g *gp, rt_sudog *won, bool *success)
{
    for (rt_sudog *sg = gp->waiting; sg; sg = sg->waitlink) {
        sg->is_select = false;
        sg->elem = NULL;
        sg->obj = NULL;
    }
    rt_sudog *sg = gp->waiting;
    gp->waiting = NULL;

    int casi = -1;
    for (int k = 0; k < s->n; k++) {
        int i = s->lockorder[k];
        go_case *cas = &s->cases[i];
        if (sg == won) {
            casi = i;
            *success = sg->success;
        } else if (cas->dir == GO_SEND) {
            rt_waitq_remove(&cas->chan->sendq, sg);
        } else {
            rt_waitq_remove(&cas->chan->recvq, sg);
        }
        rt_sudog *next = sg->waitlink;
        sg->waitlink = NULL;
        rt_sudog_put(sg);
        sg = next;
    }
    if (casi < 0 && won)
        rt_throw("selectgo: bad wakeup");
    return casi;
}

/* A GO_AFTER case won: it "receives" the time, written on g's behalf. */
static int after_won(go_case *cas, int casi, uintptr_t pc)
{
    cas->ok = true;
    if (cas->elem) {
        rt_chan_race_access(cas->elem, sizeof(int64_t), true, pc);
        *(int64_t *)cas->elem = rt_nanotime();
    }
    return casi;
}

/* Parks with the sudogs enqueued and, for a timeout, its timer armed;
 * returns what completed the select: a sudog, or NULL for the timer. */
static rt_sudog *park_select(rt_g *gp, const go_case *timeout)
{
    gp->param = NULL;
    if (!timeout) {
        rt_park(sel_park_commit, NULL, RT_WAIT_SELECT, NULL);
        return gp->param;
    }
    sel_timer t = {.g = NULL};
    rt_timer_init(&t.timer, sel_timer_fire, &t);
    t.timer.when = rt_when_after(timeout->after);
    gp->select_timed = true;
    rt_park(sel_park_commit, &t, RT_WAIT_SELECT, NULL);
    gp->select_timed = false;
    /* Before select_done goes back to 0: a late fire must lose its CAS. */
    rt_timer_del(&t.timer);
    rt_timer_wait_idle(&t.timer);
    return gp->param == &t ? NULL : gp->param;
}

/* Passes 2 and 3: parks until one case completes; returns its index. */
static int select_wait(sel *s, uintptr_t pc)
{
    rt_g *gp = rt_chan_must_getg("select");
    enqueue_all(s, gp);
    go_case *timeout = s->timeout >= 0 ? &s->cases[s->timeout] : NULL;
    rt_sudog *won = park_select(gp, timeout);
    if (!won && !timeout)
        rt_throw("selectgo: bad wakeup");

    sel_lock(s);
    __atomic_store_n(&gp->select_done, 0, __ATOMIC_RELAXED);
    gp->param = NULL;
    bool success = false;
    int casi = dequeue_losers(s, gp, won, &success);
    if (!won) {
        sel_unlock(s);
        return after_won(timeout, s->timeout, pc);
    }

    go_case *cas = &s->cases[casi];
    if (cas->dir == GO_SEND) {
        if (!success) {
            sel_unlock(s);
            rt_panic("send on closed channel");
        }
    } else {
        cas->ok = success;
        race_recv_write(cas, pc);
    }
    sel_unlock(s);
    return casi;
}

/* Might cas proceed? Read without its channel's lock. */
static bool looks_ready(const go_case *cas)
{
    go_chan *c = cas->chan;
    if (cas->dir == GO_RECV)
        return !rt_chan_empty(c) || rt_chan_closed(c);
    return !rt_chan_full(c) || rt_chan_closed(c);
}

/* Pass 0: the first case in poll order that proceeds under its own lock;
 * -1 if none did. */
static int try_ready_case(go_case *cases, const uint16_t *pollorder, int n,
                          uintptr_t pc)
{
    for (int k = 0; k < n; k++) {
        go_case *cas = &cases[pollorder[k]];
        if (!looks_ready(cas))
            continue;
        go_chan *c = cas->chan;
        rt_lock_acquire(&c->lock, RT_RANK_HCHAN);
        if (try_case(cas, rt_chan_unlock, c, pc))
            return pollorder[k];
        rt_lock_release(&c->lock);
    }
    return -1;
}

static int selectgo(go_case *cases, int n, uint16_t *order, bool block,
                    uintptr_t pc)
{
    uint16_t *pollorder = order, *lockorder = order + n;
    int timeout;
    int norder = make_pollorder(cases, n, pollorder, &timeout);
    race_send_reads(cases, n, pc);
    int casi = try_ready_case(cases, pollorder, norder, pc);
    if (casi >= 0)
        return casi;
    make_lockorder(cases, pollorder, lockorder, norder);
    sel s = {.cases = cases,
             .lockorder = lockorder,
             .n = norder,
             .timeout = timeout};

    sel_lock(&s);
    for (int k = 0; k < norder; k++) {
        if (try_case(&cases[pollorder[k]], sel_unlock, &s, pc))
            return pollorder[k];
    }
    if (!block) {
        sel_unlock(&s);
        return -1;
    }
    if (timeout >= 0 && cases[timeout].after <= 0) { /* already due */
        sel_unlock(&s);
        return after_won(&cases[timeout], timeout, pc);
    }
    return select_wait(&s, pc);
}

/* ---- entry --------------------------------------------------------------- */

/* A lone case is a channel operation, blocking unless there is a default;
 * a lone GO_AFTER case is a sleep. */
static int select_one(go_case *cas, bool has_default, uintptr_t pc)
{
    if (cas->dir == GO_AFTER) {
        if (has_default)
            return -1;
        go_sleep(cas->after);
        return after_won(cas, 0, pc);
    }
    if (cas->dir == GO_SEND)
        return rt_chan_send(cas->chan, cas->elem, !has_default, pc) ? 0 : -1;
    bool received;
    if (!rt_chan_recv(cas->chan, cas->elem, !has_default, &received, pc))
        return -1;
    cas->ok = received;
    return 0;
}

/* A value received from a runtime-owned channel (go_after's) lets the
 * runtime reclaim it, now that the select holds no channel lock. */
static int after_select(go_case *cases, int casi)
{
    if (casi >= 0 && cases[casi].dir == GO_RECV && cases[casi].ok &&
        cases[casi].chan->reclaim)
        rt_chan_received(cases[casi].chan);
    return casi;
}

int go_select(go_case *cases, int n, bool has_default)
{
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    rt_sched_point();
    check_count(cases, n);
    if (n == 0) {
        if (has_default)
            return -1;
        rt_chan_block_forever(RT_WAIT_SELECT_NO_CASES);
    }
    if (n == 1) {
        check_case(cases, 0, -1);
        return after_select(cases, select_one(&cases[0], has_default, pc));
    }

    uint16_t stack_order[2 * SELECT_STACK_CASES];
    uint16_t *order = stack_order;
    if (n > SELECT_STACK_CASES) {
        order = malloc(2 * (size_t)n * sizeof *order);
        if (!order)
            rt_throw("runtime: out of memory");
    }
    int casi = selectgo(cases, n, order, !has_default, pc);
    if (order != stack_order)
        free(order);
    return after_select(cases, casi);
}
