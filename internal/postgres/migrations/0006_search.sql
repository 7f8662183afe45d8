-- 0006: the full-text index of the web interface's search. The same as SQLite's 0006.
--
-- It is filled by a follower in the background, never by Add, so that importing does not pay for
-- it. search_docs has one row per indexed object of a collection: the latest version the
-- follower saw, found again in objects by (coll, date_added). pos grows with every entry (a
-- newer version's entry takes a new one), so that walking it backwards lists the newest indexed
-- first and serves as the search's keyset cursor. doc is the object's human text, already split
-- into lower-case words, as a tsvector of the 'simple' configuration (no stemming: the text is
-- in many languages), with a GIN index for rare words; (coll, pos) serves common ones.
-- search_cursors holds, per collection, the date_added up to which the followers have indexed;
-- several processes may index at once, every write being an idempotent upsert.

CREATE SEQUENCE search_docs_pos;

CREATE TABLE search_docs (
	coll       integer NOT NULL,
	id         text NOT NULL,
	pos        bigint NOT NULL,
	date_added bigint NOT NULL,
	doc        tsvector NOT NULL,
	PRIMARY KEY (coll, id)
);
CREATE UNIQUE INDEX search_docs_pos_idx ON search_docs (coll, pos);
CREATE INDEX search_docs_doc ON search_docs USING gin (doc);

CREATE TABLE search_cursors (
	coll     integer PRIMARY KEY,
	position bigint NOT NULL
);
