// Package ingest is the only way objects enter a node: from the CLI, TAXII POST, the UI,
// federation and the MISP and CSAF importers alike. It validates each object with the STIX model,
// computes its effective TLP, records provenance, and stores objects in batches, one transaction
// per batch, so that an interrupted ingest leaves only whole objects behind and can be repeated
// (what was stored comes back as duplicates).
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// Outcome of one object: accepted, duplicate, or rejected with a reason.
type Outcome uint8

// Outcomes.
const (
	Accepted Outcome = iota + 1
	Duplicate
	Rejected
)

func (o Outcome) String() string {
	switch o {
	case Accepted:
		return "accepted"
	case Duplicate:
		return "duplicate"
	case Rejected:
		return "rejected"
	}
	return "unknown"
}

// Result is the outcome of one object, in input order.
type Result struct {
	Index   int    // 1-based position in the input
	ID      string // the object's id when it could be read
	Version string // the object's version as written, when it has one
	Outcome Outcome
	Err     error // the reason for a rejection
}

// Reason returns why the object was rejected, on one line (several problems joined by "; "),
// or "" when it was not.
func (r Result) Reason() string {
	if r.Err == nil {
		return ""
	}
	return strings.ReplaceAll(r.Err.Error(), "\n", "; ")
}

// Summary counts the outcomes of an ingest.
type Summary struct {
	Accepted, Duplicates, Rejected int
}

// Total returns the number of objects seen.
func (s Summary) Total() int { return s.Accepted + s.Duplicates + s.Rejected }

func (s *Summary) count(r Result) {
	switch r.Outcome {
	case Accepted:
		s.Accepted++
	case Duplicate:
		s.Duplicates++
	default:
		s.Rejected++
	}
}

// Ingester validates and stores objects.
type Ingester struct {
	Objects   store.ObjectStore
	Policy    policy.Config // computes each object's effective TLP and policy facts
	Logger    *slog.Logger
	BatchSize int              // objects per transaction; default 5000 (and at most 32 MiB of JSON)
	Now       func() time.Time // clock; default time.Now
	// Origin, when not nil, may refine the provenance of each valid object (federation: an
	// object whose created_by_ref names a known partner is that partner's).
	Origin func(o *stix.Object, p store.Provenance) store.Provenance
	// Activity, when not nil, is told of every batch stored (shared by a node's Ingesters).
	Activity *Activity
	// Guard, when not nil, is asked before every batch is stored; an error (wrapped in
	// ErrRefused) stops the store: the node refuses to store what it would classify wrongly.
	Guard func() error
}

// ErrRefused wraps the Guard's reason for storing nothing.
var ErrRefused = errors.New("the node refuses to store objects")

func (in *Ingester) batchSize() int {
	if in.BatchSize > 0 {
		return in.BatchSize
	}
	// Large batches write each index page to the WAL fewer times: at 5000 objects per
	// transaction an import writes about half the pages it writes at 1000.
	return 5000
}

func (in *Ingester) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}

// maxBatchBytes bounds the JSON held in one batch, so that memory stays bounded whatever the
// objects' sizes.
const maxBatchBytes = 32 << 20

// item is one object on its way through the pipeline.
type item struct {
	res Result
	obj store.NewObject // Object is nil for a rejected object
}

// Stream reads objects from r (a bundle, envelope, array or JSON lines; see stix.Reader), and
// stores them in collection. report, when not nil, is called for every object in input order.
// The returned error is a stream or store error; rejected objects are not errors, they are counted
// in the summary. Objects read before a stream error are stored.
func (in *Ingester) Stream(ctx context.Context, collection string, r io.Reader, origin store.Provenance, report func(Result)) (Summary, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if origin.ReceivedAt.IsZero() {
		origin.ReceivedAt = in.now()
	}
	batches := make(chan []item, 1) // one batch decoded ahead of the one being stored
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- in.read(ctx, stix.NewReader(r), origin, batches)
	}()
	var sum Summary
	var storeErr error
	for batch := range batches {
		if storeErr != nil {
			continue // drain so the reader can finish
		}
		if err := in.store(ctx, collection, batch); err != nil {
			storeErr = err
			cancel()
			continue
		}
		for _, it := range batch {
			sum.count(it.res)
			if report != nil {
				report(it.res)
			}
		}
	}
	err := <-readErr
	if storeErr != nil {
		return sum, storeErr
	}
	return sum, err
}

