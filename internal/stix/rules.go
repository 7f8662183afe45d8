package stix

// rules is what the specification says about one object type: its specific properties, which of
// them are required, and the co-constraints between them.
type rules struct {
	props    map[string]check
	required []string
	extra    func(c *checker, m map[string]any)
	// extensions lists the predefined extensions of an SCO type, by name.
	extensions map[string]check
}

// typeRules holds the rules of every object type defined by STIX 2.1, by type name. Types not in
// it are custom objects. It is filled in init because the checks refer to it indirectly.
var typeRules map[string]*rules

// specTypes names every object type the specification defines (SDO, SRO, SCO and meta objects).
var specTypes = map[string]bool{
	"attack-pattern": true, "campaign": true, "course-of-action": true, "grouping": true,
	"identity": true, "incident": true, "indicator": true, "infrastructure": true,
	"intrusion-set": true, "location": true, "malware": true, "malware-analysis": true, "note": true,
	"observed-data": true, "opinion": true, "report": true, "threat-actor": true, "tool": true,
	"vulnerability": true, "relationship": true, "sighting": true, "language-content": true,
	"marking-definition": true, "extension-definition": true, "bundle": true,
}

func specType(t string) bool { return specTypes[t] || scoTypes[t] }

var sdoRef = refRule{what: "an SDO", ok: func(t string) bool { return !sroOrMeta[t] && !isSCO(t) }}

