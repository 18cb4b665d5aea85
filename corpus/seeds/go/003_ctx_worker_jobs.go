package main

import (
	"context"
	"fmt"
	"sync"
)

type Job int

func process(job Job) { fmt.Println("processed job", int(job)) }

func worker(ctx context.Context, jobs <-chan Job) {
	for {
		select {
		case <-ctx.Done():
			return
		case job := <-jobs:
			process(job)
		}
	}
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	jobs := make(chan Job)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		worker(ctx, jobs)
	}()
	for j := 1; j <= 3; j++ {
		jobs <- Job(j)
	}
	cancel()
	wg.Wait()
	fmt.Println("worker stopped:", ctx.Err())
}
