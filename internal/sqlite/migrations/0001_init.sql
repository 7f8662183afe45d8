-- 0001: the initial schema.
--
-- Times are integers: microseconds since the Unix epoch, the unit of stix.Timestamp.Micro and of
-- TAXII's date_added. Booleans are 0/1 integers.
--
-- collections.seq is the small integer key objects refer to, so that the object indexes stay
-- narrow; the public UUID is collections.id. collections.last_added holds the last date_added given
-- out in the collection: Add reads and raises it inside its write transaction, so date_added stays
-- strictly increasing per collection whatever the clock does. Collections are never deleted, so a
-- process may cache id -> seq. collections.num_objects counts the collection's object versions, kept
-- by Add and Delete, so that Count does not scan.
--
-- objects holds one row per object version per collection, keyed by (coll, date_added); coll has
-- no foreign key because Add takes it from the row it read in the same write transaction and
-- collections are never deleted (the check would cost every insert). raw is the
-- object's compacted JSON exactly as received (a BLOB, never re-encoded). is_latest and is_first
-- mark the highest and lowest version of each (coll, id); Add and Delete keep them right so that
-- match[version]=last|first pages walk a partial index in date_added order. labels is a JSON array
-- of strings (NULL when none) that SQL can filter with json_each; personal_data is set by ingest.
--
-- Indexes, each for a read path:
--   objects_coll_added   (coll, date_added)          paging over all versions, added_after/before
--   objects_id           (id, coll, version) unique  duplicates, match[id], versions of one object,
--                                                    Latest across collections
--   objects_latest       (coll, date_added)          match[version]=last (the default)
--   objects_latest_type  (coll, type, date_added)    match[type] on latest versions
--   objects_first        (coll, date_added)          match[version]=first
--   objects_version      (coll, version)             match[version]=<timestamp> without match[id]

CREATE TABLE orgs (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	country     TEXT NOT NULL DEFAULT '',
	contact     TEXT NOT NULL DEFAULT '',
	identity_id TEXT NOT NULL DEFAULT '',
	self        INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX orgs_one_self ON orgs (self) WHERE self;

CREATE TABLE collections (
	seq         INTEGER PRIMARY KEY,
	id          TEXT NOT NULL UNIQUE,
	alias       TEXT UNIQUE,
	title       TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	media_types TEXT NOT NULL DEFAULT '[]',
	read_orgs   TEXT NOT NULL DEFAULT '[]',
	write_orgs  TEXT NOT NULL DEFAULT '[]',
	created_at  INTEGER NOT NULL,
	last_added  INTEGER NOT NULL DEFAULT 0,
	num_objects INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE objects (
	coll           INTEGER NOT NULL,
	date_added     INTEGER NOT NULL,
	id             TEXT NOT NULL,
	type           TEXT NOT NULL,
	spec_version   TEXT NOT NULL,
	version        INTEGER NOT NULL,
	version_text   TEXT NOT NULL,
	tlp            INTEGER NOT NULL,
	revoked        INTEGER NOT NULL DEFAULT 0,
	is_latest      INTEGER NOT NULL,
	is_first       INTEGER NOT NULL,
	created_by_ref TEXT,
	labels         TEXT,
	personal_data  INTEGER NOT NULL DEFAULT 0,
	origin_org     TEXT NOT NULL DEFAULT '',
	via            TEXT NOT NULL DEFAULT '',
	peer           TEXT NOT NULL DEFAULT '',
	received_at    INTEGER NOT NULL DEFAULT 0,
	signature      TEXT NOT NULL DEFAULT '',
	raw            BLOB NOT NULL
);
CREATE UNIQUE INDEX objects_coll_added ON objects (coll, date_added);
CREATE UNIQUE INDEX objects_id ON objects (id, coll, version);
CREATE INDEX objects_latest ON objects (coll, date_added) WHERE is_latest;
CREATE INDEX objects_latest_type ON objects (coll, type, date_added) WHERE is_latest;
CREATE INDEX objects_first ON objects (coll, date_added) WHERE is_first;
CREATE INDEX objects_version ON objects (coll, version);

CREATE TABLE tokens (
	id         TEXT PRIMARY KEY,
	hash       BLOB NOT NULL UNIQUE,
	org_id     TEXT NOT NULL REFERENCES orgs (id),
	role       TEXT NOT NULL,
	label      TEXT NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL DEFAULT 0,
	revoked_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_org ON tokens (org_id);

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
