// GoKer moby#18412 (non-blocking, traditional: order violation).
// Origin: moby/moby PR 18412; GoKer file
// goker/nonblocking/moby/18412/moby18412_test.go.
//
// RunCommandWithOutputForDuration() sets the command's Stdout and Stderr
// to one bytes.Buffer, starts `sh -c ls`, starts a goroutine that waits
// for it and sends the result on an unbuffered `done`, and selects between
// `done` and a 1ms time.After. When the timer wins, it kills the command
// and returns `outputBuffer.String()`, while os/exec's copying goroutine
// (Start makes a pipe for a Stdout that is not an *os.File, and a
// goroutine that io.Copy's the pipe into the buffer; Wait waits for the
// process, then for that goroutine) may still be writing the buffer: the
// buffer's read and the copy's writes are unordered (GoKer's backtrace:
// bytes.(*Buffer).String against Buffer.grow in io.Copy). The waiting
// goroutine's `exitCode = 1` races with the returned exitCode as well, and
// it then blocks for ever on `done`, which nobody receives any more (a
// leak, reported after the race). When the command ends first, Wait has
// collected the copy before `done` is sent: no race.
//
// os/exec is modelled by the part the kernel uses (struct exec_cmd below):
// Start is a pipe, posix_spawn with the pipe as the child's stdout and
// stderr (one pipe: Go shares the fd when Stderr == Stdout), and the copy
// goroutine (go_read into the buffer until EOF, then its error on the
// command's errch); Wait is waitpid, bracketed by go_syscall_enter/exit,
// then a receive of that error; Kill is kill(SIGKILL), with Go's "process
// already finished" once Wait has reaped it. bytes.Buffer is a header (data,
// length, capacity) grown by the copy, read by String.
//
// The outcome depends on real time: sh and ls against a 1ms timer.
// Free-running, the timer won in all but one of 160 runs on an idle
// machine (at GOMAXPROCS 2 the command once ended within 1ms: exit 0), so
// the check runs it under seeds only (see README.md). Under
// a seed, time.After's 1ms is virtual, and two GORACE options stand for
// the real time the command takes: syscall_ns=2000000 makes Wait's
// waitpid take 2ms of virtual time, so the timer fires first, and
// io_wait_ms=1000 lets the pipe's data and EOF arrive (up to 1s of real
// time) before virtual time jumps past them, so the copy goroutine writes
// the buffer and `exitCode` is set before main's 100ms sleep ends. With
// both, every seed shows the race; without io_wait_ms, the 100ms sleep
// ended after 1ms of real time, before `ls` had written, on some seeds.
// The upstream patch is not carried by GoKer; no fixed twin.
//
// expect: race
// gomaxprocs: none free-running, real time decides (see above)
// gorace: syscall_ns=2000000 io_wait_ms=1000
#include <gorace.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* ---- bytes.Buffer ------------------------------------------------------ */

struct buffer {
    char *buf;
    size_t len, cap;
};

