/*
 * libc's string functions as memory accesses, as TSan's interceptors make
 * them: strcpy in one goroutine and strlen of the same buffer in another
 * race, though neither call is instrumented (libc is not compiled with
 * -fsanitize=thread).
 *
 * Interposition. These definitions replace libc's for the whole program
 * (the static archive's symbols come before libc.so's), the runtime and
 * the libraries included. Only calls from instrumented code are the
 * program's accesses (race_instrumented_caller, the verdict tsan.c caches
 * per call site); every other call goes straight to libc's function. That
 * also keeps the detector's own calls, and calls before the shadow exists,
 * out of the picture, and is what prevents recursion: nothing below calls
 * an interposed name, only the `real` pointers.
 *
 * libc's functions are found with dlsym(RTLD_NEXT) on first use. Until a
 * pointer is resolved (a library constructor calling strlen before us, or
 * a call made while dlsym itself runs on this thread), plain byte loops
 * through volatile pointers stand in, so the compiler cannot turn them back
 * into calls to the interposed names.
 *
 * What each call touches is TSan's choice: a string is read up to and
 * including its terminator, or the byte where the function stopped
 * (strchr's match, strcmp's first difference); memcmp reads all n bytes;
 * copies read the source, then write the destination. The accesses are
 * reported under a frame named after the function (the interceptor's own
 * address), on top of the caller, so a report reads `strcpy()` then the
 * user's line, as TSan's `#0 strcpy` does.
 *
 * pthread_create and pthread_join are the edges TSan makes of them, and a
 * thread the program starts gets a history of its own (race.c).
 *
 * read(2) and write(2) (and pread, pwrite, recv, send) are what Go's
 * syscall.Read and Write are under -race: a write happens before every
 * read that returns after it, whatever the fd (one ioSync for all, as
 * Go's), the writer reads its buffer and the reader writes the bytes it
 * got. So a pipe or socket between goroutines orders what it carries
 * (go_read and go_write are the runtime's own, rt/net.c).
 *
 * The printf family writes its buffer (sprintf, snprintf and their v
 * forms: the bytes written, terminator included); the strings its %s
 * arguments read are not tracked. Fortified variants (__strcpy_chk & co.,
 * -D_FORTIFY_SOURCE) are not intercepted.
 */
#define _GNU_SOURCE
#include "race.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CALLER_PC() ((uintptr_t)__builtin_return_address(0))

/* ---- reporting ----------------------------------------------------------- */

typedef struct lrange {
    const void *p;
    size_t n;
    bool write;
} lrange;

/* The accesses of one call of libc function fn made at call site caller. */
static void touch(const void *fn, uintptr_t caller, const lrange *r, int nr)
{
    gstate *g = race_cur();
    uintptr_t pc = (uintptr_t)fn + 1; /* symbolised as a return address */
    race_func_push(g, caller);
    for (int i = 0; i < nr; i++)
        if (r[i].n)
            race_access_range(g, (uintptr_t)r[i].p, r[i].n, r[i].write, pc);
    race_func_pop(g);
}

#define TOUCH(fn, ...)                                                         \
    do {                                                                       \
        const lrange r_[] = {__VA_ARGS__};                                     \
        touch((const void *)(fn), pc, r_, sizeof r_ / sizeof r_[0]);           \
    } while (0)
#define RD(p, n)                                                               \
    {                                                                          \
        (p), (n), false                                                        \
    }
#define WR(p, n)                                                               \
    {                                                                          \
        (p), (n), true                                                         \
    }

/* The call is the program's: made from instrumented code. */
#define USER_CALL() race_instrumented_caller(pc)

/* ---- libc's functions ---------------------------------------------------- */

enum {
    F_strlen,
    F_strnlen,
    F_strcpy,
    F_stpcpy,
    F_strncpy,
    F_strcat,
    F_strncat,
    F_strcmp,
    F_strncmp,
    F_strchr,
    F_strrchr,
    F_strstr,
    F_memcmp,
    F_memchr,
    F_vsnprintf,
    F_vsprintf,
    F_read,
    F_write,
    F_pread,
    F_pwrite,
    F_recv,
    F_send,
    F_N
};

