package postgres

import (
	"context"
	"errors"

	"github.com/entente/entente/internal/store"
)

// errNotYet marks the parts of the store the sharing-policy work has yet to fill in.
var errNotYet = errors.New("postgres: not implemented yet")

type pendingStore struct{}

// Agreements is not implemented yet.
func (s *Store) Agreements() store.AgreementStore { return pendingStore{} }

// Shares is not implemented yet.
func (s *Store) Shares() store.ShareStore { return pendingShares{} }

// Audit is not implemented yet.
func (s *Store) Audit() store.AuditStore { return pendingStore{} }

func (pendingStore) Put(context.Context, store.Agreement) error { return errNotYet }
func (pendingStore) Get(context.Context, string) (store.Agreement, error) {
	return store.Agreement{}, errNotYet
}
func (pendingStore) List(context.Context) ([]store.Agreement, error) { return nil, nil }
func (pendingStore) Remove(context.Context, string) error            { return errNotYet }

type pendingShares struct{}

func (pendingShares) Add(context.Context, string, []string) error    { return errNotYet }
func (pendingShares) List(context.Context, string) ([]string, error) { return nil, nil }
func (pendingStore) Append(context.Context, store.AuditEntry, func(*store.AuditEntry)) (store.AuditEntry, error) {
	return store.AuditEntry{}, errNotYet
}
func (pendingStore) Scan(context.Context, int64, func(store.AuditEntry) error) error {
	return errNotYet
}
