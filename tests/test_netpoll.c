/*
 * netpoll: goroutine-aware I/O (API.md, "Goroutine-aware I/O"): go_read,
 * go_write, go_accept, go_connect, go_listen_tcp, go_dial_tcp,
 * go_local_port, the deadlines, go_read_ctx and go_close, on pipes, TCP
 * loopback sockets, eventfds and regular files. Where API.md is silent, Go's
 * net/os semantics are the reference: a deadline in the past fails pending
 * and future operations at once, 0 clears it, go_write writes everything or
 * fails, a blocked goroutine woken by go_close gets EBADF ("use of closed
 * network connection").
 *
 * The fds are made blocking (plain pipe(2), socket(2)): the runtime must
 * cope with any fd it is given. Only lower bounds on elapsed time are
 * asserted; "still blocked" is checked after a sleep, never "fast". Big
 * buffers are static or malloc'd, never on a goroutine's stack.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gotest.h"

#define MS GO_MILLISECOND

/* ---- helpers ------------------------------------------------------------ */

/* atomic_load for assertions (keeps Check's messages readable) */
static int ld(atomic_int *p)
{
    return atomic_load(p);
}

static void mkpipe(int p[2])
{
    ck_assert_int_eq(pipe(p), 0);
}

/* An open file's identity. "Is fd still open?" has no answer in a
 * threaded process: the kernel hands a closed number to the next open at
 * once, and the runtime's own threads open files now and then (sysmon
 * reads /proc to see whether a thread sleeps in the kernel). What a test
 * can ask is whether fd still names the file it named. */
typedef struct file_id {
    dev_t dev;
    ino_t ino;
} file_id;

/* {0, 0}, which names no file, if fd is not open. */
static file_id id_of(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return (file_id){0, 0};
    return (file_id){st.st_dev, st.st_ino};
}

static bool fd_names(int fd, file_id id)
{
    struct stat st;
    return id.ino != 0 && fstat(fd, &st) == 0 && st.st_dev == id.dev &&
           st.st_ino == id.ino;
}

/* Reads exactly n bytes (go_read until n, EOF or error); returns the count
 * read, or -1 with errno from the failing call. */
static ssize_t read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = go_read(fd, (char *)buf + got, n - got);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* A goroutine doing one go_read (or go_read_ctx when ctx is set) and
 * reporting its result. */
typedef struct reader {
    int fd;
    go_ctx *ctx;
    ssize_t ret;
    int err;
    char buf[64];
    int64_t at;         /* go_now() when the call returned */
    atomic_int started; /* set just before the call */
    atomic_int finished;
    go_chan *done; /* signal-only; one send when finished */
} reader;

static void reader_fn(void *arg)
{
    reader *r = arg;
    errno = 0;
    atomic_store(&r->started, 1);
    ssize_t n = r->ctx ? go_read_ctx(r->ctx, r->fd, r->buf, sizeof r->buf)
                       : go_read(r->fd, r->buf, sizeof r->buf);
    r->err = n < 0 ? errno : 0;
    r->ret = n;
    r->at = go_now();
    atomic_store(&r->finished, 1);
    go_chan_send(r->done, NULL);
}

static void start_reader(reader *r, int fd, go_ctx *ctx, go_chan *done)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
    r->ctx = ctx;
    r->done = done;
    GO(reader_fn, r);
}

/* Waits (at most 10 s) until *flag is set, then 20 ms more: the goroutine
 * that set it just before its call is then parked in it, barring a
 * pathological stall. Acting on an fd (go_close) before the goroutine even
 * started would be the program's use-after-close, not the runtime's: the
 * kernel may have reused the number meanwhile (the runtime's own epoll fd,
 * a sanitizer's /proc read). */
static void wait_started(atomic_int *flag)
{
    int64_t until = go_now() + 10 * GO_SECOND;
    while (!atomic_load(flag) && go_now() < until)
        go_sleep(MS);
    ck_assert_msg(atomic_load(flag), "the goroutine never started");
    go_sleep(20 * MS);
}

/* Makes the runtime know fd (and its poller exist) before a goroutine
 * waits on it: go_set_deadline(fd, 0) is a no-op otherwise. Then a waiter
 * stalled by the OS before its first call cannot meet the number reused by
 * the poller's own epoll fd after a go_close. */
static void prime(int fd)
{
    ck_assert_int_eq(go_set_deadline(fd, 0), 0);
}

/* A connected TCP pair over loopback: *c dialled, *s accepted. */
static void tcp_pair(int *c, int *s)
{
    int lfd = go_listen_tcp("127.0.0.1:0");
    ck_assert_int_ge(lfd, 0);
    int port = go_local_port(lfd);
    ck_assert_int_gt(port, 0);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    *c = go_dial_tcp(addr, 0);
    ck_assert_int_ge(*c, 0);
    *s = go_accept(lfd, NULL, NULL);
    ck_assert_int_ge(*s, 0);
    ck_assert_int_eq(go_close(lfd), 0);
}

/* A 127.0.0.1 port bound by a socket that never listens: a connection to it
 * is refused (RST), and nobody else can take the port meanwhile. */
static int refusing_port(int *holder)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t len = sizeof sa;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *holder = fd;
    return ntohs(sa.sin_port);
}

/* Writes to a socket until a write fails (the send and receive buffers are
 * full and the write deadline passed); returns that write's errno. */
static int fill_until_error(int fd)
{
    enum { CHUNK = 1 << 20 };
    char *buf = calloc(1, CHUNK);
    ck_assert_ptr_nonnull(buf);
    int err = 0;
    for (int i = 0; i < 512 && err == 0; i++) {
        errno = 0;
        ssize_t n = go_write(fd, buf, CHUNK);
        if (n < 0)
            err = errno;
        else if (n != CHUNK)
            err = -1; /* a short write without an error: wrong */
    }
    free(buf);
    return err;
}

static void small_buffers(int fd)
{
    int sz = 4096;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
}

/* ---- pipes: parking readers and writers -------------------------------- */

static atomic_long spins;
static atomic_int spin_stop;

static void spinner(void *arg)
{
    (void)arg;
    while (!atomic_load(&spin_stop)) {
        atomic_fetch_add(&spins, 1);
        go_yield();
    }
}

/* A reader parks on an empty pipe; other goroutines (main and a spinner)
 * keep running meanwhile, at GOMAXPROCS 1 too; a later write wakes it with
 * the data. */
GO_TEST(test_pipe_read_parks_until_write)
{
    int p[2];
    mkpipe(p);
    go_chan *done = go_chan_make(0, 1);
    static reader r;
    int64_t t0 = go_now();
    start_reader(&r, p[0], NULL, done);
    GO(spinner, NULL);
    go_sleep(30 * MS);
    ck_assert_int_eq(ld(&r.finished), 0);
    long s0 = atomic_load(&spins);
    go_sleep(20 * MS);
    ck_assert_int_gt(atomic_load(&spins), s0); /* the spinner still runs */
    ck_assert_int_eq(ld(&r.finished), 0);
    int64_t tw = go_now();
    ck_assert_int_eq(go_write(p[1], "hello", 5), 5);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(r.ret, 5);
    ck_assert_mem_eq(r.buf, "hello", 5);
    ck_assert_int_ge(r.at - t0, 50 * MS);
    ck_assert_int_ge(r.at, tw);
    atomic_store(&spin_stop, 1);
    ck_assert_int_eq(go_close(p[0]), 0);
    ck_assert_int_eq(go_close(p[1]), 0);
    go_chan_free(done);
}

/* read(2) semantics: what is there is returned (a short read), without
 * waiting for the whole buffer; a read of 0 bytes returns 0 at once; data
 * that is already there is read without parking. */
GO_TEST(test_pipe_short_read_and_ready_data)
{
    int p[2];
    mkpipe(p);
    char buf[100];
    ck_assert_int_eq(go_read(p[0], buf, 0), 0);
    ck_assert_int_eq(go_write(p[1], "abc", 3), 3);
    ck_assert_int_eq(go_read(p[0], buf, sizeof buf), 3);
    ck_assert_mem_eq(buf, "abc", 3);
    ck_assert_int_eq(go_write(p[1], "", 0), 0);
    ck_assert_int_eq(go_write(p[1], "0123456789", 10), 10);
    ck_assert_int_eq(go_read(p[0], buf, 4), 4);
    ck_assert_mem_eq(buf, "0123", 4);
    ck_assert_int_eq(go_read(p[0], buf, sizeof buf), 6);
    ck_assert_mem_eq(buf, "456789", 6);
    go_close(p[0]);
    go_close(p[1]);
}

/* A high fd number (a process may raise its limit: Go polls any fd). */
GO_TEST(test_high_fd_number)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 5000 && rl.rlim_max >= 5000) {
        rl.rlim_cur = 5000;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    int hi = rl.rlim_cur > 70000 ? 70000 : (int)rl.rlim_cur - 1;
    if (hi < 4096)
        return; /* cannot have a high fd here */
    int p[2];
    mkpipe(p);
    ck_assert_int_eq(dup2(p[0], hi), hi);
    close(p[0]);
    go_chan *done = go_chan_make(0, 1);
    static reader r;
    start_reader(&r, hi, NULL, done);
    go_sleep(20 * MS);
    ck_assert_int_eq(ld(&r.finished), 0);
    ck_assert_int_eq(go_write(p[1], "hi", 2), 2);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(r.ret, 2);
    ck_assert_int_eq(go_set_read_deadline(hi, go_now() - MS), 0);
    errno = 0;
    ck_assert_int_eq(go_read(hi, r.buf, 1), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_int_eq(go_close(hi), 0);
    go_close(p[1]);
    go_chan_free(done);
}

enum { BIG = 1 << 20 }; /* 16 times a default pipe buffer */
static unsigned char big_out[BIG], big_in[BIG];

static void fill_pattern(unsigned char *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)((i * 131 + seed) ^ (i >> 9));
}

