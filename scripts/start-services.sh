#!/usr/bin/env bash
# Start the local PostgreSQL, MariaDB/MySQL and Redis used by the integration tests, if they are
# not already answering; wait (bounded) until each answers; create the `test` databases.
#
#   scripts/start-services.sh                 # all three, the PgBouncer binary, promtool and tmux
#   scripts/start-services.sh postgres redis  # a subset
#
# PgBouncer is not started here (the fault suite starts private ones, test/harness/pgbouncer.ts); when
# /usr/sbin/pgbouncer is missing and we are root, the Debian package is installed (apt-get, bounded).
# promtool (the alert rule tests, test/metrics/alerts.test.ts) comes from Debian's `prometheus` package,
# installed the same way; its Prometheus server is never left running. tmux (the pseudo-terminal in
# which test/cli/top.test.ts drives `pools top`) is installed the same way when missing.
#
# Idempotent: safe to run when everything is already up (it then only checks).
# Exit status: 0 when every requested service answers, 1 otherwise (with one line per failure).
# Targets a Debian-like machine with the distro packages installed (postgresql, mariadb-server,
# redis-server); elsewhere, start the servers yourself or point POOLS_TEST_*_URL at them.
#
# Endpoints (the test harness defaults): PostgreSQL 127.0.0.1:5432 user postgres (trust) db test,
# MariaDB 127.0.0.1:3306 user root (empty password) db test, Redis 127.0.0.1:6379.

set -uo pipefail

WAIT_SECONDS="${START_SERVICES_WAIT_SECONDS:-30}"
APT_SECONDS="${START_SERVICES_APT_SECONDS:-300}"
PGBOUNCER_BIN=/usr/sbin/pgbouncer
PG_HOST=127.0.0.1 PG_PORT=5432
MYSQL_HOST=127.0.0.1 MYSQL_PORT=3306
REDIS_HOST=127.0.0.1 REDIS_PORT=6379

failures=()

