/*
 * Small pieces the detector shares: a spinlock for hooks (which may not
 * block), an open-addressing address map, and pc stacks captured with
 * libunwind now and symbolized at report time, printed in Go's layout with
 * the runtime's and the detector's own frames hidden.
 */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include "deadlock.h"

#include <libunwind.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../rt/traceback.h"
#include "../common/heap.h"

/* ---- spinlock ----------------------------------------------------------- */

void dl_spin_lock(dl_spin *l)
{
    for (int spins = 0; __atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE);) {
        while (__atomic_load_n(&l->v, __ATOMIC_RELAXED)) {
            if (spins++ < 100)
                __builtin_ia32_pause();
            else
                sched_yield();
        }
    }
}

void dl_spin_unlock(dl_spin *l)
{
    __atomic_store_n(&l->v, 0, __ATOMIC_RELEASE);
}

void *dl_alloc(size_t n)
{
    /* malloc and a memset, not calloc: glibc's calloc skips the per-thread
     * cache, and a record per spawn made it a third of the hook's cost. */
    void *p = det_heap_raw_alloc(n);
    if (p)
        memset(p, 0, n);
    if (!p) {
        static const char msg[] =
            "fatal error: gorace: detector out of memory\n";
        if (write(2, msg, sizeof msg - 1) < 0)
            _exit(2);
        _exit(2);
    }
    return p;
}

void dl_free(void *p)
{
    det_heap_raw_free(p);
}

/* ---- wait reasons ----------------------------------------------------------
 */

/* What each wait reason (hooks.h) means to the deadlock detector. */
dl_kind dl_reason_kind(int reason)
{
    switch ((rt_wait_reason)reason) {
    case RT_WAIT_MUTEX:
        return DL_K_MUTEX;
    case RT_WAIT_RWMUTEX_R:
        return DL_K_RLOCK;
    case RT_WAIT_RWMUTEX_W:
        return DL_K_WLOCK;
    case RT_WAIT_CHAN_RECV:
    case RT_WAIT_CHAN_SEND:
        return DL_K_CHAN;
    case RT_WAIT_CHAN_RECV_NIL:
    case RT_WAIT_CHAN_SEND_NIL:
    case RT_WAIT_SELECT_NO_CASES:
        return DL_K_NILCHAN;
    case RT_WAIT_SELECT:
        return DL_K_SELECT;
    case RT_WAIT_WG:
        return DL_K_WG;
    case RT_WAIT_COND:
        return DL_K_COND;
    case RT_WAIT_SEMACQUIRE:
        return DL_K_SEMA;
    case RT_WAIT_SLEEP:
    case RT_WAIT_IO: /* the world outside may wake it, as a timer may */
        return DL_K_SLEEP;
    case RT_WAIT_NONE:
        return DL_K_NONE;
    case RT_WAIT_FOREVER:
    case RT_WAIT_N:
        break;
    }
    return reason > 0 && reason < RT_WAIT_N ? DL_K_OTHER : DL_K_NONE;
}

/* ---- address map ---------------------------------------------------------
 * Linear probing with backward-shift deletion. */

static size_t map_slot(const dl_map *m, uintptr_t key)
{
    return (size_t)(((uint64_t)key * 0x9e3779b97f4a7c15ull) >> 17) &
           (m->cap - 1);
}

static void map_grow(dl_map *m)
{
    dl_map old = *m;
    m->cap = old.cap ? 2 * old.cap : 64;
    m->len = 0;
    m->keys = dl_alloc(m->cap * sizeof *m->keys);
    m->vals = dl_alloc(m->cap * sizeof *m->vals);
    for (size_t i = 0; i < old.cap; i++)
        if (old.keys[i])
            dl_map_put(m, old.keys[i], old.vals[i]);
    dl_free(old.keys);
    dl_free(old.vals);
}

static long map_find(const dl_map *m, uintptr_t key)
{
    if (!m->cap)
        return -1;
    for (size_t i = map_slot(m, key);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == key)
            return (long)i;
        if (!m->keys[i])
            return -1;
    }
}

void *dl_map_get(const dl_map *m, uintptr_t key)
{
    long i = map_find(m, key);
    return i < 0 ? NULL : m->vals[i];
}

