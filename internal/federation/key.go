package federation

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/entente/entente/internal/store"
	"github.com/entente/entente/internal/taxii"
)

// KeySetting is the setting that holds the node's Ed25519 private key seed (standard base64).
const KeySetting = "federation.node_key"

// NodeKey returns the node's Ed25519 key, creating it on first use. The key lives in the
// database, so that every process serving one database signs as the same node.
func NodeKey(ctx context.Context, settings store.SettingStore) (ed25519.PrivateKey, error) {
	seed := make([]byte, ed25519.SeedSize)
	rand.Read(seed) // never fails since Go 1.24
	if _, err := settings.SetIfAbsent(ctx, KeySetting, base64.StdEncoding.EncodeToString(seed)); err != nil {
		return nil, fmt.Errorf("node key: %w", err)
	}
	v, err := settings.Get(ctx, KeySetting)
	if err != nil {
		return nil, fmt.Errorf("node key: %w", err)
	}
	seed, err = base64.StdEncoding.DecodeString(v)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("node key: the setting %s is not a base64 Ed25519 seed", KeySetting)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// PublicKey returns the public key of the node's key as partners pin it (see taxii.KeyID).
func PublicKey(k ed25519.PrivateKey) string { return taxii.KeyID(k.Public().(ed25519.PublicKey)) }
