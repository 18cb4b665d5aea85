// GoKer moby#27782 (Communication Deadlock: channel & condition
// variable).
// Origin: moby/moby PR 27782; GoKer file
// goker/blocking/moby/27782/moby27782_test.go.
//
// InitializeStdio (G1, started by the test, which returns) starts the
// log reader (G2) and, since startLogging fails, resets the container:
// the JSON logger closes every registered log watcher. G2 registers its
// watcher in the logger's readers map, starts a file watcher whose event
// reader (G3) sends Write events on the unbuffered Events channel (after
// a 300ns sleep, or returns once done is closed), sleeps 300ns, and
// selects between an event and the log watcher's close. When it sees the
// close, it calls Remove(), which waits on the file watcher's Cond for a
// Broadcast that only a non-Write event gives: never. G2 sleeps in
// Cond.Wait, its deferred Close of the file watcher never runs, and G3
// blocks in its send: both leak. If G1's Close came before G2
// registered its watcher, or G2 took an event first, nothing leaks.
// G1 ranges over the readers map while G2 may write it; Go's race
// detector reports that map access, and so does ours, on every run in
// which both happen (the map is a small table of pointers; G1 reads its
// length and entries, G2 writes them, with nothing ordering the two): so
// runs report `WARNING: DATA RACE`, and the leak, when it happens,
// exits 66 as well. Measured: the race in every run at GOMAXPROCS 1 and
// under every seed, 9 of 10 and then 20 of 20 at GOMAXPROCS 2 (free runs:
// GOMAXPROCS 1 only); the leak itself in none (G1 closes the readers before G2
// registers its watcher in all of them). The FileWatcher interface has one
// implementation: direct calls. (Go's profile: (*JSONFileLogger).readLogs
// [sync.Cond.Wait];
// (*Watcher).readEvents [select].)
//
// expect: race
// gomaxprocs: 1
// seeds: 10 the outcome does not depend on the schedule (README.md)
#include <gorace.h>
#include <stdbool.h>
#include <stdlib.h>

typedef uint32_t op;
enum { CREATE = 1, WRITE = 2, REMOVE = 4, RENAME = 8, CHMOD = 16 };

typedef struct {
    op op;
} event;

struct watcher {
    go_chan *events; /* chan Event */
    go_mutex mu;
    go_cond cv;
    go_chan *done;
};

static bool ignore_linux(event *e, struct watcher *w)
{
    if (e->op != WRITE) {
        go_mutex_lock(&w->mu);
        go_cond_broadcast(&w->cv);
        go_mutex_unlock(&w->mu); /* deferred */
        return true;
    }
    return false;
}

static bool is_closed(struct watcher *w)
{
    go_case c[] = {GO_RECV_CASE(w->done, NULL)};
    return go_select(c, 1, true) == 0;
}

static void read_events(void *arg)
{
    struct watcher *w = arg;
    for (;;) {
        if (is_closed(w))
            break;
        event ev = {WRITE}; /* a MODIFY event */
        if (!ignore_linux(&ev, w)) {
            go_sleep(300 * GO_NANOSECOND);
            go_case c[] = {GO_SEND_CASE(w->events, &ev),
                           GO_RECV_CASE(w->done, NULL)};
            if (go_select(c, 2, false) == 1)
                break;
        }
    }
    go_chan_close(w->events); /* deferred */
}

static struct watcher *new_watcher(void)
{
    struct watcher *w = calloc(1, sizeof *w);
    w->events = go_chan_make(sizeof(event), 0);
    w->done = go_chan_make(0, 0);
    go_cond_init(&w->cv, &w->mu);
    GO(read_events, w); /* G3 */
    return w;
}

static void watcher_close(struct watcher *w)
{
    if (is_closed(w))
        return;
    go_chan_close(w->done);
}

static void watcher_remove(struct watcher *w)
{
    go_mutex_lock(&w->mu);
    bool exists = true;
    while (exists)
        go_cond_wait(&w->cv);
    go_mutex_unlock(&w->mu); /* deferred */
}

struct log_watcher {
    go_once close_once;
    go_chan *close_notifier;
};

static void close_notifier_fn(void *arg)
{
    struct log_watcher *w = arg;
    go_chan_close(w->close_notifier);
}

static void lw_close(struct log_watcher *w)
{
    go_once_do(&w->close_once, close_notifier_fn, w);
}

static struct log_watcher *new_log_watcher(void)
{
    struct log_watcher *w = calloc(1, sizeof *w);
    w->close_notifier = go_chan_make(0, 0);
    return w;
}

static void follow_logs(struct log_watcher *log_watcher)
{
    struct watcher *file_watcher = new_watcher(); /* watchFile() */
    /* handleDecodeErr() -> waitRead() */
    go_sleep(300 * GO_NANOSECOND);
    go_case c[] = {GO_RECV_CASE(file_watcher->events, NULL),
                   GO_RECV_CASE(log_watcher->close_notifier, NULL)};
    if (go_select(c, 2, false) == 1)
        watcher_remove(file_watcher);
    watcher_close(file_watcher); /* deferred */
}

enum { MAX_READERS = 4 };

struct json_file_logger {
    struct log_watcher *readers[MAX_READERS]; /* map[*LogWatcher]struct{} */
    int nreaders;
};

struct read_logs_arg {
    struct json_file_logger *l;
    struct log_watcher *w;
};

static void read_logs(void *arg)
{
    struct read_logs_arg *a = arg;
    a->l->readers[a->l->nreaders++] = a->w; /* l.readers[w] = struct{}{} */
    follow_logs(a->w);
}

static struct log_watcher *json_read_logs(struct json_file_logger *l)
{
    struct read_logs_arg *a = malloc(sizeof *a);
    *a = (struct read_logs_arg){l, new_log_watcher()};
    GO(read_logs, a); /* G2 */
    return a->w;
}

static void json_close(struct json_file_logger *l)
{
    while (l->nreaders > 0) { /* range, deleting each entry */
        struct log_watcher *r = l->readers[l->nreaders - 1];
        lw_close(r);
        l->nreaders--;
    }
}

struct container {
    struct json_file_logger *log_driver;
};

static int start_logging(struct container *c)
{
    struct json_file_logger *l = calloc(1, sizeof *l);
    c->log_driver = l;
    json_read_logs(l);
    return 1; /* errors.New("Some error") */
}

static void container_reset(struct container *c)
{
    if (c->log_driver != NULL)
        json_close(c->log_driver);
}

static void initialize_stdio(void *arg)
{
    struct container *c = arg;
    if (start_logging(c) != 0)
        container_reset(c);
}

static int main_fn(int argc, char **argv)
{
    (void)argc, (void)argv;
    static struct container c;
    GO(initialize_stdio, &c);      /* G1 */
    go_sleep(50 * GO_MILLISECOND); /* the rest of the test binary */
    return 0;
}

int main(int argc, char **argv)
{
    return go_run(main_fn, argc, argv);
}
