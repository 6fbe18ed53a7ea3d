// 1000 goroutines over channels with a sync.WaitGroup: each squares the
// numbers it receives and sends them on; the sum is exact only if every
// message arrived once. GOMAXPROCS stays the runtime's choice.
package main

import (
	"fmt"
	"sync"
)

const workers = 1000
const jobs = 20000

func main() {
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
	sum, count := 0, 0
	for square := range out {
		sum += square
		count++
	}
	expected := jobs * (jobs + 1) * (2*jobs + 1) / 6
	fmt.Println("goroutines", workers, "results", count, "sum", sum, "expected", expected)
	var mu sync.Mutex
	total := 0
	var wg2 sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg2.Add(1)
		go func(w int) {
			defer wg2.Done()
			mu.Lock()
			total += w
			mu.Unlock()
		}(w)
	}
	wg2.Wait()
	fmt.Println("mutex total", total)
	if sum != expected || total != workers*(workers-1)/2 {
		panic("wrong result")
	}
}