func init() {
	typeRules = map[string]*rules{
		"attack-pattern": {
			props: map[string]check{
				"name": nonEmpty, "description": isString, "aliases": stringList,
				"kill_chain_phases": killChainPhases, "external_references": listOf(externalReference("capec")),
			},
			required: []string{"name"},
		},
		"campaign": {
			props: map[string]check{
				"name": nonEmpty, "description": isString, "aliases": stringList,
				"first_seen": isTimestamp, "last_seen": isTimestamp, "objective": isString,
			},
			required: []string{"name"},
			extra:    order("first_seen", "last_seen", false),
		},
		"course-of-action": {
			props:    map[string]check{"name": nonEmpty, "description": isString},
			required: []string{"name"},
		},
		"grouping": {
			props: map[string]check{
				"name": isString, "description": isString, "context": nonEmpty,
				"object_refs": refList(anyRef),
			},
			required: []string{"context", "object_refs"},
		},
		"identity": {
			props: map[string]check{
				"name": nonEmpty, "description": isString, "roles": stringList,
				"identity_class": isString, "sectors": stringList, "contact_information": isString,
			},
			required: []string{"name"},
		},
		"incident": {
			props: map[string]check{
				"name": nonEmpty, "description": isString, "kill_chain_phases": killChainPhases,
			},
			required: []string{"name"},
		},
		"indicator": {
			props: map[string]check{
				"name": isString, "description": isString, "indicator_types": stringList,
				"pattern": nonEmpty, "pattern_type": nonEmpty, "pattern_version": isString,
				"valid_from": isTimestamp, "valid_until": isTimestamp,
				"kill_chain_phases": killChainPhases,
			},
			required: []string{"pattern", "pattern_type", "valid_from"},
			extra:    order("valid_from", "valid_until", true),
		},
		"infrastructure": {
			props: map[string]check{
				"name": nonEmpty, "description": isString, "infrastructure_types": stringList,
				"aliases": stringList, "kill_chain_phases": killChainPhases,
				"first_seen": isTimestamp, "last_seen": isTimestamp,
			},
			required: []string{"name"},
			extra:    order("first_seen", "last_seen", false),
		},
		"intrusion-set": {
			props: map[string]check{
				"name": nonEmpty, "description": isString, "aliases": stringList,
				"first_seen": isTimestamp, "last_seen": isTimestamp, "goals": stringList,
				"resource_level": isString, "primary_motivation": isString,
				"secondary_motivations": stringList,
			},
			required: []string{"name"},
			extra:    order("first_seen", "last_seen", false),
		},
		"location": {
			props: map[string]check{
				"name": isString, "description": isString,
				"latitude": number(-90, 90), "longitude": number(-180, 180),
				"precision": number(0, 1e300), "region": nonEmpty, "country": nonEmpty,
				"administrative_area": isString, "city": isString, "street_address": isString,
				"postal_code": isString,
			},
			extra: locationRules,
		},
		"malware": {
			props: map[string]check{
				"name": isString, "description": isString, "malware_types": stringList,
				"is_family": isBool, "aliases": stringList, "kill_chain_phases": killChainPhases,
				"first_seen": isTimestamp, "last_seen": isTimestamp,
				"operating_system_refs":       refList(refTo("software")),
				"architecture_execution_envs": stringList, "implementation_languages": stringList,
				"capabilities": stringList, "sample_refs": refList(refTo("file", "artifact")),
			},
			required: []string{"is_family"},
			extra:    all(order("first_seen", "last_seen", false), malwareRules),
		},
		"malware-analysis": {
			props: map[string]check{
				"product": nonEmpty, "version": isString,
				"host_vm_ref":             ref(refTo("software")),
				"operating_system_ref":    ref(refTo("software")),
				"installed_software_refs": refList(refTo("software")),
				"configuration_version":   isString, "modules": stringList,
				"analysis_engine_version": isString, "analysis_definition_version": isString,
				"submitted": isTimestamp, "analysis_started": isTimestamp, "analysis_ended": isTimestamp,
				"result_name": isString, "result": isString,
				"analysis_sco_refs": refList(scoRef),
				"sample_ref":        ref(refTo("file", "network-traffic", "artifact")),
			},
			required: []string{"product"},
			extra:    all(order("analysis_started", "analysis_ended", false), oneOfPresent("result", "analysis_sco_refs")),
		},
		"note": {
			props: map[string]check{
				"abstract": isString, "content": nonEmpty, "authors": stringList,
				"object_refs": refList(anyRef),
			},
			required: []string{"content", "object_refs"},
		},
		"observed-data": {
			props: map[string]check{
				"first_observed": isTimestamp, "last_observed": isTimestamp,
				"number_observed": integer(1, 999999999),
				"objects":         observableContainer,
				"object_refs": refList(refRule{what: "an SCO or SRO", ok: func(t string) bool {
					return isSCO(t) || t == "relationship" || t == "sighting" || !specType(t)
				}}),
			},
			required: []string{"first_observed", "last_observed", "number_observed"},
			extra:    all(order("first_observed", "last_observed", false), observedDataRules),
		},
		"opinion": {
			props: map[string]check{
				"explanation": isString, "authors": stringList, "object_refs": refList(anyRef),
				"opinion": enum("strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"),
			},
			required: []string{"opinion", "object_refs"},
		},
		"report": {
			props: map[string]check{
				"name": nonEmpty, "description": isString, "report_types": stringList,
				"published": isTimestamp, "object_refs": refList(anyRef),
			},
			required: []string{"name", "published", "object_refs"},
		},
		"threat-actor": {
			props: map[string]check{
				"name": nonEmpty, "description": isString, "threat_actor_types": stringList,
				"aliases": stringList, "first_seen": isTimestamp, "last_seen": isTimestamp,
				"roles": stringList, "goals": stringList, "sophistication": isString,
				"resource_level": isString, "primary_motivation": isString,
				"secondary_motivations": stringList, "personal_motivations": stringList,
			},
			required: []string{"name"},
			extra:    order("first_seen", "last_seen", false),
		},
		"tool": {
			props: map[string]check{
				"name": nonEmpty, "description": isString, "tool_types": stringList,
				"aliases": stringList, "kill_chain_phases": killChainPhases, "tool_version": isString,
			},
			required: []string{"name"},
		},
		"vulnerability": {
			props: map[string]check{
				"name": nonEmpty, "description": isString,
				"external_references": listOf(externalReference("cve")),
			},
			required: []string{"name"},
		},
		"relationship": {
			props: map[string]check{
				"relationship_type": relationshipType, "description": isString,
				"source_ref": ref(sdoOrSCO), "target_ref": ref(sdoOrSCO),
				"start_time": isTimestamp, "stop_time": isTimestamp,
			},
			required: []string{"relationship_type", "source_ref", "target_ref"},
			extra:    order("start_time", "stop_time", true),
		},
		"sighting": {
			props: map[string]check{
				"description": isString, "first_seen": isTimestamp, "last_seen": isTimestamp,
				"count": integer(0, 999999999), "sighting_of_ref": ref(sdoRef),
				"observed_data_refs": refList(refTo("observed-data")),
				"where_sighted_refs": refList(refTo("identity", "location")),
				"summary":            isBool,
			},
			required: []string{"sighting_of_ref"},
			extra:    order("first_seen", "last_seen", false),
		},
		"language-content": {
			props: map[string]check{
				"object_ref":      ref(refRule{what: "an SDO, SRO or SCO", ok: func(t string) bool { return t != "bundle" && t != "language-content" }}),
				"object_modified": isTimestamp,
				"contents":        languageContents,
			},
			required: []string{"object_ref", "contents"},
		},
		"marking-definition": {
			props: map[string]check{
				"name": isString, "definition_type": nonEmpty, "definition": isObject,
			},
			extra: markingDefinitionRules,
		},
		"extension-definition": {
			props: map[string]check{
				"name": nonEmpty, "description": isString, "schema": nonEmpty, "version": nonEmpty,
				"extension_types":      listOf(extensionType),
				"extension_properties": listOf(propertyName),
			},
			required: []string{"name", "schema", "version", "extension_types", "created_by_ref"},
			extra:    extensionDefinitionRules,
		},
	}
	addSCORules()
}

