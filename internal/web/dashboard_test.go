package web

import (
	"fmt"
	"testing"
	"time"
)

func TestStackDays(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	names := map[string]string{}
	idx := map[string]int{}
	counts := map[[2]int]int{}
	// Origin i sends i+1 objects on day 0 and one on day 1; seven origins in all.
	for i := 0; i < 7; i++ {
		id := fmt.Sprintf("org%d", i)
		names[id], idx[id] = fmt.Sprintf("Org %d", i), i
		counts[[2]int{0, i}] = i + 1
		counts[[2]int{1, i}] = 1
	}
	segs, legend, top := stackDays("en", start, 2, counts, idx, names)
	if top != 28 {
		t.Errorf("top: got %d, want 28 (day 0)", top)
	}
	if len(legend) != stackColours+1 {
		t.Fatalf("legend: got %d entries, want %d", len(legend), stackColours+1)
	}
	if legend[0].Label != "Org 6" || legend[0].Value != 8 {
		t.Errorf("legend[0]: got %s %d, want the largest origin, Org 6 with 8", legend[0].Label, legend[0].Value)
	}
	if last := legend[stackColours]; last.Label != "others" || last.Value != (1+1)+(2+1) {
		t.Errorf("others: got %s %d, want others with 5", last.Label, last.Value)
	}
	total := 0
	for _, s := range segs {
		total += s.Value
		if s.Y < 10-0.001 || s.Y+s.H > 150.001 {
			t.Errorf("segment %s outside the plot: y %.1f h %.1f", s.Label, s.Y, s.H)
		}
	}
	if total != 28+7 {
		t.Errorf("segments add up to %d, want 35", total)
	}
}
