/*
 * The compiler's side: the __tsan_* callbacks that gcc and clang emit under
 * -fsanitize=thread, implemented on our engine instead of libtsan, and the
 * libc functions libtsan would intercept (memcpy, memmove, memset, malloc,
 * calloc, realloc, free), which instrumented code calls uninstrumented.
 *
 * Atomics perform the operation (sequentially consistent, which is at least
 * as strong as asked) between the release and the acquire they imply, and
 * tell the engine: an atomic access to the
 * shadow (two atomics never race), and for the orders that have them the
 * acquire/release edges on the atomic's address. Loads acquire; stores
 * release (a store replaces the release sequence, TSan's ReleaseStore);
 * read-modify-writes merge into it, as they continue release sequences.
 * Relaxed orders create no edge. Fences create none either (as in TSan).
 * 128-bit atomics run under a striped lock: every 16-byte atomic of an
 * instrumented program goes through here, and no libatomic is linked.
 *
 * Function entries and atomics are also scheduling points (rt/hooks.h):
 * where a goroutine that sysmon found hogging its P gives way, and where a
 * seeded schedule may switch goroutines.
 *
 * Interceptors (the string functions are in libc.c, with the same rule).
 * Our memcpy & co. replace libc's for the whole program, the
 * uninstrumented runtime and libraries included, but only calls from
 * instrumented code are user accesses: the runtime reports its own copies
 * of user memory through the mem_access hook, and its internal copies are
 * ordered by locks the detector does not see. A call site is instrumented
 * when its function calls __tsan_func_entry (both compilers emit it in any
 * function that makes a call); the verdict is cached per call site.
 */
#include "race.h"

#include <errno.h>

#include "../../rt/hooks.h"

#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <stdlib.h>
#include <string.h>

#define CALLER_PC() ((uintptr_t)__builtin_return_address(0))

/* ---- init, functions ----------------------------------------------------- */

void __tsan_init(void)
{
    race_libc_init();
    race_init();
}

void race_func_push(gstate *g, uintptr_t pc)
{
    if (g->depth == g->stk_cap) {
        uint32_t cap = g->stk_cap ? 2 * g->stk_cap : 16;
        uintptr_t *n = race_alloc(cap * sizeof *n);
        if (g->depth)
            memcpy(n, g->stk, g->depth * sizeof *n);
        race_free(g->stk);
        g->stk = n;
        g->stk_cap = cap;
    }
    g->stk[g->depth++] = pc;
    trace_func_enter(g, pc);
}

void race_func_pop(gstate *g)
{
    if (g->depth)
        g->depth--;
    trace_func_exit(g);
}

void __tsan_func_entry(void *pc)
{
    rt_user_sched_point(RT_POINT_CALL);
    race_func_push(race_cur(), (uintptr_t)pc);
}

void __tsan_func_exit(void)
{
    race_func_pop(race_cur());
}

void __tsan_ignore_thread_begin(void) {}
void __tsan_ignore_thread_end(void) {}

/* ---- plain accesses ------------------------------------------------------ */

/* errno belongs to the thread, and goroutines that share a thread share
 * it: one that clears it before a libc call and another that reads it
 * after one of its own are not racing on the program's data, and TSan,
 * which gives each a thread, never sees them meet. Its accesses are not
 * checked (4-byte ones only: the compiler drops the test elsewhere). */
static __thread uintptr_t errno_word __attribute__((tls_model("initial-exec")));

static inline bool is_errno(uintptr_t addr)
{
    uintptr_t e = errno_word;
    if (__builtin_expect(!e, 0))
        e = errno_word = (uintptr_t)__errno_location();
    return addr == e;
}

#define plain_access(addr, n, write, pc)                                       \
    do {                                                                       \
        if (n != sizeof(int) || !is_errno(addr))                               \
            race_##write##n(race_cur(), addr, pc);                             \
    } while (0)

