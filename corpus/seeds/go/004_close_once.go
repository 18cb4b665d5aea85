package main

import (
	"fmt"
	"sync"
)

func main() {
	ch := make(chan int)
	var once sync.Once
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			once.Do(func() { close(ch) })
		}()
	}
	wg.Wait()
	_, ok := <-ch
	fmt.Println("closed exactly once; receive ok =", ok)
}
