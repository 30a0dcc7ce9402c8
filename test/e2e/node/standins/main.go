// Command standin is one static binary, called by the name it is linked under (as BusyBox is), that
// plays the parts of third-party programs the end-to-end node images need and no registry can
// provide here: the sandbox's pause process, curl, an unprivileged ping and `nc -z`. Each part
// implements only the contract the shipped policies rely on, and says so when asked for more.
package main

import (
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	name := filepath.Base(os.Args[0])
	args := os.Args[1:]
	if name == "standin" && len(args) > 0 {
		name, args = args[0], args[1:]
	}
	var code int
	switch name {
	case "pause":
		code = pause()
	case "curl":
		code = curl(args)
	case "ping":
		code = ping(args)
	case "nc":
		code = nc(args)
	default:
		fmt.Fprintf(os.Stderr, "standin: unknown part %q (pause, curl, ping, nc)\n", name)
		code = 127
	}
	os.Exit(code)
}
