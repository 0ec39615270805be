#!/usr/bin/env bash
# Runs a command with TANDEM_TEST_POSTGRES naming a PostgreSQL server for tests: DATABASE_URL
# when set, else a throwaway cluster from the machine's PostgreSQL binaries (removed at exit);
# without either, PostgreSQL tests are skipped and this says so.
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
unset DATABASE_URL # tests choose their database themselves
"$@"
