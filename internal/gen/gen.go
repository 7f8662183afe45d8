package gen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/entente/entente/internal/stix"
)

// Options says what to generate. The same Options always give the same bytes.
type Options struct {
	// Objects is the exact number of objects in the bundle; 0 writes a bundle without objects.
	Objects int
	// Seed selects the corpus; different seeds give different corpora.
	Seed int64
	// Now is the reference time: objects are dated over the two years before it (longer when there
	// are more objects than milliseconds in two years). The zero value means DefaultNow, so that
	// output never depends on the clock unless the caller asks for it.
	Now time.Time
	// OwnIdentity, when set, is the identity id of the organisation running the node. The first
	// organisation of the corpus then takes this id, so that part of the corpus appears authored
	// by the node's own organisation; its identity object is not written, since the node already
	// has it.
	OwnIdentity string
}

// DefaultNow is the reference time used when Options.Now is zero.
var DefaultNow = time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)

// Write writes one STIX 2.1 bundle of opts.Objects objects to w, one object per line, streaming
// in constant memory. It returns an error when opts is invalid, when writing fails, or when ctx
// is done (the output is then cut short and is not valid JSON).
func Write(ctx context.Context, w io.Writer, opts Options) error {
	g, err := newGenerator(opts)
	if err != nil {
		return err
	}
	g.bw = bufio.NewWriterSize(w, 64<<10)
	if err := g.run(ctx); err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	if err := g.bw.Flush(); err != nil {
		return fmt.Errorf("gen: writing the bundle: %w", err)
	}
	return nil
}

const (
	twoYearsMS = 730 * 24 * 3600 * 1000
	dayMS      = 24 * 3600 * 1000
	// maxNowMS keeps every generated timestamp (valid_until lies up to two years after its
	// object) within four-digit years.
	maxNowMS = 253_370_764_800_000 - 3*twoYearsMS // 9999-01-01 minus six years
)

// generator holds the state of one Write. Almost nothing in it depends on what was written
// before: see the package comment.
type generator struct {
	opts Options
	bw   *bufio.Writer

	b       []byte // the object being built
	scratch []byte // pattern text, names, UUIDv5 input
	tmp     []byte // the value an indicator is named after
	name    []byte
	name2   []byte // UUIDv5 input
	text    []byte // descriptions of new versions

	// r draws the content of the slot being generated; it is reseeded for every slot, so slot i's
	// content does not depend on the slots before it. vr draws what a version changes.
	rp, vp *rand.PCG
	r, vr  *rand.Rand

	kindKey, idKey, idKey2, timeKey, seedKey1, seedKey2, verKey uint64

	start, step int64 // slot i lies in [start+i*step, start+(i+1)*step), in ms

	written int
	// revoked holds the slots that have been revoked, so that no later version follows a
	// revocation. It is the only memory that grows with the output, by ~0.5 % of the slots.
	revoked map[int64]struct{}
	// Running counters that keep observable values unique. Observed-data slots are the only ones
	// that use state, which is fine because they are never versioned.
	ipSeq, domainSeq uint64

	pick [maxReportRefs]int64 // refs chosen for the current report or note
	scos [4][]byte            // ids of the observables of the current observed-data
}

func newGenerator(opts Options) (*generator, error) {
	if opts.Objects < 0 {
		return nil, fmt.Errorf("gen: the number of objects must not be negative, got %d", opts.Objects)
	}
	if opts.OwnIdentity != "" {
		typ, _, err := stix.ParseID(opts.OwnIdentity)
		if err != nil {
			return nil, fmt.Errorf("gen: own identity: %w", err)
		}
		if typ != "identity" {
			return nil, fmt.Errorf("gen: own identity %q must be an identity id, not a %s", opts.OwnIdentity, typ)
		}
	}
	if opts.Now.IsZero() {
		opts.Now = DefaultNow
	}
	now := opts.Now.UnixMilli()
	span := max(int64(twoYearsMS), int64(opts.Objects))
	if now-span < 0 || now > maxNowMS {
		return nil, errors.New("gen: the reference time must lie between 1972 and 9992")
	}
	g := &generator{
		opts:    opts,
		b:       make([]byte, 0, 4096),
		scratch: make([]byte, 0, 512),
		tmp:     make([]byte, 0, 128),
		name:    make([]byte, 0, 128),
		name2:   make([]byte, 0, 256),
		text:    make([]byte, 0, 256),
		revoked: make(map[int64]struct{}),
		start:   now - span,
		step:    span / int64(max(opts.Objects, 1)),
	}
	s := uint64(opts.Seed)
	keys := []*uint64{&g.kindKey, &g.idKey, &g.idKey2, &g.timeKey, &g.seedKey1, &g.seedKey2, &g.verKey}
	for n, k := range keys {
		*k = mix64(s + uint64(n+1)*0x9e3779b97f4a7c15)
	}
	g.rp, g.vp = rand.NewPCG(0, 0), rand.NewPCG(0, 0)
	g.r, g.vr = rand.New(g.rp), rand.New(g.vp)
	for i := range g.scos {
		g.scos[i] = make([]byte, 0, 64)
	}
	return g, nil
}

