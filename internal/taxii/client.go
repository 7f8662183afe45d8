package taxii

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/entente/entente/internal/stix"
)

// Client talks TAXII 2.1 to any server. It tolerates what servers in the field do: a `next` that
// is not a string, servers that want fractional seconds in added_after (it always sends
// microseconds), and servers that say `more` without giving `next` (it then pages with
// added_after = X-TAXII-Date-Added-Last).
type Client struct {
	HTTP      *http.Client // default: a client with a 60 s timeout
	Token     string       // sent as HTTP Basic password (and accepted by Entente as Bearer)
	Username  string       // Basic user name; default "entente"
	UserAgent string
	// MaxResponse bounds a response body in bytes; default 256 MiB.
	MaxResponse int64
	// Sign, when not nil, is called on every request before it is sent (federation signatures).
	Sign func(r *http.Request, body []byte) error
}

// Discovery is a discovery resource.
type Discovery struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Contact     string   `json:"contact,omitempty"`
	Default     string   `json:"default,omitempty"`
	APIRoots    []string `json:"api_roots,omitempty"`
}

// APIRootInfo is an API root resource.
type APIRootInfo struct {
	Title            string   `json:"title"`
	Description      string   `json:"description,omitempty"`
	Versions         []string `json:"versions"`
	MaxContentLength int64    `json:"max_content_length"`
}

// Collection is a collection resource.
type Collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types,omitempty"`
}

// Status is a status resource as returned by POST.
type Status = statusResource

// ServerError is a non-success answer from a TAXII server.
type ServerError struct {
	StatusCode int
	Title      string
	Detail     string
}

func (e *ServerError) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("server answered %d %s: %s", e.StatusCode, e.Title, e.Detail)
	}
	return fmt.Sprintf("server answered %d %s", e.StatusCode, e.Title)
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 60 * time.Second}
}

func (c *Client) do(ctx context.Context, method, u string, body []byte, out any) (http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", MediaType)
	if body != nil {
		req.Header.Set("Content-Type", MediaType)
	}
	if c.Token != "" {
		user := c.Username
		if user == "" {
			user = "entente"
		}
		req.SetBasicAuth(user, c.Token)
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
	}
	if c.Sign != nil {
		if err := c.Sign(req, body); err != nil {
			return nil, fmt.Errorf("signing the request: %w", err)
		}
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	limit := c.MaxResponse
	if limit <= 0 {
		limit = 256 << 20
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return resp.Header, fmt.Errorf("reading the answer of %s %s: %w", method, u, err)
	}
	if int64(len(b)) > limit {
		return resp.Header, fmt.Errorf("the answer of %s %s exceeds %d bytes", method, u, limit)
	}
	if resp.StatusCode/100 != 2 {
		se := &ServerError{StatusCode: resp.StatusCode, Title: http.StatusText(resp.StatusCode)}
		var te struct {
			Title       string `json:"title"`
			Description string `json:"description"`
		}
		if json.Unmarshal(b, &te) == nil && te.Title != "" {
			se.Title, se.Detail = te.Title, te.Description
		}
		return resp.Header, se
	}
	if out != nil && len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.Header, fmt.Errorf("the answer of %s %s is not valid TAXII JSON: %w", method, u, err)
		}
	}
	return resp.Header, nil
}

func slash(u string) string {
	if !strings.HasSuffix(u, "/") {
		return u + "/"
	}
	return u
}

// Discover reads a server's discovery resource (URL of the form https://host/taxii2/).
func (c *Client) Discover(ctx context.Context, u string) (Discovery, error) {
	var d Discovery
	_, err := c.do(ctx, http.MethodGet, slash(u), nil, &d)
	return d, err
}

// APIRoot reads an API root resource.
func (c *Client) APIRoot(ctx context.Context, root string) (APIRootInfo, error) {
	var a APIRootInfo
	_, err := c.do(ctx, http.MethodGet, slash(root), nil, &a)
	return a, err
}

// Collections lists the collections of an API root.
func (c *Client) Collections(ctx context.Context, root string) ([]Collection, error) {
	var out struct {
		Collections []Collection `json:"collections"`
	}
	_, err := c.do(ctx, http.MethodGet, slash(root)+"collections/", nil, &out)
	return out.Collections, err
}

// PullOptions select what Pull fetches.
type PullOptions struct {
	AddedAfter time.Time // zero for everything
	Limit      int       // page size asked for; default 1000
	Types      []string
}

// Page is one page of a pull.
type Page struct {
	Objects []json.RawMessage
	// DateAddedLast is the X-TAXII-Date-Added-Last of the page: a cursor the caller may persist and
	// resume from with PullOptions.AddedAfter.
	DateAddedLast time.Time
}

type envelope struct {
	More    bool              `json:"more"`
	Next    json.RawMessage   `json:"next"`
	Objects []json.RawMessage `json:"objects"`
}

// Pull pages through a collection's objects and calls fn for each page, in order. It stops at
// the first error from fn or the server.
func (c *Client) Pull(ctx context.Context, root, collection string, o PullOptions, fn func(Page) error) error {
	limit := o.Limit
	if limit <= 0 {
		limit = 1000
	}
	base := slash(root) + "collections/" + url.PathEscape(collection) + "/objects/"
	after := o.AddedAfter
	next := ""
	for {
		q := url.Values{}
		q.Set("limit", strconv.Itoa(limit))
		if len(o.Types) > 0 {
			q.Set("match[type]", strings.Join(o.Types, ","))
		}
		if next != "" {
			q.Set("next", next)
		}
		if !after.IsZero() {
			q.Set("added_after", after.UTC().Format(stix.MicroFormat))
		}
		var env envelope
		h, err := c.do(ctx, http.MethodGet, base+"?"+q.Encode(), nil, &env)
		if err != nil {
			return err
		}
		last, lerr := headerTime(h, "X-TAXII-Date-Added-Last")
		if err := fn(Page{Objects: env.Objects, DateAddedLast: last}); err != nil {
			return err
		}
		if !env.More || len(env.Objects) == 0 {
			return nil
		}
		if n := nextString(env.Next); n != "" {
			next = n
			continue
		}
		// more without next: continue after the last date_added this page had.
		if lerr != nil {
			return fmt.Errorf("the server says there is more but gives neither next nor X-TAXII-Date-Added-Last: %w", lerr)
		}
		if !last.After(after) {
			return errors.New("the server says there is more but its X-TAXII-Date-Added-Last does not advance")
		}
		next, after = "", last
	}
}

// nextString reads a next value that may be a JSON string or, from some servers, a number.
func nextString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func headerTime(h http.Header, name string) (time.Time, error) {
	v := h.Get(name)
	if v == "" {
		return time.Time{}, fmt.Errorf("no %s header", name)
	}
	us, err := parseTime(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %q is not a timestamp", name, clip(v))
	}
	return time.UnixMicro(us).UTC(), nil
}

// Push posts objects to a collection as one envelope and returns the server's status resource.
func (c *Client) Push(ctx context.Context, root, collection string, objects []json.RawMessage) (Status, error) {
	var b bytes.Buffer
	b.WriteString(`{"objects":[`)
	for i, o := range objects {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(o)
	}
	b.WriteString("]}")
	var st Status
	_, err := c.do(ctx, http.MethodPost, slash(root)+"collections/"+url.PathEscape(collection)+"/objects/", b.Bytes(), &st)
	return st, err
}
