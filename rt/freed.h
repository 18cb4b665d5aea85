/*
 * Catching the use of freed runtime objects (API.md, "Misuse of freed
 * objects"): a channel, timer, ticker or context used after its _free, or
 * freed twice, ends the program with "fatal error: CALL on a freed OBJECT"
 * (exit 2) in both builds, instead of a hang or a garbage value.
 *
 * Each object carries a magic word, set when it is made and cleared when it
 * is freed, and every public call checks it first (one load and compare).
 * Freed memory goes back to malloc only after RT_QUARANTINE later frees,
 * so a use right after the free reads the cleared word, neither reused
 * memory nor freed memory (no undefined behaviour; ASan stays quiet).
 * Later uses are caught as long as the memory was not reused since.
 */
#ifndef RT_FREED_H
#define RT_FREED_H

#include <stdint.h>

enum {
    RT_MAGIC_CHAN = 0x4e414843u,  /* "CHAN" */
    RT_MAGIC_TIMER = 0x524d4954u, /* "TIMR" */
    RT_MAGIC_CTX = 0x58544e43u,   /* "CNTX" */
    RT_QUARANTINE = 1024,
};

__attribute__((noreturn, cold)) void rt_freed_fail(const char *call,
                                                   const char *what);

/* Throws unless magic is the live object's word. */
static inline void rt_obj_check(uint32_t magic, uint32_t want, const char *call,
                                const char *what)
{
    if (__builtin_expect(magic != want, 0))
        rt_freed_fail(call, what);
}

/* free(p), RT_QUARANTINE frees later. */
void rt_quarantine(void *p);

#endif
