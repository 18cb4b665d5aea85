/*
 * The deadlock and leak detector's internal contract (detect/deadlock/).
 *
 *   engine.c  the hook table, options, per-goroutine records, the at-exit
 *             verdict (exit status 66 when anything was reported);
 *   locks.c   who holds which lock and who waits for which: lock cycles
 *             (fatal, the moment the cycle closes), the lock-order graph
 *             (potential deadlocks), Mutex misuse;
 *   leak.c    goroutine leaks: at exit (goleak's rule, with a grace period)
 *             and while running (conservative reachability, leakcheck.c's
 *             marking);
 *   mark.c    the conservative mark phase over data segments, stacks and
 *             the heap registry of detect/common/heap.c;
 *   util.c    a spinlock, an address map, pc stacks printed in Go's layout.
 *
 * Every table lives in memory from det_heap_raw_*, never in the heap
 * registry, and the few statics that point at them are excluded from the
 * roots: the detector's own records never make a user object reachable.
 */
#ifndef DL_DEADLOCK_H
#define DL_DEADLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../rt/hooks.h"

/* ---- options (GORACE="key=value ...") ---- */
enum { DL_MAX_IGNORE = 16 };
typedef struct dl_options {
    bool leaks;          /* leaks=1: report leaks at exit */
    int64_t grace_ns;    /* leak_grace_ms */
    int64_t interval_ms; /* leakcheck_interval: 0 off */
    int nignore;         /* leak_ignore=f1;f2 */
    char *ignore[DL_MAX_IGNORE];
    bool unlock_other;      /* unlock_other=1: warn (legal in Go, so opt-in) */
    bool lock_cycle;        /* lock_cycle=1 */
    bool lock_order;        /* lock_order=1 */
    const char *log_path;   /* log_path, as the race detector's */
    const char *strip_path; /* strip_path_prefix */
} dl_options;
extern dl_options dl_opt;

/* Where reports go (GORACE log_path: stderr, stdout or PATH.pid, the race
 * detector's file when it is linked in). */
int dl_out_fd(void);
/* file without the strip_path_prefix option's prefix. */
const char *dl_strip(const char *file);
/* Writes a rendered traceback, its file paths stripped. */
void dl_print_text(int fd, const char *text);

/* Reports made (exit status 66 at the end when non-zero). */
void dl_count_report(void);
int dl_reports(void);

/* Serialises reports so two blocks never interleave. */
void dl_report_begin(void);
void dl_report_end(void);

/* ---- util.c ---- */
typedef struct dl_spin {
    int v;
} dl_spin;
void dl_spin_lock(dl_spin *l);
void dl_spin_unlock(dl_spin *l);

/* uintptr_t -> void * (key 0 is reserved). */
typedef struct dl_map {
    size_t cap, len;
    uintptr_t *keys;
    void **vals;
} dl_map;
void *dl_map_get(const dl_map *m, uintptr_t key);
void dl_map_put(dl_map *m, uintptr_t key, void *val);
void *dl_map_del(dl_map *m, uintptr_t key);
void dl_map_each(const dl_map *m,
                 void (*fn)(uintptr_t key, void *val, void *arg), void *arg);

void *dl_alloc(size_t n); /* zeroed, never in the heap registry */
void dl_free(void *p);

enum { DL_STACK_MAX = 16 };
typedef struct dl_stack {
    int n;
    uintptr_t pc[DL_STACK_MAX];
} dl_stack;
/* The calling goroutine's stack, symbolized only when printed: g's at its
 * call site pc from a detector that tracks calls (rt_hook_stack), else
 * unwound here (libunwind; g NULL or pc 0 always unwinds). */
void dl_stack_capture(dl_stack *s, rt_hg *g, uintptr_t pc);
/* Go's layout, hiding runtime and detector frames. */
void dl_stack_print(int fd, const dl_stack *s);
/* The first frame dl_stack_print would show: its function, or "?"; its pc,
 * or 0 (a call site, e.g. to report a site once). */
