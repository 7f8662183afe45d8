package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/entente/entente/internal/stix"
)

// ErrWithheld is returned by Redact when the recipient may not receive the object at all.
var ErrWithheld = errors.New("withheld")

// Redact returns the JSON of o in the form decision d gives it: o.Raw itself for the full form;
// for the redacted form a copy without the parts granular-marked at levels d.Visible lacks and,
// when d redacts personal data, without personal data (see the package documentation for what
// exactly is removed or masked). Everything else is kept byte for byte. It fails with
// ErrWithheld when d does not allow o, or when redaction would have to remove a property o
// cannot lose (which Decide, given the same configuration, does not let happen).
func Redact(o *stix.Object, d Decision, cfg Config) ([]byte, error) {
	if !d.Allow || d.Form == FormWithheld {
		return nil, fmt.Errorf("redact %s: %w by rule %s", o.ID, ErrWithheld, d.Rule)
	}
	if d.Form == FormFull {
		return o.Raw, nil
	}
	e := &editor{
		personal: d.Redactions&RedactPersonal != 0,
		remove:   map[string]bool{},
		under:    map[string]bool{},
		remap:    map[string][]int{},
	}
	if e.personal && personalClass(o) == PersonalIntegral {
		return nil, fmt.Errorf("redact %s: %w: the object is personal data", o.ID, ErrWithheld)
	}
	obj := cfg.EffectiveTLP(o)
	for _, gm := range o.GranularMarkings {
		l, ok := hidden(gm, cfg, obj, d.Visible)
		if !ok {
			continue
		}
		for _, sel := range gm.Selectors {
			segs, ok := parseSelector(sel)
			switch {
			case !ok:
				return nil, fmt.Errorf("redact %s: %w: selector %q marked %s cannot be understood", o.ID, ErrWithheld, sel, l.Label())
			case !resolves(o.Props, segs):
			case isRequired(o.Type, segs[0]):
				return nil, fmt.Errorf("redact %s: %w: required property %s is marked %s", o.ID, ErrWithheld, segs[0], l.Label())
			default:
				e.plan(segs)
			}
		}
	}
	out, err := e.object(o.Raw)
	if err != nil {
		return nil, fmt.Errorf("redact %s: %w", o.ID, err)
	}
	return out, nil
}

// editor rewrites an object's JSON. Removal paths are dotted property paths that never pass
// through an array: a selector into an array removes the whole array, so no index of a
// remaining selector moves except in the top-level reference lists the personal-data redaction
// thins, which remap records. Any removal inside an extension removes the whole extension.
type editor struct {
	personal bool
	remove   map[string]bool  // paths to remove
	under    map[string]bool  // strict prefixes of paths to remove
	removed  []string         // paths actually removed, for fixing granular marking selectors
	remap    map[string][]int // top-level reference list → new index per old index, -1 for gone
}

// plan records the removal a selector calls for.
func (e *editor) plan(segs []string) {
	for i, s := range segs {
		if s[0] == '[' {
			segs = segs[:i]
			break
		}
	}
	e.remove[strings.Join(segs, ".")] = true
	for i := 1; i < len(segs); i++ {
		e.under[strings.Join(segs[:i], ".")] = true
	}
}

func (e *editor) drop(path string) { e.removed = append(e.removed, path) }

