/*
 * THE seam between the runtime and a detector.
 *
 * In the instrumented build (GORACE_INSTR defined) the runtime reports every
 * synchronisation event through the table a detector installs with
 * rt_hooks_install(). In the release build every RT_HOOK(...) compiles to
 * nothing, arguments included, so it costs nothing.
 *
 * Rules for a detector:
 *  - events arrive on the thread doing the operation, in program order for
 *    that goroutine; `g` is the goroutine doing it (an rt_hg: the
 *    detectors' slots; NULL in scheduler context, such as a timer
 *    firing), and the partner of a hand-off (sync_pair's peer, go_unblock's
 *    by, go_create's child) is passed the same way;
 *  - a hook must not block, park or call back into go_ functions;
 *  - acquire/release are the Go memory model's edges: release(addr) by one
 *    goroutine happens before a later acquire(addr) by another;
 *    release_merge keeps earlier releases (RWMutex readers, WaitGroup Done).
 *  - the detector never sees runtime structs: objects are opaque addresses.
 *
 * What else crosses the seam, all declared here:
 *  - per-goroutine state: rt_hooks_install returns the detector's index,
 *    and each goroutine's rt_hg has one pointer slot per index, so
 *    detectors need not agree on an install order for their slots (the
 *    order still decides the order of at_exit's verdicts) and keep no
 *    id tables: what a hook names, a detector reaches in O(1); a
 *    buffered channel carries the same (rt_hobj) for its slots;
 *  - vocabulary: rt_wait_reason (why a goroutine waits, as go_block and
 *    rt_ginfo carry it), rt_hook_stack_bounds (the running goroutine's
 *    stack, from the runtime rather than from GORACE_STACK_KB),
 *    rt_hook_stack_arena (where all goroutine stacks lie), and
 *    rt_frame_is_runtime (the one rule for hiding runtime and detector
 *    frames in tracebacks and reports);
 *  - queries: the live goroutines (rt_hook_goroutines), stopping the
 *    world, scheduling points in user code; and one a detector answers
 *    for the others, a goroutine's call stack (rt_hook_stack: the race
 *    detector's shadow stack spares the deadlock detector an unwind);
 *  - what is the runtime's: the scheduler's structures (Gs, Ms, sudogs)
 *    come from mmap, never malloc, so a detector that tracks malloc'd
 *    blocks (detect/common/heap.c) never sees them; channels, timers and
 *    contexts are malloc'd user-visible objects, as in Go's heap.
 * Options are not part of it: every component registers its GORACE
 * options with rt/options.h. detect/record.c records the event stream;
 * ctest record_events pins down what a small program emits, in order
 * (the events only it consumes, chan_* and wg_*, included).
 */
#ifndef RT_HOOKS_H
#define RT_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { RT_LOCK_READ = 0, RT_LOCK_MUTEX = 1, RT_LOCK_RW = 2 };

/* Why a goroutine waits (rt_ginfo.wait_reason, go_block's reason): the
 * runtime's own enum, so a detector switches on it instead of matching
 * rt_hook_wait_reason's words. */
typedef enum rt_wait_reason {
    RT_WAIT_NONE,
    RT_WAIT_CHAN_RECV,
    RT_WAIT_CHAN_SEND,
    RT_WAIT_CHAN_RECV_NIL,
    RT_WAIT_CHAN_SEND_NIL,
    RT_WAIT_SELECT,
    RT_WAIT_SELECT_NO_CASES,
    RT_WAIT_WG,
    RT_WAIT_MUTEX,
    RT_WAIT_RWMUTEX_R,
    RT_WAIT_RWMUTEX_W,
    RT_WAIT_COND,
    RT_WAIT_SLEEP,
    RT_WAIT_SEMACQUIRE,
    RT_WAIT_IO,      /* parked on fd readiness (rt/netpoll.c) */
    RT_WAIT_FOREVER, /* go_exit in progress, internal */
    RT_WAIT_N
} rt_wait_reason;

