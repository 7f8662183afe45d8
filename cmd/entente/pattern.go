package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/entente/entente/internal/pattern"
)

func cmdPattern(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageError("pattern: give a subcommand: check PATTERN, or match [--stix-version V] PATTERN FILE")
	}
	switch args[0] {
	case "check":
		return patternCheck(e, args[1:])
	case "match":
		return patternMatch(e, args[1:])
	}
	return usageError("pattern: unknown subcommand %q (check, match)", args[0])
}

// patternArgs parses the flags of a pattern subcommand (which needs no node; flags may come
// before or after the arguments) and checks that it got want arguments.
func patternArgs(e *env, name, argsUsage string, args []string, want int) ([]string, pattern.Version, error) {
	fs := flag.NewFlagSet("entente pattern "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	ver := fs.String("stix-version", "2.1", "STIX version of the pattern grammar: 2.0 or 2.1")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: entente pattern %s [flags] %s\n\nFlags:\n", name, argsUsage)
		fs.PrintDefaults()
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, "", &exitError{code: 0}
			}
			return nil, "", &exitError{code: 2}
		}
		if args = fs.Args(); len(args) == 0 {
			break
		}
		pos, args = append(pos, args[0]), args[1:]
	}
	if len(pos) != want {
		return nil, "", usageError("pattern %s: give %s (quote the pattern for the shell)", name, argsUsage)
	}
	switch *ver {
	case "2.0":
		return pos, pattern.V20, nil
	case "2.1":
		return pos, pattern.V21, nil
	}
	return nil, "", usageError("--stix-version %q: want 2.0 or 2.1", *ver)
}

// patternCheck exits 0 for a valid pattern and 1 with the problem for an invalid one.
func patternCheck(e *env, args []string) error {
	pos, v, err := patternArgs(e, "check", "PATTERN", args, 1)
	if err != nil {
		return err
	}
	if err := pattern.CheckVersion(pos[0], v); err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	fmt.Fprintln(e.stdout, "valid")
	return nil
}

// matchOutcome is what `entente pattern match` prints.
type matchOutcome struct {
	Result        string   `json:"result"` // match, no_match, parse_error or match_error
	MatchedSDOIDs []string `json:"matched_sdo_ids"`
	Error         string   `json:"error,omitempty"`
}

// patternMatch evaluates PATTERN against the observed-data in FILE and prints one JSON object.
// It exits 0 whatever the result, which is in the output; 2 when FILE cannot be read.
func patternMatch(e *env, args []string) error {
	pos, v, err := patternArgs(e, "match", "PATTERN FILE (a JSON array of observed-data, or a bundle; - for standard input)", args, 2)
	if err != nil {
		return err
	}
	in, closeIn, err := openInput(e, pos[1])
	if err != nil {
		return usageError("pattern match: %v", err)
	}
	data, err := io.ReadAll(io.LimitReader(in, 256<<20))
	closeIn()
	if err != nil {
		return usageError("pattern match: reading %s: %v", pos[1], err)
	}
	out := evalPattern(pos[0], v, data)
	b, _ := json.Marshal(out)
	fmt.Fprintf(e.stdout, "%s\n", b)
	return nil
}

// evalPattern classifies the outcome as the OASIS reference matcher's tests do: a pattern that
// breaks the grammar is a parse_error; one that is valid but cannot be evaluated, observations
// that cannot be read, and errors during evaluation are match_errors. matched_sdo_ids lists
// the ids of the observed-data of the match found.
func evalPattern(text string, v pattern.Version, data []byte) matchOutcome {
	out := matchOutcome{MatchedSDOIDs: []string{}}
	p, err := pattern.ParseVersion(text, v)
	if err != nil {
		var pe *pattern.Error
		out.Result, out.Error = "match_error", err.Error()
		if errors.As(err, &pe) && pe.Kind == pattern.KindSyntax {
			out.Result = "parse_error"
		}
		return out
	}
	obs, err := pattern.DecodeObservations(data)
	if err != nil {
		out.Result, out.Error = "match_error", err.Error()
		return out
	}
	res, err := p.Match(obs, pattern.MatchOptions{})
	switch {
	case err != nil:
		out.Result, out.Error = "match_error", err.Error()
	case res.Matched:
		out.Result = "match"
		out.MatchedSDOIDs = append(out.MatchedSDOIDs, res.MatchedSDOIDs...)
	default:
		out.Result = "no_match"
	}
	return out
}