void dl_map_put(dl_map *m, uintptr_t key, void *val)
{
    if ((m->len + 1) * 4 > m->cap * 3)
        map_grow(m);
    size_t i = map_slot(m, key);
    while (m->keys[i] && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (!m->keys[i])
        m->len++;
    m->keys[i] = key;
    m->vals[i] = val;
}

void *dl_map_del(dl_map *m, uintptr_t key)
{
    long at = map_find(m, key);
    if (at < 0)
        return NULL;
    void *val = m->vals[at];
    size_t mask = m->cap - 1, hole = (size_t)at;
    for (size_t j = (hole + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
        size_t home = map_slot(m, m->keys[j]);
        bool movable =
            hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
        if (movable) {
            m->keys[hole] = m->keys[j];
            m->vals[hole] = m->vals[j];
            hole = j;
        }
    }
    m->keys[hole] = 0;
    m->vals[hole] = NULL;
    m->len--;
    return val;
}

void dl_map_each(const dl_map *m,
                 void (*fn)(uintptr_t key, void *val, void *arg), void *arg)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i])
            fn(m->keys[i], m->vals[i], arg);
}

/* ---- stacks ---------------------------------------------------------------
 */

void dl_stack_capture(dl_stack *s, rt_hg *g, uintptr_t pc)
{
    /* A detector that tracks calls (the race detector, linked in by every
     * `gorace cc` build) knows the stack for the price of a copy. */
    size_t known = rt_hook_stack(g, pc, s->pc, DL_STACK_MAX);
    if (known) {
        s->n = (int)known;
        return;
    }
    /* unw_backtrace takes libunwind's fast path (a cached frame-shape
     * walk); stepping a cursor blocks signals around every step, which made
     * capturing a stack at each spawn and lock cost microseconds. It still
     * costs about a thousand instructions for ten frames. */
    void *pcs[DL_STACK_MAX];
    int n = unw_backtrace(pcs, DL_STACK_MAX);
    s->n = 0;
    for (int i = 0; i < n && pcs[i]; i++)
        s->pc[s->n++] = (uintptr_t)pcs[i];
}

static bool is_stack_end(const char *func)
{
    return strcmp(func, "rt_gogo_trampoline") == 0 ||
           strcmp(func, "__libc_start_call_main") == 0 ||
           strcmp(func, "__libc_start_main") == 0 ||
           strcmp(func, "start_thread") == 0;
}

void dl_stack_print(int fd, const dl_stack *s)
{
    int shown = 0;
    for (int i = 0; i < s->n; i++) {
        const char *func, *file, *module;
        int line;
        uintptr_t off;
        /* return addresses all: but unw_backtrace's first entry, an ip in
         * dl_stack_capture, which is never shown */
        rt_symbolize_module(s->pc[i], true, &func, &file, &line, &module, &off);
        if (is_stack_end(func))
            break;
        if (rt_frame_is_runtime(func, file))
            continue;
        rt_fdprintf(fd, "%s(...)\n", func);
        if (strcmp(file, "?") != 0)
            rt_fdprintf(fd, "\t%s:%d\n", dl_strip(file), line);
        else /* no line info: where the traceback would say it is */
            rt_fdprintf(fd, "\t%s+0x%lx\n", module ? module : "?",
                        (unsigned long)off);
        shown++;
        if (strcmp(func, "main") == 0)
            break;
    }
    if (!shown)
        rt_fdprintf(fd, "\t(no frames)\n");
}

/* Index of the first frame dl_stack_print would show, or -1. */
static int top_frame(const dl_stack *s, const char **func_out)
{
    for (int i = 0; i < s->n; i++) {
        const char *func, *file;
        int line;
        rt_symbolize(s->pc[i], true, &func, &file, &line);
        if (is_stack_end(func))
            break;
        if (!rt_frame_is_runtime(func, file)) {
            *func_out = func;
            return i;
        }
    }
    return -1;
}

const char *dl_stack_top_func(const dl_stack *s)
{
    const char *func = "?";
    top_frame(s, &func);
    return func;
}

uintptr_t dl_stack_top_pc(const dl_stack *s)
{
    const char *func;
    int i = top_frame(s, &func);
    return i < 0 ? 0 : s->pc[i];
}

size_t dl_traceback_saved_text(void *sp, char *buf, size_t len)
{
    buf[0] = 0;
    int fd = memfd_create("gorace-traceback", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    rt_traceback_saved(fd, sp);
    ssize_t n = pread(fd, buf, len - 1, 0);
    close(fd);
    if (n < 0)
        n = 0;
    buf[n] = 0;
    return (size_t)n;
}

bool dl_blocked_on_sync(const rt_ginfo *gi)
{
    if (gi->status != RT_GS_WAITING)
        return false;
    switch (dl_reason_kind(gi->wait_reason)) {
    case DL_K_MUTEX:
    case DL_K_RLOCK:
    case DL_K_WLOCK:
    case DL_K_CHAN:
    case DL_K_NILCHAN:
    case DL_K_SELECT:
    case DL_K_WG:
    case DL_K_COND:
    case DL_K_SEMA:
        return true;
    default:
        return false;
    }
}
