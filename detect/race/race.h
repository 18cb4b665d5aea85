/*
 * Internal interfaces of the native race detector (detect/race). Nothing
 * here is public: users see only the __tsan_* ABI the compilers call and the
 * GORACE environment options. See race.c for the design.
 */
#ifndef DET_RACE_H
#define DET_RACE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../rt/hooks.h"
#include "../../rt/options.h"

typedef uint32_t epoch_t;
typedef uint32_t sid_t;

/* ---- vector clocks (clock.c) --------------------------------------------- */

/* A vector clock indexed by slot id (clock.c). Shared copy-on-write between
 * a parent and the children it spawns (ref > 1: immutable); sync objects
 * own theirs. At most FLAT_MAX entries are a flat array e[]; wider clocks
 * are a persistent 16-ary radix tree (depth levels, root) of shared nodes. */
typedef struct vnode vnode;
typedef struct vclock {
    uint32_t ref;
    uint32_t len;   /* entries in use */
    uint16_t cap;   /* room in e[] (flat; at most FLAT_MAX) */
    uint16_t depth; /* 0: flat; else the tree's levels */
    /* The floors this clock stands on (race.c, "Floors"): slot s reads at
     * least its floor wherever the floor was raised at a pass <= fgen. */
    uint32_t fgen;
    uint64_t gen; /* unique per content: renewed on every change */
    /* Set by race.c on a clock that a release made (tag_epoch 0: none):
     * every clock holding (tag_sid, tag_epoch) holds this one. Cleared by
     * every change. */
    sid_t tag_sid;
    epoch_t tag_epoch;
    vnode *root;
    epoch_t e[];
} vclock;

enum { FLAT_MAX = 512 };

void vc_unref(vclock *vc);
vclock *vc_share(vclock *vc);
epoch_t vc_tree_get(const vclock *vc, sid_t i);
/* Tree nodes allocated and not yet freed (a leak check for the tests). */
long vc_nodes_live(void);
static inline epoch_t vc_get(const vclock *vc, sid_t i)
{
    if (!vc || i >= vc->len)
        return 0;
    return __builtin_expect(!vc->depth, 1) ? vc->e[i] : vc_tree_get(vc, i);
}
void vc_set(vclock **vcp, sid_t i, epoch_t e);
/* Entry i = max(entry i, e), as vc_join of that one entry; returns whether
 * the clock changed. */
bool vc_raise(vclock **vcp, sid_t i, epoch_t e);
/* *dst = max(*dst, src) (fgen too), and entry own raised to own_epoch unless
 * own == SID_NONE (src[own] must not exceed own_epoch: it is the caller's
 * own, possibly stale, entry). Returns whether dst changed. */
bool vc_join(vclock **dst, const vclock *src, sid_t own, epoch_t own_epoch);
/* Is a <= b on every entry but `own`, on floors no higher than b's? */
bool vc_dominated(const vclock *a, const vclock *b, sid_t own);
/* *dst = src (+ own entry), fgen included. */
void vc_assign(vclock **dst, const vclock *src, sid_t own, epoch_t own_epoch);
/* *dst holds what src does: src itself, shared, or a private copy when
 * src is a short flat clock (keeping its generation: the same content). */
void vc_hold(vclock **dst, vclock *src);
/* Stands *vcp on generation fgen if it stands lower (a copy if shared).
 * Only for a clock whose holder is known to know what those floors stand
 * for: one that covers the knowledge of a clock standing there. */
void vc_raise_fgen(vclock **vcp, uint32_t fgen);
/* A number no generation and no other call returns (clock.c draws them
 * per thread). */
