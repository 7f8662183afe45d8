package stix

import "encoding/json"

// StringProp returns the top-level string property name, or "" when it is absent or not a
// string (e.g. an indicator's "pattern", "pattern_type" or "name").
func (o *Object) StringProp(name string) string {
	s, _ := o.Props[name].(string)
	return s
}

// StringsProp returns the top-level list-of-strings property name (e.g. "object_refs",
// "aliases"), or nil when it is absent or not a list of strings.
func (o *Object) StringsProp(name string) []string {
	arr, ok := o.Props[name].([]any)
	if !ok {
		return nil
	}
	out := make([]string, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			return nil
		}
		out[i] = s
	}
	return out
}

// TimestampProp returns the top-level timestamp property name (e.g. "valid_until"), and false
// when it is absent or not a valid timestamp.
func (o *Object) TimestampProp(name string) (Timestamp, bool) { return tsOf(o.Props, name) }

// IntProp returns the top-level integer property name (e.g. "confidence"), and false when it
// is absent or not an integer that fits in an int64.
func (o *Object) IntProp(name string) (int64, bool) { return intValue(o.Props[name]) }

// BoolProp returns the top-level boolean property name, and false for ok when it is absent or
// not a boolean.
func (o *Object) BoolProp(name string) (value, ok bool) {
	value, ok = o.Props[name].(bool)
	return value, ok
}

// NumberProp returns the top-level number property name as written (e.g. "latitude"), and
// false when it is absent or not a number.
func (o *Object) NumberProp(name string) (json.Number, bool) {
	n, ok := o.Props[name].(json.Number)
	return n, ok
}