// extensionType is extension-type-enum (STIX 2.1 section 10.6), a closed set.
var extensionType = enum("new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension")

func isObject(c *checker, at loc, v any) {
	if _, ok := v.(map[string]any); !ok {
		c.fail(at, "must be an object, not %s", jsonKind(v))
	}
}

func propertyName(c *checker, at loc, v any) {
	s, ok := v.(string)
	if !ok {
		c.fail(at, "must be a string, not %s", jsonKind(v))
		return
	}
	if why := checkPropName(s); why != "" {
		c.fail(at, "%s", why)
	}
}

// relationshipType is 3 to 250 lowercase ASCII letters, digits and hyphens (section 5.1.1).
func relationshipType(c *checker, at loc, v any) {
	s, ok := v.(string)
	if !ok {
		c.fail(at, "must be a string, not %s", jsonKind(v))
		return
	}
	if len(s) < 3 || len(s) > 250 {
		c.fail(at, "%q must be 3 to 250 characters long", clip(s))
		return
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-') {
			c.fail(at, "%q may contain only lowercase ASCII letters, digits and hyphens", clip(s))
			return
		}
	}
}

// tsOf returns the timestamp property key of m when it is present and valid; type errors are
// reported by the property's own check.
func tsOf(m map[string]any, key string) (Timestamp, bool) {
	s, ok := m[key].(string)
	if !ok {
		return Timestamp{}, false
	}
	t, err := ParseTimestamp(s)
	return t, err == nil
}

// order requires the timestamp `later` not to be before `earlier`, or to be strictly after it
// when strict is set. Both are compared at full precision.
func order(earlier, later string, strict bool) func(*checker, map[string]any) {
	return func(c *checker, m map[string]any) {
		a, ok1 := tsOf(m, earlier)
		b, ok2 := tsOf(m, later)
		if !ok1 || !ok2 {
			return
		}
		switch {
		case strict && !b.Time.After(a.Time):
			c.fail(at(later), "%s must be later than %s %s", b.Text, earlier, a.Text)
		case b.Time.Before(a.Time):
			c.fail(at(later), "%s must not be earlier than %s %s", b.Text, earlier, a.Text)
		}
	}
}

func all(fs ...func(*checker, map[string]any)) func(*checker, map[string]any) {
	return func(c *checker, m map[string]any) {
		for _, f := range fs {
			f(c, m)
		}
	}
}

// oneOfPresent requires at least one of the named properties.
func oneOfPresent(names ...string) func(*checker, map[string]any) {
	return func(c *checker, m map[string]any) {
		for _, n := range names {
			if _, ok := m[n]; ok {
				return
			}
		}
		c.fail(loc{idx: -1}, "must have at least one of %s", joinNames(names))
	}
}

// atMostOne rejects objects with more than one of the named properties.
func atMostOne(a, b string) func(*checker, map[string]any) {
	return func(c *checker, m map[string]any) {
		_, x := m[a]
		_, y := m[b]
		if x && y {
			c.fail(at(b), "must not be present together with %s", a)
		}
	}
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			s += " or "
		default:
			s += ", "
		}
		s += n
	}
	return s
}

func locationRules(c *checker, m map[string]any) {
	_, lat := m["latitude"]
	_, long := m["longitude"]
	_, region := m["region"]
	_, country := m["country"]
	_, prec := m["precision"]
	switch {
	case lat != long:
		c.fail(at("latitude"), "latitude and longitude must be given together")
	case !lat && !region && !country:
		c.fail(loc{idx: -1}, "a location needs region, country, or latitude and longitude")
	}
	if prec && !lat {
		c.fail(at("precision"), "is only allowed together with latitude and longitude")
	}
}

func malwareRules(c *checker, m map[string]any) {
	if fam, _ := m["is_family"].(bool); fam {
		if _, ok := m["name"]; !ok {
			c.fail(at("name"), "is required when is_family is true")
		}
	}
}

func observedDataRules(c *checker, m map[string]any) {
	_, hasObjs := m["objects"]
	refs, hasRefs := m["object_refs"]
	switch {
	case hasObjs && hasRefs:
		c.fail(at("objects"), "must not be present together with object_refs")
	case !hasObjs && !hasRefs:
		c.fail(loc{idx: -1}, "observed-data needs object_refs (or the deprecated objects)")
	case hasRefs:
		list, _ := refs.([]any)
		for _, r := range list {
			s, _ := r.(string)
			if t, _, err := ParseID(s); err == nil && (isSCO(t) || !specType(t)) {
				return
			}
		}
		if len(list) > 0 {
			c.fail(at("object_refs"), "must refer to at least one cyber-observable object (SCO)")
		}
	}
}

