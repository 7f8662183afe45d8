package policy

// commonRequired are the properties no object can lose.
var commonRequired = map[string]bool{
	"type": true, "id": true, "spec_version": true, "created": true, "modified": true,
}

// typeRequired lists, per STIX 2.1 type, the properties that are required or that stand in for
// each other ("one of a and b is required"): removing any of them could break the object, so an
// object whose redaction would remove one is withheld instead. Types not listed (custom types)
// have only the common ones.
var typeRequired = map[string][]string{
	"attack-pattern":       {"name"},
	"campaign":             {"name"},
	"course-of-action":     {"name"},
	"grouping":             {"context", "object_refs"},
	"identity":             {"name"},
	"incident":             {"name"},
	"indicator":            {"pattern", "pattern_type", "valid_from"},
	"infrastructure":       {"name"},
	"intrusion-set":        {"name"},
	"location":             {"region", "country", "latitude", "longitude"},
	"malware":              {"name", "is_family"},
	"malware-analysis":     {"product", "result", "analysis_sco_refs"},
	"note":                 {"content", "object_refs"},
	"observed-data":        {"first_observed", "last_observed", "number_observed", "object_refs", "objects"},
	"opinion":              {"opinion", "object_refs"},
	"report":               {"name", "published", "object_refs"},
	"threat-actor":         {"name"},
	"tool":                 {"name"},
	"vulnerability":        {"name"},
	"relationship":         {"relationship_type", "source_ref", "target_ref"},
	"sighting":             {"sighting_of_ref"},
	"marking-definition":   {"definition_type", "definition", "extensions"},
	"language-content":     {"object_ref", "object_modified", "contents"},
	"extension-definition": {"name", "schema", "version", "extension_types", "created_by_ref"},
	"artifact":             {"payload_bin", "url"},
	"autonomous-system":    {"number"},
	"directory":            {"path"},
	"domain-name":          {"value"},
	"email-addr":           {"value"},
	"email-message":        {"is_multipart"},
	"file":                 {"hashes", "name"},
	"ipv4-addr":            {"value"},
	"ipv6-addr":            {"value"},
	"mac-addr":             {"value"},
	"mutex":                {"name"},
	"network-traffic":      {"protocols"},
	"software":             {"name"},
	"url":                  {"value"},
}

// isRequired reports whether property prop of an object of type typ may not be removed.
func isRequired(typ, prop string) bool {
	if commonRequired[prop] {
		return true
	}
	for _, p := range typeRequired[typ] {
		if p == prop {
			return true
		}
	}
	return false
}
