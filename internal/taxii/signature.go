package taxii

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/entente/entente/internal/store"
)

// HTTP Message Signatures (RFC 9421) with Ed25519 and Content-Digest (RFC 9530, sha-256), as
// Entente nodes use them between each other:
//
//   - a request carries Content-Digest, Signature-Input and Signature, the signature covering
//     "@method", "@target-uri", "content-digest" and "content-type", with the parameters created,
//     keyid and alg="ed25519";
//   - a response of a server that has a key carries the same headers, covering "@status",
//     "content-digest" and "content-type".
//
// The keyid is the signer's public key in standard base64, the form `entente key show` prints and
// partners pin. Only the label sig1 is written; a verifier reads the first label whose keyid it
// knows.

// Signature errors. Verification errors wrap ErrBadSignature, except a missing signature, which
// is ErrUnsigned.
var (
	ErrUnsigned     = errors.New("not signed")
	ErrBadSignature = errors.New("bad signature")
)

// MaxSignatureAge is how old a signature's created time may be, and MaxClockSkew how far in the
// future, before it is refused. A replayed request can only repeat a POST, which TAXII makes
// harmless (the same versions come back as duplicates); the window limits how long a captured
// response can be passed off as fresh.
const (
	MaxSignatureAge = time.Hour
	MaxClockSkew    = 5 * time.Minute
)

var (
	requestComponents  = []string{"@method", "@target-uri", "content-digest", "content-type"}
	responseComponents = []string{"@status", "content-digest", "content-type"}
)

// KeyID returns the key id of a public key: its standard base64 form.
func KeyID(pub ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(pub) }

// ParsePublicKey reads a public key as KeyID writes it, with or without an "ed25519:" prefix.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "ed25519:")
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("public key %q is not base64: %w", clip(s), err)
	}
	if len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key %q has %d bytes, want %d (an Ed25519 key)", clip(s), len(b), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// ContentDigest returns the Content-Digest field value of body (RFC 9530, sha-256).
func ContentDigest(body []byte) string {
	sum := sha256.Sum256(body)
	return "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
}

// Signer signs requests and responses with a node's key.
type Signer struct {
	Key ed25519.PrivateKey
	Now func() time.Time // default time.Now
}

func (s *Signer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// KeyID returns the key id of the signer's public key.
func (s *Signer) KeyID() string { return KeyID(s.Key.Public().(ed25519.PublicKey)) }

// SignRequest adds Content-Digest, Signature-Input and Signature to r for body. It has the
// signature of taxii.Client.Sign.
func (s *Signer) SignRequest(r *http.Request, body []byte) error {
	if r.Header.Get("Content-Type") == "" {
		r.Header.Set("Content-Type", MediaType)
	}
	r.Header.Set("Content-Digest", ContentDigest(body))
	return s.sign(r.Header, requestComponents, func(c string) string {
		switch c {
		case "@method":
			return r.Method
		case "@target-uri":
			return r.URL.String()
		}
		return ""
	})
}

// SignResponse adds Content-Digest, Signature-Input and Signature to the header of a response
// with this status and body.
func (s *Signer) SignResponse(h http.Header, status int, body []byte) error {
	h.Set("Content-Digest", ContentDigest(body))
	return s.sign(h, responseComponents, func(string) string { return strconv.Itoa(status) })
}

func (s *Signer) sign(h http.Header, components []string, derived func(string) string) error {
	params := signatureParams(components, s.now().Unix(), s.KeyID())
	base, err := signatureBase(h, components, derived, params)
	if err != nil {
		return err
	}
	sig := ed25519.Sign(s.Key, base)
	h.Set("Signature-Input", "sig1="+params)
	h.Set("Signature", "sig1=:"+base64.StdEncoding.EncodeToString(sig)+":")
	return nil
}

func signatureParams(components []string, created int64, keyID string) string {
	quoted := make([]string, len(components))
	for i, c := range components {
		quoted[i] = strconv.Quote(c)
	}
	return "(" + strings.Join(quoted, " ") + ");created=" + strconv.FormatInt(created, 10) +
		";keyid=" + strconv.Quote(keyID) + `;alg="ed25519"`
}

// signatureBase builds the signature base of RFC 9421 section 2.5.
func signatureBase(h http.Header, components []string, derived func(string) string, params string) ([]byte, error) {
	var b bytes.Buffer
	for _, c := range components {
		var v string
		if strings.HasPrefix(c, "@") {
			v = derived(c)
		} else {
			vals := h.Values(c)
			if len(vals) == 0 {
				return nil, fmt.Errorf("%w: covered field %q is missing", ErrBadSignature, c)
			}
			for i := range vals {
				vals[i] = strings.TrimSpace(vals[i])
			}
			v = strings.Join(vals, ", ")
		}
		if strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("%w: component %q holds a line break", ErrBadSignature, c)
		}
		fmt.Fprintf(&b, "%q: %s\n", c, v)
	}
	fmt.Fprintf(&b, "%q: %s", "@signature-params", params)
	return b.Bytes(), nil
}

