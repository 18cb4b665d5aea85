/*
 * The io_uring the poller submits reads and readiness waits to, driven by
 * its two system calls: no liburing, as Go drives epoll by hand.
 *
 * Why a ring at all. A readiness poller pays four system calls per side
 * of a round trip: the write, a read that fails with EAGAIN, epoll_wait,
 * the read that gets the data. With the read armed in the kernel, the
 * data lands in the buffer as it arrives and the same wait that epoll_wait
 * was reports the read done: the EAGAIN read and the second read are gone
 * (bench/echo_floor: 14.0 us per round trip for the readiness pattern,
 * 10.3 us with armed reads, on this machine).
 *
 * Sharing. One ring per process, as Go has one epoll instance. The
 * submission queue is a single-producer ring in the kernel's ABI, so a
 * lock (rank URING, the innermost: nothing is taken under it) serialises
 * its producers; a slot is reused only once the kernel's head has passed
 * it. Submitting is safe from any thread at any time: io_uring_enter takes
 * the ring's own mutex and consumes the entries between its head and our
 * tail, whoever queued them. Completions are consumed by one reaper at a
 * time (a flag, not a lock: a second reaper has nothing to do and leaves),
 * which copies a batch out, hands the slots back, then runs the callbacks
 * with no lock held.
 *
 * Task work. The kernel completes a request armed by thread T in task
 * work that T runs. By default (TWA_SIGNAL) a T that is running is
 * interrupted for it: with two Ms taking turns on a thousand connections,
 * those interrupts tripled TCPEchoRTT/1000 (7.7 -> 20 us per round trip).
 * So the ring is set up with COOP_TASKRUN: a T asleep (on its futex, in
 * the poller) is still woken to run the work, but a T running a goroutine
 * runs it only at its next system call, or when sysmon preempts it. A
 * completion may thus wait for the next scheduling point of the M that
 * armed it, as readiness waits for the next poll in Go (sysmon's 10 ms at
 * worst). DEFER_TASKRUN would let the poller run everyone's work, but it
 * wants a single submitting thread, which an M:N runtime is not.
 *
 * Overflow. Completions beyond the completion ring's size are kept by the
 * kernel (FEAT_NODROP) and flushed into it by the next io_uring_enter
 * that asks for events; the reaper makes that call when the kernel flags
 * an overflow.
 */
#define _GNU_SOURCE
#include "uring.h"

#include <errno.h>
#include <linux/io_uring.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "sched.h"

enum {
    SQ_ENTRIES = 256,
    CQ_ENTRIES = 8192,
    REAP_BATCH = 64,
};

static struct {
    int fd;
    /* submission */
    rt_lock lock;
    uint32_t *sq_head, *sq_tail, *sq_flags, sq_mask;
    uint32_t tail; /* ours; the kernel's copy trails it until submitted */
    struct io_uring_sqe *sqes;
    /* completion */
    uint32_t reaping;
    uint32_t *cq_head, *cq_tail, cq_mask;
    struct io_uring_cqe *cqes;
} ring = {.fd = -1};

static int enter(unsigned to_submit, unsigned min_complete, unsigned flags,
                 void *arg, size_t argsz)
{
    return (int)syscall(__NR_io_uring_enter, ring.fd, to_submit, min_complete,
                        flags, arg, argsz);
}

static void *ring_map(size_t len, off_t what)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                   ring.fd, what);
    return p == MAP_FAILED ? NULL : p;
}

static bool ring_setup(uint32_t flags, struct io_uring_params *p)
{
    memset(p, 0, sizeof *p);
    p->flags = flags | IORING_SETUP_CQSIZE;
    p->cq_entries = CQ_ENTRIES;
    ring.fd = (int)syscall(__NR_io_uring_setup, SQ_ENTRIES, p);
    return ring.fd >= 0;
}

bool rt_uring_init(void)
{
    struct io_uring_params p;
    if (!ring_setup(IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN, &p) &&
        !ring_setup(IORING_SETUP_SUBMIT_ALL, &p)) /* 5.18 */
        return false; /* ENOSYS, EPERM, or EINVAL before 5.18 */
    uint32_t need =
        IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP | IORING_FEAT_EXT_ARG;
    size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
    size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    size_t len = sq_len > cq_len ? sq_len : cq_len;
    char *rings = (p.features & need) == need ? ring_map(len, 0) : NULL;
    ring.sqes = rings ? ring_map(p.sq_entries * sizeof *ring.sqes,
                                 (off_t)IORING_OFF_SQES)
                      : NULL;
    if (!ring.sqes) {
        if (rings)
            munmap(rings, len);
        close(ring.fd);
        ring.fd = -1;
        return false;
    }
    ring.sq_head = (uint32_t *)(rings + p.sq_off.head);
    ring.sq_tail = (uint32_t *)(rings + p.sq_off.tail);
    ring.sq_flags = (uint32_t *)(rings + p.sq_off.flags);
    ring.sq_mask = *(uint32_t *)(rings + p.sq_off.ring_mask);
    uint32_t *array = (uint32_t *)(rings + p.sq_off.array);
    for (uint32_t i = 0; i < p.sq_entries; i++)
        array[i] = i; /* slot i of the queue is sqes[i], always */
    ring.tail = *ring.sq_tail;
    ring.cq_head = (uint32_t *)(rings + p.cq_off.head);
    ring.cq_tail = (uint32_t *)(rings + p.cq_off.tail);
    ring.cq_mask = *(uint32_t *)(rings + p.cq_off.ring_mask);
    ring.cqes = (struct io_uring_cqe *)(rings + p.cq_off.cqes);
    return true;
}

