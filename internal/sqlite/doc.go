// Package sqlite implements the store interfaces on SQLite through modernc.org/sqlite (pure Go,
// no cgo).
//
// The database runs in WAL mode with foreign keys on, synchronous=NORMAL and a busy timeout, so
// that a second process (the CLI) can write while a server runs on the same file: every write
// transaction starts with BEGIN IMMEDIATE and waits for the other writer instead of failing.
// Writes go through one connection; reads through a pool of query-only connections.
//
// The schema lives in numbered migrations embedded from migrations/, applied on Open, each in one
// transaction and recorded in schema_migrations; internal/postgres has the same numbers.
package sqlite