// Evidence is what a verified signature proves: which key signed which content when.
type Evidence struct {
	KeyID   string
	Created time.Time
	Digest  string // the verified Content-Digest
}

// String returns the evidence as it is kept in an object's provenance.
func (e Evidence) String() string {
	return "rfc9421 ed25519 keyid=" + e.KeyID + " created=" + e.Created.UTC().Format(time.RFC3339) + " content-digest=" + e.Digest
}

// signatureInput is one parsed member of a Signature-Input field.
type signatureInput struct {
	label      string
	components []string
	params     string // the member value as received: the @signature-params line
	created    int64
	expires    int64
	keyID      string
	alg        string
}

// parseSignatureInput reads the members of a Signature-Input field (a structured field
// dictionary of inner lists). It accepts what RFC 9421 signers write: quoted component names
// without parameters, and integer or string parameters.
func parseSignatureInput(v string) ([]signatureInput, error) {
	var out []signatureInput
	for v = strings.TrimSpace(v); v != ""; {
		label, rest, ok := strings.Cut(v, "=")
		if !ok || label == "" || strings.ContainsAny(label, " ,;\"()") {
			return nil, fmt.Errorf("Signature-Input: no label= at %q", clip(v))
		}
		si := signatureInput{label: strings.TrimSpace(label)}
		rest = strings.TrimSpace(rest)
		if !strings.HasPrefix(rest, "(") {
			return nil, fmt.Errorf("Signature-Input %s: the value is not an inner list", si.label)
		}
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return nil, fmt.Errorf("Signature-Input %s: unclosed inner list", si.label)
		}
		for _, f := range strings.Fields(rest[1:end]) {
			c, err := strconv.Unquote(f)
			if err != nil || c == "" {
				return nil, fmt.Errorf("Signature-Input %s: component %q is not a quoted name", si.label, clip(f))
			}
			si.components = append(si.components, c)
		}
		// Parameters run to the next top-level comma (strings hold no commas we write, but
		// skip quoted text anyway).
		i, quoted := end+1, false
	scan:
		for ; i < len(rest); i++ {
			switch rest[i] {
			case '"':
				quoted = !quoted
			case '\\':
				i++
			case ',':
				if !quoted {
					break scan
				}
			}
		}
		si.params = strings.TrimSpace(rest[:min(i, len(rest))])
		if err := si.parseParams(rest[end+1 : min(i, len(rest))]); err != nil {
			return nil, err
		}
		out = append(out, si)
		if i >= len(rest) {
			break
		}
		v = strings.TrimSpace(rest[i+1:])
	}
	if len(out) == 0 {
		return nil, errors.New("Signature-Input is empty")
	}
	return out, nil
}

func (si *signatureInput) parseParams(s string) error {
	for _, p := range strings.Split(s, ";") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		var err error
		switch k {
		case "created":
			si.created, err = strconv.ParseInt(v, 10, 64)
		case "expires":
			si.expires, err = strconv.ParseInt(v, 10, 64)
		case "keyid":
			si.keyID, err = strconv.Unquote(v)
		case "alg":
			si.alg, err = strconv.Unquote(v)
		}
		if err != nil {
			return fmt.Errorf("Signature-Input %s: parameter %s=%q: %v", si.label, k, clip(v), err)
		}
	}
	return nil
}

