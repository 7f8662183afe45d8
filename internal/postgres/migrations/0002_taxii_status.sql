-- TAXII status resources, kept whole as the JSON served to the client that posted. Pruned after
-- they have been kept the day the standard asks for.
CREATE TABLE taxii_status (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL,
	created_us BIGINT NOT NULL,
	body       BYTEA NOT NULL
);
CREATE INDEX taxii_status_created ON taxii_status (created_us);
