package main

import (
	"fmt"
	"time"
)

func sendEmail(user string) {
	time.Sleep(50 * time.Millisecond)
	fmt.Println("email sent to", user)
}

func main() {
	go sendEmail("asha@example.com")
	fmt.Println("request finished")
	time.Sleep(100 * time.Millisecond)
}
