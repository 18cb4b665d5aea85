/*
 * Semaphores for package sync (Go's runtime/sema.go).
 *
 * A semaphore is a uint32 counter in the user's object. Acquiring it is a
 * CAS loop that decrements a non-zero counter; only when the counter is zero
 * does a goroutine queue itself and park. Waiters are kept off the object,
 * in a table of 251 roots (a prime, so address patterns do not collide),
 * each root padded to its own cache line and guarded by an rt_lock.
 *
 * Inside a root, waiters form Go's two-level structure: a treap of sudogs
 * with distinct addresses (ordered by address, heap-ordered by a random
 * priority kept in sudog.ticket), and hanging off each treap node, through
 * waitlink/waittail, the list of other waiters on the same address. Finding
 * an address is O(log n) in the number of distinct addresses hashed to the
 * root, and queueing or dequeueing within one address is O(1). A flat list
 * per root would be simpler, but one hot address with thousands of waiters
 * (a contended Mutex) would then make every other address in its root pay a
 * linear scan (golang.org/issue/17953).
 *
 * Missed wake-ups. root.nwait counts the root's waiters and is read without
 * the lock, so rt_semrelease on an uncontended semaphore is an atomic add
 * and a load. A waiter increments nwait under the lock before its last
 * try-acquire; a releaser increments the counter before reading nwait. So
 * either the waiter's last try sees the count, or the releaser sees nwait
 * and takes the lock, which orders it after the waiter is queued.
 *
 * Handoff. A released count is normally left in the counter, and the woken
 * waiter competes for it with any newcomer (it retries, and re-queues if it
 * lost). A starving Mutex asks for handoff: the releaser takes the count
 * itself and hands it to the waiter through sudog.ticket = 1, then yields so
 * the waiter runs at once on this P and inherits the time slice.
 *
 * Notify lists (Cond) are a separate ticket machine, at the end of the file.
 */
#include "sema.h"

#include <stddef.h>

#include "lock.h"

enum { SEMTAB_SIZE = 251, CACHE_LINE = 64 };

typedef struct sema_root {
    rt_lock lock;
    rt_sudog *treap; /* root of the tree of distinct waited-on addresses */
    uint32_t nwait;  /* waiters in this root; read without the lock */
} sema_root;

static struct {
    sema_root root;
    char pad[CACHE_LINE - sizeof(sema_root)];
} semtable[SEMTAB_SIZE] __attribute__((aligned(CACHE_LINE)));

static sema_root *root_for(const uint32_t *addr)
{
    return &semtable[((uintptr_t)addr >> 3) % SEMTAB_SIZE].root;
}

