#!/usr/bin/env bash
# Backup and restore of Tandem's PostgreSQL databases: the domain database and Temporal's two
# (persistence and visibility). docs/operations.md has the drill; TestBackupRestoreDrill runs it.
#
#   scripts/backup-drill.sh backup  POSTGRES_URL DIR DB...  pg_dump each DB into DIR/DB.dump
#   scripts/backup-drill.sh restore POSTGRES_URL DIR        create each DIR/*.dump's database on
#                                                           the cluster and restore it
#
# POSTGRES_URL names the cluster and a user who may create databases, such as
# postgres://postgres@db.example:5432/postgres?sslmode=require (its database part is replaced
# by each DB). Dumps are in pg_dump's custom format; restore refuses a database that exists.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh

usage() { sed -n '5,7p' "$0" | sed 's/^# //' >&2; exit 2; }
[ $# -ge 3 ] || usage
cmd=$1 url=$2 dir=$3
shift 3
bindir=$(pg_bindir) || { echo "backup-drill: PostgreSQL client tools not found (install postgresql-client)" >&2; exit 1; }

# db_url URL DB: URL with its database replaced by DB, its query kept.
db_url() {
  local u=$1 q=""
  [[ $u == *\?* ]] && q="?${u#*\?}"
  u=${u%%\?*}
  echo "${u%/*}/$2$q"
}

case $cmd in
backup)
  [ $# -ge 1 ] || usage
  mkdir -p "$dir"
  for db in "$@"; do
    "$bindir/pg_dump" --format=custom --no-owner --file "$dir/$db.dump" "$(db_url "$url" "$db")"
    echo "backed up $db: $(du -h "$dir/$db.dump" | cut -f1)"
  done
  ;;
restore)
  shopt -s nullglob
  dumps=("$dir"/*.dump)
  [ ${#dumps[@]} -gt 0 ] || { echo "backup-drill: no .dump files in $dir" >&2; exit 1; }
  for f in "${dumps[@]}"; do
    db=$(basename "$f" .dump)
    "$bindir/psql" -q -v ON_ERROR_STOP=1 "$url" -c "CREATE DATABASE \"$db\""
    "$bindir/pg_restore" --no-owner --exit-on-error --dbname "$(db_url "$url" "$db")" "$f"
    echo "restored $db"
  done
  ;;
*) usage ;;
esac
