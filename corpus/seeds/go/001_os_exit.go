package main

import (
	"fmt"
	"os"
)

func main() {
	defer fmt.Println("Cleanup")
	fmt.Println("Exiting")
	os.Exit(0)
}
