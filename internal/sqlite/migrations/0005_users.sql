-- 0005: people who sign in to the web interface, and their sessions.
--
-- users holds the argon2id hash of each password, never the password. sessions holds the SHA-256
-- of each session cookie's secret, so that a copy of the database does not sign anyone in; times
-- are microseconds. Deleting a user ends their sessions.

CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE,
	org_id        TEXT NOT NULL REFERENCES orgs (id),
	role          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
	hash       BLOB PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf       TEXT NOT NULL,
	lang       TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
