#!/usr/bin/env bash
# Self-test of scripts/pg-cluster.sh: a primary with a table, a synchronous standby,
# 100 rows committed one by one, the primary killed with SIGKILL, the standby
# promoted with every row and taking writes, a multi-host connection string that
# finds the read-write server before and after, and both clusters stopped and gone.
# Prints each check and a closing "N passed, N failed"; exits 1 when a check fails.
set -euo pipefail
shopt -s inherit_errexit

root=$(cd "$(dirname "$0")/../.." && pwd)
pgc=$root/scripts/pg-cluster.sh
pg_bin=${COLLAGENDA_PG_BIN:-/usr/lib/postgresql/15/bin}
psql=$pg_bin/psql
while read -r v; do unset "$v"; done < <(compgen -e | grep '^PG' || true)

started=${EPOCHREALTIME//[^0-9]/}
passed=0
failed=0
tmp=$(mktemp -d -p /tmp)
# The clusters' user (collagenda-pg when run as root) must reach its folders.
chmod 0711 "$tmp"
primary=$tmp/primary
standby=$tmp/standby

# Milliseconds since the test started.
elapsed() {
  echo $(((${EPOCHREALTIME//[^0-9]/} - started) / 1000))
}

ok() {
  passed=$((passed + 1))
  printf 'ok    %6s ms  %s\n' "$(elapsed)" "$1"
}

not_ok() {
  failed=$((failed + 1))
  printf 'FAIL  %6s ms  %s\n' "$(elapsed)" "$1"
}

# check WHAT COMMAND...: one check, passed when COMMAND succeeds.
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}

finish() {
  local rc=$1
  trap - EXIT
  set +e
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    not_ok "the test stopped early (exit status $rc)"
  fi
  if [ "$failed" -ne 0 ]; then
    # What pg-cluster.sh said, and the servers' logs, before they go.
    tail -n 30 "$tmp"/*.log "$primary"/*.log "$standby"/*.log 2>/dev/null | sed 's/^/      /'
  fi
  "$pgc" stop "$standby" 2>>"$tmp/cleanup.log"
  "$pgc" stop "$primary" 2>>"$tmp/cleanup.log"
  if [ -e "$primary" ] || [ -e "$standby" ]; then
    not_ok "cleanup removed the clusters (see $tmp/cleanup.log)"
  else
    rm -rf "$tmp"
  fi
  echo
  echo "pg-cluster: $passed passed, $failed failed ($(elapsed) ms)"
  [ "$failed" -eq 0 ] && exit 0
  exit 1
}
trap 'finish $?' EXIT
# A signal ends the test once the step under way is done (each is bounded), so that
# the cleanup does not race a pg-cluster.sh still writing a cluster.
trap 'exit 130' INT
trap 'exit 143' TERM

# q URI SQL: the rows SQL returns, unaligned, as the role collagenda.
q() {
  "$psql" -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

is() {
  [ "$1" = "$2" ] || {
    echo "      got '$1', want '$2'"
    return 1
  }
}

port_of() {
  local p=${1##*:}
  echo "${p%%/*}"
}

one_uri() {
  [[ $1 =~ ^postgresql://collagenda@127\.0\.0\.1:[0-9]+/collagenda$ ]] || {
    echo "      printed: '$1'"
    return 1
  }
}

down() {
  ! "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$1" -t 2
}

# The read-write server a multi-host string finds: "port in_recovery".
rw_server() {
  q "host=127.0.0.1,127.0.0.1 port=$1 user=collagenda dbname=collagenda
     target_session_attrs=read-write connect_timeout=5" \
    "SELECT inet_server_port() || ' ' || pg_is_in_recovery()" 2>"$tmp/rw.err"
}

no_rw_server() {
  ! rw_server "$1" >/dev/null && grep -q "session is read-only" "$tmp/rw.err"
}

# Processes whose working directory is under the test's folder, as PostgreSQL's are.
no_process_left() {
  [ -z "$(find /proc -mindepth 2 -maxdepth 2 -name cwd -lname "$tmp/*" 2>/dev/null)" ]
}

shm_gone() {
  ! awk -v i="$1" '$2 == i { f = 1 } END { exit !f }' /proc/sysvipc/shm
}

u1=$("$pgc" start "$primary" 2>"$tmp/start.log")
check "start prints one connection URI" one_uri "$u1"
p1=$(port_of "$u1")
check "the primary takes a table" q "$u1" "CREATE TABLE t (id int PRIMARY KEY, note text)"

u2=$("$pgc" standby "$primary" "$standby" 2>"$tmp/standby.log")
check "standby prints one connection URI" one_uri "$u2"
p2=$(port_of "$u2")
check "the standby is in recovery" is "$(q "$u2" "SELECT pg_is_in_recovery()")" t
check "the primary's standby streams synchronously" is "$(
  "$psql" -X -At -h "$primary" -p "$p1" -U postgres -d postgres \
    -c "SELECT state || ' ' || sync_state FROM pg_stat_replication")" "streaming sync"
check "read-write multi-host string, standby first, finds the primary" \
  is "$(rw_server "$p2,$p1")" "$p1 false"

# Autocommit: each INSERT is its own transaction, acknowledged by the standby.
for i in $(seq 1 100); do
  echo "INSERT INTO t VALUES ($i, 'row $i');"
done | "$psql" -X -q -v ON_ERROR_STOP=1 -d "$u1"
check "100 rows in 100 transactions on the primary" \
  is "$(q "$u1" "SELECT count(*) || ' ' || count(DISTINCT xmin::text) FROM t")" "100 100"

shm_id=$(sed -n 7p "$primary/data/postmaster.pid" | awk '{ print $2 }')
"$pgc" kill "$primary" 2>>"$tmp/kill.log"
check "the killed primary answers no more" down "$p1"
check "no read-write server while none is promoted" no_rw_server "$p1,$p2"

"$pgc" promote "$standby" 2>>"$tmp/promote.log"
check "the promoted standby is out of recovery" is "$(q "$u2" "SELECT pg_is_in_recovery()")" f
check "the promoted standby has all 100 rows" \
  is "$(q "$u2" "SELECT count(*) || ' ' || count(DISTINCT xmin::text) || ' ' || max(id) FROM t")" \
  "100 100 100"
check "the promoted standby takes writes" \
  is "$(q "$u2" "INSERT INTO t VALUES (101, 'after') RETURNING id")" 101
check "read-write multi-host string, old primary first, finds the promoted one" \
  is "$(rw_server "$p1,$p2")" "$p2 false"

"$pgc" stop "$standby" 2>>"$tmp/stop.log"
"$pgc" stop "$primary" 2>>"$tmp/stop.log"
check "stop removes both folders" test ! -e "$primary" -a ! -e "$standby"
check "no process of either cluster is left" no_process_left
check "the killed primary's shared memory segment is removed" shm_gone "$shm_id"
check "both ports are closed" down "$p1"
check "... the standby's too" down "$p2"
check "stop of a removed cluster succeeds" "$pgc" stop "$primary"
