package stix

import (
	"errors"
	"fmt"
)

// validate checks o.Props and fills the common fields of o. It is the single entry point of
// validation; type-specific rules hang off validateType.
func validate(o *Object) error {
	m := o.Props
	var errs []error
	add := func(e error) {
		if e != nil && len(errs) < 10 {
			errs = append(errs, e)
		}
	}

	typ, err := str(m, "type", true)
	add(err)
	if err == nil {
		if e := CheckTypeName(typ); e != nil {
			add(&Error{Property: "type", Reason: e.Error()})
		}
	}
	o.Type = typ

	id, err := str(m, "id", true)
	add(err)
	if err == nil {
		idType, _, e := ParseID(id)
		switch {
		case e != nil:
			add(&Error{Property: "id", Reason: e.Error()})
		case typ != "" && idType != typ:
			add(errorf("id", "identifier type %q does not match the object's type %q", idType, typ))
		}
	}
	o.ID = id

	if typ == "bundle" {
		return errors.Join(append(errs, &Error{Property: "type", Reason: "a bundle is a container, not an object; its objects are read one by one"})...)
	}

	sv, err := str(m, "spec_version", false)
	add(err)
	o.SpecVersion = sv

	if o.Created, err = timestamp(m, "created"); err != nil {
		add(err)
	}
	if o.Modified, err = timestamp(m, "modified"); err != nil {
		add(err)
	}
	if !o.Created.IsZero() && !o.Modified.IsZero() && o.Modified.Time.Before(o.Created.Time) {
		add(errorf("modified", "%s is before created %s", o.Modified.Text, o.Created.Text))
	}
	if v, ok := m["revoked"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			add(errorf("revoked", "must be a boolean, not %s", jsonKind(v)))
		}
		o.Revoked = b
	}
	if o.CreatedByRef, err = ref(m, "created_by_ref", "identity"); err != nil {
		add(err)
	}
	if o.Labels, err = strList(m, "labels"); err != nil {
		add(err)
	}
	if o.ObjectMarkingRefs, err = refList(m, "object_marking_refs", "marking-definition"); err != nil {
		add(err)
	}
	if o.GranularMarkings, err = granularMarkings(m); err != nil {
		add(err)
	}
	if len(errs) == 0 {
		add(validateType(o))
	}
	return errors.Join(errs...)
}

// validateType applies the rules of o's type. Types that are not defined by the specification are
// custom objects and get the generic rules only.
func validateType(o *Object) error {
	if o.SpecVersion == "" && !isSCO(o.Type) {
		return errorf("spec_version", "is required on %s objects", o.Type)
	}
	if o.SpecVersion != "" && o.SpecVersion != "2.1" && o.SpecVersion != "2.0" {
		return errorf("spec_version", "%q is not a STIX version this node accepts (2.1)", o.SpecVersion)
	}
	if !isSCO(o.Type) && o.Type != "marking-definition" {
		if o.Created.IsZero() {
			return errorf("created", "is required")
		}
		if o.Modified.IsZero() {
			return errorf("modified", "is required")
		}
	}
	return nil
}

var scoTypes = map[string]bool{
	"artifact": true, "autonomous-system": true, "directory": true, "domain-name": true,
	"email-addr": true, "email-message": true, "file": true, "ipv4-addr": true, "ipv6-addr": true,
	"mac-addr": true, "mutex": true, "network-traffic": true, "process": true, "software": true,
	"url": true, "user-account": true, "windows-registry-key": true, "x509-certificate": true,
}

func isSCO(t string) bool { return scoTypes[t] }

func str(m map[string]any, key string, required bool) (string, error) {
	v, ok := m[key]
	if !ok {
		if required {
			return "", errorf(key, "is required")
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", errorf(key, "must be a string, not %s", jsonKind(v))
	}
	if s == "" && required {
		return "", errorf(key, "must not be empty")
	}
	return s, nil
}

func timestamp(m map[string]any, key string) (Timestamp, error) {
	s, err := str(m, key, false)
	if err != nil || s == "" {
		if err == nil && hasKey(m, key) {
			err = errorf(key, "must not be empty")
		}
		return Timestamp{}, err
	}
	t, err := ParseTimestamp(s)
	if err != nil {
		return Timestamp{}, &Error{Property: key, Reason: err.Error()}
	}
	return t, nil
}

func hasKey(m map[string]any, key string) bool { _, ok := m[key]; return ok }

func ref(m map[string]any, key string, types ...string) (string, error) {
	s, err := str(m, key, false)
	if err != nil || s == "" {
		if err == nil && hasKey(m, key) {
			err = errorf(key, "must not be empty")
		}
		return "", err
	}
	return s, checkRef(key, s, types)
}

func checkRef(prop, s string, types []string) error {
	typ, _, err := ParseID(s)
	if err != nil {
		return &Error{Property: prop, Reason: err.Error()}
	}
	if len(types) == 0 {
		return nil
	}
	for _, t := range types {
		if t == typ {
			return nil
		}
	}
	return errorf(prop, "must refer to %s, not %s", orList(types), typ)
}

func orList(ts []string) string {
	if len(ts) == 1 {
		return "a " + ts[0]
	}
	s := ""
	for i, t := range ts {
		if i > 0 {
			s += ", "
		}
		s += t
	}
	return "one of " + s
}

func strList(m map[string]any, key string) ([]string, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, errorf(key, "must be a list of strings, not %s", jsonKind(v))
	}
	if len(arr) == 0 {
		return nil, errorf(key, "must not be an empty list")
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			return nil, errorf(fmt.Sprintf("%s[%d]", key, i), "must be a string, not %s", jsonKind(e))
		}
		out = append(out, s)
	}
	return out, nil
}

func refList(m map[string]any, key string, types ...string) ([]string, error) {
	l, err := strList(m, key)
	if err != nil {
		return nil, err
	}
	for i, s := range l {
		if err := checkRef(fmt.Sprintf("%s[%d]", key, i), s, types); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func granularMarkings(m map[string]any) ([]GranularMarking, error) {
	v, ok := m["granular_markings"]
	if !ok {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, errorf("granular_markings", "must be a non-empty list")
	}
	out := make([]GranularMarking, 0, len(arr))
	for i, e := range arr {
		p := fmt.Sprintf("granular_markings[%d]", i)
		gm, ok := e.(map[string]any)
		if !ok {
			return nil, errorf(p, "must be an object, not %s", jsonKind(e))
		}
		var g GranularMarking
		var err error
		if g.MarkingRef, err = ref(gm, "marking_ref", "marking-definition"); err != nil {
			return nil, prefix(p, err)
		}
		if g.Lang, err = str(gm, "lang", false); err != nil {
			return nil, prefix(p, err)
		}
		if (g.MarkingRef == "") == (g.Lang == "") {
			return nil, errorf(p, "must have exactly one of marking_ref and lang")
		}
		if g.Selectors, err = strList(gm, "selectors"); err != nil {
			return nil, prefix(p, err)
		}
		if len(g.Selectors) == 0 {
			return nil, errorf(p+".selectors", "is required")
		}
		out = append(out, g)
	}
	return out, nil
}

func prefix(p string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return &Error{Property: p + "." + e.Property, Reason: e.Reason}
	}
	return err
}