// object rewrites the top-level object.
func (e *editor) object(raw []byte) ([]byte, error) {
	ms, err := members(raw)
	if err != nil {
		return nil, err
	}
	out := make([]member, 0, len(ms))
	gm := -1
	for _, m := range ms {
		switch {
		case e.remove[m.key]:
			e.drop(m.key)
			continue
		case m.key == "granular_markings":
			gm = len(out)
		case e.personal && m.key == "authors":
			e.drop(m.key)
			continue
		case e.personal && isRefKey(m.key) && rawPersonalRef(m.val):
			e.drop(m.key)
			continue
		case e.personal && isRefsKey(m.key):
			v, err := e.refList(m.key, m.val)
			if err != nil {
				return nil, err
			}
			if v == nil {
				e.drop(m.key)
				continue
			}
			m.val = v
		default:
			v, _, err := e.value(m.key, m.val)
			if err != nil {
				return nil, err
			}
			if emptied(m.val, v) {
				e.drop(m.key)
				continue
			}
			m.val = v
		}
		out = append(out, m)
	}
	if gm >= 0 {
		v, err := e.granular(out[gm].val)
		if err != nil {
			return nil, err
		}
		if v == nil {
			out = append(out[:gm], out[gm+1:]...)
		} else {
			out[gm].val = v
		}
	}
	return join('{', '}', out), nil
}

// value rewrites a nested value at path and reports whether its structure changed (something
// inside was removed rather than masked).
func (e *editor) value(path string, raw []byte) ([]byte, bool, error) {
	if len(raw) == 0 {
		return raw, false, nil
	}
	switch raw[0] {
	case '{':
		if !e.personal && !e.under[path] {
			return raw, false, nil
		}
		ms, err := members(raw)
		if err != nil {
			return nil, false, err
		}
		out := make([]member, 0, len(ms))
		changed := false
		for _, m := range ms {
			p := path + "." + m.key
			if e.remove[p] || e.personal && (isRefKey(m.key) && rawPersonalRef(m.val) || isRefsKey(m.key) && rawPersonalRefs(m.val)) {
				e.drop(p)
				changed = true
				continue
			}
			v, st, err := e.value(p, m.val)
			if err != nil {
				return nil, false, err
			}
			if st && path == "extensions" || emptied(m.val, v) {
				// An extension is removed whole rather than left without a part its
				// definition may require.
				e.drop(p)
				changed = true
				continue
			}
			changed = changed || st
			m.val = v
			out = append(out, m)
		}
		return join('{', '}', out), changed, nil
	case '[':
		if !e.personal {
			return raw, false, nil
		}
		els, err := elements(raw)
		if err != nil {
			return nil, false, err
		}
		changed := false
		for i, el := range els {
			v, st, err := e.value(path+".["+strconv.Itoa(i)+"]", el.val)
			if err != nil {
				return nil, false, err
			}
			changed = changed || st
			els[i].val = v
		}
		return join('[', ']', els), changed, nil
	case '"':
		if !e.personal {
			return raw, false, nil
		}
		v, err := maskRaw(raw)
		return v, false, err
	}
	return raw, false, nil
}

// refList thins a top-level reference list of personal references, masking what remains; it
// returns nil when nothing remains.
func (e *editor) refList(key string, raw []byte) ([]byte, error) {
	els, err := elements(raw)
	if err != nil {
		return nil, err
	}
	idx := make([]int, len(els))
	out := els[:0:0]
	for i, el := range els {
		if rawPersonalRef(el.val) {
			idx[i] = -1
			continue
		}
		idx[i] = len(out)
		v, _, err := e.value(key+".["+strconv.Itoa(i)+"]", el.val)
		if err != nil {
			return nil, err
		}
		out = append(out, member{val: v})
	}
	if len(out) == 0 {
		return nil, nil
	}
	if len(out) < len(els) {
		e.remap[key] = idx
	}
	return join('[', ']', out), nil
}

