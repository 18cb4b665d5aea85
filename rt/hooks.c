/*
 * The detectors' hook tables. Detectors install them before go_run starts
 * goroutines (a constructor is the usual place); the table list is then only
 * read, so the hot path needs no synchronisation.
 */
#include "hooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "stack.h"

const rt_hooks *rt_hooks_tables[RT_HOOKS_MAX];
int rt_hooks_count;

int rt_hooks_install(const rt_hooks *h)
{
    if (rt_hooks_count == RT_HOOKS_MAX) {
        fprintf(stderr,
                "fatal error: gorace internal: more than %d hook tables "
                "installed\n",
                RT_HOOKS_MAX);
        exit(2);
    }
    rt_hooks_tables[rt_hooks_count] = h;
    return rt_hooks_count++;
}

bool rt_hooks_stack_stays_with_g(void)
{
    for (int i = 0; i < rt_hooks_count; i++)
        if (rt_hooks_tables[i]->stack_stays_with_g)
            return true;
    return false;
}

/* One table's acquire_release, as its entry or as the events it stands
 * for. */
static void acquire_release_in(const rt_hooks *h, rt_hg *g, const void *addr,
                               bool merge)
{
    if (h->acquire_release) {
        h->acquire_release(g, addr);
        return;
    }
    if (h->acquire)
        h->acquire(g, addr);
    void (*release)(rt_hg *, const void *) =
        merge ? h->release_merge : h->release;
    if (release)
        release(g, addr);
}

void rt_hooks_acquire_release(rt_hg *g, const void *addr, bool merge)
{
    for (int i = 0; i < rt_hooks_count; i++)
        acquire_release_in(rt_hooks_tables[i], g, addr, merge);
}

void rt_hooks_acquire_release_part(rt_hg *g, rt_hobj *obj, size_t i, size_t n,
                                   const void *addr)
{
    for (int k = 0; k < rt_hooks_count; k++) {
        const rt_hooks *h = rt_hooks_tables[k];
        if (h->acquire_release_part)
            h->acquire_release_part(g, obj, i, n, addr);
        else
            acquire_release_in(h, g, addr, false);
    }
}

void rt_hooks_sync_pair(rt_hg *g, rt_hg *peer, const void *addr)
{
    for (int i = 0; i < rt_hooks_count; i++) {
        const rt_hooks *h = rt_hooks_tables[i];
        if (h->sync_pair) {
            h->sync_pair(g, peer, addr);
            continue;
        }
        if (h->release)
            h->release(g, addr);
        if (h->acquire)
            h->acquire(peer, addr);
        if (h->release)
            h->release(peer, addr);
        if (h->acquire)
            h->acquire(g, addr);
    }
}

int rt_hooks_at_exit(rt_hg *g, int code, int from_go_exit)
{
    for (int i = 0; i < rt_hooks_count; i++)
        if (rt_hooks_tables[i]->at_exit)
            code = rt_hooks_tables[i]->at_exit(g, code, from_go_exit);
    return code;
}

size_t rt_hook_stack(rt_hg *g, uintptr_t pc, uintptr_t *out, size_t max)
{
    if (!g || !pc)
        return 0;
    for (int i = 0; i < rt_hooks_count; i++) {
        const rt_hooks *h = rt_hooks_tables[i];
        size_t n = h->stack ? h->stack(g, pc, out, max) : 0;
        if (n)
            return n;
    }
    return 0;
}

const char *rt_hook_wait_reason(int reason)
{
    return rt_wait_reason_str((rt_wait_reason)reason);
}

int32_t rt_hook_parallel;

uint32_t rt_hook_parallel_gen;

/* The generation moves after a count-in and before a count-out, so that a
 * thread that finds the count zero finds the generation moved since any
 * read it made while another thread was counted (rt/hooks.h). */
void rt_hook_parallel_add(int32_t delta)
{
    if (delta < 0)
        __atomic_add_fetch(&rt_hook_parallel_gen, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&rt_hook_parallel, delta, __ATOMIC_SEQ_CST);
    if (delta > 0)
        __atomic_add_fetch(&rt_hook_parallel_gen, 1, __ATOMIC_SEQ_CST);
}

