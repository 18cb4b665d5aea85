/*
 * Use of freed objects: the fatal error and the quarantine of freed memory
 * (see freed.h). The quarantine is a ring: each free parks its block in the
 * next slot and frees the block that slot held, so the last RT_QUARANTINE
 * freed objects stay readable; slots are taken with atomic exchanges, as
 * frees come from every thread.
 */
#include "freed.h"

#include <stdlib.h>

#include "sched.h"

static void *ring[RT_QUARANTINE];
static unsigned long next_slot;

void rt_freed_fail(const char *call, const char *what)
{
    rt_throw("%s on a freed %s", call, what);
}

void rt_quarantine(void *p)
{
    unsigned long i = __atomic_fetch_add(&next_slot, 1, __ATOMIC_RELAXED);
    free(__atomic_exchange_n(&ring[i % RT_QUARANTINE], p, __ATOMIC_ACQ_REL));
}
