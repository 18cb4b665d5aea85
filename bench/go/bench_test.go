package bench

// Twins of bench/gorace_bench.cc: keep names and the work per op identical.
// See that file's header for what one op is in each benchmark.

import (
	"context"
	"io"
	"net"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// reportMaxRSS adds the process's peak RSS, as gorace_bench's maxrss_kb
// counter does (bench/compare runs each benchmark in a process of its own).
func reportMaxRSS(b *testing.B) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss), "maxrss_kb")
	}
}

func BenchmarkSpawnJoin(b *testing.B) {
	defer reportMaxRSS(b)
	var wg sync.WaitGroup
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		go wg.Done()
		wg.Wait()
	}
}

const waitGroupFanout = 1000

func BenchmarkWaitGroup1k(b *testing.B) {
	defer reportMaxRSS(b)
	var wg sync.WaitGroup
	for i := 0; i < b.N; i++ {
		wg.Add(waitGroupFanout)
		for j := 0; j < waitGroupFanout; j++ {
			go wg.Done()
		}
		wg.Wait()
	}
}

func BenchmarkPingPong(b *testing.B) {
	defer reportMaxRSS(b)
	ping := make(chan int64)
	pong := make(chan int64)
	var done sync.WaitGroup
	done.Add(1)
	go func() {
		for v := range ping {
			pong <- v
		}
		done.Done()
	}()
	b.ResetTimer()
	var v int64
	for i := 0; i < b.N; i++ {
		ping <- v
		v = <-pong
		v++
	}
	b.StopTimer()
	close(ping)
	done.Wait()
}

const chanCap = 128

func produce(c chan<- int64, n int64, done *sync.WaitGroup) {
	for i := int64(0); i < n; i++ {
		c <- i
	}
	done.Done()
}

func BenchmarkBufferedChan128(b *testing.B) {
	defer reportMaxRSS(b)
	n := int64(b.N)
	c := make(chan int64, chanCap)
	var done sync.WaitGroup
	var sum int64
	b.ResetTimer()
	done.Add(1)
	go produce(c, n, &done)
	for i := int64(0); i < n; i++ {
		sum += <-c
	}
	done.Wait()
	b.StopTimer()
	if sum != n*(n-1)/2 {
		b.Fatal("values lost in the channel")
	}
}

func BenchmarkSelect2(b *testing.B) {
	defer reportMaxRSS(b)
	n := int64(b.N)
	ca := make(chan int64, chanCap)
	cb := make(chan int64, chanCap)
	var done sync.WaitGroup
	var got int64
	b.ResetTimer()
	done.Add(2)
	go produce(ca, n/2, &done)
	go produce(cb, n-n/2, &done)
	var v int64
	for i := int64(0); i < n; i++ {
		select {
		case v = <-ca:
			got++
		case v = <-cb:
			got++
		}
	}
	done.Wait()
	b.StopTimer()
	_ = v
	if got != n {
		b.Fatal("select lost a value")
	}
}

// shareOf splits n ops over the GOMAXPROCS goroutines of a lock benchmark.
func shareOf(n int64, worker, workers int) int64 {
	s := n / int64(workers)
	if int64(worker) < n%int64(workers) {
		s++
	}
	return s
}

// MutexContended/k: k goroutines contend, k = 1..GOMAXPROCS.
func BenchmarkMutexContended(b *testing.B) {
	for k := 1; k <= runtime.GOMAXPROCS(0); k++ {
		b.Run(strconv.Itoa(k), func(b *testing.B) { mutexContended(b, k) })
	}
}

func mutexContended(b *testing.B, nw int) {
	defer reportMaxRSS(b)
	n := int64(b.N)
	var mu sync.Mutex
	var counter int64
	var done sync.WaitGroup
	b.ResetTimer()
	done.Add(nw)
	for w := 0; w < nw; w++ {
		go func(ops int64) {
			for i := int64(0); i < ops; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
			done.Done()
		}(shareOf(n, w, nw))
	}
	done.Wait()
	b.StopTimer()
	if counter != n {
		b.Fatal("mutex lost an increment")
	}
}

const writeEvery = 100

