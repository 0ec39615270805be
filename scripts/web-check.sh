#!/usr/bin/env bash
# web-check: rebuild the UI from its sources in a scratch copy (npm ci from the lock file) and
# compare the bytes with the committed web/dist. Fails when they differ: run `make web`.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/web"
(cd web && git ls-files --cached --others --exclude-standard -- . ':!dist' | while read -r f; do
  mkdir -p "$tmp/web/$(dirname "$f")"; cp "$f" "$tmp/web/$f"; done)
(cd "$tmp/web" && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npx vite build --logLevel warn >/dev/null)
cp web/dist/SOURCE_HASH "$tmp/web/dist/SOURCE_HASH"
if ! diff -r "$tmp/web/dist" web/dist >/dev/null; then
  diff -r "$tmp/web/dist" web/dist | head -20
  echo "web/dist does not match a fresh build of web/src: run make web and commit web/dist" >&2
  exit 1
fi
echo "web/dist matches a fresh build of its sources"
