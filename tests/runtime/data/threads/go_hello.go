// The smallest Go program: the runtime starts its threads (sysmon, GC workers)
// before main runs, so even this needs clone, futex and the vDSO's clock.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	fmt.Println("hello from Go")
	fmt.Println("GOOS", runtime.GOOS, "GOARCH", runtime.GOARCH, "args", len(os.Args))
	os.Exit(3)
}