static const char *const real_names[F_N] = {
    "strlen",  "strnlen", "strcpy",    "stpcpy",   "strncpy", "strcat",
    "strncat", "strcmp",  "strncmp",   "strchr",   "strrchr", "strstr",
    "memcmp",  "memchr",  "vsnprintf", "vsprintf", "read",    "write",
    "pread",   "pwrite",  "recv",      "send",
};

static void *reals[F_N];
static __thread int resolving;

/* libc's function, or NULL while it cannot be looked up yet. */
static void *real(int f)
{
    void *fn = __atomic_load_n(&reals[f], __ATOMIC_ACQUIRE);
    if (__builtin_expect(fn != NULL, 1) || resolving)
        return fn;
    resolving = 1;
    fn = dlsym(RTLD_NEXT, real_names[f]);
    resolving = 0;
    __atomic_store_n(&reals[f], fn, __ATOMIC_RELEASE);
    return fn;
}

#define REAL(name) ((__typeof__(&name))real(F_##name))

/* Looks every function up at __tsan_init, early and outside any signal
 * handler (dlsym is not async-signal-safe; a dump may call strlen). */
void race_libc_init(void)
{
    for (int f = 0; f < F_N; f++)
        real(f);
}

/* ---- stand-ins until dlsym answers ----------------------------------------
 */

static size_t fb_strnlen(const char *s, size_t max)
{
    const volatile char *p = s;
    size_t n = 0;
    while (n < max && p[n])
        n++;
    return n;
}

static int fb_strncmp(const char *a, const char *b, size_t max)
{
    const volatile unsigned char *x = (const void *)a, *y = (const void *)b;
    for (size_t i = 0; i < max; i++)
        if (x[i] != y[i] || !x[i])
            return x[i] - y[i];
    return 0;
}

static void fb_copy(char *d, const char *s, size_t n)
{
    volatile char *q = d;
    for (size_t i = 0; i < n; i++)
        q[i] = s[i];
}

/* Lengths the interceptors need, through libc when it is known. */
static size_t len_of(const char *s)
{
    size_t (*f)(const char *) = REAL(strlen);
    return f ? f(s) : fb_strnlen(s, (size_t)-1);
}

static size_t nlen_of(const char *s, size_t max)
{
    size_t (*f)(const char *, size_t) = REAL(strnlen);
    return f ? f(s, max) : fb_strnlen(s, max);
}

/* Bytes strcmp/strncmp read: up to the first difference or terminator. */
static size_t cmp_extent(const char *a, const char *b, size_t max)
{
    const unsigned char *x = (const void *)a, *y = (const void *)b;
    size_t i = 0;
    while (i < max && x[i] == y[i] && x[i])
        i++;
    return i < max ? i + 1 : max;
}

/* ---- lengths and comparisons --------------------------------------------- */

size_t strlen(const char *s)
{
    uintptr_t pc = CALLER_PC();
    size_t n = len_of(s);
    if (USER_CALL())
        TOUCH(strlen, RD(s, n + 1));
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    uintptr_t pc = CALLER_PC();
    size_t n = nlen_of(s, max);
    if (USER_CALL())
        TOUCH(strnlen, RD(s, n < max ? n + 1 : max));
    return n;
}

int strcmp(const char *a, const char *b)
{
    uintptr_t pc = CALLER_PC();
    if (USER_CALL()) {
        size_t k = cmp_extent(a, b, (size_t)-1);
        TOUCH(strcmp, RD(a, k), RD(b, k));
    }
    int (*f)(const char *, const char *) = REAL(strcmp);
    return f ? f(a, b) : fb_strncmp(a, b, (size_t)-1);
}

int strncmp(const char *a, const char *b, size_t max)
{
    uintptr_t pc = CALLER_PC();
    if (USER_CALL()) {
        size_t k = cmp_extent(a, b, max);
        TOUCH(strncmp, RD(a, k), RD(b, k));
    }
    int (*f)(const char *, const char *, size_t) = REAL(strncmp);
    return f ? f(a, b, max) : fb_strncmp(a, b, max);
}