#define DEFINE_ACCESS(n)                                                       \
    void __tsan_read##n(void *a)                                               \
    {                                                                          \
        plain_access((uintptr_t)a, n, read, CALLER_PC());                      \
    }                                                                          \
    void __tsan_write##n(void *a)                                              \
    {                                                                          \
        plain_access((uintptr_t)a, n, write, CALLER_PC());                     \
    }                                                                          \
    void __tsan_unaligned_read##n(void *a)                                     \
    {                                                                          \
        plain_access((uintptr_t)a, n, read, CALLER_PC());                      \
    }                                                                          \
    void __tsan_unaligned_write##n(void *a)                                    \
    {                                                                          \
        plain_access((uintptr_t)a, n, write, CALLER_PC());                     \
    }                                                                          \
    void __tsan_volatile_read##n(void *a)                                      \
    {                                                                          \
        plain_access((uintptr_t)a, n, read, CALLER_PC());                      \
    }                                                                          \
    void __tsan_volatile_write##n(void *a)                                     \
    {                                                                          \
        plain_access((uintptr_t)a, n, write, CALLER_PC());                     \
    }                                                                          \
    void __tsan_unaligned_volatile_read##n(void *a)                            \
    {                                                                          \
        plain_access((uintptr_t)a, n, read, CALLER_PC());                      \
    }                                                                          \
    void __tsan_unaligned_volatile_write##n(void *a)                           \
    {                                                                          \
        plain_access((uintptr_t)a, n, write, CALLER_PC());                     \
    }                                                                          \
    void __tsan_read##n##_pc(void *a, void *pc)                                \
    {                                                                          \
        plain_access((uintptr_t)a, n, read, (uintptr_t)pc);                    \
    }                                                                          \
    void __tsan_write##n##_pc(void *a, void *pc)                               \
    {                                                                          \
        plain_access((uintptr_t)a, n, write, (uintptr_t)pc);                   \
    }

DEFINE_ACCESS(1)
DEFINE_ACCESS(2)
DEFINE_ACCESS(4)
DEFINE_ACCESS(8)
DEFINE_ACCESS(16)

void __tsan_read_range(void *a, unsigned long n)
{
    race_access_range(race_cur(), (uintptr_t)a, n, false, CALLER_PC());
}

void __tsan_write_range(void *a, unsigned long n)
{
    race_access_range(race_cur(), (uintptr_t)a, n, true, CALLER_PC());
}

void __tsan_read_range_pc(void *a, unsigned long n, void *pc)
{
    race_access_range(race_cur(), (uintptr_t)a, n, false, (uintptr_t)pc);
}

void __tsan_write_range_pc(void *a, unsigned long n, void *pc)
{
    race_access_range(race_cur(), (uintptr_t)a, n, true, (uintptr_t)pc);
}

/* C++ virtual table pointers: an update is a write unless it stores the
 * same value (constructors of derived classes), a read is a read. */
_Static_assert(sizeof(void *) == 8, "a vtable pointer is an 8-byte access");
void __tsan_vptr_update(void **vptr_p, void *new_val)
{
    if (*vptr_p != new_val)
        plain_access((uintptr_t)vptr_p, 8, write, CALLER_PC());
}

void __tsan_vptr_read(void **vptr_p)
{
    plain_access((uintptr_t)vptr_p, 8, read, CALLER_PC());
}

/* ---- atomics ------------------------------------------------------------- */

typedef enum {
    mo_relaxed,
    mo_consume,
    mo_acquire,
    mo_release,
    mo_acq_rel,
    mo_seq_cst
} morder;

static inline bool is_acquire(morder mo)
{
    return mo == mo_consume || mo == mo_acquire || mo == mo_acq_rel ||
           mo == mo_seq_cst;
}

static inline bool is_release(morder mo)
{
    return mo == mo_release || mo == mo_acq_rel || mo == mo_seq_cst;
}

/* What an atomic operation means to the detector. A release is published
 * before the operation makes its value visible and an acquire is taken after
 * it read one, so whoever observes the value also finds the clock. The
 * access is recorded before the release, in the epoch it publishes. */
static bool atomic_pre(uintptr_t a, size_t n, bool write, bool rmw, morder mo,
                       uintptr_t pc)
{
    if (!write || !is_release(mo))
        return false;
    gstate *g = race_cur();
    race_access(g, a, n, true, true, pc);
    race_release(g, a, rmw);
    return true;
}