// observableContainer is the deprecated objects dictionary of observed-data (section 4.14.1):
// keys are local references, values objects with a type.
func observableContainer(c *checker, at loc, v any) {
	m, ok := nonEmptyMap(c, at, v, "a dictionary of cyber-observable objects")
	if !ok {
		return
	}
	for k, e := range m {
		if c.full() {
			return
		}
		o, ok := e.(map[string]any)
		if !ok {
			c.fail(at.field(k), "must be a cyber-observable object, not %s", jsonKind(e))
			continue
		}
		t, ok := o["type"].(string)
		if !ok {
			c.fail(at.field(k).field("type"), "is required and must be a string")
			continue
		}
		if err := CheckTypeName(t); err != nil {
			c.fail(at.field(k).field("type"), "%s", err.Error())
		}
	}
}

// languageContents is the contents dictionary of language-content (section 7.1.1): RFC 5646
// language tags mapping to dictionaries of translated properties.
func languageContents(c *checker, at loc, v any) {
	m, ok := nonEmptyMap(c, at, v, "a dictionary")
	if !ok {
		return
	}
	for k, e := range m {
		if c.full() {
			return
		}
		if !isLanguageTag(k) {
			c.fail(at.field(k), "%q is not an RFC 5646 language tag", clip(k))
			continue
		}
		dictionary(c, at.field(k), e)
	}
}

// isLanguageTag checks the shape of an RFC 5646 tag: a 2–3 letter (or 4–8 letter registered)
// primary subtag, then hyphen-separated alphanumeric subtags of 1–8 characters; or a private-use
// tag starting with x-.
func isLanguageTag(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	first := true
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '-' {
			b := s[i]
			if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || !first && b >= '0' && b <= '9') {
				return false
			}
			continue
		}
		n := i - start
		if n < 1 || n > 8 || first && n < 2 && !(n == 1 && (s[0] == 'x' || s[0] == 'X' || s[0] == 'i')) {
			return false
		}
		first = false
		start = i + 1
	}
	return true
}

func extensionDefinitionRules(c *checker, m map[string]any) {
	if _, ok := m["extension_properties"]; !ok {
		return
	}
	types, _ := m["extension_types"].([]any)
	for _, t := range types {
		if t == "toplevel-property-extension" {
			return
		}
	}
	c.fail(at("extension_properties"), "is only allowed when extension_types includes toplevel-property-extension")
}

// tlp1 maps the four TLP 1.0 marking definitions of STIX 2.1 section 7.2.1.4 to their level.
var tlp1 = map[string]string{
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "white",
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
}

var tlp2Value = enum("clear", "green", "amber", "amber+strict", "red")

func markingDefinitionRules(c *checker, m map[string]any) {
	dt, hasType := m["definition_type"]
	def, hasDef := m["definition"]
	_, hasExt := m["extensions"]
	if !hasExt && (!hasType || !hasDef) {
		c.fail(loc{idx: -1}, "a marking definition needs definition_type and definition unless it has extensions")
	}
	if hasType != hasDef {
		c.fail(at("definition"), "definition and definition_type must be given together")
	}
	d, _ := def.(map[string]any)
	switch dt {
	case "statement":
		if d != nil {
			checkProps(c, at("definition"), d, map[string]check{"statement": nonEmpty}, []string{"statement"})
		}
	case "tlp":
		id, _ := m["id"].(string)
		want, known := tlp1[id]
		if !known {
			c.fail(at("id"), "only the four TLP marking definitions of the specification may have definition_type tlp")
			break
		}
		if d != nil {
			got, ok := d["tlp"].(string)
			if !ok || got != want || len(d) != 1 {
				c.fail(at("definition").field("tlp"), "must be %q for %s", want, id)
			}
		}
	}
	if ext, ok := m["extensions"].(map[string]any); ok {
		if e, ok := ext[TLP2ExtensionID].(map[string]any); ok {
			p := at("extensions").field(TLP2ExtensionID).field("tlp_2_0")
			v, ok := e["tlp_2_0"]
			if !ok {
				c.fail(p, "is required by the TLP 2.0 extension")
			} else {
				tlp2Value(c, p, v)
				id, _ := m["id"].(string)
				s, _ := v.(string)
				if lvl, known := MarkingTLP(id); known && id != "" && tlpNames[lvl] != s && markingTLPFamily2(id) {
					c.fail(p, "%q does not match the TLP 2.0 marking %s, which is %s", clip(s), id, lvl)
				}
			}
		}
	}
}

// markingTLPFamily2 reports whether id is one of the OASIS TLP 2.0 marking definitions.
func markingTLPFamily2(id string) bool {
	switch id {
	case TLP2Clear, TLP2Green, TLP2Amber, TLP2AmberStrict, TLP2Red:
		return true
	}
	return false
}
