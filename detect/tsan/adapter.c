/*
 * The TSan engine: drives the real ThreadSanitizer runtime (LLVM 14's, TSan
 * v3) from the runtime's hooks (rt/hooks.h), so gorace's own detector has an
 * independent oracle to be checked against.
 *
 * Goroutines are TSan fibers. Every goroutine gets a fiber, created at
 * go_create in the creator's context and named "goroutine N". Creating a
 * fiber is itself a happens-before edge from the creator (TSan's
 * ThreadCreate hands the creator's clock to the new fiber), which is exactly
 * Go's "the go statement happens before the goroutine starts"; the
 * adapter adds nothing on top of it.
 *
 * Switching. A thread runs one TSan context at a time: its own thread state
 * (the scheduler context, g0, captured with __tsan_get_current_fiber the
 * first time the thread is seen) or the fiber of the goroutine it runs.
 * Every switch passes __tsan_switch_to_fiber flag 1 (no sync): without it
 * each switch would be an edge and goroutines sharing a thread would never
 * race. The invariant that keeps TSan's per-thread state sane is that a
 * fiber is current on at most one thread, so a goroutine's fiber is dropped
 * as soon as the goroutine stops running:
 *   go_switch(g)  g resumes here: enter its fiber (g == 0: back to g0);
 *   go_block(g)   g is about to park: back to g0 before the park's commit
 *                 lets anyone else wake g;
 *   go_end(g)     g finished: back to g0, then destroy its fiber.
 *
 * Edges. acquire/release become __tsan_acquire/__tsan_release on the same
 * address. TSan's __tsan_release is a merge (the thread's clock is joined
 * into the sync object's), so release and release_merge are the same call;
 * Go's plain release is a store, so this engine sees a superset of Go's
 * edges: it may miss a race Go reports, never the other way round.
 *
 * Passive parties. An event may be about a goroutine other than the
 * running one: the parked partner of a channel hand-off acquires and
 * releases the channel on its own behalf. The runtime emits such events
 * only while the partner is parked and dequeued under the object's lock, so
 * its fiber is current nowhere (go_block left it) and nobody else may touch
 * it: the adapter enters the partner's fiber, performs the edge as the
 * partner, and returns to its own context. That is exact, as Go's race
 * runtime acting on the partner's racectx, where approximating through the
 * running goroutine's clock would add edges.
 *
 * Reused stacks. A dead goroutine's stack is handed to a later goroutine.
 * A thread's stack shadow is reset when the thread exits; a fiber's is not,
 * and there is no interface to reset it. So the goroutine that gave a stack
 * up releases a token that lives at a fixed point of the stack (its first
 * frame), and the next goroutine to start on that stack acquires it: the
 * old owner's accesses to its locals happen before the new owner's. The
 * price is an edge between those two goroutines only.
 *
 * Exit. TSan reports at process exit by itself and then exits with its
 * exitcode (66 by default) when anything was reported, overriding main's
 * status. go_exit skips atexit handlers, so that path is done here, as
 * Go's os.Exit under -race: status 0 with races found becomes 66.
 *
 * The adapter is compiled without -fsanitize=thread: its own loads and
 * stores are invisible to TSan, and it synchronises with atomics only
 * (a pthread mutex would be intercepted and become an edge between every
 * goroutine passing through it).
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../rt/hooks.h"

/* The TSan interface (sanitizer/tsan_interface.h, declared here so the
 * adapter builds with any compiler). */
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
void __tsan_set_fiber_name(void *fiber, const char *name);
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
void __tsan_read_range_pc(void *addr, unsigned long size, void *pc);
void __tsan_write_range_pc(void *addr, unsigned long size, void *pc);
int __tsan_get_report_data(void *report, const char **description, int *count,
                           int *stack_count, int *mop_count, int *loc_count,
                           int *mutex_count, int *thread_count,
                           int *unique_tid_count, void **sleep_trace,
                           unsigned long trace_size);

enum { TSAN_SWITCH_NO_SYNC = 1 };

/* ---- per-goroutine state ------------------------------------------------ */

typedef struct gstate {
    int64_t id;
    void *fiber;
    void *stack_token; /* first-frame address on its stack, 0 until started */
    struct gstate *next_free;
} gstate;

/* gstates come from mmap'd chunks and are recycled, never freed: malloc
 * would be intercepted and a free on another goroutine than the allocating
 * one would look like a race to TSan. */
