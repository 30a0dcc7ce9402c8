package main

import (
	"os"
	"os/signal"
	"syscall"
)

// pause is the sandbox's first process: it holds the pod's namespaces, reaps orphans and exits on
// SIGTERM or SIGINT.
func pause() int {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			return 0
		}
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
	return 0
}
