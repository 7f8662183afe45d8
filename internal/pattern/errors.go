package pattern

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrorKind says what sort of problem a pattern has.
type ErrorKind uint8

const (
	// KindSyntax means the text does not follow the STIX patterning grammar.
	KindSyntax ErrorKind = iota + 1
	// KindInvalid means the text follows the grammar but cannot mean anything: a timestamp
	// that is no real date, a WITHIN of zero seconds, REPEATS 0 TIMES, a set literal mixing
	// types, an IP prefix that is no prefix, a number out of range. It also covers the extra
	// rules Check applies (hash values of the wrong shape, duplicate qualifiers).
	KindInvalid
	// KindUnsupported means the pattern is valid STIX but this package cannot evaluate it:
	// a MATCHES regular expression that Go's linear-time regexp engine (RE2) cannot run.
	KindUnsupported
)

// String names the kind for error messages.
func (k ErrorKind) String() string {
	switch k {
	case KindSyntax:
		return "syntax error"
	case KindInvalid:
		return "invalid pattern"
	case KindUnsupported:
		return "unsupported pattern"
	}
	return "error"
}

// Error is a problem found in the text of a pattern, with where it is.
type Error struct {
	Kind   ErrorKind
	Offset int // byte offset into the pattern
	Line   int // 1-based line
	Column int // 1-based column, counted in characters
	Msg    string
}

// Error formats the problem with its position.
func (e *Error) Error() string {
	return fmt.Sprintf("pattern %s at line %d, column %d (byte %d): %s", e.Kind, e.Line, e.Column, e.Offset, e.Msg)
}

// newError builds an Error at byte offset off of src.
func newError(kind ErrorKind, src string, off int, format string, args ...any) *Error {
	if off > len(src) {
		off = len(src)
	}
	line, col := 1, 1
	for _, r := range src[:off] {
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return &Error{Kind: kind, Offset: off, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

// MatchError is a problem met while evaluating a pattern against observations: data that
// cannot be compared as the pattern asks (a timestamp literal against a string that is no
// timestamp, a reference property that holds no identifier, a _hex or _bin property that does
// not decode), or an evaluation that exceeded its step budget.
type MatchError struct {
	Observation int // index of the observation concerned, or -1
	Err         error
}

// Error formats the problem with the observation concerned.
func (e *MatchError) Error() string {
	if e.Observation < 0 {
		return "pattern evaluation: " + e.Err.Error()
	}
	return fmt.Sprintf("pattern evaluation: observation %d: %v", e.Observation, e.Err)
}

// Unwrap returns the underlying problem.
func (e *MatchError) Unwrap() error { return e.Err }

// ErrBudget is wrapped by the MatchError returned when evaluation needs more steps than
// MatchOptions.MaxSteps allows.
var ErrBudget = errors.New("evaluation step budget exceeded")

// quoteClip quotes s for an error message, shortening very long text.
func quoteClip(s string) string {
	const max = 60
	if len(s) <= max {
		return fmt.Sprintf("%q", s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q…", s[:cut])
}
