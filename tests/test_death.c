/*
 * Death tests: every runtime error of API.md's messages table that the
 * release build produces, plus go_exit and go_panic. Each scenario runs in
 * a forked child (the Check test process itself never starts the runtime);
 * the parent captures the child's stderr and stdout and asserts Go's first
 * line byte for byte, the exit status, and that a goroutine dump follows:
 * a blank line, then a line starting "goroutine ".
 *
 * Also API.md's "Misuse of freed objects": a use right after a _free.
 *
 * Not here: the detector's rows (data race, goroutine leak, lock-order
 * inversion, and the lock cycle report) need the instrumented build and the
 * detector; they are tested with it. "Add called concurrently with Wait"
 * needs an Add to land in a window of a few instructions inside another
 * Add, which no program can arrange deterministically.
 */
#include "gotest.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- running a child --------------------------------------------------- */

typedef struct {
    int status;
    bool timed_out;
    char err[1 << 16];
    size_t errlen;
    char out[1 << 12];
    size_t outlen;
} child_result;

static child_result res;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads what is available on fd into buf; false at EOF. */
static bool drain_fd(int fd, char *buf, size_t cap, size_t *len)
{
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n < 0 && errno == EINTR)
        return true;
    if (n <= 0)
        return false;
    size_t room = cap - 1 - *len;
    size_t take = (size_t)n < room ? (size_t)n : room;
    memcpy(buf + *len, tmp, take);
    *len += take;
    buf[*len] = 0;
    return true;
}

/* Under make asan, ASan does not know goroutine stacks: a noreturn call on
 * one (go_panic) can make it print a three-line note about its own stack
 * bookkeeping ("ASan is ignoring requested __asan_handle_no_return", then
 * two lines), sometimes before the program's first line. That is ASan's
 * output, not the program's: cut it out before the checks. */
static void drop_asan_stack_warning(char *s, size_t *len)
{
    char *w = strstr(s, "ASan is ignoring requested __asan_handle_no_return");
    if (!w)
        return;
    char *start = w;
    while (start > s && start[-1] != '\n')
        start--;
    char *end = start;
    for (int i = 0; i < 3 && end; i++)
        if ((end = strchr(end, '\n')))
            end++;
    if (!end)
        end = s + *len;
    memmove(start, end, (size_t)(s + *len - end) + 1);
    *len -= (size_t)(end - start);
}

