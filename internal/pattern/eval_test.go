package pattern

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// observed builds 2.0-style observed-data holding the given objects (JSON object texts),
// seen once at the given second of 2020-01-01.
func observed(t testing.TB, id string, second, count int, objects ...string) string {
	t.Helper()
	ts := time.Date(2020, 1, 1, 0, 0, second, 0, time.UTC).Format(time.RFC3339)
	var b strings.Builder
	b.WriteString(`{"type":"observed-data","id":"` + id + `","first_observed":"` + ts + `","last_observed":"` + ts +
		`","number_observed":` + strconv.Itoa(count) + `,"objects":{`)
	for i, o := range objects {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + strconv.Itoa(i) + `":` + o)
	}
	b.WriteString("}}")
	return b.String()
}

func decode(t testing.TB, docs ...string) []Observation {
	t.Helper()
	obs, err := DecodeObservations([]byte("[" + strings.Join(docs, ",") + "]"))
	if err != nil {
		t.Fatalf("DecodeObservations: %v", err)
	}
	return obs
}

// outcomeOf parses and matches, naming the outcome as the vectors do.
func outcomeOf(t testing.TB, pattern string, obs []Observation) string {
	t.Helper()
	p, err := Parse(pattern)
	if err != nil {
		return "parse error: " + err.Error()
	}
	r, err := p.Match(obs, MatchOptions{})
	switch {
	case err != nil:
		return "match error: " + err.Error()
	case r.Matched:
		return "match"
	}
	return "no match"
}

type outcomeCase struct{ pattern, want string }

// checkOutcomes matches each pattern against obs; want is a prefix of the outcome.
func checkOutcomes(t *testing.T, obs []Observation, tests []outcomeCase) {
	t.Helper()
	for _, tt := range tests {
		if got := outcomeOf(t, tt.pattern, obs); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: got %s, want %s", tt.pattern, got, tt.want)
		}
	}
}