// signatureValue returns the byte sequence of label in a Signature field.
func signatureValue(field, label string) ([]byte, error) {
	for _, m := range strings.Split(field, ",") {
		l, v, ok := strings.Cut(strings.TrimSpace(m), "=")
		if !ok || l != label {
			continue
		}
		if len(v) < 2 || v[0] != ':' || v[len(v)-1] != ':' {
			return nil, fmt.Errorf("%w: Signature %s is not a byte sequence", ErrBadSignature, label)
		}
		b, err := base64.StdEncoding.DecodeString(v[1 : len(v)-1])
		if err != nil {
			return nil, fmt.Errorf("%w: Signature %s is not base64", ErrBadSignature, label)
		}
		return b, nil
	}
	return nil, fmt.Errorf("%w: no Signature for label %s", ErrBadSignature, label)
}

// VerifyRequest checks the signature of a request whose body is body against keys, trying each
// of targets (the URIs the request may have been addressed to) for "@target-uri".
func VerifyRequest(r *http.Request, body []byte, keys []ed25519.PublicKey, targets []string, now time.Time) (Evidence, error) {
	var ev Evidence
	var err error
	for _, t := range targets {
		ev, err = verify(r.Header, body, keys, requestComponents, now, func(c string) string {
			if c == "@method" {
				return r.Method
			}
			return t
		})
		if err == nil || !errors.Is(err, ErrBadSignature) {
			return ev, err
		}
	}
	if err == nil {
		err = fmt.Errorf("%w: no target URI to verify against", ErrBadSignature)
	}
	return ev, err
}

// VerifyResponse checks the signature of a response with this status, header and body.
func VerifyResponse(h http.Header, status int, body []byte, keys []ed25519.PublicKey, now time.Time) (Evidence, error) {
	return verify(h, body, keys, responseComponents, now, func(string) string { return strconv.Itoa(status) })
}