static void buffer_write(struct buffer *b, const char *p, size_t n)
{
    if (b->len + n > b->cap) { /* grow */
        size_t c = b->cap ? 2 * b->cap : 64;
        while (c < b->len + n)
            c *= 2;
        char *nb = malloc(c);
        if (b->len)
            memcpy(nb, b->buf, b->len);
        free(b->buf);
        b->buf = nb;
        b->cap = c;
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

static char *buffer_string(struct buffer *b)
{
    char *s = malloc(b->len + 1);
    if (b->len)
        memcpy(s, b->buf, b->len);
    s[b->len] = '\0';
    return s;
}

/* ---- the part of os/exec the kernel uses ------------------------------- */

struct exec_cmd {
    char *const *argv;
    struct buffer *out; /* Stdout and Stderr: the same writer */
    pid_t pid;
    atomic_bool done; /* os.Process: set once Wait has reaped it */
    int pr;           /* the parent's read end of the pipe */
    go_chan *errch;   /* the copy goroutine's error */
};

/* writerDescriptor's goroutine: io.Copy(c.Stdout, pr). */
static void copy_out(void *arg)
{
    struct exec_cmd *c = arg;
    char chunk[512];
    int err = 0;
    for (;;) {
        ssize_t n = go_read(c->pr, chunk, sizeof chunk);
        if (n > 0) {
            buffer_write(c->out, chunk, (size_t)n);
            continue;
        }
        if (n < 0)
            err = errno;
        break;
    }
    go_close(c->pr);
    go_chan_send(c->errch, &err);
}

static int cmd_start(struct exec_cmd *c)
{
    int p[2];
    if (pipe(p) != 0)
        return errno;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    posix_spawn_file_actions_addclose(&fa, p[0]);
    posix_spawn_file_actions_addclose(&fa, p[1]);
    int err = posix_spawnp(&c->pid, c->argv[0], &fa, NULL, c->argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]); /* closeAfterStart */
    if (err != 0) {
        close(p[0]);
        return err;
    }
    c->pr = p[0];
    c->errch = go_chan_make(sizeof(int), 1);
    GO(copy_out, c);
    return 0;
}

static int cmd_wait(struct exec_cmd *c)
{
    int status;
    go_syscall_enter();
    pid_t r;
    while ((r = waitpid(c->pid, &status, 0)) < 0 && errno == EINTR)
        ;
    go_syscall_exit();
    atomic_store(&c->done, true);
    int copy_err;
    go_chan_recv(c->errch, &copy_err);
    if (r < 0)
        return errno;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int process_kill(struct exec_cmd *c)
{
    if (atomic_load(&c->done))
        return -1; /* os: process already finished */
    return kill(c->pid, SIGKILL) == 0 ? 0 : errno;
}

/* ---- the kernel --------------------------------------------------------- */

struct run_result {
    char *output;
    int exit_code;
    bool timed_out;
    int err;
};

struct wait_state {
    struct exec_cmd *cmd;
    int *exit_code;
    go_chan *done;
};

static void wait_cmd(void *arg)
{
    struct wait_state *w = arg;
    int exit_err = cmd_wait(w->cmd); /* And wait for it to exit here */
    *w->exit_code = 1;
    go_chan_send(w->done, &exit_err);
}

static struct run_result
run_command_with_output_for_duration(struct exec_cmd *cmd, int64_t duration)
{
    struct run_result r = {0};
    static int exit_code; /* the named result, captured by the closure */
    struct buffer *output_buffer = calloc(1, sizeof *output_buffer);
    cmd->out = output_buffer; /* cmd.Stdout = cmd.Stderr = &outputBuffer */
    go_chan *done = go_chan_make(sizeof(int), 0);

    r.err = cmd_start(cmd);
    if (r.err != 0)
        fprintf(stderr, "Fail to start command: %s\n", strerror(r.err));

    struct wait_state *w = calloc(1, sizeof *w);
    w->cmd = cmd;
    w->exit_code = &exit_code;
    w->done = done;
    GO(wait_cmd, w);

    go_case cases[2] = {GO_RECV_CASE(go_after(duration), NULL),
                        GO_RECV_CASE(done, &r.err)};
    switch (go_select(cases, 2, false)) {
    case 0: {
        int kill_err = process_kill(cmd);
        if (kill_err != 0)
            printf("failed to kill (pid=%d): os: process already finished\n",
                   (int)cmd->pid);
        r.timed_out = true;
        break;
    }
    case 1:
        break;
    }
    r.output = buffer_string(output_buffer);
    r.exit_code = exit_code;
    return r;
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static char *const sh[] = {"sh", "-c", "ls", NULL};
    static struct exec_cmd cmd = {.argv = sh};
    struct run_result r =
        run_command_with_output_for_duration(&cmd, 1 * GO_MILLISECOND);
    if (r.exit_code != 0 || !r.timed_out || r.err != 0) {
        char s[64];
        /* _ = fmt.Sprintf("%v", out) */
        snprintf(s, sizeof s, "%.60s", r.output);
    }
    go_sleep(100 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
