/*
 * Goroutines and the program: go_run, go_spawn/GO, go_id, go_yield,
 * go_maxprocs, go_num_goroutine, go_syscall_enter/exit, and where their
 * stacks lie (rt/hooks.h, rt_hook_stack_arena).
 * (go_exit and go_panic end the process: see test_death.c.)
 */
#include "gotest.h"

#include "../rt/hooks.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- go_run ------------------------------------------------------------ */

static int main_checks_args(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[0], "prog") == 0 &&
        strcmp(argv[1], "x") == 0 && go_id() == 1)
        return 7;
    return 1;
}

START_TEST(test_run_returns_main_status)
{
    char a0[] = "prog", a1[] = "x";
    char *argv[] = {a0, a1, NULL};
    ck_assert_int_eq(go_run(main_checks_args, 2, argv), 7);
}
END_TEST

static atomic_long spins;

static void spin_yielding(void *arg)
{
    (void)arg;
    for (;;) {
        atomic_fetch_add(&spins, 1);
        go_yield();
    }
}

static void block_forever(void *arg)
{
    go_chan_recv(NULL, arg);
}

static int main_abandons(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    GO(spin_yielding, NULL);
    GO(block_forever, NULL);
    while (atomic_load(&spins) < 100)
        go_yield();
    return 0;
}

/* When main returns, go_run returns and the others never run again. A
 * goroutine running on another thread at that moment is stopped at its next
 * scheduling point (C code cannot be stopped elsewhere), so the spinner may
 * finish the one increment it is in, however late its thread gets the CPU,
 * and no more. */
START_TEST(test_run_abandons_goroutines)
{
    char a0[] = "prog";
    char *argv[] = {a0, NULL};
    ck_assert_int_eq(go_run(main_abandons, 1, argv), 0);
    long at_return = atomic_load(&spins);
    usleep(100000);
    ck_assert_int_le(atomic_load(&spins) - at_return, 1);
}
END_TEST

/* ---- go_id, GO, go_spawn ----------------------------------------------- */

GO_TEST(test_id_main_is_1)
{
    ck_assert_int_eq(go_id(), 1);
}

enum { NIDS = 200 };
static int64_t ids[NIDS];
static go_wg ids_wg;

static void record_id(void *arg)
{
    ids[(intptr_t)arg] = go_id();
    go_wg_done(&ids_wg);
}

GO_TEST(test_id_unique)
{
    go_wg_add(&ids_wg, NIDS);
    for (intptr_t i = 0; i < NIDS; i++) {
        if (i % 2)
            GO(record_id, i);
        else
            go_spawn(record_id, (void *)i);
    }
    go_wg_wait(&ids_wg);
    for (int i = 0; i < NIDS; i++) {
        ck_assert_int_gt(ids[i], 1);
        for (int j = 0; j < i; j++)
            ck_assert_int_ne(ids[i], ids[j]);
    }
    ck_assert_int_eq(go_id(), 1);
}

/* ---- go_num_goroutine -------------------------------------------------- */

static go_chan *gate;
static go_wg gate_wg;

static void wait_on_gate(void *arg)
{
    (void)arg;
    ck_assert(!go_chan_recv(gate, NULL));
    go_wg_done(&gate_wg);
}

GO_TEST(test_num_goroutine)
{
    ck_assert_int_eq(go_num_goroutine(), 1);
    gate = go_chan_make(0, 0);
    go_wg_add(&gate_wg, 10);
    for (int i = 0; i < 10; i++)
        GO(wait_on_gate, NULL);
    /* Counted from creation, before they first run, as Go's. */
    ck_assert_int_eq(go_num_goroutine(), 11);
    go_sleep(10 * GO_MILLISECOND);
    ck_assert_int_eq(go_num_goroutine(), 11);
    go_chan_close(gate);
    go_wg_wait(&gate_wg);
    ck_assert_int_eq(gt_wait_goroutines(1, 5 * GO_SECOND), 1);
    go_chan_free(gate);
}

/* ---- go_yield ---------------------------------------------------------- */

static atomic_int flag;

static void set_flag(void *arg)
{
    (void)arg;
    atomic_store(&flag, 1);
}

/* With one P, Gosched must run the other runnable goroutine first. */
GO_TEST(test_yield_runs_others_on_one_p)
{
    go_maxprocs(1);
    GO(set_flag, NULL);
    ck_assert_int_eq(atomic_load(&flag), 0);
    go_yield();
    ck_assert_int_eq(atomic_load(&flag), 1);
}

static atomic_long turns[2];

static void yield_loop(void *arg)
{
    intptr_t me = (intptr_t)arg;
    for (int i = 0; i < 1000; i++) {
        atomic_fetch_add(&turns[me], 1);
        go_yield();
    }
    go_wg_done(&gate_wg);
}

