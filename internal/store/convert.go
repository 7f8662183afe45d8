package store

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/entente/entente/internal/stix"
)

// StoredTLP is the TLP a backend stores for n: the zero TLP (none computed), as NewObject
// promises, and anything else that is not a TLP 2.0 level become Unknown, so that the "tlp IN
// (…)" lists of a Scope (LevelTLPs) find them.
func (n NewObject) StoredTLP() stix.TLP { return storedTLP(n.TLP) }

// StoredTLP is the TLP a backend stores for f, as NewObject.StoredTLP.
func (f StoredFacts) StoredTLP() stix.TLP { return storedTLP(f.TLP) }

func storedTLP(t stix.TLP) stix.TLP {
	if t >= stix.TLPClear && t <= stix.TLPRed {
		return t
	}
	return stix.TLPUnknown
}

// UnixMicro returns t in microseconds since the epoch, and 0 for the zero time.
func UnixMicro(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// TimeFromMicro is the inverse of UnixMicro, in UTC.
func TimeFromMicro(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// VersionCondition returns the SQL condition for v on a table aliased o with the columns
// is_latest, is_first and version, or "" when v selects all versions. at writes the
// backend's test of o.version against a list. A lone last or first is the bare flag, the form
// the partial indexes are declared with, so that both databases pick them.
func VersionCondition(v VersionMatch, at func(versions []int64) string) string {
	if v.All {
		return ""
	}
	if v.IsZero() {
		v.Last = true
	}
	var terms []string
	if v.Last {
		terms = append(terms, "o.is_latest")
	}
	if v.First {
		terms = append(terms, "o.is_first")
	}
	if len(v.At) > 0 {
		terms = append(terms, at(v.At))
	}
	return "(" + strings.Join(terms, " OR ") + ")"
}

// DecodeLabels reads labels stored as a JSON array of strings. Labels without escapes, which is
// nearly all of them, are split without the JSON decoder: this runs for every row a query reads.
func DecodeLabels(s string) ([]string, error) {
	if s == "" || s == "null" || s == "[]" {
		return nil, nil
	}
	if len(s) >= 4 && s[0] == '[' && s[1] == '"' && s[len(s)-2] == '"' && s[len(s)-1] == ']' && !strings.ContainsRune(s, '\\') {
		parts := strings.Split(s[2:len(s)-2], `","`)
		ok := true
		for _, p := range parts {
			if strings.ContainsRune(p, '"') {
				ok = false // spaces or other layout between elements: let the decoder read it
				break
			}
		}
		if ok {
			return parts, nil
		}
	}
	var out []string
	err := json.Unmarshal([]byte(s), &out)
	return out, err
}
