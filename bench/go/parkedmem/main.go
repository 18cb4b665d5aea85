// Command parkedmem is the Go twin of bench/parked_mem.c: RSS growth
// (VmRSS from /proc/self/status) while N goroutines sit blocked on a channel
// receive, divided by N. Same output line as the C program.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

func vmRSSKB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "VmRSS:") {
			field := strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:"))
			kb, err := strconv.ParseInt(strings.TrimSuffix(field, " kB"), 10, 64)
			if err != nil {
				return -1
			}
			return kb
		}
	}
	return -1
}

func main() {
	n := 100000
	if len(os.Args) > 1 {
		v, err := strconv.Atoi(os.Args[1])
		if err != nil || v < 1 {
			fmt.Fprintln(os.Stderr, "usage: parkedmem [N>0]")
			os.Exit(2)
		}
		n = v
	}
	release := make(chan struct{})
	var parked, exited sync.WaitGroup
	before := vmRSSKB()

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
	time.Sleep(20 * time.Millisecond)
	after := vmRSSKB()

	fmt.Printf("parked_mem n=%d rss_before_kb=%d rss_after_kb=%d bytes_per_goroutine=%.0f\n",
		n, before, after, float64(after-before)*1024/float64(n))

	close(release)
	exited.Wait()
	if before < 0 || after < 0 {
		os.Exit(1)
	}
}
