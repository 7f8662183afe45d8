package stix

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// decodeStd decodes JSON with encoding/json, numbers as json.Number: the reference the
// single-pass parser is compared with.
func decodeStd(t interface {
	Helper()
	Fatalf(string, ...any)
}, raw []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("encoding/json rejects %s: %v", raw, err)
	}
	return v
}

func TestDecodeRoundTrip(t *testing.T) {
	in := `{
	  "type": "indicator", "spec_version": "2.1",
	  "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
	  "created": "2016-04-06T20:03:48.000Z",
	  "modified": "2016-04-06T20:03:48.123456789Z",
	  "name": "caf\u00e9 \"quoted\" \ud83d\ude00 — 中文 \/ \\",
	  "pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix",
	  "valid_from": "2016-01-01T00:00:00Z",
	  "x_huge": 123456789012345678901234567890123456789012345678901234567890,
	  "x_exp": 1e400, "x_tenth": 0.1, "x_neg": -0.0, "x_small": 5E-324,
	  "x_nested": {"a_b": [1, 2.50, {"deep": [true, false]}], "c": "d"}
	}`
	o, err := Decode([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(decodeStd(t, o.Raw), decodeStd(t, []byte(in))) {
		t.Errorf("Raw is not semantically equal to the input:\n got %s", o.Raw)
	}
	var want bytes.Buffer
	if err := json.Compact(&want, []byte(in)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(o.Raw, want.Bytes()) {
		t.Errorf("Raw differs from json.Compact:\n got %s\nwant %s", o.Raw, want.Bytes())
	}
	for _, lit := range []string{"123456789012345678901234567890123456789012345678901234567890", "1e400", "0.1", "2.50", "-0.0", "5E-324"} {
		if !bytes.Contains(o.Raw, []byte(lit)) {
			t.Errorf("Raw lost the number %s", lit)
		}
	}
	if got := o.Props["x_huge"]; got != json.Number("123456789012345678901234567890123456789012345678901234567890") {
		t.Errorf("Props[x_huge]: got %v", got)
	}
	if got, want := o.StringProp("name"), "café \"quoted\" 😀 — 中文 / \\"; got != want {
		t.Errorf("name: got %q, want %q", got, want)
	}
	if got, want := o.Modified.Text, "2016-04-06T20:03:48.123456789Z"; got != want {
		t.Errorf("Modified.Text: got %q, want %q", got, want)
	}
	if got := o.Modified.Time.Nanosecond(); got != 123456789 {
		t.Errorf("Modified nanoseconds: got %d, want 123456789", got)
	}
}

func TestDecodeMalformed(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	tests := []struct {
		name, in, want string
	}{
		{"empty", ``, "empty input"},
		{"array", `[1]`, "must be a JSON object, not an array"},
		{"string", `"x"`, "must be a JSON object, not a string"},
		{"trailing garbage", `{"a":1} x`, "unexpected data after the object"},
		{"two objects", `{"a":1}{"b":2}`, "unexpected data after the object"},
		{"duplicate key", `{"type":"tool","type":"malware"}`, `duplicate member name "type"`},
		{"duplicate escaped key", `{"ty\u0070e":"tool","type":"malware"}`, `duplicate member name "type"`},
		{"invalid utf-8", "{\"type\":\"t\xffol\"}", "invalid UTF-8"},
		{"control char", "{\"type\":\"t\nol\"}", "control character"},
		{"bad escape", `{"type":"\x"}`, "invalid escape"},
		{"bad unicode escape", `{"type":"\u12"}`, `invalid \u escape`},
		{"unterminated string", `{"type":"tool`, "unexpected end of input in a string"},
		{"unterminated object", `{"type":"tool"`, "unexpected end of input in an object"},
		{"leading zero", `{"a":01}`, "expected ',' or '}'"},
		{"bare dot", `{"a":1.}`, "digits expected after the decimal point"},
		{"bad exponent", `{"a":1e}`, "digits expected in the exponent"},
		{"plus sign", `{"a":+1}`, "looking for a value"},
		{"nan", `{"a":NaN}`, "looking for a value"},
		{"bad literal", `{"a":tru}`, "expected true"},
		{"missing colon", `{"a" 1}`, "expected ':'"},
		{"trailing comma", `{"a":1,}`, "expected a member name"},
		{"deep arrays", `{"x_deep":` + deep + `}`, "nested more than 1000 levels"},
		{"deep objects", strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000), "nested more than 1000 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.in))
			if err == nil {
				t.Fatalf("got no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestEncodingJSONDepthLimit records why the parser has its own limit: encoding/json stops at
// 10000 levels with an error rather than crashing, but that is far deeper than STIX needs.
func TestEncodingJSONDepthLimit(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	var v any
	err := json.Unmarshal([]byte(deep), &v)
	if err == nil || !strings.Contains(err.Error(), "exceeded max depth") {
		t.Fatalf("encoding/json on 100000 levels: got %v, want a max depth error", err)
	}
}

// TestParserMatchesEncodingJSON: for any JSON object encoding/json produces, the single-pass
// parser decodes the same value and compacts to the same text.
func TestParserMatchesEncodingJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := genJSONObject(3).Draw(t, "object")
		raw, err := json.MarshalIndent(v, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		m, compact, err := parseObject(raw)
		if err != nil {
			t.Fatalf("parseObject(%s): %v", raw, err)
		}
		std := decodeStd(t, raw)
		if !reflect.DeepEqual(any(m), std) {
			t.Fatalf("parseObject(%s):\n got %#v\nwant %#v", raw, m, std)
		}
		var want bytes.Buffer
		_ = json.Compact(&want, raw)
		if !bytes.Equal(compact, want.Bytes()) {
			t.Fatalf("compact:\n got %s\nwant %s", compact, want.Bytes())
		}
	})
}

func genJSONValue(depth int) *rapid.Generator[any] {
	leaves := []*rapid.Generator[any]{
		rapid.Map(rapid.String(), func(s string) any { return s }),
		rapid.Map(rapid.Int64(), func(i int64) any { return i }),
		rapid.Map(rapid.Float64(), func(f float64) any { return f }),
		rapid.Map(rapid.Bool(), func(b bool) any { return b }),
		rapid.Just[any](nil),
	}
	if depth == 0 {
		return rapid.OneOf(leaves...)
	}
	return rapid.OneOf(append(leaves,
		rapid.Map(rapid.SliceOfN(genJSONValue(depth-1), 0, 4), func(s []any) any { return s }),
		rapid.Map(genJSONObject(depth-1), func(m map[string]any) any { return m }),
	)...)
}

func genJSONObject(depth int) *rapid.Generator[map[string]any] {
	return rapid.MapOfN(rapid.String(), genJSONValue(depth), 0, 5)
}

// FuzzDecode: Decode never panics, and an accepted object decodes again from its Raw to the
// same object.
func FuzzDecode(f *testing.F) {
	for _, m := range validObjects() {
		b, _ := json.Marshal(m)
		f.Add(b)
	}
	f.Add(benchIndicator)
	f.Add([]byte(`{"type":"x-a","id":"x-a--6ba7b810-9dad-41d1-80b4-00c04fd43000","spec_version":"2.1","created":"2021-01-01T00:00:00Z","modified":"2021-01-01T00:00:00Z","x_s":"\ud83d\ude00\u0000","x_n":[1e400,-0.0]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := Decode(raw)
		if err != nil {
			if o != nil {
				t.Fatalf("got an object and an error")
			}
			return
		}
		o2, err := Decode(o.Raw)
		if err != nil {
			t.Fatalf("Raw of an accepted object rejected: %v\n%s", err, o.Raw)
		}
		if !bytes.Equal(o.Raw, o2.Raw) || !reflect.DeepEqual(o.Props, o2.Props) {
			t.Fatalf("re-decoding changed the object:\n%s\n%s", o.Raw, o2.Raw)
		}
		if o.ID != o2.ID || o.Version() != o2.Version() || o.Type != o2.Type {
			t.Fatalf("re-decoding changed id/type/version")
		}
		if !json.Valid(o.Raw) {
			t.Fatalf("Raw is not valid JSON: %s", o.Raw)
		}
		if !reflect.DeepEqual(any(o.Props), decodeStd(t, o.Raw)) {
			t.Fatalf("Props differ from encoding/json's reading of Raw: %s", o.Raw)
		}
	})
}
