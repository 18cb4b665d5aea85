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
 *    that goroutine; `g` is the goroutine id (0: scheduler context, such as a
 *    timer firing);
 *  - a hook must not block, park or call back into go_ functions;
 *  - acquire/release are the Go memory model's edges: release(addr) by one
 *    goroutine happens before a later acquire(addr) by another;
 *    release_merge keeps earlier releases (RWMutex readers, WaitGroup Done).
 *  - the detector never sees runtime structs: objects are opaque addresses.
 */
#ifndef RT_HOOKS_H
#define RT_HOOKS_H

#include <stddef.h>
#include <stdint.h>

typedef struct rt_hooks {
    /* goroutine life */
    void (*go_create)(int64_t parent, int64_t child, uintptr_t pc,
                      const char *file, int line, const char *func);
    void (*go_start)(int64_t g);  /* first run of g */
    void (*go_switch)(int64_t g); /* g resumes on this thread */
    void (*go_end)(int64_t g);
    void (*go_block)(int64_t g, int reason, const void *obj);
    void (*go_unblock)(int64_t g, int64_t by);
    /* happens-before edges */
    void (*acquire)(int64_t g, const void *addr);
    void (*release)(int64_t g, const void *addr);
    void (*release_merge)(int64_t g, const void *addr);
    /* channels: slot is the buffer index used, -1 for a direct hand-off */
    void (*chan_make)(int64_t g, const void *c, size_t elem, size_t cap);
    void (*chan_send)(int64_t g, const void *c, long slot);
    void (*chan_recv)(int64_t g, const void *c, long slot);
    void (*chan_close)(int64_t g, const void *c);
    void (*chan_free)(int64_t g, const void *c);
    /* sync */
    void (*mutex_lock)(int64_t g, const void *m, int write);
    void (*mutex_unlock)(int64_t g, const void *m, int write);
    void (*wg_add)(int64_t g, const void *wg, int64_t delta);
    void (*wg_wait)(int64_t g, const void *wg);
    void (*ctx_cancel)(int64_t g, const void *ctx);
    /* the runtime touching user memory on g's behalf (chan copies) */
    void (*mem_access)(int64_t g, const void *addr, size_t size, int write,
                       uintptr_t pc);
    void (*timer_fire)(int64_t g, const void *timer);
    /* program end: main returned (code) or go_exit(code) */
    void (*main_exit)(int64_t g, int code);
    void (*go_exit)(int64_t g, int code);
} rt_hooks;

/* Installs the detector's table (NULL entries are skipped). */
void rt_hooks_install(const rt_hooks *h);

#ifdef GORACE_INSTR
extern const rt_hooks *rt_hooks_table;
#define RT_HOOK(ev, ...)                                                       \
    do {                                                                       \
        const rt_hooks *h_ = rt_hooks_table;                                   \
        if (h_ && h_->ev)                                                      \
            h_->ev(__VA_ARGS__);                                               \
    } while (0)
#else
#define RT_HOOK(ev, ...) ((void)0)
#endif

/* Goroutine id for hook arguments: 0 in scheduler context. */
int64_t rt_hook_gid(void);

/* A pointer-sized slot in the running goroutine that belongs to the
 * detector (NULL in scheduler context): O(1) access to per-goroutine state
 * on every instrumented memory access. Zeroed when a goroutine is created. */
void **rt_hook_gslot(void);

#endif
