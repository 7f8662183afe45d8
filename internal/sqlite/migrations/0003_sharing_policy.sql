-- 0003: what the sharing policy needs: its facts on every object version, per-object share lists,
-- agreements with partners, and the audit log.
--
-- objects gains the facts policy.Scope filters by, beside tlp, origin_org, type, labels and
-- date_added: personal (the personal data class: 0 none, 1 embedded, 2 integral) and
-- granular_required / granular_optional (policy.Levels bitmasks). personal replaces personal_data,
-- a flag no version of the program wrote; a row flagged anyway counts as integral, the class that
-- goes to the fewest recipients. Rows stored before this migration have no personal data and no
-- granular levels recorded: the policy's facts must be recomputed for them (as whenever the
-- policy's configuration changes).
--
-- objects_scope serves scoped pages of latest versions: it holds every column the scope tests
-- except labels and shares, so that SQLite rejects the rows a recipient may not see from the index
-- alone (the seek into the table is deferred until a row passes) and a page costs about
-- limit / (admitted share) index entries. It replaces objects_latest, its prefix.
--
-- object_shares is the share list of each object id (all versions, all collections): the
-- organisation or identity ids named as recipients of its TLP:RED content.
--
-- agreements holds one agreement per partner organisation; list fields are JSON arrays, times
-- microseconds (0 for an open bound), the embargo nanoseconds.
--
-- audit_log is append-only: Append adds rows in the write transaction (SQLite has one writer, so
-- appends are serialised across connections and processes), and the triggers refuse UPDATE and
-- DELETE. Whoever can write the file can still change it; the hash chain (prev_hash, hash) is what
-- makes such a change visible.

ALTER TABLE objects RENAME COLUMN personal_data TO personal;
UPDATE objects SET personal = 2 WHERE personal <> 0;
ALTER TABLE objects ADD COLUMN granular_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE objects ADD COLUMN granular_optional INTEGER NOT NULL DEFAULT 0;

DROP INDEX objects_latest;
CREATE INDEX objects_scope ON objects (coll, date_added, tlp, origin_org, type, personal, granular_required)
	WHERE is_latest;

CREATE TABLE object_shares (
	object_id TEXT NOT NULL,
	recipient TEXT NOT NULL,
	PRIMARY KEY (object_id, recipient)
) WITHOUT ROWID;

CREATE TABLE agreements (
	partner_id     TEXT PRIMARY KEY REFERENCES orgs (id),
	max_tlp        INTEGER NOT NULL DEFAULT 0,
	valid_from     INTEGER NOT NULL DEFAULT 0,
	valid_until    INTEGER NOT NULL DEFAULT 0,
	types          TEXT NOT NULL DEFAULT '[]',
	exclude_types  TEXT NOT NULL DEFAULT '[]',
	labels         TEXT NOT NULL DEFAULT '[]',
	exclude_labels TEXT NOT NULL DEFAULT '[]',
	embargo_ns     INTEGER NOT NULL DEFAULT 0,
	onward_sharing TEXT NOT NULL DEFAULT '',
	personal_data  TEXT NOT NULL DEFAULT '',
	updated_at     INTEGER NOT NULL
);

CREATE TABLE audit_log (
	seq       INTEGER PRIMARY KEY,
	time      INTEGER NOT NULL,
	actor     TEXT NOT NULL,
	action    TEXT NOT NULL,
	path      TEXT NOT NULL,
	object    TEXT NOT NULL,
	decision  TEXT NOT NULL,
	detail    TEXT NOT NULL,
	prev_hash BLOB NOT NULL,
	hash      BLOB NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
