#!/usr/bin/env bash
# govulncheck over ./... against the local database (scripts/vulndb.sh). Fails on every
# vulnerability that Tandem's code can reach (govulncheck's symbol results) unless
# vulncheck-allow.txt lists its ID with a reason; lists the allowed ones as it goes, and says
# which allow-list entries no longer match anything (remove them).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
GOVULNCHECK=${GOVULNCHECK:-golang.org/x/vuln/cmd/govulncheck@v1.9.0}
allow=${VULNCHECK_ALLOW:-vulncheck-allow.txt}

db=$(GO="$GO" ./scripts/vulndb.sh)
report=$(mktemp)
trap 'rm -f "$report"' EXIT
# JSON output exits 0 with findings and non-zero only when the scan itself failed.
$GO run "$GOVULNCHECK" -db "file://$db" -format json ./... >"$report"

python3 - "$allow" "$report" <<'PY'
import json, os, sys

allow_path, report_path = sys.argv[1], sys.argv[2]

allowed = {}
with open(allow_path, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 1)
        if len(parts) < 2:
            sys.exit(f"{allow_path}:{n}: {parts[0]} needs a reason after the ID")
        allowed[parts[0]] = parts[1]

# The report is a stream of JSON objects (config, progress, osv, finding, ...).
text = open(report_path, encoding="utf-8").read()
dec, i, osv, found = json.JSONDecoder(), 0, {}, {}
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    msg, i = dec.raw_decode(text, i)
    if "osv" in msg:
        osv[msg["osv"]["id"]] = msg["osv"]
    f = msg.get("finding")
    if f and f.get("trace") and f["trace"][0].get("function"):
        # Symbol level: the vulnerable function is reachable from Tandem's code.
        found.setdefault(f["osv"], []).append(f)

bad = []
for vid in sorted(found):
    f0 = found[vid][0]
    mods = ", ".join(sorted({f'{f["trace"][0].get("module", "?")}@{f["trace"][0].get("version", "?")}' for f in found[vid]}))
    fixed = "fixed in " + f0["fixed_version"] if f0.get("fixed_version") else "no fix released"
    pos = f0["trace"][-1].get("position") or {}
    name = pos.get("filename", "?")
    if os.path.isabs(name):
        name = os.path.relpath(name)
    where = f'{name}:{pos.get("line", "?")}'
    summary = osv.get(vid, {}).get("summary", "")
    status = "allowed: " + allowed[vid] if vid in allowed else "NOT ALLOWED"
    print(f"{vid} {mods} ({fixed}), reached from {where}: {summary}\n    {status}")
    if vid not in allowed:
        bad.append(vid)

stale = sorted(set(allowed) - set(found))
for vid in stale:
    print(f"note: {allow_path} lists {vid}, which govulncheck no longer reports: remove it")

print(f"govulncheck: {len(found)} reachable vulnerabilities, {len(found) - len(bad)} allowed by {allow_path}, {len(bad)} not")
if bad:
    print("fix them (bump the module) or, if a pin forbids that, add the ID with a reason to " + allow_path)
    sys.exit(1)
PY
