//go:build unix

package api_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) this process has used so
// far, on every thread: the server's goroutines, the client's and the
// execution records' writer alike.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
