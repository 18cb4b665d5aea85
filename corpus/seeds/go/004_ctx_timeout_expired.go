package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// doWork delivers its result after 1s, or gives up when ctx is done.
func doWork(ctx context.Context) <-chan int {
	out := make(chan int, 1)
	go func() {
		select {
		case <-time.After(1 * time.Second):
			out <- 42
		case <-ctx.Done():
		}
	}()
	return out
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-ctx.Done():
				fmt.Println("cancelled:", ctx.Err())
			case result := <-doWork(ctx):
				fmt.Println("done:", result)
			}
		}()
	}
	wg.Wait()
}