static void atomic_post(uintptr_t a, size_t n, bool write, bool rmw, morder mo,
                        uintptr_t pc, bool recorded)
{
    gstate *g = race_cur();
    if ((!write || rmw) && is_acquire(mo))
        race_acquire(g, a);
    if (!recorded)
        race_access(g, a, n, write, true, pc);
}

/* The detector's release, the operation and its acquire must happen as one
 * step for each address, or its order of releases and acquires can differ
 * from the memory's: a goroutine whose add came second could publish its
 * clock before the first one's acquire reads it, and the first would then
 * seem to come after it (a race missed). Ordered atomics on one address
 * therefore run under a striped lock; relaxed ones make no edge and take
 * none. */
static atomic_flag order_locks[256];

/* Also the atomics' scheduling point (rt/hooks.h), taken before any lock.
 * An ordered atomic moves clocks, so it runs in a hook bracket (race.h):
 * *mode says which, for order_unlock. */
static atomic_flag *order_lock(const volatile void *a, morder mo, int *mode)
{
    rt_user_sched_point(RT_POINT_ATOMIC);
    *mode = HOOK_PLAIN;
    if (mo == mo_relaxed)
        return NULL;
    *mode = hook_begin();
    atomic_flag *l = &order_locks[((uintptr_t)a >> 3) % 256];
    table_lock(l);
    return l;
}

static inline void order_unlock(atomic_flag *l, int mode)
{
    if (l)
        table_unlock(l);
    hook_end(mode);
}

#define PRE(a, n, rmw, mo)                                                     \
    int om_;                                                                   \
    atomic_flag *ol_ = order_lock(a, mo, &om_);                                \
    bool rec_ = atomic_pre((uintptr_t)(a), n, true, rmw, mo, CALLER_PC())
#define POST(a, n, write, rmw, mo)                                             \
    atomic_post((uintptr_t)(a), n, write, rmw, mo, CALLER_PC(), rec_);         \
    order_unlock(ol_, om_)

typedef char a8;
typedef short a16;
typedef int a32;
typedef long a64;
typedef __int128 a128;

#define SC __ATOMIC_SEQ_CST
#define DEFINE_ATOMIC(bits, T)                                                 \
    T __tsan_atomic##bits##_load(const volatile T *a, morder mo)               \
    {                                                                          \
        int om_;                                                               \
        atomic_flag *ol_ = order_lock(a, mo, &om_);                            \
        T v = __atomic_load_n(a, SC);                                          \
        atomic_post((uintptr_t)a, sizeof(T), false, false, mo, CALLER_PC(),    \
                    false);                                                    \
        order_unlock(ol_, om_);                                                \
        return v;                                                              \
    }                                                                          \
    void __tsan_atomic##bits##_store(volatile T *a, T v, morder mo)            \
    {                                                                          \
        PRE(a, sizeof(T), false, mo);                                          \
        __atomic_store_n(a, v, SC);                                            \
        POST(a, sizeof(T), true, false, mo);                                   \
    }                                                                          \
    DEFINE_RMW(bits, T, exchange, __atomic_exchange_n)                         \
    DEFINE_RMW(bits, T, fetch_add, __atomic_fetch_add)                         \
    DEFINE_RMW(bits, T, fetch_sub, __atomic_fetch_sub)                         \
    DEFINE_RMW(bits, T, fetch_and, __atomic_fetch_and)                         \
    DEFINE_RMW(bits, T, fetch_or, __atomic_fetch_or)                           \
    DEFINE_RMW(bits, T, fetch_xor, __atomic_fetch_xor)                         \
    DEFINE_RMW(bits, T, fetch_nand, __atomic_fetch_nand)                       \
    int __tsan_atomic##bits##_compare_exchange_strong(                         \
        volatile T *a, T *c, T v, morder mo, morder fmo)                       \
    {                                                                          \
        PRE(a, sizeof(T), true, mo);                                           \
        bool ok = __atomic_compare_exchange_n(a, c, v, false, SC, SC);         \
        POST(a, sizeof(T), ok, true, ok ? mo : fmo);                           \
        return ok;                                                             \
    }                                                                          \
    int __tsan_atomic##bits##_compare_exchange_weak(volatile T *a, T *c, T v,  \
                                                    morder mo, morder fmo)     \
    {                                                                          \
        PRE(a, sizeof(T), true, mo);                                           \
        bool ok = __atomic_compare_exchange_n(a, c, v, false, SC, SC);         \
        POST(a, sizeof(T), ok, true, ok ? mo : fmo);                           \
        return ok;                                                             \
    }                                                                          \
    T __tsan_atomic##bits##_compare_exchange_val(volatile T *a, T c, T v,      \
                                                 morder mo, morder fmo)        \
    {                                                                          \
        PRE(a, sizeof(T), true, mo);                                           \
        bool ok = __atomic_compare_exchange_n(a, &c, v, false, SC, SC);        \
        POST(a, sizeof(T), ok, true, ok ? mo : fmo);                           \
        return c;                                                              \
    }

