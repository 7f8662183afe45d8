package stix

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// conformanceDir is the shared OASIS test data (see /work/shared/conformance-data/README.md).
const conformanceDir = "../../../shared/conformance-data/stix"

func conformancePath(t *testing.T, sub string) string {
	t.Helper()
	dir := filepath.Join(conformanceDir, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("conformance data not available (%v); skipping", err)
	}
	return dir
}

// bundleObjects splits a bundle file into the raw JSON of its objects; a file holding a single
// object gives that object.
func bundleObjects(t *testing.T, path string) []json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Type    string            `json:"type"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b.Type != "bundle" {
		return []json.RawMessage{data}
	}
	return b.Objects
}

func TestConformanceExamplesAccepted(t *testing.T) {
	dir := conformancePath(t, "examples")
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no example bundles found")
	}
	n := 0
	for _, f := range files {
		for i, raw := range bundleObjects(t, f) {
			n++
			if _, err := Decode(raw); err != nil {
				t.Errorf("%s object %d: got error %v, want it accepted", filepath.Base(f), i, err)
			}
		}
	}
	t.Logf("%d objects from %d bundles accepted", n, len(files))
}

// knownGaps are invalid cases this package does not reject, with the reason.
var knownGaps = map[string]string{
	"indicator-pattern-double-quoted-key":     "pattern syntax is checked by the pattern package, not by Decode",
	"indicator-pattern-object-type-too-short": "pattern syntax is checked by the pattern package, not by Decode",
	"indicator-pattern-property-too-short":    "pattern syntax is checked by the pattern package, not by Decode",
}

func TestConformanceInvalidRejected(t *testing.T) {
	dir := conformancePath(t, "invalid-from-validator")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no invalid cases found: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			if why, ok := knownGaps[name]; ok {
				t.Skip(why)
			}
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			reason, _ := os.ReadFile(strings.TrimSuffix(f, ".json") + ".reason")
			_, err = Decode(raw)
			if err == nil {
				t.Fatalf("got no error, want rejection: %s", reason)
			}
			if want, ok := invalidProps[name]; ok {
				if !mentions(err, want) {
					t.Errorf("got %v, want an error about %q", err, want)
				}
			}
			t.Logf("%v", err)
		})
	}
}

// mentions reports whether one of the *Error values in err names prop (as its property path or
// a prefix of it).
func mentions(err error, prop string) bool {
	for _, e := range flatten(err) {
		var se *Error
		if errors.As(e, &se) && (se.Property == prop || strings.HasPrefix(se.Property, prop+".") || strings.HasPrefix(se.Property, prop+"[")) {
			return true
		}
	}
	return false
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// invalidProps names the property each invalid case must be rejected for ("" for the object as a whole).
var invalidProps = map[string]string{
	"artifact-decryption-key-without-algorithm":           "decryption_key",
	"artifact-encryption-algorithm-not-in-enum":           "encryption_algorithm",
	"artifact-no-payload-or-url":                          "",
	"artifact-payload-and-url":                            "url",
	"artifact-payload-not-base64":                         "payload_bin",
	"attack-pattern-extref-source-name-only":              "external_references[0]",
	"attack-pattern-modified-day-00":                      "modified",
	"attack-pattern-modified-day-42":                      "modified",
	"attack-pattern-modified-feb-29-2017":                 "modified",
	"attack-pattern-modified-hour-99":                     "modified",
	"attack-pattern-modified-minute-99":                   "modified",
	"attack-pattern-modified-month-13":                    "modified",
	"attack-pattern-modified-nov-31":                      "modified",
	"attack-pattern-property-name-hyphen":                 "x-something",
	"bundle-missing-id":                                   "id",
	"campaign-created-sep-31":                             "created",
	"campaign-first-seen-sep-31":                          "first_seen",
	"campaign-last-seen-before-first-seen-usec":           "last_seen",
	"campaign-modified-before-created-usec":               "modified",
	"course-of-action-created-apr-31":                     "created",
	"course-of-action-modified-before-created-usec":       "modified",
	"custom-object-created-feb-30":                        "created",
	"custom-object-modified-before-created-usec":          "modified",
	"custom-object-property-starts-with-digit":            "9ome_custom_stuff",
	"custom-object-type-at-sign":                          "type",
	"custom-object-type-underscore":                       "type",
	"custom-object-type-uppercase":                        "type",
	"directory-path-enc-not-charset":                      "path_enc",
	"email-addr-value-with-display-name":                  "value",
	"email-message-multipart-false-with-body-multipart":   "body_multipart",
	"extension-definition-properties-without-toplevel":    "extension_properties",
	"extension-definition-unknown-extension-type":         "extension_types[0]",
	"file-custom-extension-without-ext-suffix":            "extensions.x-foobar",
	"file-extensions-is-string":                           "extensions",
	"file-hash-key-too-short":                             "hashes.MD",
	"file-name-enc-not-charset":                           "name_enc",
	"file-pebinary-time-date-stamp-nov-31":                "extensions.windows-pebinary-ext.time_date_stamp",
	"file-reserved-property-action":                       "action",
	"identity-created-aug-32":                             "created",
	"identity-id-prefix-abc":                              "id",
	"identity-missing-id":                                 "type",
	"identity-missing-modified":                           "modified",
	"identity-missing-type":                               "type",
	"identity-modified-before-created-usec":               "modified",
	"identity-modified-year-before-created":               "modified",
	"incident-created-mar-32":                             "created",
	"incident-missing-name":                               "name",
	"incident-modified-before-created-usec":               "modified",
	"indicator-created-apr-31-no-millis":                  "created",
	"indicator-custom-property-empty-list":                "my_new_property",
	"indicator-custom-property-name-256-chars":            "my_new_property_my_new_property_my_new_property_my_new_property_my_new_property_my_new_property_my_new_property_my_new_property_my_new_property_my_new_property_my_new_property_my_new_property_my_new_property_my_new_property_my_new_property_my_new_property_",
	"indicator-custom-property-name-bang":                 "my_new_property!",
	"indicator-custom-property-too-short":                 "mp",
	"indicator-id-prefix-something":                       "id",
	"indicator-missing-pattern-type":                      "pattern_type",
	"indicator-missing-pattern":                           "pattern",
	"indicator-modified-before-created-usec":              "modified",
	"indicator-reserved-property-action":                  "action",
	"indicator-reserved-property-severity":                "severity",
	"indicator-valid-until-before-valid-from-usec":        "valid_until",
	"intrusion-set-created-apr-31":                        "created",
	"intrusion-set-last-seen-before-first-seen":           "last_seen",
	"intrusion-set-modified-before-created-usec":          "modified",
	"ipv4-value-empty-prefix":                             "value",
	"ipv4-value-not-an-address":                           "value",
	"ipv4-value-octets-over-255":                          "value",
	"ipv4-value-prefix-33":                                "value",
	"ipv4-value-prefix-letter":                            "value",
	"ipv6-value-empty-prefix":                             "value",
	"ipv6-value-not-an-address":                           "value",
	"ipv6-value-prefix-129":                               "value",
	"ipv6-value-prefix-letter":                            "value",
	"language-content-contents-key-not-language-tag":      "contents.español",
	"language-content-created-feb-30":                     "created",
	"language-content-modified-before-created-usec":       "modified",
	"location-created-apr-31":                             "created",
	"location-modified-before-created-usec":               "modified",
	"malware-analysis-created-apr-31":                     "created",
	"malware-analysis-host-vm-ref-not-identifier":         "host_vm_ref",
	"malware-analysis-modified-before-created-usec":       "modified",
	"malware-created-may-32":                              "created",
	"malware-first-seen-may-32":                           "first_seen",
	"malware-is-family-string":                            "is_family",
	"malware-last-seen-may-32":                            "last_seen",
	"malware-modified-before-created-usec":                "modified",
	"marking-definition-granular-marking-ref-not-marking": "granular_markings[0].marking_ref",
	"marking-definition-granular-marking-self-reference":  "granular_markings[0].marking_ref",
	"marking-definition-granular-selector-index-at-root":  "granular_markings[0].selectors[0]",
	"marking-definition-no-definition":                    "",
	"marking-definition-object-marking-ref-not-marking":   "object_marking_refs[0]",
	"marking-definition-object-marking-self-reference":    "object_marking_refs[0]",
	"marking-definition-tlp-definition-number":            "id",
	"network-traffic-end-before-start-usec":               "end",
	"network-traffic-end-while-active":                    "end",
	"network-traffic-missing-protocols":                   "protocols",
	"network-traffic-no-src-or-dst":                       "",
	"network-traffic-src-port-out-of-range":               "src_port",
	"network-traffic-start-apr-31":                        "start",
	"new-sdo-extension-type-is-list":                      "extensions.extension-definition--04b2d3ef-d061-4912-ab77-6bbe807a5bd5.extension_type",
	"new-sdo-missing-created":                             "created",
	"new-sdo-missing-id":                                  "id",
	"new-sdo-missing-modified":                            "modified",
	"new-sdo-missing-type":                                "type",
	"observed-data-created-nov-31":                        "created",
	"observed-data-first-observed-dec-32":                 "first_observed",
	"observed-data-last-before-first-observed-usec":       "last_observed",
	"observed-data-modified-before-created-usec":          "modified",
	"observed-data-number-observed-negative":              "number_observed",
	"observed-data-object-refs-not-identifiers":           "object_refs[0]",
	"observed-data-object-refs-sdos":                      "object_refs[0]",
	"observed-data-objects-is-list":                       "objects",
	"relationship-created-apr-31":                         "created",
	"relationship-missing-relationship-type":              "relationship_type",
	"relationship-modified-before-created-usec":           "modified",
	"relationship-source-is-relationship":                 "source_ref",
	"relationship-source-is-sighting":                     "source_ref",
	"relationship-start-time-apr-31":                      "start_time",
	"relationship-stop-before-start-usec":                 "stop_time",
	"relationship-target-is-bundle":                       "target_ref",
	"relationship-target-is-marking-definition":           "target_ref",
	"relationship-type-uppercase":                         "relationship_type",
	"report-created-may-32":                               "created",
	"report-modified-before-created-usec":                 "modified",
	"report-published-may-32":                             "published",
	"sighting-created-aug-32":                             "created",
	"sighting-first-seen-aug-32":                          "first_seen",
	"sighting-last-seen-before-first-seen-usec":           "last_seen",
	"sighting-modified-before-created-usec":               "modified",
	"sighting-observed-data-ref-is-tool":                  "observed_data_refs[1]",
	"sighting-of-ref-is-bundle":                           "sighting_of_ref",
	"sighting-where-sighted-ref-is-tool":                  "where_sighted_refs[1]",
	"software-cpe-not-cpe23":                              "cpe",
	"threat-actor-created-apr-31":                         "created",
	"threat-actor-last-seen-apr-31":                       "last_seen",
	"threat-actor-last-seen-before-first-seen-usec":       "last_seen",
	"threat-actor-modified-before-created-usec":           "modified",
	"tool-created-apr-31":                                 "created",
	"tool-id-not-uuid":                                    "id",
	"tool-modified-before-created-usec":                   "modified",
	"vulnerability-created-may-32":                        "created",
	"vulnerability-cve-id-letters":                        "external_references[0].external_id",
	"vulnerability-cve-id-lowercase":                      "external_references[0].external_id",
	"vulnerability-cve-id-no-dash":                        "external_references[0].external_id",
	"vulnerability-cve-id-without-prefix":                 "external_references[0].external_id",
	"vulnerability-cve-source-name-uppercase":             "external_references[0].source_name",
	"vulnerability-modified-before-created-usec":          "modified",
	"windows-registry-key-abbreviated-hive":               "key",
	"x509-v3-extension-date-nov-31":                       "x509_v3_extensions.private_key_usage_period_not_before",
}