log() { printf '[start-services] %s\n' "$*"; }
fail() {
  failures+=("$1: $2")
  printf '[start-services] ERROR %s: %s\n' "$1" "$2" >&2
}
warn() { printf '[start-services] WARNING %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }
as_root() { [ "$(id -u)" -eq 0 ]; }

# wait_until <seconds> <command...>: poll every 0.5 s until the command succeeds.
wait_until() {
  local seconds=$1
  shift
  local deadline=$((SECONDS + seconds))
  while ((SECONDS < deadline)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  "$@" >/dev/null 2>&1
}

# --------------------------------------------------------------------------------------------- PostgreSQL
pg_answers() {
  timeout 5 psql "host=$PG_HOST port=$PG_PORT user=postgres dbname=postgres connect_timeout=3" -Atqc 'SELECT 1' 2>/dev/null |
    grep -qx 1
}

start_postgres() {
  if ! have psql; then
    fail postgres "psql not found (install postgresql-client, or set POOLS_TEST_PG_URL)"
    return
  fi
  if pg_answers; then
    log "PostgreSQL already answering on $PG_HOST:$PG_PORT"
  else
    if ! have pg_ctlcluster || [ ! -d /etc/postgresql ]; then
      fail postgres "not answering on $PG_HOST:$PG_PORT and pg_ctlcluster / /etc/postgresql not found (install postgresql, or set POOLS_TEST_PG_URL)"
      return
    fi
    local clusters=0 dir version
    for dir in /etc/postgresql/*/main; do
      [ -d "$dir" ] || continue
      clusters=$((clusters + 1))
      version=$(basename "$(dirname "$dir")")
      log "starting PostgreSQL $version (cluster main)"
      # Fails harmlessly with "already running" when the cluster is up but not answering yet.
      pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>&1 | sed 's/^/[start-services]   /'
    done
    if [ "$clusters" -eq 0 ]; then
      fail postgres "no cluster under /etc/postgresql/*/main"
      return
    fi
    if ! wait_until "$WAIT_SECONDS" pg_answers; then
      fail postgres "started, but no answer on $PG_HOST:$PG_PORT as user postgres within ${WAIT_SECONDS}s (is host auth 'trust' for 127.0.0.1 in pg_hba.conf?)"
      return
    fi
    log "PostgreSQL answering on $PG_HOST:$PG_PORT"
  fi
  local exists
  exists=$(psql "host=$PG_HOST port=$PG_PORT user=postgres dbname=postgres connect_timeout=3" -Atqc \
    "SELECT 1 FROM pg_database WHERE datname = 'test'" 2>/dev/null)
  if [ "$exists" != 1 ]; then
    if psql "host=$PG_HOST port=$PG_PORT user=postgres dbname=postgres connect_timeout=3" -qc 'CREATE DATABASE test' >/dev/null; then
      log "PostgreSQL: created database test"
    else
      fail postgres "could not create database test"
    fi
  fi
}

# --------------------------------------------------------------------------------------------- MariaDB / MySQL
mysql_answers() {
  timeout 5 mysql --protocol=TCP -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u root --connect-timeout=3 -N -e 'SELECT 1' 2>/dev/null |
    grep -qx 1
}

start_mysql() {
  if ! have mysql; then
    fail mysql "mysql client not found (install mariadb-client, or set POOLS_TEST_MYSQL_URL)"
    return
  fi
  if mysql_answers; then
    log "MariaDB/MySQL already answering on $MYSQL_HOST:$MYSQL_PORT"
  else
    local daemon=""
    for candidate in /usr/sbin/mariadbd /usr/sbin/mysqld; do
      if [ -x "$candidate" ]; then
        daemon=$candidate
        break
      fi
    done
    if [ -z "$daemon" ] || ! have start-stop-daemon; then
      fail mysql "not answering on $MYSQL_HOST:$MYSQL_PORT and no mariadbd/mysqld + start-stop-daemon to start it (install mariadb-server, or set POOLS_TEST_MYSQL_URL)"
      return
    fi
    if ! as_root; then
      fail mysql "not answering on $MYSQL_HOST:$MYSQL_PORT; starting $daemon needs root"
      return
    fi
    # The systemd unit normally creates the socket directory; without systemd we must.
    install -d -o mysql -g mysql -m 0755 /run/mysqld 2>/dev/null || true
    log "starting $daemon"
    start-stop-daemon --start --oknodo --background --exec "$daemon" -- --user=mysql
    if ! wait_until "$WAIT_SECONDS" mysql_answers; then
      fail mysql "started $daemon, but no answer on $MYSQL_HOST:$MYSQL_PORT as root (empty password) within ${WAIT_SECONDS}s"
      return
    fi
    log "MariaDB/MySQL answering on $MYSQL_HOST:$MYSQL_PORT"
  fi
  if mysql --protocol=TCP -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u root --connect-timeout=3 -e 'CREATE DATABASE IF NOT EXISTS test' 2>/dev/null; then
    :
  else
    fail mysql "could not create database test"
  fi
}

# --------------------------------------------------------------------------------------------- Redis
redis_answers() {
  [ "$(timeout 5 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
}

start_redis() {
  if ! have redis-cli; then
    fail redis "redis-cli not found (install redis-tools, or set POOLS_TEST_REDIS_URL)"
    return
  fi
  if redis_answers; then
    log "Redis already answering on $REDIS_HOST:$REDIS_PORT"
    return
  fi
  if ! have redis-server; then
    fail redis "not answering on $REDIS_HOST:$REDIS_PORT and redis-server not found (install redis-server, or set POOLS_TEST_REDIS_URL)"
    return
  fi
  log "starting redis-server"
  redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly no >/dev/null
  if ! wait_until "$WAIT_SECONDS" redis_answers; then
    fail redis "started redis-server, but no PONG on $REDIS_HOST:$REDIS_PORT within ${WAIT_SECONDS}s"
    return
  fi
  log "Redis answering on $REDIS_HOST:$REDIS_PORT"
}

# --------------------------------------------------------------------------------------------- PgBouncer
pgbouncer_version() {
  local bin=$PGBOUNCER_BIN
  [ -x "$bin" ] || bin=$(command -v pgbouncer 2>/dev/null) || return 1
  timeout 5 "$bin" --version 2>/dev/null | head -n 1
}

ensure_pgbouncer() {
  local version
  if version=$(pgbouncer_version) && [ -n "$version" ]; then
    log "PgBouncer installed: $version"
    return
  fi
  if ! as_root; then
    warn "pgbouncer: $PGBOUNCER_BIN not found, and installing it needs root; the PgBouncer fault tests will be skipped (and fail under CI). Install pgbouncer, or set POOLS_TEST_PGBOUNCER to its path"
    return
  fi
  if ! have apt-get; then
    fail pgbouncer "$PGBOUNCER_BIN not found and apt-get not available (install pgbouncer, or set POOLS_TEST_PGBOUNCER)"
    return
  fi
  log "installing pgbouncer: apt-get update + install (each bounded to ${APT_SECONDS}s)"
  # The package's init script would start a system-wide pgbouncer on :6432; the tests start their own.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && created_policy=1
  fi
  # A partly failing update (one unreachable source) may still leave the package installable: try anyway.
  if ! timeout "$APT_SECONDS" apt-get update -qq 2>&1 | sed 's/^/[start-services]   /'; then
    warn "pgbouncer: apt-get update failed or timed out; trying the install anyway"
  fi
  DEBIAN_FRONTEND=noninteractive timeout "$APT_SECONDS" \
    apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=60 pgbouncer 2>&1 | sed 's/^/[start-services]   /'
  if [ "$created_policy" -eq 1 ]; then rm -f "$policy"; fi
  if version=$(pgbouncer_version) && [ -n "$version" ]; then
    log "PgBouncer installed: $version"
  else
    fail pgbouncer "could not install the pgbouncer package with apt-get (no network or no package source?); install pgbouncer yourself, or set POOLS_TEST_PGBOUNCER"
  fi
}

# --------------------------------------------------------------------------------------------- promtool
ensure_promtool() {
  local version
  if version=$(timeout 5 promtool --version 2>/dev/null | head -n 1) && [ -n "$version" ]; then
    log "promtool installed: $version"
    return
  fi
  if ! as_root; then
    warn "promtool not found, and installing it needs root; the alert rule tests will be skipped (and fail under CI). Install the prometheus package, or set POOLS_TEST_PROMTOOL to promtool's path"
    return
  fi
  if ! have apt-get; then
    fail promtool "promtool not found and apt-get not available (install prometheus, or set POOLS_TEST_PROMTOOL)"
    return
  fi
  log "installing promtool (Debian package prometheus): apt-get update + install (each bounded to ${APT_SECONDS}s)"
  # The package's init script would start a Prometheus server on :9090; only promtool is wanted.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && created_policy=1
  fi
  if ! timeout "$APT_SECONDS" apt-get update -qq 2>&1 | sed 's/^/[start-services]   /'; then
    warn "promtool: apt-get update failed or timed out; trying the install anyway"
  fi
  DEBIAN_FRONTEND=noninteractive timeout "$APT_SECONDS" \
    apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=60 prometheus 2>&1 | sed 's/^/[start-services]   /'
  if [ "$created_policy" -eq 1 ]; then rm -f "$policy"; fi
  # Where no policy-rc.d stopped it (systemd), stop the server the package started.
  if have systemctl && systemctl is-active --quiet prometheus 2>/dev/null; then
    systemctl stop prometheus 2>/dev/null && systemctl disable prometheus 2>/dev/null
  fi
  if version=$(timeout 5 promtool --version 2>/dev/null | head -n 1) && [ -n "$version" ]; then
    log "promtool installed: $version"
  else
    fail promtool "could not install the prometheus package with apt-get (no network or no package source?); install promtool yourself, or set POOLS_TEST_PROMTOOL"
  fi
}

# --------------------------------------------------------------------------------------------- tmux
ensure_tmux() {
  local version
  if version=$(timeout 5 tmux -V 2>/dev/null) && [ -n "$version" ]; then
    log "tmux installed: $version"
    return
  fi
  if ! as_root; then
    warn "tmux not found, and installing it needs root; the pools top terminal test will fail. Install tmux"
    return
  fi
  if ! have apt-get; then
    fail tmux "tmux not found and apt-get not available (install tmux)"
    return
  fi
  log "installing tmux: apt-get update + install (each bounded to ${APT_SECONDS}s)"
  if ! timeout "$APT_SECONDS" apt-get update -qq 2>&1 | sed 's/^/[start-services]   /'; then
    warn "tmux: apt-get update failed or timed out; trying the install anyway"
  fi
  DEBIAN_FRONTEND=noninteractive timeout "$APT_SECONDS" \
    apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=60 tmux 2>&1 | sed 's/^/[start-services]   /'
  if version=$(timeout 5 tmux -V 2>/dev/null) && [ -n "$version" ]; then
    log "tmux installed: $version"
  else
    fail tmux "could not install the tmux package with apt-get (no network or no package source?); install tmux yourself"
  fi
}

# --------------------------------------------------------------------------------------------- main
services=("$@")
if [ ${#services[@]} -eq 0 ]; then services=(postgres mysql redis pgbouncer promtool tmux); fi
for service in "${services[@]}"; do
  case "$service" in
  postgres | pg) start_postgres ;;
  mysql | mariadb) start_mysql ;;
  redis) start_redis ;;
  pgbouncer) ensure_pgbouncer ;;
  promtool) ensure_promtool ;;
  tmux) ensure_tmux ;;
  *)
    echo "usage: $0 [postgres] [mysql] [redis] [pgbouncer] [promtool] [tmux]" >&2
    exit 2
    ;;
  esac
done

if [ ${#failures[@]} -gt 0 ]; then
  printf '[start-services] FAILED: %d service(s) not available:\n' "${#failures[@]}" >&2
  printf '[start-services]   %s\n' "${failures[@]}" >&2
  exit 1
fi
log "all requested services are up"