int memcmp(const void *a, const void *b, size_t n)
{
    uintptr_t pc = CALLER_PC();
    if (USER_CALL())
        TOUCH(memcmp, RD(a, n), RD(b, n));
    int (*f)(const void *, const void *, size_t) = REAL(memcmp);
    if (f)
        return f(a, b, n);
    const volatile unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

/* ---- searches ------------------------------------------------------------ */

char *strchr(const char *s, int c)
{
    uintptr_t pc = CALLER_PC();
    char *(*f)(const char *, int) = REAL(strchr);
    char *r = NULL;
    if (f) {
        r = f(s, c);
    } else {
        const volatile char *p = s;
        size_t i = 0;
        while (p[i] && p[i] != (char)c)
            i++;
        r = p[i] == (char)c ? (char *)s + i : NULL;
    }
    if (USER_CALL())
        TOUCH(strchr, RD(s, r ? (size_t)(r - s) + 1 : len_of(s) + 1));
    return r;
}

char *strrchr(const char *s, int c)
{
    uintptr_t pc = CALLER_PC();
    size_t n = len_of(s);
    if (USER_CALL())
        TOUCH(strrchr, RD(s, n + 1));
    char *(*f)(const char *, int) = REAL(strrchr);
    if (f)
        return f(s, c);
    for (size_t i = n + 1; i-- > 0;)
        if (s[i] == (char)c)
            return (char *)s + i;
    return NULL;
}

void *memchr(const void *s, int c, size_t n)
{
    uintptr_t pc = CALLER_PC();
    void *(*f)(const void *, int, size_t) = REAL(memchr);
    const unsigned char *r = NULL;
    if (f) {
        r = f(s, c, n);
    } else {
        const volatile unsigned char *p = s;
        for (size_t i = 0; i < n && !r; i++)
            if (p[i] == (unsigned char)c)
                r = (const unsigned char *)s + i;
    }
    if (USER_CALL())
        TOUCH(memchr,
              RD(s, r ? (size_t)(r - (const unsigned char *)s) + 1 : n));
    return (void *)r;
}

char *strstr(const char *h, const char *needle)
{
    uintptr_t pc = CALLER_PC();
    char *(*f)(const char *, const char *) = REAL(strstr);
    size_t nl = len_of(needle);
    char *r = NULL;
    if (f) {
        r = f(h, needle);
    } else {
        for (const char *p = h;; p++) {
            if (!fb_strncmp(p, needle, nl)) {
                r = (char *)p;
                break;
            }
            if (!*p)
                break;
        }
    }
    if (USER_CALL())
        TOUCH(strstr, RD(needle, nl + 1),
              RD(h, r ? (size_t)(r - h) + nl : len_of(h) + 1));
    return r;
}

/* ---- copies -------------------------------------------------------------- */

char *strcpy(char *d, const char *s)
{
    uintptr_t pc = CALLER_PC();
    size_t n = len_of(s) + 1;
    if (USER_CALL())
        TOUCH(strcpy, RD(s, n), WR(d, n));
    char *(*f)(char *, const char *) = REAL(strcpy);
    if (f)
        return f(d, s);
    fb_copy(d, s, n);
    return d;
}

char *stpcpy(char *d, const char *s)
{
    uintptr_t pc = CALLER_PC();
    size_t n = len_of(s) + 1;
    if (USER_CALL())
        TOUCH(stpcpy, RD(s, n), WR(d, n));
    char *(*f)(char *, const char *) = REAL(stpcpy);
    if (f)
        return f(d, s);
    fb_copy(d, s, n);
    return d + n - 1;
}

/* Reads the source up to its terminator or n bytes, writes all n (the
 * destination is padded with zeros). */
char *strncpy(char *d, const char *s, size_t n)
{
    uintptr_t pc = CALLER_PC();
    size_t k = nlen_of(s, n);
    if (USER_CALL())
        TOUCH(strncpy, RD(s, k < n ? k + 1 : n), WR(d, n));
    char *(*f)(char *, const char *, size_t) = REAL(strncpy);
    if (f)
        return f(d, s, n);
    fb_copy(d, s, k);
    for (size_t i = k; i < n; i++)
        ((volatile char *)d)[i] = 0;
    return d;
}

char *strcat(char *d, const char *s)
{
    uintptr_t pc = CALLER_PC();
    size_t dl = len_of(d), sl = len_of(s);
    if (USER_CALL())
        TOUCH(strcat, RD(d, dl + 1), RD(s, sl + 1), WR(d + dl, sl + 1));
    char *(*f)(char *, const char *) = REAL(strcat);
    if (f)
        return f(d, s);
    fb_copy(d + dl, s, sl + 1);
    return d;
}

/* Appends at most n bytes of s, then a terminator. */
char *strncat(char *d, const char *s, size_t n)
{
    uintptr_t pc = CALLER_PC();
    size_t dl = len_of(d), sl = nlen_of(s, n);
    if (USER_CALL())
        TOUCH(strncat, RD(d, dl + 1), RD(s, sl < n ? sl + 1 : n),
              WR(d + dl, sl + 1));
    char *(*f)(char *, const char *, size_t) = REAL(strncat);
    if (f)
        return f(d, s, n);
    fb_copy(d + dl, s, sl);
    d[dl + sl] = 0;
    return d;
}

extern void *__libc_malloc(size_t);

/* A copy of the first len bytes of s (rd of them read) in a fresh heap
 * block, which the caller writes. */
static char *dup_n(const void *fn, uintptr_t pc, const char *s, size_t len,
                   size_t rd)
{
    char *p = race_fresh_block(__libc_malloc(len + 1), len + 1, pc);
    if (!p)
        return NULL;
    if (USER_CALL())
        TOUCH(fn, RD(s, rd), WR(p, len + 1));
    memcpy(p, s, len); /* from here: libc's, unobserved */
    p[len] = 0;
    return p;
}

char *strdup(const char *s)
{
    size_t n = len_of(s);
    return dup_n((const void *)strdup, CALLER_PC(), s, n, n + 1);
}

char *strndup(const char *s, size_t max)
{
    size_t n = nlen_of(s, max);
    return dup_n((const void *)strndup, CALLER_PC(), s, n,
                 n < max ? n + 1 : max);
}

/* ---- the printf family's buffer ------------------------------------------ */

/* The bytes a print of r characters into a buffer of size cap wrote. */
static size_t printed(int r, size_t cap)
{
    if (r < 0 || !cap)
        return 0;
    return (size_t)r + 1 < cap ? (size_t)r + 1 : cap;
}

static int print_n(const void *fn, uintptr_t pc, char *buf, size_t cap,
                   const char *fmt, va_list ap)
{
    int (*f)(char *, size_t, const char *, va_list) = REAL(vsnprintf);
    int r = f ? f(buf, cap, fmt, ap) : -1;
    if (USER_CALL())
        TOUCH(fn, WR(buf, printed(r, cap)));
    return r;
}

static int print_all(const void *fn, uintptr_t pc, char *buf, const char *fmt,
                     va_list ap)
{
    int (*f)(char *, const char *, va_list) = REAL(vsprintf);
    int r = f ? f(buf, fmt, ap) : -1;
    if (USER_CALL())
        TOUCH(fn, WR(buf, printed(r, (size_t)-1)));
    return r;
}

int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
    return print_n((const void *)vsnprintf, CALLER_PC(), buf, cap, fmt, ap);
}