/* A goroutine as the hooks name it: one pointer slot per installed
 * detector (slot[idx] for the detector rt_hooks_install numbered idx),
 * zero when the goroutine is created, valid from its go_create until its
 * go_end. A detector keeps its per-goroutine state there and needs no
 * table of its own. NULL names no goroutine: scheduler context (a timer
 * firing) or a thread gorace did not start. */
enum { RT_HOOKS_MAX = 4 };
typedef struct rt_hg {
    void *slot[RT_HOOKS_MAX];
} rt_hg;

/* The same for a runtime object whose lock the runtime holds whenever it
 * reports on the object's parts (a buffered channel, for its slots): zero
 * when the object is made, the detector's own until obj_free. A detector
 * keeps there what it would otherwise look up by address, and needs no
 * lock of its own to use it. */
typedef struct rt_hobj {
    void *slot[RT_HOOKS_MAX];
} rt_hobj;

typedef struct rt_hooks {
    /* goroutine life */
    void (*go_create)(rt_hg *parent, rt_hg *child, uintptr_t pc,
                      const char *file, int line, const char *func);
    void (*go_start)(rt_hg *g);  /* first run of g */
    void (*go_switch)(rt_hg *g); /* g resumes on this thread */
    void (*go_end)(rt_hg *g);
    void (*go_block)(rt_hg *g, int reason, const void *obj);
    void (*go_unblock)(rt_hg *g, rt_hg *by);
    /* happens-before edges */
    void (*acquire)(rt_hg *g, const void *addr);
    void (*release)(rt_hg *g, const void *addr);
    void (*release_merge)(rt_hg *g, const void *addr);
    /* acquire then release_merge on addr in one step (Go's
     * racereleaseacquire: a buffered channel slot). Optional: without it
     * the runtime sends the two events. */
    void (*acquire_release)(rt_hg *g, const void *addr);
    /* acquire_release on part i of the n parts of the object that owns obj
     * (a buffered channel's slot i), at addr, the address a detector
     * without this entry is given instead. The runtime holds the object's
     * lock: calls for one obj never overlap, and nothing else is reported
     * on these addresses but their sync_free. Optional, as
     * acquire_release. */
    void (*acquire_release_part)(rt_hg *g, rt_hobj *obj, size_t i, size_t n,
                                 const void *addr);
    /* the object that owns obj is being freed (after its parts' sync_free):
     * let go of what obj holds */
    void (*obj_free)(rt_hg *g, rt_hobj *obj);
    /* release by g, acquire+release by peer, acquire by g, on addr, in one
     * step (Go's racesync: an unbuffered hand-off orders both parties both
     * ways; peer is parked). Optional, as acquire_release. */
    void (*sync_pair)(rt_hg *g, rt_hg *peer, const void *addr);
    /* channels: slot is the buffer index used, -1 for a direct hand-off */
    void (*chan_make)(rt_hg *g, const void *c, size_t elem, size_t cap);
    void (*chan_send)(rt_hg *g, const void *c, long slot);
    void (*chan_recv)(rt_hg *g, const void *c, long slot);
    void (*chan_close)(rt_hg *g, const void *c);
    void (*chan_free)(rt_hg *g, const void *c);
    /* addr no longer names a sync object: forget what was released on it
     * (sent for each buffer slot of a channel being freed, before
     * chan_free, so that memory reused later starts with no history) */
    void (*sync_free)(rt_hg *g, const void *addr);
    /* sync: write is RT_LOCK_READ (RWMutex.RLock), RT_LOCK_MUTEX or
     * RT_LOCK_RW (RWMutex.Lock); non-zero means exclusive. pc is the
     * user's call site, 0 when the runtime locks on the user's behalf
     * (Cond.Wait, Once, a semaphore's own mutex). */
    void (*mutex_lock)(rt_hg *g, const void *m, int write, uintptr_t pc);
    void (*mutex_unlock)(rt_hg *g, const void *m, int write, uintptr_t pc);
    void (*wg_add)(rt_hg *g, const void *wg, int64_t delta);
    void (*wg_wait)(rt_hg *g, const void *wg);
    void (*ctx_cancel)(rt_hg *g, const void *ctx);
    /* the runtime touching user memory on g's behalf (chan copies) */
    void (*mem_access)(rt_hg *g, const void *addr, size_t size, int write,
                       uintptr_t pc);
    void (*timer_fire)(rt_hg *g, const void *timer);
    /* program end: main returned (code) or go_exit(code) */
    void (*main_exit)(rt_hg *g, int code);
    void (*go_exit)(rt_hg *g, int code);
    /* The last word on the exit status. Runs on the goroutine that ends the
     * program (main, or the caller of go_exit) after main_exit/go_exit and
     * before anything stops, so it may block (a leak check's grace period
     * uses go_sleep) and print; returns the status to exit with (66 when
     * the detector reported something). Tables run in install order, each
     * given the previous one's result. */
    int (*at_exit)(rt_hg *g, int code, int from_go_exit);
    /* A query, not an event: g's call stack at pc, its own call site, into
     * out (innermost first: pc, then the return address in each caller);
     * the frame count, or 0 when the detector does not track g's calls.
     * One that does (the race detector's shadow stack) spares the others
     * an unwind per spawn and per lock: see rt_hook_stack. */
    size_t (*stack)(rt_hg *g, uintptr_t pc, uintptr_t *out, size_t max);
    /* A property, not an event: a dead goroutine's stack may go only to
     * its G's next goroutine, not back to the pool for any other. For a
     * detector that must order a stack's owners (the TSan engine), since
     * an edge between every two goroutines that took turns on one stack
     * would hide races between them. */
    bool stack_stays_with_g;
} rt_hooks;

