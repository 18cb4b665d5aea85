/*
 * Fatal errors: Go's panics ("panic: ..."), throws ("fatal error: ..."),
 * the all-asleep deadlock, stack overflows, crashes and SIGQUIT, each
 * followed by goroutine dumps in Go's layout, then exit status 2.
 *
 * Only the first fatal error of a process is printed: a second thread that
 * dies meanwhile waits for the exit (rt_enter_dying). Output goes straight
 * to fd 2 with write(2) (rt_fdprintf), never through a possibly broken
 * stdio, after flushing the user's stdio so what the program printed before
 * dying is not lost. Crash handlers run on a per-M alternate signal stack,
 * so a stack overflow can still be reported. A report that stalls (a lock
 * the crash left held) ends the process after 5 s without output.
 *
 * A dump shows every goroutine that has run, in creation order: a parked one
 * with its frames (unwound from its saved context), one running on another
 * thread without them (its stack is live), then "created by" and the call
 * site of its creation.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gorace.h>

#include "explore.h"
#include "proc.h"
#include "traceback.h"

/* ---- goroutine dumps and fatal errors ------------------------------------ */

static void dump_header(int fd, G *gp, const char *state)
{
    int64_t mins = 0;
    if (gp->status == G_WAITING && gp->pub.wait_since)
        mins = (coarse_nanotime() - gp->pub.wait_since) / (60 * 1000000000LL);
    if (mins >= 1)
        rt_fdprintf(fd, "goroutine %lld [%s, %lld minutes]:\n",
                    (long long)gp->pub.id, state, (long long)mins);
    else
        rt_fdprintf(fd, "goroutine %lld [%s]:\n", (long long)gp->pub.id, state);
}

static void dump_created_by(int fd, G *gp)
{
    if (gp->is_main)
        return;
    /* Prefer DWARF's file:line for the call site (absolute, like the frames
     * above it); GO()'s __FILE__ serves when there is no debug info. */
    const char *func, *file;
    int line;
    if (gp->cpc && rt_symbolize(gp->cpc, 1, &func, &file, &line) == 0 &&
        line > 0)
        rt_print_created_by(fd, gp->cfunc ? gp->cfunc : func, file, line,
                            gp->cpc, gp->parent);
    else
        rt_print_created_by(fd, gp->cfunc, gp->cfile, gp->cline, gp->cpc,
                            gp->parent);
}

/* A goroutine that has not run yet is shown at its function, as Go shows
 * its start PC. */
static void dump_entry(int fd, G *gp)
{
    const char *func, *file;
    int line;
    if (rt_symbolize((uintptr_t)gp->fn, 0, &func, &file, &line) != 0)
        return;
    rt_fdprintf(fd, "%s(...)\n", func);
    if (line > 0)
        rt_fdprintf(fd, "\t%s:%d\n", file, line);
}

static const char *status_word(G *gp)
{
    switch (gp->status) {
    case G_RUNNABLE:
        return "runnable";
    case G_RUNNING:
        return "running";
    case G_SYSCALL:
        return "syscall";
    case G_WAITING:
        return rt_wait_reason_str(gp->pub.wait_reason);
    default:
        return "idle";
    }
}

/* Prints every goroutine but `skip` that has run, in Go's layout. The world
 * is not stopped: a goroutine running on another M is shown without frames,
 * as its stack is live. */
static void dump_others(int fd, G *skip)
{
    for (G *gp = load_acq(&sched.allgs); gp; gp = gp->alllink) {
        uint32_t st = load_acq(&gp->status);
        if (gp == skip || st == G_DEAD || st == G_IDLE)
            continue;
        rt_fdprintf(fd, "\n");
        dump_header(fd, gp, status_word(gp));
        if ((st == G_WAITING || st == G_RUNNABLE) && gp->started && gp->sp)
            rt_traceback_saved(fd, gp->sp);
        else if (st == G_RUNNABLE && !gp->started && gp->fn)
            dump_entry(fd, gp);
        else if (st != G_WAITING && st != G_RUNNABLE &&
                 !rt_dump_running_on(fd, gp))
            rt_fdprintf(fd, "\tgoroutine running on other thread; stack "
                            "unavailable\n");
        dump_created_by(fd, gp);
    }
}

void rt_dump_current(int fd, int skip)
{
    G *gp = curg();
    if (!gp)
        return;
    rt_fdprintf(fd, "\n");
    dump_header(fd, gp, "running");
    rt_traceback_current(fd, skip);
    dump_created_by(fd, gp);
}

/* A report that stalls. Naming frames takes locks the crashed code may
 * hold: a stack overflow or a bad pointer inside malloc leaves its arena
 * locked, and libdw allocates (Go's traceback never does; ours cannot avoid
 * it). So a report that has written nothing for DYING_STALL_S seconds ends
 * with a line that says so and the exit status it would have had. SIGALRM
 * is process-directed: whichever thread takes it, the check is the same. */
enum { DYING_STALL_S = 5 };

static uint64_t dying_writes;

static void dying_alarm(int sig)
{
    (void)sig;
    uint64_t w = rt_fd_writes();
    if (w != dying_writes) {
        dying_writes = w;
        alarm(DYING_STALL_S);
        return;
    }
    static const char msg[] =
        "\n...report stalled for 5 s (a lock the crash left held?): exiting\n";
    _Static_assert(DYING_STALL_S == 5, "the message says 5 s");
    ssize_t r = write(2, msg, sizeof msg - 1);
    (void)r;
    _exit(2);
}

static void watch_dying(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = dying_alarm;
    sa.sa_flags = SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    dying_writes = rt_fd_writes();
    alarm(DYING_STALL_S);
}

