#!/usr/bin/env bash
# `make test`: every test, with PostgreSQL when it can be had. With DATABASE_URL set, the
# PostgreSQL tests use that server (each test in a database of its own); otherwise a throwaway
# cluster is started from the machine's PostgreSQL binaries; without them, the PostgreSQL
# tests are skipped and this says so.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh

if [ -n "${DATABASE_URL:-}" ]; then
  echo "PostgreSQL tests: using DATABASE_URL"
elif start_throwaway_postgres; then
  :
else
  echo "PostgreSQL tests: SKIPPED (no DATABASE_URL and no PostgreSQL binaries found; install postgresql)"
fi
export TANDEM_TEST_POSTGRES="${DATABASE_URL:-}"
unset DATABASE_URL  # tests choose their database themselves

go test -count=1 -timeout 30m "$@" ./...