#define DEFINE_RMW(bits, T, op, builtin)                                       \
    T __tsan_atomic##bits##_##op(volatile T *a, T v, morder mo)                \
    {                                                                          \
        PRE(a, sizeof(T), true, mo);                                           \
        T old = builtin(a, v, SC);                                             \
        POST(a, sizeof(T), true, true, mo);                                    \
        return old;                                                            \
    }

DEFINE_ATOMIC(8, a8)
DEFINE_ATOMIC(16, a16)
DEFINE_ATOMIC(32, a32)
DEFINE_ATOMIC(64, a64)

/* 128 bits: a striped lock instead of cmpxchg16b/libatomic. */
static atomic_flag locks128[64];

static atomic_flag *lock_for(const volatile void *a)
{
    return &locks128[((uintptr_t)a >> 4) % 64];
}

#define LOCKED128(a, body)                                                     \
    do {                                                                       \
        atomic_flag *l_ = lock_for(a);                                         \
        spin_lock(l_);                                                         \
        body;                                                                  \
        spin_unlock(l_);                                                       \
    } while (0)

a128 __tsan_atomic128_load(const volatile a128 *a, morder mo)
{
    a128 v;
    int om_;
    atomic_flag *ol_ = order_lock(a, mo, &om_);
    LOCKED128(a, v = *a);
    atomic_post((uintptr_t)a, 16, false, false, mo, CALLER_PC(), false);
    order_unlock(ol_, om_);
    return v;
}

void __tsan_atomic128_store(volatile a128 *a, a128 v, morder mo)
{
    PRE(a, 16, false, mo);
    LOCKED128(a, *a = v);
    POST(a, 16, true, false, mo);
}

#define DEFINE_RMW128(op, expr)                                                \
    a128 __tsan_atomic128_##op(volatile a128 *a, a128 v, morder mo)            \
    {                                                                          \
        a128 old;                                                              \
        PRE(a, 16, true, mo);                                                  \
        LOCKED128(a, old = *a; *a = (expr));                                   \
        POST(a, 16, true, true, mo);                                           \
        return old;                                                            \
    }

DEFINE_RMW128(exchange, v)
DEFINE_RMW128(fetch_add, old + v)
DEFINE_RMW128(fetch_sub, old - v)
DEFINE_RMW128(fetch_and, old &v)
DEFINE_RMW128(fetch_or, old | v)
DEFINE_RMW128(fetch_xor, old ^ v)
DEFINE_RMW128(fetch_nand, ~(old &v))

static bool cas128(volatile a128 *a, a128 *c, a128 v)
{
    bool ok;
    LOCKED128(a, ok = *a == *c; if (ok) *a = v; else *c = *a);
    return ok;
}

int __tsan_atomic128_compare_exchange_strong(volatile a128 *a, a128 *c, a128 v,
                                             morder mo, morder fmo)
{
    PRE(a, 16, true, mo);
    bool ok = cas128(a, c, v);
    POST(a, 16, ok, true, ok ? mo : fmo);
    return ok;
}