extern __thread uint64_t vc_gen_next __attribute__((tls_model("initial-exec")));
extern __thread uint64_t vc_gen_end __attribute__((tls_model("initial-exec")));
uint64_t vc_gen_refill(void);
static inline uint64_t vc_unique(void)
{
    if (__builtin_expect(vc_gen_next == vc_gen_end, 0))
        return vc_gen_refill();
    return ++vc_gen_next;
}
/* A flat copy of vc standing on generation fgen without its entries at
 * or below the floors there, which it then holds anyway (race.c,
 * "Floors"); NULL if that would leave it wider than FLAT_MAX or change
 * nothing of a flat clock. */
vclock *vc_above_floor(const vclock *vc, uint32_t fgen);

#define SID_NONE UINT32_MAX

/* ---- shadow cells (shadow.c) --------------------------------------------- */

/*
 * One shadow cell describes one access to an 8-byte application word:
 *   bits  0..31 epoch   bits 32..53 slot id   bits 54..61 byte mask
 *   bit  62 write       bit  63 atomic
 * The all-zero cell is empty (epochs start at 1).
 */
typedef uint64_t shadow_t;
enum {
    SHADOW_CELLS = 4,
    SID_BITS = 22,
    MAX_SLOTS = 1 << SID_BITS,
};
static inline shadow_t shadow_make(sid_t sid, epoch_t ep, unsigned mask,
                                   bool write, bool atomic)
{
    return (shadow_t)ep | (shadow_t)sid << 32 | (shadow_t)(mask & 0xff) << 54 |
           (shadow_t)write << 62 | (shadow_t)atomic << 63;
}
static inline epoch_t shadow_epoch(shadow_t s)
{
    return (epoch_t)s;
}
static inline sid_t shadow_sid(shadow_t s)
{
    return (sid_t)(s >> 32) & (MAX_SLOTS - 1);
}
static inline unsigned shadow_mask(shadow_t s)
{
    return (s >> 54) & 0xff;
}
static inline bool shadow_write(shadow_t s)
{
    return (s >> 62) & 1;
}
static inline bool shadow_atomic(shadow_t s)
{
    return s >> 63;
}

/* Entries a goroutine or sync object knows beyond its clock, learned in
 * hand-offs and not yet written into it (race.c, "Pending entries"). */
enum { PEND_MAX = 8 };
typedef struct pendset {
    uint32_t n;
    sid_t sid[PEND_MAX];
    epoch_t epoch[PEND_MAX];
} pendset;

/* The largest epoch p holds for slot s, or e if that is larger. */
static inline epoch_t pend_max(const pendset *p, sid_t s, epoch_t e)
{
    for (uint32_t i = 0; i < p->n; i++)
        if (p->sid[i] == s && p->epoch[i] > e)
            e = p->epoch[i];
    return e;
}

/* The accessor's view for a check: who it is and what it knows. */
typedef struct accessor {
    sid_t sid;
    epoch_t epoch;
    const vclock *vc; /* vc[sid] is ignored: epoch is authoritative */
    sid_t pin_sid;    /* one entry known beyond vc (gstate.pin_sid) */
    epoch_t pin_epoch;
    const pendset *pend; /* and these (gstate.pend) */
} accessor;

/* Slot s's floor: every clock standing on generation gen or later
 * (vclock.fgen) holds s up to epoch (race.c, "Floors"). */
typedef struct floor_t {
    epoch_t epoch;
    uint32_t gen;
} floor_t;
enum { FLOOR_CHUNK = 4096 };
extern floor_t *race_floor_chunks[MAX_SLOTS / FLOOR_CHUNK];
static inline floor_t race_floor(sid_t s)
{
    const floor_t *c = race_floor_chunks[s / FLOOR_CHUNK];
    return c ? c[s % FLOOR_CHUNK] : (floor_t){0, 0};
}
/* The floor slot s had at generation fgen, older than its latest. */
epoch_t race_floor_before(uint32_t fgen, sid_t s) __attribute__((cold));
/* What a clock standing on fgen holds of slot s without an entry. */
static inline epoch_t race_floor_for(uint32_t fgen, sid_t s)
{
    floor_t f = race_floor(s);
    if (__builtin_expect(f.gen <= fgen, 1))
        return f.epoch;
    return race_floor_before(fgen, s);
}
static inline uint32_t vc_fgen(const vclock *vc)
{
    return vc ? vc->fgen : 0;
}

