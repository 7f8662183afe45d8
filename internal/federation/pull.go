package federation

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/entente/entente/internal/ingest"
	"github.com/entente/entente/internal/store"
	"github.com/entente/entente/internal/taxii"
)

// maxResponse bounds a peer's response that is read to be verified.
const maxResponse = 256 << 20

// verifier is the pull client's transport: it checks the signature of every successful answer
// of a peer that has a pinned key, fails the request when the signature is bad (or missing while
// the peer must sign), and keeps the evidence of the last answer for the objects it carried.
type verifier struct {
	base http.RoundTripper
	peer store.Peer

	mu   sync.Mutex
	last string
}

func (v *verifier) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := v.base.RoundTrip(r)
	if err != nil || v.peer.PublicKey == "" || resp.StatusCode/100 != 2 {
		v.setEvidence("")
		return resp, err
	}
	key, err := taxii.ParsePublicKey(v.peer.PublicKey)
	if err != nil {
		resp.Body.Close()
		return nil, fmt.Errorf("pinned key of peer %s: %w", v.peer.Name, err)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading the answer of %s: %w", r.URL, err)
	}
	ev, err := taxii.VerifyResponse(resp.Header, resp.StatusCode, b, []ed25519.PublicKey{key}, time.Now())
	switch {
	case err == nil:
		v.setEvidence(ev.String())
	case errors.Is(err, taxii.ErrUnsigned) && !v.peer.RequireSignatures:
		v.setEvidence("")
	default:
		return nil, &signatureError{peer: v.peer.Name, err: err}
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

func (v *verifier) setEvidence(s string) {
	v.mu.Lock()
	v.last = s
	v.mu.Unlock()
}

func (v *verifier) evidence() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.last
}

// signatureError is an answer refused for its signature: nothing of it is stored.
type signatureError struct {
	peer string
	err  error
}

func (e *signatureError) Error() string {
	return fmt.Sprintf("refused the answer of peer %s: %v", e.peer, e.err)
}

func (e *signatureError) Unwrap() error { return e.err }

// pull pages every pull collection of the peer from its cursor and stores what arrives through
// the ingester, moving the cursor after each stored page: a restart resumes after the last page
// stored, and a page stored twice comes back as duplicates.
func (w *worker) pull(ctx context.Context) (outcome, error) {
	var res outcome
	ps := w.f.Store.Peers()
	for _, coll := range w.peer.Pull {
		cur, err := ps.Cursor(ctx, w.peer.ID, store.Pull, coll)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return res, err
		}
		cur.PeerID, cur.Direction, cur.Collection = w.peer.ID, store.Pull, coll
		opts := taxii.PullOptions{Limit: w.f.Options.PageSize}
		if cur.Position > 0 {
			opts.AddedAfter = time.UnixMicro(cur.Position)
		}
		err = w.pullClient.Pull(ctx, w.peer.URL, coll, opts, func(pg taxii.Page) error {
			if !w.leased(ctx) {
				return errNoLease // another process runs the peer now; nothing of this page is stored
			}
			if len(pg.Objects) > 0 {
				raws := make([][]byte, len(pg.Objects))
				for i, o := range pg.Objects {
					raws[i] = o
				}
				origin := store.Provenance{OrgID: w.peer.OrgID, Via: "federation", Peer: w.peer.ID, Signature: w.verifier.evidence()}
				results, err := w.f.Ingester.Add(ctx, w.peer.Collection, raws, origin)
				if err != nil {
					return fmt.Errorf("storing a page: %w", err)
				}
				var in, rejected int64
				for _, r := range results {
					switch r.Outcome {
					case ingest.Accepted:
						in++
					case ingest.Rejected:
						rejected++
						w.f.Log.Warn("federation: refused an object of a peer", "peer", w.peer.Name, "collection", coll, "id", r.ID, "err", r.Err)
					}
				}
				res.in += in
				res.rejected += rejected
				w.progress(ctx, in, 0, rejected)
			}
			if last := pg.DateAddedLast.UnixMicro(); !pg.DateAddedLast.IsZero() && last > cur.Position {
				cur.Position, cur.UpdatedAt = last, time.Now()
				if err := ps.SetCursor(ctx, cur); err != nil {
					return err
				}
			}
			return nil
		})
		if se := (*signatureError)(nil); errors.As(err, &se) {
			res.rejected++
			w.progress(ctx, 0, 0, 1)
		}
		if err != nil {
			return res, fmt.Errorf("pulling collection %s: %w", coll, err)
		}
	}
	res.caughtUp = true
	return res, nil
}
