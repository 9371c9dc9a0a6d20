#!/usr/bin/env bash
# `npm test` after the lint: the ava suite (arguments go to ava) and, beside it, the tests at fixed instants
# (scripts/test-at-instants.sh) one instant at a time: the suite leaves part of the two cores idle while its
# fault and browser tests wait. The instants' output is printed after the suite's; either failing fails.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
INSTANTS_AT_ONCE=1 bash scripts/test-at-instants.sh >"$log" 2>&1 &
instants=$!
npx ava "$@"
suite=$?
wait "$instants"
at=$?
cat "$log"
exit $((suite || at))
