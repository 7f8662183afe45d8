package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/entente/entente/internal/policy"
	"github.com/entente/entente/internal/store"
)

// Principal is who a request acts for: a token of an organisation with a role.
type Principal struct {
	TokenID string
	OrgID   string
	Role    string
	Self    bool // the token belongs to the node's own organisation
}

// CanWrite reports whether the role may create or change content.
func (p Principal) CanWrite() bool {
	return p.Role == RoleAdmin || p.Role == RoleAnalyst || p.Role == RolePartner
}

// IsAdmin reports whether the principal administers the node.
func (p Principal) IsAdmin() bool { return p.Self && p.Role == RoleAdmin }

// ErrUnauthenticated is returned for requests without valid credentials.
var ErrUnauthenticated = errors.New("unauthenticated")

// Authenticator resolves request credentials to principals.
type Authenticator struct {
	Tokens  store.TokenStore
	SelfOrg string
	Now     func() time.Time
}

// Credential extracts the token secret from an Authorization header: Bearer TOKEN, or HTTP Basic
// with the token as the password (TAXII clients expect Basic). It returns "" when there is none.
func Credential(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if h == "" {
		return ""
	}
	scheme, rest, _ := strings.Cut(h, " ")
	switch strings.ToLower(scheme) {
	case "bearer":
		return strings.TrimSpace(rest)
	case "basic":
		_, pass, ok := r.BasicAuth()
		if ok {
			return pass
		}
	}
	return ""
}

// Authenticate returns the principal of the request's token. Errors: ErrUnauthenticated (wrapped
// with the reason) for a missing, unknown, expired or revoked token; store errors otherwise.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request) (Principal, error) {
	secret := Credential(r)
	if secret == "" {
		return Principal{}, fmt.Errorf("%w: no token given", ErrUnauthenticated)
	}
	return a.Token(ctx, secret)
}

// Token returns the principal of a token secret; see Authenticate.
func (a *Authenticator) Token(ctx context.Context, secret string) (Principal, error) {
	h := Hash(secret)
	t, err := a.Tokens.ByHash(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, fmt.Errorf("%w: unknown token", ErrUnauthenticated)
	}
	if err != nil {
		return Principal{}, err
	}
	// The lookup is by hash; compare again in constant time so that no timing difference in an
	// index or cache can tell an attacker how close a guess was.
	if subtle.ConstantTimeCompare(t.Hash, h) != 1 {
		return Principal{}, fmt.Errorf("%w: unknown token", ErrUnauthenticated)
	}
	now := time.Now()
	if a.Now != nil {
		now = a.Now()
	}
	if !t.RevokedAt.IsZero() {
		return Principal{}, fmt.Errorf("%w: token revoked", ErrUnauthenticated)
	}
	if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
		return Principal{}, fmt.Errorf("%w: token expired", ErrUnauthenticated)
	}
	return Principal{TokenID: t.ID, OrgID: t.OrgID, Role: t.Role, Self: t.OrgID == a.SelfOrg}, nil
}

// Recipient returns who the principal is to the sharing policy: a member of the own
// organisation with its role, or a partner organisation with its STIX identity.
func Recipient(ctx context.Context, orgs store.OrgStore, p Principal) (policy.Recipient, error) {
	if p.Self {
		return policy.Recipient{Kind: policy.KindMember, Role: p.Role}, nil
	}
	o, err := orgs.Get(ctx, p.OrgID)
	if err != nil {
		return policy.Recipient{}, fmt.Errorf("organisation of the token: %w", err)
	}
	return policy.Recipient{Kind: policy.KindPartner, OrgID: o.ID, IdentityID: o.IdentityID}, nil
}