func verify(h http.Header, body []byte, keys []ed25519.PublicKey, required []string, now time.Time, derived func(string) string) (Evidence, error) {
	input := strings.Join(h.Values("Signature-Input"), ", ")
	sigField := strings.Join(h.Values("Signature"), ", ")
	if input == "" && sigField == "" {
		return Evidence{}, ErrUnsigned
	}
	members, err := parseSignatureInput(input)
	if err != nil {
		return Evidence{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	var si *signatureInput
	var key ed25519.PublicKey
	for i := range members {
		for _, k := range keys {
			if members[i].keyID == KeyID(k) {
				si, key = &members[i], k
				break
			}
		}
		if si != nil {
			break
		}
	}
	if si == nil {
		return Evidence{}, fmt.Errorf("%w: signed with key %q, which is not the pinned key", ErrBadSignature, clip(members[0].keyID))
	}
	if si.alg != "" && si.alg != "ed25519" {
		return Evidence{}, fmt.Errorf("%w: algorithm %q, want ed25519", ErrBadSignature, clip(si.alg))
	}
	for _, c := range required {
		if !contains(si.components, c) {
			return Evidence{}, fmt.Errorf("%w: the signature does not cover %q", ErrBadSignature, c)
		}
	}
	created := time.Unix(si.created, 0)
	switch {
	case si.created == 0:
		return Evidence{}, fmt.Errorf("%w: no created time", ErrBadSignature)
	case created.Before(now.Add(-MaxSignatureAge)):
		return Evidence{}, fmt.Errorf("%w: created %s, more than %s ago", ErrBadSignature, created.UTC().Format(time.RFC3339), MaxSignatureAge)
	case created.After(now.Add(MaxClockSkew)):
		return Evidence{}, fmt.Errorf("%w: created %s, in the future", ErrBadSignature, created.UTC().Format(time.RFC3339))
	case si.expires != 0 && !now.Before(time.Unix(si.expires, 0)):
		return Evidence{}, fmt.Errorf("%w: expired", ErrBadSignature)
	}
	digest := ContentDigest(body)
	if !digestMatches(h.Get("Content-Digest"), digest) {
		return Evidence{}, fmt.Errorf("%w: Content-Digest does not match the body", ErrBadSignature)
	}
	sig, err := signatureValue(sigField, si.label)
	if err != nil {
		return Evidence{}, err
	}
	base, err := signatureBase(h, si.components, derived, si.params)
	if err != nil {
		return Evidence{}, err
	}
	if !ed25519.Verify(key, base, sig) {
		return Evidence{}, fmt.Errorf("%w: the signature does not verify", ErrBadSignature)
	}
	return Evidence{KeyID: si.keyID, Created: created.UTC(), Digest: digest}, nil
}

// digestMatches reports whether a Content-Digest field holds the sha-256 digest want (other
// algorithms in the field are ignored).
func digestMatches(field, want string) bool {
	for _, m := range strings.Split(field, ",") {
		m = strings.TrimSpace(m)
		if strings.HasPrefix(m, "sha-256=") {
			return subtle.ConstantTimeCompare([]byte(m), []byte(want)) == 1
		}
	}
	return false
}

func contains(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

// PeerTrust is what the server knows of the partner node behind an organisation's token.
type PeerTrust struct {
	PeerID  string              // the peer's id, for provenance; "" when the organisation has no peer
	Keys    []ed25519.PublicKey // pinned keys
	Require bool                // refuse what is not signed with one of Keys
}

// PeerKeys tells the server which keys a partner's POSTs are verified against.
type PeerKeys interface {
	// Trust returns what is pinned for the peers of organisation orgID (the zero PeerTrust when
	// it has none).
	Trust(ctx context.Context, orgID string) (PeerTrust, error)
	// Refused is told of every POST refused for its signature, so that it can be reported.
	Refused(ctx context.Context, orgID string, reason error)
}

// SetFederation makes the server sign its responses with signer and verify partners' POSTs
// against keys. Either may be nil. Call it before Handler.
func (s *Server) SetFederation(signer *Signer, keys PeerKeys) {
	s.signer, s.peerKeys = signer, keys
}

// verifyPost checks the signature of a partner's POST when the partner's peer has a pinned key.
// It reads the whole body (the digest must match before anything is stored) and returns a reader
// of it; origin gains the peer and the evidence.
func (s *Server) verifyPost(r *http.Request, body io.Reader, orgID string, origin *store.Provenance) (io.Reader, error) {
	if s.peerKeys == nil || principal(r).Self {
		return body, nil
	}
	trust, err := s.peerKeys.Trust(r.Context(), orgID)
	if err != nil {
		return nil, internal(err)
	}
	origin.Peer = trust.PeerID
	if len(trust.Keys) == 0 && !trust.Require {
		return body, nil
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return nil, err // too large: writeError answers 413
	}
	targets := []string{s.baseURL(r) + r.URL.RequestURI()}
	if s.cfg.BaseURL != "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		targets = append(targets, scheme+"://"+r.Host+r.URL.RequestURI())
	}
	ev, err := VerifyRequest(r, b, trust.Keys, targets, s.now())
	switch {
	case err == nil:
		origin.Signature = ev.String()
	case errors.Is(err, ErrUnsigned) && !trust.Require:
	default:
		s.log.Warn("refused a partner's POST for its signature", "org", orgID, "peer", trust.PeerID, "path", r.URL.Path, "err", err)
		s.peerKeys.Refused(r.Context(), orgID, err)
		return nil, errf(http.StatusUnauthorized, "Bad signature", "the request is refused: %v", err)
	}
	return bytes.NewReader(b), nil
}

// signedWriter holds a response back until it is complete, so that it can be signed.
type signedWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *signedWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *signedWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

// signResponses signs every response when the server has a signer.
func (s *Server) signResponses(next http.Handler) http.Handler {
	if s.signer == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &signedWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		if err := s.signer.SignResponse(w.Header(), sw.status, sw.body.Bytes()); err != nil {
			s.log.Error("signing a TAXII response", "path", r.URL.Path, "err", err)
		}
		w.WriteHeader(sw.status)
		w.Write(sw.body.Bytes())
	})
}
