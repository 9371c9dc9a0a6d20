#!/usr/bin/env bash
# `npm run build`: the server (tsc → dist/) and the web app (its type check, then vite → dist/dashboard-web)
# do not depend on each other, so they build side by side, one per core; either failing fails the build.
set -uo pipefail
cd "$(dirname "$0")/.."
npx tsc -p . &
server=$!
npm run build:web
web=$?
wait "$server"
server=$?
exit $((server || web))
