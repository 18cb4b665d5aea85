/*
 * Timers: the runtime's timer heap, then package time on top of it.
 *
 * The heap. Every pending rt_timer lives in one 4-ary min-heap ordered by
 * `when` (Go's layout: children of i are 4i+1..4i+4; half as deep as a
 * binary heap, so an add, which sifts up, moves half as many entries, for a
 * few more comparisons on the way down). timers.lock guards the array and
 * every heap_index.
 * `earliest` caches heap[0]->when (INT64_MAX when empty); it is written
 * under the lock and read without it, so rt_timers_run, which every M calls
 * each time it looks for work, costs one atomic load when nothing is due.
 * Whenever a timer becomes the new root, rt_sched_timer_added(when) tells
 * the scheduler, so an M sleeping until a later deadline wakes up.
 *
 * One global heap, where Go keeps one per P. Go's per-P heaps make adding
 * and firing timers scale with GOMAXPROCS and keep a timer near the
 * goroutine that uses it, at the price of a timer status state machine,
 * stealing timers of idle Ps and moving heaps when Ps go away. One heap
 * gives the scheduler a single next deadline that a single sleeping M can
 * watch (sched.c's timer_sleeper), and makes del/mod a plain heap removal.
 * The cost: every timer operation in the process (each go_sleep, Reset,
 * context deadline) serialises on timers.lock, the heap's cache lines bounce
 * between cores under timer-heavy loads, and a callback runs on whichever M
 * looks first rather than on its goroutine's P. Critical sections are an
 * O(log4 n) sift, and the due-check is lock-free, so at the core counts this
 * runtime targets the lock is rarely contended.
 *
 * Running. rt_timers_run pops the due timers (re-arming periodic ones)
 * under the lock, up to 32 at a time, then calls each f with the lock
 * released, so f may add, delete or reset timers, its own included. Because
 * f runs unlocked, an owner that deletes a timer may find its callback still
 * pending or running on another M: t->running counts callbacks in flight,
 * bumped under the lock as the timer leaves the heap and dropped after its f
 * returns, and rt_timer_wait_idle lets the owner wait for it before freeing
 * t. A callback never waits for another, so a batch cannot wait on itself.
 * The batch is what keeps two Ms that look for due timers at once from
 * taking turns on the lock per timer (After10k at GOMAXPROCS 2: 8.2-9.0 ms
 * one at a time, 4.6-5.0 in batches); its cost, measured the same way, is
 * 4% on After10k at GOMAXPROCS 1, where nobody competes for the lock. The
 * callbacks below never free their own timer. Callbacks in flight also count as
 * pending timers, so the deadlock check never sees a gap between "popped" and
 * "goroutine readied".
 *
 * Package time on top:
 *  - go_sleep parks with a timer on its own stack. The timer is added by the
 *    park's commit, after the goroutine stopped running, so the callback's
 *    rt_ready can never overtake the park.
 *  - go_timer/go_ticker follow Go 1.23: each has a lock that orders a fire
 *    against Stop/Reset and a sequence number that Stop/Reset bump. A fire
 *    sends (rt_chan_trysend, cap 1: a full buffer drops the tick) only if
 *    its seq is current, and Stop/Reset drain the buffer under that lock, so
 *    no value from before Stop/Reset is received after it returns. As in Go
 *    1.23, where the channel is logically unbuffered, a value still sitting
 *    unreceived in the buffer means the timer had not yet "fired" for the
 *    program: Stop/Reset drain it and report the timer as active.
 *  - go_after: see after_rec below for who frees what.
 *  - go_after_func (time.AfterFunc) is a go_timer without a channel: its
 *    fire spawns fn(arg) in a new goroutine instead of sending, under the
 *    same lock and sequence check, so Stop and Reset work unchanged (with
 *    no buffer to drain, active means armed).
 */
#include "time.h"

#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gorace.h>

#include "chan.h"
#include "freed.h"
#include "hooks.h"
#include "lock.h"
#include "sched.h"

/* ---- the heap ------------------------------------------------------------ */

static struct {
    rt_lock lock;
    rt_timer **heap;
    int32_t len;
    int32_t cap;
    int32_t npending;  /* len, published for lock-free readers */
    int64_t earliest;  /* heap[0]->when or INT64_MAX, written under lock */
    uint32_t inflight; /* callbacks running right now, all timers */
} timers = {.earliest = INT64_MAX};

static void publish_earliest_locked(void)
{
    int64_t e = timers.len > 0 ? timers.heap[0]->when : INT64_MAX;
    __atomic_store_n(&timers.earliest, e, __ATOMIC_RELEASE);
    __atomic_store_n(&timers.npending, timers.len, __ATOMIC_RELEASE);
}

