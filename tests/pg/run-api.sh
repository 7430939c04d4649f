#!/usr/bin/env bash
# Runs test binaries against PostgreSQL (tests/pg/with-cluster.sh): the store's unit tests
# and each API test server make a database of their own on the throwaway cluster.
# Usage: tests/pg/run-api.sh BUILD_DIR TEST_BINARY...
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$1
shift
export COLLAGENDA_BIN=$PWD/$build/collagenda
exec bash tests/pg/with-cluster.sh bash tests/run.sh postgresql "$@"