/* Installs a detector's table (NULL entries are skipped) and returns its
 * index: the detector's own slot in every goroutine's rt_hg. Up to
 * RT_HOOKS_MAX tables, e.g. the race detector and the deadlock detector;
 * every event goes to each, in install order. */
int rt_hooks_install(const rt_hooks *h);
/* Does any installed table set stack_stays_with_g? */
bool rt_hooks_stack_stays_with_g(void);

#ifdef GORACE_INSTR
extern const rt_hooks *rt_hooks_tables[RT_HOOKS_MAX];
extern int rt_hooks_count;
#define RT_HOOK(ev, ...)                                                       \
    do {                                                                       \
        for (int i_ = 0; i_ < rt_hooks_count; i_++) {                          \
            const rt_hooks *h_ = rt_hooks_tables[i_];                          \
            if (h_->ev)                                                        \
                h_->ev(__VA_ARGS__);                                           \
        }                                                                      \
    } while (0)
#else
#define RT_HOOK(ev, ...) ((void)0)
#endif

/* The fused events, sent to each table as its one entry or, where it has
 * none, as the events they stand for (acquire then release, or
 * release_merge when merge; acquire_release for a part; racesync's four).
 * Use them through RT_HOOK_FUSED so that the release build compiles them
 * away, arguments included. */
void rt_hooks_acquire_release(rt_hg *g, const void *addr, bool merge);
void rt_hooks_acquire_release_part(rt_hg *g, rt_hobj *obj, size_t i, size_t n,
                                   const void *addr);
void rt_hooks_sync_pair(rt_hg *g, rt_hg *peer, const void *addr);
#ifdef GORACE_INSTR
#define RT_HOOK_FUSED(fn, ...) rt_hooks_##fn(__VA_ARGS__)
#else
#define RT_HOOK_FUSED(fn, ...) ((void)0)
#endif

/* Runs the at_exit chain (both builds; without tables it returns code). */
int rt_hooks_at_exit(rt_hg *g, int code, int from_go_exit);

