package stix

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// uid gives a valid identifier of type t; n makes distinct ones.
func uid(t string, n int) string {
	return fmt.Sprintf("%s--6ba7b810-9dad-41d1-80b4-00c04fd4%04x", t, n)
}

const (
	ts1 = "2021-01-01T00:00:00.000Z"
	ts2 = "2021-06-01T12:00:00.123456Z"
)

// sdo returns the common properties of a STIX 2.1 SDO or SRO of type t plus extra.
func sdo(t string, extra map[string]any) map[string]any {
	m := map[string]any{"type": t, "spec_version": "2.1", "id": uid(t, 1), "created": ts1, "modified": ts1}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// sco returns the common properties of an SCO of type t plus extra.
func sco(t string, extra map[string]any) map[string]any {
	m := map[string]any{"type": t, "id": uid(t, 1)}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

type list = []any
type obj = map[string]any

// validObjects holds one valid object of every type the specification defines.
func validObjects() map[string]map[string]any {
	kc := list{obj{"kill_chain_name": "lockheed-martin-cyber-kill-chain", "phase_name": "delivery"}}
	return map[string]map[string]any{
		"attack-pattern": sdo("attack-pattern", obj{"name": "Spear phishing", "kill_chain_phases": kc,
			"external_references": list{obj{"source_name": "capec", "external_id": "CAPEC-163"}}}),
		"campaign":         sdo("campaign", obj{"name": "Green Group", "first_seen": ts1, "last_seen": ts2}),
		"course-of-action": sdo("course-of-action", obj{"name": "Patch"}),
		"grouping":         sdo("grouping", obj{"context": "suspicious-activity", "object_refs": list{uid("indicator", 2)}}),
		"identity":         sdo("identity", obj{"name": "ACME", "identity_class": "organization", "sectors": list{"technology"}}),
		"incident":         sdo("incident", obj{"name": "Breach", "kill_chain_phases": kc}),
		"indicator": sdo("indicator", obj{"pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix",
			"valid_from": ts1, "valid_until": ts2, "indicator_types": list{"malicious-activity"}, "confidence": 80}),
		"infrastructure": sdo("infrastructure", obj{"name": "C2", "infrastructure_types": list{"command-and-control"}}),
		"intrusion-set":  sdo("intrusion-set", obj{"name": "APT0", "goals": list{"money"}}),
		"location":       sdo("location", obj{"latitude": json.Number("48.8566"), "longitude": json.Number("2.3522"), "precision": json.Number("1000")}),
		"malware": sdo("malware", obj{"name": "Poison Ivy", "is_family": true,
			"sample_refs": list{uid("file", 3)}, "operating_system_refs": list{uid("software", 4)}}),
		"malware-analysis": sdo("malware-analysis", obj{"product": "av", "result": "malicious",
			"analysis_started": ts1, "analysis_ended": ts2, "sample_ref": uid("file", 3)}),
		"note":          sdo("note", obj{"content": "seen twice", "object_refs": list{uid("campaign", 5)}}),
		"observed-data": sdo("observed-data", obj{"first_observed": ts1, "last_observed": ts2, "number_observed": 1, "object_refs": list{uid("ipv4-addr", 6)}}),
		"opinion":       sdo("opinion", obj{"opinion": "agree", "object_refs": list{uid("report", 7)}}),
		"report":        sdo("report", obj{"name": "Q1", "published": ts2, "object_refs": list{uid("indicator", 2), uid("malware", 8)}}),
		"threat-actor":  sdo("threat-actor", obj{"name": "Evil", "first_seen": ts1}),
		"tool":          sdo("tool", obj{"name": "nmap", "tool_types": list{"network-capture"}}),
		"vulnerability": sdo("vulnerability", obj{"name": "CVE-2016-1234",
			"external_references": list{obj{"source_name": "cve", "external_id": "CVE-2016-1234"}}}),
		"relationship": sdo("relationship", obj{"relationship_type": "indicates", "source_ref": uid("indicator", 2),
			"target_ref": uid("malware", 8), "start_time": ts1, "stop_time": ts2}),
		"sighting": sdo("sighting", obj{"sighting_of_ref": uid("indicator", 2), "count": 3, "first_seen": ts1, "last_seen": ts2,
			"where_sighted_refs": list{uid("identity", 9)}, "observed_data_refs": list{uid("observed-data", 10)}}),
		"language-content": sdo("language-content", obj{"object_ref": uid("campaign", 5), "object_modified": ts1,
			"contents": obj{"de": obj{"name": "Grüne Gruppe"}, "zh-Hans": obj{"name": "绿色组"}}}),
		"marking-definition": {"type": "marking-definition", "spec_version": "2.1", "id": uid("marking-definition", 11),
			"created": ts1, "definition_type": "statement", "definition": obj{"statement": "Copyright ACME"}},
		"extension-definition": sdo("extension-definition", obj{"name": "ext", "schema": "https://example.com/s.json",
			"version": "1.0", "extension_types": list{"property-extension"}, "created_by_ref": uid("identity", 9)}),

		"artifact":          sco("artifact", obj{"payload_bin": "aGVsbG8=", "mime_type": "text/plain", "encryption_algorithm": "AES-256-GCM", "decryption_key": "k"}),
		"autonomous-system": sco("autonomous-system", obj{"number": 15139}),
		"directory":         sco("directory", obj{"path": "C:\\Windows", "path_enc": "UTF-8", "contains_refs": list{uid("file", 3)}}),
		"domain-name":       sco("domain-name", obj{"value": "example.com", "resolves_to_refs": list{uid("ipv4-addr", 6)}}),
		"email-addr":        sco("email-addr", obj{"value": "jdoe@example.com", "display_name": "John Doe"}),
		"email-message": sco("email-message", obj{"is_multipart": true, "from_ref": uid("email-addr", 12),
			"body_multipart": list{obj{"body": "hi", "content_type": "text/plain"}, obj{"body_raw_ref": uid("artifact", 13)}}}),
		"file": sco("file", obj{"name": "a.exe", "hashes": obj{"SHA-256": strings.Repeat("ab", 32), "x_custom": "1"},
			"extensions": obj{
				"windows-pebinary-ext": obj{"pe_type": "exe", "time_date_stamp": "2016-01-20T14:11:25.55Z"},
				"ntfs-ext":             obj{"alternate_data_streams": list{obj{"name": "second.stream", "size": 25536}}},
				"archive-ext":          obj{"contains_refs": list{uid("file", 14)}},
			}}),
		"ipv4-addr":       sco("ipv4-addr", obj{"value": "198.51.100.0/24"}),
		"ipv6-addr":       sco("ipv6-addr", obj{"value": "2001:db8::/32"}),
		"mac-addr":        sco("mac-addr", obj{"value": "d2:fb:49:24:37:18"}),
		"mutex":           sco("mutex", obj{"name": "__CLEANSWEEP__"}),
		"network-traffic": sco("network-traffic", obj{"src_ref": uid("ipv4-addr", 6), "dst_port": 443, "protocols": list{"ipv4", "tcp"}, "start": ts1, "end": ts2, "extensions": obj{"tcp-ext": obj{"src_flags_hex": "00000002"}, "socket-ext": obj{"address_family": "AF_INET", "socket_type": "SOCK_STREAM"}}}),
		"process":         sco("process", obj{"pid": 1221, "command_line": "./gedit-bin --new-window", "extensions": obj{"windows-process-ext": obj{"integrity_level": "high"}}}),
		"software":        sco("software", obj{"name": "Word", "cpe": "cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*", "vendor": "Microsoft"}),
		"url":             sco("url", obj{"value": "https://example.com/research/index.html"}),
		"user-account":    sco("user-account", obj{"user_id": "1001", "account_login": "jdoe", "extensions": obj{"unix-account-ext": obj{"gid": 1001}}}),
		"windows-registry-key": sco("windows-registry-key", obj{"key": "HKEY_LOCAL_MACHINE\\System\\Foo",
			"values": list{obj{"name": "Foo", "data": "qwerty", "data_type": "REG_SZ"}}}),
		"x509-certificate": sco("x509-certificate", obj{"issuer": "C=ZA", "validity_not_before": ts1, "validity_not_after": ts2,
			"x509_v3_extensions": obj{"basic_constraints": "critical,CA:TRUE", "private_key_usage_period_not_before": ts1}}),
	}
}

func encode(t testing.TB, m map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestValidObjectsAccepted(t *testing.T) {
	objs := validObjects()
	for typ := range specTypes {
		if _, ok := objs[typ]; !ok && typ != "bundle" {
			t.Errorf("no valid fixture for %s", typ)
		}
	}
	for typ := range scoTypes {
		if _, ok := objs[typ]; !ok {
			t.Errorf("no valid fixture for %s", typ)
		}
	}
	for typ, m := range objs {
		o, err := Decode(encode(t, m))
		if err != nil {
			t.Errorf("%s: got %v, want accepted", typ, err)
			continue
		}
		if o.Type != typ || o.ID != m["id"] || o.SpecVersion != "2.1" {
			t.Errorf("%s: got type %q id %q spec_version %q", typ, o.Type, o.ID, o.SpecVersion)
		}
	}
}

// edit is a change to a valid object: properties set (nil value: deleted).
type edit map[string]any

// del marks a property for deletion in an edit.
var del = struct{}{}

func apply(base map[string]any, e edit) map[string]any {
	out := make(map[string]any, len(base))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range e {
		if v == del {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func TestTypeRules(t *testing.T) {
	objs := validObjects()
	long := strings.Repeat("a", 251)
	tests := []struct {
		name string
		typ  string
		edit edit
		prop string // the property the error must name; "-" when the test expects acceptance
	}{
		// common properties
		{"confidence too high", "indicator", edit{"confidence": 101}, "confidence"},
		{"confidence negative", "indicator", edit{"confidence": -1}, "confidence"},
		{"confidence fraction", "indicator", edit{"confidence": 50.5}, "confidence"},
		{"confidence 1e2 is an integer", "indicator", edit{"confidence": json.Number("1e2")}, "-"},
		{"revoked string", "campaign", edit{"revoked": "true"}, "revoked"},
		{"created_by_ref not identity", "campaign", edit{"created_by_ref": uid("tool", 1)}, "created_by_ref"},
		{"labels empty", "campaign", edit{"labels": list{}}, "labels"},
		{"labels number", "campaign", edit{"labels": list{"a", 1}}, "labels[1]"},
		{"spec_version 2.2", "campaign", edit{"spec_version": "2.2"}, "spec_version"},
		{"spec_version missing on SDO", "campaign", edit{"spec_version": del}, "spec_version"},
		{"spec_version missing on SCO", "ipv4-addr", edit{"spec_version": del}, "-"},
		{"SCO without created", "url", edit{}, "-"},
		{"created missing", "campaign", edit{"created": del}, "created"},
		{"modified before created", "campaign", edit{"modified": "2020-12-31T23:59:59.999Z"}, "modified"},
		{"timestamp without Z", "campaign", edit{"created": "2021-01-01T00:00:00.000+00:00"}, "created"},
		{"null property", "campaign", edit{"objective": nil}, "objective"},
		{"null custom property", "campaign", edit{"x_foo": nil}, "x_foo"},
		{"custom property ok", "campaign", edit{"x_acme_score": 5, "acme_list": list{"a"}}, "-"},
		{"custom property empty nested list", "campaign", edit{"x_acme": obj{"inner": list{}}}, "x_acme.inner"},
		{"custom property uppercase", "campaign", edit{"X_acme": 1}, "X_acme"},
		{"custom property 250 chars ok", "campaign", edit{long[:250]: 1}, "-"},
		{"custom property 251 chars", "campaign", edit{long: 1}, long},
		{"reserved severity", "campaign", edit{"severity": "high"}, "severity"},
		{"object_marking_refs not marking", "campaign", edit{"object_marking_refs": list{uid("identity", 1)}}, "object_marking_refs[0]"},
		{"lang not string", "campaign", edit{"lang": 1}, "lang"},
		{"external reference without anything", "campaign", edit{"external_references": list{obj{"source_name": "x"}}}, "external_references[0]"},
		{"external reference bad hash", "campaign", edit{"external_references": list{obj{"source_name": "x", "url": "u", "hashes": obj{"MD5": "zz"}}}}, "external_references[0].hashes.MD5"},
		{"external reference custom hash", "campaign", edit{"external_references": list{obj{"source_name": "x", "url": "u", "hashes": obj{"x_foo": "zz"}}}}, "external_references[0].hashes.x_foo"},
		{"CVE lowercase", "vulnerability", edit{"external_references": list{obj{"source_name": "cve", "external_id": "cve-2016-1234"}}}, "external_references[0].external_id"},
		{"CVE five digits", "vulnerability", edit{"external_references": list{obj{"source_name": "cve", "external_id": "CVE-2021-44228"}}}, "-"},
		{"CVE leading zero long", "vulnerability", edit{"external_references": list{obj{"source_name": "cve", "external_id": "CVE-2021-04228"}}}, "external_references[0].external_id"},
		{"CVE under NVD name", "vulnerability", edit{"external_references": list{obj{"source_name": "NVD", "external_id": "CVE-2021-44228"}}}, "external_references[0].source_name"},
		{"CVE id on campaign is free", "campaign", edit{"external_references": list{obj{"source_name": "NVD", "external_id": "CVE-2021-44228"}}}, "-"},
		{"CAPEC without prefix", "attack-pattern", edit{"external_references": list{obj{"source_name": "capec", "external_id": "163"}}}, "external_references[0].external_id"},
		{"kill chain phase missing name", "tool", edit{"kill_chain_phases": list{obj{"kill_chain_name": "x"}}}, "kill_chain_phases[0].phase_name"},
		{"granular marking ok", "campaign", edit{"granular_markings": list{obj{"marking_ref": TLP2Green, "selectors": list{"name", "first_seen"}}}}, "-"},
		{"granular marking both", "campaign", edit{"granular_markings": list{obj{"marking_ref": TLP2Green, "lang": "en", "selectors": list{"name"}}}}, "granular_markings[0]"},
		{"granular marking absent selector", "campaign", edit{"granular_markings": list{obj{"lang": "en", "selectors": list{"description"}}}}, "granular_markings[0].selectors[0]"},
		{"granular marking nested selector", "attack-pattern", edit{"granular_markings": list{obj{"lang": "en", "selectors": list{"kill_chain_phases.[0].phase_name"}}}}, "-"},
		{"granular marking index out of range", "attack-pattern", edit{"granular_markings": list{obj{"lang": "en", "selectors": list{"kill_chain_phases.[1]"}}}}, "granular_markings[0].selectors[0]"},
		{"extensions empty", "campaign", edit{"extensions": obj{}}, "extensions"},
		{"extension definition bad type", "campaign", edit{"extensions": obj{uid("extension-definition", 1): obj{"extension_type": "new-thing"}}}, "extensions." + uid("extension-definition", 1) + ".extension_type"},
		{"extension definition no type", "campaign", edit{"extensions": obj{uid("extension-definition", 1): obj{"x_y": "z"}}}, "extensions." + uid("extension-definition", 1) + ".extension_type"},
		{"extension predefined on wrong type", "url", edit{"extensions": obj{"ntfs-ext": obj{"sid": "1"}}}, "extensions.ntfs-ext"},
		{"custom -ext extension", "url", edit{"extensions": obj{"x-acme-ext": obj{"x_a": "1"}}}, "-"},
		{"bundle is not an object", "campaign", edit{"type": "bundle", "id": uid("bundle", 1)}, "type"},
		{"id type mismatch", "campaign", edit{"id": uid("tool", 1)}, "id"},
		{"id not a UUID", "campaign", edit{"id": "campaign--1234"}, "id"},

		// SDOs
		{"attack-pattern without name", "attack-pattern", edit{"name": del}, "name"},
		{"campaign empty name", "campaign", edit{"name": ""}, "name"},
		{"campaign last before first", "campaign", edit{"last_seen": "2020-01-01T00:00:00Z"}, "last_seen"},
		{"campaign last equal first", "campaign", edit{"last_seen": ts1}, "-"},
		{"grouping without context", "grouping", edit{"context": del}, "context"},
		{"grouping refs empty", "grouping", edit{"object_refs": list{}}, "object_refs"},
		{"identity class is open", "identity", edit{"identity_class": "spaceship"}, "-"},
		{"indicator without valid_from", "indicator", edit{"valid_from": del}, "valid_from"},
		{"indicator valid_until equal", "indicator", edit{"valid_until": ts1}, "valid_until"},
		{"indicator pattern_type is open", "indicator", edit{"pattern_type": "sigma"}, "-"},
		{"indicator pattern number", "indicator", edit{"pattern": 5}, "pattern"},
		{"infrastructure order", "infrastructure", edit{"first_seen": ts2, "last_seen": ts1}, "last_seen"},
		{"location lat without long", "location", edit{"longitude": del}, "latitude"},
		{"location latitude range", "location", edit{"latitude": json.Number("90.5")}, "latitude"},
		{"location longitude range", "location", edit{"longitude": json.Number("-181")}, "longitude"},
		{"location nothing", "location", edit{"latitude": del, "longitude": del, "precision": del}, ""},
		{"location region only", "location", edit{"latitude": del, "longitude": del, "precision": del, "region": "europe"}, "-"},
		{"location precision alone", "location", edit{"latitude": del, "longitude": del, "country": "de"}, "precision"},
		{"malware family needs name", "malware", edit{"name": del}, "name"},
		{"malware instance without name", "malware", edit{"name": del, "is_family": false}, "-"},
		{"malware without is_family", "malware", edit{"is_family": del}, "is_family"},
		{"malware sample ref type", "malware", edit{"sample_refs": list{uid("url", 1)}}, "sample_refs[0]"},
		{"malware-analysis needs result or refs", "malware-analysis", edit{"result": del}, ""},
		{"malware-analysis sco refs", "malware-analysis", edit{"result": del, "analysis_sco_refs": list{uid("file", 1)}}, "-"},
		{"malware-analysis sco refs not SDO", "malware-analysis", edit{"analysis_sco_refs": list{uid("tool", 1)}}, "analysis_sco_refs[0]"},
		{"malware-analysis ended before started", "malware-analysis", edit{"analysis_ended": ts1, "analysis_started": ts2}, "analysis_ended"},
		{"note without content", "note", edit{"content": del}, "content"},
		{"observed-data number 0", "observed-data", edit{"number_observed": 0}, "number_observed"},
		{"observed-data number huge", "observed-data", edit{"number_observed": 1000000000}, "number_observed"},
		{"observed-data both", "observed-data", edit{"objects": obj{"0": obj{"type": "file", "name": "a"}}}, "objects"},
		{"observed-data objects only", "observed-data", edit{"object_refs": del, "objects": obj{"0": obj{"type": "file", "name": "a"}}}, "-"},
		{"observed-data neither", "observed-data", edit{"object_refs": del}, ""},
		{"observed-data relationship plus sco", "observed-data", edit{"object_refs": list{uid("relationship", 1), uid("file", 1)}}, "-"},
		{"observed-data relationship only", "observed-data", edit{"object_refs": list{uid("relationship", 1)}}, "object_refs"},
		{"opinion out of enum", "opinion", edit{"opinion": "meh"}, "opinion"},
		{"report without published", "report", edit{"published": del}, "published"},
		{"report refs not ids", "report", edit{"object_refs": list{"nope"}}, "object_refs[0]"},
		{"threat-actor empty aliases", "threat-actor", edit{"aliases": list{}}, "aliases"},
		{"tool version number", "tool", edit{"tool_version": 2}, "tool_version"},

		// SROs
		{"relationship type with underscore", "relationship", edit{"relationship_type": "related_to"}, "relationship_type"},
		{"relationship to SCO", "relationship", edit{"target_ref": uid("ipv4-addr", 1)}, "-"},
		{"relationship to custom", "relationship", edit{"target_ref": uid("x-acme-thing", 1)}, "-"},
		{"relationship from language-content", "relationship", edit{"source_ref": uid("language-content", 1)}, "source_ref"},
		{"relationship stop equal start", "relationship", edit{"stop_time": ts1}, "stop_time"},
		{"sighting of SCO", "sighting", edit{"sighting_of_ref": uid("file", 1)}, "sighting_of_ref"},
		{"sighting count negative", "sighting", edit{"count": -1}, "count"},
		{"sighting summary string", "sighting", edit{"summary": "no"}, "summary"},
		{"sighting last before first", "sighting", edit{"last_seen": "2020-01-01T00:00:00Z"}, "last_seen"},

		// meta objects
		{"language-content bad tag", "language-content", edit{"contents": obj{"de_DE": obj{"name": "x"}}}, "contents.de_DE"},
		{"language-content about bundle", "language-content", edit{"object_ref": uid("bundle", 1)}, "object_ref"},
		{"marking statement missing", "marking-definition", edit{"definition": obj{"text": "x"}}, "definition.statement"},
		{"marking without definition", "marking-definition", edit{"definition": del, "definition_type": del}, ""},
		{"marking custom definition_type", "marking-definition", edit{"definition_type": "acme", "definition": obj{"level": "x"}}, "-"},
		{"marking TLP 1.0 spec object", "marking-definition", edit{"id": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "definition": obj{"tlp": "green"}}, "-"},
		{"marking TLP 1.0 wrong level", "marking-definition", edit{"id": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "definition_type": "tlp", "definition": obj{"tlp": "red"}}, "definition.tlp"},
		{"marking TLP 1.0 own id", "marking-definition", edit{"definition_type": "tlp", "definition": obj{"tlp": "red"}}, "id"},
		{"marking TLP 2.0", "marking-definition", edit{"id": TLP2AmberStrict, "name": "TLP:AMBER+STRICT", "definition_type": del, "definition": del,
			"extensions": obj{TLP2ExtensionID: obj{"extension_type": "property-extension", "tlp_2_0": "amber+strict"}}}, "-"},
		{"marking TLP 2.0 unknown level", "marking-definition", edit{"definition_type": del, "definition": del,
			"extensions": obj{TLP2ExtensionID: obj{"extension_type": "property-extension", "tlp_2_0": "purple"}}}, "extensions." + TLP2ExtensionID + ".tlp_2_0"},
		{"marking TLP 2.0 id and level disagree", "marking-definition", edit{"id": TLP2Red, "definition_type": del, "definition": del,
			"extensions": obj{TLP2ExtensionID: obj{"extension_type": "property-extension", "tlp_2_0": "clear"}}}, "extensions." + TLP2ExtensionID + ".tlp_2_0"},
		{"marking self reference", "marking-definition", edit{"object_marking_refs": list{uid("marking-definition", 11)}}, "object_marking_refs[0]"},
		{"extension-definition without creator", "extension-definition", edit{"created_by_ref": del}, "created_by_ref"},
		{"extension-definition empty types", "extension-definition", edit{"extension_types": list{}}, "extension_types"},
		{"extension-definition toplevel props", "extension-definition", edit{"extension_types": list{"toplevel-property-extension"}, "extension_properties": list{"x_score"}}, "-"},
		{"extension-definition bad prop name", "extension-definition", edit{"extension_types": list{"toplevel-property-extension"}, "extension_properties": list{"X"}}, "extension_properties[0]"},

		// SCOs
		{"artifact url without hashes", "artifact", edit{"payload_bin": del, "url": "https://example.com/a"}, "hashes"},
		{"artifact url with hashes", "artifact", edit{"payload_bin": del, "url": "https://example.com/a", "hashes": obj{"MD5": strings.Repeat("0", 32)}}, "-"},
		{"artifact base64 bad padding", "artifact", edit{"payload_bin": "aGVsbG8"}, "payload_bin"},
		{"autonomous-system number string", "autonomous-system", edit{"number": "15139"}, "number"},
		{"directory without path", "directory", edit{"path": del}, "path"},
		{"directory charset alias", "directory", edit{"path_enc": "ISO-8859-15"}, "-"},
		{"domain-name resolves to url", "domain-name", edit{"resolves_to_refs": list{uid("url", 1)}}, "resolves_to_refs[0]"},
		{"email-addr no at", "email-addr", edit{"value": "jdoe"}, "value"},
		{"email-message multipart with body", "email-message", edit{"body": "x"}, "body"},
		{"email-message mime part with both", "email-message", edit{"body_multipart": list{obj{"body": "x", "body_raw_ref": uid("artifact", 1)}}}, "body_multipart[0]"},
		{"email-message without is_multipart", "email-message", edit{"is_multipart": del}, "is_multipart"},
		{"file neither hashes nor name", "file", edit{"name": del, "hashes": del}, ""},
		{"file MD5 wrong length", "file", edit{"hashes": obj{"MD5": "abc"}}, "hashes.MD5"},
		{"file SHA-1 not hex", "file", edit{"hashes": obj{"SHA-1": strings.Repeat("g", 40)}}, "hashes.SHA-1"},
		{"file size negative", "file", edit{"size": -1}, "size"},
		{"file magic number odd", "file", edit{"magic_number_hex": "FFD"}, "magic_number_hex"},
		{"file archive without refs", "file", edit{"extensions": obj{"archive-ext": obj{"comment": "x"}}}, "extensions.archive-ext.contains_refs"},
		{"file pebinary without type", "file", edit{"extensions": obj{"windows-pebinary-ext": obj{"imphash": "x"}}}, "extensions.windows-pebinary-ext.pe_type"},
		{"file ntfs empty", "file", edit{"extensions": obj{"ntfs-ext": obj{}}}, "extensions.ntfs-ext"},
		{"ipv4 in ipv6", "ipv6-addr", edit{"value": "198.51.100.1"}, "value"},
		{"ipv6 in ipv4", "ipv4-addr", edit{"value": "2001:db8::1"}, "value"},
		{"ipv4 leading zero", "ipv4-addr", edit{"value": "198.051.100.1"}, "value"},
		{"ipv4 /32", "ipv4-addr", edit{"value": "198.51.100.1/32"}, "-"},
		{"ipv6 /128", "ipv6-addr", edit{"value": "::1/128"}, "-"},
		{"ipv6 zone", "ipv6-addr", edit{"value": "fe80::1%eth0"}, "value"},
		{"ipv4 prefix leading zero", "ipv4-addr", edit{"value": "10.0.0.0/08"}, "value"},
		{"mac uppercase", "mac-addr", edit{"value": "D2:FB:49:24:37:18"}, "value"},
		{"mac dashes", "mac-addr", edit{"value": "d2-fb-49-24-37-18"}, "value"},
		{"mutex without name", "mutex", edit{"name": del}, "name"},
		{"network-traffic dst port 65536", "network-traffic", edit{"dst_port": 65536}, "dst_port"},
		{"network-traffic protocols empty", "network-traffic", edit{"protocols": list{}}, "protocols"},
		{"network-traffic src to url", "network-traffic", edit{"src_ref": uid("url", 1)}, "src_ref"},
		{"network-traffic socket family", "network-traffic", edit{"extensions": obj{"socket-ext": obj{"address_family": "AF_WHATEVER"}}}, "extensions.socket-ext.address_family"},
		{"network-traffic http ext", "network-traffic", edit{"extensions": obj{"http-request-ext": obj{"request_method": "get", "request_value": "/"}}}, "-"},
		{"network-traffic icmp needs code", "network-traffic", edit{"extensions": obj{"icmp-ext": obj{"icmp_type_hex": "08"}}}, "extensions.icmp-ext.icmp_code_hex"},
		{"process nothing", "process", edit{"pid": del, "command_line": del, "extensions": del}, ""},
		{"process integrity level", "process", edit{"extensions": obj{"windows-process-ext": obj{"integrity_level": "ultra"}}}, "extensions.windows-process-ext.integrity_level"},
		{"process service start type", "process", edit{"extensions": obj{"windows-service-ext": obj{"start_type": "AUTO"}}}, "extensions.windows-service-ext.start_type"},
		{"software cpe 2.2", "software", edit{"cpe": "cpe:/a:microsoft:word:2000"}, "cpe"},
		{"software cpe too few parts", "software", edit{"cpe": "cpe:2.3:a:microsoft:word"}, "cpe"},
		{"url empty", "url", edit{"value": ""}, "value"},
		{"user-account nothing", "user-account", edit{"user_id": del, "account_login": del, "extensions": del}, ""},
		{"user-account bool", "user-account", edit{"is_disabled": "no"}, "is_disabled"},
		{"registry HKCU", "windows-registry-key", edit{"key": "hkcu\\Software"}, "key"},
		{"registry data type", "windows-registry-key", edit{"values": list{obj{"name": "a", "data_type": "REG_TEXT"}}}, "values[0].data_type"},
		{"x509 validity order", "x509-certificate", edit{"validity_not_after": "2020-01-01T00:00:00Z"}, "validity_not_after"},
		{"x509 ext timestamp", "x509-certificate", edit{"x509_v3_extensions": obj{"private_key_usage_period_not_after": "2016-11-31T08:17:27Z"}}, "x509_v3_extensions.private_key_usage_period_not_after"},

		// custom objects
		{"custom object", "campaign", edit{"type": "x-acme-widget", "id": uid("x-acme-widget", 1), "name": del, "widget_size": 3}, "-"},
		{"custom new-sco without created", "url", edit{"type": "x-acme-obs", "id": uid("x-acme-obs", 1), "value": del, "obs": "x",
			"extensions": obj{uid("extension-definition", 2): obj{"extension_type": "new-sco"}}}, "-"},
		{"custom object without created", "url", edit{"type": "x-acme-widget", "id": uid("x-acme-widget", 1), "value": del, "spec_version": "2.1"}, "created"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, ok := objs[tt.typ]
			if !ok {
				t.Fatalf("no fixture for %s", tt.typ)
			}
			raw := encode(t, apply(base, tt.edit))
			_, err := Decode(raw)
			if tt.prop == "-" {
				if err != nil {
					t.Fatalf("got %v, want accepted", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want one about %q", tt.prop)
			}
			if !mentions(err, tt.prop) {
				t.Fatalf("got %v, want an error about %q", err, tt.prop)
			}
			for _, e := range flatten(err) {
				var se *Error
				if !errors.As(e, &se) {
					t.Errorf("got %T in the joined errors, want *Error", e)
				}
			}
		})
	}
}

func TestErrorLimit(t *testing.T) {
	m := sdo("campaign", obj{"name": "x"})
	for i := 0; i < 30; i++ {
		m[fmt.Sprintf("Bad%d", i)] = 1
	}
	_, err := Decode(encode(t, m))
	if got := len(flatten(err)); got != maxErrors {
		t.Fatalf("got %d errors, want %d: %v", got, maxErrors, err)
	}
}

func TestAccessors(t *testing.T) {
	o, err := Decode(encode(t, validObjects()["indicator"]))
	if err != nil {
		t.Fatal(err)
	}
	if got := o.StringProp("pattern_type"); got != "stix" {
		t.Errorf("StringProp(pattern_type): got %q, want stix", got)
	}
	if got := o.StringProp("confidence"); got != "" {
		t.Errorf("StringProp(confidence): got %q, want empty", got)
	}
	if got, ok := o.IntProp("confidence"); !ok || got != 80 {
		t.Errorf("IntProp(confidence): got %d %v, want 80 true", got, ok)
	}
	if got, ok := o.TimestampProp("valid_until"); !ok || got.Text != ts2 {
		t.Errorf("TimestampProp(valid_until): got %v %v, want %s", got, ok, ts2)
	}
	if got := o.StringsProp("indicator_types"); len(got) != 1 || got[0] != "malicious-activity" {
		t.Errorf("StringsProp(indicator_types): got %v", got)
	}
	if _, ok := o.BoolProp("revoked"); ok {
		t.Errorf("BoolProp(revoked): got ok for an absent property")
	}
	if _, ok := o.NumberProp("confidence"); !ok {
		t.Errorf("NumberProp(confidence): got not ok")
	}
}
