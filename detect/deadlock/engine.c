/*
 * The deadlock and leak detector: its hook table and the verdict at exit.
 *
 * Nothing in a user program calls into this library, so the link line
 * names gorace_deadlock_engine (-Wl,-u,gorace_deadlock_engine) to pull this
 * file in; its constructor installs the hook table before go_run starts any
 * goroutine, and everything else is reached from the hooks.
 *
 * Options come from GORACE through the registry (rt/options.h):
 *   leaks=1               report goroutines blocked when main returns
 *   leak_grace_ms=100     how long blocked goroutines get to finish first
 *   leak_ignore=f1;f2     (or f1,f2) never report a goroutine whose top frame
 * is f1/f2 leakcheck_interval=0  ms between reachability checks while running
 *   unlock_other=0        1: warn, once per call site, when a
 *                         Mutex is unlocked by a goroutine that did not
 *                         lock it; legal in Go (a binary semaphore), so
 *                         off by default
 *   lock_cycle=1          fatal error when a lock wait closes a cycle
 *   lock_order=1          report lock-order inversions
 *   log_path, strip_path_prefix: as the race detector's (one file for both)
 *
 * The exit status is 66 when anything was reported, as for a data race.
 */
#include "deadlock.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../rt/options.h"
#include "../../rt/traceback.h"

#include "../common/heap.h"
#include "../common/recycler.h"

/* The symbol the link line keeps (-Wl,-u,gorace_deadlock_engine). */
const int gorace_deadlock_engine = 1;

dl_options dl_opt = {
    .leaks = true,
    .grace_ns = 100 * 1000000LL,
    .lock_cycle = true,
    .lock_order = true,
};

int64_t dl_exiting_g;

static int nreports;
static dl_spin report_lock;
/* Goroutine id -> dl_g, for the leak reports, which name goroutines by id.
 * Sharded by id (ids come to a P sixteen at a time, so neighbours spread),
 * so that spawns and exits on two Ps do not meet at one lock. Each hook
 * reaches its own goroutine's record through the hook slot, never here. */
enum { GS_SHARDS = 64 };
static struct gs_shard {
    dl_spin lock;
    dl_map map;
} __attribute__((aligned(64))) gs[GS_SHARDS];
static int hook_idx;

void dl_count_report(void)
{
    __atomic_add_fetch(&nreports, 1, __ATOMIC_SEQ_CST);
}

int dl_reports(void)
{
    return __atomic_load_n(&nreports, __ATOMIC_SEQ_CST);
}

void dl_report_begin(void)
{
    dl_spin_lock(&report_lock);
}

void dl_report_end(void)
{
    dl_spin_unlock(&report_lock);
}

/* ---- options ------------------------------------------------------------ */

/* The deadlock detector's GORACE options (rt/options.h). */
static struct {
    int64_t grace_ms;
    const char *ignore;
} raw = {.grace_ms = 100};

static const rt_option options[] = {
    {"leaks", RT_OPT_BOOL, &dl_opt.leaks, 0, 0, NULL},
    {"leak_grace_ms", RT_OPT_INT, &raw.grace_ms, 0, 1000000000, NULL},
    {"leak_ignore", RT_OPT_STR, &raw.ignore, 0, 0, NULL},
    {"leakcheck_interval", RT_OPT_INT, &dl_opt.interval_ms, 0, 1000000000,
     NULL},
    {"unlock_other", RT_OPT_BOOL, &dl_opt.unlock_other, 0, 0, NULL},
    {"lock_cycle", RT_OPT_BOOL, &dl_opt.lock_cycle, 0, 0, NULL},
    {"lock_order", RT_OPT_BOOL, &dl_opt.lock_order, 0, 0, NULL},
    {"log_path", RT_OPT_STR, &dl_opt.log_path, 0, 0, NULL},
    {"strip_path_prefix", RT_OPT_STR, &dl_opt.strip_path, 0, 0, NULL},
};

