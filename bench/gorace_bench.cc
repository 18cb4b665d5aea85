/*
 * Benchmarks of the gorace runtime, through the public API only.
 *
 * Every benchmark has a twin of the same name in bench/go/bench_test.go that
 * does the same work per op with real goroutines, so bench/compare can print
 * gorace ns/op beside Go's ns/op. Keep the two files in step: a change to the
 * work done here must be made there too.
 *
 * One source, three builds (bench/CMakeLists.txt): gorace_bench against the
 * release runtime; gorace_bench_instr against the instrumented runtime, and
 * when the native race detector exists, compiled with -fsanitize=thread and
 * linked with it, so that it is the twin of `go test -race -bench`.
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
 * Goroutine bodies keep channel handles and loop counters in locals and send
 * a copy of the counter, as the Go twins' compiled code does (parameters and
 * by-value captures in registers). Under -race Go instruments none of those
 * accesses; here each would be a checked access, and the instrumented
 * overhead would weigh the C code's extra loads rather than the detectors.
 *
 * Every benchmark also reports two counters: allocs_op, calls to malloc,
 * calloc, realloc and their aligned kin per op (bench/malloc_count.c wraps
 * them at link time, so the runtime's and this file's calls count, not the
 * benchmark library's; stacks come from mmap and are not counted), and
 * maxrss_kb, the process's peak RSS (getrusage) when the benchmark ends.
 * bench/compare runs each benchmark in a process of its own, so that peak
 * is the benchmark's.
 *
 * What one "op" is, per benchmark:
 *   SpawnJoin          spawn a goroutine that signals a WaitGroup, wait for it
 *   PingPong           one round trip over a pair of unbuffered channels
 *   BufferedChan128    one send plus one receive through a cap-128 channel
 *   Select2            one select receiving from one of two cap-128 channels
 *   MutexContended/k   one Lock/increment/Unlock, k goroutines contending
 *   RWMutexReadMostly  one RLock/read/RUnlock, or every 100th op a
 *                      Lock/write/Unlock, GOMAXPROCS goroutines
 *   WorkerPool8        one job through 8 workers (jobs and results cap 128)
 *   FanOut10k          one round: 10k goroutines each write their own slot
 *                      of a results array, one WaitGroup
 *   Cancel10k          one round: cancel a context 10k goroutines are parked
 *                      on and wait until all have exited (the spawning and
 *                      parking are not timed)
 *   Sleep1us           one go_sleep(1 µs)
 *   After10k           one round: 10k concurrent go_after(1 µs), all received
 *   TimeoutLoop        one round of the per-iteration timeout idiom: spawn
 *                      a goroutine that sends its result on a cap-1
 *                      channel, select on the result and a 1 ms timeout
 *                      (GO_AFTER_CASE; Go: time.After), free the channel;
 *                      maxrss_kb shows what the rounds keep
 *   WaitGroup1k        one round: spawn 1000 goroutines that each call
 *                      Done, Wait for them
 * Macro programs, the corpus/seeds patterns at realistic sizes (op = run):
 *   MacroPool100k      004_worker_pool: 100k jobs through 8 workers
 *   MacroPoolAfterBurst  the same after a burst of 10k goroutines that main
 *                      joined (untimed, every run): a program's start-up
 *                      fan-out, then its steady state. Under race
 *                      detection the burst must not leave the pool's
 *                      clocks 10k wide (detect/race/race.c, "Floors")
 *   MacroPoolAfterBurstLogger  the same beside a goroutine that lives
 *                      through it all and joins nothing (a logger): it
 *                      must not keep the burst's clocks wide either
 *   MacroFanOut1M      004_fan_out: 1M goroutines, index writes, WaitGroup
 *   MacroPipeline3     generate -> square -> sum, 100k values, unbuffered
 *   MacroCtxWorkers    003_ctx_worker_jobs: 4 workers select on ctx.Done()
 *                      and jobs; 100k jobs, then cancel
 * Cost growth, op = a round over n (bench/compare divides by n):
 *   SpawnN/n           spawn n goroutines that park, wake them, join
 *   ChanRingN/n        one lap of a token around a ring of n parked goroutines
 *                      joined by unbuffered channels, each hop a write to
 *                      the goroutine's slot (under the race build: race
 *                      detection with n live goroutines); timed after one
 *                      untimed lap
 *   SelectN/n          one send, then one select over n receive cases
 *   TimersN/n          new + stop of one timer while n timers are pending
 *   RWMutexQueueN/n    n readers hold an RWMutex and wait for a Mutex main
 *                      holds; n writers queue for the RWMutex; main lets
 *                      the Mutex go and waits for all 2n (spawns
 *                      included): lock queues at scale, and under the race
 *                      build the deadlock detector's cycle walk at every
 *                      lock wait and the clocks of 2n goroutines that sync
 *                      through one lock. n stops at 10^5
 *   TicketWaveN/n      n goroutines each take a ticket from one seq_cst
 *                      counter and call Done on one WaitGroup; main waits
 *                      (spawns included). Under the race build every
 *                      goroutine knows all before it through the counter,
 *                      and the WaitGroup's clock holds them all: two n-wide
 *                      clocks joined once per goroutine. n stops at 10^5
 * The netpoller, loopback TCP on 127.0.0.1:0 (set-up not timed):
 *   TCPEchoRTT/k       one round trip: a client goroutine writes 64 bytes
 *                      and reads them back in full from its server
 *                      goroutine (read 64 in full, write them back); k
 *                      connections, a client and a server goroutine each,
 *                      the batch's round trips shared among the k clients
 *                      (share_of); k = 1 is latency, k = 1000 throughput
 *   TCPAccept          one connection's life, one at a time: dial; the
 *                      acceptor goroutine accepts and closes; the client
 *                      reads EOF and closes
 * n runs over 10^2..BENCH_MAXN (environment, default 10^6; select stops at
 * 10^4, below Go's and our 65536-case limit).
 */