/* Two yielding goroutines both make progress and finish, at any GOMAXPROCS. */
GO_TEST(test_yield_progress)
{
    go_wg_add(&gate_wg, 2);
    GO(yield_loop, (intptr_t)0);
    GO(yield_loop, (intptr_t)1);
    go_wg_wait(&gate_wg);
    ck_assert_int_eq(atomic_load(&turns[0]), 1000);
    ck_assert_int_eq(atomic_load(&turns[1]), 1000);
}

/* ---- go_maxprocs ------------------------------------------------------- */

static atomic_int work_done;

static void pass_token(void *arg)
{
    go_chan **ring = arg;
    int v;
    while (go_chan_recv(ring[0], &v)) {
        v++;
        go_chan_send(ring[1], &v);
    }
    atomic_fetch_add(&work_done, 1);
}

/* A ring of goroutines passes a token around: the scheduler keeps working. */
static void run_ring(void)
{
    enum { N = 4, LAPS = 100 };
    go_chan *ch[N];
    go_chan *pairs[N][2];
    for (int i = 0; i < N; i++)
        ch[i] = go_chan_make(sizeof(int), 0);
    for (int i = 0; i < N - 1; i++) {
        pairs[i][0] = ch[i];
        pairs[i][1] = ch[i + 1];
        GO(pass_token, pairs[i]);
    }
    int v = 0;
    for (int lap = 0; lap < LAPS; lap++) {
        go_chan_send(ch[0], &v);
        ck_assert(go_chan_recv(ch[N - 1], &v));
    }
    ck_assert_int_eq(v, LAPS * (N - 1));
    atomic_store(&work_done, 0);
    go_chan_close(ch[0]);
    for (int i = 1; i < N - 1; i++) {
        while (atomic_load(&work_done) < i)
            go_yield();
        go_chan_close(ch[i]);
    }
    while (atomic_load(&work_done) < N - 1)
        go_yield();
    for (int i = 0; i < N; i++)
        go_chan_free(ch[i]);
}

GO_TEST(test_maxprocs_query_and_set)
{
    const char *env = getenv("GOMAXPROCS");
    int cur = go_maxprocs(0);
    if (env && atoi(env) > 0)
        ck_assert_int_eq(cur, atoi(env));
    ck_assert_int_ge(cur, 1);
    ck_assert_int_eq(go_maxprocs(-1), cur);
    ck_assert_int_eq(go_maxprocs(3), cur); /* returns the previous value */
    ck_assert_int_eq(go_maxprocs(0), 3);
    run_ring();
    ck_assert_int_eq(go_maxprocs(1), 3);
    ck_assert_int_eq(go_maxprocs(0), 1);
    run_ring();
    ck_assert_int_eq(go_maxprocs(cur), 1);
    ck_assert_int_eq(go_maxprocs(0), cur);
}

/* ---- go_syscall_enter/exit --------------------------------------------- */

static int pipefd[2];
static atomic_long writer_steps;

static void step_then_write(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) {
        atomic_fetch_add(&writer_steps, 1);
        go_yield();
    }
    go_sleep(5 * GO_MILLISECOND);
    char b = 'x';
    ck_assert_int_eq(write(pipefd[1], &b, 1), 1);
}

/* At GOMAXPROCS=1 the goroutine blocked in read(2) gives up its P, so the
 * writer runs; without the hand-off this test hangs (and times out). */
GO_TEST(test_syscall_blocking_read_lets_others_run)
{
    go_maxprocs(1);
    ck_assert_int_eq(pipe(pipefd), 0);
    GO(step_then_write, NULL);
    char b = 0;
    go_syscall_enter();
    ssize_t n = read(pipefd[0], &b, 1);
    go_syscall_exit();
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(b, 'x');
    ck_assert_int_eq(atomic_load(&writer_steps), 100);
    ck_assert_int_eq(go_id(), 1);
    /* Still a working goroutine after the syscall. */
    run_ring();
}

static go_wg sys_wg;

static void sleeper_syscall(void *arg)
{
    (void)arg;
    go_syscall_enter();
    usleep(20000);
    go_syscall_exit();
    go_wg_done(&sys_wg);
}

/* Many goroutines in syscalls at once, on one P, all come back. */
GO_TEST(test_syscall_many)
{
    go_maxprocs(1);
    go_wg_add(&sys_wg, 8);
    for (int i = 0; i < 8; i++)
        GO(sleeper_syscall, NULL);
    run_ring();
    go_wg_wait(&sys_wg);
}

/* ---- threads gorace did not start --------------------------------------- */

static go_chan *ft_values, *ft_closed, *ft_spawned;
static go_mutex ft_mu;
static go_ctx *ft_ctx;

static void ft_goroutine(void *arg)
{
    (void)arg;
    go_chan_send(ft_spawned, &(int){7});
}