// read splits, decodes and validates objects and computes their policy columns, on its own
// goroutine, so that this work overlaps with the store's writing of the previous batch.
func (in *Ingester) read(ctx context.Context, rd *stix.Reader, origin store.Provenance, out chan<- []item) error {
	n := in.batchSize()
	batch := make([]item, 0, min(n, 1024))
	var batchBytes int
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		select {
		case out <- batch:
		case <-ctx.Done():
			return ctx.Err()
		}
		batch, batchBytes = make([]item, 0, min(n, 1024)), 0
		return nil
	}
	for {
		raw, err := rd.Next()
		if err == io.EOF {
			return flush()
		}
		var oe *stix.ObjectError
		switch {
		case errors.As(err, &oe):
			batch = append(batch, item{res: Result{Index: oe.Index, Outcome: Rejected, Err: oe.Err}})
		case err != nil:
			if ferr := flush(); ferr != nil {
				return ferr
			}
			return err
		default:
			batch = append(batch, in.decode(rd.Count(), raw, origin))
			batchBytes += len(raw)
		}
		if len(batch) >= n || batchBytes >= maxBatchBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}

// decode validates one raw object and computes its policy columns. raw is copied (by stix.Decode's
// compaction) so the reader may reuse its buffer.
func (in *Ingester) decode(index int, raw []byte, origin store.Provenance) item {
	o, err := stix.Decode(raw)
	if err != nil {
		return item{res: Result{Index: index, ID: peekID(raw), Outcome: Rejected, Err: err}}
	}
	it := item{res: Result{Index: index, ID: o.ID, Version: o.VersionText()}, obj: store.NewObject{Object: o, Origin: origin}}
	if in.Origin != nil {
		it.obj.Origin = in.Origin(o, origin)
	}
	in.Policy.Fill(&it.obj)
	o.Props = nil // the store needs only the parsed common properties and Raw; free the rest early
	return it
}

// store adds the valid objects of a batch and fills in their outcomes.
func (in *Ingester) store(ctx context.Context, collection string, batch []item) error {
	objs := make([]store.NewObject, 0, len(batch))
	for _, it := range batch {
		if it.obj.Object != nil {
			objs = append(objs, it.obj)
		}
	}
	if len(objs) == 0 {
		return nil
	}
	outs, err := in.add(ctx, collection, objs)
	if err != nil {
		return fmt.Errorf("storing objects %d to %d: %w", batch[0].res.Index, batch[len(batch)-1].res.Index, err)
	}
	j := 0
	for i := range batch {
		if batch[i].obj.Object == nil {
			continue
		}
		if outs[j] == store.Duplicate {
			batch[i].res.Outcome = Duplicate
		} else {
			batch[i].res.Outcome = Accepted
		}
		batch[i].obj = store.NewObject{}
		j++
	}
	return nil
}

// add stores objects, marked in the Activity from start to end (whatever the end).
func (in *Ingester) add(ctx context.Context, collection string, objs []store.NewObject) ([]store.Outcome, error) {
	if in.Guard != nil {
		if err := in.Guard(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrRefused, err)
		}
	}
	in.Activity.Begin()
	defer in.Activity.End()
	return in.Objects.Add(ctx, collection, objs)
}

// Add validates and stores objects already split from their envelope (TAXII POST). It returns
// one result per object, in order.
func (in *Ingester) Add(ctx context.Context, collection string, raws [][]byte, origin store.Provenance) ([]Result, error) {
	if origin.ReceivedAt.IsZero() {
		origin.ReceivedAt = in.now()
	}
	batch := make([]item, len(raws))
	for i, raw := range raws {
		batch[i] = in.decode(i+1, raw, origin)
	}
	if err := in.store(ctx, collection, batch); err != nil {
		return nil, err
	}
	res := make([]Result, len(batch))
	for i := range batch {
		res[i] = batch[i].res
	}
	return res, nil
}