#include <benchmark/benchmark.h>
#include <gorace.h>

#include <sys/resource.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" uint64_t bench_malloc_calls(void);

namespace
{

/* GO_RECV_CASE in C++ terms: the C macro's compound literal leaves .ok to
 * zero-initialisation, which g++ warns about. */
go_case recv_case(go_chan *c, void *elem)
{
    go_case k = {};
    k.chan = c;
    k.dir = GO_RECV;
    k.elem = elem;
    return k;
}

/* ---- counters ------------------------------------------------------ */

/* Reports allocs_op and maxrss_kb for the benchmark whose loop it spans. */
class Footprint
{
  public:
    explicit Footprint(benchmark::State &state)
        : state_(state), mallocs_(bench_malloc_calls())
    {
    }
    ~Footprint()
    {
        const double calls =
            static_cast<double>(bench_malloc_calls() - mallocs_);
        state_.counters["allocs_op"] =
            benchmark::Counter(calls, benchmark::Counter::kAvgIterations);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        state_.counters["maxrss_kb"] = static_cast<double>(ru.ru_maxrss);
    }

  private:
    benchmark::State &state_;
    uint64_t mallocs_;
};

/* ---- SpawnJoin, WaitGroup1k ---------------------------------------- */

void signal_wg(void *wg)
{
    go_wg_done(static_cast<go_wg *>(wg));
}

void SpawnJoin(benchmark::State &state)
{
    Footprint fp(state);
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
    Footprint fp(state);
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
    go_chan *ping = p->ping, *pong = p->pong;
    int64_t v;
    while (go_chan_recv(ping, &v))
        go_chan_send(pong, &v);
    go_wg_done(&p->done);
}

void PingPong(benchmark::State &state)
{
    Footprint fp(state);
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
    go_chan *c = p->c;
    const int64_t n = p->n;
    for (int64_t i = 0; i < n; i++) {
        int64_t v = i; /* i stays in a register, as in Go */
        go_chan_send(c, &v);
    }
    go_wg_done(p->done);
}

void BufferedChan128(benchmark::State &state)
{
    Footprint fp(state);
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
    Footprint fp(state);
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
    MutexShared *s = w->s;
    const int64_t ops = w->ops;
    for (int64_t i = 0; i < ops; i++) {
        go_mutex_lock(&s->mu);
        s->counter++;
        go_mutex_unlock(&s->mu);
    }
    go_wg_done(&s->done);
}

/* state.range(0) goroutines contend, 1..GOMAXPROCS of them. */
void MutexContended(benchmark::State &state)
{
    Footprint fp(state);
    const int64_t n = state.max_iterations;
    MutexShared s = {};
    MutexWorker workers[256];
    const int nw =
        state.range(0) < 256 ? static_cast<int>(state.range(0)) : 256;
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
    RWShared *s = w->s;
    const int64_t ops = w->ops;
    int64_t seen = 0;
    for (int64_t i = 0; i < ops; i++) {
        if (i % kWriteEvery == 0) {
            go_rwmutex_lock(&s->rw);
            s->value++;
            go_rwmutex_unlock(&s->rw);
        } else {
            go_rwmutex_rlock(&s->rw);
            seen += s->value;
            go_rwmutex_runlock(&s->rw);
        }
    }
    w->seen = seen;
    go_wg_done(&s->done);
}

void RWMutexReadMostly(benchmark::State &state)
{
    Footprint fp(state);
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
    go_chan *jobs = p->jobs, *results = p->results;
    int64_t job;
    while (go_chan_recv(jobs, &job)) {
        int64_t result = job * 2;
        go_chan_send(results, &result);
    }
    go_wg_done(&p->running);
}

void pool_feeder(void *arg)
{
    auto *p = static_cast<Pool *>(arg);
    go_chan *jobs = p->jobs;
    const int64_t n = p->n;
    for (int64_t i = 0; i < n; i++) {
        int64_t v = i;
        go_chan_send(jobs, &v);
    }
    go_chan_close(jobs);
    go_wg_done(&p->running);
}

void WorkerPool8(benchmark::State &state)
{
    Footprint fp(state);
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
    Footprint fp(state);
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
    Footprint fp(state);
    for (auto _ : state)
        go_sleep(GO_MICROSECOND);
}

/* ---- TimeoutLoop --------------------------------------------------- */

void send_result(void *arg)
{
    int64_t v = 1;
    go_chan_send(static_cast<go_chan *>(arg), &v);
}

void TimeoutLoop(benchmark::State &state)
{
    Footprint fp(state);
    int64_t timeouts = 0;
    for (auto _ : state) {
        go_chan *res = go_chan_make(sizeof(int64_t), 1);
        GO(send_result, res);
        int64_t v;
        go_case cs[2] = {recv_case(res, &v), {}};
        cs[1].dir = GO_AFTER;
        cs[1].after = GO_MILLISECOND;
        if (go_select(cs, 2, false) == 1) {
            timeouts++;
            go_chan_recv(res, &v); /* the worker still sends */
        }
        go_chan_free(res);
    }
    state.counters["timeouts"] = static_cast<double>(timeouts);
}

extern int64_t macro_div;

/* ---- FanOut10k, MacroFanOut1M -------------------------------------- */

struct FanOutTask {
    int64_t item;
    int64_t *slot; /* results[i]: this goroutine's alone */
    go_wg *wg;
};

int64_t process_item(int64_t x)
{
    return x * x + 1;
}

void fan_out_one(void *arg)
{
    auto *t = static_cast<FanOutTask *>(arg);
    *t->slot = process_item(t->item);
    go_wg_done(t->wg);
}

/* One fan-out round as 004_fan_out does it: Add(1) per item. */
bool fan_out(int64_t n)
{
    std::vector<int64_t> results(n);
    std::vector<FanOutTask> tasks(n);
    go_wg wg = {};
    for (int64_t i = 0; i < n; i++) {
        tasks[i] = {i, &results[i], &wg};
        go_wg_add(&wg, 1);
        GO(fan_out_one, &tasks[i]);
    }
    go_wg_wait(&wg);
    for (int64_t i = 0; i < n; i++)
        if (results[i] != process_item(i))
            return false;
    return true;
}

void FanOut10k(benchmark::State &state)
{
    Footprint fp(state);
    for (auto _ : state)
        if (!fan_out(10000))
            state.SkipWithError("fan-out lost a result");
}

void MacroFanOut1M(benchmark::State &state)
{
    Footprint fp(state);
    for (auto _ : state)
        if (!fan_out(1000000 / macro_div))
            state.SkipWithError("fan-out lost a result");
}

/* ---- After10k ------------------------------------------------------ */

constexpr int kAfters = 10000;

void After10k(benchmark::State &state)
{
    Footprint fp(state);
    std::vector<go_chan *> cs(kAfters);
    for (auto _ : state) {
        for (auto &c : cs)
            c = go_after(GO_MICROSECOND);
        for (auto c : cs)
            go_chan_recv(c, nullptr);
    }
}

/* ---- MacroPool100k ------------------------------------------------- */

/* Macro sizes are divided by BENCH_MACRO_DIV (environment; the smoke run
 * shrinks them): set by register_all before any benchmark runs. */
int64_t macro_div = 1;
int64_t kMacroJobs = 100000;

/* A job's work: a few dozen ns of arithmetic, as a real job has some. */
int64_t crunch(int64_t x)
{
    uint64_t h = static_cast<uint64_t>(x) | 1;
    for (int i = 0; i < 32; i++)
        h ^= h << 13, h ^= h >> 7, h ^= h << 17;
    return static_cast<int64_t>(h >> 1);
}

void macro_pool_worker(void *arg)
{
    auto *p = static_cast<Pool *>(arg);
    go_chan *jobs = p->jobs, *results = p->results;
    int64_t job;
    while (go_chan_recv(jobs, &job)) {
        int64_t result = crunch(job);
        go_chan_send(results, &result);
    }
    go_wg_done(&p->running);
}

/* One run of the pool: kMacroJobs jobs through kPoolWorkers workers. */
bool macro_pool_run(int64_t want)
{
    Pool p = {};
    p.n = kMacroJobs;
    p.jobs = go_chan_make(sizeof(int64_t), 100);
    p.results = go_chan_make(sizeof(int64_t), 100);
    go_wg_add(&p.running, kPoolWorkers + 1);
    for (int i = 0; i < kPoolWorkers; i++)
        GO(macro_pool_worker, &p);
    GO(pool_feeder, &p);
    go_chan *results = p.results;
    int64_t sum = 0;
    for (int64_t i = 0; i < kMacroJobs; i++) {
        int64_t r;
        go_chan_recv(results, &r);
        sum += r;
    }
    go_wg_wait(&p.running);
    go_chan_free(p.jobs);
    go_chan_free(p.results);
    return sum == want;
}

int64_t macro_pool_want()
{
    int64_t want = 0;
    for (int64_t i = 0; i < kMacroJobs; i++)
        want += crunch(i);
    return want;
}

void MacroPool100k(benchmark::State &state)
{
    Footprint fp(state);
    const int64_t want = macro_pool_want();
    for (auto _ : state)
        if (!macro_pool_run(want))
            state.SkipWithError("pool lost a job");
}

void burst_member(void *arg)
{
    go_wg_done(static_cast<go_wg *>(arg));
}

void MacroPoolAfterBurst(benchmark::State &state)
{
    Footprint fp(state);
    const int64_t want = macro_pool_want();
    const int64_t burst = kMacroJobs / 10;
    for (auto _ : state) {
        state.PauseTiming();
        go_wg wg = {};
        go_wg_add(&wg, burst);
        for (int64_t i = 0; i < burst; i++)
            GO(burst_member, &wg);
        go_wg_wait(&wg);
        state.ResumeTiming();
        if (!macro_pool_run(want))
            state.SkipWithError("pool lost a job");
    }
}

struct Logger {
    go_chan *quit;
    go_wg done;
};

void logger(void *arg)
{
    auto *l = static_cast<Logger *>(arg);
    go_chan_recv(l->quit, nullptr);
    go_wg_done(&l->done);
}

void MacroPoolAfterBurstLogger(benchmark::State &state)
{
    Logger l = {go_chan_make(0, 0), {}};
    go_wg_add(&l.done, 1);
    GO(logger, &l);
    MacroPoolAfterBurst(state);
    go_chan_close(l.quit);
    go_wg_wait(&l.done);
    go_chan_free(l.quit);
}

/* ---- MacroPipeline3 ------------------------------------------------ */

struct Pipeline {
    go_chan *nums, *squares;
};

void pipe_generate(void *arg)
{
    go_chan *nums = static_cast<Pipeline *>(arg)->nums;
    for (int64_t i = 0; i < kMacroJobs; i++)
        go_chan_send(nums, &i);
    go_chan_close(nums);
}

void pipe_square(void *arg)
{
    auto *p = static_cast<Pipeline *>(arg);
    go_chan *nums = p->nums, *squares = p->squares;
    int64_t v;
    while (go_chan_recv(nums, &v)) {
        v *= v;
        go_chan_send(squares, &v);
    }
    go_chan_close(squares);
}

void MacroPipeline3(benchmark::State &state)
{
    Footprint fp(state);
    const int64_t n = kMacroJobs;
    const int64_t want = (n - 1) * n * (2 * n - 1) / 6;
    for (auto _ : state) {
        Pipeline p = {go_chan_make(sizeof(int64_t), 0),
                      go_chan_make(sizeof(int64_t), 0)};
        GO(pipe_generate, &p);
        GO(pipe_square, &p);
        int64_t sum = 0, v;
        go_chan *squares = p.squares;
        while (go_chan_recv(squares, &v))
            sum += v;
        /* squares is closed only after square's last receive from nums. */
        go_chan_free(p.nums);
        go_chan_free(p.squares);
        if (sum != want)
            state.SkipWithError("pipeline lost a value");
    }
}

/* ---- MacroCtxWorkers ----------------------------------------------- */

constexpr int kCtxWorkers = 4;

struct CtxJobs {
    go_ctx *ctx;
    go_chan *jobs;
    go_mutex mu;
    int64_t total; /* under mu */
    go_wg wg;
};

void ctx_worker(void *arg)
{
    auto *w = static_cast<CtxJobs *>(arg);
    int64_t job;
    go_case cases[2] = {recv_case(go_ctx_done(w->ctx), nullptr),
                        recv_case(w->jobs, &job)};
    while (go_select(cases, 2, false) == 1) {
        int64_t r = crunch(job);
        go_mutex_lock(&w->mu);
        w->total += r;
        go_mutex_unlock(&w->mu);
    }
    go_wg_done(&w->wg);
}

void MacroCtxWorkers(benchmark::State &state)
{
    Footprint fp(state);
    int64_t want = 0;
    for (int64_t i = 0; i < kMacroJobs; i++)
        want += crunch(i);
    for (auto _ : state) {
        CtxJobs w = {};
        w.ctx = go_with_cancel(go_background());
        w.jobs = go_chan_make(sizeof(int64_t), 0);
        go_wg_add(&w.wg, kCtxWorkers);
        for (int i = 0; i < kCtxWorkers; i++)
            GO(ctx_worker, &w);
        for (int64_t i = 0; i < kMacroJobs; i++)
            go_chan_send(w.jobs, &i);
        go_cancel(w.ctx);
        go_wg_wait(&w.wg);
        go_chan_free(w.jobs);
        go_ctx_free(w.ctx);
        if (w.total != want)
            state.SkipWithError("a job was lost before the cancel");
    }
}

/* ---- cost growth: SpawnN, ChanRingN, SelectN, TimersN -------------- */

struct SpawnRound {
    go_chan *release;
    go_wg parked, exited;
};

void spawn_park(void *arg)
{
    auto *r = static_cast<SpawnRound *>(arg);
    go_wg_done(&r->parked);
    go_chan_recv(r->release, nullptr);
    go_wg_done(&r->exited);
}

/* n goroutines spawned, all parked at once, then released and joined. */
void spawn_round(int64_t n)
{
    SpawnRound r = {};
    r.release = go_chan_make(0, 0);
    go_wg_add(&r.parked, n);
    go_wg_add(&r.exited, n);
    for (int64_t i = 0; i < n; i++)
        GO(spawn_park, &r);
    go_wg_wait(&r.parked);
    go_chan_close(r.release);
    go_wg_wait(&r.exited);
    go_chan_free(r.release);
}

/* One untimed round first, in both twins: it faults in the memory that n
 * parked goroutines need, which the timed rounds then reuse. Without it
 * the two twins measured different things: Go's calibration runs warmed
 * its heap before the timed run up to 10^5, while our single timed round
 * at 10^5 and both twins' at 10^6 paid first touch, which on this VM costs
 * ~10 us a page and varies with the host (bench/README, session 24). */
void SpawnN(benchmark::State &state)
{
    Footprint fp(state);
    const int64_t n = state.range(0);
    spawn_round(n);
    for (auto _ : state)
        spawn_round(n);
}

struct Ring {
    std::vector<go_chan *>
        links; /* n + 1: hop i reads links[i], writes links[i+1] */
    std::vector<int64_t> slots; /* slots[i]: goroutine i's alone */
    go_wg exited;
    go_wg started; /* every member ran (and holds its stack) */
};

struct RingMember {
    Ring *ring;
    int64_t i;
};

void ring_member(void *arg)
{
    auto *m = static_cast<RingMember *>(arg);
    Ring *r = m->ring;
    go_chan **links = r->links.data();
    int64_t *slots = r->slots.data();
    const int64_t i = m->i;
    go_chan *in = links[i]; /* Go's range evaluates its channel once */
    int64_t token;
    go_wg_done(&r->started);
    while (go_chan_recv(in, &token)) {
        slots[i] += token;
        token++;
        go_chan_send(links[i + 1], &token);
    }
    go_chan_close(links[i + 1]);
    go_wg_done(&r->exited);
}

/* Under the race detector a ring of 1e6 costs about 60 s of set-up,
 * untimed lap and tear-down per process (11.6 GB; bench/README, session
 * 12), Go -race's about 90 s: bench/compare runs it once (runs_once). */
void ChanRingN(benchmark::State &state)
{
    Footprint fp(state);
    const int64_t n = state.range(0);
    Ring r;
    r.links.resize(n + 1);
    r.slots.assign(n, 0);
    r.exited = {};
    r.started = {};
    std::vector<RingMember> members(n);
    for (auto &l : r.links)
        l = go_chan_make(sizeof(int64_t), 0);
    go_wg_add(&r.exited, n);
    go_wg_add(&r.started, n);
    for (int64_t i = 0; i < n; i++) {
        members[i] = {&r, i};
        GO(ring_member, &members[i]);
    }
    /* The lap is timed among parked goroutines, as in the Go twin: each
     * has run once (gorace gives a stack at the first run, Go at spawn). */
    go_wg_wait(&r.started);
    /* One untimed lap first, as in the Go twin: the first hop into each
     * member touches fresh memory (the receiver's variable and, in the
     * race build, its shadow), a one-off cost that a single timed lap at
     * large n would otherwise be made of. */
    int64_t laps = 1;
    int64_t warm = 0;
    go_chan_send(r.links[0], &warm);
    go_chan_recv(r.links[n], &warm);
    for (auto _ : state) {
        int64_t token = 0;
        go_chan_send(r.links[0], &token);
        go_chan_recv(r.links[n], &token);
        if (token != n)
            state.SkipWithError("the token lost a hop");
        laps++;
    }
    go_chan_close(r.links[0]);
    go_wg_wait(&r.exited);
    for (auto l : r.links)
        go_chan_free(l);
    if (r.slots[n - 1] != laps * (n - 1))
        state.SkipWithError("a ring slot missed a lap");
}

void SelectN(benchmark::State &state)
{
    Footprint fp(state);
    const int64_t n = state.range(0);
    std::vector<go_chan *> cs(n);
    std::vector<go_case> cases(n);
    int64_t v = 0;
    for (int64_t i = 0; i < n; i++) {
        cs[i] = go_chan_make(sizeof(int64_t), 1);
        cases[i] = recv_case(cs[i], &v);
    }
    int64_t i = 0, hits = 0;
    for (auto _ : state) {
        go_chan_send(cs[i], &i);
        if (go_select(cases.data(), static_cast<int>(n), false) == i)
            hits++;
        if (++i == n)
            i = 0;
    }
    for (auto c : cs)
        go_chan_free(c);
    if (hits != static_cast<int64_t>(state.iterations()))
        state.SkipWithError("select chose a case that was not ready");
}

struct RwQueue {
    go_rwmutex rw;
    go_mutex m;
    go_wg started, done;
    int64_t queued; /* writers about to Lock */
};

void rwq_reader(void *arg)
{
    auto *q = static_cast<RwQueue *>(arg);
    go_rwmutex_rlock(&q->rw);
    go_wg_done(&q->started);
    go_mutex_lock(&q->m);
    go_mutex_unlock(&q->m);
    go_rwmutex_runlock(&q->rw);
    go_wg_done(&q->done);
}

void rwq_writer(void *arg)
{
    auto *q = static_cast<RwQueue *>(arg);
    __atomic_add_fetch(&q->queued, 1, __ATOMIC_RELAXED);
    go_rwmutex_lock(&q->rw);
    go_rwmutex_unlock(&q->rw);
    go_wg_done(&q->done);
}

void RWMutexQueueN(benchmark::State &state)
{
    Footprint fp(state);
    const int64_t n = state.range(0);
    for (auto _ : state) {
        RwQueue q = {};
        go_mutex_lock(&q.m);
        go_wg_add(&q.started, n);
        go_wg_add(&q.done, 2 * n);
        for (int64_t i = 0; i < n; i++)
            GO(rwq_reader, &q);
        go_wg_wait(&q.started);
        for (int64_t i = 0; i < n; i++)
            GO(rwq_writer, &q);
        while (__atomic_load_n(&q.queued, __ATOMIC_RELAXED) < n)
            go_yield();
        go_mutex_unlock(&q.m);
        go_wg_wait(&q.done);
    }
}

struct TicketWave {
    int64_t next; /* the counter */
    go_wg done;
};

void ticket_taker(void *arg)
{
    auto *w = static_cast<TicketWave *>(arg);
    __atomic_fetch_add(&w->next, 1, __ATOMIC_SEQ_CST);
    go_wg_done(&w->done);
}

void TicketWaveN(benchmark::State &state)
{
    Footprint fp(state);
    const int64_t n = state.range(0);
    for (auto _ : state) {
        TicketWave w = {};
        go_wg_add(&w.done, n);
        for (int64_t i = 0; i < n; i++)
            GO(ticket_taker, &w);
        go_wg_wait(&w.done);
        if (w.next != n)
            state.SkipWithError("a ticket was lost");
    }
}

void TimersN(benchmark::State &state)
{
    Footprint fp(state);
    const int64_t n = state.range(0);
    std::vector<go_timer *> pending(n);
    for (int64_t i = 0; i < n; i++)
        pending[i] = go_timer_new(GO_SECOND * 3600 + i * GO_MICROSECOND);
    for (auto _ : state) {
        go_timer *t = go_timer_new(GO_SECOND * 7200);
        if (!go_timer_stop(t))
            state.SkipWithError("a 2 h timer fired");
        go_timer_free(t);
    }
    for (auto t : pending) {
        go_timer_stop(t);
        go_timer_free(t);
    }
}

/* ---- TCPEchoRTT, TCPAccept: the netpoller, over loopback ----------- */

constexpr size_t kEchoMsg = 64;

/* io.ReadFull: false on EOF or an error before n bytes. */
bool read_full(int fd, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = go_read(fd, buf + got, n - got);
        if (r <= 0)
            return false;
        got += static_cast<size_t>(r);
    }
    return true;
}