typedef struct writer {
    int fd;
    const void *buf;
    size_t n;
    ssize_t ret;
    int err;
    int64_t at;
    atomic_int started;
    atomic_int finished;
    go_chan *done;
} writer;

static void writer_fn(void *arg)
{
    writer *w = arg;
    errno = 0;
    atomic_store(&w->started, 1);
    ssize_t n = go_write(w->fd, w->buf, w->n);
    w->err = n < 0 ? errno : 0;
    w->ret = n;
    w->at = go_now();
    atomic_store(&w->finished, 1);
    go_chan_send(w->done, NULL);
}

static void start_writer(writer *w, int fd, const void *buf, size_t n,
                         go_chan *done)
{
    memset(w, 0, sizeof *w);
    w->fd = fd;
    w->buf = buf;
    w->n = n;
    w->done = done;
    GO(writer_fn, w);
}

/* A 1 MiB go_write into a 64 KiB pipe parks many times and returns only
 * once everything is written; the reader gets every byte in order. */
GO_TEST(test_pipe_large_write_parks_until_all_written)
{
    int p[2];
    mkpipe(p);
    fill_pattern(big_out, BIG, 7);
    go_chan *done = go_chan_make(0, 1);
    static writer w;
    start_writer(&w, p[1], big_out, BIG, done);
    go_sleep(30 * MS);
    ck_assert_int_eq(ld(&w.finished), 0); /* the pipe is full */
    /* read in small pieces, with pauses: the writer parks again and again */
    size_t got = 0;
    int pieces = 0;
    while (got < BIG) {
        size_t want = BIG - got < 8192 ? BIG - got : 8192;
        ssize_t n = go_read(p[0], big_in + got, want);
        if (n <= 0)
            break;
        got += (size_t)n;
        if (++pieces % 32 == 0)
            go_sleep(MS);
    }
    ck_assert_uint_eq(got, BIG);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(w.ret, BIG);
    ck_assert_int_eq(memcmp(big_in, big_out, BIG), 0);
    go_close(p[0]);
    go_close(p[1]);
    go_chan_free(done);
}

enum { NWRITERS = 4, WCHUNK = BIG / NWRITERS };
static go_wg writers_wg;

static void write_chunk(void *arg)
{
    int i = (int)(intptr_t)arg;
    int fd = (int)(intptr_t)arg >> 8;
    ssize_t n = go_write(fd, big_out + (size_t)(i & 0xff) * WCHUNK, WCHUNK);
    ck_assert_int_eq(n, WCHUNK);
    go_wg_done(&writers_wg);
}

/* Concurrent go_writes on one fd, each much larger than the pipe: every
 * one parks many times, yet each lands in one piece (Go's fdMutex: a
 * Write is never interleaved with another's bytes). */
GO_TEST(test_concurrent_writes_not_interleaved)
{
    int p[2];
    mkpipe(p);
    for (int w = 0; w < NWRITERS; w++)
        memset(big_out + (size_t)w * WCHUNK, 'A' + w, WCHUNK);
    go_wg_add(&writers_wg, NWRITERS);
    for (int w = 0; w < NWRITERS; w++)
        GO(write_chunk, (void *)(intptr_t)(p[1] << 8 | w));
    ck_assert_int_eq(read_full(p[0], big_in, BIG), BIG);
    go_wg_wait(&writers_wg);
    bool seen[NWRITERS] = {false};
    for (int k = 0; k < NWRITERS; k++) {
        const unsigned char *run = big_in + (size_t)k * WCHUNK;
        int w = run[0] - 'A';
        ck_assert_msg(w >= 0 && w < NWRITERS && !seen[w],
                      "run %d starts with %c", k, run[0]);
        seen[w] = true;
        size_t j = 0;
        while (j < WCHUNK && run[j] == run[0])
            j++;
        ck_assert_msg(j == WCHUNK,
                      "write %c interleaved: byte %zu of its run is %c", run[0],
                      j, run[j]);
    }
    go_close(p[0]);
    go_close(p[1]);
}

/* EOF: a reader gets 0 when the write end is closed, both when it is parked
 * at the time and when it comes later, after the remaining data. */
GO_TEST(test_pipe_eof)
{
    int p[2];
    mkpipe(p);
    go_chan *done = go_chan_make(0, 1);
    static reader r;
    start_reader(&r, p[0], NULL, done);
    go_sleep(20 * MS);
    ck_assert_int_eq(go_close(p[1]), 0);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(r.ret, 0);
    ck_assert_int_eq(go_read(p[0], r.buf, 10), 0);
    go_close(p[0]);

    mkpipe(p);
    ck_assert_int_eq(go_write(p[1], "xy", 2), 2);
    ck_assert_int_eq(go_close(p[1]), 0);
    char buf[8];
    ck_assert_int_eq(go_read(p[0], buf, sizeof buf), 2);
    ck_assert_int_eq(go_read(p[0], buf, sizeof buf), 0);
    go_close(p[0]);
    go_chan_free(done);
}

/* A write to a pipe nobody can read fails with EPIPE, and SIGPIPE (left at
 * its default action, which would kill the process) is not raised: Go
 * ignores it for fds other than 1 and 2. */
GO_TEST(test_pipe_write_epipe)
{
    ck_assert_ptr_eq(signal(SIGPIPE, SIG_DFL), SIG_DFL);
    int p[2];
    mkpipe(p);
    ck_assert_int_eq(go_close(p[0]), 0);
    errno = 0;
    ck_assert_int_eq(go_write(p[1], "x", 1), -1);
    ck_assert_int_eq(errno, EPIPE);
    errno = 0;
    ck_assert_int_eq(go_write(p[1], big_out, BIG), -1);
    ck_assert_int_eq(errno, EPIPE);
    go_close(p[1]);
}

/* ---- eventfd, regular files --------------------------------------------- */

GO_TEST(test_eventfd)
{
    int efd = eventfd(0, EFD_CLOEXEC);
    ck_assert_int_ge(efd, 0);
    go_chan *done = go_chan_make(0, 1);
    static reader r;
    start_reader(&r, efd, NULL, done);
    go_sleep(20 * MS);
    ck_assert_int_eq(ld(&r.finished), 0);
    uint64_t v = 5;
    ck_assert_int_eq(go_write(efd, &v, sizeof v), 8);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(r.ret, 8);
    memcpy(&v, r.buf, 8);
    ck_assert_uint_eq(v, 5);
    /* counts add up while nobody reads */
    v = 2;
    ck_assert_int_eq(go_write(efd, &v, 8), 8);
    v = 4;
    ck_assert_int_eq(go_write(efd, &v, 8), 8);
    ck_assert_int_eq(go_read(efd, &v, 8), 8);
    ck_assert_uint_eq(v, 6);
    ck_assert_int_eq(go_close(efd), 0);
    go_chan_free(done);
}

/* A regular file (epoll cannot watch one) falls back to a plain blocking
 * call: go_read and go_write work, EOF is 0. */
GO_TEST(test_regular_file_fallback)
{
    char path[] = "/tmp/gorace_netpoll_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    static const char text[] = "the quick brown fox jumps over the lazy dog";
    ck_assert_int_eq(go_write(fd, text, sizeof text), sizeof text);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    char buf[128];
    ck_assert_int_eq(read_full(fd, buf, sizeof text), sizeof text);
    ck_assert_str_eq(buf, text);
    ck_assert_int_eq(go_read(fd, buf, sizeof buf), 0); /* EOF */
    /* a larger file, read back in pieces */
    fill_pattern(big_out, BIG, 3);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    ck_assert_int_eq(go_write(fd, big_out, BIG), BIG);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    ck_assert_int_eq(read_full(fd, big_in, BIG), BIG);
    ck_assert_int_eq(memcmp(big_in, big_out, BIG), 0);
    /* a file has no poller: deadlines are refused (Go's ErrNoDeadline) */
    ck_assert_int_eq(go_set_read_deadline(fd, go_now() + GO_SECOND), -1);
    ck_assert_int_eq(go_set_deadline(fd, go_now() + GO_SECOND), -1);
    /* a context does not break the fallback path */
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    go_ctx *ctx = go_with_cancel(go_background());
    ck_assert_int_eq(go_read_ctx(ctx, fd, buf, 5), 5);
    ck_assert_mem_eq(buf, big_out, 5);
    go_ctx_free(ctx);
    file_id id = id_of(fd);
    ck_assert_int_eq(go_close(fd), 0);
    ck_assert(!fd_names(fd, id));
}

/* ---- TCP ---------------------------------------------------------------- */

static void echo_server(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char *buf = malloc(65536);
    for (;;) {
        ssize_t n = go_read(fd, buf, 65536);
        if (n <= 0)
            break;
        if (go_write(fd, buf, (size_t)n) != n)
            break;
    }
    free(buf);
    go_close(fd);
}

static go_chan *wrote;

static void big_sender(void *arg)
{
    int fd = (int)(intptr_t)arg;
    ssize_t n = go_write(fd, big_out, BIG);
    go_chan_send(wrote, &n);
}

/* Echo over loopback: small messages round-trip; a 1 MiB message is written
 * by one goroutine while another reads the echo on the same fd (both park
 * on the one socket, in opposite directions); after the client's half-close
 * the server's EOF ends it and the client reads 0. */