int vsprintf(char *buf, const char *fmt, va_list ap)
{
    return print_all((const void *)vsprintf, CALLER_PC(), buf, fmt, ap);
}

int snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = print_n((const void *)snprintf, CALLER_PC(), buf, cap, fmt, ap);
    va_end(ap);
    return r;
}

int sprintf(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = print_all((const void *)sprintf, CALLER_PC(), buf, fmt, ap);
    va_end(ap);
    return r;
}

/* ---- threads the program starts ------------------------------------------
 * pthread_create happens before the thread runs and its end before the
 * pthread_join that waits for it, as TSan makes them; each such thread has
 * its own state (race.c). Only threads started from instrumented code: the
 * runtime's Ms, sysmon and detector threads are not the program's. A
 * thread left through pthread_exit skips the end: its join gets no edge. */

typedef struct trampoline {
    void *(*fn)(void *);
    void *arg;
    gstate *g;
} trampoline;

static uintptr_t stack_lo_of_self(void)
{
    pthread_attr_t a;
    void *lo = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
        pthread_attr_getstack(&a, &lo, &size);
        pthread_attr_destroy(&a);
    }
    return (uintptr_t)lo;
}

/* Named so that reports hide it (report.c), as they hide g_entry. */
void *race_thread_main(void *arg);
void *race_thread_main(void *arg)
{
    trampoline t = *(trampoline *)arg;
    race_free(arg);
    race_thread_start(t.g, gettid(), stack_lo_of_self());
    void *r = t.fn(t.arg);
    race_thread_end(t.g, (uintptr_t)pthread_self());
    return r;
}

