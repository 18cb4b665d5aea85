/*
 * A goroutine's history: the events its reports replay (report.c), and
 * the writer of the common one, which runs inline on the access path
 * (shadow.c).
 *
 * Events are one 64-bit word each, as in TSan v3, since a goroutine that
 * runs after a thousand others writes its events to cold lines: in a ring
 * of 1,000 goroutines, 16-byte events made the history most of the
 * detector's cost per hop. The common access (1, 2, 4 or 8 bytes, its pc
 * within 8 KB of the part's previous access) is one word:
 *
 *   kind:3 | write:1 | log2 size:2 | pc delta:14 | address:44
 *
 * Addresses keep the 44 bits the shadow keeps (shadow.c: words that share
 * them share their cells). Any other access takes two words (EV_ACCESS_PC:
 * kind | write | size:8 | pc:48, then the address) and one of 256 bytes or
 * more three (EV_RANGE: the same, then the address, then the size). Deltas
 * chain within a part from 0, so a part replays alone. A part is published
 * event by event (its n, release), and an event's words never straddle
 * two parts.
 */
#ifndef GORACE_RACE_TRACE_H
#define GORACE_RACE_TRACE_H

#include "race.h"

enum {
    TRACE_PARTS = 4,
    FIRST_PART = 16, /* events, at least EVENT_MAX_WORDS */
    STACK0_IN = 4,   /* frames a part holds without a buffer of its own */
    EVENT_MAX_WORDS = 3,
};

enum ev_kind {
    EV_ACCESS = 1, /* one word */
    EV_ACCESS_PC,  /* two: a full pc, any size below 256 */
    EV_RANGE,      /* three: a full pc and a 64-bit size */
    EV_ENTER,
    EV_EXIT,
    EV_EPOCH,
};

#define EV_KIND_SHIFT 61
#define EV_WRITE (1ull << 60)
#define ADDR_BITS 44
#define ADDR_MASK ((1ull << ADDR_BITS) - 1)
#define DELTA_BITS 14
#define PC_MASK ((1ull << 48) - 1)
#define EV(kind) ((uint64_t)(kind) << EV_KIND_SHIFT)

typedef uint64_t tevent;

typedef struct tpart {
    uint32_t cap;
    _Atomic uint32_t n;
    epoch_t epoch0;
    uint32_t depth0, stack0_cap;
    uintptr_t last_pc; /* of the last access written, for deltas */
    uintptr_t *stack0; /* stack0_in, or a buffer of stack0_cap frames */
    uintptr_t stack0_in[STACK0_IN];
    /* Past its goroutine's floor, the part's place in the pool's queue
     * (report.c); its ring in any case. */
    struct tpart *older, *newer;
    struct trace *owner;
    tevent ev[];
} tpart;

/* Records an access of 1 << log2size bytes (at most 8): one word into the
 * part being written when it has room and the pc is near the last one,
 * else trace_access. */
static inline void trace_word(gstate *g, uintptr_t pc, uintptr_t addr,
                              unsigned log2size, bool write)
{
    tpart *p = g->tp;
    if (__builtin_expect(p != NULL, 1)) {
        uint32_t n = atomic_load_explicit(&p->n, memory_order_relaxed);
        uint64_t delta = pc - p->last_pc;
        uint64_t half = 1ull << (DELTA_BITS - 1);
        if (__builtin_expect(n < p->cap && delta + half < 2 * half, 1)) {
            p->ev[n] = EV(EV_ACCESS) | (write ? EV_WRITE : 0) |
                       (uint64_t)log2size << (ADDR_BITS + DELTA_BITS) |
                       (delta & ((1ull << DELTA_BITS) - 1)) << ADDR_BITS |
                       (addr & ADDR_MASK);
            p->last_pc = pc;
            atomic_store_explicit(&p->n, n + 1, memory_order_release);
            return;
        }
    }
    trace_access(g, pc, addr, (size_t)1 << log2size, write, false);
}

#endif
