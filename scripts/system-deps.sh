#!/usr/bin/env bash
# Installs the Debian packages the platform and its tests run against, when missing and run as root.
#   system-deps.sh influxdb   what `npm start` needs (a private influxd)
#   system-deps.sh all        what `npm test` needs (influxd, mosquitto clients, chromium, a CJK font for its
#                             zh-CN screenshots, docker-compose, PostgreSQL 15 for the database tests, faketime for
#                             the tests at fixed instants, redis-server and haproxy for the broker cluster tests)
# Each wanted package is package:probe, the probe a command on PATH or an absolute path that must exist.
set -euo pipefail
want=(influxdb:influxd)
if [ "${1:-all}" = all ]; then
  want+=(mosquitto-clients:mosquitto_pub chromium:chromium fonts-noto-cjk:/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc docker-compose:docker-compose postgresql:/usr/lib/postgresql/15/bin/initdb faketime:faketime redis-server:/usr/bin/redis-server haproxy:/usr/sbin/haproxy)
fi
missing=()
for pair in "${want[@]}"; do
  pkg=${pair%%:*} bin=${pair##*:}
  if [[ $bin == /* ]]; then [ -e "$bin" ]; else command -v "$bin" >/dev/null 2>&1; fi || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "system-deps: missing ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "system-deps: installing ${missing[*]} (Debian packages)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
