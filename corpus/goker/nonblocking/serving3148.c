// GoKer serving#3148 (non-blocking, traditional: data race).
// Origin: knative/serving PR 3148; GoKer file
// goker/nonblocking/serving/3148/serving3148_test.go.
//
// The test's goroutine makes a fake clientset and a controller whose
// reconciler uses it, and starts, through an errgroup-like Group, a
// goroutine running controller.Run(1): Run starts one worker and waits for
// it. The worker reconciles: its KPA phase creates a PodAutoscaler through
// the fake clientset, whose Invokes() ranges over Fake.ReactionChain. The
// test's goroutine meanwhile calls Hooks.OnUpdate(&cs.Fake), whose
// PrependReactor() assigns a new one-reactor slice to Fake.ReactionChain
// with no lock, then waits for the Group. The worker's read of the slice
// and the test's write are unordered on every schedule: a race.
//
// The clientset's interfaces have one implementation each: direct calls;
// the reconcile phase's `f: c.reconcileKPA` is a method value, a function
// and its receiver. A Reactor (interface{}) is a pointer. The upstream
// patch is not carried by GoKer; no fixed twin.
//
// expect: race
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdlib.h>

/* Go's `_ = x`: forces a real load of x. */
#define USE(v)                                                                 \
    do {                                                                       \
        __typeof__(v) use_ = (v);                                              \
        __asm__ volatile("" ::"r"(&use_) : "memory");                          \
    } while (0)

/* []Reactor, Reactor being interface{} */
struct reactor_slice {
    void **ptr;
    long len, cap;
};

struct simple_reactor {
    char unused;
};

struct fake {
    struct reactor_slice reaction_chain;
};

static void fake_invokes(struct fake *c)
{
    struct reactor_slice rc = c->reaction_chain; /* for _ = range ... */
    USE(rc.len);
    for (long i = 0; i < rc.len; i++) {
    }
}

static void fake_prepend_reactor(struct fake *c)
{
    struct reactor_slice s = {calloc(1, sizeof(void *)), 1, 1};
    s.ptr[0] = calloc(1, sizeof(struct simple_reactor));
    c->reaction_chain = s; /* append([]Reactor{&SimpleReactor{}}) */
}

struct fake_autoscaling_v1alpha1 {
    struct fake *fake;
};

struct fake_pod_autoscalers {
    struct fake_autoscaling_v1alpha1 *fake;
};

static struct fake_pod_autoscalers *
pod_autoscalers(struct fake_autoscaling_v1alpha1 *c)
{
    struct fake_pod_autoscalers *p = calloc(1, sizeof *p);
    p->fake = c;
    return p;
}

struct clientset {
    struct fake fake;
};

static struct fake_autoscaling_v1alpha1 *
autoscaling_v1alpha1(struct clientset *c)
{
    struct fake_autoscaling_v1alpha1 *a = calloc(1, sizeof *a);
    a->fake = &c->fake;
    return a;
}

static void fake_pod_autoscalers_create(struct fake_pod_autoscalers *c)
{
    fake_invokes(c->fake->fake);
}

struct reconciler {
    struct clientset *serving_client_set;
};

static void create_kpa(struct reconciler *c)
{
    fake_pod_autoscalers_create(
        pod_autoscalers(autoscaling_v1alpha1(c->serving_client_set)));
}

static void reconcile_kpa(void *c)
{
    create_kpa(c);
}

struct phase {
    const char *name;
    void (*f)(void *); /* the method value c.reconcileKPA */
    void *recv;
};

static void reconcile_(struct reconciler *c)
{
    struct phase phases[] = {{"KPA", reconcile_kpa, c}};
    for (size_t i = 0; i < sizeof phases / sizeof phases[0]; i++) {
        struct phase phase = phases[i];
        phase.f(phase.recv);
    }
}

static void reconcile(struct reconciler *c)
{
    reconcile_(c);
}

struct impl {
    struct reconciler *controller_reconciler;
};

static void process_next_work_item(struct impl *c)
{
    reconcile(c->controller_reconciler);
}

struct run_env {
    struct impl *c;
    go_wg sg;
};

static void run_worker(void *arg)
{
    struct run_env *e = arg;
    process_next_work_item(e->c);
    go_wg_done(&e->sg);
}

static void impl_run(struct impl *c, int threadiness)
{
    struct run_env *e = calloc(1, sizeof *e);
    e->c = c;
    for (int i = 0; i < threadiness; i++) {
        go_wg_add(&e->sg, 1);
        GO(run_worker, e);
    }
    go_wg_wait(&e->sg); /* defer sg.Wait() */
}

static struct impl *new_impl(struct reconciler *r)
{
    struct impl *i = calloc(1, sizeof *i);
    i->controller_reconciler = r;
    return i;
}

static struct impl *new_controller(void)
{
    struct reconciler *c = calloc(1, sizeof *c);
    return new_impl(c);
}

struct group {
    go_wg wg;
    go_once err_once;
};

static void group_wait(struct group *g)
{
    go_wg_wait(&g->wg);
}

struct group_call {
    struct group *g;
    void (*f)(void *);
    void *env;
};

static void group_goroutine(void *arg)
{
    struct group_call *gc = arg;
    gc->f(gc->env);
    go_wg_done(&gc->g->wg);
}

static void group_go(struct group *g, void (*f)(void *), void *env)
{
    go_wg_add(&g->wg, 1);
    struct group_call *gc = calloc(1, sizeof *gc);
    gc->g = g, gc->f = f, gc->env = env;
    GO(group_goroutine, gc);
}

struct hooks {
    char unused;
};

static struct hooks *new_hooks(void)
{
    return calloc(1, sizeof(struct hooks));
}

static void hooks_on_update(struct hooks *h, struct fake *fake)
{
    (void)h;
    fake_prepend_reactor(fake);
}

/* The closure func() { controller.Run(1) }. */
static void run_controller(void *controller)
{
    impl_run(controller, 1);
}

static go_wg wg;

static void test_goroutine(void *arg)
{
    (void)arg;
    struct clientset *cs = calloc(1, sizeof *cs);
    struct impl *controller = new_controller();
    controller->controller_reconciler->serving_client_set = cs;
    struct group *eg = calloc(1, sizeof *eg);
    group_go(eg, run_controller, controller);
    struct hooks *h = new_hooks();
    hooks_on_update(h, &cs->fake);
    group_wait(eg); /* the deferred function */
    go_wg_done(&wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    go_wg_add(&wg, 1);
    GO(test_goroutine, NULL);
    go_wg_wait(&wg);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
