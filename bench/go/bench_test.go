package bench

// Twins of bench/gorace_bench.cc: keep names and the work per op identical.
// See that file's header for what one op is in each benchmark.

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"
)

func BenchmarkSpawnJoin(b *testing.B) {
	var wg sync.WaitGroup
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		go wg.Done()
		wg.Wait()
	}
}

const waitGroupFanout = 1000

func BenchmarkWaitGroup1k(b *testing.B) {
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

func BenchmarkMutexContended(b *testing.B) {
	n := int64(b.N)
	nw := runtime.GOMAXPROCS(0)
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
	for i := 0; i < b.N; i++ {
		time.Sleep(time.Microsecond)
	}
}
