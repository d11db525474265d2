#!/usr/bin/env bash
# The fault scenarios of issue 11, against real PostgreSQL and Redis, with a
# table of what was sent, what committed and what was refused for each:
#
#   - PostgreSQL stopped for a few seconds under concurrent writes, then
#     started again (no 500; every 2xx write is in the database; recovery
#     without a restart);
#   - Redis frozen with SIGSTOP (holds refused with 503 within a second,
#     emergency placements unaffected, /readyz quick);
#   - Redis stopped while sign-in and code limits count (they go on counting
#     in memory);
#   - a password guesser who cannot lock the owner out;
#   - texts with Twilio slow, Twilio's list down, and the sending instance
#     killed (each text delivered once; urgent texts first).
#
#   bash scripts/faults.sh
#
# The scenarios are Go tests (web/outage_test.go, web/auth_test.go,
# notify/delivery_test.go; Twilio is faked at the HTTP boundary) that
# start PostgreSQL and Redis servers of their own, because they stop and
# freeze them: the shared test servers named by DATABASE_URL and REDIS_URL
# are never touched. They need the PostgreSQL server binaries and
# redis-server, which this script installs with apt when run as root, as
# scripts/test-services.sh does. The figures go in docs/reliability.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

have_postgres() { compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || command -v pg_ctl >/dev/null; }
if ! have_postgres || ! command -v redis-server >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    echo "faults: installing PostgreSQL and Redis" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 redis-server >/dev/null
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  else
    echo "faults: PostgreSQL and redis-server are needed; run as root to install them" >&2
    exit 1
  fi
fi

# The text scenarios run on the shared test servers (which they never stop):
# start throwaway ones, as scripts/test.sh does, unless they are named.
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  state=${TEST_SERVICES_STATE:-/tmp/respite-test-services.env}
  if [ ! -f "$state" ]; then
    stop_services=1
  fi
  eval "$(bash scripts/test-services.sh up)"
fi

# A scenario that cannot run must fail, not skip quietly.
export RESPITE_TEST_REQUIRE_SERVICES=1
# The race detector needs cgo.
export CGO_ENABLED=1

out=$(mktemp)
cleanup() {
  rm -f "$out"
  if [ -n "${stop_services:-}" ]; then bash scripts/test-services.sh down; fi
}
trap cleanup EXIT
status=0
echo "faults: PostgreSQL and Redis scenarios (a minute or two)" >&2
go test -race -count=1 -v -run '^(TestOutage_.*|TestLogin_GuessingCannotLockOutTheOwner)$' ./web/ >"$out" 2>&1 || status=$?
echo "faults: text scenarios, on SQLite and PostgreSQL (the shared test servers, which are not stopped)" >&2
go test -race -count=1 -v -run '^(TestRun_.*|TestDispatch_.*|TestApplyReceipt_.*|TestReceiveText_.*)$' ./notify/ >>"$out" 2>&1 || status=$?

# The tables (lines the tests mark "FAULTS|"), the texts' figures, then
# each scenario's result.
sed -nE 's/^[[:space:]]*FAULTS\| ?//p' "$out"
echo
echo "Texts:"
grep -E '^[[:space:]]+delivery_test\.go:[0-9]+: ' "$out" | sed -E 's/^[[:space:]]+/  /' || true
echo
grep -E '^(--- (PASS|FAIL|SKIP)|ok|FAIL)' "$out" || true
if [ "$status" -ne 0 ]; then
  echo
  echo "faults: a scenario failed; its output:" >&2
  grep -vE '^\{' "$out" >&2 # everything but the service's JSON log lines
fi
exit "$status"
