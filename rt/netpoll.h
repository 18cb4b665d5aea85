/*
 * The network poller's contract (Go's netpoll.go): rt/net.c runs I/O
 * through it, the scheduler (sched.c, sysmon.c) polls it.
 *
 * An fd is registered once, at its first goroutine-aware operation, and
 * stays registered until go_close. A goroutine whose operation would
 * block parks in "IO wait" until the fd is ready in its direction (in
 * ring mode: until its receive or poll request completes), its deadline
 * passes, its context is done or the fd is closed; it then retries,
 * returns what it received, or fails.
 */
#ifndef RT_NETPOLL_H
#define RT_NETPOLL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <gorace.h>

/* ---- the scheduler's side ---- */

/* Reads GORACE_NETPOLL (auto, epoll, uring) at go_run; exits 2 on a bad
 * value. */
void rt_netpoll_configure(void);

/* Some goroutine is parked on I/O (so the program is not deadlocked). */
bool rt_netpoll_waiting(void);
/* Waiters exist and no M is blocked in the poller: worth a look. */
bool rt_netpoll_should_poll(void);
/* Readies every goroutine whose fd became ready; waits up to delay_ns for
 * one (0: never, < 0: forever). Callable with or without a P; returns how
 * many were readied. wake: as rt_ready does, wake an idle P for each;
 * false when the caller runs them itself (it then wakes a P if it readied
 * more than one: rt_ready_nowake). */
int rt_netpoll(int64_t delay_ns, bool wake);
/* Ring mode: the requests of goroutines parked since the last look go to
 * the kernel at the M's next look (batched: one system call for many), so
 * an M must flush them before it sleeps. Epoll mode: nothing. */
void rt_netpoll_flush(void);
/* Ring mode: a look every 61st schedule (the global queue's beat), so
 * that parked requests are submitted and completions found while the M
 * stays busy; returns what it readied (onto this P). Epoll mode: 0. */
int rt_netpoll_tick(void);
/* Makes a blocked rt_netpoll return now (an M is wanted, or an earlier
 * timer was added). Cheap when nobody polls: one flag per poll. */
void rt_netpoll_break(void);
/* When the poller was last polled (rt_nanotime), for sysmon. */
int64_t rt_netpoll_last(void);

/* ---- the I/O side (rt/net.c) ---- */

enum { RT_POLL_READ = 1, RT_POLL_WRITE = 2 };

/* Runs op(fd, arg) until it does not fail with EAGAIN, parking the
 * goroutine on fd's readiness in direction dir (one of RT_POLL_*) between
 * tries. Returns op's result, or -1 with errno: EBADF (bad fd, or closed
 * by go_close meanwhile), ETIMEDOUT (the direction's deadline passed),
 * ECANCELED (ctx, if not NULL, is done). An fd epoll cannot watch (a
 * regular file) gets one op call bracketed by go_syscall_enter/exit. */
ssize_t rt_netpoll_io(int fd, int dir, ssize_t (*op)(int fd, void *arg),
                      void *arg, go_ctx *ctx);
/* go_read: on a socket in ring mode (rt/netpoll.c), the receive is the
 * request the goroutine parks on; elsewhere read(2) via rt_netpoll_io. */
ssize_t rt_netpoll_read(int fd, void *buf, size_t n, go_ctx *ctx);
/* Serialises writers of fd, as Go's fdMutex does: a go_write parked
 * half-way is not interleaved with another's bytes. Waiters sleep in
 * "semacquire". Unlock with what lock returned (NULL: nothing to undo). */
void *rt_netpoll_write_lock(int fd);
void rt_netpoll_write_unlock(void *token);
/* Registers fd now (go_listen_tcp, go_accept and go_dial_tcp make their
 * fds ready for I/O). 0, or -1 with errno. */
int rt_netpoll_open(int fd);
/* Sets the deadline of the directions in mask (RT_POLL_*) to when
 * (rt_nanotime's clock; 0 clears; a passed one fails waiters now). */
int rt_netpoll_set_deadline(int fd, int mask, int64_t when);
/* Wakes every goroutine waiting on fd (EBADF), forgets it, closes it. */
int rt_netpoll_close(int fd);
/* Is fd a socket known to the poller (writes use MSG_NOSIGNAL)? */
bool rt_netpoll_is_socket(int fd);

#endif
