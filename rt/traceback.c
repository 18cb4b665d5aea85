/*
 * Stack traces in Go's layout, for panics, fatal errors, goroutine dumps and
 * crashes.
 *
 * Frames come from libunwind (local unwinding: the stacks are in our own
 * address space, so a parked goroutine's stack is read directly through the
 * registers rt_ctx_switch saved). Each physical frame is then expanded into
 * logical frames with libdw: a pc inside inlined code yields the inlined
 * function first and then each caller up to the physical function, as Go
 * prints inlined calls. Names come from DWARF (so "worker", not the clone
 * symbol "worker.constprop.0"), falling back to the ELF symbol table, then
 * to libunwind/dladdr when libdw is unusable.
 *
 * What is printed mirrors Go's traceback.go:
 *   - the runtime's own frames are hidden (Go's showframe hides runtime.*):
 *     a frame is the runtime's when its source file lives in this directory
 *     (rt/, found from __FILE__) or in the detectors' (detect/), or, without
 * line info, when its name starts with "rt_". GOTRACEBACK=system or crash shows
 * them. A crash (rt_traceback_ucontext) shows runtime frames at the top, where
 * the fault is, as Go does when the runtime throws;
 *   - the walk stops at the goroutine entry trampoline (rt_gogo_trampoline,
 *     whose CFI also ends the stack), after main, and before libc's thread
 *     and process start frames, which are noise (they are recognised as the
 *     run of libc frames at the bottom of the stack);
 *   - after 100 frames, "...additional frames elided...".
 *
 * Invariants, because this runs in fatal paths (signal handlers on a small
 * alternate stack, goroutines on small stacks, a process with a corrupt heap
 * or held locks):
 *   - no stdio: output is formatted on the stack and written with write(2);
 *   - every traceback and lookup runs under tb_owner, a lock that records its
 *     holder's tid, on tb_stack, a private 1 MiB stack (libdw needs far more
 *     than a sigaltstack or a small goroutine stack has), as Go's traceback
 *     runs on the system stack. The lock also keeps concurrent dumps from
 *     interleaving and serialises libdw, which is not thread-safe;
 *   - the Dwfl session is built lazily on first use and cached; modules are
 *     only ever added (dlopen'ed code on a lookup miss), never removed, so
 *     names and paths handed out stay valid for the life of the process;
 *   - a fault inside the traceback that re-enters it (a SIGSEGV handler
 *     calling us again) finds its own tid holding the lock: the nested call
 *     unwinds on the current stack with libunwind/dladdr names only, and a
 *     third level prints one line and returns, so the real crash still gets
 *     reported. A thread that cannot get the lock within a few seconds does
 *     the same rather than hang a dying process;
 *   - libdw allocates, so a crash inside malloc, with its arena's lock held,
 *     stalls the walk: rt/panic.c's watchdog then ends the process.
 */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY

#include "traceback.h"
#include "hooks.h"

#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <libunwind.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

enum {
    MAX_FRAMES = 100,    /* printed frames, as Go's _TracebackMaxFrames */
    MAX_STEPS = 4096,    /* unwinder steps, against cycles in a bad stack */
    MAX_INLINE = 16,     /* logical frames per physical frame */
    MAX_LIBC_TAIL = 8,   /* libc frames held back in case they end the stack */
    LOCK_WAIT_MS = 5000, /* then give up on libdw and print what we can */
    TB_STACK_SIZE = 1 << 20
};

/* One logical frame: a physical function or a call inlined into it. */
typedef struct tb_frame {
    const char *func; /* NULL: unknown */
    const char *file; /* NULL: no line info */
    int line;
} tb_frame;

/* Everything known about one pc. */
typedef struct tb_pc {
    uintptr_t pc;
    const char *module; /* mapped file, NULL if none */
    uintptr_t modoff;   /* pc relative to the module's load bias */
    const char *sym;    /* ELF symbol containing pc, NULL if none */
    int n;              /* logical frames, innermost first */
    tb_frame f[MAX_INLINE];
    char namebuf[128]; /* libunwind's name when libdw is unavailable */
} tb_pc;

/* ---- Output ---------------------------------------------------------- */

static uint64_t writes; /* rt_fd_writes */

