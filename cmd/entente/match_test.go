package main

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"
)

// detectionBundle holds two indicators: a GREEN one for an address and a domain wildcard, and an
// AMBER one for a URL with confidence.
const detectionBundle = `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
{"type":"indicator","spec_version":"2.1","id":"indicator--11111111-1111-4111-8111-111111111111","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '203.0.113.9' OR domain-name:value LIKE '%.c2.example']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]},
{"type":"indicator","spec_version":"2.1","id":"indicator--22222222-2222-4222-8222-222222222222","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","pattern":"[url:value = 'http://drop.example/payload.bin']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","confidence":85,"object_marking_refs":["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]},
{"type":"indicator","spec_version":"2.1","id":"indicator--33333333-3333-4333-8333-333333333333","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","valid_until":"2024-02-01T00:00:00Z","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}
]}`

func TestMatchAndBlocklist(t *testing.T) {
	data := dataFlags(t)
	if _, errOut, code := entente(t, detectionBundle, append([]string{"import", "-"}, data...)...); code != 0 {
		t.Fatalf("import: %d %s", code, errOut)
	}
	log := `203.0.113.9 - - [01/Jun/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "http://drop.example/payload.bin" "curl/8"` + "\n" +
		`10.0.0.1 - - [01/Jun/2024:10:00:01 +0000] "GET http://x.c2.example/ HTTP/1.1" 200 5 "-" "198.51.100.1"` + "\n"
	file := writeFile(t, "access.log", log)
	out, errOut, code := entente(t, "", append([]string{"match", file, "--sightings"}, data...)...)
	if code != 0 {
		t.Fatalf("match: code %d, %s", code, errOut)
	}
	var got []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var h struct {
			File, Value, Kind, TLP, Source string
			Line                           int
			IndicatorID                    string `json:"indicator_id"`
			Confidence                     *int
		}
		if err := json.Unmarshal(sc.Bytes(), &h); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		if h.File != file || h.Source == "" {
			t.Errorf("hit %q: want the file and the source", sc.Text())
		}
		s := h.Value + " " + h.Kind + " " + h.TLP + " " + h.IndicatorID[len(h.IndicatorID)-4:]
		if h.Confidence != nil {
			s += " confidence"
		}
		got = append(got, s)
	}
	want := []string{
		"203.0.113.9 ipv4-addr green 1111",
		"http://drop.example/payload.bin url amber 2222 confidence",
		"x.c2.example domain-name green 1111",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("match: got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(errOut, "clf, 2 lines, 3 hits") {
		t.Errorf("match summary: got %q", errOut)
	}
	exported, _, _ := entente(t, "", append([]string{"export", "--type", "sighting"}, data...)...)
	if n := strings.Count(exported, `"sighting_of_ref"`); n != 2 {
		t.Errorf("sightings recorded: got %d, want 2 (one per indicator found)\n%s", n, exported)
	}
	if _, _, code := entente(t, "", append([]string{"match", writeFile(t, "clean.log", "nothing\n")}, data...)...); code != 1 {
		t.Errorf("match without hits: got code %d, want 1", code)
	}

	out, errOut, code = entente(t, "", append([]string{"blocklist", "--format", "text"}, data...)...)
	if want := "203.0.113.9\n*.c2.example\ndrop.example/payload.bin\n"; code != 0 || out != want {
		t.Errorf("blocklist: got code %d %q (%s), want %q", code, out, errOut, want)
	}
	if _, _, code := entente(t, "", append([]string{"org", "add", "--name", "Partner"}, data...)...); code != 0 {
		t.Fatal("org add failed")
	}
	out, _, code = entente(t, "", append([]string{"blocklist", "--for", "Partner"}, data...)...)
	if code != 0 || out != "" {
		t.Errorf("blocklist for a partner without agreement: got %d %q, want nothing", code, out)
	}
	if _, _, code := entente(t, "", append([]string{"blocklist", "--format", "csv"}, data...)...); code != 2 {
		t.Errorf("unknown format: got code %d, want 2", code)
	}
}
