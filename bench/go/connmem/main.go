// Command connmem is the Go twin of bench/conn_mem.c: memory per idle
// connection, RSS growth (VmRSS from /proc/self/status) while N loopback TCP
// connections are open and idle, divided by N, measured on both sides:
//
//	server  this process: listens on 127.0.0.1:0, accepts N connections and
//	        starts one goroutine per connection that parks in a Read
//	client  a child process (this program again, with -client PORT N): dials
//	        N connections, one goroutine per connection parked in a Read
//
// Two processes because one holding both ends needs 2N descriptors, and the
// hard RLIMIT_NOFILE here (20000) is below 2*10000 plus the few others. Both
// raise the soft limit to the hard one and stop with a message when that is
// below N plus a margin.
//
// Once both sides measured, the server writes one byte on every connection:
// each client goroutine reads it and closes, each server goroutine then reads
// EOF and closes. Same output lines as the C program:
//
//	conn_mem n=N side=server rss_before_kb=A rss_after_kb=B bytes_per_conn=X
//	conn_mem n=N side=client rss_before_kb=A rss_after_kb=B bytes_per_conn=Y
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const fdMargin = 64

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

// raiseNofile sets the soft RLIMIT_NOFILE to the hard one and exits with a
// message when even that is too low for n connections.
func raiseNofile(n int, side string) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		fmt.Fprintln(os.Stderr, "connmem: getrlimit:", err)
		os.Exit(1)
	}
	rl.Cur = rl.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		fmt.Fprintln(os.Stderr, "connmem: setrlimit:", err)
		os.Exit(1)
	}
	if need := uint64(n + fdMargin); rl.Max < need {
		fmt.Fprintf(os.Stderr, "connmem: %s side needs %d descriptors, hard RLIMIT_NOFILE is %d\n",
			side, need, rl.Max)
		os.Exit(3)
	}
}

func line(side string, n int, before, after int64) string {
	return fmt.Sprintf("conn_mem n=%d side=%s rss_before_kb=%d rss_after_kb=%d bytes_per_conn=%.0f",
		n, side, before, after, float64(after-before)*1024/float64(n))
}

func client(addr string, n int) {
	raiseNofile(n, "client")
	var parked, exited sync.WaitGroup
	before := vmRSSKB()
	parked.Add(n)
	exited.Add(n)
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "connmem client:", err)
			os.Exit(1)
		}
		go func(c net.Conn) {
			var buf [64]byte
			parked.Done()
			c.Read(buf[:]) // the server's one byte, after the measurement
			c.Close()
			exited.Done()
		}(c)
	}
	parked.Wait()
	time.Sleep(20 * time.Millisecond)
	after := vmRSSKB()
	fmt.Println(line("client", n, before, after))
	exited.Wait()
}

func main() {
	if len(os.Args) == 4 && os.Args[1] == "-client" {
		n, _ := strconv.Atoi(os.Args[3])
		client("127.0.0.1:"+os.Args[2], n)
		return
	}
	n := 10000
	if len(os.Args) > 1 {
		v, err := strconv.Atoi(os.Args[1])
		if err != nil || v < 1 {
			fmt.Fprintln(os.Stderr, "usage: connmem [N>0]")
			os.Exit(2)
		}
		n = v
	}
	raiseNofile(n, "server")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "connmem:", err)
		os.Exit(1)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	var parked, exited sync.WaitGroup
	before := vmRSSKB()

	cmd := exec.Command(os.Args[0], "-client", strconv.Itoa(port), strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "connmem:", err)
		os.Exit(1)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "connmem:", err)
		os.Exit(1)
	}
	conns := make([]net.Conn, n)
	parked.Add(n)
	exited.Add(n)
	for i := range conns {
		c, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "connmem:", err)
			os.Exit(1)
		}
		conns[i] = c
		go func(c net.Conn) {
			var buf [64]byte
			parked.Done()
			for {
				if _, err := c.Read(buf[:]); err != nil {
					break
				}
			}
			c.Close()
			exited.Done()
		}(c)
	}
	parked.Wait()
	time.Sleep(20 * time.Millisecond)
	after := vmRSSKB()

	// The client's line once it measured too; then release everyone.
	clientLine, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		fmt.Fprintln(os.Stderr, "connmem: no line from the client:", err)
		os.Exit(1)
	}
	fmt.Println(line("server", n, before, after))
	fmt.Print(clientLine)
	for _, c := range conns {
		c.Write([]byte{1})
	}
	exited.Wait()
	io.Copy(io.Discard, out)
	if err := cmd.Wait(); err != nil {
		fmt.Fprintln(os.Stderr, "connmem: client:", err)
		os.Exit(1)
	}
	ln.Close()
	if before < 0 || after < 0 {
		os.Exit(1)
	}
}
