package main

import (
	"fmt"
	"time"
)

func calculate(id int, resultChan chan<- int) {
	time.Sleep(time.Millisecond * 10)
	resultChan <- id * 2
}

func main() {
	ch := make(chan int, 3)
	for i := 1; i <= 3; i++ {
		go calculate(i, ch)
	}
	for i := 0; i < 3; i++ {
		fmt.Println(<-ch)
	}
}
