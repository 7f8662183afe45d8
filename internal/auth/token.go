// Package auth issues and checks API tokens. A token's secret is shown once; only its SHA-256
// hash is stored, and lookups compare hashes in constant time.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// TokenPrefix starts every token Entente issues, so that leaked tokens are easy to recognise.
const TokenPrefix = "ent_"

// NewSecret returns a new random token secret: the prefix and 32 random bytes, base64url.
func NewSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// Hash returns the stored form of a token secret.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	return h[:]
}

// Roles a token or user may have.
const (
	RoleAdmin   = "admin"
	RoleAnalyst = "analyst"
	RoleReader  = "reader"
	RolePartner = "partner"
)

// ValidRole reports whether r is one of the roles.
func ValidRole(r string) bool {
	switch r {
	case RoleAdmin, RoleAnalyst, RoleReader, RolePartner:
		return true
	}
	return false
}
