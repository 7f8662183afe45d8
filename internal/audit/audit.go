// Package audit keeps the node's tamper-evident audit log: every read of AMBER, AMBER+STRICT
// or RED content and every change to the sharing policy, each entry chained to the one before
// by a SHA-256 hash. Editing or deleting an entry breaks the chain, which Verify detects;
// cutting entries off the end is detected against the head the store records with each append.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/entente/entente/internal/store"
)

// Log appends to and checks the audit log of a store.
type Log struct {
	Store store.Store
	Now   func() time.Time
}

// Record appends an entry, filling its time when zero; the store records the new head in the
// same transaction.
func (l *Log) Record(ctx context.Context, e store.AuditEntry) error {
	if e.Time.IsZero() {
		if l.Now != nil {
			e.Time = l.Now()
		} else {
			e.Time = time.Now()
		}
	}
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	if _, err := l.Store.Audit().Append(ctx, e, Seal); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// Seal computes e.Hash over e.PrevHash and every field, each length-prefixed so that no two
// different entries hash the same input.
func Seal(e *store.AuditEntry) {
	h := sha256.New()
	var n [8]byte
	field := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field(e.PrevHash)
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	h.Write(n[:])
	field([]byte(e.Time.UTC().Format(time.RFC3339Nano)))
	for _, s := range []string{e.Actor, e.Action, e.Path, e.Object, e.Decision, e.Detail} {
		field([]byte(s))
	}
	e.Hash = h.Sum(nil)
}

// VerifyError names the first entry at which the chain is broken.
type VerifyError struct {
	Seq    int64
	Reason string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("audit log broken at entry %d: %s", e.Seq, e.Reason)
}

// Verify walks the whole log and checks the chain: consecutive sequence numbers from 1, each
// entry's PrevHash equal to the previous entry's Hash, each Hash equal to the recomputed one,
// and nothing cut off after the recorded head. It returns the number of entries and the last
// hash.
func (l *Log) Verify(ctx context.Context) (int64, []byte, error) {
	var prev []byte
	var seq int64
	err := l.Store.Audit().Scan(ctx, 0, func(e store.AuditEntry) error {
		if e.Seq != seq+1 {
			return &VerifyError{Seq: seq + 1, Reason: fmt.Sprintf("entry %d is missing (the next is %d)", seq+1, e.Seq)}
		}
		if !bytes.Equal(e.PrevHash, prev) {
			return &VerifyError{Seq: e.Seq, Reason: "its link to the previous entry does not match (an entry before it was changed or removed)"}
		}
		want := e
		Seal(&want)
		if !bytes.Equal(want.Hash, e.Hash) {
			return &VerifyError{Seq: e.Seq, Reason: "its content does not match its hash (it was edited)"}
		}
		prev, seq = e.Hash, e.Seq
		return nil
	})
	if err != nil {
		return seq, prev, err
	}
	head, err := l.Store.Settings().Get(ctx, store.AuditHead)
	if err == nil {
		if n, _ := strconv.ParseInt(head, 10, 64); n > seq {
			return seq, prev, &VerifyError{Seq: seq + 1, Reason: fmt.Sprintf("the log ends at %d but entry %d was recorded: entries were removed from the end", seq, n)}
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return seq, prev, err
	}
	return seq, prev, nil
}

// exported is an entry as written by Export, one JSON object per line.
type exported struct {
	Seq      int64     `json:"seq"`
	Time     time.Time `json:"time"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Path     string    `json:"path,omitempty"`
	Object   string    `json:"object,omitempty"`
	Decision string    `json:"decision,omitempty"`
	Detail   string    `json:"detail,omitempty"`
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// Export writes entries after the given seq as JSON lines.
func (l *Log) Export(ctx context.Context, w io.Writer, after int64) error {
	enc := json.NewEncoder(w)
	return l.Store.Audit().Scan(ctx, after, func(e store.AuditEntry) error {
		return enc.Encode(exported{e.Seq, e.Time, e.Actor, e.Action, e.Path, e.Object, e.Decision, e.Detail, hex.EncodeToString(e.PrevHash), hex.EncodeToString(e.Hash)})
	})
}

// IDs joins object ids for an entry's Object field.
func IDs(ids []string) string { return strings.Join(ids, ",") }