func BenchmarkRWMutexReadMostly(b *testing.B) {
	defer reportMaxRSS(b)
	n := int64(b.N)
	nw := runtime.GOMAXPROCS(0)
	var rw sync.RWMutex
	var value, writes int64
	seen := make([]int64, nw)
	var done sync.WaitGroup
	b.ResetTimer()
	done.Add(nw)
	for w := 0; w < nw; w++ {
		ops := shareOf(n, w, nw)
		writes += (ops + writeEvery - 1) / writeEvery
		go func(w int, ops int64) {
			var s int64
			for i := int64(0); i < ops; i++ {
				if i%writeEvery == 0 {
					rw.Lock()
					value++
					rw.Unlock()
				} else {
					rw.RLock()
					s += value
					rw.RUnlock()
				}
			}
			seen[w] = s
			done.Done()
		}(w, ops)
	}
	done.Wait()
	b.StopTimer()
	if value != writes {
		b.Fatal("rwmutex lost a write")
	}
}

const poolWorkers = 8

func BenchmarkWorkerPool8(b *testing.B) {
	defer reportMaxRSS(b)
	n := int64(b.N)
	results := make(chan int64, chanCap)
	var sum int64
	b.ResetTimer()
	jobs := make(chan int64, chanCap)
	var running sync.WaitGroup // the workers and the feeder
	running.Add(poolWorkers + 1)
	for w := 0; w < poolWorkers; w++ {
		go func() {
			for job := range jobs {
				results <- job * 2
			}
			running.Done()
		}()
	}
	go func() {
		for i := int64(0); i < n; i++ {
			jobs <- i
		}
		close(jobs)
		running.Done()
	}()
	for i := int64(0); i < n; i++ {
		sum += <-results
	}
	running.Wait()
	b.StopTimer()
	if sum != n*(n-1) {
		b.Fatal("pool lost a job")
	}
}

const cancelWaiters = 10000

// One op is one round: the spawning and parking of the 10k goroutines is
// not timed; the cancel and the wait for all of them to exit is.
func BenchmarkCancel10k(b *testing.B) {
	defer reportMaxRSS(b)
	var parked, exited sync.WaitGroup
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ctx, cancel := context.WithCancel(context.Background())
		parked.Add(cancelWaiters)
		exited.Add(cancelWaiters)
		for j := 0; j < cancelWaiters; j++ {
			go func() {
				parked.Done()
				<-ctx.Done()
				exited.Done()
			}()
		}
		parked.Wait()
		b.StartTimer()

		cancel()
		exited.Wait()
	}
}

func BenchmarkSleep1us(b *testing.B) {
	defer reportMaxRSS(b)
	for i := 0; i < b.N; i++ {
		time.Sleep(time.Microsecond)
	}
}

// BenchmarkTimeoutLoop is the per-iteration timeout idiom: gorace's twin
// uses GO_AFTER_CASE where Go uses time.After.
func BenchmarkTimeoutLoop(b *testing.B) {
	defer reportMaxRSS(b)
	timeouts := 0
	for i := 0; i < b.N; i++ {
		res := make(chan int64, 1)
		go func() { res <- 1 }()
		select {
		case <-res:
		case <-time.After(time.Millisecond):
			timeouts++
			<-res
		}
	}
	b.ReportMetric(float64(timeouts), "timeouts")
}

func processItem(x int64) int64 { return x*x + 1 }

// fanOut is one round of 004_fan_out: Add(1) per item, one goroutine per item
// writing its own slot.
func fanOut(b *testing.B, n int) {
	results := make([]int64, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			results[i] = processItem(int64(i))
			wg.Done()
		}(i)
	}
	wg.Wait()
	for i := range results {
		if results[i] != processItem(int64(i)) {
			b.Fatal("fan-out lost a result")
		}
	}
}

func BenchmarkFanOut10k(b *testing.B) {
	defer reportMaxRSS(b)
	for i := 0; i < b.N; i++ {
		fanOut(b, 10000)
	}
}

func BenchmarkMacroFanOut1M(b *testing.B) {
	defer reportMaxRSS(b)
	for i := 0; i < b.N; i++ {
		fanOut(b, 1000000/macroDiv)
	}
}

const afters = 10000

func BenchmarkAfter10k(b *testing.B) {
	defer reportMaxRSS(b)
	cs := make([]<-chan time.Time, afters)
	for i := 0; i < b.N; i++ {
		for j := range cs {
			cs[j] = time.After(time.Microsecond)
		}
		for _, c := range cs {
			<-c
		}
	}
}

// Macro sizes are divided by BENCH_MACRO_DIV (the smoke run shrinks them).
var macroDiv = func() int {
	if v, err := strconv.Atoi(os.Getenv("BENCH_MACRO_DIV")); err == nil && v > 0 {
		return v
	}
	return 1
}()