/* leak_ignore=f1;f2 (or f1,f2): a copy kept for the process, split. */
static void split_ignore(const char *v)
{
    char *copy = dl_alloc(strlen(v) + 1);
    strcpy(copy, v);
    for (char *save, *f = strtok_r(copy, ";,", &save);
         f && dl_opt.nignore < DL_MAX_IGNORE; f = strtok_r(NULL, ";,", &save))
        dl_opt.ignore[dl_opt.nignore++] = f;
}

static void parse_options(void)
{
    rt_options_register(options, sizeof options / sizeof *options);
    dl_opt.grace_ns = raw.grace_ms * 1000000LL;
    if (raw.ignore)
        split_ignore(raw.ignore);
}

/* ---- output ------------------------------------------------------------- */

extern int det_race_log_fd(void) __attribute__((weak));

static int log_fd = 2;

static void open_log(void)
{
    const char *p = dl_opt.log_path;
    if (!p || !*p || strcmp(p, "stderr") == 0)
        return;
    if (strcmp(p, "stdout") == 0) {
        log_fd = 1;
        return;
    }
    char name[600];
    snprintf(name, sizeof name, "%s.%d", p, (int)getpid());
    int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0)
        log_fd = fd;
}

int dl_out_fd(void)
{
    if (det_race_log_fd)
        return det_race_log_fd();
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, open_log);
    return log_fd;
}

const char *dl_strip(const char *file)
{
    const char *p = dl_opt.strip_path;
    size_t n = p ? strlen(p) : 0;
    return file && n && strncmp(file, p, n) == 0 ? file + n : file;
}

/* A rendered traceback: its location lines start with a tab. */
void dl_print_text(int fd, const char *text)
{
    for (const char *l = text; *l;) {
        size_t n = strcspn(l, "\n");
        if (l[0] == '\t') {
            const char *s = dl_strip(l + 1);
            rt_fdprintf(fd, "\t%.*s\n", (int)(n - (size_t)(s - l)), s);
        } else {
            rt_fdprintf(fd, "%.*s\n", (int)n, l);
        }
        l += n + (l[n] == '\n');
    }
}

/* ---- goroutine records ----------------------------------------------------
 */

static struct gs_shard *gs_shard(int64_t id)
{
    return &gs[(uint64_t)id % GS_SHARDS];
}

void dl_gs_lock(int64_t id)
{
    dl_spin_lock(&gs_shard(id)->lock);
}

void dl_gs_unlock(int64_t id)
{
    dl_spin_unlock(&gs_shard(id)->lock);
}

dl_g *dl_g_find(int64_t id)
{
    return dl_map_get(&gs_shard(id)->map, (uintptr_t)id);
}

/* Records are recycled (detect/common/recycler.h): a fan-out spawns on one
 * thread and ends goroutines on another. The pool keeps up to 65,536
 * (11 MB of records). */
static void record_release(void *g)
{
    dl_free(g);
}
static recycler rec_pool = {.max = 1 << 16, .release = record_release};
static __thread recycler_cache rec_cache
    __attribute__((tls_model("initial-exec")));

static dl_g *record_new(void)
{
    dl_g *g = recycler_get(&rec_pool, &rec_cache);
    if (!g)
        return dl_alloc(sizeof(dl_g));
    memset(g, 0, sizeof *g);
    return g;
}

static void record_free(dl_g *g)
{
    if (g)
        recycler_put(&rec_pool, &rec_cache, g);
}

static dl_g *record_of(rt_hg *hg)
{
    return hg ? hg->slot[hook_idx] : NULL;
}

static dl_lockst **locks_slot(dl_g *g)
{
    return g ? &g->locks : NULL;
}

/* The id locks.c records hg's events under (a record's, else the
 * runtime's: code outside goroutines). */
static int64_t goid_of(dl_g *g, rt_hg *hg)
{
    return g ? g->id : rt_hook_goid(hg);
}

/* The hooks name goroutines by handle, and each reaches its record
 * through the handle's slot; lock ownership, cycles and reports here are
 * by Go's goroutine id, which outlives the handle (a report names
 * goroutines that have ended), so those tables stay keyed by id. */