static void heap_set(int32_t i, rt_timer *t)
{
    timers.heap[i] = t;
    t->heap_index = i;
}

static void sift_up(int32_t i)
{
    rt_timer *t = timers.heap[i];
    while (i > 0) {
        int32_t p = (i - 1) / 4;
        if (t->when >= timers.heap[p]->when)
            break;
        heap_set(i, timers.heap[p]);
        i = p;
    }
    heap_set(i, t);
}

static void sift_down(int32_t i)
{
    rt_timer *t = timers.heap[i];
    int32_t n = timers.len;
    for (;;) {
        int32_t c = 4 * i + 1;
        if (c >= n)
            break;
        int32_t min = c;
        int32_t last = c + 3 < n ? c + 3 : n - 1;
        for (int32_t k = c + 1; k <= last; k++)
            if (timers.heap[k]->when < timers.heap[min]->when)
                min = k;
        if (timers.heap[min]->when >= t->when)
            break;
        heap_set(i, timers.heap[min]);
        i = min;
    }
    heap_set(i, t);
}

static void heap_push_locked(rt_timer *t)
{
    if (timers.len == timers.cap) {
        int32_t ncap = timers.cap ? 2 * timers.cap : 64;
        rt_timer **nh = realloc(timers.heap, ncap * sizeof *nh);
        if (!nh)
            rt_throw("out of memory allocating timer heap");
        timers.heap = nh;
        timers.cap = ncap;
    }
    int32_t i = timers.len++;
    heap_set(i, t);
    sift_up(i);
}

static void heap_remove_locked(rt_timer *t)
{
    int32_t i = t->heap_index;
    int32_t last = --timers.len;
    t->heap_index = -1;
    if (i == last)
        return;
    heap_set(i, timers.heap[last]);
    if (i > 0 && timers.heap[i]->when < timers.heap[(i - 1) / 4]->when)
        sift_up(i);
    else
        sift_down(i);
}

/* ---- rt_timer API ---------------------------------------------------------
 */

void rt_timer_init(rt_timer *t, void (*f)(void *arg, uintptr_t seq), void *arg)
{
    *t = (rt_timer){.f = f, .arg = arg, .heap_index = -1};
}

int64_t rt_when_after(int64_t ns)
{
    int64_t now = rt_nanotime();
    if (ns > 0 && ns > INT64_MAX - now)
        return INT64_MAX;
    return now + ns;
}

/* Pushes t; returns true if it became the earliest timer. */
static bool add_locked(rt_timer *t)
{
    heap_push_locked(t);
    publish_earliest_locked();
    return t->heap_index == 0;
}

void rt_timer_add(rt_timer *t)
{
    int64_t when = t->when;
    rt_lock_acquire(&timers.lock, RT_RANK_TIMERS);
    bool first = add_locked(t);
    rt_lock_release(&timers.lock);
    if (first)
        rt_sched_timer_added(when);
}

bool rt_timer_del(rt_timer *t)
{
    rt_lock_acquire(&timers.lock, RT_RANK_TIMERS);
    bool pending = t->heap_index >= 0;
    if (pending) {
        heap_remove_locked(t);
        publish_earliest_locked();
    }
    rt_lock_release(&timers.lock);
    return pending;
}

bool rt_timer_mod(rt_timer *t, int64_t when, int64_t period)
{
    rt_lock_acquire(&timers.lock, RT_RANK_TIMERS);
    bool pending = t->heap_index >= 0;
    if (pending)
        heap_remove_locked(t);
    t->when = when;
    t->period = period;
    bool first = add_locked(t);
    rt_lock_release(&timers.lock);
    if (first)
        rt_sched_timer_added(when);
    return pending;
}

void rt_timer_wait_idle(rt_timer *t)
{
    /* The callback is short and non-blocking and runs on another thread,
     * so this ends within microseconds. */
    for (int spins = 0; __atomic_load_n(&t->running, __ATOMIC_ACQUIRE);
         spins++) {
        if (spins < 64)
            __builtin_ia32_pause();
        else
            syscall(SYS_sched_yield);
    }
}

bool rt_timers_pending(void)
{
    return __atomic_load_n(&timers.npending, __ATOMIC_ACQUIRE) > 0 ||
           __atomic_load_n(&timers.inflight, __ATOMIC_ACQUIRE) > 0;
}

