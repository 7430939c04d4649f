#!/usr/bin/env bash
# Runs API test binaries against PostgreSQL (tests/pg/with-cluster.sh): each test server
# makes a database of its own on the throwaway cluster.
# Usage: tests/pg/run-api.sh BUILD_DIR TEST_BINARY...
set -euo pipefail
cd "$(dirname "$0")/../.."
build=$1
shift
export COLLAGENDA_BIN=$PWD/$build/collagenda
exec bash tests/pg/with-cluster.sh bash tests/run.sh postgresql "$@"
