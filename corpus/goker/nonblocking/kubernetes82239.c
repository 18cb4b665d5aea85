// GoKer kubernetes#82239 (non-blocking, traditional: data race).
// Origin: kubernetes/kubernetes PR 82239; GoKer file
// goker/nonblocking/kubernetes/82239/kubernetes82239_test.go.
//
// The test's one case holds a PersistentVolume whose Annotations map has
// keys "0" and "1". The test starts `go ctrl.Run(stopCh)`, which starts
// Until(volumeWorker, stopCh): until stopCh is closed, the worker keeps
// getting the volume from the lister and deep-copying it, which reads the
// Annotations map (its length and its entries). The test sleeps 1ms, then
// assigns Annotations["0"] (a map write) and closes stopCh. The worker's
// reads of the map before the close are unordered with the test's write:
// a race on every schedule in which the worker copies the volume at least
// once before it sees stopCh closed. Free-running that depends on real
// time (15 of 20 runs raced at GOMAXPROCS 1, 9 of 20 at 2 on a CPU-starved
// machine; every miss: the worker had not run yet). Under a seed with
// virtual time standing still while anything runs, the 1ms sleep never
// ended (the worker can always run); with `step_ns=1000` a microsecond
// passes at each scheduling step, the sleep ends after a thousand steps,
// and every seed races. So it runs under seeds only.
//
// A Go map is a count and a fixed table of keys; an assignment always
// stores the count (Go's race detector sees every assignment as a write
// of the map, new key or not). The test returns without waiting for the
// Until goroutine; main sleeps 50ms after it (the rest of the test binary;
// free in virtual time). The upstream patch is not carried by GoKer; no
// fixed twin.
//
// expect: race
// gomaxprocs: none free-running, real time decides (see above)
// gorace: step_ns=1000
#include <gorace.h>
#include <stdlib.h>
#include <string.h>

/* Go's `_ = x`: forces a real load of x. */
#define USE(v)                                                                 \
    do {                                                                       \
        __typeof__(v) use_ = (v);                                              \
        __asm__ volatile("" ::"r"(&use_) : "memory");                          \
    } while (0)

#define NKEYS 4

/* map[string]struct{} */
struct string_set {
    int count;
    const char *keys[NKEYS];
};

static struct string_set *make_set(int hint)
{
    USE(hint); /* make(map[string]struct{}, hint): the size hint is read */
    return calloc(1, sizeof(struct string_set));
}

static void set_assign(struct string_set *m, const char *k)
{
    int added = 0;
    int i;
    for (i = 0; i < NKEYS; i++)
        if (m->keys[i] && strcmp(m->keys[i], k) == 0)
            break;
    if (i == NKEYS)
        for (i = 0; i < NKEYS; i++)
            if (!m->keys[i]) {
                m->keys[i] = k;
                added = 1;
                break;
            }
    m->count += added;
}

struct object_meta {
    struct string_set *annotations;
};

static void object_meta_deep_copy_into(struct object_meta *in,
                                       struct object_meta *out)
{
    if (in->annotations != NULL) {
        struct string_set **inp = &in->annotations, **outp = &out->annotations;
        *outp = make_set((*inp)->count);
        for (int i = 0; i < NKEYS; i++) /* for key, val := range *in */
            if ((*inp)->keys[i])
                set_assign(*outp, (*inp)->keys[i]);
    }
}

struct persistent_volume {
    struct object_meta object_meta;
};

static void pv_deep_copy_into(struct persistent_volume *in,
                              struct persistent_volume *out)
{
    *out = *in;
    object_meta_deep_copy_into(&in->object_meta, &out->object_meta);
}

static struct persistent_volume *pv_deep_copy(struct persistent_volume *in)
{
    struct persistent_volume *out = calloc(1, sizeof *out);
    pv_deep_copy_into(in, out);
    return out;
}

static const char *const itoa[] = {"0", "1"}; /* strconv.Itoa */