var macroJobs = 100000 / macroDiv

// crunch is a job's work, the same arithmetic as gorace_bench.cc's.
func crunch(x int64) int64 {
	h := uint64(x) | 1
	for i := 0; i < 32; i++ {
		h ^= h << 13
		h ^= h >> 7
		h ^= h << 17
	}
	return int64(h >> 1)
}

// macroPoolRun is one run of the pool: macroJobs jobs through poolWorkers
// workers; it returns the sum of the results.
func macroPoolRun() int64 {
	jobs := make(chan int64, 100)
	results := make(chan int64, 100)
	var running sync.WaitGroup
	running.Add(poolWorkers + 1)
	for w := 0; w < poolWorkers; w++ {
		go func() {
			for job := range jobs {
				results <- crunch(job)
			}
			running.Done()
		}()
	}
	go func() {
		for i := int64(0); i < int64(macroJobs); i++ {
			jobs <- i
		}
		close(jobs)
		running.Done()
	}()
	var sum int64
	for i := 0; i < macroJobs; i++ {
		sum += <-results
	}
	running.Wait()
	return sum
}

func macroPoolWant() int64 {
	var want int64
	for i := int64(0); i < int64(macroJobs); i++ {
		want += crunch(i)
	}
	return want
}

func BenchmarkMacroPool100k(b *testing.B) {
	defer reportMaxRSS(b)
	want := macroPoolWant()
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		if macroPoolRun() != want {
			b.Fatal("pool lost a job")
		}
	}
}

// The pool after a burst of macroJobs/10 goroutines that main joined
// (untimed, every run): a program's start-up fan-out, then its steady state.
func BenchmarkMacroPoolAfterBurst(b *testing.B) {
	defer reportMaxRSS(b)
	want := macroPoolWant()
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		b.StopTimer()
		var burst sync.WaitGroup
		burst.Add(macroJobs / 10)
		for i := 0; i < macroJobs/10; i++ {
			go burst.Done()
		}
		burst.Wait()
		b.StartTimer()
		if macroPoolRun() != want {
			b.Fatal("pool lost a job")
		}
	}
}

// The same beside a goroutine that lives through it all and joins nothing
// (a logger).
func BenchmarkMacroPoolAfterBurstLogger(b *testing.B) {
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		<-quit
		close(done)
	}()
	BenchmarkMacroPoolAfterBurst(b)
	close(quit)
	<-done
}

func BenchmarkMacroPipeline3(b *testing.B) {
	defer reportMaxRSS(b)
	n := int64(macroJobs)
	want := (n - 1) * n * (2*n - 1) / 6
	for it := 0; it < b.N; it++ {
		nums := make(chan int64)
		squares := make(chan int64)
		go func() {
			for i := int64(0); i < n; i++ {
				nums <- i
			}
			close(nums)
		}()
		go func() {
			for v := range nums {
				squares <- v * v
			}
			close(squares)
		}()
		var sum int64
		for v := range squares {
			sum += v
		}
		if sum != want {
			b.Fatal("pipeline lost a value")
		}
	}
}

const ctxWorkers = 4

func BenchmarkMacroCtxWorkers(b *testing.B) {
	defer reportMaxRSS(b)
	var want int64
	for i := int64(0); i < int64(macroJobs); i++ {
		want += crunch(i)
	}
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		ctx, cancel := context.WithCancel(context.Background())
		jobs := make(chan int64)
		var mu sync.Mutex
		var total int64
		var wg sync.WaitGroup
		wg.Add(ctxWorkers)
		for w := 0; w < ctxWorkers; w++ {
			go func() {
				defer wg.Done()
				for {
					select {
					case <-ctx.Done():
						return
					case job := <-jobs:
						r := crunch(job)
						mu.Lock()
						total += r
						mu.Unlock()
					}
				}
			}()
		}
		for i := int64(0); i < int64(macroJobs); i++ {
			jobs <- i
		}
		cancel()
		wg.Wait()
		if total != want {
			b.Fatal("a job was lost before the cancel")
		}
	}
}

// growthSizes is 10^2..BENCH_MAXN (default 10^6), capped at max.
func growthSizes(max int) []int {
	maxn := 1000000
	if v, err := strconv.Atoi(os.Getenv("BENCH_MAXN")); err == nil && v >= 100 {
		maxn = v
	}
	var ns []int
	for n := 100; n <= maxn && n <= max; n *= 10 {
		ns = append(ns, n)
	}
	return ns
}

