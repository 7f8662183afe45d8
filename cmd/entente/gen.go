package main

import (
	"bufio"
	"context"
	"time"

	"github.com/entente/entente/internal/gen"
)

func cmdGen(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "gen", "")
	n := f.Int("objects", 1000, "number of objects")
	seed := f.Int64("seed", 1, "random seed; the same seed gives the same bundle")
	now := f.String("now", "2026-01-01T00:00:00Z", "reference time the corpus is generated around")
	if _, err := f.parse(args); err != nil {
		return err
	}
	if *n < 0 {
		return usageError("--objects must not be negative")
	}
	t, err := time.Parse(time.RFC3339, *now)
	if err != nil {
		return usageError("--now: %v", err)
	}
	w := bufio.NewWriterSize(e.stdout, 256<<10)
	if err := gen.Write(ctx, w, gen.Options{Objects: *n, Seed: *seed, Now: t}); err != nil {
		return err
	}
	return w.Flush()
}
