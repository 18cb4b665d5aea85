/*
 * Counts heap allocations for the benchmarks' allocs_op counter. The link
 * wraps malloc, calloc, realloc, posix_memalign and aligned_alloc
 * (-Wl,--wrap=...), so every call made from the objects of the benchmark
 * program and the static runtime lands here first; shared libraries (the
 * benchmark library, libstdc++) keep calling libc directly. This file is
 * never compiled with -fsanitize=thread: the counter is the harness's, not
 * the program under test's.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

static _Atomic uint64_t calls;

uint64_t bench_malloc_calls(void)
{
    return atomic_load_explicit(&calls, memory_order_relaxed);
}

static inline void count(void)
{
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);

void *__wrap_malloc(size_t n)
{
    count();
    return __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
    count();
    return __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    count();
    return __real_realloc(p, n);
}

int __wrap_posix_memalign(void **p, size_t align, size_t n)
{
    count();
    return __real_posix_memalign(p, align, n);
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
    count();
    return __real_aligned_alloc(align, n);
}
