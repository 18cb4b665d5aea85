package main

import (
	"fmt"
	"sync"
	"time"
)

type User struct{ Email string }

func sendEmail(user string) {
	time.Sleep(50 * time.Millisecond)
	fmt.Println("email sent to", user)
}

func main() {
	users := []User{{"asha@example.com"}, {"ben@example.com"}, {"chen@example.com"}}
	var wg sync.WaitGroup
	for _, user := range users {
		wg.Add(1)
		go func(email string) {
			defer wg.Done()
			sendEmail(email)
		}(user.Email)
	}
	wg.Wait()
	fmt.Println("all emails sent")
}
