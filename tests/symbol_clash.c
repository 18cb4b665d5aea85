/* A user program whose globals share names with the runtime's and the
 * detectors' internals (tests/symbol_clash.sh): it must link and run in
 * both builds, each name meaning the program's own object. */
#include <gorace.h>
#include <stdio.h>

int sched = 1, allp = 2, vc_join = 4, shadow_check = 5, dl_alloc = 6;
long heap_note_alloc = 7, stack_intern = 8;

int getm(void)
{
    return 3;
}

static void worker(void *arg)
{
    int v = sched + allp + getm() + vc_join + shadow_check + dl_alloc +
            (int)(heap_note_alloc + stack_intern);
    go_chan_send(arg, &v);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_chan *c = go_chan_make(sizeof(int), 0);
    GO(worker, c);
    int v = 0;
    go_chan_recv(c, &v);
    printf("sum %d\n", v);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