/* Only the first fatal error is printed; any other thread that dies at the
 * same time waits for the process to exit. */
void rt_enter_dying(void)
{
    if (__atomic_exchange_n(&sched.dying, 1, __ATOMIC_SEQ_CST)) {
        for (;;)
            pause();
    }
    watch_dying();
    fflush(stdout);
    fflush(stderr);
}

void rt_die(int code)
{
    rt_explore_finish();
    _exit(code);
}

static void vfatal(const char *prefix, bool all, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    rt_enter_dying();
    rt_fdprintf(2, "%s%s\n", prefix, msg);
    rt_dump_current(2, 3);
    if (all)
        dump_others(2, curg());
}

void rt_panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfatal("panic: ", false, fmt, ap);
    va_end(ap);
    rt_die(2);
}

void rt_throw(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfatal("fatal error: ", true, fmt, ap);
    va_end(ap);
    rt_die(2);
}

void go_panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfatal("panic: ", false, fmt, ap);
    va_end(ap);
    rt_die(2);
}

void rt_report_deadlock(void)
{
    if (load_relaxed(&sched.exiting)) {
        for (;;)
            pause();
    }
    rt_enter_dying();
    rt_fdprintf(2, "fatal error: all goroutines are asleep - deadlock!\n");
    dump_others(2, NULL);
    rt_die(2);
}

/* ---- signals: stack overflow and crashes --------------------------------- */

static void crash_handler(int sig, siginfo_t *si, void *uc)
{
    M *m = getm();
    G *gp = m ? m->curg : NULL;
    uintptr_t addr = (uintptr_t)si->si_addr;
    if (gp && sig == SIGSEGV && rt_stack_is_overflow(&gp->stack, addr)) {
        rt_enter_dying();
        rt_fdprintf(2,
                    "fatal error: stack overflow\n\nruntime: goroutine %lld "
                    "stack exceeds %zu-byte limit (GORACE_STACK_KB raises "
                    "it)\n",
                    (long long)gp->pub.id,
                    (size_t)(gp->stack.hi - gp->stack.lo));
        rt_fdprintf(2, "\ngoroutine %lld [running]:\n", (long long)gp->pub.id);
        rt_traceback_ucontext(2, uc);
        dump_created_by(2, gp);
        dump_others(2, gp);
        rt_die(2);
    }
    rt_enter_dying();
    const char *what = sig == SIGSEGV || sig == SIGBUS
                           ? "invalid memory address or nil pointer "
                             "dereference"
                       : sig == SIGFPE ? "integer divide by zero"
                                       : "unexpected signal";
    ucontext_t *u = uc;
    rt_fdprintf(2,
                "panic: runtime error: %s\n[signal %s: code=0x%x addr=0x%lx "
                "pc=0x%llx]\n",
                what, sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", si->si_code,
                (unsigned long)addr,
                (unsigned long long)u->uc_mcontext.gregs[REG_RIP]);
    if (gp) {
        rt_fdprintf(2, "\ngoroutine %lld [running]:\n", (long long)gp->pub.id);
        rt_traceback_ucontext(2, uc);
        dump_created_by(2, gp);
    }
    rt_die(2);
}

void rt_signal_stack_install(M *m)
{
    m->altstack = mmap(NULL, ALTSTACK_BYTES, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m->altstack == MAP_FAILED)
        rt_throw("cannot map a signal stack");
    stack_t ss = {.ss_sp = m->altstack, .ss_size = ALTSTACK_BYTES};
    sigaltstack(&ss, NULL);
}

/* ---- stacks of goroutines running on other threads ----------------------
 * A running goroutine's stack is live, so only its own thread can unwind
 * it: the dumper sends that thread SIGURG (Go's preemption signal, rarely
 * used by programs) and waits for it to print from the signal context.
 * This is how a dump names the function where a spinning or blocked
 * goroutine is. One request at a time: dumps happen only while dying. */

static struct {
    G *gp;
    int fd;
    uint32_t done; /* 1: printed, 2: gp was no longer there */
} remote;

static void sigurg_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)si;
    G *want = load_acq(&remote.gp);
    M *m = getm();
    if (!want || !m)
        return;
    if (m->curg != want) {
        store_rel(&remote.done, 2);
        return;
    }
    rt_traceback_ucontext(remote.fd, uc);
    store_rel(&remote.done, 1);
}

bool rt_dump_running_on(int fd, G *gp)
{
    M *m = load_acq(&gp->m);
    if (!m || !m->thread || m == getm())
        return false;
    remote.fd = fd;
    store_rel(&remote.done, 0);
    store_rel(&remote.gp, gp);
    bool ok = false;
    if (pthread_kill(m->thread, SIGURG) == 0) {
        for (int i = 0; i < 2000 && !load_acq(&remote.done); i++)
            usleep(500); /* at most a second */
        ok = load_acq(&remote.done) == 1;
    }
    store_rel(&remote.gp, NULL);
    return ok;
}

/* Go's SIGQUIT: every goroutine's stack, then exit 2. */
static void sigquit_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)si;
    rt_enter_dying();
    rt_fdprintf(2, "SIGQUIT: quit\n");
    G *gp = curg();
    if (gp) {
        rt_fdprintf(2, "\n");
        dump_header(2, gp, "running");
        rt_traceback_ucontext(2, uc);
        dump_created_by(2, gp);
    }
    dump_others(2, gp);
    rt_die(2);
}

void rt_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = crash_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sa.sa_sigaction = sigquit_handler;
    sigaction(SIGQUIT, &sa, NULL);
    sa.sa_sigaction = sigurg_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigaction(SIGURG, &sa, NULL);
}