func TestComparisons(t *testing.T) {
	obj := `{"type":"x","n":5,"f":2.5,"big":12.0,"s":"héllo","u":"ăx","t":true,"nul":null,
		"ip":"10.1.2.3","net":"10.0.0.0/8","ip6":"2001:db8::1","net6":"2001:db8::/32","bad_ip":"nope",
		"data_hex":"68c3a96c6c6f","raw_bin":"AAEC/w==","ts":"2020-01-01T00:00:00.5Z",
		"list":[1,2,{"k":"v"}],"name":"a\nb\n","nl":"ab\n"}`
	obs := decode(t, observed(t, "observed-data--1", 0, 1, obj))
	tests := []outcomeCase{
		{"[x:n = 5]", "match"},
		{"[x:n = 5.0]", "match"},
		{"[x:big = 12]", "match"},
		{"[x:n = '5']", "no match"},
		{"[x:n != '5']", "match"},
		{"[x:t = 1]", "no match"},
		{"[x:t != 1]", "match"},
		{"[x:t = true]", "match"},
		{"[x:n > 4.5]", "match"},
		{"[x:f < 3]", "match"},
		{"[x:t > 0]", "no match"},
		{"[x:t NOT > 0]", "no match"}, // no order between booleans and numbers, NOT or not
		{"[x:s > 'h']", "match"},
		{"[x:s = 'héllo']", "match"},
		{"[x:nul = 'a']", "no match"},
		{"[x:nul != 'a']", "match"},
		{"[x:data_hex = 'h\u00e9llo']", "no match"}, // the bytes are UTF-8, the string is compared as Latin-1
		{"[x:data_hex = h'68c3a96c6c6f']", "match"},
		{"[x:data_hex LIKE 'h_llo']", "match"}, // LIKE reads binary as UTF-8 text
		{"[x:raw_bin = b'AAEC/w==']", "match"},
		{"[x:raw_bin MATCHES '^\\\\x00\\\\x01\\\\x02\\\\xff$']", "match"},
		{"[x:raw_bin > 'ă']", "no match"},
		{"[x:raw_bin NOT > 'ă']", "match"}, // the string cannot be bytes: false, then NOT
		{"[x:u = h'c483']", "no match"},
		{"[x:ip ISSUBSET '10.0.0.0/8']", "match"},
		{"[x:ip ISSUBSET '10.1.2.3']", "match"},
		{"[x:ip ISSUBSET '11.0.0.0/8']", "no match"},
		{"[x:net ISSUPERSET '10.200.0.0/16']", "match"},
		{"[x:net ISSUPERSET '10.0.0.0/7']", "no match"},
		{"[x:ip6 ISSUBSET '2001:db8::/32']", "match"},
		{"[x:net6 ISSUPERSET '2001:db8:1::/48']", "match"},
		{"[x:ip6 ISSUBSET '10.0.0.0/8']", "no match"},
		{"[x:bad_ip ISSUBSET '10.0.0.0/8']", "no match"},
		{"[x:bad_ip NOT ISSUBSET '10.0.0.0/8']", "match"},
		{"[x:ts = t'2020-01-01T00:00:00.500Z']", "match"},
		{"[x:ts < t'2020-01-01T00:00:01Z']", "match"},
		{"[x:s = t'2020-01-01T00:00:01Z']", "match error"},
		{"[x:n = t'2020-01-01T00:00:01Z']", "no match"},
		{"[x:list[2].k = 'v']", "match"},
		{"[x:list[*] = 2]", "match"},
		{"[x:list[-1] = 1]", "no match"},
		{"[x:list[9] = 1]", "no match"},
		{"[x:list.k = 'v']", "no match"},
		{"[x:n IN (1, 5.0)]", "match"},
		{"[x:n NOT IN (1, 2)]", "match"},
		{"[x:s IN ()]", "no match"},
		{"[x:s LIKE 'h%o']", "match"},
		{"[x:s LIKE 'H%']", "no match"},
		{"[x:name LIKE 'a%']", "no match"},           // % does not cross a newline
		{"[x:name LIKE 'a_b%']", "no match"},         // _ is no newline either
		{"[x:nl LIKE 'ab']", "match"},                // the end may come before one final newline
		{"[x:name MATCHES '^b$']", "no match"},       // ^ is the start of the text
		{"[x:name MATCHES 'b$']", "match"},           // $ matches before a final newline
		{"[x:name MATCHES '(?m)^b$']", "match"},      // multi-line mode
		{"[x:s MATCHES '^h\\\\wllo\\\\Z']", "match"}, // \w covers é, \Z is the end
		{"[x:s MATCHES '^.{,5}$']", "match"},         // {,n} is {0,n}
		{"[x:s MATCHES 'l(?#comment)lo']", "match"},
		{"[x:s MATCHES '(l)\\\\1']", "parse error: pattern unsupported pattern at line 1, column 14 (byte 13): MATCHES regular expression: backreferences are not supported by RE2"},
		{"[x:missing = 1]", "no match"},
		{"[x:missing != 1]", "no match"}, // nothing selected, nothing passes
		{"[y:n = 5]", "no match"},
		{"[x:n = 5 AND x:s = 'héllo']", "match"},
		{"[x:n = 5 AND y:n = 5]", "no match"},
		{"[EXISTS x:list]", "match"},
		{"[EXISTS x:nope]", "no match"},
	}
	checkOutcomes(t, obs, tests)
}

func TestReferences(t *testing.T) {
	obs := decode(t, observed(t, "observed-data--1", 0, 1,
		`{"type":"email-message","from_ref":"1","to_refs":["9","2","3"],"bad_ref":5}`,
		`{"type":"email-addr","value":"alice@example.com"}`,
		`{"type":"email-addr","value":"bob@example.com"}`,
		`{"type":"email-addr","value":"carol@example.com"}`))
	tests := []outcomeCase{
		{"[email-message:from_ref.value = 'alice@example.com']", "match"},
		{"[email-message:to_refs[*].value = 'carol@example.com']", "match"},
		{"[email-message:to_refs[0].value = 'bob@example.com']", "match"}, // "9" does not resolve and is dropped
		{"[email-message:to_refs[2].value = 'carol@example.com']", "no match"},
		{"[email-message:to_refs.value = 'bob@example.com']", "no match"},
		{"[EXISTS email-message:to_refs]", "match"},
		{"[email-message:bad_ref.value = 'x']", "match error"},
	}
	checkOutcomes(t, obs, tests)
}

