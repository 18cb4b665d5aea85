package main

import (
	"fmt"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	never := make(chan int)
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-never // nobody sends and nobody closes
	}()
	fmt.Println("waiting")
	wg.Wait()
	fmt.Println("unreachable")
}
