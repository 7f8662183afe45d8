package federation

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/entente/entente/internal/store"
	"github.com/entente/entente/internal/taxii"
)

// worker runs one peer's pull and push loops.
type worker struct {
	f      *Federation
	peer   store.Peer
	cancel context.CancelFunc
	news   chan struct{} // something was added locally (capacity 1)

	pullClient *taxii.Client // verifies the peer's responses (see verifier)
	verifier   *verifier
	pushClient *taxii.Client // signs requests

	mu         sync.Mutex
	leaseUntil time.Time
	behind     map[string]time.Time // direction -> behind since (zero: caught up)
	batch      int                  // push batch size, halved on 413
}

func newWorker(f *Federation, p store.Peer) *worker {
	o := &f.Options
	v := &verifier{base: o.Transport, peer: p}
	w := &worker{
		f: f, peer: p, news: make(chan struct{}, 1), verifier: v,
		behind: map[string]time.Time{}, batch: o.PageSize,
		pullClient: &taxii.Client{HTTP: &http.Client{Timeout: o.Timeout, Transport: v}, Token: p.Token, UserAgent: "entente"},
		pushClient: &taxii.Client{HTTP: &http.Client{Timeout: o.Timeout, Transport: o.Transport}, Token: p.Token, UserAgent: "entente"},
	}
	if f.Signer != nil {
		w.pushClient.Sign = f.Signer.SignRequest
	}
	return w
}

// outcome is what a round moved.
type outcome struct {
	in, out, rejected int64
	caughtUp          bool
}

func (w *worker) run(ctx context.Context) {
	var wg sync.WaitGroup
	if len(w.peer.Pull) > 0 {
		wg.Go(func() { w.loop(ctx, store.Pull, w.pull) })
	}
	if w.peer.Push != "" {
		wg.Go(func() { w.loop(ctx, store.Push, w.push) })
	}
	wg.Wait()
	w.release()
}

// loop runs rounds of one direction: pull rounds at an interval that shortens while there is
// news and lengthens while there is none; push rounds when something was added and at
// PushEvery; after a failure, retries with exponential backoff and jitter.
func (w *worker) loop(ctx context.Context, direction string, round func(context.Context) (outcome, error)) {
	o := &w.f.Options
	fails, idle := 0, o.MinPull
	for ctx.Err() == nil {
		if !w.leased(ctx) {
			if !wait(ctx, o.Lease/3, nil) {
				return
			}
			continue
		}
		res, err := round(ctx)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, errNoLease) {
			continue // the lease was lost during the round: wait for it again
		}
		w.record(ctx, direction, res, err)
		var d time.Duration
		var news <-chan struct{}
		switch {
		case err != nil:
			fails++
			d = backoff(fails, o.MinBackoff, o.MaxBackoff, rand.Float64)
			w.f.Log.Warn("federation: round failed", "peer", w.peer.Name, "direction", direction, "failures", fails, "retry_in", d.Round(time.Millisecond), "err", err)
		case direction == store.Pull:
			fails = 0
			if res.in > 0 {
				idle = o.MinPull
			} else {
				idle = min(idle*2, o.MaxPull)
			}
			d = idle
		default:
			fails = 0
			d, news = o.PushEvery, w.news
			if !res.caughtUp {
				d = 0
			}
		}
		if !wait(ctx, d, news) {
			return
		}
	}
}

// record keeps the end of a round in the store and the metrics. The objects it moved were
// counted as they moved (progress).
func (w *worker) record(ctx context.Context, direction string, res outcome, err error) {
	now := time.Now()
	e := store.PeerEvent{Direction: direction, At: now, CaughtUp: res.caughtUp && err == nil}
	if err != nil {
		e.Err = err.Error()
	}
	w.mu.Lock()
	switch {
	case e.CaughtUp:
		delete(w.behind, direction)
	case w.behind[direction].IsZero():
		w.behind[direction] = now
	}
	w.mu.Unlock()
	if rerr := w.f.Store.Peers().Record(ctx, w.peer.ID, e); rerr != nil && ctx.Err() == nil {
		w.f.Log.Warn("federation: recording a round", "peer", w.peer.Name, "err", rerr)
	}
	w.f.Metrics.round(w.peer.Name, direction, err, now)
}

// progress counts objects as they move, page by page, in the store and the metrics, so that
// status shows a long first sync advancing.
func (w *worker) progress(ctx context.Context, in, out, rejected int64) {
	if in == 0 && out == 0 && rejected == 0 {
		return
	}
	e := store.PeerEvent{At: time.Now(), In: in, Out: out, Rejected: rejected}
	if err := w.f.Store.Peers().Record(ctx, w.peer.ID, e); err != nil && ctx.Err() == nil {
		w.f.Log.Warn("federation: recording progress", "peer", w.peer.Name, "err", err)
	}
	w.f.Metrics.moved(w.peer.Name, in, out, rejected)
}

func (w *worker) lags(now time.Time) []lagSample {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []lagSample
	for _, dir := range []string{store.Pull, store.Push} {
		if dir == store.Pull && len(w.peer.Pull) == 0 || dir == store.Push && w.peer.Push == "" {
			continue
		}
		var lag time.Duration
		if since := w.behind[dir]; !since.IsZero() {
			lag = now.Sub(since)
		}
		out = append(out, lagSample{peer: w.peer.Name, direction: dir, lag: lag})
	}
	return out
}

// leased reports whether this process holds the peer's lease, renewing it when a third of its
// time has passed.
func (w *worker) leased(ctx context.Context) bool {
	o := &w.f.Options
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if now.Before(w.leaseUntil.Add(-2 * o.Lease / 3)) {
		return true
	}
	ok, err := w.f.Store.Peers().Lease(ctx, w.peer.ID, w.f.holder, now, now.Add(o.Lease))
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, store.ErrNotFound) {
			w.f.Log.Warn("federation: taking the lease of a peer", "peer", w.peer.Name, "err", err)
		}
		return false
	}
	if !ok && w.takeOver(ctx, now) {
		ok = true
	}
	if !ok {
		w.leaseUntil = time.Time{}
		return false
	}
	w.leaseUntil = now.Add(o.Lease)
	return true
}

// takeOver takes the lease from a holder that died on this host, without waiting for the lease
// to run out: it asks the store for the lease as of just after the dead holder's time.
func (w *worker) takeOver(ctx context.Context, now time.Time) bool {
	st, err := w.f.Store.Peers().Status(ctx, w.peer.ID)
	if err != nil || !holderDead(st.LeaseHolder) {
		return false
	}
	ok, err := w.f.Store.Peers().Lease(ctx, w.peer.ID, w.f.holder, st.LeaseUntil.Add(time.Microsecond), now.Add(w.f.Options.Lease))
	if err == nil && ok {
		w.f.Log.Info("federation: took over the peer from a process that is gone", "peer", w.peer.Name, "holder", st.LeaseHolder)
	}
	return err == nil && ok
}

// release hands the lease back so that another process may take the peer over at once.
func (w *worker) release() {
	w.mu.Lock()
	held := !w.leaseUntil.IsZero()
	w.mu.Unlock()
	if !held {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	now := time.Now()
	w.f.Store.Peers().Lease(ctx, w.peer.ID, w.f.holder, now, now)
}
