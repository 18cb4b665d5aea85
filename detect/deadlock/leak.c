/*
 * Goroutine leaks.
 *
 * At exit (goleak's rule). When main returns, every goroutine still blocked
 * on a channel, select, Mutex, RWMutex, WaitGroup, Cond or semaphore is a
 * leak: main's return abandons it. Sleeping, runnable and syscall
 * goroutines are not (they are still doing something). As goleak retries,
 * blocked goroutines first get a grace period (leak_grace_ms, default
 * 100ms): main sleeps in steps and re-takes the snapshot until no candidate
 * is left and no goroutine is runnable (one that has not run yet may be
 * about to block), or the time is up; so a goroutine that was about to be
 * woken (a result being consumed, a timer about to fire) is not reported,
 * and one that main's return caught before it even started is.
 *
 * While running (go_leakcheck(), or every leakcheck_interval ms from a
 * detector thread). The world is stopped and mark.c decides, by
 * conservative reachability, which blocked goroutines nothing that can
 * still run could wake; those are reported at once, and never again at
 * exit. The interval checker is a plain thread, not a goroutine: it must
 * not count in go_num_goroutine, keep the scheduler from declaring "all
 * goroutines are asleep", or hold references that would make objects
 * reachable; stopping the world works from any thread.
 *
 * Reports are grouped by creation site, goleak-style:
 *
 *     WARNING: GOROUTINE LEAK
 *     2 goroutine(s) created at prog.c:31 blocked in chan receive for 0.1s
 *
 *     goroutine 7 [chan receive]:
 *     ...blocking stack, "created by", then the full creation stack...
 *
 *     and 1 more created there: goroutine 8 [chan receive]
 *     ==================
 *
 * The last line names the site's other goroutines, up to LIST_MAX of them,
 * and counts the rest.
 *
 * leak_ignore names functions (goleak's IgnoreTopFunction): a goroutine
 * whose top user frame is one of them is never reported.
 *
 * (go_chan_free while goroutines are blocked on the channel is the
 * runtime's own fatal error, in both builds.)
 */
#define _GNU_SOURCE
#include "deadlock.h"

#include <gorace.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../rt/traceback.h"

enum { TEXT_MAX = 16384, STW_TIMEOUT_NS = 200 * 1000000LL };

static pthread_mutex_t check_lock = PTHREAD_MUTEX_INITIALIZER;
static int started;

void dl_leak_started(void)
{
    if (!__atomic_load_n(&started, __ATOMIC_RELAXED))
        __atomic_store_n(&started, 1, __ATOMIC_RELEASE);
}

/* ---- snapshots
 * ---------------------------------------------------------------
 */

typedef struct snap {
    size_t n, cap;
    dl_mg *g;
} snap;

static void snap_add(const rt_ginfo *gi, void *arg)
{
    snap *s = arg;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        dl_mg *n = dl_alloc(cap * sizeof *n);
        if (s->n)
            memcpy(n, s->g, s->n * sizeof *n);
        dl_free(s->g);
        s->g = n;
        s->cap = cap;
    }
    memset(&s->g[s->n], 0, sizeof s->g[s->n]);
    s->g[s->n++].gi = *gi;
}

static void snap_take(snap *s)
{
    s->n = 0;
    rt_hook_goroutines(snap_add, s);
}

static bool already_reported(int64_t id)
{
    dl_gs_lock(id);
    dl_g *g = dl_g_find(id);
    bool r = g && g->leak_reported;
    dl_gs_unlock(id);
    return r;
}

static void set_reported(int64_t id)
{
    dl_gs_lock(id);
    dl_g *g = dl_g_find(id);
    if (g)
        g->leak_reported = true;
    dl_gs_unlock(id);
}

/* ---- reports --------------------------------------------------------------
 */

/* The top function of a traceback text: its first line, up to "(". */
static void top_func(const char *text, char *out, size_t len)
{
    size_t n = strcspn(text, "(\n");
    if (n >= len)
        n = len - 1;
    memcpy(out, text, n);
    out[n] = 0;
}

static bool ignored(const char *text)
{
    char top[256];
    top_func(text, top, sizeof top);
    for (int i = 0; i < dl_opt.nignore; i++)
        if (strcmp(top, dl_opt.ignore[i]) == 0)
            return true;
    return false;
}

static bool same_site(const rt_ginfo *a, const rt_ginfo *b)
{
    if (a->create_file && b->create_file)
        return a->create_line == b->create_line &&
               strcmp(a->create_file, b->create_file) == 0;
    return !a->create_file && !b->create_file && a->create_pc == b->create_pc;
}