/* A periodic timer's next deadline after now, skipping missed ticks. */
static int64_t next_period(const rt_timer *t, int64_t now)
{
    int64_t steps = 1 + (now - t->when) / t->period;
    if (steps > (INT64_MAX - t->when) / t->period)
        return INT64_MAX;
    return t->when + steps * t->period;
}

int64_t rt_timers_next(void)
{
    return __atomic_load_n(&timers.earliest, __ATOMIC_ACQUIRE);
}

typedef struct {
    rt_timer *t;
    void (*f)(void *, uintptr_t);
    void *arg;
    uintptr_t seq;
} due_timer;

/* Pops up to max timers due at now into due; called with timers.lock. */
static int pop_due_locked(int64_t now, due_timer *due, int max)
{
    int n = 0;
    while (n < max && timers.len > 0 && timers.heap[0]->when <= now) {
        rt_timer *t = timers.heap[0];
        if (t->period > 0) {
            t->when = next_period(t, now);
            sift_down(0);
        } else {
            heap_remove_locked(t);
        }
        due[n++] = (due_timer){t, t->f, t->arg, t->seq};
        __atomic_add_fetch(&t->running, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&timers.inflight, 1, __ATOMIC_RELAXED);
    }
    if (n > 0)
        publish_earliest_locked();
    return n;
}

int64_t rt_timers_run(int64_t now)
{
    enum { BATCH = 32 };
    int64_t next = rt_timers_next();
    if (next > now)
        return next;
    due_timer due[BATCH];
    rt_lock_acquire(&timers.lock, RT_RANK_TIMERS);
    for (int n; (n = pop_due_locked(now, due, BATCH)) > 0;) {
        rt_lock_release(&timers.lock);
        for (int i = 0; i < n; i++) {
            RT_HOOK(timer_fire, rt_hook_cur(), due[i].t);
            due[i].f(due[i].arg, due[i].seq);
            /* The last touch of t: its owner may free it once this is 0. */
            __atomic_sub_fetch(&due[i].t->running, 1, __ATOMIC_RELEASE);
            __atomic_sub_fetch(&timers.inflight, 1, __ATOMIC_RELEASE);
        }
        rt_lock_acquire(&timers.lock, RT_RANK_TIMERS);
    }
    next = timers.len > 0 ? timers.heap[0]->when : INT64_MAX;
    rt_lock_release(&timers.lock);
    return next;
}

/* ---- go_now, go_sleep ------------------------------------------------------
 */

int64_t go_now(void)
{
    return rt_nanotime();
}

typedef struct sleeper {
    rt_timer timer;
    rt_g *g;
} sleeper;

static void sleeper_wake(void *arg, uintptr_t seq)
{
    (void)seq;
    rt_ready(((sleeper *)arg)->g);
}

/* Runs once the goroutine is off its stack: only now may the timer fire. */
static bool sleeper_commit(rt_g *g, void *arg)
{
    sleeper *s = arg;
    s->g = g;
    rt_timer_add(&s->timer);
    return true;
}

/* A thread outside the runtime (before go_run) sleeps on a note that
 * nobody wakes. */
static void os_sleep(int64_t ns)
{
    rt_note n = {0};
    rt_note_tsleep(&n, ns);
}

void go_sleep(int64_t ns)
{
    if (ns <= 0)
        return;
    if (!rt_getg()) {
        os_sleep(ns);
        return;
    }
    sleeper s;
    rt_timer_init(&s.timer, sleeper_wake, &s);
    s.timer.when = rt_when_after(ns);
    rt_park(sleeper_commit, &s, RT_WAIT_SLEEP, NULL);
    /* s lives in this frame: keep it until rt_timers_run lets go of it. */
    rt_timer_wait_idle(&s.timer);
}

/* ---- go_after ---------------------------------------------------------------
 *
 * Go's GC frees a time.After channel when nobody references it; C cannot
 * know that, so API.md makes the channel the runtime's: reclaimed once a
 * value was received from it, else at exit. The receive paths (go_chan_recv,
 * go_select) call after_reclaim once the operation is over and holds no
 * channel lock (a select woken by the timer relocks all its channels before
 * returning), and only if no other goroutine waits on the channel; the
 * timer callback may still be returning from its send, so the record waits
 * for it before freeing. Records not received from stay on the list, which
 * keeps them reachable (LeakSanitizer agrees) until the process exits.
 */
typedef struct after_rec {
    rt_timer timer;
    go_chan *c;
    struct after_rec *next, *prev;
} after_rec;

static struct {
    rt_lock lock;
    after_rec *head;
} afters;

