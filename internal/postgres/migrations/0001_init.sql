-- 0001: the initial schema, the same as SQLite's 0001.
--
-- Object times (date_added, version, received_at) are bigint microseconds since the Unix epoch,
-- the unit of stix.Timestamp.Micro and of TAXII's date_added; the times of collections, orgs and
-- tokens are timestamptz (NULL for "never").
--
-- collections.seq is the small integer key objects refer to, so that the object indexes stay
-- narrow; the public UUID is collections.id. collections.last_added holds the last date_added given
-- out in the collection: Add locks the row (SELECT ... FOR UPDATE) and raises it in the same
-- transaction, so date_added stays strictly increasing per collection across processes sharing the
-- database, whatever their clocks do. Delete takes the same lock. num_objects is kept by Add and
-- Delete so that Count does not scan. Collections are never deleted, so a process may cache
-- id -> seq.
--
-- objects holds one row per object version per collection, keyed by (coll, date_added); coll has
-- no foreign key because Add takes it from the row it holds locked, and a per-row check would slow
-- the bulk insert (COPY). raw is the object's compacted JSON exactly as received: bytea, not jsonb
-- (jsonb reorders keys and costs a parse on every insert). is_latest and is_first mark the highest
-- and lowest version of each (coll, id); Add and Delete keep them right so that
-- match[version]=last|first pages walk a partial index in date_added order. labels is a text[]
-- (NULL when none), filterable with && and @>; personal_data is set by ingest.
--
-- Indexes, each for a read path:
--   objects_pkey         (coll, date_added)          paging over all versions, added_after/before
--   objects_id           (id, coll, version) unique  duplicates, match[id], versions of one object,
--                                                    Latest across collections
--   objects_latest       (coll, date_added)          match[version]=last (the default)
--   objects_latest_type  (coll, type, date_added)    match[type] on latest versions
--   objects_first        (coll, date_added)          match[version]=first
--   objects_version      (coll, version)             match[version]=<timestamp> without match[id]

CREATE TABLE orgs (
	id          text PRIMARY KEY,
	name        text NOT NULL UNIQUE,
	country     text NOT NULL DEFAULT '',
	contact     text NOT NULL DEFAULT '',
	identity_id text NOT NULL DEFAULT '',
	self        boolean NOT NULL DEFAULT false,
	created_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX orgs_one_self ON orgs (self) WHERE self;

CREATE TABLE collections (
	seq         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id          text NOT NULL UNIQUE,
	alias       text UNIQUE,
	title       text NOT NULL DEFAULT '',
	description text NOT NULL DEFAULT '',
	media_types text[] NOT NULL DEFAULT '{}',
	read_orgs   text[] NOT NULL DEFAULT '{}',
	write_orgs  text[] NOT NULL DEFAULT '{}',
	created_at  timestamptz NOT NULL,
	last_added  bigint NOT NULL DEFAULT 0,
	num_objects bigint NOT NULL DEFAULT 0
);

CREATE TABLE objects (
	coll           integer NOT NULL,
	date_added     bigint NOT NULL,
	id             text NOT NULL,
	type           text NOT NULL,
	spec_version   text NOT NULL,
	version        bigint NOT NULL,
	version_text   text NOT NULL,
	tlp            smallint NOT NULL,
	revoked        boolean NOT NULL DEFAULT false,
	is_latest      boolean NOT NULL,
	is_first       boolean NOT NULL,
	created_by_ref text,
	labels         text[],
	personal_data  boolean NOT NULL DEFAULT false,
	origin_org     text NOT NULL DEFAULT '',
	via            text NOT NULL DEFAULT '',
	peer           text NOT NULL DEFAULT '',
	received_at    bigint NOT NULL DEFAULT 0,
	signature      text NOT NULL DEFAULT '',
	raw            bytea NOT NULL,
	PRIMARY KEY (coll, date_added)
);
CREATE UNIQUE INDEX objects_id ON objects (id, coll, version);
CREATE INDEX objects_latest ON objects (coll, date_added) WHERE is_latest;
CREATE INDEX objects_latest_type ON objects (coll, type, date_added) WHERE is_latest;
CREATE INDEX objects_first ON objects (coll, date_added) WHERE is_first;
CREATE INDEX objects_version ON objects (coll, version);

CREATE TABLE tokens (
	id         text PRIMARY KEY,
	hash       bytea NOT NULL UNIQUE,
	org_id     text NOT NULL REFERENCES orgs (id),
	role       text NOT NULL,
	label      text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL,
	expires_at timestamptz,
	revoked_at timestamptz
);
CREATE INDEX tokens_org ON tokens (org_id);

CREATE TABLE settings (
	key   text PRIMARY KEY,
	value text NOT NULL
);
