/*
 * Goroutine stacks: fixed-size, lazily committed, carved from large slabs.
 * See rt/stack.c for the design (guard pages vs canaries, pooling).
 */
#ifndef RT_STACK_H
#define RT_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rt_stack {
    uintptr_t lo, hi;     /* usable range [lo, hi); lo == 0: no stack */
    struct rt_slab *slab; /* NULL: mapped on its own (main's) */
    bool guarded;         /* a PROT_NONE page sits just below lo */
} rt_stack;

/* Reads GORACE_STACK_KB; call before the first allocation (again: no-op). */
void rt_stack_init(void);
size_t rt_stack_size(void);
/* The arena that standard stacks come from, if any (rt/stack.c, "The
 * arena"): slot i is [base + i * slot, + slot), its stack the slot's top
 * rt_stack_size() bytes. Runs rt_stack_init if nobody has; fixed after. */
bool rt_stack_arena(uintptr_t *base, size_t *len, size_t *slot);

/* A stack of the standard size, or of `size` bytes if non-zero (main's). */
void rt_stack_alloc(rt_stack *s, size_t size);
/* n standard stacks at once (one lock); returns n. */
int rt_stack_alloc_n(rt_stack *out, int n);
/* Returns n standard stacks at once, the last one the hottest. */
void rt_stack_free_n(rt_stack *s, int n);
/* Returns a stack to the pool without a system call (a non-standard one is
 * unmapped); its pages go back to the OS at a later rt_stack_scavenge. */
void rt_stack_free(rt_stack *s);
/* Gives back the pages of stacks free since the previous call (all: every
 * free stack) and unmaps wholly free slabs; returns the bytes released.
 * Called by one thread only (sysmon). */
size_t rt_stack_scavenge(bool all);

/* Builds the first frame so that rt_ctx_switch to the result enters
 * entry() via rt_gogo_trampoline. */
void *rt_stack_first_frame(const rt_stack *s, void (*entry)(void));

/* False if the canary at the stack's low end was overwritten. */
bool rt_stack_canary_ok(const rt_stack *s);

/* True if a fault at addr is an overflow of s (guard page or just below). */
bool rt_stack_is_overflow(const rt_stack *s, uintptr_t addr);

/* Assembly (rt/arch): saves the current context into *save_sp, resumes
 * new_sp. */
void rt_ctx_switch(void **save_sp, void *new_sp);
void rt_gogo_trampoline(void);

#endif
