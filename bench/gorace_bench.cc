/*
 * Microbenchmarks of the gorace runtime, through the public API only.
 *
 * Every benchmark has a twin of the same name in bench/go/bench_test.go that
 * does the same work per op with real goroutines, so bench/compare can print
 * gorace ns/op beside Go's ns/op. Keep the two files in step: a change to the
 * work done here must be made there too.
 *
 * Process structure. go_run may be called once per process, so main() only
 * parses Google Benchmark's flags and hands over to go_run; goroutine 1 then
 * runs RunSpecifiedBenchmarks(), and every benchmark body runs inside that
 * goroutine, free to block on channels and spawn goroutines. Goroutine 1 has
 * the big main stack, which the benchmark library's reporters need.
 *
 * Timing is wall clock (UseRealTime): the work is spread over several Ms and
 * goroutine 1 itself may migrate between threads, so the calling thread's CPU
 * time would measure nothing useful.
 *
 * Throughput benchmarks (one producer feeding one consumer, N goroutines
 * sharing a lock) run the whole iteration count as a single batch, as Go's
 * b.N loops do: KeepRunningBatch(max_iterations) times the batch exactly once.
 * Goroutines they spawn are spawned inside the timed region, as in the twin.
 *
 * What one "op" is, per benchmark:
 *   SpawnJoin          spawn a goroutine that signals a WaitGroup, wait for it
 *   PingPong           one round trip over a pair of unbuffered channels
 *   BufferedChan128    one send plus one receive through a cap-128 channel
 *   Select2            one select receiving from one of two cap-128 channels
 *   MutexContended     one Lock/increment/Unlock, GOMAXPROCS goroutines
 *   WorkerPool8        one job through 8 workers (jobs and results cap 128)
 *   Cancel10k          one round: cancel a context 10k goroutines are parked
 *                      on and wait until all have exited (the spawning and
 *                      parking are not timed)
 *   Sleep1us           one go_sleep(1 µs)
 *   RWMutexReadMostly  one RLock/read/RUnlock, or every 100th op a
 *                      Lock/write/Unlock, GOMAXPROCS goroutines
 *   WaitGroup1k        one round: spawn 1000 goroutines that each call
 *                      Done, Wait for them
 */
#include <benchmark/benchmark.h>
#include <gorace.h>

#include <cstdint>
#include <string>

