#!/usr/bin/env bash
# Runs API test binaries against PostgreSQL: starts a throwaway cluster in a temporary
# folder (scripts/pg-cluster.sh), hands its address to the harness (COLLAGENDA_TEST_PG:
# each test server then makes a database of its own), and stops the cluster afterwards.
# Usage: tests/pg/run-api.sh BUILD_DIR TEST_BINARY...
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$1
shift
dir=$(mktemp -d /tmp/collagenda-pg-XXXXXX)
chmod 0711 "$dir"
cleanup() { bash scripts/pg-cluster.sh stop "$dir/cluster" || true; rm -rf "$dir"; }
trap cleanup EXIT
uri=$(bash scripts/pg-cluster.sh start "$dir/cluster")
# postgresql://collagenda@127.0.0.1:PORT/collagenda -> without the database name
export COLLAGENDA_TEST_PG=${uri%/*}
export COLLAGENDA_BIN=$PWD/$build/collagenda
echo "api tests on PostgreSQL at ${COLLAGENDA_TEST_PG}"
bash tests/run.sh postgresql "$@"