struct EchoConn;

struct EchoSet {
    int lfd;
    int conns;
    std::vector<int> clients;
    std::vector<EchoConn> server_conns;
    go_wg servers; /* every echo goroutine closed its end */
    go_wg done;    /* every client goroutine did its rounds */
    int failed;    /* set by any goroutine whose round trip failed */
};

struct EchoConn {
    EchoSet *set;
    int fd;
    int64_t rounds;
};

/* Reads 64 bytes in full, writes them back, until EOF; then closes. */
void echo_server(void *arg)
{
    auto *c = static_cast<EchoConn *>(arg);
    const int fd = c->fd;
    go_wg *servers = &c->set->servers;
    char buf[kEchoMsg];
    while (read_full(fd, buf, kEchoMsg))
        if (go_write(fd, buf, kEchoMsg) != static_cast<ssize_t>(kEchoMsg))
            break;
    go_close(fd);
    go_wg_done(servers);
}

void echo_acceptor(void *arg)
{
    auto *s = static_cast<EchoSet *>(arg);
    const int lfd = s->lfd, conns = s->conns;
    for (int i = 0; i < conns; i++) {
        int fd = go_accept(lfd, nullptr, nullptr);
        if (fd < 0)
            go_panic("TCPEchoRTT: accept: %s", strerror(errno));
        s->server_conns[i] = {s, fd, 0};
        GO(echo_server, &s->server_conns[i]);
    }
}