static void print_site(int fd, const rt_ginfo *gi)
{
    if (gi->create_file) {
        rt_fdprintf(fd, "%s:%d", dl_strip(gi->create_file), gi->create_line);
        return;
    }
    const char *func, *file;
    int line;
    if (gi->create_pc &&
        rt_symbolize(gi->create_pc, 1, &func, &file, &line) == 0 &&
        strcmp(file, "?") != 0)
        rt_fdprintf(fd, "%s:%d", dl_strip(file), line);
    else
        rt_fdprintf(fd, "?");
}

static void print_creation_stack(int fd, int64_t id)
{
    dl_stack st = {0};
    dl_gs_lock(id);
    dl_g *g = dl_g_find(id);
    if (g)
        st = g->created;
    dl_gs_unlock(id);
    if (!st.n)
        return;
    rt_fdprintf(fd, "\ngoroutine %lld was created at:\n", (long long)id);
    dl_stack_print(fd, &st);
}

/* The others of a site, by id, up to LIST_MAX of them: a wave of 100,000
 * leaked goroutines listed whole made a 3 MB line that said no more than
 * the block's count. */
enum { LIST_MAX = 32 };

static void list_others(int fd, const snap *s, const bool *pick, size_t first,
                        int others)
{
    const rt_ginfo *rep = &s->g[first].gi;
    int listed = 0;
    rt_fdprintf(fd, "\nand %d more created there:", others);
    for (size_t i = first + 1; i < s->n && listed < LIST_MAX; i++)
        if (pick[i] && same_site(&s->g[i].gi, rep)) {
            rt_fdprintf(fd, " goroutine %lld [%s]", (long long)s->g[i].gi.id,
                        rt_hook_wait_reason(s->g[i].gi.wait_reason));
            listed++;
        }
    if (others > listed)
        rt_fdprintf(fd, " and %d others", others - listed);
    rt_fdprintf(fd, "\n");
}

/* One block for the goroutines of s flagged in pick that share gs[first]'s
 * creation site; clears their flags. */
static void report_site(snap *s, bool *pick, size_t first, char **texts)
{
    int fd = dl_out_fd();
    const rt_ginfo *rep = &s->g[first].gi;
    int count = 0;
    int64_t longest = 0, now = go_now();
    for (size_t i = first; i < s->n; i++)
        if (pick[i] && same_site(&s->g[i].gi, rep)) {
            count++;
            int64_t d = now - s->g[i].gi.wait_since;
            if (d > longest)
                longest = d;
        }
    if (longest < 0)
        longest = 0;
    int64_t tenths = longest / 100000000;
    rt_fdprintf(fd, "WARNING: GOROUTINE LEAK\n%d goroutine(s) created at ",
                count);
    print_site(fd, rep);
    rt_fdprintf(fd, " blocked in %s for %lld.%llds\n\n",
                rt_hook_wait_reason(rep->wait_reason), (long long)(tenths / 10),
                (long long)(tenths % 10));
    rt_fdprintf(fd, "goroutine %lld [%s]:\n", (long long)rep->id,
                rt_hook_wait_reason(rep->wait_reason));
    dl_print_text(fd, texts[first]);
    rt_print_created_by(fd, rep->create_func, dl_strip(rep->create_file),
                        rep->create_line, rep->create_pc, rep->parent);
    print_creation_stack(fd, rep->id);
    if (count > 1)
        list_others(fd, s, pick, first, count - 1);
    rt_fdprintf(fd, "==================\n");
    for (size_t i = first; i < s->n; i++)
        if (pick[i] && same_site(&s->g[i].gi, rep)) {
            pick[i] = false;
            set_reported(s->g[i].gi.id);
        }
}

/* Reports the goroutines flagged in pick (after leak_ignore); returns how
 * many were reported. The world should be stopped: stacks are read. */
static int report_leaks(snap *s, bool *pick)
{
    char **texts = dl_alloc((s->n ? s->n : 1) * sizeof *texts);
    char *buf = dl_alloc(TEXT_MAX);
    int total = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!pick[i])
            continue;
        /* rendered in one buffer, kept at its length: 100,000 leaked
         * goroutines held 16 KB each, 1.6 GB, while the report ran */
        size_t len = 0;
        buf[0] = 0;
        if (s->g[i].gi.sp)
            len = dl_traceback_saved_text(s->g[i].gi.sp, buf, TEXT_MAX);
        texts[i] = dl_alloc(len + 1);
        memcpy(texts[i], buf, len + 1);
        if (ignored(texts[i]))
            pick[i] = false;
        else
            total++;
    }
    dl_free(buf);
    if (total) {
        dl_report_begin();
        for (size_t i = 0; i < s->n; i++)
            if (pick[i])
                report_site(s, pick, i, texts);
        dl_report_end();
        dl_count_report();
    }
    for (size_t i = 0; i < s->n; i++)
        dl_free(texts[i]);
    dl_free(texts);
    return total;
}

/* ---- at exit ----------------------------------------------------------------
 */

