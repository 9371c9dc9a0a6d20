#!/usr/bin/env bash
# Runs the tests that judge days, months and years again with the clock set (libfaketime, Debian
# `faketime`) to instants where such code breaks: the one issue 9 saw fail, Shanghai midnight, a month
# end and a year end. Each starts 30 s before the boundary, so the run crosses it. influxd (Go) does
# not see the fake clock; the tests pin InfluxQL's now() to their own clock where it matters.
set -euo pipefail
cd "$(dirname "$0")/.."
instants=(
  "2026-12-03 23:32:59"  # 07:32:59 in Shanghai: the instant of issue 9
  "2026-12-04 15:59:30"  # 23:59:30 in Shanghai: local midnight
  "2027-01-31 15:59:30"  # month end (31 Jan → 1 Feb, Shanghai)
  "2026-12-31 15:59:30"  # year end (Shanghai)
)
files=(
  test/grafana/dashboards.test.ts
  'test/rules/*.test.ts'
  'test/domain/*.test.ts'
  test/alerting/schedules.test.ts
  test/alerting/backfill-compliance.test.ts
  test/device-sim/day-plan.test.ts
  test/dashboard/pure-views.test.ts
)
# The instants run two at a time (one per core; each run's heaviest test replays a backfill through a
# private influxd); each run's output is printed whole when it ends, and any failure fails the script.
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
failed=0
report() {
  local i=$1 status=0
  wait "${pids[$i]}" || status=$?
  echo "== tests at ${instants[$i]} UTC (faketime): exit $status"
  cat "$logs/$i"
  [ "$status" -eq 0 ] || failed=1
}
pids=()
for i in "${!instants[@]}"; do
  TZ=UTC faketime "${instants[$i]}" npx ava "${files[@]}" >"$logs/$i" 2>&1 &
  pids+=($!)
  if [ $((i % 2)) -eq 1 ]; then report $((i - 1)); report "$i"; fi
done
if [ $((${#instants[@]} % 2)) -eq 1 ]; then report $((${#instants[@]} - 1)); fi
exit "$failed"
