package stix

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func readAll(t *testing.T, r *Reader) (objs []string, objErrs []*ObjectError, final error) {
	t.Helper()
	for {
		b, err := r.Next()
		if err == nil {
			objs = append(objs, string(b))
			continue
		}
		var oe *ObjectError
		if errors.As(err, &oe) {
			objErrs = append(objErrs, oe)
			continue
		}
		if err == io.EOF {
			return objs, objErrs, nil
		}
		return objs, objErrs, err
	}
}

func TestReaderShapes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"bundle", `{"type":"bundle","id":"bundle--x","objects":[{"a":1},{"b":[2,{"c":"}"}]}]}`, []string{`{"a":1}`, `{"b":[2,{"c":"}"}]}`}},
		{"objects first", `{"objects":[{"a":1}],"type":"bundle","id":"bundle--x"}`, []string{`{"a":1}`}},
		{"envelope", `{"more":false,"objects":[ {"a":"x\"y"} , {"b":2} ]}`, []string{`{"a":"x\"y"}`, `{"b":2}`}},
		{"empty bundle", `{"type":"bundle","objects":[]}`, nil},
		{"array", `[{"a":1},{"a":2}]`, []string{`{"a":1}`, `{"a":2}`}},
		{"empty array", ` [ ] `, nil},
		{"single", "{\"type\":\"indicator\",\n \"x\": [1, 2]}\n", []string{`{"type":"indicator","x":[1,2]}`}},
		{"json lines", "{\"a\":1}\n{\"a\":2}\n", []string{`{"a":1}`, `{"a":2}`}},
		{"observed-data objects dict stays", `{"type":"observed-data","objects":{"0":{"type":"file"}}}`, []string{`{"type":"observed-data","objects":{"0":{"type":"file"}}}`}},
		{"escaped backslash", `[{"a":"\\"},{"b":"\\\""}]`, []string{`{"a":"\\"}`, `{"b":"\\\""}`}},
		{"two bundles", `{"objects":[{"a":1}]}{"objects":[{"a":2}]}`, []string{`{"a":1}`, `{"a":2}`}},
		{"primitive element", `[5, {"a":1}]`, []string{`5`, `{"a":1}`}},
	}
	for _, tt := range tests {
		for _, small := range []bool{false, true} {
			var src io.Reader = strings.NewReader(tt.in)
			if small {
				src = iotest.OneByteReader(src)
			}
			objs, oerrs, err := readAll(t, NewReader(src))
			if err != nil || len(oerrs) > 0 {
				t.Errorf("%s (one byte reads %v): err %v, object errors %v", tt.name, small, err, oerrs)
				continue
			}
			// The reader keeps the object's bytes; compact them to compare independent of spaces.
			var got []string
			for _, o := range objs {
				var b bytes.Buffer
				if err := compactLoose(&b, o); err != nil {
					got = append(got, o)
					continue
				}
				got = append(got, b.String())
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("%s (one byte reads %v): got %q, want %q", tt.name, small, got, tt.want)
			}
		}
	}
}

func compactLoose(b *bytes.Buffer, s string) error {
	return jsonCompact(b, []byte(s))
}

func TestReaderStreamErrors(t *testing.T) {
	tests := []struct {
		name, in string
		nobjs    int
		want     string
	}{
		{"not json", "hello", 0, "expected a STIX bundle"},
		{"truncated in array", `{"type":"bundle","objects":[{"a":1},{"b":`, 1, "truncated"},
		{"truncated in string", `[{"a":"abc`, 0, "truncated"},
		{"truncated after comma", `[{"a":1},`, 1, "truncated"},
		{"mismatched", `[{"a":[1}]`, 0, "does not close"},
		{"garbage between", `[{"a":1} {"b":2}]`, 1, "expected , or ]"},
		{"binary", "\x00\x01", 0, "byte 0x00"},
	}
	for _, tt := range tests {
		objs, _, err := readAll(t, NewReader(strings.NewReader(tt.in)))
		var se *StreamError
		if !errors.As(err, &se) {
			t.Errorf("%s: got error %v, want a StreamError", tt.name, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %q, want it to mention %q", tt.name, err, tt.want)
		}
		if len(objs) != tt.nobjs {
			t.Errorf("%s: got %d objects before the error, want %d", tt.name, len(objs), tt.nobjs)
		}
	}
}

func TestReaderLimitsSkipOneObject(t *testing.T) {
	big := strings.Repeat("x", 5000)
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	in := `{"type":"bundle","objects":[{"a":1},{"big":"` + big + `"},{"deep":` + deep + `},{"c":3}]}`
	r := NewReader(strings.NewReader(in))
	r.MaxObjectSize = 1000
	objs, oerrs, err := readAll(t, r)
	if err != nil {
		t.Fatalf("got stream error %v", err)
	}
	if got, want := strings.Join(objs, "|"), `{"a":1}|{"c":3}`; got != want {
		t.Errorf("got objects %q, want %q", got, want)
	}
	if len(oerrs) != 2 {
		t.Fatalf("got %d object errors, want 2: %v", len(oerrs), oerrs)
	}
	if oerrs[0].Index != 2 || !strings.Contains(oerrs[0].Error(), "larger than 1000 bytes") {
		t.Errorf("got %v, want object 2 too large", oerrs[0])
	}
	if oerrs[1].Index != 3 || !strings.Contains(oerrs[1].Error(), "nested deeper") {
		t.Errorf("got %v, want object 3 too deep", oerrs[1])
	}
}

func TestReaderSingleObjectTooLarge(t *testing.T) {
	r := NewReader(strings.NewReader(`{"a":"` + strings.Repeat("y", 3000) + `","b":1}` + "\n" + `{"c":1}`))
	r.MaxObjectSize = 1000
	objs, oerrs, err := readAll(t, r)
	if err != nil || len(oerrs) != 1 || len(objs) != 1 || objs[0] != `{"c":1}` {
		t.Errorf("got objects %q, object errors %v, error %v; want one error then {\"c\":1}", objs, oerrs, err)
	}
}

func FuzzReader(f *testing.F) {
	f.Add(`{"type":"bundle","objects":[{"a":1},{"b":"\""}]}`)
	f.Add(`[{"a":[1,2,{"b":null}]}]`)
	f.Add(`{"a":1}{"b":2}`)
	f.Fuzz(func(t *testing.T, in string) {
		r := NewReader(strings.NewReader(in))
		r.MaxObjectSize = 200
		for i := 0; i < 1000; i++ {
			b, err := r.Next()
			if err != nil {
				var oe *ObjectError
				if errors.As(err, &oe) {
					continue
				}
				return
			}
			if len(b) > 200 {
				t.Fatalf("object of %d bytes exceeds the limit", len(b))
			}
		}
	})
}
