#!/usr/bin/env bash
# Installs the Debian packages collagenda needs to build and test, only those missing,
# and, when run as root, creates the unprivileged user that runs the tests' throwaway
# PostgreSQL clusters (initdb refuses root; see scripts/pg-cluster.sh).
set -euo pipefail

pg_user=${COLLAGENDA_PG_USER:-collagenda-pg}

pkgs=(build-essential pkg-config libmicrohttpd-dev libsqlite3-dev libjansson-dev
      libpq-dev libsodium-dev libunistring-dev libcmocka-dev libcurl4-openssl-dev sqlite3 openssl clang libclang-rt-14-dev
      wrk gnuplot-nox curl tzdata python3-aiosmtpd python3-icalendar
      clang-format cppcheck shellcheck
      chromium nodejs npm
      postgresql-15
      libvips-dev libvips-tools libseccomp-dev libimage-exiftool-perl libarchive-dev)
if [ "${COLLAGENDA_DEPS_EXTRA:-}" != "" ]; then
  # shellcheck disable=SC2206
  pkgs+=(${COLLAGENDA_DEPS_EXTRA})
fi

missing=()
for p in "${pkgs[@]}"; do
  # A Node.js installed another way (with its own npm) counts: Debian's npm would
  # conflict with it.
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# A non-root user runs the clusters as itself and needs no such user.
need_user=false
if [ "$(id -u)" -eq 0 ] && ! getent passwd "$pg_user" >/dev/null; then
  need_user=true
fi
[ ${#missing[@]} -eq 0 ] && [ "$need_user" = false ] && exit 0

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing packages: ${missing[*]} (run as root to install)" >&2
    exit 1
  fi
  # postgresql-15 may create and start Debian's own cluster on port 5432; the tests
  # never use it and leave it alone.
  echo "deps.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$need_user" = true ]; then
  echo "deps.sh: creating system user $pg_user" >&2
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$pg_user"
fi
