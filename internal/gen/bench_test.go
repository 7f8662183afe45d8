package gen

import (
	"context"
	"testing"
)

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// BenchmarkWrite measures the generator alone, writing into a counter: objects/s and
// bytes/object (go test -run '^$' -bench Write ./internal/gen/).
func BenchmarkWrite(b *testing.B) {
	const objects = 100_000
	b.ReportAllocs()
	var w countingWriter
	runs := 0
	for b.Loop() {
		if err := Write(context.Background(), &w, Options{Objects: objects, Seed: int64(runs)}); err != nil {
			b.Fatal(err)
		}
		runs++
	}
	b.ReportMetric(float64(objects*runs)/b.Elapsed().Seconds(), "objects/s")
	b.ReportMetric(float64(w.n)/float64(objects*runs), "bytes/object")
}
