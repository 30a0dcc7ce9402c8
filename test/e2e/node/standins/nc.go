package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// nc implements `nc -z [-w SEC] HOST PORT`: exit 0 when HOST:PORT accepts a TCP connection.
func nc(args []string) int {
	zero, timeout := false, 10*time.Second
	var rest []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-z":
			zero = true
		case "-w":
			i++
			if i >= len(args) {
				return usage("nc", "-w needs seconds")
			}
			n, err := strconv.Atoi(args[i])
			if err != nil {
				return usage("nc", "-w "+args[i]+": not a number")
			}
			timeout = time.Duration(n) * time.Second
		default:
			rest = append(rest, args[i])
		}
	}
	if !zero || len(rest) != 2 {
		return usage("nc", "only `nc -z [-w SEC] HOST PORT` is implemented")
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(rest[0], rest[1]), timeout)
	if err != nil {
		return 1
	}
	_ = conn.Close()
	return 0
}

func usage(part, msg string) int {
	fmt.Fprintf(os.Stderr, "%s (stand-in): %s\n", part, msg)
	return 2
}