static void on_go_create(rt_hg *parent, rt_hg *child, uintptr_t pc,
                         const char *file, int line, const char *func)
{
    (void)file, (void)line, (void)func;
    dl_g *g = record_new();
    g->id = rt_hook_goid(child);
    g->parent = rt_hook_goid(parent);
    dl_stack_capture(&g->created, parent, pc);
    child->slot[hook_idx] = g;
    dl_gs_lock(g->id);
    dl_map_put(&gs_shard(g->id)->map, (uintptr_t)g->id, g);
    dl_gs_unlock(g->id);
}

static void on_go_start(rt_hg *g)
{
    (void)g;
    dl_leak_started();
}

static void on_go_end(rt_hg *hg)
{
    dl_g *g = record_of(hg);
    int64_t id = goid_of(g, hg);
    if (!g || g->locks)
        dl_locks_go_end(locks_slot(g), id);
    dl_gs_lock(id);
    dl_map_del(&gs_shard(id)->map, (uintptr_t)id);
    dl_gs_unlock(id);
    if (g)
        hg->slot[hook_idx] = NULL;
    record_free(g);
}

/* Only lock waits matter here (a cycle runs through lock holders that wait
 * for locks), so the others, a channel hand-off's every park, take no
 * lock: the record's flag says whether the wake-up has a wait to clear.
 * go_block runs before the park commits and go_unblock after the waker
 * took the goroutine out of its wait, so the flag needs no fence. */
static void on_go_block(rt_hg *hg, int reason, const void *obj)
{
    if (!dl_is_lock_wait(reason))
        return;
    dl_g *g = record_of(hg);
    if (g)
        __atomic_store_n(&g->lock_wait, true, __ATOMIC_RELAXED);
    dl_locks_block(locks_slot(g), goid_of(g, hg), reason, obj);
}

static void on_go_unblock(rt_hg *hg, rt_hg *by)
{
    (void)by;
    dl_g *g = record_of(hg);
    if (g && !__atomic_load_n(&g->lock_wait, __ATOMIC_RELAXED))
        return;
    if (g)
        __atomic_store_n(&g->lock_wait, false, __ATOMIC_RELAXED);
    dl_locks_unblock(locks_slot(g), goid_of(g, hg));
}

static void on_mutex_lock(rt_hg *hg, const void *m, int write, uintptr_t pc)
{
    dl_g *g = record_of(hg);
    dl_locks_mutex_lock(locks_slot(g), goid_of(g, hg), m, write, hg, pc);
}

static void on_mutex_unlock(rt_hg *hg, const void *m, int write, uintptr_t pc)
{
    dl_g *g = record_of(hg);
    dl_locks_mutex_unlock(locks_slot(g), goid_of(g, hg), m, write, hg, pc);
}

static int on_at_exit(rt_hg *hg, int code, int from_go_exit)
{
    int64_t g = rt_hook_goid(hg);
    __atomic_store_n(&dl_exiting_g, g ? g : -1, __ATOMIC_SEQ_CST);
    /* os.Exit runs no deferred code and no leak check (API.md). */
    if (!from_go_exit && dl_opt.leaks)
        dl_leak_at_exit(g);
    return dl_reports() > 0 ? 66 : code;
}

static const rt_hooks table = {
    .go_create = on_go_create,
    .go_start = on_go_start,
    .go_end = on_go_end,
    .go_block = on_go_block,
    .go_unblock = on_go_unblock,
    .mutex_lock = on_mutex_lock,
    .mutex_unlock = on_mutex_unlock,
    .at_exit = on_at_exit,
};

/* Priority 101: installed before the race detector (102), so its at_exit
 * (the leak report) runs first and the race summary stays last. */
__attribute__((constructor(101))) static void deadlock_engine_init(void)
{
    parse_options();
    dl_root_exclude(gs, sizeof gs);
    dl_root_exclude(&rec_pool, sizeof rec_pool);
    dl_root_exclude(&dl_opt, sizeof dl_opt);
    dl_leak_init();
    hook_idx = rt_hooks_install(&table);
}
