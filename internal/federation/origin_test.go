package federation

import (
	"strings"
	"testing"

	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

func TestOriginsMap(t *testing.T) {
	n := newTestNode(t, "N")
	a, b := newTestNode(t, "A"), newTestNode(t, "B")
	n.know(a)
	n.know(b)
	g := &Origins{Store: n.st}
	byA := &stix.Object{CreatedByRef: a.self.IdentityID}
	tests := []struct {
		name string
		obj  *stix.Object
		from string
		want string
	}{
		{"created by the supplier", byA, n.orgs["A"], n.orgs["A"]},
		{"created by another partner", byA, n.orgs["B"], n.orgs["A"]},
		{"no created_by_ref", &stix.Object{}, n.orgs["B"], n.orgs["B"]},
		{"unknown identity", &stix.Object{CreatedByRef: stix.NewID("identity")}, n.orgs["B"], n.orgs["B"]},
		{"claims the own organisation", &stix.Object{CreatedByRef: n.self.IdentityID}, n.orgs["B"], n.orgs["B"]},
		{"posted by the own organisation", byA, n.self.ID, n.self.ID},
	}
	for _, tt := range tests {
		got := g.Map(tt.obj, store.Provenance{OrgID: tt.from}).OrgID
		if got != tt.want {
			t.Errorf("%s: got origin %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestHolderDead(t *testing.T) {
	alive := newHolder()
	if holderDead(alive) {
		t.Errorf("holderDead(own holder %q): got true", alive)
	}
	parts := strings.Split(alive, "/")
	tests := []struct {
		holder string
		want   bool
	}{
		{"", false},
		{"elsewhere/1/ab", false},
		{parts[0] + "/1/ab", false},        // pid 1 runs
		{parts[0] + "/999999999/ab", true}, // no such process
		{parts[0] + "/notapid/ab", false},
	}
	for _, tt := range tests {
		if got := holderDead(tt.holder); got != tt.want {
			t.Errorf("holderDead(%q): got %v, want %v", tt.holder, got, tt.want)
		}
	}
}
