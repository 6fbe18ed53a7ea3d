// time.Sleep, time.After, a Ticker and a timeout in select: the facts printed
// are orderings and lower bounds, never durations.
package main

import (
	"fmt"
	"time"
)

func main() {
	start := time.Now()
	time.Sleep(50 * time.Millisecond)
	fmt.Println("slept at least 50ms:", time.Since(start) >= 50*time.Millisecond)

	fast := time.After(20 * time.Millisecond)
	slow := time.After(5 * time.Second)
	select {
	case <-slow:
		fmt.Println("the slow timer fired first")
	case <-fast:
		fmt.Println("the fast timer fired first")
	}

	done := make(chan string)
	go func() {
		time.Sleep(30 * time.Millisecond)
		done <- "worker finished"
	}()
	select {
	case msg := <-done:
		fmt.Println(msg, "before the timeout")
	case <-time.After(5 * time.Second):
		fmt.Println("timed out")
	}

	ticker := time.NewTicker(10 * time.Millisecond)
	ticks := 0
	for range ticker.C {
		ticks++
		if ticks == 5 {
			break
		}
	}
	ticker.Stop()
	fmt.Println("ticks", ticks, "elapsed at least 100ms:", time.Since(start) >= 100*time.Millisecond)

	timer := time.NewTimer(time.Hour)
	fmt.Println("stopped an hour timer before it fired:", timer.Stop())
}
