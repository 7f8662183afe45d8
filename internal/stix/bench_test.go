package stix

import (
	"fmt"
	"strings"
	"testing"
)

// benchIndicator is a typical indicator of about 1 KB.
var benchIndicator = []byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","indicator_types":["malicious-activity"],"name":"Poison Ivy Malware","description":"This file is part of Poison Ivy","pattern":"[ file:hashes.'SHA-256' = '4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877' ]","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z","kill_chain_phases":[{"kill_chain_name":"lockheed-martin-cyber-kill-chain","phase_name":"delivery"}],"object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"],"external_references":[{"source_name":"veris","external_id":"0001AA7F-C601-424A-B2B8-BE6C9F5164E7","url":"https://github.com/vz-risk/VCDB/blob/master/data/json/0001AA7F-C601-424A-B2B8-BE6C9F5164E7.json"}],"confidence":85,"x_acme_score":0.75}`)

// benchReport is a report referring to 500 objects.
var benchReport = func() []byte {
	refs := make([]string, 500)
	for i := range refs {
		refs[i] = fmt.Sprintf(`"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3%04x"`, i)
	}
	return []byte(`{"type":"report","spec_version":"2.1","id":"report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3","created_by_ref":"identity--a463ffb3-1bd9-4d94-b02d-74e4f1658283","created":"2015-12-21T19:59:11.000Z","modified":"2015-12-21T19:59:11.000Z","name":"The Black Vine Cyberespionage Group","description":"A simple report with an indicator and campaign","published":"2016-01-20T17:00:00.000Z","report_types":["campaign"],"object_refs":[` + strings.Join(refs, ",") + `]}`)
}()

func BenchmarkDecode(b *testing.B) {
	for _, bc := range []struct {
		name string
		raw  []byte
	}{{"indicator", benchIndicator}, {"report500refs", benchReport}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.raw)))
			for b.Loop() {
				if _, err := Decode(bc.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