func growth(b *testing.B, max int, f func(b *testing.B, n int)) {
	for _, n := range growthSizes(max) {
		n := n
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			defer reportMaxRSS(b)
			f(b, n)
		})
	}
}

// spawnRound: n goroutines spawned, all parked at once, then released
// and joined.
func spawnRound(n int) {
	release := make(chan struct{})
	var parked, exited sync.WaitGroup
	parked.Add(n)
	exited.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			parked.Done()
			<-release
			exited.Done()
		}()
	}
	parked.Wait()
	close(release)
	exited.Wait()
}

// One untimed round first, in both twins: the timed rounds reuse the
// memory it faulted in (gorace_bench.cc says why).
func BenchmarkSpawnN(b *testing.B) {
	growth(b, 1<<62, func(b *testing.B, n int) {
		spawnRound(n)
		b.ResetTimer()
		for it := 0; it < b.N; it++ {
			spawnRound(n)
		}
	})
}

func BenchmarkChanRingN(b *testing.B) {
	growth(b, 1<<62, func(b *testing.B, n int) {
		links := make([]chan int64, n+1)
		for i := range links {
			links[i] = make(chan int64)
		}
		slots := make([]int64, n)
		// The lap is timed among parked goroutines: each has run (and
		// holds its stack) before the timer starts, in both twins.
		var exited, started sync.WaitGroup
		exited.Add(n)
		started.Add(n)
		for i := 0; i < n; i++ {
			go func(i int) {
				started.Done()
				for token := range links[i] {
					slots[i] += token
					links[i+1] <- token + 1
				}
				close(links[i+1])
				exited.Done()
			}(i)
		}
		started.Wait()
		// One untimed lap first, in both twins: the first hop into each
		// member touches fresh memory (the receiver's variable and, under
		// -race, its shadow), a one-off cost that a single timed lap at
		// large n would otherwise be made of.
		links[0] <- 0
		<-links[n]
		b.ResetTimer()
		for it := 0; it < b.N; it++ {
			links[0] <- 0
			if token := <-links[n]; token != int64(n) {
				b.Fatal("the token lost a hop")
			}
		}
		b.StopTimer()
		close(links[0])
		exited.Wait()
		if slots[n-1] != int64(b.N+1)*int64(n-1) {
			b.Fatal("a ring slot missed a lap")
		}
	})
}

// SelectN needs reflect.Select: Go compiles only selects with a fixed set of
// cases, so Go's side pays reflection on top of the select itself.
func BenchmarkSelectN(b *testing.B) {
	growth(b, 10000, func(b *testing.B, n int) {
		cs := make([]chan int64, n)
		cases := make([]reflect.SelectCase, n)
		for i := range cs {
			cs[i] = make(chan int64, 1)
			cases[i] = reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(cs[i])}
		}
		b.ResetTimer()
		i := 0
		for it := 0; it < b.N; it++ {
			cs[i] <- int64(i)
			if chosen, _, _ := reflect.Select(cases); chosen != i {
				b.Fatal("select chose a case that was not ready")
			}
			if i++; i == n {
				i = 0
			}
		}
	})
}

// RWMutexQueueN: n readers hold an RWMutex and wait for a Mutex the
// benchmark holds; n writers queue for the RWMutex; the Mutex is let go and
// all 2n finish (spawns included).
func BenchmarkRWMutexQueueN(b *testing.B) {
	growth(b, 100000, func(b *testing.B, n int) {
		for it := 0; it < b.N; it++ {
			var rw sync.RWMutex
			var m sync.Mutex
			var started, done sync.WaitGroup
			var queued int64
			m.Lock()
			started.Add(n)
			done.Add(2 * n)
			for i := 0; i < n; i++ {
				go func() {
					rw.RLock()
					started.Done()
					m.Lock()
					m.Unlock()
					rw.RUnlock()
					done.Done()
				}()
			}
			started.Wait()
			for i := 0; i < n; i++ {
				go func() {
					atomic.AddInt64(&queued, 1)
					rw.Lock()
					rw.Unlock()
					done.Done()
				}()
			}
			for atomic.LoadInt64(&queued) < int64(n) {
				runtime.Gosched()
			}
			m.Unlock()
			done.Wait()
		}
	})
}

