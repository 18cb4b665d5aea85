/*
 * The kernel's submission and completion rings (io_uring), as the poller
 * (rt/netpoll.c) uses them: one ring per process, shared by every M.
 *
 * Any thread may queue requests and submit them; one thread at a time
 * reaps completions (the others find nothing to do), and any number may
 * wait for them. A request's 64-bit tag comes back with its completion.
 */
#ifndef RT_URING_H
#define RT_URING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sets the ring up once. False, and the poller uses epoll alone, when the
 * kernel has no io_uring, refuses it (seccomp, sysctl io_uring_disabled),
 * or lacks what we need (kernel 5.18: timed waits, keeping completions
 * that overflow, submitting past a failed request). */
bool rt_uring_init(void);

/* Queue one request (submitted by the next rt_uring_submit or rt_uring_wait
 * on any thread). */
void rt_uring_recv(int fd, void *buf, uint32_t len, uint64_t tag);
void rt_uring_poll(int fd, uint32_t poll_mask, uint64_t tag);
void rt_uring_cancel(uint64_t target_tag, uint64_t tag);
void rt_uring_nop(uint64_t tag);

/* Submits what is queued, if anything. */
void rt_uring_submit(void);
/* Submits what is queued and sleeps until a completion is there, or
 * timeout_ns passes (< 0: no timeout), or a signal comes. */
void rt_uring_wait(int64_t timeout_ns);

/* Hands every completion there to done(tag, res, more, arg), where more
 * says a receive left data in its socket; returns the sum of what done
 * returned. 0 at once if another thread is reaping. */
int rt_uring_reap(int (*done)(uint64_t tag, int32_t res, bool more, void *arg),
                  void *arg);

#endif
