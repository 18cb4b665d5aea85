/*
 * The detectors' hook tables. Detectors install them before go_run starts
 * goroutines (a constructor is the usual place); the table list is then only
 * read, so the hot path needs no synchronisation.
 */
#include "hooks.h"

#include <stdio.h>
#include <stdlib.h>

#include "sched.h"

const rt_hooks *rt_hooks_tables[RT_HOOKS_MAX];
int rt_hooks_count;

void rt_hooks_install(const rt_hooks *h)
{
    if (rt_hooks_count == RT_HOOKS_MAX) {
        fprintf(stderr,
                "fatal error: gorace internal: more than %d hook tables "
                "installed\n",
                RT_HOOKS_MAX);
        exit(2);
    }
    rt_hooks_tables[rt_hooks_count++] = h;
}

int rt_hooks_at_exit(int64_t g, int code, int from_go_exit)
{
    for (int i = 0; i < rt_hooks_count; i++)
        if (rt_hooks_tables[i]->at_exit)
            code = rt_hooks_tables[i]->at_exit(g, code, from_go_exit);
    return code;
}

const char *rt_hook_wait_reason(int reason)
{
    return rt_wait_reason_str((rt_wait_reason)reason);
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

/* The deadlock detector (detect/) defines the real one; without it there is
 * nothing to check with. */
__attribute__((weak)) int go_leakcheck(void)
{
    return 0;
}
