package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/entente/entente/internal/auth"
	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
)

// benchTAXII measures the TAXII figures through real HTTP against the node opened on the bench's
// store: page latency at the start and deep in the collection (by next and by added_after), the
// manifest by type, a whole pass through the collection, POST throughput, 50 concurrent clients,
// and a partner who may see part of the collection.
func benchTAXII(ctx context.Context, out io.Writer, n *node, objects int) error {
	fed, err := n.federated(ctx)
	if err != nil {
		return err
	}
	h, err := n.handler(ctx, fed)
	if err != nil {
		return err
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	// A node that just took in a million objects first builds its full-text index, dashboard
	// counts, open data statistics and indicator index in the background, and on SQLite its
	// checkpointer then copies the log those writes left (up to 1 GiB) into the database; the
	// TAXII figures are of a node that has settled.
	t0 := time.Now()
	if err := n.ui.CatchUp(ctx); err != nil {
		return err
	}
	if err := n.od.Refresh(ctx); err != nil {
		return err
	}
	for !ready(h) { // the indicator index loads in the background too
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	built := time.Since(t0)
	if cp, ok := n.store.(interface{ Checkpoint(context.Context) error }); ok {
		if err := cp.Checkpoint(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "settle:  search index, dashboard counts, open data statistics and indicator index of %d objects built in %s, settled in %s\n",
		objects, built.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
	admin := auth.NewSecret()
	if _, err := n.store.Tokens().Create(ctx, store.Token{Hash: auth.Hash(admin), OrgID: n.self.ID, Role: auth.RoleAdmin, CreatedAt: time.Now()}); err != nil {
		return err
	}
	partnerOrg, err := n.store.Orgs().Create(ctx, store.Org{Name: "bench partner " + stix.NewUUID()[:8], IdentityID: stix.NewID("identity"), CreatedAt: time.Now()})
	if err != nil {
		return err
	}
	partner := auth.NewSecret()
	n.store.Tokens().Create(ctx, store.Token{Hash: auth.Hash(partner), OrgID: partnerOrg.ID, Role: auth.RolePartner, CreatedAt: time.Now()})
	// The partner may read GREEN indicators: about a fifth of the corpus.
	n.store.Agreements().Put(ctx, policy.ToStore(policy.Agreement{Partner: partnerOrg.ID, MaxTLP: stix.TLPGreen, Types: []string{"indicator"}}, time.Now()))
	c, err := n.collection(ctx, "")
	if err != nil {
		return err
	}
	c.Read = append(c.Read, partnerOrg.ID)
	if err := n.store.Collections().Update(ctx, c); err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	base := srv.URL + "/taxii2/root/collections/" + c.ID + "/"
	type page struct {
		More  bool
		Next  string
		Count func() int // counts the page's objects; called outside the timed part
	}
	get := func(token, u string) (page, http.Header, error) {
		req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
		req.SetBasicAuth("bench", token)
		req.Header.Set("Accept", "application/taxii+json;version=2.1")
		resp, err := client.Do(req)
		if err != nil {
			return page{}, nil, err
		}
		defer resp.Body.Close()
		var p page
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return p, nil, err
		}
		if resp.StatusCode != 200 {
			return p, nil, fmt.Errorf("GET %s: %d %s", u, resp.StatusCode, b)
		}
		// The client reads the whole answer but decodes only the envelope's head (more, next),
		// and counts the objects outside the timed part (beside the next request in a pass), so
		// that the figures are the server's, not a JSON scanner's.
		p.More, p.Next = envelopeHead(b)
		p.Count = func() int { return countObjects(b) }
		return p, resp.Header, nil
	}
	timeIt := func(name string, reps int, u func(i int) string, token string) error {
		lat := make([]time.Duration, 0, reps)
		var got int
		for i := 0; i < reps; i++ {
			t := time.Now()
			p, _, err := get(token, u(i))
			if err != nil {
				return err
			}
			lat = append(lat, time.Since(t))
			got = p.Count()
		}
		fmt.Fprintf(out, "taxii %-34s p50 %7s  p99 %7s  (%d objects per page)\n", name, percentile(lat, 50).Round(10*time.Microsecond), percentile(lat, 99).Round(10*time.Microsecond), got)
		return nil
	}
	first := func(int) string { return base + "objects/?limit=1000" }
	if err := timeIt("objects, first page", 50, first, admin); err != nil {
		return err
	}
	// Deep: the page that starts in the middle of the collection.
	middle := middleAdded(ctx, n, c.ID, objects)
	after := url.QueryEscape(stix.FormatMicro(middle))
	if err := timeIt("objects, deep page by added_after", 50, func(int) string { return base + "objects/?limit=1000&added_after=" + after }, admin); err != nil {
		return err
	}
	p, _, err := get(admin, base+"objects/?limit=1000&added_after="+after)
	if err != nil {
		return err
	}
	if p.Next != "" {
		next := url.QueryEscape(p.Next)
		if err := timeIt("objects, deep page by next", 50, func(int) string { return base + "objects/?limit=1000&added_after=" + after + "&next=" + next }, admin); err != nil {
			return err
		}
	}
	if err := timeIt("manifest, match[type]=indicator", 50, func(int) string { return base + "manifest/?limit=1000&match[type]=indicator" }, admin); err != nil {
		return err
	}
	if err := timeIt("objects as a partner (scoped), first", 50, first, partner); err != nil {
		return err
	}
	if err := timeIt("objects as a partner (scoped), deep", 50, func(int) string { return base + "objects/?limit=1000&added_after=" + after }, partner); err != nil {
		return err
	}
	// A whole pass through the collection by next.
	t := time.Now()
	var total atomic.Int64
	var counted sync.WaitGroup
	u := base + "objects/?limit=1000"
	for {
		p, _, err := get(admin, u)
		if err != nil {
			return err
		}
		counted.Add(1)
		go func() { defer counted.Done(); total.Add(int64(p.Count())) }()
		if !p.More {
			break
		}
		u = base + "objects/?limit=1000&next=" + url.QueryEscape(p.Next)
	}
	el := time.Since(t)
	counted.Wait()
	fmt.Fprintf(out, "taxii whole pass by next: %d objects in %s, %.0f objects/s\n", total.Load(), el.Round(time.Millisecond), float64(total.Load())/el.Seconds())
	// 50 concurrent clients paging 10 pages each from different starting points.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs, pages, got int
	t = time.Now()
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			u := base + "objects/?limit=1000"
			for j := 0; j < 10; j++ {
				p, _, err := get(admin, u)
				n := 0
				if err == nil {
					n = p.Count()
				}
				mu.Lock()
				if err != nil {
					errs++
					mu.Unlock()
					return
				}
				pages++
				got += n
				mu.Unlock()
				if !p.More {
					return
				}
				u = base + "objects/?limit=1000&next=" + url.QueryEscape(p.Next)
			}
		}(i)
	}
	wg.Wait()
	el = time.Since(t)
	fmt.Fprintf(out, "taxii 50 concurrent clients: %d pages, %d objects in %s (%.0f objects/s), %d errors\n", pages, got, el.Round(time.Millisecond), float64(got)/el.Seconds(), errs)
	return benchPost(ctx, out, client, base, admin)
}

// benchPost posts 20 envelopes of 1000 new objects. The corpus has a seed of its own each run,
// so that a run on a store an earlier run posted to (--reuse) stores new objects rather than
// reporting duplicates; the status resources tell how many were stored.
func benchPost(ctx context.Context, out io.Writer, client *http.Client, base, token string) error {
	dir, err := os.MkdirTemp("", "entente-bench-post-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "post.json")
	if err := writeGenSeed(ctx, path, 20000, time.Now().UnixNano()); err != nil {
		return err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var bundle struct{ Objects []json.RawMessage }
	if err := json.Unmarshal(b, &bundle); err != nil {
		return err
	}
	t := time.Now()
	sent, dups := 0, 0
	for i := 0; i < len(bundle.Objects); i += 1000 {
		end := min(i+1000, len(bundle.Objects))
		var env strings.Builder
		env.WriteString(`{"objects":[`)
		for j, o := range bundle.Objects[i:end] {
			if j > 0 {
				env.WriteByte(',')
			}
			env.Write(o)
		}
		env.WriteString("]}")
		req, _ := http.NewRequestWithContext(ctx, "POST", base+"objects/", strings.NewReader(env.String()))
		req.SetBasicAuth("bench", token)
		req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != 202 {
			return fmt.Errorf("POST: %d", resp.StatusCode)
		}
		stored, dup, err := storedOf(body)
		if err != nil {
			return fmt.Errorf("POST of objects %d to %d: %w", i, end, err)
		}
		sent, dups = sent+stored+dup, dups+dup
	}
	el := time.Since(t)
	// The corpus repeats a few objects (the TLP marking definitions, the odd version drawn twice);
	// more than that means the store held the corpus already, and the figure would not be one of
	// storing.
	if dups > sent/100 {
		return fmt.Errorf("POST: %d of %d objects were duplicates", dups, sent)
	}
	fmt.Fprintf(out, "taxii POST envelopes of 1000: %d objects (%d duplicates) in %s, %.0f objects/s\n", sent, dups, el.Round(time.Millisecond), float64(sent)/el.Seconds())
	return nil
}

// ready reports whether the node's handler says on /readyz that it is ready.
func ready(h http.Handler) bool {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil))
	return w.Code == http.StatusOK
}

// storedOf reads a POST's status resource: how many objects were stored new and how many were
// duplicates. A failure is an error.
func storedOf(body []byte) (stored, dup int, err error) {
	var st struct {
		FailureCount int `json:"failure_count"`
		Successes    []struct {
			Message string `json:"message"`
		} `json:"successes"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return 0, 0, fmt.Errorf("status resource: %w", err)
	}
	if st.FailureCount != 0 {
		return 0, 0, fmt.Errorf("%d objects failed", st.FailureCount)
	}
	for _, s := range st.Successes {
		if strings.HasPrefix(s.Message, "duplicate") {
			dup++
		}
	}
	return len(st.Successes) - dup, dup, nil
}

// middleAdded returns the date_added of the object halfway through the collection.
func middleAdded(ctx context.Context, n *node, coll string, objects int) int64 {
	var at int64
	seen := 0
	store.Scan(ctx, n.store.Objects(), store.Filter{Collection: coll, MetadataOnly: true, Versions: store.VersionMatch{All: true}}, func(r *store.Record) error {
		seen++
		if seen >= objects/2 {
			at = r.DateAdded
			return io.EOF
		}
		return nil
	})
	return at
}

// envelopeHead reads "more" and "next" from the start of a TAXII envelope as this server writes
// it, and counts the objects by their "type" members at the top level of the objects array.
func envelopeHead(b []byte) (more bool, next string) {
	head := b
	if i := bytes.Index(b, []byte(`"objects":[`)); i >= 0 {
		head = b[:i]
	}
	var h struct {
		More bool   `json:"more"`
		Next string `json:"next"`
	}
	json.Unmarshal(append(bytes.TrimSuffix(bytes.TrimSpace(head), []byte(",")), '}'), &h)
	return h.More, h.Next
}

// countObjects counts the objects of a TAXII envelope: the members of its "objects" array.
func countObjects(b []byte) (count int) {
	i := bytes.Index(b, []byte(`"objects":[`))
	if i < 0 {
		return 0
	}
	b = b[i+len(`"objects":[`):]
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			// Jump to the closing quote: the first one not escaped, that is, not preceded by an
			// odd number of backslashes.
			for {
				q := bytes.IndexByte(b[i+1:], '"')
				if q < 0 {
					return count
				}
				i += 1 + q
				bs := 0
				for k := i - 1; k >= 0 && b[k] == '\\'; k-- {
					bs++
				}
				if bs%2 == 0 {
					break
				}
			}
		case '{':
			if depth == 0 {
				count++
			}
			depth++
		case '}':
			depth--
		}
	}
	return count
}