// granular rewrites granular_markings after the removals: selectors of removed parts go,
// selectors into thinned reference lists are renumbered, markings left without selectors go.
// It returns nil when no marking remains.
func (e *editor) granular(raw []byte) ([]byte, error) {
	els, err := elements(raw)
	if err != nil {
		return nil, err
	}
	var out []member
	for _, el := range els {
		ms, err := members(el.val)
		if err != nil {
			return nil, err
		}
		keep := true
		for i, m := range ms {
			if m.key != "selectors" {
				continue
			}
			var sels []string
			if err := json.Unmarshal(m.val, &sels); err != nil {
				return nil, fmt.Errorf("granular_markings selectors: %w", err)
			}
			kept := make([]string, 0, len(sels))
			for _, s := range sels {
				if s, ok := e.selector(s); ok {
					kept = append(kept, s)
				}
			}
			if len(kept) == 0 {
				keep = false
				break
			}
			if !slicesEqual(kept, sels) {
				ms[i].val, _ = json.Marshal(kept)
				el.val = join('{', '}', ms)
			}
		}
		if keep {
			out = append(out, el)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return join('[', ']', out), nil
}

// selector returns sel as it reads after the removals, and false when what it selected is gone.
func (e *editor) selector(sel string) (string, bool) {
	for _, r := range e.removed {
		if sel == r || strings.HasPrefix(sel, r+".") {
			return "", false
		}
	}
	segs := strings.Split(sel, ".")
	idx, ok := e.remap[segs[0]]
	if !ok || len(segs) < 2 || !strings.HasPrefix(segs[1], "[") {
		return sel, true
	}
	old, err := strconv.Atoi(strings.Trim(segs[1], "[]"))
	if err != nil || old < 0 || old >= len(idx) || idx[old] < 0 {
		return "", false
	}
	segs[1] = "[" + strconv.Itoa(idx[old]) + "]"
	return strings.Join(segs, "."), true
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// emptied reports whether a container lost all its content.
func emptied(before, after []byte) bool {
	empty := func(b []byte) bool { return string(b) == "{}" || string(b) == "[]" }
	return empty(after) && !empty(before)
}

func rawPersonalRef(raw []byte) bool {
	var s string
	return json.Unmarshal(raw, &s) == nil && personalRef(s)
}

func rawPersonalRefs(raw []byte) bool {
	var l []any
	if json.Unmarshal(raw, &l) != nil {
		return false
	}
	n, _ := personalRefs(l)
	return n > 0
}

// maskRaw masks the e-mail addresses in a JSON string, keeping its bytes when there are none.
func maskRaw(raw []byte) ([]byte, error) {
	if bytes.IndexByte(raw, '@') < 0 && bytes.IndexByte(raw, '\\') < 0 {
		return raw, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("string: %w", err)
	}
	m := maskEmails(s)
	if m == s {
		return raw, nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("string: %w", err)
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// member is one member of a JSON object (key and raw key set) or one element of an array.
type member struct {
	key    string
	rawKey []byte
	val    []byte
}

// members splits a JSON object into its members, keeping their bytes.
func members(raw []byte) ([]member, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	var out []member
	for d.More() {
		start := d.InputOffset()
		t, err := d.Token()
		if err != nil {
			return nil, fmt.Errorf("object member: %w", err)
		}
		key, _ := t.(string)
		rawKey := bytes.TrimLeft(raw[start:d.InputOffset()], ", \t\r\n")
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, fmt.Errorf("value of %q: %w", key, err)
		}
		out = append(out, member{key: key, rawKey: rawKey, val: v})
	}
	return out, nil
}

// elements splits a JSON array into its elements, keeping their bytes.
func elements(raw []byte) ([]member, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	if t, err := d.Token(); err != nil || t != json.Delim('[') {
		return nil, fmt.Errorf("not a JSON array")
	}
	var out []member
	for d.More() {
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, fmt.Errorf("array element: %w", err)
		}
		out = append(out, member{val: v})
	}
	return out, nil
}

// join writes members (with their raw keys) or elements (without) between open and close.
func join(open, close byte, ms []member) []byte {
	n := 2
	for _, m := range ms {
		n += len(m.rawKey) + len(m.val) + 2
	}
	b := make([]byte, 0, n)
	b = append(b, open)
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		if m.rawKey != nil {
			b = append(b, m.rawKey...)
			b = append(b, ':')
		}
		b = append(b, m.val...)
	}
	return append(b, close)
}
