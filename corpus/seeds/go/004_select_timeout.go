package main

import (
	"fmt"
	"time"
)

func main() {
	ch1 := make(chan string)
	ch2 := make(chan string)
	select {
	case msg := <-ch1:
		fmt.Println("from ch1:", msg)
	case msg := <-ch2:
		fmt.Println("from ch2:", msg)
	case <-time.After(100 * time.Millisecond):
		fmt.Println("timed out")
	}
}