GO_TEST(test_tcp_echo)
{
    int lfd = go_listen_tcp("127.0.0.1:0");
    ck_assert_int_ge(lfd, 0);
    int port = go_local_port(lfd);
    ck_assert_int_gt(port, 0);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    int c = go_dial_tcp(addr, 0);
    ck_assert_int_ge(c, 0);
    int s = go_accept(lfd, NULL, NULL);
    ck_assert_int_ge(s, 0);
    GO(echo_server, (void *)(intptr_t)s);

    char buf[64];
    for (int i = 0; i < 20; i++) {
        char msg[32];
        int len = snprintf(msg, sizeof msg, "message %d", i);
        ck_assert_int_eq(go_write(c, msg, (size_t)len), len);
        ck_assert_int_eq(read_full(c, buf, (size_t)len), len);
        ck_assert_mem_eq(buf, msg, (size_t)len);
    }

    fill_pattern(big_out, BIG, 11);
    memset(big_in, 0, BIG);
    wrote = go_chan_make(sizeof(ssize_t), 1);
    GO(big_sender, (void *)(intptr_t)c);
    ck_assert_int_eq(read_full(c, big_in, BIG), BIG);
    ssize_t n;
    go_chan_recv(wrote, &n);
    ck_assert_int_eq(n, BIG);
    ck_assert_int_eq(memcmp(big_in, big_out, BIG), 0);

    ck_assert_int_eq(shutdown(c, SHUT_WR), 0);
    ck_assert_int_eq(go_read(c, buf, sizeof buf), 0); /* the server closed */
    ck_assert_int_eq(go_close(c), 0);
    ck_assert_int_eq(go_close(lfd), 0);
    go_chan_free(wrote);
}

/* A client parked in go_read gets EOF when the peer closes; data sent before
 * the close comes first. */
GO_TEST(test_tcp_eof_wakes_reader)
{
    int c, s;
    tcp_pair(&c, &s);
    go_chan *done = go_chan_make(0, 1);
    static reader r;
    start_reader(&r, c, NULL, done);
    go_sleep(20 * MS);
    ck_assert_int_eq(ld(&r.finished), 0);
    ck_assert_int_eq(go_close(s), 0);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(r.ret, 0);
    go_close(c);

    tcp_pair(&c, &s);
    ck_assert_int_eq(go_write(s, "bye", 3), 3);
    ck_assert_int_eq(go_close(s), 0);
    char buf[8];
    ck_assert_int_eq(read_full(c, buf, 3), 3);
    ck_assert_mem_eq(buf, "bye", 3);
    ck_assert_int_eq(go_read(c, buf, sizeof buf), 0);
    go_close(c);
    go_chan_free(done);
}

enum { NCLIENTS = 32 };
static int acc_port;
static go_wg clients_wg;
static atomic_int clients_ok;
static atomic_int client_fail; /* the first failure: stage * 1000 + errno */

static void client_failed(int stage, int err)
{
    int none = 0;
    atomic_compare_exchange_strong(&client_fail, &none, stage * 1000 + err);
}

static void serve_one(void *arg)
{
    int fd = (int)(intptr_t)arg;
    uint32_t id;
    if (read_full(fd, &id, 4) == 4) {
        id += 1000;
        go_write(fd, &id, 4);
    }
    go_close(fd);
}

static void acceptor(void *arg)
{
    int lfd = (int)(intptr_t)arg;
    for (int i = 0; i < NCLIENTS; i++) {
        int fd = go_accept(lfd, NULL, NULL);
        if (fd < 0)
            return;
        GO(serve_one, (void *)(intptr_t)fd);
    }
}

static void client(void *arg)
{
    uint32_t id = (uint32_t)(uintptr_t)arg;
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", acc_port);
    errno = 0;
    int fd = go_dial_tcp(addr, 10 * GO_SECOND);
    if (fd >= 0) {
        uint32_t back = 0;
        errno = 0;
        if (go_write(fd, &id, 4) != 4)
            client_failed(2, errno);
        else if (read_full(fd, &back, 4) != 4)
            client_failed(3, errno);
        else if (back != id + 1000)
            client_failed(4, 0);
        else if (go_read(fd, &back, 4) != 0)
            client_failed(5, errno);
        else
            atomic_fetch_add(&clients_ok, 1);
        go_close(fd);
    } else {
        client_failed(1, errno);
    }
    go_wg_done(&clients_wg);
}

/* One goroutine accepts many clients that dial at once; each is served by
 * its own goroutine. */
GO_TEST(test_accept_many_clients)
{
    int lfd = go_listen_tcp("127.0.0.1:0");
    ck_assert_int_ge(lfd, 0);
    acc_port = go_local_port(lfd);
    ck_assert_int_gt(acc_port, 0);
    GO(acceptor, (void *)(intptr_t)lfd);
    go_wg_add(&clients_wg, NCLIENTS);
    for (int i = 0; i < NCLIENTS; i++)
        GO(client, (void *)(uintptr_t)i);
    go_wg_wait(&clients_wg);
    int fail = ld(&client_fail);
    ck_assert_msg(ld(&clients_ok) == NCLIENTS,
                  "%d of %d clients ok; first failure: %s, errno %d",
                  ld(&clients_ok), NCLIENTS,
                  (const char *[]){"", "dial", "write", "read", "echo",
                                   "EOF"}[fail / 1000],
                  fail % 1000);
    go_close(lfd);
}

/* go_accept fills in the peer's address; go_connect on a socket the caller
 * made connects it (and the result is usable with go_read/go_write). */
GO_TEST(test_accept_addr_and_connect)
{
    int lfd = go_listen_tcp("127.0.0.1:0");
    ck_assert_int_ge(lfd, 0);
    int port = go_local_port(lfd);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(c, 0);
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(go_connect(c, (struct sockaddr *)&to, sizeof to), 0);

    struct sockaddr_storage peer;
    socklen_t plen = sizeof peer;
    memset(&peer, 0, sizeof peer);
    int s = go_accept(lfd, (struct sockaddr *)&peer, &plen);
    ck_assert_int_ge(s, 0);
    ck_assert_int_eq(peer.ss_family, AF_INET);
    ck_assert_uint_eq(plen, sizeof(struct sockaddr_in));
    struct sockaddr_in mine;
    socklen_t mlen = sizeof mine;
    ck_assert_int_eq(getsockname(c, (struct sockaddr *)&mine, &mlen), 0);
    ck_assert_int_eq(((struct sockaddr_in *)&peer)->sin_port, mine.sin_port);
    ck_assert_int_eq(((struct sockaddr_in *)&peer)->sin_addr.s_addr,
                     htonl(INADDR_LOOPBACK));

    /* Go's fds are close-on-exec; go_accept's is non-blocking too */
    ck_assert(fcntl(s, F_GETFD) & FD_CLOEXEC);
    ck_assert(fcntl(s, F_GETFL) & O_NONBLOCK);
    ck_assert(fcntl(lfd, F_GETFD) & FD_CLOEXEC);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    int d = go_dial_tcp(addr, 0);
    ck_assert_int_ge(d, 0);
    ck_assert(fcntl(d, F_GETFD) & FD_CLOEXEC);
    int s2 = go_accept(lfd, NULL, NULL);
    ck_assert_int_ge(s2, 0);
    go_close(s2);
    go_close(d);

    ck_assert_int_eq(go_write(c, "ping", 4), 4);
    char buf[8];
    ck_assert_int_eq(read_full(s, buf, 4), 4);
    ck_assert_mem_eq(buf, "ping", 4);
    ck_assert_int_eq(go_write(s, "pong", 4), 4);
    ck_assert_int_eq(read_full(c, buf, 4), 4);
    ck_assert_mem_eq(buf, "pong", 4);
    go_close(s);
    go_close(c);
    go_close(lfd);
}

/* A port where nothing listens: go_dial_tcp (with and without a timeout)
 * and go_connect fail with ECONNREFUSED. */
GO_TEST(test_dial_closed_port_refused)
{
    int holder;
    int port = refusing_port(&holder);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    errno = 0;
    ck_assert_int_eq(go_dial_tcp(addr, 0), -1);
    ck_assert_int_eq(errno, ECONNREFUSED);
    errno = 0;
    ck_assert_int_eq(go_dial_tcp(addr, 5 * GO_SECOND), -1);
    ck_assert_int_eq(errno, ECONNREFUSED);

    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(c, 0);
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    errno = 0;
    ck_assert_int_eq(go_connect(c, (struct sockaddr *)&to, sizeof to), -1);
    ck_assert_int_eq(errno, ECONNREFUSED);
    go_close(c);
    close(holder);
}

/* Writing to a connection the peer has closed fails (EPIPE, or
 * ECONNRESET once the peer's RST is in) instead of raising SIGPIPE, whose
 * default action would kill the process. */
GO_TEST(test_tcp_write_after_peer_closed)
{
    ck_assert_ptr_eq(signal(SIGPIPE, SIG_DFL), SIG_DFL);
    int c, s;
    tcp_pair(&c, &s);
    ck_assert_int_eq(go_close(s), 0);
    char b;
    ck_assert_int_eq(go_read(c, &b, 1), 0); /* the FIN is in */
    int err = 0;
    for (int i = 0; i < 100 && err == 0; i++) {
        errno = 0;
        if (go_write(c, "xxxxxxxx", 8) < 0)
            err = errno;
        else
            go_sleep(MS); /* let the RST come back */
    }
    ck_assert_msg(err == EPIPE || err == ECONNRESET, "errno %d", err);
    go_close(c);
}

