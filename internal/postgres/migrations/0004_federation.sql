-- 0004: federation: partner nodes (peers), how far the exchange with each has come (cursors),
-- and its health and lease (peer_status). The same tables as SQLite's 0004; times here are
-- bigint microseconds since the epoch like the object times, 0 for none.
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
-- one process at a time run them.

CREATE TABLE peers (
	id                 text PRIMARY KEY,
	name               text NOT NULL UNIQUE,
	org_id             text NOT NULL REFERENCES orgs (id),
	url                text NOT NULL,
	token              text NOT NULL DEFAULT '',
	pull               text NOT NULL DEFAULT '[]',
	push               text NOT NULL DEFAULT '',
	collection         text NOT NULL DEFAULT '',
	public_key         text NOT NULL DEFAULT '',
	require_signatures boolean NOT NULL DEFAULT false,
	identity_id        text NOT NULL DEFAULT '',
	created_at         bigint NOT NULL
);

CREATE TABLE peer_cursors (
	peer_id    text NOT NULL REFERENCES peers (id) ON DELETE CASCADE,
	direction  text NOT NULL,
	collection text NOT NULL,
	position   bigint NOT NULL,
	state      text NOT NULL DEFAULT '',
	updated_at bigint NOT NULL,
	PRIMARY KEY (peer_id, direction, collection)
);

CREATE TABLE peer_status (
	peer_id           text PRIMARY KEY REFERENCES peers (id) ON DELETE CASCADE,
	last_success      bigint NOT NULL DEFAULT 0,
	last_error        text NOT NULL DEFAULT '',
	last_error_at     bigint NOT NULL DEFAULT 0,
	pull_behind_since bigint NOT NULL DEFAULT 0,
	push_behind_since bigint NOT NULL DEFAULT 0,
	objects_in        bigint NOT NULL DEFAULT 0,
	objects_out       bigint NOT NULL DEFAULT 0,
	rejected          bigint NOT NULL DEFAULT 0,
	lease_holder      text NOT NULL DEFAULT '',
	lease_until       bigint NOT NULL DEFAULT 0
);
