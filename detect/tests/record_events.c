/*
 * The event stream of a small program, as the recording detector
 * (detect/record.c) sees it: the informational events no other detector
 * consumes (chan_make/send/recv/close/free, wg_add/wait, ctx_cancel,
 * timer_fire, main_exit) plus go_create, in the order happens-before
 * forces on them whatever the schedule. Prints one line per event;
 * ctest record_events compares them with the expected stream.
 */
#include <gorace.h>
#include <stdio.h>

#include "../record.h"

static go_chan *c, *done, *tc;
static go_ctx *ctx;
static go_wg wg;

static void child(void *arg)
{
    (void)arg;
    int v = 7;
    go_chan_send(c, &v);
    ctx = go_with_cancel(go_background());
    go_cancel(ctx);
    go_wg_add(&wg, 1);
    go_wg_done(&wg);
    go_chan_send(done, NULL);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    c = go_chan_make(sizeof(int), 1);
    done = go_chan_make(0, 0);
    GO(child, NULL);
    go_chan_recv(done, NULL);
    go_wg_wait(&wg);
    int v;
    go_chan_recv(c, &v);
    go_timer *t = go_timer_new(GO_MILLISECOND);
    tc = go_timer_chan(t);
    go_chan_recv(tc, NULL);
    go_chan_close(c);
    go_chan_free(c);
    return 0;
}

static const char *label(const void *p)
{
    return p == NULL   ? "-"
           : p == c    ? "c"
           : p == done ? "done"
           : p == tc   ? "tc"
           : p == ctx  ? "ctx"
           : p == &wg  ? "wg"
                       : "other";
}

static void print_stream(void)
{
    for (size_t i = 0; i < det_record_count(); i++) {
        det_event e = det_record_get(i);
        switch (e.kind) {
        case DET_GO_CREATE:
        case DET_CHAN_SEND:
        case DET_CHAN_RECV:
        case DET_CHAN_CLOSE:
        case DET_CHAN_FREE:
        case DET_WG_ADD:
        case DET_WG_WAIT:
        case DET_CTX_CANCEL:
        case DET_MAIN_EXIT:
            printf("%s g%lld %s %lld\n", det_ev_name(e.kind), (long long)e.g,
                   label(e.obj), (long long)e.arg);
            break;
        case DET_CHAN_MAKE: /* the context's and timer's own channels too */
            if (e.obj == c || e.obj == done)
                printf("%s g%lld %s\n", det_ev_name(e.kind), (long long)e.g,
                       label(e.obj));
            break;
        case DET_TIMER_FIRE: /* from whichever M ran the timer */
            printf("%s\n", det_ev_name(e.kind));
            break;
        default:
            break;
        }
    }
}

int main(int argc, char **argv)
{
    det_record_install();
    int code = go_run(main_fn, argc, argv);
    print_stream();
    return code;
}