static void after_fire(void *arg, uintptr_t seq)
{
    (void)seq;
    int64_t now = rt_nanotime();
    rt_chan_trysend(((after_rec *)arg)->c, &now);
}

static void after_reclaim(go_chan *c, void *arg)
{
    after_rec *r = arg;
    rt_timer_wait_idle(&r->timer);
    rt_lock_acquire(&afters.lock, RT_RANK_AFTERS);
    if (r->prev)
        r->prev->next = r->next;
    else
        afters.head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    rt_lock_release(&afters.lock);
    go_chan_free(c);
    free(r);
}

go_chan *go_after(int64_t ns)
{
    after_rec *r = malloc(sizeof *r);
    if (!r)
        rt_throw("out of memory allocating a go_after timer");
    r->c = go_chan_make(sizeof(int64_t), 1);
    rt_chan_set_reclaim(r->c, after_reclaim, r);
    rt_timer_init(&r->timer, after_fire, r);
    r->timer.when = rt_when_after(ns);
    rt_lock_acquire(&afters.lock, RT_RANK_AFTERS);
    r->prev = NULL;
    r->next = afters.head;
    if (afters.head)
        afters.head->prev = r;
    afters.head = r;
    rt_lock_release(&afters.lock);
    rt_timer_add(&r->timer);
    return r->c;
}

/* ---- go_timer, go_ticker ------------------------------------------------ */

struct go_timer {
    uint32_t magic; /* RT_MAGIC_TIMER until freed (freed.h) */
    rt_timer timer;
    rt_lock lock;       /* orders a fire against Stop/Reset */
    go_chan *c;         /* int64_t, cap 1 */
    uintptr_t seq;      /* current generation; older fires are stale */
    bool armed;         /* will deliver a value unless stopped */
    void (*fn)(void *); /* go_after_func: run instead of sending (c NULL) */
    void *fn_arg;
    uintptr_t fn_pc; /* go_after_func's caller, for tracebacks */
};

static void after_func_fire(struct go_timer *t);

struct go_ticker {
    struct go_timer t;
};

static void chan_timer_fire(void *arg, uintptr_t seq)
{
    struct go_timer *t = arg;
    rt_lock_acquire(&t->lock, RT_RANK_TIMER);
    if (seq == t->seq && t->armed && t->fn) {
        after_func_fire(t);
    } else if (seq == t->seq && t->armed) {
        int64_t now = rt_nanotime();
        rt_chan_trysend(t->c, &now);
        if (t->timer.period == 0)
            t->armed = false;
    }
    rt_lock_release(&t->lock);
}

static void chan_timer_start(struct go_timer *t, int64_t ns, int64_t period)
{
    t->magic = RT_MAGIC_TIMER;
    t->c = go_chan_make(sizeof(int64_t), 1);
    rt_timer_init(&t->timer, chan_timer_fire, t);
    t->timer.when = rt_when_after(ns);
    t->timer.period = period;
    t->armed = true;
    rt_timer_add(&t->timer);
}

/* ---- deadlock checks ----------------------------------------------------- */

/* A timer whose fire only sends on a channel nobody waits on wakes nobody:
 * the value lands in the buffer (or is dropped there, cap 1). Every other
 * timer (a sleep, a select's or a context's deadline, an AfterFunc, an I/O
 * deadline) may make a goroutine runnable. */
static bool timer_can_wake(const rt_timer *t)
{
    if (t->f == after_fire)
        return rt_chan_has_receivers(((const after_rec *)t->arg)->c);
    if (t->f == chan_timer_fire) {
        const struct go_timer *gt = t->arg;
        return gt->fn || rt_chan_has_receivers(gt->c);
    }
    return true;
}

bool rt_timers_can_wake(void)
{
    if (__atomic_load_n(&timers.inflight, __ATOMIC_ACQUIRE) > 0)
        return true;
    bool wake = false;
    rt_lock_acquire(&timers.lock, RT_RANK_TIMERS);
    for (int32_t i = 0; i < timers.len && !wake; i++)
        wake = timer_can_wake(timers.heap[i]);
    rt_lock_release(&timers.lock);
    return wake;
}

/* With t->lock held: takes t out of the heap, makes any fire in flight
 * stale and drops an unreceived value. True if the timer was active: armed,
 * or fired with its value not yet received. */
static bool chan_timer_disarm_locked(struct go_timer *t)
{
    rt_timer_del(&t->timer);
    t->seq++;
    t->timer.seq = t->seq; /* safe: t is out of the heap */
    bool active = t->armed;
    t->armed = false;
    if (go_chan_len(t->c) > 0) {
        rt_chan_drain(t->c);
        active = true;
    }
    return active;
}