uint32_t *rt_hook_pin_word(void)
{
    M *m = getm();
    return m ? &m->pins : NULL;
}

rt_hg *rt_hook_cur(void)
{
    rt_g *g = rt_getg();
    return g ? &g->hg : NULL;
}

int64_t rt_hook_goid(const rt_hg *hg)
{
    if (!hg)
        return 0;
    const rt_g *g =
        (const rt_g *)((const char *)hg - __builtin_offsetof(rt_g, hg));
    return g->id;
}

bool rt_hook_stack_bounds(uintptr_t *lo, uintptr_t *hi)
{
    G *gp = (G *)rt_getg();
    if (!gp || !gp->stack.lo)
        return false;
    *lo = (uintptr_t)gp->stack.lo;
    *hi = (uintptr_t)gp->stack.hi;
    return true;
}

bool rt_hook_stack_arena(uintptr_t *base, size_t *len, size_t *slot)
{
    return rt_stack_arena(base, len, slot);
}

/* The deadlock detector (detect/) defines the real one; without it there is
 * nothing to check with. */
__attribute__((weak)) int go_leakcheck(void)
{
    return 0;
}

/* ---- queries for detectors (rt/hooks.h) -----------------------------------
 */

static int ginfo_status(uint32_t st)
{
    switch (st) {
    case G_RUNNABLE:
        return RT_GS_RUNNABLE;
    case G_RUNNING:
        return RT_GS_RUNNING;
    case G_SYSCALL:
        return RT_GS_SYSCALL;
    default:
        return RT_GS_WAITING;
    }
}

static void fill_ginfo(G *gp, uint32_t st, rt_ginfo *gi)
{
    memset(gi, 0, sizeof *gi);
    gi->g = &gp->pub.hg;
    gi->id = gp->pub.id;
    gi->parent = gp->parent;
    gi->status = ginfo_status(st);
    gi->create_pc = gp->cpc;
    gi->create_file = gp->cfile;
    gi->create_func = gp->cfunc;
    gi->create_line = gp->cline;
    gi->stack_lo = gp->stack.lo;
    gi->stack_hi = gp->stack.hi;
    gi->start_arg = gp->arg;
    if (st != G_WAITING && st != G_RUNNABLE)
        return;
    gi->sp = gp->started ? gp->sp : NULL;
    if (st != G_WAITING)
        return;
    gi->wait_reason = gp->pub.wait_reason;
    gi->wait_since = gp->pub.wait_since;
    if (gp->pub.wait_obj)
        gi->objs[gi->nobjs++] = gp->pub.wait_obj;
    /* A parked select's channels: its sudogs stay put while it waits. */
    for (rt_sudog *sg = gp->pub.waiting; sg && gi->nobjs < RT_GINFO_MAX_OBJS;
         sg = sg->waitlink)
        if (sg->obj)
            gi->objs[gi->nobjs++] = sg->obj;
    /* Its GO_AFTER timer will wake it: no object to reach. */
    if (gp->pub.select_timed)
        gi->nobjs = 0;
}

void rt_hook_goroutines(void (*fn)(const rt_ginfo *gi, void *arg), void *arg)
{
    for (G *gp = load_acq(&sched.allgs); gp; gp = load_acq(&gp->alllink)) {
        uint32_t st = load_acq(&gp->status);
        if (st == G_DEAD || st == G_IDLE)
            continue;
        rt_ginfo gi;
        fill_ginfo(gp, st, &gi);
        fn(&gi, arg);
    }
}

bool rt_hook_stop_the_world(int64_t timeout_ns)
{
    __atomic_add_fetch(&sched.stw, 1, __ATOMIC_ACQ_REL);
    G *self = curg();
    int64_t deadline = rt_nanotime() + timeout_ns;
    for (;;) {
        bool busy = false;
        for (G *gp = load_acq(&sched.allgs); gp && !busy;
             gp = load_acq(&gp->alllink))
            busy = gp != self && load_acq(&gp->status) == G_RUNNING;
        if (!busy)
            return true;
        if (rt_explore_on || rt_nanotime() >= deadline)
            return false;
        usleep(50);
    }
}

void rt_hook_start_the_world(void)
{
    __atomic_sub_fetch(&sched.stw, 1, __ATOMIC_ACQ_REL);
}