int pthread_create(pthread_t *th, const pthread_attr_t *attr,
                   void *(*fn)(void *), void *arg)
{
    static int (*real_create)(pthread_t *, const pthread_attr_t *,
                              void *(*)(void *), void *);
    if (!real_create)
        real_create = dlsym(RTLD_NEXT, "pthread_create");
    uintptr_t pc = CALLER_PC();
    if (!USER_CALL())
        return real_create(th, attr, fn, arg);
    trampoline *t = race_alloc(sizeof *t);
    *t = (trampoline){fn, arg, race_thread_new(pc)};
    int err = real_create(th, attr, race_thread_main, t);
    if (err) {
        race_free(t); /* its state stays unused: rare */
        race_thread_unborn();
    }
    return err;
}

int pthread_join(pthread_t th, void **ret)
{
    static int (*real_join)(pthread_t, void **);
    if (!real_join)
        real_join = dlsym(RTLD_NEXT, "pthread_join");
    uintptr_t pc = CALLER_PC();
    int err = real_join(th, ret);
    if (!err && USER_CALL()) {
        int mode = hook_begin();
        race_acquire(race_cur(), (uintptr_t)th);
        race_sync_forget((uintptr_t)th);
        hook_end(mode);
    }
    return err;
}

/* ---- read(2) and write(2): Go's syscall.Read and Write ------------------- */

static char io_sync; /* Go's ioSync: the sync object of every fd */

/* Before a write of n bytes from buf: the writer reads buf, and the write
 * is an edge (Go's ReleaseMerge of ioSync; Go reads the range after the
 * call, which orders nothing differently). */
static void writing(const void *fn, uintptr_t pc, const void *buf, size_t n)
{
    if (!USER_CALL())
        return;
    TOUCH(fn, RD(buf, n));
    race_call_release(&io_sync);
}

/* After a read into buf that returned r. */
static ssize_t read_done(const void *fn, uintptr_t pc, void *buf, ssize_t r)
{
    if (r < 0 || !USER_CALL())
        return r;
    race_call_acquire(&io_sync);
    if (r > 0)
        TOUCH(fn, WR(buf, (size_t)r));
    return r;
}

/* Until dlsym has answered (a call while it runs, on this thread), the
 * system call itself stands in. */
#define IO_CALL(name, nr, ...)                                                 \
    (REAL(name) ? REAL(name)(__VA_ARGS__) : syscall(nr, __VA_ARGS__))

ssize_t write(int fd, const void *buf, size_t n)
{
    writing((const void *)write, CALLER_PC(), buf, n);
    return IO_CALL(write, SYS_write, fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    writing((const void *)pwrite, CALLER_PC(), buf, n);
    return IO_CALL(pwrite, SYS_pwrite64, fd, buf, n, off);
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    writing((const void *)send, CALLER_PC(), buf, n);
    return REAL(send) ? REAL(send)(fd, buf, n, flags)
                      : syscall(SYS_sendto, fd, buf, n, flags, NULL, 0);
}

ssize_t read(int fd, void *buf, size_t n)
{
    uintptr_t pc = CALLER_PC();
    return read_done((const void *)read, pc, buf,
                     IO_CALL(read, SYS_read, fd, buf, n));
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    uintptr_t pc = CALLER_PC();
    return read_done((const void *)pread, pc, buf,
                     IO_CALL(pread, SYS_pread64, fd, buf, n, off));
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    uintptr_t pc = CALLER_PC();
    ssize_t r = REAL(recv) ? REAL(recv)(fd, buf, n, flags)
                           : syscall(SYS_recvfrom, fd, buf, n, flags, NULL, 0);
    return read_done((const void *)recv, pc, buf, r);
}
