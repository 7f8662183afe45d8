-- 0009: the order in which recipients were named on objects after they were stored, so that a
-- push round can send an object to a partner named on it after the push cursor passed it
-- (ShareStore.SharedSince). The same as SQLite's 0009.
--
-- seq is 0 for a recipient named by the object itself when it was stored (x_entente_recipients:
-- the object goes out as it is stored) and for every share list entry made before this
-- migration; ShareStore.Add gives each new entry the next number under a transaction-scoped
-- advisory lock, so that numbers are given in commit order across processes.

ALTER TABLE object_shares ADD COLUMN seq bigint NOT NULL DEFAULT 0;
CREATE INDEX object_shares_seq ON object_shares (seq) WHERE seq > 0;