static void run_child(int (*main_fn)(int, char **))
{
    int ep[2], op[2];
    ck_assert_int_eq(pipe(ep), 0);
    ck_assert_int_eq(pipe(op), 0);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(op[1], STDOUT_FILENO);
        dup2(ep[1], STDERR_FILENO);
        close(ep[0]);
        close(ep[1]);
        close(op[0]);
        close(op[1]);
        char a0[] = "death";
        char *argv[] = {a0, NULL};
        int rc = go_run(main_fn, 1, argv);
        fprintf(stderr, "go_run returned %d\n", rc);
        fflush(NULL);
        _exit(100);
    }
    close(ep[1]);
    close(op[1]);
    memset(&res, 0, sizeof res);
    struct pollfd fds[2] = {{.fd = ep[0], .events = POLLIN},
                            {.fd = op[0], .events = POLLIN}};
    double deadline = now_s() + 30;
    int open_fds = 2;
    while (open_fds > 0) {
        if (now_s() > deadline) {
            res.timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        if (poll(fds, 2, 200) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            bool more =
                i == 0
                    ? drain_fd(fds[i].fd, res.err, sizeof res.err, &res.errlen)
                    : drain_fd(fds[i].fd, res.out, sizeof res.out, &res.outlen);
            if (!more) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    ck_assert_int_eq(waitpid(pid, &res.status, 0), pid);
    drop_asan_stack_warning(res.err, &res.errlen);
}

/* Line k (0-based) of the captured stderr, without its newline. */
static const char *err_line(int k, char *buf, size_t cap)
{
    const char *p = res.err;
    for (int i = 0; i < k; i++) {
        p = strchr(p, '\n');
        if (!p)
            return NULL;
        p++;
    }
    size_t n = strcspn(p, "\n");
    if (p[n] != '\n') /* the dump ends every line with a newline */
        return NULL;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, p, n);
    buf[n] = 0;
    return buf;
}

static int exit_code(void)
{
    return WIFEXITED(res.status) ? WEXITSTATUS(res.status)
                                 : 1000 + WTERMSIG(res.status);
}

/* Appended to failure messages; pass res.err as the last argument. */
#define SHOW "\n--- child stderr ---\n%.1500s"

enum dump_check {
    DUMP_NEXT,     /* line 2 blank, line 3 "goroutine ..." */
    DUMP_ANYWHERE, /* a blank line then "goroutine ..." somewhere below */
};

/* Runs fn in a child; asserts exit 2, Go's first line, and a dump. If
 * goroutine_line is given, the dump's first line must be exactly that. */
static void expect_fatal(int (*fn)(int, char **), const char *first,
                         const char *goroutine_line, enum dump_check dump)
{
    char l1[512], l2[512], l3[512];
    run_child(fn);
    ck_assert_msg(!res.timed_out, "child hung" SHOW, res.err);
    ck_assert_msg(exit_code() == 2, "exit code %d, want 2" SHOW, exit_code(),
                  res.err);
    const char *got = err_line(0, l1, sizeof l1);
    ck_assert_msg(got && strcmp(got, first) == 0,
                  "first line wrong, want \"%s\"" SHOW, first, res.err);
    if (dump == DUMP_NEXT) {
        const char *blank = err_line(1, l2, sizeof l2);
        const char *g = err_line(2, l3, sizeof l3);
        ck_assert_msg(blank && blank[0] == 0, "no blank line" SHOW, res.err);
        ck_assert_msg(g && strncmp(g, "goroutine ", 10) == 0,
                      "no goroutine dump" SHOW, res.err);
        if (goroutine_line)
            ck_assert_msg(strcmp(g, goroutine_line) == 0,
                          "dump header wrong, want \"%s\"" SHOW, goroutine_line,
                          res.err);
    } else {
        ck_assert_msg(strstr(res.err, "\n\ngoroutine ") != NULL,
                      "no goroutine dump" SHOW, res.err);
    }
}

/* The dump's first goroutine is the panicking one, not main. */
static void expect_running_goroutine_not_main(void)
{
    char l3[512];
    long long id = 0;
    const char *g = err_line(2, l3, sizeof l3);
    ck_assert_msg(g && sscanf(g, "goroutine %lld [running]:", &id) == 1 &&
                      id > 1,
                  "want the panicking goroutine first" SHOW, res.err);
}

/* Keeps main busy until the child dies; a sleeping main is no deadlock. */
__attribute__((noreturn)) static void block_main(void)
{
    for (;;)
        go_sleep(GO_MILLISECOND);
}

/* ---- WaitGroup --------------------------------------------------------- */

static int wg_add_negative(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg wg = {0};
    go_wg_add(&wg, 2);
    go_wg_add(&wg, -3);
    return 0;
}

static int wg_done_at_zero(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg wg = {0};
    go_wg_done(&wg);
    return 0;
}

START_TEST(test_wg_negative_counter)
{
    expect_fatal(wg_add_negative, "panic: sync: negative WaitGroup counter",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(wg_done_at_zero, "panic: sync: negative WaitGroup counter",
                 "goroutine 1 [running]:", DUMP_NEXT);
}
END_TEST

static go_wg reuse_wg;

static void wait_on_reuse_wg(void *arg)
{
    (void)arg;
    go_wg_wait(&reuse_wg);
}

/* With one P: the waiter parks; Done releases it but it cannot run before
 * main's Add(1) reuses the WaitGroup; when it runs, Wait sees the new count
 * (Go's "reused before previous Wait has returned"). */
static int wg_reuse(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_maxprocs(1);
    go_wg_add(&reuse_wg, 1);
    GO(wait_on_reuse_wg, NULL);
    go_yield();
    go_wg_done(&reuse_wg);
    go_wg_add(&reuse_wg, 1);
    go_yield();
    block_main();
    return 0;
}

START_TEST(test_wg_reuse)
{
    expect_fatal(wg_reuse,
                 "panic: sync: WaitGroup is reused before previous Wait has "
                 "returned",
                 NULL, DUMP_NEXT);
    expect_running_goroutine_not_main();
}
END_TEST

/* ---- channels ---------------------------------------------------------- */

static int close_closed(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *c = go_chan_make(sizeof(int), 1);
    go_chan_close(c);
    go_chan_close(c);
    return 0;
}

static int send_closed(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *c = go_chan_make(sizeof(int), 1);
    int v = 1;
    go_chan_close(c);
    go_chan_send(c, &v);
    return 0;
}

static int select_send_closed(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *c = go_chan_make(sizeof(int), 1);
    int v = 1;
    go_chan_close(c);
    go_case cs[2] = {GO_RECV_CASE(NULL, NULL), GO_SEND_CASE(c, &v)};
    go_select(cs, 2, true);
    return 0;
}

static void send_forever(void *arg)
{
    int v = 7;
    go_chan_send(arg, &v);
}

/* A sender blocked on the channel panics when it is closed under it. */
static int close_under_blocked_sender(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *c = go_chan_make(sizeof(int), 0);
    GO(send_forever, c);
    go_sleep(20 * GO_MILLISECOND);
    go_chan_close(c);
    block_main();
    return 0;
}

static int close_nil(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan_close(NULL);
    return 0;
}

START_TEST(test_close_of_closed_channel)
{
    expect_fatal(close_closed, "panic: close of closed channel",
                 "goroutine 1 [running]:", DUMP_NEXT);
}
END_TEST

START_TEST(test_send_on_closed_channel)
{
    expect_fatal(send_closed, "panic: send on closed channel",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(select_send_closed, "panic: send on closed channel",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(close_under_blocked_sender, "panic: send on closed channel",
                 NULL, DUMP_NEXT);
    expect_running_goroutine_not_main();
}
END_TEST

START_TEST(test_close_of_nil_channel)
{
    expect_fatal(close_nil, "panic: close of nil channel",
                 "goroutine 1 [running]:", DUMP_NEXT);
}
END_TEST

/* Malformed select cases, each as the second of two (the checks a select
 * of several cases makes as it shuffles them) and alone. */
static go_chan *select_chan(void)
{
    return go_chan_make(sizeof(int), 1);
}

static int select_bad_dir(int argc, char **argv)
{
    (void)argc, (void)argv;
    int v;
    go_case cases[] = {GO_RECV_CASE(select_chan(), &v),
                       {.chan = select_chan(), .dir = 7, .elem = &v}};
    go_select(cases, 2, true);
    return 0;
}

static int select_bad_dir_nil(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_case cases[] = {{.dir = 0}};
    go_select(cases, 1, true);
    return 0;
}

static int select_after_with_chan(int argc, char **argv)
{
    (void)argc, (void)argv;
    int v;
    go_case cases[] = {GO_RECV_CASE(select_chan(), &v),
                       {.chan = select_chan(), .dir = GO_AFTER, .after = 1}};
    go_select(cases, 2, true);
    return 0;
}

static int select_send_null(int argc, char **argv)
{
    (void)argc, (void)argv;
    int v;
    go_case cases[] = {GO_RECV_CASE(select_chan(), &v),
                       GO_SEND_CASE(select_chan(), NULL)};
    go_select(cases, 2, true);
    return 0;
}

static int select_send_null_alone(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_case cases[] = {GO_SEND_CASE(select_chan(), NULL)};
    go_select(cases, 1, true);
    return 0;
}

static int select_negative_count(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_case cases[1] = {{0}};
    go_select(cases, -1, true);
    return 0;
}

START_TEST(test_select_malformed_case)
{
    expect_fatal(select_bad_dir,
                 "panic: go_select: case 1: dir is 7, neither GO_SEND, "
                 "GO_RECV nor GO_AFTER",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(select_bad_dir_nil,
                 "panic: go_select: case 0: dir is 0, neither GO_SEND, "
                 "GO_RECV nor GO_AFTER",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(select_after_with_chan,
                 "panic: go_select: case 1: a GO_AFTER case has a channel",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(select_send_null,
                 "panic: go_select: case 1: send of a NULL element pointer "
                 "(element size 4)",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(select_send_null_alone,
                 "panic: go_select: case 0: send of a NULL element pointer "
                 "(element size 4)",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(select_negative_count,
                 "panic: go_select: negative case count -1",
                 "goroutine 1 [running]:", DUMP_NEXT);
}
END_TEST

/* ---- Mutex, RWMutex ---------------------------------------------------- */

static int mutex_unlock_unlocked(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_mutex m = {0};
    go_mutex_unlock(&m);
    return 0;
}

static int mutex_double_unlock(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_mutex m = {0};
    go_mutex_lock(&m);
    go_mutex_unlock(&m);
    go_mutex_unlock(&m);
    return 0;
}

START_TEST(test_unlock_of_unlocked_mutex)
{
    expect_fatal(mutex_unlock_unlocked,
                 "fatal error: sync: unlock of unlocked mutex",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(mutex_double_unlock,
                 "fatal error: sync: unlock of unlocked mutex",
                 "goroutine 1 [running]:", DUMP_NEXT);
}
END_TEST

static int rw_unlock_unlocked(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_rwmutex rw = {0};
    go_rwmutex_unlock(&rw);
    return 0;
}

static int rw_unlock_read_locked(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_rwmutex rw = {0};
    go_rwmutex_rlock(&rw);
    go_rwmutex_unlock(&rw);
    return 0;
}

static int rw_runlock_unlocked(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_rwmutex rw = {0};
    go_rwmutex_runlock(&rw);
    return 0;
}

static int rw_runlock_write_locked(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_rwmutex rw = {0};
    go_rwmutex_lock(&rw);
    go_rwmutex_runlock(&rw);
    return 0;
}

START_TEST(test_rwmutex_misuse)
{
    expect_fatal(rw_unlock_unlocked,
                 "fatal error: sync: Unlock of unlocked RWMutex",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(rw_unlock_read_locked,
                 "fatal error: sync: Unlock of unlocked RWMutex",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(rw_runlock_unlocked,
                 "fatal error: sync: RUnlock of unlocked RWMutex",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(rw_runlock_write_locked,
                 "fatal error: sync: RUnlock of unlocked RWMutex",
                 "goroutine 1 [running]:", DUMP_NEXT);
}
END_TEST

/* ---- stack overflow ---------------------------------------------------- */

static volatile int depth_limit = INT_MAX;

/* The use of pad after the call keeps it from being a tail call. */
__attribute__((noinline)) static int recurse(int depth)
{
    volatile char pad[256];
    pad[0] = (char)depth;
    if (depth >= depth_limit)
        return pad[0];
    return recurse(depth + 1) + pad[0];
}

static void overflow(void *arg)
{
    (void)arg;
    recurse(0);
}

static int stack_overflow(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(overflow, NULL);
    block_main();
    return 0;
}

START_TEST(test_stack_overflow)
{
    expect_fatal(stack_overflow, "fatal error: stack overflow", NULL,
                 DUMP_ANYWHERE);
}
END_TEST

/* A stack overflow inside malloc, past the point where it took its arena's
 * lock: naming the frames allocates from that arena, so the report stalls
 * after its header (rt/panic.c, "A report that stalls"). The process must
 * still end, with Go's first line and exit status 2. The sizes are past
 * glibc's per-thread cache, whose path takes no lock. */
static char *volatile escaped;

__attribute__((noinline)) static int recurse_malloc(int depth)
{
    if (depth >= depth_limit)
        return 0;
    char *p = malloc(2048 + (size_t)(depth & 63) * 16);
    p[0] = (char)depth;
    escaped = p; /* or the compiler drops the malloc and free */
    int r = recurse_malloc(depth + 1) + p[0];
    free(p);
    return r;
}

static void overflow_in_malloc(void *arg)
{
    (void)arg;
    recurse_malloc(0);
}

static int stack_overflow_in_malloc(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(overflow_in_malloc, NULL);
    block_main();
    return 0;
}

START_TEST(test_stack_overflow_in_malloc)
{
    expect_fatal(stack_overflow_in_malloc, "fatal error: stack overflow", NULL,
                 DUMP_ANYWHERE);
}
END_TEST

/* ---- deadlock ---------------------------------------------------------- */

static int deadlock_chan_recv(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *c = go_chan_make(sizeof(int), 0);
    int v;
    go_chan_recv(c, &v);
    return 0;
}

static int deadlock_empty_select(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_select(NULL, 0, false);
    return 0;
}

static int deadlock_nil_recv(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan_recv(NULL, NULL);
    return 0;
}

static go_mutex dl_mu;
static go_wg dl_wg;

static void lock_then_done(void *arg)
{
    (void)arg;
    go_mutex_lock(&dl_mu);
    go_wg_done(&dl_wg);
}

/* main holds the mutex and waits for a worker that waits for the mutex. */
static int deadlock_mutex_wg(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_mutex_lock(&dl_mu);
    go_wg_add(&dl_wg, 1);
    GO(lock_then_done, NULL);
    go_wg_wait(&dl_wg);
    return 0;
}

static void sleep_then_exit(void *arg)
{
    (void)arg;
    go_sleep(50 * GO_MILLISECOND);
}

/* A sleeping goroutine can still act: the deadlock is declared only once it
 * is gone, and it is declared. */
static int deadlock_after_sleeper(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(sleep_then_exit, NULL);
    go_chan *c = go_chan_make(0, 0);
    go_chan_send(c, NULL);
    return 0;
}

#define ASLEEP "fatal error: all goroutines are asleep - deadlock!"

START_TEST(test_deadlock)
{
    expect_fatal(deadlock_chan_recv, ASLEEP,
                 "goroutine 1 [chan receive]:", DUMP_NEXT);
    expect_fatal(deadlock_empty_select, ASLEEP,
                 "goroutine 1 [select (no cases)]:", DUMP_NEXT);
    expect_fatal(deadlock_nil_recv, ASLEEP,
                 "goroutine 1 [chan receive (nil chan)]:", DUMP_NEXT);
    expect_fatal(deadlock_mutex_wg, ASLEEP, NULL, DUMP_NEXT);
    double t0 = now_s();
    expect_fatal(deadlock_after_sleeper, ASLEEP,
                 "goroutine 1 [chan send]:", DUMP_NEXT);
    ck_assert_double_ge(now_s() - t0, 0.05);
}
END_TEST

/* ---- threads gorace did not start --------------------------------------- */

static go_chan *ft_chan;

static void *ft_block(void *arg)
{
    (void)arg;
    go_chan_send(ft_chan, NULL); /* nobody receives: would block */
    return NULL;
}

/* A blocking call on a thread gorace did not start: a fatal error at the
 * call (only a goroutine can park); main sleeps meanwhile. */
static int foreign_blocking_send(int argc, char **argv)
{
    (void)argc, (void)argv;
    ft_chan = go_chan_make(0, 0);
    pthread_t t;
    pthread_create(&t, NULL, ft_block, NULL);
    block_main();
}

static void *ft_lock(void *arg)
{
    go_mutex_lock(arg); /* held by main: would block */
    return NULL;
}

static int foreign_blocking_lock(int argc, char **argv)
{
    (void)argc, (void)argv;
    static go_mutex mu;
    go_mutex_lock(&mu);
    pthread_t t;
    pthread_create(&t, NULL, ft_lock, &mu);
    block_main();
}

static void *ft_exit_quietly(void *arg)
{
    (void)arg;
    usleep(50000);
    return NULL;
}

/* While a foreign thread lives it might send, so no deadlock is declared;
 * once it has ended without sending, the deadlock is real and declared. */
static int deadlock_after_foreign_thread(int argc, char **argv)
{
    (void)argc, (void)argv;
    pthread_t t;
    pthread_create(&t, NULL, ft_exit_quietly, NULL);
    go_chan_recv(go_chan_make(0, 0), NULL);
    return 0;
}

START_TEST(test_foreign_threads)
{
    expect_fatal(foreign_blocking_send,
                 "fatal error: channel send would block outside a goroutine",
                 NULL, DUMP_NEXT);
    expect_fatal(foreign_blocking_lock,
                 "fatal error: sync.Mutex.Lock would block outside a goroutine",
                 NULL, DUMP_NEXT);
    double t0 = now_s();
    expect_fatal(deadlock_after_foreign_thread, ASLEEP,
                 "goroutine 1 [chan receive]:", DUMP_NEXT);
    ck_assert_double_ge(now_s() - t0, 0.05);
}
END_TEST

/* ---- go_panic ---------------------------------------------------------- */

static int panic_fmt(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_panic("boom %d %s", 42, "bang");
}

static void panic_worker(void *arg)
{
    go_sleep(10 * GO_MILLISECOND);
    go_panic("worker %s failed", (const char *)arg);
}

static void spin(void *arg)
{
    (void)arg;
    for (;;)
        go_yield();
}

static int panic_in_goroutine(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(spin, NULL);
    GO(panic_worker, "w1");
    block_main();
    return 0;
}

START_TEST(test_go_panic)
{
    expect_fatal(panic_fmt, "panic: boom 42 bang",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(panic_in_goroutine, "panic: worker w1 failed", NULL,
                 DUMP_NEXT);
    expect_running_goroutine_not_main();
}
END_TEST

/* ---- go_exit ----------------------------------------------------------- */

static void atexit_handler(void)
{
    static const char msg[] = "atexit ran";
    if (write(STDOUT_FILENO, msg, sizeof msg - 1) < 0)
        _exit(99);
}

static int exit_skips_atexit(int argc, char **argv)
{
    (void)argc, (void)argv;
    atexit(atexit_handler);
    printf("flushed"); /* a pipe: fully buffered until go_exit flushes */
    go_exit(3);
}

static void exit_later(void *arg)
{
    go_sleep(10 * GO_MILLISECOND);
    go_exit((int)(intptr_t)arg);
}

static int exit_from_goroutine(int argc, char **argv)
{
    (void)argc, (void)argv;
    GO(spin, NULL);
    GO(exit_later, (intptr_t)5);
    go_chan_recv(go_chan_make(0, 0), NULL); /* blocked, not a deadlock */
    return 0;
}

static int exit_zero(int argc, char **argv)
{
    (void)argc, (void)argv;
    fputs("out", stdout);
    go_exit(0);
}

START_TEST(test_go_exit)
{
    run_child(exit_skips_atexit);
    ck_assert_msg(!res.timed_out, "child hung" SHOW, res.err);
    ck_assert_msg(exit_code() == 3, "exit %d, want 3" SHOW, exit_code(),
                  res.err);
    ck_assert_str_eq(res.out, "flushed");
    ck_assert_msg(res.errlen == 0, "unexpected stderr" SHOW, res.err);

    run_child(exit_from_goroutine);
    ck_assert_msg(!res.timed_out, "child hung" SHOW, res.err);
    ck_assert_msg(exit_code() == 5, "exit %d, want 5" SHOW, exit_code(),
                  res.err);
    ck_assert_msg(res.errlen == 0, "unexpected stderr" SHOW, res.err);

    run_child(exit_zero);
    ck_assert_msg(exit_code() == 0, "exit %d, want 0" SHOW, exit_code(),
                  res.err);
    ck_assert_str_eq(res.out, "out");
}
END_TEST

/* ---- the checking build (GORACE_DEBUG_CHECKS, rt/lockrank.h) ----------- */

#ifdef RT_DEBUG_CHECKS
#include "../rt/lock.h"

/* The scheduler's lock, then a context's: the reverse of the order. */
static int lock_rank_inverted(int argc, char **argv)
{
    (void)argc, (void)argv;
    static rt_lock inner, outer;
    rt_lock_acquire(&inner, RT_RANK_SCHED);
    rt_lock_acquire(&outer, RT_RANK_CTX);
    return 0;
}

START_TEST(test_lock_rank)
{
    char l1[512];
    run_child(lock_rank_inverted);
    ck_assert_msg(exit_code() == 1000 + SIGABRT, "exit %d, want SIGABRT" SHOW,
                  exit_code(), res.err);
    err_line(0, l1, sizeof l1);
    ck_assert_msg(strstr(l1, "fatal error: gorace internal: lock order "
                             "violation: lock ") == l1 &&
                      strstr(l1, "(rank CTX)"),
                  "first line: %s" SHOW, l1, res.err);
    ck_assert_msg(strstr(res.err, "(rank SCHED)"), "held lock" SHOW, res.err);
}
END_TEST
#endif

/* ---- Misuse of freed objects (API.md) ---------------------------------- */

static int chan_free_twice(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *c = go_chan_make(sizeof(int), 1);
    go_chan_free(c);
    go_chan_free(c);
    return 0;
}

static int chan_send_after_free(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *c = go_chan_make(sizeof(int), 1);
    go_chan_free(c);
    go_chan_send(c, &(int){1});
    return 0;
}

static int select_after_free(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *c = go_chan_make(0, 0);
    go_chan_free(c);
    go_case cases[] = {GO_RECV_CASE(c, NULL)};
    go_select(cases, 1, true);
    return 0;
}

static void recv_forever(void *arg)
{
    go_chan_recv(arg, NULL);
}

/* The receiver would be stranded on freed memory. */
static int chan_free_with_receiver(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *c = go_chan_make(sizeof(int), 0);
    GO(recv_forever, c);
    go_sleep(20 * GO_MILLISECOND);
    go_chan_free(c);
    block_main();
    return 0;
}

static int ctx_cancel_after_free(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_ctx *ctx = go_with_cancel(go_background());
    go_ctx_free(ctx);
    go_cancel(ctx);
    return 0;
}

static int ctx_done_after_free(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_ctx *ctx = go_with_timeout(go_background(), GO_SECOND);
    go_cancel(ctx);
    go_ctx_free(ctx);
    go_ctx_done(ctx);
    return 0;
}

static int ctx_err_after_free(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_ctx *ctx = go_with_cancel(go_background());
    go_ctx_free(ctx);
    printf("%d\n", go_ctx_err(ctx));
    return 0;
}

static int timer_stop_after_free(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_timer *t = go_timer_new(GO_SECOND);
    go_timer_free(t);
    go_timer_stop(t);
    return 0;
}

static int ticker_free_twice(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_ticker *t = go_ticker_new(GO_SECOND);
    go_ticker_free(t);
    go_ticker_free(t);
    return 0;
}

START_TEST(test_use_after_free)
{
    expect_fatal(chan_free_twice,
                 "fatal error: go_chan_free on a freed channel",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(chan_send_after_free,
                 "fatal error: go_chan_send on a freed channel",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(select_after_free, "fatal error: go_select on a freed channel",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(chan_free_with_receiver,
                 "fatal error: go_chan_free of a channel goroutines are "
                 "blocked on",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(ctx_cancel_after_free,
                 "fatal error: go_cancel on a freed context",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(ctx_done_after_free,
                 "fatal error: go_ctx_done on a freed context",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(ctx_err_after_free,
                 "fatal error: go_ctx_err on a freed context",
                 "goroutine 1 [running]:", DUMP_NEXT);
    ck_assert_str_eq(res.out, ""); /* no garbage value printed */
    expect_fatal(timer_stop_after_free,
                 "fatal error: go_timer_stop on a freed timer",
                 "goroutine 1 [running]:", DUMP_NEXT);
    expect_fatal(ticker_free_twice,
                 "fatal error: go_ticker_free on a freed ticker",
                 "goroutine 1 [running]:", DUMP_NEXT);
}
END_TEST

static Suite *suite_death(void)
{
    Suite *s = suite_create("death");
    TCase *tc = gt_tcase("fatal", 60);
    tcase_add_test(tc, test_wg_negative_counter);
    tcase_add_test(tc, test_wg_reuse);
    tcase_add_test(tc, test_close_of_closed_channel);
    tcase_add_test(tc, test_send_on_closed_channel);
    tcase_add_test(tc, test_close_of_nil_channel);
    tcase_add_test(tc, test_select_malformed_case);
    tcase_add_test(tc, test_unlock_of_unlocked_mutex);
    tcase_add_test(tc, test_rwmutex_misuse);
    tcase_add_test(tc, test_stack_overflow);
    tcase_add_test(tc, test_stack_overflow_in_malloc);
    tcase_add_test(tc, test_deadlock);
    tcase_add_test(tc, test_foreign_threads);
    tcase_add_test(tc, test_go_panic);
    tcase_add_test(tc, test_go_exit);
    tcase_add_test(tc, test_use_after_free);
#ifdef RT_DEBUG_CHECKS
    tcase_add_test(tc, test_lock_rank);
#endif
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    Suite *suites[] = {suite_death()};
    return gt_run_suites(suites, 1);
}
