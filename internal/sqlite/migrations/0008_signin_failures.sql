-- 0008: failed sign-ins per name and per client address, so that every process sharing the
-- database throttles sign-ins together (UserStore.SignInFailed). The same as PostgreSQL's 0008.
-- last is microseconds since the epoch.

CREATE TABLE signin_failures (
	key  TEXT PRIMARY KEY,
	n    INTEGER NOT NULL,
	last INTEGER NOT NULL
);
