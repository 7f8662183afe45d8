package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/store"
)

func cmdImport(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "import", "FILE… (- for standard input)")
	coll := f.String("collection", "", "collection id or alias (default: the default collection)")
	all := f.Bool("all", false, "print every object's outcome, not only rejections")
	asJSON := f.Bool("json", false, "print outcomes as JSON lines")
	batch := f.Int("batch", 0, "objects per transaction (default 5000; each batch is stored whole or not at all)")
	return withPolicyNode(ctx, e, f, args, func(n *node) error {
		if len(f.positional) == 0 {
			return usageError("import: name at least one FILE, or - for standard input")
		}
		c, err := n.collection(ctx, *coll)
		if err != nil {
			return err
		}
		var total ingest.Summary
		var seen atomic.Int64
		start := time.Now()
		stopProgress := progress(e.stderr, start, &seen, &total)
		defer stopProgress()
		for _, name := range f.positional {
			in, closeIn, err := openInput(e, name)
			if err != nil {
				return err
			}
			ing := n.ingester()
			ing.BatchSize = *batch
			sum, err := ing.Stream(ctx, c.ID, in, store.Provenance{OrgID: n.self.ID, Via: "import"}, func(r ingest.Result) {
				seen.Add(1)
				if r.Outcome == ingest.Rejected || *all {
					printOutcome(e.stdout, name, r, *asJSON)
				}
			})
			closeIn()
			total.Accepted += sum.Accepted
			total.Duplicates += sum.Duplicates
			total.Rejected += sum.Rejected
			if err != nil {
				stopProgress()
				return fmt.Errorf("%s: %w (objects before this point were stored)", name, err)
			}
		}
		stopProgress()
		el := time.Since(start)
		fmt.Fprintf(e.stdout, "%d objects: %d accepted, %d duplicate, %d rejected in %s (%.0f objects/s)\n",
			total.Total(), total.Accepted, total.Duplicates, total.Rejected, el.Round(time.Millisecond), float64(total.Total())/el.Seconds())
		if total.Rejected > 0 {
			return &exitError{code: 1}
		}
		return nil
	})
}

func openInput(e *env, name string) (io.Reader, func(), error) {
	if name == "-" {
		return e.stdin, func() {}, nil
	}
	fh, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return fh, func() { fh.Close() }, nil
}

func printOutcome(w io.Writer, file string, r ingest.Result, asJSON bool) {
	if asJSON {
		v := struct {
			File    string `json:"file"`
			Index   int    `json:"index"`
			ID      string `json:"id,omitempty"`
			Version string `json:"version,omitempty"`
			Outcome string `json:"outcome"`
			Reason  string `json:"reason,omitempty"`
		}{file, r.Index, r.ID, r.Version, r.Outcome.String(), r.Reason()}
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	id := r.ID
	if id == "" {
		id = "(no id)"
	}
	if r.Err != nil {
		fmt.Fprintf(w, "%s: object %d %s: %s: %s\n", file, r.Index, id, r.Outcome, r.Reason())
		return
	}
	fmt.Fprintf(w, "%s: object %d %s: %s\n", file, r.Index, id, r.Outcome)
}

// progress shows a progress line on a terminal and returns a function that stops it.
func progress(w io.Writer, start time.Time, seen *atomic.Int64, _ *ingest.Summary) func() {
	fh, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(fh.Fd())) {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
				n := seen.Load()
				fmt.Fprintf(w, "\r\033[K%d objects, %.0f objects/s", n, float64(n)/time.Since(start).Seconds())
			}
		}
	}()
	var stopped bool
	return func() {
		if !stopped {
			stopped = true
			close(done)
			<-finished
		}
	}
}
