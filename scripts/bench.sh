#!/usr/bin/env bash
# The national-scale benchmark harness (docs/benchmarks.md, "The national-scale
# harness"). In about ten minutes on 2 cores it:
#
#   1. starts a throwaway PostgreSQL and Redis of its own (scripts/test-services.sh),
#      stopped again on the way out;
#   2. builds the respite binary and measures, on SQLite, how long `respite serve`
#      takes from exec to its first 200 from /readyz, and its memory (VmRSS) idle
#      and after 1,000 requests;
#   3. runs TestHarness with RESPITE_BENCH=full (internal/loadtest), which seeds the
#      regional and national data sets on SQLite and PostgreSQL, measures every
#      figure, and writes the table into docs/benchmarks.md between its markers.
#
#   bash scripts/bench.sh
#
# Run it as root (test-services.sh installs and starts the servers as the
# postgres user). CI does not run it; `go test ./internal/loadtest/` runs a
# smoke version of step 3 in seconds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD

began=$(date +%s)
export RESPITE_BENCH_STARTED=$began
step() { printf '\nbench: [%s] %s\n' "$(clock)" "$*"; }
clock() { local s=$(($(date +%s) - began)); printf '%d:%02d' $((s / 60)) $((s % 60)); }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

work=$(mktemp -d /tmp/respite-bench.XXXXXX)
export TEST_SERVICES_STATE=$work/services.env
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  step "stopping the throwaway PostgreSQL and Redis"
  bash "$repo/scripts/test-services.sh" down || true
  rm -rf "$work"
}
trap cleanup EXIT

step "starting a throwaway PostgreSQL and Redis (scripts/test-services.sh)"
eval "$(bash scripts/test-services.sh up)"

step "building the respite binary"
go build -o "$work/respite" ./cmd/respite

# A port with nothing listening, for respite serve.
port=18080
while ss -Htln "sport = :$port" | grep -q .; do port=$((port + 1)); done
base=http://127.0.0.1:$port

# serve DB starts respite serve on the SQLite file DB, as a fresh process,
# and waits for its first 200 from /readyz; it sets server_pid and
# started_ms (from exec to that 200).
serve() {
  local t0 status
  t0=$(now_ms)
  env -u REDIS_URL RESPITE_ADDR="127.0.0.1:$port" DATABASE_URL="file:$1" RESPITE_LOG_LEVEL=warn \
    "$work/respite" serve >>"$work/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 3000); do
    status=$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz" || true)
    if [ "$status" = 200 ]; then
      started_ms=$(($(now_ms) - t0))
      return
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "bench: respite serve died; its log:" >&2
      cat "$work/serve.log" >&2
      exit 1
    fi
    sleep 0.005
  done
  echo "bench: respite serve gave no 200 from /readyz in 30 s" >&2
  exit 1
}

stop() {
  kill -TERM "$server_pid"
  wait "$server_pid" || true
  server_pid=
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status"; }

step "respite serve on a new SQLite database (it migrates it first): exec to a 200 from /readyz"
serve "$work/new.db"
first_start_ms=$started_ms
echo "bench: ${first_start_ms} ms"
stop

step "loading the demo data into another SQLite database (respite demo)"
env -u REDIS_URL DATABASE_URL="file:$work/demo.db" "$work/respite" demo >"$work/demo.log" 2>&1

step "respite serve on it: exec to a 200 from /readyz, then idle memory"
serve "$work/demo.db"
start_ms=$started_ms
sleep 2 # let start-up's garbage be collected, as an idle service would
idle_rss_kb=$(rss_kb)
echo "bench: ${start_ms} ms to a 200; ${idle_rss_kb} kB resident when idle"

step "1,000 requests to it (one curl, keep-alive), then memory again"
token=$(curl -s -H 'Content-Type: application/json' \
  -d '{"email":"duty@respite.example","password":"demo-duty-password"}' "$base/api/v1/auth/login" |
  sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
if [ -z "$token" ]; then
  echo "bench: signing in as the demo duty user failed" >&2
  exit 1
fi
mix="/readyz /api/v1/auth/me / /sign-in /staff/sign-in"
{
  echo "header = \"Authorization: Bearer $token\""
  for i in $(seq 200); do
    for path in $mix; do
      echo "url = \"$base$path\""
      echo 'output = "/dev/null"'
    done
  done
} >"$work/requests.curl"
codes=$(curl -s -K "$work/requests.curl" -w '%{http_code}\n' | sort | uniq -c | tr -s ' \n' ' ')
echo "bench: answers by status (count status):$codes"
sleep 1
loaded_rss_kb=$(rss_kb)
echo "bench: ${loaded_rss_kb} kB resident after 1,000 requests"
stop

cat >"$work/process.env" <<EOF
first_start_ms=$first_start_ms
start_ms=$start_ms
idle_rss_kb=$idle_rss_kb
loaded_rss_kb=$loaded_rss_kb
requests=1,000
request_mix=200 each of $(echo "$mix" | sed 's/ /, /g')
EOF

step "TestHarness, RESPITE_BENCH=full: seeding, then every figure (internal/loadtest)"
RESPITE_BENCH=full RESPITE_BENCH_PROCESS=$work/process.env \
  go test -run '^TestHarness$' -count=1 -timeout 30m -parallel 4 -v ./internal/loadtest/ 2>&1 |
  grep --line-buffered -v -E '^(=== (RUN|PAUSE|CONT|NAME)|--- PASS: TestHarness/)'

step "done: the table is in docs/benchmarks.md, under \"The national-scale harness\""
