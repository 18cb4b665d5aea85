/*
 * Stack traces in Go's layout, from libunwind, with file:line from DWARF:
 *
 *     worker(...)
 *     \tcorpus/seeds/worker.c:12
 *
 * All output goes straight to a file descriptor with write(2): these run in
 * fatal paths (signal handlers, a dying process) and must not allocate from a
 * possibly broken heap more than libdw needs.
 */
#ifndef RT_TRACEBACK_H
#define RT_TRACEBACK_H

#include <stdint.h>

/* Frames of the calling thread's current stack, skipping `skip` frames of
 * the runtime itself; stops at the goroutine's entry (or main). */
void rt_traceback_current(int fd, int skip);

/* Frames of a goroutine switched out by rt_ctx_switch, from its saved stack
 * pointer (layout in rt/arch/switch_x86_64.S). */
void rt_traceback_saved(int fd, void *saved_sp);

/* Frames starting at a signal's context (ucontext_t *), for crashes. */
void rt_traceback_ucontext(int fd, void *uc);

/* "created by FUNC in goroutine N\n\tFILE:LINE\n"; uses pc to find FILE:LINE
 * when file is NULL. */
void rt_print_created_by(int fd, const char *func, const char *file, int line,
                         uintptr_t pc, int64_t parent);

/* Resolves pc (a return address if is_ra) to function, file and line.
 * Returns 0 on success; fields may be "?"/0 when debug info is missing. */
int rt_symbolize(uintptr_t pc, int is_ra, const char **func, const char **file,
                 int *line);

/* rt_symbolize, plus where pc lies for a frame without line info (a
 * program built without -g, whose functions are named from the ELF symbol
 * table): its module, the mapped file (NULL if unknown), and pc's offset
 * from the module's load address (pc itself when no module), as
 * tracebacks print it ("\t/path/prog+0x1234"). */
int rt_symbolize_module(uintptr_t pc, int is_ra, const char **func,
                        const char **file, int *line, const char **module,
                        uintptr_t *modoff);

/* Formatted write to fd without stdio buffering or malloc. */
void rt_fdprintf(int fd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* How many writes rt_fdprintf has made: a dying process's progress. */
uint64_t rt_fd_writes(void);

#endif