func TestSTIX21Bundle(t *testing.T) {
	bundle := `{"type":"bundle","id":"bundle--1","objects":[
		{"type":"observed-data","id":"observed-data--a","first_observed":"2020-01-01T00:00:00Z",
		 "last_observed":"2020-01-01T00:00:10Z","number_observed":2,"object_refs":["ipv4-addr--1","domain-name--1"]},
		{"type":"ipv4-addr","id":"ipv4-addr--1","value":"198.51.100.7"},
		{"type":"domain-name","id":"domain-name--1","value":"evil.example","resolves_to_refs":["ipv4-addr--1"]},
		{"type":"domain-name","id":"domain-name--2","value":"unreferenced.example"}]}`
	obs, err := DecodeObservations([]byte(bundle))
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 1 || obs[0].NumberObserved != 2 || obs[0].ID != "observed-data--a" {
		t.Fatalf("got %+v, want one observation of two sightings", obs)
	}
	tests := []outcomeCase{
		{"[domain-name:resolves_to_refs[*].value = '198.51.100.7']", "match"},
		{"[domain-name:value = 'unreferenced.example']", "no match"},
		{"[observed-data:number_observed = 2]", "no match"}, // SDO types never match in 2.1
		{"[ipv4-addr:value = '198.51.100.7'] REPEATS 2 TIMES", "match"},
		{"[ipv4-addr:value = '198.51.100.7'] REPEATS 3 TIMES", "no match"},
		{"[ipv4-addr:value = '198.51.100.7'] AND [domain-name:value = 'evil.example']", "match"},
	}
	checkOutcomes(t, obs, tests)
}

func TestObservationExpressions(t *testing.T) {
	obs := decode(t,
		observed(t, "observed-data--a", 0, 1, `{"type":"p","name":"a"}`),
		observed(t, "observed-data--b", 10, 1, `{"type":"p","name":"b"}`),
		observed(t, "observed-data--c", 20, 3, `{"type":"p","name":"c"}`))
	tests := []struct {
		pattern string
		want    string
		ids     string
	}{
		{"[p:name = 'a'] FOLLOWEDBY [p:name = 'b']", "match", "observed-data--a observed-data--b"},
		{"[p:name = 'b'] FOLLOWEDBY [p:name = 'a']", "no match", ""},
		{"[p:name = 'a'] FOLLOWEDBY [p:name = 'b'] FOLLOWEDBY [p:name = 'c']", "match", "observed-data--a observed-data--b observed-data--c"},
		{"[p:name = 'a'] FOLLOWEDBY ([p:name = 'c'] FOLLOWEDBY [p:name = 'b'])", "no match", ""},
		{"([p:name = 'a'] AND [p:name = 'c']) WITHIN 20 SECONDS", "match", "observed-data--a observed-data--c"},
		{"([p:name = 'a'] AND [p:name = 'c']) WITHIN 19.999 SECONDS", "no match", ""},
		{"[p:name = 'c'] REPEATS 3 TIMES", "match", "observed-data--c"},
		{"[p:name = 'c'] REPEATS 4 TIMES", "no match", ""},
		{"[p:name > 'a'] REPEATS 4 TIMES WITHIN 10 SECONDS", "match", "observed-data--b observed-data--c"},
		{"[p:name > 'a'] REPEATS 5 TIMES WITHIN 10 SECONDS", "no match", ""},
		{"[p:name = 'b'] START t'2020-01-01T00:00:10Z' STOP t'2020-01-01T00:00:11Z'", "match", "observed-data--b"},
		{"[p:name = 'b'] START t'2020-01-01T00:00:09Z' STOP t'2020-01-01T00:00:10Z'", "no match", ""},
		{"[p:name = 'z'] OR [p:name = 'b']", "match", "observed-data--b"},
		{"[p:name = 'a'] AND [p:name = 'a']", "no match", ""},
	}
	for _, tt := range tests {
		p, err := Parse(tt.pattern)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.pattern, err)
		}
		r, err := p.Match(obs, MatchOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tt.pattern, err)
		}
		got := "no match"
		if r.Matched {
			got = "match"
		}
		if got != tt.want || strings.Join(r.MatchedSDOIDs, " ") != tt.ids {
			t.Errorf("%s: got %s %v, want %s %s", tt.pattern, got, r.MatchedSDOIDs, tt.want, tt.ids)
		}
	}
}

func TestMatchBudget(t *testing.T) {
	var docs []string
	for i := 0; i < 30; i++ {
		docs = append(docs, observed(t, "observed-data--x", i, 1, `{"type":"p","n":1}`))
	}
	obs := decode(t, docs...)
	p, err := Parse("[p:n = 1] AND [p:n = 1] AND [p:n = 1] AND [p:n = 1] AND [p:n = 1] AND [p:n = 2]")
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Match(obs, MatchOptions{MaxSteps: 10000})
	if !errors.Is(err, ErrBudget) {
		t.Errorf("got %v, want ErrBudget", err)
	}
}

