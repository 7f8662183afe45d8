package pattern

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/entente/entente/internal/stix"
)

// Observation is one observed-data object made ready for matching: its time span, how many
// times it was seen, and the cyber-observable objects it is about. Build it with
// DecodeObservations or NewObservation; the zero value holds no objects.
type Observation struct {
	ID             string // the observed-data identifier, "" when it has none
	FirstObserved  time.Time
	LastObserved   time.Time
	NumberObserved int

	objects []*object
	refs    map[string]*object // object key (STIX 2.0) or identifier (2.1) to object
}

type valueKind uint8

const (
	vNull valueKind = iota
	vBool
	vInt
	vFloat
	vString
	vBinary // from a property named …_hex or …_bin
	vList
	vObject
	vBad // a …_hex or …_bin property that does not decode; s says why
)

// value is a JSON value, with integers kept apart from floats and binary properties decoded.
type value struct {
	kind valueKind
	num  uint64 // vBool: 0 or 1; vInt: int64 bits; vFloat: float64 bits
	s    string // vString, vBinary (the bytes), vBad (the problem)
	list []value
	obj  *object
}

func (v *value) int() int64       { return int64(v.num) }
func (v *value) float() float64   { return math.Float64frombits(v.num) }
func (v *value) boolean() bool    { return v.num != 0 }
func objectValue(o *object) value { return value{kind: vObject, obj: o} }

// object is a JSON object; typ is its "type" property when that is a string.
type object struct {
	typ  string
	keys []string
	vals []value
	idx  map[string]int // only for objects with many properties
}

func (o *object) get(key string) *value {
	if o.idx != nil {
		if i, ok := o.idx[key]; ok {
			return &o.vals[i]
		}
		return nil
	}
	for i, k := range o.keys {
		if k == key {
			return &o.vals[i]
		}
	}
	return nil
}

// DecodeObservations reads observed-data from JSON: one object, an array, or a bundle (arrays
// may hold bundles too). STIX 2.0 observed-data carries its objects in an "objects"
// dictionary; STIX 2.1 observed-data lists "object_refs", which are resolved against the other
// objects in the same input. Any object that has an "objects" dictionary and a
// "first_observed" is taken as an observation whatever its type. Observations are returned in
// input order.
func DecodeObservations(data []byte) ([]Observation, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("decode observations: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("decode observations: unexpected data after the JSON value")
	}
	var items []map[string]any
	add := func(v any, bundleOK bool) error {
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("decode observations: expected JSON objects, found %T", v)
		}
		if m["type"] != "bundle" || !bundleOK {
			items = append(items, m)
			return nil
		}
		objs, ok := m["objects"].([]any)
		if !ok && m["objects"] != nil {
			return errors.New("decode observations: bundle objects is not an array")
		}
		for _, o := range objs {
			om, ok := o.(map[string]any)
			if !ok {
				return fmt.Errorf("decode observations: bundle holds %T, not an object", o)
			}
			items = append(items, om)
		}
		return nil
	}
	list, isList := top.([]any)
	if !isList {
		list = []any{top}
	}
	for _, v := range list {
		if err := add(v, true); err != nil {
			return nil, err
		}
	}
	pool := map[string]map[string]any{}
	var containers []map[string]any
	for _, it := range items {
		if isContainer(it) {
			containers = append(containers, it)
			continue
		}
		if id, ok := it["id"].(string); ok {
			pool[id] = it
		}
	}
	out := make([]Observation, 0, len(containers))
	for i, c := range containers {
		o, err := decodeContainer(c, pool)
		if err != nil {
			id, _ := c["id"].(string)
			if id == "" {
				id = "#" + strconv.Itoa(i)
			}
			return nil, fmt.Errorf("decode observations: observed-data %s: %w", id, err)
		}
		out = append(out, o)
	}
	return out, nil
}

func isContainer(m map[string]any) bool {
	if m["type"] == "observed-data" {
		return true
	}
	_, objs := m["objects"].(map[string]any)
	_, first := m["first_observed"]
	return objs && first
}

func decodeContainer(c map[string]any, pool map[string]map[string]any) (Observation, error) {
	var o Observation
	o.ID, _ = c["id"].(string)
	var err error
	if o.FirstObserved, err = timeProp(c, "first_observed"); err != nil {
		return o, err
	}
	if o.LastObserved, err = timeProp(c, "last_observed"); err != nil {
		return o, err
	}
	n, ok := c["number_observed"].(json.Number)
	if !ok {
		return o, errors.New("number_observed is missing or not a number")
	}
	count, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || count < 1 || count > math.MaxInt32 {
		return o, fmt.Errorf("number_observed %s is not a whole number from 1 to %d", n, math.MaxInt32)
	}
	o.NumberObserved = int(count)
	var objs []map[string]any
	var keys []string
	switch {
	case c["object_refs"] != nil:
		refs, ok := c["object_refs"].([]any)
		if !ok {
			return o, errors.New("object_refs is not an array")
		}
		for _, r := range refs {
			id, ok := r.(string)
			if !ok {
				return o, errors.New("object_refs holds a non-string")
			}
			if obj, ok := pool[id]; ok {
				objs = append(objs, obj)
				keys = append(keys, id)
			}
		}
	case c["objects"] != nil:
		m, ok := c["objects"].(map[string]any)
		if !ok {
			return o, errors.New("objects is not a JSON object")
		}
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			obj, ok := m[k].(map[string]any)
			if !ok {
				return o, fmt.Errorf("objects[%q] is not a JSON object", k)
			}
			objs = append(objs, obj)
		}
	default:
		return o, errors.New("has neither object_refs nor objects")
	}
	if err := o.setObjects(keys, objs); err != nil {
		return o, err
	}
	return o, o.check()
}

