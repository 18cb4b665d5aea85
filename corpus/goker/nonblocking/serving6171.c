// GoKer serving#6171 (non-blocking, Go-specific: testing library).
// Origin: knative/serving PR 6171; GoKer file
// goker/nonblocking/serving/6171/serving6171_test.go.
//
// serving4908's logger chain (zap's test logger writing to a testing.T),
// with the subtest's body reduced to getOrCreateRevisionWatcher(): it
// starts `go rw.run()`, whose checkDests starts the goroutine that logs
// (Errorw), and the subtest returns at once, waiting for neither. So the
// Logf runs unordered with the end of the subtest, where tRunner sets
// `t.done = true` without a lock (Go 1.14's testing.go), while logDepth
// reads c.done without one: a race on every schedule, whatever the order.
// When the log comes after the subtest and the top-level test are both
// done, logDepth finds no live parent and panics, `panic: Log in goroutine
// after TestServing6171/Serving6171 has completed` (GoKer's backtrace):
// without halt_on_error, 20 of 20 free runs at GOMAXPROCS 1 and 19 of 20
// at 2 end so, each after its race reports. A header cannot state both,
// so the runs stop at the first report (halt_on_error=1), as for
// serving5865.
//
// testing.T is modelled as in serving4908 (the part of Go 1.14's testing
// package the kernel uses: mutex, output, done, parent, name, T.Run with
// its tRunner goroutine and signal channel, logDepth). main plays the
// testing main: it runs TestServing6171 under tRunner as a top-level
// test, then sleeps 50ms (the rest of the test binary; free in virtual
// time) so that the unwaited goroutines run.
// The upstream patch is not carried by GoKer; no fixed twin.
//
// expect: race
// gorace: halt_on_error=1
// gomaxprocs: 1,2
#include <gorace.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- the part of Go 1.14's testing package the kernel uses ------------ */

struct test_t {
    go_mutex mu;
    long output; /* lines of output: c.output = append(c.output, ...) */
    bool done;   /* written by tRunner without mu */
    struct test_t *parent;
    char name[64];
    go_chan *signal;
};

struct t_runner_args {
    struct test_t *t;
    void (*fn)(struct test_t *);
};

static void t_runner(void *arg)
{
    struct t_runner_args *a = arg;
    struct test_t *t = a->t;
    a->fn(t);
    /* tRunner's deferred func: "Do not lock t.done to allow race detector
     * to detect race in case the user does not appropriately synchronizes
     * a goroutine." */
    t->done = true;
    bool signal = true;
    go_chan_send(t->signal, &signal);
}

static void t_start(struct test_t *t, struct test_t *parent, const char *name,
                    void (*fn)(struct test_t *), struct t_runner_args *a)
{
    if (parent)
        snprintf(t->name, sizeof t->name, "%s/%s", parent->name, name);
    else
        snprintf(t->name, sizeof t->name, "%s", name);
    t->parent = parent;
    t->signal = go_chan_make(sizeof(bool), 0);
    a->t = t;
    a->fn = fn;
    GO(t_runner, a);
}

/* t.Run(name, f): f runs in a new goroutine under tRunner; Run waits for
 * its signal. */
static void t_run(struct test_t *t, const char *name,
                  void (*fn)(struct test_t *))
{
    struct test_t *sub = calloc(1, sizeof *sub);
    struct t_runner_args *a = calloc(1, sizeof *a);
    t_start(sub, t, name, fn, a);
    bool ok;
    go_chan_recv(sub->signal, &ok);
}

/* c.logDepth(s, depth), Go 1.14. */
static void log_depth(struct test_t *c)
{
    if (c->done) {
        /* This test has already finished. Try and log this message with
         * our parent. If we don't have a parent, panic. (The deferred
         * unlocks run at return, or during the panic.) */
        for (struct test_t *parent = c->parent; parent != NULL;
             parent = parent->parent) {
            go_mutex_lock(&parent->mu);
            if (!parent->done) {
                parent->output++;
                for (struct test_t *p = c->parent; p != parent->parent;
                     p = p->parent)
                    go_mutex_unlock(&p->mu);
                return;
            }
        }
        go_panic("Log in goroutine after %s has completed", c->name);
    } else {
        go_mutex_lock(&c->mu);
        c->output++;
        go_mutex_unlock(&c->mu);
    }
}

