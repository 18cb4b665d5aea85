/*
 * The heap block registry shared by the detectors.
 *
 * detect/common/heap.c interposes malloc & co. and records every live block:
 * its address and size, the goroutine that allocated it and the allocating
 * call site. A detector asks which block an address falls in, walks all
 * blocks (the deadlock detector's conservative marking), or registers a
 * callback for allocations and frees (so a race detector can reset its
 * shadow without interposing malloc itself).
 *
 * The interposers are weak: a detector that must keep its own malloc (the
 * native race detector does) wins at link time, and then calls
 * det_heap_note_alloc/det_heap_note_free itself to keep the registry
 * complete. det_heap_complete() says whether the registry has seen every
 * allocation since the process started; conservative marking needs that.
 */
#ifndef DET_HEAP_H
#define DET_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { DET_HEAP_PCS = 4 };

typedef struct det_block {
    uintptr_t addr;
    size_t size;
    int64_t gid;                 /* allocating goroutine, 0 outside any */
    uintptr_t pcs[DET_HEAP_PCS]; /* pcs[0]: the caller of malloc */
    int npcs;
} det_block;

/* The block containing addr (interior pointers included), copied into *out.
 * Exact starts are O(1); interior addresses cost a walk of the registry. */
bool det_heap_find(uintptr_t addr, det_block *out);

/* Calls fn for every live block. The registry is locked meanwhile: fn must
 * not allocate through malloc (use det_heap_raw_alloc). */
void det_heap_each(void (*fn)(const det_block *b, void *arg), void *arg);

/* Number of live blocks. */
size_t det_heap_count(void);

/* Alloc/free observers (up to 4), called outside the registry's locks on
 * the allocating thread. pc is the caller of malloc. */
typedef struct det_heap_observer {
    void (*on_alloc)(uintptr_t addr, size_t size, uintptr_t pc);
    void (*on_free)(uintptr_t addr);
} det_heap_observer;
void det_heap_observe(const det_heap_observer *o);

/* For an allocator that is not ours (a detector's own malloc interposer). */
void det_heap_note_alloc(void *p, size_t size, uintptr_t pc);
void det_heap_note_free(void *p);

/* True when every allocation so far went through the registry. */
bool det_heap_complete(void);

/* Stops every allocation and free (other threads wait) while the caller
 * walks the heap: blocks cannot be freed, let alone unmapped, under it. */
void det_heap_lock_all(void);
void det_heap_unlock_all(void);

/* Memory for detectors that is never itself registered. */
void *det_heap_raw_alloc(size_t n);
void *det_heap_raw_calloc(size_t n);
void *det_heap_raw_realloc(void *p, size_t n);
void det_heap_raw_free(void *p);

#endif