uint64_t rt_fd_writes(void)
{
    return __atomic_load_n(&writes, __ATOMIC_RELAXED);
}

static void write_all(int fd, const char *p, size_t n)
{
    __atomic_add_fetch(&writes, 1, __ATOMIC_RELAXED);
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

void rt_fdprintf(int fd, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1; /* truncated, but still said */
    write_all(fd, buf, (size_t)n);
}

/* ---- The libdw session ----------------------------------------------- */

/* Only local debug files (build-id paths): the standard finder may ask
 * debuginfod servers over the network, which a crashing process must not. */
static const Dwfl_Callbacks dw_callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_build_id_find_debuginfo,
};

static Dwfl *dw_session;
static int dw_build_failures;
static int dw_refreshes;

static void dw_report_modules(Dwfl *d)
{
    dwfl_report_begin_add(d);
    dwfl_linux_proc_report(d, getpid());
    dwfl_report_end(d, NULL, NULL);
}

/* The session, built on first use; tb_owner must be held. */
static Dwfl *dw_get(void)
{
    if (dw_session != NULL || dw_build_failures >= 3)
        return dw_session;
    Dwfl *d = dwfl_begin(&dw_callbacks);
    if (d == NULL) {
        dw_build_failures++;
        return NULL;
    }
    dwfl_report_begin(d);
    int err = dwfl_linux_proc_report(d, getpid());
    dwfl_report_end(d, NULL, NULL);
    if (err != 0) {
        dwfl_end(d);
        dw_build_failures++;
        return NULL;
    }
    dw_session = d;
    return d;
}

/* dwfl_addrmodule may answer with a neighbour for a pc in a gap between
 * modules (where code dlopen'ed later lands): check the range. */
static Dwfl_Module *dw_addrmodule(Dwfl *d, uintptr_t pc)
{
    Dwfl_Module *m = dwfl_addrmodule(d, pc);
    Dwarf_Addr start, end;
    if (m == NULL ||
        dwfl_module_info(m, NULL, &start, &end, NULL, NULL, NULL, NULL) ==
            NULL ||
        pc < start || pc >= end)
        return NULL;
    return m;
}

/* The module containing pc; rescans the mappings (a bounded number of
 * times) for code loaded after the session was built. */
static Dwfl_Module *dw_module(Dwfl *d, uintptr_t pc)
{
    Dwfl_Module *m = dw_addrmodule(d, pc);
    if (m == NULL && dw_refreshes < 16) {
        dw_refreshes++;
        dw_report_modules(d);
        m = dw_addrmodule(d, pc);
    }
    return m;
}

static const char *die_name(Dwarf_Die *die)
{
    Dwarf_Attribute attr;
    return dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
}

static int die_udata(Dwarf_Die *die, int name)
{
    Dwarf_Attribute attr;
    Dwarf_Word v;
    if (dwarf_formudata(dwarf_attr(die, name, &attr), &v) != 0)
        return -1;
    return v > 0x7fffffff ? -1 : (int)v;
}

static bool is_function_die(Dwarf_Die *die)
{
    int tag = dwarf_tag(die);
    return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine;
}

/* Fills p->f with the inline chain at addr (innermost first): each inlined
 * call's location is its DW_AT_call_file/line, read from the inlined
 * instance one level in. Leaves p->n 0 when there is no DWARF function. */
static void dw_inline_chain(Dwfl_Module *m, Dwarf_Addr addr, const char *file,
                            int line, tb_pc *p)
{
    Dwarf_Addr bias;
    Dwarf_Die *cu = dwfl_module_addrdie(m, addr, &bias);
    if (cu == NULL)
        return;
    Dwarf_Die *scopes = NULL;
    int nscopes = dwarf_getscopes(cu, addr - bias, &scopes);
    int inner = 0;
    while (inner < nscopes && !is_function_die(&scopes[inner]))
        inner++;
    Dwarf_Die *chain = NULL;
    int nchain =
        inner < nscopes ? dwarf_getscopes_die(&scopes[inner], &chain) : 0;
    Dwarf_Files *files = NULL;
    size_t nfiles = 0;
    if (nchain > 0 && dwarf_getsrcfiles(cu, &files, &nfiles) != 0)
        files = NULL;

    for (int i = 0; i < nchain && p->n < MAX_INLINE; i++) {
        if (!is_function_die(&chain[i]))
            continue;
        p->f[p->n++] = (tb_frame){die_name(&chain[i]), file, line};
        if (dwarf_tag(&chain[i]) == DW_TAG_subprogram)
            break;
        int cf = die_udata(&chain[i], DW_AT_call_file);
        line = die_udata(&chain[i], DW_AT_call_line);
        file = files != NULL && cf >= 0 && (size_t)cf < nfiles
                   ? dwarf_filesrc(files, (size_t)cf, NULL, NULL)
                   : NULL;
        if (line < 0)
            line = 0;
    }
    free(chain);
    free(scopes);
}

