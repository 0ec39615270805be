#!/usr/bin/env bash
# Runs the calendar, workflow and API tests on awkward days (TANDEM_TEST_DATE moves their
# clocks; see testclock/), and one end-to-end run of the binary with its clock shifted
# (TANDEM_TEST_CLOCK), so that a test assuming today's date fails here and not on a holiday.
# Expects TANDEM_TEST_POSTGRES from scripts/with-postgres.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
# The eve of the Spring Festival 2027, the eve of National Day 2026, a worked Sunday
# 31 January, a leap day past the official holiday data.
DATES=${TEST_DATES:-2027-02-05 2026-09-30 2027-01-31 2028-02-29}
for d in $DATES; do
  echo "tests on $d:"
  TANDEM_TEST_DATE=$d "$GO" test -count=1 ./calendar ./workflows ./api
done
# The binary's clock moves forward only: its due dates follow the shifted day while Temporal's
# timers run on real time, so a day in the past would make every task overdue at once. The
# next eve of the Spring Festival (除夕) after today, the awkward day that moves most deadlines.
today=$(TZ=Asia/Shanghai date +%F)
e2e=${TEST_DATE_E2E:-}
for eve in 2027-02-05 2028-01-25 2029-02-12 2030-02-02 2031-01-22 2032-02-10 2033-01-30 2034-02-18 2035-02-07; do
  if [ -z "$e2e" ] && [[ "$eve" > "$today" ]]; then e2e=$eve; fi
done
e2e=${e2e:-$(TZ=Asia/Shanghai date -d '+400 days' +%F)}
echo "the binary on $e2e (TANDEM_TEST_CLOCK):"
TANDEM_TEST_DATE=$e2e "$GO" test -count=1 -run '^TestFormationEndToEnd$' ./cmd/tandem
