package federation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/entente/entente/internal/audit"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
	"github.com/entente/entente/internal/taxii"
)

// scopeState fingerprints what a push position depends on besides the data: the peer's sharing
// scope, without the embargo bound (which moves with the clock, and whose effect the position
// already respects: it never passes a record the embargo still holds back).
func scopeState(s policy.Scope) string {
	s.AddedBy = time.Time{}
	b, _ := json.Marshal(s) // a Scope always encodes
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// push delivers what the peer's organisation may receive from the local collection, in
// date_added order from the push cursor, one POST per batch, moving the cursor after each
// accepted POST. The policy is asked at sending time: the query is restricted to the peer's
// scope and each record is delivered in the form the decision names. When the scope changed
// since the cursor was moved (an agreement was set, removed, came into or out of force), the
// cursor starts again from the beginning: the peer then receives what it may receive now, and
// what it already had comes back to it as duplicates.
func (w *worker) push(ctx context.Context) (outcome, error) {
	var res outcome
	org, err := w.f.Store.Orgs().Get(ctx, w.peer.OrgID)
	if err != nil {
		return res, fmt.Errorf("organisation of the peer: %w", err)
	}
	recipient := policy.Recipient{Kind: policy.KindPartner, OrgID: org.ID, IdentityID: org.IdentityID}
	ps := w.f.Store.Peers()
	cur, err := ps.Cursor(ctx, w.peer.ID, store.Push, w.peer.Collection)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return res, err
	}
	cur.PeerID, cur.Direction, cur.Collection = w.peer.ID, store.Push, w.peer.Collection
	for {
		if !w.leased(ctx) {
			return res, errNoLease
		}
		// The decision is taken again for every batch, so that nothing leaves that the policy
		// does not allow at the moment of sending.
		view, err := w.f.Gate.View(ctx, recipient)
		if err != nil {
			return res, err
		}
		if state := scopeState(view.Scope); cur.State != state {
			if cur.State != "" {
				w.f.Log.Info("federation: the peer's sharing scope changed; pushing again from the start", "peer", w.peer.Name)
			}
			cur.Position, cur.State = 0, state
		}
		f := store.Filter{Collection: w.peer.Collection, AddedAfter: cur.Position, Limit: w.batchSize(), Lean: true}
		view.Restrict(&f)
		pg, err := w.f.Store.Objects().Query(ctx, f)
		if err != nil {
			return res, fmt.Errorf("reading the outbox: %w", err)
		}
		if len(pg.Records) == 0 {
			res.caughtUp = true
			if err := w.saveCursor(ctx, cur); err != nil {
				return res, err
			}
			return res, w.pushShared(ctx, view, org, cur.Position, &res)
		}
		err = w.send(ctx, view, pg.Records, &res)
		if se := (*taxii.ServerError)(nil); errors.As(err, &se) && se.StatusCode == http.StatusRequestEntityTooLarge && w.shrink() {
			continue // the same records again, in a smaller batch
		}
		if err != nil {
			return res, err
		}
		cur.Position = pg.Records[len(pg.Records)-1].DateAdded
		if err := w.saveCursor(ctx, cur); err != nil {
			return res, err
		}
		if !pg.More {
			res.caughtUp = true
			return res, w.pushShared(ctx, view, org, cur.Position, &res)
		}
	}
}