enum { CHUNK_BYTES = 1 << 20 };

static gstate *_Atomic free_list;
static atomic_flag chunk_lock = ATOMIC_FLAG_INIT;
static char *chunk_next, *chunk_end;

static void *map_zeroed(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        static const char msg[] = "gorace/tsan: out of memory\n";
        if (write(2, msg, sizeof msg - 1) < 0)
            abort();
        abort();
    }
    return p;
}

static void spin_lock(atomic_flag *f)
{
    while (atomic_flag_test_and_set_explicit(f, memory_order_acquire))
        __builtin_ia32_pause();
}

static void spin_unlock(atomic_flag *f)
{
    atomic_flag_clear_explicit(f, memory_order_release);
}

/* Pops under chunk_lock, which also rules out ABA on the free list. */
static gstate *gstate_alloc(void)
{
    spin_lock(&chunk_lock);
    gstate *s = atomic_load_explicit(&free_list, memory_order_relaxed);
    if (s) {
        atomic_store_explicit(&free_list, s->next_free, memory_order_relaxed);
    } else {
        if (chunk_next == chunk_end) {
            chunk_next = map_zeroed(CHUNK_BYTES);
            chunk_end =
                chunk_next + CHUNK_BYTES / sizeof(gstate) * sizeof(gstate);
        }
        s = (gstate *)chunk_next;
        chunk_next += sizeof(gstate);
    }
    spin_unlock(&chunk_lock);
    memset(s, 0, sizeof *s);
    return s;
}

static void gstate_free(gstate *s)
{
    spin_lock(&chunk_lock);
    s->next_free = atomic_load_explicit(&free_list, memory_order_relaxed);
    atomic_store_explicit(&free_list, s, memory_order_relaxed);
    spin_unlock(&chunk_lock);
}

/* Our index among the installed detectors: our slot in every rt_hg. */
static int hook_idx;

static gstate *state_of(rt_hg *g)
{
    return g ? g->slot[hook_idx] : NULL;
}

/* ---- which TSan context this thread runs --------------------------------- */

static __thread void *t_g0;    /* the thread's own TSan state */
static __thread gstate *t_cur; /* goroutine whose fiber is current; NULL: g0 */

/* Called only while the thread's own state is current. */
static void note_g0(void)
{
    if (!t_g0)
        t_g0 = __tsan_get_current_fiber();
}

static void enter(gstate *s)
{
    if (t_cur == s)
        return;
    if (!t_cur)
        note_g0();
    __tsan_switch_to_fiber(s->fiber, TSAN_SWITCH_NO_SYNC);
    t_cur = s;
}

static void leave(void)
{
    if (!t_cur)
        return;
    __tsan_switch_to_fiber(t_g0, TSAN_SWITCH_NO_SYNC);
    t_cur = NULL;
}

/* Makes goroutine g's context current for one event; returns the context
 * to restore with act_end, or, for the scheduler context, drops any fiber
 * for good: an event from g0 proves the goroutine has stopped. Returns
 * false when g is unknown (not created under this engine). */
typedef struct {
    gstate *prev;
    bool borrowed;
} act;

static bool act_begin(rt_hg *g, act *a)
{
    a->prev = t_cur;
    a->borrowed = false;
    if (!g) {
        leave();
        note_g0();
        a->prev = NULL;
        return true;
    }
    gstate *s = state_of(g);
    if (s && t_cur == s)
        return true;
    if (!s)
        return false;
    enter(s);
    a->borrowed = true;
    return true;
}

static void act_end(const act *a)
{
    if (!a->borrowed)
        return;
    if (a->prev)
        enter(a->prev);
    else
        leave();
}

/* ---- goroutine life ------------------------------------------------------ */

static void on_create(rt_hg *parent, rt_hg *child, uintptr_t pc,
                      const char *file, int line, const char *func)
{
    (void)pc, (void)file, (void)line, (void)func;
    act a;
    if (!act_begin(parent, &a))
        act_begin(NULL, &a);
    gstate *s = gstate_alloc();
    s->id = rt_hook_goid(child);
    s->fiber = __tsan_create_fiber(0);
    char name[32];
    snprintf(name, sizeof name, "goroutine %lld", (long long)s->id);
    __tsan_set_fiber_name(s->fiber, name);
    child->slot[hook_idx] = s;
    act_end(&a);
}

