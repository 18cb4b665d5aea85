package main

import (
	"fmt"
	"time"
)

func main() {
	go func() {
		time.Sleep(100 * time.Millisecond)
		fmt.Println("Worker done")
	}()
	fmt.Println("Main exiting")
}
