package main

import (
	"context"
	"fmt"
	"time"
)

// listenAndServe stands in for http.ListenAndServe: it blocks its caller,
// here until the context's deadline instead of forever.
func listenAndServe(ctx context.Context) {
	<-ctx.Done()
}

func main() {
	go func() {
		for {
			time.Sleep(100 * time.Millisecond)
			fmt.Println("Heartbeat")
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 350*time.Millisecond)
	defer cancel()
	listenAndServe(ctx)
}
