#!/usr/bin/env bash
# Runs Entente's whole test suite. It makes sure what the tests need is there first:
# PostgreSQL (started, or installed from Debian's packages when absent) for the PostgreSQL store
# suite. Extra arguments go to `go test` (e.g. ./scripts/test.sh -run TestStore ./internal/...).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'test.sh: %s\n' "$*" >&2; }

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then sudo "$@"; else log "need root for: $*"; return 1; fi
	else
		"$@"
	fi
}

pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

ensure_postgres() {
	if [ -n "${ENTENTE_TEST_POSTGRES:-}" ]; then
		return 0 # the caller chose a database
	fi
	if ! command -v pg_isready >/dev/null 2>&1 || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
		log "PostgreSQL is not installed; installing it from Debian's packages"
		need_root apt-get update -qq
		need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
	fi
	if ! pg_ready; then
		log "starting PostgreSQL"
		for v in /etc/postgresql/*; do
			need_root pg_ctlcluster --skip-systemctl-redirect "$(basename "$v")" main start || true
		done
		for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
	fi
	if ! pg_ready; then
		log "PostgreSQL did not come up on 127.0.0.1:5432"
		return 1
	fi
	# Trust or peer auth as the postgres superuser; tests create and drop their own databases.
	if psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
		export ENTENTE_TEST_POSTGRES="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	elif need_root su postgres -c "psql -Atqc \"ALTER USER postgres PASSWORD 'entente'\"" >/dev/null 2>&1; then
		export ENTENTE_TEST_POSTGRES="postgres://postgres:entente@127.0.0.1:5432/postgres?sslmode=disable"
	else
		log "cannot connect to PostgreSQL as postgres"
		return 1
	fi
}

if ! ensure_postgres; then
	if [ "${CI:-}" = "true" ]; then
		log "PostgreSQL is required in CI"
		exit 1
	fi
	log "WARNING: PostgreSQL unavailable; its suite will be skipped"
fi
export ENTENTE_REQUIRE_POSTGRES="${CI:-false}"

# Java and Apache Jena validate the open data catalogues against the official SHACL shapes.
if ! ./scripts/shacl.sh install; then
	if [ "${CI:-}" = "true" ]; then
		log "Jena is required in CI for the SHACL validation"
		exit 1
	fi
	log "WARNING: Jena unavailable; the SHACL test will be skipped"
fi

# Headless Chromium drives the web interface's end-to-end tests (skipped without it, except in CI).
ENTENTE_CHROMIUM="$(./scripts/chromium.sh)" && export ENTENTE_CHROMIUM || [ "${CI:-}" != "true" ] || exit 1

log "go vet"
go vet ./...
log "go test (PostgreSQL: ${ENTENTE_TEST_POSTGRES:-none})"
if [ $# -eq 0 ]; then
	set -- ./...
fi
go test -count=1 -timeout 20m "$@"