int __tsan_atomic128_compare_exchange_weak(volatile a128 *a, a128 *c, a128 v,
                                           morder mo, morder fmo)
{
    PRE(a, 16, true, mo);
    bool ok = cas128(a, c, v);
    POST(a, 16, ok, true, ok ? mo : fmo);
    return ok;
}

a128 __tsan_atomic128_compare_exchange_val(volatile a128 *a, a128 c, a128 v,
                                           morder mo, morder fmo)
{
    PRE(a, 16, true, mo);
    bool ok = cas128(a, &c, v);
    POST(a, 16, ok, true, ok ? mo : fmo);
    return c;
}

void __tsan_atomic_thread_fence(morder mo)
{
    (void)mo;
    __atomic_thread_fence(SC);
}

void __tsan_atomic_signal_fence(morder mo)
{
    (void)mo;
    __atomic_signal_fence(SC);
}

/* ---- which call sites are instrumented ------------------------------------
 */

enum { VERDICT_CAP = 1 << 14 };
/* key: call site | 1 if instrumented, | 2 if not; open addressing, never
 * deleted (code does not move). */
static uintptr_t verdicts[VERDICT_CAP];

/* Does the function containing pc call target (a direct rel32 call)? */
static bool function_calls(uintptr_t pc, uintptr_t target)
{
    unw_proc_info_t pi;
    if (unw_get_proc_info_by_ip(unw_local_addr_space, pc, &pi, NULL) != 0)
        return false;
    const unsigned char *p = (const unsigned char *)pi.start_ip;
    const unsigned char *end = (const unsigned char *)pi.end_ip;
    for (; p + 5 <= end; p++)
        if (*p == 0xe8) {
            int32_t rel;
            __builtin_memcpy(&rel, p + 1, 4);
            if ((uintptr_t)(p + 5) + (intptr_t)rel == target)
                return true;
        }
    return false;
}

static __thread int in_verdict;

bool race_instrumented_caller(uintptr_t pc)
{
    if (!shadow_ready || in_verdict)
        return false;
    size_t h = (pc * 0x9e3779b97f4a7c15ull) >> 50;
    for (size_t i = 0; i < VERDICT_CAP; i++) {
        size_t k = (h + i) % VERDICT_CAP;
        uintptr_t v = __atomic_load_n(&verdicts[k], __ATOMIC_RELAXED);
        if (!v) {
            in_verdict = 1;
            bool yes = function_calls(pc, (uintptr_t)__tsan_func_entry);
            in_verdict = 0;
            uintptr_t want = 0;
            __atomic_compare_exchange_n(&verdicts[k], &want,
                                        pc << 2 | (yes ? 1 : 2), false,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED);
            return yes;
        }
        if (v >> 2 == pc)
            return v & 1;
    }
    return false;
}

/* ---- libc interceptors ----------------------------------------------------
 */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__memcpy_chk(void *, const void *, size_t, size_t);
extern void *__memmove_chk(void *, const void *, size_t, size_t);
extern void *__memset_chk(void *, int, size_t, size_t);

/* libc's own copies, reached through pointers the compiler cannot fold
 * back into calls to ours. */
static void *(*volatile real_memcpy)(void *, const void *, size_t,
                                     size_t) = __memcpy_chk;
static void *(*volatile real_memmove)(void *, const void *, size_t,
                                      size_t) = __memmove_chk;
static void *(*volatile real_memset)(void *, int, size_t,
                                     size_t) = __memset_chk;

/* As detect/race/libc.c reports a string function: a frame named after
 * fn (its address, read as a return address) on top of the caller's. */
static void lib_access(const void *fn, const void *dst, const void *src,
                       size_t n, uintptr_t caller)
{
    gstate *g = race_cur();
    uintptr_t pc = (uintptr_t)fn + 1;
    race_func_push(g, caller);
    if (src)
        race_access_range(g, (uintptr_t)src, n, false, pc);
    race_access_range(g, (uintptr_t)dst, n, true, pc);
    race_func_pop(g);
}