static bool can_semacquire(uint32_t *addr)
{
    uint32_t v = __atomic_load_n(addr, __ATOMIC_ACQUIRE);
    while (v != 0) {
        if (__atomic_compare_exchange_n(addr, &v, v - 1, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return true;
    }
    return false;
}

/* ---- the treap ------------------------------------------------------------
 * prev/next are the left/right children, parent the parent, obj the address.
 */

static void set_child(sema_root *root, rt_sudog *parent, rt_sudog *old,
                      rt_sudog *new)
{
    if (!parent)
        root->treap = new;
    else if (parent->prev == old)
        parent->prev = new;
    else if (parent->next == old)
        parent->next = new;
    else
        rt_throw("gorace internal: sema treap: bad parent link");
}

/* (x a (y b c)) becomes (y (x a b) c). */
static void rotate_left(sema_root *root, rt_sudog *x)
{
    rt_sudog *p = x->parent, *y = x->next, *b = y->prev;
    y->prev = x;
    x->parent = y;
    x->next = b;
    if (b)
        b->parent = x;
    y->parent = p;
    set_child(root, p, x, y);
}

/* (y (x a b) c) becomes (x a (y b c)). */
static void rotate_right(sema_root *root, rt_sudog *y)
{
    rt_sudog *p = y->parent, *x = y->prev, *b = x->next;
    x->next = y;
    y->parent = x;
    y->prev = b;
    if (b)
        b->parent = y;
    x->parent = p;
    set_child(root, p, y, x);
}

/* s takes t's place in the tree: same links, same priority. */
static void treap_substitute(rt_sudog **slot, rt_sudog *t, rt_sudog *s)
{
    *slot = s;
    s->ticket = t->ticket;
    s->parent = t->parent;
    s->prev = t->prev;
    s->next = t->next;
    if (s->prev)
        s->prev->parent = s;
    if (s->next)
        s->next->parent = s;
}

/* Adds s, a waiter on addr, to root. Caller holds root->lock. */
static void sema_queue(sema_root *root, uint32_t *addr, rt_sudog *s, bool lifo)
{
    s->g = rt_getg();
    s->obj = addr;
    s->next = s->prev = NULL;

    rt_sudog *last = NULL, **slot = &root->treap;
    for (rt_sudog *t = *slot; t; t = *slot) {
        if (t->obj == addr) {
            if (lifo) {
                /* s becomes the node; t heads s's wait list. */
                treap_substitute(slot, t, s);
                s->waitlink = t;
                s->waittail = t->waittail ? t->waittail : t;
                t->parent = t->prev = t->next = NULL;
                t->waittail = NULL;
            } else {
                if (t->waittail)
                    t->waittail->waitlink = s;
                else
                    t->waitlink = s;
                t->waittail = s;
                s->waitlink = NULL;
            }
            return;
        }
        last = t;
        slot = (uintptr_t)addr < (uintptr_t)t->obj ? &t->prev : &t->next;
    }

    /* A new leaf for a new address; its random priority keeps the tree
     * balanced on average. The low bit is set because ticket 0 means
     * "no handoff" once the sudog leaves the tree. */
    s->ticket = rt_fastrand() | 1;
    s->parent = last;
    *slot = s;
    while (s->parent && s->parent->ticket > s->ticket) {
        if (s->parent->prev == s)
            rotate_right(root, s->parent);
        else
            rotate_left(root, s->parent);
    }
}

/* Removes and returns the first waiter on addr, or NULL. Caller holds the
 * lock. The returned sudog has ticket 0 and no tree links. */
static rt_sudog *sema_dequeue(sema_root *root, uint32_t *addr)
{
    rt_sudog **slot = &root->treap, *s;
    for (s = *slot; s; s = *slot) {
        if (s->obj == addr)
            break;
        slot = (uintptr_t)addr < (uintptr_t)s->obj ? &s->prev : &s->next;
    }
    if (!s)
        return NULL;

    rt_sudog *t = s->waitlink;
    if (t) {
        /* The next waiter on addr takes s's place in the tree. */
        treap_substitute(slot, s, t);
        t->waittail = t->waitlink ? s->waittail : NULL;
        s->waitlink = NULL;
        s->waittail = NULL;
    } else {
        /* Rotate s down to a leaf, respecting priorities, and cut it off. */
        while (s->next || s->prev) {
            if (!s->next || (s->prev && s->prev->ticket < s->next->ticket))
                rotate_right(root, s);
            else
                rotate_left(root, s);
        }
        set_child(root, s->parent, s, NULL);
    }
    s->parent = s->prev = s->next = NULL;
    s->obj = NULL;
    s->ticket = 0;
    return s;
}

/* ---- acquire / release ---------------------------------------------------
 */

void rt_semacquire(uint32_t *addr, bool lifo, rt_wait_reason reason,
                   const void *obj)
{
    if (can_semacquire(addr))
        return;

    sema_root *root = root_for(addr);
    rt_sudog *s = rt_sudog_get();
    for (;;) {
        rt_lock_acquire(&root->lock, RT_RANK_SEMA_ROOT);
        /* From here on a releaser cannot take the nwait == 0 shortcut. */
        __atomic_add_fetch(&root->nwait, 1, __ATOMIC_SEQ_CST);
        if (can_semacquire(addr)) {
            __atomic_sub_fetch(&root->nwait, 1, __ATOMIC_SEQ_CST);
            rt_lock_release(&root->lock);
            break;
        }
        sema_queue(root, addr, s, lifo);
        rt_park(rt_park_unlock_commit, &root->lock, reason, obj);
        /* Woken: either handed the count, or free to compete for it. */
        if (s->ticket != 0 || can_semacquire(addr))
            break;
    }
    rt_sudog_put(s);
}

void rt_semrelease(uint32_t *addr, bool handoff)
{
    sema_root *root = root_for(addr);
    __atomic_add_fetch(addr, 1, __ATOMIC_SEQ_CST);

    /* Must come after the add: see "Missed wake-ups" above. */
    if (__atomic_load_n(&root->nwait, __ATOMIC_SEQ_CST) == 0)
        return;

    rt_lock_acquire(&root->lock, RT_RANK_SEMA_ROOT);
    if (__atomic_load_n(&root->nwait, __ATOMIC_RELAXED) == 0) {
        /* A waiter took the count on its last try and left. */
        rt_lock_release(&root->lock);
        return;
    }
    rt_sudog *s = sema_dequeue(root, addr);
    if (s)
        __atomic_sub_fetch(&root->nwait, 1, __ATOMIC_SEQ_CST);
    rt_lock_release(&root->lock);
    if (!s)
        return;

    /* Once readied, s belongs to its goroutine again: decide before. */
    bool handed = handoff && can_semacquire(addr);
    if (handed)
        s->ticket = 1;
    rt_ready(s->g);
    /* The waiter is this P's next goroutine: yielding runs it now, on our
     * time slice, before any other goroutine can take the Mutex. */
    if (handed && rt_getg())
        go_yield();
}

/* ---- notify lists --------------------------------------------------------
 *
 * Cond.Wait takes a ticket (wait++) while holding the Cond's lock, drops the
 * lock, and then waits for its ticket. Signal notifies ticket `notify` and
 * Broadcast every ticket below `wait`. A waiter that has taken a ticket but
 * not yet queued itself when notified sees notify > ticket and never
 * sleeps, so taking the ticket is the point a waiter is committed to, and
 * no wake-up is lost in the unlocked window. Tickets wrap around; they are
 * compared by their signed difference.
 */

_Static_assert(sizeof(((go_cond *)0)->lock) == sizeof(rt_lock),
               "go_cond.lock must hold an rt_lock");

static rt_lock *notify_lock(go_cond *c)
{
    return (rt_lock *)&c->lock;
}

static bool ticket_less(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

uint32_t rt_notify_list_add(go_cond *c)
{
    return __atomic_fetch_add(&c->wait, 1, __ATOMIC_SEQ_CST);
}

void rt_notify_list_wait(go_cond *c, uint32_t ticket)
{
    rt_lock *l = notify_lock(c);
    rt_lock_acquire(l, RT_RANK_NOTIFY_LIST);
    if (ticket_less(ticket, c->notify)) {
        rt_lock_release(l);
        return;
    }
    rt_sudog *s = rt_sudog_get();
    s->g = rt_getg();
    s->ticket = ticket;
    s->obj = c;
    rt_sudog *tail = c->tail;
    if (tail)
        tail->next = s;
    else
        c->head = s;
    c->tail = s;
    rt_park(rt_park_unlock_commit, l, RT_WAIT_COND, c);
    rt_sudog_put(s);
}

/* Nothing to do if every ticket handed out has been notified. */
static bool nobody_to_notify(go_cond *c)
{
    return __atomic_load_n(&c->wait, __ATOMIC_SEQ_CST) ==
           __atomic_load_n(&c->notify, __ATOMIC_SEQ_CST);
}

void rt_notify_list_notify_all(go_cond *c)
{
    if (nobody_to_notify(c))
        return;

    /* Detach the whole list and ready it outside the lock. Waiters with a
     * ticket who are not queued yet will see notify moved past them. */
    rt_lock *l = notify_lock(c);
    rt_lock_acquire(l, RT_RANK_NOTIFY_LIST);
    rt_sudog *s = c->head;
    c->head = c->tail = NULL;
    __atomic_store_n(&c->notify, __atomic_load_n(&c->wait, __ATOMIC_SEQ_CST),
                     __ATOMIC_SEQ_CST);
    rt_lock_release(l);

    while (s) {
        rt_sudog *next = s->next;
        s->next = NULL;
        rt_ready(s->g);
        s = next;
    }
}

void rt_notify_list_notify_one(go_cond *c)
{
    if (nobody_to_notify(c))
        return;

    rt_lock *l = notify_lock(c);
    rt_lock_acquire(l, RT_RANK_NOTIFY_LIST);
    uint32_t t = c->notify;
    if (t == __atomic_load_n(&c->wait, __ATOMIC_SEQ_CST)) {
        rt_lock_release(l);
        return;
    }
    __atomic_store_n(&c->notify, t + 1, __ATOMIC_SEQ_CST);

    /* Ticket t's owner is usually at the front: waiters queue in about the
     * order they took tickets. If it is not queued yet, it will see the new
     * notify value and not sleep. */
    rt_sudog *prev = NULL;
    for (rt_sudog *s = c->head; s; prev = s, s = s->next) {
        if (s->ticket != t)
            continue;
        rt_sudog *next = s->next;
        if (prev)
            prev->next = next;
        else
            c->head = next;
        if (!next)
            c->tail = prev;
        rt_lock_release(l);
        s->next = NULL;
        rt_ready(s->g);
        return;
    }
    rt_lock_release(l);
}