/* Resolves with libdw; lookup is the address inside the instruction. */
static void dw_resolve(Dwfl *d, uintptr_t lookup, tb_pc *p)
{
    Dwfl_Module *m = dw_module(d, lookup);
    if (m == NULL)
        return;
    GElf_Addr bias = 0;
    Dwarf_Addr start = 0;
    bool have_elf = dwfl_module_getelf(m, &bias) != NULL;
    p->module = dwfl_module_info(m, NULL, &start, NULL, NULL, NULL, NULL, NULL);
    p->modoff = p->pc - (have_elf ? bias : start);
    p->sym = dwfl_module_addrname(m, lookup);

    const char *file = NULL;
    int line = 0;
    Dwfl_Line *ln = dwfl_module_getsrc(m, lookup);
    if (ln != NULL)
        file = dwfl_lineinfo(ln, NULL, &line, NULL, NULL, NULL);
    dw_inline_chain(m, lookup, file, line, p);
    if (p->n == 0 && (p->sym != NULL || file != NULL))
        p->f[p->n++] = (tb_frame){p->sym, file, line};
    else if (p->n > 0 && p->f[p->n - 1].func == NULL)
        p->f[p->n - 1].func = p->sym;
}

/* Without libdw: module and dynamic symbol from the loader, or the name
 * libunwind finds in the symbol table when a cursor is at hand. */
static void fallback_resolve(uintptr_t lookup, unw_cursor_t *c, tb_pc *p)
{
    Dl_info info;
    if (dladdr((void *)lookup, &info) != 0) {
        p->module = info.dli_fname;
        p->modoff = p->pc - (uintptr_t)info.dli_fbase;
        p->sym = info.dli_sname;
    }
    unw_word_t off;
    if (c != NULL &&
        unw_get_proc_name(c, p->namebuf, sizeof p->namebuf, &off) == 0)
        p->sym = p->namebuf;
    if (p->sym != NULL)
        p->f[p->n++] = (tb_frame){p->sym, NULL, 0};
}

/* This thread holds tb_owner and runs on tb_stack: libdw may be used. */
static __thread bool tb_use_libdw __attribute__((tls_model("initial-exec")));

/* What libdw found, by pc. A dump of n goroutines parked in the same few
 * places then asks libdw once per place, not n times: its lookups walk a
 * compile unit's DIEs, and a deadlock report of 100,000 goroutines took
 * two minutes. Used under tb_owner with libdw only (whose names live as
 * long as the process), mapped on first use (no malloc: a dying process's
 * heap may be broken), never freed; once full, new pcs are not kept. */
enum { PC_CACHE = 4096, PC_PROBES = 8 };

typedef struct pc_entry {
    bool used, is_ra;
    tb_pc p;
} pc_entry;

static pc_entry *pc_cache;

