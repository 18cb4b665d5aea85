/*
 * The recording detector. Events go into one fixed array: a slot is claimed
 * with an atomic increment and filled, then marked complete, so readers see
 * whole events only and the order of slots is the order the runtime emitted
 * them in (per goroutine, program order; across threads, claim order).
 * When the buffer is full further events are counted but dropped.
 */
#include "record.h"

#include "../rt/hooks.h"

enum { CAP = 1 << 20 };

static det_event events[CAP];
static uint8_t complete[CAP];
static size_t next;

static void put(det_ev_kind kind, rt_hg *hg, const void *obj, int64_t arg)
{
    int64_t g = rt_hook_goid(hg);
    size_t i = __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);
    if (i >= CAP)
        return;
    events[i] = (det_event){kind, g, obj, arg};
    __atomic_store_n(&complete[i], 1, __ATOMIC_RELEASE);
}

static void on_create(rt_hg *parent, rt_hg *child, uintptr_t pc,
                      const char *file, int line, const char *func)
{
    (void)pc, (void)file, (void)line, (void)func;
    put(DET_GO_CREATE, parent, NULL, rt_hook_goid(child));
}
static void on_start(rt_hg *g)
{
    put(DET_GO_START, g, NULL, 0);
}
static void on_switch(rt_hg *g)
{
    put(DET_GO_SWITCH, g, NULL, 0);
}
static void on_end(rt_hg *g)
{
    put(DET_GO_END, g, NULL, 0);
}
static void on_block(rt_hg *g, int reason, const void *obj)
{
    put(DET_GO_BLOCK, g, obj, reason);
}
static void on_unblock(rt_hg *g, rt_hg *by)
{
    put(DET_GO_UNBLOCK, g, NULL, rt_hook_goid(by));
}
static void on_acquire(rt_hg *g, const void *a)
{
    put(DET_ACQUIRE, g, a, 0);
}
static void on_release(rt_hg *g, const void *a)
{
    put(DET_RELEASE, g, a, 0);
}
static void on_release_merge(rt_hg *g, const void *a)
{
    put(DET_RELEASE_MERGE, g, a, 0);
}
static void on_chan_make(rt_hg *g, const void *c, size_t elem, size_t cap)
{
    (void)elem;
    put(DET_CHAN_MAKE, g, c, (int64_t)cap);
}
static void on_chan_send(rt_hg *g, const void *c, long slot)
{
    put(DET_CHAN_SEND, g, c, slot);
}
static void on_chan_recv(rt_hg *g, const void *c, long slot)
{
    put(DET_CHAN_RECV, g, c, slot);
}
static void on_chan_close(rt_hg *g, const void *c)
{
    put(DET_CHAN_CLOSE, g, c, 0);
}
static void on_chan_free(rt_hg *g, const void *c)
{
    put(DET_CHAN_FREE, g, c, 0);
}
static void on_mutex_lock(rt_hg *g, const void *m, int w, uintptr_t pc)
{
    (void)pc;
    put(DET_MUTEX_LOCK, g, m, w);
}
static void on_mutex_unlock(rt_hg *g, const void *m, int w, uintptr_t pc)
{
    (void)pc;
    put(DET_MUTEX_UNLOCK, g, m, w);
}
static void on_wg_add(rt_hg *g, const void *wg, int64_t d)
{
    put(DET_WG_ADD, g, wg, d);
}
static void on_wg_wait(rt_hg *g, const void *wg)
{
    put(DET_WG_WAIT, g, wg, 0);
}
static void on_ctx_cancel(rt_hg *g, const void *c)
{
    put(DET_CTX_CANCEL, g, c, 0);
}
static void on_mem(rt_hg *g, const void *a, size_t n, int w, uintptr_t pc)
{
    (void)pc;
    put(DET_MEM_ACCESS, g, a, w ? (int64_t)n : -(int64_t)n);
}
static void on_timer(rt_hg *g, const void *t)
{
    put(DET_TIMER_FIRE, g, t, 0);
}
static void on_main_exit(rt_hg *g, int code)
{
    put(DET_MAIN_EXIT, g, NULL, code);
}
static void on_go_exit(rt_hg *g, int code)
{
    put(DET_GO_EXIT, g, NULL, code);
}

static const rt_hooks recorder = {
    .go_create = on_create,
    .go_start = on_start,
    .go_switch = on_switch,
    .go_end = on_end,
    .go_block = on_block,
    .go_unblock = on_unblock,
    .acquire = on_acquire,
    .release = on_release,
    .release_merge = on_release_merge,
    .chan_make = on_chan_make,
    .chan_send = on_chan_send,
    .chan_recv = on_chan_recv,
    .chan_close = on_chan_close,
    .chan_free = on_chan_free,
    .mutex_lock = on_mutex_lock,
    .mutex_unlock = on_mutex_unlock,
    .wg_add = on_wg_add,
    .wg_wait = on_wg_wait,
    .ctx_cancel = on_ctx_cancel,
    .mem_access = on_mem,
    .timer_fire = on_timer,
    .main_exit = on_main_exit,
    .go_exit = on_go_exit,
};

void det_record_clear(void)
{
    size_t n = __atomic_load_n(&next, __ATOMIC_ACQUIRE);
    for (size_t i = 0; i < n && i < CAP; i++)
        complete[i] = 0;
    __atomic_store_n(&next, 0, __ATOMIC_RELEASE);
}

void det_record_install(void)
{
    det_record_clear();
    rt_hooks_install(&recorder);
}

size_t det_record_count(void)
{
    size_t n = __atomic_load_n(&next, __ATOMIC_ACQUIRE);
    return n < CAP ? n : CAP;
}

det_event det_record_get(size_t i)
{
    /* A slot claimed by a still-running writer is waited for briefly. */
    while (!__atomic_load_n(&complete[i], __ATOMIC_ACQUIRE))
        __builtin_ia32_pause();
    return events[i];
}

const char *det_ev_name(det_ev_kind k)
{
    static const char *const names[DET_EV_N] = {
        "go_create",     "go_start",   "go_switch",  "go_end",
        "go_block",      "go_unblock", "acquire",    "release",
        "release_merge", "chan_make",  "chan_send",  "chan_recv",
        "chan_close",    "chan_free",  "mutex_lock", "mutex_unlock",
        "wg_add",        "wg_wait",    "ctx_cancel", "mem_access",
        "timer_fire",    "main_exit",  "go_exit",
    };
    return (unsigned)k < DET_EV_N ? names[k] : "?";
}
