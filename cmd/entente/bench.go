package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/entente/entente/internal/gen"
	"github.com/entente/entente/internal/stix"
)

// cmdBench measures the Foundation's figures on a scratch store: import (objects/s, peak
// memory of the import process), get-by-id latency, and export (objects/s, peak memory). Import
// and export run as child processes of this binary, exactly as an operator runs them, so their
// peak resident memory is their own.
func cmdBench(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "bench", "")
	objects := f.Int("objects", 1000000, "objects to generate and import")
	lookups := f.Int("lookups", 20000, "get-by-id lookups to time")
	keep := f.Bool("keep", false, "keep the scratch directory")
	withTAXII := f.Bool("taxii", false, "also measure TAXII 2.1 through real HTTP on the imported store")
	reuse := f.String("reuse", "", "measure again on the SQLite store a --keep run left in this directory (no gen, no import)")
	cfg, err := f.parse(args)
	if err != nil {
		return err
	}
	dir := *reuse
	if dir == "" {
		if dir, err = os.MkdirTemp("", "entente-bench-"); err != nil {
			return err
		}
		if !*keep {
			defer os.RemoveAll(dir)
		}
	} else if !strings.HasPrefix(cfg.DB, "sqlite:") {
		return usageError("--reuse works with SQLite only")
	}
	data := filepath.Join(dir, "data")
	db := "sqlite:" + filepath.Join(data, "entente.db")
	backend := "SQLite"
	if !strings.HasPrefix(cfg.DB, "sqlite:") {
		scratch, drop, err := scratchPostgres(ctx, cfg.DB)
		if err != nil {
			return err
		}
		defer drop()
		db, backend = scratch, "PostgreSQL"
	}
	out := e.stdout
	fmt.Fprintf(out, "entente bench: %d objects, %s, %s, %d CPUs, %s\n", *objects, backend, runtime.Version(), runtime.NumCPU(), cpuModel())

	bundle := filepath.Join(dir, "bundle.json")
	self, err := os.Executable()
	if err != nil {
		return err
	}
	base := []string{"--data", data, "--db", db}
	if *reuse == "" {
		t0 := time.Now()
		if err := writeGen(ctx, bundle, *objects); err != nil {
			return err
		}
		st, _ := os.Stat(bundle)
		fmt.Fprintf(out, "gen:     %9.0f objects/s (%d MB bundle)\n", float64(*objects)/time.Since(t0).Seconds(), st.Size()>>20)
		el, rss, err := child(ctx, self, append([]string{"import"}, append(base, bundle)...), io.Discard)
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		fmt.Fprintf(out, "import:  %9.0f objects/s, peak RSS %d MB (%s)\n", float64(*objects)/el.Seconds(), rss>>20, el.Round(time.Millisecond))
	}

	ids, err := sampleIDs(bundle, *lookups)
	if err != nil {
		return err
	}
	cfg.Data, cfg.DB = data, db
	n, err := openNode(ctx, cfg, newLogger(cfg, io.Discard))
	if err != nil {
		return err
	}
	if err := n.syncPolicy(ctx, true); err != nil { // as serve does; a no-op after the import
		n.Close()
		return err
	}
	objs := n.store.Objects()
	for _, id := range ids[:min(len(ids), 1000)] { // warm the cache as a running server has it
		if _, err := objs.Latest(ctx, id); err != nil {
			n.Close()
			return fmt.Errorf("get %s: %w", id, err)
		}
	}
	lat := make([]time.Duration, 0, len(ids))
	for _, id := range ids {
		t := time.Now()
		if _, err := objs.Latest(ctx, id); err != nil {
			n.Close()
			return fmt.Errorf("get %s: %w", id, err)
		}
		lat = append(lat, time.Since(t))
	}
	p50, p99 := percentile(lat, 50), percentile(lat, 99)
	fmt.Fprintf(out, "get:     p50 %s, p99 %s per object by id (%d lookups)\n", p50, p99, len(lat))
	if *withTAXII {
		if err := benchTAXII(ctx, out, n, *objects); err != nil {
			n.Close()
			return fmt.Errorf("taxii: %w", err)
		}
	}
	n.Close()

	var cw countWriter
	el, rss, err := child(ctx, self, append([]string{"export"}, base...), &cw)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(out, "export:  %9.0f objects/s, peak RSS %d MB, %d MB written (%s)\n", float64(*objects)/el.Seconds(), rss>>20, cw.n>>20, el.Round(time.Millisecond))
	if *keep {
		fmt.Fprintf(out, "scratch directory kept: %s\n", dir)
	}
	return nil
}

func writeGen(ctx context.Context, path string, n int) error { return writeGenSeed(ctx, path, n, 1) }

func writeGenSeed(ctx context.Context, path string, n int, seed int64) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(fh, 1<<20)
	if err := gen.Write(ctx, w, gen.Options{Objects: n, Seed: seed, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		fh.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// child runs this binary with args and returns the wall time and the child's peak RSS in bytes.
func child(ctx context.Context, self string, args []string, stdout io.Writer) (time.Duration, int64, error) {
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Stdout = stdout
	var stderr strings.Builder
	cmd.Stderr = &stderr
	t := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	// The child's own high-water mark (VmHWM), polled while it runs: rusage's maxrss would
	// include this parent's, which a child started by fork and exec inherits on Linux.
	var rss atomic.Int64
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if hwm := vmHWM(cmd.Process.Pid); hwm > rss.Load() {
				rss.Store(hwm)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	el := time.Since(t)
	if err != nil {
		return el, 0, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return el, rss.Load(), nil
}

// vmHWM returns the peak resident memory of a running process in bytes (0 when unknown).
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb * 1024
		}
	}
	return 0
}

// sampleIDs picks up to n object ids spread over the bundle.
func sampleIDs(path string, n int) ([]string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	rd := stix.NewReader(bufio.NewReaderSize(fh, 1<<20))
	var all []string
	for {
		raw, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if id := peekBenchID(raw); id != "" {
			all = append(all, id)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	return all[:min(n, len(all))], nil
}

func peekBenchID(raw []byte) string {
	s := string(raw)
	i := strings.Index(s, `"id":"`)
	if i < 0 {
		return ""
	}
	s = s[i+6:]
	j := strings.IndexByte(s, '"')
	if j < 0 {
		return ""
	}
	return s[:j]
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			if _, v, ok := strings.Cut(l, ":"); ok {
				return strings.TrimSpace(v)
			}
		}
	}
	return runtime.GOARCH
}

// scratchPostgres creates a fresh database next to the one dsn names and returns its URL and a
// function that drops it.
func scratchPostgres(ctx context.Context, dsn string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, fmt.Errorf("bench: connecting to %s: %w", dsn, err)
	}
	name := fmt.Sprintf("entente_bench_%d", os.Getpid())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		return "", nil, fmt.Errorf("bench: creating a scratch database: %w", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		conn.Close(ctx)
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		conn.Close(context.Background())
	}, nil
}
