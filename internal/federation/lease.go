package federation

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// A lease holder names the process that holds a peer's workers: host/pid/random. The random part
// tells two runs of one process id apart; host and pid let a process that starts on the same host
// take over at once from one that died (kill -9, a crash) instead of waiting for the lease to
// run out.
func newHolder() string {
	host, _ := os.Hostname()
	var b [6]byte
	rand.Read(b[:]) // never fails since Go 1.24
	return host + "/" + strconv.Itoa(os.Getpid()) + "/" + hex.EncodeToString(b[:])
}

// holderDead reports whether holder is a process on this host that no longer runs. It answers
// false whenever it cannot tell.
func holderDead(holder string) bool {
	parts := strings.Split(holder, "/")
	if len(parts) != 3 {
		return false
	}
	host, _ := os.Hostname()
	pid, err := strconv.Atoi(parts[1])
	if parts[0] != host || err != nil || pid <= 0 || pid == os.Getpid() {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone)
}
