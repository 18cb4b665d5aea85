package main

import (
	"fmt"
	"sync"
)

var (
	once   sync.Once
	config int
)

func setup() {
	fmt.Println("setup ran")
	config = 42
}

func main() {
	var wg sync.WaitGroup
	var mu sync.Mutex
	saw := 0
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			once.Do(setup)
			mu.Lock()
			if config == 42 {
				saw++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	fmt.Println("goroutines that saw the config:", saw)
}
