// Package bench holds the Go twins of gorace's benchmarks
// (bench/gorace_bench.cc): same names, same work per op, so bench/compare can
// print gorace's ns/op beside Go's. Run them with
//
//	go test -run '^$' -bench . -cpu 1,2
//
// The parkedmem command is the twin of bench/parked_mem.c.
package bench
