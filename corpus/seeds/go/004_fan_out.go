package main

import (
	"fmt"
	"strings"
	"sync"
)

func process(item string) string { return strings.ToUpper(item) }

func fanOut(items []string) []string {
	results := make([]string, len(items))
	var wg sync.WaitGroup
	for i, item := range items {
		wg.Add(1)
		go func(i int, item string) {
			defer wg.Done()
			results[i] = process(item)
		}(i, item)
	}
	wg.Wait()
	return results
}

func main() {
	for i, r := range fanOut([]string{"alpha", "beta", "gamma", "delta"}) {
		fmt.Println(i, r)
	}
}
