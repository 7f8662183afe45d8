package web

import (
	"context"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/entente/entente/internal/store"
)

// Sign-in throttling: after maxFailures failed sign-ins within failureWindow for one name (or
// maxAddrFailures from one address, which many people behind one proxy may share), further
// attempts are refused until the window has passed since the last failure. It slows guessing
// without letting anyone lock a person out for long. The failures are kept in the store
// (UserStore.SignInFailed), so that every process of a node counts them together: behind a load
// balancer, each process keeping its own would multiply the guesses allowed by their number.
const (
	maxFailures     = 5
	maxAddrFailures = 30
	failureWindow   = 15 * time.Minute
)

type throttle struct {
	users store.UserStore
	now   func() time.Time
}

func newThrottle(users store.UserStore, now func() time.Time) *throttle {
	return &throttle{users: users, now: now}
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
func (t *throttle) blocked(ctx context.Context, keys []string) (bool, error) {
	now := t.now()
	for _, k := range keys {
		limit := maxFailures
		if strings.HasPrefix(k, "addr:") {
			limit = maxAddrFailures
		}
		n, last, err := t.users.SignInFailures(ctx, k)
		if err != nil {
			return false, err
		}
		if n >= limit && now.Sub(last) < failureWindow {
			return true, nil
		}
	}
	return false, nil
}

// failed counts a failed sign-in against every key.
func (t *throttle) failed(ctx context.Context, keys []string) error {
	now := t.now()
	for _, k := range keys {
		if _, err := t.users.SignInFailed(ctx, k, now, failureWindow); err != nil {
			return err
		}
	}
	return nil
}

// succeeded forgets the failures of the name.
func (t *throttle) succeeded(ctx context.Context, keys []string) error {
	return t.users.ClearSignInFailures(ctx, keys[0])
}
