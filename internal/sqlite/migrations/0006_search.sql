-- 0006: the full-text index of the web interface's search. The same as PostgreSQL's 0006.
--
-- It is filled by a follower in the background, never by Add, so that importing does not pay for
-- it. search_docs has one row per indexed object of a collection: the latest version the
-- follower saw, found again in objects by (coll, date_added). Its rowid grows with every entry,
-- so that walking it backwards lists the newest indexed first and serves as the search's keyset
-- cursor. search_fts is a contentless FTS5 table (rowid = search_docs.rowid) over the object's
-- human text, already split into lower-case words; contentless_delete lets a newer version's
-- entry replace an older one's. search_cursors holds, per collection, the date_added up to which
-- the follower has indexed.

CREATE TABLE search_docs (
	rowid      INTEGER PRIMARY KEY,
	coll       INTEGER NOT NULL,
	id         TEXT NOT NULL,
	date_added INTEGER NOT NULL
);
CREATE UNIQUE INDEX search_docs_object ON search_docs (coll, id);

CREATE VIRTUAL TABLE search_fts USING fts5 (text, content = '', contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2');

CREATE TABLE search_cursors (
	coll     INTEGER PRIMARY KEY,
	position INTEGER NOT NULL
);
