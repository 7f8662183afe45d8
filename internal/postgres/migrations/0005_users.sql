-- 0005: people who sign in to the web interface, and their sessions. The same as SQLite's 0005.
--
-- users holds the argon2id hash of each password, never the password. sessions holds the SHA-256
-- of each session cookie's secret, so that a copy of the database does not sign anyone in.
-- Deleting a user ends their sessions.

CREATE TABLE users (
	id            text PRIMARY KEY,
	name          text NOT NULL UNIQUE,
	org_id        text NOT NULL REFERENCES orgs (id),
	role          text NOT NULL,
	password_hash text NOT NULL,
	created_at    timestamptz NOT NULL
);

CREATE TABLE sessions (
	hash       bytea PRIMARY KEY,
	user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf       text NOT NULL,
	lang       text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
