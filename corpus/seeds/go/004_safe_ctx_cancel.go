package main

import (
	"context"
	"fmt"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan int)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case v := <-ch:
			_ = v
		case <-ctx.Done():
			return
		}
	}()
	cancel()
	<-exited
	fmt.Println("goroutine exited:", ctx.Err())
}
