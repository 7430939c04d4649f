#!/usr/bin/env bash
# Throwaway PostgreSQL 15 clusters for the tests: each lives in a folder of its own,
# listens on 127.0.0.1 and a socket in that folder only, and is gone after `stop`.
#
#   pg-cluster.sh start DIR [PORT]             initdb in DIR/data, start, print its URI
#   pg-cluster.sh standby PRIMARY_DIR DIR [PORT]
#                                              synchronous streaming standby of the
#                                              running primary, print its URI
#   pg-cluster.sh promote DIR                  promote a standby, wait until it writes
#   pg-cluster.sh kill DIR                     SIGKILL the postmaster, then whatever
#                                              is left of the cluster; wait until gone
#   pg-cluster.sh stop DIR                     shut down if running, remove DIR
#
# `start` and `standby` print one line on stdout, the cluster's libpq connection URI
# (postgresql://collagenda@127.0.0.1:PORT/collagenda); everything else goes to stderr
# and to the logs in DIR. The role collagenda (LOGIN CREATEDB, no superuser) owns the
# database collagenda; the scripts administer the cluster as the superuser postgres.
# Both log in without a password (trust), over TCP on 127.0.0.1 and over the socket.
#
# initdb refuses to run as root: run as root, the clusters run as the unprivileged
# user collagenda-pg (COLLAGENDA_PG_USER), which scripts/deps.sh creates; run as
# another user, they run as that user. PORT, when not given, is a free one picked at
# random between 20000 and 31999 (below the kernel's ephemeral range, away from 5432).
# Every wait is a poll on the cluster's state, bounded by COLLAGENDA_PG_WAIT seconds.
set -euo pipefail
shopt -s inherit_errexit

pg_bin=${COLLAGENDA_PG_BIN:-/usr/lib/postgresql/15/bin}
pg_user=${COLLAGENDA_PG_USER:-collagenda-pg}
wait_s=${COLLAGENDA_PG_WAIT:-60}
admin=postgres
app=collagenda
marker=.pg-cluster

# Only the result line goes to the caller's stdout.
exec 3>&1 1>&2

# libpq and pg_ctl read these; the commands below name everything they need.
while read -r v; do unset "$v"; done < <(compgen -e | grep '^PG' || true)

die() {
  echo "pg-cluster.sh: $*" >&2
  exit 1
}

usage() {
  sed -n '4,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# Runs a server-side tool (initdb, pg_ctl, pg_basebackup, a file write) as the user
# that owns the clusters.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u "$pg_user" -- "$@")
  else
    "$@"
  fi
}

# Runs COMMAND with no file descriptor open above 2: the server it starts keeps what
# it inherits, and a caller reading our stdout (or any pipe of its own) would wait
# for it forever.
without_fds() {
  (
    local fd
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] && exec {fd}>&-
    done
    "$@"
  )
}

# Writes stdin to a file owned by the clusters' user.
put_file() {
  as_pg tee "$1" >/dev/null
}

now_us() {
  echo "${EPOCHREALTIME//[^0-9]/}"
}

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 50 ms until it succeeds;
# fails naming WHAT after SECONDS.
wait_for() {
  local secs=$1 what=$2
  shift 2
  local deadline=$(($(now_us) + secs * 1000000))
  until "$@"; do
    if [ "$(now_us)" -ge "$deadline" ]; then
      echo "pg-cluster.sh: gave up after ${secs}s waiting for $what" >&2
      return 1
    fi
    sleep 0.05
  done
}