/* Listens on 127.0.0.1:0 and dials s->conns connections; an acceptor
 * goroutine starts an echo goroutine per accepted one. Not timed. */
bool echo_listen(EchoSet *s, int conns)
{
    s->conns = conns;
    s->lfd = go_listen_tcp("127.0.0.1:0");
    if (s->lfd < 0)
        return false;
    const std::string addr =
        "127.0.0.1:" + std::to_string(go_local_port(s->lfd));
    s->server_conns.resize(conns);
    go_wg_add(&s->servers, conns);
    GO(echo_acceptor, s);
    s->clients.resize(conns);
    for (auto &fd : s->clients)
        if ((fd = go_dial_tcp(addr.c_str(), 0)) < 0)
            return false;
    return true;
}

void echo_client(void *arg)
{
    auto *c = static_cast<EchoConn *>(arg);
    const int fd = c->fd;
    const int64_t rounds = c->rounds;
    char msg[kEchoMsg] = {}, got[kEchoMsg];
    for (int64_t r = 0; r < rounds; r++) {
        msg[0] = static_cast<char>(r);
        if (go_write(fd, msg, kEchoMsg) != static_cast<ssize_t>(kEchoMsg) ||
            !read_full(fd, got, kEchoMsg) || memcmp(msg, got, kEchoMsg) != 0) {
            __atomic_store_n(&c->set->failed, 1, __ATOMIC_RELAXED);
            break;
        }
    }
    go_wg_done(&c->set->done);
}

