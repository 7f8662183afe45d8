package store

import "fmt"

// MaxLimit is the most records one Query returns whatever Filter.Limit asks; Page.More then
// tells that more exist.
const MaxLimit = 10000

// CheckFilter reports what makes f unusable, as an ErrInvalid error, or nil. Backends call it
// first in Query.
func CheckFilter(f Filter) error {
	switch {
	case f.Collection == "":
		return fmt.Errorf("query: filter without collection: %w", ErrInvalid)
	case f.Limit <= 0:
		return fmt.Errorf("query: limit %d must be positive: %w", f.Limit, ErrInvalid)
	case f.AddedAfter < 0 || f.AddedBefore < 0:
		return fmt.Errorf("query: negative added_after or added_before: %w", ErrInvalid)
	}
	return nil
}
