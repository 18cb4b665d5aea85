// GoKer etcd#8194 (non-blocking, traditional: data race).
// Origin: etcd-io/etcd PR 8194; GoKer file
// goker/nonblocking/etcd/8194/etcd8194_test.go.
//
// The package variable leaseRevokeRate is read by the lessor's runLoop
// goroutine (its rate limit, once per round) and written by another test
// (testLessorRenewExtendPileup sets it to 10 and, deferred, restores it)
// with no synchronisation. The kernel runs the two tests in parallel
// goroutines; runLoop's first read and the test's writes are unordered on
// every schedule.
//
// runLoop runs ten rounds 5ms apart; its stopC and doneC are never made
// (nil), so its selects take the default or the timer, and its deferred
// close(doneC) would panic (close of nil channel) after 50ms. The Go
// test does not wait for runLoop and has ended long before. Here main
// sleeps 20ms after the test (the rest of the test binary; free in virtual
// time) so that runLoop makes its first reads; the exit path would then let
// it finish (the at-exit sleep and the leak check's grace period) and
// panic, so the run stops at the first race report (halt_on_error=1: exit
// 66), which comes at runLoop's first read or the test's writes, before
// any timer fires, on every schedule. Only GOMAXPROCS 1 is listed: with
// two Ps, on a loaded machine, printing the report (in the test's
// goroutine) once took longer than runLoop's 50ms, and runLoop's panic
// ended the run first (exit 2, seen once in a check of the folder, not in
// 190 runs on their own).
// The upstream patch is not carried by GoKer; no fixed twin.
//
// expect: race
// gorace: halt_on_error=1
// gomaxprocs: 1
#include <gorace.h>

/* Keeps a value the kernel computes but never uses (Go does not optimise
 * the read away; the C compiler would). */
#define USE(v)                                                                 \
    do {                                                                       \
        __typeof__(v) use_ = (v);                                              \
        __asm__ volatile("" ::"r"(&use_) : "memory");                          \
    } while (0)

int lease_revoke_rate = 1000;

static void test_lessor_renew_extend_pileup(void)
{
    int old_revoke_rate = lease_revoke_rate;
    lease_revoke_rate = 10;
    /* defer func() { leaseRevokeRate = oldRevokeRate }(): the barrier keeps
     * the compiler from folding the two stores into none. */
    __asm__ volatile("" ::: "memory");
    lease_revoke_rate = old_revoke_rate;
}

struct lease {
    int unused;
};

struct lessor {
    go_mutex mu;
    go_chan *stop_c, *done_c;
};

static void run_loop(void *arg)
{
    struct lessor *le = arg;
    for (int i = 0; i < 10; i++) {
        struct lease l;
        struct lease *ls[1];
        long n = 0;
        ls[n++] = &l; /* ls = append(ls, &Lease{}) */
        if (n != 0) {
            /* rate limit */
            if (n > lease_revoke_rate / 2)
                n = lease_revoke_rate / 2; /* ls = ls[:leaseRevokeRate/2] */
            USE(n);
            USE(ls[0]);
            go_case cases[] = {GO_RECV_CASE(le->stop_c, NULL)};
            if (go_select(cases, 1, true) == 0)
                goto out;
        }
        go_case cases[] = {GO_AFTER_CASE(5 * GO_MILLISECOND, NULL),
                           GO_RECV_CASE(le->stop_c, NULL)};
        if (go_select(cases, 2, false) == 1)
            goto out;
    }
out:
    go_chan_close(le->done_c); /* defer close(le.doneC): nil, panics */
}

static struct lessor the_lessor;

static struct lessor *new_lessor(void)
{
    struct lessor *l = &the_lessor; /* &lessor{}: channels nil */
    GO(run_loop, l);
    return l;
}

static go_wg wg;

static void grant(void *arg)
{
    (void)arg;
    new_lessor(); /* testLessorGrant */
    go_wg_done(&wg);
}

static void pileup(void *arg)
{
    (void)arg;
    test_lessor_renew_extend_pileup();
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 2);
    GO(grant, NULL);
    GO(pileup, NULL);
    go_wg_wait(&wg);
    go_sleep(20 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
