#!/usr/bin/env bash
# `npm test` after the lint: the ava suite (arguments go to ava) and, beside it, the tests at fixed instants
# (scripts/test-at-instants.sh) one instant at a time: the suite leaves part of the two cores idle while its
# fault and browser tests wait. The instants' output is printed after the suite's; either failing fails.
# A CI log often shows only its end, so a failed suite's summary is printed again last.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
suite_log=$(mktemp)
trap 'rm -f "$log" "$suite_log"' EXIT
INSTANTS_AT_ONCE=1 bash scripts/test-at-instants.sh >"$log" 2>&1 &
instants=$!
npx ava "$@" 2>&1 | tee "$suite_log"
suite=${PIPESTATUS[0]}
wait "$instants"
at=$?
cat "$log"
if ((suite)); then
  echo "== the ava suite failed (exit $suite); its failures again:"
  grep -E '✘' "$suite_log"
  tail -n 150 "$suite_log"
fi
echo "== ava suite: exit $suite; tests at fixed instants: exit $at"
exit $((suite || at))