static inline bool happens_before(const accessor *a, shadow_t old)
{
    sid_t s = shadow_sid(old);
    epoch_t e = shadow_epoch(old);
    if (s == a->sid)
        return e <= a->epoch;
    return e <= vc_get(a->vc, s) || (s == a->pin_sid && e <= a->pin_epoch) ||
           e <= pend_max(a->pend, s, 0) ||
           e <= race_floor_for(vc_fgen(a->vc), s);
}

/* Checks `cur` against the cells of one word and records it. Returns 0 or
 * the conflicting earlier cell. */
shadow_t shadow_check(_Atomic shadow_t *cells, const accessor *a, shadow_t cur);

/* Application addresses differ in their low 44 bits (shadow.c). */
#define APP_MASK ((1ull << 44) - 1)

/* Direct-mapped shadow: SHADOW_CELLS cells per 8 application bytes. */
bool shadow_map_init(void);
_Atomic shadow_t *shadow_for(uintptr_t addr);
/* The stack-top run that shadow_for uses for [hi - STACK_TOP, hi), hi the
 * top of a goroutine's stack slot (rt_hook_stack_bounds). */
enum { STACK_TOP = 8192 };
_Atomic shadow_t *shadow_stack_top(uintptr_t hi);
/* The top PACKED_TOP bytes of every arena stack, where a shallow goroutine
 * makes all its accesses, are shadowed side by side (shadow.c), as one run
 * of its own: shadow_stack_packed(hi) is its start. */
enum { PACKED_TOP = 256 };
_Atomic shadow_t *shadow_stack_packed(uintptr_t hi);
/* gstate.top_ready for a goroutine starting on the stack whose slot's top
 * is hi: how far down its shadow is known committed. */
uintptr_t shadow_stack_top_ready(uintptr_t hi);
bool shadow_covers(uintptr_t addr);
void shadow_reset(uintptr_t addr, size_t size);
/* addr, on a stack of the runtime's arena, was used by a goroutine other
 * than the stack's (an access, or a sync object there). A goroutine's own
 * accesses mark gstate.stack_min instead; a local that only others used
 * can lie below all of them, and its history must go with the stack's. */
void shadow_note_stack_use(uintptr_t addr);
/* The lowest address others used on the arena stack below hi (its slot's
 * top), or 0; the mark starts afresh. */
uintptr_t shadow_take_stack_use(uintptr_t hi);
extern bool shadow_ready;

/* ---- goroutines, slots, sync objects (race.c) ---------------------------- */

typedef struct stackrec stackrec;
typedef struct trace trace;