# The absolute, resolved path of a cluster folder. Its characters are limited so that
# it can stand unquoted in postgresql.conf and in find's patterns, and its length so
# that DIR/.s.PGSQL.PORT fits a socket address (107 bytes).
cluster_dir() {
  local d
  d=$(realpath -m -- "$1")
  [[ $d =~ ^/[A-Za-z0-9._/-]+$ ]] || die "$1: use a path of letters, digits and ._/- only"
  [ ${#d} -le 90 ] || die "$1: path longer than 90 characters (the socket's path must fit)"
  [ "$d" != / ] || die "refusing /"
  echo "$d"
}

# The name of a cluster in ps and, for a standby, its application_name and slot.
cluster_name() {
  local base sum
  base=$(basename "$1" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9\n' '_' | cut -c1-32)
  sum=$(printf '%s' "$1" | cksum | cut -d' ' -f1)
  echo "collagenda_${base}_${sum}"
}

# True when PID is a live process (not a zombie).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

gone() {
  ! alive "$1"
}

# Prints the postmaster's pid when DIR's cluster is running. The pid file outlives a
# killed postmaster and its pid may be reused, so the process must also be one whose
# working directory is DIR/data (every PostgreSQL process's is).
postmaster_pid() {
  local f=$1/data/postmaster.pid pid
  [ -r "$f" ] || return 1
  pid=$(head -n1 "$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$1/data" ] || return 1
  echo "$pid"
}

# Prints the pids of every live process of DIR's cluster, orphans of a killed
# postmaster included.
cluster_pids() {
  local link pid
  while read -r link; do
    pid=${link#/proc/}
    pid=${pid%/cwd}
    if alive "$pid"; then echo "$pid"; fi
  done < <(find /proc -mindepth 2 -maxdepth 2 -name cwd \
    \( -lname "$1/data" -o -lname "$1/data (deleted)" \) 2>/dev/null)
}

no_cluster_pids() {
  [ -z "$(cluster_pids "$1")" ]
}

# A field of the running cluster's postmaster.pid: 4 is the port.
pid_field() {
  sed -n "${2}p" "$1/data/postmaster.pid"
}

# True when some socket on this machine has PORT as its local TCP port.
port_taken() {
  local hex
  hex=$(printf '%04X' "$1")
  awk -v h="$hex" '
    FNR > 1 { n = split($2, a, ":"); if (a[n] == h) found = 1 }
    END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

free_port() {
  local port i
  for i in $(seq 1 200); do
    port=$((20000 + RANDOM % 12000))
    port_taken "$port" || { echo "$port"; return 0; }
  done
  die "found no free port after $i tries"
}

# Runs SQL on DIR's cluster over its socket and prints the rows, unaligned.
sql() {
  local dir=$1 user=$2 db=$3 query=$4
  "$pg_bin/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$dir" -p "$(pid_field "$dir" 4)" \
    -U "$user" -d "$db" -c "$query"
}

# sql_is DIR WANT QUERY: true when QUERY, as the superuser, prints exactly WANT.
sql_is() {
  local got
  got=$(sql "$1" "$admin" postgres "$3" 2>/dev/null) || return 1
  [ "$got" = "$2" ]
}

ready() {
  "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$1" -t 2
}

uri() {
  echo "postgresql://$app@127.0.0.1:$1/$app"
}

# Creates DIR, which must be new or empty, for the clusters' user, with the marker
# that lets `stop` remove it.
prepare_dir() {
  local dir=$1
  if [ -e "$dir" ]; then
    [ -d "$dir" ] || die "$dir exists and is not a folder"
    [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
  fi
  mkdir -p "$dir"
  chmod 0700 "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    getent passwd "$pg_user" >/dev/null ||
      die "no user $pg_user to run the cluster as (scripts/deps.sh creates it)"
    chown "$pg_user:" "$dir"
    as_pg test -w "$dir" ||
      die "$pg_user cannot reach $dir: its parent folders must be searchable (chmod o+x)"
  fi
  echo "a throwaway PostgreSQL cluster of scripts/pg-cluster.sh" | put_file "$dir/$marker"
}

# The settings the scripts own, in files that postgresql.conf includes last.
write_conf() {
  local dir=$1 port=$2 name=$3
  put_file "$dir/data/collagenda-test.conf" <<EOF
# Written by scripts/pg-cluster.sh for a throwaway test cluster.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
cluster_name = '$name'
max_connections = 100
shared_buffers = 32MB
# Dynamic shared memory as files in the data directory: none is left in /dev/shm
# when a killed cluster's folder is removed.
dynamic_shared_memory_type = mmap
huge_pages = off
fsync = on
synchronous_commit = on
full_page_writes = on
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
hot_standby = on
# No checkpoint forced by time or WAL volume during a test.
checkpoint_timeout = 30min
max_wal_size = 1GB
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%a@%d '
EOF
}

# The primary's synchronous standby, rewritten by `standby` (a standby's copy empty).
write_sync_conf() {
  put_file "$1/data/collagenda-sync.conf" <<EOF
synchronous_standby_names = '$2'
EOF
}

# start_server DIR PORT NAME: starts the cluster on PORT, or on a free port when PORT
# is empty, trying another when the one picked is taken meanwhile; prints the port.
start_server() {
  local dir=$1 want=$2 name=$3 port log=$1/postgres.log offset try
  for try in 1 2 3 4 5 6 7 8 9 10; do
    port=${want:-$(free_port)}
    write_conf "$dir" "$port" "$name"
    offset=$(($(stat -c %s "$log" 2>/dev/null || echo 0) + 1))
    if without_fds as_pg "$pg_bin/pg_ctl" -D "$dir/data" -l "$log" -w -t "$wait_s" start >&2; then
      wait_for "$wait_s" "port $port to accept connections" ready "$port"
      echo "$port"
      return 0
    fi
    if [ -z "$want" ] && tail -c +"$offset" "$log" | grep -q 'Address already in use'; then
      echo "pg-cluster.sh: port $port was taken, trying another (attempt $try)" >&2
      continue
    fi
    tail -n 20 "$log" >&2 || true
    die "could not start the cluster in $dir (log: $log)"
  done
  die "could not find a free port for $dir"
}

cmd_start() {
  case $# in 1 | 2) ;; *) usage ;; esac
  local dir port name
  dir=$(cluster_dir "$1")
  port=${2:-}
  [ -z "$port" ] || [[ $port =~ ^[0-9]+$ ]] || die "bad port $port"
  name=$(cluster_name "$dir")
  prepare_dir "$dir"
  if ! as_pg "$pg_bin/initdb" -D "$dir/data" --locale=C -E UTF8 --auth=trust \
    -U "$admin" --no-instructions >"$dir/initdb.log" 2>&1; then
    tail -n 20 "$dir/initdb.log" >&2
    die "initdb failed (log: $dir/initdb.log)"
  fi
  {
    echo
    echo "include = 'collagenda-test.conf'"
    echo "include = 'collagenda-sync.conf'"
  } | as_pg tee -a "$dir/data/postgresql.conf" >/dev/null
  write_sync_conf "$dir" ""
  port=$(start_server "$dir" "$port" "$name")
  sql "$dir" "$admin" postgres "CREATE ROLE $app LOGIN CREATEDB" >/dev/null
  sql "$dir" "$admin" postgres "CREATE DATABASE $app OWNER $app" >/dev/null
  echo "pg-cluster.sh: primary $name running in $dir on port $port" >&2
  uri "$port" >&3
}

cmd_standby() {
  case $# in 2 | 3) ;; *) usage ;; esac
  local pdir dir port pport name query
  pdir=$(cluster_dir "$1")
  dir=$(cluster_dir "$2")
  port=${3:-}
  [ -z "$port" ] || [[ $port =~ ^[0-9]+$ ]] || die "bad port $port"
  postmaster_pid "$pdir" >/dev/null || die "no running cluster in $pdir"
  pport=$(pid_field "$pdir" 4)
  name=$(cluster_name "$dir")
  prepare_dir "$dir"
  # -R writes standby.signal and primary_conninfo (with application_name), -C -S a
  # physical slot on the primary so that it keeps the WAL the standby still needs.
  if ! as_pg "$pg_bin/pg_basebackup" -D "$dir/data" -X stream -c fast -R -C -S "$name" \
    -d "host=127.0.0.1 port=$pport user=$admin application_name=$name" \
    >"$dir/basebackup.log" 2>&1; then
    tail -n 20 "$dir/basebackup.log" >&2
    die "pg_basebackup from $pdir failed (log: $dir/basebackup.log)"
  fi
  # The copied settings name the primary's port, socket and synchronous standby.
  write_sync_conf "$dir" ""
  port=$(start_server "$dir" "$port" "$name")
  query="SELECT state FROM pg_stat_replication WHERE application_name = '$name'"
  wait_for "$wait_s" "$name to stream from $pdir" sql_is "$pdir" streaming "$query"
  write_sync_conf "$pdir" "\"$name\""
  sql "$pdir" "$admin" postgres "SELECT pg_reload_conf()" >/dev/null
  query="SELECT state || ' ' || sync_state FROM pg_stat_replication
         WHERE application_name = '$name'"
  wait_for "$wait_s" "$name to be $pdir's synchronous standby" \
    sql_is "$pdir" "streaming sync" "$query"
  echo "pg-cluster.sh: standby $name of port $pport running in $dir on port $port" >&2
  uri "$port" >&3
}

cmd_promote() {
  [ $# -eq 1 ] || usage
  local dir
  dir=$(cluster_dir "$1")
  postmaster_pid "$dir" >/dev/null || die "no running cluster in $dir"
  as_pg "$pg_bin/pg_ctl" -D "$dir/data" -w -t "$wait_s" promote >&2
  wait_for "$wait_s" "$dir to leave recovery" sql_is "$dir" f "SELECT pg_is_in_recovery()"
  echo "pg-cluster.sh: $dir promoted, port $(pid_field "$dir" 4)" >&2
}

# Kills what is left of DIR's cluster once its postmaster is gone. Its children end
# by themselves when they notice, but one busy in a query may run on for a long time
# (and still commit): a crashed server's processes are all gone.
reap_orphans() {
  local dir=$1 pids
  pids=$(cluster_pids "$dir")
  [ -n "$pids" ] || return 0
  echo "pg-cluster.sh: killing the orphaned processes of $dir: ${pids//$'\n'/ }" >&2
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null || true
  wait_for "$wait_s" "the orphaned processes of $dir to end" no_cluster_pids "$dir"
}

cmd_kill() {
  [ $# -eq 1 ] || usage
  local dir pid
  dir=$(cluster_dir "$1")
  pid=$(postmaster_pid "$dir") || die "no running cluster in $dir"
  kill -KILL "$pid"
  wait_for "$wait_s" "postmaster $pid to end" gone "$pid"
  reap_orphans "$dir"
  echo "pg-cluster.sh: killed postmaster $pid of $dir" >&2
}

# A killed postmaster leaves its small System V shared memory segment behind (its
# key and id are on line 7 of postmaster.pid); removes it when no process uses it.
remove_leftover_shm() {
  local f=$1/data/postmaster.pid key id
  [ -r "$f" ] || return 0
  read -r key id < <(sed -n 7p "$f") || return 0
  [[ $key =~ ^[0-9]+$ && $id =~ ^[0-9]+$ ]] || return 0
  # /proc/sysvipc/shm: key shmid perms size cpid lpid nattch ...
  if awk -v k="$key" -v i="$id" '$1 == k && $2 == i && $7 == 0 { f = 1 } END { exit !f }' \
    /proc/sysvipc/shm 2>/dev/null; then
    ipcrm -m "$id" 2>/dev/null || true
  fi
}

cmd_stop() {
  [ $# -eq 1 ] || usage
  local dir pid
  dir=$(cluster_dir "$1")
  [ -e "$dir" ] || return 0
  if [ ! -e "$dir/$marker" ] && [ -n "$(ls -A "$dir")" ]; then
    die "$dir holds no cluster of this script; not removing it"
  fi
  if pid=$(postmaster_pid "$dir"); then
    if ! as_pg "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w -t "$wait_s" stop >&2; then
      echo "pg-cluster.sh: fast shutdown of $dir failed, killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait_for "$wait_s" "postmaster $pid to end" gone "$pid"
  fi
  reap_orphans "$dir"
  remove_leftover_shm "$dir"
  rm -rf -- "$dir"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
  start) cmd_start "$@" ;;
  standby) cmd_standby "$@" ;;
  promote) cmd_promote "$@" ;;
  kill) cmd_kill "$@" ;;
  stop) cmd_stop "$@" ;;
  *) usage ;;
esac