/* Threads (rt/threads.c). A detector's own thread calls
 * rt_hook_own_thread(1) first thing and (-1) before it ends, so that it
 * does not count as a thread gorace did not start; rt_hook_foreign_threads
 * says how many such threads are alive (an overestimate, never an
 * underestimate): while there are any, a goroutine blocked on an object no
 * goroutine can reach may still be woken by one of them. */
void rt_hook_own_thread(int delta);
int rt_hook_foreign_threads(void);

/* One thread at a time. rt_hook_parallel counts the threads beyond one that
 * may be running user code or hooks now: Ms that run goroutines (one
 * counts from the first goroutine it runs after sleeping until it has
 * slept a short grace, so an idle P, and an M that wakes, spins and finds
 * nothing, do not count), and threads a detector counts itself
 * (rt_hook_parallel_add: the program's own pthreads; rt_hook_parallel_enter:
 * any other thread, for one hook). It is -1 while no thread runs anything.
 * While it is zero, hooks and instrumented code run on one thread at a time,
 * and a detector may skip the fences and locked instructions that keep two
 * threads apart.
 *
 * A detector does so in a solo section: it adds RT_PIN_SOLO to its M's pin
 * word (rt_hook_pin_word: NULL on a thread that is not an M), reads the
 * count, and if it is zero works plainly until it takes RT_PIN_SOLO off
 * again. A plain read suffices because whoever raises the count does so
 * either on a counted thread, before a second can start (the pthreads),
 * or before a process-wide barrier, after which it waits until no pin
 * word holds RT_PIN_SOLO (rt_hook_parallel_enter: an M about to run
 * goroutines, an M firing timers without a P, a foreign thread). Whoever
 * lowers the count does so after its thread's last hook. An M that is not
 * counted carries RT_PIN_IDLE in its pin word: it opens no solo section,
 * and a hook it calls (a timer it fires, a goroutine it readies) counts
 * itself as a foreign thread's does. Maintained in the instrumented build
 * only. */
enum {
    RT_PIN_SOLO = 1u << 16, /* the runtime's own pins stay below */
    RT_PIN_IDLE = 1u << 31,
};
extern int32_t rt_hook_parallel;
/* Raised whenever the count changes: after a count-in, before a
 * count-out. A detector that read the cells it is about to store over may
 * store plainly (the count zero) only if this has not moved since that
 * read: another thread may have been counted meanwhile, stored a cell and
 * stopped. */
extern uint32_t rt_hook_parallel_gen;
void rt_hook_parallel_add(int32_t delta);
uint32_t *rt_hook_pin_word(void);
/* Counts the calling thread as one more running hooks (a thread neither
 * the runtime nor the detector counts otherwise), returning once no solo
 * section is under way; leave uncounts it. */
void rt_hook_parallel_enter(void);
void rt_hook_parallel_leave(void);
#ifdef GORACE_INSTR
#define RT_PARALLEL_ADD(d) rt_hook_parallel_add(d)
#else
#define RT_PARALLEL_ADD(d) ((void)0)
#endif

/* The running goroutine (NULL in scheduler context): what the runtime
 * passes as the hooks' g, and where a detector's __tsan_* callbacks find
 * their state on every memory access. */
rt_hg *rt_hook_cur(void);
/* Go's goroutine id of g, for reports (0 for NULL). */
int64_t rt_hook_goid(const rt_hg *g);

/* g's call stack at its call site pc, from the first installed table that
 * tracks g's calls (rt_hooks.stack); 0 when none does, or when g is NULL
 * or pc is 0: the caller unwinds itself then. g must be the running
 * goroutine. */
size_t rt_hook_stack(rt_hg *g, uintptr_t pc, uintptr_t *out, size_t max);

/* ---- queries a detector may make (not events: call them, from a goroutine
 * or a hook, never from a signal handler) ---- */

