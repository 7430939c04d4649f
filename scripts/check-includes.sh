#!/usr/bin/env bash
# Checks that includes follow the layers: domain/ stays pure, SQLite stays in store/,
# libmicrohttpd in http/, and store/'s own headers stay in store/.
#
# Rules, for the C files and headers under src/, include/ and tests/ (tools/ and bench/
# are standalone programs and not checked):
#   1. src/domain and include/domain include only "domain/..." and "util/..." headers
#      of the project, and no library header of the server's stack (sqlite3.h,
#      microhttpd.h, jansson.h, curl/); other system headers are fine.
#   2. Only src/store includes sqlite3.h (or libpq-fe.h). tests/unit and tests/api may: they open the
#      database file directly to check what the server wrote; so may tests/vfs, the
#      power-cut model that sits under SQLite in the power-loss tests.
#   3. Only src/http includes microhttpd.h.
#   4. Nothing outside src/store includes a header from src/store (db_internal.h), by
#      any path. tests/unit may: its store tests are white-box.
# Prints each violation as file:line: message and exits 1 if there is any.
set -euo pipefail
cd "$(dirname "$0")/.."

bad=0
report() {
  echo "$1:$2: $3" >&2
  bad=1
}

# Whether the header name, as written in file, can resolve into src/store: next to the
# including file or under -Isrc, the two ways a file outside store/ could reach it.
reaches_store() {
  local file=$1 name=$2 dir cand real
  dir=$(dirname "$file")
  for cand in "$dir/$name" "src/$name"; do
    [ -f "$cand" ] || continue
    real=$(realpath --relative-to=. "$cand")
    case "$real" in src/store/*) return 0 ;; esac
  done
  return 1
}

while IFS= read -r hit; do
  file=${hit%%:*}
  rest=${hit#*:}
  line=${rest%%:*}
  text=${rest#*:}
  # The header name and whether it was written "..." or <...>.
  if [[ $text =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]]; then
    kind=quote
  elif [[ $text =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<([^\>]+)\> ]]; then
    kind=angle
  else
    continue
  fi
  name=${BASH_REMATCH[1]}

  case "$file" in
    src/domain/* | include/domain/*)
      if [ "$kind" = quote ]; then
        case "$name" in
          domain/* | util/*) ;;
          *) report "$file" "$line" "domain/ includes \"$name\": only domain/ and util/ headers" ;;
        esac
      else
        case "$name" in
          sqlite3.h | libpq-fe.h | microhttpd.h | jansson.h | curl/*)
            report "$file" "$line" "domain/ includes <$name>: domain/ is pure rules, no I/O" ;;
        esac
      fi
      ;;
  esac

  if [ "$name" = libpq-fe.h ]; then
    case "$file" in
      src/store/* | tests/unit/* | tests/api/*) ;;
      *) report "$file" "$line" "libpq-fe.h outside src/store" ;;
    esac
  fi

  if [ "$name" = sqlite3.h ]; then
    case "$file" in
      src/store/* | tests/unit/* | tests/api/* | tests/vfs/*) ;;
      *) report "$file" "$line" "sqlite3.h outside src/store" ;;
    esac
  fi

  if [ "$name" = microhttpd.h ]; then
    case "$file" in
      src/http/*) ;;
      *) report "$file" "$line" "microhttpd.h outside src/http" ;;
    esac
  fi

  case "$file" in
    src/store/* | tests/unit/*) ;;
    *)
      if reaches_store "$file" "$name"; then
        report "$file" "$line" "\"$name\" is internal to src/store"
      fi
      ;;
  esac
done < <(grep -rnE --include='*.c' --include='*.h' --exclude-dir=node_modules \
  '^[[:space:]]*#[[:space:]]*include' src include tests)

if [ "$bad" -ne 0 ]; then
  echo "include check failed" >&2
  exit 1
fi
