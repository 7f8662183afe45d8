package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/entente/entente/internal/config"
	"github.com/entente/entente/internal/stix"
	"github.com/entente/entente/internal/store"
	"github.com/entente/entente/internal/taxii"
)

func cmdTAXII(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageError("taxii: use discover URL, collections API-ROOT, pull API-ROOT COLLECTION, or push API-ROOT COLLECTION FILE")
	}
	sub, args := args[0], args[1:]
	f := newFlags(e, "taxii "+sub, "URL …")
	token := f.String("token", "", "API token for the server (env ENTENTE_TAXII_TOKEN)")
	user := f.String("user", "", "HTTP Basic user name to send with the token (some servers check it)")
	after := f.String("added-after", "", "pull: only objects added after this timestamp")
	types := f.String("type", "", "pull: only these object types (comma-separated)")
	into := f.String("import", "", "pull: import into this local collection instead of writing a bundle")
	cfg, err := f.parse(args)
	if err != nil {
		return err
	}
	c := &taxii.Client{Token: *token, Username: *user, UserAgent: "entente/" + version}
	if c.Token == "" {
		c.Token = e.getenv("ENTENTE_TAXII_TOKEN")
	}
	pos := f.positional
	need := func(n int, what string) error {
		if len(pos) != n {
			return usageError("taxii %s: expected %s", sub, what)
		}
		return nil
	}
	switch sub {
	case "discover":
		if err := need(1, "the discovery URL (https://host/taxii2/)"); err != nil {
			return err
		}
		d, err := c.Discover(ctx, pos[0])
		if err != nil {
			return err
		}
		return printJSON(e.stdout, d)
	case "collections":
		if err := need(1, "the API root URL"); err != nil {
			return err
		}
		cs, err := c.Collections(ctx, pos[0])
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tTITLE\tREAD\tWRITE")
		for _, col := range cs {
			fmt.Fprintf(tw, "%s\t%s\t%v\t%v\n", col.ID, col.Title, col.CanRead, col.CanWrite)
		}
		return tw.Flush()
	case "pull":
		if err := need(2, "the API root URL and a collection id"); err != nil {
			return err
		}
		o := taxii.PullOptions{Types: splitList(*types)}
		if *after != "" {
			us, err := stix.ParseMicro(*after)
			if err != nil {
				return usageError("--added-after: %v", err)
			}
			o.AddedAfter = time.UnixMicro(us)
		}
		if *into != "" {
			return pullInto(ctx, e, cfg, c, pos[0], pos[1], *into, o)
		}
		w := bufio.NewWriterSize(e.stdout, 256<<10)
		fmt.Fprintf(w, `{"type":"bundle","id":"%s","objects":[`, stix.NewID("bundle"))
		first := true
		err := c.Pull(ctx, pos[0], pos[1], o, func(p taxii.Page) error {
			for _, obj := range p.Objects {
				if !first {
					w.WriteByte(',')
				}
				first = false
				w.WriteByte('\n')
				w.Write(obj)
			}
			return nil
		})
		if err != nil {
			w.Flush()
			return fmt.Errorf("pull: %w (the output is incomplete)", err)
		}
		w.WriteString("\n]}\n")
		return w.Flush()
	case "push":
		if err := need(3, "the API root URL, a collection id and a FILE (- for standard input)"); err != nil {
			return err
		}
		return push(ctx, e, c, pos[0], pos[1], pos[2])
	}
	return usageError("taxii: unknown subcommand %q (discover, collections, pull, push)", sub)
}

func printJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func pullInto(ctx context.Context, e *env, cfg config.Config, c *taxii.Client, root, coll, local string, o taxii.PullOptions) error {
	n, err := openNode(ctx, cfg, newLogger(cfg, e.stderr))
	if err != nil {
		return err
	}
	defer n.Close()
	if err := n.syncPolicy(ctx, false); err != nil {
		return err
	}
	lc, err := n.collection(ctx, local)
	if err != nil {
		return err
	}
	var total struct{ accepted, dup, rejected int }
	in := n.ingester()
	err = c.Pull(ctx, root, coll, o, func(p taxii.Page) error {
		raws := make([][]byte, len(p.Objects))
		for i, obj := range p.Objects {
			raws[i] = obj
		}
		res, err := in.Add(ctx, lc.ID, raws, store.Provenance{OrgID: n.self.ID, Via: "taxii"})
		if err != nil {
			return err
		}
		for _, r := range res {
			switch r.Outcome.String() {
			case "accepted":
				total.accepted++
			case "duplicate":
				total.dup++
			default:
				total.rejected++
				fmt.Fprintf(e.stdout, "%s: rejected: %s\n", r.ID, r.Reason())
			}
		}
		return nil
	})
	fmt.Fprintf(e.stdout, "%d accepted, %d duplicate, %d rejected\n", total.accepted, total.dup, total.rejected)
	if err != nil {
		return fmt.Errorf("pull: %w (objects before this point were stored)", err)
	}
	if total.rejected > 0 {
		return &exitError{code: 1}
	}
	return nil
}

// push reads FILE and posts its objects in envelopes of at most 1000 objects and the server's
// max_content_length.
func push(ctx context.Context, e *env, c *taxii.Client, root, coll, file string) error {
	info, err := c.APIRoot(ctx, root)
	if err != nil {
		return err
	}
	maxLen := info.MaxContentLength
	if maxLen <= 0 {
		maxLen = 10 << 20
	}
	in, closeIn, err := openInput(e, file)
	if err != nil {
		return err
	}
	defer closeIn()
	rd := stix.NewReader(in)
	var batch []json.RawMessage
	size := int64(20)
	var ok, failed int
	send := func() error {
		if len(batch) == 0 {
			return nil
		}
		st, err := c.Push(ctx, root, coll, batch)
		if err != nil {
			return err
		}
		ok += st.SuccessCount
		failed += st.FailureCount
		for _, f := range st.Failures {
			fmt.Fprintf(e.stdout, "%s: rejected by the server: %s\n", f.ID, f.Message)
		}
		batch, size = batch[:0], 20
		return nil
	}
	for {
		raw, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var oe *stix.ObjectError
		if errors.As(err, &oe) {
			fmt.Fprintf(e.stdout, "object %d: not sent: %v\n", oe.Index, oe.Err)
			failed++
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		if size+int64(len(raw))+1 > maxLen || len(batch) == 1000 {
			if err := send(); err != nil {
				return err
			}
		}
		batch = append(batch, append(json.RawMessage(nil), raw...))
		size += int64(len(raw)) + 1
	}
	if err := send(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d objects accepted by the server, %d failed\n", ok, failed)
	if failed > 0 {
		return &exitError{code: 1}
	}
	return nil
}