typedef struct gstate {
    int64_t gid;
    sid_t sid;
    epoch_t epoch; /* own clock entry, authoritative */
    bool touched;  /* accessed memory in the current epoch */
    bool pending;  /* pend.n > 0: tested here, beside what every op reads */
    epoch_t start_epoch; /* first epoch of this incarnation of sid */
    /* What g knows: vc, plus (pin_sid, pin_epoch) when pin_sid is not
     * SID_NONE, plus pend, plus its own epoch. The pin is the parent's entry at
     * the spawn, kept aside so that a child can share its parent's clock
     * unchanged: a spawn loop then copies no clock at all. */
    vclock *vc;
    sid_t pin_sid;
    epoch_t pin_epoch;
    /* shadow call stack: return addresses pushed by __tsan_func_entry */
    uintptr_t *stk;
    uint32_t depth, stk_cap;
    trace *tr;
    struct tpart *tp;    /* tr's part being written: one load per event */
    uint64_t joined_gen; /* vc already covers the clock of this gen */
    /* g's last release: its epoch then and its clock's generation. While
     * vc keeps that generation (g learned nothing since), any clock that
     * holds (sid, rel_epoch) holds all g knows: see clean_and_known. */
    uint64_t rel_gen;
    epoch_t rel_epoch;
    const stackrec *created_at;
    int64_t parent;
    uintptr_t stack_lo, stack_hi, stack_min; /* own goroutine stack */
    /* Below this its stack top's shadow may still be uncommitted (0: not
     * ours to commit): shadow.c, "First touch". */
    uintptr_t top_ready;
    _Atomic int finished;
    bool blocked;
    /* The last address the runtime reported g accessing (a channel's
     * element): near where g writes when a hand-off wakes it. */
    uintptr_t last_rt_access;
    /* The sync object g last operated on, as race.c's lookup found it
     * (valid while no sync object was removed since: race.c, sync_hint). */
    struct {
        uintptr_t addr;
        void *obj;
        uint64_t removed;
    } sync_hint;
    /* Known beyond vc and pin (race.c, "Pending entries"); last, as the
     * fields above are the ones every access and call touches. */
    pendset pend;
    /* vc was taken whole from a sync object: that clock's generation and
     * the object's lineage then (race.c, learn). */
    uint64_t took_gen, took_lineage;
    /* The top of the stack slot, 0 if none, and the shadow of the
     * STACK_TOP and PACKED_TOP bytes below it: two runs, found once per
     * life. */
    uintptr_t top_hi;
    _Atomic shadow_t *top_shadow, *top_packed;
} gstate;

void race_init(void);
/* Goroutines created and not yet ended (history budgets, report.c). */
long race_live_goroutines(void);
/* The running goroutine's state (race.c): cached per thread, since every
 * instrumented access needs it. */
extern __thread gstate *race_tls_cur __attribute__((tls_model("initial-exec")));
gstate *race_cur_slow(void);
static inline gstate *race_cur(void)
{
    gstate *g = race_tls_cur;
    return __builtin_expect(g != NULL, 1) ? g : race_cur_slow();
}
gstate *race_lookup_incarnation(sid_t sid, epoch_t ep, int64_t *gid,
                                bool *finished);
void race_slots_lock(void);
void race_slots_unlock(void);

/* happens-before on an address (atomics, the runtime's annotations) */
void race_acquire(gstate *g, uintptr_t addr);
void race_release(gstate *g, uintptr_t addr, bool merge);
void race_acquire_release(gstate *g, uintptr_t addr);
void race_sync_pair(gstate *g, gstate *peer, uintptr_t addr);
/* The current goroutine's race_acquire and merging race_release, each in
 * a hook's bracket: the edges of intercepted libc calls. */
void race_call_acquire(const void *obj);
void race_call_release(const void *obj);

/* memory accesses of the current goroutine */
void race_access(gstate *g, uintptr_t addr, size_t size, bool write,
                 bool atomic, uintptr_t pc);
/* race_access for plain accesses of n bytes, n a constant: one each. */
#define DECLARE_PLAIN_ACCESS(n)                                                \
    void race_read##n(gstate *g, uintptr_t addr, uintptr_t pc);                \
    void race_write##n(gstate *g, uintptr_t addr, uintptr_t pc);
DECLARE_PLAIN_ACCESS(1)
DECLARE_PLAIN_ACCESS(2)
DECLARE_PLAIN_ACCESS(4)
DECLARE_PLAIN_ACCESS(8)
DECLARE_PLAIN_ACCESS(16)
void race_access_range(gstate *g, uintptr_t addr, size_t size, bool write,
                       uintptr_t pc);
/* Starts fetching, for writing, the cells of addr's word and its two
 * neighbours, which g is about to access. */
void shadow_prefetch(const gstate *g, uintptr_t addr);

/* ---- the compiler's side and libc (tsan.c, libc.c) ----------------------- */