/* TCPEchoRTT/k: k connections, one client goroutine each; the batch's
 * round trips are shared among them as share_of splits them. */
void TCPEchoRTT(benchmark::State &state)
{
    Footprint fp(state);
    const int k = static_cast<int>(state.range(0));
    const int64_t n = state.max_iterations;
    EchoSet s = {};
    if (!echo_listen(&s, k)) {
        state.SkipWithError("listen/dial failed");
        for (auto _ : state) {
        }
        return;
    }
    std::vector<EchoConn> clients(k);
    while (state.KeepRunningBatch(n)) {
        go_wg_add(&s.done, k);
        for (int i = 0; i < k; i++) {
            clients[i] = {&s, s.clients[i], share_of(n, i, k)};
            GO(echo_client, &clients[i]);
        }
        go_wg_wait(&s.done);
    }
    for (int fd : s.clients)
        go_close(fd);
    go_wg_wait(&s.servers);
    go_close(s.lfd);
    if (s.failed)
        state.SkipWithError("an echo round trip failed");
}

struct AcceptLoop {
    int lfd;
    int64_t n;
    go_chan *accepted; /* 0, or the errno of a failed accept */
};

void accept_and_close(void *arg)
{
    auto *a = static_cast<AcceptLoop *>(arg);
    const int lfd = a->lfd;
    const int64_t n = a->n;
    int err = 0;
    for (int64_t i = 0; i < n; i++) {
        int fd = go_accept(lfd, nullptr, nullptr);
        if (fd < 0) {
            err = errno;
            break;
        }
        go_close(fd);
    }
    go_chan_send(a->accepted, &err);
}