func timeProp(c map[string]any, name string) (time.Time, error) {
	s, ok := c[name].(string)
	if !ok {
		return time.Time{}, fmt.Errorf("%s is missing or not a string", name)
	}
	ts, err := stix.ParseTimestamp(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", name, err)
	}
	return ts.Time, nil
}

// NewObservation builds an observation from decoded JSON-like objects (maps holding strings,
// numbers, booleans, nil, slices and maps). References between the objects resolve by an
// object's "id" property and by its position written as a string ("0", "1", …), which is how
// STIX 2.0 objects dictionaries are keyed.
func NewObservation(id string, first, last time.Time, number int, objects []map[string]any) (Observation, error) {
	o := Observation{ID: id, FirstObserved: first.UTC(), LastObserved: last.UTC(), NumberObserved: number}
	keys := make([]string, len(objects))
	for i := range objects {
		keys[i] = strconv.Itoa(i)
	}
	if err := o.setObjects(keys, objects); err != nil {
		return Observation{}, fmt.Errorf("new observation: %w", err)
	}
	if err := o.check(); err != nil {
		return Observation{}, fmt.Errorf("new observation: %w", err)
	}
	return o, nil
}

func (o *Observation) setObjects(keys []string, objs []map[string]any) error {
	o.refs = make(map[string]*object, 2*len(objs))
	for i, m := range objs {
		v, err := convert(m, 0)
		if err != nil {
			return err
		}
		obj := v.obj
		o.objects = append(o.objects, obj)
		o.refs[keys[i]] = obj
		if idv := obj.get("id"); idv != nil && idv.kind == vString {
			if _, taken := o.refs[idv.s]; !taken {
				o.refs[idv.s] = obj
			}
		}
	}
	return nil
}

// check verifies what matching relies on.
func (o *Observation) check() error {
	if o.NumberObserved < 1 {
		return fmt.Errorf("number_observed is %d, must be at least 1", o.NumberObserved)
	}
	if o.LastObserved.Before(o.FirstObserved) {
		return errors.New("last_observed is before first_observed")
	}
	return nil
}

const maxValueDepth = 256

// convert turns a decoded JSON value into a value.
func convert(x any, depth int) (value, error) {
	if depth > maxValueDepth {
		return value{}, errors.New("objects nested too deeply")
	}
	switch t := x.(type) {
	case nil:
		return value{kind: vNull}, nil
	case bool:
		v := value{kind: vBool}
		if t {
			v.num = 1
		}
		return v, nil
	case string:
		return value{kind: vString, s: t}, nil
	case json.Number:
		return numberValue(string(t))
	case float64:
		return value{kind: vFloat, num: math.Float64bits(t)}, nil
	case float32:
		return value{kind: vFloat, num: math.Float64bits(float64(t))}, nil
	case int:
		return value{kind: vInt, num: uint64(int64(t))}, nil
	case int64:
		return value{kind: vInt, num: uint64(t)}, nil
	case int32:
		return value{kind: vInt, num: uint64(int64(t))}, nil
	case []any:
		v := value{kind: vList, list: make([]value, len(t))}
		for i, e := range t {
			var err error
			if v.list[i], err = convert(e, depth+1); err != nil {
				return value{}, err
			}
		}
		return v, nil
	case []string:
		v := value{kind: vList, list: make([]value, len(t))}
		for i, e := range t {
			v.list[i] = value{kind: vString, s: e}
		}
		return v, nil
	case map[string]any:
		o := &object{keys: make([]string, 0, len(t)), vals: make([]value, 0, len(t))}
		for k := range t {
			o.keys = append(o.keys, k)
		}
		sort.Strings(o.keys)
		for _, k := range o.keys {
			var cv value
			switch {
			case strings.HasSuffix(k, "_hex"):
				cv = binaryValue(t[k], hex.DecodeString, "hex")
			case strings.HasSuffix(k, "_bin"):
				cv = binaryValue(t[k], base64.StdEncoding.DecodeString, "base64")
			default:
				var err error
				if cv, err = convert(t[k], depth+1); err != nil {
					return value{}, err
				}
			}
			o.vals = append(o.vals, cv)
		}
		if len(o.keys) > 16 {
			o.idx = make(map[string]int, len(o.keys))
			for i, k := range o.keys {
				o.idx[k] = i
			}
		}
		if tv := o.get("type"); tv != nil && tv.kind == vString {
			o.typ = tv.s
		}
		return value{kind: vObject, obj: o}, nil
	}
	return value{}, fmt.Errorf("unsupported value of type %T", x)
}

func numberValue(s string) (value, error) {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return value{kind: vInt, num: uint64(i)}, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return value{}, fmt.Errorf("bad number %s", s)
	}
	return value{kind: vFloat, num: math.Float64bits(f)}, nil
}

// binaryValue decodes a …_hex or …_bin property; a failure is kept and reported only if a
// pattern reaches the property.
func binaryValue(x any, decode func(string) ([]byte, error), what string) value {
	s, ok := x.(string)
	if !ok {
		return value{kind: vBad, s: fmt.Sprintf("%s property holds %T, not a string", what, x)}
	}
	b, err := decode(s)
	if err != nil {
		return value{kind: vBad, s: fmt.Sprintf("%s property %s does not decode: %v", what, quoteClip(s), err)}
	}
	return value{kind: vBinary, s: string(b)}
}