enum { RT_GS_RUNNABLE = 1, RT_GS_RUNNING, RT_GS_SYSCALL, RT_GS_WAITING };
enum { RT_GINFO_MAX_OBJS = 16 };

/* A snapshot of one live goroutine. */
typedef struct rt_ginfo {
    rt_hg *g; /* its slots: valid while the world is stopped or it waits */
    int64_t id, parent;
    int status;         /* RT_GS_* */
    int wait_reason;    /* when waiting: see rt_hook_wait_reason */
    int64_t wait_since; /* go_now() clock, when waiting */
    /* what it waits on: the sync object, or a select's channels */
    int nobjs;
    const void *objs[RT_GINFO_MAX_OBJS];
    /* where it was created: pc, and GO()'s file/line/func when known */
    uintptr_t create_pc;
    const char *create_file, *create_func;
    int create_line;
    /* its stack: [sp, stack_hi) is live, saved registers included, when it
     * is not running (sp == NULL while it runs or has not started) */
    void *sp;
    uintptr_t stack_lo, stack_hi;
    /* the argument of its function: a goroutine that has not started yet
     * holds its references only here */
    const void *start_arg;
} rt_ginfo;

/* The running goroutine's stack, [lo, hi) (false in scheduler context):
 * the runtime's own bounds, whatever GORACE_STACK_KB says (main's stack is
 * larger than the others). */
bool rt_hook_stack_bounds(uintptr_t *lo, uintptr_t *hi);

/* Where goroutine stacks live (false: nowhere in particular): stack slot i
 * is [base + i * slot, + slot) of [base, base + len), its stack at the
 * slot's top. Fixed from the first call, which may come from a detector's
 * constructor. A shadow map can then keep all stack tops side by side
 * (rt/stack.c, "The arena"). */
bool rt_hook_stack_arena(uintptr_t *base, size_t *len, size_t *slot);

/* Calls fn for every live goroutine (not dead ones), in creation order.
 * Fields of goroutines that run meanwhile may be stale: stop the world for
 * a consistent picture. */
void rt_hook_goroutines(void (*fn)(const rt_ginfo *gi, void *arg), void *arg);

/* Is this frame the runtime's or a detector's (hidden from tracebacks and
 * reports, as Go hides runtime.*)? By source file: gorace's rt/ and
 * detect/ (less detect's test programs); without line info, by name. The
 * one rule tracebacks, race reports and deadlock reports share. */
bool rt_frame_is_runtime(const char *func, const char *file);

/* Go's words for a wait reason: "chan receive", "sync.Mutex.Lock", ... */
const char *rt_hook_wait_reason(int reason);

/* Stops every other goroutine at its next scheduling point (it keeps no
 * goroutine from running that is already blocked). False if some goroutine
 * did not stop within timeout_ns (it is busy in a loop): the world is then
 * partly stopped; call rt_hook_start_the_world either way. Stops by two
 * detectors at once nest. An M waiting for the world to start again stops
 * counting in rt_hook_parallel: once all have, the caller may open a solo
 * section. */
bool rt_hook_stop_the_world(int64_t timeout_ns);
void rt_hook_start_the_world(void);

/* Scheduling points in user code. The race detector calls
 * rt_user_sched_point at the compiler's callbacks: function entries
 * (RT_POINT_CALL) and atomics (RT_POINT_ATOMIC), before it does anything
 * else. Free-running, a goroutine that sysmon found running past its time
 * slice yields there (Go's pre-1.14 prologue check); in seeded mode atomics
 * are scheduling points like channel operations, and calls are drawn from
 * the seed. One load and a branch otherwise. */
enum { RT_POINT_CALL, RT_POINT_ATOMIC };
extern uint32_t rt_sched_armed;
void rt_user_sched_point_slow(int kind);
static inline void rt_user_sched_point(int kind)
{
    if (__builtin_expect(__atomic_load_n(&rt_sched_armed, __ATOMIC_RELAXED), 0))
        rt_user_sched_point_slow(kind);
}

#endif
