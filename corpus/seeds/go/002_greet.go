package main

import (
	"fmt"
	"time"
)

func greet(name string) {
	time.Sleep(100 * time.Millisecond)
	fmt.Println("Hello,", name)
}

func main() {
	go greet("Alice")
	fmt.Println("Main continues immediately")
	time.Sleep(200 * time.Millisecond)
}
