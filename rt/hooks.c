/*
 * The detector's hook table. A detector installs it once, before go_run
 * starts goroutines (a constructor is the usual place); the table pointer is
 * then only read, so no synchronisation is needed on the hot path.
 */
#include "hooks.h"

#include "sched.h"

const rt_hooks *rt_hooks_table;

void rt_hooks_install(const rt_hooks *h)
{
    rt_hooks_table = h;
}

int64_t rt_hook_gid(void)
{
    rt_g *g = rt_getg();
    return g ? g->id : 0;
}

void **rt_hook_gslot(void)
{
    rt_g *g = rt_getg();
    return g ? &g->det : NULL;
}
