// N goroutines (default 1000) pass numbers over channels and finish under a
// sync.WaitGroup (bench_threads.py): the Go scheduler's threads, parked and
// woken on futexes, with the runtime's start-up of a static Go program.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
)

func main() {
	workers, jobs := 1000, 20000
	if len(os.Args) > 1 {
		workers, _ = strconv.Atoi(os.Args[1])
	}
	in := make(chan int)
	out := make(chan int, 64)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range in {
				out <- n * n
			}
		}()
	}
	go func() {
		for n := 1; n <= jobs; n++ {
			in <- n
		}
		close(in)
	}()
	go func() {
		wg.Wait()
		close(out)
	}()
	sum := 0
	for square := range out {
		sum += square
	}
	fmt.Println(workers, "goroutines, sum", sum)
}