/* Flags the leak candidates; *busy: some other goroutine is runnable or
 * running and may still block (or unblock others) within the grace. */
static size_t pick_blocked(snap *s, bool *pick, int64_t self, bool *busy)
{
    size_t n = 0;
    *busy = false;
    for (size_t i = 0; i < s->n; i++) {
        const rt_ginfo *gi = &s->g[i].gi;
        pick[i] = gi->id != self && dl_blocked_on_sync(gi) &&
                  !already_reported(gi->id);
        n += pick[i];
        if (gi->id != self &&
            (gi->status == RT_GS_RUNNABLE || gi->status == RT_GS_RUNNING))
            *busy = true;
    }
    return n;
}

int dl_leak_at_exit(int64_t self)
{
    pthread_mutex_lock(&check_lock);
    snap s = {0};
    bool *pick = NULL;
    size_t cap = 0;
    int64_t deadline = go_now() + dl_opt.grace_ns;
    for (;;) {
        snap_take(&s);
        if (s.n > cap) {
            dl_free(pick);
            cap = s.cap;
            pick = dl_alloc(cap * sizeof *pick);
        }
        bool busy;
        if (!pick_blocked(&s, pick, self, &busy) && !busy)
            break;
        int64_t left = deadline - go_now();
        if (left <= 0) {
            /* the final verdict, on a consistent picture */
            bool stopped = rt_hook_stop_the_world(STW_TIMEOUT_NS);
            snap_take(&s);
            if (s.n > cap) {
                dl_free(pick);
                cap = s.cap;
                pick = dl_alloc(cap * sizeof *pick);
            }
            bool busy;
            if (pick_blocked(&s, pick, self, &busy))
                report_leaks(&s, pick);
            (void)stopped;
            rt_hook_start_the_world();
            break;
        }
        pthread_mutex_unlock(&check_lock);
        go_sleep(left < 10 * GO_MILLISECOND ? left : 10 * GO_MILLISECOND);
        pthread_mutex_lock(&check_lock);
    }
    dl_free(pick);
    dl_free(s.g);
    pthread_mutex_unlock(&check_lock);
    return dl_reports();
}

/* ---- while running
 * ------------------------------------------------------------
 */

/* A thread gorace did not start may hold the only reference to what a
 * goroutine waits on, and its stack is not scanned: while one is alive
 * the check reports nothing rather than a leak that is not one. */
static int leakcheck_run(int64_t self, uintptr_t self_lo)
{
    if (!__atomic_load_n(&started, __ATOMIC_ACQUIRE) ||
        __atomic_load_n(&dl_exiting_g, __ATOMIC_SEQ_CST) ||
        rt_hook_foreign_threads() > 0)
        return 0;
    pthread_mutex_lock(&check_lock);
    int found = 0;
    snap s = {0};
    if (rt_hook_stop_the_world(STW_TIMEOUT_NS)) {
        snap_take(&s);
        if (s.n && dl_mark(s.g, s.n, self, self_lo)) {
            bool *pick = dl_alloc(s.n * sizeof *pick);
            size_t n = 0;
            for (size_t i = 0; i < s.n; i++) {
                const rt_ginfo *gi = &s.g[i].gi;
                pick[i] = !s.g[i].live && gi->id != self &&
                          dl_blocked_on_sync(gi) && !already_reported(gi->id);
                n += pick[i];
            }
            if (n)
                found = report_leaks(&s, pick);
            dl_free(pick);
        }
    }
    /* A world that did not stop is partly stopped: restart it either way
     * (and no verdict: running goroutines' registers were not seen). */
    rt_hook_start_the_world();
    dl_free(s.g);
    pthread_mutex_unlock(&check_lock);
    return found;
}

/* The caller's callee-saved registers may hold its only reference to an
 * object: __builtin_unwind_init spills them into this frame, and the scan
 * of the caller's stack starts below them, at this frame's stack pointer. */
__attribute__((noinline)) int go_leakcheck(void)
{
    __builtin_unwind_init();
    uintptr_t sp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    int64_t self = rt_hook_goid(rt_hook_cur());
    return leakcheck_run(self, self ? sp : 0);
}

static void *interval_thread(void *arg)
{
    (void)arg;
    rt_hook_own_thread(1); /* runs until exit: not the program's thread */
    struct timespec ts = {
        .tv_sec = dl_opt.interval_ms / 1000,
        .tv_nsec = (dl_opt.interval_ms % 1000) * 1000000L,
    };
    for (;;) {
        nanosleep(&ts, NULL);
        leakcheck_run(0, 0);
    }
    return NULL;
}

void dl_leak_init(void)
{
    if (dl_opt.interval_ms <= 0)
        return;
    pthread_t t;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_create(&t, &a, interval_thread, NULL);
    pthread_attr_destroy(&a);
}
