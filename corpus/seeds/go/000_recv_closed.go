package main

import "fmt"

func main() {
	ch := make(chan int)
	close(ch)
	v, ok := <-ch
	fmt.Println(v, ok)
	v = <-ch
	fmt.Println(v)

	buf := make(chan int, 1)
	buf <- 7
	close(buf)
	v, ok = <-buf
	fmt.Println(v, ok)
	v, ok = <-buf
	fmt.Println(v, ok)
}
