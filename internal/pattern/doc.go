// Package pattern implements STIX patterning (STIX 2.1 specification, section 9, and the
// STIX 2.0 dialect): a hand-written parser, a validator, an evaluator over observed-data, and
// the extraction of simple observable values for an indicator index.
//
// Parse (or ParseVersion) turns pattern text into a Pattern. Errors are *Error values that
// carry the byte offset, line and column of the problem and say whether the text breaks the
// grammar (KindSyntax), cannot mean anything (KindInvalid), or cannot be evaluated here
// (KindUnsupported). Nesting deeper than MaxNesting is refused, so hostile input cannot
// exhaust the stack. Check adds the OASIS validator's extra rules. Pattern.String prints a
// canonical form that parses back to the same pattern.
//
// Pattern.Match evaluates a pattern against Observations, which DecodeObservations reads from
// STIX 2.0 observed-data (an "objects" dictionary) or STIX 2.1 observed-data (object_refs
// resolved against the objects beside it, for instance in one bundle). Object paths are
// evaluated generically, for any object type: a path selects every value it can reach
// (through list indexes, [*], and _ref/_refs references to other objects of the same
// observation), and a comparison holds when any selected value passes. The comparisons of one
// observation expression joined by AND must hold on the same root object.
//
// The semantics follow the OASIS reference matcher (cti-pattern-matcher) wherever the
// specification leaves room, so that the two agree on the official test vectors:
//   - Values of unrelated types compare unequal and unordered, never as an error. A
//     timestamp literal compared with a string that is not a timestamp is an error.
//   - Integers and floats compare by value; booleans are not numbers. Strings and binary
//     values (properties named …_hex or …_bin, and h'…' or b'…' literals) compare when every
//     character of the string is below U+0100, one byte per character.
//   - = compares strings exactly; LIKE and MATCHES compare after NFC normalisation of both
//     sides. MATCHES runs Go's linear-time regexp engine on a translation of the
//     PCRE/Python syntax (\d, \w and \s cover Unicode as in Python, $ and \Z accept one
//     final newline, \uXXXX and {,n} are understood); what RE2 cannot do (lookaround,
//     backreferences, atomic and conditional groups, verbose mode) is KindUnsupported.
//   - ISSUBSET and ISSUPERSET take IPv4 or IPv6 addresses and CIDR prefixes; a value that is
//     neither does not match.
//   - Qualifiers and FOLLOWEDBY use first_observed and last_observed, and each observed-data
//     can stand for as many observations as its number_observed.
//   - In STIX 2.1 the SDO and SRO types (indicator, observed-data, …) never match.
//
// Where this package departs from the reference matcher, on purpose:
//   - Problems that do not depend on the data (WITHIN 0 SECONDS, REPEATS 0 TIMES, an IN list
//     mixing types, an impossible timestamp, a 2.0 START/STOP string that is no timestamp, a
//     regular expression that does not compile) are reported by Parse, not by Match.
//   - IN means "= to one of the members"; Python's set membership would equate true with 1
//     and never equate a string with bytes.
//   - ISSUBSET and ISSUPERSET accept IPv6, treat a plain address as a one-address prefix on
//     either side, and take a data value that is no address as not matching (the reference
//     raises an error).
//   - Timestamps keep nanoseconds (the reference truncates to microseconds), and timestamps
//     in data must have two-digit fields.
//   - Result lists every observed-data of the binding found, not only those whose first
//     sighting it uses.
//
// Evaluating a comparison allocates nothing, except to normalise text that is not in NFC
// for LIKE and MATCHES or to run MATCHES on binary values; and a pattern of one observation
// expression is evaluated without any search. Patterns that combine observation expressions
// are matched by a backtracking search bounded by MatchOptions.MaxSteps.
package pattern
