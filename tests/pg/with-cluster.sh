#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster (scripts/pg-cluster.sh) started in a
# temporary folder and stopped afterwards; its address, a postgresql:// URI without a
# database name, is in COLLAGENDA_TEST_PG (the API harness and the browser tests then
# give each server a database of its own), its socket folder in COLLAGENDA_TEST_PG_SOCKET.
# Usage: tests/pg/with-cluster.sh COMMAND [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$(mktemp -d -p /tmp)
chmod 0711 "$dir"
cleanup() {
  bash scripts/pg-cluster.sh stop "$dir/cluster" || true
  rm -rf "$dir"
}
trap cleanup EXIT
uri=$(bash scripts/pg-cluster.sh start "$dir/cluster")
# postgresql://collagenda@127.0.0.1:PORT/collagenda -> without the database name
export COLLAGENDA_TEST_PG=${uri%/*}
# The folder of its Unix socket, for the tests of keyword connection strings.
export COLLAGENDA_TEST_PG_SOCKET=$dir/cluster
echo "on PostgreSQL at ${COLLAGENDA_TEST_PG}: $*"
"$@"
