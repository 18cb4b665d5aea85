/*
 * Memory per idle connection: RSS growth (VmRSS from /proc/self/status)
 * while N loopback TCP connections are open and idle, divided by N, on both
 * sides, in the way parked_mem.c measures a parked goroutine:
 *
 *   server  this process: listens on 127.0.0.1:0, accepts N connections and
 *           starts one goroutine per connection that parks in go_read
 *   client  a child process (this program again, `--client PORT N`): dials
 *           N connections, one goroutine per connection parked in go_read
 *
 * Two processes because one holding both ends needs 2N descriptors, and the
 * hard RLIMIT_NOFILE here (20000) is below 2 * 10000 plus the few others.
 * Both sides raise the soft limit to the hard one and stop (exit 3) with a
 * message when that is below N plus a margin. bench/go/connmem is the Go
 * twin; bench/compare prints both beside the parked-goroutine numbers.
 *
 * Each goroutine signals a WaitGroup before its go_read; a short sleep after
 * the WaitGroup lets the last ones get to the park. Once both sides measured,
 * the server writes one byte on every connection: each client goroutine reads
 * it and closes, each server goroutine then reads EOF and closes.
 *
 * Usage: conn_mem [N]   (default 10000). Prints two lines:
 *   conn_mem n=N side=server rss_before_kb=A rss_after_kb=B bytes_per_conn=X
 *   conn_mem n=N side=client rss_before_kb=A rss_after_kb=B bytes_per_conn=Y
 */
#define _GNU_SOURCE /* pipe2 */
#include <gorace.h>

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

enum { FD_MARGIN = 64, BUF = 64 };

static long vmrss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kb = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kb;
}

/* Soft RLIMIT_NOFILE to the hard one; exit 3 when that is too low. */
static void raise_nofile(long n, const char *side)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        perror("conn_mem: getrlimit");
        exit(1);
    }
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        perror("conn_mem: setrlimit");
        exit(1);
    }
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)(n + FD_MARGIN)) {
        fprintf(stderr,
                "conn_mem: %s side needs %ld descriptors, hard RLIMIT_NOFILE "
                "is %lu\n",
                side, n + FD_MARGIN, (unsigned long)rl.rlim_max);
        exit(3);
    }
}

static void print_line(FILE *out, const char *side, long n, long before,
                       long after)
{
    fprintf(out,
            "conn_mem n=%ld side=%s rss_before_kb=%ld rss_after_kb=%ld "
            "bytes_per_conn=%.0f\n",
            n, side, before, after,
            (double)(after - before) * 1024.0 / (double)n);
    fflush(out);
}

static struct {
    go_wg parked, exited;
} world;

/* Client: parks in go_read until the server's one byte, then closes. */
static void client_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[BUF];
    go_wg_done(&world.parked);
    go_read(fd, buf, sizeof buf);
    go_close(fd);
    go_wg_done(&world.exited);
}

/* Server: parks in go_read until EOF (or an error), then closes. */
static void server_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[BUF];
    go_wg_done(&world.parked);
    while (go_read(fd, buf, sizeof buf) > 0) {
    }
    go_close(fd);
    go_wg_done(&world.exited);
}

static int client_main(const char *port, long n)
{
    raise_nofile(n, "client");
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%s", port);
    long before = vmrss_kb();
    go_wg_add(&world.parked, n);
    go_wg_add(&world.exited, n);
    for (long i = 0; i < n; i++) {
        int fd = go_dial_tcp(addr, 0);
        if (fd < 0) {
            fprintf(stderr, "conn_mem client: dial %s: %s\n", addr,
                    strerror(errno));
            return 1;
        }
        GO(client_conn, (intptr_t)fd);
    }
    go_wg_wait(&world.parked);
    go_sleep(20 * GO_MILLISECOND);
    long after = vmrss_kb();
    print_line(stdout, "client", n, before, after);
    go_wg_wait(&world.exited);
    return before < 0 || after < 0;
}

/* The client's line from the pipe (go_read parks on it too). */
static int read_line(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    while (got + 1 < cap) {
        ssize_t r = go_read(fd, buf + got, 1);
        if (r <= 0)
            return -1;
        if (buf[got++] == '\n')
            break;
    }
    buf[got] = 0;
    return 0;
}

static int conn_main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--client") == 0)
        return client_main(argv[2], strtol(argv[3], NULL, 10));
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
    if (n < 1) {
        fprintf(stderr, "usage: conn_mem [N>0]\n");
        return 2;
    }
    raise_nofile(n, "server");
    int lfd = go_listen_tcp("127.0.0.1:0");
    if (lfd < 0) {
        perror("conn_mem: listen");
        return 1;
    }
    char port[16], count[24];
    snprintf(port, sizeof port, "%d", go_local_port(lfd));
    snprintf(count, sizeof count, "%ld", n);
    long before = vmrss_kb();

    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        perror("conn_mem: pipe");
        return 1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    char *child_argv[] = {argv[0], (char *)"--client", port, count, NULL};
    pid_t pid;
    int rc =
        posix_spawn(&pid, "/proc/self/exe", &fa, NULL, child_argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (rc != 0) {
        fprintf(stderr, "conn_mem: spawn: %s\n", strerror(rc));
        return 1;
    }

    int *fds = malloc(sizeof(int) * (size_t)n);
    go_wg_add(&world.parked, n);
    go_wg_add(&world.exited, n);
    for (long i = 0; i < n; i++) {
        fds[i] = go_accept(lfd, NULL, NULL);
        if (fds[i] < 0) {
            perror("conn_mem: accept");
            return 1;
        }
        GO(server_conn, (intptr_t)fds[i]);
    }
    go_wg_wait(&world.parked);
    go_sleep(20 * GO_MILLISECOND);
    long after = vmrss_kb();

    /* The client's line once it measured too; then release everyone. */
    char line[256];
    if (read_line(pipefd[0], line, sizeof line) != 0) {
        fprintf(stderr, "conn_mem: no line from the client\n");
        return 1;
    }
    print_line(stdout, "server", n, before, after);
    fputs(line, stdout);
    fflush(stdout);
    for (long i = 0; i < n; i++)
        go_write(fds[i], "x", 1);
    go_wg_wait(&world.exited);
    while (read_line(pipefd[0], line, sizeof line) == 0) {
    }
    /* The pipe's EOF: the child has exited or is about to. */
    int status = 0;
    go_syscall_enter();
    waitpid(pid, &status, 0);
    go_syscall_exit();
    go_close(pipefd[0]);
    go_close(lfd);
    free(fds);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "conn_mem: the client failed (status %d)\n", status);
        return 1;
    }
    return before < 0 || after < 0;
}

int main(int argc, char **argv)
{
    return go_run(conn_main, argc, argv);
}