// TicketWaveN: n goroutines each take a ticket from one counter and call
// Done on one WaitGroup; the benchmark waits (spawns included).
func BenchmarkTicketWaveN(b *testing.B) {
	growth(b, 100000, func(b *testing.B, n int) {
		for it := 0; it < b.N; it++ {
			var next int64
			var done sync.WaitGroup
			done.Add(n)
			for i := 0; i < n; i++ {
				go func() {
					atomic.AddInt64(&next, 1)
					done.Done()
				}()
			}
			done.Wait()
			if next != int64(n) {
				b.Fatal("a ticket was lost")
			}
		}
	})
}

func BenchmarkTimersN(b *testing.B) {
	growth(b, 1<<62, func(b *testing.B, n int) {
		pending := make([]*time.Timer, n)
		for i := range pending {
			pending[i] = time.NewTimer(time.Hour + time.Duration(i)*time.Microsecond)
		}
		b.ResetTimer()
		for it := 0; it < b.N; it++ {
			if !time.NewTimer(2 * time.Hour).Stop() {
				b.Fatal("a 2 h timer fired")
			}
		}
		b.StopTimer()
		for _, t := range pending {
			t.Stop()
		}
	})
}

// ---- TCPEchoRTT, TCPAccept: the netpoller, over loopback ----

const echoMsg = 64

// echoListen listens on 127.0.0.1:0 and dials conns connections to it; an
// acceptor goroutine starts one echo goroutine per accepted connection
// (read 64 bytes in full, write them back, until EOF, then close). The
// set-up is not timed. servers is done when every echo goroutine closed.
func echoListen(b *testing.B, conns int) (clients []net.Conn, servers *sync.WaitGroup, ln net.Listener) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	servers = new(sync.WaitGroup)
	servers.Add(conns)
	go func() {
		for i := 0; i < conns; i++ {
			c, err := ln.Accept()
			if err != nil {
				panic(err)
			}
			go func(c net.Conn) {
				var buf [echoMsg]byte
				for {
					if _, err := io.ReadFull(c, buf[:]); err != nil {
						break
					}
					if _, err := c.Write(buf[:]); err != nil {
						break
					}
				}
				c.Close()
				servers.Done()
			}(c)
		}
	}()
	clients = make([]net.Conn, conns)
	for i := range clients {
		if clients[i], err = net.Dial("tcp", ln.Addr().String()); err != nil {
			b.Fatal(err)
		}
	}
	return clients, servers, ln
}

// TCPEchoRTT/k: k connections, one client goroutine each; op = one round
// trip (write 64 bytes, read the 64-byte echo), b.N shared among the k
// clients as shareOf splits it.
func BenchmarkTCPEchoRTT(b *testing.B) {
	for _, k := range []int{1, 1000} {
		k := k
		b.Run(strconv.Itoa(k), func(b *testing.B) { tcpEchoRTT(b, k) })
	}
}

func tcpEchoRTT(b *testing.B, k int) {
	defer reportMaxRSS(b)
	clients, servers, ln := echoListen(b, k)
	n := int64(b.N)
	var done sync.WaitGroup
	var failed int32
	b.ResetTimer()
	done.Add(k)
	for i, c := range clients {
		go func(c net.Conn, rounds int64) {
			var msg, got [echoMsg]byte
			for r := int64(0); r < rounds; r++ {
				msg[0] = byte(r)
				if _, err := c.Write(msg[:]); err != nil {
					atomic.StoreInt32(&failed, 1)
					break
				}
				if _, err := io.ReadFull(c, got[:]); err != nil || got != msg {
					atomic.StoreInt32(&failed, 1)
					break
				}
			}
			done.Done()
		}(c, shareOf(n, i, k))
	}
	done.Wait()
	b.StopTimer()
	for _, c := range clients {
		c.Close()
	}
	servers.Wait()
	ln.Close()
	if failed != 0 {
		b.Fatal("an echo round trip failed")
	}
}

// TCPAccept: op = dial, accept, the server closes, the client reads EOF and
// closes: one connection's whole life, one at a time.
func BenchmarkTCPAccept(b *testing.B) {
	defer reportMaxRSS(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	n := b.N
	accepted := make(chan error, 1)
	b.ResetTimer()
	go func() {
		for i := 0; i < n; i++ {
			c, err := ln.Accept()
			if err != nil {
				accepted <- err
				return
			}
			c.Close()
		}
		accepted <- nil
	}()
	var buf [1]byte
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		if m, err := c.Read(buf[:]); m != 0 || err != io.EOF {
			b.Fatal("the server did not close")
		}
		c.Close()
	}
	if err := <-accepted; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	ln.Close()
}
