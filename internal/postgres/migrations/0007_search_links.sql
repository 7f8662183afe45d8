-- 0007: what points at what, for the object page's incoming relationships, sightings and the
-- containers (reports, groupings, notes, opinions) that mention it. The same as SQLite's 0007.
--
-- Filled by the full-text index's followers beside search_docs (store.SearchDoc.Links), never by
-- Add: one row per (collection, target, referring object) for the latest version indexed of the
-- referring object, with that version's date_added, so that the newest links of a target are read
-- in key order and joined to objects directly. An entry's links go with it when a newer version
-- replaces it and when unindexDeleted removes it. The cursors are reset so that the followers walk
-- every collection again and give the entries indexed before this migration their links (Index
-- passes over entries that are current, writing only their links).

CREATE TABLE search_links (
	coll       integer NOT NULL,
	target     text NOT NULL,
	date_added bigint NOT NULL,
	source     text NOT NULL,
	PRIMARY KEY (coll, target, date_added, source)
);
CREATE INDEX search_links_source ON search_links (coll, source);

DELETE FROM search_cursors;