static bool chan_timer_stop(struct go_timer *t)
{
    rt_lock_acquire(&t->lock, RT_RANK_TIMER);
    bool active = chan_timer_disarm_locked(t);
    rt_lock_release(&t->lock);
    return active;
}

static void chan_timer_free(struct go_timer *t)
{
    chan_timer_stop(t);
    rt_timer_wait_idle(&t->timer);
    go_chan_free(t->c);
    t->magic = 0;
    rt_quarantine(t);
}

static void timer_check(const struct go_timer *t, const char *call,
                        const char *what)
{
    rt_obj_check(t->magic, RT_MAGIC_TIMER, call, what);
}

go_timer *go_timer_new(int64_t ns)
{
    struct go_timer *t = calloc(1, sizeof *t);
    if (!t)
        rt_throw("out of memory allocating a go_timer");
    chan_timer_start(t, ns, 0);
    return t;
}

go_chan *go_timer_chan(go_timer *t)
{
    timer_check(t, "go_timer_chan", "timer");
    return t->c;
}

bool go_timer_stop(go_timer *t)
{
    timer_check(t, "go_timer_stop", "timer");
    return chan_timer_stop(t);
}

bool go_timer_reset(go_timer *t, int64_t ns)
{
    timer_check(t, "go_timer_reset", "timer");
    if (t->fn)
        RT_HOOK(release_merge, rt_hook_cur(), t); /* see after_func_run */
    rt_lock_acquire(&t->lock, RT_RANK_TIMER);
    bool active = chan_timer_disarm_locked(t);
    t->timer.when = rt_when_after(ns);
    t->armed = true;
    rt_timer_add(&t->timer);
    rt_lock_release(&t->lock);
    return active;
}

void go_timer_free(go_timer *t)
{
    if (t) {
        timer_check(t, "go_timer_free", "timer");
        chan_timer_free(t);
    }
}

go_ticker *go_ticker_new(int64_t ns)
{
    if (ns <= 0)
        rt_panic("non-positive interval for NewTicker");
    go_ticker *tk = calloc(1, sizeof *tk);
    if (!tk)
        rt_throw("out of memory allocating a go_ticker");
    chan_timer_start(&tk->t, ns, ns);
    return tk;
}

go_chan *go_ticker_chan(go_ticker *tk)
{
    timer_check(&tk->t, "go_ticker_chan", "ticker");
    return tk->t.c;
}

void go_ticker_stop(go_ticker *tk)
{
    timer_check(&tk->t, "go_ticker_stop", "ticker");
    chan_timer_stop(&tk->t);
}

void go_ticker_free(go_ticker *tk)
{
    if (tk) {
        timer_check(&tk->t, "go_ticker_free", "ticker");
        chan_timer_free(&tk->t);
    }
}

/* ---- go_after_func ------------------------------------------------------- */

typedef struct after_func_call {
    void (*fn)(void *);
    void *arg;
    const void *sync; /* the timer's address, for the happens-before edge */
} after_func_call;

/* The goroutine a fire starts. As in Go's race runtime (addtimer releases,
 * the fire acquires), go_after_func and go_timer_reset happen before fn;
 * the timer itself may be freed by now, so everything comes from call. */
static void after_func_run(void *arg)
{
    after_func_call call = *(after_func_call *)arg;
    free(arg);
    RT_HOOK(acquire, rt_hook_cur(), call.sync);
    call.fn(call.arg);
}

/* With t->lock held, in scheduler context: a one-shot fire. */
static void after_func_fire(struct go_timer *t)
{
    after_func_call *call = malloc(sizeof *call);
    if (!call)
        rt_throw("out of memory starting a go_after_func goroutine");
    *call = (after_func_call){.fn = t->fn, .arg = t->fn_arg, .sync = t};
    t->armed = false;
    rt_spawn(after_func_run, call, NULL, 0, NULL, t->fn_pc);
}

go_timer *go_after_func(int64_t ns, void (*fn)(void *), void *arg)
{
    struct go_timer *t = calloc(1, sizeof *t);
    if (!t)
        rt_throw("out of memory allocating a go_after_func timer");
    t->magic = RT_MAGIC_TIMER;
    t->fn = fn;
    t->fn_arg = arg;
    t->fn_pc = (uintptr_t)__builtin_return_address(0);
    RT_HOOK(release_merge, rt_hook_cur(), t);
    rt_timer_init(&t->timer, chan_timer_fire, t);
    t->timer.when = rt_when_after(ns);
    t->armed = true;
    rt_timer_add(&t->timer);
    return t;
}