/* A negative dial timeout has already passed (Go: an i/o timeout). */
GO_TEST(test_dial_negative_timeout)
{
    int lfd = go_listen_tcp("127.0.0.1:0");
    ck_assert_int_ge(lfd, 0);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", go_local_port(lfd));
    errno = 0;
    ck_assert_int_eq(go_dial_tcp(addr, -GO_SECOND), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    go_close(lfd);
}

/* A dial with a timeout that has time enough succeeds. */
GO_TEST(test_dial_with_timeout_succeeds)
{
    int lfd = go_listen_tcp("127.0.0.1:0");
    ck_assert_int_ge(lfd, 0);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", go_local_port(lfd));
    int c = go_dial_tcp(addr, 10 * GO_SECOND);
    ck_assert_int_ge(c, 0);
    int s = go_accept(lfd, NULL, NULL);
    ck_assert_int_ge(s, 0);
    ck_assert_int_eq(go_write(c, "t", 1), 1);
    char b;
    ck_assert_int_eq(go_read(s, &b, 1), 1);
    ck_assert_int_eq(b, 't');
    go_close(s);
    go_close(c);
    go_close(lfd);
}

static bool have_ipv6_loopback(void)
{
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6,
                              .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    bool ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

/* Listens on hostport, checks the port and that dialing dial_host:port
 * reaches it. */
static void listen_and_dial(const char *hostport, const char *dial_host)
{
    int lfd = go_listen_tcp(hostport);
    ck_assert_msg(lfd >= 0, "go_listen_tcp(\"%s\") failed: %s", hostport,
                  strerror(errno));
    int port = go_local_port(lfd);
    ck_assert_msg(port > 0 && port < 65536, "go_local_port for %s: %d",
                  hostport, port);
    char addr[80];
    snprintf(addr, sizeof addr, "%s:%d", dial_host, port);
    int c = go_dial_tcp(addr, 0);
    ck_assert_msg(c >= 0, "go_dial_tcp(\"%s\") failed: %s", addr,
                  strerror(errno));
    int s = go_accept(lfd, NULL, NULL);
    ck_assert_int_ge(s, 0);
    ck_assert_int_eq(go_write(s, "k", 1), 1);
    char b = 0;
    ck_assert_int_eq(go_read(c, &b, 1), 1);
    ck_assert_int_eq(b, 'k');
    go_close(s);
    go_close(c);
    go_close(lfd);
}

/* The host:port forms Go's net.Listen takes, and the port go_local_port
 * reports is the one bound. */
GO_TEST(test_listen_addresses)
{
    listen_and_dial("127.0.0.1:0", "127.0.0.1");
    listen_and_dial("localhost:0", "localhost");
    listen_and_dial(":0", "127.0.0.1");
    if (have_ipv6_loopback())
        listen_and_dial("[::1]:0", "[::1]");

    /* an explicit port: take a free one, then listen on it by number */
    int lfd = go_listen_tcp("127.0.0.1:0");
    ck_assert_int_ge(lfd, 0);
    int port = go_local_port(lfd);
    ck_assert_int_eq(go_close(lfd), 0);
    char hp[64];
    snprintf(hp, sizeof hp, "127.0.0.1:%d", port);
    lfd = go_listen_tcp(hp);
    if (lfd >= 0) { /* (someone may have taken the port meanwhile) */
        ck_assert_int_eq(go_local_port(lfd), port);
        /* a second listener on the same port fails */
        errno = 0;
        ck_assert_int_eq(go_listen_tcp(hp), -1);
        ck_assert_int_eq(errno, EADDRINUSE);
        go_close(lfd);
    }
}

/* Malformed host:port strings are rejected with -1 and an errno (Go:
 * "missing port in address", "too many colons", "invalid port"), before
 * any connection is tried (so never ECONNREFUSED). */
GO_TEST(test_listen_and_dial_malformed)
{
    static const char *bad[] = {
        "127.0.0.1",    "127.0.0.1:abc", "127.0.0.1:65536", "127.0.0.1:70000",
        "127.0.0.1:-1", "::1:0",         "[::1:0",          "[::1]"};
    char report[1024] = "";
    size_t len = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        int fd = go_listen_tcp(bad[i]);
        if (fd != -1 || errno == 0)
            len += (size_t)snprintf(report + len, sizeof report - len,
                                    " go_listen_tcp(\"%s\") = %d errno %d;",
                                    bad[i], fd, errno);
        errno = 0;
        int c = go_dial_tcp(bad[i], 0);
        if (c != -1 || errno == 0 || errno == ECONNREFUSED) /* dialled */
            len += (size_t)snprintf(report + len, sizeof report - len,
                                    " go_dial_tcp(\"%s\") = %d errno %d;",
                                    bad[i], c, errno);
        if (len >= sizeof report)
            len = sizeof report - 1;
    }
    ck_assert_msg(len == 0, "accepted:%s", report);
}

/* ---- deadlines ---------------------------------------------------------- */

/* A read deadline expires: ETIMEDOUT no earlier than the deadline; later
 * reads fail at once while it stays in the past (even with data there, as
 * Go's prepareRead); clearing it with 0 makes reads work again. */
GO_TEST(test_read_deadline_expires)
{
    int p[2];
    mkpipe(p);
    char buf[8];
    int64_t dl = go_now() + 30 * MS;
    ck_assert_int_eq(go_set_read_deadline(p[0], dl), 0);
    errno = 0;
    ck_assert_int_eq(go_read(p[0], buf, sizeof buf), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_int_ge(go_now(), dl);
    errno = 0;
    ck_assert_int_eq(go_read(p[0], buf, sizeof buf), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);

    ck_assert_int_eq(go_set_read_deadline(p[0], 0), 0);
    ck_assert_int_eq(go_write(p[1], "ok", 2), 2);
    ck_assert_int_eq(go_read(p[0], buf, sizeof buf), 2);
    ck_assert_mem_eq(buf, "ok", 2);
    go_close(p[0]);
    go_close(p[1]);
}

/* The same on a TCP socket, in a goroutine parked at the time. */
GO_TEST(test_read_deadline_expires_tcp)
{
    int c, s;
    tcp_pair(&c, &s);
    go_chan *done = go_chan_make(0, 1);
    static reader r;
    int64_t dl = go_now() + 40 * MS;
    ck_assert_int_eq(go_set_read_deadline(c, dl), 0);
    start_reader(&r, c, NULL, done);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(r.ret, -1);
    ck_assert_int_eq(r.err, ETIMEDOUT);
    ck_assert_int_ge(r.at, dl);
    /* the connection is still usable once the deadline is moved on */
    ck_assert_int_eq(go_set_read_deadline(c, go_now() + 10 * GO_SECOND), 0);
    ck_assert_int_eq(go_write(s, "z", 1), 1);
    char b;
    ck_assert_int_eq(go_read(c, &b, 1), 1);
    ck_assert_int_eq(b, 'z');
    go_close(c);
    go_close(s);
    go_chan_free(done);
}

/* A deadline already in the past fails the operation at once, without data
 * and with data waiting (Go checks the deadline before reading). */
GO_TEST(test_deadline_already_past)
{
    int p[2];
    mkpipe(p);
    char buf[8];
    ck_assert_int_eq(go_set_read_deadline(p[0], go_now() - MS), 0);
    errno = 0;
    ck_assert_int_eq(go_read(p[0], buf, sizeof buf), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_int_eq(go_set_read_deadline(p[0], 1), 0); /* 1 ns: long past */
    errno = 0;
    ck_assert_int_eq(go_read(p[0], buf, sizeof buf), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    /* the write direction is unaffected */
    ck_assert_int_eq(go_write(p[1], "d", 1), 1);
    errno = 0;
    ck_assert_int_eq(go_read(p[0], buf, sizeof buf), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_int_eq(go_set_read_deadline(p[0], 0), 0);
    ck_assert_int_eq(go_read(p[0], buf, sizeof buf), 1);
    /* go_read_ctx honours the fd's deadline too */
    ck_assert_int_eq(go_set_read_deadline(p[0], go_now() - MS), 0);
    errno = 0;
    ck_assert_int_eq(go_read_ctx(go_background(), p[0], buf, sizeof buf), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    go_close(p[0]);
    go_close(p[1]);
}

/* A goroutine parked without a deadline: setting one (future, then past)
 * wakes it with ETIMEDOUT, no earlier than the deadline. */
GO_TEST(test_deadline_set_while_blocked)
{
    int p[2];
    mkpipe(p);
    go_chan *done = go_chan_make(0, 1);
    static reader r;
    start_reader(&r, p[0], NULL, done);
    go_sleep(20 * MS);
    ck_assert_int_eq(ld(&r.finished), 0);
    int64_t dl = go_now() + 20 * MS;
    ck_assert_int_eq(go_set_read_deadline(p[0], dl), 0);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(r.ret, -1);
    ck_assert_int_eq(r.err, ETIMEDOUT);
    ck_assert_int_ge(r.at, dl);

    ck_assert_int_eq(go_set_read_deadline(p[0], 0), 0);
    start_reader(&r, p[0], NULL, done);
    go_sleep(20 * MS);
    ck_assert_int_eq(ld(&r.finished), 0);
    ck_assert_int_eq(go_set_read_deadline(p[0], go_now() - MS), 0);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(r.ret, -1);
    ck_assert_int_eq(r.err, ETIMEDOUT);
    go_close(p[0]);
    go_close(p[1]);
    go_chan_free(done);
}

/* A deadline cleared with 0 (or moved later) before it fires never fires:
 * the reader stays parked past the old deadline and then gets its data. */
GO_TEST(test_deadline_cleared_before_firing)
{
    int p[2];
    mkpipe(p);
    go_chan *done = go_chan_make(0, 1);
    static reader r;
    for (int round = 0; round < 2; round++) {
        int64_t dl = go_now() + 200 * MS;
        ck_assert_int_eq(go_set_read_deadline(p[0], dl), 0);
        start_reader(&r, p[0], NULL, done);
        go_sleep(10 * MS);
        int64_t changed_at = go_now();
        ck_assert_int_eq(
            go_set_read_deadline(p[0],
                                 round == 0 ? 0 : go_now() + 3600 * GO_SECOND),
            0);
        while (go_now() < dl + 100 * MS)
            go_sleep(20 * MS);
        /* (on a machine so loaded that main overslept the old deadline
         * before changing it, the reader may rightly have timed out) */
        if (changed_at < dl)
            ck_assert_msg(!ld(&r.finished),
                          "round %d: reader returned %zd errno %d", round,
                          r.ret, r.err);
        ck_assert_int_eq(go_write(p[1], "late", 4), 4);
        go_chan_recv(done, NULL);
        if (changed_at < dl) {
            ck_assert_int_eq(r.ret, 4);
            ck_assert_mem_eq(r.buf, "late", 4);
        } else if (r.ret < 0) {
            char buf[8];
            ck_assert_int_eq(go_set_read_deadline(p[0], 0), 0);
            ck_assert_int_eq(go_read(p[0], buf, sizeof buf), 4);
        }
    }
    go_close(p[0]);
    go_close(p[1]);
    go_chan_free(done);
}

/* A write deadline on a socket whose buffers are full: the parked writer
 * gets ETIMEDOUT, no earlier than the deadline; the read direction is
 * unaffected. */
GO_TEST(test_write_deadline_full_socket)
{
    int c, s;
    tcp_pair(&c, &s);
    small_buffers(c);
    small_buffers(s);
    int64_t dl = go_now() + 100 * MS;
    ck_assert_int_eq(go_set_write_deadline(c, dl), 0);
    ck_assert_int_eq(fill_until_error(c), ETIMEDOUT);
    ck_assert_int_ge(go_now(), dl);
    /* further writes fail at once */
    errno = 0;
    ck_assert_int_eq(go_write(c, "x", 1), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    /* reads on the same fd still work */
    ck_assert_int_eq(go_write(s, "r", 1), 1);
    char b;
    ck_assert_int_eq(go_read(c, &b, 1), 1);
    ck_assert_int_eq(b, 'r');
    go_close(c);
    go_close(s);
}

/* A write deadline on a full pipe, the writer parked before it is set. */
GO_TEST(test_write_deadline_full_pipe)
{
    int p[2];
    mkpipe(p);
    go_chan *done = go_chan_make(0, 1);
    static writer w;
    start_writer(&w, p[1], big_out, BIG, done);
    go_sleep(20 * MS);
    ck_assert_int_eq(ld(&w.finished), 0);
    int64_t dl = go_now() + 20 * MS;
    ck_assert_int_eq(go_set_write_deadline(p[1], dl), 0);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(w.ret, -1);
    ck_assert_int_eq(w.err, ETIMEDOUT);
    ck_assert_int_ge(w.at, dl);
    go_close(p[0]);
    go_close(p[1]);
    go_chan_free(done);
}

/* go_set_deadline sets both directions; go_set_read_deadline and
 * go_set_write_deadline each only their own; 0 clears both. */
GO_TEST(test_set_deadline_both_directions)
{
    int c, s;
    tcp_pair(&c, &s);
    small_buffers(c);
    small_buffers(s);
    char b;
    int64_t dl = go_now() + 30 * MS;
    ck_assert_int_eq(go_set_deadline(c, dl), 0);
    errno = 0;
    ck_assert_int_eq(go_read(c, &b, 1), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_int_ge(go_now(), dl);
    errno = 0;
    ck_assert_int_eq(go_write(c, "x", 1), -1); /* the deadline has passed */
    ck_assert_int_eq(errno, ETIMEDOUT);

    ck_assert_int_eq(go_set_deadline(c, 0), 0);
    ck_assert_int_eq(go_write(c, "x", 1), 1);
    ck_assert_int_eq(go_read(s, &b, 1), 1);
    ck_assert_int_eq(go_write(s, "y", 1), 1);
    ck_assert_int_eq(go_read(c, &b, 1), 1);
    ck_assert_int_eq(b, 'y');

    /* read deadline in the past: writes unaffected */
    ck_assert_int_eq(go_set_read_deadline(c, go_now() - MS), 0);
    ck_assert_int_eq(go_write(c, "w", 1), 1);
    ck_assert_int_eq(go_read(s, &b, 1), 1);
    ck_assert_int_eq(b, 'w');
    ck_assert_int_eq(go_set_read_deadline(c, 0), 0);

    /* write deadline in the past: reads unaffected */
    ck_assert_int_eq(go_set_write_deadline(c, go_now() - MS), 0);
    errno = 0;
    ck_assert_int_eq(go_write(c, "w", 1), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_int_eq(go_write(s, "v", 1), 1);
    ck_assert_int_eq(go_read(c, &b, 1), 1);
    ck_assert_int_eq(b, 'v');

    /* both directions from one call, with goroutines parked in each: the
     * writer on a full socket, the reader on an empty one */
    ck_assert_int_eq(go_set_deadline(c, 0), 0);
    go_chan *done = go_chan_make(0, 2);
    static reader r;
    start_reader(&r, c, NULL, done);
    int64_t dl2 = go_now() + 150 * MS;
    ck_assert_int_eq(go_set_deadline(c, dl2), 0);
    ck_assert_int_eq(fill_until_error(c), ETIMEDOUT);
    ck_assert_int_ge(go_now(), dl2);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(r.ret, -1);
    ck_assert_int_eq(r.err, ETIMEDOUT);
    ck_assert_int_ge(r.at, dl2);
    go_close(c);
    go_close(s);
    go_chan_free(done);
}

/* A deadline on a listener bounds go_accept. */
GO_TEST(test_accept_deadline)
{
    int lfd = go_listen_tcp("127.0.0.1:0");
    ck_assert_int_ge(lfd, 0);
    int64_t dl = go_now() + 30 * MS;
    ck_assert_int_eq(go_set_deadline(lfd, dl), 0);
    errno = 0;
    ck_assert_int_eq(go_accept(lfd, NULL, NULL), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_int_ge(go_now(), dl);
    go_close(lfd);
}

/* ---- go_read_ctx -------------------------------------------------------- */

/* A context already cancelled: ECANCELED without waiting; the fd stays
 * usable. */
GO_TEST(test_read_ctx_cancelled_before)
{
    int p[2];
    mkpipe(p);
    go_ctx *ctx = go_with_cancel(go_background());
    go_cancel(ctx);
    char buf[8];
    errno = 0;
    ck_assert_int_eq(go_read_ctx(ctx, p[0], buf, sizeof buf), -1);
    ck_assert_int_eq(errno, ECANCELED);
    ck_assert_int_eq(go_write(p[1], "a", 1), 1);
    ck_assert_int_eq(go_read(p[0], buf, sizeof buf), 1);
    go_ctx_free(ctx);
    go_close(p[0]);
    go_close(p[1]);
}

/* Cancelled while parked: ECANCELED; the fd is not closed by it and the
 * data written later is read by the next call. */
GO_TEST(test_read_ctx_cancelled_during_wait)
{
    int p[2];
    mkpipe(p);
    file_id id = id_of(p[0]);
    go_ctx *ctx = go_with_cancel(go_background());
    go_chan *done = go_chan_make(0, 1);
    static reader r;
    start_reader(&r, p[0], ctx, done);
    go_sleep(30 * MS);
    ck_assert_int_eq(ld(&r.finished), 0);
    int64_t tc = go_now();
    go_cancel(ctx);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(r.ret, -1);
    ck_assert_int_eq(r.err, ECANCELED);
    ck_assert_int_ge(r.at, tc);
    ck_assert(fd_names(p[0], id));
    ck_assert_int_eq(go_write(p[1], "after", 5), 5);
    go_ctx *bg = go_with_cancel(go_background());
    char buf[8];
    ck_assert_int_eq(go_read_ctx(bg, p[0], buf, sizeof buf), 5);
    ck_assert_mem_eq(buf, "after", 5);
    go_ctx_free(bg);
    go_ctx_free(ctx);
    go_close(p[0]);
    go_close(p[1]);
    go_chan_free(done);
}

/* Several goroutines parked on different fds under one context: one
 * cancel wakes them all. */
GO_TEST(test_read_ctx_cancel_wakes_all)
{
    enum { N = 8 };
    int p[N][2];
    static reader r[N];
    go_ctx *ctx = go_with_cancel(go_background());
    go_chan *done = go_chan_make(0, N);
    for (int i = 0; i < N; i++) {
        mkpipe(p[i]);
        start_reader(&r[i], p[i][0], ctx, done);
    }
    go_sleep(20 * MS);
    go_cancel(ctx);
    for (int i = 0; i < N; i++)
        go_chan_recv(done, NULL);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(r[i].ret, -1);
        ck_assert_int_eq(r[i].err, ECANCELED);
        go_close(p[i][0]);
        go_close(p[i][1]);
    }
    go_ctx_free(ctx);
    go_chan_free(done);
}

/* A context that is never cancelled (a cancel context, and background):
 * the data arrives and is returned. */
GO_TEST(test_read_ctx_data_arrives)
{
    int p[2];
    mkpipe(p);
    go_ctx *ctx = go_with_cancel(go_background());
    go_chan *done = go_chan_make(0, 1);
    static reader r;
    start_reader(&r, p[0], ctx, done);
    go_sleep(20 * MS);
    ck_assert_int_eq(ld(&r.finished), 0);
    ck_assert_int_eq(go_write(p[1], "data", 4), 4);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(r.ret, 4);
    ck_assert_mem_eq(r.buf, "data", 4);
    go_cancel(ctx); /* a cancel after the read changes nothing */
    ck_assert_int_eq(r.ret, 4);

    start_reader(&r, p[0], go_background(), done);
    go_sleep(20 * MS);
    ck_assert_int_eq(ld(&r.finished), 0);
    ck_assert_int_eq(go_write(p[1], "bg", 2), 2);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(r.ret, 2);
    ck_assert_mem_eq(r.buf, "bg", 2);
    go_ctx_free(ctx);
    go_close(p[0]);
    go_close(p[1]);
    go_chan_free(done);
}

/* A context with a deadline: when it passes the read returns -1, no earlier
 * than the deadline. API.md names ECANCELED for "a done context"; a
 * deadline-exceeded context is accepted with ETIMEDOUT too. */
GO_TEST(test_read_ctx_timeout)
{
    int p[2];
    mkpipe(p);
    int64_t t0 = go_now();
    go_ctx *ctx = go_with_timeout(go_background(), 30 * MS);
    char buf[8];
    errno = 0;
    ck_assert_int_eq(go_read_ctx(ctx, p[0], buf, sizeof buf), -1);
    ck_assert_msg(errno == ECANCELED || errno == ETIMEDOUT, "errno %d", errno);
    ck_assert_int_ge(go_now() - t0, 30 * MS);
    go_ctx_free(ctx);
    go_close(p[0]);
    go_close(p[1]);
}

/* ---- go_close ----------------------------------------------------------- */

/* go_close while one goroutine is parked in go_read: EBADF, and the fd is
 * closed. */
GO_TEST(test_close_wakes_blocked_reader)
{
    int p[2];
    mkpipe(p);
    prime(p[0]);
    go_chan *done = go_chan_make(0, 1);
    static reader r;
    start_reader(&r, p[0], NULL, done);
    wait_started(&r.started);
    ck_assert_int_eq(ld(&r.finished), 0);
    file_id id = id_of(p[0]);
    ck_assert_int_eq(go_close(p[0]), 0);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(r.ret, -1);
    ck_assert_int_eq(r.err, EBADF);
    ck_assert(!fd_names(p[0], id));
    go_close(p[1]);
    go_chan_free(done);
}

/* Several goroutines parked in go_read on the same fd (and one in
 * go_read_ctx): go_close wakes every one with EBADF. The same for a socket,
 * and for a writer parked on a full pipe. */
GO_TEST(test_close_wakes_all_blocked)
{
    enum { N = 6 };
    static reader r[N];
    go_chan *done = go_chan_make(0, N + 1);
    go_ctx *ctx = go_with_cancel(go_background());
    int p[2];
    mkpipe(p);
    prime(p[0]);
    for (int i = 0; i < N; i++)
        start_reader(&r[i], p[0], i == 0 ? ctx : NULL, done);
    for (int i = 0; i < N; i++)
        wait_started(&r[i].started);
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(ld(&r[i].finished), 0);
    ck_assert_int_eq(go_close(p[0]), 0);
    for (int i = 0; i < N; i++)
        go_chan_recv(done, NULL);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(r[i].ret, -1);
        ck_assert_msg(r[i].err == EBADF, "reader %d: errno %d", i, r[i].err);
    }
    go_close(p[1]);

    int c, s;
    tcp_pair(&c, &s);
    prime(c);
    for (int i = 0; i < N; i++)
        start_reader(&r[i], c, NULL, done);
    for (int i = 0; i < N; i++)
        wait_started(&r[i].started);
    ck_assert_int_eq(go_close(c), 0);
    for (int i = 0; i < N; i++)
        go_chan_recv(done, NULL);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(r[i].ret, -1);
        ck_assert_int_eq(r[i].err, EBADF);
    }
    go_close(s);

    mkpipe(p);
    prime(p[1]);
    static writer w;
    start_writer(&w, p[1], big_out, BIG, done);
    wait_started(&w.started);
    ck_assert_int_eq(ld(&w.finished), 0);
    ck_assert_int_eq(go_close(p[1]), 0);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(w.ret, -1);
    ck_assert_int_eq(w.err, EBADF);
    go_close(p[0]);
    go_ctx_free(ctx);
    go_chan_free(done);
}

static go_chan *accept_done;
static atomic_int accept_started;

static void accept_one(void *arg)
{
    int lfd = (int)(intptr_t)arg;
    errno = 0;
    atomic_store(&accept_started, 1);
    int fd = go_accept(lfd, NULL, NULL);
    int res[2] = {fd, fd < 0 ? errno : 0};
    go_chan_send(accept_done, res);
}

/* go_close of a listener wakes a goroutine parked in go_accept: EBADF. */
GO_TEST(test_close_wakes_blocked_accept)
{
    int lfd = go_listen_tcp("127.0.0.1:0");
    ck_assert_int_ge(lfd, 0);
    prime(lfd);
    accept_done = go_chan_make(sizeof(int[2]), 1);
    GO(accept_one, (void *)(intptr_t)lfd);
    wait_started(&accept_started);
    ck_assert_int_eq(gt_try_recv(accept_done, NULL), -1);
    ck_assert_int_eq(go_close(lfd), 0);
    int res[2];
    go_chan_recv(accept_done, res);
    ck_assert_int_eq(res[0], -1);
    ck_assert_int_eq(res[1], EBADF);
    go_chan_free(accept_done);
}

/* go_close of an fd nobody waits on: 0 and the fd is closed; a second
 * go_close is EBADF; every operation on it then fails with EBADF. */
GO_TEST(test_close_idle_and_use_after_close)
{
    int p[2];
    mkpipe(p);
    char buf[4];
    ck_assert_int_eq(go_write(p[1], "q", 1), 1); /* known to the runtime */
    ck_assert_int_eq(go_read(p[0], buf, 1), 1);
    file_id id = id_of(p[0]);
    ck_assert_int_eq(go_close(p[0]), 0);
    ck_assert(!fd_names(p[0], id));
    errno = 0;
    ck_assert_int_eq(go_close(p[0]), -1);
    ck_assert_int_eq(errno, EBADF);
    errno = 0;
    ck_assert_int_eq(go_read(p[0], buf, 1), -1);
    ck_assert_int_eq(errno, EBADF);
    errno = 0;
    ck_assert_int_eq(go_read_ctx(go_background(), p[0], buf, 1), -1);
    ck_assert_int_eq(errno, EBADF);
    errno = 0;
    ck_assert_int_eq(go_write(p[0], "q", 1), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_ne(go_set_deadline(p[0], go_now() + GO_SECOND), 0);
    ck_assert_int_ne(go_set_read_deadline(p[0], go_now() + GO_SECOND), 0);
    ck_assert_int_ne(go_set_write_deadline(p[0], go_now() + GO_SECOND), 0);

    ck_assert_int_eq(go_close(p[1]), 0);

    /* fds the runtime never saw, just closed */
    int q[2];
    mkpipe(q);
    ck_assert_int_eq(close(q[0]), 0);
    ck_assert_int_eq(close(q[1]), 0);
    errno = 0;
    ck_assert_int_eq(go_read(q[0], buf, 1), -1);
    ck_assert_int_eq(errno, EBADF);
    errno = 0;
    ck_assert_int_eq(go_write(q[1], "q", 1), -1);
    ck_assert_int_eq(errno, EBADF);
    errno = 0;
    ck_assert_int_eq(go_close(q[1]), -1);
    ck_assert_int_eq(errno, EBADF);

    /* a closed listener */
    int lfd = go_listen_tcp("127.0.0.1:0");
    ck_assert_int_ge(lfd, 0);
    ck_assert_int_eq(go_close(lfd), 0);
    errno = 0;
    ck_assert_int_eq(go_accept(lfd, NULL, NULL), -1);
    ck_assert_int_eq(errno, EBADF);
}

static go_wg reuse_wg;
static atomic_int reuse_bad, reuse_errno, reuse_close_bad;

static void reuse_loop(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5000; i++) {
        int p[2];
        char b;
        if (pipe(p) != 0)
            break;
        errno = 0;
        if (go_write(p[1], "x", 1) != 1 || go_read(p[0], &b, 1) != 1) {
            int e = errno, zero = 0;
            atomic_compare_exchange_strong(&reuse_errno, &zero, e);
            atomic_fetch_add(&reuse_bad, 1);
        }
        for (int k = 0; k < 2; k++) {
            file_id id = id_of(p[k]);
            if (go_close(p[k]) != 0) {
                /* the fd is ours and open: go_close must have closed it */
                atomic_fetch_add(&reuse_close_bad, 1);
                for (int t = 0; t < 1000 && fd_names(p[k], id); t++)
                    if (go_close(p[k]) != 0)
                        go_yield(); /* keep the table sane: retry */
            }
        }
    }
    go_wg_done(&reuse_wg);
}

/* The kernel hands a closed fd's number to the next open at once: a fresh
 * fd that reuses the number of one another goroutine is closing with
 * go_close at the same time is a new file, usable at once (never a stale
 * EBADF), and go_close closes it (a failed go_close leaves the fd open: a
 * peer waiting for EOF on it would wait forever). */
GO_TEST(test_fd_number_reused_during_close)
{
    enum { N = 4 };
    go_wg_add(&reuse_wg, N);
    for (int i = 0; i < N; i++)
        GO(reuse_loop, NULL);
    go_wg_wait(&reuse_wg);
    ck_assert_msg(ld(&reuse_bad) == 0 && ld(&reuse_close_bad) == 0,
                  "on fresh fds: %d reads/writes failed (the first with "
                  "errno %d), %d go_close calls failed",
                  ld(&reuse_bad), ld(&reuse_errno), ld(&reuse_close_bad));
}

/* Negative fds: EBADF everywhere (no crash, no hang). */
GO_TEST(test_bad_fd)
{
    char buf[4];
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons(1),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    errno = 0;
    ck_assert_int_eq(go_read(-1, buf, 1), -1);
    ck_assert_int_eq(errno, EBADF);
    errno = 0;
    ck_assert_int_eq(go_write(-1, buf, 1), -1);
    ck_assert_int_eq(errno, EBADF);
    errno = 0;
    ck_assert_int_eq(go_read_ctx(go_background(), -1, buf, 1), -1);
    ck_assert_int_eq(errno, EBADF);
    errno = 0;
    ck_assert_int_eq(go_accept(-1, NULL, NULL), -1);
    ck_assert_int_eq(errno, EBADF);
    errno = 0;
    ck_assert_int_eq(go_connect(-1, (struct sockaddr *)&to, sizeof to), -1);
    ck_assert_int_eq(errno, EBADF);
    errno = 0;
    ck_assert_int_eq(go_close(-1), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq(go_local_port(-1), -1);
    ck_assert_int_eq(go_set_deadline(-1, go_now()), -1);
    ck_assert_int_eq(go_set_read_deadline(-1, go_now()), -1);
    ck_assert_int_eq(go_set_write_deadline(-1, go_now()), -1);
    /* go_local_port of an fd that is no socket */
    int p[2];
    mkpipe(p);
    ck_assert_int_eq(go_local_port(p[0]), -1);
    go_close(p[0]);
    go_close(p[1]);
}

/* ---- liveness: goroutines in I/O wait are not asleep -------------------- */

static go_wg many_wg;
static atomic_int many_ok;

static void read_one_byte(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char b = 0;
    if (go_read(fd, &b, 1) == 1 && b == '!')
        atomic_fetch_add(&many_ok, 1);
    go_wg_done(&many_wg);
}

static void pingpong(void *arg)
{
    go_chan *c = arg;
    int v;
    while (go_chan_recv(c, &v) && v >= 0)
        ;
}

/* 1000 goroutines each parked on its own pipe while main goes on (channel
 * work, sleeps); then each is woken by its write. */
GO_TEST(test_many_goroutines_blocked_in_io)
{
    enum { N = 1000 };
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 2 * N + 100 && rl.rlim_max >= 2 * N + 100) {
        rl.rlim_cur = 2 * N + 100;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    int n = rl.rlim_cur >= 2 * N + 100 ? N : (int)(rl.rlim_cur - 100) / 2;
    ck_assert_int_gt(n, 100);
    static int p[N][2];
    go_wg_add(&many_wg, n);
    for (int i = 0; i < n; i++) {
        mkpipe(p[i]);
        GO(read_one_byte, (void *)(intptr_t)p[i][0]);
    }
    go_sleep(50 * MS);
    ck_assert_int_ge(go_num_goroutine(), n + 1);
    ck_assert_int_eq(ld(&many_ok), 0);
    /* main proceeds: channel traffic with another goroutine */
    go_chan *c = go_chan_make(sizeof(int), 0);
    GO(pingpong, c);
    for (int i = 0; i < 1000; i++)
        go_chan_send(c, &i);
    int stop = -1;
    go_chan_send(c, &stop);
    go_sleep(20 * MS);
    ck_assert_int_eq(ld(&many_ok), 0);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(go_write(p[i][1], "!", 1), 1);
    go_wg_wait(&many_wg);
    ck_assert_int_eq(ld(&many_ok), n);
    for (int i = 0; i < n; i++) {
        go_close(p[i][0]);
        go_close(p[i][1]);
    }
    go_chan_free(c);
}

/* Main sleeps (the only timer) while a goroutine waits in I/O: no
 * deadlock report, and the goroutine is still there afterwards. */
GO_TEST(test_io_wait_while_main_sleeps)
{
    int p[2];
    mkpipe(p);
    go_chan *done = go_chan_make(0, 1);
    static reader r;
    start_reader(&r, p[0], NULL, done);
    go_sleep(100 * MS);
    ck_assert_int_eq(ld(&r.finished), 0);
    ck_assert_int_ge(go_num_goroutine(), 2);
    ck_assert_int_eq(go_write(p[1], "s", 1), 1);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(r.ret, 1);
    go_close(p[0]);
    go_close(p[1]);
    go_chan_free(done);
}

/* Sleeps ms in a forked child (async-signal-safe calls only). */
static void child_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static void wait_child(pid_t pid)
{
    int st = 0;
    go_syscall_enter();
    pid_t w = waitpid(pid, &st, 0);
    go_syscall_exit();
    ck_assert_int_eq(w, pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* Every goroutine is blocked, main on a channel (no timer pending), one in
 * go_read on a pipe whose only writer is another process: this is not
 * "all goroutines are asleep", since the data will come. */
GO_TEST(test_no_deadlock_main_blocked_reader_in_io)
{
    int p[2];
    mkpipe(p);
    go_chan *done = go_chan_make(0, 0);
    static reader r;
    start_reader(&r, p[0], NULL, done);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        child_sleep_ms(150);
        _exit(write(p[1], "ext", 3) == 3 ? 0 : 1);
    }
    close(p[1]);              /* never used by the runtime here */
    go_chan_recv(done, NULL); /* main parks: nothing else can run */
    ck_assert_int_eq(r.ret, 3);
    ck_assert_mem_eq(r.buf, "ext", 3);
    wait_child(pid);
    go_close(p[0]);
}

/* The same with a goroutine parked in go_accept, the client another
 * process. */
GO_TEST(test_no_deadlock_main_blocked_accept_in_io)
{
    int lfd = go_listen_tcp("127.0.0.1:0");
    ck_assert_int_ge(lfd, 0);
    int port = go_local_port(lfd);
    accept_done = go_chan_make(sizeof(int[2]), 0);
    GO(accept_one, (void *)(intptr_t)lfd);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        child_sleep_ms(150);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in to = {.sin_family = AF_INET,
                                 .sin_port = htons((uint16_t)port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        _exit(fd >= 0 && connect(fd, (struct sockaddr *)&to, sizeof to) == 0
                  ? 0
                  : 1);
    }
    int res[2];
    go_chan_recv(accept_done, res); /* main parks */
    ck_assert_int_ge(res[0], 0);
    wait_child(pid);
    go_close(res[0]);
    go_close(lfd);
    go_chan_free(accept_done);
}

static int flight_pipe[2];
static go_chan *flight_done;

static void flight_reader(void *arg)
{
    (void)arg;
    char b;
    go_read(flight_pipe[0], &b, 1);
    go_chan_send(flight_done, NULL);
}

/* Many rounds of: a reader parks in go_read, main writes a byte and parks
 * on a channel only the reader sends to. Between the poller taking the
 * reader off the fd and the reader being runnable, every goroutine is
 * blocked and no M runs one: that must not read as "all goroutines are
 * asleep" (it would end the test with exit status 2). */
GO_TEST(test_no_deadlock_while_io_wakeup_in_flight)
{
    mkpipe(flight_pipe);
    flight_done = go_chan_make(0, 0);
    for (int i = 0; i < 150000; i++) {
        GO(flight_reader, NULL);
        if (i % 2)
            go_yield(); /* sometimes the reader parks first */
        ck_assert_int_eq(go_write(flight_pipe[1], "x", 1), 1);
        go_chan_recv(flight_done, NULL);
    }
    go_close(flight_pipe[0]);
    go_close(flight_pipe[1]);
    go_chan_free(flight_done);
}

/* main returns while goroutines are parked in I/O: they are abandoned and
 * go_run returns 0 (no leak report, no hang). */
GO_TEST(test_main_returns_with_goroutines_in_io)
{
    static reader r[4];
    go_chan *done = go_chan_make(0, 4);
    for (int i = 0; i < 4; i++) {
        int p[2];
        mkpipe(p);
        start_reader(&r[i], p[0], NULL, done);
    }
    go_sleep(20 * MS);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(ld(&r[i].finished), 0);
}

/* ---- the goroutine dump --------------------------------------------------
 * Not a GO_TEST: the runtime runs in a forked child whose stderr the test
 * reads, as tests/test_death.c does. */

static int dump_pipe[2];

static void dump_reader(void *arg)
{
    (void)arg;
    char b;
    go_read(dump_pipe[0], &b, 1);
}

static int dump_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    mkpipe(dump_pipe);
    GO(dump_reader, NULL);
    go_sleep(50 * MS);
    static go_mutex mu;
    go_mutex_unlock(&mu); /* a fatal error: Go dumps every goroutine */
    return 0;
}

/* A goroutine parked in go_read shows as [IO wait] in the dump of every
 * goroutine that follows a fatal error (go_panic, like Go's default
 * GOTRACEBACK=single, shows only the panicking one). */
START_TEST(test_dump_shows_io_wait)
{
    int ep[2];
    ck_assert_int_eq(pipe(ep), 0);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(ep[1], STDERR_FILENO);
        close(ep[0]);
        close(ep[1]);
        static char arg0[] = "gorace-test";
        char *argv[] = {arg0, NULL};
        _exit(go_run(dump_main, 1, argv) == 0 ? 0 : 1);
    }
    close(ep[1]);
    static char err[1 << 16];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(ep[0], err + len, sizeof err - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    err[len] = 0;
    close(ep[0]);
    int st = 0;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 2, "status %#x: %s", st,
                  err);
    static const char first[] = "fatal error: sync: unlock of unlocked mutex\n";
    /* (a sanitizer build may print its warnings first) */
    const char *f = strstr(err, first);
    ck_assert_msg(f && (f == err || f[-1] == '\n'), "%s", err);
    ck_assert_msg(strstr(f, "[IO wait]") != NULL, "no [IO wait] in: %s", err);
}
END_TEST

/* ---- sockets: reads armed in the kernel (rt/netpoll.c, ring mode) ----- */

/* go_close of a socket a goroutine is parked reading: the reader fails
 * with EBADF, and the peer sees the connection end (the armed receive
 * held the socket open until it was cancelled). */
GO_TEST(test_sock_close_wakes_reader_peer_sees_eof)
{
    int c, s;
    tcp_pair(&c, &s);
    go_chan *done = go_chan_make(0, 1);
    static reader r;
    start_reader(&r, s, NULL, done);
    wait_started(&r.started);
    ck_assert_int_eq(ld(&r.finished), 0);
    ck_assert_int_eq(go_close(s), 0);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(r.ret, -1);
    ck_assert_int_eq(r.err, EBADF);
    char b;
    ck_assert_int_eq(go_set_read_deadline(c, go_now() + 5 * GO_SECOND), 0);
    ck_assert_int_eq(go_read(c, &b, 1), 0);
    go_close(c);
    go_chan_free(done);
}

/* A cancelled go_read_ctx on a socket consumes nothing: what the peer
 * sends next is read whole by the next call. */
GO_TEST(test_sock_ctx_cancel_then_data)
{
    int c, s;
    tcp_pair(&c, &s);
    go_ctx *ctx = go_with_cancel(go_background());
    go_chan *done = go_chan_make(0, 1);
    static reader r;
    start_reader(&r, s, ctx, done);
    wait_started(&r.started);
    go_cancel(ctx);
    go_chan_recv(done, NULL);
    ck_assert_int_eq(r.ret, -1);
    ck_assert_int_eq(r.err, ECANCELED);
    ck_assert_int_eq(go_write(c, "after", 5), 5);
    static char buf[8];
    ck_assert_int_eq(read_full(s, buf, 5), 5);
    ck_assert_mem_eq(buf, "after", 5);
    go_ctx_free(ctx);
    go_close(c);
    go_close(s);
    go_chan_free(done);
}

typedef struct {
    int fd, rounds;
    go_chan *done;
} ticker_writer;

static void tick_writes(void *arg)
{
    ticker_writer *t = arg;
    for (int i = 0; i < t->rounds; i++) {
        go_sleep(300 * 1000);
        ck_assert_int_eq(go_write(t->fd, "x", 1), 1);
    }
    go_chan_send(t->done, NULL);
}

/* Read deadlines that expire while bytes arrive, again and again: a
 * receive cancelled by its deadline either returns the byte it got or
 * fails with ETIMEDOUT having taken nothing. Every byte is read once. */
GO_TEST(test_sock_deadline_race_loses_no_data)
{
    enum { ROUNDS = 300 };
    int c, s;
    tcp_pair(&c, &s);
    go_chan *done = go_chan_make(0, 1);
    static ticker_writer t;
    t = (ticker_writer){c, ROUNDS, done};
    GO(tick_writes, &t);
    static char buf[ROUNDS];
    int got = 0, timeouts = 0;
    int64_t until = go_now() + 20 * GO_SECOND;
    while (got < ROUNDS && go_now() < until) {
        ck_assert_int_eq(go_set_read_deadline(s, go_now() + 250 * 1000), 0);
        ssize_t n = go_read(s, buf, sizeof buf);
        if (n < 0) {
            ck_assert_int_eq(errno, ETIMEDOUT);
            timeouts++;
            continue;
        }
        ck_assert_int_gt(n, 0);
        got += (int)n;
    }
    go_chan_recv(done, NULL);
    ck_assert_int_eq(go_set_read_deadline(s, 0), 0);
    ck_assert_int_eq(got, ROUNDS);
    ck_assert_msg(timeouts > 0, "no deadline expired in %d rounds", ROUNDS);
    ck_assert_int_eq(go_write(c, "!", 1), 1);
    ck_assert_int_eq(go_read(s, buf, 1), 1);
    ck_assert_int_eq(buf[0], '!');
    go_close(c);
    go_close(s);
    go_chan_free(done);
}

typedef struct {
    int fd;
    size_t n;
    go_chan *done;
} streamer;

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i % 251);
}

static void stream_out(void *arg)
{
    streamer *t = arg;
    static uint8_t chunk[65536];
    for (size_t off = 0; off < t->n; off += sizeof chunk) {
        for (size_t i = 0; i < sizeof chunk; i++)
            chunk[i] = pattern(off + i);
        size_t k = t->n - off < sizeof chunk ? t->n - off : sizeof chunk;
        ck_assert_int_eq(go_write(t->fd, chunk, k), (ssize_t)k);
    }
    go_chan_send(t->done, NULL);
}

/* A stream read in small pieces while the writer runs ahead: reads that
 * find data left behind go straight to recv(2), reads that find none park
 * in the ring; every byte arrives once and in order. */
GO_TEST(test_sock_stream_in_pieces)
{
    enum { TOTAL = 8 << 20, PIECE = 1000 };
    int c, s;
    tcp_pair(&c, &s);
    go_chan *done = go_chan_make(0, 1);
    static streamer t;
    t = (streamer){c, TOTAL, done};
    GO(stream_out, &t);
    static uint8_t buf[PIECE];
    size_t got = 0;
    while (got < TOTAL) {
        ssize_t n = go_read(s, buf, sizeof buf);
        ck_assert_int_gt(n, 0);
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] != pattern(got + (size_t)i))
                ck_abort_msg("byte %zu: %d, want %d", got + (size_t)i, buf[i],
                             pattern(got + (size_t)i));
        got += (size_t)n;
    }
    go_chan_recv(done, NULL);
    ck_assert_int_eq(go_close(c), 0);
    ck_assert_int_eq(go_read(s, buf, 1), 0);
    go_close(s);
    go_chan_free(done);
}

Suite *suite_netpoll(void)
{
    Suite *s = suite_create("netpoll");
    TCase *tc = gt_tcase("pipes", 30);
    tcase_add_test(tc, test_pipe_read_parks_until_write);
    tcase_add_test(tc, test_pipe_short_read_and_ready_data);
    tcase_add_test(tc, test_pipe_large_write_parks_until_all_written);
    tcase_add_test(tc, test_concurrent_writes_not_interleaved);
    tcase_add_test(tc, test_pipe_eof);
    tcase_add_test(tc, test_high_fd_number);
    tcase_add_test(tc, test_pipe_write_epipe);
    tcase_add_test(tc, test_eventfd);
    tcase_add_test(tc, test_regular_file_fallback);
    suite_add_tcase(s, tc);

    tc = gt_tcase("tcp", 30);
    tcase_add_test(tc, test_tcp_echo);
    tcase_add_test(tc, test_tcp_eof_wakes_reader);
    tcase_add_test(tc, test_accept_many_clients);
    tcase_add_test(tc, test_accept_addr_and_connect);
    tcase_add_test(tc, test_dial_closed_port_refused);
    tcase_add_test(tc, test_dial_with_timeout_succeeds);
    tcase_add_test(tc, test_tcp_write_after_peer_closed);
    tcase_add_test(tc, test_dial_negative_timeout);
    tcase_add_test(tc, test_listen_addresses);
    tcase_add_test(tc, test_listen_and_dial_malformed);
    suite_add_tcase(s, tc);

    tc = gt_tcase("deadlines", 30);
    tcase_add_test(tc, test_read_deadline_expires);
    tcase_add_test(tc, test_read_deadline_expires_tcp);
    tcase_add_test(tc, test_deadline_already_past);
    tcase_add_test(tc, test_deadline_set_while_blocked);
    tcase_add_test(tc, test_deadline_cleared_before_firing);
    tcase_add_test(tc, test_write_deadline_full_socket);
    tcase_add_test(tc, test_write_deadline_full_pipe);
    tcase_add_test(tc, test_set_deadline_both_directions);
    tcase_add_test(tc, test_accept_deadline);
    suite_add_tcase(s, tc);

    tc = gt_tcase("ctx", 30);
    tcase_add_test(tc, test_read_ctx_cancelled_before);
    tcase_add_test(tc, test_read_ctx_cancelled_during_wait);
    tcase_add_test(tc, test_read_ctx_cancel_wakes_all);
    tcase_add_test(tc, test_read_ctx_data_arrives);
    tcase_add_test(tc, test_read_ctx_timeout);
    suite_add_tcase(s, tc);

    tc = gt_tcase("close", 30);
    tcase_add_test(tc, test_close_wakes_blocked_reader);
    tcase_add_test(tc, test_close_wakes_all_blocked);
    tcase_add_test(tc, test_close_wakes_blocked_accept);
    tcase_add_test(tc, test_close_idle_and_use_after_close);
    tcase_add_test(tc, test_fd_number_reused_during_close);
    tcase_add_test(tc, test_bad_fd);
    suite_add_tcase(s, tc);

    tc = gt_tcase("sockets", 60);
    tcase_add_test(tc, test_sock_close_wakes_reader_peer_sees_eof);
    tcase_add_test(tc, test_sock_ctx_cancel_then_data);
    tcase_add_test(tc, test_sock_deadline_race_loses_no_data);
    tcase_add_test(tc, test_sock_stream_in_pieces);
    suite_add_tcase(s, tc);

    tc = gt_tcase("liveness", 60);
    tcase_add_test(tc, test_many_goroutines_blocked_in_io);
    tcase_add_test(tc, test_io_wait_while_main_sleeps);
    tcase_add_test(tc, test_no_deadlock_main_blocked_reader_in_io);
    tcase_add_test(tc, test_no_deadlock_main_blocked_accept_in_io);
    tcase_add_test(tc, test_no_deadlock_while_io_wakeup_in_flight);
    tcase_add_test(tc, test_main_returns_with_goroutines_in_io);
    tcase_add_test(tc, test_dump_shows_io_wait);
    suite_add_tcase(s, tc);
    return s;
}
