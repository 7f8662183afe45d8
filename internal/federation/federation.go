package federation

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/entente/entente/internal/audit"
	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/store"
	"github.com/entente/entente/internal/taxii"
)

// Options tune the workers; zero values take the defaults.
type Options struct {
	PageSize   int           // objects per pull page and per push POST; default 1000
	MinPull    time.Duration // pull interval while there is news; default 1 s
	MaxPull    time.Duration // pull interval when idle; default 30 s
	PushEvery  time.Duration // push round without news (agreements that come into force, embargoes); default 30 s
	Poll       time.Duration // how often the store is asked whether anything was added; default 250 ms
	MinBackoff time.Duration // first wait after a failed round; default 1 s
	MaxBackoff time.Duration // longest wait between failed rounds; default 5 min
	Reload     time.Duration // how often the peer list is read again; default 10 s
	Lease      time.Duration // how long a process holds a peer's workers without renewing; default 30 s
	Timeout    time.Duration // limit of one HTTP request; default 60 s
	// Transport carries the HTTP requests; default a clone of http.DefaultTransport.
	Transport http.RoundTripper
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.PageSize <= 0 {
		o.PageSize = 1000
	}
	def(&o.MinPull, time.Second)
	def(&o.MaxPull, 30*time.Second)
	def(&o.PushEvery, 30*time.Second)
	def(&o.Poll, 250*time.Millisecond)
	def(&o.MinBackoff, time.Second)
	def(&o.MaxBackoff, 5*time.Minute)
	def(&o.Reload, 10*time.Second)
	def(&o.Lease, 30*time.Second)
	def(&o.Timeout, 60*time.Second)
	if o.Transport == nil {
		o.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
}

// Federation runs a worker for every stored peer: its pull and push loops.
type Federation struct {
	Store    store.Store
	Gate     *policy.Gate     // decides what each peer's organisation may receive
	Ingester *ingest.Ingester // the only way in; set its Origin to an Origins' Map
	Signer   *taxii.Signer    // signs pushes; nil to send them unsigned
	Audit    *audit.Log       // records pushes of AMBER and above; may be nil
	Metrics  *Metrics         // may be nil
	Log      *slog.Logger
	Options  Options

	holder  string
	mu      sync.Mutex
	workers map[string]*worker
	wg      sync.WaitGroup
}

// Run runs the workers until ctx ends, then stops them, hands their leases back and returns.
func (f *Federation) Run(ctx context.Context) error {
	f.Options.defaults()
	if f.Log == nil {
		f.Log = slog.New(slog.DiscardHandler)
	}
	f.holder = newHolder()
	f.workers = map[string]*worker{}
	if f.Metrics != nil {
		f.Metrics.lag.set(f.lags)
	}
	defer f.stopAll()
	reload := time.NewTicker(f.Options.Reload)
	defer reload.Stop()
	poll := time.NewTicker(f.Options.Poll)
	defer poll.Stop()
	var mark int64
	f.reload(ctx)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-reload.C:
			f.reload(ctx)
		case <-poll.C:
			m, err := f.Store.Peers().Watermark(ctx)
			if err != nil {
				if ctx.Err() == nil {
					f.Log.Warn("federation: reading the watermark", "err", err)
				}
				continue
			}
			if m != mark {
				mark = m
				f.notify()
			}
		}
	}
}

// reload starts workers for new peers and stops those of removed ones.
func (f *Federation) reload(ctx context.Context) {
	peers, err := f.Store.Peers().List(ctx)
	if err != nil {
		if ctx.Err() == nil {
			f.Log.Warn("federation: listing peers", "err", err)
		}
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[string]bool{}
	for _, p := range peers {
		seen[p.ID] = true
		if _, ok := f.workers[p.ID]; ok {
			continue
		}
		w := newWorker(f, p)
		f.workers[p.ID] = w
		wctx, cancel := context.WithCancel(ctx)
		w.cancel = cancel
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			w.run(wctx)
		}()
		f.Log.Info("federation: started the worker of a peer", "peer", p.Name, "url", p.URL)
	}
	for id, w := range f.workers {
		if !seen[id] {
			w.cancel()
			delete(f.workers, id)
			f.Metrics.forget(w.peer.Name)
			f.Log.Info("federation: stopped the worker of a removed peer", "peer", w.peer.Name)
		}
	}
}

func (f *Federation) notify() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, w := range f.workers {
		select {
		case w.news <- struct{}{}:
		default:
		}
	}
}

func (f *Federation) stopAll() {
	f.mu.Lock()
	for _, w := range f.workers {
		w.cancel()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

func (f *Federation) lags() []lagSample {
	f.mu.Lock()
	ws := make([]*worker, 0, len(f.workers))
	for _, w := range f.workers {
		ws = append(ws, w)
	}
	f.mu.Unlock()
	now := time.Now()
	var out []lagSample
	for _, w := range ws {
		out = append(out, w.lags(now)...)
	}
	return out
}

// backoff returns the wait after the n-th failure in a row (n ≥ 1): doubling from lo up to hi,
// with jitter (a uniformly random point in the upper half) so that nodes that failed together do
// not retry together.
func backoff(n int, lo, hi time.Duration, rnd func() float64) time.Duration {
	d := lo
	for i := 1; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	return d/2 + time.Duration(rnd()*float64(d/2))
}

// wait sleeps d, or until news arrives (when news is not nil), and reports false when ctx ended.
func wait(ctx context.Context, d time.Duration, news <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-news:
	}
	return true
}

// errNoLease is the outcome of a round another process runs.
var errNoLease = errors.New("another process holds the peer's lease")