/* A call frame on g's shadow stack and in its history: pc is the return
 * address in the caller (as __tsan_func_entry receives it). */
void race_func_push(gstate *g, uintptr_t pc);
void race_func_pop(gstate *g);
/* Is the function containing call site pc instrumented (user code)? False
 * before the shadow exists and while the verdict is being worked out. */
bool race_instrumented_caller(uintptr_t pc);
/* Threads the program starts (race.c): the creator makes the state, the
 * thread adopts it, and its end releases on join_token (pthread_join
 * acquires it). Each counts in rt_hook_parallel from race_thread_new to
 * its end, or to race_thread_unborn if pthread_create failed. */
gstate *race_thread_new(uintptr_t pc);
void race_thread_unborn(void);
void race_thread_start(gstate *g, int64_t tid, uintptr_t stack_lo);
void race_thread_end(gstate *g, uintptr_t join_token);
void race_sync_forget(uintptr_t addr);
/* Forgets every sync object in [addr, addr + size): memory handed out
 * again (race.c, "Sync objects in reused memory"). */
void race_sync_reset(uintptr_t addr, size_t size);

/* Finds libc's string functions (libc.c); __tsan_init calls it. */
void race_libc_init(void);
/* A heap block the program just got at call site pc (malloc & co.). */
void *race_fresh_block(void *p, size_t n, uintptr_t pc);

/* ---- history, stacks, reports, options (report.c) ------------------------ */

struct stackrec {
    stackrec *next;
    uint64_t hash;
    uint32_t depth;
    uintptr_t pc[];
};
/* Deduplicated, immortal stack records (innermost frame first). */
const stackrec *stack_intern(const uintptr_t *pc, uint32_t depth);
/* The current goroutine's stack: pc (if non-zero) then its shadow stack. */
const stackrec *stack_current(gstate *g, uintptr_t pc);

void trace_access(gstate *g, uintptr_t pc, uintptr_t addr, size_t size,
                  bool write, bool atomic);
void trace_func_enter(gstate *g, uintptr_t pc);
void trace_func_exit(gstate *g);
void trace_epoch(gstate *g);
void trace_free(gstate *g);
/* Empties g's history, keeping small buffers for a next goroutine. */
void trace_reset(gstate *g);
/* Events in every history part allocated (a test's view of the pool). */
long trace_events_allocated(void);

void race_report(gstate *g, uintptr_t addr, size_t size, shadow_t cur,
                 shadow_t old, uintptr_t pc);
int race_count(void);
/* Program end: prints "Found N data race(s)" if any; returns the exit
 * status (exitcode instead of 0 when races were found, as Go). */
int race_finish(int code);

void heap_note_alloc(gstate *g, uintptr_t p, size_t n, uintptr_t pc);
void heap_note_free(uintptr_t p);

/* GORACE options (Go's names); the table is race_option_table. */
typedef struct race_options {
    const char *log_path;          /* NULL: stderr */
    const char *strip_path_prefix; /* NULL: none */
    int64_t exitcode;
    bool halt_on_error;
    int64_t history_size;
    int64_t atexit_sleep_ms;
} race_options;
extern race_options race_opts;
extern const rt_option race_option_table[];
extern const int race_option_count;

/* The detector's memory (alloc.c): never the program's heap, never
 * intercepted; out of memory ends the process. */
void *race_alloc(size_t n);
void *race_calloc(size_t n);
void race_free(void *p);

static inline void spin_lock(atomic_flag *l)
{
    while (atomic_flag_test_and_set_explicit(l, memory_order_acquire))
        __builtin_ia32_pause();
}
static inline void spin_unlock(atomic_flag *l)
{
    atomic_flag_clear_explicit(l, memory_order_release);
}

/* ---- solo sections (race.c, "One thread at a time") ---------------------- */

