/*
 * echo_floor [N]: what TCPEchoRTT/1 costs the kernel alone. One thread, no
 * runtime, one loopback connection, N round trips of 64 bytes, two ways:
 *  - epoll: the syscalls a goroutine-aware runtime makes per round trip,
 *    Go's and gorace's alike (bench/README, session 12): the client sends,
 *    tries its read (EAGAIN) and parks; the scheduler polls (epoll_wait)
 *    and finds the server, which reads, sends, tries its next read
 *    (EAGAIN) and parks; the scheduler polls and finds the client, which
 *    reads. Eight system calls.
 *  - io_uring: every read stays armed in the ring, so nobody reads early
 *    and nobody polls: a send and the next read are submitted together
 *    and one io_uring_enter waits for the peer's. Two system calls.
 * The first is the floor under both runtimes' TCPEchoRTT/1; the second
 * shows what a completion-based poller would have to gain.
 *     apt-get install liburing-dev
 *     cc -O2 bench/echo_floor.c -o echo_floor -luring && ./echo_floor
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void pair(int *c, int *s)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (l < 0 || bind(l, (void *)&a, sizeof a) || listen(l, 1) ||
        getsockname(l, (void *)&a, &al))
        die("listen on 127.0.0.1");
    *c = socket(AF_INET, SOCK_STREAM, 0);
    if (*c < 0 || connect(*c, (void *)&a, sizeof a))
        die("connect");
    if ((*s = accept(l, NULL, NULL)) < 0)
        die("accept");
    int one = 1; /* as Go's net package sets */
    setsockopt(*c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(*s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(*c, F_SETFL, O_NONBLOCK);
    fcntl(*s, F_SETFL, O_NONBLOCK);
    close(l);
}

static int nsys;

static void rd(int fd, char *b, int ep)
{
    for (;;) {
        nsys++;
        ssize_t r = read(fd, b, 64);
        if (r == 64)
            return;
        if (r < 0 && errno == EAGAIN) {
            struct epoll_event ev[8];
            nsys++;
            epoll_wait(ep, ev, 8, -1);
            continue;
        }
        fprintf(stderr, "read %zd\n", r);
        exit(1);
    }
}

/* One side's turn: it sends and tries its next read (EAGAIN, as a
 * goroutine would) and parks; the scheduler polls, finds the peer, and
 * the peer reads. */
static void turn(int from, int to, char *b, int ep)
{
    struct epoll_event ev[8];
    nsys += 3;
    send(from, b, 64, MSG_NOSIGNAL);
    if (read(from, b, 64) != -1) {
        fprintf(stderr, "read before the echo\n");
        exit(2);
    }
    epoll_wait(ep, ev, 8, -1);
    rd(to, b, ep);
}

static double epoll_rtt(int n)
{
    int c, s;
    pair(&c, &s);
    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN | EPOLLET};
    e.data.fd = c;
    epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
    e.data.fd = s;
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &e);
    char b[64] = {0};
    nsys = 0;
    double t0 = now();
    for (int i = 0; i < n; i++) {
        turn(c, s, b, ep);
        turn(s, c, b, ep);
    }
    double t = (now() - t0) / n;
    fprintf(stderr, "epoll: %.1f syscalls per rtt\n", (double)nsys / n);
    close(c), close(s), close(ep);
    return t;
}

static void reap(struct io_uring *r, int want_user)
{
    for (;;) {
        struct io_uring_cqe *cqe;
        io_uring_wait_cqe(r, &cqe);
        int u = (int)cqe->user_data, res = cqe->res;
        io_uring_cqe_seen(r, cqe);
        if (res < 0) {
            fprintf(stderr, "cqe %d: %s\n", u, strerror(-res));
            exit(4);
        }
        if (u == want_user)
            return;
    }
}

/* One side's turn: echo buf on fd and arm its next read (tagged tag),
 * in one system call that returns once a completion is there. */
static void send_then_read(struct io_uring *r, int fd, char *buf, int tag)
{
    struct io_uring_sqe *q = io_uring_get_sqe(r);
    io_uring_prep_send(q, fd, buf, 64, MSG_NOSIGNAL);
    q->user_data = 2 + (uint64_t)tag * 2;
    q = io_uring_get_sqe(r);
    io_uring_prep_recv(q, fd, buf, 64, MSG_WAITALL);
    q->user_data = (uint64_t)tag;
    io_uring_submit_and_wait(r, 1);
}

static double uring_rtt(int n)
{
    int c, s;
    pair(&c, &s);
    struct io_uring r;
    int err = io_uring_queue_init(64, &r, 0);
    if (err < 0) {
        errno = -err;
        die("io_uring_queue_init");
    }
    char cb[64] = {0}, sb[64] = {0};
    struct io_uring_sqe *q;
    /* the server's read is armed before the first round trip */
    q = io_uring_get_sqe(&r);
    io_uring_prep_recv(q, s, sb, 64, MSG_WAITALL);
    q->user_data = 1;
    io_uring_submit(&r);
    double t0 = now();
    for (int i = 0; i < n; i++) {
        send_then_read(&r, c, cb, 3);
        reap(&r, 1); /* the server's read completed */
        send_then_read(&r, s, sb, 1);
        reap(&r, 3); /* the client's read completed */
    }
    double t = (now() - t0) / n;
    io_uring_queue_exit(&r);
    close(c), close(s);
    return t;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100000;
    if (argc > 2 || n < 1) {
        fprintf(stderr, "usage: echo_floor [ROUND_TRIPS]\n");
        return 2;
    }
    for (int k = 0; k < 3; k++) {
        double a = epoll_rtt(n), b = uring_rtt(n);
        printf("epoll %.2f us, io_uring %.2f us per round trip (%.2f)\n",
               a * 1e6, b * 1e6, b / a);
    }
}