static struct persistent_volume *new_volume(void)
{
    struct persistent_volume *volume = calloc(1, sizeof *volume);
    volume->object_meta.annotations = make_set(0);
    for (int i = 0; i < 2; i++)
        set_assign(volume->object_meta.annotations, itoa[i]);
    return volume;
}

/* []*PersistentVolume */
struct volume_slice {
    struct persistent_volume **ptr;
    long len, cap;
};

static struct volume_slice new_volume_array(void)
{
    struct volume_slice s = {calloc(1, sizeof(struct persistent_volume *)), 1,
                             1};
    s.ptr[0] = new_volume();
    return s;
}

static struct volume_slice volumes_with_annotation(struct volume_slice v)
{
    return v;
}

struct controller_test;
typedef void (*test_call)(struct controller_test test);

struct controller_test {
    struct volume_slice initial_volumes;
    test_call test;
};

static void jitter_until(void (*f)(void *), void *recv, go_chan *stop_ch)
{
    for (;;) {
        go_case c1[] = {GO_RECV_CASE(stop_ch, NULL)};
        if (go_select(c1, 1, true) == 0)
            return;
        f(recv);
        go_case c2[] = {GO_RECV_CASE(stop_ch, NULL)};
        if (go_select(c2, 1, true) == 0)
            return;
    }
}

static void until(void (*f)(void *), void *recv, go_chan *stop_ch)
{
    jitter_until(f, recv, stop_ch);
}

struct simplified_lister {
    struct persistent_volume *volume;
};

static struct persistent_volume *lister_get(struct simplified_lister *s,
                                            const char *key)
{
    (void)key;
    return s->volume;
}

struct pv_controller {
    struct simplified_lister *volume_lister;
};

static void update_volume_phase(struct pv_controller *ctrl,
                                struct persistent_volume *volume)
{
    (void)ctrl;
    pv_deep_copy(volume);
}

static void sync_volume(struct pv_controller *ctrl,
                        struct persistent_volume *volume)
{
    update_volume_phase(ctrl, volume);
}

static void update_volume(struct pv_controller *ctrl,
                          struct persistent_volume *volume)
{
    sync_volume(ctrl, volume);
}

/* volumeWorker and its closure workFunc (captures ctrl). */
static void work_func(struct pv_controller *ctrl)
{
    struct persistent_volume *volume = lister_get(ctrl->volume_lister, "0");
    update_volume(ctrl, volume);
}

static void volume_worker(void *arg)
{
    work_func(arg);
}

struct run_args {
    struct pv_controller *ctrl;
    go_chan *stop_ch;
};

/* go Until(ctrl.volumeWorker, stopCh) */
static void until_goroutine(void *arg)
{
    struct run_args *a = arg;
    until(volume_worker, a->ctrl, a->stop_ch);
}

static void ctrl_run(void *arg)
{
    GO(until_goroutine, arg);
}

static struct pv_controller *new_test_controller(void)
{
    return calloc(1, sizeof(struct pv_controller));
}

static void test_fn(struct controller_test test)
{
    set_assign(test.initial_volumes.ptr[0]->object_meta.annotations, "0");
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    struct controller_test tests[] = {
        {volumes_with_annotation(new_volume_array()), test_fn},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        struct controller_test test = tests[i];
        struct pv_controller *ctrl = new_test_controller();
        struct simplified_lister *lister = calloc(1, sizeof *lister);
        lister->volume = test.initial_volumes.ptr[0];
        ctrl->volume_lister = lister;

        go_chan *stop_ch = go_chan_make(0, 0);
        struct run_args *ra = calloc(1, sizeof *ra);
        ra->ctrl = ctrl;
        ra->stop_ch = stop_ch;
        GO(ctrl_run, ra);
        go_sleep(1 * GO_MILLISECOND);
        test.test(test);
        go_chan_close(stop_ch);
    }
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
