package main

import (
	"fmt"
	"sync"
)

func process(job int) int { return job * 2 }

func workerPool(numWorkers int, jobs <-chan int, results chan<- int) {
	var wg sync.WaitGroup
	for i := 0; i < numWorkers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				results <- process(job)
			}
		}()
	}
	wg.Wait()
	close(results)
}

func main() {
	jobs := make(chan int, 100)
	results := make(chan int, 100)
	go workerPool(5, jobs, results)
	for i := 0; i < 20; i++ {
		jobs <- i
	}
	close(jobs)
	for result := range results {
		fmt.Println(result)
	}
}
