package blocklist

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/entente/entente/internal/pattern"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
)

// BenchmarkWrite1M streams a blocklist of 1 000 000 entries (half addresses, half domains,
// one indicator each) from the index through the policy and the allowlist.
func BenchmarkWrite1M(b *testing.B) {
	const n = 1_000_000
	r := rand.New(rand.NewPCG(5, 6))
	x := pattern.NewIndex()
	for i := range n {
		var t pattern.Term
		if i%2 == 0 {
			t = pattern.Term{Kind: pattern.KindIPv4, Value: netip.AddrFrom4([4]byte{byte(11 + r.IntN(180)), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())}).String()}
		} else {
			t = pattern.Term{Kind: pattern.KindDomain, Value: fmt.Sprintf("host%d-%d.example-%d.net", i, r.IntN(1000), r.IntN(1000))}
		}
		ind := pattern.Indicator{ID: fmt.Sprintf("indicator--%08x-0000-4000-8000-000000000000", i+1), Collection: "c1",
			TLP: stix.TLPGreen, Origin: "org-own", Confidence: 50, Complete: true}
		if _, err := x.Put(ind, []pattern.Term{t}); err != nil {
			b.Fatal(err)
		}
	}
	allow, _ := NewAllowlist()
	f := &pattern.Filter{View: view(policy.Recipient{Kind: policy.KindSelf})}
	for _, format := range []Format{Text, RPZ} {
		b.Run(string(format), func(b *testing.B) {
			for b.Loop() {
				k, err := Write(context.Background(), io.Discard, x, f, Options{Format: format}, allow)
				if err != nil || k < n*99/100 {
					b.Fatalf("wrote %d entries (%v), want about %d", k, err, n)
				}
			}
		})
	}
}
