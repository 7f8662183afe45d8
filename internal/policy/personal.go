package policy

import (
	"strings"

	"github.com/entente/entente/internal/stix"
)

// ContainsPersonalData reports whether o holds personal data as this package recognises it (see
// the package documentation): it is cheap enough to run at ingest and store as a column.
func ContainsPersonalData(o *stix.Object) bool { return personalClass(o) != PersonalNone }

// ClassifyPersonal returns how much of o is personal data; it is the Facts.Personal of o.
func ClassifyPersonal(o *stix.Object) PersonalClass { return personalClass(o) }

// personalClass classifies o. It must agree with what the redactor removes: a property the
// redactor would change is Embedded, unless it is required, then Integral (a required list of
// references that keeps at least one element stays Embedded).
func personalClass(o *stix.Object) PersonalClass {
	switch o.Type {
	case "email-addr", "user-account":
		return PersonalIntegral
	case "identity":
		if c, _ := o.Props["identity_class"].(string); c == "individual" {
			return PersonalIntegral
		}
	}
	class := PersonalNone
	for k, v := range o.Props {
		var touched, partial bool
		switch {
		case k == "granular_markings":
			continue
		case k == "authors":
			touched = true
		case isRefKey(k):
			if s, _ := v.(string); personalRef(s) {
				touched = true
				break
			}
			masked, structural := scanPersonal(v)
			touched = masked || structural
		case isRefsKey(k):
			n, total := personalRefs(v)
			masked, structural := scanPersonal(v)
			touched = n > 0 || masked || structural
			partial = n > 0 && n < total && !masked && !structural
		default:
			masked, structural := scanPersonal(v)
			touched = masked || structural
		}
		if !touched {
			continue
		}
		if isRequired(o.Type, k) && !partial {
			return PersonalIntegral
		}
		class = PersonalEmbedded
	}
	return class
}

// scanPersonal walks a nested value: masked when a string holds an e-mail address, structural
// when a nested reference points at personal data (the redactor then removes that property).
func scanPersonal(v any) (masked, structural bool) {
	switch c := v.(type) {
	case string:
		return hasEmail(c), false
	case map[string]any:
		for k, e := range c {
			switch {
			case isRefKey(k):
				s, _ := e.(string)
				if personalRef(s) {
					structural = true
					continue
				}
			case isRefsKey(k):
				if n, _ := personalRefs(e); n > 0 {
					structural = true
					continue
				}
			}
			m, s := scanPersonal(e)
			masked, structural = masked || m, structural || s
		}
	case []any:
		for _, e := range c {
			m, s := scanPersonal(e)
			masked, structural = masked || m, structural || s
		}
	}
	return masked, structural
}

func isRefKey(k string) bool  { return strings.HasSuffix(k, "_ref") }
func isRefsKey(k string) bool { return strings.HasSuffix(k, "_refs") }

// personalRef reports whether a reference points at an object that is personal data by its
// type. Identity references are not: their ids are random and say nothing; e-mail address and
// user account ids are derived from their values, so a recipient could confirm a guess.
func personalRef(s string) bool {
	return strings.HasPrefix(s, "email-addr--") || strings.HasPrefix(s, "user-account--")
}

// personalRefs counts the personal references in a list, and its length.
func personalRefs(v any) (n, total int) {
	l, _ := v.([]any)
	for _, e := range l {
		if s, ok := e.(string); ok && personalRef(s) {
			n++
		}
	}
	return n, len(l)
}

// maskText replaces each e-mail address in a string.
const maskText = "[redacted e-mail]"

// hasEmail reports whether s contains an e-mail address.
func hasEmail(s string) bool {
	_, _, ok := nextEmail(s, 0)
	return ok
}

// maskEmails returns s with every e-mail address replaced by maskText.
func maskEmails(s string) string {
	var b strings.Builder
	last := 0
	for from := 0; ; {
		i, j, ok := nextEmail(s, from)
		if !ok {
			break
		}
		b.WriteString(s[last:i])
		b.WriteString(maskText)
		last, from = j, j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// nextEmail finds the first e-mail address in s at or after from: a local part of letters,
// digits and ._%+-!#$&*?^~ and a domain of at least two dot-separated labels of letters, digits
// and hyphens whose last label is two or more letters. It returns its bounds.
func nextEmail(s string, from int) (i, j int, ok bool) {
	for from < len(s) {
		at := strings.IndexByte(s[from:], '@')
		if at < 0 {
			return 0, 0, false
		}
		at += from
		i = at
		for i > 0 && isLocalChar(s[i-1]) {
			i--
		}
		for i < at && s[i] == '.' {
			i++
		}
		j = at + 1
		for j < len(s) && isDomainChar(s[j]) {
			j++
		}
		for j > at+1 && (s[j-1] == '.' || s[j-1] == '-') {
			j--
		}
		if i < at && validDomain(s[at+1:j]) {
			return i, j, true
		}
		from = at + 1
	}
	return 0, 0, false
}

func isLocalChar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("._%+-!#$&*?^~", c) >= 0
}

func isDomainChar(c byte) bool { return isAlnum(c) || c == '-' || c == '.' }

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func validDomain(d string) bool {
	dot := strings.LastIndexByte(d, '.')
	if dot <= 0 || strings.Contains(d, "..") || len(d)-dot-1 < 2 {
		return false
	}
	for k := dot + 1; k < len(d); k++ {
		if c := d[k] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