/* Every call that does not block, from a plain pthread, each after a pause
 * long enough for main to be blocked on it (the false deadlock). */
static void *ft_main(void *arg)
{
    (void)arg;
    usleep(30000);
    go_chan_send(ft_values, &(int){42}); /* room in the buffer */
    usleep(30000);
    go_chan_close(ft_closed);
    usleep(30000);
    go_mutex_unlock(&ft_mu); /* Go allows another's unlock */
    usleep(30000);
    GO(ft_goroutine, NULL);
    usleep(30000);
    go_cancel(ft_ctx);
    return NULL;
}

GO_TEST(test_foreign_thread_calls_in)
{
    ft_values = go_chan_make(sizeof(int), 1);
    ft_closed = go_chan_make(0, 0);
    ft_spawned = go_chan_make(sizeof(int), 0);
    ft_ctx = go_with_cancel(go_background());
    go_mutex_lock(&ft_mu);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, ft_main, NULL), 0);
    int v = 0, w = 0;
    bool got = go_chan_recv(ft_values, &v);
    bool open = go_chan_recv(ft_closed, NULL);
    go_mutex_lock(&ft_mu);
    go_chan_recv(ft_spawned, &w);
    go_chan_recv(go_ctx_done(ft_ctx), NULL);
    pthread_join(t, NULL);
    ck_assert(got);
    ck_assert_int_eq(v, 42);
    ck_assert(!open);
    ck_assert_int_eq(w, 7);
    ck_assert_int_eq(go_ctx_err(ft_ctx), GO_CANCELED);
    go_mutex_unlock(&ft_mu);
    go_ctx_free(ft_ctx);
}

/* ---- stacks: the arena (rt/stack.c) ----------------------------------- */

enum { WAVE = 3000 };
static uintptr_t wave_hi[WAVE];
static go_wg wave_ran;
static go_chan *wave_release;

static void record_stack(void *arg)
{
    volatile char deep[32 * 1024]; /* half the stack, both ends written */
    deep[0] = 1;
    deep[sizeof deep - 1] = 1;
    uintptr_t lo, hi;
    wave_hi[(long)arg] = rt_hook_stack_bounds(&lo, &hi) ? hi : 0;
    go_wg_done(&wave_ran);
    go_chan_recv(wave_release, NULL);
}

static int cmp_uintptr(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

/* WAVE goroutines live at once: each stack is the top of its own slot of
 * the arena. */
static void check_wave(uintptr_t base, size_t len, size_t slot)
{
    wave_release = go_chan_make(0, 0);
    go_wg_add(&wave_ran, WAVE);
    for (long i = 0; i < WAVE; i++)
        GO(record_stack, (void *)i);
    go_wg_wait(&wave_ran);
    qsort(wave_hi, WAVE, sizeof *wave_hi, cmp_uintptr);
    for (int i = 0; i < WAVE; i++) {
        ck_assert_uint_gt(wave_hi[i], base);
        ck_assert_uint_le(wave_hi[i], base + len);
        ck_assert_uint_eq((wave_hi[i] - base) % slot, 0);
        if (i)
            ck_assert_uint_ne(wave_hi[i], wave_hi[i - 1]);
    }
    go_chan_close(wave_release);
    while (go_num_goroutine() > 1)
        go_yield();
    go_chan_free(wave_release);
}

/* Two waves with an idle spell between them, long enough for sysmon to give
 * back every free stack and unmap the free slabs (IDLE_SCAVENGE_NS): the
 * second wave's slabs come back to the arena's places, none twice. */
GO_TEST(test_stacks_in_arena)
{
    uintptr_t base;
    size_t len, slot;
    ck_assert(rt_hook_stack_arena(&base, &len, &slot));
    ck_assert_uint_ge(slot, 64 * 1024);
    check_wave(base, len, slot);
    go_sleep(400 * 1000 * 1000);
    check_wave(base, len, slot);
}

Suite *suite_goroutine(void)
{
    Suite *s = suite_create("goroutine");
    TCase *tc = gt_tcase("core", 20);
    tcase_add_test(tc, test_run_returns_main_status);
    tcase_add_test(tc, test_run_abandons_goroutines);
    tcase_add_test(tc, test_id_main_is_1);
    tcase_add_test(tc, test_id_unique);
    tcase_add_test(tc, test_num_goroutine);
    tcase_add_test(tc, test_yield_runs_others_on_one_p);
    tcase_add_test(tc, test_yield_progress);
    tcase_add_test(tc, test_maxprocs_query_and_set);
    tcase_add_test(tc, test_syscall_blocking_read_lets_others_run);
    tcase_add_test(tc, test_syscall_many);
    tcase_add_test(tc, test_foreign_thread_calls_in);
    tcase_add_test(tc, test_stacks_in_arena);
    suite_add_tcase(s, tc);
    return s;
}
