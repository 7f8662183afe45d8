// Package postgres implements the store interfaces on PostgreSQL through
// github.com/jackc/pgx/v5 (pgxpool).
//
// Several stateless processes may share one database. Add and Delete lock the collection's row
// (SELECT ... FOR UPDATE) for their transaction, which keeps date_added strictly increasing per
// collection across processes; Open applies the embedded migrations under an advisory lock, so
// that processes starting together apply each one once. Migration numbers are the same as in
// internal/sqlite.
package postgres
