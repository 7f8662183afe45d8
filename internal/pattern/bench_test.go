package pattern

import (
	"fmt"
	"testing"
)

const benchBundle = `{"type":"bundle","id":"bundle--b","objects":[
	{"type":"observed-data","id":"observed-data--b","first_observed":"2020-01-01T00:00:00Z",
	 "last_observed":"2020-01-01T00:00:10Z","number_observed":2,
	 "object_refs":["ipv4-addr--1","domain-name--1","network-traffic--1"]},
	{"type":"ipv4-addr","id":"ipv4-addr--1","value":"198.51.100.7"},
	{"type":"domain-name","id":"domain-name--1","value":"evil.example","resolves_to_refs":["ipv4-addr--1"]},
	{"type":"network-traffic","id":"network-traffic--1","dst_ref":"ipv4-addr--1","dst_port":443,"protocols":["tcp"]}]}`

func benchMatch(b *testing.B, pattern string) {
	obs, err := DecodeObservations([]byte(benchBundle))
	if err != nil {
		b.Fatal(err)
	}
	p, err := Parse(pattern)
	if err != nil {
		b.Fatal(err)
	}
	if r, err := p.Match(obs, MatchOptions{}); err != nil || !r.Matched {
		b.Fatalf("got %v %v, want a match", r, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Match(obs, MatchOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatchSingle is the common case: one comparison against one observed-data.
func BenchmarkMatchSingle(b *testing.B) { benchMatch(b, "[ipv4-addr:value = '198.51.100.7']") }

func BenchmarkMatchSubnetAndRef(b *testing.B) {
	benchMatch(b, "[network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24' AND network-traffic:dst_port IN (80, 443)]")
}

func BenchmarkMatchRegexp(b *testing.B) {
	benchMatch(b, "[domain-name:value MATCHES '^[a-z]+\\\\.example$']")
}

func BenchmarkMatchFollowedBy(b *testing.B) {
	benchMatch(b, "([ipv4-addr:value = '198.51.100.7'] FOLLOWEDBY [domain-name:value = 'evil.example']) WITHIN 60 SECONDS")
}

// indicatorPatterns makes n distinct patterns of the kinds indicator feeds carry.
func indicatorPatterns(n int) []string {
	ps := make([]string, n)
	for i := range ps {
		switch i % 5 {
		case 0:
			ps[i] = fmt.Sprintf("[ipv4-addr:value = '10.%d.%d.%d']", i>>16&255, i>>8&255, i&255)
		case 1:
			ps[i] = fmt.Sprintf("[domain-name:value = 'host%d.example.com']", i)
		case 2:
			ps[i] = fmt.Sprintf("[file:hashes.'SHA-256' = '%064x']", i)
		case 3:
			ps[i] = fmt.Sprintf("[url:value = 'http://bad%d.example/path?q=%d']", i, i)
		default:
			ps[i] = fmt.Sprintf("[email-addr:value = 'x%d@example.org' OR email-addr:value = 'y%d@example.org']", i, i)
		}
	}
	return ps
}

// BenchmarkParse100k compiles 100 000 indicator patterns per iteration.
func BenchmarkParse100k(b *testing.B) {
	ps := indicatorPatterns(100_000)
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range ps {
			if _, err := Parse(s); err != nil {
				b.Fatal(err)
			}
		}
	}
}
