package stix

import (
	"errors"
	"strconv"
	"strings"
)

// validate checks o.Props against STIX 2.1 and fills the common fields of o. It is the single
// entry point of validation: the common properties first, then the rules of o's type. It
// returns up to maxErrors problems joined with errors.Join, each an *Error.
func validate(o *Object) error {
	c := &checker{}
	m := o.Props

	typ, typeOK := m["type"].(string)
	switch v, ok := m["type"]; {
	case !ok:
		c.fail(at("type"), "is required")
	case !typeOK:
		c.fail(at("type"), "must be a string, not %s", jsonKind(v))
	default:
		if err := CheckTypeName(typ); err != nil {
			c.fail(at("type"), "%s", err.Error())
			typeOK = false
		}
	}

	id, idOK := m["id"].(string)
	switch v, ok := m["id"]; {
	case !ok:
		c.fail(at("id"), "is required")
	case !idOK:
		c.fail(at("id"), "must be a string, not %s", jsonKind(v))
	default:
		idType, _, err := ParseID(id)
		switch {
		case err != nil:
			c.fail(at("id"), "%s", err.Error())
			idOK = false
		case typeOK && idType != typ:
			c.fail(at("id"), "identifier type %q does not match the object's type %q", idType, typ)
		}
	}
	if typ == "bundle" {
		c.fail(at("type"), "a bundle is a container, not an object; its objects are read one by one")
		return errors.Join(c.errs...)
	}

	r := typeRules[typ]
	sco := isSCO(typ) || r == nil && customSCO(m)

	for k, v := range m {
		if c.full() {
			break
		}
		switch k {
		case "type", "id":
			continue
		case "extensions":
			checkExtensions(c, typ, r, v)
			continue
		case "granular_markings":
			checkGranularMarkings(c, m, id, v)
			continue
		}
		if v == nil {
			c.fail(at(k), "must not be null")
			continue
		}
		if r != nil {
			if f, ok := r.props[k]; ok {
				f(c, at(k), v)
				continue
			}
		}
		if f, ok := commonProps[k]; ok {
			f(c, at(k), v)
			continue
		}
		if reserved[k] {
			c.fail(at(k), "is a reserved property name and must not be used")
			continue
		}
		checkCustom(c, at(k), k, v)
	}

	sv, _ := m["spec_version"].(string)
	_, hasSV := m["spec_version"]
	switch {
	case !hasSV && !sco:
		c.fail(at("spec_version"), "is required on %s objects", typ)
	case hasSV && sv != "2.1" && sv != "2.0":
		// The type error, if any, is already reported.
		if _, isStr := m["spec_version"].(string); isStr {
			c.fail(at("spec_version"), "%q is not a STIX version this node accepts (2.1)", clip(sv))
		}
	}
	if !sco {
		if _, ok := m["created"]; !ok {
			c.fail(at("created"), "is required")
		}
		if _, ok := m["modified"]; !ok && typ != "marking-definition" {
			c.fail(at("modified"), "is required")
		}
	}
	order("created", "modified", false)(c, m)

	if typ == "marking-definition" && idOK {
		refs, _ := m["object_marking_refs"].([]any)
		for i, x := range refs {
			if x == id {
				c.fail(at("object_marking_refs").elem(i), "a marking definition must not mark itself")
			}
		}
	}
	// STIX 2.0 content is checked for the common rules only: its type rules differ.
	if r != nil && sv != "2.0" {
		for _, p := range r.required {
			if _, ok := m[p]; !ok {
				c.fail(at(p), "is required on %s objects", typ)
			}
		}
		if r.extra != nil && !c.full() {
			r.extra(c, m)
		}
	}
	if len(c.errs) > 0 {
		return errors.Join(c.errs...)
	}

	o.Type, o.ID, o.SpecVersion = typ, id, sv
	if sv == "" {
		o.SpecVersion = "2.1"
	}
	o.Created, _ = tsOf(m, "created")
	o.Modified, _ = tsOf(m, "modified")
	o.Revoked, _ = m["revoked"].(bool)
	o.CreatedByRef, _ = m["created_by_ref"].(string)
	o.Labels = stringsOf(m["labels"])
	o.ObjectMarkingRefs = stringsOf(m["object_marking_refs"])
	if gms, ok := m["granular_markings"].([]any); ok {
		o.GranularMarkings = make([]GranularMarking, len(gms))
		for i, g := range gms {
			gm := g.(map[string]any)
			o.GranularMarkings[i].MarkingRef, _ = gm["marking_ref"].(string)
			o.GranularMarkings[i].Lang, _ = gm["lang"].(string)
			o.GranularMarkings[i].Selectors = stringsOf(gm["selectors"])
		}
	}
	return nil
}

// stringsOf converts a validated list of strings.
func stringsOf(v any) []string {
	arr, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]string, len(arr))
	for i, e := range arr {
		out[i], _ = e.(string)
	}
	return out
}

// commonProps are the common properties of section 3.2 (SDOs, SROs) and 6.1 (SCOs); type and
// id, extensions and granular_markings are checked apart.
var commonProps = map[string]check{
	"spec_version":        isString,
	"created":             isTimestamp,
	"modified":            isTimestamp,
	"revoked":             isBool,
	"created_by_ref":      ref(refTo("identity")),
	"labels":              stringList,
	"confidence":          integer(0, 100),
	"lang":                isString,
	"external_references": externalReferences,
	"object_marking_refs": refList(refTo("marking-definition")),
	"defanged":            isBool,
}