// send delivers recs to the peer in the forms the policy's decisions name, in one POST, and
// counts what the peer stored and refused. Records the policy withholds are skipped; AMBER and
// above are written to the audit log before they leave.
func (w *worker) send(ctx context.Context, view *policy.View, recs []store.Record, res *outcome) error {
	if err := view.Prepare(ctx, recs); err != nil {
		return err
	}
	objs := make([]json.RawMessage, 0, len(recs))
	var sensitive []string
	for i := range recs {
		rec := &recs[i]
		out, d, err := view.Deliver(ctx, rec)
		if err != nil {
			return err
		}
		if !d.Allow {
			continue
		}
		objs = append(objs, out)
		if rec.TLP >= stix.TLPAmber {
			sensitive = append(sensitive, rec.ID)
		}
	}
	if len(objs) == 0 {
		return nil
	}
	if err := w.audit(ctx, sensitive); err != nil {
		return err
	}
	st, err := w.pushClient.Push(ctx, w.peer.URL, w.peer.Push, objs)
	if err != nil {
		return fmt.Errorf("pushing to collection %s: %w", w.peer.Push, err)
	}
	out, rejected := int64(st.SuccessCount), int64(st.FailureCount)
	for _, fl := range st.Failures {
		w.f.Log.Warn("federation: a peer refused a pushed object", "peer", w.peer.Name, "id", fl.ID, "reason", fl.Message)
	}
	res.out += out
	res.rejected += rejected
	w.progress(ctx, 0, out, rejected)
	return nil
}

// pushShared sends the objects whose share list came to name the peer's organisation (or its
// identity) after the push cursor had passed them: `entente share X --with P` on a stored RED
// object. Its own cursor (direction store.PushShared) holds the number of the last share list
// entry handled (ShareStore.SharedSince). An object the push cursor has not reached yet is left
// to it, which is also where an embargo keeps it (the cursor never passes what an embargo holds
// back). One the policy still withholds when its entry is handled (no agreement in force, say)
// is skipped for good, and goes out with the next scope change or version like any other.
func (w *worker) pushShared(ctx context.Context, view *policy.View, org store.Org, passed int64, res *outcome) error {
	ps := w.f.Store.Peers()
	cur, err := ps.Cursor(ctx, w.peer.ID, store.PushShared, w.peer.Collection)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	cur.PeerID, cur.Direction, cur.Collection = w.peer.ID, store.PushShared, w.peer.Collection
	recipients := []string{org.ID}
	if org.IdentityID != "" {
		recipients = append(recipients, org.IdentityID)
	}
	for {
		entries, err := w.f.Store.Shares().SharedSince(ctx, recipients, cur.Position, w.batchSize())
		if err != nil || len(entries) == 0 {
			return err
		}
		var recs []store.Record
		seen := map[string]bool{}
		for _, e := range entries {
			if seen[e.ObjectID] {
				continue
			}
			seen[e.ObjectID] = true
			rec, err := w.f.Store.Objects().Latest(ctx, e.ObjectID, w.peer.Collection)
			if errors.Is(err, store.ErrNotFound) {
				continue // not in the collection pushed to this peer
			}
			if err != nil {
				return err
			}
			if rec.DateAdded <= passed {
				recs = append(recs, rec)
			}
		}
		if err := w.send(ctx, view, recs, res); err != nil {
			return err
		}
		cur.Position = entries[len(entries)-1].Seq
		if err := w.saveCursor(ctx, cur); err != nil {
			return err
		}
		if len(entries) < w.batchSize() {
			return nil
		}
	}
}

func (w *worker) saveCursor(ctx context.Context, c store.Cursor) error {
	c.UpdatedAt = time.Now()
	if err := w.f.Store.Peers().SetCursor(ctx, c); err != nil {
		return fmt.Errorf("saving the push cursor: %w", err)
	}
	return nil
}

// audit records that AMBER and above left for the peer, as the TAXII read path does.
func (w *worker) audit(ctx context.Context, ids []string) error {
	if len(ids) == 0 || w.f.Audit == nil {
		return nil
	}
	return w.f.Audit.Record(ctx, store.AuditEntry{
		Actor: "federation peer:" + w.peer.ID, Action: "push", Path: "federation",
		Object: audit.IDs(ids), Decision: "allow", Detail: "to " + w.peer.Name + " (" + w.peer.URL + ")",
	})
}

func (w *worker) batchSize() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.batch
}

// shrink halves the push batch after a 413, and reports false when it is already one object.
func (w *worker) shrink() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.batch <= 1 {
		return false
	}
	w.batch /= 2
	return true
}
