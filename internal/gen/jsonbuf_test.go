package gen

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
	"unicode"

	"pgregory.net/rapid"
)

// TestAppendStringMatchesEncodingJSON: for any string, valid UTF-8 or not, the output is a JSON
// string that decodes to what encoding/json makes of the same input.
func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s := rapid.OneOf(rapid.String(), rapid.StringOf(rapid.RuneFrom(nil, &unicode.RangeTable{R16: []unicode.Range16{{Lo: 0, Hi: 0x7f, Stride: 1}}})),
			rapid.Map(rapid.SliceOf(rapid.Byte()), func(b []byte) string { return string(b) })).Draw(rt, "s")
		out := appendString(nil, s)
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			rt.Fatalf("appendString(%q) = %s, not a JSON string: %v", s, out, err)
		}
		ref, _ := json.Marshal(s)
		var want string
		if err := json.Unmarshal(ref, &want); err != nil {
			rt.Fatal(err)
		}
		if got != want {
			rt.Fatalf("appendString(%q) decodes to %q, want %q", s, got, want)
		}
		if bytesOut := appendString(nil, []byte(s)); string(bytesOut) != string(out) {
			rt.Fatalf("the []byte form gave %s, the string form %s", bytesOut, out)
		}
	})
}

func TestAppendStringEscapes(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`plain`, `"plain"`},
		{`say "hi"`, `"say \"hi\""`},
		{`C:\Users`, `"C:\\Users"`},
		{"a\nb\tc\rd\be\ff", `"a\nb\tc\rd\be\ff"`},
		{"\x00\x1f", `"\u0000\u001f"`},
		{"Übersicht „Q3“", `"Übersicht „Q3“"`},
		{"bad \xff byte", `"bad \ufffd byte"`},
	} {
		if got := string(appendString(nil, c.in)); got != c.want {
			t.Errorf("appendString(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestAppendPatternString(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`198.18.0.1`, `'198.18.0.1'`},
		{`O'Neil payroll.xlsm`, `'O\'Neil payroll.xlsm'`},
		{`C:\temp`, `'C:\\temp'`},
	} {
		if got := string(appendPatternString(nil, c.in)); got != c.want {
			t.Errorf("appendPatternString(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestAppendTimestampMatchesTimeFormat(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ms := rapid.Int64Range(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).UnixMilli()).Draw(rt, "ms")
		want := time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
		if got := string(appendTimestamp(nil, ms)); got != want {
			rt.Fatalf("appendTimestamp(%d) = %s, want %s", ms, got, want)
		}
	})
}

// TestAppendUUID5 pins name-based UUIDs computed with Python's uuid.uuid5, among them the
// canonical inputs of STIX observables.
func TestAppendUUID5(t *testing.T) {
	dns := [16]byte{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	for _, c := range []struct {
		ns         *[16]byte
		name, want string
	}{
		{&dns, "python.org", "886313e1-3b8a-5372-9b90-0c9aee199e5d"},
		{&scoNamespace, `{"value":"198.51.100.3"}`, "28bb3599-77cd-5a82-a950-b5bc3caf07c4"},
		{&scoNamespace, `{"value":"example.com"}`, "bedb4899-d24b-5401-bc86-8f6b4cc18ec7"},
		{&scoNamespace, `{"hashes":{"MD5":"0123456789abcdef0123456789abcdef"},"name":"Übersicht Q3.lnk"}`, "e61ccb2a-ad17-5a12-b369-3a1c89fbfb65"},
	} {
		got, _ := appendUUID5(nil, c.ns, []byte(c.name), nil)
		if string(got) != c.want {
			t.Errorf("UUIDv5(%s) = %s, want %s", c.name, got, c.want)
		}
	}
}

func TestPermuteIsABijection(t *testing.T) {
	for _, key := range []uint64{0, 1, 0xdeadbeefcafef00d} {
		seen := make([]bool, 1<<17)
		for x := uint64(0); x < 1<<17; x++ {
			y := permute(x, 17, key)
			if y >= 1<<17 || seen[y] {
				t.Fatalf("key %#x: permute(%d) = %d, out of range or seen before", key, x, y)
			}
			seen[y] = true
		}
	}
}

func TestUniqueTokensDiffer(t *testing.T) {
	seen := map[string]uint64{}
	for seq := uint64(0); seq < 200_000; seq++ {
		tok := string(appendUniqueToken(nil, seq, 12345))
		if prev, ok := seen[tok]; ok {
			t.Fatalf("token %s for both %d and %d", tok, prev, seq)
		}
		seen[tok] = seq
	}
}

// TestValuesStayInSafeRanges: network values of the corpus never leave the reserved ranges.
func TestValuesStayInSafeRanges(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 10000; n++ {
		a := randomIPv4(r)
		inBench := a&0xfffe0000 == benchNet
		inTestNet := false
		for _, tn := range testNets {
			inTestNet = inTestNet || a&0xffffff00 == tn
		}
		if !inBench && !inTestNet {
			t.Fatalf("randomIPv4 gave %s, outside 198.18.0.0/15 and the TEST-NETs", appendIPv4(nil, a))
		}
		if v6 := ipv6(r); !v6.Is6() || v6.As16()[0] != 0x20 || v6.As16()[1] != 0x01 || v6.As16()[2] != 0x0d || v6.As16()[3] != 0xb8 {
			t.Fatalf("ipv6 gave %s, outside 2001:db8::/32", v6)
		}
	}
}