/* TCPAccept: op = dial, accept, the server closes, the client reads EOF and
 * closes: one connection's whole life, one at a time. */
void TCPAccept(benchmark::State &state)
{
    Footprint fp(state);
    AcceptLoop a = {};
    a.lfd = go_listen_tcp("127.0.0.1:0");
    a.n = state.max_iterations;
    a.accepted = go_chan_make(sizeof(int), 1);
    if (a.lfd < 0) {
        state.SkipWithError("listen failed");
        for (auto _ : state) {
        }
        return;
    }
    const std::string addr =
        "127.0.0.1:" + std::to_string(go_local_port(a.lfd));
    std::string failed;
    bool listening = true;
    while (state.KeepRunningBatch(a.n)) {
        GO(accept_and_close, &a);
        char b;
        for (int64_t i = 0; i < a.n; i++) {
            int fd = go_dial_tcp(addr.c_str(), 0);
            if (fd < 0) {
                failed = "dial " + std::to_string(i) + ": " + strerror(errno);
                break;
            }
            ssize_t r = go_read(fd, &b, 1);
            if (r != 0) {
                failed = "read " + std::to_string(i) + " gave " +
                         std::to_string(r) + " not EOF" +
                         (r < 0 ? std::string(": ") + strerror(errno) : "");
                go_close(fd);
                break;
            }
            go_close(fd);
        }
        /* After a failure the acceptor still waits for its count: closing
         * the listener wakes it (EBADF). */
        if (!failed.empty() && listening) {
            go_close(a.lfd);
            listening = false;
        }
        int err;
        go_chan_recv(a.accepted, &err);
        if (err && failed.empty())
            failed = std::string("accept: ") + strerror(err);
    }
    if (listening)
        go_close(a.lfd);
    go_chan_free(a.accepted);
    if (!failed.empty()) {
        fprintf(stderr, "TCPAccept: %s\n", failed.c_str());
        state.SkipWithError(("TCPAccept: " + failed).c_str());
    }
}

