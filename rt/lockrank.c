/*
 * The checking build's lock-order checker (the order: lockrank.h). Each
 * thread keeps a small stack of the rt_locks it holds; locks never move
 * between threads while held (a goroutine never parks or yields holding
 * one, and rt_park's commit runs on the same M). Compiled to nothing
 * unless RT_DEBUG_CHECKS is defined.
 */
#include "lockrank.h"

#ifdef RT_DEBUG_CHECKS

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

enum { MAX_HELD = 32 };

typedef struct held {
    const void *lock;
    rt_lockrank rank;
} held;

static __thread held stack[MAX_HELD];
static __thread int nheld;

static const char *const names[RT_RANK_N] = {
    [RT_RANK_CTX] = "CTX",
    [RT_RANK_AFTERS] = "AFTERS",
    [RT_RANK_TIMER] = "TIMER",
    [RT_RANK_SEMA_ROOT] = "SEMA_ROOT",
    [RT_RANK_NOTIFY_LIST] = "NOTIFY_LIST",
    [RT_RANK_HCHAN] = "HCHAN",
    [RT_RANK_POLLDESC] = "POLLDESC",
    [RT_RANK_TIMERS] = "TIMERS",
    [RT_RANK_SUDOG] = "SUDOG",
    [RT_RANK_SCHED] = "SCHED",
    [RT_RANK_SYSCALLS] = "SYSCALLS",
    [RT_RANK_ALLG] = "ALLG",
    [RT_RANK_GFREE] = "GFREE",
    [RT_RANK_STACKPOOL] = "STACKPOOL",
    [RT_RANK_URING] = "URING",
};

static const char *name(rt_lockrank r)
{
    return r > 0 && r < RT_RANK_N && names[r] ? names[r] : "?";
}

/* Ranks that may be held more than once (lockrank.h says in which order). */
static bool several(rt_lockrank r)
{
    return r == RT_RANK_CTX || r == RT_RANK_HCHAN;
}

/* No stdio locks or malloc: the process may be in any state. */
static void __attribute__((noreturn))
die(const char *what, const void *l, rt_lockrank r)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf,
                     "fatal error: gorace internal: %s: lock %p (rank %s)\n"
                     "locks held by this thread, oldest first:\n",
                     what, l, name(r));
    for (int i = 0; i < nheld && n < (int)sizeof buf - 64; i++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "\t%p (rank %s)\n",
                      stack[i].lock, name(stack[i].rank));
    if (write(2, buf, (size_t)(n < (int)sizeof buf ? n : (int)sizeof buf)))
        (void)0;
    abort();
}

void rt_lockrank_acquired(const void *l, rt_lockrank r)
{
    if (r <= 0 || r >= RT_RANK_N)
        die("lock acquired without a rank", l, r);
    if (nheld == MAX_HELD)
        die("too many locks held", l, r);
    stack[nheld++] = (held){l, r};
}

void rt_lockrank_acquire(const void *l, rt_lockrank r)
{
    for (int i = 0; i < nheld; i++) {
        if (stack[i].lock == l)
            die("lock acquired twice", l, r);
        if (stack[i].rank > r || (stack[i].rank == r && !several(r)))
            die("lock order violation", l, r);
    }
    rt_lockrank_acquired(l, r);
}

void rt_lockrank_release(const void *l)
{
    for (int i = nheld - 1; i >= 0; i--) {
        if (stack[i].lock == l) {
            for (int k = i; k + 1 < nheld; k++)
                stack[k] = stack[k + 1];
            nheld--;
            return;
        }
    }
    die("release of a lock this thread does not hold", l, 0);
}

#else
typedef int rt_lockrank_unused; /* ISO C: no empty translation unit */
#endif
