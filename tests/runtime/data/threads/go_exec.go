// os/exec runs another program (the busybox of the test's root, by a path
// relative to the working directory so it is the same file natively and on the
// machine), feeds its stdin, reads its stdout and its exit status.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

func main() {
	busybox := "../bin/busybox"
	out, err := exec.Command(busybox, "echo", "hello", "from", "a", "child").Output()
	fmt.Printf("echo: %q err=%v\n", out, err)

	cmd := exec.Command(busybox, "tr", "a-z", "A-Z")
	cmd.Stdin = strings.NewReader("shout this\n")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	err = cmd.Run()
	fmt.Printf("tr: %q err=%v\n", stdout.String(), err)

	err = exec.Command(busybox, "sh", "-c", "exit 5").Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		fmt.Println("sh -c 'exit 5': exit code", exit.ExitCode())
	} else {
		fmt.Println("sh -c 'exit 5': unexpected", err)
	}

	_, err = exec.Command("./no-such-program").Output()
	fmt.Println("missing program:", errors.Is(err, os.ErrNotExist))

	lines, err := exec.Command(busybox, "wc", "-l", "f.txt").Output()
	fmt.Printf("wc -l f.txt: %q err=%v\n", strings.TrimSpace(string(lines)), err)
}