/* ---- submission ---------------------------------------------------------- */

static uint32_t queued(void)
{
    return ring.tail - __atomic_load_n(ring.sq_head, __ATOMIC_ACQUIRE);
}

static void submit(uint32_t n)
{
    while (n > 0) {
        int r = enter(n, 0, 0, NULL, 0);
        if (r >= 0)
            return; /* entries it did not take wait for the next call */
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EBUSY)
            return; /* the kernel is short: a later call submits them */
        rt_throw("netpoll: io_uring_enter: %s", strerror(errno));
    }
}

/* Fills the next free slot under the lock; a full queue is submitted
 * first (the kernel copies an entry when it takes it). */
static void queue(uint8_t op, int fd, uint64_t addr, uint32_t len,
                  uint32_t op_flags, uint64_t tag)
{
    rt_lock_acquire(&ring.lock, RT_RANK_URING);
    while (queued() > ring.sq_mask) {
        submit(queued());
        if (queued() > ring.sq_mask)
            sched_yield();
    }
    struct io_uring_sqe *q = &ring.sqes[ring.tail & ring.sq_mask];
    memset(q, 0, sizeof *q);
    q->opcode = op;
    q->fd = fd;
    q->addr = addr;
    q->len = len;
    q->rw_flags = (__kernel_rwf_t)op_flags;
    q->user_data = tag;
    __atomic_store_n(ring.sq_tail, ++ring.tail, __ATOMIC_RELEASE);
    rt_lock_release(&ring.lock);
}

void rt_uring_recv(int fd, void *buf, uint32_t len, uint64_t tag)
{
    queue(IORING_OP_RECV, fd, (uint64_t)(uintptr_t)buf, len, 0, tag);
}

void rt_uring_poll(int fd, uint32_t poll_mask, uint64_t tag)
{
    queue(IORING_OP_POLL_ADD, fd, 0, 0, poll_mask, tag);
}

void rt_uring_cancel(uint64_t target_tag, uint64_t tag)
{
    queue(IORING_OP_ASYNC_CANCEL, -1, target_tag, 0, 0, tag);
}

void rt_uring_nop(uint64_t tag)
{
    queue(IORING_OP_NOP, -1, 0, 0, 0, tag);
}

void rt_uring_submit(void)
{
    uint32_t n = __atomic_load_n(ring.sq_tail, __ATOMIC_ACQUIRE) -
                 __atomic_load_n(ring.sq_head, __ATOMIC_ACQUIRE);
    if (n)
        submit(n);
}

void rt_uring_wait(int64_t timeout_ns)
{
    struct __kernel_timespec ts = {.tv_sec = timeout_ns / 1000000000,
                                   .tv_nsec = timeout_ns % 1000000000};
    struct io_uring_getevents_arg arg = {
        .ts = timeout_ns < 0 ? 0 : (uint64_t)(uintptr_t)&ts};
    uint32_t n = __atomic_load_n(ring.sq_tail, __ATOMIC_ACQUIRE) -
                 __atomic_load_n(ring.sq_head, __ATOMIC_ACQUIRE);
    if (enter(n, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg,
              sizeof arg) < 0 &&
        errno != EINTR && errno != ETIME && errno != EAGAIN && errno != EBUSY)
        rt_throw("netpoll: io_uring_enter: %s", strerror(errno));
}

/* ---- completion ---------------------------------------------------------- */

/* Copies up to REAP_BATCH completions out and hands their slots back. */
static int take(struct io_uring_cqe *out)
{
    uint32_t head = *ring.cq_head;
    uint32_t tail = __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE);
    int n = 0;
    while (head != tail && n < REAP_BATCH)
        out[n++] = ring.cqes[head++ & ring.cq_mask];
    __atomic_store_n(ring.cq_head, head, __ATOMIC_RELEASE);
    return n;
}

static bool overflowed(void)
{
    return __atomic_load_n(ring.sq_flags, __ATOMIC_ACQUIRE) &
           IORING_SQ_CQ_OVERFLOW;
}

int rt_uring_reap(int (*done)(uint64_t tag, int32_t res, bool more, void *arg),
                  void *arg)
{
    int sum = 0;
    for (;;) {
        struct io_uring_cqe batch[REAP_BATCH];
        if (__atomic_exchange_n(&ring.reaping, 1, __ATOMIC_ACQUIRE))
            return sum;
        int n = take(batch);
        if (n == 0 && overflowed()) {
            enter(0, 0, IORING_ENTER_GETEVENTS, NULL, 0);
            n = take(batch);
        }
        __atomic_store_n(&ring.reaping, 0, __ATOMIC_RELEASE);
        if (n == 0)
            return sum;
        for (int i = 0; i < n; i++)
            sum += done(batch[i].user_data, batch[i].res,
                        batch[i].flags & IORING_CQE_F_SOCK_NONEMPTY, arg);
    }
}