const char *dl_stack_top_func(const dl_stack *s);
uintptr_t dl_stack_top_pc(const dl_stack *s);

/* A parked goroutine's stack rendered into buf (NUL-terminated) through
 * rt_traceback_saved; returns the length. */
size_t dl_traceback_saved_text(void *sp, char *buf, size_t len);

/* What a wait reason means to the detector (from Go's words). */
typedef enum dl_kind {
    DL_K_NONE,
    DL_K_MUTEX,   /* sync.Mutex.Lock */
    DL_K_RLOCK,   /* sync.RWMutex.RLock */
    DL_K_WLOCK,   /* sync.RWMutex.Lock */
    DL_K_CHAN,    /* chan send/receive */
    DL_K_NILCHAN, /* chan send/receive (nil chan), select (no cases) */
    DL_K_SELECT,
    DL_K_WG,
    DL_K_COND,
    DL_K_SEMA,
    DL_K_SLEEP,
    DL_K_OTHER, /* runtime-internal waits: never a leak */
} dl_kind;
dl_kind dl_reason_kind(int reason);
/* Waiting on a channel, select or sync object: the kind of wait that can
 * last forever (not sleeping, runnable or in a system call). */
bool dl_blocked_on_sync(const rt_ginfo *gi);

/* ---- engine.c: per-goroutine records ---- */
typedef struct dl_lockst dl_lockst; /* locks.c's: what a goroutine holds */
typedef struct dl_g {
    int64_t id, parent;
    dl_lockst *locks; /* NULL until it locks or waits for a lock */
    bool lock_wait;   /* parked in a lock wait dl_locks_block recorded */
    bool leak_reported;
    dl_stack created; /* the parent's stack at the go statement */
} dl_g;
/* The record of goroutine id, under dl_gs_lock(id). */
dl_g *dl_g_find(int64_t id);
void dl_gs_lock(int64_t id);
void dl_gs_unlock(int64_t id);

/* The id of the goroutine calling the at-exit hook (0: not exiting). */
extern int64_t dl_exiting_g;

/* ---- locks.c ---- */
/* slot: the goroutine's record's `locks` (NULL for code without a record:
 * then found by id g); hg and pc: the goroutine and its call site, for
 * dl_stack_capture. */
void dl_locks_mutex_lock(dl_lockst **slot, int64_t g, const void *m, int write,
                         rt_hg *hg, uintptr_t pc);
void dl_locks_mutex_unlock(dl_lockst **slot, int64_t g, const void *m,
                           int write, rt_hg *hg, uintptr_t pc);
void dl_locks_block(dl_lockst **slot, int64_t g, int reason, const void *obj);
void dl_locks_unblock(dl_lockst **slot, int64_t g);
void dl_locks_go_end(dl_lockst **slot, int64_t g);
bool dl_is_lock_wait(int reason);

/* ---- leak.c ---- */
void dl_leak_init(void);
void dl_leak_started(void);
int dl_leak_at_exit(int64_t g);

/* ---- mark.c ---- */
/* A goroutine as the mark phase sees it. */
typedef struct dl_mg {
    rt_ginfo gi;
    bool root;    /* its stack is scanned from the start */
    bool live;    /* its stack has been (or will be) scanned */
    uintptr_t lo; /* the scanned range [lo, hi) */
    uintptr_t hi;
} dl_mg;
/* Marks from the roots; on return gs[i].live says whether goroutine i could
 * still be woken (some wait object reachable). self_lo is the calling
 * goroutine's current stack top (or 0 if the caller is no goroutine).
 * Returns false if the heap registry is incomplete (no verdict). */
bool dl_mark(dl_mg *gs, size_t n, int64_t self, uintptr_t self_lo);

/* Address ranges the mark phase must not treat as roots. */
void dl_root_exclude(const void *p, size_t len);

#endif
