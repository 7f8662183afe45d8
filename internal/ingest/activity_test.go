package ingest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

func TestActivity(t *testing.T) {
	var none *Activity
	none.Begin()
	none.End()
	if none.Busy(time.Hour) {
		t.Error("a nil Activity is busy")
	}
	var a Activity
	if a.Busy(time.Hour) {
		t.Error("an Activity that saw nothing is busy")
	}
	a.Begin()
	if !a.Busy(0) {
		t.Error("not busy while a store runs")
	}
	a.End()
	if a.Busy(0) {
		t.Error("busy with no store running and no quiet time asked for")
	}
	if !a.Busy(time.Hour) {
		t.Error("not busy within the quiet time after a store")
	}
}

// busyProbe is an object store that notes whether the Activity was busy while it stored.
type busyProbe struct {
	store.ObjectStore
	a     *Activity
	calls int
	busy  bool
}

func (p *busyProbe) Add(ctx context.Context, collection string, objs []store.NewObject) ([]store.Outcome, error) {
	p.calls++
	p.busy = p.a.Busy(0)
	return p.ObjectStore.Add(ctx, collection, objs)
}

// TestStreamTracksActivity checks that Stream marks its stores: the Activity is busy during
// the store, and quiet after it.
func TestStreamTracksActivity(t *testing.T) {
	st, coll := openStore(t)
	var a Activity
	probe := &busyProbe{ObjectStore: st.Objects(), a: &a}
	in := &Ingester{Objects: probe, Activity: &a}
	sum, err := in.Stream(context.Background(), coll, strings.NewReader(`{"type":"bundle","objects":[`+note(1, stix.TLP2Green)+`]}`), store.Provenance{}, nil)
	if err != nil || sum.Accepted != 1 {
		t.Fatalf("Stream: %+v, %v; want 1 accepted", sum, err)
	}
	if probe.calls != 1 || !probe.busy {
		t.Errorf("store calls %d, busy during the store %v; want 1, true", probe.calls, probe.busy)
	}
	if a.Busy(0) {
		t.Error("busy after the stream ended")
	}
}
