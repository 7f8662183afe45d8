package web

import (
	"context"
	"time"

	"github.com/entente/entente/internal/store"
)

// peerRow is one peer's sync health as people read it.
type peerRow struct {
	Peer   store.Peer
	Org    string // the partner organisation's name
	Status store.PeerStatus
	// State is ok, behind (a direction has work left), failing (the last round failed) or new
	// (no round has succeeded yet); StateKey is its i18n key.
	State, StateKey string
	// Pull and Push say what the peer exchanges.
	Pull, Push bool
	Behind     time.Time // since when a direction has work left; zero when caught up
	Full       bool      // show the peer's URL too (the partners page)
}

// peerHealth reads every peer with its recorded status; peers are the own organisation's
// business, so callers show them to its members only.
func (u *UI) peerHealth(ctx context.Context, names map[string]string) ([]peerRow, error) {
	peers, err := u.d.Store.Peers().List(ctx)
	if err != nil {
		return nil, internal(err)
	}
	rows := make([]peerRow, 0, len(peers))
	for _, p := range peers {
		st, err := u.d.Store.Peers().Status(ctx, p.ID)
		if err != nil {
			return nil, internal(err)
		}
		r := peerRow{Peer: p, Org: names[p.OrgID], Status: st, Pull: len(p.Pull) > 0, Push: p.Push != ""}
		r.State, r.Behind = peerState(st), behindSince(st)
		r.StateKey = "peer.state." + r.State
		rows = append(rows, r)
	}
	return rows, nil
}

// peerState sums up a status: failing when the last recorded round failed, new when none has
// succeeded, behind when a direction is not caught up, ok otherwise.
func peerState(st store.PeerStatus) string {
	switch {
	case st.LastErrorAt.After(st.LastSuccess):
		return "failing"
	case st.LastSuccess.IsZero():
		return "new"
	case !st.PullBehindSince.IsZero() || !st.PushBehindSince.IsZero():
		return "behind"
	}
	return "ok"
}

// behindSince is the earlier of the two directions' "behind since" times, zero when neither is.
func behindSince(st store.PeerStatus) time.Time {
	a, b := st.PullBehindSince, st.PushBehindSince
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
