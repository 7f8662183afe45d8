package pattern

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/entente/entente/internal/stix"
)

// logIndex is the index the log format tests search; indicator n is the nth pattern.
func logIndex(t testing.TB) *Index {
	t.Helper()
	x := NewIndex()
	patterns := []string{
		"[ipv4-addr:value = '203.0.113.9']",
		"[ipv4-addr:value = '198.51.100.0/24']",
		"[ipv6-addr:value = '2001:db8::bad']",
		"[domain-name:value = 'evil.example']",
		"[domain-name:value LIKE '%.c2.example']",
		"[url:value = 'http://drop.example/payload.bin']",
		"[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
		"[email-addr:value = 'boss@phish.example']",
		"[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'EvilBot/1.0']",
		"[domain-name:value = 'partial.example' AND domain-name:resolves_to_refs[*].value = '192.0.2.1']",
	}
	for i, p := range patterns {
		put(t, x, testIndicator(i+1, stix.TLPGreen, ownOrg), p)
	}
	return x
}

func scanLog(t testing.TB, x *Index, f Format, maxLine int, log string) ([]string, LogStats) {
	t.Helper()
	m := &LogMatcher{Index: x, Filter: &Filter{View: selfView()}, Format: f, Workers: 2, MaxLineLen: maxLine}
	var got []string
	st, err := m.Scan(context.Background(), strings.NewReader(log), func(h *LogHit) error {
		s := fmt.Sprintf("%d %s %s %s #%s", h.Line, h.Kind, h.Value, h.IndicatorValue, h.IndicatorID[len(h.IndicatorID)-2:])
		if h.Field != "" {
			s += " field=" + h.Field
		}
		if h.Partial {
			s += " partial"
		}
		got = append(got, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, st
}

const zeekDNS = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n" +
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tanswers\n" +
	"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tvector[string]\n" +
	"1717236000.000000\tCAbc\t10.0.0.5\t53211\t198.51.100.53\t53\tudp\tA.C2.example\t203.0.113.9,192.0.2.7\n" +
	"1717236001.000000\tCAbd\t10.0.0.5\t53212\t10.0.0.1\t53\tudp\t-\t(empty)\n" +
	"#close\t2024-06-01-10-00-00\n"

func TestLogFormats(t *testing.T) {
	x := logIndex(t)
	tests := []struct {
		name   string
		format Format
		log    string
		want   []string
		detect Format
		lines  int64
	}{
		{"text", FormatAuto, "Jun 1 10:00:00 fw DROP src=203.0.113.9:4431 dst=10.0.0.1\n" +
			"dns query: WWW.Evil.Example. from 10.0.0.2\n" +
			"beacon to x.y.c2.example and c2.example (the parent is not listed)\n" +
			"mail from <Boss@Phish.Example> hash D41D8CD98F00B204E9800998ECF8427E\n" +
			"nothing here: 203.0.113.90 evil.example.com notevil.example 1203.0.113.9\n" +
			"v6 [2001:db8::BAD]:443 and ::ffff:198.51.100.77\r\n" +
			"fetched http://DROP.example:80/payload.bin, then partial.example",
			[]string{
				"1 ipv4-addr 203.0.113.9 203.0.113.9 #01",
				"3 domain-name x.y.c2.example *.c2.example #05",
				"4 email-addr boss@phish.example boss@phish.example #08",
				"4 file-hash d41d8cd98f00b204e9800998ecf8427e d41d8cd98f00b204e9800998ecf8427e #07",
				"6 ipv6-addr 2001:db8::bad 2001:db8::bad #03",
				"6 ipv4-addr 198.51.100.77 198.51.100.0/24 #02",
				"7 url http://drop.example/payload.bin http://drop.example/payload.bin #06",
				"7 domain-name partial.example partial.example #10 partial",
			}, FormatText, 7},
		{"zeek", FormatAuto, zeekDNS, []string{
			"8 ipv4-addr 198.51.100.53 198.51.100.0/24 #02 field=id.resp_h",
			"8 domain-name a.c2.example *.c2.example #05 field=query",
			"8 ipv4-addr 203.0.113.9 203.0.113.9 #01 field=answers",
		}, FormatZeek, 10},
		{"jsonl", FormatAuto, `{"ts":"2024-06-01T10:00:00Z","src":"10.0.0.5","url":"http:\/\/drop.example\/payload.bin","ua":"EvilBot\/1.0"}` + "\n" +
			`{"q":"evil\u002eexample","n":203.0113}` + "\n" + "not json evil.example\n",
			[]string{
				"1 url http://drop.example/payload.bin http://drop.example/payload.bin #06",
				"1 network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' EvilBot/1.0 EvilBot/1.0 #09",
				"2 domain-name evil.example evil.example #04",
			}, FormatJSONL, 3},
		{"clf", FormatAuto, `203.0.113.9 - - [01/Jun/2024:10:00:00 +0000] "GET /index.html HTTP/1.1" 200 512 "http://drop.example/payload.bin" "EvilBot/1.0"` + "\n" +
			`10.0.0.1 - frank [01/Jun/2024:10:00:01 +0000] "GET http://evil.example/ HTTP/1.1" 404 0 "-" "curl/8.0"` + "\n",
			[]string{
				"1 ipv4-addr 203.0.113.9 203.0.113.9 #01",
				"1 url http://drop.example/payload.bin http://drop.example/payload.bin #06",
				"1 network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' EvilBot/1.0 EvilBot/1.0 #09",
				"2 domain-name evil.example evil.example #04",
			}, FormatCLF, 2},
		{"text forced on a Zeek log", FormatText, zeekDNS, []string{
			"8 ipv4-addr 198.51.100.53 198.51.100.0/24 #02",
			"8 domain-name a.c2.example *.c2.example #05",
			"8 ipv4-addr 203.0.113.9 203.0.113.9 #01",
		}, FormatText, 10},
		{"empty", FormatAuto, "", nil, FormatText, 0},
	}
	for _, tt := range tests {
		got, st := scanLog(t, x, tt.format, 0, tt.log)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got\n%s\nwant\n%s", tt.name, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
		if st.Format != tt.detect || st.Lines != tt.lines || st.Hits != int64(len(tt.want)) {
			t.Errorf("%s: got format %s, %d lines, %d hits, want %s, %d, %d", tt.name, st.Format, st.Lines, st.Hits, tt.detect, tt.lines, len(tt.want))
		}
	}
}

func TestLogBadInput(t *testing.T) {
	x := logIndex(t)
	long := strings.Repeat("x", 5000)
	log := "bin\x00ary 203.0.113.9\n" + // NUL: skipped
		long + " 203.0.113.9\n" + // too long: skipped
		"\xff\xfe invalid utf-8 \xc3 evil.example \xe2\x82\n" + // scanned
		strings.Repeat("a.", 400) + "evil.example\n" + // a token longer than any name: skipped
		strings.Repeat("1", 3000) + "\n" +
		"after 203.0.113.9\n"
	got, st := scanLog(t, x, FormatText, 4096, log)
	want := []string{"3 domain-name evil.example evil.example #04", "6 ipv4-addr 203.0.113.9 203.0.113.9 #01"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if st.Lines != 6 || st.BinaryLines != 1 || st.LongLines != 1 {
		t.Errorf("got %d lines, %d binary, %d long, want 6, 1, 1", st.Lines, st.BinaryLines, st.LongLines)
	}
	// A line longer than a read block and than the limit is skipped while it streams in.
	huge := strings.Repeat("y", 3*blockSize) + " 203.0.113.9\nlast 203.0.113.9\n"
	got, st = scanLog(t, x, FormatText, blockSize, huge)
	if want := []string{"2 ipv4-addr 203.0.113.9 203.0.113.9 #01"}; !slices.Equal(got, want) || st.LongLines != 1 || st.Lines != 2 {
		t.Errorf("huge line: got %q, %d long of %d lines, want %q, 1 of 2", got, st.LongLines, st.Lines, want)
	}
	// A line longer than a block but within the limit is scanned whole.
	big := strings.Repeat("z ", blockSize) + "203.0.113.9\n"
	if got, _ := scanLog(t, x, FormatText, 0, big); len(got) != 1 {
		t.Errorf("big line: got %q, want one hit", got)
	}
}

func TestLogScanStopsOnEmitError(t *testing.T) {
	x := logIndex(t)
	m := &LogMatcher{Index: x, Filter: &Filter{View: selfView()}}
	stop := errors.New("stop")
	log := strings.Repeat("203.0.113.9\n", 100000)
	n := 0
	_, err := m.Scan(context.Background(), strings.NewReader(log), func(*LogHit) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("got %v after %d hits, want stop after 1", err, n)
	}
	if _, err := (&LogMatcher{Index: x}).Scan(context.Background(), strings.NewReader(""), nil); err == nil {
		t.Errorf("Scan without a filter: got no error")
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"auto", "text", "jsonl", "zeek", "clf"} {
		if f, err := ParseFormat(s); err != nil || f.String() != s {
			t.Errorf("ParseFormat(%q) = %v, %v", s, f, err)
		}
	}
	if _, err := ParseFormat("csv"); err == nil {
		t.Errorf("ParseFormat(csv): got no error")
	}
}

func FuzzScanLine(f *testing.F) {
	x := logIndex(f)
	for _, s := range []string{
		"src=203.0.113.9:443 http://drop.example/payload.bin boss@phish.example",
		"[2001:db8::bad]:1 ::ffff:198.51.100.1 a.b.c2.example D41D8CD98F00B204E9800998ECF8427E",
		`{"a":"http:\/\/drop.example\/payload.bin","b":"\u0041\ud800"}`,
		"1.2.3.4.5 1..2 @@ a@ @b ::: 0.0.0.0 255.255.255.256 http:// https://[::1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		sc := &scanner{x: x}
		x.mu.RLock()
		defer x.mu.RUnlock()
		for _, scan := range []func([]byte){sc.scanText, sc.scanJSON, sc.scanZeek, sc.scanQuoted} {
			sc.hits = sc.hits[:0]
			sc.field = -1
			scan([]byte(line))
			for _, h := range sc.hits {
				if h.p == 0 {
					t.Fatalf("%q: a hit without a posting", line)
				}
				if h.term.Kind == KindIPv4 && !strings.Contains(line, strings.SplitN(h.value, ".", 2)[0]) {
					t.Fatalf("%q: found %q, which is not in the line", line, h.value)
				}
			}
		}
	})
}

// TestLogBloom scans with an index large enough to use its bloom filter, before and after a
// compaction rebuilds it: the filter must never hide a value.
func TestLogBloom(t *testing.T) {
	x := logIndex(t)
	for i := range 6000 {
		put(t, x, testIndicator(1000+i, stix.TLPGreen, ownOrg), fmt.Sprintf("[domain-name:value = 'filler%d.example' OR ipv4-addr:value = '10.%d.%d.1']", i, i/256, i%256))
	}
	log := "203.0.113.9 a.c2.example filler17.example 10.0.17.1 2001:db8::bad http://drop.example/payload.bin\n"
	want := []string{
		"1 ipv4-addr 203.0.113.9 203.0.113.9 #01",
		"1 domain-name a.c2.example *.c2.example #05",
		"1 domain-name filler17.example filler17.example #17",
		"1 ipv4-addr 10.0.17.1 10.0.17.1 #17",
		"1 ipv6-addr 2001:db8::bad 2001:db8::bad #03",
		"1 url http://drop.example/payload.bin http://drop.example/payload.bin #06",
	}
	if got, _ := scanLog(t, x, FormatText, 0, log); !slices.Equal(got, want) {
		t.Errorf("before compaction: got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if x.bloom.words == nil {
		t.Fatalf("the index holds no bloom filter; the test tests nothing")
	}
	for i := 0; i < 6000; i += 2 {
		x.Remove("c1", testIndicator(1000+i, 0, "").ID)
	}
	if x.bloom.words == nil || len(x.free) == 0 {
		t.Fatalf("no compaction with a bloom filter happened; the test tests nothing")
	}
	if got, _ := scanLog(t, x, FormatText, 0, log); !slices.Equal(got, want) {
		t.Errorf("after compaction: got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestLogScanWhileIndexChanges changes the index while logs are scanned (run it with -race).
func TestLogScanWhileIndexChanges(t *testing.T) {
	x := logIndex(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 3000 {
			ind := testIndicator(5000+i, stix.TLPGreen, ownOrg)
			put(t, x, ind, fmt.Sprintf("[domain-name:value = 'churn%d.example']", i))
			if i%3 != 0 {
				x.Remove("c1", ind.ID)
			}
		}
	}()
	log := strings.Repeat("203.0.113.9 churn7.example churn9.example\n", 20000)
	for range 3 {
		got, _ := scanLog(t, x, FormatText, 0, log)
		if len(got) < 20000 {
			t.Fatalf("got %d hits, want at least one a line", len(got))
		}
	}
	<-done
}

// TestLogInternationalDomain checks that an indicator naming a domain in Unicode finds the
// name in a log, where DNS and HTTP carry it in its ASCII (punycode) form.
func TestLogInternationalDomain(t *testing.T) {
	x := NewIndex()
	put(t, x, testIndicator(1, stix.TLPGreen, ownOrg), "[domain-name:value = 'bücher.example']")
	put(t, x, testIndicator(2, stix.TLPGreen, ownOrg), "[domain-name:value LIKE '%.пример.example']")
	got, _ := scanLog(t, x, FormatText, 4096, "query xn--bcher-kva.example A\nquery www.xn--e1afmkfd.example A\nquery buecher.example A\n")
	want := []string{
		"1 domain-name xn--bcher-kva.example xn--bcher-kva.example #01",
		"2 domain-name www.xn--e1afmkfd.example *.xn--e1afmkfd.example #02",
	}
	if !slices.Equal(got, want) {
		t.Errorf("hits:\n got %q\nwant %q", got, want)
	}
}