static pc_entry *pc_cache_slot(uintptr_t pc, bool is_ra, bool *found)
{
    if (pc_cache == NULL) {
        void *m =
            mmap(NULL, PC_CACHE * sizeof(pc_entry), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return NULL;
        pc_cache = m;
    }
    uint64_t h = ((uint64_t)pc * 2 + is_ra) * 0x9e3779b97f4a7c15ull;
    for (unsigned k = 0; k < PC_PROBES; k++) {
        pc_entry *e = &pc_cache[((h >> 52) + k) & (PC_CACHE - 1)];
        *found = e->used && e->p.pc == pc && e->is_ra == is_ra;
        if (*found || !e->used)
            return e;
    }
    return NULL;
}

/* A return address points after its call: look up the call instruction, as
 * Go does; a faulting pc (signal frame) is the instruction itself. */
static void resolve(uintptr_t pc, bool is_ra, unw_cursor_t *c, tb_pc *p)
{
    memset(p, 0, sizeof *p);
    p->pc = pc;
    uintptr_t lookup = is_ra && pc > 0 ? pc - 1 : pc;
    if (tb_use_libdw) {
        bool found = false;
        pc_entry *e = pc_cache_slot(pc, is_ra, &found);
        if (found) {
            *p = e->p;
            return;
        }
        Dwfl *d = dw_get();
        if (d != NULL)
            dw_resolve(d, lookup, p);
        if (e != NULL && p->n > 0)
            *e = (pc_entry){.used = true, .is_ra = is_ra, .p = *p};
    }
    if (p->n == 0)
        fallback_resolve(lookup, c, p);
}

/* ---- Frame selection ------------------------------------------------- */

static bool show_runtime_frames(void)
{
    const char *e = getenv("GOTRACEBACK");
    return e != NULL && (strcmp(e, "system") == 0 || strcmp(e, "crash") == 0 ||
                         atoi(e) >= 2);
}

/* The runtime's source directory with its trailing '/'. */
static size_t runtime_dir(const char **dir)
{
    static const char self[] = __FILE__;
    const char *slash = strrchr(self, '/');
    *dir = self;
    return slash != NULL ? (size_t)(slash - self) + 1 : 0;
}

/* Names of the runtime's and the detectors' functions, for frames without
 * line info (their libraries always have it: see CMakeLists.txt). */
static bool is_runtime_name(const char *func)
{
    static const char *const prefixes[] = {"rt_", "det_", "dl_"};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (strncmp(func, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return strcmp(func, "g_entry") == 0;
}

/* The race detector's libc interceptors stand for libc's functions in
 * reports (`strcpy()` above the caller, as TSan's `#0 strcpy`): they are
 * the user's view, but for the entry of threads the program starts. */
static bool is_libc_interceptor(const char *func, const char *file)
{
    static const char libc_c[] = "detect/race/libc.c";
    size_t n = strlen(file), k = sizeof libc_c - 1;
    return n >= k && strcmp(file + n - k, libc_c) == 0 && func != NULL &&
           strcmp(func, "race_thread_main") != 0;
}

bool rt_frame_is_runtime(const char *func, const char *file)
{
    if (file != NULL && is_libc_interceptor(func, file))
        return false;
    if (file == NULL || strcmp(file, "?") == 0)
        return func != NULL && is_runtime_name(func);
    const char *dir;
    size_t n = runtime_dir(&dir);
    if (n == 0)
        return false;
    if (dir[0] == '/') {
        /* rt/, and the detectors beside it (detect/, less their tests'
         * programs): a dump taken while a goroutine is inside a detector
         * callback shows the user's frame on top */
        static const char det[] = "detect/";
        size_t root = n >= 3 ? n - 3 : 0;
        return strncmp(file, dir, n) == 0 ||
               (strncmp(file, dir, root) == 0 &&
                strncmp(file + root, det, sizeof det - 1) == 0 &&
                !strstr(file + root, "/tests/"));
    }
    /* relative __FILE__: match the directory as a path component */
    for (const char *s = strstr(file, dir); s != NULL; s = strstr(s + 1, dir))
        if (s == file || s[-1] == '/')
            return strchr(s + n, '/') == NULL ||
                   strncmp(s + n, "arch/", 5) == 0;
    return false;
}

static bool is_runtime_frame(const tb_frame *f)
{
    return rt_frame_is_runtime(f->func, f->file);
}

/* Symbols below the goroutine or thread entry: the walk ends there. */
static bool is_stack_base(const char *sym)
{
    static const char *const bases[] = {
        "rt_gogo_trampoline",
        "__libc_start_call_main",
        "__libc_start_main",
        "__libc_start_main_impl",
        "_start",
        "start_thread",
        "clone",
        "clone3",
    };
    if (sym == NULL)
        return false;
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++)
        if (strcmp(sym, bases[i]) == 0)
            return true;
    return false;
}

static bool is_libc(const char *module)
{
    if (module == NULL)
        return false;
    const char *base = strrchr(module, '/');
    base = base != NULL ? base + 1 : module;
    return strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-", 5) == 0;
}

/* ---- Printing -------------------------------------------------------- */

static void print_location(int fd, const tb_pc *p, const tb_frame *f)
{
    if (f != NULL && f->file != NULL)
        rt_fdprintf(fd, "\t%s:%d\n", f->file, f->line);
    else if (p->module != NULL)
        rt_fdprintf(fd, "\t%s+0x%lx\n", p->module, (unsigned long)p->modoff);
    else
        rt_fdprintf(fd, "\t?+0x%lx\n", (unsigned long)p->pc);
}

typedef struct walker {
    int fd;
    int skip;          /* logical frames still to skip */
    int printed;       /* frames printed so far */
    bool show_runtime; /* GOTRACEBACK=system */
    bool crash_top;    /* crash: show runtime frames until the first other */
    int npending;      /* held-back libc frames */
    uintptr_t pending_pc[MAX_LIBC_TAIL];
    bool pending_ra[MAX_LIBC_TAIL];
} walker;

/* Prints p's logical frames; returns true when the walk must end. */
static bool print_frames(walker *w, const tb_pc *p)
{
    if (p->n == 0) {
        if (w->skip > 0) {
            w->skip--;
            return false;
        }
        if (w->printed == MAX_FRAMES) {
            rt_fdprintf(w->fd, "...additional frames elided...\n");
            return true;
        }
        rt_fdprintf(w->fd, "?(...)\n");
        print_location(w->fd, p, NULL);
        w->printed++;
        w->crash_top = false;
        return false;
    }
    for (int i = 0; i < p->n; i++) {
        const tb_frame *f = &p->f[i];
        if (w->skip > 0) {
            w->skip--;
            continue;
        }
        if (is_runtime_frame(f) && !w->show_runtime && !w->crash_top)
            continue;
        if (!is_runtime_frame(f))
            w->crash_top = false;
        if (w->printed == MAX_FRAMES) {
            rt_fdprintf(w->fd, "...additional frames elided...\n");
            return true;
        }
        rt_fdprintf(w->fd, "%s(...)\n", f->func != NULL ? f->func : "?");
        print_location(w->fd, p, f);
        w->printed++;
        if (i == p->n - 1 && f->func != NULL && strcmp(f->func, "main") == 0)
            return true;
    }
    return false;
}

static bool flush_pending(walker *w)
{
    int n = w->npending;
    w->npending = 0;
    for (int i = 0; i < n; i++) {
        tb_pc p;
        resolve(w->pending_pc[i], w->pending_ra[i], NULL, &p);
        if (print_frames(w, &p))
            return true;
    }
    return false;
}

/* One physical frame; returns true when the walk must end. */
static bool visit(walker *w, unw_cursor_t *c, uintptr_t pc, bool is_ra)
{
    tb_pc p;
    resolve(pc, is_ra, c, &p);
    if (is_stack_base(p.sym))
        return true;
    /* libc frames at the bottom are thread/process start-up: hold them
     * until a frame of another module shows they are not the bottom */
    if (w->skip == 0 && is_libc(p.module)) {
        if (w->npending == MAX_LIBC_TAIL && flush_pending(w))
            return true;
        w->pending_pc[w->npending] = pc;
        w->pending_ra[w->npending] = is_ra;
        w->npending++;
        return false;
    }
    if (flush_pending(w))
        return true;
    return print_frames(w, &p);
}

/* x86-64 Linux's signal return trampoline, __restore_rt: mov $15,%rax;
 * syscall. It is not a call site; the frame under it is. */
static bool is_sigreturn(uintptr_t ip)
{
    static const unsigned char code[] = {0x48, 0xc7, 0xc0, 0x0f, 0x00,
                                         0x00, 0x00, 0x0f, 0x05};
    return memcmp((const void *)ip, code, sizeof code) == 0;
}

static void walk(int fd, unw_cursor_t *c, int skip, bool first_is_ra,
                 bool crash)
{
    walker w = {.fd = fd,
                .skip = skip,
                .show_runtime = show_runtime_frames(),
                .crash_top = crash};
    unw_word_t last_ip = 0, last_sp = 0;
    for (int step = 0; step < MAX_STEPS; step++) {
        unw_word_t ip = 0, sp = 0;
        if (unw_get_reg(c, UNW_REG_IP, &ip) < 0 || ip == 0)
            break;
        unw_get_reg(c, UNW_REG_SP, &sp);
        if (step > 0 && ip == last_ip && sp == last_sp)
            break; /* no progress: a corrupt stack */
        last_ip = ip;
        last_sp = sp;
        /* libunwind flags the frame a signal interrupted: its ip is the
         * faulting instruction, not a return address */
        bool is_ra = step == 0 ? first_is_ra : unw_is_signal_frame(c) <= 0;
        if (!(step > 0 && is_sigreturn(ip)) && visit(&w, c, ip, is_ra))
            return;
        if (unw_step(c) <= 0)
            break;
    }
    /* whatever libc frames remain are the stack's start-up frames */
}

/* ---- Serialisation and the traceback stack -------------------------- */

static _Atomic pid_t tb_owner; /* tid running a traceback, 0 if none */
static char *tb_stack_top;
static __thread int tb_depth __attribute__((tls_model("initial-exec")));

/* False when this thread already holds the lock (a fault inside a
 * traceback re-entered) or another holder does not let go in time. */
static bool tb_lock(void)
{
    pid_t self = gettid();
    if (atomic_load(&tb_owner) == self)
        return false;
    for (int ms = 0; ms < LOCK_WAIT_MS; ms++) {
        for (int spin = 0; spin < 100; spin++) {
            pid_t unowned = 0;
            if (atomic_compare_exchange_weak(&tb_owner, &unowned, self))
                return true;
        }
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return false;
}

static void tb_unlock(void)
{
    atomic_store(&tb_owner, 0);
}

/* mmap is async-signal-safe; the guard page turns an overflow into a
 * fault instead of silent corruption. Lock held. */
static char *tb_stack(void)
{
    if (tb_stack_top == NULL) {
        size_t size = TB_STACK_SIZE + 4096;
        char *base = mmap(NULL, size, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (base == MAP_FAILED)
            return NULL;
        mprotect(base, 4096, PROT_NONE);
        tb_stack_top = base + size;
    }
    return tb_stack_top;
}

/* Calls fn(arg) with rsp = top. The CFA is kept in rbp, so unwinding from
 * fn continues through here onto the caller's stack. */
void tb_call_on_stack(void (*fn)(void *), void *arg, char *top);
__asm__(".text\n"
        ".p2align 4\n"
        ".type tb_call_on_stack, @function\n"
        "tb_call_on_stack:\n"
        ".cfi_startproc\n"
        "    pushq %rbp\n"
        ".cfi_def_cfa_offset 16\n"
        ".cfi_offset %rbp, -16\n"
        "    movq %rsp, %rbp\n"
        ".cfi_def_cfa_register %rbp\n"
        "    movq %rdx, %rsp\n"
        "    movq %rdi, %rax\n"
        "    movq %rsi, %rdi\n"
        "    call *%rax\n"
        "    movq %rbp, %rsp\n"
        "    popq %rbp\n"
        ".cfi_def_cfa %rsp, 8\n"
        "    ret\n"
        ".cfi_endproc\n"
        ".size tb_call_on_stack, .-tb_call_on_stack\n");

/* Runs fn(arg) exclusively on tb_stack with libdw, or, nested inside a
 * faulting traceback or when the lock is stuck, on this stack without. */
static void run_exclusive(int fd, void (*fn)(void *), void *arg)
{
    if (tb_depth >= 2) {
        rt_fdprintf(fd, "\t...traceback aborted: fault while unwinding...\n");
        return;
    }
    tb_depth++;
    bool saved_use_libdw = tb_use_libdw;
    if (tb_lock()) {
        char *top = tb_stack();
        tb_use_libdw = top != NULL;
        if (top != NULL)
            tb_call_on_stack(fn, arg, top);
        else
            fn(arg);
        tb_unlock();
    } else {
        tb_use_libdw = false;
        fn(arg);
    }
    tb_use_libdw = saved_use_libdw;
    tb_depth--;
}

/* ---- Entry points ---------------------------------------------------- */

typedef struct walk_job {
    int fd;
    unw_cursor_t cursor;
    int skip;
    bool first_is_ra;
    bool crash;
} walk_job;

static void walk_job_run(void *arg)
{
    walk_job *j = arg;
    walk(j->fd, &j->cursor, j->skip, j->first_is_ra, j->crash);
}

__attribute__((noinline)) void rt_traceback_current(int fd, int skip)
{
    unw_context_t uc;
    /* +1: this function */
    walk_job j = {.fd = fd, .skip = skip + 1, .first_is_ra = true};
    if (unw_getcontext(&uc) == 0 && unw_init_local(&j.cursor, &uc) == 0)
        run_exclusive(fd, walk_job_run, &j);
}

void rt_traceback_saved(int fd, void *saved_sp)
{
    /* rt_ctx_switch's frame: mxcsr/fpucw, r15, r14, r13, r12, rbx, rbp,
     * return address; the caller's sp is just above it */
    const uint64_t *s = saved_sp;
    unw_context_t uc;
    walk_job j = {.fd = fd, .first_is_ra = true};
    if (s == NULL)
        return;
    memset(&uc, 0, sizeof uc);
    greg_t *r = uc.uc_mcontext.gregs;
    r[REG_R15] = (greg_t)s[1];
    r[REG_R14] = (greg_t)s[2];
    r[REG_R13] = (greg_t)s[3];
    r[REG_R12] = (greg_t)s[4];
    r[REG_RBX] = (greg_t)s[5];
    r[REG_RBP] = (greg_t)s[6];
    r[REG_RIP] = (greg_t)s[7];
    r[REG_RSP] = (greg_t)(uintptr_t)(s + 8);
    if (unw_init_local(&j.cursor, &uc) == 0)
        run_exclusive(fd, walk_job_run, &j);
}

void rt_traceback_ucontext(int fd, void *uc)
{
    walk_job j = {.fd = fd, .first_is_ra = false, .crash = true};
    if (uc != NULL &&
        unw_init_local2(&j.cursor, uc, UNW_INIT_SIGNAL_FRAME) == 0)
        run_exclusive(fd, walk_job_run, &j);
}

typedef struct resolve_job {
    uintptr_t pc;
    bool is_ra;
    tb_pc *out;
} resolve_job;

static void resolve_job_run(void *arg)
{
    resolve_job *j = arg;
    resolve(j->pc, j->is_ra, NULL, j->out);
}

int rt_symbolize_module(uintptr_t pc, int is_ra, const char **func,
                        const char **file, int *line, const char **module,
                        uintptr_t *modoff)
{
    tb_pc p = {.n = 0};
    resolve_job j = {pc, is_ra != 0, &p};
    run_exclusive(STDERR_FILENO, resolve_job_run, &j);
    const tb_frame *f = p.n > 0 ? &p.f[0] : NULL;
    *func = f != NULL && f->func != NULL ? f->func : "?";
    *file = f != NULL && f->file != NULL ? f->file : "?";
    *line = f != NULL && f->file != NULL ? f->line : 0;
    *module = p.module;
    *modoff = p.module != NULL ? p.modoff : pc;
    return f != NULL ? 0 : -1;
}

int rt_symbolize(uintptr_t pc, int is_ra, const char **func, const char **file,
                 int *line)
{
    const char *module;
    uintptr_t off;
    return rt_symbolize_module(pc, is_ra, func, file, line, &module, &off);
}

void rt_print_created_by(int fd, const char *func, const char *file, int line,
                         uintptr_t pc, int64_t parent)
{
    tb_pc p = {.n = 0};
    const tb_frame *f = NULL;
    if ((func == NULL || file == NULL) && pc != 0) {
        resolve_job j = {pc, true, &p};
        run_exclusive(fd, resolve_job_run, &j);
        f = p.n > 0 ? &p.f[0] : NULL;
    }
    if (func == NULL)
        func = f != NULL && f->func != NULL ? f->func : "?";
    rt_fdprintf(fd, "created by %s", func);
    if (parent != 0)
        rt_fdprintf(fd, " in goroutine %lld", (long long)parent);
    rt_fdprintf(fd, "\n");
    if (file != NULL)
        rt_fdprintf(fd, "\t%s:%d\n", file, line);
    else if (pc != 0)
        print_location(fd, &p, f);
}
