package stix

import (
	"encoding/json"
	"fmt"
)

// Object is one STIX object: its exact JSON and the common properties the node works with.
type Object struct {
	Type        string
	ID          string
	SpecVersion string // "2.1" when absent on an SCO or given as 2.1; "2.0" for STIX 2.0 content
	Created     Timestamp
	Modified    Timestamp
	Revoked     bool

	CreatedByRef      string
	Labels            []string
	ObjectMarkingRefs []string
	GranularMarkings  []GranularMarking

	// Props holds every top-level property as decoded with json.Number for numbers. It is what
	// validation, the policy (personal data) and the indicator index read; it is never written
	// back: Raw is what is stored and served.
	Props map[string]any

	// Raw is the object's JSON, compacted; byte-for-byte what was received minus insignificant
	// white space.
	Raw []byte
}

// GranularMarking applies a marking to parts of an object selected by property paths.
type GranularMarking struct {
	MarkingRef string   `json:"marking_ref,omitempty"`
	Lang       string   `json:"lang,omitempty"`
	Selectors  []string `json:"selectors"`
}

// Version returns the object's version key in microseconds: modified, or created when the
// object has no modified, or 0 for objects that are not versioned (SCOs).
func (o *Object) Version() int64 {
	switch {
	case !o.Modified.IsZero():
		return o.Modified.Micro()
	case !o.Created.IsZero():
		return o.Created.Micro()
	}
	return 0
}

// VersionText returns the version as written in the object ("" for an unversioned object).
func (o *Object) VersionText() string {
	if !o.Modified.IsZero() {
		return o.Modified.Text
	}
	return o.Created.Text
}

// String returns a short description for messages: the id.
func (o *Object) String() string { return o.ID }

// MaxObjectSize is the default largest object, in bytes, that Decode is given by the readers.
const MaxObjectSize = 16 << 20

// Error is a validation failure of one object: which property is wrong and why.
type Error struct {
	Property string // JSON path of the offending property, "" for the object as a whole
	Reason   string
}

func (e *Error) Error() string {
	if e.Property == "" {
		return e.Reason
	}
	return e.Property + ": " + e.Reason
}

// errorf builds an *Error for property prop.
func errorf(prop, format string, args ...any) *Error {
	return &Error{Property: prop, Reason: fmt.Sprintf(format, args...)}
}

// Decode parses and validates one STIX object from its JSON. The error, when not nil, says what
// is wrong (an *Error, or several joined with errors.Join); the object is then not usable.
// Duplicate member names, invalid UTF-8 and nesting deeper than 1000 levels are rejected as
// malformed JSON.
func Decode(raw []byte) (*Object, error) {
	m, compact, err := parseObject(raw)
	if err != nil {
		return nil, &Error{Reason: "malformed JSON: " + err.Error()}
	}
	o := &Object{Props: m}
	if err := validate(o); err != nil {
		return nil, err
	}
	o.Raw = compact
	return o, nil
}

// decodeMap decodes a JSON object, keeping numbers exact.
func decodeMap(raw []byte) (map[string]any, error) {
	m, _, err := parseObject(raw)
	if err != nil {
		return nil, &Error{Reason: "malformed JSON: " + err.Error()}
	}
	return m, nil
}

// jsonKind names the JSON type of a decoded value for error messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