namespace
{

/* ---- SpawnJoin, WaitGroup1k ---------------------------------------- */

void signal_wg(void *wg)
{
    go_wg_done(static_cast<go_wg *>(wg));
}

void SpawnJoin(benchmark::State &state)
{
    go_wg wg = {};
    for (auto _ : state) {
        go_wg_add(&wg, 1);
        GO(signal_wg, &wg);
        go_wg_wait(&wg);
    }
}

constexpr int kWaitGroupFanout = 1000;

void WaitGroup1k(benchmark::State &state)
{
    go_wg wg = {};
    for (auto _ : state) {
        go_wg_add(&wg, kWaitGroupFanout);
        for (int i = 0; i < kWaitGroupFanout; i++)
            GO(signal_wg, &wg);
        go_wg_wait(&wg);
    }
}

/* ---- PingPong ------------------------------------------------------ */

struct PingPongPair {
    go_chan *ping, *pong;
    go_wg done;
};

void echo(void *arg)
{
    auto *p = static_cast<PingPongPair *>(arg);
    int64_t v;
    while (go_chan_recv(p->ping, &v))
        go_chan_send(p->pong, &v);
    go_wg_done(&p->done);
}

void PingPong(benchmark::State &state)
{
    PingPongPair p = {};
    p.ping = go_chan_make(sizeof(int64_t), 0);
    p.pong = go_chan_make(sizeof(int64_t), 0);
    go_wg_add(&p.done, 1);
    GO(echo, &p);
    int64_t v = 0;
    for (auto _ : state) {
        go_chan_send(p.ping, &v);
        go_chan_recv(p.pong, &v);
        v++;
    }
    go_chan_close(p.ping);
    go_wg_wait(&p.done);
    go_chan_free(p.ping);
    go_chan_free(p.pong);
}

/* ---- BufferedChan128, Select2 -------------------------------------- */

constexpr size_t kChanCap = 128;

struct Producer {
    go_chan *c;
    int64_t n;
    go_wg *done;
};

void produce(void *arg)
{
    auto *p = static_cast<Producer *>(arg);
    for (int64_t i = 0; i < p->n; i++)
        go_chan_send(p->c, &i);
    go_wg_done(p->done);
}

void BufferedChan128(benchmark::State &state)
{
    const int64_t n = state.max_iterations;
    go_chan *c = go_chan_make(sizeof(int64_t), kChanCap);
    go_wg done = {};
    Producer prod = {c, n, &done};
    int64_t sum = 0;
    while (state.KeepRunningBatch(n)) {
        go_wg_add(&done, 1);
        GO(produce, &prod);
        for (int64_t i = 0; i < n; i++) {
            int64_t v;
            go_chan_recv(c, &v);
            sum += v;
        }
        go_wg_wait(&done);
    }
    if (sum != n * (n - 1) / 2)
        state.SkipWithError("values lost in the channel");
    go_chan_free(c);
}

void Select2(benchmark::State &state)
{
    const int64_t n = state.max_iterations;
    go_chan *a = go_chan_make(sizeof(int64_t), kChanCap);
    go_chan *b = go_chan_make(sizeof(int64_t), kChanCap);
    go_wg done = {};
    Producer pa = {a, n / 2, &done};
    Producer pb = {b, n - n / 2, &done};
    int64_t got = 0;
    while (state.KeepRunningBatch(n)) {
        go_wg_add(&done, 2);
        GO(produce, &pa);
        GO(produce, &pb);
        int64_t v;
        go_case cases[2];
        cases[0].chan = a;
        cases[0].dir = GO_RECV;
        cases[0].elem = &v;
        cases[1].chan = b;
        cases[1].dir = GO_RECV;
        cases[1].elem = &v;
        for (int64_t i = 0; i < n; i++)
            if (go_select(cases, 2, false) >= 0)
                got++;
        go_wg_wait(&done);
    }
    if (got != n)
        state.SkipWithError("select lost a value");
    go_chan_free(a);
    go_chan_free(b);
}

/* ---- MutexContended, RWMutexReadMostly ----------------------------- */

/* Splits n ops over the GOMAXPROCS goroutines of a lock benchmark. */
int64_t share_of(int64_t n, int worker, int workers)
{
    return n / workers + (worker < n % workers ? 1 : 0);
}

struct MutexShared {
    go_mutex mu;
    int64_t counter;
    go_wg done;
};

struct MutexWorker {
    MutexShared *s;
    int64_t ops;
};

void mutex_increment(void *arg)
{
    auto *w = static_cast<MutexWorker *>(arg);
    for (int64_t i = 0; i < w->ops; i++) {
        go_mutex_lock(&w->s->mu);
        w->s->counter++;
        go_mutex_unlock(&w->s->mu);
    }
    go_wg_done(&w->s->done);
}

void MutexContended(benchmark::State &state)
{
    const int64_t n = state.max_iterations;
    const int procs = go_maxprocs(0);
    MutexShared s = {};
    MutexWorker workers[256];
    const int nw = procs < 256 ? procs : 256;
    while (state.KeepRunningBatch(n)) {
        go_wg_add(&s.done, nw);
        for (int i = 0; i < nw; i++) {
            workers[i] = {&s, share_of(n, i, nw)};
            GO(mutex_increment, &workers[i]);
        }
        go_wg_wait(&s.done);
    }
    if (s.counter != n)
        state.SkipWithError("mutex lost an increment");
}

constexpr int64_t kWriteEvery = 100;

struct RWShared {
    go_rwmutex rw;
    int64_t value;
    go_wg done;
};

struct RWWorker {
    RWShared *s;
    int64_t ops;
    int64_t seen; /* keeps the reads observable */
};

void rw_read_mostly(void *arg)
{
    auto *w = static_cast<RWWorker *>(arg);
    int64_t seen = 0;
    for (int64_t i = 0; i < w->ops; i++) {
        if (i % kWriteEvery == 0) {
            go_rwmutex_lock(&w->s->rw);
            w->s->value++;
            go_rwmutex_unlock(&w->s->rw);
        } else {
            go_rwmutex_rlock(&w->s->rw);
            seen += w->s->value;
            go_rwmutex_runlock(&w->s->rw);
        }
    }
    w->seen = seen;
    go_wg_done(&w->s->done);
}

void RWMutexReadMostly(benchmark::State &state)
{
    const int64_t n = state.max_iterations;
    const int procs = go_maxprocs(0);
    RWShared s = {};
    RWWorker workers[256];
    const int nw = procs < 256 ? procs : 256;
    int64_t writes = 0;
    while (state.KeepRunningBatch(n)) {
        go_wg_add(&s.done, nw);
        for (int i = 0; i < nw; i++) {
            workers[i] = {&s, share_of(n, i, nw), 0};
            writes += (workers[i].ops + kWriteEvery - 1) / kWriteEvery;
            GO(rw_read_mostly, &workers[i]);
        }
        go_wg_wait(&s.done);
    }
    if (s.value != writes)
        state.SkipWithError("rwmutex lost a write");
    for (int i = 0; i < nw; i++)
        benchmark::DoNotOptimize(workers[i].seen);
}

/* ---- WorkerPool8 --------------------------------------------------- */

constexpr int kPoolWorkers = 8;

struct Pool {
    go_chan *jobs, *results;
    int64_t n;
    go_wg running; /* the workers and the feeder */
};

void pool_worker(void *arg)
{
    auto *p = static_cast<Pool *>(arg);
    int64_t job;
    while (go_chan_recv(p->jobs, &job)) {
        int64_t result = job * 2;
        go_chan_send(p->results, &result);
    }
    go_wg_done(&p->running);
}

void pool_feeder(void *arg)
{
    auto *p = static_cast<Pool *>(arg);
    for (int64_t i = 0; i < p->n; i++)
        go_chan_send(p->jobs, &i);
    go_chan_close(p->jobs);
    go_wg_done(&p->running);
}

void WorkerPool8(benchmark::State &state)
{
    const int64_t n = state.max_iterations;
    Pool p = {};
    p.n = n;
    p.results = go_chan_make(sizeof(int64_t), kChanCap);
    int64_t sum = 0;
    while (state.KeepRunningBatch(n)) {
        p.jobs = go_chan_make(sizeof(int64_t), kChanCap);
        go_wg_add(&p.running, kPoolWorkers + 1);
        for (int i = 0; i < kPoolWorkers; i++)
            GO(pool_worker, &p);
        GO(pool_feeder, &p);
        for (int64_t i = 0; i < n; i++) {
            int64_t r;
            go_chan_recv(p.results, &r);
            sum += r;
        }
        /* jobs is freed only once no goroutine can still touch it. */
        go_wg_wait(&p.running);
        go_chan_free(p.jobs);
    }
    if (sum != n * (n - 1))
        state.SkipWithError("pool lost a job");
    go_chan_free(p.results);
}

/* ---- Cancel10k ----------------------------------------------------- */

constexpr int kCancelWaiters = 10000;

struct CancelRound {
    go_ctx *ctx;
    go_wg parked, exited;
};

void wait_for_cancel(void *arg)
{
    auto *r = static_cast<CancelRound *>(arg);
    go_wg_done(&r->parked);
    go_chan_recv(go_ctx_done(r->ctx), nullptr);
    go_wg_done(&r->exited);
}

void Cancel10k(benchmark::State &state)
{
    CancelRound r = {};
    for (auto _ : state) {
        state.PauseTiming();
        if (r.ctx)
            go_ctx_free(r.ctx);
        r.ctx = go_with_cancel(go_background());
        go_wg_add(&r.parked, kCancelWaiters);
        go_wg_add(&r.exited, kCancelWaiters);
        for (int i = 0; i < kCancelWaiters; i++)
            GO(wait_for_cancel, &r);
        go_wg_wait(&r.parked);
        state.ResumeTiming();

        go_cancel(r.ctx);
        go_wg_wait(&r.exited);
    }
    if (r.ctx)
        go_ctx_free(r.ctx);
    state.SetItemsProcessed(state.iterations() * kCancelWaiters);
}

/* ---- Sleep1us ------------------------------------------------------ */

void Sleep1us(benchmark::State &state)
{
    for (auto _ : state)
        go_sleep(GO_MICROSECOND);
}

/* ---- driver -------------------------------------------------------- */

void register_all()
{
    static const struct {
        const char *name;
        void (*fn)(benchmark::State &);
    } all[] = {
        {"SpawnJoin", SpawnJoin},
        {"PingPong", PingPong},
        {"BufferedChan128", BufferedChan128},
        {"Select2", Select2},
        {"MutexContended", MutexContended},
        {"WorkerPool8", WorkerPool8},
        {"Cancel10k", Cancel10k},
        {"Sleep1us", Sleep1us},
        {"RWMutexReadMostly", RWMutexReadMostly},
        {"WaitGroup1k", WaitGroup1k},
    };
    for (const auto &b : all)
        benchmark::RegisterBenchmark(b.name, b.fn)->UseRealTime();
}

int bench_main(int, char **)
{
    benchmark::AddCustomContext("GOMAXPROCS", std::to_string(go_maxprocs(0)));
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    register_all();
    return go_run(bench_main, argc, argv);
}
