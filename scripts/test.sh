#!/usr/bin/env bash
# The test command (README, .ci/run): every test, with the race detector, on
# SQLite and on real PostgreSQL and Redis.
#
#   bash scripts/test.sh                 # all packages
#   bash scripts/test.sh -run Beds ./providers/
#
# When DATABASE_URL and REDIS_URL already name test servers (as in .ci/run),
# it uses them. Otherwise it starts throwaway ones on 127.0.0.1 with
# scripts/test-services.sh (installing them with apt, so as root) and stops
# them afterwards if it started them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  if [ "$(id -u)" = 0 ]; then
    state=${TEST_SERVICES_STATE:-/tmp/respite-test-services.env}
    if [ ! -f "$state" ]; then
      trap 'bash scripts/test-services.sh down' EXIT
    fi
    eval "$(bash scripts/test-services.sh up)"
  else
    echo "test: not root, so PostgreSQL and Redis cannot be installed and started here;" >&2
    echo "test: their tests will skip. Set DATABASE_URL and REDIS_URL to test servers to run them." >&2
  fi
fi

# The race detector needs cgo.
export CGO_ENABLED=1
if [ $# -eq 0 ]; then
  set -- ./...
fi
go test -race -count=1 "$@"
