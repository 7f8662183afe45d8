package web

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Sign-in throttling: after maxFailures failed sign-ins within failureWindow for one name (or
// maxAddrFailures from one address, which many people behind one proxy may share), further
// attempts are refused until the window has passed since the last failure. It slows guessing
// without letting anyone lock a person out for long.
const (
	maxFailures     = 5
	maxAddrFailures = 30
	failureWindow   = 15 * time.Minute
	maxTracked      = 10000 // keys kept at most; the oldest are dropped beyond it
)

type throttle struct {
	mu   sync.Mutex
	now  func() time.Time
	fail map[string]*failures
}

type failures struct {
	n    int
	last time.Time
}

func newThrottle(now func() time.Time) *throttle {
	return &throttle{now: now, fail: map[string]*failures{}}
}

// keys are what a sign-in is counted against: the name and the client's address.
func throttleKeys(r *http.Request, name string) []string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return []string{"name:" + strings.ToLower(name), "addr:" + host}
}

// blocked reports whether any key has too many recent failures.
func (t *throttle) blocked(keys []string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, k := range keys {
		limit := maxFailures
		if strings.HasPrefix(k, "addr:") {
			limit = maxAddrFailures
		}
		if f := t.fail[k]; f != nil && f.n >= limit && now.Sub(f.last) < failureWindow {
			return true
		}
	}
	return false
}

// failed counts a failed sign-in against every key.
func (t *throttle) failed(keys []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.fail) >= maxTracked {
		for k, f := range t.fail {
			if now.Sub(f.last) >= failureWindow || len(t.fail) >= maxTracked {
				delete(t.fail, k)
			}
		}
	}
	for _, k := range keys {
		f := t.fail[k]
		if f == nil || now.Sub(f.last) >= failureWindow {
			f = &failures{}
			t.fail[k] = f
		}
		f.n++
		f.last = now
	}
}

// succeeded forgets the failures of the name.
func (t *throttle) succeeded(keys []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fail, keys[0])
}