/* In a solo section no other thread runs hooks or instrumented code, so
 * reference counts, the sync tables' locks and shadow stores need no
 * locked instruction. race_solo is set only by the section's opener;
 * race_pin_word is this M's pin word (NULL until looked up, and on a
 * thread that is not an M). */
extern __thread bool race_solo __attribute__((tls_model("initial-exec")));
extern __thread uint32_t *race_pin_word
    __attribute__((tls_model("initial-exec")));
uint32_t *race_pin_word_lookup(void);

/* Opens a solo section if this thread is an M and no other thread can be
 * running user code or hooks (rt/hooks.h). True: the caller opened one and
 * must close it with solo_end. False: none opened (maybe one is already
 * open further up this thread: then race_solo says so). */
static inline bool solo_begin(void)
{
    if (race_solo || __atomic_load_n(&rt_hook_parallel, __ATOMIC_RELAXED))
        return false;
    uint32_t *pins = race_pin_word;
    if (__builtin_expect(!pins, 0) && !(pins = race_pin_word_lookup()))
        return false;
    uint32_t was = __atomic_load_n(pins, __ATOMIC_RELAXED);
    if (was & RT_PIN_IDLE)
        return false; /* an M that is not counted */
    __atomic_store_n(pins, was + RT_PIN_SOLO, __ATOMIC_RELAXED);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&rt_hook_parallel, __ATOMIC_ACQUIRE)) {
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        __atomic_store_n(pins, was, __ATOMIC_RELEASE);
        return false;
    }
    race_solo = true;
    return true;
}

static inline void solo_end(bool opened)
{
    if (!opened)
        return;
    race_solo = false;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    uint32_t *pins = race_pin_word;
    __atomic_store_n(pins,
                     __atomic_load_n(pins, __ATOMIC_RELAXED) - RT_PIN_SOLO,
                     __ATOMIC_RELEASE);
}

/* A hook's (or an ordered atomic's) bracket: a solo section where one can
 * be opened; on a thread that is neither an M nor a counted thread of the
 * program, the thread counts itself for the hook's length, so that no
 * section runs beside it (race.c). */
enum { HOOK_PLAIN, HOOK_SOLO, HOOK_GUEST };
int race_hook_begin_slow(void);

static inline int hook_begin(void)
{
    if (race_solo)
        return HOOK_PLAIN;
    if (solo_begin())
        return HOOK_SOLO;
    uint32_t *pins = race_pin_word;
    if (__builtin_expect(pins != NULL, 1) &&
        !(__atomic_load_n(pins, __ATOMIC_RELAXED) & RT_PIN_IDLE))
        return HOOK_PLAIN;
    return race_hook_begin_slow();
}

static inline void hook_end(int mode)
{
    if (mode == HOOK_SOLO)
        solo_end(true);
    else if (mode == HOOK_GUEST)
        rt_hook_parallel_leave();
}

/* Reference counts: plain arithmetic in a solo section. */
static inline void ref_inc(uint32_t *r)
{
    if (race_solo)
        __atomic_store_n(r, __atomic_load_n(r, __ATOMIC_RELAXED) + 1,
                         __ATOMIC_RELAXED);
    else
        __atomic_add_fetch(r, 1, __ATOMIC_RELAXED);
}

/* Drops a reference; true if it was the last. */
static inline bool ref_dec(uint32_t *r)
{
    if (!race_solo)
        return __atomic_sub_fetch(r, 1, __ATOMIC_ACQ_REL) == 0;
    uint32_t n = __atomic_load_n(r, __ATOMIC_RELAXED) - 1;
    __atomic_store_n(r, n, __ATOMIC_RELAXED);
    return n == 0;
}

/* A sync table's lock, which a solo section does not need. */
static inline void table_lock(atomic_flag *l)
{
    if (!race_solo)
        spin_lock(l);
}
static inline void table_unlock(atomic_flag *l)
{
    if (!race_solo)
        spin_unlock(l);
}

#endif
