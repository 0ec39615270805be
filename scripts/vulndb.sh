#!/usr/bin/env bash
# Builds a local Go vulnerability database for `govulncheck -db file://DIR` and prints DIR.
# The public database cannot be reached from these machines, so it is made from the OSV
# entries in the golang.org/x/vulndb module (fetched through the Go module proxy) by that
# module's own indexdb command, which writes the v1 layout govulncheck reads (index/db.json,
# index/modules.json, index/vulns.json, ID/<id>.json). Built once per VULNDB_VERSION into
# VULNDB_CACHE (default: tandem-vulndb beside the Go build cache), only when missing;
# bump VULNDB_VERSION to take newer advisories.
set -euo pipefail
GO=${GO:-go}
version=${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}
cache=${VULNDB_CACHE:-$(dirname "$($GO env GOCACHE)")/tandem-vulndb}
out=$cache/$version

if [ -f "$out/index/db.json" ] && [ -f "$out/index/modules.json" ]; then
  echo "$out"
  exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Outside any module, so that neither command reads or touches Tandem's go.mod.
cd "$work"
src=$($GO mod download -json "golang.org/x/vulndb@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ ! -d "$src/data/osv" ]; then
  echo "vulndb.sh: golang.org/x/vulndb@$version has no data/osv folder (${src:-not downloaded})" >&2
  exit 1
fi
echo "vulndb.sh: building the vulnerability database from $(ls "$src/data/osv" | wc -l) OSV entries of golang.org/x/vulndb@$version" >&2
$GO run "golang.org/x/vulndb/cmd/indexdb@$version" -vulns "$src/data/osv" -out "$work/db" >&2
# Rename into place only when complete, so an interrupted build is never taken for a database.
mv -T "$work/db" "$out" 2>/dev/null || [ -f "$out/index/db.json" ]
echo "$out"
