/* WaitGroup Done before Wait returns; RWMutex readers and writers; Once's
 * function before every Do returns; context cancel before Done receivers. */
#include <gorace.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static int slots[8], seen[8], shared, once_val;
static go_rwmutex rw;
static go_once once;
static go_wg wg;

static void init_once(void *arg)
{
    (void)arg;
    once_val = 5;
}

static void worker(void *arg)
{
    long i = (long)arg;
    slots[i] = (int)i;
    go_rwmutex_rlock(&rw);
    seen[i] = shared;
    go_rwmutex_runlock(&rw);
    go_rwmutex_lock(&rw);
    shared++;
    go_rwmutex_unlock(&rw);
    go_once_do(&once, init_once, NULL);
    slots[i] += once_val;
    go_wg_done(&wg);
}

static int flag;
static void canceller(void *arg)
{
    flag = 1;
    go_cancel(arg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 8);
    for (long i = 0; i < 8; i++)
        GO(worker, (void *)i);
    go_wg_wait(&wg);
    int sum = 0;
    for (int i = 0; i < 8; i++)
        sum += slots[i];
    go_ctx *ctx = go_with_cancel(go_background());
    GO(canceller, ctx);
    go_chan_recv(go_ctx_done(ctx), NULL);
    return !(sum == 28 + 40 && shared == 8 && flag == 1);
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