static void t_logf(struct test_t *t)
{
    log_depth(t);
}

/* ---- the kernel ------------------------------------------------------- */

/* testingWriter{t}; ioCore{out}; Logger{core}; SugaredLogger{base}: each
 * interface has one implementation here, so the calls are direct. */
struct testing_writer {
    struct test_t *t;
};
struct io_core {
    struct testing_writer out;
};
struct logger {
    struct io_core *core;
};
struct sugared_logger {
    struct logger *base;
};
struct checked_entry {
    struct io_core *cores[1];
    int ncores;
};

static void testing_writer_write(struct testing_writer w)
{
    t_logf(w.t);
}

static void io_core_write(struct io_core *c)
{
    testing_writer_write(c->out);
}

static void checked_entry_write(struct checked_entry *ce)
{
    for (int i = 0; i < ce->ncores; i++)
        io_core_write(ce->cores[i]);
}

static struct checked_entry *logger_check(struct logger *log)
{
    struct checked_entry *ent = calloc(1, sizeof *ent);
    ent->cores[ent->ncores++] = log->core; /* append(ent.cores, log.core) */
    return ent;
}

static struct sugared_logger *testing_test_logger(struct test_t *t)
{
    struct io_core *core = calloc(1, sizeof *core); /* NewCore(writer) */
    core->out.t = t;                                /* newTestingWriter(t) */
    struct logger *log = calloc(1, sizeof *log);    /* New(core) */
    log->core = core;
    struct logger *clone = calloc(1, sizeof *clone); /* log.clone() */
    *clone = *log;
    struct sugared_logger *s = calloc(1, sizeof *s); /* Sugar() */
    s->base = clone;
    return s;
}

static void sugared_log(struct sugared_logger *s)
{
    struct checked_entry *ce = logger_check(s->base);
    checked_entry_write(ce);
}

static void sugared_errorw(struct sugared_logger *s)
{
    sugared_log(s);
}

struct revision_watcher {
    struct sugared_logger *logger;
};

static void check_dests_log(void *arg)
{
    struct revision_watcher *rw = arg;
    sugared_errorw(rw->logger); /* rw.logger.Errorw("1") */
}

static void check_dests(struct revision_watcher *rw)
{
    GO(check_dests_log, rw);
}

static void run(void *arg)
{
    struct revision_watcher *rw = arg;
    check_dests(rw);
}

struct revision_backends_manager {
    struct sugared_logger *logger;
};

static void
get_or_create_revision_watcher(struct revision_backends_manager *rbm)
{
    struct revision_watcher *rw = calloc(1, sizeof *rw);
    rw->logger = rbm->logger; /* newRevisionWatcher(rbm.logger) */
    GO(run, rw);
}

static void subtest(struct test_t *t)
{
    struct revision_backends_manager *rbm = calloc(1, sizeof *rbm);
    rbm->logger = testing_test_logger(t);
    get_or_create_revision_watcher(rbm);
}

struct test_state {
    struct test_t *t;
    go_wg wg;
};

static void test_body(void *arg)
{
    struct test_state *s = arg;
    t_run(s->t, "Serving6171", subtest);
    go_wg_done(&s->wg); /* defer wg.Done() */
}

static void test_serving6171(struct test_t *t)
{
    struct test_state *s = calloc(1, sizeof *s);
    s->t = t;
    go_wg_add(&s->wg, 1);
    GO(test_body, s);
    go_wg_wait(&s->wg);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static struct test_t top;
    static struct t_runner_args a;
    t_start(&top, NULL, "TestServing6171", test_serving6171, &a);
    bool ok;
    go_chan_recv(top.signal, &ok);
    go_sleep(50 * GO_MILLISECOND);
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
