package main

import "fmt"

func fetch(results chan int) {
	v := <-results // nothing ever sends: blocked forever
	fmt.Println("fetched", v)
}

func main() {
	results := make(chan int)
	go fetch(results)
	fmt.Println("main returns")
}
