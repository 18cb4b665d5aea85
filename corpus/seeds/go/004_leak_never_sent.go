package main

import "fmt"

func main() {
	ch := make(chan int)
	go func() {
		v := <-ch // blocks forever
		_ = v
	}()
	fmt.Println("main returns; the receiver leaks")
}
