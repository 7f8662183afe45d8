-- 0004: federation: partner nodes (peers), how far the exchange with each has come (cursors),
-- and its health and lease (peer_status).
--
-- peers.token is the secret this node presents to the peer: it must be sent, so it is kept as
-- given (the database already holds secrets of the same power, such as the TAXII cursor key).
-- pull is a JSON array of the peer's collections. collection is the local collection id.
--
-- peer_cursors holds one position per peer, direction ('pull' or 'push') and collection: for
-- pull the peer's X-TAXII-Date-Added-Last of the last stored page, for push the date_added of the
-- last local record handled; state is the sharing scope fingerprint a push position was reached
-- under. The objects table is the push outbox: a push cursor over date_added is the queue.
--
-- peer_status counts and dates the rounds of each peer's workers, and holds the lease that lets
-- one process at a time run them (lease_until, microseconds).

CREATE TABLE peers (
	id                 TEXT PRIMARY KEY,
	name               TEXT NOT NULL UNIQUE,
	org_id             TEXT NOT NULL REFERENCES orgs (id),
	url                TEXT NOT NULL,
	token              TEXT NOT NULL DEFAULT '',
	pull               TEXT NOT NULL DEFAULT '[]',
	push               TEXT NOT NULL DEFAULT '',
	collection         TEXT NOT NULL DEFAULT '',
	public_key         TEXT NOT NULL DEFAULT '',
	require_signatures INTEGER NOT NULL DEFAULT 0,
	identity_id        TEXT NOT NULL DEFAULT '',
	created_at         INTEGER NOT NULL
);

CREATE TABLE peer_cursors (
	peer_id    TEXT NOT NULL REFERENCES peers (id) ON DELETE CASCADE,
	direction  TEXT NOT NULL,
	collection TEXT NOT NULL,
	position   INTEGER NOT NULL,
	state      TEXT NOT NULL DEFAULT '',
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (peer_id, direction, collection)
) WITHOUT ROWID;

CREATE TABLE peer_status (
	peer_id           TEXT PRIMARY KEY REFERENCES peers (id) ON DELETE CASCADE,
	last_success      INTEGER NOT NULL DEFAULT 0,
	last_error        TEXT NOT NULL DEFAULT '',
	last_error_at     INTEGER NOT NULL DEFAULT 0,
	pull_behind_since INTEGER NOT NULL DEFAULT 0,
	push_behind_since INTEGER NOT NULL DEFAULT 0,
	objects_in        INTEGER NOT NULL DEFAULT 0,
	objects_out       INTEGER NOT NULL DEFAULT 0,
	rejected          INTEGER NOT NULL DEFAULT 0,
	lease_holder      TEXT NOT NULL DEFAULT '',
	lease_until       INTEGER NOT NULL DEFAULT 0
);
