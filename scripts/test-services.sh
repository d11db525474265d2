#!/usr/bin/env bash
# Throwaway PostgreSQL 15 and Redis on 127.0.0.1 for the tests, installed with
# apt when missing (with Chromium, for the pages' browser tests). Run as root (CI and the dev machines are).
#
#   eval "$(bash scripts/test-services.sh up)"   # prints export lines for DATABASE_URL and REDIS_URL;
#                                                 # reuses services that are already up
#   bash scripts/test-services.sh down            # stops both and removes their files; safe to repeat
set -euo pipefail

STATE=$(realpath -m "${TEST_SERVICES_STATE:-/tmp/respite-test-services.env}")
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cd / # the postgres user must be able to enter the working directory

log() { echo "test-services: $*" >&2; }

free_port() { # the first port at or above $1 with nothing listening
  local p=$1
  while ss -Htln "sport = :$p" | grep -q .; do p=$((p + 1)); done
  echo "$p"
}

install_missing() {
  local pkgs=()
  [ -x "$PGBIN/initdb" ] || pkgs+=(postgresql-15)
  command -v psql >/dev/null || pkgs+=(postgresql-client-15)
  command -v redis-server >/dev/null || pkgs+=(redis-server)
  command -v ss >/dev/null || pkgs+=(iproute2)
  command -v runuser >/dev/null || pkgs+=(util-linux)
  # The pages' browser tests drive Debian's Chromium.
  command -v chromium >/dev/null || pkgs+=(chromium)
  if [ ${#pkgs[@]} -gt 0 ]; then
    log "installing ${pkgs[*]} with apt (10 s; Chromium adds 1 to 2 minutes)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
  fi
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
}

alive() { # the state file exists and both servers answer
  [ -f "$STATE" ] || return 1
  # shellcheck disable=SC1090
  (
    . "$STATE"
    "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$TEST_PG_PORT" &&
      [ "$(redis-cli -p "$TEST_REDIS_PORT" ping 2>/dev/null)" = PONG ]
  )
}

up() {
  install_missing
  if alive; then
    log "reusing the running services"
    sed 's/^/export /' "$STATE"
    return
  fi
  down >/dev/null 2>&1 || true

  local pgdir pgport rdir rport
  pgdir=$(mktemp -d /tmp/respite-pg.XXXXXX)
  chown postgres:postgres "$pgdir"
  pgport=$(free_port "${TEST_PG_PORT_START:-55432}")
  log "starting PostgreSQL on 127.0.0.1:$pgport"
  runuser -u postgres -- "$PGBIN/initdb" -D "$pgdir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
    >"$pgdir/initdb.log" 2>&1 || { cat "$pgdir/initdb.log" >&2; exit 1; }
  # Durability is pointless for throwaway test data; turning it off makes
  # creating a database per test cheap. max_connections allows the concurrency
  # tests' pools across parallel test binaries.
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $pgport -k $pgdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    >/dev/null || { cat "$pgdir/server.log" >&2; exit 1; }
  "$PGBIN/createdb" -h 127.0.0.1 -p "$pgport" -U postgres respite_test

  rdir=$(mktemp -d /tmp/respite-redis.XXXXXX)
  rport=$(free_port "${TEST_REDIS_PORT_START:-56379}")
  log "starting Redis on 127.0.0.1:$rport"
  redis-server --bind 127.0.0.1 --port "$rport" --save '' --appendonly no --daemonize yes \
    --pidfile "$rdir/redis.pid" --logfile "$rdir/redis.log" --dir "$rdir"
  for _ in $(seq 50); do
    [ "$(redis-cli -p "$rport" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
  done

  cat >"$STATE" <<EOS
TEST_PG_DIR=$pgdir
TEST_PG_PORT=$pgport
TEST_REDIS_DIR=$rdir
TEST_REDIS_PORT=$rport
DATABASE_URL=postgres://postgres@127.0.0.1:$pgport/respite_test?sslmode=disable
REDIS_URL=redis://127.0.0.1:$rport/0
EOS
  sed 's/^/export /' "$STATE"
}

down() {
  [ -f "$STATE" ] || return 0
  # shellcheck disable=SC1090
  . "$STATE"
  if [ -f "$TEST_PG_DIR/data/postmaster.pid" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$TEST_PG_DIR/data" -m fast -w stop >/dev/null || true
  fi
  if [ -f "$TEST_REDIS_DIR/redis.pid" ]; then
    redis-cli -p "$TEST_REDIS_PORT" shutdown nosave >/dev/null 2>&1 ||
      kill "$(cat "$TEST_REDIS_DIR/redis.pid")" 2>/dev/null || true
  fi
  rm -rf "$TEST_PG_DIR" "$TEST_REDIS_DIR" "$STATE"
  log "stopped"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *)
    echo "usage: $0 up|down" >&2
    exit 2
    ;;
esac
