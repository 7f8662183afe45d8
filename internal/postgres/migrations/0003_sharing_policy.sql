-- 0003: what the sharing policy needs: its facts on every object version, per-object share lists,
-- agreements with partners, and the audit log. The same as SQLite's 0003.
--
-- objects gains the facts policy.Scope filters by, beside tlp, origin_org, type, labels and
-- date_added: personal (the personal data class: 0 none, 1 embedded, 2 integral) and
-- granular_required / granular_optional (policy.Levels bitmasks). personal replaces the boolean
-- personal_data, which no version of the program wrote; a row flagged anyway counts as integral,
-- the class that goes to the fewest recipients. Rows stored before this migration have no personal
-- data and no granular levels recorded: the policy's facts must be recomputed for them (as
-- whenever the policy's configuration changes).
--
-- Scoped pages of latest versions walk objects_latest in date_added order and test each row after
-- reading it: a btree cannot test a scope's OR of origin branches inside the index and keep that
-- order, so a page costs about limit / (admitted share) rows read. Query writes the scope so that
-- the planner estimates that share from the columns' statistics and keeps to this walk.
--
-- object_shares is the share list of each object id (all versions, all collections): the
-- organisation or identity ids named as recipients of its TLP:RED content.
--
-- agreements holds one agreement per partner organisation; list fields are JSON arrays as text,
-- the embargo nanoseconds, open bounds NULL.
--
-- audit_log is append-only. Append serialises itself with a transaction-scoped advisory lock
-- before it reads the last entry, so the chain has no fork and seq no gap across processes. The
-- trigger refuses UPDATE, DELETE and TRUNCATE; a superuser (or the table's owner) can still
-- disable it or rewrite the table, which is why every entry carries the hash of the one before.

ALTER TABLE objects ADD COLUMN personal smallint NOT NULL DEFAULT 0;
UPDATE objects SET personal = 2 WHERE personal_data;
ALTER TABLE objects DROP COLUMN personal_data;
ALTER TABLE objects ADD COLUMN granular_required smallint NOT NULL DEFAULT 0,
	ADD COLUMN granular_optional smallint NOT NULL DEFAULT 0;

CREATE TABLE object_shares (
	object_id text NOT NULL,
	recipient text NOT NULL,
	PRIMARY KEY (object_id, recipient)
);

CREATE TABLE agreements (
	partner_id     text PRIMARY KEY REFERENCES orgs (id),
	max_tlp        smallint NOT NULL DEFAULT 0,
	valid_from     timestamptz,
	valid_until    timestamptz,
	types          text NOT NULL DEFAULT '[]',
	exclude_types  text NOT NULL DEFAULT '[]',
	labels         text NOT NULL DEFAULT '[]',
	exclude_labels text NOT NULL DEFAULT '[]',
	embargo_ns     bigint NOT NULL DEFAULT 0,
	onward_sharing text NOT NULL DEFAULT '',
	personal_data  text NOT NULL DEFAULT '',
	updated_at     timestamptz NOT NULL
);

CREATE TABLE audit_log (
	seq       bigint PRIMARY KEY,
	time      timestamptz NOT NULL,
	actor     text NOT NULL,
	action    text NOT NULL,
	path      text NOT NULL,
	object    text NOT NULL,
	decision  text NOT NULL,
	detail    text NOT NULL,
	prev_hash bytea NOT NULL,
	hash      bytea NOT NULL
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