static void on_switch(rt_hg *g)
{
    gstate *s = state_of(g);
    if (s)
        enter(s);
    else
        leave();
}

static void on_start(rt_hg *g)
{
    gstate *s = state_of(g);
    if (!s)
        return;
    enter(s);
    /* This frame sits at the same depth on every goroutine's stack, so its
     * address names the stack. */
    s->stack_token = __builtin_frame_address(0);
    __tsan_acquire(s->stack_token);
}

static void on_block(rt_hg *g, int reason, const void *obj)
{
    (void)g, (void)reason, (void)obj;
    leave();
}

static void on_end(rt_hg *g)
{
    gstate *s = state_of(g);
    if (!s)
        return;
    if (s->stack_token) {
        enter(s);
        __tsan_release(s->stack_token);
    }
    leave();
    note_g0();
    g->slot[hook_idx] = NULL;
    __tsan_destroy_fiber(s->fiber);
    gstate_free(s);
}

/* ---- edges and accesses -------------------------------------------------- */

static void on_acquire(rt_hg *g, const void *addr)
{
    act a;
    if (!act_begin(g, &a))
        return;
    __tsan_acquire((void *)addr);
    act_end(&a);
}

static void on_release(rt_hg *g, const void *addr)
{
    act a;
    if (!act_begin(g, &a))
        return;
    __tsan_release((void *)addr);
    act_end(&a);
}

static void on_mem_access(rt_hg *g, const void *addr, size_t size, int write,
                          uintptr_t pc)
{
    act a;
    if (!act_begin(g, &a))
        return;
    if (write)
        __tsan_write_range_pc((void *)addr, size, (void *)pc);
    else
        __tsan_read_range_pc((void *)addr, size, (void *)pc);
    act_end(&a);
}

/* ---- reports and exit ---------------------------------------------------- */

static atomic_int races_found;

/* TSan calls this for every report it prints (a strong definition
 * replaces the runtime's weak one). */
void __tsan_on_report(void *report);
void __tsan_on_report(void *report)
{
    const char *what = "";
    int count = 0, stacks = 0, mops = 0, locs = 0, mutexes = 0, threads = 0,
        tids = 0;
    void *trace[1];
    __tsan_get_report_data(report, &what, &count, &stacks, &mops, &locs,
                           &mutexes, &threads, &tids, trace, 1);
    if (strcmp(what, "data-race") == 0)
        atomic_fetch_add(&races_found, 1);
}

static void on_go_exit(rt_hg *g, int code)
{
    (void)g;
    int n = atomic_load(&races_found);
    if (code != 0 || n == 0)
        return;
    fflush(NULL);
    char msg[64];
    int len = snprintf(msg, sizeof msg, "Found %d data race(s)\n", n);
    if (write(2, msg, (size_t)len) < 0)
        _exit(66);
    _exit(66);
}

/* TSan's defaults for gorace programs (TSAN_OPTIONS still overrides):
 *  - ignore_interceptors_accesses: the runtime is not instrumented, but its
 *    libc calls are intercepted, and a channel's memcpy into a parked
 *    receiver's variable would count as the sender's write. The runtime
 *    reports those copies itself, on the right goroutine's behalf, through
 *    mem_access. This also keeps malloc/free from imitating accesses on
 *    memory the runtime recycles across goroutines without visible sync.
 *    A program's own memcpy/memset calls go unchecked as a result;
 *  - atexit_sleep_ms=0: goroutines are abandoned when main returns, as in
 *    Go, so there is nothing to wait for at exit. */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "ignore_interceptors_accesses=1:atexit_sleep_ms=0";
}

static const rt_hooks tsan_hooks = {
    .go_create = on_create,
    .go_start = on_start,
    .go_switch = on_switch,
    .go_end = on_end,
    .go_block = on_block,
    .acquire = on_acquire,
    .release = on_release,
    .release_merge = on_release,
    .mem_access = on_mem_access,
    .go_exit = on_go_exit,
    .stack_stays_with_g = true, /* see "Reused stacks" */
};

/* Referenced by the link line (-Wl,-u,gorace_tsan_engine) so this object
 * is pulled out of the archive: nothing else names it. */
const char gorace_tsan_engine[] = "tsan";

__attribute__((constructor)) static void install(void)
{
    hook_idx = rt_hooks_install(&tsan_hooks);
}
