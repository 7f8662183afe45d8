package stix

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

// ParseID splits a STIX identifier of the form "type--UUID" into its type and UUID, and checks
// that the type is a syntactically valid STIX type name and the UUID an RFC 4122 UUID.
func ParseID(id string) (typ, uuid string, err error) {
	i := strings.Index(id, "--")
	if i < 0 {
		return "", "", fmt.Errorf("identifier %q is not of the form type--UUID", clip(id))
	}
	typ, uuid = id[:i], id[i+2:]
	if err := CheckTypeName(typ); err != nil {
		return "", "", fmt.Errorf("identifier %q: %w", clip(id), err)
	}
	if !IsUUID(uuid) {
		return "", "", fmt.Errorf("identifier %q: %q is not an RFC 4122 UUID", clip(id), clip(uuid))
	}
	return typ, uuid, nil
}

// CheckTypeName reports whether s is a valid STIX type name: 3 to 250 characters of lowercase
// ASCII letters, digits and single hyphens, not starting with a digit or hyphen and not ending
// with a hyphen (STIX 2.1 section 3.1 / 11.1).
func CheckTypeName(s string) error {
	if len(s) < 3 || len(s) > 250 {
		return fmt.Errorf("type %q must be 3 to 250 characters long", clip(s))
	}
	if s[0] == '-' || s[len(s)-1] == '-' || (s[0] >= '0' && s[0] <= '9') {
		return fmt.Errorf("type %q must start with a letter and not end with a hyphen", clip(s))
	}
	if strings.Contains(s, "--") {
		return fmt.Errorf("type %q must not contain two hyphens in a row", clip(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("type %q may contain only lowercase ASCII letters, digits and hyphens", clip(s))
		}
	}
	return nil
}

// IsUUID reports whether s is an RFC 4122 UUID in its canonical lowercase-or-uppercase
// hyphenated form with a valid variant (STIX requires RFC 4122 variant UUIDs).
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	// Variant bits: the first hex digit of the fourth group must be 8, 9, a or b.
	switch s[19] {
	case '8', '9', 'a', 'b', 'A', 'B':
		return true
	}
	return false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// clip shortens s for an error message so that hostile input cannot blow up a log line.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// NewUUID returns a random (version 4) RFC 4122 UUID.
func NewUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // cannot happen on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// NewID returns a new random identifier of type typ.
func NewID(typ string) string { return typ + "--" + NewUUID() }
