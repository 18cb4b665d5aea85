package main

import "fmt"

func main() {
	ch := make(chan string)
	select {
	case msg := <-ch:
		fmt.Println("received", msg)
	default:
		fmt.Println("no message received")
	}
	select {
	case ch <- "hi":
		fmt.Println("sent")
	default:
		fmt.Println("no message sent")
	}
	buf := make(chan string, 1)
	select {
	case buf <- "hi":
		fmt.Println("sent to the buffer")
	default:
		fmt.Println("buffer full")
	}
	select {
	case msg := <-buf:
		fmt.Println("received", msg)
	default:
		fmt.Println("no message received")
	}
}