void *memcpy(void *dst, const void *src, size_t n)
{
    uintptr_t pc = CALLER_PC();
    if (n && race_instrumented_caller(pc))
        lib_access((const void *)memcpy, dst, src, n, pc);
    return real_memcpy(dst, src, n, (size_t)-1);
}

void *memmove(void *dst, const void *src, size_t n)
{
    uintptr_t pc = CALLER_PC();
    if (n && race_instrumented_caller(pc))
        lib_access((const void *)memmove, dst, src, n, pc);
    return real_memmove(dst, src, n, (size_t)-1);
}

void *memset(void *dst, int c, size_t n)
{
    uintptr_t pc = CALLER_PC();
    if (n && race_instrumented_caller(pc))
        lib_access((const void *)memset, dst, NULL, n, pc);
    return real_memset(dst, c, n, (size_t)-1);
}

/* Newer compilers call these for the memory intrinsics directly. */
void *__tsan_memcpy(void *dst, const void *src, size_t n)
{
    if (n)
        lib_access((const void *)memcpy, dst, src, n, CALLER_PC());
    return real_memcpy(dst, src, n, (size_t)-1);
}

void *__tsan_memmove(void *dst, const void *src, size_t n)
{
    if (n)
        lib_access((const void *)memmove, dst, src, n, CALLER_PC());
    return real_memmove(dst, src, n, (size_t)-1);
}

void *__tsan_memset(void *dst, int c, size_t n)
{
    if (n)
        lib_access((const void *)memset, dst, NULL, n, CALLER_PC());
    return real_memset(dst, c, n, (size_t)-1);
}

/* The deadlock detector's heap registry (detect/common/heap.c), when it is
 * linked in: these interposers replace its own, so they must feed it, or
 * go_leakcheck finds no heap to mark and gives no verdict. Weak: a program
 * with the race detector alone has no registry. */
extern void det_heap_note_alloc(void *p, size_t size, uintptr_t pc)
    __attribute__((weak));
extern void det_heap_note_free(void *p) __attribute__((weak));
extern size_t malloc_usable_size(void *p);

/* A fresh block has no history: the memory may have been someone else's. */
static void *fresh(void *p, size_t n, uintptr_t pc)
{
    if (p && det_heap_note_alloc)
        det_heap_note_alloc(p, n, pc);
    if (p && shadow_ready) {
        shadow_reset((uintptr_t)p, n);
        race_sync_reset((uintptr_t)p, n);
        if (race_instrumented_caller(pc))
            heap_note_alloc(race_cur(), (uintptr_t)p, n, pc);
    }
    return p;
}

void *race_fresh_block(void *p, size_t n, uintptr_t pc)
{
    return fresh(p, n, pc);
}

static void forget(void *p)
{
    if (shadow_ready)
        heap_note_free((uintptr_t)p);
    if (det_heap_note_free)
        det_heap_note_free(p);
}

void *malloc(size_t n)
{
    return fresh(__libc_malloc(n), n, CALLER_PC());
}

void *calloc(size_t k, size_t n)
{
    return fresh(__libc_calloc(k, n), k * n, CALLER_PC());
}

/* The old block is forgotten first: glibc may hand its address to another
 * thread the moment realloc moves it. A failed realloc keeps it. */
void *realloc(void *old, size_t n)
{
    uintptr_t pc = CALLER_PC();
    size_t was = old ? malloc_usable_size(old) : 0;
    if (old)
        forget(old);
    void *p = __libc_realloc(old, n);
    if (!p && old && n && det_heap_note_alloc)
        det_heap_note_alloc(old, was, pc);
    if (!p)
        return NULL;
    return fresh(p, n, pc);
}

void free(void *p)
{
    if (p)
        forget(p);
    __libc_free(p);
}

void *memalign(size_t align, size_t n)
{
    return fresh(__libc_memalign(align, n), n, CALLER_PC());
}

void *aligned_alloc(size_t align, size_t n)
{
    return fresh(__libc_memalign(align, n), n, CALLER_PC());
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return 22; /* EINVAL */
    void *p = fresh(__libc_memalign(align, n), n, CALLER_PC());
    if (!p)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}