// reserved are the property names section 3.8 reserves; no object may use them.
var reserved = map[string]bool{"severity": true, "action": true, "username": true, "phone_numbers": true}

// customSCO reports whether a custom object declares itself a new SCO through an extension.
func customSCO(m map[string]any) bool {
	exts, _ := m["extensions"].(map[string]any)
	for _, e := range exts {
		if em, ok := e.(map[string]any); ok && em["extension_type"] == "new-sco" {
			return true
		}
	}
	return false
}

// predefinedExt names every extension the specification defines, with the type it belongs to.
var predefinedExt = map[string]string{}

func init() {
	for t, r := range typeRules {
		for name := range r.extensions {
			predefinedExt[name] = t
		}
	}
}

// checkExtensions checks the extensions dictionary (sections 3.2, 7.3): keys are extension
// definition ids or extension names ending in -ext, values non-empty objects.
func checkExtensions(c *checker, typ string, r *rules, v any) {
	p := at("extensions")
	m, ok := nonEmptyMap(c, p, v, "a dictionary (JSON object)")
	if !ok {
		return
	}
	for k, e := range m {
		if c.full() {
			return
		}
		ep := p.field(k)
		if strings.HasPrefix(k, "extension-definition--") {
			if _, _, err := ParseID(k); err != nil {
				c.fail(ep, "%s", err.Error())
				continue
			}
			em, ok := e.(map[string]any)
			if !ok {
				c.fail(ep, "must be an object, not %s", jsonKind(e))
				continue
			}
			checkProps(c, ep, em, extensionInstance, []string{"extension_type"})
			continue
		}
		if r != nil {
			if f, ok := r.extensions[k]; ok {
				f(c, ep, e)
				continue
			}
		}
		if owner, ok := predefinedExt[k]; ok {
			c.fail(ep, "%s is defined for %s objects only", k, owner)
			continue
		}
		if !strings.HasSuffix(k, "-ext") || CheckTypeName(k) != nil {
			c.fail(ep, "extension key %q is neither an extension-definition id nor an extension name ending in -ext", clip(k))
			continue
		}
		em, ok := e.(map[string]any)
		if !ok || len(em) == 0 {
			c.fail(ep, "must be a non-empty object")
			continue
		}
		checkProps(c, ep, em, nil, nil)
	}
}

var extensionInstance = map[string]check{"extension_type": extensionType}

// checkGranularMarkings checks granular_markings (section 7.2.3): each has exactly one of
// marking_ref and lang, and selectors that resolve to content present in the object.
func checkGranularMarkings(c *checker, obj map[string]any, id string, v any) {
	p := at("granular_markings")
	arr, ok := nonEmptyList(c, p, v)
	if !ok {
		return
	}
	for i, e := range arr {
		if c.full() {
			return
		}
		ep := p.elem(i)
		gm, ok := e.(map[string]any)
		if !ok {
			c.fail(ep, "must be an object, not %s", jsonKind(e))
			continue
		}
		checkProps(c, ep, gm, granularMarkingProps, []string{"selectors"})
		mr, hasRef := gm["marking_ref"]
		_, hasLang := gm["lang"]
		if hasRef == hasLang {
			c.fail(ep, "must have exactly one of marking_ref and lang")
		}
		if mr == id && id != "" {
			c.fail(ep.field("marking_ref"), "a marking definition must not mark itself")
		}
		sels, _ := gm["selectors"].([]any)
		for j, s := range sels {
			if sel, ok := s.(string); ok {
				if why := resolveSelector(obj, sel); why != "" {
					c.fail(ep.field("selectors").elem(j), "%s", why)
				}
			}
		}
	}
}

var granularMarkingProps = map[string]check{
	"marking_ref": ref(refTo("marking-definition")),
	"lang":        nonEmpty,
	"selectors":   stringList,
}

// resolveSelector follows a selector (section 7.2.3.1) through obj and says why it does not
// resolve, or returns "".
func resolveSelector(obj map[string]any, sel string) string {
	var cur any = obj
	for i, seg := range strings.Split(sel, ".") {
		if strings.HasPrefix(seg, "[") && strings.HasSuffix(seg, "]") {
			if i == 0 {
				return "selector " + strconv.Quote(clip(sel)) + " must start with a property name, not a list index"
			}
			n, err := strconv.Atoi(seg[1 : len(seg)-1])
			arr, isList := cur.([]any)
			if err != nil || n < 0 || !isList || n >= len(arr) {
				return "selector " + strconv.Quote(clip(sel)) + " does not refer to content present in the object"
			}
			cur = arr[n]
			continue
		}
		m, isObj := cur.(map[string]any)
		next, ok := m[seg]
		if !isObj || !ok || seg == "" {
			return "selector " + strconv.Quote(clip(sel)) + " does not refer to content present in the object"
		}
		cur = next
	}
	return ""
}

func hasKey(m map[string]any, key string) bool { _, ok := m[key]; return ok }
