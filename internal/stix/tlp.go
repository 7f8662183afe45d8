package stix

import "strings"

// TLP is a Traffic Light Protocol 2.0 level. The zero value is Unknown, which the policy treats
// as more restrictive than anything: an object whose markings cannot be understood never leaves
// as if it were CLEAR.
type TLP uint8

// TLP levels, ordered from least to most restrictive. Unknown is deliberately the greatest.
const (
	TLPClear TLP = iota + 1
	TLPGreen
	TLPAmber
	TLPAmberStrict
	TLPRed
	TLPUnknown TLP = 255
)

var tlpNames = map[TLP]string{
	TLPClear: "clear", TLPGreen: "green", TLPAmber: "amber", TLPAmberStrict: "amber+strict", TLPRed: "red",
}

// String returns the TLP 2.0 name in lowercase ("amber+strict"), or "unknown".
func (t TLP) String() string {
	if s, ok := tlpNames[t]; ok {
		return s
	}
	return "unknown"
}

// Label returns the label as written on documents: "TLP:AMBER+STRICT".
func (t TLP) Label() string { return "TLP:" + strings.ToUpper(t.String()) }

// ParseTLP accepts a TLP name with or without the "TLP:" prefix, in any case; "white" is read
// as CLEAR (TLP 1.0). It returns false for anything else.
func ParseTLP(s string) (TLP, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "tlp:")
	if s == "white" {
		return TLPClear, true
	}
	for t, n := range tlpNames {
		if n == s {
			return t, true
		}
	}
	return 0, false
}

// Stricter returns the more restrictive of a and b. Unknown beats everything; a zero TLP (no
// marking seen) loses to everything.
func Stricter(a, b TLP) TLP {
	if a > b {
		return a
	}
	return b
}

// The marking-definition ids of the OASIS TLP 2.0 extension: what Entente emits.
const (
	TLP2Clear       = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	TLP2Green       = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	TLP2Amber       = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	TLP2AmberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	TLP2Red         = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"

	// TLP2ExtensionID is the property extension carried by the TLP 2.0 marking definitions.
	TLP2ExtensionID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
)

// markingTLP maps every known TLP marking-definition id, of all three families in circulation,
// to its level: the STIX 2.1 built-in TLP 1.0 objects, the OASIS TLP 2.0 extension, and the
// AMBER+STRICT id OpenCTI uses.
var markingTLP = map[string]TLP{
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLPClear,
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLPGreen,
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLPAmber,
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLPRed,
	TLP2Clear:       TLPClear,
	TLP2Green:       TLPGreen,
	TLP2Amber:       TLPAmber,
	TLP2AmberStrict: TLPAmberStrict,
	TLP2Red:         TLPRed,
	"marking-definition--826578e1-40ad-459f-bc73-ede076f81f37": TLPAmberStrict,
}

// MarkingTLP returns the TLP level of a marking-definition id, and false when the id is not one
// of the known TLP markings.
func MarkingTLP(id string) (TLP, bool) {
	t, ok := markingTLP[strings.ToLower(id)]
	return t, ok
}

// TLPMarkingID returns the OASIS TLP 2.0 marking-definition id for t, or "" for Unknown.
func TLPMarkingID(t TLP) string {
	switch t {
	case TLPClear:
		return TLP2Clear
	case TLPGreen:
		return TLP2Green
	case TLPAmber:
		return TLP2Amber
	case TLPAmberStrict:
		return TLP2AmberStrict
	case TLPRed:
		return TLP2Red
	}
	return ""
}
