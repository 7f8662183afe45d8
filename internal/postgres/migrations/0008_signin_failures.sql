-- 0008: failed sign-ins per name and per client address, so that every process sharing the
-- database throttles sign-ins together (UserStore.SignInFailed). The same as SQLite's 0008.
-- last is microseconds since the epoch.

CREATE TABLE signin_failures (
	key  text PRIMARY KEY,
	n    integer NOT NULL,
	last bigint NOT NULL
);