// run writes the bundle: envelope, then slots until the bundle holds the wanted number of objects.
func (g *generator) run(ctx context.Context) error {
	g.b = append(g.b[:0], `{"type":"bundle","id":"bundle--`...)
	g.b = appendUUID4(g.b, mix64(g.idKey^0xb0d1e), mix64(g.idKey2^0xb0d1e))
	g.b = append(g.b, '"')
	if g.opts.Objects > 0 {
		g.b = append(g.b, `,"objects":[`...)
	}
	if _, err := g.bw.Write(g.b); err != nil {
		return fmt.Errorf("writing the bundle: %w", err)
	}
	for slot := int64(0); g.written < g.opts.Objects; slot++ {
		if slot&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := g.slot(slot); err != nil {
			return err
		}
	}
	end := "}\n"
	if g.opts.Objects > 0 {
		end = "\n]}\n"
	}
	if _, err := g.bw.WriteString(end); err != nil {
		return fmt.Errorf("writing the bundle: %w", err)
	}
	return nil
}

// emit writes the object in g.b, unless the bundle is already full.
func (g *generator) emit() error {
	if g.written >= g.opts.Objects {
		return nil
	}
	sep := ",\n"
	if g.written == 0 {
		sep = "\n"
	}
	g.written++
	if _, err := g.bw.WriteString(sep); err != nil {
		return fmt.Errorf("writing object %d: %w", g.written, err)
	}
	if _, err := g.bw.Write(g.b); err != nil {
		return fmt.Errorf("writing object %d: %w", g.written, err)
	}
	return nil
}

// seed points g.r at the content of slot i.
func (g *generator) seed(i int64) {
	g.rp.Seed(mix64(g.seedKey1+uint64(i)), mix64(g.seedKey2^uint64(i)))
}

// slot generates the object(s) of slot i.
func (g *generator) slot(i int64) error {
	k := g.kind(i)
	if k == kVersion {
		return g.version(i)
	}
	g.seed(i)
	if k == kObserved {
		return g.observed(i)
	}
	if k == kIdentity && i == ownSlot && g.opts.OwnIdentity != "" {
		return nil // the node already has its own identity
	}
	g.object(k, i, nil)
	return g.emit()
}

// version writes a later version of an earlier object, sometimes revoking it.
func (g *generator) version(i int64) error {
	g.vp.Seed(mix64(g.verKey+uint64(i)), mix64(g.verKey^uint64(i)))
	j, ok := g.versionable(i)
	if !ok {
		return nil // nothing left to version (not seen in practice): the slot stays empty
	}
	v := &version{modified: g.created(i)}
	if g.vr.IntN(100) < 12 {
		v.revoked = true
		g.revoked[j] = struct{}{}
	}
	g.seed(j)
	g.object(g.kind(j), j, v)
	return g.emit()
}

// versionable picks an earlier, unrevoked slot whose object may get a new version.
func (g *generator) versionable(i int64) (int64, bool) {
	lo := int64(coreStart)
	if i <= lo {
		return 0, false
	}
	j := lo + g.vr.Int64N(i-lo)
	for n := int64(0); n < i-lo; n++ {
		if canVersion[g.kind(j)] {
			if _, gone := g.revoked[j]; !gone {
				return j, true
			}
		}
		if j--; j < lo {
			j = i - 1
		}
	}
	return 0, false
}

// version describes the new version being written of an earlier object.
type version struct {
	modified int64
	revoked  bool
}

// timeOf converts ms since the epoch to a UTC time.
func timeOf(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// created returns the creation time of slot i in ms. Times grow with the slot, so anything a slot
// refers to, and any object it versions, is older than it.
func (g *generator) created(i int64) int64 {
	if i < int64(len(tlpSlots)) {
		return tlpCreated
	}
	jitter := int64(0)
	if g.step > 1 {
		jitter = int64(mix64(g.timeKey^uint64(i)) % uint64(g.step))
	}
	return g.start + i*g.step + jitter
}
