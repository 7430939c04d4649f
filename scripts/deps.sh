#!/usr/bin/env bash
# Installs the Debian packages collagenda needs to build and test, only those missing.
set -euo pipefail

pkgs=(build-essential pkg-config libmicrohttpd-dev libsqlite3-dev libjansson-dev
      libpq-dev libsodium-dev libcmocka-dev libcurl4-openssl-dev sqlite3 openssl clang libclang-rt-14-dev
      wrk gnuplot-nox curl tzdata
      clang-format cppcheck shellcheck
      chromium nodejs npm)
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
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "deps.sh: missing packages: ${missing[*]} (run as root to install)" >&2
  exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
