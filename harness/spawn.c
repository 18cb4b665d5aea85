/*
 * spawn.c: run a child process with captured output and a deadline.
 *
 * posix_spawn keeps this safe to call from the check workers' threads. The
 * child leads its own process group so a timeout kills everything it started.
 * Output is captured in memfds rather than pipes: nothing has to drain them
 * while the child runs, and the child can never block on a full pipe.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

void strfmt(char *dst, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, len, fmt, ap);
    va_end(ap);
}

void errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gorace: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void usage_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gorace: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(EXIT_USAGE);
}

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

double parse_duration(const char *what, const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno == 0 && end != s && v > 0) {
        if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
            return v;
        if (strcmp(end, "ms") == 0)
            return v / 1000;
        if (strcmp(end, "m") == 0)
            return v * 60;
    }
    usage_fail("%s: bad duration \"%s\" (want e.g. 60s, 500ms, 2m)", what, s);
}

/* A run past its deadline gets SIGQUIT first, as `go test -timeout`
 * panics: the runtime prints every goroutine's stack to the run's stderr,
 * so the report says where the program hung. Whatever has not exited after
 * the grace period is killed, with everything it started. */
static int stop_timed_out(pid_t pid)
{
    enum { GRACE_MS = 3000 };
    int status;
    kill(pid, SIGQUIT);
    for (int ms = 0; ms < GRACE_MS; ms += 10) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            kill(-pid, SIGKILL); /* its children, if any */
            return status;
        }
        if (r < 0 && errno != EINTR)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

int spawn_wait(char *const argv[], char *const envp[], bool null_stdin,
               int out_fd, int err_fd, double timeout, bool *timed_out)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    if (null_stdin)
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (out_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    if (err_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);

    pid_t pid;
    int rc =
        posix_spawnp(&pid, argv[0], &fa, &attr, argv, envp ? envp : environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (timed_out)
        *timed_out = false;
    if (rc != 0) {
        errno = rc;
        return -1;
    }

    /* Poll with a growing interval: short runs are noticed within a
     * millisecond, long ones cost little. */
    double deadline = timeout > 0 ? now_seconds() + timeout : 0;
    long nap_us = 200;
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, timeout > 0 ? WNOHANG : 0);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            return -1;
        if (timeout > 0 && now_seconds() >= deadline) {
            if (timed_out)
                *timed_out = true;
            return stop_timed_out(pid);
        }
        if (r == 0) {
            struct timespec ts = {0, nap_us * 1000};
            nanosleep(&ts, NULL);
            if (nap_us < 20000)
                nap_us *= 2;
        }
    }
}

int capture_fd(void)
{
    int fd = memfd_create("gorace-capture", MFD_CLOEXEC);
    if (fd < 0) {
        char tmpl[] = "/tmp/gorace-capture-XXXXXX";
        fd = mkostemp(tmpl, O_CLOEXEC);
        if (fd >= 0)
            unlink(tmpl);
    }
    if (fd < 0) {
        errorf("cannot create a capture file: %s", strerror(errno));
        exit(1);
    }
    return fd;
}

char *capture_read(int fd, size_t max, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (n == cap) {
            if (cap >= max)
                break;
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
        ssize_t r = pread(fd, buf + n, cap - n, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += r;
    }
    if (buf == NULL) {
        perror("gorace");
        exit(1);
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}
