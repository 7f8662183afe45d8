package store

import (
	"context"
	"fmt"
	"strings"
	"unicode"
)

// SearchDoc is the human text of one object version, for the full-text index.
type SearchDoc struct {
	ID        string // the object's id
	DateAdded int64  // the version's date_added in its collection
	Text      string
	// Links are the ids this version points at that make it show on their pages: a
	// relationship's source and target, a sighting's sighting_of_ref, a report's, grouping's,
	// note's or opinion's object_refs (Linked).
	Links []string
}

// SearchQuery asks the full-text index of one collection for the latest versions whose text
// holds every word of Text, newest indexed first.
type SearchQuery struct {
	Collection string
	Text       string
	// Before, when not 0, continues a search: only entries indexed before this position (a
	// SearchPage's Next) are considered.
	Before int64
	// Scope, Types, TLPs, Origin and the date bounds narrow the candidates in the query, as
	// Filter's fields of the same names do.
	Scope       *Scope
	Types       []string
	TLPs        []int
	Origin      string
	AddedAfter  int64 // exclusive; 0 for none
	AddedBefore int64 // exclusive; 0 for none
	Limit       int   // at most this many records (with their JSON); must be > 0
	// Budget bounds the index entries one call examines (default 10 000), so that a word many
	// objects hold, none of which the scope admits, cannot make one page slow: the page then
	// ends early with More set.
	Budget int
}

// SearchPage is one page of a full-text search.
type SearchPage struct {
	Records []Record
	More    bool  // the index may hold more matches before Next
	Next    int64 // position to continue from (SearchQuery.Before)
}

// SearchProgress says how far the full-text index of a collection has come.
type SearchProgress struct {
	Cursor    int64 // date_added up to which the collection has been indexed
	LastAdded int64 // the last date_added given out in the collection
}

// Behind reports whether objects were added that the index has not taken in yet.
func (p SearchProgress) Behind() bool { return p.Cursor < p.LastAdded }

// SearchStore keeps a full-text index of the latest version of each object, filled from
// outside the object insert path (by a follower in the background), so that importing never pays
// for it. Several processes may fill it at once: Index is idempotent.
type SearchStore interface {
	// Progress returns how far a collection is indexed. Errors: ErrNotFound when the collection
	// does not exist.
	Progress(ctx context.Context, collection string) (SearchProgress, error)
	// Index adds docs (versions of the collection) in one transaction, replacing the entry of
	// an older version of the same object, and advances the collection's cursor to cursor
	// (never back). A doc for a version older than the one indexed is ignored. Errors:
	// ErrNotFound when the collection does not exist.
	Index(ctx context.Context, collection string, docs []SearchDoc, cursor int64) error
	// Search returns latest versions whose indexed text holds every word of q.Text.
	// Errors: ErrInvalid for a query without collection, text or limit; ErrNotFound when the
	// collection does not exist.
	Search(ctx context.Context, q SearchQuery) (SearchPage, error)
	// Linked returns the latest versions of up to limit objects whose indexed entry links to
	// target (SearchDoc.Links), newest added first. Objects added after the collection's cursor
	// (Progress) are not indexed yet; the caller looks for them itself. Errors: ErrInvalid for
	// an empty target or a limit below 1; ErrNotFound when the collection does not exist.
	Linked(ctx context.Context, collection, target string, limit int) ([]Record, error)
}

// SearchWords splits text into the words a full-text search looks for: runs of letters and
// digits, lower-cased, as both backends' tokenizers split them.
func SearchWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// DefaultSearchBudget is SearchQuery.Budget's default.
const DefaultSearchBudget = 10000

// CheckSearch returns an ErrInvalid error naming what a search query lacks, and q with its
// defaults filled in.
func CheckSearch(q SearchQuery) (SearchQuery, error) {
	switch {
	case q.Collection == "":
		return q, fmt.Errorf("search: query without collection: %w", ErrInvalid)
	case len(SearchWords(q.Text)) == 0:
		return q, fmt.Errorf("search: query without words: %w", ErrInvalid)
	case q.Limit <= 0:
		return q, fmt.Errorf("search: limit %d must be positive: %w", q.Limit, ErrInvalid)
	}
	q.Limit = min(q.Limit, MaxLimit)
	if q.Budget <= 0 {
		q.Budget = DefaultSearchBudget
	}
	return q, nil
}

// SearchChunk is how many index entries a backend examines per round of a search.
const SearchChunk = 500

// SearchLoop runs a search over a backend's index in rounds: candidates asks for up to
// SearchChunk positions below before (0: from the newest), newest first; admitted returns the
// records of the given positions that the query's conditions admit, in the same order, with the
// position of each, at most limit of them. It stops at q.Limit records or q.Budget entries.
func SearchLoop(q SearchQuery, candidates func(before int64) ([]int64, error), admitted func(pos []int64, limit int) ([]Record, []int64, error)) (SearchPage, error) {
	p := SearchPage{Records: []Record{}}
	before, seen := q.Before, 0
	for {
		pos, err := candidates(before)
		if err != nil {
			return SearchPage{}, err
		}
		if len(pos) == 0 {
			return p, nil
		}
		recs, at, err := admitted(pos, q.Limit-len(p.Records)+1)
		if err != nil {
			return SearchPage{}, err
		}
		for i := range recs {
			if len(p.Records) == q.Limit {
				p.More, p.Next = true, at[i-1]
				return p, nil
			}
			p.Records = append(p.Records, recs[i])
		}
		before, seen = pos[len(pos)-1], seen+len(pos)
		if len(pos) < SearchChunk {
			return p, nil
		}
		if seen >= q.Budget || len(p.Records) == q.Limit {
			p.More, p.Next = true, before
			return p, nil
		}
	}
}

// CheckLinked validates the arguments of SearchStore.Linked.
func CheckLinked(target string, limit int) error {
	if target == "" || limit < 1 {
		return fmt.Errorf("linked: target %q, limit %d: %w", target, limit, ErrInvalid)
	}
	return nil
}

// SearchRows reads the rows of a backend's query for SearchLoop's admitted (or Linked): each a
// record of collection, read with its position by scan.
func SearchRows(rows interface {
	Next() bool
	Err() error
}, collection string, scan func(r *Record, pos *int64) error) ([]Record, []int64, error) {
	var recs []Record
	var at []int64
	for rows.Next() {
		r := Record{Collection: collection}
		var p int64
		if err := scan(&r, &p); err != nil {
			return nil, nil, err
		}
		recs, at = append(recs, r), append(at, p)
	}
	return recs, at, rows.Err()
}