// TestPathBudget: a path through a reference cycle reaches 2^40 values; the budget stops it.
func TestPathBudget(t *testing.T) {
	obs := decode(t, observed(t, "observed-data--1", 0, 1, `{"type":"a","s_refs":["0","0"],"b":1}`))
	p, err := Parse("[a:" + strings.Repeat("s_refs[*].", 40) + "b = 2]")
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Match(obs, MatchOptions{MaxSteps: 100000})
	if !errors.Is(err, ErrBudget) {
		t.Errorf("got %v, want ErrBudget", err)
	}
}

func TestDecodeObservationsErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{`{"type":"observed-data","last_observed":"2020-01-01T00:00:00Z","number_observed":1,"objects":{}}`, "first_observed"},
		{`{"type":"observed-data","first_observed":"2020-01-01T00:00:00Z","last_observed":"2020-01-01T00:00:00Z","number_observed":0,"objects":{}}`, "number_observed"},
		{`{"type":"observed-data","first_observed":"2020-01-02T00:00:00Z","last_observed":"2020-01-01T00:00:00Z","number_observed":1,"objects":{}}`, "before first_observed"},
		{`{"type":"observed-data","first_observed":"2020-01-01t00:00:00Z","last_observed":"2020-01-01T00:00:00Z","number_observed":1,"objects":{}}`, "not a STIX timestamp"},
		{`{"type":"observed-data","first_observed":"2020-01-01T00:00:00Z","last_observed":"2020-01-01T00:00:00Z","number_observed":1}`, "neither"},
		{`[1]`, "expected JSON objects"},
		{`{} {}`, "after the JSON value"},
	}
	for _, tt := range tests {
		_, err := DecodeObservations([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("DecodeObservations(%s) = %v, want error containing %q", tt.in, err, tt.msg)
		}
	}
}

func TestNewObservation(t *testing.T) {
	at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	o, err := NewObservation("observed-data--n", at, at, 1, []map[string]any{
		{"type": "network-traffic", "dst_ref": "1", "dst_port": 443},
		{"type": "ipv4-addr", "id": "ipv4-addr--x", "value": "203.0.113.9"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := outcomeOf(t, "[network-traffic:dst_ref.value = '203.0.113.9' AND network-traffic:dst_port = 443]", []Observation{o})
	if got != "match" {
		t.Errorf("got %s, want match", got)
	}
	if _, err := NewObservation("", at, at, 0, nil); err == nil {
		t.Error("NewObservation with number 0: got nil error, want one")
	}
}

func TestObservables(t *testing.T) {
	tests := []struct {
		pattern  string
		want     string
		complete bool
	}{
		{"[ipv4-addr:value = '198.51.100.1']", "ipv4-addr value 198.51.100.1", true},
		{"[file:hashes.'SHA-256' = 'aa' OR file:hashes.MD5 = 'bb']", "file hashes.'SHA-256' aa|file hashes.MD5 bb", true},
		{"[domain-name:value IN ('a.example', 'b.example')] OR [url:value = 'http://c.example/']", "domain-name value a.example|domain-name value b.example|url value http://c.example/", true},
		{"[email-addr:value = 'x@example.com' AND email-addr:display_name = 'X']", "email-addr value x@example.com|email-addr display_name X", false},
		{"[ipv4-addr:value = '1.2.3.4'] REPEATS 2 TIMES", "ipv4-addr value 1.2.3.4", false},
		{"[ipv4-addr:value NOT = '1.2.3.4' OR ipv4-addr:value != '5.6.7.8']", "", false},
		{"[ipv4-addr:value NOT != '1.2.3.4']", "ipv4-addr value 1.2.3.4", true},
		{"[file:size = 5]", "", false},
		{"[url:value = 'x'] OR [url:value = 'x']", "url value x", true},
		{"[indicator:name = 'x']", "", false},
	}
	for _, tt := range tests {
		p, err := Parse(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		vals, complete := p.Observables()
		var parts []string
		for _, v := range vals {
			parts = append(parts, v.Type+" "+v.Path+" "+v.Value)
		}
		if got := strings.Join(parts, "|"); got != tt.want || complete != tt.complete {
			t.Errorf("%s: got %q complete %v, want %q complete %v", tt.pattern, got, complete, tt.want, tt.complete)
		}
	}
}
