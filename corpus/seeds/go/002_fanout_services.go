package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

func checkService(ctx context.Context, service string, results chan<- string) {
	select {
	case <-time.After(50 * time.Millisecond):
		results <- fmt.Sprintf("%s is up", service)
	case <-ctx.Done():
		return
	}
}

func main() {
	services := []string{"auth", "payments", "inventory"}
	var wg sync.WaitGroup
	results := make(chan string, len(services))
	for _, svc := range services {
		wg.Add(1)
		go func(s string) {
			defer wg.Done()
			checkService(context.Background(), s, results)
		}(svc)
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	for result := range results {
		fmt.Println(result)
	}
}