/* ---- driver -------------------------------------------------------- */

int64_t growth_max()
{
    const char *s = getenv("BENCH_MAXN");
    int64_t v = s ? strtoll(s, nullptr, 10) : 0;
    return v >= 100 ? v : 1000000;
}

void register_all()
{
    const char *div = getenv("BENCH_MACRO_DIV");
    macro_div =
        div && strtoll(div, nullptr, 10) > 0 ? strtoll(div, nullptr, 10) : 1;
    kMacroJobs = 100000 / macro_div;
    using Fn = void (*)(benchmark::State &);
    static const struct {
        const char *name;
        Fn fn;
    } plain[] = {
        {"SpawnJoin", SpawnJoin},
        {"PingPong", PingPong},
        {"BufferedChan128", BufferedChan128},
        {"Select2", Select2},
        {"RWMutexReadMostly", RWMutexReadMostly},
        {"WorkerPool8", WorkerPool8},
        {"FanOut10k", FanOut10k},
        {"Cancel10k", Cancel10k},
        {"Sleep1us", Sleep1us},
        {"After10k", After10k},
        {"TimeoutLoop", TimeoutLoop},
        {"WaitGroup1k", WaitGroup1k},
        {"MacroPool100k", MacroPool100k},
        {"MacroPoolAfterBurst", MacroPoolAfterBurst},
        {"MacroPoolAfterBurstLogger", MacroPoolAfterBurstLogger},
        {"MacroFanOut1M", MacroFanOut1M},
        {"MacroPipeline3", MacroPipeline3},
        {"MacroCtxWorkers", MacroCtxWorkers},
    };
    for (const auto &b : plain)
        benchmark::RegisterBenchmark(b.name, b.fn)->UseRealTime();

    auto *mutex =
        benchmark::RegisterBenchmark("MutexContended", MutexContended);
    for (int k = 1; k <= go_maxprocs(0); k++)
        mutex->Arg(k);
    mutex->UseRealTime();

    benchmark::RegisterBenchmark("TCPEchoRTT", TCPEchoRTT)
        ->Arg(1)
        ->Arg(1000)
        ->UseRealTime();
    benchmark::RegisterBenchmark("TCPAccept", TCPAccept)->UseRealTime();

    static const struct {
        const char *name;
        Fn fn;
        int64_t max;
    } growth[] = {
        {"SpawnN", SpawnN, INT64_MAX},
        {"ChanRingN", ChanRingN, INT64_MAX},
        {"SelectN", SelectN, 10000},
        {"TimersN", TimersN, INT64_MAX},
        {"RWMutexQueueN", RWMutexQueueN, 100000},
        {"TicketWaveN", TicketWaveN, 100000},
    };
    const int64_t maxn = growth_max();
    for (const auto &b : growth) {
        auto *bm = benchmark::RegisterBenchmark(b.name, b.fn);
        for (int64_t n = 100; n <= maxn && n <= b.max; n *= 10)
            bm->Arg(n);
        bm->UseRealTime();
    }
}

int bench_main(int, char **)
{
    benchmark::AddCustomContext("GOMAXPROCS", std::to_string(go_maxprocs(0)));
    register_all();
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
    return go_run(bench_main, argc, argv);
}
